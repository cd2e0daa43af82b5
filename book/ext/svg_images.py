"""The lessons' diagrams (SVG images) stay legible: each is as wide as its
page allows, never so narrow that its smallest text falls under
MIN_TEXT_PX; below that it keeps its width and scrolls inside its box (on a
phone), as listings do. The dark theme recolours them (book/static/course.css)."""
import os
import re

from docutils import nodes
from sphinx.writers.html5 import HTML5Translator

MIN_TEXT_PX = 11


def svg_geometry(path):
    """(natural width in CSS px, the width below which text gets smaller
    than MIN_TEXT_PX), or None if the file says neither."""
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read()
    except OSError:
        return None
    width = re.search(r'<svg\b[^>]*\bwidth="([\d.]+)(pt|px)?"', head)
    box = re.search(r'<svg\b[^>]*\bviewBox="[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)', head)
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)', head)]
    if not width or not sizes:
        return None
    natural = float(width.group(1)) * (4 / 3 if width.group(2) == "pt" else 1)
    units = float(box.group(1)) if box else natural
    return natural, MIN_TEXT_PX * units / min(sizes)


def style_for(path):
    geometry = svg_geometry(path)
    if geometry is None:
        return "max-width: 100%; height: auto"
    natural, legible = geometry
    return f"width: {natural:.0f}px; max-width: 100%; min-width: {min(natural, legible):.0f}px; height: auto"


def visit_image(self, node):
    if not node["uri"].lower().endswith(".svg"):
        return HTML5Translator.visit_image(self, node)
    source = os.path.join(self.builder.srcdir, node["uri"])
    self.body.append('<span class="diagram">')  # a span: the image sits in a paragraph
    start = len(self.body)
    HTML5Translator.visit_image(self, node)
    for i in range(start, len(self.body)):  # the <img> just written gets the width
        if self.body[i].startswith("<img"):
            self.body[i] = self.body[i].replace("<img ", f'<img style="{style_for(source)}" ', 1)


def depart_image(self, node):
    HTML5Translator.depart_image(self, node)
    if node["uri"].lower().endswith(".svg"):
        self.body.append("</span>")


def setup(app):
    app.add_node(nodes.image, override=True, html=(visit_image, depart_image))
    return {"parallel_read_safe": True, "version": "1"}

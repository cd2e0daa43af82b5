"""GitHub's alerts as the book's admonitions, so a lesson marks an aside
once and reads well in both places:

    > [!WARNING]
    > **Forgetting to release.** A task you never release ...

is a warning box on GitHub and an admonition here. A bold lead that ends
with a full stop or a colon becomes the admonition's title; without one,
the title is the kind's name (under "Common mistakes": "Common mistake",
as when the mistake is named in the middle of its sentence). The kinds are GitHub's: NOTE, TIP, IMPORTANT, WARNING,
CAUTION (docs/chapter-format.md says which the lessons use for what).
"""
import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

KINDS = {"NOTE": "Note", "TIP": "Tip", "IMPORTANT": "Important", "WARNING": "Warning", "CAUTION": "Caution"}
MARK = re.compile(r"\A\s*\[!(" + "|".join(KINDS) + r")\][ \t]*\n?")


def in_section(node, title):
    while node is not None and not isinstance(node, nodes.section):
        node = node.parent
    return node is not None and isinstance(node[0], nodes.title) and node[0].astext() == title


class Alerts(SphinxTransform):
    default_priority = 400

    def apply(self):
        for quote in list(self.document.findall(nodes.block_quote)):
            first = quote.children[0] if quote.children else None
            if not isinstance(first, nodes.paragraph) or not first.children \
                    or not isinstance(first[0], nodes.Text):
                continue
            m = MARK.match(first[0].astext())
            if not m:
                continue
            kind = m.group(1)
            rest = first[0].astext()[m.end():]
            if rest:
                first.replace(first[0], nodes.Text(rest))
            else:
                first.remove(first[0])
            title = [nodes.Text("Common mistake" if in_section(quote, "Common mistakes") else KINDS[kind])]
            while first.children and isinstance(first[0], nodes.Text) and not first[0].strip():
                first.remove(first[0])
            if first.children and isinstance(first[0], nodes.strong) and \
                    first[0].astext().rstrip().endswith((".", ":")):
                title = first[0].children[:]  # the lead keeps its code
                if isinstance(title[-1], nodes.Text):
                    title[-1] = nodes.Text(title[-1].astext().rstrip().rstrip(".:"))
                first.remove(first[0])
                if first.children and isinstance(first[0], nodes.Text):
                    first.replace(first[0], nodes.Text(first[0].astext().lstrip()))
            if not first.children:
                quote.remove(first)
            box = nodes.admonition("", nodes.title("", "", *title), *quote.children,
                                   classes=[kind.lower(), f"alert-{kind.lower()}"])
            box.source, box.line = quote.source, quote.line
            quote.replace_self(box)


def setup(app):
    app.add_transform(Alerts)
    return {"parallel_read_safe": True, "version": "1"}

"""Each lesson links the glossary's terms (book/glossary.md) from their
first use on the page: the first word or phrase of the running text that
is a term or its plural (not in code, a heading or a link)."""
import os
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

from autolinks import skipped

GLOSSARY = os.path.join(os.path.dirname(__file__), "..", "glossary.md")


def terms():
    """The glossary's terms: the unindented lines of its glossary block."""
    with open(GLOSSARY, encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line[0].isspace()]


def pattern(term):
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"\b" + r"[\s-]+".join(words) + r"(?:s|es)?\b", re.I)


class GlossaryLinks(SphinxTransform):
    default_priority = 610

    def apply(self):
        if not (self.env.docname.startswith("chapters/") and self.env.docname.endswith("/README")):
            return
        pending = sorted(((t, pattern(t)) for t in terms()), key=lambda tp: -len(tp[0]))
        queue = list(self.document.findall(nodes.Text))
        while queue and pending:
            text_node = queue.pop(0)
            if text_node.parent is None or skipped(text_node) or \
                    isinstance(text_node.parent, nodes.literal):
                continue
            text = text_node.astext()
            best = None
            for term, rx in pending:
                m = rx.search(text)
                if m and (best is None or m.start() < best[1].start()):
                    best = (term, m)
            if best is None:
                continue
            term, m = best
            pending = [tp for tp in pending if tp[0] != term]
            ref = addnodes.pending_xref("", nodes.Text(m.group(0)), refdomain="std", reftype="term",
                                        reftarget=term, refexplicit=True, refwarn=True,
                                        classes=["glossary-term"])
            parts = [nodes.Text(text[:m.start()]), ref, nodes.Text(text[m.end():])]
            parent = text_node.parent
            i = parent.index(text_node)
            parent.remove(text_node)
            for k, new in enumerate(p for p in parts if not (isinstance(p, nodes.Text) and not p.astext())):
                parent.insert(i + k, new)
            if parts[2].astext():
                queue.insert(0, parts[2])  # the rest of the sentence may hold another term


def setup(app):
    app.add_transform(GlossaryLinks)
    return {"parallel_read_safe": True, "version": "1"}

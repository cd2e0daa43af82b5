"""The hints, reached from the exercises rather than by paging on.

- Each chapter's hints.md is a page of its own outside the table of
  contents (no "Next" leads into it) and outside the search index (no hint
  shows up in a search result); in the PDF it is an appendix.
- Every exercise in a lesson's "Exercises" section ends with a link to its
  hints, and every exercise's hints start with a link back to it.
- Each level (a "###" section under an exercise's "##", as the grader's
  parser reads it for `make hint`) becomes a collapsed block (open in the
  PDF).
"""
import os
import sys

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms import SphinxTransform

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "autograder"))
from grader import chapters  # noqa: E402
from grader import hints as hints_md  # noqa: E402  (the grader's reading of hints.md, make hint's too)


class hint_block(nodes.General, nodes.Element):
    """A hint: collapsed under its title."""


def visit_hint_html(self, node):
    opened = " open" if self.builder.name == "singlehtml" else ""
    self.body.append(f'<details class="hint"{opened}><summary>{self.encode(node["title"])}</summary>\n')


def depart_hint_html(self, node):
    self.body.append("</details>\n")


def chapter_of(docname):
    """(chapter, 'lesson' | 'hints') for a chapter's page, else (None, None)."""
    parts = docname.split("/")
    if len(parts) == 3 and parts[0] == "chapters" and parts[2] in ("README", "hints"):
        try:
            return chapters.find(parts[1][:2]), "lesson" if parts[2] == "README" else "hints"
        except chapters.ManifestError:
            return None, None
    return None, None


def label(document, node, name):
    """Give a section or a paragraph a label the other page can refer to."""
    if not node["ids"]:
        node["ids"].append(name)
        document.ids[name] = node
    node["names"].append(name)
    document.nameids[name] = node["ids"][0]
    document.nametypes[name] = True


def hints_link(n, name):
    return nodes.paragraph("", "", nodes.Text("Stuck? "),
                           xref(f"hints-{n}-{name}", nodes.Text(f"The hints for {name}")),
                           nodes.Text(", one level at a time, or "),
                           nodes.literal("", f"make hint CH={n} EX={name}"),
                           nodes.Text(" in a terminal."), classes=["hint-link"])


def exercises_in(section, names):
    """The exercises of a lesson's Exercises section: (node, name) for each
    subsection titled "name: ..." and each paragraph led by **name**."""
    for child in section.children:
        if isinstance(child, nodes.section):
            lead = title_text(child).split(":")[0].strip()
        elif isinstance(child, nodes.paragraph):
            first = next((c for c in child.children if not (isinstance(c, nodes.Text) and not c.strip())), None)
            if not isinstance(first, nodes.strong):
                continue
            lead = first.astext().strip()
        else:
            continue
        if lead in names:
            yield child, lead


def xref(target, *children):
    return pending_xref("", *children, refdomain="std", reftype="ref", reftarget=target,
                        refexplicit=True, refwarn=True)


def title_text(section):
    return section[0].astext().strip() if section.children and isinstance(section[0], nodes.title) else ""


class ExerciseLinks(SphinxTransform):
    default_priority = 500

    def apply(self):
        chapter, kind = chapter_of(self.env.docname)
        if chapter is None:
            return
        names = [ex.name for ex in chapter.exercises]
        n = chapter.number
        levels = {sec.exercise: [lv.title for lv in sec.levels] for sec in hints_md.sections(chapter)}
        for section in list(self.document.findall(nodes.section)):
            title = title_text(section)
            if kind == "lesson" and title == "Exercises":
                for node, name in list(exercises_in(section, names)):
                    label(self.document, node, f"exercise-{n}-{name}")
                    if isinstance(node, nodes.section):
                        node += hints_link(n, name)
                    else:
                        node.parent.insert(node.parent.index(node) + 1, hints_link(n, name))
            elif kind == "hints" and title in levels and title in names:
                name = title
                label(self.document, section, f"hints-{n}-{name}")
                back = nodes.paragraph("", "", nodes.Text("For the exercise "),
                                       xref(f"exercise-{n}-{name}", nodes.literal("", name)),
                                       nodes.Text(f" of chapter {int(n)}. Try each hint before opening the next."),
                                       classes=["hint-link"])
                section.insert(1, back)
            elif kind == "hints" and isinstance(section.parent, nodes.section) and \
                    title in levels.get(title_text(section.parent), []):
                block = hint_block(title=title)
                block += section.children[1:]
                section.replace_self(block)


def hints_are_orphans(app, doctree):
    """Outside the table of contents, except in the PDF's single page."""
    if chapter_of(app.env.docname)[1] == "hints" and app.builder.name != "singlehtml":
        app.env.metadata[app.env.docname]["orphan"] = True


def keep_hints_out_of_search(app):
    index_page = getattr(app.builder, "index_page", None)
    if index_page is None:
        return

    def index_unless_hints(pagename, doctree, title):
        if chapter_of(pagename)[1] != "hints":
            index_page(pagename, doctree, title)

    app.builder.index_page = index_unless_hints


def setup(app):
    app.add_node(hint_block, html=(visit_hint_html, depart_hint_html))
    app.add_transform(ExerciseLinks)
    app.connect("doctree-read", hints_are_orphans)
    app.connect("builder-inited", keep_hints_out_of_search)
    return {"parallel_read_safe": True, "version": "1"}

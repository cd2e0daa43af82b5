"""Links the lessons do not spell out, made where the text names the thing:

- inline code that starts with a name the API reference documents
  (`ac_task_create()`, `ac_task_create(&task, fn, arg)`, `AC_SEM_BOUNDED`)
  links to its entry; the names are Doxygen's (book/ext/apipages.py), and a
  name Sphinx cannot resolve fails the build (-n); an environment variable
  that a header's overview describes (`AC_DEBUG=1`) links to that page;
- "chapter 05", "chapters 05 and 06" link to the chapter, or to its place
  in the course map while it is not written yet;
- inline code naming a file of the repository (`docs/DESIGN.md`,
  `runtime/examples/hello.c`) links to it, and to the section when the text
  goes on with its title in quotes: (`docs/DESIGN.md`, "The scheduler").
"""
import glob
import os
import re

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

import apipages
import repository

ROOT = apipages.ROOT
NAME = re.compile(r"\A(ac_\w*[A-Za-z0-9]|AC_[A-Z0-9_]*[A-Z0-9])(?![\w*<])")
CHAPTER = re.compile(r"\b([Cc]hapters?)\s+(\d\d)\b((?:(?:,\s*|\s+and\s+|\s+or\s+|\s+to\s+)\d\d\b)*)")
SECTION_AFTER = re.compile(r'\A,\s*"([^"]+)"')
_names = None


def api_names():
    global _names
    if _names is None:
        _names = apipages.doxygen_names()
    return _names


def chapter_target(number):
    """A chapter's lesson, or its entry in the course map (book/ext/coursemap.py)."""
    found = glob.glob(os.path.join(ROOT, "chapters", f"{number}-*", "README.md"))
    if found:
        return "doc", "/" + os.path.relpath(found[0], ROOT)[:-3]
    return "ref", f"chapter-{number}"


def chapter_ref(number, text):
    reftype, target = chapter_target(number)
    return addnodes.pending_xref("", nodes.Text(text), refdomain="std", reftype=reftype,
                                 reftarget=target, refexplicit=True, refwarn=True)


def github_slug(title):
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def skipped(node):
    """Inside a link, a heading, code or a signature: leave it as it is (an
    admonition's title is text like any other)."""
    p = node.parent
    while p is not None:
        if isinstance(p, nodes.title) and not isinstance(p.parent, nodes.Admonition):
            return True
        if isinstance(p, (nodes.reference, addnodes.pending_xref, nodes.literal_block,
                          nodes.raw, addnodes.desc_signature, nodes.FixedTextElement)):
            return True
        p = p.parent
    return False


def environment_variables():
    """{AC_NAME: group} for the environment variables the headers' overviews
    describe (`AC_DEBUG=1`), so a lesson's mention links to that page."""
    found = {}
    for group, _, header in apipages.groups():
        with open(os.path.join(apipages.INCLUDE, header), encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"@defgroup\s+" + group + r"\b(.*?)@\{", text, re.S)
        for name in re.findall(r"`(AC_[A-Z0-9_]+)(?:=[^`]*)?`", m.group(1) if m else ""):
            found.setdefault(name, group)
    return found


def link_chapters(text_node):
    text = text_node.astext()
    out, pos = [], 0
    for m in CHAPTER.finditer(text):
        if m.start() > pos:
            out.append(nodes.Text(text[pos:m.start()]))
        word, first, more = m.group(1), m.group(2), m.group(3)
        out.append(chapter_ref(first, f"{word} {first}"))
        for part in re.split(r"(\d\d)", more):
            if re.fullmatch(r"\d\d", part):
                out.append(chapter_ref(part, part))
            elif part:
                out.append(nodes.Text(part))
        pos = m.end()
    if not out:
        return
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    parent = text_node.parent
    i = parent.index(text_node)
    parent.remove(text_node)
    for k, new in enumerate(out):
        parent.insert(i + k, new)


class AutoLinks(SphinxTransform):
    default_priority = 600

    def apply(self):
        for literal in list(self.document.findall(nodes.literal)):
            if skipped(literal) or any(True for _ in literal.findall(
                    lambda n: isinstance(n, (nodes.reference, addnodes.pending_xref)))):
                continue
            text = literal.astext()
            m = NAME.match(text)
            if m and m.group(1) in api_names():
                ref = addnodes.pending_xref("", refdomain="c", reftype="identifier", reftarget=m.group(1),
                                            refexplicit=True, refwarn=True)
                literal.replace_self(ref)
                ref += literal
                continue
            if m and m.group(1) in environment_variables():
                ref = addnodes.pending_xref("", refdomain="std", reftype="doc", refexplicit=True, refwarn=True,
                                            reftarget=f"/book/api/{environment_variables()[m.group(1)]}")
                literal.replace_self(ref)
                ref += literal
                continue
            if "/" in text and not text.startswith(("build/", "/")) and \
                    os.path.isfile(os.path.join(ROOT, text)):
                url = repository.file_link(text)
                after = literal.next_node(descend=False, siblings=True)
                if isinstance(after, nodes.Text):
                    s = SECTION_AFTER.match(after.astext())
                    if s:
                        url += "#" + github_slug(s.group(1))
                ref = nodes.reference("", "", refuri=url, classes=["repository-file"])
                literal.replace_self(ref)
                ref += literal
        for text_node in list(self.document.findall(nodes.Text)):
            if not skipped(text_node) and CHAPTER.search(text_node.astext()):
                link_chapters(text_node)


def setup(app):
    app.add_transform(AutoLinks)
    return {"parallel_read_safe": True, "version": "1"}

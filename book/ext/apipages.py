"""The API reference, one page per @defgroup of the runtime's headers
(book/api/GROUP.md, written when the build starts and not kept in git), so
a new header gets its page by itself:

- the group's overview from the header (lifetimes, defaults, environment
  variables), then a contents list naming every function, type and macro;
- then every entry, with each parameter, each code returned and every
  field of every structure.

Function parameters are kept out of the search index.

`<!-- api -->` in book/api.md becomes the list of the groups. The names the
reference documents come from Doxygen's XML (`doxygen_names()`), which the
lessons' links use too (book/ext/autolinks.py).
"""
import glob
import os
import re
import xml.etree.ElementTree as ET

from sphinx.domains.c import CDomain

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INCLUDE = os.path.join(ROOT, "runtime", "include")
XML = os.path.join(ROOT, "build", "book", "doxygen", "xml")
PAGES = os.path.join(ROOT, "book", "api")

# Doxygen's kinds, as the contents list names them, in this order.
KINDS = [("function", "Functions"), ("typedef", "Types"), ("struct", "Structures"),
         ("enum", "Enumerations"), ("define", "Macros and constants")]


def groups():
    """(group, title, header) per @defgroup, in the order ac.h includes the
    headers, then any header it does not include."""
    with open(os.path.join(INCLUDE, "ac.h")) as f:
        headers = re.findall(r'#include\s+"(ac/[^"]+)"', f.read())
    extra = sorted({os.path.relpath(p, INCLUDE) for p in glob.glob(os.path.join(INCLUDE, "ac", "*.h"))}
                   - set(headers))
    found = []
    for h in headers + extra:
        with open(os.path.join(INCLUDE, h)) as f:
            found += [(g, t.strip(), h) for g, t in re.findall(r"@defgroup\s+(\w+)\s+([^\n]*)", f.read())]
    return found


def _text(el):
    return "".join(el.itertext()).strip() if el is not None else ""


def group_members(group):
    """{kind: [name...]} of a group, from Doxygen's XML, in header order."""
    path = os.path.join(XML, f"group__{group.replace('_', '__')}.xml")
    root = ET.parse(path).getroot()
    out = {kind: [] for kind, _ in KINDS}
    for member in root.iter("memberdef"):
        if member.get("kind") in out:
            out[member.get("kind")].append(_text(member.find("name")))
    for inner in root.iter("innerclass"):
        out["struct"].append(inner.text.strip())
    return out


def doxygen_names():
    """Every name Doxygen documents: {name: kind}, kinds as in its index
    (function, typedef, define, enumvalue, struct, variable for a field
    as "struct.field")."""
    root = ET.parse(os.path.join(XML, "index.xml")).getroot()
    names = {}
    for compound in root.iter("compound"):
        kind, cname = compound.get("kind"), _text(compound.find("name"))
        if kind == "struct":
            names[cname] = "struct"
        for member in compound.iter("member"):
            mname = _text(member.find("name"))
            if kind == "struct":
                names[f"{cname}.{mname}"] = "field"
            elif kind in ("group", "file"):
                names.setdefault(mname, member.get("kind"))
    return names


def markdown(el):
    """A paragraph of Doxygen's XML as Markdown: code and the names it links
    as inline code (which the book links again), bold and italics kept."""
    marks = {"computeroutput": "`", "ref": "`", "bold": "**", "emphasis": "*"}
    out = [el.text or ""]
    for child in el:
        mark = marks.get(child.tag, "")
        inner = "".join(child.itertext()) if mark == "`" else markdown(child)
        out.append(f"{mark}{inner}{mark}" + (child.tail or ""))
    return "".join(out)


def summary(group):
    """The first sentence of a group's overview."""
    path = os.path.join(XML, f"group__{group.replace('_', '__')}.xml")
    detail = ET.parse(path).getroot().find("compounddef/detaileddescription")
    para = detail.find("para") if detail is not None else None
    text = " ".join(markdown(para).split()) if para is not None else ""
    m = re.match(r"(.+?\.)(\s|$)", text)
    return m.group(1) if m else text


def included_by_ac_h(header):
    with open(os.path.join(INCLUDE, "ac.h")) as f:
        return f'#include "{header}"' in f.read()


def page(group, title, header):
    members = group_members(group)
    roles = {"function": "c:func", "typedef": "c:type", "struct": "c:struct", "enum": "c:enum",
             "define": "c:macro"}
    contents = []
    for kind, label in KINDS:
        if members[kind]:
            names = ", ".join(f"{{{roles[kind]}}}`{n}`" for n in members[kind])
            contents.append(f"**{label}:** {names}\n")
    return (f"# {title}\n\n"
            f"`{header}`" + (", included by `ac.h`.\n\n" if included_by_ac_h(header) else ".\n\n") +
            f"::::{{container}} api-overview\n```{{doxygengroup}} {group}\n:desc-only:\n```\n::::\n\n"
            f"## Contents\n\n" + "\n".join(contents) + "\n"
            f"## Reference\n\n"
            f"```{{doxygengroup}} {group}\n:content-only:\n:members:\n```\n")


def write_pages(app):
    os.makedirs(PAGES, exist_ok=True)
    wanted = {}
    for group, title, header in groups():
        wanted[os.path.join(PAGES, f"{group}.md")] = page(group, title, header)
    for stale in set(glob.glob(os.path.join(PAGES, "*.md"))) - set(wanted):
        os.remove(stale)
    for path, text in wanted.items():
        old = open(path).read() if os.path.exists(path) else None
        if old != text:  # unchanged pages keep their time: Sphinx rereads nothing needlessly
            with open(path, "w") as f:
                f.write(text)


def source_header(docname):
    """The header an API page comes from, or None for other pages."""
    if docname.startswith("book/api/"):
        for group, _, header in groups():
            if docname == f"book/api/{group}":
                return f"runtime/include/{header}"
    return None


def api_index():
    """One line per part: its page, its header, its overview's first sentence."""
    items = [f"- **{{doc}}`{title} <api/{group}>`** (`{header}`): {summary(group)}"
             for group, title, header in groups()]
    entries = "\n".join(f"api/{group}" for group, _, _ in groups())
    return "\n".join(items) + "\n\n```{toctree}\n:hidden:\n\n" + entries + "\n```\n"


def on_source_read(app, docname, source):
    if docname == "book/api":
        source[0] = source[0].replace("<!-- api -->", api_index())


class CDomainWithoutParameters(CDomain):
    """The C domain, less its function parameters in the search index:
    searching for "task" finds the calls, not every `task` argument."""

    def get_objects(self):
        return (o for o in super().get_objects() if o[2] != "functionParam")


def setup(app):
    app.add_domain(CDomainWithoutParameters, override=True)
    app.connect("builder-inited", write_pages)
    app.connect("source-read", on_source_read)
    return {"parallel_read_safe": True, "version": "1"}

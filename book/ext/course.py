"""Sphinx extension of the book: it writes the parts of pages that come
from the repository as it is, when the page is read (nothing is copied):

- `<!-- chapters -->` in the index: the table of contents, one entry per
  chapter lesson and its hints;
- the chapters' hints.md: each "### Hint N" becomes a collapsed block;
- `<!-- api -->`: one Breathe group per @defgroup of the runtime's headers;
- `<!-- grading-status -->`: the grader's results on the reference solutions.
"""
import glob
import json
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULTS = os.path.join(ROOT, "build", "grade", "solutions", "results.json")


def chapter_dirs():
    return sorted(os.path.basename(d) for d in glob.glob(os.path.join(ROOT, "chapters", "[0-9][0-9]-*"))
                  if os.path.exists(os.path.join(d, "README.md")))


def toc():
    entries = []
    for slug in chapter_dirs():
        entries.append(f"/chapters/{slug}/README")
        if os.path.exists(os.path.join(ROOT, "chapters", slug, "hints.md")):
            entries.append(f"/chapters/{slug}/hints")
    entries += ["api", "status"]
    return "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n"


def collapse_hints(text):
    out, body, title = [], [], None

    def flush():
        if title is not None:
            out.append(f"`````{{dropdown}} {title}\n" + "\n".join(body).strip() + "\n`````\n")

    for line in text.splitlines():
        m = re.match(r"^###\s+(.*)$", line)
        if m or line.startswith("## ") or line.startswith("# "):
            flush()
            body, title = [], None
            if m:
                title = m.group(1).strip()
                continue
        if title is None:
            out.append(line)
        else:
            body.append(line)
    flush()
    return "\n".join(out) + "\n"


def api_groups():
    """The @defgroup names of the headers, in the order ac.h includes them."""
    with open(os.path.join(ROOT, "runtime", "include", "ac.h")) as f:
        headers = re.findall(r'#include\s+"(ac/[^"]+)"', f.read())
    extra = sorted(set(os.path.relpath(p, os.path.join(ROOT, "runtime", "include"))
                       for p in glob.glob(os.path.join(ROOT, "runtime", "include", "ac", "*.h"))) - set(headers))
    groups = []
    for h in headers + extra:
        with open(os.path.join(ROOT, "runtime", "include", h)) as f:
            groups += [(g, t.strip(), h) for g, t in re.findall(r"@defgroup\s+(\w+)\s+([^\n]*)", f.read())]
    return groups


def api_page():
    parts = []
    for group, title, header in api_groups():
        parts.append(f"## {title}\n\nFrom `{header}`.\n\n```{{doxygengroup}} {group}\n:content-only:\n```\n")
    return "\n".join(parts)


def grading_status():
    try:
        with open(RESULTS) as f:
            doc = json.load(f)
    except OSError:
        return "*The grader's report is missing: `make book` runs `make grade-solutions` first.*\n"
    rows = {}
    for t in doc["tests"]:
        chapter, rest = t["name"].split(" ", 1)
        exercise = rest.split(":", 1)[0]
        r = rows.setdefault((chapter, exercise), [0, 0, 0, 0])
        r[0] += 1
        r[1] += t["status"] == "passed" if "status" in t else t["score"] == t["max_score"]
        r[2] += t["score"]
        r[3] += t["max_score"]
    lines = ["| chapter | exercise | tests passed | points |", "|---|---|---|---|"]
    for (chapter, exercise), (n, passed, score, most) in sorted(rows.items()):
        lines.append(f"| {chapter} | `{exercise}` | {passed}/{n} | {score}/{most} |")
    lines.append(f"\n**Total: {doc['score']}/{doc['max_score']} points.**\n")
    return "\n".join(lines) + "\n"


def on_source_read(app, docname, source):
    text = source[0]
    if docname.startswith("chapters/") and docname.endswith("/hints"):
        text = collapse_hints(text)
    text = text.replace("<!-- chapters -->", toc())
    text = text.replace("<!-- api -->", api_page())
    text = text.replace("<!-- grading-status -->", grading_status())
    source[0] = text


def setup(app):
    app.connect("source-read", on_source_read)
    return {"parallel_read_safe": True, "version": "1"}

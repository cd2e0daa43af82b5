"""Sphinx extension of the book: it writes the parts of pages that come
from the repository as it is, when the page is read (nothing is copied):

- `<!-- chapters -->` in the index: the table of contents, one entry per
  chapter lesson and its hints;
- the chapters' hints.md: each "### Hint N" becomes a collapsed block;
- `<!-- api -->`: one Breathe group per @defgroup of the runtime's headers;
- `<!-- grading-status -->`: in the course's repository, the grader's results
  on the reference solutions; in a learner's (no solutions/), the learner's
  own progress from their last grade run.
"""
import glob
import json
import os
import re
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "autograder"))
from grader import chapters, hints, state  # noqa: E402  (hints: the grader's reading of hints.md)

SOLUTIONS_RESULTS = os.path.join(ROOT, "build", "grade", "solutions", "results.json")
LEARNER_RESULTS = os.path.join(ROOT, "build", "grade", "results.json")  # where `make grade` writes


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
    """A chapter's hints.md with each hint level in a collapsed block."""
    preamble, sections = hints.parse(text)
    parts = [preamble] if preamble else []
    for s in sections:
        parts.append(f"## {s.heading}")
        if s.intro:
            parts.append(s.intro)
        parts += [f"`````{{dropdown}} {lv.title}\n{lv.body}\n`````" for lv in s.levels]
    return "\n\n".join(parts) + "\n"


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


def load_results(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def solutions_status():
    doc = load_results(SOLUTIONS_RESULTS)
    if doc is None:
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
    lines = ["The grader's results on the reference solutions, from the build of this book: every exercise",
             "can be graded, and the solutions score full marks.", "",
             "| chapter | exercise | tests passed | points |", "|---|---|---|---|"]
    for (chapter, exercise), (n, passed, score, most) in sorted(rows.items()):
        lines.append(f"| {chapter} | `{exercise}` | {passed}/{n} | {score}/{most} |")
    lines.append(f"\n**Total: {doc['score']}/{doc['max_score']} points.**\n")
    return "\n".join(lines) + "\n"


def learner_status():
    """Every exercise of the course: what the last grade run said of it, and
    whether it is complete (.grade/state.json keeps that between runs)."""
    doc = load_results(LEARNER_RESULTS)
    done = state.load()["done"]
    last = {}  # (chapter, exercise) -> [tests passed, tests, points, most, built]
    for t in (doc or {"tests": []})["tests"]:
        chapter, rest = t["name"].split(" ", 1)
        exercise, test = rest.split(": ", 1)
        r = last.setdefault((chapter, exercise), [0, 0, 0, 0, True])
        if test == "build":  # the grader's entry for an exercise that did not compile
            r[3], r[4] = t["max_score"], False
            continue
        r[0] += t["status"] == "passed"
        r[1] += 1
        r[2] += t["score"]
        r[3] += t["max_score"]
    if doc is None:
        lines = ["You have not graded anything yet. `make grade` grades the chapter you are on; then",
                 "`make book` shows your progress here."]
    else:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(LEARNER_RESULTS)))
        lines = [f"Your progress, from your last grade run ({when}). `make grade` and then `make book`",
                 "bring it up to date; an exercise is complete once it has scored full marks."]
    lines += ["", "| chapter | exercise | last grade run | points | complete |", "|---|---|---|---|---|"]
    score = most_total = complete = count = 0
    for ch in chapters.all_chapters():
        for ex in ch.exercises:
            most = sum(t.points for t in ex.tests if not t.hidden)
            is_done = bool(done.get(f"{ch.number}/{ex.name}"))
            r = last.get((ch.number, ex.name))
            if r is None:
                seen, points = "not graded", most if is_done else 0
            elif not r[4]:
                seen, points = "did not compile", 0
            else:
                seen, points = f"{r[0]}/{r[1]} tests passed", r[2]
            lines.append(f"| {ch.number} | `{ex.name}` | {seen} | {points}/{most} | {'yes' if is_done else 'no'} |")
            score, most_total = score + points, most_total + most
            complete, count = complete + is_done, count + 1
    lines.append(f"\n**{complete}/{count} exercises complete, {score}/{most_total} points.**\n")
    return "\n".join(lines) + "\n"


def grading_status():
    has_solutions = glob.glob(os.path.join(ROOT, "solutions", "*", "exercises"))  # as mk/config.mk decides
    return solutions_status() if has_solutions else learner_status()


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

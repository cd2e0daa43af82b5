"""Sphinx extension of the book: it writes the parts of pages that come
from the repository as it is, when the page is read (nothing is copied):

- `<!-- chapters -->` in the index: the table of contents, the chapters'
  lessons in order, then the reference pages (the hints are reached from
  each exercise, not by paging on: book/ext/hints.py); `<!-- whole-book -->`
  in book/whole.md, the root of the single page and the PDF: the index, the
  same contents, and the hints as an appendix;
- each chapter's number in its lesson's and its hints' titles;
- `<!-- grading-status -->`: in the course's repository, the grader's results
  on the reference solutions; in a learner's (no solutions/), the learner's
  own progress from their last grade run; exercises in lesson order.
"""
import glob
import json
import os
import re
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "autograder"))
from grader import chapters, state  # noqa: E402

SOLUTIONS_RESULTS = os.path.join(ROOT, "build", "grade", "solutions", "results.json")
LEARNER_RESULTS = os.path.join(ROOT, "build", "grade", "results.json")  # where `make grade` writes


def chapter_dirs():
    return sorted(os.path.basename(d) for d in glob.glob(os.path.join(ROOT, "chapters", "[0-9][0-9]-*"))
                  if os.path.exists(os.path.join(d, "README.md")))


def toctree(caption, entries):
    return f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n"


def toc(single_page):
    """The site's contents (in the index), or the whole book's (book/whole.md,
    the single page and the PDF: the index first, the hints at the end)."""
    lessons = [f"/chapters/{slug}/README" for slug in chapter_dirs()]
    out = toctree("Chapters", lessons) + toctree("Reference", ["api", "glossary", "status"])
    if single_page:
        hints = [f"/chapters/{slug}/hints" for slug in chapter_dirs()
                 if os.path.exists(os.path.join(ROOT, "chapters", slug, "hints.md"))]
        out = toctree("Introduction", ["index"]) + out + toctree("Hints", hints)
    return out.replace("```{toctree}\n", "```{toctree}\n:hidden:\n") if not single_page else out


def number_title(text, number):
    """'# Title' -> '# 1. Title', '# Hints: Title' -> '# Hints for 1. Title':
    chapters are numbered in titles and in the table of contents by their
    folder's number (a chapter not written yet leaves its number free)."""
    if re.match(r"\s*# Hints: ", text):
        return re.sub(r"\A(\s*)# Hints: ", lambda m: f"{m.group(1)}# Hints for {int(number)}. ", text, count=1)
    return re.sub(r"\A(\s*)# ", lambda m: f"{m.group(1)}# {int(number)}. ", text, count=1)


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
    verdict = ("every exercise can be graded, and the solutions score full marks."
               if doc["score"] == doc["max_score"] else "the solutions do NOT all score full marks.")
    lines = [f"The grader's results on the reference solutions, from the build of this book: {verdict}", "",
             "| ch. | exercise | tests | points |", "|---|---|---|---|"]
    for ch in chapters.all_chapters():  # lesson order: the manifests' order
        for ex in ch.exercises:
            if (ch.number, ex.name) in rows:
                n, passed, score, most = rows.pop((ch.number, ex.name))
                lines.append(f"| {ch.number} | `{ex.name}` | {passed}/{n} | {score}/{most} |")
    for (chapter, exercise), (n, passed, score, most) in sorted(rows.items()):  # no longer in a manifest
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
    lines += ["", "| ch. | exercise | last run | points | complete |", "|---|---|---|---|---|"]
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
    if docname.startswith("chapters/"):
        text = number_title(text, docname.split("/")[1][:2])
    single = app.builder.name == "singlehtml"
    if single and docname == "book/index":  # a chapter of the whole book, after its own title page
        text = re.sub(r"\A# .*", "# About the course", text, count=1)
    text = text.replace("<!-- chapters -->", "" if single else toc(False))
    text = text.replace("<!-- whole-book -->", toc(True))
    text = text.replace("<!-- grading-status -->", grading_status())
    source[0] = text


def whole_book_only_in_one_page(app):
    """book/whole.md is the single page's root; the site has the index."""
    if app.builder.name != "singlehtml":
        app.config.exclude_patterns.append("book/whole.md")


def setup(app):
    app.connect("builder-inited", whole_book_only_in_one_page)
    app.connect("source-read", on_source_read)
    return {"parallel_read_safe": True, "version": "1"}

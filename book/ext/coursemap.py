"""`<!-- course-map -->` in the index: every chapter of the plan
(chapters/plan.toml), numbered, with what the learner builds; a chapter
whose lesson exists links to it and lists its exercises with their points
(from its chapter.toml), the others say they are planned. Each entry has
the label chapter-NN, which "chapter NN" in any page links to while the
chapter is not written (book/ext/autolinks.py)."""
import os
import re
import tomllib

import apipages
from course import chapters  # the grader's reading of the manifests

ROOT = apipages.ROOT
PLAN = os.path.join(ROOT, "chapters", "plan.toml")


def plan():
    with open(PLAN, "rb") as f:
        return tomllib.load(f)["chapter"]


def lesson_title(slug, fallback):
    with open(os.path.join(ROOT, "chapters", slug, "README.md"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                return line[2:].strip()
    return fallback


def api_as_code(text):
    """The runtime's names in a manifest's plain text as inline code, which
    the book links to their entries (book/ext/autolinks.py)."""
    return re.sub(r"(?<![`\w])((?:ac|AC)_\w+(?:\(\))?)", r"`\1`", text)


def course_map():
    written = {ch.number: ch for ch in chapters.all_chapters()}
    slugs = {d[:2]: d for d in os.listdir(os.path.join(ROOT, "chapters"))
             if d[:2].isdigit() and os.path.isfile(os.path.join(ROOT, "chapters", d, "README.md"))}
    out = ["::::::{container} course-map\n"]
    for entry in plan():
        n = entry["number"]
        slug = slugs.get(n)
        state = "available" if slug else "planned"
        out.append(f"(chapter-{n})=\n:::::{{container}} chapter-card {state}\n")
        if slug:
            title = lesson_title(slug, entry["title"])
            out.append(f"**{int(n)}. {{doc}}`{title} </chapters/{slug}/README>`**\n")
        else:
            out.append(f"**{int(n)}. {entry['title']}** *(planned)*\n")
        out.append(f"You build: {api_as_code(entry['builds'])}.\n")
        ch = written.get(n) if slug else None
        if ch and ch.exercises:
            total = sum(t.points for ex in ch.exercises for t in ex.tests if not t.hidden)
            out.append(f"Exercises, {total} points:\n")
            for ex in ch.exercises:
                points = sum(t.points for t in ex.tests if not t.hidden)
                out.append(f"- {{ref}}`{ex.name} <exercise-{n}-{ex.name}>` ({points} points): "
                           f"{api_as_code(ex.summary)}")
            out.append("")
        out.append(":::::\n")
    out.append("::::::\n")
    return "\n".join(out)


def on_source_read(app, docname, source):
    if "<!-- course-map -->" in source[0]:
        source[0] = source[0].replace("<!-- course-map -->", course_map())


def setup(app):
    app.connect("source-read", on_source_read)
    return {"parallel_read_safe": True, "version": "1"}

"""Hints, one level at a time, from a chapter's hints.md: a section
"## EXERCISE" per exercise, with "### ..." subsections, the levels."""
import os
import re


def levels(chapter, exercise):
    path = os.path.join(chapter.path, "hints.md")
    with open(path) as f:
        text = f.read()
    sections = re.split(r"^## +", text, flags=re.M)
    for sec in sections[1:]:
        title, _, body = sec.partition("\n")
        if title.strip().strip("`") == exercise:
            parts = re.split(r"^### +.*$", body, flags=re.M)
            return [p.strip() for p in parts[1:] if p.strip()]
    return []

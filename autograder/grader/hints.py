"""A chapter's hints.md, read by the grader (`make hint`, one level at a
time) and by the book (each level a collapsed block): a title, then a
section "## EXERCISE" per exercise, an optional paragraph, and "### ..."
subsections, the levels. Standard library only: the book imports it too."""
import os
import re
from dataclasses import dataclass, field


@dataclass
class Level:
    title: str
    body: str


@dataclass
class Section:
    heading: str                   # as written after "## "
    intro: str = ""                # text before the first level
    levels: list = field(default_factory=list)

    @property
    def exercise(self):
        return self.heading.strip("`")


def parse(text):
    """TEXT as (what comes before the first section, [Section])."""
    preamble, sections, lines = [], [], None
    for line in text.splitlines():
        m = re.match(r"^(##|###)\s+(.*?)\s*$", line)
        if m and m.group(1) == "##":
            sections.append(Section(m.group(2)))
            lines = []
            sections[-1].intro = lines
        elif m and sections:
            lines = []
            sections[-1].levels.append(Level(m.group(2), lines))
        else:
            (preamble if lines is None else lines).append(line)
    for s in sections:
        s.intro = "\n".join(s.intro).strip()
        for lv in s.levels:
            lv.body = "\n".join(lv.body).strip()
        s.levels = [lv for lv in s.levels if lv.body]
    return "\n".join(preamble).strip(), sections


def sections(chapter):
    """The sections of CHAPTER's hints.md ([] when it has none)."""
    try:
        with open(os.path.join(chapter.path, "hints.md")) as f:
            return parse(f.read())[1]
    except FileNotFoundError:
        return []


def levels(chapter, exercise):
    """The hint texts for EXERCISE, first to last."""
    for s in sections(chapter):
        if s.exercise == exercise:
            return [lv.body for lv in s.levels]
    return []

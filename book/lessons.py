#!/usr/bin/python3
"""Keep the lessons readable where learners read them: on GitHub, in an
editor, and in the book, which shows the same Markdown.

A listing is ordinary fenced code between two marker comments, written from
the real file by `update` and compared with it by `check`:

    <!-- listing: examples/callbacks.c main -->
    **`examples/callbacks.c`**

    ```c
    ...the lines between the two `/* [main] */` lines of the file...
    ```
    <!-- /listing -->

The path is relative to the Markdown file. Without a region name the whole
file is shown. The bold line is the caption: the path for a source file,
"What it prints" for an example's .expected output, or caption="..." in the
marker.

`check` also fails on what GitHub cannot show: a MyST directive or role, and
an image or link to a file that is not in the repository (build/ is not).

Usage: lessons.py update|check [FILE.md...]   (default: every chapter's
README.md and hints.md)"""
import difflib
import glob
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OPEN = re.compile(r'^<!-- listing: (\S+)(?: (?!caption=)(\S+))?(?: caption="([^"]*)")? -->$')
CLOSE = "<!-- /listing -->"
LANGUAGES = {".c": "c", ".h": "c", ".py": "python", ".sh": "sh", ".toml": "toml"}
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
DIRECTIVE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}|:{3,})\s*\{")
ROLE = re.compile(r"\{[a-z][\w:-]*\}$")  # at the end of text that a code span follows
TARGET = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|<img\b[^>]*\bsrc="([^"]+)"')


class LessonError(Exception):
    pass


def lessons():
    return sorted(glob.glob(os.path.join(ROOT, "chapters", "*", "README.md")) +
                  glob.glob(os.path.join(ROOT, "chapters", "*", "hints.md")))


def region(path, name):
    """The lines of @path between its two `/* [name] */` lines, or all of it."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
    except OSError as e:
        raise LessonError(f"cannot read {os.path.relpath(path, ROOT)}: {e.strerror}")
    if name is None:
        return "".join(lines)
    marks = [i for i, line in enumerate(lines) if line.strip() == f"/* [{name}] */"]
    if len(marks) != 2:
        raise LessonError(f"{os.path.relpath(path, ROOT)}: expected two '/* [{name}] */' lines "
                          f"around the region, found {len(marks)}")
    text = "".join(lines[marks[0] + 1:marks[1]])
    if not text.strip():
        raise LessonError(f"{os.path.relpath(path, ROOT)}: region [{name}] is empty")
    return text


def caption_and_language(path, caption):
    """A listing's caption (the path as written, or "What it prints" for an
    example's output, unless the marker names one) and its language."""
    ext = os.path.splitext(path)[1]
    if caption is None:
        caption = "What it prints" if ext == ".expected" else f"`{path}`"
    return caption, LANGUAGES.get(ext, "text")


def listings(md_path, text):
    """Each listing of a lesson: (line number, source path, region, caption,
    language, start and end offsets of what lies between its markers)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    rel_md, found, i = os.path.relpath(md_path, ROOT), [], 0
    while i < len(lines):
        if lines[i].startswith("<!-- listing:"):
            m = OPEN.match(lines[i].rstrip("\n"))
            if not m:
                raise LessonError(f"{rel_md}:{i + 1}: a listing marker reads "
                                  f'<!-- listing: PATH [REGION] [caption="..."] -->, not {lines[i].strip()!r}')
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j].rstrip("\n") == CLOSE or lines[j].startswith("<!-- listing:")), None)
            if end is None or lines[end].rstrip("\n") != CLOSE:
                raise LessonError(f"{rel_md}:{i + 1}: listing without its closing {CLOSE}")
            source = os.path.normpath(os.path.join(os.path.dirname(md_path), m.group(1)))
            caption, language = caption_and_language(m.group(1), m.group(3))
            found.append((i + 1, source, m.group(2), caption, language, starts[i + 1], starts[end]))
            i = end
        i += 1
    return found


def render(source, name, caption, language):
    code = region(source, name)
    if not code.endswith("\n"):
        code += "\n"
    ticks = max([3] + [len(m.group(1)) + 1 for m in map(FENCE.match, code.splitlines()) if m])
    fence = "`" * ticks
    return f"**{caption}**\n\n{fence}{language}\n{code}{fence}\n"


def updated(md_path):
    """The lesson's text with every listing written anew from its source."""
    with open(md_path, encoding="utf-8") as f:
        text = f.read()
    out, last = [], 0
    for line, source, name, caption, language, start, end in listings(md_path, text):
        try:
            out += [text[last:start], render(source, name, caption, language)]
        except LessonError as e:
            raise LessonError(f"{os.path.relpath(md_path, ROOT)}:{line}: {e}")
        last = end
    out.append(text[last:])
    return text, "".join(out)


def github_problems(md_path, text):
    """What GitHub would show wrong: directives, roles, missing files."""
    rel_md, problems, fence = os.path.relpath(md_path, ROOT), [], None
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if fence is None and DIRECTIVE.match(line):
            problems.append(f"{rel_md}:{n}: a MyST directive, which GitHub shows as raw text: {line.strip()}")
        if m and (fence is None or (m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
                                    and not line.strip()[len(m.group(1)):])):
            fence = m.group(1) if fence is None else None
            continue
        if fence is not None:
            continue
        parts = re.split(r"(`+[^`]*`+)", line)  # text, code span, text...
        if any(ROLE.search(text) for text in parts[:-1:2]):  # each text before a code span
            problems.append(f"{rel_md}:{n}: a MyST role, which GitHub shows as raw text: {line.strip()}")
        for target in (a or b for a, b in TARGET.findall("".join(parts[::2]))):
            if re.match(r"[a-z]+:|#", target):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(md_path), target.split("#")[0]))
            if not os.path.exists(path):
                problems.append(f"{rel_md}:{n}: {target} does not exist")
            elif os.path.relpath(path, ROOT).split(os.sep)[0] in ("build", ".."):
                problems.append(f"{rel_md}:{n}: {target} is not in the repository (a fresh clone lacks it)")
    return problems


def main(argv):
    if len(argv) < 2 or argv[1] not in ("update", "check"):
        sys.exit(__doc__)
    files = [os.path.abspath(p) for p in argv[2:]] or lessons()
    failed = False
    for md in files:
        rel = os.path.relpath(md, ROOT)
        try:
            old, new = updated(md)
            problems = []
        except LessonError as e:
            with open(md, encoding="utf-8") as f:
                old = new = f.read()
            problems = [str(e)]
        problems += github_problems(md, new)
        if old != new and argv[1] == "update":
            with open(md, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"     {rel}: listings rewritten from their sources")
        elif old != new:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       f"{rel} (as committed)", f"{rel} (from the sources)"))
            problems.append(f"{rel}: its listings differ from their sources (above); run `make listings`")
        for p in problems:
            print(f"FAIL {p}")
        if not problems and argv[1] == "check":
            print(f"ok   {rel}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

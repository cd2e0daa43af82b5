"""A learner's submission, graded for a class: everything but the learner's
exercise files comes from the instructor's copy of the course that this
grader runs from (its tests, headers, manifests, checksums, the grader and
the runtime). In the learner's own repository the tests are the learner's
to edit, so a submission's tests, headers and checksums are never read.

The grader then grades a scratch course (GRADE_COURSE): the instructor's
chapters with only `chapters/NN-slug/exercises/EX.c` taken from the
submission, for the exercises the instructor's manifests name."""
import os
import shutil
import stat
import tempfile

from . import chapters
from .chapters import COURSE


def _regular(path):
    """PATH is a regular file, not a link: a link could point the grader at
    any file of the grading machine (a reference solution, say)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _index(submission):
    """Every regular .c file of the submission, by name (for uploads that
    are not a copy of the repository: loose files, or a repository in a
    folder of its own)."""
    by_name = {}
    for top, dirs, files in os.walk(submission):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in files:
            path = os.path.join(top, f)
            if f.endswith(".c") and _regular(path):
                by_name.setdefault(f, []).append(path)
    return by_name


def find(submission, chapter, exercise, by_name):
    """The submission's file for EXERCISE, or (None, why not)."""
    name = f"{exercise.name}.c"
    exact = os.path.join(submission, "chapters", chapter.slug, "exercises", name)
    if _regular(exact):
        return exact, ""
    if os.path.lexists(exact):
        return None, f"chapters/{chapter.slug}/exercises/{name} is not a regular file"
    candidates = by_name.get(name, [])
    in_place = [p for p in candidates if p.endswith(os.path.join(chapter.slug, "exercises", name))]
    for group in (in_place, candidates):
        if len(group) == 1:
            return group[0], ""
    if candidates:
        return None, f"{len(candidates)} files are named {name}; put it at chapters/{chapter.slug}/exercises/{name}"
    return None, f"no {name} in the submission"


def prepare(submission, selected):
    """Make the scratch course for SUBMISSION, for the SELECTED chapters
    (every chapter's manifest is copied, so progress still adds up).
    Return (scratch, lines saying which file was taken for which exercise)."""
    scratch = tempfile.mkdtemp(prefix="grade-submission-")
    os.chmod(scratch, 0o755)
    learner_files = lambda d, names: [n for n in names if d.endswith(os.sep + "exercises") and n.endswith(".c")]
    for ch in chapters.all_chapters():
        shutil.copytree(ch.path, os.path.join(scratch, "chapters", ch.slug), ignore=learner_files)
    os.makedirs(os.path.join(scratch, "autograder"))
    shutil.copyfile(os.path.join(COURSE, "autograder", "checksums.txt"),
                    os.path.join(scratch, "autograder", "checksums.txt"))
    by_name = _index(submission)
    lines = []
    for ch in selected:
        for ex in ch.exercises:
            found, why = find(submission, ch, ex, by_name)
            rel = os.path.join("chapters", ch.slug, "exercises", f"{ex.name}.c")
            if found:
                shutil.copyfile(found, os.path.join(scratch, rel))
                lines.append(f"  {rel}: from the submission's {os.path.relpath(found, submission)}")
            else:
                lines.append(f"  {rel}: {why} (the exercise scores 0)")
    return scratch, lines

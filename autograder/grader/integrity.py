"""The test files a learner must not change, and the check that they have not.

autograder/checksums.txt lists a SHA-256 for each chapter's chapter.toml,
every file under tests/ and support/, and exercises/*.h. `make grade-checksums` writes it; the grader
refuses to grade a chapter whose files differ, so editing a test cannot
raise a score."""
import glob
import hashlib
import os

from .chapters import COURSE as ROOT

LIST = os.path.join(ROOT, "autograder", "checksums.txt")


def protected_files(chapter_path):
    rel = os.path.relpath(chapter_path, ROOT)
    files = [os.path.join(rel, "chapter.toml")]
    # Everything of tests/ (support programs and servers too) and of
    # support/ (the helpers the chapter provides), and the headers.
    files += sorted(f for f in glob.glob(os.path.join(rel, "tests", "**"), root_dir=ROOT, recursive=True)
                    if os.path.isfile(os.path.join(ROOT, f)) and "__pycache__" not in f)
    files += sorted(f for f in glob.glob(os.path.join(rel, "support", "**"), root_dir=ROOT, recursive=True)
                    if os.path.isfile(os.path.join(ROOT, f)) and "__pycache__" not in f)
    files += sorted(glob.glob(os.path.join(rel, "exercises", "*.h"), root_dir=ROOT))
    return files


def digest(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_list(chapters):
    lines = [f"{digest(rel)}  {rel}" for ch in chapters for rel in protected_files(ch.path)]
    os.makedirs(os.path.dirname(LIST), exist_ok=True)
    with open(LIST, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


def changed_files(chapter):
    """Files of CHAPTER that differ from the list (or are missing from it)."""
    known = {}
    if os.path.exists(LIST):
        with open(LIST) as f:
            for line in f:
                if line.strip():
                    h, rel = line.split(None, 1)
                    known[rel.strip()] = h
    # What its exercises borrow from earlier chapters is checked too, against
    # those chapters' lines.
    borrowed = []
    for ex in chapter.exercises:
        for other, rel in ex.borrow:
            for f in (rel, rel[:-2] + ".h"):
                f = os.path.join("chapters", other, f)
                if os.path.isfile(os.path.join(ROOT, f)) and f not in borrowed:
                    borrowed.append(f)
    return [rel for rel in protected_files(chapter.path) + borrowed if known.get(rel) != digest(rel)]

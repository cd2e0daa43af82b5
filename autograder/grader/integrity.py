"""The test files a learner must not change, and the check that they have not.

autograder/checksums.txt lists a SHA-256 for each chapter's chapter.toml,
tests/*.c, tests/*.h, exercises/*.h and the files of support/ (the code
the chapter provides, compiled with the tests). `make grade-checksums` writes it; the grader
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
    files += sorted(glob.glob(os.path.join(rel, "tests", "*.c"), root_dir=ROOT))
    files += sorted(glob.glob(os.path.join(rel, "tests", "*.h"), root_dir=ROOT))
    files += sorted(glob.glob(os.path.join(rel, "exercises", "*.h"), root_dir=ROOT))
    files += sorted(glob.glob(os.path.join(rel, "support", "*.[ch]"), root_dir=ROOT))
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
    return [rel for rel in protected_files(chapter.path) if known.get(rel) != digest(rel)]

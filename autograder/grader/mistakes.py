"""The known mistakes: wrong solutions that the tests must catch.

solutions/NN-slug/mistakes/EX.NAME.patch is a unified diff against the
reference solution of exercise EX, turning it into a mistake a learner
really makes. Its first lines, before the diff, say what the mistake is and
which tests must fail on it:

    Mistake: the queue has no maxsize, so the producer runs ahead
    Caught by: producer_is_held_back, consumer_error_stops_the_pipeline

`make test` applies each patch, grades the result with every test run, and
fails if a named test passes: a test weakened until it no longer catches
what it was written for is found at once. Patches rather than copies keep
each mistake to the lines that make it, and one that no longer applies to
the reference says so."""
import glob
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

from .chapters import COURSE


@dataclass
class Mistake:
    path: str        # the .patch file
    chapter: str     # "04-synchronization"
    exercise: str    # "pipeline"
    what: str        # the Mistake: line
    caught_by: list  # test names that must fail


class MistakeError(Exception):
    """A patch that is malformed or no longer applies."""


def all_mistakes():
    found = []
    for path in sorted(glob.glob(os.path.join(COURSE, "solutions", "*", "mistakes", "*.patch"))):
        chapter = os.path.basename(os.path.dirname(os.path.dirname(path)))
        exercise = os.path.basename(path).split(".", 1)[0]
        with open(path, encoding="utf-8") as f:
            head = f.read().split("\n--- ", 1)[0]
        what = re.search(r"^Mistake:\s*(.+)$", head, re.M)
        caught = re.search(r"^Caught by:\s*(.+)$", head, re.M)
        found.append(Mistake(path, chapter, exercise, what.group(1).strip() if what else "",
                             [t.strip() for t in caught.group(1).split(",") if t.strip()] if caught else []))
    return found


def apply(mistake, reference, out_dir):
    """Write the reference solution with the mistake applied; return its path."""
    if not mistake.what or not mistake.caught_by:
        raise MistakeError("needs a 'Mistake:' line and a 'Caught by:' line before the diff")
    os.makedirs(out_dir, exist_ok=True)
    fd, out = tempfile.mkstemp(suffix=".c", prefix=f"{mistake.exercise}-", dir=out_dir)
    os.close(fd)
    run = subprocess.run(["patch", "--quiet", "--force", "--reject-file=-", "-o", out, reference, mistake.path],
                         capture_output=True, text=True)
    if run.returncode != 0:
        os.unlink(out)
        raise MistakeError("does not apply to the reference solution:\n" + (run.stdout + run.stderr).strip())
    return out

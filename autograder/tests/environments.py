#!/usr/bin/python3
"""The grader on machines set up in ways it must handle: a course that only
root can enter (a clone in /root), a temp dir the test user cannot reach or
that is mounted noexec, root of a user namespace with no other user id, a
grader that fails. Each grades correctly or says what to change, and never
ends with a status that passes for a score.
The cases that need root say so and are not counted without it.
Prints one "ok"/"FAIL" line per check, then "N passed, M failed"."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
AS_ROOT = os.geteuid() == 0

passed = failed = 0


def check(ok, label, detail=""):
    global passed, failed
    print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": {detail}"))
    passed, failed = passed + bool(ok), failed + (not ok)


def private_copy(where):
    """What grading needs of this repository (the grader, the runtime, the
    build files), copied into WHERE/course, a directory only its owner may enter."""
    course = os.path.join(where, "course")
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "Makefile", "mk", "scripts", "runtime", "autograder"],
                           capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        os.makedirs(os.path.dirname(os.path.join(course, rel)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(course, rel))
    os.chmod(where, 0o700)
    return course


def grade(course, *args, env=None, wrap=()):
    out = tempfile.mkdtemp(prefix="env-results-")
    fixture = os.path.join(course, "autograder", "tests", "fixture")
    proc = subprocess.run([*wrap, PY, os.path.join(course, "autograder", "grade.py"), "grade", "--ch", "90",
                           "--out", out, *args], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, GRADE_COURSE=fixture, NO_COLOR="1",
                                   GRADE_STATE=os.path.join(out, "state.json"), **(env or {})))
    try:
        with open(os.path.join(out, "results.json")) as f:
            doc = json.load(f)
    except OSError:
        doc = None
    shutil.rmtree(out, ignore_errors=True)
    return proc, doc


def make_start(course, env):
    fixture = os.path.join(course, "autograder", "tests", "fixture")
    state = tempfile.mkdtemp(prefix="env-state-")
    proc = subprocess.run(["make", "--no-print-directory", "-C", course, "start"], capture_output=True, text=True,
                          timeout=600, env=dict(os.environ, GRADE_COURSE=fixture, NO_COLOR="1",
                                                GRADE_STATE=os.path.join(state, "state.json"), **env))
    shutil.rmtree(state, ignore_errors=True)
    return proc


def main():
    where = tempfile.mkdtemp(prefix="env-private-")
    try:
        course = private_copy(where)
        if AS_ROOT:
            proc, doc = grade(course, "--solutions")
            check(proc.returncode == 0 and doc and doc["score"] == doc["max_score"] > 0,
                  "as root, a course only root can enter is graded (the reference solutions: full marks)",
                  f"exit {proc.returncode}, {doc}\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")

            blocked = os.path.join(where, "tmp")
            os.makedirs(blocked)
            proc, doc = grade(course, env={"TMPDIR": blocked})
            check(proc.returncode == 2 and doc is None and f"cannot enter {where}" in proc.stderr
                  and "set TMPDIR" in proc.stderr,
                  "a temp dir the test user cannot enter stops the grading with what to set (exit 2)",
                  f"exit {proc.returncode}\n{proc.stdout[-1000:]}{proc.stderr[-1500:]}")

            noexec = os.path.join(where, "noexec")
            os.makedirs(noexec)
            os.chmod(where, 0o711)  # so that only the noexec mount is in the way
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs", noexec],
                                     capture_output=True, text=True)
            if mounted.returncode != 0:
                print(f"not run: a noexec temp dir (cannot mount one here: {mounted.stderr.strip()})")
            else:
                try:
                    proc, doc = grade(course, env={"TMPDIR": noexec})
                finally:
                    subprocess.run(["umount", noexec])
                check(proc.returncode == 2 and doc is None and "noexec" in proc.stderr
                      and "Traceback" not in proc.stderr,
                      "a noexec temp dir stops the grading with what to set (exit 2), no traceback",
                      f"exit {proc.returncode}\n{proc.stdout[-1000:]}{proc.stderr[-1500:]}")
            os.chmod(where, 0o700)
        else:
            print("not run: the cases of a course only root can enter (they need root)")

        # Root of a user namespace that maps no other user id (a rootless
        # container): no test user can exist, and the grader says so.
        probe = subprocess.run(["unshare", "-U", "-r", "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"not run: root of a user namespace (cannot make one here: {probe.stderr.strip()})")
        else:
            proc, doc = grade(course, "--solutions", wrap=["unshare", "-U", "-r"])
            check(proc.returncode == 2 and doc is None and "cannot be used here" in proc.stderr
                  and "Traceback" not in proc.stderr,
                  "root of a user namespace with no test user: a message saying so (exit 2), no traceback",
                  f"exit {proc.returncode}\n{proc.stdout[-1000:]}{proc.stderr[-1500:]}")

        # A grader that fails (here: no compiler) exits 3, never 1, and make
        # start fails on it, while a score below full marks leaves it at 0.
        proc, doc = grade(course, env={"CC": "false"})
        check(proc.returncode == 3 and doc is None and "the grader itself failed" in proc.stderr,
              "a grader that fails exits 3 and writes no score", f"exit {proc.returncode}\n{proc.stderr[-1500:]}")
        start = make_start(course, {"CC": "false"})
        check(start.returncode != 0, "make start fails when the grader fails",
              f"exit {start.returncode}\n{start.stdout[-1000:]}{start.stderr[-1000:]}")
        start = make_start(course, {})
        check(start.returncode == 0 and "Score: 0/" in start.stdout,
              "make start succeeds on a score below full marks (the stubs)",
              f"exit {start.returncode}\n{start.stdout[-1000:]}{start.stderr[-1000:]}")
    finally:
        shutil.rmtree(where, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

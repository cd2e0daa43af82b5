#!/usr/bin/python3
"""The grader's own tests: deliberately bad submissions to the fixture
chapter (tests/fixture), each of which must be scored right, and quickly.
Prints one "ok"/"FAIL" line per case."""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixture")
SUBMISSIONS = os.path.join(HERE, "submissions")
GRADE = os.path.join(os.path.dirname(HERE), "grade.py")
LIMIT_S = 30  # no case may take longer than this
# Where the grader runs of these tests keep progress and reports, so that
# they never touch the learner's (.grade/state.json, build/grade).
SCRATCH = tempfile.mkdtemp(prefix="selftest-grader-")
SCRATCH_ENV = {"GRADE_STATE": os.path.join(SCRATCH, "state.json"), "GRADE_OUT": os.path.join(SCRATCH, "out")}

# submission, exercise, expected score, words the report must contain
CASES = [
    ("good", "adder", 3, "PASS adds"),
    ("adder_crash.c", "adder", 0, "crashed (SIGSEGV)"),
    ("adder_hang.c", "adder", 0, "did not finish within"),
    ("adder_forkbomb.c", "adder", 0, ""),
    ("adder_flood.c", "adder", 0, "printed more than"),
    ("adder_exit0.c", "adder", 0, "before the test had finished"),
    ("adder_fake.c", "adder", 0, "expected add(2, 3) to be 5, got -1"),
    ("adder_channel.c", "adder", 0, ""),
    ("adder_membomb.c", "adder", 0, ""),
    ("adder_compile_error.c", "adder", 0, "does not build"),
    ("adder_constructor.c", "adder", 0, "constructor"),
    ("adder_override.c", "adder", 0, "_ck_assert_failed"),
    ("good", "copier", 2, "PASS copies"),
    ("copier_use_after_free.c", "copier", 0, "heap-use-after-free"),
]


def grade(course, exercise, source=None, extra_env=None):
    out = tempfile.mkdtemp(prefix="selftest-")
    cmd = ["/usr/bin/python3", GRADE, "grade", "--ch", "90", "--ex", exercise, "--out", out]
    if source:
        cmd += ["--source", source]
    else:
        cmd += ["--solutions"]
    env = dict(os.environ, **SCRATCH_ENV, GRADE_COURSE=course, NO_COLOR="1", GRADE_SANDBOX_UID=SANDBOX_UID,
               **(extra_env or {}))
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    seconds = time.monotonic() - t0
    try:
        with open(os.path.join(out, "results.json")) as f:
            doc = json.load(f)
    except OSError:
        doc = None
    shutil.rmtree(out, ignore_errors=True)
    return proc, doc, seconds


def read_until(proc, words, seconds):
    """Read PROC's output until WORDS appear or SECONDS pass."""
    out, deadline = b"", time.monotonic() + seconds
    while words.encode() not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")


SANDBOX_UID = str(61000 + os.getpid() % 4000)  # this run's, to look for leftovers


def leftover_processes(uid=int(SANDBOX_UID)):
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                n += os.stat(f"/proc/{pid}").st_uid == uid
            except OSError:
                pass
    return n


def learners_files():
    """The learner's progress and last reports, as they are now."""
    root = os.path.dirname(os.path.dirname(HERE))
    found = {}
    for rel in (".grade/state.json", "build/grade/results.json", "build/grade/junit.xml"):
        try:
            with open(os.path.join(root, rel), "rb") as f:
                found[rel] = f.read()
        except OSError:
            found[rel] = None
    return found


def main():
    failures = checks = 0
    learners = learners_files()

    def check(ok, label, detail=""):
        nonlocal failures, checks
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": {detail}"))
        failures += not ok
        checks += 1

    for submission, exercise, want, words in CASES:
        source = None if submission == "good" else os.path.join(SUBMISSIONS, submission)
        proc, doc, seconds = grade(FIXTURE, exercise, source)
        text = proc.stdout + proc.stderr
        got = doc["score"] if doc else None
        ok = got == want and words in text and seconds < LIMIT_S
        check(ok, f"{submission} ({exercise}) scores {want} in {seconds:.1f}s",
              f"scored {got}, took {seconds:.1f}s, report:\n{text[-3000:]}")
    if os.geteuid() == 0:
        check(leftover_processes() == 0, "no process of the test user is left behind",
              f"{leftover_processes()} processes left")

    # A learner who edits a test file to pass it gets no grade at all.
    course = tempfile.mkdtemp(prefix="selftest-course-")
    shutil.copytree(FIXTURE, course, dirs_exist_ok=True)
    test = os.path.join(course, "chapters", "90-fixture", "tests", "test_adder.c")
    with open(test) as f:
        text = f.read()
    with open(test, "w") as f:
        f.write(text.replace("got == 5", "1"))
    proc, doc, _ = grade(course, "adder", os.path.join(SUBMISSIONS, "adder_fake.c"))
    shutil.rmtree(course, ignore_errors=True)
    check(proc.returncode == 2 and "were changed" in proc.stderr and doc is None,
          "a tampered test file stops the grading", proc.stdout + proc.stderr)
    # Hidden tests run and count only where the instructor supplies them.
    _, plain, _ = grade(FIXTURE, "adder")
    _, held, _ = grade(FIXTURE, "adder", extra_env={"GRADE_HIDDEN_DIR": os.path.join(HERE, "hidden")})
    hidden = [t for t in (held or {}).get("tests", []) if t["name"].endswith("adds_zero")]
    check(plain and plain["max_score"] == 3 and held and held["max_score"] == 4 and hidden
          and hidden[0]["visibility"] == "after_published" and hidden[0]["score"] == 1,
          "hidden tests count only with the instructor's directory", f"{plain} / {held}")

    # Known mistakes: one the tests catch passes the check, one they miss or
    # one that no longer applies to the reference fails it.
    course = tempfile.mkdtemp(prefix="selftest-mistakes-")
    shutil.copytree(FIXTURE, course, dirs_exist_ok=True)
    mistakes = os.path.join(course, "solutions", "90-fixture", "mistakes")
    os.makedirs(mistakes)
    diff = ("--- a/adder.c\n+++ b/adder.c\n@@ -1,4 +1,4 @@\n /* adder.c - the fixture's reference solution. */\n"
            ' #include "adder.h"\n \n-int add(int a, int b) { return a + b; }\n+int add(int a, int b) { return %s; }\n')
    for name, caught, body in [("subtracts", "adds", "a - b"), ("reordered", "adds", "b + a"),
                               ("unknown_test", "no_such_test", "a - b")]:
        with open(os.path.join(mistakes, f"adder.{name}.patch"), "w") as f:
            f.write(f"Mistake: {name}\nCaught by: {caught}\n\n" + diff % body)
    with open(os.path.join(mistakes, "adder.stale.patch"), "w") as f:
        f.write("Mistake: stale\nCaught by: adds\n\n" + diff.replace("a + b", "a * b") % "a - b")
    env = dict(os.environ, **SCRATCH_ENV, GRADE_COURSE=course, NO_COLOR="1", GRADE_SANDBOX_UID=SANDBOX_UID)
    proc = subprocess.run(["/usr/bin/python3", GRADE, "mistakecheck"], env=env, capture_output=True, text=True,
                          timeout=120)
    shutil.rmtree(course, ignore_errors=True)
    out = proc.stdout + proc.stderr
    check(proc.returncode == 1 and "ok   90 adder.subtracts.patch: caught by adds" in out
          and "FAIL 90 adder.reordered.patch: adds pass on the mistake (reordered), and should fail" in out
          and "FAIL 90 adder.stale.patch: does not apply" in out
          and "FAIL 90 adder.unknown_test.patch: names tests adder does not have: no_such_test" in out,
          "known mistakes must fail the tests they name", out[-3000:])

    # Hints come one level at a time, and the grader remembers where it was.
    state_dir = tempfile.mkdtemp(prefix="selftest-state-")
    env = dict(os.environ, GRADE_COURSE=FIXTURE, GRADE_STATE=os.path.join(state_dir, "state.json"))
    seen = [subprocess.run(["/usr/bin/python3", GRADE, "hint", "--ch", "90", "--ex", "adder"], env=env,
                           capture_output=True, text=True).stdout for _ in range(3)]
    check("Hint 1 of 2" in seen[0] and "Hint 2 of 2" in seen[1] and "seen all 2" in seen[2],
          "hints come one level at a time and are remembered", "\n---\n".join(seen))

    # Watch mode grades again when an exercise file is saved.
    course = tempfile.mkdtemp(prefix="selftest-watch-")
    shutil.copytree(FIXTURE, course, dirs_exist_ok=True)
    # Unbuffered: its report comes through a pipe, where Python would hold it back.
    env = dict(os.environ, **SCRATCH_ENV, GRADE_COURSE=course, NO_COLOR="1", PYTHONUNBUFFERED="1")
    env["GRADE_STATE"] = os.path.join(state_dir, "watch.json")
    watch = subprocess.Popen(["/usr/bin/python3", GRADE, "watch", "--ch", "90"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = read_until(watch, "Watching", 60)
    with open(os.path.join(course, "chapters", "90-fixture", "exercises", "adder.c"), "w") as f:
        f.write('#include "adder.h"\nint add(int a, int b) { return a + b; }\n')
    out += read_until(watch, "Score: 3/3", 60)
    watch.kill()
    watch.wait()
    shutil.rmtree(course, ignore_errors=True)
    shutil.rmtree(state_dir, ignore_errors=True)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    changed = [rel for rel, was in learners_files().items() if learners[rel] != was]
    check(not changed, "the learner's progress and reports are left as they were", f"changed: {changed}")
    check("adder.c saved: grading it" in out and "3/3" in out, "watch mode grades a saved file again", out[-2000:])
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

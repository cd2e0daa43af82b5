#!/usr/bin/python3
"""Grading for a class takes only the learner's exercise files: a learner who
edits a test to pass and regenerates autograder/checksums.txt (which gains
marks in their own repository) gains nothing there. Checked on the grader's
fixture (`grade.py submission`), then end to end on chapter 01: the
Gradescope package (`make gradescope`, run in a scratch /autograder) and
GitHub Classroom's commands as the learner's template has them.
Prints one "ok"/"FAIL" line per check, then "N passed, M failed"."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(HERE, "fixture")
GRADE = os.path.join(ROOT, "autograder", "grade.py")
PY = "/usr/bin/python3"
CH01 = "01-async-basics"

passed = failed = 0


def chapter_points(chapter):
    """The points of a chapter's tests, from its manifest."""
    with open(os.path.join(ROOT, "chapters", chapter, "chapter.toml"), "rb") as f:
        manifest = tomllib.load(f)
    return sum(t["points"] for ex in manifest["exercise"] for t in ex.get("test", []))


def check(ok, label, detail=""):
    global passed, failed
    print(f"{'ok  ' if ok else 'FAIL'} {label}" + ("" if ok else f": {detail}"))
    passed, failed = passed + bool(ok), failed + (not ok)


def run(cmd, env=None, cwd=None, timeout=600):
    return subprocess.run(cmd, env=dict(os.environ, NO_COLOR="1", **(env or {})), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def results(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def scores(doc, prefix):
    """Points and most points of DOC's tests whose name starts with PREFIX."""
    tests = [t for t in (doc or {}).get("tests", []) if t["name"].startswith(prefix)]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


def pass_every_test(path):
    """Edit a test file the way a learner could: every test returns at once."""
    with open(path) as f:
        text = f.read()
    edited, n = re.subn(r"(START_TEST\(\w+\)\s*\{)", r"\1 return;", text)
    with open(path, "w") as f:
        f.write(edited)
    return n


def fixture_cases(work):
    # The learner's repository: the fixture with a test loosened (adds no longer
    # checks the sum) and the checksums written anew, as `make grade-checksums` does.
    learner = os.path.join(work, "learner")
    shutil.copytree(FIXTURE, learner, ignore=shutil.ignore_patterns("build"))
    test = os.path.join(learner, "chapters", "90-fixture", "tests", "test_adder.c")
    with open(test) as f:
        text = f.read()
    with open(test, "w") as f:
        f.write(text.replace("got == 5", "1"))
    shutil.copy(os.path.join(HERE, "submissions", "adder_fake.c"),
                os.path.join(learner, "chapters", "90-fixture", "exercises", "adder.c"))
    run([PY, GRADE, "checksums"], env={"GRADE_COURSE": learner})
    env = {"GRADE_COURSE": learner, "GRADE_STATE": os.path.join(work, "state.json")}
    run([PY, GRADE, "grade", "--ch", "90", "--out", os.path.join(work, "own")], env=env)
    own = scores(results(os.path.join(work, "own", "results.json")), "90 adder")
    check(own[0] > 0, "in the learner's repository, the loosened test passes", f"adder scored {own}")

    out = os.path.join(work, "class")
    proc = run([PY, GRADE, "submission", learner, "--out", out], env={"GRADE_COURSE": FIXTURE})
    doc = results(os.path.join(out, "results.json"))
    check(proc.returncode == 1 and doc and doc["score"] == 0 and scores(doc, "90 adder") == (0, 3)
          and "expected add(2, 3) to be 5, got -1" in proc.stdout,
          "for the class, the course's own test fails it: 0 points",
          f"exit {proc.returncode}, {doc}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")

    # A link in place of an exercise file is not followed (it could name a
    # reference solution, or any file of the grading machine).
    linked = os.path.join(work, "linked")
    os.makedirs(os.path.join(linked, "chapters", "90-fixture", "exercises"))
    os.symlink(os.path.join(FIXTURE, "solutions", "90-fixture", "exercises", "adder.c"),
               os.path.join(linked, "chapters", "90-fixture", "exercises", "adder.c"))
    proc = run([PY, GRADE, "submission", linked, "--ch", "90", "--out", os.path.join(work, "l")],
               env={"GRADE_COURSE": FIXTURE})
    doc = results(os.path.join(work, "l", "results.json"))
    check(doc and scores(doc, "90 adder")[0] == 0 and "is not a regular file" in proc.stdout,
          "a link to a solution is not taken", f"{doc}\n{proc.stdout[-2000:]}")

    # Loose files (an upload of the exercise files alone) are found by name.
    loose = os.path.join(work, "loose")
    os.makedirs(loose)
    shutil.copy(os.path.join(FIXTURE, "solutions", "90-fixture", "exercises", "adder.c"), loose)
    proc = run([PY, GRADE, "submission", loose, "--ch", "90", "--out", os.path.join(work, "f")],
               env={"GRADE_COURSE": FIXTURE})
    doc = results(os.path.join(work, "f", "results.json"))
    check(proc.returncode == 1 and doc and scores(doc, "90 adder") == (3, 3) and scores(doc, "90 copier")[0] == 0
          and "no copier.c in the submission" in proc.stdout,
          "loose exercise files are graded; a missing one scores 0", f"{doc}\n{proc.stdout[-2000:]}")


def template(work, name, env=None):
    """The learner's repository, as `make student-template` makes it."""
    out = os.path.join(work, name)
    proc = run(["bash", os.path.join(ROOT, "autograder", "student-template.sh"), out], env=env)
    if proc.returncode != 0:
        raise SystemExit(f"student-template failed:\n{proc.stdout}{proc.stderr}")
    return out


def tamper(learner):
    """Loosen every test of chapter 01 in LEARNER and rewrite its checksums,
    with the learner's own grader (its own build: nothing of it is shared)."""
    n = sum(pass_every_test(os.path.join(learner, "chapters", CH01, "tests", f))
            for f in os.listdir(os.path.join(learner, "chapters", CH01, "tests")) if f.endswith(".c"))
    run([PY, os.path.join(learner, "autograder", "grade.py"), "checksums"])
    return n


def gradescope_cases(work):
    proc = run(["make", "--no-print-directory", "-C", ROOT, "gradescope", "CH=01"])
    package = os.path.join(ROOT, "build", "gradescope", "autograder.zip")
    check(proc.returncode == 0 and os.path.exists(package), "make gradescope CH=01 builds the zip",
          proc.stdout + proc.stderr)
    if proc.returncode != 0:
        return
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    check({"setup.sh", "run_autograder"} <= set(names) and modes["run_autograder"] & 0o100
          and not any(n.startswith("course/solutions/") for n in names),
          "the zip has setup.sh and an executable run_autograder at its top, and no solutions",
          f"{names[:10]}")

    # A scratch /autograder: the package unzipped into source/, as Gradescope does,
    # with a hidden test the instructor adds to chapter 01's last exercise.
    box = os.path.join(work, "autograder")
    source = os.path.join(box, "source")
    with zipfile.ZipFile(package) as z:
        z.extractall(source)
    for f in ("setup.sh", "run_autograder"):
        os.chmod(os.path.join(source, f), 0o755)
    course = os.path.join(source, "course")
    with open(os.path.join(course, "chapters", CH01, "chapter.toml"), "a") as f:
        f.write('\n[[exercise.test]]\nname = "null_work_hidden"\npoints = 1\ntimeout = 5\nhidden = true\n'
                'description = "no work is -EINVAL (hidden)"\n')
    run([PY, os.path.join(course, "autograder", "grade.py"), "checksums"])
    hidden = os.path.join(source, "hidden", CH01, "tests")
    os.makedirs(hidden)
    with open(os.path.join(hidden, "test_heartbeat_hidden.c"), "w") as f:
        f.write('#include <errno.h>\n\n#include "heartbeat.h"\n#include "grade.h"\n\nSTART_TEST(null_work_hidden) {\n'
                '  ck_assert_int_eq(run_with_heartbeat(NULL, NULL, 10, NULL, NULL), -EINVAL);\n}\nEND_TEST\n\n'
                'void exercise_hidden_tests(Suite *s) { GRADE_ADD(s, null_work_hidden); }\n')
    shutil.copy(os.path.join(source, "run_autograder"), os.path.join(box, "run_autograder"))
    env = {"GRADESCOPE_ROOT": box}
    proc = run(["bash", os.path.join(source, "setup.sh")], env=env, timeout=1200)
    check(proc.returncode == 0, "setup.sh installs the packages and builds the runtime", proc.stdout + proc.stderr)

    def autograde(submission, label):
        shutil.rmtree(os.path.join(box, "submission"), ignore_errors=True)
        shutil.copytree(submission, os.path.join(box, "submission"), symlinks=True)
        proc = run([os.path.join(box, "run_autograder")], env=env)
        doc = results(os.path.join(box, "results", "results.json"))
        ok = proc.returncode in (0, 1) and doc is not None
        check(ok, f"run_autograder writes results.json ({label})", proc.stdout[-2000:] + proc.stderr[-2000:])
        if doc:
            check(doc["score"] == sum(t["score"] for t in doc["tests"])
                  and all(set(t) >= {"name", "score", "max_score", "output", "visibility"} for t in doc["tests"]),
                  f"results.json is in Gradescope's format, its score the sum of its tests ({label})", str(doc)[:2000])
        return doc

    # The reference solutions, as a repository: full marks, the hidden test
    # included and held back until the grades are published.
    learner = template(work, "solved")
    for f in os.listdir(os.path.join(ROOT, "solutions", CH01, "exercises")):
        shutil.copy(os.path.join(ROOT, "solutions", CH01, "exercises", f),
                    os.path.join(learner, "chapters", CH01, "exercises", f))
    doc = autograde(learner, "the solutions")
    hidden_test = [t for t in (doc or {}).get("tests", []) if t["name"].endswith("null_work_hidden")]
    full = chapter_points(CH01) + 1
    check(doc and doc["score"] == doc["max_score"] == full and hidden_test
          and hidden_test[0]["visibility"] == "after_published" and hidden_test[0]["score"] == 1,
          f"the solutions score full marks, the chapter's points and the hidden test's 1 ({full})",
          str(doc)[:2000])

    stub = template(work, "stub")
    doc = autograde(stub, "the stubs")
    check(doc and doc["score"] == 0 and doc["max_score"] == full, "the stubs score 0", str(doc)[:2000])

    # Every test of the chapter loosened and the checksums rewritten: full
    # marks in the learner's own repository, nothing for the class.
    edited = tamper(stub)
    own = run([PY, os.path.join(stub, "autograder", "grade.py"), "grade", "--ch", "01",
               "--out", os.path.join(work, "own01")], env={"GRADE_STATE": os.path.join(work, "own01.json")})
    own_doc = results(os.path.join(work, "own01", "results.json"))
    check(edited >= 10 and own.returncode == 0 and own_doc and own_doc["score"] == own_doc["max_score"] == full - 1,
          f"in the learner's repository, {edited} loosened tests give the stubs full marks",
          f"exit {own.returncode}: {str(own_doc)[:1500]}\n{own.stdout[-1500:]}{own.stderr[-1500:]}")
    doc = autograde(stub, "loosened tests")
    check(doc and doc["score"] == 0, "the loosened tests and their checksums gain nothing on Gradescope",
          str(doc)[:2000])


def classroom_cases(work):
    """GitHub Classroom's commands, as a template pinned to this repository's
    HEAD has them, run in the learner's repository with loosened tests."""
    learner = template(work, "classroom", env={"COURSE_REPO": f"file://{ROOT}"})
    with open(os.path.join(learner, ".github", "classroom", "autograding.json")) as f:
        config = json.load(f)["tests"][0]
    check("@COURSE" not in config["setup"], "the template's autograding.json names the course and its commit",
          config["setup"])
    tamper(learner)
    env = {"COURSE_DIR": os.path.join(work, "course")}
    setup = run(["bash", "-c", config["setup"]], env=env, cwd=learner, timeout=1200)
    graded = run(["bash", "-c", config["run"]], env=env, cwd=learner, timeout=1200)
    doc = results(os.path.join(learner, "build", "grade", "results.json"))
    check(setup.returncode == 0 and graded.returncode != 0 and doc and doc["score"] == 0 and doc["max_score"] > 0
          and not os.path.exists(os.path.join(work, "course", "solutions")),
          "GitHub Classroom's commands grade with the course's tests: the loosened ones gain nothing",
          f"setup exit {setup.returncode}, run exit {graded.returncode}, {str(doc)[:1000]}\n"
          f"{setup.stderr[-1500:]}{graded.stdout[-1500:]}")


def main():
    work = tempfile.mkdtemp(prefix="class-grading-")
    try:
        fixture_cases(work)
        gradescope_cases(work)
        classroom_cases(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Grading: for each exercise, build its test program against the learner's
file (or the reference solution), run every test in a sandbox of its own
(several at once, schedule.py), and score from the
outcomes the grader collected. A test whose parent test failed is skipped
(the learner sees one root cause, not a cascade)."""
import errno
import functools
import os
import subprocess
import tempfile

from . import build, integrity, sandbox, schedule, staging, testfile
from .chapters import COURSE, ROOT, ManifestError


def timeout_factor():
    try:
        return max(0.1, float(os.environ.get("TIMEOUT_FACTOR", "1")))
    except ValueError:
        return 1.0


def shown(path):
    """PATH as the learner knows it: relative to the course graded."""
    base = COURSE if os.path.abspath(path).startswith(COURSE + os.sep) else ROOT
    return os.path.relpath(path, base)


def shown_in(text):
    """TEXT (a compiler's message, a file:line) with the course's paths made relative."""
    return text.replace(COURSE + os.sep, "").replace(ROOT + os.sep, "")


def exercise_source(chapter, exercise, solutions):
    if solutions:
        return os.path.join(COURSE, "solutions", chapter.slug, "exercises", f"{exercise.name}.c")
    return os.path.join(chapter.path, "exercises", f"{exercise.name}.c")


def grade_exercise(chapter, exercise, solutions=False, hidden_dir=None, source=None, run_all=False,
                   only=None):
    """Grade one exercise. SOURCE overrides the file graded; RUN_ALL runs
    every test even when its parent failed (to check that stubs fail all);
    ONLY, a set of test names, runs just those."""
    source = source or exercise_source(chapter, exercise, solutions)
    visible = [t for t in exercise.tests if (not t.hidden or hidden_dir) and (only is None or t.name in only)]
    result = {"exercise": exercise, "tests": [], "score": 0, "max_score": sum(t.points for t in visible)}
    if not os.path.exists(source):
        result["error"] = f"{shown(source)} is missing"
        return result
    # The earlier exercises it builds on: the learner's files, or the
    # references when grading the references (or a mistake made of one).
    used = [exercise_source(chapter, chapter.exercise(name), solutions) for name in exercise.uses]
    missing = [u for u in used if not os.path.exists(u)]
    if missing:
        result["error"] = f"{os.path.relpath(missing[0], ROOT)}, which {exercise.name} builds on, is missing"
        return result
    tests_file = exercise.kind == "tests"
    try:
        if tests_file:  # one program against the subject, one per broken copy
            programs = testfile.programs(chapter, exercise, source, visible, hidden_dir)
        else:
            program = staging.runnable(build.test_program(chapter, exercise, source, hidden_dir, exercise.sanitize,
                                                          used_sources=used))
    except build.BuildError as e:
        result["error"] = f"{shown(source)} does not build, so this exercise scores 0:\n{shown_in(str(e))}"
        return result
    except testfile.BrokenCopyError as e:
        raise ManifestError(str(e)) from e
    # Tests that start programs (a chapter's test servers) find the
    # chapter's tests/ (and those of the chapters whose tests/ it borrows
    # from) and the course's scripts/ under GRADE_COURSE_DIR.
    env = {}
    if "spawn" in exercise.allow:
        borrowed = sorted({os.path.join("chapters", other, "tests") for other, rel in exercise.borrow
                           if rel.startswith("tests/")})
        env["GRADE_COURSE_DIR"] = staging.course_files(COURSE, [os.path.join("chapters", chapter.slug, "tests"),
                                                                *borrowed, "scripts"])
    if tests_file:
        try:
            names, listing_error = testfile.list_names(programs[""], exercise, env), ""
        except sandbox.ListError as e:
            names, listing_error = [], str(e)
    def run_one(test, uid):
        if tests_file:
            passed, message, output, seconds = (False, listing_error, "", 0.0) if listing_error else \
                testfile.run_check(programs[test.broken], test, names, exercise, env,
                                   functools.partial(_run_named, uid=uid))
            return {"status": "pass" if passed else "fail", "message": message, "where": "", "output": output,
                    "seconds": seconds}
        out = _run_named(program, test.name, test, exercise, env, uid)
        return {"status": "pass" if out.passed else "fail", "message": out.message, "where": shown_in(out.where),
                "output": "" if out.passed else out.output, "seconds": out.seconds}

    entries = schedule.run(visible, run_all, run_one)
    result["tests"] = [dict(entries[t.name], test=t) for t in visible]
    result["score"] = sum(e["test"].points for e in result["tests"] if e["status"] == "pass")
    return result


def _run_named(program, name, test, exercise, env, uid):
    """Run the test NAME of PROGRAM in the sandbox as UID, with TEST's time limit."""
    as_root = os.geteuid() == 0
    who = f"the test user (uid {uid})" if as_root else "this user"
    try:
        return sandbox.run(program, name, test.timeout * timeout_factor(), exercise.sanitize,
                           exercise.allow, env, uid)
    except (OSError, subprocess.SubprocessError) as e:  # it could not even start: this machine, not the code
        errno_ = getattr(e, "errno", None)
        if as_root and (errno_ == errno.EINVAL or isinstance(e, subprocess.SubprocessError)):
            raise staging.CannotRun(f"{who} cannot be used here (a container or user namespace that maps only "
                                    "some user ids?): run the grader as an ordinary user, or set "
                                    "GRADE_SANDBOX_UID to a user id this machine maps") from e
        blocked = staging.unreachable(program) if as_root else None
        why = (f"it cannot enter {blocked}" if blocked else
               f"if the temp dir ({tempfile.gettempdir()}) is mounted noexec, set TMPDIR to a directory "
               "that allows running programs")
        raise staging.CannotRun(f"{who} cannot start {program}: {e.strerror}; {why}") from e


def untouched(chapter, exercise):
    """True when the learner's file is still the stub as first committed."""
    rel = os.path.relpath(exercise_source(chapter, exercise, False), COURSE)
    first = subprocess.run(["git", "-C", COURSE, "log", "--diff-filter=A", "--format=%H", "--", rel],
                           capture_output=True, text=True)
    commits = first.stdout.split()
    if first.returncode != 0 or not commits:
        return False
    shipped = subprocess.run(["git", "-C", COURSE, "show", f"{commits[-1]}:{rel}"], capture_output=True)
    with open(os.path.join(COURSE, rel), "rb") as f:
        return shipped.returncode == 0 and shipped.stdout == f.read()


def tampered(chapter):
    return integrity.changed_files(chapter)

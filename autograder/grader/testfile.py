"""Grading an exercise whose learner file is a test file (kind = "tests").

The learner writes Check tests for a component the chapter provides (the
exercise's `subject`, one of its support files). Each check of the manifest
is one of two kinds:

- without `broken`: every test of the learner's file must pass against the
  subject as given (tests that fail on a correct component are wrong);
- with `broken = "tests/broken/NAME.patch"`: a patch of the subject makes a
  broken copy, a mistake an implementer really makes, and at least one of
  the learner's tests must fail against it (the copy is caught).

The learner's tests are found by running the program with `--list`: the
harness sends the names GRADE_ADD added on the grader's channel. Each test
then runs alone in the sandbox, as any test does, once per program: the
subject's and each broken copy's. The learner's file goes through the
object check like any exercise's, with Check's calls for building a suite
allowed and its runner not."""
import os
import subprocess

from . import build, sandbox, staging


class BrokenCopyError(Exception):
    """A patch of the chapter that does not apply to its subject."""


def broken_copy(chapter, exercise, patch_rel, out_dir):
    """The subject with PATCH_REL applied, written under OUT_DIR (again only
    when the subject or the patch changed, so its objects are reused)."""
    subject = os.path.join(chapter.path, exercise.subject)
    patch = os.path.join(chapter.path, patch_rel)
    out = os.path.join(out_dir, os.path.basename(patch_rel)[:-len(".patch")] + ".c")
    if os.path.exists(out) and os.path.getmtime(out) >= max(os.path.getmtime(subject), os.path.getmtime(patch)):
        return out
    os.makedirs(out_dir, exist_ok=True)
    partial = build.partial_path(out)
    run = subprocess.run(["patch", "--quiet", "--force", "--reject-file=-", "-o", partial, subject, patch],
                         capture_output=True, text=True)
    if run.returncode != 0:
        build.remove_file(partial)
        raise BrokenCopyError(f"{patch_rel} does not apply to {exercise.subject}:\n{(run.stdout + run.stderr).strip()}")
    os.replace(partial, out)
    return out


def programs(chapter, exercise, source, checks, hidden_dir):
    """The test program of SOURCE against the subject, and one per broken
    copy the CHECKS name; raises build.BuildError for the learner's file."""
    made = {"": build.test_program(chapter, exercise, source, hidden_dir, exercise.sanitize)}
    out_dir = os.path.join(build.out_dir(chapter, exercise, exercise.sanitize), "broken")
    for check in checks:
        if check.broken and check.broken not in made:
            copy = broken_copy(chapter, exercise, check.broken, out_dir)
            made[check.broken] = build.test_program(chapter, exercise, source, hidden_dir, exercise.sanitize,
                                                    subject_source=copy)
    return {k: staging.runnable(p) for k, p in made.items()}


def judge(check, names, outcomes):
    """(passed, message) for CHECK, from the OUTCOMES of the learner's tests
    (name -> sandbox.Outcome) against its program."""
    if not names:
        return False, "your test file adds no tests (list each one with GRADE_ADD in exercise_tests())"
    failed = [n for n in names if n in outcomes and not outcomes[n].passed]
    if not check.broken:
        if not failed:
            return True, ""
        first = outcomes[failed[0]]
        where = f" ({first.where})" if first.where else ""
        return False, (f"{len(failed)} of your {len(names)} tests fail on the correct component, so they would "
                       f"fail a right answer: {failed[0]}: {first.message}{where}")
    if failed:
        return True, f"caught by {failed[0]}"
    return False, f"none of your {len(names)} tests fails on this broken copy: they do not check what it gets wrong"


def run_check(program, check, names, exercise, env, run_test):
    """Run the learner's tests against PROGRAM for CHECK: all of them when
    the subject is correct, until the first failure on a broken copy."""
    outcomes = {}
    for name in names:
        outcomes[name] = run_test(program, name, check, exercise, env)
        if check.broken and not outcomes[name].passed:
            break
    passed, message = judge(check, names, outcomes)
    seconds = sum(o.seconds for o in outcomes.values())
    output = "" if passed else "\n".join(f"--- {n}\n{o.output}" for n, o in outcomes.items() if o.output)
    return passed, message, output, seconds


def list_names(program, exercise, env):
    return sandbox.list_tests(program, 10, exercise.sanitize, exercise.allow, env)

#!/usr/bin/python3
"""The grader's own tests (unittest): deliberately bad submissions to the
fixture chapter (tests/fixture), each of which must be scored right and
quickly, the sandbox on its own against the attacks the object check
stops first, and the grader's other commands."""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixture")
SUBMISSIONS = os.path.join(HERE, "submissions")
GRADE = os.path.join(os.path.dirname(HERE), "grade.py")
LIMIT_S = 30  # no case may take longer than this
# Where the grader runs of these tests keep progress and reports, so that
# they never touch the learner's (.grade/state.json, build/grade).
SCRATCH = tempfile.mkdtemp(prefix="selftest-grader-")
SCRATCH_ENV = {"GRADE_STATE": os.path.join(SCRATCH, "state.json"), "GRADE_OUT": os.path.join(SCRATCH, "out")}
# This run's test user ids, to look for leftovers: a range, so that the
# grader runs tests side by side as it does by default.
FIRST_UID = 61000 + os.getpid() % 500 * 8
SANDBOX_UIDS = range(FIRST_UID, FIRST_UID + 8)
SANDBOX_UID = f"{FIRST_UID}-{FIRST_UID + 7}"

# The grader's modules, on the fixture, for the sandbox-alone tests.
os.environ.update(GRADE_COURSE=FIXTURE, GRADE_SANDBOX_UID=SANDBOX_UID)
sys.path.insert(0, os.path.dirname(HERE))
from grader import build, chapters, sandbox, schedule, staging  # noqa: E402

STOPPED = "stopped by the grader's sandbox: it called"
# submission, exercise, expected score, words the report must contain
CASES = [
    ("good", "adder", 3, "PASS adds"),
    ("adder_crash.c", "adder", 0, "crashed (SIGSEGV)"),
    ("adder_hang.c", "adder", 0, "did not finish within"),
    ("adder_forkbomb.c", "adder", 0, "calls fork"),
    ("adder_flood.c", "adder", 0, "printed more than"),
    ("adder_exit0.c", "adder", 0, "calls exit"),
    ("adder_fake.c", "adder", 0, "expected add(2, 3) to be 5, got -1"),
    ("adder_membomb.c", "adder", 0, ""),
    ("adder_compile_error.c", "adder", 0, "does not build"),
    ("adder_constructor.c", "adder", 0, "constructor"),
    ("adder_override.c", "adder", 0, "_ck_assert_failed"),
    # Forging a result: each is refused by the object check before it runs.
    ("adder_channel.c", "adder", 0, "calls write,"),
    ("adder_proc.c", "adder", 0, "calls fclose, fgets, fopen"),
    ("adder_syscall.c", "adder", 0, "calls syscall,"),
    ("adder_asm_syscall.c", "adder", 0, "makes system calls itself (syscall instruction)"),
    ("adder_forge_exit.c", "adder", 0, "calls _exit,"),
    ("adder_longjmp.c", "adder", 0, "calls error_jmp_buffer, longjmp,"),
    ("adder_check_internals.c", "adder", 0, "calls _tcase_add_test, srunner_create"),
    ("adder_got.c", "adder", 0, "mprotect"),
    ("good", "copier", 3, "PASS copies_in_a_task"),
    ("copier_use_after_free.c", "copier", 0, "AddressSanitizer: heap-use-after-free"),
    # A check that fails inside a task, or that leaves memory behind, is reported by its message.
    ("copier_wrong.c", "copier", 0, "FAIL copies_in_a_task (0/1 pt): the same, inside a task\n"
     "       chapters/90-fixture/tests/test_copier.c:15: expected a separate copy"),
    ("copier_leak.c", "copier", 0, "LeakSanitizer: detected memory leaks"),
    ("copier_overflow.c", "copier", 0, "AddressSanitizer: heap-buffer-overflow"),
    ("copier_ubsan.c", "copier", 0, "UndefinedBehaviorSanitizer: signed integer overflow"),
    ("good", "spawner", 1, "PASS runs_a_program"),  # allow = ["spawn"]: its test runs sh
    # support = [...], packages = ["jansson"]: the provided code and jansson's memory functions
    # may be called, jansson's file functions not.
    ("good", "greeter", 1, "PASS greets"),
    ("greeter_file.c", "greeter", 0, "calls json_dump_file,"),
    # kind = "tests": the learner's file is a test file, which must pass on the subject and fail on
    # each broken copy; Check's runner stays out of its reach.
    ("good", "counter_tests", 3, "PASS catches_no_clamp"),
    ("counter_tests_weak.c", "counter_tests", 2, "none of your 1 tests fails on this broken copy"),
    ("counter_tests_wrong.c", "counter_tests", 0, "1 of your 1 tests fail on the correct component"),
    ("counter_tests_runner.c", "counter_tests", 0, "calls srunner_create, srunner_free, srunner_run_all"),
    ("counter_tests_reads_program.c", "counter_tests", 0, "calls ac_http_fetch, ac_http_response_close,"),
    (os.path.join(FIXTURE, "chapters", "90-fixture", "exercises", "counter_tests.c"), "counter_tests", 0,
     "your test file adds no tests"),
]

# The sandbox alone, with the object check skipped: submission, what the
# outcome's message and the test's output must contain.
UNCHECKED = [
    ("adder_channel.c", STOPPED + " write()", ""),
    ("adder_syscall.c", STOPPED + " write()", ""),
    ("adder_asm_syscall.c", STOPPED + " write()", ""),
    ("adder_proc.c", "", "/proc/self/mem: Permission denied"),
    ("adder_forge_exit.c", "before the test had finished", ""),
    ("adder_check_internals.c", "before the test had finished", "/proc/self/fd/1000: No such device"),
    ("adder_got.c", STOPPED + " mprotect()", ""),
    ("adder_forkbomb.c", STOPPED + " clone()", ""),
]


def grade(course, exercise, source=None, extra_env=None):
    out = tempfile.mkdtemp(prefix="selftest-")
    cmd = ["/usr/bin/python3", GRADE, "grade", "--ch", "90", "--ex", exercise, "--out", out]
    cmd += ["--source", source] if source else ["--solutions"]
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


LEARNERS = learners_files()


def tearDownModule():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    changed = [rel for rel, was in learners_files().items() if LEARNERS[rel] != was]
    if changed:
        raise AssertionError(f"the self-test changed the learner's progress or reports: {changed}")


def copy_of_fixture(prefix):
    course = tempfile.mkdtemp(prefix=prefix)
    shutil.copytree(FIXTURE, course, dirs_exist_ok=True)
    return course


class Submissions(unittest.TestCase):
    """Each bad submission scores what it should, with the reason in the report."""


def _graded(submission, exercise, want, words):
    def test(self):
        source = None if submission == "good" else os.path.join(SUBMISSIONS, submission)
        proc, doc, seconds = grade(FIXTURE, exercise, source)
        text = proc.stdout + proc.stderr
        self.assertEqual(doc["score"] if doc else None, want, text[-3000:])
        self.assertIn(words, text)
        self.assertLess(seconds, LIMIT_S)
    return test


for _sub, _ex, _want, _words in CASES:
    setattr(Submissions, f"test_{_ex}_good" if _sub == "good" else
            f"test_{os.path.basename(_sub).removesuffix('.c')}{'_stub' if os.path.isabs(_sub) else ''}",
            _graded(_sub, _ex, _want, _words))


class SandboxAlone(unittest.TestCase):
    """The attacks the object check refuses fail at run time too, with the
    check skipped: the sandbox holds the line for whatever gets past it."""


def _unchecked(submission, message, output):
    def test(self):
        chapter = chapters.find("90")
        adder = chapter.exercise("adder")
        program = staging.runnable(build.test_program(chapter, adder, os.path.join(SUBMISSIONS, submission), None,
                                                      False, check_object=False))  # as grading runs it
        out = sandbox.run(program, "adds", 5, False)
        self.assertFalse(out.passed, out.output)
        self.assertIn(message, out.message, out.output)
        self.assertIn(output, out.output)
    return test


for _sub, _message, _output in UNCHECKED:
    setattr(SandboxAlone, f"test_{_sub.removesuffix('.c')}", _unchecked(_sub, _message, _output))


class Allowances(unittest.TestCase):
    def test_without_spawn_a_test_cannot_run_programs(self):
        chapter = chapters.find("90")
        spawner = chapter.exercise("spawner")
        source = os.path.join(FIXTURE, "solutions", "90-fixture", "exercises", "spawner.c")
        program = staging.runnable(build.test_program(chapter, spawner, source, None, False))
        self.assertTrue(sandbox.run(program, "runs_a_program", 5, False, spawner.allow).passed)
        out = sandbox.run(program, "runs_a_program", 5, False, ())
        self.assertFalse(out.passed)
        self.assertIn("expected a Unix socket pair", out.message)


class Grader(unittest.TestCase):
    def test_no_process_of_the_test_user_is_left_behind(self):
        if os.geteuid() != 0:
            self.skipTest("tests run under a user of their own only as root")
        grade(FIXTURE, "adder", os.path.join(SUBMISSIONS, "adder_hang.c"))
        self.assertEqual([sandbox._count_user_processes(uid) for uid in SANDBOX_UIDS], [0] * len(SANDBOX_UIDS))

    def test_a_bad_job_count_or_work_dir_stops_the_grading(self):
        for env, words in (({"GRADE_JOBS": "0"}, "GRADE_JOBS='0'"),
                           ({"GRADE_WORK_DIR": "/nonexistent"}, "GRADE_WORK_DIR='/nonexistent' is not a directory")):
            proc, doc, _ = grade(FIXTURE, "adder", extra_env=env)
            self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
            self.assertIn(words, proc.stdout + proc.stderr)

    def test_a_tampered_test_file_stops_the_grading(self):
        course = copy_of_fixture("selftest-course-")
        test = os.path.join(course, "chapters", "90-fixture", "tests", "test_adder.c")
        with open(test) as f:
            text = f.read()
        with open(test, "w") as f:
            f.write(text.replace("got == 5", "1"))
        proc, doc, _ = grade(course, "adder", os.path.join(SUBMISSIONS, "adder_fake.c"))
        shutil.rmtree(course, ignore_errors=True)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn("were changed", proc.stderr)
        self.assertIsNone(doc)

    def test_hidden_tests_count_only_with_the_instructors_directory(self):
        _, plain, _ = grade(FIXTURE, "adder")
        _, held, _ = grade(FIXTURE, "adder", extra_env={"GRADE_HIDDEN_DIR": os.path.join(HERE, "hidden")})
        hidden = [t for t in held["tests"] if t["name"].endswith("adds_zero")]
        self.assertEqual((plain["max_score"], held["max_score"]), (3, 4))
        self.assertEqual([(t["visibility"], t["score"]) for t in hidden], [("after_published", 1)])

    def test_an_unknown_allowance_is_a_manifest_error(self):
        course = copy_of_fixture("selftest-allow-")
        manifest = os.path.join(course, "chapters", "90-fixture", "chapter.toml")
        with open(manifest) as f:
            text = f.read()
        with open(manifest, "w") as f:
            f.write(text.replace('summary = "add two numbers"', 'summary = "add two numbers"\nallow = ["net"]'))
        proc, _, _ = grade(course, "adder")
        shutil.rmtree(course, ignore_errors=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("allows 'net'; the sandbox knows spawn", proc.stderr)

    def test_a_borrow_that_is_not_an_earlier_chapters_file_is_a_manifest_error(self):
        course = copy_of_fixture("selftest-borrow-")
        manifest = os.path.join(course, "chapters", "90-fixture", "chapter.toml")
        with open(manifest) as f:
            text = f.read()
        with open(manifest, "w") as f:
            f.write(text.replace('summary = "add two numbers"',
                                 'summary = "add two numbers"\nborrow = ["90-fixture:../secret.c"]'))
        proc, _, _ = grade(course, "adder")
        shutil.rmtree(course, ignore_errors=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("borrows '90-fixture:../secret.c', which is not", proc.stderr)

    def test_known_mistakes_must_fail_the_tests_they_name(self):
        course = copy_of_fixture("selftest-mistakes-")
        mistakes = os.path.join(course, "solutions", "90-fixture", "mistakes")
        os.makedirs(mistakes)
        diff = ("--- a/adder.c\n+++ b/adder.c\n@@ -1,4 +1,4 @@\n /* adder.c - the fixture's reference solution. */\n"
                ' #include "adder.h"\n \n-int add(int a, int b) { return a + b; }\n'
                "+int add(int a, int b) { return %s; }\n")
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
        self.assertEqual(proc.returncode, 1, out)
        for line in ["ok   90 adder.subtracts.patch: caught by adds",
                     "FAIL 90 adder.reordered.patch: adds pass on the mistake (reordered), and should fail",
                     "FAIL 90 adder.stale.patch: does not apply",
                     "FAIL 90 adder.unknown_test.patch: names tests adder does not have: no_such_test"]:
            self.assertIn(line, out)

    def test_hints_come_one_level_at_a_time_and_are_remembered(self):
        with tempfile.TemporaryDirectory(prefix="selftest-state-") as state:
            env = dict(os.environ, GRADE_COURSE=FIXTURE, GRADE_STATE=os.path.join(state, "state.json"))
            seen = [subprocess.run(["/usr/bin/python3", GRADE, "hint", "--ch", "90", "--ex", "adder"], env=env,
                                   capture_output=True, text=True).stdout for _ in range(3)]
        self.assertIn("Hint 1 of 2", seen[0])
        self.assertIn("Hint 2 of 2", seen[1])
        self.assertIn("seen all 2", seen[2])

    def test_hint_without_an_exercise_lists_the_chapters_exercises_and_hints_seen(self):
        with tempfile.TemporaryDirectory(prefix="selftest-state-") as state:
            env = dict(os.environ, GRADE_COURSE=FIXTURE, GRADE_STATE=os.path.join(state, "state.json"))
            subprocess.run(["/usr/bin/python3", GRADE, "hint", "--ch", "90", "--ex", "adder"], env=env,
                           capture_output=True)
            listed = subprocess.run(["/usr/bin/python3", GRADE, "hint", "--ch", "90"], env=env,
                                    capture_output=True, text=True)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertRegex(listed.stdout, r"adder +2 hints, 1 seen\n")
        self.assertRegex(listed.stdout, r"copier +1 hint, none seen yet\n")

    def test_watch_mode_grades_a_saved_file_again(self):
        course = copy_of_fixture("selftest-watch-")
        with tempfile.TemporaryDirectory(prefix="selftest-state-") as state:
            # Through a pipe, and without PYTHONUNBUFFERED: watch mode flushes its report.
            env = dict(os.environ, **SCRATCH_ENV, GRADE_COURSE=course, NO_COLOR="1")
            env.pop("PYTHONUNBUFFERED", None)
            env["GRADE_STATE"] = os.path.join(state, "watch.json")
            watch = subprocess.Popen(["/usr/bin/python3", GRADE, "watch", "--ch", "90"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                out = read_until(watch, "Watching", 60)
                with open(os.path.join(course, "chapters", "90-fixture", "exercises", "adder.c"), "w") as f:
                    f.write('#include "adder.h"\nint add(int a, int b) { return a + b; }\n')
                out += read_until(watch, "Score: 3/3", 60)
            finally:
                watch.terminate()  # SIGTERM: the grader kills its tests and removes its copies
                try:
                    watch.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    watch.kill()
                    watch.wait()
                watch.stdout.close()
        shutil.rmtree(course, ignore_errors=True)
        self.assertIn("adder.c saved: grading it", out)
        self.assertIn("3/3", out)


def _test(name, depends=(), alone=False):
    return chapters.Test(name, 1, 5, "", list(depends), alone=alone)


class Schedule(unittest.TestCase):
    """Tests side by side: the results, skips and order of a run one at a
    time, parents waited for, `alone` kept alone, nothing left on a failure."""

    def setUp(self):
        os.environ["GRADE_JOBS"] = "4"
        self.addCleanup(os.environ.pop, "GRADE_JOBS")

    @staticmethod
    def sleeper(seconds, fail=()):
        def run_one(test, uid):
            began = time.monotonic()
            time.sleep(seconds)
            return {"status": "fail" if test.name in fail else "pass", "began": began, "ended": time.monotonic(),
                    "uid": uid}
        return run_one

    def test_independent_tests_overlap_each_under_its_own_user(self):
        tests = [_test(f"t{i}") for i in range(4)]
        done = schedule.run(tests, False, self.sleeper(0.3))
        self.assertEqual(list(done), [t.name for t in tests])  # all four started before the first ended
        self.assertLess(max(d["began"] for d in done.values()), min(d["ended"] for d in done.values()))
        self.assertEqual(len({d["uid"] for d in done.values()}), 4)

    def test_a_test_waits_for_its_parents_and_is_skipped_when_one_fails(self):
        tests = [_test("a"), _test("b"), _test("c", ["a"]), _test("d", ["b"]), _test("e", ["c", "d"])]
        done = schedule.run(tests, False, self.sleeper(0.1, fail={"b"}))
        self.assertGreaterEqual(done["c"]["began"], done["a"]["ended"])
        self.assertEqual(done["d"], {"status": "skip", "message": "fix b first"})
        self.assertEqual(done["e"], {"status": "skip", "message": "fix d first"})
        everything = schedule.run(tests, True, self.sleeper(0.1, fail={"b"}))  # run_all: none skipped
        self.assertEqual(sorted(everything), ["a", "b", "c", "d", "e"])
        self.assertTrue(all("began" in d for d in everything.values()))

    def test_an_alone_test_has_nothing_beside_it(self):
        tests = [_test("a"), _test("b"), _test("speed", alone=True), _test("c"), _test("d")]
        done = schedule.run(tests, False, self.sleeper(0.2))
        speed = done["speed"]
        for name in "abcd":
            self.assertTrue(done[name]["ended"] <= speed["began"] or done[name]["began"] >= speed["ended"], name)
        self.assertLess(done["c"]["began"], done["d"]["ended"])  # the others still overlap

    def test_an_error_in_one_test_stops_the_others_and_is_raised(self):
        def run_one(test, uid):
            if test.name == "bad":
                raise staging.CannotRun("this machine cannot")
            time.sleep(30)  # interrupted, not waited for
            return {"status": "pass"}
        began = time.monotonic()
        with self.assertRaisesRegex(staging.CannotRun, "this machine cannot"):
            schedule.run([_test("slow"), _test("bad")], False, run_one)
        self.assertLess(time.monotonic() - began, 10)


    def test_a_grader_narrowed_to_one_user_lists_a_test_file_as_that_user(self):
        # grade.py's known mistakes narrow SANDBOX_UIDS in each forked
        # grader; listing as another's user would kill that one's test.
        seen = []

        def execute(program, test, timeout, sanitized, allow, env, uid):
            seen.append(uid)
            return b"first second", 0, False, False, "", 0.0
        with mock.patch.object(sandbox, "_execute", execute), mock.patch.object(sandbox, "SANDBOX_UIDS", [FIRST_UID + 5]):
            self.assertEqual(sandbox.list_tests("run-tests", 10, False), ["first", "second"])
        self.assertEqual(seen, [FIRST_UID + 5])


class Lines(unittest.TextTestResult):
    """One "ok"/"FAIL" line per test, the form `make test` counts."""

    def addSuccess(self, test):
        super().addSuccess(test)
        self.stream.writeln(f"ok   {test.id()}")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.stream.writeln(f"FAIL {test.id()}")

    def addError(self, test, err):
        super().addError(test, err)
        self.stream.writeln(f"FAIL {test.id()} (error)")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.stream.writeln(f"skip {test.id()}: {reason}")


def main():
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=0, resultclass=Lines)
    result = unittest.main(exit=False, testRunner=runner).result
    bad = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - bad - len(result.skipped)} passed, {bad} failed, {len(result.skipped)} skipped")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The course's grader. Run through make: `make grade [CH=NN] [EX=name]
[SOLUTIONS=1]`, `make hint CH=NN EX=name`, `make watch [CH=NN]`.

  grade.py grade [--ch NN] [--ex NAME] [--solutions] [--hidden DIR] [--out DIR]
  grade.py hint [--ch NN] [--ex NAME]   (without --ex: the chapter's exercises and their hints)
  grade.py watch [--ch NN]
  grade.py submission DIR [--ch NN] [--hidden DIR] [--out DIR]
  grade.py checksums
Exit status of `grade`: 0 at full marks, 1 below, 2 when it could not grade
(the message says why), 3 when the grader itself failed (a traceback).
Reports go to --out, else $GRADE_OUT, else build/grade; progress to
$GRADE_STATE, else .grade/state.json (the grader's own tests point both away
from the learner's).
"""
import argparse
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from grader import chapters, grading, hints, integrity, report, staging, state  # noqa: E402
from grader.chapters import COURSE, ROOT, ManifestError  # noqa: E402


def grade(args):
    style = report.Style()
    all_ch = chapters.all_chapters()
    st = state.load()
    if args.ch:
        selected = [chapters.find(args.ch)]
    elif args.all or args.solutions:
        selected = all_ch
    else:
        current = state.current_chapter(st, all_ch)
        selected = [current] if current else []
        if current:
            print(f"Grading chapter {current.number}, the one you are on (CH=NN grades another, "
                  f"`make grade-all` every chapter).")
    results = []
    for ch in selected:
        exercises = [ch.exercise(args.ex)] if args.ex else ch.exercises
        changed = integrity.changed_files(ch)
        if changed and not args.solutions:
            print(f"{style.red}Chapter {ch.number}'s test files were changed: {', '.join(changed)}.{style.reset}\n"
                  f"Grading uses them as the course ships them; restore them with `git checkout -- "
                  f"{' '.join(changed)}`.", file=sys.stderr)
            return 2
        print(f"\n{style.bold}Chapter {ch.number}: {ch.title}{style.reset}"
              f"{' (reference solutions)' if args.solutions else ''}")
        for ex in exercises:
            if not args.solutions and grading.untouched(ch, ex):
                print(f"  {style.dim}{ex.name}: still the stub — open "
                      f"{os.path.relpath(grading.exercise_source(ch, ex, False), os.getcwd())} to start{style.reset}")
            res = grading.grade_exercise(ch, ex, args.solutions, args.hidden, args.source)
            report.print_exercise(style, ch, res)
            results.append((ch, res))
            if not args.solutions:
                st["done"][f"{ch.number}/{ex.name}"] = res["score"] == res["max_score"] and not res.get("error")
    if not args.solutions:
        state.save(st)
    out = args.out or os.environ.get("GRADE_OUT") or os.path.join(ROOT, "build", "grade")
    doc = report.write_json(os.path.join(out, "results.json"), results)
    report.write_junit(os.path.join(out, "junit.xml"), results)
    print(f"\nScore: {doc['score']}/{doc['max_score']}"
          f"   (details: {os.path.relpath(os.path.join(out, 'results.json'), os.getcwd())})")
    if not args.solutions:
        totals = []
        for ch in all_ch:
            keys = [f"{ch.number}/{ex.name}" for ex in ch.exercises]
            pts = sum(t.points for ex in ch.exercises for t in ex.tests if st["done"].get(f"{ch.number}/{ex.name}") and not t.hidden)
            totals.append((ch.number, pts, ch.max_points()))
            del keys
        print(report.progress_line(style, totals))
    return 0 if doc["score"] == doc["max_score"] and doc["max_score"] > 0 else 1


def hint(args):
    st = state.load()
    if args.ch:
        ch = chapters.find(args.ch)
    else:
        ch = state.current_chapter(st, chapters.all_chapters())
        if ch is None:
            print("grade: the course has no chapter with exercises", file=sys.stderr)
            return 2
    if not args.ex:
        return list_hints(ch, st)
    ex = ch.exercise(args.ex)
    levels = hints.levels(ch, ex.name)
    if not levels:
        print(f"chapter {ch.number} has no hints for {ex.name}", file=sys.stderr)
        return 2
    key = f"{ch.number}/{ex.name}"
    shown = st["hints"].get(key, 0)
    if shown >= len(levels):
        print(f"(You have seen all {len(levels)} hints for {ex.name}; here is the last one again.)\n")
        shown = len(levels) - 1
    print(f"Hint {shown + 1} of {len(levels)} for {ex.name}:\n\n{levels[shown]}\n")
    st["hints"][key] = shown + 1
    state.save(st)
    if shown + 1 < len(levels):
        print(f"(`make hint CH={ch.number} EX={ex.name}` again for the next one.)")
    return 0


def list_hints(ch, st):
    """The chapter's exercises, with how many hints each has and has shown."""
    by_name = {s.exercise: len(s.levels) for s in hints.sections(ch)}
    width = max(len(ex.name) for ex in ch.exercises)
    print(f"Chapter {ch.number}: {ch.title}. Hints, one level at a time: make hint CH={ch.number} EX=<exercise>\n")
    for ex in ch.exercises:
        n, seen = by_name.get(ex.name, 0), min(st["hints"].get(f"{ch.number}/{ex.name}", 0), by_name.get(ex.name, 0))
        told = "no hints" if n == 0 else f"{n} hint{'s' if n != 1 else ''}, " + (
            "none seen yet" if seen == 0 else f"all {n} seen" if seen == n else f"{seen} seen")
        print(f"  {ex.name:<{width}}  {told}")
    return 0


def _selected(number):
    """Every chapter, or only the one NUMBER names (CH=NN)."""
    return [chapters.find(number)] if number else chapters.all_chapters()


def stubcheck(number=None):
    """Every test of every exercise must fail on the stub as shipped."""
    bad = 0
    for ch in _selected(number):
        stale = integrity.changed_files(ch)
        if stale:
            # A learner would be refused this chapter: the list must follow the course.
            print(f"{ch.number}: autograder/checksums.txt does not match {', '.join(stale)}; "
                  f"run `make grade-checksums` and commit the list")
            bad += 1
        for ex in ch.exercises:
            started = time.monotonic()
            res = grading.grade_exercise(ch, ex, run_all=True)
            problems = _all_fail(res, f"{ch.number} {ex.name}", "the stub")
            if not problems:
                print(f"ok   {ch.number} {ex.name}: all {len(res['tests'])} tests fail on the stub, score 0 "
                      f"({time.monotonic() - started:.1f} s)")
            bad += problems
    return 1 if bad else 0


def _all_fail(res, label, what):
    """Say what is wrong with RES, where every test that ran should have
    failed on WHAT; return the number of problems."""
    if res.get("error"):
        print(f"FAIL {label}: {what} does not build:\n{res['error']}")
        return 1
    passing = [t["test"].name for t in res["tests"] if t["status"] == "pass"]
    if passing:
        print(f"FAIL {label}: {', '.join(passing)} pass on {what}, and should fail")
    return len(passing)


def mistakecheck(number=None):
    """Every known mistake must fail the tests its patch names. Mistakes are
    graded side by side (grader/schedule.py), each with its tests one at a
    time under a test user of its own; the lines come in the list's order."""
    from grader import build, mistakes, sandbox, schedule
    bad = 0
    work = os.path.join(ROOT, "build", "grade", "mistakes")
    jobs = []
    for m in mistakes.all_mistakes():
        if number and m.chapter[:2] != number.zfill(2):
            continue
        label = f"{m.chapter[:2]} {os.path.basename(m.path)}"
        try:
            ch = chapters.find(m.chapter[:2])
            ex = ch.exercise(m.exercise)
            unknown = [t for t in m.caught_by if t not in {t.name for t in ex.tests}]
            if unknown:
                raise mistakes.MistakeError(f"names tests {ex.name} does not have: {', '.join(unknown)}")
        except (mistakes.MistakeError, ManifestError) as e:
            print(f"FAIL {label}: {e}")
            bad += 1
            continue
        alone = any(t.alone for t in ex.tests if t.name in m.caught_by)
        jobs.append(schedule.Job(label, alone, what=(m, ch, ex)))

    def run_one(job, uid):
        m, ch, ex = job.what
        sandbox.SANDBOX_UIDS[:] = [uid]  # this mistake's tests, one at a time, as this user
        report = io.StringIO()
        with contextlib.redirect_stdout(report):
            try:
                source = mistakes.apply(m, grading.exercise_source(ch, ex, True), work)
            except mistakes.MistakeError as e:
                print(f"FAIL {job.name}: {e}")
                return {"problems": 1, "report": report.getvalue()}
            # solutions=True: the exercises it builds on are the references too.
            started = time.monotonic()
            res = grading.grade_exercise(ch, ex, solutions=True, source=source, run_all=True,
                                         only=set(m.caught_by))
            os.unlink(source)
            problems = _all_fail(res, job.name, f"the mistake ({m.what})")
            if not problems:
                print(f"ok   {job.name}: caught by {', '.join(m.caught_by)} ({time.monotonic() - started:.1f} s)")
        return {"problems": problems, "report": report.getvalue()}

    results, printed = {}, 0

    def on_done(name, entry):  # reports in the list's order: each once those before it are out
        nonlocal printed
        results[name] = entry
        while printed < len(jobs) and jobs[printed].name in results:
            print(results[jobs[printed].name]["report"], end="", flush=True)
            printed += 1

    build.runtime(False), build.runtime(True)  # once, before graders side by side would build it together
    staging.prepare()
    schedule.run(jobs, True, run_one, on_done)
    bad += sum(r["problems"] for r in results.values())
    return 1 if bad else 0


def grade_submission(args):
    """Grade a learner's submission for a class: only its exercise files are
    taken, everything else is this course's own (grader/submission.py)."""
    from grader import submission
    learner = os.path.abspath(args.dir)
    if not os.path.isdir(learner):
        print(f"grade: {args.dir}: no such directory (the learner's submission)", file=sys.stderr)
        return 2
    selected = [chapters.find(args.ch)] if args.ch else chapters.all_chapters()
    scratch, lines = submission.prepare(learner, selected)
    try:
        print(f"Grading {args.dir} with the course's own tests ({COURSE}), on these files:")
        print("\n".join(lines))
        cmd = [sys.executable, os.path.abspath(__file__), "grade",
               "--out", os.path.abspath(args.out or os.environ.get("GRADE_OUT") or os.path.join(ROOT, "build", "grade"))]
        cmd += ["--ch", args.ch] if args.ch else ["--all"]
        if args.hidden:
            cmd += ["--hidden", os.path.abspath(args.hidden)]
        env = dict(os.environ, GRADE_COURSE=scratch, GRADE_STATE=os.path.join(scratch, ".grade", "state.json"))
        rc = subprocess.run(cmd, env=env).returncode
        return rc if rc >= 0 else 3  # killed by a signal: no result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def checksums(args):
    n = integrity.write_list(chapters.all_chapters())
    print(f"{os.path.relpath(integrity.LIST, os.getcwd())}: {n} files")
    return 0


def _terminated(signum, frame):
    """SIGTERM ends the grader as Ctrl-C does: the tests running are killed
    and its copies of the programs removed (at exit)."""
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _terminated)
    ap = argparse.ArgumentParser(description="The course's grader.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grade")
    g.add_argument("--ch")
    g.add_argument("--ex")
    g.add_argument("--all", action="store_true")
    g.add_argument("--solutions", action="store_true")
    g.add_argument("--hidden", default=os.environ.get("GRADE_HIDDEN_DIR") or None)
    g.add_argument("--out")
    g.add_argument("--source", help="grade this file instead of the exercise's (with --ex)")
    s = sub.add_parser("stubcheck", help="check that every test fails on every untouched stub")
    s.add_argument("--ch", help="only this chapter")
    m = sub.add_parser("mistakecheck", help="check that the tests catch every known mistake")
    m.add_argument("--ch", help="only this chapter")
    h = sub.add_parser("hint")
    h.add_argument("--ch")
    h.add_argument("--ex")
    w = sub.add_parser("watch")
    w.add_argument("--ch")
    sub.add_parser("checksums")
    c = sub.add_parser("submission", help="grade a learner's submission with this course's own tests")
    c.add_argument("dir", help="the submission: a copy of the learner's repository, or the exercise files")
    c.add_argument("--ch")
    c.add_argument("--hidden", default=os.environ.get("GRADE_HIDDEN_DIR") or None)
    c.add_argument("--out")
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(COURSE, "chapters")):
        print("grade: run it from the course's repository (make grade)", file=sys.stderr)
        return 2
    try:
        if args.cmd == "grade":
            return grade(args)
        if args.cmd == "hint":
            return hint(args)
        if args.cmd == "stubcheck":
            return stubcheck(args.ch)
        if args.cmd == "mistakecheck":
            return mistakecheck(args.ch)
        if args.cmd == "submission":
            return grade_submission(args)
        if args.cmd == "watch":
            from grader import watch
            return watch.run(args, grade)
        return checksums(args)
    except ManifestError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    except staging.CannotRun as e:
        print(f"grade: cannot grade on this machine: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing to say
        sys.stderr.close()
        return 0
    except Exception:  # never let a crash pass for a score below full marks (1)
        traceback.print_exc()
        print("grade: the grader itself failed (above); no score was given", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())

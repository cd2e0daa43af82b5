"""Running an exercise's tests side by side.

Most tests spend their time waiting (a server to answer, a timeout to
pass), so an exercise's tests run several at once: GRADE_JOBS of them,
two per CPU unless it says otherwise. Each runs in a forked copy of the
grader (one process, one thread: the sandbox forks again to start the test,
which is only safe without other threads) under a test user id no other
running test has, and sends its entry back on a pipe. The order of the
results, which tests are skipped and why, are those of a run one at a time:

- a test waits for its parents (the `depends` before it in the manifest)
  and is skipped if one did not pass;
- a test marked `alone` (it measures speed) starts when nothing else runs,
  and nothing starts beside it.
"""
import os
import pickle
import select
import signal
from dataclasses import dataclass, field

from . import sandbox, staging


@dataclass
class Job:
    """Work for run() other than a test of the manifest (a known mistake,
    graded whole): what run() reads of a test, and what the work is."""
    name: str
    alone: bool = False
    depends: list = field(default_factory=list)
    what: object = None


def jobs():
    """How many tests may run at once: GRADE_JOBS, else two per CPU (a test
    mostly waits); never more than the sandbox has user ids for."""
    given = os.environ.get("GRADE_JOBS", "")
    if given:
        if not given.isdigit() or int(given) < 1:
            raise staging.CannotRun(f"GRADE_JOBS={given!r}: it must be a whole number of tests to run at once, 1 or more")
        count = int(given)
    else:
        count = 2 * len(os.sched_getaffinity(0))
    return min(count, len(sandbox.SANDBOX_UIDS))


def run(tests, run_all, run_one, on_done=None):
    """{name: entry} for TESTS, in their order, where RUN_ONE(test, uid)
    gives a test's entry; RUN_ALL runs every test whatever its parents did.
    ON_DONE(name, entry), if given, hears of each entry as it comes."""
    position = {t.name: i for i, t in enumerate(tests)}
    done, waiting, running = {}, list(tests), {}
    free = list(sandbox.SANDBOX_UIDS)
    limit = jobs()
    try:
        while waiting or running:
            alone_running = any(r["test"].alone for r in running.values())
            for test in list(waiting):
                if alone_running or len(running) >= limit:
                    break
                parents = [] if run_all else test.depends
                if any(p in position and position[p] < position[test.name] and p not in done for p in parents):
                    continue  # its parents are still running
                if test.alone and running:
                    break  # nothing after it starts before it
                waiting.remove(test)
                failed = next((p for p in parents if done.get(p, {}).get("status") != "pass"), None)
                if failed:
                    _record(done, test.name, {"status": "skip", "message": f"fix {failed} first"}, on_done)
                elif limit == 1:
                    _record(done, test.name, run_one(test, free[0]), on_done)
                else:
                    uid = free.pop(0)
                    fd, pid = _start(run_one, test, uid)
                    running[fd] = {"test": test, "uid": uid, "pid": pid, "data": bytearray()}
                    alone_running = test.alone
            if running:
                _collect_one(running, done, free, on_done)
    except BaseException:
        _stop(running)
        raise
    return {t.name: done[t.name] for t in tests}


def _start(run_one, test, uid):
    """Fork a process that runs TEST and writes its pickled entry (or the
    exception it raised) to a pipe; (the pipe's read end, its pid)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        signal.signal(signal.SIGTERM, _stopped)  # whatever the grader's own: this copy must kill its test
        code = 0
        try:
            try:
                message = ("entry", run_one(test, uid))
            except BaseException as e:  # noqa: BLE001 - the grader's process raises it again
                message, code = ("error", e), 1
            try:
                data = pickle.dumps(message)
            except Exception:  # noqa: BLE001 - an exception that does not pickle: its text
                data = pickle.dumps(("error", RuntimeError(repr(message[1]))))
            with os.fdopen(write_end, "wb") as f:
                f.write(data)
        finally:
            os._exit(code)  # the grader's exit handlers (removing its staged programs) are not this copy's
    os.close(write_end)
    return read_end, pid


def _record(done, name, entry, on_done):
    done[name] = entry
    if on_done:
        on_done(name, entry)


def _collect_one(running, done, free, on_done):
    """Read from the running tests until one has sent its entry; record it."""
    while True:
        ready, _, _ = select.select(list(running), [], [])
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                running[fd]["data"].extend(chunk)
                continue
            r = running.pop(fd)
            os.close(fd)
            os.waitpid(r["pid"], 0)
            free.insert(0, r["uid"])
            try:
                kind, value = pickle.loads(r["data"])
            except Exception as e:  # noqa: BLE001 - a process that died before it could answer
                raise RuntimeError(f"the process running {r['test'].name} ended without a result") from e
            if kind == "error":
                raise value
            _record(done, r["test"].name, value, on_done)
            return


def _stopped(signum, frame):
    raise SystemExit(128 + signum)


def _stop(running):
    """Stop the tests still running (each kills its test: SIGTERM, since a
    grader started in the background ignores SIGINT) and wait for them."""
    for r in running.values():
        try:
            os.kill(r["pid"], signal.SIGTERM)
        except ProcessLookupError:
            pass
    for fd, r in running.items():
        os.waitpid(r["pid"], 0)
        os.close(fd)

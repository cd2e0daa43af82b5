"""Running one test in a process of its own, so that whatever the learner's
code does costs that test and nothing else.

- a time limit (the manifest's, times TIMEOUT_FACTOR), then the whole
  process group is killed;
- limits on CPU time, memory, file size, open files and processes; as root
  the test runs under an unprivileged user id of its own, because the
  process limit does not bind root, and every process left with that id is
  killed afterwards (a fork bomb ends there);
- output kept up to a cap, the test failed if it floods;
- the outcome comes only from Check's XML log of the test, which the harness
  sends on a channel (a Unix socket, on descriptor CHANNEL_FD) that inside
  the test process only the harness's one system-call instruction can
  write to (autograder/harness/sandbox.h), followed by a clean exit. This
  process, which never runs the learner's code, is the only reader.
"""
import os
import re
import resource
import select
import signal
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from . import staging


def _sandbox_uids(imposed, pid):
    """Otherwise unused user ids for the tests of this grader run (as root),
    one per test running at once, and a run's own, so that runs side by
    side never kill each other's tests. GRADE_SANDBOX_UID imposes one id
    ("N": the tests then run one at a time) or a range ("N-M")."""
    if imposed:
        first, _, last = imposed.partition("-")
        return list(range(int(first), int(last or first) + 1))
    return [60000 + (pid % 500) * UID_SLOTS + i for i in range(UID_SLOTS)]


UID_SLOTS = 8                # tests of one run that may run at once
# Read when a test starts, never copied: a forked grader narrows it to its own ids.
SANDBOX_UIDS = _sandbox_uids(os.environ.get("GRADE_SANDBOX_UID"), os.getpid())
OUTPUT_CAP = 64 * 1024       # bytes of output kept for the report
OUTPUT_LIMIT = 1024 * 1024   # more than this fails the test
MEMORY_LIMIT = 8 << 30       # address space of a test (not under ASan)
PROCESS_ALLOWANCE = 64       # processes a test may start
CHANNEL_FD = 1000            # above the open-files limit: no other descriptor can take its number
LOG_LIMIT = 256 * 1024       # bytes of Check's log read from the channel
CHECK_NS = "{http://check.sourceforge.net/ns}"
MEMORY_DIR = "/dev/shm"      # where a test's working directory goes when it is a roomy memory filesystem
MEMORY_DIR_ROOM = 1 << 30    # free bytes it needs for that
_work_base = None


@dataclass
class Outcome:
    passed: bool
    message: str       # why it failed, for the learner
    where: str         # file:line of the failed check, or ""
    output: str        # what the test printed (capped)
    seconds: float


def _count_user_processes(uid):
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def _kill_uid(uid):
    """Kill every process of UID: kill(-1) from a process of that user."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _limits(cpu_seconds, sanitized, as_root, uid):
    nproc = PROCESS_ALLOWANCE if as_root else _count_user_processes(os.getuid()) + PROCESS_ALLOWANCE

    def apply():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if not sanitized:  # AddressSanitizer reserves terabytes of address space
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if as_root:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    return apply


def run(program, test, timeout, sanitized, allow=(), extra_env=None, uid=None):
    """Run test TEST of PROGRAM; UID, as root, is the test user's (one of
    SANDBOX_UIDS that no other test is using)."""
    log, status, timed_out, flooded, text, seconds = _execute(program, test, timeout, sanitized, allow, extra_env,
                                                              uid or SANDBOX_UIDS[0])
    return _judge(test, log, status, timed_out, flooded, timeout, text, seconds)


class ListError(Exception):
    """The test program could not say which tests it has; the message says why."""


def list_tests(program, timeout, sanitized, allow=(), extra_env=None):
    """The names of the tests PROGRAM's exercise_tests() adds, as the
    harness sends them on the channel (`run-tests --list`), in the sandbox's
    limits like a test: for a learner's own test file. It runs as this
    grader's first test user, before its tests start (and so kills nothing
    of theirs when it ends)."""
    log, status, timed_out, flooded, text, _ = _execute(program, "--list", timeout, sanitized, allow, extra_env,
                                                        SANDBOX_UIDS[0])
    if timed_out or flooded or status != 0:
        why = ("did not finish" if timed_out else "printed too much" if flooded else
               f"ended with status {status}")
        raise ListError(f"listing the tests {why}: {text.strip()[-2000:]}")
    names = log.decode("utf-8", "replace").split()
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z_]\w*", n)]
    if bad:
        raise ListError(f"the harness listed {bad[0]!r}, which is not a test name")
    return names


def work_base():
    """Where the tests' working directories go: GRADE_WORK_DIR if set, else
    MEMORY_DIR when it is a world-writable directory with MEMORY_DIR_ROOM
    free, else the temp dir. Tests create files (a test site writes
    hundreds of pages, servers their logs and databases), and creating a
    file on a disk can cost a millisecond where memory costs microseconds;
    nothing needs to outlive the test."""
    global _work_base
    if _work_base is None:
        chosen = os.environ.get("GRADE_WORK_DIR")
        if chosen and not os.path.isdir(chosen):
            raise staging.CannotRun(f"GRADE_WORK_DIR={chosen!r} is not a directory: name one where the tests "
                                    "may make their working directories, or unset it")
        blocked = chosen and os.geteuid() == 0 and staging.unreachable(os.path.join(chosen, "x"))
        if blocked:
            raise staging.CannotRun(f"GRADE_WORK_DIR={chosen!r}: the test user cannot enter {blocked}; name a "
                                    "directory every user can enter, such as /tmp")
        if not chosen:
            try:
                st, fs = os.stat(MEMORY_DIR), os.statvfs(MEMORY_DIR)
                roomy = fs.f_bavail * fs.f_frsize >= MEMORY_DIR_ROOM
                chosen = MEMORY_DIR if roomy and st.st_mode & 0o1777 == 0o1777 else tempfile.gettempdir()
            except OSError:
                chosen = tempfile.gettempdir()
        _work_base = chosen
    return _work_base


def _execute(program, test, timeout, sanitized, allow, extra_env, uid):
    """Run `PROGRAM TEST` in the sandbox's limits; what came back."""
    as_root = os.geteuid() == 0
    channel, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    os.dup2(child_end.fileno(), CHANNEL_FD)
    child_end.close()
    workdir = tempfile.mkdtemp(prefix="grade-", dir=work_base())
    if as_root:
        os.chown(workdir, uid, uid)
    env = {"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "AC_QUIET": "0",
           "GRADE_CHANNEL_FD": str(CHANNEL_FD), "GRADE_ALLOW": " ".join(allow), "LANG": "C.UTF-8"}
    if os.environ.get("TIMEOUT_FACTOR"):  # a loaded machine's: the test's own servers get longer to stop too
        env["TIMEOUT_FACTOR"] = os.environ["TIMEOUT_FACTOR"]
    env.update(extra_env or {})
    if sanitized:
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:hard_rss_limit_mb=4096"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    start = time.monotonic()
    try:
        proc = subprocess.Popen([program, test], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(CHANNEL_FD,),
                                preexec_fn=_limits(int(timeout) + 1, sanitized, as_root, uid))
    finally:
        os.close(CHANNEL_FD)
    try:
        output, log, status, timed_out, flooded = _collect(proc, channel, start + timeout)
    except BaseException:  # the grader is stopped (Ctrl-C, a worker ended): its test goes too
        _kill_all(proc, uid if as_root else None)
        subprocess.run(["rm", "-rf", workdir])
        raise
    seconds = time.monotonic() - start
    _kill_all(proc, uid if as_root else None)  # anything it left behind
    channel.close()
    proc.stdout.close()
    subprocess.run(["rm", "-rf", workdir])
    text = output[:OUTPUT_CAP].decode("utf-8", "replace")
    if len(output) > OUTPUT_CAP:
        text += f"\n[... output cut at {OUTPUT_CAP // 1024} KiB]"
    return bytes(log), status, timed_out, flooded, text, seconds


def _collect(proc, channel, deadline):
    """The output and Check's log of PROC until it ends, floods or DEADLINE passes; then its status."""
    output, log, flooded, timed_out = bytearray(), bytearray(), False, False
    streams = {proc.stdout.fileno(): output, channel.fileno(): log}
    while streams:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select(list(streams), [], [], left)
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del streams[fd]
                continue
            buf = streams[fd]
            limit = LOG_LIMIT if buf is log else OUTPUT_LIMIT + 1
            buf.extend(chunk[: max(0, limit - len(buf))])
            if buf is output and len(buf) > OUTPUT_LIMIT:
                flooded = True
                streams.clear()
                break
    if timed_out or flooded:
        _kill_all(proc, None)
    try:
        status = proc.wait(timeout=max(1.0, deadline - time.monotonic() + 1))
    except subprocess.TimeoutExpired:  # output closed, still running: over time
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        status = proc.wait()
    return output, log, status, timed_out, flooded


def _kill_all(proc, uid):
    """Kill PROC's process group and, given UID, every process of that user."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if uid is not None:
        _kill_uid(uid)


def _check_records(log):
    """The <test> records of Check's XML log, or None if LOG is not one."""
    try:
        return ET.fromstring(log).findall(f"{CHECK_NS}suite/{CHECK_NS}test")
    except ET.ParseError:
        return None


# The line of a sanitizer's report that says what it found.
SANITIZER_LINE = re.compile(r"^(?:==\d+==)?ERROR: (\w+Sanitizer: .*)$|^(\S+): runtime error: (.*)$", re.M)
SANDBOX_LINE = re.compile(r"grade: the grader's sandbox stopped the test: (.*)$", re.M)


def sanitizer_report(text):
    """('AddressSanitizer: heap-use-after-free on address ...', where), or None."""
    m = SANITIZER_LINE.search(text)
    if not m:
        return None
    if m.group(1):
        return re.sub(r" (?:at pc|\(pc) 0x.*", "", m.group(1).strip()), ""
    return "UndefinedBehaviorSanitizer: " + m.group(3).strip(), m.group(2)


def _judge(test, log, status, timed_out, flooded, timeout, text, seconds):
    """A pass needs Check's record of TEST saying so and a clean exit; the
    output only explains a failure, it never makes or breaks a pass."""
    def fail(msg, where=""):
        return Outcome(False, msg, where, text, seconds)

    if timed_out:
        return fail(f"did not finish within {timeout:g} s (an endless loop, or a wait that never ends?)")
    if flooded:
        return fail(f"printed more than {OUTPUT_LIMIT // 1024} KiB of output")
    records = _check_records(log)
    record = records[0] if records and len(records) == 1 and records[0].findtext(f"{CHECK_NS}id") == test else None
    if record is not None and record.get("result") == "success" and status == 0:
        return Outcome(True, "", "", text, seconds)
    sandbox, sanitizer = SANDBOX_LINE.search(text), sanitizer_report(text)
    if sandbox and status == -signal.SIGSYS:
        return fail(f"stopped by the grader's sandbox: {sandbox.group(1)}")
    # A check that failed leaves what the test had allocated: the leak that
    # follows is its consequence, and the check's message the cause.
    leak_after_failed_check = sanitizer and sanitizer[0].startswith("LeakSanitizer") and \
        record is not None and record.get("result") in ("failure", "error")
    if sanitizer and status != 0 and not leak_after_failed_check:
        return fail(f"{sanitizer[0]} (the sanitizer's report is below)", sanitizer[1])
    if status < 0:
        return fail(f"crashed ({signal.Signals(-status).name})")
    if records == [] and status == 0:
        return fail("no such test in this exercise's test file")
    if record is None:
        return fail(f"the program ended (exit status {status}) before the test had finished: "
                    "does the exercise call exit()?")
    if record.get("result") == "success":
        return fail(f"the test passed, but the program then exited with status {status}")
    where = os.path.join(record.findtext(f"{CHECK_NS}path", ""), record.findtext(f"{CHECK_NS}fn", ""))
    return fail((record.findtext(f"{CHECK_NS}message") or "").strip() or "failed", where)

"""Running one test in a process of its own, so that whatever the learner's
code does costs that test and nothing else.

- a time limit (the manifest's, times TIMEOUT_FACTOR), then the whole
  process group is killed;
- limits on CPU time, memory, file size, open files and processes; as root
  the test runs under an unprivileged user id of its own, because the
  process limit does not bind root, and every process left with that id is
  killed afterwards (a fork bomb ends there);
- output kept up to a cap, the test failed if it floods;
- the outcome comes only from the harness's line on a private pipe, marked
  with a secret made for this run, followed by a clean exit.
"""
import os
import resource
import secrets
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass

# An otherwise unused user id for the tests of this grader run (as root):
# one per run, so that runs side by side never kill each other's tests.
SANDBOX_UID = int(os.environ.get("GRADE_SANDBOX_UID") or 60000 + os.getpid() % 4000)
OUTPUT_CAP = 64 * 1024       # bytes of output kept for the report
OUTPUT_LIMIT = 1024 * 1024   # more than this fails the test
MEMORY_LIMIT = 8 << 30       # address space of a test (not under ASan)
PROCESS_ALLOWANCE = 64       # processes a test may start


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


def _limits(cpu_seconds, sanitized, as_root):
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
            os.setgid(SANDBOX_UID)
            os.setuid(SANDBOX_UID)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    return apply


def run(program, test, timeout, sanitized):
    as_root = os.geteuid() == 0
    token = secrets.token_hex(16)
    channel_r, channel_w = os.pipe()
    workdir = tempfile.mkdtemp(prefix="grade-")
    if as_root:
        os.chown(workdir, SANDBOX_UID, SANDBOX_UID)
    env = {"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "AC_QUIET": "0",
           "GRADE_CHANNEL": f"{channel_w} {token}", "LANG": "C.UTF-8"}
    if sanitized:
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:hard_rss_limit_mb=4096"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    start = time.monotonic()
    proc = subprocess.Popen([program, test], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(channel_w,),
                            preexec_fn=_limits(int(timeout) + 1, sanitized, as_root))
    os.close(channel_w)
    output, channel, flooded, timed_out = bytearray(), bytearray(), False, False
    deadline = start + timeout
    streams = {proc.stdout.fileno(): output, channel_r: channel}
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
            if fd == channel_r or len(buf) < OUTPUT_LIMIT + 1:
                buf.extend(chunk[: OUTPUT_LIMIT + 1 - len(buf)] if fd != channel_r else chunk[:8192])
            if fd != channel_r and len(buf) > OUTPUT_LIMIT:
                flooded = True
                streams.clear()
                break
    if timed_out or flooded:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        status = proc.wait(timeout=max(1.0, deadline - time.monotonic() + 1))
    except subprocess.TimeoutExpired:  # output closed, still running: over time
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        status = proc.wait()
    seconds = time.monotonic() - start
    if as_root:
        _kill_uid(SANDBOX_UID)
    else:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything it left behind
        except ProcessLookupError:
            pass
    os.close(channel_r)
    proc.stdout.close()
    subprocess.run(["rm", "-rf", workdir])
    text = output[:OUTPUT_CAP].decode("utf-8", "replace")
    if len(output) > OUTPUT_CAP:
        text += f"\n[... output cut at {OUTPUT_CAP // 1024} KiB]"
    return _judge(token, bytes(channel), status, timed_out, flooded, timeout, text, seconds)


def _judge(token, channel, status, timed_out, flooded, timeout, text, seconds):
    def fail(msg, where=""):
        return Outcome(False, msg, where, text, seconds)

    if timed_out:
        return fail(f"did not finish within {timeout:g} s (an endless loop, or a wait that never ends?)")
    if flooded:
        return fail(f"printed more than {OUTPUT_LIMIT // 1024} KiB of output")
    lines = [l for l in channel.decode("utf-8", "replace").splitlines() if l.startswith(token + " ")]
    if status < 0:
        sig = signal.Signals(-status).name
        return fail(f"crashed ({sig})" + (" — see the sanitizer's report below" if "Sanitizer" in text else ""))
    if len(lines) != 1:
        if "Sanitizer" in text:
            return fail("the sanitizer found a memory or undefined-behaviour error (report below)")
        return fail(f"the program ended (exit status {status}) before the test had finished: "
                    "does the exercise call exit()?")
    _, outcome, where, *msg = lines[0].split(" ", 3) + [""]
    message = msg[0].strip() if msg else ""
    if outcome == "PASS":
        if status != 0:
            if "Sanitizer" in text:
                return fail("the test passed, but the sanitizer found an error (report below)")
            return fail(f"the test passed, but the program then exited with status {status}")
        return Outcome(True, "", "", text, seconds)
    return fail(message or "failed", "" if where == "-" else where)

"""System calls and instructions per operation of a server under load:
counts that explain a throughput figure, and that a busy machine does not
change (a second run of the same load, with the server under strace -c or
callgrind; the throughput of that run means nothing and is not kept).

serve_counted(cmd, tool, load) starts CMD (a server that prints its port
first) under TOOL, "syscalls" or "instructions", calls LOAD(port), which
loads it and returns how many operations it made, stops the server, and
returns the count per operation. PREPARE(port), if given, runs first
(under callgrind, its instructions are not counted).
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import processes  # noqa: E402

STOP_WAIT = 30  # seconds a server under a tool may take to write its counts


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def _wrapped(cmd, tool, out):
    if tool == "syscalls":
        # -f: every thread; -c: the table of counts, written when the server ends.
        return ["strace", "-f", "-c", "-o", out] + cmd
    if tool == "instructions":
        return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd
    raise ValueError(f"unknown tool {tool}")


def _total(tool, out):
    with open(out) as f:
        text = f.read()
    if tool == "syscalls":  # "% time, seconds, usecs/call, calls, [errors,] total"
        m = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?total\s*$", text, re.M)
    else:
        m = re.search(r"^summary:\s*(\d+)", text, re.M)
    if not m:
        raise RuntimeError(f"no total in the {tool} output {out}:\n{text[-1000:]}")
    return int(m.group(1))


def serve_counted(cmd, tool, load, prepare=None):
    with tempfile.TemporaryDirectory(prefix="bench-counted-") as tmp:
        out = os.path.join(tmp, "counts")
        proc = processes.start(_wrapped(cmd, tool, out), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
        try:
            port = proc.stdout.readline().strip()
            if not port.isdigit():
                raise RuntimeError(f"{' '.join(cmd)} under {tool} printed no port")
            if prepare:
                prepare(port)
            if tool == "instructions":  # count from here: not the start-up
                subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, timeout=60)
            ops = load(port)
            # The server itself gets the signal: strace then writes its table
            # and exits; valgrind's server writes its counts as it ends.
            target = proc.pid if tool == "instructions" else (_children(proc.pid) or [proc.pid])[0]
            os.kill(target, signal.SIGTERM)
            proc.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{' '.join(cmd)} under {tool} did not stop in {STOP_WAIT} s")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
            deadline = time.monotonic() + 5
            while processes._running(lambda parent, group: group == proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        return _total(tool, out) / max(1, ops)

#!/usr/bin/python3
"""Processes that tests start, and that none outlives its test.

A server runs in a process group of its own and is stopped the way it stops
cleanly: a signal to its main process (SIGTERM unless told otherwise), then a
bounded wait; its group is killed only as a last resort. A server that needed
that, exited before it was stopped, or left a process in its group (an nginx
worker, say) is an error. Should the program that started a server die
without stopping it, the server gets its stop signal all the same.

From Python: proc = start(cmd, ...); ...; stop(proc).
From the command line:
  processes.py server [--signal NAME] -- CMD...
      run the server CMD, with this program's stdout, until this program's
      stdin closes (so a test that dies stops its server too); exit 0 only
      if it stopped cleanly and left nothing (for tests not in Python).
  processes.py no-leftovers -- CMD...
      run CMD; every process it leaves behind, however far down, becomes
      this program's child (PR_SET_CHILD_SUBREAPER): it is named, stopped,
      and the exit status is 1. Otherwise CMD's own status.
"""
import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time

# Seconds a server gets to stop, then its group to empty; a loaded machine
# (CI's TIMEOUT_FACTOR, which scales every test's limit) gets longer.
GRACE = 10.0 * max(1.0, float(os.environ.get("TIMEOUT_FACTOR", "1") or 1))
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)


class NotStoppedCleanly(RuntimeError):
    pass


def start(cmd, stop_signal=signal.SIGTERM, **popen_args):
    """Start CMD as the leader of a new process group (Popen's arguments);
    STOP_SIGNAL is the one that makes it stop cleanly."""
    popen_args.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.Popen(cmd, process_group=0, preexec_fn=lambda: libc.prctl(PR_SET_PDEATHSIG, stop_signal),
                            **popen_args)
    proc.stop_signal = stop_signal
    return proc


def _processes():
    """(pid, state, parent, process group, name) of every process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # it ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        yield int(entry), fields[0], int(fields[1]), int(fields[2]), name


def _running(match):
    """'PID NAME' of the processes MATCH(parent, group) accepts; zombies
    are left out (they hold nothing and only wait to be reaped)."""
    return [f"{pid} {name}" for pid, state, parent, group, name in _processes() if state != "Z" and match(parent, group)]


def stop(proc, grace=GRACE):
    """Stop the server PROC (made by start) with its stop signal and wait,
    bounded, until its whole group has ended. Raises NotStoppedCleanly, after
    killing what is left, if it exited early, did not stop in time or left
    processes behind."""
    problems = []
    if proc.poll() is not None:
        problems.append(f"it exited on its own (status {proc.returncode}) before it was stopped")
    else:
        proc.send_signal(proc.stop_signal)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            problems.append(f"it was still running {grace:g} s after {proc.stop_signal.name}")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    deadline = time.monotonic() + grace
    while (left := _running(lambda parent, group: group == proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        problems.append(f"its group still held {', '.join(left)} {grace:g} s after it ended")
        os.killpg(proc.pid, signal.SIGKILL)
    if problems:
        raise NotStoppedCleanly(f"server {' '.join(map(str, proc.args))}: " + "; ".join(problems))


def serve(cmd, signal_name):
    proc = start(cmd, signal.Signals[signal_name])
    for sig in (signal.SIGTERM, signal.SIGHUP):  # told to stop: stop the server first
        signal.signal(sig, signal.default_int_handler)
    try:
        sys.stdin.buffer.read()  # until the caller closes it, or ends
    except KeyboardInterrupt:
        pass
    try:
        stop(proc)
    except NotStoppedCleanly as e:
        print(f"processes.py: {e}", file=sys.stderr)
        return 1
    return 0


def _reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def no_leftovers(cmd):
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1) != 0:
        sys.exit(f"processes.py: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    proc = subprocess.Popen(cmd)
    while True:  # reap orphans as they end: zombies of a test's user count against its process limit
        try:
            pid, status = os.waitpid(-1, 0)
        except KeyboardInterrupt:
            continue  # the command got the Ctrl-C too and ends in its own way
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            rc = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
            break
    me = os.getpid()
    deadline = time.monotonic() + 5  # what is still exiting gets a moment
    while (left := _running(lambda parent, group: parent == me)) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.1)
    if not left:
        _reap()
        return rc
    print(f"FAIL {' '.join(cmd)} left processes running (now stopped): {', '.join(left)}", flush=True)
    for sig in (signal.SIGTERM, signal.SIGKILL):  # the dead stay zombies until reaped: no pid is reused
        for pid in [int(p.split()[0]) for p in _running(lambda parent, group: parent == me)]:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(1)
    _reap()
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    server = sub.add_parser("server")
    server.add_argument("--signal", default="SIGTERM", help="the signal that stops the server cleanly")
    server.add_argument("cmd", nargs="+")
    sub.add_parser("no-leftovers").add_argument("cmd", nargs="+")
    args = ap.parse_args()
    if args.command == "server":
        return serve(args.cmd, args.signal)
    return no_leftovers(args.cmd)


if __name__ == "__main__":
    sys.exit(main())

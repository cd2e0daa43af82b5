#!/usr/bin/python3
"""Run a command beside busy neighbours: one process per CPU this process
may use, each spinning for as long as the command runs, so that the
command's threads must share every CPU (a loaded machine, made on purpose).

Usage: busy.py CMD [ARG...]; exits with the command's status.
"""
import os
import signal
import subprocess
import sys


def spin():
    while True:
        pass


def main():
    cmd = sys.argv[1:]
    if not cmd:
        print("usage: busy.py CMD [ARG...]", file=sys.stderr)
        return 2
    neighbours = []
    try:
        for _ in os.sched_getaffinity(0):
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                spin()
            neighbours.append(pid)
        return subprocess.run(cmd).returncode
    finally:
        for pid in neighbours:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


if __name__ == "__main__":
    sys.exit(main())

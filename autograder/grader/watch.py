"""Watch mode: grade again whenever an exercise file is saved. File events
come from inotify; where they do not arrive (some containers, network
mounts, WSL), the files' times are polled every half second instead."""
import argparse
import ctypes
import os
import select
import struct
import sys
import time

from . import chapters, state

IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x8, 0x80, 0x100


def _inotify(dirs):
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            return None
        for d in dirs:
            if libc.inotify_add_watch(fd, d.encode(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0:
                os.close(fd)
                return None
        return fd
    except OSError:
        return None


def _wait_inotify(fd):
    select.select([fd], [], [])
    time.sleep(0.1)  # editors write in several steps: let them finish
    names = []
    try:
        while True:
            data = os.read(fd, 65536)
            off = 0
            while off < len(data):
                _, _, _, n = struct.unpack_from("iIII", data, off)
                names.append(data[off + 16: off + 16 + n].rstrip(b"\0").decode(errors="replace"))
                off += 16 + n
    except BlockingIOError:
        pass
    return [n for n in names if n.endswith(".c")]


def _snapshot(dirs):
    out = {}
    for d in dirs:
        for f in os.listdir(d):
            if f.endswith(".c"):
                out[os.path.join(d, f)] = os.stat(os.path.join(d, f)).st_mtime_ns
    return out


def run(args, grade):
    ch = chapters.find(args.ch) if args.ch else state.current_chapter(state.load(), chapters.all_chapters())
    dirs = [os.path.join(ch.path, "exercises")]
    grade(argparse.Namespace(ch=ch.number, ex=None, all=False, solutions=False, hidden=None, out=None, source=None))
    fd = _inotify(dirs)
    how = "file events" if fd is not None else "polling every 0.5 s"
    # Flushed before each wait: piped (`make watch | tee`), the report would
    # otherwise sit in the buffer until the next save.
    print(f"\nWatching chapter {ch.number}'s exercises ({how}); Ctrl-C to stop.", flush=True)
    before = _snapshot(dirs)
    while True:
        if fd is not None:
            changed = _wait_inotify(fd)
        else:
            time.sleep(0.5)
            now = _snapshot(dirs)
            changed = [os.path.basename(p) for p, m in now.items() if before.get(p) != m]
            before = now
        names = {os.path.splitext(c)[0] for c in changed}
        for ex in ch.exercises:
            if ex.name in names:
                print(f"\n--- {ex.name}.c saved: grading it ---")
                grade(argparse.Namespace(ch=ch.number, ex=ex.name, all=False, solutions=False, hidden=None, out=None, source=None))
                sys.stdout.flush()

"""Where the test programs run from. As root, a test runs under a user id of
its own (sandbox.py), and that user may not be able to reach the program
where it was built: a course cloned under /root (mode 700) is the usual
case. So, as root, each program is copied once per grader run into a
directory of the system's temp dir that every user may enter and only root
may write: the test can run its program, never change it (nor another
test's). The copy is removed when the grader exits."""
import atexit
import os
import shutil
import stat
import tempfile

_dir = None
_copies = {}  # (path, mtime_ns, size) -> copy


class CannotRun(Exception):
    """The tests cannot run on this machine as it is set up; the message says
    why and what to change."""


def _private_dir():
    global _dir
    if _dir is None:
        blocked = unreachable(os.path.join(tempfile.gettempdir(), "x"))
        if blocked:
            raise CannotRun(f"the tests run as an unprivileged user, who cannot enter {blocked} "
                            f"(the temp dir, {tempfile.gettempdir()}, is under it): set TMPDIR to a "
                            "directory every user can enter, such as /tmp")
        _dir = tempfile.mkdtemp(prefix="grade-programs-")
        os.chmod(_dir, 0o711)  # enter, not list: a test finds only what it is given
        atexit.register(shutil.rmtree, _dir, True)
    return _dir


def runnable(program):
    """The path a test user can run PROGRAM from (PROGRAM itself unless root)."""
    if os.geteuid() != 0:
        return program
    st = os.stat(program)
    key = (os.path.abspath(program), st.st_mtime_ns, st.st_size)
    if key not in _copies:
        copy = os.path.join(_private_dir(), f"{len(_copies)}-{os.path.basename(program)}")
        shutil.copyfile(program, copy)
        os.chmod(copy, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        _copies[key] = copy
    return _copies[key]


def unreachable(path):
    """The first directory on PATH that a user other than its owner cannot
    enter (no search bit for others), or None."""
    path = os.path.abspath(path)
    d = os.path.dirname(path)
    while True:
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return d
        if d == os.path.dirname(d):
            return None
        d = os.path.dirname(d)

"""Where the test programs run from. As root, a test runs under a user id of
its own (sandbox.py), and that user may not be able to reach the program
where it was built: a course cloned under /root (mode 700) is the usual
case. So, as root, each program is copied once per grader run into a
directory of the system's temp dir that every user may enter and only root
may write: the test can run its program, never change it (nor another
test's). The tests that start programs of the course (a chapter's test
servers) get a copy of those files the same way, at the same relative
paths (course_files). The copies are removed when the grader exits."""
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


def prepare():
    """As root, make the directory of copies now: graders forked after this
    (grade.py's known mistakes) put theirs in it, named by their pid, and
    this process removes it at exit."""
    if os.geteuid() == 0:
        _private_dir()


def runnable(program):
    """The path a test user can run PROGRAM from (PROGRAM itself unless root)."""
    if os.geteuid() != 0:
        return program
    st = os.stat(program)
    key = (os.path.abspath(program), st.st_mtime_ns, st.st_size)
    if key not in _copies:
        copy = os.path.join(_private_dir(), f"{os.getpid()}-{len(_copies)}-{os.path.basename(program)}")
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


def course_files(root, rels):
    """A directory holding the files and folders RELS of ROOT at the same
    relative paths, that a test user can read: ROOT itself unless root,
    else a copy (made once per grader run, readable and never writable by
    the test user)."""
    if os.geteuid() != 0:
        return root
    key = ("course", os.path.abspath(root), tuple(rels))
    if key not in _copies:
        dest = os.path.join(_private_dir(), f"{os.getpid()}-{len(_copies)}-course")
        for rel in rels:
            src = os.path.join(root, rel)
            if not os.path.exists(src):
                continue  # a course without it (the grader's own fixture)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(dest, rel), ignore=shutil.ignore_patterns("__pycache__"))
            else:
                os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
                shutil.copy2(src, os.path.join(dest, rel))
        for d, dirs, files in os.walk(dest):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        _copies[key] = dest
    return _copies[key]

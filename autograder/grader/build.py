"""Building an exercise's test program: the runtime, the harness, the test
file and the learner's file, each compiled once and rebuilt only when a
source is newer. The learner's object is checked before linking
(objcheck.py)."""
import hashlib
import os
import shlex
import subprocess

from . import objcheck
from .chapters import COURSE, ROOT

CC = os.environ.get("CC", "cc")


class BuildError(Exception):
    """The learner's file did not compile or link; the message says why."""


def _flags(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    return shlex.split(out.stdout) if out.returncode == 0 else []


def _variant(sanitize):
    return os.path.basename(CC) + ("-asan" if sanitize else "")


def runtime(sanitize):
    """Build the runtime library of the variant (quietly) and return its path."""
    args = ["make", "--no-print-directory", "-s", "-C", ROOT, "runtime", f"CC={CC}"]
    if sanitize:
        args.append("SAN=asan")
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("the runtime did not build:\n" + out.stdout + out.stderr)
    return os.path.join(ROOT, "build", _variant(sanitize), "libac.a")


def out_dir(chapter, exercise, sanitize):
    """Where EXERCISE's objects and programs go: under the graded course's
    own build/, so objects of another course (the grader's fixture, a
    submission's copy) never pass for this one's."""
    return os.path.join(COURSE, "build", "grade", _variant(sanitize), chapter.slug, exercise.name)


def _stale(target, sources):
    if not os.path.exists(target):
        return True
    t = os.path.getmtime(target)
    return any(os.path.getmtime(s) > t for s in sources)


def _headers(*dirs):
    return [os.path.join(d, f) for d in dirs if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".h")]


def _compile_together(units, deps, learner):
    """Compile the stale ones of UNITS, (src, obj, cflags), side by side;
    the first that fails (in UNITS' order) says why."""
    started = []
    for src, obj, cflags in units:
        if _stale(obj, [src, *deps]):
            os.makedirs(os.path.dirname(obj), exist_ok=True)
            partial = partial_path(obj)
            started.append((src, obj, partial, subprocess.Popen([CC, *cflags, "-c", src, "-o", partial],
                                                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                                text=True)))
    failed = None
    for src, obj, partial, proc in started:
        output = proc.communicate()[0].strip()
        if proc.returncode == 0 and os.path.exists(partial):
            os.replace(partial, obj)
            continue
        remove_file(partial)  # no object, even with status 0: a file that is not C (/dev/null, say)
        failed = failed or (src, output or f"{CC} made no object of {src}")
    if failed:
        if learner:
            raise BuildError(failed[1])
        raise RuntimeError(f"{failed[0]} did not compile:\n{failed[1]}")


def partial_path(path):
    """Where PATH is written before it is renamed into place: graders side by
    side (the known mistakes) may build the same object, and neither may
    link with the other's half-written file."""
    return f"{path}.{os.getpid()}.partial"


def remove_file(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def test_program(chapter, exercise, source, hidden_dir, sanitize, check_object=True, used_sources=(),
                 subject_source=None):
    """Build the test program of EXERCISE with the learner's SOURCE; return its path.
    CHECK_OBJECT=False skips the object check: only the grader's own tests
    do that, to see the sandbox alone stop what the check would have.
    USED_SOURCES are the files of the earlier exercises it uses
    (exercise.uses), each checked against its own header. For a test
    exercise (kind "tests") SOURCE is the learner's test file, and the
    program tests SUBJECT_SOURCE (a broken copy), else the subject itself."""
    test_file = exercise.kind == "tests"
    lib = runtime(sanitize)
    objects = out_dir(chapter, exercise, sanitize)
    ex_dir = os.path.join(chapter.path, "exercises")
    include = [f"-I{ROOT}/runtime/include", f"-I{ROOT}/autograder/include", f"-I{ex_dir}"]
    # The code the chapter provides (support/): its headers are for the
    # learner and the tests alike; its files are compiled with the tests.
    support_dir = os.path.join(chapter.path, "support")
    if os.path.isdir(support_dir):
        include.append(f"-I{support_dir}")
    # Files borrowed from earlier chapters: their folders' headers too.
    borrowed_dirs = sorted({os.path.join(COURSE, "chapters", other, os.path.dirname(rel)) for other, rel in exercise.borrow})
    include += [f"-I{d}" for d in borrowed_dirs]
    pkg_cflags = _flags(["pkg-config", "--cflags", *exercise.packages]) if exercise.packages else []
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
           "-DAC_SANITIZE_ADDRESS=1"] if sanitize else []
    base = ["-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-fno-omit-frame-pointer", *san]
    check_cflags = _flags(["pkg-config", "--cflags", "check"])
    harness = os.path.join(ROOT, "autograder", "harness")
    deps = _headers(ex_dir, harness, os.path.join(ROOT, "autograder", "include"), os.path.join(ROOT, "runtime", "include"),
                    os.path.join(ROOT, "runtime", "include", "ac"), support_dir, os.path.join(chapter.path, "tests"),
                    *borrowed_dirs)
    learner_flags = [*base, "-Wall", "-Wextra", *include, *pkg_cflags]

    # Besides the runtime and the C library, the learner's files may call
    # what the chapter provides (support/*.h) and the earlier exercises
    # they build on.
    headers = [os.path.join(support_dir, f) for f in sorted(os.listdir(support_dir)) if f.endswith(".h")] \
        if os.path.isdir(support_dir) else []
    headers += [os.path.join(ex_dir, f"{name}.h") for name in exercise.uses]
    # ... and what they borrow from an earlier chapter's support/ (not its tests/).
    headers += [os.path.join(COURSE, "chapters", other, rel[:-2] + ".h") for other, rel in exercise.borrow
                if rel.startswith("support/") and os.path.isfile(os.path.join(COURSE, "chapters", other, rel[:-2] + ".h"))]
    callable_names = set()
    for h in headers:
        callable_names |= objcheck.declared_functions(h, [*base[:2], *include, *pkg_cflags])

    def learner_object(src, name):
        # Learner's file and reference solution each get their own object and
        # program, so switching between them never reuses the other's build.
        tag = hashlib.sha1(os.path.abspath(src).encode()).hexdigest()[:8]
        obj = os.path.join(objects, f"{name}-{tag}.o")
        # Checked on a plain build: a sanitizer adds constructors of its own.
        plain = obj if not sanitize else os.path.join(objects, f"{name}-{tag}-plain.o")
        units = [(src, obj, learner_flags)]
        if sanitize:
            units.append((src, plain, [f for f in learner_flags if f not in san]))
        _compile_together(units, deps, learner=True)
        if check_object:
            try:
                objcheck.check(plain, os.path.join(ex_dir, f"{name}.h"), os.path.relpath(src, ROOT),
                               [*base[:2], *include, *pkg_cflags], callable_names, exercise.packages,
                               test_file=test_file and src == source)
            except objcheck.ObjectError as e:
                raise BuildError(str(e)) from e
        return obj, tag

    learner_obj, tag = learner_object(source, exercise.name)
    used_objs = []
    for used, src in zip(exercise.uses, used_sources):
        obj, used_tag = learner_object(src, used)
        used_objs.append(obj)
        tag += used_tag  # a program per combination of files

    objs = [learner_obj, *used_objs]
    sources = [(os.path.join(harness, "main.c"), "harness.o"), (os.path.join(harness, "sandbox.c"), "sandbox.o")]
    if not test_file:  # a test exercise's tests are the learner's file
        sources.append((os.path.join(chapter.path, "tests", f"test_{exercise.name}.c"), "test.o"))
    for rel in exercise.support:
        src, name = os.path.join(chapter.path, rel), "support-" + rel.replace("/", "-")[:-2]
        if test_file and rel == exercise.subject and subject_source:
            src, subject_tag = subject_source, hashlib.sha1(os.path.abspath(subject_source).encode()).hexdigest()[:8]
            name += "-" + subject_tag
            tag += subject_tag  # a program per broken copy
        sources.append((src, name + ".o"))
    for other, rel in exercise.borrow:
        sources.append((os.path.join(COURSE, "chapters", other, rel),
                        f"borrow-{other[:2]}-" + rel.replace("/", "-")[:-2] + ".o"))
    with_hidden = False
    if hidden_dir:
        hidden = os.path.join(hidden_dir, chapter.slug, "tests", f"test_{exercise.name}_hidden.c")
        if os.path.exists(hidden):
            sources.append((hidden, "hidden.o"))
            with_hidden = True
    units = [(src, os.path.join(objects, name), [*base, *include, *check_cflags, *pkg_cflags]) for src, name in sources]
    _compile_together(units, deps, learner=False)
    objs += [obj for _, obj, _ in units]

    # With and without the hidden tests are two programs: neither may stand
    # in for the other because its objects look up to date.
    program = os.path.join(objects, f"run-tests-{tag}{'-hidden' if with_hidden else ''}"
                           f"{'-unchecked' if not check_object else ''}")
    if _stale(program, [*objs, lib]):
        libs = [lib, *_flags(["pkg-config", "--libs", "libuv", "libcurl", "hiredis", "check", "libseccomp", *exercise.packages]),
                *(f"-l{name}" for name in exercise.libs), "-lpthread", "-lm"]
        # Calls to a wrapped function go to the test's __wrap_NAME, which can
        # make it fail on purpose and otherwise calls __real_NAME.
        wraps = [f"-Wl,--wrap={name}" for name in exercise.wrap]
        # Full RELRO: the GOT is read-only before main, so rewriting it takes
        # an mprotect() the object check and the sandbox both refuse.
        partial = partial_path(program)
        out = subprocess.run([CC, *san, *objs, "-o", partial, "-rdynamic", "-Wl,-z,relro,-z,now", *wraps, *libs],
                             capture_output=True, text=True)
        if out.returncode != 0:
            remove_file(partial)
            raise BuildError("linking failed:\n" + (out.stderr or out.stdout).strip())
        os.replace(partial, program)
    return program

"""Building an exercise's test program: the runtime, the harness, the test
file and the learner's file, each compiled once and rebuilt only when a
source is newer. The learner's object is checked before linking: it may not
define global symbols the stub does not (so it cannot replace Check's or
the runtime's functions) nor run code before main (constructors)."""
import hashlib
import os
import re
import shlex
import subprocess

from .chapters import ROOT

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


def _stale(target, sources):
    if not os.path.exists(target):
        return True
    t = os.path.getmtime(target)
    return any(os.path.getmtime(s) > t for s in sources)


def _headers(*dirs):
    return [os.path.join(d, f) for d in dirs if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".h")]


def _compile(src, obj, cflags, deps, learner):
    if not _stale(obj, [src, *deps]):
        return
    os.makedirs(os.path.dirname(obj), exist_ok=True)
    out = subprocess.run([CC, *cflags, "-c", src, "-o", obj], capture_output=True, text=True)
    if out.returncode != 0:
        msg = (out.stderr or out.stdout).strip()
        if learner:
            raise BuildError(msg)
        raise RuntimeError(f"{src} did not compile:\n{msg}")


def _defined_globals(obj):
    out = subprocess.run(["nm", "--defined-only", "-g", "--format=posix", obj],
                         capture_output=True, text=True, check=True)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


def _has_constructors(obj):
    out = subprocess.run(["readelf", "-S", "-W", obj], capture_output=True, text=True, check=True)
    return any(sec in out.stdout for sec in (".init_array", ".ctors", ".preinit_array"))


def declared_names(header):
    """Functions and extern variables the exercise's header declares."""
    with open(header) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    text = re.sub(r"static\s+inline[^{]*\{(?:[^{}]|\{[^{}]*\})*\}", " ", text)  # helpers defined there
    names = set(re.findall(r"\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*;", text))
    names |= set(re.findall(r"\bextern\b[^;(]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*;", text))
    return names


def _check_learner_object(obj, header, rel_src):
    if _has_constructors(obj):
        raise BuildError(f"{rel_src}: code that runs before main() (a constructor) is not allowed "
                         "in an exercise")
    extra = _defined_globals(obj) - declared_names(header)
    if extra:
        raise BuildError(f"{rel_src} defines {', '.join(sorted(extra))}, which the exercise does not "
                         "ask for: make your helper functions and variables static")


def test_program(chapter, exercise, source, hidden_dir, sanitize):
    """Build the test program of EXERCISE with the learner's SOURCE; return its path."""
    lib = runtime(sanitize)
    variant = _variant(sanitize)
    out_dir = os.path.join(ROOT, "build", "grade", variant, chapter.slug, exercise.name)
    ex_dir = os.path.join(chapter.path, "exercises")
    include = [f"-I{ROOT}/runtime/include", f"-I{ROOT}/autograder/include", f"-I{ex_dir}"]
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
           "-DAC_SANITIZE_ADDRESS=1"] if sanitize else []
    base = ["-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-fno-omit-frame-pointer", *san]
    check_cflags = _flags(["pkg-config", "--cflags", "check"])
    deps = _headers(ex_dir, os.path.join(ROOT, "autograder", "include"), os.path.join(ROOT, "runtime", "include"),
                    os.path.join(ROOT, "runtime", "include", "ac"))
    learner_flags = [*base, "-Wall", "-Wextra", *include]

    # Learner's file and reference solution each get their own object and
    # program, so switching between them never reuses the other's build.
    tag = hashlib.sha1(os.path.abspath(source).encode()).hexdigest()[:8]
    learner_obj = os.path.join(out_dir, f"exercise-{tag}.o")
    _compile(source, learner_obj, learner_flags, deps, learner=True)
    # Checked on a plain build: a sanitizer adds constructors of its own.
    plain_obj = learner_obj if not sanitize else os.path.join(out_dir, f"exercise-{tag}-plain.o")
    if sanitize:
        _compile(source, plain_obj, [f for f in learner_flags if f not in san], deps, learner=True)
    _check_learner_object(plain_obj, os.path.join(ex_dir, f"{exercise.name}.h"), os.path.relpath(source, ROOT))

    objs = [learner_obj]
    test_src = os.path.join(chapter.path, "tests", f"test_{exercise.name}.c")
    sources = [(test_src, "test.o"), (os.path.join(ROOT, "autograder", "harness", "main.c"), "harness.o")]
    with_hidden = False
    if hidden_dir:
        hidden = os.path.join(hidden_dir, chapter.slug, "tests", f"test_{exercise.name}_hidden.c")
        if os.path.exists(hidden):
            sources.append((hidden, "hidden.o"))
            with_hidden = True
    for src, name in sources:
        obj = os.path.join(out_dir, name)
        _compile(src, obj, [*base, *include, *check_cflags], deps, learner=False)
        objs.append(obj)

    # With and without the hidden tests are two programs: neither may stand
    # in for the other because its objects look up to date.
    program = os.path.join(out_dir, f"run-tests-{tag}{'-hidden' if with_hidden else ''}")
    if _stale(program, [*objs, lib]):
        libs = [lib, *_flags(["pkg-config", "--libs", "libuv", "libcurl", "check"]), "-lpthread", "-lm"]
        # Calls to a wrapped function go to the test's __wrap_NAME, which can
        # make it fail on purpose and otherwise calls __real_NAME.
        wraps = [f"-Wl,--wrap={name}" for name in exercise.wrap]
        out = subprocess.run([CC, *san, *objs, "-o", program, "-rdynamic", *wraps, *libs],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise BuildError("linking failed:\n" + (out.stderr or out.stdout).strip())
    return program

#!/usr/bin/env python3
"""Check the public headers against the API rules of docs/DESIGN.md.

Reads every runtime/include/ac/*.h, finds the prototypes, typedefs and
macros, and reports each name that breaks a rule; then compiles each header
on its own, so none relies on another being included first. Exit status 1
if anything is wrong. With --list, prints every function's name as a C
array instead (the NULL test checks it has an entry for each).
"""
import os
import pathlib
import re
import subprocess
import sys

INCLUDE = pathlib.Path(__file__).resolve().parents[1] / "include" / "ac"

# Calls without an object argument act on the thread's loop or task, or
# belong to a part of the runtime that has no type of its own.
IMPLICIT_NOUNS = {"loop", "task", "error", "debug", "http"}
# Verbs that end an object's life other than close (and release, for the
# shared futures): the rule allows none of them.
FORBIDDEN_VERBS = ("destroy", "free", "delete", "dispose", "wait_closed", "exit", "enter")
COUNT_PARAMS = {"n", "count", "capacity", "maxsize", "value", "workers", "size"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def declarations(text):
    """Top-level declarations ending in ';', with whitespace folded."""
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    text = re.sub(r'extern\s+"C"\s*\{|^\s*\}\s*$', "", text, flags=re.M)
    depth, start, out = 0, 0, []
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            out.append(" ".join(text[start:i].split()))
            start = i + 1
    return out


def split_params(params):
    return [p.strip() for p in params.split(",")] if params.strip() not in ("", "void") else []


def param_type_noun(param, types):
    """('object', noun), ('out', noun), ('value', noun) for an enum passed
    by value, or (None, None) for a parameter."""
    m = re.match(r"(?:const\s+)?(?:struct\s+)?ac_(\w+?)_t\s*(\*?\s*(?:const\s*)?\*?)", param)
    if not m or ("ac_%s_t" % m.group(1)) not in types:
        return None, None
    stars = m.group(2).replace(" ", "").replace("const", "")
    if not stars:
        return "value", m.group(1)
    return ("out" if stars == "**" and "const" not in m.group(2) else "object"), m.group(1)


def main():
    problems, functions, types, macros = [], [], set(), []
    texts = {h: strip_comments(h.read_text()) for h in sorted(INCLUDE.glob("*.h"))}
    for header, text in texts.items():
        for m in re.finditer(r"^\s*#\s*define\s+(\w+)", text, flags=re.M):
            macros.append((header.name, m.group(1)))
        for decl in declarations(text):
            if decl.startswith("typedef"):
                name = re.findall(r"(\w+)\s*(?:\)\s*\(.*\))?$", decl)
                fn = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
                types.add(fn.group(1) if fn else name[-1] if name else decl)
            elif "(" in decl:
                m = re.match(r"(.*?)\b(ac_\w+)\s*\((.*)\)$", decl)
                if m:
                    functions.append((header.name, m.group(2), m.group(1).strip(), split_params(m.group(3))))
    nouns = {t[3:-2] for t in types if t.startswith("ac_") and t.endswith("_t")}

    for header, name in macros:
        if not name.startswith("AC_"):
            problems.append(f"{header}: macro {name} does not start with AC_")
    for t in sorted(types):
        if not t.startswith("ac_") or not (t.endswith("_t") or t.endswith("_fn")):
            problems.append(f"type {t}: types are ac_<name>_t, function types ac_<name>_fn")

    for header, name, ret, params in functions:
        where = f"{header}: {name}()"
        noun = max((n for n in nouns | IMPLICIT_NOUNS if name.startswith("ac_" + n + "_")),
                   key=len, default=None)
        if noun is None:
            problems.append(f"{where}: not ac_<noun>_<verb> with a known noun")
            continue
        verb = name[len("ac_" + noun + "_"):]
        if any(verb == v or verb.endswith("_" + v) for v in FORBIDDEN_VERBS):
            problems.append(f"{where}: objects end with _close (futures with ac_future_release)")
        kind, first = param_type_noun(params[0], types) if params else (None, None)
        if kind == "object" and not (first == noun or first.startswith(noun + "_")
                                     or {first, noun} <= {"task", "future"}):
            problems.append(f"{where}: acts on an ac_{first}_t, so its noun must be {first}")
        elif kind == "out" and first != noun and not (name.endswith("_create") or noun in IMPLICIT_NOUNS):
            problems.append(f"{where}: makes an ac_{first}_t, so its noun must be {first}")
        elif kind in (None, "value") and noun not in IMPLICIT_NOUNS and first != noun:
            problems.append(f"{where}: takes no ac_{noun}_t first")
        has_timeout = any(re.search(r"\btimeout_ms$", p) for p in params)
        if has_timeout != name.endswith("_for"):
            problems.append(f"{where}: a wait with a timeout_ms parameter ends in _for, and only it")
        for p in params:
            pname = re.findall(r"(\w+)$", p)
            if "timeout_ms" in pname or p.endswith("_ms"):
                if not p.startswith("int64_t"):
                    problems.append(f"{where}: times are int64_t milliseconds ({p})")
            if pname and pname[0] in COUNT_PARAMS and not re.match(r"(const\s+)?size_t\b", p):
                problems.append(f"{where}: counts and sizes are size_t ({p})")
        if re.match(r"(unsigned|size_t|uint)", ret):
            problems.append(f"{where}: returns {ret}: a count comes back as ssize_t, so it can carry an error")

    if "--list" in sys.argv:  # the functions, as a C array (for test_null_objects.c)
        print("/* Generated by runtime/tests/check_api.py --list: every public function. */")
        print("static const char *const api_functions[] = {")
        for _, name, _, _ in functions:
            print(f'  "{name}",')
        print("};")
        return 0

    cc = os.environ.get("CC", "cc")
    for header in [INCLUDE.parent / "ac.h", *texts]:
        rel = header.relative_to(INCLUDE.parent)
        run = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                              "-I", str(INCLUDE.parent), "-x", "c", "-"],
                             input=f'#include "{rel}"\n', capture_output=True, text=True)
        if run.returncode:
            problems.append(f"{rel} does not compile on its own:\n{run.stderr.strip()}")

    for p in problems:
        print("api:", p)
    print(f"api: {len(functions)} functions, {len(types)} types, {len(macros)} macros checked; "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Finding chapters and reading their manifests (chapter.toml)."""
import os
import re
import tomllib
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The course graded: chapters/, solutions/ and autograder/checksums.txt under
# it. The repository itself, unless the grader's own tests point elsewhere.
COURSE = os.path.abspath(os.environ.get("GRADE_COURSE", ROOT))


class ManifestError(Exception):
    pass


# What an exercise's `allow` may name: things the sandbox refuses by default.
ALLOWANCES = {
    "spawn": "run programs (execve, fork, Unix sockets for their pipes)",
}


@dataclass
class Test:
    name: str
    points: int
    timeout: float
    description: str
    depends: list = field(default_factory=list)
    hidden: bool = False
    broken: str = ""  # a test exercise's: the patch that breaks its subject, which the learner's tests must catch
    alone: bool = False  # it measures speed: no other test runs beside it


@dataclass
class Exercise:
    name: str
    summary: str
    sanitize: bool
    tests: list
    wrap: list = field(default_factory=list)  # functions the tests interpose on (fault injection)
    allow: list = field(default_factory=list)  # what the sandbox lets this exercise's tests do besides
    uses: list = field(default_factory=list)  # earlier exercises of the chapter linked in (the learner's files)
    support: list = field(default_factory=list)  # chapter files compiled in (provided helpers, test support)
    packages: list = field(default_factory=list)  # pkg-config packages the exercise links with
    libs: list = field(default_factory=list)  # libraries without a pkg-config file (-lNAME)
    borrow: list = field(default_factory=list)  # (slug, rel): an earlier chapter's support/ or tests/ .c file compiled in
    kind: str = "code"  # "tests": the learner's file is a test file, run against SUBJECT and broken copies
    subject: str = ""  # a test exercise's: the chapter's .c file its tests are run against


@dataclass
class Chapter:
    number: str   # "01"
    slug: str     # "01-async-basics"
    title: str
    path: str
    exercises: list

    def exercise(self, name):
        for ex in self.exercises:
            if ex.name == name:
                return ex
        names = ", ".join(e.name for e in self.exercises)
        raise ManifestError(f"chapter {self.number} has no exercise '{name}' (it has: {names})")

    def max_points(self, include_hidden=False):
        return sum(t.points for ex in self.exercises for t in ex.tests if include_hidden or not t.hidden)


def _load(slug):
    path = os.path.join(COURSE, "chapters", slug)
    manifest = os.path.join(path, "chapter.toml")
    try:
        with open(manifest, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ManifestError(f"{manifest}: {e}") from e
    exercises = []
    for ex in data.get("exercise", []):
        tests = []
        for t in ex.get("test", []):
            try:
                tests.append(Test(t["name"], int(t["points"]), float(t.get("timeout", 10)),
                                  t.get("description", ""), list(t.get("depends", [])),
                                  bool(t.get("hidden", False)), t.get("broken", ""), bool(t.get("alone", False))))
            except KeyError as e:
                raise ManifestError(f"{manifest}: a test of '{ex.get('name')}' lacks {e}") from e
        names = {t.name for t in tests}
        for t in tests:
            for d in t.depends:
                if d not in names:
                    raise ManifestError(f"{manifest}: test '{t.name}' depends on unknown test '{d}'")
        wrap = list(ex.get("wrap", []))
        for name in wrap:
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise ManifestError(f"{manifest}: '{ex.get('name')}' wraps {name!r}, which is not a C function name")
        allow = list(ex.get("allow", []))
        unknown = [a for a in allow if a not in ALLOWANCES]
        if unknown:
            raise ManifestError(f"{manifest}: '{ex.get('name')}' allows {', '.join(map(repr, unknown))}; "
                                f"the sandbox knows {', '.join(ALLOWANCES)}")
        support = list(ex.get("support", []))
        for rel in support:
            if not isinstance(rel, str) or rel.startswith("/") or ".." in rel.split("/") \
                    or not rel.endswith(".c") or not os.path.isfile(os.path.join(path, rel)):
                raise ManifestError(f"{manifest}: '{ex.get('name')}' needs support file {rel!r}, which is not "
                                    "a .c file of the chapter")
        borrow = [_borrowed(manifest, slug, ex.get("name"), b) for b in ex.get("borrow", [])]
        packages, libs = list(ex.get("packages", [])), list(ex.get("libs", []))
        for name in packages + libs:
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
                raise ManifestError(f"{manifest}: '{ex.get('name')}' links with {name!r}, which is not a "
                                    "library name")
        kind, subject = ex.get("kind", "code"), ex.get("subject", "")
        _check_kind(manifest, path, ex.get("name"), kind, subject, support, tests)
        exercises.append(Exercise(ex["name"], ex.get("summary", ""), bool(ex.get("sanitize", False)), tests,
                                  wrap, allow, list(ex.get("uses", [])), support, packages, libs, borrow, kind,
                                  subject))
    for ex in exercises:
        earlier = {e.name for e in exercises[:exercises.index(ex)]}
        for used in ex.uses:
            if used not in earlier:
                raise ManifestError(f"{manifest}: '{ex.name}' uses '{used}', which is not an earlier exercise "
                                    "of the chapter")
    return Chapter(slug[:2], slug, data.get("title", slug), path, exercises)


def _borrowed(manifest, slug, name, entry):
    """"NN-slug:support/FILE.c" or "NN-slug:tests/FILE.c": a file of an earlier
    chapter, shared rather than copied (its checksums are that chapter's)."""
    other, _, rel = entry.partition(":") if isinstance(entry, str) else ("", "", "")
    path = os.path.join(COURSE, "chapters", other)
    if not (re.fullmatch(r"\d\d-[a-z0-9-]+", other) and other[:2] < slug[:2] and rel.split("/")[0] in ("support", "tests")
            and _chapter_file(path, rel, ".c")):
        raise ManifestError(f"{manifest}: '{name}' borrows {entry!r}, which is not \"NN-slug:support/FILE.c\" or "
                            "\"NN-slug:tests/FILE.c\" of an earlier chapter")
    return other, rel


def _chapter_file(path, rel, ending):
    return isinstance(rel, str) and not rel.startswith("/") and ".." not in rel.split("/") \
        and rel.endswith(ending) and os.path.isfile(os.path.join(path, rel))


def _check_kind(manifest, path, name, kind, subject, support, tests):
    """A test exercise (kind = "tests") names its subject, a .c file of the
    chapter in its `support`, and each of its checks is either the learner's
    tests passing on the subject or, with `broken`, failing on a copy that a
    patch of the chapter's tests/ breaks."""
    if kind not in ("code", "tests"):
        raise ManifestError(f"{manifest}: '{name}' is of kind {kind!r}; an exercise is \"code\" or \"tests\"")
    if kind == "code":
        if subject or any(t.broken for t in tests):
            raise ManifestError(f"{manifest}: '{name}' names a subject or broken copies, which only an exercise "
                                "of kind \"tests\" has")
        return
    if subject not in support:
        raise ManifestError(f"{manifest}: '{name}' is a test exercise, so its subject ({subject!r}) must be one "
                            "of its support files")
    for t in tests:
        if t.broken and not (_chapter_file(path, t.broken, ".patch") and t.broken.startswith("tests/")):
            raise ManifestError(f"{manifest}: check '{t.name}' of '{name}' breaks the subject with "
                                f"{t.broken!r}, which is not a .patch file under the chapter's tests/")


def all_chapters():
    base = os.path.join(COURSE, "chapters")
    slugs = sorted(d for d in os.listdir(base)
                   if d[:2].isdigit() and os.path.isfile(os.path.join(base, d, "chapter.toml")))
    return [_load(s) for s in slugs]


def find(number):
    number = number.zfill(2)
    for ch in all_chapters():
        if ch.number == number:
            return ch
    have = ", ".join(c.number for c in all_chapters())
    raise ManifestError(f"there is no chapter {number} with exercises (chapters: {have})")

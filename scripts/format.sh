#!/usr/bin/env bash
# make format: rewrite the C files named on the command line in the style of
# their nearest .clang-format, and what is written from them: the known
# mistakes (diffs against the reference solutions, made again so that each
# makes its change to the formatted solution) and the broken copies of a
# test exercise's subject (diffs against a support file, likewise), the
# lessons' listings and the grader's checksums of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The file a patch changes: for a mistake, solutions/CH/exercises/EX.c; for
# a broken copy (chapters/CH/tests/broken/NAME.patch), the support file its
# diff names.
reference() {
  local name
  name=$(basename "$1")
  case $1 in
  chapters/*/tests/broken/*)
    echo "$(dirname "$(dirname "$(dirname "$1")")")/support/$(sed -n 's|^--- a/||p' "$1" | head -n 1)" ;;
  *) echo "$(dirname "$(dirname "$1")")/exercises/${name%%.*}.c" ;;
  esac
}
key() { echo "$1" | tr / _; }

# Every mistake as the whole file it makes, before anything is rewritten.
mistakes=()
for p in solutions/*/mistakes/*.patch chapters/*/tests/broken/*.patch; do
  [ -e "$p" ] && mistakes+=("$p")
done
for p in "${mistakes[@]}"; do
  ref=$(reference "$p")
  cp "$ref" "$tmp/$(key "$ref").before"
  patch --quiet --force --reject-file=- -o "$tmp/$(key "$p").c" "$ref" "$p" >/dev/null ||
    { echo "format: $p does not apply to $ref; fix it first" >&2; exit 1; }
done

clang-format -i "$@"

# A mistake's own lines stay as they were written where they can: the patch
# is applied again to the formatted solution, white space aside; where the
# formatting changed the lines it touches, the whole mistake is formatted.
for p in "${mistakes[@]}"; do
  ref=$(reference "$p")
  cmp -s "$ref" "$tmp/$(key "$ref").before" && continue # the solution did not change
  made="$tmp/$(key "$p").c"
  if ! patch --quiet --force --ignore-whitespace --fuzz=0 --reject-file=- -o "$made.formatted" \
    "$ref" "$p" >/dev/null; then
    clang-format --assume-filename="$ref" <"$made" >"$made.formatted"
    echo "format: $p: the mistake is formatted too (the lines it changes were)"
  fi
  name=$(basename "$ref")
  # The lines before the diff (what the mistake is, which tests catch it),
  # then the diff; diff's status is 1 when the files differ.
  { sed '/^--- /,$d' "$p"
    diff -u --label "a/$name" --label "b/$name" "$ref" "$made.formatted"
  } >"$tmp/patch" && rc=0 || rc=$?
  case $rc in
  1) mv "$tmp/patch" "$p" ;;
  0) echo "format: $p makes no change once formatted" >&2; exit 1 ;;
  *) exit 1 ;;
  esac
done

make --no-print-directory listings
make --no-print-directory grade-checksums

#!/usr/bin/env bash
# Make the learner's template: the course without its reference solutions,
# as a fresh git repository (one commit, so no history can bring them back).
set -euo pipefail
out=${1:?usage: student-template.sh OUTPUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"
mkdir -p "$out"
# Only what git tracks, minus the solutions. (The grader's fixture keeps its
# own: they answer a toy chapter that the grader's tests need.)
git -C "$root" ls-files -z | grep -zv '^solutions/' \
  | (cd "$root" && xargs -0 cp --parents -t "$out")
# The template's own CI grades the learner's work, not the course's; its book
# (book.yml) shows the learner's progress instead of the solutions' results.
rm -f "$out/.github/workflows/ci.yml"
git -C "$out" init -q
git -C "$out" add -A
git -C "$out" -c user.name="course" -c user.email="course@localhost" commit -qm "Async C: the course"
left=$(git -C "$out" ls-files | grep -c '^solutions/' || true)
[ "$left" -eq 0 ] || { echo "student-template: solutions leaked" >&2; exit 1; }
echo "student-template: $out ($(git -C "$out" ls-files | wc -l) files, no solutions)"

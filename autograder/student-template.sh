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
# Class grading (COURSE_REPO: a URL CI can fetch the course from): the
# template's workflow and GitHub Classroom's configuration grade the learner's
# exercise files with the course's own tests at COURSE_COMMIT (default: HEAD).
if [ -n "${COURSE_REPO:-}" ]; then
  commit=$(git -C "$root" rev-parse "${COURSE_COMMIT:-HEAD}")
  pin() { # SOURCE DEST
    mkdir -p "$(dirname "$out/$2")"
    REPO=$COURSE_REPO COMMIT=$commit /usr/bin/python3 -c 'import os, sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(text.replace("@COURSE_REPO@", os.environ["REPO"]).replace("@COURSE_COMMIT@", os.environ["COMMIT"]))' \
      "$root/$1" "$out/$2"
  }
  pin autograder/class/grade.yml .github/workflows/grade.yml
  pin autograder/class/autograding.json .github/classroom/autograding.json
  echo "student-template: class grading against $COURSE_REPO at $commit"
else
  echo "student-template: no COURSE_REPO, so no class grading in the template (see autograder/README.md)"
fi
git -C "$out" init -q
git -C "$out" add -A
git -C "$out" -c user.name="course" -c user.email="course@localhost" commit -qm "Async C: the course"
left=$(git -C "$out" ls-files | grep -c '^solutions/' || true)
[ "$left" -eq 0 ] || { echo "student-template: solutions leaked" >&2; exit 1; }
echo "student-template: $out ($(git -C "$out" ls-files | wc -l) files, no solutions)"

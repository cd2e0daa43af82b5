#!/usr/bin/env bash
# Build the autograder of a Gradescope programming assignment:
# OUT/autograder.zip with setup.sh and run_autograder at its top, the course
# as the learner's template has it (no solutions) in course/, and the
# instructor's hidden tests, if any, in hidden/.
#   package.sh OUT [CHAPTER] [HIDDEN_DIR]
set -euo pipefail
out=${1:?usage: package.sh OUT [CHAPTER] [HIDDEN_DIR]}
chapter=${2:-}
hidden=${3:-}
repo=$(cd "$(dirname "$0")/../.." && pwd)
stage=$out/package
rm -rf "$stage" "$out/autograder.zip"
mkdir -p "$stage"
bash "$repo/autograder/student-template.sh" "$stage/course" > /dev/null
rm -rf "$stage/course/.git"
cp "$repo/autograder/gradescope/setup.sh" "$repo/autograder/gradescope/run_autograder" "$stage/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
if [ -n "$chapter" ]; then
  # Fails here, with the grader's message, for a chapter the course lacks.
  (cd "$stage/course" && /usr/bin/python3 -c 'import sys; sys.path.insert(0, "autograder")
from grader import chapters
try:
    print(chapters.find(sys.argv[1]).slug)
except chapters.ManifestError as e:
    sys.exit(f"gradescope: {e}")' "$chapter") > /dev/null
fi
echo "GRADE_CH=$chapter" > "$stage/package.env"
if [ -n "$hidden" ]; then
  [ -d "$hidden" ] || { echo "gradescope: HIDDEN=$hidden is not a directory" >&2; exit 2; }
  cp -r "$hidden" "$stage/hidden"
  echo "gradescope: hidden tests: $(find "$stage/hidden" -name 'test_*_hidden.c' | wc -l) file(s)"
fi
(cd "$stage" && /usr/bin/python3 -m zipfile -c ../autograder.zip setup.sh run_autograder package.env course \
  $([ -z "$hidden" ] || echo hidden))
echo "gradescope: $out/autograder.zip (${chapter:+chapter $chapter, }$(find "$stage/course" -type f | wc -l) course files)"

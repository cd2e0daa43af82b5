#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image:
# install the course's Debian packages (scripts/packages.txt, through
# scripts/deps.sh) and build the runtime, so that grading a submission only
# compiles the learner's files and the tests.
set -euo pipefail
course=${GRADESCOPE_ROOT:-/autograder}/source/course
bash "$course/scripts/deps.sh" "$course/scripts/packages.txt"
/usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup.sh: the grader needs Python 3.11 or newer: choose a base image that has it (Debian 12, Ubuntu 24.04)" >&2
  exit 1
}
make -s -C "$course" runtime
make -s -C "$course" runtime SAN=asan

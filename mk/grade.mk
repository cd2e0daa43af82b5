# The grader: `make grade`, `make hint`, `make watch`, and its own tests.
GRADE := /usr/bin/python3 autograder/grade.py
GRADE_AVAILABLE := 1
# One factor scales every test's time limit; CI sets it for slow machines.
export TIMEOUT_FACTOR

.PHONY: grade grade-all hint watch grade-checksums grade-solutions grade-stubs grade-mistakes grade-selftest grade-classtest grade-environments student-template grade-submission gradescope
# A score below full marks is the grade's result, not make's failure: these
# end with the grader's summary (no "*** Error" from make) and fail only when
# grading could not be done (2) or the grader crashed (3). Scripts that need
# the score as a status call autograder/grade.py, which exits 1 below full marks.
grade: deps
	@$(GRADE) grade $(if $(CH),--ch $(CH)) $(if $(EX),--ex $(EX)) $(if $(SOLUTIONS),--solutions); \
	  rc=$$?; [ $$rc -le 1 ] || exit $$rc

grade-all: deps
	@$(GRADE) grade --all; rc=$$?; [ $$rc -le 1 ] || exit $$rc

hint:
	@$(GRADE) hint $(if $(CH),--ch $(CH)) $(if $(EX),--ex $(EX))

watch: deps
	@$(GRADE) watch $(if $(CH),--ch $(CH))

# For course authors, after changing a chapter's tests, headers or manifest.
grade-checksums:
	@$(GRADE) checksums

# The checks `make test` runs in the course's repository: the solutions
# score full marks, every test fails on every stub, and bad submissions are
# scored right.
grade-solutions: deps
	@$(GRADE) grade --solutions --out build/grade/solutions

grade-stubs: deps
	@$(GRADE) stubcheck $(if $(CH),--ch $(CH))

# The known mistakes (solutions/*/mistakes/*.patch) fail the tests they name.
# Both checks take CH=NN for one chapter.
grade-mistakes: deps
	@$(GRADE) mistakecheck $(if $(CH),--ch $(CH))

grade-selftest: deps
	@/usr/bin/python3 autograder/tests/selftest.py

# Class grading (grade-submission, Gradescope, GitHub Classroom) takes only
# the learner's exercise files: an edited test gains nothing there.
grade-classtest: deps
	@/usr/bin/python3 autograder/tests/class_grading.py

# The grader on machines it must handle: a course only root can enter, a temp
# dir the test user cannot use, a grader that fails (exit codes, make start).
grade-environments: deps
	@/usr/bin/python3 autograder/tests/environments.py

# The reference solutions are the course's, not the learner's template's:
# there, the checks that need them are named as not run.
ifneq ($(HAVE_SOLUTIONS),)
TEST_TARGETS += grade-solutions grade-stubs grade-mistakes grade-classtest
else
TEST_NOT_RUN += solutions/ not present: reference grading, the stub check, the known-mistake check and the class-grading check skipped (they need the reference solutions, which a learner's repository does not have);
endif
TEST_TARGETS += grade-selftest grade-environments

# The learner's template: the repository without solutions/, as a fresh git
# repository under build/student-template; with COURSE_REPO=URL (and
# COURSE_COMMIT, default HEAD) it grades for a class against that commit.
student-template:
	@COURSE_REPO="$(COURSE_REPO)" COURSE_COMMIT="$(COURSE_COMMIT)" bash autograder/student-template.sh build/student-template

# For a class: grade a learner's submission (a copy of their repository, or
# their exercise files) with this course's own tests, headers and checksums.
grade-submission: deps
	@[ -n "$(SUBMISSION)" ] || { echo "usage: make grade-submission SUBMISSION=DIR [CH=NN] [OUT=DIR]" >&2; exit 2; }
	@$(GRADE) submission "$(SUBMISSION)" $(if $(CH),--ch $(CH)) $(if $(OUT),--out "$(OUT)")

# A Gradescope programming assignment's autograder: build/gradescope/autograder.zip,
# for one chapter with CH=NN, with the instructor's hidden tests with HIDDEN=DIR.
gradescope:
	@bash autograder/gradescope/package.sh build/gradescope "$(CH)" "$(HIDDEN)"

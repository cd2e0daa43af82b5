# The course's two commands (start, test) and the quality gates: sanitizers,
# valgrind, other compilers and context switches, editor support.
.PHONY: start demo test sanitize valgrind tsan clang ucontext compile_commands.json fresh-machine-check

# `make start`, what README.md promises: install what is missing, build
# everything, run the first program, then grade the chapter the learner is
# on (a score below full marks is where a course starts, not an error; with
# no grader, mk/grade.mk absent, it stops after the first program).
start: deps all demo
ifneq ($(GRADE_AVAILABLE),)
	@echo; $(GRADE) grade; rc=$$?; [ $$rc -le 1 ]
endif

demo: runtime
	@echo "== $(BUILD)/runtime/examples/hello: two tasks taking turns (chapter 1 explains every line)"
	@$(BUILD)/runtime/examples/hello

# `make test`: every test target, all of them even when one fails, and one
# closing line "N passed, M failed", after the checks it could not run.
export TEST_NOT_RUN
test: deps
	@bash scripts/run-tests.sh $(TEST_TARGETS)

# The release check, too long for CI: `make start` and `make test` as root on
# a fresh minimal Debian 12 (a debootstrap root), with the course in /root.
fresh-machine-check:
	@bash scripts/deps.sh scripts/fresh-machine-packages.txt
	@bash scripts/fresh-machine-check.sh

# Children forked to exec a program (subprocesses) are not checked: between
# fork and exec they only set up descriptors.
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --child-silent-after-fork=yes

# ASan+UBSan over the runtime's tests (also with every task compact) and
# the examples, then valgrind (the same twice).
sanitize: deps
	$(MAKE) --no-print-directory SAN=asan runtime-test runtime-test-compact examples-test
	$(MAKE) --no-print-directory valgrind
	AC_TASK_COMPACT=1 $(MAKE) --no-print-directory valgrind

# Check forks each test; without forking, valgrind sees the tests themselves.
valgrind: $(RT_TEST_BIN)
	@fail=0; for t in $(RT_TEST_BIN); do echo "== valgrind $$t"; \
	  CK_FORK=no $(VALGRIND) $$t || fail=1; done; exit $$fail

# ThreadSanitizer: every runtime test (the executor's use threads), also
# with every task compact.
tsan: deps
	$(MAKE) --no-print-directory SAN=tsan runtime-test runtime-test-compact

clang: deps
	$(MAKE) --no-print-directory CC=clang runtime-test examples-test

ucontext: deps
	$(MAKE) --no-print-directory CONTEXT=ucontext runtime-test examples-test

# bear records the compiler calls of a real build, so everything is rebuilt
# (-B): a file already up to date would leave no entry.
compile_commands.json: deps
	@bash scripts/deps.sh scripts/editor-packages.txt
	bear --output $@ -- $(MAKE) --no-print-directory -B runtime $(RT_TEST_BIN) examples

# The C files `make lint` checks and `make format` rewrites, each in the
# style of its nearest .clang-format (the root's; chapters/.clang-format for
# the course's code). Not the grader's fixtures (autograder/tests): inputs
# kept as they are, some of them badly written on purpose.
LINT_FILES = $(wildcard runtime/src/*.[ch] runtime/include/*.h runtime/include/ac/*.h \
  runtime/tests/*.[ch] runtime/tests/cross/*.[ch] runtime/examples/*.c \
  autograder/harness/*.[ch] autograder/include/*.h \
  chapters/*/exercises/*.[ch] chapters/*/tests/*.[ch] chapters/*/support/*.[ch] \
  chapters/*/examples/*.c chapters/*/fuzz/*.c solutions/*/exercises/*.[ch] bench/c/*.[ch])

# Fails when a file differs from its style, naming each one.
.PHONY: lint format
lint: deps
	@n=0; for f in $(LINT_FILES); do \
	  clang-format --dry-run --Werror "$$f" >/dev/null 2>&1 || \
	    { echo "lint: $$f differs from its .clang-format"; n=$$((n+1)); }; \
	done; \
	if [ $$n -gt 0 ]; then echo "lint: $$n file(s) differ; make format rewrites them"; exit 1; fi

# Rewrites them, and what is written from them (scripts/format.sh).
format: deps
	@bash scripts/format.sh $(LINT_FILES)

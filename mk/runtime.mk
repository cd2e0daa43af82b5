# The runtime library (libac.a), its tests and its examples.
RT_INC := runtime/include
RT_SRC := $(filter-out runtime/src/ctx_%.c,$(wildcard runtime/src/*.c))
ifeq ($(CONTEXT),ucontext)
RT_SRC += runtime/src/ctx_ucontext.c
RT_CTX_FLAGS := -DAC_CONTEXT_UCONTEXT=1
else
RT_SRC += runtime/src/ctx_asm.c
RT_ASM := runtime/src/ctx_x86_64.S runtime/src/ctx_aarch64.S
RT_CTX_FLAGS :=
endif
RT_OBJ := $(RT_SRC:%.c=$(BUILD)/%.o) $(RT_ASM:%.S=$(BUILD)/%.o)
RT_LIB := $(BUILD)/libac.a
# No sibling calls: a public call that ends in a call that waits keeps its
# frame, so a task dump (ac_debug_dump_tasks) shows where the task waits.
RT_CFLAGS = $(CFLAGS_ALL) -fno-optimize-sibling-calls -I$(RT_INC) -Iruntime/src $(UV_CFLAGS) $(CURL_CFLAGS) $(RT_CTX_FLAGS)
# What a program linked with the runtime needs.
AC_LIBS = $(RT_LIB) $(UV_LIBS) $(CURL_LIBS) $(HIREDIS_LIBS) -lpthread -lm

RT_TEST_SRC := $(wildcard runtime/tests/test_*.c)
RT_TEST_BIN := $(RT_TEST_SRC:runtime/tests/%.c=$(BUILD)/runtime/tests/%)
RT_TEST_HELPERS := $(filter-out runtime/tests/test_%.c,$(wildcard runtime/tests/*.c))
RT_EXAMPLE_SRC := $(wildcard runtime/examples/*.c)
RT_EXAMPLE_BIN := $(RT_EXAMPLE_SRC:runtime/examples/%.c=$(BUILD)/runtime/examples/%)

.PHONY: runtime runtime-test runtime-examples
runtime: $(RT_LIB) $(RT_EXAMPLE_BIN)

$(RT_LIB): $(RT_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/runtime/%.o: runtime/%.c $(PKG_MK)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -c $< -o $@

$(BUILD)/runtime/%.o: runtime/%.S
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(SANFLAGS) -c $< -o $@

$(BUILD)/runtime/tests/%: runtime/tests/%.c $(RT_TEST_HELPERS) $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $(TEST_CFLAGS) $(CHECK_CFLAGS) $< $(RT_TEST_HELPERS) -o $@ -rdynamic $(TEST_WRAP) $(LDFLAGS_ALL) $(AC_LIBS) $(CHECK_LIBS)

# The set-up failure test links the runtime with these calls wrapped
# (-Wl,--wrap): its own __wrap_ functions fail them on demand.
SETUP_WRAP := uv_loop_init uv_timer_init uv_prepare_init uv_prepare_start uv_async_init \
  uv_signal_init pthread_mutex_init pthread_cond_init pthread_create curl_multi_init curl_multi_setopt
$(BUILD)/runtime/tests/test_setup_failures: TEST_WRAP := $(SETUP_WRAP:%=-Wl,--wrap=%)

# The NULL test checks its table against the headers' list of functions.
RT_API_LIST := $(BUILD)/runtime/tests/api_functions.h
$(RT_API_LIST): runtime/tests/check_api.py $(wildcard $(RT_INC)/ac/*.h)
	@mkdir -p $(@D)
	/usr/bin/python3 runtime/tests/check_api.py --list > $@
$(BUILD)/runtime/tests/test_null_objects: $(RT_API_LIST)
$(BUILD)/runtime/tests/test_null_objects: TEST_CFLAGS := -I$(BUILD)/runtime/tests

# test_process runs two of the examples.
$(BUILD)/runtime/tests/test_process: | $(BUILD)/runtime/examples/graceful_server $(BUILD)/runtime/examples/run_commands

# test_server_faults makes libuv's set-up calls fail on purpose: they are
# wrapped at link time, so the library's own calls reach the test's
# __wrap_ functions.
SERVER_FAULT_WRAPS := uv_tcp_init uv_tcp_bind uv_listen uv_tcp_getsockname
$(BUILD)/runtime/tests/test_server_faults: runtime/tests/test_server_faults.c $(RT_TEST_HELPERS) $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $(CHECK_CFLAGS) $< $(RT_TEST_HELPERS) -o $@ -rdynamic $(LDFLAGS_ALL) \
	  $(SERVER_FAULT_WRAPS:%=-Wl,--wrap=%) $(AC_LIBS) $(CHECK_LIBS)

$(BUILD)/runtime/examples/%: runtime/examples/%.c $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) $< -o $@ $(LDFLAGS_ALL) $(AC_LIBS)

# Each suite is its own program; all of them run even when one fails.
runtime-test: $(RT_TEST_BIN) $(BUILD)/runtime/tests/ctx_check
	@fail=0; for t in $(BUILD)/runtime/tests/ctx_check $(RT_TEST_BIN); do \
	  echo "== $$t"; $(TEST_WRAPPER) $$t || fail=1; done; exit $$fail

TEST_TARGETS += runtime-test

# The whole suite again with every task compact (AC_TASK_COMPACT=1, see
# ac_task_opts_t): on the shared run stack, copied out while away. With
# SAN=asan or SAN=tsan as runtime-test; valgrind: AC_TASK_COMPACT=1 make valgrind
# (make sanitize and make tsan run them all).
.PHONY: runtime-test-compact
runtime-test-compact:
	@AC_TASK_COMPACT=1 $(MAKE) --no-print-directory runtime-test

TEST_TARGETS += runtime-test-compact

# The public headers follow the API rules of docs/DESIGN.md, and each one
# compiles on its own.
.PHONY: api-check
api-check: $(PKG_MK)
	@CC="$(CC)" /usr/bin/python3 runtime/tests/check_api.py

TEST_TARGETS += api-check

-include $(RT_OBJ:.o=.d)

# The context switch on its own: natively, and for aarch64 under qemu.
CTX_CHECK_SRC := runtime/tests/cross/ctx_check.c runtime/src/ctx_asm.c
$(BUILD)/runtime/tests/ctx_check: $(CTX_CHECK_SRC) runtime/src/ctx_x86_64.S runtime/src/ctx_aarch64.S runtime/src/ctx_ucontext.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(OPT) $(RT_CTX_FLAGS) -Iruntime/src $(CTX_CHECK_SRC) \
	  $(if $(RT_CTX_FLAGS),runtime/src/ctx_ucontext.c,runtime/src/ctx_x86_64.S runtime/src/ctx_aarch64.S) -o $@

.PHONY: ctx-check ctx-cross
ctx-check: $(BUILD)/runtime/tests/ctx_check
	$<

ctx-cross:
	@bash scripts/deps.sh scripts/cross-packages.txt
	@mkdir -p build/aarch64
	aarch64-linux-gnu-gcc $(CSTD) -O2 -Iruntime/src $(CTX_CHECK_SRC) runtime/src/ctx_aarch64.S \
	  -o build/aarch64/ctx_check
	qemu-aarch64 -L /usr/aarch64-linux-gnu build/aarch64/ctx_check

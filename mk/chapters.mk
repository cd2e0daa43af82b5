# Chapter examples: every chapters/*/examples/NAME.c is a complete program
# built against the runtime, run, and compared with examples/NAME.expected,
# so no listing the lessons include can stop compiling or change its output
# unnoticed.
CH_EXAMPLE_SRC := $(wildcard chapters/*/examples/*.c)
CH_EXAMPLE_BIN := $(CH_EXAMPLE_SRC:%.c=$(BUILD)/%)
# Examples must compile without a single warning, in every build.
CH_EXAMPLE_CFLAGS = $(RT_CFLAGS) -Werror
# Longest an example may run before it counts as hung (seconds).
CH_EXAMPLE_TIMEOUT ?= 60

.PHONY: examples examples-test
all: examples
examples: $(CH_EXAMPLE_BIN)

# A chapter's support/ (helpers it provides, such as chapter 06's link
# extractor on libxml2) is compiled into each of its examples, with the
# libraries the chapter's exercises link with (CH_LIBS_MK).
ch_support = $(wildcard $(dir $(1))../support/*.c)
ch_slug = $(word 2,$(subst /, ,$(1)))
.SECONDEXPANSION:
$(CH_EXAMPLE_BIN): $(BUILD)/%: %.c $$(call ch_support,%.c) $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(CH_EXAMPLE_CFLAGS) $(if $(call ch_support,$<),-I$(dir $<)../support) $(CH_CFLAGS_$(call ch_slug,$<)) \
	  $< $(call ch_support,$<) -o $@ $(LDFLAGS_ALL) $(AC_LIBS) $(CH_LIBS_$(call ch_slug,$<))

# Run each example; its standard output must match NAME.expected exactly and
# it must exit with 0. All of them run even when one fails.
examples-test: $(CH_EXAMPLE_BIN)
	@fail=0; for src in $(CH_EXAMPLE_SRC); do \
	  bin=$(BUILD)/$${src%.c}; want=$${src%.c}.expected; \
	  if [ ! -f "$$want" ]; then \
	    echo "FAIL $$src: no $$want with its expected output"; fail=1; continue; fi; \
	  timeout $(CH_EXAMPLE_TIMEOUT) $(TEST_WRAPPER) $$bin >$$bin.out 2>$$bin.err; rc=$$?; \
	  if [ $$rc -ne 0 ]; then \
	    echo "FAIL $$src: exited with $$rc"; cat $$bin.err; fail=1; \
	  elif ! diff -u --label "$$want" --label "output of $$src" "$$want" $$bin.out; then \
	    echo "FAIL $$src: output differs from $$want (above)"; fail=1; \
	  else echo "ok   $$src"; fi; \
	done; exit $$fail

TEST_TARGETS += examples-test

-include $(CH_EXAMPLE_BIN:%=%.d)

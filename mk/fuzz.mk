# Fuzzing the code the chapters provide, with clang's libFuzzer: chapter
# 07's HTTP wrapper (support/http_message.c), which the learner's servers
# trust with whatever a client sends. `make fuzz` runs it for FUZZ_SECONDS
# (600 by default), keeping what it learns in build/fuzz/corpus;
# `make fuzz-smoke`, part of make test, runs it for FUZZ_SMOKE_SECONDS from
# the committed seeds. A finding is saved as build/fuzz/crash-*.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_CH := chapters/07-servers
FUZZ_BIN := build/fuzz/fuzz_http_message
FUZZ_SRC := $(FUZZ_CH)/fuzz/fuzz_http_message.c $(FUZZ_CH)/support/http_message.c
FUZZ_FLAGS := -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build/fuzz/

.PHONY: fuzz fuzz-smoke
$(FUZZ_BIN): $(FUZZ_SRC) $(FUZZ_CH)/support/http_message.h $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -I$(FUZZ_CH)/support $(FUZZ_SRC) -o $@ $$($(PKG_CONFIG) --cflags --libs jansson) -lhttp_parser

fuzz: deps $(FUZZ_BIN)
	@mkdir -p build/fuzz/corpus
	$(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  build/fuzz/corpus $(FUZZ_CH)/fuzz/corpus

fuzz-smoke: deps $(FUZZ_BIN)
	@rm -rf build/fuzz/smoke && mkdir -p build/fuzz/smoke
	@if $(FUZZ_BIN) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SMOKE_SECONDS) build/fuzz/smoke \
	    $(FUZZ_CH)/fuzz/corpus > build/fuzz/smoke.log 2>&1; then \
	  echo "ok   fuzz http_message: $$(grep -o 'Done [0-9]* runs' build/fuzz/smoke.log) in $(FUZZ_SMOKE_SECONDS) s, no finding"; \
	else cat build/fuzz/smoke.log; echo "FAIL fuzz http_message: a finding (above), its input in build/fuzz/"; exit 1; fi

TEST_TARGETS += fuzz-smoke

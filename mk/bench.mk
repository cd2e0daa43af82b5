# Benchmarks: programs and a report of ratios against peers, never timed tests.
# `make bench` runs them all (several minutes); `make bench-smoke` (part of
# make test) builds each and runs it on a tiny count, so none can rot: it
# says which ran, not how fast (tiny counts measure nothing).
BENCH_SRC := $(wildcard bench/c/*.c)
BENCH_BIN := $(BENCH_SRC:bench/c/%.c=$(BUILD)/bench/%)
BENCH_RUNS ?= 5

$(BUILD)/bench/%: bench/c/%.c bench/c/bench.h $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -O2 $< -o $@ $(LDFLAGS_ALL) $(AC_LIBS)

# The crawl benchmark runs chapter 06's reference crawler, so it exists only
# where the solutions do (not in a learner's template: run.py says so).
CRAWL_DIR := chapters/06-crawler
CRAWL_SRC := bench/crawl/crawl_ac.c $(wildcard solutions/06-crawler/exercises/*.c) $(wildcard $(CRAWL_DIR)/support/*.c)
ifneq ($(HAVE_SOLUTIONS),)
BENCH_BIN += $(BUILD)/bench/crawl_ac
endif
$(BUILD)/bench/crawl_ac: $(CRAWL_SRC) $(wildcard $(CRAWL_DIR)/exercises/*.h $(CRAWL_DIR)/support/*.h) $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -O2 -I$(CRAWL_DIR)/exercises -I$(CRAWL_DIR)/support $(XML_CFLAGS) $(CRAWL_SRC) -o $@ \
	  $(LDFLAGS_ALL) $(AC_LIBS) $(XML_LIBS)

# The lines benchmark runs chapter 05's reference line server: like the
# crawl, only where the solutions are.
LINES_DIR := chapters/05-streams
LINES_SRC := bench/lines/line_server_ac.c solutions/05-streams/exercises/line_server.c
ifneq ($(HAVE_SOLUTIONS),)
BENCH_BIN += $(BUILD)/bench/line_server_ac
endif
$(BUILD)/bench/line_server_ac: $(LINES_SRC) $(LINES_DIR)/exercises/line_server.h bench/c/bench.h $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -O2 -I$(LINES_DIR)/exercises -Ibench/c $(LINES_SRC) -o $@ $(LDFLAGS_ALL) $(AC_LIBS)

# The streams benchmark runs chapter 09's reference consumer: like the
# crawl, only where the solutions are.
STREAMS_DIR := chapters/09-executors-streams
STREAMS_SRC := bench/streams/streams_ac.c solutions/09-executors-streams/exercises/consumer.c
ifneq ($(HAVE_SOLUTIONS),)
BENCH_BIN += $(BUILD)/bench/streams_ac
endif
$(BUILD)/bench/streams_ac: $(STREAMS_SRC) $(STREAMS_DIR)/exercises/consumer.h $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -O2 -I$(STREAMS_DIR)/exercises $(STREAMS_SRC) -o $@ $(LDFLAGS_ALL) $(AC_LIBS)

# The API benchmark's server: chapter 07's HTTP server and to-do API, the
# reference solutions (in a learner's copy, the learner's own files), with
# the chapter's HTTP wrapper.
API_CH := chapters/07-servers
API_EX := $(if $(HAVE_SOLUTIONS),solutions/07-servers/exercises,$(API_CH)/exercises)
API_SRC := bench/api/api_server.c $(API_EX)/http_server.c $(API_EX)/todo_api.c \
  $(API_CH)/support/http_message.c
API_BIN := $(BUILD)/bench/api_server

$(API_BIN): $(API_SRC) $(wildcard $(API_CH)/exercises/*.h) $(API_CH)/support/http_message.h $(RT_LIB)
	@mkdir -p $(@D)
	$(CC) $(RT_CFLAGS) -O2 -I$(API_CH)/exercises -I$(API_CH)/support $(JANSSON_CFLAGS) $(API_SRC) \
	  -o $@ $(LDFLAGS_ALL) $(AC_LIBS) $(JANSSON_LIBS) -lhttp_parser

.PHONY: bench bench-smoke bench-deps
bench-deps:
	@bash scripts/deps.sh scripts/bench-packages.txt

bench: bench-deps $(BENCH_BIN) $(API_BIN)
	/usr/bin/python3 bench/run.py $(BUILD) --runs $(BENCH_RUNS) $(if $(ONLY),--only $(ONLY))

bench-smoke: bench-deps $(BENCH_BIN) $(API_BIN)
	BENCH_SCALE=1000 ECHO_SECONDS=0.3 COUNT_SECONDS=0.3 HTTP_REQUESTS=300 CRAWL_PAGES=100 API_SECONDS=1 LINES_IDLE=50 \
	  STREAMS_ENTRIES=2000 \
	  /usr/bin/python3 bench/run.py $(BUILD) --runs 1 --smoke

TEST_TARGETS += bench-smoke

# Instructions per operation of the micro-benchmarks (callgrind), against
# bench/baseline/instructions.json: fails on a regression of more than 10%.
# Counts do not change with the machine's load, so CI runs it (.ci/run).
# After a deliberate change, `make bench-baseline` writes the new counts.
.PHONY: bench-check bench-baseline
bench-check: $(BUILD)/bench/ac_tasks $(BUILD)/bench/ac_sync
	@/usr/bin/python3 bench/check.py $(BUILD)

bench-baseline: $(BUILD)/bench/ac_tasks $(BUILD)/bench/ac_sync
	@/usr/bin/python3 bench/check.py $(BUILD) --write

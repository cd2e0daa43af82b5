/* bench.h - what the C benchmarks share: the scale, the clock, one result line. */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* BENCH_SCALE divides every count, so `make bench-smoke` runs in moments. */
static inline long bench_count(long n) {
  const char *s = getenv("BENCH_SCALE");
  long div = s ? atol(s) : 1;
  return div > 1 ? (n / div > 0 ? n / div : 1) : n;
}

static inline double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One JSON line per figure: the harness reads these. */
static inline void bench_report(const char *bench, const char *impl, double value,
                                const char *unit) {
  printf("{\"bench\": \"%s\", \"impl\": \"%s\", \"value\": %.4f, \"unit\": \"%s\"}\n", bench, impl,
         value, unit);
  fflush(stdout);
}

#define BENCH_CHECK(expr)                                                              \
  do {                                                                                 \
    int bench_rc_ = (expr);                                                            \
    if (bench_rc_ < 0) {                                                               \
      fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__, __LINE__, #expr, bench_rc_); \
      exit(1);                                                                         \
    }                                                                                  \
  } while (0)

#endif

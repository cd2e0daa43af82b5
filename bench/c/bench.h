/* bench.h - what the C benchmarks share: the scale, the clock, one result
 * line, room for many descriptors, idle connections. */
#ifndef BENCH_H
#define BENCH_H

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

/* Room for NEED descriptors: the soft limit up to the hard one, and the
 * hard one too where allowed (root); exits saying so if it cannot. */
static inline void bench_raise_nofile(const char *prog, rlim_t need) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= need) return;
  if (r.rlim_max < need) {
    struct rlimit up = {need, need};
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) return;
  }
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < need) {
    fprintf(stderr, "%s: %lu descriptors needed, the limit is %lu (ulimit -Hn)\n", prog,
            (unsigned long)need, (unsigned long)r.rlim_cur);
    exit(1);
  }
}

/* Open N connections to 127.0.0.1:PORT into FDS, each sending one line and
 * reading the answer up to its newline, so that the server has served each
 * once and then waits. Waits 10 s at most for an answer (a server out of
 * descriptors accepts nothing). Returns 0, or -1 after saying why. */
static inline int bench_idle_connections(const char *prog, int port, long n, int *fds) {
  struct timeval limit = {.tv_sec = 10};
  for (long i = 0; i < n; i++) {
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(0x7f000001)};
    char answer[64];
    size_t got = 0;
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0 || setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0 ||
        connect(fds[i], (struct sockaddr *)&a, sizeof a) != 0 || write(fds[i], "hello\n", 6) != 6) {
      fprintf(stderr, "%s: connection %ld: ", prog, i + 1);
      perror(NULL);
      return -1;
    }
    while (!memchr(answer, '\n', got)) {
      ssize_t r = got < sizeof answer ? read(fds[i], answer + got, sizeof answer - got) : 0;
      if (r <= 0) {
        fprintf(stderr, "%s: connection %ld: %s\n", prog, i + 1,
                r < 0 ? "no answer within 10 s" : "no answer line");
        return -1;
      }
      got += (size_t)r;
    }
  }
  return 0;
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

/* ac_sync.c - the runtime's synchronization and executor benchmarks: queue
 * ping-pong between two tasks, an uncontended lock, and run_in_executor
 * round trips (latency) and throughput on a 2-worker pool. */
#include <string.h>

#include "ac.h"
#include "bench.h"

typedef struct {
  ac_queue_t *in, *out;
  long n;
} pong_arg;

static int ponger(void *arg, void **result) {
  (void)result;
  pong_arg *p = arg;
  for (long i = 0; i < p->n; i++) {
    void *item;
    BENCH_CHECK(ac_queue_get(p->in, &item));
    BENCH_CHECK(ac_queue_put(p->out, item));
  }
  return 0;
}

static void bench_queue(void) {
  long n = bench_count(1000000);
  ac_queue_t *ping, *pong;
  BENCH_CHECK(ac_queue_create(&ping, AC_QUEUE_FIFO, 1, NULL));
  BENCH_CHECK(ac_queue_create(&pong, AC_QUEUE_FIFO, 1, NULL));
  pong_arg p = {ping, pong, n};
  ac_task_t *t;
  double t0 = bench_now_ns();
  BENCH_CHECK(ac_task_create(&t, ponger, &p));
  for (long i = 0; i < n; i++) {
    void *item;
    BENCH_CHECK(ac_queue_put(ping, &p));
    BENCH_CHECK(ac_queue_get(pong, &item));
  }
  BENCH_CHECK(ac_future_await(t, NULL));
  double t1 = bench_now_ns();
  ac_future_release(t);
  bench_report("queue_pingpong", "ac", (t1 - t0) / (double)n / 1000.0, "us/roundtrip");
}

static void bench_lock(void) {
  long n = bench_count(10000000);
  ac_lock_t *lock;
  BENCH_CHECK(ac_lock_create(&lock));
  double t0 = bench_now_ns();
  for (long i = 0; i < n; i++) {
    BENCH_CHECK(ac_lock_acquire(lock));
    BENCH_CHECK(ac_lock_release(lock));
  }
  double t1 = bench_now_ns();
  ac_lock_close(lock);
  bench_report("lock", "ac", (t1 - t0) / (double)n, "ns/pair");
}

static int trivial(void *arg, void **result) {
  *result = arg;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void bench_executor_latency(void) {
  long n = bench_count(20000);
  double *lat = malloc((size_t)n * sizeof *lat);
  for (long i = 0; i < n; i++) {
    double t0 = bench_now_ns();
    BENCH_CHECK(ac_executor_run(NULL, trivial, NULL, NULL));
    lat[i] = bench_now_ns() - t0;
  }
  qsort(lat, (size_t)n, sizeof *lat, cmp_double);
  bench_report("executor_latency", "ac", lat[n / 2] / 1000.0, "us/job (median)");
  free(lat);
}

typedef struct {
  ac_executor_t *pool;
  long jobs;
} worker_arg;

static int submitter(void *arg, void **result) {
  (void)result;
  worker_arg *w = arg;
  for (long i = 0; i < w->jobs; i++) BENCH_CHECK(ac_executor_run(w->pool, trivial, NULL, NULL));
  return 0;
}

static void bench_executor_throughput(void) {
  enum { SUBMITTERS = 64 };
  long n = bench_count(100000);
  ac_executor_t *pool;
  BENCH_CHECK(ac_executor_create(&pool, 2));
  worker_arg w = {pool, n / SUBMITTERS > 0 ? n / SUBMITTERS : 1};
  ac_task_t *t[SUBMITTERS];
  double t0 = bench_now_ns();
  for (int i = 0; i < SUBMITTERS; i++) BENCH_CHECK(ac_task_create(&t[i], submitter, &w));
  BENCH_CHECK(ac_future_gather(t, SUBMITTERS, NULL, NULL, 0));
  double t1 = bench_now_ns();
  for (int i = 0; i < SUBMITTERS; i++) ac_future_release(t[i]);
  BENCH_CHECK(ac_executor_close(pool, 0));
  double jobs = (double)(w.jobs * SUBMITTERS);
  bench_report("executor_throughput", "ac", jobs / ((t1 - t0) / 1e9), "jobs/s");
}

static int main_task(void *arg, void **result) {
  (void)result;
  const char *which = arg;
  if (!strcmp(which, "queue_pingpong"))
    bench_queue();
  else if (!strcmp(which, "lock"))
    bench_lock();
  else if (!strcmp(which, "executor_latency"))
    bench_executor_latency();
  else if (!strcmp(which, "executor_throughput"))
    bench_executor_throughput();
  else
    return -EINVAL;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s queue_pingpong|lock|executor_latency|executor_throughput\n",
            argv[0]);
    return 2;
  }
  int rc = ac_loop_run(main_task, argv[1], NULL);
  if (rc < 0) fprintf(stderr, "%s: %s\n", argv[1], ac_error_message(rc));
  return rc < 0;
}

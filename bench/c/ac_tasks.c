/* ac_tasks.c - the runtime's task benchmarks: context switch (two tasks
 * handing over with ac_task_sleep(0)), spawn + await, create + run + destroy,
 * call_soon chains, and the memory of 100,000 and 1,000,000 sleeping tasks;
 * the switch and the million also for compact tasks (AC_TASK_COMPACT). */
#include <string.h>

#include "ac.h"
#include "bench.h"

static int yielder(void *arg, void **result) {
  (void)result;
  long n = *(long *)arg;
  for (long i = 0; i < n; i++) BENCH_CHECK(ac_task_sleep(0));
  return 0;
}

static void bench_switch(const char *name, unsigned flags) {
  long n = bench_count(5000000);
  ac_task_t *a, *b;
  ac_task_opts_t opts = {.flags = flags};
  double t0 = bench_now_ns();
  BENCH_CHECK(ac_task_create_ex(&a, yielder, &n, &opts));
  BENCH_CHECK(ac_task_create_ex(&b, yielder, &n, &opts));
  ac_task_t *both[] = {a, b};
  BENCH_CHECK(ac_future_gather(both, 2, NULL, NULL, 0));
  double t1 = bench_now_ns();
  ac_future_release(a);
  ac_future_release(b);
  bench_report(name, "ac", (t1 - t0) / (2.0 * (double)n), "ns/switch");
}

static int trivial(void *arg, void **result) {
  (void)arg, (void)result;
  return 0;
}

static void bench_spawn(void) {
  long n = bench_count(200000);
  ac_task_t **tasks = malloc((size_t)n * sizeof *tasks);
  double t0 = bench_now_ns();
  for (long i = 0; i < n; i++) BENCH_CHECK(ac_task_create(&tasks[i], trivial, NULL));
  for (long i = 0; i < n; i++) {
    BENCH_CHECK(ac_future_await(tasks[i], NULL));
    ac_future_release(tasks[i]);
  }
  double t1 = bench_now_ns();
  free(tasks);
  bench_report("spawn_await", "ac", (t1 - t0) / (double)n / 1000.0, "us/task");
}

static void bench_create(void) {
  long batches = bench_count(1000), batch = 1000;
  double t0 = bench_now_ns();
  for (long b = 0; b < batches; b++) {
    for (long i = 0; i < batch; i++) BENCH_CHECK(ac_task_create(NULL, trivial, NULL));
    BENCH_CHECK(ac_task_sleep(0)); /* they all run and end before we come back */
  }
  double t1 = bench_now_ns();
  bench_report("create_run_destroy", "ac", (t1 - t0) / (double)(batches * batch), "ns/task");
}

typedef struct {
  long left;
  ac_future_t *done;
} chain;

static void link_cb(void *arg) {
  chain *c = arg;
  if (--c->left > 0)
    BENCH_CHECK(ac_loop_call_soon(link_cb, c, NULL));
  else
    ac_future_set_result(c->done, NULL);
}

static void bench_call_soon(void) {
  chain c = {bench_count(1000000), NULL};
  long n = c.left;
  BENCH_CHECK(ac_future_create(&c.done));
  double t0 = bench_now_ns();
  BENCH_CHECK(ac_loop_call_soon(link_cb, &c, NULL));
  BENCH_CHECK(ac_future_await(c.done, NULL));
  double t1 = bench_now_ns();
  ac_future_release(c.done);
  bench_report("call_soon", "ac", (t1 - t0) / (double)n, "ns/callback");
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = 0;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kib = atol(line + 6);
  if (f) fclose(f);
  return kib;
}

static int sleeper(void *arg, void **result) {
  (void)result;
  return ac_task_sleep(*(int64_t *)arg);
}

/* N tasks asleep at once (until cancelled): the RSS they add, per task. */
static void bench_sleepers(const char *name, long n, unsigned flags) {
  ac_task_opts_t opts = {.flags = flags};
  int64_t ms = 3600 * 1000;
  ac_task_t **tasks = malloc((size_t)n * sizeof *tasks);
  if (!tasks) exit(1);
  long before = rss_kib();
  for (long i = 0; i < n; i++) BENCH_CHECK(ac_task_create_ex(&tasks[i], sleeper, &ms, &opts));
  BENCH_CHECK(ac_task_sleep(100)); /* all of them are asleep now */
  long during = rss_kib();
  bench_report(name, "ac", (double)(during - before) / (double)n, "KiB/task");
  for (long i = 0; i < n; i++) ac_future_cancel(tasks[i]);
  for (long i = 0; i < n; i++) {
    ac_future_await(tasks[i], NULL); /* -ECANCELED */
    ac_future_release(tasks[i]);
  }
  free(tasks);
}

static int main_task(void *arg, void **result) {
  (void)result;
  const char *which = arg;
  if (!strcmp(which, "switch"))
    bench_switch(which, 0);
  else if (!strcmp(which, "switch_compact"))
    bench_switch(which, AC_TASK_COMPACT);
  else if (!strcmp(which, "spawn_await"))
    bench_spawn();
  else if (!strcmp(which, "create_run_destroy"))
    bench_create();
  else if (!strcmp(which, "call_soon"))
    bench_call_soon();
  else if (!strcmp(which, "sleeping_rss"))
    bench_sleepers(which, bench_count(100000), 0);
  else if (!strcmp(which, "sleeping_1m"))
    bench_sleepers(which, bench_count(1000000), 0);
  else if (!strcmp(which, "sleeping_1m_compact"))
    bench_sleepers(which, bench_count(1000000), AC_TASK_COMPACT);
  else
    return -EINVAL;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr,
            "usage: %s switch|switch_compact|spawn_await|create_run_destroy|call_soon|"
            "sleeping_rss|sleeping_1m|sleeping_1m_compact\n",
            argv[0]);
    return 2;
  }
  int rc = ac_loop_run(main_task, argv[1], NULL);
  if (rc < 0) fprintf(stderr, "%s: %s\n", argv[1], ac_error_message(rc));
  return rc < 0;
}

/* sequential_vs_concurrent.c - three waits in a row take their sum; three tasks waiting at once
 * take the longest. */
#include <ac.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#define N_WAITS 3
static int64_t waits_ms[N_WAITS] = {100, 200, 300};

/* [sequential] */
/* One wait after the other: each ac_task_sleep() starts when the last ended. */
static int wait_sequentially(void)
{
  for (size_t i = 0; i < N_WAITS; i++) {
    int rc = ac_task_sleep(waits_ms[i]);
    if (rc < 0)
      return rc;
  }
  return 0;
}
/* [sequential] */

/* [concurrent] */
/* A task that waits for as long as its argument says. */
static int nap(void *arg, void **result)
{
  const int64_t *ms = arg;

  (void)result;
  return ac_task_sleep(*ms);
}

/* Every wait in a task of its own: all three start, then all three wait
 * at the same time. */
static int wait_concurrently(void)
{
  ac_task_t *tasks[N_WAITS];
  size_t started = 0;
  int rc = 0;

  while (started < N_WAITS) {
    rc = ac_task_create(&tasks[started], nap, &waits_ms[started]);
    if (rc < 0)
      break; /* still await the ones already started, below */
    started++;
  }
  for (size_t i = 0; i < started; i++) {
    int task_rc = ac_future_await(tasks[i], NULL);
    if (rc == 0)
      rc = task_rc;
    ac_future_release(tasks[i]);
  }
  return rc;
}
/* [concurrent] */

/* [report] */
/* Say which the measured time is nearer to, the sum of the waits or the
 * longest one, rather than print raw milliseconds that vary from run to run. */
static void report(const char *how, double elapsed_ms)
{
  double sum = 0, longest = 0;
  for (size_t i = 0; i < N_WAITS; i++) {
    sum += (double)waits_ms[i];
    longest = fmax(longest, (double)waits_ms[i]);
  }
  if (fabs(elapsed_ms - sum) < fabs(elapsed_ms - longest))
    printf("%s: about the sum of the waits (%.0f ms)\n", how, sum);
  else
    printf("%s: about the longest wait (%.0f ms)\n", how, longest);
}
/* [report] */

/* [main_task] */
static int main_task(void *arg, void **result)
{
  (void)arg;
  (void)result;

  double start = ac_loop_time_precise();
  int rc = wait_sequentially();
  if (rc < 0)
    return rc;
  report("sequential", ac_loop_time_precise() - start);

  start = ac_loop_time_precise();
  rc = wait_concurrently();
  if (rc < 0)
    return rc;
  report("concurrent", ac_loop_time_precise() - start);
  return 0;
}
/* [main_task] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "sequential_vs_concurrent: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

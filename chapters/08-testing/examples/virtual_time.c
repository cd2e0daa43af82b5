/* virtual_time.c - a retry with 30 s of backoff and a 30 s timeout, run
 * under virtual time: the loop's clock jumps to each deadline when every
 * task waits, so the run takes microseconds and prints the same instants
 * every time. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* [retry] */
/* A service that refuses five times, then answers. */
static int attempts;
static int64_t start;
static int call_service(void)
{
  printf("attempt %d at %5lld ms\n", ++attempts, (long long)(ac_loop_time() - start));
  return attempts < 6 ? -ECONNREFUSED : 0;
}

/* Retry with pauses that double from 1 s, capped at 15 s. */
static int retry_with_backoff(void)
{
  int64_t pause = 1000;
  int rc;
  while ((rc = call_service()) == -ECONNREFUSED) {
    if ((rc = ac_task_sleep(pause)) < 0)
      return rc;
    pause = pause * 2 > 15000 ? 15000 : pause * 2;
  }
  return rc;
}
/* [retry] */

static int never_answers(void *arg, void **result)
{
  (void)result;
  return ac_event_wait(arg);
}

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  /* [virtual] */
  ac_loop_set_clock(AC_CLOCK_VIRTUAL); /* first thing: from now on, time is virtual */
  /* [virtual] */
  start = ac_loop_time();
  clock_t cpu = clock();
  int rc = retry_with_backoff();
  printf("connected (%d) after %lld ms of backoff\n", rc, (long long)(ac_loop_time() - start));

  ac_event_t *never;
  ac_event_create(&never);
  ac_task_t *slow;
  ac_task_create(&slow, never_answers, never);
  int64_t asked = ac_loop_time();
  rc = ac_future_await_for(slow, 30000, NULL);
  printf("a 30 s timeout: %s after %lld ms\n", ac_error_message(rc),
         (long long)(ac_loop_time() - asked));
  ac_future_release(slow);
  ac_event_close(never);
  double cpu_ms = (double)(clock() - cpu) * 1000.0 / CLOCKS_PER_SEC;
  printf("60 s of virtual time took %s a second of CPU time\n", cpu_ms < 1000 ? "under" : "over");
  return 0;
}

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

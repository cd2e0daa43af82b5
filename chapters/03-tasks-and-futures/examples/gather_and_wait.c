/* gather_and_wait.c - gather collects every result in order; wait with FIRST_COMPLETED returns as
 * soon as one task is done. */
#include <ac.h>
#include <stdint.h>
#include <stdio.h>

/* [fetch] */
/* Pretends to fetch something slow: sleeps @arg milliseconds, returns it. */
static int fetch(void *arg, void **result)
{
  intptr_t ms = (intptr_t)arg;
  int rc = ac_task_sleep(ms);
  if (rc < 0) {
    printf("fetch %ld ms: cancelled\n", (long)ms);
    return rc;
  }
  printf("fetch %ld ms: done\n", (long)ms);
  *result = (void *)ms;
  return 0;
}
/* [fetch] */

/* [cancel_all] */
/* Cancel each task, wait until it has finished, then release it: a
 * cancelled task is still running its cleanup until it has been awaited. */
static void cancel_all(ac_task_t **tasks, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    ac_future_cancel(tasks[i]);      /* no-op for a finished one */
    ac_future_await(tasks[i], NULL); /* let it end */
    ac_future_release(tasks[i]);
  }
}
/* [cancel_all] */

static int start(ac_task_t **tasks, const intptr_t *delays, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    int rc = ac_task_create(&tasks[i], fetch, (void *)delays[i]);
    if (rc < 0) {
      cancel_all(tasks, i); /* the ones already created */
      return rc;
    }
  }
  return 0;
}

/* [main_task] */
static int main_task(void *arg, void **result)
{
  static const intptr_t delays[3] = {30, 10, 20};
  static const intptr_t race_delays[3] = {300, 10, 200};
  ac_task_t *tasks[3];
  void *results[3];

  (void)arg;
  (void)result;
  /* gather: all of them, results in the order of the list. */
  int rc = start(tasks, delays, 3);
  if (rc < 0)
    return rc;
  rc = ac_future_gather(tasks, 3, results, NULL, 0);
  for (size_t i = 0; i < 3; i++)
    ac_future_release(tasks[i]);
  if (rc < 0)
    return rc;
  printf("gather: %ld %ld %ld\n", (long)(intptr_t)results[0], (long)(intptr_t)results[1],
         (long)(intptr_t)results[2]);

  /* wait: return when the first is done; cancel and await the rest. */
  rc = start(tasks, race_delays, 3);
  if (rc < 0)
    return rc;
  rc = ac_future_wait(tasks, 3, AC_WAIT_FIRST_COMPLETED);
  printf("wait: %d finished\n", rc);
  cancel_all(tasks, 3);
  return rc < 0 ? rc : 0;
}
/* [main_task] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "gather_and_wait: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

/* timeouts.c - wait_for cancels a slow task and returns -ETIMEDOUT; a timeout scope puts a deadline
 * on a block of code. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>

/* [slow] */
/* Works for 1 s, unless cancelled; then cleans up and says so. */
static int slow(void *arg, void **result)
{
  (void)arg;
  (void)result;
  int rc = ac_task_sleep(1000);
  if (rc == -ECANCELED)
    printf("slow: cancelled, cleaning up\n");
  return rc;
}
/* [slow] */

/* [main_task] */
static int main_task(void *arg, void **result)
{
  ac_task_t *task;

  (void)arg;
  (void)result;
  int rc = ac_task_create(&task, slow, NULL);
  if (rc < 0)
    return rc;
  rc = ac_future_await_for(task, 50, NULL);
  printf("wait_for: %s\n", ac_error_message(rc));
  ac_future_release(task);

  /* A scope: every wait inside it shares one 250 ms deadline. */
  ac_timeout_t deadline;
  rc = ac_timeout_open(&deadline, 250);
  if (rc < 0)
    return rc;
  int step = 0;
  while (step < 10 && ac_task_sleep(100) == 0)
    step++;
  rc = ac_timeout_close(&deadline);
  printf("scope: %d steps of 100 ms, then %s\n", step, ac_error_message(rc));
  return 0;
}
/* [main_task] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "timeouts: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

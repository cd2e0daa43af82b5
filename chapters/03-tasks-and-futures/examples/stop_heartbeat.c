/* stop_heartbeat.c - chapter 01's heartbeat, stopped two ways: a flag it reads when its sleep ends,
 * or a cancellation that ends the sleep at once. */
#include <ac.h>
#include <stdio.h>

enum { INTERVAL_MS = 200, WORK_MS = 250 };

/* [heart] */
typedef struct {
  int stop; /* the flag way: set once the work is done */
  int beats;
} heart_t;

/* Beat every INTERVAL_MS until told to stop. */
static int heartbeat(void *arg, void **result)
{
  heart_t *heart = arg;

  (void)result;
  for (;;) {
    int rc = ac_task_sleep(INTERVAL_MS);
    if (rc < 0)
      return rc; /* cancelled: the sleep ends at once with -ECANCELED */
    if (heart->stop)
      return 0; /* the flag, seen only now that the sleep is over */
    heart->beats++;
  }
}
/* [heart] */

/* [stop] */
/* The work (a WORK_MS sleep) beside a heartbeat, then the heartbeat stopped
 * with the flag or with a cancellation. Stores how long the stop took and
 * how many beats there were; returns the first error. */
static int run(int cancel, double *stop_ms, int *beats)
{
  heart_t heart = {0, 0};
  ac_task_t *task;
  int rc = ac_task_create(&task, heartbeat, &heart);
  if (rc < 0)
    return rc;
  int work_rc = ac_task_sleep(WORK_MS); /* the work */
  double work_done = ac_loop_time_precise();
  if (cancel)
    ac_future_cancel(task); /* wakes it in the middle of its sleep */
  else
    heart.stop = 1; /* it sees this when its sleep ends */
  int heart_rc = ac_future_await(task, NULL);
  ac_future_release(task);
  *stop_ms = ac_loop_time_precise() - work_done;
  *beats = heart.beats;
  /* The heartbeat ending cancelled is what we asked for, unless this task
   * was cancelled too: then the request is counted here, and passed on. */
  if (heart_rc == -ECANCELED && ac_task_cancelling(ac_task_current()) == 0)
    heart_rc = 0;
  return work_rc < 0 ? work_rc : heart_rc;
}
/* [stop] */

static int main_task(void *arg, void **result)
{
  /* The heartbeat's next wake-up after the work: at 2 intervals. */
  const double next_wake_ms = 2 * INTERVAL_MS - WORK_MS;

  (void)arg;
  (void)result;
  for (int cancel = 0; cancel <= 1; cancel++) {
    double stop_ms;
    int beats;
    int rc = run(cancel, &stop_ms, &beats);
    if (rc < 0)
      return rc;
    /* Report which of the two the stop was nearer to, not raw times. */
    if (stop_ms < next_wake_ms / 2)
      printf("%s: %d beat; the heartbeat ended at once\n", cancel ? "cancel" : "flag", beats);
    else
      printf("%s: %d beat; the heartbeat ended at its next wake-up, %.0f ms after the work\n",
             cancel ? "cancel" : "flag", beats, next_wake_ms);
  }
  return 0;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "stop_heartbeat: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

/* heartbeat.c - reference solution of chapter 01, exercise 3.
 *
 * The heartbeat is a task that sleeps interval_ms, beats, and repeats,
 * until a flag tells it to stop. The flag is checked after every sleep,
 * before beating, so once the flag is set no beat can happen: the task
 * only ever runs between two of its own ac_task_sleep() calls.
 */
#include "heartbeat.h"

#include <ac.h>
#include <errno.h>

/* What the heartbeat task needs. It lives on run_with_heartbeat()'s stack,
 * which outlives the task because the task is awaited before returning. */
typedef struct {
  hb_beat_fn beat;     /* what to call on each beat */
  void *beat_arg;      /* its argument */
  int64_t interval_ms; /* time between beats */
  int stop;            /* set to 1 when the work is done */
} heart_t;

static int heart_task(void *arg, void **result)
{
  heart_t *heart = arg;

  (void)result;
  for (;;) {
    int rc = ac_task_sleep(heart->interval_ms);
    if (rc < 0)
      return rc;
    /* Only one task runs at a time, so the flag cannot change between
     * this check and the beat. */
    if (heart->stop)
      return 0;
    heart->beat(heart->beat_arg);
  }
}

int run_with_heartbeat(hb_work_fn work, void *work_arg, int64_t interval_ms, hb_beat_fn beat,
                       void *beat_arg)
{
  if (work == NULL || beat == NULL || interval_ms <= 0)
    return -EINVAL;

  heart_t heart = {beat, beat_arg, interval_ms, 0};
  ac_task_t *heart_task_ref;
  int rc = ac_task_create(&heart_task_ref, heart_task, &heart);
  if (rc < 0)
    return rc;

  /* The heartbeat task starts as soon as the work first suspends. */
  int work_rc = work(work_arg);

  /* The heartbeat is asleep now (it runs only while we are suspended). It
   * sees the flag when it wakes up, at most interval_ms from now, and ends
   * without beating. */
  heart.stop = 1;
  int heart_rc = ac_future_await(heart_task_ref, NULL);
  ac_future_release(heart_task_ref);
  return work_rc < 0 ? work_rc : heart_rc;
}

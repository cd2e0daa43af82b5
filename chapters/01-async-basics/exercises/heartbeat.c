/* heartbeat.c - chapter 01, exercise 3: a heartbeat beside the work.
 *
 * What to build: run_with_heartbeat(), described in heartbeat.h. Start a
 * heartbeat task that calls beat() every interval_ms, run the work in the
 * calling task, then stop the heartbeat and wait for it to finish. The
 * heartbeat can only beat while the work is suspended (in ac_task_sleep(), for
 * instance): one thread, one task at a time.
 *
 * Stopping needs care: the heartbeat spends nearly all its time in
 * ac_task_sleep(), so it can only notice that it should stop when it wakes up,
 * and it must not beat once more after the work has returned.
 *
 * What the tests check: bad arguments get -EINVAL and nothing runs; the
 * work's return value comes back; the work runs in the calling task and the
 * beats in another one; the number of beats fits the time the work took;
 * no beat comes once the work has returned, even when it failed; no task
 * is left behind.
 *
 * Grade it with: make grade CH=01 EX=heartbeat
 */
#include "heartbeat.h"

#include <ac.h>
#include <errno.h>

/* TODO: what the heartbeat task needs (beat, its argument, the interval, and
 * a way to be told to stop), in a struct, and the task function itself. */

int run_with_heartbeat(hb_work_fn work, void *work_arg, int64_t interval_ms, hb_beat_fn beat,
                       void *beat_arg)
{
  /* TODO: reject bad arguments before anything runs (see the header). */
  /* TODO: start the heartbeat task. */
  /* TODO: run the work right here, in the calling task. */
  /* TODO: tell the heartbeat to stop, await it, release it. */
  (void)work;
  (void)work_arg;
  (void)interval_ms;
  (void)beat;
  (void)beat_arg;
  return -ENOSYS; /* not written yet */
}

/* heartbeat.h - chapter 01, exercise 3: keep a heartbeat going while some
 * work waits, and stop it cleanly when the work is done.
 *
 * The tests call run_with_heartbeat(); you write it in heartbeat.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef HEARTBEAT_H
#define HEARTBEAT_H

#include <stdint.h>

/* [interface] */
/* The work: runs in the task that called run_with_heartbeat(), may suspend
 * (ac_task_sleep()), returns 0 or a negative errno. */
typedef int (*hb_work_fn)(void *arg);

/* One heartbeat: called from the heartbeat task. It must not suspend. */
typedef void (*hb_beat_fn)(void *arg);

/*
 * Call work(work_arg) in the calling task while a second task calls
 * beat(beat_arg) every interval_ms: the first beat interval_ms after the
 * heartbeat starts, the next interval_ms after that, and so on. When work
 * returns, stop the heartbeat task, wait until it has finished and release
 * it. No beat happens once work has returned.
 *
 * Call it from inside a task.
 *
 * Returns:
 *   what work returned (or, when that is 0, an error of the heartbeat
 *              task such as -ECANCELED);
 *   -EINVAL    work or beat is NULL, or interval_ms is not positive: nothing
 *              runs, not even work;
 *   an error of ac_task_create(), passed through: then work does not run.
 */
int run_with_heartbeat(hb_work_fn work, void *work_arg, int64_t interval_ms, hb_beat_fn beat,
                       void *beat_arg);
/* [interface] */

#endif /* HEARTBEAT_H */

/* my_wait_for.h - chapter 03, exercise 2: wait_for, built from await and a
 * timer.
 *
 * The tests call my_wait_for(); you write it in my_wait_for.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef MY_WAIT_FOR_H
#define MY_WAIT_FOR_H

#include <ac.h>
#include <stdint.h>

/* [interface] */
/* Await @future for at most @timeout_ms milliseconds (AC_NO_TIMEOUT: no
 * limit). Call it from inside a task.
 *
 * If @future finishes in time, returns its outcome (as ac_future_await()) and its
 * result through @result (if not NULL). If the time runs out first, @future
 * is cancelled, the call waits until it has really finished (a task may
 * need a moment to clean up), and returns -ETIMEDOUT. If the calling task
 * is cancelled, returns -ECANCELED (and @future is cancelled too).
 *
 * Returns the future's outcome; -ETIMEDOUT; -ECANCELED; -EINVAL for a NULL
 * @future or a negative @timeout_ms other than AC_NO_TIMEOUT.
 * Build it from ac_loop_call_later(), ac_future_cancel(), ac_future_await() and
 * ac_handle_close(), with ac_task_cancelling() to tell a cancelled caller
 * from your own timeout; not from ac_future_await_for() or ac_timeout_open(). */
int my_wait_for(ac_future_t *future, int64_t timeout_ms, void **result);
/* [interface] */

#endif

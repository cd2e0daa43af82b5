/* my_wait_for.c - chapter 03, exercise 2: build wait_for from a timer.
 *
 * What to build: my_wait_for(), described in my_wait_for.h. Schedule a
 * callback with ac_loop_call_later() that notes "time is up" and cancels the
 * future; await the future; then take the timer back with
 * ac_handle_close(), whichever came first. A -ECANCELED from the await is
 * a timeout only if the caller itself was not cancelled:
 * ac_task_cancelling(ac_task_current()) tells (the lesson's "Whose
 * cancellation is it?").
 *
 * What the tests check: a result that comes in time is returned; an error
 * is passed through; a slow task is cancelled and -ETIMEDOUT returned soon
 * after the deadline, but only once the task has finished its cleanup;
 * AC_NO_TIMEOUT waits as long as it takes; a cancelled caller gets
 * -ECANCELED, not -ETIMEDOUT, even when it is cancelled after the deadline;
 * no timer is left behind; bad arguments get -EINVAL.
 *
 * Grade it with: make grade CH=03 EX=my_wait_for
 */
#include "my_wait_for.h"

#include <ac.h>
#include <errno.h>

/* TODO: the timer's callback, and what it needs to know. */

int my_wait_for(ac_future_t *future, int64_t timeout_ms, void **result)
{
  /* TODO */
  (void)future;
  (void)timeout_ms;
  (void)result;
  return -ENOSYS;
}

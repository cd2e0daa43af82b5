/* rate_limiter.c - chapter 04, exercise 2: at most N acquisitions in any
 * window of T milliseconds.
 *
 * What to build: the three functions described in rate_limiter.h. Think of
 * the window as @limit places: an acquisition takes a place and gives it
 * back @period_ms later. A semaphore with @limit permits already counts
 * places, serves waiters in arrival order and leaves no trace of a
 * cancelled waiter; a timer (ac_loop_call_later()) can give each permit back
 * when its time is up. Keep the handles of the pending timers, so that
 * close can take them back with ac_handle_close(): a timer left armed
 * would run on freed memory.
 *
 * What the tests check: the first @limit acquisitions pass at once; the
 * next waits until a period after the first, not longer; with eight tasks
 * acquiring side by side no window of one period holds more than @limit;
 * waiters go in arrival order; a cancelled waiter gets -ECANCELED and the
 * next one goes when it would have; close refuses while a task waits and
 * then frees everything, pending timers too (under AddressSanitizer and
 * LeakSanitizer); bad arguments get -EINVAL.
 *
 * Grade it with: make grade CH=04 EX=rate_limiter
 */
#include "rate_limiter.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

struct rate_limiter {
  int unused; /* TODO: what a limiter needs to remember */
};

int rate_limiter_create(rate_limiter_t **limiter, int limit, int64_t period_ms)
{
  /* TODO: check the arguments, allocate the limiter and what it needs. */
  if (limiter != NULL)
    *limiter = NULL;
  (void)limit;
  (void)period_ms;
  return -ENOSYS;
}

int rate_limiter_acquire(rate_limiter_t *limiter)
{
  /* TODO: wait for a place; once you have it, arrange for it to be given
   * back period_ms from now. A cancelled wait must take no place. */
  (void)limiter;
  return -ENOSYS;
}

int rate_limiter_close(rate_limiter_t *limiter)
{
  /* TODO: refuse while a task is inside acquire; otherwise cancel the
   * pending timers and free everything. */
  (void)limiter;
  return -ENOSYS;
}

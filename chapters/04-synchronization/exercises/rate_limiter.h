/* rate_limiter.h - chapter 04, exercise 2: a sliding-window rate limiter
 * that lets at most N acquisitions through in any window of T milliseconds.
 *
 * The tests call these functions; you write them in rate_limiter.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef RATE_LIMITER_H
#define RATE_LIMITER_H

#include <stdint.h>

/* [interface] */
/* A rate limiter (yours to define in rate_limiter.c). Every call below is
 * made from inside a task of the running loop. */
typedef struct rate_limiter rate_limiter_t;

/* Create a limiter that lets at most @limit calls of rate_limiter_acquire()
 * return in any window of @period_ms milliseconds. The window slides: each
 * acquisition holds its place for @period_ms from the moment it returned,
 * so the (@limit + 1)-th returns no earlier than @period_ms after the
 * first. On success *@limiter receives the limiter, to be given back with
 * rate_limiter_close().
 * Returns 0; -EINVAL for a NULL @limiter, @limit < 1 or @period_ms < 1;
 * -ENOMEM. On an error, *@limiter is set to NULL (unless @limiter is). */
int rate_limiter_create(rate_limiter_t **limiter, int limit, int64_t period_ms);

/* Take a place in the window, waiting while it is full, and no longer: the
 * call returns as soon as fewer than @limit acquisitions have returned in
 * the last @period_ms and no task that came earlier is still waiting.
 * Waiters are served first come, first served; one that arrives later
 * never goes first. A waiting task that is cancelled returns -ECANCELED
 * and takes no place: the tasks behind it move up as if it had never come.
 * Returns 0; -ECANCELED; -EINVAL for a NULL @limiter; -ENOMEM (no place
 * is then taken). */
int rate_limiter_acquire(rate_limiter_t *limiter);

/* Free @limiter and everything it holds, the timers still pending
 * included: nothing of it runs or is touched after this returns. A task
 * that is inside rate_limiter_acquire() (waiting, or handed its turn but
 * not yet returned) still needs the limiter, so close refuses then.
 * Returns 0; -EBUSY while a task is inside rate_limiter_acquire() (nothing
 * is freed); -EINVAL for a NULL @limiter. */
int rate_limiter_close(rate_limiter_t *limiter);
/* [interface] */

#endif

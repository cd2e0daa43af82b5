/* my_gather.h - chapter 03, exercise 1: gather, built from futures and done
 * callbacks.
 *
 * The tests call my_gather(); you write it in my_gather.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef MY_GATHER_H
#define MY_GATHER_H

#include <ac.h>
#include <stddef.h>

/* [interface] */
/* Wait for all @n futures (or tasks) and put each result in @results at the
 * same index (if @results is not NULL). Call it from inside a task.
 *
 * The first future to fail, in time, decides the outcome: every future still
 * pending is cancelled, the call waits until they have all finished, and
 * returns that error. If the calling task is cancelled, every pending
 * future is cancelled and awaited, and the call returns -ECANCELED. Either
 * way nothing is left running when it returns.
 *
 * Returns 0 if all succeeded (at once for @n == 0); the first error;
 * -ECANCELED; -EINVAL for a NULL array or entry; -ENOMEM.
 * Build it from ac_future_add_done_callback(), a future of your own and
 * ac_future_await(); not from ac_future_gather() or ac_future_wait(). */
int my_gather(ac_future_t *const *futures, size_t n, void **results);
/* [interface] */

#endif

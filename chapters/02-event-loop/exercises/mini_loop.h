/* mini_loop.h - chapter 02, exercise 1: your own tiny event loop, with no
 * runtime at all: a ready queue, a timer min-heap and poll(2).
 *
 * The tests call these functions; you write them in mini_loop.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef MINI_LOOP_H
#define MINI_LOOP_H

#include <stdint.h>

/* [interface] */
/* A callback: what the loop runs. */
typedef void (*mini_cb)(void *arg);

/* Queue @cb(@arg) to run on the next turn of the loop, after the callbacks
 * already queued. Returns 0, -EINVAL for a NULL @cb, -ENOMEM. */
int mini_call_soon(mini_cb cb, void *arg);

/* Run @cb(@arg) once @delay_ms milliseconds have passed. Timers with the
 * same deadline run in the order they were scheduled. Returns a timer id
 * (> 0) for mini_cancel(), or -EINVAL (NULL @cb, negative delay), -ENOMEM. */
int64_t mini_call_later(int64_t delay_ms, mini_cb cb, void *arg);

/* Cancel a timer that has not run yet. Returns 0, or -ENOENT if @id is no
 * pending timer (already run, cancelled, or never existed). */
int mini_cancel(int64_t id);

/* Run @cb(@arg) once each time @fd is readable, until mini_remove_reader().
 * Returns 0, -EINVAL (negative @fd, NULL @cb), -EEXIST (@fd already has a
 * reader), -ENOMEM. */
int mini_add_reader(int fd, mini_cb cb, void *arg);

/* Stop watching @fd. Returns 0 or -ENOENT. */
int mini_remove_reader(int fd);

/* Run the loop until nothing is left: no ready callback, no timer, no
 * reader. Each turn: poll with a timeout up to the next deadline (0 when
 * callbacks are ready), run the due timers, then the ready callbacks that
 * were queued before the turn began. Returns 0, or -EBUSY if called from a
 * callback, or a negative errno from poll(). */
int mini_run(void);

/* Milliseconds on the loop's monotonic clock. */
int64_t mini_now(void);
/* [interface] */

#endif

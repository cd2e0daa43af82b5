/* ac/loop.h - the event loop: running a program, callbacks, timers, time. */
#ifndef AC_LOOP_H
#define AC_LOOP_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup loop Event loop
 * One loop per thread schedules every task and callback of that thread.
 *
 * Most programs only call ac_loop_run(): it opens the loop, runs a main task to
 * completion, cancels whatever is left, and closes everything. The lower
 * calls (ac_loop_open(), ac_loop_drive(), ac_loop_close()) are for programs
 * that drive the loop themselves, such as a host application that runs one
 * step of the loop at a time: it watches ac_loop_backend_fd() among its own
 * descriptors, sleeps no longer than ac_loop_next_timeout() says, and calls
 * `ac_loop_drive(AC_DRIVE_NOWAIT)` each time it wakes.
 *
 * Time is measured in **milliseconds** on a monotonic clock, the unit libuv
 * uses. Delays are signed so that a negative delay is reported as the
 * mistake it is (`-EINVAL`), not wrapped into a huge one.
 *
 * The loop belongs to the thread that opened it. Calls from any other
 * thread return `-EPERM` (only the thread-safe calls of the executor are
 * meant for other threads).
 * @{
 */

/** How far ac_loop_drive() runs. */
typedef enum {
  AC_DRIVE_DEFAULT = 0, /**< until ac_loop_stop() or until nothing is left to do */
  AC_DRIVE_ONCE,        /**< one iteration, waiting for an event if none is ready */
  AC_DRIVE_NOWAIT       /**< one iteration, never waiting */
} ac_drive_mode_t;

/** A loop, as a value another thread can hold (see ac_loop_current()). */
typedef struct ac_loop_s ac_loop_t;

/**
 * A scheduled callback (from ac_loop_call_soon(), ac_loop_call_later() or
 * ac_loop_call_at()) that the program asked to keep so it can cancel it.
 */
typedef struct ac_handle_s ac_handle_t;

/**
 * Run @p main as a task on a fresh loop until it finishes: the
 * `asyncio.run()` of this runtime.
 *
 * When the main task finishes, every task still pending is cancelled and
 * awaited, every handle is closed and all runtime memory is freed, so
 * pointers to runtime objects are invalid after it returns.
 *
 * If every task is waiting and nothing can ever wake one (no timer, no I/O,
 * no callback), the main task is cancelled with a message on standard error
 * and ac_loop_run() returns `-EDEADLK`, instead of hanging forever.
 *
 * @param main    the main task's function; must not be NULL.
 * @param arg     passed to @p main.
 * @param result  if not NULL, receives the main task's result.
 * @return the main task's return value (0 or a negative errno);
 *         `-EINVAL` if @p main is NULL; `-EBUSY` if this thread already has
 *         an open loop; `-EDEADLK` if the program deadlocked; `-ENOMEM`.
 */
int ac_loop_run(ac_task_fn main, void *arg, void **result);

/**
 * Open the loop of the calling thread.
 * @return 0; `-EBUSY` if it is already open; `-ENOMEM`; a libuv error.
 */
int ac_loop_open(void);

/**
 * Run the loop of the calling thread (libuv's `uv_run`), for a program that
 * drives the loop itself. Whatever the mode, the return value says the same
 * thing: whether the loop still has work (tasks, timers, callbacks, I/O).
 * @param mode how long to run: see ::ac_drive_mode_t.
 *
 * The loop does not run inside itself: from a task or a callback, where the
 * loop is already running, ac_loop_drive() (and ac_loop_run()) refuse with
 * `-EBUSY` instead of running other tasks on top of the caller's stack (what
 * `nest_asyncio` lets asyncio do). A task that must wait for other work
 * awaits it instead.
 * @return 1 if work remains, 0 if none is left; `-ENOENT` if no loop is
 *         open; `-EINVAL` for an unknown mode; `-EBUSY` if called from
 *         inside the loop (a task or a callback).
 */
int ac_loop_drive(ac_drive_mode_t mode);

/**
 * The descriptor a host program watches to know when this loop has I/O to
 * handle (libuv's `uv_backend_fd`): it becomes readable when a socket, pipe,
 * signal or wake-up from another thread that the loop waits for is ready.
 * A host that runs its own loop (`poll`, `epoll`, a GUI toolkit) adds it to
 * what it watches, waits no longer than ac_loop_next_timeout() says, and
 * calls `ac_loop_drive(AC_DRIVE_NOWAIT)` when it is readable or the time
 * has come. The descriptor stays the loop's: the host must not read it or
 * close it, and it is closed by ac_loop_close().
 * @return the descriptor (0 or more); `-ENOENT` if no loop is open;
 *         `-EPERM` from another thread.
 */
int ac_loop_backend_fd(void);

/**
 * How long a host program may wait before it must drive the loop again
 * (libuv's `uv_backend_timeout`, counting the runtime's own timers and
 * ready tasks too): 0 when a task or callback is ready or a timer is due,
 * the milliseconds until the earliest timer otherwise, and -1 when only I/O
 * on ac_loop_backend_fd() can bring work (or the loop has none at all), so
 * the host may wait on its own events as long as it likes. It is 0 too
 * while a descriptor a task started watching is not yet in the backend's
 * set (libuv adds it at its next poll). The figure is for now: anything the
 * program schedules afterwards needs a new look.
 * @param delay_ms receives the wait in milliseconds, in the form `poll()`
 *                 takes (-1: no limit); must not be NULL.
 * @return 0; `-EINVAL` if @p delay_ms is NULL; `-ENOENT` if no loop is
 *         open; `-EPERM` from another thread.
 */
int ac_loop_next_timeout(int64_t *delay_ms);

/**
 * Make ac_loop_drive() return after the current iteration.
 * @return 0; `-ENOENT` if no loop is open.
 */
int ac_loop_stop(void);

/**
 * Close the loop of the calling thread: cancel and finish every task, close
 * every handle, free everything the runtime allocated.
 * @return 0; `-ENOENT` if no loop is open; `-EBUSY` if called from inside
 *         the loop.
 */
int ac_loop_close(void);

/**
 * Whether the calling thread has an open loop.
 * @return 1 if it has, 0 if not.
 */
int ac_loop_is_open(void);

/**
 * The calling thread's loop, to hand to other threads for
 * ac_loop_call_soon_threadsafe(). Once a loop has been handed out this way it
 * stays alive while waiting (another thread may call in at any time), so
 * ac_loop_run() no longer reports a deadlock for it.
 * @return the loop, or NULL if this thread has no open loop.
 */
ac_loop_t *ac_loop_current(void);

/**
 * The libuv loop underneath, for programs that add their own libuv handles.
 * @return the loop, or NULL if this thread has no open loop.
 */
struct uv_loop_s *ac_loop_uv(void);

/**
 * The loop's clock in milliseconds (monotonic; the zero point is
 * arbitrary). Timers and sleeps are measured on it, so ac_loop_call_at() takes
 * its values. Its resolution is a millisecond; use ac_loop_time_precise() for
 * finer measurements.
 * @return the time, or 0 if this thread has no open loop.
 */
int64_t ac_loop_time(void);

/**
 * The monotonic clock read now, in milliseconds with a fraction.
 * @return the time in milliseconds.
 */
double ac_loop_time_precise(void);

/**
 * Schedule @p cb(@p arg) to run soon, after what is already ready
 * (`loop.call_soon`). Callbacks run on the loop, in the order they were
 * scheduled; they must not suspend (ac_task_sleep() and ac_future_await() return
 * `-EPERM` there) but may create tasks and complete futures.
 *
 * @param cb      the callback; must not be NULL.
 * @param arg     passed to @p cb.
 * @param handle  if not NULL, receives a handle the program must give back
 *                with ac_handle_close() (which also cancels the call if it
 *                has not run yet). If NULL, the runtime frees it after it runs.
 * @return 0; `-EINVAL` if @p cb is NULL; `-ENOENT` if no loop is open;
 *         `-EPERM` from another thread; `-ENOMEM`.
 */
int ac_loop_call_soon(ac_callback_fn cb, void *arg, ac_handle_t **handle);

/**
 * Schedule @p cb(@p arg) to run after @p delay_ms milliseconds
 * (`loop.call_later`). Callbacks due at the same time run in the order they
 * were scheduled.
 * @param delay_ms the delay; 0 means the next iteration.
 * @param cb       the callback; must not be NULL.
 * @param arg      passed to @p cb.
 * @param handle   as for ac_loop_call_soon().
 * @return as ac_loop_call_soon(), and `-EINVAL` if @p delay_ms is negative.
 */
int ac_loop_call_later(int64_t delay_ms, ac_callback_fn cb, void *arg, ac_handle_t **handle);

/**
 * Schedule @p cb(@p arg) to run when ac_loop_time() reaches @p when_ms
 * (`loop.call_at`). A time in the past means the next iteration.
 * @param when_ms the loop time at which to run.
 * @param cb      the callback; must not be NULL.
 * @param arg     passed to @p cb.
 * @param handle  as for ac_loop_call_soon().
 * @return as ac_loop_call_soon().
 */
int ac_loop_call_at(int64_t when_ms, ac_callback_fn cb, void *arg, ac_handle_t **handle);

/**
 * Cancel a scheduled callback if it has not run yet, and give the handle
 * back to the runtime. The handle is invalid afterwards.
 * @param handle a handle from ac_loop_call_soon(), ac_loop_call_later() or ac_loop_call_at().
 * @return 1 if the callback was cancelled, 0 if it had already run;
 *         `-EINVAL` if @p handle is NULL.
 */
int ac_handle_close(ac_handle_t *handle);

/**
 * Schedule @p cb(@p arg) to run on @p loop's thread, from any thread
 * (`loop.call_soon_threadsafe`). Callbacks from one thread run in the order
 * they were scheduled. @p loop comes from ac_loop_current() on the loop's
 * thread, and must not be used after that loop has closed.
 * @param loop the loop to run on.
 * @param cb   the callback; must not be NULL.
 * @param arg  passed to @p cb.
 * @return 0; `-EINVAL` if @p loop or @p cb is NULL; `-ENOMEM`.
 */
int ac_loop_call_soon_threadsafe(ac_loop_t *loop, ac_callback_fn cb, void *arg);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_LOOP_H */

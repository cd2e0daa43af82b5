/* ac/future.h - futures: results that arrive later, and waiting for them. */
#ifndef AC_FUTURE_H
#define AC_FUTURE_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup future Futures
 * A future holds a result that is not there yet. Some code completes it
 * (ac_future_set_result(), ac_future_set_error(), ac_future_cancel()); tasks wait
 * for it with ac_future_await(). A task is a future whose result is the return of
 * its function, so every call here works on tasks as well.
 *
 * **Lifetime.** ac_future_create() and ac_task_create() give the caller a
 * reference that it gives back with ac_future_release(). The runtime keeps its own
 * references while it needs the object (a running task, a waiting task), so
 * releasing early is safe. Whatever is still allocated when the loop closes
 * is freed then.
 * @{
 */

/** Where a future is in its life. */
typedef enum {
  AC_FUTURE_PENDING = 0, /**< not finished: no result yet */
  AC_FUTURE_DONE,        /**< finished with a result (error 0) */
  AC_FUTURE_FAILED,      /**< finished with an error other than -ECANCELED */
  AC_FUTURE_CANCELLED    /**< finished by cancellation (error -ECANCELED) */
} ac_future_state_t;

/**
 * A callback run (on the loop) when a future finishes.
 * @param future the future that finished.
 * @param arg    the pointer given to ac_future_add_done_callback().
 */
typedef void (*ac_done_fn)(ac_future_t *future, void *arg);

/**
 * Create a pending future.
 * @param future receives the new future; the caller owns one reference.
 * @return 0; `-EINVAL` if @p future is NULL; `-ENOENT` if no loop is open;
 *         `-EPERM` from another thread; `-ENOMEM`.
 */
int ac_future_create(ac_future_t **future);

/**
 * Finish a pending future with a result, and wake its waiters.
 * @param future the future.
 * @param result the result its waiters receive.
 * @return 0; `-EINVAL` if @p future is NULL or is a task (a task's result
 *         is what its function returns); `-EALREADY` if it is already finished.
 */
int ac_future_set_result(ac_future_t *future, void *result);

/**
 * Finish a pending future with an error, and wake its waiters.
 * @param future the future.
 * @param error a negative errno; `-ECANCELED` cancels the future.
 * @return 0; `-EINVAL` if @p future is NULL or a task, or @p error is not
 *         negative; `-EALREADY` if it is already finished.
 */
int ac_future_set_error(ac_future_t *future, int error);

/**
 * Wait until @p future has finished, from inside a task, and give its outcome.
 *
 * If the waiting task is cancelled meanwhile, the awaited future is cancelled
 * too (as `await` does in asyncio; see ac_future_shield() to prevent that), the call
 * waits until it has finished, and returns `-ECANCELED`.
 *
 * @param future  the future or task to wait for.
 * @param result  if not NULL, receives the result (NULL on error).
 * @return the future's error (0 if it succeeded, `-ECANCELED` if it was
 *         cancelled); `-ECANCELED` if the caller was cancelled;
 *         `-EINVAL` if @p future is NULL; `-EPERM` outside a task;
 *         `-EDEADLK` if a task awaits itself.
 */
int ac_future_await(ac_future_t *future, void **result);

/**
 * Ask a future or task to cancel.
 *
 * A pending future finishes at once as cancelled. A task is woken at its
 * current (or next) suspension point, where the call it is in returns
 * `-ECANCELED`; the task may clean up, even await again, and decide how
 * it ends. A task that has not started yet still starts, and its first
 * suspension returns `-ECANCELED`. Requests made before the task has seen
 * the first one are delivered once and counted each (ac_task_cancelling()),
 * so its clean-up waits normally.
 *
 * @param future the future or task.
 * @return 1 if the request was made, 0 if the future had already finished;
 *         `-EINVAL` if @p future is NULL.
 */
int ac_future_cancel(ac_future_t *future);

/**
 * The state of a future: pending, done, failed or cancelled.
 * @param future the future or task.
 * @return an ::ac_future_state_t; `-EINVAL` if @p future is NULL.
 */
int ac_future_state(const ac_future_t *future);

/**
 * Whether a future has finished (in any way).
 * @param future the future or task.
 * @return 1 if finished, 0 if pending; `-EINVAL` if @p future is NULL.
 */
int ac_future_is_done(const ac_future_t *future);

/**
 * The outcome of a finished future, without waiting.
 * @param future the future or task.
 * @param result if not NULL, receives the result (NULL on error).
 * @return the future's error (0 on success); `-EAGAIN` if it has not
 *         finished; `-EINVAL` if @p future is NULL.
 */
int ac_future_result(const ac_future_t *future, void **result);

/**
 * Run @p fn(@p future, @p arg) on the loop once @p future finishes (at once,
 * in the next iteration, if it already has). Callbacks run in the order they
 * were added.
 * @param future the future or task.
 * @param fn     the callback; must not be NULL.
 * @param arg    passed to @p fn.
 * @return 0; `-EINVAL` if @p future or @p fn is NULL; `-ENOMEM`.
 */
int ac_future_add_done_callback(ac_future_t *future, ac_done_fn fn, void *arg);

/**
 * Remove callbacks added with ac_future_add_done_callback() with the same
 * @p fn and @p arg, if they have not been scheduled yet.
 * @param future the future or task.
 * @param fn     the callback to remove.
 * @param arg    the argument it was added with.
 * @return how many were removed; `-EINVAL` if @p future or @p fn is NULL.
 */
ssize_t ac_future_remove_done_callback(ac_future_t *future, ac_done_fn fn, void *arg);

/**
 * Give back the caller's reference to a future or task. The object may be
 * freed at once, so the pointer must not be used afterwards. Releasing a
 * task does not stop it: it runs to its end and is freed then.
 * @param future the future or task.
 * @return 0; `-EINVAL` if @p future is NULL.
 */
int ac_future_release(ac_future_t *future);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_FUTURE_H */

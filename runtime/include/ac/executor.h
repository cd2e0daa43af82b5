/* ac/executor.h - running blocking code on other threads, and reaching the
 * loop from them. */
#ifndef AC_EXECUTOR_H
#define AC_EXECUTOR_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup executor Executors and threads
 * A task must never block: a blocking call (a slow computation, a file read,
 * a library without an async API) stops every task of the loop. An executor
 * runs such a function on a worker thread while the task that asked waits,
 * and the loop goes on serving the others (`loop.run_in_executor`,
 * `asyncio.to_thread`).
 *
 * The default executor is a pool of 4 threads started on first use; programs
 * can create pools of their own. Worker functions run on other threads: they
 * must not call the runtime, except ac_loop_call_soon_threadsafe().
 *
 * **Cancellation.** Cancelling the waiting task removes a job that has not
 * started. A job already running cannot be stopped: it is abandoned, runs to
 * its end on its thread, and is freed then; its result is dropped (a result
 * that owns memory is lost, so such functions should check a flag of their
 * own to stop early).
 * @{
 */

/** A pool of worker threads. */
typedef struct ac_executor_s ac_executor_t;

/**
 * A function run on a worker thread.
 * @param arg     the pointer given with the job.
 * @param result  where to store its result.
 * @return 0 or a negative errno, handed to the waiting task.
 */
typedef int (*ac_work_fn)(void *arg, void **result);

/** Flag of ac_executor_close(): do not wait (see there). */
#define AC_EXECUTOR_NOWAIT 1

/**
 * Create a pool of @p workers threads.
 * @param executor receives the pool; close it with ac_executor_close().
 * @param workers  how many threads, 1..256.
 * @return 0; `-EINVAL` for a NULL pointer or a count outside 1..256;
 *         `-ENOENT`/`-EPERM` without a loop in this thread; `-ENOMEM`;
 *         `-EAGAIN` if the threads cannot be started.
 */
int ac_executor_create(ac_executor_t **executor, size_t workers);

/**
 * Run @p fn(@p arg, &result) on a worker thread and wait for it
 * (`loop.run_in_executor`; with a NULL executor, `asyncio.to_thread`).
 * @param executor a pool, or NULL for the default executor.
 * @param fn       the function to run on a worker thread.
 * @param arg      passed to @p fn.
 * @param result   if not NULL, receives the function's result.
 * @return what @p fn returned; `-ECANCELED` if the waiting task was
 *         cancelled; `-ESHUTDOWN` if the pool is shutting down; `-EINVAL`
 *         if @p fn is NULL; `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_executor_run(ac_executor_t *executor, ac_work_fn fn, void *arg, void **result);

/**
 * Shut a pool down and free it (`Executor.shutdown`). No new jobs are
 * accepted. By default the calling task waits until the queued and running
 * jobs have finished. With ::AC_EXECUTOR_NOWAIT, queued jobs are cancelled
 * (their tasks get `-ECANCELED`), running ones finish on their own, and the
 * pool frees itself after them; that form may be called outside a task.
 *
 * @param executor the pool.
 * @param flags    0 or ::AC_EXECUTOR_NOWAIT.
 * @return 0; `-ECANCELED` if the task was cancelled while waiting (the
 *         pool still frees itself once its jobs end); `-EPERM` when waiting
 *         outside a task; `-EINVAL` for NULL or unknown flags; `-EALREADY`
 *         if already shutting down.
 */
int ac_executor_close(ac_executor_t *executor, int flags);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_EXECUTOR_H */

/* ac/combinators.h - waiting for several things, deadlines, task groups. */
#ifndef AC_COMBINATORS_H
#define AC_COMBINATORS_H

#include "base.h"
#include "task.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup combinators Combinators, timeouts and task groups
 * Calls that wait for several futures at once (ac_future_gather(),
 * ac_future_wait()),
 * put a deadline on a wait (ac_future_await_for(), ::ac_timeout_t), keep a
 * cancellation from spreading (ac_future_shield()), and tie the lifetime of child
 * tasks to a block of code (::ac_group_t). All of them must be called from a
 * task, and all of them leave nothing running or registered behind when they
 * return, whether they succeed, fail, time out or are cancelled.
 * @{
 */

/** ac_future_gather() flag: collect every error instead of stopping at the first
 *  (asyncio's `return_exceptions=True`). */
#define AC_GATHER_RETURN_ERRORS 1

/** When ac_future_wait() returns. */
typedef enum {
  AC_WAIT_ALL_COMPLETED = 0, /**< when every future has finished */
  AC_WAIT_FIRST_COMPLETED,   /**< when any future has finished */
  AC_WAIT_FIRST_EXCEPTION    /**< when any fails or is cancelled, else when all finish */
} ac_wait_mode_t;

/**
 * Wait for all of @p n futures and collect their outcomes in order
 * (`asyncio.gather`).
 *
 * Without ::AC_GATHER_RETURN_ERRORS the first failure cancels the futures
 * still pending, waits until they have finished, and is returned (unlike
 * asyncio, which leaves them running). With it, every future runs to its
 * end and the call returns 0. If the caller is cancelled, every pending
 * future is cancelled and awaited, and the call returns `-ECANCELED`.
 *
 * @param futures  the futures or tasks (none may be NULL).
 * @param n        how many; 0 returns at once.
 * @param results  if not NULL, receives each result at the same index.
 * @param errors   if not NULL, receives each error at the same index
 *                 (`-ECANCELED` for those cancelled by a sibling's failure).
 * @param flags    0 or ::AC_GATHER_RETURN_ERRORS.
 * @return 0 if all succeeded (always, with ::AC_GATHER_RETURN_ERRORS); the
 *         first error otherwise; `-ECANCELED` if the caller was cancelled;
 *         `-EINVAL` for a NULL array or entry or unknown flags; `-EPERM`
 *         outside a task; `-EDEADLK` if the caller is in the list.
 */
int ac_future_gather(ac_future_t *const *futures, size_t n, void **results, int *errors, int flags);

/**
 * Wait until some or all of @p n futures have finished (`asyncio.wait`).
 * Nothing is cancelled: on return, ac_future_is_done() tells which futures
 * finished.
 *
 * @param futures the futures or tasks (none may be NULL).
 * @param n       how many.
 * @param mode    when to return: see ::ac_wait_mode_t.
 * @return the number of finished futures; `-ECANCELED` if the caller was
 *         cancelled; `-EINVAL` for a NULL array or entry or an unknown mode;
 *         `-EPERM` outside a task; `-EDEADLK` if the caller is in the list.
 */
ssize_t ac_future_wait(ac_future_t *const *futures, size_t n, ac_wait_mode_t mode);

/**
 * ac_future_wait() that returns after @p timeout_ms at the latest
 * (`asyncio.wait(..., timeout=)`). A timeout is not an error: the count
 * says how many finished, 0 if none did.
 *
 * @param futures    the futures or tasks (none may be NULL).
 * @param n          how many.
 * @param mode       when to return: see ::ac_wait_mode_t.
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @return as ac_future_wait(); `-EINVAL` also for a negative timeout other
 *         than ::AC_NO_TIMEOUT.
 */
ssize_t ac_future_wait_for(ac_future_t *const *futures, size_t n, ac_wait_mode_t mode,
                           int64_t timeout_ms);

/**
 * Await @p future for at most @p timeout_ms (`asyncio.wait_for`). When the
 * time is up, the future is cancelled and the call waits until it has
 * finished. If it then ended by that cancellation, the call returns
 * `-ETIMEDOUT`; if it finished anyway (it caught the cancellation and
 * returned, or completed in the same step as the deadline), its own outcome
 * is returned, as asyncio does: a completed result is never lost. If the
 * caller is cancelled while it waits for the cancelled future, that
 * cancellation is passed on too; should the future still finish with its
 * own outcome, the outcome is returned and the caller's cancellation comes
 * at its next wait.
 *
 * @param future     the future or task to wait for.
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @param result     if not NULL, receives the result.
 * @return as ac_future_await(), plus `-ETIMEDOUT`; `-EINVAL` for a negative
 *         timeout other than ::AC_NO_TIMEOUT.
 */
int ac_future_await_for(ac_future_t *future, int64_t timeout_ms, void **result);

/**
 * Await @p future, but if the caller is cancelled, return `-ECANCELED` at
 * once and leave @p future running (`asyncio.shield`).
 * @param future the future or task to wait for.
 * @param result if not NULL, receives the result.
 * @return as ac_future_await().
 */
int ac_future_shield(ac_future_t *future, void **result);

/**
 * A deadline on a block of code (`asyncio.timeout`). Declare one on the
 * stack; its fields are private. Every ac_timeout_open() that succeeded
 * must be matched by ac_timeout_close() in the same task before the
 * function that declared the scope returns. A task that finishes with a
 * scope still open is reported and the scope's deadline dropped, so it can
 * never fire on another task.
 *
 * @code
 * ac_timeout_t deadline;
 * ac_timeout_open(&deadline, 500);
 * int rc = fetch_everything();           // gets -ECANCELED if time runs out
 * if (ac_timeout_close(&deadline) == -ETIMEDOUT) rc = -ETIMEDOUT;
 * @endcode
 */
typedef struct ac_timeout_s {
  unsigned long long task_id; /**< private: the id of the task the scope belongs to */
  void *timer;                /**< private: the runtime's timer for its deadline, or NULL */
  int expired;                /**< private: 1 once the deadline has passed */
  int entered;                /**< private: 1 between open and close */
} ac_timeout_t;

/**
 * Open a deadline for the current task: when @p limit_ms has passed
 * before ac_timeout_close(), the task is cancelled, so the call it is waiting
 * in returns `-ECANCELED`.
 * @param scope      the scope, declared by the caller (usually on its stack).
 * @param limit_ms   the time allowed, or ::AC_NO_TIMEOUT.
 * @return 0; `-EINVAL` for a NULL scope or a negative timeout other than
 *         ::AC_NO_TIMEOUT; `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_timeout_open(ac_timeout_t *scope, int64_t limit_ms);

/**
 * Close a deadline. If it expired, the cancellation it made is withdrawn
 * (ac_task_uncancel()), so the task goes on normally.
 * @param scope the scope given to ac_timeout_open().
 * @return `-ETIMEDOUT` if the deadline passed inside the block, else 0;
 *         `-ECANCELED` if it passed but another cancellation of the task is
 *         still outstanding; `-EINVAL` if @p scope is NULL or not open;
 *         `-EPERM` outside a task, or from a task other than the one that
 *         opened it (also once that task has finished).
 */
int ac_timeout_close(ac_timeout_t *scope);

/**
 * Whether the deadline has passed (`Timeout.expired`).
 * @param scope the scope.
 * @return 1 if it has, 0 if not; `-EINVAL` for NULL.
 */
int ac_timeout_is_expired(const ac_timeout_t *scope);

/**
 * A task group (`asyncio.TaskGroup`): structured concurrency. Children are
 * spawned into the group; ac_group_close() returns only when all of them have
 * finished. The first child that fails cancels its siblings and the task
 * that owns the group, and ac_group_close() reports that first error.
 * A group its owner never closes is closed when the owner's function
 * returns (reported; its children cancelled and awaited before the owner
 * counts as finished), and freed with the loop.
 */
typedef struct ac_group_s ac_group_t;

/**
 * Create a task group owned by the current task.
 * @param group receives the group; close it with ac_group_close().
 * @return 0; `-EINVAL` if @p group is NULL; `-EPERM` outside a task;
 *         `-ENOMEM`.
 */
int ac_group_create(ac_group_t **group);

/**
 * Start a child task in the group.
 * @param group the group.
 * @param task if not NULL, receives the child (a reference the caller
 *             gives back with ac_future_release()).
 * @param fn   the child's function.
 * @param arg  passed to @p fn.
 * @param opts name and stack size, or NULL.
 * @return as ac_task_create_ex(); `-ECANCELED` if the group is already
 *         shutting down after a failure; `-EALREADY` after ac_group_close().
 */
int ac_group_spawn(ac_group_t *group, ac_task_t **task, ac_task_fn fn, void *arg,
                   const ac_task_opts_t *opts);

/**
 * Wait for every child, then free the group (the end of asyncio's
 * `async with TaskGroup()` block).
 *
 * If a child failed, the rest were cancelled and the first error is
 * returned. If the owner was cancelled from outside after it created the
 * group (in its own block, before this call, or while waiting here) and
 * did not withdraw that with ac_task_uncancel(), every child is cancelled
 * and awaited, and the call returns `-ECANCELED`, as asyncio's TaskGroup
 * re-raises the cancellation; this wins over a child's error.
 *
 * @param group the group.
 * @return 0 if every child succeeded; the first child's error; `-ECANCELED`;
 *         `-EINVAL` if @p group is NULL; `-EPERM` if the caller is not the
 *         task that created the group; `-EALREADY` if it is being closed,
 *         or was closed when its owner finished.
 */
int ac_group_close(ac_group_t *group);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_COMBINATORS_H */

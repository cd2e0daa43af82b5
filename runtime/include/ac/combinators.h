/* ac/combinators.h - waiting for several things, deadlines, task groups. */
#ifndef AC_COMBINATORS_H
#define AC_COMBINATORS_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup combinators Combinators, timeouts and task groups
 * Calls that wait for several futures at once (ac_gather(), ac_wait()),
 * put a deadline on a wait (ac_wait_for(), ::ac_timeout_t), keep a
 * cancellation from spreading (ac_shield()), and tie the lifetime of child
 * tasks to a block of code (::ac_group_t). All of them must be called from a
 * task, and all of them leave nothing running or registered behind when they
 * return, whether they succeed, fail, time out or are cancelled.
 * @{
 */

/** Timeout value that means "wait as long as it takes". */
#define AC_NO_TIMEOUT (-1)

/** ac_gather() flag: collect every error instead of stopping at the first
 *  (asyncio's `return_exceptions=True`). */
#define AC_GATHER_RETURN_ERRORS 1

/** When ac_wait() returns. */
typedef enum {
  AC_ALL_COMPLETED = 0, /**< when every future has finished */
  AC_FIRST_COMPLETED,   /**< when any future has finished */
  AC_FIRST_EXCEPTION    /**< when any fails or is cancelled, else when all finish */
} ac_wait_mode;

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
int ac_gather(ac_future_t *const *futures, size_t n, void **results,
              int *errors, int flags);

/**
 * Wait until some or all of @p n futures have finished, or @p timeout_ms
 * passes (`asyncio.wait`). Nothing is cancelled: on return, ac_done() tells
 * which futures finished.
 *
 * @param futures     the futures or tasks (none may be NULL).
 * @param n           how many.
 * @param mode        when to return: see ::ac_wait_mode.
 * @param timeout_ms  the longest wait, or ::AC_NO_TIMEOUT.
 * @return the number of finished futures (so 0 after a timeout with none
 *         done); `-ECANCELED` if the caller was cancelled; `-EINVAL` for a
 *         NULL array or entry, an unknown mode or a negative timeout other
 *         than ::AC_NO_TIMEOUT; `-EPERM` outside a task; `-EDEADLK` if the
 *         caller is in the list.
 */
int ac_wait(ac_future_t *const *futures, size_t n, ac_wait_mode mode,
            int64_t timeout_ms);

/**
 * Await @p future for at most @p timeout_ms (`asyncio.wait_for`). When the
 * time is up, the future is cancelled, the call waits until it has
 * finished, and returns `-ETIMEDOUT`.
 *
 * @param future     the future or task to wait for.
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @param result     if not NULL, receives the result.
 * @return as ac_await(), plus `-ETIMEDOUT`; `-EINVAL` for a negative
 *         timeout other than ::AC_NO_TIMEOUT.
 */
int ac_wait_for(ac_future_t *future, int64_t timeout_ms, void **result);

/**
 * Await @p future, but if the caller is cancelled, return `-ECANCELED` at
 * once and leave @p future running (`asyncio.shield`).
 * @return as ac_await().
 */
int ac_shield(ac_future_t *future, void **result);

/**
 * A deadline on a block of code (`asyncio.timeout`). Declare one on the
 * stack; its fields are private.
 *
 * @code
 * ac_timeout_t deadline;
 * ac_timeout_enter(&deadline, 500);
 * int rc = fetch_everything();           // gets -ECANCELED if time runs out
 * if (ac_timeout_exit(&deadline) == -ETIMEDOUT) rc = -ETIMEDOUT;
 * @endcode
 */
typedef struct ac_timeout_s {
  ac_task_t *task;           /**< private: the task the scope belongs to */
  struct ac_handle_s *timer; /**< private: the callback that fires at the deadline */
  int expired;               /**< private: 1 once the deadline has passed */
  int entered;               /**< private: 1 between enter and exit */
} ac_timeout_t;

/**
 * Start a deadline for the current task: when @p timeout_ms has passed
 * before ac_timeout_exit(), the task is cancelled, so the call it is waiting
 * in returns `-ECANCELED`.
 * @param scope      the scope, declared by the caller (usually on its stack).
 * @param timeout_ms the time allowed, or ::AC_NO_TIMEOUT.
 * @return 0; `-EINVAL` for a NULL scope or a negative timeout other than
 *         ::AC_NO_TIMEOUT; `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_timeout_enter(ac_timeout_t *scope, int64_t timeout_ms);

/**
 * End a deadline. If it expired, the cancellation it made is withdrawn
 * (ac_task_uncancel()), so the task goes on normally.
 * @return `-ETIMEDOUT` if the deadline passed inside the block, else 0;
 *         `-EINVAL` if @p scope was not entered; `-EPERM` from another task.
 */
int ac_timeout_exit(ac_timeout_t *scope);

/**
 * Whether the deadline has passed (`Timeout.expired`).
 * @return 1 if it has, 0 if not.
 */
int ac_timeout_expired(const ac_timeout_t *scope);

/**
 * A task group (`asyncio.TaskGroup`): structured concurrency. Children are
 * spawned into the group; ac_group_wait() returns only when all of them have
 * finished. The first child that fails cancels its siblings and the task
 * that owns the group, and ac_group_wait() reports that first error.
 */
typedef struct ac_group_s ac_group_t;

/**
 * Create a task group owned by the current task.
 * @return 0; `-EINVAL` if @p group is NULL; `-EPERM` outside a task;
 *         `-ENOMEM`.
 */
int ac_group_create(ac_group_t **group);

/**
 * Start a child task in the group.
 * @param group the group.
 * @param task if not NULL, receives the child (a reference the caller
 *             gives back with ac_release()).
 * @param fn   the child's function.
 * @param arg  passed to @p fn.
 * @param opts name and stack size, or NULL.
 * @return as ac_task_create_ex(); `-ECANCELED` if the group is already
 *         shutting down after a failure; `-EALREADY` after ac_group_wait().
 */
int ac_group_spawn(ac_group_t *group, ac_task_t **task, ac_task_fn fn,
                   void *arg, const ac_task_opts_t *opts);

/**
 * Wait for every child, then free the group.
 *
 * If a child failed, the rest were cancelled and the first error is
 * returned. If the owner is cancelled from outside while waiting, every
 * child is cancelled and awaited, and the call returns `-ECANCELED`.
 *
 * @return 0 if every child succeeded; the first child's error; `-ECANCELED`;
 *         `-EINVAL` if @p group is NULL; `-EPERM` if the caller is not the
 *         task that created the group.
 */
int ac_group_wait(ac_group_t *group);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_COMBINATORS_H */

/* ac/task.h - tasks: functions that run concurrently on their own stacks. */
#ifndef AC_TASK_H
#define AC_TASK_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup task Tasks
 * A task runs a function on a stack of its own, so it can suspend from any
 * call depth: ac_task_sleep(), ac_future_await() and every other waiting call give the
 * loop to the next ready task and come back when their wait is over.
 *
 * Tasks run one at a time on the loop's thread; a task keeps the loop
 * until it reaches a suspension point. A task is a future, so it is awaited,
 * cancelled and released with the calls of @ref future.
 * @{
 */

/** Stack size a task gets unless it asks for another (256 KiB of address
 *  space; only the pages a task touches use memory). */
#define AC_TASK_STACK_DEFAULT (256u * 1024u)

/** Smallest stack a task may ask for. */
#define AC_TASK_STACK_MIN (16u * 1024u)

/** Longest task name kept (longer names are cut). */
#define AC_TASK_NAME_MAX 63

/** Flag of ac_task_opts_t: a compact task. It runs on the loop's shared run
 *  stack (::AC_TASK_STACK_DEFAULT bytes, so its stack_size may not be more),
 *  and while it is suspended the used part of that stack is kept in a heap
 *  copy sized to fit (a few hundred bytes for a task that sleeps, instead
 *  of a 4 KiB page), copied back before it resumes. Switching in or out of
 *  a compact task costs that copy and goes through the loop.
 *
 *  The rule: a compact task must not give other tasks or callbacks pointers
 *  to its locals that they use while it is suspended (its stack is not
 *  there then). Pointers used while it runs, or by what it calls, are fine,
 *  as are those the runtime's own waiting calls take: they keep what others
 *  touch off the task's stack. The common slips are refused with `-EINVAL`:
 *  a pointer into the caller's own stack as the argument of a new task, a
 *  callback (ac_loop_call_soon(), ac_future_add_done_callback()), a server's
 *  handlers or an executor job. Setting the environment variable
 *  AC_TASK_COMPACT=1 makes every task of a loop opened afterwards compact
 *  but ac_loop_run()'s main task, and AC_TASK_COMPACT=all every task (those
 *  asking for a larger stack excepted): a way to run a program's tests in
 *  this mode. Builds with the ucontext
 *  switch (AC_CONTEXT_UCONTEXT) ignore the flag. */
#define AC_TASK_COMPACT 1u

/** Options for ac_task_create_ex(); zero means "the default" for each field. */
typedef struct {
  const char *name;  /**< name shown by debugging tools; copied. Default "Task-N" */
  size_t stack_size; /**< stack size in bytes, rounded up to whole pages */
  unsigned flags;    /**< ::AC_TASK_COMPACT, or 0 for a task with a stack of its own */
} ac_task_opts_t;

/**
 * Create a task that runs @p fn(@p arg, &result) and schedule it to start
 * (`asyncio.create_task`). It starts at the next opportunity, after the
 * tasks and callbacks already ready (under a schedule seed, ready tasks may
 * run in another order: see ac_loop_set_schedule_seed()).
 *
 * @param task if not NULL, receives the task; the caller owns one reference
 *             and gives it back with ac_future_release(). If NULL, the task is
 *             detached: it runs to its end and frees itself.
 * @param fn   the function; must not be NULL.
 * @param arg  passed to @p fn.
 * @return 0; `-EINVAL` if @p fn is NULL, or if the caller is a compact task
 *         and @p arg points into its stack (see ::AC_TASK_COMPACT);
 *         `-ENOENT` if no loop is open;
 *         `-EPERM` from another thread; `-ENOMEM` if no stack or memory.
 */
int ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg);

/**
 * ac_task_create() with options: a name and a stack size.
 * @param task as for ac_task_create().
 * @param fn   the function; must not be NULL.
 * @param arg  passed to @p fn.
 * @param opts may be NULL for the defaults.
 * @return as ac_task_create(); `-EINVAL` if the stack size is below
 *         ::AC_TASK_STACK_MIN or over 1 GiB (over ::AC_TASK_STACK_DEFAULT
 *         for a compact task), or if the flags are unknown.
 */
int ac_task_create_ex(ac_task_t **task, ac_task_fn fn, void *arg, const ac_task_opts_t *opts);

/**
 * Suspend the current task for @p ms milliseconds (`asyncio.sleep`).
 * `ac_task_sleep(0)` lets every other ready task run once, then continues.
 * @param ms how long to sleep, in milliseconds; 0 to let the others run.
 * @return 0; `-ECANCELED` if the task was cancelled while sleeping;
 *         `-EINVAL` if @p ms is negative; `-EPERM` outside a task.
 */
int ac_task_sleep(int64_t ms);

/**
 * The task that is running now.
 * @return the task, or NULL when called from a callback or outside the loop.
 */
ac_task_t *ac_task_current(void);

/**
 * The tasks of this loop that have not finished (`asyncio.all_tasks`).
 * @param tasks    array that receives up to @p capacity tasks (may be NULL
 *                 when @p capacity is 0, to count them).
 * @param capacity the array's length.
 * @return the number of unfinished tasks (which may exceed @p capacity);
 *         `-EINVAL` if @p tasks is NULL with a nonzero @p capacity;
 *         `-ENOENT` if no loop is open.
 */
ssize_t ac_task_all(ac_task_t **tasks, size_t capacity);

/**
 * A task's name.
 * @param task the task.
 * @return the name; "" for NULL (with a misuse message) or for a future
 *         that is not a task.
 */
const char *ac_task_name(const ac_task_t *task);

/**
 * Rename a task (the name is copied, cut to ::AC_TASK_NAME_MAX bytes).
 * @param task the task.
 * @param name the new name.
 * @return 0; `-EINVAL` if @p task is NULL or not a task, or @p name is NULL.
 */
int ac_task_set_name(ac_task_t *task, const char *name);

/**
 * Whether @p future is a task (rather than a plain future).
 * @param future the future.
 * @return 1 for a task, 0 for a plain future; `-EINVAL` for NULL.
 */
int ac_future_is_task(const ac_future_t *future);

/**
 * How many cancellation requests a task has that were not withdrawn with
 * ac_task_uncancel() (`Task.cancelling`).
 * @param task the task.
 * @return the count; 0 for a plain future; `-EINVAL` for NULL.
 */
int ac_task_cancelling(const ac_task_t *task);

/**
 * Withdraw one cancellation request (`Task.uncancel`), as a timeout scope
 * does when the cancellation was its own. When none is left, a request not
 * yet delivered is dropped.
 * @param task the task.
 * @return the number of requests left; `-EINVAL` for NULL or a plain future.
 */
int ac_task_uncancel(ac_task_t *task);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_TASK_H */

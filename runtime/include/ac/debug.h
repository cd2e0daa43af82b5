/* ac/debug.h - looking inside a running program: tasks, what they wait on,
 * debug mode, and a trace of the scheduling. */
#ifndef AC_DEBUG_H
#define AC_DEBUG_H

#include <stdio.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup debug Debugging
 * Tools to find out what a program is doing: which tasks exist and what each
 * one waits on (ac_task_info(), ac_debug_dump_tasks(), also on a signal), a debug
 * mode that warns about the classic mistakes, and a trace of the scheduling
 * that Perfetto or chrome://tracing draw as a timeline.
 *
 * Environment variables, read when a loop opens:
 * - `AC_DEBUG=1` turns debug mode on (or ac_debug_set() does). It warns on
 *   standard error when one step of the loop (a callback, or a task's run
 *   between two suspensions) takes longer than the threshold, when a task is
 *   still pending as the loop closes, and when a task's error is never
 *   retrieved (nobody awaited it or asked for its result).
 * - `AC_SLOW_MS=N` sets that threshold (default 100 ms).
 * - `AC_TRACE=file.json` writes a Chrome trace-event file: one track per
 *   task, one slice per step.
 * @{
 */

/** Where a task is in its life. */
typedef enum {
  AC_TASK_CREATED = 0, /**< created, has not run yet */
  AC_TASK_READY,       /**< may run: waiting for its turn */
  AC_TASK_RUNNING,     /**< running now */
  AC_TASK_SUSPENDED,   /**< waiting: the info's waiting_on field says in what */
  AC_TASK_FINISHED     /**< done, failed or cancelled */
} ac_task_state_t;

/** What ac_task_info() tells about a task. */
typedef struct {
  const char *name;       /**< its name */
  unsigned long long id;  /**< 1, 2, ... in creation order */
  ac_task_state_t state;  /**< where it is */
  const char *waiting_on; /**< while suspended, what in: "sleep", "future",
                               "lock", "queue get", "executor job", ... */
  ac_task_fn fn;          /**< the function it runs */
  int cancelling;         /**< cancellation requests not withdrawn */
} ac_task_info_t;

/**
 * Describe a task.
 * @param task the task.
 * @param info receives what the task is doing now.
 * @return 0; `-EINVAL` if @p task is NULL or not a task, or @p info is NULL.
 */
int ac_task_info(const ac_task_t *task, ac_task_info_t *info);

/**
 * The name of a task state ("created", "ready", ...).
 * @param state a task state.
 * @return a static string.
 */
const char *ac_task_state_name(ac_task_state_t state);

/**
 * Print every unfinished task of this thread's loop: name, state, what it
 * waits on, its function and, where the platform allows (x86-64 and aarch64
 * with the assembly switch), the call stack where it is suspended. Function
 * names show when the program is linked with `-rdynamic`.
 * @param out where to print (stderr if NULL).
 * @return the number of tasks listed; `-ENOENT` if no loop is open.
 */
ssize_t ac_debug_dump_tasks(FILE *out);

/**
 * Dump the tasks (to stderr) whenever the process receives @p signum (for
 * example `SIGUSR1`: `kill -USR1 <pid>`). The dump runs on the loop's thread
 * as soon as the loop regains control.
 * @param signum the signal, such as `SIGUSR1`.
 * @return 0; `-ENOENT` if no loop is open; a libuv error for a bad signal.
 */
int ac_debug_dump_tasks_on_signal(int signum);

/**
 * Turn debug mode on or off for this thread's loop, overriding `AC_DEBUG`.
 * @param on      true for debug mode, false to turn it off.
 * @param slow_ms the slow-step threshold in ms; 0 keeps the current one.
 * @return 0; `-ENOENT` if no loop is open; `-EINVAL` for a negative threshold.
 */
int ac_debug_set(bool on, int64_t slow_ms);

/**
 * Count the objects of this thread's loop that are still alive: futures and
 * tasks not yet freed (the program still holds them, or a task still runs),
 * handles the program asked for and has not closed, and locks, events,
 * conditions, semaphores, queues, executors, streams and servers not yet
 * closed. The loop's own default executor, HTTP client and stream read
 * area do not count.
 * Taken before and after a call, it shows what the call left behind, which
 * the loop would otherwise free silently when it closes.
 * @return the count; `-ENOENT` if no loop is open.
 */
ssize_t ac_debug_live_objects(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_DEBUG_H */

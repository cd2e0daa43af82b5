/* ac/base.h - types and error reporting shared by every part of the runtime. */
#ifndef AC_BASE_H
#define AC_BASE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup base Basics
 * Types and error codes shared by every part of the runtime.
 *
 * Every function that can fail returns a negative errno value, never a NULL
 * with the reason kept somewhere else. The two codes that end a wait early
 * are always the same: `-ECANCELED` (the task was cancelled) and
 * `-ETIMEDOUT` (a deadline passed). When a call is misused (a NULL
 * function, a negative delay, a suspending call outside a task) it also
 * prints one line to standard error naming the function and what was wrong,
 * so the mistake is found where it happened.
 * @{
 */

/** Runtime version as a number: major * 10000 + minor * 100 + patch. */
#define AC_VERSION 100

/**
 * A future: a slot for a result that arrives later. A task is a future
 * too, whose result is what its function returns; every function that takes
 * an ::ac_future_t also takes an ::ac_task_t.
 */
typedef struct ac_future_s ac_future_t;

/** A task: a function running on its own stack, concurrently with others. */
typedef struct ac_future_s ac_task_t;

/**
 * The function a task runs.
 *
 * @param arg     the pointer given when the task was created.
 * @param result  where to store the task's result (starts as NULL).
 * @return 0 when the task succeeded, or a negative errno when it failed.
 *         Returning `-ECANCELED` marks the task cancelled.
 */
typedef int (*ac_task_fn)(void *arg, void **result);

/** A plain callback scheduled on the loop (call_soon / call_later). */
typedef void (*ac_callback_fn)(void *arg);

/**
 * Text for an error code returned by the runtime.
 *
 * @param err a negative errno value (a positive one is accepted too).
 * @return a static string; never NULL.
 */
const char *ac_strerror(int err);

/**
 * Whether misuse messages are printed to standard error.
 *
 * They are on by default; tests that provoke misuse on purpose turn them
 * off. The environment variable `AC_QUIET=1` also turns them off.
 *
 * @param on 1 to print them, 0 to stay quiet.
 */
void ac_set_misuse_messages(int on);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_BASE_H */

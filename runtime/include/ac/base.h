/* ac/base.h - types and error reporting shared by every part of the runtime. */
#ifndef AC_BASE_H
#define AC_BASE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
 *
 * **Names.** Every function is `ac_<noun>_<verb>`: the noun is the type it
 * acts on (`ac_lock_acquire()` takes an ::ac_lock_t first), or, for calls
 * without such an argument, the part of the runtime they belong to
 * (`ac_loop_time()`, `ac_task_sleep()`, `ac_error_message()`). Predicates are
 * `_is_` calls; a `try_` call never waits; a `_for` call is the same wait
 * with a timeout in milliseconds.
 *
 * **Lifetimes.** What you create you close, with `ac_<noun>_close()`;
 * closing an object that still has work in flight (a task group, a stream,
 * a server, an executor, a process) waits for it. Futures and tasks are
 * the one exception: they are shared, so you give back your reference with
 * ac_future_release(). Whatever the program leaves open is closed when the
 * loop closes.
 *
 * **Counts and sizes** are `size_t` going in and `ssize_t` coming out, so a
 * result can also carry a negative errno. **Times** are `int64_t`
 * milliseconds.
 * @{
 */

/** Runtime version as a number: major * 10000 + minor * 100 + patch. */
#define AC_VERSION 10000

/** Timeout value that means "wait as long as it takes". */
#define AC_NO_TIMEOUT (-1)

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

/**
 * A plain callback scheduled on the loop (call_soon / call_later).
 * @param arg the pointer given when the callback was scheduled.
 */
typedef void (*ac_callback_fn)(void *arg);

/**
 * Text for an error code returned by the runtime.
 *
 * @param err a negative errno value (a positive one is accepted too).
 * @return a static string (safe from any thread, nothing to free); never
 *         NULL; "unknown error" for a code that is no errno.
 */
const char *ac_error_message(int err);

/**
 * Whether misuse messages are printed to standard error.
 *
 * They are on by default; tests that provoke misuse on purpose turn them
 * off. The environment variable `AC_QUIET=1` also turns them off.
 *
 * @param on true to print them, false to stay quiet.
 */
void ac_error_set_messages(bool on);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_BASE_H */

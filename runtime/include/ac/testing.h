/* ac/testing.h - tools for fast, deterministic tests of async code:
 * virtual time and schedule exploration. */
#ifndef AC_TESTING_H
#define AC_TESTING_H

#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup testing Testing
 * Two loop modes that make tests of async code fast and repeatable.
 *
 * **Virtual time** (ac_loop_set_clock() with ::AC_CLOCK_VIRTUAL): the
 * loop's clock stands still while any task or callback can run, and when
 * every task waits it jumps straight to the next timer (the idea of trio's
 * autojump clock). A retry with a 30-second backoff, or a 30-second timeout,
 * then runs in microseconds, and the same way every time. Everything built
 * on the loop's timers is virtual: ac_task_sleep(), ac_loop_call_later(),
 * ac_loop_call_at(), every `_for` wait, ac_future_await_for(), timeout
 * scopes (::ac_timeout_t) and what is built on them (rate limiters, a
 * stream read under a scope, the grace period of ac_server_close()), and
 * ac_loop_time() and ac_loop_time_precise(), which read the virtual clock.
 *
 * What time cannot be virtual for:
 * - **Real I/O** (sockets, pipes, subprocesses, signals) takes real time,
 *   and the virtual clock does not wait for it: before it jumps, the loop
 *   takes whatever I/O has already arrived, but a peer that answers a
 *   millisecond later is too late for a timer that is due. A timeout around
 *   real I/O therefore fires as soon as every task waits. When no timer is
 *   left, the loop waits for I/O on the real clock, as usual. Tests under
 *   virtual time give the code a fake of the network.
 * - **Work on other threads** (executor jobs) holds the clock: while a job
 *   runs the loop waits for it on the real clock, and virtual time does not
 *   move, as it does not while a task computes.
 * - **libcurl's own time limit**: ac_http_fetch() with a `timeout_ms` is
 *   refused under virtual time (`-ENOTSUP`), since libcurl measures it on
 *   the real clock.
 * - Debug mode's slow-step warnings and the trace measure real time: a
 *   blocking call is still slow.
 *
 * **Schedule exploration** (ac_loop_set_schedule_seed(), ac_loop_explore()):
 * from a seed, the loop runs its ready tasks in a shuffled order instead of
 * the order in which they became ready. An order-dependent bug (two tasks
 * that each assume the other runs first, a check and an act split by a
 * suspension point) then shows up under some seed, and the same seed gives
 * the same order again. What the runtime promises stays true under every
 * seed: callbacks run in the order they were scheduled, ac_task_sleep(0)
 * lets every task ready before it run first, locks, semaphores and queues
 * hand over to the longest waiter, queues keep their items' order, timers
 * fire in deadline order, and a task runs only once it is ready. What
 * changes is which of the tasks ready at the same moment runs first: two
 * tasks just created, the waiters one event wakes, the sleepers of one
 * instant. A seed reproduces a run exactly when nothing else varies: under
 * virtual time and without real I/O.
 * @{
 */

/** The clock a loop measures its time on. */
typedef enum {
  AC_CLOCK_REAL = 0, /**< the monotonic clock (the default) */
  AC_CLOCK_VIRTUAL   /**< stands still while anything can run, jumps to the next timer */
} ac_clock_t;

/**
 * Choose the clock of this thread's loop. Switching to virtual time keeps
 * the current time and every pending timer; from then on the clock moves
 * only when every task waits, straight to the earliest timer. A loop keeps
 * virtual time until it closes: its time has left the real clock's, so it
 * cannot go back.
 * @param clock ::AC_CLOCK_VIRTUAL or ::AC_CLOCK_REAL.
 * @return 0; `-EINVAL` for an unknown clock; `-EBUSY` for ::AC_CLOCK_REAL
 *         on a loop already on virtual time; `-ENOENT` if no loop is open;
 *         `-EPERM` from another thread.
 */
int ac_loop_set_clock(ac_clock_t clock);

/**
 * Run this thread's loop under a schedule seed: from now on, of the tasks
 * ready at the same moment the loop runs one picked by a generator seeded
 * with @p seed, not the first that became ready. The same seed, from the
 * same point of the same program, picks the same order.
 * @param seed the seed; 0 turns exploration off (ready tasks run in order).
 * @return 0; `-ENOENT` if no loop is open; `-EPERM` from another thread.
 */
int ac_loop_set_schedule_seed(uint64_t seed);

/**
 * Run @p body once per seed, 1 to @p seeds, each time as the main task of a
 * fresh loop under that schedule seed, and stop at the first run that
 * fails: the body returned an error, or the loop deadlocked. Seed `s` runs
 * exactly as ac_loop_run() of a main task that calls
 * `ac_loop_set_schedule_seed(s)` and then @p body, so a failing seed is
 * replayed that way. The body reports a failed check by returning an
 * error; an assertion that ends the process would end the exploration.
 * @param body          the test's body; must not be NULL.
 * @param arg           passed to @p body on every run.
 * @param seeds         how many seeds to try; at least 1.
 * @param failing_seed  if not NULL, receives the first seed that failed,
 *                      or 0 if every run passed.
 * @return 0 if every run passed; else what the failing run's ac_loop_run()
 *         returned (the body's error, `-EDEADLK`...); `-EINVAL` if @p body
 *         is NULL or @p seeds is 0; `-EBUSY` if this thread already has an
 *         open loop.
 */
int ac_loop_explore(ac_task_fn body, void *arg, size_t seeds, uint64_t *failing_seed);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_TESTING_H */

/* ac/signal.h - signals a task waits for: SIGINT, SIGTERM and the like. */
#ifndef AC_SIGNAL_H
#define AC_SIGNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup signal Signals
 * Catch signals and wait for them in a task (asyncio's
 * `loop.add_signal_handler`), so that a server stops cleanly on Ctrl-C
 * (`SIGINT`) or when it is told to (`SIGTERM`): a task waits in
 * ac_signal_wait(), then closes the server and returns.
 *
 * **What a caught signal does.** From ac_signal_create() until
 * ac_signal_close(), the signals listed no longer do what they did before
 * (end the process, for most): each arrival is counted, and a task waiting
 * in ac_signal_wait() is woken with its number. Arrivals while no task waits
 * are kept, counted per signal, none lost; each wait takes one. Signals
 * pending together come back in the order of the list given to
 * ac_signal_create(). (The kernel itself merges a signal that is sent again
 * before the first was delivered; every delivery is counted here.)
 *
 * The handler runs nothing of the program's: libuv's handler writes the
 * signal's number to a pipe and the loop wakes the task, so the task may
 * call anything (no rules of async-signal safety apply). Several objects,
 * even in several threads' loops, may catch the same signal: each counts
 * every arrival.
 *
 * **Lifetime.** What you create, you close: ac_signal_close() gives the
 * signals back the disposition they had before the first object caught them
 * (the default, ignored, or the program's own handler) and wakes its waiters
 * with `-EBADF`. An object still open when the loop closes is closed then.
 *
 * **Inherited by subprocesses?** No: a child started with
 * ac_process_spawn() begins with every signal at its default disposition
 * (libuv resets them before `exec`). Ctrl-C in a terminal reaches the whole
 * foreground process group, so the children get their own SIGINT.
 * @{
 */

/** Signals caught from creation until closed. */
typedef struct ac_signal_s ac_signal_t;

/**
 * Catch the @p n signals of @p signums (such as `{SIGINT, SIGTERM}`) from
 * now until ac_signal_close().
 * @param sig     receives the object.
 * @param signums the signal numbers, none twice.
 * @param n       how many, at least 1.
 * @return 0; `-EINVAL` for a NULL pointer, an empty list, a number twice, or
 *         a signal that cannot be waited for (not a signal, `SIGKILL` and
 *         `SIGSTOP`, which cannot be caught, and `SIGSEGV`, `SIGBUS`,
 *         `SIGFPE`, `SIGILL`, which a fault raises and which cannot wait);
 *         `-ENOENT`/`-EPERM` without a loop in this thread; `-ENOMEM`.
 */
int ac_signal_create(ac_signal_t **sig, const int *signums, size_t n);

/**
 * Wait for the next caught signal (one that already arrived is taken at
 * once).
 * @param sig the object.
 * @return the signal's number (> 0); `-ECANCELED`; `-EBADF` if the object is
 *         closed meanwhile; `-EINVAL` for NULL; `-EPERM` outside a task or
 *         from another thread.
 */
int ac_signal_wait(ac_signal_t *sig);

/**
 * ac_signal_wait() for at most @p timeout_ms (0: take one that arrived, or
 * return at once).
 * @param sig        the object.
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @return as ac_signal_wait(), plus `-ETIMEDOUT`; `-EINVAL` for a negative
 *         timeout other than ::AC_NO_TIMEOUT.
 */
int ac_signal_wait_for(ac_signal_t *sig, int64_t timeout_ms);

/**
 * Stop catching: the signals get their previous disposition back (a signal
 * that arrives afterwards does what it did before ac_signal_create()),
 * arrivals not taken are dropped, waiting tasks get `-EBADF`, and the object
 * is freed. From a task, the call waits for libuv to release its handles
 * (the next loop iteration); elsewhere that goes on in the background.
 * @param sig the object (invalid afterwards).
 * @return 0; `-EINVAL` for NULL; `-EPERM` from another thread.
 */
int ac_signal_close(ac_signal_t *sig);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_SIGNAL_H */

/* ac/process.h - subprocesses: start a program, talk to it through its
 * stdin, stdout and stderr as streams, wait for its exit, kill it. */
#ifndef AC_PROCESS_H
#define AC_PROCESS_H

#include <stdint.h>

#include "base.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup process Subprocesses
 * Start a program and deal with it from tasks (asyncio's
 * `create_subprocess_exec`): its stdin, stdout and stderr can be pipes,
 * which are ordinary streams (ac_stream_write(), ac_stream_readline()...,
 * see ac_process_stream()); ac_process_wait() waits for its exit status;
 * ac_process_kill() sends it a signal.
 *
 * **What the child gets.** The program is found in `PATH` unless its name
 * has a `/`; it runs with the environment and working directory given, or
 * the parent's. Without a pipe its stdin is `/dev/null` and its stdout and
 * stderr are the parent's. The runtime's own descriptors are close-on-exec,
 * so it inherits none of them (one the program opened without `O_CLOEXEC`
 * it does inherit), and every signal starts at its default disposition,
 * whatever the parent catches or ignores. It stays in the
 * parent's process group, so Ctrl-C in a terminal reaches it too.
 *
 * **Lifetime: no zombie is ever left.** What you create, you close:
 * ac_process_close() closes the pipes, and if the child still runs, sends it
 * `SIGKILL` and waits for it, so it is reaped. A wait that is cancelled or
 * times out leaves the child running (and the object open). A process left
 * open when the loop closes is killed and reaped then. (Only the child is
 * killed: programs it started itself are its own business.)
 *
 * **SIGCHLD.** libuv learns of exits through `SIGCHLD`: from the first
 * spawn until the last process is closed it catches `SIGCHLD` and reaps
 * only its own children, by pid, so children the program forks itself are
 * left to it. A program must not set `SIGCHLD` to `SIG_IGN` meanwhile (the
 * kernel would reap the children before an exit status could be read).
 * @{
 */

/** A child process, from ac_process_spawn() until ac_process_close(). */
typedef struct ac_process_s ac_process_t;

/** Flag: the child's stdin is a stream we write (closing it, or
 *  ac_stream_write_eof(), is the end of its input). */
#define AC_PROCESS_PIPE_STDIN 1
/** Flag: the child's stdout is a stream we read. */
#define AC_PROCESS_PIPE_STDOUT 2
/** Flag: the child's stderr is a stream we read. */
#define AC_PROCESS_PIPE_STDERR 4
/** Flag: the child's stderr goes where its stdout goes (into the stdout
 *  pipe with ::AC_PROCESS_PIPE_STDOUT); not with ::AC_PROCESS_PIPE_STDERR. */
#define AC_PROCESS_STDERR_TO_STDOUT 8

/** What to start, and how. */
typedef struct {
  /** The program and its arguments, ending with NULL; `argv[0]` is looked
   *  up in `PATH` unless it has a `/`. */
  const char *const *argv;
  /** The environment, `"NAME=value"` strings ending with NULL; NULL: the
   *  parent's. */
  const char *const *env;
  /** The working directory; NULL: the parent's. */
  const char *cwd;
  /** `AC_PROCESS_*` flags, or 0. */
  int flags;
} ac_process_opts_t;

/**
 * Start a program. It does not wait for anything, so it may also be called
 * from a callback.
 * @param proc receives the process; close it with ac_process_close().
 * @param opts what to start.
 * @return 0; `-ENOENT` if there is no such program (or no such working
 *         directory), `-EACCES` if it may not be run, and the other errors
 *         of `exec`; `-EINVAL` for a NULL pointer, an empty `argv`, unknown
 *         flags, or both ::AC_PROCESS_PIPE_STDERR and
 *         ::AC_PROCESS_STDERR_TO_STDOUT; `-EMFILE`; `-ENOMEM`;
 *         `-ENOENT`/`-EPERM` without a loop in this thread.
 */
int ac_process_spawn(ac_process_t **proc, const ac_process_opts_t *opts);

/**
 * The stream of the child's descriptor @p fd when it was piped: 0 (stdin,
 * which we only write), 1 (stdout) or 2 (stderr), which we only read. It
 * belongs to the process and is freed by ac_process_close(); ac_stream_close()
 * on it only closes it (on stdin: the child reads the end of its input).
 * @param proc   the process.
 * @param fd     0, 1 or 2.
 * @param stream receives the stream (NULL on error).
 * @return 0; `-ENOENT` if that descriptor was not piped; `-EINVAL` for a
 *         NULL pointer or another @p fd; `-EPERM` from another thread.
 */
int ac_process_stream(ac_process_t *proc, int fd, ac_stream_t **stream);

/**
 * The child's process id (still known after it has exited).
 * @param proc the process.
 * @return the pid (> 0); `-EINVAL` for NULL.
 */
int ac_process_pid(const ac_process_t *proc);

/**
 * Wait until the child exits (at once if it has).
 * @param proc   the process.
 * @param status if not NULL, receives its exit code (0..255), or `-signum`
 *               if a signal ended it (asyncio's `returncode`).
 * @return 0; `-ECANCELED` (the child goes on running); `-EINVAL` for NULL;
 *         `-EPERM` outside a task or from another thread.
 */
int ac_process_wait(ac_process_t *proc, int *status);

/**
 * ac_process_wait() for at most @p timeout_ms (0: only ask).
 * @param proc       the process.
 * @param status     as for ac_process_wait().
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @return as ac_process_wait(), plus `-ETIMEDOUT` (the child goes on
 *         running); `-EINVAL` for a negative timeout other than
 *         ::AC_NO_TIMEOUT.
 */
int ac_process_wait_for(ac_process_t *proc, int *status, int64_t timeout_ms);

/**
 * Send the child signal @p signum (0 only checks that it runs).
 * @param proc   the process.
 * @param signum the signal, 0..64.
 * @return 0; `-ESRCH` once it has exited; `-EINVAL` for NULL or a bad signal
 *         number; `-EPERM` from another thread.
 */
int ac_process_kill(ac_process_t *proc, int signum);

/**
 * Close the pipes, and if the child still runs, send it `SIGKILL` and reap
 * it; then free the process. From a task, the call waits for all of that
 * (a `SIGKILL`ed child ends at once; a cancellation is kept for the next
 * suspension); elsewhere (a callback) it goes on in the background, and the
 * child is reaped when its exit arrives. Tasks waiting in ac_process_wait()
 * get the exit status.
 * @param proc the process (invalid afterwards).
 * @return 0; `-EINVAL` for NULL; `-EPERM` from another thread.
 */
int ac_process_close(ac_process_t *proc);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_PROCESS_H */

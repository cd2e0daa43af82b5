/* command_runner.h - chapter 05, exercise 3: run commands as
 * subprocesses, a few at a time, stream their output line by line, and
 * kill the ones still running at a deadline.
 *
 * The tests call command_runner_run(); you write it in command_runner.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef COMMAND_RUNNER_H
#define COMMAND_RUNNER_H

#include <ac.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* The longest piece of output passed as one line, its '\n' included; a
 * longer line is passed in pieces of at most this many bytes. */
#define COMMAND_LINE_MAX 4096

typedef struct {
  const char *name;        /* the prefix of its output lines */
  const char *const *argv; /* the program (looked up in PATH) and its arguments, NULL-terminated */
} command_t;

typedef struct {
  bool started; /* it was spawned */
  int status;   /* once started: its exit code (0..255), or -signum if a signal ended it */
  int error;    /* 0; the error of ac_process_spawn() (-ENOENT: no such program); if its
                   turn never came, -ETIMEDOUT (the deadline) or -ECANCELED */
  bool killed;  /* the runner killed it: at the deadline, or on a cancellation */
} command_result_t;

/* Receives each line of output: "NAME: TEXT\n", NUL-terminated. */
typedef void (*command_line_fn)(void *ctx, const char *line);

/* Run the @n commands of @cmds, from a task, at most @limit of them at once
 * (>= 1), starting each one as soon as a running one has ended, in their
 * order.
 *
 * Output. Each command's standard output and standard error (both go to
 * one pipe) are read as they come, a line at a time, and every line is
 * passed to @on_line as "NAME: TEXT\n" as soon as it is complete: lines of
 * commands running at once are interleaved, a line is never cut by
 * another's, and a command that prints a lot is never held up (its output
 * is read while it runs, not after). A last line without '\n' gets one. A
 * line longer than COMMAND_LINE_MAX bytes comes in several pieces, each
 * with the prefix.
 *
 * Results. @results[i] (filled for every i < @n) says how command i ended.
 * A command that cannot be spawned gets its error and the others run.
 *
 * Deadline. @deadline_ms after the call (> 0), every command still running
 * is killed with SIGKILL (killed = true, status = -SIGKILL), and the
 * commands not yet started are not started (error = -ETIMEDOUT). When command_runner_run() returns,
 * every child it started has exited and been waited for: none is left running or as a zombie.
 *
 * Returns 0 once every command has ended (whatever their statuses);
 * -EINVAL for NULL @cmds with @n > 0, @limit == 0, @deadline_ms <= 0, a
 * NULL @on_line or @results, or a command without a name or a program
 * (nothing is started then); -ECANCELED if the calling task is cancelled,
 * after killing and waiting for every child still running (their results
 * say killed; those not started get -ECANCELED). */
int command_runner_run(const command_t *cmds, size_t n, size_t limit, int64_t deadline_ms,
                       command_line_fn on_line, void *ctx, command_result_t *results);
/* [interface] */

#endif

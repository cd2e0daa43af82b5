/* command_runner.c - chapter 05, exercise 3: run commands as subprocesses,
 * a few at a time, stream their output line by line, and kill the ones
 * still running at a deadline.
 *
 * What to build: command_runner_run(), described in command_runner.h.
 * Give every command a task of its own (an ac_group_t waits for them all)
 * and let an ac_sem_t of @limit permits hold back the rest. A command's
 * task spawns it with ac_process_spawn(), its standard output piped and
 * its standard error sent to the same pipe, gets that pipe's stream with
 * ac_process_stream(), and reads it with ac_stream_readline() while the
 * command runs, passing each line on with the prefix; at the end of the
 * output it waits for the exit status. An ac_timeout_t around the whole
 * group is the deadline: it cancels the caller, the group cancels every
 * task, and a task whose wait returns -ECANCELED kills its child with
 * SIGKILL and still waits for it (so no zombie is left), then closes it.
 *
 * What the tests check: bad arguments get -EINVAL and nothing runs; exit
 * codes, a death by signal and a program that does not exist are
 * reported; output comes as whole "NAME: TEXT\n" lines, in order per
 * command, stderr too, a last line without its newline and a 200 kB line
 * (in pieces) included; lines are passed on as they are printed, and a
 * command that prints 1.3 MB is not held up; never more than @limit run at
 * once, and a slot is reused as soon as its command ends; at the deadline
 * the laggards are killed with SIGKILL (one of them ignores SIGTERM) and
 * reaped, and those whose turn had not come are not started; a cancelled
 * run leaves no process behind.
 *
 * Grade it with: make grade CH=05 EX=command_runner
 */
#include "command_runner.h"

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* TODO: a task function that runs one command (waits for a permit, spawns,
 * forwards its lines, waits for it; kills and reaps it when cancelled). */

int command_runner_run(const command_t *cmds, size_t n, size_t limit, int64_t deadline_ms,
                       command_line_fn on_line, void *ctx, command_result_t *results)
{
  /* TODO: check the arguments; clear the results; make the semaphore;
   * open the deadline; spawn a task per command in a group and close the
   * group; close the deadline (-ETIMEDOUT: the deadline passed, which is
   * an outcome, not a failure). */
  (void)cmds;
  (void)n;
  (void)limit;
  (void)deadline_ms;
  (void)on_line;
  (void)ctx;
  (void)results;
  return -ENOSYS;
}

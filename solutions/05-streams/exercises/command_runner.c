/* command_runner.c - chapter 05, exercise 3, reference solution: a task
 * per command in a task group, a semaphore for the limit, a deadline on
 * the group, and each task kills and reaps its own child when cancelled.
 */
#include "command_runner.h"

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const command_t *cmd;
  command_result_t *result;
  ac_sem_t *slots; /* limit permits: one per running command */
  command_line_fn on_line;
  void *ctx;
} job_t;

/* Pass every line of OUT to on_line with the prefix, as it comes: 0 at the
 * end of the output, or the error (-ECANCELED...). A line too long for one
 * piece is passed in pieces. */
static int forward_lines(job_t *j, ac_stream_t *out)
{
  size_t prefix = strlen(j->cmd->name) + 2;
  char *line = malloc(prefix + COMMAND_LINE_MAX + 2); /* prefix, text, '\n', NUL */
  if (!line)
    return -ENOMEM;
  memcpy(line, j->cmd->name, prefix - 2);
  memcpy(line + prefix - 2, ": ", 2);
  char *text = line + prefix;
  ssize_t n;
  for (;;) {
    n = ac_stream_readline(out, text, COMMAND_LINE_MAX + 1);
    if (n == -EMSGSIZE) /* no '\n' within the limit: pass that much on as a piece */
      n = ac_stream_read(out, text, COMMAND_LINE_MAX);
    if (n <= 0)
      break;
    if (text[n - 1] != '\n') /* a piece, or a last line without its newline */
      text[n++] = '\n';
    text[n] = '\0';
    j->on_line(j->ctx, line);
  }
  free(line);
  return (int)n;
}

/* Run one command to its end: spawn it, forward its output while it runs,
 * reap it. Cancelled (the deadline, or the caller), it kills the child and
 * still waits for it, so no zombie is left. */
static void run_command(job_t *j)
{
  ac_process_opts_t opts = {.argv = j->cmd->argv,
                            .flags = AC_PROCESS_PIPE_STDOUT | AC_PROCESS_STDERR_TO_STDOUT};
  ac_process_t *proc;
  ac_stream_t *out;

  int rc = ac_process_spawn(&proc, &opts);
  if (rc < 0) {
    j->result->error = rc;
    return;
  }
  j->result->started = true;
  rc = ac_process_stream(proc, 1, &out);
  if (rc == 0)
    rc = forward_lines(j, out);
  int status = 0;
  if (rc != -ECANCELED)
    rc = ac_process_wait(proc, &status);
  if (rc == -ECANCELED) {
    /* SIGKILL, not SIGTERM: a laggard may ignore SIGTERM. -ESRCH means it
     * had ended by itself meanwhile. */
    j->result->killed = ac_process_kill(proc, SIGKILL) == 0;
    ac_process_wait(proc, &status); /* a killed child ends at once */
  }
  j->result->status = status;
  ac_process_close(proc); /* reaps it too, should the wait have failed */
}

static int job_task(void *arg, void **result)
{
  job_t *j = arg;

  (void)result;
  /* Wait for a slot; the semaphore hands them out in arrival order. */
  int rc = ac_sem_acquire(j->slots);
  if (rc < 0) {
    j->result->error = rc; /* its turn never came */
    return 0;
  }
  run_command(j);
  ac_sem_release(j->slots);
  return 0; /* a failed command is a result, not an error of the group */
}

/* Every command gets a task in one group at once; the semaphore holds back
 * all but `limit` of them. Returns when every task has ended. */
static int run_all(job_t *jobs, size_t n)
{
  ac_group_t *group;
  int rc = ac_group_create(&group);
  if (rc < 0)
    return rc;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = ac_group_spawn(group, NULL, job_task, &jobs[i], NULL);
  int close_rc = ac_group_close(group); /* if cancelled: cancels them all, waits */
  return rc < 0 ? rc : close_rc;
}

static bool valid(const command_t *cmds, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!cmds[i].name || !cmds[i].argv || !cmds[i].argv[0])
      return false;
  return true;
}

int command_runner_run(const command_t *cmds, size_t n, size_t limit, int64_t deadline_ms,
                       command_line_fn on_line, void *ctx, command_result_t *results)
{
  if ((!cmds && n > 0) || limit == 0 || deadline_ms <= 0 || !on_line || !results || !valid(cmds, n))
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    results[i] = (command_result_t){0};
  if (n == 0)
    return 0;
  job_t *jobs = calloc(n, sizeof *jobs);
  ac_sem_t *slots = NULL;
  int rc = jobs ? ac_sem_create(&slots, limit, 0) : -ENOMEM;
  if (rc < 0) {
    free(jobs);
    return rc;
  }

  for (size_t i = 0; i < n; i++)
    jobs[i] = (job_t){&cmds[i], &results[i], slots, on_line, ctx};

  /* The deadline covers the whole group: when it passes, this task is
   * cancelled, and the group cancels every command's task. */
  ac_timeout_t deadline;
  rc = ac_timeout_open(&deadline, deadline_ms);
  if (rc == 0) {
    rc = run_all(jobs, n);
    if (ac_timeout_close(&deadline) == -ETIMEDOUT) {
      rc = 0; /* the deadline is an outcome, not a failure */
      for (size_t i = 0; i < n; i++)
        if (results[i].error == -ECANCELED)
          results[i].error = -ETIMEDOUT;
    }
  }
  ac_sem_close(slots);
  free(jobs);
  return rc;
}

/* subprocess.c - three commands run at once as subprocesses; their output is read line by line
 * as it is printed, and the one still running at the deadline is killed. */
#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

/* The outputs are 300 ms apart, so their order holds on a busy machine. */
#define DEADLINE_MS 2600

typedef struct {
  const char *name;
  const char *script; /* run with sh -c */
} command_t;

static const command_t commands[] = {
    {"count", "for i in 1 2 3; do echo tick $i; sleep 0.6; done"},
    {"greet", "sleep 0.3; echo hello; sleep 0.6; echo goodbye"},
    {"slow", "sleep 1.5; echo still working...; exec sleep 10"},
};
#define N (sizeof commands / sizeof commands[0])

/* [run] */
/* Run one command: print each line of its output as it comes, then its exit
 * status. Cancelled (the deadline has passed), it kills the child, and
 * ac_process_close() leaves no zombie. */
static int run(void *arg, void **result)
{
  const command_t *cmd = arg;
  const char *argv[] = {"sh", "-c", cmd->script, NULL};
  ac_process_opts_t opts = {.argv = argv, .flags = AC_PROCESS_PIPE_STDOUT};
  ac_process_t *proc;
  ac_stream_t *out;
  char line[256];
  ssize_t n;
  int status;

  (void)result;
  int rc = ac_process_spawn(&proc, &opts);
  if (rc < 0)
    return rc;
  ac_process_stream(proc, 1, &out); /* the child's fd 1, as a stream */
  while ((n = ac_stream_readline(out, line, sizeof line)) > 0)
    printf("%s: %s", cmd->name, line);
  rc = n < 0 ? (int)n : ac_process_wait(proc, &status);
  /* Cancelled: kill it (-ESRCH if it had just ended by itself), and still
   * wait, to learn how it ended. */
  bool killed = rc == -ECANCELED && ac_process_kill(proc, SIGKILL) == 0;
  if (rc == -ECANCELED)
    rc = ac_process_wait(proc, &status);
  if (rc == 0)
    printf("%s: %s %d\n", cmd->name, killed ? "killed at the deadline, status" : "exited with",
           status);
  ac_process_close(proc);
  return 0;
}
/* [run] */

static int main_task(void *arg, void **result)
{
  ac_task_t *tasks[N];

  (void)arg;
  (void)result;
  for (size_t i = 0; i < N; i++)
    if (ac_task_create(&tasks[i], run, (void *)&commands[i]) < 0)
      return -ENOMEM;
  /* Wait for all of them, DEADLINE_MS at most; then cancel those left. */
  ac_future_wait_for((ac_future_t *const *)tasks, N, AC_WAIT_ALL_COMPLETED, DEADLINE_MS);
  for (size_t i = 0; i < N; i++) {
    ac_future_cancel(tasks[i]); /* no effect on a task that has ended */
    ac_future_await(tasks[i], NULL);
    ac_future_release(tasks[i]);
  }
  return 0;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "subprocess: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

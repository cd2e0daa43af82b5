/* run_commands.c - several programs at once, each in a task: one reads
 * what it is given on stdin, one fails, one is not there, one takes too
 * long and is killed. The outputs come back in the order the commands end.
 *
 *   run_commands */
#include <stdio.h>
#include <string.h>

#include "ac.h"

typedef struct {
  const char *title;
  const char *const *argv;
  const char *input; /* written to its stdin, then the end; NULL: none */
  int64_t limit_ms;  /* how long it may run */
} command;

/* TEXT with its newlines as " / " in OUT, for one line of the report. */
static const char *one_line(const char *text, char *out, size_t size) {
  size_t len = strlen(text), o = 0;
  if (len > 0 && text[len - 1] == '\n') len--;
  for (size_t i = 0; i < len && o + 4 < size; i++) {
    if (text[i] == '\n') {
      memcpy(out + o, " / ", 3);
      o += 3;
    } else {
      out[o++] = text[i];
    }
  }
  out[o] = '\0';
  return o ? out : "(nothing)";
}

/* Run one command: feed its input, collect its output, wait for its exit. */
static int run(void *arg, void **result) {
  (void)result;
  const command *c = arg;
  ac_process_t *proc;
  ac_process_opts_t opts = {.argv = c->argv,
                            .flags = AC_PROCESS_PIPE_STDOUT | AC_PROCESS_STDERR_TO_STDOUT |
                                     (c->input ? AC_PROCESS_PIPE_STDIN : 0)};
  int rc = ac_process_spawn(&proc, &opts);
  if (rc < 0) {
    printf("%-8s could not start: %s\n", c->title, ac_error_message(rc));
    return 0;
  }
  ac_stream_t *in, *out;
  if (c->input && ac_process_stream(proc, 0, &in) == 0) {
    ac_stream_write(in, c->input, strlen(c->input));
    ac_stream_write_eof(in); /* the end of its input: it can finish */
  }
  ac_process_stream(proc, 1, &out);
  /* Its output, within its time limit. */
  char text[256] = "";
  size_t have = 0;
  ac_timeout_t limit;
  ac_timeout_open(&limit, c->limit_ms);
  ssize_t n;
  while (have + 1 < sizeof text &&
         (n = ac_stream_read(out, text + have, sizeof text - 1 - have)) > 0)
    have += (size_t)n;
  text[have] = '\0';
  int status = 0;
  rc = n < 0 ? (int)n : ac_process_wait(proc, &status); /* n < 0: the time is up */
  int timed_out = ac_timeout_close(&limit) == -ETIMEDOUT;
  ac_process_close(proc); /* still running (timed out): killed and reaped */
  char line[512];
  if (timed_out)
    printf("%-8s took longer than %lld ms: killed\n", c->title, (long long)c->limit_ms);
  else if (rc == 0)
    printf("%-8s exited with %d%s, said: %s\n", c->title, status, status < 0 ? " (a signal)" : "",
           one_line(text, line, sizeof line));
  return 0;
}

static int main_task(void *arg, void **result) {
  (void)arg, (void)result;
  static const char *const sort[] = {"sort", NULL};
  static const char *const fails[] = {"sh", "-c", "echo giving up >&2; exit 3", NULL};
  static const char *const missing[] = {"no-such-command", NULL};
  static const char *const slow[] = {"sleep", "10", NULL};
  static const command commands[] = {
      {"sort", sort, "pear\napple\nfig\n", 5000},
      {"fails", fails, NULL, 5000},
      {"missing", missing, NULL, 5000},
      {"slow", slow, NULL, 300},
  };
  enum { N = sizeof commands / sizeof commands[0] };
  ac_task_t *tasks[N];
  for (int i = 0; i < N; i++) {
    int rc = ac_task_create(&tasks[i], run, (void *)&commands[i]);
    if (rc < 0) return rc;
  }
  int rc = ac_future_gather(tasks, N, NULL, NULL, 0);
  for (int i = 0; i < N; i++) ac_future_release(tasks[i]);
  return rc;
}

int main(void) {
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "run_commands: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

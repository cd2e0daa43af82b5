/* servers_test.h - what the tests of chapter 07 share: clients on the
 * runtime, bounded waits, the signals a server catches, the heap in use,
 * and programs (curl, python3) run as subprocesses.
 *
 * Every wait here is bounded, so a server that hangs fails its test with a
 * message instead of running into the grader's time limit.
 */
#ifndef SERVERS_TEST_H
#define SERVERS_TEST_H

#include <ac.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Wait until COND holds, MS at most, looking every 5 ms. */
#define WAIT_UNTIL(cond, ms)                                                                       \
  for (int waited_ = 0; !(cond) && waited_ < (ms); waited_ += 5)                                   \
  ac_task_sleep(5)

/* ---- the server under test, in a task of its own ------------------------------ */

#define READY_MS 2000 /* the longest a server may take to call ready */
#define STOP_MS 4000  /* the longest it may take to stop */

/* A server run by a test: RUN calls the exercise's function with the
 * test's options (their ready callback is server_on_ready, with this as
 * its context). */
typedef struct server_run server_run_t;
struct server_run {
  int (*run)(server_run_t *s);
  ac_task_t *task;
  int port; /* from ready */
  int ready_calls;
  int rc; /* what the exercise's function returned */
  bool returned;
  double returned_at;
  bool stop_hung; /* it did not return when cancelled */
};

static inline void server_on_ready(void *ctx, int port)
{
  server_run_t *s = ctx;
  s->port = port;
  s->ready_calls++;
}

static inline int server_task(void *arg, void **result)
{
  server_run_t *s = arg;

  (void)result;
  s->rc = s->run(s);
  s->returned = true;
  s->returned_at = ac_loop_time_precise();
  return 0;
}

/* Start the server in a task; true once it is ready. */
static inline bool server_launch(server_run_t *s)
{
  s->task = NULL;
  s->port = s->ready_calls = 0;
  s->rc = -ENOSYS;
  s->returned = s->stop_hung = false;
  if (ac_task_create(&s->task, server_task, s) < 0)
    return false;
  for (int waited = 0; s->ready_calls == 0 && !s->returned && waited < READY_MS; waited += 5)
    ac_task_sleep(5);
  return s->ready_calls == 1;
}

/* Wait until the server's task has ended, STOP_MS at most; true if it has. */
static inline bool server_wait(server_run_t *s)
{
  if (!s->task)
    return true;
  ac_future_wait_for((ac_future_t *const *)&s->task, 1, AC_WAIT_ALL_COMPLETED, STOP_MS);
  return s->returned;
}

/* Stop the server if it still runs (by cancelling it), and let it go. */
static inline void server_stop(server_run_t *s)
{
  if (!s->task)
    return;
  if (!s->returned) {
    ac_future_cancel(s->task);
    s->stop_hung = !server_wait(s);
  }
  ac_future_release(s->task);
  s->task = NULL;
}

/* ---- clients on the runtime ------------------------------------------------- */

static inline ac_stream_t *dial(const char *host, int port)
{
  ac_stream_t *s = NULL;
  return ac_stream_connect(&s, host, port) < 0 ? NULL : s;
}

/* Write LEN bytes and wait until they have gone out. */
static inline int send_text(ac_stream_t *s, const char *text, size_t len)
{
  if (!s)
    return -ENOTCONN;
  int rc = ac_stream_write(s, text, len);
  return rc < 0 ? rc : ac_stream_drain(s);
}

/* send_text() giving up after MS: -ETIMEDOUT if the bytes had not gone. */
static inline int send_text_for(ac_stream_t *s, const char *text, size_t len, int64_t ms)
{
  ac_timeout_t t;
  if (ac_timeout_open(&t, ms) < 0)
    return -ENOMEM;
  int rc = send_text(s, text, len);
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    rc = -ETIMEDOUT;
  return rc;
}

static inline int send_str(ac_stream_t *s, const char *text)
{
  return send_text(s, text, strlen(text));
}

/* Read one line, waiting MS at most: its length, 0 at the end, or an error
 * (-ETIMEDOUT if nothing came). */
static inline ssize_t read_line_for(ac_stream_t *s, char *buf, size_t size, int64_t ms)
{
  if (!s)
    return -ENOTCONN;
  ac_timeout_t t;
  if (ac_timeout_open(&t, ms) < 0)
    return -ENOMEM;
  ssize_t n = ac_stream_readline(s, buf, size);
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    n = -ETIMEDOUT;
  if (n < 0)
    buf[0] = '\0';
  return n;
}

/* Read up to SIZE - 1 bytes, waiting MS at most for the first; NUL-ended. */
static inline ssize_t read_some_for(ac_stream_t *s, char *buf, size_t size, int64_t ms)
{
  if (!s)
    return -ENOTCONN;
  ac_timeout_t t;
  if (ac_timeout_open(&t, ms) < 0)
    return -ENOMEM;
  ssize_t n = ac_stream_read(s, buf, size - 1);
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    n = -ETIMEDOUT;
  buf[n > 0 ? n : 0] = '\0';
  return n;
}

/* Whether the peer has ended the connection within MS: the end of the
 * stream, or a reset (a server that closes with input unread resets);
 * whatever else arrives first is read and dropped. */
static inline bool ended_within(ac_stream_t *s, int64_t ms)
{
  char buf[4096];
  double end = ac_loop_time_precise() + (double)ms;
  while (s && ac_loop_time_precise() < end) {
    ssize_t n = read_some_for(s, buf, sizeof buf, (int64_t)(end - ac_loop_time_precise()) + 1);
    if (n == 0 || n == -ECONNRESET || n == -EPIPE)
      return true;
    if (n < 0)
      return false;
  }
  return false;
}

/* ---- the signals a server catches ---------------------------------------------- */

/* How SIGINT and SIGTERM were handled before the server started (Check's
 * runner has handlers of its own for them). */
static struct sigaction signals_before[2];

static inline void signals_note(void)
{
  sigaction(SIGINT, NULL, &signals_before[0]);
  sigaction(SIGTERM, NULL, &signals_before[1]);
}

/* Whether SIGNUM is caught: its handling has changed since signals_note(). */
static inline bool signal_caught(int signum)
{
  struct sigaction sa;
  sigaction(signum, NULL, &sa);
  return sa.sa_handler != signals_before[signum == SIGTERM].sa_handler;
}

static inline bool signals_given_back(void)
{
  return !signal_caught(SIGINT) && !signal_caught(SIGTERM);
}

/* ---- the heap in use ------------------------------------------------------------ */

#ifdef AC_SANITIZE_ADDRESS
size_t __sanitizer_get_current_allocated_bytes(void);
static inline double heap_mib(void)
{
  return (double)__sanitizer_get_current_allocated_bytes() / 1048576.0;
}
#else
static inline double heap_mib(void)
{
  struct mallinfo2 m = mallinfo2();
  return (double)(m.uordblks + m.hblkhd) / 1048576.0;
}
#endif

/* ---- programs, run as the runtime's subprocesses ------------------------------------- */

typedef struct {
  const char *const *argv; /* the program (searched in PATH) and its arguments */
  const char *input;       /* written to its stdin, or NULL for none */
  int64_t timeout_ms;      /* then it is killed */
  char out[65536];         /* its stdout and stderr, NUL-ended, cut at the size */
  size_t out_len;
  int status;              /* its exit code, or -signal; -ETIMEDOUT if it had to be killed */
} program_t;

/* Run P to its end, bounded by p->timeout_ms (the loop goes on meanwhile).
 * Returns 0 (p->status says how it ended) or a negative errno if it could
 * not be started. */
static inline int program_run(program_t *p)
{
  ac_process_t *proc;
  ac_process_opts_t opts = {.argv = p->argv, .flags = AC_PROCESS_PIPE_STDIN |
                                                      AC_PROCESS_PIPE_STDOUT |
                                                      AC_PROCESS_STDERR_TO_STDOUT};
  p->out_len = 0;
  p->out[0] = '\0';
  int rc = ac_process_spawn(&proc, &opts);
  if (rc < 0)
    return rc;
  ac_stream_t *in = NULL, *out = NULL;
  ac_process_stream(proc, 0, &in);
  ac_process_stream(proc, 1, &out);
  ac_timeout_t deadline;
  if (ac_timeout_open(&deadline, p->timeout_ms) < 0) {
    ac_process_close(proc);
    return -ENOMEM;
  }
  if (p->input && ac_stream_write(in, p->input, strlen(p->input)) == 0)
    ac_stream_drain(in);
  ac_stream_close(in); /* the end of its input */
  ssize_t n;
  char chunk[4096];
  while ((n = ac_stream_read(out, chunk, sizeof chunk)) > 0) {
    size_t keep = sizeof p->out - 1 - p->out_len;
    if ((size_t)n < keep)
      keep = (size_t)n;
    memcpy(p->out + p->out_len, chunk, keep);
    p->out_len += keep;
    p->out[p->out_len] = '\0';
  }
  int status = 0;
  rc = ac_process_wait(proc, &status);
  if (ac_timeout_close(&deadline) == -ETIMEDOUT)
    status = -ETIMEDOUT;
  p->status = rc == 0 || status == -ETIMEDOUT ? status : rc;
  ac_process_close(proc); /* kills it if it still runs */
  return 0;
}

#endif

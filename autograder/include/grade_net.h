/* grade_net.h - what the tests of servers and clients on the runtime share:
 * the server under test in a task of its own, clients on the runtime's
 * streams and on raw sockets, bounded waits, the signals a server catches,
 * and the heap in use.
 *
 * Every wait here is bounded, so a server that hangs fails its test with a
 * message instead of running into the grader's time limit.
 */
#ifndef GRADE_NET_H
#define GRADE_NET_H

#include <ac.h>
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grade_ac.h"

/* Wait until COND holds, MS at most, looking every 5 ms. */
#define WAIT_UNTIL(cond, ms)                                     \
  for (int waited_ = 0; !(cond) && waited_ < (ms); waited_ += 5) \
  ac_task_sleep(5)

/* ---- the server under test, in a task of its own ------------------------------ */

#define SERVER_READY_MS 2000 /* the longest a server may take to call ready */
#define SERVER_STOP_MS 4000  /* the longest it may take to stop, unless the test says */

/* A server run by a test: RUN calls the exercise's function with the
 * test's options (their ready callback is server_on_ready, with this as
 * its context). A test's own server type puts this first. */
typedef struct server_run server_run_t;
struct server_run {
  int (*run)(server_run_t *s);
  int stop_ms; /* the longest it may take to return once cancelled (0: SERVER_STOP_MS) */
  ac_task_t *task;
  bool ready; /* it called ready once within SERVER_READY_MS of its start */
  int port;   /* from ready */
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

/* Whether SIGINT and SIGTERM are handled as before the server started. */
static inline bool signals_given_back(void)
{
  return !signal_caught(SIGINT) && !signal_caught(SIGTERM);
}

/* Note the signals' handling, start the server in a task, and wait for its
 * ready; true (and s->ready) once it has called ready, once. */
static inline bool server_launch(server_run_t *s)
{
  s->task = NULL;
  s->port = s->ready_calls = 0;
  s->rc = -ENOSYS;
  s->ready = s->returned = s->stop_hung = false;
  if (s->stop_ms <= 0)
    s->stop_ms = SERVER_STOP_MS;
  signals_note();
  if (ac_task_create(&s->task, server_task, s) < 0)
    return false;
  for (int waited = 0; s->ready_calls == 0 && !s->returned && waited < SERVER_READY_MS; waited += 5)
    ac_task_sleep(5);
  return s->ready = s->ready_calls == 1;
}

/* Wait until the server's task has ended, s->stop_ms at most; true if it has. */
static inline bool server_wait(server_run_t *s)
{
  if (!s->task)
    return true;
  ac_future_wait_for((ac_future_t *const *)&s->task, 1, AC_WAIT_ALL_COMPLETED, s->stop_ms);
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

/* Checked once the loop has ended: S (a server_run_t *) ran FN (its name). */
#define EXPECT_SERVER_READY(s, fn)                                                                \
  ck_assert_msg((s)->ready,                                                                       \
                "expected %s() to call ready once it listened, within %d ms of its start; it %s", \
                fn, SERVER_READY_MS, (s)->returned ? "returned without calling it" : "had not")

#define EXPECT_SERVER_STOPPED(s, fn)                                                               \
  ck_assert_msg(!(s)->stop_hung,                                                                   \
                "expected %s() to return when its task was cancelled, it had not after %d ms", fn, \
                (s)->stop_ms)

/* What RUN_SERVER_TEST() runs: the test's body, then the server's stop. */
typedef struct {
  server_run_t *server;
  void (*body)(void *arg);
  void *arg;
} server_test_t;

static inline int server_test_task(void *arg, void **result)
{
  server_test_t *t = arg;

  (void)result;
  t->body(t->arg);
  server_stop(t->server);
  return 0;
}

/* Run BODY(ARG) as a test's body (grade_run()): it starts the server S
 * (server_launch()) and talks to it, and S is stopped after it if it still
 * runs. Then S (running FN) must have called ready. */
#define RUN_SERVER_TEST(s, body, arg, fn)                                      \
  do {                                                                         \
    grade_run(server_test_task, &(server_test_t){(s), (body), (void *)(arg)}); \
    EXPECT_SERVER_READY(s, fn);                                                \
  } while (0)

/* ---- a port that is taken ------------------------------------------------------ */

/* A handler that ends every connection at once. */
static inline int hang_up(ac_stream_t *stream, void *arg)
{
  (void)stream;
  (void)arg;
  return 0;
}

/* What a server did when its port was taken. */
typedef struct {
  int rc; /* what the exercise's function returned; -ENOSYS: not run */
  int ready_calls;
  bool signals_given_back; /* SIGINT and SIGTERM handled as before, once it had returned */
} taken_port_t;

/* Run S's server here (not in a task of its own) on a port a server of the
 * test listens on; PORT is the port of S's options, set here. */
static inline taken_port_t server_run_on_taken_port(server_run_t *s, int *port)
{
  taken_port_t t = {.rc = -ENOSYS, .ready_calls = -1};
  ac_server_t *other;
  if (ac_server_start(&other, "127.0.0.1", 0, hang_up, NULL) < 0)
    return t;
  *port = ac_server_port(other);
  s->ready_calls = 0;
  signals_note();
  t.rc = s->run(s);
  t.ready_calls = s->ready_calls;
  t.signals_given_back = signals_given_back();
  ac_server_close(other, 0);
  return t;
}

/* The error comes back, ready is not called, and the signals are given back. */
#define EXPECT_TAKEN_PORT_REFUSED(t)                                                              \
  do {                                                                                            \
    ck_assert_msg((t).rc == -EADDRINUSE,                                                          \
                  "expected -EADDRINUSE from a server on a port in use, got %d (%s)", (t).rc,     \
                  ac_error_message((t).rc));                                                      \
    ck_assert_msg((t).ready_calls == 0,                                                           \
                  "expected ready not to be called when starting failed, it was called %d times", \
                  (t).ready_calls);                                                               \
    ck_assert_msg((t).signals_given_back,                                                         \
                  "expected SIGINT and SIGTERM handled as before once the server had returned "   \
                  "(is every ac_signal_t closed, on the error path too?)");                       \
  } while (0)

/* ---- clients on the runtime ------------------------------------------------- */

static inline ac_stream_t *dial(const char *host, int port)
{
  ac_stream_t *s = NULL;
  return ac_stream_connect(&s, host, port) < 0 ? NULL : s;
}

/* Close a client dial() made; NULL (one it could not make) is left alone. */
static inline void client_close(ac_stream_t *s)
{
  if (s)
    ac_stream_close(s);
}

/* Write LEN bytes and wait until they have gone out. */
static inline int send_text(ac_stream_t *s, const void *text, size_t len)
{
  if (!s)
    return -ENOTCONN;
  int rc = ac_stream_write(s, text, len);
  return rc < 0 ? rc : ac_stream_drain(s);
}

/* send_text() giving up after MS: -ETIMEDOUT if the bytes had not gone. */
static inline int send_text_for(ac_stream_t *s, const void *text, size_t len, int64_t ms)
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

/* Whether a read's answer N is the peer's end of the connection: the end of
 * the stream, or a reset (a server that closes with input unread resets). */
static inline bool is_end(ssize_t n)
{
  return n == 0 || n == -ECONNRESET || n == -EPIPE;
}

/* Whether the next thing to come from the peer, within MS, is its end:
 * nothing else may come first. */
static inline bool ends_next_within(ac_stream_t *s, int64_t ms)
{
  char buf[256];
  return is_end(read_some_for(s, buf, sizeof buf, ms));
}

/* Whether the peer has ended the connection within MS; whatever else
 * arrives first is read and dropped. */
static inline bool ended_within(ac_stream_t *s, int64_t ms)
{
  char buf[4096];
  double end = ac_loop_time_precise() + (double)ms;
  while (s && ac_loop_time_precise() < end) {
    ssize_t n = read_some_for(s, buf, sizeof buf, (int64_t)(end - ac_loop_time_precise()) + 1);
    if (is_end(n))
      return true;
    if (n < 0)
      return false;
  }
  return false;
}

/* ---- raw sockets, for what the runtime's streams would not do ------------------ */

/* Connect to 127.0.0.1:PORT with a receive buffer of RCVBUF bytes (0: the
 * default); the descriptor, or -1. */
static inline int raw_client(int port, int rcvbuf)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (rcvbuf > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static inline bool raw_send(int fd, const char *text)
{
  return fd >= 0 && send(fd, text, strlen(text), MSG_NOSIGNAL) == (ssize_t)strlen(text);
}

/* Reset the connection: SO_LINGER with a zero timeout makes close() send RST. */
static inline void raw_reset(int fd)
{
  struct linger l = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

/* ---- the heap in use ------------------------------------------------------------ */

/* glibc's count, or under AddressSanitizer its own (RSS would count the freed
 * blocks it keeps in quarantine). */
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

#endif /* GRADE_NET_H */

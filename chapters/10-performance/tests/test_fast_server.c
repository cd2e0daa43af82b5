/* test_fast_server.c - tests of chapter 10, exercise 1: the shouting server
 * (support/slow_server.h), made fast.
 *
 * Correctness first: every answer is compared byte for byte with what the
 * protocol says, computed here. Speed is judged the two ways a loaded
 * machine cannot fool: by counting (ac_stream_write and ac_task_create are
 * wrapped, so the tests see every write and every task the server makes),
 * and by a ratio against slow_serve() measured in the same run, in turns,
 * with a margin many times smaller than the gap between the two.
 */
#include <check.h>

#include <ac.h>
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fast_server.h"
#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"
#include "slow_server.h"

static int64_t scaled(int64_t ms)
{
  const char *f = getenv("TIMEOUT_FACTOR");
  double factor = f ? atof(f) : 1.0;
  return (int64_t)((double)ms * (factor > 1.0 ? factor : 1.0));
}

/* ---- counting what the server does ------------------------------------------- */

/* The test's own clients, whose writes are not the server's. */
#define MAX_CLIENTS 4
static ac_stream_t *clients[MAX_CLIENTS];
static long server_writes;
static _Atomic size_t server_bytes; /* handed to ac_stream_write by the server */
static long tasks_created;

int __real_ac_stream_write(ac_stream_t *stream, const void *data, size_t size);
int __wrap_ac_stream_write(ac_stream_t *stream, const void *data, size_t size)
{
  bool client = false;
  for (int i = 0; i < MAX_CLIENTS; i++)
    client = client || (clients[i] && clients[i] == stream);
  if (!client) {
    server_writes++;
    server_bytes += size;
  }
  return __real_ac_stream_write(stream, data, size);
}

int __real_ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg);
int __wrap_ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg)
{
  tasks_created++;
  return __real_ac_task_create(task, fn, arg);
}

static ac_stream_t *client_dial(int port)
{
  ac_stream_t *s = dial("127.0.0.1", port);
  ck_assert_msg(s, "cannot connect to the server on port %d", port);
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (!clients[i]) {
      clients[i] = s;
      return s;
    }
  }
  ck_abort_msg("too many clients");
  return NULL;
}

static void client_done(ac_stream_t *s)
{
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i] == s)
      clients[i] = NULL;
  }
  ac_stream_close(s);
}

/* ---- the protocol, as the tests know it -------------------------------------- */

typedef struct {
  char *data;
  size_t len, cap;
} bytes_t;

static void bytes_add(bytes_t *b, const void *p, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = realloc(b->data, b->cap);
    ck_assert_ptr_nonnull(b->data);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void bytes_free(bytes_t *b)
{
  free(b->data);
  *b = (bytes_t){0};
}

/* What the protocol answers to the whole of IN. */
static bytes_t expected(const bytes_t *in)
{
  bytes_t out = {0};
  long number = 0;
  bool start = true;
  for (size_t i = 0; i < in->len; i++) {
    if (start) {
      char prefix[32];
      int n = snprintf(prefix, sizeof prefix, "%ld: ", ++number);
      bytes_add(&out, prefix, (size_t)n);
      start = false;
    }
    char up = (char)toupper((unsigned char)in->data[i]);
    bytes_add(&out, &up, 1);
    start = in->data[i] == '\n';
  }
  if (!out.data)
    bytes_add(&out, "", 0);
  return out;
}

/* Lines of mixed length, case and punctuation, a run of empty lines, and a
 * last line without a newline. */
static bytes_t make_input(int lines, unsigned seed)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABC XYZ 0123456789,.;:!?-_";
  bytes_t in = {0};
  for (int i = 0; i < lines; i++) {
    seed = seed * 1103515245u + 12345u;
    int len = (int)((seed >> 16) % 60);
    for (int k = 0; k < len; k++) {
      seed = seed * 1103515245u + 12345u;
      bytes_add(&in, &alphabet[(seed >> 16) % (sizeof alphabet - 1)], 1);
    }
    bytes_add(&in, "\n", 1);
  }
  return in;
}

/* ---- one client's whole exchange ----------------------------------------------- */

typedef struct {
  ac_stream_t *stream;
  const bytes_t *in;
  const size_t *cuts; /* where to pause, ascending, ended by 0; NULL: one write */
  int rc;
} writer_t;

static int writer_task(void *arg, void **result)
{
  (void)result;
  writer_t *w = arg;
  size_t at = 0;
  for (const size_t *cut = w->cuts; cut && *cut; cut++) {
    if ((w->rc = send_text(w->stream, w->in->data + at, *cut - at)) < 0)
      return 0;
    at = *cut;
    ac_task_sleep(5); /* the server reads this piece before the next comes */
  }
  if ((w->rc = send_text(w->stream, w->in->data + at, w->in->len - at)) == 0)
    w->rc = ac_stream_write_eof(w->stream);
  return 0;
}

/* Send IN to the server on PORT (pausing at CUTS), end the stream, and
 * read every answer until the server closes; OUT gets them. Returns 0, or
 * -ETIMEDOUT if the answers did not end within MS. */
static int exchange(int port, const bytes_t *in, const size_t *cuts, bytes_t *out, int64_t ms)
{
  ac_stream_t *s = client_dial(port);
  writer_t w = {s, in, cuts, 0};
  ac_task_t *writer;
  ck_assert_int_eq(ac_task_create(&writer, writer_task, &w), 0);
  char buf[16384];
  int64_t deadline = ac_loop_time() + ms;
  ssize_t n;
  int rc = 0;
  while ((n = read_some_for(s, buf, sizeof buf, deadline - ac_loop_time())) > 0)
    bytes_add(out, buf, (size_t)n);
  if (n == -ETIMEDOUT)
    rc = -ETIMEDOUT;
  ac_future_cancel(writer);
  ac_future_await(writer, NULL);
  ac_future_release(writer);
  client_done(s);
  if (!out->data)
    bytes_add(out, "", 0);
  return rc;
}

/* Where the first difference is, to say so. */
static void assert_same(const bytes_t *got, const bytes_t *want, const char *what)
{
  size_t i = 0;
  while (i < got->len && i < want->len && got->data[i] == want->data[i])
    i++;
  if (i == got->len && i == want->len)
    return;
  size_t from = i > 20 ? i - 20 : 0;
  ck_abort_msg("%s: %zu bytes came, %zu expected; first difference at byte %zu: "
               "got \"%.40s\", expected \"%.40s\"",
               what, got->len, want->len, i, got->data + from, want->data + from);
}

static ac_server_t *start(ac_handler_fn handler, int *port)
{
  ac_server_t *server;
  ck_assert_int_eq(ac_server_start(&server, "127.0.0.1", 0, handler, NULL), 0);
  *port = ac_server_port(server);
  return server;
}

/* ---- correctness ------------------------------------------------------------- */

static int line_by_line_body(void *arg, void **result)
{
  (void)arg, (void)result;
  int port;
  ac_server_t *server = start(fast_serve, &port);
  ac_stream_t *s = client_dial(port);
  static const char *const lines[] = {"hello, world\n", "Second line!\n", "\n", "mIxEd 42\n"};
  static const char *const answers[] = {"1: HELLO, WORLD\n", "2: SECOND LINE!\n", "3: \n",
                                        "4: MIXED 42\n"};
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(send_str(s, lines[i]), 0);
    char buf[64];
    ssize_t n = read_line_for(s, buf, sizeof buf, scaled(2000));
    ck_assert_msg(n > 0 && strcmp(buf, answers[i]) == 0,
                  "sent \"%.*s\\n\" alone and waited: expected \"%.*s\\n\" before sending "
                  "more, got %s\"%s\"",
                  (int)strlen(lines[i]) - 1, lines[i], (int)strlen(answers[i]) - 1, answers[i],
                  n == -ETIMEDOUT ? "nothing in 2 s, " : "", buf);
  }
  ck_assert_int_eq(send_str(s, "no newline"), 0);
  ck_assert_int_eq(ac_stream_write_eof(s), 0);
  char buf[64];
  ssize_t n = read_some_for(s, buf, sizeof buf, scaled(2000));
  ck_assert_msg(n > 0 && strcmp(buf, "5: NO NEWLINE") == 0,
                "a last line without a newline, then the end: expected \"5: NO NEWLINE\", got "
                "\"%s\" (%zd)",
                buf, n);
  ck_assert_msg(ends_next_within(s, scaled(2000)), "the server did not close after the end");
  client_done(s);
  ck_assert_int_eq(ac_server_close(server, 1000), 0);
  return 0;
}

START_TEST(answers_each_line_as_it_comes)
{
  grade_run(line_by_line_body, NULL);
}
END_TEST

static int pieces_body(void *arg, void **result)
{
  (void)arg, (void)result;
  int port;
  ac_server_t *server = start(fast_serve, &port);
  bytes_t in = make_input(3000, 7);
  for (int i = 0; i < 20000; i++)
    bytes_add(&in, "\n", 1); /* 20,000 empty lines: the answers outgrow the input */
  bytes_add(&in, "the last line has no newline", 28);
  /* Pauses inside a word, right after a newline, and right before one. */
  size_t first_nl = (size_t)(strchr(in.data, '\n') - in.data);
  size_t cuts[] = {3,    first_nl, first_nl + 1, first_nl + 5, 4096,
                   4097, 70001,    in.len - 40,  in.len - 10,  0};
  bytes_t want = expected(&in), got = {0};
  int rc = exchange(port, &in, cuts, &got, scaled(5000));
  ck_assert_msg(rc == 0, "the answers had not ended within 5 s (%zu bytes came)", got.len);
  assert_same(&got, &want,
              "3,000 lines, 20,000 empty ones and a last without a newline, "
              "sent in pieces cut anywhere");
  bytes_free(&in);
  bytes_free(&want);
  bytes_free(&got);
  ck_assert_int_eq(ac_server_close(server, 1000), 0);
  return 0;
}

START_TEST(same_bytes_whatever_the_pieces)
{
  grade_run(pieces_body, NULL);
}
END_TEST

static int long_line_body(void *arg, void **result)
{
  (void)arg, (void)result;
  int port;
  ac_server_t *server = start(fast_serve, &port);
  bytes_t in = {0};
  for (int i = 0; i < 300 * 1024; i++)
    bytes_add(&in, &"abcdefgh"[i % 8], 1);
  bytes_add(&in, "\nshort\n", 7);
  bytes_t want = expected(&in), got = {0};
  int rc = exchange(port, &in, NULL, &got, scaled(5000));
  ck_assert_msg(rc == 0, "the answers had not ended within 5 s (%zu bytes came)", got.len);
  assert_same(&got, &want, "a 300 KiB line, then a short one");
  bytes_free(&in);
  bytes_free(&want);
  bytes_free(&got);
  ck_assert_int_eq(ac_server_close(server, 1000), 0);
  return 0;
}

START_TEST(a_long_line_is_answered_whole)
{
  grade_run(long_line_body, NULL);
}
END_TEST

static void expect_line(ac_stream_t *s, const char *want, const char *who)
{
  char buf[64];
  ssize_t n = read_line_for(s, buf, sizeof buf, scaled(2000));
  ck_assert_msg(n > 0 && strcmp(buf, want) == 0, "%s: expected \"%.*s\\n\", got \"%s\"", who,
                (int)strlen(want) - 1, want, buf);
}

static int two_clients_body(void *arg, void **result)
{
  (void)arg, (void)result;
  int port;
  ac_server_t *server = start(fast_serve, &port);
  ac_stream_t *a = client_dial(port), *b = client_dial(port);
  ck_assert_int_eq(send_str(a, "from a\n"), 0);
  expect_line(a, "1: FROM A\n", "client a's first line");
  ck_assert_int_eq(send_str(b, "from b\n"), 0);
  expect_line(b, "1: FROM B\n", "client b's first line (each connection counts from 1)");
  ck_assert_int_eq(send_str(a, "again a\n"), 0);
  expect_line(a, "2: AGAIN A\n", "client a's second line");
  client_done(a);
  client_done(b);
  ck_assert_int_eq(ac_server_close(server, 1000), 0);
  return 0;
}

START_TEST(each_connection_counts_its_own_lines)
{
  grade_run(two_clients_body, NULL);
}
END_TEST

/* ---- counts ------------------------------------------------------------------ */

enum { BULK_LINES = 5000 };

/* 5,000 lines at once; the counts of what the server did meanwhile. */
static int bulk_body(void *arg, void **result)
{
  (void)result;
  long *counts = arg; /* writes, tasks */
  int port;
  ac_server_t *server = start(fast_serve, &port);
  bytes_t in = make_input(BULK_LINES, 11);
  bytes_t want = expected(&in), got = {0};
  server_writes = 0;
  tasks_created = 0;
  int rc = exchange(port, &in, NULL, &got, scaled(5000));
  counts[0] = server_writes;
  counts[1] = tasks_created - 1; /* the test's writer */
  ck_assert_msg(rc == 0, "the answers had not ended within 5 s (%zu bytes came)", got.len);
  assert_same(&got, &want, "5,000 lines sent at once");
  bytes_free(&in);
  bytes_free(&want);
  bytes_free(&got);
  ck_assert_int_eq(ac_server_close(server, 1000), 0);
  return 0;
}

START_TEST(few_writes_when_lines_come_together)
{
  long counts[2];
  grade_run(bulk_body, counts);
  ck_assert_msg(counts[0] <= BULK_LINES / 20,
                "the server called ac_stream_write %ld times for %d lines that came at once "
                "(at most %d: one write per piece read, not per line or per byte)",
                counts[0], BULK_LINES, BULK_LINES / 20);
}
END_TEST

START_TEST(no_task_per_line)
{
  long counts[2];
  grade_run(bulk_body, counts);
  ck_assert_msg(counts[1] <= 2,
                "%ld tasks were created while one connection sent %d lines (the server's "
                "handler is one: a task per line costs a switch and an allocation each)",
                counts[1], BULK_LINES);
}
END_TEST

/* ---- the ratio ------------------------------------------------------------------ */

enum { RATIO_LINES = 1500, ROUNDS = 3, RATIO = 3 };

static double timed_exchange(int port, const bytes_t *in, const bytes_t *want, const char *who)
{
  bytes_t got = {0};
  double t0 = ac_loop_time_precise();
  int rc = exchange(port, in, NULL, &got, scaled(20000));
  double took = ac_loop_time_precise() - t0;
  ck_assert_msg(rc == 0, "%s: the answers had not ended within 20 s", who);
  assert_same(&got, want, who);
  bytes_free(&got);
  return took;
}

static int ratio_body(void *arg, void **result)
{
  (void)result;
  double *best = arg; /* slow, fast */
  int slow_port, fast_port;
  ac_server_t *slow = start(slow_serve, &slow_port);
  ac_server_t *fast = start(fast_serve, &fast_port);
  bytes_t in = make_input(RATIO_LINES, 3);
  bytes_t want = expected(&in);
  best[0] = best[1] = 1e9;
  /* In turns, so both see the same machine; the best of each. */
  for (int r = 0; r < ROUNDS; r++) {
    double s = timed_exchange(slow_port, &in, &want, "slow_serve");
    double f = timed_exchange(fast_port, &in, &want, "fast_serve");
    best[0] = s < best[0] ? s : best[0];
    best[1] = f < best[1] ? f : best[1];
  }
  bytes_free(&in);
  bytes_free(&want);
  ck_assert_int_eq(ac_server_close(slow, 1000), 0);
  ck_assert_int_eq(ac_server_close(fast, 1000), 0);
  return 0;
}

START_TEST(three_times_the_slow_servers_throughput)
{
  double best[2];
  grade_run(ratio_body, best);
  double ratio = best[0] / (best[1] > 0.001 ? best[1] : 0.001);
  ck_assert_msg(ratio >= RATIO,
                "%d lines took %.1f ms through slow_serve and %.1f ms through fast_serve (best of "
                "%d turns each): %.1fx, and at least %dx is expected",
                RATIO_LINES, best[0], best[1], ROUNDS, ratio, RATIO);
}
END_TEST

/* ---- a client that does not read -------------------------------------------- */

enum { FLOOD_MIB = 32, BUFFERED_MIB = 16 };

typedef struct {
  int fd;
  int64_t give_up_ms; /* host_now-style deadline, on the monotonic clock */
  size_t sent;
  atomic_int done;
} flood_t;

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends lines for as long as the server takes them, and never reads: a
 * blocking peer in a thread of its own, outside the loop. */
static void *flood_thread(void *arg)
{
  flood_t *f = arg;
  static char chunk[64 * 1024];
  for (size_t i = 0; i < sizeof chunk; i++)
    chunk[i] = i % 64 == 63 ? '\n' : 'a' + (char)(i % 26);
  fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK);
  while (f->sent < (size_t)FLOOD_MIB << 20 && mono_ms() < f->give_up_ms) {
    ssize_t n = send(f->fd, chunk, sizeof chunk, MSG_NOSIGNAL);
    if (n > 0) {
      f->sent += (size_t)n;
    } else if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {.fd = f->fd, .events = POLLOUT};
      poll(&p, 1, 50); /* the server is not taking more: wait a little, then look again */
    } else {
      break;
    }
  }
  atomic_store(&f->done, 1);
  return NULL;
}

static int flood_body(void *arg, void **result)
{
  (void)result;
  size_t *written = arg;
  int port;
  ac_server_t *server = start(fast_serve, &port);
  flood_t f = {raw_client(port, 64 * 1024), mono_ms() + scaled(2000), 0, 0};
  ck_assert_int_ge(f.fd, 0);
  server_bytes = 0;
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, flood_thread, &f), 0);
  while (!atomic_load(&f.done))
    ac_task_sleep(10); /* the server runs meanwhile */
  ac_task_sleep(100);  /* and answers what it had read */
  pthread_join(th, NULL);
  written[0] = server_bytes;
  written[1] = f.sent;
  close(f.fd);
  ck_assert_int_eq(ac_server_close(server, 1000), 0);
  return 0;
}

START_TEST(a_client_that_does_not_read_is_not_buffered_for)
{
  size_t written[2];
  grade_run(flood_body, written);
  ck_assert_msg(written[0] >= 64 * 1024,
                "a client sent %.1f MiB of lines and the server wrote %zu bytes of answers: it "
                "should answer until the client's buffers are full",
                (double)written[1] / (1 << 20), written[0]);
  ck_assert_msg(written[0] <= (size_t)BUFFERED_MIB << 20,
                "a client sent %.1f MiB and read nothing; the server wrote %.1f MiB of answers "
                "for it meanwhile, which it can only hold in memory: wait with "
                "ac_stream_drain() after each write, so reading stops while the client does not "
                "take the answers (at most %d MiB expected)",
                (double)written[1] / (1 << 20), (double)written[0] / (1 << 20), BUFFERED_MIB);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, answers_each_line_as_it_comes);
  GRADE_ADD(s, same_bytes_whatever_the_pieces);
  GRADE_ADD(s, a_long_line_is_answered_whole);
  GRADE_ADD(s, each_connection_counts_its_own_lines);
  GRADE_ADD(s, few_writes_when_lines_come_together);
  GRADE_ADD(s, no_task_per_line);
  GRADE_ADD(s, three_times_the_slow_servers_throughput);
  GRADE_ADD(s, a_client_that_does_not_read_is_not_buffered_for);
}

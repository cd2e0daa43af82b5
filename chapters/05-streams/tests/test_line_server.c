/* test_line_server.c - tests of chapter 05, exercise 1: a line echo server
 * that serves many clients, survives the bad ones, and shuts down on a
 * signal.
 *
 * Every test runs as the main task of ac_loop_run(). It runs
 * line_server_run() in a task of its own on 127.0.0.1 or ::1, waits for the
 * ready callback, and talks to it with real TCP clients on the runtime (and
 * one raw socket, to reset a connection). The shutdown tests send a real
 * SIGTERM or SIGINT to the test's own process, after checking that the
 * server catches it (otherwise the signal would end the test). Every server
 * is stopped before the body returns (cancelled, if the test did not stop
 * it with a signal), and every wait is bounded, so a server that hangs
 * fails its test with a message instead of a time-out.
 *
 * The memory test measures the heap in use (glibc's mallinfo2(), or
 * AddressSanitizer's count of live bytes) while a client sends tens of
 * megabytes and reads nothing.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"
#include "line_server.h"

#define STOP_MS 3000  /* the longest the server may take to stop */
#define REPLY_MS 2000 /* the longest a test waits for an answer it expects */

/* ---- running the server in a task ---------------------------------------- */

typedef struct {
  server_run_t base; /* first: the helpers of grade_net.h take it */
  line_server_opts_t opts;
  line_server_stats_t stats;
} server_t;

static server_t server;

static int run_line(server_run_t *s)
{
  return line_server_run(&((server_t *)s)->opts);
}

/* Start a server on HOST; true once it is ready. */
static bool server_start(server_t *s, const char *host, size_t max_line, int64_t idle_ms)
{
  *s = (server_t){.base = {.run = run_line, .stop_ms = STOP_MS},
                  .opts = {.host = host,
                           .max_line = max_line,
                           .idle_timeout_ms = idle_ms,
                           .ready = server_on_ready,
                           .ctx = s}};
  s->opts.stats = &s->stats;
  return server_launch(&s->base);
}

/* ---- clients -------------------------------------------------------------- */

/* Send LINE and read back its echo within REPLY_MS; true if it matched. */
static bool round_trip(ac_stream_t *s, const char *line, size_t len)
{
  char buf[512];
  if (!s || send_text(s, line, len) < 0)
    return false;
  ssize_t n = read_line_for(s, buf, sizeof buf, REPLY_MS);
  return n == (ssize_t)len && memcmp(buf, line, len) == 0;
}

/* What a test saw, checked after the loop has ended. */
typedef struct {
  bool ok[64];     /* per check, see each test */
  ssize_t got[16]; /* lengths or codes seen */
  char text[8][128];
  double ms[8];
  size_t counts[8];
} seen_t;

static seen_t seen;

/* Run BODY(ARG) as the test's body, with the server stopped after it; then
 * check that it called ready. */
#define RUN_TEST(body, arg)                                      \
  do {                                                           \
    seen = (seen_t){0};                                          \
    RUN_SERVER_TEST(&server.base, body, arg, "line_server_run"); \
  } while (0)
#define EXPECT_STOPPED() EXPECT_SERVER_STOPPED(&server.base, "line_server_run")

/* ---- the tests ----------------------------------------------------------- */

static int bad_rc[6];
static taken_port_t taken;

static int bad_main(void *arg, void **result)
{
  line_server_opts_t good = {.host = "127.0.0.1", .max_line = 64, .idle_timeout_ms = 100};
  line_server_opts_t no_host = good, low_port = good, high_port = good, short_line = good,
                     no_idle = good;

  (void)arg;
  (void)result;
  no_host.host = NULL;
  low_port.port = -1;
  high_port.port = 65536;
  short_line.max_line = 1;
  no_idle.idle_timeout_ms = 0;
  bad_rc[0] = line_server_run(NULL);
  bad_rc[1] = line_server_run(&no_host);
  bad_rc[2] = line_server_run(&low_port);
  bad_rc[3] = line_server_run(&high_port);
  bad_rc[4] = line_server_run(&short_line);
  bad_rc[5] = line_server_run(&no_idle);

  server_t second = {.base.run = run_line, .opts = good};
  second.opts.ready = server_on_ready;
  second.opts.ctx = &second;
  taken = server_run_on_taken_port(&second.base, &second.opts.port);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *const what[] = {"NULL options", "a NULL host", "port -1",
                                     "port 65536",   "max_line 1",  "an idle timeout of 0"};
  grade_run(bad_main, NULL);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(bad_rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], bad_rc[i],
                  ac_error_message(bad_rc[i]));
  EXPECT_TAKEN_PORT_REFUSED(taken);
}
END_TEST

static const char binary_line[] = "bytes \0 and \xff\xfe too\n";

static void echo_main(void *arg)
{
  const char *host = arg;

  if (server_start(&server, host, 256, 2000)) {
    ac_stream_t *c = dial(host, server.base.port);
    seen.ok[0] = c != NULL;
    seen.ok[1] = round_trip(c, "hello\n", 6);
    seen.ok[2] = round_trip(c, binary_line, sizeof binary_line - 1);
    seen.ok[3] = round_trip(c, "\n", 1);
    seen.counts[0] = server.stats.lines;
    client_close(c);
  }
}

static void check_echo(const char *host)
{
  RUN_TEST(echo_main, (void *)host);
  ck_assert_msg(seen.ok[0], "expected a client to connect to the server on %s", host);
  ck_assert_msg(seen.ok[1], "expected \"hello\\n\" echoed back by the server on %s", host);
  ck_assert_msg(seen.ok[2],
                "expected a line with a NUL and bytes over 0x7f echoed back exactly, "
                "all %zu bytes (is the length taken with strlen()?)",
                sizeof binary_line - 1);
  ck_assert_msg(seen.ok[3], "expected an empty line (\"\\n\") echoed back");
  ck_assert_msg(seen.counts[0] == 3, "expected stats.lines == 3 after three lines, it was %zu",
                seen.counts[0]);
  EXPECT_STOPPED();
}

START_TEST(echoes_lines_over_ipv4_and_ipv6)
{
  check_echo("127.0.0.1");
  check_echo("::1");
}
END_TEST

#define MANY 40

static void many_main(void *arg)
{
  ac_stream_t *c[MANY];
  char line[64], buf[64];

  (void)arg;
  if (server_start(&server, "::1", 256, 2000)) {
    int connected = 0, echoed = 0;
    for (int i = 0; i < MANY; i++)
      connected += (c[i] = dial("::1", server.base.port)) != NULL;
    /* Every client sends before any reads: the server must serve them all
     * at once, not one after another. */
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < MANY; i++)
        if (c[i]) {
          int len = snprintf(line, sizeof line, "client %d line %d\n", i, round);
          send_text(c[i], line, (size_t)len);
        }
      for (int i = 0; i < MANY; i++)
        if (c[i]) {
          int len = snprintf(line, sizeof line, "client %d line %d\n", i, round);
          ssize_t n = read_line_for(c[i], buf, sizeof buf, REPLY_MS);
          echoed += n == len && memcmp(buf, line, (size_t)len) == 0;
        }
    }
    seen.counts[0] = (size_t)connected;
    seen.counts[1] = (size_t)echoed;
    seen.counts[2] = server.stats.clients;
    seen.counts[3] = server.stats.accepted;
    seen.counts[4] = server.stats.lines;
    for (int i = 0; i < MANY; i++)
      client_close(c[i]);
    WAIT_UNTIL(server.stats.clients == 0, 1000);
    seen.counts[5] = server.stats.clients;
  }
}

START_TEST(serves_many_clients_at_once)
{
  RUN_TEST(many_main, NULL);
  ck_assert_msg(seen.counts[0] == MANY, "expected %d clients to connect, %zu did", MANY,
                seen.counts[0]);
  ck_assert_msg(seen.counts[1] == 3 * MANY,
                "expected each of %d clients to get its own 3 lines back, %zu of %d lines came",
                MANY, seen.counts[1], 3 * MANY);
  ck_assert_msg(seen.counts[2] == MANY && seen.counts[3] == MANY && seen.counts[4] == 3 * MANY,
                "expected stats of %d clients connected, %d accepted, %d lines; got %zu, %zu, %zu",
                MANY, MANY, 3 * MANY, seen.counts[2], seen.counts[3], seen.counts[4]);
  ck_assert_msg(seen.counts[5] == 0,
                "expected stats.clients back to 0 once every client had left, it was %zu",
                seen.counts[5]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- a client that sends and never reads --------------------------------- */

#define PUSH_LIMIT (64u << 20) /* the most the greedy client sends */
#define HEAP_BOUND_MIB 16.0

static char batch[65 * 1000]; /* 65 lines of 999 bytes and a newline */

/* Send lines as fast as the server takes them, reading nothing, for up to
 * FOR_MS or until the client's own writes have been stuck STUCK_MS; the
 * bytes sent. */
static size_t push(ac_stream_t *s, int64_t for_ms, int64_t stuck_ms)
{
  for (int i = 0; i < 65; i++) {
    memset(batch + i * 1000, 'x', 999);
    batch[i * 1000 + 999] = '\n';
  }
  size_t sent = 0;
  double end = ac_loop_time_precise() + (double)for_ms;
  while (sent < PUSH_LIMIT && ac_loop_time_precise() < end &&
         send_text_for(s, batch, sizeof batch, stuck_ms) >= 0)
    sent += sizeof batch;
  return sent;
}

static void greedy_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "127.0.0.1", 1024, 5000)) {
    ac_stream_t *warm = dial("127.0.0.1", server.base.port); /* the first connection's costs */
    seen.ok[0] = round_trip(warm, "warm up\n", 8);
    double base = heap_mib();
    ac_stream_t *greedy = dial("127.0.0.1", server.base.port);
    if (greedy) {
      size_t sent = push(greedy, 1000, 1000);
      seen.ms[0] = heap_mib() - base;
      seen.counts[0] = sent;
      /* Another client is served while the greedy one is stuck. */
      double start = ac_loop_time_precise();
      seen.ok[1] = round_trip(warm, "still there?\n", 13);
      seen.ms[1] = ac_loop_time_precise() - start;
      ac_stream_close(greedy);
    }
    client_close(warm);
  }
}

START_TEST(client_that_never_reads_cannot_exhaust_memory)
{
  RUN_TEST(greedy_main, NULL);
  ck_assert_msg(seen.ok[0], "expected a first client's line echoed");
  ck_assert_msg(seen.ms[0] < HEAP_BOUND_MIB,
                "expected the heap to stay within %.0f MiB while a client sent %.1f MiB of lines "
                "and read none of the echoes; it grew by %.1f MiB (does the handler wait in "
                "ac_stream_drain() after each write?)",
                HEAP_BOUND_MIB, seen.counts[0] / 1048576.0, seen.ms[0]);
  ck_assert_msg(seen.ok[1] && seen.ms[1] < 1000,
                "expected another client to be answered while the greedy one was stuck (%s, "
                "after %.0f ms)",
                seen.ok[1] ? "it was" : "it was not", seen.ms[1]);
  EXPECT_STOPPED();
}
END_TEST

static void greedy_dropped_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "127.0.0.1", 1024, 300)) {
    ac_stream_t *greedy = dial("127.0.0.1", server.base.port);
    if (greedy) {
      push(greedy, 2000, 100); /* until the server stops reading */
      double start = ac_loop_time_precise();
      WAIT_UNTIL(server.stats.clients == 0, 3000);
      seen.ms[0] = ac_loop_time_precise() - start;
      seen.counts[0] = server.stats.clients;
      seen.counts[1] = server.stats.accepted;
      ac_stream_close(greedy);
    }
  }
}

START_TEST(client_that_never_reads_is_dropped)
{
  RUN_TEST(greedy_dropped_main, NULL);
  ck_assert_msg(seen.counts[1] == 1, "expected the greedy client to be accepted");
  ck_assert_msg(seen.counts[0] == 0,
                "expected a client that never reads its echoes to be dropped once the server had "
                "waited the idle timeout (300 ms) for it to drain; it was still connected 3 s "
                "later (is the drain under the idle timeout too?)");
  EXPECT_STOPPED();
}
END_TEST

/* ---- timeouts, long lines, clients that leave ------------------------------ */

static void idle_main(void *arg)
{
  char buf[128], line[32];

  (void)arg;
  if (server_start(&server, "127.0.0.1", 256, 300)) {
    ac_stream_t *silent = dial("127.0.0.1", server.base.port);
    ac_stream_t *chatty = dial("127.0.0.1", server.base.port);
    /* The chatty client sends a line every 100 ms for 700 ms: never idle
     * for 300 ms, so it stays. */
    int echoed = 0;
    for (int i = 0; i < 7; i++) {
      int len = snprintf(line, sizeof line, "tick %d\n", i);
      echoed += round_trip(chatty, line, (size_t)len);
      seen.ms[2] = ac_loop_time_precise();
      ac_task_sleep(100);
    }
    seen.counts[0] = (size_t)echoed;
    /* The silent one was told and closed long ago. */
    ssize_t n = silent ? read_line_for(silent, buf, sizeof buf, 100) : -ENOTCONN;
    seen.got[0] = n;
    snprintf(seen.text[0], sizeof seen.text[0], "%s", n > 0 ? buf : "");
    seen.ok[0] = silent && ends_next_within(silent, 100);
    /* Now the chatty one goes quiet too (since its last echo came). */
    double quiet = seen.ms[2];
    n = chatty ? read_line_for(chatty, buf, sizeof buf, 2000) : -ENOTCONN;
    seen.ms[1] = ac_loop_time_precise() - quiet;
    seen.got[1] = n;
    snprintf(seen.text[1], sizeof seen.text[1], "%s", n > 0 ? buf : "");
    WAIT_UNTIL(server.stats.clients == 0, 1000);
    seen.counts[1] = server.stats.clients;
    client_close(silent);
    client_close(chatty);
  }
}

START_TEST(idle_client_is_timed_out)
{
  RUN_TEST(idle_main, NULL);
  ck_assert_msg(seen.got[0] > 0 && strcmp(seen.text[0], LINE_SERVER_IDLE) == 0,
                "expected a client silent for the idle timeout (300 ms) to get \"idle "
                "timeout\\n\"; it got %zd (%s) \"%s\"",
                seen.got[0], seen.got[0] < 0 ? ac_error_message((int)seen.got[0]) : "bytes",
                seen.text[0]);
  ck_assert_msg(seen.ok[0], "expected the idle client's connection closed after the message");
  ck_assert_msg(seen.counts[0] == 7,
                "expected a client sending a line every 100 ms to keep its connection (the idle "
                "timeout of 300 ms counts per wait, not for the whole connection): %zu of 7 "
                "lines were echoed",
                seen.counts[0]);
  ck_assert_msg(seen.got[1] > 0 && strcmp(seen.text[1], LINE_SERVER_IDLE) == 0,
                "expected the chatty client to get \"idle timeout\\n\" once it went quiet, it got "
                "%zd \"%s\"",
                seen.got[1], seen.text[1]);
  ck_assert_msg(seen.ms[1] >= 0.75 * 300 && seen.ms[1] < 1500,
                "expected the idle message about 300 ms after the last echo, it came after %.0f "
                "ms",
                seen.ms[1]);
  ck_assert_msg(seen.counts[1] == 0, "expected no client left connected, stats.clients was %zu",
                seen.counts[1]);
  EXPECT_STOPPED();
}
END_TEST

static char long_line[100 * 1000];

static void long_line_main(void *arg)
{
  char buf[128], exact[65];

  (void)arg;
  if (server_start(&server, "::1", 64, 2000)) {
    ac_stream_t *c = dial("::1", server.base.port);
    memset(exact, 'y', 63);
    exact[63] = '\n';
    seen.ok[0] = round_trip(c, exact, 64); /* exactly max_line, newline included */
    memset(long_line, 'z', sizeof long_line);
    if (c)
      ac_stream_write(c, long_line, sizeof long_line);
    ssize_t n = c ? read_line_for(c, buf, sizeof buf, REPLY_MS) : -ENOTCONN;
    seen.got[0] = n;
    snprintf(seen.text[0], sizeof seen.text[0], "%s", n > 0 ? buf : "");
    seen.ok[1] = c && ends_next_within(c, REPLY_MS);
    ac_stream_t *next = dial("::1", server.base.port);
    seen.ok[2] = round_trip(next, "next\n", 5);
    client_close(c);
    client_close(next);
  }
}

START_TEST(long_line_is_refused)
{
  RUN_TEST(long_line_main, NULL);
  ck_assert_msg(seen.ok[0], "expected a line of exactly max_line = 64 bytes, its newline "
                            "included, to be echoed");
  ck_assert_msg(seen.got[0] > 0 && strcmp(seen.text[0], LINE_SERVER_TOO_LONG) == 0,
                "expected \"line too long\\n\" for 100 kB without a newline (max_line 64), got "
                "%zd (%s) \"%s\"",
                seen.got[0], seen.got[0] < 0 ? ac_error_message((int)seen.got[0]) : "bytes",
                seen.text[0]);
  ck_assert_msg(seen.ok[1], "expected the connection closed after \"line too long\"");
  ck_assert_msg(seen.ok[2], "expected the server to go on serving other clients");
  EXPECT_STOPPED();
}
END_TEST

/* Connect a raw socket to 127.0.0.1:PORT, send TEXT, and reset the
 * connection. */
static bool send_and_reset(int port, const char *text)
{
  int fd = raw_client(port, 0);
  bool ok = raw_send(fd, text);
  if (fd >= 0)
    raw_reset(fd);
  return ok;
}

static void leave_main(void *arg)
{
  char buf[128];

  (void)arg;
  if (server_start(&server, "127.0.0.1", 256, 5000)) {
    /* Half-close: "one\ntwo", then the end of its stream. */
    ac_stream_t *half = dial("127.0.0.1", server.base.port);
    if (half) {
      ac_stream_write(half, "one\ntwo", 7);
      ac_stream_write_eof(half);
      ssize_t n = read_line_for(half, buf, sizeof buf, REPLY_MS);
      seen.got[0] = n;
      snprintf(seen.text[0], sizeof seen.text[0], "%s", n > 0 ? buf : "");
      n = read_line_for(half, buf, sizeof buf, REPLY_MS);
      seen.got[1] = n;
      snprintf(seen.text[1], sizeof seen.text[1], "%s", n > 0 ? buf : "");
      ac_stream_close(half);
    }
    /* Vanish in the middle of a line. */
    ac_stream_t *gone = dial("127.0.0.1", server.base.port);
    if (gone) {
      ac_stream_write(gone, "half a li", 9);
      ac_task_sleep(50);
      ac_stream_close(gone);
    }
    /* Reset the connection in the middle of a line. */
    seen.ok[0] = send_and_reset(server.base.port, "and another half");
    WAIT_UNTIL(server.stats.clients == 0 && server.stats.accepted == 3, 2000);
    seen.counts[0] = server.stats.clients;
    seen.counts[1] = server.stats.accepted;
    seen.counts[2] = server.stats.lines;
    ac_stream_t *next = dial("127.0.0.1", server.base.port);
    seen.ok[1] = round_trip(next, "still serving\n", 14);
    client_close(next);
  }
}

START_TEST(clients_that_leave_mid_line)
{
  RUN_TEST(leave_main, NULL);
  ck_assert_msg(seen.got[0] == 4 && strcmp(seen.text[0], "one\n") == 0,
                "expected \"one\\n\" echoed to a client that sent \"one\\ntwo\" and ended its "
                "half, got %zd \"%s\"",
                seen.got[0], seen.text[0]);
  ck_assert_msg(seen.got[1] == 0,
                "expected the end of the stream after \"one\\n\": the unfinished \"two\" is "
                "dropped; got %zd (%s) \"%s\"",
                seen.got[1], seen.got[1] < 0 ? ac_error_message((int)seen.got[1]) : "bytes",
                seen.text[1]);
  ck_assert_msg(seen.ok[0], "the test could not connect its raw socket");
  ck_assert_msg(seen.counts[1] == 3 && seen.counts[0] == 0,
                "expected every handler to end once its client left (mid-line, half-closed or "
                "reset): %zu of 3 accepted clients still counted as connected after 2 s",
                seen.counts[0]);
  ck_assert_msg(seen.counts[2] == 1,
                "expected exactly 1 line echoed (\"one\"), stats.lines was %zu", seen.counts[2]);
  ck_assert_msg(seen.ok[1], "expected the server to go on serving other clients");
  EXPECT_STOPPED();
}
END_TEST

/* ---- shutting down ---------------------------------------------------------- */

#define STAYING 3

static void shutdown_main(void *arg)
{
  int signum = *(int *)arg;
  ac_stream_t *c[STAYING];
  char buf[128];

  if (server_start(&server, "127.0.0.1", 256, 10000)) {
    int port = server.base.port;
    for (int i = 0; i < STAYING; i++)
      c[i] = dial("127.0.0.1", port);
    seen.ok[0] = round_trip(c[0], "before\n", 7);
    if (c[1])
      ac_stream_write(c[1], "an unfinished li", 16); /* its handler is in the middle of a line */
    WAIT_UNTIL(server.stats.clients == STAYING, 1000);
    seen.counts[0] = server.stats.clients;
    seen.ok[1] = signal_caught(signum);
    if (seen.ok[1]) {
      double start = ac_loop_time_precise();
      kill(getpid(), signum);
      int byes = 0, ended = 0;
      for (int i = 0; i < STAYING; i++) {
        if (!c[i])
          continue;
        ssize_t n = read_line_for(c[i], buf, sizeof buf, REPLY_MS);
        byes += n > 0 && strcmp(buf, LINE_SERVER_BYE) == 0;
        if (i == 0)
          snprintf(seen.text[0], sizeof seen.text[0], "%s", n > 0 ? buf : ac_error_message((int)n));
        ended += ends_next_within(c[i], REPLY_MS);
      }
      seen.counts[1] = (size_t)byes;
      seen.counts[2] = (size_t)ended;
      seen.ok[2] = server_wait(&server.base);
      seen.ms[0] = server.base.returned_at - start;
      seen.counts[3] = server.stats.clients;
      ac_stream_t *late = dial("127.0.0.1", port);
      seen.ok[3] = late == NULL; /* refused: nobody listens any more */
      client_close(late);
      seen.ok[4] = signals_given_back();
    }
    for (int i = 0; i < STAYING; i++)
      client_close(c[i]);
  }
}

static void check_shutdown(int signum, const char *name)
{
  RUN_TEST(shutdown_main, &signum);
  ck_assert_msg(seen.ok[0] && seen.counts[0] == STAYING,
                "expected %d clients connected and served before the signal (%zu counted)", STAYING,
                seen.counts[0]);
  ck_assert_msg(seen.ok[1],
                "expected %s to be caught while the server runs (ac_signal_create() before ready); "
                "the test did not send it, since it would have ended the test",
                name);
  ck_assert_msg(seen.counts[1] == STAYING,
                "expected each of the %d clients still connected to get \"bye\\n\" after %s, %zu "
                "did (the first got \"%s\")",
                STAYING, name, seen.counts[1], seen.text[0]);
  ck_assert_msg(seen.counts[2] == STAYING,
                "expected the connections closed after \"bye\", %zu of %d were", seen.counts[2],
                STAYING);
  ck_assert_msg(seen.ok[2],
                "expected line_server_run() to return after %s, it had not after "
                "%d ms",
                name, STOP_MS);
  ck_assert_msg(server.base.rc == signum,
                "expected line_server_run() to return %d (%s), it returned %d", signum, name,
                server.base.rc);
  ck_assert_msg(seen.ms[0] < 1500,
                "expected the shutdown to be prompt: the handlers cancelled, not left to their "
                "10 s idle timeout; it took %.0f ms",
                seen.ms[0]);
  ck_assert_msg(seen.counts[3] == 0,
                "expected every handler finished when line_server_run() returned, stats.clients "
                "was %zu",
                seen.counts[3]);
  ck_assert_msg(seen.ok[3], "expected new connections refused once the server had returned");
  ck_assert_msg(seen.ok[4], "expected SIGINT and SIGTERM handled as before once the "
                            "server had returned (ac_signal_close())");
}

START_TEST(sigterm_shuts_down_gracefully)
{
  check_shutdown(SIGTERM, "SIGTERM");
}
END_TEST

START_TEST(sigint_shuts_down_too)
{
  check_shutdown(SIGINT, "SIGINT");
}
END_TEST

static void cancel_main(void *arg)
{
  char buf[128];

  (void)arg;
  if (server_start(&server, "::1", 256, 10000)) {
    ac_stream_t *c = dial("::1", server.base.port);
    seen.ok[0] = round_trip(c, "before\n", 7);
    ac_future_cancel(server.base.task);
    ssize_t n = c ? read_line_for(c, buf, sizeof buf, REPLY_MS) : -ENOTCONN;
    seen.got[0] = n;
    snprintf(seen.text[0], sizeof seen.text[0], "%s", n > 0 ? buf : "");
    seen.ok[1] = server_wait(&server.base);
    seen.ok[2] = signals_given_back();
    client_close(c);
  }
}

START_TEST(cancelled_caller_shuts_down)
{
  RUN_TEST(cancel_main, NULL);
  ck_assert_msg(seen.ok[0], "expected a line echoed before the cancellation");
  ck_assert_msg(seen.got[0] > 0 && strcmp(seen.text[0], LINE_SERVER_BYE) == 0,
                "expected the client to get \"bye\\n\" when the server's task was cancelled, got "
                "%zd (%s) \"%s\"",
                seen.got[0], seen.got[0] < 0 ? ac_error_message((int)seen.got[0]) : "bytes",
                seen.text[0]);
  ck_assert_msg(seen.ok[1] && server.base.rc == -ECANCELED,
                "expected line_server_run() to return -ECANCELED when cancelled, it %s %d (%s)",
                seen.ok[1] ? "returned" : "had not returned;", server.base.rc,
                ac_error_message(server.base.rc));
  ck_assert_msg(seen.ok[2], "expected SIGINT and SIGTERM given back after a cancellation too");
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, echoes_lines_over_ipv4_and_ipv6);
  GRADE_ADD(s, serves_many_clients_at_once);
  GRADE_ADD(s, client_that_never_reads_cannot_exhaust_memory);
  GRADE_ADD(s, client_that_never_reads_is_dropped);
  GRADE_ADD(s, idle_client_is_timed_out);
  GRADE_ADD(s, long_line_is_refused);
  GRADE_ADD(s, clients_that_leave_mid_line);
  GRADE_ADD(s, sigterm_shuts_down_gracefully);
  GRADE_ADD(s, sigint_shuts_down_too);
  GRADE_ADD(s, cancelled_caller_shuts_down);
}

/* test_chat_server.c - tests of chapter 07, exercise 1: a chat server where
 * one slow client slows nobody.
 *
 * Every test runs as the main task of ac_loop_run(). It runs
 * chat_server_run() in a task of its own on 127.0.0.1 or ::1, waits for the
 * ready callback, and talks to it with real TCP clients: the runtime's
 * streams, and for the client that stops reading, a raw socket with a small
 * receive buffer, which it never reads. The shutdown test sends a real
 * SIGTERM to the test's own process, after checking that the server catches
 * it. Every server is stopped before the body returns (cancelled, if the
 * test did not stop it with a signal), and every wait is bounded; what a
 * test saw is checked after its loop has ended.
 *
 * The slow-client tests measure, in the same run, the latency of the
 * messages the fast clients get without and then with a client that reads
 * nothing, and the heap in use (glibc's mallinfo2(), or AddressSanitizer's
 * count of live bytes) while tens of megabytes are relayed.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat_server.h"
#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"

#define REPLY_MS 2000 /* the longest a test waits for a line it expects */

/* ---- the server in a task --------------------------------------------------- */

typedef struct {
  server_run_t base; /* first: the helpers of grade_net.h take it */
  chat_opts_t opts;
  chat_stats_t stats;
} server_t;

static server_t server;

static int run_chat(server_run_t *s)
{
  return chat_server_run(&((server_t *)s)->opts);
}

/* Start a server on HOST; true once it is ready. */
static bool server_start(server_t *s, const char *host, size_t max_line, size_t queue_max,
                         int64_t idle_ms)
{
  *s = (server_t){.base.run = run_chat,
                  .opts = {.host = host,
                           .max_line = max_line,
                           .queue_max = queue_max,
                           .idle_timeout_ms = idle_ms,
                           .ready = server_on_ready,
                           .ctx = s}};
  s->opts.stats = &s->stats;
  return server_launch(&s->base);
}

/* ---- what a test saw, checked once its loop has ended --------------------------- */

typedef struct {
  bool ok[32];
  char text[16][160];
  double ms[8];
  size_t counts[8];
} seen_t;

static seen_t seen;

/* Run BODY(ARG) as the test's body, with the server stopped after it; then
 * check that it called ready. */
#define RUN_TEST(body, arg)                                      \
  do {                                                           \
    seen = (seen_t){0};                                          \
    RUN_SERVER_TEST(&server.base, body, arg, "chat_server_run"); \
  } while (0)
#define EXPECT_STOPPED() EXPECT_SERVER_STOPPED(&server.base, "chat_server_run")

/* Read the next line into seen.text[SLOT] (its '\n' removed); true if
 * it is WANT exactly. */
static bool next_is(ac_stream_t *c, int slot, const char *want)
{
  char *buf = seen.text[slot];
  ssize_t n = read_line_for(c, buf, sizeof seen.text[slot], REPLY_MS);
  if (n > 0 && buf[n - 1] == '\n')
    buf[n - 1] = '\0';
  else if (n <= 0)
    snprintf(buf, sizeof seen.text[slot], "%s",
             n == 0            ? "(the end of the stream)"
             : n == -ETIMEDOUT ? "(nothing within 2 s)"
                               : ac_error_message((int)n));
  return strcmp(buf, want) == 0;
}

/* Connect and join as NICK; the client, or NULL if it was not welcomed. */
static ac_stream_t *member(const char *host, const char *nick)
{
  char line[64], want[64];
  ac_stream_t *c = dial(host, server.base.port);
  snprintf(line, sizeof line, "%s\n", nick);
  snprintf(want, sizeof want, "* welcome %s", nick);
  if (!c || send_str(c, line) < 0 || !next_is(c, 15, want)) {
    client_close(c);
    return NULL;
  }
  return c;
}

static void close_all(ac_stream_t **c, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (c[i]) {
      ac_stream_close(c[i]);
      c[i] = NULL;
    }
}

/* ---- bad arguments ------------------------------------------------------------------ */

static int bad_rc[7];
static taken_port_t taken;

static int bad_main(void *arg, void **result)
{
  chat_opts_t good = {.host = "127.0.0.1", .max_line = 64, .queue_max = 8, .idle_timeout_ms = 100};
  chat_opts_t o[6] = {good, good, good, good, good, good};

  (void)arg;
  (void)result;
  o[0].host = NULL;
  o[1].port = -1;
  o[2].port = 65536;
  o[3].max_line = 1;
  o[4].queue_max = 0;
  o[5].idle_timeout_ms = 0;
  bad_rc[0] = chat_server_run(NULL);
  for (int i = 0; i < 6; i++)
    bad_rc[i + 1] = chat_server_run(&o[i]);

  server_t second = {.base.run = run_chat, .opts = good};
  second.opts.ready = server_on_ready;
  second.opts.ctx = &second;
  taken = server_run_on_taken_port(&second.base, &second.opts.port);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *const what[] = {"NULL options",        "a NULL host", "port -1",
                                     "port 65536",          "max_line 1",  "queue_max 0",
                                     "an idle timeout of 0"};
  grade_run(bad_main, NULL);
  for (int i = 0; i < 7; i++)
    ck_assert_msg(bad_rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], bad_rc[i],
                  ac_error_message(bad_rc[i]));
  EXPECT_TAKEN_PORT_REFUSED(taken);
}
END_TEST

/* ---- nicknames ------------------------------------------------------------------------ */

static void nick_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "::1", 256, 16, 5000)) {
    ac_stream_t *c[3] = {dial("::1", server.base.port), dial("::1", server.base.port),
                         dial("::1", server.base.port)};
    send_str(c[0], "not a nick!\n");
    seen.ok[0] = next_is(c[0], 0, "! bad nickname");
    send_str(c[0], "a_name_longer_than_16\n");
    seen.ok[1] = next_is(c[0], 1, "! bad nickname");
    send_str(c[0], "alice\r\n"); /* a '\r' before the '\n' is dropped */
    seen.ok[2] = next_is(c[0], 2, "* welcome alice");
    send_str(c[1], "alice\n");
    seen.ok[3] = next_is(c[1], 3, "! nickname taken");
    send_str(c[1], "bob-2\n");
    seen.ok[4] = next_is(c[1], 4, "* welcome bob-2");
    seen.ok[5] = next_is(c[0], 5, "* bob-2 joined");
    WAIT_UNTIL(server.stats.clients == 3, 1000);
    seen.counts[0] = server.stats.clients;
    seen.counts[1] = server.stats.members;
    seen.counts[2] = server.stats.accepted;
    close_all(c, 3);
    WAIT_UNTIL(server.stats.clients == 0, 1000);
    seen.counts[3] = server.stats.clients;
    seen.counts[4] = server.stats.members;
  }
}

START_TEST(nicknames_are_checked)
{
  RUN_TEST(nick_main, NULL);
  ck_assert_msg(seen.ok[0], "expected \"! bad nickname\" for \"not a nick!\", got \"%s\"",
                seen.text[0]);
  ck_assert_msg(seen.ok[1],
                "expected \"! bad nickname\" for a nickname of 21 characters (at most "
                "%d), got \"%s\"",
                CHAT_NICK_MAX, seen.text[1]);
  ck_assert_msg(seen.ok[2], "expected \"* welcome alice\" after \"alice\\r\\n\", got \"%s\"",
                seen.text[2]);
  ck_assert_msg(seen.ok[3], "expected \"! nickname taken\" for a second alice, got \"%s\"",
                seen.text[3]);
  ck_assert_msg(seen.ok[4],
                "expected the refused client to be able to try again and get \"* "
                "welcome bob-2\", got \"%s\"",
                seen.text[4]);
  ck_assert_msg(seen.ok[5], "expected alice to get \"* bob-2 joined\", got \"%s\"", seen.text[5]);
  ck_assert_msg(seen.counts[0] == 3 && seen.counts[1] == 2 && seen.counts[2] == 3,
                "expected stats of 3 clients, 2 members, 3 accepted; got %zu, %zu, %zu",
                seen.counts[0], seen.counts[1], seen.counts[2]);
  ck_assert_msg(seen.counts[3] == 0 && seen.counts[4] == 0,
                "expected stats of 0 clients and 0 members once all had left, got %zu and %zu",
                seen.counts[3], seen.counts[4]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- messages ----------------------------------------------------------------------------- */

#define IN_ORDER 50

static void message_main(void *arg)
{
  char line[64];

  (void)arg;
  if (server_start(&server, "127.0.0.1", 256, 64, 5000)) {
    ac_stream_t *m[4] = {member("127.0.0.1", "alice")};
    m[3] = dial("127.0.0.1", server.base.port); /* connected, never joins: in no room */
    m[1] = member("127.0.0.1", "bob");
    seen.ok[0] = next_is(m[0], 0, "* bob joined");
    m[2] = member("127.0.0.1", "carol");
    seen.ok[1] = next_is(m[0], 1, "* carol joined") && next_is(m[1], 1, "* carol joined");

    send_str(m[1], "hello all\n");
    seen.ok[2] = next_is(m[0], 2, "<bob> hello all") && next_is(m[2], 3, "<bob> hello all");
    /* Bob's next line is carol's, not his own. */
    send_str(m[2], "hi bob\n");
    seen.ok[3] = next_is(m[1], 4, "<carol> hi bob");
    seen.ok[4] = next_is(m[0], 5, "<carol> hi bob");
    /* Many lines from one client arrive in the order sent. */
    for (int i = 0; i < IN_ORDER; i++) {
      snprintf(line, sizeof line, "line %d\n", i);
      ac_stream_write(m[0], line, strlen(line));
    }
    ac_stream_drain(m[0]);
    int in_order = 0;
    for (int i = 0; i < IN_ORDER; i++) {
      snprintf(line, sizeof line, "<alice> line %d", i);
      in_order += next_is(m[2], 6, line);
    }
    seen.counts[0] = (size_t)in_order;
    /* Lines are relayed as they are: spaces, punctuation, '<' and '*'. */
    send_str(m[1], "  <not a nick> * and 100% \"quoted\"\n");
    seen.ok[5] = next_is(m[2], 7, "<bob>   <not a nick> * and 100% \"quoted\"");
    /* The client that never joined got none of it: its first line is its
     * welcome. */
    send_str(m[3], "dave\n");
    seen.ok[6] = next_is(m[3], 8, "* welcome dave");
    close_all(m, 4);
  }
}

START_TEST(messages_reach_everyone_else)
{
  RUN_TEST(message_main, NULL);
  ck_assert_msg(seen.ok[0] && seen.ok[1],
                "expected members to be told of each join (\"* bob joined\", \"* carol joined\"), "
                "got \"%s\" and \"%s\"",
                seen.text[0], seen.text[1]);
  ck_assert_msg(seen.ok[2],
                "expected alice and carol to get \"<bob> hello all\", got \"%s\" and "
                "\"%s\"",
                seen.text[2], seen.text[3]);
  ck_assert_msg(seen.ok[3],
                "expected bob's next line to be carol's \"<carol> hi bob\" (a sender "
                "does not get its own message back), got \"%s\"",
                seen.text[4]);
  ck_assert_msg(seen.ok[4], "expected alice to get \"<carol> hi bob\" too, got \"%s\"",
                seen.text[5]);
  ck_assert_msg(seen.counts[0] == IN_ORDER,
                "expected carol to get alice's %d lines in the order sent, %zu came in order "
                "(last seen: \"%s\")",
                IN_ORDER, seen.counts[0], seen.text[6]);
  ck_assert_msg(seen.ok[5], "expected a line relayed exactly as sent, got \"%s\"", seen.text[7]);
  ck_assert_msg(seen.ok[6],
                "expected a client that had not joined to get no messages: its first "
                "line after joining should be its welcome, it was \"%s\"",
                seen.text[8]);
  EXPECT_STOPPED();
}
END_TEST

static void private_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "127.0.0.1", 256, 64, 5000)) {
    ac_stream_t *m[3] = {member("127.0.0.1", "alice"), member("127.0.0.1", "bob"), NULL};
    next_is(m[0], 15, "* bob joined");
    m[2] = member("127.0.0.1", "carol");
    next_is(m[0], 15, "* carol joined");
    next_is(m[1], 15, "* carol joined");

    send_str(m[0], "/msg carol psst carol\n");
    seen.ok[0] = next_is(m[2], 0, "*alice* psst carol");
    send_str(m[0], "/msg nobody hello\n");
    seen.ok[1] = next_is(m[0], 1, "! no such nick nobody");
    send_str(m[0], "/msg carol\n");
    seen.ok[2] = next_is(m[0], 2, "! usage: /msg NICK TEXT");
    send_str(m[0], "/dance\n");
    seen.ok[3] = next_is(m[0], 3, "! unknown command");
    /* Bob got none of it: his next line is the next public message. */
    send_str(m[2], "public again\n");
    seen.ok[4] = next_is(m[1], 4, "<carol> public again");
    close_all(m, 3);
  }
}

START_TEST(private_messages_and_commands)
{
  RUN_TEST(private_main, NULL);
  ck_assert_msg(seen.ok[0],
                "expected carol to get \"*alice* psst carol\" from \"/msg carol psst "
                "carol\", got \"%s\"",
                seen.text[0]);
  ck_assert_msg(seen.ok[1], "expected \"! no such nick nobody\", got \"%s\"", seen.text[1]);
  ck_assert_msg(seen.ok[2], "expected \"! usage: /msg NICK TEXT\" for \"/msg carol\", got \"%s\"",
                seen.text[2]);
  ck_assert_msg(seen.ok[3], "expected \"! unknown command\" for \"/dance\", got \"%s\"",
                seen.text[3]);
  ck_assert_msg(seen.ok[4],
                "expected bob to see none of the private message or the errors: his "
                "next line should be \"<carol> public again\", it was \"%s\"",
                seen.text[4]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- leaving -------------------------------------------------------------------------------- */

static void leave_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "127.0.0.1", 256, 64, 5000)) {
    ac_stream_t *watcher = member("127.0.0.1", "watcher");
    ac_stream_t *quitter = member("127.0.0.1", "quitter");
    next_is(watcher, 15, "* quitter joined");
    send_str(quitter, "/quit\n");
    seen.ok[0] = next_is(quitter, 0, "* bye");
    seen.ok[1] = ended_within(quitter, REPLY_MS);
    seen.ok[2] = next_is(watcher, 1, "* quitter left");

    ac_stream_t *ender = member("127.0.0.1", "ender");
    next_is(watcher, 15, "* ender joined");
    ac_stream_write(ender, "half a li", 9);
    ac_stream_write_eof(ender); /* gone in the middle of a line */
    seen.ok[3] = next_is(watcher, 2, "* ender left");

    int fd = raw_client(server.base.port, 0);
    raw_send(fd, "resetter\n");
    seen.ok[4] = next_is(watcher, 3, "* resetter joined");
    if (fd >= 0)
      raw_reset(fd);
    seen.ok[5] = next_is(watcher, 4, "* resetter left");
    WAIT_UNTIL(server.stats.clients == 1, 1000);
    seen.counts[0] = server.stats.clients;
    seen.counts[1] = server.stats.members;
    client_close(ender);
    client_close(quitter);
    client_close(watcher);
  }
}

START_TEST(leaving_is_announced)
{
  RUN_TEST(leave_main, NULL);
  ck_assert_msg(seen.ok[0] && seen.ok[1],
                "expected \"/quit\" to be answered \"* bye\" (got \"%s\") "
                "and the connection closed",
                seen.text[0]);
  ck_assert_msg(seen.ok[2], "expected the others to get \"* quitter left\", got \"%s\"",
                seen.text[1]);
  ck_assert_msg(seen.ok[3],
                "expected \"* ender left\" when a client ends its stream in the middle "
                "of a line, got \"%s\"",
                seen.text[2]);
  ck_assert_msg(seen.ok[4] && seen.ok[5],
                "expected \"* resetter joined\" and then \"* resetter left\" when it reset its "
                "connection, got \"%s\" and \"%s\"",
                seen.text[3], seen.text[4]);
  ck_assert_msg(seen.counts[0] == 1 && seen.counts[1] == 1,
                "expected 1 client and 1 member left (the watcher), stats said %zu and %zu",
                seen.counts[0], seen.counts[1]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- the slow client ---------------------------------------------------------------------- */

#define SENDERS 3
#define BIG_LINE 4000      /* bytes per flooded line, its '\n' included */
#define PER_SENDER 1500    /* lines each sender floods with, per phase */
#define BATCH 10           /* lines per write */
#define FLOOD_MS 8000      /* the longest a phase may take */
#define SLOW_QUEUE 64      /* lines queued per client */
#define HEAP_BOUND_MIB 8.0 /* growth of the heap while 18 MB go to a client that reads nothing */

/* A fast client: it reads everything it gets, and a sender also sends as
 * fast as the observer receives: a batch, then the next once the observer
 * has it (more would flood the readers, which share this process's one
 * thread with the server). The observer notes the latency of each line
 * (its send time is in it). */
typedef struct fast fast_t;
struct fast {
  ac_stream_t *stream;
  int id;               /* its sender number, or -1 for the observer */
  int phase;            /* lines of which phase to count */
  size_t got;           /* flooded lines of this phase received */
  size_t sent;          /* lines of this phase sent */
  ac_event_t *acked;    /* a sender's: set when the observer has all it sent */
  fast_t *senders;      /* the observer's: whom to tell */
  size_t from[SENDERS]; /* the observer's: lines received from each sender */
  double max_ms;        /* the worst latency seen */
  double *lat;          /* the latencies seen (observer only) */
  size_t lat_n, lat_cap;
  bool saw_drop; /* "* slow left (too slow)" came */
  bool failed;
};

static char flood_line[BIG_LINE + 64];

/* Make line SEQ of sender ID for PHASE, stamped now. */
static size_t make_line(int id, int phase, int seq)
{
  int n = snprintf(flood_line, sizeof flood_line, "F %d %d %d %.3f ", phase, id, seq,
                   ac_loop_time_precise());
  memset(flood_line + n, 'x', (size_t)(BIG_LINE - 1 - n));
  flood_line[BIG_LINE - 1] = '\n';
  return BIG_LINE;
}

static int fast_reader(void *arg, void **result)
{
  fast_t *f = arg;
  char buf[BIG_LINE + 256];

  (void)result;
  for (;;) {
    ssize_t n = read_line_for(f->stream, buf, sizeof buf, FLOOD_MS);
    if (n <= 0) {
      f->failed = n != 0 && n != -ECANCELED;
      return 0;
    }
    int phase, id, seq;
    double stamp;
    char nick[32];
    if (sscanf(buf, "<%31[^>]> F %d %d %d %lf", nick, &phase, &id, &seq, &stamp) == 5) {
      if (phase != f->phase)
        continue;
      double ms = ac_loop_time_precise() - stamp;
      f->got++;
      if (ms > f->max_ms)
        f->max_ms = ms;
      if (f->lat && f->lat_n < f->lat_cap)
        f->lat[f->lat_n++] = ms;
      if (f->senders && id >= 0 && id < SENDERS) {
        fast_t *s = &f->senders[id];
        if (++f->from[id] >= s->sent && s->acked)
          ac_event_set(s->acked);
      }
    } else if (strcmp(buf, "* slow left (too slow)\n") == 0) {
      f->saw_drop = true;
    }
  }
}

static int fast_sender(void *arg, void **result)
{
  fast_t *f = arg;
  char batch[BATCH * BIG_LINE];

  (void)result;
  for (int seq = 0; seq < PER_SENDER; seq += BATCH) {
    for (int i = 0; i < BATCH; i++) {
      make_line(f->id, f->phase, seq + i);
      memcpy(batch + i * BIG_LINE, flood_line, BIG_LINE);
    }
    ac_event_clear(f->acked);
    f->sent += BATCH;
    int rc = send_text(f->stream, batch, sizeof batch);
    if (rc == 0)
      rc = ac_event_wait_for(f->acked, FLOOD_MS);
    if (rc < 0) {
      f->failed = rc != -ECANCELED;
      return 0;
    }
  }
  return 0;
}

static int compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double p99(fast_t *f)
{
  if (f->lat_n == 0)
    return 1e9;
  qsort(f->lat, f->lat_n, sizeof *f->lat, compare_double);
  return f->lat[(f->lat_n * 99) / 100];
}

typedef struct {
  size_t expected, got; /* flooded lines the observer should get, and got */
  double p99_ms, max_ms;
  double heap_peak; /* MiB over the heap before the phase */
  bool saw_drop;
  bool send_failed;
  double ms; /* how long the phase took */
} phase_t;

/* Flood from SENDERS clients (each reading the others' lines too) while
 * an observer measures; the heap is sampled every 10 ms. */
static void flood(fast_t *fast, fast_t *observer, int phase, phase_t *out)
{
  ac_task_t *readers[SENDERS + 1], *senders[SENDERS];
  double base = heap_mib(), start = ac_loop_time_precise();

  observer->senders = fast;
  for (int i = 0; i <= SENDERS; i++) {
    fast_t *f = i < SENDERS ? &fast[i] : observer;
    f->phase = phase;
    f->got = f->sent = 0;
    f->max_ms = 0;
    f->lat_n = 0;
    f->failed = false;
    if (i < SENDERS) {
      observer->from[i] = 0;
      if (!f->acked)
        ac_event_create(&f->acked);
    }
    ac_task_create(&readers[i], fast_reader, f);
  }
  for (int i = 0; i < SENDERS; i++)
    ac_task_create(&senders[i], fast_sender, &fast[i]);
  size_t want = (size_t)SENDERS * PER_SENDER;
  out->heap_peak = 0;
  while (observer->got < want && ac_loop_time_precise() - start < FLOOD_MS) {
    double h = heap_mib() - base;
    if (h > out->heap_peak)
      out->heap_peak = h;
    ac_task_sleep(10);
  }
  out->ms = ac_loop_time_precise() - start;
  ac_future_wait_for((ac_future_t *const *)senders, SENDERS, AC_WAIT_ALL_COMPLETED, 1000);
  for (int i = 0; i <= SENDERS; i++) {
    ac_future_cancel(readers[i]);
    ac_future_wait_for(&readers[i], 1, AC_WAIT_ALL_COMPLETED, 1000);
    ac_future_release(readers[i]);
  }
  out->send_failed = false;
  for (int i = 0; i < SENDERS; i++) {
    ac_future_cancel(senders[i]);
    ac_future_wait_for(&senders[i], 1, AC_WAIT_ALL_COMPLETED, 1000);
    ac_future_release(senders[i]);
    out->send_failed |= fast[i].failed;
  }
  out->expected = want;
  out->got = observer->got;
  out->p99_ms = p99(observer);
  out->max_ms = observer->max_ms;
  out->saw_drop = observer->saw_drop;
}

static phase_t before, during;
static size_t dropped_stat, clients_after;

static void slow_main(void *arg)
{
  fast_t fast[SENDERS] = {{0}}, observer = {.id = -1};
  static double latencies[SENDERS * PER_SENDER];
  char nick[16];

  (void)arg;
  before = during = (phase_t){0};
  observer.lat = latencies;
  observer.lat_cap = SENDERS * PER_SENDER;
  if (server_start(&server, "127.0.0.1", BIG_LINE + 64, SLOW_QUEUE, 20000)) {
    observer.stream = member("127.0.0.1", "observer");
    for (int i = 0; i < SENDERS; i++) {
      snprintf(nick, sizeof nick, "sender%d", i);
      fast[i] = (fast_t){.stream = member("127.0.0.1", nick), .id = i};
    }
    seen.ok[0] = observer.stream && fast[0].stream && fast[1].stream && fast[2].stream;
    if (seen.ok[0]) {
      flood(fast, &observer, 1, &before); /* everyone reads */
      /* A client joins and never reads again: a raw socket with a tiny
       * receive buffer, so its buffers fill quickly. */
      int slow = raw_client(server.base.port, 4096);
      raw_send(slow, "slow\n");
      WAIT_UNTIL(server.stats.members == SENDERS + 2, 1000);
      seen.ok[1] = server.stats.members == SENDERS + 2;
      flood(fast, &observer, 2, &during);
      dropped_stat = server.stats.dropped;
      if (slow >= 0)
        close(slow);
    }
    close_all(&observer.stream, 1);
    for (int i = 0; i < SENDERS; i++) {
      close_all(&fast[i].stream, 1);
      if (fast[i].acked)
        ac_event_close(fast[i].acked);
    }
    WAIT_UNTIL(server.stats.clients == 0, 2000);
    clients_after = server.stats.clients;
  }
}

START_TEST(slow_client_slows_nobody)
{
  RUN_TEST(slow_main, NULL);
  ck_assert_msg(seen.ok[0], "expected an observer and %d senders to join", SENDERS);
  ck_assert_msg(before.got == before.expected && !before.send_failed,
                "expected the observer to get all %zu lines while every client reads (no slow "
                "client yet), it got %zu in %.0f ms%s",
                before.expected, before.got, before.ms,
                before.send_failed ? "; a sender's writes were stuck for 8 s" : "");
  ck_assert_msg(seen.ok[1], "expected the slow client to join");
  ck_assert_msg(during.got == during.expected && !during.send_failed,
                "expected the observer to get all %zu lines while a client that reads nothing is "
                "in the room, it got %zu in %.0f ms%s (does a send wait for the slow client?)",
                during.expected, during.got, during.ms,
                during.send_failed ? "; a sender's writes were stuck for 8 s" : "");
  ck_assert_msg(during.p99_ms <= 4 * before.p99_ms + 500,
                "expected the slow client not to slow the others: the 99th percentile latency of "
                "a line was %.1f ms without it and %.1f ms with it (the bound: 4x + 500 ms)",
                before.p99_ms, during.p99_ms);
  ck_assert_msg(during.heap_peak < HEAP_BOUND_MIB,
                "expected the heap to stay bounded while %.0f MiB went to a client that reads "
                "nothing: it grew by %.1f MiB (is the queue of lines per client bounded?)",
                (double)during.expected * BIG_LINE / 1048576.0, during.heap_peak);
  ck_assert_msg(clients_after == 0, "expected no client left once all had closed, stats said %zu",
                clients_after);
  EXPECT_STOPPED();
}
END_TEST

static void dropped_main(void *arg)
{
  fast_t sender = {.id = 0}, observer = {.id = -1, .senders = &sender};

  (void)arg;
  if (server_start(&server, "127.0.0.1", BIG_LINE + 64, 16, 20000)) {
    observer.stream = member("127.0.0.1", "observer");
    sender.stream = member("127.0.0.1", "sender0");
    int slow = raw_client(server.base.port, 4096);
    raw_send(slow, "slow\n");
    seen.ok[0] = next_is(observer.stream, 0, "* sender0 joined") &&
                 next_is(observer.stream, 1, "* slow joined");
    next_is(sender.stream, 15, "* slow joined");
    ac_task_t *tasks[3];
    sender.phase = observer.phase = 1;
    ac_event_create(&sender.acked);
    ac_task_create(&tasks[0], fast_reader, &observer);
    ac_task_create(&tasks[1], fast_reader, &sender);
    ac_task_create(&tasks[2], fast_sender, &sender);
    WAIT_UNTIL(observer.saw_drop, FLOOD_MS);
    seen.ok[1] = observer.saw_drop;
    seen.counts[0] = server.stats.dropped;
    WAIT_UNTIL(server.stats.members == 2, 1000);
    seen.counts[1] = server.stats.members;
    /* The slow client's connection was closed: reading what is left in
     * its receive buffer ends with the end of the stream or a reset. */
    bool ended = false;
    static char drain[65536];
    for (double end = ac_loop_time_precise() + 3000;
         slow >= 0 && !ended && ac_loop_time_precise() < end;) {
      ssize_t n = recv(slow, drain, sizeof drain, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno == ECONNRESET))
        ended = true;
      else if (n < 0)
        ac_task_sleep(5);
    }
    seen.ok[2] = ended;
    for (int i = 0; i < 3; i++) {
      ac_future_cancel(tasks[i]);
      ac_future_wait_for(&tasks[i], 1, AC_WAIT_ALL_COMPLETED, 1000);
      ac_future_release(tasks[i]);
    }
    if (slow >= 0)
      close(slow);
    ac_event_close(sender.acked);
    close_all(&observer.stream, 1);
    close_all(&sender.stream, 1);
  }
}

START_TEST(slow_client_is_dropped)
{
  RUN_TEST(dropped_main, NULL);
  ck_assert_msg(seen.ok[0],
                "expected the observer to see the sender and the slow client join, got "
                "\"%s\" and \"%s\"",
                seen.text[0], seen.text[1]);
  ck_assert_msg(seen.ok[1],
                "expected \"* slow left (too slow)\" once the slow client's queue "
                "(16 lines) was full, it had not come after %d ms of flooding",
                FLOOD_MS);
  ck_assert_msg(seen.counts[0] == 1, "expected stats.dropped == 1, it was %zu", seen.counts[0]);
  ck_assert_msg(seen.counts[1] == 2, "expected 2 members left after the drop, stats said %zu",
                seen.counts[1]);
  ck_assert_msg(seen.ok[2], "expected the slow client's connection closed by the server once it "
                            "was dropped");
  EXPECT_STOPPED();
}
END_TEST

/* ---- limits ---------------------------------------------------------------------------------- */

static void idle_main(void *arg)
{
  char line[32];

  (void)arg;
  if (server_start(&server, "127.0.0.1", 256, 16, 300)) {
    ac_stream_t *silent = dial("127.0.0.1", server.base.port);
    ac_stream_t *chatty = member("127.0.0.1", "chatty");
    ac_stream_t *lurker = member("127.0.0.1", "lurker"); /* joins, then says nothing */
    double start = ac_loop_time_precise();
    /* The chatty client sends a line every 100 ms for 800 ms: it never
     * waits 300 ms, so it stays. */
    for (int i = 0; i < 8; i++) {
      snprintf(line, sizeof line, "tick %d\n", i);
      send_str(chatty, line);
      ac_task_sleep(100);
    }
    seen.ok[0] = next_is(silent, 0, "! idle timeout");
    seen.ok[1] = ended_within(silent, 500);
    seen.ok[2] = next_is(chatty, 1, "* lurker joined");
    seen.ok[3] = next_is(chatty, 2, "* lurker left");
    seen.ms[0] = ac_loop_time_precise() - start;
    seen.counts[0] = server.stats.members;
    /* The lurker got chatty's ticks, then its notice. */
    for (int i = 0; i < 10 && next_is(lurker, 3, "! idle timeout") == false;)
      i = strncmp(seen.text[3], "<chatty> tick ", 14) == 0 ? i + 1 : 10;
    seen.ok[4] = strcmp(seen.text[3], "! idle timeout") == 0;
    client_close(silent);
    client_close(chatty);
    client_close(lurker);
  }
}

START_TEST(idle_client_is_timed_out)
{
  RUN_TEST(idle_main, NULL);
  ck_assert_msg(seen.ok[0],
                "expected a client silent for the idle timeout (300 ms) to get \"! "
                "idle timeout\", got \"%s\"",
                seen.text[0]);
  ck_assert_msg(seen.ok[1], "expected the idle client's connection closed after the message");
  ck_assert_msg(seen.ok[2] && seen.ok[3],
                "expected the chatty client (a line every 100 ms) to stay, and to see the lurker "
                "join and then leave; it got \"%s\" and \"%s\"",
                seen.text[1], seen.text[2]);
  ck_assert_msg(seen.counts[0] == 1,
                "expected only the chatty member left after 800 ms, stats said %zu members",
                seen.counts[0]);
  ck_assert_msg(seen.ok[4], "expected the lurker to get \"! idle timeout\", got \"%s\"",
                seen.text[3]);
  EXPECT_STOPPED();
}
END_TEST

static char long_line[20000];

static void long_main(void *arg)
{
  char exact[65];

  (void)arg;
  if (server_start(&server, "::1", 64, 16, 5000)) {
    ac_stream_t *watcher = member("::1", "watcher");
    ac_stream_t *talker = member("::1", "talker");
    next_is(watcher, 15, "* talker joined");
    memset(exact, 'y', 63);
    exact[63] = '\n';
    exact[64] = '\0';
    send_str(talker, exact); /* exactly max_line, its '\n' included */
    char want[80];
    snprintf(want, sizeof want, "<talker> %.63s", exact);
    seen.ok[0] = next_is(watcher, 0, want);
    memset(long_line, 'z', sizeof long_line - 2);
    long_line[sizeof long_line - 2] = '\n';
    send_str(talker, long_line);
    seen.ok[1] = next_is(talker, 1, "! line too long");
    seen.ok[2] = ended_within(talker, REPLY_MS);
    seen.ok[3] = next_is(watcher, 2, "* talker left");
    client_close(talker);
    client_close(watcher);
  }
}

START_TEST(long_line_is_refused)
{
  RUN_TEST(long_main, NULL);
  ck_assert_msg(seen.ok[0],
                "expected a line of exactly max_line = 64 bytes, its '\\n' included, "
                "to be relayed, got \"%s\"",
                seen.text[0]);
  ck_assert_msg(seen.ok[1], "expected \"! line too long\" for a line of 20,000 bytes, got \"%s\"",
                seen.text[1]);
  ck_assert_msg(seen.ok[2], "expected the connection closed after \"! line too long\"");
  ck_assert_msg(seen.ok[3], "expected the others to get \"* talker left\", got \"%s\"",
                seen.text[2]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- shutting down
 * ------------------------------------------------------------------------------- */

#define STUCK_LINES 1500 /* 6 MB: more than a connection's buffers hold */

/* Read one line of any length up to BIG_LINE + 255; 1 if one came. */
static int skip_line(ac_stream_t *c)
{
  char buf[BIG_LINE + 256];
  return read_line_for(c, buf, sizeof buf, REPLY_MS) > 0;
}

static void shutdown_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "127.0.0.1", BIG_LINE + 64, 4096, 20000)) {
    int port = server.base.port;
    ac_stream_t *c[3] = {member("127.0.0.1", "alice"), member("127.0.0.1", "bob"),
                         dial("127.0.0.1", port)}; /* the third never joins */
    next_is(c[0], 15, "* bob joined");
    /* A client that stops reading, with more sent to it than its
     * connection holds (the kernel's buffers, the stream's), but not so
     * much that its queue (4096 lines) fills: its writer is stuck. */
    int stuck = raw_client(port, 4096);
    raw_send(stuck, "stuck\n");
    next_is(c[0], 15, "* stuck joined");
    next_is(c[1], 15, "* stuck joined");
    for (int i = 0; i < STUCK_LINES; i += BATCH) {
      char batch[BATCH * BIG_LINE];
      for (int j = 0; j < BATCH; j++) {
        make_line(0, 0, i + j);
        memcpy(batch + j * BIG_LINE, flood_line, BIG_LINE);
      }
      if (send_text_for(c[1], batch, sizeof batch, REPLY_MS) < 0)
        break; /* the server does not read bob: it is waiting for someone */
      for (int j = 0; j < BATCH; j++)
        seen.counts[4] += skip_line(c[0]);
    }
    WAIT_UNTIL(server.stats.clients == 4, 1000);
    seen.counts[0] = server.stats.clients;
    seen.ok[0] = signal_caught(SIGTERM);
    if (seen.ok[0]) {
      double start = ac_loop_time_precise();
      kill(getpid(), SIGTERM);
      int told = 0, ended = 0;
      for (int i = 0; i < 3; i++) {
        told += next_is(c[i], 1 + i, "* server shutting down");
        ended += ended_within(c[i], REPLY_MS);
      }
      seen.counts[1] = (size_t)told;
      seen.counts[2] = (size_t)ended;
      seen.ok[1] = server_wait(&server.base);
      seen.ms[0] = server.base.returned_at - start;
      seen.counts[3] = server.stats.clients;
      ac_stream_t *late = dial("127.0.0.1", port);
      seen.ok[2] = late == NULL; /* refused: nobody listens any more */
      client_close(late);
      seen.ok[3] = signals_given_back();
    }
    if (stuck >= 0)
      close(stuck);
    close_all(c, 3);
  }
}

START_TEST(sigterm_tells_everyone)
{
  RUN_TEST(shutdown_main, NULL);
  ck_assert_msg(seen.counts[4] == STUCK_LINES,
                "expected alice to get bob's %d lines before the signal, %zu came", STUCK_LINES,
                seen.counts[4]);
  ck_assert_msg(seen.counts[0] == 4,
                "expected 4 clients connected before the signal, stats said %zu", seen.counts[0]);
  ck_assert_msg(seen.ok[0], "expected SIGTERM to be caught while the server runs "
                            "(ac_signal_create() before ready); the test did not send it, since it "
                            "would have ended the test");
  ck_assert_msg(seen.counts[1] == 3,
                "expected each of the 3 clients that read (2 members, 1 not joined) to get \"* "
                "server shutting down\", %zu did (alice got \"%s\", the third \"%s\")",
                seen.counts[1], seen.text[1], seen.text[3]);
  ck_assert_msg(seen.counts[2] == 3,
                "expected the connections closed after the notice, %zu of 3 were", seen.counts[2]);
  ck_assert_msg(seen.ok[1],
                "expected chat_server_run() to return after SIGTERM, it had not after "
                "%d ms (is a client that reads nothing waited for without end?)",
                server.base.stop_ms);
  ck_assert_msg(server.base.rc == SIGTERM,
                "expected chat_server_run() to return %d (SIGTERM), it returned %d", SIGTERM,
                server.base.rc);
  ck_assert_msg(seen.ms[0] < 3000,
                "expected the shutdown within about a second even with a client that reads "
                "nothing, it took %.0f ms",
                seen.ms[0]);
  ck_assert_msg(seen.counts[3] == 0,
                "expected every client gone when chat_server_run() returned, "
                "stats said %zu",
                seen.counts[3]);
  ck_assert_msg(seen.ok[2], "expected new connections refused once the server had returned");
  ck_assert_msg(seen.ok[3], "expected SIGINT and SIGTERM handled as before once the server had "
                            "returned (ac_signal_close())");
}
END_TEST

static void cancel_main(void *arg)
{
  (void)arg;
  if (server_start(&server, "::1", 256, 16, 10000)) {
    ac_stream_t *c = member("::1", "alice");
    seen.ok[0] = c != NULL;
    ac_future_cancel(server.base.task);
    seen.ok[1] = next_is(c, 0, "* server shutting down");
    seen.ok[2] = server_wait(&server.base);
    seen.ok[3] = signals_given_back();
    client_close(c);
  }
}

START_TEST(cancelled_caller_shuts_down)
{
  RUN_TEST(cancel_main, NULL);
  ck_assert_msg(seen.ok[0], "expected alice to join");
  ck_assert_msg(seen.ok[1],
                "expected \"* server shutting down\" when the server's task was "
                "cancelled, got \"%s\"",
                seen.text[0]);
  ck_assert_msg(seen.ok[2] && server.base.rc == -ECANCELED,
                "expected chat_server_run() to return -ECANCELED when cancelled, it %s %d (%s)",
                seen.ok[2] ? "returned" : "had not returned;", server.base.rc,
                ac_error_message(server.base.rc));
  ck_assert_msg(seen.ok[3], "expected SIGINT and SIGTERM given back after a cancellation too");
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, nicknames_are_checked);
  GRADE_ADD(s, messages_reach_everyone_else);
  GRADE_ADD(s, private_messages_and_commands);
  GRADE_ADD(s, leaving_is_announced);
  GRADE_ADD(s, slow_client_slows_nobody);
  GRADE_ADD(s, slow_client_is_dropped);
  GRADE_ADD(s, idle_client_is_timed_out);
  GRADE_ADD(s, long_line_is_refused);
  GRADE_ADD(s, sigterm_tells_everyone);
  GRADE_ADD(s, cancelled_caller_shuts_down);
}

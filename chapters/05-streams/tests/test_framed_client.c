/* test_framed_client.c - tests of chapter 05, exercise 2: a framed client
 * with request deadlines and reconnection with backoff.
 *
 * Every test runs as the main task of ac_loop_run(), with the server in the
 * test: a real TCP server on 127.0.0.1 or ::1, on the runtime, that reads
 * request frames and answers as the payload asks ("echo ...", a reply in
 * pieces, a late reply, none at all, a reply too long or cut short). It
 * records what came: connections, requests, the raw length bytes. The
 * test's server is stopped before the body returns, and the loop closes
 * whatever a failed test left.
 *
 * Every call into the exercise runs in a task of its own under a watchdog,
 * so a request that never returns fails its test with a message instead of
 * running into the grader's time limit. ac_stream_connect() is wrapped (see
 * chapter.toml): the test sees when each connection attempt starts and
 * ends, and what it returned.
 */
#include <check.h>

#include <ac.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "framed_client.h"
#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"

#define WATCHDOG_MS 3000
#define PEER_MAX_FRAME (1024 * 1024) /* the test's server refuses longer requests */
#define LOG_MAX 32

/* ---- connection attempts, seen through the wrap ------------------------- */

int __real_ac_stream_connect(ac_stream_t **stream, const char *host, int port);

typedef struct {
  double start, end; /* ac_loop_time_precise() around the attempt */
  int rc;
} attempt_t;

#define ATTEMPTS_MAX 64
static attempt_t attempts[ATTEMPTS_MAX];
static int n_attempts;

int __wrap_ac_stream_connect(ac_stream_t **stream, const char *host, int port)
{
  double start = ac_loop_time_precise();
  int rc = __real_ac_stream_connect(stream, host, port);
  if (n_attempts < ATTEMPTS_MAX)
    attempts[n_attempts] = (attempt_t){start, ac_loop_time_precise(), rc};
  n_attempts++;
  return rc;
}

/* ---- the test's server --------------------------------------------------- */

typedef struct {
  ac_server_t *server;
  const char *host;
  int port;
  int start_rc;                 /* of the last ac_server_start() */
  int accepted;                 /* connections */
  int requests;                 /* request frames read whole */
  int bad_headers;              /* requests whose length was over PEER_MAX_FRAME */
  unsigned char last_header[4]; /* the raw length bytes of the last request */
  char log[LOG_MAX][64];        /* the first bytes of each request */
} peer_t;

static peer_t peer;

static int reply(ac_stream_t *s, const char *payload, size_t len)
{
  uint32_t header = htonl((uint32_t)len);
  int rc = ac_stream_write(s, &header, sizeof header);
  return rc < 0 ? rc : send_text(s, payload, len);
}

/* The reply cut into pieces 60 ms apart: the length as 1 + 3 bytes, the
 * payload in three parts. */
static int reply_in_pieces(ac_stream_t *s, const char *payload, size_t len)
{
  uint32_t header = htonl((uint32_t)len);
  const char *h = (const char *)&header;
  size_t third = len / 3;
  struct {
    const char *at;
    size_t n;
  } piece[] = {{h, 1},
               {h + 1, 3},
               {payload, third},
               {payload + third, third},
               {payload + 2 * third, len - 2 * third}};
  for (size_t i = 0; i < sizeof piece / sizeof piece[0]; i++) {
    int rc = send_text(s, piece[i].at, piece[i].n);
    if (rc == 0 && i + 1 < sizeof piece / sizeof piece[0])
      rc = ac_task_sleep(60);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* Read until the client hangs up: a server that never answers. */
static int hold(ac_stream_t *s)
{
  char buf[4096];
  ssize_t n;
  while ((n = ac_stream_read(s, buf, sizeof buf)) > 0) {
  }
  return n < 0 ? (int)n : 0;
}

/* Answer one request as its payload asks. Returns 1 to go on, 0 to end the
 * connection, or an error. */
static int answer(ac_stream_t *s, char *p, size_t len)
{
  if (strncmp(p, "split", 5) == 0)
    return reply_in_pieces(s, p, len) < 0 ? 0 : 1;
  if (strncmp(p, "late ", 5) == 0) {
    int rc = ac_task_sleep(atoi(p + 5));
    return rc < 0 || reply(s, p, len) < 0 ? 0 : 1;
  }
  if (strcmp(p, "stall") == 0)
    return hold(s), 0;
  if (strcmp(p, "quit") == 0)
    return 0;
  if (strcmp(p, "huge") == 0) {
    uint32_t header = htonl(0x7fffffffu);
    send_text(s, &header, sizeof header);
    send_text(s, "garbage", 7);
    return hold(s), 0;
  }
  if (strcmp(p, "cut") == 0) {
    uint32_t header = htonl(100);
    send_text(s, &header, sizeof header);
    send_text(s, "only ten b", 10);
    return 0;
  }
  return reply(s, p, len) < 0 ? 0 : 1; /* anything else: echo */
}

static int peer_handler(ac_stream_t *s, void *arg)
{
  peer_t *pr = arg;
  int go_on = 1;

  pr->accepted++;
  while (go_on == 1) {
    uint32_t header;
    if (ac_stream_readexactly(s, &header, sizeof header, NULL) < 0)
      return 0;
    memcpy(pr->last_header, &header, 4);
    uint32_t len = ntohl(header);
    if (len > PEER_MAX_FRAME) {
      pr->bad_headers++;
      return 0;
    }
    char *p = malloc(len + 1);
    if (!p)
      return -ENOMEM;
    if (ac_stream_readexactly(s, p, len, NULL) < 0) {
      free(p);
      return 0;
    }
    p[len] = '\0';
    if (pr->requests < LOG_MAX)
      snprintf(pr->log[pr->requests], sizeof pr->log[0], "%s", p);
    pr->requests++;
    go_on = answer(s, p, len);
    free(p);
  }
  return 0;
}

/* Start the server on HOST (port 0: a free one; else that port again). */
static int peer_start(const char *host, int port)
{
  peer.host = host;
  peer.start_rc = ac_server_start(&peer.server, host, port, peer_handler, &peer);
  if (peer.start_rc == 0)
    peer.port = ac_server_port(peer.server);
  return peer.start_rc;
}

static void peer_stop(void)
{
  if (peer.server)
    ac_server_close(peer.server, 0);
  peer.server = NULL;
}

/* ---- calling the exercise under a watchdog ------------------------------- */

typedef struct {
  framed_client_t *client;
  const char *request; /* a string; its length is sent, no NUL */
  size_t size;         /* room for the reply */
  char reply[2048];
  ssize_t rc;
  double elapsed; /* ms in framed_client_request() */
  int hung;       /* had not returned after WATCHDOG_MS */
} call_t;

static int request_task(void *arg, void **result)
{
  call_t *c = arg;

  (void)result;
  double start = ac_loop_time_precise();
  c->rc = framed_client_request(c->client, c->request, strlen(c->request), c->reply, c->size);
  c->elapsed = ac_loop_time_precise() - start;
  if (c->rc >= 0 && (size_t)c->rc < sizeof c->reply)
    c->reply[c->rc] = '\0';
  return 0;
}

/* Wait for T, at most WATCHDOG_MS; if it has not finished, cancel it and
 * give it one more second. 1 if it had to be cancelled. */
static int wait_or_cancel(ac_task_t *t)
{
  int hung =
      ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, WATCHDOG_MS) == 0;
  if (hung) {
    ac_future_cancel(t);
    ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, 1000);
  }
  ac_future_release(t);
  return hung;
}

/* Start one request in a task of its own; the task, or NULL if it could
 * not be made. */
static ac_task_t *call_start(call_t *c, framed_client_t *client, const char *request)
{
  ac_task_t *t;

  *c = (call_t){.client = client, .request = request, .size = 1024, .rc = -ENOSYS};
  if (ac_task_create(&t, request_task, c) < 0) {
    c->rc = -ENOMEM;
    return NULL;
  }
  return t;
}

/* One request, as a task of its own under the watchdog. */
static void call(call_t *c, framed_client_t *client, const char *request)
{
  ac_task_t *t = call_start(c, client, request);
  if (t)
    c->hung = wait_or_cancel(t);
}

static framed_client_opts_t opts_for(const char *host, int port)
{
  return (framed_client_opts_t){.host = host,
                                .port = port,
                                .request_timeout_ms = 2000,
                                .backoff_initial_ms = 20,
                                .backoff_max_ms = 160,
                                .max_attempts = 10};
}

/* A failure message with what came back. */
#define EXPECT_REPLY(c, want)                                                                  \
  do {                                                                                         \
    ck_assert_msg(!(c)->hung, "expected the request \"%s\" to return, it had not after %d ms", \
                  (c)->request, WATCHDOG_MS);                                                  \
    ck_assert_msg((c)->rc == (ssize_t)strlen(want),                                            \
                  "expected the request \"%s\" to return the reply's length %zu, it returned " \
                  "%zd (%s)",                                                                  \
                  (c)->request, strlen(want), (c)->rc, ac_error_message((int)(c)->rc));        \
    ck_assert_msg(memcmp((c)->reply, want, strlen(want)) == 0,                                 \
                  "expected the reply \"%s\" to the request \"%s\", got \"%.*s\"", want,       \
                  (c)->request, (int)(c)->rc, (c)->reply);                                     \
  } while (0)

#define EXPECT_RC(c, want)                                                                     \
  do {                                                                                         \
    ck_assert_msg(!(c)->hung, "expected the request \"%s\" to return, it had not after %d ms", \
                  (c)->request, WATCHDOG_MS);                                                  \
    ck_assert_msg((c)->rc == (want),                                                           \
                  "expected the request \"%s\" to return %d (%s), it returned "                \
                  "%zd (%s)",                                                                  \
                  (c)->request, (want), ac_error_message(want), (c)->rc,                       \
                  ac_error_message((int)(c)->rc));                                             \
  } while (0)

#define EXPECT_PEER_STARTED()                                                               \
  ck_assert_msg(peer.start_rc == 0, "the test's server did not start on %s: %s", peer.host, \
                ac_error_message(peer.start_rc))

/* Before each test: no server, no calls made, no attempts seen. */
static call_t calls[8];

static void fresh(void)
{
  peer = (peer_t){0};
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
    calls[i] = (call_t){.request = "(not made: did framed_client_create() fail?)", .rc = -ENOSYS};
  n_attempts = 0;
}

/* What most tests do: start the test's server on HOST, make a client of it,
 * make REQUESTS one after another (calls[0], [1]...), then the test's own
 * calls in MORE, and close the client and stop the server. */
typedef struct {
  const char *host;
  int64_t request_timeout_ms;       /* 0: opts_for()'s */
  const char *requests[6];          /* up to the first NULL */
  void (*more)(framed_client_t *c); /* or NULL */
} script_t;

static int script_main(void *arg, void **result)
{
  const script_t *sc = arg;
  framed_client_t *c;

  (void)result;
  if (peer_start(sc->host, 0) < 0)
    return 0;
  framed_client_opts_t o = opts_for(sc->host, peer.port);
  if (sc->request_timeout_ms)
    o.request_timeout_ms = sc->request_timeout_ms;
  if (framed_client_create(&c, &o) == 0) {
    for (int i = 0; i < 6 && sc->requests[i]; i++)
      call(&calls[i], c, sc->requests[i]);
    if (sc->more)
      sc->more(c);
    framed_client_close(c);
  }
  peer_stop();
  return 0;
}

/* Run BODY(ARG) as a test's body, from a fresh start, and check that the
 * test's server started. */
static void run_test(ac_task_fn body, const void *arg)
{
  fresh();
  grade_run(body, (void *)arg);
  EXPECT_PEER_STARTED();
}

#define RUN_SCRIPT(...) run_test(script_main, &(script_t){__VA_ARGS__})

/* ---- the tests ----------------------------------------------------------- */

static int bad_create_rc[7], bad_request_rc[3], bad_close_rc;

static int bad_main(void *arg, void **result)
{
  framed_client_t *c = NULL;
  framed_client_opts_t o = opts_for("127.0.0.1", 9);
  framed_client_opts_t no_host = o, port0 = o, no_timeout = o, no_backoff = o, cap_low = o,
                       no_attempts = o;

  (void)arg;
  (void)result;
  no_host.host = NULL;
  port0.port = 0;
  no_timeout.request_timeout_ms = 0;
  no_backoff.backoff_initial_ms = 0;
  cap_low.backoff_max_ms = o.backoff_initial_ms - 1;
  no_attempts.max_attempts = 0;
  bad_create_rc[0] = framed_client_create(NULL, &o);
  bad_create_rc[1] = framed_client_create(&c, NULL);
  bad_create_rc[2] = framed_client_create(&c, &no_host);
  bad_create_rc[3] = framed_client_create(&c, &port0);
  bad_create_rc[4] = framed_client_create(&c, &no_timeout);
  bad_create_rc[5] = framed_client_create(&c, &no_backoff);
  bad_create_rc[6] = framed_client_create(&c, &cap_low);
  int attempts_rc = framed_client_create(&c, &no_attempts);
  if (bad_create_rc[6] == -EINVAL)
    bad_create_rc[6] = attempts_rc;

  char reply[16];
  bad_request_rc[0] = (int)framed_client_request(NULL, "x", 1, reply, sizeof reply);
  bad_close_rc = framed_client_close(NULL);
  if (framed_client_create(&c, &o) == 0) {
    bad_request_rc[1] = (int)framed_client_request(c, NULL, 1, reply, sizeof reply);
    static char big[FRAMED_MAX_REQUEST + 1];
    bad_request_rc[2] = (int)framed_client_request(c, big, sizeof big, reply, sizeof reply);
    framed_client_close(c);
  } else {
    bad_request_rc[1] = bad_request_rc[2] = -ENOSYS;
  }
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *const what[] = {"a NULL client pointer",
                                     "NULL options",
                                     "a NULL host",
                                     "port 0",
                                     "a timeout of 0",
                                     "an initial backoff of 0",
                                     "a cap below the initial backoff, or 0 attempts"};
  fresh();
  grade_run(bad_main, NULL);
  for (int i = 0; i < 7; i++)
    ck_assert_msg(bad_create_rc[i] == -EINVAL,
                  "expected framed_client_create() to return -EINVAL for %s, got %d (%s)", what[i],
                  bad_create_rc[i], ac_error_message(bad_create_rc[i]));
  ck_assert_msg(bad_request_rc[0] == -EINVAL && bad_close_rc == -EINVAL,
                "expected -EINVAL from request and close with a NULL client, got %d and %d",
                bad_request_rc[0], bad_close_rc);
  ck_assert_msg(bad_request_rc[1] == -EINVAL,
                "expected -EINVAL for a NULL request with a length of 1, got %d (%s)",
                bad_request_rc[1], ac_error_message(bad_request_rc[1]));
  ck_assert_msg(bad_request_rc[2] == -EMSGSIZE,
                "expected -EMSGSIZE for a request over FRAMED_MAX_REQUEST, got %d (%s)",
                bad_request_rc[2], ac_error_message(bad_request_rc[2]));
  ck_assert_msg(n_attempts == 0,
                "expected no connection attempt for requests refused at once, there were %d",
                n_attempts);
}
END_TEST

/* Five requests to a server on HOST, on one client. */
static void check_round_trips(const char *host)
{
  RUN_SCRIPT(.host = host,
             .requests = {"echo one", "echo two, a little longer", "", "echo four", "echo five"});
  EXPECT_REPLY(&calls[0], "echo one");
  EXPECT_REPLY(&calls[1], "echo two, a little longer");
  EXPECT_REPLY(&calls[2], "");
  EXPECT_REPLY(&calls[3], "echo four");
  EXPECT_REPLY(&calls[4], "echo five");
  ck_assert_msg(peer.accepted == 1,
                "expected the five requests to %s to share one connection, the server accepted %d",
                host, peer.accepted);
}

START_TEST(round_trips_over_ipv4_and_ipv6)
{
  check_round_trips("127.0.0.1");
  check_round_trips("::1");
}
END_TEST

static char long_request[301];

START_TEST(lengths_are_big_endian)
{
  memset(long_request, 'x', 300);
  memcpy(long_request, "echo", 4); /* 300 = 0x0000012c */
  RUN_SCRIPT(.host = "127.0.0.1", .requests = {long_request});
  ck_assert_msg(peer.bad_headers == 0 && peer.requests == 1,
                "expected the server to read one request of 300 bytes; it read %d, and %d "
                "lengths over 1 MiB (bytes %02x %02x %02x %02x: is the length sent in host "
                "byte order? htonl() puts it in network order)",
                peer.requests, peer.bad_headers, peer.last_header[0], peer.last_header[1],
                peer.last_header[2], peer.last_header[3]);
  ck_assert_msg(memcmp(peer.last_header, "\x00\x00\x01\x2c", 4) == 0,
                "expected the length 300 as the bytes 00 00 01 2c, the server got %02x %02x %02x "
                "%02x",
                peer.last_header[0], peer.last_header[1], peer.last_header[2], peer.last_header[3]);
  EXPECT_REPLY(&calls[0], long_request);
}
END_TEST

START_TEST(reply_in_pieces_is_read_whole)
{
  RUN_SCRIPT(.host = "::1", .requests = {"split: this reply comes in five pieces",
                                         "echo and the next one is whole"});
  EXPECT_REPLY(&calls[0], "split: this reply comes in five pieces");
  ck_assert_msg(calls[0].elapsed >= 0.9 * 4 * 60,
                "expected the reply in pieces to take about 240 ms to arrive whole, the request "
                "returned after %.0f ms",
                calls[0].elapsed);
  EXPECT_REPLY(&calls[1], "echo and the next one is whole");
}
END_TEST

START_TEST(stalled_server_times_out)
{
  RUN_SCRIPT(.host = "127.0.0.1", .request_timeout_ms = 200,
             .requests = {"stall", "echo after the stall"});
  EXPECT_RC(&calls[0], -ETIMEDOUT);
  ck_assert_msg(calls[0].elapsed >= 0.9 * 200,
                "expected -ETIMEDOUT after the request timeout of 200 ms, it came after %.0f ms",
                calls[0].elapsed);
  ck_assert_msg(calls[0].elapsed < 1000,
                "expected -ETIMEDOUT soon after the request timeout of 200 ms, it came after "
                "%.0f ms",
                calls[0].elapsed);
  EXPECT_REPLY(&calls[1], "echo after the stall");
  ck_assert_msg(peer.accepted == 2,
                "expected a new connection after the timeout (2 in all), the server accepted %d",
                peer.accepted);
}
END_TEST

static void after_the_late_reply(framed_client_t *c)
{
  ac_task_sleep(300); /* the late reply has come by now, to whoever still listens */
  call(&calls[1], c, "echo the second request");
}

START_TEST(late_reply_is_not_taken_for_the_next)
{
  RUN_SCRIPT(.host = "127.0.0.1", .request_timeout_ms = 150, .requests = {"late 300"},
             .more = after_the_late_reply);
  EXPECT_RC(&calls[0], -ETIMEDOUT);
  ck_assert_msg(calls[0].elapsed >= 0.9 * 150,
                "expected -ETIMEDOUT after the request timeout of 150 ms, it came after %.0f ms",
                calls[0].elapsed);
  EXPECT_REPLY(&calls[1], "echo the second request");
}
END_TEST

START_TEST(bad_replies_fail_cleanly)
{
  RUN_SCRIPT(.host = "::1", .requests = {"huge", "echo after huge", "cut", "echo after cut"});
  EXPECT_RC(&calls[0], -EMSGSIZE);
  EXPECT_REPLY(&calls[1], "echo after huge");
  EXPECT_RC(&calls[2], -EPIPE);
  EXPECT_REPLY(&calls[3], "echo after cut");
  ck_assert_msg(peer.accepted == 3,
                "expected a new connection after each bad reply (3 in all), the server accepted "
                "%d",
                peer.accepted);
}
END_TEST

START_TEST(failed_request_is_not_sent_again)
{
  RUN_SCRIPT(.host = "127.0.0.1", .requests = {"quit", "echo next"});
  EXPECT_RC(&calls[0], -EPIPE);
  int quits = 0;
  for (int i = 0; i < peer.requests && i < LOG_MAX; i++)
    quits += strcmp(peer.log[i], "quit") == 0;
  ck_assert_msg(quits == 1,
                "expected the request the server hung up on to be sent once and never again "
                "(it may have been acted on), the server got it %d times",
                quits);
  EXPECT_REPLY(&calls[1], "echo next");
}
END_TEST

/* Stop the server, and start it again on the same port after 250 ms. */
static int restart_later(void *arg, void **result)
{
  (void)arg;
  (void)result;
  int rc = ac_task_sleep(250);
  if (rc == 0)
    peer_start(peer.host, peer.port);
  return rc;
}

/* After "echo before": the server goes away for 250 ms. */
static void across_a_restart(framed_client_t *c)
{
  ac_task_t *restarter;

  peer_stop();
  ac_task_sleep(50); /* the client sees its connection end */
  n_attempts = 0;
  if (ac_task_create(&restarter, restart_later, NULL) == 0) {
    call(&calls[1], c, "echo after the restart");
    wait_or_cancel(restarter);
  }
}

START_TEST(reconnects_after_the_server_restarts)
{
  RUN_SCRIPT(.host = "127.0.0.1", .requests = {"echo before"}, .more = across_a_restart);
  EXPECT_REPLY(&calls[0], "echo before");
  EXPECT_REPLY(&calls[1], "echo after the restart");
  ck_assert_msg(n_attempts >= 2 && attempts[0].rc == -ECONNREFUSED,
                "expected refused connection attempts while the server was away, then one that "
                "worked; there were %d attempts, the first returned %d (%s)",
                n_attempts, n_attempts ? attempts[0].rc : 0,
                ac_error_message(n_attempts ? attempts[0].rc : 0));
  ck_assert_msg(n_attempts <= 7,
                "expected at most 7 attempts while the server was away for 250 ms (retries after "
                "at least 10, 20, 40, 80, 80 ms: base/2 of a backoff from 20 ms), there were %d",
                n_attempts);
  ck_assert_msg(calls[1].elapsed >= 0.9 * 250,
                "expected the request to succeed once the server was back after 250 ms, it "
                "returned after %.0f ms",
                calls[1].elapsed);
  ck_assert_msg(calls[1].elapsed < 1500,
                "expected the request to succeed soon after the server came back at 250 ms (the "
                "backoff is capped at 160 ms), it took %.0f ms",
                calls[1].elapsed);
}
END_TEST

#define BACKOFF_ATTEMPTS 12

static int backoff_main(void *arg, void **result)
{
  framed_client_t *c;

  (void)arg;
  (void)result;
  if (peer_start("127.0.0.1", 0) < 0) /* a port nobody listens on once closed */
    return 0;
  int port = peer.port;
  peer_stop();
  framed_client_opts_t o = opts_for("127.0.0.1", port);
  o.backoff_initial_ms = 10;
  o.backoff_max_ms = 80;
  o.max_attempts = BACKOFF_ATTEMPTS;
  n_attempts = 0;
  if (framed_client_create(&c, &o) == 0) {
    call(&calls[0], c, "echo nobody there");
    framed_client_close(c);
  }
  return 0;
}

START_TEST(backoff_grows_is_capped_and_jittered)
{
  run_test(backoff_main, NULL);
  EXPECT_RC(&calls[0], -ECONNREFUSED);
  ck_assert_msg(n_attempts == BACKOFF_ATTEMPTS,
                "expected exactly max_attempts = %d connection attempts, then the last error; "
                "there were %d",
                BACKOFF_ATTEMPTS, n_attempts);
  int jittered = 0;
  for (int k = 1; k < BACKOFF_ATTEMPTS; k++) {
    double base = 10 << (k - 1);
    if (base > 80)
      base = 80;
    double gap = attempts[k].start - attempts[k - 1].end;
    ck_assert_msg(gap >= 0.9 * base / 2 - 1,
                  "expected retry %d after at least base/2 = %.0f ms (base = min(80, 10 * "
                  "2^%d)), it came after %.1f ms",
                  k, base / 2, k - 1, gap);
    ck_assert_msg(gap <= 2 * base + 100,
                  "expected retry %d after at most base = %.0f ms (capped at 80), it came after "
                  "%.0f ms",
                  k, base, gap);
    if (base == 80 && gap < 0.9 * 80)
      jittered = 1;
  }
  ck_assert_msg(jittered,
                "expected random delays between base/2 and base: of the eight retries at the cap "
                "of 80 ms, none came sooner than 72 ms (is there jitter?)");
}
END_TEST

/* Once connected, three requests made at once. */
static void three_at_once(framed_client_t *c)
{
  static const char *const requests[] = {"late 100 first", "late 100 second", "echo third"};
  ac_task_t *t[3];

  call(&calls[3], c, "echo connect first");
  for (int i = 0; i < 3; i++)
    t[i] = call_start(&calls[i], c, requests[i]);
  for (int i = 0; i < 3; i++)
    if (t[i])
      calls[i].hung = wait_or_cancel(t[i]);
}

START_TEST(concurrent_requests_take_turns)
{
  RUN_SCRIPT(.host = "127.0.0.1", .more = three_at_once);
  EXPECT_REPLY(&calls[0], "late 100 first");
  EXPECT_REPLY(&calls[1], "late 100 second");
  EXPECT_REPLY(&calls[2], "echo third");
  ck_assert_msg(peer.requests == 4 && strcmp(peer.log[1], "late 100 first") == 0 &&
                    strcmp(peer.log[2], "late 100 second") == 0,
                "expected the server to get the three requests in the order they were made, "
                "after the first; it got %d requests: \"%s\", \"%s\", \"%s\"...",
                peer.requests, peer.log[0], peer.log[1], peer.log[2]);
  ck_assert_msg(peer.accepted == 1,
                "expected the requests to take turns on the client's one connection, the server "
                "accepted %d connections",
                peer.accepted);
}
END_TEST

/* A request that waits for a reply, cancelled after 100 ms; then another. */
static void cancel_a_waiting_request(framed_client_t *c)
{
  ac_task_t *t = call_start(&calls[0], c, "stall");
  if (t) {
    ac_task_sleep(100);
    ac_future_cancel(t);
    calls[0].hung = wait_or_cancel(t);
  }
  call(&calls[1], c, "echo after the cancel");
}

START_TEST(cancelled_request_drops_the_connection)
{
  RUN_SCRIPT(.host = "::1", .request_timeout_ms = 1500, .more = cancel_a_waiting_request);
  EXPECT_RC(&calls[0], -ECANCELED);
  ck_assert_msg(calls[0].elapsed < 1000,
                "expected the cancelled request to return soon after the cancel at 100 ms, it "
                "took %.0f ms",
                calls[0].elapsed);
  EXPECT_REPLY(&calls[1], "echo after the cancel");
  ck_assert_msg(calls[1].elapsed < 1000,
                "expected the request after a cancelled one to be answered at once on a new "
                "connection, it took %.0f ms",
                calls[1].elapsed);
  ck_assert_msg(peer.accepted == 2,
                "expected a new connection after the cancelled request (2 in all), the server "
                "accepted %d",
                peer.accepted);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, round_trips_over_ipv4_and_ipv6);
  GRADE_ADD(s, lengths_are_big_endian);
  GRADE_ADD(s, reply_in_pieces_is_read_whole);
  GRADE_ADD(s, stalled_server_times_out);
  GRADE_ADD(s, late_reply_is_not_taken_for_the_next);
  GRADE_ADD(s, bad_replies_fail_cleanly);
  GRADE_ADD(s, failed_request_is_not_sent_again);
  GRADE_ADD(s, reconnects_after_the_server_restarts);
  GRADE_ADD(s, backoff_grows_is_capped_and_jittered);
  GRADE_ADD(s, concurrent_requests_take_turns);
  GRADE_ADD(s, cancelled_request_drops_the_connection);
}

/* test_http_server.c - tests of chapter 07, exercise 2: an HTTP/1.1 server
 * with keep-alive, pipelining, limits, timeouts and a graceful shutdown.
 *
 * Every test runs as the main task of ac_loop_run(). It runs
 * http_server_run() in a task of its own on 127.0.0.1 or ::1 with the
 * handler below, and talks to it with real clients: curl and Python's
 * http.client (run as the runtime's subprocesses), and raw connections on
 * the runtime's streams that send exactly the bytes a test needs
 * (pipelined, truncated, oversized, one byte at a time). The
 * shutdown test sends a real SIGTERM to the test's own process, after
 * checking that the server catches it. Every server is stopped before the
 * body returns, every wait is bounded, and what a test saw is checked once
 * its loop has ended.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"
#include "http_message.h"
#include "http_server.h"

#define REPLY_MS 3000 /* the longest a test waits for a response it expects */

/* ---- the handler the tests serve ------------------------------------------------- */

/* GET /hello: {"hello":"world"}; GET /seq?n=N: {"n":N}; GET /sleep?ms=N:
 * waits N ms, then {"slept":N}; POST /echo: {"method":...,"size":N};
 * GET /fail: the handler fails (500); anything else: 404. */
static int handler(void *ctx, const http_request_t *req, http_response_t *resp)
{
  long n = 0;

  (void)ctx;
  if (strcmp(req->path, "/hello") == 0)
    return http_response_json(resp, 200, json_pack("{s:s}", "hello", "world"));
  if (strcmp(req->path, "/seq") == 0 && http_request_query_long(req, "n", &n) == 1)
    return http_response_json(resp, 200, json_pack("{s:I}", "n", (json_int_t)n));
  if (strcmp(req->path, "/sleep") == 0 && http_request_query_long(req, "ms", &n) == 1) {
    int rc = ac_task_sleep(n);
    if (rc < 0)
      return rc;
    return http_response_json(resp, 200, json_pack("{s:I}", "slept", (json_int_t)n));
  }
  if (strcmp(req->path, "/echo") == 0)
    return http_response_json(
        resp, 200,
        json_pack("{s:s,s:I}", "method", req->method, "size", (json_int_t)req->body_size));
  if (strcmp(req->path, "/fail") == 0)
    return -EIO;
  return http_response_error(resp, 404, "Not Found");
}

/* ---- the server in a task --------------------------------------------------------- */

typedef struct {
  server_run_t base; /* first: the helpers of grade_net.h take it */
  http_server_opts_t opts;
  http_server_stats_t stats;
} server_t;

static server_t server;

static int run_http(server_run_t *s)
{
  return http_server_run(&((server_t *)s)->opts);
}

/* The options most tests use; a test changes what it needs. */
static http_server_opts_t options(const char *host)
{
  return (http_server_opts_t){.host = host,
                              .max_header = 8192,
                              .max_body = 65536,
                              .request_timeout_ms = 5000,
                              .idle_timeout_ms = 5000,
                              .grace_ms = 2000,
                              .handler = handler};
}

static bool server_start(server_t *s, http_server_opts_t opts)
{
  *s = (server_t){.base.run = run_http, .opts = opts};
  s->opts.ready = server_on_ready;
  s->opts.ctx = s;
  s->opts.stats = &s->stats;
  return server_launch(&s->base);
}

/* ---- a raw HTTP client ---------------------------------------------------------------- */

typedef struct {
  int status;       /* 0 if no response came */
  char head[4096];  /* the status line and headers */
  char body[16384]; /* NUL-ended */
  size_t body_len;
  bool close; /* it said "Connection: close" */
  int error;  /* why no response came: 0 (the end of the stream), -ETIMEDOUT... */
} reply_t;

/* The value of header NAME in HEAD, into OUT; false if it is not there. */
static bool header_value(const char *head, const char *name, char *out, size_t size)
{
  size_t len = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
    const char *line = p + 2;
    if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
      const char *v = line + len + 1;
      while (*v == ' ')
        v++;
      size_t n = strcspn(v, "\r");
      snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
      return true;
    }
  }
  return false;
}

/* Read one response within MS: true if one came whole. */
static bool read_reply(ac_stream_t *s, reply_t *r, int64_t ms)
{
  *r = (reply_t){0};
  if (!s) {
    r->error = -ENOTCONN;
    return false;
  }
  ac_timeout_t t;
  if (ac_timeout_open(&t, ms) < 0)
    return false;
  ssize_t n = ac_stream_readuntil(s, "\r\n\r\n", r->head, sizeof r->head - 1);
  char value[64];
  size_t length = 0;
  if (n > 0) {
    r->head[n] = '\0';
    if (sscanf(r->head, "HTTP/1.1 %d ", &r->status) != 1)
      r->status = -1;
    if (header_value(r->head, "Content-Length", value, sizeof value))
      length = (size_t)strtoul(value, NULL, 10);
    r->close =
        header_value(r->head, "Connection", value, sizeof value) && strcasecmp(value, "close") == 0;
    if (length >= sizeof r->body)
      n = -EMSGSIZE;
    else if (length > 0)
      n = ac_stream_readexactly(s, r->body, length, NULL);
    r->body_len = length;
    r->body[n >= 0 ? length : 0] = '\0';
  }
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    n = -ETIMEDOUT;
  if (n < 0 || r->status <= 0) {
    r->error = n == -EPIPE ? 0 : (int)n;
    if (n < 0)
      r->status = 0;
    return false;
  }
  return true;
}

/* Send REQUEST and read the response. */
static bool exchange(ac_stream_t *s, const char *request, reply_t *r)
{
  if (send_text_for(s, request, strlen(request), REPLY_MS) < 0) {
    *r = (reply_t){.error = -EPIPE};
    return false;
  }
  return read_reply(s, r, REPLY_MS);
}

/* What a test saw, checked once its loop has ended. */
typedef struct {
  bool ok[32];
  reply_t reply[12];
  double ms[8];
  size_t counts[8];
  char text[4][256];
} seen_t;

static seen_t seen;

/* Run BODY(ARG) as the test's body, with the server stopped after it; then
 * check that it called ready. */
#define RUN_TEST(body, arg)                                      \
  do {                                                           \
    seen = (seen_t){0};                                          \
    RUN_SERVER_TEST(&server.base, body, arg, "http_server_run"); \
  } while (0)
#define EXPECT_STOPPED() EXPECT_SERVER_STOPPED(&server.base, "http_server_run")

/* What a reply was, for a failure message. */
static const char *shown(const reply_t *r)
{
  static char text[4][200];
  static int next;
  char *t = text[next++ % 4];
  if (r->status > 0)
    snprintf(t, sizeof text[0], "%d with body %.120s%s", r->status, r->body,
             r->close ? " and Connection: close" : "");
  else
    snprintf(t, sizeof text[0], "no response (%s)",
             r->error == 0 ? "the connection ended" : ac_error_message(r->error));
  return t;
}

/* ---- bad arguments ------------------------------------------------------------------------ */

static int bad_rc[9];
static taken_port_t taken;

static int bad_main(void *arg, void **result)
{
  http_server_opts_t good = options("127.0.0.1"), o[8];

  (void)arg;
  (void)result;
  for (int i = 0; i < 8; i++)
    o[i] = good;
  o[0].host = NULL;
  o[1].handler = NULL;
  o[2].port = -1;
  o[3].port = 65536;
  o[4].max_header = 63;
  o[5].request_timeout_ms = 0;
  o[6].idle_timeout_ms = 0;
  o[7].grace_ms = -1;
  bad_rc[0] = http_server_run(NULL);
  for (int i = 0; i < 8; i++)
    bad_rc[i + 1] = http_server_run(&o[i]);

  server_t second = {.base.run = run_http, .opts = good};
  second.opts.ready = server_on_ready;
  second.opts.ctx = &second;
  taken = server_run_on_taken_port(&second.base, &second.opts.port);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *const what[] = {
      "NULL options",        "a NULL host",   "a NULL handler",         "port -1",
      "port 65536",          "max_header 63", "a request timeout of 0", "an idle timeout of 0",
      "a grace period of -1"};
  grade_run(bad_main, NULL);
  for (int i = 0; i < 9; i++)
    ck_assert_msg(bad_rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], bad_rc[i],
                  ac_error_message(bad_rc[i]));
  EXPECT_TAKEN_PORT_REFUSED(taken);
}
END_TEST

/* ---- real clients ---------------------------------------------------------------------------- */

/* A program, run as the runtime's subprocess. */
typedef struct {
  const char *const *argv; /* the program (searched in PATH) and its arguments */
  const char *input;       /* written to its stdin, or NULL for none */
  int64_t timeout_ms;      /* then it is killed */
  char out[65536];         /* its stdout and stderr, NUL-ended, cut at the size */
  size_t out_len;
  int status; /* its exit code, or -signal; -ETIMEDOUT if it had to be killed */
} program_t;

/* Run P to its end, bounded by p->timeout_ms (the loop goes on meanwhile).
 * Returns 0 (p->status says how it ended) or a negative errno if it could
 * not be started. */
static int program_run(program_t *p)
{
  ac_process_t *proc;
  ac_process_opts_t opts = {
      .argv = p->argv,
      .flags = AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT | AC_PROCESS_STDERR_TO_STDOUT};
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

static const char python_client[] =
    "import http.client, sys\n"
    "c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5)\n"
    "for path in ('/hello', '/seq?n=7'):\n"
    "    c.request('GET', path)\n"
    "    r = c.getresponse()\n"
    "    print(r.status, r.getheader('Content-Type'), r.read().decode())\n"
    "c.request('POST', '/echo', body=b'x' * 5000)\n"
    "r = c.getresponse()\n"
    "print(r.status, r.read().decode())\n"
    "c.request('HEAD', '/hello')\n"
    "r = c.getresponse()\n"
    "print(r.status, r.getheader('Content-Length'), len(r.read()))\n"
    "c.request('GET', '/missing')\n"
    "r = c.getresponse()\n"
    "print(r.status, r.read().decode())\n"
    "c.close()\n";

static const char python_expected[] = "200 application/json {\"hello\":\"world\"}\n"
                                      "200 application/json {\"n\":7}\n"
                                      "200 {\"method\":\"POST\",\"size\":5000}\n"
                                      "200 17 0\n"
                                      "404 {\"error\":\"Not Found\"}\n";

static program_t prog[4];
static char upload[3001];

static void clients_main(void *arg)
{
  char port[16], base[64], url[4][96];

  (void)arg;
  if (server_start(&server, options("127.0.0.1"))) {
    snprintf(port, sizeof port, "%d", server.base.port);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", server.base.port);
    snprintf(url[0], sizeof url[0], "%s/hello", base);
    snprintf(url[1], sizeof url[1], "%s/seq?n=2", base);
    snprintf(url[2], sizeof url[2], "%s/echo", base);
    memset(upload, 'u', sizeof upload - 1);
    /* curl: two URLs on one connection, then uploads with a length and
     * chunked. */
    const char *curl_get[] = {"curl", "-sS", "-i", "--max-time", "5", url[0], url[1], NULL};
    const char *curl_post[] = {"curl",    "-sS",           "--max-time", "5",    "-H",
                               "Expect:", "--data-binary", "@-",         url[2], NULL};
    const char *curl_chunked[] = {"curl",
                                  "-sS",
                                  "--max-time",
                                  "5",
                                  "-H",
                                  "Expect:",
                                  "-H",
                                  "Transfer-Encoding: chunked",
                                  "--data-binary",
                                  "@-",
                                  url[2],
                                  NULL};
    const char *python[] = {"python3", "-c", python_client, "127.0.0.1", port, NULL};
    prog[0] = (program_t){.argv = curl_get, .timeout_ms = 8000};
    prog[1] = (program_t){.argv = curl_post, .input = upload, .timeout_ms = 8000};
    prog[2] = (program_t){.argv = curl_chunked, .input = upload, .timeout_ms = 8000};
    prog[3] = (program_t){.argv = python, .timeout_ms = 8000};
    for (int i = 0; i < 4; i++) {
      size_t before = server.stats.accepted;
      seen.ok[i] = program_run(&prog[i]) == 0;
      seen.counts[i] = server.stats.accepted - before;
    }
    WAIT_UNTIL(server.stats.connections == 0, 1000);
    seen.counts[4] = server.stats.connections;
  }
}

START_TEST(answers_real_clients)
{
  RUN_TEST(clients_main, NULL);
  for (int i = 0; i < 4; i++)
    ck_assert_msg(seen.ok[i], "the test could not run %s", prog[i].argv[0]);
  ck_assert_msg(prog[0].status == 0 && strncmp(prog[0].out, "HTTP/1.1 200 OK\r\n", 17) == 0 &&
                    strstr(prog[0].out, "{\"hello\":\"world\"}") &&
                    strstr(prog[0].out, "{\"n\":2}"),
                "expected curl to get 200 {\"hello\":\"world\"} and then {\"n\":2}; it exited "
                "with %d and printed:\n%.600s",
                prog[0].status, prog[0].out);
  ck_assert_msg(seen.counts[0] == 1,
                "expected curl's two requests on one kept-alive connection, it took %zu",
                seen.counts[0]);
  ck_assert_msg(
      prog[1].status == 0 && strcmp(prog[1].out, "{\"method\":\"POST\",\"size\":3000}") == 0,
      "expected curl's POST of 3000 bytes to get {\"method\":\"POST\",\"size\":3000}; it "
      "exited with %d and printed: %.300s",
      prog[1].status, prog[1].out);
  ck_assert_msg(
      prog[2].status == 0 && strcmp(prog[2].out, "{\"method\":\"POST\",\"size\":3000}") == 0,
      "expected a chunked upload of 3000 bytes to get {\"method\":\"POST\",\"size\":3000}; "
      "curl exited with %d and printed: %.300s",
      prog[2].status, prog[2].out);
  ck_assert_msg(
      prog[3].status == 0 && strcmp(prog[3].out, python_expected) == 0,
      "expected Python's http.client to print:\n%s\nit exited with %d and printed:\n%.800s",
      python_expected, prog[3].status, prog[3].out);
  ck_assert_msg(seen.counts[3] == 1,
                "expected Python's five requests on one kept-alive connection, it took %zu",
                seen.counts[3]);
  ck_assert_msg(seen.counts[4] == 0,
                "expected every connection closed once the clients had gone, stats said %zu",
                seen.counts[4]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- keep-alive ---------------------------------------------------------------------------------
 */

static void keepalive_main(void *arg)
{
  (void)arg;
  if (server_start(&server, options("::1"))) {
    ac_stream_t *c = dial("::1", server.base.port);
    seen.ok[0] = exchange(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[0]);
    seen.ok[1] = exchange(c, "GET /seq?n=2 HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[1]);
    seen.ok[2] = exchange(c, "GET /fail HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[2]);
    seen.ok[3] = exchange(c, "GET /seq?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          &seen.reply[3]);
    seen.ok[4] = ended_within(c, REPLY_MS);
    client_close(c);
    /* HTTP/1.0: closed unless it asks to keep the connection. */
    c = dial("::1", server.base.port);
    seen.ok[5] =
        exchange(c, "GET /seq?n=4 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &seen.reply[4]);
    header_value(seen.reply[4].head, "Connection", seen.text[0], sizeof seen.text[0]);
    seen.ok[6] = exchange(c, "GET /seq?n=5 HTTP/1.0\r\n\r\n", &seen.reply[5]);
    seen.ok[7] = ended_within(c, REPLY_MS);
    client_close(c);
    seen.counts[0] = server.stats.accepted;
    seen.counts[1] = server.stats.responses;
  }
}

START_TEST(keep_alive_and_connection_close)
{
  RUN_TEST(keepalive_main, NULL);
  reply_t *r = seen.reply;
  ck_assert_msg(seen.ok[0] && r[0].status == 200 &&
                    strcmp(r[0].body, "{\"hello\":\"world\"}") == 0 && !r[0].close,
                "expected 200 {\"hello\":\"world\"} with the connection kept open, got %s",
                shown(&r[0]));
  ck_assert_msg(seen.ok[1] && r[1].status == 200 && strcmp(r[1].body, "{\"n\":2}") == 0,
                "expected a second request on the same connection to get 200 {\"n\":2}, got %s",
                shown(&r[1]));
  ck_assert_msg(seen.ok[2] && r[2].status == 500 && strstr(r[2].body, "\"error\"") && !r[2].close,
                "expected a failing handler to be answered 500 with a JSON error, the connection "
                "kept; got %s",
                shown(&r[2]));
  ck_assert_msg(seen.ok[3] && r[3].status == 200 && r[3].close,
                "expected a request with \"Connection: close\" to be answered 200 with "
                "\"Connection: close\", got %s",
                shown(&r[3]));
  ck_assert_msg(seen.ok[4], "expected the connection closed after answering \"Connection: close\"");
  ck_assert_msg(seen.ok[5] && r[4].status == 200 && strcasecmp(seen.text[0], "keep-alive") == 0,
                "expected an HTTP/1.0 request with \"Connection: keep-alive\" answered 200 with "
                "\"Connection: keep-alive\", got %s (Connection: \"%s\")",
                shown(&r[4]), seen.text[0]);
  ck_assert_msg(seen.ok[6] && r[5].status == 200 && r[5].close && seen.ok[7],
                "expected a plain HTTP/1.0 request on the same connection answered with "
                "\"Connection: close\" and the connection closed, got %s",
                shown(&r[5]));
  ck_assert_msg(seen.counts[0] == 2 && seen.counts[1] == 6,
                "expected stats of 2 connections accepted and 6 responses, got %zu and %zu",
                seen.counts[0], seen.counts[1]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- pipelining and concurrency
 * ------------------------------------------------------------------- */

static void pipeline_main(void *arg)
{
  (void)arg;
  if (server_start(&server, options("127.0.0.1"))) {
    ac_stream_t *c = dial("127.0.0.1", server.base.port);
    /* Four requests in one write: a slow one first. */
    static const char four[] = "GET /sleep?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n"
                               "GET /seq?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                               "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                               "GET /seq?n=2 HTTP/1.1\r\nHost: x\r\n\r\n";
    double start = ac_loop_time_precise();
    send_text_for(c, four, sizeof four - 1, REPLY_MS);
    for (int i = 0; i < 4; i++)
      seen.ok[i] = read_reply(c, &seen.reply[i], REPLY_MS);
    seen.ms[0] = ac_loop_time_precise() - start;
    /* And one more after them, on the same connection. */
    seen.ok[4] = exchange(c, "GET /seq?n=3 HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[4]);
    client_close(c);
  }
}

START_TEST(pipelined_requests_answered_in_order)
{
  static const char *const want[] = {"{\"slept\":300}", "{\"n\":1}",
                                     "{\"method\":\"POST\",\"size\":5}", "{\"n\":2}", "{\"n\":3}"};
  RUN_TEST(pipeline_main, NULL);
  for (int i = 0; i < 5; i++)
    ck_assert_msg(
        seen.ok[i] && seen.reply[i].status == 200 && strcmp(seen.reply[i].body, want[i]) == 0,
        "expected response %d of requests pipelined on one connection to be 200 %s "
        "(responses go in the order of the requests), got %s",
        i + 1, want[i], shown(&seen.reply[i]));
  EXPECT_STOPPED();
}
END_TEST

static void concurrent_main(void *arg)
{
  (void)arg;
  if (server_start(&server, options("127.0.0.1"))) {
    ac_stream_t *slow = dial("127.0.0.1", server.base.port);
    ac_stream_t *quick = dial("127.0.0.1", server.base.port);
    double start = ac_loop_time_precise();
    send_str(slow, "GET /sleep?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n");
    ac_task_sleep(50); /* the slow request is being handled */
    seen.counts[0] = server.stats.in_flight;
    seen.ok[0] = exchange(quick, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[0]);
    seen.ms[0] = ac_loop_time_precise() - start;
    seen.ok[1] = read_reply(slow, &seen.reply[1], REPLY_MS);
    seen.ms[1] = ac_loop_time_precise() - start;
    client_close(slow);
    client_close(quick);
  }
}

START_TEST(connections_are_served_at_once)
{
  RUN_TEST(concurrent_main, NULL);
  ck_assert_msg(seen.counts[0] == 1,
                "expected stats.in_flight == 1 while a request was handled, "
                "it was %zu",
                seen.counts[0]);
  ck_assert_msg(seen.ok[0] && seen.reply[0].status == 200,
                "expected /hello on a second connection answered, got %s", shown(&seen.reply[0]));
  ck_assert_msg(seen.ok[1] && seen.reply[1].status == 200,
                "expected the slow request answered too, got %s", shown(&seen.reply[1]));
  ck_assert_msg(seen.ms[0] < seen.ms[1] && seen.ms[0] < 500,
                "expected /hello answered while another connection's handler slept 800 ms: it "
                "came after %.0f ms, the slow one after %.0f ms (is one request served at a time?)",
                seen.ms[0], seen.ms[1]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- limits
 * ------------------------------------------------------------------------------------------- */

static char big_header[3000];

static void limits_main(void *arg)
{
  (void)arg;
  http_server_opts_t o = options("127.0.0.1");
  o.max_header = 1024;
  o.max_body = 4096;
  static const char *const requests[] = {
      NULL, /* the header of 3000 bytes, below */
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1000\r\n", /* a chunk of 4096 bytes, sent below, then another */
      "HELLO THERE\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n",
  };
  if (server_start(&server, o)) {
    int head = snprintf(big_header, sizeof big_header, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(big_header + head, 'b', sizeof big_header - 1 - (size_t)head); /* never ends */
    big_header[sizeof big_header - 1] = '\0';
    for (int i = 0; i < 6; i++) {
      ac_stream_t *c = dial("127.0.0.1", server.base.port);
      if (i == 0)
        send_text_for(c, big_header, strlen(big_header), REPLY_MS);
      else
        send_str(c, requests[i]);
      if (i == 2) {
        static char chunk[4096 + 32];
        memset(chunk, 'c', 4096);
        memcpy(chunk + 4096, "\r\n10\r\n0123456789abcdef\r\n", 24);
        send_text_for(c, chunk, 4096 + 24, REPLY_MS);
      }
      seen.ok[i] = read_reply(c, &seen.reply[i], REPLY_MS);
      seen.ok[10 + i] = ended_within(c, REPLY_MS);
      client_close(c);
    }
    /* A body of exactly max_body is fine. */
    ac_stream_t *c = dial("127.0.0.1", server.base.port);
    static char exact[200 + 4096];
    int n = snprintf(exact, 200, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n");
    memset(exact + n, 'e', 4096);
    send_text_for(c, exact, (size_t)n + 4096, REPLY_MS);
    seen.ok[6] = read_reply(c, &seen.reply[6], REPLY_MS);
    client_close(c);
  }
}

START_TEST(limits_get_their_status)
{
  static const char *const what[] = {"a header of 3000 bytes (max_header 1024)",
                                     "Content-Length: 1000000 (max_body 4096)",
                                     "a chunked body of 4112 bytes (max_body 4096)",
                                     "\"HELLO THERE\", which is not HTTP",
                                     "Transfer-Encoding: gzip",
                                     "an HTTP/2.0 request"};
  static const int want[] = {431, 413, 413, 400, 501, 505};
  RUN_TEST(limits_main, NULL);
  for (int i = 0; i < 6; i++) {
    reply_t *r = &seen.reply[i];
    ck_assert_msg(
        seen.ok[i] && r->status == want[i] && strstr(r->body, "\"error\"") && r->close,
        "expected %s to be answered %d with a JSON error and \"Connection: close\", got %s",
        what[i], want[i], shown(r));
    ck_assert_msg(seen.ok[10 + i], "expected the connection closed after the %d for %s", want[i],
                  what[i]);
  }
  ck_assert_msg(seen.ok[6] && seen.reply[6].status == 200 &&
                    strcmp(seen.reply[6].body, "{\"method\":\"POST\",\"size\":4096}") == 0,
                "expected a body of exactly max_body (4096) to be accepted, got %s",
                shown(&seen.reply[6]));
  EXPECT_STOPPED();
}
END_TEST

/* ---- timeouts
 * ---------------------------------------------------------------------------------------- */

/* Send a byte of a request every 50 ms, never done. */
static int drip(void *arg, void **result)
{
  static const char bytes[] =
      "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  ac_stream_t *c = arg;

  (void)result;
  for (size_t i = 0; i < sizeof bytes - 1; i++) {
    if (send_text_for(c, bytes + i, 1, 500) < 0)
      return 0;
    if (ac_task_sleep(50) < 0)
      return 0;
  }
  return 0;
}

static void slowloris_main(void *arg)
{
  (void)arg;
  http_server_opts_t o = options("127.0.0.1");
  o.request_timeout_ms = 400;
  o.idle_timeout_ms = 2000;
  if (server_start(&server, o)) {
    /* A byte every 50 ms: never idle for long, never done. */
    ac_stream_t *c = dial("127.0.0.1", server.base.port);
    ac_task_t *dripper = NULL;
    double start = ac_loop_time_precise();
    if (c)
      ac_task_create(&dripper, drip, c);
    seen.ok[0] = read_reply(c, &seen.reply[0], REPLY_MS);
    seen.ms[0] = ac_loop_time_precise() - start;
    seen.ok[1] = ended_within(c, REPLY_MS);
    if (dripper) {
      ac_future_cancel(dripper);
      ac_future_wait_for(&dripper, 1, AC_WAIT_ALL_COMPLETED, 1000);
      ac_future_release(dripper);
    }
    client_close(c);
    /* Half a request, then silence. */
    c = dial("127.0.0.1", server.base.port);
    start = ac_loop_time_precise();
    send_str(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
    seen.ok[2] = read_reply(c, &seen.reply[1], REPLY_MS);
    seen.ms[1] = ac_loop_time_precise() - start;
    client_close(c);
  }
}

START_TEST(slow_request_gets_408)
{
  RUN_TEST(slowloris_main, NULL);
  ck_assert_msg(seen.ok[0] && seen.reply[0].status == 408 && seen.reply[0].close,
                "expected a request sent a byte every 50 ms to be answered 408 with \"Connection: "
                "close\" once its 400 ms were up (one deadline for the whole request, not one per "
                "read), got %s after %.0f ms",
                shown(&seen.reply[0]), seen.ms[0]);
  ck_assert_msg(seen.ms[0] >= 360 && seen.ms[0] < 1500,
                "expected the 408 about 400 ms after the request began, it came after %.0f ms",
                seen.ms[0]);
  ck_assert_msg(seen.ok[1], "expected the connection closed after the 408");
  ck_assert_msg(seen.ok[2] && seen.reply[1].status == 408,
                "expected half a request followed by silence answered 408, got %s",
                shown(&seen.reply[1]));
  ck_assert_msg(seen.ms[1] >= 360 && seen.ms[1] < 1500,
                "expected that 408 about 400 ms after the request began (not the idle timeout of "
                "2 s), it came after %.0f ms",
                seen.ms[1]);
  EXPECT_STOPPED();
}
END_TEST

static void idle_main(void *arg)
{
  char buf[256];

  (void)arg;
  http_server_opts_t o = options("127.0.0.1");
  o.idle_timeout_ms = 300;
  if (server_start(&server, o)) {
    ac_stream_t *c = dial("127.0.0.1", server.base.port);
    double start = ac_loop_time_precise();
    ssize_t n = read_some_for(c, buf, sizeof buf, REPLY_MS);
    seen.ms[0] = ac_loop_time_precise() - start;
    seen.counts[0] = (size_t)(n < 0 ? 0 : n);
    seen.ok[0] = n == 0 || n == -ECONNRESET;
    client_close(c);
    /* A kept-alive connection goes the same way after its response. */
    c = dial("127.0.0.1", server.base.port);
    seen.ok[1] = exchange(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[0]);
    start = ac_loop_time_precise();
    n = read_some_for(c, buf, sizeof buf, REPLY_MS);
    seen.ms[1] = ac_loop_time_precise() - start;
    seen.ok[2] = n == 0 || n == -ECONNRESET;
    client_close(c);
    WAIT_UNTIL(server.stats.connections == 0, 1000);
    seen.counts[1] = server.stats.connections;
  }
}

START_TEST(idle_connection_is_closed)
{
  RUN_TEST(idle_main, NULL);
  ck_assert_msg(seen.ok[0] && seen.counts[0] == 0,
                "expected a connection that sends nothing closed without a word after the idle "
                "timeout (300 ms); %s",
                seen.counts[0] ? "it got bytes" : "it was still open after 3 s");
  ck_assert_msg(seen.ms[0] >= 270 && seen.ms[0] < 1500,
                "expected it closed about 300 ms after it connected, it was after %.0f ms",
                seen.ms[0]);
  ck_assert_msg(seen.ok[1] && seen.reply[0].status == 200, "expected /hello answered, got %s",
                shown(&seen.reply[0]));
  ck_assert_msg(seen.ok[2] && seen.ms[1] >= 270 && seen.ms[1] < 1500,
                "expected a kept-alive connection closed about 300 ms after its response, %s %.0f "
                "ms",
                seen.ok[2] ? "it was after" : "it was still open after", seen.ms[1]);
  ck_assert_msg(seen.counts[1] == 0, "expected no connection left open, stats said %zu",
                seen.counts[1]);
  EXPECT_STOPPED();
}
END_TEST

static char flood[64 * 1024];

static void nonreader_main(void *arg)
{
  (void)arg;
  http_server_opts_t o = options("127.0.0.1");
  o.idle_timeout_ms = 400;
  if (server_start(&server, o)) {
    /* Pipelined requests, responses never read: the server must not
     * buffer their answers without end. */
    size_t len = 0;
    static const char one[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    while (len + sizeof one < sizeof flood) {
      memcpy(flood + len, one, sizeof one - 1);
      len += sizeof one - 1;
    }
    ac_stream_t *c = dial("127.0.0.1", server.base.port);
    double start = ac_loop_time_precise();
    size_t sent = 0;
    for (int i = 0; i < 2000 && send_text_for(c, flood, len, 1000) == 0; i++)
      sent += len;
    seen.ms[0] = ac_loop_time_precise() - start;
    seen.counts[0] = sent;
    WAIT_UNTIL(server.stats.connections == 0, 3000);
    seen.counts[1] = server.stats.connections;
    client_close(c);
  }
}

START_TEST(client_that_never_reads_is_disconnected)
{
  RUN_TEST(nonreader_main, NULL);
  ck_assert_msg(seen.counts[1] == 0,
                "expected a client that sends requests and never reads the responses to be "
                "disconnected once a response had waited the idle timeout (400 ms) to be taken; it "
                "was still connected after sending %zu MB for %.0f ms",
                seen.counts[0] >> 20, seen.ms[0]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- load and abuse ----------------------------------------------------------------------------
 */

#define CONNECTIONS 100
#define PER_CONNECTION 20

typedef struct {
  int id;
  int answered; /* responses that were right */
} load_client_t;

static int load_client(void *arg, void **result)
{
  load_client_t *lc = arg;
  char request[128], want[32];
  reply_t *r = malloc(sizeof *r);

  (void)result;
  ac_stream_t *c = r ? dial("127.0.0.1", server.base.port) : NULL;
  for (int i = 0; c && i < PER_CONNECTION; i++) {
    int n = lc->id * 1000 + i;
    snprintf(request, sizeof request, "GET /seq?n=%d HTTP/1.1\r\nHost: x\r\n\r\n", n);
    snprintf(want, sizeof want, "{\"n\":%d}", n);
    if (!exchange(c, request, r))
      break;
    lc->answered += r->status == 200 && strcmp(r->body, want) == 0;
  }
  client_close(c);
  free(r);
  return 0;
}

static void load_main(void *arg)
{
  static load_client_t lc[CONNECTIONS];
  ac_task_t *tasks[CONNECTIONS];

  (void)arg;
  if (server_start(&server, options("127.0.0.1"))) {
    for (int i = 0; i < CONNECTIONS; i++) {
      lc[i] = (load_client_t){.id = i};
      ac_task_create(&tasks[i], load_client, &lc[i]);
    }
    WAIT_UNTIL(server.stats.connections == CONNECTIONS || server.stats.accepted == CONNECTIONS,
               3000);
    seen.counts[2] = server.stats.connections;
    ac_future_wait_for((ac_future_t *const *)tasks, CONNECTIONS, AC_WAIT_ALL_COMPLETED, 15000);
    for (int i = 0; i < CONNECTIONS; i++) {
      seen.counts[0] += (size_t)lc[i].answered;
      ac_future_cancel(tasks[i]);
      ac_future_wait_for(&tasks[i], 1, AC_WAIT_ALL_COMPLETED, 1000);
      ac_future_release(tasks[i]);
    }
    seen.counts[1] = server.stats.accepted;
    WAIT_UNTIL(server.stats.connections == 0, 2000);
    seen.counts[3] = server.stats.connections;
  }
}

START_TEST(many_keepalive_connections)
{
  RUN_TEST(load_main, NULL);
  ck_assert_msg(seen.counts[0] == CONNECTIONS * PER_CONNECTION,
                "expected %d connections with %d requests each all answered right, %zu of %d were",
                CONNECTIONS, PER_CONNECTION, seen.counts[0], CONNECTIONS * PER_CONNECTION);
  ck_assert_msg(seen.counts[1] == CONNECTIONS,
                "expected exactly %d connections accepted (each kept alive for its requests), "
                "stats said %zu",
                CONNECTIONS, seen.counts[1]);
  ck_assert_msg(seen.counts[3] == 0, "expected no connection left open at the end, stats said %zu",
                seen.counts[3]);
  EXPECT_STOPPED();
}
END_TEST

/* Requests no server should choke on: each on a connection of its own,
 * then the end of the stream (or a reset). */
static const struct {
  const char *bytes;
  size_t len; /* 0: strlen */
  int want;   /* the status, or 0: any 4xx/5xx answer, or a close */
} hostile[] = {
    {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, 400},          /* a TLS hello */
    {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab", 0, 0}, /* a body cut short */
    {"GET /hello HTTP/1.1\r\nHo", 0, 0},                                /* headers cut short */
    {"GET /hello HTTP/1.1\r\nNoColonHere\r\n\r\n", 0, 400},
    {"POST /echo HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, 400},
    {"POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 0, 400},
    {"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0, 400},
    {"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
     400},
    {"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 400},
    {"GET /he\0llo HTTP/1.1\r\n\r\n", 24, 400},
    {"GET /hello HTTP/1.1\r\nX: a\rb\r\n\r\n", 0, 400},
    {"\r\n\r\n\r\n\r\nGARBAGE / HTTP/1.1\r\n\r\n", 0, 400},
    {"GET /hello HTTP/9.9\r\n\r\n", 0, 505},
    {"GET  HTTP/1.1\r\n\r\n", 0, 400},
};

static char many_headers[8192];

static void hostile_main(void *arg)
{
  (void)arg;
  size_t n = sizeof hostile / sizeof hostile[0];
  if (server_start(&server, options("::1"))) {
    for (size_t i = 0; i < n; i++) {
      ac_stream_t *c = dial("::1", server.base.port);
      size_t len = hostile[i].len ? hostile[i].len : strlen(hostile[i].bytes);
      send_text_for(c, hostile[i].bytes, len, REPLY_MS);
      if (c)
        ac_stream_write_eof(c);
      reply_t r;
      read_reply(c, &r, REPLY_MS);
      bool ended = ended_within(c, REPLY_MS);
      bool right =
          hostile[i].want ? r.status == hostile[i].want : (r.status >= 400 || r.status == 0);
      if (!right || !ended) { /* the first wrong one is enough: each after it could wait too */
        snprintf(seen.text[0], sizeof seen.text[0], "request %zu (%.40s...): wanted %d, got %s%s",
                 i, hostile[i].bytes, hostile[i].want, shown(&r),
                 ended ? "" : ", and it was not closed");
        client_close(c);
        break;
      }
      seen.counts[0]++;
      client_close(c);
    }
    /* More headers than a request may have. */
    size_t len = (size_t)snprintf(many_headers, sizeof many_headers, "GET /hello HTTP/1.1\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS + 5; i++)
      len += (size_t)snprintf(many_headers + len, sizeof many_headers - len, "X-%d: y\r\n", i);
    len += (size_t)snprintf(many_headers + len, sizeof many_headers - len, "\r\n");
    ac_stream_t *c = dial("::1", server.base.port);
    send_text_for(c, many_headers, len, REPLY_MS);
    seen.ok[0] = read_reply(c, &seen.reply[0], REPLY_MS);
    client_close(c);
    /* Reset in the middle of a request. */
    c = dial("::1", server.base.port);
    send_str(c, "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nsome");
    client_close(c);
    c = dial("::1", server.base.port);
    seen.ok[1] = exchange(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[1]);
    client_close(c);
    WAIT_UNTIL(server.stats.connections == 0, 2000);
    seen.counts[1] = server.stats.connections;
  }
}

START_TEST(malformed_requests_never_crash)
{
  RUN_TEST(hostile_main, NULL);
  ck_assert_msg(seen.counts[0] == sizeof hostile / sizeof hostile[0],
                "expected every malformed request answered with its status (or closed) and its "
                "connection closed; the first %zu of %zu were, then %s",
                seen.counts[0], sizeof hostile / sizeof hostile[0], seen.text[0]);
  ck_assert_msg(seen.ok[0] && seen.reply[0].status == 431,
                "expected a request with %d headers (more than HTTP_MAX_HEADERS) answered 431, got "
                "%s",
                HTTP_MAX_HEADERS + 5, shown(&seen.reply[0]));
  ck_assert_msg(seen.ok[1] && seen.reply[1].status == 200,
                "expected the server to go on serving after all that, got %s",
                shown(&seen.reply[1]));
  ck_assert_msg(seen.counts[1] == 0, "expected no connection left open, stats said %zu",
                seen.counts[1]);
  EXPECT_STOPPED();
}
END_TEST

/* ---- shutting down ------------------------------------------------------------------------------
 */

static void shutdown_main(void *arg)
{
  char buf[256];

  (void)arg;
  if (server_start(&server, options("127.0.0.1"))) {
    int port = server.base.port;
    ac_stream_t *busy = dial("127.0.0.1", port);
    ac_stream_t *idle = dial("127.0.0.1", port);
    ac_stream_t *partial = dial("127.0.0.1", port);
    seen.ok[0] = exchange(idle, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", &seen.reply[0]);
    send_str(partial, "GET /hello HTTP/1.1\r\nHo");
    send_str(busy, "GET /sleep?ms=600 HTTP/1.1\r\nHost: x\r\n\r\n");
    WAIT_UNTIL(server.stats.in_flight == 1 && server.stats.connections == 3, 1000);
    seen.counts[0] = server.stats.in_flight;
    seen.ok[1] = signal_caught(SIGTERM);
    if (seen.ok[1]) {
      double start = ac_loop_time_precise();
      kill(getpid(), SIGTERM);
      /* The idle and the partial connections are closed at once. */
      ssize_t n = read_some_for(idle, buf, sizeof buf, REPLY_MS);
      seen.ms[0] = ac_loop_time_precise() - start;
      seen.ok[2] = n == 0 || n == -ECONNRESET;
      n = read_some_for(partial, buf, sizeof buf, REPLY_MS);
      seen.ms[1] = ac_loop_time_precise() - start;
      seen.ok[3] = n == 0 || n == -ECONNRESET;
      /* No new connection is taken. */
      ac_stream_t *late = dial("127.0.0.1", port);
      seen.ok[4] = late == NULL;
      client_close(late);
      /* The request in flight is answered, and its connection closed. */
      seen.ok[5] = read_reply(busy, &seen.reply[1], REPLY_MS);
      seen.ok[6] = ended_within(busy, REPLY_MS);
      seen.ok[7] = server_wait(&server.base);
      seen.ms[2] = server.base.returned_at - start;
      seen.counts[1] = server.stats.connections;
      seen.ok[8] = signals_given_back();
    }
    ac_stream_t *c[3] = {busy, idle, partial};
    for (int i = 0; i < 3; i++)
      client_close(c[i]);
  }
}

START_TEST(shutdown_finishes_requests_in_flight)
{
  RUN_TEST(shutdown_main, NULL);
  ck_assert_msg(seen.ok[0] && seen.counts[0] == 1,
                "expected a request in flight before the signal (stats.in_flight was %zu)",
                seen.counts[0]);
  ck_assert_msg(seen.ok[1], "expected SIGTERM to be caught while the server runs "
                            "(ac_signal_create() before ready); the test did not send it, since it "
                            "would have ended the test");
  ck_assert_msg(
      seen.ok[2] && seen.ms[0] < 400,
      "expected the idle kept-alive connection closed at once on SIGTERM, %s after %.0f ms",
      seen.ok[2] ? "it was" : "it was still open", seen.ms[0]);
  ck_assert_msg(seen.ok[3] && seen.ms[1] < 400,
                "expected the connection in the middle of sending a request closed at once on "
                "SIGTERM, %s after %.0f ms",
                seen.ok[3] ? "it was" : "it was still open", seen.ms[1]);
  ck_assert_msg(seen.ok[4], "expected new connections refused once the shutdown had begun");
  ck_assert_msg(seen.ok[5] && seen.reply[1].status == 200 &&
                    strcmp(seen.reply[1].body, "{\"slept\":600}") == 0 && seen.reply[1].close,
                "expected the request in flight finished and answered 200 {\"slept\":600} with "
                "\"Connection: close\", got %s",
                shown(&seen.reply[1]));
  ck_assert_msg(seen.ok[6], "expected that connection closed after its response");
  ck_assert_msg(seen.ok[7] && server.base.rc == SIGTERM,
                "expected http_server_run() to return %d (SIGTERM) after the request in flight, "
                "it %s %d",
                SIGTERM, seen.ok[7] ? "returned" : "had not returned;", server.base.rc);
  ck_assert_msg(seen.ms[2] >= 400 && seen.ms[2] < 2000,
                "expected the server to return once the request in flight was done (about 550 ms "
                "after the signal), it returned after %.0f ms",
                seen.ms[2]);
  ck_assert_msg(seen.counts[1] == 0, "expected no connection open when it returned, stats said %zu",
                seen.counts[1]);
  ck_assert_msg(seen.ok[8], "expected SIGINT and SIGTERM handled as before once the server had "
                            "returned (ac_signal_close())");
}
END_TEST

static void grace_main(void *arg)
{
  (void)arg;
  http_server_opts_t o = options("::1");
  o.grace_ms = 300;
  if (server_start(&server, o)) {
    ac_stream_t *c = dial("::1", server.base.port);
    send_str(c, "GET /sleep?ms=5000 HTTP/1.1\r\nHost: x\r\n\r\n");
    WAIT_UNTIL(server.stats.in_flight == 1, 1000);
    double start = ac_loop_time_precise();
    ac_future_cancel(server.base.task);
    seen.ok[0] = server_wait(&server.base);
    seen.ms[0] = server.base.returned_at - start;
    seen.ok[1] = ended_within(c, REPLY_MS);
    seen.ok[2] = signals_given_back();
    seen.counts[0] = server.stats.in_flight;
    client_close(c);
  }
}

START_TEST(cancelled_caller_shuts_down_within_grace)
{
  RUN_TEST(grace_main, NULL);
  ck_assert_msg(seen.ok[0] && server.base.rc == -ECANCELED,
                "expected http_server_run() to return -ECANCELED when its task was cancelled, it "
                "%s %d (%s)",
                seen.ok[0] ? "returned" : "had not returned;", server.base.rc,
                ac_error_message(server.base.rc));
  ck_assert_msg(seen.ms[0] >= 270 && seen.ms[0] < 1500,
                "expected a handler still running after the grace period (300 ms) to be cancelled "
                "then, and the server to return about 300 ms after the cancellation; it returned "
                "after %.0f ms",
                seen.ms[0]);
  ck_assert_msg(seen.ok[1], "expected the connection of the cancelled request closed");
  ck_assert_msg(seen.counts[0] == 0, "expected stats.in_flight back to 0, it was %zu",
                seen.counts[0]);
  ck_assert_msg(seen.ok[2], "expected SIGINT and SIGTERM given back after a cancellation too");
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, answers_real_clients);
  GRADE_ADD(s, keep_alive_and_connection_close);
  GRADE_ADD(s, pipelined_requests_answered_in_order);
  GRADE_ADD(s, connections_are_served_at_once);
  GRADE_ADD(s, limits_get_their_status);
  GRADE_ADD(s, slow_request_gets_408);
  GRADE_ADD(s, idle_connection_is_closed);
  GRADE_ADD(s, client_that_never_reads_is_disconnected);
  GRADE_ADD(s, many_keepalive_connections);
  GRADE_ADD(s, malformed_requests_never_crash);
  GRADE_ADD(s, shutdown_finishes_requests_in_flight);
  GRADE_ADD(s, cancelled_caller_shuts_down_within_grace);
}

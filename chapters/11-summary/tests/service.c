/* service.c - chapter 11's tests: the service's servers, programs and
 * clients (service.h). */
#include "service.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "grade_redis.h"

static redis_server_t redis; /* one per test process: each test is one */

int service_ms(int ms)
{
  return (int)(ms * redis_timeout_factor());
}

double service_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void service_start(service_t *s)
{
  *s = (service_t){0};
  site_start(&s->site);
  redis_server_start(&redis);
  s->redis_port = redis.port;
  snprintf(s->db_path, sizeof s->db_path, "%s/results.db", s->site.dir);
  snprintf(s->stream, sizeof s->stream, "jobs");
  snprintf(s->group, sizeof s->group, "checkers");
  s->test_pid = getpid();
}

static redisContext *redis_dial(const service_t *s)
{
  struct timeval tv = {5, 0};
  redisContext *c = redisConnectWithTimeout("127.0.0.1", s->redis_port, tv);
  ck_assert_msg(c != NULL && c->err == 0, "cannot connect to redis-server on port %d",
                s->redis_port);
  return c;
}

long service_pending(const service_t *s)
{
  redisContext *c = redis_dial(s);
  redisReply *r = redisCommand(c, "XPENDING %s %s", s->stream, s->group);
  long n = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 1
               ? (long)r->element[0]->integer
               : -1;
  if (r != NULL)
    freeReplyObject(r);
  redisFree(c);
  return n;
}

void service_stop(service_t *s)
{
  if (s->api > 0) {
    kill(s->api, SIGKILL);
    waitpid(s->api, NULL, 0);
    s->api = 0;
  }
  redis_server_stop(&redis);
  site_stop(&s->site);
}

link_store_t service_store(const service_t *s)
{
  return (link_store_t){"127.0.0.1", s->redis_port, s->stream, s->group, s->db_path};
}

void service_add_progress(const service_t *s, const char *id, size_t count, size_t url_len)
{
  redisContext *c = redis_dial(s);
  char key[256], *url = malloc(url_len + 32);
  ck_assert_ptr_nonnull(url);
  snprintf(key, sizeof key, "%s:progress:%s", s->stream, id);
  memset(url, 'x', url_len);
  memcpy(url, "http://127.0.0.1/", 17);
  for (size_t i = 0; i <= count; i++) { /* pipelined: one reply read per command below */
    snprintf(url + url_len, 32, "/%zu", i);
    if (i < count)
      redisAppendCommand(c, "XADD %s * url %s status 200", key, url);
    else
      redisAppendCommand(c, "XADD %s * done 1", key);
  }
  for (size_t i = 0; i <= count; i++) {
    redisReply *r = NULL;
    ck_assert_msg(
        redisGetReply(c, (void **)&r) == REDIS_OK && r != NULL && r->type == REDIS_REPLY_STRING,
        "XADD to %s failed: %s", key, r != NULL && r->str != NULL ? r->str : c->errstr);
    freeReplyObject(r);
  }
  free(url);
  redisFree(c);
}

/* In a child: nothing of the parent's servers stays open here, so they
 * stop when the test stops them, and the child dies with the test. */
static void become_child(const service_t *s)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  close(redis.in);
  close(s->site.in);
  close(s->site.out);
}

typedef struct {
  link_api_opts_t opts;
  int ready_fd;
} api_child_t;

static void api_ready(int port, void *ctx)
{
  api_child_t *c = ctx;
  if (write(c->ready_fd, &port, sizeof port) != sizeof port)
    _exit(3);
}

static int api_main(void *arg, void **result)
{
  (void)result;
  api_child_t *c = arg;
  return link_api_run(&c->opts);
}

void service_fork_api(service_t *s)
{
  int ready[2];
  ck_assert_int_eq(pipe(ready), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    become_child(s);
    close(ready[0]);
    api_child_t c = {
        {service_store(s), 0, 64, s->max_followers ? s->max_followers : 16, api_ready, NULL},
        ready[1]};
    c.opts.ctx = &c;
    int rc = ac_loop_run(api_main, &c, NULL);
    _exit(rc == 0 ? 0 : 1);
  }
  close(ready[1]);
  struct pollfd p = {ready[0], POLLIN, 0};
  int port = 0;
  ck_assert_msg(
      poll(&p, 1, service_ms(10000)) == 1 && read(ready[0], &port, sizeof port) == sizeof port,
      "the API did not call ready() within 10 s of link_api_run()");
  close(ready[0]);
  s->api = pid;
  s->api_port = port;
}

typedef struct {
  link_worker_opts_t opts;
} worker_child_t;

static int worker_main(void *arg, void **result)
{
  (void)result;
  worker_child_t *c = arg;
  return link_worker_run(&c->opts);
}

pid_t service_fork_worker(service_t *s, const link_worker_opts_t *opts)
{
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    become_child(s);
    worker_child_t c = {*opts};
    c.opts.store = service_store(s);
    int rc = ac_loop_run(worker_main, &c, NULL);
    _exit(rc == 0 ? 0 : 1);
  }
  return pid;
}

link_worker_opts_t service_worker_opts(const service_t *s, const char *name)
{
  return (link_worker_opts_t){
      .store = service_store(s),
      .name = name,
      .user_agent = "link-checker-tests",
      .jobs = 2,
      .max_in_flight = 6,
      .max_per_host = 3,
      .request_timeout_ms = service_ms(2000),
      .claim_idle_ms = service_ms(1500),
      .block_ms = 200,
  };
}

int service_signal_and_wait(pid_t pid, int sig, int ms)
{
  int status = 0;
  kill(pid, sig);
  double until = service_now_ms() + ms;
  while (service_now_ms() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return status;
    redis_sleep_ms(10);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

/* RCVBUF > 0: the socket's receive buffer, set before connect() so that
 * the window the API sees is this small. */
static int dial_port(int port, int rcvbuf)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(fd, 0);
  if (rcvbuf > 0)
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0,
                "cannot connect to the API on port %d: %s", port, strerror(errno));
  return fd;
}

/* Read until the peer closes, SIZE-1 bytes, or MS pass; the bytes read. */
static size_t read_all(int fd, char *buf, size_t size, int ms)
{
  size_t got = 0;
  double until = service_now_ms() + ms;
  while (got + 1 < size) {
    int left = (int)(until - service_now_ms());
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) != 1)
      break;
    ssize_t n = read(fd, buf + got, size - 1 - got);
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  return got;
}

int service_http(int port, const char *method, const char *path, const char *json, char *body,
                 size_t size, int ms)
{
  int fd = dial_port(port, 0);
  char head[1024];
  int n = json == NULL ? snprintf(head, sizeof head,
                                  "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                                  method, path)
                       : snprintf(head, sizeof head,
                                  "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                  "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                                  method, path, strlen(json));
  ck_assert_int_eq(write(fd, head, (size_t)n), n);
  if (json != NULL)
    ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
  static char reply[1 << 20];
  read_all(fd, reply, sizeof reply, ms);
  close(fd);
  int status = 0;
  if (sscanf(reply, "HTTP/1.1 %d", &status) != 1)
    status = 0;
  const char *start = strstr(reply, "\r\n\r\n");
  snprintf(body, size, "%s", start != NULL ? start + 4 : "");
  return status;
}

void service_submit(const service_t *s, const char *url, char *id, size_t size)
{
  char json[1024], body[4096];
  snprintf(json, sizeof json, "{\"url\": \"%s\"}", url);
  int status =
      service_http(s->api_port, "POST", "/jobs", json, body, sizeof body, service_ms(5000));
  ck_assert_msg(status == 202, "POST /jobs {\"url\": \"%s\"}: expected 202, got %d (%s)", url,
                status, body);
  const char *at = strstr(body, "\"id\"");
  ck_assert_msg(at != NULL, "POST /jobs answered 202 without an id: %s", body);
  at = strchr(at + 4, '"');
  ck_assert_ptr_nonnull(at);
  const char *end = strchr(at + 1, '"');
  ck_assert_ptr_nonnull(end);
  snprintf(id, size, "%.*s", (int)(end - at - 1), at + 1);
}

long service_db_long(const service_t *s, const char *sql, const char *id)
{
  sqlite3 *db = NULL;
  ck_assert_msg(sqlite3_open_v2(s->db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
                "cannot open the results (%s)", s->db_path);
  sqlite3_busy_timeout(db, service_ms(5000));
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  ck_assert_msg(rc == SQLITE_OK, "%s: %s (are the tables as link_service.h says?)", sql,
                sqlite3_errmsg(db));
  if (id != NULL)
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
  long v = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

int service_wait_done(const service_t *s, const char *id, int ms)
{
  double now = service_now_ms(), until = now + ms, moved = now;
  long rows = -1;
  /* A job whose rows stay as they are for 8 s is stuck, not slow: the
   * tests' links answer within a second or run into request_timeout_ms. */
  while ((now = service_now_ms()) < until && now - moved < service_ms(8000)) {
    if (access(s->db_path, F_OK) == 0) {
      if (service_db_long(s, "SELECT count(*) FROM jobs WHERE id = ? AND state = 'done'", id) == 1)
        return 1;
      long n = service_db_long(s, "SELECT count(*) FROM links WHERE job = ?", id);
      if (n != rows)
        rows = n, moved = now;
    }
    redis_sleep_ms(50);
  }
  return 0;
}

int service_follow_status(const service_t *s, const char *id, int rcvbuf, int *fd_out)
{
  int fd = dial_port(s->api_port, rcvbuf);
  char req[512];
  int n = snprintf(req, sizeof req, "GET /jobs/%s/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", id);
  ck_assert_int_eq(write(fd, req, (size_t)n), n);
  *fd_out = fd;
  if (rcvbuf > 0)
    return 0; /* a follower that never reads: not even the head */
  /* The head, a byte at a time so no event is read with it. */
  char head[4096];
  size_t got = 0;
  while (got + 1 < sizeof head && (got < 4 || memcmp(head + got - 4, "\r\n\r\n", 4) != 0)) {
    struct pollfd p = {fd, POLLIN, 0};
    ck_assert_msg(poll(&p, 1, service_ms(5000)) == 1 && read(fd, head + got, 1) == 1,
                  "GET /jobs/%s/events: no response head within 5 s", id);
    got++;
  }
  head[got] = '\0';
  int status = 0;
  if (sscanf(head, "HTTP/1.1 %d", &status) != 1)
    status = 0;
  ck_assert_msg(status != 200 || strstr(head, "text/event-stream") != NULL,
                "GET /jobs/%s/events: expected text/event-stream with its 200, got %s", id, head);
  return status;
}

int service_follow(const service_t *s, const char *id)
{
  int fd = -1;
  int status = service_follow_status(s, id, 0, &fd);
  ck_assert_msg(status == 200, "GET /jobs/%s/events: expected 200 text/event-stream, got %d", id,
                status);
  return fd;
}

ssize_t service_next_event(int fd, char *buf, size_t size, int ms)
{
  /* Lines until a blank one; the event's "data:" line is kept, and an
   * "event: done" makes it "done". */
  char line[4096];
  size_t len = 0;
  int done = 0;
  buf[0] = '\0';
  double until = service_now_ms() + ms;
  for (;;) {
    int left = (int)(until - service_now_ms());
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) != 1)
      return -1;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0)
      return 0;
    if (c != '\n') {
      if (c != '\r' && len + 1 < sizeof line)
        line[len++] = c;
      continue;
    }
    line[len] = '\0';
    if (len == 0 && (buf[0] != '\0' || done)) {
      if (done)
        snprintf(buf, size, "done");
      return (ssize_t)strlen(buf);
    }
    if (strncmp(line, "data:", 5) == 0)
      snprintf(buf, size, "%s", line[5] == ' ' ? line + 6 : line + 5);
    else if (strcmp(line, "event: done") == 0)
      done = 1;
    len = 0;
  }
}

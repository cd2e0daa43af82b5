/* test_http.c - the HTTP client against a real server that is not ours
 * (Python's http.server, started on 127.0.0.1 by each test): bodies, 404s,
 * redirects, time limits, size caps, cancellation and 1,000 requests. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

typedef struct {
  pid_t pid; /* scripts/processes.py, which runs the server */
  int in;    /* its stdin: closing it stops the server */
  int out;   /* the server's stdout: kept open while it runs */
  int port;
  char dir[64];
  char base[64]; /* http://127.0.0.1:PORT */
} peer;

static peer server;

static void write_file(const char *dir, const char *name, const char *text, size_t size) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fwrite(text, 1, size, f), size);
  fclose(f);
}

/* The server runs under scripts/processes.py, which gives it a process group
 * of its own and stops it cleanly once our end of its stdin closes: in
 * peer_stop, or when this test's process ends, however it ends. */
static void peer_start(void) {
  strcpy(server.dir, "/tmp/ac-http-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(server.dir));
  write_file(server.dir, "hello.txt", "hello world\n", 12);
  static char big[1 << 20];
  memset(big, 'b', sizeof big);
  write_file(server.dir, "big.bin", big, sizeof big);
  int in[2], out[2]; /* close-on-exec: no later server may hold this one's stdin */
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  server.pid = fork();
  ck_assert_int_ge(server.pid, 0);
  if (server.pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    execl("/usr/bin/python3", "python3", "scripts/processes.py", "server", "--", "/usr/bin/python3",
          "runtime/tests/peers/http_peer.py", server.dir, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  server.in = in[1];
  server.out = out[0];
  char line[32] = {0};
  size_t len = 0;
  ssize_t n;
  while (len < sizeof line - 1 && !strchr(line, '\n') &&
         (n = read(out[0], line + len, sizeof line - 1 - len)) > 0)
    len += (size_t)n; /* the port and a newline, once it listens */
  server.port = atoi(line);
  ck_assert_msg(server.port > 0, "the HTTP test server did not start");
  snprintf(server.base, sizeof server.base, "http://127.0.0.1:%d", server.port);
}

/* processes.py exits with 0 only if the server stopped on SIGTERM and left no
 * process behind; it gives up within 20 s, and we wait 25 at most. */
static void peer_stop(void) {
  close(server.in);
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 500 && (done = waitpid(server.pid, &status, WNOHANG)) == 0; i++)
    usleep(50 * 1000);
  if (done == 0) {
    kill(server.pid, SIGKILL);
    waitpid(server.pid, &status, 0);
  }
  close(server.out);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", server.dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_msg(done == server.pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the HTTP test server did not stop cleanly (processes.py says why above)");
}

static int fetch(const char *path, ac_http_request_t req, ac_http_response_t *resp) {
  char url[512];
  snprintf(url, sizeof url, "%s%s", server.base, path);
  req.url = url;
  return ac_http_fetch(&req, resp);
}

/* ---- tests --------------------------------------------------------------- */

static int get_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_http_response_t r;
  ck_assert_int_eq(fetch("/hello.txt", (ac_http_request_t){0}, &r), 0);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(r.body_size, 12);
  ck_assert_str_eq(r.body, "hello world\n");
  ck_assert_msg(strstr(r.headers, "Content-Length: 12") != NULL, "headers: %s", r.headers);
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/missing", (ac_http_request_t){0}, &r), 0); /* a 404 is a response */
  ck_assert_int_eq(r.status, 404);
  ac_http_response_close(&r);
  const char *headers[] = {"X-Test: yes", NULL};
  ck_assert_int_eq(
      fetch("/echo",
            (ac_http_request_t){
                .method = "POST", .body = "payload", .body_size = 7, .headers = headers},
            &r),
      0);
  ck_assert_int_eq(r.status, 201);
  ck_assert_str_eq(r.body, "payload");
  ck_assert_msg(strstr(r.headers, "X-Echo: yes") != NULL, "the header went out: %s", r.headers);
  ac_http_response_close(&r);
  return 0;
}
START_TEST(get_post_and_404) {
  peer_start();
  RUN_OK(get_body, NULL);
  peer_stop();
}
END_TEST

static int redirect_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_http_response_t r;
  int rc = fetch("/redirect/3", (ac_http_request_t){0}, &r);
  ck_assert_msg(rc == 0, "redirect: %d %s", rc, r.error);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(r.body, "hello world\n");
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/redirect/3", (ac_http_request_t){.max_redirects = 2}, &r), -ELOOP);
  ck_assert_msg(r.error[0] != '\0', "curl's message is kept");
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/redirect/1", (ac_http_request_t){.max_redirects = -1}, &r), 0);
  ck_assert_int_eq(r.status, 302); /* not followed */
  ac_http_response_close(&r);
  return 0;
}
START_TEST(redirects_followed_and_limited) {
  peer_start();
  RUN_OK(redirect_body, NULL);
  peer_stop();
}
END_TEST

static int limits_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_http_response_t r;
  double start = ac_loop_time_precise();
  ck_assert_int_eq(fetch("/slow", (ac_http_request_t){.timeout_ms = 200}, &r), -ETIMEDOUT);
  ck_assert_msg(ac_loop_time_precise() - start < 2500,
                "the time limit must cut the 3 s answer short");
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/big.bin", (ac_http_request_t){.max_body = 1000}, &r), -EFBIG);
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/big.bin", (ac_http_request_t){0}, &r), 0);
  ck_assert_int_eq(r.body_size, 1 << 20);
  ac_http_response_close(&r);
  ck_assert_int_eq(ac_http_fetch(&(ac_http_request_t){.url = "http://[::1"}, &r), -EINVAL);
  ck_assert_msg(r.error[0] != '\0', "a URL that does not parse is explained");
  ac_http_response_close(&r);
  ck_assert_int_eq(ac_http_fetch(&(ac_http_request_t){0}, &r), -EINVAL);
  ck_assert_int_eq(ac_http_fetch(&(ac_http_request_t){.url = "http://127.0.0.1:1/"}, &r),
                   -ECONNREFUSED);
  ac_http_response_close(&r);
  return 0;
}
START_TEST(timeouts_caps_and_bad_urls) {
  peer_start();
  RUN_OK(limits_body, NULL);
  peer_stop();
}
END_TEST

/* Every failure has a code that says what happened and a message. */
static int not_http_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_http_response_t r;
  ck_assert_int_eq(fetch("/not-http", (ac_http_request_t){0}, &r), -EPROTO);
  ck_assert_msg(strstr(r.error, "not HTTP") != NULL, "message: '%s'", r.error);
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/huge-header", (ac_http_request_t){0}, &r), -EMSGSIZE);
  ck_assert_msg(strstr(r.error, "header") != NULL, "message: '%s'", r.error);
  ac_http_response_close(&r);
  ck_assert_int_eq(ac_http_fetch(&(ac_http_request_t){.url = "http://127.0.0.1:1/"}, &r),
                   -ECONNREFUSED);
  ck_assert_msg(r.error[0] != '\0', "a refused connection is explained");
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/hello.txt", (ac_http_request_t){.timeout_ms = -1}, &r), -EINVAL);
  ck_assert_msg(strstr(r.error, "timeout") != NULL, "message: '%s'", r.error);
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/hello.txt", (ac_http_request_t){0}, &r), 0);
  ck_assert_str_eq(r.error, ""); /* no message when nothing failed */
  ac_http_response_close(&r);
  return 0;
}
START_TEST(answers_that_are_not_http_say_so) {
  peer_start();
  RUN_OK(not_http_body, NULL);
  peer_stop();
}
END_TEST

/* Other schemes than http and https are refused unless asked for, directly
 * and through a redirect; none of them is ever connected to. */
static int schemes_body(void *arg, void **result) {
  (void)arg, (void)result;
  char file_url[128], redirect[256];
  snprintf(file_url, sizeof file_url, "file://%s/hello.txt", server.dir);
  const char *others[] = {file_url, "file:///etc/hostname", "ftp://127.0.0.1:1/x",
                          "gopher://127.0.0.1:1/", "dict://127.0.0.1:1/d:word"};
  ac_http_response_t r;
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
    ck_assert_int_eq(ac_http_fetch(&(ac_http_request_t){.url = others[i]}, &r), -EPROTONOSUPPORT);
    ck_assert_msg(strstr(r.error, "scheme") != NULL, "%s: message '%s'", others[i], r.error);
    ck_assert_ptr_null(r.body);
    ac_http_response_close(&r);

    snprintf(redirect, sizeof redirect, "/redirect-to/%s", others[i]);
    ck_assert_int_eq(fetch(redirect, (ac_http_request_t){0}, &r), -EPROTONOSUPPORT);
    ck_assert_int_eq(r.status, 302);
    ck_assert_msg(strstr(r.error, "redirect") && strstr(r.error, others[i]), "%s: message '%s'",
                  others[i], r.error);
    ac_http_response_close(&r);
  }
  /* Asked for, file:// is spoken. */
  ck_assert_int_eq(
      ac_http_fetch(&(ac_http_request_t){.url = file_url, .protocols = "http,https,file"}, &r), 0);
  ck_assert_str_eq(r.body, "hello world\n");
  ac_http_response_close(&r);
  ck_assert_int_eq(fetch("/hello.txt", (ac_http_request_t){.protocols = "http,bogus"}, &r),
                   -EINVAL);
  ck_assert_msg(strstr(r.error, "bogus") != NULL, "message: '%s'", r.error);
  ac_http_response_close(&r);
  return 0;
}
START_TEST(only_http_and_https_unless_asked) {
  peer_start();
  RUN_OK(schemes_body, NULL);
  peer_stop();
}
END_TEST

static int slow_fetch(void *arg, void **result) {
  (void)result;
  ac_http_response_t *r = arg;
  int rc = fetch("/slow", (ac_http_request_t){0}, r);
  ac_http_response_close(r);
  return rc;
}

static int cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_http_response_t r;
  ac_task_t *t;
  ac_task_create(&t, slow_fetch, &r);
  ac_task_sleep(100);
  double start = ac_loop_time_precise();
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ck_assert_msg(ac_loop_time_precise() - start < 1000, "cancelling must not wait for the answer");
  ac_future_release(t);
  return 0; /* valgrind and ASan check that nothing of the transfer is left */
}
START_TEST(cancel_removes_the_transfer) {
  peer_start();
  RUN_OK(cancel_body, NULL);
  peer_stop();
}
END_TEST

typedef struct {
  ac_sem_t *limit;
  int ok;
} many_state;

static int one_request(void *arg, void **result) {
  (void)result;
  many_state *m = arg;
  int rc = ac_sem_acquire(m->limit);
  if (rc) return rc;
  ac_http_response_t r;
  rc = fetch("/hello.txt", (ac_http_request_t){.timeout_ms = 30000}, &r);
  if (rc == 0 && r.status == 200 && strcmp(r.body, "hello world\n") == 0) m->ok++;
  ac_http_response_close(&r);
  ac_sem_release(m->limit);
  return rc;
}

static int many_body(void *arg, void **result) {
  (void)arg, (void)result;
  enum { N = 1000 };
  many_state m = {NULL, 0};
  ac_sem_create(&m.limit, 100, 0); /* at most 100 at once */
  static ac_task_t *t[N];
  for (int i = 0; i < N; i++) ac_task_create(&t[i], one_request, &m);
  ck_assert_int_eq(ac_future_gather(t, N, NULL, NULL, 0), 0);
  ck_assert_int_eq(m.ok, N);
  for (int i = 0; i < N; i++) ac_future_release(t[i]);
  return 0;
}
START_TEST(thousand_requests_at_concurrency_100) {
  peer_start();
  RUN_OK(many_body, NULL);
  peer_stop();
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("http");
  ADD_TEST(s, get_post_and_404);
  ADD_TEST(s, redirects_followed_and_limited);
  ADD_TEST(s, timeouts_caps_and_bad_urls);
  ADD_TEST(s, answers_that_are_not_http_say_so);
  ADD_TEST(s, only_http_and_https_unless_asked);
  ADD_TEST(s, cancel_removes_the_transfer);
  ADD_TEST(s, thousand_requests_at_concurrency_100);
  return s;
}

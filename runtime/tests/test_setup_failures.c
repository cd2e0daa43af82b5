/* test_setup_failures.c - every set-up call of the runtime failing in turn
 * (libuv handles, mutexes, threads, libcurl): the error comes back, what
 * had been set up is undone (no descriptor, thread or byte left; ASan and
 * valgrind check the bytes), and the next try works.
 *
 * Linked with -Wl,--wrap for each call (mk/runtime.mk, SETUP_WRAP): the
 * runtime's calls reach the __wrap_ functions below, which fail the call
 * named by fail_next() and pass every other one on. */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "helpers.h"

static const char *fail_name; /* the call to fail, or NULL */
static int fail_skip;         /* calls of it to let through first */

static void fail_next(const char *name, int skip) {
  fail_name = name;
  fail_skip = skip;
}

static int should_fail(const char *name) {
  if (!fail_name || strcmp(fail_name, name) != 0 || fail_skip-- > 0) return 0;
  fail_name = NULL;
  return 1;
}

#define WRAP(ret, name, failure, params, args) \
  ret __real_##name params;                    \
  ret __wrap_##name params;                    \
  ret __wrap_##name params { return should_fail(#name) ? (failure) : __real_##name args; }

WRAP(int, uv_loop_init, UV_ENOMEM, (uv_loop_t * l), (l))
WRAP(int, uv_timer_init, UV_ENOMEM, (uv_loop_t * l, uv_timer_t *t), (l, t))
WRAP(int, uv_prepare_init, UV_ENOMEM, (uv_loop_t * l, uv_prepare_t *p), (l, p))
WRAP(int, uv_prepare_start, UV_EINVAL, (uv_prepare_t * p, uv_prepare_cb cb), (p, cb))
WRAP(int, uv_async_init, UV_EMFILE, (uv_loop_t * l, uv_async_t *a, uv_async_cb cb), (l, a, cb))
WRAP(int, uv_signal_init, UV_ENOMEM, (uv_loop_t * l, uv_signal_t *s), (l, s))
WRAP(int, pthread_mutex_init, EAGAIN, (pthread_mutex_t * m, const pthread_mutexattr_t *a), (m, a))
WRAP(int, pthread_cond_init, ENOMEM, (pthread_cond_t * c, const pthread_condattr_t *a), (c, a))
WRAP(int, pthread_create, EAGAIN,
     (pthread_t * t, const pthread_attr_t *a, void *(*fn)(void *), void *arg), (t, a, fn, arg))
WRAP(CURLM *, curl_multi_init, NULL, (void), ())

/* Variadic: the runtime passes one pointer (a function or its data). */
CURLMcode __real_curl_multi_setopt(CURLM *m, CURLMoption option, ...);
CURLMcode __wrap_curl_multi_setopt(CURLM *m, CURLMoption option, ...);
CURLMcode __wrap_curl_multi_setopt(CURLM *m, CURLMoption option, ...) {
  va_list ap;
  va_start(ap, option);
  void *value = va_arg(ap, void *);
  va_end(ap);
  return should_fail("curl_multi_setopt") ? CURLM_UNKNOWN_OPTION
                                          : __real_curl_multi_setopt(m, option, value);
}

/* Entries of a /proc/self directory: open descriptors, or threads. */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* The thread count once it has fallen to `want` or after two seconds. A joined thread
 * can stay listed in /proc for a moment: pthread_join returns when the thread has let
 * go of its stack, a little before the kernel forgets it. */
static int threads_settled_to(int want) {
  int n = count_entries("/proc/self/task");
  for (int tries = 0; n != want && tries < 200; tries++) {
    usleep(10 * 1000);
    n = count_entries("/proc/self/task");
  }
  return n;
}

static int succeed(void *arg, void **result) {
  (void)arg;
  *result = INT2P(7);
  return 0;
}

/* ---- the loop ------------------------------------------------------------ */

START_TEST(loop_open_undoes_every_step_that_succeeded) {
  static const struct {
    const char *step;
    int rc;
  } steps[] = {{"uv_loop_init", -ENOMEM},     {"pthread_mutex_init", -EAGAIN},
               {"uv_timer_init", -ENOMEM},    {"uv_prepare_init", -ENOMEM},
               {"uv_prepare_start", -EINVAL}, {"uv_async_init", -EMFILE}};
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
    int fds = count_entries("/proc/self/fd");
    fail_next(steps[i].step, 0);
    int rc = ac_loop_open();
    ck_assert_msg(rc == steps[i].rc, "%s failing: ac_loop_open gave %d, expected %d", steps[i].step,
                  rc, steps[i].rc);
    ck_assert_msg(fail_name == NULL, "%s was never called", steps[i].step);
    ck_assert_int_eq(ac_loop_is_open(), 0);
    ck_assert_msg(count_entries("/proc/self/fd") == fds, "%s failing left descriptors open",
                  steps[i].step);
    void *r = NULL;
    ck_assert_int_eq(ac_loop_run(succeed, NULL, &r), 0); /* and the next loop works */
    ck_assert_int_eq(P2INT(r), 7);
  }
}
END_TEST

/* ---- executors ----------------------------------------------------------- */

static int square(void *arg, void **result) {
  *result = INT2P(P2INT(arg) * P2INT(arg));
  return 0;
}

static void *nothing(void *arg) { return arg; }

static int executor_failures_body(void *arg, void **result) {
  (void)arg, (void)result;
  /* A first thread, joined: ThreadSanitizer starts a thread of its own then. */
  pthread_t first;
  ck_assert_int_eq(pthread_create(&first, NULL, nothing, NULL), 0);
  pthread_join(first, NULL);
  static const struct {
    const char *step;
    int skip, rc;
  } steps[] = {{"pthread_mutex_init", 0, -EAGAIN},
               {"pthread_cond_init", 0, -ENOMEM},
               {"pthread_create", 0, -EAGAIN},
               {"pthread_create", 2, -EAGAIN},
               {"pthread_create", 3, -EAGAIN}};
  int threads = count_entries("/proc/self/task");
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
    ac_executor_t *ex = (ac_executor_t *)1;
    fail_next(steps[i].step, steps[i].skip);
    int rc = ac_executor_create(&ex, 4);
    ck_assert_msg(rc == steps[i].rc, "%s #%d failing: %d", steps[i].step, steps[i].skip + 1, rc);
    ck_assert_ptr_null(ex);
    ck_assert_msg(threads_settled_to(threads) == threads, "%s #%d failing left threads running",
                  steps[i].step, steps[i].skip + 1);
  }
  /* The default executor, made on first use. */
  fail_next("pthread_create", 1);
  void *r = NULL;
  ck_assert_int_eq(ac_executor_run(NULL, square, INT2P(3), &r), -EAGAIN);
  ck_assert_int_eq(threads_settled_to(threads), threads);
  ck_assert_int_eq(ac_executor_run(NULL, square, INT2P(3), &r), 0); /* the next try works */
  ck_assert_int_eq(P2INT(r), 9);
  ac_executor_t *ex;
  ck_assert_int_eq(ac_executor_create(&ex, 4), 0);
  ck_assert_int_eq(ac_executor_run(ex, square, INT2P(4), &r), 0);
  ck_assert_int_eq(P2INT(r), 16);
  ck_assert_int_eq(ac_executor_close(ex, 0), 0);
  return 0;
}
START_TEST(executor_creation_undoes_the_threads_that_started) {
  RUN_OK(executor_failures_body, NULL);
}
END_TEST

/* ---- the HTTP client ----------------------------------------------------- */

static int http_failures_body(void *arg, void **result) {
  (void)arg, (void)result;
  static const struct {
    const char *step;
    int skip, rc;
  } steps[] = {{"curl_multi_init", 0, -ENOMEM},
               {"uv_timer_init", 0, -ENOMEM},
               {"curl_multi_setopt", 0, -EINVAL},
               {"curl_multi_setopt", 3, -EINVAL}};
  /* A local file: the client needs no server for it. */
  char path[] = "/tmp/ac-setup-XXXXXX", url[64];
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "local\n", 6), 6);
  close(fd);
  snprintf(url, sizeof url, "file://%s", path);
  ac_http_request_t req = {.url = url, .protocols = "file"};
  ac_http_response_t resp;
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
    fail_next(steps[i].step, steps[i].skip);
    int rc = ac_http_fetch(&req, &resp);
    ck_assert_msg(rc == steps[i].rc, "%s #%d failing: %d", steps[i].step, steps[i].skip + 1, rc);
    ck_assert_msg(strstr(resp.error, steps[i].step) != NULL, "the message names the step: '%s'",
                  resp.error);
    ac_http_response_close(&resp);
  }
  ck_assert_int_eq(ac_http_fetch(&req, &resp), 0); /* the next try works */
  ck_assert_str_eq(resp.body, "local\n");
  ac_http_response_close(&resp);
  unlink(path);
  return 0;
}
START_TEST(http_client_setup_undoes_what_succeeded) { RUN_OK(http_failures_body, NULL); }
END_TEST

/* ---- debugging ----------------------------------------------------------- */

static int signal_failure_body(void *arg, void **result) {
  (void)arg, (void)result;
  fail_next("uv_signal_init", 0);
  ck_assert_int_eq(ac_debug_dump_tasks_on_signal(SIGUSR2), -ENOMEM);
  ck_assert_int_eq(ac_debug_dump_tasks_on_signal(SIGUSR2), 0);
  return 0;
}
START_TEST(dump_signal_setup_failure_is_reported) { RUN_OK(signal_failure_body, NULL); }
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("setup_failures");
  ADD_TEST(s, loop_open_undoes_every_step_that_succeeded);
  ADD_TEST(s, executor_creation_undoes_the_threads_that_started);
  ADD_TEST(s, http_client_setup_undoes_what_succeeded);
  ADD_TEST(s, dump_signal_setup_failure_is_reported);
  return s;
}

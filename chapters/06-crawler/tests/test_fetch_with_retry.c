/* test_fetch_with_retry.c - tests of chapter 06, exercise 1:
 * fetch_with_retry() against the slow and flaky peer of tests/site.py.
 *
 * What counts is what the server saw: how many requests came for a path
 * and when (the peer's log), not what the function says. fetch_watch.c
 * counts the calls to ac_http_fetch() and the responses left open. Every
 * call runs in a task of its own that the test waits for with a time
 * limit, so a retry loop that never ends fails with a message.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch_watch.h"
#include "fetch_with_retry.h"
#include "grade.h"
#include "grade_ac.h"
#include "site.h"

#define WATCHDOG_MS 8000
#define MAX_CALLS 16

static site_t site;

/* One call of fetch_with_retry() and what it gave. */
typedef struct {
  const char *path; /* on the peer's first host */
  int64_t timeout_ms;
  retry_policy_t policy;
  int rc, attempts;
  long status;
  char body[64];
  double elapsed;
  int open_after; /* responses open after it returned, before the test closed its own */
} call_t;

static int one_call(void *arg, void **result)
{
  call_t *c = arg;
  ac_http_response_t resp;
  (void)result;
  char url[600]; /* its own: site_url()'s buffers are shared by the calls */
  snprintf(url, sizeof url, "%s", site_url(site.c, c->path));
  ac_http_request_t req = {.url = url, .timeout_ms = c->timeout_ms, .max_redirects = -1};
  double start = ac_loop_time_precise();
  c->attempts = -1;
  c->rc = fetch_with_retry(&req, &c->policy, &resp, &c->attempts);
  c->elapsed = ac_loop_time_precise() - start;
  c->status = resp.status;
  if (resp.body != NULL)
    snprintf(c->body, sizeof c->body, "%s", resp.body);
  c->open_after = fetch_watch.open;
  ac_http_response_close(&resp);
  return 0;
}

typedef struct {
  call_t *calls;
  int n;
  int hung;
  int64_t cancel_after_ms; /* > 0: cancel the calls after this long */
  double cancel_took;      /* ms from the cancel until all had returned */
} batch_t;

/* Run the calls of @b at once, each in its own task, and wait for all. */
static int batch_main(void *arg, void **result)
{
  batch_t *b = arg;
  ac_task_t *tasks[MAX_CALLS];
  (void)result;
  for (int i = 0; i < b->n; i++)
    ck_assert_int_eq(ac_task_create(&tasks[i], one_call, &b->calls[i]), 0);
  int64_t wait = b->cancel_after_ms > 0 ? b->cancel_after_ms : WATCHDOG_MS;
  int done =
      ac_future_wait_for((ac_future_t *const *)tasks, (size_t)b->n, AC_WAIT_ALL_COMPLETED, wait);
  if (b->cancel_after_ms > 0) {
    double start = ac_loop_time_precise();
    for (int i = 0; i < b->n; i++)
      ac_future_cancel(tasks[i]);
    done = ac_future_wait_for((ac_future_t *const *)tasks, (size_t)b->n, AC_WAIT_ALL_COMPLETED,
                              WATCHDOG_MS);
    b->cancel_took = ac_loop_time_precise() - start;
  }
  b->hung = done < b->n;
  for (int i = 0; i < b->n && b->hung; i++)
    ac_future_cancel(tasks[i]);
  for (int i = 0; i < b->n; i++) {
    if (b->hung)
      ac_future_wait_for((ac_future_t *const *)&tasks[i], 1, AC_WAIT_ALL_COMPLETED, 1000);
    ac_future_release(tasks[i]);
  }
  return 0;
}

static void run_calls(call_t *calls, int n, int64_t cancel_after_ms, batch_t *b)
{
  *b = (batch_t){.calls = calls, .n = n, .cancel_after_ms = cancel_after_ms};
  fetch_watch = (fetch_watch_t){0};
  grade_run(batch_main, b);
  ck_assert_msg(!b->hung,
                "expected fetch_with_retry() to return, it had not after %d ms (does the "
                "retry loop end after max_attempts tries?)",
                WATCHDOG_MS);
}

static void run_one(call_t *c)
{
  batch_t b;
  run_calls(c, 1, 0, &b);
}

/* When each request for @path reached the peer (ms), and how many. */
static int arrivals(const char *path, double *at, int most)
{
  peer_event_t *ev;
  size_t n = site_peer_log(&site, &ev);
  int k = 0;
  for (size_t i = 0; i < n; i++)
    if (ev[i].kind == 'B' && strcmp(ev[i].host, site.c) == 0 && strcmp(ev[i].path, path) == 0 &&
        k < most)
      at[k++] = ev[i].ms;
  free(ev);
  return k;
}

static int requests_for(const char *path)
{
  return site_peer_count(&site, site.c, path);
}

#define POLICY(attempts, base, max) \
  ((retry_policy_t){.max_attempts = (attempts), .base_delay_ms = (base), .max_delay_ms = (max)})

#define EXPECT_NOTHING_OPEN(c)                                                             \
  ck_assert_msg(fetch_watch.open == 0,                                                     \
                "expected every response closed in the end, %d still held memory (is the " \
                "response of a try that is retried closed before the next?)",              \
                fetch_watch.open)

/* ---- the tests ----------------------------------------------------------- */

static int bad_main(void *arg, void **result)
{
  int *rc = arg;
  ac_http_response_t resp;
  ac_http_request_t req = {.url = site_url(site.c, "/status/bad.html?code=200")};
  retry_policy_t ok = POLICY(3, 10, 100);
  retry_policy_t bad[] = {POLICY(0, 10, 100), POLICY(3, 0, 100), POLICY(3, 100, 10),
                          POLICY(-1, 10, 100)};
  (void)result;
  rc[0] = fetch_with_retry(NULL, &ok, &resp, NULL);
  rc[1] = fetch_with_retry(&req, NULL, &resp, NULL);
  rc[2] = fetch_with_retry(&req, &ok, NULL, NULL);
  for (int i = 0; i < 4; i++) {
    memset(&resp, 0, sizeof resp);
    rc[3 + i] = fetch_with_retry(&req, &bad[i], &resp, NULL);
    ac_http_response_close(&resp);
  }
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *what[] = {"a NULL request",  "a NULL policy",
                               "a NULL response", "max_attempts 0",
                               "base_delay_ms 0", "max_delay_ms below base_delay_ms",
                               "max_attempts -1"};
  int rc[7];
  site_start(&site);
  fetch_watch = (fetch_watch_t){0};
  grade_run(bad_main, rc);
  for (int i = 0; i < 7; i++)
    ck_assert_msg(rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], rc[i],
                  ac_error_message(rc[i]));
  ck_assert_msg(fetch_watch.calls == 0 && requests_for("/status/bad.html?code=200") == 0,
                "expected no request on bad arguments, %d were made", fetch_watch.calls);
  site_stop(&site);
}
END_TEST

START_TEST(retry_rules)
{
  static const struct {
    int rc;
    long status;
    bool retry;
  } cases[] = {{0, 200, false},
               {0, 204, false},
               {0, 301, false},
               {0, 304, false},
               {0, 400, false},
               {0, 403, false},
               {0, 404, false},
               {0, 429, false},
               {0, 500, true},
               {0, 502, true},
               {0, 503, true},
               {0, 599, true},
               {-ETIMEDOUT, 0, true},
               {-ECONNREFUSED, 0, true},
               {-ECONNRESET, 0, true},
               {-EPIPE, 0, true},
               {-ECANCELED, 0, false},
               {-EINVAL, 0, false},
               {-EPROTONOSUPPORT, 0, false},
               {-EFBIG, 200, false},
               {-ELOOP, 0, false},
               {-EHOSTUNREACH, 0, false}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    ck_assert_msg(fetch_should_retry(cases[i].rc, cases[i].status) == cases[i].retry,
                  "expected fetch_should_retry(%d (%s), status %ld) to say %s", cases[i].rc,
                  ac_error_message(cases[i].rc), cases[i].status, cases[i].retry ? "yes" : "no");
  /* The waits: in [d/2, d], d doubling from the base up to the cap. */
  retry_policy_t p = POLICY(10, 40, 500);
  for (int retry = 1; retry <= 8; retry++) {
    int64_t d = 40LL << (retry - 1);
    if (d > 500)
      d = 500;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 400; i++) {
      int64_t w = fetch_backoff_ms(&p, retry);
      ck_assert_msg(w >= d / 2 && w <= d,
                    "expected the wait before retry %d in [%lld, %lld] ms (base 40, "
                    "cap 500), got %lld",
                    retry, (long long)(d / 2), (long long)d, (long long)w);
      lo = w < lo ? w : lo;
      hi = w > hi ? w : hi;
    }
    ck_assert_msg(hi - lo >= d / 4,
                  "expected the waits before retry %d to spread over [%lld, %lld] ms "
                  "(jitter), 400 of them stayed in [%lld, %lld]",
                  retry, (long long)(d / 2), (long long)d, (long long)lo, (long long)hi);
  }
}
END_TEST

START_TEST(success_takes_one_try)
{
  call_t c = {.path = "/slow/ok.html?ms=1", .timeout_ms = 2000, .policy = POLICY(4, 50, 400)};
  site_start(&site);
  run_one(&c);
  ck_assert_msg(c.rc == 0 && c.status == 200, "expected 0 and status 200, got %d (%s) and %ld",
                c.rc, ac_error_message(c.rc), c.status);
  ck_assert_msg(strstr(c.body, "<!DOCTYPE html>") == c.body,
                "expected the page's body in the response, got '%s'", c.body);
  ck_assert_msg(c.attempts == 1, "expected *attempts == 1, got %d", c.attempts);
  ck_assert_msg(requests_for(c.path) == 1, "expected one request at the server, it saw %d",
                requests_for(c.path));
  ck_assert_msg(c.open_after == 1,
                "expected one response open when it returned (the caller's), %d were",
                c.open_after);
  EXPECT_NOTHING_OPEN(&c);
  site_stop(&site);
}
END_TEST

START_TEST(client_errors_are_not_retried)
{
  call_t calls[] = {{.path = "/status/a.html?code=404"},
                    {.path = "/status/b.html?code=403"},
                    {.path = "/status/c.html?code=410"},
                    {.path = "/status/d.html?code=429"},
                    {.path = "/status/e.html?code=301"}};
  int n = sizeof calls / sizeof calls[0];
  batch_t b;
  site_start(&site);
  for (int i = 0; i < n; i++)
    calls[i].timeout_ms = 2000, calls[i].policy = POLICY(4, 20, 100);
  run_calls(calls, n, 0, &b);
  for (int i = 0; i < n; i++) {
    long want = atol(strstr(calls[i].path, "code=") + 5);
    ck_assert_msg(calls[i].rc == 0 && calls[i].status == want,
                  "expected 0 and status %ld for %s, got %d (%s) and %ld", want, calls[i].path,
                  calls[i].rc, ac_error_message(calls[i].rc), calls[i].status);
    ck_assert_msg(
        requests_for(calls[i].path) == 1 && calls[i].attempts == 1,
        "expected a %ld answer not to be retried: the server saw %d requests for it, *attempts "
        "says %d",
        want, requests_for(calls[i].path), calls[i].attempts);
  }
  EXPECT_NOTHING_OPEN(calls);
  site_stop(&site);
}
END_TEST

START_TEST(server_errors_are_retried)
{
  call_t c = {.path = "/flaky/two.html?fails=2", .timeout_ms = 2000, .policy = POLICY(5, 20, 200)};
  site_start(&site);
  run_one(&c);
  ck_assert_msg(requests_for(c.path) == 3,
                "expected 3 requests at the server (503, 503, then 200), it saw %d",
                requests_for(c.path));
  ck_assert_msg(c.rc == 0 && c.status == 200,
                "expected 0 and the 200 of the third try, got %d (%s) and %ld", c.rc,
                ac_error_message(c.rc), c.status);
  ck_assert_msg(c.attempts == 3, "expected *attempts == 3, got %d", c.attempts);
  ck_assert_msg(c.open_after == 1,
                "expected only the last response open when it returned, %d were "
                "(the responses of the 503s must be closed before retrying)",
                c.open_after);
  EXPECT_NOTHING_OPEN(&c);
  site_stop(&site);
}
END_TEST

START_TEST(timeouts_are_retried)
{
  call_t c = {.path = "/hang/never.html", .timeout_ms = 150, .policy = POLICY(3, 20, 100)};
  site_start(&site);
  run_one(&c);
  ck_assert_msg(c.rc == -ETIMEDOUT, "expected -ETIMEDOUT after the last try timed out, got %d (%s)",
                c.rc, ac_error_message(c.rc));
  ck_assert_msg(requests_for(c.path) == 3 && c.attempts == 3,
                "expected 3 tries of a page that never answers (max_attempts 3): the server saw "
                "%d, *attempts "
                "says %d",
                requests_for(c.path), c.attempts);
  ck_assert_msg(c.elapsed >= 0.9 * 3 * 150,
                "expected three tries of 150 ms each, it returned after %.0f ms", c.elapsed);
  EXPECT_NOTHING_OPEN(&c);
  site_stop(&site);
}
END_TEST

START_TEST(tries_are_bounded)
{
  call_t calls[] = {{.path = "/status/always.html?code=503", .policy = POLICY(4, 10, 40)},
                    {.path = "/status/once.html?code=500", .policy = POLICY(1, 10, 40)}};
  batch_t b;
  site_start(&site);
  calls[0].timeout_ms = calls[1].timeout_ms = 2000;
  run_calls(calls, 2, 0, &b);
  ck_assert_msg(
      requests_for(calls[0].path) == 4 && calls[0].attempts == 4,
      "expected exactly max_attempts = 4 requests for a page that always answers 503: the server "
      "saw %d, *attempts says %d",
      requests_for(calls[0].path), calls[0].attempts);
  ck_assert_msg(calls[0].rc == 0 && calls[0].status == 503,
                "expected 0 and the last try's 503 once the tries are used up, got %d (%s) and %ld",
                calls[0].rc, ac_error_message(calls[0].rc), calls[0].status);
  ck_assert_msg(requests_for(calls[1].path) == 1,
                "expected one request with max_attempts 1, the server saw %d",
                requests_for(calls[1].path));
  EXPECT_NOTHING_OPEN(calls);
  site_stop(&site);
}
END_TEST

START_TEST(backoff_grows_and_is_capped)
{
  /* 6 retries from 20 ms: waits in [10,20], [20,40], [40,80], [80,160],
   * [160,320], [320,640]; then 7 with a cap of 60 ms: 360 ms at most in
   * all, where 1270 is the least without the cap. */
  call_t calls[] = {{.path = "/flaky/grow.html?fails=6", .policy = POLICY(7, 20, 10000)},
                    {.path = "/flaky/cap.html?fails=7", .policy = POLICY(8, 20, 60)}};
  double at[8], cap_at[8];
  batch_t b;
  site_start(&site);
  calls[0].timeout_ms = calls[1].timeout_ms = 2000;
  run_calls(calls, 2, 0, &b);
  ck_assert_msg(arrivals(calls[0].path, at, 8) == 7,
                "expected 7 requests (6 fails, then 200), the server saw %d",
                arrivals(calls[0].path, at, 8));
  for (int k = 1; k < 7; k++) {
    double d = 20 << (k - 1);
    ck_assert_msg(
        at[k] - at[k - 1] >= 0.9 * d / 2,
        "expected the server to see retry %d at least %.0f ms (half of 20 ms x 2^%d) after the try "
        "before, it came after %.0f ms",
        k, d / 2, k - 1, at[k] - at[k - 1]);
  }
  ck_assert_msg(calls[0].status == 200 && calls[0].attempts == 7,
                "expected the 7th try's 200, got status %ld "
                "after %d tries",
                calls[0].status, calls[0].attempts);
  ck_assert_msg(arrivals(calls[1].path, cap_at, 8) == 8,
                "expected 8 requests with the cap (7 fails, then "
                "200), the server saw %d",
                arrivals(calls[1].path, cap_at, 8));
  double total = cap_at[7] - cap_at[0];
  ck_assert_msg(
      total < 900,
      "expected no wait longer than max_delay_ms = 60: seven retries took %.0f ms (at most %d with "
      "the cap; at least %d without)",
      total, 20 + 40 + 5 * 60, 10 + 20 + 40 + 80 + 160 + 320 + 640);
  EXPECT_NOTHING_OPEN(calls);
  site_stop(&site);
}
END_TEST

#define JITTER_CALLS 12

START_TEST(jitter_spreads_the_retries)
{
  /* Twelve clients fail at the same moment; each waits in [200, 400] ms
   * before its retry. Without jitter they would all come back together. */
  static char paths[JITTER_CALLS][64];
  call_t calls[JITTER_CALLS];
  batch_t b;
  site_start(&site);
  for (int i = 0; i < JITTER_CALLS; i++) {
    snprintf(paths[i], sizeof paths[i], "/flaky/j%d.html?fails=1", i);
    calls[i] = (call_t){.path = paths[i], .timeout_ms = 2000, .policy = POLICY(3, 400, 400)};
  }
  run_calls(calls, JITTER_CALLS, 0, &b);
  double lo = 1e9, hi = 0;
  for (int i = 0; i < JITTER_CALLS; i++) {
    double at[4];
    ck_assert_msg(arrivals(paths[i], at, 4) == 2,
                  "expected 2 requests for %s (503, then 200), the server saw %d", paths[i],
                  arrivals(paths[i], at, 4));
    double gap = at[1] - at[0];
    ck_assert_msg(gap >= 0.9 * 200,
                  "expected a retry at least 200 ms (half the 400 ms backoff) after the "
                  "failure, %s came back after %.0f ms",
                  paths[i], gap);
    lo = gap < lo ? gap : lo;
    hi = gap > hi ? gap : hi;
  }
  ck_assert_msg(hi - lo >= 60,
                "expected the retries of clients that failed together to spread over "
                "[200, 400] ms (jitter), all twelve came back within %.0f ms of each other",
                hi - lo);
  EXPECT_NOTHING_OPEN(calls);
  site_stop(&site);
}
END_TEST

START_TEST(cancelled_in_a_wait_leaves_nothing)
{
  call_t calls[] = {
      {.path = "/status/wait.html?code=503", .timeout_ms = 2000, .policy = POLICY(5, 2000, 4000)},
      {.path = "/hang/cancel.html", .timeout_ms = 5000, .policy = POLICY(5, 50, 100)}};
  batch_t b;
  site_start(&site);
  run_calls(calls, 2, 300,
            &b); /* the first waits 1-2 s for its retry, the second in its first try */
  for (int i = 0; i < 2; i++)
    ck_assert_msg(calls[i].rc == -ECANCELED,
                  "expected -ECANCELED for a call cancelled %s, got %d (%s)",
                  i == 0 ? "in its wait before a retry" : "in a try", calls[i].rc,
                  ac_error_message(calls[i].rc));
  ck_assert_msg(b.cancel_took < 500,
                "expected the cancelled calls to return at once, they took %.0f ms", b.cancel_took);
  ck_assert_msg(fetch_watch.in_flight == 0, "expected no ac_http_fetch() left in flight, %d were",
                fetch_watch.in_flight);
  EXPECT_NOTHING_OPEN(calls);
  ck_assert_msg(requests_for(calls[0].path) == 1,
                "expected no try after the cancellation, the server saw %d "
                "requests",
                requests_for(calls[0].path));
  site_stop(&site);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, retry_rules);
  GRADE_ADD(s, success_takes_one_try);
  GRADE_ADD(s, client_errors_are_not_retried);
  GRADE_ADD(s, server_errors_are_retried);
  GRADE_ADD(s, timeouts_are_retried);
  GRADE_ADD(s, tries_are_bounded);
  GRADE_ADD(s, backoff_grows_and_is_capped);
  GRADE_ADD(s, jitter_spreads_the_retries);
  GRADE_ADD(s, cancelled_in_a_wait_leaves_nothing);
}

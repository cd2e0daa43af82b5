/* test_reconnect.c - tests of chapter 08, exercise 2: reconnect() under
 * virtual time.
 *
 * There is no network: the attempt is a fake that answers from a script
 * (succeed, fail with an errno, take some time, or hang until cancelled)
 * and records the virtual instant of every call. Each test turns virtual
 * time on first, so seconds of backoff take microseconds, and checks
 * every instant exactly: the loop's clock only moves when every task
 * waits, and then straight to the next deadline.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "reconnect.h"

#define MAX_CALLS 16
#define HANG 1 /* a script entry: wait until cancelled */

typedef struct {
  int answers[MAX_CALLS];      /* what call k returns: 0, a negative errno, or HANG */
  int64_t takes_ms[MAX_CALLS]; /* how long call k takes before it answers */
  int repeat_last;             /* calls past the script repeat its last entry */
  int n;                       /* entries in the script */

  int calls;
  int64_t at[MAX_CALLS]; /* when each call began, from the start */
  int cancelled;         /* calls whose wait returned -ECANCELED */
  int running;           /* calls in progress */
  int64_t start;
  ac_event_t *never;
} fake_t;

static void fake_init(fake_t *f, int n, const int *answers)
{
  memset(f, 0, sizeof *f);
  f->n = n;
  memcpy(f->answers, answers, (size_t)n * sizeof *answers);
  f->repeat_last = 1;
  ck_assert_int_eq(ac_event_create(&f->never), 0);
  f->start = ac_loop_time();
}

static void fake_close(fake_t *f)
{
  ac_event_close(f->never);
}

static int64_t since(const fake_t *f)
{
  return ac_loop_time() - f->start;
}

static int fake_attempt(void *ctx)
{
  fake_t *f = ctx;
  int k = f->calls < f->n ? f->calls : f->n - 1;
  if (f->calls < MAX_CALLS)
    f->at[f->calls] = since(f);
  f->calls++;
  f->running++;
  int rc = 0;
  if (f->takes_ms[k] > 0)
    rc = ac_task_sleep(f->takes_ms[k]);
  if (rc == 0 && f->answers[k] == HANG)
    rc = ac_event_wait(f->never);
  f->running--;
  if (rc == -ECANCELED) {
    f->cancelled++;
    return -ECANCELED;
  }
  return f->answers[k];
}

static const reconnect_policy_t policy = {.first_delay_ms = 100,
                                          .max_delay_ms = 1000,
                                          .attempt_timeout_ms = 500,
                                          .give_up_ms = 60000,
                                          .max_attempts = 10};

static void expect_calls_at(const fake_t *f, int n, const int64_t *want)
{
  ck_assert_msg(f->calls == n, "expected %d attempts, there were %d", n, f->calls);
  for (int i = 0; i < n; i++)
    ck_assert_msg(f->at[i] == want[i], "expected attempt %d at %lld ms, it came at %lld ms", i + 1,
                  (long long)want[i], (long long)f->at[i]);
}

static void expect_return(int rc, int want, int attempts, int want_attempts, const fake_t *f,
                          int64_t want_ms)
{
  ck_assert_msg(rc == want, "expected reconnect() to return %d (%s), it returned %d (%s)", want,
                ac_error_message(want), rc, ac_error_message(rc));
  ck_assert_msg(attempts == want_attempts, "expected *attempts to be %d, it was %d", want_attempts,
                attempts);
  ck_assert_msg(since(f) == want_ms,
                "expected reconnect() to return at %lld ms, it returned at %lld ms",
                (long long)want_ms, (long long)since(f));
  ck_assert_msg(f->running == 0, "an attempt was still running when reconnect() returned");
}

/* ---- the schedule --------------------------------------------------------- */

static int at_once_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f;
  fake_init(&f, 1, (int[]){0});
  f.takes_ms[0] = 40;
  int attempts = -1;
  int rc = reconnect(&policy, fake_attempt, &f, &attempts);
  expect_return(rc, 0, attempts, 1, &f, 40);
  fake_close(&f);
  return 0;
}

START_TEST(first_success_returns_at_once)
{
  grade_run(at_once_body, NULL);
}
END_TEST

static int backoff_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f;
  int refused = -ECONNREFUSED;
  fake_init(&f, 7, (int[]){refused, refused, refused, refused, refused, refused, 0});
  int attempts = -1;
  int rc = reconnect(&policy, fake_attempt, &f, &attempts);
  /* Pauses of 100, 200, 400, 800, then the cap: 1000, 1000. */
  expect_calls_at(&f, 7, (int64_t[]){0, 100, 300, 700, 1500, 2500, 3500});
  expect_return(rc, 0, attempts, 7, &f, 3500);
  fake_close(&f);
  return 0;
}

START_TEST(pauses_double_up_to_the_cap)
{
  grade_run(backoff_body, NULL);
}
END_TEST

static int max_attempts_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f;
  fake_init(&f, 1, (int[]){-ECONNRESET});
  reconnect_policy_t four = policy;
  four.max_attempts = 4;
  int attempts = -1;
  int rc = reconnect(&four, fake_attempt, &f, &attempts);
  expect_calls_at(&f, 4, (int64_t[]){0, 100, 300, 700});
  expect_return(rc, -ECONNRESET, attempts, 4, &f, 700); /* no pause after the last */
  fake_close(&f);
  return 0;
}

START_TEST(gives_up_after_max_attempts)
{
  grade_run(max_attempts_body, NULL);
}
END_TEST

static int hang_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f;
  fake_init(&f, 3, (int[]){HANG, HANG, 0});
  int attempts = -1;
  int rc = reconnect(&policy, fake_attempt, &f, &attempts);
  /* Each hanging attempt is cut at 500 ms, then the pause: 100, then 200. */
  expect_calls_at(&f, 3, (int64_t[]){0, 600, 1300});
  ck_assert_msg(f.cancelled == 2, "expected both hanging attempts to be cancelled, %d were",
                f.cancelled);
  expect_return(rc, 0, attempts, 3, &f, 1300);
  /* And when the last attempt hangs, its -ETIMEDOUT is the answer. */
  fake_t g;
  fake_init(&g, 1, (int[]){HANG});
  reconnect_policy_t two = policy;
  two.max_attempts = 2;
  rc = reconnect(&two, fake_attempt, &g, &attempts);
  expect_calls_at(&g, 2, (int64_t[]){0, 600});
  expect_return(rc, -ETIMEDOUT, attempts, 2, &g, 1100);
  fake_close(&g);
  fake_close(&f);
  return 0;
}

START_TEST(a_hanging_attempt_is_cut_at_its_timeout)
{
  grade_run(hang_body, NULL);
}
END_TEST

static int give_up_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f;
  fake_init(&f, 1, (int[]){-EHOSTUNREACH});
  reconnect_policy_t soon = policy;
  soon.give_up_ms = 1000;
  soon.max_attempts = 100;
  int attempts = -1;
  int rc = reconnect(&soon, fake_attempt, &f, &attempts);
  /* 0, 100, 300, 700; the next would start at 1500, after 1000. */
  expect_calls_at(&f, 4, (int64_t[]){0, 100, 300, 700});
  expect_return(rc, -EHOSTUNREACH, attempts, 4, &f, 700);
  fake_close(&f);
  return 0;
}

START_TEST(no_attempt_starts_after_give_up)
{
  grade_run(give_up_body, NULL);
}
END_TEST

static int permanent_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  static const int permanent[] = {-EACCES, -EPROTO, -EINVAL};
  for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++) {
    fake_t f;
    fake_init(&f, 2, (int[]){permanent[i], 0});
    int attempts = -1;
    int rc = reconnect(&policy, fake_attempt, &f, &attempts);
    expect_return(rc, permanent[i], attempts, 1, &f, 0);
    fake_close(&f);
  }
  fake_t f; /* and -EAGAIN is worth retrying, like the network's errors */
  fake_init(&f, 2, (int[]){-EAGAIN, 0});
  int attempts = -1;
  int rc = reconnect(&policy, fake_attempt, &f, &attempts);
  expect_return(rc, 0, attempts, 2, &f, 100);
  fake_close(&f);
  return 0;
}

START_TEST(other_errors_are_not_retried)
{
  grade_run(permanent_body, NULL);
}
END_TEST

/* ---- cancellation --------------------------------------------------------- */

typedef struct {
  fake_t *fake;
  int rc, attempts;
  int64_t returned_at;
} caller_t;

static int caller(void *arg, void **result)
{
  caller_t *c = arg;
  (void)result;
  c->rc = reconnect(&policy, fake_attempt, c->fake, &c->attempts);
  c->returned_at = since(c->fake);
  return 0;
}

static void cancel_at(fake_t *f, int64_t at_ms, caller_t *c)
{
  ac_task_t *task;
  ck_assert_int_eq(ac_task_create(&task, caller, c), 0);
  ck_assert_int_eq(ac_task_sleep(at_ms), 0);
  ck_assert_int_eq(ac_future_cancel(task), 1);
  ck_assert_int_eq(ac_future_await(task, NULL), 0);
  ac_future_release(task);
  ck_assert_msg(c->rc == -ECANCELED,
                "expected a cancelled reconnect() to return -ECANCELED, it "
                "returned %d (%s)",
                c->rc, ac_error_message(c->rc));
  ck_assert_msg(c->returned_at == at_ms,
                "expected the cancelled reconnect() to return at once (%lld "
                "ms), it returned at %lld ms",
                (long long)at_ms, (long long)c->returned_at);
  int calls = f->calls;
  ck_assert_int_eq(ac_task_sleep(5000), 0);
  ck_assert_msg(f->calls == calls && f->running == 0,
                "attempts went on after reconnect() was cancelled");
}

static int cancel_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f; /* during a pause: attempts at 0 and 100, the pause after is 200 */
  fake_init(&f, 1, (int[]){-ECONNREFUSED});
  caller_t c = {.fake = &f};
  cancel_at(&f, 250, &c);
  ck_assert_int_eq(f.calls, 2);
  fake_close(&f);
  fake_t g; /* during an attempt */
  fake_init(&g, 2, (int[]){-ECONNREFUSED, HANG});
  caller_t d = {.fake = &g};
  cancel_at(&g, 150, &d);
  ck_assert_msg(g.cancelled == 1, "expected the attempt in progress to be cancelled");
  fake_close(&g);
  return 0;
}

START_TEST(a_cancelled_caller_stops_at_once)
{
  grade_run(cancel_body, NULL);
}
END_TEST

/* ---- bad policies --------------------------------------------------------- */

static int bad_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  fake_t f;
  fake_init(&f, 1, (int[]){0});
  reconnect_policy_t bad[6];
  for (int i = 0; i < 6; i++)
    bad[i] = policy;
  bad[0].first_delay_ms = 0;
  bad[1].max_delay_ms = 99;
  bad[2].attempt_timeout_ms = 0;
  bad[3].give_up_ms = -1;
  bad[4].max_attempts = 0;
  bad[5].first_delay_ms = -100;
  int attempts;
  for (int i = 0; i < 6; i++) {
    int rc = reconnect(&bad[i], fake_attempt, &f, &attempts);
    ck_assert_msg(rc == -EINVAL, "expected bad policy %d to get -EINVAL, got %d (%s)", i, rc,
                  ac_error_message(rc));
  }
  ck_assert_int_eq(reconnect(NULL, fake_attempt, &f, &attempts), -EINVAL);
  ck_assert_int_eq(reconnect(&policy, NULL, &f, &attempts), -EINVAL);
  ck_assert_msg(f.calls == 0, "a bad policy still made %d attempts", f.calls);
  ck_assert_int_eq(reconnect(&policy, fake_attempt, &f, NULL), 0); /* attempts may be NULL */
  fake_close(&f);
  return 0;
}

START_TEST(bad_policies_are_rejected)
{
  grade_run(bad_body, NULL);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, first_success_returns_at_once);
  GRADE_ADD(s, pauses_double_up_to_the_cap);
  GRADE_ADD(s, gives_up_after_max_attempts);
  GRADE_ADD(s, a_hanging_attempt_is_cut_at_its_timeout);
  GRADE_ADD(s, no_attempt_starts_after_give_up);
  GRADE_ADD(s, other_errors_are_not_retried);
  GRADE_ADD(s, a_cancelled_caller_stops_at_once);
  GRADE_ADD(s, bad_policies_are_rejected);
}

/* test_rate_limiter.c - tests of chapter 04, exercise 2: a sliding-window
 * rate limiter (rate_limiter.h).
 *
 * Every test runs as the main task of ac_loop_run(). Tasks acquire from a
 * limiter and note when each acquisition returned (ac_loop_time_precise()); the
 * checks are on the order of those times and on generous fractions and
 * multiples of the period, since a timer never fires early but may fire
 * late on a loaded machine.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "grade.h"
#include "grade_ac.h"
#include "rate_limiter.h"

static rate_limiter_t *make_limiter(int limit, int64_t period_ms)
{
  rate_limiter_t *l = NULL;
  int rc = rate_limiter_create(&l, limit, period_ms);
  ck_assert_msg(rc == 0 && l != NULL,
                "expected rate_limiter_create(&l, %d, %lld) to return 0 and a limiter, "
                "it returned %d (%s)%s",
                limit, (long long)period_ms, rc, ac_error_message(rc),
                rc == 0 ? " and no limiter" : "");
  return l;
}

static void destroy_limiter(rate_limiter_t *l)
{
  int rc = rate_limiter_close(l);
  ck_assert_msg(rc == 0,
                "expected rate_limiter_close() to return 0 with no task waiting, "
                "it returned %d (%s)",
                rc, ac_error_message(rc));
}

/* Acquire once in the main task; returns when it returned. */
static double acquire_now(rate_limiter_t *l, const char *which)
{
  int rc = rate_limiter_acquire(l);
  double at = ac_loop_time_precise();
  ck_assert_msg(rc == 0, "expected 0 from the %s acquisition, got %d (%s)", which, rc,
                ac_error_message(rc));
  return at;
}

/* The order in which acquirer tasks got their turns, by id. */
static int served[16];
static size_t served_len;

/* A task that acquires once, after @delay_ms, and notes how it went. */
typedef struct {
  rate_limiter_t *limiter;
  int id;
  int64_t delay_ms; /* sleeps this long before acquiring */
  int rc;           /* what rate_limiter_acquire() returned */
  double at;        /* ac_loop_time_precise() when it returned */
  int done;         /* 1 once acquire has returned */
} acquirer_t;

static int acquirer(void *arg, void **result)
{
  acquirer_t *a = arg;

  (void)result;
  if (a->delay_ms > 0 && ac_task_sleep(a->delay_ms) < 0)
    return -ECANCELED;
  a->rc = rate_limiter_acquire(a->limiter);
  a->at = ac_loop_time_precise();
  a->done = 1;
  if (a->rc == 0 && served_len < sizeof served / sizeof served[0])
    served[served_len++] = a->id;
  return 0;
}

static ac_task_t *start(ac_task_fn fn, void *arg)
{
  ac_task_t *t = NULL;
  int rc = ac_task_create(&t, fn, arg);
  ck_assert_msg(rc == 0, "expected ac_task_create() to return 0, got %d (%s)", rc,
                ac_error_message(rc));
  return t;
}

/* Wait at most @timeout_ms for all @n tasks, fail with @what if they did
 * not all finish, and release them. */
static void finish(ac_task_t **tasks, size_t n, int64_t timeout_ms, const char *what)
{
  int rc = ac_future_wait_for(tasks, n, AC_WAIT_ALL_COMPLETED, timeout_ms);
  ck_assert_msg(rc == (int)n, "expected %s within %lld ms; only %d of %zu tasks had finished", what,
                (long long)timeout_ms, rc < 0 ? 0 : rc, n);
  for (size_t i = 0; i < n; i++)
    ac_future_release(tasks[i]);
}

/* ---- bad_arguments_are_rejected ----------------------------------------- */

static int not_a_limiter; /* something for *limiter to point at before the call */

static int bad_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  int rc = rate_limiter_create(NULL, 1, 100);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL for a NULL limiter pointer, got %d (%s)", rc,
                ac_error_message(rc));

  const struct {
    int limit;
    int64_t period_ms;
  } bad[] = {{0, 100}, {-1, 100}, {1, 0}, {1, -5}, {0, 0}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rate_limiter_t *l = (rate_limiter_t *)(void *)&not_a_limiter;
    rc = rate_limiter_create(&l, bad[i].limit, bad[i].period_ms);
    ck_assert_msg(rc == -EINVAL, "expected -EINVAL for limit %d, period %lld ms, got %d (%s)",
                  bad[i].limit, (long long)bad[i].period_ms, rc, ac_error_message(rc));
    ck_assert_msg(l == NULL, "expected *limiter set to NULL after -EINVAL (limit %d, period %lld)",
                  bad[i].limit, (long long)bad[i].period_ms);
  }

  rc = rate_limiter_acquire(NULL);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from acquire(NULL), got %d (%s)", rc,
                ac_error_message(rc));
  rc = rate_limiter_close(NULL);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from destroy(NULL), got %d (%s)", rc,
                ac_error_message(rc));
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  grade_run(bad_main, NULL);
}
END_TEST

/* ---- first_acquisitions_pass_at_once ------------------------------------ */

static int first_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  rate_limiter_t *l = make_limiter(3, 1000);
  double start_at = ac_loop_time_precise();
  double last = start_at;
  for (int i = 0; i < 3; i++) {
    int rc = rate_limiter_acquire(l);
    last = ac_loop_time_precise();
    ck_assert_msg(rc == 0, "expected 0 from acquisition %d of 3 (limit 3), got %d (%s)", i + 1, rc,
                  ac_error_message(rc));
  }
  ck_assert_msg(last - start_at < 0.9 * 1000.0,
                "expected 3 acquisitions with a limit of 3 to pass at once, they took %.0f ms "
                "(the period is 1000 ms)",
                last - start_at);
  destroy_limiter(l);
  return 0;
}

START_TEST(first_acquisitions_pass_at_once)
{
  grade_run(first_main, NULL);
}
END_TEST

/* ---- next_waits_for_the_window ------------------------------------------ */

/* Limit 3, period 1000 ms: one acquisition at 0, two more at ~900 ms. The
 * fourth may go once the first's place is free, at ~1000 ms: a period
 * after the first, only ~100 ms after the third. A limiter that restarts
 * the window makes it wait a period after the third: so long a period
 * leaves a loaded machine 800 ms between the two. */
static int window_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  const double period = 1000.0;
  rate_limiter_t *l = make_limiter(3, (int64_t)period);
  double first = acquire_now(l, "first");
  ck_assert_int_eq(ac_task_sleep((int64_t)(0.9 * period)), 0);
  (void)acquire_now(l, "second");
  double third = acquire_now(l, "third");
  double fourth = acquire_now(l, "fourth");

  ck_assert_msg(fourth - first >= 0.9 * period,
                "expected the 4th acquisition (limit 3) no earlier than a period (%.0f ms) after "
                "the first, it came after %.0f ms",
                period, fourth - first);
  ck_assert_msg(fourth - third < 0.9 * period,
                "expected the 4th acquisition to go when the first one's place came free "
                "(%.0f ms after the first, ~100 ms after the third at %.0f ms), but it waited "
                "%.0f ms after the third: the window slides, it does not restart",
                period, third - first, fourth - third);
  ck_assert_msg(fourth - first < 3.0 * period,
                "expected the 4th acquisition about %.0f ms after the first, it came after %.0f ms",
                period, fourth - first);
  destroy_limiter(l);
  return 0;
}

START_TEST(next_waits_for_the_window)
{
  grade_run(window_main, NULL);
}
END_TEST

/* ---- no_window_holds_more_than_limit ------------------------------------ */

#define WORKERS 8
#define EACH 3
#define STAMPS (1 + WORKERS * EACH)

static double stamps[STAMPS]; /* when each acquisition returned */
static size_t n_stamps;
static int worker_error; /* the first error a worker got, or 0 */

static int worker(void *arg, void **result)
{
  rate_limiter_t *l = arg;

  (void)result;
  for (int k = 0; k < EACH; k++) {
    int rc = rate_limiter_acquire(l);
    if (rc < 0) {
      if (worker_error == 0)
        worker_error = rc;
      return rc;
    }
    if (n_stamps < STAMPS)
      stamps[n_stamps++] = ac_loop_time_precise();
  }
  return 0;
}

static int by_time(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Limit 4, period 100 ms. One acquisition first, then half a period later
 * eight tasks of three acquisitions each, so that the places come free at
 * different moments: a window counted from fixed starting points would let
 * twice the limit through around each of those points. */
static int crowd_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  const int limit = 4;
  const double period = 100.0;
  rate_limiter_t *l = make_limiter(limit, (int64_t)period);
  ac_task_t *tasks[WORKERS];

  n_stamps = 0;
  worker_error = 0;
  stamps[n_stamps++] = acquire_now(l, "first");
  ck_assert_int_eq(ac_task_sleep(50), 0);
  for (int i = 0; i < WORKERS; i++)
    tasks[i] = start(worker, l);
  finish(tasks, WORKERS, 3000, "eight tasks' 24 acquisitions done");
  ck_assert_msg(worker_error == 0, "expected every acquisition to return 0, one got %d (%s)",
                worker_error, ac_error_message(worker_error));
  ck_assert_msg(n_stamps == STAMPS, "expected %d acquisitions to return, %zu did", STAMPS,
                n_stamps);

  qsort(stamps, STAMPS, sizeof stamps[0], by_time);
  for (size_t i = 0; i + (size_t)limit < STAMPS; i++)
    ck_assert_msg(stamps[i + limit] - stamps[i] >= 0.9 * period,
                  "expected at most %d acquisitions in any 100 ms, but acquisitions %zu and %zu "
                  "(of %d, in time order) returned %.1f ms apart, at %.1f and %.1f ms",
                  limit, i + 1, i + 1 + (size_t)limit, STAMPS, stamps[i + limit] - stamps[i],
                  stamps[i] - stamps[0], stamps[i + limit] - stamps[0]);
  /* 25 acquisitions, 4 per period: the last one can go after 6 periods. */
  double total = stamps[STAMPS - 1] - stamps[0];
  ck_assert_msg(total < 3.0 * 6 * period,
                "expected the %d acquisitions done in about 600 ms (at most 1800), they took "
                "%.0f ms",
                STAMPS, total);
  destroy_limiter(l);
  return 0;
}

START_TEST(no_window_holds_more_than_limit)
{
  grade_run(crowd_main, NULL);
}
END_TEST

/* ---- waiters_served_in_arrival_order ------------------------------------ */

static const char *served_string(void)
{
  static char buf[128];
  size_t len = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < served_len && len < sizeof buf; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", i ? " " : "", served[i]);
  return buf;
}

static int order_main(void *arg, void **result)
{
  (void)arg;
  (void)result;

  /* Six tasks, started in order, on one place of 30 ms. */
  rate_limiter_t *l = make_limiter(1, 30);
  acquirer_t a[6];
  ac_task_t *tasks[6];
  served_len = 0;
  for (int i = 0; i < 6; i++) {
    a[i] = (acquirer_t){.limiter = l, .id = i};
    tasks[i] = start(acquirer, &a[i]);
  }
  finish(tasks, 6, 2000, "six acquisitions on a 30 ms window done");
  for (int i = 0; i < 6; i++)
    ck_assert_msg(a[i].rc == 0, "expected 0 from task %d's acquisition, got %d (%s)", i, a[i].rc,
                  ac_error_message(a[i].rc));
  int in_order = served_len == 6;
  for (size_t i = 0; in_order && i < 6; i++)
    in_order = served[i] == (int)i;
  ck_assert_msg(in_order,
                "expected the tasks served in the order they arrived (0 1 2 3 4 5), got %s",
                served_string());
  destroy_limiter(l);

  /* One place of 100 ms, taken by this task. Task 1 waits for it from the
   * start; this task (2) asks again just as the place comes free: its sleep
   * of one period ends in the same turn of the loop as the place's time,
   * before task 1 is woken by it. Task 1 has waited longer: it goes first.
   * The sleep ends in that turn only if it starts in the millisecond of the
   * loop's clock in which the place was taken: task 1 is made first (it
   * runs only once this task suspends), and a setup split by a tick is made
   * again. */
  acquirer_t early = {.id = 1};
  tasks[0] = start(acquirer, &early);
  served_len = 0;
  l = NULL;
  int same_ms = 0;
  for (int attempt = 0; attempt < 50 && !same_ms; attempt++) {
    if (l != NULL)
      destroy_limiter(l);
    int64_t taken_at = ac_loop_time();
    l = make_limiter(1, 100);
    early.limiter = l;
    (void)acquire_now(l, "main task's first");
    same_ms = ac_loop_time() == taken_at;
  }
  ck_assert_msg(same_ms, "the test could not take the place and start its sleep in one "
                         "millisecond in 50 attempts");
  ck_assert_int_eq(ac_task_sleep(100), 0);
  (void)acquire_now(l, "main task's second");
  if (served_len < sizeof served / sizeof served[0])
    served[served_len++] = 2;
  finish(tasks, 1, 2000, "task 1's acquisition on a 100 ms window done");
  ck_assert_msg(early.rc == 0, "expected 0 from task 1's acquisition, got %d (%s)", early.rc,
                ac_error_message(early.rc));
  ck_assert_msg(served_len == 2 && served[0] == 1,
                "expected the task that had waited since the start (1) to go before the one "
                "asking as the place came free (2), got %s",
                served_string());
  destroy_limiter(l);
  return 0;
}

START_TEST(waiters_served_in_arrival_order)
{
  grade_run(order_main, NULL);
}
END_TEST

/* ---- cancelled_waiter_uses_no_slot -------------------------------------- */

/* One place of 600 ms, taken at 0. B and C wait; B is cancelled at 50 ms.
 * C must go at ~600 ms, when the place comes free: had B kept a place, C
 * would go a period later, at ~1200 ms. */
static int cancel_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  const double period = 600.0;
  rate_limiter_t *l = make_limiter(1, (int64_t)period);
  double first = acquire_now(l, "first");
  acquirer_t b = {.limiter = l, .id = 1};
  acquirer_t c = {.limiter = l, .id = 2};
  ac_task_t *tb = start(acquirer, &b);
  ac_task_t *tc = start(acquirer, &c);
  ck_assert_int_eq(ac_task_sleep(50), 0);
  ck_assert_msg(!b.done && !c.done, "expected B and C to wait for the place taken at 0");

  ac_future_cancel(tb);
  finish(&tb, 1, 1000, "the cancelled waiter B to return");
  ck_assert_msg(b.done && b.rc == -ECANCELED,
                "expected -ECANCELED from the cancelled waiter B, got %d (%s)", b.rc,
                ac_error_message(b.rc));
  ck_assert_msg(b.at - first < 0.9 * period,
                "expected B's -ECANCELED soon after its cancel at 50 ms, it came after %.0f ms",
                b.at - first);

  finish(&tc, 1, 2000, "the waiter C to get its turn");
  ck_assert_msg(c.rc == 0, "expected 0 from C's acquisition, got %d (%s)", c.rc,
                ac_error_message(c.rc));
  ck_assert_msg(c.at - first >= 0.9 * period,
                "expected C to wait until the place taken at 0 came free (%.0f ms), it went "
                "after %.0f ms",
                period, c.at - first);
  ck_assert_msg(c.at - first < 1.9 * period,
                "expected C to go when the place came free, ~%.0f ms after the first "
                "acquisition, not %.0f ms as if the cancelled B had used a place; it went after "
                "%.0f ms",
                period, 2 * period, c.at - first);

  /* B's cancelled wait must not have added a place either. */
  double next = acquire_now(l, "last");
  ck_assert_msg(next - c.at >= 0.9 * period,
                "expected the next acquisition to wait a period (%.0f ms) after C's, it went "
                "%.0f ms after: the cancelled waiter gave back a place it never took",
                period, next - c.at);
  destroy_limiter(l);
  return 0;
}

START_TEST(cancelled_waiter_uses_no_slot)
{
  grade_run(cancel_main, NULL);
}
END_TEST

/* ---- close_frees_everything ------------------------------------------- */

typedef struct {
  rate_limiter_t *limiter;
  int rc;
} destroyer_t;

/* Try to destroy the limiter at 50 ms, while two tasks wait in acquire. */
static int destroyer(void *arg, void **result)
{
  destroyer_t *d = arg;

  (void)result;
  int rc = ac_task_sleep(50);
  d->rc = rc < 0 ? rc : rate_limiter_close(d->limiter);
  return 0;
}

/* Two places of 300 ms, both taken at 0; tasks W0 and W1 wait for them.
 * At 50 ms destroy must refuse. At 300 ms the main task wakes in the same
 * turn of the loop as the two timers that free the places, just after
 * them: W0 and W1 have been handed their turns but have not run yet, so
 * they are still inside acquire and destroy must refuse again. Once they
 * have returned, destroy must succeed with their two timers pending, and
 * the test sleeps past them: a timer left armed would run on freed memory
 * (AddressSanitizer), and memory not freed is a leak (LeakSanitizer). */
static int destroy_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  /* The two places must be taken, and the main task's sleep started, in
   * one millisecond of the loop's clock, so that the sleep ends in the same
   * turn as the two timers. So the tasks are made first (they run only
   * once this task suspends), and a setup split by a tick is made again. */
  acquirer_t w[2] = {{.id = 0}, {.id = 1}};
  destroyer_t d = {.rc = 1};
  ac_task_t *tasks[2] = {start(acquirer, &w[0]), start(acquirer, &w[1])};
  ac_task_t *td = start(destroyer, &d);
  rate_limiter_t *l = NULL;
  int same_ms = 0;
  for (int attempt = 0; attempt < 50 && !same_ms; attempt++) {
    if (l != NULL)
      destroy_limiter(l);
    uint64_t taken_at = ac_loop_time();
    l = make_limiter(2, 300);
    (void)acquire_now(l, "first");
    (void)acquire_now(l, "second");
    w[0].limiter = w[1].limiter = d.limiter = l;
    same_ms = ac_loop_time() == taken_at;
  }
  ck_assert_msg(same_ms, "the test could not take both places and start its sleep in one "
                         "millisecond in 50 attempts");
  ck_assert_int_eq(ac_task_sleep(300), 0);
  int rc = rate_limiter_close(l);

  finish(&td, 1, 1000, "the destroying task to end");
  ck_assert_msg(d.rc == -EBUSY,
                "expected -EBUSY from destroy while two tasks waited in acquire, got %d (%s)", d.rc,
                ac_error_message(d.rc));
  /* The waiters have their places but have not run yet. */
  ck_assert_msg(!w[0].done && !w[1].done,
                "expected the two waiters not to have run yet in the turn their places came "
                "free");
  ck_assert_msg(rc == -EBUSY,
                "expected -EBUSY from destroy while a task had been handed its turn but had not "
                "returned from acquire yet (it still uses the limiter), got %d (%s)",
                rc, ac_error_message(rc));
  finish(tasks, 2, 1000, "the two waiters to get their turns after destroy refused");
  rc = rate_limiter_close(l);
  for (int i = 0; i < 2; i++)
    ck_assert_msg(w[i].rc == 0, "expected 0 from waiter W%d once the places came free, got %d (%s)",
                  i, w[i].rc, ac_error_message(w[i].rc));
  ck_assert_msg(rc == 0,
                "expected 0 from destroy once no task waited (two timers still pending), got %d "
                "(%s)",
                rc, ac_error_message(rc));
  /* Past the two pending timers: one left armed would now touch freed memory. */
  ck_assert_int_eq(ac_task_sleep(400), 0);
  return 0;
}

START_TEST(close_frees_everything)
{
  grade_run(destroy_main, NULL);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, first_acquisitions_pass_at_once);
  GRADE_ADD(s, next_waits_for_the_window);
  GRADE_ADD(s, no_window_holds_more_than_limit);
  GRADE_ADD(s, waiters_served_in_arrival_order);
  GRADE_ADD(s, cancelled_waiter_uses_no_slot);
  GRADE_ADD(s, close_frees_everything);
}

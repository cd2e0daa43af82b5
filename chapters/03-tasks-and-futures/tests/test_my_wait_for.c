/* test_my_wait_for.c - tests of chapter 03, exercise 2: my_wait_for()
 * awaits a future for a limited time, and cancels it when time is up.
 *
 * Every test runs as the main task of ac_loop_run() and waits for a worker task
 * that sleeps, then returns; a cancelled worker takes a moment to clean up.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>

#include "grade.h"
#include "grade_ac.h"
#include "my_wait_for.h"

typedef struct {
  int64_t delay_ms;   /* how long it works */
  int error;          /* what it returns when not cancelled */
  int64_t cleanup_ms; /* how long its cleanup takes when cancelled */
  int cleaned;        /* 1 once its cleanup has finished */
} worker_t;

static int worker(void *arg, void **result)
{
  worker_t *w = arg;

  int rc = ac_task_sleep(w->delay_ms);
  if (rc == -ECANCELED) {
    /* A cancelled task may still wait for its cleanup. */
    if (w->cleanup_ms > 0)
      ac_task_sleep(w->cleanup_ms);
    w->cleaned = 1;
    return rc;
  }
  *result = (void *)(intptr_t)42;
  return w->error;
}

typedef struct {
  worker_t w;
  int64_t timeout;
  int rc;
  void *result;
  double elapsed;
  ac_future_state_t state; /* the worker's state when my_wait_for() returned */
  int cleaned;             /* its cleanup flag when my_wait_for() returned */
} wait_run_t;

static int wait_main(void *arg, void **result)
{
  wait_run_t *r = arg;
  ac_task_t *t;

  (void)result;
  ck_assert_int_eq(ac_task_create(&t, worker, &r->w), 0);
  double start = ac_loop_time_precise();
  r->rc = my_wait_for(t, r->timeout, &r->result);
  r->elapsed = ac_loop_time_precise() - start;
  r->state = ac_future_state(t);
  r->cleaned = r->w.cleaned;
  ac_future_release(t);
  return 0;
}

static int bad_main(void *arg, void **result)
{
  ac_future_t *f;

  (void)arg;
  (void)result;
  ck_assert_int_eq(my_wait_for(NULL, 10, NULL), -EINVAL);
  ck_assert_int_eq(ac_future_create(&f), 0);
  ck_assert_int_eq(my_wait_for(f, -5, NULL), -EINVAL);
  ck_assert_msg(ac_future_state(f) == AC_FUTURE_PENDING,
                "expected a rejected call to leave the future alone");
  ac_future_release(f);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  grade_run(bad_main, NULL);
}
END_TEST

START_TEST(result_in_time_is_returned)
{
  wait_run_t r = {.w = {.delay_ms = 20}, .timeout = 1000};
  grade_run(wait_main, &r);
  ck_assert_msg(r.rc == 0, "expected 0 for a task that finishes in time, got %d", r.rc);
  ck_assert_msg((intptr_t)r.result == 42, "expected the result 42, got %ld",
                (long)(intptr_t)r.result);
  ck_assert_msg(r.elapsed < 0.9 * 1000.0,
                "expected to return when the task did (20 ms), not at the 1000 ms deadline; "
                "took %.0f ms",
                r.elapsed);
}
END_TEST

START_TEST(error_passes_through)
{
  wait_run_t r = {.w = {.delay_ms = 10, .error = -EIO}, .timeout = 1000};
  grade_run(wait_main, &r);
  ck_assert_msg(r.rc == -EIO, "expected the task's -EIO, got %d", r.rc);
}
END_TEST

START_TEST(slow_task_times_out_and_is_cancelled)
{
  wait_run_t r = {.w = {.delay_ms = 2000}, .timeout = 50};
  grade_run(wait_main, &r);
  ck_assert_msg(r.rc == -ETIMEDOUT, "expected -ETIMEDOUT, got %d", r.rc);
  ck_assert_msg(r.elapsed >= 45.0 && r.elapsed < 1000.0,
                "expected to return soon after the 50 ms deadline, took %.0f ms", r.elapsed);
  ck_assert_msg(r.state == AC_FUTURE_CANCELLED,
                "expected the task cancelled and finished, state %d", (int)r.state);
}
END_TEST

START_TEST(timeout_waits_for_cleanup)
{
  wait_run_t r = {.w = {.delay_ms = 2000, .cleanup_ms = 60}, .timeout = 30};
  grade_run(wait_main, &r);
  ck_assert_msg(r.rc == -ETIMEDOUT, "expected -ETIMEDOUT, got %d", r.rc);
  ck_assert_msg(r.cleaned, "expected my_wait_for() to return only after the task's cleanup");
  ck_assert_msg(r.elapsed >= 85.0, "expected 30 ms + 60 ms of cleanup, returned after %.0f ms",
                r.elapsed);
}
END_TEST

START_TEST(no_timeout_waits_as_long_as_it_takes)
{
  wait_run_t r = {.w = {.delay_ms = 80}, .timeout = AC_NO_TIMEOUT};
  grade_run(wait_main, &r);
  ck_assert_msg(r.rc == 0, "expected 0 with AC_NO_TIMEOUT, got %d", r.rc);
  ck_assert_msg((intptr_t)r.result == 42, "expected the result 42");
}
END_TEST

/* The caller of my_wait_for() is itself cancelled from outside. */
typedef struct {
  worker_t w;
  int64_t timeout;   /* given to my_wait_for() */
  int64_t cancel_at; /* when the caller is cancelled, in ms */
  int rc;
  ac_future_state_t state;
} outer_t;

static int waiter(void *arg, void **result)
{
  outer_t *o = arg;
  ac_task_t *t;

  (void)result;
  ck_assert_int_eq(ac_task_create(&t, worker, &o->w), 0);
  o->rc = my_wait_for(t, o->timeout, NULL);
  o->state = ac_future_state(t);
  ac_future_release(t);
  return o->rc;
}

static int outer_main(void *arg, void **result)
{
  ac_task_t *t;

  (void)result;
  ck_assert_int_eq(ac_task_create(&t, waiter, arg), 0);
  ck_assert_int_eq(ac_task_sleep(((outer_t *)arg)->cancel_at), 0);
  ac_future_cancel(t);
  ac_future_await(t, NULL);
  ac_future_release(t);
  return 0;
}

START_TEST(cancelled_caller_gets_ecanceled)
{
  outer_t o = {.w = {.delay_ms = 2000}, .timeout = 1000, .cancel_at = 30};
  grade_run(outer_main, &o);
  ck_assert_msg(o.rc == -ECANCELED,
                "expected -ECANCELED when the caller is cancelled (not -ETIMEDOUT), got %d", o.rc);
  ck_assert_msg(o.state == AC_FUTURE_CANCELLED, "expected the awaited task cancelled too");

  /* Cancelled after the deadline, while the timed-out task still cleans
   * up: the caller's own cancellation wins over the timeout. */
  o = (outer_t){.w = {.delay_ms = 2000, .cleanup_ms = 150}, .timeout = 30, .cancel_at = 80};
  grade_run(outer_main, &o);
  ck_assert_msg(o.rc == -ECANCELED,
                "a caller cancelled at 80 ms, after its 30 ms deadline but during the task's "
                "150 ms cleanup: expected -ECANCELED (it was cancelled), got %d (%s)",
                o.rc, ac_error_message(o.rc));
}
END_TEST

/* After my_wait_for() returned in time, its timer must be gone: firing
 * later, it would cancel whatever its dead stack frame pointed at. */
static int in_time_main(void *arg, void **result)
{
  worker_t quick = {.delay_ms = 10}, later = {.delay_ms = 150};
  ac_task_t *t, *next;

  (void)arg;
  (void)result;
  ck_assert_int_eq(ac_task_create(&t, worker, &quick), 0);
  int rc = my_wait_for(t, 50, NULL);
  ac_future_release(t);
  ck_assert_msg(rc == 0, "expected 0 from a 10 ms task with a 50 ms timeout, got %d", rc);
  /* Keep the loop running well past the 50 ms deadline. */
  ck_assert_int_eq(ac_task_create(&next, worker, &later), 0);
  rc = ac_future_await(next, NULL);
  ac_future_release(next);
  ck_assert_msg(rc == 0 && !later.cleaned,
                "expected nothing to be cancelled after my_wait_for() returned in time, but a "
                "task running past the deadline got %d (%s): was the timer left armed?",
                rc, ac_error_message(rc));
  return 0;
}

START_TEST(timer_is_gone_after_an_in_time_return)
{
  grade_run(in_time_main, NULL);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, result_in_time_is_returned);
  GRADE_ADD(s, error_passes_through);
  GRADE_ADD(s, slow_task_times_out_and_is_cancelled);
  GRADE_ADD(s, timeout_waits_for_cleanup);
  GRADE_ADD(s, no_timeout_waits_as_long_as_it_takes);
  GRADE_ADD(s, cancelled_caller_gets_ecanceled);
  GRADE_ADD(s, timer_is_gone_after_an_in_time_return);
}

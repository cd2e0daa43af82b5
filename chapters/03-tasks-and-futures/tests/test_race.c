/* test_race.c - tests of chapter 03, exercise 3: race() starts several
 * tasks, keeps the first to finish, and cancels the others.
 *
 * Every test runs as the main task of ac_loop_run(). The runners sleep (or
 * wait for a starting signal), note when they started and whether their
 * cleanup ran, and return their index. race() gets arrays of exactly n
 * entries, on the heap, so a read past them is caught.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "grade_task_create_fails.h"
#include "race.h"

typedef struct {
  int64_t delay_ms;      /* how long it runs */
  ac_event_t *go;        /* if not NULL, it runs until this is set instead */
  int error;             /* what it returns when it finishes (0 or -errno) */
  intptr_t value;        /* its result */
  int started;           /* 1 once it has started */
  int cleaned;           /* 1 once its cleanup after a cancellation is over */
  int started_when_done; /* how many runners had started when it finished */
} runner_t;

static runner_t runners[4];

static int runner(void *arg, void **result)
{
  runner_t *r = arg;

  r->started = 1;
  int rc = r->go != NULL ? ac_event_wait(r->go) : ac_task_sleep(r->delay_ms);
  if (rc == -ECANCELED) {
    ac_task_sleep(20); /* cleanup that takes a moment */
    r->cleaned = 1;
    return rc;
  }
  for (int i = 0; i < 4; i++)
    r->started_when_done += runners[i].started;
  *result = (void *)r->value;
  return r->error;
}

static const ac_task_fn fns[4] = {runner, runner, runner, runner};
static void *const args[4] = {&runners[0], &runners[1], &runners[2], &runners[3]};

/* race() on the first @n runners, with arrays of exactly @n entries. */
static int race_exactly(size_t n, size_t *winner, void **result)
{
  ac_task_fn *f = grade_array(n, sizeof *f);
  void **a = grade_array(n, sizeof *a);
  memcpy(f, fns, n * sizeof *f);
  memcpy(a, args, n * sizeof *a);
  int rc = race(f, a, n, winner, result);
  free(a);
  free(f);
  return rc;
}

typedef struct {
  size_t n;
  int rc;
  size_t winner;
  void *result;
  double elapsed;
  size_t tasks_after;
} race_run_t;

static int race_main(void *arg, void **result)
{
  race_run_t *r = arg;

  (void)result;
  r->winner = 99;
  double start = ac_loop_time_precise();
  r->rc = race_exactly(r->n, &r->winner, &r->result);
  r->elapsed = ac_loop_time_precise() - start;
  r->tasks_after = ac_task_all(NULL, 0);
  return 0;
}

static int bad_main(void *arg, void **result)
{
  ac_task_fn with_null[2] = {runner, NULL};

  (void)arg;
  (void)result;
  ck_assert_int_eq(race(fns, args, 0, NULL, NULL), -EINVAL);
  ck_assert_int_eq(race(NULL, args, 2, NULL, NULL), -EINVAL);
  ck_assert_int_eq(race(with_null, args, 2, NULL, NULL), -EINVAL);
  ck_assert_msg(!runners[0].started, "expected no task to start on bad input");
  return 0;
}

START_TEST(bad_input_is_rejected)
{
  grade_run(bad_main, NULL);
}
END_TEST

static void set_runners(int64_t d0, int64_t d1, int64_t d2)
{
  runners[0] = (runner_t){.delay_ms = d0, .value = 10};
  runners[1] = (runner_t){.delay_ms = d1, .value = 11};
  runners[2] = (runner_t){.delay_ms = d2, .value = 12};
}

START_TEST(fastest_wins)
{
  race_run_t r = {.n = 3};
  set_runners(1000, 30, 600);
  grade_run(race_main, &r);
  ck_assert_msg(r.rc == 0, "expected 0 from the winner, got %d", r.rc);
  ck_assert_msg(r.winner == 1, "expected runner 1 (30 ms) to win, got %zu", r.winner);
  ck_assert_msg((intptr_t)r.result == 11, "expected the winner's result 11, got %ld",
                (long)(intptr_t)r.result);
  ck_assert_msg(r.elapsed < 0.9 * 1000.0,
                "expected race() to end soon after 30 ms, not to wait for the 1000 ms loser; it "
                "took %.0f ms",
                r.elapsed);
}
END_TEST

START_TEST(runners_overlap)
{
  race_run_t r = {.n = 3};
  set_runners(500, 30, 400);
  grade_run(race_main, &r);
  ck_assert_msg(runners[1].started_when_done == 3,
                "expected all 3 runners started before the winner finished, %d were",
                runners[1].started_when_done);
}
END_TEST

START_TEST(losers_are_cancelled_and_cleaned_up)
{
  race_run_t r = {.n = 3};
  set_runners(1000, 30, 600);
  grade_run(race_main, &r);
  ck_assert_msg(runners[0].cleaned && runners[2].cleaned,
                "expected both losers' cleanup to be over when race() returned");
  ck_assert_msg(!runners[1].cleaned, "expected the winner not to be cancelled");
  ck_assert_msg(r.tasks_after == 1, "expected only the main task left, %zu were", r.tasks_after);
}
END_TEST

START_TEST(winner_error_passes_through)
{
  race_run_t r = {.n = 3};
  set_runners(1000, 600, 20);
  runners[2].error = -EIO;
  grade_run(race_main, &r);
  ck_assert_msg(r.rc == -EIO, "expected the winner's -EIO, got %d", r.rc);
  ck_assert_msg(r.winner == 2, "expected runner 2 to win, got %zu", r.winner);
  ck_assert_msg(runners[0].cleaned && runners[1].cleaned, "expected the losers cleaned up");
}
END_TEST

/* The three runners wait for one event, which a timer sets: they wake and
 * finish in one turn of the loop, before race() runs again. (Equal sleeps
 * would not do: their deadlines can fall in two milliseconds.) */
static void open_gate(void *arg)
{
  ck_assert_int_eq(ac_event_set(arg), 0);
}

static int tie_main(void *arg, void **result)
{
  ac_event_t *go;
  ac_handle_t *timer;

  ck_assert_int_eq(ac_event_create(&go), 0);
  for (int i = 0; i < 3; i++)
    runners[i].go = go;
  ck_assert_int_eq(ac_loop_call_later(20, open_gate, go, &timer), 0);
  int rc = race_main(arg, result);
  ac_handle_close(timer);
  ac_event_close(go);
  return rc;
}

START_TEST(lowest_index_wins_a_tie)
{
  race_run_t r = {.n = 3};
  set_runners(1000, 1000, 1000);
  grade_run(tie_main, &r);
  ck_assert_int_eq(r.rc, 0);
  ck_assert_msg(r.winner == 0,
                "three tasks finishing in the same turn: expected the lowest index, 0, to win, "
                "got %zu",
                r.winner);
}
END_TEST

START_TEST(single_runner)
{
  race_run_t r = {.n = 1};
  set_runners(10, 0, 0);
  grade_run(race_main, &r);
  ck_assert_int_eq(r.rc, 0);
  ck_assert_msg(r.winner == 0 && (intptr_t)r.result == 10, "expected runner 0 to win with 10");
}
END_TEST

/* The caller of race() is cancelled from outside. */
static int racer(void *arg, void **result)
{
  race_run_t *r = arg;

  (void)result;
  r->rc = race_exactly(r->n, &r->winner, &r->result);
  return r->rc;
}

static int cancel_main(void *arg, void **result)
{
  race_run_t *r = arg;
  ac_task_t *t;

  (void)result;
  ck_assert_int_eq(ac_task_create(&t, racer, r), 0);
  ck_assert_int_eq(ac_task_sleep(30), 0);
  ac_future_cancel(t);
  ac_future_await(t, NULL);
  ac_future_release(t);
  r->tasks_after = ac_task_all(NULL, 0);
  return 0;
}

START_TEST(cancelled_caller_leaves_nothing_running)
{
  race_run_t r = {.n = 3};
  set_runners(1000, 1000, 1000);
  grade_run(cancel_main, &r);
  ck_assert_msg(r.rc == -ECANCELED, "expected -ECANCELED, got %d", r.rc);
  for (int i = 0; i < 3; i++)
    ck_assert_msg(runners[i].cleaned, "expected runner %d cancelled and cleaned up", i);
  ck_assert_msg(r.tasks_after == 1, "expected only the main task left, %zu were", r.tasks_after);
}
END_TEST

START_TEST(create_error_is_cleaned_up)
{
  /* The third ac_task_create() fails: the two runners already started
   * must be cancelled, cleaned up and given back before the error. */
  race_run_t r = {.n = 3};
  set_runners(1000, 1000, 1000);
  fail_create_at = 3;
  grade_run(race_main, &r);
  ck_assert_msg(r.rc == -ENOMEM,
                "when the 3rd ac_task_create() fails with -ENOMEM (%d), expected it to be "
                "returned, got %d (%s)",
                -ENOMEM, r.rc, ac_error_message(r.rc));
  for (int i = 0; i < 2; i++)
    ck_assert_msg(runners[i].started && runners[i].cleaned,
                  "expected runner %d, started before the failure, to be cancelled and cleaned "
                  "up when race() returned",
                  i);
  ck_assert_msg(!runners[2].started, "expected runner 2, never created, not to run");
  ck_assert_msg(r.tasks_after == 1, "expected only the main task left, %zu were", r.tasks_after);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_input_is_rejected);
  GRADE_ADD(s, fastest_wins);
  GRADE_ADD(s, runners_overlap);
  GRADE_ADD(s, losers_are_cancelled_and_cleaned_up);
  GRADE_ADD(s, winner_error_passes_through);
  GRADE_ADD(s, lowest_index_wins_a_tie);
  GRADE_ADD(s, single_runner);
  GRADE_ADD(s, cancelled_caller_leaves_nothing_running);
  GRADE_ADD(s, create_error_is_cleaned_up);
}

/* test_my_gather.c - tests of chapter 03, exercise 1: my_gather() waits for
 * many futures, keeps results in order, and cancels the rest on the first
 * failure.
 *
 * Every test runs as the main task of ac_loop_run(). The futures are mostly
 * tasks that sleep, note when they start and end, and return a value. The
 * arrays of futures and of results have exactly n entries, on the heap, so
 * a read or a write past them is caught.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "my_gather.h"

/* One worker task: sleeps, then returns its error or its value. */
typedef struct {
  int64_t delay_ms; /* how long it sleeps */
  int error;        /* what it returns (0 or a negative errno) */
  intptr_t value;   /* its result when it succeeds */
  double started;   /* ac_loop_time_precise() when it started */
  double ended;     /* when it returned, 0 if never */
  int cancelled;    /* 1 if its sleep was cancelled */
} worker_t;

static int worker(void *arg, void **result)
{
  worker_t *w = arg;

  w->started = ac_loop_time_precise();
  int rc = ac_task_sleep(w->delay_ms);
  w->ended = ac_loop_time_precise();
  if (rc == -ECANCELED) {
    w->cancelled = 1;
    return rc;
  }
  if (w->error < 0)
    return w->error;
  *result = (void *)w->value;
  return 0;
}

/* One gather over n workers, and what it left behind. */
typedef struct {
  size_t n;
  worker_t w[4];
  void *results[4];
  int rc;                     /* what my_gather() returned */
  double elapsed;             /* how long it took, in ms */
  ac_future_state_t state[4]; /* each task's state when it returned */
  size_t tasks_after;         /* unfinished tasks right after it returned */
} gather_run_t;

static int gather_main(void *arg, void **result)
{
  gather_run_t *g = arg;
  ac_task_t **tasks = grade_array(g->n, sizeof *tasks);
  void **results = grade_array(g->n, sizeof *results);

  (void)result;
  for (size_t i = 0; i < g->n; i++)
    ck_assert_int_eq(ac_task_create(&tasks[i], worker, &g->w[i]), 0);
  double start = ac_loop_time_precise();
  g->rc = my_gather((ac_future_t *const *)tasks, g->n, results);
  g->elapsed = ac_loop_time_precise() - start;
  g->tasks_after = ac_task_all(NULL, 0);
  for (size_t i = 0; i < g->n; i++) {
    g->results[i] = results[i];
    g->state[i] = ac_future_state(tasks[i]);
    ac_future_release(tasks[i]);
  }
  free(results);
  free(tasks);
  return 0;
}

static int bad_input_main(void *arg, void **result)
{
  ac_future_t *list[2] = {NULL, NULL};

  (void)arg;
  (void)result;
  ck_assert_int_eq(my_gather(NULL, 0, NULL), 0);
  ck_assert_int_eq(my_gather(list, 0, NULL), 0);
  ck_assert_int_eq(my_gather(NULL, 2, NULL), -EINVAL);
  ck_assert_int_eq(my_gather(list, 2, NULL), -EINVAL);
  return 0;
}

START_TEST(empty_and_bad_input)
{
  grade_run(bad_input_main, NULL);
}
END_TEST

START_TEST(results_in_order)
{
  gather_run_t g = {.n = 3};
  g.w[0] = (worker_t){.delay_ms = 60, .value = 100};
  g.w[1] = (worker_t){.delay_ms = 20, .value = 101};
  g.w[2] = (worker_t){.delay_ms = 40, .value = 102};
  grade_run(gather_main, &g);
  ck_assert_msg(g.rc == 0, "expected my_gather() to return 0, it returned %d", g.rc);
  for (int i = 0; i < 3; i++)
    ck_assert_msg((intptr_t)g.results[i] == 100 + i, "expected results[%d] to be %d, it was %ld", i,
                  100 + i, (long)(intptr_t)g.results[i]);
}
END_TEST

START_TEST(waits_overlap)
{
  gather_run_t g = {.n = 3};
  for (int i = 0; i < 3; i++)
    g.w[i] = (worker_t){.delay_ms = 100, .value = i};
  grade_run(gather_main, &g);
  ck_assert_int_eq(g.rc, 0);
  double last_start = 0, first_end = 0;
  for (int i = 0; i < 3; i++) {
    ck_assert_msg(g.w[i].ended > 0, "expected worker %d to have finished", i);
    if (g.w[i].started > last_start)
      last_start = g.w[i].started;
    if (first_end == 0 || g.w[i].ended < first_end)
      first_end = g.w[i].ended;
  }
  /* Told by the order of the starts and ends, which a loaded machine
   * cannot change, rather than by how long it all took. */
  ck_assert_msg(last_start < first_end,
                "expected the three 100 ms waits to overlap: every worker started before the "
                "first one ended, but the last start came %.0f ms after the first end",
                last_start - first_end);
}
END_TEST

START_TEST(first_error_cancels_the_rest)
{
  gather_run_t g = {.n = 3};
  g.w[0] = (worker_t){.delay_ms = 1000, .value = 1};
  g.w[1] = (worker_t){.delay_ms = 20, .error = -EIO};
  g.w[2] = (worker_t){.delay_ms = 1000, .value = 3};
  grade_run(gather_main, &g);
  ck_assert_msg(g.rc == -EIO, "expected the failing worker's -EIO, got %d", g.rc);
  ck_assert_msg(g.elapsed < 0.9 * 1000.0,
                "expected my_gather() to return soon after the failure at 20 ms, not to wait "
                "for the 1000 ms workers; it took %.0f ms",
                g.elapsed);
  ck_assert_msg(g.w[0].cancelled && g.w[2].cancelled, "expected the slow workers to be cancelled");
  ck_assert_msg(g.state[0] == AC_FUTURE_CANCELLED && g.state[2] == AC_FUTURE_CANCELLED,
                "expected the slow workers to have finished as cancelled on return");
  ck_assert_msg(g.tasks_after == 1,
                "expected only the main task left after my_gather(), %zu tasks were",
                g.tasks_after);
  ck_assert_msg(g.results[1] == NULL, "expected a NULL result for the failed worker");
}
END_TEST

/* Plain futures, finished by timers in reverse order. */
static ac_future_t *plain[3];

static void finish_plain(void *arg)
{
  intptr_t i = (intptr_t)arg;
  ck_assert_int_eq(ac_future_set_result(plain[i], (void *)(i * 10)), 0);
}

static int plain_main(void *arg, void **result)
{
  void **results = grade_array(3, sizeof *results);

  (void)arg;
  (void)result;
  for (intptr_t i = 0; i < 3; i++) {
    ck_assert_int_eq(ac_future_create(&plain[i]), 0);
    ck_assert_int_eq(ac_loop_call_later(40 - 10 * i, finish_plain, (void *)i, NULL), 0);
  }
  int rc = my_gather(plain, 3, results);
  ck_assert_msg(rc == 0, "expected 0 for three futures that succeed, got %d", rc);
  for (intptr_t i = 0; i < 3; i++) {
    ck_assert_msg((intptr_t)results[i] == i * 10, "expected results[%ld] = %ld, got %ld", (long)i,
                  (long)(i * 10), (long)(intptr_t)results[i]);
    ac_future_release(plain[i]);
  }
  free(results);
  return 0;
}

START_TEST(plain_futures_work)
{
  grade_run(plain_main, NULL);
}
END_TEST

static int done_main(void *arg, void **result)
{
  ac_future_t **f = grade_array(2, sizeof *f);
  void **results = grade_array(2, sizeof *results);

  (void)arg;
  (void)result;
  for (intptr_t i = 0; i < 2; i++) {
    ck_assert_int_eq(ac_future_create(&f[i]), 0);
    ck_assert_int_eq(ac_future_set_result(f[i], (void *)(i + 7)), 0);
  }
  int rc = my_gather(f, 2, results);
  ck_assert_msg(rc == 0, "expected 0 for finished futures, got %d", rc);
  ck_assert_msg((intptr_t)results[0] == 7 && (intptr_t)results[1] == 8, "expected results 7 and 8");
  ac_future_release(f[0]);
  ac_future_release(f[1]);
  free(results);
  free(f);
  return 0;
}

START_TEST(already_finished_futures)
{
  grade_run(done_main, NULL);
}
END_TEST

/* A gatherer task that the main task cancels while it waits. */
typedef struct {
  worker_t w[2];
  int rc;
  ac_future_state_t state[2];
  size_t tasks_after;
} cancel_run_t;

static int gatherer(void *arg, void **result)
{
  cancel_run_t *c = arg;
  ac_task_t **tasks = grade_array(2, sizeof *tasks);

  (void)result;
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(ac_task_create(&tasks[i], worker, &c->w[i]), 0);
  c->rc = my_gather((ac_future_t *const *)tasks, 2, NULL);
  for (int i = 0; i < 2; i++) {
    c->state[i] = ac_future_state(tasks[i]);
    ac_future_release(tasks[i]);
  }
  free(tasks);
  return c->rc;
}

static int cancel_main(void *arg, void **result)
{
  cancel_run_t *c = arg;
  ac_task_t *t;

  (void)result;
  ck_assert_int_eq(ac_task_create(&t, gatherer, c), 0);
  ck_assert_int_eq(ac_task_sleep(30), 0);
  ck_assert_int_eq(ac_future_cancel(t), 1);
  int rc = ac_future_await(t, NULL);
  ck_assert_msg(rc == -ECANCELED, "expected the gatherer to end with -ECANCELED, got %d", rc);
  ac_future_release(t);
  c->tasks_after = ac_task_all(NULL, 0);
  return 0;
}

START_TEST(cancelled_caller_leaves_nothing_running)
{
  cancel_run_t c = {0};
  c.w[0] = (worker_t){.delay_ms = 1000};
  c.w[1] = (worker_t){.delay_ms = 1000};
  grade_run(cancel_main, &c);
  ck_assert_msg(c.rc == -ECANCELED, "expected my_gather() to return -ECANCELED, got %d", c.rc);
  ck_assert_msg(c.state[0] == AC_FUTURE_CANCELLED && c.state[1] == AC_FUTURE_CANCELLED,
                "expected both workers cancelled and finished when my_gather() returned");
  ck_assert_msg(c.tasks_after == 1, "expected only the main task left, %zu were", c.tasks_after);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, empty_and_bad_input);
  GRADE_ADD(s, results_in_order);
  GRADE_ADD(s, waits_overlap);
  GRADE_ADD(s, first_error_cancels_the_rest);
  GRADE_ADD(s, plain_futures_work);
  GRADE_ADD(s, already_finished_futures);
  GRADE_ADD(s, cancelled_caller_leaves_nothing_running);
}

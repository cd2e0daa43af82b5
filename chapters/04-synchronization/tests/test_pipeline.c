/* test_pipeline.c - tests of chapter 04, exercise 1: pipeline_run() joins a
 * producer and a pool of workers with a bounded queue.
 *
 * Every test runs as the main task of ac_loop_run(). The test's produce() and
 * consume() record what happened: the items made, the consume() calls
 * started and finished, how many were in progress at once, how far the
 * producer ran ahead of the workers, and when. A watchdog cancels a
 * pipeline_run() that has not returned after WATCHDOG_MS, so a join that
 * never ends fails with a message instead of a timeout.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>

#include "grade.h"
#include "grade_ac.h"
#include "grade_task_create_fails.h"
#include "pipeline.h"

#define MAX_ITEMS 100
#define WATCHDOG_MS 2000

typedef struct {
  /* what the test asks for */
  int items;            /* produce() makes items 1..items, then returns 0 */
  int64_t consume_ms;   /* how long each consume() sleeps */
  int64_t last_ms;      /* if > 0, the last item's consume() sleeps this long */
  int vary;             /* 1: consume() of item n sleeps n % 3 ms instead */
  int produce_fails_at; /* if > 0, this produce() call returns -EIO */
  int consume_fails_on; /* if > 0, consume() of this item returns -EIO */
  size_t workers;
  int maxsize;

  /* what happened */
  int produce_calls;
  int produced;
  int max_ahead;               /* most of (produced - started) seen at a produce() call */
  int consumed[MAX_ITEMS + 1]; /* consume() calls per item */
  int foreign_items;           /* consume() calls with an item produce() never made */
  int started, finished;       /* consume() calls */
  int in_progress, max_in_progress;
  int cancelled;             /* consume() calls whose sleep returned -ECANCELED */
  int failed;                /* 1 once the failing consume() has returned */
  int started_after_failure; /* consume() calls started after that */
  double last_finish;        /* when the last consume() returned */

  /* the outcome */
  int rc;
  double elapsed;     /* ms in pipeline_run() (after the cancel, for a cancelled caller) */
  double returned_at; /* when it returned */
  int finished_at_return;
  size_t tasks_after; /* unfinished tasks when it returned */
  int in_progress_at_cancel;
  int hung; /* pipeline_run() had not returned in time */
} run_t;

static run_t run;

static int produce(void *ctx, void **item)
{
  run_t *r = ctx;

  r->produce_calls++;
  /* Items made and not yet being consumed: in the queue, or handed to a
   * worker that has not started on it yet. */
  int ahead = r->produced - r->started;
  if (ahead > r->max_ahead)
    r->max_ahead = ahead;
  if (r->produce_calls == r->produce_fails_at)
    return -EIO;
  if (r->produced == r->items)
    return 0;
  r->produced++;
  *item = (void *)(intptr_t)r->produced;
  return 1;
}

static int consume(void *ctx, void *item)
{
  run_t *r = ctx;
  intptr_t n = (intptr_t)item;

  if (n < 1 || n > r->produced) {
    r->foreign_items++;
    return 0;
  }
  r->consumed[n]++;
  r->started++;
  if (r->failed)
    r->started_after_failure++;
  if (++r->in_progress > r->max_in_progress)
    r->max_in_progress = r->in_progress;

  int64_t ms = r->consume_ms;
  if (r->vary)
    ms = n % 3;
  if (n == r->items && r->last_ms > 0)
    ms = r->last_ms;
  int rc = ac_task_sleep(ms);

  r->in_progress--;
  r->finished++;
  r->last_finish = ac_loop_time_precise();
  if (rc == -ECANCELED) {
    r->cancelled++;
    return rc;
  }
  if (n == r->consume_fails_on) {
    r->failed = 1;
    return -EIO;
  }
  return rc;
}

/* ---- running a pipeline -------------------------------------------------- */

typedef struct {
  ac_task_t *task;
  int fired;
  ac_handle_t *handle;
} watchdog_t;

static void watchdog_fired(void *arg)
{
  watchdog_t *w = arg;

  w->fired = 1;
  ac_future_cancel(w->task);
}

static void watchdog_start(watchdog_t *w)
{
  *w = (watchdog_t){.task = ac_task_current()};
  ck_assert_int_eq(ac_loop_call_later(WATCHDOG_MS, watchdog_fired, w, &w->handle), 0);
}

/* Stop the watchdog; 1 if it had fired. */
static int watchdog_stop(watchdog_t *w)
{
  ac_handle_close(w->handle);
  return w->fired;
}

static int pipeline_main(void *arg, void **result)
{
  run_t *r = arg;
  watchdog_t dog;

  (void)result;
  watchdog_start(&dog);
  double start = ac_loop_time_precise();
  r->rc = pipeline_run(produce, consume, r, r->workers, r->maxsize);
  r->returned_at = ac_loop_time_precise();
  r->elapsed = r->returned_at - start;
  r->finished_at_return = r->finished;
  r->tasks_after = ac_task_all(NULL, 0);
  r->hung = watchdog_stop(&dog);
  return 0;
}

/* Run a pipeline as set up in @r, and check that it returned in time. */
static void run_pipeline(run_t *r)
{
  grade_run(pipeline_main, r);
  ck_assert_msg(!r->hung,
                "expected pipeline_run() to return, it had not after %d ms and the test "
                "cancelled it (does every worker call ac_queue_task_done() for each item it "
                "gets, so that ac_queue_join() can return?)",
                WATCHDOG_MS);
}

/* Macros, so that a failure names the line of the test. */
#define EXPECT_RC(r, want)                                                                \
  ck_assert_msg((r)->rc == (want),                                                        \
                "expected pipeline_run() to return %d (%s), it returned %d (%s)", (want), \
                ac_error_message(want), (r)->rc, ac_error_message((r)->rc))

#define EXPECT_NO_TASK_LEFT(r)                                                          \
  ck_assert_msg((r)->tasks_after == 1,                                                  \
                "expected only the test's task left when pipeline_run() returned, %zu " \
                "tasks were (are the workers awaited?)",                                \
                (r)->tasks_after)

/* ---- the tests ----------------------------------------------------------- */

#define BAD_CASES 5

static const char *const bad_names[BAD_CASES] = {"a NULL produce", "a NULL consume", "workers == 0",
                                                 "maxsize == 0", "maxsize == -1"};

static int bad_rc[BAD_CASES];

static int bad_main(void *arg, void **result)
{
  run_t *r = arg;
  watchdog_t dog;

  (void)result;
  watchdog_start(&dog);
  bad_rc[0] = pipeline_run(NULL, consume, r, 2, 2);
  bad_rc[1] = pipeline_run(produce, NULL, r, 2, 2);
  bad_rc[2] = pipeline_run(produce, consume, r, 0, 2);
  bad_rc[3] = pipeline_run(produce, consume, r, 2, 0);
  bad_rc[4] = pipeline_run(produce, consume, r, 2, -1);
  r->tasks_after = ac_task_all(NULL, 0);
  r->hung = watchdog_stop(&dog);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  run = (run_t){.items = 5};
  grade_run(bad_main, &run);
  ck_assert_msg(!run.hung,
                "expected pipeline_run() to reject bad arguments at once, it had "
                "not returned after %d ms",
                WATCHDOG_MS);
  for (int i = 0; i < BAD_CASES; i++)
    ck_assert_msg(bad_rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", bad_names[i],
                  bad_rc[i], ac_error_message(bad_rc[i]));
  ck_assert_msg(run.produce_calls == 0 && run.started == 0,
                "expected nothing called on bad arguments, produce() was called %d times and "
                "consume() %d times",
                run.produce_calls, run.started);
  EXPECT_NO_TASK_LEFT(&run);
}
END_TEST

START_TEST(every_item_consumed_once)
{
  run = (run_t){.items = 20, .vary = 1, .workers = 3, .maxsize = 4};
  run_pipeline(&run);
  EXPECT_RC(&run, 0);
  ck_assert_msg(run.produced == 20,
                "expected produce() to be called until it ran out, it made "
                "%d items of 20",
                run.produced);
  ck_assert_msg(run.foreign_items == 0,
                "expected consume() to get only items produce() made, %d were not",
                run.foreign_items);
  for (int i = 1; i <= 20; i++)
    ck_assert_msg(run.consumed[i] == 1, "expected item %d to be consumed once, it was %d times", i,
                  run.consumed[i]);
  EXPECT_NO_TASK_LEFT(&run);

  run = (run_t){.items = 0, .workers = 2, .maxsize = 1};
  run_pipeline(&run);
  ck_assert_msg(run.rc == 0, "expected 0 from a producer with no items, got %d (%s)", run.rc,
                ac_error_message(run.rc));
  ck_assert_msg(run.started == 0, "expected no consume() call without items, there were %d",
                run.started);
  EXPECT_NO_TASK_LEFT(&run);
}
END_TEST

START_TEST(workers_overlap)
{
  run = (run_t){.items = 6, .consume_ms = 100, .workers = 3, .maxsize = 2};
  run_pipeline(&run);
  EXPECT_RC(&run, 0);
  ck_assert_msg(run.max_in_progress <= 3,
                "expected at most 3 consume() calls at once (one per worker), there were %d",
                run.max_in_progress);
  ck_assert_msg(run.max_in_progress == 3,
                "expected the 3 workers to consume at the same time, at most %d did",
                run.max_in_progress);
  /* That the workers overlap is told by the count above, which a loaded
   * machine cannot change; time gives only a lower bound. */
  ck_assert_msg(run.elapsed >= 0.9 * 200,
                "expected two rounds of 100 ms (six items, three workers), it took only %.0f ms",
                run.elapsed);
}
END_TEST

START_TEST(producer_is_held_back)
{
  run = (run_t){.items = 10, .consume_ms = 20, .workers = 1, .maxsize = 2};
  run_pipeline(&run);
  EXPECT_RC(&run, 0);
  ck_assert_msg(run.finished == 10, "expected all 10 items consumed, %d were", run.finished);
  /* maxsize in the queue, plus one handed straight to each waiting worker. */
  ck_assert_msg(run.max_ahead <= 2 + 1,
                "expected the producer never more than maxsize + workers = 3 items ahead of "
                "the consume() calls started, it was %d ahead (is the queue bounded by "
                "maxsize?)",
                run.max_ahead);
}
END_TEST

START_TEST(returns_after_the_last_item_is_done)
{
  run = (run_t){.items = 6, .consume_ms = 20, .last_ms = 150, .workers = 2, .maxsize = 2};
  run_pipeline(&run);
  EXPECT_RC(&run, 0);
  ck_assert_msg(run.finished_at_return == 6,
                "expected all 6 consume() calls finished when pipeline_run() returned, %d were",
                run.finished_at_return);
  ck_assert_msg(run.cancelled == 0,
                "expected no consume() cancelled in a pipeline that succeeds, %d were",
                run.cancelled);
  ck_assert_msg(run.last_finish <= run.returned_at,
                "expected pipeline_run() to return after the last consume(), it returned "
                "%.0f ms before",
                run.last_finish - run.returned_at);
  EXPECT_NO_TASK_LEFT(&run);
}
END_TEST

#define FAIL_ON 5
#define FULL_RUN_MS (MAX_ITEMS * 20 / 2)

START_TEST(consumer_error_stops_the_pipeline)
{
  run = (run_t){.items = MAX_ITEMS,
                .consume_ms = 20,
                .consume_fails_on = FAIL_ON,
                .workers = 2,
                .maxsize = 4};
  run_pipeline(&run);
  EXPECT_RC(&run, -EIO);
  /* Up to the failing item, what the other worker took meanwhile, a full
   * queue and one item waiting to be put. */
  int most = FAIL_ON + 4 + 2 + 2;
  ck_assert_msg(run.produce_calls <= most,
                "expected produce() stopped after the failure: at most %d calls, there were %d",
                most, run.produce_calls);
  ck_assert_msg(run.started_after_failure == 0,
                "expected no consume() to start after one failed (the queued items dropped), "
                "%d did",
                run.started_after_failure);
  ck_assert_msg(run.cancelled == 0 && run.finished == run.started,
                "expected the other worker to finish the item it held, not to be cancelled "
                "(%d of %d consume() calls cancelled)",
                run.cancelled, run.started);
  ck_assert_msg(run.elapsed < 0.9 * FULL_RUN_MS,
                "expected pipeline_run() to return soon after the failure at about 60 ms, it "
                "took %.0f ms (the full run takes %d ms)",
                run.elapsed, FULL_RUN_MS);
  EXPECT_NO_TASK_LEFT(&run);
}
END_TEST

START_TEST(producer_error_stops_the_pipeline)
{
  run = (run_t){
      .items = MAX_ITEMS, .consume_ms = 20, .produce_fails_at = 6, .workers = 2, .maxsize = 4};
  run_pipeline(&run);
  EXPECT_RC(&run, -EIO);
  ck_assert_msg(run.produce_calls == 6,
                "expected no produce() call after the one that failed (the 6th), there were %d "
                "calls",
                run.produce_calls);
  /* The failure comes at once, long before a 20 ms consume() ends: only
   * the items the workers hold by then may be consumed. */
  ck_assert_msg(run.started <= 2,
                "expected the queued items dropped: at most 2 consume() calls (one per worker), "
                "there were %d",
                run.started);
  ck_assert_msg(run.cancelled == 0 && run.finished == run.started,
                "expected the workers to finish the items they held, not to be cancelled (%d of "
                "%d consume() calls cancelled)",
                run.cancelled, run.started);
  EXPECT_NO_TASK_LEFT(&run);
}
END_TEST

/* pipeline_run() in a task of its own, which the test cancels. */
static int caller(void *arg, void **result)
{
  run_t *r = arg;

  (void)result;
  r->rc = pipeline_run(produce, consume, r, r->workers, r->maxsize);
  return 0;
}

static int cancel_main(void *arg, void **result)
{
  run_t *r = arg;
  ac_task_t *t;

  (void)result;
  ck_assert_int_eq(ac_task_create(&t, caller, r), 0);
  ck_assert_int_eq(ac_task_sleep(50), 0); /* both workers are in their 1000 ms consume() */
  r->in_progress_at_cancel = r->in_progress;
  double start = ac_loop_time_precise();
  ac_future_cancel(t);
  int n = ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, WATCHDOG_MS);
  r->elapsed = ac_loop_time_precise() - start;
  r->hung = n == 0;
  ac_future_release(t);
  r->tasks_after = ac_task_all(NULL, 0);
  return 0;
}

START_TEST(cancelled_caller_leaves_nothing_running)
{
  run = (run_t){.items = 10, .consume_ms = 1000, .workers = 2, .maxsize = 2};
  grade_run(cancel_main, &run);
  ck_assert_msg(!run.hung,
                "expected pipeline_run() to return once its caller was cancelled, "
                "it had not after %d ms",
                WATCHDOG_MS);
  EXPECT_RC(&run, -ECANCELED);
  ck_assert_msg(run.in_progress_at_cancel == 2,
                "expected 2 consume() calls in progress when the caller was cancelled, %d were",
                run.in_progress_at_cancel);
  ck_assert_msg(run.cancelled == run.started,
                "expected every consume() in progress to see -ECANCELED, %d of %d did",
                run.cancelled, run.started);
  ck_assert_msg(run.elapsed < 0.9 * 1000,
                "expected pipeline_run() to return soon after the cancellation (the consume() "
                "calls sleep 1000 ms), it took %.0f ms",
                run.elapsed);
  ck_assert_msg(run.tasks_after == 1,
                "expected only the test's task left once the caller had finished, %zu tasks "
                "were (are the workers cancelled and awaited?)",
                run.tasks_after);
}
END_TEST

START_TEST(create_error_is_cleaned_up)
{
  /* The second worker cannot be made: the first must be stopped, awaited
   * and given back, the queue closed, and the error returned, before
   * produce() is ever called. */
  run = (run_t){.items = 10, .consume_ms = 20, .workers = 3, .maxsize = 2};
  fail_create_at = 2;
  run_pipeline(&run);
  EXPECT_RC(&run, -ENOMEM);
  ck_assert_msg(run.produce_calls == 0 && run.started == 0,
                "expected nothing called when a worker cannot be made, produce() was called %d "
                "times and consume() %d times",
                run.produce_calls, run.started);
  EXPECT_NO_TASK_LEFT(&run);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, every_item_consumed_once);
  GRADE_ADD(s, workers_overlap);
  GRADE_ADD(s, producer_is_held_back);
  GRADE_ADD(s, returns_after_the_last_item_is_done);
  GRADE_ADD(s, consumer_error_stops_the_pipeline);
  GRADE_ADD(s, producer_error_stops_the_pipeline);
  GRADE_ADD(s, cancelled_caller_leaves_nothing_running);
  GRADE_ADD(s, create_error_is_cleaned_up);
}

/* test_executor.c - blocking work on threads: the default executor, pools,
 * cancellation of queued and running jobs, shutdown, and calls into the
 * loop from other threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "helpers.h"

static void block_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

typedef struct {
  int ms;
  int value;
  atomic_int started;
  atomic_int finished;
} work;

static int blocking_work(void *arg, void **result) {
  work *w = arg;
  atomic_store(&w->started, 1);
  block_ms(w->ms);
  atomic_store(&w->finished, 1);
  *result = INT2P(w->value);
  return w->value < 0 ? w->value : 0;
}

static int ticker(void *arg, void **result) {
  (void)result;
  for (;;) {
    int rc = ac_task_sleep(5);
    if (rc) return rc;
    (*(int *)arg)++;
  }
}

/* ---- the default executor ------------------------------------------------ */

static int to_thread_body(void *arg, void **result) {
  (void)arg, (void)result;
  int ticks = 0;
  ac_task_t *tick;
  ac_task_create(&tick, ticker, &ticks);
  work w = {150, 42, 0, 0};
  void *r = NULL;
  ck_assert_int_eq(ac_executor_run(NULL, blocking_work, &w, &r), 0);
  ck_assert_int_eq(P2INT(r), 42);
  ck_assert_msg(ticks >= 5,
                "the loop must keep running during the blocking job: %d ticks in 150 ms", ticks);
  work bad = {1, -EIO, 0, 0};
  ck_assert_int_eq(ac_executor_run(NULL, blocking_work, &bad, NULL), -EIO);
  ck_assert_int_eq(ac_executor_run(NULL, NULL, NULL, NULL), -EINVAL);
  ac_future_cancel(tick);
  ac_future_await(tick, NULL);
  ac_future_release(tick);
  return 0;
}
START_TEST(to_thread_runs_without_blocking_the_loop) { RUN_OK(to_thread_body, NULL); }
END_TEST

typedef struct {
  ac_executor_t *ex;
  work *w;
  int rc;
} job_arg;

static int run_job(void *arg, void **result) {
  job_arg *a = arg;
  a->rc = ac_executor_run(a->ex, blocking_work, a->w, result);
  return a->rc;
}

static int default_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  work w = {100, 1, 0, 0};
  job_arg a = {NULL, &w, 1};
  ac_task_t *t;
  ac_task_create(&t, run_job, &a);
  while (!atomic_load(&w.started)) ac_task_sleep(1);
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ck_assert_msg(!atomic_load(&w.finished), "cancel returns at once, without waiting for the job");
  while (!atomic_load(&w.finished))
    ac_task_sleep(5); /* the abandoned job still ends, and is freed */
  ac_future_release(t);
  return 0;
}
START_TEST(cancelled_default_job_is_abandoned_safely) { RUN_OK(default_cancel_body, NULL); }
END_TEST

/* ---- pools --------------------------------------------------------------- */

static int pool_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_executor_t *ex;
  ck_assert_int_eq(ac_executor_create(&ex, 0), -EINVAL);
  ck_assert_int_eq(ac_executor_create(&ex, 2), 0);
  work w[4] = {{80, 1, 0, 0}, {80, 2, 0, 0}, {80, 3, 0, 0}, {80, 4, 0, 0}};
  job_arg a[4];
  ac_task_t *t[4];
  double start = ac_loop_time_precise();
  for (int i = 0; i < 4; i++) {
    a[i] = (job_arg){ex, &w[i], 1};
    ac_task_create(&t[i], run_job, &a[i]);
  }
  void *res[4];
  ck_assert_int_eq(ac_future_gather(t, 4, res, NULL, 0), 0);
  double elapsed = ac_loop_time_precise() - start;
  for (int i = 0; i < 4; i++) ck_assert_int_eq(P2INT(res[i]), i + 1);
  /* Two at a time: about 160 ms; one at a time would be 320 ms. */
  ck_assert_msg(elapsed >= 150, "4 jobs of 80 ms on 2 workers took %.0f ms: too fast", elapsed);
  ck_assert_msg(elapsed < 300, "4 jobs of 80 ms on 2 workers took %.0f ms: not parallel", elapsed);
  for (int i = 0; i < 4; i++) ac_future_release(t[i]);
  ck_assert_int_eq(ac_executor_close(ex, 0), 0);
  return 0;
}
START_TEST(executor_pool_runs_jobs_in_parallel) { RUN_OK(pool_body, NULL); }
END_TEST

static int pool_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_executor_t *ex;
  ac_executor_create(&ex, 1);
  work busy = {100, 1, 0, 0}, queued = {1, 2, 0, 0};
  job_arg a = {ex, &busy, 1}, b = {ex, &queued, 1};
  ac_task_t *ta, *tb;
  ac_task_create(&ta, run_job, &a);
  ac_task_create(&tb, run_job, &b);
  while (!atomic_load(&busy.started)) ac_task_sleep(1);
  ac_future_cancel(tb); /* waits in the queue behind the busy one */
  ac_future_cancel(ta); /* running: abandoned */
  ck_assert_int_eq(ac_future_await(tb, NULL), -ECANCELED);
  ck_assert_int_eq(ac_future_await(ta, NULL), -ECANCELED);
  ck_assert_int_eq(ac_executor_close(ex, 0), 0); /* waits for the running one */
  ck_assert_msg(atomic_load(&busy.finished), "the abandoned job ran to its end");
  ck_assert_msg(!atomic_load(&queued.started), "a cancelled queued job never runs");
  ac_future_release(ta);
  ac_future_release(tb);
  return 0;
}
START_TEST(executor_cancel_removes_queued_and_abandons_running) { RUN_OK(pool_cancel_body, NULL); }
END_TEST

static int shutdown_nowait_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_executor_t *ex;
  ac_executor_create(&ex, 1);
  work busy = {50, 1, 0, 0}, queued = {1, 2, 0, 0};
  job_arg a = {ex, &busy, 1}, b = {ex, &queued, 1};
  ac_task_t *ta, *tb;
  ac_task_create(&ta, run_job, &a);
  ac_task_create(&tb, run_job, &b);
  while (!atomic_load(&busy.started)) ac_task_sleep(1);
  ck_assert_int_eq(ac_executor_close(ex, AC_EXECUTOR_NOWAIT), 0);
  ck_assert_int_eq(ac_future_await(tb, NULL), -ECANCELED); /* the queued job was cancelled */
  ck_assert_int_eq(ac_future_await(ta, NULL), 0);          /* the running one finished */
  ck_assert_int_eq(a.rc, 0);
  ac_future_release(ta);
  ac_future_release(tb);
  return 0;
}
START_TEST(executor_shutdown_without_wait_cancels_the_queue) { RUN_OK(shutdown_nowait_body, NULL); }
END_TEST

static int after_shutdown_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_executor_t *ex;
  ac_executor_create(&ex, 1);
  work w = {300, 1, 0, 0};
  ac_task_t *t;
  job_arg a = {ex, &w, 1};
  ac_task_create(&t, run_job, &a);
  while (!atomic_load(&w.started)) ac_task_sleep(1);
  ac_executor_close(ex, AC_EXECUTOR_NOWAIT);
  ck_assert_int_eq(ac_executor_close(ex, AC_EXECUTOR_NOWAIT), -EALREADY);
  ck_assert_int_eq(ac_executor_run(ex, blocking_work, &w, NULL), -ESHUTDOWN);
  return 0; /* the loop closes while the job runs: close waits for it */
}
START_TEST(executor_closing_loop_waits_for_running_jobs) { RUN_OK(after_shutdown_body, NULL); }
END_TEST

/* ---- calls from other threads -------------------------------------------- */

typedef struct {
  ac_loop_t *loop;
  ac_future_t *done;
  int order[100];
  int n;
} threadsafe_state;

static threadsafe_state ts;

static void record(void *arg) {
  ts.order[ts.n++] = P2INT(arg);
  if (ts.n == 100) ac_future_set_result(ts.done, NULL);
}

static void *caller_thread(void *arg) {
  (void)arg;
  block_ms(20); /* the loop is waiting by now */
  for (int i = 0; i < 100; i++) ac_loop_call_soon_threadsafe(ts.loop, record, INT2P(i));
  return NULL;
}

static int threadsafe_body(void *arg, void **result) {
  (void)arg, (void)result;
  ts.loop = ac_loop_current();
  ts.n = 0;
  ck_assert_ptr_nonnull(ts.loop);
  ac_future_create(&ts.done);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, caller_thread, NULL), 0);
  ck_assert_int_eq(ac_future_await_for(ts.done, 5000, NULL), 0); /* woken by the other thread */
  pthread_join(th, NULL);
  for (int i = 0; i < 100; i++) ck_assert_int_eq(ts.order[i], i); /* in the order sent */
  ac_future_release(ts.done);
  ck_assert_int_eq(ac_loop_call_soon_threadsafe(NULL, record, NULL), -EINVAL);
  ck_assert_int_eq(ac_loop_call_soon_threadsafe(ts.loop, NULL, NULL), -EINVAL);
  return 0;
}
START_TEST(call_soon_threadsafe_wakes_the_loop) { RUN_OK(threadsafe_body, NULL); }
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("executor");
  ADD_TEST(s, to_thread_runs_without_blocking_the_loop);
  ADD_TEST(s, cancelled_default_job_is_abandoned_safely);
  ADD_TEST(s, executor_pool_runs_jobs_in_parallel);
  ADD_TEST(s, executor_cancel_removes_queued_and_abandons_running);
  ADD_TEST(s, executor_shutdown_without_wait_cancels_the_queue);
  ADD_TEST(s, executor_closing_loop_waits_for_running_jobs);
  ADD_TEST(s, call_soon_threadsafe_wakes_the_loop);
  return s;
}

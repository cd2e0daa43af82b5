/* test_job_pool.c - tests of chapter 08, exercise 1: the job pool, fixed.
 *
 * Every test runs as the main task of ac_loop_run(), most of them under
 * virtual time: the jobs sleep, and the tests check at which virtual instant
 * each thing happened, exactly. The stall test runs on the real clock with
 * debug mode on, since a blocking call takes real time and virtual time
 * cannot show it. A pool that deadlocks makes ac_loop_run() print its list
 * of tasks and what each waits in, and cancel them: close then returns
 * -ECANCELED, and the test says where to look.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "grade.h"
#include "grade_ac.h"
#include "job_pool.h"

#define MAX_JOBS 32

typedef struct {
  int id;
  int64_t sleep_ms; /* how long each run sleeps */
  int fail_with;    /* what it returns after the sleep (0, -EIO, -EAGAIN) */
  int again;        /* if > 0: returns -EAGAIN this many times, then fail_with */
  int runs;
  int64_t run_at[4]; /* virtual instant of each run, from the test's start */
} job_t;

static struct {
  int64_t start;
  int running, max_running;
  int started; /* runs started */
  int order[MAX_JOBS];
  int finished;
} seen;

static void reset(void)
{
  memset(&seen, 0, sizeof seen);
  seen.start = ac_loop_time();
}

static int64_t now(void)
{
  return ac_loop_time() - seen.start;
}

static int job(void *arg)
{
  job_t *j = arg;
  if (j->runs < 4)
    j->run_at[j->runs] = now();
  j->runs++;
  seen.started++;
  if (++seen.running > seen.max_running)
    seen.max_running = seen.running;
  int rc = j->sleep_ms ? ac_task_sleep(j->sleep_ms) : 0;
  seen.running--;
  if (rc == 0 && j->again > 0) {
    j->again--;
    return -EAGAIN;
  }
  if (seen.finished < MAX_JOBS)
    seen.order[seen.finished++] = j->id;
  return rc ? rc : j->fail_with;
}

static job_pool_t *make_pool(size_t workers, size_t queue_size, int64_t retry_ms, int max_tries)
{
  job_pool_t *pool = NULL;
  job_pool_opts_t opts = {workers, queue_size, retry_ms, max_tries};
  int rc = job_pool_create(&pool, &opts);
  ck_assert_msg(rc == 0 && pool, "expected job_pool_create() to return 0, it returned %d (%s)", rc,
                ac_error_message(rc));
  return pool;
}

static void submit(job_pool_t *pool, job_t *j)
{
  int rc = job_pool_submit(pool, job, j);
  ck_assert_msg(rc == 0, "expected job_pool_submit() of job %d to return 0, it returned %d (%s)",
                j->id, rc, ac_error_message(rc));
}

static void close_expecting(job_pool_t *pool, int want)
{
  int rc = job_pool_close(pool);
  ck_assert_msg(
      rc != -ECANCELED || want == -ECANCELED,
      "job_pool_close() returned -ECANCELED: the loop found a deadlock and cancelled every "
      "task; the runtime's list above says which task waits in what");
  ck_assert_msg(rc == want, "expected job_pool_close() to return %d (%s), it returned %d (%s)",
                want, ac_error_message(want), rc, ac_error_message(rc));
}

/* ---- every job runs once ------------------------------------------------ */

static int runs_every_job_once_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  reset();
  static job_t jobs[20];
  job_pool_t *pool = make_pool(3, 4, 10, 1);
  for (int i = 0; i < 20; i++) {
    jobs[i] = (job_t){.id = i, .sleep_ms = i % 3};
    submit(pool, &jobs[i]);
  }
  close_expecting(pool, 0);
  for (int i = 0; i < 20; i++)
    ck_assert_msg(jobs[i].runs == 1, "expected job %d to run once, it ran %d times", i,
                  jobs[i].runs);
  return 0;
}

START_TEST(runs_every_job_once)
{
  grade_run(runs_every_job_once_body, NULL);
}
END_TEST

/* ---- workers run jobs at once ------------------------------------------- */

static int at_once_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  reset();
  static job_t jobs[8];
  job_pool_t *pool = make_pool(4, 8, 10, 1);
  for (int i = 0; i < 8; i++) {
    jobs[i] = (job_t){.id = i, .sleep_ms = 100};
    submit(pool, &jobs[i]);
  }
  close_expecting(pool, 0);
  ck_assert_msg(seen.max_running == 4, "expected 4 jobs at once with 4 workers, saw at most %d",
                seen.max_running);
  ck_assert_msg(now() == 200,
                "expected 8 jobs of 100 ms on 4 workers to be done at 200 ms, close "
                "returned at %lld ms",
                (long long)now());
  for (int i = 0; i < 8; i++)
    ck_assert_msg(jobs[i].run_at[0] == (i < 4 ? 0 : 100),
                  "expected job %d to start at %d ms, it "
                  "started at %lld ms",
                  i, i < 4 ? 0 : 100, (long long)jobs[i].run_at[0]);
  return 0;
}

START_TEST(workers_run_jobs_at_once)
{
  grade_run(at_once_body, NULL);
}
END_TEST

/* ---- submit waits for room ---------------------------------------------- */

static int room_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  reset();
  static job_t jobs[6];
  job_pool_t *pool = make_pool(1, 2, 10, 1);
  int64_t returned[6];
  for (int i = 0; i < 6; i++) {
    jobs[i] = (job_t){.id = i, .sleep_ms = 100};
    submit(pool, &jobs[i]);
    returned[i] = now();
    int waiting = i + 1 - seen.started;
    ck_assert_msg(waiting <= 2,
                  "after submit %d returned, %d jobs waited for the worker; the queue "
                  "holds 2",
                  i + 1, waiting);
  }
  /* One worker, 100 ms a job, 2 places: the worker takes job 1 at once,
   * so submits 1-3 return at 0, then one place frees every 100 ms. */
  static const int64_t want[6] = {0, 0, 0, 100, 200, 300};
  for (int i = 0; i < 6; i++)
    ck_assert_msg(returned[i] == want[i],
                  "expected submit %d to return at %lld ms, it returned at "
                  "%lld ms",
                  i + 1, (long long)want[i], (long long)returned[i]);
  close_expecting(pool, 0);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(jobs[i].runs == 1, "expected job %d to run once, it ran %d times", i,
                  jobs[i].runs);
  return 0;
}

START_TEST(submit_waits_for_room)
{
  grade_run(room_body, NULL);
}
END_TEST

/* ---- the first error ---------------------------------------------------- */

static int first_error_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  reset();
  static job_t jobs[6];
  job_pool_t *pool = make_pool(3, 6, 10, 1);
  for (int i = 0; i < 6; i++)
    jobs[i] = (job_t){.id = i, .sleep_ms = 10 * (i + 1)};
  jobs[4].fail_with = -EPIPE; /* finishes at 50 ms */
  jobs[1].fail_with = -EIO;   /* finishes at 20 ms: the first to fail */
  jobs[5].fail_with = -ENOENT;
  for (int i = 0; i < 6; i++)
    submit(pool, &jobs[i]);
  close_expecting(pool, -EIO);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(jobs[i].runs == 1,
                  "expected job %d to run once although others failed, it ran %d "
                  "times",
                  i, jobs[i].runs);
  return 0;
}

START_TEST(close_returns_the_first_error)
{
  grade_run(first_error_body, NULL);
}
END_TEST

/* ---- retries -------------------------------------------------------------- */

static int retries_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  reset();
  static job_t twice, always;
  twice = (job_t){.id = 1, .again = 2};
  always = (job_t){.id = 2, .sleep_ms = 5, .again = 100};
  job_pool_t *pool = make_pool(2, 2, 250, 3);
  submit(pool, &twice);
  submit(pool, &always);
  close_expecting(pool, -EAGAIN);
  ck_assert_msg(twice.runs == 3, "expected a job that asked twice to run 3 times, it ran %d",
                twice.runs);
  for (int i = 0; i < 3; i++)
    ck_assert_msg(twice.run_at[i] == 250 * i,
                  "expected run %d of the job at %d ms (retry_ms is 250), "
                  "it came at %lld ms",
                  i + 1, 250 * i, (long long)twice.run_at[i]);
  ck_assert_msg(always.runs == 3,
                "expected a job that always asks again to run max_tries (3) times, it "
                "ran %d",
                always.runs);
  for (int i = 0; i < 3; i++)
    ck_assert_msg(always.run_at[i] == 255 * i,
                  "expected run %d of the 5 ms job at %d ms (5 ms to run, "
                  "250 to wait), it came at %lld ms",
                  i + 1, 255 * i, (long long)always.run_at[i]);
  return 0;
}

START_TEST(retries_after_retry_ms)
{
  grade_run(retries_body, NULL);
}
END_TEST

/* ---- a retry does not stall the loop --------------------------------------- */

static double real_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct {
  int stop;
  double longest_gap; /* real ms between two ticks */
  int ticks;
} ticker_t;

static int ticker(void *arg, void **result)
{
  ticker_t *t = arg;
  (void)result;
  double last = real_ms();
  while (!t->stop) {
    if (ac_task_sleep(10) != 0)
      break;
    double at = real_ms();
    if (at - last > t->longest_gap)
      t->longest_gap = at - last;
    last = at;
    t->ticks++;
  }
  return 0;
}

static int stall_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_debug_set(true, 100); /* a step of over 100 ms is reported, naming its task */
  reset();
  static job_t asks_once;
  asks_once = (job_t){.id = 1, .again = 1};
  ticker_t t = {0};
  ac_task_t *tick;
  ck_assert_int_eq(ac_task_create(&tick, ticker, &t), 0);
  ck_assert_int_eq(ac_task_sleep(30), 0); /* the ticker is ticking */
  job_pool_t *pool = make_pool(1, 1, 400, 2);
  submit(pool, &asks_once);
  close_expecting(pool, 0);
  t.stop = 1;
  ck_assert_int_eq(ac_future_await(tick, NULL), 0);
  ac_future_release(tick);
  ck_assert_msg(asks_once.runs == 2, "expected the job to run twice, it ran %d times",
                asks_once.runs);
  /* The pause is 400 ms: a loop stopped for it misses 40 ticks. */
  ck_assert_msg(
      t.longest_gap < 350,
      "a task that ticks every 10 ms went %.0f ms without running while "
      "a job waited 400 ms to retry: the loop was stopped (debug mode's warning above names "
      "the task that ran without suspending)",
      t.longest_gap);
  return 0;
}

START_TEST(retry_pause_does_not_stall_the_loop)
{
  grade_run(stall_body, NULL);
}
END_TEST

/* ---- bad arguments -------------------------------------------------------- */

static int bad_arguments_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  job_pool_t *pool = NULL;
  static const job_pool_opts_t bad[] = {
      {0, 1, 10, 1}, {1, 0, 10, 1}, {1, 1, 0, 1}, {1, 1, -5, 1}, {1, 1, 10, 0}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = job_pool_create(&pool, &bad[i]);
    ck_assert_msg(rc == -EINVAL,
                  "expected job_pool_create() with {%zu, %zu, %lld, %d} to return "
                  "-EINVAL, it returned %d",
                  bad[i].workers, bad[i].queue_size, (long long)bad[i].retry_ms, bad[i].max_tries,
                  rc);
  }
  ck_assert_int_eq(job_pool_create(NULL, &bad[0]), -EINVAL);
  ck_assert_int_eq(job_pool_create(&pool, NULL), -EINVAL);
  ck_assert_int_eq(job_pool_submit(NULL, job, NULL), -EINVAL);
  ck_assert_int_eq(job_pool_close(NULL), -EINVAL);
  /* And a pool nobody gave a job closes at once. */
  reset();
  pool = make_pool(2, 1, 10, 1);
  ck_assert_int_eq(job_pool_submit(pool, NULL, NULL), -EINVAL);
  close_expecting(pool, 0);
  ck_assert_msg(now() == 0, "an idle pool took %lld ms to close", (long long)now());
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  grade_run(bad_arguments_body, NULL);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, runs_every_job_once);
  GRADE_ADD(s, workers_run_jobs_at_once);
  GRADE_ADD(s, submit_waits_for_room);
  GRADE_ADD(s, close_returns_the_first_error);
  GRADE_ADD(s, retries_after_retry_ms);
  GRADE_ADD(s, retry_pause_does_not_stall_the_loop);
  GRADE_ADD(s, bad_arguments_are_rejected);
}

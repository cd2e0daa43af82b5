/* test_concurrent_sleeps.c - tests of chapter 01, exercise 1:
 * run_jobs_concurrently() runs a batch of sleeping jobs at the same time.
 *
 * Every test runs a batch from inside ac_loop_run() with probe jobs that sleep,
 * note when they started and finished (as a sequence number, so order is
 * checked without clocks), and return a chosen code. Time is only checked
 * as a ratio to the sum of the waits, with a wide margin. The jobs array
 * has exactly n entries, on the heap, so a write past it is caught.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <string.h>

#include "concurrent_sleeps.h"
#include "grade.h"
#include "grade_ac.h"
#include "grade_task_create_fails.h"

#define MAX_JOBS 8

/* What one probe job does and what it saw. */
typedef struct {
  int64_t delay_ms; /* how long it sleeps */
  int returns;      /* what it returns after sleeping */
  int runs;         /* how many times run() was called */
  int start_seq;    /* event number when it started */
  int finish_seq;   /* event number when its sleep ended (0: never) */
} probe_t;

/* A batch, and what run_jobs_concurrently() did with it. */
typedef struct {
  job_t *jobs; /* exactly n of them */
  probe_t probes[MAX_JOBS];
  size_t n;
  int rc;             /* what run_jobs_concurrently() returned */
  double elapsed_ms;  /* how long the call took */
  size_t tasks_after; /* unfinished tasks right after the call */
} batch_t;

static int next_event = 1; /* numbers the starts and finishes, in order */
static job_t *batch_jobs;  /* the jobs of the batch being run */

static int probe_run(job_t *job)
{
  probe_t *probe = job->data;

  probe->runs++;
  probe->start_seq = next_event++;
  int rc = ac_task_sleep(probe->delay_ms);
  if (rc < 0)
    return rc;
  probe->finish_seq = next_event++;
  return probe->returns;
}

/* Fill a batch with one probe per delay, each returning returns[i]. */
static void batch_init(batch_t *b, size_t n, const int64_t *delays, const int *returns)
{
  memset(b, 0, sizeof *b);
  free(batch_jobs);
  b->jobs = batch_jobs = grade_array(n, sizeof *batch_jobs);
  b->n = n;
  for (size_t i = 0; i < n; i++) {
    b->probes[i].delay_ms = delays[i];
    b->probes[i].returns = returns ? returns[i] : 0;
    b->jobs[i].run = probe_run;
    b->jobs[i].data = &b->probes[i];
    b->jobs[i].result = 12345; /* not a plausible result: must be overwritten */
  }
}

static int batch_main(void *arg, void **result)
{
  batch_t *b = arg;

  (void)result;
  double start = ac_loop_time_precise();
  b->rc = run_jobs_concurrently(b->n ? b->jobs : NULL, b->n);
  b->elapsed_ms = ac_loop_time_precise() - start;
  b->tasks_after = ac_task_all(NULL, 0);
  return 0;
}

static void batch_run(batch_t *b)
{
  grade_run(batch_main, b);
}

static void assert_each_ran_once(const batch_t *b)
{
  for (size_t i = 0; i < b->n; i++)
    ck_assert_msg(b->probes[i].runs == 1, "expected job %zu to run once, it ran %d times", i,
                  b->probes[i].runs);
}

static void assert_each_finished(const batch_t *b)
{
  for (size_t i = 0; i < b->n; i++)
    ck_assert_msg(b->probes[i].finish_seq != 0,
                  "expected job %zu (%lld ms) to have finished when "
                  "run_jobs_concurrently() returned, it had not",
                  i, (long long)b->probes[i].delay_ms);
}

START_TEST(zero_jobs_returns_zero)
{
  batch_t b;
  batch_init(&b, 0, NULL, NULL);
  batch_run(&b);
  ck_assert_msg(b.rc == 0, "expected 0 for an empty batch (jobs NULL, n 0), got %d (%s)", b.rc,
                ac_error_message(b.rc));
}
END_TEST

START_TEST(one_job_runs_once)
{
  batch_t b;
  int64_t delays[] = {20};
  int returns[] = {0};
  batch_init(&b, 1, delays, returns);
  batch_run(&b);
  ck_assert_msg(b.rc == 0, "expected 0, got %d (%s)", b.rc, ac_error_message(b.rc));
  assert_each_ran_once(&b);
  assert_each_finished(&b);
  ck_assert_msg(b.jobs[0].result == 0, "expected the job's result field to be 0, it is %d",
                b.jobs[0].result);
}
END_TEST

START_TEST(runs_all_jobs)
{
  batch_t b;
  int64_t delays[] = {30, 10, 50, 20, 40};
  int returns[] = {0, 0, 0, 0, 0};
  batch_init(&b, 5, delays, returns);
  batch_run(&b);
  ck_assert_msg(b.rc == 0, "expected 0, got %d (%s)", b.rc, ac_error_message(b.rc));
  assert_each_ran_once(&b);
  assert_each_finished(&b);
  for (size_t i = 0; i < b.n; i++)
    ck_assert_msg(b.jobs[i].result == 0, "expected job %zu's result field to be 0, it is %d", i,
                  b.jobs[i].result);
}
END_TEST

START_TEST(total_near_longest)
{
  batch_t b;
  int64_t delays[] = {200, 300, 400, 500};
  int returns[] = {0, 0, 0, 0};
  batch_init(&b, 4, delays, returns);
  batch_run(&b);
  ck_assert_msg(b.rc == 0, "expected 0, got %d (%s)", b.rc, ac_error_message(b.rc));
  assert_each_finished(&b);
  /* Sequential: at least 1400 ms, as a timer never fires early. Concurrent:
   * about 500 ms, later on a loaded machine; the bound leaves it 760 ms. */
  double sum = 1400.0;
  ck_assert_msg(b.elapsed_ms < 0.9 * sum,
                "expected the batch to take about its longest wait (500 ms), "
                "well under the sum of the waits (%.0f ms); it took %.0f ms",
                sum, b.elapsed_ms);
}
END_TEST

START_TEST(jobs_overlap)
{
  batch_t b;
  int64_t delays[] = {60, 60, 60, 60};
  batch_init(&b, 4, delays, NULL);
  batch_run(&b);
  assert_each_ran_once(&b);
  assert_each_finished(&b);
  int last_start = 0;
  int first_finish = 0;
  for (size_t i = 0; i < b.n; i++) {
    if (b.probes[i].start_seq > last_start)
      last_start = b.probes[i].start_seq;
    if (first_finish == 0 || b.probes[i].finish_seq < first_finish)
      first_finish = b.probes[i].finish_seq;
  }
  ck_assert_msg(last_start < first_finish,
                "expected every job to start before the first one finished "
                "(event %d); the last start was event %d",
                first_finish, last_start);
}
END_TEST

START_TEST(finish_in_order_of_delay)
{
  batch_t b;
  int64_t delays[] = {300, 100, 200};
  batch_init(&b, 3, delays, NULL);
  batch_run(&b);
  assert_each_finished(&b);
  const probe_t *p = b.probes;
  ck_assert_msg(p[1].finish_seq < p[2].finish_seq && p[2].finish_seq < p[0].finish_seq,
                "expected the jobs to finish shortest first (job 1: 100 ms, "
                "job 2: 200 ms, job 0: 300 ms); they finished at events "
                "%d, %d, %d (jobs 0, 1, 2)",
                p[0].finish_seq, p[1].finish_seq, p[2].finish_seq);
}
END_TEST

START_TEST(failure_is_reported_after_all_finish)
{
  batch_t b;
  int64_t delays[] = {50, 10, 150};
  int returns[] = {0, -EIO, 0};
  batch_init(&b, 3, delays, returns);
  batch_run(&b);
  ck_assert_msg(b.rc == -EIO, "expected -EIO (%d) from the failed job, got %d (%s)", -EIO, b.rc,
                ac_error_message(b.rc));
  assert_each_ran_once(&b);
  assert_each_finished(&b);
  for (size_t i = 0; i < b.n; i++)
    ck_assert_msg(b.jobs[i].result == returns[i],
                  "expected job %zu's result field to be %d, it is %d", i, returns[i],
                  b.jobs[i].result);
}
END_TEST

START_TEST(lowest_index_failure_wins)
{
  batch_t b;
  int64_t delays[] = {10, 120, 20};
  int returns[] = {0, -EIO, -EPIPE};
  batch_init(&b, 3, delays, returns);
  batch_run(&b);
  ck_assert_msg(b.rc == -EIO,
                "jobs 1 (-EIO, slower) and 2 (-EPIPE, faster) failed: expected "
                "job 1's -EIO (%d), the lowest index; got %d (%s)",
                -EIO, b.rc, ac_error_message(b.rc));
  ck_assert_msg(b.jobs[2].result == -EPIPE,
                "expected job 2's result field to be -EPIPE (%d), it is %d", -EPIPE,
                b.jobs[2].result);
}
END_TEST

START_TEST(bad_input_is_rejected)
{
  batch_t b;
  int64_t delays[] = {10, 10, 10};
  batch_init(&b, 3, delays, NULL);
  b.jobs[2].run = NULL;
  batch_run(&b);
  ck_assert_msg(b.rc == -EINVAL, "expected -EINVAL (%d) for a job whose run is NULL, got %d (%s)",
                -EINVAL, b.rc, ac_error_message(b.rc));
  for (size_t i = 0; i < 2; i++)
    ck_assert_msg(b.probes[i].runs == 0,
                  "expected no job to run when the batch is refused, "
                  "job %zu ran %d times",
                  i, b.probes[i].runs);

  int rc = run_jobs_concurrently(NULL, 3);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL (%d) for jobs NULL with n 3, got %d (%s)", -EINVAL,
                rc, ac_error_message(rc));
}
END_TEST

START_TEST(create_error_is_passed_through)
{
  /* No loop is open here, so ac_task_create() fails with -ENOENT. */
  batch_t b;
  int64_t delays[] = {10, 10};
  batch_init(&b, 2, delays, NULL);
  ac_error_set_messages(false);
  int rc = run_jobs_concurrently(b.jobs, b.n);
  ck_assert_msg(rc == -ENOENT,
                "outside a loop, expected ac_task_create()'s -ENOENT (%d) to be "
                "returned, got %d (%s)",
                -ENOENT, rc, ac_error_message(rc));
  for (size_t i = 0; i < b.n; i++) {
    ck_assert_msg(b.probes[i].runs == 0, "expected no job to run, job %zu ran %d times", i,
                  b.probes[i].runs);
    ck_assert_msg(b.jobs[i].result == -ENOENT,
                  "expected job %zu, never started, to get -ENOENT (%d) as its "
                  "result, it has %d",
                  i, -ENOENT, b.jobs[i].result);
  }
}
END_TEST

START_TEST(create_error_midway_is_cleaned_up)
{
  /* Inside a loop, the third ac_task_create() fails: the two jobs already
   * started must still be awaited, the two never started get the error. */
  batch_t b;
  int64_t delays[] = {50, 50, 50, 50};
  batch_init(&b, 4, delays, NULL);
  fail_create_at = 3;
  batch_run(&b);
  ck_assert_msg(b.rc == -ENOMEM,
                "when the 3rd ac_task_create() fails with -ENOMEM (%d), expected it "
                "to be returned, got %d (%s)",
                -ENOMEM, b.rc, ac_error_message(b.rc));
  for (size_t i = 0; i < 2; i++) {
    ck_assert_msg(b.probes[i].runs == 1 && b.probes[i].finish_seq != 0,
                  "expected job %zu, started before the failure, to have run to its "
                  "end when run_jobs_concurrently() returned (ran %d times, %s)",
                  i, b.probes[i].runs, b.probes[i].finish_seq ? "finished" : "not finished");
    ck_assert_msg(b.jobs[i].result == 0, "expected job %zu's own result 0, it has %d", i,
                  b.jobs[i].result);
  }
  for (size_t i = 2; i < 4; i++) {
    ck_assert_msg(b.probes[i].runs == 0,
                  "expected job %zu, never started, not to run; "
                  "it ran %d times",
                  i, b.probes[i].runs);
    ck_assert_msg(b.jobs[i].result == -ENOMEM,
                  "expected job %zu, never started, to get -ENOMEM (%d), it has %d", i, -ENOMEM,
                  b.jobs[i].result);
  }
  ck_assert_msg(b.tasks_after == 1,
                "expected only the calling task left after the call, there were %zu",
                b.tasks_after);
}
END_TEST

START_TEST(leaves_no_task_behind)
{
  /* A fast failure must not make the call return while the slow job is
   * still running. */
  batch_t b;
  int64_t delays[] = {5, 150};
  int returns[] = {-EIO, 0};
  batch_init(&b, 2, delays, returns);
  batch_run(&b);
  ck_assert_msg(b.rc == -EIO, "expected -EIO (%d), got %d (%s)", -EIO, b.rc,
                ac_error_message(b.rc));
  ck_assert_msg(b.tasks_after == 1,
                "expected only the calling task to be unfinished after the "
                "call, there were %zu unfinished tasks",
                b.tasks_after);
  assert_each_finished(&b);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, zero_jobs_returns_zero);
  GRADE_ADD(s, one_job_runs_once);
  GRADE_ADD(s, runs_all_jobs);
  GRADE_ADD(s, total_near_longest);
  GRADE_ADD(s, jobs_overlap);
  GRADE_ADD(s, finish_in_order_of_delay);
  GRADE_ADD(s, failure_is_reported_after_all_finish);
  GRADE_ADD(s, lowest_index_failure_wins);
  GRADE_ADD(s, bad_input_is_rejected);
  GRADE_ADD(s, create_error_is_passed_through);
  GRADE_ADD(s, create_error_midway_is_cleaned_up);
  GRADE_ADD(s, leaves_no_task_behind);
}

/* test_heartbeat.c - tests of chapter 01, exercise 3: run_with_heartbeat()
 * keeps a heartbeat task beating while the work waits, and stops it cleanly.
 *
 * Every test runs run_with_heartbeat() from inside ac_loop_run() with work that
 * sleeps (or fails) and a beat that counts, notes its task, and notes when it
 * came. The number of beats is checked against the time the work took, with
 * a wide margin: a loaded machine wakes timers late, never early.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "heartbeat.h"

/* One run and what it left. */
typedef struct {
  int64_t work_ms;       /* how long the work sleeps (-1: it does not sleep) */
  int work_returns;      /* what the work returns */
  int64_t interval_ms;   /* passed to run_with_heartbeat() */
  int work_runs;         /* how many times the work was called */
  uintptr_t work_task;   /* the task the work ran in */
  int beats;             /* beats so far */
  uintptr_t beat_task;   /* the task of the first beat */
  int beats_elsewhere;   /* beats from a task other than the first one */
  uintptr_t caller;      /* the task that called run_with_heartbeat() */
  int beats_at_work_end; /* beats counted when the work returned */
  int rc;                /* what run_with_heartbeat() returned */
  double elapsed_ms;     /* how long the call took */
  int beats_at_return;   /* beats counted when the call returned */
  int beats_later;       /* beats counted after waiting three more intervals */
  size_t tasks_after;    /* unfinished tasks right after the call */
} run_t;

static int sleepy_work(void *arg)
{
  run_t *r = arg;

  r->work_runs++;
  r->work_task = (uintptr_t)ac_task_current();
  if (r->work_ms >= 0) {
    int rc = ac_task_sleep(r->work_ms);
    if (rc < 0)
      return rc;
  }
  r->beats_at_work_end = r->beats;
  return r->work_returns;
}

static void count_beat(void *arg)
{
  run_t *r = arg;
  uintptr_t task = (uintptr_t)ac_task_current();

  if (r->beats == 0)
    r->beat_task = task;
  else if (task != r->beat_task)
    r->beats_elsewhere++;
  r->beats++;
}

static int run_main(void *arg, void **result)
{
  run_t *r = arg;

  (void)result;
  r->caller = (uintptr_t)ac_task_current();
  double start = ac_loop_time_precise();
  r->rc = run_with_heartbeat(sleepy_work, r, r->interval_ms, count_beat, r);
  r->elapsed_ms = ac_loop_time_precise() - start;
  r->beats_at_return = r->beats;
  r->tasks_after = ac_task_all(NULL, 0);
  /* A heartbeat left running would beat during this wait. */
  int64_t wait_ms = r->interval_ms > 0 ? 3 * r->interval_ms : 50;
  int rc = ac_task_sleep(wait_ms);
  r->beats_later = r->beats;
  return rc;
}

static void run(run_t *r, int64_t work_ms, int work_returns, int64_t interval_ms)
{
  memset(r, 0, sizeof *r);
  r->work_ms = work_ms;
  r->work_returns = work_returns;
  r->interval_ms = interval_ms;
  grade_run(run_main, r);
}

static void assert_no_beat_after_work(const run_t *r)
{
  ck_assert_msg(r->beats_at_return == r->beats_at_work_end,
                "expected no beat once the work had returned; there were %d "
                "when it returned and %d when run_with_heartbeat() returned",
                r->beats_at_work_end, r->beats_at_return);
  ck_assert_msg(r->beats_later == r->beats_at_return,
                "expected no beat after run_with_heartbeat() returned; there "
                "were %d at the return and %d three intervals later",
                r->beats_at_return, r->beats_later);
  ck_assert_msg(r->tasks_after == 1,
                "expected only the calling task to be unfinished after the "
                "call, there were %zu unfinished tasks",
                r->tasks_after);
}

START_TEST(bad_arguments_are_rejected)
{
  run_t r;
  run(&r, 10, 0, 0);
  ck_assert_msg(r.rc == -EINVAL, "interval 0: expected -EINVAL (%d), got %d (%s)", -EINVAL, r.rc,
                ac_error_message(r.rc));
  ck_assert_msg(r.work_runs == 0 && r.beats == 0,
                "interval 0: expected nothing to run; the work ran %d times "
                "and %d beats came",
                r.work_runs, r.beats);
  run(&r, 10, 0, -5);
  ck_assert_msg(r.rc == -EINVAL, "interval -5: expected -EINVAL (%d), got %d (%s)", -EINVAL, r.rc,
                ac_error_message(r.rc));
  ck_assert_msg(r.work_runs == 0, "interval -5: expected the work not to run, it ran %d times",
                r.work_runs);

  int rc = run_with_heartbeat(NULL, NULL, 10, count_beat, &r);
  ck_assert_msg(rc == -EINVAL, "work NULL: expected -EINVAL (%d), got %d (%s)", -EINVAL, rc,
                ac_error_message(rc));
  rc = run_with_heartbeat(sleepy_work, &r, 10, NULL, NULL);
  ck_assert_msg(rc == -EINVAL, "beat NULL: expected -EINVAL (%d), got %d (%s)", -EINVAL, rc,
                ac_error_message(rc));
  ck_assert_msg(r.work_runs == 0, "beat NULL: expected the work not to run, it ran %d times",
                r.work_runs);
}
END_TEST

START_TEST(returns_what_work_returns)
{
  run_t r;
  run(&r, -1, 0, 20);
  ck_assert_msg(r.rc == 0, "work returning 0: expected 0, got %d (%s)", r.rc,
                ac_error_message(r.rc));
  ck_assert_msg(r.work_runs == 1, "expected the work to run once, it ran %d times", r.work_runs);
  run(&r, -1, -EIO, 20);
  ck_assert_msg(r.rc == -EIO, "work returning -EIO: expected -EIO (%d), got %d (%s)", -EIO, r.rc,
                ac_error_message(r.rc));
}
END_TEST

START_TEST(work_runs_in_the_caller)
{
  run_t r;
  run(&r, 30, 0, 10);
  ck_assert_msg(r.work_runs == 1, "expected the work to run once, it ran %d times", r.work_runs);
  ck_assert_msg(r.work_task == r.caller, "expected the work to run in the task that called "
                                         "run_with_heartbeat(); it ran in another task");
}
END_TEST

START_TEST(beats_while_work_waits)
{
  run_t r;
  run(&r, 500, 0, 50);
  ck_assert_msg(r.rc == 0, "expected 0, got %d (%s)", r.rc, ac_error_message(r.rc));
  /* 500 ms of work at one beat per 50 ms: 10 beats at most (a timer never
   * fires early; one more for a tie at the end), and 2 at least unless the
   * machine wakes a timer 400 ms late. */
  ck_assert_msg(r.beats_at_return >= 2 && r.beats_at_return <= 11,
                "500 ms of work with a beat every 50 ms: expected about 10 "
                "beats (between 2 and 11), got %d",
                r.beats_at_return);
}
END_TEST

START_TEST(beats_come_from_another_task)
{
  run_t r;
  run(&r, 200, 0, 20);
  ck_assert_msg(r.beats_at_return > 0, "expected beats while the work slept 200 ms, got none");
  ck_assert_msg(r.beat_task != 0 && r.beat_task != r.caller,
                "expected the beats to come from a task of their own, not "
                "from the task that called run_with_heartbeat()");
  ck_assert_msg(r.beats_elsewhere == 0,
                "expected every beat to come from the same heartbeat task; "
                "%d of %d came from another one",
                r.beats_elsewhere, r.beats);
}
END_TEST

START_TEST(no_beat_after_work)
{
  run_t r;
  run(&r, 120, 0, 30);
  ck_assert_msg(r.rc == 0, "expected 0, got %d (%s)", r.rc, ac_error_message(r.rc));
  ck_assert_msg(r.beats_at_return > 0, "expected beats while the work slept 120 ms, got none");
  assert_no_beat_after_work(&r);
}
END_TEST

START_TEST(instant_work_gets_no_beat)
{
  run_t r;
  run(&r, -1, 0, 40);
  ck_assert_msg(r.rc == 0, "expected 0, got %d (%s)", r.rc, ac_error_message(r.rc));
  ck_assert_msg(r.beats == 0,
                "work that never waits leaves no time for a beat; expected 0 "
                "beats, got %d",
                r.beats);
  assert_no_beat_after_work(&r);

  /* The first beat is due one interval after the start, not at once. */
  run(&r, 30, 0, 100);
  ck_assert_msg(r.rc == 0, "expected 0, got %d (%s)", r.rc, ac_error_message(r.rc));
  ck_assert_msg(r.beats == 0,
                "work that waits 30 ms ends before the first beat is due (interval "
                "100 ms); expected 0 beats, got %d",
                r.beats);
}
END_TEST

START_TEST(failed_work_still_stops_the_heartbeat)
{
  run_t r;
  run(&r, 100, -EPIPE, 20);
  ck_assert_msg(r.rc == -EPIPE, "expected the work's -EPIPE (%d), got %d (%s)", -EPIPE, r.rc,
                ac_error_message(r.rc));
  assert_no_beat_after_work(&r);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, returns_what_work_returns);
  GRADE_ADD(s, work_runs_in_the_caller);
  GRADE_ADD(s, beats_while_work_waits);
  GRADE_ADD(s, beats_come_from_another_task);
  GRADE_ADD(s, no_beat_after_work);
  GRADE_ADD(s, instant_work_gets_no_beat);
  GRADE_ADD(s, failed_work_still_stops_the_heartbeat);
}

/* test_my_semaphore.c - tests of chapter 04, exercise 3: a counting
 * semaphore built from a lock and a condition.
 *
 * Every test runs as the main task of ac_loop_run(). A call that a wrong
 * semaphore could leave hanging (a waiter nobody wakes, a lock left held)
 * is made in a task of its own, which the test waits for a bounded time
 * without cancelling it: the test then fails saying what hung, instead of
 * running into its time limit.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>

#include "grade.h"
#include "grade_ac.h"
#include "my_semaphore.h"

#define PATIENCE_MS 1000 /* how long a call that should return soon is given */
#define AT_ONCE_MS 250.0 /* "at once", generously: the machine may be loaded */

/* ac_lock_create() and ac_cond_create() as the exercise sees them
 * (chapter.toml wraps them): the real ones, unless the test makes the next
 * call fail with -ENOMEM. */
int __real_ac_lock_create(ac_lock_t **lock);
int __wrap_ac_lock_create(ac_lock_t **lock);
int __real_ac_cond_create(ac_cond_t **cond, ac_lock_t *lock);
int __wrap_ac_cond_create(ac_cond_t **cond, ac_lock_t *lock);
static int fail_lock_create, fail_cond_create; /* 1: the next call fails */

int __wrap_ac_lock_create(ac_lock_t **lock)
{
  if (fail_lock_create) {
    fail_lock_create = 0;
    return -ENOMEM;
  }
  return __real_ac_lock_create(lock);
}

int __wrap_ac_cond_create(ac_cond_t **cond, ac_lock_t *lock)
{
  if (fail_cond_create) {
    fail_cond_create = 0;
    return -ENOMEM;
  }
  return __real_ac_cond_create(cond, lock);
}

typedef enum { ACQUIRE, ACQUIRE_FOR, RELEASE } op_t;

static const char *const op_names[] = {"my_sem_acquire()", "my_sem_acquire_for()",
                                       "my_sem_release()"};

/* One call to the semaphore, made by a task of its own. */
typedef struct {
  my_sem_t *sem;
  op_t op;
  int64_t timeout_ms; /* for ACQUIRE_FOR */
  int returned;       /* 1 once the call has returned */
  int rc;             /* what it returned */
  double took_ms;     /* how long it took */
} call_t;

static int caller(void *arg, void **result)
{
  call_t *c = arg;

  (void)result;
  double start = ac_loop_time_precise();
  switch (c->op) {
  case ACQUIRE: c->rc = my_sem_acquire(c->sem); break;
  case ACQUIRE_FOR: c->rc = my_sem_acquire_for(c->sem, c->timeout_ms); break;
  case RELEASE: c->rc = my_sem_release(c->sem); break;
  }
  c->took_ms = ac_loop_time_precise() - start;
  c->returned = 1;
  return 0;
}

static my_sem_t *new_sem(int value)
{
  my_sem_t *sem = NULL;
  int rc = my_sem_create(&sem, value);
  ck_assert_msg(rc == 0 && sem != NULL,
                "expected my_sem_create(&sem, %d) to return 0 and a semaphore, it returned %d",
                value, rc);
  return sem;
}

static void expect_value(my_sem_t *sem, int want, const char *when)
{
  int got = my_sem_value(sem);
  ck_assert_msg(got == want, "expected %d free permit(s) %s, my_sem_value() says %d", want, when,
                got);
}

static void destroy(my_sem_t *sem, const char *when)
{
  int rc = my_sem_close(sem);
  ck_assert_msg(rc == 0, "expected my_sem_close() to return 0 %s, it returned %d", when, rc);
}

/* Start call @c in a task and let it run until it waits (or returns). */
static ac_task_t *start(call_t *c)
{
  ac_task_t *t;
  int rc = ac_task_create(&t, caller, c);
  ck_assert_msg(rc == 0, "expected ac_task_create() to return 0, it returned %d", rc);
  ck_assert_int_eq(ac_task_sleep(10), 0);
  return t;
}

/* Wait up to @ms for all @n tasks to finish, cancelling none: a stuck one
 * stays stuck. Returns how many have finished. */
static int finish_within(ac_task_t **tasks, size_t n, int64_t ms)
{
  int rc = ac_future_wait_for((ac_future_t *const *)tasks, n, AC_WAIT_ALL_COMPLETED, ms);
  ck_assert_msg(rc >= 0, "expected ac_future_wait() to return a count, it returned %d", rc);
  return rc;
}

/* Make one call from a task of its own and wait for it at most PATIENCE_MS;
 * @hang says what it would mean if it did not return. Returns its code. */
static int call(my_sem_t *sem, op_t op, int64_t timeout_ms, double *took_ms, const char *hang)
{
  call_t c = {.sem = sem, .op = op, .timeout_ms = timeout_ms};
  ac_task_t *t;

  int rc = ac_task_create(&t, caller, &c);
  ck_assert_msg(rc == 0, "expected ac_task_create() to return 0, it returned %d", rc);
  ck_assert_msg(finish_within(&t, 1, PATIENCE_MS) == 1, "%s did not return within %d ms: %s",
                op_names[op], PATIENCE_MS, hang);
  ac_future_release(t);
  if (took_ms != NULL)
    *took_ms = c.took_ms;
  return c.rc;
}

/* ---- bad_arguments_are_rejected ---------------------------------------- */

static int bad_main(void *arg, void **result)
{
  static int dummy;
  my_sem_t *sem = (my_sem_t *)&dummy; /* not NULL, to see create reset it */
  int rc;

  (void)arg;
  (void)result;
  rc = my_sem_create(NULL, 1);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from my_sem_create(NULL, 1), got %d", rc);
  rc = my_sem_create(&sem, -1);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL for a negative value, got %d", rc);
  ck_assert_msg(sem == NULL, "expected my_sem_create() to set *sem to NULL when it fails");
  rc = my_sem_acquire(NULL);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from my_sem_acquire(NULL), got %d", rc);
  rc = my_sem_acquire_for(NULL, 10);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from my_sem_acquire_for(NULL, 10), got %d", rc);
  rc = my_sem_release(NULL);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from my_sem_release(NULL), got %d", rc);
  rc = my_sem_value(NULL);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from my_sem_value(NULL), got %d", rc);
  rc = my_sem_close(NULL);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL from my_sem_close(NULL), got %d", rc);

  sem = new_sem(1);
  rc = my_sem_acquire_for(sem, -5);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL for a timeout of -5 ms, got %d", rc);
  rc = my_sem_acquire_for(sem, INT64_MIN);
  ck_assert_msg(rc == -EINVAL, "expected -EINVAL for a timeout of INT64_MIN, got %d", rc);
  expect_value(sem, 1, "after the calls with a negative timeout (they take none)");
  destroy(sem, "on an idle semaphore");
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  grade_run(bad_main, NULL);
}
END_TEST

/* ---- permits_are_counted ----------------------------------------------- */

static int permits_main(void *arg, void **result)
{
  double took;

  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(2);
  expect_value(sem, 2, "after my_sem_create(&sem, 2)");
  for (int i = 1; i <= 2; i++) {
    int rc = call(sem, ACQUIRE, 0, &took, "it waited although a permit was free");
    ck_assert_msg(rc == 0, "expected acquire %d of 2 to return 0, got %d", i, rc);
    ck_assert_msg(took < AT_ONCE_MS,
                  "expected acquire to return at once with a permit free, it took %.0f ms", took);
    expect_value(sem, 2 - i, "after an acquire");
  }
  /* Three releases for two acquires: nothing bounds the count. */
  for (int i = 1; i <= 3; i++) {
    int rc = call(sem, RELEASE, 0, NULL, "a release with nobody waiting should not wait");
    ck_assert_msg(rc == 0, "expected release %d to return 0, got %d", i, rc);
    expect_value(sem, i, "after a release (there is no upper bound)");
  }
  destroy(sem, "on an idle semaphore");

  sem = new_sem(0);
  expect_value(sem, 0, "after my_sem_create(&sem, 0)");
  destroy(sem, "on an idle semaphore");
  return 0;
}

START_TEST(permits_are_counted)
{
  grade_run(permits_main, NULL);
}
END_TEST

/* ---- acquire_waits_for_a_release --------------------------------------- */

static int waits_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(0);
  call_t w = {.sem = sem, .op = ACQUIRE};
  ac_task_t *t = start(&w);
  ck_assert_int_eq(ac_task_sleep(50), 0);
  ck_assert_msg(!w.returned, "expected acquire to wait with no permit free, it returned %d", w.rc);

  int rc = call(sem, RELEASE, 0, NULL, "the waiter must not hold the lock while it waits");
  ck_assert_msg(rc == 0, "expected the release to return 0, got %d", rc);
  ck_assert_msg(finish_within(&t, 1, PATIENCE_MS) == 1,
                "expected the waiter to get the released permit, it still waited %d ms later "
                "(value %d)",
                PATIENCE_MS, my_sem_value(sem));
  ck_assert_msg(w.rc == 0, "expected the waiter's acquire to return 0, got %d", w.rc);
  ck_assert_msg(w.took_ms >= 0.9 * 60,
                "expected the waiter to return only after the release, 60 ms on, it returned "
                "after %.0f ms",
                w.took_ms);
  expect_value(sem, 0, "once the waiter has the permit");
  ac_future_release(t);

  rc = call(sem, RELEASE, 0, NULL, "a release with nobody waiting should not wait");
  ck_assert_msg(rc == 0, "expected the release to return 0, got %d", rc);
  expect_value(sem, 1, "once the waiter's permit is given back");
  destroy(sem, "once no task waits");
  return 0;
}

START_TEST(acquire_waits_for_a_release)
{
  grade_run(waits_main, NULL);
}
END_TEST

/* ---- at_most_value_holders --------------------------------------------- */

#define WORKERS 8
#define PERMITS 3
#define ROUNDS 2   /* permits each worker takes, one after the other */
#define HOLD_MS 20 /* how long it holds each */

typedef struct {
  my_sem_t *sem;
  int *holders;     /* workers holding a permit now, shared */
  int *max_holders; /* the most seen at once, shared */
  int rounds;       /* permits taken and given back */
  int rc;           /* the first error of acquire, sleep or release */
} worker_t;

static int worker(void *arg, void **result)
{
  worker_t *w = arg;

  (void)result;
  for (int round = 0; round < ROUNDS && w->rc == 0; round++) {
    /* The second acquire comes right after the release, without a wait in
     * between: it may take the permit just released before the waiter
     * woken for it gets there. That waiter must then wait again. */
    w->rc = my_sem_acquire(w->sem);
    if (w->rc < 0)
      break;
    if (++*w->holders > *w->max_holders)
      *w->max_holders = *w->holders;
    int slept = ac_task_sleep(HOLD_MS);
    --*w->holders;
    w->rc = my_sem_release(w->sem);
    if (w->rc == 0)
      w->rc = slept;
    if (w->rc == 0)
      w->rounds++;
  }
  return 0;
}

static int holders_main(void *arg, void **result)
{
  ac_task_t *tasks[WORKERS];
  worker_t workers[WORKERS];
  int holders = 0, max_holders = 0;

  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(PERMITS);
  for (int i = 0; i < WORKERS; i++) {
    workers[i] = (worker_t){.sem = sem, .holders = &holders, .max_holders = &max_holders};
    ck_assert_int_eq(ac_task_create(&tasks[i], worker, &workers[i]), 0);
  }
  int done = finish_within(tasks, WORKERS, 3000);
  ck_assert_msg(done == WORKERS,
                "expected all %d tasks to finish within 3 s, %d did (%d hold a permit, value %d)",
                WORKERS, done, holders, my_sem_value(sem));
  for (int i = 0; i < WORKERS; i++)
    ck_assert_msg(workers[i].rounds == ROUNDS,
                  "expected task %d to take and give back a permit %d times, it did %d (error %d)",
                  i, ROUNDS, workers[i].rounds, workers[i].rc);
  ck_assert_msg(max_holders <= PERMITS,
                "expected never more than %d tasks holding a permit at once, saw %d", PERMITS,
                max_holders);
  ck_assert_msg(max_holders == PERMITS,
                "expected the %d permits to be used at once, at most %d were held together",
                PERMITS, max_holders);
  expect_value(sem, PERMITS, "once every task has given its permits back");
  for (int i = 0; i < WORKERS; i++)
    ac_future_release(tasks[i]);
  destroy(sem, "once every task has finished");
  return 0;
}

START_TEST(at_most_value_holders)
{
  grade_run(holders_main, NULL);
}
END_TEST

/* ---- two_releases_wake_two_waiters ------------------------------------- */

static int two_main(void *arg, void **result)
{
  ac_task_t *tasks[2];

  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(0);
  call_t w[2] = {{.sem = sem, .op = ACQUIRE}, {.sem = sem, .op = ACQUIRE}};
  tasks[0] = start(&w[0]);
  tasks[1] = start(&w[1]);
  ck_assert_msg(!w[0].returned && !w[1].returned,
                "expected both acquires to wait with no permit free");

  /* Two releases in one step: no other task runs between them. */
  for (int i = 1; i <= 2; i++) {
    int rc = my_sem_release(sem);
    ck_assert_msg(rc == 0, "expected release %d to return 0, got %d", i, rc);
  }
  int done = finish_within(tasks, 2, PATIENCE_MS);
  ck_assert_msg(done > 0,
                "expected both waiters to get a permit after two releases, neither "
                "returned within %d ms (value %d)",
                PATIENCE_MS, my_sem_value(sem));
  ck_assert_msg(done == 2,
                "second waiter never woke: after two releases in a row one waiter got a permit, "
                "the other still waited %d ms later with %d permit(s) free",
                PATIENCE_MS, my_sem_value(sem));
  ck_assert_msg(w[0].rc == 0 && w[1].rc == 0, "expected both acquires to return 0, got %d and %d",
                w[0].rc, w[1].rc);
  expect_value(sem, 0, "once both waiters have a permit");
  ac_future_release(tasks[0]);
  ac_future_release(tasks[1]);
  my_sem_release(sem);
  my_sem_release(sem);
  destroy(sem, "once no task waits");
  return 0;
}

START_TEST(two_releases_wake_two_waiters)
{
  grade_run(two_main, NULL);
}
END_TEST

/* ---- timeout_gives_up_cleanly ------------------------------------------ */

static int timeout_main(void *arg, void **result)
{
  double took;
  int rc;

  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(0);
  call_t w = {.sem = sem, .op = ACQUIRE_FOR, .timeout_ms = 50};
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, caller, &w), 0);
  ck_assert_msg(finish_within(&t, 1, 2000) == 1,
                "expected my_sem_acquire_for(sem, 50) to give up, it still waited after 2 s");
  ac_future_release(t);
  ck_assert_msg(w.rc == -ETIMEDOUT, "expected -ETIMEDOUT with no permit free, got %d", w.rc);
  ck_assert_msg(w.took_ms >= 45.0 && w.took_ms < 1000.0,
                "expected to give up once its 50 ms were over, it gave up after %.1f ms",
                w.took_ms);
  expect_value(sem, 0, "after a timed-out acquire (it takes no permit)");

  /* The timed-out caller must have let go of the lock. */
  rc = call(sem, RELEASE, 0, NULL, "the lock was left held after the timeout");
  ck_assert_msg(rc == 0,
                "expected a release after the timeout to return 0, got %d: was the lock left "
                "held?",
                rc);
  rc = call(sem, ACQUIRE, 0, &took, "the lock was left held after the timeout");
  ck_assert_msg(rc == 0 && took < AT_ONCE_MS,
                "expected an acquire after a release to return 0 at once, it returned %d after "
                "%.0f ms",
                rc, took);
  expect_value(sem, 0, "after a release and an acquire");

  /* A zero timeout only tries; a permit free means no wait at all. */
  rc = call(sem, ACQUIRE_FOR, 0, NULL, "a zero timeout must not wait");
  ck_assert_msg(rc == -ETIMEDOUT,
                "expected -ETIMEDOUT from acquire_for(sem, 0) with no permit, "
                "got %d",
                rc);
  ck_assert_int_eq(call(sem, RELEASE, 0, NULL, "the lock was left held"), 0);
  rc = call(sem, ACQUIRE_FOR, 0, NULL, "a zero timeout must not wait");
  ck_assert_msg(rc == 0, "expected acquire_for(sem, 0) to take the free permit, got %d", rc);
  ck_assert_int_eq(call(sem, RELEASE, 0, NULL, "the lock was left held"), 0);
  rc = call(sem, ACQUIRE_FOR, 1000, &took, "it waited although a permit was free");
  ck_assert_msg(rc == 0 && took < AT_ONCE_MS,
                "expected acquire_for(sem, 1000) with a permit free to return 0 at once, it "
                "returned %d after %.0f ms",
                rc, took);
  expect_value(sem, 0, "after those acquires");

  /* A release before the time is up ends the wait with the permit. */
  call_t w2 = {.sem = sem, .op = ACQUIRE_FOR, .timeout_ms = 2000};
  t = start(&w2);
  ck_assert_msg(!w2.returned, "expected acquire_for(sem, 2000) to wait, it returned %d", w2.rc);
  ck_assert_int_eq(call(sem, RELEASE, 0, NULL, "the waiter must not hold the lock"), 0);
  ck_assert_msg(finish_within(&t, 1, PATIENCE_MS) == 1,
                "expected acquire_for(sem, 2000) to return once a permit was released, it still "
                "waited %d ms later",
                PATIENCE_MS);
  ac_future_release(t);
  ck_assert_msg(w2.rc == 0, "expected 0 from an acquire_for that got a permit in time, got %d",
                w2.rc);
  expect_value(sem, 0, "once the waiter has the permit");
  destroy(sem, "once no task waits (a timed-out waiter is gone too)");
  return 0;
}

START_TEST(timeout_gives_up_cleanly)
{
  grade_run(timeout_main, NULL);
}
END_TEST

/* ---- cancelled_waiter_leaves_no_trace ---------------------------------- */

/* A release and the cancellation of the waiter it wakes, in one step (in
 * either order). Either the waiter got the permit first and returns 0
 * holding it, or it returns -ECANCELED and the permit goes to the next
 * waiter: never lost. */
static void release_and_cancel_together(my_sem_t *sem, int cancel_first)
{
  const char *how = cancel_first ? "cancel, then release" : "release, then cancel";
  call_t a = {.sem = sem, .op = ACQUIRE}, b = {.sem = sem, .op = ACQUIRE};
  ac_task_t *ta = start(&a), *tb = start(&b);

  if (cancel_first)
    ac_future_cancel(ta);
  int rc = my_sem_release(sem);
  if (!cancel_first)
    ac_future_cancel(ta);
  ck_assert_msg(rc == 0, "expected the release to return 0 (%s), got %d", how, rc);
  ck_assert_msg(finish_within(&ta, 1, PATIENCE_MS) == 1,
                "expected the cancelled waiter to return soon (%s), it still waited", how);
  if (a.rc == 0) {
    /* It had the permit before the cancellation reached it: it keeps it. */
    expect_value(sem, 0, "while the cancelled waiter holds the permit it got");
    ck_assert_msg(!b.returned, "expected one permit to satisfy one waiter (%s), both returned",
                  how);
    ck_assert_int_eq(my_sem_release(sem), 0); /* its permit back: now for the other */
  } else {
    ck_assert_msg(a.rc == -ECANCELED,
                  "expected 0 or -ECANCELED from the cancelled waiter (%s), got %d", how, a.rc);
  }
  ck_assert_msg(finish_within(&tb, 1, PATIENCE_MS) == 1,
                "expected the other waiter to get the permit (%s): the cancelled one returned "
                "%d, yet the other still waited %d ms later with %d permit(s) free",
                how, a.rc, PATIENCE_MS, my_sem_value(sem));
  ck_assert_msg(b.rc == 0, "expected the other waiter's acquire to return 0 (%s), got %d", how,
                b.rc);
  expect_value(sem, 0, "once the other waiter has the permit");
  ck_assert_int_eq(my_sem_release(sem), 0);
  ck_assert_int_eq(call(sem, ACQUIRE, 0, NULL, "the lock was left held"), 0);
  ac_future_release(ta);
  ac_future_release(tb);
}

static int cancelled_main(void *arg, void **result)
{
  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(0);
  call_t a = {.sem = sem, .op = ACQUIRE}, b = {.sem = sem, .op = ACQUIRE};
  ac_task_t *ta = start(&a), *tb = start(&b);

  ac_future_cancel(ta);
  ck_assert_msg(finish_within(&ta, 1, PATIENCE_MS) == 1,
                "expected the cancelled waiter to return soon, it still waited %d ms later",
                PATIENCE_MS);
  ck_assert_msg(a.rc == -ECANCELED, "expected -ECANCELED from the cancelled waiter, got %d", a.rc);
  ck_assert_msg(!b.returned, "expected the other waiter to go on waiting, it returned %d", b.rc);
  expect_value(sem, 0, "after a cancelled acquire (it takes no permit)");

  int rc = call(sem, RELEASE, 0, NULL, "the lock was left held after the cancellation");
  ck_assert_msg(rc == 0,
                "expected a release after the cancellation to return 0, got %d: was the lock "
                "left held?",
                rc);
  ck_assert_msg(finish_within(&tb, 1, PATIENCE_MS) == 1,
                "expected the release to go to the next waiter, it still waited %d ms later "
                "(value %d)",
                PATIENCE_MS, my_sem_value(sem));
  ck_assert_msg(b.rc == 0, "expected the next waiter's acquire to return 0, got %d", b.rc);
  expect_value(sem, 0, "once the next waiter has the permit");
  ac_future_release(ta);
  ac_future_release(tb);

  release_and_cancel_together(sem, 0);
  release_and_cancel_together(sem, 1);
  destroy(sem, "once no task waits (the cancelled waiters are gone too)");
  return 0;
}

START_TEST(cancelled_waiter_leaves_no_trace)
{
  grade_run(cancelled_main, NULL);
}
END_TEST

/* ---- close_refuses_while_waited -------------------------------------- */

static int destroy_main(void *arg, void **result)
{
  ac_task_t *tasks[2];

  (void)arg;
  (void)result;
  my_sem_t *sem = new_sem(0);
  call_t w[2] = {{.sem = sem, .op = ACQUIRE}, {.sem = sem, .op = ACQUIRE}};
  tasks[0] = start(&w[0]);
  tasks[1] = start(&w[1]);

  int rc = my_sem_close(sem);
  ck_assert_msg(rc == -EBUSY, "expected -EBUSY from destroy while two tasks wait, got %d", rc);
  expect_value(sem, 0, "after a refused destroy");

  /* One waiter leaves with a permit... */
  ck_assert_int_eq(call(sem, RELEASE, 0, NULL, "the waiters must not hold the lock"), 0);
  rc = ac_future_wait_for((ac_future_t *const *)tasks, 2, AC_WAIT_FIRST_COMPLETED, PATIENCE_MS);
  ck_assert_msg(rc >= 1, "expected a waiter to get the released permit within %d ms", PATIENCE_MS);
  ck_assert_msg(rc == 1, "expected one permit to satisfy one waiter, both returned");
  int left = w[0].returned ? 1 : 0;
  ck_assert_msg(w[1 - left].rc == 0, "expected the served waiter's acquire to return 0, got %d",
                w[1 - left].rc);
  rc = my_sem_close(sem);
  ck_assert_msg(rc == -EBUSY, "expected -EBUSY from destroy while one task still waits, got %d",
                rc);

  /* ...the other is cancelled. */
  ac_future_cancel(tasks[left]);
  ck_assert_msg(finish_within(&tasks[left], 1, PATIENCE_MS) == 1,
                "expected the cancelled waiter to return soon, it still waited %d ms later",
                PATIENCE_MS);
  ck_assert_msg(w[left].rc == -ECANCELED, "expected -ECANCELED from the cancelled waiter, got %d",
                w[left].rc);
  ac_future_release(tasks[0]);
  ac_future_release(tasks[1]);
  destroy(sem, "once no task waits (one got a permit, the other was cancelled)");
  return 0;
}

START_TEST(close_refuses_while_waited)
{
  grade_run(destroy_main, NULL);
}
END_TEST

/* ---- create_error_leaves_nothing ------------------------------------- */

static int create_error_main(void *arg, void **result)
{
  static int dummy;
  const char *const which[] = {"ac_lock_create()", "ac_cond_create()"};

  (void)arg;
  (void)result;
  for (int i = 0; i < 2; i++) {
    my_sem_t *sem = (my_sem_t *)&dummy; /* not NULL, to see create reset it */
    fail_lock_create = i == 0;
    fail_cond_create = i == 1;
    int rc = my_sem_create(&sem, 1);
    ck_assert_msg(rc == -ENOMEM,
                  "when %s fails with -ENOMEM (%d), expected my_sem_create() to "
                  "return it, got %d",
                  which[i], -ENOMEM, rc);
    ck_assert_msg(sem == NULL, "expected my_sem_create() to set *sem to NULL when %s fails",
                  which[i]);
  }
  /* What a failed create made before the failure must be gone: the end of
   * the test counts the runtime objects left (a lock not closed), and the
   * leak check the memory. */
  return 0;
}

START_TEST(create_error_leaves_nothing)
{
  grade_run(create_error_main, NULL);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, permits_are_counted);
  GRADE_ADD(s, acquire_waits_for_a_release);
  GRADE_ADD(s, at_most_value_holders);
  GRADE_ADD(s, two_releases_wake_two_waiters);
  GRADE_ADD(s, timeout_gives_up_cleanly);
  GRADE_ADD(s, cancelled_waiter_leaves_no_trace);
  GRADE_ADD(s, close_refuses_while_waited);
  GRADE_ADD(s, create_error_leaves_nothing);
}

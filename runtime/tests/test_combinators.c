/* test_combinators.c - gather, wait, wait_for, shield, timeout scopes and
 * task groups, with the cancellation and timeout edges of each. */
#include "helpers.h"

/* A task that sleeps arg.ms, then succeeds with arg.value or fails with
 * arg.error; it records whether it was cancelled. */
typedef struct {
  int ms;
  int value;
  int error;
  int cancelled;
  int finished;
} job;

static int run_job(void *arg, void **result) {
  job *j = arg;
  int rc = ac_task_sleep(j->ms);
  j->finished = 1;
  if (rc == -ECANCELED) j->cancelled = 1;
  if (rc) return rc;
  if (j->error) return j->error;
  *result = INT2P(j->value);
  return 0;
}

static void spawn_jobs(ac_task_t **t, job *jobs, int n) {
  for (int i = 0; i < n; i++) ck_assert_int_eq(ac_task_create(&t[i], run_job, &jobs[i]), 0);
}

static void release_all(ac_task_t **t, int n) {
  for (int i = 0; i < n; i++) ac_future_release(t[i]);
}

/* ---- gather -------------------------------------------------------------- */

static int gather_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[3] = {{30, 1, 0, 0, 0}, {10, 2, 0, 0, 0}, {20, 3, 0, 0, 0}};
  ac_task_t *t[3];
  spawn_jobs(t, jobs, 3);
  void *res[3];
  int err[3];
  ck_assert_int_eq(ac_future_gather(t, 3, res, err, 0), 0);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(P2INT(res[i]), i + 1); /* in argument order, not finishing order */
    ck_assert_int_eq(err[i], 0);
  }
  ck_assert_int_eq(ac_future_gather(t, 0, NULL, NULL, 0), 0);
  release_all(t, 3);
  return 0;
}
START_TEST(gather_collects_results_in_order) { RUN_OK(gather_body, NULL); }
END_TEST

static int gather_fail_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[3] = {{5000, 1, 0, 0, 0}, {10, 0, -EIO, 0, 0}, {5000, 3, 0, 0, 0}};
  ac_task_t *t[3];
  spawn_jobs(t, jobs, 3);
  int err[3];
  ck_assert_int_eq(ac_future_gather(t, 3, NULL, err, 0), -EIO);
  ck_assert_int_eq(err[1], -EIO);
  ck_assert_msg(jobs[0].cancelled && jobs[2].cancelled, "the first failure cancels the rest");
  ck_assert_int_eq(err[0], -ECANCELED);
  ck_assert_msg(ac_future_is_done(t[0]) && ac_future_is_done(t[2]),
                "gather returns only once they have finished");
  release_all(t, 3);
  return 0;
}
START_TEST(gather_first_error_cancels_the_rest) { RUN_OK(gather_fail_body, NULL); }
END_TEST

static int gather_all_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[3] = {{20, 1, 0, 0, 0}, {5, 0, -EIO, 0, 0}, {10, 0, -ENOENT, 0, 0}};
  ac_task_t *t[3];
  spawn_jobs(t, jobs, 3);
  void *res[3];
  int err[3];
  ck_assert_int_eq(ac_future_gather(t, 3, res, err, AC_GATHER_RETURN_ERRORS), 0);
  ck_assert_int_eq(P2INT(res[0]), 1);
  ck_assert_int_eq(err[1], -EIO);
  ck_assert_int_eq(err[2], -ENOENT);
  ck_assert_int_eq(ac_future_gather(t, 3, NULL, NULL, 8), -EINVAL);
  release_all(t, 3);
  return 0;
}
START_TEST(gather_return_errors_collects_everything) { RUN_OK(gather_all_body, NULL); }
END_TEST

typedef struct {
  job jobs[3];
  ac_task_t *t[3];
  int rc;
} gather_state;

static int gatherer(void *arg, void **result) {
  (void)result;
  gather_state *g = arg;
  spawn_jobs(g->t, g->jobs, 3);
  g->rc = ac_future_gather(g->t, 3, NULL, NULL, 0);
  return g->rc;
}

static int gather_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  gather_state g = {{{5000, 1, 0, 0, 0}, {5000, 2, 0, 0, 0}, {5000, 3, 0, 0, 0}}, {0}, 0};
  ac_task_t *outer;
  ac_task_create(&outer, gatherer, &g);
  ac_task_sleep(5);
  ac_future_cancel(outer);
  ck_assert_int_eq(ac_future_await(outer, NULL), -ECANCELED);
  ck_assert_int_eq(g.rc, -ECANCELED);
  for (int i = 0; i < 3; i++)
    ck_assert_msg(g.jobs[i].cancelled && ac_future_is_done(g.t[i]),
                  "child %d must be cancelled and finished", i);
  release_all(g.t, 3);
  ac_future_release(outer);
  return 0;
}
START_TEST(cancel_inside_gather_cancels_children) { RUN_OK(gather_cancel_body, NULL); }
END_TEST

/* ---- wait ---------------------------------------------------------------- */

static int wait_modes_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[3] = {{30, 1, 0, 0, 0}, {5, 2, 0, 0, 0}, {60, 0, -EIO, 0, 0}};
  ac_task_t *t[3];
  spawn_jobs(t, jobs, 3);
  ck_assert_int_eq(ac_future_wait(t, 3, AC_WAIT_FIRST_COMPLETED), 1);
  ck_assert_msg(ac_future_is_done(t[1]) && !ac_future_is_done(t[0]), "the 5 ms job finishes first");
  ck_assert_int_eq(ac_future_wait(t, 3, AC_WAIT_FIRST_EXCEPTION), 3);
  ck_assert_int_eq(ac_future_state(t[2]), AC_FUTURE_FAILED);
  ck_assert_int_eq(ac_future_wait(t, 3, AC_WAIT_ALL_COMPLETED), 3);
  ck_assert_int_eq(ac_future_wait(t, 3, 99), -EINVAL);
  ck_assert_int_eq(ac_future_wait_for(t, 3, AC_WAIT_ALL_COMPLETED, -5), -EINVAL);
  release_all(t, 3);
  return 0;
}
START_TEST(wait_returns_when_its_mode_says) { RUN_OK(wait_modes_body, NULL); }
END_TEST

static int wait_timeout_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[2] = {{5000, 1, 0, 0, 0}, {5, 2, 0, 0, 0}};
  ac_task_t *t[2];
  spawn_jobs(t, jobs, 2);
  ck_assert_int_eq(ac_future_wait_for(t, 2, AC_WAIT_ALL_COMPLETED, 50), 1);
  ck_assert_msg(!ac_future_is_done(t[0]) && !jobs[0].cancelled, "wait's timeout cancels nothing");
  ck_assert_int_eq(ac_future_wait_for(t, 2, AC_WAIT_ALL_COMPLETED, 0), 1); /* a poll */
  ac_future_cancel(t[0]);
  ac_future_await(t[0], NULL);
  release_all(t, 2);
  return 0;
}
START_TEST(wait_timeout_leaves_futures_running) { RUN_OK(wait_timeout_body, NULL); }
END_TEST

/* ---- wait_for and shield ------------------------------------------------- */

static int wait_for_body(void *arg, void **result) {
  (void)arg, (void)result;
  job slow = {5000, 1, 0, 0, 0}, quick = {5, 7, 0, 0, 0};
  ac_task_t *ts, *tq;
  ac_task_create(&ts, run_job, &slow);
  ac_task_create(&tq, run_job, &quick);
  void *r = INT2P(1);
  double start = ac_loop_time_precise();
  ck_assert_int_eq(ac_future_await_for(ts, 20, &r), -ETIMEDOUT);
  ck_assert_msg(ac_loop_time_precise() - start < 2000, "wait_for must give up after ~20 ms");
  ck_assert_ptr_null(r);
  ck_assert_msg(slow.cancelled && ac_future_state(ts) == AC_FUTURE_CANCELLED,
                "the awaited task is cancelled and finished when wait_for times out");
  ck_assert_int_eq(ac_future_await_for(tq, 5000, &r), 0);
  ck_assert_int_eq(P2INT(r), 7);
  ck_assert_int_eq(ac_future_await_for(tq, -2, NULL), -EINVAL);
  ac_future_release(ts);
  ac_future_release(tq);
  return 0;
}
START_TEST(wait_for_times_out_and_cancels) { RUN_OK(wait_for_body, NULL); }
END_TEST

/* A task that catches its cancellation and returns a value all the same. */
typedef struct {
  int saw_cancel;
  int cleanup_rc;      /* what its clean-up's wait returned */
  ac_future_t *caught; /* if not NULL, set when the cancellation arrives */
} stubborn_state;

static int stubborn(void *arg, void **result) {
  stubborn_state *s = arg;
  if (ac_task_sleep(5000) == -ECANCELED) s->saw_cancel = 1;
  if (s->caught) ac_future_set_result(s->caught, NULL);
  s->cleanup_rc = ac_task_sleep(5);
  *result = INT2P(42);
  return 0;
}

static int wait_for_caught_body(void *arg, void **result) {
  (void)arg, (void)result;
  stubborn_state st = {0, 1, NULL};
  ac_task_t *inner;
  ac_task_create(&inner, stubborn, &st);
  void *r = NULL;
  ck_assert_int_eq(ac_future_await_for(inner, 10, &r), 0);
  ck_assert_msg(st.saw_cancel, "the deadline cancels the inner task");
  ck_assert_int_eq(st.cleanup_rc, 0); /* one cancellation, not one per wait */
  ck_assert_int_eq(P2INT(r), 42);
  ac_future_release(inner);

  /* A plain future has no say: the deadline cancels it, -ETIMEDOUT. */
  ac_future_t *f;
  ac_future_create(&f);
  ck_assert_int_eq(ac_future_await_for(f, 5, &r), -ETIMEDOUT);
  ck_assert_int_eq(ac_future_state(f), AC_FUTURE_CANCELLED);
  ac_future_release(f);
  return 0;
}
START_TEST(wait_for_returns_the_result_of_an_inner_task_that_caught_the_deadline) {
  RUN_OK(wait_for_caught_body, NULL);
}
END_TEST

/* The inner task's own timer is due at the deadline itself, set after the
 * deadline's: both fire in one step, the deadline first. */
typedef struct {
  int64_t deadline;
  int cancel_seen; /* the deadline's cancellation reached it before it ended */
} same_step;

static int wakes_at_deadline(void *arg, void **result) {
  same_step *s = arg;
  int64_t left = s->deadline - ac_loop_time();
  if (left > 0) {
    /* 0: its timer came in the deadline's step (or first); -ECANCELED: it
     * started late (a loaded machine, valgrind) and the deadline came
     * first. Either way the result below must come back. */
    int rc = ac_task_sleep(left);
    ck_assert_msg(rc == 0 || rc == -ECANCELED, "the inner task's sleep returned %d", rc);
  }
  /* else it started after the deadline: it ends at once */
  s->cancel_seen = ac_task_cancelling(ac_task_current()) > 0;
  *result = INT2P(7);
  return 0;
}

static int wait_for_same_step_body(void *arg, void **result) {
  (void)arg, (void)result;
  int same = 0;
  for (int round = 0; round < 10; round++) {
    same_step s = {ac_loop_time() + 20, 0};
    ac_task_t *inner;
    ac_task_create(&inner, wakes_at_deadline, &s);
    void *r = NULL;
    ck_assert_int_eq(ac_future_await_for(inner, 20, &r), 0);
    ck_assert_int_eq(P2INT(r), 7);
    same += s.cancel_seen;
    ac_future_release(inner);
  }
  /* Unless the clock ticked between two calls in every round. */
  ck_assert_msg(same > 0, "no round had the result and the deadline in the same step");
  return 0;
}
START_TEST(wait_for_keeps_a_result_that_came_in_the_same_step_as_the_deadline) {
  RUN_OK(wait_for_same_step_body, NULL);
}
END_TEST

/* Cancelled from outside while it waits for the inner task after the
 * deadline: the result still comes back, the cancellation at the next wait. */
typedef struct {
  ac_task_t *inner;
  int rc, value, next_wait;
} late_cancel;

static int wait_for_then_sleep(void *arg, void **result) {
  (void)result;
  late_cancel *s = arg;
  void *r = NULL;
  s->rc = ac_future_await_for(s->inner, 10, &r);
  s->value = P2INT(r);
  s->next_wait = ac_task_sleep(5000);
  return 0;
}

static int wait_for_cancelled_after_deadline_body(void *arg, void **result) {
  (void)arg, (void)result;
  stubborn_state st = {0, 1, NULL};
  late_cancel s = {NULL, 1, 0, 1};
  ac_task_create(&s.inner, stubborn, &st);
  ac_task_t *waiter;
  ac_task_create(&waiter, wait_for_then_sleep, &s);
  ac_future_create(&st.caught);
  ck_assert_int_eq(ac_future_await(st.caught, NULL), 0); /* the inner task cleans up now */
  ac_future_release(st.caught);
  ck_assert_msg(st.saw_cancel, "the deadline must have cancelled the inner task");
  ac_future_cancel(waiter);
  ck_assert_int_eq(ac_future_await(waiter, NULL), 0);
  ck_assert_int_eq(s.rc, 0);
  ck_assert_int_eq(s.value, 42);
  ck_assert_int_eq(s.next_wait, -ECANCELED);
  ck_assert_int_eq(st.cleanup_rc, -ECANCELED); /* the outside cancellation was passed on */
  ac_future_release(waiter);
  ac_future_release(s.inner);
  return 0;
}
START_TEST(wait_for_cancelled_after_the_deadline_keeps_the_result_and_the_cancellation) {
  RUN_OK(wait_for_cancelled_after_deadline_body, NULL);
}
END_TEST

typedef struct {
  ac_task_t *inner;
  int rc;
} shield_state;

static int shielder(void *arg, void **result) {
  (void)result;
  shield_state *s = arg;
  s->rc = ac_future_shield(s->inner, NULL);
  return s->rc;
}

/* Ends with 5 once its event is set: it runs as long as the test wants. */
static int until_set(void *arg, void **result) {
  int rc = ac_event_wait(arg);
  *result = INT2P(5);
  return rc;
}

static int shield_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_event_t *go;
  ck_assert_int_eq(ac_event_create(&go), 0);
  shield_state s = {NULL, 0};
  ac_task_create(&s.inner, until_set, go);
  ac_task_t *outer;
  ac_task_create(&outer, shielder, &s);
  ac_task_sleep(5);
  ac_future_cancel(outer);
  ck_assert_int_eq(ac_future_await(outer, NULL), -ECANCELED);
  ck_assert_msg(!ac_future_is_done(s.inner), "the shielded task keeps running");
  ac_event_set(go);
  void *r;
  ck_assert_int_eq(ac_future_await(s.inner, &r), 0);
  ck_assert_int_eq(P2INT(r), 5);
  ac_future_release(outer);
  ac_future_release(s.inner);
  ac_event_close(go);
  return 0;
}
START_TEST(shield_keeps_the_inner_task_running) { RUN_OK(shield_body, NULL); }
END_TEST

/* ---- timeout scopes ------------------------------------------------------ */

static int timeout_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_timeout_t scope;
  ck_assert_int_eq(ac_timeout_open(&scope, 20), 0);
  int rc = ac_task_sleep(5000);
  ck_assert_int_eq(rc, -ECANCELED);
  ck_assert_int_eq(ac_timeout_is_expired(&scope), 1);
  ck_assert_int_eq(ac_timeout_close(&scope), -ETIMEDOUT);
  ck_assert_int_eq(ac_task_cancelling(ac_task_current()), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0); /* the task goes on normally */

  ck_assert_int_eq(ac_timeout_open(&scope, 5000), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0);
  ck_assert_int_eq(ac_timeout_close(&scope), 0);
  ck_assert_int_eq(ac_timeout_is_expired(&scope), 0);
  ck_assert_int_eq(ac_timeout_close(&scope), -EINVAL); /* not entered */
  ck_assert_int_eq(ac_timeout_open(&scope, -3), -EINVAL);
  return 0;
}
START_TEST(timeout_scope_cancels_the_block) { RUN_OK(timeout_body, NULL); }
END_TEST

static int nested_timeout_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_timeout_t outer, inner;
  ac_timeout_open(&outer, 20);
  ac_timeout_open(&inner, 5000);
  ck_assert_int_eq(ac_task_sleep(5000), -ECANCELED);
  ck_assert_int_eq(ac_timeout_close(&inner), 0); /* not the inner one's deadline */
  ck_assert_int_eq(ac_timeout_close(&outer), -ETIMEDOUT);
  return 0;
}
START_TEST(nested_timeout_reports_the_right_scope) { RUN_OK(nested_timeout_body, NULL); }
END_TEST

static int timeout_and_cancel(void *arg, void **result) {
  (void)arg, (void)result;
  ac_timeout_t scope;
  ac_timeout_open(&scope, 5000);
  int rc = ac_task_sleep(5000);
  int exit_rc = ac_timeout_close(&scope);
  return rc == -ECANCELED && exit_rc == 0 ? -ECANCELED : -EPROTO;
}

static int outside_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create(&t, timeout_and_cancel, NULL);
  ac_task_sleep(5);
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ac_future_release(t);
  return 0;
}
START_TEST(outside_cancel_is_not_a_timeout) { RUN_OK(outside_cancel_body, NULL); }
END_TEST

/* ---- task groups --------------------------------------------------------- */

static int group_ok_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[3] = {{10, 1, 0, 0, 0}, {20, 2, 0, 0, 0}, {5, 3, 0, 0, 0}};
  ac_group_t *g;
  ck_assert_int_eq(ac_group_create(&g), 0);
  ac_task_t *second;
  ck_assert_int_eq(ac_group_spawn(g, NULL, run_job, &jobs[0], NULL), 0);
  ck_assert_int_eq(ac_group_spawn(g, &second, run_job, &jobs[1], NULL), 0);
  ck_assert_int_eq(ac_group_spawn(g, NULL, run_job, &jobs[2], NULL), 0);
  ck_assert_int_eq(ac_group_close(g), 0);
  for (int i = 0; i < 3; i++) ck_assert_msg(jobs[i].finished, "child %d must have finished", i);
  void *r;
  ck_assert_int_eq(ac_future_result(second, &r), 0);
  ck_assert_int_eq(P2INT(r), 2);
  ac_future_release(second);
  return 0;
}
START_TEST(group_waits_for_every_child) { RUN_OK(group_ok_body, NULL); }
END_TEST

static int group_fail_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[3] = {{5000, 1, 0, 0, 0}, {10, 0, -EIO, 0, 0}, {5000, 3, 0, 0, 0}};
  ac_group_t *g;
  ac_group_create(&g);
  for (int i = 0; i < 3; i++) ac_group_spawn(g, NULL, run_job, &jobs[i], NULL);
  int body_rc = ac_task_sleep(5000); /* the owner's own work is interrupted */
  ck_assert_int_eq(body_rc, -ECANCELED);
  ck_assert_int_eq(ac_group_close(g), -EIO);
  ck_assert_msg(jobs[0].cancelled && jobs[2].cancelled,
                "siblings of the failed child are cancelled");
  ck_assert_int_eq(ac_task_cancelling(ac_task_current()), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0); /* and the owner is not left cancelled */
  return 0;
}
START_TEST(group_first_failure_cancels_siblings_and_is_reported) { RUN_OK(group_fail_body, NULL); }
END_TEST

static int group_owner(void *arg, void **result) {
  (void)result;
  job *jobs = arg;
  ac_group_t *g;
  ac_group_create(&g);
  for (int i = 0; i < 2; i++) ac_group_spawn(g, NULL, run_job, &jobs[i], NULL);
  return ac_group_close(g);
}

static int group_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[2] = {{5000, 1, 0, 0, 0}, {5000, 2, 0, 0, 0}};
  ac_task_t *owner;
  ac_task_create(&owner, group_owner, jobs);
  ac_task_sleep(5);
  ac_future_cancel(owner);
  ck_assert_int_eq(ac_future_await(owner, NULL), -ECANCELED);
  ck_assert_msg(jobs[0].cancelled && jobs[1].cancelled,
                "cancelling the owner cancels the children");
  ac_future_release(owner);
  return 0;
}
START_TEST(group_owner_cancelled_cancels_children) { RUN_OK(group_cancel_body, NULL); }
END_TEST

/* The owner is cancelled in its own block, before it reaches close. */
typedef struct {
  job jobs[2];
  int block_rc, close_rc, cancelling_after;
} block_owner;

static int owner_cancelled_in_block(void *arg, void **result) {
  (void)result;
  block_owner *o = arg;
  ac_group_t *g;
  ac_group_create(&g);
  for (int i = 0; i < 2; i++) ac_group_spawn(g, NULL, run_job, &o->jobs[i], NULL);
  o->block_rc = ac_task_sleep(5000);
  o->close_rc = ac_group_close(g);
  o->cancelling_after = ac_task_cancelling(ac_task_current());
  return o->close_rc;
}

static int group_block_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  block_owner o = {{{5000, 1, 0, 0, 0}, {5000, 2, 0, 0, 0}}, 1, 1, 0};
  ac_task_t *owner;
  ac_task_create(&owner, owner_cancelled_in_block, &o);
  ac_task_sleep(5);
  ac_future_cancel(owner);
  ck_assert_int_eq(ac_future_await(owner, NULL), -ECANCELED);
  ck_assert_int_eq(o.block_rc, -ECANCELED);
  ck_assert_int_eq(o.close_rc, -ECANCELED);
  ck_assert_msg(o.jobs[0].cancelled && o.jobs[1].cancelled, "the children must be cancelled");
  ck_assert_int_eq(o.cancelling_after, 1); /* not withdrawn: it came from outside */
  ac_future_release(owner);
  return 0;
}
START_TEST(group_owner_cancelled_in_its_block_cancels_children_and_close_says_so) {
  RUN_OK(group_block_cancel_body, NULL);
}
END_TEST

/* A cancellation the owner had before it made the group is not the group's. */
static int group_old_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_cancel(ac_task_current());
  ck_assert_int_eq(ac_task_sleep(1), -ECANCELED); /* caught, not withdrawn */
  job jobs[1] = {{5, 1, 0, 0, 0}};
  ac_group_t *g;
  ac_group_create(&g);
  ac_group_spawn(g, NULL, run_job, &jobs[0], NULL);
  ck_assert_int_eq(ac_group_close(g), 0);
  ck_assert_msg(jobs[0].finished && !jobs[0].cancelled, "the child runs to its end");
  return 0;
}
START_TEST(group_ignores_a_cancellation_older_than_itself) { RUN_OK(group_old_cancel_body, NULL); }
END_TEST

/* An owner that returns without closing: the group is closed then (its
 * children cancelled and awaited), and freed with the loop. */
static int forgets_to_close(void *arg, void **result) {
  (void)result;
  job *jobs = arg;
  ac_group_t *g;
  ac_group_create(&g);
  ac_group_spawn(g, NULL, run_job, &jobs[0], NULL);
  ac_group_spawn(g, NULL, run_job, &jobs[1], NULL);
  return ac_task_sleep(5);
}

static int group_unclosed_body(void *arg, void **result) {
  (void)arg, (void)result;
  job jobs[2] = {{5000, 1, 0, 0, 0}, {40, 0, -EIO, 0, 0}};
  ac_task_t *owner;
  ac_task_create(&owner, forgets_to_close, jobs);
  ck_assert_int_eq(ac_future_await(owner, NULL), 0);
  /* (The second child may fail rather than be cancelled, if a loaded
   * machine makes its timer due in the step the owner ends.) */
  ck_assert_msg(jobs[0].cancelled, "the owner's end closes the group: its children are cancelled");
  ck_assert_msg(jobs[0].finished && jobs[1].finished, "and awaited before the owner is done");
  ac_future_release(owner);

  /* The next task may reuse the owner's structure: no child's failure reaches it. */
  ac_task_t *next;
  job later = {60, 3, 0, 0, 0};
  ac_task_create(&next, run_job, &later);
  ck_assert_int_eq(ac_future_await(next, NULL), 0);
  ck_assert_msg(!later.cancelled, "a task reusing the owner's structure is left alone");
  ac_future_release(next);
  return 0;
}
START_TEST(group_left_open_is_closed_when_its_owner_finishes) { RUN_OK(group_unclosed_body, NULL); }
END_TEST

/* A group whose owner the loop drops (it ignored its cancellation) is freed
 * with the loop: LeakSanitizer and valgrind see no leak. */
static int owner_never_ends(void *arg, void **result) {
  (void)arg, (void)result;
  ac_group_t *g;
  ac_group_create(&g);
  static job quick = {1, 1, 0, 0, 0};
  ac_group_spawn(g, NULL, run_job, &quick, NULL);
  ac_future_t *never;
  ac_future_create(&never);
  ac_future_await(never, NULL);
  ac_future_await(never, NULL); /* ignores the cancellation and waits again */
  return 0;
}
START_TEST(group_of_a_dropped_owner_is_freed_with_the_loop) {
  RUN_EXPECT(owner_never_ends, NULL, -EDEADLK);
}
END_TEST

/* A task whose structure is recycled for another must not be reached
 * through what it left behind. */
static int opens_scope_and_returns(void *arg, void **result) {
  (void)result;
  ac_timeout_t *outside = arg;
  ac_timeout_t scope; /* on this task's stack, which another task reuses */
  ck_assert_int_eq(ac_timeout_open(&scope, 20), 0);
  ck_assert_int_eq(ac_timeout_open(outside, 20), 0);
  return 0;
}

static int close_scope(void *arg, void **result) {
  (void)result;
  return ac_timeout_close(arg);
}

static int timeout_left_open_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_timeout_t outside;
  ac_task_t *opener;
  ac_task_create(&opener, opens_scope_and_returns, &outside);
  ck_assert_int_eq(ac_future_await(opener, NULL), 0);
  uintptr_t old = (uintptr_t)opener;
  ac_future_release(opener);

  ac_task_t *next;
  ck_assert_int_eq(ac_task_create(&next, close_scope, &outside), 0);
  ck_assert_msg((uintptr_t)next == old, "the test needs the next task to reuse the structure");
  ck_assert_int_eq(ac_future_await(next, NULL), -EPERM); /* not its scope */
  ac_future_release(next);
  job later = {60, 3, 0, 0, 0};
  ck_assert_int_eq(ac_task_create(&next, run_job, &later), 0);
  ck_assert_int_eq(ac_future_await(next, NULL), 0); /* the deadlines never fire */
  ac_future_release(next);
  ck_assert_int_eq(ac_timeout_is_expired(&outside), 0);
  ck_assert_int_eq(ac_timeout_close(&outside), -EPERM);
  return 0;
}
START_TEST(timeout_scope_left_open_by_a_finished_task_never_fires) {
  RUN_OK(timeout_left_open_body, NULL);
}
END_TEST

static int group_misuse_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_int_eq(ac_group_create(NULL), -EINVAL);
  ck_assert_int_eq(ac_group_close(NULL), -EINVAL);
  ck_assert_int_eq(ac_group_spawn(NULL, NULL, run_job, NULL, NULL), -EINVAL);
  ac_group_t *g;
  ac_group_create(&g);
  ck_assert_int_eq(ac_group_spawn(g, NULL, NULL, NULL, NULL), -EINVAL);
  ck_assert_int_eq(ac_group_close(g), 0); /* an empty group */
  return 0;
}
START_TEST(group_misuse_is_reported) { RUN_OK(group_misuse_body, NULL); }
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("combinators");
  ADD_TEST(s, gather_collects_results_in_order);
  ADD_TEST(s, gather_first_error_cancels_the_rest);
  ADD_TEST(s, gather_return_errors_collects_everything);
  ADD_TEST(s, cancel_inside_gather_cancels_children);
  ADD_TEST(s, wait_returns_when_its_mode_says);
  ADD_TEST(s, wait_timeout_leaves_futures_running);
  ADD_TEST(s, wait_for_times_out_and_cancels);
  ADD_TEST(s, wait_for_returns_the_result_of_an_inner_task_that_caught_the_deadline);
  ADD_TEST(s, wait_for_keeps_a_result_that_came_in_the_same_step_as_the_deadline);
  ADD_TEST(s, wait_for_cancelled_after_the_deadline_keeps_the_result_and_the_cancellation);
  ADD_TEST(s, shield_keeps_the_inner_task_running);
  ADD_TEST(s, timeout_scope_cancels_the_block);
  ADD_TEST(s, nested_timeout_reports_the_right_scope);
  ADD_TEST(s, outside_cancel_is_not_a_timeout);
  ADD_TEST(s, group_waits_for_every_child);
  ADD_TEST(s, group_first_failure_cancels_siblings_and_is_reported);
  ADD_TEST(s, group_owner_cancelled_cancels_children);
  ADD_TEST(s, group_owner_cancelled_in_its_block_cancels_children_and_close_says_so);
  ADD_TEST(s, group_ignores_a_cancellation_older_than_itself);
  ADD_TEST(s, group_left_open_is_closed_when_its_owner_finishes);
  ADD_TEST(s, group_of_a_dropped_owner_is_freed_with_the_loop);
  ADD_TEST(s, timeout_scope_left_open_by_a_finished_task_never_fires);
  ADD_TEST(s, group_misuse_is_reported);
  return s;
}

/* test_task.c - tasks: results, errors, names, sleeping, yielding,
 * cancellation, stacks, and many tasks at once. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static int return_arg(void *arg, void **result) {
  *result = arg;
  return 0;
}

static int fail_with(void *arg, void **result) {
  (void)result;
  return P2INT(arg);
}

/* ---- results and errors -------------------------------------------------- */

static int await_result_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, return_arg, INT2P(42)), 0);
  ck_assert_msg(!ac_future_is_done(t), "a new task must not have run before its creator suspends");
  void *r = NULL;
  ck_assert_int_eq(ac_future_await(t, &r), 0);
  ck_assert_int_eq(P2INT(r), 42);
  ck_assert_int_eq(ac_future_state(t), AC_FUTURE_DONE);
  ck_assert_int_eq(ac_future_release(t), 0);
  return 0;
}
START_TEST(await_gives_result) { RUN_OK(await_result_body, NULL); }
END_TEST

static int error_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, fail_with, INT2P(-ENOENT)), 0);
  void *r = INT2P(1);
  ck_assert_int_eq(ac_future_await(t, &r), -ENOENT);
  ck_assert_ptr_null(r);
  ck_assert_int_eq(ac_future_state(t), AC_FUTURE_FAILED);
  ck_assert_int_eq(ac_future_result(t, NULL), -ENOENT);
  ac_future_release(t);
  return 0;
}
START_TEST(await_gives_error) { RUN_OK(error_body, NULL); }
END_TEST

static int await_finished_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, return_arg, INT2P(7)), 0);
  ck_assert_int_eq(ac_task_sleep(0), 0);
  ck_assert_msg(ac_future_is_done(t), "the task should have finished during the yield");
  void *r = NULL;
  ck_assert_int_eq(ac_future_await(t, &r), 0); /* twice, and after it finished */
  ck_assert_int_eq(ac_future_await(t, &r), 0);
  ck_assert_int_eq(P2INT(r), 7);
  ac_future_release(t);
  return 0;
}
START_TEST(await_already_finished_task) { RUN_OK(await_finished_body, NULL); }
END_TEST

START_TEST(main_result_and_error_come_back) {
  void *r = NULL;
  ck_assert_int_eq(ac_loop_run(return_arg, INT2P(5), &r), 0);
  ck_assert_int_eq(P2INT(r), 5);
  ck_assert_int_eq(ac_loop_run(fail_with, INT2P(-EIO), NULL), -EIO);
}
END_TEST

START_TEST(positive_return_is_an_error) { RUN_EXPECT(fail_with, INT2P(3), -EINVAL); }
END_TEST

/* ---- names and introspection -------------------------------------------- */

static int names_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_str_eq(ac_task_name(ac_task_current()), "main");
  ac_task_t *a, *b;
  ck_assert_int_eq(ac_task_create(&a, return_arg, NULL), 0);
  ck_assert_int_eq(ac_task_create_ex(&b, return_arg, NULL, &(ac_task_opts_t){.name = "worker"}), 0);
  ck_assert_str_eq(ac_task_name(a), "Task-2");
  ck_assert_str_eq(ac_task_name(b), "worker");
  ck_assert_int_eq(ac_task_set_name(a, "renamed"), 0);
  ck_assert_str_eq(ac_task_name(a), "renamed");
  ck_assert_int_eq(ac_task_set_name(a, NULL), -EINVAL);
  ac_task_t *all[8];
  ck_assert_int_eq(ac_task_all(all, 8), 3);
  ck_assert_int_eq(ac_task_all(NULL, 0), 3);
  ck_assert_int_eq(ac_future_is_task(a), 1);
  ac_future_await(a, NULL);
  ac_future_await(b, NULL);
  ck_assert_int_eq(ac_task_all(all, 8), 1);
  ck_assert_ptr_eq(all[0], ac_task_current());
  ac_future_release(a);
  ac_future_release(b);
  return 0;
}
START_TEST(names_and_all_tasks) { RUN_OK(names_body, NULL); }
END_TEST

static void check_no_task(void *arg) { *(int *)arg = ac_task_current() == NULL ? 1 : -1; }
static int current_in_callback_body(void *arg, void **result) {
  (void)arg, (void)result;
  int seen = 0;
  ck_assert_int_eq(ac_loop_call_soon(check_no_task, &seen, NULL), 0);
  ck_assert_int_eq(ac_task_sleep(0), 0);
  ck_assert_int_eq(seen, 1);
  return 0;
}
START_TEST(no_current_task_in_callbacks) {
  ck_assert_ptr_null(ac_task_current());
  RUN_OK(current_in_callback_body, NULL);
}
END_TEST

/* ---- sleeping and yielding ----------------------------------------------- */

typedef struct {
  char log[64];
  int len;
} trace;

typedef struct {
  trace *tr;
  char mark;
  int rounds;
} stepper_arg;

static int stepper(void *arg, void **result) {
  (void)result;
  stepper_arg *s = arg;
  for (int i = 0; i < s->rounds; i++) {
    s->tr->log[s->tr->len++] = s->mark;
    int rc = ac_task_sleep(0);
    if (rc) return rc;
  }
  return 0;
}

static int interleave_body(void *arg, void **result) {
  (void)arg, (void)result;
  trace tr = {{0}, 0};
  stepper_arg a = {&tr, 'a', 3}, b = {&tr, 'b', 3};
  ac_task_t *ta, *tb;
  ck_assert_int_eq(ac_task_create(&ta, stepper, &a), 0);
  ck_assert_int_eq(ac_task_create(&tb, stepper, &b), 0);
  ac_future_await(ta, NULL);
  ac_future_await(tb, NULL);
  ck_assert_str_eq(tr.log, "ababab");
  ac_future_release(ta);
  ac_future_release(tb);
  return 0;
}
START_TEST(sleep_zero_interleaves_in_order) { RUN_OK(interleave_body, NULL); }
END_TEST

typedef struct {
  trace *tr;
  char mark;
  int ms;
} sleeper_arg;

static int sleeper(void *arg, void **result) {
  (void)result;
  sleeper_arg *s = arg;
  int rc = ac_task_sleep(s->ms);
  if (rc) return rc;
  s->tr->log[s->tr->len++] = s->mark;
  return 0;
}

static int sleep_order_body(void *arg, void **result) {
  (void)arg, (void)result;
  trace tr = {{0}, 0};
  sleeper_arg args[] = {{&tr, 'c', 60}, {&tr, 'a', 20}, {&tr, 'b', 40}, {&tr, 'd', 60}};
  ac_task_t *t[4];
  double start = ac_loop_time_precise();
  for (int i = 0; i < 4; i++) ck_assert_int_eq(ac_task_create(&t[i], sleeper, &args[i]), 0);
  ck_assert_int_eq(ac_future_gather(t, 4, NULL, NULL, 0), 0);
  double elapsed = ac_loop_time_precise() - start;
  ck_assert_str_eq(tr.log, "abcd"); /* equal deadlines keep creation order */
  ck_assert_msg(elapsed >= 59, "four sleeps up to 60 ms took %.1f ms: they cannot end early",
                elapsed);
  ck_assert_msg(elapsed < 180, "sleeps of 20..60 ms overlapped should take ~60 ms, took %.1f",
                elapsed);
  for (int i = 0; i < 4; i++) ac_future_release(t[i]);
  return 0;
}
START_TEST(sleeps_wake_in_deadline_order_and_overlap) { RUN_OK(sleep_order_body, NULL); }
END_TEST

static int misuse_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_int_eq(ac_task_sleep(-1), -EINVAL);
  ck_assert_int_eq(ac_future_await(ac_task_current(), NULL), -EDEADLK);
  ck_assert_int_eq(ac_task_create(NULL, NULL, NULL), -EINVAL);
  ck_assert_int_eq(ac_task_create_ex(NULL, return_arg, NULL, &(ac_task_opts_t){.stack_size = 100}),
                   -EINVAL);
  ck_assert_int_eq(ac_future_await(NULL, NULL), -EINVAL);
  return 0;
}
START_TEST(misuse_is_reported) { RUN_OK(misuse_body, NULL); }
END_TEST

static void sleep_in_callback(void *arg) { *(int *)arg = ac_task_sleep(1); }
static int callback_sleep_body(void *arg, void **result) {
  (void)arg, (void)result;
  int rc = 0;
  ac_loop_call_soon(sleep_in_callback, &rc, NULL);
  ac_task_sleep(0);
  ck_assert_int_eq(rc, -EPERM);
  return 0;
}
START_TEST(suspending_outside_a_task_is_refused) {
  ck_assert_int_eq(ac_task_sleep(1), -ENOENT); /* no loop at all */
  ck_assert_int_eq(ac_task_create(NULL, return_arg, NULL), -ENOENT);
  RUN_OK(callback_sleep_body, NULL);
}
END_TEST

/* ---- cancellation -------------------------------------------------------- */

static int long_sleeper(void *arg, void **result) {
  (void)arg, (void)result;
  return ac_task_sleep(10000);
}

static int cancel_sleep_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, long_sleeper, NULL), 0);
  ac_task_sleep(5);
  double start = ac_loop_time_precise();
  ck_assert_int_eq(ac_future_cancel(t), 1);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ck_assert_msg(ac_loop_time_precise() - start < 1000, "cancel must wake the sleeper at once");
  ck_assert_int_eq(ac_future_state(t), AC_FUTURE_CANCELLED);
  ck_assert_int_eq(ac_future_cancel(t), 0); /* already finished */
  ck_assert_int_eq(ac_task_cancelling(t), 1);
  ac_future_release(t);
  return 0;
}
START_TEST(cancel_while_sleeping) { RUN_OK(cancel_sleep_body, NULL); }
END_TEST

typedef struct {
  int cleaned;
  int first_rc;
} cleanup_state;

static int catches_cancel(void *arg, void **result) {
  cleanup_state *st = arg;
  st->first_rc = ac_task_sleep(10000);
  int rc = ac_task_sleep(1); /* cleanup may still wait */
  st->cleaned = rc == 0;
  *result = INT2P(99);
  return 0; /* and decides to finish normally */
}

static int catch_body(void *arg, void **result) {
  (void)arg, (void)result;
  cleanup_state st = {0, 0};
  ac_task_t *t;
  ac_task_create(&t, catches_cancel, &st);
  ac_task_sleep(1);
  ac_future_cancel(t);
  void *r = NULL;
  ck_assert_int_eq(ac_future_await(t, &r), 0);
  ck_assert_int_eq(st.first_rc, -ECANCELED);
  ck_assert_msg(st.cleaned, "a second wait after the cancellation must work normally");
  ck_assert_int_eq(P2INT(r), 99);
  ck_assert_int_eq(ac_future_state(t), AC_FUTURE_DONE);
  ac_future_release(t);
  return 0;
}
START_TEST(task_may_catch_cancel_and_finish) { RUN_OK(catch_body, NULL); }
END_TEST

static int counts_steps(void *arg, void **result) {
  (void)result;
  int *steps = arg;
  (*steps)++;
  return ac_task_sleep(0);
}

typedef struct {
  int first, cleanup, cancelling;
} twice_state;

static int cleans_up_after_cancel(void *arg, void **result) {
  (void)result;
  twice_state *s = arg;
  s->first = ac_task_sleep(5000);
  s->cancelling = ac_task_cancelling(ac_task_current());
  s->cleanup = ac_task_sleep(1); /* the clean-up must not be cancelled too */
  return 0;
}

static int cancel_twice_body(void *arg, void **result) {
  (void)arg, (void)result;
  twice_state s = {1, 1, 0};
  ac_task_t *t;
  ac_task_create(&t, cleans_up_after_cancel, &s);
  ac_task_sleep(1);
  ck_assert_int_eq(ac_future_cancel(t), 1);
  ck_assert_int_eq(ac_future_cancel(t), 1); /* before it has run: already woken */
  ck_assert_int_eq(ac_future_await(t, NULL), 0);
  ck_assert_int_eq(s.first, -ECANCELED);
  ck_assert_int_eq(s.cancelling, 2);
  ck_assert_int_eq(s.cleanup, 0);
  ac_future_release(t);

  /* Twice before it starts: its first wait gets one cancellation. */
  twice_state u = {1, 1, 0};
  ac_task_create(&t, cleans_up_after_cancel, &u);
  ac_future_cancel(t);
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), 0);
  ck_assert_int_eq(u.first, -ECANCELED);
  ck_assert_int_eq(u.cancelling, 2);
  ck_assert_int_eq(u.cleanup, 0);
  ac_future_release(t);
  return 0;
}
START_TEST(second_cancel_is_counted_not_delivered_twice) { RUN_OK(cancel_twice_body, NULL); }
END_TEST

static int cancel_before_start_body(void *arg, void **result) {
  (void)arg, (void)result;
  int steps = 0;
  ac_task_t *t;
  ac_task_create(&t, counts_steps, &steps);
  ck_assert_int_eq(ac_future_cancel(t), 1);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ck_assert_int_eq(steps, 1); /* it ran, and its first suspension was cancelled */
  ac_future_release(t);
  return 0;
}
START_TEST(cancel_before_start_runs_to_first_suspension) { RUN_OK(cancel_before_start_body, NULL); }
END_TEST

static int awaits_inner(void *arg, void **result) {
  (void)result;
  ac_task_t **inner = arg;
  ck_assert_int_eq(ac_task_create(inner, long_sleeper, NULL), 0);
  return ac_future_await(*inner, NULL);
}

static int cancel_chain_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *inner = NULL, *outer;
  ac_task_create(&outer, awaits_inner, &inner);
  ac_task_sleep(5);
  ac_future_cancel(outer);
  ck_assert_int_eq(ac_future_await(outer, NULL), -ECANCELED);
  ck_assert_ptr_nonnull(inner);
  ck_assert_msg(ac_future_state(inner) == AC_FUTURE_CANCELLED,
                "cancelling a task that awaits another must cancel the awaited one");
  ac_future_release(inner);
  ac_future_release(outer);
  return 0;
}
START_TEST(cancel_propagates_to_awaited_task) { RUN_OK(cancel_chain_body, NULL); }
END_TEST

static int leftover_body(void *arg, void **result) {
  (void)result;
  ac_task_t **t = arg;
  ck_assert_int_eq(ac_task_create(t, long_sleeper, NULL), 0);
  ac_task_sleep(1);
  return 0; /* returns while the other still sleeps */
}
START_TEST(run_cancels_leftover_tasks) {
  ac_task_t *left = NULL;
  double start = ac_loop_time_precise();
  RUN_OK(leftover_body, &left);
  ck_assert_msg(ac_loop_time_precise() - start < 5000,
                "ac_loop_run must cancel the leftover sleeper, not wait 10 s");
}
END_TEST

/* ---- detached tasks and many tasks --------------------------------------- */

static int bump(void *arg, void **result) {
  (void)result;
  int rc = ac_task_sleep(1);
  (*(int *)arg)++;
  return rc;
}

static int detached_body(void *arg, void **result) {
  (void)arg, (void)result;
  int count = 0;
  for (int i = 0; i < 10; i++) ck_assert_int_eq(ac_task_create(NULL, bump, &count), 0);
  while (ac_task_all(NULL, 0) > 1) ac_task_sleep(1);
  ck_assert_int_eq(count, 10);
  return 0;
}
START_TEST(detached_tasks_run_and_free_themselves) { RUN_OK(detached_body, NULL); }
END_TEST

#if defined(AC_SANITIZE_THREAD)
enum { MANY = 2000 }; /* ThreadSanitizer keeps ~0.8 MiB per fiber */
#else
enum { MANY = 100000 };
#endif

static int many_body(void *arg, void **result) {
  (void)arg, (void)result;
  static int count;
  count = 0;
  static ac_task_t *tasks[MANY];
  for (int i = 0; i < MANY; i++) ck_assert_int_eq(ac_task_create(&tasks[i], bump, &count), 0);
  ck_assert_int_eq(ac_task_all(NULL, 0), MANY + 1);
  ck_assert_int_eq(ac_future_gather(tasks, MANY, NULL, NULL, 0), 0);
  ck_assert_int_eq(count, MANY);
  for (int i = 0; i < MANY; i++) ac_future_release(tasks[i]);
  return 0;
}
START_TEST(hundred_thousand_sleeping_tasks) { RUN_OK(many_body, NULL); }
END_TEST

/* ---- stacks -------------------------------------------------------------- */

static int depth_sum(int n) {
  volatile char pad[512];
  pad[0] = (char)n;
  if (n == 0) return pad[0];
  if (n % 50 == 0 && ac_task_sleep(0) != 0) return -1; /* suspend from deep inside */
  return depth_sum(n - 1) + 1 + pad[0] - (char)n;
}

static int deep(void *arg, void **result) {
  *result = INT2P(depth_sum(P2INT(arg)));
  return 0;
}

static int deep_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  /* ~300 KiB of frames: more than the default stack, so ask for 1 MiB. */
  ck_assert_int_eq(
      ac_task_create_ex(&t, deep, INT2P(500), &(ac_task_opts_t){.stack_size = 1 << 20}), 0);
  void *r;
  ck_assert_int_eq(ac_future_await(t, &r), 0);
  ck_assert_int_eq(P2INT(r), 500);
  ac_future_release(t);
  return 0;
}
START_TEST(suspend_from_deep_recursion_with_big_stack) { RUN_OK(deep_body, NULL); }
END_TEST

static int overflow_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create_ex(&t, deep, INT2P(100000),
                    &(ac_task_opts_t){.name = "greedy", .stack_size = 64 * 1024});
  ac_future_await(t, NULL);
  return 0;
}

START_TEST(stack_overflow_names_the_task) {
  int pipefd[2];
  ck_assert_int_eq(pipe(pipefd), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(pipefd[1], STDERR_FILENO);
    ac_loop_run(overflow_body, NULL, NULL);
    _exit(0); /* reaching this means the overflow went unnoticed */
  }
  close(pipefd[1]);
  char buf[1024] = {0};
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf - 1 && (n = read(pipefd[0], buf + len, sizeof buf - 1 - len)) > 0)
    len += (size_t)n;
  close(pipefd[0]);
  int status;
  waitpid(pid, &status, 0);
  ck_assert_msg(WIFSIGNALED(status), "the overflowing program should die by a signal, status %d",
                status);
  ck_assert_msg(strstr(buf, "'greedy' overflowed its stack") != NULL,
                "expected a message naming task 'greedy', got: %s", buf);
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("task");
  ADD_TEST(s, await_gives_result);
  ADD_TEST(s, await_gives_error);
  ADD_TEST(s, await_already_finished_task);
  ADD_TEST(s, main_result_and_error_come_back);
  ADD_TEST(s, positive_return_is_an_error);
  ADD_TEST(s, names_and_all_tasks);
  ADD_TEST(s, no_current_task_in_callbacks);
  ADD_TEST(s, sleep_zero_interleaves_in_order);
  ADD_TEST(s, sleeps_wake_in_deadline_order_and_overlap);
  ADD_TEST(s, misuse_is_reported);
  ADD_TEST(s, suspending_outside_a_task_is_refused);
  ADD_TEST(s, cancel_while_sleeping);
  ADD_TEST(s, task_may_catch_cancel_and_finish);
  ADD_TEST(s, cancel_before_start_runs_to_first_suspension);
  ADD_TEST(s, second_cancel_is_counted_not_delivered_twice);
  ADD_TEST(s, cancel_propagates_to_awaited_task);
  ADD_TEST(s, run_cancels_leftover_tasks);
  ADD_TEST(s, detached_tasks_run_and_free_themselves);
  ADD_TEST(s, hundred_thousand_sleeping_tasks);
  ADD_TEST(s, suspend_from_deep_recursion_with_big_stack);
  ADD_TEST(s, stack_overflow_names_the_task);
  return s;
}

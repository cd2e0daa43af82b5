/* test_future.c - futures: completing, awaiting, cancelling, done
 * callbacks and references. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

typedef struct {
  ac_future_t *f;
  int delay_ms;
  int error; /* 0: set a result */
} completer_arg;

static int completer(void *arg, void **result) {
  (void)result;
  completer_arg *c = arg;
  int rc = ac_task_sleep(c->delay_ms);
  if (rc) return rc;
  return c->error ? ac_future_set_error(c->f, c->error) : ac_future_set_result(c->f, INT2P(17));
}

static int set_result_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *f;
  ck_assert_int_eq(ac_future_create(&f), 0);
  ck_assert_int_eq(ac_future_state(f), AC_FUTURE_PENDING);
  ck_assert_int_eq(ac_future_result(f, NULL), -EAGAIN);
  completer_arg c = {f, 5, 0};
  ck_assert_int_eq(ac_task_create(NULL, completer, &c), 0);
  void *r = NULL;
  ck_assert_int_eq(ac_future_await(f, &r), 0);
  ck_assert_int_eq(P2INT(r), 17);
  ck_assert_int_eq(ac_future_set_result(f, NULL), -EALREADY);
  ck_assert_int_eq(ac_future_set_error(f, -EIO), -EALREADY);
  ac_future_release(f);
  return 0;
}
START_TEST(set_result_wakes_the_awaiter) { RUN_OK(set_result_body, NULL); }
END_TEST

static int set_error_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *f;
  ac_future_create(&f);
  completer_arg c = {f, 1, -EPIPE};
  ac_task_create(NULL, completer, &c);
  ck_assert_int_eq(ac_future_await(f, NULL), -EPIPE);
  ck_assert_int_eq(ac_future_state(f), AC_FUTURE_FAILED);
  ck_assert_int_eq(ac_future_set_error(f, 5), -EINVAL); /* not a negative errno */
  ac_future_release(f);
  return 0;
}
START_TEST(set_error_wakes_the_awaiter) { RUN_OK(set_error_body, NULL); }
END_TEST

typedef struct {
  ac_future_t *f;
  int rc;
} await_arg;

static int awaiter(void *arg, void **result) {
  (void)result;
  await_arg *a = arg;
  a->rc = ac_future_await(a->f, NULL);
  return 0;
}

static int many_waiters_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *f;
  ac_future_create(&f);
  await_arg a[3] = {{f, 1}, {f, 1}, {f, 1}};
  ac_task_t *t[3];
  for (int i = 0; i < 3; i++) ac_task_create(&t[i], awaiter, &a[i]);
  ac_task_sleep(1);
  ck_assert_int_eq(ac_future_cancel(f), 1);
  ck_assert_int_eq(ac_future_cancel(f), 0);
  ac_future_gather(t, 3, NULL, NULL, 0);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(a[i].rc, -ECANCELED);
    ac_future_release(t[i]);
  }
  ck_assert_int_eq(ac_future_state(f), AC_FUTURE_CANCELLED);
  ac_future_release(f);
  return 0;
}
START_TEST(cancelling_a_future_wakes_every_waiter) { RUN_OK(many_waiters_body, NULL); }
END_TEST

static int cancel_waiter_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *f;
  ac_future_create(&f);
  await_arg a = {f, 1};
  ac_task_t *t;
  ac_task_create(&t, awaiter, &a);
  ac_task_sleep(1);
  ac_future_cancel(t);
  ac_future_await(t, NULL);
  ck_assert_int_eq(a.rc, -ECANCELED);
  ck_assert_msg(ac_future_state(f) == AC_FUTURE_CANCELLED,
                "await passes the cancellation on to the future");
  ac_future_release(t);
  ac_future_release(f);
  return 0;
}
START_TEST(cancelled_awaiter_cancels_the_future) { RUN_OK(cancel_waiter_body, NULL); }
END_TEST

typedef struct {
  char log[16];
  int len;
} cb_log;

static cb_log *the_log;
static void log_a(ac_future_t *f, void *arg) {
  (void)f, (void)arg;
  the_log->log[the_log->len++] = 'a';
}
static void log_b(ac_future_t *f, void *arg) {
  (void)f, (void)arg;
  the_log->log[the_log->len++] = 'b';
}
static void log_c(ac_future_t *f, void *arg) {
  ck_assert_int_eq(ac_future_state(f), AC_FUTURE_DONE);
  the_log->log[the_log->len++] = *(char *)arg;
}

static int callbacks_body(void *arg, void **result) {
  (void)arg, (void)result;
  cb_log lg = {{0}, 0};
  the_log = &lg;
  ac_future_t *f;
  ac_future_create(&f);
  static char x = 'x', y = 'y';
  ck_assert_int_eq(ac_future_add_done_callback(f, log_a, NULL), 0);
  ck_assert_int_eq(ac_future_add_done_callback(f, log_b, NULL), 0);
  ck_assert_int_eq(ac_future_add_done_callback(f, log_c, &x), 0);
  ck_assert_int_eq(ac_future_add_done_callback(f, log_b, NULL), 0);
  ck_assert_int_eq(ac_future_remove_done_callback(f, log_b, NULL), 2);
  ck_assert_int_eq(ac_future_remove_done_callback(f, log_b, NULL), 0);
  ck_assert_int_eq(ac_future_add_done_callback(f, NULL, NULL), -EINVAL);
  ac_future_set_result(f, NULL);
  ck_assert_int_eq(lg.len, 0); /* callbacks run on the loop, not inside set_result */
  ac_task_sleep(0);
  ck_assert_str_eq(lg.log, "ax");
  ac_future_add_done_callback(f, log_c, &y); /* already done: runs soon */
  ac_task_sleep(0);
  ck_assert_str_eq(lg.log, "axy");
  ac_future_release(f);
  return 0;
}
START_TEST(done_callbacks_run_in_order_on_the_loop) { RUN_OK(callbacks_body, NULL); }
END_TEST

static int release_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *f;
  ck_assert_int_eq(ac_future_create(NULL), -EINVAL);
  ac_future_create(&f);
  ac_future_add_done_callback(f, log_a, NULL); /* never runs: freed with the future */
  ck_assert_int_eq(ac_future_release(f), 0);
  ac_task_t *t;
  ac_future_create(&f);
  await_arg a = {f, 1};
  ac_task_create(&t, awaiter, &a);
  ac_task_sleep(0);
  ck_assert_int_eq(ac_future_release(f), 0); /* the waiter keeps it alive */
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), 0);
  ck_assert_int_eq(a.rc, -ECANCELED);
  ac_future_release(t);
  return 0;
}
START_TEST(release_while_awaited_is_safe) { RUN_OK(release_body, NULL); }
END_TEST

static int task_misuse_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create(&t, awaiter, &(await_arg){NULL, 0});
  ck_assert_int_eq(ac_future_set_result(t, NULL), -EINVAL);
  ck_assert_int_eq(ac_future_set_error(t, -EIO), -EINVAL);
  ac_future_await(t, NULL);
  ck_assert_int_eq(ac_future_release(t), 0);
  ac_task_t *d;
  ac_future_t *f;
  ac_future_create(&f);
  await_arg da = {f, 0};
  ac_task_create(&d, awaiter, &da);
  ac_task_sleep(0); /* d now waits on f and holds it */
  ck_assert_int_eq(ac_future_release(d), 0);
  ck_assert_int_eq(ac_future_release(d), -EINVAL); /* twice */
  ck_assert_int_eq(ac_future_release(NULL), -EINVAL);
  ac_future_release(f);
  return 0;
}
START_TEST(misuse_of_futures_is_reported) { RUN_OK(task_misuse_body, NULL); }
END_TEST

static int quick(void *arg, void **result) {
  (void)arg, (void)result;
  return 0;
}

static int await_released_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create(&t, quick, NULL);
  ac_future_await(t, NULL);
  ac_future_release(t);     /* finished and released: freed */
  ac_future_await(t, NULL); /* a bug in the program: must stop it, not run on */
  return 0;
}

START_TEST(awaiting_a_released_task_stops_a_debug_build) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    ac_loop_run(await_released_body, NULL, NULL);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
#if defined(AC_SANITIZE_ADDRESS)
  /* There the freed structure is poisoned: AddressSanitizer stops the
   * program at the read, before the runtime's own check, with its report. */
  ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
                    (WIFEXITED(status) && WEXITSTATUS(status) != 0),
                "expected the program to stop, status 0x%x", status);
#else
  ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                "expected the program to abort, status 0x%x", status);
#endif
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("future");
  ADD_TEST(s, set_result_wakes_the_awaiter);
  ADD_TEST(s, set_error_wakes_the_awaiter);
  ADD_TEST(s, cancelling_a_future_wakes_every_waiter);
  ADD_TEST(s, cancelled_awaiter_cancels_the_future);
  ADD_TEST(s, done_callbacks_run_in_order_on_the_loop);
  ADD_TEST(s, release_while_awaited_is_safe);
  ADD_TEST(s, misuse_of_futures_is_reported);
  ADD_TEST(s, awaiting_a_released_task_stops_a_debug_build);
  return s;
}

/* test_signal.c - ac_signal_t with real signals: sent by the process to
 * itself and by another process, kept while nobody waits, counted, handed
 * out in order; cancellation, timeouts, closing (the old disposition comes
 * back, checked in a child that then dies of the signal), misuse. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "helpers.h"

static const int INT_TERM[] = {SIGINT, SIGTERM};
static const int USR[] = {SIGUSR1, SIGUSR2};

static void raise_signal(int signum) { ck_assert_int_eq(kill(getpid(), signum), 0); }

static ac_signal_t *catch_signals(const int *signums, size_t n) {
  ac_signal_t *sig = NULL;
  int rc = ac_signal_create(&sig, signums, n);
  ck_assert_msg(rc == 0, "ac_signal_create: %s", ac_error_message(rc));
  return sig;
}

/* ---- waiting ------------------------------------------------------------- */

static int wait_task(void *arg, void **result) {
  int rc = ac_signal_wait(arg);
  *result = INT2P(rc);
  return rc < 0 ? rc : 0;
}

static int wait_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = catch_signals(INT_TERM, 2);
  ac_task_t *t;
  ac_task_create(&t, wait_task, sig);
  ac_task_sleep(10); /* it waits */
  ck_assert_int_eq(ac_future_is_done(t), 0);
  raise_signal(SIGTERM); /* caught: the process goes on */
  void *got = NULL;
  ck_assert_int_eq(ac_future_await_for(t, 5000, &got), 0);
  ck_assert_int_eq(P2INT(got), SIGTERM);
  ac_future_release(t);
  raise_signal(SIGINT);
  ck_assert_int_eq(ac_signal_wait_for(sig, 5000), SIGINT);
  ck_assert_int_eq(ac_signal_close(sig), 0);
  return 0;
}
START_TEST(a_task_waits_for_sigterm_and_sigint) { RUN_OK(wait_body, NULL); }
END_TEST

static int kept_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = catch_signals(USR, 2);
  raise_signal(SIGUSR1);
  ac_task_sleep(20);                                     /* the loop sees it while nobody waits */
  ck_assert_int_eq(ac_signal_wait_for(sig, 0), SIGUSR1); /* kept: taken at once */
  ck_assert_int_eq(ac_signal_wait_for(sig, 0), -ETIMEDOUT); /* and only once */
  raise_signal(SIGUSR2); /* sent, and the wait comes before the loop saw it */
  ck_assert_int_eq(ac_signal_wait_for(sig, 5000), SIGUSR2);
  ck_assert_int_eq(ac_signal_close(sig), 0);
  return 0;
}
START_TEST(a_signal_while_nobody_waits_is_kept) { RUN_OK(kept_body, NULL); }
END_TEST

static int counted_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = catch_signals(USR, 2);
  /* A pause after each, so the kernel delivers each one (it merges a
   * signal sent again while the first is still pending). */
  raise_signal(SIGUSR2);
  ac_task_sleep(10);
  raise_signal(SIGUSR1);
  ac_task_sleep(10);
  raise_signal(SIGUSR2);
  ac_task_sleep(10);
  /* Pending together: in the order of the list, each as often as it came. */
  ck_assert_int_eq(ac_signal_wait(sig), SIGUSR1);
  ck_assert_int_eq(ac_signal_wait(sig), SIGUSR2);
  ck_assert_int_eq(ac_signal_wait(sig), SIGUSR2);
  ck_assert_int_eq(ac_signal_wait_for(sig, 20), -ETIMEDOUT);
  /* Two waiters, two signals: each gets one. */
  ac_task_t *t[2];
  ac_task_create(&t[0], wait_task, sig);
  ac_task_create(&t[1], wait_task, sig);
  ac_task_sleep(10);
  raise_signal(SIGUSR1);
  ac_task_sleep(10);
  raise_signal(SIGUSR2);
  ck_assert_int_eq(ac_future_wait_for(t, 2, AC_WAIT_ALL_COMPLETED, 5000), 2);
  void *a = NULL, *b = NULL;
  ac_future_result(t[0], &a);
  ac_future_result(t[1], &b);
  ck_assert_int_eq(P2INT(a), SIGUSR1); /* the longest waiter first */
  ck_assert_int_eq(P2INT(b), SIGUSR2);
  ac_future_release(t[0]);
  ac_future_release(t[1]);
  ck_assert_int_eq(ac_signal_close(sig), 0);
  return 0;
}
START_TEST(two_signals_two_waits_none_lost) { RUN_OK(counted_body, NULL); }
END_TEST

static int other_process_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = catch_signals(INT_TERM, 2);
  /* The shell's kill, spawned rather than forked: a forked child of this
   * threaded process can hang in ThreadSanitizer's own locks before it
   * sends anything (seen about once in 150 runs under load). */
  char command[64];
  snprintf(command, sizeof command, "kill -TERM %d", (int)getpid());
  char *argv[] = {"sh", "-c", command, NULL};
  pid_t child;
  ck_assert_int_eq(posix_spawn(&child, "/bin/sh", NULL, NULL, argv, environ), 0);
  ck_assert_int_eq(ac_signal_wait_for(sig, 5000), SIGTERM);
  int status;
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ck_assert_int_eq(ac_signal_close(sig), 0);
  return 0;
}
START_TEST(a_signal_from_another_process) { RUN_OK(other_process_body, NULL); }
END_TEST

/* ---- timeouts and cancellation -------------------------------------------- */

static void count_held(uv_handle_t *h, void *arg) {
  if (h->type == UV_SIGNAL && uv_has_ref(h) && !uv_is_closing(h)) ++*(int *)arg;
}

/* Signal handles that keep the loop alive. */
static int held_signal_handles(void) {
  int n = 0;
  uv_walk(ac_loop_uv(), count_held, &n);
  return n;
}

static int cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = catch_signals(USR, 2);
  ck_assert_int_eq(held_signal_handles(), 0); /* nobody waits: the loop is not held */
  double start = ac_loop_time_precise();
  ck_assert_int_eq(ac_signal_wait_for(sig, 40), -ETIMEDOUT);
  ck_assert(ac_loop_time_precise() - start >= 36);
  ac_task_t *t;
  ac_task_create(&t, wait_task, sig);
  ac_task_sleep(10);
  ck_assert_int_eq(held_signal_handles(), 2); /* a waiter holds the loop */
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ac_future_release(t);
  ck_assert_int_eq(held_signal_handles(), 0); /* nothing left behind */
  raise_signal(SIGUSR2);
  ac_task_sleep(10);
  ck_assert_int_eq(ac_signal_wait_for(sig, 0), SIGUSR2); /* not lost to the cancelled waiter */
  ck_assert_int_eq(ac_signal_close(sig), 0);
  return 0;
}
START_TEST(a_cancelled_waiter_leaves_nothing_behind) { RUN_OK(cancel_body, NULL); }
END_TEST

static int close_wakes_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = catch_signals(USR, 2);
  ac_task_t *t;
  ac_task_create(&t, wait_task, sig);
  ac_task_sleep(10);
  ck_assert_int_eq(ac_signal_close(sig), 0);
  ck_assert_int_eq(ac_future_await_for(t, 5000, NULL), -EBADF);
  ac_future_release(t);
  return 0;
}
START_TEST(closing_wakes_waiters_with_ebadf) { RUN_OK(close_wakes_body, NULL); }
END_TEST

/* ---- dispositions -------------------------------------------------------- */

static int handler_calls;
static void program_handler(int signum) {
  (void)signum;
  handler_calls++;
}

static void (*disposition(int signum))(int) {
  struct sigaction sa;
  ck_assert_int_eq(sigaction(signum, NULL, &sa), 0);
  return sa.sa_handler;
}

static int restore_body(void *arg, void **result) {
  (void)arg, (void)result;
  signal(SIGUSR2, SIG_IGN);
  signal(SIGUSR1, program_handler);
  ac_signal_t *a = catch_signals(USR, 2), *b = catch_signals(USR, 1); /* both catch SIGUSR1 */
  ck_assert(disposition(SIGUSR1) != program_handler);
  raise_signal(SIGUSR1);
  ck_assert_int_eq(ac_signal_wait_for(a, 5000), SIGUSR1); /* each object counts each arrival */
  ck_assert_int_eq(ac_signal_wait_for(b, 5000), SIGUSR1);
  ck_assert_int_eq(handler_calls, 0);
  ck_assert_int_eq(ac_signal_close(a), 0);
  ck_assert_ptr_eq(disposition(SIGUSR2), SIG_IGN);    /* back: ignored */
  ck_assert(disposition(SIGUSR1) != program_handler); /* b still catches it */
  raise_signal(SIGUSR1);
  ck_assert_int_eq(ac_signal_wait_for(b, 5000), SIGUSR1);
  ck_assert_int_eq(ac_signal_close(b), 0);
  ck_assert_ptr_eq(disposition(SIGUSR1), program_handler); /* back: the program's */
  raise_signal(SIGUSR1);
  ck_assert_int_eq(handler_calls, 1);
  signal(SIGUSR1, SIG_DFL);
  signal(SIGUSR2, SIG_DFL);
  return 0;
}
START_TEST(close_gives_back_the_previous_disposition) { RUN_OK(restore_body, NULL); }
END_TEST

/* In a child with its own loop: catch SIGTERM, close, send SIGTERM to
 * itself. It must die of it, as if never caught. */
static int catch_then_close(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = NULL;
  if (ac_signal_create(&sig, INT_TERM, 2) != 0) return -EINVAL;
  kill(getpid(), SIGTERM);
  if (ac_signal_wait_for(sig, 5000) != SIGTERM) return -EINVAL; /* caught while open */
  ac_signal_close(sig);
  kill(getpid(), SIGTERM); /* the default: the end */
  return 0;
}

START_TEST(after_close_the_signal_ends_the_process_again) {
  pid_t child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    signal(SIGTERM, SIG_DFL); /* the test runner may have a handler of its own */
    ac_loop_run(catch_then_close, NULL, NULL);
    _exit(3); /* still alive: the disposition did not come back */
  }
  int status;
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
                "the child should die of SIGTERM after closing, status %#x", status);
}
END_TEST

static int left_open_body(void *arg, void **result) {
  (void)arg, (void)result;
  void (*before)(int) = disposition(SIGTERM);
  catch_signals(INT_TERM, 2); /* never closed */
  ck_assert(disposition(SIGTERM) != before);
  return 0;
}
START_TEST(the_loop_closes_what_is_left_open) {
  void (*term)(int) = disposition(SIGTERM), (*intr)(int) = disposition(SIGINT);
  RUN_OK(left_open_body, NULL);
  ck_assert_ptr_eq(disposition(SIGTERM), term);
  ck_assert_ptr_eq(disposition(SIGINT), intr);
}
END_TEST

/* ---- misuse -------------------------------------------------------------- */

static int from_callback_rc;
static void wait_from_callback(void *arg) { from_callback_rc = ac_signal_wait(arg); }

static int misuse_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_signal_t *sig = (ac_signal_t *)&sig;
  int bad[][2] = {{SIGKILL, 0}, {SIGSTOP, 0}, {SIGSEGV, 0},    {0, 0},
                  {NSIG, 0},    {-1, 0},      {SIGINT, SIGINT}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(ac_signal_create(&sig, bad[i], bad[i][1] ? 2 : 1), -EINVAL);
    ck_assert_ptr_null(sig);
  }
  ck_assert_int_eq(ac_signal_create(&sig, INT_TERM, 0), -EINVAL);
  ck_assert_int_eq(ac_signal_create(&sig, NULL, 1), -EINVAL);
  ck_assert_int_eq(ac_signal_create(NULL, INT_TERM, 2), -EINVAL);
  ck_assert_int_eq(ac_signal_wait(NULL), -EINVAL);
  ck_assert_int_eq(ac_signal_wait_for(NULL, 10), -EINVAL);
  ck_assert_int_eq(ac_signal_close(NULL), -EINVAL);
  sig = catch_signals(USR, 2);
  ck_assert_int_eq(ac_signal_wait_for(sig, -5), -EINVAL);
  ac_loop_call_soon(wait_from_callback, sig, NULL);
  ac_task_sleep(5);
  ck_assert_int_eq(from_callback_rc, -EPERM);
  ck_assert_int_eq(ac_signal_close(sig), 0);
  return 0;
}
START_TEST(bad_arguments_are_refused) {
  RUN_OK(misuse_body, NULL);
  ac_signal_t *sig = NULL;
  ck_assert_int_eq(ac_signal_create(&sig, INT_TERM, 2), -ENOENT); /* no loop */
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("signal");
  ADD_TEST(s, a_task_waits_for_sigterm_and_sigint);
  ADD_TEST(s, a_signal_while_nobody_waits_is_kept);
  ADD_TEST(s, two_signals_two_waits_none_lost);
  ADD_TEST(s, a_signal_from_another_process);
  ADD_TEST(s, a_cancelled_waiter_leaves_nothing_behind);
  ADD_TEST(s, closing_wakes_waiters_with_ebadf);
  ADD_TEST(s, close_gives_back_the_previous_disposition);
  ADD_TEST(s, after_close_the_signal_ends_the_process_again);
  ADD_TEST(s, the_loop_closes_what_is_left_open);
  ADD_TEST(s, bad_arguments_are_refused);
  return s;
}

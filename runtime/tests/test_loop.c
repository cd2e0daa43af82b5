/* test_loop.c - the loop: callbacks in order, timers, handles, run modes,
 * stop, time, deadlock detection and misuse. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"

typedef struct {
  char log[64];
  int len;
} trace;

static trace tr;

static void mark(void *arg) { tr.log[tr.len++] = *(const char *)arg; }

/* ---- callbacks ----------------------------------------------------------- */

static int soon_body(void *arg, void **result) {
  (void)arg, (void)result;
  memset(&tr, 0, sizeof tr);
  ck_assert_int_eq(ac_loop_call_soon(mark, "a", NULL), 0);
  ck_assert_int_eq(ac_loop_call_later(0, mark, "c", NULL), 0);
  ck_assert_int_eq(ac_loop_call_soon(mark, "b", NULL), 0);
  ck_assert_int_eq(tr.len, 0); /* nothing runs until the task yields */
  ck_assert_int_eq(ac_task_sleep(0), 0);
  ck_assert_str_eq(tr.log, "ab");
  ck_assert_int_eq(ac_task_sleep(5), 0);
  ck_assert_str_eq(tr.log, "abc");
  return 0;
}
START_TEST(call_soon_runs_in_order_before_timers) { RUN_OK(soon_body, NULL); }
END_TEST

static int later_body(void *arg, void **result) {
  (void)arg, (void)result;
  memset(&tr, 0, sizeof tr);
  uint64_t now = ac_loop_time();
  ck_assert_int_eq(ac_loop_call_later(30, mark, "3", NULL), 0);
  ck_assert_int_eq(ac_loop_call_later(10, mark, "1", NULL), 0);
  ck_assert_int_eq(ac_loop_call_at(now + 20, mark, "2", NULL), 0);
  ck_assert_int_eq(ac_loop_call_later(10, mark, "x", NULL), 0); /* same time: scheduling order */
  double start = ac_loop_time_precise();
  ck_assert_int_eq(ac_task_sleep(60), 0);
  ck_assert_str_eq(tr.log, "1x23");
  ck_assert_msg(ac_loop_time_precise() - start >= 59, "sleep(60) must not end early");
  ck_assert_int_eq(ac_loop_call_later(-1, mark, "?", NULL), -EINVAL);
  ck_assert_int_eq(ac_loop_call_soon(NULL, NULL, NULL), -EINVAL);
  return 0;
}
START_TEST(call_later_and_call_at_fire_in_time_order) { RUN_OK(later_body, NULL); }
END_TEST

static int handle_body(void *arg, void **result) {
  (void)arg, (void)result;
  memset(&tr, 0, sizeof tr);
  ac_handle_t *later, *soon, *ran;
  ck_assert_int_eq(ac_loop_call_later(10, mark, "L", &later), 0);
  ck_assert_int_eq(ac_loop_call_soon(mark, "S", &soon), 0);
  ck_assert_int_eq(ac_loop_call_soon(mark, "R", &ran), 0);
  ck_assert_int_eq(ac_handle_close(later), 1);
  ck_assert_int_eq(ac_handle_close(soon), 1);
  ac_task_sleep(30);
  ck_assert_str_eq(tr.log, "R");
  ck_assert_int_eq(ac_handle_close(ran), 0); /* it had run */
  ck_assert_int_eq(ac_handle_close(NULL), -EINVAL);
  return 0;
}
START_TEST(closed_handles_never_run) { RUN_OK(handle_body, NULL); }
END_TEST

static void reschedule(void *arg) {
  int *n = arg;
  if (++*n < 1000) ac_loop_call_soon(reschedule, n, NULL);
}
static int chain_body(void *arg, void **result) {
  (void)arg, (void)result;
  int n = 0;
  ac_loop_call_soon(reschedule, &n, NULL);
  while (n < 1000) ac_task_sleep(0);
  ck_assert_int_eq(n, 1000);
  return 0;
}
START_TEST(callback_chains_do_not_starve_tasks) { RUN_OK(chain_body, NULL); }
END_TEST

/* ---- driving the loop by hand -------------------------------------------- */

static void stopper(void *arg) {
  (void)arg;
  ac_loop_stop();
}

static int counter_task(void *arg, void **result) {
  (void)result;
  for (;;) {
    (*(int *)arg)++;
    int rc = ac_task_sleep(1);
    if (rc) return rc;
  }
}

/* A callback that schedules itself again every time it runs. */
static void requeue_forever(void *arg) {
  (*(long *)arg)++;
  ac_loop_call_soon(requeue_forever, arg, NULL);
}

START_TEST(close_ends_despite_a_callback_that_requeues_itself) {
  long runs = 0;
  ck_assert_int_eq(ac_loop_open(), 0);
  ck_assert_int_eq(ac_loop_call_soon(requeue_forever, &runs, NULL), 0);
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_NOWAIT), 1); /* it is still queued */
  long before = runs;
  ck_assert_int_eq(ac_loop_close(), 0); /* used to run it for ever */
  ck_assert_msg(runs > before, "the callback due at close should still run (ran %ld, then %ld)",
                before, runs);
  ck_assert_int_eq(ac_loop_is_open(), 0);
}
END_TEST

START_TEST(loop_runs_by_hand_and_stops) {
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_DEFAULT), -ENOENT);
  ck_assert_int_eq(ac_loop_open(), 0);
  ck_assert_int_eq(ac_loop_open(), -EBUSY);
  ck_assert_int_eq(ac_loop_is_open(), 1);
  ck_assert_ptr_nonnull(ac_loop_uv());
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_DEFAULT), 0); /* nothing to do */
  memset(&tr, 0, sizeof tr);
  ac_loop_call_soon(mark, "a", NULL);
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_NOWAIT), 0);
  ck_assert_str_eq(tr.log, "a");
  int count = 0;
  ck_assert_int_eq(ac_task_create(NULL, counter_task, &count), 0);
  ac_loop_call_later(30, stopper, NULL, NULL);
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_DEFAULT), 1); /* stopped, with work left */
  ck_assert_msg(count >= 2, "the task should have run a few rounds, ran %d", count);
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_ONCE), 1); /* the task still sleeps */
  ck_assert_int_eq(ac_loop_drive(7), -EINVAL);
  ck_assert_int_eq(ac_loop_close(), 0); /* cancels the endless task */
  ck_assert_int_eq(ac_loop_is_open(), 0);
  ck_assert_int_eq(ac_loop_close(), -ENOENT);
}
END_TEST

static int nested_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_int_eq(ac_loop_run(nested_body, NULL, NULL), -EBUSY);
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_ONCE), -EBUSY);
  ck_assert_int_eq(ac_loop_close(), -EBUSY);
  return 0;
}
START_TEST(nested_run_is_refused) {
  RUN_OK(nested_body, NULL);
  ck_assert_int_eq(ac_loop_run(NULL, NULL, NULL), -EINVAL);
}
END_TEST

static int stop_in_run_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_loop_stop();
  return ac_task_sleep(10000);
}
START_TEST(stop_inside_run_cancels_main) { RUN_EXPECT(stop_in_run_body, NULL, -ECANCELED); }
END_TEST

/* ---- time ---------------------------------------------------------------- */

static int time_body(void *arg, void **result) {
  (void)arg, (void)result;
  uint64_t t0 = ac_loop_time();
  double p0 = ac_loop_time_precise();
  ac_task_sleep(20);
  uint64_t t1 = ac_loop_time();
  double p1 = ac_loop_time_precise();
  ck_assert_msg(t1 >= t0 + 20, "loop time moved %llu ms over a 20 ms sleep",
                (unsigned long long)(t1 - t0));
  ck_assert_msg(p1 - p0 >= 19.5, "precise time moved %.2f ms over a 20 ms sleep", p1 - p0);
  return 0;
}
START_TEST(time_is_monotonic_milliseconds) { RUN_OK(time_body, NULL); }
END_TEST

/* ---- deadlock ------------------------------------------------------------ */

static int waits_forever(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *never;
  ac_future_create(&never);
  int rc = ac_future_await(never, NULL);
  ac_future_release(never);
  return rc;
}
START_TEST(deadlock_is_detected_not_hung) { RUN_EXPECT(waits_forever, NULL, -EDEADLK); }
END_TEST

static int stubborn(void *arg, void **result) {
  (void)arg, (void)result;
  ac_future_t *never;
  ac_future_create(&never);
  ac_future_await(never, NULL);
  ac_future_await(never, NULL); /* ignores the cancellation and waits again */
  return 0;
}
START_TEST(task_ignoring_cancel_cannot_hang_close) { RUN_EXPECT(stubborn, NULL, -EDEADLK); }
END_TEST

/* ---- other threads ------------------------------------------------------- */

typedef struct {
  ac_future_t *f;
  int soon_rc, set_rc, create_rc;
} foreign;

static void *foreign_thread(void *arg) {
  foreign *fo = arg;
  fo->soon_rc = ac_loop_call_soon(mark, "!", NULL);
  fo->set_rc = ac_future_set_result(fo->f, NULL);
  fo->create_rc = ac_task_create(NULL, counter_task, NULL);
  return NULL;
}

static int foreign_body(void *arg, void **result) {
  (void)arg, (void)result;
  foreign fo = {NULL, 0, 0, 0};
  ac_future_create(&fo.f);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, foreign_thread, &fo), 0);
  pthread_join(th, NULL); /* blocks the loop briefly: fine in a test */
  ck_assert_int_eq(fo.soon_rc, -EPERM);
  ck_assert_int_eq(fo.set_rc, -EPERM);
  ck_assert_int_eq(fo.create_rc, -EPERM);
  ck_assert_int_eq(ac_future_state(fo.f), AC_FUTURE_PENDING);
  ac_future_release(fo.f);
  return 0;
}
START_TEST(calls_from_another_thread_are_refused) { RUN_OK(foreign_body, NULL); }
END_TEST

/* ---- embedding: a host's poll() drives the loop ------------------------- */

/* A host loop as a program with its own loop runs it: wait on the backend
 * descriptor for as long as ac_loop_next_timeout() allows (HOST_CAP_MS at
 * most when it allows for ever), drive once without waiting, until *done.
 * Counts the turns, and the waits that ran to the cap although the loop had
 * said only I/O could bring work: the sign of a descriptor missing from the
 * backend's set, which would be a hang without the cap. */
enum { HOST_CAP_MS = 3000 };
typedef struct {
  int turns, stalls;
} host_stats;

static host_stats host_run(const int *done) {
  host_stats st = {0, 0};
  struct pollfd pfd = {.fd = ac_loop_backend_fd(), .events = POLLIN};
  ck_assert_int_ge(pfd.fd, 0);
  while (!*done && st.turns < 10000) {
    int64_t wait;
    ck_assert_int_eq(ac_loop_next_timeout(&wait), 0);
    ck_assert_int_ge(wait, -1);
    int n = poll(&pfd, 1, wait < 0 || wait > HOST_CAP_MS ? HOST_CAP_MS : (int)wait);
    if (n == 0 && wait < 0) st.stalls++;
    ck_assert_int_ge(ac_loop_drive(AC_DRIVE_NOWAIT), 0);
    st.turns++;
  }
  return st;
}

static int sleeps_three_times(void *arg, void **result) {
  (void)result;
  for (int i = 0; i < 3; i++) ac_task_sleep(20);
  *(int *)arg = 1;
  return 0;
}

START_TEST(next_timeout_says_when_the_loop_has_work) {
  int64_t wait = 7;
  ck_assert_int_eq(ac_loop_backend_fd(), -ENOENT);
  ck_assert_int_eq(ac_loop_next_timeout(&wait), -ENOENT);
  ck_assert_int_eq(ac_loop_open(), 0);
  ck_assert_int_eq(ac_loop_next_timeout(NULL), -EINVAL);
  ck_assert_int_eq(ac_loop_next_timeout(&wait), 0);
  ck_assert_int_eq(wait, -1); /* nothing to do: the host may wait for ever */
  ac_handle_t *later;
  ck_assert_int_eq(ac_loop_call_later(500, mark, "x", &later), 0);
  ck_assert_int_eq(ac_loop_next_timeout(&wait), 0);
  ck_assert_msg(wait > 0 && wait <= 500, "a timer due in 500 ms gave a wait of %lld ms",
                (long long)wait);
  ck_assert_int_eq(ac_loop_call_soon(mark, "y", NULL), 0);
  ck_assert_int_eq(ac_loop_next_timeout(&wait), 0);
  ck_assert_int_eq(wait, 0); /* a callback is ready */
  ck_assert_int_eq(ac_loop_drive(AC_DRIVE_NOWAIT), 1);
  ck_assert_int_eq(ac_handle_close(later), 1);
  ck_assert_int_eq(ac_loop_next_timeout(&wait), 0);
  ck_assert_int_eq(wait, -1);
  ck_assert_int_eq(ac_loop_close(), 0);
}
END_TEST

START_TEST(host_poll_runs_timers_without_spinning) {
  int done = 0;
  ck_assert_int_eq(ac_loop_open(), 0);
  ck_assert_int_eq(ac_task_create(NULL, sleeps_three_times, &done), 0);
  host_stats st = host_run(&done);
  ck_assert_int_eq(done, 1);
  ck_assert_int_eq(st.stalls, 0);
  /* Three sleeps need a handful of turns; a host that spins takes thousands. */
  ck_assert_msg(st.turns <= 40, "three 20 ms sleeps took %d turns of the host", st.turns);
  ck_assert_int_eq(ac_loop_close(), 0);
}
END_TEST

typedef struct {
  int port, done;
  char line[16];
} embedded_client;

/* Connects and reads: each step starts watching a new descriptor from a
 * task, which the host's next wait must already cover. */
static int client_task(void *arg, void **result) {
  (void)result;
  embedded_client *c = arg;
  ac_stream_t *s;
  ck_assert_int_eq(ac_stream_connect(&s, "127.0.0.1", c->port), 0);
  ck_assert_int_eq(ac_stream_readline(s, c->line, sizeof c->line), 6);
  ac_stream_close(s);
  c->done = 1;
  return 0;
}

/* The peer is a plain blocking thread, outside the loop, and the loop has
 * no timer: only the backend descriptor can wake the host. */
static void *peer_thread(void *arg) {
  int listener = *(int *)arg;
  int conn = accept(listener, NULL, NULL);
  ck_assert_int_ge(conn, 0);
  usleep(20000); /* the client is waiting to read by now */
  ck_assert_int_eq(write(conn, "hello\n", 6), 6);
  close(conn);
  return NULL;
}

START_TEST(host_poll_sees_io_that_tasks_start) {
  embedded_client c = {0};
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  ck_assert_int_eq(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
  ck_assert_int_eq(listen(listener, 1), 0);
  ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
  c.port = ntohs(addr.sin_port);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, peer_thread, &listener), 0);
  ck_assert_int_eq(ac_loop_open(), 0);
  ck_assert_int_eq(ac_task_create(NULL, client_task, &c), 0);
  host_stats st = host_run(&c.done);
  pthread_join(th, NULL);
  close(listener);
  ck_assert_int_eq(c.done, 1);
  ck_assert_str_eq(c.line, "hello\n");
  ck_assert_msg(st.stalls == 0,
                "the host waited %d time(s) for %d ms on the backend while a task's "
                "connection or read was not in its set",
                st.stalls, HOST_CAP_MS);
  ck_assert_int_eq(ac_loop_close(), 0);
}
END_TEST

typedef struct {
  ac_loop_t *loop;
  int done;
} far_call;

static void set_done(void *arg) { ((far_call *)arg)->done = 1; }

static void *call_in_later(void *arg) {
  usleep(20000);
  ck_assert_int_eq(ac_loop_call_soon_threadsafe(((far_call *)arg)->loop, set_done, arg), 0);
  return NULL;
}

START_TEST(host_poll_wakes_for_calls_from_other_threads) {
  ck_assert_int_eq(ac_loop_open(), 0);
  far_call fc = {ac_loop_current(), 0};
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, call_in_later, &fc), 0);
  host_stats st = host_run(&fc.done);
  pthread_join(th, NULL);
  ck_assert_int_eq(fc.done, 1);
  ck_assert_int_eq(st.stalls, 0);
  ck_assert_msg(st.turns <= 5, "one call from a thread took %d turns of the host", st.turns);
  ck_assert_int_eq(ac_loop_close(), 0);
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("loop");
  ADD_TEST(s, call_soon_runs_in_order_before_timers);
  ADD_TEST(s, call_later_and_call_at_fire_in_time_order);
  ADD_TEST(s, closed_handles_never_run);
  ADD_TEST(s, callback_chains_do_not_starve_tasks);
  ADD_TEST(s, loop_runs_by_hand_and_stops);
  ADD_TEST(s, close_ends_despite_a_callback_that_requeues_itself);
  ADD_TEST(s, nested_run_is_refused);
  ADD_TEST(s, stop_inside_run_cancels_main);
  ADD_TEST(s, time_is_monotonic_milliseconds);
  ADD_TEST(s, deadlock_is_detected_not_hung);
  ADD_TEST(s, task_ignoring_cancel_cannot_hang_close);
  ADD_TEST(s, calls_from_another_thread_are_refused);
  ADD_TEST(s, next_timeout_says_when_the_loop_has_work);
  ADD_TEST(s, host_poll_runs_timers_without_spinning);
  ADD_TEST(s, host_poll_sees_io_that_tasks_start);
  ADD_TEST(s, host_poll_wakes_for_calls_from_other_threads);
  return s;
}

/* test_debug.c - task introspection, the task dump (also on a signal),
 * debug mode's warnings, and the scheduling trace. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* ---- capturing standard error -------------------------------------------- */

typedef struct {
  FILE *file;
  int saved_fd;
  char text[16384];
} capture;

static void capture_begin(capture *c) {
  fflush(stderr);
  c->file = tmpfile();
  ck_assert_ptr_nonnull(c->file);
  c->saved_fd = dup(STDERR_FILENO);
  dup2(fileno(c->file), STDERR_FILENO);
}

static const char *capture_end(capture *c) {
  fflush(stderr);
  dup2(c->saved_fd, STDERR_FILENO);
  close(c->saved_fd);
  rewind(c->file);
  size_t n = fread(c->text, 1, sizeof c->text - 1, c->file);
  c->text[n] = '\0';
  fclose(c->file);
  return c->text;
}

/* ---- tasks to look at ---------------------------------------------------- */

static int napper(void *arg, void **result) {
  (void)arg, (void)result;
  return ac_task_sleep(5000);
}

static int lock_waiter(void *arg, void **result) {
  (void)result;
  int rc = ac_lock_acquire(arg);
  if (rc == 0) ac_lock_release(arg);
  return rc;
}

static int info_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_lock_t *lock;
  ac_lock_create(&lock);
  ac_lock_acquire(lock);
  ac_task_t *sleeping, *locking;
  ac_task_create_ex(&sleeping, napper, NULL, &(ac_task_opts_t){.name = "sleepy"});
  ac_task_create(&locking, lock_waiter, lock);
  ac_task_info_t info;
  ck_assert_int_eq(ac_task_info(sleeping, &info), 0);
  ck_assert_int_eq(info.state, AC_TASK_CREATED);
  ac_task_sleep(1);
  ck_assert_int_eq(ac_task_info(sleeping, &info), 0);
  ck_assert_str_eq(info.name, "sleepy");
  ck_assert_int_eq(info.state, AC_TASK_SUSPENDED);
  ck_assert_str_eq(info.waiting_on, "sleep");
  ck_assert_ptr_eq((void *)info.fn, (void *)napper);
  ck_assert_int_eq(ac_task_info(locking, &info), 0);
  ck_assert_str_eq(info.waiting_on, "lock");
  ck_assert_int_eq(ac_task_info(ac_task_current(), &info), 0);
  ck_assert_int_eq(info.state, AC_TASK_RUNNING);
  ck_assert_ptr_null(info.waiting_on);
  ck_assert_str_eq(ac_task_state_name(AC_TASK_SUSPENDED), "suspended");
  ck_assert_int_eq(ac_task_info(NULL, &info), -EINVAL);
  ac_future_cancel(sleeping);
  ac_future_await(sleeping, NULL);
  ck_assert_int_eq(ac_task_info(sleeping, &info), 0);
  ck_assert_int_eq(info.state, AC_TASK_FINISHED);
  ac_lock_release(lock);
  ac_future_await(locking, NULL);
  ac_future_release(sleeping);
  ac_future_release(locking);
  return 0;
}
START_TEST(task_info_tells_state_and_wait) { RUN_OK(info_body, NULL); }
END_TEST

/* Global and not inlined, so the dump can name them (-rdynamic). */
int deep_napper_inner(volatile int *after);
int deep_napper(void *arg, void **result);

__attribute__((noinline)) int deep_napper_inner(volatile int *after) {
  int rc = ac_task_sleep(5000);
  *after = 1; /* work after the call: no tail call, so this frame stays */
  return rc;
}

__attribute__((noinline)) int deep_napper(void *arg, void **result) {
  (void)arg, (void)result;
  volatile int after = 0;
  int rc = deep_napper_inner(&after);
  return rc + after - 1 + 1;
}

static int dump_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create_ex(&t, deep_napper, NULL, &(ac_task_opts_t){.name = "dreamer"});
  ac_task_sleep(1);
  FILE *f = tmpfile();
  ck_assert_int_eq(ac_debug_dump_tasks(f), 2);
  rewind(f);
  char text[8192];
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  ck_assert_msg(strstr(text, "task 'dreamer'") && strstr(text, "suspended in sleep"),
                "the dump names the task and its wait:\n%s", text);
  ck_assert_msg(strstr(text, "runs deep_napper"), "the dump names the function:\n%s", text);
#if !defined(AC_CONTEXT_UCONTEXT)
  ck_assert_msg(strstr(text, "ac_task_sleep") && strstr(text, "deep_napper_inner"),
                "the suspended task's call stack shows where it waits:\n%s", text);
#endif
  ck_assert_msg(strstr(text, "task 'main'") && strstr(text, "running"),
                "the dump lists the caller:\n%s", text);
  ac_future_cancel(t);
  ac_future_await(t, NULL);
  ac_future_release(t);
  return 0;
}
START_TEST(dump_lists_tasks_with_their_call_stacks) { RUN_OK(dump_body, NULL); }
END_TEST

static int signal_body(void *arg, void **result) {
  (void)result;
  capture *c = arg;
  ac_task_t *t;
  ac_task_create_ex(&t, napper, NULL, &(ac_task_opts_t){.name = "signalled"});
  ck_assert_int_eq(ac_debug_dump_tasks_on_signal(SIGUSR1), 0);
  capture_begin(c);
  kill(getpid(), SIGUSR1);
  for (int i = 0; i < 200 && !strstr(c->text, "signalled"); i++) {
    ac_task_sleep(5); /* the dump runs on the loop once it gets the signal */
    fflush(stderr);
    FILE *peek = fopen("/proc/self/fd/2", "r");
    if (peek) {
      size_t n = fread(c->text, 1, sizeof c->text - 1, peek);
      c->text[n] = '\0';
      fclose(peek);
    }
  }
  capture_end(c);
  ac_future_cancel(t);
  ac_future_await(t, NULL);
  ac_future_release(t);
  return 0;
}
START_TEST(dump_on_signal) {
  capture c;
  c.text[0] = '\0';
  RUN_OK(signal_body, &c);
  ck_assert_msg(strstr(c.text, "task 'signalled'") != NULL,
                "SIGUSR1 should dump the tasks, got:\n%s", c.text);
}
END_TEST

/* ---- debug mode ---------------------------------------------------------- */

static void busy_ms(int ms) {
  double end = ac_loop_time_precise() + ms;
  while (ac_loop_time_precise() < end) {
  }
}

static int hog(void *arg, void **result) {
  (void)arg, (void)result;
  busy_ms(60); /* a blocking computation, never suspending */
  return 0;
}

static int failing(void *arg, void **result) {
  (void)arg, (void)result;
  return -EIO;
}

static int slow_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_int_eq(ac_debug_set(1, 20), 0);
  ck_assert_int_eq(ac_debug_set(1, -1), -EINVAL);
  ac_task_t *t;
  ac_task_create_ex(&t, hog, NULL, &(ac_task_opts_t){.name = "hog"});
  ac_future_await(t, NULL);
  ac_future_release(t);
  ac_task_create_ex(NULL, failing, NULL, &(ac_task_opts_t){.name = "unheard"});
  ac_task_create_ex(&t, failing, NULL, &(ac_task_opts_t){.name = "heard"});
  ck_assert_int_eq(ac_future_await(t, NULL), -EIO); /* read: no warning for this one */
  ac_future_release(t);
  ac_task_create_ex(NULL, napper, NULL, &(ac_task_opts_t){.name = "leftover"});
  ac_task_sleep(1);
  return 0;
}
START_TEST(debug_mode_warns_about_the_classic_mistakes) {
  capture c;
  capture_begin(&c);
  RUN_OK(slow_body, NULL);
  const char *text = capture_end(&c);
  ck_assert_msg(strstr(text, "task 'hog' ran") != NULL,
                "a 60 ms step over a 20 ms threshold is reported:\n%s", text);
  ck_assert_msg(strstr(text, "task 'unheard' failed") != NULL, "an unread error is reported:\n%s",
                text);
  ck_assert_msg(strstr(text, "task 'heard' failed") == NULL, "a read error is not reported:\n%s",
                text);
  ck_assert_msg(strstr(text, "task 'leftover' was still pending") != NULL,
                "a task pending at close is reported:\n%s", text);
}
END_TEST

static int quiet_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create_ex(&t, hog, NULL, &(ac_task_opts_t){.name = "hog"});
  ac_future_await(t, NULL);
  ac_future_release(t);
  return 0;
}
START_TEST(debug_mode_is_off_by_default) {
  unsetenv("AC_DEBUG");
  capture c;
  capture_begin(&c);
  RUN_OK(quiet_body, NULL);
  ck_assert_str_eq(capture_end(&c), "");
}
END_TEST

/* ---- the trace ----------------------------------------------------------- */

static int worker(void *arg, void **result) {
  (void)arg, (void)result;
  for (int i = 0; i < 3; i++) ac_task_sleep(1);
  return 0;
}

static int trace_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create_ex(&t, worker, NULL, &(ac_task_opts_t){.name = "worker \"w\""});
  ac_future_await(t, NULL);
  ac_future_release(t);
  return 0;
}
START_TEST(trace_file_has_a_slice_per_step) {
  char path[] = "/tmp/ac-trace-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  setenv("AC_TRACE", path, 1);
  RUN_OK(trace_body, NULL);
  unsetenv("AC_TRACE");
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  static char text[65536];
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  unlink(path);
  ck_assert_msg(strncmp(text, "{\"displayTimeUnit\"", 18) == 0, "a trace-event object:\n%s", text);
  ck_assert_msg(n > 4 && strcmp(text + n - 4, "\n]}\n") == 0, "closed properly:\n%s", text);
  ck_assert_msg(strstr(text, "\"args\":{\"name\":\"worker _w_\"}") != NULL,
                "the task's track is named (quotes made safe):\n%s", text);
  int slices = 0;
  for (const char *p = text;
       (p = strstr(p, "\"name\":\"worker _w_\",\"cat\":\"task\",\"ph\":\"X\"")); p++)
    slices++;
  ck_assert_msg(slices == 4, "worker runs in 4 steps (3 sleeps), the trace has %d slices", slices);
}
END_TEST

/* ---- live objects -------------------------------------------------------- */

static int quick_job(void *arg, void **result) {
  (void)arg, (void)result;
  return 0;
}

static void noop_callback(void *arg) { (void)arg; }

static int send_a_byte(ac_stream_t *stream, void *arg) {
  (void)arg;
  ac_stream_write(stream, "x", 1);
  return ac_stream_drain(stream);
}

#define EXPECT_LIVE(want, after)                                                                \
  ck_assert_msg(ac_debug_live_objects() == (want), "%s: expected %d live objects, counted %zd", \
                (after), (want), ac_debug_live_objects())

static int live_body(void *arg, void **result) {
  (void)arg, (void)result;
  const int base = 1; /* this task */
  EXPECT_LIVE(base, "at the start");

  ac_future_t *f;
  ac_future_create(&f);
  EXPECT_LIVE(base + 1, "a future made");
  ac_future_set_result(f, NULL);
  EXPECT_LIVE(base + 1, "a future finished but still held");
  ac_future_release(f);
  EXPECT_LIVE(base, "the future released");

  ac_task_t *t;
  ac_task_create(&t, napper, NULL);
  ac_task_sleep(1);
  ac_future_release(t);
  EXPECT_LIVE(base + 1, "a task released while it still runs");
  ac_task_t *all[2];
  ck_assert_int_eq(ac_task_all(all, 2), 2);
  ac_future_cancel(all[0] == ac_task_current() ? all[1] : all[0]);
  ac_task_sleep(1);
  EXPECT_LIVE(base, "the released task finished");
  ac_task_create(&t, quick_job, NULL);
  ac_task_sleep(1);
  EXPECT_LIVE(base + 1, "a task finished but still held");
  ac_future_release(t);
  EXPECT_LIVE(base, "the finished task released");

  ac_handle_t *h;
  ac_loop_call_soon(noop_callback, NULL, &h);
  ac_loop_call_later(1, noop_callback, NULL, NULL); /* not held: the loop's own */
  EXPECT_LIVE(base + 1, "a handle asked for");
  ac_task_sleep(5);
  EXPECT_LIVE(base + 1, "a handle that ran but is not closed");
  ac_handle_close(h);
  EXPECT_LIVE(base, "the handle closed");

  ac_lock_t *lock;
  ac_queue_t *queue;
  ac_lock_create(&lock);
  ac_queue_create(&queue, AC_QUEUE_FIFO, 1, NULL);
  EXPECT_LIVE(base + 2, "a lock and a queue made");
  ac_lock_close(lock);
  ac_queue_close(queue);
  EXPECT_LIVE(base, "the lock and the queue closed");

  ck_assert_int_eq(ac_executor_run(NULL, quick_job, NULL, NULL), 0);
  EXPECT_LIVE(base, "the default executor made (the runtime's own)");

  /* A connection read and closed: what the loop reads streams into is its own. */
  ac_server_t *server;
  ac_stream_t *c;
  char byte;
  ck_assert_int_eq(ac_server_start(&server, "127.0.0.1", 0, send_a_byte, NULL), 0);
  ck_assert_int_eq(ac_stream_connect(&c, "127.0.0.1", ac_server_port(server)), 0);
  ck_assert_int_eq(ac_stream_read(c, &byte, 1), 1);
  ac_stream_close(c);
  ac_server_close(server, 1000);
  EXPECT_LIVE(base, "a stream read and closed, its server closed");
  return 0;
}
START_TEST(live_objects_counts_what_the_program_holds) {
  RUN_OK(live_body, NULL);
  ac_error_set_messages(false);
  ck_assert_int_eq(ac_debug_live_objects(), -ENOENT); /* no loop open */
  ac_error_set_messages(true);
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("debug");
  ADD_TEST(s, task_info_tells_state_and_wait);
  ADD_TEST(s, dump_lists_tasks_with_their_call_stacks);
  ADD_TEST(s, dump_on_signal);
  ADD_TEST(s, debug_mode_warns_about_the_classic_mistakes);
  ADD_TEST(s, debug_mode_is_off_by_default);
  ADD_TEST(s, trace_file_has_a_slice_per_step);
  ADD_TEST(s, live_objects_counts_what_the_program_holds);
  return s;
}

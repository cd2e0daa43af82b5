/* test_mini_loop.c - tests of chapter 02, exercise 1: a tiny event loop of
 * your own (mini_loop.h).
 *
 * The tests schedule callbacks that append a letter to a trace, run the
 * loop, and compare the trace with the order the loop must keep. Each test
 * runs in a process of its own, so the loop starts empty every time.
 */
#include <check.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"
#include "mini_loop.h"

/* The order in which callbacks ran, one letter each. */
static char trace[64];
static size_t trace_len;

static void note(void *arg)
{
  if (trace_len < sizeof trace - 1)
    trace[trace_len++] = *(const char *)arg;
}

static void run_ok(void)
{
  int rc = mini_run();
  ck_assert_msg(rc == 0, "expected mini_run() to return 0, it returned %d", rc);
}

#define EXPECT_TRACE(want)                  \
  ck_assert_msg(strcmp(trace, (want)) == 0, \
                "expected callbacks to run as \"%s\", they ran as \"%s\"", (want), trace)

START_TEST(call_soon_runs_in_order)
{
  ck_assert_int_eq(mini_call_soon(note, "a"), 0);
  ck_assert_int_eq(mini_call_soon(note, "b"), 0);
  ck_assert_int_eq(mini_call_soon(note, "c"), 0);
  run_ok();
  EXPECT_TRACE("abc");
}
END_TEST

/* a queues x while it runs: x must wait for the next turn, after b. */
static void note_and_queue(void *arg)
{
  note(arg);
  ck_assert_int_eq(mini_call_soon(note, "x"), 0);
}

START_TEST(callback_queued_by_callback_runs_next_turn)
{
  ck_assert_int_eq(mini_call_soon(note_and_queue, "a"), 0);
  ck_assert_int_eq(mini_call_soon(note, "b"), 0);
  run_ok();
  EXPECT_TRACE("abx");
}
END_TEST

/* a runs three times, queueing itself again each time, and on its first
 * run sets a 0 ms timer: the timer is due on the next turn, so it runs
 * between the first and the second a. A loop that ran the ready queue until
 * it was empty would starve it until the end. */
static int again_left;

static void note_and_requeue(void *arg)
{
  note(arg);
  if (again_left == 3)
    ck_assert_int_gt(mini_call_later(0, note, "t"), 0);
  if (--again_left > 0)
    ck_assert_int_eq(mini_call_soon(note_and_requeue, arg), 0);
}

START_TEST(timers_run_between_batches)
{
  again_left = 3;
  ck_assert_int_eq(mini_call_soon(note_and_requeue, "a"), 0);
  run_ok();
  EXPECT_TRACE("ataa");
}
END_TEST

START_TEST(timers_run_in_deadline_order)
{
  ck_assert_int_gt(mini_call_later(60, note, "c"), 0);
  ck_assert_int_gt(mini_call_later(20, note, "a"), 0);
  ck_assert_int_gt(mini_call_later(40, note, "b"), 0);
  ck_assert_int_gt(mini_call_later(0, note, "0"), 0);
  run_ok();
  EXPECT_TRACE("0abc");
}
END_TEST

START_TEST(equal_deadlines_keep_scheduling_order)
{
  /* Many timers with one delay exercise the heap beyond a trivial size:
   * a heap ordered by deadline alone would shuffle them. */
  static const char letters[] = "abcdefghijklmnopqrst";
  for (size_t i = 0; i < sizeof letters - 1; i++)
    ck_assert_int_gt(mini_call_later(30, note, (void *)&letters[i]), 0);
  run_ok();
  EXPECT_TRACE(letters);
}
END_TEST

START_TEST(cancelled_timer_never_runs)
{
  int64_t a = mini_call_later(20, note, "a");
  int64_t b = mini_call_later(30, note, "b");
  int64_t c = mini_call_later(40, note, "c");
  ck_assert_msg(a > 0 && b > 0 && c > 0 && a != b && b != c && a != c,
                "expected three distinct positive timer ids, got %lld %lld %lld", (long long)a,
                (long long)b, (long long)c);
  ck_assert_int_eq(mini_cancel(b), 0);
  ck_assert_msg(mini_cancel(b) == -ENOENT, "expected cancelling a timer twice to return -ENOENT");
  run_ok();
  EXPECT_TRACE("ac");
  ck_assert_msg(mini_cancel(a) == -ENOENT,
                "expected cancelling a timer that has run to return -ENOENT");

  /* Cancelling from the middle of a larger heap: the entry moved into the
   * hole may have to go up as well as down. Letter = delay / 10 ms. */
  memset(trace, 0, sizeof trace);
  trace_len = 0;
  static const char order[] = "ADBEFGC";
  int64_t ids[sizeof order - 1];
  for (size_t i = 0; i < sizeof order - 1; i++)
    ids[i] = mini_call_later(10 * (order[i] - 'A' + 1), note, (void *)&order[i]);
  ck_assert_int_eq(mini_cancel(ids[3]), 0); /* E, 50 ms */
  run_ok();
  EXPECT_TRACE("ABCDFG");
}
END_TEST

/* A reader on the read end of a pipe; a timer writes one byte later. */
static int pipe_fds[2];

static void write_byte(void *arg)
{
  note(arg);
  ck_assert_int_eq(write(pipe_fds[1], "!", 1), 1);
}

static void read_byte(void *arg)
{
  char byte;
  note(arg);
  ck_assert_int_eq(read(pipe_fds[0], &byte, 1), 1);
  ck_assert_int_eq(mini_remove_reader(pipe_fds[0]), 0);
}

START_TEST(reader_wakes_when_pipe_has_data)
{
  ck_assert_int_eq(pipe(pipe_fds), 0);
  ck_assert_int_eq(mini_add_reader(pipe_fds[0], read_byte, "r"), 0);
  ck_assert_int_gt(mini_call_later(50, write_byte, "w"), 0);
  run_ok();
  EXPECT_TRACE("wr");
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}
END_TEST

START_TEST(reader_runs_beside_timers)
{
  /* Data already waiting: the reader runs on the first turn, long before
   * a timer that is due later. */
  ck_assert_int_eq(pipe(pipe_fds), 0);
  ck_assert_int_eq(write(pipe_fds[1], "!", 1), 1);
  ck_assert_int_gt(mini_call_later(80, note, "t"), 0);
  ck_assert_int_eq(mini_add_reader(pipe_fds[0], read_byte, "r"), 0);
  ck_assert_int_eq(mini_add_reader(pipe_fds[0], read_byte, "r"), -EEXIST);
  run_ok();
  EXPECT_TRACE("rt");
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}
END_TEST

/* poll(2) as the exercise sees it (chapter.toml wraps it): the real one,
 * counted. A loop that sleeps in poll() until its timer is due calls it
 * once or twice per wait; one that spins calls it thousands of times, on a
 * busy machine as on an idle one, where time and CPU use would blur. */
int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
static long polls;          /* calls so far */
static int longest_timeout; /* the longest timeout asked for (INT_MAX: none) */

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
  polls++;
  if (timeout < 0 || timeout > longest_timeout)
    longest_timeout = timeout < 0 ? INT_MAX : timeout;
  return __real_poll(fds, n, timeout);
}

START_TEST(run_ends_when_nothing_is_left)
{
  /* Nothing scheduled: returns at once. */
  run_ok();
  ck_assert_int_eq((int)trace_len, 0);
  /* One timer: returns after it ran, having slept rather than spun. */
  int64_t start = mini_now();
  ck_assert_int_gt(mini_call_later(200, note, "t"), 0);
  polls = 0;
  longest_timeout = 0;
  run_ok();
  int64_t elapsed = mini_now() - start;
  EXPECT_TRACE("t");
  ck_assert_msg(elapsed >= 190,
                "expected mini_run() to wait for the 200 ms timer, it returned after %lld ms",
                (long long)elapsed);
  ck_assert_msg(polls <= 10 && longest_timeout > 0,
                "expected the loop to sleep in poll() until the timer was due; it called poll() "
                "%ld times in %lld ms, with a timeout of %d ms at most (is the poll timeout "
                "always 0?)",
                polls, (long long)elapsed, longest_timeout);
}
END_TEST

static int nested_rc;

static void run_nested(void *arg)
{
  (void)arg;
  nested_rc = mini_run();
}

START_TEST(bad_arguments_are_rejected)
{
  ck_assert_int_eq(mini_call_soon(NULL, NULL), -EINVAL);
  ck_assert_int_eq(mini_call_later(10, NULL, NULL), -EINVAL);
  ck_assert_int_eq(mini_call_later(-1, note, "x"), -EINVAL);
  ck_assert_int_eq(mini_add_reader(-1, note, "x"), -EINVAL);
  ck_assert_int_eq(mini_add_reader(0, NULL, NULL), -EINVAL);
  ck_assert_int_eq(mini_remove_reader(12345), -ENOENT);
  ck_assert_int_eq(mini_cancel(987654), -ENOENT);
  run_ok();
  ck_assert_msg(trace_len == 0, "expected nothing to run, \"%s\" ran", trace);

  /* The loop cannot be run from inside itself. */
  nested_rc = 0;
  ck_assert_int_eq(mini_call_soon(run_nested, NULL), 0);
  run_ok();
  ck_assert_msg(nested_rc == -EBUSY,
                "expected mini_run() called from a callback to return -EBUSY, it returned %d",
                nested_rc);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, call_soon_runs_in_order);
  GRADE_ADD(s, callback_queued_by_callback_runs_next_turn);
  GRADE_ADD(s, timers_run_between_batches);
  GRADE_ADD(s, timers_run_in_deadline_order);
  GRADE_ADD(s, equal_deadlines_keep_scheduling_order);
  GRADE_ADD(s, cancelled_timer_never_runs);
  GRADE_ADD(s, reader_wakes_when_pipe_has_data);
  GRADE_ADD(s, reader_runs_beside_timers);
  GRADE_ADD(s, run_ends_when_nothing_is_left);
  GRADE_ADD(s, bad_arguments_are_rejected);
}

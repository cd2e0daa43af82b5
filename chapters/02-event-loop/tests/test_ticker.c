/* test_ticker.c - tests of chapter 02, exercise 2: a periodic ticker on the
 * runtime's loop (ticker.h).
 *
 * Every test runs its body as the main task of ac_loop_run(), starts tickers
 * whose callbacks note the tick number and the loop time, waits for the
 * ticks it expects, and checks what was noted. A loaded machine runs timers
 * late, never early: the tests wait for ticks rather than for a fixed time,
 * and check orders that the loop's timer heap decides whatever the delays.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "ticker.h"

/* What one ticker's callback saw. */
typedef struct {
  char name;       /* a letter for the shared trace */
  int ticks;       /* how many ticks ran */
  int numbers[32]; /* the n each tick was given */
  double at[32];   /* ac_loop_time_precise() at each tick */
  int busy_ms;     /* how long each tick keeps the loop busy */
  int stop_at;     /* stop the ticker from inside tick stop_at (0: never) */
  ticker_t *self;  /* the ticker, for stopping from inside */
  int stop_rc;     /* what that ticker_close() returned */
} seen_t;

/* All ticks of all tickers, one letter each, in the order they ran. */
static char trace[64];
static size_t trace_len;

static void on_tick(void *arg, int n)
{
  seen_t *s = arg;
  double now = ac_loop_time_precise();

  if (s->ticks < 32) {
    s->numbers[s->ticks] = n;
    s->at[s->ticks] = now;
  }
  s->ticks++;
  if (trace_len < sizeof trace - 1)
    trace[trace_len++] = s->name;
  /* Block the loop on purpose, to see whether the ticker drifts. */
  while (ac_loop_time_precise() - now < s->busy_ms)
    ;
  if (s->stop_at != 0 && n == s->stop_at)
    s->stop_rc = ticker_close(s->self);
}

/* Wait until @s has seen @ticks ticks, at most PATIENCE_MS. */
#define PATIENCE_MS 3000

static void wait_for_ticks(const seen_t *s, int ticks)
{
  double start = ac_loop_time_precise();
  while (s->ticks < ticks && ac_loop_time_precise() - start < PATIENCE_MS)
    ck_assert_int_eq(ac_task_sleep(5), 0);
  ck_assert_msg(s->ticks >= ticks, "expected %d ticks within %d ms, %d ran", ticks, PATIENCE_MS,
                s->ticks);
}

static int bad_arguments_main(void *arg, void **result)
{
  ticker_t *t = NULL;
  seen_t s = {.name = 'a'};

  (void)arg;
  (void)result;
  ck_assert_int_eq(ticker_start(NULL, 10, 1, on_tick, &s), -EINVAL);
  ck_assert_int_eq(ticker_start(&t, 10, 1, NULL, &s), -EINVAL);
  ck_assert_int_eq(ticker_start(&t, 0, 1, on_tick, &s), -EINVAL);
  ck_assert_int_eq(ticker_start(&t, -5, 1, on_tick, &s), -EINVAL);
  ck_assert_int_eq(ticker_start(&t, 10, -1, on_tick, &s), -EINVAL);
  ck_assert_int_eq(ticker_close(NULL), -EINVAL);
  ck_assert_int_eq(ac_task_sleep(50), 0);
  ck_assert_msg(s.ticks == 0, "expected no tick after rejected starts, %d ran", s.ticks);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  grade_run(bad_arguments_main, NULL);
}
END_TEST

static int count_main(void *arg, void **result)
{
  seen_t *s = arg;
  ticker_t *t = NULL;

  (void)result;
  double start = ac_loop_time_precise();
  ck_assert_int_eq(ticker_start(&t, 20, 5, on_tick, s), 0);
  wait_for_ticks(s, 5);
  /* A sixth tick would be due 20 ms after the fifth, before this wait ends. */
  ck_assert_int_eq(ac_task_sleep(60), 0);
  int ran = ticker_close(t);
  ck_assert_msg(ran == 5, "expected ticker_close() to report 5 ticks, it returned %d", ran);
  for (int i = 0; i < s->ticks && i < 32; i++)
    s->at[i] -= start;
  return 0;
}

START_TEST(ticks_count_times_numbered_from_one)
{
  seen_t s = {.name = 'a'};
  grade_run(count_main, &s);
  ck_assert_msg(s.ticks == 5, "expected 5 ticks, %d ran", s.ticks);
  for (int i = 0; i < 5; i++)
    ck_assert_msg(s.numbers[i] == i + 1, "expected tick %d to be given n=%d, it got %d", i + 1,
                  i + 1, s.numbers[i]);
}
END_TEST

START_TEST(no_tick_before_its_deadline)
{
  seen_t s = {.name = 'a'};
  grade_run(count_main, &s);
  ck_assert_int_eq(s.ticks, 5);
  for (int i = 0; i < 5; i++) {
    /* 1 ms of slack: the loop's clock counts whole milliseconds. */
    ck_assert_msg(s.at[i] >= 20.0 * (i + 1) - 1.0,
                  "expected tick %d no earlier than %d ms, it ran at %.1f ms", i + 1, 20 * (i + 1),
                  s.at[i]);
    if (i > 0)
      ck_assert_msg(s.at[i] > s.at[i - 1], "expected ticks in time order");
  }
}
END_TEST

static int two_tickers_main(void *arg, void **result)
{
  seen_t *s = arg;
  ticker_t *a = NULL, *b = NULL;

  (void)result;
  /* b first: its one tick is set before any of a's. */
  ck_assert_int_eq(ticker_start(&b, 100, 1, on_tick, &s[1]), 0);
  ck_assert_int_eq(ticker_start(&a, 40, 4, on_tick, &s[0]), 0);
  wait_for_ticks(&s[0], 4);
  wait_for_ticks(&s[1], 1);
  ck_assert_int_eq(ac_task_sleep(100), 0); /* time for a tick too many */
  ck_assert_int_eq(ticker_close(a), 4);
  ck_assert_int_eq(ticker_close(b), 1);
  return 0;
}

START_TEST(two_tickers_interleave_in_time_order)
{
  /* a at 40, 80, 120, 160; b, started first, at 100. Each tick of a is set
   * when the one before it runs, so on a loaded machine the tick at 80 may
   * be set only after b's tick ran; the others keep their order whatever
   * the delays: a's first before b's, b's before a's at 120 and 160. */
  seen_t s[2] = {{.name = 'a'}, {.name = 'b'}};
  grade_run(two_tickers_main, s);
  ck_assert_msg(strcmp(trace, "aabaa") == 0 || strcmp(trace, "abaaa") == 0,
                "expected ticks in the order of their deadlines, \"aabaa\" (or \"abaaa\" if "
                "the loop ran late), they ran as \"%s\"",
                trace);
}
END_TEST

static int drift_main(void *arg, void **result)
{
  seen_t *s = arg;
  ticker_t *t = NULL;

  (void)result;
  ck_assert_int_eq(ticker_start(&t, 30, 8, on_tick, s), 0);
  wait_for_ticks(s, 8);
  ck_assert_int_eq(ticker_close(t), 8);
  return 0;
}

START_TEST(slow_ticks_do_not_drift)
{
  /* Each tick blocks 20 ms of a 30 ms period. On schedule, a tick starts
   * 30 ms after the one before it (20 ms when it catches up after a late
   * one). A ticker that waits a full period after each tick has run starts
   * every tick at least 20 + 30 = 50 ms after the one before: then no gap
   * is short. On schedule, all seven gaps would have to be stretched by a
   * late loop for none of them to be. */
  seen_t s = {.name = 'a', .busy_ms = 20};
  grade_run(drift_main, &s);
  double shortest = 1e9;
  for (int i = 1; i < 8; i++)
    if (s.at[i] - s.at[i - 1] < shortest)
      shortest = s.at[i] - s.at[i - 1];
  ck_assert_msg(shortest < 45.0,
                "expected the ticks of a 30 ms ticker to keep to their schedule even though "
                "each blocks 20 ms, but every tick started at least %.0f ms after the one "
                "before (the ticker drifts: each tick is set from when the last one ended)",
                shortest);
}
END_TEST

static int stop_main(void *arg, void **result)
{
  seen_t *s = arg;
  ticker_t *t = NULL;

  (void)result;
  ck_assert_int_eq(ticker_start(&t, 30, 0, on_tick, s), 0);
  wait_for_ticks(s, 3);
  int ran = ticker_close(t); /* the fourth tick is pending */
  ck_assert_msg(ran == s->ticks, "expected ticker_close() to report %d ticks, it said %d", s->ticks,
                ran);
  int before = s->ticks;
  /* Longer than the interval: a pending tick left armed would run now. */
  ck_assert_int_eq(ac_task_sleep(150), 0);
  ck_assert_msg(s->ticks == before, "expected no tick after ticker_close(), %d more ran",
                s->ticks - before);
  return 0;
}

START_TEST(stop_cancels_the_pending_tick)
{
  seen_t s = {.name = 'a'};
  grade_run(stop_main, &s);
}
END_TEST

static int stop_inside_main(void *arg, void **result)
{
  seen_t *s = arg;

  (void)result;
  ck_assert_int_eq(ticker_start(&s->self, 20, 0, on_tick, s), 0);
  wait_for_ticks(s, 3);
  ck_assert_int_eq(ac_task_sleep(60), 0); /* a fourth tick would be due meanwhile */
  return 0;
}

START_TEST(stop_from_inside_a_tick)
{
  seen_t s = {.name = 'a', .stop_at = 3};
  grade_run(stop_inside_main, &s);
  ck_assert_msg(s.ticks == 3, "expected the ticker stopped in tick 3 to tick 3 times, it ticked %d",
                s.ticks);
  ck_assert_msg(s.stop_rc == 3, "expected ticker_close() in tick 3 to return 3, it returned %d",
                s.stop_rc);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, ticks_count_times_numbered_from_one);
  GRADE_ADD(s, no_tick_before_its_deadline);
  GRADE_ADD(s, two_tickers_interleave_in_time_order);
  GRADE_ADD(s, slow_ticks_do_not_drift);
  GRADE_ADD(s, stop_cancels_the_pending_tick);
  GRADE_ADD(s, stop_from_inside_a_tick);
}

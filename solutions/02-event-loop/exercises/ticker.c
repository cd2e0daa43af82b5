/* ticker.c - chapter 02, exercise 2, reference solution: a periodic ticker
 * on the runtime's loop, one ac_loop_call_at() per tick.
 */
#include "ticker.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

struct ticker_s {
  uint64_t start;   /* ac_loop_time() when the ticker started */
  int64_t interval; /* milliseconds between ticks */
  int count;        /* ticks to run, 0 for no limit */
  int ran;          /* ticks that have run */
  tick_fn fn;
  void *arg;
  ac_handle_t *next; /* the pending tick, or NULL */
  int in_tick;       /* fn is running: ticker_close() must not free yet */
  int stopped;       /* ticker_close() was called from inside fn */
};

static void on_tick(void *arg);

/* Schedule the next tick at its own deadline, so the time a tick takes is
 * not added to the next one's delay. */
static int schedule_next(ticker_t *t)
{
  uint64_t when = t->start + (uint64_t)(t->ran + 1) * (uint64_t)t->interval;
  return ac_loop_call_at(when, on_tick, t, &t->next);
}

static void on_tick(void *arg)
{
  ticker_t *t = arg;

  /* This tick has run: give its handle back before anything else. */
  ac_handle_close(t->next);
  t->next = NULL;
  t->ran++;
  t->in_tick = 1;
  t->fn(t->arg, t->ran);
  t->in_tick = 0;
  if (t->stopped) {
    free(t);
    return;
  }
  /* A failure here can only be -ENOMEM: the ticker then stops early, and
   * ticker_close() still frees it. */
  if (t->count == 0 || t->ran < t->count)
    (void)schedule_next(t);
}

int ticker_start(ticker_t **out, int64_t interval_ms, int count, tick_fn fn, void *arg)
{
  if (out == NULL || fn == NULL || interval_ms <= 0 || count < 0)
    return -EINVAL;
  ticker_t *t = calloc(1, sizeof *t);
  if (t == NULL)
    return -ENOMEM;
  t->start = ac_loop_time();
  t->interval = interval_ms;
  t->count = count;
  t->fn = fn;
  t->arg = arg;
  int rc = schedule_next(t);
  if (rc < 0) {
    free(t);
    return rc;
  }
  *out = t;
  return 0;
}

int ticker_close(ticker_t *ticker)
{
  if (ticker == NULL)
    return -EINVAL;
  int ran = ticker->ran;
  if (ticker->next != NULL)
    ac_handle_close(ticker->next); /* cancels the pending tick */
  ticker->next = NULL;
  if (ticker->in_tick)
    ticker->stopped = 1; /* on_tick() frees it once fn returns */
  else
    free(ticker);
  return ran;
}

/* ticker.c - chapter 02, exercise 2: a periodic ticker with stop.
 *
 * What to build: ticker_start() and ticker_close(), described in ticker.h,
 * on the runtime's loop. Schedule each tick with ac_loop_call_at() for
 * start + n * interval (not ac_loop_call_later() from the previous tick, which
 * would add each tick's own run time to the next delay), keep the handle,
 * and cancel it with ac_handle_close() when the ticker stops.
 *
 * What the tests check: the right number of ticks, numbered from 1, each
 * no earlier than its deadline; two tickers interleave in time order; a
 * slow tick does not make the ticker drift; ticker_close() cancels the
 * pending tick, also from inside a tick; bad arguments get -EINVAL.
 *
 * Grade it with: make grade CH=02 EX=ticker
 */
#include "ticker.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

struct ticker_s {
  int unused; /* TODO: what a ticker needs to remember */
};

int ticker_start(ticker_t **out, int64_t interval_ms, int count, tick_fn fn, void *arg)
{
  /* TODO: check the arguments, allocate the ticker, schedule tick 1. */
  (void)out;
  (void)interval_ms;
  (void)count;
  (void)fn;
  (void)arg;
  return -ENOSYS;
}

int ticker_close(ticker_t *ticker)
{
  /* TODO: cancel the pending tick and free the ticker (but not while its
   * own tick callback is still using it). */
  (void)ticker;
  return -ENOSYS;
}

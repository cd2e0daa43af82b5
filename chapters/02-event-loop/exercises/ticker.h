/* ticker.h - chapter 02, exercise 2: a periodic ticker on the runtime's
 * loop, built from ac_loop_call_at() and ac_handle_close(), that can be stopped.
 *
 * The tests call these functions; you write them in ticker.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef TICKER_H
#define TICKER_H

#include <stdint.h>

/* [interface] */
/* What a ticker calls on every tick; @n counts the ticks from 1. */
typedef void (*tick_fn)(void *arg, int n);

/* A running ticker (yours to define in ticker.c). */
typedef struct ticker_s ticker_t;

/* Call @fn(@arg, n) on the loop every @interval_ms milliseconds, @count
 * times (0: until stopped). Tick n is due at start + n * interval_ms, so a
 * slow tick does not push the later ones back. Must be called with the loop
 * open. On success *@out receives the ticker, which must be given back with
 * ticker_close() even after its last tick.
 * Returns 0; -EINVAL (NULL @out or @fn, @interval_ms <= 0, @count < 0);
 * -ENOMEM; an error of ac_loop_call_at(). */
int ticker_start(ticker_t **out, int64_t interval_ms, int count, tick_fn fn, void *arg);

/* Stop @ticker: no tick runs after this call, even if one was due, and its
 * memory is freed. May be called from inside @fn. Returns the number of
 * ticks that ran, or -EINVAL for a NULL @ticker. */
int ticker_close(ticker_t *ticker);
/* [interface] */

#endif

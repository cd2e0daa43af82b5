/* timer_internal.h - the loop's timers (timer.c): sleeps, call_later,
 * deadlines, on one min-heap (heap.h) behind one libuv timer. */
#ifndef AC_TIMER_INTERNAL_H
#define AC_TIMER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ac_loop_s ac__loop;

/* An entry of the heap; embed one and give it what to do when due. */
typedef struct ac__timer {
  uint64_t when;                    /* loop time (ms) at which it fires */
  uint64_t seq;                     /* order among equal deadlines */
  size_t index;                     /* position in the heap; SIZE_MAX: not in it */
  void (*fire)(struct ac__timer *); /* what to do when it is due */
} ac__timer;

/* The loop's timers: a min-heap by (when, seq). */
typedef struct ac__timers {
  ac__timer **slots;
  size_t len, cap;
  uint64_t seq; /* next ac__timer.seq */
} ac__timers;

void ac__timer_init(ac__timer *t, void (*fire)(ac__timer *));
/* Start T (again, if it is started) for loop time WHEN; 0 or -ENOMEM. */
int ac__timer_start(ac__loop *loop, ac__timer *t, uint64_t when);
/* Stop T; harmless if it is not started. */
void ac__timer_stop(ac__loop *loop, ac__timer *t);
void ac__timers_fire_due(ac__loop *loop);
void ac__timers_free(ac__loop *loop);

#endif /* AC_TIMER_INTERNAL_H */

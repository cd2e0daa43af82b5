/* testing_hooks.h - where virtual time (clock.c) and schedule exploration
 * (explore.c) enter the loop. Each hook is a branch on a loop field that is
 * 0 unless a test turned the tool on. */
#ifndef AC_TESTING_HOOKS_H
#define AC_TESTING_HOOKS_H

#include "loop_internal.h"

/* The loop's time as last read, without reading the clock again: libuv's
 * cached time, or the virtual time. */
static inline uint64_t ac__clock_cached(ac__loop *loop) {
  return loop->virtual_clock ? loop->virtual_now : uv_now(&loop->uv);
}

/* Nothing is ready, under virtual time: take the I/O that is already
 * there, then jump the clock to the earliest timer, unless other threads
 * are at work for the loop. Returns 1 if the loop would have to wait (for
 * I/O or for those threads), 0 if something is ready or due now. */
int ac__clock_before_wait(ac__loop *loop);

/* Under a schedule seed: move a ready task picked at random to the head of
 * the ready queue. Callbacks and tasks that yielded keep their places. */
void ac__explore_pick(ac__loop *loop);

#endif /* AC_TESTING_HOOKS_H */

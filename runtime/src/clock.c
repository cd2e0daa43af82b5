/* clock.c - virtual time: the loop's clock stands still while anything can
 * run, and when every task waits it jumps to the earliest timer (trio's
 * autojump clock). Every timer of the runtime is an entry of the loop's heap
 * (timer.c), so moving the time the heap is compared with moves them all. */
#include <stdatomic.h>

#include "testing_hooks.h"

int ac_loop_set_clock(ac_clock_t clock) {
  const char *fn = "ac_loop_set_clock";
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, fn);
  if (rc) return rc;
  if (clock != AC_CLOCK_REAL && clock != AC_CLOCK_VIRTUAL)
    return ac__misuse(-EINVAL, fn, "unknown clock %d (AC_CLOCK_REAL or AC_CLOCK_VIRTUAL)",
                      (int)clock);
  if (clock == AC_CLOCK_REAL) {
    if (loop->virtual_clock)
      return ac__misuse(-EBUSY, fn,
                        "this loop runs on virtual time, whose time has left the real "
                        "clock's; a loop keeps virtual time until it closes");
    return 0;
  }
  if (!loop->virtual_clock) {
    loop->virtual_now = ac__now(loop); /* pending timers keep their deadlines */
    loop->virtual_clock = 1;
    uv_timer_stop(&loop->uv_timer); /* time no longer comes from libuv's timer */
    loop->armed_for = UINT64_MAX;
  }
  return 0;
}

int ac__clock_before_wait(ac__loop *loop) {
  uv_run(&loop->uv, UV_RUN_NOWAIT); /* I/O that has already arrived comes first */
  if (loop->ready_head || atomic_load(&loop->ts_count)) return 0;
  /* A job on another thread is computation, like a running task: the clock
   * waits for it. With no timer left, only I/O can wake the loop. */
  if (loop->holds > 0 || loop->timers.len == 0) return 1;
  uint64_t next = loop->timers.slots[0]->when;
  if (next > loop->virtual_now) loop->virtual_now = next;
  return 0;
}

/* spin.h - waiting a few microseconds for another thread of the process
 * without sleeping in the kernel (the loop for its workers' results, a
 * worker for its next job).
 *
 * Sleeping costs a kernel wake-up on each side of a round trip, about
 * 10 us; a quiet machine answers within one or two microseconds, so both
 * sides poll first. Polling is harmful when the thread we wait for is on
 * our CPU (the process held to one CPU, or both threads put on one CPU of
 * a busy machine): it cannot run until we stop, and polling turns a round
 * trip into a whole poll budget plus the sleep. So each side says which
 * CPU it is on, and a poll ends as soon as it finds its partner on its own
 * CPU: then sleeping is what lets the partner run. It is waste, too, when
 * the answer is far off (long jobs): a poll that ran out takes an eighth
 * off its budget, one that ended in time doubles it.
 */
#ifndef AC_SPIN_H
#define AC_SPIN_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

enum {
  AC__SPIN_MIN_NS = 1000, /* the floor: a quiet round trip fits */
  AC__SPIN_MAX_NS = 50000 /* the most a poll may take */
};

/* One waiting side's budget; start it with ac__spinner_init(). */
typedef struct {
  uint32_t budget_ns;
} ac__spinner;

static inline void ac__spinner_init(ac__spinner *s) { s->budget_ns = AC__SPIN_MAX_NS; }

/* Say that the calling thread runs on the CPU it runs on now. */
static inline void ac__spin_here(_Atomic int *cpu) {
  atomic_store_explicit(cpu, sched_getcpu(), memory_order_relaxed);
}

/* Poll READY(ARG) for up to S's budget, or until the partner thread, which
 * last said it was on *PARTNER_CPU, is found on ours; true once READY holds. */
static inline bool ac__spin_until(ac__spinner *s, bool (*ready)(void *), void *arg,
                                  const _Atomic int *partner_cpu) {
  uint64_t end = uv_hrtime() + s->budget_ns;
  while (!ready(arg)) {
    if (atomic_load_explicit(partner_cpu, memory_order_relaxed) == sched_getcpu()) sched_yield();
    if (uv_hrtime() >= end) {
      uint32_t less = s->budget_ns - s->budget_ns / 8;
      s->budget_ns = less > AC__SPIN_MIN_NS ? less : AC__SPIN_MIN_NS;
      return false;
    }
  }
  s->budget_ns = s->budget_ns * 2 < AC__SPIN_MAX_NS ? s->budget_ns * 2 : AC__SPIN_MAX_NS;
  return true;
}

#endif

/* timer.c - the loop's timers: one binary min-heap (heap.h) ordered by
 * (when, seq), behind a single libuv timer armed for the earliest entry.
 * Sleeps, call_later and deadlines all use it, so a sleeping task costs one
 * heap slot rather than a libuv handle. */
#include <stdlib.h>

#include "heap.h"
#include "loop_internal.h"

enum { FIRST_CAPACITY = 64 }; /* slots of the first allocation; it doubles */

static bool timer_before(void *heap, size_t a, size_t b) {
  ac__timer *const *slots = ((ac__timers *)heap)->slots;
  return slots[a]->when < slots[b]->when ||
         (slots[a]->when == slots[b]->when && slots[a]->seq < slots[b]->seq);
}

static void timer_swap(void *heap, size_t a, size_t b) {
  ac__timer **slots = ((ac__timers *)heap)->slots;
  ac__timer *t = slots[a];
  slots[a] = slots[b];
  slots[b] = t;
  slots[a]->index = a;
  slots[b]->index = b;
}

static const ac__heap_ops timer_ops = {timer_before, timer_swap};

void ac__timer_init(ac__timer *t, void (*fire)(ac__timer *)) {
  t->when = 0;
  t->seq = 0;
  t->index = SIZE_MAX;
  t->fire = fire;
}

int ac__timer_start(ac__loop *loop, ac__timer *t, uint64_t when) {
  ac__timers *h = &loop->timers;
  if (t->index != SIZE_MAX) ac__timer_stop(loop, t);
  if (h->len == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : FIRST_CAPACITY;
    ac__timer **slots = realloc(h->slots, cap * sizeof *slots);
    if (!slots) return -ENOMEM;
    h->slots = slots;
    h->cap = cap;
  }
  t->when = when;
  t->seq = h->seq++;
  t->index = h->len;
  h->slots[h->len++] = t;
  ac__heap_push(&timer_ops, h, h->len);
  return 0;
}

void ac__timer_stop(ac__loop *loop, ac__timer *t) {
  ac__timers *h = &loop->timers;
  if (t->index == SIZE_MAX) return;
  ac__heap_remove(&timer_ops, h, h->len, t->index);
  h->len--;
  t->index = SIZE_MAX;
}

/* Fire every timer whose time has come, earliest first. A timer started by
 * a fire function for "now" waits for the next round, so a zero-delay
 * call_later loop cannot starve the rest. */
void ac__timers_fire_due(ac__loop *loop) {
  ac__timers *h = &loop->timers;
  uint64_t now = ac__now(loop);
  uint64_t last_seq = h->seq;
  while (h->len > 0) {
    ac__timer *t = h->slots[0];
    if (t->when > now || t->seq >= last_seq) break;
    ac__timer_stop(loop, t);
    t->fire(t);
  }
}

void ac__timers_free(ac__loop *loop) {
  ac__timers *h = &loop->timers;
  free(h->slots);
  h->slots = NULL;
  h->len = h->cap = 0;
}

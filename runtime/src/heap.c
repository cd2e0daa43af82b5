/* heap.c - the loop's timers: one binary min-heap ordered by (when, seq),
 * behind a single libuv timer armed for the earliest entry. Sleeps,
 * call_later and deadlines all use it, so a sleeping task costs one heap
 * slot rather than a libuv handle. */
#include <stdlib.h>

#include "internal.h"

static bool earlier(const ac__timer *a, const ac__timer *b) {
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void place(ac__loop *loop, size_t i, ac__timer *t) {
  loop->heap[i] = t;
  t->index = i;
}

static void sift_up(ac__loop *loop, size_t i) {
  ac__timer *t = loop->heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!earlier(t, loop->heap[parent])) break;
    place(loop, i, loop->heap[parent]);
    i = parent;
  }
  place(loop, i, t);
}

static void sift_down(ac__loop *loop, size_t i) {
  ac__timer *t = loop->heap[i];
  size_t n = loop->heap_len;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(loop->heap[child + 1], loop->heap[child])) child++;
    if (!earlier(loop->heap[child], t)) break;
    place(loop, i, loop->heap[child]);
    i = child;
  }
  place(loop, i, t);
}

void ac__timer_init(ac__timer *t, void (*fire)(ac__timer *)) {
  t->when = 0;
  t->seq = 0;
  t->index = SIZE_MAX;
  t->fire = fire;
}

int ac__timer_start(ac__loop *loop, ac__timer *t, uint64_t when) {
  if (t->index != SIZE_MAX) ac__timer_stop(loop, t);
  if (loop->heap_len == loop->heap_cap) {
    size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
    ac__timer **heap = realloc(loop->heap, cap * sizeof *heap);
    if (!heap) return -ENOMEM;
    loop->heap = heap;
    loop->heap_cap = cap;
  }
  t->when = when;
  t->seq = loop->timer_seq++;
  place(loop, loop->heap_len++, t);
  sift_up(loop, t->index);
  return 0;
}

void ac__timer_stop(ac__loop *loop, ac__timer *t) {
  size_t i = t->index;
  if (i == SIZE_MAX) return;
  t->index = SIZE_MAX;
  ac__timer *last = loop->heap[--loop->heap_len];
  if (last == t) return;
  place(loop, i, last);
  if (i > 0 && earlier(last, loop->heap[(i - 1) / 2]))
    sift_up(loop, i);
  else
    sift_down(loop, i);
}

/* Fire every timer whose time has come, earliest first. A timer started by
 * a fire function for "now" waits for the next round, so a zero-delay
 * call_later loop cannot starve the rest. */
void ac__timers_fire_due(ac__loop *loop) {
  uint64_t now = ac__now(loop);
  uint64_t last_seq = loop->timer_seq;
  while (loop->heap_len > 0) {
    ac__timer *t = loop->heap[0];
    if (t->when > now || t->seq >= last_seq) break;
    ac__timer_stop(loop, t);
    t->fire(t);
  }
}

void ac__timers_free(ac__loop *loop) {
  free(loop->heap);
  loop->heap = NULL;
  loop->heap_len = loop->heap_cap = 0;
}

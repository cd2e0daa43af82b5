/* heap.h - a binary min-heap over an array its user keeps, as Go's
 * container/heap: the user says whether one slot comes before another and
 * swaps two slots; the heap only decides which to compare and swap. The
 * loop's timers (timer.c) and the priority queue (queue.c) use it. All of
 * it is inline, so that a user's constant ops are called directly: the
 * timers sift on every sleep, and an indirect call per step cost them a
 * quarter more instructions. */
#ifndef AC_HEAP_H
#define AC_HEAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ac__heap_ops {
  bool (*before)(void *heap, size_t a, size_t b); /* slot A belongs nearer the top than B */
  void (*swap)(void *heap, size_t a, size_t b);   /* exchange slots A and B */
} ac__heap_ops;

static inline void ac__heap_sift_up(const ac__heap_ops *ops, void *heap, size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!ops->before(heap, i, parent)) return;
    ops->swap(heap, i, parent);
    i = parent;
  }
}

/* Returns whether slot I moved. */
static inline bool ac__heap_sift_down(const ac__heap_ops *ops, void *heap, size_t n, size_t i) {
  size_t start = i;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && ops->before(heap, child + 1, child)) child++;
    if (!ops->before(heap, child, i)) break;
    ops->swap(heap, i, child);
    i = child;
  }
  return i != start;
}

/* Slot N-1 was just added to the N: move it up to its place. */
static inline void ac__heap_push(const ac__heap_ops *ops, void *heap, size_t n) {
  ac__heap_sift_up(ops, heap, n - 1);
}

/* Move slot I of the N to the end (slot N-1), and restore the order of the
 * N-1 before it; the caller then drops the last slot. I = 0 takes the top. */
static inline void ac__heap_remove(const ac__heap_ops *ops, void *heap, size_t n, size_t i) {
  size_t last = n - 1;
  if (i == last) return;
  ops->swap(heap, i, last);
  if (!ac__heap_sift_down(ops, heap, last, i)) ac__heap_sift_up(ops, heap, i);
}

#endif /* AC_HEAP_H */

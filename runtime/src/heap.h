/* heap.h - a binary min-heap over an array its user keeps, as Go's
 * container/heap: the user says whether one slot comes before another and
 * swaps two slots; the heap only decides which to compare and swap. The
 * loop's timers (timer.c) and the priority queue (queue.c) use it. */
#ifndef AC_HEAP_H
#define AC_HEAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ac__heap_ops {
  bool (*before)(void *heap, size_t a, size_t b); /* slot A belongs nearer the top than B */
  void (*swap)(void *heap, size_t a, size_t b);   /* exchange slots A and B */
} ac__heap_ops;

/* Slot N-1 was just added to the N: move it up to its place. */
void ac__heap_push(const ac__heap_ops *ops, void *heap, size_t n);

/* Move slot I of the N to the end (slot N-1), and restore the order of the
 * N-1 before it; the caller then drops the last slot. I = 0 takes the top. */
void ac__heap_remove(const ac__heap_ops *ops, void *heap, size_t n, size_t i);

#endif /* AC_HEAP_H */

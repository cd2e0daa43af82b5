/* heap.c - the binary min-heap of heap.h: sift up, sift down. */
#include "heap.h"

static void sift_up(const ac__heap_ops *ops, void *heap, size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!ops->before(heap, i, parent)) return;
    ops->swap(heap, i, parent);
    i = parent;
  }
}

/* Returns whether slot I moved. */
static bool sift_down(const ac__heap_ops *ops, void *heap, size_t n, size_t i) {
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

void ac__heap_push(const ac__heap_ops *ops, void *heap, size_t n) { sift_up(ops, heap, n - 1); }

void ac__heap_remove(const ac__heap_ops *ops, void *heap, size_t n, size_t i) {
  size_t last = n - 1;
  if (i == last) return;
  ops->swap(heap, i, last);
  if (!sift_down(ops, heap, last, i)) sift_up(ops, heap, i);
}

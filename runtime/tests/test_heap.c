/* test_heap.c - the runtime's binary heap (heap.h), against a model: random
 * pushes and removals from the top and from the middle, as the timers and
 * the priority queue make them, give the slots back in order. */
#include <stdlib.h>

#include "heap.h"
#include "helpers.h"

enum { SLOTS = 512, ROUNDS = 20000 };

typedef struct {
  int key[SLOTS];
  size_t n;
} int_heap;

static bool int_before(void *heap, size_t a, size_t b) {
  const int_heap *h = heap;
  return h->key[a] < h->key[b];
}

static void int_swap(void *heap, size_t a, size_t b) {
  int_heap *h = heap;
  int t = h->key[a];
  h->key[a] = h->key[b];
  h->key[b] = t;
}

static const ac__heap_ops ops = {int_before, int_swap};

/* Every slot is no earlier than its parent. */
static void check_order(const int_heap *h) {
  for (size_t i = 1; i < h->n; i++)
    ck_assert_msg(h->key[(i - 1) / 2] <= h->key[i], "slot %zu (%d) is before its parent (%d)", i,
                  h->key[i], h->key[(i - 1) / 2]);
}

static size_t smallest(const int_heap *h) {
  size_t m = 0;
  for (size_t i = 1; i < h->n; i++)
    if (h->key[i] < h->key[m]) m = i;
  return m;
}

START_TEST(random_pushes_and_removals_keep_the_order) {
  int_heap h = {.n = 0};
  srand(7);
  for (int round = 0; round < ROUNDS; round++) {
    int op = rand() % 3;
    if (h.n < SLOTS && (op == 0 || h.n == 0)) {
      h.key[h.n++] = rand() % 100; /* many equal keys */
      ac__heap_push(&ops, &h, h.n);
    } else if (op == 1) { /* take the top: it is the smallest */
      int want = h.key[smallest(&h)];
      ac__heap_remove(&ops, &h, h.n, 0);
      ck_assert_int_eq(h.key[--h.n], want);
    } else { /* remove one from anywhere, as a timer that is stopped */
      size_t i = (size_t)rand() % h.n;
      int want = h.key[i];
      ac__heap_remove(&ops, &h, h.n, i);
      ck_assert_int_eq(h.key[--h.n], want);
    }
    check_order(&h);
  }
  int last = -1;
  while (h.n > 0) { /* what is left comes out sorted */
    ac__heap_remove(&ops, &h, h.n, 0);
    ck_assert_int_ge(h.key[--h.n], last);
    last = h.key[h.n];
  }
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("heap");
  ADD_TEST(s, random_pushes_and_removals_keep_the_order);
  return s;
}

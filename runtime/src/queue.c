/* queue.c - ac_queue_t: FIFO, LIFO and priority queues with a maximum size,
 * join/task_done and shutdown. An item meets a waiting getter directly, so
 * it is never left in the queue while someone waits for it, and a getter
 * that gives up in the same step passes it to the next one. */
#include <stdlib.h>

#include "heap.h"
#include "sync_internal.h"

enum { FIRST_CAPACITY = 16 }; /* entries of an unbounded queue at first; it doubles */

typedef struct entry {
  void *item;
  uint64_t seq; /* order of arrival: ties in a priority queue keep it */
} entry;

struct ac_queue_s {
  ac__sync s;       /* waiters: getters (only while the queue is empty) */
  ac__list putters; /* tasks waiting for room, their item in the waiter */
  ac__list joiners; /* tasks in ac_queue_join */
  ac_queue_kind_t kind;
  size_t maxsize;        /* 0: no limit */
  ac_compare_fn compare; /* priority order */
  entry *items;          /* FIFO: a ring from head; LIFO: a stack; PRIORITY: a heap */
  size_t head, len, cap;
  uint64_t seq;    /* next entry.seq */
  long unfinished; /* items put and not yet marked done */
  int shut;        /* ac_queue_shutdown was called */
};

static void queue_close(ac__resource *r) {
  ac_queue_t *q = AC__CONTAINER(r, ac_queue_t, s.res);
  free(q->items);
  free(q);
}

int ac_queue_create(ac_queue_t **out, ac_queue_kind_t kind, size_t maxsize, ac_compare_fn compare) {
  const char *fn = "ac_queue_create";
  if (kind != AC_QUEUE_FIFO && kind != AC_QUEUE_LIFO && kind != AC_QUEUE_PRIORITY)
    return ac__misuse(-EINVAL, fn, "unknown queue kind %d", (int)kind);
  if (maxsize > INT_MAX) return ac__misuse(-EINVAL, fn, "maxsize %zu is over INT_MAX", maxsize);
  if (kind == AC_QUEUE_PRIORITY && !compare)
    return ac__misuse(-EINVAL, fn, "a priority queue needs a comparison function");
  int rc = ac__sync_create((void **)out, sizeof **out, fn);
  if (rc) return rc;
  ac_queue_t *q = *out;
  q->s.res.close = queue_close;
  ac__list_init(&q->putters);
  ac__list_init(&q->joiners);
  q->kind = kind;
  q->maxsize = maxsize;
  q->compare = compare;
  q->cap = maxsize > 0 ? maxsize : FIRST_CAPACITY; /* a bounded queue never grows */
  if (!(q->items = malloc(q->cap * sizeof *q->items))) {
    ac__sync_free(&q->s);
    *out = NULL;
    return -ENOMEM;
  }
  return 0;
}

/* ---- storage ------------------------------------------------------------- */

/* The priority queue's order (heap.h): the comparison, then arrival. */
static bool entry_before(void *heap, size_t a, size_t b) {
  const ac_queue_t *q = heap;
  int c = q->compare(q->items[a].item, q->items[b].item);
  return c < 0 || (c == 0 && q->items[a].seq < q->items[b].seq);
}

static void entry_swap(void *heap, size_t a, size_t b) {
  ac_queue_t *q = heap;
  entry t = q->items[a];
  q->items[a] = q->items[b];
  q->items[b] = t;
}

static const ac__heap_ops priority_ops = {entry_before, entry_swap};

static int grow(ac_queue_t *q) {
  size_t cap = q->cap * 2;
  entry *items = malloc(cap * sizeof *items);
  if (!items) return -ENOMEM;
  for (size_t i = 0; i < q->len; i++) /* unroll the ring */
    items[i] = q->items[(q->head + i) % q->cap];
  free(q->items);
  q->items = items;
  q->cap = cap;
  q->head = 0;
  return 0;
}

static int push(ac_queue_t *q, void *item) {
  if (q->len == q->cap && grow(q)) return -ENOMEM;
  entry e = {item, q->seq++};
  if (q->kind == AC_QUEUE_FIFO) {
    q->items[(q->head + q->len++) % q->cap] = e;
    return 0;
  }
  q->items[q->len++] = e;
  if (q->kind == AC_QUEUE_PRIORITY) ac__heap_push(&priority_ops, q, q->len);
  return 0;
}

static void *pop(ac_queue_t *q) {
  void *item;
  if (q->kind == AC_QUEUE_FIFO) {
    item = q->items[q->head].item;
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return item;
  }
  if (q->kind == AC_QUEUE_PRIORITY) ac__heap_remove(&priority_ops, q, q->len, 0);
  return q->items[--q->len].item; /* LIFO: the newest; PRIORITY: the top, moved last */
}

static int full(const ac_queue_t *q) { return q->maxsize > 0 && q->len >= q->maxsize; }

/* After a get: let waiting putters in while there is room. */
static void admit_putters(ac_queue_t *q) {
  ac__sync_waiter *w;
  while (!full(q) && (w = ac__sync_grant_first(&q->putters))) {
    push(q, w->item); /* cannot fail: a bounded queue has its room allocated */
    q->unfinished++;
  }
}

/* ---- put and get --------------------------------------------------------- */

static int put(ac_queue_t *q, void *item, int64_t timeout_ms, int wait, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(q ? &q->s : NULL, &t, timeout_ms, wait, fn);
  if (rc) return rc;
  if (q->shut) return -ESHUTDOWN;
  ac__sync_waiter *getter = ac__sync_grant_first(&q->s.waiters);
  if (getter) { /* someone waits: hand it over */
    getter->item = item;
    q->unfinished++;
    return 0;
  }
  if (!full(q)) {
    if ((rc = push(q, item))) return rc;
    q->unfinished++;
    return 0;
  }
  if (!wait) return -EAGAIN;
  ac__sync_waiter w;
  w.item = item;
  return ac__sync_wait(t, &q->putters, &w, timeout_ms, "queue put");
}

int ac_queue_put(ac_queue_t *q, void *item) {
  return put(q, item, AC_NO_TIMEOUT, 1, "ac_queue_put");
}

int ac_queue_put_for(ac_queue_t *q, void *item, int64_t timeout_ms) {
  return put(q, item, timeout_ms, 1, "ac_queue_put_for");
}

int ac_queue_try_put(ac_queue_t *q, void *item) {
  return put(q, item, AC_NO_TIMEOUT, 0, "ac_queue_try_put");
}

static int get(ac_queue_t *q, void **item, int64_t timeout_ms, int wait, const char *fn) {
  ac__task *t = NULL;
  if (!item) return ac__misuse(-EINVAL, fn, "the item pointer is NULL");
  *item = NULL;
  int rc = ac__sync_begin(q ? &q->s : NULL, &t, timeout_ms, wait, fn);
  if (rc) return rc;
  if (q->len > 0) {
    *item = pop(q);
    admit_putters(q);
    return 0;
  }
  if (q->shut) return -ESHUTDOWN;
  if (!wait) return -EAGAIN;
  ac__sync_waiter w;
  if ((rc = ac__sync_wait(t, &q->s.waiters, &w, timeout_ms, "queue get")) == 0) *item = w.item;
  return rc;
}

int ac_queue_get(ac_queue_t *q, void **item) {
  return get(q, item, AC_NO_TIMEOUT, 1, "ac_queue_get");
}

int ac_queue_get_for(ac_queue_t *q, void **item, int64_t timeout_ms) {
  return get(q, item, timeout_ms, 1, "ac_queue_get_for");
}

int ac_queue_try_get(ac_queue_t *q, void **item) {
  return get(q, item, AC_NO_TIMEOUT, 0, "ac_queue_try_get");
}

/* ---- join, shutdown, size ------------------------------------------------ */

int ac_queue_task_done(ac_queue_t *q) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(q ? &q->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_queue_task_done");
  if (rc) return rc;
  if (q->unfinished <= 0)
    return ac__misuse(-EINVAL, "ac_queue_task_done", "called more times than items were put");
  if (--q->unfinished == 0) ac__sync_wake_all(&q->joiners, 0);
  return 0;
}

static int join(ac_queue_t *q, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(q ? &q->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (q->unfinished == 0) return 0;
  ac__sync_waiter w;
  return ac__sync_wait(t, &q->joiners, &w, timeout_ms, "queue join");
}

int ac_queue_join(ac_queue_t *q) { return join(q, AC_NO_TIMEOUT, "ac_queue_join"); }

int ac_queue_join_for(ac_queue_t *q, int64_t timeout_ms) {
  return join(q, timeout_ms, "ac_queue_join_for");
}

int ac_queue_shutdown(ac_queue_t *q, int flags) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(q ? &q->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_queue_shutdown");
  if (rc) return rc;
  if (flags & ~AC_QUEUE_SHUTDOWN_IMMEDIATE)
    return ac__misuse(-EINVAL, "ac_queue_shutdown", "unknown flags 0x%x", (unsigned)flags);
  q->shut = 1;
  if (flags & AC_QUEUE_SHUTDOWN_IMMEDIATE) { /* what is left is dropped, and counts as done */
    q->unfinished -= (long)q->len;
    q->len = q->head = 0;
    if (q->unfinished <= 0) {
      q->unfinished = 0;
      ac__sync_wake_all(&q->joiners, 0);
    }
  }
  ac__sync_wake_all(&q->s.waiters, -ESHUTDOWN);
  ac__sync_wake_all(&q->putters, -ESHUTDOWN);
  return 0;
}

ssize_t ac_queue_size(const ac_queue_t *q) {
  return q ? (ssize_t)q->len : ac__misuse(-EINVAL, "ac_queue_size", "the queue is NULL");
}

int ac_queue_is_empty(const ac_queue_t *q) {
  return q ? q->len == 0 : ac__misuse(-EINVAL, "ac_queue_is_empty", "the queue is NULL");
}

int ac_queue_is_full(const ac_queue_t *q) {
  return q ? full(q) : ac__misuse(-EINVAL, "ac_queue_is_full", "the queue is NULL");
}

int ac_queue_close(ac_queue_t *q) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(q ? &q->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_queue_close");
  if (rc) return rc;
  if (!ac__list_empty(&q->s.waiters) || !ac__list_empty(&q->putters) ||
      !ac__list_empty(&q->joiners))
    return ac__misuse(-EBUSY, "ac_queue_close", "tasks are waiting on the queue");
  ac__resource_untrack(&q->s.res);
  queue_close(&q->s.res);
  return 0;
}

/* batcher.c - chapter 08: the batcher the write_tests exercise tests.
 *
 * One task, the flusher, waits until the batch being gathered is full or
 * its deadline has come (or the batcher closes), takes the batch, and
 * flushes it with the lock released: adding goes on meanwhile, into the
 * other of two arrays, so an item added during a flush waits for the next
 * batch instead of being lost. A condition tells the flusher of every
 * change and tells adders waiting for room that the batch went out.
 */
#include "batcher.h"

#include <errno.h>
#include <stdlib.h>

struct batcher {
  size_t max_items;
  int64_t max_delay_ms;
  batcher_flush_fn flush;
  void *ctx;
  ac_lock_t *lock;
  ac_cond_t *changed; /* an item came, a batch was taken, or closing */
  void **items;       /* the batch being gathered */
  void **spare;       /* the other array: the batch being flushed */
  size_t n;           /* items in the batch being gathered */
  int64_t first_at;   /* when its first item came */
  int closing;
  int error; /* of the first flush that failed */
  ac_task_t *flusher;
};

/* Wait until the batch is full, due or the batcher closes; with the lock. */
static void wait_until_due(batcher_t *b)
{
  while (b->n < b->max_items && !b->closing) {
    int64_t left = b->first_at + b->max_delay_ms - ac_loop_time();
    if (left <= 0)
      return;
    ac_cond_wait_for(b->changed, left);
  }
}

static int flusher(void *arg, void **result)
{
  batcher_t *b = arg;
  (void)result;
  ac_lock_acquire(b->lock);
  for (;;) {
    while (b->n == 0 && !b->closing)
      ac_cond_wait(b->changed);
    if (b->n == 0)
      break; /* closing, and nothing left */
    wait_until_due(b);
    void **batch = b->items; /* take the batch; adding goes on in the other array */
    size_t n = b->n;
    b->items = b->spare;
    b->n = 0;
    ac_cond_notify_all(b->changed); /* adders waiting for room */
    ac_lock_release(b->lock);
    int rc = b->flush(b->ctx, batch, n);
    ac_lock_acquire(b->lock);
    b->spare = batch;
    if (rc < 0 && b->error == 0)
      b->error = rc;
  }
  ac_lock_release(b->lock);
  return 0;
}

static void free_batcher(batcher_t *b)
{
  if (b->changed)
    ac_cond_close(b->changed);
  if (b->lock)
    ac_lock_close(b->lock);
  free(b->items);
  free(b->spare);
  free(b);
}

int batcher_create(batcher_t **out, size_t max_items, int64_t max_delay_ms, batcher_flush_fn flush,
                   void *ctx)
{
  if (!out || !flush || max_items == 0 || max_delay_ms <= 0)
    return -EINVAL;
  batcher_t *b = calloc(1, sizeof *b);
  if (!b)
    return -ENOMEM;
  b->max_items = max_items;
  b->max_delay_ms = max_delay_ms;
  b->flush = flush;
  b->ctx = ctx;
  int rc = -ENOMEM;
  b->items = calloc(max_items, sizeof *b->items);
  b->spare = calloc(max_items, sizeof *b->spare);
  if (b->items && b->spare && (rc = ac_lock_create(&b->lock)) == 0 &&
      (rc = ac_cond_create(&b->changed, b->lock)) == 0)
    rc = ac_task_create(&b->flusher, flusher, b);
  if (rc) {
    free_batcher(b);
    return rc;
  }
  *out = b;
  return 0;
}

int batcher_add(batcher_t *b, void *item)
{
  if (!b)
    return -EINVAL;
  int rc = ac_lock_acquire(b->lock);
  if (rc)
    return rc;
  while (b->n == b->max_items && rc == 0)
    rc = ac_cond_wait(b->changed); /* full: wait until the flusher takes it */
  if (rc == 0) {
    if (b->n == 0)
      b->first_at = ac_loop_time(); /* the batch's deadline counts from its first item */
    b->items[b->n++] = item;
    ac_cond_notify_all(b->changed);
  }
  ac_lock_release(b->lock);
  return rc;
}

int batcher_close(batcher_t *b)
{
  if (!b)
    return -EINVAL;
  ac_lock_acquire(b->lock);
  b->closing = 1;
  ac_cond_notify_all(b->changed);
  ac_lock_release(b->lock);
  int rc = ac_future_await(b->flusher, NULL);
  ac_future_release(b->flusher);
  if (rc == 0)
    rc = b->error;
  free_batcher(b);
  return rc;
}

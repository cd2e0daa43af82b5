/* batcher.h - chapter 08: a component to test (exercise 3, write_tests).
 *
 * A batcher gathers items and hands them on in batches, as a client of a
 * database or a log service does to save round trips. You do not write
 * it: you write the tests that tell a right batcher from a wrong one.
 */
#ifndef BATCHER_H
#define BATCHER_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* Hands one batch on: @n items (1 <= n <= max_items), in the order they
 * were added. Called from the batcher's own task, one batch at a time; it
 * may suspend (a real one writes to the network). It returns 0 or a
 * negative errno, which batcher_close() reports. */
typedef int (*batcher_flush_fn)(void *ctx, void *const *items, size_t n);

typedef struct batcher batcher_t;

/* Make a batcher. A batch goes out as soon as it has @max_items items, or
 * @max_delay_ms after its first item was added, whichever comes first.
 * From a task. Returns 0; -EINVAL for a NULL pointer or function, a
 * max_items of 0 or a max_delay_ms <= 0; -ENOMEM. */
int batcher_create(batcher_t **batcher, size_t max_items, int64_t max_delay_ms,
                   batcher_flush_fn flush, void *ctx);

/* Add an item to the batch being gathered. If that batch is full (the one
 * before it is still being flushed), wait until it goes out. From a task.
 * Returns 0; -EINVAL for a NULL batcher; -ECANCELED if cancelled while
 * waiting (the item was not added). */
int batcher_add(batcher_t *batcher, void *item);

/* Hand on what is left as a last batch (nothing, if nothing is left), wait
 * for the flushes to end and free the batcher. From the task that made it.
 * Returns 0, or the error of the first flush that failed; -EINVAL for
 * NULL. */
int batcher_close(batcher_t *batcher);
/* [interface] */

#endif /* BATCHER_H */

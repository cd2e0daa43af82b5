/* pipeline.h - chapter 04, exercise 1: a producer and a pool of workers
 * joined by a bounded queue.
 *
 * The tests call pipeline_run(); you write it in pipeline.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include <ac.h>
#include <stddef.h>

/* [interface] */
/* Makes the next item for the pipeline. Returns 1 with the item in *@item,
 * 0 when there are no more items, or a negative errno if it failed. It may
 * suspend (sleep, wait for I/O). */
typedef int (*pipeline_produce_fn)(void *ctx, void **item);

/* Deals with one @item. Returns 0, or a negative errno if it failed. It may
 * suspend. */
typedef int (*pipeline_consume_fn)(void *ctx, void *item);

/* Run @produce and @consume as a pipeline, from inside a task: the items
 * @produce makes go through a FIFO ac_queue_t that holds at most @maxsize
 * of them (>= 1), and @workers tasks (>= 1) each take the next item from
 * the queue, call @consume(@ctx, item) on it, and mark it done. A full
 * queue holds the producer back until a worker takes an item out.
 * Both functions get @ctx.
 *
 * When @produce returns 0, pipeline_run() waits until every item put has
 * been consumed, shuts the queue down so the workers' next get fails and
 * they end, waits for them, and returns 0.
 *
 * The first error of @produce or @consume stops the pipeline: @produce is
 * not called again, the items still in the queue are dropped without being
 * consumed, no new @consume starts, the workers finish the item they are
 * on, and that first error is returned. If the caller is cancelled, every
 * worker is cancelled (a @consume in progress sees -ECANCELED at its next
 * suspension) and awaited, and -ECANCELED is returned.
 *
 * -EINVAL, before anything is called, for a NULL @produce or @consume,
 * @workers == 0 or @maxsize < 1; an error of ac_queue_create() or
 * ac_task_create() is returned after cleaning up. Whatever the outcome,
 * nothing is left running when pipeline_run() returns, and the queue is
 * closed. */
int pipeline_run(pipeline_produce_fn produce, pipeline_consume_fn consume, void *ctx,
                 size_t workers, int maxsize);
/* [interface] */

#endif

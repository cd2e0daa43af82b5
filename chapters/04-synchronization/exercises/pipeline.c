/* pipeline.c - chapter 04, exercise 1: a producer and a pool of workers
 * joined by a bounded queue.
 *
 * What to build: pipeline_run(), described in pipeline.h. Create a FIFO
 * queue of @maxsize items and @workers worker tasks. Each worker loops on
 * ac_queue_get(), calls consume() on the item and then
 * ac_queue_task_done(); it ends when the get fails with -ESHUTDOWN. The
 * caller produces: it calls produce() until it returns 0 and puts each item
 * with ac_queue_put(), which waits while the queue is full. Then
 * ac_queue_join() waits until every item is done, ac_queue_shutdown() ends
 * the workers, and you await and release each of them and close the
 * queue. On the first error, stop at once: ac_queue_shutdown(queue, AC_QUEUE_SHUTDOWN_IMMEDIATE)
 * drops what is queued and wakes a waiting put. On a cancellation, cancel
 * the workers.
 *
 * What the tests check: bad arguments get -EINVAL and nothing is called;
 * every item is consumed exactly once; the workers consume concurrently,
 * never more than @workers at once; a full queue holds the producer back;
 * pipeline_run() returns only after the last item is consumed, with no
 * task left; a failing consume() or produce() stops the pipeline soon and
 * its error is returned; a cancelled caller gets -ECANCELED soon, with
 * every worker cancelled and no task left.
 *
 * Grade it with: make grade CH=04 EX=pipeline
 */
#include "pipeline.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

int pipeline_run(pipeline_produce_fn produce, pipeline_consume_fn consume, void *ctx,
                 size_t workers, int maxsize)
{
  /* TODO: check the arguments; create the queue and the worker tasks (a
   * worker is a static function of yours; the state the workers share can
   * live on this function's stack, since you await them all before you
   * return). */
  /* TODO: produce and put until produce() returns 0 or something fails. */
  /* TODO: join, shut the queue down, await and release the workers,
   * close the queue; on an error or a cancellation, stop them first. */
  (void)produce;
  (void)consume;
  (void)ctx;
  (void)workers;
  (void)maxsize;
  return -ENOSYS;
}

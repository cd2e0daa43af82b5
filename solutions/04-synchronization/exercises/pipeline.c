/* pipeline.c - chapter 04, exercise 1, reference solution: the caller
 * produces into a bounded queue, a pool of worker tasks consumes from it,
 * and join/shutdown end it cleanly.
 */
#include "pipeline.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* What the caller and its workers share. It lives on the caller's stack:
 * pipeline_run() awaits every worker before it returns, so no worker can
 * outlive it. */
typedef struct {
  ac_queue_t *queue;
  pipeline_produce_fn produce;
  pipeline_consume_fn consume;
  void *ctx;
  int error; /* the first error; once set, nothing new starts */
} pipeline_t;

/* Record the first error and stop the queue at once: the items still in it
 * are dropped (and count as done for a join), a producer waiting in put and
 * the idle workers waiting in get are woken with -ESHUTDOWN. */
static void fail(pipeline_t *p, int rc)
{
  if (p->error == 0)
    p->error = rc;
  ac_queue_shutdown(p->queue, AC_QUEUE_SHUTDOWN_IMMEDIATE);
}

/* A worker: take an item, consume it, mark it done, until the queue is shut
 * down and empty. */
static int worker(void *arg, void **result)
{
  pipeline_t *p = arg;
  void *item;
  int rc;

  (void)result;
  while ((rc = ac_queue_get(p->queue, &item)) == 0) {
    /* An item handed to us just before another worker failed is dropped:
     * no new consume() once the error is known. */
    if (p->error == 0) {
      int crc = p->consume(p->ctx, item);
      if (crc < 0)
        fail(p, crc);
    }
    /* Every item taken is marked done, consumed or not, or join would
     * wait for it forever. */
    ac_queue_task_done(p->queue);
  }
  return rc == -ESHUTDOWN ? 0 : rc; /* shut down: the normal end */
}

/* The producer side, run by the caller: produce and put until produce()
 * says there is no more, an error comes, or a worker has failed. */
static int produce_all(pipeline_t *p)
{
  while (p->error == 0) { /* no produce() once a worker has failed */
    void *item = NULL;
    int rc = p->produce(p->ctx, &item);
    if (rc <= 0)
      return rc; /* 0: done; < 0: the producer's error */
    /* Suspends while the queue is full: that is the backpressure. */
    rc = ac_queue_put(p->queue, item);
    if (rc == -ESHUTDOWN)
      return 0; /* a worker failed and shut the queue; p->error says why */
    if (rc < 0)
      return rc; /* -ECANCELED: the caller was cancelled */
  }
  return 0;
}

static void cancel_all(ac_task_t **tasks, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ac_future_cancel(tasks[i]); /* a finished task ignores it */
}

/* Wait until each of the first @n workers has finished and release them,
 * cancelling them first if @cancel. If the caller is cancelled meanwhile,
 * the queue is stopped and the workers are cancelled too, so the wait stays
 * short. Returns 1 if the workers were cancelled. */
static int finish_workers(pipeline_t *p, ac_task_t **tasks, size_t n, int cancel)
{
  if (cancel)
    cancel_all(tasks, n);
  for (size_t i = 0; i < n; i++) {
    while (!ac_future_is_done(tasks[i])) {
      ac_future_await(tasks[i], NULL);
      if (!ac_future_is_done(tasks[i]) && !cancel) { /* our own cancellation */
        cancel = 1;
        fail(p, -ECANCELED);
        cancel_all(tasks, n);
      }
    }
  }
  for (size_t i = 0; i < n; i++)
    ac_future_release(tasks[i]);
  return cancel;
}

int pipeline_run(pipeline_produce_fn produce, pipeline_consume_fn consume, void *ctx,
                 size_t workers, int maxsize)
{
  if (produce == NULL || consume == NULL || workers == 0 || maxsize < 1)
    return -EINVAL;

  pipeline_t p = {.produce = produce, .consume = consume, .ctx = ctx};
  int rc = ac_queue_create(&p.queue, AC_QUEUE_FIFO, maxsize, NULL);
  if (rc < 0)
    return rc;
  ac_task_t **tasks = calloc(workers, sizeof *tasks);
  if (tasks == NULL) {
    ac_queue_close(p.queue);
    return -ENOMEM;
  }
  for (size_t i = 0; i < workers; i++) {
    rc = ac_task_create(&tasks[i], worker, &p);
    if (rc < 0) {
      fail(&p, rc); /* stop the queue, then the workers already made */
      finish_workers(&p, tasks, i, 1);
      free(tasks);
      ac_queue_close(p.queue);
      return rc;
    }
  }

  /* The workers start when we first suspend: in a put on a full queue, in
   * produce(), or in the join. */
  rc = produce_all(&p);
  if (rc == 0 && p.error == 0)
    rc = ac_queue_join(p.queue); /* every item put is consumed */

  /* -ECANCELED may come from our own waits or from a produce() that was
   * sleeping; either way it is our cancellation if the task has one. */
  int cancelled = rc == -ECANCELED && ac_task_cancelling(ac_task_current()) > 0;
  if (rc < 0)
    fail(&p, rc); /* a producer's error, or our cancellation */
  else
    ac_queue_shutdown(p.queue, 0); /* nothing is queued: the workers' next get fails */

  /* After an error, each worker finishes the item it holds and then finds
   * the queue shut; after a cancellation, it is cancelled. */
  cancelled = finish_workers(&p, tasks, workers, cancelled);
  free(tasks);
  ac_queue_close(p.queue); /* nobody waits on it any more */
  return cancelled ? -ECANCELED : p.error;
}

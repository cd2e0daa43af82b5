/* bounded_queue.c - a producer and a consumer joined by a bounded queue: backpressure,
 * task_done/join, shutdown. */
#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#define ITEMS 6   /* items the producer makes */
#define MAXSIZE 2 /* how far the producer may run ahead */

/* [producer] */
/* Puts ITEMS numbers; ac_queue_put() suspends while MAXSIZE are waiting, so
 * the producer never runs more than MAXSIZE items ahead of the consumer. */
static int producer(void *arg, void **result)
{
  ac_queue_t *queue = arg;

  (void)result;
  for (intptr_t i = 1; i <= ITEMS; i++) {
    int rc = ac_queue_put(queue, (void *)i);
    if (rc < 0)
      return rc;
    printf("put %d (queued %zd)\n", (int)i, ac_queue_size(queue));
  }
  return 0;
}
/* [producer] */

/* [consumer] */
/* Gets items until the queue is shut down, marking each one done. */
static int consumer(void *arg, void **result)
{
  ac_queue_t *queue = arg;
  void *item;
  int rc;

  (void)result;
  while ((rc = ac_queue_get(queue, &item)) == 0) {
    printf("  got %d\n", (int)(intptr_t)item);
    rc = ac_task_sleep(0); /* the work on the item */
    int done_rc = ac_queue_task_done(queue);
    if (rc < 0 || done_rc < 0)
      return rc < 0 ? rc : done_rc;
  }
  return rc == -ESHUTDOWN ? 0 : rc; /* shut down and drained: a clean end */
}
/* [consumer] */

/* [main] */
static int main_task(void *arg, void **result)
{
  ac_queue_t *queue;
  ac_task_t *prod = NULL, *cons = NULL;
  (void)arg;
  (void)result;

  int rc = ac_queue_create(&queue, AC_QUEUE_FIFO, MAXSIZE, NULL);
  if (rc < 0)
    return rc;
  rc = ac_task_create(&cons, consumer, queue);
  if (rc == 0)
    rc = ac_task_create(&prod, producer, queue);
  if (rc == 0)
    rc = ac_future_await(prod, NULL); /* every item is in the queue... */
  if (rc == 0)
    rc = ac_queue_join(queue); /* ...and every item is done */
  if (rc == 0)
    printf("all done\n");
  /* The consumer's next get fails; after an error, drop what is left. */
  int shutdown_rc = ac_queue_shutdown(queue, rc < 0 ? AC_QUEUE_SHUTDOWN_IMMEDIATE : 0);
  if (cons) {
    int cons_rc = ac_future_await(cons, NULL);
    if (rc == 0)
      rc = cons_rc;
  }
  if (rc == 0)
    rc = shutdown_rc;
  if (prod)
    ac_future_release(prod);
  if (cons)
    ac_future_release(cons);
  int close_rc = ac_queue_close(queue);
  return rc < 0 ? rc : close_rc;
}
/* [main] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "bounded_queue: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

/* blocking_call.c - a blocking call inside one task (nanosleep) freezes every task; ac_task_sleep()
 * lets them run. */
#define _POSIX_C_SOURCE 200809L /* for nanosleep() */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

#define WAIT_MS 200 /* how long the worker waits */
#define TICK_MS 20  /* how often the ticker ticks */

/* [ticker] */
/* A task that counts a tick every TICK_MS until told to stop. */
typedef struct {
  int ticks; /* ticks so far */
  int stop;  /* set to 1 to end the task */
} ticker_t;

static int ticker(void *arg, void **result)
{
  ticker_t *t = arg;

  (void)result;
  while (!t->stop) {
    int rc = ac_task_sleep(TICK_MS);
    if (rc < 0)
      return rc;
    t->ticks++;
  }
  return 0;
}
/* [ticker] */

/* [worker] */
/* A task that waits WAIT_MS, in one of two ways, and counts how often the
 * ticker ticked meanwhile. */
typedef struct {
  ticker_t *ticker;    /* the ticker to watch */
  int blocking;        /* 1: nanosleep(), which blocks the whole thread */
  int ticks_meanwhile; /* ticks seen during the wait */
} worker_t;

static int worker(void *arg, void **result)
{
  worker_t *w = arg;

  (void)result;
  int before = w->ticker->ticks;
  if (w->blocking) {
    struct timespec wait = {0, WAIT_MS * 1000000L};
    if (nanosleep(&wait, NULL) != 0) /* the loop cannot run: no tick */
      return -errno;
  } else {
    int rc = ac_task_sleep(WAIT_MS); /* the loop runs the ticker meanwhile */
    if (rc < 0)
      return rc;
  }
  w->ticks_meanwhile = w->ticker->ticks - before;
  return 0;
}
/* [worker] */

/* Run a ticker and a worker together; report what the ticker did. */
static int tick_while_working(int blocking)
{
  ticker_t t = {0, 0};
  worker_t w = {&t, blocking, 0};
  ac_task_t *ticker_task;
  ac_task_t *worker_task;

  int rc = ac_task_create(&ticker_task, ticker, &t);
  if (rc < 0)
    return rc;
  rc = ac_task_create(&worker_task, worker, &w);
  if (rc == 0) {
    rc = ac_future_await(worker_task, NULL);
    ac_future_release(worker_task);
  }
  t.stop = 1; /* the ticker sees it at its next tick */
  int ticker_rc = ac_future_await(ticker_task, NULL);
  ac_future_release(ticker_task);
  if (rc < 0)
    return rc;
  if (ticker_rc < 0)
    return ticker_rc;

  /* [report] */
  if (blocking)
    printf("nanosleep(%d ms): the ticker ticked %d times meanwhile\n", WAIT_MS, w.ticks_meanwhile);
  else
    printf("ac_task_sleep(%d ms): the ticker %s meanwhile\n", WAIT_MS,
           w.ticks_meanwhile >= 3 ? "kept ticking" : "hardly ticked");
  /* [report] */
  return 0;
}

static int main_task(void *arg, void **result)
{
  (void)arg;
  (void)result;

  int rc = tick_while_working(1);
  if (rc < 0)
    return rc;
  return tick_while_working(0);
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "blocking_call: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

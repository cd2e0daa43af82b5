/* start_signal.c - an event as a starting gun: workers wait until it is set, then all go at once.
 */
#include <ac.h>
#include <stdio.h>

#define WORKERS 3

typedef struct {
  ac_event_t *go; /* set once the shared setup is ready */
  int id;
} worker_t;

/* [worker] */
/* Waits for the event, then works. A worker that arrives after the event
 * was set does not wait at all: an event stays set until it is cleared. */
static int worker(void *arg, void **result)
{
  worker_t *w = arg;

  (void)result;
  printf("worker %d waits\n", w->id);
  int rc = ac_event_wait(w->go);
  if (rc < 0)
    return rc;
  printf("worker %d goes\n", w->id);
  return 0;
}
/* [worker] */

/* [main] */
static int main_task(void *arg, void **result)
{
  ac_event_t *go;
  ac_task_t *tasks[WORKERS + 1];
  worker_t workers[WORKERS + 1];
  int n = 0;
  (void)arg;
  (void)result;

  int rc = ac_event_create(&go);
  if (rc < 0)
    return rc;
  for (; n < WORKERS && rc == 0; n++) {
    workers[n] = (worker_t){go, n + 1};
    rc = ac_task_create(&tasks[n], worker, &workers[n]);
  }
  if (rc == 0)
    rc = ac_task_sleep(0); /* the workers run up to their wait */
  if (rc == 0) {
    printf("setup done, setting the event\n");
    rc = ac_event_set(go); /* wakes every waiter, in the order they came */
  }
  if (rc == 0) { /* a latecomer finds the event already set */
    workers[n] = (worker_t){go, n + 1};
    rc = ac_task_create(&tasks[n], worker, &workers[n]);
    n += rc == 0;
  }
  if (rc == 0)
    rc = ac_future_gather(tasks, (size_t)n, NULL, NULL, 0);
  for (int i = 0; i < n; i++)
    ac_future_release(tasks[i]);
  int close_rc = ac_event_close(go);
  return rc < 0 ? rc : close_rc;
}
/* [main] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "start_signal: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

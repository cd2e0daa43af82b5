/* blocking.c - a blocking call stalls every task, and debug mode says
 * which task made it. A heartbeat ticks every 50 ms while another task
 * "waits" 400 ms: first with usleep(), which stops the whole loop, then
 * with the same call moved to the executor's thread, which does not. */
#include <ac.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double real_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct {
  int stop;
  double longest_gap;
} heartbeat_t;

static int heartbeat(void *arg, void **result)
{
  heartbeat_t *h = arg;
  (void)result;
  double last = real_ms();
  while (!h->stop && ac_task_sleep(50) == 0) {
    double now = real_ms();
    if (now - last > h->longest_gap)
      h->longest_gap = now - last;
    last = now;
  }
  return 0;
}

/* [blocking] */
static int wait_in_the_loop(void *arg, void **result)
{
  (void)arg, (void)result;
  usleep(400 * 1000); /* blocks the thread, and with it every task */
  return 0;
}

static int blocking_job(void *arg, void **result)
{
  (void)arg, (void)result;
  usleep(400 * 1000); /* on a worker thread: only the job waits */
  return 0;
}

static int wait_on_a_thread(void *arg, void **result)
{
  (void)arg, (void)result;
  return ac_executor_run(NULL, blocking_job, NULL, NULL);
}
/* [blocking] */

static void run_beside_heartbeat(const char *what, ac_task_fn fn)
{
  heartbeat_t h = {0};
  ac_task_t *beat, *work;
  ac_task_create(&beat, heartbeat, &h);
  ac_task_sleep(120); /* a few beats first */
  ac_task_create_ex(&work, fn, NULL, &(ac_task_opts_t){.name = what});
  ac_future_await(work, NULL);
  ac_task_sleep(120);
  h.stop = 1;
  ac_future_await(beat, NULL);
  ac_future_release(work);
  ac_future_release(beat);
  printf("%s: the heartbeat's longest gap was %s 250 ms\n", what,
         h.longest_gap > 250 ? "over" : "under");
}

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_debug_set(true, 100); /* as AC_DEBUG=1 AC_SLOW_MS=100 would */
  run_beside_heartbeat("usleep in a task", wait_in_the_loop);
  run_beside_heartbeat("usleep in the executor", wait_on_a_thread);
  return 0;
}

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

/* explore.c - an order-dependent bug that the loop's usual order hides,
 * found by schedule exploration and replayed by its seed. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>

/* [bug] */
/* A greeter and a printer both wait for "go". The printer assumes the
 * greeter, which started waiting first, has run by the time it runs: the
 * loop's usual order says so, and nothing in the program does. */
static ac_event_t *go;
static const char *name;

static int greeter(void *arg, void **result)
{
  (void)arg, (void)result;
  if (ac_event_wait(go) == 0)
    name = "world";
  return 0;
}

static int printer(void *arg, void **result)
{
  (void)arg, (void)result;
  if (ac_event_wait(go) != 0)
    return -ECANCELED;
  return name ? 0 : -ENODATA; /* the bug: it never waited for the greeter */
}
/* [bug] */

static int body(void *arg, void **result)
{
  (void)arg, (void)result;
  name = NULL;
  ac_event_create(&go);
  ac_task_t *g, *p;
  ac_task_create(&g, greeter, NULL);
  ac_task_sleep(0); /* the greeter waits first */
  ac_task_create(&p, printer, NULL);
  ac_task_sleep(0);
  ac_event_set(go);
  ac_future_await(g, NULL);
  int rc = ac_future_await(p, NULL);
  ac_future_release(g);
  ac_future_release(p);
  ac_event_close(go);
  return rc;
}

/* [replay] */
static uint64_t replay_seed;
static int replay(void *arg, void **result)
{
  ac_loop_set_schedule_seed(replay_seed); /* as ac_loop_explore() does for each seed */
  return body(arg, result);
}
/* [replay] */

int main(void)
{
  int passed = 0;
  for (int i = 0; i < 100; i++)
    passed += ac_loop_run(body, NULL, NULL) == 0;
  printf("in the usual order: %d of 100 runs pass\n", passed);

  /* [explore] */
  uint64_t seed;
  int rc = ac_loop_explore(body, NULL, 100, &seed);
  /* [explore] */
  printf("ac_loop_explore: seed %llu fails with %d (%s)\n", (unsigned long long)seed, rc,
         ac_error_message(rc));
  replay_seed = seed;
  for (int i = 0; i < 3; i++) {
    rc = ac_loop_run(replay, NULL, NULL);
    printf("seed %llu again: %d (%s)\n", (unsigned long long)seed, rc, ac_error_message(rc));
  }
  return 0;
}

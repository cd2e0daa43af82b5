/* interleave.c - two tasks take turns only where they suspend: ac_task_sleep(0) hands the loop to
 * the other one. */
#include <ac.h>
#include <stdio.h>

/* [counter] */
/* What one counting task does. */
typedef struct {
  const char *name; /* printed before each number */
  int steps;        /* how far to count */
  int take_turns;   /* 1: call ac_task_sleep(0) after each number */
} counter_t;

static int count(void *arg, void **result)
{
  const counter_t *counter = arg;

  (void)result;
  for (int i = 1; i <= counter->steps; i++) {
    printf("  %s %d\n", counter->name, i);
    if (counter->take_turns) {
      int rc = ac_task_sleep(0); /* let every other ready task run once */
      if (rc < 0)
        return rc;
    }
  }
  return 0;
}
/* [counter] */

/* [run_pair] */
/* Run two counters side by side and wait for both. */
static int run_pair(int take_turns)
{
  counter_t a = {"A", 3, take_turns};
  counter_t b = {"B", 3, take_turns};
  ac_task_t *task_a;
  ac_task_t *task_b;

  int rc = ac_task_create(&task_a, count, &a);
  if (rc < 0)
    return rc;
  rc = ac_task_create(&task_b, count, &b);
  if (rc < 0) {
    /* task_a uses `a` on this stack: wait for it before returning */
    ac_future_await(task_a, NULL);
    ac_future_release(task_a);
    return rc;
  }
  int rc_a = ac_future_await(task_a, NULL);
  int rc_b = ac_future_await(task_b, NULL);
  ac_future_release(task_a);
  ac_future_release(task_b);
  return rc_a < 0 ? rc_a : rc_b;
}
/* [run_pair] */

static int main_task(void *arg, void **result)
{
  (void)arg;
  (void)result;

  printf("without ac_task_sleep(0): each task runs to its end\n");
  int rc = run_pair(0);
  if (rc < 0)
    return rc;
  printf("with ac_task_sleep(0) after each step: they alternate\n");
  return run_pair(1);
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "interleave: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

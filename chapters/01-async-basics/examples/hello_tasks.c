/* hello_tasks.c - the smallest program with tasks: start two, await both, release both. */
#include <ac.h>
#include <stdio.h>

/* [greet] */
/* A task function. It runs on a stack of its own; `arg` is the pointer
 * given to ac_task_create(), and the return value is the task's outcome. */
static int greet(void *arg, void **result)
{
  const char *name = arg;

  (void)result; /* this task has no result besides its return code */
  printf("%s: hello\n", name);
  int rc = ac_task_sleep(10); /* suspend: the loop runs other tasks meanwhile */
  if (rc < 0)
    return rc;
  printf("%s: goodbye\n", name);
  return 0;
}
/* [greet] */

/* [main_task] */
static int main_task(void *arg, void **result)
{
  ac_task_t *alice;
  ac_task_t *bob;

  (void)arg;
  (void)result;
  printf("main: starting two tasks\n");
  int rc = ac_task_create(&alice, greet, "alice");
  if (rc < 0)
    return rc;
  rc = ac_task_create(&bob, greet, "bob");
  if (rc < 0) {
    ac_future_release(alice); /* create succeeded for alice: release it */
    return rc;
  }
  printf("main: both created, neither has run yet\n");

  /* Awaiting suspends main until the task has finished. */
  int alice_rc = ac_future_await(alice, NULL);
  int bob_rc = ac_future_await(bob, NULL);
  ac_future_release(alice);
  ac_future_release(bob);
  printf("main: both finished\n");
  return alice_rc < 0 ? alice_rc : bob_rc;
}
/* [main_task] */

/* [main] */
int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "hello_tasks: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}
/* [main] */

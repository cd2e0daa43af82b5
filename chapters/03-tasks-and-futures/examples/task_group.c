/* task_group.c - a task group waits for all its children; the first one that fails cancels the
 * others. */
#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

/* [child] */
/* Sleeps @arg ms; the 20 ms child fails with -EIO. */
static int child(void *arg, void **result)
{
  intptr_t ms = (intptr_t)arg;

  (void)result;
  int rc = ac_task_sleep(ms);
  if (rc < 0) {
    printf("child %ld: cancelled\n", (long)ms);
    return rc;
  }
  if (ms == 20) {
    printf("child %ld: failing\n", (long)ms);
    return -EIO;
  }
  printf("child %ld: done\n", (long)ms);
  return 0;
}
/* [child] */

/* [main_task] */
static int main_task(void *arg, void **result)
{
  static const intptr_t delays[3] = {10, 20, 500};
  ac_group_t *group;

  (void)arg;
  (void)result;
  int rc = ac_group_create(&group);
  if (rc < 0)
    return rc;
  for (size_t i = 0; i < 3 && rc == 0; i++)
    rc = ac_group_spawn(group, NULL, child, (void *)delays[i], NULL);
  /* Always wait, even if a spawn failed: the group owns its children. */
  int wait_rc = ac_group_close(group);
  if (rc == 0)
    rc = wait_rc;
  printf("group: %s\n", ac_error_message(rc));
  return 0;
}
/* [main_task] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "task_group: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

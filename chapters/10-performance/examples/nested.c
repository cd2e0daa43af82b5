/* nested.c - the loop does not run inside itself. A task that calls
 * ac_loop_run() or ac_loop_drive() is refused with -EBUSY (asyncio raises
 * "This event loop is already running"); what it wanted, to wait for
 * other work, it gets by awaiting that work. */
#include <ac.h>
#include <stdio.h>

static int helper(void *arg, void **result)
{
  (void)arg;
  ac_task_sleep(10);
  *result = "the helper's answer";
  return 0;
}

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  /* [refused] */
  int rc = ac_loop_run(helper, NULL, NULL);
  printf("ac_loop_run inside a task:   %s\n", ac_error_message(rc));
  rc = ac_loop_drive(AC_DRIVE_DEFAULT);
  printf("ac_loop_drive inside a task: %s\n", ac_error_message(rc));
  /* [refused] */
  /* [instead] */
  ac_task_t *task;
  void *answer = NULL;
  if ((rc = ac_task_create(&task, helper, NULL)) < 0)
    return rc;
  rc = ac_future_await(task, &answer); /* the loop runs the helper meanwhile */
  ac_future_release(task);
  printf("awaiting the helper instead: %s\n", rc == 0 ? (const char *)answer : "failed");
  /* [instead] */
  return 0;
}

int main(void)
{
  ac_error_set_messages(false); /* the refusals are the point here */
  return ac_loop_run(main_task, NULL, NULL) < 0;
}

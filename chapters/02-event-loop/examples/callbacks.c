/* callbacks.c - call_soon, call_later and call_at on the real loop, and a timer cancelled before it
 * runs. */
#include <ac.h>
#include <stdio.h>

/* [say] */
/* A callback runs on the loop and must not suspend: it prints and returns. */
static void say(void *arg)
{
  printf("%s\n", (const char *)arg);
}
/* [say] */

/* [schedule] */
static int schedule(void)
{
  ac_handle_t *doomed = NULL;
  int rc;

  /* Timers first, in a shuffled order: they still run by deadline. */
  if ((rc = ac_loop_call_later(30, say, "later: 30 ms", NULL)) < 0)
    return rc;
  if ((rc = ac_loop_call_later(10, say, "later: 10 ms", NULL)) < 0)
    return rc;
  if ((rc = ac_loop_call_at(ac_loop_time() + 20, say, "at: now + 20 ms", NULL)) < 0)
    return rc;
  if ((rc = ac_loop_call_later(10, say, "later: 10 ms, scheduled second", NULL)) < 0)
    return rc;
  /* Keep this one's handle, to cancel it. */
  if ((rc = ac_loop_call_later(15, say, "never printed", &doomed)) < 0)
    return rc;
  /* Ready callbacks run on the next turn, before any timer is due. */
  if ((rc = ac_loop_call_soon(say, "soon: first", NULL)) < 0)
    return rc;
  if ((rc = ac_loop_call_soon(say, "soon: second", NULL)) < 0)
    return rc;
  rc = ac_handle_close(doomed); /* 1: cancelled before it ran */
  printf("cancelled: %d\n", rc);
  return 0;
}
/* [schedule] */

/* [main] */
int main(void)
{
  int rc = ac_loop_open();
  if (rc < 0) {
    fprintf(stderr, "callbacks: ac_loop_open: %s\n", ac_error_message(rc));
    return 1;
  }
  rc = schedule();
  if (rc < 0) {
    fprintf(stderr, "callbacks: %s\n", ac_error_message(rc));
    ac_loop_close();
    return 1;
  }
  /* Runs until nothing is left: every callback has run or was cancelled. */
  rc = ac_loop_drive(AC_DRIVE_DEFAULT);
  if (rc < 0) {
    fprintf(stderr, "callbacks: ac_loop_drive: %s\n", ac_error_message(rc));
    ac_loop_close();
    return 1;
  }
  printf("loop: nothing left (%d)\n", rc);
  rc = ac_loop_close();
  if (rc < 0) {
    fprintf(stderr, "callbacks: ac_loop_close: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}
/* [main] */

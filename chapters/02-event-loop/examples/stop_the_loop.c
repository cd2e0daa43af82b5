/* stop_the_loop.c - driving the loop by hand: a callback that always schedules its next run, so the
 * loop never runs out of work, stops it on the fifth run. */
#include <ac.h>
#include <stdio.h>

/* [tick] */
static int turns;

/* Each run sets a timer for the next one, 10 ms later, so there is always
 * work left: only ac_loop_stop() makes ac_loop_drive() return. */
static void tick(void *arg)
{
  (void)arg;
  turns++;
  printf("tick %d\n", turns);
  if (turns == 5) {
    int rc = ac_loop_stop(); /* ac_loop_drive() returns after this turn */
    if (rc < 0)
      fprintf(stderr, "stop_the_loop: ac_loop_stop: %s\n", ac_error_message(rc));
  }
  int rc = ac_loop_call_later(10, tick, NULL, NULL);
  if (rc < 0)
    fprintf(stderr, "stop_the_loop: ac_loop_call_later: %s\n", ac_error_message(rc));
}
/* [tick] */

/* [main] */
int main(void)
{
  int rc = ac_loop_open();
  if (rc < 0) {
    fprintf(stderr, "stop_the_loop: ac_loop_open: %s\n", ac_error_message(rc));
    return 1;
  }
  rc = ac_loop_call_soon(tick, NULL, NULL);
  if (rc == 0)
    rc = ac_loop_drive(AC_DRIVE_DEFAULT); /* 1: work remains, 0: none left */
  if (rc < 0) {
    fprintf(stderr, "stop_the_loop: %s\n", ac_error_message(rc));
    ac_loop_close();
    return 1;
  }
  printf("ac_loop_drive returned %d after %d ticks\n", rc, turns);
  rc = ac_loop_close(); /* drops the sixth tick, still waiting for its timer */
  if (rc < 0) {
    fprintf(stderr, "stop_the_loop: ac_loop_close: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}
/* [main] */

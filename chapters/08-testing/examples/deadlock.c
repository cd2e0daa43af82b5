/* deadlock.c - two tasks that each wait for the other: the runtime sees
 * that nothing can ever wake them, lists every task and what it waits in
 * (on standard error), cancels them, and ac_loop_run() returns -EDEADLK. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>

typedef struct {
  ac_event_t *ready; /* set by this side when it is ready */
  ac_event_t *other; /* the other side's */
} side_t;

/* [sides] */
/* Each side waits for the other to be ready before it says it is ready
 * itself: a lost wake-up in its plainest form. */
static int side(void *arg, void **result)
{
  side_t *s = arg;
  (void)result;
  int rc = ac_event_wait(s->other); /* waits for ever: the other does the same */
  if (rc == 0)
    ac_event_set(s->ready);
  return rc;
}
/* [sides] */

static int main_task(void *arg, void **result)
{
  ac_event_t *a_ready, *b_ready;
  (void)arg, (void)result;
  ac_event_create(&a_ready);
  ac_event_create(&b_ready);
  side_t a = {a_ready, b_ready}, b = {b_ready, a_ready};
  ac_task_t *ta, *tb;
  ac_task_create_ex(&ta, side, &a, &(ac_task_opts_t){.name = "side A"});
  ac_task_create_ex(&tb, side, &b, &(ac_task_opts_t){.name = "side B"});
  int rc = ac_future_await(ta, NULL);
  printf("side A ended with %d (%s)\n", rc, ac_error_message(rc));
  ac_future_release(ta);
  ac_future_release(tb);
  ac_event_close(a_ready);
  ac_event_close(b_ready);
  return rc;
}

int main(void)
{
  ac_error_set_messages(true); /* the report goes to standard error */
  int rc = ac_loop_run(main_task, NULL, NULL);
  printf("ac_loop_run returned %d (%s)\n", rc, ac_error_message(rc));
  return rc == -EDEADLK ? 0 : 1;
}

/* my_wait_for.c - chapter 03, exercise 2, reference solution: await with a
 * timer that cancels the future when time is up.
 */
#include "my_wait_for.h"

#include <ac.h>
#include <errno.h>

/* What the timer needs. It lives on my_wait_for()'s stack, which is safe:
 * the timer is always taken back (ac_handle_close) before returning. */
typedef struct {
  ac_future_t *future;
  int expired; /* 1 once the timer has fired */
} deadline_t;

static void on_deadline(void *arg)
{
  deadline_t *d = arg;

  d->expired = 1;
  ac_future_cancel(d->future);
}

int my_wait_for(ac_future_t *future, int64_t timeout_ms, void **result)
{
  if (future == NULL || (timeout_ms < 0 && timeout_ms != AC_NO_TIMEOUT))
    return -EINVAL;
  if (timeout_ms == AC_NO_TIMEOUT)
    return ac_future_await(future, result);

  deadline_t d = {.future = future, .expired = 0};
  ac_handle_t *timer = NULL;
  int rc = ac_loop_call_later(timeout_ms, on_deadline, &d, &timer);
  if (rc < 0)
    return rc;
  /* ac_future_await() returns only once the future has finished, cleanup
   * included, whether it ended by itself or by the timer's cancel. */
  rc = ac_future_await(future, result);
  ac_handle_close(timer);
  /* A cancellation we made ourselves is a timeout. One from outside (the
   * caller was cancelled) stays -ECANCELED. */
  if (d.expired && rc == -ECANCELED && ac_task_cancelling(ac_task_current()) == 0)
    return -ETIMEDOUT;
  return rc;
}

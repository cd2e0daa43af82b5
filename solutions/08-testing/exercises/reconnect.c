/* reconnect.c - chapter 08, exercise 2: the reference solution.
 *
 * Every pause and deadline is on the loop's clock, so under virtual time
 * the attempts come at exact instants and a test of minutes of backoff
 * takes microseconds. Each attempt runs in a timeout scope of its own; the
 * pause doubles up to the cap; the deadline is checked before each pause,
 * so the last error comes back at once instead of after a useless wait.
 */
#include "reconnect.h"

#include <errno.h>
#include <stdbool.h>

static bool worth_retrying(int rc)
{
  return rc == -ECONNREFUSED || rc == -ECONNRESET || rc == -EHOSTUNREACH || rc == -ETIMEDOUT ||
         rc == -EAGAIN;
}

/* One attempt, cut at the policy's timeout. */
static int attempt_once(const reconnect_policy_t *policy, reconnect_attempt_fn attempt, void *ctx)
{
  ac_timeout_t scope;
  int rc = ac_timeout_open(&scope, policy->attempt_timeout_ms);
  if (rc < 0)
    return rc;
  rc = attempt(ctx);
  int closed = ac_timeout_close(&scope);
  if (closed == -ETIMEDOUT)
    return -ETIMEDOUT; /* the scope's cancellation, withdrawn: it is a failed attempt */
  if (closed == -ECANCELED)
    return -ECANCELED; /* the caller was cancelled as well */
  return rc;
}

int reconnect(const reconnect_policy_t *policy, reconnect_attempt_fn attempt, void *ctx,
              int *attempts)
{
  if (attempts)
    *attempts = 0;
  if (!policy || !attempt || policy->first_delay_ms <= 0 ||
      policy->max_delay_ms < policy->first_delay_ms || policy->attempt_timeout_ms <= 0 ||
      policy->give_up_ms <= 0 || policy->max_attempts < 1)
    return -EINVAL;
  int64_t give_up_at = ac_loop_time() + policy->give_up_ms;
  int64_t delay = policy->first_delay_ms;
  for (int n = 1;; n++) {
    if (attempts)
      *attempts = n;
    int rc = attempt_once(policy, attempt, ctx);
    if (rc == 0 || rc == -ECANCELED || !worth_retrying(rc) || n == policy->max_attempts ||
        ac_loop_time() + delay > give_up_at)
      return rc;
    if ((rc = ac_task_sleep(delay)) < 0)
      return rc; /* cancelled during the pause */
    delay = delay * 2 > policy->max_delay_ms ? policy->max_delay_ms : delay * 2;
  }
}

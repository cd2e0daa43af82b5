/* timeout.c - a deadline on a block of code (asyncio.timeout): when it
 * passes, the task is cancelled; on exit the cancellation is withdrawn and
 * turned into -ETIMEDOUT. */
#include "internal.h"

static void expire(void *arg) {
  ac_timeout_t *scope = arg;
  scope->expired = 1;
  ac_future_cancel(scope->task);
}

int ac_timeout_open(ac_timeout_t *scope, int64_t limit_ms) {
  ac__task *t = NULL;
  if (!scope) return ac__misuse(-EINVAL, "ac_timeout_open", "the scope is NULL");
  scope->entered = 0;
  int rc = ac__current(&t, "ac_timeout_open");
  if (rc) return rc;
  if (limit_ms < 0 && limit_ms != AC_NO_TIMEOUT)
    return ac__misuse(-EINVAL, "ac_timeout_open", "negative timeout (%lld ms)",
                      (long long)limit_ms);
  scope->task = &t->fut;
  scope->timer = NULL;
  scope->expired = 0;
  if (limit_ms != AC_NO_TIMEOUT &&
      (rc = ac_loop_call_later(limit_ms, expire, scope, &scope->timer)))
    return rc;
  scope->entered = 1;
  return 0;
}

int ac_timeout_close(ac_timeout_t *scope) {
  if (!scope || !scope->entered)
    return ac__misuse(-EINVAL, "ac_timeout_close", "the scope was not entered");
  if (ac_task_current() != scope->task)
    return ac__misuse(-EPERM, "ac_timeout_close", "the scope belongs to another task");
  scope->entered = 0;
  if (scope->timer) ac_handle_close(scope->timer);
  scope->timer = NULL;
  if (!scope->expired) return 0;
  /* Another cancellation still outstanding wins over our own. */
  return ac_task_uncancel(scope->task) > 0 ? -ECANCELED : -ETIMEDOUT;
}

int ac_timeout_is_expired(const ac_timeout_t *scope) {
  if (!scope) return ac__misuse(-EINVAL, "ac_timeout_is_expired", "the scope is NULL");
  return scope->expired;
}

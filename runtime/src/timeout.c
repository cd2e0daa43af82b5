/* timeout.c - a deadline on a block of code (asyncio.timeout): when it
 * passes, the task is cancelled; on exit the cancellation is withdrawn and
 * turned into -ETIMEDOUT. */
#include "internal.h"

static void expire(void *arg) {
  ac_timeout_t *scope = arg;
  scope->expired = 1;
  ac_cancel(scope->task);
}

int ac_timeout_enter(ac_timeout_t *scope, int64_t timeout_ms) {
  ac__task *t = NULL;
  if (!scope) return ac__misuse(-EINVAL, "ac_timeout_enter", "the scope is NULL");
  scope->entered = 0;
  int rc = ac__current(&t, "ac_timeout_enter");
  if (rc) return rc;
  if (timeout_ms < 0 && timeout_ms != AC_NO_TIMEOUT)
    return ac__misuse(-EINVAL, "ac_timeout_enter", "negative timeout (%lld ms)",
                      (long long)timeout_ms);
  scope->task = &t->fut;
  scope->timer = NULL;
  scope->expired = 0;
  if (timeout_ms != AC_NO_TIMEOUT &&
      (rc = ac_call_later(timeout_ms, expire, scope, &scope->timer)))
    return rc;
  scope->entered = 1;
  return 0;
}

int ac_timeout_exit(ac_timeout_t *scope) {
  if (!scope || !scope->entered)
    return ac__misuse(-EINVAL, "ac_timeout_exit", "the scope was not entered");
  if (ac_current_task() != scope->task)
    return ac__misuse(-EPERM, "ac_timeout_exit", "the scope belongs to another task");
  scope->entered = 0;
  if (scope->timer) ac_handle_close(scope->timer);
  scope->timer = NULL;
  if (!scope->expired) return 0;
  /* Another cancellation still outstanding wins over our own. */
  return ac_task_uncancel(scope->task) > 0 ? -ECANCELED : -ETIMEDOUT;
}

int ac_timeout_expired(const ac_timeout_t *scope) { return scope && scope->expired; }

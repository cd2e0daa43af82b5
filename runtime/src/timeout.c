/* timeout.c - a deadline on a block of code (asyncio.timeout): when it
 * passes, the task is cancelled; on exit the cancellation is withdrawn and
 * turned into -ETIMEDOUT.
 *
 * The deadline is a record of the runtime's, owned by the task (an
 * ac__owned entry), not the caller's scope: a task that ends with the scope
 * open drops the deadline, which would otherwise fire into a dead stack. */
#include <stdlib.h>

#include "task_internal.h"

typedef struct deadline {
  ac__timer timer; /* on the loop's heap until it fires */
  ac__owned owned; /* in the task's owned list while the scope is open */
  ac__task *task;
  ac_timeout_t *scope;
  int expired; /* for a compact task, here and not in its scope: that may be
                * on its stack, which is elsewhere while the task waits */
} deadline;

static void expire(ac__timer *timer) {
  deadline *d = AC__CONTAINER(timer, deadline, timer);
  d->expired = 1;
  if (!d->task->compact) d->scope->expired = 1;
  ac__task_cancel(d->task);
}

static void deadline_free(deadline *d) {
  ac__timer_stop(d->task->fut.loop, &d->timer);
  free(d);
}

/* The task finished inside the scope: the scope may be gone with its stack. */
static void let_go(ac__owned *o, ac__task *t) {
  ac__misuse(-EINVAL, "ac_timeout_close",
             "task '%s' finished with a timeout scope still open; "
             "its deadline is dropped",
             ac_task_name(&t->fut));
  deadline_free(AC__CONTAINER(o, deadline, owned));
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
  scope->task_id = t->id;
  scope->timer = NULL;
  scope->expired = 0;
  if (limit_ms != AC_NO_TIMEOUT) {
    deadline *d = malloc(sizeof *d);
    if (!d) return -ENOMEM;
    d->task = t;
    d->scope = scope;
    d->expired = 0;
    ac__timer_init(&d->timer, expire);
    ac__loop *loop = t->fut.loop;
    if ((rc = ac__timer_start(loop, &d->timer, ac__now(loop) + (uint64_t)limit_ms))) {
      free(d);
      return rc;
    }
    ac__owned_add(t, &d->owned, let_go);
    scope->timer = d;
  }
  scope->entered = 1;
  return 0;
}

int ac_timeout_close(ac_timeout_t *scope) {
  ac__task *t = NULL;
  if (!scope || !scope->entered)
    return ac__misuse(-EINVAL, "ac_timeout_close", "the scope is NULL or not open");
  int rc = ac__current(&t, "ac_timeout_close");
  if (rc) return rc;
  /* Ids, not pointers: the opener's structure may be another task's now. */
  if (t->id != scope->task_id)
    return ac__misuse(-EPERM, "ac_timeout_close",
                      "the scope belongs to another task (or to one that has finished)");
  scope->entered = 0;
  deadline *d = scope->timer;
  scope->timer = NULL;
  if (d) {
    if (d->expired) scope->expired = 1;
    ac__owned_remove(&d->owned);
    deadline_free(d);
  }
  if (!scope->expired) return 0;
  /* Another cancellation still outstanding wins over our own. */
  return ac_task_uncancel(&t->fut) > 0 ? -ECANCELED : -ETIMEDOUT;
}

int ac_timeout_is_expired(const ac_timeout_t *scope) {
  if (!scope) return ac__misuse(-EINVAL, "ac_timeout_is_expired", "the scope is NULL");
  if (scope->expired) return 1;
  /* A compact task's expiry is in its deadline, valid while its scope is
   * open (the scope of a task that finished may point at a freed one). */
  const ac__task *t = ac__cur ? ac__cur->current : NULL;
  const deadline *d = scope->timer;
  return t && t->compact && scope->entered && t->id == scope->task_id && d && d->expired;
}

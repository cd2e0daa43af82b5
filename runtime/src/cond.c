/* cond.c - ac_cond_t: wait for a notification with a lock released, and
 * hold the lock again on the way out, whatever happened. */
#include "sync_internal.h"

struct ac_cond_s {
  ac__sync s;      /* waiters: tasks waiting for a notification */
  ac_lock_t *lock; /* the lock it is bound to */
};

int ac_cond_create(ac_cond_t **cond, ac_lock_t *lock) {
  if (!lock) return ac__misuse(-EINVAL, "ac_cond_create", "the lock is NULL");
  int rc = ac__sync_create((void **)cond, sizeof **cond, "ac_cond_create");
  if (rc == 0) (*cond)->lock = lock;
  return rc;
}

static int wait_cond(ac_cond_t *c, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(c ? &c->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (!ac__lock_held_by(c->lock, t))
    return ac__misuse(-EPERM, fn, "the caller must hold the condition's lock");
  ac__lock_release(c->lock);
  ac__sync_waiter w;
  rc = ac__sync_wait(t, &c->s.waiters, &w, timeout_ms, "condition");
  /* Take the lock back even if cancelled meanwhile: the caller's code
   * after the wait expects to hold it. */
  int cancelled = 0;
  int again;
  while ((again = ac__lock_acquire(c->lock, t, AC_NO_TIMEOUT)) != 0) {
    if (again == -EOWNERDEAD) return again; /* nobody can ever hold it again */
    if (again == -ECANCELED) cancelled = 1;
  }
  if (cancelled && rc == 0) {
    ac__sync_grant_first(&c->s.waiters); /* our notification goes to another waiter */
    rc = -ECANCELED;
  }
  return cancelled ? -ECANCELED : rc;
}

int ac_cond_wait(ac_cond_t *c) { return wait_cond(c, AC_NO_TIMEOUT, "ac_cond_wait"); }

int ac_cond_wait_for(ac_cond_t *c, int64_t timeout_ms) {
  return wait_cond(c, timeout_ms, "ac_cond_wait_for");
}

/* Wait until PRED holds, within TIMEOUT_MS in all. */
static int wait_until(ac_cond_t *c, ac_predicate_fn pred, void *arg, int64_t timeout_ms,
                      const char *fn) {
  if (!pred) return ac__misuse(-EINVAL, fn, "the predicate is NULL");
  if (!c) return ac__misuse(-EINVAL, fn, "the condition is NULL");
  if (timeout_ms < 0 && timeout_ms != AC_NO_TIMEOUT)
    return ac__misuse(-EINVAL, fn, "negative timeout (%lld ms)", (long long)timeout_ms);
  int64_t deadline = timeout_ms == AC_NO_TIMEOUT ? 0 : ac_loop_time() + timeout_ms;
  while (!pred(arg)) {
    int64_t left = AC_NO_TIMEOUT;
    if (timeout_ms != AC_NO_TIMEOUT && (left = deadline - ac_loop_time()) <= 0) return -ETIMEDOUT;
    int rc = wait_cond(c, left, fn);
    if (rc) return rc;
  }
  return 0;
}

int ac_cond_wait_until(ac_cond_t *c, ac_predicate_fn pred, void *arg) {
  return wait_until(c, pred, arg, AC_NO_TIMEOUT, "ac_cond_wait_until");
}

int ac_cond_wait_until_for(ac_cond_t *c, ac_predicate_fn pred, void *arg, int64_t timeout_ms) {
  return wait_until(c, pred, arg, timeout_ms, "ac_cond_wait_until_for");
}

static ssize_t notify(ac_cond_t *c, size_t n, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(c ? &c->s : NULL, &t, AC_NO_TIMEOUT, 0, fn);
  if (rc) return rc;
  if (!t || !ac__lock_held_by(c->lock, t))
    return ac__misuse(-EPERM, fn, "the caller must hold the condition's lock");
  size_t woken = 0;
  while (woken < n && ac__sync_grant_first(&c->s.waiters)) woken++;
  return (ssize_t)woken;
}

ssize_t ac_cond_notify(ac_cond_t *c, size_t n) { return notify(c, n, "ac_cond_notify"); }

ssize_t ac_cond_notify_all(ac_cond_t *c) { return notify(c, SIZE_MAX, "ac_cond_notify_all"); }

int ac_cond_close(ac_cond_t *c) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(c ? &c->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_cond_close");
  if (rc) return rc;
  if (!ac__list_empty(&c->s.waiters))
    return ac__misuse(-EBUSY, "ac_cond_close", "tasks are waiting on the condition");
  ac__sync_free(&c->s);
  return 0;
}

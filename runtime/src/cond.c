/* cond.c - ac_cond_t: wait for a notification with a lock released, and
 * hold the lock again on the way out, whatever happened. */
#include "internal.h"

struct ac_cond_s {
  ac__sync s;       /* waiters: tasks waiting for a notification */
  ac_lock_t *lock;  /* the lock it is bound to */
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
  while ((again = ac__lock_acquire(c->lock, t, AC_NO_TIMEOUT)) != 0)
    if (again == -ECANCELED) cancelled = 1;
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

int ac_cond_wait_until(ac_cond_t *c, ac_predicate_fn pred, void *arg) {
  if (!pred) return ac__misuse(-EINVAL, "ac_cond_wait_until", "the predicate is NULL");
  while (!pred(arg)) {
    int rc = wait_cond(c, AC_NO_TIMEOUT, "ac_cond_wait_until");
    if (rc) return rc;
  }
  return 0;
}

static int notify(ac_cond_t *c, int n, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(c ? &c->s : NULL, &t, AC_NO_TIMEOUT, 0, fn);
  if (rc) return rc;
  if (!t || !ac__lock_held_by(c->lock, t))
    return ac__misuse(-EPERM, fn, "the caller must hold the condition's lock");
  int woken = 0;
  while (woken < n && ac__sync_grant_first(&c->s.waiters)) woken++;
  return woken;
}

int ac_cond_notify(ac_cond_t *c, int n) { return notify(c, n, "ac_cond_notify"); }

int ac_cond_notify_all(ac_cond_t *c) { return notify(c, 0x7fffffff, "ac_cond_notify_all"); }

int ac_cond_destroy(ac_cond_t *c) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(c ? &c->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_cond_destroy");
  if (rc) return rc;
  if (!ac__list_empty(&c->s.waiters))
    return ac__misuse(-EBUSY, "ac_cond_destroy", "tasks are waiting on the condition");
  ac__sync_free(&c->s);
  return 0;
}

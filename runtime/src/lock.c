/* lock.c - ac_lock_t: a FIFO lock handed from task to task on release. */
#include "internal.h"

struct ac_lock_s {
  ac__sync s;       /* waiters: tasks waiting to acquire */
  ac__task *owner;  /* the holder, or NULL */
};

int ac_lock_create(ac_lock_t **lock) {
  return ac__sync_create((void **)lock, sizeof **lock, "ac_lock_create");
}

/* Used by conditions too: T acquires L, waiting up to TIMEOUT_MS. */
int ac__lock_acquire(ac_lock_t *l, ac__task *t, int64_t timeout_ms) {
  if (!l->owner && ac__list_empty(&l->s.waiters)) {
    l->owner = t;
    return 0;
  }
  ac__sync_waiter w;
  return ac__sync_wait(t, &l->s.waiters, &w, timeout_ms, "lock");
  /* granted: the releaser made us the owner */
}

void ac__lock_release(ac_lock_t *l) {
  ac__sync_waiter *w = ac__sync_grant_first(&l->s.waiters);
  l->owner = w ? w->task : NULL;
}

int ac__lock_held_by(const ac_lock_t *l, const ac__task *t) { return l->owner == t; }

static int acquire(ac_lock_t *l, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(l ? &l->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (l->owner == t) return ac__misuse(-EDEADLK, fn, "this task already holds the lock");
  return ac__lock_acquire(l, t, timeout_ms);
}

int ac_lock_acquire(ac_lock_t *l) { return acquire(l, AC_NO_TIMEOUT, "ac_lock_acquire"); }

int ac_lock_acquire_for(ac_lock_t *l, int64_t timeout_ms) {
  return acquire(l, timeout_ms, "ac_lock_acquire_for");
}

int ac_lock_try_acquire(ac_lock_t *l) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(l ? &l->s : NULL, &t, AC_NO_TIMEOUT, 1, "ac_lock_try_acquire");
  if (rc) return rc;
  if (l->owner || !ac__list_empty(&l->s.waiters)) return -EAGAIN;
  l->owner = t;
  return 0;
}

int ac_lock_release(ac_lock_t *l) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(l ? &l->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_lock_release");
  if (rc) return rc;
  if (!l->owner || l->owner != t)
    return ac__misuse(-EPERM, "ac_lock_release",
                      l->owner ? "the lock is held by another task" : "the lock is not held");
  ac__lock_release(l);
  return 0;
}

int ac_lock_is_locked(const ac_lock_t *l) {
  return l ? l->owner != NULL : ac__misuse(-EINVAL, "ac_lock_is_locked", "the lock is NULL");
}

int ac_lock_close(ac_lock_t *l) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(l ? &l->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_lock_close");
  if (rc) return rc;
  if (l->owner || !ac__list_empty(&l->s.waiters))
    return ac__misuse(-EBUSY, "ac_lock_close", "the lock is held or has waiters");
  ac__sync_free(&l->s);
  return 0;
}

/* lock.c - ac_lock_t: a FIFO lock handed from task to task on release.
 *
 * The holder owns the lock (an ac__owned entry): a task that finishes
 * holding it leaves it broken, and every waiter and later acquire gets
 * -EOWNERDEAD, rather than the lock passing to whatever task reuses the
 * holder's structure. */
#include "sync_internal.h"

struct ac_lock_s {
  ac__sync s;                           /* waiters: tasks waiting to acquire */
  ac__task *owner;                      /* the holder, or NULL */
  ac__owned held;                       /* in the holder's owned list */
  int broken;                           /* its holder finished without releasing it */
  char broken_by[AC_TASK_NAME_MAX + 1]; /* that holder's name, for messages */
};

int ac_lock_create(ac_lock_t **lock) {
  return ac__sync_create((void **)lock, sizeof **lock, "ac_lock_create");
}

static void let_go(ac__owned *o, ac__task *t) {
  ac_lock_t *l = AC__CONTAINER(o, ac_lock_t, held);
  l->owner = NULL;
  l->broken = 1;
  ac__task_label(t, l->broken_by, sizeof l->broken_by);
  ac__misuse(-EOWNERDEAD, "task",
             "task '%s' finished holding a lock; the lock is broken: its "
             "waiters and every later acquire get -EOWNERDEAD",
             l->broken_by);
  ac__sync_wake_all(&l->s.waiters, -EOWNERDEAD);
}

static void set_owner(ac_lock_t *l, ac__task *t) {
  l->owner = t;
  if (t) ac__owned_add(t, &l->held, let_go);
}

static int refuse_broken(const ac_lock_t *l, const char *fn) {
  return ac__misuse(-EOWNERDEAD, fn, "the lock's holder, task '%s', finished without releasing it",
                    l->broken_by);
}

/* Used by conditions too: T acquires L, waiting up to TIMEOUT_MS. */
int ac__lock_acquire(ac_lock_t *l, ac__task *t, int64_t timeout_ms) {
  if (l->broken) return refuse_broken(l, "ac_lock_acquire");
  if (!l->owner && ac__list_empty(&l->s.waiters)) {
    set_owner(l, t);
    return 0;
  }
  ac__sync_waiter w;
  return ac__sync_wait(t, &l->s.waiters, &w, timeout_ms, "lock");
  /* granted: the releaser made us the owner */
}

void ac__lock_release(ac_lock_t *l) {
  ac__owned_remove(&l->held);
  ac__sync_waiter *w = ac__sync_grant_first(&l->s.waiters);
  set_owner(l, w ? w->task : NULL);
}

int ac__lock_held_by(const ac_lock_t *l, const ac__task *t) { return l->owner == t; }

static int acquire(ac_lock_t *l, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(l ? &l->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (l->owner == t) return ac__misuse(-EDEADLK, fn, "this task already holds the lock");
  if (l->broken) return refuse_broken(l, fn);
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
  if (l->broken) return refuse_broken(l, "ac_lock_try_acquire");
  if (l->owner || !ac__list_empty(&l->s.waiters)) return -EAGAIN;
  set_owner(l, t);
  return 0;
}

int ac_lock_release(ac_lock_t *l) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(l ? &l->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_lock_release");
  if (rc) return rc;
  if (l->broken)
    return ac__misuse(-EPERM, "ac_lock_release",
                      "nobody holds the lock: its holder, task '%s', "
                      "finished without releasing it",
                      l->broken_by);
  if (!l->owner || l->owner != t)
    return ac__misuse(-EPERM, "ac_lock_release",
                      l->owner ? "the lock is held by another task" : "the lock is not held");
  ac__lock_release(l);
  return 0;
}

int ac_lock_is_locked(const ac_lock_t *l) {
  if (!l) return ac__misuse(-EINVAL, "ac_lock_is_locked", "the lock is NULL");
  return l->owner != NULL || l->broken;
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

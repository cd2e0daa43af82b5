/* sem.c - ac_sem_t: counting semaphores; a released permit goes straight
 * to the longest waiter. */
#include "sync_internal.h"

struct ac_sem_s {
  ac__sync s;  /* waiters: tasks waiting for a permit */
  int value;   /* free permits */
  int initial; /* the bound, for a bounded semaphore */
  int bounded; /* 1: release may not exceed initial */
};

int ac_sem_create(ac_sem_t **sem, size_t value, int flags) {
  if (value > INT_MAX)
    return ac__misuse(-EINVAL, "ac_sem_create", "value %zu is over INT_MAX", value);
  if (flags & ~AC_SEM_BOUNDED)
    return ac__misuse(-EINVAL, "ac_sem_create", "unknown flags 0x%x", (unsigned)flags);
  int rc = ac__sync_create((void **)sem, sizeof **sem, "ac_sem_create");
  if (rc == 0) {
    (*sem)->value = (*sem)->initial = (int)value;
    (*sem)->bounded = (flags & AC_SEM_BOUNDED) != 0;
  }
  return rc;
}

static int acquire(ac_sem_t *m, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(m ? &m->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (m->value > 0 && ac__list_empty(&m->s.waiters)) {
    m->value--;
    return 0;
  }
  ac__sync_waiter w;
  return ac__sync_wait(t, &m->s.waiters, &w, timeout_ms, "semaphore");
}

int ac_sem_acquire(ac_sem_t *m) { return acquire(m, AC_NO_TIMEOUT, "ac_sem_acquire"); }

int ac_sem_acquire_for(ac_sem_t *m, int64_t timeout_ms) {
  return acquire(m, timeout_ms, "ac_sem_acquire_for");
}

int ac_sem_try_acquire(ac_sem_t *m) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(m ? &m->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_sem_try_acquire");
  if (rc) return rc;
  if (m->value == 0 || !ac__list_empty(&m->s.waiters)) return -EAGAIN;
  m->value--;
  return 0;
}

int ac_sem_release(ac_sem_t *m) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(m ? &m->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_sem_release");
  if (rc) return rc;
  if (ac__sync_grant_first(&m->s.waiters)) return 0; /* handed over */
  if (m->bounded && m->value >= m->initial)
    return ac__misuse(-EOVERFLOW, "ac_sem_release", "released more often than acquired (bound %d)",
                      m->initial);
  m->value++;
  return 0;
}

ssize_t ac_sem_value(const ac_sem_t *m) {
  return m ? m->value : ac__misuse(-EINVAL, "ac_sem_value", "the semaphore is NULL");
}

int ac_sem_close(ac_sem_t *m) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(m ? &m->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_sem_close");
  if (rc) return rc;
  if (!ac__list_empty(&m->s.waiters))
    return ac__misuse(-EBUSY, "ac_sem_close", "tasks are waiting on the semaphore");
  ac__sync_free(&m->s);
  return 0;
}

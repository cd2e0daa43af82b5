/* my_semaphore.c - chapter 04, exercise 3, reference solution: a counting
 * semaphore from a lock, a condition bound to it, and a count that only
 * the holder of the lock touches.
 */
#include "my_semaphore.h"

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct my_sem {
  ac_lock_t *lock; /* guards the two counts below */
  ac_cond_t *cond; /* bound to lock: "a permit may be free now" */
  int value;       /* free permits */
  int waiters;     /* tasks inside acquire, for destroy */
};

int my_sem_create(my_sem_t **sem, int value)
{
  if (sem == NULL)
    return -EINVAL;
  *sem = NULL;
  if (value < 0)
    return -EINVAL;

  my_sem_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return -ENOMEM;
  int rc = ac_lock_create(&s->lock);
  if (rc < 0) {
    free(s);
    return rc;
  }
  rc = ac_cond_create(&s->cond, s->lock);
  if (rc < 0) {
    ac_lock_close(s->lock);
    free(s);
    return rc;
  }
  s->value = value;
  *sem = s;
  return 0;
}

/* Both acquires: wait for a permit for at most @timeout_ms, or as long as
 * it takes with AC_NO_TIMEOUT. */
static int acquire(my_sem_t *sem, int64_t timeout_ms)
{
  if (sem == NULL || (timeout_ms < 0 && timeout_ms != AC_NO_TIMEOUT))
    return -EINVAL;
  /* A deadline, on the loop's clock (the one timers use): a wake-up that
   * finds no permit must wait only for the time left, not start over. */
  uint64_t deadline = timeout_ms == AC_NO_TIMEOUT ? 0 : ac_loop_time() + (uint64_t)timeout_ms;

  /* Nobody holds the lock across a wait (ac_cond_wait() lets go of it), so
   * this does not wait in practice; still, a cancellation here means we
   * never got in, and there is nothing to undo. */
  int rc = ac_lock_acquire(sem->lock);
  if (rc < 0)
    return rc;

  sem->waiters++;
  /* `while`, not `if`: being woken promises nothing. Between release's
   * notification and our getting the lock back, a task that did not have
   * to wait may have taken the permit ("barging"); then we wait again. */
  while (rc == 0 && sem->value == 0) {
    if (timeout_ms == AC_NO_TIMEOUT) {
      rc = ac_cond_wait(sem->cond);
    } else {
      uint64_t now = ac_loop_time();
      rc = now < deadline ? ac_cond_wait_for(sem->cond, (int64_t)(deadline - now)) : -ETIMEDOUT;
    }
  }
  sem->waiters--;

  /* Even cancelled or timed out, ac_cond_wait() came back holding the
   * lock. Take a permit only if the wait succeeded, and let go of the lock
   * in every case, or the next caller waits for it forever. A permit
   * released as we were cancelled is not lost either way: if the wait
   * returns 0, we take it (the cancellation reaches the task at its next
   * wait); if it returns -ECANCELED, ac_cond_wait() has passed the
   * notification on to the next waiter, which finds the permit there. */
  if (rc == 0)
    sem->value--;
  ac_lock_release(sem->lock);
  return rc;
}

int my_sem_acquire(my_sem_t *sem)
{
  return acquire(sem, AC_NO_TIMEOUT);
}

int my_sem_acquire_for(my_sem_t *sem, int64_t timeout_ms)
{
  return acquire(sem, timeout_ms);
}

int my_sem_release(my_sem_t *sem)
{
  if (sem == NULL)
    return -EINVAL;
  /* If taking the lock ever had to wait and the caller were cancelled
   * meanwhile, the permit must still be given back, or it would be lost
   * for good: try again, as ac_cond_wait() does, and pass the cancellation
   * on afterwards. */
  int cancelled = 0;
  int rc;
  while ((rc = ac_lock_acquire(sem->lock)) == -ECANCELED)
    cancelled = 1;
  if (rc < 0)
    return rc; /* -EPERM: not called from a task */

  sem->value++;
  /* One permit, one waiter: notify on every release, not only when the
   * count leaves 0, or the second of two releases in a row wakes nobody
   * while a waiter sleeps next to a free permit. */
  ac_cond_notify(sem->cond, 1);
  ac_lock_release(sem->lock);
  return cancelled ? -ECANCELED : 0;
}

int my_sem_value(const my_sem_t *sem)
{
  return sem != NULL ? sem->value : -EINVAL;
}

int my_sem_close(my_sem_t *sem)
{
  if (sem == NULL)
    return -EINVAL;
  /* A waiter would wake up in freed memory. */
  if (sem->waiters > 0)
    return -EBUSY;
  /* With no task inside acquire, nobody waits on the condition and nobody
   * holds the lock: neither destroy can refuse. */
  ac_cond_close(sem->cond);
  ac_lock_close(sem->lock);
  free(sem);
  return 0;
}

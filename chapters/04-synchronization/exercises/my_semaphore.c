/* my_semaphore.c - chapter 04, exercise 3: a counting semaphore built from
 * a lock and a condition.
 *
 * What to build: the functions of my_semaphore.h, from one ac_lock_t and
 * one ac_cond_t bound to it (not from ac_sem_t). Acquire takes the lock
 * and waits on the condition for as long as no permit is free; release
 * takes the lock, adds a permit and notifies one waiter. Keep in mind that
 * ac_cond_wait() holds the lock again when it returns, whatever happened,
 * cancellation and timeout included, and that a woken waiter may find the
 * permit already taken by a task that did not wait. Count the waiting
 * tasks yourself, for my_sem_close().
 *
 * What the tests check: bad arguments get -EINVAL; permits are counted,
 * and acquire does not wait while one is free; acquire waits for a
 * release; eight tasks on three permits never hold more than three at
 * once; two releases in a row wake two waiters; acquire_for gives
 * -ETIMEDOUT after its time, takes no permit and leaves the semaphore
 * usable; a cancelled waiter gets -ECANCELED and leaves no trace, and a
 * permit released as the waiter woken for it is cancelled is not lost;
 * close gets -EBUSY while a task waits, and 0 once none does.
 *
 * Grade it with: make grade CH=04 EX=my_semaphore
 */
#include "my_semaphore.h"

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

struct my_sem {
  /* TODO: the lock, the condition bound to it, the number of free permits
   * and the number of tasks waiting. */
  int todo;
};

int my_sem_create(my_sem_t **sem, int value)
{
  /* TODO: check the arguments, allocate the struct, create the lock and
   * the condition (cleaning up if one fails), set the count. */
  (void)value;
  if (sem != NULL)
    *sem = NULL;
  return -ENOSYS;
}

int my_sem_acquire(my_sem_t *sem)
{
  /* TODO: like my_sem_acquire_for() with no time limit. */
  (void)sem;
  return -ENOSYS;
}

int my_sem_acquire_for(my_sem_t *sem, int64_t timeout_ms)
{
  /* TODO: check the arguments; take the lock; wait on the condition while
   * no permit is free (only for the time left before the deadline); take
   * a permit only if the wait succeeded; let go of the lock in every
   * case. */
  (void)sem;
  (void)timeout_ms;
  return -ENOSYS;
}

int my_sem_release(my_sem_t *sem)
{
  /* TODO: take the lock (handle what ac_lock_acquire() returns), add a
   * permit, notify one waiter, let go of the lock. */
  (void)sem;
  return -ENOSYS;
}

int my_sem_value(const my_sem_t *sem)
{
  /* TODO: the number of free permits. */
  (void)sem;
  return -ENOSYS;
}

int my_sem_close(my_sem_t *sem)
{
  /* TODO: refuse while a task waits; otherwise close the condition and
   * the lock, and free the struct. */
  (void)sem;
  return -ENOSYS;
}

/* my_semaphore.h - chapter 04, exercise 3: a counting semaphore built from
 * a lock and a condition.
 *
 * The tests call these functions; you write them in my_semaphore.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef MY_SEMAPHORE_H
#define MY_SEMAPHORE_H

#include <ac.h>
#include <stdint.h>

/* [interface] */
/* A counting semaphore (`asyncio.Semaphore`): a number of free permits;
 * acquiring takes one, waiting while there is none, and releasing gives one
 * back. Build it from the runtime's lower primitives only: one ac_lock_t
 * and one ac_cond_t bound to it. Using ac_sem_t would skip the exercise:
 * don't. You define `struct my_sem` in my_semaphore.c.
 *
 * Call every function from inside a task of the loop the semaphore was
 * created in (my_sem_create() and my_sem_value() need only the loop). A
 * woken waiter is not promised the permit it was woken for: a task that
 * comes along meanwhile may take it first, and the waiter waits again.
 * Waiters are therefore not served strictly in arrival order. */
typedef struct my_sem my_sem_t;

/* Create a semaphore with @value free permits and store it in *@sem.
 * Returns 0; -EINVAL if @sem is NULL or @value is negative; -ENOMEM; an
 * error of ac_lock_create() or ac_cond_create(). On any error, *@sem is
 * set to NULL (if @sem is not NULL) and nothing is left allocated. */
int my_sem_create(my_sem_t **sem, int value);

/* Take a permit, waiting while none is free. Returns 0 once the caller
 * holds one; -ECANCELED if the caller is cancelled while it waits (it then
 * holds no permit, and the semaphore can be used by others as before);
 * -EINVAL if @sem is NULL. */
int my_sem_acquire(my_sem_t *sem);

/* my_sem_acquire() giving up after @timeout_ms milliseconds (0: only if a
 * permit is free now; AC_NO_TIMEOUT: wait as long as it takes). A wait
 * that is woken but finds no permit goes on only for the time left.
 * Returns as my_sem_acquire(), and -ETIMEDOUT once the time is up without
 * a permit (none is taken); -EINVAL for a negative @timeout_ms other than
 * AC_NO_TIMEOUT. */
int my_sem_acquire_for(my_sem_t *sem, int64_t timeout_ms);

/* Give a permit back and wake one waiter, if any. There is no upper bound:
 * releasing more often than acquiring raises the count above its initial
 * value. Returns 0; -ECANCELED if the caller was cancelled while it waited
 * for the lock (the permit is given back all the same: the error only
 * passes the cancellation on); -EINVAL if @sem is NULL. */
int my_sem_release(my_sem_t *sem);

/* The number of free permits. Returns it; -EINVAL if @sem is NULL. */
int my_sem_value(const my_sem_t *sem);

/* Free the semaphore, its condition and its lock. Returns 0; -EBUSY while
 * a task waits in my_sem_acquire() or my_sem_acquire_for() (nothing is
 * freed then); -EINVAL if @sem is NULL. */
int my_sem_close(my_sem_t *sem);
/* [interface] */

#endif

/* ac/sync.h - synchronization between tasks: locks, events, conditions,
 * semaphores and queues. */
#ifndef AC_SYNC_H
#define AC_SYNC_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup sync Synchronization
 * Primitives for tasks of one loop (they are not for threads: see the
 * executor for those). Each is created with its `_create` call and freed
 * with its `_close` call; whatever is left is freed when the loop closes.
 *
 * Every waiting call comes in two forms: one that waits as long as it takes,
 * and one ending in `_for` that gives up after a number of milliseconds with
 * `-ETIMEDOUT`. Both return `-ECANCELED` when the waiting task is cancelled,
 * and a cancelled or timed-out waiter leaves no trace: it is off every wait
 * list, holds nothing, and an item or permit handed to it in the same step
 * goes to the next waiter instead of being lost. Waiters are served first
 * come, first served.
 * @{
 */

/** A mutual-exclusion lock (`asyncio.Lock`). Not reentrant. It is held by
 *  a task: one that finishes holding it leaves it broken (reported), and
 *  its waiters and every later acquire get `-EOWNERDEAD`; only
 *  ac_lock_close() is left to do with it. */
typedef struct ac_lock_s ac_lock_t;
/** A flag tasks can wait for (`asyncio.Event`). */
typedef struct ac_event_s ac_event_t;
/** A condition variable bound to a lock (`asyncio.Condition`). */
typedef struct ac_cond_s ac_cond_t;
/** A counting semaphore, optionally bounded (`asyncio.Semaphore`,
 *  `asyncio.BoundedSemaphore`). */
typedef struct ac_sem_s ac_sem_t;
/** A queue of pointers: FIFO, LIFO or by priority (`asyncio.Queue`,
 *  `LifoQueue`, `PriorityQueue`). */
typedef struct ac_queue_s ac_queue_t;

/* ---- Lock ---------------------------------------------------------------- */

/**
 * Create an unlocked lock.
 * @param lock receives the new lock; close it with ac_lock_close().
 * @return 0; `-EINVAL` if @p lock is NULL; `-EPERM`/`-ENOENT` without a
 *         loop in this thread; `-ENOMEM`.
 */
int ac_lock_create(ac_lock_t **lock);

/**
 * Acquire the lock, waiting if another task holds it. A released lock goes
 * to the task that has waited longest; a task that did not wait cannot take
 * it first.
 * @param lock the lock.
 * @return 0; `-ECANCELED`; `-EDEADLK` if the caller already holds it;
 *         `-EOWNERDEAD` if its holder finished without releasing it;
 *         `-EINVAL` if @p lock is NULL; `-EPERM` outside a task.
 */
int ac_lock_acquire(ac_lock_t *lock);

/**
 * ac_lock_acquire() giving up after @p timeout_ms.
 * @param lock       the lock.
 * @param timeout_ms the longest wait in milliseconds, or ::AC_NO_TIMEOUT.
 * @return as ac_lock_acquire(), and `-ETIMEDOUT`; `-EINVAL` for a negative
 *         timeout (other than ::AC_NO_TIMEOUT).
 */
int ac_lock_acquire_for(ac_lock_t *lock, int64_t timeout_ms);

/**
 * Acquire the lock only if that needs no waiting.
 * @param lock the lock.
 * @return 0; `-EAGAIN` if it is held or tasks are waiting for it;
 *         `-EOWNERDEAD` if its holder finished without releasing it;
 *         `-EINVAL`; `-EPERM` outside a task.
 */
int ac_lock_try_acquire(ac_lock_t *lock);

/**
 * Release the lock, handing it to the longest waiter if there is one.
 * @param lock the lock, held by the caller.
 * @return 0; `-EPERM` if the caller does not hold it (also when it is
 *         broken); `-EINVAL`.
 */
int ac_lock_release(ac_lock_t *lock);

/**
 * Whether the lock is held.
 * @param lock the lock.
 * @return 1 if held (or broken), 0 if not; `-EINVAL` for NULL.
 */
int ac_lock_is_locked(const ac_lock_t *lock);

/**
 * Close (free) a lock.
 * @param lock the lock.
 * @return 0; `-EBUSY` if it is held or has waiters; `-EINVAL`.
 */
int ac_lock_close(ac_lock_t *lock);

/* ---- Event --------------------------------------------------------------- */

/**
 * Create an event, initially not set.
 * @param event receives the new event; close it with ac_event_close().
 * @return 0; `-EINVAL`; `-ENOMEM`.
 */
int ac_event_create(ac_event_t **event);

/**
 * Set the event and wake every task waiting for it.
 * @param event the event.
 * @return 0; `-EINVAL` if @p event is NULL.
 */
int ac_event_set(ac_event_t *event);

/**
 * Clear the event.
 * @param event the event.
 * @return 0; `-EINVAL`.
 */
int ac_event_clear(ac_event_t *event);

/** Whether the event is set. @param event the event. @return 1 or 0; `-EINVAL` for NULL. */
int ac_event_is_set(const ac_event_t *event);

/**
 * Wait until the event is set (at once if it is).
 * @param event the event.
 * @return 0; `-ECANCELED`; `-EINVAL`; `-EPERM` outside a task.
 */
int ac_event_wait(ac_event_t *event);

/**
 * ac_event_wait() giving up after @p timeout_ms.
 * @param event      the event.
 * @param timeout_ms the longest wait in milliseconds, or ::AC_NO_TIMEOUT.
 * @return as ac_event_wait(), and `-ETIMEDOUT`.
 */
int ac_event_wait_for(ac_event_t *event, int64_t timeout_ms);

/** Close (free) an event. @param event the event. @return 0; `-EBUSY` if tasks wait for it;
 * `-EINVAL`. */
int ac_event_close(ac_event_t *event);

/* ---- Condition ----------------------------------------------------------- */

/**
 * A test for ac_cond_wait_until(): nonzero when the wait is over.
 * @param arg the pointer given to ac_cond_wait_until() with the test.
 */
typedef int (*ac_predicate_fn)(void *arg);

/**
 * Create a condition bound to @p lock (which the program keeps owning).
 * @param cond receives the new condition; close it with ac_cond_close().
 * @param lock the lock its waiters hold; the program keeps owning it.
 * @return 0; `-EINVAL` if an argument is NULL; `-ENOMEM`.
 */
int ac_cond_create(ac_cond_t **cond, ac_lock_t *lock);

/**
 * Release the lock, wait to be notified, and acquire the lock again.
 * The lock is held again when this returns, whatever the outcome,
 * including cancellation.
 * @param cond the condition, whose lock the caller holds.
 * @return 0; `-ECANCELED`; `-EPERM` if the caller does not hold the lock or
 *         is not a task; `-EINVAL`.
 */
int ac_cond_wait(ac_cond_t *cond);

/**
 * ac_cond_wait() giving up after @p timeout_ms (the lock is still
 * re-acquired).
 * @param cond       the condition, whose lock the caller holds.
 * @param timeout_ms the longest wait in milliseconds, or ::AC_NO_TIMEOUT.
 * @return as ac_cond_wait(), and `-ETIMEDOUT`.
 */
int ac_cond_wait_for(ac_cond_t *cond, int64_t timeout_ms);

/**
 * Wait until @p pred(@p arg) is true (asyncio's `Condition.wait_for`):
 * tests it first, then after each notification, always with the lock held.
 * @param cond the condition.
 * @param pred the test; must not be NULL.
 * @param arg  passed to @p pred.
 * @return 0 when the predicate holds; as ac_cond_wait() otherwise.
 */
int ac_cond_wait_until(ac_cond_t *cond, ac_predicate_fn pred, void *arg);

/**
 * ac_cond_wait_until() giving up after @p timeout_ms in all (the lock is
 * still re-acquired).
 * @param cond       the condition.
 * @param pred       the test; must not be NULL.
 * @param arg        passed to @p pred.
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @return as ac_cond_wait_until(), and `-ETIMEDOUT`.
 */
int ac_cond_wait_until_for(ac_cond_t *cond, ac_predicate_fn pred, void *arg, int64_t timeout_ms);

/**
 * Wake up to @p n waiters (they run once they get the lock).
 * @param cond the condition.
 * @param n    the most waiters to wake.
 * @return the number woken; `-EPERM` if the caller does not hold the lock;
 *         `-EINVAL`.
 */
ssize_t ac_cond_notify(ac_cond_t *cond, size_t n);

/** Wake every waiter. @param cond the condition. @return as ac_cond_notify(). */
ssize_t ac_cond_notify_all(ac_cond_t *cond);

/** Close (free) a condition, not its lock. @param cond the condition. @return 0; `-EBUSY` if tasks
 * wait; `-EINVAL`. */
int ac_cond_close(ac_cond_t *cond);

/* ---- Semaphore ----------------------------------------------------------- */

/** Flag of ac_sem_create(): refuse releases above the initial value. */
#define AC_SEM_BOUNDED 1

/**
 * Create a semaphore with @p value permits. A bounded one refuses to be
 * released above its initial value (`BoundedSemaphore`).
 * @param sem   receives the semaphore.
 * @param value the permits it starts with (at most `INT_MAX`).
 * @param flags 0, or ::AC_SEM_BOUNDED for a bounded semaphore.
 * @return 0; `-EINVAL` for a NULL pointer, a value over `INT_MAX` or unknown
 *         flags; `-ENOMEM`.
 */
int ac_sem_create(ac_sem_t **sem, size_t value, int flags);

/**
 * Take a permit, waiting while there is none.
 * @param sem the semaphore.
 * @return 0; `-ECANCELED`; `-EINVAL`; `-EPERM` outside a task.
 */
int ac_sem_acquire(ac_sem_t *sem);

/**
 * ac_sem_acquire() giving up after @p timeout_ms.
 * @param sem        the semaphore.
 * @param timeout_ms the longest wait in milliseconds, or ::AC_NO_TIMEOUT.
 * @return as ac_sem_acquire(), and `-ETIMEDOUT`.
 */
int ac_sem_acquire_for(ac_sem_t *sem, int64_t timeout_ms);

/**
 * Take a permit only if one is free and nobody waits.
 * @param sem the semaphore.
 * @return 0; `-EAGAIN`; `-EINVAL`.
 */
int ac_sem_try_acquire(ac_sem_t *sem);

/**
 * Give a permit back, to the longest waiter if there is one.
 * @param sem the semaphore.
 * @return 0; `-EOVERFLOW` if a bounded semaphore would exceed its initial
 *         value; `-EINVAL`.
 */
int ac_sem_release(ac_sem_t *sem);

/** The number of free permits. @param sem the semaphore. @return it, or `-EINVAL`. */
ssize_t ac_sem_value(const ac_sem_t *sem);

/** Close (free) a semaphore. @param sem the semaphore. @return 0; `-EBUSY` if tasks wait;
 * `-EINVAL`. */
int ac_sem_close(ac_sem_t *sem);

/* ---- Queue --------------------------------------------------------------- */

/** The order in which a queue gives its items back. */
typedef enum {
  AC_QUEUE_FIFO = 0, /**< first in, first out (`asyncio.Queue`) */
  AC_QUEUE_LIFO,     /**< last in, first out (`asyncio.LifoQueue`) */
  AC_QUEUE_PRIORITY  /**< smallest first by a comparison (`asyncio.PriorityQueue`);
                          equal items in the order they were put */
} ac_queue_kind_t;

/**
 * Comparison for a priority queue: negative when @p a comes before @p b.
 * @param a an item of the queue.
 * @param b another item of the queue.
 */
typedef int (*ac_compare_fn)(const void *a, const void *b);

/**
 * Create a queue.
 * @param queue   receives the queue.
 * @param kind    the order: see ::ac_queue_kind_t.
 * @param maxsize the most items it holds (put waits when full); 0 for no limit.
 * @param compare the order of a priority queue; NULL for the others.
 * @return 0; `-EINVAL` for a NULL pointer, an unknown kind, a maxsize over
 *         `INT_MAX`, or a priority queue without @p compare; `-ENOMEM`.
 */
int ac_queue_create(ac_queue_t **queue, ac_queue_kind_t kind, size_t maxsize,
                    ac_compare_fn compare);

/**
 * Add an item, waiting while the queue is full.
 * @param queue the queue.
 * @param item  the item: any pointer, which the queue does not own.
 * @return 0; `-ECANCELED`; `-ESHUTDOWN` once the queue is shut down;
 *         `-EINVAL`; `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_queue_put(ac_queue_t *queue, void *item);

/**
 * ac_queue_put() giving up after @p timeout_ms.
 * @param queue      the queue.
 * @param item       the item.
 * @param timeout_ms the longest wait in milliseconds, or ::AC_NO_TIMEOUT.
 * @return as ac_queue_put(), and `-ETIMEDOUT`.
 */
int ac_queue_put_for(ac_queue_t *queue, void *item, int64_t timeout_ms);

/**
 * Add an item only if there is room.
 * @param queue the queue.
 * @param item  the item.
 * @return 0; `-EAGAIN` if full; `-ESHUTDOWN`; `-EINVAL`; `-ENOMEM`.
 */
int ac_queue_try_put(ac_queue_t *queue, void *item);

/**
 * Take the next item, waiting while the queue is empty.
 * @param queue the queue.
 * @param item receives it.
 * @return 0; `-ECANCELED`; `-ESHUTDOWN` once the queue is shut down and
 *         empty; `-EINVAL`; `-EPERM` outside a task.
 */
int ac_queue_get(ac_queue_t *queue, void **item);

/**
 * ac_queue_get() giving up after @p timeout_ms.
 * @param queue      the queue.
 * @param item       receives the item.
 * @param timeout_ms the longest wait in milliseconds, or ::AC_NO_TIMEOUT.
 * @return as ac_queue_get(), and `-ETIMEDOUT`.
 */
int ac_queue_get_for(ac_queue_t *queue, void **item, int64_t timeout_ms);

/**
 * Take the next item only if there is one.
 * @param queue the queue.
 * @param item  receives the item.
 * @return 0; `-EAGAIN` if empty; `-ESHUTDOWN`; `-EINVAL`.
 */
int ac_queue_try_get(ac_queue_t *queue, void **item);

/**
 * Tell the queue that an item taken from it has been dealt with, for
 * ac_queue_join().
 * @param queue the queue.
 * @return 0; `-EINVAL` if called more times than items were put.
 */
int ac_queue_task_done(ac_queue_t *queue);

/**
 * Wait until every item put has been marked done with ac_queue_task_done().
 * @param queue the queue.
 * @return 0; `-ECANCELED`; `-EINVAL`; `-EPERM` outside a task.
 */
int ac_queue_join(ac_queue_t *queue);

/**
 * ac_queue_join() giving up after @p timeout_ms.
 * @param queue      the queue.
 * @param timeout_ms the longest wait, or ::AC_NO_TIMEOUT.
 * @return as ac_queue_join(), and `-ETIMEDOUT`.
 */
int ac_queue_join_for(ac_queue_t *queue, int64_t timeout_ms);

/** Flag of ac_queue_shutdown(): discard the items left (`shutdown(immediate=True)`). */
#define AC_QUEUE_SHUTDOWN_IMMEDIATE 1

/**
 * Shut the queue down: further puts fail with `-ESHUTDOWN`, and so do gets
 * once the queue is empty. Every waiting task is woken. With
 * ::AC_QUEUE_SHUTDOWN_IMMEDIATE, the items left are discarded (and counted
 * as done for ac_queue_join()).
 * @param queue the queue.
 * @param flags 0 or ::AC_QUEUE_SHUTDOWN_IMMEDIATE.
 * @return 0; `-EINVAL` for NULL or unknown flags.
 */
int ac_queue_shutdown(ac_queue_t *queue, int flags);

/** Number of items in the queue. @param queue the queue. @return it, or `-EINVAL`. */
ssize_t ac_queue_size(const ac_queue_t *queue);

/** Whether the queue is empty. @param queue the queue. @return 1 or 0; `-EINVAL` for NULL. */
int ac_queue_is_empty(const ac_queue_t *queue);

/** Whether the queue is full (never, without a maxsize). @param queue the queue. @return 1 or 0;
 * `-EINVAL` for NULL. */
int ac_queue_is_full(const ac_queue_t *queue);

/** Close (free) a queue, not its items. @param queue the queue. @return 0; `-EBUSY` if tasks wait;
 * `-EINVAL`. */
int ac_queue_close(ac_queue_t *queue);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_SYNC_H */

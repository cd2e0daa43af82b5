/* sync_internal.h - what every synchronization primitive shares (sync.c),
 * and the lock as conditions use it (lock.c). */
#ifndef AC_SYNC_INTERNAL_H
#define AC_SYNC_INTERNAL_H

#include "task_internal.h"

typedef struct ac__sync {
  ac__resource res; /* freed with the loop if the program did not */
  ac__loop *loop;   /* the loop it belongs to */
  ac__list waiters; /* ac__sync_waiter entries, longest waiting first */
} ac__sync;

typedef struct ac__sync_waiter {
  ac__list link;  /* in a wait list */
  ac__task *task; /* who waits */
  void *item;     /* a queue item handed over (get) or waiting to go in (put) */
  int granted;    /* 1: what it waited for was handed to it */
} ac__sync_waiter;

/* Allocate SIZE bytes starting with an ac__sync and track it; FN for messages. */
int ac__sync_create(void **out, size_t size, const char *fn);
/* Untrack and free. */
void ac__sync_free(ac__sync *s);
/* Check S, the thread, the timeout, and (if NEED_TASK) get the current task. */
int ac__sync_begin(const ac__sync *s, ac__task **t, int64_t timeout_ms, int need_task,
                   const char *fn);
/* Wait on LIST until granted (0), timed out, cancelled or woken with an
 * error; the waiter is off LIST when this returns. */
int ac__sync_wait(ac__task *t, ac__list *list, ac__sync_waiter *w, int64_t timeout_ms,
                  const char *what);
/* Grant the longest waiter on LIST that can still be woken; NULL if none.
 * Waiters already woken (cancelled, timed out) are passed over. */
ac__sync_waiter *ac__sync_grant_first(ac__list *list);
/* Wake every waiter on LIST with VALUE (0 grants). Returns how many woke. */
int ac__sync_wake_all(ac__list *list, int value);

/* lock.c, for conditions: acquire as task T; release; ownership. */
int ac__lock_acquire(ac_lock_t *l, ac__task *t, int64_t timeout_ms);
void ac__lock_release(ac_lock_t *l);
int ac__lock_held_by(const ac_lock_t *l, const ac__task *t);

#endif /* AC_SYNC_INTERNAL_H */

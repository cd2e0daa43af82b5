/* rate_limiter.c - chapter 04, exercise 2, reference solution: a semaphore
 * of @limit permits, each given back by a timer @period_ms after it was
 * taken.
 */
#include "rate_limiter.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* One place in the window while it is taken: the timer that frees it. */
typedef struct {
  rate_limiter_t *owner;
  ac_handle_t *timer; /* pending timer, or NULL while the place is free */
} place_t;

struct rate_limiter {
  ac_sem_t *permits; /* one permit per free place */
  int64_t period_ms;
  int limit;
  place_t *places; /* @limit of them: a permit taken has one */
  int inside;      /* tasks inside rate_limiter_acquire() */
};

/* A place's time is up: give its permit back. */
static void on_place_expired(void *arg)
{
  place_t *p = arg;

  /* The handle has run; closing it here, in its own callback, is allowed
   * and gives it back to the runtime. */
  ac_handle_close(p->timer);
  p->timer = NULL;
  /* The semaphore hands the permit straight to its longest waiter, so a
   * newcomer cannot take it first. */
  (void)ac_sem_release(p->owner->permits);
}

int rate_limiter_create(rate_limiter_t **limiter, int limit, int64_t period_ms)
{
  if (limiter == NULL)
    return -EINVAL;
  *limiter = NULL;
  if (limit < 1 || period_ms < 1)
    return -EINVAL;

  rate_limiter_t *l = calloc(1, sizeof *l);
  if (l == NULL)
    return -ENOMEM;
  l->places = calloc((size_t)limit, sizeof *l->places);
  /* Bounded: a permit given back twice would be a bug, and the semaphore
   * says so (-EOVERFLOW) instead of widening the window. */
  int rc = l->places != NULL ? ac_sem_create(&l->permits, limit, AC_SEM_BOUNDED) : -ENOMEM;
  if (rc < 0) {
    free(l->places);
    free(l);
    return rc;
  }
  l->period_ms = period_ms;
  l->limit = limit;
  for (int i = 0; i < limit; i++)
    l->places[i].owner = l;
  *limiter = l;
  return 0;
}

int rate_limiter_acquire(rate_limiter_t *limiter)
{
  if (limiter == NULL)
    return -EINVAL;

  /* Counted for destroy: a task handed a permit is no longer on the
   * semaphore's wait list, but it has not run yet and still needs us. */
  limiter->inside++;
  int rc = ac_sem_acquire(limiter->permits);
  if (rc == 0) {
    /* Each permit taken has its place; this one has none yet, so at least
     * one place is free. No suspension between here and the return, so
     * nothing can come in between. */
    place_t *p = limiter->places;
    while (p->timer != NULL)
      p++;
    rc = ac_loop_call_later(limiter->period_ms, on_place_expired, p, &p->timer);
    if (rc < 0) /* no timer: give the place back at once */
      (void)ac_sem_release(limiter->permits);
  }
  /* On -ECANCELED the semaphore took no permit: the waiters behind move up
   * and no place was used. */
  limiter->inside--;
  return rc;
}

int rate_limiter_close(rate_limiter_t *limiter)
{
  if (limiter == NULL)
    return -EINVAL;
  if (limiter->inside > 0)
    return -EBUSY;

  /* A timer left armed would run on_place_expired() on freed memory. */
  for (int i = 0; i < limiter->limit; i++)
    if (limiter->places[i].timer != NULL)
      ac_handle_close(limiter->places[i].timer);
  /* Nobody waits, so this cannot refuse. */
  (void)ac_sem_close(limiter->permits);
  free(limiter->places);
  free(limiter);
  return 0;
}

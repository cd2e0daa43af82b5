/* host_limiter.c - chapter 06, exercise 2, reference solution: a semaphore
 * per host and one for all, taken in that order.
 */
#include "host_limiter.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A host someone holds or waits for. */
typedef struct host {
  struct host *next;
  char *name;
  ac_sem_t *places; /* per_host_limit permits; hands them over in arrival order */
  size_t users;     /* holders and waiters: at 0 the host is forgotten */
  size_t held;      /* holders, so that a release without an acquire is caught */
} host_t;

struct host_limiter {
  ac_sem_t *global;
  size_t per_host_limit;
  host_t *hosts;
};

int host_limiter_create(host_limiter_t **out, size_t global_limit, size_t per_host_limit)
{
  if (out == NULL || global_limit == 0 || per_host_limit == 0)
    return -EINVAL;
  host_limiter_t *l = calloc(1, sizeof *l);
  if (l == NULL)
    return -ENOMEM;
  int rc = ac_sem_create(&l->global, global_limit, AC_SEM_BOUNDED);
  if (rc < 0) {
    free(l);
    return rc;
  }
  l->per_host_limit = per_host_limit;
  *out = l;
  return 0;
}

static host_t **find(host_limiter_t *l, const char *name)
{
  host_t **at = &l->hosts;
  while (*at != NULL && strcmp((*at)->name, name) != 0)
    at = &(*at)->next;
  return at;
}

/* One user fewer; the last one out forgets the host. */
static void leave(host_limiter_t *l, host_t *h)
{
  if (--h->users > 0)
    return;
  host_t **at = find(l, h->name);
  *at = h->next;
  ac_sem_close(h->places);
  free(h->name);
  free(h);
}

int host_limiter_acquire(host_limiter_t *l, const char *name)
{
  if (l == NULL || name == NULL)
    return -EINVAL;
  host_t **at = find(l, name);
  host_t *h = *at;
  if (h == NULL) {
    h = calloc(1, sizeof *h);
    if (h == NULL || (h->name = strdup(name)) == NULL ||
        ac_sem_create(&h->places, l->per_host_limit, AC_SEM_BOUNDED) < 0) {
      if (h != NULL)
        free(h->name);
      free(h);
      return -ENOMEM;
    }
    *at = h;
  }
  h->users++;
  /* The host's place first: a task waiting for a busy host must not sit
   * on a global place that another host's request could use. */
  int rc = ac_sem_acquire(h->places);
  if (rc < 0) {
    leave(l, h);
    return rc;
  }
  rc = ac_sem_acquire(l->global);
  if (rc < 0) {
    ac_sem_release(h->places); /* cancelled: give the host's place back too */
    leave(l, h);
    return rc;
  }
  h->held++;
  return 0;
}

int host_limiter_release(host_limiter_t *l, const char *name)
{
  if (l == NULL || name == NULL)
    return -EINVAL;
  host_t *h = *find(l, name);
  if (h == NULL || h->held == 0)
    return -EINVAL;
  h->held--;
  ac_sem_release(l->global);
  ac_sem_release(h->places);
  leave(l, h);
  return 0;
}

ssize_t host_limiter_hosts(const host_limiter_t *l)
{
  if (l == NULL)
    return -EINVAL;
  ssize_t n = 0;
  for (const host_t *h = l->hosts; h != NULL; h = h->next)
    n++;
  return n;
}

int host_limiter_close(host_limiter_t *l)
{
  if (l == NULL)
    return 0;
  if (l->hosts != NULL)
    return -EBUSY;
  ac_sem_close(l->global);
  free(l);
  return 0;
}

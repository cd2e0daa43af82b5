/* host_limiter.c - chapter 06, exercise 2: at most N requests in flight in
 * all, and at most M to any one host.
 *
 * What to build: the functions of host_limiter.h. One ac_sem_t of
 * global_limit permits for all, and one ac_sem_t of per_host_limit permits
 * per host, made when a host is first asked for and closed when nobody
 * holds or waits for it any more (count its users). Acquire takes the
 * host's permit first, then a global one: a task waiting for a busy host
 * must not sit on a global place meanwhile. A cancelled acquire gives back
 * whatever it had taken. Release gives back both.
 *
 * What the tests check: bad arguments and releases of places never taken
 * get -EINVAL; the per-host and the global limits hold and are used; a
 * request for another host gets in at once while many wait for a busy
 * one; waiters for a host get in in the order they came; a waiter
 * cancelled in either wait keeps nothing; 500 hosts one after another
 * leave none behind; close refuses (-EBUSY) while the limiter is in use.
 *
 * Grade it with: make grade CH=06 EX=host_limiter
 */
#include "host_limiter.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* TODO: what the limiter holds: the global semaphore, the per-host limit,
 * and the hosts (a list is enough: a crawl talks to few hosts at once),
 * each with its name, its semaphore, its users and its holders. */
struct host_limiter {
  int todo;
};

int host_limiter_create(host_limiter_t **out, size_t global_limit, size_t per_host_limit)
{
  /* TODO: check the arguments, allocate, create the global semaphore. */
  (void)out;
  (void)global_limit;
  (void)per_host_limit;
  return -ENOSYS;
}

int host_limiter_acquire(host_limiter_t *limiter, const char *host)
{
  /* TODO: find or add the host, count a user, acquire its semaphore, then
   * the global one; undo on -ECANCELED. */
  (void)limiter;
  (void)host;
  return -ENOSYS;
}

int host_limiter_release(host_limiter_t *limiter, const char *host)
{
  /* TODO: -EINVAL for a host with no holder; release both semaphores;
   * forget the host when its last user leaves. */
  (void)limiter;
  (void)host;
  return -ENOSYS;
}

ssize_t host_limiter_hosts(const host_limiter_t *limiter)
{
  /* TODO: count the hosts kept. */
  (void)limiter;
  return -ENOSYS;
}

int host_limiter_close(host_limiter_t *limiter)
{
  /* TODO: -EBUSY while any host is kept; otherwise free everything. */
  (void)limiter;
  return -ENOSYS;
}

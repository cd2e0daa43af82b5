/* host_limiter.h - chapter 06, exercise 2: at most N requests in flight in
 * all, and at most M to any one host.
 *
 * The tests call these functions; you write them in host_limiter.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef HOST_LIMITER_H
#define HOST_LIMITER_H

#include <ac.h>
#include <stddef.h>

/* [interface] */
typedef struct host_limiter host_limiter_t;

/* Make a limiter in *@out that lets at most @global_limit holders in at
 * once, and at most @per_host_limit of them for the same host. Returns 0,
 * -EINVAL for a NULL @out or a limit of 0, -ENOMEM. */
int host_limiter_create(host_limiter_t **out, size_t global_limit, size_t per_host_limit);

/* Wait, from inside a task, until @host ("127.0.0.1:8080", any string:
 * two hosts are the same when the strings are) has a free place and a
 * global place is free, and take both. Waiters for one host are let in in
 * the order they came. A task waiting for a busy host holds no global
 * place meanwhile: other hosts' requests go ahead of it. Returns 0;
 * -ECANCELED if the task is cancelled while it waits (it then holds
 * nothing); -EINVAL for a NULL argument. */
int host_limiter_acquire(host_limiter_t *limiter, const char *host);

/* Give back the places taken for @host by one acquire. Returns 0, or
 * -EINVAL for a NULL argument or a host that holds no place. */
int host_limiter_release(host_limiter_t *limiter, const char *host);

/* How many hosts the limiter keeps track of now: those with a holder or a
 * waiter. A host nobody holds or waits for is forgotten, so a long crawl
 * over many hosts does not grow the limiter. -EINVAL for NULL. */
ssize_t host_limiter_hosts(const host_limiter_t *limiter);

/* Free the limiter. -EBUSY (and nothing freed) while a place is held or a
 * task waits; 0 otherwise; NULL is ignored (0). */
int host_limiter_close(host_limiter_t *limiter);
/* [interface] */

#endif

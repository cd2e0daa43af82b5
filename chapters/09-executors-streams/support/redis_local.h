/* redis_local.h - chapter 09's examples: a redis-server of their own, on a
 * free port of 127.0.0.1, without persistence, as a subprocess. */
#ifndef REDIS_LOCAL_H
#define REDIS_LOCAL_H

#include <ac.h>

/* Start redis-server and wait (5 s at most) until it accepts connections.
 * From a task. Returns 0 and the server and its port; a negative errno
 * (-ENOENT without redis-server, -ETIMEDOUT if it never listened). */
int redis_local_start(ac_process_t **server, int *port);

/* Kill and reap it (it keeps nothing). */
void redis_local_stop(ac_process_t *server);

/* An example's whole program: run DEMO on a connection to a redis-server
 * of its own, started and stopped around it; a failure is said with NAME.
 * Returns the exit status for main(). */
int redis_local_main(const char *name, int (*demo)(ac_redis_t *redis));

#endif /* REDIS_LOCAL_H */

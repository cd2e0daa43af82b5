/* host_loop.h - chapter 10, exercise 2: the runtime inside a host's loop.
 *
 * The tests call these functions; you write them in host_loop.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef HOST_LOOP_H
#define HOST_LOOP_H

#include <ac.h>

#include "host.h"

/* [interface] */
/* Open this thread's runtime loop and plug it into HOST, so that while
 * host_run(host) runs, the runtime's tasks, timers and I/O make progress
 * beside the host's own descriptors and timers: neither side waits for the
 * other, and an idle program sleeps in poll() instead of spinning.
 * Returns 0; -EINVAL for a NULL host; -EBUSY if this thread already has an
 * open loop (HOST is left as it was); another error of ac_loop_open(). */
int host_loop_attach(host_t *host);

/* Unplug the runtime from HOST and close the loop: the tasks still running
 * are cancelled and finished, everything the runtime holds is freed, and
 * HOST keeps nothing of it (no descriptor, no prepare hook), so it can go
 * on running its own events. Not from inside a task: from host code.
 * Returns 0; -EINVAL for a NULL host; -ENOENT if no loop is attached. */
int host_loop_detach(host_t *host);
/* [interface] */

#endif /* HOST_LOOP_H */

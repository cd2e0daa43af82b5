/* host_loop.c - chapter 10, exercise 2 (reference): the runtime inside a
 * host's loop.
 *
 * The host sleeps in poll() on its own descriptors and the runtime's backend
 * descriptor, for no longer than the runtime's next timer allows. Before
 * every sleep the prepare hook runs one turn of the runtime without waiting:
 * so whatever woke the host (the runtime's I/O, a timer of either side, a
 * host callback that made runtime work) is followed by a turn, and the
 * runtime never holds the host in a wait of its own.
 */
#include "host_loop.h"

#include <errno.h>

static int backend_fd = -1; /* watched in the host while attached */

/* The descriptor is readable: the turn runs in prepare, next. */
static void on_backend(host_t *host, int fd, void *arg)
{
  (void)host;
  (void)fd;
  (void)arg;
}

static int64_t before_wait(host_t *host, void *arg)
{
  (void)host;
  (void)arg;
  ac_loop_drive(AC_DRIVE_NOWAIT);
  int64_t wait;
  if (ac_loop_next_timeout(&wait) < 0)
    return -1;
  return wait; /* -1: only the backend descriptor can bring work */
}

int host_loop_attach(host_t *host)
{
  if (!host)
    return -EINVAL;
  int rc = ac_loop_open();
  if (rc < 0)
    return rc; /* -EBUSY: someone else's loop; the host is untouched */
  backend_fd = ac_loop_backend_fd();
  if (backend_fd < 0 || (rc = host_watch(host, backend_fd, on_backend, NULL)) < 0) {
    rc = backend_fd < 0 ? backend_fd : rc;
    backend_fd = -1;
    ac_loop_close();
    return rc;
  }
  host_set_prepare(host, before_wait, NULL);
  return 0;
}

int host_loop_detach(host_t *host)
{
  if (!host)
    return -EINVAL;
  if (backend_fd < 0 || !ac_loop_is_open())
    return -ENOENT;
  host_unwatch(host, backend_fd);
  host_set_prepare(host, NULL, NULL);
  backend_fd = -1;
  return ac_loop_close(); /* cancels and finishes the tasks left */
}

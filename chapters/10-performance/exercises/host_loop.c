/* host_loop.c - chapter 10, exercise 2: the runtime inside a host's loop.
 *
 * What to build: host_loop_attach() and host_loop_detach() of host_loop.h.
 * The host (support/host.h) is a poll() loop that watches descriptors, runs
 * timers, and asks a prepare hook before each wait how long it may sleep.
 * The runtime gives you what a host needs: ac_loop_backend_fd(), which is
 * readable when the runtime has I/O to handle; ac_loop_next_timeout(), how
 * long the host may sleep before the runtime has work; and
 * ac_loop_drive(AC_DRIVE_NOWAIT), one turn of the runtime that never waits.
 *
 * What the tests check: the runtime's timers fire on time while the host
 * has nothing else to do; the runtime's connections move data though no
 * timer is set; the host's own timers and descriptors are served at once
 * while a runtime task sleeps for seconds; an idle host wakes a handful of
 * times, not thousands; a host event can start runtime work; detach
 * cancels the tasks left, closes the loop and leaves the host clean; bad
 * calls get their errors.
 *
 * Grade it with: make grade CH=10 EX=host_loop
 */
#include "host_loop.h"

#include <errno.h>

int host_loop_attach(host_t *host)
{
  /* TODO: open the loop; watch its backend descriptor in the host; set a
   * prepare hook that runs one turn of the runtime without waiting and
   * then tells the host how long it may sleep. */
  (void)host;
  return -ENOSYS;
}

int host_loop_detach(host_t *host)
{
  /* TODO: take the descriptor and the hook out of the host, then close
   * the loop. */
  (void)host;
  return -ENOSYS;
}

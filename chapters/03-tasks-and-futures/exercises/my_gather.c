/* my_gather.c - chapter 03, exercise 1: build gather from futures.
 *
 * What to build: my_gather(), described in my_gather.h. Add a done callback
 * to every future; the callbacks count the finished ones and finish a
 * "gate" future of your own when the last one succeeds or the first one
 * fails. Await the gate. On failure (or when the caller is cancelled),
 * cancel what is still pending and wait until everything has finished.
 *
 * Careful: a done callback may run after the future finished but later
 * than you expect; whatever it touches must still exist then.
 *
 * What the tests check: results land at their index whatever the finishing
 * order; the waits overlap; the first failure is returned quickly and the
 * others are cancelled and finished; plain futures work as well as tasks;
 * a cancelled caller gets -ECANCELED and leaves nothing running; bad input
 * gets -EINVAL.
 *
 * Grade it with: make grade CH=03 EX=my_gather
 */
#include "my_gather.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* TODO: a small shared state (heap-allocated, so late callbacks can use it
 * safely), and the done callback. */

int my_gather(ac_future_t *const *futures, size_t n, void **results)
{
  /* TODO */
  (void)futures;
  (void)n;
  (void)results;
  return -ENOSYS;
}

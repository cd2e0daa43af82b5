/* race.c - chapter 03, exercise 3: first completed wins, losers cancelled.
 *
 * What to build: race(), described in race.h. Create all the tasks before
 * waiting for any; ac_future_wait() with AC_WAIT_FIRST_COMPLETED tells you when one
 * has finished and ac_future_is_done() which. Then cancel the rest, await each of
 * them so their cleanup runs before you return, and release every task.
 *
 * What the tests check: the fastest task wins and race() returns soon
 * after it; all tasks started before the winner finished; the losers were
 * cancelled and had finished their cleanup when race() returned, and no
 * task is left; the winner's error passes through; a cancelled caller gets
 * -ECANCELED and leaves nothing running; bad input gets -EINVAL.
 *
 * Grade it with: make grade CH=03 EX=race
 */
#include "race.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

int race(ac_task_fn const *fns, void *const *args, size_t n, size_t *winner, void **result)
{
  /* TODO: check the input, create the tasks (cleaning up if one fails). */
  /* TODO: wait for the first to finish, pick the lowest finished index. */
  /* TODO: cancel and await the others, release all, report the winner. */
  (void)fns;
  (void)args;
  (void)n;
  (void)winner;
  (void)result;
  return -ENOSYS;
}

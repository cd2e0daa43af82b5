/* ping_pong.c - chapter 01, exercise 2: an exact interleaving of two tasks.
 *
 * What to build: ping_pong(), described in ping_pong.h. One task writes
 * "ping", the other "pong", each with pp_log_write(), and they must take
 * strict turns: ping, pong, ping, pong... When one of them has no words
 * left, the other writes the rest of its words in a row.
 *
 * Tasks run one at a time and only hand the loop over where they suspend,
 * so the order is yours to decide: find the call that lets the other task
 * have its turn.
 *
 * What the tests check: the exact order of the words for equal and unequal
 * counts (including zero); that the pings come from one task and the pongs
 * from another, neither of them the caller; bad counts get -EINVAL and a
 * log too small gets -ENOSPC, with nothing written; both tasks have finished
 * when ping_pong() returns.
 *
 * Grade it with: make grade CH=01 EX=ping_pong
 */
#include "ping_pong.h"

#include <ac.h>
#include <errno.h>

/* TODO: a task function (ac_task_fn) for one player: what it needs (the log,
 * its word, how many times) can travel in a small struct passed as arg. */

int ping_pong(pp_log_t *log, int pings, int pongs)
{
  /* TODO: reject bad input before anything is written (see the header). */
  /* TODO: start the ping task, then the pong task. */
  /* TODO: await both, release both, and pass on the first error. */
  (void)log;
  (void)pings;
  (void)pongs;
  return -ENOSYS; /* not written yet */
}

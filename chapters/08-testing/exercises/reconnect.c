/* reconnect.c - chapter 08, exercise 2: reconnection you can test.
 *
 * What to build: reconnect() of reconnect.h, with no network in it: the
 * caller passes the attempt, so a test can pass a fake one. Time every
 * pause and deadline with the loop's clock (ac_task_sleep(), ac_timeout_t,
 * ac_loop_time()), never with the system's (usleep, clock_gettime): the
 * tests run under virtual time, where the loop's clock jumps straight to
 * the next deadline, and check the exact virtual instant of every attempt.
 *
 * What the tests check: a first attempt that succeeds returns at once; the
 * pauses double from first_delay_ms up to max_delay_ms (attempts at 0,
 * 100, 300, 700, 1500, 2500 ms for 100 and 1000); max_attempts failures
 * return the last error with no pause after it; an attempt that hangs is
 * cut at attempt_timeout_ms and counts as -ETIMEDOUT; no attempt starts
 * after give_up_ms; errors not worth retrying come back at once; a
 * cancelled caller returns -ECANCELED at once and leaves nothing running;
 * bad policies get -EINVAL.
 *
 * Grade it with: make grade CH=08 EX=reconnect
 */
#include "reconnect.h"

#include <errno.h>

int reconnect(const reconnect_policy_t *policy, reconnect_attempt_fn attempt, void *ctx,
              int *attempts)
{
  /* TODO: check the policy; then loop: one attempt inside a timeout
   * scope; stop on success, on an error not worth retrying, after
   * max_attempts, or when the next attempt would start after give_up_ms;
   * else sleep the pause and double it, up to max_delay_ms. */
  (void)policy;
  (void)attempt;
  (void)ctx;
  if (attempts)
    *attempts = 0;
  return -ENOSYS;
}

/* reconnect.h - chapter 08, exercise 2: reconnection you can test.
 *
 * The tests call this function; you write it in reconnect.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef RECONNECT_H
#define RECONNECT_H

#include <ac.h>
#include <stdint.h>

/* [interface] */
/* One connection attempt, given to reconnect() by its caller: a real one
 * connects to a server; a test's fake answers as the test says. It returns
 * 0 when connected, or a negative errno. It may suspend, and returns
 * -ECANCELED when its task is cancelled while it waits. */
typedef int (*reconnect_attempt_fn)(void *ctx);

typedef struct {
  int64_t first_delay_ms;     /* > 0: the pause after the first failed attempt */
  int64_t max_delay_ms;       /* >= first_delay_ms: each pause doubles the one before,
                                 up to this */
  int64_t attempt_timeout_ms; /* > 0: an attempt still running after this long is
                                 cancelled, and counts as failed with -ETIMEDOUT */
  int64_t give_up_ms;         /* > 0: no attempt starts later than this after the call */
  int max_attempts;           /* >= 1: attempts in all */
} reconnect_policy_t;

/* Call attempt(ctx) until it succeeds, pausing between attempts as the
 * policy says. From a task. A failure with -ECONNREFUSED, -ECONNRESET,
 * -EHOSTUNREACH, -ETIMEDOUT or -EAGAIN is worth another attempt; any other
 * error is returned at once. There is no pause after the last attempt:
 * when max_attempts have failed, or when the next attempt could not start
 * by give_up_ms, the last error comes back at once.
 *
 * Returns 0 when an attempt succeeded; the last attempt's error; -ECANCELED
 * if the caller was cancelled (during a pause or an attempt, which is
 * then cancelled too: nothing is left running); -EINVAL for a NULL policy
 * or attempt, or a field out of range. If attempts is not NULL, it
 * receives the number of attempts made. */
int reconnect(const reconnect_policy_t *policy, reconnect_attempt_fn attempt, void *ctx,
              int *attempts);
/* [interface] */

#endif /* RECONNECT_H */

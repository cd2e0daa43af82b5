/* fetch_with_retry.h - chapter 06, exercise 1: one HTTP request, tried
 * again on the failures that pass, with exponential backoff and jitter.
 *
 * The tests call fetch_with_retry(); you write it in fetch_with_retry.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef FETCH_WITH_RETRY_H
#define FETCH_WITH_RETRY_H

#include <ac.h>
#include <stdint.h>

/* [interface] */
/* How often and how patiently to try. */
typedef struct {
  int max_attempts;      /* tries in all, the first included (>= 1) */
  int64_t base_delay_ms; /* the wait before the first retry (>= 1) */
  int64_t max_delay_ms;  /* no wait is longer (>= base_delay_ms) */
} retry_policy_t;

/* Does a try that ended with @rc (ac_http_fetch()'s return) and @status
 * deserve another? Yes for a 5xx answer (the server is in trouble, maybe
 * for a moment) and for the failures of the way there: -ETIMEDOUT,
 * -ECONNREFUSED, -ECONNRESET, -EPIPE. No for everything else: any other
 * answer (2xx, 3xx, and 4xx: asking again gets the same "no"), and the
 * failures that would fail again (-EINVAL, -EPROTONOSUPPORT, -EFBIG,
 * -ELOOP, -EHOSTUNREACH...) or must not be retried (-ECANCELED). */
bool fetch_should_retry(int rc, long status);

/* The wait before retry number @retry (1 for the first retry) under
 * @policy: d = min(max_delay_ms, base_delay_ms * 2^(retry-1)), then a
 * random point of [d/2, d] ("equal jitter": never less than half the
 * backoff, so the waits grow, and spread, so that clients that failed
 * together do not come back together). Any random source will do. */
int64_t fetch_backoff_ms(const retry_policy_t *policy, int retry);

/* Perform @request with ac_http_fetch(), from inside a task, and try again
 * while fetch_should_retry() says so and @policy allows, waiting
 * fetch_backoff_ms() before each retry. The response of a try that is
 * retried is closed before the wait; @response receives the last try's.
 * *@attempts (if not NULL) receives how many tries were made.
 *
 * Returns the last try's result: 0 with @response filled (its status may
 * be a 4xx, or still a 5xx once the tries are used up), or ac_http_fetch()'s
 * error. -ECANCELED at once if the caller is cancelled, in a try or in a
 * wait, with nothing left open. -EINVAL, with no request made, for a NULL
 * @request, @response or @policy, or a policy out of the ranges above.
 * Close @response with ac_http_response_close() whatever this returns. */
int fetch_with_retry(const ac_http_request_t *request, const retry_policy_t *policy,
                     ac_http_response_t *response, int *attempts);
/* [interface] */

#endif

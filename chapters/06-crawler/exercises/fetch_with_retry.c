/* fetch_with_retry.c - chapter 06, exercise 1: one HTTP request, tried
 * again on the failures that pass, with exponential backoff and jitter.
 *
 * What to build: the three functions of fetch_with_retry.h.
 * fetch_should_retry() is the rule: 5xx answers and the failures of the
 * way there (-ETIMEDOUT, -ECONNREFUSED, -ECONNRESET, -EPIPE) deserve
 * another try; a 4xx or any other answer, and every other error, do not.
 * fetch_backoff_ms() is the wait: d = base * 2^(retry-1), capped at
 * max_delay_ms, then a random point of [d/2, d]. fetch_with_retry() calls
 * ac_http_fetch() in a loop: after a try that should be retried (and is
 * not the last), close its response, ac_task_sleep() the backoff, and go
 * again.
 *
 * What the tests check, at the server (tests/site.py's slow and flaky
 * peer counts every request and when it came): bad arguments get -EINVAL
 * with no request; a 200 takes one request; 404, 403, 410, 429 and 301 are
 * asked once; a page that answers 503 twice is asked three times; a page
 * that never answers is tried max_attempts times; the waits between tries
 * at least double (from half the base) and stop growing at the cap;
 * twelve clients that fail together come back spread out; a call
 * cancelled in a wait returns at once with nothing open and no further
 * try; and no response is left open (tests/fetch_watch.c counts them).
 *
 * Grade it with: make grade CH=06 EX=fetch_with_retry
 */
#include "fetch_with_retry.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

bool fetch_should_retry(int rc, long status)
{
  /* TODO: yes for a 5xx answer (rc == 0) and for the four transport
   * errors above; no for everything else. */
  (void)rc;
  (void)status;
  return false;
}

int64_t fetch_backoff_ms(const retry_policy_t *policy, int retry)
{
  /* TODO: double base_delay_ms (retry - 1) times without passing
   * max_delay_ms, then pick a point of [d/2, d] at random (rand_r() on a
   * state of your own). */
  (void)policy;
  (void)retry;
  return 0;
}

int fetch_with_retry(const ac_http_request_t *request, const retry_policy_t *policy,
                     ac_http_response_t *response, int *attempts)
{
  /* TODO: check the arguments (no request on bad ones); then try, and
   * while fetch_should_retry() says so and tries are left: close the
   * response, sleep the backoff (a cancelled sleep ends it all), try
   * again. Count the tries in *attempts. */
  (void)request;
  (void)policy;
  (void)response;
  (void)attempts;
  return -ENOSYS;
}

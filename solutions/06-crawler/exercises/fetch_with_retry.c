/* fetch_with_retry.c - chapter 06, exercise 1, reference solution: try
 * again on 5xx answers and on failures of the way there, waiting longer
 * each time, with jitter.
 */
#include "fetch_with_retry.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

bool fetch_should_retry(int rc, long status)
{
  switch (rc) {
  case 0: return status >= 500 && status <= 599;
  case -ETIMEDOUT:
  case -ECONNREFUSED:
  case -ECONNRESET:
  case -EPIPE: return true;
  default: return false; /* it would fail again, or it must not be retried (-ECANCELED) */
  }
}

/* A random number in [0, 1), from a generator of our own: each call gets
 * a new point, whoever else uses rand(). Seeded once from the clock. */
static double uniform(void)
{
  static unsigned state;
  static bool seeded;
  if (!seeded) {
    state = (unsigned)(ac_loop_time_precise() * 1000.0) ^ (unsigned)(uintptr_t)&state;
    seeded = true;
  }
  return rand_r(&state) / ((double)RAND_MAX + 1.0);
}

int64_t fetch_backoff_ms(const retry_policy_t *policy, int retry)
{
  int64_t d = policy->base_delay_ms;
  for (int i = 1; i < retry && d < policy->max_delay_ms; i++)
    d *= 2; /* doubling stops at the cap, so it never overflows */
  if (d > policy->max_delay_ms)
    d = policy->max_delay_ms;
  /* Equal jitter: half the backoff for sure, the other half at random. */
  return d / 2 + (int64_t)(uniform() * (double)(d - d / 2 + 1));
}

int fetch_with_retry(const ac_http_request_t *request, const retry_policy_t *policy,
                     ac_http_response_t *response, int *attempts)
{
  if (attempts != NULL)
    *attempts = 0;
  if (request == NULL || response == NULL || policy == NULL || policy->max_attempts < 1 ||
      policy->base_delay_ms < 1 || policy->max_delay_ms < policy->base_delay_ms)
    return -EINVAL;

  for (int attempt = 1;; attempt++) {
    int rc = ac_http_fetch(request, response);
    if (attempts != NULL)
      *attempts = attempt;
    if (attempt == policy->max_attempts || !fetch_should_retry(rc, response->status))
      return rc; /* the caller closes this one */
    /* This answer is not the last: give its memory back before waiting. */
    ac_http_response_close(response);
    int slept = ac_task_sleep(fetch_backoff_ms(policy, attempt));
    if (slept < 0)
      return slept; /* -ECANCELED: nothing open, the caller's close is harmless */
  }
}

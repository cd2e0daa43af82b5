/* fetch_watch.c - chapter 06's tests: ac_http_fetch() and
 * ac_http_response_close() counted on their way to the runtime. */
#include "fetch_watch.h"

#include <stdio.h>
#include <string.h>

fetch_watch_t fetch_watch;

int __real_ac_http_fetch(const ac_http_request_t *request, ac_http_response_t *response);
void __real_ac_http_response_close(ac_http_response_t *response);
int __wrap_ac_http_fetch(const ac_http_request_t *request, ac_http_response_t *response);
void __wrap_ac_http_response_close(ac_http_response_t *response);

static int holds_memory(const ac_http_response_t *r)
{
  return r != NULL && (r->body != NULL || r->headers != NULL);
}

int __wrap_ac_http_fetch(const ac_http_request_t *request, ac_http_response_t *response)
{
  fetch_watch.calls++;
  if (request != NULL && request->url != NULL && strncmp(request->url, "http://", 7) != 0 &&
      strncmp(request->url, "https://", 8) != 0 && fetch_watch.not_http++ == 0)
    snprintf(fetch_watch.first_not_http, sizeof fetch_watch.first_not_http, "%s", request->url);
  if (request != NULL && request->max_redirects >= 0)
    fetch_watch.redirects_by_curl++;
  if (request != NULL && request->timeout_ms <= 0)
    fetch_watch.no_timeout++;
  /* A response still holding memory is overwritten here: that memory is lost. */
  fetch_watch.in_flight++;
  int rc = __real_ac_http_fetch(request, response);
  fetch_watch.in_flight--;
  fetch_watch.open += holds_memory(response);
  return rc;
}

void __wrap_ac_http_response_close(ac_http_response_t *response)
{
  fetch_watch.open -= holds_memory(response);
  __real_ac_http_response_close(response);
}

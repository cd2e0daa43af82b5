/* ac/http.h - an awaitable HTTP client on libcurl. */
#ifndef AC_HTTP_H
#define AC_HTTP_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup http HTTP client
 * HTTP requests awaited from tasks (the `aiohttp` idea), on libcurl's
 * multi-socket interface driven by the runtime's loop: many requests run at
 * once, sharing one connection cache, and none blocks the loop. Cancelling
 * the waiting task removes its transfer and frees everything.
 * @{
 */

/** What to ask. Zero means "the default" for every field but `url`. */
typedef struct {
  const char *method;          /**< "GET" unless set; "POST" etc. */
  const char *url;             /**< the URL; required */
  const char *const *headers;  /**< extra "Name: value" lines, NULL-terminated; or NULL */
  const void *body;            /**< the request body, or NULL */
  size_t body_size;            /**< its size */
  int64_t timeout_ms;          /**< the whole transfer's time limit; 0 for none */
  int max_redirects;           /**< redirects followed: 0 for the default (10), -1 for none */
  size_t max_body;             /**< the largest response body accepted; 0 for 64 MiB */
} ac_http_request_t;

/** What came back. Close it with ac_http_response_close(). */
typedef struct {
  long status;           /**< the HTTP status (200, 404...), or 0 if none came */
  char *headers;         /**< the response's header lines (NUL-terminated) */
  size_t headers_size;   /**< their length */
  char *body;            /**< the body (NUL-terminated, for convenience) */
  size_t body_size;      /**< its length */
  char error[256];       /**< libcurl's message when the request failed */
} ac_http_response_t;

/**
 * Perform a request and wait for the whole response. An HTTP error status
 * (404, 500...) is a response, not a failure: check `status`.
 * @param request  what to ask.
 * @param response receives the outcome; close it with ac_http_response_close()
 *                 whatever this returns.
 * @return 0; `-ETIMEDOUT` past the time limit; `-EFBIG` if the body is over
 *         the cap; `-ELOOP` for too many redirects; `-ECONNREFUSED`;
 *         `-EHOSTUNREACH` if the name does not resolve; `-EINVAL` for a bad
 *         URL or argument; `-ECANCELED`; `-EIO` for other failures (the
 *         message is in the response); `-EPERM` outside a task.
 */
int ac_http_fetch(const ac_http_request_t *request, ac_http_response_t *response);

/**
 * Free what a response holds (not the structure itself, which the caller
 * owns).
 * @param response the response; NULL is ignored.
 */
void ac_http_response_close(ac_http_response_t *response);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_HTTP_H */

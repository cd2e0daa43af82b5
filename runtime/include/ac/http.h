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
  const char *method;         /**< "GET" unless set; "POST" etc. */
  const char *url;            /**< the URL; required */
  const char *const *headers; /**< extra "Name: value" lines, NULL-terminated; or NULL */
  const void *body;           /**< the request body, or NULL */
  size_t body_size;           /**< its size */
  int64_t timeout_ms;         /**< the whole transfer's time limit, on the real clock; 0 for none */
  int max_redirects;          /**< redirects followed: 0 for the default (10), -1 for none */
  size_t max_body;            /**< the largest response body accepted; 0 for 64 MiB */
  const char *protocols;      /**< the schemes allowed, for the request and every redirect,
                                   as libcurl names them, comma-separated ("http,https,file");
                                   NULL for "http,https" */
} ac_http_request_t;

/** What came back. Close it with ac_http_response_close(). */
typedef struct {
  long status;         /**< the HTTP status (200, 404...), or 0 if none came */
  char *headers;       /**< the response's header lines (NUL-terminated) */
  size_t headers_size; /**< their length */
  char *body;          /**< the body (NUL-terminated, for convenience) */
  size_t body_size;    /**< its length */
  char error[256];     /**< why the request failed (never empty then), else "" */
} ac_http_response_t;

/**
 * Perform a request and wait for the whole response. An HTTP error status
 * (404, 500...) is a response, not a failure: check `status`. Only the
 * schemes in `protocols` are spoken ("http,https" unless the caller says
 * otherwise), for the URL and for every redirect. Whatever fails, the
 * response's `error` says why.
 * @param request  what to ask.
 * @param response receives the outcome; close it with ac_http_response_close()
 *                 whatever this returns.
 * @return 0;
 *         `-ETIMEDOUT` past the time limit;
 *         `-EFBIG` if the body is over the cap;
 *         `-ELOOP` for too many redirects;
 *         `-EPROTONOSUPPORT` if the URL's scheme, or a redirect's, is not allowed;
 *         `-EPROTO` if the answer is not HTTP (no status line, a malformed
 *         header, a broken HTTP/2 stream or content encoding);
 *         `-EMSGSIZE` if a header of the response is over libcurl's limit
 *         (100 KiB a line; libcurl before 8.6 cannot tell that from running
 *         out of memory);
 *         `-ECONNREFUSED` if nothing listens;
 *         `-EHOSTUNREACH` if the name does not resolve;
 *         `-EPIPE` if the server closed the connection before the whole
 *         answer came (or while we sent);
 *         `-ECONNRESET` if the connection was reset;
 *         `-EINVAL` for a NULL argument, a URL that does not parse, a
 *         negative timeout, or a protocol libcurl does not know;
 *         `-ENOTSUP` for a `timeout_ms` under virtual time (libcurl
 *         measures it on the real clock: see ac_loop_set_clock());
 *         `-ENOMEM`; `-ECANCELED`; `-EPERM` outside a task;
 *         `-EIO` for other failures (TLS, proxies...; libcurl's message is
 *         in the response).
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

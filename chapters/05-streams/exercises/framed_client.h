/* framed_client.h - chapter 05, exercise 2: a client for a framed protocol,
 * with a deadline on every request and reconnection with backoff.
 *
 * The tests call these functions; you write them in framed_client.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef FRAMED_CLIENT_H
#define FRAMED_CLIENT_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* [interface] */
/* The protocol: every message, request or reply, is one frame: a 4-byte
 * length in network byte order (big-endian), then that many bytes of
 * payload. The server answers each request frame with one reply frame, in
 * order, on the same connection. */

/* The longest request payload framed_client_request() sends. */
#define FRAMED_MAX_REQUEST (1024 * 1024)

typedef struct {
  const char *host;           /* the server: a name, an IPv4 or an IPv6 address */
  int port;                   /* 1..65535 */
  int64_t request_timeout_ms; /* > 0: the most one request may take, from sending
                                 it to the last byte of its reply */
  int64_t backoff_initial_ms; /* > 0: the base delay before the first retry */
  int64_t backoff_max_ms;     /* >= backoff_initial_ms: no base delay is longer */
  int max_attempts;           /* >= 1: connection attempts per request */
} framed_client_opts_t;

typedef struct framed_client framed_client_t;

/* Make a client for the server in @opts (the host is copied). No
 * connection is made yet. Returns 0; -EINVAL for a NULL pointer, a NULL
 * host or a field outside the ranges above; -ENOMEM. */
int framed_client_create(framed_client_t **client, const framed_client_opts_t *opts);

/* Send one request (@len bytes at @request) and wait for its reply, which
 * is stored in @reply (@size bytes). From a task. Returns the reply's
 * length (0 is a valid, empty reply), or a negative errno.
 *
 * Connecting. The client keeps one connection and sends every request on
 * it. When there is none (the first request, or the last one failed), or
 * the server has ended it (the stream is at its end before the request is
 * written), it connects first. A connection attempt that fails is retried:
 * before the k-th retry (k = 1, 2, ...) it sleeps a random time between
 * base/2 and base, where base = min(backoff_max_ms,
 * backoff_initial_ms * 2^(k-1)) (exponential backoff, capped, with
 * jitter, so that clients which lost the same server do not all come back
 * at the same moment). After max_attempts failed attempts in all, the last
 * connect error is returned (-ECONNREFUSED...).
 *
 * Once connected, the request is sent once and never again: if anything
 * fails after it was written, the error is returned and the request is not
 * retried (the server may have acted on it).
 *
 * Errors, each of which also closes the connection (the next request makes
 * a new one): -ETIMEDOUT when the reply has not fully come within
 * request_timeout_ms of starting to send (a late reply must never be taken
 * for the answer to a later request); -EMSGSIZE when the reply's length is
 * larger than @size; -EPIPE when the server ends the connection before the
 * whole reply came; -ECONNRESET and other errors of the stream.
 *
 * Also: -EINVAL for a NULL @client, a NULL @request with @len > 0 or a NULL
 * @reply with @size > 0; -EMSGSIZE, before anything is sent, for @len >
 * FRAMED_MAX_REQUEST; -ECANCELED if the calling task is cancelled (the
 * connection is closed). Several tasks may call it on one client: their
 * requests take turns, each one's time limit counting from its turn. */
ssize_t framed_client_request(framed_client_t *client, const void *request, size_t len, void *reply,
                              size_t size);

/* Close the connection, if there is one, and free the client. From a task,
 * when no request is in progress. Returns 0, or -EINVAL for NULL. */
int framed_client_close(framed_client_t *client);
/* [interface] */

#endif

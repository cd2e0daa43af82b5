/* http_server.h - chapter 07, exercise 2: an HTTP/1.1 server on the
 * runtime's streams, with keep-alive, pipelining, limits, timeouts and a
 * graceful shutdown.
 *
 * The tests call http_server_run(); you write it in http_server.c. The
 * requests are parsed and the responses formatted by the provided
 * http_message.h; the connections, the deadlines and the shutdown are
 * yours.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

#include "http_message.h"

/* [interface] */
/* What answers a request: fills @resp (http_response_json(),
 * http_response_error()...) and returns 0, or returns a negative errno,
 * which the server answers with 500. It runs in the connection's task and
 * may wait (sleep, call another service): other connections go on
 * meanwhile. */
typedef int (*http_handler_fn)(void *ctx, const http_request_t *req, http_response_t *resp);

/* Counters the server keeps up to date while it runs. */
typedef struct {
  size_t connections; /* open now */
  size_t accepted;    /* connections since the start */
  size_t responses;   /* responses written (error responses included) */
  size_t in_flight;   /* requests being handled now */
} http_server_stats_t;

/* Called once, when the server listens and catches the signals. */
typedef void (*http_ready_fn)(void *ctx, int port);

typedef struct {
  const char *host;           /* the address to listen on: "127.0.0.1", "::1"... */
  int port;                   /* 0..65535; 0 picks a free port */
  size_t max_header;          /* >= 64: request line and headers, in bytes (431 beyond) */
  size_t max_body;            /* the largest body accepted (413 beyond) */
  int64_t request_timeout_ms; /* > 0: from a request's first byte to its last (408 beyond) */
  int64_t idle_timeout_ms;    /* > 0: the longest a connection waits for a request's first
                                 byte, or for a response to be taken */
  int64_t grace_ms;           /* >= 0: how long requests in flight may take at shutdown */
  http_handler_fn handler;    /* answers each request, given @handler_ctx */
  void *handler_ctx;
  http_ready_fn ready; /* if not NULL, called with @ctx and the port */
  void *ctx;
  http_server_stats_t *stats; /* if not NULL, kept up to date */
} http_server_opts_t;

/* Serve HTTP/1.1 on opts->host:opts->port, from a task, until SIGINT or
 * SIGTERM arrives (or the calling task is cancelled).
 *
 * Each connection gets a task of its own, which reads requests with an
 * http_reader_t and answers them one after another, in the order they came,
 * pipelined ones included; while its handler waits, other connections are
 * served. A response keeps the connection open when the request allows it
 * (req->keep_alive); otherwise it says "Connection: close" and the
 * connection is closed once it has gone out.
 *
 * Limits: a connection that receives no byte of a request for
 * idle_timeout_ms is closed without a word. A request that has begun must
 * be complete within request_timeout_ms of its first byte, however slowly
 * the bytes come; otherwise it is answered 408. A request the reader
 * refuses (http_reader_next() < 0) is answered with http_status_for() of
 * its error: 400, 413, 431, 501 or 505. Each of these answers has a JSON
 * error body and "Connection: close", and the connection is closed. A
 * response the client does not take within idle_timeout_ms (its drain
 * waits that long) ends the connection. A client that ends its stream or
 * resets ends only its own connection.
 *
 * While it runs, SIGINT and SIGTERM no longer end the process (they are
 * caught, ac_signal_create(), from before @ready is called until it
 * returns). When one arrives, the server shuts down gracefully: it stops
 * accepting; connections that are waiting for a request (idle, or in the
 * middle of receiving one) are closed at once; requests being handled are
 * finished and their responses sent with "Connection: close", for up to
 * grace_ms, after which their handlers are cancelled; then the signals are
 * given back and the signal's number is returned. If the calling task is
 * cancelled, it shuts down the same way and returns -ECANCELED.
 *
 * Returns SIGINT or SIGTERM; -ECANCELED; -EINVAL for NULL @opts, a NULL
 * host or handler, a port outside 0..65535, max_header < 64, a timeout <= 0
 * or grace_ms < 0; the error of ac_server_start() (-EADDRINUSE...) or
 * ac_signal_create(), after undoing what was done (@ready is then not
 * called). */
int http_server_run(const http_server_opts_t *opts);
/* [interface] */

#endif

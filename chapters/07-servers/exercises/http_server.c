/* http_server.c - chapter 07, exercise 2: an HTTP/1.1 server on the
 * runtime's streams.
 *
 * What to build: http_server_run(), described in http_server.h. The
 * parsing is done for you by http_message.h: an http_reader_t per
 * connection turns the bytes you read into requests (pipelined ones
 * included: it keeps the bytes of the next request), and
 * http_response_format() turns a response into the bytes to write.
 *
 * Yours is the connection's loop: wait for a request (the idle deadline
 * until its first byte, then one request deadline for all of it), call the
 * handler, write and drain the response, and go round while the
 * connection is kept alive. And the server's state: the connections, which
 * ones are waiting for a request, and what the shutdown does to each.
 *
 * What the tests check: bad options; curl and Python's http.client;
 * keep-alive and Connection: close; pipelined requests in order; one slow
 * handler not holding other connections; 431, 413, 400, 501, 505; 408 for
 * a request sent slowly; idle connections closed; a client that never
 * reads; 100 connections at once; malformed requests; a graceful
 * shutdown on SIGTERM and on cancellation.
 *
 * Grade it with: make grade CH=07 EX=http_server
 */
#include "http_server.h"

#include <ac.h>
#include <errno.h>

#include "http_message.h"

int http_server_run(const http_server_opts_t *opts)
{
  /* TODO: check the options; catch SIGINT and SIGTERM; start the server
   * with a handler per connection (a static function of yours, given a
   * pointer to the server's state on this function's stack); call ready. */
  /* TODO: per connection: http_reader_create(); loop: read a request under
   * its deadlines (http_reader_next(), http_reader_space(),
   * ac_stream_read(), http_reader_commit()); refuse what the reader
   * refuses (http_status_for()) and close; call the handler; write the
   * response (keep-alive or not) and drain it under the idle deadline. */
  /* TODO: wait for a signal (or a cancellation); stop: close the
   * connections waiting for a request at once, let the others finish
   * within grace_ms (ac_server_close()), give the signals back. */
  (void)opts;
  return -ENOSYS;
}

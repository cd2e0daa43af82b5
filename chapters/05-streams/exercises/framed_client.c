/* framed_client.c - chapter 05, exercise 2: a client for a framed protocol,
 * with a deadline on every request and reconnection with backoff.
 *
 * What to build: the three functions of framed_client.h. A frame is a
 * 4-byte length in network byte order (htonl/ntohl), then the payload.
 * Keep one connection in your struct and send every request on it. Read
 * the reply with ac_stream_readexactly(), which waits for every byte however
 * the server's writes were cut up. Put an ac_timeout_t around sending and
 * reading. After any failure, close the connection: the next request makes
 * a new one. Connect with retries: sleep a random time in [base/2, base]
 * before each retry, base doubling from backoff_initial_ms up to
 * backoff_max_ms, and give up after max_attempts. An ac_lock_t lets
 * requests from several tasks take turns.
 *
 * What the tests check: bad arguments get -EINVAL (or -EMSGSIZE for a
 * request too long) and nothing is sent; requests and replies round-trip
 * on 127.0.0.1 and ::1, five of them on one connection; the length is
 * big-endian; a reply that arrives in pieces is read whole; a stalled
 * server gives -ETIMEDOUT after request_timeout_ms, and the next request
 * works on a new connection; a late reply is never taken for the next
 * request's; a reply too long gives -EMSGSIZE and one cut short -EPIPE; a
 * request the server hung up on is not sent again; a server that goes
 * away and comes back is reconnected to; the retry delays grow, are
 * capped and are random; concurrent requests take turns; a cancelled
 * request drops its connection.
 *
 * Grade it with: make grade CH=05 EX=framed_client
 */
#include "framed_client.h"

#include <ac.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct framed_client {
  int todo; /* TODO: the options (with a copy of the host), the connection, a lock */
};

int framed_client_create(framed_client_t **client, const framed_client_opts_t *opts)
{
  /* TODO: check every argument, allocate and fill the struct; no I/O yet. */
  (void)client;
  (void)opts;
  return -ENOSYS;
}

ssize_t framed_client_request(framed_client_t *client, const void *request, size_t len, void *reply,
                              size_t size)
{
  /* TODO: take your turn; drop a connection the server has ended
   * (ac_stream_is_eof); connect with backoff if there is none; then,
   * within the deadline, write the frame and read the reply's frame.
   * On any error, close the connection. */
  (void)client;
  (void)request;
  (void)len;
  (void)reply;
  (void)size;
  return -ENOSYS;
}

int framed_client_close(framed_client_t *client)
{
  /* TODO: close the connection if there is one, free everything. */
  (void)client;
  return -ENOSYS;
}

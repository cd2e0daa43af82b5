/* framed_client.c - chapter 05, exercise 2, reference solution: one
 * connection reused for every request, a deadline around each exchange,
 * and reconnection with capped exponential backoff and jitter.
 */
#include "framed_client.h"

#include <ac.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct framed_client {
  char *host;
  framed_client_opts_t opts; /* opts.host points to host */
  ac_stream_t *stream;       /* the connection, or NULL */
  ac_lock_t *turn;           /* one request at a time on the connection */
};

int framed_client_create(framed_client_t **client, const framed_client_opts_t *opts)
{
  if (!client)
    return -EINVAL;
  *client = NULL;
  if (!opts || !opts->host || opts->port < 1 || opts->port > 65535 ||
      opts->request_timeout_ms <= 0 || opts->backoff_initial_ms <= 0 ||
      opts->backoff_max_ms < opts->backoff_initial_ms || opts->max_attempts < 1)
    return -EINVAL;
  framed_client_t *c = calloc(1, sizeof *c);
  if (!c)
    return -ENOMEM;
  c->host = strdup(opts->host);
  int rc = c->host ? ac_lock_create(&c->turn) : -ENOMEM;
  if (rc < 0) {
    free(c->host);
    free(c);
    return rc;
  }
  c->opts = *opts;
  c->opts.host = c->host;
  *client = c;
  return 0;
}

static void disconnect(framed_client_t *c)
{
  if (c->stream)
    ac_stream_close(c->stream);
  c->stream = NULL;
}

/* The base delay before retry K (1, 2, ...): initial * 2^(k-1), capped. */
static int64_t backoff_base(const framed_client_opts_t *o, int k)
{
  int64_t base = o->backoff_initial_ms;
  for (int i = 1; i < k && base < o->backoff_max_ms; i++)
    base *= 2;
  return base < o->backoff_max_ms ? base : o->backoff_max_ms;
}

/* Connect, retrying with backoff; 0 with c->stream set, or the last error. */
static int connect_with_backoff(framed_client_t *c)
{
  int rc = 0;
  for (int attempt = 1; attempt <= c->opts.max_attempts; attempt++) {
    if (attempt > 1) {
      /* Jitter: a random point in [base/2, base], so clients that lost the
       * server together spread out instead of returning all at once. */
      int64_t base = backoff_base(&c->opts, attempt - 1);
      int64_t delay = base / 2 + rand() % (base - base / 2 + 1);
      int slept = ac_task_sleep(delay);
      if (slept < 0)
        return slept; /* cancelled */
    }
    rc = ac_stream_connect(&c->stream, c->opts.host, c->opts.port);
    if (rc == 0 || rc == -ECANCELED)
      return rc;
  }
  return rc;
}

static int write_frame(ac_stream_t *stream, const void *payload, size_t len)
{
  uint32_t header = htonl((uint32_t)len);
  int rc = ac_stream_write(stream, &header, sizeof header);
  if (rc == 0)
    rc = ac_stream_write(stream, payload, len);
  return rc < 0 ? rc : ac_stream_drain(stream);
}

/* Read one frame into REPLY: its length, or an error. readexactly waits for
 * every byte, however the server's writes were cut up on the way. */
static ssize_t read_frame(ac_stream_t *stream, void *reply, size_t size)
{
  uint32_t header;
  int rc = ac_stream_readexactly(stream, &header, sizeof header, NULL);
  if (rc < 0)
    return rc;
  uint32_t len = ntohl(header);
  if (len > size)
    return -EMSGSIZE;
  rc = ac_stream_readexactly(stream, reply, len, NULL);
  return rc < 0 ? rc : (ssize_t)len;
}

/* One exchange on the connection, within the time limit. */
static ssize_t exchange(framed_client_t *c, const void *request, size_t len, void *reply,
                        size_t size)
{
  ac_timeout_t deadline;
  int rc = ac_timeout_open(&deadline, c->opts.request_timeout_ms);
  if (rc < 0)
    return rc;
  ssize_t n = write_frame(c->stream, request, len);
  if (n == 0)
    n = read_frame(c->stream, reply, size);
  if (ac_timeout_close(&deadline) == -ETIMEDOUT)
    n = -ETIMEDOUT;
  return n;
}

ssize_t framed_client_request(framed_client_t *c, const void *request, size_t len, void *reply,
                              size_t size)
{
  if (!c || (!request && len > 0) || (!reply && size > 0))
    return -EINVAL;
  if (len > FRAMED_MAX_REQUEST)
    return -EMSGSIZE;
  int rc = ac_lock_acquire(c->turn);
  if (rc < 0)
    return rc;
  /* A connection the server has ended is replaced before anything is sent
   * on it; a request already written is never sent again. */
  if (c->stream && ac_stream_is_eof(c->stream) == 1)
    disconnect(c);
  ssize_t n = c->stream ? 0 : connect_with_backoff(c);
  if (n == 0)
    n = exchange(c, request, len, reply, size);
  /* After any failure the stream is out of step (a reply may be half read,
   * or still to come): only a new connection is safe. */
  if (n < 0)
    disconnect(c);
  ac_lock_release(c->turn);
  return n;
}

int framed_client_close(framed_client_t *c)
{
  if (!c)
    return -EINVAL;
  disconnect(c);
  ac_lock_close(c->turn);
  free(c->host);
  free(c);
  return 0;
}

/* http_server.c - chapter 07, exercise 2: an HTTP/1.1 server on the
 * runtime's streams (reference solution).
 *
 * One task per connection runs a plain loop: wait for a request, let the
 * handler answer it, write the response, and go round again while the
 * connection is kept alive. Answering one request at a time is what keeps
 * pipelined responses in order; other connections have tasks of their own.
 *
 * Two deadlines guard the wait for a request: idle_timeout_ms until its
 * first byte (then the connection is closed quietly), and
 * request_timeout_ms from that byte to the last, one deadline across every
 * read, so a client that sends a byte now and then cannot hold the
 * connection (slowloris). The server keeps a list of its connections and
 * whether each is waiting for a request, so that a shutdown can close the
 * waiting ones at once and let the others finish.
 */
#include "http_server.h"

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "http_message.h"

typedef struct conn conn_t;

typedef struct {
  const http_server_opts_t *opts;
  http_server_stats_t *stats;
  conn_t *conns;
  bool stopping;
} server_state_t;

struct conn {
  server_state_t *srv;
  ac_task_t *task;
  ac_stream_t *stream;
  bool waiting; /* for a request: a shutdown closes it at once */
  conn_t *prev, *next;
};

static void conn_link(conn_t *c)
{
  server_state_t *srv = c->srv;
  c->next = srv->conns;
  if (srv->conns)
    srv->conns->prev = c;
  srv->conns = c;
  srv->stats->connections++;
  srv->stats->accepted++;
}

static void conn_unlink(conn_t *c)
{
  server_state_t *srv = c->srv;
  if (c->prev)
    c->prev->next = c->next;
  else
    srv->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  srv->stats->connections--;
}

/* Read from the connection into the reader, under whatever deadline is open. */
static ssize_t read_more(conn_t *c, http_reader_t *reader)
{
  char *buf;
  size_t size;
  int rc = http_reader_space(reader, &buf, &size);
  if (rc < 0)
    return rc;
  ssize_t n = ac_stream_read(c->stream, buf, size);
  if (n > 0)
    http_reader_commit(reader, (size_t)n);
  return n;
}

/* Wait for the next whole request. Returns 1 with *@req; 0 when the
 * connection should just be closed (idle, the client gone, a shutdown);
 * or the error to answer: the reader's, or -ETIMEDOUT (408). */
static int read_request(conn_t *c, http_reader_t *reader, http_request_t *req)
{
  const http_server_opts_t *opts = c->srv->opts;
  int rc = http_reader_next(reader, req);
  if (rc != 0)
    return rc; /* a pipelined request was already there, or an error */

  ac_timeout_t deadline;
  bool begun = http_reader_is_midway(reader);
  if (begun && ac_timeout_open(&deadline, opts->request_timeout_ms) < 0)
    return -ENOMEM;
  ssize_t n = 1;
  while (rc == 0) {
    if (begun) {
      n = read_more(c, reader);
    } else { /* nothing of it yet: the idle deadline */
      ac_timeout_t idle;
      if (ac_timeout_open(&idle, opts->idle_timeout_ms) < 0)
        return -ENOMEM;
      n = read_more(c, reader);
      if (ac_timeout_close(&idle) == -ETIMEDOUT)
        return 0;
      if (n > 0) {
        begun = true;
        if (ac_timeout_open(&deadline, opts->request_timeout_ms) < 0)
          return -ENOMEM;
      }
    }
    if (n <= 0)
      break;
    rc = http_reader_next(reader, req);
  }
  bool late = begun && ac_timeout_close(&deadline) == -ETIMEDOUT;
  if (n > 0 && rc != 0)
    return rc; /* complete (or refused) in time, if only just */
  return late ? -ETIMEDOUT : 0;
}

/* Write the response and wait until the client has taken it, for up to
 * idle_timeout_ms. */
static int respond(conn_t *c, http_response_t *resp, const http_request_t *req, bool keep_alive)
{
  char *bytes;
  size_t size;
  int rc = http_response_format(resp, req, keep_alive, &bytes, &size);
  http_response_clear(resp);
  if (rc < 0)
    return rc;
  rc = ac_stream_write(c->stream, bytes, size);
  free(bytes);
  if (rc < 0)
    return rc;
  c->srv->stats->responses++;
  ac_timeout_t t;
  if (ac_timeout_open(&t, c->srv->opts->idle_timeout_ms) < 0)
    return -ENOMEM;
  rc = ac_stream_drain(c->stream);
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    rc = -ETIMEDOUT;
  return rc;
}

/* The task of one connection. */
static int serve(ac_stream_t *stream, void *arg)
{
  server_state_t *srv = arg;
  const http_server_opts_t *opts = srv->opts;
  conn_t c = {.srv = srv, .task = ac_task_current(), .stream = stream};
  http_reader_t *reader;

  if (http_reader_create(&reader, opts->max_header, opts->max_body) < 0)
    return -ENOMEM;
  conn_link(&c);
  while (!srv->stopping) {
    http_request_t req;
    http_response_t resp = {0};
    c.waiting = true;
    int rc = read_request(&c, reader, &req);
    c.waiting = false;
    if (rc == 0 || srv->stopping)
      break;
    if (rc < 0) { /* refused: say why, and close */
      int status = http_status_for(rc);
      http_response_error(&resp, status, http_status_reason(status));
      respond(&c, &resp, NULL, false);
      break;
    }
    srv->stats->in_flight++;
    rc = opts->handler(opts->handler_ctx, &req, &resp);
    srv->stats->in_flight--;
    if (rc == -ECANCELED) { /* the grace period is over */
      http_response_clear(&resp);
      break;
    }
    if (rc < 0) {
      http_response_clear(&resp);
      http_response_error(&resp, 500, "internal error");
    }
    bool keep_alive = req.keep_alive && !srv->stopping;
    if (respond(&c, &resp, &req, keep_alive) < 0 || !keep_alive)
      break;
  }
  conn_unlink(&c);
  http_reader_close(reader);
  return 0;
}

int http_server_run(const http_server_opts_t *opts)
{
  if (!opts || !opts->host || !opts->handler || opts->port < 0 || opts->port > 65535 ||
      opts->max_header < 64 || opts->request_timeout_ms <= 0 || opts->idle_timeout_ms <= 0 ||
      opts->grace_ms < 0)
    return -EINVAL;
  http_server_stats_t scratch;
  server_state_t srv = {.opts = opts, .stats = opts->stats ? opts->stats : &scratch};
  *srv.stats = (http_server_stats_t){0};

  static const int signums[] = {SIGINT, SIGTERM};
  ac_signal_t *signals;
  int rc = ac_signal_create(&signals, signums, 2);
  if (rc < 0)
    return rc;
  ac_server_t *server;
  rc = ac_server_start(&server, opts->host, opts->port, serve, &srv);
  if (rc < 0) {
    ac_signal_close(signals);
    return rc;
  }
  if (opts->ready)
    opts->ready(opts->ctx, ac_server_port(server));

  rc = ac_signal_wait(signals); /* SIGINT, SIGTERM, or -ECANCELED */
  srv.stopping = true;
  for (conn_t *c = srv.conns; c; c = c->next)
    if (c->waiting)
      ac_future_cancel(c->task);           /* its read ends; the connection closes */
  ac_server_close(server, opts->grace_ms); /* in-flight requests finish, or are cancelled */
  ac_signal_close(signals);
  return rc;
}

/* line_server.c - chapter 05, exercise 1, reference solution: a handler
 * task per client with a deadline on every wait, drain before reading on,
 * and a shutdown on SIGINT/SIGTERM that cancels the handlers, which say
 * goodbye.
 */
#include "line_server.h"

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const line_server_opts_t *opts;
  line_server_stats_t stats; /* used when opts->stats is NULL */
} server_t;

static line_server_stats_t *stats_of(server_t *srv)
{
  return srv->opts->stats ? srv->opts->stats : &srv->stats;
}

/* Why a handler stopped: the reason becomes the last line the client gets. */
static const char *farewell(int rc)
{
  switch (rc) {
  case -ETIMEDOUT: return LINE_SERVER_IDLE;
  case -EMSGSIZE: return LINE_SERVER_TOO_LONG;
  case -ECANCELED: return LINE_SERVER_BYE; /* the server is shutting down */
  default: return NULL;                    /* the client left or failed: no one to tell */
  }
}

/* Read the next line, waiting idle_timeout_ms at most: its length, 0 at the
 * end of the stream, or why not (-ETIMEDOUT, -EMSGSIZE, -ECANCELED...). */
static ssize_t next_line(ac_stream_t *stream, char *line, size_t size, int64_t idle_ms)
{
  ac_timeout_t idle;
  int rc = ac_timeout_open(&idle, idle_ms);
  if (rc < 0)
    return rc;
  ssize_t n = ac_stream_readline(stream, line, size);
  if (ac_timeout_close(&idle) == -ETIMEDOUT)
    n = -ETIMEDOUT;
  return n;
}

/* Write LINE back, and wait (idle_timeout_ms at most) until the client has
 * taken enough of what is queued: a client that never reads holds its
 * handler here, not the server's memory. */
static int echo(ac_stream_t *stream, const char *line, size_t len, int64_t idle_ms)
{
  ac_timeout_t idle;
  int rc = ac_timeout_open(&idle, idle_ms);
  if (rc < 0)
    return rc;
  rc = ac_stream_write(stream, line, len);
  if (rc == 0)
    rc = ac_stream_drain(stream);
  if (ac_timeout_close(&idle) == -ETIMEDOUT)
    rc = -ETIMEDOUT;
  return rc;
}

static int serve_client(ac_stream_t *stream, server_t *srv)
{
  const line_server_opts_t *o = srv->opts;
  char *line = malloc(o->max_line + 1); /* + the NUL readline adds */
  if (!line)
    return -ENOMEM;
  int rc = 0;
  for (;;) {
    ssize_t n = next_line(stream, line, o->max_line + 1, o->idle_timeout_ms);
    if (n <= 0 || line[n - 1] != '\n') { /* the end, a failure, or a last line cut short */
      rc = n < 0 ? (int)n : 0;
      break;
    }
    rc = echo(stream, line, (size_t)n, o->idle_timeout_ms);
    if (rc < 0)
      break;
    stats_of(srv)->lines++;
  }
  free(line);
  return rc;
}

/* One client, in its own task (the server closes the stream afterwards). */
static int handler(ac_stream_t *stream, void *arg)
{
  server_t *srv = arg;
  line_server_stats_t *st = stats_of(srv);

  st->accepted++;
  st->clients++;
  int rc = serve_client(stream, srv);
  const char *last = farewell(rc);
  if (last)
    ac_stream_write(stream, last, strlen(last)); /* no wait: it is short, and we are done */
  st->clients--;
  return rc == -ECANCELED || rc == -ETIMEDOUT || rc == -EMSGSIZE ? 0 : rc;
}

int line_server_run(const line_server_opts_t *opts)
{
  static const int signals[] = {SIGINT, SIGTERM};

  if (!opts || !opts->host || opts->port < 0 || opts->port > 65535 || opts->max_line < 2 ||
      opts->idle_timeout_ms <= 0)
    return -EINVAL;
  server_t srv = {.opts = opts};
  ac_signal_t *sig;
  int rc = ac_signal_create(&sig, signals, 2);
  if (rc < 0)
    return rc;
  ac_server_t *server;
  rc = ac_server_start(&server, opts->host, opts->port, handler, &srv);
  if (rc < 0) {
    ac_signal_close(sig);
    return rc;
  }
  if (opts->ready)
    opts->ready(opts->ctx, ac_server_port(server));

  int why = ac_signal_wait(sig); /* SIGINT, SIGTERM, or -ECANCELED */

  /* Shut down: stop accepting and cancel every handler at once (a grace of
   * 0); each one sends its goodbye as it ends. ac_server_close() returns
   * when all of them have. */
  ac_server_close(server, 0);
  ac_signal_close(sig);
  return why;
}

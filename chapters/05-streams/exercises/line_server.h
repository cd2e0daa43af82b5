/* line_server.h - chapter 05, exercise 1: a line echo server that many
 * clients share, that no client can exhaust, and that shuts down cleanly
 * on SIGINT or SIGTERM.
 *
 * The tests call line_server_run(); you write it in line_server.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef LINE_SERVER_H
#define LINE_SERVER_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* What the server writes to a client before it closes the connection. */
#define LINE_SERVER_BYE "bye\n"                /* the server is shutting down */
#define LINE_SERVER_IDLE "idle timeout\n"      /* the client kept it waiting too long */
#define LINE_SERVER_TOO_LONG "line too long\n" /* a line longer than max_line */

/* Counters the server keeps up to date while it runs. */
typedef struct {
  size_t clients;  /* connected now (handlers running) */
  size_t accepted; /* connections since the start */
  size_t lines;    /* lines echoed */
} line_server_stats_t;

/* Called once, when the server listens and catches the signals. */
typedef void (*line_server_ready_fn)(void *ctx, int port);

typedef struct {
  const char *host;           /* the address to listen on: "127.0.0.1", "::1"... */
  int port;                   /* 0..65535; 0 picks a free port */
  size_t max_line;            /* >= 2: the longest line, its '\n' included */
  int64_t idle_timeout_ms;    /* > 0: the longest the server waits for a client */
  line_server_ready_fn ready; /* if not NULL, called with @ctx and the port */
  void *ctx;
  line_server_stats_t *stats; /* if not NULL, kept up to date */
} line_server_opts_t;

/* Run a line echo server on opts->host:opts->port, from a task, until
 * SIGINT or SIGTERM arrives.
 *
 * Each client gets a task of its own, so any number are served at once.
 * Every line a client sends, up to and including its '\n', is written back
 * to it unchanged (any bytes, NUL included). A client that sends faster
 * than it reads is held back: after writing a reply the server waits in
 * ac_stream_drain() before it reads the next line, so however much a client
 * sends without reading, what the server holds for it stays bounded (the
 * runtime's buffers: about 1 MiB of input, 64 KiB of output).
 *
 * Every wait for a client, for its next line or for its reply to drain,
 * lasts at most idle_timeout_ms; after that the client is sent
 * LINE_SERVER_IDLE and its connection is closed. A line longer than
 * max_line is answered with LINE_SERVER_TOO_LONG and the connection is
 * closed. When a client ends the stream, its handler ends; a last line
 * without its '\n' (the client left in the middle of it) is dropped. A
 * client that resets or vanishes ends only its own handler.
 *
 * While it runs, SIGINT and SIGTERM no longer end the process: they are
 * caught (ac_signal_create) from before @ready is called until it
 * returns. When one arrives, the server shuts down gracefully: it stops
 * accepting, every client still connected is sent LINE_SERVER_BYE and its
 * connection is closed, it waits until every handler has ended, the
 * signals are given back (their previous handling returns), and it returns
 * the signal's number. If the calling task is cancelled, it shuts down the
 * same way and returns -ECANCELED.
 *
 * Returns SIGINT or SIGTERM; -ECANCELED; -EINVAL for NULL @opts, a NULL
 * host, a port outside 0..65535, max_line < 2 or idle_timeout_ms <= 0; the
 * error of ac_server_start() (-EADDRINUSE...) or ac_signal_create(), after
 * undoing what was done (@ready is then not called). */
int line_server_run(const line_server_opts_t *opts);
/* [interface] */

#endif

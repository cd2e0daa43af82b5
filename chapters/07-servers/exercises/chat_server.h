/* chat_server.h - chapter 07, exercise 1: a chat server where one slow
 * client slows nobody.
 *
 * The tests call chat_server_run(); you write it in chat_server.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef CHAT_SERVER_H
#define CHAT_SERVER_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

/* [protocol] */
/* The protocol: lines of text, each ending in '\n' (a '\r' before it is
 * dropped). The first line a client sends is its nickname; after that,
 * every line is a message to everyone else, or a command:
 *
 *   client sends            who gets what
 *   alice                   alice: "* welcome alice"   the others: "* alice joined"
 *   hello all               the others: "<alice> hello all"
 *   /msg bob psst           bob: "*alice* psst"
 *   /quit                   alice: "* bye"             the others: "* alice left"
 *
 * Lines starting with "!" are errors, to the client that caused them:
 * "! bad nickname", "! nickname taken" (the client may try another),
 * "! no such nick bob", "! unknown command", and before the server closes
 * a connection: "! line too long", "! idle timeout". A client that is
 * dropped for being too slow gets nothing more; the others get
 * "* alice left (too slow)". At shutdown every client gets
 * "* server shutting down". */
#define CHAT_NICK_MAX 16 /* letters, digits, '_' and '-'; 1 to 16 of them */
/* [protocol] */

/* [interface] */
/* Counters the server keeps up to date while it runs. */
typedef struct {
  size_t clients;  /* connections open now (joined or not) */
  size_t members;  /* clients that have joined with a nickname, now */
  size_t accepted; /* connections since the start */
  size_t relayed;  /* messages queued for delivery (one per recipient) */
  size_t dropped;  /* clients dropped for being too slow */
} chat_stats_t;

/* Called once, when the server listens and catches the signals. */
typedef void (*chat_ready_fn)(void *ctx, int port);

typedef struct {
  const char *host;        /* the address to listen on: "127.0.0.1", "::1"... */
  int port;                /* 0..65535; 0 picks a free port */
  size_t max_line;         /* >= 2: the longest line a client may send, '\n' included */
  size_t queue_max;        /* >= 1: lines waiting for one client before it is too slow */
  int64_t idle_timeout_ms; /* > 0: the longest the server waits for a client's next line */
  chat_ready_fn ready;     /* if not NULL, called with @ctx and the port */
  void *ctx;
  chat_stats_t *stats; /* if not NULL, kept up to date */
} chat_opts_t;

/* Run the chat server on opts->host:opts->port, from a task, until SIGINT
 * or SIGTERM arrives (or the calling task is cancelled).
 *
 * Every client gets a task that reads its lines, and its own queue of
 * lines to send, at most queue_max long, emptied by a task of its own that
 * writes them to the client. Sending a line to a client puts it in that
 * queue and never waits: a client whose queue is full when a line is due
 * is too slow, and is dropped at once (its queue discarded, its connection
 * closed), so that no client can hold the others back or make the server
 * buffer more than queue_max lines for it.
 *
 * A client is disconnected with "! line too long" when it sends a line
 * longer than max_line, with "! idle timeout" when it sends nothing for
 * idle_timeout_ms; a client that ends its stream, resets or vanishes is
 * simply gone. In every case the others get "* NICK left" if it had
 * joined.
 *
 * While it runs, SIGINT and SIGTERM no longer end the process (they are
 * caught, ac_signal_create(), from before @ready is called until it
 * returns). When one arrives: the server stops accepting, every client
 * gets "* server shutting down" after what was queued for it, every
 * connection is closed (a client too slow to take the notice within a
 * second is closed anyway), the signals are given back, and the signal's
 * number is returned. If the calling task is cancelled, it shuts down the
 * same way and returns -ECANCELED.
 *
 * Returns SIGINT or SIGTERM; -ECANCELED; -EINVAL for NULL @opts, a NULL
 * host, a port outside 0..65535, max_line < 2, queue_max < 1 or
 * idle_timeout_ms <= 0; the error of ac_server_start() (-EADDRINUSE...) or
 * ac_signal_create(), after undoing what was done (@ready is then not
 * called). */
int chat_server_run(const chat_opts_t *opts);
/* [interface] */

#endif

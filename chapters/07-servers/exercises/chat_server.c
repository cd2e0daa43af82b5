/* chat_server.c - chapter 07, exercise 1: a chat server where one slow
 * client slows nobody.
 *
 * What to build: chat_server_run(), described in chat_server.h. Start from
 * chapter 05's line server: ac_signal_create() for SIGINT and SIGTERM,
 * ac_server_start() with a handler per connection, ready, then wait for a
 * signal. What is new is the room: a list of the connected clients that
 * every handler reads and changes, and a message sent to many of them.
 *
 * Give each client an ac_queue_t of at most queue_max lines and a writer
 * task that takes lines from it and writes them (write, then drain). A
 * handler that sends a line to others only does ac_queue_try_put() on
 * their queues: it never waits for them. -EAGAIN means that client is too
 * slow: drop it (cancel its handler and its writer) and go on. Share one
 * formatted line between all the queues it is in (count the references).
 *
 * What the tests check: bad options; nicknames (bad, taken, welcome, join
 * notices); messages to everyone else, in order, and not to the sender;
 * /msg, /quit and the errors; leave notices however a client goes; three
 * senders at full speed beside a client that reads nothing, with the
 * latency of the others and the heap measured; that client dropped; idle
 * timeouts; the line limit; SIGTERM and cancellation shutting down with a
 * notice to everyone.
 *
 * Grade it with: make grade CH=07 EX=chat_server
 */
#include "chat_server.h"

#include <ac.h>
#include <errno.h>

int chat_server_run(const chat_opts_t *opts)
{
  /* TODO: check the options; catch SIGINT and SIGTERM; start the server
   * (its handler is a static function of yours, given a pointer to the
   * room, which can live on this function's stack); call ready. */
  /* TODO: each handler: a queue and a writer task, joined to the room;
   * read lines with a deadline of idle_timeout_ms each; the nickname,
   * then messages and commands; on the way out, tell the others, let the
   * writer send what is queued (a second at most), free everything. */
  /* TODO: wait for a signal (or a cancellation); queue the shutdown
   * notice for everyone, wake the handlers, close the server with a grace
   * period, give the signals back, return the signal. */
  (void)opts;
  return -ENOSYS;
}

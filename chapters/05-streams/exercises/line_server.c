/* line_server.c - chapter 05, exercise 1: a line echo server that many
 * clients share, that no client can exhaust, and that shuts down cleanly
 * on SIGINT or SIGTERM.
 *
 * What to build: line_server_run(), described in line_server.h. Catch the
 * signals with ac_signal_create() and start an ac_server_t whose handler
 * serves one client: read a line with ac_stream_readline() into a buffer
 * of max_line + 1 bytes, write it back with the length readline returned,
 * and ac_stream_drain() before reading the next. Put an ac_timeout_t of
 * idle_timeout_ms around every wait (the readline, and the write with its
 * drain). Call ready, then wait in ac_signal_wait(). To shut down,
 * ac_server_close() with no grace cancels every handler: a handler whose
 * wait returns -ECANCELED writes LINE_SERVER_BYE before it returns. Then
 * close the signal object.
 *
 * What the tests check: bad options get -EINVAL, a port in use
 * -EADDRINUSE, with the signals given back; lines (any bytes) come back
 * exactly, on 127.0.0.1 and ::1; forty clients are served at once; a
 * client that sends tens of MiB and reads nothing grows the heap by less
 * than 16 MiB, does not hold up the others, and is dropped after the idle
 * timeout; a silent client gets LINE_SERVER_IDLE, a chatty one
 * does not; a line over max_line gets LINE_SERVER_TOO_LONG; clients that
 * half-close, vanish or reset mid-line end their handlers; on SIGTERM or
 * SIGINT (real signals, sent to the test's process) every client gets
 * LINE_SERVER_BYE and is closed, line_server_run() returns the signal's
 * number promptly, and the signals are handled as before; a cancelled
 * caller shuts down the same way.
 *
 * Grade it with: make grade CH=05 EX=line_server
 */
#include "line_server.h"

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* TODO: a handler (a static function with the ac_handler_fn signature)
 * that serves one client and keeps opts->stats up to date. */

int line_server_run(const line_server_opts_t *opts)
{
  /* TODO: check the options; catch SIGINT and SIGTERM; start the server
   * (undo the signal object if that fails); call ready; wait for a
   * signal; shut down: close the server with no grace (the handlers say
   * goodbye), close the signal object, return the signal's number. */
  (void)opts;
  return -ENOSYS;
}

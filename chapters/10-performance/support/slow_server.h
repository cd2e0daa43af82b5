/* slow_server.h - chapter 10: the shouting server, as first written: it
 * works, and it is slow.
 *
 * The protocol: the client sends lines; for each, the server answers with
 * the line's number on this connection (from 1), a colon and a space, then
 * the line upper-cased (ASCII letters only, as toupper() in the C locale),
 * newline included:
 *
 *     hello, world\n   ->   1: HELLO, WORLD\n
 *     bye\n            ->   2: BYE\n
 *
 * Lines may be of any length. When the client ends its stream, a last line
 * without a newline is answered the same way (without one), what is
 * queued is sent, and the server closes the connection. The answer to a
 * line goes out as soon as the line has come, whether or not more follow.
 */
#ifndef SLOW_SERVER_H
#define SLOW_SERVER_H

#include <ac.h>

/* [interface] */
/* A connection handler for ac_server_start(): serves one client as above.
 * ARG is unused. Returns 0 once the client has ended its stream and every
 * answer has been handed over, or the connection's error. */
int slow_serve(ac_stream_t *stream, void *arg);
/* [interface] */

#endif /* SLOW_SERVER_H */

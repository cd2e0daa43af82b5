/* fast_server.h - chapter 10, exercise 1: the shouting server, fast.
 *
 * The tests call this function; you write it in fast_server.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef FAST_SERVER_H
#define FAST_SERVER_H

#include <ac.h>

/* [interface] */
/* A connection handler for ac_server_start(): the protocol of
 * support/slow_server.h, byte for byte, at many times slow_serve()'s
 * speed. ARG is unused. Returns 0 once the client has ended its stream and
 * every answer has been handed over, or the connection's error. */
int fast_serve(ac_stream_t *stream, void *arg);
/* [interface] */

#endif /* FAST_SERVER_H */

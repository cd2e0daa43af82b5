/* fast_server.c - chapter 10, exercise 1: the shouting server, fast.
 *
 * What to build: fast_serve() of fast_server.h, the protocol of
 * support/slow_server.h with the same bytes out, but fast. Start from
 * slow_serve() in support/slow_server.c: it works, and it pays for one
 * read call per byte, one task per line, and one write (a system call)
 * per byte of every answer. Read what has come in large pieces, answer
 * every line of a piece into one buffer, and write that buffer once; keep
 * what a line needs between pieces (its number, whether the next byte
 * starts a line), since a line can be split anywhere.
 *
 * What the tests check: answers that match the protocol byte for byte,
 * whatever the pieces the input comes in, for long lines, a last line
 * without a newline, and two clients at once; an answer that goes out
 * before the next line is sent; at most one write per twenty lines when
 * lines come all at once, and no task per line; a client that reads
 * nothing gets no more answers written for it than the kernel can hold
 * (drain after each write); and three times slow_serve()'s throughput in
 * the same run.
 *
 * Grade it with: make grade CH=10 EX=fast_server
 */
#include "fast_server.h"

#include <errno.h>

#include "slow_server.h"

int fast_serve(ac_stream_t *stream, void *arg)
{
  /* TODO: serve the connection as slow_serve() does, with large reads,
   * one write per piece read, and no task per line. */
  (void)stream;
  (void)arg;
  return -ENOSYS;
}

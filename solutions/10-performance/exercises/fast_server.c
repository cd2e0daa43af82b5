/* fast_server.c - chapter 10, exercise 1 (reference): the shouting server,
 * fast.
 *
 * One read takes whatever has come (up to IN_SIZE), one pass turns it into
 * the answers, and one write sends them: a system call each way per piece,
 * whatever the number of lines in it, and no task but the handler's. The
 * pass keeps the only state a line needs across pieces: its number, and
 * whether the next byte starts a line. Draining after each write keeps a
 * client that does not read from filling the server's memory.
 */
#include "fast_server.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "slow_server.h"

enum {
  IN_SIZE = 32 * 1024,  /* the most one read takes */
  OUT_SIZE = 64 * 1024, /* the answers to one piece, usually all of them */
  PREFIX_MAX = 24       /* "%ld: " and its terminating zero */
};

typedef struct {
  ac_stream_t *stream;
  long number;        /* the last line's number on this connection */
  bool at_line_start; /* the next byte begins a line */
  char *out;          /* answers not yet written */
  size_t len;         /* bytes in out */
} shouter_t;

static int flush(shouter_t *sh)
{
  int rc = ac_stream_write(sh->stream, sh->out, sh->len);
  sh->len = 0;
  return rc == 0 ? ac_stream_drain(sh->stream) : rc;
}

/* [pass] */
/* Answer the N bytes of IN, writing only when the buffer is full. */
static int shout(shouter_t *sh, const char *in, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (sh->len > OUT_SIZE - PREFIX_MAX - 1) {
      int rc = flush(sh);
      if (rc < 0)
        return rc;
    }
    if (sh->at_line_start) {
      sh->len += (size_t)snprintf(sh->out + sh->len, PREFIX_MAX, "%ld: ", ++sh->number);
      sh->at_line_start = false;
    }
    sh->out[sh->len++] = (char)toupper((unsigned char)in[i]);
    if (in[i] == '\n')
      sh->at_line_start = true;
  }
  return 0;
}
/* [pass] */

int fast_serve(ac_stream_t *stream, void *arg)
{
  (void)arg;
  shouter_t sh = {stream, 0, true, malloc(OUT_SIZE), 0};
  char *in = malloc(IN_SIZE);
  int rc = sh.out && in ? 0 : -ENOMEM;
  while (rc == 0) {
    ssize_t got = ac_stream_read(stream, in, IN_SIZE);
    if (got <= 0) {
      rc = got < 0 ? (int)got : ac_stream_drain(stream); /* 0: the client is done */
      break;
    }
    rc = shout(&sh, in, (size_t)got);
    if (rc == 0)
      rc = flush(&sh); /* the piece's answers go now, more to come or not */
  }
  free(in);
  free(sh.out);
  return rc;
}

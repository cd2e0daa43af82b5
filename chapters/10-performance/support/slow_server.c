/* slow_server.c - chapter 10: the shouting server as first written (see
 * slow_server.h). Correct, and slow for three reasons a profile shows:
 * it reads one byte per call, starts a task for every line, and writes
 * every byte of an answer with a write of its own (a system call each),
 * waiting for the stream to drain after each. fast_server.c is the same
 * protocol without them. */
#include "slow_server.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  ac_stream_t *stream;
  const char *line;
  size_t len;
  long number;
} reply_t;

/* [reply] */
/* One line's answer, in a task of its own. */
static int write_reply(void *arg, void **result)
{
  (void)result;
  reply_t *r = arg;
  char prefix[32];
  int n = snprintf(prefix, sizeof prefix, "%ld: ", r->number);
  int rc = ac_stream_write(r->stream, prefix, (size_t)n);
  for (size_t i = 0; i < r->len && rc == 0; i++) {
    char up = (char)toupper((unsigned char)r->line[i]);
    rc = ac_stream_write(r->stream, &up, 1); /* one byte, one system call */
    if (rc == 0)
      rc = ac_stream_drain(r->stream);
  }
  return rc;
}
/* [reply] */

static int answer(ac_stream_t *stream, const char *line, size_t len, long number)
{
  reply_t r = {stream, line, len, number};
  ac_task_t *task;
  int rc = ac_task_create(&task, write_reply, &r); /* a task per message */
  if (rc < 0)
    return rc;
  rc = ac_future_await(task, NULL);
  ac_future_release(task);
  return rc;
}

int slow_serve(ac_stream_t *stream, void *arg)
{
  (void)arg;
  char *line = NULL;
  size_t len = 0, cap = 0;
  long number = 0;
  int rc = 0;
  for (;;) {
    char c;
    ssize_t got = ac_stream_read(stream, &c, 1); /* one byte per call */
    if (got < 0) {
      rc = (int)got;
      break;
    }
    if (got == 1) {
      if (len == cap) {
        char *bigger = realloc(line, cap ? cap * 2 : 64);
        if (!bigger) {
          rc = -ENOMEM;
          break;
        }
        line = bigger;
        cap = cap ? cap * 2 : 64;
      }
      line[len++] = c;
    }
    if ((got == 1 && c == '\n') || (got == 0 && len > 0)) {
      if ((rc = answer(stream, line, len, ++number)) < 0)
        break;
      len = 0;
    }
    if (got == 0) {
      rc = ac_stream_drain(stream);
      break;
    }
  }
  free(line);
  return rc;
}

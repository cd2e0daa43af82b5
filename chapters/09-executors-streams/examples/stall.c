/* stall.c - compression on the loop stalls every task; the same call in
 * the executor does not. A heartbeat ticks every 10 ms while 4 MiB of text
 * are compressed with zlib, first in the task, then through
 * ac_executor_run(NULL, ...), and says how late its latest tick came. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "heartbeat.h"

enum { TEXT_SIZE = 4 << 20 };

typedef struct {
  const unsigned char *text;
  size_t len;
  double took_ms; /* how long compress2() took */
  int rc;
} compression_t;

static double now_ms(void)
{
  return ac_loop_time_precise();
}

/* [compress] */
/* Compress the whole text in one call: pure CPU work, about 40 ms a MiB. */
static int compress_text(void *arg, void **result)
{
  (void)result;
  compression_t *c = arg;
  uLongf out_len = compressBound((uLong)c->len);
  unsigned char *out = malloc(out_len);
  if (!out)
    return c->rc = -ENOMEM;
  c->rc =
      compress2(out, &out_len, c->text, (uLong)c->len, Z_DEFAULT_COMPRESSION) == Z_OK ? 0 : -EIO;
  free(out);
  return c->rc;
}

static int on_the_loop(compression_t *c)
{
  return compress_text(c, NULL); /* the task computes: nothing else runs */
}

static int in_the_executor(compression_t *c)
{
  return ac_executor_run(NULL, compress_text, c, NULL); /* asyncio.to_thread */
}
/* [compress] */

/* Run @how beside a heartbeat, and say what the heartbeat saw. */
static int beside_heartbeat(int (*how)(compression_t *), compression_t *c,
                            heartbeat_report_t *report)
{
  heartbeat_t *hb = NULL;
  int rc = heartbeat_start(&hb, 10);
  if (rc)
    return rc;
  (void)ac_task_sleep(30); /* a few ticks on time first */
  double start = now_ms();
  rc = how(c);
  c->took_ms = now_ms() - start;
  (void)ac_task_sleep(30); /* the tick that was due comes now, late */
  heartbeat_stop(hb, report);
  return rc;
}

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  unsigned char *text = malloc(TEXT_SIZE);
  if (!text)
    return -ENOMEM;
  unsigned seed = 1;
  for (size_t i = 0; i < TEXT_SIZE; i++) /* letters that compress, but not to nothing */
  {
    seed = seed * 1103515245u + 12345u;
    text[i] = (unsigned char)('a' + (seed >> 16) % 16);
  }
  compression_t c = {text, TEXT_SIZE, 0, 0};
  heartbeat_report_t seen;
  int rc = beside_heartbeat(on_the_loop, &c, &seen);
  if (rc == 0) {
    /* The tick due during the compression waited for all of it. */
    printf("compressing in the task: the latest tick was %s than half the compression late\n",
           seen.max_late_ms > c.took_ms / 2 ? "more" : "less");
    double took = c.took_ms;
    rc = beside_heartbeat(in_the_executor, &c, &seen);
    double average = seen.ticks ? seen.sum_late_ms / seen.ticks : 0;
    if (rc == 0)
      printf("compressing in the executor: the ticks were %s than a tenth of that late on "
             "average\n",
             average < took / 10 ? "less" : "more");
  }
  free(text);
  return rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc)
    fprintf(stderr, "stall: %s\n", ac_error_message(rc));
  return rc ? 1 : 0;
}

/* streams_ac.c - the streams benchmark's ac side: chapter 09's reference
 * consumer reads, processes (counts) and acknowledges every entry of a
 * stream, and prints the count and the seconds it took.
 *
 * Usage: streams_ac PORT ENTRIES BATCH CONCURRENCY
 * The stream "jobs" and its group "workers" (at 0) are made by the caller.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "consumer.h"

static long want, seen;

static int count(const consumer_entry_t *entry, void *ctx)
{
  (void)entry, (void)ctx;
  if (++seen == want) {
    kill(getpid(), SIGTERM); /* the consumer finishes the batch, acknowledges it, returns */
  }
  return 0;
}

static int run(void *arg, void **result)
{
  (void)result;
  return consumer_run(arg);
}

int main(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: streams_ac PORT ENTRIES BATCH CONCURRENCY\n");
    return 2;
  }
  want = atol(argv[2]);
  consumer_opts_t o = {.host = "127.0.0.1",
                       .port = atoi(argv[1]),
                       .stream = "jobs",
                       .group = "workers",
                       .name = "bench",
                       .batch = (size_t)atol(argv[3]),
                       .concurrency = (size_t)atol(argv[4]),
                       .block_ms = 100,
                       .claim_idle_ms = 600000,
                       .process = count};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = ac_loop_run(run, &o, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc != 0 || seen < want) {
    fprintf(stderr, "streams_ac: %s after %ld of %ld entries\n", ac_error_message(rc), seen, want);
    return 1;
  }
  printf("%ld %.6f\n", seen, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}

/* consumer.h - chapter 09: an at-least-once consumer in a Redis Streams
 * consumer group.
 *
 * The tests call this function; you write it in consumer.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef CONSUMER_H
#define CONSUMER_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* One entry of the stream, as the consumer hands it to process(). Both
 * strings are valid only during the call. */
typedef struct {
  const char *id;   /* the entry's id, such as "1700000000000-0" */
  const char *data; /* the value of its "data" field ("" if it has none) */
} consumer_entry_t;

/* Process one entry: runs in a task of its own and may suspend. Returns 0
 * when the entry is done (the consumer then acknowledges it), or a
 * negative errno to leave it pending, to be processed again later. */
typedef int (*consumer_process_fn)(const consumer_entry_t *entry, void *ctx);

typedef struct {
  const char *host;            /* the Redis server */
  int port;                    /* 1..65535 */
  const char *stream;          /* the stream's key */
  const char *group;           /* the consumer group (made, at "0", if missing) */
  const char *name;            /* this consumer's name in the group */
  size_t batch;                /* >= 1: entries asked for per read (COUNT) */
  size_t concurrency;          /* >= 1: entries processed at once, at most */
  int64_t block_ms;            /* > 0: how long a read waits for new entries (BLOCK) */
  int64_t claim_idle_ms;       /* > 0: entries pending this long, on any consumer of the
                                  group, are claimed and processed again (XAUTOCLAIM) */
  consumer_process_fn process; /* what each entry is given to */
  void *ctx;                   /* passed to process() */
} consumer_opts_t;

/* Consume the stream as opts->name in opts->group until SIGTERM or SIGINT,
 * from a task. Every entry is processed at least once: it is acknowledged
 * (XACK) only after process() returned 0 for it; entries this consumer
 * read before and never acknowledged (a restart under the same name) are
 * processed first; entries another consumer left pending for
 * claim_idle_ms are claimed. At most `concurrency` process() calls run at
 * once. On SIGTERM or SIGINT the consumer reads nothing more, lets the
 * entries it has finish and acknowledges them, gives the signals back, and
 * returns.
 *
 * Returns 0 after a signal; -EINVAL for a NULL opts, host, stream, group,
 * name or process, or a field out of range; a connection's error (such as
 * -ECONNREFUSED, -EPIPE); -ECANCELED if the caller was cancelled. */
int consumer_run(const consumer_opts_t *opts);
/* [interface] */

#endif /* CONSUMER_H */

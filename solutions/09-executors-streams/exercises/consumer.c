/* consumer.c - chapter 09: an at-least-once consumer in a Redis Streams
 * consumer group (the reference solution).
 *
 * One loop: claim what other consumers left pending too long, read new
 * entries, process each batch with at most `concurrency` entries at once,
 * then acknowledge the entries processed, in one XACK for the batch (as a
 * Kafka consumer commits once per batch). Before the loop, the
 * entries this consumer itself read and never acknowledged are read again
 * (id "0" instead of ">"). A signal stops the loop between batches.
 */
#include "consumer.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const consumer_opts_t *opts;
  ac_redis_t *redis;
  ac_sem_t *slots; /* one permit per entry being processed */
  int stop;        /* a signal came: read nothing more */
  int error;       /* the first error of the connection, from any task */
} consumer_t;

typedef struct {
  consumer_t *c;
  consumer_entry_t entry;
  int processed; /* process() succeeded: acknowledge it */
} job_t;

/* [process_one] */
/* One entry, in a task of its own. An entry whose processing failed is
 * not acknowledged: it stays pending, and is claimed again once it has
 * been idle claim_idle_ms. */
static int process_one(void *arg, void **result)
{
  job_t *job = arg;
  consumer_t *c = job->c;
  (void)result;
  job->processed = c->opts->process(&job->entry, c->opts->ctx) == 0;
  ac_sem_release(c->slots);
  return 0; /* a failed entry must not cancel the rest of its batch */
}

/* Acknowledge the processed entries of JOBS, in one command: one round
 * trip for the batch instead of one per entry. */
static int acknowledge(consumer_t *c, const job_t *jobs, size_t n)
{
  const char **argv = malloc((n + 3) * sizeof *argv);
  if (argv == NULL) {
    return -ENOMEM;
  }
  size_t argc = 0;
  argv[argc++] = "XACK";
  argv[argc++] = c->opts->stream;
  argv[argc++] = c->opts->group;
  for (size_t i = 0; i < n; i++) {
    if (jobs[i].processed) {
      argv[argc++] = jobs[i].entry.id;
    }
  }
  int rc = argc > 3 ? ac_redis_command_argv(c->redis, NULL, argc, argv, NULL) : 0;
  free(argv);
  return rc;
}
/* [process_one] */

/* The "data" field of an entry's [id, [field, value, ...]], or "". */
static const char *data_of(const ac_redis_reply_t *fields)
{
  if (fields == NULL || fields->type != AC_REDIS_REPLY_ARRAY) {
    return ""; /* deleted from the stream while it was pending */
  }
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    if (strcmp(fields->element[i]->str, "data") == 0) {
      return fields->element[i + 1]->str;
    }
  }
  return "";
}

/* [process_batch] */
/* Process the entries of ENTRIES (an array of [id, fields]), at most
 * `concurrency` at once, wait until all are done, then acknowledge those
 * processed. The id of the last one goes into LAST (if not NULL). */
static int process_batch(consumer_t *c, const ac_redis_reply_t *entries, char *last, size_t size)
{
  job_t *jobs = calloc(entries->elements ? entries->elements : 1, sizeof *jobs);
  if (jobs == NULL) {
    return -ENOMEM;
  }
  ac_group_t *group = NULL;
  int rc = ac_group_create(&group);
  if (rc < 0) {
    free(jobs);
    return rc;
  }
  for (size_t i = 0; i < entries->elements && rc == 0; i++) {
    const ac_redis_reply_t *e = entries->element[i];
    jobs[i] = (job_t){c, {e->element[0]->str, data_of(e->element[1])}, 0};
    if (last != NULL) {
      snprintf(last, size, "%s", jobs[i].entry.id);
    }
    rc = ac_sem_acquire(c->slots); /* wait for a free slot */
    if (rc == 0) {
      rc = ac_group_spawn(group, NULL, process_one, &jobs[i], NULL);
      if (rc < 0) {
        ac_sem_release(c->slots);
      }
    }
  }
  int closed = ac_group_close(group); /* every entry started is finished */
  int acked = acknowledge(c, jobs, entries->elements);
  free(jobs);
  if (acked < 0 && c->error == 0) {
    c->error = acked;
  }
  return rc < 0 ? rc : closed < 0 ? closed : acked;
}
/* [process_batch] */

/* The entries of an XREADGROUP reply ([[stream, entries]], or nil). */
static const ac_redis_reply_t *read_entries(const ac_redis_reply_t *r)
{
  static const ac_redis_reply_t none = {.type = AC_REDIS_REPLY_ARRAY};
  if (r->type != AC_REDIS_REPLY_ARRAY || r->elements == 0) {
    return &none;
  }
  return r->element[0]->element[1];
}

/* [own_pending] */
/* What this consumer read before and never acknowledged: after a restart
 * under the same name, ">" would never give those entries again. */
static int reread_own_pending(consumer_t *c)
{
  const consumer_opts_t *o = c->opts;
  char after[64] = "0";
  while (!c->stop) {
    ac_redis_reply_t *r = NULL;
    int rc = ac_redis_command(c->redis, &r, "XREADGROUP GROUP %s %s COUNT %lld STREAMS %s %s",
                              o->group, o->name, (long long)o->batch, o->stream, after);
    if (rc < 0) {
      ac_redis_reply_release(r);
      return rc;
    }
    const ac_redis_reply_t *entries = read_entries(r);
    if (entries->elements == 0) {
      ac_redis_reply_release(r);
      return 0;
    }
    rc = process_batch(c, entries, after, sizeof after);
    ac_redis_reply_release(r);
    if (rc < 0) {
      return rc;
    }
  }
  return 0;
}
/* [own_pending] */

/* [main_loop] */
static int consume(consumer_t *c)
{
  const consumer_opts_t *o = c->opts;
  char cursor[64] = "0-0";
  int rc = reread_own_pending(c);
  while (rc == 0 && !c->stop && c->error == 0) {
    /* Entries idle too long on any consumer (one that crashed) are ours now. */
    ac_redis_reply_t *r = NULL;
    rc = ac_redis_command(c->redis, &r, "XAUTOCLAIM %s %s %s %lld %s COUNT %lld", o->stream,
                          o->group, o->name, (long long)o->claim_idle_ms, cursor,
                          (long long)o->batch);
    if (rc == 0) {
      snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
      rc = process_batch(c, r->element[1], NULL, 0);
    }
    ac_redis_reply_release(r);
    if (rc < 0 || c->stop) {
      break;
    }
    /* New entries, waiting block_ms at most for some to come. */
    r = NULL;
    rc =
        ac_redis_command(c->redis, &r, "XREADGROUP GROUP %s %s COUNT %lld BLOCK %lld STREAMS %s >",
                         o->group, o->name, (long long)o->batch, (long long)o->block_ms, o->stream);
    if (rc == 0) {
      rc = process_batch(c, read_entries(r), NULL, 0);
    }
    ac_redis_reply_release(r);
  }
  return rc < 0 ? rc : c->error;
}
/* [main_loop] */

/* [signals] */
/* Waits for SIGTERM or SIGINT and asks the loop to stop after its batch. */
static int watch_signals(void *arg, void **result)
{
  consumer_t *c = arg;
  ac_signal_t *sig = NULL;
  static const int signums[] = {SIGTERM, SIGINT};
  (void)result;
  int rc = ac_signal_create(&sig, signums, 2);
  if (rc < 0) {
    return rc;
  }
  if (ac_signal_wait(sig) >= 0) {
    c->stop = 1;
  }
  ac_signal_close(sig); /* the signals' old handling comes back */
  return 0;
}
/* [signals] */

static int check(const consumer_opts_t *o)
{
  if (o == NULL || o->host == NULL || o->stream == NULL || o->group == NULL || o->name == NULL ||
      o->process == NULL) {
    return -EINVAL;
  }
  if (o->port < 1 || o->port > 65535 || o->batch < 1 || o->concurrency < 1 || o->block_ms <= 0 ||
      o->claim_idle_ms <= 0) {
    return -EINVAL;
  }
  return 0;
}

int consumer_run(const consumer_opts_t *opts)
{
  int rc = check(opts);
  if (rc < 0) {
    return rc;
  }
  consumer_t c = {.opts = opts};
  if ((rc = ac_sem_create(&c.slots, opts->concurrency, 0)) < 0) {
    return rc;
  }
  if ((rc = ac_redis_connect(&c.redis, opts->host, opts->port)) < 0) {
    ac_sem_close(c.slots);
    return rc;
  }
  /* The group, if it is not there yet: from the stream's start. */
  ac_redis_reply_t *r = NULL;
  rc = ac_redis_command(c.redis, &r, "XGROUP CREATE %s %s 0 MKSTREAM", opts->stream, opts->group);
  if (rc == -EREMOTEIO && strncmp(r->str, "BUSYGROUP", 9) == 0) {
    rc = 0; /* it exists */
  }
  ac_redis_reply_release(r);
  ac_task_t *watcher = NULL;
  if (rc == 0) {
    rc = ac_task_create(&watcher, watch_signals, &c);
  }
  if (rc == 0) {
    ac_task_sleep(0); /* the watcher catches the signals before we read */
    rc = consume(&c);
    ac_future_cancel(watcher);
    ac_future_await(watcher, NULL);
    ac_future_release(watcher);
  }
  ac_redis_close(c.redis);
  ac_sem_close(c.slots);
  return rc;
}

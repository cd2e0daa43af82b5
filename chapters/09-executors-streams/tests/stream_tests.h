/* stream_tests.h - what chapter 09's stream tests share: a redis-server of
 * the test's own (grade_redis.h), entries produced into a stream, what is
 * pending in a group, and a consumer run in a child process that a test
 * can kill.
 */
#ifndef STREAM_TESTS_H
#define STREAM_TESTS_H

#include <ac.h>
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "consumer.h"
#include "grade_ac.h"
#include "grade_redis.h"

static redis_server_t server;

/* A connection of the test's own to the server. */
static inline ac_redis_t *stream_connect(void)
{
  ac_redis_t *r = NULL;
  int rc = ac_redis_connect(&r, "127.0.0.1", server.port);
  ck_assert_msg(rc == 0, "the test could not connect to its redis-server: %s",
                ac_error_message(rc));
  return r;
}

/* A command of the test's own that must succeed; its integer reply. */
static inline long long stream_integer(ac_redis_t *r, const char *format, const char *a,
                                       const char *b, const char *c)
{
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(r, &reply, format, a, b, c);
  ck_assert_msg(rc == 0 && reply->type == AC_REDIS_REPLY_INTEGER, "%s: %d (%s)", format, rc,
                reply != NULL && reply->str != NULL ? reply->str : ac_error_message(rc));
  long long v = reply->integer;
  ac_redis_reply_release(reply);
  return v;
}

typedef struct {
  ac_redis_t *r;
  const char *stream;
  int from, to; /* entries with data "from".."to-1" */
} stream_producer_t;

static inline int stream_produce_some(void *arg, void **result)
{
  stream_producer_t *p = arg;
  (void)result;
  for (int i = p->from; i < p->to; i++) {
    ck_assert_int_eq(ac_redis_command(p->r, NULL, "XADD %s * data %d", p->stream, i), 0);
  }
  return 0;
}

/* XADD entries with data "first".."first+n-1" to STREAM, from 10 tasks. */
static inline void stream_produce(ac_redis_t *r, const char *stream, int first, int n)
{
  enum { PRODUCERS = 10 };
  stream_producer_t p[PRODUCERS];
  ac_task_t *t[PRODUCERS];
  for (int i = 0; i < PRODUCERS; i++) {
    p[i] =
        (stream_producer_t){r, stream, first + n * i / PRODUCERS, first + n * (i + 1) / PRODUCERS};
    ck_assert_int_eq(ac_task_create(&t[i], stream_produce_some, &p[i]), 0);
  }
  ck_assert_int_eq(ac_future_gather(t, PRODUCERS, NULL, NULL, 0), 0);
  for (int i = 0; i < PRODUCERS; i++) {
    ac_future_release(t[i]);
  }
}

/* Entries pending in GROUP (read and not acknowledged), for every consumer
 * (NAME NULL) or for one. */
static inline long long stream_pending(ac_redis_t *r, const char *stream, const char *group,
                                       const char *name)
{
  ac_redis_reply_t *reply = NULL;
  int rc = name == NULL
               ? ac_redis_command(r, &reply, "XPENDING %s %s", stream, group)
               : ac_redis_command(r, &reply, "XPENDING %s %s - + 1000000 %s", stream, group, name);
  ck_assert_msg(rc == 0 && reply->type == AC_REDIS_REPLY_ARRAY, "XPENDING: %d (%s)", rc,
                reply != NULL && reply->str != NULL ? reply->str : ac_error_message(rc));
  long long n = name == NULL ? reply->element[0]->integer : (long long)reply->elements;
  ac_redis_reply_release(reply);
  return n;
}

/* Read N entries as consumer NAME and acknowledge none: what a consumer
 * that crashed leaves behind. */
static inline void stream_read_and_drop(ac_redis_t *r, const char *stream, const char *group,
                                        const char *name, int n)
{
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(r, &reply, "XREADGROUP GROUP %s %s COUNT %d STREAMS %s >", group, name,
                            n, stream);
  ck_assert_msg(rc == 0 && reply->type == AC_REDIS_REPLY_ARRAY, "XREADGROUP: %d", rc);
  ck_assert_int_eq(reply->element[0]->element[1]->elements, n);
  ac_redis_reply_release(reply);
}

static inline void stream_create_group(ac_redis_t *r, const char *stream, const char *group)
{
  ck_assert_int_eq(ac_redis_command(r, NULL, "XGROUP CREATE %s %s 0 MKSTREAM", stream, group), 0);
}

/* How SIGTERM was handled before the consumer started (the harness may
 * have a handler of its own). */
static struct sigaction stream_sigterm_before;

static inline void stream_note_sigterm(void)
{
  sigaction(SIGTERM, NULL, &stream_sigterm_before);
}

/* Whether SIGTERM is caught now by the consumer under test: its handling
 * has changed since stream_note_sigterm(). */
static inline int stream_sigterm_caught(void)
{
  struct sigaction sa;
  sigaction(SIGTERM, NULL, &sa);
  return sa.sa_handler != stream_sigterm_before.sa_handler;
}

/* ---- a consumer in a child process ------------------------------------------ */

/* What a child's process() does: the sink is the child's own connection. */
typedef int (*stream_child_fn)(ac_redis_t *sink, const consumer_entry_t *entry);

typedef struct {
  consumer_opts_t opts;
  stream_child_fn fn;
  ac_redis_t *sink;
} stream_child_t;

static inline int stream_child_process(const consumer_entry_t *entry, void *ctx)
{
  stream_child_t *c = ctx;
  return c->fn(c->sink, entry);
}

static inline int stream_child_main(void *arg, void **result)
{
  stream_child_t *c = arg;
  (void)result;
  if (ac_redis_connect(&c->sink, "127.0.0.1", server.port) < 0) {
    return -EIO;
  }
  int rc = consumer_run(&c->opts);
  ac_redis_close(c->sink);
  return rc;
}

/* Fork a process that runs consumer_run(OPTS) with process() calling FN;
 * it exits 0 if consumer_run returned 0. It dies with the test. */
static inline pid_t stream_fork_consumer(const consumer_opts_t *opts, stream_child_fn fn)
{
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(server.in); /* the server stops with the test, not with this child */
    stream_child_t c = {*opts, fn, NULL};
    c.opts.process = stream_child_process;
    c.opts.ctx = &c;
    int rc = ac_loop_run(stream_child_main, &c, NULL);
    _exit(rc == 0 ? 0 : 1);
  }
  return pid;
}

/* Wait for a child to exit, MS at most (then kill it); its wait status. */
static inline int stream_wait_child(pid_t pid, int ms)
{
  int status = 0;
  for (int waited = 0; waited < ms; waited += 10) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return status;
    }
    ac_task_sleep(10);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ck_abort_msg("the consumer did not exit within %d ms of SIGTERM", ms);
  return status;
}

#define STREAM_MS(ms) ((int)((ms)*redis_timeout_factor()))

#endif /* STREAM_TESTS_H */

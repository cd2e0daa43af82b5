/* redis.c - a Redis client on the runtime's streams: hiredis formats the
 * commands and parses the replies; the bytes go over an ac_stream_t. Tasks
 * append commands to one output buffer, flushed once per turn of the loop,
 * and wait in a FIFO; a reader task hands each reply to the FIFO's head. */
#include <hiredis/hiredis.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "task_internal.h"

enum { READ_SIZE = 16 * 1024 }; /* bytes asked of the stream per read */

/* A command whose reply is awaited, in the order it was written. */
typedef struct redis_cmd {
  struct redis_cmd *next, *prev;
  ac__task *task;          /* who waits; NULL once it gave up (the reply is dropped) */
  size_t start, end;       /* its bytes in out[], while not yet written */
  int sent;                /* its bytes went to the stream */
  int withdrawn;           /* taken out before they went: its task was woken early */
  int done;                /* the reader finished it: reply or error */
  int error;               /* 0, or why no reply came */
  ac_redis_reply_t *reply; /* what came */
} redis_cmd;

struct ac_redis_s {
  ac__resource res; /* freed with the loop if nobody did */
  ac__loop *loop;
  ac_stream_t *stream;
  redisReader *parser;
  ac_task_t *reader;      /* reads replies and hands them over */
  redis_cmd *head, *tail; /* every command waiting for its reply, oldest first */
  redis_cmd *unsent;      /* the first of them not written yet: the rest follow it */
  char *out;              /* commands not yet written */
  size_t out_len, out_cap;
  ac_handle_t *flush; /* the write of out[] scheduled for this turn, or NULL */
  int error;          /* the connection is broken (or closing): every command fails so */
  char in[READ_SIZE]; /* the reader's bytes from the stream */
};

/* ---- replies ------------------------------------------------------------- */

/* hiredis's reply becomes one block: the reply, its string, its elements. */
static size_t reply_size(const redisReply *r) {
  size_t n = sizeof(ac_redis_reply_t);
  if (r->str) n += (r->len + 1 + 7) & ~(size_t)7;
  if (r->type == REDIS_REPLY_ARRAY) {
    n += r->elements * sizeof(ac_redis_reply_t *);
    for (size_t i = 0; i < r->elements; i++) n += reply_size(r->element[i]);
  }
  return n;
}

static ac_redis_reply_t *reply_copy(const redisReply *r, char **space) {
  ac_redis_reply_t *out = (ac_redis_reply_t *)*space;
  *space += sizeof *out;
  *out = (ac_redis_reply_t){.integer = r->integer};
  switch (r->type) {
  case REDIS_REPLY_STRING: out->type = AC_REDIS_REPLY_STRING; break;
  case REDIS_REPLY_ARRAY: out->type = AC_REDIS_REPLY_ARRAY; break;
  case REDIS_REPLY_INTEGER: out->type = AC_REDIS_REPLY_INTEGER; break;
  case REDIS_REPLY_STATUS: out->type = AC_REDIS_REPLY_STATUS; break;
  case REDIS_REPLY_ERROR: out->type = AC_REDIS_REPLY_ERROR; break;
  default: out->type = AC_REDIS_REPLY_NIL; break;
  }
  if (r->str) {
    out->str = *space;
    out->len = r->len;
    memcpy(out->str, r->str, r->len);
    out->str[r->len] = '\0';
    *space += (r->len + 1 + 7) & ~(size_t)7;
  }
  if (r->type == REDIS_REPLY_ARRAY) {
    out->elements = r->elements;
    out->element = (ac_redis_reply_t **)*space;
    *space += r->elements * sizeof(ac_redis_reply_t *);
    for (size_t i = 0; i < r->elements; i++) out->element[i] = reply_copy(r->element[i], space);
  }
  return out;
}

static ac_redis_reply_t *reply_from(const redisReply *r) {
  char *space = malloc(reply_size(r));
  return space ? reply_copy(r, &space) : NULL;
}

void ac_redis_reply_release(ac_redis_reply_t *reply) { free(reply); }

/* ---- the FIFO ------------------------------------------------------------ */

static void unlink_cmd(ac_redis_t *c, redis_cmd *cmd) {
  if (c->unsent == cmd) c->unsent = cmd->next;
  if (cmd->prev)
    cmd->prev->next = cmd->next;
  else
    c->head = cmd->next;
  if (cmd->next)
    cmd->next->prev = cmd->prev;
  else
    c->tail = cmd->prev;
}

/* Finish CMD, the head, with REPLY or ERROR: to its task, or dropped. */
static void finish_head(ac_redis_t *c, ac_redis_reply_t *reply, int error) {
  redis_cmd *cmd = c->head;
  unlink_cmd(c, cmd);
  if (!cmd->task) { /* its task gave up waiting */
    ac_redis_reply_release(reply);
    free(cmd);
    return;
  }
  cmd->done = 1;
  cmd->reply = reply;
  cmd->error = error;
  ac__wake(cmd->task, 0);
}

/* The connection is broken or closing: every command waiting fails. */
static void fail_all(ac_redis_t *c, int error) {
  if (!c->error) c->error = error;
  while (c->head) finish_head(c, NULL, c->error);
  c->out_len = 0;
}

/* ---- writing ------------------------------------------------------------- */

static void unqueue(ac_redis_t *c, redis_cmd *cmd);

/* Once a turn: everything the tasks wrote since, in one write. A command
 * whose task was woken meanwhile (cancelled, timed out) stays behind. */
static void flush_out(void *arg) {
  ac_redis_t *c = arg;
  ac_handle_close(c->flush); /* ran: give the handle back */
  c->flush = NULL;
  for (redis_cmd *cmd = c->unsent, *next; cmd; cmd = next) {
    next = cmd->next;
    if (!cmd->sent && cmd->task && cmd->task->tstate != AC__TASK_SUSPENDED) {
      unqueue(c, cmd);
      cmd->withdrawn = 1;
    }
  }
  if (c->error || c->out_len == 0) return;
  int rc = ac_stream_write(c->stream, c->out, c->out_len);
  c->out_len = 0;
  if (rc) {
    fail_all(c, rc);
    return;
  }
  for (redis_cmd *cmd = c->unsent; cmd; cmd = cmd->next) cmd->sent = 1;
  c->unsent = NULL;
}

/* Take back the bytes of a command that has not left. */
static void unqueue(ac_redis_t *c, redis_cmd *cmd) {
  size_t n = cmd->end - cmd->start;
  memmove(c->out + cmd->start, c->out + cmd->end, c->out_len - cmd->end);
  c->out_len -= n;
  for (redis_cmd *later = cmd->next; later; later = later->next)
    if (!later->sent) later->start -= n, later->end -= n;
  unlink_cmd(c, cmd);
}

static int queue_cmd(ac_redis_t *c, const char *bytes, size_t size, redis_cmd *cmd) {
  if (c->out_len + size > c->out_cap) {
    size_t cap = c->out_cap ? c->out_cap : 4096;
    while (cap < c->out_len + size) cap *= 2;
    char *grown = realloc(c->out, cap);
    if (!grown) return -ENOMEM;
    c->out = grown, c->out_cap = cap;
  }
  if (!c->flush) {
    int rc = ac_loop_call_soon(flush_out, c, &c->flush);
    if (rc) return rc;
  }
  memcpy(c->out + c->out_len, bytes, size);
  cmd->start = c->out_len;
  cmd->end = c->out_len += size;
  cmd->prev = c->tail;
  if (c->tail)
    c->tail->next = cmd;
  else
    c->head = cmd;
  c->tail = cmd;
  if (!c->unsent) c->unsent = cmd;
  return 0;
}

/* Queue BYTES as one command and wait for its reply. */
static int run_cmd(ac_redis_t *c, ac__task *t, const char *bytes, size_t size, int64_t timeout_ms,
                   ac_redis_reply_t **reply) {
  if (c->error) return c->error;
  if (timeout_ms == 0) return -ETIMEDOUT;
  redis_cmd *cmd = calloc(1, sizeof *cmd);
  if (!cmd) return -ENOMEM;
  cmd->task = t;
  int rc = queue_cmd(c, bytes, size, cmd);
  if (rc) {
    free(cmd);
    return rc;
  }
  rc = ac__suspend_for(t, timeout_ms, -ETIMEDOUT, "redis reply");
  if (!cmd->done) { /* cancelled or timed out before the reply */
    if (cmd->withdrawn) {
      free(cmd);
    } else if (!cmd->sent) {
      unqueue(c, cmd);
      free(cmd);
    } else {
      cmd->task = NULL; /* the reader drops the reply when it comes */
    }
    return rc ? rc : -ECANCELED;
  }
  ac_redis_reply_t *got = cmd->reply;
  int error = cmd->error;
  free(cmd);
  if (rc == 0 && error == 0 && got && got->type == AC_REDIS_REPLY_ERROR) rc = -EREMOTEIO;
  if (rc == 0) rc = error;
  if (rc && rc != -EREMOTEIO) { /* woken with a reply, but cancelled meanwhile */
    ac_redis_reply_release(got);
    got = NULL;
  }
  if (reply)
    *reply = got;
  else
    ac_redis_reply_release(got);
  return rc;
}

/* ---- reading ------------------------------------------------------------- */

static int read_replies(void *arg, void **result) {
  ac_redis_t *c = arg;
  (void)result;
  for (;;) {
    ssize_t n = ac_stream_read(c->stream, c->in, sizeof c->in);
    if (n <= 0) {
      fail_all(c, n == 0 ? -EPIPE : (int)n);
      return 0;
    }
    if (redisReaderFeed(c->parser, c->in, (size_t)n) != REDIS_OK) {
      fail_all(c, -EPROTO);
      return 0;
    }
    void *r = NULL;
    while (redisReaderGetReply(c->parser, &r) == REDIS_OK && r) {
      ac_redis_reply_t *reply = reply_from(r);
      freeReplyObject(r);
      r = NULL;
      if (!c->head) { /* a reply nobody asked for */
        ac_redis_reply_release(reply);
        fail_all(c, -EPROTO);
        return 0;
      }
      finish_head(c, reply, reply ? 0 : -ENOMEM);
    }
    if (c->parser->err) {
      fail_all(c, -EPROTO);
      return 0;
    }
  }
}

/* ---- the client ---------------------------------------------------------- */

static void client_free(ac_redis_t *c) {
  ac__resource_untrack(&c->res);
  while (c->head) {
    redis_cmd *cmd = c->head;
    c->head = cmd->next;
    free(cmd); /* only abandoned ones are left: waiting tasks have ended */
  }
  if (c->flush) ac_handle_close(c->flush);
  if (c->reader) ac_future_release(c->reader);
  redisReaderFree(c->parser);
  free(c->out);
  free(c);
}

/* The loop closes: its tasks have ended and it closes the stream itself. */
static void client_close_resource(ac__resource *r) {
  client_free(AC__CONTAINER(r, ac_redis_t, res));
}

int ac_redis_connect(ac_redis_t **out, const char *host, int port) {
  ac__task *t = NULL;
  if (!out) return ac__misuse(-EINVAL, "ac_redis_connect", "the client pointer is NULL");
  *out = NULL;
  if (!host) return ac__misuse(-EINVAL, "ac_redis_connect", "the host is NULL");
  int rc = ac__current(&t, "ac_redis_connect");
  if (rc) return rc;
  ac_redis_t *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  c->loop = t->fut.loop;
  ac__list_init(&c->res.link);
  if (!(c->parser = redisReaderCreate())) {
    free(c);
    return -ENOMEM;
  }
  if ((rc = ac_stream_connect(&c->stream, host, port))) goto fail_connect;
  const ac_task_opts_t opts = {.name = "redis reader"};
  if ((rc = ac_task_create_ex(&c->reader, read_replies, c, &opts))) goto fail_reader;
  ac__resource_track(c->loop, &c->res, client_close_resource);
  *out = c;
  return 0;
fail_reader:
  ac_stream_close(c->stream);
fail_connect:
  redisReaderFree(c->parser);
  free(c);
  return rc;
}

int ac_redis_close(ac_redis_t *c) {
  ac__task *t = NULL;
  if (!c) return ac__misuse(-EINVAL, "ac_redis_close", "the client is NULL");
  int rc = ac__current(&t, "ac_redis_close");
  if (rc) return rc;
  fail_all(c, -EBADF);
  c->error = -EBADF;
  ac_future_cancel(c->reader);
  while (!ac_future_is_done(c->reader)) ac_future_await(c->reader, NULL);
  ac_stream_close(c->stream);
  client_free(c);
  return 0;
}

/* ---- commands ------------------------------------------------------------ */

static int check_call(ac_redis_t *c, ac__task **t, int64_t timeout_ms, ac_redis_reply_t **reply,
                      const char *fn) {
  if (reply) *reply = NULL;
  if (!c) return ac__misuse(-EINVAL, fn, "the client is NULL");
  if (c->loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the client belongs to another thread's loop");
  (void)timeout_ms; /* checked by the _for forms; -1 here means none */
  return ac__current(t, fn);
}

static int command_v(ac_redis_t *c, int64_t timeout_ms, ac_redis_reply_t **reply,
                     const char *format, va_list ap, const char *fn) {
  ac__task *t = NULL;
  int rc = check_call(c, &t, timeout_ms, reply, fn);
  if (rc) return rc;
  if (!format) return ac__misuse(-EINVAL, fn, "the format is NULL");
  char *bytes = NULL;
  int len = redisvFormatCommand(&bytes, format, ap);
  if (len == -1) return -ENOMEM; /* hiredis: -1 memory, -2 a bad format */
  if (len < 0) return ac__misuse(-EINVAL, fn, "hiredis refuses the format \"%s\"", format);
  rc = run_cmd(c, t, bytes, (size_t)len, timeout_ms, reply);
  redisFreeCommand(bytes);
  return rc;
}

int ac_redis_command(ac_redis_t *c, ac_redis_reply_t **reply, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int rc = command_v(c, -1, reply, format, ap, "ac_redis_command");
  va_end(ap);
  return rc;
}

int ac_redis_command_for(ac_redis_t *c, int64_t timeout_ms, ac_redis_reply_t **reply,
                         const char *format, ...) {
  if (timeout_ms < 0)
    return ac__misuse(-EINVAL, "ac_redis_command_for", "negative timeout (%lld ms)",
                      (long long)timeout_ms);
  va_list ap;
  va_start(ap, format);
  int rc = command_v(c, timeout_ms, reply, format, ap, "ac_redis_command_for");
  va_end(ap);
  return rc;
}

static int command_argv(ac_redis_t *c, int64_t timeout_ms, ac_redis_reply_t **reply, size_t argc,
                        const char *const *argv, const size_t *argvlen, const char *fn) {
  ac__task *t = NULL;
  int rc = check_call(c, &t, timeout_ms, reply, fn);
  if (rc) return rc;
  if (!argv || argc == 0 || argc > INT_MAX)
    return ac__misuse(-EINVAL, fn, "no arguments (argv NULL or argc 0)");
  for (size_t i = 0; i < argc; i++)
    if (!argv[i]) return ac__misuse(-EINVAL, fn, "argument %zu is NULL", i);
  char *bytes = NULL;
  int len = redisFormatCommandArgv(&bytes, (int)argc, (const char **)argv, argvlen);
  if (len < 0) return -ENOMEM;
  rc = run_cmd(c, t, bytes, (size_t)len, timeout_ms, reply);
  redisFreeCommand(bytes);
  return rc;
}

int ac_redis_command_argv(ac_redis_t *c, ac_redis_reply_t **reply, size_t argc,
                          const char *const *argv, const size_t *argvlen) {
  return command_argv(c, -1, reply, argc, argv, argvlen, "ac_redis_command_argv");
}

int ac_redis_command_argv_for(ac_redis_t *c, int64_t timeout_ms, ac_redis_reply_t **reply,
                              size_t argc, const char *const *argv, const size_t *argvlen) {
  if (timeout_ms < 0)
    return ac__misuse(-EINVAL, "ac_redis_command_argv_for", "negative timeout (%lld ms)",
                      (long long)timeout_ms);
  return command_argv(c, timeout_ms, reply, argc, argv, argvlen, "ac_redis_command_argv_for");
}

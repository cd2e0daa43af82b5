/* chat_server.c - chapter 07, exercise 1: a chat server where one slow
 * client slows nobody (reference solution).
 *
 * Each connection has two tasks: its handler reads the client's lines and
 * acts on them; a writer takes lines from the client's own bounded queue
 * and writes them out. Whoever sends a line to a client only puts it in
 * that queue with ac_queue_try_put(), which never waits: a full queue means
 * the client cannot keep up, and it is dropped on the spot. So a sender's
 * task never waits for any other client, and no client costs more memory
 * than its queue and its stream's buffer.
 *
 * A line sent to many clients is formatted once and shared: each queue
 * holds a reference, and the last writer to be done with it frees it.
 */
#include "chat_server.h"

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_MS 1000 /* how long a leaving client's writer may take to send what is queued */

/* ---- lines, shared by the queues they are in ------------------------------- */

typedef struct {
  size_t refs;
  size_t len;
  char text[];
} line_t;

static line_t *line_format(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  line_t *line = len < 0 ? NULL : malloc(sizeof *line + (size_t)len + 1);
  if (!line)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(line->text, (size_t)len + 1, fmt, ap);
  va_end(ap);
  line->refs = 1;
  line->len = (size_t)len;
  return line;
}

static void line_release(line_t *line)
{
  if (line && --line->refs == 0)
    free(line);
}

/* ---- the room ------------------------------------------------------------------ */

typedef struct client client_t;

typedef struct {
  const chat_opts_t *opts;
  chat_stats_t *stats;
  client_t *clients; /* every connection, joined or not */
  bool stopping;
} chat_t;

struct client {
  chat_t *chat;
  ac_stream_t *stream;
  ac_task_t *reader; /* the connection's handler */
  ac_task_t *writer;
  ac_queue_t *outbox;           /* lines to send, at most queue_max */
  char nick[CHAT_NICK_MAX + 1]; /* "" until it has joined */
  bool too_slow;
  bool leaving; /* its handler is on its way out: no longer in the list */
  client_t *prev, *next;
};

/* Drop a client that cannot keep up: its handler and its writer are
 * cancelled, and they close the connection. Never waits. */
static void drop(client_t *c)
{
  if (c->too_slow)
    return;
  c->too_slow = true;
  c->chat->stats->dropped++;
  ac_future_cancel(c->reader);
  ac_future_cancel(c->writer);
}

/* Queue @line for @c, or drop @c if its queue is full. Never waits. */
static void send_to(client_t *c, line_t *line)
{
  if (!line || c->too_slow)
    return;
  line->refs++;
  int rc = ac_queue_try_put(c->outbox, line);
  if (rc == 0) {
    c->chat->stats->relayed++;
    return;
  }
  line->refs--;
  if (rc == -EAGAIN)
    drop(c);
}

/* Send one line, made here, to @c alone. */
static void tell(client_t *c, const char *fmt, const char *arg)
{
  line_t *line = line_format(fmt, arg);
  send_to(c, line);
  line_release(line);
}

/* Send @line to every member but @from. */
static void broadcast(chat_t *chat, const client_t *from, line_t *line)
{
  for (client_t *c = chat->clients; c; c = c->next)
    if (c != from && c->nick[0])
      send_to(c, line);
}

static client_t *find_member(chat_t *chat, const char *nick)
{
  for (client_t *c = chat->clients; c; c = c->next)
    if (c->nick[0] && strcmp(c->nick, nick) == 0)
      return c;
  return NULL;
}

/* ---- one client -------------------------------------------------------------- */

/* The writer: sends what is queued until the queue is shut down and empty. */
static int write_lines(void *arg, void **result)
{
  client_t *c = arg;
  void *item;
  int rc;

  (void)result;
  while ((rc = ac_queue_get(c->outbox, &item)) == 0) {
    line_t *line = item;
    rc = ac_stream_write(c->stream, line->text, line->len);
    line_release(line);
    if (rc == 0)
      rc = ac_stream_drain(c->stream);
    if (rc < 0)
      break;
  }
  if (rc != -ESHUTDOWN && rc != -ECANCELED && !c->leaving)
    ac_future_cancel(c->reader); /* the connection is broken: end the handler too */
  return rc == -ESHUTDOWN ? 0 : rc;
}

static bool valid_nick(const char *s)
{
  size_t n = strlen(s);
  if (n < 1 || n > CHAT_NICK_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
      return false;
  return true;
}

static void join(client_t *c, const char *nick)
{
  chat_t *chat = c->chat;
  if (!valid_nick(nick)) {
    tell(c, "! bad nickname\n", NULL);
    return;
  }
  if (find_member(chat, nick)) {
    tell(c, "! nickname taken\n", NULL);
    return;
  }
  strcpy(c->nick, nick);
  chat->stats->members++;
  tell(c, "* welcome %s\n", nick);
  line_t *line = line_format("* %s joined\n", nick);
  broadcast(chat, c, line);
  line_release(line);
}

/* A line starting with '/'. Returns false when the client quits. */
static bool command(client_t *c, char *text)
{
  if (strcmp(text, "/quit") == 0) {
    tell(c, "* bye\n", NULL);
    return false;
  }
  if (strncmp(text, "/msg ", 5) != 0) {
    tell(c, "! unknown command\n", NULL);
    return true;
  }
  char *nick = text + 5, *space = strchr(nick, ' ');
  if (!space || space == nick || space[1] == '\0') {
    tell(c, "! usage: /msg NICK TEXT\n", NULL);
    return true;
  }
  *space = '\0';
  client_t *to = find_member(c->chat, nick);
  if (!to) {
    tell(c, "! no such nick %s\n", nick);
    return true;
  }
  line_t *line = line_format("*%s* %s\n", c->nick, space + 1);
  send_to(to, line);
  line_release(line);
  return true;
}

/* The next line, waiting idle_timeout_ms at most: its length without its
 * '\n' (and a '\r' before it); -EPIPE at the end of the stream (a last
 * line without its '\n' is dropped); -ETIMEDOUT, -EMSGSIZE, -ECANCELED
 * or the stream's error. */
static ssize_t next_line(client_t *c, char *buf)
{
  const chat_opts_t *opts = c->chat->opts;
  ac_timeout_t idle;
  if (ac_timeout_open(&idle, opts->idle_timeout_ms) < 0)
    return -ENOMEM;
  ssize_t n = ac_stream_readline(c->stream, buf, opts->max_line + 1);
  if (ac_timeout_close(&idle) == -ETIMEDOUT)
    return -ETIMEDOUT;
  if (n == 0 || (n > 0 && buf[n - 1] != '\n'))
    return -EPIPE;
  if (n < 0)
    return n;
  buf[--n] = '\0';
  if (n > 0 && buf[n - 1] == '\r')
    buf[--n] = '\0';
  return n;
}

static void unlink_client(client_t *c)
{
  chat_t *chat = c->chat;
  if (c->prev)
    c->prev->next = c->next;
  else
    chat->clients = c->next;
  if (c->next)
    c->next->prev = c->prev;
  c->prev = c->next = NULL;
}

/* The client goes: out of the room, the others told, what is queued for
 * it sent (unless it was too slow), its writer ended, everything freed. */
static void leave(client_t *c)
{
  chat_t *chat = c->chat;
  c->leaving = true;
  unlink_client(c);
  chat->stats->clients--;
  if (c->nick[0]) {
    chat->stats->members--;
    if (!chat->stopping) {
      line_t *line = line_format(c->too_slow ? "* %s left (too slow)\n" : "* %s left\n", c->nick);
      broadcast(chat, c, line);
      line_release(line);
    }
  }
  if (c->too_slow)
    ac_future_cancel(c->writer);   /* what was queued for it is dropped */
  ac_queue_shutdown(c->outbox, 0); /* the writer sends what is queued, then ends */
  ac_future_await_for(c->writer, FLUSH_MS, NULL);
  ac_future_release(c->writer);
  void *item;
  while (ac_queue_try_get(c->outbox, &item) == 0)
    line_release(item);
  ac_queue_close(c->outbox);
  free(c);
}

/* The handler of one connection. */
static int serve(ac_stream_t *stream, void *arg)
{
  chat_t *chat = arg;
  const chat_opts_t *opts = chat->opts;

  chat->stats->accepted++;
  client_t *c = calloc(1, sizeof *c);
  char *buf = malloc(opts->max_line + 1);
  if (!c || !buf) {
    free(c);
    free(buf);
    return -ENOMEM;
  }
  *c = (client_t){.chat = chat, .stream = stream, .reader = ac_task_current()};
  int rc = ac_queue_create(&c->outbox, AC_QUEUE_FIFO, opts->queue_max, NULL);
  if (rc == 0 && (rc = ac_task_create(&c->writer, write_lines, c)) < 0)
    ac_queue_close(c->outbox);
  if (rc < 0) {
    free(c);
    free(buf);
    return rc;
  }
  c->next = chat->clients;
  if (chat->clients)
    chat->clients->prev = c;
  chat->clients = c;
  chat->stats->clients++;

  bool staying = !chat->stopping;
  if (!staying)
    tell(c, "* server shutting down\n", NULL);
  while (staying) {
    ssize_t n = next_line(c, buf);
    if (n == -EMSGSIZE)
      tell(c, "! line too long\n", NULL);
    else if (n == -ETIMEDOUT)
      tell(c, "! idle timeout\n", NULL);
    if (n < 0 || chat->stopping)
      break;
    if (n == 0)
      continue; /* an empty line says nothing */
    if (!c->nick[0])
      join(c, buf);
    else if (buf[0] == '/')
      staying = command(c, buf);
    else {
      line_t *line = line_format("<%s> %s\n", c->nick, buf);
      broadcast(chat, c, line);
      line_release(line);
    }
  }
  free(buf);
  leave(c);
  return 0;
}

/* ---- the server ------------------------------------------------------------------- */

/* Every client is told, and its handler woken to leave. */
static void stop(chat_t *chat)
{
  chat->stopping = true;
  line_t *bye = line_format("* server shutting down\n");
  for (client_t *c = chat->clients; c; c = c->next) {
    send_to(c, bye);
    ac_future_cancel(c->reader);
  }
  line_release(bye);
}

int chat_server_run(const chat_opts_t *opts)
{
  if (!opts || !opts->host || opts->port < 0 || opts->port > 65535 || opts->max_line < 2 ||
      opts->queue_max < 1 || opts->idle_timeout_ms <= 0)
    return -EINVAL;
  chat_stats_t scratch;
  chat_t chat = {.opts = opts, .stats = opts->stats ? opts->stats : &scratch};
  *chat.stats = (chat_stats_t){0};

  static const int signums[] = {SIGINT, SIGTERM};
  ac_signal_t *signals;
  int rc = ac_signal_create(&signals, signums, 2);
  if (rc < 0)
    return rc;
  ac_server_t *server;
  rc = ac_server_start(&server, opts->host, opts->port, serve, &chat);
  if (rc < 0) {
    ac_signal_close(signals);
    return rc;
  }
  if (opts->ready)
    opts->ready(opts->ctx, ac_server_port(server));

  rc = ac_signal_wait(signals); /* SIGINT, SIGTERM, or -ECANCELED */
  stop(&chat);
  ac_server_close(server, 2 * FLUSH_MS); /* the handlers leave; the rest are cancelled */
  ac_signal_close(signals);
  return rc;
}

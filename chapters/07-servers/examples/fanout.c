/* fanout.c - one sender, a fast reader and a slow one. Sent with a waiting
 * put to each reader in turn, every line waits for the slow reader; put
 * without waiting into a bounded queue per reader, the lines reach the
 * fast one at once and the slow one is dropped when its queue is full.
 *
 * A reader's "connection" is a queue of CONNECTION lines (what the
 * kernel's buffers would hold), read at the reader's own pace. */
#include <ac.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LINES 7
#define SEND_EVERY_MS 30
#define CONNECTION 2 /* lines a connection holds before a write waits */
#define OUTBOX 2     /* lines a reader's queue holds before it is too slow */
#define SLOW_MS 400  /* the slow reader takes a line this often */
#define LOOK_MS 350  /* when the fast reader's lines are counted */

typedef struct {
  const char *name;
  int64_t pace_ms;
  ac_queue_t *connection;
  ac_queue_t *outbox; /* the second run only */
  ac_task_t *reader, *writer;
  int got;
  bool dropped;
} client_t;

/* The client's end: takes lines off its connection at its pace. */
static int read_lines(void *arg, void **result)
{
  client_t *c = arg;
  void *line;

  (void)result;
  while (ac_queue_get(c->connection, &line) == 0) {
    c->got++;
    if (c->pace_ms > 0 && ac_task_sleep(c->pace_ms) < 0)
      break;
  }
  return 0;
}

/* [blocking] */
/* Every line to every client in turn: the put waits while the client's
 * connection is full, and the sender and everyone after it wait too. */
static void send_blocking(client_t *clients, int n, intptr_t line)
{
  for (int i = 0; i < n; i++)
    ac_queue_put(clients[i].connection, (void *)line);
}
/* [blocking] */

/* [queued] */
/* The writer of one client: the only task that waits for it. */
static int write_lines(void *arg, void **result)
{
  client_t *c = arg;
  void *line;

  (void)result;
  while (ac_queue_get(c->outbox, &line) == 0)
    if (ac_queue_put(c->connection, line) < 0)
      break;
  return 0;
}

/* Every line into every client's queue, never waiting: a full queue
 * means that client cannot keep up, and it is dropped. */
static void send_queued(client_t *clients, int n, intptr_t line)
{
  for (int i = 0; i < n; i++) {
    client_t *c = &clients[i];
    if (!c->dropped && ac_queue_try_put(c->outbox, (void *)line) == -EAGAIN) {
      c->dropped = true;
      ac_future_cancel(c->writer);
      printf("queue per client: %s dropped at line %d (%zd lines already waiting for it)\n",
             c->name, (int)line, ac_queue_size(c->outbox));
    }
  }
}
/* [queued] */

typedef struct {
  client_t *clients;
  bool queued;
} sender_t;

static int send_lines(void *arg, void **result)
{
  sender_t *s = arg;

  (void)result;
  for (intptr_t line = 1; line <= LINES; line++) {
    if (s->queued)
      send_queued(s->clients, 2, line);
    else
      send_blocking(s->clients, 2, line);
    ac_task_sleep(SEND_EVERY_MS);
  }
  return 0;
}

static void run(bool queued)
{
  client_t clients[2] = {{.name = "slow", .pace_ms = SLOW_MS}, {.name = "fast"}};
  sender_t s = {clients, queued};
  ac_task_t *sender;

  for (int i = 0; i < 2; i++) {
    client_t *c = &clients[i];
    ac_queue_create(&c->connection, AC_QUEUE_FIFO, CONNECTION, NULL);
    ac_task_create(&c->reader, read_lines, c);
    if (queued) {
      ac_queue_create(&c->outbox, AC_QUEUE_FIFO, OUTBOX, NULL);
      ac_task_create(&c->writer, write_lines, c);
    }
  }
  ac_task_create(&sender, send_lines, &s);
  ac_task_sleep(LOOK_MS);
  printf("%s: after %d ms the fast client has %d of %d lines\n",
         queued ? "queue per client" : "blocking send", LOOK_MS, clients[1].got, LINES);
  ac_future_await(sender, NULL);
  ac_future_release(sender);
  for (int i = 0; i < 2; i++) { /* stop everything */
    client_t *c = &clients[i];
    ac_future_cancel(c->reader);
    ac_future_await(c->reader, NULL);
    ac_future_release(c->reader);
    if (queued) {
      ac_future_cancel(c->writer);
      ac_future_await(c->writer, NULL);
      ac_future_release(c->writer);
      ac_queue_close(c->outbox);
    }
    ac_queue_close(c->connection);
  }
}

static int main_task(void *arg, void **result)
{
  (void)arg;
  (void)result;
  /* The clock is virtual (chapter 08), so the lines are counted at the
   * same instant of the schedule however busy the machine is. */
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  run(false);
  run(true);
  return 0;
}

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

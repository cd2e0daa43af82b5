/* mini_loop.c - chapter 02, exercise 1, reference solution: a tiny event
 * loop with a FIFO ready queue, a timer min-heap and poll(2) on readers.
 */
#include "mini_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

/* One queued callback. */
typedef struct ready_s {
  mini_cb cb;
  void *arg;
  struct ready_s *next;
} ready_t;

/* One timer; (deadline, seq) orders the heap, so equal deadlines keep
 * scheduling order. */
typedef struct {
  int64_t deadline; /* mini_now() at which it is due */
  int64_t seq;      /* also its id: increases with every call_later */
  mini_cb cb;
  void *arg;
} timer_t_;

/* One watched file descriptor. */
typedef struct {
  int fd;
  mini_cb cb;
  void *arg;
} reader_t;

static ready_t *ready_head, *ready_tail; /* FIFO of callbacks */
static timer_t_ *heap;                   /* binary min-heap of timers */
static size_t heap_len, heap_cap;
static int64_t next_seq = 1;
static reader_t *readers;
static size_t readers_len, readers_cap;
static int running;

int64_t mini_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mini_call_soon(mini_cb cb, void *arg)
{
  if (cb == NULL)
    return -EINVAL;
  ready_t *r = malloc(sizeof *r);
  if (r == NULL)
    return -ENOMEM;
  r->cb = cb;
  r->arg = arg;
  r->next = NULL;
  if (ready_tail != NULL)
    ready_tail->next = r;
  else
    ready_head = r;
  ready_tail = r;
  return 0;
}

static int timer_less(const timer_t_ *a, const timer_t_ *b)
{
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_swap(size_t i, size_t j)
{
  timer_t_ t = heap[i];
  heap[i] = heap[j];
  heap[j] = t;
}

static void sift_up(size_t i)
{
  while (i > 0 && timer_less(&heap[i], &heap[(i - 1) / 2])) {
    heap_swap(i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void sift_down(size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < heap_len && timer_less(&heap[l], &heap[m]))
      m = l;
    if (r < heap_len && timer_less(&heap[r], &heap[m]))
      m = r;
    if (m == i)
      return;
    heap_swap(i, m);
    i = m;
  }
}

/* Take the entry at @i out of the heap and restore the heap order. */
static void heap_remove(size_t i)
{
  heap[i] = heap[--heap_len];
  if (i < heap_len) {
    sift_up(i);
    sift_down(i);
  }
}

int64_t mini_call_later(int64_t delay_ms, mini_cb cb, void *arg)
{
  if (cb == NULL || delay_ms < 0)
    return -EINVAL;
  if (heap_len == heap_cap) {
    size_t cap = heap_cap ? heap_cap * 2 : 16;
    timer_t_ *h = realloc(heap, cap * sizeof *h);
    if (h == NULL)
      return -ENOMEM;
    heap = h;
    heap_cap = cap;
  }
  timer_t_ *t = &heap[heap_len++];
  t->deadline = mini_now() + delay_ms;
  t->seq = next_seq++;
  t->cb = cb;
  t->arg = arg;
  sift_up(heap_len - 1);
  return next_seq - 1;
}

int mini_cancel(int64_t id)
{
  /* A linear search keeps this short; a real loop would mark the timer
   * cancelled and drop it when it reaches the top of the heap. */
  for (size_t i = 0; i < heap_len; i++) {
    if (heap[i].seq == id) {
      heap_remove(i);
      return 0;
    }
  }
  return -ENOENT;
}

static reader_t *find_reader(int fd)
{
  for (size_t i = 0; i < readers_len; i++)
    if (readers[i].fd == fd)
      return &readers[i];
  return NULL;
}

int mini_add_reader(int fd, mini_cb cb, void *arg)
{
  if (fd < 0 || cb == NULL)
    return -EINVAL;
  if (find_reader(fd) != NULL)
    return -EEXIST;
  if (readers_len == readers_cap) {
    size_t cap = readers_cap ? readers_cap * 2 : 8;
    reader_t *r = realloc(readers, cap * sizeof *r);
    if (r == NULL)
      return -ENOMEM;
    readers = r;
    readers_cap = cap;
  }
  readers[readers_len++] = (reader_t){fd, cb, arg};
  return 0;
}

int mini_remove_reader(int fd)
{
  reader_t *r = find_reader(fd);
  if (r == NULL)
    return -ENOENT;
  *r = readers[--readers_len];
  return 0;
}

/* Poll the readers for at most @timeout_ms and queue a callback for each
 * one that is readable, so they run in this turn's batch. */
static int poll_readers(int timeout_ms)
{
  struct pollfd *fds = NULL;
  size_t n = readers_len;

  if (n > 0) {
    fds = calloc(n, sizeof *fds);
    if (fds == NULL)
      return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
      fds[i].fd = readers[i].fd;
      fds[i].events = POLLIN;
    }
  }
  int rc = poll(fds, n, timeout_ms);
  if (rc < 0) {
    rc = errno == EINTR ? 0 : -errno;
    free(fds);
    return rc;
  }
  for (size_t i = 0; i < n && rc > 0; i++) {
    if (fds[i].revents == 0)
      continue;
    /* The reader may have been removed meanwhile: look it up by fd. */
    reader_t *r = find_reader(fds[i].fd);
    if (r != NULL && mini_call_soon(r->cb, r->arg) < 0) {
      free(fds);
      return -ENOMEM;
    }
  }
  free(fds);
  return 0;
}

int mini_run(void)
{
  if (running)
    return -EBUSY;
  running = 1;
  int rc = 0;
  while (ready_head != NULL || heap_len > 0 || readers_len > 0) {
    /* Wait no longer than the next deadline, and not at all when
     * callbacks are ready. */
    int timeout = -1;
    if (ready_head != NULL) {
      timeout = 0;
    } else if (heap_len > 0) {
      int64_t left = heap[0].deadline - mini_now();
      timeout = left < 0 ? 0 : (int)left;
    }
    rc = poll_readers(timeout);
    if (rc < 0)
      break;
    /* Due timers, earliest first; each one popped before it runs, so it
     * may schedule or cancel others. */
    int64_t now = mini_now();
    while (heap_len > 0 && heap[0].deadline <= now) {
      timer_t_ t = heap[0];
      heap_remove(0);
      t.cb(t.arg);
    }
    /* One batch: only what was queued before it began, so a callback
     * that queues another cannot starve the timers and the readers. */
    ready_t *batch = ready_head;
    ready_head = ready_tail = NULL;
    while (batch != NULL) {
      ready_t *r = batch;
      batch = r->next;
      r->cb(r->arg);
      free(r);
    }
  }
  running = 0;
  return rc;
}

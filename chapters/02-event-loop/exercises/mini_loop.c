/* mini_loop.c - chapter 02, exercise 1: build your own tiny event loop.
 *
 * What to build: the functions of mini_loop.h, with no runtime at all: a
 * FIFO ready queue for mini_call_soon(), a min-heap of timers ordered by
 * (deadline, sequence number) for mini_call_later(), a table of readers
 * polled with poll(2), and mini_run(), which turns until nothing is left.
 *
 * What the tests check: callbacks run in the order they were queued, and a
 * callback queued by a callback runs on the next turn; timers run in
 * deadline order, equal deadlines in scheduling order; a cancelled timer
 * never runs; a reader wakes when a pipe gets data; mini_run() returns
 * once nothing is left (and at once when nothing was scheduled); bad
 * arguments get -EINVAL.
 *
 * Grade it with: make grade CH=02 EX=mini_loop
 */
#include "mini_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

/* TODO: the ready queue (a linked FIFO), the timer heap (an array kept as a
 * binary min-heap), the reader table. */

int64_t mini_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mini_call_soon(mini_cb cb, void *arg)
{
  (void)cb;
  (void)arg;
  return -ENOSYS; /* TODO */
}

int64_t mini_call_later(int64_t delay_ms, mini_cb cb, void *arg)
{
  (void)delay_ms;
  (void)cb;
  (void)arg;
  return -ENOSYS; /* TODO */
}

int mini_cancel(int64_t id)
{
  (void)id;
  return -ENOSYS; /* TODO */
}

int mini_add_reader(int fd, mini_cb cb, void *arg)
{
  (void)fd;
  (void)cb;
  (void)arg;
  return -ENOSYS; /* TODO */
}

int mini_remove_reader(int fd)
{
  (void)fd;
  return -ENOSYS; /* TODO */
}

int mini_run(void)
{
  /* TODO: while anything is left: compute the poll timeout from the next
   * deadline, poll the readers, run due timers, run one batch of ready
   * callbacks. */
  return -ENOSYS;
}

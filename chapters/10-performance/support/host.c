/* host.c - chapter 10: the host's poll() loop (see host.h). Small on
 * purpose: a fixed table of descriptors and of timers, scanned each turn. */
#include "host.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
  int fd;
  host_io_fn cb;
  void *arg;
} watch_t;

typedef struct {
  int64_t due; /* host_now() when it fires; 0: free slot */
  host_timer_fn cb;
  void *arg;
} timer_t_;

struct host_s {
  watch_t watches[HOST_MAX_WATCHES];
  size_t nwatches;
  timer_t_ timers[HOST_MAX_TIMERS];
  host_prepare_fn prepare;
  void *prepare_arg;
  int quit;
  long wakeups;
};

int64_t host_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int host_create(host_t **host)
{
  if (!host)
    return -EINVAL;
  *host = calloc(1, sizeof **host);
  return *host ? 0 : -ENOMEM;
}

void host_close(host_t *host)
{
  free(host);
}

int host_watch(host_t *host, int fd, host_io_fn cb, void *arg)
{
  if (!host || fd < 0 || !cb)
    return -EINVAL;
  for (size_t i = 0; i < host->nwatches; i++) {
    if (host->watches[i].fd == fd)
      return -EEXIST;
  }
  if (host->nwatches == HOST_MAX_WATCHES)
    return -ENOSPC;
  host->watches[host->nwatches++] = (watch_t){fd, cb, arg};
  return 0;
}

int host_unwatch(host_t *host, int fd)
{
  if (!host)
    return -EINVAL;
  for (size_t i = 0; i < host->nwatches; i++) {
    if (host->watches[i].fd == fd) {
      host->watches[i] = host->watches[--host->nwatches];
      return 0;
    }
  }
  return -ENOENT;
}

size_t host_watch_count(const host_t *host)
{
  return host ? host->nwatches : 0;
}

int host_timer(host_t *host, int64_t delay_ms, host_timer_fn cb, void *arg)
{
  if (!host || !cb || delay_ms < 0)
    return -EINVAL;
  for (size_t i = 0; i < HOST_MAX_TIMERS; i++) {
    if (host->timers[i].due == 0) {
      host->timers[i] = (timer_t_){host_now() + delay_ms + 1, cb, arg}; /* + 1: never 0 */
      return 0;
    }
  }
  return -ENOSPC;
}

int host_set_prepare(host_t *host, host_prepare_fn fn, void *arg)
{
  if (!host)
    return -EINVAL;
  host->prepare = fn;
  host->prepare_arg = arg;
  return 0;
}

int host_has_prepare(const host_t *host)
{
  return host && host->prepare != NULL;
}

void host_quit(host_t *host)
{
  if (host)
    host->quit = 1;
}

long host_wakeups(const host_t *host)
{
  return host ? host->wakeups : 0;
}

/* The wait until the earliest timer, capped by what prepare allows. */
static int wait_ms(host_t *host)
{
  int64_t wait = -1;
  if (host->prepare)
    wait = host->prepare(host, host->prepare_arg);
  int64_t now = host_now();
  for (size_t i = 0; i < HOST_MAX_TIMERS; i++) {
    if (host->timers[i].due == 0)
      continue;
    int64_t left = host->timers[i].due - 1 - now;
    if (left < 0)
      left = 0;
    if (wait < 0 || left < wait)
      wait = left;
  }
  return wait > 1000000 ? 1000000 : (int)wait;
}

static void fire_due_timers(host_t *host)
{
  int64_t now = host_now();
  for (size_t i = 0; i < HOST_MAX_TIMERS && !host->quit; i++) {
    timer_t_ t = host->timers[i];
    if (t.due == 0 || t.due - 1 > now)
      continue;
    host->timers[i].due = 0; /* free before the call, which may add one */
    t.cb(host, t.arg);
  }
}

static void dispatch(host_t *host, struct pollfd *fds, size_t n)
{
  for (size_t i = 0; i < n && !host->quit; i++) {
    if (!fds[i].revents)
      continue;
    for (size_t j = 0; j < host->nwatches; j++) { /* still watched? */
      if (host->watches[j].fd == fds[i].fd) {
        host->watches[j].cb(host, fds[i].fd, host->watches[j].arg);
        break;
      }
    }
  }
}

int host_run(host_t *host)
{
  if (!host)
    return -EINVAL;
  host->quit = 0;
  while (!host->quit) {
    int wait = wait_ms(host);
    if (host->quit)
      break; /* prepare may quit */
    struct pollfd fds[HOST_MAX_WATCHES];
    size_t n = host->nwatches;
    for (size_t i = 0; i < n; i++)
      fds[i] = (struct pollfd){.fd = host->watches[i].fd, .events = POLLIN};
    int rc = poll(fds, n, wait);
    host->wakeups++;
    if (rc < 0 && errno != EINTR)
      return -errno;
    fire_due_timers(host);
    if (rc > 0)
      dispatch(host, fds, n);
  }
  return 0;
}

/* host.h - chapter 10: a host program's own event loop, built on poll().
 *
 * It stands for the loop of a program that was there before the runtime:
 * a GUI toolkit, a game's frame loop, a notebook kernel. Like theirs, it
 * watches descriptors, runs one-shot timers, and asks a "prepare" hook
 * before each wait how long it may sleep (GLib's prepare, Qt's and Tcl's
 * timers play that part). It knows nothing of the runtime: host_loop.c
 * plugs the runtime in through these calls only.
 */
#ifndef HOST_H
#define HOST_H

#include <stddef.h>
#include <stdint.h>

/* [interface] */
typedef struct host_s host_t;

/* Called when FD is readable (or hung up, or in error). */
typedef void (*host_io_fn)(host_t *host, int fd, void *arg);
/* Called once when its timer is due. */
typedef void (*host_timer_fn)(host_t *host, void *arg);
/* Called before every wait: the most milliseconds the host may sleep in
 * poll() (0: not at all; -1: no limit). The host sleeps for the smaller of
 * this and its own next timer. */
typedef int64_t (*host_prepare_fn)(host_t *host, void *arg);

int host_create(host_t **host); /* 0, -EINVAL, -ENOMEM */
void host_close(host_t *host);  /* frees it; it must not be running */

/* Watch FD for reading: 0; -EEXIST if FD is watched already; -EINVAL; -ENOSPC
 * past HOST_MAX_WATCHES. */
int host_watch(host_t *host, int fd, host_io_fn cb, void *arg);
/* Stop watching FD: 0; -ENOENT if it is not watched; -EINVAL. */
int host_unwatch(host_t *host, int fd);
/* How many descriptors are watched. */
size_t host_watch_count(const host_t *host);

/* Call CB(host, ARG) once, DELAY_MS from now: 0; -EINVAL; -ENOSPC past
 * HOST_MAX_TIMERS. */
int host_timer(host_t *host, int64_t delay_ms, host_timer_fn cb, void *arg);

/* Set the prepare hook (NULL removes it): 0; -EINVAL for a NULL host. */
int host_set_prepare(host_t *host, host_prepare_fn fn, void *arg);
/* Whether a prepare hook is set: 1 or 0. */
int host_has_prepare(const host_t *host);

/* Run until host_quit(): prepare, poll, then the due timers and the ready
 * descriptors' callbacks, again and again. Returns 0, or -EINVAL. */
int host_run(host_t *host);
/* Make host_run() return after the callback that calls it. */
void host_quit(host_t *host);

/* How many times poll() returned since host_create(): one per wake-up. */
long host_wakeups(const host_t *host);
/* The host's clock: monotonic milliseconds. */
int64_t host_now(void);
/* [interface] */

enum { HOST_MAX_WATCHES = 16, HOST_MAX_TIMERS = 32 };

#endif /* HOST_H */

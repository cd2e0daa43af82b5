/* process.c - ac_process_t: a child started with libuv's uv_spawn, its
 * pipes as streams (stream.c), its exit handed to waiting tasks, and a
 * close that never leaves a zombie: a child still running is SIGKILLed and
 * reaped before the object goes. */
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stream_internal.h"
#include "sync_internal.h"

#define ALL_FLAGS                                                            \
  (AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT | AC_PROCESS_PIPE_STDERR | \
   AC_PROCESS_STDERR_TO_STDOUT)

struct ac_process_s {
  ac__sync s;                 /* loop, waiters (ac__sync_waiter; item: the status) */
  uv_process_t uv;            /* uv.data is the process */
  int pid;                    /* the child's, still known after it exits */
  ac_stream_t *streams[3];    /* the pipes of fds 0, 1, 2, or NULL */
  int exited;                 /* libuv reaped it: status is known */
  int status;                 /* exit code, or -signum */
  int closing;                /* ac_process_close began */
  int handle_closing, closed; /* uv_close was called; its callback came */
  int orphaned;               /* nobody waits to free it: on_closed does */
  ac__task *closer;           /* the task in ac_process_close */
};

static void on_closed(uv_handle_t *h) {
  ac_process_t *p = h->data;
  p->closed = 1;
  if (p->closer) {
    ac__wake(p->closer, 0);
  } else { /* orphaned: waiters keep nothing of it once woken */
    ac__resource_untrack(&p->s.res);
    free(p);
  }
}

static void close_handle(ac_process_t *p) {
  if (p->handle_closing) return;
  p->handle_closing = 1;
  uv_close((uv_handle_t *)&p->uv, on_closed);
}

static void on_child_exit(uv_process_t *h, int64_t exit_status, int term_signal) {
  ac_process_t *p = h->data;
  p->exited = 1;
  p->status = term_signal ? -term_signal : (int)exit_status;
  for (ac__sync_waiter *w; (w = ac__sync_grant_first(&p->s.waiters));)
    w->item = (void *)(intptr_t)p->status;
  if (p->closer)
    ac__wake(p->closer, 0);
  else if (p->orphaned)
    close_handle(p);
}

/* ---- spawning ------------------------------------------------------------ */

/* A pipe for the child's FD: its end goes into STDIO, ours becomes a stream.
 * A socket pair, as libuv's own pipes: ac_stream_write_eof can end one way. */
static int make_pipe(ac_process_t *p, int fd, uv_stdio_container_t *stdio, int *child_end) {
  uv_os_sock_t ends[2];
  int rc = uv_socketpair(SOCK_STREAM, 0, ends, UV_NONBLOCK_PIPE, 0);
  if (rc) return rc;
  if ((rc = ac__stream_open_pipe(p->s.loop, ends[0], fd != 0, &p->streams[fd]))) {
    close(ends[0]);
    close(ends[1]);
    return rc;
  }
  *child_end = ends[1];
  stdio->flags = UV_INHERIT_FD;
  stdio->data.fd = ends[1];
  return 0;
}

static void close_streams(ac_process_t *p, ac__task *t) {
  for (int fd = 0; fd < 3; fd++)
    if (p->streams[fd]) {
      ac__stream_dispose(p->streams[fd], t);
      p->streams[fd] = NULL;
    }
}

static void close_resource(ac__resource *r);

static int check_opts(const ac_process_opts_t *opts, const char *fn) {
  if (!opts) return ac__misuse(-EINVAL, fn, "the options are NULL");
  if (!opts->argv || !opts->argv[0] || !opts->argv[0][0])
    return ac__misuse(-EINVAL, fn, "argv is NULL or names no program");
  if (opts->flags & ~ALL_FLAGS)
    return ac__misuse(-EINVAL, fn, "unknown flags %#x", opts->flags & ~ALL_FLAGS);
  if ((opts->flags & AC_PROCESS_PIPE_STDERR) && (opts->flags & AC_PROCESS_STDERR_TO_STDOUT))
    return ac__misuse(-EINVAL, fn, "stderr cannot be both piped and sent to stdout");
  return 0;
}

int ac_process_spawn(ac_process_t **out, const ac_process_opts_t *opts) {
  const char *fn = "ac_process_spawn";
  ac__loop *loop = NULL;
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  int rc = check_opts(opts, fn);
  if (rc) return rc;
  if ((rc = ac__loop_get(&loop, fn))) return rc;
  ac_process_t *p = calloc(1, sizeof *p);
  if (!p) return -ENOMEM;
  p->s.loop = loop;
  ac__list_init(&p->s.waiters);
  ac__list_init(&p->s.res.link);
  p->uv.data = p;
  /* Without a pipe: stdin is /dev/null (libuv's UV_IGNORE), stdout and
   * stderr the parent's; stderr may follow stdout. */
  uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                   {.flags = UV_INHERIT_FD, .data.fd = 1},
                                   {.flags = UV_INHERIT_FD, .data.fd = 2}};
  int child_ends[3] = {-1, -1, -1};
  static const int pipe_flag[3] = {AC_PROCESS_PIPE_STDIN, AC_PROCESS_PIPE_STDOUT,
                                   AC_PROCESS_PIPE_STDERR};
  for (int fd = 0; fd < 3 && rc == 0; fd++)
    if (opts->flags & pipe_flag[fd]) rc = make_pipe(p, fd, &stdio[fd], &child_ends[fd]);
  if (opts->flags & AC_PROCESS_STDERR_TO_STDOUT) stdio[2] = stdio[1];
  if (rc == 0) {
    uv_process_options_t o = {.exit_cb = on_child_exit,
                              .file = opts->argv[0],
                              .args = (char **)opts->argv,
                              .env = (char **)opts->env,
                              .cwd = opts->cwd,
                              .stdio_count = 3,
                              .stdio = stdio};
    rc = uv_spawn(&loop->uv, &p->uv, &o);
    if (rc) { /* libuv reaped the child if there was one; its handle still closes */
      p->orphaned = 1;
      close_handle(p);
    }
  }
  for (int fd = 0; fd < 3; fd++) /* the child has its ends now */
    if (child_ends[fd] >= 0) close(child_ends[fd]);
  if (rc) {
    close_streams(p, NULL);
    if (!p->orphaned) free(p); /* uv_spawn was not reached */
    return rc;
  }
  p->pid = p->uv.pid;
  ac__resource_track(loop, &p->s.res, close_resource);
  *out = p;
  return 0;
}

/* ---- using it ------------------------------------------------------------ */

static int check_process(const ac_process_t *p, const char *fn) {
  if (!p) return ac__misuse(-EINVAL, fn, "the process is NULL");
  if (p->s.loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the process belongs to another thread's loop");
  return 0;
}

int ac_process_stream(ac_process_t *p, int fd, ac_stream_t **stream) {
  const char *fn = "ac_process_stream";
  if (stream) *stream = NULL;
  int rc = check_process(p, fn);
  if (rc) return rc;
  if (!stream) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  if (fd < 0 || fd > 2) return ac__misuse(-EINVAL, fn, "fd %d is not 0, 1 or 2", fd);
  if (!p->streams[fd])
    return ac__misuse(-ENOENT, fn, "the child's fd %d is not a pipe (no AC_PROCESS_PIPE_* flag)",
                      fd);
  *stream = p->streams[fd];
  return 0;
}

int ac_process_pid(const ac_process_t *p) {
  return p ? p->pid : ac__misuse(-EINVAL, "ac_process_pid", "the process is NULL");
}

static int wait_exit(ac_process_t *p, int *status, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(p ? &p->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  int got = p->status;
  if (!p->exited) {
    ac__sync_waiter w;
    /* Once woken, nothing of P is touched: a close may free it. */
    if ((rc = ac__sync_wait(t, &p->s.waiters, &w, timeout_ms, "process exit"))) return rc;
    got = (int)(intptr_t)w.item;
  }
  if (status) *status = got;
  return 0;
}

int ac_process_wait(ac_process_t *p, int *status) {
  return wait_exit(p, status, AC_NO_TIMEOUT, "ac_process_wait");
}

int ac_process_wait_for(ac_process_t *p, int *status, int64_t timeout_ms) {
  return wait_exit(p, status, timeout_ms, "ac_process_wait_for");
}

int ac_process_kill(ac_process_t *p, int signum) {
  int rc = check_process(p, "ac_process_kill");
  if (rc) return rc;
  if (signum < 0 || signum >= NSIG)
    return ac__misuse(-EINVAL, "ac_process_kill", "%d is not a signal number", signum);
  if (p->exited) return -ESRCH;
  return uv_process_kill(&p->uv, signum);
}

/* ---- closing ------------------------------------------------------------- */

/* The loop closes with the process open: nothing will run the loop for its
 * exit any more, so kill it and reap it here (SIGKILL ends it at once). */
static void close_resource(ac__resource *r) {
  ac_process_t *p = AC__CONTAINER(r, ac_process_t, s.res);
  p->closing = p->orphaned = 1;
  close_streams(p, NULL);
  if (!p->exited) {
    uv_process_kill(&p->uv, SIGKILL);
    int st;
    while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
    }
    p->exited = 1;
  }
  close_handle(p); /* libuv forgets it: no second reaping */
}

int ac_process_close(ac_process_t *p) {
  int rc = check_process(p, "ac_process_close");
  if (rc) return rc;
  if (p->closing) return ac__misuse(-EBADF, "ac_process_close", "the process is already closing");
  ac__task *t = p->s.loop->current;
  p->closing = 1;
  close_streams(p, t);
  if (!p->exited) uv_process_kill(&p->uv, SIGKILL);
  if (!t) {
    /* A callback cannot wait: the exit closes the handle, on_closed frees.
     * It stays a loop resource until then, so a loop that closes first
     * still reaps the child. */
    p->orphaned = 1;
    if (p->exited) close_handle(p);
    return 0;
  }
  /* Short waits (SIGKILL cannot be caught), not cut by a cancellation:
   * that comes at the next suspension. */
  ac__resource_untrack(&p->s.res);
  p->closer = t;
  int cancelled = 0;
  while (!p->exited)
    if (ac__suspend(t, "process exit") == -ECANCELED) cancelled = 1;
  close_handle(p);
  while (!p->closed)
    if (ac__suspend(t, "process close") == -ECANCELED) cancelled = 1;
  if (cancelled) t->cancel_pending = 1;
  free(p);
  return 0;
}

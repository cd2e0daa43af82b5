/* signal.c - ac_signal_t: signals counted as they arrive and handed to
 * waiting tasks, on one libuv uv_signal_t per signal number. libuv's
 * handler only writes to a pipe; its callback runs on the loop.
 *
 * libuv puts a signal back to SIG_DFL when its last handle for it stops, so
 * the disposition a signal had before (ignored, a handler of the program's)
 * is kept here, per process, and put back when the last object catching
 * that signal closes. */
#include <signal.h>
#include <stdlib.h>

#include "sync_internal.h"

/* One caught signal of an object. */
typedef struct catcher {
  uv_signal_t uv; /* uv.data is the catcher */
  struct ac_signal_s *sig;
  int signum;
  size_t pending; /* arrivals no task has taken */
} catcher;

struct ac_signal_s {
  ac__sync s;  /* loop, waiters (ac__sync_waiter; item: the signal) */
  size_t n;    /* catchers */
  size_t open; /* uv handles whose close callback has not come */
  int closing;
  int orphaned;     /* nobody waits to free it: the last close callback does */
  ac__task *closer; /* the task in ac_signal_close */
  catcher catchers[];
};

/* ---- the process's dispositions ------------------------------------------ */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  unsigned users;          /* objects catching this signal, in any loop */
  struct sigaction before; /* its disposition before the first of them */
} registry[NSIG];

/* Before libuv installs its handler: note what the signal did until now. */
static void registry_hold(int signum) {
  pthread_mutex_lock(&registry_lock);
  if (registry[signum].users++ == 0) sigaction(signum, NULL, &registry[signum].before);
  pthread_mutex_unlock(&registry_lock);
}

/* After libuv stopped its handle: if nothing of ours catches the signal any
 * more and libuv let go of it too (SIG_DFL), what it did before comes back.
 * (Another libuv handle, such as the runtime's own SIGCHLD watcher, keeps
 * the signal; then libuv's handler stays.) */
static void registry_release(int signum) {
  pthread_mutex_lock(&registry_lock);
  if (--registry[signum].users == 0) {
    struct sigaction now;
    if (sigaction(signum, NULL, &now) == 0 && now.sa_handler == SIG_DFL)
      sigaction(signum, &registry[signum].before, NULL);
  }
  pthread_mutex_unlock(&registry_lock);
}

/* ---- arrivals and waits -------------------------------------------------- */

/* Handles keep the loop alive only while a task waits: an object nobody
 * waits on must not keep ac_loop_drive from finding the loop idle. */
static void hold_loop(ac_signal_t *sig, int hold) {
  for (size_t i = 0; i < sig->n; i++) {
    if (hold)
      uv_ref((uv_handle_t *)&sig->catchers[i].uv);
    else
      uv_unref((uv_handle_t *)&sig->catchers[i].uv);
  }
}

static void on_signal(uv_signal_t *h, int signum) {
  catcher *c = h->data;
  ac__sync_waiter *w = ac__sync_grant_first(&c->sig->s.waiters);
  if (w)
    w->item = (void *)(intptr_t)signum;
  else
    c->pending++;
}

/* The first signal, in the object's order, that arrived and was not taken. */
static int take_pending(ac_signal_t *sig) {
  for (size_t i = 0; i < sig->n; i++)
    if (sig->catchers[i].pending > 0) {
      sig->catchers[i].pending--;
      return sig->catchers[i].signum;
    }
  return 0;
}

static int wait_signal(ac_signal_t *sig, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(sig ? &sig->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (sig->closing) return -EBADF;
  int signum = take_pending(sig);
  if (signum) return signum;
  if (ac__list_empty(&sig->s.waiters)) hold_loop(sig, 1);
  ac__sync_waiter w;
  rc = ac__sync_wait(t, &sig->s.waiters, &w, timeout_ms, "signal");
  if (rc == -EBADF) return rc; /* closed: the object may be gone */
  if (ac__list_empty(&sig->s.waiters)) hold_loop(sig, 0);
  return rc ? rc : (int)(intptr_t)w.item;
}

int ac_signal_wait(ac_signal_t *sig) { return wait_signal(sig, AC_NO_TIMEOUT, "ac_signal_wait"); }

int ac_signal_wait_for(ac_signal_t *sig, int64_t timeout_ms) {
  return wait_signal(sig, timeout_ms, "ac_signal_wait_for");
}

/* ---- closing ------------------------------------------------------------- */

static void free_signal(void *arg) { free(arg); }

static void on_closed(uv_handle_t *h) {
  ac_signal_t *sig = ((catcher *)h->data)->sig;
  if (--sig->open > 0) return;
  if (sig->closer) {
    ac__wake(sig->closer, 0);
  } else if (sig->orphaned) {
    /* Freed behind the waiters already woken with -EBADF, which may still
     * be in the ready queue; at loop close nothing runs any more. */
    if (sig->s.loop->closing || ac__call_soon_internal(sig->s.loop, free_signal, sig) != 0)
      free(sig);
  }
}

/* Stop every handle (libuv does so at once) and give the dispositions back;
 * the handles' memory is released in on_closed. */
static void begin_close(ac_signal_t *sig, size_t started) {
  sig->closing = 1;
  ac__resource_untrack(&sig->s.res);
  ac__sync_wake_all(&sig->s.waiters, -EBADF);
  for (size_t i = 0; i < sig->n; i++) {
    catcher *c = &sig->catchers[i];
    if (i < started) { /* was initialized */
      uv_close((uv_handle_t *)&c->uv, on_closed);
      registry_release(c->signum);
    }
  }
}

/* The loop closes with the object open. */
static void close_resource(ac__resource *r) {
  ac_signal_t *sig = AC__CONTAINER(r, ac_signal_t, s.res);
  sig->orphaned = 1;
  begin_close(sig, sig->n);
}

int ac_signal_close(ac_signal_t *sig) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(sig ? &sig->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_signal_close");
  if (rc) return rc;
  if (sig->closing) return ac__misuse(-EBADF, "ac_signal_close", "the object is already closing");
  if (!t) { /* a callback cannot wait */
    sig->orphaned = 1;
    begin_close(sig, sig->n);
    return 0;
  }
  sig->closer = t;
  begin_close(sig, sig->n);
  int cancelled = 0;
  while (sig->open > 0) /* the next iteration: a cancellation waits for the next suspension */
    if (ac__suspend(t, "signal close") == -ECANCELED) cancelled = 1;
  if (cancelled) t->cancel_pending = 1;
  free(sig);
  return 0;
}

/* ---- creation ------------------------------------------------------------ */

static int check_signums(const int *signums, size_t n, const char *fn) {
  if (!signums || n == 0) return ac__misuse(-EINVAL, fn, "no signal given");
  for (size_t i = 0; i < n; i++) {
    int s = signums[i];
    if (s <= 0 || s >= NSIG) return ac__misuse(-EINVAL, fn, "%d is not a signal number", s);
    if (s == SIGKILL || s == SIGSTOP)
      return ac__misuse(-EINVAL, fn, "signal %d (%s) cannot be caught", s,
                        s == SIGKILL ? "SIGKILL" : "SIGSTOP");
    if (s == SIGSEGV || s == SIGBUS || s == SIGFPE || s == SIGILL)
      return ac__misuse(-EINVAL, fn, "signal %d comes from a fault, which cannot wait for a task",
                        s);
    for (size_t j = 0; j < i; j++)
      if (signums[j] == s) return ac__misuse(-EINVAL, fn, "signal %d is listed twice", s);
  }
  return 0;
}

int ac_signal_create(ac_signal_t **out, const int *signums, size_t n) {
  const char *fn = "ac_signal_create";
  ac__loop *loop = NULL;
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  int rc = check_signums(signums, n, fn);
  if (rc) return rc;
  if ((rc = ac__loop_get(&loop, fn))) return rc;
  ac_signal_t *sig = calloc(1, sizeof *sig + n * sizeof(catcher));
  if (!sig) return -ENOMEM;
  sig->s.loop = loop;
  ac__list_init(&sig->s.waiters);
  ac__resource_track(loop, &sig->s.res, close_resource);
  sig->n = n;
  for (size_t i = 0; i < n; i++) {
    catcher *c = &sig->catchers[i];
    c->sig = sig;
    c->signum = signums[i];
    if ((rc = uv_signal_init(&loop->uv, &c->uv))) {
      sig->orphaned = 1;
      if (i == 0) { /* nothing to close */
        ac__resource_untrack(&sig->s.res);
        free(sig);
      } else {
        begin_close(sig, i);
      }
      return rc;
    }
    c->uv.data = c;
    sig->open++;
    registry_hold(c->signum);
    if ((rc = uv_signal_start(&c->uv, on_signal, c->signum))) {
      sig->orphaned = 1;
      begin_close(sig, i + 1);
      return rc;
    }
    uv_unref((uv_handle_t *)&c->uv);
  }
  *out = sig;
  return 0;
}

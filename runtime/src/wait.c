/* wait.c - waiting for futures: await, wait, gather, wait_for, shield.
 *
 * All of them rest on wait_many(): one waiter per pending future, one
 * suspension with an optional deadline (ac__suspend_for), and on the way
 * out every waiter is removed, whatever woke us.
 */
#include <stdlib.h>

#include "task_internal.h"

enum { INLINE_WAITERS = 8 }; /* waits on up to this many need no allocation */

typedef struct wait_set {
  ac__task *task;
  size_t remaining; /* futures still pending */
  ac_wait_mode_t mode;
  ac_future_t *first_failed; /* the first to fail or be cancelled, in time order */
} wait_set;

typedef struct wait_entry {
  ac__waiter w;
  wait_set *set;
} wait_entry;

static int fails(const ac_future_t *f) {
  return f->state == AC_FUTURE_FAILED || f->state == AC_FUTURE_CANCELLED;
}

static int satisfied(const wait_set *set, size_t n) {
  switch (set->mode) {
  case AC_WAIT_FIRST_COMPLETED: return set->remaining < n || n == 0;
  case AC_WAIT_FIRST_EXCEPTION: return set->remaining == 0 || set->first_failed != NULL;
  default: return set->remaining == 0;
  }
}

static void entry_notify(ac__waiter *w, ac_future_t *f) {
  wait_set *set = AC__CONTAINER(w, wait_entry, w)->set;
  set->remaining--;
  if (fails(f) && !set->first_failed) set->first_failed = f;
  if (set->mode == AC_WAIT_FIRST_COMPLETED || set->remaining == 0 ||
      (set->mode == AC_WAIT_FIRST_EXCEPTION && fails(f)))
    ac__wake(set->task, 0);
}

/* Wait for futures, with an optional deadline. Returns 0 when the
 * condition holds, -ETIMEDOUT, or -ECANCELED (the caller was cancelled). */
static int wait_many(ac__task *t, ac_future_t *const *fs, size_t n, ac_wait_mode_t mode,
                     int64_t timeout_ms, const char *what, ac_future_t **first_failed) {
  wait_set on_stack = {.task = t, .remaining = 0, .mode = mode, .first_failed = NULL};
  for (size_t i = 0; i < n; i++) {
    if (fs[i]->state == AC_FUTURE_PENDING)
      on_stack.remaining++;
    else if (fails(fs[i]) && !on_stack.first_failed)
      on_stack.first_failed = fs[i];
  }
  int rc = 0;
  wait_set *set = &on_stack;
  if (satisfied(set, n)) goto out; /* nothing to wait for: no suspension */
  if (timeout_ms == 0) {
    rc = -ETIMEDOUT;
    goto out;
  }

  /* A compact task's stack is elsewhere while it waits: its set and
   * entries, which the futures update, go on the heap. */
  wait_entry inline_entries[INLINE_WAITERS];
  wait_entry *entries = n <= INLINE_WAITERS && !t->compact
                            ? inline_entries
                            : malloc(n * sizeof *entries + (t->compact ? sizeof *set : 0));
  if (!entries) return -ENOMEM;
  if (t->compact) {
    set = (wait_set *)(entries + n);
    *set = on_stack;
  }
  for (size_t i = 0; i < n; i++) {
    ac__list_init(&entries[i].w.link);
    entries[i].w.notify = NULL;
    entries[i].set = set;
    if (fs[i]->state == AC_FUTURE_PENDING) {
      ac__future_ref(fs[i]);
      ac__waiter_add(fs[i], &entries[i].w, entry_notify, NULL);
    }
  }
  rc = ac__suspend_for(t, timeout_ms, -ETIMEDOUT, what);
  for (size_t i = 0; i < n; i++) {
    if (entries[i].w.notify != entry_notify) continue; /* was done before the wait */
    ac__waiter_remove(&entries[i].w);
    ac__future_unref(fs[i]);
  }
  on_stack = *set;
  if (entries != inline_entries) free(entries);
out:
  if (first_failed) *first_failed = on_stack.first_failed;
  return rc;
}

/* Cancel every pending future in FS and wait until all have finished,
 * passing on each further cancellation of the caller. Returns 1 if the
 * caller was cancelled meanwhile, else 0. */
static int cancel_and_wait(ac__task *t, ac_future_t *const *fs, size_t n) {
  int cancelled = 0;
  for (;;) {
    for (size_t i = 0; i < n; i++)
      if (fs[i]->state == AC_FUTURE_PENDING) ac_future_cancel(fs[i]);
    if (wait_many(t, fs, n, AC_WAIT_ALL_COMPLETED, AC_NO_TIMEOUT, "cancelled futures", NULL) == 0)
      return cancelled;
    cancelled = 1; /* cancelled again: pass it on again */
  }
}

/* ---- argument checks shared by the public calls -------------------------- */

static int check_list(ac__task **t, ac_future_t *const *fs, size_t n, const char *fn) {
  int rc = ac__current(t, fn);
  if (rc) return rc;
  if (!fs && n > 0) return ac__misuse(-EINVAL, fn, "the array of futures is NULL");
  for (size_t i = 0; i < n; i++) {
    if ((rc = ac__future_check(fs[i], fn))) return rc;
    if (fs[i] == &(*t)->fut)
      return ac__misuse(-EDEADLK, fn, "task '%s' would wait for itself", ac_task_name(fs[i]));
  }
  return 0;
}

static int check_timeout(int64_t timeout_ms, const char *fn) {
  if (timeout_ms < 0 && timeout_ms != AC_NO_TIMEOUT)
    return ac__misuse(-EINVAL, fn, "negative timeout (%lld ms); use AC_NO_TIMEOUT to wait forever",
                      (long long)timeout_ms);
  return 0;
}

static int outcome(ac_future_t *f, void **result) {
  if (result) *result = f->result;
  f->retrieved = 1;
  return f->error;
}

/* ---- the public calls ---------------------------------------------------- */

/* Await F; when the caller is cancelled, PROPAGATE says whether F is
 * cancelled too (await) or left running (shield). */
static int await_one(ac_future_t *f, int64_t timeout_ms, void **result, int propagate,
                     const char *fn) {
  ac__task *t = NULL;
  if (result) *result = NULL;
  int rc = check_list(&t, &f, 1, fn);
  if (rc) return rc;
  if ((rc = check_timeout(timeout_ms, fn))) return rc;
  if (f->state != AC_FUTURE_PENDING) return outcome(f, result); /* no suspension, as wait_many */
  ac__future_ref(f);
  rc = wait_many(t, &f, 1, AC_WAIT_ALL_COMPLETED, timeout_ms, fn, NULL);
  if (rc == 0 || (rc == -ETIMEDOUT && f->state != AC_FUTURE_PENDING)) {
    rc = outcome(f, result);
  } else if (rc == -ECANCELED || rc == -ETIMEDOUT) {
    int cancelled = propagate && cancel_and_wait(t, &f, 1);
    if (rc == -ETIMEDOUT && f->state != AC_FUTURE_CANCELLED) {
      /* Past the deadline, F finished anyway (it caught the cancellation,
       * or was woken in the same step): its outcome is not to be lost, and
       * a cancellation of the caller meanwhile comes at its next wait. */
      rc = outcome(f, result);
      if (cancelled) t->cancel_pending = 1;
    } else if (cancelled) {
      rc = -ECANCELED;
    }
  }
  ac__future_unref(f);
  return rc;
}

int ac_future_await(ac_future_t *f, void **result) {
  return await_one(f, AC_NO_TIMEOUT, result, 1, "ac_future_await");
}

int ac_future_await_for(ac_future_t *f, int64_t timeout_ms, void **result) {
  return await_one(f, timeout_ms, result, 1, "ac_future_await_for");
}

int ac_future_shield(ac_future_t *f, void **result) {
  return await_one(f, AC_NO_TIMEOUT, result, 0, "ac_future_shield");
}

static ssize_t wait_some(ac_future_t *const *fs, size_t n, ac_wait_mode_t mode, int64_t timeout_ms,
                         const char *fn) {
  ac__task *t = NULL;
  int rc = check_list(&t, fs, n, fn);
  if (rc) return rc;
  if ((rc = check_timeout(timeout_ms, fn))) return rc;
  if (mode != AC_WAIT_ALL_COMPLETED && mode != AC_WAIT_FIRST_COMPLETED &&
      mode != AC_WAIT_FIRST_EXCEPTION)
    return ac__misuse(-EINVAL, fn, "unknown wait mode %d", (int)mode);
  rc = wait_many(t, fs, n, mode, timeout_ms, fn, NULL);
  if (rc == -ECANCELED || rc == -ENOMEM) return rc;
  ssize_t done = 0;
  for (size_t i = 0; i < n; i++) done += fs[i]->state != AC_FUTURE_PENDING;
  return done;
}

ssize_t ac_future_wait(ac_future_t *const *fs, size_t n, ac_wait_mode_t mode) {
  return wait_some(fs, n, mode, AC_NO_TIMEOUT, "ac_future_wait");
}

ssize_t ac_future_wait_for(ac_future_t *const *fs, size_t n, ac_wait_mode_t mode,
                           int64_t timeout_ms) {
  return wait_some(fs, n, mode, timeout_ms, "ac_future_wait_for");
}

int ac_future_gather(ac_future_t *const *fs, size_t n, void **results, int *errors, int flags) {
  ac__task *t = NULL;
  int rc = check_list(&t, fs, n, "ac_future_gather");
  if (rc) return rc;
  if (flags & ~AC_GATHER_RETURN_ERRORS)
    return ac__misuse(-EINVAL, "ac_future_gather", "unknown flags 0x%x", (unsigned)flags);
  int collect_all = flags & AC_GATHER_RETURN_ERRORS;
  for (size_t i = 0; i < n; i++) ac__future_ref(fs[i]);

  ac_future_t *failed = NULL;
  rc = wait_many(t, fs, n, collect_all ? AC_WAIT_ALL_COMPLETED : AC_WAIT_FIRST_EXCEPTION,
                 AC_NO_TIMEOUT, "ac_future_gather", &failed);
  if (rc == -ECANCELED) {
    cancel_and_wait(t, fs, n);
  } else if (rc == 0 && failed && !collect_all) {
    rc = cancel_and_wait(t, fs, n) ? -ECANCELED : failed->error;
  }
  for (size_t i = 0; i < n; i++) {
    if (results) results[i] = fs[i]->result;
    if (errors) errors[i] = fs[i]->error;
    fs[i]->retrieved = 1; /* gather reports every error it collects */
    ac__future_unref(fs[i]);
  }
  return rc;
}

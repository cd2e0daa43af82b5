/* future.c - futures: completion, waiters, done callbacks, references. */
#include <stdlib.h>

#include "task_internal.h"

int ac__future_check(const ac_future_t *f, const char *fn) {
  if (!f) return ac__misuse(-EINVAL, fn, "the future or task is NULL");
  /* Debug builds stop here on a released object; others report it. */
  assert(f->magic == AC__FUTURE_MAGIC && "future or task used after it was freed");
  if (f->magic != AC__FUTURE_MAGIC)
    return ac__misuse(-EINVAL, fn, "not a live future or task (used after ac_future_release?)");
  if (f->loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the future belongs to the loop of another thread");
  return 0;
}

void ac__future_init(ac__loop *loop, ac_future_t *f, int is_task) {
  f->magic = AC__FUTURE_MAGIC;
  f->is_task = (uint8_t)is_task;
  f->state = AC_FUTURE_PENDING;
  f->error = 0;
  f->result = NULL;
  f->refs = 0;
  f->user_ref = 0;
  f->retrieved = 0;
  f->loop = loop;
  ac__list_init(&f->waiters);
  ac__list_push_back(&loop->futures, &f->link);
}

int ac_future_create(ac_future_t **out) {
  ac__loop *loop = NULL;
  if (!out) return ac__misuse(-EINVAL, "ac_future_create", "the output pointer is NULL");
  *out = NULL;
  int rc = ac__loop_get(&loop, "ac_future_create");
  if (rc) return rc;
  ac_future_t *f = malloc(sizeof *f);
  if (!f) return -ENOMEM;
  ac__future_init(loop, f, 0);
  f->refs = 1;
  f->user_ref = 1;
  *out = f;
  return 0;
}

/* ---- waiters and done callbacks ----------------------------------------- */

void ac__waiter_add(ac_future_t *f, ac__waiter *w, void (*notify)(ac__waiter *, ac_future_t *),
                    void *data) {
  w->notify = notify;
  w->data = data;
  ac__list_push_back(&f->waiters, &w->link);
}

void ac__waiter_remove(ac__waiter *w) { ac__list_remove(&w->link); }

/* A callback added with ac_future_add_done_callback(): heap-allocated. */
typedef struct done_cb {
  ac__waiter w;
  ac_done_fn fn;
  void *arg;
  ac_future_t *future;
} done_cb;

static void done_cb_run(void *arg) {
  done_cb *d = arg;
  d->fn(d->future, d->arg);
  ac__future_unref(d->future);
  free(d);
}

static void done_cb_notify(ac__waiter *w, ac_future_t *f) {
  done_cb *d = AC__CONTAINER(w, done_cb, w);
  d->future = f;
  ac__future_ref(f); /* kept alive until the callback has run */
  if (ac__call_soon_internal(f->loop, done_cb_run, d) != 0) {
    ac__future_unref(f);
    free(d); /* out of memory: the callback is lost, say so */
    ac__misuse(-ENOMEM, "ac_future_add_done_callback", "could not schedule a done callback");
  }
}

int ac_future_add_done_callback(ac_future_t *f, ac_done_fn fn, void *arg) {
  int rc = ac__future_check(f, "ac_future_add_done_callback");
  if (rc) return rc;
  if (!fn) return ac__misuse(-EINVAL, "ac_future_add_done_callback", "the callback is NULL");
  if ((rc = ac__compact_check(f->loop, arg, "ac_future_add_done_callback"))) return rc;
  done_cb *d = malloc(sizeof *d);
  if (!d) return -ENOMEM;
  d->fn = fn;
  d->arg = arg;
  ac__list_init(&d->w.link);
  if (f->state != AC_FUTURE_PENDING) {
    done_cb_notify(&d->w, f);
    return 0;
  }
  ac__waiter_add(f, &d->w, done_cb_notify, NULL);
  return 0;
}

ssize_t ac_future_remove_done_callback(ac_future_t *f, ac_done_fn fn, void *arg) {
  int rc = ac__future_check(f, "ac_future_remove_done_callback");
  if (rc) return rc;
  if (!fn) return ac__misuse(-EINVAL, "ac_future_remove_done_callback", "the callback is NULL");
  ssize_t removed = 0;
  ac__list *node = f->waiters.next;
  while (node != &f->waiters) {
    ac__list *next = node->next;
    ac__waiter *w = AC__CONTAINER(node, ac__waiter, link);
    done_cb *d = AC__CONTAINER(w, done_cb, w);
    if (w->notify == done_cb_notify && d->fn == fn && d->arg == arg) {
      ac__waiter_remove(w);
      free(d);
      removed++;
    }
    node = next;
  }
  return removed;
}

/* ---- completion ---------------------------------------------------------- */

void ac__future_finish(ac_future_t *f, int error, void *result) {
  f->error = error;
  f->result = error ? NULL : result;
  f->state = error == 0            ? AC_FUTURE_DONE
             : error == -ECANCELED ? AC_FUTURE_CANCELLED
                                   : AC_FUTURE_FAILED;
  /* Each waiter is unlinked before it is told, so it may free itself. */
  while (!ac__list_empty(&f->waiters)) {
    ac__waiter *w = AC__CONTAINER(f->waiters.next, ac__waiter, link);
    ac__waiter_remove(w);
    w->notify(w, f);
  }
}

static int set_outcome(ac_future_t *f, int error, void *result, const char *fn) {
  int rc = ac__future_check(f, fn);
  if (rc) return rc;
  if (f->is_task) return ac__misuse(-EINVAL, fn, "a task's result is what its function returns");
  if (f->state != AC_FUTURE_PENDING) return -EALREADY;
  ac__future_finish(f, error, result);
  return 0;
}

int ac_future_set_result(ac_future_t *f, void *result) {
  return set_outcome(f, 0, result, "ac_future_set_result");
}

int ac_future_set_error(ac_future_t *f, int error) {
  if (error >= 0)
    return ac__misuse(-EINVAL, "ac_future_set_error", "the error must be a negative errno, got %d",
                      error);
  return set_outcome(f, error, NULL, "ac_future_set_error");
}

int ac_future_cancel(ac_future_t *f) {
  int rc = ac__future_check(f, "ac_future_cancel");
  if (rc) return rc;
  if (f->state != AC_FUTURE_PENDING) return 0;
  if (f->is_task) return ac__task_cancel(ac__as_task(f));
  ac__future_finish(f, -ECANCELED, NULL);
  return 1;
}

int ac_future_state(const ac_future_t *f) {
  int rc = ac__future_check(f, "ac_future_state");
  return rc ? rc : f->state;
}

int ac_future_is_done(const ac_future_t *f) {
  int rc = ac__future_check(f, "ac_future_is_done");
  return rc ? rc : f->state != AC_FUTURE_PENDING;
}

int ac_future_result(const ac_future_t *f, void **result) {
  if (result) *result = NULL;
  int rc = ac__future_check(f, "ac_future_result");
  if (rc) return rc;
  if (f->state == AC_FUTURE_PENDING) return -EAGAIN;
  if (result) *result = f->result;
  ((ac_future_t *)f)->retrieved = 1;
  return f->error;
}

/* ---- references ---------------------------------------------------------- */

void ac__future_ref(ac_future_t *f) { f->refs++; }

void ac__future_give(ac_future_t *f) {
  f->refs++;
  f->user_ref = 1;
}

void ac__future_mark_read(ac_future_t *f) { f->retrieved = 1; }

static void future_free(ac_future_t *f) {
  ac__list_remove(&f->link);
  while (!ac__list_empty(&f->waiters)) { /* only done callbacks can be left */
    ac__waiter *w = AC__CONTAINER(f->waiters.next, ac__waiter, link);
    ac__waiter_remove(w);
    if (w->notify == done_cb_notify) free(AC__CONTAINER(w, done_cb, w));
  }
  if (f->is_task) ac__debug_task_freed(f->loop, ac__as_task(f));
  f->magic = AC__FREED_MAGIC;
  if (f->is_task) {
    free(ac__as_task(f)->name);
    ac__as_task(f)->name = NULL;
  }
  if (f->is_task)
    ac__slab_free(&f->loop->task_slab, ac__as_task(f));
  else
    free(f);
}

void ac__future_unref(ac_future_t *f) {
  if (--f->refs == 0) future_free(f);
}

int ac_future_release(ac_future_t *f) {
  int rc = ac__future_check(f, "ac_future_release");
  if (rc) return rc;
  if (!f->user_ref)
    return ac__misuse(-EINVAL, "ac_future_release",
                      "released twice, or never handed out (a detached task)");
  f->user_ref = 0;
  ac__future_unref(f);
  return 0;
}

void ac__future_free_all(ac__loop *loop) {
  while (!ac__list_empty(&loop->futures))
    future_free(AC__CONTAINER(loop->futures.next, ac_future_t, link));
  ac__slab_close(&loop->task_slab);
}

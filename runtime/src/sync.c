/* sync.c - what every synchronization primitive shares: creation, argument
 * checks, and wait lists whose waiters leave no trace when they give up. */
#include <stdlib.h>

#include "sync_internal.h"

static void sync_close(ac__resource *r) { free(AC__CONTAINER(r, ac__sync, res)); }

int ac__sync_create(void **out, size_t size, const char *fn) {
  ac__loop *loop = NULL;
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  int rc = ac__loop_get(&loop, fn);
  if (rc) return rc;
  ac__sync *s = calloc(1, size);
  if (!s) return -ENOMEM;
  s->loop = loop;
  ac__list_init(&s->waiters);
  ac__resource_track(loop, &s->res, sync_close);
  *out = s;
  return 0;
}

void ac__sync_free(ac__sync *s) {
  ac__resource_untrack(&s->res);
  free(s);
}

int ac__sync_begin(const ac__sync *s, ac__task **t, int64_t timeout_ms, int need_task,
                   const char *fn) {
  if (!s) return ac__misuse(-EINVAL, fn, "the object is NULL");
  if (s->loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the object belongs to the loop of another thread");
  if (timeout_ms < 0 && timeout_ms != AC_NO_TIMEOUT)
    return ac__misuse(-EINVAL, fn, "negative timeout (%lld ms); use AC_NO_TIMEOUT to wait forever",
                      (long long)timeout_ms);
  if (!need_task) {
    *t = s->loop->current;
    return 0;
  }
  return ac__current(t, fn);
}

int ac__sync_wait(ac__task *t, ac__list *list, ac__sync_waiter *w, int64_t timeout_ms,
                  const char *what) {
  if (timeout_ms == 0) return -ETIMEDOUT;
  ac__sync_waiter *node = w;
  if (t->compact) { /* W is on its stack, which is elsewhere while it waits */
    if (!t->sync_node && !(t->sync_node = malloc(sizeof *t->sync_node))) return -ENOMEM;
    node = t->sync_node;
    node->item = w->item;
  }
  node->task = t;
  node->granted = 0;
  ac__list_push_back(list, &node->link);
  int rc = ac__suspend_for(t, timeout_ms, -ETIMEDOUT, what);
  ac__list_remove(&node->link);
  if (node != w) {
    w->item = node->item;
    w->granted = node->granted;
  }
  return node->granted ? 0 : rc;
}

ac__sync_waiter *ac__sync_grant_first(ac__list *list) {
  while (!ac__list_empty(list)) {
    ac__sync_waiter *w = AC__CONTAINER(list->next, ac__sync_waiter, link);
    ac__list_remove(&w->link);
    if (ac__wake(w->task, 0)) {
      w->granted = 1;
      return w;
    }
  }
  return NULL;
}

int ac__sync_wake_all(ac__list *list, int value) {
  int n = 0;
  while (!ac__list_empty(list)) {
    ac__sync_waiter *w = AC__CONTAINER(list->next, ac__sync_waiter, link);
    ac__list_remove(&w->link);
    if (ac__wake(w->task, value)) {
      w->granted = value == 0;
      n++;
    }
  }
  return n;
}

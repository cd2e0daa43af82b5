/* group.c - task groups (asyncio.TaskGroup): children whose lifetime ends
 * inside ac_group_close(), and a first failure that cancels the rest. */
#include <stdlib.h>

#include "internal.h"

typedef struct child {
  ac__waiter w;     /* in the child task's waiters */
  ac__list link;    /* in group->children */
  ac_task_t *task;  /* the group's reference */
  ac_group_t *group;
} child;

struct ac_group_s {
  ac__task *owner;      /* the task that created it and waits in it */
  ac__list children;    /* every child spawned */
  size_t pending;       /* children not finished */
  int first_error;      /* of the first child that failed */
  int aborting;         /* the children were cancelled */
  int waiting;          /* the owner is inside ac_group_close */
  int cancelled_owner;  /* we cancelled the owner to interrupt its block */
  int closed;           /* ac_group_close has begun */
};

static void cancel_children(ac_group_t *g) {
  g->aborting = 1;
  for (ac__list *n = g->children.next; n != &g->children; n = n->next)
    ac_future_cancel(AC__CONTAINER(n, child, link)->task);
}

static void child_done(ac__waiter *w, ac_future_t *f) {
  child *c = AC__CONTAINER(w, child, w);
  ac_group_t *g = c->group;
  g->pending--;
  f->retrieved = 1; /* the group reports its children's errors */
  if (f->state == AC_FUTURE_FAILED && !g->first_error) {
    g->first_error = f->error;
    cancel_children(g);
    /* Interrupt the owner's own block too, so it reaches ac_group_close. */
    if (!g->waiting && g->owner->tstate != AC__TASK_FINISHED) {
      ac__task_cancel(g->owner);
      g->cancelled_owner = 1;
    }
  }
  if (g->waiting && g->pending == 0) ac__wake(g->owner, 0);
}

int ac_group_create(ac_group_t **out) {
  ac__task *t = NULL;
  if (!out) return ac__misuse(-EINVAL, "ac_group_create", "the output pointer is NULL");
  *out = NULL;
  int rc = ac__current(&t, "ac_group_create");
  if (rc) return rc;
  ac_group_t *g = calloc(1, sizeof *g);
  if (!g) return -ENOMEM;
  g->owner = t;
  ac__list_init(&g->children);
  *out = g;
  return 0;
}

int ac_group_spawn(ac_group_t *g, ac_task_t **out, ac_task_fn fn, void *arg,
                   const ac_task_opts_t *opts) {
  if (out) *out = NULL;
  if (!g) return ac__misuse(-EINVAL, "ac_group_spawn", "the group is NULL");
  if (g->closed && g->pending == 0)
    return ac__misuse(-EALREADY, "ac_group_spawn", "the group has already been waited for");
  if (g->aborting) return -ECANCELED;
  child *c = malloc(sizeof *c);
  if (!c) return -ENOMEM;
  int rc = ac_task_create_ex(&c->task, fn, arg, opts);
  if (rc) {
    free(c);
    return rc;
  }
  c->task->user_ref = 0; /* the reference is the group's, not the program's */
  c->group = g;
  ac__list_push_back(&g->children, &c->link);
  ac__waiter_add(c->task, &c->w, child_done, NULL);
  g->pending++;
  if (out) {
    ac__future_ref(c->task);
    c->task->user_ref = 1;
    *out = c->task;
  }
  return 0;
}

int ac_group_close(ac_group_t *g) {
  ac__task *t = NULL;
  if (!g) return ac__misuse(-EINVAL, "ac_group_close", "the group is NULL");
  int rc = ac__current(&t, "ac_group_close");
  if (rc) return rc;
  if (t != g->owner)
    return ac__misuse(-EPERM, "ac_group_close", "only the task that created the group may wait in it");
  g->closed = 1;
  g->waiting = 1;
  if (g->cancelled_owner) { /* our own interruption has done its job */
    ac_task_uncancel(&t->fut);
    g->cancelled_owner = 0;
  }
  int cancelled = 0;
  while (g->pending > 0) {
    if (ac__suspend(t, "task group") == -ECANCELED) {
      cancelled = 1;
      cancel_children(g);
    }
  }
  while (!ac__list_empty(&g->children)) {
    child *c = AC__CONTAINER(g->children.next, child, link);
    ac__list_remove(&c->link);
    ac__future_unref(c->task);
    free(c);
  }
  rc = cancelled ? -ECANCELED : g->first_error;
  free(g);
  return rc;
}

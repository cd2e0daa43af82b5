/* group.c - task groups (asyncio.TaskGroup): children whose lifetime ends
 * inside ac_group_close(), and a first failure that cancels the rest.
 *
 * The group is owned by the task that made it (an ac__owned entry): if that
 * task finishes without closing it, the group is closed then, so no child's
 * failure can reach a task that has ended. A group is a loop resource, so
 * one left behind is freed when the loop closes. */
#include <stdlib.h>

#include "task_internal.h"

typedef struct child {
  ac__waiter w;   /* in the child task's waiters */
  ac__list link;  /* in group->children */
  ac__task *task; /* the group's reference */
  ac_group_t *group;
} child;

struct ac_group_s {
  ac__resource res;    /* freed with the loop if nobody closes it */
  ac__owned owned;     /* in the owner's owned list until closed */
  ac__task *owner;     /* the task that created it; NULL once it has finished */
  ac__list children;   /* every child spawned */
  size_t pending;      /* children not finished */
  int first_error;     /* of the first child that failed */
  int cancels_before;  /* the owner's cancellation requests when the group was made */
  int aborting;        /* the children were cancelled */
  int waiting;         /* the owner is closing it */
  int cancelled_owner; /* we cancelled the owner to interrupt its block */
  int closed;          /* closing has begun */
};

static void cancel_children(ac_group_t *g) {
  g->aborting = 1;
  for (ac__list *n = g->children.next; n != &g->children; n = n->next)
    ac_future_cancel(&AC__CONTAINER(n, child, link)->task->fut);
}

static void child_done(ac__waiter *w, ac_future_t *f) {
  child *c = AC__CONTAINER(w, child, w);
  ac_group_t *g = c->group;
  g->pending--;
  ac__future_mark_read(f); /* the group reports its children's errors */
  if (f->state == AC_FUTURE_FAILED && !g->first_error) {
    g->first_error = f->error;
    cancel_children(g);
    /* Interrupt the owner's own block too, so it reaches ac_group_close. */
    if (!g->waiting && g->owner) {
      ac__task_cancel(g->owner);
      g->cancelled_owner = 1;
    }
  }
  if (g->waiting && g->pending == 0 && g->owner) ac__wake(g->owner, 0);
}

static void drop_children(ac_group_t *g) {
  while (!ac__list_empty(&g->children)) {
    child *c = AC__CONTAINER(g->children.next, child, link);
    ac__list_remove(&c->link);
    ac__waiter_remove(&c->w);
    ac__future_unref(&c->task->fut);
    free(c);
  }
}

/* The loop closes: every task has finished (or was dropped). */
static void group_free(ac__resource *r) {
  ac_group_t *g = AC__CONTAINER(r, ac_group_t, res);
  ac__owned_remove(&g->owned);
  drop_children(g);
  free(g);
}

/* Wait for every child as owner T; the outcome of ac_group_close. */
static int wait_children(ac_group_t *g, ac__task *t) {
  g->closed = 1;
  g->waiting = 1;
  if (g->cancelled_owner) { /* our own interruption has done its job */
    ac_task_uncancel(&t->fut);
    g->cancelled_owner = 0;
  }
  /* Cancelled from outside during the block: asyncio cancels the children
   * and re-raises; requests older than the group are not its business. */
  int cancelled = t->cancel_requests > g->cancels_before;
  if (cancelled) cancel_children(g);
  while (g->pending > 0) {
    if (ac__suspend(t, "task group") == -ECANCELED) {
      cancelled = 1;
      cancel_children(g);
    }
  }
  if (cancelled) t->cancel_pending = 0; /* this -ECANCELED delivers it */
  drop_children(g);
  return cancelled ? -ECANCELED : g->first_error;
}

static void let_go(ac__owned *o, ac__task *t) {
  ac_group_t *g = AC__CONTAINER(o, ac_group_t, owned);
  ac__misuse(-EINVAL, "ac_group_close",
             "task '%s' finished without closing its task group; "
             "the group is closed now (%zu child(ren) cancelled)",
             ac_task_name(&t->fut), g->pending);
  if (g->pending > 0) cancel_children(g);
  wait_children(g, t);
  g->owner = NULL; /* freed with the loop */
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
  g->cancels_before = t->cancel_requests;
  ac__list_init(&g->children);
  ac__owned_add(t, &g->owned, let_go);
  ac__resource_track(t->fut.loop, &g->res, group_free);
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
  int rc = ac__task_spawn(&c->task, fn, arg, opts, "ac_group_spawn");
  if (rc) {
    free(c);
    return rc;
  }
  ac__future_ref(&c->task->fut); /* the group's */
  c->group = g;
  ac__list_push_back(&g->children, &c->link);
  ac__waiter_add(&c->task->fut, &c->w, child_done, NULL);
  g->pending++;
  if (out) {
    ac__future_give(&c->task->fut);
    *out = &c->task->fut;
  }
  return 0;
}

int ac_group_close(ac_group_t *g) {
  ac__task *t = NULL;
  if (!g) return ac__misuse(-EINVAL, "ac_group_close", "the group is NULL");
  int rc = ac__current(&t, "ac_group_close");
  if (rc) return rc;
  if (!g->owner)
    return ac__misuse(-EALREADY, "ac_group_close", "the group was closed when its owner finished");
  if (t != g->owner)
    return ac__misuse(-EPERM, "ac_group_close",
                      "only the task that created the group may wait in it");
  if (g->closed)
    return ac__misuse(-EALREADY, "ac_group_close", "the group is already being closed");
  ac__owned_remove(&g->owned);
  rc = wait_children(g, t);
  ac__resource_untrack(&g->res);
  free(g);
  return rc;
}

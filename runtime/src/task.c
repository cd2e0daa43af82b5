/* task.c - tasks: creation, the first run on a fresh stack, suspension,
 * waking, cancellation, sleeping and names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_internal.h"

#if defined(AC_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#endif

enum { MAX_STACK = 1u << 30 };

int ac__current(ac__task **task, const char *fn) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, fn);
  if (rc) return rc;
  if (!loop->current)
    return ac__misuse(-EPERM, fn,
                      "must be called from inside a task (not from a callback, or "
                      "from outside the loop)");
  *task = loop->current;
  return 0;
}

/* ---- creation ------------------------------------------------------------ */

int ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg) {
  return ac_task_create_ex(task, fn, arg, NULL);
}

int ac_task_create_ex(ac_task_t **out, ac_task_fn fn, void *arg, const ac_task_opts_t *opts) {
  ac__task *t;
  if (out) *out = NULL;
  int rc = ac__task_spawn(&t, fn, arg, opts, "ac_task_create");
  if (rc == 0 && out) {
    ac__future_give(&t->fut);
    *out = &t->fut;
  }
  return rc;
}

/* Whether a task with OPTS and STACK_SIZE is compact: asked for, or all
 * tasks are (AC_TASK_COMPACT in the environment). 0 or -EINVAL. */
static int compact_wanted(const ac__loop *loop, const ac_task_opts_t *opts, size_t stack_size,
                          const char *fn_name, int *compact) {
  unsigned flags = opts ? opts->flags : 0;
  if (flags & ~(AC_TASK_COMPACT | AC__TASK_MAIN))
    return ac__misuse(-EINVAL, fn_name, "unknown task flags 0x%x",
                      flags & ~(AC_TASK_COMPACT | AC__TASK_MAIN));
  if ((flags & AC_TASK_COMPACT) && stack_size > AC_TASK_STACK_DEFAULT)
    return ac__misuse(-EINVAL, fn_name,
                      "a compact task runs on the shared %u KiB run stack: stack size %zu is "
                      "more",
                      AC_TASK_STACK_DEFAULT / 1024, stack_size);
#if defined(AC_CONTEXT_UCONTEXT)
  (void)loop;
  *compact = 0; /* the copy needs the saved stack pointer of the assembly switch */
#else
  *compact = (flags & AC_TASK_COMPACT) ||
             (stack_size <= AC_TASK_STACK_DEFAULT &&
              (loop->compact_all == AC__COMPACT_ALL ||
               (loop->compact_all == AC__COMPACT_BUT_MAIN && !(flags & AC__TASK_MAIN))));
#endif
  return 0;
}

int ac__task_spawn(ac__task **out, ac_task_fn fn, void *arg, const ac_task_opts_t *opts,
                   const char *fn_name) {
  ac__loop *loop = NULL;
  if (!fn) return ac__misuse(-EINVAL, fn_name, "the task function is NULL");
  int rc = ac__loop_get(&loop, fn_name);
  if (rc) return rc;
  if ((rc = ac__compact_check(loop, arg, fn_name))) return rc;
  size_t stack_size = AC_TASK_STACK_DEFAULT;
  if (opts && opts->stack_size) {
    if (opts->stack_size < AC_TASK_STACK_MIN || opts->stack_size > MAX_STACK)
      return ac__misuse(-EINVAL, fn_name, "stack size %zu is outside %u bytes .. 1 GiB",
                        opts->stack_size, AC_TASK_STACK_MIN);
    size_t page = loop->stacks.page;
    stack_size = (opts->stack_size + page - 1) & ~(page - 1);
  }
  int compact = 0;
  if (__builtin_expect(opts != NULL || loop->compact_all, 0) &&
      (rc = compact_wanted(loop, opts, stack_size, fn_name, &compact)))
    return rc;
  ac__task *t = ac__slab_alloc(&loop->task_slab);
  if (!t) return -ENOMEM;
  t->ready.is_task = compact ? 2 : 1; /* 2: switched to through the loop (switch.c) */
  t->ready.yielded = 0;
  t->stack = NULL;
  t->fn = fn;
  t->arg = arg;
  t->stack_size = stack_size;
  t->wake_value = 0;
  t->tstate = AC__TASK_CREATED;
  t->cancel_pending = 0;
  t->cancel_requests = 0;
  t->waiting_on = NULL;
  ac__list_init(&t->owned);
  t->id = ++loop->next_task_id;
#if defined(AC_SANITIZE_ADDRESS)
  t->fake_stack = NULL;
#endif
#if defined(AC_SANITIZE_THREAD)
  t->tsan_fiber = NULL;
#endif
  t->name = NULL;
  t->traced = 0;
  t->compact = (uint8_t)compact;
  if (compact) { /* only compact tasks use these */
    t->saved = NULL;
    t->saved_size = t->saved_cap = 0;
    t->sync_node = NULL;
  }
  if (opts && opts->name && (rc = ac__task_rename(t, opts->name))) {
    ac__slab_free(&loop->task_slab, t);
    return rc;
  }
  ac__future_init(loop, &t->fut, 1);
  t->fut.refs = 1; /* the task's own, dropped when it finishes */
  ac__list_push_back(&loop->tasks, &t->link);
  loop->ntasks++;
  ac__ready_push(loop, &t->ready);
  *out = t;
  return 0;
}

void ac__owned_add(ac__task *t, ac__owned *o, void (*let_go)(ac__owned *, ac__task *)) {
  o->let_go = let_go;
  ac__list_push_back(&t->owned, &o->link);
}

/* The function returned: let go of what it left owned, newest first. */
static void let_go_owned(ac__task *t) {
  while (!ac__list_empty(&t->owned)) {
    ac__owned *o = AC__CONTAINER(t->owned.prev, ac__owned, link);
    ac__list_remove(&o->link);
    o->let_go(o, t);
  }
}

/* ---- running ------------------------------------------------------------- */

static void task_complete(ac__loop *loop, ac__task *t, int rc, void *result) {
  t->tstate = AC__TASK_FINISHED;
  ac__list_remove(&t->link);
  loop->ntasks--;
  ac__future_finish(&t->fut, rc, result);
}

static void task_entry(void *arg) {
  ac__task *t = arg;
  ac__loop *loop = ac__cur;
  ac__task_started(loop, t);
  void *result = NULL;
  int rc = t->fn(t->arg, &result);
  if (rc > 0) {
    ac__misuse(-EINVAL, "task", "task '%s' returned %d; a task returns 0 or a negative errno",
               ac_task_name(&t->fut), rc);
    rc = -EINVAL;
  }
  let_go_owned(t);
  task_complete(loop, t, rc, result);
  ac__switch_away(loop, t, 1); /* never comes back */
  abort();
}

static void release_stack(ac__loop *loop, ac__task *t, int keep_mapped) {
#if defined(AC_SANITIZE_THREAD)
  if (t->tsan_fiber) __tsan_destroy_fiber(t->tsan_fiber);
  t->tsan_fiber = NULL;
#endif
  if (t->compact)
    ac__compact_release(t); /* the run stack stays the loop's */
  else
    ac__stack_put(&loop->stacks, t->stack, keep_mapped);
  t->stack = NULL;
}

/* Run T until it suspends or finishes; called by the loop for each ready task. */
void ac__task_resume(ac__loop *loop, ac__task *t) {
  if (t->tstate == AC__TASK_CREATED) {
    int rc = t->compact ? ac__compact_start(loop, t)
                        : ac__stack_get(&loop->stacks, t->stack_size, &t->stack);
    if (rc) {
      ac__misuse(rc, "ac_task_create", "no stack for task '%s'", ac_task_name(&t->fut));
      task_complete(loop, t, rc, NULL);
      ac__future_unref(&t->fut);
      return;
    }
#if defined(AC_SANITIZE_THREAD)
    t->tsan_fiber = __tsan_create_fiber(0);
#endif
    ac__ctx_make(&t->ctx, ac__stack_bottom(t->stack), ac__stack_usable(t->stack), task_entry, t);
  } else if (t->compact) {
    ac__compact_restore(t);
  }
  /* Control may come back from another task that T handed over to (never
   * a compact one: those switch through the loop). */
  ac__task *back = ac__switch_to_task(loop, t);
  if (back->tstate == AC__TASK_FINISHED) {
    release_stack(loop, back, 0);
    ac__future_unref(&back->fut);
  } else if (back->compact) {
    ac__compact_save(loop, back);
  }
}

int ac__suspend(ac__task *t, const char *what) {
  if (t->cancel_pending) {
    t->cancel_pending = 0;
    return -ECANCELED;
  }
  t->tstate = AC__TASK_SUSPENDED;
  t->waiting_on = what;
  ac__switch_away(t->fut.loop, t, 0);
  t->waiting_on = NULL;
  return t->wake_value;
}

int ac__wake(ac__task *t, int value) {
  if (t->tstate != AC__TASK_SUSPENDED) return 0;
  t->wake_value = value;
  t->tstate = AC__TASK_READY;
  ac__ready_push(t->fut.loop, &t->ready);
  return 1;
}

/* ---- cancellation -------------------------------------------------------- */

int ac__task_cancel(ac__task *t) {
  if (t->tstate == AC__TASK_FINISHED) return 0;
  t->cancel_requests++;
  /* A suspended task is woken now; one that is ready or running gets it at
   * its next suspension, so an event already delivered to it is not lost.
   * One already woken by a cancellation it has not seen yet gets just that
   * one (as in asyncio): the request is counted, not delivered twice. */
  if (ac__wake(t, -ECANCELED)) return 1;
  if (!(t->tstate == AC__TASK_READY && t->wake_value == -ECANCELED)) t->cancel_pending = 1;
  return 1;
}

int ac__cancel_all(ac__loop *loop) {
  int n = 0;
  for (ac__list *node = loop->tasks.next; node != &loop->tasks; node = node->next)
    n += ac__task_cancel(AC__CONTAINER(node, ac__task, link));
  return n;
}

int ac_task_cancelling(const ac_task_t *task) {
  int rc = ac__future_check(task, "ac_task_cancelling");
  if (rc) return rc;
  return task->is_task ? ((const ac__task *)task)->cancel_requests : 0;
}

int ac_task_uncancel(ac_task_t *task) {
  int rc = ac__future_check(task, "ac_task_uncancel");
  if (rc) return rc;
  if (!task->is_task) return ac__misuse(-EINVAL, "ac_task_uncancel", "not a task");
  ac__task *t = ac__as_task(task);
  if (t->cancel_requests > 0) t->cancel_requests--;
  if (t->cancel_requests == 0) t->cancel_pending = 0;
  return t->cancel_requests;
}

/* Tasks that can never finish (see ac_loop_close): drop them as they are. */
void ac__task_abandon_all(ac__loop *loop) {
  while (!ac__list_empty(&loop->tasks)) {
    ac__task *t = AC__CONTAINER(loop->tasks.next, ac__task, link);
    ac__list_remove(&t->link);
    loop->ntasks--;
    t->tstate = AC__TASK_FINISHED;
    t->fut.state = AC_FUTURE_CANCELLED;
    t->fut.error = -ECANCELED;
    /* Waiters on abandoned stacks stay linked: keep the stacks mapped. */
    if (t->stack) release_stack(loop, t, 1);
    ac__future_unref(&t->fut);
  }
}

/* ---- suspending with a time limit ---------------------------------------- */

/* The timer that wakes a task suspended with a time limit with VALUE: a
 * sleep (0) or a deadline (-ETIMEDOUT). It lives in the task structure, not
 * on the task's stack (a compact task's stack is elsewhere while it waits).
 * Whatever woke the task, the timer is off the heap before the task goes on. */
static void wake_timer_due(ac__timer *timer) {
  ac__task *t = AC__CONTAINER(timer, ac__task, wake_timer);
  ac__wake(t, t->wake_timer_value);
}

int ac__suspend_for(ac__task *t, int64_t ms, int value, const char *what) {
  if (ms < 0) return ac__suspend(t, what);
  ac__loop *loop = t->fut.loop;
  t->wake_timer_value = value;
  ac__timer_init(&t->wake_timer, wake_timer_due);
  int rc = ac__timer_start(loop, &t->wake_timer, ac__now(loop) + (uint64_t)ms);
  if (rc == 0) rc = ac__suspend(t, what);
  ac__timer_stop(loop, &t->wake_timer);
  return rc;
}

/* ---- sleeping ------------------------------------------------------------ */

int ac_task_sleep(int64_t ms) {
  ac__task *t = NULL;
  int rc = ac__current(&t, "ac_task_sleep");
  if (rc) return rc;
  if (ms < 0)
    return ac__misuse(-EINVAL, "ac_task_sleep", "negative delay (%lld ms)", (long long)ms);
  ac__loop *loop = t->fut.loop;
  if (ms == 0) { /* yield: to the back of the ready queue */
    if (t->cancel_pending) {
      t->cancel_pending = 0;
      return -ECANCELED;
    }
    t->tstate = AC__TASK_READY;
    t->wake_value = 0;
    t->waiting_on = "sleep(0)";
    t->ready.yielded = 1; /* behind everything ready now, whatever the schedule */
    ac__ready_push(loop, &t->ready);
    ac__switch_away(loop, t, 0);
    t->ready.yielded = 0;
    t->waiting_on = NULL;
    if (t->cancel_pending) { /* cancelled while it stood in the queue */
      t->cancel_pending = 0;
      return -ECANCELED;
    }
    return 0;
  }
  return ac__suspend_for(t, ms, 0, "sleep");
}

/* ---- introspection ------------------------------------------------------- */

ac_task_t *ac_task_current(void) {
  return ac__cur && ac__cur->current ? &ac__cur->current->fut : NULL;
}

ssize_t ac_task_all(ac_task_t **tasks, size_t capacity) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_task_all");
  if (rc) return rc;
  if (!tasks && capacity)
    return ac__misuse(-EINVAL, "ac_task_all", "the array is NULL but its capacity is %zu",
                      capacity);
  ssize_t i = 0;
  for (ac__list *node = loop->tasks.next; node != &loop->tasks; node = node->next, i++)
    if ((size_t)i < capacity) tasks[i] = &AC__CONTAINER(node, ac__task, link)->fut;
  return i;
}

int ac_future_is_task(const ac_future_t *f) {
  int rc = ac__future_check(f, "ac_future_is_task");
  return rc ? rc : f->is_task;
}

int ac__task_rename(ac__task *t, const char *name) {
  size_t len = strnlen(name, AC_TASK_NAME_MAX);
  char *copy = malloc(len + 1);
  if (!copy) return -ENOMEM;
  memcpy(copy, name, len);
  copy[len] = '\0';
  free(t->name);
  t->name = copy;
  return 0;
}

void ac__task_label(const ac__task *t, char *buf, size_t size) {
  if (t->name)
    snprintf(buf, size, "%s", t->name);
  else
    snprintf(buf, size, "Task-%llu", (unsigned long long)t->id);
}

const char *ac_task_name(const ac_task_t *task) {
  if (ac__future_check(task, "ac_task_name") || !task->is_task) return "";
  ac__task *t = (ac__task *)task;
  if (!t->name) { /* named on first request: creation stays cheap */
    char label[AC__TASK_LABEL_MAX];
    ac__task_label(t, label, sizeof label);
    if (ac__task_rename(t, label)) return "(out of memory)";
  }
  return t->name;
}

int ac_task_set_name(ac_task_t *task, const char *name) {
  int rc = ac__future_check(task, "ac_task_set_name");
  if (rc) return rc;
  if (!task->is_task) return ac__misuse(-EINVAL, "ac_task_set_name", "not a task");
  if (!name) return ac__misuse(-EINVAL, "ac_task_set_name", "the name is NULL");
  return ac__task_rename(ac__as_task(task), name);
}

/* task_internal.h - tasks (task.c): a future that runs a function on a
 * stack of its own, suspends and is woken; and the switches between the
 * loop and tasks (switch.c). */
#ifndef AC_TASK_INTERNAL_H
#define AC_TASK_INTERNAL_H

#include "future_internal.h"

/* An internal flag of ac_task_opts_t: ac_loop_run's main task, which the
 * environment's AC_TASK_COMPACT=1 leaves with a stack of its own. */
#define AC__TASK_MAIN (1u << 31)
/* loop->compact_all: AC_TASK_COMPACT in the environment ("1" or "all"). */
enum { AC__COMPACT_NONE, AC__COMPACT_BUT_MAIN, AC__COMPACT_ALL };

enum { AC__TASK_CREATED, AC__TASK_READY, AC__TASK_RUNNING, AC__TASK_SUSPENDED, AC__TASK_FINISHED };

/* Something a task owns that must not outlive it: a lock it holds, a task
 * group it made, a timeout scope it opened. If the task's function returns
 * with it still owned, LET_GO is called, newest first, while the task still
 * runs (it may wait); so nothing keeps a pointer to a task that has ended,
 * whose structure is recycled for another. */
typedef struct ac__owned {
  ac__list link; /* in task->owned */
  void (*let_go)(struct ac__owned *, ac__task *);
} ac__owned;

struct ac__task {
  struct ac_future_s fut; /* a task is a future: this must come first */
  ac__ready ready;        /* in the ready queue when it may run */
  ac__ctx ctx;            /* saved registers while it is not running */
  ac__stack *stack;       /* its stack while it runs or is suspended */
  ac_task_fn fn;          /* the function it runs */
  void *arg;              /* and its argument */
  size_t stack_size;      /* usable size it asked for */
  int wake_value;         /* what the suspending call returns: 0, -ECANCELED, ... */
  uint8_t tstate;         /* AC__TASK_* */
  uint8_t cancel_pending; /* deliver -ECANCELED at the next suspension */
  int cancel_requests;    /* ac_future_cancel() calls not withdrawn by uncancel */
  const char *waiting_on; /* what it is suspended in ("sleep", "future"...) */
  ac__list link;          /* in loop->tasks until it finishes */
  ac__list owned;         /* ac__owned entries, oldest first */
  uint64_t id;            /* 1, 2, ... in creation order, never reused (a recycled
                           * structure gets a new one): "Task-<id>" */
  char *name;             /* malloc'd; NULL until named or asked for */
  uint8_t traced;         /* its track is named in the trace file */
  uint8_t compact;        /* runs on the loop's run stack, kept in SAVED while away */
  uint32_t saved_size;    /* compact: bytes of SAVED in use ([sp, top) of the run stack) */
  uint32_t saved_cap;     /* and allocated */
  char *saved;            /* compact: the copy of its stack while it is not running */
  /* What others touch while the task is suspended lives here, not on its
   * stack (a compact task's stack is not there then): the timer of a
   * suspension with a time limit, and a compact task's sync waiter. */
  ac__timer wake_timer;
  int wake_timer_value;
  struct ac__sync_waiter *sync_node; /* compact: its heap waiter, made on first use */
#if defined(AC_SANITIZE_ADDRESS)
  void *fake_stack; /* AddressSanitizer's bookkeeping across switches */
#endif
#if defined(AC_SANITIZE_THREAD)
  void *tsan_fiber; /* ThreadSanitizer's fiber for this task */
#endif
};

static inline ac__task *ac__as_task(ac_future_t *f) { return (ac__task *)f; }

/* Create a task; *OUT points to it (borrowed: take a reference to keep it). */
int ac__task_spawn(ac__task **out, ac_task_fn fn, void *arg, const ac_task_opts_t *opts,
                   const char *fn_name);
void ac__owned_add(ac__task *t, ac__owned *o, void (*let_go)(ac__owned *, ac__task *));
static inline void ac__owned_remove(ac__owned *o) { ac__list_remove(&o->link); }
int ac__task_rename(ac__task *t, const char *name);
/* The name, or "Task-<id>", written into BUF without allocating; "Task-<id>"
 * fits in AC__TASK_LABEL_MAX bytes. */
enum { AC__TASK_LABEL_MAX = sizeof "Task-18446744073709551615" };
void ac__task_label(const ac__task *t, char *buf, size_t size);
int ac__current(ac__task **task, const char *fn);
int ac__suspend(ac__task *t, const char *what);
/* The same, with a time limit: after MS ms (none if MS < 0), a timer wakes
 * T with VALUE (0 for a sleep, -ETIMEDOUT for a deadline). */
int ac__suspend_for(ac__task *t, int64_t ms, int value, const char *what);
/* Make a suspended task ready, its suspending call to return VALUE.
 * Returns 1, or 0 if it was already woken (only the first wake counts). */
int ac__wake(ac__task *t, int value);
int ac__task_cancel(ac__task *t);
void ac__task_resume(ac__loop *loop, ac__task *t);
void ac__task_abandon_all(ac__loop *loop);
int ac__cancel_all(ac__loop *loop);

/* switch.c: switching between the loop and tasks, telling the sanitizers. */
ac__task *ac__switch_to_task(ac__loop *loop, ac__task *t);
/* Leave the running task T: straight to the next ready task where possible,
 * else to the loop. Returns when T is resumed (never, if FINISHED). */
void ac__switch_away(ac__loop *loop, ac__task *t, int finished);
void ac__task_started(ac__loop *loop, ac__task *t);

/* compact.c: compact tasks' copies of the run stack. */
/* Refuse (-EINVAL, naming FN) a pointer P into the stack of the running
 * task if it is compact: what gets it (a new task, a callback, a worker)
 * uses it while the task waits, when its stack is elsewhere. */
int ac__compact_refuse(const ac__task *t, const void *p, const char *fn);
static inline int ac__compact_check(const ac__loop *loop, const void *p, const char *fn) {
  const ac__task *t = loop->current;
  if (__builtin_expect(t && t->compact, 0)) return ac__compact_refuse(t, p, fn);
  return 0;
}
/* Give compact task T the loop's run stack (made on first use); 0 or -ENOMEM. */
int ac__compact_start(ac__loop *loop, ac__task *t);
/* T switched out: copy [sp, top) of the run stack to T's buffer. */
void ac__compact_save(ac__loop *loop, ac__task *t);
/* T is about to run: copy its buffer back to the same addresses. */
void ac__compact_restore(ac__task *t);
/* T finished: free its buffer. */
void ac__compact_release(ac__task *t);
/* The copy of the run stack's byte at ADDR while T is away, or NULL if
 * ADDR is not in the part kept. */
const void *ac__compact_find(const ac__task *t, uintptr_t addr, size_t len);

#endif /* AC_TASK_INTERNAL_H */

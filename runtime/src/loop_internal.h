/* loop_internal.h - the loop of a thread (loop.c): what it schedules (its
 * ready queue, its timers, the tasks it switches between, calls from other
 * threads), its libuv handles, and a slot per module built on it.
 *
 * Internal names use the ac__ prefix. One loop per thread lives behind a
 * thread-local pointer; no header of the runtime's is included by users. */
#ifndef AC_LOOP_INTERNAL_H
#define AC_LOOP_INTERNAL_H

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "ac.h"
#include "ctx.h"
#include "debug_internal.h"
#include "error_internal.h"
#include "list.h"
#include "slab.h"
#include "spin.h"
#include "stack_internal.h"
#include "timer_internal.h"

typedef struct ac_loop_s ac__loop;
typedef struct ac__task ac__task;

/* One entry of the loop's FIFO of things to run: a task to resume or a
 * callback to call. Tasks embed theirs; callbacks live in an ac_handle_t. */
typedef struct ac__ready {
  struct ac__ready *next;
  uint8_t is_task; /* 1: the entry is the ready field of an ac__task; 2: of a
                    * compact one, which is never handed over to directly */
  uint8_t yielded; /* a task's, set by sleep(0): it runs after all queued before it,
                    * even when schedule exploration reorders tasks (explore.c) */
} ac__ready;

/* Something the loop frees when it closes, unless the program did first:
 * sync objects, executors, streams. Embed one and track it. */
typedef struct ac__resource {
  ac__list link;                        /* in loop->resources */
  void (*close)(struct ac__resource *); /* free it (the loop is closing) */
} ac__resource;

/* Per-loop state of a module built on the loop, made on first use. The
 * loop knows it only by its number: it runs the close hook of every slot
 * in use when it closes, after the tasks have ended and the resources have
 * been closed, in this order. */
typedef enum {
  AC__SLOT_EXECUTOR, /* the default executor (executor.c) */
  AC__SLOT_HTTP,     /* the HTTP client (http.c) */
  AC__SLOT_STREAM,   /* the area libuv reads streams into (stream.c) */
  AC__SLOT_COUNT
} ac__slot_id;

typedef struct ac__slot {
  void *state;                                /* the module's, or NULL */
  void (*close)(ac__loop *loop, void *state); /* frees it: the loop is closing */
} ac__slot;

struct ac_loop_s {
  uv_loop_t uv;            /* libuv underneath: I/O, its own handles */
  uv_timer_t uv_timer;     /* armed for the earliest of the timers */
  uv_prepare_t uv_prepare; /* keeps libuv from waiting when work is due here */
  uint64_t armed_for;      /* when uv_timer is set to fire; UINT64_MAX: not armed */
  pthread_t owner;         /* the thread that opened it */
  /* What may run now, and when the rest may: */
  ac__ready *ready_head; /* FIFO of what may run now */
  ac__ready **ready_tail;
  int budget;                 /* ready items left to run before polling for I/O */
  ac__timers timers;          /* sleeps, call_later, deadlines */
  ac__list kept_handles;      /* callbacks' handles the program holds */
  ac_handle_t *spare_handles; /* freed handles kept for reuse (via ready.next) */
  /* The tasks it switches between: */
  ac__list futures; /* every future and task not yet freed */
  ac__list tasks;   /* tasks not finished */
  size_t ntasks;    /* their number */
  uint64_t next_task_id;
  ac__slab task_slab; /* where task structures come from (slab.h) */
  ac__task *current;  /* the running task, or NULL */
  ac__stack_pool stacks;
  ac__stack *run_stack;           /* compact tasks run here (compact.c); NULL until one starts */
  uint8_t compact_all;            /* AC_TASK_COMPACT=1 in the environment: every task is compact */
  ac__ctx sched_ctx;              /* the loop's own context, to which tasks switch back */
  void *sched_fake_stack;         /* AddressSanitizer's bookkeeping for it */
  const void *sched_stack_bottom; /* the loop thread's stack, for the sanitizer */
  size_t sched_stack_size;
  void *tsan_loop_fiber; /* ThreadSanitizer's fiber for the loop's own context */
  /* Its state: */
  int running; /* inside ac_loop_drive */
  int stop;    /* ac_loop_stop was called */
  int closing; /* ac_loop_close is at work */
  /* Calls from other threads (ac_loop_call_soon_threadsafe): */
  pthread_mutex_t ts_lock;               /* guards ts_head/ts_tail */
  struct ac__ts_call *ts_head, *ts_tail; /* FIFO of calls to run on the loop */
  uv_async_t ts_async;                   /* wakes the loop when a call arrives */
  _Atomic int ts_count;                  /* calls waiting in ts_head: read without the lock */
  _Atomic int ts_spinning;               /* the loop is polling ts_count: no need to wake it */
  ac__spinner ts_spinner;                /* how long it polls (spin.h) */
  _Atomic int cpu;                       /* where the loop's thread last was (spin.h) */
  _Atomic int worker_cpu;                /* where a worker last took one of its jobs */
  int ts_shared;                         /* the loop was handed to other threads */
  int holds;                             /* work elsewhere that will post back (ac__loop_hold) */
  /* What closes with it: */
  ac__list resources;             /* ac__resource entries, closed after the tasks */
  ac__slot slots[AC__SLOT_COUNT]; /* the modules' per-loop state */
  ac__loop_debug debug;           /* its instrumentation (debug.c) */
  /* Testing (clock.c, explore.c): */
  uint8_t virtual_clock; /* time moves only when every task waits (ac_loop_set_clock) */
  uint64_t virtual_now;  /* the virtual clock's time, in ms */
  uint64_t schedule_rng; /* schedule exploration's generator; 0: ready tasks run in order */
};

extern _Thread_local ac__loop *ac__cur;

/* The calling thread's loop, or a negative errno with a message naming FN. */
int ac__loop_get(ac__loop **loop, const char *fn);

void ac__resource_track(ac__loop *loop, ac__resource *r, void (*close)(ac__resource *));
void ac__resource_untrack(ac__resource *r);

static inline void *ac__slot_get(const ac__loop *loop, ac__slot_id id) {
  return loop->slots[id].state;
}
/* Give slot ID its STATE (NULL: empty it) and the hook that frees it. */
void ac__slot_set(ac__loop *loop, ac__slot_id id, void *state,
                  void (*close)(ac__loop *loop, void *state));

/* Run CB(ARG) on LOOP's thread soon; callable from any thread. */
int ac__call_threadsafe(ac__loop *loop, ac_callback_fn cb, void *arg);
/* Count work running elsewhere that will post back: while any is counted,
 * the loop is not idle (and not deadlocked). Loop thread only. */
void ac__loop_hold(ac__loop *loop, int delta);
static inline void ac__ready_push(ac__loop *loop, ac__ready *r) {
  r->next = NULL;
  *loop->ready_tail = r;
  loop->ready_tail = &r->next;
}
uint64_t ac__now(ac__loop *loop);
int ac__call_soon_internal(ac__loop *loop, ac_callback_fn cb, void *arg);
int ac__loop_iterate(ac__loop *loop, int may_block);
bool ac__loop_idle(ac__loop *loop);

#endif /* AC_LOOP_INTERNAL_H */

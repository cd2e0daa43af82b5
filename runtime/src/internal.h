/* internal.h - the runtime's private structures; never included by users.
 *
 * Internal names use the ac__ prefix. One loop per thread lives behind a
 * thread-local pointer; everything else hangs off it.
 */
#ifndef AC_INTERNAL_H
#define AC_INTERNAL_H

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "ac.h"
#include "ctx.h"
#include "heap.h"
#include "list.h"

/* ---- errors ------------------------------------------------------------ */

/* Print "ac: FN: message" (unless quiet) and give back ERR, so misuse
 * is reported where it happens: `return ac__misuse(-EINVAL, __func__, ...)`. */
int ac__misuse(int err, const char *fn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether those reports are printed (ac_error_set_messages, AC_QUIET). */
int ac__misuse_enabled(void);

/* ---- the ready queue ----------------------------------------------------- */

/* One entry of the loop's FIFO of things to run: a task to resume or a
 * callback to call. Tasks embed theirs; callbacks live in an ac_handle_t. */
typedef struct ac__ready {
  struct ac__ready *next;
  uint8_t is_task; /* 1: the entry is the ready field of an ac__task */
} ac__ready;

/* ---- timers -------------------------------------------------------------- */

/* An entry of the loop's timer min-heap: sleeps, call_later, deadlines. */
typedef struct ac__timer {
  uint64_t when;                        /* loop time (ms) at which it fires */
  uint64_t seq;                         /* order among equal deadlines */
  size_t index;                         /* position in the heap; SIZE_MAX: not in it */
  void (*fire)(struct ac__timer *);     /* what to do when it is due */
} ac__timer;

/* The loop's timers: a min-heap (heap.h) by (when, seq). */
typedef struct ac__timers {
  ac__timer **slots;
  size_t len, cap;
  uint64_t seq; /* next ac__timer.seq */
} ac__timers;

/* ---- callbacks (call_soon / call_later / call_at) ------------------------ */

enum { AC__HANDLE_WAITING, AC__HANDLE_READY, AC__HANDLE_RAN, AC__HANDLE_CANCELLED };

struct ac_handle_s {
  ac__ready ready;     /* in the ready queue when due */
  ac__timer timer;     /* in the heap while waiting for its time */
  ac_callback_fn cb;   /* what to call */
  void *arg;           /* its argument */
  uint8_t state;       /* AC__HANDLE_* */
  uint8_t kept;        /* 1: the program holds it and frees it with ac_handle_close */
  ac__list link;       /* in loop->kept_handles while kept */
};

/* ---- futures and tasks --------------------------------------------------- */

#define AC__FUTURE_MAGIC 0xF07E5u
#define AC__FREED_MAGIC 0xDEADu

/* Something to tell when a future finishes: a waiting task or a callback. */
typedef struct ac__waiter {
  ac__list link;                                   /* in future->waiters */
  void (*notify)(struct ac__waiter *, ac_future_t *); /* called once, already unlinked */
  void *data;                                      /* notify's context */
} ac__waiter;

struct ac_future_s {
  uint32_t magic;      /* AC__FUTURE_MAGIC while alive: catches use after release */
  uint8_t is_task;     /* 1: this is the head of an ac__task */
  uint8_t state;       /* ac_future_state_t */
  uint8_t user_ref;    /* 1 while the program holds its reference (one at most) */
  uint8_t retrieved;   /* its outcome was read (debug mode warns about unread errors) */
  int error;           /* 0, or the negative errno it finished with */
  void *result;        /* the result when done */
  int refs;            /* references: the program's, a running task's, waiters' */
  struct ac_loop_s *loop; /* the loop it belongs to */
  ac__list waiters;    /* ac__waiter entries, told in order when it finishes */
  ac__list link;       /* in loop->futures: all of them, freed at close */
};

enum { AC__TASK_CREATED, AC__TASK_READY, AC__TASK_RUNNING, AC__TASK_SUSPENDED,
       AC__TASK_FINISHED };

typedef struct ac__stack ac__stack;
/* Kept in the top bytes of the stack's own mapping. */
struct ac__stack {
  ac__stack *next;  /* in the pool's free list */
  char *map;        /* start of the mapping (the guard page, if any) */
  size_t map_size;  /* its length; 0 for a stack inside a slab */
  char *bottom;     /* lowest usable byte */
  size_t asked;     /* the usable size asked for: the pool keeps the default */
  unsigned vg_id;   /* valgrind's id for this stack */
  uint8_t guarded;  /* 1: a PROT_NONE page lies just below bottom */
};


/* Something a task owns that must not outlive it: a lock it holds, a task
 * group it made, a timeout scope it opened. If the task's function returns
 * with it still owned, LET_GO is called, newest first, while the task still
 * runs (it may wait); so nothing keeps a pointer to a task that has ended,
 * whose structure is recycled for another. */
struct ac__task;
typedef struct ac__owned {
  ac__list link;                                        /* in task->owned */
  void (*let_go)(struct ac__owned *, struct ac__task *);
} ac__owned;

typedef struct ac__task {
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
#if defined(AC_SANITIZE_ADDRESS)
  void *fake_stack;       /* AddressSanitizer's bookkeeping across switches */
#endif
#if defined(AC_SANITIZE_THREAD)
  void *tsan_fiber;       /* ThreadSanitizer's fiber for this task */
#endif
} ac__task;

static inline ac__task *ac__as_task(ac_future_t *f) { return (ac__task *)f; }

/* ---- the loop ------------------------------------------------------------ */

typedef struct ac__stack_pool {
  ac__stack *free;     /* stacks of the default size ready for reuse */
  size_t nfree;        /* how many */
  size_t guarded_live; /* stacks mapped with their own guard page */
  size_t guard_budget; /* at most this many guarded stacks (vm.max_map_count) */
  ac__list slabs;      /* unguarded slabs, unmapped at close */
  size_t page;         /* page size */
} ac__stack_pool;

/* Something the loop frees when it closes, unless the program did first:
 * sync objects, executors, the HTTP client. Embed one and track it. */
typedef struct ac__resource {
  ac__list link;                         /* in loop->resources */
  void (*close)(struct ac__resource *);  /* free it (the loop is closing) */
} ac__resource;

typedef struct ac_loop_s {
  uv_loop_t uv;             /* libuv underneath: I/O, its own handles */
  uv_timer_t uv_timer;      /* armed for the earliest entry of the heap */
  uv_prepare_t uv_prepare;  /* keeps libuv from waiting when work is due here */
  uint64_t armed_for;       /* when uv_timer is set to fire; UINT64_MAX: not armed */
  pthread_t owner;          /* the thread that opened it */
  ac__ready *ready_head;    /* FIFO of what may run now */
  ac__ready **ready_tail;
  ac__timers timers;        /* sleeps, call_later, deadlines */
  ac__list futures;         /* every future and task not yet freed */
  ac__list tasks;           /* tasks not finished */
  size_t ntasks;            /* their number */
  uint64_t next_task_id;
  ac__list kept_handles;    /* handles the program holds */
  ac_handle_t *spare_handles; /* freed handles kept for reuse (via ready.next) */
  ac__ready *spare_tasks;   /* freed task structures kept for reuse (via ready.next) */
  size_t nspare_tasks;
  ac__ctx sched_ctx;        /* the loop's own context, to which tasks switch back */
  void *sched_fake_stack;   /* AddressSanitizer's bookkeeping for it */
  const void *sched_stack_bottom; /* the loop thread's stack, for the sanitizer */
  size_t sched_stack_size;
  void *tsan_loop_fiber;    /* ThreadSanitizer's fiber for the loop's own context */
  void *altstack;           /* signal stack we gave the thread (to report overflows) */
  ac__task *current;        /* the running task, or NULL */
  int budget;               /* ready items left to run before polling for I/O */
  ac__stack_pool stacks;
  int running;              /* inside ac_loop_drive */
  int stop;                 /* ac_loop_stop was called */
  int closing;              /* ac_loop_close is at work */
  ac__list resources;       /* ac__resource entries, closed after the tasks */
  /* Calls from other threads (ac_loop_call_soon_threadsafe): */
  pthread_mutex_t ts_lock;  /* guards ts_head/ts_tail */
  struct ac__ts_call *ts_head, *ts_tail; /* FIFO of calls to run on the loop */
  uv_async_t ts_async;      /* wakes the loop when a call arrives */
  _Atomic int ts_count;     /* calls waiting in ts_head: read without the lock */
  _Atomic int ts_spinning;  /* the loop is polling ts_count: no need to wake it */
  struct ac_executor_s *default_pool; /* the default executor, made on first use */
  struct http_client *http; /* the HTTP client, made on first use (http.c) */
  struct ac__read_area *read_area; /* where libuv reads streams, made on first use (stream.c) */
  int ts_shared;            /* the loop was handed to other threads */
  int holds;                /* work elsewhere that will post back (ac__loop_hold) */
  /* Debugging (debug.c): */
  int instrumented;         /* debug mode or trace on: steps are measured */
  int debug;                /* debug mode: warnings */
  uint64_t slow_ns;         /* a step longer than this is reported */
  uint64_t step_start_ns;   /* when the current step began (coarse clock) */
  uint64_t step_start_us;   /* the same, precise, for the trace */
  FILE *trace;              /* Chrome trace-event file, or NULL */
  int trace_first;          /* no event written yet (for the commas) */
  uv_signal_t dump_signal;  /* ac_debug_dump_tasks_on_signal */
  int dump_signal_started;
} ac__loop;

extern _Thread_local ac__loop *ac__cur;

/* The calling thread's loop, or a negative errno with a message naming FN. */
int ac__loop_get(ac__loop **loop, const char *fn);
/* Check that OBJ's loop is the calling thread's: 0 or -EPERM with a message. */
int ac__check_thread(const char *fn);

/* loop.c */
void ac__resource_track(ac__loop *loop, ac__resource *r, void (*close)(ac__resource *));
void ac__resource_untrack(ac__resource *r);
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

/* timer.c */
void ac__timer_init(ac__timer *t, void (*fire)(ac__timer *));
int ac__timer_start(ac__loop *loop, ac__timer *t, uint64_t when);
void ac__timer_stop(ac__loop *loop, ac__timer *t);
void ac__timers_fire_due(ac__loop *loop);
void ac__timers_free(ac__loop *loop);

/* future.c */
int ac__future_check(const ac_future_t *f, const char *fn);
void ac__future_init(ac__loop *loop, ac_future_t *f, int is_task);
void ac__future_finish(ac_future_t *f, int error, void *result);
void ac__future_ref(ac_future_t *f);
void ac__future_unref(ac_future_t *f);
/* Hand the program a reference of its own, given back with ac_future_release. */
void ac__future_give(ac_future_t *f);
/* Its outcome has been read (debug mode warns about errors nobody read). */
void ac__future_mark_read(ac_future_t *f);
void ac__future_free_all(ac__loop *loop);
void ac__waiter_add(ac_future_t *f, ac__waiter *w,
                    void (*notify)(ac__waiter *, ac_future_t *), void *data);
void ac__waiter_remove(ac__waiter *w);

/* task.c */
/* Create a task; *OUT points to it (borrowed: take a reference to keep it). */
int ac__task_spawn(ac__task **out, ac_task_fn fn, void *arg, const ac_task_opts_t *opts,
                   const char *fn_name);
void ac__owned_add(ac__task *t, ac__owned *o, void (*let_go)(ac__owned *, ac__task *));
static inline void ac__owned_remove(ac__owned *o) { ac__list_remove(&o->link); }
int ac__task_rename(ac__task *t, const char *name);
/* The name, or "Task-<id>", written into BUF without allocating. */
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

/* wait.c: wait for futures, with an optional deadline. Returns 0 when the
 * condition holds, -ETIMEDOUT, or -ECANCELED (the caller was cancelled). */
int ac__wait_many(ac__task *t, ac_future_t *const *fs, size_t n,
                  ac_wait_mode_t mode, int64_t timeout_ms, const char *what,
                  ac_future_t **first_failed);
/* Cancel every pending future in FS and wait until all have finished,
 * passing on each further cancellation of the caller. Returns 1 if the
 * caller was cancelled meanwhile, else 0. */
int ac__cancel_and_wait(ac__task *t, ac_future_t *const *fs, size_t n);

/* sync.c: what every synchronization primitive shares. */
typedef struct ac__sync {
  ac__resource res;  /* freed with the loop if the program did not */
  ac__loop *loop;    /* the loop it belongs to */
  ac__list waiters;  /* ac__sync_waiter entries, longest waiting first */
} ac__sync;

typedef struct ac__sync_waiter {
  ac__list link;     /* in a wait list */
  ac__task *task;    /* who waits */
  void *item;        /* a queue item handed over (get) or waiting to go in (put) */
  int granted;       /* 1: what it waited for was handed to it */
} ac__sync_waiter;

/* Allocate SIZE bytes starting with an ac__sync and track it; FN for messages. */
int ac__sync_create(void **out, size_t size, const char *fn);
/* Untrack and free. */
void ac__sync_free(ac__sync *s);
/* Check S, the thread, the timeout, and (if NEED_TASK) get the current task. */
int ac__sync_begin(const ac__sync *s, ac__task **t, int64_t timeout_ms, int need_task,
                   const char *fn);
/* Wait on LIST until granted (0), timed out, cancelled or woken with an
 * error; the waiter is off LIST when this returns. */
int ac__sync_wait(ac__task *t, ac__list *list, ac__sync_waiter *w, int64_t timeout_ms,
                  const char *what);
/* Grant the longest waiter on LIST that can still be woken; NULL if none.
 * Waiters already woken (cancelled, timed out) are passed over. */
ac__sync_waiter *ac__sync_grant_first(ac__list *list);
/* Wake every waiter on LIST with VALUE (0 grants). Returns how many woke. */
int ac__sync_wake_all(ac__list *list, int value);

/* lock.c, for conditions: acquire as task T; release; ownership. */
int ac__lock_acquire(ac_lock_t *l, ac__task *t, int64_t timeout_ms);
void ac__lock_release(ac_lock_t *l);
int ac__lock_held_by(const ac_lock_t *l, const ac__task *t);

/* stream.c, for subprocesses: a stream over our end FD of a pipe, which
 * we READABLE ? only read : only write; its owner ends it with
 * ac__stream_dispose (ac_stream_close on it only closes). */
int ac__stream_open_pipe(ac__loop *loop, int fd, int readable, ac_stream_t **out);
/* Close S and free it: waits from task T, or in the background if T is NULL. */
void ac__stream_dispose(ac_stream_t *s, ac__task *t);
/* The most bytes one uv_buf_t carries here (uv_buf_init takes an unsigned). */
#define AC__BUF_MAX ((size_t)1 << 30)
/* Describe SIZE bytes at DATA as pieces of at most AC__BUF_MAX bytes, the
 * first ROOM of them in BUFS; returns how many pieces SIZE needs. */
size_t ac__stream_bufs(char *data, size_t size, uv_buf_t *bufs, size_t room);

/* debug.c */
void ac__debug_open(ac__loop *loop);
void ac__debug_close(ac__loop *loop);
void ac__debug_step_begin(ac__loop *loop);
/* The step of task T (or of callback CB, when T is NULL) has ended. */
void ac__debug_step_end(ac__loop *loop, ac__task *t, ac_callback_fn cb);
/* A task is freed: warn if its error was never read. */
void ac__debug_task_freed(ac__loop *loop, ac__task *t);
/* The loop closes with these tasks pending. */
void ac__debug_pending_at_close(ac__loop *loop);

/* stack.c */
void ac__stacks_init(ac__stack_pool *pool);
int ac__stack_get(ac__stack_pool *pool, size_t size, ac__stack **out);
/* KEEP_MAPPED: memory on it may still be read until the pool is freed. */
void ac__stack_put(ac__stack_pool *pool, ac__stack *s, int keep_mapped);
void ac__stacks_free(ac__stack_pool *pool);
static inline void *ac__stack_bottom(const ac__stack *s) { return s->bottom; }
static inline size_t ac__stack_usable(const ac__stack *s) { return (size_t)((char *)s - s->bottom); }
void ac__stack_overflowed(ac__task *t) __attribute__((noreturn));
/* Unguarded stacks are checked when their task switches out: the stack
 * pointer must be inside, and the lowest word, which only an overflow
 * reaches, must still be zero. */
static inline void ac__stack_check(ac__task *t, const void *sp) {
  const ac__stack *s = t->stack;
  if (!s->guarded && ((const char *)sp < s->bottom || *(const volatile uint64_t *)s->bottom != 0))
    ac__stack_overflowed(t);
}
void ac__stack_overflow_handler_install(void);

/* switch.c: switching between the loop and tasks, telling the sanitizers. */
ac__task *ac__switch_to_task(ac__loop *loop, ac__task *t);
/* Leave the running task T: straight to the next ready task where possible,
 * else to the loop. Returns when T is resumed (never, if FINISHED). */
void ac__switch_away(ac__loop *loop, ac__task *t, int finished);
void ac__task_started(ac__loop *loop, ac__task *t);

#endif /* AC_INTERNAL_H */

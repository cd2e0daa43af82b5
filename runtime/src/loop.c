/* loop.c - the loop of a thread: its ready queue, callbacks, time, and one
 * iteration (poll for I/O, fire due timers, run what is ready).
 *
 * Ready tasks and callbacks run in batches straight from the queue, without
 * a trip through libuv per item; libuv is polled between batches (without
 * waiting while anything is ready) so I/O is never starved.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "task_internal.h"
#include "testing_hooks.h"

#if defined(AC_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#endif

enum {
  BATCH = 4096,     /* ready items run between two polls for I/O */
  CLOSE_PASSES = 64 /* rounds of ready callbacks a closing loop still runs */
};

/* A callback to call: now (call_soon), or when its timer is due. */
enum { AC__HANDLE_WAITING, AC__HANDLE_READY, AC__HANDLE_RAN, AC__HANDLE_CANCELLED };

struct ac_handle_s {
  ac__ready ready;   /* in the ready queue when due */
  ac__timer timer;   /* in the heap while waiting for its time */
  ac_callback_fn cb; /* what to call */
  void *arg;         /* its argument */
  uint8_t state;     /* AC__HANDLE_* */
  uint8_t kept;      /* 1: the program holds it and frees it with ac_handle_close */
  ac__list link;     /* in loop->kept_handles while kept */
};

_Thread_local ac__loop *ac__cur;
static atomic_int open_loops;

int ac__loop_get(ac__loop **loop, const char *fn) {
  *loop = ac__cur;
  if (*loop) return 0;
  if (atomic_load(&open_loops) > 0)
    return ac__misuse(-EPERM, fn,
                      "called from a thread that does not run the loop; other "
                      "threads may only use the thread-safe calls");
  return ac__misuse(-ENOENT, fn, "no loop is open in this thread: call it inside ac_loop_run()");
}

int ac_loop_is_open(void) { return ac__cur != NULL; }

struct uv_loop_s *ac_loop_uv(void) {
  return ac__cur ? &ac__cur->uv : NULL;
}

uint64_t ac__now(ac__loop *loop) {
  if (loop->virtual_clock) return loop->virtual_now; /* hook: virtual time */
  uv_update_time(&loop->uv);
  return uv_now(&loop->uv);
}

int64_t ac_loop_time(void) { return ac__cur ? (int64_t)ac__now(ac__cur) : 0; }

double ac_loop_time_precise(void) {
  if (ac__cur && ac__cur->virtual_clock)
    return (double)ac__cur->virtual_now; /* hook: virtual time */
  return (double)uv_hrtime() / 1e6;
}

static ac__ready *ready_pop(ac__loop *loop) {
  ac__ready *r = loop->ready_head;
  if (r) {
    loop->ready_head = r->next;
    if (!loop->ready_head) loop->ready_tail = &loop->ready_head;
  }
  return r;
}

/* ---- callbacks ----------------------------------------------------------- */

static void handle_free(ac__loop *loop, ac_handle_t *h) {
  ac__list_remove(&h->link);
  h->ready.next = (ac__ready *)loop->spare_handles;
  loop->spare_handles = h;
}

static void handle_due(ac__timer *t) {
  ac_handle_t *h = AC__CONTAINER(t, ac_handle_t, timer);
  h->state = AC__HANDLE_READY;
  ac__ready_push(ac__cur, &h->ready);
}

static int handle_new(ac__loop *loop, ac_callback_fn cb, void *arg, ac_handle_t **out,
                      ac_handle_t **h) {
  if (loop->spare_handles) {
    *h = loop->spare_handles;
    loop->spare_handles = (ac_handle_t *)(*h)->ready.next;
  } else if (!(*h = malloc(sizeof **h))) {
    return -ENOMEM;
  }
  (*h)->cb = cb;
  (*h)->arg = arg;
  (*h)->kept = out != NULL;
  (*h)->ready.is_task = 0;
  (*h)->ready.yielded = 0;
  ac__timer_init(&(*h)->timer, handle_due);
  ac__list_init(&(*h)->link);
  if (out) {
    ac__list_push_back(&loop->kept_handles, &(*h)->link);
    *out = *h;
  }
  return 0;
}

static void handle_run(ac__loop *loop, ac_handle_t *h) {
  if (h->state == AC__HANDLE_CANCELLED) { /* closed while in the queue */
    handle_free(loop, h);
    return;
  }
  h->state = AC__HANDLE_RAN;
  int kept = h->kept;
  ac_callback_fn cb = h->cb;
  if (loop->debug.instrumented) ac__debug_step_begin(loop);
  cb(h->arg);
  if (loop->debug.instrumented) ac__debug_step_end(loop, NULL, cb);
  if (!kept) handle_free(loop, h); /* a kept one is freed by ac_handle_close */
}

int ac__call_soon_internal(ac__loop *loop, ac_callback_fn cb, void *arg) {
  ac_handle_t *h;
  int rc = handle_new(loop, cb, arg, NULL, &h);
  if (rc) return rc;
  h->state = AC__HANDLE_READY;
  ac__ready_push(loop, &h->ready);
  return 0;
}

/* Schedule CB now (SOON), after DELAY_MS, or at WHEN (if not 0). */
static int schedule(const char *fn, int soon, int64_t delay_ms, uint64_t when, ac_callback_fn cb,
                    void *arg, ac_handle_t **out) {
  ac__loop *loop = NULL;
  ac_handle_t *h;
  if (out) *out = NULL;
  if (!cb) return ac__misuse(-EINVAL, fn, "the callback is NULL");
  if (delay_ms < 0) return ac__misuse(-EINVAL, fn, "negative delay (%lld ms)", (long long)delay_ms);
  int rc = ac__loop_get(&loop, fn);
  if (rc) return rc;
  if ((rc = ac__compact_check(loop, arg, fn))) return rc;
  if ((rc = handle_new(loop, cb, arg, out, &h))) return rc;
  if (soon) {
    h->state = AC__HANDLE_READY;
    ac__ready_push(loop, &h->ready);
    return 0;
  }
  h->state = AC__HANDLE_WAITING;
  if (when == 0) when = ac__now(loop) + (uint64_t)delay_ms;
  if ((rc = ac__timer_start(loop, &h->timer, when))) {
    handle_free(loop, h);
    if (out) *out = NULL;
  }
  return rc;
}

int ac_loop_call_soon(ac_callback_fn cb, void *arg, ac_handle_t **handle) {
  return schedule("ac_loop_call_soon", 1, 0, 0, cb, arg, handle);
}

int ac_loop_call_later(int64_t delay_ms, ac_callback_fn cb, void *arg, ac_handle_t **handle) {
  return schedule("ac_loop_call_later", 0, delay_ms, 0, cb, arg, handle);
}

int ac_loop_call_at(int64_t when_ms, ac_callback_fn cb, void *arg, ac_handle_t **handle) {
  /* A time of 0 or less would read as "no time": it is in the past anyway. */
  return schedule("ac_loop_call_at", 0, 0, when_ms > 0 ? (uint64_t)when_ms : 1, cb, arg, handle);
}

int ac_handle_close(ac_handle_t *h) {
  ac__loop *loop = NULL;
  if (!h) return ac__misuse(-EINVAL, "ac_handle_close", "the handle is NULL");
  int rc = ac__loop_get(&loop, "ac_handle_close");
  if (rc) return rc;
  switch (h->state) {
  case AC__HANDLE_WAITING:
    ac__timer_stop(loop, &h->timer);
    handle_free(loop, h);
    return 1;
  case AC__HANDLE_READY: /* still in the queue: handle_run frees it */
    h->state = AC__HANDLE_CANCELLED;
    h->kept = 0;
    ac__list_remove(&h->link);
    return 1;
  default: handle_free(loop, h); return 0;
  }
}

/* ---- one iteration ------------------------------------------------------- */

static void on_ts_async(uv_async_t *async);

static void on_uv_timer(uv_timer_t *timer) {
  ac__loop *loop = timer->data;
  loop->armed_for = UINT64_MAX; /* one-shot: due timers fire after uv_run */
}

/* libuv runs its timers (ours among them) and other callbacks before it
 * computes how long to wait for I/O, and would wait even though one of them
 * made work due here. Just before that, this makes it not wait. */
static void on_uv_prepare(uv_prepare_t *prepare) {
  ac__loop *loop = prepare->data;
  if (loop->ready_head ||
      (loop->timers.len > 0 && loop->timers.slots[0]->when <= ac__clock_cached(loop)))
    uv_stop(&loop->uv);
}

/* Point libuv's one timer at the earliest entry of the heap. */
static void arm_timer(ac__loop *loop) {
  if (loop->virtual_clock) return; /* hook: virtual time moves by itself (clock.c) */
  if (loop->timers.len == 0) {
    if (loop->armed_for != UINT64_MAX) uv_timer_stop(&loop->uv_timer);
    loop->armed_for = UINT64_MAX;
    return;
  }
  uint64_t when = loop->timers.slots[0]->when;
  if (when == loop->armed_for) return;
  uint64_t now = uv_now(&loop->uv);
  uv_timer_start(&loop->uv_timer, on_uv_timer, when > now ? when - now : 0, 0);
  loop->armed_for = when;
}

/* Tasks that hand over to each other directly spend the same budget. */
static void run_ready(ac__loop *loop) {
  for (loop->budget = BATCH; loop->budget > 0; loop->budget--) {
    if (loop->schedule_rng) ac__explore_pick(loop); /* hook: schedule exploration */
    ac__ready *r = ready_pop(loop);
    if (!r) return;
    if (r->is_task)
      ac__task_resume(loop, AC__CONTAINER(r, ac__task, ready));
    else
      handle_run(loop, AC__CONTAINER(r, ac_handle_t, ready));
  }
}

bool ac__loop_idle(ac__loop *loop) {
  return !loop->ready_head && loop->timers.len == 0 && !uv_loop_alive(&loop->uv);
}

/* While jobs run on worker threads, their completions are a few
 * microseconds away: poll for them briefly before sleeping in the kernel,
 * which would add two thread wake-ups to every round trip. Returns 1 if
 * calls from other threads arrived. */
static bool calls_arrived(void *loop) { return atomic_load(&((ac__loop *)loop)->ts_count) > 0; }

static int spin_for_calls(ac__loop *loop) {
  atomic_store(&loop->ts_spinning, 1);
  ac__spin_here(&loop->cpu);
  ac__spin_until(&loop->ts_spinner, calls_arrived, loop, &loop->worker_cpu);
  atomic_store(&loop->ts_spinning, 0);
  return atomic_load(&loop->ts_count) > 0;
}

int ac__loop_iterate(ac__loop *loop, int may_block) {
  int block = may_block && !loop->ready_head && !loop->stop;
  if (block && loop->holds > 0 && spin_for_calls(loop)) block = 0;
  /* hook: under virtual time, nothing ready moves the clock (clock.c), even
   * in an iteration that may not wait: jumping is not waiting. */
  if (loop->virtual_clock && !loop->ready_head && !loop->stop && !ac__clock_before_wait(loop))
    block = 0;
  if (block) arm_timer(loop);
  uv_run(&loop->uv, block ? UV_RUN_ONCE : UV_RUN_NOWAIT);
  if (atomic_load(&loop->ts_count)) on_ts_async(&loop->ts_async); /* sent no wake-up */
  ac__timers_fire_due(loop);
  run_ready(loop);
  return 0;
}

int ac_loop_backend_fd(void) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_loop_backend_fd");
  if (rc) return rc;
  return uv_backend_fd(&loop->uv);
}

int ac_loop_next_timeout(int64_t *delay_ms) {
  ac__loop *loop = NULL;
  if (!delay_ms) return ac__misuse(-EINVAL, "ac_loop_next_timeout", "delay_ms is NULL");
  int rc = ac__loop_get(&loop, "ac_loop_next_timeout");
  if (rc) return rc;
  *delay_ms = 0;
  if (loop->ready_head || atomic_load(&loop->ts_count)) return 0;
  int64_t wait = -1;
  if (loop->timers.len > 0) {
    if (loop->virtual_clock) return 0; /* hook: virtual time jumps in the next drive */
    uint64_t when = loop->timers.slots[0]->when, now = ac__now(loop);
    wait = when > now ? (int64_t)(when - now) : 0;
  }
  /* libuv's own answer covers its timers (libcurl's), closing handles, and
   * descriptors a task started watching that are not in the backend's set
   * yet (0: it adds them at its next poll). */
  if (uv_loop_alive(&loop->uv)) {
    int uv_wait = uv_backend_timeout(&loop->uv);
    if (uv_wait >= 0 && (wait < 0 || uv_wait < wait)) wait = uv_wait;
  }
  *delay_ms = wait;
  return 0;
}

int ac_loop_drive(ac_drive_mode_t mode) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_loop_drive");
  if (rc) return rc;
  if (mode != AC_DRIVE_DEFAULT && mode != AC_DRIVE_ONCE && mode != AC_DRIVE_NOWAIT)
    return ac__misuse(-EINVAL, "ac_loop_drive", "unknown run mode %d", (int)mode);
  if (loop->running)
    return ac__misuse(-EBUSY, "ac_loop_drive",
                      "the loop is already running (called from a task or callback)");
  loop->running = 1;
  do ac__loop_iterate(loop, mode != AC_DRIVE_NOWAIT);
  while (mode == AC_DRIVE_DEFAULT && !loop->stop && !ac__loop_idle(loop));
  loop->running = 0;
  loop->stop = 0;
  return !ac__loop_idle(loop); /* in every mode: does work remain? */
}

int ac_loop_stop(void) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_loop_stop");
  if (rc) return rc;
  loop->stop = 1;
  return 0;
}

/* ---- resources and calls from other threads ------------------------------ */

void ac__resource_track(ac__loop *loop, ac__resource *r, void (*close)(ac__resource *)) {
  r->close = close;
  ac__list_push_back(&loop->resources, &r->link);
}

void ac__resource_untrack(ac__resource *r) { ac__list_remove(&r->link); }

static void close_resources(ac__loop *loop) {
  while (!ac__list_empty(&loop->resources)) {
    ac__resource *r = AC__CONTAINER(loop->resources.next, ac__resource, link);
    ac__list_remove(&r->link);
    r->close(r);
  }
}

void ac__slot_set(ac__loop *loop, ac__slot_id id, void *state,
                  void (*close)(ac__loop *loop, void *state)) {
  loop->slots[id].state = state;
  loop->slots[id].close = state ? close : NULL;
}

static void close_slots(ac__loop *loop) {
  for (int id = 0; id < AC__SLOT_COUNT; id++) {
    ac__slot s = loop->slots[id];
    loop->slots[id] = (ac__slot){NULL, NULL}; /* emptied first: the hook may look */
    if (s.state) s.close(loop, s.state);
  }
}

typedef struct ac__ts_call {
  struct ac__ts_call *next;
  ac_callback_fn cb;
  void *arg;
} ac__ts_call;

static void update_async_ref(ac__loop *loop) {
  if (loop->ts_shared || loop->holds > 0)
    uv_ref((uv_handle_t *)&loop->ts_async);
  else
    uv_unref((uv_handle_t *)&loop->ts_async);
}

void ac__loop_hold(ac__loop *loop, int delta) {
  loop->holds += delta;
  update_async_ref(loop);
}

ac_loop_t *ac_loop_current(void) {
  ac__loop *loop = ac__cur;
  if (loop && !loop->ts_shared) {
    loop->ts_shared = 1;
    update_async_ref(loop);
  }
  return loop;
}

int ac__call_threadsafe(ac__loop *loop, ac_callback_fn cb, void *arg) {
  ac__ts_call *c = malloc(sizeof *c);
  if (!c) return -ENOMEM;
  c->next = NULL;
  c->cb = cb;
  c->arg = arg;
  pthread_mutex_lock(&loop->ts_lock);
  if (loop->ts_tail)
    loop->ts_tail->next = c;
  else
    loop->ts_head = c;
  loop->ts_tail = c;
  atomic_fetch_add(&loop->ts_count, 1);
  pthread_mutex_unlock(&loop->ts_lock);
  /* A loop that is polling ts_count will see the call; it clears
   * ts_spinning before it looks a last time and blocks, so one of the two
   * sides always notices the other. */
  if (!atomic_load(&loop->ts_spinning)) uv_async_send(&loop->ts_async);
  return 0;
}

/* On the loop: move every call that arrived to the ready queue, in order. */
static void on_ts_async(uv_async_t *async) {
  ac__loop *loop = async->data;
  pthread_mutex_lock(&loop->ts_lock);
  ac__ts_call *c = loop->ts_head;
  loop->ts_head = loop->ts_tail = NULL;
  atomic_store(&loop->ts_count, 0);
  pthread_mutex_unlock(&loop->ts_lock);
  while (c) {
    ac__ts_call *next = c->next;
    if (ac__call_soon_internal(loop, c->cb, c->arg) != 0) c->cb(c->arg); /* no memory: run now */
    free(c);
    c = next;
  }
}

/* ---- open and close ------------------------------------------------------ */

/* A write to a peer that has gone must fail with -EPIPE, not kill the
 * process: ignore SIGPIPE, unless the program chose a handler itself. */
static void ignore_sigpipe(void) {
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
}

static void close_walk(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

/* Close every libuv handle still open, let libuv finish, close its loop. */
static void uv_teardown(ac__loop *loop) {
  uv_walk(&loop->uv, close_walk, NULL);
  uv_run(&loop->uv, UV_RUN_DEFAULT);
  uv_loop_close(&loop->uv);
}

/* Each set-up step is checked, and a failure undoes the steps before it in
 * reverse order (as uv_loop_init does). */
int ac_loop_open(void) {
  const char *fn = "ac_loop_open";
  if (ac__cur) return ac__misuse(-EBUSY, fn, "this thread already has an open loop");
  ac__loop *loop = calloc(1, sizeof *loop);
  if (!loop) return ac__misuse(-ENOMEM, fn, "no memory for the loop");
  const char *step = "uv_loop_init";
  int rc = uv_loop_init(&loop->uv);
  if (rc) goto fail_free;
  step = "pthread_mutex_init";
  if ((rc = -pthread_mutex_init(&loop->ts_lock, NULL))) goto fail_uv_loop;
  ac__spinner_init(&loop->ts_spinner);
  ac__slab_init(&loop->task_slab, sizeof(ac__task));
  atomic_init(&loop->cpu, -1);
  atomic_init(&loop->worker_cpu, -1);
  step = "uv_timer_init";
  if ((rc = uv_timer_init(&loop->uv, &loop->uv_timer))) goto fail_handles;
  loop->uv_timer.data = loop;
  step = "uv_prepare_init";
  if ((rc = uv_prepare_init(&loop->uv, &loop->uv_prepare))) goto fail_handles;
  loop->uv_prepare.data = loop;
  step = "uv_prepare_start";
  if ((rc = uv_prepare_start(&loop->uv_prepare, on_uv_prepare))) goto fail_handles;
  uv_unref((uv_handle_t *)&loop->uv_prepare);
  step = "uv_async_init";
  if ((rc = uv_async_init(&loop->uv, &loop->ts_async, on_ts_async))) goto fail_handles;
  loop->ts_async.data = loop;
  uv_unref((uv_handle_t *)&loop->ts_async);

  loop->armed_for = UINT64_MAX;
  loop->owner = pthread_self();
  loop->ready_tail = &loop->ready_head;
  ac__list_init(&loop->futures);
  ac__list_init(&loop->tasks);
  ac__list_init(&loop->kept_handles);
  ac__list_init(&loop->resources);
  ac__stacks_init(&loop->stacks);
  const char *compact = getenv("AC_TASK_COMPACT");
  loop->compact_all = !compact                  ? AC__COMPACT_NONE
                      : !strcmp(compact, "1")   ? AC__COMPACT_BUT_MAIN
                      : !strcmp(compact, "all") ? AC__COMPACT_ALL
                                                : AC__COMPACT_NONE;
#if defined(AC_SANITIZE_THREAD)
  loop->tsan_loop_fiber = __tsan_get_current_fiber();
#endif
  ignore_sigpipe();
  ac__debug_open(loop);
  ac__cur = loop;
  atomic_fetch_add(&open_loops, 1);
  return 0;

fail_handles:
  uv_teardown(loop); /* closes whichever handles were made */
  pthread_mutex_destroy(&loop->ts_lock);
  goto fail_free;
fail_uv_loop:
  uv_loop_close(&loop->uv);
fail_free:
  free(loop);
  return ac__misuse(rc, fn, "cannot set up the loop: %s failed", step);
}

/* Cancel every task and run until all have finished. A task that waits
 * again after its cancellation, on something that can never happen, is
 * reported and dropped: the loop must close. */
static void finish_tasks(ac__loop *loop) {
  ac__cancel_all(loop);
  while (loop->ntasks > 0) {
    ac__loop_iterate(loop, 1);
    if (loop->ntasks > 0 && ac__loop_idle(loop)) {
      ac__misuse(-EDEADLK, "ac_loop_close",
                 "%zu task(s) kept waiting after being cancelled, on something that "
                 "can never happen; their stacks are dropped without unwinding",
                 loop->ntasks);
      ac__task_abandon_all(loop);
    }
  }
}

/* Run what is ready as the loop closes, in passes over what each pass
 * found; what is still queued after CLOSE_PASSES (a callback that keeps
 * re-queueing itself) is dropped with a message, so closing always ends. */
static void run_ready_to_close(ac__loop *loop) {
  for (int pass = 0; pass < CLOSE_PASSES && loop->ready_head; pass++) {
    ac__ready *r = loop->ready_head;
    loop->ready_head = NULL;
    loop->ready_tail = &loop->ready_head;
    while (r) {
      ac__ready *next = r->next;
      if (r->is_task)
        ac__task_resume(loop, AC__CONTAINER(r, ac__task, ready));
      else
        handle_run(loop, AC__CONTAINER(r, ac_handle_t, ready));
      r = next;
    }
  }
  size_t dropped = 0;
  for (ac__ready *r; (r = ready_pop(loop)) != NULL; dropped++) {
    if (r->is_task) continue; /* tasks are finished and freed with the futures */
    ac_handle_t *h = AC__CONTAINER(r, ac_handle_t, ready);
    h->state = AC__HANDLE_CANCELLED;
    if (!h->kept) handle_free(loop, h);
  }
  if (dropped)
    ac__misuse(-ECANCELED, "ac_loop_close",
               "%zu callback(s) still scheduling more after %d rounds were dropped "
               "(a callback that re-queues itself for ever?)",
               dropped, CLOSE_PASSES);
}

static void free_handles(ac__loop *loop) {
  for (size_t i = 0; i < loop->timers.len; i++) {
    if (loop->timers.slots[i]->fire != handle_due)
      continue; /* not a callback's: not ours to free */
    ac_handle_t *h = AC__CONTAINER(loop->timers.slots[i], ac_handle_t, timer);
    if (!h->kept) free(h);
  }
  loop->timers.len = 0;
  while (!ac__list_empty(&loop->kept_handles)) {
    ac_handle_t *h = AC__CONTAINER(loop->kept_handles.next, ac_handle_t, link);
    ac__list_remove(&h->link);
    free(h);
  }
  while (loop->spare_handles) {
    ac_handle_t *h = loop->spare_handles;
    loop->spare_handles = (ac_handle_t *)h->ready.next;
    free(h);
  }
}

int ac_loop_close(void) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_loop_close");
  if (rc) return rc;
  if (loop->running)
    return ac__misuse(-EBUSY, "ac_loop_close", "called from inside the running loop");
  loop->running = 1;
  loop->closing = 1;
  ac__debug_pending_at_close(loop);
  finish_tasks(loop);
  run_ready_to_close(loop); /* callbacks already due */
  close_resources(loop);
  close_slots(loop);
  on_ts_async(&loop->ts_async); /* calls that arrived late still run */
  run_ready_to_close(loop);
  free_handles(loop);
  ac__future_free_all(loop);
  ac__timers_free(loop);
  uv_teardown(loop);
  if (loop->run_stack) ac__stack_put(&loop->stacks, loop->run_stack, 0);
  ac__stacks_free(&loop->stacks);
  ac__debug_close(loop);
  pthread_mutex_destroy(&loop->ts_lock);
  free(loop);
  ac__cur = NULL;
  atomic_fetch_sub(&open_loops, 1);
  return 0;
}

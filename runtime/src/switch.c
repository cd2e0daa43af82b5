/* switch.c - moving between the loop and a task, and telling the
 * sanitizers about it: without the fiber annotations AddressSanitizer and
 * ThreadSanitizer take a stack switch for a wild jump and report nonsense. */
#include "task_internal.h"

#if defined(AC_SANITIZE_ADDRESS)
#include <sanitizer/common_interface_defs.h>
#define ASAN_START(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define ASAN_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define ASAN_START(save, bottom, size) ((void)0)
#define ASAN_FINISH(save, bottom, size) ((void)0)
#endif

#if defined(AC_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#define TSAN_SWITCH(fiber) __tsan_switch_to_fiber(fiber, 0)
#else
#define TSAN_SWITCH(fiber) ((void)0)
#endif

/* Run T from the loop's context. Returns when some task gives control back
 * to the loop; that task (not necessarily T) is returned. */
ac__task *ac__switch_to_task(ac__loop *loop, ac__task *t) {
  if (loop->debug.instrumented) ac__debug_step_begin(loop);
  loop->current = t;
  t->tstate = AC__TASK_RUNNING;
  ASAN_START(&loop->sched_fake_stack, ac__stack_bottom(t->stack), ac__stack_usable(t->stack));
  TSAN_SWITCH(t->tsan_fiber);
  ac__ctx_switch(&loop->sched_ctx, &t->ctx);
  ASAN_FINISH(loop->sched_fake_stack, NULL, NULL);
  ac__task *back = loop->current;
  loop->current = NULL;
  if (loop->debug.instrumented) ac__debug_step_end(loop, back, NULL);
  return back;
}

/* The next ready task that has already run, if the batch allows a direct
 * switch to it: one switch per hand-over instead of two through the loop.
 * New tasks start from the loop, which sets up their stacks. */
static ac__task *next_direct(ac__loop *loop) {
  ac__ready *r = loop->ready_head;
  if (!r || r->is_task != 1 || loop->budget <= 0) return NULL; /* 2: compact, see below */
  if (loop->schedule_rng) return NULL; /* hook: exploration picks in the loop (explore.c) */
  ac__task *next = AC__CONTAINER(r, ac__task, ready);
  if (!next->stack) return NULL; /* a compact one (is_task 2) is copied in by the loop */
  loop->ready_head = r->next;
  if (!loop->ready_head) loop->ready_tail = &loop->ready_head;
  loop->budget--;
  return next;
}

void ac__switch_away(ac__loop *loop, ac__task *t, int finished) {
  ac__stack_check(t, t->stack, __builtin_frame_address(0));
  /* A compact task leaves through the loop, which copies its stack out. */
  ac__task *next = finished || t->compact ? NULL : next_direct(loop);
  if (next) {
    if (loop->debug.instrumented) { /* one step ends, the next begins */
      ac__debug_step_end(loop, t, NULL);
      ac__debug_step_begin(loop);
    }
    loop->current = next;
    next->tstate = AC__TASK_RUNNING;
    ASAN_START(&t->fake_stack, ac__stack_bottom(next->stack), ac__stack_usable(next->stack));
    TSAN_SWITCH(next->tsan_fiber);
    ac__ctx_switch(&t->ctx, &next->ctx);
  } else {
    /* A finished task never comes back: NULL lets ASan drop its fake stack. */
    ASAN_START(finished ? NULL : &t->fake_stack, loop->sched_stack_bottom, loop->sched_stack_size);
    TSAN_SWITCH(loop->tsan_loop_fiber);
    ac__ctx_switch(&t->ctx, &loop->sched_ctx);
  }
  ASAN_FINISH(t->fake_stack, NULL, NULL);
}

/* The first thing a new task does: learn the loop's stack from ASan. */
void ac__task_started(ac__loop *loop, ac__task *t) {
  (void)loop, (void)t;
  ASAN_FINISH(NULL, &loop->sched_stack_bottom, &loop->sched_stack_size);
}

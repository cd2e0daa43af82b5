/* switch.c - moving between the loop and a task, and telling the
 * sanitizers about it: without the fiber annotations AddressSanitizer and
 * ThreadSanitizer take a stack switch for a wild jump and report nonsense. */
#include "internal.h"

#if defined(AC_SANITIZE_ADDRESS)
#include <sanitizer/common_interface_defs.h>
#define ASAN_START(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define ASAN_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define ASAN_START(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define ASAN_FINISH(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#endif

#if defined(AC_SANITIZE_THREAD)
#include <sanitizer/tsan_interface.h>
#define TSAN_SWITCH(fiber) __tsan_switch_to_fiber(fiber, 0)
#else
#define TSAN_SWITCH(fiber) ((void)(fiber))
#endif

void ac__switch_to_task(ac__loop *loop, ac__task *t) {
  loop->current = t;
  t->tstate = AC__TASK_RUNNING;
  ASAN_START(&loop->sched_fake_stack, ac__stack_bottom(t->stack), ac__stack_usable(t->stack));
  TSAN_SWITCH(t->tsan_fiber);
  ac__ctx_switch(&loop->sched_ctx, &t->ctx);
  ASAN_FINISH(loop->sched_fake_stack, NULL, NULL);
  loop->current = NULL;
}

void ac__switch_to_loop(ac__loop *loop, ac__task *t, int finished) {
  ac__stack_check(t, __builtin_frame_address(0));
  /* A finished task never comes back: NULL lets ASan drop its fake stack. */
  ASAN_START(finished ? NULL : &t->fake_stack, loop->sched_stack_bottom, loop->sched_stack_size);
  TSAN_SWITCH(loop->tsan_loop_fiber);
  ac__ctx_switch(&t->ctx, &loop->sched_ctx);
  ASAN_FINISH(t->fake_stack, NULL, NULL);
}

/* The first thing a new task does: learn the loop's stack from ASan. */
void ac__task_started(ac__loop *loop, ac__task *t) {
  (void)t;
  ASAN_FINISH(NULL, &loop->sched_stack_bottom, &loop->sched_stack_size);
}

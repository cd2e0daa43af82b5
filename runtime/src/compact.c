/* compact.c - compact tasks: they all run on one run stack per loop, and
 * while one is away the part of that stack it uses, [sp, top), is kept in
 * a heap buffer sized to fit, copied back to the same addresses before it
 * runs again. A suspended compact task then costs its structure and that
 * copy (a few hundred bytes), not the page a stack of its own keeps.
 *
 * Copies are made from the loop's own context, never while a compact task
 * runs on the run stack: compact tasks are switched to and from through the
 * loop, not directly (switch.c). So the run stack is free whenever the loop
 * runs, and a compact task's copy is the only place its frames live while
 * it is away: whatever others must touch then is kept off its stack (the
 * wake timer and sync waiter in the task structure, wait sets on the heap). */
#include <stdlib.h>
#include <string.h>

#include "task_internal.h"

#if defined(AC_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define NO_ASAN
#endif

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_UNDEFINED
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

enum {
  SAVED_ROUND = 16,         /* buffers grow in steps of malloc's own granule */
  SHRINK_ABOVE = 16 * 1024, /* a buffer larger than this shrinks when 3/4 of it is unused */
};

static char *run_top(const ac__task *t) {
  return (char *)ac__stack_bottom(t->stack) + ac__stack_usable(t->stack);
}

/* Under AddressSanitizer the stack holds redzones around locals: copy it
 * word by word, unchecked (its memcpy would check, and report them). */
#if defined(AC_SANITIZE_ADDRESS)
NO_ASAN static void copy_words(void *dst, const void *src, size_t n) {
  volatile uint64_t *d = dst;
  const volatile uint64_t *s = src;
  for (size_t i = 0; i < n / sizeof *d; i++) d[i] = s[i];
}
#else
static void copy_words(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
#endif

int ac__compact_start(ac__loop *loop, ac__task *t) {
  if (!loop->run_stack) {
    int rc = ac__stack_get_guarded(&loop->stacks, AC_TASK_STACK_DEFAULT, &loop->run_stack);
    if (rc) return rc;
  }
  t->stack = loop->run_stack;
  t->saved_size = 0;
  return 0;
}

void ac__compact_save(ac__loop *loop, ac__task *t) {
  (void)loop;
#if !defined(AC_CONTEXT_UCONTEXT)
  char *sp = t->ctx.sp, *top = run_top(t);
  size_t n = (size_t)(top - sp);
  /* Grown to fit; shrunk when a task that once went deep waits shallow. */
  if (n > t->saved_cap || (t->saved_cap > SHRINK_ABOVE && n < t->saved_cap / 4)) {
    size_t cap = (n + SAVED_ROUND - 1) & ~(size_t)(SAVED_ROUND - 1);
    char *resized = realloc(t->saved, cap);
    if (resized) {
      t->saved = resized;
      t->saved_cap = (uint32_t)cap;
    } else if (cap > t->saved_cap) { /* (failing to shrink, it keeps the larger one) */
      ac__misuse(-ENOMEM, "ac_task_create_ex", "no memory to keep compact task '%s' away",
                 ac_task_name(&t->fut));
      abort(); /* its frames are about to be overwritten: nothing else is safe */
    }
  }
  copy_words(t->saved, sp, n);
  t->saved_size = (uint32_t)n;
  /* Its frames' redzones must not trouble the next task on the run stack. */
  ASAN_UNPOISON_MEMORY_REGION(sp, n);
#else
  (void)t;
#endif
}

void ac__compact_restore(ac__task *t) {
  if (!t->saved_size) return;
  char *to = run_top(t) - t->saved_size;
  /* Memcheck took the part below the last task's frames for freed stack:
   * it is this task's again (its bytes come with their definedness). */
  (void)VALGRIND_MAKE_MEM_UNDEFINED(to, t->saved_size);
  copy_words(to, t->saved, t->saved_size);
}

void ac__compact_release(ac__task *t) {
  free(t->saved);
  t->saved = NULL;
  t->saved_size = t->saved_cap = 0;
  free(t->sync_node);
  t->sync_node = NULL;
}

const void *ac__compact_find(const ac__task *t, uintptr_t addr, size_t len) {
  uintptr_t lo = (uintptr_t)run_top(t) - t->saved_size, hi = (uintptr_t)run_top(t);
  if (addr < lo || addr + len > hi) return NULL;
  return t->saved + (addr - lo);
}

int ac__compact_refuse(const ac__task *t, const void *p, const char *fn) {
  const char *c = p;
  if (c < (const char *)ac__stack_bottom(t->stack) || c >= run_top(t)) return 0;
  char label[AC_TASK_NAME_MAX + 1];
  ac__task_label(t, label, sizeof label);
  return ac__misuse(-EINVAL, fn,
                    "compact task '%s' passed a pointer to its own stack, which is "
                    "elsewhere while it waits; pass heap memory (or make it a task "
                    "with a stack of its own)",
                    label);
}

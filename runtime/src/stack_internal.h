/* stack_internal.h - task stacks (stack.c): mmap'd, pooled per loop,
 * guarded where the kernel's mapping budget allows, checked otherwise. */
#ifndef AC_STACK_INTERNAL_H
#define AC_STACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"

typedef struct ac__task ac__task;
typedef struct ac__stack ac__stack;

/* Kept in the top bytes of the stack's own mapping. */
struct ac__stack {
  ac__stack *next; /* in the pool's free list */
  char *map;       /* start of the mapping (the guard page, if any) */
  size_t map_size; /* its length; 0 for a stack inside a slab */
  char *bottom;    /* lowest usable byte */
  size_t asked;    /* the usable size asked for: the pool keeps the default */
  unsigned vg_id;  /* valgrind's id for this stack */
  uint8_t guarded; /* 1: a PROT_NONE page lies just below bottom */
};

/* A loop's stacks. */
typedef struct ac__stack_pool {
  ac__stack *free;     /* stacks of the default size ready for reuse */
  size_t nfree;        /* how many */
  size_t guarded_live; /* stacks mapped with their own guard page */
  size_t guard_budget; /* at most this many guarded stacks (vm.max_map_count) */
  ac__list slabs;      /* unguarded slabs, unmapped at close */
  size_t page;         /* page size */
  void *altstack;      /* the signal stack given to the loop's thread, or NULL */
} ac__stack_pool;

/* Set up POOL, and give the thread a signal stack on which an overflow can
 * be reported (the task's stack is full then). */
void ac__stacks_init(ac__stack_pool *pool);
int ac__stack_get(ac__stack_pool *pool, size_t size, ac__stack **out);
/* A stack of its own mapping with a guard page, whatever the budget: the
 * run stack of compact tasks (compact.c). Given back with ac__stack_put. */
int ac__stack_get_guarded(ac__stack_pool *pool, size_t size, ac__stack **out);
/* KEEP_MAPPED: memory on it may still be read until the pool is freed. */
void ac__stack_put(ac__stack_pool *pool, ac__stack *s, int keep_mapped);
void ac__stacks_free(ac__stack_pool *pool);
static inline void *ac__stack_bottom(const ac__stack *s) { return s->bottom; }
static inline size_t ac__stack_usable(const ac__stack *s) {
  return (size_t)((char *)s - s->bottom);
}
/* Report that task T overflowed stack S, and abort. */
void ac__stack_overflowed(ac__task *t, const ac__stack *s) __attribute__((noreturn));
/* Unguarded stacks are checked when their task switches out: the stack
 * pointer must be inside, and the lowest word, which only an overflow
 * reaches, must still be zero. */
static inline void ac__stack_check(ac__task *t, const ac__stack *s, const void *sp) {
  if (!s->guarded && ((const char *)sp < s->bottom || *(const volatile uint64_t *)s->bottom != 0))
    ac__stack_overflowed(t, s);
}

#endif /* AC_STACK_INTERNAL_H */

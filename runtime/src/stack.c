/* stack.c - task stacks: mmap'd, pooled for reuse, guarded where possible.
 *
 * A guard page below a stack turns an overflow into a fault we can name,
 * but costs two kernel mappings, and vm.max_map_count (65530 by default)
 * caps them. So a quarter of that budget goes to guarded stacks; past it,
 * stacks are carved from large unguarded slabs (one mapping per 64 stacks)
 * and checked for overflow whenever their task switches out. Memory is only
 * used for the pages a task touches.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "task_internal.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define AC_HAVE_VALGRIND 1
#endif
#endif
#ifndef AC_HAVE_VALGRIND
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

#if defined(AC_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#else
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

enum {
  SLAB_STACKS = 64,              /* stacks per unguarded slab */
  POOL_WARM = 256,               /* free stacks kept with their pages; more are given back */
  DEFAULT_MAX_MAP_COUNT = 65530, /* the kernel's vm.max_map_count, if it cannot be read */
  GUARDED_SHARE = 4,             /* 1/4 of the mappings go to guarded stacks (2 each) */
  VALGRIND_GUARDED_MAX = 1000,   /* valgrind tracks far fewer mappings than the kernel */
  DESCRIPTOR_ALIGN = 64,         /* a stack's descriptor starts a cache line */
  GUARD_REACH_PAGES = 64,        /* a fault this far below a guard page is still an overflow */
  SIGNAL_STACK_SIZE = 64 * 1024, /* where an overflow is reported (the task's stack is full) */
  MESSAGE_MAX = 256              /* the overflow report, written without malloc */
};

typedef struct slab {
  ac__list link;
  char *map;
  size_t size;
  size_t used; /* stacks handed out so far */
} slab;

static size_t default_map_size(const ac__stack_pool *pool) {
  return AC_TASK_STACK_DEFAULT + pool->page; /* + the guard or a spare page */
}

static void overflow_handler_install(void);

/* Overflow reports run on a stack of their own: the task's is full. */
static void give_signal_stack(ac__stack_pool *pool) {
  stack_t old;
  if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)) return;
  stack_t ss = {.ss_size = SIGNAL_STACK_SIZE, .ss_flags = 0};
  if (!(ss.ss_sp = malloc(ss.ss_size))) return;
  if (sigaltstack(&ss, NULL) == 0)
    pool->altstack = ss.ss_sp;
  else
    free(ss.ss_sp);
}

void ac__stacks_init(ac__stack_pool *pool) {
  memset(pool, 0, sizeof *pool);
  give_signal_stack(pool);
  overflow_handler_install();
  ac__list_init(&pool->slabs);
  pool->page = (size_t)sysconf(_SC_PAGESIZE);
  long max_maps = DEFAULT_MAX_MAP_COUNT;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  if (f) {
    if (fscanf(f, "%ld", &max_maps) != 1) max_maps = DEFAULT_MAX_MAP_COUNT;
    fclose(f);
  }
  pool->guard_budget = (size_t)max_maps / GUARDED_SHARE;
  if (RUNNING_ON_VALGRIND && pool->guard_budget > VALGRIND_GUARDED_MAX)
    pool->guard_budget = VALGRIND_GUARDED_MAX;
}

/* Lay out a stack in [map, map + size): descriptor at the top, aligned. */
static ac__stack *carve(char *map, size_t size, size_t map_size, int guarded, size_t page,
                        size_t asked) {
  uintptr_t top = (uintptr_t)(map + size) - sizeof(ac__stack);
  ac__stack *s = (ac__stack *)(top & ~(uintptr_t)(DESCRIPTOR_ALIGN - 1));
  s->next = NULL;
  s->map = map;
  s->map_size = map_size;
  s->bottom = map + (guarded ? page : 0);
  s->guarded = (uint8_t)guarded;
  s->asked = asked;
  s->vg_id = VALGRIND_STACK_REGISTER(s->bottom, (char *)s);
  return s;
}

static int map_single(ac__stack_pool *pool, size_t usable, ac__stack **out, int must_guard) {
  int guarded = must_guard || pool->guarded_live < pool->guard_budget;
  size_t size = usable + pool->page;
  char *map = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (map == MAP_FAILED) return -ENOMEM;
  if (guarded && mprotect(map, pool->page, PROT_NONE) != 0) guarded = 0;
  if (guarded) pool->guarded_live++;
  *out = carve(map, size, size, guarded, pool->page, usable);
  return 0;
}

static int from_slab(ac__stack_pool *pool, ac__stack **out) {
  size_t one = default_map_size(pool);
  slab *sl = ac__list_empty(&pool->slabs) ? NULL : AC__CONTAINER(pool->slabs.prev, slab, link);
  if (!sl || sl->used == SLAB_STACKS) {
    sl = malloc(sizeof *sl);
    if (!sl) return -ENOMEM;
    sl->size = one * SLAB_STACKS;
    sl->map = mmap(NULL, sl->size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (sl->map == MAP_FAILED) {
      free(sl);
      return -ENOMEM;
    }
    sl->used = 0;
    ac__list_push_back(&pool->slabs, &sl->link);
  }
  *out = carve(sl->map + one * sl->used++, one, 0, 0, pool->page, AC_TASK_STACK_DEFAULT);
  return 0;
}

int ac__stack_get(ac__stack_pool *pool, size_t usable, ac__stack **out) {
  if (usable != AC_TASK_STACK_DEFAULT) return map_single(pool, usable, out, 0);
  if (pool->free) {
    *out = pool->free;
    pool->free = pool->free->next;
    pool->nfree--;
    return 0;
  }
  if (pool->guarded_live < pool->guard_budget) return map_single(pool, usable, out, 0);
  return from_slab(pool, out);
}

int ac__stack_get_guarded(ac__stack_pool *pool, size_t usable, ac__stack **out) {
  return map_single(pool, usable, out, 1);
}

static void unmap(ac__stack_pool *pool, ac__stack *s) {
  VALGRIND_STACK_DEREGISTER(s->vg_id);
  if (s->guarded) pool->guarded_live--;
  munmap(s->map, s->map_size);
}

void ac__stack_put(ac__stack_pool *pool, ac__stack *s, int keep_mapped) {
  /* A switched-away frame can leave AddressSanitizer's redzones behind. */
  ASAN_UNPOISON_MEMORY_REGION(s->bottom, ac__stack_usable(s));
  int is_default = s->asked == AC_TASK_STACK_DEFAULT;
  if (!keep_mapped && s->map_size != 0 && (!is_default || pool->nfree >= POOL_WARM)) {
    unmap(pool, s);
    return;
  }
  if (!keep_mapped && pool->nfree >= POOL_WARM) {
    /* A slab stack cannot be unmapped alone: give its pages back instead. */
    char *lo = (char *)(((uintptr_t)s->bottom + pool->page - 1) & ~(pool->page - 1));
    char *hi = (char *)((uintptr_t)s & ~(pool->page - 1));
    if (hi > lo) madvise(lo, (size_t)(hi - lo), MADV_DONTNEED);
  }
  s->next = pool->free;
  pool->free = s;
  pool->nfree++;
}

void ac__stacks_free(ac__stack_pool *pool) {
  ac__stack *s = pool->free;
  while (s) {
    ac__stack *next = s->next;
    if (s->map_size != 0)
      unmap(pool, s);
    else
      VALGRIND_STACK_DEREGISTER(s->vg_id);
    s = next;
  }
  pool->free = NULL;
  pool->nfree = 0;
  while (!ac__list_empty(&pool->slabs)) {
    slab *sl = AC__CONTAINER(pool->slabs.next, slab, link);
    ac__list_remove(&sl->link);
    munmap(sl->map, sl->size);
    free(sl);
  }
  if (pool->altstack) {
    stack_t off = {.ss_flags = SS_DISABLE};
    sigaltstack(&off, NULL);
    free(pool->altstack);
    pool->altstack = NULL;
  }
}

static void report_overflow(const char *task_name, size_t usable) {
  char msg[MESSAGE_MAX];
  int n = snprintf(msg, sizeof msg,
                   "ac: task '%s' overflowed its stack (%zu KiB): give it a larger "
                   "stack_size in ac_task_opts_t, or move big arrays off the stack\n",
                   task_name, usable / 1024);
  if (n > 0) (void)!write(STDERR_FILENO, msg, (size_t)n);
}

void ac__stack_overflowed(ac__task *t, const ac__stack *s) {
  char label[AC_TASK_NAME_MAX + 1];
  ac__task_label(t, label, sizeof label);
  report_overflow(label, ac__stack_usable(s));
  abort();
}

/* ---- naming the task whose guard page was hit --------------------------- */

static struct sigaction previous_segv;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void on_segv(int sig, siginfo_t *info, void *uctx) {
  (void)uctx;
  ac__loop *loop = ac__cur;
  ac__task *t = loop ? loop->current : NULL;
  if (t && t->stack && t->stack->guarded) {
    char *addr = info->si_addr;
    /* A big frame can jump past the guard page into the mapping below. */
    if (addr >= t->stack->map - GUARD_REACH_PAGES * loop->stacks.page && addr < t->stack->bottom) {
      char label[AC_TASK_NAME_MAX + 1]; /* no malloc in a signal handler */
      ac__task_label(t, label, sizeof label);
      report_overflow(label, ac__stack_usable(t->stack));
      signal(sig, SIG_DFL); /* the fault repeats on return and ends the process */
      return;
    }
  }
  sigaction(sig, &previous_segv, NULL); /* not ours: let the old handler see it */
}

static void install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &previous_segv);
}

static void overflow_handler_install(void) { pthread_once(&handler_once, install); }

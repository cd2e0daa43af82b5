/* slab.c - objects of one size carved from aligned blocks (slab.h). */
#include "slab.h"

#include <stdlib.h>

#if defined(AC_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

typedef struct free_obj {
  struct free_obj *next;
} free_obj;

struct ac__slab_block {
  ac__slab_block *prev, *next; /* in the slab's partial list */
  free_obj *free;              /* given back, to reuse first */
  size_t used;                 /* objects handed out */
  size_t carved;               /* objects ever carved from the block, front first */
  int in_partial;
};

enum { HEADER = (sizeof(ac__slab_block) + 15) & ~(size_t)15 };

static ac__slab_block *block_of(const void *obj) {
  return (ac__slab_block *)((uintptr_t)obj & ~(uintptr_t)(AC__SLAB_BLOCK - 1));
}

static char *object(const ac__slab *slab, ac__slab_block *b, size_t i) {
  return (char *)b + HEADER + i * slab->size;
}

static void partial_add(ac__slab *slab, ac__slab_block *b) {
  b->prev = NULL;
  b->next = slab->partial;
  if (slab->partial) slab->partial->prev = b;
  slab->partial = b;
  b->in_partial = 1;
}

static void partial_remove(ac__slab *slab, ac__slab_block *b) {
  if (b->prev)
    b->prev->next = b->next;
  else
    slab->partial = b->next;
  if (b->next) b->next->prev = b->prev;
  b->in_partial = 0;
}

void ac__slab_init(ac__slab *slab, size_t size) {
  slab->size = (size + 15) & ~(size_t)15;
  slab->per_block = (AC__SLAB_BLOCK - HEADER) / slab->size;
  slab->partial = NULL;
  slab->spare = NULL;
  slab->nspare = 0;
}

static ac__slab_block *block_new(ac__slab *slab) {
  ac__slab_block *b = slab->spare;
  if (b) {
    slab->spare = b->next;
    slab->nspare--;
  } else {
    if (!(b = aligned_alloc(AC__SLAB_BLOCK, AC__SLAB_BLOCK))) return NULL;
    POISON(object(slab, b, 0), slab->per_block * slab->size);
  }
  b->free = NULL;
  b->used = 0;
  b->carved = 0;
  partial_add(slab, b);
  return b;
}

void *ac__slab_alloc(ac__slab *slab) {
  ac__slab_block *b = slab->partial;
  if (!b && !(b = block_new(slab))) return NULL;
  void *obj;
  if (b->free) {
    obj = b->free;
    UNPOISON(obj, slab->size);
    b->free = b->free->next;
  } else {
    obj = object(slab, b, b->carved++);
    UNPOISON(obj, slab->size);
  }
  if (++b->used == slab->per_block) partial_remove(slab, b);
  return obj;
}

void ac__slab_free(ac__slab *slab, void *obj) {
  ac__slab_block *b = block_of(obj);
  free_obj *f = obj;
  f->next = b->free;
  b->free = f;
  POISON(obj, slab->size);
  if (!b->in_partial) partial_add(slab, b);
  if (--b->used > 0) return;
  partial_remove(slab, b); /* empty: keep a few for the next burst, free the others */
  if (slab->nspare >= AC__SLAB_SPARE) {
    free(b);
  } else {
    b->free = NULL;
    b->carved = 0;
    POISON(object(slab, b, 0), slab->per_block * slab->size);
    b->next = slab->spare;
    slab->spare = b;
    slab->nspare++;
  }
}

void ac__slab_close(ac__slab *slab) {
  while (slab->partial) {
    ac__slab_block *b = slab->partial;
    partial_remove(slab, b);
    free(b);
  }
  while (slab->spare) {
    ac__slab_block *b = slab->spare;
    slab->spare = b->next;
    free(b);
  }
  slab->nspare = 0;
}

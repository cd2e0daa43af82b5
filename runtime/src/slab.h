/* slab.h - objects of one size carved from blocks: the loop's task
 * structures. A task's structure is its hottest allocation (spawn + await
 * paid a third of its instructions to malloc and free), and programs make
 * tasks in bursts. A block holds many structures and costs one malloc; a
 * freed structure goes back to its block's free list; a block whose
 * structures are all free goes back to malloc, except a few kept for the
 * next burst, so memory is returned once a burst is over.
 *
 * The block of an object is found by masking its address: blocks are
 * aligned to their size. Single-threaded: each loop has its own slab.
 */
#ifndef AC_SLAB_H
#define AC_SLAB_H

#include <stddef.h>
#include <stdint.h>

enum {
  AC__SLAB_BLOCK = 64 * 1024, /* bytes per block, and its alignment */
  AC__SLAB_SPARE = 32 /* empty blocks kept: freed aligned blocks are hard for malloc to reuse */
};

typedef struct ac__slab_block ac__slab_block;

typedef struct ac__slab {
  size_t size;             /* of one object, rounded up to 16 */
  size_t per_block;        /* objects in a block */
  ac__slab_block *partial; /* blocks with room, newest first */
  ac__slab_block *spare;   /* empty blocks kept for the next burst (via next) */
  size_t nspare;
} ac__slab;

/* Objects of SIZE bytes (at most a quarter of a block). */
void ac__slab_init(ac__slab *slab, size_t size);

/* An object, or NULL when out of memory. */
void *ac__slab_alloc(ac__slab *slab);

/* Give back OBJ, from ac__slab_alloc(SLAB). */
void ac__slab_free(ac__slab *slab, void *obj);

/* Free every block: all objects must have been given back. */
void ac__slab_close(ac__slab *slab);

#endif

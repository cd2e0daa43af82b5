/* ctx_ucontext.c - the portable, slower task switch: POSIX ucontext.
 * Selected with `make CONTEXT=ucontext`, and on processors without an
 * assembly switch. */
#include "ctx.h"

#include <stdint.h>
#include <stdlib.h>

/* makecontext passes only ints, so a pointer travels as two halves. */
static void ac__ctx_start(unsigned hi, unsigned lo, unsigned ehi, unsigned elo) {
  void *arg = (void *)(((uintptr_t)hi << 32) | lo);
  void (*entry)(void *) = (void (*)(void *))(((uintptr_t)ehi << 32) | elo);
  entry(arg);
  abort(); /* entry never returns */
}

void ac__ctx_make(ac__ctx *ctx, void *bottom, size_t size, void (*entry)(void *), void *arg) {
  uintptr_t a = (uintptr_t)arg, e = (uintptr_t)entry;
  getcontext(&ctx->uc);
  ctx->uc.uc_stack.ss_sp = bottom;
  ctx->uc.uc_stack.ss_size = size;
  ctx->uc.uc_link = NULL;
  makecontext(&ctx->uc, (void (*)(void))ac__ctx_start, 4, (unsigned)(a >> 32), (unsigned)a,
              (unsigned)(e >> 32), (unsigned)e);
}

void ac__ctx_switch(ac__ctx *from, ac__ctx *to) { swapcontext(&from->uc, &to->uc); }

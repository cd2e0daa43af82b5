/* ctx_asm.c - the first frame of a new context for the assembly switches:
 * registers that ac__ctx_switch pops, with the trampoline as return address. */
#include "ctx.h"

#include <stdint.h>
#include <string.h>

#ifndef AC_CONTEXT_UCONTEXT

void ac__ctx_trampoline(void);

void ac__ctx_make(ac__ctx *ctx, void *bottom, size_t size, void (*entry)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)bottom + size) & ~(uintptr_t)(AC__CTX_STACK_ALIGN - 1);
  /* x86-64: popped in order, then ret to the trampoline, which leaves rsp
   * aligned for its call as the ABI wants. aarch64: restored from the
   * frame, then ret to x30. */
  uintptr_t *frame = (uintptr_t *)top - AC__CTX_WORDS;
  memset(frame, 0, AC__CTX_WORDS * sizeof *frame);
  frame[AC__CTX_ENTRY] = (uintptr_t)entry;
  frame[AC__CTX_ARG] = (uintptr_t)arg;
  frame[AC__CTX_RET] = (uintptr_t)ac__ctx_trampoline;
  ctx->sp = frame;
}

#endif

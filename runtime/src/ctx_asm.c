/* ctx_asm.c - the first frame of a new context for the assembly switches:
 * registers that ac__ctx_switch pops, with the trampoline as return address. */
#include "ctx.h"

#include <stdint.h>
#include <string.h>

#ifndef AC_CONTEXT_UCONTEXT

void ac__ctx_trampoline(void);

void ac__ctx_make(ac__ctx *ctx, void *bottom, size_t size,
                  void (*entry)(void *), void *arg) {
  uintptr_t top = ((uintptr_t)bottom + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
  /* Popped in order: r15 r14 r13 r12 rbx rbp, then ret to the trampoline,
   * which leaves rsp 16-byte aligned for its call, as the ABI wants. */
  uintptr_t *frame = (uintptr_t *)top - 7;
  memset(frame, 0, 7 * sizeof *frame);
  frame[2] = (uintptr_t)entry;              /* r13 */
  frame[3] = (uintptr_t)arg;                /* r12 */
  frame[6] = (uintptr_t)ac__ctx_trampoline; /* return address */
#elif defined(__aarch64__)
  /* x19..x28, x29 (frame pointer), x30 (return address), d8..d15. */
  uintptr_t *frame = (uintptr_t *)(top - 160);
  memset(frame, 0, 160);
  frame[0] = (uintptr_t)arg;                 /* x19 */
  frame[1] = (uintptr_t)entry;               /* x20 */
  frame[11] = (uintptr_t)ac__ctx_trampoline; /* x30 */
#endif
  ctx->sp = frame;
}

#endif

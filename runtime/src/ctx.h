/* ctx.h - saving and restoring the registers of a task: the only part of
 * the runtime that is written per processor. Chosen at build time:
 * assembly for x86-64 and aarch64 (ctx_*.S), or ucontext (ctx_ucontext.c). */
#ifndef AC_CTX_H
#define AC_CTX_H

#include <stddef.h>

#if defined(AC_CONTEXT_UCONTEXT) || !(defined(__x86_64__) || defined(__aarch64__))
#ifndef AC_CONTEXT_UCONTEXT
#define AC_CONTEXT_UCONTEXT 1
#endif
#include <ucontext.h>
typedef struct ac__ctx {
  ucontext_t uc;
} ac__ctx;
#else
typedef struct ac__ctx {
  void *sp; /* the stack pointer; every other register is saved on the stack */
} ac__ctx;
#endif

/* Prepare CTX to run ENTRY(ARG) on the stack [BOTTOM, BOTTOM + SIZE). */
void ac__ctx_make(ac__ctx *ctx, void *bottom, size_t size,
                  void (*entry)(void *), void *arg);

/* Save the running context into FROM and continue TO. */
void ac__ctx_switch(ac__ctx *from, ac__ctx *to);

#endif /* AC_CTX_H */

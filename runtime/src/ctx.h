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

/* The frame ac__ctx_switch (ctx_*.S) leaves at a suspended context's sp,
 * as word indexes: ac__ctx_make builds a first one, and the task dump reads
 * the frame pointer and return address from it. */
#if defined(__x86_64__)
enum {
  AC__CTX_WORDS = 7, /* r15 r14 r13 r12 rbx rbp, then the return address */
  AC__CTX_ENTRY = 2, /* r13: a new context's entry function */
  AC__CTX_ARG = 3,   /* r12: its argument */
  AC__CTX_FP = 5,    /* rbp */
  AC__CTX_RET = 6    /* the return address */
};
#else
enum {
  AC__CTX_WORDS = 20, /* x19..x28, x29, x30, d8..d15 */
  AC__CTX_ARG = 0,    /* x19: a new context's argument */
  AC__CTX_ENTRY = 1,  /* x20: its entry function */
  AC__CTX_FP = 10,    /* x29, the frame pointer */
  AC__CTX_RET = 11    /* x30, the return address */
};
#endif
enum { AC__CTX_STACK_ALIGN = 16 }; /* what both ABIs ask of sp at a call */
#endif

/* Prepare CTX to run ENTRY(ARG) on the stack [BOTTOM, BOTTOM + SIZE). */
void ac__ctx_make(ac__ctx *ctx, void *bottom, size_t size, void (*entry)(void *), void *arg);

/* Save the running context into FROM and continue TO. */
void ac__ctx_switch(ac__ctx *from, ac__ctx *to);

#endif /* AC_CTX_H */

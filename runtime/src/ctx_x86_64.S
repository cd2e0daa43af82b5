/* ctx_x86_64.S - task switch for x86-64 (System V ABI).
 * void ac__ctx_switch(ac__ctx *from, ac__ctx *to): push the callee-saved
 * registers, store the stack pointer in from->sp, load to->sp, pop, return
 * into the other context. */
#if defined(__x86_64__) && !defined(AC_CONTEXT_UCONTEXT)
        .text
        .globl  ac__ctx_switch
        .type   ac__ctx_switch, @function
        .p2align 4
ac__ctx_switch:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    (%rsi), %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   ac__ctx_switch, .-ac__ctx_switch

/* A new context "returns" here: r12 holds the argument, r13 the entry. */
        .globl  ac__ctx_trampoline
        .type   ac__ctx_trampoline, @function
        .p2align 4
ac__ctx_trampoline:
        movq    %r12, %rdi
        callq   *%r13
        ud2                     /* entry never returns */
        .size   ac__ctx_trampoline, .-ac__ctx_trampoline
#endif
        .section .note.GNU-stack,"",%progbits

/* ctx_aarch64.S - task switch for aarch64 (AAPCS64).
 * void ac__ctx_switch(ac__ctx *from, ac__ctx *to): store x19-x30 and d8-d15
 * below the stack pointer, save sp in from->sp, load to->sp, restore, return
 * to the other context's x30. */
#if defined(__aarch64__) && !defined(AC_CONTEXT_UCONTEXT)
        .text
        .globl  ac__ctx_switch
        .type   ac__ctx_switch, %function
        .p2align 4
ac__ctx_switch:
        sub     sp, sp, #160
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8,  d9,  [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x9, sp
        str     x9, [x0]
        ldr     x9, [x1]
        mov     sp, x9
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8,  d9,  [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #160
        ret
        .size   ac__ctx_switch, .-ac__ctx_switch

/* A new context "returns" here: x19 holds the argument, x20 the entry. */
        .globl  ac__ctx_trampoline
        .type   ac__ctx_trampoline, %function
        .p2align 4
ac__ctx_trampoline:
        mov     x0, x19
        blr     x20
        brk     #0              /* entry never returns */
        .size   ac__ctx_trampoline, .-ac__ctx_trampoline
#endif
        .section .note.GNU-stack,"",%progbits

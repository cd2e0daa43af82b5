/* ctx_check.c - the context switch alone, for any processor: two contexts
 * ping-pong a thousand times, and integer and floating-point values kept in
 * registers across the switches must survive. Built natively by `make
 * runtime-test` and for aarch64 (run under qemu) by `make ctx-cross`. */
#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"

enum { ROUNDS = 1000, STACK = 64 * 1024 };

static ac__ctx main_ctx, co_ctx;
static volatile long counter;

static void coroutine(void *arg) {
  double d = *(const double *)arg;
  for (;;) {
    counter += (long)d;
    d += 1.0;
    ac__ctx_switch(&co_ctx, &main_ctx);
  }
}

int main(void) {
  double start = 1.0;
  char *stack = malloc(STACK);
  if (!stack) return 2;
  ac__ctx_make(&co_ctx, stack, STACK, coroutine, &start);
  double mine = 0.5;
  long sum = 0;
  for (long i = 0; i < ROUNDS; i++) {
    ac__ctx_switch(&main_ctx, &co_ctx);
    mine += 2.0;
    sum += i;
  }
  long want = (long)ROUNDS * (ROUNDS + 1) / 2;
  if (counter != want || mine != 0.5 + 2.0 * ROUNDS || sum != want - ROUNDS) {
    printf("ctx_check: FAILED: counter %ld (want %ld), double %.1f, sum %ld\n", counter, want, mine,
           sum);
    return 1;
  }
  printf("ctx_check: %d round trips, registers intact\n", ROUNDS);
  free(stack);
  return 0;
}

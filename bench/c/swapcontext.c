/* swapcontext.c - the peer of the switch benchmark: two ucontexts handing
 * over with swapcontext(), which also saves and restores the signal mask. */
#include <ucontext.h>

#include "bench.h"

static ucontext_t main_ctx, co_ctx;

static void coroutine(void) {
  for (;;) swapcontext(&co_ctx, &main_ctx);
}

int main(void) {
  static long n; /* static: swapcontext returns twice, like setjmp */
  n = bench_count(2000000);
  static char stack[64 * 1024];
  getcontext(&co_ctx);
  co_ctx.uc_stack.ss_sp = stack;
  co_ctx.uc_stack.ss_size = sizeof stack;
  makecontext(&co_ctx, coroutine, 0);
  double t0 = bench_now_ns();
  for (long i = 0; i < n; i++) swapcontext(&main_ctx, &co_ctx);
  double t1 = bench_now_ns();
  bench_report("switch", "swapcontext", (t1 - t0) / (2.0 * (double)n), "ns/switch");
  return 0;
}

/* floor_spawn.c - the floor for spawn + await: the least a stackful
 * scheduler must do, with the runtime's own context switch (ctx.h) and
 * nothing else. A FIFO ready queue, task structures and stacks recycled
 * from free lists (a task gets its stack when it first runs, as the
 * runtime's do), a task's one waiter woken when it ends. No loop, no
 * timers, no names, no cancellation, no checks: what the runtime adds to
 * this is what its spawn_await figure pays for. Same pattern as ac_tasks'
 * spawn_await: create 200,000 trivial tasks, then await each. */
#include <stdlib.h>

#include "../../runtime/src/ctx.h"
#include "bench.h"

enum { STACK_SIZE = 16 * 1024 };

typedef struct task {
  ac__ctx ctx;
  void (*fn)(void *);
  char *stack;       /* NULL until it first runs */
  struct task *next; /* in the ready queue, or a free list */
  struct task *waiter;
  int done;
} task;

static ac__ctx scheduler;
static task *current, *ready_head, *ready_tail, *free_tasks;
static char *free_stacks; /* each free stack's first word links the next */

static void ready_push(task *t) {
  t->next = NULL;
  if (ready_tail)
    ready_tail->next = t;
  else
    ready_head = t;
  ready_tail = t;
}

static void entry(void *arg) {
  task *t = arg;
  t->done = 1; /* a trivial task: it returns at once */
  if (t->waiter) ready_push(t->waiter);
  ac__ctx_switch(&t->ctx, &scheduler); /* never resumed */
}

/* A task that will run FN(itself). */
static task *spawn(void (*fn)(void *)) {
  task *t = free_tasks;
  if (t)
    free_tasks = t->next;
  else if (!(t = malloc(sizeof *t)))
    exit(1);
  t->fn = fn;
  t->stack = NULL;
  t->waiter = NULL;
  t->done = 0;
  ready_push(t);
  return t;
}

static void start(task *t) {
  if (free_stacks) {
    t->stack = free_stacks;
    free_stacks = *(char **)free_stacks;
  } else if (!(t->stack = malloc(STACK_SIZE))) {
    exit(1);
  }
  ac__ctx_make(&t->ctx, t->stack, STACK_SIZE, t->fn, t);
}

/* Give the stack back once its task ended (not while on it). */
static void reap(task *t) {
  *(char **)t->stack = free_stacks;
  free_stacks = t->stack;
  t->stack = NULL;
}

static void await(task *t) {
  if (!t->done) {
    t->waiter = current;
    ac__ctx_switch(&current->ctx, &scheduler);
  }
  t->next = free_tasks; /* released: its structure is recycled */
  free_tasks = t;
}

static double per_task_us;

static void main_task(void *arg) {
  task *self = arg;
  long n = bench_count(200000);
  task **tasks = malloc((size_t)n * sizeof *tasks);
  if (!tasks) exit(1);
  double t0 = bench_now_ns();
  for (long i = 0; i < n; i++) tasks[i] = spawn(entry);
  for (long i = 0; i < n; i++) await(tasks[i]);
  per_task_us = (bench_now_ns() - t0) / (double)n / 1000.0;
  free(tasks);
  self->done = 1;
  ac__ctx_switch(&self->ctx, &scheduler);
}

int main(void) {
  spawn(main_task);
  while (ready_head) {
    current = ready_head;
    ready_head = current->next;
    if (!ready_head) ready_tail = NULL;
    if (!current->stack) start(current);
    ac__ctx_switch(&scheduler, &current->ctx);
    if (current->done && current->stack) reap(current);
  }
  bench_report("spawn_await", "floor", per_task_us, "us/task");
  return 0;
}

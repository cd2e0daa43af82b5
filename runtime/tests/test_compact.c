/* test_compact.c - compact tasks (AC_TASK_COMPACT): beside tasks with
 * stacks of their own, through every kind of wait, cancelled, timed out,
 * with deep stacks, overflowing, refused pointers, and many at once. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static const ac_task_opts_t compact = {.flags = AC_TASK_COMPACT};

static int spawn(ac_task_t **t, ac_task_fn fn, void *arg, unsigned flags) {
  return ac_task_create_ex(t, fn, arg, &(ac_task_opts_t){.flags = flags});
}

/* ---- mixing compact and default tasks ------------------------------------ */

enum { ROUNDS = 20, LOCALS = 64 };

/* Fills a local array, then checks after each wait that it is intact and
 * at the same address: its stack comes back where it was. */
static int keeper(void *arg, void **result) {
  int id = P2INT(arg);
  int mine[LOCALS];
  for (int i = 0; i < LOCALS; i++) mine[i] = id * 1000 + i;
  int *where = mine;
  for (int r = 0; r < ROUNDS; r++) {
    ck_assert_int_eq(ac_task_sleep(r % 3 == 0 ? 1 : 0), 0);
    ck_assert_ptr_eq(where, mine);
    for (int i = 0; i < LOCALS; i++) ck_assert_int_eq(mine[i], id * 1000 + i);
  }
  *result = INT2P(id);
  return 0;
}

static int mixed_body(void *arg, void **result) {
  (void)arg, (void)result;
  enum { N = 12 };
  ac_task_t *t[N];
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(spawn(&t[i], keeper, INT2P(i + 1), i % 2 ? AC_TASK_COMPACT : 0), 0);
  void *res[N];
  ck_assert_int_eq(ac_future_gather(t, N, res, NULL, 0), 0);
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(P2INT(res[i]), i + 1);
    ac_future_release(t[i]);
  }
  return 0;
}
START_TEST(compact_and_default_tasks_interleave) { RUN_OK(mixed_body, NULL); }
END_TEST

/* ---- every kind of wait -------------------------------------------------- */

typedef struct shared {
  ac_lock_t *lock;
  ac_sem_t *sem;
  ac_event_t *event;
  ac_cond_t *cond;
  ac_queue_t *queue; /* unbounded: getters wait for items */
  ac_queue_t *small; /* holds one: putters wait for room */
  ac_future_t *future;
  int ready; /* the condition's predicate */
  int counter;
} shared;

static int waits_on_everything(void *arg, void **result) {
  shared *s = arg;
  (void)result;
  /* A lock held by the main task, then contended between the waiters. */
  ck_assert_int_eq(ac_lock_acquire(s->lock), 0);
  int before = s->counter;
  ck_assert_int_eq(ac_task_sleep(0), 0);
  s->counter = before + 1; /* no lost update: the lock is held across the yield */
  ck_assert_int_eq(ac_lock_release(s->lock), 0);
  ck_assert_int_eq(ac_sem_acquire(s->sem), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0);
  ck_assert_int_eq(ac_sem_release(s->sem), 0);
  ck_assert_int_eq(ac_event_wait(s->event), 0);
  ck_assert_int_eq(ac_lock_acquire(s->lock), 0);
  while (!s->ready) ck_assert_int_eq(ac_cond_wait(s->cond), 0);
  ck_assert_int_eq(ac_lock_release(s->lock), 0);
  void *item = NULL; /* handed over while this task waits for it */
  ck_assert_int_eq(ac_queue_get(s->queue, &item), 0);
  ck_assert_ptr_nonnull(item);
  ck_assert_int_eq(ac_queue_put(s->small, item), 0); /* waits for room */
  void *value = NULL;
  ck_assert_int_eq(ac_future_await(s->future, &value), 0);
  ck_assert_int_eq(P2INT(value), 99);
  ck_assert_int_eq(ac_future_await_for(s->future, 5, NULL), 0); /* done: no wait */
  ac_task_t *sub;
  ck_assert_int_eq(spawn(&sub, keeper, INT2P(7), AC_TASK_COMPACT), 0);
  ssize_t done = ac_future_wait(&sub, 1, AC_WAIT_ALL_COMPLETED);
  ck_assert_int_eq(done, 1);
  ac_future_release(sub);
  return 0;
}

static int kinds_body(void *arg, void **result) {
  (void)arg, (void)result;
  enum { N = 6 };
  static int items[N];
  shared *s = calloc(1, sizeof *s);
  ck_assert_int_eq(ac_lock_create(&s->lock), 0);
  ck_assert_int_eq(ac_sem_create(&s->sem, 2, 0), 0);
  ck_assert_int_eq(ac_event_create(&s->event), 0);
  ck_assert_int_eq(ac_cond_create(&s->cond, s->lock), 0);
  ck_assert_int_eq(ac_queue_create(&s->queue, AC_QUEUE_FIFO, 0, NULL), 0);
  ck_assert_int_eq(ac_queue_create(&s->small, AC_QUEUE_FIFO, 1, NULL), 0);
  ck_assert_int_eq(ac_future_create(&s->future), 0);
  ck_assert_int_eq(ac_lock_acquire(s->lock), 0);
  ac_task_t *t[N];
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(spawn(&t[i], waits_on_everything, s, i == N - 1 ? 0 : AC_TASK_COMPACT), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0); /* all of them wait for the lock */
  ck_assert_int_eq(ac_lock_release(s->lock), 0);
  ck_assert_int_eq(ac_task_sleep(20), 0);
  ck_assert_int_eq(s->counter, N);
  ck_assert_int_eq(ac_event_set(s->event), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0);
  ck_assert_int_eq(ac_lock_acquire(s->lock), 0);
  s->ready = 1;
  ck_assert_int_eq(ac_cond_notify_all(s->cond), N);
  ck_assert_int_eq(ac_lock_release(s->lock), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0); /* all of them wait for an item now */
  for (int i = 0; i < N; i++) ck_assert_int_eq(ac_queue_put(s->queue, &items[i]), 0);
  int seen[N] = {0};
  for (int i = 0; i < N; i++) {
    void *item = NULL;
    ck_assert_int_eq(ac_queue_get(s->small, &item), 0);
    seen[(int *)item - items]++;
  }
  for (int i = 0; i < N; i++) ck_assert_int_eq(seen[i], 1);
  ck_assert_int_eq(ac_future_set_result(s->future, INT2P(99)), 0);
  ck_assert_int_eq(ac_future_gather(t, N, NULL, NULL, 0), 0);
  for (int i = 0; i < N; i++) ac_future_release(t[i]);
  ac_future_release(s->future);
  ac_queue_close(s->small);
  ac_queue_close(s->queue);
  ac_cond_close(s->cond);
  ac_event_close(s->event);
  ac_sem_close(s->sem);
  ac_lock_close(s->lock);
  free(s);
  return 0;
}
START_TEST(compact_tasks_wait_on_every_kind_of_object) { RUN_OK(kinds_body, NULL); }
END_TEST

/* ---- cancellation and timeouts ------------------------------------------- */

static int sleeper(void *arg, void **result) {
  (void)result;
  return ac_task_sleep(P2INT(arg));
}

static int getter(void *arg, void **result) {
  void *item = NULL;
  int rc = ac_queue_get_for(arg, &item, 5);
  *result = item;
  return rc;
}

/* A timeout scope on a compact task's stack, expiring while it sleeps. */
static int scoped(void *arg, void **result) {
  (void)arg, (void)result;
  ac_timeout_t scope;
  ck_assert_int_eq(ac_timeout_open(&scope, 5), 0);
  ck_assert_int_eq(ac_task_sleep(10000), -ECANCELED);
  ck_assert_int_eq(ac_timeout_is_expired(&scope), 1);
  return ac_timeout_close(&scope);
}

/* A wait_for with a deadline, the awaited compact task cancelled by it. */
static int waits_for_sleeper(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *inner;
  ck_assert_int_eq(spawn(&inner, sleeper, INT2P(10000), AC_TASK_COMPACT), 0);
  int rc = ac_future_await_for(inner, 5, NULL);
  ck_assert_int_eq(ac_future_state(inner), AC_FUTURE_CANCELLED);
  ac_future_release(inner);
  return rc;
}

static int cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_queue_t *q;
  ck_assert_int_eq(ac_queue_create(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  ac_task_t *s, *g, *sc, *w;
  ck_assert_int_eq(spawn(&s, sleeper, INT2P(10000), AC_TASK_COMPACT), 0);
  ck_assert_int_eq(spawn(&g, getter, q, AC_TASK_COMPACT), 0);
  ck_assert_int_eq(spawn(&sc, scoped, NULL, AC_TASK_COMPACT), 0);
  ck_assert_int_eq(spawn(&w, waits_for_sleeper, NULL, AC_TASK_COMPACT), 0);
  ck_assert_int_eq(ac_task_sleep(1), 0);
  ck_assert_int_eq(ac_future_cancel(s), 1);
  ck_assert_int_eq(ac_future_await(s, NULL), -ECANCELED);
  ck_assert_int_eq(ac_future_await(g, NULL), -ETIMEDOUT);
  ck_assert_int_eq(ac_future_await(sc, NULL), -ETIMEDOUT);
  ck_assert_int_eq(ac_future_await(w, NULL), -ETIMEDOUT);
  ac_future_release(s);
  ac_future_release(g);
  ac_future_release(sc);
  ac_future_release(w);
  ac_queue_close(q);
  return 0;
}
START_TEST(compact_tasks_are_cancelled_and_time_out) { RUN_OK(cancel_body, NULL); }
END_TEST

/* ---- deep stacks --------------------------------------------------------- */

/* LEVELS frames of a 1 KiB local each, a wait at the bottom, every frame
 * checked on the way back up: the copy grows to fit and comes back whole. */
static int dive(int levels, int seed) {
  char block[1024];
  memset(block, (seed + levels) & 0xff, sizeof block);
  int rc = levels > 0 ? dive(levels - 1, seed) : ac_task_sleep(1);
  for (size_t i = 0; i < sizeof block; i++)
    if (block[i] != (char)((seed + levels) & 0xff)) return -EIO;
  return rc;
}

static int diver(void *arg, void **result) {
  (void)result;
  int levels = P2INT(arg);
  int rc = dive(levels, levels);
  if (rc == 0) rc = dive(levels / 10, levels); /* shallower the second time */
  if (rc == 0) rc = dive(levels, levels + 1);
  return rc;
}

static int deep_body(void *arg, void **result) {
  (void)arg, (void)result;
  int depths[] = {150, 5, 80, 0, 120}; /* up to 150 KiB of the 256 KiB run stack */
  enum { N = sizeof depths / sizeof depths[0] };
  ac_task_t *t[N];
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(spawn(&t[i], diver, INT2P(depths[i]), AC_TASK_COMPACT), 0);
  int errors[N];
  ck_assert_int_eq(ac_future_gather(t, N, NULL, errors, AC_GATHER_RETURN_ERRORS), 0);
  for (int i = 0; i < N; i++) {
    ck_assert_msg(errors[i] == 0, "task %d (depth %d) found its frames changed: %d", i, depths[i],
                  errors[i]);
    ac_future_release(t[i]);
  }
  return 0;
}
START_TEST(deep_stacks_grow_the_copy_and_come_back_whole) { RUN_OK(deep_body, NULL); }
END_TEST

static int bottomless(int n) {
  volatile char block[4096];
  block[0] = (char)n;
  if (n > 1000000) return 0; /* 4 GiB down: never reached */
  return bottomless(n + 1) + block[0];
}

static int greedy(void *arg, void **result) {
  (void)arg, (void)result;
  return bottomless(0);
}

static int overflow_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t;
  ac_task_create_ex(&t, greedy, NULL,
                    &(ac_task_opts_t){.name = "greedy", .flags = AC_TASK_COMPACT});
  ac_future_await(t, NULL);
  return 0;
}

START_TEST(overflowing_the_run_stack_names_the_task) {
  int pipefd[2];
  ck_assert_int_eq(pipe(pipefd), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(pipefd[1], STDERR_FILENO);
    ac_loop_run(overflow_body, NULL, NULL);
    _exit(0); /* reaching this means the overflow went unnoticed */
  }
  close(pipefd[1]);
  char buf[4096] = {0};
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf - 1 && (n = read(pipefd[0], buf + len, sizeof buf - 1 - len)) > 0)
    len += (size_t)n;
  close(pipefd[0]);
  int status;
  waitpid(pid, &status, 0);
  ck_assert_msg(WIFSIGNALED(status), "the overflowing program should die by a signal, status %d",
                status);
  ck_assert_msg(strstr(buf, "'greedy' overflowed its stack") != NULL,
                "expected a message naming task 'greedy', got: %s", buf);
}
END_TEST

/* ---- refused pointers and options ---------------------------------------- */

static void nothing(void *arg) { (void)arg; }

static int trivial(void *arg, void **result) {
  (void)arg, (void)result;
  return 0;
}

static void done(ac_future_t *f, void *arg) { (void)f, (void)arg; }

static int handler(ac_stream_t *s, void *arg) {
  (void)s, (void)arg;
  return 0;
}

static int work(void *arg, void **result) {
  *result = arg;
  return 0;
}

/* A compact task handing out pointers to its own stack is refused. */
static int hands_out_locals(void *arg, void **result) {
  (void)arg, (void)result;
  int local = 1;
#if defined(AC_CONTEXT_UCONTEXT)
  return 0; /* the flag is ignored there: this task has a stack of its own */
#endif
  ck_assert_int_eq(ac_task_create(NULL, trivial, &local), -EINVAL);
  ck_assert_int_eq(ac_loop_call_soon(nothing, &local, NULL), -EINVAL);
  ck_assert_int_eq(ac_loop_call_later(1, nothing, &local, NULL), -EINVAL);
  ck_assert_int_eq(ac_executor_run(NULL, work, &local, NULL), -EINVAL);
  ac_future_t *f;
  ck_assert_int_eq(ac_future_create(&f), 0);
  ck_assert_int_eq(ac_future_add_done_callback(f, done, &local), -EINVAL);
  ac_future_release(f);
  ac_server_t *srv = NULL;
  ck_assert_int_eq(ac_server_start(&srv, "127.0.0.1", 0, handler, &local), -EINVAL);
  ck_assert_ptr_null(srv);
  static int on_heap_or_static;
  ck_assert_int_eq(ac_task_create(NULL, trivial, &on_heap_or_static), 0);
  void *got = NULL;
  ck_assert_int_eq(ac_executor_run(NULL, work, &on_heap_or_static, &got), 0);
  ck_assert_ptr_eq(got, &on_heap_or_static);
  return 0;
}

static int refused_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_int_eq(ac_task_create_ex(NULL, trivial, NULL, &(ac_task_opts_t){.flags = 1u << 4}),
                   -EINVAL);
  ck_assert_int_eq(
      ac_task_create_ex(NULL, trivial, NULL,
                        &(ac_task_opts_t){.flags = AC_TASK_COMPACT, .stack_size = 1u << 20}),
      -EINVAL);
  /* A default task may hand out its locals: its stack stays where it is. */
  int local = 0;
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, trivial, &local), 0);
  ck_assert_int_eq(ac_future_await(t, NULL), 0);
  ac_future_release(t);
  ck_assert_int_eq(ac_task_create_ex(&t, hands_out_locals, NULL, &compact), 0);
  ck_assert_int_eq(ac_future_await(t, NULL), 0);
  ac_future_release(t);
  return 0;
}
START_TEST(compact_tasks_may_not_hand_out_their_locals) { RUN_OK(refused_body, NULL); }
END_TEST

/* ---- many at once -------------------------------------------------------- */

typedef struct wake_order {
  int next;   /* the rank of the next to wake */
  int faults; /* sleepers that woke out of their deadline's order */
} wake_order;

static wake_order order;

static int ranked_sleeper(void *arg, void **result) {
  (void)result;
  int rank = P2INT(arg);
  int rc = ac_task_sleep(1 + rank / 1000); /* in groups of 1000 per ms */
  if (rank / 1000 < order.next / 1000) order.faults++;
  order.next = rank > order.next ? rank : order.next;
  return rc;
}

/* The million-task benchmark in small: 20,000 compact tasks asleep at once
 * (2,000 under ThreadSanitizer, which keeps ~0.8 MiB per fiber). */
#if defined(AC_SANITIZE_THREAD)
enum { MANY = 2000 };
#else
enum { MANY = 20000 };
#endif

static int many_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t **t = malloc(MANY * sizeof *t);
  ck_assert_ptr_nonnull(t);
  memset(&order, 0, sizeof order);
  for (int i = 0; i < MANY; i++)
    ck_assert_int_eq(spawn(&t[i], ranked_sleeper, INT2P(i), AC_TASK_COMPACT), 0);
  ck_assert_int_eq(ac_task_all(NULL, 0), MANY + 1);
  ck_assert_int_eq(ac_future_gather(t, MANY, NULL, NULL, 0), 0);
  ck_assert_int_eq(order.faults, 0);
  for (int i = 0; i < MANY; i++) ac_future_release(t[i]);
  free(t);
  return 0;
}
START_TEST(many_compact_sleepers) { RUN_OK(many_body, NULL); }
END_TEST

/* ---- the task dump ------------------------------------------------------- */

/* Global and not inlined, so the dump can name them (-rdynamic). */
int compact_napper_inner(volatile int *after);
int compact_napper(void *arg, void **result);

__attribute__((noinline)) int compact_napper_inner(volatile int *after) {
  int rc = ac_task_sleep(5000);
  *after = 1; /* work after the call: no tail call, so this frame stays */
  return rc;
}

__attribute__((noinline)) int compact_napper(void *arg, void **result) {
  (void)arg, (void)result;
  volatile int after = 0;
  int rc = compact_napper_inner(&after);
  return rc + after - 1 + 1;
}

/* A suspended compact task's frames are read from its copy. */
static int dump_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_task_t *t, *other;
  ck_assert_int_eq(
      ac_task_create_ex(&t, compact_napper, NULL,
                        &(ac_task_opts_t){.name = "dreamer", .flags = AC_TASK_COMPACT}),
      0);
  ck_assert_int_eq(spawn(&other, keeper, INT2P(3), AC_TASK_COMPACT), 0); /* the run stack's next */
  ck_assert_int_eq(ac_task_sleep(1), 0);
  FILE *f = tmpfile();
  ck_assert_int_eq(ac_debug_dump_tasks(f), 3);
  rewind(f);
  char text[16384];
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  ck_assert_msg(strstr(text, "task 'dreamer'") && strstr(text, "suspended in sleep"),
                "the dump names the task and its wait:\n%s", text);
#if !defined(AC_CONTEXT_UCONTEXT)
  ck_assert_msg(strstr(text, "ac_task_sleep") && strstr(text, "compact_napper_inner"),
                "the compact task's call stack shows where it waits:\n%s", text);
#endif
  ac_future_cancel(t);
  ac_future_await(t, NULL);
  ck_assert_int_eq(ac_future_await(other, NULL), 0);
  ac_future_release(t);
  ac_future_release(other);
  return 0;
}
START_TEST(dump_reads_a_compact_tasks_frames_from_its_copy) { RUN_OK(dump_body, NULL); }
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("compact");
  ADD_TEST(s, compact_and_default_tasks_interleave);
  ADD_TEST(s, compact_tasks_wait_on_every_kind_of_object);
  ADD_TEST(s, compact_tasks_are_cancelled_and_time_out);
  ADD_TEST(s, deep_stacks_grow_the_copy_and_come_back_whole);
  ADD_TEST(s, overflowing_the_run_stack_names_the_task);
  ADD_TEST(s, compact_tasks_may_not_hand_out_their_locals);
  ADD_TEST(s, many_compact_sleepers);
  ADD_TEST(s, dump_reads_a_compact_tasks_frames_from_its_copy);
  return s;
}

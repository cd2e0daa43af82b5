/* test_sync.c - locks, events, conditions, semaphores and queues, with
 * their cancellation and timeout edges. */
#include <string.h>

#include "helpers.h"

typedef struct {
  char log[128];
  int len;
} trace;

static void note(trace *tr, char c) { tr->log[tr->len++] = c; }

/* ---- Lock ---------------------------------------------------------------- */

typedef struct {
  ac_lock_t *lock;
  trace *tr;
  char mark;
  int rc;
} locker_arg;

static int locker(void *arg, void **result) {
  (void)result;
  locker_arg *a = arg;
  a->rc = ac_lock_acquire(a->lock);
  if (a->rc) return a->rc;
  note(a->tr, a->mark);
  ac_task_sleep(1);
  note(a->tr, a->mark);
  return ac_lock_release(a->lock);
}

static int lock_fifo_body(void *arg, void **result) {
  (void)arg, (void)result;
  trace tr = {{0}, 0};
  ac_lock_t *l;
  ck_assert_int_eq(ac_lock_create(&l), 0);
  ck_assert_int_eq(ac_lock_acquire(l), 0);
  locker_arg a[3] = {{l, &tr, 'a', 0}, {l, &tr, 'b', 0}, {l, &tr, 'c', 0}};
  ac_task_t *t[3];
  for (int i = 0; i < 3; i++) ac_task_create(&t[i], locker, &a[i]);
  ac_task_sleep(1); /* all three wait now, in order */
  ck_assert_int_eq(ac_lock_release(l), 0);
  /* The lock went to 'a': a task that never waited cannot barge in. */
  ck_assert_int_eq(ac_lock_try_acquire(l), -EAGAIN);
  ck_assert_int_eq(ac_future_gather(t, 3, NULL, NULL, 0), 0);
  ck_assert_str_eq(tr.log, "aabbcc"); /* never two holders at once, FIFO */
  ck_assert_int_eq(ac_lock_is_locked(l), 0);
  ck_assert_int_eq(ac_lock_try_acquire(l), 0);
  ck_assert_int_eq(ac_lock_acquire(l), -EDEADLK);
  ck_assert_int_eq(ac_lock_close(l), -EBUSY);
  ck_assert_int_eq(ac_lock_release(l), 0);
  ck_assert_int_eq(ac_lock_release(l), -EPERM);
  for (int i = 0; i < 3; i++) ac_future_release(t[i]);
  ck_assert_int_eq(ac_lock_close(l), 0);
  return 0;
}
START_TEST(lock_is_fair_and_exclusive) { RUN_OK(lock_fifo_body, NULL); }
END_TEST

static int holder(void *arg, void **result) {
  (void)result;
  ac_lock_t *l = arg;
  ac_lock_acquire(l);
  ac_task_sleep(5000);
  return ac_lock_release(l);
}

static int lock_timeout_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_lock_t *l;
  ac_lock_create(&l);
  ck_assert_int_eq(ac_lock_release(l), -EPERM); /* not held by anyone */
  ac_task_t *h;
  ac_task_create(&h, holder, l);
  ac_task_sleep(1);
  ck_assert_int_eq(ac_lock_release(l), -EPERM); /* held by another task */
  ck_assert_int_eq(ac_lock_acquire_for(l, 10), -ETIMEDOUT);
  ck_assert_int_eq(ac_lock_acquire_for(l, 0), -ETIMEDOUT);
  trace tr = {{0}, 0};
  locker_arg w = {l, &tr, 'w', 0};
  ac_task_t *waiter;
  ac_task_create(&waiter, locker, &w);
  ac_task_sleep(1);
  ac_future_cancel(waiter);
  ck_assert_int_eq(ac_future_await(waiter, NULL), -ECANCELED);
  ac_future_cancel(h); /* the holder releases on its way out */
  ac_future_await(h, NULL);
  ck_assert_msg(!ac_lock_is_locked(l), "a cancelled waiter must not end up holding the lock");
  ck_assert_int_eq(ac_lock_close(l), 0); /* and no waiter is left behind */
  ac_future_release(h);
  ac_future_release(waiter);
  return 0;
}
START_TEST(lock_waiter_timeout_and_cancel_leave_no_trace) {
  RUN_OK(lock_timeout_cancel_body, NULL);
}
END_TEST

static int grab_then_cancelled(void *arg, void **result) {
  (void)result;
  locker_arg *a = arg;
  a->rc = ac_lock_acquire(a->lock);
  if (a->rc == 0) ac_lock_release(a->lock);
  return a->rc;
}

static int handoff_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_lock_t *l;
  ac_lock_create(&l);
  ac_lock_acquire(l);
  trace tr = {{0}, 0};
  locker_arg a = {l, &tr, 'a', 1}, b = {l, &tr, 'b', 1};
  ac_task_t *ta, *tb;
  ac_task_create(&ta, grab_then_cancelled, &a);
  ac_task_create(&tb, locker, &b);
  ac_task_sleep(1);
  ac_future_cancel(ta); /* a is woken by the cancel... */
  ac_lock_release(l);   /* ...in the same step the lock is released: it goes to b */
  ac_future_await(ta, NULL);
  ac_future_await(tb, NULL);
  ck_assert_int_eq(a.rc, -ECANCELED);
  ck_assert_int_eq(b.rc, 0);
  ck_assert_str_eq(tr.log, "bb");
  ck_assert_int_eq(ac_lock_is_locked(l), 0);
  ac_future_release(ta);
  ac_future_release(tb);
  return 0;
}
START_TEST(lock_skips_a_waiter_cancelled_in_the_same_step) { RUN_OK(handoff_cancel_body, NULL); }
END_TEST

/* ---- Event --------------------------------------------------------------- */

typedef struct {
  ac_event_t *ev;
  int rc;
} event_arg;

static int event_waiter(void *arg, void **result) {
  (void)result;
  event_arg *a = arg;
  a->rc = ac_event_wait(a->ev);
  return 0;
}

static int event_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_event_t *ev;
  ck_assert_int_eq(ac_event_create(&ev), 0);
  event_arg a[3] = {{ev, 1}, {ev, 1}, {ev, 1}};
  ac_task_t *t[3];
  for (int i = 0; i < 3; i++) ac_task_create(&t[i], event_waiter, &a[i]);
  ac_task_sleep(1);
  ck_assert_int_eq(ac_event_is_set(ev), 0);
  ck_assert_int_eq(ac_event_close(ev), -EBUSY);
  ac_event_set(ev);
  ac_future_gather(t, 3, NULL, NULL, 0);
  for (int i = 0; i < 3; i++) ck_assert_int_eq(a[i].rc, 0);
  ck_assert_int_eq(ac_event_wait(ev), 0); /* set: no waiting */
  ac_event_clear(ev);
  ck_assert_int_eq(ac_event_wait_for(ev, 10), -ETIMEDOUT);
  for (int i = 0; i < 3; i++) ac_future_release(t[i]);
  ck_assert_int_eq(ac_event_close(ev), 0);
  return 0;
}
START_TEST(event_wakes_every_waiter) { RUN_OK(event_body, NULL); }
END_TEST

/* ---- Condition ----------------------------------------------------------- */

typedef struct {
  ac_lock_t *lock;
  ac_cond_t *cond;
  int ready;
  int woken;
  int held_after;
  int rc;
} cond_state;

static int is_ready(void *arg) { return ((cond_state *)arg)->ready; }

static int cond_waiter(void *arg, void **result) {
  (void)result;
  cond_state *c = arg;
  ac_lock_acquire(c->lock);
  c->rc = ac_cond_wait_until(c->cond, is_ready, c);
  c->held_after = ac_lock_is_locked(c->lock);
  if (c->rc == 0) c->woken++;
  ac_lock_release(c->lock);
  return 0;
}

static int cond_body(void *arg, void **result) {
  (void)arg, (void)result;
  cond_state c = {NULL, NULL, 0, 0, 0, 0};
  ac_lock_create(&c.lock);
  ck_assert_int_eq(ac_cond_create(&c.cond, c.lock), 0);
  ck_assert_int_eq(ac_cond_notify(c.cond, 1), -EPERM); /* lock not held */
  ac_task_t *t[2];
  for (int i = 0; i < 2; i++) ac_task_create(&t[i], cond_waiter, &c);
  ac_task_sleep(1);
  ac_lock_acquire(c.lock);
  ck_assert_int_eq(ac_cond_notify_all(c.cond), 2); /* predicate false: they wait again */
  ac_lock_release(c.lock);
  ac_task_sleep(1);
  ck_assert_int_eq(c.woken, 0);
  ac_lock_acquire(c.lock);
  c.ready = 1;
  ck_assert_int_eq(ac_cond_notify(c.cond, 1), 1);
  ac_lock_release(c.lock);
  ac_task_sleep(1);
  ck_assert_int_eq(c.woken, 1);
  ac_lock_acquire(c.lock);
  ck_assert_int_eq(ac_cond_notify(c.cond, 5), 1);
  ac_lock_release(c.lock);
  ac_future_gather(t, 2, NULL, NULL, 0);
  ck_assert_int_eq(c.woken, 2);
  ck_assert_int_eq(c.held_after, 1);
  for (int i = 0; i < 2; i++) ac_future_release(t[i]);
  ck_assert_int_eq(ac_cond_close(c.cond), 0);
  ck_assert_int_eq(ac_lock_close(c.lock), 0);
  return 0;
}
START_TEST(condition_notify_and_wait_until) { RUN_OK(cond_body, NULL); }
END_TEST

static int cond_cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  cond_state c = {NULL, NULL, 0, 0, 0, 0};
  ac_lock_create(&c.lock);
  ac_cond_create(&c.cond, c.lock);
  ac_task_t *t;
  ac_task_create(&t, cond_waiter, &c);
  ac_task_sleep(1);
  ac_lock_acquire(c.lock); /* hold the lock while the waiter is cancelled */
  ac_future_cancel(t);
  ac_task_sleep(1);
  ck_assert_msg(!ac_future_is_done(t),
                "the cancelled waiter must wait for the lock before returning");
  ac_lock_release(c.lock);
  ac_future_await(t, NULL);
  ck_assert_int_eq(c.rc, -ECANCELED);
  ck_assert_msg(c.held_after, "a cancelled condition wait returns with the lock held");
  ck_assert_int_eq(ac_lock_is_locked(c.lock), 0);
  ac_future_release(t);
  ac_lock_acquire(c.lock);
  ck_assert_int_eq(ac_cond_wait_for(c.cond, 10), -ETIMEDOUT);
  ck_assert_int_eq(ac_lock_is_locked(c.lock), 1);
  ac_lock_release(c.lock);
  ck_assert_int_eq(ac_cond_close(c.cond), 0);
  return 0;
}
START_TEST(cancelled_condition_wait_still_holds_the_lock) { RUN_OK(cond_cancel_body, NULL); }
END_TEST

/* ---- Semaphore ----------------------------------------------------------- */

typedef struct {
  ac_sem_t *sem;
  int *inside, *most;
} sem_arg;

static int limited(void *arg, void **result) {
  (void)result;
  sem_arg *a = arg;
  int rc = ac_sem_acquire(a->sem);
  if (rc) return rc;
  if (++*a->inside > *a->most) *a->most = *a->inside;
  ac_task_sleep(2);
  --*a->inside;
  return ac_sem_release(a->sem);
}

static int sem_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_sem_t *s;
  ck_assert_int_eq(ac_sem_create(&s, SIZE_MAX, 0), -EINVAL);
  ck_assert_int_eq(ac_sem_create(&s, 3, 0), 0);
  int inside = 0, most = 0;
  sem_arg a = {s, &inside, &most};
  ac_task_t *t[10];
  for (int i = 0; i < 10; i++) ac_task_create(&t[i], limited, &a);
  ck_assert_int_eq(ac_future_gather(t, 10, NULL, NULL, 0), 0);
  ck_assert_int_eq(most, 3);
  ck_assert_int_eq(ac_sem_value(s), 3);
  ck_assert_int_eq(ac_sem_release(s), 0); /* unbounded: may go above */
  ck_assert_int_eq(ac_sem_value(s), 4);
  for (int i = 0; i < 10; i++) ac_future_release(t[i]);
  ck_assert_int_eq(ac_sem_close(s), 0);

  ac_sem_t *b;
  ac_sem_create(&b, 1, AC_SEM_BOUNDED);
  ck_assert_int_eq(ac_sem_release(b), -EOVERFLOW);
  ck_assert_int_eq(ac_sem_try_acquire(b), 0);
  ck_assert_int_eq(ac_sem_try_acquire(b), -EAGAIN);
  ck_assert_int_eq(ac_sem_acquire_for(b, 5), -ETIMEDOUT);
  ck_assert_int_eq(ac_sem_release(b), 0);
  ck_assert_int_eq(ac_sem_release(b), -EOVERFLOW);
  return 0;
}
START_TEST(semaphore_limits_and_bounded_refuses_over_release) { RUN_OK(sem_body, NULL); }
END_TEST

/* ---- Queue --------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b) { return P2INT(a) - P2INT(b); }
/* Letters by their capital only: 'a' and 'A' are equal. */
static int cmp_upper(const void *a, const void *b) { return (P2INT(a) & ~32) - (P2INT(b) & ~32); }

static void drain_into(ac_queue_t *q, char *out) {
  void *item;
  int n = 0;
  while (ac_queue_try_get(q, &item) == 0) out[n++] = (char)P2INT(item);
  out[n] = '\0';
}

static int queue_order_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_queue_t *fifo, *lifo, *prio;
  ck_assert_int_eq(ac_queue_create(&fifo, AC_QUEUE_FIFO, 0, NULL), 0);
  ck_assert_int_eq(ac_queue_create(&lifo, AC_QUEUE_LIFO, 0, NULL), 0);
  ck_assert_int_eq(ac_queue_create(&prio, AC_QUEUE_PRIORITY, 0, NULL), -EINVAL);
  ck_assert_int_eq(ac_queue_create(&prio, AC_QUEUE_PRIORITY, 0, cmp_int), 0);
  const char *in = "dbeacfbhgia"; /* 33 items in all: the storage has to grow */
  for (int round = 0; round < 3; round++)
    for (const char *p = in; *p; p++) {
      ac_queue_try_put(fifo, INT2P(*p));
      ac_queue_try_put(lifo, INT2P(*p));
      ac_queue_try_put(prio, INT2P(*p));
    }
  ck_assert_int_eq(ac_queue_size(fifo), 33);
  char out[64];
  drain_into(fifo, out);
  ck_assert_str_eq(out, "dbeacfbhgiadbeacfbhgiadbeacfbhgia");
  drain_into(lifo, out);
  ck_assert_str_eq(out, "aighbfcaebdaighbfcaebdaighbfcaebd");
  drain_into(prio, out);
  ck_assert_str_eq(out, "aaaaaabbbbbbcccdddeeefffggghhhiii");
  /* Equal priorities come out in the order they went in. */
  ac_queue_t *ties;
  ck_assert_int_eq(ac_queue_create(&ties, AC_QUEUE_PRIORITY, 0, cmp_upper), 0);
  for (const char *p = "dAbBaCcD"; *p; p++) ac_queue_try_put(ties, INT2P(*p));
  drain_into(ties, out);
  ck_assert_str_eq(out, "AabBCcdD");
  void *item;
  ck_assert_int_eq(ac_queue_try_get(fifo, &item), -EAGAIN);
  ck_assert_int_eq(ac_queue_is_empty(fifo), 1);
  return 0;
}
START_TEST(queue_kinds_give_items_in_their_order) { RUN_OK(queue_order_body, NULL); }
END_TEST

typedef struct {
  ac_queue_t *q;
  trace *tr;
  int n;
} pc_arg;

static int producer(void *arg, void **result) {
  (void)result;
  pc_arg *a = arg;
  for (int i = 0; i < a->n; i++) {
    int rc = ac_queue_put(a->q, INT2P('0' + i));
    if (rc) return rc;
    note(a->tr, 'P');
  }
  return 0;
}

static int consumer(void *arg, void **result) {
  (void)result;
  pc_arg *a = arg;
  for (;;) {
    void *item;
    int rc = ac_queue_get(a->q, &item);
    if (rc == -ESHUTDOWN) return 0;
    if (rc) return rc;
    note(a->tr, (char)P2INT(item));
    ac_task_sleep(1);
    ac_queue_task_done(a->q);
  }
}

static int backpressure_body(void *arg, void **result) {
  (void)arg, (void)result;
  trace tr = {{0}, 0};
  ac_queue_t *q;
  ac_queue_create(&q, AC_QUEUE_FIFO, 2, NULL);
  pc_arg a = {q, &tr, 6};
  ac_task_t *p, *c;
  ac_task_create(&p, producer, &a);
  ac_task_sleep(0);
  ck_assert_int_eq(ac_queue_is_full(q), 1);
  ck_assert_str_eq(tr.log, "PP"); /* the third put waits: the queue is full */
  ck_assert_int_eq(ac_queue_try_put(q, NULL), -EAGAIN);
  ck_assert_int_eq(ac_queue_put_for(q, NULL, 5), -ETIMEDOUT);
  ac_task_create(&c, consumer, &a);
  ck_assert_int_eq(ac_future_await(p, NULL), 0);
  ck_assert_int_eq(ac_queue_join(q), 0); /* every item consumed and marked done */
  ck_assert_int_eq(ac_queue_size(q), 0);
  int digits = 0;
  for (int i = 0; i < tr.len; i++) digits += tr.log[i] >= '0' && tr.log[i] <= '9';
  ck_assert_int_eq(digits, 6);
  ac_queue_shutdown(q, 0);
  ck_assert_int_eq(ac_future_await(c, NULL), 0); /* the consumer saw -ESHUTDOWN */
  ck_assert_int_eq(ac_queue_task_done(q), -EINVAL);
  ac_future_release(p);
  ac_future_release(c);
  ck_assert_int_eq(ac_queue_close(q), 0);
  return 0;
}
START_TEST(queue_backpressure_and_join) { RUN_OK(backpressure_body, NULL); }
END_TEST

typedef struct {
  ac_queue_t *q;
  void *item;
  int rc;
} getter_arg;

static int getter(void *arg, void **result) {
  (void)result;
  getter_arg *g = arg;
  g->rc = ac_queue_get(g->q, &g->item);
  return 0;
}

static int no_loss_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_queue_t *q;
  ac_queue_create(&q, AC_QUEUE_FIFO, 0, NULL);
  getter_arg a = {q, NULL, 1}, b = {q, NULL, 1};
  ac_task_t *ta, *tb;
  ac_task_create(&ta, getter, &a);
  ac_task_create(&tb, getter, &b);
  ac_task_sleep(1);
  ac_future_cancel(ta);          /* a is cancelled... */
  ac_queue_try_put(q, INT2P(7)); /* ...and in the same step an item arrives */
  ac_future_await(ta, NULL);
  ac_future_await(tb, NULL);
  ck_assert_int_eq(a.rc, -ECANCELED);
  ck_assert_int_eq(b.rc, 0);
  ck_assert_int_eq(P2INT(b.item), 7); /* the item went to b, not lost */

  /* The other order: handed over first, cancelled after. */
  getter_arg c = {q, NULL, 1};
  ac_task_t *tc;
  ac_task_create(&tc, getter, &c);
  ac_task_sleep(1);
  ac_queue_try_put(q, INT2P(8));
  ac_future_cancel(tc);
  ac_future_await(tc, NULL);
  ck_assert_int_eq(c.rc, 0);
  ck_assert_int_eq(P2INT(c.item), 8); /* it keeps the item; the cancel comes later */
  ck_assert_int_eq(ac_queue_size(q), 0);
  ac_future_release(ta);
  ac_future_release(tb);
  ac_future_release(tc);
  return 0;
}
START_TEST(queue_item_is_never_lost_to_a_cancelled_getter) { RUN_OK(no_loss_body, NULL); }
END_TEST

static int shutdown_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_queue_t *q;
  ac_queue_create(&q, AC_QUEUE_FIFO, 0, NULL);
  getter_arg g = {q, NULL, 1};
  ac_task_t *t;
  ac_task_create(&t, getter, &g);
  ac_task_sleep(1);
  ac_queue_shutdown(q, 0);
  ac_future_await(t, NULL);
  ck_assert_int_eq(g.rc, -ESHUTDOWN);
  ck_assert_int_eq(ac_queue_try_put(q, NULL), -ESHUTDOWN);
  ac_future_release(t);

  ac_queue_t *r;
  ac_queue_create(&r, AC_QUEUE_FIFO, 0, NULL);
  ac_queue_try_put(r, INT2P(1));
  ac_queue_try_put(r, INT2P(2));
  ac_queue_shutdown(r, 0); /* not immediate: what is left can still be taken */
  void *item;
  ck_assert_int_eq(ac_queue_try_get(r, &item), 0);
  ck_assert_int_eq(P2INT(item), 1);
  ac_queue_shutdown(
      r, AC_QUEUE_SHUTDOWN_IMMEDIATE); /* immediate: the rest is dropped and counts as done */
  ck_assert_int_eq(ac_queue_try_get(r, &item), -ESHUTDOWN);
  ac_queue_task_done(r);
  ck_assert_int_eq(ac_queue_join(r), 0);
  return 0;
}
START_TEST(queue_shutdown_wakes_waiters_and_drains) { RUN_OK(shutdown_body, NULL); }
END_TEST

/* A task that finishes holding a lock leaves it broken: not owned by the
 * task that reuses its structure, and no waiter waits forever. */
static int takes_lock_and_returns(void *arg, void **result) {
  (void)result;
  return ac_lock_acquire(arg);
}

typedef struct {
  ac_lock_t *lock;
  int acquire, release;
} lock_user;

static int uses_lock(void *arg, void **result) {
  (void)result;
  lock_user *u = arg;
  u->acquire = ac_lock_acquire(u->lock);
  u->release = ac_lock_release(u->lock);
  return 0;
}

static int lock_left_held_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_lock_t *lock;
  ac_lock_create(&lock);
  ac_task_t *holder, *waiter, *next;
  ac_task_create(&holder, takes_lock_and_returns, lock);
  lock_user w = {lock, 1, 1};
  ac_task_create(&waiter, uses_lock, &w); /* queued behind the holder */
  ck_assert_int_eq(ac_future_await(holder, NULL), 0);
  ck_assert_int_eq(ac_future_await(waiter, NULL), 0);
  ck_assert_int_eq(w.acquire, -EOWNERDEAD);
  ck_assert_int_eq(w.release, -EPERM);
  uintptr_t old = (uintptr_t)holder;
  ac_future_release(holder);

  lock_user u = {lock, 1, 1};
  ac_task_create(&next, uses_lock, &u);
  ck_assert_msg((uintptr_t)next == old, "the test needs the next task to reuse the structure");
  ck_assert_int_eq(ac_future_await(next, NULL), 0);
  ck_assert_int_eq(u.acquire, -EOWNERDEAD); /* not -EDEADLK: it is not the holder */
  ck_assert_int_eq(u.release, -EPERM);
  ck_assert_int_eq(ac_lock_try_acquire(lock), -EOWNERDEAD);
  ck_assert_int_eq(ac_lock_is_locked(lock), 1);
  ck_assert_int_eq(ac_lock_close(lock), 0);
  ac_future_release(waiter);
  ac_future_release(next);
  return 0;
}
START_TEST(lock_left_held_by_a_finished_task_is_broken_not_passed_on) {
  RUN_OK(lock_left_held_body, NULL);
}
END_TEST

static int sync_misuse_body(void *arg, void **result) {
  (void)arg, (void)result;
  ck_assert_int_eq(ac_lock_create(NULL), -EINVAL);
  ck_assert_int_eq(ac_lock_acquire(NULL), -EINVAL);
  ck_assert_int_eq(ac_event_wait_for(NULL, 1), -EINVAL);
  ck_assert_int_eq(ac_cond_create(NULL, NULL), -EINVAL);
  ck_assert_int_eq(ac_queue_create(NULL, 9, 0, NULL), -EINVAL);
  ac_queue_t *q;
  ck_assert_int_eq(ac_queue_create(&q, AC_QUEUE_FIFO, -1, NULL), -EINVAL);
  ac_queue_create(&q, AC_QUEUE_FIFO, 0, NULL);
  ck_assert_int_eq(ac_queue_get(q, NULL), -EINVAL);
  void *item;
  ck_assert_int_eq(ac_queue_get_for(q, &item, -7), -EINVAL);
  return 0; /* q is freed with the loop */
}
START_TEST(sync_misuse_is_reported) { RUN_OK(sync_misuse_body, NULL); }
END_TEST

static void put_from_callback(void *arg) { *(int *)arg = ac_queue_try_put(NULL, NULL); }
static int callback_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_lock_t *l;
  ac_lock_create(&l);
  int rc = 0;
  ac_loop_call_soon(put_from_callback, &rc, NULL);
  ac_task_sleep(0);
  ck_assert_int_eq(rc, -EINVAL);
  return 0; /* l is freed with the loop: nothing leaks */
}
START_TEST(leftover_objects_are_freed_with_the_loop) { RUN_OK(callback_body, NULL); }
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("sync");
  ADD_TEST(s, lock_is_fair_and_exclusive);
  ADD_TEST(s, lock_waiter_timeout_and_cancel_leave_no_trace);
  ADD_TEST(s, lock_skips_a_waiter_cancelled_in_the_same_step);
  ADD_TEST(s, event_wakes_every_waiter);
  ADD_TEST(s, condition_notify_and_wait_until);
  ADD_TEST(s, cancelled_condition_wait_still_holds_the_lock);
  ADD_TEST(s, semaphore_limits_and_bounded_refuses_over_release);
  ADD_TEST(s, queue_kinds_give_items_in_their_order);
  ADD_TEST(s, queue_backpressure_and_join);
  ADD_TEST(s, queue_item_is_never_lost_to_a_cancelled_getter);
  ADD_TEST(s, queue_shutdown_wakes_waiters_and_drains);
  ADD_TEST(s, lock_left_held_by_a_finished_task_is_broken_not_passed_on);
  ADD_TEST(s, sync_misuse_is_reported);
  ADD_TEST(s, leftover_objects_are_freed_with_the_loop);
  return s;
}

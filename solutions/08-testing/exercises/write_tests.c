/* write_tests.c - chapter 08, exercise 3: the reference tests of the batcher.
 *
 * Each test runs its body as the main task (grade_run) under virtual time,
 * with a fake flush that records every batch (its items and the virtual
 * instant it began) and takes flush_ms to finish, as a network would. The
 * tests check order over timing: which items went out together, in which
 * order, and at exactly which instant; the instants are exact because the
 * virtual clock only moves when every task waits.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "batcher.h"
#include "grade.h"
#include "grade_ac.h"
#include "write_tests.h"

#define MAX_BATCHES 32
#define MAX_ITEMS 64

typedef struct {
  int64_t flush_ms; /* how long each flush takes */
  int fail_with;    /* what every flush returns */
  int batches;
  size_t size[MAX_BATCHES];
  int64_t at[MAX_BATCHES];   /* when each flush began, from the start */
  intptr_t items[MAX_ITEMS]; /* every item flushed, in the order flushed */
  int nitems;
  int64_t start;
} record_t;

static int fake_flush(void *ctx, void *const *items, size_t n)
{
  record_t *r = ctx;
  if (r->batches < MAX_BATCHES) {
    r->size[r->batches] = n;
    r->at[r->batches] = ac_loop_time() - r->start;
  }
  r->batches++;
  for (size_t i = 0; i < n && r->nitems < MAX_ITEMS; i++)
    r->items[r->nitems++] = (intptr_t)items[i];
  int rc = r->flush_ms ? ac_task_sleep(r->flush_ms) : 0;
  return rc ? rc : r->fail_with;
}

static batcher_t *start(record_t *r, size_t max_items, int64_t max_delay_ms)
{
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  r->start = ac_loop_time();
  batcher_t *b = NULL;
  int rc = batcher_create(&b, max_items, max_delay_ms, fake_flush, r);
  ck_assert_msg(rc == 0, "batcher_create() returned %d (%s)", rc, ac_error_message(rc));
  return b;
}

static int64_t now(const record_t *r)
{
  return ac_loop_time() - r->start;
}

static void add(batcher_t *b, intptr_t item)
{
  int rc = batcher_add(b, (void *)item);
  ck_assert_msg(rc == 0, "batcher_add(%ld) returned %d (%s)", (long)item, rc, ac_error_message(rc));
}

static void expect_batch(const record_t *r, int k, size_t size, int64_t at)
{
  ck_assert_msg(r->batches > k, "expected a batch %d, there were %d batches", k + 1, r->batches);
  ck_assert_msg(r->size[k] == size, "expected batch %d to have %zu items, it had %zu", k + 1, size,
                r->size[k]);
  ck_assert_msg(r->at[k] == at, "expected batch %d to go out at %lld ms, it went at %lld ms", k + 1,
                (long long)at, (long long)r->at[k]);
}

static void expect_items_in_order(const record_t *r, int n)
{
  ck_assert_msg(r->nitems == n, "expected %d items flushed, %d were", n, r->nitems);
  for (int i = 0; i < n; i++)
    ck_assert_msg(r->items[i] == i + 1, "expected item %d to be flushed %d-th, item %ld was", i + 1,
                  i + 1, (long)r->items[i]);
}

/* A batch goes out the moment its last place is filled, and not before. */
static int full_body(void *arg, void **result)
{
  (void)arg, (void)result;
  record_t r = {0};
  batcher_t *b = start(&r, 4, 1000);
  for (intptr_t i = 1; i <= 8; i++) { /* one a millisecond: the flusher sees each */
    add(b, i);
    ck_assert_int_eq(ac_task_sleep(1), 0);
  }
  expect_batch(&r, 0, 4, 3); /* items 1..4, at 0..3 ms */
  expect_batch(&r, 1, 4, 7);
  ck_assert_int_eq(batcher_close(b), 0);
  ck_assert_int_eq(r.batches, 2);
  expect_items_in_order(&r, 8);
  return 0;
}

START_TEST(a_full_batch_goes_out_at_once)
{
  grade_run(full_body, NULL);
}
END_TEST

/* A batch that does not fill goes out max_delay_ms after its first item,
 * even while items keep coming. */
static int deadline_body(void *arg, void **result)
{
  (void)arg, (void)result;
  record_t r = {0};
  batcher_t *b = start(&r, 10, 100);
  for (intptr_t i = 1; i <= 7; i++) { /* one every 30 ms: 0, 30, ..., 180 */
    add(b, i);
    ck_assert_int_eq(ac_task_sleep(30), 0);
  }
  ck_assert_int_eq(ac_task_sleep(40), 0); /* to 250 ms */
  expect_batch(&r, 0, 4, 100);            /* items at 0, 30, 60, 90 */
  expect_batch(&r, 1, 3, 220);            /* items at 120, 150, 180: due 100 ms after 120 */
  ck_assert_int_eq(batcher_close(b), 0);
  expect_items_in_order(&r, 7);
  return 0;
}

START_TEST(a_partial_batch_goes_out_at_its_deadline)
{
  grade_run(deadline_body, NULL);
}
END_TEST

/* Items added while a slow flush is under way go in the next batch; an
 * adder that finds that batch full waits for it to go out. */
static int during_flush_body(void *arg, void **result)
{
  (void)arg, (void)result;
  record_t r = {.flush_ms = 50};
  batcher_t *b = start(&r, 3, 100);
  add(b, 1);
  add(b, 2);
  ck_assert_int_eq(ac_task_sleep(120), 0); /* [1, 2] went out at 100; its flush ends at 150 */
  add(b, 3);
  add(b, 4);
  ck_assert_int_eq(ac_task_sleep(10), 0);
  add(b, 5); /* [3, 4, 5] is full, and waits for the flush */
  add(b, 6); /* waits for room: until 150 */
  ck_assert_int_eq(now(&r), 150);
  ck_assert_int_eq(batcher_close(b), 0);
  expect_items_in_order(&r, 6);
  expect_batch(&r, 0, 2, 100);
  expect_batch(&r, 1, 3, 150);
  expect_batch(&r, 2, 1, 200);
  return 0;
}

START_TEST(items_added_during_a_flush_wait_for_the_next)
{
  grade_run(during_flush_body, NULL);
}
END_TEST

/* Close hands on what is left, at once. */
static int close_body(void *arg, void **result)
{
  (void)arg, (void)result;
  record_t r = {0};
  batcher_t *b = start(&r, 10, 1000);
  add(b, 1);
  add(b, 2);
  ck_assert_int_eq(ac_task_sleep(20), 0);
  ck_assert_int_eq(batcher_close(b), 0);
  expect_batch(&r, 0, 2, 20);
  ck_assert_int_eq(r.batches, 1);
  ck_assert_int_eq(now(&r), 20);
  expect_items_in_order(&r, 2);
  return 0;
}

START_TEST(close_hands_on_what_is_left)
{
  grade_run(close_body, NULL);
}
END_TEST

/* A batcher with nothing in it flushes nothing. */
static int empty_body(void *arg, void **result)
{
  (void)arg, (void)result;
  record_t r = {0};
  batcher_t *b = start(&r, 2, 100);
  add(b, 1);
  add(b, 2); /* a full batch, flushed */
  ck_assert_int_eq(ac_task_sleep(500), 0);
  ck_assert_int_eq(batcher_close(b), 0);
  ck_assert_msg(r.batches == 1, "expected one batch, there were %d (an empty one?)", r.batches);
  record_t e = {0};
  b = start(&e, 2, 100);
  ck_assert_int_eq(batcher_close(b), 0);
  ck_assert_msg(e.batches == 0,
                "expected a batcher given nothing to flush nothing, it flushed %d batches",
                e.batches);
  return 0;
}

START_TEST(nothing_left_means_no_flush)
{
  grade_run(empty_body, NULL);
}
END_TEST

/* Close reports a flush that failed. */
static int error_body(void *arg, void **result)
{
  (void)arg, (void)result;
  record_t r = {.fail_with = -EIO};
  batcher_t *b = start(&r, 2, 100);
  for (intptr_t i = 1; i <= 5; i++)
    add(b, i);
  int rc = batcher_close(b);
  ck_assert_msg(rc == -EIO,
                "expected batcher_close() to return the flush's -EIO, it returned %d (%s)", rc,
                ac_error_message(rc));
  expect_items_in_order(&r, 5); /* a failed flush does not stop the rest */
  return 0;
}

START_TEST(close_reports_a_failed_flush)
{
  grade_run(error_body, NULL);
}
END_TEST

/* Two producers at once, under many schedules: every item once, each
 * producer's items in its own order. */
static record_t explored;

static int producer(void *arg, void **result)
{
  (void)result;
  intptr_t *p = arg;
  batcher_t *b = (batcher_t *)p[0];
  for (intptr_t i = 0; i < 10; i++) {
    if (batcher_add(b, (void *)(p[1] + i)))
      return -EIO;
    ac_task_sleep(p[2]); /* a producer's own pace: items come during flushes */
  }
  return 0;
}

static int two_producers(void *arg, void **result)
{
  (void)arg, (void)result;
  memset(&explored, 0, sizeof explored);
  explored.flush_ms = 3;
  ac_loop_set_clock(AC_CLOCK_VIRTUAL);
  batcher_t *b;
  if (batcher_create(&b, 5, 4, fake_flush, &explored))
    return -ENOMEM;
  intptr_t a[3] = {(intptr_t)b, 100, 2}, c[3] = {(intptr_t)b, 200, 3};
  ac_task_t *pa, *pc;
  ac_task_create(&pa, producer, a);
  ac_task_create(&pc, producer, c);
  int rc = ac_future_await(pa, NULL);
  int rc2 = ac_future_await(pc, NULL);
  ac_future_release(pa);
  ac_future_release(pc);
  int closed = batcher_close(b);
  if (rc || rc2 || closed)
    return -EIO;
  if (explored.nitems != 20)
    return -EPROTO;
  intptr_t next[2] = {100, 200};
  for (int i = 0; i < 20; i++) {
    intptr_t item = explored.items[i];
    int who = item >= 200;
    if (item != next[who]++)
      return -EPROTO; /* lost, repeated or out of its producer's order */
  }
  return 0;
}

START_TEST(two_producers_under_many_schedules)
{
  uint64_t failing = 0;
  int rc = ac_loop_explore(two_producers, NULL, 50, &failing);
  ck_assert_msg(rc == 0,
                "under schedule seed %llu, two producers' items were not all flushed once, in "
                "order (%s)",
                (unsigned long long)failing, ac_error_message(rc));
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, a_full_batch_goes_out_at_once);
  GRADE_ADD(s, a_partial_batch_goes_out_at_its_deadline);
  GRADE_ADD(s, items_added_during_a_flush_wait_for_the_next);
  GRADE_ADD(s, close_hands_on_what_is_left);
  GRADE_ADD(s, nothing_left_means_no_flush);
  GRADE_ADD(s, close_reports_a_failed_flush);
  GRADE_ADD(s, two_producers_under_many_schedules);
}

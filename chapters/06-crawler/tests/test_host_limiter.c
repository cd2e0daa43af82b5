/* test_host_limiter.c - tests of chapter 06, exercise 2: a limiter of
 * requests in flight, in all and per host.
 *
 * Every test runs as the main task of ac_loop_run(). Its "requests" are
 * tasks that acquire a place for a host, hold it for a while (sleeping,
 * as a request waits for its answer), and release it; the test records
 * how many held a place at once, in all and per host, and when each got
 * in. The crawler's tests check the same limits at real servers.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "host_limiter.h"

#define MAX_USERS 32
#define WATCHDOG_MS 3000

typedef struct {
  host_limiter_t *limiter;
  const char *host;
  int64_t delay_ms; /* before it asks */
  int64_t hold_ms;  /* how long it holds the place */
  int rc;
  double asked, got, left; /* ms from the start */
  int order;               /* 1 + how many got in before it */
} user_t;

typedef struct {
  user_t users[MAX_USERS];
  int n;
  int in_all, max_all;
  int in_host[4], max_host[4]; /* hosts "h0".."h3" */
  int entered;
  double start;
} world_t;

static world_t world;

static int host_index(const char *host)
{
  return host[1] - '0';
}

static int user_main(void *arg, void **result)
{
  user_t *u = arg;
  (void)result;
  if (u->delay_ms > 0)
    ac_task_sleep(u->delay_ms);
  u->asked = ac_loop_time_precise() - world.start;
  u->rc = host_limiter_acquire(u->limiter, u->host);
  if (u->rc < 0)
    return 0;
  u->got = ac_loop_time_precise() - world.start;
  u->order = ++world.entered;
  int h = host_index(u->host);
  if (++world.in_all > world.max_all)
    world.max_all = world.in_all;
  if (++world.in_host[h] > world.max_host[h])
    world.max_host[h] = world.in_host[h];
  ac_task_sleep(u->hold_ms);
  world.in_all--;
  world.in_host[h]--;
  u->left = ac_loop_time_precise() - world.start;
  ck_assert_int_eq(host_limiter_release(u->limiter, u->host), 0);
  return 0;
}

typedef struct {
  size_t global, per_host;
  int cancel_user;      /* >= 0: cancel this user ... */
  int64_t cancel_at_ms; /* ... at this time */
  int hung;
  ssize_t hosts_at_end;
  int close_rc;
} setup_t;

/* Start every user of the world with a limiter made for @s; wait for them. */
static int world_main(void *arg, void **result)
{
  setup_t *s = arg;
  host_limiter_t *l;
  ac_task_t *tasks[MAX_USERS];
  (void)result;
  ck_assert_int_eq(host_limiter_create(&l, s->global, s->per_host), 0);
  world.start = ac_loop_time_precise();
  for (int i = 0; i < world.n; i++) {
    world.users[i].limiter = l;
    ck_assert_int_eq(ac_task_create(&tasks[i], user_main, &world.users[i]), 0);
  }
  if (s->cancel_user >= 0) {
    ac_task_sleep(s->cancel_at_ms);
    ac_future_cancel(tasks[s->cancel_user]);
  }
  int done = ac_future_wait_for((ac_future_t *const *)tasks, (size_t)world.n, AC_WAIT_ALL_COMPLETED,
                                WATCHDOG_MS);
  s->hung = done < world.n;
  for (int i = 0; i < world.n; i++) {
    if (s->hung)
      ac_future_cancel(tasks[i]);
    ac_future_release(tasks[i]);
  }
  if (!s->hung) {
    s->hosts_at_end = host_limiter_hosts(l);
    s->close_rc = host_limiter_close(l);
  }
  return 0;
}

static void add_user(const char *host, int64_t delay_ms, int64_t hold_ms)
{
  world.users[world.n++] = (user_t){.host = host, .delay_ms = delay_ms, .hold_ms = hold_ms};
}

static void run_world(setup_t *s)
{
  grade_run(world_main, s);
  ck_assert_msg(!s->hung,
                "expected every task to get its place and finish, some had not after %d ms (is a "
                "released place given to the next waiter?)",
                WATCHDOG_MS);
  for (int i = 0; i < world.n; i++)
    ck_assert_msg(world.users[i].rc == 0 || i == s->cancel_user,
                  "expected host_limiter_acquire() to return 0, task %d got %d (%s)", i,
                  world.users[i].rc, ac_error_message(world.users[i].rc));
}

/* ---- the tests ----------------------------------------------------------- */

static int bad_main(void *arg, void **result)
{
  int *rc = arg;
  host_limiter_t *l = NULL;
  (void)result;
  rc[0] = host_limiter_create(NULL, 2, 2);
  rc[1] = host_limiter_create(&l, 0, 2);
  rc[2] = host_limiter_create(&l, 2, 0);
  ck_assert_int_eq(host_limiter_create(&l, 2, 1), 0);
  rc[3] = host_limiter_acquire(NULL, "h0");
  rc[4] = host_limiter_acquire(l, NULL);
  rc[5] = host_limiter_release(l, "h0"); /* never acquired */
  ck_assert_int_eq(host_limiter_acquire(l, "h0"), 0);
  rc[6] = host_limiter_release(l, "h1"); /* another host */
  rc[7] = host_limiter_release(NULL, "h0");
  rc[8] = (int)host_limiter_hosts(NULL);
  ck_assert_int_eq(host_limiter_release(l, "h0"), 0);
  rc[9] = host_limiter_release(l, "h0"); /* once too often */
  rc[10] = host_limiter_close(l);
  rc[11] = host_limiter_close(NULL);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *what[] = {"create with a NULL out",
                               "a global limit of 0",
                               "a per-host limit of 0",
                               "acquire on NULL",
                               "acquire for a NULL host",
                               "a release never acquired",
                               "a release for another host",
                               "a release on NULL",
                               "hosts of NULL",
                               "one release too many"};
  int rc[12];
  grade_run(bad_main, rc);
  for (int i = 0; i < 10; i++)
    ck_assert_msg(rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], rc[i],
                  ac_error_message(rc[i]));
  ck_assert_msg(rc[10] == 0 && rc[11] == 0,
                "expected close to return 0 (and 0 for NULL), got %d and %d", rc[10], rc[11]);
}
END_TEST

START_TEST(per_host_limit_holds)
{
  setup_t s = {.global = 10, .per_host = 2, .cancel_user = -1};
  world = (world_t){0};
  for (int i = 0; i < 6; i++)
    add_user("h0", 0, 100);
  run_world(&s);
  ck_assert_msg(world.max_host[0] <= 2,
                "expected at most 2 holders for one host, there were %d at once",
                world.max_host[0]);
  ck_assert_msg(world.max_host[0] == 2,
                "expected 2 holders at once (per-host limit 2), there were never more "
                "than %d",
                world.max_host[0]);
  double end = 0;
  for (int i = 0; i < world.n; i++)
    end = world.users[i].left > end ? world.users[i].left : end;
  ck_assert_msg(end >= 0.9 * 300 && end < 700,
                "expected six 100 ms holds two at a time to take about 300 ms, "
                "they took %.0f ms",
                end);
}
END_TEST

START_TEST(global_limit_holds)
{
  static const char *hosts[] = {"h0", "h1", "h2"};
  setup_t s = {.global = 4, .per_host = 3, .cancel_user = -1};
  world = (world_t){0};
  for (int i = 0; i < 12; i++)
    add_user(hosts[i % 3], 0, 60);
  run_world(&s);
  ck_assert_msg(world.max_all <= 4,
                "expected at most 4 holders in all (global limit 4), there were %d at once",
                world.max_all);
  ck_assert_msg(world.max_all == 4, "expected 4 holders at once, there were never more than %d",
                world.max_all);
  for (int h = 0; h < 3; h++)
    ck_assert_msg(world.max_host[h] <= 3, "expected at most 3 holders for h%d, there were %d", h,
                  world.max_host[h]);
}
END_TEST

START_TEST(busy_host_does_not_block_others)
{
  /* Six requests for h0 (two get in, four wait for h0), then one for h1:
   * two global places are free, and h1 must get one at once. */
  setup_t s = {.global = 4, .per_host = 2, .cancel_user = -1};
  world = (world_t){0};
  for (int i = 0; i < 6; i++)
    add_user("h0", 0, 300);
  add_user("h1", 30, 50);
  run_world(&s);
  user_t *late = &world.users[6];
  ck_assert_msg(late->got - late->asked < 100,
                "expected the request for another host to get in at once (2 of 4 global places "
                "were free), it "
                "waited %.0f ms (do tasks waiting for a busy host hold a global place?)",
                late->got - late->asked);
  ck_assert_msg(world.max_host[0] <= 2 && world.max_all <= 4,
                "expected the limits kept (h0: %d of 2, all: %d "
                "of 4)",
                world.max_host[0], world.max_all);
}
END_TEST

START_TEST(waiters_served_in_arrival_order)
{
  setup_t s = {.global = 8, .per_host = 1, .cancel_user = -1};
  world = (world_t){0};
  for (int i = 0; i < 6; i++)
    add_user("h0", 10 * i, 40); /* arrive 10 ms apart, each holds 40 */
  run_world(&s);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(world.users[i].order == i + 1,
                  "expected the waiters for one host let in in the order they "
                  "came: the one that came %d%s got in %d%s",
                  i + 1, i ? "th" : "st", world.users[i].order,
                  world.users[i].order == 1 ? "st" : "th");
}
END_TEST

START_TEST(cancelled_waiter_holds_nothing)
{
  /* One holder of h0; waiter 1 for h0 is cancelled; waiter 2 must get in
   * when the holder leaves. Then a waiter cancelled while it waits for a
   * global place (its host place already taken) must give that back. */
  setup_t s = {.global = 2, .per_host = 1, .cancel_user = 1, .cancel_at_ms = 50};
  world = (world_t){0};
  add_user("h0", 0, 150); /* 0: holds h0 */
  add_user("h0", 10, 50); /* 1: waits for h0; cancelled at 50 */
  add_user("h0", 20, 50); /* 2: waits for h0; gets it at 150 */
  run_world(&s);
  ck_assert_msg(world.users[1].rc == -ECANCELED,
                "expected -ECANCELED for the cancelled waiter, got %d (%s)", world.users[1].rc,
                ac_error_message(world.users[1].rc));
  ck_assert_msg(world.users[2].rc == 0 && world.users[2].got < 300,
                "expected the next waiter to get the place when the holder left (at 150 ms), it "
                "got it at %.0f "
                "ms",
                world.users[2].got);
  ck_assert_msg(s.hosts_at_end == 0 && s.close_rc == 0,
                "expected nothing held at the end (hosts %zd, close %d)", s.hosts_at_end,
                s.close_rc);

  /* Global places all taken (two for h1 until 200 ms, one for h0 until
   * 400); a waiter for h0 takes h0's second place and waits for a global
   * one; it is cancelled. A later request for h0 must find that place
   * free and get in at 200 ms, when h1 gives a global place back, not at
   * 400 when h0's holder leaves. */
  setup_t s2 = {.global = 3, .per_host = 2, .cancel_user = 3, .cancel_at_ms = 50};
  world = (world_t){0};
  add_user("h1", 0, 200);
  add_user("h1", 0, 200);
  add_user("h0", 0, 400);
  add_user("h0", 10, 50);  /* 3: h0's second place, then waits for a global one; cancelled at 50 */
  add_user("h0", 100, 50); /* 4: needs that place */
  run_world(&s2);
  ck_assert_msg(world.users[3].rc == -ECANCELED,
                "expected -ECANCELED for the waiter cancelled while it waited "
                "for a global place, got %d (%s)",
                world.users[3].rc, ac_error_message(world.users[3].rc));
  ck_assert_msg(world.users[4].rc == 0 && world.users[4].got < 300,
                "expected a later request for the same host "
                "to get in when a global place freed (200 ms), it got in at %.0f ms (did the "
                "cancelled waiter "
                "keep the host's place?)",
                world.users[4].got);
  ck_assert_msg(s2.hosts_at_end == 0 && s2.close_rc == 0,
                "expected nothing held at the end (hosts %zd, close %d)", s2.hosts_at_end,
                s2.close_rc);
}
END_TEST

static int forget_main(void *arg, void **result)
{
  ssize_t *seen = arg;
  host_limiter_t *l;
  char host[32];
  (void)result;
  ck_assert_int_eq(host_limiter_create(&l, 4, 1), 0);
  seen[0] = 0;
  for (int i = 0; i < 500; i++) {
    snprintf(host, sizeof host, "10.0.%d.%d:80", i / 250, i % 250);
    ck_assert_int_eq(host_limiter_acquire(l, host), 0);
    ssize_t n = host_limiter_hosts(l);
    seen[0] = n > seen[0] ? n : seen[0];
    ck_assert_int_eq(host_limiter_release(l, host), 0);
  }
  seen[1] = host_limiter_hosts(l);
  ck_assert_int_eq(host_limiter_acquire(l, "a:1"), 0);
  ck_assert_int_eq(host_limiter_acquire(l, "b:1"), 0);
  seen[2] = host_limiter_hosts(l);
  host_limiter_release(l, "a:1");
  host_limiter_release(l, "b:1");
  seen[3] = host_limiter_close(l);
  return 0;
}

START_TEST(idle_hosts_are_forgotten)
{
  ssize_t seen[4];
  grade_run(forget_main, seen);
  ck_assert_msg(seen[2] == 2,
                "expected host_limiter_hosts() to count 2 hosts while two are held, it said %zd",
                seen[2]);
  ck_assert_msg(seen[0] == 1 && seen[1] == 0,
                "expected each host forgotten once released: 500 hosts one after "
                "the other kept up to %zd, and %zd after the last",
                seen[0], seen[1]);
  ck_assert_msg(seen[3] == 0, "expected close to succeed, got %zd", seen[3]);
}
END_TEST

static int close_main(void *arg, void **result)
{
  int *rc = arg;
  host_limiter_t *l;
  (void)result;
  world = (world_t){0};
  world.start = ac_loop_time_precise();
  ck_assert_int_eq(host_limiter_create(&l, 1, 1), 0);
  ck_assert_int_eq(host_limiter_acquire(l, "h0"), 0);
  rc[0] = host_limiter_close(l); /* held */
  user_t waiter = {.limiter = l, .host = "h1", .hold_ms = 1};
  ac_task_t *t;
  ck_assert_int_eq(ac_task_create(&t, user_main, &waiter), 0);
  ac_task_sleep(20);
  ck_assert_int_eq(host_limiter_release(l, "h0"), 0);
  rc[1] = host_limiter_close(l); /* the waiter is let in but has not run */
  ac_future_await(t, NULL);
  ac_future_release(t);
  rc[2] = host_limiter_close(l);
  return 0;
}

START_TEST(close_refuses_while_in_use)
{
  int rc[3];
  grade_run(close_main, rc);
  ck_assert_msg(rc[0] == -EBUSY, "expected -EBUSY from close while a place is held, got %d (%s)",
                rc[0], ac_error_message(rc[0]));
  ck_assert_msg(rc[1] == -EBUSY,
                "expected -EBUSY from close while a task is let in but has not run yet, got %d "
                "(%s)",
                rc[1], ac_error_message(rc[1]));
  ck_assert_msg(rc[2] == 0, "expected close to succeed once nobody holds or waits, got %d (%s)",
                rc[2], ac_error_message(rc[2]));
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, per_host_limit_holds);
  GRADE_ADD(s, global_limit_holds);
  GRADE_ADD(s, busy_host_does_not_block_others);
  GRADE_ADD(s, waiters_served_in_arrival_order);
  GRADE_ADD(s, cancelled_waiter_holds_nothing);
  GRADE_ADD(s, idle_hosts_are_forgotten);
  GRADE_ADD(s, close_refuses_while_in_use);
}

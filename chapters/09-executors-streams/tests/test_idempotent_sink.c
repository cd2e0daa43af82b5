/* test_idempotent_sink.c - chapter 09: the sink against a real
 * redis-server started by each test: once per entry, under concurrent
 * duplicates, across processes, after a failed write, and behind the
 * consumer when a crash makes it deliver entries twice. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "grade.h"
#include "idempotent_sink.h"
#include "stream_tests.h"

static const sink_keys_t keys = {"balances", "applied"};

static long long balance(ac_redis_t *r, const char *account)
{
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(r, &reply, "HGET balances %s", account);
  ck_assert_msg(rc == 0, "HGET balances: %d (%s)", rc, ac_error_message(rc));
  long long v = reply->type == AC_REDIS_REPLY_STRING ? atoll(reply->str) : 0;
  ac_redis_reply_release(reply);
  return v;
}

#define SINK_TEST(name, body)    \
  START_TEST(name)               \
  {                              \
    redis_server_start(&server); \
    grade_run(body, NULL);       \
    redis_server_stop(&server);  \
  }                              \
  END_TEST

/* ---- the tests ----------------------------------------------------------- */

static int applies_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  int rc = sink_apply(r, &keys, "1-0", "alice", 5);
  ck_assert_msg(rc == 1, "the first apply of an entry returned %d (%s), expected 1", rc,
                ac_error_message(rc));
  ck_assert_int_eq(balance(r, "alice"), 5);
  ck_assert_int_eq(sink_apply(r, &keys, "2-0", "alice", -2), 1);
  ck_assert_int_eq(sink_apply(r, &keys, "3-0", "bob", 7), 1);
  ck_assert_int_eq(balance(r, "alice"), 3);
  ck_assert_int_eq(balance(r, "bob"), 7);
  ac_redis_close(r);
  return 0;
}
SINK_TEST(applies_the_amount, applies_body)

static int again_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  ck_assert_int_eq(sink_apply(r, &keys, "1-0", "alice", 5), 1);
  for (int i = 0; i < 3; i++) {
    int rc = sink_apply(r, &keys, "1-0", "alice", 5);
    ck_assert_msg(rc == 0, "applying an entry again returned %d, expected 0", rc);
  }
  ck_assert_msg(balance(r, "alice") == 5, "an entry applied four times added %lld, not 5",
                balance(r, "alice"));
  ac_redis_close(r);
  return 0;
}
SINK_TEST(a_second_apply_changes_nothing, again_body)

enum { DUPLICATES = 50 };

typedef struct {
  ac_redis_t *shared; /* NULL: a connection of its own */
  int rc;
} duplicate_t;

static int apply_duplicate(void *arg, void **result)
{
  duplicate_t *d = arg;
  (void)result;
  ac_redis_t *own = d->shared == NULL ? stream_connect() : NULL;
  d->rc = sink_apply(d->shared != NULL ? d->shared : own, &keys, "7-0", "carol", 10);
  if (own != NULL) {
    ac_redis_close(own);
  }
  return 0;
}

static int concurrent_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  static duplicate_t d[2 * DUPLICATES];
  ac_task_t *t[2 * DUPLICATES];
  for (int i = 0; i < 2 * DUPLICATES; i++) {
    d[i] = (duplicate_t){i < DUPLICATES ? r : NULL, -1};
    ck_assert_int_eq(ac_task_create(&t[i], apply_duplicate, &d[i]), 0);
  }
  ck_assert_int_eq(ac_future_gather(t, 2 * DUPLICATES, NULL, NULL, 0), 0);
  int applied = 0;
  for (int i = 0; i < 2 * DUPLICATES; i++) {
    ac_future_release(t[i]);
    ck_assert_msg(d[i].rc == 0 || d[i].rc == 1, "a concurrent apply returned %d", d[i].rc);
    applied += d[i].rc;
  }
  ck_assert_msg(applied == 1 && balance(r, "carol") == 10,
                "100 tasks applied one entry at once (50 sharing a connection): %d said they "
                "applied it and the balance is %lld, expected 1 and 10 (the check and the write "
                "are not one atomic step?)",
                applied, balance(r, "carol"));
  ac_redis_close(r);
  return 0;
}
SINK_TEST(concurrent_duplicates_apply_once, concurrent_body)

static int distinct_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  ck_assert_int_eq(sink_apply(r, &keys, "1-0", "dave", 5), 1);
  int rc = sink_apply(r, &keys, "1-1", "dave", 5);
  ck_assert_msg(rc == 1, "a second entry with the same account and amount returned %d, expected 1",
                rc);
  ck_assert_int_eq(balance(r, "dave"), 10);
  ac_redis_close(r);
  return 0;
}
SINK_TEST(equal_contents_are_distinct_entries, distinct_body)

static int failed_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  ck_assert_int_eq(ac_redis_command(r, NULL, "SET balances not-a-hash"), 0);
  int rc = sink_apply(r, &keys, "5-0", "erin", 4);
  ck_assert_msg(rc == -EREMOTEIO,
                "applying to a balances key that is not a hash returned %d (%s), "
                "expected -EREMOTEIO",
                rc, ac_error_message(rc));
  ck_assert_int_eq(ac_redis_command(r, NULL, "DEL balances"), 0);
  rc = sink_apply(r, &keys, "5-0", "erin", 4);
  ck_assert_msg(rc == 1,
                "after its write failed, the entry came again and the sink returned %d: it was "
                "marked applied without being applied",
                rc);
  ck_assert_int_eq(balance(r, "erin"), 4);
  ac_redis_close(r);
  return 0;
}
SINK_TEST(a_failed_write_leaves_it_unapplied, failed_body)

/* ---- across processes ---------------------------------------------------- */

static int child_apply(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = NULL;
  if (ac_redis_connect(&r, "127.0.0.1", server.port) < 0) {
    return -EIO;
  }
  int rc = sink_apply(r, &keys, "9-0", "frank", 3);
  ac_redis_close(r);
  return rc == 1 ? 0 : -EIO;
}

static int parent_apply(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  int rc = sink_apply(r, &keys, "9-0", "frank", 3);
  ck_assert_msg(rc == 0,
                "an entry another process had applied was applied again here (%d): the sink must "
                "remember in Redis, not in the process",
                rc);
  ck_assert_int_eq(balance(r, "frank"), 3);
  ac_redis_close(r);
  return 0;
}

START_TEST(applied_by_another_process_is_not_applied_again)
{
  redis_server_start(&server);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(server.in);
    _exit(ac_loop_run(child_apply, NULL, NULL) == 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the first process could not apply the entry");
  grade_run(parent_apply, NULL);
  redis_server_stop(&server);
}
END_TEST

/* ---- behind the consumer, with a crash ----------------------------------- */

enum { CRASH_N = 1000, ACCOUNTS = 10 };

static int hang_after_apply; /* set in the first child only */

static int apply_entry(ac_redis_t *sink, const consumer_entry_t *e)
{
  int i = atoi(e->data);
  char account[16];
  snprintf(account, sizeof account, "acct%d", i % ACCOUNTS);
  int rc = ac_redis_command(sink, NULL, "HINCRBY delivered %s 1", e->data);
  if (rc == 0) {
    rc = sink_apply(sink, &keys, e->id, account, i);
  }
  if (rc >= 0 && hang_after_apply && i % 100 == 99) {
    ac_task_sleep(600000); /* applied, never acknowledged: the kill comes first */
  }
  return rc < 0 ? rc : 0;
}

static int crash_produce(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  stream_produce(r, "payments", 0, CRASH_N);
  stream_create_group(r, "payments", "sinks");
  ac_redis_close(r);
  return 0;
}

static pid_t first, second;

/* How many times entry DATA reached a consumer. */
static long long deliveries(ac_redis_t *r, const char *data)
{
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(r, &reply, "HGET delivered %s", data);
  ck_assert_msg(rc == 0, "HGET delivered: %d (%s)", rc, ac_error_message(rc));
  long long n = reply->type == AC_REDIS_REPLY_STRING ? atoll(reply->str) : 0;
  ac_redis_reply_release(reply);
  return n;
}

/* Kill the first consumer once it has applied entry 99 (where it hangs,
 * before acknowledging it). */
static int crash_kill(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  for (int waited = 0; waited < STREAM_MS(20000) && deliveries(r, "99") == 0; waited += 5) {
    ac_task_sleep(5);
  }
  ck_assert_msg(deliveries(r, "99") > 0, "the first consumer never reached entry 99 in 20 s");
  ac_task_sleep(50); /* its sink_apply() has run */
  kill(first, SIGKILL);
  waitpid(first, NULL, 0);
  ac_redis_close(r);
  return 0;
}

static int crash_check(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  long long pending = -1;
  for (int waited = 0; waited < STREAM_MS(20000); waited += 10) {
    pending = stream_pending(r, "payments", "sinks", NULL);
    if (pending == 0 && stream_integer(r, "HLEN %s", "delivered", NULL, NULL) == CRASH_N) {
      break;
    }
    ac_task_sleep(10);
  }
  kill(second, SIGTERM);
  stream_wait_child(second, STREAM_MS(5000));
  ck_assert_msg(pending == 0, "%lld entries are still pending", pending);
  ck_assert_msg(deliveries(r, "99") >= 2,
                "entry 99 was meant to be delivered twice (applied, then its consumer killed)");
  for (int a = 0; a < ACCOUNTS; a++) {
    long long want = 0;
    for (int i = a; i < CRASH_N; i += ACCOUNTS) {
      want += i;
    }
    char account[16];
    snprintf(account, sizeof account, "acct%d", a);
    long long got = balance(r, account);
    ck_assert_msg(got == want,
                  "after a crash and a redelivery, %s holds %lld, expected %lld (each entry "
                  "once)",
                  account, got, want);
  }
  ac_redis_close(r);
  return 0;
}

START_TEST(crash_and_redelivery_leave_exact_balances)
{
  redis_server_start(&server);
  grade_run(crash_produce, NULL);
  consumer_opts_t o = {.host = "127.0.0.1",
                       .port = server.port,
                       .stream = "payments",
                       .group = "sinks",
                       .name = "A",
                       .batch = 50,
                       .concurrency = 20,
                       .block_ms = 50,
                       .claim_idle_ms = 300};
  hang_after_apply = 1;
  first = stream_fork_consumer(&o, apply_entry);
  grade_run(crash_kill, NULL);
  hang_after_apply = 0;
  o.name = "B";
  second = stream_fork_consumer(&o, apply_entry);
  grade_run(crash_check, NULL);
  redis_server_stop(&server);
}
END_TEST

/* ---- bad arguments ------------------------------------------------------- */

static int bad_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  const sink_keys_t no_balances = {NULL, "applied"}, no_applied = {"balances", NULL};
  ck_assert_int_eq(sink_apply(NULL, &keys, "1-0", "a", 1), -EINVAL);
  ck_assert_int_eq(sink_apply(r, NULL, "1-0", "a", 1), -EINVAL);
  ck_assert_int_eq(sink_apply(r, &no_balances, "1-0", "a", 1), -EINVAL);
  ck_assert_int_eq(sink_apply(r, &no_applied, "1-0", "a", 1), -EINVAL);
  ck_assert_int_eq(sink_apply(r, &keys, NULL, "a", 1), -EINVAL);
  ck_assert_int_eq(sink_apply(r, &keys, "1-0", NULL, 1), -EINVAL);
  ck_assert_int_eq(balance(r, "a"), 0);
  ac_redis_close(r);
  return 0;
}
SINK_TEST(bad_arguments_are_einval, bad_body)

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, applies_the_amount);
  GRADE_ADD(s, a_second_apply_changes_nothing);
  GRADE_ADD(s, concurrent_duplicates_apply_once);
  GRADE_ADD(s, equal_contents_are_distinct_entries);
  GRADE_ADD(s, a_failed_write_leaves_it_unapplied);
  GRADE_ADD(s, applied_by_another_process_is_not_applied_again);
  GRADE_ADD(s, crash_and_redelivery_leave_exact_balances);
  GRADE_ADD(s, bad_arguments_are_einval);
}

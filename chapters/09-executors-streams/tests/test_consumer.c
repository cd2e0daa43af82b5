/* test_consumer.c - chapter 09: the consumer against a real redis-server
 * started by each test: everything processed and acknowledged, bounded
 * concurrency, retries, restarts, claims, SIGTERM mid-batch, and a
 * consumer killed with SIGKILL mid-batch whose work a second one finishes. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "grade.h"
#include "stream_tests.h"

enum { MAX_ENTRIES = 4000 };

/* What the in-process tests' process() saw, by entry (its data). */
static struct {
  int seen[MAX_ENTRIES]; /* calls */
  int done[MAX_ENTRIES]; /* calls that returned 0 */
  int in_flight, max_in_flight;
  int started, finished;
  int64_t sleep_ms; /* each call sleeps this long */
  int fail_every;   /* entries whose data is a multiple of this fail on their first call */
  int bad_data;     /* entries whose data was not a number in range */
} seen;

static int test_process(const consumer_entry_t *e, void *ctx)
{
  (void)ctx;
  char *end = NULL;
  long i = strtol(e->data, &end, 10);
  if (end == e->data || *end != '\0' || i < 0 || i >= MAX_ENTRIES) {
    seen.bad_data++;
    return 0;
  }
  seen.started++;
  if (++seen.in_flight > seen.max_in_flight) {
    seen.max_in_flight = seen.in_flight;
  }
  int first = seen.seen[i]++ == 0;
  int rc = seen.sleep_ms > 0 ? ac_task_sleep(seen.sleep_ms) : ac_task_sleep(0);
  seen.in_flight--;
  if (rc < 0) {
    return rc;
  }
  seen.finished++;
  if (seen.fail_every > 0 && i % seen.fail_every == 0 && first) {
    return -EIO; /* fails the first time: must be processed again */
  }
  seen.done[i]++;
  return 0;
}

static consumer_opts_t opts_for(const char *name)
{
  return (consumer_opts_t){.host = "127.0.0.1",
                           .port = server.port,
                           .stream = "jobs",
                           .group = "workers",
                           .name = name,
                           .batch = 50,
                           .concurrency = 10,
                           .block_ms = 50,
                           .claim_idle_ms = 200,
                           .process = test_process};
}

static int run_consumer(void *arg, void **result)
{
  (void)result;
  return consumer_run(arg);
}

static int all_done(int n)
{
  for (int i = 0; i < n; i++) {
    if (seen.done[i] == 0) {
      return 0;
    }
  }
  return 1;
}

/* Run the consumer in a task until every one of N entries is done (or
 * the time is up, or no process() call has started for 2 s: the longest
 * pause of a working consumer, a claim, is a fraction of that), then
 * SIGTERM it; what it returned. */
static int consume_until_done(const consumer_opts_t *opts, int n, int ms)
{
  ac_task_t *t = NULL;
  ck_assert_int_eq(ac_task_create(&t, run_consumer, (void *)opts), 0);
  int calls = 0, quiet = 0;
  for (int waited = 0;
       waited < STREAM_MS(ms) && quiet < STREAM_MS(2000) && !all_done(n) && !ac_future_is_done(t);
       waited += 10) {
    ac_task_sleep(10);
    int now = seen.started + seen.bad_data;
    quiet = now == calls ? quiet + 10 : 0;
    calls = now;
  }
  if (!ac_future_is_done(t)) {
    ck_assert_msg(stream_sigterm_caught(), "the consumer does not catch SIGTERM");
    kill(getpid(), SIGTERM);
  }
  int rc = ac_future_await_for(t, STREAM_MS(5000), NULL);
  if (rc == -ETIMEDOUT) {
    ac_future_cancel(t);
    ac_future_await(t, NULL);
    ac_future_release(t);
    ck_abort_msg("the consumer did not return within 5 s of SIGTERM");
  }
  ac_future_release(t);
  return rc;
}

static void check_all_done(int n)
{
  int missing = 0, first_missing = -1;
  for (int i = 0; i < n; i++) {
    if (seen.done[i] == 0 && missing++ == 0) {
      first_missing = i;
    }
  }
  ck_assert_msg(missing == 0, "%d of %d entries were never processed (the first: data %d)", missing,
                n, first_missing);
  ck_assert_msg(seen.bad_data == 0, "%d entries came with data that was not theirs", seen.bad_data);
}

#define CONSUMER_TEST(name, body)  \
  START_TEST(name)                 \
  {                                \
    memset(&seen, 0, sizeof seen); \
    stream_note_sigterm();         \
    redis_server_start(&server);   \
    grade_run(body, NULL);         \
    redis_server_stop(&server);    \
  }                                \
  END_TEST

/* ---- the tests ----------------------------------------------------------- */

static int everything_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 2000 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  consumer_opts_t o = opts_for("c1");
  o.concurrency = 16;
  o.batch = 100;
  int rc = consume_until_done(&o, N, 20000);
  ck_assert_msg(rc == 0, "consumer_run returned %d (%s) after SIGTERM, expected 0", rc,
                ac_error_message(rc));
  check_all_done(N);
  long long pending = stream_pending(r, "jobs", "workers", NULL);
  ck_assert_msg(pending == 0, "%lld entries are still pending (read, never acknowledged)", pending);
  ck_assert_msg(!stream_sigterm_caught(), "SIGTERM is still caught after consumer_run returned");
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(consumes_every_entry_and_acks_it, everything_body)

static int limit_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 200 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  consumer_opts_t o = opts_for("c1");
  o.concurrency = 5;
  o.batch = 40;
  seen.sleep_ms = 5;
  ck_assert_int_eq(consume_until_done(&o, N, 20000), 0);
  check_all_done(N);
  ck_assert_msg(seen.max_in_flight <= 5,
                "%d process() calls ran at once with a concurrency of 5 (at most 5 may)",
                seen.max_in_flight);
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(concurrency_never_exceeds_the_limit, limit_body)

static int concurrent_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 64 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  consumer_opts_t o = opts_for("c1");
  o.concurrency = 8;
  o.batch = 32;
  seen.sleep_ms = 30;
  ck_assert_int_eq(consume_until_done(&o, N, 20000), 0);
  check_all_done(N);
  ck_assert_msg(seen.max_in_flight == 8,
                "at most %d process() calls ran at once; with 32 entries a batch and a "
                "concurrency of 8, 8 should",
                seen.max_in_flight);
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(entries_are_processed_concurrently, concurrent_body)

static int retry_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 300 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  consumer_opts_t o = opts_for("c1");
  o.claim_idle_ms = 100;
  seen.fail_every = 7;
  int rc = consume_until_done(&o, N, 20000);
  ck_assert_int_eq(rc, 0);
  check_all_done(N); /* the failed ones too: a second time */
  ck_assert_msg(seen.seen[7] >= 2, "entry 7 failed once and was never processed again");
  long long pending = stream_pending(r, "jobs", "workers", NULL);
  ck_assert_msg(pending == 0, "%lld entries are still pending", pending);
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(failed_entries_are_processed_again, retry_body)

static int restart_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 60 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  stream_create_group(r, "jobs", "workers");
  /* "c1" read 30 entries and stopped before acknowledging them. */
  stream_read_and_drop(r, "jobs", "workers", "c1", 30);
  consumer_opts_t o = opts_for("c1");
  o.claim_idle_ms = 600000; /* no claiming: c1 must find its own entries */
  ck_assert_int_eq(consume_until_done(&o, N, 5000), 0);
  check_all_done(N);
  long long pending = stream_pending(r, "jobs", "workers", "c1");
  ck_assert_msg(pending == 0,
                "%lld entries c1 had read before its restart are still pending on it (read "
                "with \">\", a consumer never gets its own pending entries again)",
                pending);
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(restart_reprocesses_its_own_pending, restart_body)

static int claim_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 60 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  stream_create_group(r, "jobs", "workers");
  stream_read_and_drop(r, "jobs", "workers", "dead", 30); /* and then it crashed */
  consumer_opts_t o = opts_for("c2");
  o.claim_idle_ms = 100;
  ck_assert_int_eq(consume_until_done(&o, N, 5000), 0);
  check_all_done(N);
  long long pending = stream_pending(r, "jobs", "workers", "dead");
  ck_assert_msg(pending == 0, "%lld entries of the crashed consumer were never claimed", pending);
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(claims_a_crashed_consumers_entries, claim_body)

static int sigterm_body(void *arg, void **result)
{
  (void)arg, (void)result;
  enum { N = 16 };
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, N);
  consumer_opts_t o = opts_for("c1");
  o.batch = 16;
  o.concurrency = 4;
  seen.sleep_ms = 100;
  ac_task_t *t = NULL;
  ck_assert_int_eq(ac_task_create(&t, run_consumer, &o), 0);
  for (int waited = 0; waited < STREAM_MS(5000) && seen.started == 0 && !ac_future_is_done(t);
       waited += 5) {
    ac_task_sleep(5);
  }
  ck_assert_msg(seen.started > 0 && !ac_future_is_done(t), "the consumer never processed an entry");
  ck_assert_msg(stream_sigterm_caught(), "the consumer does not catch SIGTERM");
  kill(getpid(), SIGTERM); /* mid-batch: 4 running, 12 waiting their turn */
  int rc = ac_future_await_for(t, STREAM_MS(5000), NULL);
  if (rc == -ETIMEDOUT) {
    ac_future_cancel(t);
    ac_future_await(t, NULL);
  }
  ac_future_release(t);
  ck_assert_msg(rc == 0, "consumer_run returned %d (%s) after SIGTERM, expected 0", rc,
                ac_error_message(rc));
  ck_assert_msg(seen.finished == seen.started,
                "%d process() calls started and %d finished: the consumer returned with "
                "entries in flight",
                seen.started, seen.finished);
  long long pending = stream_pending(r, "jobs", "workers", NULL);
  ck_assert_msg(pending == 0,
                "%lld entries the consumer had read are still pending after its graceful "
                "stop (processed but never acknowledged, or read and dropped)",
                pending);
  ck_assert_msg(!stream_sigterm_caught(), "SIGTERM is still caught after consumer_run returned");
  ac_redis_close(r);
  return 0;
}
CONSUMER_TEST(sigterm_finishes_and_acks_the_batch, sigterm_body)

/* ---- killed mid-batch ---------------------------------------------------- */

enum { CRASH_N = 3000 };

/* In the children: count each entry's processing in the hash "seen". */
static int count_in_redis(ac_redis_t *sink, const consumer_entry_t *e)
{
  int rc = ac_task_sleep(1);
  if (rc == 0) {
    rc = ac_redis_command(sink, NULL, "HINCRBY seen %s 1", e->data);
  }
  return rc;
}

/* In the first child: the same, until a third of the entries are
 * processed; from then on each entry hangs in process(), listed in the
 * set "hanging", so the kill is sure to find entries taken and not yet done
 * (a consumer that is killed between two batches shows nothing). */
static int count_then_hang(ac_redis_t *sink, const consumer_entry_t *e)
{
  static int started; /* this child's own copy */
  if (++started <= CRASH_N / 3) {
    return count_in_redis(sink, e);
  }
  int rc = ac_redis_command(sink, NULL, "SADD hanging %s", e->data);
  return rc < 0 ? rc : ac_task_sleep(STREAM_MS(60000));
}

static long long seen_count(ac_redis_t *r)
{
  return stream_integer(r, "HLEN %s", "seen", NULL, NULL);
}

static int produce_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  stream_produce(r, "jobs", 0, CRASH_N);
  stream_create_group(r, "jobs", "workers");
  ac_redis_close(r);
  return 0;
}

static pid_t first;

/* Wait until the first consumer has entries hanging in process(), then
 * kill it where it stands. */
static int kill_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  long long hanging = 0;
  for (int waited = 0; waited < STREAM_MS(20000) && hanging == 0; waited += 5) {
    ck_assert_msg(waitpid(first, NULL, WNOHANG) == 0, "the first consumer exited on its own");
    ac_task_sleep(5);
    hanging = stream_integer(r, "SCARD %s", "hanging", NULL, NULL);
  }
  ck_assert_msg(hanging > 0, "the first consumer processed %lld entries in 20 s, expected %d",
                seen_count(r), CRASH_N / 3);
  kill(first, SIGKILL);
  waitpid(first, NULL, 0);
  long long left = stream_pending(r, "jobs", "workers", "A");
  ck_assert_msg(left > 0, "the kill was meant to come mid-batch, but nothing of A's was pending");
  ac_redis_close(r);
  return 0;
}

static pid_t second;

static int recover_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_redis_t *r = stream_connect();
  long long n = 0, pending = -1;
  int status = 0, exited = 0, quiet = 0;
  /* Until all is done, or nothing is pending and nothing new was
   * processed for 2 s: what is lost by then stays lost; and nothing
   * processed for 5 s, with claim_idle_ms 300, is a consumer stuck. */
  for (int waited = 0; waited < STREAM_MS(20000); waited += 10) {
    long long now = seen_count(r);
    quiet = now == n ? quiet + 10 : 0;
    n = now;
    pending = stream_pending(r, "jobs", "workers", NULL);
    if (((n == CRASH_N || quiet >= STREAM_MS(2000)) && pending == 0) || quiet >= STREAM_MS(5000)) {
      break;
    }
    if (waitpid(second, &status, WNOHANG) == second) {
      exited = 1;
      break;
    }
    ac_task_sleep(10);
  }
  ck_assert_msg(!exited, "the second consumer exited before it was stopped");
  kill(second, SIGTERM);
  status = stream_wait_child(second, STREAM_MS(5000));
  ck_assert_msg(n == CRASH_N,
                "after the first consumer was killed, %lld of %d entries were ever processed", n,
                CRASH_N);
  ck_assert_msg(pending == 0, "%lld entries are still pending after the second consumer ran",
                pending);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the second consumer did not return 0 after SIGTERM");
  ac_redis_close(r);
  return 0;
}

START_TEST(survives_sigkill_mid_batch)
{
  redis_server_start(&server);
  grade_run(produce_body, NULL);
  consumer_opts_t o = opts_for("A");
  o.claim_idle_ms = 300;
  first = stream_fork_consumer(&o, count_then_hang);
  grade_run(kill_body, NULL);
  o.name = "B";
  second = stream_fork_consumer(&o, count_in_redis);
  grade_run(recover_body, NULL);
  redis_server_stop(&server);
}
END_TEST

/* ---- bad options --------------------------------------------------------- */

static int bad_body(void *arg, void **result)
{
  (void)arg, (void)result;
  ck_assert_int_eq(consumer_run(NULL), -EINVAL);
  consumer_opts_t good = opts_for("c1"), o;
#define BAD(field, value) \
  o = good;               \
  o.field = value;        \
  ck_assert_msg(consumer_run(&o) == -EINVAL, "expected -EINVAL for " #field " = " #value)
  BAD(host, NULL);
  BAD(stream, NULL);
  BAD(group, NULL);
  BAD(name, NULL);
  BAD(process, NULL);
  BAD(port, 0);
  BAD(port, 70000);
  BAD(batch, 0);
  BAD(concurrency, 0);
  BAD(block_ms, 0);
  BAD(claim_idle_ms, -1);
#undef BAD
  o = good;
  o.port = redis_free_port(); /* nothing listens there */
  int rc = consumer_run(&o);
  ck_assert_msg(rc == -ECONNREFUSED, "expected -ECONNREFUSED with no server, got %d (%s)", rc,
                ac_error_message(rc));
  return 0;
}
CONSUMER_TEST(bad_options_are_einval, bad_body)

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, consumes_every_entry_and_acks_it);
  GRADE_ADD(s, concurrency_never_exceeds_the_limit);
  GRADE_ADD(s, entries_are_processed_concurrently);
  GRADE_ADD(s, failed_entries_are_processed_again);
  GRADE_ADD(s, restart_reprocesses_its_own_pending);
  GRADE_ADD(s, claims_a_crashed_consumers_entries);
  GRADE_ADD(s, sigterm_finishes_and_acks_the_batch);
  GRADE_ADD(s, survives_sigkill_mid_batch);
  GRADE_ADD(s, bad_options_are_einval);
}

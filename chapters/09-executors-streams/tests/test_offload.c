/* test_offload.c - tests of chapter 09, exercise 1: SQLite queries and
 * compression offloaded to a pool of worker threads.
 *
 * The tests link with --wrap on SQLite's and zlib's calls and on the
 * executor's, so they see on which thread each call runs, how many jobs are
 * in flight, whether two threads use one connection at once, and can hold a
 * job at its first step (a gate) while they cancel its caller. The loop's
 * health is measured with a heartbeat (support/heartbeat.h): how late its
 * ticks come while the same work runs on the loop and through the offload,
 * compared as a ratio in one run, so a loaded machine slows both.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "db.h"
#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"
#include "heartbeat.h"
#include "offload.h"

/* A query that computes for a while: the sum of 1..?1, row by row. */
#define SUM_TO                                                                    \
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) " \
  "SELECT sum(x) FROM c"
#define MAX_CONNS 64

/* ---- what the wrappers see ---------------------------------------------- */

static pthread_t loop_thread;
static atomic_int watching; /* the wrappers record only between watch() and unwatch() */

static struct {
  atomic_int on_loop; /* a blocking call made on the loop's thread */
  const char *_Atomic on_loop_call;
  atomic_int opens, closes; /* handles sqlite3_open_v2 gave, sqlite3_close calls that closed one */
  atomic_int steps;         /* sqlite3_step calls */
  atomic_int step_overlap;  /* two threads in sqlite3_step on one connection */
  atomic_int last_step_rc;
  atomic_int deflate_inits, deflates, deflate_ends;
  int creates, executor_closes; /* on the loop only */
  ac_executor_t *pool;          /* the pool ac_executor_create made */
  int runs_elsewhere;           /* ac_executor_run on another pool, or the default one */
  int runs, running, max_running;
} seen;

static struct {
  pthread_mutex_t mutex;
  sqlite3 *db[MAX_CONNS];
  atomic_int users[MAX_CONNS];
  int n;
} conns = {PTHREAD_MUTEX_INITIALIZER};

/* The gate: while armed, the first deflate() or sqlite3_step() call of the
 * workers waits until the test opens it. */
static atomic_int gate_armed, gate_entered, gate_open;

static void watch(void)
{
  memset(&seen, 0, sizeof seen);
  pthread_mutex_lock(&conns.mutex);
  memset(conns.db, 0, sizeof conns.db);
  for (int i = 0; i < MAX_CONNS; i++)
    atomic_store(&conns.users[i], 0);
  conns.n = 0;
  pthread_mutex_unlock(&conns.mutex);
  atomic_store(&gate_armed, 0);
  atomic_store(&gate_entered, 0);
  atomic_store(&gate_open, 0);
  loop_thread = pthread_self();
  atomic_store(&watching, 1);
}

static void unwatch(void)
{
  atomic_store(&watching, 0);
  atomic_store(&gate_open, 1);
}

static void blocking_call(const char *name)
{
  if (atomic_load(&watching) && pthread_equal(pthread_self(), loop_thread)) {
    atomic_store(&seen.on_loop, 1);
    atomic_store(&seen.on_loop_call, name);
  }
}

static void pass_gate(void)
{
  if (!atomic_load(&watching) || !atomic_load(&gate_armed) || atomic_exchange(&gate_entered, 1))
    return;
  for (int i = 0; i < 20000 && !atomic_load(&gate_open); i++) /* 20 s at most */
    usleep(1000);
}

static atomic_int *users_of(sqlite3 *db)
{
  pthread_mutex_lock(&conns.mutex);
  int i = 0;
  while (i < conns.n && conns.db[i] != db)
    i++;
  if (i == conns.n && conns.n < MAX_CONNS)
    conns.db[conns.n++] = db;
  pthread_mutex_unlock(&conns.mutex);
  return i < MAX_CONNS ? &conns.users[i] : NULL;
}

int __real_sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs);
int __wrap_sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
  blocking_call("sqlite3_open_v2");
  int rc = __real_sqlite3_open_v2(path, db, flags, vfs);
  if (*db && atomic_load(&watching)) /* a failed open's handle must be closed too */
    atomic_fetch_add(&seen.opens, 1);
  return rc;
}

int __real_sqlite3_close(sqlite3 *db);
int __wrap_sqlite3_close(sqlite3 *db)
{
  blocking_call("sqlite3_close");
  int rc = __real_sqlite3_close(db);
  if (rc == SQLITE_OK && db && atomic_load(&watching))
    atomic_fetch_add(&seen.closes, 1);
  return rc;
}

int __real_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **stmt,
                              const char **tail);
int __wrap_sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **stmt,
                              const char **tail)
{
  blocking_call("sqlite3_prepare_v2");
  return __real_sqlite3_prepare_v2(db, sql, n, stmt, tail);
}

int __real_sqlite3_step(sqlite3_stmt *stmt);
int __wrap_sqlite3_step(sqlite3_stmt *stmt)
{
  blocking_call("sqlite3_step");
  if (!atomic_load(&watching))
    return __real_sqlite3_step(stmt);
  atomic_fetch_add(&seen.steps, 1);
  pass_gate();
  atomic_int *users = users_of(sqlite3_db_handle(stmt));
  if (users && atomic_fetch_add(users, 1) > 0)
    atomic_store(&seen.step_overlap, 1);
  usleep(2000); /* widen the window in which a second thread would show */
  int rc = __real_sqlite3_step(stmt);
  if (users)
    atomic_fetch_sub(users, 1);
  atomic_store(&seen.last_step_rc, rc);
  return rc;
}

const char *__real_sqlite3_errmsg(sqlite3 *db);
const char *__wrap_sqlite3_errmsg(sqlite3 *db)
{
  blocking_call("sqlite3_errmsg");
  return __real_sqlite3_errmsg(db);
}

int __real_deflateInit_(z_streamp strm, int level, const char *version, int size);
int __wrap_deflateInit_(z_streamp strm, int level, const char *version, int size)
{
  blocking_call("deflateInit");
  if (atomic_load(&watching))
    atomic_fetch_add(&seen.deflate_inits, 1);
  return __real_deflateInit_(strm, level, version, size);
}

int __real_deflateInit2_(z_streamp strm, int level, int method, int bits, int mem, int strategy,
                         const char *version, int size);
int __wrap_deflateInit2_(z_streamp strm, int level, int method, int bits, int mem, int strategy,
                         const char *version, int size)
{
  blocking_call("deflateInit2");
  if (atomic_load(&watching))
    atomic_fetch_add(&seen.deflate_inits, 1);
  return __real_deflateInit2_(strm, level, method, bits, mem, strategy, version, size);
}

int __real_deflate(z_streamp strm, int flush);
int __wrap_deflate(z_streamp strm, int flush)
{
  blocking_call("deflate");
  if (atomic_load(&watching)) {
    atomic_fetch_add(&seen.deflates, 1);
    pass_gate();
  }
  return __real_deflate(strm, flush);
}

int __real_deflateEnd(z_streamp strm);
int __wrap_deflateEnd(z_streamp strm)
{
  if (atomic_load(&watching))
    atomic_fetch_add(&seen.deflate_ends, 1);
  return __real_deflateEnd(strm);
}

int __real_compress2(Bytef *dest, uLongf *dest_len, const Bytef *src, uLong len, int level);
int __wrap_compress2(Bytef *dest, uLongf *dest_len, const Bytef *src, uLong len, int level)
{
  blocking_call("compress2");
  return __real_compress2(dest, dest_len, src, len, level);
}

int __real_compress(Bytef *dest, uLongf *dest_len, const Bytef *src, uLong len);
int __wrap_compress(Bytef *dest, uLongf *dest_len, const Bytef *src, uLong len)
{
  blocking_call("compress");
  return __real_compress(dest, dest_len, src, len);
}

int __real_ac_executor_create(ac_executor_t **executor, size_t workers);
int __wrap_ac_executor_create(ac_executor_t **executor, size_t workers)
{
  int rc = __real_ac_executor_create(executor, workers);
  if (rc == 0 && atomic_load(&watching)) {
    seen.creates++;
    seen.pool = *executor;
  }
  return rc;
}

int __real_ac_executor_run(ac_executor_t *executor, ac_work_fn fn, void *arg, void **result);
int __wrap_ac_executor_run(ac_executor_t *executor, ac_work_fn fn, void *arg, void **result)
{
  if (!atomic_load(&watching))
    return __real_ac_executor_run(executor, fn, arg, result);
  if (!executor || executor != seen.pool)
    seen.runs_elsewhere++;
  seen.runs++;
  if (++seen.running > seen.max_running)
    seen.max_running = seen.running;
  int rc = __real_ac_executor_run(executor, fn, arg, result);
  seen.running--;
  return rc;
}

int __real_ac_executor_close(ac_executor_t *executor, int flags);
int __wrap_ac_executor_close(ac_executor_t *executor, int flags)
{
  if (atomic_load(&watching) && executor == seen.pool)
    seen.executor_closes++;
  return __real_ac_executor_close(executor, flags);
}

/* ---- the test's database ------------------------------------------------ */

static char db_dir[64], db_path[96];

/* A database of one table, numbers(n), holding 1..1000, made before the
 * wrappers watch. */
static void make_database(void)
{
  snprintf(db_dir, sizeof db_dir, "/tmp/offload-test-XXXXXX");
  ck_assert_msg(mkdtemp(db_dir) != NULL, "the test could not make a temporary directory");
  snprintf(db_path, sizeof db_path, "%s/numbers.db", db_dir);
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  ck_assert_msg(rc == SQLITE_OK, "the test could not create its database: %s", sqlite3_errstr(rc));
  rc = sqlite3_exec(db,
                    "CREATE TABLE numbers(n INTEGER);"
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)"
                    " INSERT INTO numbers SELECT x FROM c;",
                    NULL, NULL, NULL);
  ck_assert_msg(rc == SQLITE_OK, "the test could not fill its database: %s", sqlite3_errmsg(db));
  sqlite3_close(db);
}

static void remove_database(void)
{
  unwatch();
  unlink(db_path);
  rmdir(db_dir);
}

static offload_t *open_offload(size_t workers)
{
  offload_t *o = NULL;
  int rc = offload_open(&o, db_path, workers);
  ck_assert_msg(rc == 0 && o, "expected offload_open(%zu workers) to return 0, it returned %d (%s)",
                workers, rc, ac_error_message(rc));
  return o;
}

static void close_offload(offload_t *o)
{
  int rc = offload_close(o);
  ck_assert_msg(rc == 0, "expected offload_close() to return 0, it returned %d (%s)", rc,
                ac_error_message(rc));
}

/* Text that compresses, but not to nothing: pseudo-random letters. */
static unsigned char *make_text(size_t len, unsigned seed)
{
  unsigned char *text = malloc(len ? len : 1);
  ck_assert_msg(text != NULL, "the test could not allocate %zu bytes", len);
  for (size_t i = 0; i < len; i++) {
    seed = seed * 1103515245u + 12345u;
    text[i] = (unsigned char)('a' + (seed >> 16) % 16);
  }
  return text;
}

static void check_round_trip(const unsigned char *in, size_t len, const unsigned char *out,
                             size_t out_len)
{
  ck_assert_msg(out != NULL && out_len > 0, "expected a zlib stream for %zu bytes, got %zu bytes",
                len, out_len);
  uLongf back_len = (uLongf)len + 1;
  unsigned char *back = malloc(back_len);
  int zrc = uncompress(back, &back_len, out, (uLong)out_len);
  ck_assert_msg(zrc == Z_OK, "expected uncompress() to read the output of %zu bytes, it said %d",
                len, zrc);
  ck_assert_msg(back_len == len && memcmp(back, in, len) == 0,
                "expected the %zu bytes compressed to come back, %lu bytes came", len,
                (unsigned long)back_len);
  free(back);
}

/* ---- callers in tasks ---------------------------------------------------- */

typedef struct {
  offload_t *o;
  const char *sql; /* a query, or NULL for a compression */
  int64_t param;
  const unsigned char *data;
  size_t len;
  int rc;
  offload_answer_t answer;
  unsigned char *out;
  size_t out_len;
} call_t;

static int caller(void *arg, void **result)
{
  (void)result;
  call_t *c = arg;
  if (c->sql)
    c->rc = offload_query(c->o, c->sql, c->param, &c->answer);
  else
    c->rc = offload_compress(c->o, c->data, c->len, &c->out, &c->out_len);
  return 0;
}

static ac_task_t *start_call(call_t *c)
{
  ac_task_t *t = NULL;
  int rc = ac_task_create(&t, caller, c);
  ck_assert_msg(rc == 0, "the test could not create a task: %s", ac_error_message(rc));
  return t;
}

/* Wait for @n callers, bounded: a call that never returns fails the test. */
static void wait_calls(ac_task_t **tasks, size_t n, int64_t timeout_ms, const char *what)
{
  ssize_t done =
      ac_future_wait_for((ac_future_t *const *)tasks, n, AC_WAIT_ALL_COMPLETED, timeout_ms);
  ck_assert_msg(done == (ssize_t)n, "expected %s to return within %lld ms; %zd of %zu did", what,
                (long long)timeout_ms, done, n);
  for (size_t i = 0; i < n; i++)
    ac_future_release(tasks[i]);
}

static int64_t sum_to(int64_t n)
{
  return n * (n + 1) / 2;
}

static int wait_until_gate_entered(void)
{
  for (int i = 0; i < 5000 && !atomic_load(&gate_entered); i++)
    ac_task_sleep(1);
  return atomic_load(&gate_entered);
}

/* ---- results ------------------------------------------------------------- */

static int query_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = open_offload(3);
  offload_answer_t a;
  int rc = offload_query(o, "SELECT count(*) FROM numbers WHERE n % ?1 = 0", 7, &a);
  ck_assert_msg(rc == 0 && a.value == 142,
                "expected the count of multiples of 7 in 1..1000 to be 142, got %lld (rc %d: %s)",
                (long long)a.value, rc, a.error);
  ck_assert_msg(a.error[0] == '\0', "expected no message after a query that worked, got \"%s\"",
                a.error);
  rc = offload_query(o, "SELECT sum(n) FROM numbers", 0, &a);
  ck_assert_msg(rc == 0 && a.value == 500500,
                "expected a query without a parameter to give 500500, got %lld (rc %d: %s)",
                (long long)a.value, rc, a.error);
  enum { N = 8 };
  call_t calls[N];
  ac_task_t *tasks[N];
  for (int i = 0; i < N; i++) {
    calls[i] = (call_t){.o = o, .sql = SUM_TO, .param = 1000 * (i + 1)};
    tasks[i] = start_call(&calls[i]);
  }
  wait_calls(tasks, N, 20000, "eight queries at once");
  for (int i = 0; i < N; i++)
    ck_assert_msg(calls[i].rc == 0 && calls[i].answer.value == sum_to(calls[i].param),
                  "expected query %d of 8 at once to give %lld, got %lld (rc %d: %s)", i + 1,
                  (long long)sum_to(calls[i].param), (long long)calls[i].answer.value, calls[i].rc,
                  calls[i].answer.error);
  close_offload(o);
  return 0;
}

START_TEST(query_returns_the_value)
{
  make_database();
  watch();
  grade_run(query_body, NULL);
  remove_database();
}
END_TEST

static int compress_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = open_offload(2);
  size_t sizes[] = {0, 100, OFFLOAD_CHUNK, 3 * OFFLOAD_CHUNK + 17, 1 << 20};
  enum { N = sizeof sizes / sizeof *sizes };
  unsigned char *texts[N];
  call_t calls[N];
  ac_task_t *tasks[N];
  for (int i = 0; i < N; i++) {
    texts[i] = make_text(sizes[i], (unsigned)i + 1);
    calls[i] = (call_t){.o = o, .data = sizes[i] ? texts[i] : NULL, .len = sizes[i]};
    tasks[i] = start_call(&calls[i]);
  }
  wait_calls(tasks, N, 20000, "five compressions at once");
  for (int i = 0; i < N; i++) {
    ck_assert_msg(calls[i].rc == 0, "expected compressing %zu bytes to return 0, it returned %d",
                  sizes[i], calls[i].rc);
    check_round_trip(texts[i], sizes[i], calls[i].out, calls[i].out_len);
    free(calls[i].out);
    free(texts[i]);
  }
  close_offload(o);
  return 0;
}

START_TEST(compress_round_trips)
{
  make_database();
  watch();
  grade_run(compress_body, NULL);
  remove_database();
}
END_TEST

/* ---- where the work runs ------------------------------------------------- */

/* Queries (one failing), compressions, with open and close. */
static int mixed_body(void *arg, void **result)
{
  (void)result;
  size_t workers = arg ? *(size_t *)arg : 3;
  offload_t *o = open_offload(workers);
  enum { N = 12 };
  unsigned char *text = make_text(200000, 7);
  call_t calls[N];
  ac_task_t *tasks[N];
  for (int i = 0; i < N; i++) {
    if (i % 3 == 2)
      calls[i] = (call_t){.o = o, .data = text, .len = 200000};
    else
      calls[i] = (call_t){.o = o, .sql = i == 4 ? "SELEC 1" : SUM_TO, .param = 20000};
    tasks[i] = start_call(&calls[i]);
  }
  wait_calls(tasks, N, 30000, "twelve calls at once");
  for (int i = 0; i < N; i++) {
    if (i == 4)
      continue;
    ck_assert_msg(calls[i].rc == 0, "expected call %d of 12 to return 0, it returned %d (%s)",
                  i + 1, calls[i].rc,
                  calls[i].sql ? calls[i].answer.error : ac_error_message(calls[i].rc));
    free(calls[i].out);
  }
  free(text);
  close_offload(o);
  return 0;
}

START_TEST(sqlite_stays_off_the_loop)
{
  make_database();
  watch();
  grade_run(mixed_body, NULL);
  ck_assert_msg(atomic_load(&seen.opens) > 0, "expected the connections to be opened (none was)");
  const char *call = atomic_load(&seen.on_loop_call);
  ck_assert_msg(!atomic_load(&seen.on_loop) || strncmp(call, "sqlite3_", 8) != 0,
                "expected every SQLite call on a worker thread, but %s ran on the loop's thread: "
                "it blocks every task while it reads and computes",
                call);
  remove_database();
}
END_TEST

START_TEST(compression_stays_off_the_loop)
{
  make_database();
  watch();
  grade_run(mixed_body, NULL);
  ck_assert_msg(atomic_load(&seen.deflate_inits) > 0, "expected compressions to use deflateInit()");
  const char *call = atomic_load(&seen.on_loop_call);
  ck_assert_msg(!atomic_load(&seen.on_loop) || strncmp(call, "sqlite3_", 8) == 0,
                "expected the compression on a worker thread, but %s ran on the loop's thread: "
                "CPU work stalls the loop as much as a blocking call",
                call);
  remove_database();
}
END_TEST

START_TEST(no_connection_used_by_two_threads_at_once)
{
  make_database();
  watch();
  size_t workers = 3;
  grade_run(mixed_body, &workers);
  ck_assert_msg(!atomic_load(&seen.step_overlap),
                "expected each connection to be used by one thread at a time, but two threads "
                "were in sqlite3_step() on one connection at once (a connection opened without "
                "SQLite's mutex must never be shared so)");
  ck_assert_msg(atomic_load(&seen.opens) == (int)workers,
                "expected one connection per worker (3), %d were opened", atomic_load(&seen.opens));
  ck_assert_msg(conns.n <= (int)workers, "expected at most 3 connections used, %d were", conns.n);
  remove_database();
}
END_TEST

/* ---- the heartbeat -------------------------------------------------------- */

enum { HB_QUERIES = 3, HB_COMPRESSIONS = 3, HB_SUM_TO = 300000, HB_TEXT = 2 << 20 };

/* The same work done on the loop: what the heartbeat sees when it stalls. */
static double blocking_lateness(const unsigned char *text)
{
  sqlite3 *db = NULL;
  ck_assert(db_open_readonly(db_path, &db, NULL, 0) == 0);
  heartbeat_t *hb = NULL;
  ck_assert(heartbeat_start(&hb, 5) == 0);
  ac_task_sleep(20);
  for (int i = 0; i < HB_QUERIES + HB_COMPRESSIONS; i++) {
    if (i % 2 == 0) {
      sqlite3_stmt *stmt = NULL;
      ck_assert(sqlite3_prepare_v2(db, SUM_TO, -1, &stmt, NULL) == SQLITE_OK);
      sqlite3_bind_int64(stmt, 1, HB_SUM_TO);
      ck_assert(sqlite3_step(stmt) == SQLITE_ROW);
      sqlite3_finalize(stmt);
    } else {
      uLongf out_len = compressBound(HB_TEXT);
      unsigned char *out = malloc(out_len);
      ck_assert(compress2(out, &out_len, text, HB_TEXT, Z_DEFAULT_COMPRESSION) == Z_OK);
      free(out);
    }
    ac_task_sleep(1); /* the heartbeat may tick between two steps, as with the offload */
  }
  heartbeat_report_t r;
  heartbeat_stop(hb, &r);
  db_close(db);
  return r.max_late_ms;
}

static double offload_lateness(const unsigned char *text)
{
  offload_t *o = open_offload(2);
  heartbeat_t *hb = NULL;
  ck_assert(heartbeat_start(&hb, 5) == 0);
  ac_task_sleep(20);
  enum { N = HB_QUERIES + HB_COMPRESSIONS };
  call_t calls[N];
  ac_task_t *tasks[N];
  for (int i = 0; i < N; i++) {
    if (i % 2 == 0)
      calls[i] = (call_t){.o = o, .sql = SUM_TO, .param = HB_SUM_TO};
    else
      calls[i] = (call_t){.o = o, .data = text, .len = HB_TEXT};
    tasks[i] = start_call(&calls[i]);
  }
  wait_calls(tasks, N, 60000, "the heartbeat test's calls");
  heartbeat_report_t r;
  heartbeat_stop(hb, &r);
  for (int i = 0; i < N; i++) {
    ck_assert_msg(calls[i].rc == 0, "expected call %d to return 0, it returned %d", i + 1,
                  calls[i].rc);
    free(calls[i].out);
  }
  close_offload(o);
  return r.max_late_ms;
}

static double late_blocking, late_offload;

static int heartbeat_body(void *arg, void **result)
{
  (void)arg, (void)result;
  unsigned char *text = make_text(HB_TEXT, 3);
  late_blocking = blocking_lateness(text);
  atomic_store(&watching, 1);
  /* The best of three runs: on a shared machine one tick can come late
   * because the loop's thread was not scheduled, which says nothing about
   * the offload; a stall the offload causes comes back every time. */
  late_offload = offload_lateness(text);
  for (int run = 1; run < 3 && late_offload * 4 >= late_blocking; run++) {
    double again = offload_lateness(text);
    if (again < late_offload)
      late_offload = again;
  }
  atomic_store(&watching, 0);
  free(text);
  return 0;
}

START_TEST(heartbeat_stays_on_time)
{
  make_database();
  watch();
  atomic_store(&watching, 0); /* the blocking run is the test's own */
  grade_run(heartbeat_body, NULL);
  fprintf(stderr,
          "heartbeat: latest tick %.1f ms late with the work on the loop, %.1f ms with it "
          "offloaded\n",
          late_blocking, late_offload);
  ck_assert_msg(late_blocking >= 20,
                "the test's own blocking run should stall a 5 ms heartbeat by 20 ms or more; it "
                "saw %.1f ms (the test cannot judge on this machine)",
                late_blocking);
  ck_assert_msg(late_offload * 4 < late_blocking,
                "expected the heartbeat to stay on time while the work runs through the offload: "
                "its latest tick was %.1f ms late (the best of three runs), against %.1f ms with "
                "the same work on the loop (it must be under a quarter of that)",
                late_offload, late_blocking);
  remove_database();
}
END_TEST

/* ---- the pool and its bound ------------------------------------------------ */

START_TEST(jobs_in_flight_are_bounded)
{
  make_database();
  watch();
  size_t workers = 3;
  grade_run(mixed_body, &workers);
  ck_assert_msg(seen.max_running <= (int)workers,
                "expected at most 3 jobs in flight with 3 workers, %d were handed to the pool at "
                "once (the rest must wait for room before they are handed over)",
                seen.max_running);
  ck_assert_msg(seen.max_running >= 2,
                "expected the 12 calls to run side by side on 3 workers, at most %d ran at once",
                seen.max_running);
  remove_database();
}
END_TEST

START_TEST(one_pool_for_all_jobs)
{
  make_database();
  watch();
  grade_run(mixed_body, NULL);
  ck_assert_msg(seen.creates == 1,
                "expected one pool made by offload_open() for every job, ac_executor_create() "
                "was called %d times",
                seen.creates);
  ck_assert_msg(seen.runs_elsewhere == 0,
                "expected every job on the offload's own pool, %d went elsewhere (the default "
                "executor has 4 threads, not the workers asked for)",
                seen.runs_elsewhere);
  remove_database();
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

static void expect_error(offload_t *o, const char *sql, int want, const char *words)
{
  offload_answer_t a;
  int rc = offload_query(o, sql, 1, &a);
  ck_assert_msg(rc == want, "expected \"%s\" to return %d (%s), it returned %d (%s)", sql, want,
                ac_error_message(want), rc, ac_error_message(rc));
  ck_assert_msg(strstr(a.error, words) != NULL,
                "expected the message of \"%s\" to say \"%s\", it was \"%s\"", sql, words, a.error);
}

static int errors_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = NULL;
  char missing[128];
  snprintf(missing, sizeof missing, "%s/missing.db", db_dir);
  int rc = offload_open(&o, missing, 2);
  ck_assert_msg(rc == -ENOENT && o == NULL,
                "expected offload_open() of a missing file to return -ENOENT and no object, it "
                "returned %d (%s)",
                rc, ac_error_message(rc));
  ck_assert_msg(seen.creates == seen.executor_closes,
                "expected a failed offload_open() to close the pool it made");
  o = open_offload(2);
  expect_error(o, "SELEC 1", -EINVAL, "syntax error");
  expect_error(o, "SELECT n FROM nowhere", -EINVAL, "no such table");
  expect_error(o, "INSERT INTO numbers VALUES (0)", -EROFS, "readonly");
  expect_error(o, "SELECT n FROM numbers WHERE n < ?1", -ENODATA, "");
  offload_answer_t a;
  rc = offload_query(o, "SELECT n FROM numbers WHERE n < ?1", 1, &a);
  ck_assert_msg(a.error[0] != '\0', "expected a message when a query gives no row");
  rc = offload_query(o, "SELECT max(n) FROM numbers", 0, &a);
  ck_assert_msg(rc == 0 && a.value == 1000 && a.error[0] == '\0',
                "expected a query after the errors to work (1000, no message), got %d, %lld, "
                "\"%s\"",
                rc, (long long)a.value, a.error);
  close_offload(o);
  return 0;
}

START_TEST(sqlite_errors_become_errno)
{
  make_database();
  watch();
  grade_run(errors_body, NULL);
  ck_assert_msg(atomic_load(&seen.opens) == atomic_load(&seen.closes),
                "expected every connection opened to be closed, %d opened and %d closed",
                atomic_load(&seen.opens), atomic_load(&seen.closes));
  remove_database();
}
END_TEST

/* ---- cancellation ----------------------------------------------------------- */

static int cancel_waiting_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = open_offload(1);
  unsigned char *text = make_text(256 * 1024, 5);
  atomic_store(&gate_armed, 1);
  call_t first = {.o = o, .data = text, .len = 256 * 1024};
  ac_task_t *first_task = start_call(&first);
  ck_assert_msg(wait_until_gate_entered(), "expected the first compression to start");
  int runs_before = seen.runs, inits_before = atomic_load(&seen.deflate_inits);
  int steps_before = atomic_load(&seen.steps);
  enum { N = 3 };
  call_t calls[N] = {
      {.o = o, .sql = SUM_TO, .param = 10},
      {.o = o, .data = text, .len = 1000},
      {.o = o, .sql = "SELECT 1", .param = 0},
  };
  ac_task_t *tasks[N];
  for (int i = 0; i < N; i++)
    tasks[i] = start_call(&calls[i]);
  ac_task_sleep(30);
  for (int i = 0; i < N; i++)
    ac_future_cancel(tasks[i]);
  wait_calls(tasks, N, 3000, "callers cancelled while they wait for room");
  for (int i = 0; i < N; i++)
    ck_assert_msg(calls[i].rc == -ECANCELED,
                  "expected a caller cancelled while waiting for room to get -ECANCELED, call %d "
                  "got %d (%s)",
                  i + 1, calls[i].rc, ac_error_message(calls[i].rc));
  atomic_store(&gate_open, 1);
  ac_task_t *one[1] = {first_task};
  wait_calls(one, 1, 20000, "the first compression");
  ck_assert_msg(first.rc == 0, "expected the first compression to finish, it returned %d",
                first.rc);
  free(first.out);
  ac_task_sleep(100); /* a job handed over anyway would run now */
  ck_assert_msg(seen.runs == runs_before && atomic_load(&seen.deflate_inits) == inits_before &&
                    atomic_load(&seen.steps) == steps_before,
                "expected nothing of the cancelled callers to reach the pool, but %d jobs were "
                "handed over and %d compressions and %d query steps ran",
                seen.runs - runs_before, atomic_load(&seen.deflate_inits) - inits_before,
                atomic_load(&seen.steps) - steps_before);
  close_offload(o);
  free(text);
  return 0;
}

START_TEST(cancel_while_waiting_queues_nothing)
{
  make_database();
  watch();
  grade_run(cancel_waiting_body, NULL);
  remove_database();
}
END_TEST

typedef struct {
  offload_t *o;
  int rc;
} closer_t;

static int closer(void *arg, void **result)
{
  (void)result;
  closer_t *c = arg;
  c->rc = offload_close(c->o);
  return 0;
}

enum { BIG_TEXT = 4 << 20 };
static double heap_before, heap_after;
static int deflates_of_abandoned;

static int cancel_running_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = open_offload(1);
  heap_before = heap_mib(); /* the test's text is freed before the heap is measured again */
  unsigned char *text = make_text(BIG_TEXT, 9);
  atomic_store(&gate_armed, 1);
  call_t call = {.o = o, .data = text, .len = BIG_TEXT};
  ac_task_t *task = start_call(&call);
  ck_assert_msg(wait_until_gate_entered(), "expected the compression to start");
  int deflates_before = atomic_load(&seen.deflates);
  ac_future_cancel(task);
  ac_task_t *one[1] = {task};
  wait_calls(one, 1, 3000, "a caller cancelled while its job runs (it must not wait for the job)");
  ck_assert_msg(call.rc == -ECANCELED && call.out == NULL,
                "expected the cancelled compression to return -ECANCELED and no output, it "
                "returned %d",
                call.rc);
  free(text); /* the caller's buffer: the job must not need it any more */
  closer_t c = {o, 1};
  ac_task_t *closing = NULL;
  ck_assert(ac_task_create(&closing, closer, &c) == 0);
  ac_task_sleep(50);
  ck_assert_msg(!ac_future_is_done(closing),
                "expected offload_close() to wait for the abandoned job, which is still running");
  atomic_store(&gate_open, 1);
  one[0] = closing;
  wait_calls(one, 1, 20000, "offload_close() once the abandoned job may go on");
  ck_assert_msg(c.rc == 0, "expected offload_close() to return 0, it returned %d", c.rc);
  deflates_of_abandoned = atomic_load(&seen.deflates) - deflates_before;
  heap_after = heap_mib();
  return 0;
}

START_TEST(cancel_while_running_stops_and_frees)
{
  make_database();
  watch();
  grade_run(cancel_running_body, NULL);
  int chunks = BIG_TEXT / OFFLOAD_CHUNK;
  ck_assert_msg(deflates_of_abandoned <= 2,
                "expected the abandoned compression to stop at its next chunk, but deflate() was "
                "called %d more times (of %d chunks): it should check its stop flag between chunks",
                deflates_of_abandoned, chunks);
  ck_assert_msg(heap_after - heap_before < 0.5,
                "expected what the abandoned job made to be freed when it ended, but %.1f MiB more "
                "were in use after offload_close()",
                heap_after - heap_before);
  remove_database();
}
END_TEST

static int interrupt_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = open_offload(1);
  /* No gate here: the query must be running when its caller is cancelled,
   * so that sqlite3_interrupt() would work as well as a progress handler.
   * It would take seconds to finish (thirty million rows). */
  atomic_store(&gate_open, 1);
  atomic_store(&gate_armed, 1);
  call_t call = {.o = o, .sql = SUM_TO, .param = 30000000};
  ac_task_t *task = start_call(&call);
  ck_assert_msg(wait_until_gate_entered(), "expected the query to start");
  ac_task_sleep(200);
  ac_future_cancel(task);
  ac_task_t *one[1] = {task};
  wait_calls(one, 1, 3000, "a caller cancelled while its query runs");
  ck_assert_msg(call.rc == -ECANCELED, "expected the cancelled query to return -ECANCELED, got %d",
                call.rc);
  closer_t c = {o, 1};
  ac_task_t *closing = NULL;
  ck_assert(ac_task_create(&closing, closer, &c) == 0);
  one[0] = closing;
  wait_calls(one, 1, 10000,
             "offload_close() after an abandoned query (the query should be interrupted, not run "
             "for its thirty million rows)");
  ck_assert_msg(c.rc == 0, "expected offload_close() to return 0, it returned %d", c.rc);
  return 0;
}

START_TEST(cancel_interrupts_a_running_query)
{
  make_database();
  watch();
  grade_run(interrupt_body, NULL);
  int rc = atomic_load(&seen.last_step_rc);
  ck_assert_msg(rc == SQLITE_INTERRUPT,
                "expected the abandoned query to be interrupted (SQLITE_INTERRUPT), sqlite3_step() "
                "returned %d (%s): a progress handler that checks the stop flag ends it early",
                rc, sqlite3_errstr(rc));
  remove_database();
}
END_TEST

/* ---- closing ------------------------------------------------------------------ */

START_TEST(close_releases_everything)
{
  make_database();
  watch();
  size_t workers = 3;
  grade_run(mixed_body, &workers);
  ck_assert_msg(seen.executor_closes == 1,
                "expected offload_close() to close its pool once, it did "
                "%d times",
                seen.executor_closes);
  ck_assert_msg(atomic_load(&seen.opens) == atomic_load(&seen.closes),
                "expected offload_close() to close every connection, %d were opened and %d closed",
                atomic_load(&seen.opens), atomic_load(&seen.closes));
  remove_database();
}
END_TEST

static int bad_arguments_body(void *arg, void **result)
{
  (void)arg, (void)result;
  offload_t *o = NULL;
  ck_assert_msg(offload_open(NULL, db_path, 2) == -EINVAL,
                "offload_open(NULL, ...) must be -EINVAL");
  ck_assert_msg(offload_open(&o, NULL, 2) == -EINVAL, "a NULL path must be -EINVAL");
  ck_assert_msg(offload_open(&o, db_path, 0) == -EINVAL, "0 workers must be -EINVAL");
  ck_assert_msg(offload_open(&o, db_path, 65) == -EINVAL, "65 workers must be -EINVAL");
  o = open_offload(1);
  offload_answer_t a;
  unsigned char *out = NULL;
  size_t out_len = 0;
  ck_assert_msg(offload_query(NULL, "SELECT 1", 0, &a) == -EINVAL,
                "a NULL offload must be -EINVAL");
  ck_assert_msg(offload_query(o, NULL, 0, &a) == -EINVAL, "a NULL query must be -EINVAL");
  ck_assert_msg(offload_query(o, "SELECT 1", 0, NULL) == -EINVAL, "a NULL answer must be -EINVAL");
  ck_assert_msg(offload_compress(NULL, "x", 1, &out, &out_len) == -EINVAL,
                "a NULL offload must be -EINVAL");
  ck_assert_msg(offload_compress(o, NULL, 1, &out, &out_len) == -EINVAL,
                "NULL data of length 1 must be -EINVAL");
  ck_assert_msg(offload_compress(o, "x", 1, NULL, &out_len) == -EINVAL,
                "a NULL output must be -EINVAL");
  ck_assert_msg(offload_compress(o, "x", 1, &out, NULL) == -EINVAL,
                "a NULL length must be -EINVAL");
  ck_assert_msg(offload_close(NULL) == -EINVAL, "offload_close(NULL) must be -EINVAL");
  close_offload(o);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  make_database();
  watch();
  grade_run(bad_arguments_body, NULL);
  remove_database();
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, query_returns_the_value);
  GRADE_ADD(s, compress_round_trips);
  GRADE_ADD(s, sqlite_stays_off_the_loop);
  GRADE_ADD(s, compression_stays_off_the_loop);
  GRADE_ADD(s, no_connection_used_by_two_threads_at_once);
  GRADE_ADD(s, heartbeat_stays_on_time);
  GRADE_ADD(s, jobs_in_flight_are_bounded);
  GRADE_ADD(s, one_pool_for_all_jobs);
  GRADE_ADD(s, sqlite_errors_become_errno);
  GRADE_ADD(s, cancel_while_waiting_queues_nothing);
  GRADE_ADD(s, cancel_while_running_stops_and_frees);
  GRADE_ADD(s, cancel_interrupts_a_running_query);
  GRADE_ADD(s, close_releases_everything);
  GRADE_ADD(s, bad_arguments_are_rejected);
}

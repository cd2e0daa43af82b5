/* db_thread.c - one SQLite connection owned by a dedicated thread: a pool
 * of one worker, so the connection is only ever used by that thread, one
 * query at a time, in the order they were asked. Four tasks ask at once. */
#include <ac.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>

#include "db.h"

/* [db_thread] */
typedef struct {
  sqlite3 *db;
  const char *sql;
  long long value;
  char error[128];
} query_t;

static int open_db(void *arg, void **result)
{
  (void)result;
  query_t *q = arg; /* an in-memory database of the connection's own */
  int rc = sqlite3_open_v2(":memory:", &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) { /* a failed open still gives a handle to close */
    sqlite3_close(q->db);
    q->db = NULL;
  }
  return db_errno(rc);
}

static int run_query(void *arg, void **result)
{
  (void)result;
  query_t *q = arg;
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2(q->db, q->sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    q->value = sqlite3_column_int64(stmt, 0);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK) /* the message is the connection's: read it on its thread */
    snprintf(q->error, sizeof q->error, "%s", sqlite3_errmsg(q->db));
  sqlite3_finalize(stmt);
  return db_errno(rc);
}

static int close_db(void *arg, void **result)
{
  (void)result;
  query_t *q = arg;
  return db_close(q->db);
}
/* [db_thread] */

static ac_executor_t *db_thread; /* the one thread that touches the connection */
static sqlite3 *db;

static int asker(void *arg, void **result)
{
  (void)result;
  query_t *q = arg;
  q->db = db;
  int rc = ac_executor_run(db_thread, run_query, q, NULL);
  if (rc)
    printf("%s -> %s (%s)\n", q->sql, ac_error_message(rc), q->error);
  else
    printf("%s -> %lld\n", q->sql, q->value);
  return 0;
}

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  /* [main] */
  int rc = ac_executor_create(&db_thread, 1);
  if (rc)
    return rc;
  query_t open = {0};
  if ((rc = ac_executor_run(db_thread, open_db, &open, NULL)) == 0) {
    db = open.db;
    query_t queries[] = {
        {.sql = "SELECT 6 * 7"},
        {.sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)"
                " SELECT sum(x) FROM c"},
        {.sql = "SELEC 1"},
        {.sql = "SELECT count(*) FROM sqlite_schema"},
    };
    enum { N = sizeof queries / sizeof *queries };
    ac_task_t *tasks[N];
    size_t started = 0;
    while (started < N && ac_task_create(&tasks[started], asker, &queries[started]) == 0)
      started++;
    (void)ac_future_gather((ac_future_t *const *)tasks, started, NULL, NULL, 0);
    for (size_t i = 0; i < started; i++)
      ac_future_release(tasks[i]);
    (void)ac_executor_run(db_thread, close_db, &open, NULL);
  }
  (void)ac_executor_close(db_thread, 0);
  /* [main] */
  return rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc)
    fprintf(stderr, "db_thread: %s\n", ac_error_message(rc));
  return rc ? 1 : 0;
}

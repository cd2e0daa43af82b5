/* offload.c - chapter 09, exercise 1, reference solution: SQLite queries
 * and compression on a pool of worker threads, at most one job per worker
 * in flight, each with a connection of its own.
 *
 * A job is shared by its caller and a runner task that hands it to the pool.
 * The caller waits for the runner through ac_future_shield(), so when the
 * caller is cancelled the runner goes on: it waits for the worker, gives the
 * connection and the room back, and frees whatever the job made.
 */
#include "offload.h"

#include <ac.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "db.h"

enum {
  MAX_WORKERS = 64,
  PROGRESS_STEPS = 1000 /* SQLite's virtual machine steps between two checks for a stop */
};

struct offload_s {
  ac_executor_t *pool;
  ac_sem_t *room;  /* one permit per worker: the bound on jobs in flight */
  sqlite3 **conns; /* every connection, one per worker */
  sqlite3 **idle;  /* the connections no job holds (a stack, used on the loop only) */
  size_t idle_count;
  size_t workers;
};

typedef struct job_s {
  offload_t *offload;
  ac_work_fn work;
  sqlite3 *db;     /* the connection this job holds while in flight */
  atomic_int stop; /* set when the caller gives up: the worker stops early */
  bool abandoned;  /* the caller is gone: the runner frees the job (loop only) */
  int rc;          /* the job's outcome */
  /* a query */
  char *sql;
  int64_t param;
  offload_answer_t answer;
  /* a compression: its own copy of the input, which the caller may free */
  unsigned char *data;
  size_t len;
  unsigned char *out;
  size_t out_len;
} job_t;

static void job_free(job_t *job)
{
  free(job->sql);
  free(job->data);
  free(job->out);
  free(job);
}

/* ---- on the worker threads ---------------------------------------------- */

/* SQLite's progress handler: a nonzero answer interrupts the statement. */
static int stop_requested(void *arg)
{
  job_t *job = arg;
  return atomic_load(&job->stop);
}

static int query_work(void *arg, void **result)
{
  (void)result;
  job_t *job = arg;
  sqlite3_stmt *stmt = NULL;
  sqlite3_progress_handler(job->db, PROGRESS_STEPS, stop_requested, job);
  int rc = sqlite3_prepare_v2(job->db, job->sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK && sqlite3_bind_parameter_count(stmt) > 0)
    rc = sqlite3_bind_int64(stmt, 1, job->param);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      job->answer.value = sqlite3_column_int64(stmt, 0);
      rc = SQLITE_OK;
    }
  }
  /* The message belongs to this connection, which only this thread uses
   * now: read it here, before another job's call replaces it. */
  if (rc == SQLITE_DONE) {
    snprintf(job->answer.error, sizeof job->answer.error, "the query gave no row");
    job->rc = -ENODATA;
  } else if (rc != SQLITE_OK) {
    snprintf(job->answer.error, sizeof job->answer.error, "%s", sqlite3_errmsg(job->db));
    job->rc = db_errno(rc);
  }
  sqlite3_finalize(stmt);
  sqlite3_progress_handler(job->db, 0, NULL, NULL);
  return job->rc;
}

static int compress_work(void *arg, void **result)
{
  (void)result;
  job_t *job = arg;
  z_stream z = {0};
  if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK)
    return job->rc = -ENOMEM;
  size_t cap = deflateBound(&z, (uLong)job->len);
  job->out = malloc(cap ? cap : 1);
  if (!job->out) {
    deflateEnd(&z);
    return job->rc = -ENOMEM;
  }
  z.next_out = job->out;
  z.avail_out = (uInt)cap;
  size_t done = 0;
  int zrc = Z_OK;
  while (zrc == Z_OK) {
    if (atomic_load(&job->stop)) /* the caller has gone: stop between chunks */
    {
      deflateEnd(&z);
      return job->rc = -ECANCELED;
    }
    size_t chunk = job->len - done < OFFLOAD_CHUNK ? job->len - done : OFFLOAD_CHUNK;
    z.next_in = job->data + done;
    z.avail_in = (uInt)chunk;
    done += chunk;
    zrc = deflate(&z, done == job->len ? Z_FINISH : Z_NO_FLUSH);
  }
  job->out_len = z.total_out;
  deflateEnd(&z);
  return job->rc = zrc == Z_STREAM_END ? 0 : -EIO;
}

/* What offload_open() and offload_close() run on the pool. */
typedef struct {
  const char *path;
  sqlite3 *db;
  char error[OFFLOAD_ERROR_SIZE];
} conn_job_t;

static int open_work(void *arg, void **result)
{
  (void)result;
  conn_job_t *c = arg;
  return db_open_readonly(c->path, &c->db, c->error, sizeof c->error);
}

static int close_work(void *arg, void **result)
{
  (void)result;
  conn_job_t *c = arg;
  return db_close(c->db);
}

/* ---- on the loop -------------------------------------------------------- */

/* Hands the job to the pool and waits for the worker, whatever happens to
 * the caller; then gives the connection and the room back. */
static int runner(void *arg, void **result)
{
  (void)result;
  job_t *job = arg;
  offload_t *o = job->offload;
  int rc = ac_executor_run(o->pool, job->work, job, NULL);
  if (rc && !job->rc)
    job->rc = rc; /* the pool's own failure */
  if (job->db)
    o->idle[o->idle_count++] = job->db;
  (void)ac_sem_release(o->room);
  if (job->abandoned)
    job_free(job); /* nobody will read what it made */
  return 0;
}

/* Wait for room, then run JOB on the pool. 0: JOB holds the outcome and
 * belongs to the caller again; otherwise JOB is freed or abandoned. */
static int run_job(offload_t *o, job_t *job)
{
  int rc = ac_sem_acquire(o->room); /* cancelled here: nothing was handed over */
  if (rc) {
    job_free(job);
    return rc;
  }
  if (job->work == query_work)
    job->db = o->idle[--o->idle_count];
  ac_task_t *task = NULL;
  rc = ac_task_create(&task, runner, job);
  if (rc) {
    if (job->db)
      o->idle[o->idle_count++] = job->db;
    (void)ac_sem_release(o->room);
    job_free(job);
    return rc;
  }
  rc = ac_future_shield(task, NULL);
  if (rc == -ECANCELED && !ac_future_is_done(task)) {
    /* The caller gives up; the runner finishes the job and frees it. */
    job->abandoned = true;
    atomic_store(&job->stop, 1);
    (void)ac_future_release(task);
    return -ECANCELED;
  }
  (void)ac_future_release(task);
  return 0;
}

static job_t *job_new(offload_t *o, ac_work_fn work)
{
  job_t *job = calloc(1, sizeof *job);
  if (job) {
    job->offload = o;
    job->work = work;
  }
  return job;
}

int offload_query(offload_t *o, const char *sql, int64_t param, offload_answer_t *answer)
{
  if (!o || !sql || !answer)
    return -EINVAL;
  memset(answer, 0, sizeof *answer);
  job_t *job = job_new(o, query_work);
  if (!job || !(job->sql = strdup(sql))) /* the worker may outlive the caller's string */
  {
    free(job);
    return -ENOMEM;
  }
  job->param = param;
  int rc = run_job(o, job);
  if (rc)
    return rc;
  *answer = job->answer;
  rc = job->rc;
  job_free(job);
  return rc;
}

int offload_compress(offload_t *o, const void *data, size_t len, unsigned char **out,
                     size_t *out_len)
{
  if (!o || (!data && len) || !out || !out_len)
    return -EINVAL;
  *out = NULL;
  *out_len = 0;
  job_t *job = job_new(o, compress_work);
  if (!job || !(job->data = malloc(len ? len : 1))) /* the worker's own copy */
  {
    free(job);
    return -ENOMEM;
  }
  if (len)
    memcpy(job->data, data, len);
  job->len = len;
  int rc = run_job(o, job);
  if (rc)
    return rc;
  rc = job->rc;
  if (rc == 0) {
    *out = job->out;
    *out_len = job->out_len;
    job->out = NULL;
  }
  job_free(job);
  return rc;
}

/* Close the connections that are open, each on the pool, then the pool and
 * the rest. */
static void teardown(offload_t *o)
{
  for (size_t i = 0; i < o->workers; i++) {
    if (o->conns[i]) {
      conn_job_t c = {.db = o->conns[i]};
      (void)ac_executor_run(o->pool, close_work, &c, NULL);
    }
  }
  (void)ac_executor_close(o->pool, 0);
  (void)ac_sem_close(o->room);
  free(o->conns);
  free(o->idle);
  free(o);
}

int offload_open(offload_t **out, const char *db_path, size_t workers)
{
  if (!out || !db_path || workers < 1 || workers > MAX_WORKERS)
    return -EINVAL;
  *out = NULL;
  offload_t *o = calloc(1, sizeof *o);
  if (!o)
    return -ENOMEM;
  o->workers = workers;
  o->conns = calloc(workers, sizeof *o->conns);
  o->idle = calloc(workers, sizeof *o->idle);
  int rc = !o->conns || !o->idle ? -ENOMEM : 0;
  if (rc == 0 && (rc = ac_executor_create(&o->pool, workers)) == 0 &&
      (rc = ac_sem_create(&o->room, workers, AC_SEM_BOUNDED)) != 0) {
    (void)ac_executor_close(o->pool, 0);
  }
  if (rc) {
    free(o->conns);
    free(o->idle);
    free(o);
    return rc;
  }
  for (size_t i = 0; i < workers && rc == 0; i++) {
    conn_job_t c = {.path = db_path};
    rc = ac_executor_run(o->pool, open_work, &c, NULL);
    o->conns[i] = o->idle[i] = c.db;
  }
  o->idle_count = workers;
  if (rc) {
    teardown(o);
    return rc;
  }
  *out = o;
  return 0;
}

int offload_close(offload_t *o)
{
  if (!o)
    return -EINVAL;
  /* Every permit back means every job has ended, abandoned ones included. */
  for (size_t taken = 0; taken < o->workers; taken++) {
    int rc = ac_sem_acquire(o->room);
    if (rc) {
      while (taken--)
        (void)ac_sem_release(o->room);
      return rc;
    }
  }
  teardown(o);
  return 0;
}

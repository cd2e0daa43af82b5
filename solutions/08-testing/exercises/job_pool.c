/* job_pool.c - chapter 08, exercise 1: the reference solution.
 *
 * The two bugs of the stub, fixed: close shuts the queue down before it
 * waits for the workers (they wait in ac_queue_get() until it does: the
 * deadlock report showed "main" in "task group" and every worker in
 * "queue get"), and the pause before a retry is ac_task_sleep(), which
 * suspends the worker, instead of usleep(), which stopped the whole loop
 * (debug mode named the worker that ran for retry_ms without suspending).
 */
#include "job_pool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct job_pool {
  job_pool_opts_t opts;
  ac_queue_t *jobs;    /* of struct job *, bounded by queue_size */
  ac_group_t *workers; /* the worker tasks */
  int first_error;     /* of the jobs that finished */
};

struct job {
  job_fn fn;
  void *arg;
};

/* Run one job, again after retry_ms while it asks to, up to max_tries. */
static int run_job(job_pool_t *pool, const struct job *job)
{
  for (int tries = 1;; tries++) {
    int rc = job->fn(job->arg);
    if (rc != -EAGAIN || tries == pool->opts.max_tries)
      return rc;
    int slept = ac_task_sleep(pool->opts.retry_ms); /* only this worker waits */
    if (slept < 0)
      return slept;
  }
}

static int worker(void *arg, void **result)
{
  job_pool_t *pool = arg;
  (void)result;
  for (;;) {
    void *item;
    int rc = ac_queue_get(pool->jobs, &item);
    if (rc == -ESHUTDOWN)
      return 0; /* the queue is shut and empty: the pool is closing */
    if (rc < 0)
      return rc;
    struct job *job = item;
    rc = run_job(pool, job);
    if (rc < 0 && pool->first_error == 0)
      pool->first_error = rc;
    free(job);
    ac_queue_task_done(pool->jobs);
  }
}

int job_pool_create(job_pool_t **out, const job_pool_opts_t *opts)
{
  if (!out || !opts || opts->workers < 1 || opts->queue_size < 1 || opts->retry_ms <= 0 ||
      opts->max_tries < 1)
    return -EINVAL;
  job_pool_t *pool = calloc(1, sizeof *pool);
  if (!pool)
    return -ENOMEM;
  pool->opts = *opts;
  int rc = ac_queue_create(&pool->jobs, AC_QUEUE_FIFO, opts->queue_size, NULL);
  if (rc == 0 && (rc = ac_group_create(&pool->workers)) != 0)
    ac_queue_close(pool->jobs);
  if (rc) {
    free(pool);
    return rc;
  }
  for (size_t i = 0; i < opts->workers && rc == 0; i++) {
    char name[32];
    snprintf(name, sizeof name, "worker-%zu", i + 1); /* so the runtime's reports name them */
    rc = ac_group_spawn(pool->workers, NULL, worker, pool, &(ac_task_opts_t){.name = name});
  }
  if (rc) { /* the workers started stop at the shutdown */
    ac_queue_shutdown(pool->jobs, 0);
    ac_group_close(pool->workers);
    ac_queue_close(pool->jobs);
    free(pool);
    return rc;
  }
  *out = pool;
  return 0;
}

int job_pool_submit(job_pool_t *pool, job_fn fn, void *arg)
{
  if (!pool || !fn)
    return -EINVAL;
  struct job *job = malloc(sizeof *job);
  if (!job)
    return -ENOMEM;
  job->fn = fn;
  job->arg = arg;
  int rc = ac_queue_put(pool->jobs, job); /* waits while the queue is full */
  if (rc)
    free(job);
  return rc;
}

int job_pool_close(job_pool_t *pool)
{
  if (!pool)
    return -EINVAL;
  int rc = ac_queue_join(pool->jobs); /* every job submitted has run */
  ac_queue_shutdown(pool->jobs, 0);   /* so the workers' gets end */
  int closed = ac_group_close(pool->workers);
  ac_queue_close(pool->jobs);
  if (rc == 0)
    rc = closed;
  if (rc == 0)
    rc = pool->first_error;
  free(pool);
  return rc;
}

/* job_pool.h - chapter 08, exercise 1: find and fix a job pool.
 *
 * The tests call these functions; job_pool.c has them, with two bugs in it
 * for you to find with the runtime's tools and fix.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef JOB_POOL_H
#define JOB_POOL_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* A job runs on the loop, in one of the pool's worker tasks, and may
 * suspend. It returns 0, a negative errno, or -EAGAIN to be run again
 * after a pause. */
typedef int (*job_fn)(void *arg);

typedef struct {
  size_t workers;    /* >= 1: how many jobs run at once */
  size_t queue_size; /* >= 1: jobs that wait for a worker; job_pool_submit()
                        waits while that many do */
  int64_t retry_ms;  /* > 0: how long a job that returned -EAGAIN waits
                        before it runs again */
  int max_tries;     /* >= 1: how many times a job runs before its -EAGAIN
                        counts as its error */
} job_pool_opts_t;

typedef struct job_pool job_pool_t;

/* Make a pool and start its workers. From a task. Returns 0; -EINVAL for a
 * NULL pointer or a field out of range; -ENOMEM. */
int job_pool_create(job_pool_t **pool, const job_pool_opts_t *opts);

/* Queue fn(arg) to run, waiting while the queue is full. From a task.
 * Returns 0; -EINVAL for a NULL pool or fn; -ECANCELED if the caller was
 * cancelled while it waited (the job is not queued); -ENOMEM. */
int job_pool_submit(job_pool_t *pool, job_fn fn, void *arg);

/* Wait until every job submitted has run, stop the workers and free the
 * pool. From the task that made the pool. Returns 0 if every job returned 0, else the error
 * of the first job that failed (in the order they finished); -EINVAL
 * for NULL. */
int job_pool_close(job_pool_t *pool);
/* [interface] */

#endif /* JOB_POOL_H */

/* concurrent_sleeps.h - chapter 01, exercise 1: run a batch of jobs at the
 * same time, so the batch takes about as long as its longest job.
 *
 * The tests call run_jobs_concurrently(); you write it in concurrent_sleeps.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef CONCURRENT_SLEEPS_H
#define CONCURRENT_SLEEPS_H

#include <stddef.h>

/* [interface] */
typedef struct job_s job_t;

/* The work of one job. It runs inside a task and may suspend (ac_task_sleep()).
 * It returns 0 on success or a negative errno on failure. */
typedef int (*job_fn)(job_t *job);

/* One job of a batch. */
struct job_s {
  job_fn run; /* the work; must not be NULL */
  void *data; /* whatever run needs; run_jobs_concurrently() leaves it alone */
  int result; /* set by run_jobs_concurrently(): what run returned */
};

/*
 * Run jobs[0] .. jobs[n-1], each in a task of its own so that they all wait
 * at the same time, and return once every one of them has finished. Each
 * job's return value is stored in its `result` field.
 *
 * Call it from inside a task (the main task of ac_loop_run(), or one it started).
 *
 * Returns:
 *   0          every job returned 0 (and for n == 0, where jobs may be NULL);
 *   the result of the failed job with the lowest index, if any failed: the
 *              other jobs still run to their end before the call returns;
 *   -EINVAL    jobs is NULL while n > 0, or a job's run is NULL: no job runs;
 *   an error of ac_task_create() (such as -ENOMEM, or -ENOENT outside a
 *              loop): the jobs already started are awaited first, and the
 *              jobs never started get that error as their result.
 */
int run_jobs_concurrently(job_t *jobs, size_t n);
/* [interface] */

#endif /* CONCURRENT_SLEEPS_H */

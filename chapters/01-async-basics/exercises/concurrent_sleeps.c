/* concurrent_sleeps.c - chapter 01, exercise 1: make waits overlap.
 *
 * What to build: run_jobs_concurrently(), described in concurrent_sleeps.h.
 * Calling each job's run() in a loop works, but the batch then takes the SUM
 * of the jobs' waits. Start one task per job instead, so that every job is
 * waiting at the same time and the batch takes about as long as the LONGEST
 * job. Then await every task, keep each job's result, and release each task.
 *
 * What the tests check: every job runs exactly once and its result is kept;
 * all jobs start before the first one finishes; the batch takes well under
 * the sum of the waits; a failure is reported (the lowest index wins) only
 * after every job has finished; bad input gets -EINVAL and runs nothing; an
 * error from ac_task_create() is passed through; no task is left behind.
 *
 * Grade it with: make grade CH=01 EX=concurrent_sleeps
 */
#include "concurrent_sleeps.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* TODO: a task function (ac_task_fn) that runs one job: its argument can be
 * the job itself. */

int run_jobs_concurrently(job_t *jobs, size_t n)
{
  /* TODO: reject bad input before anything runs (see the header). */
  /* TODO: start one task per job with ac_task_create(), keeping the tasks
   *       in an array (calloc it: n is not known in advance). */
  /* TODO: await every task you started, in order, storing each job's result;
   *       remember the first failure by index. */
  /* TODO: release every task, free the array. */
  (void)jobs;
  (void)n;
  return -ENOSYS; /* not written yet */
}

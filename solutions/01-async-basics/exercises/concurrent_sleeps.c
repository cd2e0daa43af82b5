/* concurrent_sleeps.c - reference solution of chapter 01, exercise 1.
 *
 * One task per job: every job reaches its first ac_task_sleep() before any of
 * them wakes up, so their waits overlap and the batch takes about as long
 * as its longest job instead of the sum of all of them.
 */
#include "concurrent_sleeps.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* The task function: run one job. Its return value becomes the task's
 * outcome, which ac_future_await() hands back. */
static int job_task(void *arg, void **result)
{
  job_t *job = arg;

  (void)result; /* a job has no result besides its return code */
  return job->run(job);
}

int run_jobs_concurrently(job_t *jobs, size_t n)
{
  if (n == 0)
    return 0;
  /* Check everything before starting anything: half a batch started and
   * then refused would be harder to explain than a batch never started. */
  if (jobs == NULL)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (jobs[i].run == NULL)
      return -EINVAL;

  ac_task_t **tasks = calloc(n, sizeof *tasks);
  if (tasks == NULL)
    return -ENOMEM;

  /* Start every job. Creating a task only schedules it: none of them runs
   * until this task suspends in the first ac_future_await() below. */
  int create_error = 0;
  size_t started = 0;
  while (started < n) {
    create_error = ac_task_create(&tasks[started], job_task, &jobs[started]);
    if (create_error < 0)
      break;
    started++;
  }

  /* Await every task that was created, even after an error: a task left
   * running would use the jobs array after we have returned. The order of
   * the awaits does not matter for the time taken, since all the tasks
   * wait at once; awaiting in index order makes "the lowest index wins"
   * a simple first-seen rule. */
  int first_failure = 0;
  for (size_t i = 0; i < started; i++) {
    jobs[i].result = ac_future_await(tasks[i], NULL);
    if (first_failure == 0 && jobs[i].result < 0)
      first_failure = jobs[i].result;
    ac_future_release(tasks[i]); /* create succeeded, so we must release */
  }
  free(tasks);

  if (create_error < 0) {
    for (size_t i = started; i < n; i++)
      jobs[i].result = create_error;
    return create_error;
  }
  return first_failure;
}

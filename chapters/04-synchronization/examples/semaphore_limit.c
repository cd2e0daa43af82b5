/* semaphore_limit.c - a semaphore lets at most two of five jobs run at once, and hands permits over
 * in arrival order. */
#include <ac.h>
#include <stdio.h>

#define JOBS 5  /* jobs started at once */
#define LIMIT 2 /* jobs allowed to run together */

typedef struct {
  ac_sem_t *sem; /* LIMIT permits */
  int id;        /* the job's number, for the output */
  int *running;  /* jobs holding a permit now, shared */
} job_t;

/* [job] */
/* Takes a permit, works for two turns of the loop, gives the permit back.
 * The release hands it straight to the longest waiter. */
static int job(void *arg, void **result)
{
  job_t *j = arg;

  (void)result;
  int rc = ac_sem_acquire(j->sem);
  if (rc < 0)
    return rc;
  (*j->running)++;
  printf("job %d starts (%d running)\n", j->id, *j->running);
  for (int turn = 0; turn < 2 && rc == 0; turn++)
    rc = ac_task_sleep(0); /* the work: other tasks run meanwhile */
  (*j->running)--;
  printf("job %d ends\n", j->id);
  int release_rc = ac_sem_release(j->sem);
  return rc < 0 ? rc : release_rc;
}
/* [job] */

static int main_task(void *arg, void **result)
{
  ac_sem_t *sem;
  ac_task_t *tasks[JOBS];
  job_t jobs[JOBS];
  int running = 0, n = 0;
  (void)arg;
  (void)result;

  int rc = ac_sem_create(&sem, LIMIT, AC_SEM_BOUNDED);
  if (rc < 0)
    return rc;
  for (; n < JOBS; n++) {
    jobs[n] = (job_t){sem, n + 1, &running};
    rc = ac_task_create(&tasks[n], job, &jobs[n]);
    if (rc < 0)
      break;
  }
  if (rc == 0)
    rc = ac_future_gather(tasks, (size_t)n, NULL, NULL, 0);
  for (int i = 0; i < n; i++)
    ac_future_release(tasks[i]);
  int close_rc = ac_sem_close(sem);
  return rc < 0 ? rc : close_rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "semaphore_limit: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

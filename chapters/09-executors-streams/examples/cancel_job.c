/* cancel_job.c - what cancelling an executor job can stop and what it
 * cannot. On a pool of one thread, job A runs and job B waits behind it;
 * both callers are cancelled. B is taken out of the queue and never runs;
 * A is abandoned but goes on until it sees its stop flag, and tells the
 * loop it has ended with ac_loop_call_soon_threadsafe(). */
#include <ac.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

/* [job] */
typedef struct {
  atomic_int started;
  atomic_int stop;   /* set by the loop when the caller gives up */
  atomic_int steps;  /* how far the job got */
  ac_loop_t *loop;   /* to tell the loop the job has ended */
  ac_event_t *ended; /* set on the loop once the job has returned */
  int rc;            /* the caller's outcome */
} job_t;

static void job_ended(void *arg) /* runs on the loop's thread */
{
  job_t *job = arg;
  ac_event_set(job->ended);
}

/* A long computation in 1,000 steps of 2 ms, with a look at its flag
 * between two of them: the only way to stop a job that runs. */
static int long_job(void *arg, void **result)
{
  (void)result;
  job_t *job = arg;
  atomic_store(&job->started, 1);
  int rc = 0;
  for (int i = 0; i < 1000 && rc == 0; i++) {
    if (atomic_load(&job->stop))
      rc = -ECANCELED;
    else {
      usleep(2000); /* stands for a chunk of real work */
      atomic_fetch_add(&job->steps, 1);
    }
  }
  ac_loop_call_soon_threadsafe(job->loop, job_ended,
                               job); /* the one runtime call a worker may make */
  return rc;
}
/* [job] */

static ac_executor_t *pool;

/* [caller] */
static int caller(void *arg, void **result)
{
  (void)result;
  job_t *job = arg;
  job->rc = ac_executor_run(pool, long_job, job, NULL);
  if (job->rc == -ECANCELED)
    atomic_store(&job->stop, 1); /* abandoned: ask the job to stop early */
  return 0;
}
/* [caller] */

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  job_t a = {.loop = ac_loop_current()}, b = {.loop = ac_loop_current()};
  ac_task_t *ta = NULL, *tb = NULL;
  int rc = ac_executor_create(&pool, 1);
  if (rc == 0 && (rc = ac_event_create(&a.ended)) == 0 && (rc = ac_event_create(&b.ended)) == 0 &&
      (rc = ac_task_create(&ta, caller, &a)) == 0 && (rc = ac_task_create(&tb, caller, &b)) == 0) {
    while (!atomic_load(&a.started)) /* A runs; B waits in the pool's queue */
      (void)ac_task_sleep(1);
    (void)ac_task_sleep(20);
    printf("A has started, B waits behind it: cancelling both callers\n");
    ac_future_cancel(ta);
    ac_future_cancel(tb);
    ac_future_await(ta, NULL);
    ac_future_await(tb, NULL);
    printf("A's caller: %s; B's caller: %s\n", ac_error_message(a.rc), ac_error_message(b.rc));
    printf("B started: %s\n", atomic_load(&b.started) ? "yes" : "no");
    ac_event_wait(a.ended); /* A is still running: wait for its end */
    printf("A stopped at its flag, after %s of its 1000 steps\n",
           atomic_load(&a.steps) < 1000 ? "fewer" : "all");
  }
  if (ta)
    ac_future_release(ta);
  if (tb)
    ac_future_release(tb);
  if (a.ended)
    ac_event_close(a.ended);
  if (b.ended)
    ac_event_close(b.ended);
  if (pool)
    ac_executor_close(pool, 0);
  return rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc)
    fprintf(stderr, "cancel_job: %s\n", ac_error_message(rc));
  return rc ? 1 : 0;
}

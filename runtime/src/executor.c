/* executor.c - jobs on worker threads: the default executor (libuv's thread
 * pool) and pools of our own, both awaited by a suspended task.
 *
 * A job is shared by the waiting task and the thread that runs it. Who frees
 * it: the waiting task once it has the outcome; or, when the task gave up
 * (cancelled), the loop once the job's completion arrives. Completions of
 * our pools come back through the loop's thread-safe call queue.
 */
#include <stdlib.h>

#include "internal.h"

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

typedef struct job {
  ac_work_fn fn;
  void *arg;
  void *result;
  int rc;
  int state;              /* JOB_*: written under the pool's mutex */
  int abandoned;          /* the waiting task gave up: free on completion */
  int delivered;          /* the completion reached the loop */
  ac__task *task;         /* the waiting task */
  ac__loop *loop;
  ac_executor_t *pool;    /* NULL for the default executor */
  struct job *next;       /* in the pool's queue */
  uv_work_t req;          /* for the default executor */
} job;

struct ac_executor_s {
  ac__resource res;       /* closed with the loop */
  ac__loop *loop;
  pthread_mutex_t mutex;  /* guards the queue, states and counts below */
  pthread_cond_t wake;    /* a job arrived, or stop */
  job *head, *tail;       /* queued jobs */
  int stopping;           /* shutdown was called: workers leave when the queue is empty */
  int running_workers;    /* threads not yet exited */
  int nworkers;
  pthread_t *threads;
  ac__task *shutdown_waiter; /* the task in ac_executor_shutdown(wait), if any */
};

/* ---- completion, on the loop --------------------------------------------- */

static void job_finished(job *j) {
  if (j->abandoned) {
    free(j);
    return;
  }
  j->delivered = 1;
  ac__wake(j->task, 0); /* the task reads the outcome and frees the job */
}

static void pool_job_done(void *arg) {
  job *j = arg;
  ac__loop_hold(j->loop, -1);
  job_finished(j);
}

static void uv_job_run(uv_work_t *req) {
  job *j = req->data;
  j->rc = j->fn(j->arg, &j->result);
}

static void uv_job_done(uv_work_t *req, int status) {
  job *j = req->data;
  if (status == UV_ECANCELED) j->rc = -ECANCELED;
  job_finished(j);
}

/* ---- the pool's threads -------------------------------------------------- */

static void pool_free(ac_executor_t *ex) {
  ac__resource_untrack(&ex->res);
  for (int i = 0; i < ex->nworkers; i++) pthread_join(ex->threads[i], NULL);
  pthread_mutex_destroy(&ex->mutex);
  pthread_cond_destroy(&ex->wake);
  free(ex->threads);
  free(ex);
}

/* Posted by the last worker to leave. */
static void pool_exited(void *arg) {
  ac_executor_t *ex = arg;
  ac__loop_hold(ex->loop, -1);
  if (ex->shutdown_waiter && ac__wake(ex->shutdown_waiter, 0)) return; /* it frees the pool */
  pool_free(ex);
}

static void *worker(void *arg) {
  ac_executor_t *ex = arg;
  pthread_mutex_lock(&ex->mutex);
  for (;;) {
    while (!ex->head && !ex->stopping) pthread_cond_wait(&ex->wake, &ex->mutex);
    job *j = ex->head;
    if (!j) break; /* stopping, and nothing left */
    ex->head = j->next;
    if (!ex->head) ex->tail = NULL;
    j->state = JOB_RUNNING;
    pthread_mutex_unlock(&ex->mutex);
    void *result = NULL;
    int rc = j->fn(j->arg, &result);
    pthread_mutex_lock(&ex->mutex);
    j->result = result;
    j->rc = rc;
    j->state = JOB_DONE;
    ac__call_threadsafe(j->loop, pool_job_done, j);
  }
  int last = --ex->running_workers == 0;
  pthread_mutex_unlock(&ex->mutex);
  if (last) ac__call_threadsafe(ex->loop, pool_exited, ex);
  return NULL;
}

/* The loop closes (or creation failed): stop, and wait for the threads.
 * All tasks have ended, so no job is queued. */
static void pool_close(ac__resource *r) {
  ac_executor_t *ex = AC__CONTAINER(r, ac_executor_t, res);
  pthread_mutex_lock(&ex->mutex);
  ex->stopping = 1;
  pthread_cond_broadcast(&ex->wake);
  pthread_mutex_unlock(&ex->mutex);
  for (int i = 0; i < ex->nworkers; i++) pthread_join(ex->threads[i], NULL);
  ex->nworkers = 0;
  /* pool_exited arrives through the call queue and frees it. */
}

int ac_executor_create(ac_executor_t **out, int workers) {
  ac__loop *loop = NULL;
  const char *fn = "ac_executor_create";
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  if (workers < 1 || workers > 256)
    return ac__misuse(-EINVAL, fn, "%d workers: a pool has 1 to 256", workers);
  int rc = ac__loop_get(&loop, fn);
  if (rc) return rc;
  ac_executor_t *ex = calloc(1, sizeof *ex);
  if (!ex || !(ex->threads = calloc((size_t)workers, sizeof *ex->threads))) {
    free(ex);
    return -ENOMEM;
  }
  ex->loop = loop;
  pthread_mutex_init(&ex->mutex, NULL);
  pthread_cond_init(&ex->wake, NULL);
  ac__loop_hold(loop, 1); /* released when the last worker has left */
  for (; ex->nworkers < workers; ex->nworkers++) {
    ex->running_workers++;
    if (pthread_create(&ex->threads[ex->nworkers], NULL, worker, ex) != 0) {
      ex->running_workers--;
      break;
    }
  }
  ac__list_init(&ex->res.link);
  if (ex->nworkers < workers) { /* could not start them all: undo */
    int started = ex->nworkers;
    pool_close(&ex->res);
    if (started == 0) { /* no worker will post pool_exited */
      ac__loop_hold(loop, -1);
      pool_free(ex);
    }
    return ac__misuse(-EAGAIN, fn, "could not start %d threads", workers);
  }
  ac__resource_track(loop, &ex->res, pool_close);
  *out = ex;
  return 0;
}

/* ---- running jobs -------------------------------------------------------- */

int ac_run_in_executor(ac_executor_t *ex, ac_work_fn fn, void *arg, void **result) {
  ac__task *t = NULL;
  const char *name = "ac_run_in_executor";
  if (result) *result = NULL;
  if (!fn) return ac__misuse(-EINVAL, name, "the work function is NULL");
  int rc = ac__current(&t, name);
  if (rc) return rc;
  if (ex && ex->loop != t->fut.loop)
    return ac__misuse(-EPERM, name, "the executor belongs to the loop of another thread");
  job *j = calloc(1, sizeof *j);
  if (!j) return -ENOMEM;
  j->fn = fn;
  j->arg = arg;
  j->task = t;
  j->loop = t->fut.loop;
  j->pool = ex;
  j->req.data = j;
  if (ex) {
    pthread_mutex_lock(&ex->mutex);
    if (ex->stopping) {
      pthread_mutex_unlock(&ex->mutex);
      free(j);
      return -ESHUTDOWN;
    }
    if (ex->tail)
      ex->tail->next = j;
    else
      ex->head = j;
    ex->tail = j;
    pthread_cond_signal(&ex->wake);
    pthread_mutex_unlock(&ex->mutex);
    ac__loop_hold(j->loop, 1);
  } else if ((rc = uv_queue_work(&j->loop->uv, &j->req, uv_job_run, uv_job_done))) {
    free(j);
    return rc;
  }

  rc = ac__suspend(t, "executor job");
  if (rc == -ECANCELED) {
    int removed = 0;
    if (ex) { /* not started yet: take it out of the queue */
      pthread_mutex_lock(&ex->mutex);
      if (j->state == JOB_QUEUED) {
        job **p = &ex->head;
        while (*p != j) p = &(*p)->next;
        *p = j->next;
        if (ex->tail == j) {
          ex->tail = NULL;
          for (job *k = ex->head; k; k = k->next) ex->tail = k;
        }
        removed = 1;
      }
      pthread_mutex_unlock(&ex->mutex);
      if (removed) ac__loop_hold(j->loop, -1);
    } else {
      uv_cancel((uv_req_t *)&j->req); /* uv_job_done still runs and frees it */
    }
    if (removed || j->delivered)
      free(j);
    else
      j->abandoned = 1;
    return -ECANCELED;
  }
  rc = j->rc;
  if (result) *result = j->result;
  free(j);
  return rc;
}

int ac_to_thread(ac_work_fn fn, void *arg, void **result) {
  return ac_run_in_executor(NULL, fn, arg, result);
}

int ac_executor_shutdown(ac_executor_t *ex, int wait) {
  const char *fn = "ac_executor_shutdown";
  ac__task *t = NULL;
  if (!ex) return ac__misuse(-EINVAL, fn, "the executor is NULL");
  if (ex->loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the executor belongs to the loop of another thread");
  if (wait) {
    int rc = ac__current(&t, fn);
    if (rc) return rc;
  }
  pthread_mutex_lock(&ex->mutex);
  if (ex->stopping) {
    pthread_mutex_unlock(&ex->mutex);
    return ac__misuse(-EALREADY, fn, "the executor is already shutting down");
  }
  ex->stopping = 1;
  job *cancelled = NULL;
  if (!wait) { /* queued jobs end now, as cancelled */
    cancelled = ex->head;
    ex->head = ex->tail = NULL;
  }
  pthread_cond_broadcast(&ex->wake);
  pthread_mutex_unlock(&ex->mutex);
  /* It stays tracked: a closing loop waits for its threads. */

  while (cancelled) {
    job *next = cancelled->next;
    cancelled->rc = -ECANCELED;
    ac__loop_hold(ex->loop, -1);
    job_finished(cancelled);
    cancelled = next;
  }
  if (!wait) return 0; /* pool_exited frees it after the running jobs */
  ex->shutdown_waiter = t;
  int rc = ac__suspend(t, "executor shutdown");
  if (rc == -ECANCELED) {
    ex->shutdown_waiter = NULL; /* pool_exited frees it later */
    return rc;
  }
  pool_free(ex);
  return 0;
}

int ac_call_soon_threadsafe(ac_loop_t *loop, ac_callback_fn cb, void *arg) {
  if (!loop) return ac__misuse(-EINVAL, "ac_call_soon_threadsafe", "the loop is NULL");
  if (!cb) return ac__misuse(-EINVAL, "ac_call_soon_threadsafe", "the callback is NULL");
  return ac__call_threadsafe(loop, cb, arg);
}

/* executor.c - jobs on worker threads, awaited by a suspended task: pools of
 * threads, the default one made on first use.
 *
 * A job is shared by the waiting task and the thread that runs it. Who frees
 * it: the waiting task once it has the outcome; or, when the task gave up
 * (cancelled), the loop once the job's completion arrives. Completions come
 * back through the loop's thread-safe call queue.
 *
 * A round trip through the kernel's sleep and wake-up costs about 10 us per
 * side; so an idle worker polls the queue for a short while before it
 * sleeps, and the loop does the same for completions (loop.c, both with
 * spin.h), which brings a round trip down to a few microseconds.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "task_internal.h"

enum {
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_DONE,
  DEFAULT_WORKERS = 4, /* the default executor's threads (as libuv's pool) */
  MAX_WORKERS = 256    /* threads of one pool at most */
};

typedef struct job {
  ac_work_fn fn;
  void *arg;
  void *result;
  int rc;
  int state;      /* JOB_*: written under the pool's mutex */
  int abandoned;  /* the waiting task gave up: free on completion */
  int delivered;  /* the completion reached the loop */
  ac__task *task; /* the waiting task */
  ac__loop *loop;
  struct job *next; /* in the pool's queue */
} job;

struct ac_executor_s {
  ac__resource res; /* closed with the loop (the default one: in its slot) */
  ac__loop *loop;
  pthread_mutex_t mutex; /* guards the queue and the counts below */
  pthread_cond_t wake;   /* a job arrived, or stop */
  job *head, *tail;      /* queued jobs */
  _Atomic int queued;    /* jobs in the queue, for workers polling without the lock */
  _Atomic int stopping;  /* no new jobs; workers leave once the queue is empty */
  int sleepers;          /* workers asleep on `wake` */
  int running_workers;   /* threads not yet exited */
  int nworkers;          /* threads to join */
  int exit_held;         /* the loop is held until pool_exited */
  int joined_inline;     /* creation failed: the threads are joined there, nothing is posted */
  pthread_t *threads;
  ac__task *shutdown_waiter; /* the task in ac_executor_close(wait), if any */
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

static void job_done(void *arg) {
  job *j = arg;
  ac__loop_hold(j->loop, -1);
  job_finished(j);
}

static void pool_free(ac_executor_t *ex) {
  ac__resource_untrack(&ex->res);
  if (ac__slot_get(ex->loop, AC__SLOT_EXECUTOR) == ex)
    ac__slot_set(ex->loop, AC__SLOT_EXECUTOR, NULL, NULL);
  for (int i = 0; i < ex->nworkers; i++) pthread_join(ex->threads[i], NULL);
  pthread_mutex_destroy(&ex->mutex);
  pthread_cond_destroy(&ex->wake);
  free(ex->threads);
  free(ex);
}

/* Posted by the last worker to leave. */
static void pool_exited(void *arg) {
  ac_executor_t *ex = arg;
  if (ex->exit_held) ac__loop_hold(ex->loop, -1);
  if (ex->shutdown_waiter && ac__wake(ex->shutdown_waiter, 0)) return; /* it frees the pool */
  pool_free(ex);
}

/* ---- the pool's threads -------------------------------------------------- */

static bool work_or_stop(void *arg) {
  ac_executor_t *ex = arg;
  return atomic_load(&ex->queued) || atomic_load(&ex->stopping);
}

static void *worker(void *arg) {
  ac_executor_t *ex = arg;
  ac__spinner spinner;
  ac__spinner_init(&spinner);
  for (;;) {
    ac__spin_until(&spinner, work_or_stop, ex, &ex->loop->cpu);
    pthread_mutex_lock(&ex->mutex);
    while (!ex->head && !atomic_load(&ex->stopping)) {
      ex->sleepers++;
      pthread_cond_wait(&ex->wake, &ex->mutex);
      ex->sleepers--;
    }
    job *j = ex->head;
    if (!j) { /* stopping, and nothing left */
      int last = --ex->running_workers == 0 && !ex->joined_inline;
      pthread_mutex_unlock(&ex->mutex);
      if (last) ac__call_threadsafe(ex->loop, pool_exited, ex);
      return NULL;
    }
    ex->head = j->next;
    if (!ex->head) ex->tail = NULL;
    atomic_fetch_sub(&ex->queued, 1);
    j->state = JOB_RUNNING;
    pthread_mutex_unlock(&ex->mutex);
    ac__spin_here(&j->loop->worker_cpu);

    void *result = NULL;
    int rc = j->fn(j->arg, &result);

    pthread_mutex_lock(&ex->mutex);
    j->result = result;
    j->rc = rc;
    j->state = JOB_DONE;
    pthread_mutex_unlock(&ex->mutex);
    ac__call_threadsafe(j->loop, job_done, j);
  }
}

static void stop_workers(ac_executor_t *ex) {
  pthread_mutex_lock(&ex->mutex);
  atomic_store(&ex->stopping, 1);
  pthread_cond_broadcast(&ex->wake);
  pthread_mutex_unlock(&ex->mutex);
}

/* The loop closes: stop, and wait for the threads.
 * All tasks have ended, so no job is queued. pool_exited, posted by the
 * last thread, frees the pool. */
static void pool_stop_and_join(ac_executor_t *ex) {
  stop_workers(ex);
  for (int i = 0; i < ex->nworkers; i++) pthread_join(ex->threads[i], NULL);
  ex->nworkers = 0;
}

static void pool_close(ac__resource *r) {
  pool_stop_and_join(AC__CONTAINER(r, ac_executor_t, res));
}

static void default_pool_close(ac__loop *loop, void *state) {
  (void)loop;
  pool_stop_and_join(state);
}

/* Each step is checked; a failure undoes the steps before it, in reverse
 * order. Returns 0 or a negative errno, with *STEP naming what failed. */
static int pool_create(ac__loop *loop, int workers, ac_executor_t **out, const char **step) {
  *step = "calloc";
  ac_executor_t *ex = calloc(1, sizeof *ex);
  if (!ex) return -ENOMEM;
  int rc = -ENOMEM;
  if (!(ex->threads = calloc((size_t)workers, sizeof *ex->threads))) goto fail_pool;
  *step = "pthread_mutex_init";
  if ((rc = -pthread_mutex_init(&ex->mutex, NULL))) goto fail_threads;
  *step = "pthread_cond_init";
  if ((rc = -pthread_cond_init(&ex->wake, NULL))) goto fail_mutex;
  ex->loop = loop;
  ac__list_init(&ex->res.link);
  *step = "pthread_create";
  for (; ex->nworkers < workers; ex->nworkers++) {
    ex->running_workers++;
    if ((rc = -pthread_create(&ex->threads[ex->nworkers], NULL, worker, ex))) {
      ex->running_workers--;
      goto fail_workers;
    }
  }
  *out = ex;
  return 0;

fail_workers: /* stop the threads that started, and wait for them here */
  pthread_mutex_lock(&ex->mutex);
  ex->joined_inline = 1;
  pthread_mutex_unlock(&ex->mutex);
  stop_workers(ex);
  for (int i = 0; i < ex->nworkers; i++) pthread_join(ex->threads[i], NULL);
  pthread_cond_destroy(&ex->wake);
fail_mutex:
  pthread_mutex_destroy(&ex->mutex);
fail_threads:
  free(ex->threads);
fail_pool:
  free(ex);
  return rc;
}

int ac_executor_create(ac_executor_t **out, size_t workers) {
  ac__loop *loop = NULL;
  const char *fn = "ac_executor_create";
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  if (workers < 1 || workers > MAX_WORKERS)
    return ac__misuse(-EINVAL, fn, "%zu workers: a pool has 1 to %d", workers, MAX_WORKERS);
  int rc = ac__loop_get(&loop, fn);
  if (rc) return rc;
  const char *step;
  if ((rc = pool_create(loop, (int)workers, out, &step)))
    return ac__misuse(rc, fn, "cannot set up a pool of %zu threads: %s failed", workers, step);
  ac__resource_track(loop, &(*out)->res, pool_close);
  return 0;
}

/* ---- running jobs -------------------------------------------------------- */

/* Take J out of the queue if no worker has started it. */
static int unqueue(ac_executor_t *ex, job *j) {
  int removed = 0;
  pthread_mutex_lock(&ex->mutex);
  if (j->state == JOB_QUEUED) {
    job *prev = NULL;
    for (job *k = ex->head; k != j; k = k->next) prev = k;
    if (prev)
      prev->next = j->next;
    else
      ex->head = j->next;
    if (ex->tail == j) ex->tail = prev;
    atomic_fetch_sub(&ex->queued, 1);
    removed = 1;
  }
  pthread_mutex_unlock(&ex->mutex);
  return removed;
}

int ac_executor_run(ac_executor_t *ex, ac_work_fn fn, void *arg, void **result) {
  ac__task *t = NULL;
  const char *name = "ac_executor_run";
  if (result) *result = NULL;
  if (!fn) return ac__misuse(-EINVAL, name, "the work function is NULL");
  int rc = ac__current(&t, name);
  if (rc) return rc;
  ac__loop *loop = t->fut.loop;
  if ((rc = ac__compact_check(loop, arg, name))) return rc;
  if (ex && ex->loop != loop)
    return ac__misuse(-EPERM, name, "the executor belongs to the loop of another thread");
  if (!ex && !(ex = ac__slot_get(loop, AC__SLOT_EXECUTOR))) {
    const char *step;
    if ((rc = pool_create(loop, DEFAULT_WORKERS, &ex, &step)))
      return ac__misuse(rc, name, "cannot set up the default executor: %s failed", step);
    ac__slot_set(loop, AC__SLOT_EXECUTOR, ex, default_pool_close);
  }
  job *j = calloc(1, sizeof *j);
  if (!j) return -ENOMEM;
  j->fn = fn;
  j->arg = arg;
  j->task = t;
  j->loop = loop;
  pthread_mutex_lock(&ex->mutex);
  if (atomic_load(&ex->stopping)) {
    pthread_mutex_unlock(&ex->mutex);
    free(j);
    return -ESHUTDOWN;
  }
  if (ex->tail)
    ex->tail->next = j;
  else
    ex->head = j;
  ex->tail = j;
  atomic_fetch_add(&ex->queued, 1);
  ac__spin_here(&loop->cpu);
  if (ex->sleepers > 0) pthread_cond_signal(&ex->wake);
  pthread_mutex_unlock(&ex->mutex);
  ac__loop_hold(loop, 1); /* until job_done */

  rc = ac__suspend(t, "executor job");
  if (rc == -ECANCELED) {
    int removed = unqueue(ex, j);
    if (removed) ac__loop_hold(loop, -1);
    if (removed || j->delivered)
      free(j);
    else
      j->abandoned = 1; /* running: job_done frees it */
    return -ECANCELED;
  }
  rc = j->rc;
  if (result) *result = j->result;
  free(j);
  return rc;
}

int ac_executor_close(ac_executor_t *ex, int flags) {
  const char *fn = "ac_executor_close";
  ac__task *t = NULL;
  if (!ex) return ac__misuse(-EINVAL, fn, "the executor is NULL");
  if (flags & ~AC_EXECUTOR_NOWAIT)
    return ac__misuse(-EINVAL, fn, "unknown flags 0x%x", (unsigned)flags);
  int wait = !(flags & AC_EXECUTOR_NOWAIT);
  if (ex->loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the executor belongs to the loop of another thread");
  if (wait) {
    int rc = ac__current(&t, fn);
    if (rc) return rc;
  }
  pthread_mutex_lock(&ex->mutex);
  if (atomic_load(&ex->stopping)) {
    pthread_mutex_unlock(&ex->mutex);
    return ac__misuse(-EALREADY, fn, "the executor is already shutting down");
  }
  atomic_store(&ex->stopping, 1);
  job *cancelled = NULL;
  if (!wait) { /* queued jobs end now, as cancelled */
    cancelled = ex->head;
    ex->head = ex->tail = NULL;
    atomic_store(&ex->queued, 0);
  }
  pthread_cond_broadcast(&ex->wake);
  pthread_mutex_unlock(&ex->mutex);
  ac__loop_hold(ex->loop, 1); /* the loop waits for pool_exited */
  ex->exit_held = 1;

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

int ac_loop_call_soon_threadsafe(ac_loop_t *loop, ac_callback_fn cb, void *arg) {
  if (!loop) return ac__misuse(-EINVAL, "ac_loop_call_soon_threadsafe", "the loop is NULL");
  if (!cb) return ac__misuse(-EINVAL, "ac_loop_call_soon_threadsafe", "the callback is NULL");
  return ac__call_threadsafe(loop, cb, arg);
}

/* lost_update.c - tasks on one thread lose updates when a read-modify-write spans an await; a lock
 * fixes it. */
#include <ac.h>
#include <stdio.h>

#define WORKERS 4  /* tasks that add to the balance */
#define DEPOSITS 5 /* deposits per task */

/* [account] */
/* A balance that each deposit reads, waits on (an I/O call in real code),
 * then writes back. With @p lock NULL the read and the write are split by a
 * suspension point, so another task can slip in between. */
typedef struct {
  int balance;     /* the shared value */
  ac_lock_t *lock; /* NULL: no protection */
} account_t;

static int deposit(account_t *a)
{
  int rc;

  if (a->lock && (rc = ac_lock_acquire(a->lock)) < 0)
    return rc;
  int seen = a->balance;
  rc = ac_task_sleep(0); /* the suspension point: every other ready task runs */
  if (rc == 0)
    a->balance = seen + 1;
  if (a->lock) {
    int release_rc = ac_lock_release(a->lock);
    if (rc == 0)
      rc = release_rc;
  }
  return rc;
}
/* [account] */

static int worker(void *arg, void **result)
{
  (void)result;
  for (int i = 0; i < DEPOSITS; i++) {
    int rc = deposit(arg);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* Run WORKERS tasks on one account and print the final balance. */
static int run_workers(account_t *a, const char *label)
{
  ac_task_t *tasks[WORKERS];
  int n = 0, rc = 0;

  for (; n < WORKERS; n++) {
    rc = ac_task_create(&tasks[n], worker, a);
    if (rc < 0)
      break;
  }
  if (rc == 0)
    rc = ac_future_gather(tasks, (size_t)n, NULL, NULL, 0);
  for (int i = 0; i < n; i++)
    ac_future_release(tasks[i]);
  if (rc < 0)
    return rc;
  printf("%s: balance %d, expected %d\n", label, a->balance, WORKERS * DEPOSITS);
  return 0;
}

static int main_task(void *arg, void **result)
{
  account_t unsafe = {0, NULL}, safe = {0, NULL};
  (void)arg;
  (void)result;

  int rc = run_workers(&unsafe, "without a lock");
  if (rc < 0)
    return rc;
  rc = ac_lock_create(&safe.lock);
  if (rc < 0)
    return rc;
  rc = run_workers(&safe, "with a lock");
  int close_rc = ac_lock_close(safe.lock);
  return rc < 0 ? rc : close_rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "lost_update: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

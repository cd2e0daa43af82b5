/* deadlock.c - two tasks take two locks in opposite orders and wait for each other forever; the
 * runtime notices and says who waits where. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

typedef struct {
  const char *name;
  ac_lock_t *first, *second; /* the order this task takes them in */
} account_holder_t;

/* [transfer] */
/* Takes its first lock, lets the other task run, then wants its second
 * lock: the one the other task holds while it wants ours. */
static int transfer(void *arg, void **result)
{
  account_holder_t *h = arg;

  (void)result;
  int rc = ac_lock_acquire(h->first);
  if (rc < 0)
    return rc;
  printf("%s holds its first lock\n", h->name);
  rc = ac_task_sleep(0);
  if (rc == 0)
    rc = ac_lock_acquire(h->second);
  if (rc == 0) {
    printf("%s holds both\n", h->name); /* never printed */
    ac_lock_release(h->second);
  }
  ac_lock_release(h->first);
  return rc;
}
/* [transfer] */

static int main_task(void *arg, void **result)
{
  ac_lock_t *a, *b;
  ac_task_t *t1 = NULL, *t2 = NULL;
  (void)arg;
  (void)result;

  int rc = ac_lock_create(&a);
  if (rc < 0)
    return rc;
  rc = ac_lock_create(&b);
  if (rc < 0)
    return rc;
  account_holder_t alice = {"alice", a, b}, bob = {"bob", b, a};
  rc = ac_task_create_ex(&t1, transfer, &alice, &(ac_task_opts_t){.name = "alice"});
  if (rc == 0)
    rc = ac_task_create_ex(&t2, transfer, &bob, &(ac_task_opts_t){.name = "bob"});
  if (rc == 0)
    rc = ac_future_await(t1, NULL); /* waits forever: alice never gets lock b */
  /* Once the runtime has cancelled everything, ac_loop_run() closes the loop,
   * which frees the tasks and locks still left. */
  return rc;
}

/* [main] */
int main(void)
{
  /* The runtime reports a deadlock on stderr; show it in order with ours. */
  setvbuf(stdout, NULL, _IONBF, 0);
  dup2(STDOUT_FILENO, STDERR_FILENO);
  int rc = ac_loop_run(main_task, NULL, NULL);
  printf("ac_loop_run returned %d (%s)\n", rc, ac_error_message(rc));
  return rc == -EDEADLK ? 0 : 1;
}
/* [main] */

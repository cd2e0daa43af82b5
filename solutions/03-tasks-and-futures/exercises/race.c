/* race.c - chapter 03, exercise 3, reference solution: start every task,
 * wait for the first to finish, cancel and await the others.
 */
#include "race.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* Cancel the first @n tasks, wait until each has finished (its cleanup
 * included) and release them all. */
static void stop_all(ac_task_t **tasks, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ac_future_cancel(tasks[i]);
  for (size_t i = 0; i < n; i++) {
    /* Awaiting again after our own cancellation is fine; a cancellation of
     * the caller meanwhile only makes ac_future_await() return early, so loop. */
    while (!ac_future_is_done(tasks[i]))
      ac_future_await(tasks[i], NULL);
    ac_future_release(tasks[i]);
  }
}

int race(ac_task_fn const *fns, void *const *args, size_t n, size_t *winner, void **result)
{
  if (fns == NULL || n == 0)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (fns[i] == NULL)
      return -EINVAL;

  ac_task_t **tasks = calloc(n, sizeof *tasks);
  if (tasks == NULL)
    return -ENOMEM;
  /* All of them first: none starts before we suspend, so they start
   * together. */
  for (size_t i = 0; i < n; i++) {
    int rc = ac_task_create(&tasks[i], fns[i], args != NULL ? args[i] : NULL);
    if (rc < 0) {
      stop_all(tasks, i);
      free(tasks);
      return rc;
    }
  }

  int rc = ac_future_wait((ac_future_t *const *)tasks, n, AC_WAIT_FIRST_COMPLETED);
  if (rc < 0) { /* the caller was cancelled */
    stop_all(tasks, n);
    free(tasks);
    return rc;
  }
  size_t first = 0;
  while (!ac_future_is_done(tasks[first]))
    first++;
  void *value = NULL;
  rc = ac_future_result(tasks[first], &value);
  stop_all(tasks, n); /* cancelling the finished winner is a no-op */
  free(tasks);
  if (winner != NULL)
    *winner = first;
  if (result != NULL)
    *result = value;
  return rc;
}

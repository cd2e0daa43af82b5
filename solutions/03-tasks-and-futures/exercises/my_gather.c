/* my_gather.c - chapter 03, exercise 1, reference solution: gather from a
 * gate future that done callbacks finish.
 */
#include "my_gather.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>

/* Shared by my_gather() and the done callbacks. On the heap with a count of
 * users: a done callback may run after my_gather() has returned. */
typedef struct {
  ac_future_t *gate; /* finished by the last success or the first failure */
  size_t pending;    /* futures not finished yet */
  int error;         /* the first failure, 0 if none */
  size_t refs;       /* my_gather() + one per callback not yet run */
} gather_t;

static void gather_unref(gather_t *g)
{
  if (--g->refs == 0) {
    ac_future_release(g->gate);
    free(g);
  }
}

static void on_done(ac_future_t *future, void *arg)
{
  gather_t *g = arg;
  int rc = ac_future_result(future, NULL);

  g->pending--;
  if (!ac_future_is_done(g->gate)) {
    if (rc < 0) {
      g->error = rc;
      ac_future_set_error(g->gate, rc);
    } else if (g->pending == 0) {
      ac_future_set_result(g->gate, NULL);
    }
  }
  gather_unref(g);
}

/* Cancel every future still pending and wait until each has finished. The
 * caller may be cancelled again meanwhile; keep waiting, it cannot last:
 * every future has been asked to stop. */
static void cancel_and_drain(ac_future_t *const *futures, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ac_future_cancel(futures[i]);
  for (size_t i = 0; i < n; i++)
    while (!ac_future_is_done(futures[i]))
      ac_future_await(futures[i], NULL);
}

int my_gather(ac_future_t *const *futures, size_t n, void **results)
{
  if (n > 0 && futures == NULL)
    return -EINVAL;
  for (size_t i = 0; i < n; i++)
    if (futures[i] == NULL)
      return -EINVAL;
  if (n == 0)
    return 0;

  gather_t *g = calloc(1, sizeof *g);
  if (g == NULL)
    return -ENOMEM;
  int rc = ac_future_create(&g->gate);
  if (rc < 0) {
    free(g);
    return rc;
  }
  g->pending = n;
  g->refs = 1;
  for (size_t i = 0; i < n; i++) {
    rc = ac_future_add_done_callback(futures[i], on_done, g);
    if (rc < 0) {
      /* Those already registered still hold a reference each. */
      cancel_and_drain(futures, n);
      gather_unref(g);
      return rc;
    }
    g->refs++;
  }

  rc = ac_future_await(g->gate, NULL);
  if (rc < 0) {
    /* A failure, or the caller was cancelled: the gate says which. */
    rc = g->error != 0 ? g->error : -ECANCELED;
    cancel_and_drain(futures, n);
  }
  if (results != NULL)
    for (size_t i = 0; i < n; i++)
      ac_future_result(futures[i], &results[i]); /* NULL for those that failed */
  gather_unref(g);
  return rc;
}

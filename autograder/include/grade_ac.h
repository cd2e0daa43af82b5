/* grade_ac.h - what the tests of exercises on the runtime share.
 *
 * Most tests run their body as the main task of ac_loop_run(); grade_run()
 * does that, fails the test if the loop did not run it to its end, and
 * fails it if the body left a runtime object alive: the loop frees
 * leftovers when it closes, so a forgotten ac_future_release() or _close()
 * would show nowhere else. The test bodies give back everything they make,
 * so what is left is the exercise's.
 *
 * grade_array() gives the caller's arrays the exact size a call may
 * use, on the heap, so that AddressSanitizer catches a write one element
 * past them (an array with room to spare would hide it).
 */
#ifndef GRADE_AC_H
#define GRADE_AC_H

#include <ac.h>
#include <check.h>
#include <stdlib.h>

/* The runtime objects alive now (futures and tasks not freed, handles held,
 * sync objects not closed), once the loop has run what is ready: a done
 * callback still queued may hold an object it is about to give back. */
static inline ssize_t grade_live_objects(void)
{
  ssize_t n = ac_debug_live_objects();
  for (int turns = 0; turns < 10; turns++) {
    (void)ac_task_sleep(0); /* to the back of the ready queue: what is ready runs */
    ssize_t again = ac_debug_live_objects();
    if (again == n)
      break;
    n = again;
  }
  ck_assert_msg(n >= 0, "expected ac_debug_live_objects() to count, it returned %zd (%s)", n,
                ac_error_message((int)n));
  return n;
}

/* An array of exactly @n elements of @size bytes, zeroed, on the heap, for
 * a call that may use @n of them. Give it back with free(). */
static inline void *grade_array(size_t n, size_t size)
{
  void *array = calloc(n, size);
  ck_assert_msg(array != NULL || n == 0, "the test could not allocate %zu elements", n);
  return array;
}

/* What grade_run() runs: the test's body, then the count of what it left. */
typedef struct {
  ac_task_fn body;
  void *arg;
} grade_body_t;

static inline int grade_body_task(void *arg, void **result)
{
  grade_body_t *b = arg;
  ssize_t before = grade_live_objects();
  int rc = b->body(b->arg, result);
  ssize_t after = grade_live_objects();
  ck_assert_msg(after == before,
                "expected every runtime object to be given back by the end of the test (the "
                "test gives back all of its own); %zd too many are still alive: %s",
                after - before,
                after > before ? "a task or future not given back with ac_future_release(), a "
                                 "handle not closed with ac_handle_close(), or a lock, "
                                 "condition, semaphore or queue not closed"
                               : "something the test still owned was released or closed");
  return rc;
}

/* Run @body(@arg) as the main task of a fresh loop; ac_loop_run() must
 * return 0, and the body must leave no runtime object alive. */
static inline void grade_run(ac_task_fn body, void *arg)
{
  grade_body_t b = {body, arg};
  int rc = ac_loop_run(grade_body_task, &b, NULL);
  ck_assert_msg(rc == 0, "expected ac_loop_run() to return 0, it returned %d (%s)", rc,
                ac_error_message(rc));
}

#endif /* GRADE_AC_H */

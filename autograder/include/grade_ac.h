/* grade_ac.h - what the tests of exercises on the runtime share.
 *
 * Most tests run their body as the main task of ac_loop_run(); grade_run()
 * does that and fails the test if the loop did not run it to its end.
 */
#ifndef GRADE_AC_H
#define GRADE_AC_H

#include <ac.h>
#include <check.h>

/* Run @body(@arg) as the main task of a fresh loop; ac_loop_run() must return 0. */
static inline void grade_run(ac_task_fn body, void *arg)
{
  int rc = ac_loop_run(body, arg, NULL);
  ck_assert_msg(rc == 0, "expected ac_loop_run() to return 0, it returned %d (%s)", rc,
                ac_error_message(rc));
}

#endif /* GRADE_AC_H */

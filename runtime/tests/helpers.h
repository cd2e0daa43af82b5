/* helpers.h - what the runtime's test suites share: running a test body as
 * the main task, and a main() that runs one suite. */
#ifndef AC_TEST_HELPERS_H
#define AC_TEST_HELPERS_H

#include <check.h>
#include <stdint.h>

#include "ac.h"

/* Run FN(ARG) as the main task and check that ac_loop_run returns WANT. */
#define RUN_EXPECT(fn, arg, want)                                                               \
  do {                                                                                          \
    int run_rc_ = ac_loop_run((fn), (arg), NULL);                                               \
    ck_assert_msg(run_rc_ == (want), "ac_loop_run returned %d (%s), expected %d (%s)", run_rc_, \
                  ac_error_message(run_rc_), (want), ac_error_message(want));                   \
  } while (0)

#define RUN_OK(fn, arg) RUN_EXPECT(fn, arg, 0)

/* Add test T to suite S in a case of its own named after it. */
#define ADD_TEST(s, t)             \
  do {                             \
    TCase *tc_ = tcase_create(#t); \
    tcase_set_timeout(tc_, 30);    \
    tcase_add_test(tc_, t);        \
    suite_add_tcase((s), tc_);     \
  } while (0)

/* Pointer <-> small integer, for results. */
#define INT2P(i) ((void *)(intptr_t)(i))
#define P2INT(p) ((int)(intptr_t)(p))

/* Each suite file defines this and gets main() from helpers.c. */
Suite *test_suite(void);

#endif

/* grade.h - what a chapter's test file needs from the grader.
 *
 * A test file defines its tests with Check's START_TEST and lists them in
 * exercise_tests(), each with GRADE_ADD, which puts every test in a case of
 * its own named after it: the grader runs one case at a time, by name. The
 * case's fixture puts the test process in the grader's sandbox right before
 * the test's body runs. The harness keeps the names, so it can tell the
 * grader which tests a learner's own test file adds (`run-tests --list`).
 */
#ifndef GRADE_H
#define GRADE_H

#include <check.h>

/* Add test T to suite S, alone in a case named after it. */
#define GRADE_ADD(s, t)                                                          \
  do {                                                                           \
    TCase *grade_tc_ = tcase_create(#t);                                         \
    grade_case_added(#t);                                                        \
    tcase_add_unchecked_fixture(grade_tc_, grade_before_test, grade_after_test); \
    tcase_add_test(grade_tc_, t);                                                \
    suite_add_tcase((s), grade_tc_);                                             \
  } while (0)

/* The harness's: enter the sandbox (autograder/harness/sandbox.h). */
void grade_before_test(void);
/* The harness's: after the test, even one that failed inside a task. */
void grade_after_test(void);

/* The harness's: remember the name of a test GRADE_ADD added. */
void grade_case_added(const char *name);

/* Each test file defines this: add every test of the exercise to S. */
void exercise_tests(Suite *s);

/* An instructor's file of hidden tests (tests/test_EX_hidden.c in the
 * directory GRADE_HIDDEN_DIR names) defines this one instead. */
void exercise_hidden_tests(Suite *s);

#endif /* GRADE_H */

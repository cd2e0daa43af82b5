/* write_tests.c - chapter 08, exercise 3: write the tests of a batcher.
 *
 * What to build: Check tests of the batcher in support/batcher.h (read it,
 * and support/batcher.c if you like). This file is the exercise: the
 * grader runs your tests against that batcher, where every test must pass,
 * and against broken batchers, each with one mistake an implementer makes
 * (the checks of `make grade CH=08 EX=write_tests` say which), where at
 * least one of your tests must fail. A test that passes on everything
 * catches nothing; a test that fails on the right batcher counts for
 * nothing either.
 *
 * How: run each test's body with grade_run() (grade_ac.h), turn virtual
 * time on first (ac_loop_set_clock(AC_CLOCK_VIRTUAL)) so you can check the
 * exact instant of every flush, and give the batcher a fake flush function
 * that records what it got and when (and sleeps, to act like a network).
 * Give back what you make: grade_run() fails a test that leaves a runtime
 * object alive. Add each test with GRADE_ADD(s, name) below.
 *
 * Grade it with: make grade CH=08 EX=write_tests
 */
#include <check.h>

#include <ac.h>

#include "batcher.h"
#include "grade.h"
#include "grade_ac.h"
#include "write_tests.h"

/* TODO: START_TEST(a_full_batch_goes_out_at_once) { grade_run(...); } END_TEST, ... */

void exercise_tests(Suite *s)
{
  (void)s; /* TODO: GRADE_ADD(s, a_full_batch_goes_out_at_once); ... */
}

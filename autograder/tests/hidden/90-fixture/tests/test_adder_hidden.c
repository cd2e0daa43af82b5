/* test_adder_hidden.c - an instructor-held test of the fixture, to check that
 * hidden tests run only where their directory is supplied. */
#include "adder.h"
#include "grade.h"

START_TEST(adds_zero) {
  int got = add(7, 0);
  ck_assert_msg(got == 7, "expected add(7, 0) to be 7, got %d", got);
}
END_TEST

void exercise_hidden_tests(Suite *s) { GRADE_ADD(s, adds_zero); }

/* A test file that checks only sums below the maximum: it passes on the
 * counter and catches the subtraction, not the missing clamp. */
#include "counter.h"
#include "counter_tests.h"
#include "grade.h"

START_TEST(adds) { ck_assert_int_eq(counter_add(2, 3, 10), 5); }
END_TEST

void exercise_tests(Suite *s) { GRADE_ADD(s, adds); }

/* A test file whose test expects the wrong answer: it fails on the correct
 * counter, so catching the broken ones counts for nothing. */
#include "counter.h"
#include "counter_tests.h"
#include "grade.h"

START_TEST(adds_past_the_maximum) { ck_assert_int_eq(counter_add(8, 5, 10), 13); }
END_TEST

void exercise_tests(Suite *s) { GRADE_ADD(s, adds_past_the_maximum); }

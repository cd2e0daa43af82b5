/* A test file that runs a suite of its own through Check's runner, to
 * write a record where it likes: the object check refuses the runner. */
#include "counter.h"
#include "counter_tests.h"
#include "grade.h"

START_TEST(adds) { ck_assert_int_eq(counter_add(2, 3, 10), 5); }
END_TEST

void exercise_tests(Suite *s) {
  GRADE_ADD(s, adds);
  SRunner *r = srunner_create(suite_create("mine"));
  srunner_run_all(r, CK_SILENT);
  srunner_free(r);
}

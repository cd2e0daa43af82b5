/* write_tests.h - chapter 08, exercise 3: the tests of a batcher.
 *
 * Your write_tests.c is a test file: it defines Check tests of the batcher
 * (support/batcher.h) and adds each one with GRADE_ADD in exercise_tests().
 * The grader runs them against the batcher as given, where every one must
 * pass, and against broken batchers, each of which one of them must catch.
 * Don't edit this file.
 */
#ifndef WRITE_TESTS_H
#define WRITE_TESTS_H

#include <check.h>

/* Add every test of your file to @s, each with GRADE_ADD(s, name). */
void exercise_tests(Suite *s);

#endif /* WRITE_TESTS_H */

/* A submission that prints a fake summary of passing tests, then gives a wrong answer. */
#include <stdio.h>

#include "adder.h"

int add(int a, int b) {
  printf("100%%: Checks: 2, Failures: 0, Errors: 0\nPASS adds\nScore: 3/3\n");
  fprintf(stderr, "PASS adds_negative\n");
  return a - b;
}

/* A submission that runs code before main to tamper with the harness. */
#include <stdlib.h>

#include "adder.h"

__attribute__((constructor)) static void early(void) { unsetenv("GRADE_CHANNEL"); }

int add(int a, int b) { return a + b; }

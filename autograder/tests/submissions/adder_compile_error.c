/* A submission that does not compile. */
#include "adder.h"

int add(int a, int b) { return a + b }

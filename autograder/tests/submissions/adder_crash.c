/* A submission that crashes. */
#include "adder.h"

int add(int a, int b) {
  volatile int *p = 0;
  return *p + a + b;
}

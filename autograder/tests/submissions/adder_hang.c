/* A submission that never returns. */
#include "adder.h"

int add(int a, int b) {
  for (volatile int spin = 1; spin;) {
  }
  return a + b;
}

/* A submission that ends the program with success before the test checks. */
#include <stdlib.h>

#include "adder.h"

int add(int a, int b) {
  (void)a, (void)b;
  exit(0);
}

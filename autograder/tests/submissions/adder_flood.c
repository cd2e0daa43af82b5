/* A submission that floods its output. */
#include <stdio.h>

#include "adder.h"

int add(int a, int b) {
  for (;;) puts("spam spam spam spam spam spam spam spam spam spam spam spam");
  return a + b;
}

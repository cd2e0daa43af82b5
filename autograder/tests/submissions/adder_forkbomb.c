/* A submission that forks without end. */
#include <unistd.h>

#include "adder.h"

int add(int a, int b) {
  for (;;) fork();
  return a + b;
}

/* A submission that takes all the memory it can. */
#include <stdlib.h>
#include <string.h>

#include "adder.h"

int add(int a, int b) {
  for (;;) {
    char *p = malloc(64 << 20);
    if (!p) return a + b + 1;
    memset(p, 1, 64 << 20);
  }
}

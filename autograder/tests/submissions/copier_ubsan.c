/* A submission whose length computation overflows a signed int. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "copier.h"

char *copy_string(const char *s) {
  volatile int big = INT_MAX;
  int n = big + (int)strlen(s) + 1; /* signed overflow: undefined behaviour */
  char *copy = malloc((size_t)(n - big));
  strcpy(copy, s);
  return copy;
}

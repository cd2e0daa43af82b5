/* A submission whose copy is one letter off, and which keeps a buffer it
 * should have freed: the tests say the first, not the leak it leaves. */
#include <stdlib.h>
#include <string.h>

#include "copier.h"

char *copy_string(const char *s) {
  char *copy = malloc(strlen(s) + 1);
  strcpy(copy, s);
  copy[0] = 'j';
  return copy;
}

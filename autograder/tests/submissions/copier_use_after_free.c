/* A submission with a use-after-free that happens to give the right text. */
#include <stdlib.h>
#include <string.h>

#include "copier.h"

char *copy_string(const char *s) {
  char *copy = malloc(strlen(s) + 1);
  char *stale = copy;
  strcpy(copy, s);
  free(copy);
  char *again = malloc(strlen(s) + 1);
  strcpy(again, stale); /* reads freed memory */
  return again;
}

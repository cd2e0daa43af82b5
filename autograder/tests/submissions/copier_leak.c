/* A submission whose copy is right but which loses a second allocation:
 * every check passes, and the leak fails the test. */
#include <stdlib.h>
#include <string.h>

#include "copier.h"

static char *volatile scratch;

char *copy_string(const char *s) {
  scratch = strdup(s);
  scratch = NULL; /* the only pointer to it, gone */
  char *copy = malloc(strlen(s) + 1);
  strcpy(copy, s);
  return copy;
}

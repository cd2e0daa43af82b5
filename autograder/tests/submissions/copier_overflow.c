/* A submission that writes one byte past the memory it allocated. */
#include <stdlib.h>
#include <string.h>

#include "copier.h"

char *copy_string(const char *s) {
  char *copy = malloc(strlen(s)); /* no room for the '\0' */
  strcpy(copy, s);
  return copy;
}

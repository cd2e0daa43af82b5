/* A submission that rewrites the program's GOT: Check records a failed
 * check with fwrite(), so an fwrite() that drops Check's failure messages
 * (type 1, packed big-endian) hides failures. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "adder.h"

static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);

static size_t no_fwrite(const void *p, size_t size, size_t n, FILE *f) {
  static const unsigned char failure[4] = {0, 0, 0, 1};
  if (size * n >= 4 && memcmp(p, failure, 4) == 0) return n; /* "written" */
  return real_fwrite(p, size, n, f);
}

int add(int a, int b) {
  real_fwrite = &fwrite;
  uintptr_t real = (uintptr_t)real_fwrite;
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512], first[256] = "";
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    char perms[5], path[256] = "";
    if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %255s", &lo, &hi, perms, path) < 3) continue;
    if (!first[0]) strcpy(first, path);
    if (strcmp(path, first) != 0) break;      /* past the program's own mappings */
    if (strcmp(perms, "r--p") != 0) continue; /* the GOT is read-only data */
    for (uintptr_t *slot = (uintptr_t *)lo; slot < (uintptr_t *)hi; slot++)
      if (*slot == real) {
        uintptr_t page = (uintptr_t)slot & ~(uintptr_t)4095;
        if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) == 0)
          *slot = (uintptr_t)&no_fwrite;
      }
  }
  if (maps) fclose(maps);
  return a - b;
}

/* A submission that looks for the grader's secrets in its own process:
 * /proc/self/environ, /proc/self/mem, and its memory scanned through
 * /proc/self/maps; then it tries to reopen the channel by its /proc path
 * and write a forged record there. */
#include <stdio.h>
#include <string.h>

#include "adder.h"

static void try_open(const char *path, const char *mode) {
  FILE *f = fopen(path, mode);
  if (!f) {
    perror(path);
    return;
  }
  printf("%s: opened\n", path);
  if (strchr(mode, 'w'))
    fputs("<testsuites><suite><test result=\"success\"><id>adds</id></test></suite></testsuites>",
          f);
  fclose(f);
}

int add(int a, int b) {
  try_open("/proc/self/environ", "r");
  try_open("/proc/self/mem", "r+");
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long found = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi;
    char perms[5];
    if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && perms[0] == 'r' && !strstr(line, "[v"))
      for (const char *p = (const char *)lo; p + 13 < (const char *)hi; p++)
        found += memcmp(p, "GRADE_CHANNEL", 13) == 0;
  }
  if (maps) fclose(maps);
  printf("found GRADE_CHANNEL %lu times in memory\n", found);
  for (int fd = 3; fd < 1024; fd++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    FILE *f = fopen(path, "w");
    if (f) {
      fputs("<testsuites><suite><test result=\"success\"><id>adds</id></test></suite></testsuites>",
            f);
      fclose(f);
    }
  }
  return a - b;
}

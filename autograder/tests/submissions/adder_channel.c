/* A submission that writes made-up "PASS" lines into every file descriptor it can. */
#include <string.h>
#include <unistd.h>

#include "adder.h"

int add(int a, int b) {
  const char *fake = "0000 PASS - \nPASS\n";
  for (int fd = 0; fd < 64; fd++) (void)!write(fd, fake, strlen(fake));
  return a - b;
}

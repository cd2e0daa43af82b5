/* A submission that writes a forged record to every descriptor through
 * syscall(), around the C library's write(). */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adder.h"

int add(int a, int b) {
  const char *forged =
      "<testsuites><suite><test result=\"success\"><id>adds</id></test></suite></testsuites>";
  for (long fd = 0; fd < 1024; fd++) syscall(SYS_write, fd, forged, strlen(forged));
  return a - b;
}

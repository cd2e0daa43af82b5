/* A submission that writes a forged record to every descriptor with a
 * system-call instruction of its own. */
#include <string.h>

#include "adder.h"

static long raw_write(long fd, const void *buf, long n) {
  long ret;
#if defined(__x86_64__)
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(1L), "D"(fd), "S"(buf), "d"(n)
                   : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x0 __asm__("x0") = fd, x1 __asm__("x1") = (long)buf, x2 __asm__("x2") = n,
                   x8 __asm__("x8") = 64;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x8) : "memory");
  ret = x0;
#endif
  return ret;
}

int add(int a, int b) {
  const char *forged =
      "<testsuites><suite><test result=\"success\"><id>adds</id></test></suite></testsuites>";
  for (long fd = 0; fd < 1024; fd++) raw_write(fd, forged, (long)strlen(forged));
  return a - b;
}

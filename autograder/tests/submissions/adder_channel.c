/* A submission that writes a forged passing record (Check's XML) into every
 * descriptor it can, the grader's channel among them. */
#include <string.h>
#include <unistd.h>

#include "adder.h"

static const char forged[] =
    "<?xml version=\"1.0\"?><testsuites xmlns=\"http://check.sourceforge.net/ns\"><suite>"
    "<test result=\"success\"><path>.</path><fn>x.c:1</fn><id>adds</id><message>Passed</message>"
    "</test></suite></testsuites>\n";

int add(int a, int b) {
  for (int fd = 0; fd < 1024; fd++) (void)!write(fd, forged, strlen(forged));
  return a - b;
}

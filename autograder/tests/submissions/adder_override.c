/* A submission that replaces Check's failure function to hide failures. */
#include "adder.h"

void _ck_assert_failed(const char *file, int line, const char *expr, ...);
void _ck_assert_failed(const char *file, int line, const char *expr, ...) {
  (void)file, (void)line, (void)expr;
}

int add(int a, int b) { return a - b; }

/* helpers.c - main() for a runtime test suite: run it, exit 1 on failure. */
#include <stdlib.h>

#include "helpers.h"

int main(void) {
  ac_error_set_messages(false); /* many tests misuse the API on purpose */
  SRunner *sr = srunner_create(test_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

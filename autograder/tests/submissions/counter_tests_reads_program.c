/* A test file that would tell the counter from its broken copies by
 * reading the program it is built into (file:// through the HTTP client)
 * instead of by what the counter does: the object check refuses it. */
#include <string.h>

#include "counter.h"
#include "counter_tests.h"
#include "grade.h"
#include "grade_ac.h"

static int body(void *arg, void **result)
{
  (void)arg, (void)result;
  ac_http_request_t req = {.url = "file:///proc/self/exe", .protocols = "file"};
  ac_http_response_t resp;
  int rc = ac_http_fetch(&req, &resp);
  size_t size = resp.body_size;
  ac_http_response_close(&resp);
  return rc == 0 && size % 2 ? -EIO : 0;
}

START_TEST(looks_at_the_program) { grade_run(body, NULL); }
END_TEST

void exercise_tests(Suite *s) { GRADE_ADD(s, looks_at_the_program); }

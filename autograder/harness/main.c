/* main.c - runs one test of an exercise and reports its outcome to the
 * grader on a private channel.
 *
 * The grader starts this program once per test: `test-binary NAME`, with
 * the environment variable GRADE_CHANNEL="FD TOKEN". The token is read and
 * wiped before any exercise code runs; the outcome line starts with it, so
 * output printed by the exercise (to stdout, stderr or any other fd) cannot
 * pass for a result. A test counts as passed only if this line arrives and
 * the process then exits cleanly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"

enum { TOKEN_MAX = 64 };

/* Instructor-held tests, compiled in only where the instructor supplies them. */
__attribute__((weak)) void exercise_hidden_tests(Suite *s);

static int channel = -1;
static char token[TOKEN_MAX + 1];

static void take_channel(void) {
  char *spec = getenv("GRADE_CHANNEL");
  if (!spec || sscanf(spec, "%d %64s", &channel, token) != 2) {
    fprintf(stderr, "grade harness: run me through the grader (make grade)\n");
    exit(2);
  }
  memset(spec, 0, strlen(spec));
  unsetenv("GRADE_CHANNEL");
}

/* One line: TOKEN PASS, or TOKEN FAIL file:line: message. */
static void report(const char *outcome, const char *where, const char *msg) {
  char line[4096];
  int n = snprintf(line, sizeof line, "%s %s %s %s\n", token, outcome, where ? where : "-",
                   msg ? msg : "");
  if (n > (int)sizeof line - 1) {
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  for (char *p = line; p < line + n - 1; p++)
    if (*p == '\n') *p = ' '; /* one line per outcome */
  if (write(channel, line, (size_t)n) != n) _exit(3);
  memset(token, 0, sizeof token);
}

int main(int argc, char **argv) {
  take_channel();
  if (argc != 2) {
    fprintf(stderr, "usage: %s TEST\n", argv[0]);
    return 2;
  }
  Suite *suite = suite_create("exercise");
  exercise_tests(suite);
  if (exercise_hidden_tests) exercise_hidden_tests(suite);
  SRunner *runner = srunner_create(suite);
  srunner_set_fork_status(runner, CK_NOFORK); /* the grader isolates each test */
  setenv("CK_RUN_CASE", argv[1], 1);
  srunner_run_all(runner, CK_SILENT);
  int ran = srunner_ntests_run(runner);
  if (ran != 1) {
    report("FAIL", NULL, "no such test in this exercise's test file");
  } else if (srunner_ntests_failed(runner) == 0) {
    report("PASS", NULL, NULL);
  } else {
    TestResult **failures = srunner_failures(runner);
    char where[512];
    snprintf(where, sizeof where, "%s:%d", tr_lfile(failures[0]), tr_lno(failures[0]));
    report("FAIL", where, tr_msg(failures[0]));
    free(failures);
  }
  fflush(stdout);
  fflush(stderr);
  srunner_free(runner);
  return 0;
}

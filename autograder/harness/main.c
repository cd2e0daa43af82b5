/* main.c - runs one test of an exercise and hands Check's record of it to
 * the grader.
 *
 * The grader starts this program once per test, `test-binary NAME`, with
 * its channel open on the descriptor GRADE_CHANNEL_FD names and the
 * exercise's sandbox allowances in GRADE_ALLOW. Check runs the test in this
 * process (CK_NOFORK: the grader isolates each test) and logs it as XML.
 * Right before the test's body, the fixture GRADE_ADD attaches keeps that
 * log open, unlinks it and enters the sandbox (sandbox.h); afterwards the
 * log goes to the grader through grade_channel_write(), the one piece of
 * code the kernel lets write to the channel. The grader scores the test
 * from that log and the process's exit status, never from its output.
 *
 * `test-binary --list` sends the names of the tests GRADE_ADD added, one a
 * line, on the same channel instead: for an exercise whose learner file is
 * a test file, the grader learns its tests from there, not from output the
 * learner's code could print.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"
#include "sandbox.h"

/* Instructor-held tests, compiled in only where the instructor supplies them. */
__attribute__((weak)) void exercise_hidden_tests(Suite *s);

enum { LOG_MAX = 64 * 1024, MAX_CASES = 512 };

static int channel = -1;
static unsigned allow;
static char log_path[] = "grade-log-XXXXXX";
static int log_fd = -1;
static int sandboxed;

static void fail_setup(const char *what) {
  fprintf(stderr, "grade harness: %s\n", what);
  exit(2);
}

static const char *cases[MAX_CASES];
static int ncases;

void grade_case_added(const char *name) {
  if (ncases == MAX_CASES) fail_setup("more tests than the harness can list");
  cases[ncases++] = name;
}

static void take_setup(void) {
  const char *fd = getenv("GRADE_CHANNEL_FD");
  if (!fd || sscanf(fd, "%d", &channel) != 1 || fcntl(channel, F_GETFD) < 0)
    fail_setup("run me through the grader (make grade)");
  static char words[256];
  snprintf(words, sizeof words, "%s", getenv("GRADE_ALLOW") ? getenv("GRADE_ALLOW") : "");
  for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    if (strcmp(w, "spawn") == 0)
      allow |= GRADE_ALLOW_SPAWN;
    else
      fail_setup("GRADE_ALLOW names an allowance the sandbox does not know");
  }
}

void grade_before_test(void) {
  log_fd = open(log_path, O_RDONLY | O_CLOEXEC);
  unlink(log_path); /* Check keeps writing it; nothing else can open it */
  int rc = grade_sandbox_enter(channel, allow);
  if (log_fd < 0 || rc != 0) {
    fprintf(stderr, "grade harness: the sandbox could not be set up: %s\n",
            strerror(log_fd < 0 ? errno : -rc));
    _exit(2);
  }
  sandboxed = 1;
}

#if defined(AC_SANITIZE_ADDRESS)
#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

static void *stack_bottom;
static size_t stack_size;
static char *runner_top; /* Check's runner, and the test, run below this */

/* Called from main() before the sandbox, which the stack's bounds need
 * (/proc/self/maps): this frame is where the runner's will be. */
static __attribute__((noinline)) void note_stack(void) {
  runner_top = __builtin_frame_address(0);
  pthread_attr_t a;
  if (pthread_getattr_np(pthread_self(), &a) != 0) return;
  if (pthread_attr_getstack(&a, &stack_bottom, &stack_size) != 0) stack_bottom = NULL;
  pthread_attr_destroy(&a);
}

/* A check that fails inside a task jumps from the task's stack straight
 * back into Check's runner (CK_NOFORK: a longjmp). AddressSanitizer still
 * takes the task's stack for the one in use, and the redzones of the
 * frames the jump abandoned stay on this one, where Check's own code later
 * trips over them with a report that hides the check's message. So after
 * each test ASan is told which stack is in use, and everything below
 * main's frame is cleared: the runner's frames are Check's, never
 * instrumented, and the test's are gone. */
void grade_after_test(void) {
  if (stack_bottom == NULL || runner_top == NULL) return;
  void *fake = NULL;
  __sanitizer_start_switch_fiber(&fake, stack_bottom, stack_size);
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
  __asan_unpoison_memory_region(stack_bottom, (size_t)(runner_top - (char *)stack_bottom));
}
#else
static void note_stack(void) {}
void grade_after_test(void) {}
#endif

static void send(const char *data, size_t n) {
  for (size_t sent = 0; sent < n;) {
    long w = grade_channel_write(channel, data + sent, n - sent);
    if (w == -EINTR) continue;
    if (w < 0) _exit(3);
    sent += (size_t)w;
  }
}

static void send_log(void) {
  static char log[LOG_MAX];
  ssize_t n = pread(log_fd, log, sizeof log, 0);
  if (n > 0) send(log, (size_t)n);
}

/* The tests' names, one a line, on the channel. */
static void send_list(void) {
  for (int i = 0; i < ncases; i++) {
    send(cases[i], strlen(cases[i]));
    send("\n", 1);
  }
}

int main(int argc, char **argv) {
  take_setup();
  if (argc != 2) {
    fprintf(stderr, "usage: %s TEST\n", argv[0]);
    return 2;
  }
  Suite *suite = suite_create("exercise");
  exercise_tests(suite);
  if (exercise_hidden_tests) exercise_hidden_tests(suite);
  if (strcmp(argv[1], "--list") == 0) {
    send_list();
    srunner_free(srunner_create(suite)); /* the runner frees the suite */
    return 0;
  }
  int fd = mkstemp(log_path);
  if (fd < 0) fail_setup("cannot create Check's log in the working directory");
  close(fd);
  note_stack();
  SRunner *runner = srunner_create(suite);
  srunner_set_fork_status(runner, CK_NOFORK); /* the grader isolates each test */
  srunner_set_xml(runner, log_path);
  setenv("CK_RUN_CASE", argv[1], 1);
  srunner_run_all(runner, CK_SILENT);
  if (!sandboxed) { /* the test did not run, or ran outside the sandbox */
    if (srunner_ntests_run(runner) != 0) fail_setup("a test was added without GRADE_ADD");
    log_fd = open(log_path, O_RDONLY | O_CLOEXEC);
    unlink(log_path);
  }
  fflush(stdout);
  fflush(stderr);
  send_log();
  srunner_free(runner);
  return 0;
}

/* test_command_runner.c - tests of chapter 05, exercise 3: commands run as
 * subprocesses, a few at a time, with their output streamed by line and a
 * deadline that kills the laggards.
 *
 * Every test runs as the main task of ac_loop_run(), and runs real
 * programs: /bin/sh, seq, head, tr. The commands that are meant to be
 * killed print their process id first (a shell that then execs sleep keeps
 * its pid), so the test can check afterwards that the process is gone and
 * reaped: kill(pid, 0) fails with ESRCH for neither a running process nor
 * a zombie. command_runner_run() runs in a task of its own under a
 * watchdog that cancels it; the grader kills whatever a failed test left.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_runner.h"
#include "grade.h"
#include "grade_ac.h"

#define WATCHDOG_MS 6000
#define MAX_CMDS 8
#define LOG_MAX 4096

/* ---- what on_line received ------------------------------------------------ */

typedef struct {
  double at;      /* ac_loop_time_precise() when it came */
  char text[160]; /* the line (cut at 159 bytes) */
  size_t len;     /* its whole length */
} entry_t;

typedef struct {
  entry_t entries[LOG_MAX];
  size_t n;    /* lines received */
  size_t kept; /* lines stored (the first LOG_MAX) */
  size_t bad;  /* lines that were not "NAME: ...\n" with a NUL after */
  /* "big: K" lines, checked as they come, not stored */
  long big_next;    /* the K expected next */
  size_t big_wrong; /* "big:" lines out of sequence */
  size_t xs;        /* 'x' bytes in "long:" lines */
  size_t long_pieces, long_too_big;
} log_t;

static log_t out;

static void on_line(void *ctx, const char *line)
{
  log_t *log = ctx;
  size_t len = strlen(line);

  log->n++;
  if (len < 3 || line[len - 1] != '\n' || !strstr(line, ": "))
    log->bad++;
  if (strncmp(line, "big: ", 5) == 0) {
    if (atol(line + 5) != log->big_next)
      log->big_wrong++;
    log->big_next++;
    return;
  }
  if (strncmp(line, "long: ", 6) == 0) {
    log->long_pieces++;
    size_t text = len - 7; /* without the prefix and the '\n' */
    if (text > COMMAND_LINE_MAX)
      log->long_too_big++;
    for (const char *p = line + 6; *p; p++)
      log->xs += *p == 'x';
    return;
  }
  if (log->kept < LOG_MAX) {
    entry_t *e = &log->entries[log->kept++];
    e->at = ac_loop_time_precise();
    e->len = len;
    snprintf(e->text, sizeof e->text, "%s", line);
  }
}

/* The first stored line equal to TEXT, or NULL. */
static const entry_t *find(const char *text)
{
  for (size_t i = 0; i < out.kept; i++)
    if (strcmp(out.entries[i].text, text) == 0)
      return &out.entries[i];
  return NULL;
}

/* The pid a command printed as "NAME: PID" (0 if none). */
static long pid_of(const char *name)
{
  size_t len = strlen(name);
  for (size_t i = 0; i < out.kept; i++)
    if (strncmp(out.entries[i].text, name, len) == 0 && out.entries[i].text[len] == ':' &&
        atol(out.entries[i].text + len + 2) > 1)
      return atol(out.entries[i].text + len + 2);
  return 0;
}

/* Whether process PID is gone and reaped (a zombie still answers kill). */
static bool gone(long pid)
{
  return pid > 1 && kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* ---- running the exercise under a watchdog -------------------------------- */

typedef struct {
  const command_t *cmds;
  size_t n, limit;
  int64_t deadline_ms;
  command_result_t results[MAX_CMDS];
  int rc;
  double elapsed;
  double end; /* when it returned */
  bool hung;
  size_t cancel_at_lines; /* > 0: the test cancels the run once this many lines came */
  double cancelled_at;
} run_t;

static run_t run;

static int run_task(void *arg, void **result)
{
  run_t *r = arg;

  (void)result;
  double start = ac_loop_time_precise();
  r->rc = command_runner_run(r->cmds, r->n, r->limit, r->deadline_ms, on_line, &out, r->results);
  r->end = ac_loop_time_precise();
  r->elapsed = r->end - start;
  return 0;
}

static int run_main(void *arg, void **result)
{
  run_t *r = arg;
  ac_task_t *t;

  (void)result;
  if (ac_task_create(&t, run_task, r) < 0)
    return 0;
  if (r->cancel_at_lines > 0) {
    for (int waited = 0;
         out.n < r->cancel_at_lines && !ac_future_is_done(t) && waited < WATCHDOG_MS; waited += 10)
      ac_task_sleep(10);
    r->cancelled_at = ac_loop_time_precise();
    ac_future_cancel(t);
  }
  if (ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, WATCHDOG_MS) == 0) {
    r->hung = true;
    ac_future_cancel(t);
    ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, 2000);
  }
  ac_future_release(t);
  return 0;
}

static void start_run(const command_t *cmds, size_t n, size_t limit, int64_t deadline_ms,
                      size_t cancel_at_lines)
{
  memset(&out, 0, sizeof out);
  run = (run_t){.cmds = cmds,
                .n = n,
                .limit = limit,
                .deadline_ms = deadline_ms,
                .rc = -ENOSYS,
                .cancel_at_lines = cancel_at_lines};
  for (size_t i = 0; i < MAX_CMDS; i++)
    run.results[i] = (command_result_t){.status = -12345, .error = -12345};
  grade_run(run_main, &run);
  ck_assert_msg(!run.hung, "expected command_runner_run() to return, it had not after %d ms%s",
                WATCHDOG_MS, cancel_at_lines > 0 ? " after the cancellation" : "");
}

#define EXPECT_RC(want)                                                         \
  ck_assert_msg(run.rc == (want),                                               \
                "expected command_runner_run() to return %d (%s), it returned " \
                "%d (%s)",                                                      \
                (want), ac_error_message(want), run.rc, ac_error_message(run.rc))

/* Command I ran and exited with STATUS, not killed. */
#define EXPECT_EXIT(i, want)                                                                      \
  ck_assert_msg(run.results[i].started &&run.results[i].error == 0 &&                             \
                    run.results[i].status == (want) && !run.results[i].killed,                    \
                "expected \"%s\" started, not killed, with status %d; got started %d, error %d, " \
                "status %d, killed %d",                                                           \
                run.cmds[i].name, (want), run.results[i].started, run.results[i].error,           \
                run.results[i].status, run.results[i].killed)

/* ---- the commands ---------------------------------------------------------- */

#define SH(script) ((const char *const[]){"sh", "-c", script, NULL})

/* ---- the tests ----------------------------------------------------------- */

static int bad_rc[8];

static int bad_main(void *arg, void **result)
{
  command_result_t results[2];
  command_t ok[] = {{"ok", SH("echo should not run")}};
  command_t no_name[] = {{NULL, SH("echo x")}};
  command_t no_argv[] = {{"x", NULL}};
  command_t no_program[] = {{"x", (const char *const[]){NULL}}};

  (void)arg;
  (void)result;
  bad_rc[0] = command_runner_run(NULL, 1, 1, 1000, on_line, &out, results);
  bad_rc[1] = command_runner_run(ok, 1, 0, 1000, on_line, &out, results);
  bad_rc[2] = command_runner_run(ok, 1, 1, 0, on_line, &out, results);
  bad_rc[3] = command_runner_run(ok, 1, 1, 1000, NULL, &out, results);
  bad_rc[4] = command_runner_run(ok, 1, 1, 1000, on_line, &out, NULL);
  bad_rc[5] = command_runner_run(no_name, 1, 1, 1000, on_line, &out, results);
  bad_rc[6] = command_runner_run(no_argv, 1, 1, 1000, on_line, &out, results);
  bad_rc[7] = command_runner_run(no_program, 1, 1, 1000, on_line, &out, results);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *const what[] = {"NULL commands",          "a limit of 0",
                                     "a deadline of 0",        "a NULL on_line",
                                     "NULL results",           "a command without a name",
                                     "a command without argv", "an empty argv"};
  memset(&out, 0, sizeof out);
  grade_run(bad_main, NULL);
  for (int i = 0; i < 8; i++)
    ck_assert_msg(bad_rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], bad_rc[i],
                  ac_error_message(bad_rc[i]));
  ck_assert_msg(out.n == 0, "expected nothing run for bad arguments, %zu lines came", out.n);
}
END_TEST

static const command_t statuses[] = {
    {"hello", SH("echo hi")},
    {"three", SH("exit 3")},
    {"signalled", SH("kill -TERM $$")},
    {"missing", (const char *const[]){"no-such-program-here", NULL}},
    {"true", (const char *const[]){"true", NULL}},
};

START_TEST(runs_every_command_and_collects_statuses)
{
  start_run(statuses, 5, 2, 5000, 0);
  EXPECT_RC(0);
  EXPECT_EXIT(0, 0);
  EXPECT_EXIT(1, 3);
  ck_assert_msg(
      run.results[2].started && run.results[2].status == -SIGTERM && !run.results[2].killed,
      "expected the command that SIGTERM ended to have status -SIGTERM (%d), not "
      "killed by the runner; got status %d, killed %d",
      -SIGTERM, run.results[2].status, run.results[2].killed);
  ck_assert_msg(!run.results[3].started && run.results[3].error == -ENOENT,
                "expected a program that does not exist not started, with error -ENOENT; got "
                "started %d, error %d (%s)",
                run.results[3].started, run.results[3].error,
                ac_error_message(run.results[3].error));
  EXPECT_EXIT(4, 0);
  ck_assert_msg(find("hello: hi\n") != NULL,
                "expected the line \"hello: hi\\n\", got %zu lines, the first \"%s\"", out.n,
                out.kept ? out.entries[0].text : "");
}
END_TEST

static const command_t chatty[] = {
    {"a", SH("i=0; while [ $i -lt 300 ]; do echo \"line $i\"; i=$((i+1)); done")},
    {"b", SH("i=0; while [ $i -lt 300 ]; do echo \"line $i\"; i=$((i+1)); done")},
    {"err", SH("echo to stdout; echo to stderr >&2")},
    {"tail", SH("printf 'no newline at the end'")},
    {"long", SH("head -c 200000 /dev/zero | tr '\\0' x")},
};

/* Lines "NAME: line K" must come for K = 0..COUNT-1, in order. */
static size_t in_order(const char *name, int count)
{
  char want[64];
  size_t len = strlen(name);
  int k = 0;
  for (size_t i = 0; i < out.kept; i++)
    if (strncmp(out.entries[i].text, name, len) == 0 && out.entries[i].text[len] == ':') {
      snprintf(want, sizeof want, "%s: line %d\n", name, k);
      if (strcmp(out.entries[i].text, want) != 0)
        return (size_t)k;
      k++;
    }
  return k == count ? (size_t)count : (size_t)k;
}

START_TEST(output_comes_as_whole_prefixed_lines)
{
  start_run(chatty, 5, 5, 5000, 0);
  EXPECT_RC(0);
  ck_assert_msg(out.bad == 0, "expected every line as \"NAME: TEXT\\n\", %zu of %zu were not",
                out.bad, out.n);
  size_t a = in_order("a", 300), b = in_order("b", 300);
  ck_assert_msg(a == 300 && b == 300,
                "expected the 300 lines of \"a\" and of \"b\", each whole and in order; the "
                "first %zu of a and %zu of b were",
                a, b);
  ck_assert_msg(find("err: to stdout\n") && find("err: to stderr\n"),
                "expected a command's standard error as well as its output");
  ck_assert_msg(find("tail: no newline at the end\n"),
                "expected a last line without a newline passed on with one");
  ck_assert_msg(out.xs == 200000 && out.long_too_big == 0,
                "expected a line of 200000 bytes passed on whole, in pieces of at most "
                "COMMAND_LINE_MAX: %zu of its bytes came, in %zu pieces (%zu too long)",
                out.xs, out.long_pieces, out.long_too_big);
  EXPECT_EXIT(4, 0);
}
END_TEST

static const command_t slow_talkers[] = {
    {"slow", SH("echo first; sleep 0.4; echo second")},
    {"big", (const char *const[]){"seq", "0", "199999", NULL}},
};

START_TEST(lines_arrive_as_they_are_printed)
{
  start_run(slow_talkers, 2, 2, 5000, 0);
  EXPECT_RC(0);
  const entry_t *first = find("slow: first\n"), *second = find("slow: second\n");
  ck_assert_msg(first && second, "expected the lines \"first\" and \"second\" of \"slow\"");
  ck_assert_msg(second->at - first->at >= 0.5 * 400,
                "expected \"first\" passed on when it was printed, 400 ms before \"second\"; it "
                "came only %.0f ms before (is the output read while the command runs?)",
                second->at - first->at);
  ck_assert_msg(out.big_next == 200000 && out.big_wrong == 0,
                "expected the 200000 lines of seq (1.3 MB: more than a pipe holds, so it must be "
                "read while it runs), in order; %ld came, %zu out of order",
                out.big_next, out.big_wrong);
  EXPECT_EXIT(1, 0);
}
END_TEST

static const command_t queue[] = {
    {"c0", SH("echo start; sleep 0.1; echo end")}, {"c1", SH("echo start; sleep 1; echo end")},
    {"c2", SH("echo start; sleep 0.1; echo end")}, {"c3", SH("echo start; sleep 0.1; echo end")},
    {"c4", SH("echo start; sleep 0.1; echo end")},
};

START_TEST(at_most_limit_run_at_once)
{
  start_run(queue, 5, 2, 5000, 0);
  EXPECT_RC(0);
  int running = 0, most = 0;
  for (size_t i = 0; i < out.kept; i++) {
    if (strstr(out.entries[i].text, ": start\n"))
      running++;
    if (strstr(out.entries[i].text, ": end\n"))
      running--;
    if (running > most)
      most = running;
  }
  ck_assert_msg(most <= 2, "expected at most limit = 2 commands at once, %d ran together", most);
  ck_assert_msg(most == 2, "expected 2 commands running together (limit 2), at most %d did", most);
  const entry_t *c1_end = find("c1: end\n"), *c2_start = find("c2: start\n"),
                *c3_start = find("c3: start\n"), *c4_start = find("c4: start\n");
  ck_assert_msg(c1_end && c2_start && c3_start && c4_start, "expected every command's lines");
  ck_assert_msg(c2_start->at < c1_end->at && c4_start->at < c1_end->at,
                "expected c2, c3 and c4 to start, one after another, while the long c1 still "
                "ran (a slot is reused as soon as its command ends, not after a whole batch)");
  ck_assert_msg(c2_start->at < c3_start->at && c3_start->at < c4_start->at,
                "expected the waiting commands to start in their order");
  for (int i = 0; i < 5; i++)
    EXPECT_EXIT(i, 0);
}
END_TEST

static const command_t laggards[] = {
    {"fast", SH("echo done")},
    {"slow", SH("echo $$; exec sleep 10")},
    {"stubborn", SH("trap '' TERM; echo $$; exec sleep 10")},
    {"never", SH("echo I should not have started")},
};

START_TEST(deadline_kills_the_laggards)
{
  start_run(laggards, 4, 2, 1000, 0);
  EXPECT_RC(0);
  ck_assert_msg(run.elapsed >= 0.9 * 1000,
                "expected command_runner_run() to run until the deadline of 1000 ms, it returned "
                "after %.0f ms",
                run.elapsed);
  ck_assert_msg(run.elapsed < 4000,
                "expected command_runner_run() to return soon after the deadline of 1000 ms (the "
                "laggards sleep 10 s), it took %.0f ms",
                run.elapsed);
  EXPECT_EXIT(0, 0);
  for (int i = 1; i <= 2; i++)
    ck_assert_msg(
        run.results[i].started && run.results[i].killed && run.results[i].status == -SIGKILL,
        "expected \"%s\" killed at the deadline with SIGKILL (status %d); got started "
        "%d, killed %d, status %d%s",
        laggards[i].name, -SIGKILL, run.results[i].started, run.results[i].killed,
        run.results[i].status, i == 2 ? " (it ignores SIGTERM)" : "");
  long slow = pid_of("slow"), stubborn = pid_of("stubborn");
  ck_assert_msg(slow && stubborn, "expected the laggards to print their pids");
  ck_assert_msg(gone(slow) && gone(stubborn),
                "expected the laggards gone and waited for when command_runner_run() returned: "
                "slow (pid %ld) is %s, stubborn (pid %ld) is %s",
                slow, gone(slow) ? "gone" : "still there (running, or a zombie)", stubborn,
                gone(stubborn) ? "gone" : "still there (running, or a zombie)");
  ck_assert_msg(!run.results[3].started && run.results[3].error == -ETIMEDOUT,
                "expected the command whose turn had not come by the deadline not started, with "
                "error -ETIMEDOUT; got started %d, error %d",
                run.results[3].started, run.results[3].error);
  ck_assert_msg(!find("never: I should not have started\n"),
                "expected no command started after the deadline");
}
END_TEST

static const command_t sleepers[] = {
    {"one", SH("echo $$; exec sleep 10")},
    {"two", SH("echo $$; exec sleep 10")},
    {"three", SH("echo $$; exec sleep 10")},
};

START_TEST(cancelled_run_leaves_no_process)
{
  start_run(sleepers, 3, 2, 20000, 2);
  EXPECT_RC(-ECANCELED);
  ck_assert_msg(run.end - run.cancelled_at < 2000,
                "expected command_runner_run() to return soon after the cancellation (the "
                "commands sleep 10 s), it took %.0f ms",
                run.end - run.cancelled_at);
  long one = pid_of("one"), two = pid_of("two");
  ck_assert_msg(one && two, "expected the two running commands to print their pids");
  ck_assert_msg(gone(one) && gone(two),
                "expected no child left when command_runner_run() returned -ECANCELED: one (pid "
                "%ld) is %s, two (pid %ld) is %s",
                one, gone(one) ? "gone" : "still there (running, or a zombie)", two,
                gone(two) ? "gone" : "still there (running, or a zombie)");
  ck_assert_msg(run.results[0].killed && run.results[1].killed,
                "expected both running commands to be reported killed");
  ck_assert_msg(!run.results[2].started && run.results[2].error == -ECANCELED,
                "expected the command still waiting for its turn not started, with error "
                "-ECANCELED; got started %d, error %d",
                run.results[2].started, run.results[2].error);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, runs_every_command_and_collects_statuses);
  GRADE_ADD(s, output_comes_as_whole_prefixed_lines);
  GRADE_ADD(s, lines_arrive_as_they_are_printed);
  GRADE_ADD(s, at_most_limit_run_at_once);
  GRADE_ADD(s, deadline_kills_the_laggards);
  GRADE_ADD(s, cancelled_run_leaves_no_process);
}

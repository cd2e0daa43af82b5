/* test_process.c - subprocesses against real programs: cat through its
 * pipes, exit codes, death by a signal, a child that ignores SIGTERM, a
 * missing program, many at once, environment and directory, cancellation.
 * After every test no child is left, running or zombie. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/* waitpid(-1) would reap a zombie or see a running child: ECHILD says
 * there is neither. */
static void assert_no_children(void) {
  int status;
  pid_t pid = waitpid(-1, &status, WNOHANG);
  int err = errno;
  ck_assert_msg(pid == -1 && err == ECHILD, "a child is left behind: waitpid(-1) returned %d (%s)",
                (int)pid,
                pid == 0  ? "still running"
                : pid > 0 ? "a zombie"
                          : strerror(err));
}

static ac_process_t *spawn(int flags, const char *const *argv) {
  ac_process_t *p = NULL;
  ac_process_opts_t opts = {.argv = argv, .flags = flags};
  int rc = ac_process_spawn(&p, &opts);
  ck_assert_msg(rc == 0, "spawning %s: %s", argv[0], ac_error_message(rc));
  ck_assert_int_gt(ac_process_pid(p), 0);
  return p;
}

static ac_stream_t *pipe_of(ac_process_t *p, int fd) {
  ac_stream_t *s = NULL;
  ck_assert_int_eq(ac_process_stream(p, fd, &s), 0);
  ck_assert_ptr_nonnull(s);
  return s;
}

/* Everything a stream gives until its end, NUL-terminated. */
static ssize_t read_all(ac_stream_t *s, char *buf, size_t size) {
  size_t have = 0;
  ssize_t n;
  while (have + 1 < size && (n = ac_stream_read(s, buf + have, size - 1 - have)) > 0)
    have += (size_t)n;
  buf[have] = '\0';
  return (ssize_t)have;
}

static int exit_status(ac_process_t *p) {
  int status = 12345;
  ck_assert_int_eq(ac_process_wait_for(p, &status, 10000), 0);
  return status;
}

/* ---- pipes --------------------------------------------------------------- */

static int cat_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p =
      spawn(AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT, (const char *[]){"cat", NULL});
  ac_stream_t *in = pipe_of(p, 0), *out = pipe_of(p, 1);
  char line[64];
  for (int i = 0; i < 3; i++) {
    char want[32];
    snprintf(want, sizeof want, "line %d\n", i);
    ck_assert_int_eq(ac_stream_write(in, want, strlen(want)), 0);
    ck_assert_int_eq(ac_stream_readline(out, line, sizeof line), (ssize_t)strlen(want));
    ck_assert_str_eq(line, want);
  }
  ck_assert_int_eq(ac_process_wait_for(p, NULL, 50), -ETIMEDOUT); /* it waits for more input */
  ck_assert_int_eq(ac_stream_close(in), 0);                       /* the end of its input */
  ck_assert_int_eq(ac_stream_read(out, line, sizeof line), 0);    /* so it ends its output */
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_stream_write(in, "x", 1),
                   -EBADF); /* closed, still valid: the process owns it */
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(cat_echoes_through_stdin_and_stdout) { RUN_OK(cat_body, NULL); }
END_TEST

static int write_eof_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p =
      spawn(AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT, (const char *[]){"wc", "-c", NULL});
  ac_stream_t *in = pipe_of(p, 0), *out = pipe_of(p, 1);
  enum { SIZE = 1 << 20 }; /* more than a pipe holds: drain has work */
  char *data = calloc(1, SIZE);
  ck_assert_int_eq(ac_stream_write(in, data, SIZE), 0);
  free(data);
  ck_assert_int_eq(ac_stream_drain(in), 0);
  ck_assert_int_eq(ac_stream_write_eof(in), 0);
  char buf[64];
  ck_assert_int_gt(read_all(out, buf, sizeof buf), 0);
  ck_assert_int_eq(atoi(buf), SIZE);
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(write_eof_on_stdin_ends_the_input) { RUN_OK(write_eof_body, NULL); }
END_TEST

static int stderr_body(void *arg, void **result) {
  (void)arg, (void)result;
  const char *argv[] = {"sh", "-c", "echo out; echo err >&2", NULL};
  ac_process_t *p = spawn(AC_PROCESS_PIPE_STDOUT | AC_PROCESS_PIPE_STDERR, argv);
  char buf[64];
  read_all(pipe_of(p, 1), buf, sizeof buf);
  ck_assert_str_eq(buf, "out\n");
  read_all(pipe_of(p, 2), buf, sizeof buf);
  ck_assert_str_eq(buf, "err\n");
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_process_close(p), 0);
  /* stderr into the stdout pipe */
  p = spawn(AC_PROCESS_PIPE_STDOUT | AC_PROCESS_STDERR_TO_STDOUT, argv);
  ac_stream_t *none = (ac_stream_t *)&none;
  ck_assert_int_eq(ac_process_stream(p, 2, &none), -ENOENT);
  ck_assert_ptr_null(none);
  read_all(pipe_of(p, 1), buf, sizeof buf);
  ck_assert_str_eq(buf, "out\nerr\n");
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(stderr_piped_or_sent_to_stdout) { RUN_OK(stderr_body, NULL); }
END_TEST

static int unpiped_body(void *arg, void **result) {
  (void)arg, (void)result;
  /* stdin without a pipe is /dev/null: cat ends at once, with nothing. */
  ac_process_t *p = spawn(AC_PROCESS_PIPE_STDOUT, (const char *[]){"cat", NULL});
  char buf[16];
  ck_assert_int_eq(read_all(pipe_of(p, 1), buf, sizeof buf), 0);
  ck_assert_int_eq(exit_status(p), 0);
  ac_stream_t *s = NULL;
  ck_assert_int_eq(ac_process_stream(p, 0, &s), -ENOENT);
  ck_assert_int_eq(ac_process_stream(p, 3, &s), -EINVAL);
  ck_assert_int_eq(ac_process_stream(p, 1, NULL), -EINVAL);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(stdin_without_a_pipe_is_dev_null) { RUN_OK(unpiped_body, NULL); }
END_TEST

static int one_way_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p =
      spawn(AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT, (const char *[]){"true", NULL});
  ac_stream_t *in = pipe_of(p, 0), *out = pipe_of(p, 1);
  char buf[8], host[64];
  ck_assert_int_eq(ac_stream_read(in, buf, sizeof buf), -EBADF); /* stdin is only written */
  ck_assert_int_eq(ac_stream_write(out, "x", 1), -EBADF);        /* stdout only read */
  ck_assert_int_eq(ac_stream_peer(out, host, sizeof host, NULL), -ENOTSOCK);
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_stream_read(out, buf, sizeof buf), 0);
  int rc = 0;
  for (int i = 0; i < 100 && rc == 0; i++) /* the reader went away */
    if ((rc = ac_stream_write(in, "data\n", 5)) == 0) rc = ac_stream_drain(in);
  ck_assert_msg(rc == -EPIPE, "writing to an exited child: %d (%s)", rc, ac_error_message(rc));
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(pipes_go_one_way_and_a_gone_reader_is_epipe) { RUN_OK(one_way_body, NULL); }
END_TEST

/* ---- exits --------------------------------------------------------------- */

static int exit_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = spawn(0, (const char *[]){"sh", "-c", "exit 3", NULL});
  ck_assert_int_eq(exit_status(p), 3);
  ck_assert_int_eq(exit_status(p), 3); /* asked again: the same, at once */
  ck_assert_int_eq(ac_process_kill(p, SIGTERM), -ESRCH);
  ck_assert_int_gt(ac_process_pid(p), 0); /* still known */
  ck_assert_int_eq(ac_process_close(p), 0);
  p = spawn(0, (const char *[]){"sh", "-c", "kill -TERM $$", NULL});
  ck_assert_int_eq(exit_status(p), -SIGTERM);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(exit_code_and_death_by_a_signal) { RUN_OK(exit_body, NULL); }
END_TEST

static int kill_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = spawn(0, (const char *[]){"sleep", "30", NULL});
  ck_assert_int_eq(ac_process_kill(p, 0), 0); /* it runs */
  ck_assert_int_eq(ac_process_kill(p, SIGINT), 0);
  ck_assert_int_eq(exit_status(p), -SIGINT);
  ck_assert_int_eq(ac_process_kill(p, 0), -ESRCH);
  ck_assert_int_eq(ac_process_kill(p, -1), -EINVAL);
  ck_assert_int_eq(ac_process_kill(p, NSIG), -EINVAL);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(kill_sends_a_signal) { RUN_OK(kill_body, NULL); }
END_TEST

/* exec, so that the child itself ignores SIGTERM (with a plain "sleep 30"
 * the shell would wait for a grandchild that outlives it). */
static int ignores_term_body(void *arg, void **result) {
  (void)arg, (void)result;
  const char *argv[] = {"sh", "-c", "trap '' TERM; echo ready; exec sleep 30", NULL};
  ac_process_t *p = spawn(AC_PROCESS_PIPE_STDOUT, argv);
  int pid = ac_process_pid(p);
  char line[16];
  ck_assert_int_eq(ac_stream_readline(pipe_of(p, 1), line, sizeof line), 6); /* the trap is set */
  ck_assert_int_eq(ac_process_kill(p, SIGTERM), 0);
  ck_assert_int_eq(ac_process_wait_for(p, NULL, 200), -ETIMEDOUT); /* ignored */
  double start = ac_loop_time_precise();
  ck_assert_int_eq(ac_process_close(p), 0); /* SIGKILL, and reaped */
  ck_assert_msg(ac_loop_time_precise() - start < 10000, "close waited for the sleep");
  ck_assert_int_eq(kill(pid, 0), -1); /* gone, not even a zombie */
  ck_assert_int_eq(errno, ESRCH);
  assert_no_children();
  return 0;
}
START_TEST(close_kills_a_child_that_ignores_sigterm) { RUN_OK(ignores_term_body, NULL); }
END_TEST

static int missing_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = (ac_process_t *)&p;
  ac_process_opts_t opts = {.argv = (const char *[]){"no-such-program-for-ac", NULL},
                            .flags = AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT};
  ck_assert_int_eq(ac_process_spawn(&p, &opts), -ENOENT);
  ck_assert_ptr_null(p);
  char file[] = "/tmp/ac-not-a-program-XXXXXX"; /* there, but may not be run */
  int fd = mkstemp(file);
  ck_assert_int_ge(fd, 0);
  close(fd);
  opts.argv = (const char *[]){file, NULL};
  ck_assert_int_eq(ac_process_spawn(&p, &opts), -EACCES);
  unlink(file);
  opts.argv = (const char *[]){"true", NULL};
  opts.cwd = "/no/such/directory";
  ck_assert_int_eq(ac_process_spawn(&p, &opts), -ENOENT);
  assert_no_children();
  ac_task_sleep(10); /* the failed ones' handles and pipes are closed in the background */
  return 0;
}
START_TEST(a_missing_program_is_enoent) { RUN_OK(missing_body, NULL); }
END_TEST

/* ---- environment, directory ---------------------------------------------- */

static int env_body(void *arg, void **result) {
  (void)arg, (void)result;
  char dir[] = "/tmp/ac-process-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  ac_process_t *p = NULL;
  ac_process_opts_t opts = {
      .argv = (const char *[]){"/bin/sh", "-c", "echo \"$AC_GREETING\"; pwd", NULL},
      .env = (const char *[]){"AC_GREETING=hello there", NULL},
      .cwd = dir,
      .flags = AC_PROCESS_PIPE_STDOUT};
  ck_assert_int_eq(ac_process_spawn(&p, &opts), 0);
  char buf[256], want[256];
  read_all(pipe_of(p, 1), buf, sizeof buf);
  snprintf(want, sizeof want, "hello there\n%s\n", dir);
  ck_assert_str_eq(buf, want);
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_process_close(p), 0);
  rmdir(dir);
  /* Without env, the parent's. */
  setenv("AC_INHERITED", "yes", 1);
  p = spawn(AC_PROCESS_PIPE_STDOUT, (const char *[]){"sh", "-c", "echo $AC_INHERITED", NULL});
  read_all(pipe_of(p, 1), buf, sizeof buf);
  ck_assert_str_eq(buf, "yes\n");
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(environment_and_working_directory) { RUN_OK(env_body, NULL); }
END_TEST

/* ---- many at once -------------------------------------------------------- */

typedef struct {
  int id;
  int ok;
} child_arg;

static int run_one(void *arg, void **result) {
  (void)result;
  child_arg *c = arg;
  char script[64], want[32], buf[64];
  snprintf(want, sizeof want, "child %d\n", c->id);
  snprintf(script, sizeof script, "read line; echo \"$line\"; exit %d", c->id % 7);
  ac_process_t *p = NULL;
  ac_process_opts_t opts = {.argv = (const char *[]){"sh", "-c", script, NULL},
                            .flags = AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT};
  int rc = ac_process_spawn(&p, &opts);
  if (rc) return rc;
  ac_stream_t *in, *out;
  ac_process_stream(p, 0, &in);
  ac_process_stream(p, 1, &out);
  int status = -1;
  if (ac_stream_write(in, want, strlen(want)) == 0 && read_all(out, buf, sizeof buf) >= 0 &&
      ac_process_wait(p, &status) == 0)
    c->ok = strcmp(buf, want) == 0 && status == c->id % 7;
  ac_process_close(p);
  return 0;
}

static int many_body(void *arg, void **result) {
  (void)arg, (void)result;
  enum { N = 40 };
  child_arg c[N];
  ac_task_t *t[N];
  for (int i = 0; i < N; i++) {
    c[i] = (child_arg){i, 0};
    ac_task_create(&t[i], run_one, &c[i]);
  }
  ck_assert_int_eq(ac_future_wait_for(t, N, AC_WAIT_ALL_COMPLETED, 25000), N);
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(ac_future_result(t[i], NULL), 0);
    ck_assert_msg(c[i].ok, "child %d: wrong output or exit status", i);
    ac_future_release(t[i]);
  }
  assert_no_children();
  return 0;
}
START_TEST(forty_processes_at_once) { RUN_OK(many_body, NULL); }
END_TEST

/* ---- cancellation and closing -------------------------------------------- */

static int wait_task(void *arg, void **result) {
  int status = 0;
  int rc = ac_process_wait(arg, &status);
  *result = INT2P(status);
  return rc;
}

static int cancel_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = spawn(0, (const char *[]){"sleep", "30", NULL});
  ac_task_t *t;
  ac_task_create(&t, wait_task, p);
  ac_task_sleep(10);
  ac_future_cancel(t);
  ck_assert_int_eq(ac_future_await(t, NULL), -ECANCELED);
  ac_future_release(t);
  ck_assert_int_eq(ac_process_kill(p, 0), 0); /* the child goes on */
  ck_assert_int_eq(ac_process_wait_for(p, NULL, 0), -ETIMEDOUT);
  /* A waiter still there when the process is closed gets its status. */
  ac_task_create(&t, wait_task, p);
  ac_task_sleep(10);
  ck_assert_int_eq(ac_process_close(p), 0);
  void *status = NULL;
  ck_assert_int_eq(ac_future_await_for(t, 5000, &status), 0);
  ck_assert_int_eq(P2INT(status), -SIGKILL);
  ac_future_release(t);
  assert_no_children();
  return 0;
}
START_TEST(a_cancelled_wait_leaves_the_child_then_close_reaps_it) { RUN_OK(cancel_body, NULL); }
END_TEST

static int cancelled_close_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = spawn(0, (const char *[]){"sleep", "30", NULL});
  ac_future_cancel(ac_task_current()); /* close still reaps; the cancellation comes after */
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  ck_assert_int_eq(ac_task_sleep(1000), -ECANCELED);
  ac_task_uncancel(ac_task_current());
  return 0;
}
START_TEST(a_cancelled_close_still_reaps) { RUN_OK(cancelled_close_body, NULL); }
END_TEST

static void close_from_callback(void *arg) { ac_process_close(arg); }

static int background_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = spawn(AC_PROCESS_PIPE_STDOUT, (const char *[]){"sleep", "30", NULL});
  int pid = ac_process_pid(p);
  ac_loop_call_soon(close_from_callback, p, NULL);
  for (int i = 0; i < 500 && kill(pid, 0) == 0; i++) ac_task_sleep(10); /* a zombie answers too */
  ck_assert_msg(kill(pid, 0) == -1 && errno == ESRCH,
                "closed from a callback, the child was not reaped");
  assert_no_children();
  return 0;
}
START_TEST(close_from_a_callback_reaps_in_the_background) { RUN_OK(background_body, NULL); }
END_TEST

static int left_open_body(void *arg, void **result) {
  (void)arg, (void)result;
  spawn(AC_PROCESS_PIPE_STDIN | AC_PROCESS_PIPE_STDOUT, (const char *[]){"sleep", "30", NULL});
  spawn(0, (const char *[]){"true", NULL});
  /* Closed from a callback, and the loop closes before the exit comes. */
  ac_loop_call_soon(close_from_callback, spawn(0, (const char *[]){"sleep", "30", NULL}), NULL);
  return 0; /* never closed: the loop kills and reaps them */
}
START_TEST(the_loop_kills_and_reaps_what_is_left_open) {
  double start = ac_loop_time_precise();
  RUN_OK(left_open_body, NULL);
  ck_assert_msg(ac_loop_time_precise() - start < 10000, "the loop waited for the sleep");
  assert_no_children();
}
END_TEST

/* ---- the examples --------------------------------------------------------- */

/* An example program of this build: runtime/examples/NAME, built next to
 * the tests' directory. */
static void example_path(const char *name, char *path, size_t size) {
  char self[PATH_MAX / 2]; /* and PATH_MAX for the result: it fits */
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  ck_assert_int_gt(n, 0);
  self[n] = '\0';
  *strrchr(self, '/') = '\0'; /* .../runtime/tests */
  *strrchr(self, '/') = '\0'; /* .../runtime */
  snprintf(path, size, "%s/examples/%s", self, name);
  ck_assert_msg(access(path, X_OK) == 0, "%s is not built", path);
}

/* graceful_server stops on SIGTERM: it finishes the connection it has
 * (within its grace period) and exits 0. */
static int graceful_body(void *arg, void **result) {
  (void)arg, (void)result;
  char path[PATH_MAX], line[128];
  example_path("graceful_server", path, sizeof path);
  ac_process_t *p = spawn(AC_PROCESS_PIPE_STDOUT, (const char *[]){path, "0", NULL});
  ac_stream_t *out = pipe_of(p, 1);
  int port = 0;
  ck_assert_int_gt(ac_stream_readline(out, line, sizeof line), 0);
  ck_assert_msg(sscanf(line, "listening on 127.0.0.1:%d", &port) == 1, "first line: %s", line);
  ac_stream_t *c = NULL;
  ck_assert_int_eq(ac_stream_connect(&c, "127.0.0.1", port), 0);
  ck_assert_int_eq(ac_stream_write(c, "hello\n", 6), 0);
  ck_assert_int_eq(ac_stream_readline(c, line, sizeof line), 6);
  ck_assert_str_eq(line, "HELLO\n");
  ck_assert_int_eq(ac_process_kill(p, SIGTERM), 0);
  ck_assert_int_gt(ac_stream_readline(out, line, sizeof line), 0);
  ck_assert_str_eq(line, "stopping on SIGTERM\n");
  ck_assert_int_eq(ac_stream_write(c, "still here\n", 11), 0); /* served during the grace period */
  ck_assert_int_eq(ac_stream_readline(c, line, sizeof line), 11);
  ck_assert_str_eq(line, "STILL HERE\n");
  ac_stream_close(c);
  ck_assert_int_gt(ac_stream_readline(out, line, sizeof line), 0);
  ck_assert_str_eq(line, "stopped: 1 connection(s) served\n");
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(the_graceful_server_example_stops_on_sigterm) { RUN_OK(graceful_body, NULL); }
END_TEST

static int run_commands_body(void *arg, void **result) {
  (void)arg, (void)result;
  char path[PATH_MAX], out[1024];
  example_path("run_commands", path, sizeof path);
  ac_process_t *p = spawn(AC_PROCESS_PIPE_STDOUT, (const char *[]){path, NULL});
  read_all(pipe_of(p, 1), out, sizeof out);
  ck_assert_int_eq(exit_status(p), 0);
  const char *want[] = {"sort     exited with 0, said: apple / fig / pear\n",
                        "fails    exited with 3, said: giving up\n",
                        "missing  could not start: no such file or directory\n",
                        "slow     took longer than 300 ms: killed\n"};
  for (size_t i = 0; i < 4; i++)
    ck_assert_msg(strstr(out, want[i]), "missing from the output: %sgot:\n%s", want[i], out);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(the_run_commands_example) { RUN_OK(run_commands_body, NULL); }
END_TEST

/* ---- misuse -------------------------------------------------------------- */

static int misuse_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_process_t *p = NULL;
  ac_process_opts_t opts = {.argv = (const char *[]){"true", NULL}};
  ck_assert_int_eq(ac_process_spawn(NULL, &opts), -EINVAL);
  ck_assert_int_eq(ac_process_spawn(&p, NULL), -EINVAL);
  ck_assert_int_eq(ac_process_spawn(&p, &(ac_process_opts_t){.argv = NULL}), -EINVAL);
  ck_assert_int_eq(ac_process_spawn(&p, &(ac_process_opts_t){.argv = (const char *[]){NULL}}),
                   -EINVAL);
  ck_assert_int_eq(ac_process_spawn(&p, &(ac_process_opts_t){.argv = (const char *[]){"", NULL}}),
                   -EINVAL);
  opts.flags = 16;
  ck_assert_int_eq(ac_process_spawn(&p, &opts), -EINVAL);
  opts.flags = AC_PROCESS_PIPE_STDERR | AC_PROCESS_STDERR_TO_STDOUT;
  ck_assert_int_eq(ac_process_spawn(&p, &opts), -EINVAL);
  ck_assert_ptr_null(p);
  ck_assert_int_eq(ac_process_wait(NULL, NULL), -EINVAL);
  ck_assert_int_eq(ac_process_wait_for(NULL, NULL, 5), -EINVAL);
  ck_assert_int_eq(ac_process_kill(NULL, SIGTERM), -EINVAL);
  ck_assert_int_eq(ac_process_pid(NULL), -EINVAL);
  ck_assert_int_eq(ac_process_close(NULL), -EINVAL);
  ck_assert_int_eq(ac_process_stream(NULL, 0, NULL), -EINVAL);
  opts.flags = 0;
  ck_assert_int_eq(ac_process_spawn(&p, &opts), 0);
  ck_assert_int_eq(ac_process_wait_for(p, NULL, -2), -EINVAL);
  ck_assert_int_eq(exit_status(p), 0);
  ck_assert_int_eq(ac_process_close(p), 0);
  assert_no_children();
  return 0;
}
START_TEST(bad_arguments_are_refused) {
  RUN_OK(misuse_body, NULL);
  ac_process_t *p = NULL;
  ck_assert_int_eq(
      ac_process_spawn(&p, &(ac_process_opts_t){.argv = (const char *[]){"true", NULL}}), -ENOENT);
}
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("process");
  ADD_TEST(s, cat_echoes_through_stdin_and_stdout);
  ADD_TEST(s, write_eof_on_stdin_ends_the_input);
  ADD_TEST(s, stderr_piped_or_sent_to_stdout);
  ADD_TEST(s, stdin_without_a_pipe_is_dev_null);
  ADD_TEST(s, pipes_go_one_way_and_a_gone_reader_is_epipe);
  ADD_TEST(s, exit_code_and_death_by_a_signal);
  ADD_TEST(s, kill_sends_a_signal);
  ADD_TEST(s, close_kills_a_child_that_ignores_sigterm);
  ADD_TEST(s, a_missing_program_is_enoent);
  ADD_TEST(s, environment_and_working_directory);
  ADD_TEST(s, forty_processes_at_once);
  ADD_TEST(s, a_cancelled_wait_leaves_the_child_then_close_reaps_it);
  ADD_TEST(s, a_cancelled_close_still_reaps);
  ADD_TEST(s, close_from_a_callback_reaps_in_the_background);
  ADD_TEST(s, the_loop_kills_and_reaps_what_is_left_open);
  ADD_TEST(s, the_graceful_server_example_stops_on_sigterm);
  ADD_TEST(s, the_run_commands_example);
  ADD_TEST(s, bad_arguments_are_refused);
  return s;
}

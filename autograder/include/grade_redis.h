/* grade_redis.h - a real redis-server for a test: on 127.0.0.1, on a free
 * port, in a directory of its own, without persistence, run under
 * scripts/processes.py so it stops when the test stops it or when the
 * test's process ends, however it ends (a failed check included).
 *
 * The runtime's Redis client tests (runtime/tests/test_redis.c) and
 * chapter 09's tests share it. Every wait here is bounded.
 */
#ifndef GRADE_REDIS_H
#define GRADE_REDIS_H

#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  pid_t pid;    /* scripts/processes.py, which runs redis-server */
  int in;       /* its stdin: closing it stops the server */
  int port;     /* where the server listens, on 127.0.0.1 */
  int killed;   /* redis_server_kill() was called: no clean stop expected */
  char dir[64]; /* its working directory (pid file, log) */
} redis_server_t;

/* The test's time limits grow with the grader's TIMEOUT_FACTOR. */
static inline double redis_timeout_factor(void)
{
  const char *f = getenv("TIMEOUT_FACTOR");
  double v = f != NULL ? atof(f) : 1.0;
  return v >= 1.0 ? v : 1.0;
}

/* scripts/processes.py: under GRADE_COURSE_DIR when the grader gives one,
 * else found from this header's own path. */
static inline void redis_processes_py(char *path, size_t size)
{
  const char *course = getenv("GRADE_COURSE_DIR");
  if (course != NULL && course[0] != '\0') {
    snprintf(path, size, "%s/scripts/processes.py", course);
    return;
  }
  char here[1024];
  snprintf(here, sizeof here, "%s", __FILE__);
  char *slash = strrchr(here, '/');
  if (slash != NULL)
    *slash = '\0';
  else
    snprintf(here, sizeof here, ".");
  snprintf(path, size, "%s/../../scripts/processes.py", here);
}

/* A port nobody listens on now (the kernel's choice for port 0). */
static inline int redis_free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(fd, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static inline int redis_accepts(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  if (fd >= 0)
    close(fd);
  return ok;
}

static inline void redis_sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Start one; a failed check if it does not accept connections in time. */
static inline void redis_server_start(redis_server_t *s)
{
  char processes[1200], port[16], pidfile[96], logfile[96];
  redis_processes_py(processes, sizeof processes);
  *s = (redis_server_t){0};
  snprintf(s->dir, sizeof s->dir, "/tmp/ac-redis-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(s->dir));
  snprintf(pidfile, sizeof pidfile, "%s/redis.pid", s->dir);
  snprintf(logfile, sizeof logfile, "%s/redis.log", s->dir);
  s->port = redis_free_port();
  snprintf(port, sizeof port, "%d", s->port);
  int in[2]; /* close-on-exec: no later server may hold this one's stdin */
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  s->pid = fork();
  ck_assert_int_ge(s->pid, 0);
  if (s->pid == 0) {
    dup2(in[0], STDIN_FILENO);
    execl("/usr/bin/python3", "python3", processes, "server", "--", "/usr/bin/redis-server",
          "--bind", "127.0.0.1", "--port", port, "--dir", s->dir, "--save", "", "--appendonly",
          "no", "--daemonize", "no", "--pidfile", pidfile, "--logfile", logfile, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  s->in = in[1];
  long limit = (long)(10000 * redis_timeout_factor());
  for (long waited = 0; !redis_accepts(s->port); waited += 10) {
    int status;
    ck_assert_msg(waitpid(s->pid, &status, WNOHANG) == 0,
                  "redis-server exited before it listened on port %d (see %s)", s->port, logfile);
    ck_assert_msg(waited < limit, "redis-server did not listen on port %d within %ld ms", s->port,
                  limit);
    redis_sleep_ms(10);
  }
}

/* The pid of redis-server itself (from its pid file), or 0. */
static inline pid_t redis_server_pid(const redis_server_t *s)
{
  char path[96];
  snprintf(path, sizeof path, "%s/redis.pid", s->dir);
  long pid = 0;
  for (int i = 0; i < 200 && pid == 0; i++) {
    FILE *f = fopen(path, "r");
    if (f != NULL) {
      if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
      fclose(f);
    }
    if (pid == 0)
      redis_sleep_ms(10);
  }
  return (pid_t)pid;
}

/* Kill the server at once (SIGKILL): the connection loss a client sees
 * when its broker dies. */
static inline void redis_server_kill(redis_server_t *s)
{
  pid_t pid = redis_server_pid(s);
  ck_assert_msg(pid > 0, "no pid file from redis-server");
  s->killed = 1;
  ck_assert_int_eq(kill(pid, SIGKILL), 0);
}

/* Stop it, and check it stopped cleanly (unless it was killed); its
 * directory goes too. processes.py gives up within its grace, and we wait
 * a little longer. */
static inline void redis_server_stop(redis_server_t *s)
{
  close(s->in);
  int status = 0;
  pid_t done = 0;
  long limit = (long)(25000 * redis_timeout_factor());
  for (long waited = 0; waited < limit && (done = waitpid(s->pid, &status, WNOHANG)) == 0;
       waited += 20)
    redis_sleep_ms(20);
  if (done == 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_msg(done == s->pid && (s->killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0)),
                "redis-server did not stop cleanly (processes.py says why above)");
}

#endif

/* ac_idle_conns.c - memory of idle connections: a server on 127.0.0.1
 * holds N connections (10,000 by default) that each sent one line, got one
 * back and then stay quiet; the RSS it gains per connection is the figure.
 * The clients are plain sockets in a child process, so only the server's
 * side is measured: one stream, one handler task, the server's entry. Three
 * rounds of open/close also report how much RSS is left behind.
 * Usage: ac_idle_conns [N [ROUNDS]] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ac.h"
#include "bench.h"

typedef struct {
  long n, rounds;
  long idle; /* handlers that answered and wait quietly */
  long open; /* handlers running */
  int go[2]; /* parent -> child: one byte per step */
  pid_t child;
} bench_state;

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = 0;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0) kib = atol(line + 6);
  if (f) fclose(f);
  return kib;
}

/* The child: each round, on the parent's first byte connect N sockets, send
 * a line on each and read the answer; on its second byte hang up. */
static void clients(bench_state *st, int port) {
  int *fds = calloc((size_t)st->n, sizeof *fds);
  char c;
  for (long round = 0; round < st->rounds; round++) {
    if (read(st->go[0], &c, 1) != 1) _exit(1);
    if (bench_idle_connections("ac_idle_conns", port, st->n, fds) != 0) _exit(1);
    if (read(st->go[0], &c, 1) != 1) _exit(1);
    for (long i = 0; i < st->n; i++) close(fds[i]);
  }
  _exit(0);
}

static int greet_then_idle(ac_stream_t *s, void *arg) {
  bench_state *st = arg;
  char line[64];
  st->open++;
  ssize_t n = ac_stream_readline(s, line, sizeof line);
  if (n > 0 && ac_stream_write(s, "welcome\n", 8) == 0) {
    st->idle++;
    while (ac_stream_read(s, line, sizeof line) > 0) { /* quiet until the client hangs up */
    }
    st->idle--;
  }
  st->open--;
  return 0;
}

/* Wait until *COUNTER is WANT, at most 60 s. */
static void wait_for_count(const long *counter, long want, const char *what) {
  for (int i = 0; *counter != want; i++) {
    if (i == 6000) {
      fprintf(stderr, "ac_idle_conns: %s: %ld of %ld after 60 s\n", what, *counter, want);
      exit(1);
    }
    BENCH_CHECK(ac_task_sleep(10));
  }
}

static int bench(void *arg, void **result) {
  (void)result;
  bench_state *st = arg;
  ac_server_t *srv;
  BENCH_CHECK(ac_server_start(&srv, "127.0.0.1", 0, greet_then_idle, st));
  int port = ac_server_port(srv);
  if (pipe(st->go) != 0 || (st->child = fork()) < 0) return -errno;
  if (st->child == 0) clients(st, port);
  close(st->go[0]);
  BENCH_CHECK(ac_task_sleep(50));
  long base = rss_kib(), before = base, first_closed = 0, last_closed = 0;
  for (long round = 0; round < st->rounds; round++) {
    if (write(st->go[1], "o", 1) != 1) return -errno;
    wait_for_count(&st->idle, st->n, "idle connections");
    BENCH_CHECK(ac_task_sleep(50)); /* every handler is back in its read */
    long during = rss_kib();
    fprintf(stderr, "round %ld: %ld idle connections, RSS %ld KiB (%.2f KiB per connection)\n",
            round + 1, st->n, during, (double)(during - before) / (double)st->n);
    if (round == 0)
      bench_report("idle_conn_rss", "ac", (double)(during - base) / (double)st->n, "KiB/conn");
    if (write(st->go[1], "c", 1) != 1) return -errno;
    wait_for_count(&st->open, 0, "open connections");
    BENCH_CHECK(ac_task_sleep(50));
    before = last_closed = rss_kib();
    if (round == 0) first_closed = last_closed;
    fprintf(stderr, "round %ld: all closed, RSS %ld KiB\n", round + 1, last_closed);
  }
  bench_report("idle_conn_rss_growth", "ac", (double)(last_closed - first_closed), "KiB");
  int status;
  waitpid(st->child, &status, 0);
  BENCH_CHECK(ac_server_close(srv, 1000));
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int main(int argc, char **argv) {
  bench_state st = {.n = argc > 1 ? atol(argv[1]) : bench_count(10000),
                    .rounds = argc > 2 ? atol(argv[2]) : 3};
  if (st.n < 1 || st.rounds < 1) {
    fprintf(stderr, "usage: %s [CONNECTIONS [ROUNDS]]\n", argv[0]);
    return 2;
  }
  bench_raise_nofile("ac_idle_conns", (rlim_t)st.n + 64);
  int rc = ac_loop_run(bench, &st, NULL);
  if (rc < 0) fprintf(stderr, "ac_idle_conns: %s\n", ac_error_message(rc));
  return rc < 0;
}

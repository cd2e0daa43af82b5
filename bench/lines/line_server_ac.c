/* line_server_ac.c - the lines benchmark's server: chapter 05's reference
 * line server (solutions/05-streams/exercises/line_server.c) on
 * 127.0.0.1, with room for CONNECTIONS clients. Prints its port, then
 * serves until SIGTERM or SIGINT.
 * Usage: line_server_ac MAX_LINE IDLE_TIMEOUT_MS CONNECTIONS */
#include <ac.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "line_server.h"

static void ready(void *ctx, int port)
{
  (void)ctx;
  printf("%d\n", port);
  fflush(stdout);
}

static int serve(void *arg, void **result)
{
  (void)result;
  int rc = line_server_run(arg);
  return rc > 0 ? 0 : rc; /* the signal that stopped it is a clean end */
}

int main(int argc, char **argv)
{
  long max_line = argc == 4 ? atol(argv[1]) : 0, idle_ms = argc == 4 ? atol(argv[2]) : 0;
  long connections = argc == 4 ? atol(argv[3]) : 0;
  if (max_line < 2 || idle_ms < 1 || connections < 1) {
    fprintf(stderr, "usage: %s MAX_LINE IDLE_TIMEOUT_MS CONNECTIONS\n", argv[0]);
    return 2;
  }
  bench_raise_nofile("line_server_ac", (rlim_t)connections + 64);
  line_server_opts_t opts = {.host = "127.0.0.1", .max_line = (size_t)max_line,
                             .idle_timeout_ms = idle_ms, .ready = ready};
  int rc = ac_loop_run(serve, &opts, NULL);
  if (rc < 0)
    fprintf(stderr, "line_server_ac: %s\n", ac_error_message(rc));
  return rc < 0;
}

/* idle_clients.c - idle connections for a server in another process (the
 * lines benchmark measures that server's memory): opens N connections to
 * 127.0.0.1:PORT, each sending one line and reading the answer, prints
 * "ready" once all are open, and holds them quietly until its stdin ends.
 * Usage: idle_clients PORT N */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

int main(int argc, char **argv) {
  long n = argc == 3 ? atol(argv[2]) : 0;
  int port = argc == 3 ? atoi(argv[1]) : 0;
  if (n < 1 || port < 1 || port > 65535) {
    fprintf(stderr, "usage: %s PORT N\n", argv[0]);
    return 2;
  }
  bench_raise_nofile("idle_clients", (rlim_t)n + 64);
  int *fds = calloc((size_t)n, sizeof *fds);
  if (!fds || bench_idle_connections("idle_clients", port, n, fds) != 0) return 1;
  printf("ready\n");
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0) { /* until the harness closes our stdin */
  }
  for (long i = 0; i < n; i++) close(fds[i]);
  return 0;
}

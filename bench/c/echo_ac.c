/* echo_ac.c - the TCP echo server of the echo benchmark, on the runtime's
 * streams: each connection echoes what it reads. Prints its port, then
 * serves until killed. */
#include <stdio.h>

#include "ac.h"
#include "bench.h"

static int echo(ac_stream_t *s, void *arg) {
  (void)arg;
  char buf[4096];
  ssize_t n;
  while ((n = ac_stream_read(s, buf, sizeof buf)) > 0)
    if (ac_stream_write(s, buf, (size_t)n) < 0 || ac_stream_drain(s) < 0) break;
  return 0;
}

static int serve(void *arg, void **result) {
  (void)arg, (void)result;
  ac_server_t *srv;
  BENCH_CHECK(ac_server_start(&srv, "127.0.0.1", 0, echo, NULL));
  printf("%d\n", ac_server_port(srv));
  fflush(stdout);
  for (;;) BENCH_CHECK(ac_task_sleep(3600 * 1000));
}

int main(void) { return ac_loop_run(serve, NULL, NULL) < 0; }

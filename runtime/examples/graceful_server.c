/* graceful_server.c - a line server that shuts down cleanly on Ctrl-C
 * (SIGINT) or SIGTERM: it stops accepting, lets the connections it has
 * finish for up to two seconds, then cancels the rest and exits 0.
 *
 *   graceful_server [PORT]      (0 or nothing: a free port, printed)
 *   printf 'hello\n' | nc 127.0.0.1 PORT   ->  HELLO
 *   kill -TERM <pid>, or Ctrl-C             ->  "stopping on SIGTERM ..." */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"

static int served; /* connections that ended on their own */

/* Answer each line in capitals until the client hangs up. */
static int shout(ac_stream_t *stream, void *arg) {
  (void)arg;
  char line[1024];
  ssize_t n;
  while ((n = ac_stream_readline(stream, line, sizeof line)) > 0) {
    for (ssize_t i = 0; i < n; i++) line[i] = (char)toupper((unsigned char)line[i]);
    int rc = ac_stream_write(stream, line, (size_t)n);
    if (rc == 0) rc = ac_stream_drain(stream);
    if (rc < 0) return rc;
  }
  if (n < 0) return (int)n; /* cancelled at shutdown, or the connection failed */
  served++;
  return 0;
}

static int main_task(void *arg, void **result) {
  (void)result;
  int port = *(int *)arg;
  /* Catch the signals first: from here on Ctrl-C no longer kills us. */
  static const int stop_on[] = {SIGINT, SIGTERM};
  ac_signal_t *stop;
  int rc = ac_signal_create(&stop, stop_on, 2);
  if (rc < 0) return rc;
  ac_server_t *server;
  if ((rc = ac_server_start(&server, "127.0.0.1", port, shout, NULL)) < 0) {
    ac_signal_close(stop);
    return rc;
  }
  printf("listening on 127.0.0.1:%d\n", ac_server_port(server));

  int signum = ac_signal_wait(stop); /* the server runs in its own tasks meanwhile */
  if (signum > 0) printf("stopping on %s\n", signum == SIGINT ? "SIGINT" : "SIGTERM");
  ac_signal_close(stop); /* a second Ctrl-C now ends the process at once */
  rc = ac_server_close(server, 2000);
  printf("stopped: %d connection(s) served\n", served);
  return signum < 0 ? signum : rc;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  setvbuf(stdout, NULL, _IOLBF, 0); /* each line at once, also into a pipe */
  int rc = ac_loop_run(main_task, &port, NULL);
  if (rc < 0) {
    fprintf(stderr, "graceful_server: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

/* shutdown.c - a graceful shutdown on SIGTERM: the server waits for the signal, stops accepting,
 * cancels its handlers, and each one says goodbye to its client before the connection closes. */
#include <ac.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* [handler] */
/* Echo lines; when the server shuts down, the wait is cancelled, and the
 * handler tells its client before it returns. */
static int handler(ac_stream_t *stream, void *arg)
{
  char line[256];
  ssize_t n;

  (void)arg;
  while ((n = ac_stream_readline(stream, line, sizeof line)) > 0) {
    int rc = ac_stream_write(stream, line, (size_t)n);
    if (rc == 0)
      rc = ac_stream_drain(stream);
    if (rc < 0)
      return rc;
  }
  if (n == -ECANCELED) {
    printf("handler: cancelled by the shutdown, saying goodbye\n");
    ac_stream_write(stream, "bye\n", 4);
    return 0;
  }
  return n < 0 ? (int)n : 0;
}
/* [handler] */

/* A client that connects, is echoed once, then stays until the server says
 * goodbye and closes. */
static int client(void *arg, void **result)
{
  int port = *(int *)arg;
  ac_stream_t *stream;
  char line[256];

  (void)result;
  int rc = ac_stream_connect(&stream, "127.0.0.1", port);
  if (rc < 0)
    return rc;
  rc = ac_stream_write(stream, "hello\n", 6);
  while (rc == 0) {
    ssize_t n = ac_stream_readline(stream, line, sizeof line);
    if (n <= 0) {
      printf("client: then %s\n", n == 0 ? "the end of the stream" : ac_error_message((int)n));
      rc = n < 0 ? (int)n : 0;
      break;
    }
    printf("client: got %s", line);
  }
  ac_stream_close(stream);
  return rc;
}

/* Someone (an operator, a service manager) asks the program to stop. */
static void send_sigterm(void *arg)
{
  (void)arg;
  printf("(sending SIGTERM to this process)\n");
  kill(getpid(), SIGTERM);
}

/* [main] */
static int main_task(void *arg, void **result)
{
  static const int signals[] = {SIGINT, SIGTERM};
  ac_signal_t *sig;
  ac_server_t *server;
  ac_task_t *visitor;

  (void)arg;
  (void)result;
  /* Catch the signals first: from here on they no longer end the process. */
  int rc = ac_signal_create(&sig, signals, 2);
  if (rc < 0)
    return rc;
  rc = ac_server_start(&server, "127.0.0.1", 0, handler, NULL);
  if (rc < 0) {
    ac_signal_close(sig);
    return rc;
  }
  int port = ac_server_port(server);
  ac_task_create(&visitor, client, &port);
  ac_loop_call_later(100, send_sigterm, NULL, NULL);

  int signum = ac_signal_wait(sig);
  printf("server: got %s, shutting down\n", signum == SIGTERM ? "SIGTERM" : "a signal");
  ac_server_close(server, 0);     /* stop accepting, cancel the handlers, wait for them */
  ac_future_await(visitor, NULL); /* (to print in order) */
  ac_future_release(visitor);
  ac_signal_close(sig); /* SIGINT and SIGTERM behave as before again */
  printf("server: every connection closed, exiting\n");
  return 0;
}
/* [main] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "shutdown: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

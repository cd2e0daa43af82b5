/* echo.c - a TCP echo server and a client in one program: the server runs a handler task per
 * connection, the client sends three lines and reads each one back. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* [handler] */
/* One connection: read a line, write it back, until the client ends the
 * stream. The server runs this in a task of its own for each client, and
 * closes the stream when it returns. */
static int echo_handler(ac_stream_t *stream, void *arg)
{
  char line[256];
  ssize_t n;

  (void)arg;
  while ((n = ac_stream_readline(stream, line, sizeof line)) > 0) {
    printf("server: got %.*s", (int)n, line);
    int rc = ac_stream_write(stream, line, (size_t)n);
    if (rc == 0)
      rc = ac_stream_drain(stream); /* wait if the client reads slower than we write */
    if (rc < 0)
      return rc;
  }
  printf("server: the client ended the stream (%s)\n", n == 0 ? "EOF" : ac_error_message((int)n));
  return n < 0 ? (int)n : 0;
}
/* [handler] */

/* [client] */
/* Connect, send each line and wait for its echo, then close. */
static int client(int port)
{
  static const char *const lines[] = {"hello\n", "streams\n", "bye\n"};
  ac_stream_t *stream;
  char reply[256];

  int rc = ac_stream_connect(&stream, "127.0.0.1", port);
  if (rc < 0)
    return rc;
  for (size_t i = 0; i < sizeof lines / sizeof lines[0] && rc == 0; i++) {
    rc = ac_stream_write(stream, lines[i], strlen(lines[i]));
    ssize_t n = rc < 0 ? rc : ac_stream_readline(stream, reply, sizeof reply);
    if (n > 0)
      printf("client: echoed %s", reply);
    else
      rc = n < 0 ? (int)n : -EPIPE; /* 0: the server hung up */
  }
  ac_stream_close(stream);
  return rc;
}
/* [client] */

/* [main] */
static int main_task(void *arg, void **result)
{
  ac_server_t *server;

  (void)arg;
  (void)result;
  /* Port 0: the system picks a free port; ac_server_port() says which. */
  int rc = ac_server_start(&server, "127.0.0.1", 0, echo_handler, NULL);
  if (rc < 0)
    return rc;
  rc = client(ac_server_port(server));
  /* Stop accepting; the handler has up to a second to see the client's end
   * of the stream and return by itself, then it would be cancelled. */
  int close_rc = ac_server_close(server, 1000);
  return rc < 0 ? rc : close_rc;
}
/* [main] */

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "echo: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

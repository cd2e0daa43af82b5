/* half_close.c - ending one direction of a connection: the client sends its lines, ends its
 * sending half with ac_stream_write_eof(), and still reads the server's answer. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* [counter] */
/* The server: count lines until the client ends its half, then answer. An
 * end of stream in the middle of a line still counts that line. */
static int count_lines(ac_stream_t *stream, void *arg)
{
  char line[256], answer[64];
  ssize_t n;
  int lines = 0;

  (void)arg;
  while ((n = ac_stream_readline(stream, line, sizeof line)) > 0)
    lines++;
  if (n < 0)
    return (int)n;
  printf("server: end of stream after %d lines\n", lines);
  snprintf(answer, sizeof answer, "%d lines\n", lines);
  return ac_stream_write(stream, answer, strlen(answer)); /* our half is still open */
}
/* [counter] */

/* [client] */
static int client(int port)
{
  static const char text[] = "one\ntwo\nthree, with no newline";
  ac_stream_t *stream;
  char answer[64];

  int rc = ac_stream_connect(&stream, "127.0.0.1", port);
  if (rc < 0)
    return rc;
  rc = ac_stream_write(stream, text, strlen(text));
  if (rc == 0)
    rc = ac_stream_write_eof(stream); /* "that's all": the server reads the end */
  printf("client: sent everything, and the end of the stream\n");
  ssize_t n = rc < 0 ? rc : ac_stream_readline(stream, answer, sizeof answer);
  if (n > 0)
    printf("client: the server says %s", answer);
  if (n >= 0) /* after the answer, the server closes: the end of the stream */
    n = ac_stream_readline(stream, answer, sizeof answer);
  printf("client: then %s\n", n == 0 ? "the end of the stream" : ac_error_message((int)n));
  ac_stream_close(stream);
  return n < 0 ? (int)n : 0;
}
/* [client] */

static int main_task(void *arg, void **result)
{
  ac_server_t *server;

  (void)arg;
  (void)result;
  int rc = ac_server_start(&server, "127.0.0.1", 0, count_lines, NULL);
  if (rc < 0)
    return rc;
  rc = client(ac_server_port(server));
  int close_rc = ac_server_close(server, 1000);
  return rc < 0 ? rc : close_rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "half_close: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

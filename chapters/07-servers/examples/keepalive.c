/* keepalive.c - one HTTP/1.1 connection, three requests sent in one write
 * (pipelined), the first of them slow. The server's loop answers one
 * request after another, so the answers come back in the order asked,
 * and the connection stays open until a request says "Connection: close".
 * (No bodies: the request ends at its blank line.) */
#include <ac.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* [connection] */
/* A connection's task: read a request, answer it, and go round again
 * while the client keeps the connection. */
static int serve(ac_stream_t *stream, void *arg)
{
  char head[1024], method[8], path[64], answer[256];

  (void)arg;
  for (int n = 1;; n++) {
    ssize_t len = ac_stream_readuntil(stream, "\r\n\r\n", head, sizeof head - 1);
    if (len <= 0)
      return 0; /* the client has gone (or sent a head too long) */
    head[len] = '\0';
    if (sscanf(head, "%7s %63s", method, path) != 2)
      return 0;
    bool close = strstr(head, "\r\nConnection: close\r\n") != NULL;
    printf("server: request %d: %s %s%s\n", n, method, path, close ? " (Connection: close)" : "");
    if (strcmp(path, "/slow") == 0 && ac_task_sleep(100) < 0)
      return 0;
    int size = snprintf(answer, sizeof answer, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n%s\r\n%s",
                        strlen(path), close ? "Connection: close\r\n" : "", path);
    if (ac_stream_write(stream, answer, (size_t)size) < 0 || ac_stream_drain(stream) < 0 || close)
      return 0; /* the server closes the connection when this returns */
  }
}
/* [connection] */

/* Read one answer: its head, then as many bytes as Content-Length says. */
static int read_answer(ac_stream_t *stream, char *body, size_t size)
{
  char head[1024];
  ssize_t len = ac_stream_readuntil(stream, "\r\n\r\n", head, sizeof head - 1);
  if (len <= 0)
    return len == -EPIPE ? 0 : (int)len;
  head[len] = '\0';
  const char *cl = strstr(head, "Content-Length: ");
  size_t n = cl ? strtoul(cl + 16, NULL, 10) : 0;
  if (n >= size)
    return -EMSGSIZE;
  int rc = ac_stream_readexactly(stream, body, n, NULL);
  body[n] = '\0';
  return rc < 0 ? rc : 1;
}

static int main_task(void *arg, void **result)
{
  ac_server_t *server;
  ac_stream_t *client;
  char body[64];

  (void)arg;
  (void)result;
  int rc = ac_server_start(&server, "127.0.0.1", 0, serve, NULL);
  if (rc < 0)
    return rc;
  rc = ac_stream_connect(&client, "127.0.0.1", ac_server_port(server));
  if (rc == 0) {
    /* [pipelined] */
    static const char three[] = "GET /slow HTTP/1.1\r\nHost: example\r\n\r\n"
                                "GET /a HTTP/1.1\r\nHost: example\r\n\r\n"
                                "GET /b HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n";
    printf("client: three requests in one write\n");
    rc = ac_stream_write(client, three, sizeof three - 1);
    for (int i = 1; rc >= 0; i++) {
      rc = read_answer(client, body, sizeof body);
      if (rc > 0)
        printf("client: answer %d: %s\n", i, body);
      else if (rc == 0)
        printf("client: the server closed the connection\n");
      if (rc == 0)
        break;
    }
    /* [pipelined] */
    ac_stream_close(client);
  }
  ac_server_close(server, 1000);
  return rc < 0 ? rc : 0;
}

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

/* echo_uv.c - the peer of the echo benchmark: a plain libuv callback echo
 * server, the floor for any server built on libuv. Prints its port. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

typedef struct {
  uv_tcp_t tcp;
  char buf[4096];
} conn;

typedef struct {
  uv_write_t req;
  conn *c;
} wreq;

static void on_close(uv_handle_t *h) { free(h->data); }

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf) {
  conn *c = h->data;
  (void)size;
  *buf = uv_buf_init(c->buf, sizeof c->buf); /* one buffer per connection, reused */
}

static void on_written(uv_write_t *req, int status) {
  (void)status;
  free(req);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  conn *c = s->data;
  if (n < 0) {
    uv_close((uv_handle_t *)s, on_close);
    return;
  }
  if (n == 0) return;
  uv_buf_t out = uv_buf_init(buf->base, (unsigned)n);
  int sent = uv_try_write(s, &out, 1);
  if (sent == n) return;
  if (sent < 0) sent = 0;
  wreq *w = malloc(sizeof *w + (size_t)(n - sent));
  char *copy = (char *)(w + 1);
  for (ssize_t i = sent; i < n; i++) copy[i - sent] = c->buf[i];
  uv_buf_t rest = uv_buf_init(copy, (unsigned)(n - sent));
  uv_write(&w->req, s, &rest, 1, on_written);
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0) return;
  conn *c = malloc(sizeof *c);
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) == 0)
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  else
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

int main(void) {
  uv_loop_t *loop = uv_default_loop();
  uv_tcp_t server;
  struct sockaddr_in addr;
  uv_tcp_init(loop, &server);
  uv_ip4_addr("127.0.0.1", 0, &addr);
  if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) ||
      uv_listen((uv_stream_t *)&server, 128, on_connection))
    return 1;
  int len = sizeof addr;
  uv_tcp_getsockname(&server, (struct sockaddr *)&addr, &len);
  printf("%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  return uv_run(loop, UV_RUN_DEFAULT);
}

/* deadline.c - a client sends a request two bytes every 200 ms. A server
 * that puts a timeout of 300 ms on each read never times it out: every
 * read gets its bytes in time. One deadline of 500 ms for the whole
 * request does, after a few bytes, and the server answers 408. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DRIP_MS 200
#define DRIP_BYTES 2
static const char request[] = "GET / HTTP/1.1\r\n\r\n";

/* [per_read] */
/* Wrong: a timeout on each read. A client that sends a byte now and then
 * (slowloris) holds the connection for as long as it likes. */
static ssize_t read_head_per_read(ac_stream_t *s, char *buf, size_t size, int64_t ms, int *reads)
{
  size_t have = 0;
  for (*reads = 0; have < size;) {
    ac_timeout_t t;
    if (ac_timeout_open(&t, ms) < 0)
      return -ENOMEM;
    ssize_t n = ac_stream_read(s, buf + have, size - have);
    ++*reads;
    if (ac_timeout_close(&t) == -ETIMEDOUT)
      return -ETIMEDOUT;
    if (n <= 0)
      return n;
    have += (size_t)n;
    if (have >= 4 && memcmp(buf + have - 4, "\r\n\r\n", 4) == 0)
      return (ssize_t)have;
  }
  return -EMSGSIZE;
}
/* [per_read] */

/* [per_request] */
/* Right: one deadline for the whole request, however its bytes come. */
static ssize_t read_head_deadline(ac_stream_t *s, char *buf, size_t size, int64_t ms)
{
  ac_timeout_t t;
  if (ac_timeout_open(&t, ms) < 0)
    return -ENOMEM;
  ssize_t n = ac_stream_readuntil(s, "\r\n\r\n", buf, size);
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    return -ETIMEDOUT;
  return n;
}
/* [per_request] */

static int per_request; /* which of the two the server uses */

static int serve(ac_stream_t *stream, void *arg)
{
  char head[256];
  int reads = 0;

  (void)arg;
  ssize_t n = per_request ? read_head_deadline(stream, head, sizeof head, 500)
                          : read_head_per_read(stream, head, sizeof head, 300, &reads);
  if (n == -ETIMEDOUT) {
    static const char timeout[] = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                                  "Connection: close\r\n\r\n";
    ac_stream_write(stream, timeout, sizeof timeout - 1);
    ac_stream_drain(stream);
  } else if (n > 0) {
    printf("a timeout of 300 ms per read: the request came whole, %zd bytes in %d reads, "
           "%d ms apart\n",
           n, reads, DRIP_MS);
  }
  return 0;
}

/* The client: DRIP_BYTES every DRIP_MS; the answer, if any, is read by
 * the caller meanwhile. */
typedef struct {
  ac_stream_t *stream;
  size_t sent;
} dripper_t;

static int drip(void *arg, void **result)
{
  dripper_t *d = arg;

  (void)result;
  while (d->sent < sizeof request - 1) {
    if (d->sent > 0 && ac_task_sleep(DRIP_MS) < 0)
      return 0;
    if (ac_stream_write(d->stream, request + d->sent, DRIP_BYTES) < 0)
      return 0;
    d->sent += DRIP_BYTES;
  }
  return 0;
}

static int run(void)
{
  ac_server_t *server;
  dripper_t d = {0};
  ac_task_t *dripper;
  char answer[128];

  int rc = ac_server_start(&server, "127.0.0.1", 0, serve, NULL);
  if (rc < 0)
    return rc;
  rc = ac_stream_connect(&d.stream, "127.0.0.1", ac_server_port(server));
  if (rc == 0 && (rc = ac_task_create(&dripper, drip, &d)) == 0) {
    ssize_t n = ac_stream_readline(d.stream, answer, sizeof answer);
    if (n > 0)
      printf("one deadline of 500 ms for the request: %.*s after %zu bytes\n", (int)(n - 2), answer,
             d.sent);
    ac_future_await(dripper, NULL); /* it stops when its writes fail, or at the end */
    ac_future_release(dripper);
    ac_stream_close(d.stream);
  }
  ac_server_close(server, 1000);
  return rc;
}

static int main_task(void *arg, void **result)
{
  (void)arg;
  (void)result;
  int rc = run();
  per_request = 1;
  return rc < 0 ? rc : run();
}

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

/* framing.c - messages over a byte stream: each one is a 4-byte big-endian length, then that
 * many bytes. The receiver reads whole frames however the bytes arrive, and refuses a length
 * it cannot hold. */
#include <ac.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_FRAME 1024 /* the longest payload the receiver accepts */

/* [write_frame] */
/* Queue one frame: the length in network byte order (big-endian), then the
 * payload. Both writes go out in order; nothing is sent separately. */
static int write_frame(ac_stream_t *stream, const void *payload, uint32_t len)
{
  uint32_t header = htonl(len);
  int rc = ac_stream_write(stream, &header, sizeof header);
  if (rc == 0)
    rc = ac_stream_write(stream, payload, len);
  return rc < 0 ? rc : ac_stream_drain(stream);
}
/* [write_frame] */

/* [read_frame] */
/* Read one frame into BUF (SIZE bytes). Returns the payload's length, 0 at a
 * clean end between frames, -EPIPE if the stream ends inside a frame, and
 * -EMSGSIZE if the length does not fit (the stream is then out of step:
 * the only safe thing left is to close it). */
static ssize_t read_frame(ac_stream_t *stream, void *buf, size_t size)
{
  uint32_t header;
  size_t got;

  int rc = ac_stream_readexactly(stream, &header, sizeof header, &got);
  if (rc == -EPIPE && got == 0)
    return 0; /* the peer ended the stream between two frames */
  if (rc < 0)
    return rc;
  uint32_t len = ntohl(header);
  if (len > size)
    return -EMSGSIZE;
  rc = ac_stream_readexactly(stream, buf, len, NULL); /* waits for every byte */
  return rc < 0 ? rc : (ssize_t)len;
}
/* [read_frame] */

/* [sender] */
/* The server's side: two frames in a row, a third that arrives in two
 * pieces 100 ms apart, then a length no receiver should believe. */
static int sender(ac_stream_t *stream, void *arg)
{
  (void)arg;
  int rc = write_frame(stream, "hello", 5);
  if (rc == 0)
    rc = write_frame(stream, "frames", 6);
  if (rc == 0) {
    uint32_t header = htonl(11);
    rc = ac_stream_write(stream, &header, sizeof header);
    if (rc == 0)
      rc = ac_stream_write(stream, "split ", 6);
    if (rc == 0)
      rc = ac_task_sleep(100); /* a slow network: the rest comes later */
    if (rc == 0)
      rc = ac_stream_write(stream, "frame", 5);
  }
  if (rc == 0) {
    uint32_t garbage = 0xffffffffu;
    rc = ac_stream_write(stream, &garbage, sizeof garbage);
  }
  return rc;
}
/* [sender] */

/* [receiver] */
static int receiver(int port)
{
  ac_stream_t *stream;
  char payload[MAX_FRAME];
  ssize_t n;

  int rc = ac_stream_connect(&stream, "127.0.0.1", port);
  if (rc < 0)
    return rc;
  double start = ac_loop_time_precise();
  while ((n = read_frame(stream, payload, sizeof payload)) > 0)
    printf("a frame of %zd bytes, %s: %.*s\n", n,
           ac_loop_time_precise() - start >= 90 ? "100 ms later" : "at once", (int)n, payload);
  if (n == -EMSGSIZE)
    printf("then a length too large to accept: closing the connection\n");
  else
    printf("then: %s\n", n == 0 ? "the end of the stream" : ac_error_message((int)n));
  ac_stream_close(stream);
  return n == -EMSGSIZE ? 0 : (int)n; /* the garbage was expected */
}
/* [receiver] */

static int main_task(void *arg, void **result)
{
  ac_server_t *server;

  (void)arg;
  (void)result;
  int rc = ac_server_start(&server, "127.0.0.1", 0, sender, NULL);
  if (rc < 0)
    return rc;
  rc = receiver(ac_server_port(server));
  int close_rc = ac_server_close(server, 1000);
  return rc < 0 ? rc : close_rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "framing: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

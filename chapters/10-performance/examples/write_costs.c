/* write_costs.c - the same 64 KiB sent three ways over a loopback
 * connection: a write per byte, a write per 4 KiB, and one write. The
 * bytes that arrive are the same; the system calls are not (run it under
 * `strace -c -f`). The times go to standard error: they depend on the
 * machine, the counts on standard output do not. */
#include <ac.h>
#include <stdio.h>
#include <string.h>

enum { TOTAL = 64 * 1024 };

typedef struct {
  int port;
  size_t received;
} sink_t;

/* The server's side: count what arrives until the client ends. */
static int count_bytes(ac_stream_t *stream, void *arg)
{
  sink_t *sink = arg;
  char buf[16384];
  ssize_t n;
  while ((n = ac_stream_read(stream, buf, sizeof buf)) > 0)
    sink->received += (size_t)n;
  return n < 0 ? (int)n : 0;
}

/* [send] */
/* Send TOTAL bytes in writes of CHUNK bytes; returns the writes made. */
static long send_in_chunks(ac_stream_t *stream, const char *data, size_t chunk)
{
  long writes = 0;
  for (size_t at = 0; at < TOTAL; at += chunk) {
    size_t n = TOTAL - at < chunk ? TOTAL - at : chunk;
    if (ac_stream_write(stream, data + at, n) < 0 || ac_stream_drain(stream) < 0)
      return -1;
    writes++;
  }
  return writes;
}
/* [send] */

static int run_once(int port, sink_t *sink, const char *data, size_t chunk)
{
  ac_stream_t *stream;
  int rc = ac_stream_connect(&stream, "127.0.0.1", port);
  if (rc < 0)
    return rc;
  sink->received = 0;
  double t0 = ac_loop_time_precise();
  long writes = send_in_chunks(stream, data, chunk);
  if (writes >= 0 && ac_stream_write_eof(stream) == 0) {
    while (sink->received < TOTAL && ac_task_sleep(1) == 0) {
    }
  }
  double took = ac_loop_time_precise() - t0;
  ac_stream_close(stream);
  printf("writes of %5zu bytes: %5ld write calls, %zu bytes arrived\n", chunk, writes,
         sink->received);
  fprintf(stderr, "  writes of %5zu bytes took %.2f ms\n", chunk, took);
  return writes < 0 ? -1 : 0;
}

static int main_task(void *arg, void **result)
{
  (void)arg, (void)result;
  static char data[TOTAL];
  memset(data, 'x', sizeof data);
  sink_t sink = {0, 0};
  ac_server_t *server;
  int rc = ac_server_start(&server, "127.0.0.1", 0, count_bytes, &sink);
  if (rc < 0)
    return rc;
  int port = ac_server_port(server);
  const size_t chunks[] = {1, 4096, TOTAL};
  for (int i = 0; i < 3 && rc == 0; i++)
    rc = run_once(port, &sink, data, chunks[i]);
  ac_server_close(server, 1000);
  return rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0)
    fprintf(stderr, "write_costs: %s\n", ac_error_message(rc));
  return rc < 0;
}

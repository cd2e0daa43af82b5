/* backpressure.c - a fast writer and a reader that sleeps first: with ac_stream_drain() the
 * writer is held back and memory stays small; without it, everything piles up in memory. */
#include <ac.h>
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define CHUNK (64 * 1024)        /* bytes per write */
#define TOTAL (16 * 1024 * 1024) /* bytes the writer sends */
#define READER_NAP_MS 300        /* how long the reader sleeps before it reads */

static char chunk[CHUNK];
static bool reader_awake; /* the reader's nap is over */

/* AddressSanitizer's count of the heap in use, when the program runs under it. */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* The heap this process has in use, in MiB: what was freed does not count,
 * even where the allocator keeps it (AddressSanitizer holds freed blocks
 * back for a while to catch late uses). */
static double heap_mib(void)
{
  if (__sanitizer_get_current_allocated_bytes)
    return __sanitizer_get_current_allocated_bytes() / (1024.0 * 1024);
  struct mallinfo2 m = mallinfo2();
  return (double)(m.uordblks + m.hblkhd) / (1024 * 1024);
}

/* [writer] */
/* The server's handler: send TOTAL bytes as fast as it may. With drain, each
 * write waits while more than AC_STREAM_HIGH_WATER bytes are still unsent,
 * so the writer goes at the reader's pace. */
static int writer(ac_stream_t *stream, void *arg)
{
  bool drain = *(bool *)arg;
  double base = heap_mib();
  int rc = 0;

  for (size_t sent = 0; sent < TOTAL && rc == 0; sent += CHUNK) {
    rc = ac_stream_write(stream, chunk, CHUNK);
    if (rc == 0 && drain)
      rc = ac_stream_drain(stream);
  }
  printf("  writer: wrote 16 MiB %s; memory grew by %s 8 MiB\n",
         reader_awake ? "after the reader woke up" : "before the reader woke up",
         heap_mib() - base > 8 ? "more than" : "less than");
  /* Wait until the reader says it has everything: closing now would drop
   * what is still queued. */
  char ack[16];
  ssize_t n = rc < 0 ? rc : ac_stream_readline(stream, ack, sizeof ack);
  return n < 0 ? (int)n : 0;
}
/* [writer] */

/* The client: sleep, then read all of it and say so. */
static int reader(int port)
{
  static char buf[CHUNK];
  ac_stream_t *stream;
  size_t got = 0;
  ssize_t n = 0;

  int rc = ac_stream_connect(&stream, "127.0.0.1", port);
  if (rc < 0)
    return rc;
  rc = ac_task_sleep(READER_NAP_MS);
  reader_awake = true;
  while (rc == 0 && got < TOTAL && (n = ac_stream_read(stream, buf, sizeof buf)) > 0)
    got += (size_t)n;
  printf("  reader: got %s\n", got == TOTAL ? "all 16 MiB" : "less than it should");
  if (rc == 0)
    rc = n < 0 ? (int)n : ac_stream_write(stream, "done\n", 5);
  ac_stream_close(stream);
  return rc;
}

static int run(bool drain)
{
  ac_server_t *server;

  printf("%s drain:\n", drain ? "with" : "without");
  reader_awake = false;
  int rc = ac_server_start(&server, "127.0.0.1", 0, writer, &drain);
  if (rc < 0)
    return rc;
  rc = reader(ac_server_port(server));
  int close_rc = ac_server_close(server, 1000);
  return rc < 0 ? rc : close_rc;
}

static int main_task(void *arg, void **result)
{
  (void)arg;
  (void)result;
  int rc = run(true);
  return rc < 0 ? rc : run(false);
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "backpressure: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

/* poll_pipe.c - the heart of every event loop, with no runtime: poll(2) on a pipe, its timeout
 * taken from the next deadline. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* [loop] */
/* Wait for the pipe or for the deadline, whichever comes first. */
static int wait_once(int fd, long long deadline)
{
  long long left = deadline - now_ms();
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int n = poll(&p, 1, left < 0 ? 0 : (int)left);
  if (n < 0)
    return -errno;
  if (n == 0) {
    printf("timeout: the deadline came first\n");
    return 0;
  }
  char buf[32];
  ssize_t got = read(fd, buf, sizeof buf - 1);
  if (got < 0)
    return -errno;
  buf[got] = '\0';
  printf("readable: read \"%s\"\n", buf);
  return 1;
}
/* [loop] */

/* [main] */
int main(void)
{
  int fds[2];
  if (pipe(fds) < 0) {
    perror("poll_pipe: pipe");
    return 1;
  }
  /* Nothing written yet: poll sleeps until the 50 ms deadline. */
  int rc = wait_once(fds[0], now_ms() + 50);
  /* Data waiting: poll returns at once, long before the deadline. */
  if (rc >= 0 && write(fds[1], "hello", 5) != 5)
    rc = -errno;
  if (rc >= 0)
    rc = wait_once(fds[0], now_ms() + 10000);
  close(fds[0]);
  close(fds[1]);
  if (rc < 0) {
    fprintf(stderr, "poll_pipe: %s\n", strerror(-rc));
    return 1;
  }
  return 0;
}
/* [main] */

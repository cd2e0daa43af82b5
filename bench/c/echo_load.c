/* echo_load.c - the echo and lines benchmarks' load: C connections to
 * 127.0.0.1:PORT, each sending a 64-byte message (a line: 63 bytes and a
 * newline) and waiting for it to come back, for D seconds. Prints the
 * messages per second. Usage: echo_load PORT C D */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

enum { MSG = 64 };

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PORT CONNECTIONS SECONDS\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]), nconn = atoi(argv[2]);
  double seconds = atof(argv[3]);
  int ep = epoll_create1(0);
  int *fds = calloc((size_t)nconn, sizeof *fds);
  int *got = calloc((size_t)nconn, sizeof *got);
  char msg[MSG], buf[MSG];
  memset(msg, 'm', sizeof msg);
  msg[MSG - 1] = '\n'; /* what a line server waits for; an echo server does not care */
  for (int i = 0; i < nconn; i++) {
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(0x7f000001)};
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fds[i], (struct sockaddr *)&a, sizeof a) != 0) {
      perror("connect");
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    if (write(fds[i], msg, MSG) != MSG) return 1;
  }
  long messages = 0;
  double end = bench_now_ns() + seconds * 1e9, start = bench_now_ns();
  struct epoll_event evs[256];
  while (bench_now_ns() < end) {
    int n = epoll_wait(ep, evs, 256, 100);
    for (int k = 0; k < n; k++) {
      int i = (int)evs[k].data.u32;
      ssize_t r = read(fds[i], buf, (size_t)(MSG - got[i]));
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "echo_load: connection %d ended\n", i);
        return 1;
      }
      got[i] += (int)r;
      if (got[i] == MSG) { /* the whole answer: ask again */
        got[i] = 0;
        messages++;
        if (write(fds[i], msg, MSG) != MSG) return 1;
      }
    }
  }
  double took = (bench_now_ns() - start) / 1e9;
  printf("%.1f\n", (double)messages / took);
  return 0;
}

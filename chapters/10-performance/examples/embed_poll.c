/* embed_poll.c - a host program with a poll() loop of its own runs the
 * runtime's loop inside it: it watches the runtime's backend descriptor,
 * sleeps no longer than the runtime's next timer, and gives the runtime
 * one turn that never waits each time it wakes. The host draws a "frame"
 * every 200 ms; a task of the runtime ticks in between. */
#include <ac.h>
#include <poll.h>
#include <stdio.h>

static int ticks;

/* The runtime's side: ticks at 100, 300 and 500 ms. */
static int ticker(void *arg, void **result)
{
  (void)arg, (void)result;
  for (int i = 1; i <= 3; i++) {
    if (ac_task_sleep(i == 1 ? 100 : 200) < 0)
      return 0;
    ticks = i;
    printf("runtime: tick %d\n", i);
  }
  return 0;
}

int main(void)
{
  if (ac_loop_open() < 0 || ac_task_create(NULL, ticker, NULL) < 0)
    return 1;
  /* [host] */
  struct pollfd backend = {.fd = ac_loop_backend_fd(), .events = POLLIN};
  double start = ac_loop_time_precise(), next_frame = start + 200;
  int frames = 0, wakeups = 0;
  while (frames < 3) {
    int64_t runtime_wait; /* -1: only its descriptor can bring work */
    if (ac_loop_drive(AC_DRIVE_NOWAIT) < 0 || ac_loop_next_timeout(&runtime_wait) < 0)
      break; /* one turn of the runtime, never waiting; then how long the host may sleep */
    double now = ac_loop_time_precise();
    int64_t host_wait = next_frame > now ? (int64_t)(next_frame - now) + 1 : 0;
    int64_t wait = runtime_wait >= 0 && runtime_wait < host_wait ? runtime_wait : host_wait;
    if (poll(&backend, 1, (int)wait) < 0) /* the host's own descriptors would be here too */
      break;
    wakeups++;
    if (ac_loop_time_precise() >= next_frame) {
      printf("host:    frame %d\n", ++frames);
      next_frame += 200;
    }
  }
  /* [host] */
  printf("host:    %d ticks seen, slept in poll() between events: %s\n", ticks,
         wakeups < 40 ? "yes" : "no");
  return ac_loop_close() < 0;
}

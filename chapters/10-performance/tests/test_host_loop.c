/* test_host_loop.c - tests of chapter 10, exercise 2: the runtime driven
 * from a host's poll() loop (support/host.h).
 *
 * Each test attaches the runtime to a fresh host, gives both sides work,
 * runs the host, and checks both made progress. Every run has a safety
 * timer of the host's own that quits it, so a runtime that never wakes the
 * host ends the test with a message instead of running into the time
 * limit. Verdicts are counts and orders (wake-ups, ticks, which of two
 * things happened first), with time only as generous lower bounds.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"
#include "host.h"
#include "host_loop.h"

static int64_t scaled(int64_t ms)
{
  const char *f = getenv("TIMEOUT_FACTOR");
  double factor = f ? atof(f) : 1.0;
  return (int64_t)((double)ms * (factor > 1.0 ? factor : 1.0));
}

/* The host quits after SAFETY_MS whatever happens, and the test knows. */
enum { SAFETY_MS = 3000 };
static int safety_fired;
static void on_safety(host_t *host, void *arg)
{
  (void)arg;
  safety_fired = 1;
  host_quit(host);
}

static host_t *attached_host(void)
{
  host_t *host;
  ck_assert_int_eq(host_create(&host), 0);
  int rc = host_loop_attach(host);
  ck_assert_msg(rc == 0, "host_loop_attach returned %d (%s)", rc, ac_error_message(rc));
  ck_assert_msg(ac_loop_is_open(), "host_loop_attach returned 0 but no loop is open");
  safety_fired = 0;
  ck_assert_int_eq(host_timer(host, scaled(SAFETY_MS), on_safety, NULL), 0);
  return host;
}

static void detach_and_close(host_t *host)
{
  int rc = host_loop_detach(host);
  ck_assert_msg(rc == 0, "host_loop_detach returned %d (%s)", rc, ac_error_message(rc));
  host_close(host);
}

/* ---- the runtime's timers -------------------------------------------------- */

enum { TICKS = 5, TICK_MS = 30 };
typedef struct {
  host_t *host;
  int ticks;
  int64_t at[TICKS + 1];
} ticker_t;

static int ticker(void *arg, void **result)
{
  (void)result;
  ticker_t *t = arg;
  t->at[0] = ac_loop_time();
  for (int i = 1; i <= TICKS; i++) {
    if (ac_task_sleep(TICK_MS) < 0)
      return -ECANCELED;
    t->at[i] = ac_loop_time();
    t->ticks++;
  }
  host_quit(t->host);
  return 0;
}

START_TEST(runtime_timers_fire_while_the_host_idles)
{
  host_t *host = attached_host();
  ticker_t t = {.host = host};
  ck_assert_int_eq(ac_task_create(NULL, ticker, &t), 0);
  ck_assert_int_eq(host_run(host), 0);
  ck_assert_msg(!safety_fired && t.ticks == TICKS,
                "a task sleeping %d x %d ms ticked %d time(s) before the host's %lld ms safety "
                "timer: the host must not sleep past the runtime's next timer "
                "(ac_loop_next_timeout), and the runtime must get a turn when it is due",
                TICKS, TICK_MS, t.ticks, (long long)scaled(SAFETY_MS));
  for (int i = 1; i <= TICKS; i++)
    ck_assert_msg(t.at[i] - t.at[i - 1] >= TICK_MS, "tick %d came %lld ms after the one before", i,
                  (long long)(t.at[i] - t.at[i - 1]));
  detach_and_close(host);
}
END_TEST

/* ---- no busy waiting --------------------------------------------------------- */

static int quit_after_300ms(void *arg, void **result)
{
  (void)result;
  if (ac_task_sleep(300) == 0)
    host_quit(arg);
  return 0;
}

START_TEST(idle_host_does_not_spin)
{
  host_t *host = attached_host();
  ck_assert_int_eq(ac_task_create(NULL, quit_after_300ms, host), 0);
  long before = host_wakeups(host);
  ck_assert_int_eq(host_run(host), 0);
  long wakeups = host_wakeups(host) - before;
  ck_assert_msg(!safety_fired, "the task's 300 ms sleep never ended");
  /* One sleep needs a few wake-ups; a host told never to wait makes thousands. */
  ck_assert_msg(wakeups <= 30,
                "the host woke %ld times while the only task slept 300 ms: it is spinning "
                "(a wait of 0 while nothing is due?)",
                wakeups);
  detach_and_close(host);
}
END_TEST

/* ---- the runtime's I/O ------------------------------------------------------- */

enum { LINES = 50 };
typedef struct {
  host_t *host;
  int port, echoed;
} echo_t;

static int echo_handler(ac_stream_t *s, void *arg)
{
  (void)arg;
  char line[64];
  ssize_t n;
  while ((n = ac_stream_readline(s, line, sizeof line)) > 0) {
    if (ac_stream_write(s, line, (size_t)n) < 0)
      break;
  }
  return 0;
}

/* A server and a client in the loop, with no timer anywhere: only the
 * backend descriptor can tell the host that bytes came. */
static int echo_client(void *arg, void **result)
{
  (void)result;
  echo_t *e = arg;
  ac_server_t *server;
  ck_assert_int_eq(ac_server_start(&server, "127.0.0.1", 0, echo_handler, NULL), 0);
  ac_stream_t *s;
  ck_assert_int_eq(ac_stream_connect(&s, "127.0.0.1", ac_server_port(server)), 0);
  for (int i = 0; i < LINES; i++) {
    char out[32], in[32];
    int len = snprintf(out, sizeof out, "line %d\n", i);
    if (ac_stream_write(s, out, (size_t)len) < 0 || ac_stream_readline(s, in, sizeof in) != len ||
        memcmp(in, out, (size_t)len) != 0)
      break;
    e->echoed++;
  }
  ac_stream_close(s);
  ac_server_close(server, 0);
  host_quit(e->host);
  return 0;
}

START_TEST(runtime_io_moves_without_timers)
{
  host_t *host = attached_host();
  echo_t e = {.host = host};
  ck_assert_int_eq(ac_task_create(NULL, echo_client, &e), 0);
  ck_assert_int_eq(host_run(host), 0);
  ck_assert_msg(!safety_fired && e.echoed == LINES,
                "%d of %d lines came back through a server in the runtime before the host's "
                "safety timer: the host must wake when the runtime's descriptors are ready "
                "(watch ac_loop_backend_fd)",
                e.echoed, LINES);
  detach_and_close(host);
}
END_TEST

/* ---- the host's own events ----------------------------------------------------- */

enum { ROUNDS = 10, ROUND_MS = 20 };
typedef struct {
  int pipe[2];
  int rounds;
  int woke; /* the runtime task's long sleep ended */
} chain_t;

static void on_round_timer(host_t *host, void *arg)
{
  chain_t *c = arg;
  ck_assert_int_eq(write(c->pipe[1], "x", 1), 1);
  (void)host;
}

/* A host timer writes to a pipe the host watches; its callback reads it and
 * sets the next timer: ten rounds of the host's own events. */
static void on_round_readable(host_t *host, int fd, void *arg)
{
  chain_t *c = arg;
  char byte;
  ck_assert_int_eq(read(fd, &byte, 1), 1);
  if (++c->rounds == ROUNDS)
    host_quit(host);
  else
    ck_assert_int_eq(host_timer(host, ROUND_MS, on_round_timer, c), 0);
}

static int long_sleeper(void *arg, void **result)
{
  (void)result;
  if (ac_task_sleep(3000) == 0)
    *(int *)arg = 1;
  return 0;
}

START_TEST(host_events_are_served_while_a_task_sleeps)
{
  host_t *host = attached_host();
  chain_t c = {.rounds = 0};
  ck_assert_int_eq(pipe(c.pipe), 0);
  ck_assert_int_eq(host_watch(host, c.pipe[0], on_round_readable, &c), 0);
  ck_assert_int_eq(ac_task_create(NULL, long_sleeper, &c.woke), 0);
  ck_assert_int_eq(host_timer(host, ROUND_MS, on_round_timer, &c), 0);
  ck_assert_int_eq(host_run(host), 0);
  ck_assert_msg(c.rounds == ROUNDS && !c.woke,
                "the host's own timer and pipe made %d of %d rounds of %d ms before a runtime "
                "task's 3 s sleep ended (%s): a turn of the runtime must never wait "
                "(AC_DRIVE_NOWAIT)",
                c.rounds, ROUNDS, ROUND_MS, c.woke ? "it ended first" : "it had not");
  host_unwatch(host, c.pipe[0]);
  close(c.pipe[0]);
  close(c.pipe[1]);
  detach_and_close(host); /* cancels the sleeper */
}
END_TEST

typedef struct {
  host_t *host;
  int ran;
} started_t;

static int started_task(void *arg, void **result)
{
  (void)result;
  started_t *s = arg;
  if (ac_task_sleep(10) == 0)
    s->ran = 1;
  host_quit(s->host);
  return 0;
}

static void start_runtime_work(host_t *host, void *arg)
{
  (void)host;
  ck_assert_int_eq(ac_task_create(NULL, started_task, arg), 0);
}

START_TEST(host_callbacks_can_start_runtime_work)
{
  host_t *host = attached_host();
  started_t s = {.host = host};
  ck_assert_int_eq(host_timer(host, 20, start_runtime_work, &s), 0);
  ck_assert_int_eq(host_run(host), 0);
  ck_assert_msg(!safety_fired && s.ran,
                "a task that a host timer created (sleep 10 ms, then quit the host) %s before "
                "the safety timer: the runtime needs a turn after every host callback too",
                s.ran ? "ran but did not quit" : "never finished");
  detach_and_close(host);
}
END_TEST

/* ---- detaching --------------------------------------------------------------- */

static int cancelled_rc = 1;
static int waits_long(void *arg, void **result)
{
  (void)arg;
  (void)result;
  cancelled_rc = ac_task_sleep(10000);
  return 0;
}

static void quit_now(host_t *host, void *arg)
{
  (void)arg;
  host_quit(host);
}

START_TEST(detach_cancels_and_leaves_the_host_clean)
{
  host_t *host = attached_host();
  ck_assert_int_eq(ac_task_create(NULL, waits_long, NULL), 0);
  ck_assert_int_eq(host_timer(host, 30, quit_now, NULL), 0);
  ck_assert_int_eq(host_run(host), 0);
  ck_assert_int_eq(cancelled_rc, 1); /* still asleep */
  int rc = host_loop_detach(host);
  ck_assert_msg(rc == 0, "host_loop_detach returned %d (%s)", rc, ac_error_message(rc));
  ck_assert_msg(!ac_loop_is_open(), "after host_loop_detach the loop is still open");
  ck_assert_msg(cancelled_rc == -ECANCELED,
                "the task still sleeping at detach should have been cancelled (its sleep "
                "returns -ECANCELED), got %d",
                cancelled_rc);
  ck_assert_msg(host_watch_count(host) == 0,
                "after detach the host still watches %zu descriptor(s): the loop's backend "
                "descriptor is closed, and poll() would report it for ever",
                host_watch_count(host));
  ck_assert_msg(!host_has_prepare(host), "after detach the host still has the prepare hook");
  /* The host goes on with its own events, and the runtime can come back. */
  ck_assert_int_eq(host_timer(host, 10, quit_now, NULL), 0);
  long before = host_wakeups(host);
  ck_assert_int_eq(host_run(host), 0);
  ck_assert_msg(host_wakeups(host) - before <= 5, "a detached host woke %ld times for one timer",
                host_wakeups(host) - before);
  ck_assert_int_eq(host_loop_attach(host), 0);
  ck_assert_int_eq(host_loop_detach(host), 0);
  ck_assert_int_eq(host_loop_detach(host), -ENOENT);
  host_close(host);
}
END_TEST

START_TEST(bad_arguments_are_rejected)
{
  host_t *host;
  ck_assert_int_eq(host_create(&host), 0);
  ck_assert_int_eq(host_loop_attach(NULL), -EINVAL);
  ck_assert_int_eq(host_loop_detach(NULL), -EINVAL);
  ck_assert_int_eq(host_loop_detach(host), -ENOENT);
  ck_assert_int_eq(ac_loop_open(), 0); /* someone else's loop */
  int rc = host_loop_attach(host);
  ck_assert_msg(rc == -EBUSY, "attach with a loop already open returned %d, not -EBUSY", rc);
  ck_assert_msg(host_watch_count(host) == 0 && !host_has_prepare(host),
                "a refused attach left the host with %zu watch(es) and %s prepare hook",
                host_watch_count(host), host_has_prepare(host) ? "a" : "no");
  ck_assert_int_eq(ac_loop_close(), 0);
  ck_assert_int_eq(host_loop_detach(host), -ENOENT);
  host_close(host);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, runtime_timers_fire_while_the_host_idles);
  GRADE_ADD(s, idle_host_does_not_spin);
  GRADE_ADD(s, runtime_io_moves_without_timers);
  GRADE_ADD(s, host_events_are_served_while_a_task_sleeps);
  GRADE_ADD(s, host_callbacks_can_start_runtime_work);
  GRADE_ADD(s, detach_cancels_and_leaves_the_host_clean);
  GRADE_ADD(s, bad_arguments_are_rejected);
}

/* test_link_service.c - chapter 11's capstone, end to end: chapter 06's
 * site (nginx and the slow peer), a redis-server, the learner's API and
 * workers in processes of their own. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grade.h"
#include "link_service.h"
#include "service.h"

static service_t svc;

/* Every SQLite statement a program runs on its loop's thread is logged:
 * the loop runs on the thread that forked the program, the process's
 * main thread, which is this one in every child. */
static pthread_t main_thread;
__attribute__((constructor)) static void note_main_thread(void)
{
  main_thread = pthread_self();
}
int __real_sqlite3_step(sqlite3_stmt *stmt);
int __wrap_sqlite3_step(sqlite3_stmt *stmt);
int __wrap_sqlite3_step(sqlite3_stmt *stmt)
{
  if (pthread_equal(pthread_self(), main_thread) && svc.api_port >= 0 && svc.site.dir[0] != '\0' &&
      getpid() != svc.test_pid) {
    char path[400];
    snprintf(path, sizeof path, "%s/on-the-loop.log", svc.site.dir);
    FILE *f = fopen(path, "a");
    if (f != NULL) {
      fprintf(f, "%d %s\n", (int)getpid(), sqlite3_sql(stmt) ? sqlite3_sql(stmt) : "?");
      fclose(f);
    }
  }
  return __real_sqlite3_step(stmt);
}

static int bad_api(void *arg, void **result)
{
  (void)arg, (void)result;
  link_api_opts_t ok = {{"127.0.0.1", 6379, "jobs", "g", "/tmp/x.db"}, 0, 8, 8, NULL, NULL};
  link_api_opts_t o;
  ck_assert_int_eq(link_api_run(NULL), -EINVAL);
  o = ok, o.store.redis_host = NULL;
  ck_assert_int_eq(link_api_run(&o), -EINVAL);
  o = ok, o.store.stream = NULL;
  ck_assert_int_eq(link_api_run(&o), -EINVAL);
  o = ok, o.store.db_path = NULL;
  ck_assert_int_eq(link_api_run(&o), -EINVAL);
  o = ok, o.port = 70000;
  ck_assert_int_eq(link_api_run(&o), -EINVAL);
  o = ok, o.max_connections = 0;
  ck_assert_int_eq(link_api_run(&o), -EINVAL);
  o = ok, o.max_followers = 0;
  ck_assert_int_eq(link_api_run(&o), -EINVAL);
  link_worker_opts_t w = {
      {"127.0.0.1", 6379, "jobs", "g", "/tmp/x.db"}, "w", "ua", 1, 1, 1, 100, 100, 100};
  link_worker_opts_t v;
  ck_assert_int_eq(link_worker_run(NULL), -EINVAL);
  v = w, v.name = NULL;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.store.group = NULL;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.store.redis_port = 0;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.jobs = 0;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.max_in_flight = 0;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.max_per_host = 0;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.request_timeout_ms = 0;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  v = w, v.claim_idle_ms = 0;
  ck_assert_int_eq(link_worker_run(&v), -EINVAL);
  ck_assert_msg(access("/tmp/x.db", F_OK) != 0, "bad options made the database: nothing may start");
  return 0;
}

START_TEST(bad_options_are_einval)
{
  ck_assert_int_eq(ac_loop_run(bad_api, NULL, NULL), 0);
}
END_TEST

START_TEST(jobs_are_accepted_and_validated)
{
  service_start(&svc);
  service_fork_api(&svc);
  char id[64], body[4096];
  service_submit(&svc, site_url(svc.site.a, "/index.html"), id, sizeof id);
  ck_assert_msg(
      service_db_long(&svc, "SELECT count(*) FROM jobs WHERE id = ? AND state = 'queued'", id) == 1,
      "expected job %s in `jobs` as queued once POST /jobs answered", id);
  int st = service_http(svc.api_port, "POST", "/jobs", "{\"url\": ", body, sizeof body,
                        service_ms(5000));
  ck_assert_msg(st == 400, "a body that is not JSON: expected 400, got %d", st);
  st = service_http(svc.api_port, "POST", "/jobs", "{\"site\": \"x\"}", body, sizeof body,
                    service_ms(5000));
  ck_assert_msg(st == 422, "a body without url: expected 422, got %d", st);
  st = service_http(svc.api_port, "POST", "/jobs", "{\"url\": \"ftp://127.0.0.1/\"}", body,
                    sizeof body, service_ms(5000));
  ck_assert_msg(st == 422, "an ftp:// url: expected 422, got %d", st);
  st = service_http(svc.api_port, "GET", "/jobs/0-1", NULL, body, sizeof body, service_ms(5000));
  ck_assert_msg(st == 404, "GET of a job that does not exist: expected 404, got %d", st);
  char path[128];
  snprintf(path, sizeof path, "/jobs/%s", id);
  st = service_http(svc.api_port, "GET", path, NULL, body, sizeof body, service_ms(5000));
  ck_assert_msg(st == 200 && strstr(body, "\"queued\"") != NULL,
                "GET %s with no worker: expected 200 and state queued, got %d %s", path, st, body);
  ck_assert_int_eq(service_signal_and_wait(svc.api, SIGTERM, service_ms(5000)), 0);
  svc.api = 0;
  service_stop(&svc);
}
END_TEST

/* The number of distinct http(s) links of the index, from site.txt. */
static long index_links(void)
{
  site_entry_t *e;
  size_t n = site_manifest(&svc.site, &e);
  long links = 0;
  for (size_t i = 0; i < n; i++)
    if (e[i].depth == 1 && strcmp(e[i].kind, "scheme") != 0)
      links++;
  free(e);
  return links;
}

static int nginx_hits(void)
{
  nginx_hit_t *hits;
  size_t n = site_nginx_log(&svc.site, &hits);
  free(hits);
  return (int)n;
}

START_TEST(every_link_is_checked_once)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  pid_t worker = service_fork_worker(&svc, &w);
  char id[64];
  service_submit(&svc, site_url(svc.site.a, "/index.html"), id, sizeof id);
  ck_assert_msg(service_wait_done(&svc, id, service_ms(20000)),
                "job %s not done within 20 s (or no result stored for 8 s)", id);
  long want = index_links();
  long rows = service_db_long(&svc, "SELECT count(*) FROM links WHERE job = ?", id);
  long total = service_db_long(&svc, "SELECT total FROM jobs WHERE id = ?", id);
  ck_assert_msg(rows == want && total == want,
                "expected %ld links checked (and total), got %ld rows, total %ld (nginx saw %d)",
                want, rows, total, nginx_hits());
  long wrong =
      service_db_long(&svc,
                      "SELECT count(*) FROM links WHERE job = ? AND ("
                      "(url LIKE '%/missing/%' AND status <> 404) OR "
                      "(url LIKE '%/pages/%' AND url NOT LIKE '%/moved/%' AND status <> 200))",
                      id);
  ck_assert_msg(wrong == 0,
                "expected 404 stored for missing pages and 200 for pages, %ld links differ", wrong);
  nginx_hit_t *hits;
  size_t n = site_nginx_log(&svc.site, &hits);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      ck_assert_msg(
          strcmp(hits[i].path, hits[j].path) != 0 || strcmp(hits[i].host, hits[j].host) != 0,
          "expected each link requested once, %s%s was asked for twice", hits[i].host,
          hits[i].path);
  free(hits);
  ck_assert_int_eq(service_signal_and_wait(worker, SIGTERM, service_ms(10000)), 0);
  service_stop(&svc);
}
END_TEST

static int peer_max(const char *host)
{
  peer_event_t *ev;
  size_t n = site_peer_log(&svc.site, &ev);
  int most = 0;
  for (size_t i = 0; i < n; i++)
    if (ev[i].kind == 'B' && (host == NULL || strcmp(ev[i].host, host) == 0)) {
      int v = host ? ev[i].in_flight_host : ev[i].in_flight_all;
      most = v > most ? v : most;
    }
  free(ev);
  return most;
}

/* How many requests the peer began with WHOLE requests in flight in all
 * (counting their own). */
static int peer_begun_with(int whole)
{
  peer_event_t *ev;
  size_t n = site_peer_log(&svc.site, &ev);
  int count = 0;
  for (size_t i = 0; i < n; i++)
    count += ev[i].kind == 'B' && ev[i].in_flight_all == whole;
  free(ev);
  return count;
}

START_TEST(limits_hold_at_the_servers)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  w.max_in_flight = 3, w.max_per_host = 2, w.jobs = 2;
  /* Not scaled by TIMEOUT_FACTOR: the job (30 links of 150 ms, 3 at a
   * time, about 1.5 s) must outlast it on any machine, or a worker that
   * never renews its claim would go unseen. */
  w.claim_idle_ms = 800;
  pid_t worker = service_fork_worker(&svc, &w);
  char id1[64], id2[64];
  service_submit(&svc, site_url(svc.site.a, "/hubs/slow.html"), id1, sizeof id1);
  service_submit(&svc, site_url(svc.site.b, "/hubs/slow.html"), id2, sizeof id2);
  ck_assert_msg(service_wait_done(&svc, id1, service_ms(30000)) &&
                    service_wait_done(&svc, id2, service_ms(30000)),
                "the two slow jobs did not end within 30 s");
  for (int h = 0; h < 2; h++) {
    const char *host = h ? svc.site.d : svc.site.c;
    ck_assert_msg(peer_max(host) <= 2,
                  "expected at most max_per_host = 2 requests to %s at once, it had %d", host,
                  peer_max(host));
  }
  ck_assert_msg(peer_max(NULL) <= 3, "expected at most max_in_flight = 3 in all, the peer had %d",
                peer_max(NULL));
  /* The hub links 15 pages of each peer host (the second job's page is
   * host b's, which has none); the job takes longer than claim_idle_ms,
   * and its links must still be checked once. */
  for (int h = 0; h < 2; h++) {
    const char *host = h ? svc.site.d : svc.site.c;
    int seen = site_peer_count(&svc.site, host, NULL);
    ck_assert_msg(seen == 15,
                  "expected each of the 15 links to %s requested once, the peer saw %d requests "
                  "(is a job that runs longer than claim_idle_ms claimed again while it runs?)",
                  host, seen);
  }
  ck_assert_msg(peer_max(NULL) == 3, "expected the 3 places used at once, the peer saw at most %d",
                peer_max(NULL));
  /* A request waiting for its busy host holds no place the other host
   * could use: while both hosts have links left, requests begin with all
   * 3 places taken (9 to 20 of the 30, against 1 to 5 when one is held). */
  int full = peer_begun_with(3);
  ck_assert_msg(full >= 7,
                "only %d of the 30 requests began with all 3 places in use: does a request "
                "waiting for its host's place hold a place in all meanwhile?",
                full);
  ck_assert_int_eq(service_signal_and_wait(worker, SIGTERM, service_ms(10000)), 0);
  service_stop(&svc);
}
END_TEST

START_TEST(hanging_link_gets_status_zero)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  w.request_timeout_ms = service_ms(500);
  pid_t worker = service_fork_worker(&svc, &w);
  char id[64];
  service_submit(&svc, site_url(svc.site.a, "/hubs/hang.html"), id, sizeof id);
  ck_assert_msg(service_wait_done(&svc, id, service_ms(20000)),
                "a job with hanging links did not end in 20 s (or stored no result for 8 s)");
  long zero = service_db_long(
      &svc, "SELECT count(*) FROM links WHERE job = ? AND url LIKE '%/hang/%' AND status = 0", id);
  long slow = service_db_long(
      &svc, "SELECT count(*) FROM links WHERE job = ? AND url LIKE '%/slow/%' AND status = 200",
      id);
  ck_assert_msg(zero == 3 && slow == 4,
                "expected the 3 hanging links stored with status 0 and the 4 slow ones "
                "with 200, got %ld and %ld",
                zero, slow);
  ck_assert_int_eq(service_signal_and_wait(worker, SIGTERM, service_ms(10000)), 0);
  service_stop(&svc);
}
END_TEST

START_TEST(sqlite_stays_off_the_loop)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  pid_t worker = service_fork_worker(&svc, &w);
  char id[64], body[1 << 16], path[128];
  service_submit(&svc, site_url(svc.site.a, "/index.html"), id, sizeof id);
  ck_assert(service_wait_done(&svc, id, service_ms(20000)));
  snprintf(path, sizeof path, "/jobs/%s", id);
  ck_assert_int_eq(
      service_http(svc.api_port, "GET", path, NULL, body, sizeof body, service_ms(5000)), 200);
  ck_assert_int_eq(service_signal_and_wait(worker, SIGTERM, service_ms(10000)), 0);
  ck_assert_int_eq(service_signal_and_wait(svc.api, SIGTERM, service_ms(10000)), 0);
  svc.api = 0;
  char log[400], first[512] = "";
  snprintf(log, sizeof log, "%s/on-the-loop.log", svc.site.dir);
  FILE *f = fopen(log, "r");
  if (f != NULL) {
    if (fgets(first, sizeof first, f) == NULL)
      first[0] = '\0';
    fclose(f);
  }
  ck_assert_msg(first[0] == '\0',
                "expected every SQLite statement in the executor, one ran on the loop: %s", first);
  service_stop(&svc);
}
END_TEST

START_TEST(progress_is_followed_live)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  w.max_in_flight = 2, w.max_per_host = 1; /* one at a time on each of the peer's two hosts */
  char id[64], ev[4096];
  service_submit(&svc, site_url(svc.site.a, "/hubs/slow.html"), id, sizeof id);
  int fd = service_follow(&svc, id);
  pid_t worker = service_fork_worker(&svc, &w);
  ck_assert_msg(
      service_next_event(fd, ev, sizeof ev, service_ms(10000)) > 0 && strstr(ev, "\"url\"") != NULL,
      "expected a first event with its url within 10 s of the worker's start, got %s", ev);
  long done_then =
      service_db_long(&svc, "SELECT count(*) FROM jobs WHERE id = ? AND state = 'done'", id);
  ck_assert_msg(done_then == 0,
                "the first event came only once the job was done: progress is not live");
  int events = 1;
  ssize_t n;
  while ((n = service_next_event(fd, ev, sizeof ev, service_ms(10000))) > 0 &&
         strcmp(ev, "done") != 0)
    events++;
  ck_assert_msg(n > 0 && strcmp(ev, "done") == 0, "expected the events to end with done");
  ck_assert_msg(events == 30, "expected an event per link (30), got %d", events);
  close(fd);
  fd = service_follow(&svc, id); /* after the end: everything, then done */
  events = 0;
  while ((n = service_next_event(fd, ev, sizeof ev, service_ms(5000))) > 0 &&
         strcmp(ev, "done") != 0)
    events++;
  ck_assert_msg(n > 0 && events == 30,
                "a follower after the end: expected 30 events and done, got %d", events);
  close(fd);
  ck_assert_int_eq(service_signal_and_wait(worker, SIGTERM, service_ms(10000)), 0);
  service_stop(&svc);
}
END_TEST

START_TEST(a_killed_worker_loses_nothing)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  w.max_in_flight = 2;
  pid_t first = service_fork_worker(&svc, &w);
  char id[64];
  service_submit(&svc, site_url(svc.site.a, "/hubs/slow.html"), id, sizeof id);
  /* Killed once some of the job's results are stored, not all. */
  long rows = 0;
  for (int waited = 0; waited < service_ms(10000) && rows < 4; waited += 20) {
    rows = access(svc.db_path, F_OK) == 0
               ? service_db_long(&svc, "SELECT count(*) FROM links WHERE job = ?", id)
               : 0;
    usleep(20000);
  }
  ck_assert_msg(rows >= 4, "no result stored within 10 s");
  kill(first, SIGKILL);
  waitpid(first, NULL, 0);
  link_worker_opts_t w2 = service_worker_opts(&svc, "w2");
  pid_t second = service_fork_worker(&svc, &w2);
  ck_assert_msg(service_wait_done(&svc, id, service_ms(30000)),
                "the job of a killed worker was never finished by the other (is it claimed after "
                "claim_idle_ms?)");
  rows = service_db_long(&svc, "SELECT count(*) FROM links WHERE job = ?", id);
  ck_assert_msg(rows == 30, "expected exactly one row per link (30) after the redelivery, got %ld",
                rows);
  ck_assert_int_eq(service_signal_and_wait(second, SIGTERM, service_ms(10000)), 0);
  ck_assert_msg(service_pending(&svc) == 0, "expected nothing pending in the group, %ld left",
                service_pending(&svc));
  service_stop(&svc);
}
END_TEST

START_TEST(sigterm_shuts_everything_down_gracefully)
{
  service_start(&svc);
  service_fork_api(&svc);
  link_worker_opts_t w = service_worker_opts(&svc, "w1");
  pid_t worker = service_fork_worker(&svc, &w);
  char id[64];
  service_submit(&svc, site_url(svc.site.a, "/hubs/slow.html"), id, sizeof id);
  for (int waited = 0; waited < service_ms(10000); waited += 20) {
    if (access(svc.db_path, F_OK) == 0 &&
        service_db_long(&svc, "SELECT count(*) FROM links WHERE job = ?", id) > 0)
      break;
    usleep(20000);
  }
  int status = service_signal_and_wait(worker, SIGTERM, service_ms(15000));
  ck_assert_msg(status == 0,
                "expected the worker to finish its job and exit 0 on SIGTERM, status %d", status);
  ck_assert_msg(
      service_db_long(&svc, "SELECT count(*) FROM jobs WHERE id = ? AND state = 'done'", id) == 1,
      "expected the job in hand finished before the worker exited");
  ck_assert_msg(service_pending(&svc) == 0, "expected the finished job acknowledged, %ld pending",
                service_pending(&svc));
  int fd = service_follow(&svc, id);
  status = service_signal_and_wait(svc.api, SIGTERM, service_ms(10000));
  svc.api = 0;
  ck_assert_msg(status == 0, "expected the API to exit 0 on SIGTERM, status %d", status);
  close(fd);
  service_stop(&svc);
}
END_TEST

/* The most a loopback connection's send buffer grows to (the kernel's
 * tcp_wmem maximum): what a follower that never reads can be sent before
 * the API must wait for it. */
static size_t send_buffer_max(void)
{
  FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
  long lo = 0, mid = 0, hi = 0;
  int got = f != NULL ? fscanf(f, "%ld %ld %ld", &lo, &mid, &hi) : 0;
  if (f != NULL)
    fclose(f);
  return got == 3 && hi > 0 ? (size_t)hi : 4u << 20;
}

typedef struct {
  size_t events, bytes;
  int done; /* "event: done" came */
} tally_t;

/* Read an event stream until the API ends it or MS pass, counting its
 * events (a "data: " line each) and whether "event: done" came. */
static tally_t read_events(int fd, int ms)
{
  static const char data[] = "\ndata: ", done[] = "event: done";
  static char buf[16 + (1 << 16)];
  const size_t keep = sizeof done - 2; /* a pattern split across two reads */
  size_t carry = 0;
  tally_t t = {0};
  double until = service_now_ms() + ms;
  for (;;) {
    int left = (int)(until - service_now_ms());
    struct pollfd p = {fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, left) != 1)
      break;
    ssize_t n = read(fd, buf + carry, sizeof buf - carry);
    if (n <= 0)
      break;
    t.bytes += (size_t)n;
    size_t len = carry + (size_t)n;
    for (const char *at = buf; (at = memmem(at, len - (size_t)(at - buf), data, sizeof data - 1));
         at++)
      t.events++;
    t.done |= memmem(buf, len, done, sizeof done - 1) != NULL;
    carry = len < keep ? len : keep;
    memmove(buf, buf + len - carry, carry);
  }
  return t;
}

START_TEST(a_follower_that_never_reads_is_dropped)
{
  service_start(&svc);
  svc.max_followers = 2;
  service_fork_api(&svc);
  char id[64];
  /* No worker: the job stays queued, and its progress is what the test
   * writes, about 1 KB an event, twice what the kernel can hold. */
  service_submit(&svc, site_url(svc.site.a, "/index.html"), id, sizeof id);
  size_t count = 2 * send_buffer_max() / 1000 + 1000;
  service_add_progress(&svc, id, count, 1000);
  int stalled = -1;
  service_follow_status(&svc, id, 4096, &stalled);
  double stalled_at = service_now_ms();
  int fd = service_follow(&svc, id);
  tally_t reader = read_events(fd, service_ms(15000));
  close(fd);
  ck_assert_msg(reader.done && reader.events == count,
                "a follower that reads, beside one that does not: expected %zu events and done "
                "within 15 s, got %zu events%s",
                count, reader.events, reader.done ? " and done" : ", no done");
  /* Two places free again: asked every 100 ms until 3 s after the drop was due. */
  int first = 0, second = 0;
  for (;;) {
    int a = -1, b = -1;
    first = service_follow_status(&svc, id, 0, &a);
    second = service_follow_status(&svc, id, 0, &b);
    close(a), close(b);
    if ((first == 200 && second == 200) || service_now_ms() > stalled_at + 2000 + service_ms(3000))
      break;
    usleep(100 * 1000);
  }
  ck_assert_msg(first == 200 && second == 200,
                "max_followers is 2 and one follower has read nothing for over 2 s: expected it "
                "dropped and two new followers served (200, 200), got %d, %d",
                first, second);
  int status = service_signal_and_wait(svc.api, SIGTERM, service_ms(10000));
  svc.api = 0;
  ck_assert_msg(status == 0,
                "expected the API to exit 0 on SIGTERM with a follower that does not read still "
                "connected, status %d",
                status);
  tally_t dropped = read_events(stalled, service_ms(10000));
  close(stalled);
  ck_assert_msg(!dropped.done && dropped.events < count,
                "the follower that did not read got all %zu events and done (%zu bytes): it was "
                "waited for, not dropped",
                dropped.events, dropped.bytes);
  service_stop(&svc);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_options_are_einval);
  GRADE_ADD(s, jobs_are_accepted_and_validated);
  GRADE_ADD(s, every_link_is_checked_once);
  GRADE_ADD(s, limits_hold_at_the_servers);
  GRADE_ADD(s, hanging_link_gets_status_zero);
  GRADE_ADD(s, sqlite_stays_off_the_loop);
  GRADE_ADD(s, progress_is_followed_live);
  GRADE_ADD(s, a_follower_that_never_reads_is_dropped);
  GRADE_ADD(s, a_killed_worker_loses_nothing);
  GRADE_ADD(s, sigterm_shuts_everything_down_gracefully);
}

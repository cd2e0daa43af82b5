/* test_crawler.c - tests of chapter 06, exercise 3: crawl() over the site
 * of tests/site.py (nginx on 127.0.0.1 and 127.0.0.2, the slow and flaky
 * peer on 127.0.0.1, .2 and .3).
 *
 * Politeness is checked by what the servers saw (nginx's access log, the
 * peer's log with its own counts of requests in flight), not by what the
 * crawler reports; the report is checked against the site's own list of
 * what it holds (site.txt). fetch_watch.c sees every ac_http_fetch() the
 * crawler asks for and every response left open. Each crawl runs in a task
 * the test waits for with a time limit, so a crawl that never ends fails
 * with a message.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawler.h"
#include "fetch_watch.h"
#include "grade.h"
#include "grade_ac.h"
#include "site.h"

#define WATCHDOG_MS 12000
#define AGENT "ac-test-crawler/1.0"

static site_t site;
static const char *hosts[5];

static crawl_config_t config(const char *start_path)
{
  static char start[600];
  hosts[0] = site.a, hosts[1] = site.b, hosts[2] = site.c, hosts[3] = site.d, hosts[4] = NULL;
  snprintf(start, sizeof start, "%s", site_url(site.a, start_path));
  return (crawl_config_t){.start_url = start,
                          .allowed_hosts = hosts,
                          .user_agent = AGENT,
                          .max_in_flight = 6,
                          .max_per_host = 3,
                          .max_depth = 100,
                          .max_pages = 100000,
                          .max_redirects = 5,
                          .deadline_ms = 10000,
                          .request_timeout_ms = 3000,
                          .retry = {.max_attempts = 3, .base_delay_ms = 40, .max_delay_ms = 400}};
}

/* One crawl and what came of it. */
typedef struct {
  crawl_config_t cfg;
  int64_t cancel_after_ms; /* > 0: the test cancels the crawl then */
  int rc;
  crawl_report_t report;
  double elapsed;     /* ms in crawl() */
  double cancel_took; /* ms from the cancel to its return */
  int hung;
  size_t tasks_after;          /* unfinished tasks once it had returned */
  int nginx_after, peer_after; /* log lines when it returned */
} run_t;

static run_t run;

static int caller(void *arg, void **result)
{
  run_t *r = arg;
  (void)result;
  double start = ac_loop_time_precise();
  r->rc = crawl(&r->cfg, &r->report);
  r->elapsed = ac_loop_time_precise() - start;
  return 0;
}

/* Requests the log @name has seen so far (the peer's: arrivals only; the
 * answers of requests the client gave up on still come later). */
static int lines(const char *name)
{
  char path[400], buf[1024];
  int n = 0;
  snprintf(path, sizeof path, "%s/%s", site.dir, name);
  FILE *f = fopen(path, "r");
  while (f != NULL && fgets(buf, sizeof buf, f) != NULL)
    n += buf[0] != 'E';
  if (f != NULL)
    fclose(f);
  return n;
}

static int crawl_main(void *arg, void **result)
{
  run_t *r = arg;
  ac_task_t *t;
  (void)result;
  ck_assert_int_eq(ac_task_create(&t, caller, r), 0);
  int64_t wait = r->cancel_after_ms > 0 ? r->cancel_after_ms : WATCHDOG_MS;
  int done = ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, wait);
  if (r->cancel_after_ms > 0 && done == 0) {
    double start = ac_loop_time_precise();
    ac_future_cancel(t);
    done = ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, WATCHDOG_MS);
    r->cancel_took = ac_loop_time_precise() - start;
  }
  r->hung = done == 0;
  if (r->hung) {
    ac_future_cancel(t);
    ac_future_wait_for((ac_future_t *const *)&t, 1, AC_WAIT_ALL_COMPLETED, 2000);
  }
  ac_future_release(t);
  r->tasks_after = ac_task_all(NULL, 0);
  r->nginx_after = lines("access.log");
  r->peer_after = lines("peer.log");
  return 0;
}

/* Crawl with @r->cfg; check that it returned in time with nothing left
 * running or open. */
static void crawl_site(run_t *r)
{
  fetch_watch = (fetch_watch_t){0};
  grade_run(crawl_main, r);
  ck_assert_msg(!r->hung,
                "expected crawl() to return, it had not after %d ms (does the crawl end when the "
                "frontier is empty and every page is done?)",
                WATCHDOG_MS);
  ck_assert_msg(r->tasks_after == 1,
                "expected no task of the crawl left when it returned, %zu were",
                r->tasks_after - 1);
  ck_assert_msg(fetch_watch.in_flight == 0,
                "expected no request in flight when crawl() returned, %d were",
                fetch_watch.in_flight);
  ck_assert_msg(fetch_watch.open == 0,
                "expected every response closed when crawl() returned, %d still held "
                "memory",
                fetch_watch.open);
  ck_assert_msg(fetch_watch.redirects_by_curl == 0,
                "expected the crawler to follow redirects itself "
                "(max_redirects = -1 in every request), %d requests let libcurl follow them",
                fetch_watch.redirects_by_curl);
}

static void expect_ok(const run_t *r, crawl_end_t end)
{
  ck_assert_msg(r->rc == 0, "expected crawl() to return 0, it returned %d (%s)", r->rc,
                ac_error_message(r->rc));
  ck_assert_msg(r->report.end == end, "expected the report to end with %d, it says %d", end,
                r->report.end);
}

static const crawl_result_t *result_for(const run_t *r, const char *url)
{
  for (size_t i = 0; i < r->report.count; i++)
    if (strcmp(r->report.results[i].url, url) == 0)
      return &r->report.results[i];
  return NULL;
}

static int is_fetchable(const site_entry_t *e)
{
  return strcmp(e->kind, "page") == 0 || strcmp(e->kind, "leaf") == 0 ||
         strcmp(e->kind, "missing") == 0 || strcmp(e->kind, "moved") == 0;
}

/* The path part of an http URL of the site. */
static const char *path_of(const char *url)
{
  const char *p = strstr(url, "://");
  return p ? strchr(p + 3, '/') : url;
}

static void host_of(const char *url, char *out, size_t size)
{
  const char *p = strstr(url, "://") + 3;
  snprintf(out, size, "%.*s", (int)(strchr(p, '/') - p), p);
}

/* Check the crawl of the tree from /index.html against site.txt: every
 * entry fetchable within @max_depth is in the report once, with the right
 * depth and status, and requested once at nginx; nothing else is. */
static void expect_the_tree(const run_t *r, int max_depth)
{
  site_entry_t *e;
  size_t n = site_manifest(&site, &e);
  size_t want = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_fetchable(&e[i]) || e[i].depth > max_depth)
      continue;
    int dup = 0;
    for (size_t j = 0; j < i; j++)
      dup |= strcmp(e[j].url, e[i].url) == 0;
    if (dup)
      continue;
    want++;
    const crawl_result_t *got = result_for(r, e[i].url);
    ck_assert_msg(got != NULL, "expected %s (a %s at depth %d) in the report, it is not there",
                  e[i].url, e[i].kind, e[i].depth);
    long status = strcmp(e[i].kind, "missing") == 0 ? 404
                  : strcmp(e[i].kind, "moved") == 0 ? 301
                                                    : 200;
    ck_assert_msg(got->status == status && got->error == 0,
                  "expected %s to end with status %ld and no error, it "
                  "has %ld and %d (%s)",
                  e[i].url, status, got->status, got->error, ac_error_message(got->error));
    ck_assert_msg(got->depth == e[i].depth,
                  "expected %s at depth %d, the report says %d (found from %s)", e[i].url,
                  e[i].depth, got->depth, got->referrer ? got->referrer : "nowhere");
    char host[64];
    host_of(e[i].url, host, sizeof host);
    int seen = site_nginx_count(&site, host, path_of(e[i].url));
    ck_assert_msg(seen == 1,
                  "expected nginx to see one request for %s, it saw %d (is a URL marked as seen "
                  "before it is queued, in its normalised form?)",
                  e[i].url, seen);
  }
  free(e);
  for (size_t i = 0; i < r->report.count; i++)
    for (size_t j = 0; j < i; j++)
      ck_assert_msg(strcmp(r->report.results[i].url, r->report.results[j].url) != 0,
                    "expected each URL once in the report, %s is there twice",
                    r->report.results[i].url);
  ck_assert_msg(r->report.count == want,
                "expected %zu pages in the report (site.txt, depth <= %d), it has %zu", want,
                max_depth, r->report.count);
  nginx_hit_t *hits;
  size_t k = site_nginx_log(&site, &hits);
  int pages = 0;
  for (size_t i = 0; i < k; i++)
    pages += strcmp(hits[i].path, "/robots.txt") != 0;
  free(hits);
  ck_assert_msg(pages == (int)want, "expected nginx to see %zu page requests, it saw %d", want,
                pages);
}

/* ---- the tests ----------------------------------------------------------- */

static int bad_main(void *arg, void **result)
{
  int *rc = arg;
  crawl_report_t report;
  (void)result;
  crawl_config_t good = config("/index.html");
  static const char *nobody[] = {NULL};
  crawl_config_t bad[12];
  for (int i = 0; i < 12; i++)
    bad[i] = good;
  bad[0].start_url = NULL;
  bad[1].start_url = "ftp://127.0.0.1:21/index.html";
  bad[2].start_url = site_url(site.trap, "/index.html");
  bad[3].allowed_hosts = nobody;
  bad[4].max_in_flight = 0;
  bad[5].max_per_host = 0;
  bad[6].max_pages = 0;
  bad[7].deadline_ms = 0;
  bad[8].max_depth = -1;
  bad[9].retry.max_attempts = 0;
  bad[10].user_agent = NULL;
  bad[11].allowed_hosts = NULL;
  for (int i = 0; i < 12; i++)
    rc[i] = crawl(&bad[i], &report);
  rc[12] = crawl(NULL, &report);
  rc[13] = crawl(&good, NULL);
  return 0;
}

START_TEST(bad_config_is_rejected)
{
  static const char *what[] = {
      "no start URL",         "an ftp:// start URL", "a start URL on a host not allowed",
      "no allowed host",      "max_in_flight 0",     "max_per_host 0",
      "max_pages 0",          "deadline_ms 0",       "max_depth -1",
      "retry.max_attempts 0", "no user agent",       "allowed_hosts NULL",
      "a NULL config",        "a NULL report"};
  int rc[14];
  site_start(&site);
  fetch_watch = (fetch_watch_t){0};
  grade_run(bad_main, rc);
  for (int i = 0; i < 14; i++)
    ck_assert_msg(rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i], rc[i],
                  ac_error_message(rc[i]));
  ck_assert_msg(fetch_watch.calls == 0, "expected no request for a bad config, %d were made",
                fetch_watch.calls);
  site_stop(&site);
}
END_TEST

START_TEST(crawls_every_page_once)
{
  site_start(&site);
  run = (run_t){.cfg = config("/index.html")};
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  expect_the_tree(&run, 100);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(never_follows_other_schemes_or_hosts)
{
  site_start(&site);
  run = (run_t){.cfg = config("/index.html")};
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  ck_assert_msg(fetch_watch.not_http == 0,
                "expected requests for http and https URLs only, %d were for others, "
                "the first %s",
                fetch_watch.not_http, fetch_watch.first_not_http);
  for (size_t i = 0; i < run.report.count; i++)
    ck_assert_msg(strncmp(run.report.results[i].url, "http://", 7) == 0,
                  "expected only http pages in the "
                  "report, it has %s",
                  run.report.results[i].url);
  int trap = site_peer_count(&site, site.trap, NULL);
  ck_assert_msg(trap == 0, "expected no request for %s, a host not allowed, it saw %d", site.trap,
                trap);
  char local[64];
  snprintf(local, sizeof local, "localhost:%d", site.nginx_port);
  ck_assert_msg(site_nginx_count(&site, local, NULL) == 0,
                "expected no request for %s, a host not allowed (the "
                "same server under another name), nginx saw %d",
                local, site_nginx_count(&site, local, NULL));
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(robots_txt_first_and_obeyed)
{
  site_start(&site);
  run = (run_t){.cfg = config("/index.html")};
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  nginx_hit_t *hits;
  size_t n = site_nginx_log(&site, &hits);
  const char *nginx_hosts[] = {site.a, site.b};
  for (int h = 0; h < 2; h++) {
    ck_assert_msg(site_nginx_count(&site, nginx_hosts[h], "/robots.txt") == 1,
                  "expected robots.txt of %s "
                  "fetched once, nginx saw %d requests for it",
                  nginx_hosts[h], site_nginx_count(&site, nginx_hosts[h], "/robots.txt"));
    for (size_t i = 0; i < n; i++)
      if (strcmp(hits[i].host, nginx_hosts[h]) == 0) {
        ck_assert_msg(strcmp(hits[i].path, "/robots.txt") == 0,
                      "expected robots.txt to be the first request "
                      "to %s, the first was %s",
                      nginx_hosts[h], hits[i].path);
        break;
      }
  }
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(strncmp(hits[i].path, "/private/", 9) != 0 ||
                      strncmp(hits[i].path, "/private/open/", 14) == 0,
                  "expected no request robots.txt forbids (for %s: Disallow /private/, Allow "
                  "/private/open/), "
                  "nginx saw %s%s",
                  AGENT, hits[i].host, hits[i].path);
  free(hits);
  site_entry_t *e;
  n = site_manifest(&site, &e);
  int open_pages = 0;
  for (size_t i = 0; i < n; i++)
    open_pages += strcmp(e[i].kind, "leaf") == 0 && result_for(&run, e[i].url) != NULL;
  free(e);
  ck_assert_msg(open_pages > 0,
                "expected the pages under /private/open/ fetched (robots.txt allows them for "
                "%s), none was",
                AGENT);
  crawl_report_close(&run.report);

  /* The peer's robots.txt takes 150 ms: nothing else may go to its host meanwhile. */
  run = (run_t){.cfg = config("/hubs/slow.html")};
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  peer_event_t *ev;
  n = site_peer_log(&site, &ev);
  const char *peer_hosts[] = {site.c, site.d};
  for (int h = 0; h < 2; h++) {
    ck_assert_msg(site_peer_count(&site, peer_hosts[h], "/robots.txt") == 1,
                  "expected robots.txt of %s fetched "
                  "once (however many tasks need it at the same time), the server saw %d",
                  peer_hosts[h], site_peer_count(&site, peer_hosts[h], "/robots.txt"));
    int answered = 0;
    for (size_t i = 0; i < n; i++) {
      if (strcmp(ev[i].host, peer_hosts[h]) != 0)
        continue;
      if (strcmp(ev[i].path, "/robots.txt") == 0 && ev[i].kind == 'E')
        answered = 1;
      ck_assert_msg(answered || strcmp(ev[i].path, "/robots.txt") == 0,
                    "expected no request to %s before its "
                    "robots.txt was answered, %s came first",
                    peer_hosts[h], ev[i].path);
      ck_assert_msg(strncmp(ev[i].path, "/private/", 9) != 0,
                    "expected no request robots.txt forbids, the "
                    "server saw %s%s",
                    ev[i].host, ev[i].path);
    }
  }
  free(ev);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(depth_limit_is_kept)
{
  site_start(&site);
  run = (run_t){.cfg = config("/index.html")};
  run.cfg.max_depth = 2;
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  expect_the_tree(&run, 2);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(redirects_followed_with_a_limit)
{
  site_start(&site);
  run = (run_t){.cfg = config("/hubs/redirects.html")};
  run.cfg.max_redirects = 3;
  run.cfg.max_depth = 1;
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  char path[32];
  for (int i = 1; i <= 5; i++) {
    snprintf(path, sizeof path, "/chain/%d", i);
    int want = i <= 4;
    ck_assert_msg(site_nginx_count(&site, site.a, path) == want,
                  "expected %s requested %s (the link, then at "
                  "most max_redirects = 3 redirects), nginx saw %d",
                  path, want ? "once" : "never", site_nginx_count(&site, site.a, path));
  }
  const crawl_result_t *last = result_for(&run, site_url(site.a, "/chain/4"));
  ck_assert_msg(
      last != NULL && last->error == -ELOOP && last->status == 301,
      "expected /chain/4, the redirect past the limit, reported with status 301 and -ELOOP");
  ck_assert_msg(last->location != NULL && strcmp(last->location, site_url(site.a, "/chain/5")) == 0,
                "expected its location, %s, in the report", site_url(site.a, "/chain/5"));
  ck_assert_msg(site_nginx_count(&site, site.a, "/loop/a") == 1 &&
                    site_nginx_count(&site, site.a, "/loop/b") == 1,
                "expected a redirect loop to stop where it comes back: /loop/a and /loop/b once "
                "each, nginx saw "
                "%d and %d",
                site_nginx_count(&site, site.a, "/loop/a"),
                site_nginx_count(&site, site.a, "/loop/b"));
  ck_assert_msg(site_nginx_count(&site, site.a, "/pages/d1/p1.html") == 1,
                "expected the target of a redirect "
                "that is also linked fetched once, nginx saw %d",
                site_nginx_count(&site, site.a, "/pages/d1/p1.html"));
  const crawl_result_t *moved = result_for(&run, site_url(site.a, "/moved/pages/d1/p1.html"));
  ck_assert_msg(moved != NULL && moved->status == 301 && moved->depth == 1,
                "expected /moved/pages/d1/p1.html "
                "in the report with status 301 at depth 1");
  ck_assert_msg(site_peer_count(&site, site.trap, NULL) == 0,
                "expected no redirect followed to a host not "
                "allowed, %s saw %d requests",
                site.trap, site_peer_count(&site, site.trap, NULL));
  ck_assert_msg(fetch_watch.not_http == 0,
                "expected no redirect followed to another scheme, %s was asked for",
                fetch_watch.first_not_http);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

/* The most requests the peer had in flight for @host (NULL: in all). */
static int peer_max(const char *host)
{
  peer_event_t *ev;
  size_t n = site_peer_log(&site, &ev);
  int most = 0;
  for (size_t i = 0; i < n; i++)
    if (ev[i].kind == 'B' && (host == NULL || strcmp(ev[i].host, host) == 0)) {
      int v = host ? ev[i].in_flight_host : ev[i].in_flight_all;
      most = v > most ? v : most;
    }
  free(ev);
  return most;
}

START_TEST(limits_hold_at_the_servers)
{
  site_start(&site);
  run = (run_t){.cfg = config("/hubs/slow.html")};
  run.cfg.max_in_flight = 3;
  run.cfg.max_per_host = 2;
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  for (int h = 0; h < 2; h++) {
    const char *host = h ? site.d : site.c;
    ck_assert_msg(peer_max(host) <= 2,
                  "expected at most max_per_host = 2 requests in flight to %s, the server "
                  "had %d at once (is the host's place held until the answer is in?)",
                  host, peer_max(host));
    ck_assert_msg(site_peer_count(&site, host, NULL) == 13,
                  "expected robots.txt and the 12 slow pages of %s "
                  "requested, the server saw %d requests",
                  host, site_peer_count(&site, host, NULL));
  }
  ck_assert_msg(peer_max(NULL) <= 3,
                "expected at most max_in_flight = 3 requests in flight in all, the peer "
                "had %d at once",
                peer_max(NULL));
  ck_assert_msg(peer_max(NULL) == 3,
                "expected the crawl to use its 3 places at once, the peer never saw more "
                "than %d requests at a time",
                peer_max(NULL));
  ck_assert_msg(run.elapsed < 24 * 150 / 2,
                "expected 24 pages of 150 ms, 3 at a time, in about 1.2 s, the "
                "crawl took %.0f ms (one at a time: 3.6 s)",
                run.elapsed);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(failures_retried_politely)
{
  site_start(&site);
  run = (run_t){.cfg = config("/hubs/flaky.html")};
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  peer_event_t *ev;
  size_t n = site_peer_log(&site, &ev);
  for (int i = 0; i < 4; i++) {
    char path[64];
    snprintf(path, sizeof path, "/flaky/f%d.html?fails=2", i);
    double at[3];
    int k = 0;
    for (size_t j = 0; j < n; j++)
      if (ev[j].kind == 'B' && strcmp(ev[j].path, path) == 0 && k < 3)
        at[k++] = ev[j].ms;
    ck_assert_msg(site_peer_count(&site, site.c, path) == 3,
                  "expected %s (503 twice, then 200) requested 3 "
                  "times, the server saw %d",
                  path, site_peer_count(&site, site.c, path));
    ck_assert_msg(at[1] - at[0] >= 0.9 * 20 && at[2] - at[1] >= 0.9 * 40,
                  "expected the retries of %s spaced by "
                  "the backoff (at least 20, then 40 ms), they came %.0f and %.0f ms apart",
                  path, at[1] - at[0], at[2] - at[1]);
    const crawl_result_t *r = result_for(&run, site_url(site.c, path));
    ck_assert_msg(r != NULL && r->status == 200 && r->attempts == 3,
                  "expected %s reported with status 200 "
                  "after 3 tries",
                  path);
  }
  free(ev);
  const char *once[] = {"/status/e0.html?code=404", "/status/e1.html?code=404",
                        "/status/g.html?code=410"};
  for (int i = 0; i < 3; i++) {
    ck_assert_msg(site_peer_count(&site, site.c, once[i]) == 1,
                  "expected %s requested once (no retry on a "
                  "4xx), the server saw %d",
                  once[i], site_peer_count(&site, site.c, once[i]));
    const crawl_result_t *r = result_for(&run, site_url(site.c, once[i]));
    ck_assert_msg(r != NULL && r->status >= 400 && r->status < 500 && r->attempts == 1,
                  "expected %s reported "
                  "with its 4xx after one try",
                  once[i]);
  }
  const char *always = "/status/x0.html?code=500";
  ck_assert_msg(site_peer_count(&site, site.c, always) == 3,
                "expected %s (always 500) requested max_attempts = "
                "3 times, the server saw %d",
                always, site_peer_count(&site, site.c, always));
  ck_assert_msg(site_nginx_count(&site, site.a, "/missing/hub.html") == 1,
                "expected a 404 of nginx requested "
                "once, it saw %d",
                site_nginx_count(&site, site.a, "/missing/hub.html"));
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(deadline_cancels_what_is_in_flight)
{
  site_start(&site);
  run = (run_t){.cfg = config("/hubs/hang.html")};
  run.cfg.deadline_ms = 700;
  run.cfg.request_timeout_ms = 20000;
  run.cfg.retry.max_attempts = 1;
  crawl_site(&run);
  expect_ok(&run, CRAWL_DEADLINE);
  ck_assert_msg(
      run.elapsed >= 0.9 * 700 && run.elapsed < 700 + 600,
      "expected crawl() to return at its "
      "deadline of 700 ms, it returned after %.0f ms (are the requests in flight cancelled?)",
      run.elapsed);
  for (int i = 0; i < 3; i++) {
    char path[32];
    snprintf(path, sizeof path, "/hang/h%d.html", i);
    const crawl_result_t *r = result_for(&run, site_url(site.c, path));
    ck_assert_msg(r != NULL && r->error == -ECANCELED && r->status == 0,
                  "expected %s, which never answers, "
                  "reported with -ECANCELED, got %s",
                  path, r ? ac_error_message(r->error) : "no result");
  }
  for (int i = 0; i < 4; i++) {
    char path[32];
    snprintf(path, sizeof path, "/slow/q%d.html?ms=100", i);
    const crawl_result_t *r = result_for(&run, site_url(site.d, path));
    ck_assert_msg(r != NULL && r->status == 200 && r->error == 0,
                  "expected %s (100 ms, on another host than "
                  "the pages that never answer) fetched before the deadline",
                  path);
  }
  usleep(300 * 1000);
  ck_assert_msg(lines("access.log") == run.nginx_after && lines("peer.log") == run.peer_after,
                "expected no request once crawl() had returned, the servers saw more");
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(budget_stops_new_requests)
{
  site_start(&site);
  run = (run_t){.cfg = config("/index.html")};
  run.cfg.max_pages = 40;
  crawl_site(&run);
  expect_ok(&run, CRAWL_BUDGET);
  nginx_hit_t *hits;
  size_t n = site_nginx_log(&site, &hits);
  int pages = 0;
  for (size_t i = 0; i < n; i++)
    pages += strcmp(hits[i].path, "/robots.txt") != 0;
  free(hits);
  ck_assert_msg(pages == 40,
                "expected exactly max_pages = 40 page requests (robots.txt aside) of a site with "
                "more, nginx saw %d",
                pages);
  ck_assert_msg(run.report.count == 40, "expected the 40 pages in the report, it has %zu",
                run.report.count);
  for (size_t i = 0; i < run.report.count; i++)
    ck_assert_msg(run.report.results[i].error == 0 && run.report.results[i].status > 0,
                  "expected the pages "
                  "within the budget finished, %s has status %ld, error %d",
                  run.report.results[i].url, run.report.results[i].status,
                  run.report.results[i].error);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(results_in_crawl_order)
{
  site_start(&site);
  run = (run_t){.cfg = config("/index.html")};
  crawl_site(&run);
  expect_ok(&run, CRAWL_DONE);
  const crawl_report_t *rep = &run.report;
  ck_assert_msg(rep->count > 0 &&
                    strcmp(rep->results[0].url, site_url(site.a, "/index.html")) == 0 &&
                    rep->results[0].referrer == NULL && rep->results[0].depth == 0,
                "expected the start page first in the report, at depth 0 with no referrer");
  for (size_t i = 1; i < rep->count; i++) {
    const crawl_result_t *r = &rep->results[i];
    ck_assert_msg(r->started_ms >= rep->results[i - 1].started_ms,
                  "expected the results in the order the "
                  "requests began: %s (%.1f ms) comes after %s (%.1f ms)",
                  r->url, r->started_ms, rep->results[i - 1].url, rep->results[i - 1].started_ms);
    ck_assert_msg(
        r->elapsed_ms > 0 && r->started_ms + r->elapsed_ms <= rep->elapsed_ms + 1,
        "expected each page's timing within the crawl's, %s: started %.1f, took %.1f (crawl %.1f)",
        r->url, r->started_ms, r->elapsed_ms, rep->elapsed_ms);
    ck_assert_msg(r->referrer != NULL, "expected a referrer for %s", r->url);
    size_t j = 0;
    while (j < i && strcmp(rep->results[j].url, r->referrer) != 0)
      j++;
    ck_assert_msg(j < i, "expected the referrer of %s, %s, earlier in the report", r->url,
                  r->referrer);
    const crawl_result_t *from = &rep->results[j];
    int redirect = from->status >= 300 && from->status < 400;
    ck_assert_msg(r->depth == from->depth + (redirect ? 0 : 1),
                  "expected %s one deeper than the page linking "
                  "to it (as deep as a redirect to it), it is at %d, %s at %d",
                  r->url, r->depth, from->url, from->depth);
  }
  ck_assert_msg(rep->elapsed_ms > 0 && rep->elapsed_ms <= run.elapsed + 1,
                "expected the report's elapsed_ms "
                "(%.1f) within the time crawl() took (%.1f)",
                rep->elapsed_ms, run.elapsed);
  crawl_report_close(&run.report);

  run = (run_t){.cfg = config("/hubs/slow.html")};
  crawl_site(&run);
  for (size_t i = 0; i < run.report.count; i++)
    if (strstr(run.report.results[i].url, "/slow/") != NULL)
      ck_assert_msg(run.report.results[i].elapsed_ms >= 0.9 * 150,
                    "expected %s, which answers after 150 ms, "
                    "to have taken that long, the report says %.1f ms",
                    run.report.results[i].url, run.report.results[i].elapsed_ms);
  crawl_report_close(&run.report);
  site_stop(&site);
}
END_TEST

START_TEST(cancelled_caller_stops_everything)
{
  site_start(&site);
  run = (run_t){.cfg = config("/hubs/slow.html"), .cancel_after_ms = 400};
  crawl_site(&run);
  ck_assert_msg(run.rc == -ECANCELED,
                "expected -ECANCELED from a crawl whose caller was cancelled, got %d (%s)", run.rc,
                ac_error_message(run.rc));
  ck_assert_msg(run.cancel_took < 500,
                "expected crawl() to return soon after its caller was cancelled, it took "
                "%.0f ms",
                run.cancel_took);
  ck_assert_msg(run.report.count == 0 && run.report.results == NULL,
                "expected an empty report after a "
                "cancellation, it has %zu results",
                run.report.count);
  usleep(300 * 1000);
  ck_assert_msg(lines("peer.log") == run.peer_after,
                "expected no request once crawl() had returned, the peer "
                "saw more");
  site_stop(&site);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_config_is_rejected);
  GRADE_ADD(s, crawls_every_page_once);
  GRADE_ADD(s, never_follows_other_schemes_or_hosts);
  GRADE_ADD(s, robots_txt_first_and_obeyed);
  GRADE_ADD(s, depth_limit_is_kept);
  GRADE_ADD(s, redirects_followed_with_a_limit);
  GRADE_ADD(s, limits_hold_at_the_servers);
  GRADE_ADD(s, failures_retried_politely);
  GRADE_ADD(s, deadline_cancels_what_is_in_flight);
  GRADE_ADD(s, budget_stops_new_requests);
  GRADE_ADD(s, results_in_crawl_order);
  GRADE_ADD(s, cancelled_caller_stops_everything);
}

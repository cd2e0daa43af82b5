/* crawler.h - chapter 06, exercise 3: a polite web crawler.
 *
 * The tests call crawl(); you write it in crawler.c. It builds on your
 * fetch_with_retry.c and host_limiter.c (the grader links them in) and on
 * the chapter's helpers in support/: links.h (the links of a page, by
 * libxml2's HTML parser), url.h (URLs resolved, normalised, taken apart)
 * and robots.h (robots.txt rules).
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef CRAWLER_H
#define CRAWLER_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch_with_retry.h"

/* [interface] */
typedef struct {
  const char *start_url;            /* where the crawl begins (http or https) */
  const char *const *allowed_hosts; /* the "host:port" (see url_host()) the crawl may
                                       fetch from, NULL-terminated; nothing else */
  const char *user_agent;           /* sent with every request, and what robots.txt
                                       rules are chosen for */
  size_t max_in_flight;             /* requests in flight at once, in all (>= 1) */
  size_t max_per_host;              /* ... and to any one host (>= 1) */
  int max_depth;                    /* links followed from the start page (>= 0) */
  size_t max_pages;                 /* pages requested at most (>= 1) */
  int max_redirects;                /* redirects followed from one link (>= 0) */
  int64_t deadline_ms;              /* the whole crawl's time (>= 1) */
  int64_t request_timeout_ms;       /* each try's time limit (>= 1) */
  retry_policy_t retry;             /* for every request, robots.txt included */
} crawl_config_t;

/* One page the crawl requested, in the order the requests began. */
typedef struct {
  char *url;         /* normalised (url_resolve()) */
  char *referrer;    /* the page whose link (or redirect) led here; NULL for the start */
  int depth;         /* links followed from the start; a redirect keeps its link's depth */
  long status;       /* the last try's HTTP status, or 0 if no answer came */
  int error;         /* 0, or why the page ended without an answer to keep:
                        fetch_with_retry()'s error, -ELOOP when the redirect
                        limit stopped it here, -ECANCELED when the crawl's end
                        cut it short */
  int attempts;      /* tries made */
  char *location;    /* for a 3xx, where it points (normalised), else NULL */
  size_t links;      /* links found in the page (all of them, followed or not) */
  double started_ms; /* when its first try began, from the start of the crawl */
  double elapsed_ms; /* how long until its outcome, retries and waits included */
} crawl_result_t;

typedef enum {
  CRAWL_DONE = 1,     /* nothing left to fetch */
  CRAWL_BUDGET = 2,   /* max_pages requested: nothing more was started */
  CRAWL_DEADLINE = 3, /* deadline_ms passed: what was in flight was cancelled */
} crawl_end_t;

typedef struct {
  crawl_result_t *results; /* in the order the pages' first tries began */
  size_t count;
  crawl_end_t end;
  double elapsed_ms;
} crawl_report_t;

/* Crawl from config->start_url, from inside a task, and fill @report.
 *
 * Politeness: never more than max_in_flight requests at once, nor more
 * than max_per_host to one host (a host_limiter_t, held for the whole
 * request, retries and their waits included); every request through
 * fetch_with_retry() with config->retry and request_timeout_ms, the
 * user agent, and no redirect followed by libcurl (max_redirects = -1):
 * the crawler follows them itself. Before its first page from a host, the
 * crawl fetches that host's /robots.txt once (however many tasks need it
 * at the same time) and keeps to it (robots_verdict(), robots_parse() for
 * user_agent, robots_allows()).
 *
 * What is fetched: the start page, then every link of a page with a 2xx
 * answer (links_extract()), and the Location of a 3xx, as long as it is
 * http or https, its host is allowed, robots.txt allows its path, it is
 * new (its normalised URL never queued before: each page is requested
 * once), its depth is at most max_depth (a page's links are one deeper
 * than it; a redirect keeps its depth, and at most max_redirects of them
 * are followed in a row: the one past it ends with -ELOOP), and the page
 * budget allows (no request for the max_pages+1-th page). Pages are
 * requested in the order they were found (a FIFO frontier), as many at
 * once as the limits allow.
 *
 * The end: when nothing is left (CRAWL_DONE); when max_pages pages have
 * been requested and those are done (CRAWL_BUDGET); or at deadline_ms,
 * when every request in flight is cancelled and reported with -ECANCELED
 * (CRAWL_DEADLINE). Whatever the end, nothing is left running and no
 * response open when crawl() returns.
 *
 * Returns 0 with @report filled (close it with crawl_report_close());
 * -ECANCELED if the caller is cancelled (everything stopped, @report
 * empty); -EINVAL, with no request made, for a NULL argument, a config
 * out of the ranges above, a start URL that is not http(s) or whose host
 * is not allowed; -ENOMEM. */
int crawl(const crawl_config_t *config, crawl_report_t *report);

/* Free what @report holds and empty it; NULL is ignored. */
void crawl_report_close(crawl_report_t *report);
/* [interface] */

#endif

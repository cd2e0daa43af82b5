/* crawler.c - chapter 06, exercise 3: a polite web crawler.
 *
 * What to build: crawl() and crawl_report_close(), described in
 * crawler.h, on your fetch_with_retry() and host_limiter_t and the
 * chapter's helpers (support/links.h, url.h, robots.h). A shape that
 * works:
 *
 * - the frontier: an unbounded FIFO ac_queue_t of entries (URL, referrer,
 *   depth, redirects so far), and a set of every URL ever queued. A URL
 *   found goes through one check before it is queued: http or https,
 *   allowed host (url_host()), depth, budget, and new (add it to the set
 *   now, not after the fetch);
 * - crawl() itself is the dispatcher: it takes entries from the frontier
 *   in order (ac_queue_get_for(), the time left to the deadline as its
 *   timeout) and gives each a task of its own. The task fetches
 *   robots.txt for its host if nobody has (one task fetches, the others
 *   wait on an ac_event_t), checks the path, takes a place in the budget,
 *   holds the host limiter across fetch_with_retry(), records its result,
 *   and queues the links of the page (links_extract()) or the Location of
 *   a redirect;
 * - the end: count the entries queued and not yet dealt with; the task
 *   that brings the count to 0 shuts the frontier down, which ends the
 *   dispatcher's get. At the deadline (or if the caller is cancelled),
 *   cancel every page's task and await them all.
 *
 * What the tests check, at the servers (nginx's access log, the slow
 * peer's own counts): the whole site once, each page with its depth and
 * status; no other scheme or host; robots.txt first, once per host, and
 * obeyed; the depth limit; redirects followed by the crawler, with a
 * limit; never more than max_per_host or max_in_flight requests in flight;
 * retries with backoff, none for a 4xx; the deadline cancelling what never
 * answers; exactly max_pages requests; results in the order the requests
 * began; a cancelled caller stopping everything; no response left open.
 *
 * Grade it with: make grade CH=06 EX=crawler
 */
#include "crawler.h"

#include <ac.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_limiter.h"
#include "links.h"
#include "robots.h"
#include "url.h"

int crawl(const crawl_config_t *config, crawl_report_t *report)
{
  /* TODO: check the config (-EINVAL before any request); set up the
   * frontier, the set, the limiter; queue the start URL; dispatch until
   * done, out of budget or past the deadline; stop and await every task;
   * fill the report. */
  if (report != NULL)
    *report = (crawl_report_t){0};
  (void)config;
  return -ENOSYS;
}

void crawl_report_close(crawl_report_t *report)
{
  /* TODO: free each result's strings and the array. */
  (void)report;
}

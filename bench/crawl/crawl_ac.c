/* crawl_ac.c - the crawl benchmark on the runtime: chapter 06's reference
 * crawler (solutions/06-crawler) over the site of chapters/06-crawler/
 * tests/site.py, from START_URL, on the hosts given, at IN_FLIGHT requests
 * in all and PER_HOST per host. Prints "PAGES SECONDS".
 * Usage: crawl_ac START_URL IN_FLIGHT PER_HOST HOST... */
#include <stdio.h>
#include <stdlib.h>

#include "ac.h"
#include "crawler.h"

typedef struct {
  int argc;
  char **argv;
} args_t;

static int main_task(void *arg, void **result)
{
  args_t *a = arg;
  (void)result;
  crawl_config_t cfg = {.start_url = a->argv[1], .allowed_hosts = (const char *const *)&a->argv[4],
                        .user_agent = "ac-test-crawler/1.0", .max_in_flight = (size_t)atoi(a->argv[2]),
                        .max_per_host = (size_t)atoi(a->argv[3]), .max_depth = 1000, .max_pages = 1000000,
                        .max_redirects = 5, .deadline_ms = 600000, .request_timeout_ms = 30000,
                        .retry = {.max_attempts = 3, .base_delay_ms = 50, .max_delay_ms = 1000}};
  crawl_report_t report;
  double start = ac_loop_time_precise();
  int rc = crawl(&cfg, &report);
  double secs = (ac_loop_time_precise() - start) / 1000.0;
  if (rc < 0) {
    fprintf(stderr, "crawl_ac: %s\n", ac_error_message(rc));
    return rc;
  }
  printf("%zu %.6f\n", report.count, secs);
  crawl_report_close(&report);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: crawl_ac START_URL IN_FLIGHT PER_HOST HOST...\n");
    return 2;
  }
  args_t a = {argc, argv};
  return ac_loop_run(main_task, &a, NULL) == 0 ? 0 : 1;
}

/* crawler.c - chapter 06, exercise 3, reference solution: a FIFO frontier
 * of URLs, a set of the URLs ever queued, a task per page (the host
 * limiter decides when each may go), robots.txt once per host, and a
 * dispatcher that ends at the deadline or when nothing is pending.
 */
#include "crawler.h"

#include <ac.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "host_limiter.h"
#include "links.h"
#include "robots.h"
#include "url.h"

/* A URL waiting in the frontier. */
typedef struct {
  char *url;
  char *referrer;
  int depth;
  int hops; /* redirects followed in a row to get here */
} entry_t;

/* robots.txt of one host: fetched by the first task that needs it; the
 * others wait for `ready`. */
typedef struct robots_host {
  struct robots_host *next;
  char host[URL_MAX];
  ac_event_t *ready;
  robots_t *rules; /* NULL until ready, or if the fetch was cut short */
} robots_host_t;

typedef struct {
  const crawl_config_t *cfg;
  ac_queue_t *frontier; /* entries found and not yet given a task */
  size_t pending;       /* entries queued or being visited: at 0 the crawl is done */
  ac_task_t **tasks;    /* one per page, to cancel and await at the end */
  size_t tasks_count, tasks_capacity;
  host_limiter_t *limiter;
  char **seen; /* open addressing: every URL ever queued */
  size_t seen_count, seen_size;
  robots_host_t *robots;
  crawl_result_t *results;
  size_t count, capacity;
  size_t claimed;   /* pages given a place in the budget */
  bool over_budget; /* a page was refused for the budget */
  bool stopping;    /* the deadline passed, or the caller was cancelled */
  int error;        /* the first -ENOMEM */
  double start;
} crawl_t;

/* ---- the set of URLs seen -------------------------------------------------- */

static size_t hash(const char *s)
{
  size_t h = 14695981039346656037u; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

/* Add @url to the set: 1 if it is new, 0 if it was there, -ENOMEM. */
static int seen_add(crawl_t *c, const char *url)
{
  if (2 * (c->seen_count + 1) > c->seen_size) { /* keep it at most half full */
    size_t size = c->seen_size ? 2 * c->seen_size : 1024;
    char **table = calloc(size, sizeof *table);
    if (table == NULL)
      return -ENOMEM;
    for (size_t i = 0; i < c->seen_size; i++)
      if (c->seen[i] != NULL) {
        size_t j = hash(c->seen[i]) & (size - 1);
        while (table[j] != NULL)
          j = (j + 1) & (size - 1);
        table[j] = c->seen[i];
      }
    free(c->seen);
    c->seen = table;
    c->seen_size = size;
  }
  size_t i = hash(url) & (c->seen_size - 1);
  for (; c->seen[i] != NULL; i = (i + 1) & (c->seen_size - 1))
    if (strcmp(c->seen[i], url) == 0)
      return 0;
  if ((c->seen[i] = strdup(url)) == NULL)
    return -ENOMEM;
  c->seen_count++;
  return 1;
}

/* ---- the frontier ---------------------------------------------------------- */

static void entry_free(entry_t *e)
{
  if (e != NULL) {
    free(e->url);
    free(e->referrer);
    free(e);
  }
}

static bool host_allowed(const crawl_config_t *cfg, const char *host)
{
  for (const char *const *h = cfg->allowed_hosts; *h != NULL; h++)
    if (strcmp(*h, host) == 0)
      return true;
  return false;
}

static bool is_http(const char *url)
{
  return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* Queue @url (normalised) if the crawl may fetch it and it is new. The
 * check and the mark come before the queue, never after the fetch: a URL
 * found twice while its first copy waits must not be queued twice. */
static void consider(crawl_t *c, const char *url, const char *referrer, int depth, int hops)
{
  char host[URL_MAX];
  if (c->stopping || c->over_budget || depth > c->cfg->max_depth || !is_http(url) ||
      url_host(url, host, sizeof host) < 0 || !host_allowed(c->cfg, host))
    return;
  int rc = seen_add(c, url);
  if (rc <= 0) {
    if (rc < 0 && c->error == 0)
      c->error = rc;
    return;
  }
  entry_t *e = calloc(1, sizeof *e);
  if (e != NULL) {
    e->depth = depth;
    e->hops = hops;
  }
  if (e == NULL || (e->url = strdup(url)) == NULL ||
      (referrer != NULL && (e->referrer = strdup(referrer)) == NULL) ||
      ac_queue_try_put(c->frontier, e) < 0) { /* unbounded: only -ENOMEM */
    entry_free(e);
    if (c->error == 0)
      c->error = -ENOMEM;
    return;
  }
  c->pending++;
}

/* An entry is dealt with (visited, or dropped). The last one ends the
 * crawl: the dispatcher's get fails once the frontier is shut down. */
static void finished(crawl_t *c)
{
  if (--c->pending == 0)
    ac_queue_shutdown(c->frontier, 0);
}

/* ---- requests -------------------------------------------------------------- */

static crawl_result_t *result_add(crawl_t *c, const entry_t *e);

/* One request under the host limiter, held until the answer (retries and
 * their waits included) is in. For a page (@page not NULL), its result is
 * added once the places are taken, when the request really begins, and
 * *@index says where. */
static int request(crawl_t *c, const char *host, const char *url, ac_http_response_t *resp,
                   int *attempts, const entry_t *page, size_t *index)
{
  char agent[512];
  snprintf(agent, sizeof agent, "User-Agent: %s", c->cfg->user_agent);
  const char *headers[] = {agent, NULL};
  ac_http_request_t req = {.url = url,
                           .headers = headers,
                           .max_redirects = -1,
                           .timeout_ms = c->cfg->request_timeout_ms};
  memset(resp, 0, sizeof *resp);
  *attempts = 0;
  int rc = host_limiter_acquire(c->limiter, host);
  if (rc < 0)
    return rc;
  if (page != NULL) {
    crawl_result_t *r = result_add(c, page);
    if (r == NULL) {
      host_limiter_release(c->limiter, host);
      return -ENOMEM;
    }
    r->started_ms = ac_loop_time_precise() - c->start;
    *index = (size_t)(r - c->results); /* the array may move while we wait: keep the index */
  }
  rc = fetch_with_retry(&req, &c->cfg->retry, resp, attempts);
  host_limiter_release(c->limiter, host);
  return rc;
}

/* The rules of @url's host, fetching its robots.txt if nobody has yet.
 * Returns 0 with *@rules set, or -ECANCELED. */
static int robots_for(crawl_t *c, const char *url, const char *host, const robots_t **rules)
{
  robots_host_t *r = c->robots;
  while (r != NULL && strcmp(r->host, host) != 0)
    r = r->next;
  if (r != NULL) { /* someone fetches it, or has: wait until it is in */
    int rc = ac_event_wait(r->ready);
    if (rc < 0)
      return rc;
    *rules = r->rules;
    return r->rules != NULL ? 0 : -ECANCELED; /* the fetch was cut short: the crawl is ending */
  }
  if ((r = calloc(1, sizeof *r)) == NULL || ac_event_create(&r->ready) < 0) {
    free(r);
    return -ENOMEM;
  }
  snprintf(r->host, sizeof r->host, "%s", host);
  r->next = c->robots;
  c->robots = r;

  char robots_url[URL_MAX + 16];
  const char *scheme_end = strstr(url, "://");
  snprintf(robots_url, sizeof robots_url, "%.*s://%s/robots.txt", (int)(scheme_end - url), url,
           host);
  ac_http_response_t resp;
  int attempts;
  int rc = request(c, host, robots_url, &resp, &attempts, NULL, NULL);
  if (rc != -ECANCELED) {
    switch (robots_verdict(rc, resp.status)) {
    case ROBOTS_PARSE:
      r->rules = robots_parse(resp.body, resp.body_size, c->cfg->user_agent);
      break;
    case ROBOTS_ALLOW_ALL: r->rules = robots_all(true); break;
    case ROBOTS_DENY_ALL: r->rules = robots_all(false); break;
    }
  }
  ac_http_response_close(&resp);
  ac_event_set(r->ready); /* whatever happened: nobody may wait forever */
  *rules = r->rules;
  if (rc == -ECANCELED)
    return rc;
  return r->rules != NULL ? 0 : -ENOMEM;
}

/* ---- the pages ------------------------------------------------------------ */

typedef struct {
  crawl_t *c;
  const entry_t *from;
} found_t;

static int on_link(void *arg, const char *url)
{
  found_t *f = arg;
  consider(f->c, url, f->from->url, f->from->depth + 1, 0);
  return 0;
}

/* A new result, in the order the requests begin. NULL when out of memory. */
static crawl_result_t *result_add(crawl_t *c, const entry_t *e)
{
  if (c->count == c->capacity) {
    size_t capacity = c->capacity ? 2 * c->capacity : 64;
    crawl_result_t *more = realloc(c->results, capacity * sizeof *more);
    if (more == NULL)
      return NULL;
    c->results = more;
    c->capacity = capacity;
  }
  crawl_result_t *r = &c->results[c->count];
  *r = (crawl_result_t){.url = strdup(e->url),
                        .depth = e->depth,
                        .referrer = e->referrer ? strdup(e->referrer) : NULL};
  if (r->url == NULL || (e->referrer != NULL && r->referrer == NULL)) {
    free(r->url);
    free(r->referrer);
    return NULL;
  }
  c->count++;
  return r;
}

/* The Location header of a 3xx, resolved against the page; 0 or -ENOENT. */
static int location_of(const ac_http_response_t *resp, const char *url, char *out, size_t size)
{
  for (const char *line = resp->headers; line != NULL && *line; line = strchr(line, '\n')) {
    if (*line == '\n')
      line++;
    if (strncasecmp(line, "Location:", 9) == 0) {
      char value[URL_MAX];
      size_t len = strcspn(line + 9, "\r\n");
      if (len >= sizeof value)
        return -ENOENT;
      memcpy(value, line + 9, len);
      value[len] = '\0';
      return url_resolve(url, value, out, size) < 0 ? -ENOENT : 0;
    }
  }
  return -ENOENT;
}

/* Fetch one page and queue what it leads to. */
static void visit(crawl_t *c, const entry_t *e)
{
  char host[URL_MAX], path[URL_MAX];
  const robots_t *rules;
  if (url_host(e->url, host, sizeof host) < 0 || url_path(e->url, path, sizeof path) < 0)
    return;
  if (c->claimed == c->cfg->max_pages) { /* the budget is spent: nothing new starts */
    c->over_budget = true;
    return;
  }
  int rc = robots_for(c, e->url, host, &rules);
  if (rc < 0) {
    if (rc == -ENOMEM && c->error == 0)
      c->error = rc;
    return;
  }
  if (!robots_allows(rules, path))
    return;
  if (c->claimed == c->cfg->max_pages) { /* spent while we waited for robots.txt */
    c->over_budget = true;
    return;
  }
  c->claimed++;

  ac_http_response_t resp;
  int attempts;
  size_t index = SIZE_MAX;
  rc = request(c, host, e->url, &resp, &attempts, e, &index);
  if (index == SIZE_MAX) { /* cancelled (or out of memory) before it began: not reported */
    if (rc == -ENOMEM && c->error == 0)
      c->error = rc;
    ac_http_response_close(&resp);
    return;
  }

  crawl_result_t *r = &c->results[index];
  r->elapsed_ms = ac_loop_time_precise() - c->start - r->started_ms;
  r->attempts = attempts;
  r->status = resp.status;
  r->error = rc;
  if (rc == 0 && resp.status >= 300 && resp.status < 400) {
    char to[URL_MAX];
    if (location_of(&resp, e->url, to, sizeof to) == 0) {
      r->location = strdup(to);
      if (e->hops >= c->cfg->max_redirects)
        r->error = -ELOOP; /* one redirect too many: not followed */
      else
        consider(c, to, e->url, e->depth, e->hops + 1);
    }
  } else if (rc == 0 && resp.status >= 200 && resp.status < 300) {
    found_t found = {c, e};
    ssize_t n = links_extract(resp.body, resp.body_size, e->url, on_link, &found);
    c->results[index].links = n > 0 ? (size_t)n : 0;
  }
  ac_http_response_close(&resp);
}

/* A page's task: visit it, then count it as dealt with. Its links were
 * queued (and counted) before, so the count cannot reach 0 early. */
typedef struct {
  crawl_t *c;
  entry_t *e;
} page_t;

static int page_task(void *arg, void **result)
{
  page_t *p = arg;
  (void)result;
  visit(p->c, p->e);
  entry_free(p->e);
  finished(p->c);
  free(p);
  return 0;
}

/* Give @e a task of its own. -ENOMEM (and @e dealt with) if it cannot. */
static int spawn(crawl_t *c, entry_t *e)
{
  page_t *p = malloc(sizeof *p);
  if (c->tasks_count == c->tasks_capacity) {
    size_t capacity = c->tasks_capacity ? 2 * c->tasks_capacity : 64;
    ac_task_t **more = realloc(c->tasks, capacity * sizeof *more);
    if (more != NULL) {
      c->tasks = more;
      c->tasks_capacity = capacity;
    }
  }
  if (p == NULL || c->tasks_count == c->tasks_capacity) {
    free(p);
    entry_free(e);
    finished(c);
    return -ENOMEM;
  }
  *p = (page_t){c, e};
  int rc = ac_task_create(&c->tasks[c->tasks_count], page_task, p);
  if (rc < 0) {
    free(p);
    entry_free(e);
    finished(c);
    return rc;
  }
  c->tasks_count++;
  return 0;
}

/* ---- the crawl ------------------------------------------------------------- */

static bool config_ok(const crawl_config_t *cfg)
{
  char host[URL_MAX], url[URL_MAX];
  return cfg->start_url != NULL && cfg->allowed_hosts != NULL && cfg->user_agent != NULL &&
         strlen(cfg->user_agent) < 400 && cfg->max_in_flight >= 1 && cfg->max_per_host >= 1 &&
         cfg->max_depth >= 0 && cfg->max_pages >= 1 && cfg->max_redirects >= 0 &&
         cfg->deadline_ms >= 1 && cfg->request_timeout_ms >= 1 && cfg->retry.max_attempts >= 1 &&
         cfg->retry.base_delay_ms >= 1 && cfg->retry.max_delay_ms >= cfg->retry.base_delay_ms &&
         url_resolve(NULL, cfg->start_url, url, sizeof url) >= 0 && is_http(url) &&
         url_host(url, host, sizeof host) >= 0 && host_allowed(cfg, host);
}

/* Cancel the pages' tasks and wait until each has ended (as chapter 04's
 * pipeline does: a cancelled await is passed on, so await until done). A
 * task that has finished ignores the cancel. */
static void stop_tasks(crawl_t *c)
{
  for (size_t i = 0; i < c->tasks_count; i++)
    ac_future_cancel(c->tasks[i]);
  for (size_t i = 0; i < c->tasks_count; i++) {
    while (!ac_future_is_done(c->tasks[i]))
      ac_future_await(c->tasks[i], NULL);
    ac_future_release(c->tasks[i]);
  }
  free(c->tasks);
}

/* Hand each entry of the frontier to a task of its own, in the order they
 * were found, until nothing is pending or the deadline comes. */
static int dispatch(crawl_t *c, crawl_end_t *end)
{
  double deadline = c->start + (double)c->cfg->deadline_ms;
  for (;;) {
    int64_t left = (int64_t)(deadline - ac_loop_time_precise());
    void *item;
    int rc = left > 0 ? ac_queue_get_for(c->frontier, &item, left) : -ETIMEDOUT;
    if (rc == -ESHUTDOWN)
      return 0; /* every entry dealt with */
    if (rc == -ETIMEDOUT) {
      *end = CRAWL_DEADLINE;
      return 0;
    }
    if (rc < 0)
      return rc;          /* -ECANCELED: our caller */
    if (c->over_budget) { /* nothing new starts: drop what is left */
      entry_free(item);
      finished(c);
    } else if ((rc = spawn(c, item)) < 0) {
      return rc;
    }
  }
}

static void crawl_free(crawl_t *c)
{
  void *item;
  if (c->frontier != NULL) {
    while (ac_queue_try_get(c->frontier, &item) == 0) /* what was never fetched */
      entry_free(item);
    ac_queue_close(c->frontier);
  }
  host_limiter_close(c->limiter);
  for (size_t i = 0; i < c->seen_size; i++)
    free(c->seen[i]);
  free(c->seen);
  while (c->robots != NULL) {
    robots_host_t *r = c->robots;
    c->robots = r->next;
    robots_free(r->rules);
    ac_event_close(r->ready);
    free(r);
  }
}

int crawl(const crawl_config_t *config, crawl_report_t *report)
{
  if (report != NULL)
    *report = (crawl_report_t){0};
  if (config == NULL || report == NULL || !config_ok(config))
    return -EINVAL;

  crawl_t c = {.cfg = config, .start = ac_loop_time_precise()};
  int rc = ac_queue_create(&c.frontier, AC_QUEUE_FIFO, 0, NULL);
  if (rc == 0)
    rc = host_limiter_create(&c.limiter, config->max_in_flight, config->max_per_host);
  if (rc == 0) {
    char start[URL_MAX];
    url_resolve(NULL, config->start_url, start, sizeof start);
    consider(&c, start, NULL, 0, 0);
    rc = c.error;
  }
  crawl_end_t end = CRAWL_DONE;
  if (rc == 0)
    rc = dispatch(&c, &end);
  c.stopping = true; /* nothing is queued from now on */
  stop_tasks(&c);    /* what is in flight at the deadline is cancelled */
  if (rc == 0 && c.error < 0)
    rc = c.error;
  if (rc == 0 && end == CRAWL_DONE && c.over_budget)
    end = CRAWL_BUDGET;
  crawl_free(&c);
  *report = (crawl_report_t){.results = c.results,
                             .count = c.count,
                             .end = end,
                             .elapsed_ms = ac_loop_time_precise() - c.start};
  if (rc < 0)
    crawl_report_close(report);
  return rc;
}

void crawl_report_close(crawl_report_t *report)
{
  if (report == NULL)
    return;
  for (size_t i = 0; i < report->count; i++) {
    free(report->results[i].url);
    free(report->results[i].referrer);
    free(report->results[i].location);
  }
  free(report->results);
  *report = (crawl_report_t){0};
}

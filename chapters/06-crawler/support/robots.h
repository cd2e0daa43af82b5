/* robots.h - chapter 06, provided: robots.txt rules (RFC 9309), parsed
 * and matched. Fetching robots.txt once per host, before any other page
 * of that host, is the crawler's job.
 *
 * Provided, not an exercise: you call these, you don't edit them. */
#ifndef CRAWL_ROBOTS_H
#define CRAWL_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct robots robots_t;

/* What to do with a host, from how its /robots.txt request ended: a 2xx
 * is parsed; a 4xx (no robots.txt) allows everything; anything else (a
 * 5xx after the retries, no answer at all) forbids everything, since the
 * site may be in trouble (RFC 9309, 2.3.1). */
typedef enum { ROBOTS_PARSE, ROBOTS_ALLOW_ALL, ROBOTS_DENY_ALL } robots_verdict_t;
robots_verdict_t robots_verdict(int fetch_rc, long status);

/* The rules of @text (@size bytes) that apply to the crawler @agent: the
 * group whose User-agent line names @agent (case-insensitive), else the
 * "*" group, else none. Returns NULL only when out of memory. */
robots_t *robots_parse(const char *text, size_t size, const char *agent);

/* Rules that allow everything (@allow) or nothing. NULL when out of memory. */
robots_t *robots_all(bool allow);

/* May @path ("/a/b.html?x=1", see url_path()) be fetched? The longest
 * matching Allow or Disallow rule decides, Allow on a tie; '*' matches
 * any run of characters and a final '$' the end of the path. No rule
 * matching means yes; NULL @rules too. */
bool robots_allows(const robots_t *rules, const char *path);

void robots_free(robots_t *rules);

#endif

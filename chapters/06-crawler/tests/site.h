/* site.h - chapter 06's tests: the site the crawler crawls (tests/site.py,
 * nginx and a slow, flaky peer on loopback), started and stopped by each
 * test, and what the servers saw, read from their logs. */
#ifndef CRAWL_SITE_H
#define CRAWL_SITE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
  pid_t pid;   /* scripts/processes.py, which runs site.py */
  int in, out; /* its stdin (closing it stops the site) and stdout */
  int nginx_port, peer_port;
  char dir[256];               /* the site's directory: pages, logs, site.txt */
  char a[32], b[32];           /* nginx's two hosts: "127.0.0.1:P", "127.0.0.2:P" */
  char c[32], d[32], trap[32]; /* the peer's: 127.0.0.1, .2 and .3 (the one never allowed) */
} site_t;

/* Start the site; a failed check if it does not come up. It stops when
 * site_stop() closes its stdin, or when the test's process ends, however. */
void site_start(site_t *site);
/* Stop it and check that both servers stopped cleanly. */
void site_stop(site_t *site);

/* "http://HOST/PATH" into a static buffer of 8 (the last eight calls stay valid). */
const char *site_url(const char *host, const char *path);

/* One request nginx logged (when it was answered). */
typedef struct {
  double ms;       /* $msec, in ms */
  long connection; /* $connection */
  char host[32];   /* $http_host, as the client sent it */
  int status;
  char path[512]; /* $request_uri */
} nginx_hit_t;

/* One event of the peer: a request arriving ('B') or answered ('E'). */
typedef struct {
  char kind;
  double ms;
  char host[32];
  char path[512];
  int in_flight_host, in_flight_all; /* 'B': requests in progress there (this one included) */
  int status;                        /* 'E': the answer (0: none, the server stopped) */
} peer_event_t;

/* Read the logs so far; the caller frees the array. */
size_t site_nginx_log(const site_t *site, nginx_hit_t **hits);
size_t site_peer_log(const site_t *site, peer_event_t **events);

/* Requests that reached the servers for HOST and PATH (nginx: answered;
 * peer: arrived); a NULL PATH counts every path of the host. */
int site_nginx_count(const site_t *site, const char *host, const char *path);
int site_peer_count(const site_t *site, const char *host, const char *path);

/* What the tree from /index.html holds (site.txt). */
typedef struct {
  int depth;
  char kind[16]; /* page, leaf, missing, moved, private, offsite, scheme */
  char url[512];
} site_entry_t;
size_t site_manifest(const site_t *site, site_entry_t **entries);

#endif

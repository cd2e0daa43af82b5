/* link_service.h - chapter 11, the capstone: a link-checking service.
 *
 * Two programs in one file, which the tests run as separate processes:
 *
 *   the API (link_api_run()): an HTTP/1.1 JSON server that accepts jobs
 *   ("check every link of this page"), publishes each one to a Redis
 *   stream, answers what a job has found so far from the SQLite database,
 *   and streams a job's progress live to whoever follows it;
 *
 *   a worker (link_worker_run()): a consumer in the stream's consumer
 *   group that takes jobs at least once, fetches the page, checks each of
 *   its links politely, stores every result in SQLite through an executor,
 *   publishes its progress, and acknowledges the job only once all of it
 *   is stored.
 *
 * The tests call these functions; you write them in link_service.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef LINK_SERVICE_H
#define LINK_SERVICE_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* Where the jobs, their progress and their results live; the API and the
 * workers are given the same values. */
typedef struct {
  const char *redis_host; /* the Redis server */
  int redis_port;         /* 1..65535 */
  const char *stream;     /* the jobs' stream: one entry per job, field "url" */
  const char *group;      /* the workers' consumer group (made, at "0", if missing) */
  const char *db_path;    /* the SQLite database of results (made if missing) */
} link_store_t;

/* The database, as both programs use it (WAL mode, a busy timeout):
 *
 *   CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, url TEXT NOT NULL,
 *     state TEXT NOT NULL,            -- "queued", "running", "done"
 *     total INTEGER);                 -- links to check, once the page is read
 *   CREATE TABLE IF NOT EXISTS links(job TEXT NOT NULL, url TEXT NOT NULL,
 *     status INTEGER NOT NULL,        -- the HTTP status, 0 if no answer came
 *     PRIMARY KEY(job, url));
 *
 * A job's id is its stream entry's id. A job checked twice (a worker
 * killed, the job claimed by another) leaves one row per link. */

typedef struct {
  link_store_t store;
  int port;                           /* 0..65535 on 127.0.0.1; 0: any free port */
  size_t max_connections;             /* >= 1: clients served at once, the rest wait */
  size_t max_followers;               /* >= 1: GET /jobs/ID/events streams open at once */
  void (*ready)(int port, void *ctx); /* called once listening (may be NULL) */
  void *ctx;
} link_api_opts_t;

/* Serve the API until SIGTERM or SIGINT, from a task:
 *
 *   POST /jobs           body {"url": "http://..."}: 202 {"id": ID}, after
 *                        the job is in the stream (XADD) and in `jobs`
 *                        as "queued"; 400 for a body that is not JSON,
 *                        422 for a missing url or one not http(s)
 *   GET /jobs/ID         200 {"id", "url", "state", "total", "checked",
 *                        "links": [{"url", "status"}...] sorted by url},
 *                        read from SQLite off the loop; 404 for no such job
 *   GET /jobs/ID/events  200 text/event-stream: one "data: {"url", "status"}"
 *                        event per link checked, those already checked
 *                        first, then live, then "event: done" and the end
 *                        of the response; a follower that does not read
 *                        is dropped rather than waited for (once a
 *                        write to it has waited 2 s)
 *
 * Progress comes from the workers through Redis: each job has a stream
 * "STREAM:progress:ID" (entries with fields "url" and "status", then one
 * with "done"), which each follower's connection reads from its first
 * entry (XREAD BLOCK), so a late follower misses nothing.
 *
 * On SIGTERM or SIGINT: stop accepting, finish the requests in flight, end
 * the event streams, give the signals back, return 0. Returns -EINVAL for
 * bad options, a Redis or SQLite error as a negative errno, -ECANCELED if
 * the caller was cancelled. */
int link_api_run(const link_api_opts_t *opts);

typedef struct {
  link_store_t store;
  const char *name;           /* this worker's consumer name in the group */
  const char *user_agent;     /* sent with every request */
  size_t jobs;                /* >= 1: jobs checked at once */
  size_t max_in_flight;       /* >= 1: requests in flight at once, all jobs together */
  size_t max_per_host;        /* >= 1: ... and to any one host */
  int64_t request_timeout_ms; /* >= 1: each request's limit; past it the status is 0 */
  int64_t claim_idle_ms;      /* >= 1: jobs pending this long on any worker are claimed */
  int64_t block_ms;           /* >= 1: how long a read waits for new jobs */
} link_worker_opts_t;

/* Check jobs as opts->name until SIGTERM or SIGINT, from a task. For each
 * job: set it "running", fetch its page, and check every distinct http(s)
 * link of it (links_extract(), resolved against the page, fragments
 * dropped) with one GET each, no redirect followed, within the limits
 * above; store each result in `links` and publish it to the job's
 * progress stream; then set the job "done" with its total, publish
 * "done", and only then XACK the job. SQLite runs in an executor, never on
 * the loop. A job read before and never acknowledged is checked again
 * (at least once); the stored results stay one row per link.
 *
 * On SIGTERM or SIGINT: read no new job, finish the jobs in hand and
 * acknowledge them, give the signals back, return 0. Returns -EINVAL for
 * bad options, a Redis or SQLite error as a negative errno, -ECANCELED if
 * the caller was cancelled. */
int link_worker_run(const link_worker_opts_t *opts);
/* [interface] */

#endif /* LINK_SERVICE_H */

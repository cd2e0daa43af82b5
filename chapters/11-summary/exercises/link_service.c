/* link_service.c - chapter 11, the capstone: a link-checking service.
 *
 * What to build: link_api_run() and link_worker_run() of link_service.h,
 * from what the course has taught. The API is chapter 07's keep-alive
 * HTTP server (support/http_message.h parses requests and writes
 * responses) with three routes; POST /jobs adds the job to the stream
 * (XADD STREAM * url URL) and to `jobs`; GET /jobs/ID reads SQLite through
 * ac_executor_run(); GET /jobs/ID/events reads the job's progress stream
 * (XREAD BLOCK on STREAM:progress:ID, from "0") and writes each entry as a
 * Server-Sent Event, dropping a follower whose writes do not drain. The worker is chapter 09's
 * consumer (make the group, re-read your own pending jobs from "0", XAUTOCLAIM what others left,
 * XREADGROUP ">"), running each job in a task of its own under a semaphore of `jobs`; a job is
 * chapter 06's politeness on one page: links_extract() on the page, each link once, a semaphore of
 * max_in_flight and one per host of max_per_host around every request,
 * ac_http_fetch() with request_timeout_ms and no redirects. Store each
 * result (INSERT OR REPLACE) through the executor, publish it (XADD on
 * the progress stream), and XACK the job only after "done" is stored.
 * Both programs stop on SIGTERM or SIGINT, finishing what is in hand.
 *
 * What the tests check: they start chapter 06's site (nginx and a slow
 * peer) and a redis-server, run the API and two workers as processes of
 * their own, and check the jobs' answers, the database, the servers' logs
 * (limits held), that no SQLite statement runs on a loop's thread, live
 * progress and a follower that never reads, a worker SIGKILLed mid-job
 * (nothing lost, nothing twice), and SIGTERM to each program.
 *
 * Grade it with: make grade CH=11 EX=link_service
 */
#include "link_service.h"

#include <errno.h>

int link_api_run(const link_api_opts_t *opts)
{
  /* TODO: check the options; open the store (Redis, SQLite in the
   * executor, the tables); listen; serve each connection in a task under
   * max_connections; route POST /jobs, GET /jobs/ID, GET /jobs/ID/events;
   * on SIGTERM or SIGINT stop accepting, finish, close, return 0. */
  (void)opts;
  return -ENOSYS;
}

int link_worker_run(const link_worker_opts_t *opts)
{
  /* TODO: check the options; connect; make the group; re-read your own
   * pending jobs, then loop: XAUTOCLAIM, XREADGROUP ">", each job in a
   * task under `jobs` permits; check its links politely, store and
   * publish each result, store "done", publish it, XACK; on a signal,
   * finish the jobs in hand and return 0. */
  (void)opts;
  return -ENOSYS;
}

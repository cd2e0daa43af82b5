/* service.h - chapter 11's tests: the whole service on loopback. Chapter
 * 06's site (nginx and the slow peer), a redis-server, and the learner's
 * API and workers, each program in a process of its own, forked by the
 * test and killed with it however it ends; and the tests' clients: plain
 * blocking HTTP with a deadline on every read, and SQLite read directly. */
#ifndef SERVICE_H
#define SERVICE_H

#include <stddef.h>
#include <sys/types.h>

#include "link_service.h"
#include "site.h"

typedef struct {
  site_t site;
  int redis_port;
  char db_path[300]; /* in the site's directory */
  char stream[32];   /* "jobs" */
  char group[32];    /* "checkers" */
  pid_t api;         /* 0 when not running */
  int api_port;
  pid_t test_pid;       /* the test's own process, not a program's */
  size_t max_followers; /* the API's, when forked; 0 for 16 */
} service_t;

/* Start the site and redis-server (a failed check if either does not come
 * up); no program yet. */
void service_start(service_t *s);
/* SIGKILL whatever program is left, stop the servers, check they stopped. */
void service_stop(service_t *s);

/* The store every program of S is given. */
link_store_t service_store(const service_t *s);

/* Fork the API on a free port and wait until it listens (its ready()
 * callback); a failed check if it does not within 10 s. */
void service_fork_api(service_t *s);
/* Fork a worker with OPTS (its store replaced by S's). */
pid_t service_fork_worker(service_t *s, const link_worker_opts_t *opts);
/* The worker options the tests start from, named NAME. */
link_worker_opts_t service_worker_opts(const service_t *s, const char *name);
/* Signal PID with SIG and wait MS for it to exit; its wait status, or -1
 * (then it is killed) if it did not exit in time. */
int service_signal_and_wait(pid_t pid, int sig, int ms);

/* One HTTP/1.1 request with Connection: close; the status (0 if none came
 * within MS) and the body, NUL-terminated, in BODY. */
int service_http(int port, const char *method, const char *path, const char *json, char *body,
                 size_t size, int ms);
/* POST /jobs {"url": URL}: the job's id in ID, or a failed check. */
void service_submit(const service_t *s, const char *url, char *id, size_t size);
/* Wait until the job's row says "done" (MS at most, and at most 8 s in
 * which no result is stored); 1 if it did. */
int service_wait_done(const service_t *s, const char *id, int ms);

/* An open GET /jobs/ID/events: the socket, after the response's head, or
 * a failed check. */
int service_follow(const service_t *s, const char *id);
/* GET /jobs/ID/events, its socket in *FD: the response's status, its head
 * read; or, with RCVBUF > 0 (the socket's receive buffer, set before it
 * connects), 0 and nothing read, for a follower that never reads. */
int service_follow_status(const service_t *s, const char *id, int rcvbuf, int *fd);
/* The next event's data line ("data: ..." without the prefix, or "done"
 * for the end event) within MS: its length, 0 at the end, -1 on timeout. */
ssize_t service_next_event(int fd, char *buf, size_t size, int ms);

/* SQLite, read by the test: the integer SQL gives for the job ID (one ? in
 * SQL), or a failed check. */
long service_db_long(const service_t *s, const char *sql, const char *id);

/* COUNT progress entries for the job ID, as a worker writes them (url,
 * status 200), each url URL_LEN bytes and more, then its "done" entry. */
void service_add_progress(const service_t *s, const char *id, size_t count, size_t url_len);

/* Entries of the jobs' stream pending in the group (XPENDING), by hiredis. */
long service_pending(const service_t *s);

/* The monotonic clock, in milliseconds. */
double service_now_ms(void);

/* Time limits grow with the grader's TIMEOUT_FACTOR. */
int service_ms(int ms);

#endif /* SERVICE_H */

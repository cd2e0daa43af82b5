/* link_service.c - chapter 11, the capstone: a link-checking service
 * (reference solution). */
#include "link_service.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_message.h"
#include "links.h"
#include "results_db.h"
#include "url.h"

/* ---- SQLite, always on the executor's threads ---- */

typedef struct {
  const char *path;
  const char *sql;     /* one statement with up to four ? */
  const char *text[4]; /* bound as text, NULL: not bound */
  long long number[4]; /* bound as integers where text[i] is NULL and i < count */
  int count;           /* parameters */
  json_t *rows;        /* for a query: an array of [col0, col1...] */
} db_job_t;

/* On a pool thread: run JOB's statement, collect rows if asked. */
static int db_work(void *arg, void **result)
{
  (void)result;
  db_job_t *job = arg;
  sqlite3 *db;
  int rc = results_db_open(job->path, &db);
  if (rc < 0)
    return rc;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, job->sql, -1, &st, NULL) != SQLITE_OK) {
    results_db_close(db);
    return -EIO;
  }
  for (int i = 0; i < job->count; i++) {
    if (job->text[i] != NULL)
      sqlite3_bind_text(st, i + 1, job->text[i], -1, SQLITE_TRANSIENT);
    else
      sqlite3_bind_int64(st, i + 1, job->number[i]);
  }
  rc = 0;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    if (job->rows == NULL)
      continue;
    json_t *row = json_array();
    for (int c = 0; c < sqlite3_column_count(st); c++) {
      if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
        json_array_append_new(row, json_integer(sqlite3_column_int64(st, c)));
      else if (sqlite3_column_type(st, c) == SQLITE_NULL)
        json_array_append_new(row, json_null());
      else
        json_array_append_new(row, json_string((const char *)sqlite3_column_text(st, c)));
    }
    json_array_append_new(job->rows, row);
  }
  if (step != SQLITE_DONE)
    rc = -EIO;
  sqlite3_finalize(st);
  results_db_close(db);
  return rc;
}

static int db_schema_work(void *arg, void **result)
{
  (void)result;
  sqlite3 *db;
  int rc = results_db_open(arg, &db);
  results_db_close(db);
  return rc;
}

static int db_run(ac_executor_t *pool, db_job_t *job)
{
  void *ignored;
  return ac_executor_run(pool, db_work, job, &ignored);
}

/* ---- options ---- */

static int store_ok(const link_store_t *s)
{
  return s->redis_host != NULL && s->redis_port >= 1 && s->redis_port <= 65535 &&
         s->stream != NULL && s->group != NULL && s->db_path != NULL;
}

/* ---- the worker ---- */

#define MAX_HOSTS 64

typedef struct {
  const link_worker_opts_t *o;
  ac_redis_t *cmd; /* commands other than the blocking read */
  ac_executor_t *pool;
  ac_sem_t *jobs; /* jobs at once */
  ac_sem_t *all;  /* requests in flight */
  char hosts[MAX_HOSTS][128];
  ac_sem_t *per_host[MAX_HOSTS];
  size_t host_count;
  int stopping;
} worker_t;

static ac_sem_t *host_sem(worker_t *w, const char *host)
{
  for (size_t i = 0; i < w->host_count; i++)
    if (strcmp(w->hosts[i], host) == 0)
      return w->per_host[i];
  if (w->host_count == MAX_HOSTS ||
      ac_sem_create(&w->per_host[w->host_count], w->o->max_per_host, 0) < 0)
    return NULL;
  snprintf(w->hosts[w->host_count], sizeof w->hosts[0], "%s", host);
  return w->per_host[w->host_count++];
}

/* One GET, holding a place in all and one at its host for the whole
 * request: the status, 0 if none came. BODY receives the response when
 * not NULL (the caller closes it). */
static long polite_get(worker_t *w, const char *url, ac_http_response_t *keep)
{
  char host[128];
  if (url_host(url, host, sizeof host) < 0)
    return 0;
  ac_sem_t *h = host_sem(w, host);
  if (h == NULL)
    return 0;
  /* The host's place first: a request waiting for a busy host must not
   * hold a place in all that a request to another host could use. */
  if (ac_sem_acquire(h) < 0)
    return 0;
  if (ac_sem_acquire(w->all) < 0) {
    ac_sem_release(h);
    return 0;
  }
  char agent[256];
  snprintf(agent, sizeof agent, "User-Agent: %s", w->o->user_agent);
  const char *headers[] = {agent, NULL};
  ac_http_request_t req = {
      .url = url, .headers = headers, .timeout_ms = w->o->request_timeout_ms, .max_redirects = -1};
  ac_http_response_t resp = {0};
  long status = ac_http_fetch(&req, &resp) == 0 ? resp.status : 0;
  ac_sem_release(w->all);
  ac_sem_release(h);
  if (keep != NULL)
    *keep = resp;
  else
    ac_http_response_close(&resp);
  return status;
}

typedef struct {
  char **urls;
  size_t count, cap;
} url_set_t;

static int add_link(void *arg, const char *url)
{
  url_set_t *set = arg;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return 0;
  for (size_t i = 0; i < set->count; i++)
    if (strcmp(set->urls[i], url) == 0)
      return 0;
  if (set->count == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 16;
    char **grown = realloc(set->urls, cap * sizeof *grown);
    if (grown == NULL)
      return -ENOMEM;
    set->urls = grown, set->cap = cap;
  }
  set->urls[set->count] = strdup(url);
  return set->urls[set->count] ? (set->count++, 0) : -ENOMEM;
}

typedef struct {
  worker_t *w;
  const char *job;
  const char *url;
  int rc;
} link_task_t;

static int check_link(void *arg, void **result)
{
  (void)result;
  link_task_t *t = arg;
  worker_t *w = t->w;
  long status = polite_get(w, t->url, NULL);
  db_job_t row = {w->o->store.db_path,
                  "INSERT OR REPLACE INTO links(job, url, status) VALUES(?, ?, ?)",
                  {t->job, t->url, NULL},
                  {0, 0, status},
                  3,
                  NULL};
  t->rc = db_run(w->pool, &row);
  if (t->rc == 0) {
    char key[256], st[16];
    snprintf(key, sizeof key, "%s:progress:%s", w->o->store.stream, t->job);
    snprintf(st, sizeof st, "%ld", status);
    t->rc = ac_redis_command(w->cmd, NULL, "XADD %s * url %s status %s", key, t->url, st);
  }
  return 0;
}

/* Check one job, store and publish everything, then acknowledge it. */
static int check_job(worker_t *w, const char *id, const char *url)
{
  const link_store_t *s = &w->o->store;
  db_job_t j = {s->db_path,
                "INSERT INTO jobs(id, url, state) VALUES(?, ?, 'running') "
                "ON CONFLICT(id) DO UPDATE SET state = 'running' WHERE state <> 'done'",
                {id, url},
                {0},
                2,
                NULL};
  int rc = db_run(w->pool, &j);
  if (rc < 0)
    return rc;
  ac_http_response_t page = {0};
  long status = polite_get(w, url, &page);
  url_set_t set = {0};
  if (status >= 200 && status < 300 && page.body != NULL)
    links_extract(page.body, page.body_size, url, add_link, &set);
  ac_http_response_close(&page);
  /* Each link in a task of its own; the limits decide how many run. */
  link_task_t *tasks = calloc(set.count ? set.count : 1, sizeof *tasks);
  ac_task_t **running = calloc(set.count ? set.count : 1, sizeof *running);
  rc = tasks && running ? 0 : -ENOMEM;
  for (size_t i = 0; rc == 0 && i < set.count; i++) {
    tasks[i] = (link_task_t){w, id, set.urls[i], 0};
    rc = ac_task_create(&running[i], check_link, &tasks[i]);
  }
  for (size_t i = 0; i < set.count; i++) {
    if (running != NULL && running[i] != NULL) {
      ac_future_await((ac_future_t *)running[i], NULL);
      ac_future_release((ac_future_t *)running[i]);
      if (rc == 0 && tasks[i].rc < 0)
        rc = tasks[i].rc;
    }
    free(set.urls[i]);
  }
  free(set.urls), free(tasks), free(running);
  if (rc < 0)
    return rc; /* not acknowledged: it comes again */
  db_job_t done = {s->db_path, "UPDATE jobs SET state = 'done', total = ? WHERE id = ?",
                   {NULL, id}, {(long long)set.count, 0},
                   2,          NULL};
  rc = db_run(w->pool, &done);
  char key[256];
  snprintf(key, sizeof key, "%s:progress:%s", s->stream, id);
  if (rc == 0)
    rc = ac_redis_command(w->cmd, NULL, "XADD %s * done 1", key);
  if (rc == 0)
    rc = ac_redis_command(w->cmd, NULL, "XACK %s %s %s", s->stream, s->group, id);
  return rc;
}

typedef struct {
  worker_t *w;
  char id[64];
  char *url;
} job_task_t;

/* While a job runs, its entry is claimed again for this worker every
 * third of claim_idle_ms (XCLAIM ... JUSTID resets its idle time), so no
 * worker, this one included, takes it for abandoned. */
static int keep_claimed(void *arg, void **result)
{
  (void)result;
  job_task_t *t = arg;
  const link_worker_opts_t *o = t->w->o;
  int64_t every = o->claim_idle_ms / 3 > 0 ? o->claim_idle_ms / 3 : 1;
  while (ac_task_sleep(every) == 0)
    ac_redis_command(t->w->cmd, NULL, "XCLAIM %s %s %s 0 %s JUSTID", o->store.stream,
                     o->store.group, o->name, t->id);
  return 0;
}

static int job_main(void *arg, void **result)
{
  (void)result;
  job_task_t *t = arg;
  ac_task_t *claim = NULL;
  if (ac_task_create(&claim, keep_claimed, t) < 0)
    claim = NULL;
  check_job(t->w, t->id, t->url);
  if (claim != NULL) {
    ac_future_cancel((ac_future_t *)claim);
    ac_future_await((ac_future_t *)claim, NULL);
    ac_future_release((ac_future_t *)claim);
  }
  ac_sem_release(t->w->jobs);
  free(t->url);
  free(t);
  return 0;
}

/* Start a task for each entry of an XREADGROUP/XAUTOCLAIM entry list. */
static int start_jobs(worker_t *w, ac_group_t *group, const ac_redis_reply_t *entries)
{
  for (size_t i = 0; entries != NULL && i < entries->elements; i++) {
    const ac_redis_reply_t *e = entries->element[i];
    if (e->type != AC_REDIS_REPLY_ARRAY || e->elements < 2 ||
        e->element[1]->type != AC_REDIS_REPLY_ARRAY)
      continue; /* an entry deleted since: nothing to check */
    const ac_redis_reply_t *fields = e->element[1];
    const char *url = NULL;
    for (size_t f = 0; f + 1 < fields->elements; f += 2)
      if (strcmp(fields->element[f]->str, "url") == 0)
        url = fields->element[f + 1]->str;
    if (url == NULL) {
      ac_redis_command(w->cmd, NULL, "XACK %s %s %s", w->o->store.stream, w->o->store.group,
                       e->element[0]->str);
      continue;
    }
    int rc = ac_sem_acquire(w->jobs);
    if (rc < 0)
      return rc;
    job_task_t *t = calloc(1, sizeof *t);
    if (t == NULL || (t->url = strdup(url)) == NULL) {
      free(t);
      ac_sem_release(w->jobs);
      return -ENOMEM;
    }
    t->w = w;
    snprintf(t->id, sizeof t->id, "%s", e->element[0]->str);
    rc = ac_group_spawn(group, NULL, job_main, t, NULL);
    if (rc < 0) {
      free(t->url), free(t);
      ac_sem_release(w->jobs);
      return rc;
    }
  }
  return 0;
}

typedef struct {
  ac_signal_t *sig;
  worker_t *w;
  ac_task_t *reader;
} watcher_t;

static int watch_signals(void *arg, void **result)
{
  (void)result;
  watcher_t *wt = arg;
  if (ac_signal_wait(wt->sig) >= 0) {
    wt->w->stopping = 1;
    ac_future_cancel((ac_future_t *)wt->reader); /* out of its blocking read */
  }
  return 0;
}

typedef struct {
  worker_t *w;
  ac_redis_t *read;
  ac_group_t *group;
} reader_t;

static int read_jobs(void *arg, void **result)
{
  (void)result;
  reader_t *r = arg;
  worker_t *w = r->w;
  const link_store_t *s = &w->o->store;
  char idle[32], block[32], count[32];
  snprintf(idle, sizeof idle, "%lld", (long long)w->o->claim_idle_ms);
  snprintf(block, sizeof block, "%lld", (long long)w->o->block_ms);
  snprintf(count, sizeof count, "%zu", w->o->jobs);
  ac_redis_reply_t *reply = NULL;
  /* What this worker read before and never acknowledged comes first. */
  int rc = ac_redis_command(r->read, &reply, "XREADGROUP GROUP %s %s STREAMS %s 0", s->group,
                            w->o->name, s->stream);
  if (rc == 0 && reply != NULL && reply->type == AC_REDIS_REPLY_ARRAY)
    for (size_t i = 0; rc == 0 && i < reply->elements; i++)
      rc = start_jobs(w, r->group, reply->element[i]->element[1]);
  ac_redis_reply_release(reply);
  while (rc == 0 && !w->stopping) {
    reply = NULL;
    rc = ac_redis_command(r->read, &reply, "XAUTOCLAIM %s %s %s %s 0 COUNT %s", s->stream, s->group,
                          w->o->name, idle, count);
    if (rc == 0 && reply != NULL && reply->elements >= 2)
      rc = start_jobs(w, r->group, reply->element[1]);
    ac_redis_reply_release(reply);
    if (rc < 0 || w->stopping)
      break;
    reply = NULL;
    rc = ac_redis_command(r->read, &reply, "XREADGROUP GROUP %s %s COUNT %s BLOCK %s STREAMS %s >",
                          s->group, w->o->name, count, block, s->stream);
    if (rc == 0 && reply != NULL && reply->type == AC_REDIS_REPLY_ARRAY)
      for (size_t i = 0; rc == 0 && i < reply->elements; i++)
        rc = start_jobs(w, r->group, reply->element[i]->element[1]);
    ac_redis_reply_release(reply);
  }
  return w->stopping ? 0 : rc;
}

int link_worker_run(const link_worker_opts_t *opts)
{
  if (opts == NULL || !store_ok(&opts->store) || opts->name == NULL || opts->user_agent == NULL ||
      opts->jobs < 1 || opts->max_in_flight < 1 || opts->max_per_host < 1 ||
      opts->request_timeout_ms < 1 || opts->claim_idle_ms < 1 || opts->block_ms < 1)
    return -EINVAL;
  const link_store_t *s = &opts->store;
  worker_t w = {.o = opts};
  ac_redis_t *read = NULL;
  ac_group_t *group = NULL;
  ac_signal_t *sig = NULL;
  int rc = ac_redis_connect(&read, s->redis_host, s->redis_port);
  if (rc == 0)
    rc = ac_redis_connect(&w.cmd, s->redis_host, s->redis_port);
  if (rc == 0)
    rc = ac_executor_create(&w.pool, 2);
  if (rc == 0)
    rc = ac_sem_create(&w.jobs, opts->jobs, 0);
  if (rc == 0)
    rc = ac_sem_create(&w.all, opts->max_in_flight, 0);
  void *ignored;
  if (rc == 0)
    rc = ac_executor_run(w.pool, db_schema_work, (void *)s->db_path, &ignored);
  if (rc == 0) {
    int made = ac_redis_command(w.cmd, NULL, "XGROUP CREATE %s %s 0 MKSTREAM", s->stream, s->group);
    rc = made == -EREMOTEIO ? 0 : made; /* BUSYGROUP: it exists */
  }
  const int signums[] = {SIGTERM, SIGINT};
  if (rc == 0)
    rc = ac_signal_create(&sig, signums, 2);
  if (rc == 0)
    rc = ac_group_create(&group);
  if (rc == 0) {
    reader_t r = {&w, read, group};
    ac_task_t *reader = NULL, *watcher = NULL;
    rc = ac_task_create(&reader, read_jobs, &r);
    watcher_t wt = {sig, &w, reader};
    if (rc == 0)
      rc = ac_task_create(&watcher, watch_signals, &wt);
    void *res = NULL;
    if (reader != NULL) {
      int got = ac_future_await((ac_future_t *)reader, &res);
      if (rc == 0 && !w.stopping)
        rc = got < 0 ? got : (int)(intptr_t)res;
    }
    /* The jobs in hand finish and are acknowledged before we go. */
    int closed = ac_group_close(group);
    group = NULL;
    if (rc == 0 && closed < 0 && closed != -ECANCELED)
      rc = closed;
    if (watcher != NULL) {
      ac_future_cancel((ac_future_t *)watcher);
      ac_future_await((ac_future_t *)watcher, NULL);
      ac_future_release((ac_future_t *)watcher);
    }
    if (reader != NULL)
      ac_future_release((ac_future_t *)reader);
  }
  if (group != NULL)
    ac_group_close(group);
  if (sig != NULL)
    ac_signal_close(sig);
  for (size_t i = 0; i < w.host_count; i++)
    ac_sem_close(w.per_host[i]);
  if (w.all != NULL)
    ac_sem_close(w.all);
  if (w.jobs != NULL)
    ac_sem_close(w.jobs);
  if (w.pool != NULL)
    ac_executor_close(w.pool, 0);
  if (w.cmd != NULL)
    ac_redis_close(w.cmd);
  if (read != NULL)
    ac_redis_close(read);
  return rc;
}

/* ---- the API ---- */

typedef struct {
  const link_api_opts_t *o;
  ac_redis_t *cmd;
  ac_executor_t *pool;
  ac_sem_t *connections;
  ac_sem_t *followers;
  volatile int stopping;
} api_t;

static int valid_url(const char *url)
{
  char host[256];
  return (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) &&
         url_host(url, host, sizeof host) > 0;
}

static void post_job(api_t *api, const http_request_t *req, http_response_t *resp)
{
  json_error_t err;
  json_t *body = json_loadb(req->body, req->body_size, 0, &err);
  if (body == NULL) {
    http_response_error(resp, 400, "the body is not JSON");
    return;
  }
  const char *url = json_string_value(json_object_get(body, "url"));
  if (url == NULL || !valid_url(url)) {
    http_response_error(resp, 422, "\"url\" must be an http or https URL");
    json_decref(body);
    return;
  }
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(api->cmd, &reply, "XADD %s * url %s", api->o->store.stream, url);
  if (rc < 0 || reply == NULL || reply->str == NULL) {
    ac_redis_reply_release(reply);
    json_decref(body);
    http_response_error(resp, 503, "the queue is not available");
    return;
  }
  char id[64];
  snprintf(id, sizeof id, "%s", reply->str);
  ac_redis_reply_release(reply);
  /* A worker may already have it: its state then stays as the worker says. */
  db_job_t row = {api->o->store.db_path,
                  "INSERT OR IGNORE INTO jobs(id, url, state) VALUES(?, ?, 'queued')",
                  {id, url},
                  {0},
                  2,
                  NULL};
  rc = db_run(api->pool, &row);
  json_decref(body);
  if (rc < 0) {
    http_response_error(resp, 503, "the results are not available");
    return;
  }
  http_response_json(resp, 202, json_pack("{s:s}", "id", id));
}

static void get_job(api_t *api, const char *id, http_response_t *resp)
{
  db_job_t job = {
      api->o->store.db_path, "SELECT url, state, total FROM jobs WHERE id = ?", {id}, {0}, 1,
      json_array()};
  db_job_t links = {api->o->store.db_path,
                    "SELECT url, status FROM links WHERE job = ? ORDER BY url",
                    {id},
                    {0},
                    1,
                    json_array()};
  int rc = db_run(api->pool, &job);
  if (rc == 0 && json_array_size(job.rows) == 1)
    rc = db_run(api->pool, &links);
  if (rc < 0) {
    http_response_error(resp, 503, "the results are not available");
  } else if (json_array_size(job.rows) == 0) {
    http_response_error(resp, 404, "no such job");
  } else {
    json_t *r = json_array_get(job.rows, 0);
    json_t *list = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(links.rows, i, l)
    {
      json_array_append_new(list, json_pack("{s:O,s:O}", "url", json_array_get(l, 0), "status",
                                            json_array_get(l, 1)));
    }
    http_response_json(
        resp, 200,
        json_pack("{s:s,s:O,s:O,s:O,s:I,s:o}", "id", id, "url", json_array_get(r, 0), "state",
                  json_array_get(r, 1), "total", json_array_get(r, 2), "checked",
                  (json_int_t)json_array_size(links.rows), "links", list));
  }
  json_decref(job.rows);
  json_decref(links.rows);
}

static int send_all(ac_stream_t *stream, const char *text, size_t len)
{
  int rc = ac_stream_write(stream, text, len);
  if (rc < 0)
    return rc;
  /* A follower that does not read is dropped, not waited for. */
  ac_timeout_t t;
  rc = ac_timeout_open(&t, 2000);
  if (rc < 0)
    return rc;
  rc = ac_stream_drain(stream);
  if (ac_timeout_close(&t) == -ETIMEDOUT)
    rc = -ETIMEDOUT;
  return rc;
}

/* GET /jobs/ID/events: the job's progress stream from its start, as
 * Server-Sent Events, until its "done" entry or the API's end. */
static void follow_job(api_t *api, const char *id, ac_stream_t *stream)
{
  if (ac_sem_try_acquire(api->followers) < 0) {
    const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send_all(stream, busy, sizeof busy - 1);
    return;
  }
  const char head[] =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\n\r\n";
  ac_redis_t *r = NULL;
  int rc = send_all(stream, head, sizeof head - 1);
  if (rc == 0)
    rc = ac_redis_connect(&r, api->o->store.redis_host, api->o->store.redis_port);
  char key[256], last[64] = "0";
  snprintf(key, sizeof key, "%s:progress:%s", api->o->store.stream, id);
  int done = 0;
  while (rc == 0 && !done && !api->stopping) {
    ac_redis_reply_t *reply = NULL;
    rc = ac_redis_command(r, &reply, "XREAD COUNT 100 BLOCK 200 STREAMS %s %s", key, last);
    for (size_t s = 0;
         rc == 0 && reply != NULL && reply->type == AC_REDIS_REPLY_ARRAY && s < reply->elements;
         s++) {
      const ac_redis_reply_t *entries = reply->element[s]->element[1];
      for (size_t i = 0; rc == 0 && !done && i < entries->elements; i++) {
        const ac_redis_reply_t *e = entries->element[i];
        snprintf(last, sizeof last, "%s", e->element[0]->str);
        const ac_redis_reply_t *f = e->element[1];
        const char *url = NULL, *status = NULL;
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
          if (strcmp(f->element[k]->str, "url") == 0)
            url = f->element[k + 1]->str;
          else if (strcmp(f->element[k]->str, "status") == 0)
            status = f->element[k + 1]->str;
          else if (strcmp(f->element[k]->str, "done") == 0)
            done = 1;
        }
        char *event = NULL;
        if (done) {
          event = strdup("event: done\ndata: {}\n\n");
        } else if (url != NULL && status != NULL) {
          json_t *j = json_pack("{s:s,s:i}", "url", url, "status", atoi(status));
          char *text = json_dumps(j, JSON_COMPACT);
          json_decref(j);
          if (text != NULL && (event = malloc(strlen(text) + 16)) != NULL)
            sprintf(event, "data: %s\n\n", text);
          free(text);
        }
        if (event != NULL)
          rc = send_all(stream, event, strlen(event));
        free(event);
      }
    }
    ac_redis_reply_release(reply);
  }
  if (r != NULL)
    ac_redis_close(r);
  ac_sem_release(api->followers);
}

static void route(api_t *api, const http_request_t *req, http_response_t *resp, ac_stream_t *stream,
                  int *streamed)
{
  const char *p = req->path;
  if (strcmp(p, "/jobs") == 0) {
    if (strcmp(req->method, "POST") == 0)
      post_job(api, req, resp);
    else
      http_response_error(resp, 405, "POST only");
    return;
  }
  if (strncmp(p, "/jobs/", 6) != 0 || strlen(p + 6) >= 64 || p[6] == '\0') {
    http_response_error(resp, 404, "no such path");
    return;
  }
  char id[64];
  snprintf(id, sizeof id, "%s", p + 6);
  char *slash = strchr(id, '/');
  if (slash != NULL && strcmp(slash, "/events") != 0) {
    http_response_error(resp, 404, "no such path");
    return;
  }
  if (strcmp(req->method, "GET") != 0) {
    http_response_error(resp, 405, "GET only");
    return;
  }
  if (slash == NULL) {
    get_job(api, id, resp);
    return;
  }
  *slash = '\0';
  *streamed = 1;
  follow_job(api, id, stream);
}

static int serve(ac_stream_t *stream, void *arg)
{
  api_t *api = arg;
  if (ac_sem_acquire(api->connections) < 0)
    return 0;
  http_reader_t *reader = NULL;
  int rc = http_reader_create(&reader, 8192, 65536);
  while (rc == 0 && !api->stopping) {
    http_request_t req;
    int got = http_reader_next(reader, &req);
    if (got == 0) {
      char *buf;
      size_t size;
      http_reader_space(reader, &buf, &size);
      ac_timeout_t t;
      if (ac_timeout_open(&t, 10000) < 0)
        break;
      ssize_t n = ac_stream_read(stream, buf, size);
      if (ac_timeout_close(&t) == -ETIMEDOUT)
        n = -ETIMEDOUT;
      if (n <= 0)
        break;
      http_reader_commit(reader, (size_t)n);
      continue;
    }
    http_response_t resp = {0};
    int streamed = 0;
    bool keep = false;
    if (got < 0)
      http_response_error(&resp, http_status_for(got), "bad request");
    else
      route(api, &req, &resp, stream, &streamed), keep = req.keep_alive;
    if (!streamed) {
      char *out;
      size_t size;
      if (http_response_format(&resp, got < 0 ? NULL : &req, keep, &out, &size) == 0) {
        rc = send_all(stream, out, size);
        free(out);
      }
    }
    http_response_clear(&resp);
    if (got < 0 || !keep || streamed)
      break;
  }
  http_reader_close(reader);
  ac_sem_release(api->connections);
  return 0;
}

int link_api_run(const link_api_opts_t *opts)
{
  if (opts == NULL || !store_ok(&opts->store) || opts->port < 0 || opts->port > 65535 ||
      opts->max_connections < 1 || opts->max_followers < 1)
    return -EINVAL;
  api_t api = {.o = opts};
  ac_server_t *server = NULL;
  ac_signal_t *sig = NULL;
  const int signums[] = {SIGTERM, SIGINT};
  void *ignored;
  int rc = ac_signal_create(&sig, signums, 2);
  if (rc == 0)
    rc = ac_redis_connect(&api.cmd, opts->store.redis_host, opts->store.redis_port);
  if (rc == 0)
    rc = ac_executor_create(&api.pool, 2);
  if (rc == 0)
    rc = ac_executor_run(api.pool, db_schema_work, (void *)opts->store.db_path, &ignored);
  if (rc == 0)
    rc = ac_sem_create(&api.connections, opts->max_connections, 0);
  if (rc == 0)
    rc = ac_sem_create(&api.followers, opts->max_followers, 0);
  if (rc == 0)
    rc = ac_server_start(&server, "127.0.0.1", opts->port, serve, &api);
  if (rc == 0) {
    if (opts->ready != NULL)
      opts->ready(ac_server_port(server), opts->ctx);
    rc = ac_signal_wait(sig);
    rc = rc < 0 ? rc : 0;
    api.stopping = 1; /* the event streams end within a read's block */
    int closed = ac_server_close(server, 5000);
    if (rc == 0 && closed < 0)
      rc = closed;
  }
  if (sig != NULL)
    ac_signal_close(sig);
  if (api.followers != NULL)
    ac_sem_close(api.followers);
  if (api.connections != NULL)
    ac_sem_close(api.connections);
  if (api.pool != NULL)
    ac_executor_close(api.pool, 0);
  if (api.cmd != NULL)
    ac_redis_close(api.cmd);
  return rc;
}

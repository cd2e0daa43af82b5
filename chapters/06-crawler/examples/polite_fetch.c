/* polite_fetch.c - the two habits of a polite client, against a small
 * server of our own (the runtime's, on 127.0.0.1 and 127.0.0.2): try again
 * after a 503 with a growing, jittered wait; and never more than 2
 * requests in flight to one host, nor 3 in all. The server counts what it
 * sees. */
#include <ac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the server ------------------------------------------------------ */

typedef struct {
  int flaky_calls; /* /flaky answers 503 twice, then 200 */
  int in_flight[2], most[2], in_all, most_in_all;
} counts_t;

static counts_t seen;

static int answer(ac_stream_t *s, int status, const char *body)
{
  char head[128];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                   strlen(body));
  int rc = ac_stream_write(s, head, (size_t)n);
  return rc < 0 ? rc : ac_stream_write(s, body, strlen(body));
}

/* @arg says which server: 0 for 127.0.0.1, 1 for 127.0.0.2. */
static int handler(ac_stream_t *s, void *arg)
{
  int which = (int)(intptr_t)arg;
  char request[2048];
  ssize_t n = ac_stream_readuntil(s, "\r\n\r\n", request, sizeof request);
  if (n < 0)
    return 0;
  if (strncmp(request, "GET /flaky ", 11) == 0)
    return answer(s, ++seen.flaky_calls <= 2 ? 503 : 200, "flaky");
  if (++seen.in_flight[which] > seen.most[which]) /* GET /slow: 100 ms */
    seen.most[which] = seen.in_flight[which];
  if (++seen.in_all > seen.most_in_all)
    seen.most_in_all = seen.in_all;
  ac_task_sleep(100);
  seen.in_flight[which]--;
  seen.in_all--;
  return answer(s, 200, "slow");
}

/* ---- the client ------------------------------------------------------ */

/* [retry] */
static void fetch_politely(const char *url)
{
  ac_http_response_t resp;
  for (int attempt = 1; attempt <= 4; attempt++) {
    int rc = ac_http_fetch(&(ac_http_request_t){.url = url, .timeout_ms = 2000}, &resp);
    printf("try %d: %s\n", attempt,
           rc < 0               ? ac_error_message(rc)
           : resp.status == 200 ? "200"
                                : "503");
    bool again = rc == 0 && resp.status >= 500;
    ac_http_response_close(&resp); /* closed before the wait, retried or not */
    if (!again)
      return;
    int64_t d = 50LL << (attempt - 1); /* 50, 100, 200 ms... */
    printf("  waiting between %lld and %lld ms\n", (long long)d / 2, (long long)d);
    ac_task_sleep(d / 2 + rand() % (d - d / 2 + 1)); /* equal jitter */
  }
}
/* [retry] */

/* [limits] */
static ac_sem_t *per_host[2], *global;

typedef struct {
  int host;
  char url[64];
} job_t;

static int limited_fetch(void *arg, void **result)
{
  job_t *job = arg;
  ac_http_response_t resp;
  (void)result;
  ac_sem_acquire(per_host[job->host]); /* the host's place first... */
  ac_sem_acquire(global);              /* ...then one of all: see host_limiter */
  ac_http_fetch(&(ac_http_request_t){.url = job->url, .timeout_ms = 2000}, &resp);
  ac_sem_release(global); /* held across the whole request */
  ac_sem_release(per_host[job->host]);
  ac_http_response_close(&resp);
  return 0;
}
/* [limits] */

static int main_task(void *arg, void **result)
{
  ac_server_t *servers[2];
  char url[64];
  (void)arg, (void)result;
  ac_server_start(&servers[0], "127.0.0.1", 0, handler, (void *)0);
  ac_server_start(&servers[1], "127.0.0.2", 0, handler, (void *)1);

  snprintf(url, sizeof url, "http://127.0.0.1:%d/flaky", ac_server_port(servers[0]));
  fetch_politely(url);

  job_t jobs[16];
  ac_task_t *tasks[16];
  ac_sem_create(&per_host[0], 2, AC_SEM_BOUNDED);
  ac_sem_create(&per_host[1], 2, AC_SEM_BOUNDED);
  ac_sem_create(&global, 3, AC_SEM_BOUNDED);
  for (int i = 0; i < 16; i++) {
    jobs[i].host = i / 8;
    snprintf(jobs[i].url, sizeof jobs[i].url, "http://127.0.0.%d:%d/slow", 1 + i / 8,
             ac_server_port(servers[i / 8]));
    ac_task_create(&tasks[i], limited_fetch, &jobs[i]);
  }
  ac_future_gather((ac_future_t *const *)tasks, 16, NULL, NULL, 0);
  printf("127.0.0.1 saw at most %d at once, 127.0.0.2 at most %d, both together %d\n", seen.most[0],
         seen.most[1], seen.most_in_all);
  for (int i = 0; i < 16; i++)
    ac_future_release(tasks[i]);
  ac_server_close(servers[0], 0);
  ac_server_close(servers[1], 0);
  return 0;
}

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

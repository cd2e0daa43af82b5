/* http.c - HTTP requests on libcurl's multi-socket interface, driven by the
 * loop: curl says which sockets to watch (a uv_poll_t each) and when to
 * call it back (one uv_timer_t); finished transfers wake their tasks.
 * One multi handle per loop, made on first use, shares the connections. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { DEFAULT_MAX_BODY = 64 << 20, DEFAULT_REDIRECTS = 10 };

typedef struct http_client {
  ac__resource res;     /* closed with the loop */
  ac__loop *loop;
  CURLM *multi;
  uv_timer_t timer;     /* curl's timeout */
  ac__list sockets;     /* watched sockets */
  int closing;
} http_client;

typedef struct watched {
  uv_poll_t poll;
  ac__list link;        /* in client->sockets */
  http_client *client;
  curl_socket_t fd;
} watched;

typedef struct transfer {
  CURL *easy;
  ac__task *task;
  struct curl_slist *headers;
  ac_http_response_t *resp;
  size_t max_body, headers_cap, body_cap;
  int done;
  int over_cap;         /* the body went over max_body */
  CURLcode result;
} transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- driving curl from the loop ------------------------------------------ */

static void finish_done(http_client *c) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(c->multi, &left))) {
    if (msg->msg != CURLMSG_DONE) continue;
    transfer *t = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    t->result = msg->data.result;
    t->done = 1;
    ac__wake(t->task, 0);
  }
}

static void on_poll(uv_poll_t *p, int status, int events) {
  watched *w = p->data;
  /* libuv reports a socket the peer has hung up as an error (UV_EBADF);
   * let curl read and write it to learn what really happened. */
  int flags = status < 0 ? CURL_CSELECT_IN | CURL_CSELECT_OUT
                         : ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) | ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
  int running;
  curl_multi_socket_action(w->client->multi, w->fd, flags, &running);
  finish_done(w->client);
}

static void on_timer(uv_timer_t *timer) {
  http_client *c = timer->data;
  int running;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  finish_done(c);
}

static void free_handle_data(uv_handle_t *h) { free(h->data); }

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *clientp, void *socketp) {
  http_client *c = clientp;
  watched *w = socketp;
  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    if (w) {
      uv_poll_stop(&w->poll);
      ac__list_remove(&w->link);
      uv_close((uv_handle_t *)&w->poll, free_handle_data);
      curl_multi_assign(c->multi, fd, NULL);
    }
    return 0;
  }
  if (!w) {
    if (!(w = calloc(1, sizeof *w))) return -1;
    if (uv_poll_init_socket(&c->loop->uv, &w->poll, fd) != 0) {
      free(w);
      return -1;
    }
    w->poll.data = w;
    w->client = c;
    w->fd = fd;
    ac__list_push_back(&c->sockets, &w->link);
    curl_multi_assign(c->multi, fd, w);
  }
  int events = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
  uv_poll_start(&w->poll, events, on_poll);
  return 0;
}

static int on_timeout(CURLM *multi, long ms, void *clientp) {
  http_client *c = clientp;
  (void)multi;
  if (ms < 0)
    uv_timer_stop(&c->timer);
  else
    uv_timer_start(&c->timer, on_timer, (uint64_t)ms, 0);
  return 0;
}

/* The loop closes: every task has ended, so no transfer is left. */
static void client_close(ac__resource *r) {
  http_client *c = AC__CONTAINER(r, http_client, res);
  c->loop->http = NULL;
  while (!ac__list_empty(&c->sockets)) {
    watched *w = AC__CONTAINER(c->sockets.next, watched, link);
    ac__list_remove(&w->link);
    uv_close((uv_handle_t *)&w->poll, free_handle_data);
  }
  curl_multi_cleanup(c->multi);
  uv_close((uv_handle_t *)&c->timer, free_handle_data); /* timer.data is the client */
}

static int client_get(ac__loop *loop, http_client **out) {
  if (loop->http) {
    *out = loop->http;
    return 0;
  }
  pthread_once(&curl_once, curl_init);
  http_client *c = calloc(1, sizeof *c);
  if (!c || !(c->multi = curl_multi_init())) {
    free(c);
    return -ENOMEM;
  }
  c->loop = loop;
  ac__list_init(&c->sockets);
  uv_timer_init(&loop->uv, &c->timer);
  c->timer.data = c;
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  ac__resource_track(loop, &c->res, client_close);
  loop->http = c;
  *out = c;
  return 0;
}

/* ---- one request --------------------------------------------------------- */

static int append(char **buf, size_t *len, size_t *cap, const char *data, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t want = (*len + n + 1) * 2;
    char *p = realloc(*buf, want);
    if (!p) return -1;
    *buf = p;
    *cap = want;
  }
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
  transfer *t = arg;
  size_t bytes = size * n;
  if (t->resp->body_size + bytes > t->max_body) { /* over the cap: curl stops */
    t->over_cap = 1;
    return 0;
  }
  return append(&t->resp->body, &t->resp->body_size, &t->body_cap, data, bytes) ? 0 : bytes;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg) {
  transfer *t = arg;
  size_t bytes = size * n;
  return append(&t->resp->headers, &t->resp->headers_size, &t->headers_cap, data, bytes) ? 0 : bytes;
}

static int error_of(CURLcode code, const transfer *t) {
  switch (code) {
  case CURLE_OK: return 0;
  case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
  case CURLE_WRITE_ERROR: return t->over_cap ? -EFBIG : -ENOMEM;
  case CURLE_FILESIZE_EXCEEDED: return -EFBIG;
  case CURLE_TOO_MANY_REDIRECTS: return -ELOOP;
  case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
  case CURLE_COULDNT_RESOLVE_HOST: return -EHOSTUNREACH;
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL: return -EINVAL;
  default: return -EIO;
  }
}

void ac_http_response_close(ac_http_response_t *resp) {
  if (!resp) return;
  free(resp->headers);
  free(resp->body);
  resp->headers = resp->body = NULL;
  resp->headers_size = resp->body_size = 0;
}

int ac_http_fetch(const ac_http_request_t *req, ac_http_response_t *resp) {
  ac__task *task = NULL;
  const char *fn = "ac_http_fetch";
  if (!resp) return ac__misuse(-EINVAL, fn, "the response is NULL");
  memset(resp, 0, sizeof *resp);
  if (!req || !req->url) return ac__misuse(-EINVAL, fn, "no request or no URL");
  if (req->timeout_ms < 0) return ac__misuse(-EINVAL, fn, "negative timeout");
  int rc = ac__current(&task, fn);
  if (rc) return rc;
  http_client *c;
  if ((rc = client_get(task->fut.loop, &c))) return rc;

  transfer t = {.task = task, .resp = resp};
  t.max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
  if (!(t.easy = curl_easy_init())) return -ENOMEM;
  CURL *e = t.easy;
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, resp->error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t.max_body);
  if (req->max_redirects >= 0) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)(req->max_redirects ? req->max_redirects : DEFAULT_REDIRECTS));
  }
  if (req->timeout_ms) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
  if (req->method) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
  if (req->body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_size);
  }
  for (const char *const *h = req->headers; h && *h; h++) t.headers = curl_slist_append(t.headers, *h);
  if (t.headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);

  if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
    rc = -ENOMEM;
  } else {
    while (!t.done) {
      rc = ac__suspend(task, "http request");
      if (rc) break; /* cancelled: the transfer is removed below */
    }
    curl_multi_remove_handle(c->multi, e);
    if (t.done) {
      rc = error_of(t.result, &t);
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
    }
  }
  curl_easy_cleanup(e);
  curl_slist_free_all(t.headers);
  return rc;
}

/* http.c - HTTP requests on libcurl's multi-socket interface, driven by the
 * loop: curl says which sockets to watch (a uv_poll_t each) and when to
 * call it back (one uv_timer_t); finished transfers wake their tasks.
 * One multi handle per loop, made on first use, shares the connections. */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "task_internal.h"

enum { DEFAULT_MAX_BODY = 64 << 20, DEFAULT_REDIRECTS = 10 };
#define DEFAULT_PROTOCOLS "http,https"

typedef struct http_client { /* the loop's AC__SLOT_HTTP: closed with it */
  ac__loop *loop;
  CURLM *multi;
  uv_timer_t timer; /* curl's timeout */
  ac__list sockets; /* watched sockets */
  int closing;
} http_client;

typedef struct watched {
  uv_poll_t poll;
  ac__list link; /* in client->sockets */
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
  int over_cap; /* the body went over max_body */
  CURLcode result;
} transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

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
                         : ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                               ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
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
  return uv_poll_start(&w->poll, events, on_poll) == 0 ? 0 : -1; /* -1: curl fails the transfer */
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
static void client_close(ac__loop *loop, void *state) {
  (void)loop;
  http_client *c = state;
  while (!ac__list_empty(&c->sockets)) {
    watched *w = AC__CONTAINER(c->sockets.next, watched, link);
    ac__list_remove(&w->link);
    uv_close((uv_handle_t *)&w->poll, free_handle_data);
  }
  curl_multi_cleanup(c->multi);
  uv_close((uv_handle_t *)&c->timer, free_handle_data); /* timer.data is the client */
}

/* Each step is checked; a failure undoes the steps before it, in reverse
 * order. */
static int client_get(ac__loop *loop, http_client **out, const char **step) {
  if ((*out = ac__slot_get(loop, AC__SLOT_HTTP))) return 0;
  *step = "curl_global_init";
  pthread_once(&curl_once, curl_init);
  if (curl_init_rc != CURLE_OK) return -ENOMEM;
  *step = "calloc";
  http_client *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  int rc = -ENOMEM;
  *step = "curl_multi_init";
  if (!(c->multi = curl_multi_init())) goto fail_client;
  *step = "uv_timer_init";
  if ((rc = uv_timer_init(&loop->uv, &c->timer))) goto fail_multi;
  c->timer.data = c;
  *step = "curl_multi_setopt";
  rc = -EINVAL;
  if (curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
      curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
      curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timeout) != CURLM_OK ||
      curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK)
    goto fail_timer;
  c->loop = loop;
  ac__list_init(&c->sockets);
  ac__slot_set(loop, AC__SLOT_HTTP, c, client_close);
  *out = c;
  return 0;

fail_timer:
  curl_multi_cleanup(c->multi);
  uv_close((uv_handle_t *)&c->timer, free_handle_data); /* frees the client */
  return rc;
fail_multi:
  curl_multi_cleanup(c->multi);
fail_client:
  free(c);
  return rc;
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
  return append(&t->resp->headers, &t->resp->headers_size, &t->headers_cap, data, bytes) ? 0
                                                                                         : bytes;
}

/* What went wrong, as an errno: the codes ac/http.h lists. STATUS is the
 * last response's HTTP status (0 if none came). */
static int error_of(CURLcode code, const transfer *t, long status) {
  switch (code) {
  case CURLE_OK: return 0;
  case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
  case CURLE_WRITE_ERROR: return t->over_cap ? -EFBIG : -ENOMEM;
  case CURLE_FILESIZE_EXCEEDED: return -EFBIG;
  case CURLE_TOO_MANY_REDIRECTS: return -ELOOP;
  case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY: return -EHOSTUNREACH;
  case CURLE_URL_MALFORMAT: return -EINVAL;
  /* The request's own scheme was checked before: after a redirect this is
   * the target's scheme refused; otherwise an answer with no HTTP status
   * line (HTTP/0.9, which libcurl refuses). */
  case CURLE_UNSUPPORTED_PROTOCOL:
    return status >= 300 && status < 400 ? -EPROTONOSUPPORT : -EPROTO;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_BAD_CONTENT_ENCODING: return -EPROTO;
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_SEND_ERROR: return -EPIPE;
  case CURLE_RECV_ERROR: return -ECONNRESET;
  /* libcurl before 8.6 says "out of memory" for a header over its limit too. */
  case CURLE_OUT_OF_MEMORY: return t->resp->body_size == 0 ? -EMSGSIZE : -ENOMEM;
#if LIBCURL_VERSION_NUM >= 0x080600
  case CURLE_TOO_LARGE: return -EMSGSIZE;
#endif
  default: return -EIO;
  }
}

/* The value of the last Location header in HEADERS (the redirect libcurl
 * refused to follow), cut to SIZE. */
static void last_location(const char *headers, char *out, size_t size) {
  snprintf(out, size, "?");
  for (const char *line = headers; line && *line;
       line += strcspn(line, "\n"), line += *line == '\n') {
    if (strncasecmp(line, "Location:", 9) != 0) continue;
    const char *v = line + 9 + strspn(line + 9, " \t");
    snprintf(out, size, "%.*s", (int)strcspn(v, "\r\n"), v);
  }
}

/* Put the reason for ERR in the response's message, if libcurl gave none
 * (or a less clear one). */
static void describe(ac_http_response_t *resp, CURLcode code, int err, const char *protocols) {
  char curl_said[sizeof resp->error];
  snprintf(curl_said, sizeof curl_said, "%s",
           resp->error[0] ? resp->error : curl_easy_strerror(code));
  if (err == -EPROTONOSUPPORT) {
    char to[128];
    last_location(resp->headers, to, sizeof to);
    snprintf(resp->error, sizeof resp->error,
             "a redirect to '%s' was refused: its scheme is "
             "not one of \"%.60s\"",
             to, protocols);
  } else if (err == -EPROTO && code == CURLE_UNSUPPORTED_PROTOCOL) {
    snprintf(resp->error, sizeof resp->error, "the server's answer is not HTTP (%.200s)",
             curl_said);
  } else if (err == -EMSGSIZE) {
    snprintf(resp->error, sizeof resp->error,
             "the response's header is over libcurl's limit "
             "(100 KiB a line), or libcurl ran out of memory (%.100s)",
             curl_said);
  } else {
    snprintf(resp->error, sizeof resp->error, "%s", curl_said);
  }
}

/* Fail with ERR before any transfer, saying why in the response too. */
static int refuse(ac_http_response_t *resp, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(ac_http_response_t *resp, int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(resp->error, sizeof resp->error, fmt, ap);
  va_end(ap);
  return ac__misuse(err, "ac_http_fetch", "%s", resp->error);
}

/* Whether the scheme of URL is one of PROTOCOLS ("http,https"; "all" for
 * any): 0, -EPROTONOSUPPORT, or -EINVAL for a URL that does not parse. */
static int check_scheme(const char *url, const char *protocols, ac_http_response_t *resp) {
  CURLU *u = curl_url();
  if (!u) return refuse(resp, -ENOMEM, "no memory to parse the URL");
  char *scheme = NULL;
  int rc = 0;
  if (curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) !=
          CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
    rc = refuse(resp, -EINVAL, "the URL '%.160s' does not parse", url);
  } else {
    size_t len = strlen(scheme);
    int allowed = 0;
    for (const char *p = protocols; *p && !allowed; p += strcspn(p, ",")) {
      p += *p == ',';
      size_t n = strcspn(p, ",");
      allowed =
          (n == len && strncasecmp(p, scheme, n) == 0) || (n == 3 && strncasecmp(p, "all", 3) == 0);
    }
    if (!allowed)
      rc = refuse(resp, -EPROTONOSUPPORT,
                  "the scheme '%s' of '%.120s' is not one of \"%s\" "
                  "(ac_http_request_t.protocols)",
                  scheme, url, protocols);
  }
  curl_free(scheme);
  curl_url_cleanup(u);
  return rc;
}

#if LIBCURL_VERSION_NUM < 0x075500
/* libcurl before 7.85 takes the protocols as a bit mask. */
static long protocol_bits(const char *protocols) {
  static const struct {
    const char *name;
    long bit;
  } known[] = {{"http", CURLPROTO_HTTP}, {"https", CURLPROTO_HTTPS}, {"ftp", CURLPROTO_FTP},
               {"ftps", CURLPROTO_FTPS}, {"file", CURLPROTO_FILE},   {"all", CURLPROTO_ALL}};
  long bits = 0;
  for (const char *p = protocols; *p; p += strcspn(p, ",")) {
    p += *p == ',';
    size_t n = strcspn(p, ","), i = 0;
    while (i < sizeof known / sizeof *known &&
           !(strlen(known[i].name) == n && strncasecmp(p, known[i].name, n) == 0))
      i++;
    if (i == sizeof known / sizeof *known) return -1;
    bits |= known[i].bit;
  }
  return bits;
}
#endif

/* Only the allowed protocols, for the request and for every redirect. */
static int restrict_protocols(CURL *e, const char *protocols) {
#if LIBCURL_VERSION_NUM >= 0x075500
  if (curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, protocols) != CURLE_OK)
    return -EINVAL;
#else
  long bits = protocol_bits(protocols);
  if (bits <= 0 || curl_easy_setopt(e, CURLOPT_PROTOCOLS, bits) != CURLE_OK ||
      curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, bits) != CURLE_OK)
    return -EINVAL;
#endif
  return 0;
}

void ac_http_response_close(ac_http_response_t *resp) {
  if (!resp) return;
  free(resp->headers);
  free(resp->body);
  resp->headers = resp->body = NULL;
  resp->headers_size = resp->body_size = 0;
}

/* Run the transfer T for REQ; curl's callbacks write into T->resp. */
static int run_transfer(transfer *t, const ac_http_request_t *req, const char *protocols,
                        http_client *c) {
  ac__task *task = t->task;
  int rc = 0;
  t->max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
  if (!(t->easy = curl_easy_init())) return refuse(t->resp, -ENOMEM, "no memory for a transfer");
  CURL *e = t->easy;
  if (restrict_protocols(e, protocols)) {
    curl_easy_cleanup(e);
    return refuse(t->resp, -EINVAL, "libcurl does not know every protocol of \"%s\"", protocols);
  }
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->resp->error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_body);
  if (req->max_redirects >= 0) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS,
                     (long)(req->max_redirects ? req->max_redirects : DEFAULT_REDIRECTS));
  }
  if (req->timeout_ms) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
  if (req->method) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
  if (req->body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_size);
    /* A compact task's body may be on its stack, elsewhere while it waits. */
    curl_easy_setopt(e, t->task->compact ? CURLOPT_COPYPOSTFIELDS : CURLOPT_POSTFIELDS, req->body);
  }
  for (const char *const *h = req->headers; h && *h; h++)
    t->headers = curl_slist_append(t->headers, *h);
  if (t->headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);

  if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
    rc = -ENOMEM;
    snprintf(t->resp->error, sizeof t->resp->error, "libcurl could not start the transfer");
  } else {
    while (!t->done) {
      rc = ac__suspend(task, "http request");
      if (rc) break; /* cancelled: the transfer is removed below */
    }
    curl_multi_remove_handle(c->multi, e);
    if (t->done) {
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &t->resp->status);
      if ((rc = error_of(t->result, t, t->resp->status)))
        describe(t->resp, t->result, rc, protocols);
    } else {
      snprintf(t->resp->error, sizeof t->resp->error, "%s", ac_error_message(rc));
    }
  }
  curl_easy_cleanup(e);
  curl_slist_free_all(t->headers);
  return rc;
}

int ac_http_fetch(const ac_http_request_t *req, ac_http_response_t *resp) {
  ac__task *task = NULL;
  const char *fn = "ac_http_fetch";
  if (!resp) return ac__misuse(-EINVAL, fn, "the response is NULL");
  memset(resp, 0, sizeof *resp);
  if (!req || !req->url) return refuse(resp, -EINVAL, "no request, or no URL in it");
  if (req->timeout_ms < 0)
    return refuse(resp, -EINVAL, "negative timeout (%lld ms)", (long long)req->timeout_ms);
  int rc = ac__current(&task, fn);
  if (rc) return refuse(resp, rc, "must be called from inside a task");
  if (req->timeout_ms && task->fut.loop->virtual_clock) /* virtual time (clock.c) cannot move it */
    return refuse(resp, -ENOTSUP,
                  "timeout_ms is libcurl's own limit on the real clock, which "
                  "virtual time cannot move; under virtual time, fake the network");
  const char *protocols = req->protocols ? req->protocols : DEFAULT_PROTOCOLS;
  if ((rc = check_scheme(req->url, protocols, resp))) return rc;
  http_client *c;
  const char *step;
  if ((rc = client_get(task->fut.loop, &c, &step)))
    return refuse(resp, rc, "cannot set up the HTTP client: %s failed", step);

  if (!task->compact) {
    transfer t = {.task = task, .resp = resp};
    return run_transfer(&t, req, protocols, c);
  }
  /* A compact task's stack is elsewhere while it waits, and curl writes into
   * the transfer and the response meanwhile: both go on the heap. */
  transfer *t = calloc(1, sizeof *t + sizeof *resp);
  if (!t) return refuse(resp, -ENOMEM, "no memory for a transfer");
  t->task = task;
  t->resp = (ac_http_response_t *)(t + 1);
  rc = run_transfer(t, req, protocols, c);
  *resp = *t->resp;
  free(t);
  return rc;
}

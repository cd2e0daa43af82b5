/* stream.c - streams on libuv's (TCP connections, and the pipes of
 * subprocesses): an input buffer filled by libuv's read callback, read by
 * one waiting task; writes tried at once and queued for the rest; closing
 * that waits for libuv's close callback. Servers are here too. */
#include <stdlib.h>
#include <string.h>

#include "stream_internal.h"
#include "sync_internal.h"

enum {
  READ_CHUNK = 64 * 1024,   /* room offered to libuv for each read (shared) */
  READ_LIMIT = 1024 * 1024, /* buffered input at which reading pauses, unless
                               the reader waits for more (a longer line) */
  LISTEN_BACKLOG = 128      /* connections the kernel queues before we accept them */
};

struct ac_stream_s {
  ac__resource res; /* freed with the loop if nobody did */
  ac__loop *loop;
  union { /* the libuv stream; uv.handle.data is the stream */
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } uv;
  int readable; /* 0: a pipe we only write (a child's stdin) */
  char *in;     /* what the reader has not taken: in[in_off, in_len); NULL when none */
  size_t in_off, in_len, in_cap;
  int eof;             /* the peer ended the stream */
  int error;           /* a read failed (negative errno), or -EBADF after close */
  int reading;         /* uv_read_start is on */
  ac__task *reader;    /* the task waiting for input */
  size_t wanted;       /* what it waits to have buffered; 0: nobody waits */
  size_t unsent;       /* bytes queued in uv_write and not yet written */
  int write_error;     /* a write failed */
  ac__list drainers;   /* tasks in ac_stream_drain (ac__sync_waiter) */
  int closing, closed; /* uv_close called; its callback came */
  int write_ended;     /* ac_stream_write_eof was called */
  ac__task *close_waiter;
  int owned;    /* a server or a subprocess frees it, not ac_stream_close */
  int orphaned; /* the loop is closing: free it in the close callback */
};

static ac_stream_t *of(uv_handle_t *h) { return h->data; }

static void stream_free(ac_stream_t *s) {
  ac__resource_untrack(&s->res);
  free(s->in);
  free(s);
}

static void on_closed(uv_handle_t *h) {
  ac_stream_t *s = of(h);
  s->closed = 1;
  if (s->orphaned) { /* the loop is closing, or nobody waits to free it */
    stream_free(s);
    return;
  }
  if (s->close_waiter) ac__wake(s->close_waiter, 0);
}

/* The loop closes: close the connection if the program did not. */
static void stream_close_resource(ac__resource *r) {
  ac_stream_t *s = AC__CONTAINER(r, ac_stream_t, res);
  s->orphaned = 1;
  if (s->closed)
    stream_free(s);
  else if (!s->closing) {
    s->closing = 1;
    uv_close(&s->uv.handle, on_closed);
  }
}

/* A TCP stream, not yet connected; the loop closes it if nobody does. */
static int stream_new(ac__loop *loop, ac_stream_t **out) {
  ac_stream_t *s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  int rc = uv_tcp_init(&loop->uv, &s->uv.tcp);
  if (rc) {
    free(s);
    return rc;
  }
  s->loop = loop;
  s->uv.handle.data = s;
  s->readable = 1;
  ac__list_init(&s->drainers);
  ac__resource_track(loop, &s->res, stream_close_resource);
  *out = s;
  return 0;
}

/* ---- reading ------------------------------------------------------------- */

static void wake_reader(ac_stream_t *s) {
  if (s->reader) ac__wake(s->reader, 0);
}

/* libuv reads every stream of a loop into one area of READ_CHUNK bytes
 * (the loop's AC__SLOT_STREAM, made on the first read), and each read's
 * bytes move at once to the stream's own buffer, which holds only what its
 * reader has not taken: an idle connection keeps no read buffer at all. */
static void read_area_close(ac__loop *loop, void *area) {
  (void)loop;
  free(area);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  ac__loop *loop = of(h)->loop;
  (void)suggested;
  char *area = ac__slot_get(loop, AC__SLOT_STREAM);
  if (!area && (area = malloc(READ_CHUNK)))
    ac__slot_set(loop, AC__SLOT_STREAM, area, read_area_close);
  /* Without memory, libuv reports UV_ENOBUFS to on_read. */
  *buf = area ? uv_buf_init(area, READ_CHUNK) : uv_buf_init(NULL, 0);
}

/* Append N bytes to what the reader has not taken. */
static int keep(ac_stream_t *s, const char *bytes, size_t n) {
  if (s->in_cap - s->in_len < n && s->in_off > 0) { /* move what is unread to the front */
    memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
    s->in_len -= s->in_off;
    s->in_off = 0;
  }
  if (s->in_cap - s->in_len < n) { /* doubling: a long line costs few copies */
    size_t cap = s->in_len + n > 2 * s->in_cap ? s->in_len + n : 2 * s->in_cap;
    char *in = realloc(s->in, cap);
    if (!in) return -ENOMEM;
    s->in = in;
    s->in_cap = cap;
  }
  memcpy(s->in + s->in_len, bytes, n);
  s->in_len += n;
  return 0;
}

/* After the reader took some: give back what is no longer needed. */
static void trim(ac_stream_t *s) {
  size_t left = s->in_len - s->in_off;
  if (left == 0) {
    free(s->in);
    s->in = NULL;
    s->in_off = s->in_len = s->in_cap = 0;
  } else if (s->in_cap > READ_CHUNK && left <= s->in_cap / 4) { /* after a long line */
    memmove(s->in, s->in + s->in_off, left);
    char *in = realloc(s->in, 2 * left);
    if (in) {
      s->in = in;
      s->in_cap = 2 * left;
    }
    s->in_off = 0;
    s->in_len = left;
  }
}

static void stop_reading(ac_stream_t *s) {
  if (s->reading) uv_read_stop(&s->uv.stream);
  s->reading = 0;
}

static size_t buffered(const ac_stream_t *s) { return s->in_len - s->in_off; }

/* Reading pauses at READ_LIMIT buffered, so a fast peer cannot grow memory
 * without bound, but never below what the waiting reader asked for. */
static size_t pause_at(const ac_stream_t *s) {
  return s->wanted > READ_LIMIT ? s->wanted : READ_LIMIT;
}

static void on_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf) {
  ac_stream_t *s = of((uv_handle_t *)h);
  if (n > 0) {
    if (keep(s, buf->base, (size_t)n) != 0) {
      s->error = -ENOMEM;
      stop_reading(s);
    } else if (buffered(s) >= pause_at(s)) {
      stop_reading(s); /* the reader is behind */
    }
  } else if (n == UV_EOF) {
    s->eof = 1;
    stop_reading(s);
  } else if (n < 0) {
    s->error = (int)n;
    stop_reading(s);
  }
  wake_reader(s);
}

static void start_reading(ac_stream_t *s) {
  if (s->reading || s->eof || s->error || s->closing) return;
  int rc = uv_read_start(&s->uv.stream, on_alloc, on_read);
  if (rc)
    s->error = rc;
  else
    s->reading = 1;
}

static void consume(ac_stream_t *s, void *to, size_t n) {
  if (to) memcpy(to, s->in + s->in_off, n);
  s->in_off += n;
  trim(s);
  if (buffered(s) < READ_LIMIT / 2) start_reading(s); /* room again */
}

static int check_stream(const ac_stream_t *s, const char *fn) {
  if (!s) return ac__misuse(-EINVAL, fn, "the stream is NULL");
  if (s->loop != ac__cur)
    return ac__misuse(-EPERM, fn, "the stream belongs to another thread's loop");
  return 0;
}

static int check_reader(const ac_stream_t *s, const char *fn) {
  int rc = check_stream(s, fn);
  if (rc == 0 && !s->readable)
    rc = ac__misuse(-EBADF, fn, "the stream is only written (a subprocess's stdin)");
  return rc;
}

/* Wait until there is more input than HAVE bytes, the end, or an error. */
static int wait_input(ac_stream_t *s, size_t have, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__current(&t, fn);
  if (rc) return rc;
  if (s->reader && s->reader != t)
    return ac__misuse(-EBUSY, fn, "another task is reading this stream");
  while (buffered(s) <= have && !s->eof && !s->error) {
    s->wanted = have + 1;
    start_reading(s);
    if (s->error) break;
    s->reader = t;
    rc = ac__suspend(t, "stream read");
    s->reader = NULL;
    s->wanted = 0;
    if (rc) return rc;
  }
  s->wanted = 0;
  return 0;
}

ssize_t ac_stream_read(ac_stream_t *s, void *buf, size_t size) {
  int rc = check_reader(s, "ac_stream_read");
  if (rc) return rc;
  if (!buf && size) return ac__misuse(-EINVAL, "ac_stream_read", "the buffer is NULL");
  if (size == 0) return 0;
  if ((rc = wait_input(s, 0, "ac_stream_read"))) return rc;
  size_t n = buffered(s) < size ? buffered(s) : size;
  if (n == 0) return s->error ? s->error : 0;
  consume(s, buf, n);
  return (ssize_t)n;
}

/* Bytes up to and including the first SEP in the buffer, or 0 if none;
 * the first FROM bytes are known not to start one. */
static size_t find(const ac_stream_t *s, const char *sep, size_t seplen, size_t from) {
  if (buffered(s) <= from) return 0; /* s->in may be NULL yet */
  const char *start = s->in + s->in_off;
  const char *at = memmem(start + from, buffered(s) - from, sep, seplen);
  return at ? (size_t)(at - start) + seplen : 0;
}

/* The common part of readuntil and readline: 0 and *LEN once SEP is in
 * the buffer within SIZE bytes, or why not. */
static int until(ac_stream_t *s, const char *sep, size_t size, size_t *len, const char *fn) {
  size_t seplen = strlen(sep), from = 0;
  for (;;) {
    if ((*len = find(s, sep, seplen, from))) return *len <= size ? 0 : -EMSGSIZE;
    if (buffered(s) >= seplen) from = buffered(s) - seplen + 1; /* search only what comes */
    if (buffered(s) >= size) return -EMSGSIZE; /* longer than allowed: stop buffering */
    if (s->error) return s->error;
    if (s->eof) return -EPIPE;
    int rc = wait_input(s, buffered(s), fn);
    if (rc) return rc;
  }
}

ssize_t ac_stream_readuntil(ac_stream_t *s, const char *sep, char *buf, size_t size) {
  int rc = check_reader(s, "ac_stream_readuntil");
  if (rc) return rc;
  if (!sep || !*sep) return ac__misuse(-EINVAL, "ac_stream_readuntil", "the separator is empty");
  if (!buf) return ac__misuse(-EINVAL, "ac_stream_readuntil", "the buffer is NULL");
  size_t len;
  if ((rc = until(s, sep, size, &len, "ac_stream_readuntil"))) return rc;
  consume(s, buf, len);
  return (ssize_t)len;
}

ssize_t ac_stream_readline(ac_stream_t *s, char *buf, size_t size) {
  int rc = check_reader(s, "ac_stream_readline");
  if (rc) return rc;
  if (!buf || size < 2)
    return ac__misuse(-EINVAL, "ac_stream_readline", "the buffer is NULL or too small");
  size_t len;
  rc = until(s, "\n", size - 1, &len, "ac_stream_readline");
  if (rc == -EPIPE) { /* the stream ended: the last line has no newline */
    if (buffered(s) == 0) {
      buf[0] = '\0';
      return 0;
    }
    len = buffered(s);
  } else if (rc) {
    return rc;
  }
  consume(s, buf, len);
  buf[len] = '\0';
  return (ssize_t)len;
}

int ac_stream_readexactly(ac_stream_t *s, void *buf, size_t size, size_t *got) {
  if (got) *got = 0;
  int rc = check_reader(s, "ac_stream_readexactly");
  if (rc) return rc;
  if (!buf && size) return ac__misuse(-EINVAL, "ac_stream_readexactly", "the buffer is NULL");
  size_t have = 0;
  while (have < size) {
    if ((rc = wait_input(s, 0, "ac_stream_readexactly"))) break;
    size_t n = buffered(s) < size - have ? buffered(s) : size - have;
    if (n == 0) {
      rc = s->error ? s->error : -EPIPE; /* ended early */
      break;
    }
    consume(s, (char *)buf + have, n);
    have += n;
  }
  if (got) *got = have;
  return rc;
}

int ac_stream_is_eof(const ac_stream_t *s) {
  if (!s) return ac__misuse(-EINVAL, "ac_stream_is_eof", "the stream is NULL");
  return s->eof && buffered(s) == 0;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct write_req {
  uv_write_t req;
  ac_stream_t *stream;
  size_t size;
  char data[];
} write_req;

static void on_written(uv_write_t *req, int status) {
  write_req *w = (write_req *)req;
  ac_stream_t *s = w->stream;
  s->unsent -= w->size;
  if (status < 0 && !s->write_error) s->write_error = status;
  if (s->unsent <= AC_STREAM_HIGH_WATER || s->write_error) ac__sync_wake_all(&s->drainers, 0);
  free(w);
}

size_t ac__stream_bufs(char *data, size_t size, uv_buf_t *bufs, size_t room) {
  size_t n = 0;
  for (size_t off = 0; off < size; off += AC__BUF_MAX, n++)
    if (n < room)
      bufs[n] =
          uv_buf_init(data + off, (unsigned)(size - off < AC__BUF_MAX ? size - off : AC__BUF_MAX));
  return n;
}

/* SIZE bytes at DATA as libuv buffers: in SMALL (SMALL_N of them) when they
 * fit, else in an array to free; NULL if out of memory. */
static uv_buf_t *as_bufs(const void *data, size_t size, uv_buf_t *small, size_t small_n,
                         size_t *n) {
  *n = ac__stream_bufs((char *)data, size, small, small_n);
  if (*n <= small_n) return small;
  uv_buf_t *bufs = malloc(*n * sizeof *bufs);
  if (bufs) ac__stream_bufs((char *)data, size, bufs, *n);
  return bufs;
}

/* Send what the kernel takes of SIZE bytes at DATA now: how much, or an error. */
static ssize_t send_now(ac_stream_t *s, const void *data, size_t size) {
  uv_buf_t small[4];
  size_t n;
  uv_buf_t *bufs = as_bufs(data, size, small, 4, &n);
  if (!bufs) return -ENOMEM;
  int sent = uv_try_write(&s->uv.stream, bufs, (unsigned)n);
  if (bufs != small) free(bufs);
  return sent == UV_EAGAIN ? 0 : sent;
}

/* Copy SIZE bytes at DATA and queue them behind what is unsent. */
static int queue_copy(ac_stream_t *s, const void *data, size_t size) {
  if (size > SIZE_MAX - sizeof(write_req)) return -ENOMEM;
  write_req *w = malloc(sizeof *w + size);
  if (!w) return -ENOMEM;
  w->stream = s;
  w->size = size;
  memcpy(w->data, data, size);
  uv_buf_t small[4];
  size_t n;
  uv_buf_t *bufs = as_bufs(w->data, size, small, 4, &n);
  int rc = bufs ? uv_write(&w->req, &s->uv.stream, bufs, (unsigned)n, on_written) : -ENOMEM;
  if (bufs && bufs != small) free(bufs); /* uv_write keeps its own copy */
  if (rc) {
    free(w);
    return rc;
  }
  s->unsent += size;
  return 0;
}

int ac_stream_write(ac_stream_t *s, const void *data, size_t size) {
  int rc = check_stream(s, "ac_stream_write");
  if (rc) return rc;
  if (!data && size) return ac__misuse(-EINVAL, "ac_stream_write", "the data is NULL");
  if (s->write_error) return s->write_error;
  if (s->closing || s->write_ended) return -EBADF;
  if (size == 0) return 0;
  size_t done = 0;
  if (s->unsent == 0) { /* nothing queued: try to send it now */
    ssize_t n = send_now(s, data, size);
    if (n == -ENOMEM) return (int)n;
    if (n < 0) return s->write_error = (int)n;
    done = (size_t)n;
  }
  if (done == size) return 0;
  rc = queue_copy(s, (const char *)data + done, size - done);
  if (rc && rc != -ENOMEM) s->write_error = rc;
  return rc;
}

int ac_stream_drain(ac_stream_t *s) {
  ac__task *t = NULL;
  int rc = check_stream(s, "ac_stream_drain");
  if (rc) return rc;
  if ((rc = ac__current(&t, "ac_stream_drain"))) return rc;
  while (s->unsent > AC_STREAM_HIGH_WATER && !s->write_error) {
    ac__sync_waiter w;
    if ((rc = ac__sync_wait(t, &s->drainers, &w, AC_NO_TIMEOUT, "stream drain"))) return rc;
  }
  return s->write_error;
}

/* ---- closing ------------------------------------------------------------- */

static void begin_close(ac_stream_t *s) {
  if (s->closing) return;
  s->closing = 1;
  stop_reading(s);
  if (!s->error) s->error = -EBADF; /* this program closed it */
  if (!s->write_error) s->write_error = -EBADF;
  wake_reader(s);
  ac__sync_wake_all(&s->drainers, 0);
  uv_close(&s->uv.handle, on_closed);
}

/* Wait for the close callback; cancellation cannot shorten this wait,
 * which is short: it comes in the loop's next iteration. */
static void await_closed(ac_stream_t *s, ac__task *t) {
  int cancelled = 0;
  while (!s->closed) {
    s->close_waiter = t;
    if (ac__suspend(t, "stream close") == -ECANCELED) cancelled = 1;
    s->close_waiter = NULL;
  }
  if (cancelled) t->cancel_pending = 1; /* delivered at the next suspension */
}

void ac__stream_dispose(ac_stream_t *s, ac__task *t) {
  begin_close(s);
  if (t) {
    await_closed(s, t);
    stream_free(s);
  } else if (s->closed) {
    stream_free(s);
  } else { /* a callback cannot wait: the close callback frees it */
    s->orphaned = 1;
  }
}

int ac_stream_close(ac_stream_t *s) {
  int rc = check_stream(s, "ac_stream_close");
  if (rc) return rc;
  if (s->owned) /* its server or subprocess frees it */
    begin_close(s);
  else
    ac__stream_dispose(s, s->loop->current);
  return 0;
}

int ac__stream_open_pipe(ac__loop *loop, int fd, int readable, ac_stream_t **out) {
  ac_stream_t *s = calloc(1, sizeof *s);
  if (!s) return -ENOMEM;
  int rc = uv_pipe_init(&loop->uv, &s->uv.pipe, 0);
  if (rc) {
    free(s);
    return rc;
  }
  s->loop = loop;
  s->uv.handle.data = s;
  s->owned = 1;
  ac__list_init(&s->drainers);
  ac__list_init(&s->res.link); /* not tracked: its subprocess closes it */
  if ((rc = uv_pipe_open(&s->uv.pipe, fd))) {
    ac__stream_dispose(s, NULL);
    return rc;
  }
  s->readable = readable;
  s->write_ended = readable; /* a pipe goes one way */
  if (readable) start_reading(s);
  *out = s;
  return 0;
}

typedef struct shutdown_req {
  uv_shutdown_t req;
} shutdown_req;

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status; /* a failure shows on the next write or read */
  free(req);
}

int ac_stream_write_eof(ac_stream_t *s) {
  int rc = check_stream(s, "ac_stream_write_eof");
  if (rc) return rc;
  if (s->closing || s->write_ended) return -EBADF;
  shutdown_req *r = malloc(sizeof *r);
  if (!r) return -ENOMEM;
  if ((rc = uv_shutdown(&r->req, &s->uv.stream, on_shutdown))) {
    free(r);
    return rc;
  }
  s->write_ended = 1;
  return 0;
}

int ac_stream_peer(const ac_stream_t *s, char *host, size_t size, int *port) {
  int rc = check_stream(s, "ac_stream_peer");
  if (rc) return rc;
  if (!host || !size) return ac__misuse(-EINVAL, "ac_stream_peer", "the host buffer is NULL");
  struct sockaddr_storage addr;
  int len = sizeof addr;
  if (s->uv.handle.type != UV_TCP) return -ENOTSOCK; /* a subprocess's pipe */
  if ((rc = uv_tcp_getpeername(&s->uv.tcp, (struct sockaddr *)&addr, &len))) return rc;
  if (addr.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&addr;
    rc = uv_ip6_name(a, host, size);
    if (port) *port = ntohs(a->sin6_port);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&addr;
    rc = uv_ip4_name(a, host, size);
    if (port) *port = ntohs(a->sin_port);
  }
  return rc;
}

/* ---- connecting ---------------------------------------------------------- */

typedef struct lookup {
  uv_getaddrinfo_t req;
  ac__task *task; /* NULL once the task gave up: the callback frees */
  int status;
  struct addrinfo *res;
} lookup;

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  lookup *l = AC__CONTAINER(req, lookup, req);
  if (!l->task) { /* abandoned */
    uv_freeaddrinfo(res);
    free(l);
    return;
  }
  l->status = status;
  l->res = res;
  ac__wake(l->task, 0);
}

/* Resolve HOST:PORT from task T. */
static int resolve(ac__task *t, const char *host, int port, int passive, struct addrinfo **out) {
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
  lookup *l = calloc(1, sizeof *l);
  if (!l) return -ENOMEM;
  l->task = t;
  int rc = uv_getaddrinfo(&t->fut.loop->uv, &l->req, on_resolved, host, service, &hints);
  if (rc) {
    free(l);
    return rc;
  }
  rc = ac__suspend(t, "name lookup");
  if (rc) { /* cancelled: the callback will free it */
    l->task = NULL;
    uv_cancel((uv_req_t *)&l->req);
    return rc;
  }
  rc = l->status;
  *out = l->res;
  free(l);
  /* One code for "the name does not resolve", whatever resolver said it
   * (the HTTP client uses the same). */
  if (rc == UV_EAI_NONAME || rc == UV_EAI_NODATA || rc == UV_EAI_FAIL || rc == UV_EAI_AGAIN)
    rc = -EHOSTUNREACH;
  return rc;
}

typedef struct connecting {
  uv_connect_t req;
  ac__task *task;
  int status;
  int done;
} connecting;

static void on_connected(uv_connect_t *req, int status) {
  connecting *c = AC__CONTAINER(req, connecting, req);
  c->status = status;
  c->done = 1;
  if (c->task) ac__wake(c->task, 0);
}

/* Connect S to ADDR from task T: 0, an error, or -ECANCELED. The request
 * is on the heap: libuv writes into it while T waits, when a compact T's
 * stack is elsewhere. */
static int connect_one(ac_stream_t *s, ac__task *t, const struct sockaddr *addr) {
  connecting *c = calloc(1, sizeof *c);
  if (!c) return -ENOMEM;
  c->task = t;
  int rc = uv_tcp_connect(&c->req, &s->uv.tcp, addr, on_connected);
  if (rc) {
    free(c);
    return rc;
  }
  rc = ac__suspend(t, "connect");
  if (rc == 0 || c->done) {
    rc = c->done ? c->status : rc;
    free(c);
    return rc;
  }
  /* Cancelled: closing the handle ends the attempt; c lives until then. */
  c->task = NULL;
  begin_close(s);
  await_closed(s, t);
  free(c);
  return -ECANCELED;
}

int ac_stream_connect(ac_stream_t **out, const char *host, int port) {
  ac__task *t = NULL;
  const char *fn = "ac_stream_connect";
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  if (!host) return ac__misuse(-EINVAL, fn, "the host is NULL");
  if (port < 1 || port > 65535) return ac__misuse(-EINVAL, fn, "port %d is outside 1..65535", port);
  int rc = ac__current(&t, fn);
  if (rc) return rc;
  struct addrinfo *addrs = NULL;
  if ((rc = resolve(t, host, port, 0, &addrs))) return rc;
  rc = -EHOSTUNREACH;
  for (struct addrinfo *a = addrs; a; a = a->ai_next) {
    ac_stream_t *s;
    if ((rc = stream_new(t->fut.loop, &s))) break;
    rc = connect_one(s, t, a->ai_addr);
    if (rc == 0) {
      start_reading(s);
      *out = s;
      break;
    }
    if (!s->closing) {
      begin_close(s);
      await_closed(s, t);
    }
    stream_free(s);
    if (rc == -ECANCELED) break;
  }
  uv_freeaddrinfo(addrs);
  return rc;
}

/* ---- servers ------------------------------------------------------------- */

struct ac_server_s {
  ac__resource res;
  ac__loop *loop;
  uv_tcp_t tcp; /* the listening socket */
  ac_handler_fn handler;
  void *arg;
  ac__list connections; /* connection entries with a running handler */
  int port;
  int closing, closed;
  int orphaned;     /* the loop is closing: free it in the close callback */
  ac__task *closer; /* the task in ac_server_close */
};

typedef struct connection {
  ac__list link; /* in server->connections */
  ac_server_t *server;
  ac_stream_t *stream;
  ac_task_t *task; /* the handler's task (the server's reference) */
} connection;

static int run_handler(void *arg, void **result) {
  (void)result;
  connection *c = arg;
  int rc = c->server->handler(c->stream, c->server->arg);
  ac__stream_dispose(c->stream, c->stream->loop->current);
  c->stream = NULL;
  return rc;
}

static void connection_done(ac_future_t *task, void *arg) {
  connection *c = arg;
  ac_server_t *srv = c->server;
  ac__list_remove(&c->link);
  ac_future_release(task);
  free(c);
  if (srv->closer && ac__list_empty(&srv->connections)) ac__wake(srv->closer, 0);
}

static void on_connection(uv_stream_t *listener, int status) {
  ac_server_t *srv = listener->data;
  if (status < 0 || srv->closing) return;
  connection *c = calloc(1, sizeof *c);
  if (!c) return;
  c->server = srv;
  if (stream_new(srv->loop, &c->stream)) {
    free(c);
    return;
  }
  c->stream->owned = 1;
  if (uv_accept(listener, &c->stream->uv.stream) != 0 ||
      ac_task_create_ex(&c->task, run_handler, c, &(ac_task_opts_t){.name = "connection"}) != 0) {
    stream_close_resource(&c->stream->res); /* frees it once closed */
    ac__resource_untrack(&c->stream->res);
    free(c);
    return;
  }
  start_reading(c->stream);
  ac__list_push_back(&srv->connections, &c->link);
  ac_future_add_done_callback(c->task, connection_done, c);
}

static void on_server_closed(uv_handle_t *h) {
  ac_server_t *srv = h->data;
  srv->closed = 1;
  if (srv->orphaned)
    free(srv);
  else if (srv->closer)
    ac__wake(srv->closer, 0);
}

/* The loop closes with the server still open (its handlers have ended). */
static void server_close_resource(ac__resource *r) {
  ac_server_t *srv = AC__CONTAINER(r, ac_server_t, res);
  srv->orphaned = 1;
  srv->closing = 1;
  uv_close((uv_handle_t *)&srv->tcp, on_server_closed);
}

/* Which port the server got (it may have asked for 0). */
static int listening_port(ac_server_t *srv) {
  struct sockaddr_storage addr;
  int len = sizeof addr;
  int rc = uv_tcp_getsockname(&srv->tcp, (struct sockaddr *)&addr, &len);
  if (rc == 0)
    srv->port = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                                 : ((struct sockaddr_in *)&addr)->sin_port);
  return rc;
}

int ac_server_start(ac_server_t **out, const char *host, int port, ac_handler_fn handler,
                    void *arg) {
  ac__task *t = NULL;
  const char *fn = "ac_server_start";
  if (!out) return ac__misuse(-EINVAL, fn, "the output pointer is NULL");
  *out = NULL;
  if (!host || !handler) return ac__misuse(-EINVAL, fn, "the host or the handler is NULL");
  if (port < 0 || port > 65535) return ac__misuse(-EINVAL, fn, "port %d is outside 0..65535", port);
  int rc = ac__current(&t, fn);
  if (rc) return rc;
  if ((rc = ac__compact_check(t->fut.loop, arg, fn))) return rc; /* handlers get it later */
  struct addrinfo *addrs = NULL;
  if ((rc = resolve(t, host, port, 1, &addrs))) return rc;
  ac_server_t *srv = calloc(1, sizeof *srv);
  if (!srv) {
    uv_freeaddrinfo(addrs);
    return -ENOMEM;
  }
  srv->loop = t->fut.loop;
  srv->handler = handler;
  srv->arg = arg;
  ac__list_init(&srv->connections);
  if ((rc = uv_tcp_init(&srv->loop->uv, &srv->tcp))) { /* nothing to close yet */
    uv_freeaddrinfo(addrs);
    free(srv);
    return rc;
  }
  srv->tcp.data = srv;
  rc = uv_tcp_bind(&srv->tcp, addrs->ai_addr, 0);
  uv_freeaddrinfo(addrs);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&srv->tcp, LISTEN_BACKLOG, on_connection);
  if (rc == 0) rc = listening_port(srv);
  if (rc == 0) {
    ac__resource_track(srv->loop, &srv->res, server_close_resource);
    *out = srv;
    return 0;
  }
  /* Undo: close the socket and wait for it (briefly, so not cut short by a
   * cancellation, which comes at the next suspension), then free. */
  srv->closer = t;
  srv->closing = 1;
  uv_close((uv_handle_t *)&srv->tcp, on_server_closed);
  int cancelled = 0;
  while (!srv->closed)
    if (ac__suspend(t, "server close") == -ECANCELED) cancelled = 1;
  if (cancelled) t->cancel_pending = 1;
  free(srv);
  return rc;
}

int ac_server_port(const ac_server_t *srv) {
  return srv ? srv->port : ac__misuse(-EINVAL, "ac_server_port", "the server is NULL");
}

static void cancel_connections(ac_server_t *srv) {
  for (ac__list *n = srv->connections.next; n != &srv->connections; n = n->next)
    ac_future_cancel(AC__CONTAINER(n, connection, link)->task);
}

int ac_server_close(ac_server_t *srv, int64_t grace_ms) {
  ac__task *t = NULL;
  const char *fn = "ac_server_close";
  if (!srv) return ac__misuse(-EINVAL, fn, "the server is NULL");
  if (grace_ms < 0) return ac__misuse(-EINVAL, fn, "negative grace period");
  int rc = ac__current(&t, fn);
  if (rc) return rc;
  ac__resource_untrack(&srv->res);
  srv->closer = t;
  srv->closing = 1;
  uv_close((uv_handle_t *)&srv->tcp, on_server_closed);
  int cancelled = 0;
  while (!srv->closed)
    if (ac__suspend(t, "server close") == -ECANCELED) cancelled = 1;
  /* Let the handlers finish within the grace period... */
  if (!cancelled && grace_ms > 0 && !ac__list_empty(&srv->connections)) {
    ac_timeout_t scope;
    if (ac_timeout_open(&scope, grace_ms) == 0) {
      int woken_by_cancel = 0;
      while (!woken_by_cancel && !ac__list_empty(&srv->connections))
        woken_by_cancel = ac__suspend(t, "server shutdown") == -ECANCELED;
      /* A cancellation before the deadline is the caller's, which the scope's
       * close knows nothing of; after it, the close tells the two apart. */
      if (woken_by_cancel && !ac_timeout_is_expired(&scope)) cancelled = 1;
      if (ac_timeout_close(&scope) == -ECANCELED) cancelled = 1;
    }
  }
  /* ...then cancel the rest and wait for them. */
  while (!ac__list_empty(&srv->connections)) {
    cancel_connections(srv);
    if (ac__suspend(t, "server shutdown") == -ECANCELED) cancelled = 1;
  }
  free(srv);
  return cancelled ? -ECANCELED : 0;
}

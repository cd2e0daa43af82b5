/* test_server_faults.c - ac_server_start when a libuv set-up call fails:
 * the error comes back and whatever had succeeded is undone (no handle, no
 * descriptor left). libuv's calls are wrapped at link time (mk/runtime.mk
 * links this program with -Wl,--wrap=uv_tcp_init,...), so the runtime's own
 * calls reach the __wrap_ functions below, which fail when told to. */
#include <dirent.h>
#include <string.h>
#include <uv.h>

#include "helpers.h"

/* The call to fail next, and with what; it fails once. */
static const char *fail_call;
static int fail_with;

static int should_fail(const char *call) {
  if (!fail_call || strcmp(fail_call, call) != 0) return 0;
  fail_call = NULL;
  return 1;
}

int __real_uv_tcp_init(uv_loop_t *loop, uv_tcp_t *handle);
int __real_uv_tcp_bind(uv_tcp_t *handle, const struct sockaddr *addr, unsigned int flags);
int __real_uv_listen(uv_stream_t *stream, int backlog, uv_connection_cb cb);
int __real_uv_tcp_getsockname(const uv_tcp_t *handle, struct sockaddr *name, int *namelen);
int __wrap_uv_tcp_init(uv_loop_t *loop, uv_tcp_t *handle);
int __wrap_uv_tcp_bind(uv_tcp_t *handle, const struct sockaddr *addr, unsigned int flags);
int __wrap_uv_listen(uv_stream_t *stream, int backlog, uv_connection_cb cb);
int __wrap_uv_tcp_getsockname(const uv_tcp_t *handle, struct sockaddr *name, int *namelen);

int __wrap_uv_tcp_init(uv_loop_t *loop, uv_tcp_t *handle) {
  return should_fail("uv_tcp_init") ? fail_with : __real_uv_tcp_init(loop, handle);
}
int __wrap_uv_tcp_bind(uv_tcp_t *handle, const struct sockaddr *addr, unsigned int flags) {
  return should_fail("uv_tcp_bind") ? fail_with : __real_uv_tcp_bind(handle, addr, flags);
}
int __wrap_uv_listen(uv_stream_t *stream, int backlog, uv_connection_cb cb) {
  return should_fail("uv_listen") ? fail_with : __real_uv_listen(stream, backlog, cb);
}
int __wrap_uv_tcp_getsockname(const uv_tcp_t *handle, struct sockaddr *name, int *namelen) {
  return should_fail("uv_tcp_getsockname") ? fail_with
                                           : __real_uv_tcp_getsockname(handle, name, namelen);
}

static void count_tcp(uv_handle_t *h, void *arg) {
  if (h->type == UV_TCP) ++*(int *)arg;
}

/* libuv TCP handles of this loop, closing ones included. */
static int tcp_handles(void) {
  int n = 0;
  uv_walk(ac_loop_uv(), count_tcp, &n);
  return n;
}

static int open_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
  if (d) closedir(d);
  return n;
}

static int echo_once(ac_stream_t *s, void *arg) {
  (void)arg;
  char buf[16];
  ssize_t n = ac_stream_read(s, buf, sizeof buf);
  return n > 0 ? ac_stream_write(s, buf, (size_t)n) : 0;
}

typedef struct {
  const char *call;
  int error;
} fault;

static int start_fails_body(void *arg, void **result) {
  (void)result;
  const fault *f = arg;
  ac_server_t *first = NULL; /* libuv's first stream of a loop keeps a descriptor for good */
  ck_assert_int_eq(ac_server_start(&first, "127.0.0.1", 0, echo_once, NULL), 0);
  ck_assert_int_eq(ac_server_close(first, 0), 0);
  int handles = tcp_handles(), fds = open_fds();
  fail_call = f->call;
  fail_with = f->error;
  ac_server_t *srv = (ac_server_t *)&srv; /* must be reset */
  int rc = ac_server_start(&srv, "127.0.0.1", 0, echo_once, NULL);
  ck_assert_msg(fail_call == NULL, "%s was never called", f->call);
  ck_assert_msg(rc == f->error, "%s failing with %d: ac_server_start returned %d (%s)", f->call,
                f->error, rc, ac_error_message(rc));
  ck_assert_ptr_null(srv);
  ck_assert_int_eq(tcp_handles(), handles); /* undone, and its close callback came */
  ck_assert_int_eq(open_fds(), fds);
  /* The next start works, and so does a connection to it. */
  ck_assert_int_eq(ac_server_start(&srv, "127.0.0.1", 0, echo_once, NULL), 0);
  ac_stream_t *s = NULL;
  ck_assert_int_eq(ac_stream_connect(&s, "127.0.0.1", ac_server_port(srv)), 0);
  char buf[8] = {0};
  ck_assert_int_eq(ac_stream_write(s, "ping", 4), 0);
  ck_assert_int_eq(ac_stream_readexactly(s, buf, 4, NULL), 0);
  ck_assert_str_eq(buf, "ping");
  ac_stream_close(s);
  ck_assert_int_eq(ac_server_close(srv, 1000), 0);
  ck_assert_int_eq(tcp_handles(), handles);
  return 0;
}

START_TEST(uv_tcp_init_fails) { RUN_OK(start_fails_body, (&(fault){"uv_tcp_init", UV_ENOMEM})); }
END_TEST

START_TEST(uv_tcp_bind_fails) { RUN_OK(start_fails_body, (&(fault){"uv_tcp_bind", UV_EACCES})); }
END_TEST

START_TEST(uv_listen_fails) { RUN_OK(start_fails_body, (&(fault){"uv_listen", UV_EADDRINUSE})); }
END_TEST

START_TEST(uv_tcp_getsockname_fails) {
  RUN_OK(start_fails_body, (&(fault){"uv_tcp_getsockname", UV_ENOBUFS}));
}
END_TEST

/* A socket that was already listening when a later call failed is closed:
 * nothing answers on its port, and the port can be had again. */
static int closed_port_body(void *arg, void **result) {
  (void)arg, (void)result;
  ac_server_t *srv = NULL;
  ck_assert_int_eq(ac_server_start(&srv, "127.0.0.1", 0, echo_once, NULL), 0);
  int port = ac_server_port(srv); /* a port that was free a moment ago */
  ck_assert_int_eq(ac_server_close(srv, 0), 0);
  fail_call = "uv_tcp_getsockname";
  fail_with = UV_ENOBUFS;
  ck_assert_int_eq(ac_server_start(&srv, "127.0.0.1", port, echo_once, NULL), UV_ENOBUFS);
  ac_stream_t *s = NULL;
  ck_assert_int_eq(ac_stream_connect(&s, "127.0.0.1", port), -ECONNREFUSED);
  ck_assert_int_eq(ac_server_start(&srv, "127.0.0.1", port, echo_once, NULL), 0);
  ck_assert_int_eq(ac_server_port(srv), port);
  ck_assert_int_eq(ac_server_close(srv, 0), 0);
  return 0;
}
START_TEST(a_failed_start_leaves_nothing_listening) { RUN_OK(closed_port_body, NULL); }
END_TEST

Suite *test_suite(void) {
  Suite *s = suite_create("server_faults");
  ADD_TEST(s, uv_tcp_init_fails);
  ADD_TEST(s, uv_tcp_bind_fails);
  ADD_TEST(s, uv_listen_fails);
  ADD_TEST(s, uv_tcp_getsockname_fails);
  ADD_TEST(s, a_failed_start_leaves_nothing_listening);
  return s;
}

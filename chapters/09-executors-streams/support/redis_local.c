/* redis_local.c - chapter 09's examples: a redis-server of their own. */
#include "redis_local.h"

#include <errno.h>
#include <stdio.h>

/* A port nobody listens on: the one the kernel picks for port 0. */
static int serve_nothing(ac_stream_t *s, void *arg)
{
  (void)s, (void)arg;
  return 0;
}

static int free_port(void)
{
  ac_server_t *srv = NULL;
  int rc = ac_server_start(&srv, "127.0.0.1", 0, serve_nothing, NULL);
  if (rc < 0) {
    return rc;
  }
  int port = ac_server_port(srv);
  ac_server_close(srv, 0);
  return port;
}

int redis_local_start(ac_process_t **server, int *port)
{
  char text[16];
  *port = free_port();
  if (*port < 0) {
    return *port;
  }
  snprintf(text, sizeof text, "%d", *port);
  const char *argv[] = {"redis-server", "--bind", "127.0.0.1",    "--port", text,
                        "--save",       "",       "--appendonly", "no",     "--logfile",
                        "/dev/null",    "--dir",  "/tmp",         NULL};
  int rc = ac_process_spawn(server, &(ac_process_opts_t){.argv = argv});
  if (rc < 0) {
    return rc;
  }
  for (int tries = 0; tries < 500; tries++) { /* until it listens */
    ac_stream_t *probe = NULL;
    rc = ac_stream_connect(&probe, "127.0.0.1", *port);
    if (rc == 0) {
      ac_stream_close(probe);
      return 0;
    }
    ac_task_sleep(10);
  }
  redis_local_stop(*server);
  return -ETIMEDOUT;
}

void redis_local_stop(ac_process_t *server)
{
  ac_process_close(server); /* SIGKILL, then reaped */
}

typedef struct {
  const char *name;
  int (*demo)(ac_redis_t *redis);
} example_t;

static int run_example(void *arg, void **result)
{
  const example_t *ex = arg;
  (void)result;
  ac_process_t *server = NULL;
  int port = 0;
  int rc = redis_local_start(&server, &port);
  if (rc < 0) {
    fprintf(stderr, "redis-server: %s\n", ac_error_message(rc));
    return rc;
  }
  ac_redis_t *r = NULL;
  if ((rc = ac_redis_connect(&r, "127.0.0.1", port)) == 0) {
    rc = ex->demo(r);
    ac_redis_close(r);
  }
  if (rc < 0) {
    fprintf(stderr, "%s: %s\n", ex->name, ac_error_message(rc));
  }
  redis_local_stop(server);
  return rc;
}

int redis_local_main(const char *name, int (*demo)(ac_redis_t *redis))
{
  example_t ex = {name, demo};
  return ac_loop_run(run_example, &ex, NULL) == 0 ? 0 : 1;
}

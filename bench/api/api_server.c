/* api_server.c - the API benchmark's server: chapter 07's HTTP server
 * (http_server.c) serving its to-do API (todo_api.c), built from the
 * reference solutions (or from the learner's files in a copy without
 * them). Prints its port, then serves until SIGTERM or SIGINT.
 * Usage: api_server [PORT] */
#include <ac.h>
#include <stdio.h>
#include <stdlib.h>

#include "http_server.h"
#include "todo_api.h"

static void ready(void *ctx, int port)
{
  (void)ctx;
  printf("%d\n", port);
  fflush(stdout);
}

static int serve(void *arg, void **result)
{
  int port = *(int *)arg;
  todo_api_t *api;

  (void)result;
  /* The estimate is not benchmarked: its service is never asked. */
  todo_api_opts_t api_opts = {.max_items = 100000, .estimate_url = "http://127.0.0.1:9/",
                              .upstream_timeout_ms = 1000};
  int rc = todo_api_create(&api, &api_opts);
  if (rc < 0)
    return rc;
  http_server_opts_t opts = {.host = "127.0.0.1", .port = port, .max_header = 8192,
                             .max_body = 65536, .request_timeout_ms = 10000,
                             .idle_timeout_ms = 60000, .grace_ms = 1000,
                             .handler = todo_api_handle, .handler_ctx = api, .ready = ready};
  rc = http_server_run(&opts);
  todo_api_close(api);
  return rc > 0 ? 0 : rc; /* the signal that stopped it is a clean end */
}

int main(int argc, char **argv)
{
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int rc = ac_loop_run(serve, &port, NULL);
  if (rc < 0)
    fprintf(stderr, "api_server: %s\n", ac_error_message(rc));
  return rc < 0;
}

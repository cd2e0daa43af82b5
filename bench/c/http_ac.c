/* http_ac.c - the HTTP benchmark's client on the runtime: N requests for
 * small files at concurrency C from BASE_URL (file0 .. file99). Prints the
 * requests per second. Usage: http_ac BASE_URL N C */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "bench.h"

typedef struct {
  const char *base;
  long left; /* requests not yet started */
  long ok;
} work;

static int worker(void *arg, void **result) {
  (void)result;
  work *w = arg;
  char url[256];
  while (w->left > 0) {
    long i = --w->left;
    snprintf(url, sizeof url, "%s/file%ld", w->base, i % 100);
    ac_http_response_t r;
    int rc = ac_http_fetch(&(ac_http_request_t){.url = url, .timeout_ms = 30000}, &r);
    if (rc == 0 && r.status == 200) w->ok++;
    ac_http_response_close(&r);
  }
  return 0;
}

typedef struct {
  const char *base;
  long n;
  int c;
} args;

static int main_task(void *arg, void **result) {
  (void)result;
  args *a = arg;
  work w = {a->base, a->n, 0};
  ac_task_t **t = calloc((size_t)a->c, sizeof *t);
  double t0 = bench_now_ns();
  for (int i = 0; i < a->c; i++) BENCH_CHECK(ac_task_create(&t[i], worker, &w));
  BENCH_CHECK(ac_future_gather(t, (size_t)a->c, NULL, NULL, 0));
  double secs = (bench_now_ns() - t0) / 1e9;
  for (int i = 0; i < a->c; i++) ac_future_release(t[i]);
  free(t);
  if (w.ok != a->n) {
    fprintf(stderr, "http_ac: %ld of %ld requests failed\n", a->n - w.ok, a->n);
    return -EIO;
  }
  printf("%.1f\n", (double)a->n / secs);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BASE_URL REQUESTS CONCURRENCY\n", argv[0]);
    return 2;
  }
  args a = {argv[1], atol(argv[2]), atoi(argv[3])};
  return ac_loop_run(main_task, &a, NULL) < 0;
}

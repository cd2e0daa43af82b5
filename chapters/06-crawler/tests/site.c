/* site.c - chapter 06's tests: starting tests/site.py through
 * scripts/processes.py (as runtime/tests/test_http.c starts its peer), and
 * reading what the servers logged. */
#include "site.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The directory of site.py: under GRADE_COURSE_DIR when the grader gives
 * one (a copy the test's user can read), else this file's own (compiled by
 * its absolute path; tests run in a directory of their own). */
static const char *here(void)
{
  static char dir[1024];
  const char *course = getenv("GRADE_COURSE_DIR");
  if (dir[0] == '\0' && course != NULL && course[0] != '\0') {
    snprintf(dir, sizeof dir, "%s/chapters/06-crawler/tests", course);
  } else if (dir[0] == '\0') {
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
      *slash = '\0';
  }
  return dir;
}

void site_start(site_t *s)
{
  char script[1200], processes[1200];
  snprintf(script, sizeof script, "%s/site.py", here());
  snprintf(processes, sizeof processes, "%s/../../../scripts/processes.py", here());
  *s = (site_t){0};
  int in[2], out[2]; /* close-on-exec: no later server may hold this one's stdin */
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  s->pid = fork();
  ck_assert_int_ge(s->pid, 0);
  if (s->pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    execl("/usr/bin/python3", "python3", processes, "server", "--", "/usr/bin/python3", script,
          "serve", (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  s->in = in[1];
  s->out = out[0];
  char line[512] = {0};
  size_t len = 0;
  ssize_t n;
  while (len < sizeof line - 1 && !strchr(line, '\n') &&
         (n = read(s->out, line + len, sizeof line - 1 - len)) > 0)
    len += (size_t)n;
  ck_assert_msg(sscanf(line, "READY %d %d %255s", &s->nginx_port, &s->peer_port, s->dir) == 3,
                "the test site did not start (tests/site.py says why above)");
  snprintf(s->a, sizeof s->a, "127.0.0.1:%d", s->nginx_port);
  snprintf(s->b, sizeof s->b, "127.0.0.2:%d", s->nginx_port);
  snprintf(s->c, sizeof s->c, "127.0.0.1:%d", s->peer_port);
  snprintf(s->d, sizeof s->d, "127.0.0.2:%d", s->peer_port);
  snprintf(s->trap, sizeof s->trap, "127.0.0.3:%d", s->peer_port);
}

/* processes.py exits with 0 only if site.py stopped on SIGTERM and left no
 * process behind (site.py, in turn, only if nginx stopped on SIGQUIT). */
void site_stop(site_t *s)
{
  close(s->in);
  int status = 0;
  pid_t done = 0;
  /* 25 s, more than processes.py's grace; both grow with TIMEOUT_FACTOR. */
  const char *factor_env = getenv("TIMEOUT_FACTOR");
  double factor = factor_env ? atof(factor_env) : 1.0;
  int polls = (int)(500 * (factor > 1.0 ? factor : 1.0));
  for (int i = 0; i < polls && (done = waitpid(s->pid, &status, WNOHANG)) == 0; i++)
    usleep(50 * 1000);
  if (done == 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
  }
  close(s->out);
  ck_assert_msg(done == s->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the test site did not stop cleanly (processes.py and site.py say why above)");
}

const char *site_url(const char *host, const char *path)
{
  static char urls[8][600];
  static int next;
  char *url = urls[next++ % 8];
  snprintf(url, sizeof urls[0], "http://%s%s", host, path);
  return url;
}

static FILE *open_log(const site_t *s, const char *name)
{
  char path[400];
  snprintf(path, sizeof path, "%s/%s", s->dir, name);
  return fopen(path, "r");
}

/* Grow *@array by one element of @size; the new one, zeroed. */
static void *append(void **array, size_t *count, size_t size)
{
  if ((*count & (*count - 1)) == 0 || *count == 0) { /* at powers of two */
    void *more = realloc(*array, (*count ? 2 * *count : 64) * size);
    ck_assert_ptr_nonnull(more);
    *array = more;
  }
  char *item = (char *)*array + (*count)++ * size;
  memset(item, 0, size);
  return item;
}

size_t site_nginx_log(const site_t *s, nginx_hit_t **hits)
{
  FILE *f = open_log(s, "access.log");
  size_t n = 0;
  char line[1024], addr[64];
  *hits = NULL;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    nginx_hit_t h = {0};
    double sec;
    if (sscanf(line, "%lf %ld %63s %31s %d %511s", &sec, &h.connection, addr, h.host, &h.status,
               h.path) != 6)
      continue;
    h.ms = sec * 1000.0;
    *(nginx_hit_t *)append((void **)hits, &n, sizeof h) = h;
  }
  if (f != NULL)
    fclose(f);
  return n;
}

size_t site_peer_log(const site_t *s, peer_event_t **events)
{
  FILE *f = open_log(s, "peer.log");
  size_t n = 0;
  char line[1024];
  *events = NULL;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    peer_event_t e = {0};
    int got = sscanf(line, "%c %lf %31s %511s %d %d", &e.kind, &e.ms, e.host, e.path,
                     &e.in_flight_host, &e.in_flight_all);
    if (e.kind == 'E')
      e.status = e.in_flight_host, e.in_flight_host = 0;
    if (got >= 5)
      *(peer_event_t *)append((void **)events, &n, sizeof e) = e;
  }
  if (f != NULL)
    fclose(f);
  return n;
}

int site_nginx_count(const site_t *s, const char *host, const char *path)
{
  nginx_hit_t *hits;
  size_t n = site_nginx_log(s, &hits);
  int count = 0;
  for (size_t i = 0; i < n; i++)
    count += strcmp(hits[i].host, host) == 0 && (path == NULL || strcmp(hits[i].path, path) == 0);
  free(hits);
  return count;
}

int site_peer_count(const site_t *s, const char *host, const char *path)
{
  peer_event_t *ev;
  size_t n = site_peer_log(s, &ev);
  int count = 0;
  for (size_t i = 0; i < n; i++)
    count += ev[i].kind == 'B' && strcmp(ev[i].host, host) == 0 &&
             (path == NULL || strcmp(ev[i].path, path) == 0);
  free(ev);
  return count;
}

size_t site_manifest(const site_t *s, site_entry_t **entries)
{
  FILE *f = open_log(s, "site.txt");
  ck_assert_msg(f != NULL, "the test site has no site.txt");
  size_t n = 0;
  char line[1024];
  *entries = NULL;
  while (fgets(line, sizeof line, f) != NULL) {
    site_entry_t e = {0};
    if (sscanf(line, "%d %15s %511s", &e.depth, e.kind, e.url) == 3)
      *(site_entry_t *)append((void **)entries, &n, sizeof e) = e;
  }
  fclose(f);
  return n;
}

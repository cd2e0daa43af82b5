/* stalled_peer.c - a deadline on every network wait: a slow server still answers in time, a
 * stalled one is given up on after 300 ms and its connection closed. */
#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DEADLINE_MS 300 /* the most the client waits for an answer */

/* The server: "slow" is answered after 100 ms; "stall" never is (the
 * handler just sits there until the client hangs up). */
static int server_handler(ac_stream_t *stream, void *arg)
{
  char line[64];
  ssize_t n;

  (void)arg;
  while ((n = ac_stream_readline(stream, line, sizeof line)) > 0) {
    if (strcmp(line, "slow\n") == 0) {
      int rc = ac_task_sleep(100);
      if (rc == 0)
        rc = ac_stream_write(stream, "done\n", 5);
      if (rc < 0)
        return rc;
    }
  }
  return n < 0 ? (int)n : 0;
}

/* [ask] */
/* Send QUESTION and wait for the answer, DEADLINE_MS at most. */
static int ask(ac_stream_t *stream, const char *question, char *answer, size_t size)
{
  ac_timeout_t deadline;

  int rc = ac_timeout_open(&deadline, DEADLINE_MS);
  if (rc < 0)
    return rc;
  rc = ac_stream_write(stream, question, strlen(question));
  ssize_t n =
      rc < 0 ? rc : ac_stream_readline(stream, answer, size); /* -ECANCELED at the deadline */
  if (ac_timeout_close(&deadline) == -ETIMEDOUT)
    return -ETIMEDOUT;
  return n > 0 ? 0 : n == 0 ? -EPIPE : (int)n;
}
/* [ask] */

/* [client] */
static int client(int port)
{
  static const char *const questions[] = {"slow\n", "stall\n"};
  char answer[64];

  for (size_t i = 0; i < 2; i++) {
    ac_stream_t *stream;
    int rc = ac_stream_connect(&stream, "127.0.0.1", port);
    if (rc < 0)
      return rc;
    double start = ac_loop_time_precise();
    rc = ask(stream, questions[i], answer, sizeof answer);
    double took = ac_loop_time_precise() - start;
    if (rc == 0)
      printf("%.*s: answered in under %d ms: %s", (int)strlen(questions[i]) - 1, questions[i],
             DEADLINE_MS, answer);
    else
      printf("%.*s: %s after %s %d ms; closing the connection\n", (int)strlen(questions[i]) - 1,
             questions[i], ac_error_message(rc), took >= 0.9 * DEADLINE_MS ? "about" : "less than",
             DEADLINE_MS);
    /* After a timeout the answer may still come later: on this connection it
     * would be read as the answer to the next question. Close it. */
    ac_stream_close(stream);
  }
  return 0;
}
/* [client] */

static int main_task(void *arg, void **result)
{
  ac_server_t *server;

  (void)arg;
  (void)result;
  int rc = ac_server_start(&server, "127.0.0.1", 0, server_handler, NULL);
  if (rc < 0)
    return rc;
  rc = client(ac_server_port(server));
  int close_rc = ac_server_close(server, 1000);
  return rc < 0 ? rc : close_rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "stalled_peer: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

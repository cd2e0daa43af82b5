/* ping_pong.c - reference solution of chapter 01, exercise 2.
 *
 * Each player writes one word, then calls ac_task_sleep(0). With two tasks
 * ready, that hands the loop to the other one for exactly one turn, and
 * the turns alternate. The ping task is created first, so it goes first.
 * When a player has no words left it returns, and the other, finding no
 * one else ready, gets every turn after that.
 */
#include "ping_pong.h"

#include <ac.h>
#include <errno.h>

/* What one player task needs. It lives on ping_pong()'s stack, which is
 * safe because ping_pong() awaits both tasks before it returns. */
typedef struct {
  pp_log_t *log;    /* the shared log */
  const char *word; /* "ping" or "pong" */
  int times;        /* how many words to write */
} player_t;

/* The task function of a player: write, let the other one play, repeat. */
static int player_task(void *arg, void **result)
{
  player_t *player = arg;

  (void)result;
  for (int i = 0; i < player->times; i++) {
    int rc = pp_log_write(player->log, player->word);
    if (rc < 0)
      return rc;
    rc = ac_task_sleep(0); /* give the other player its turn */
    if (rc < 0)
      return rc;
  }
  return 0;
}

int ping_pong(pp_log_t *log, int pings, int pongs)
{
  if (log == NULL || pings < 0 || pongs < 0)
    return -EINVAL;
  if ((size_t)pings + (size_t)pongs > PP_LOG_MAX - log->len)
    return -ENOSPC;

  player_t ping = {log, "ping", pings};
  player_t pong = {log, "pong", pongs};
  ac_task_t *ping_task;
  ac_task_t *pong_task;

  int rc = ac_task_create(&ping_task, player_task, &ping);
  if (rc < 0)
    return rc;
  rc = ac_task_create(&pong_task, player_task, &pong);
  if (rc < 0) {
    /* The ping task is already scheduled and uses `ping` on our stack:
     * wait for it before returning. */
    ac_future_await(ping_task, NULL);
    ac_future_release(ping_task);
    return rc;
  }

  int ping_rc = ac_future_await(ping_task, NULL);
  int pong_rc = ac_future_await(pong_task, NULL);
  ac_future_release(ping_task);
  ac_future_release(pong_task);
  return ping_rc < 0 ? ping_rc : pong_rc;
}

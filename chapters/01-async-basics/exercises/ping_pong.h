/* ping_pong.h - chapter 01, exercise 2: two tasks take turns writing into a
 * shared log, in an exact order.
 *
 * The tests call ping_pong(); you write it in ping_pong.c. Your tasks write
 * with pp_log_write(), which also notes which task wrote each word.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef PING_PONG_H
#define PING_PONG_H

#include <ac.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* [interface] */
/* Most words a log holds. */
#define PP_LOG_MAX 64

/* A log of words, shared by the tasks that write into it. Start it zeroed. */
typedef struct {
  const char *words[PP_LOG_MAX]; /* the words, in the order they were written */
  uintptr_t writers[PP_LOG_MAX]; /* the task that wrote each word (its address) */
  size_t len;                    /* how many words are in the log */
} pp_log_t;

/* Append @word to @log, noting the task that is running now as its writer.
 * Returns 0, or -ENOSPC if the log is full. */
static inline int pp_log_write(pp_log_t *log, const char *word)
{
  if (log->len == PP_LOG_MAX)
    return -ENOSPC;
  log->words[log->len] = word;
  log->writers[log->len] = (uintptr_t)ac_task_current();
  log->len++;
  return 0;
}

/*
 * Start two tasks: one writes "ping" @pings times, the other writes "pong"
 * @pongs times, both with pp_log_write(). They take strict turns, ping
 * first, while both have words left; then the one with words left writes
 * the rest in a row. So ping_pong(log, 3, 1) leaves
 * "ping pong ping ping". Returns once both tasks have finished.
 *
 * Call it from inside a task.
 *
 * Returns:
 *   0          both tasks wrote all their words;
 *   -EINVAL    @log is NULL or a count is negative: nothing is written;
 *   -ENOSPC    the log has no room for @pings + @pongs more words: nothing
 *              is written;
 *   an error of ac_task_create() or of a task, passed through.
 */
int ping_pong(pp_log_t *log, int pings, int pongs);
/* [interface] */

#endif /* PING_PONG_H */

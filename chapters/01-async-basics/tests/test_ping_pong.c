/* test_ping_pong.c - tests of chapter 01, exercise 2: ping_pong() makes two
 * tasks write into a shared log in strict turns.
 *
 * Every test calls ping_pong() from inside ac_loop_run() and keeps a copy of the
 * log as it was when ping_pong() returned: the exact sequence of words, and
 * which task wrote each one. Words written after the return do not count.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "grade_task_create_fails.h"
#include "ping_pong.h"

/* One call of ping_pong() and what it left. */
typedef struct {
  int pings, pongs;   /* the counts passed in */
  size_t earlier;     /* words already in the log before the call */
  int rc;             /* what ping_pong() returned */
  pp_log_t log;       /* the log, as it was when ping_pong() returned */
  uintptr_t caller;   /* the task that called ping_pong() */
  size_t tasks_after; /* unfinished tasks right after the call */
} game_t;

/* The log ping_pong() writes. It is not on a stack, so a task still
 * writing after the game is over cannot overwrite anything else. */
static pp_log_t shared_log;

static int game_main(void *arg, void **result)
{
  game_t *g = arg;

  (void)result;
  memset(&shared_log, 0, sizeof shared_log);
  for (; shared_log.len < g->earlier; shared_log.len++)
    shared_log.words[shared_log.len] = "earlier";
  g->caller = (uintptr_t)ac_task_current();
  g->rc = ping_pong(&shared_log, g->pings, g->pongs);
  g->log = shared_log;
  g->tasks_after = ac_task_all(NULL, 0);
  return 0;
}

/* Play a game on a log that already holds @earlier words. */
static void game_play_after(game_t *g, size_t earlier, int pings, int pongs)
{
  memset(g, 0, sizeof *g);
  g->earlier = earlier;
  g->pings = pings;
  g->pongs = pongs;
  creates = 0;
  grade_run(game_main, g);
}

static void game_play(game_t *g, int pings, int pongs)
{
  game_play_after(g, 0, pings, pongs);
}

/* The log as one string, "ping pong ...", for messages and comparison. */
static void log_text(const pp_log_t *log, char *out, size_t size)
{
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < log->len && used < size; i++)
    used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
                             log->words[i] ? log->words[i] : "(null)");
}

/* Play a game and check that it succeeded and wrote exactly @want. */
static void assert_game_writes(int pings, int pongs, const char *want)
{
  game_t g;
  char got[PP_LOG_MAX * 6];

  game_play(&g, pings, pongs);
  ck_assert_msg(g.rc == 0, "ping_pong(log, %d, %d): expected 0, got %d (%s)", pings, pongs, g.rc,
                ac_error_message(g.rc));
  log_text(&g.log, got, sizeof got);
  ck_assert_msg(strcmp(got, want) == 0,
                "ping_pong(log, %d, %d): expected the log \"%s\", got \"%s\"", pings, pongs, want,
                got);
}

START_TEST(zero_words_writes_nothing)
{
  game_t g;
  game_play(&g, 0, 0);
  ck_assert_msg(g.rc == 0, "ping_pong(log, 0, 0): expected 0, got %d (%s)", g.rc,
                ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 0, "ping_pong(log, 0, 0): expected an empty log, it has %zu words",
                g.log.len);
}
END_TEST

START_TEST(one_each)
{
  assert_game_writes(1, 1, "ping pong");
}
END_TEST

START_TEST(strict_alternation)
{
  assert_game_writes(4, 4, "ping pong ping pong ping pong ping pong");
}
END_TEST

START_TEST(words_come_from_two_tasks)
{
  game_t g;
  game_play(&g, 3, 3);
  ck_assert_msg(g.rc == 0, "expected 0, got %d (%s)", g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 6, "expected 6 words, got %zu", g.log.len);

  uintptr_t pinger = 0, ponger = 0;
  for (size_t i = 0; i < g.log.len; i++) {
    const char *word = g.log.words[i] ? g.log.words[i] : "(null)";
    uintptr_t *writer = strcmp(word, "ping") == 0 ? &pinger : &ponger;
    if (*writer == 0)
      *writer = g.log.writers[i];
    ck_assert_msg(g.log.writers[i] == *writer,
                  "expected every \"%s\" to be written by the same task; "
                  "word %zu came from another one",
                  word, i);
  }
  ck_assert_msg(pinger != 0 && ponger != 0,
                "expected every word to be written from a task, some were not");
  ck_assert_msg(pinger != ponger, "expected the pings and the pongs to come from two different "
                                  "tasks; one task wrote them all");
  ck_assert_msg(pinger != g.caller && ponger != g.caller,
                "expected the words to be written by two new tasks; the task "
                "that called ping_pong() wrote some itself");
}
END_TEST

START_TEST(more_pings_than_pongs)
{
  assert_game_writes(4, 2, "ping pong ping pong ping ping");
}
END_TEST

START_TEST(more_pongs_than_pings)
{
  assert_game_writes(1, 3, "ping pong pong pong");
}
END_TEST

START_TEST(only_pongs)
{
  assert_game_writes(0, 2, "pong pong");
}
END_TEST

START_TEST(bad_counts_are_rejected)
{
  game_t g;
  game_play(&g, -1, 2);
  ck_assert_msg(g.rc == -EINVAL, "ping_pong(log, -1, 2): expected -EINVAL (%d), got %d (%s)",
                -EINVAL, g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 0, "ping_pong(log, -1, 2): expected nothing written, got %zu words",
                g.log.len);
  game_play(&g, 2, -3);
  ck_assert_msg(g.rc == -EINVAL, "ping_pong(log, 2, -3): expected -EINVAL (%d), got %d (%s)",
                -EINVAL, g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 0, "ping_pong(log, 2, -3): expected nothing written, got %zu words",
                g.log.len);

  int rc = ping_pong(NULL, 1, 1);
  ck_assert_msg(rc == -EINVAL, "ping_pong(NULL, 1, 1): expected -EINVAL (%d), got %d (%s)", -EINVAL,
                rc, ac_error_message(rc));
}
END_TEST

START_TEST(full_log_is_rejected)
{
  game_t g;
  game_play(&g, PP_LOG_MAX / 2, PP_LOG_MAX / 2 + 1);
  ck_assert_msg(g.rc == -ENOSPC,
                "ping_pong(log, %d, %d) on a log of %d words: expected -ENOSPC "
                "(%d), got %d (%s)",
                PP_LOG_MAX / 2, PP_LOG_MAX / 2 + 1, PP_LOG_MAX, -ENOSPC, g.rc,
                ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 0, "expected nothing written when the words do not fit, got %zu",
                g.log.len);

  /* The room that counts is what is left after the words already there. */
  size_t earlier = PP_LOG_MAX - 4;
  game_play_after(&g, earlier, 3, 2);
  ck_assert_msg(g.rc == -ENOSPC,
                "ping_pong(log, 3, 2) on a log with room for 4 more words: expected "
                "-ENOSPC (%d), got %d (%s)",
                -ENOSPC, g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == earlier,
                "expected nothing written when the words do not fit in the room left, "
                "the log went from %zu to %zu words",
                earlier, g.log.len);
  game_play_after(&g, earlier, 2, 2);
  ck_assert_msg(g.rc == 0 && g.log.len == PP_LOG_MAX,
                "ping_pong(log, 2, 2) on a log with room for 4 more words: expected 0 and a "
                "full log, got %d (%s) and %zu words",
                g.rc, ac_error_message(g.rc), g.log.len);
}
END_TEST

START_TEST(fills_the_log_exactly)
{
  game_t g;
  game_play(&g, PP_LOG_MAX / 2, PP_LOG_MAX / 2);
  ck_assert_msg(g.rc == 0, "ping_pong(log, %d, %d): expected 0, got %d (%s)", PP_LOG_MAX / 2,
                PP_LOG_MAX / 2, g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == PP_LOG_MAX, "expected %d words, got %zu", PP_LOG_MAX, g.log.len);
  for (size_t i = 0; i < g.log.len; i++) {
    const char *want = i % 2 ? "pong" : "ping";
    const char *got = g.log.words[i] ? g.log.words[i] : "(null)";
    ck_assert_msg(strcmp(got, want) == 0, "expected word %zu to be \"%s\", got \"%s\"", i, want,
                  got);
  }
}
END_TEST

START_TEST(both_tasks_finish_before_return)
{
  game_t g;
  game_play(&g, 2, 5);
  ck_assert_msg(g.rc == 0, "expected 0, got %d (%s)", g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 7,
                "expected all 7 words written when ping_pong() returned, "
                "got %zu",
                g.log.len);
  ck_assert_msg(g.tasks_after == 1,
                "expected only the calling task to be unfinished after "
                "ping_pong() returned, there were %zu",
                g.tasks_after);
}
END_TEST

START_TEST(create_error_is_passed_through)
{
  /* The first create fails: nothing may be written. */
  game_t g;
  fail_create_at = 1;
  game_play(&g, 2, 2);
  ck_assert_msg(g.rc == -ENOMEM,
                "when the first ac_task_create() fails with -ENOMEM (%d), expected it to be "
                "returned, got %d (%s)",
                -ENOMEM, g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.log.len == 0,
                "expected nothing written when no task could be made, got %zu "
                "words",
                g.log.len);

  /* The second fails: the ping task, already started, must be awaited (and
   * given back) before the error is returned. */
  fail_create_at = 2;
  game_play(&g, 2, 2);
  ck_assert_msg(g.rc == -ENOMEM,
                "when the second ac_task_create() fails with -ENOMEM (%d), expected it to be "
                "returned, got %d (%s)",
                -ENOMEM, g.rc, ac_error_message(g.rc));
  ck_assert_msg(g.tasks_after == 1,
                "expected the ping task, started before the failure, to have finished when "
                "ping_pong() returned; %zu tasks were unfinished",
                g.tasks_after);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, zero_words_writes_nothing);
  GRADE_ADD(s, one_each);
  GRADE_ADD(s, strict_alternation);
  GRADE_ADD(s, words_come_from_two_tasks);
  GRADE_ADD(s, more_pings_than_pongs);
  GRADE_ADD(s, more_pongs_than_pings);
  GRADE_ADD(s, only_pongs);
  GRADE_ADD(s, bad_counts_are_rejected);
  GRADE_ADD(s, full_log_is_rejected);
  GRADE_ADD(s, fills_the_log_exactly);
  GRADE_ADD(s, both_tasks_finish_before_return);
  GRADE_ADD(s, create_error_is_passed_through);
}

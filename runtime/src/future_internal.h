/* future_internal.h - futures (future.c): their outcome, the waiters told
 * when they finish, and their references. */
#ifndef AC_FUTURE_INTERNAL_H
#define AC_FUTURE_INTERNAL_H

#include "loop_internal.h"

#define AC__FUTURE_MAGIC 0xF07E5u
#define AC__FREED_MAGIC 0xDEADu

/* Something to tell when a future finishes: a waiting task or a callback. */
typedef struct ac__waiter {
  ac__list link;                                      /* in future->waiters */
  void (*notify)(struct ac__waiter *, ac_future_t *); /* called once, already unlinked */
  void *data;                                         /* notify's context */
} ac__waiter;

struct ac_future_s {
  uint32_t magic;    /* AC__FUTURE_MAGIC while alive: catches use after release */
  uint8_t is_task;   /* 1: this is the head of an ac__task */
  uint8_t state;     /* ac_future_state_t */
  uint8_t user_ref;  /* 1 while the program holds its reference (one at most) */
  uint8_t retrieved; /* its outcome was read (debug mode warns about unread errors) */
  int error;         /* 0, or the negative errno it finished with */
  void *result;      /* the result when done */
  int refs;          /* references: the program's, a running task's, waiters' */
  ac__loop *loop;    /* the loop it belongs to */
  ac__list waiters;  /* ac__waiter entries, told in order when it finishes */
  ac__list link;     /* in loop->futures: all of them, freed at close */
};

int ac__future_check(const ac_future_t *f, const char *fn);
void ac__future_init(ac__loop *loop, ac_future_t *f, int is_task);
void ac__future_finish(ac_future_t *f, int error, void *result);
void ac__future_ref(ac_future_t *f);
void ac__future_unref(ac_future_t *f);
/* Hand the program a reference of its own, given back with ac_future_release. */
void ac__future_give(ac_future_t *f);
/* Its outcome has been read (debug mode warns about errors nobody read). */
void ac__future_mark_read(ac_future_t *f);
void ac__future_free_all(ac__loop *loop);
void ac__waiter_add(ac_future_t *f, ac__waiter *w, void (*notify)(ac__waiter *, ac_future_t *),
                    void *data);
void ac__waiter_remove(ac__waiter *w);

#endif /* AC_FUTURE_INTERNAL_H */

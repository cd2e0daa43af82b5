/* run.c - ac_loop_run(): open a loop, run a main task to its end, close. */
#include <stdio.h>

#include "task_internal.h"

/* Name every task and what it waits on: the picture of a deadlock. */
static void report_deadlock(ac__loop *loop) {
  ac__misuse(-EDEADLK, "ac_loop_run",
             "deadlock: every task is waiting and nothing can wake one; cancelling them");
  for (ac__list *n = loop->tasks.next; ac__misuse_enabled() && n != &loop->tasks; n = n->next) {
    ac__task *t = AC__CONTAINER(n, ac__task, link);
    fprintf(stderr, "ac:   task '%s' waits in %s\n", ac_task_name(&t->fut),
            t->waiting_on ? t->waiting_on : "(nothing)");
  }
}

int ac_loop_run(ac_task_fn main_fn, void *arg, void **result) {
  if (result) *result = NULL;
  if (!main_fn) return ac__misuse(-EINVAL, "ac_loop_run", "the main function is NULL");
  if (ac__cur)
    return ac__misuse(-EBUSY, "ac_loop_run",
                      "this thread already runs a loop (ac_loop_run inside a task?)");
  int rc = ac_loop_open();
  if (rc) return rc;
  ac__loop *loop = ac__cur;
  ac_task_t *main_task;
  if ((rc = ac_task_create_ex(&main_task, main_fn, arg,
                              &(ac_task_opts_t){.name = "main", .flags = AC__TASK_MAIN}))) {
    ac_loop_close();
    return rc;
  }
  int deadlocked = 0;
  loop->running = 1;
  while (main_task->state == AC_FUTURE_PENDING) {
    ac__loop_iterate(loop, 1);
    if (main_task->state != AC_FUTURE_PENDING) break;
    if (loop->stop) { /* ac_loop_stop() inside ac_loop_run: end the program */
      loop->stop = 0;
      ac_future_cancel(main_task);
    } else if (ac__loop_idle(loop)) {
      if (deadlocked) { /* even cancelling did not help */
        ac__task_abandon_all(loop);
        break;
      }
      report_deadlock(loop);
      deadlocked = 1;
      ac__cancel_all(loop);
    }
  }
  loop->running = 0;
  rc = main_task->error;
  if (result) *result = main_task->result;
  ac_future_release(main_task);
  ac_loop_close();
  return deadlocked ? -EDEADLK : rc;
}

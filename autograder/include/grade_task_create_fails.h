/* grade_task_create_fails.h - ac_task_create() as the exercise sees it when its
 * manifest says `wrap = ["ac_task_create"]`: the real one, except that call
 * number fail_create_at (counted from 1; 0 means none) fails with -ENOMEM, so a
 * test can make a batch run out of memory halfway and check what the exercise
 * undoes. A test file includes it once; it defines the wrapper the linker's
 * --wrap sends the exercise's calls to.
 */
#ifndef GRADE_TASK_CREATE_FAILS_H
#define GRADE_TASK_CREATE_FAILS_H

#include <ac.h>
#include <errno.h>

int __real_ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg);
int __wrap_ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg);
static int fail_create_at; /* 0: no call fails */
static int creates;        /* calls so far */

int __wrap_ac_task_create(ac_task_t **task, ac_task_fn fn, void *arg)
{
  if (++creates == fail_create_at)
    return -ENOMEM;
  return __real_ac_task_create(task, fn, arg);
}

#endif

/* race.h - chapter 03, exercise 3: the first of several tasks to finish
 * wins, and the losers are cancelled.
 *
 * The tests call race(); you write it in race.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef RACE_H
#define RACE_H

#include <ac.h>
#include <stddef.h>

/* [interface] */
/* Start one task per function, @fns[i](@args[i]) (@args may be NULL: then
 * every task gets NULL), wait for the first one to finish (in any way),
 * cancel the others and wait until they have finished, and release every
 * task. If several finish in the same turn, the lowest index wins. Call it
 * from inside a task.
 *
 * @winner receives the winner's index and @result its result (either may
 * be NULL). Returns the winner's return code; -ECANCELED if the caller is
 * cancelled (every task is then cancelled and awaited); -EINVAL for
 * @n == 0 or a NULL @fns or entry; an error of ac_task_create() (the tasks
 * already started are cancelled and awaited). Nothing is left running when
 * race() returns. */
int race(ac_task_fn const *fns, void *const *args, size_t n, size_t *winner, void **result);
/* [interface] */

#endif

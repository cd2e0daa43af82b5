/* heartbeat.c - a task that ticks on a fixed schedule and records how late
 * each tick came (see heartbeat.h). */
#include "heartbeat.h"

#include <errno.h>
#include <stdlib.h>

struct heartbeat_s {
  int64_t period_ms;
  ac_task_t *task;
  heartbeat_report_t report;
};

static int beat(void *arg, void **result)
{
  (void)result;
  heartbeat_t *hb = arg;
  double planned = ac_loop_time_precise() + (double)hb->period_ms;
  for (;;) {
    /* Sleep until the planned instant, not for a period after the last
     * tick: a late tick must not move the ones after it. */
    int64_t wait = (int64_t)(planned - ac_loop_time_precise() + 0.999);
    int stopped = ac_task_sleep(wait > 0 ? wait : 0) == -ECANCELED;
    double late = ac_loop_time_precise() - planned;
    if (stopped && late <= 0)
      return 0;
    if (late < 0)
      late = 0;
    if (late > hb->report.max_late_ms) /* a tick overdue when stopped counts too */
      hb->report.max_late_ms = late;
    if (stopped)
      return 0;
    hb->report.ticks++;
    hb->report.sum_late_ms += late;
    planned += (double)hb->period_ms;
    while (planned < ac_loop_time_precise()) /* instants already past are skipped */
      planned += (double)hb->period_ms;
  }
}

int heartbeat_start(heartbeat_t **out, int64_t period_ms)
{
  if (!out || period_ms < 1)
    return -EINVAL;
  heartbeat_t *hb = calloc(1, sizeof *hb);
  if (!hb)
    return -ENOMEM;
  hb->period_ms = period_ms;
  int rc = ac_task_create(&hb->task, beat, hb);
  if (rc) {
    free(hb);
    return rc;
  }
  (void)ac_task_set_name(hb->task, "heartbeat");
  *out = hb;
  return 0;
}

int heartbeat_stop(heartbeat_t *hb, heartbeat_report_t *report)
{
  if (!hb)
    return -EINVAL;
  (void)ac_future_cancel(hb->task);
  (void)ac_future_await(hb->task, NULL);
  (void)ac_future_release(hb->task);
  if (report)
    *report = hb->report;
  free(hb);
  return 0;
}

/* heartbeat.h - a task that ticks on a fixed schedule and records how late
 * each tick came: how the chapter sees a stalled loop.
 *
 * The ticks are planned at start + k * period on the loop's clock, so one
 * late tick does not push the others back; a tick more than a period late
 * skips the instants already past instead of firing them in a burst.
 */
#ifndef HEARTBEAT_H
#define HEARTBEAT_H

#include <ac.h>
#include <stdint.h>

typedef struct heartbeat_s heartbeat_t;

/* What a heartbeat saw, given back by heartbeat_stop(). */
typedef struct heartbeat_report_s {
  int ticks;          /* ticks that came */
  double max_late_ms; /* the latest tick, in ms after its planned instant */
  double sum_late_ms; /* all the ticks' lateness added up */
} heartbeat_report_t;

/* Start ticking every @period_ms (1 or more) in a task of its own.
 * Returns 0, -EINVAL for a NULL pointer or a period below 1, or what
 * ac_task_create() returned. */
int heartbeat_start(heartbeat_t **heartbeat, int64_t period_ms);

/* Stop the heartbeat, wait for its task, fill @report (if not NULL) and
 * free it. Returns 0 or -EINVAL for NULL. */
int heartbeat_stop(heartbeat_t *heartbeat, heartbeat_report_t *report);

#endif /* HEARTBEAT_H */

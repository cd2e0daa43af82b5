/* debug_internal.h - the loop's instrumentation (debug.c): debug mode's
 * warnings, the step timing behind them and the trace file. The loop calls
 * it at every step while `instrumented` is set, so its state is the loop's
 * (one predictable branch per step while off). */
#ifndef AC_DEBUG_INTERNAL_H
#define AC_DEBUG_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "ac.h"

typedef struct ac_loop_s ac__loop;
typedef struct ac__task ac__task;

typedef struct ac__loop_debug {
  int instrumented;        /* debug mode or trace on: steps are measured */
  int on;                  /* debug mode: warnings */
  uint64_t slow_ns;        /* a step longer than this is reported */
  uint64_t step_start_ns;  /* when the current step began (coarse clock) */
  uint64_t step_start_us;  /* the same, precise, for the trace */
  FILE *trace;             /* Chrome trace-event file, or NULL */
  int trace_first;         /* no event written yet (for the commas) */
  uv_signal_t dump_signal; /* ac_debug_dump_tasks_on_signal */
  int dump_signal_started;
} ac__loop_debug;

void ac__debug_open(ac__loop *loop);
void ac__debug_close(ac__loop *loop);
void ac__debug_step_begin(ac__loop *loop);
/* The step of task T (or of callback CB, when T is NULL) has ended. */
void ac__debug_step_end(ac__loop *loop, ac__task *t, ac_callback_fn cb);
/* A task is freed: warn if its error was never read. */
void ac__debug_task_freed(ac__loop *loop, ac__task *t);
/* The loop closes with these tasks pending. */
void ac__debug_pending_at_close(ac__loop *loop);

#endif /* AC_DEBUG_INTERNAL_H */

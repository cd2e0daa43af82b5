/* debug.c - debug mode (slow steps, pending tasks at close, errors never
 * read), the scheduling trace in Chrome's trace-event format, and the task
 * dump with call stacks. */
#include <dlfcn.h>
#include <stdarg.h>
#include <execinfo.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "task_internal.h"

enum {
  DEFAULT_SLOW_MS = 100, /* a step longer than this is slow (AC_SLOW_MS) */
  MAX_FRAMES = 32,       /* of a task's call stack in a dump */
  SYMBOL_MAX = 32        /* room for a function's address, when it has no name */
};

#define NS_PER_US 1000u
#define NS_PER_MS (1000u * NS_PER_US)
#define NS_PER_S (1000u * NS_PER_MS)

static uint64_t coarse_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* a few ns: cheap enough per step */
  return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static const char *symbol(const void *fn, char *buf, size_t size) {
  Dl_info info;
  if (fn && dladdr(fn, &info) && info.dli_sname) return info.dli_sname;
  snprintf(buf, size, "%p", fn);
  return buf;
}

static void update_instrumented(ac__loop *loop) {
  loop->debug.instrumented = loop->debug.on || loop->debug.trace != NULL;
}

void ac__debug_open(ac__loop *loop) {
  const char *debug = getenv("AC_DEBUG");
  loop->debug.on = debug && *debug && strcmp(debug, "0") != 0;
  const char *slow = getenv("AC_SLOW_MS");
  long ms = slow ? strtol(slow, NULL, 10) : 0;
  loop->debug.slow_ns = (uint64_t)(ms > 0 ? ms : DEFAULT_SLOW_MS) * NS_PER_MS;
  const char *trace = getenv("AC_TRACE");
  if (trace && *trace) {
    loop->debug.trace = fopen(trace, "w");
    if (!loop->debug.trace)
      ac__misuse(-errno, "AC_TRACE", "cannot write the trace file '%s'", trace);
    else {
      fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n", loop->debug.trace);
      loop->debug.trace_first = 1;
    }
  }
  update_instrumented(loop);
}

void ac__debug_close(ac__loop *loop) {
  if (loop->debug.trace) {
    fputs("\n]}\n", loop->debug.trace);
    fclose(loop->debug.trace);
    loop->debug.trace = NULL;
  }
  update_instrumented(loop);
}

int ac_debug_set(bool on, int64_t slow_ms) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_debug_set");
  if (rc) return rc;
  if (slow_ms < 0)
    return ac__misuse(-EINVAL, "ac_debug_set", "negative threshold %lld ms", (long long)slow_ms);
  loop->debug.on = on;
  if (slow_ms > 0) loop->debug.slow_ns = (uint64_t)slow_ms * NS_PER_MS;
  update_instrumented(loop);
  ac__debug_step_begin(loop); /* the step under way counts from now */
  return 0;
}

/* ---- steps --------------------------------------------------------------- */

void ac__debug_step_begin(ac__loop *loop) {
  loop->debug.step_start_ns = coarse_ns();
  if (loop->debug.trace) loop->debug.step_start_us = uv_hrtime() / NS_PER_US;
}

static void trace_event(ac__loop *loop, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace_event(ac__loop *loop, const char *fmt, ...) {
  if (!loop->debug.trace_first) fputs(",\n", loop->debug.trace);
  loop->debug.trace_first = 0;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(loop->debug.trace, fmt, ap);
  va_end(ap);
}

/* Names in the trace are JSON strings: keep them plain. */
static void json_safe(const char *in, char *out, size_t size) {
  size_t n = 0;
  for (; *in && n + 1 < size; in++)
    out[n++] = (*in == '"' || *in == '\\' || (unsigned char)*in < ' ') ? '_' : *in;
  out[n] = '\0';
}

static const char *step_label(ac__task *t, ac_callback_fn cb, char *buf, size_t size) {
  return t ? ac_task_name(&t->fut) : symbol((const void *)cb, buf, size);
}

void ac__debug_step_end(ac__loop *loop, ac__task *t, ac_callback_fn cb) {
  char buf[SYMBOL_MAX], name[AC_TASK_NAME_MAX + 1];
  if (loop->debug.trace) {
    const char *label = step_label(t, cb, buf, sizeof buf);
    uint64_t now = uv_hrtime() / NS_PER_US;
    unsigned long long tid = t ? (unsigned long long)t->id : 0;
    json_safe(label, name, sizeof name);
    if (t && !t->traced) {
      t->traced = 1;
      trace_event(loop,
                  "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%llu,\"args\":{"
                  "\"name\":\"%s\"}}",
                  tid, name);
    }
    trace_event(loop,
                "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%llu,\"dur\":%llu,\"pid\":1,"
                "\"tid\":%llu}",
                name, t ? "task" : "callback", (unsigned long long)loop->debug.step_start_us,
                (unsigned long long)(now - loop->debug.step_start_us), tid);
  }
  if (!loop->debug.on) return;
  uint64_t took = coarse_ns() - loop->debug.step_start_ns;
  if (took <= loop->debug.slow_ns) return;
  const char *label = step_label(t, cb, buf, sizeof buf);
  if (t)
    fprintf(stderr,
            "ac: debug: task '%s' ran %llu ms without suspending (a blocking call? "
            "move it to ac_executor_run())\n",
            label, (unsigned long long)(took / NS_PER_MS));
  else
    fprintf(stderr, "ac: debug: callback %s ran %llu ms\n", label,
            (unsigned long long)(took / NS_PER_MS));
}

void ac__debug_task_freed(ac__loop *loop, ac__task *t) {
  if (loop->debug.on && t->fut.state == AC_FUTURE_FAILED && !t->fut.retrieved)
    fprintf(stderr, "ac: debug: task '%s' failed with %d (%s) and nobody read the error\n",
            ac_task_name(&t->fut), t->fut.error, ac_error_message(t->fut.error));
}

void ac__debug_pending_at_close(ac__loop *loop) {
  if (!loop->debug.on) return;
  for (ac__list *n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    ac__task *t = AC__CONTAINER(n, ac__task, link);
    fprintf(stderr,
            "ac: debug: task '%s' was still pending when the loop closed; it is cancelled\n",
            ac_task_name(&t->fut));
  }
}

/* ---- introspection ------------------------------------------------------- */

const char *ac_task_state_name(ac_task_state_t state) {
  static const char *const names[] = {"created", "ready", "running", "suspended", "finished"};
  return (unsigned)state < sizeof names / sizeof *names ? names[state] : "unknown";
}

int ac_task_info(const ac_task_t *task, ac_task_info_t *info) {
  if (!info) return ac__misuse(-EINVAL, "ac_task_info", "the info pointer is NULL");
  int rc = ac__future_check(task, "ac_task_info");
  if (rc) return rc;
  if (!task->is_task) return ac__misuse(-EINVAL, "ac_task_info", "a plain future is not a task");
  const ac__task *t = (const ac__task *)task;
  info->name = ac_task_name(task);
  info->id = (unsigned long long)t->id;
  info->state = (ac_task_state_t)t->tstate;
  info->waiting_on = t->tstate == AC__TASK_SUSPENDED ? t->waiting_on : NULL;
  info->fn = t->fn;
  info->cancelling = t->cancel_requests;
  return 0;
}

/* Return addresses of a suspended task, read from its saved registers and
 * the frame-pointer chain, staying inside its stack. */
static int suspended_frames(const ac__task *t, void **frames, int max) {
#if defined(AC_CONTEXT_UCONTEXT)
  (void)t, (void)frames, (void)max;
  return 0;
#else
  const uintptr_t lo = (uintptr_t)t->stack->bottom, hi = (uintptr_t)t->stack;
  /* A compact task's frames are in its copy while it is away (the run
   * stack's addresses, read from the copy). */
  const uintptr_t *sp =
      t->compact ? ac__compact_find(t, (uintptr_t)t->ctx.sp, AC__CTX_WORDS * sizeof(uintptr_t))
                 : t->ctx.sp;
  if (!sp) return 0;
  uintptr_t fp = sp[AC__CTX_FP], ret = sp[AC__CTX_RET];
  int n = 0;
  while (n < max && ret) {
    frames[n++] = (void *)ret;
    /* A frame record: the caller's frame pointer, then the return address. */
    const uintptr_t *frame = (const uintptr_t *)fp;
    if (fp < lo || fp + 2 * sizeof *frame > hi || fp % sizeof *frame) break;
    if (t->compact && !(frame = ac__compact_find(t, fp, 2 * sizeof *frame))) break;
    ret = frame[1];
    if (frame[0] <= fp) break; /* the chain must go up the stack */
    fp = frame[0];
  }
  return n;
#endif
}

ssize_t ac_debug_dump_tasks(FILE *out) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_debug_dump_tasks");
  if (rc) return rc;
  if (!out) out = stderr;
  ssize_t count = 0;
  fprintf(out, "ac: %zu task(s):\n", loop->ntasks);
  for (ac__list *n = loop->tasks.next; n != &loop->tasks; n = n->next, count++) {
    ac__task *t = AC__CONTAINER(n, ac__task, link);
    char buf[SYMBOL_MAX];
    fprintf(out, "  task '%s' #%llu %s", ac_task_name(&t->fut), (unsigned long long)t->id,
            ac_task_state_name((ac_task_state_t)t->tstate));
    if (t->tstate == AC__TASK_SUSPENDED && t->waiting_on) fprintf(out, " in %s", t->waiting_on);
    fprintf(out, ", runs %s\n", symbol((const void *)t->fn, buf, sizeof buf));
    void *frames[MAX_FRAMES];
    int nframes = 0;
    if (t == loop->current)
      nframes = backtrace(frames, MAX_FRAMES);
    else if (t->stack && t->tstate != AC__TASK_CREATED)
      nframes = suspended_frames(t, frames, MAX_FRAMES);
    if (nframes > 0) {
      fflush(out);
      backtrace_symbols_fd(frames, nframes, fileno(out));
    }
  }
  fflush(out);
  return count;
}

static size_t list_length(const ac__list *head) {
  size_t n = 0;
  for (const ac__list *node = head->next; node != head; node = node->next) n++;
  return n;
}

ssize_t ac_debug_live_objects(void) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_debug_live_objects");
  if (rc) return rc;
  /* The runtime's own per-loop state (slots) is not the program's: not counted. */
  return (ssize_t)(list_length(&loop->futures) + list_length(&loop->kept_handles) +
                   list_length(&loop->resources));
}

static void on_dump_signal(uv_signal_t *handle, int signum) {
  (void)handle, (void)signum;
  ac_debug_dump_tasks(stderr);
}

int ac_debug_dump_tasks_on_signal(int signum) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_debug_dump_tasks_on_signal");
  if (rc) return rc;
  if (!loop->debug.dump_signal_started) {
    if ((rc = uv_signal_init(&loop->uv, &loop->debug.dump_signal)))
      return ac__misuse(rc, "ac_debug_dump_tasks_on_signal", "cannot set up a signal handle");
    loop->debug.dump_signal_started = 1;
  }
  if ((rc = uv_signal_start(&loop->debug.dump_signal, on_dump_signal, signum)))
    return ac__misuse(rc, "ac_debug_dump_tasks_on_signal", "cannot watch signal %d", signum);
  uv_unref((uv_handle_t *)&loop->debug.dump_signal); /* it keeps nothing alive */
  return 0;
}

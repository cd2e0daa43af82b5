/* error.c - error texts and the one-line reports of misuse. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "ac.h"
#include "error_internal.h"

enum { MESSAGE_MAX = 256 }; /* a report's text; longer ones are cut */

static int misuse_messages = -1; /* -1: not decided yet (read AC_QUIET) */

const char *ac_error_message(int err) {
  if (err < 0) err = -err;
  switch (err) {
  case 0: return "success";
  case ECANCELED: return "operation cancelled";
  case ETIMEDOUT: return "timed out";
  case EDEADLK: return "deadlock: the wait could never end";
  case EPERM: return "not allowed here (outside a task, or from another thread)";
  case EALREADY: return "already finished";
  case EAGAIN: return "not ready yet";
  case ESHUTDOWN: return "shut down";
  case EOWNERDEAD: return "its holder finished without releasing it";
  default: break;
  }
  /* libuv's texts for the codes it knows, taken from its own table:
   * uv_strerror() would allocate a string for any other code. */
  switch (-err) {
#define AC__UV_TEXT(name, text) \
  case UV_##name: return text;
    UV_ERRNO_MAP(AC__UV_TEXT)
#undef AC__UV_TEXT
  default: break;
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *text = strerrordesc_np(err); /* static, thread-safe; NULL if unknown */
  if (text) return text;
#endif
  return "unknown error";
}

void ac_error_set_messages(bool on) { misuse_messages = on ? 1 : 0; }

int ac__misuse_enabled(void) {
  if (misuse_messages < 0) {
    const char *quiet = getenv("AC_QUIET");
    misuse_messages = !(quiet && *quiet && strcmp(quiet, "0") != 0);
  }
  return misuse_messages;
}

int ac__misuse(int err, const char *fn, const char *fmt, ...) {
  if (ac__misuse_enabled()) {
    char msg[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ac: %s: %s (%s)\n", fn, msg, ac_error_message(err));
  }
  return err;
}

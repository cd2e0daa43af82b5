/* event.c - ac_event_t: a flag that wakes every waiter when set. */
#include "sync_internal.h"

struct ac_event_s {
  ac__sync s; /* waiters: tasks waiting for the flag */
  int set;    /* the flag */
};

int ac_event_create(ac_event_t **event) {
  return ac__sync_create((void **)event, sizeof **event, "ac_event_create");
}

int ac_event_set(ac_event_t *e) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(e ? &e->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_event_set");
  if (rc) return rc;
  e->set = 1;
  ac__sync_wake_all(&e->s.waiters, 0);
  return 0;
}

int ac_event_clear(ac_event_t *e) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(e ? &e->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_event_clear");
  if (rc) return rc;
  e->set = 0;
  return 0;
}

int ac_event_is_set(const ac_event_t *e) {
  return e ? e->set : ac__misuse(-EINVAL, "ac_event_is_set", "the event is NULL");
}

static int wait_event(ac_event_t *e, int64_t timeout_ms, const char *fn) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(e ? &e->s : NULL, &t, timeout_ms, 1, fn);
  if (rc) return rc;
  if (e->set) return 0;
  ac__sync_waiter w;
  return ac__sync_wait(t, &e->s.waiters, &w, timeout_ms, "event");
}

int ac_event_wait(ac_event_t *e) { return wait_event(e, AC_NO_TIMEOUT, "ac_event_wait"); }

int ac_event_wait_for(ac_event_t *e, int64_t timeout_ms) {
  return wait_event(e, timeout_ms, "ac_event_wait_for");
}

int ac_event_close(ac_event_t *e) {
  ac__task *t = NULL;
  int rc = ac__sync_begin(e ? &e->s : NULL, &t, AC_NO_TIMEOUT, 0, "ac_event_close");
  if (rc) return rc;
  if (!ac__list_empty(&e->s.waiters))
    return ac__misuse(-EBUSY, "ac_event_close", "tasks are waiting for the event");
  ac__sync_free(&e->s);
  return 0;
}

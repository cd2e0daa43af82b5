/* explore.c - schedule exploration: under a seed, the loop runs the tasks
 * ready at the same moment in an order a generator picks, so a bug that
 * depends on that order shows up under some seed, and again under the same
 * one. What the API promises is kept: callbacks stay in their order, a task
 * that yielded runs after everything queued before it, and nothing runs
 * before it is ready. */
#include "testing_hooks.h"

/* splitmix64: small, fast, and every seed (1, 2, 3...) starts well mixed. */
static uint64_t next_random(uint64_t *state) {
  *state += 0x9E3779B97F4A7C15u;
  if (*state == 0) *state += 0x9E3779B97F4A7C15u; /* 0 would mean "off" */
  uint64_t z = *state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

/* A task woken or created may run before anything queued ahead of it. */
static bool movable(const ac__ready *r) { return r->is_task && !r->yielded; }

void ac__explore_pick(ac__loop *loop) {
  ac__ready *head = loop->ready_head;
  if (!head || !head->next) return;
  size_t candidates = 1; /* the head, whatever it is: everything before it has run */
  for (ac__ready *r = head->next; r; r = r->next) candidates += movable(r);
  if (candidates == 1) return;
  size_t k = (size_t)(next_random(&loop->schedule_rng) % candidates);
  if (k == 0) return;
  for (ac__ready *prev = head, *r = head->next; r; prev = r, r = r->next) {
    if (!movable(r) || --k > 0) continue;
    prev->next = r->next;
    if (loop->ready_tail == &r->next) loop->ready_tail = &prev->next;
    r->next = head;
    loop->ready_head = r;
    return;
  }
}

int ac_loop_set_schedule_seed(uint64_t seed) {
  ac__loop *loop = NULL;
  int rc = ac__loop_get(&loop, "ac_loop_set_schedule_seed");
  if (rc) return rc;
  loop->schedule_rng = seed;
  return 0;
}

typedef struct {
  ac_task_fn body;
  void *arg;
  uint64_t seed;
} explore_run;

static int explore_main(void *arg, void **result) {
  explore_run *run = arg;
  ac_loop_set_schedule_seed(run->seed);
  return run->body(run->arg, result);
}

int ac_loop_explore(ac_task_fn body, void *arg, size_t seeds, uint64_t *failing_seed) {
  const char *fn = "ac_loop_explore";
  if (failing_seed) *failing_seed = 0;
  if (!body) return ac__misuse(-EINVAL, fn, "the body is NULL");
  if (seeds == 0) return ac__misuse(-EINVAL, fn, "no seeds to try (seeds is 0)");
  if (ac__cur)
    return ac__misuse(-EBUSY, fn,
                      "this thread already runs a loop: explore from outside ac_loop_run()");
  for (uint64_t seed = 1; seed <= seeds; seed++) {
    explore_run run = {body, arg, seed};
    int rc = ac_loop_run(explore_main, &run, NULL);
    if (rc) {
      if (failing_seed) *failing_seed = seed;
      return rc;
    }
  }
  return 0;
}

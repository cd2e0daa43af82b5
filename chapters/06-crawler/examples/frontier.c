/* frontier.c - when is a concurrent crawl done? A FIFO frontier, a task
 * per page, and a count of the pages not yet dealt with: the task that
 * brings it to 0 shuts the frontier down. The "site" is in memory and a
 * fetch is a sleep, so only the concurrency is left to see. */
#include <ac.h>
#include <stdint.h>
#include <stdio.h>

/* [site] */
/* Page i links to links[i] (-1 ends the list); fetching it takes ms[i]. */
static const int links[6][4] = {{1, 2, 3, -1}, {0, 4, -1}, {4, 5, -1}, {-1}, {1, -1}, {2, 0, -1}};
static const int64_t ms[6] = {10, 300, 50, 200, 50, 100};
/* [site] */

/* [frontier] */
typedef struct {
  ac_queue_t *frontier; /* page numbers found and not yet given a task */
  bool seen[6];         /* queued once, ever */
  int pending;          /* queued or being fetched: 0 means done */
} crawl_t;

static void consider(crawl_t *c, int page)
{
  if (c->seen[page])
    return; /* checked and marked before it is queued: never twice */
  c->seen[page] = true;
  c->pending++;
  ac_queue_try_put(c->frontier, (void *)(intptr_t)page);
}

static crawl_t crawl;

static int visit(void *arg, void **result)
{
  int page = (int)(intptr_t)arg;
  (void)result;
  ac_task_sleep(ms[page]); /* the fetch */
  for (const int *l = links[page]; *l >= 0; l++)
    consider(&crawl, *l); /* the links are queued (and counted) first... */
  printf("page %d done, %d pending\n", page, crawl.pending - 1);
  if (--crawl.pending == 0) /* ...so that this reaches 0 only at the very end */
    ac_queue_shutdown(crawl.frontier, 0);
  return 0;
}
/* [frontier] */

/* [dispatch] */
static int main_task(void *arg, void **result)
{
  ac_task_t *tasks[6];
  int count = 0;
  void *item;
  (void)arg, (void)result;
  ac_queue_create(&crawl.frontier, AC_QUEUE_FIFO, 0, NULL);
  consider(&crawl, 0);
  /* The dispatcher: each page found gets a task of its own, in order. */
  while (ac_queue_get(crawl.frontier, &item) == 0) {
    printf("fetching page %d\n", (int)(intptr_t)item);
    ac_task_create(&tasks[count++], visit, item);
  }
  /* -ESHUTDOWN: nothing pending. Every task has finished its page. */
  for (int i = 0; i < count; i++) {
    ac_future_await(tasks[i], NULL);
    ac_future_release(tasks[i]);
  }
  printf("crawl done: %d pages\n", count);
  ac_queue_close(crawl.frontier);
  return 0;
}
/* [dispatch] */

int main(void)
{
  return ac_loop_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}

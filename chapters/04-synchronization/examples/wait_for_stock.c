/* wait_for_stock.c - a condition lets each buyer wait for its own test ("at least N in stock") on
 * state guarded by one lock. */
#include <ac.h>
#include <stdio.h>

#define BUYERS 3

/* [shop] */
/* The state every buyer tests, and the lock and condition that guard it. */
typedef struct {
  ac_lock_t *lock;
  ac_cond_t *restocked; /* notified each time stock grows */
  int stock;
} shop_t;

typedef struct {
  shop_t *shop;
  int wants; /* how many items this buyer takes at once */
} buyer_t;

static int enough_stock(void *arg)
{
  buyer_t *b = arg;

  return b->shop->stock >= b->wants;
}

/* Waits, lock held, until the stock covers the order, then takes it.
 * ac_cond_wait_until() tests first and again after every notification: a
 * wake-up only says "something changed", never "your turn". */
static int buyer(void *arg, void **result)
{
  buyer_t *b = arg;
  shop_t *shop = b->shop;

  (void)result;
  int rc = ac_lock_acquire(shop->lock);
  if (rc < 0)
    return rc;
  printf("buyer of %d waits\n", b->wants);
  rc = ac_cond_wait_until(shop->restocked, enough_stock, b);
  if (rc == 0) { /* the lock is held again here, whatever rc is */
    shop->stock -= b->wants;
    printf("buyer of %d takes %d, %d left\n", b->wants, b->wants, shop->stock);
  }
  int release_rc = ac_lock_release(shop->lock);
  return rc < 0 ? rc : release_rc;
}
/* [shop] */

/* [restock] */
/* Adds one item per turn of the loop and wakes every buyer to look. */
static int restock(shop_t *shop, int items)
{
  for (int i = 0; i < items; i++) {
    int rc = ac_lock_acquire(shop->lock);
    if (rc < 0)
      return rc;
    shop->stock++;
    printf("restock: %d in stock\n", shop->stock);
    ac_cond_notify_all(shop->restocked);
    ac_lock_release(shop->lock);
    rc = ac_task_sleep(0); /* let the woken buyers look */
    if (rc < 0)
      return rc;
  }
  return 0;
}
/* [restock] */

static int main_task(void *arg, void **result)
{
  shop_t shop = {0};
  buyer_t buyers[BUYERS] = {{&shop, 3}, {&shop, 1}, {&shop, 2}};
  ac_task_t *tasks[BUYERS];
  int n = 0;
  (void)arg;
  (void)result;

  int rc = ac_lock_create(&shop.lock);
  if (rc < 0)
    return rc;
  rc = ac_cond_create(&shop.restocked, shop.lock);
  for (; n < BUYERS && rc == 0; n++)
    rc = ac_task_create(&tasks[n], buyer, &buyers[n]);
  if (rc == 0)
    rc = ac_task_sleep(0); /* every buyer is waiting now */
  if (rc == 0)
    rc = restock(&shop, 6);
  if (rc == 0)
    rc = ac_future_gather(tasks, (size_t)n, NULL, NULL, 0);
  for (int i = 0; i < n; i++)
    ac_future_release(tasks[i]);
  if (shop.restocked)
    ac_cond_close(shop.restocked);
  int close_rc = ac_lock_close(shop.lock);
  return rc < 0 ? rc : close_rc;
}

int main(void)
{
  int rc = ac_loop_run(main_task, NULL, NULL);
  if (rc < 0) {
    fprintf(stderr, "wait_for_stock: %s\n", ac_error_message(rc));
    return 1;
  }
  return 0;
}

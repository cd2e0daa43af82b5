/* redis_pipeline.c - the runtime's Redis client: replies of each kind, an
 * error from the server, and a hundred tasks sharing one connection.
 *
 * It starts its own redis-server (support/redis_local.c) and kills it at
 * the end.
 */
#include <ac.h>
#include <stdio.h>

#include "redis_local.h"

/* [basics] */
static int basics(ac_redis_t *r)
{
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(r, &reply, "SET %s %s", "greeting", "hello, world");
  if (rc < 0) {
    return rc;
  }
  printf("SET: status %s\n", reply->str);
  ac_redis_reply_release(reply);
  if ((rc = ac_redis_command(r, &reply, "GET greeting")) < 0) {
    return rc;
  }
  printf("GET: string \"%s\" (%zu bytes)\n", reply->str, reply->len);
  ac_redis_reply_release(reply);
  /* A list command on a string: the server says no. */
  rc = ac_redis_command(r, &reply, "LPUSH greeting x");
  printf("LPUSH: %s: %s\n", ac_error_message(rc), reply != NULL ? reply->str : "(no reply)");
  ac_redis_reply_release(reply);
  return 0;
}
/* [basics] */

/* [pipeline] */
enum { TASKS = 100, EACH = 100 };

static int add_many(void *arg, void **result)
{
  ac_redis_t *r = arg;
  (void)result;
  for (int i = 0; i < EACH; i++) {
    int rc = ac_redis_command(r, NULL, "INCR counter");
    if (rc < 0) {
      return rc;
    }
  }
  return 0;
}

static int pipeline(ac_redis_t *r)
{
  ac_task_t *tasks[TASKS];
  int made = 0, rc = 0;
  while (made < TASKS && (rc = ac_task_create(&tasks[made], add_many, r)) == 0) {
    made++;
  }
  int gathered = ac_future_gather(tasks, (size_t)made, NULL, NULL, 0); /* the ones made */
  for (int i = 0; i < made; i++) {
    ac_future_release(tasks[i]);
  }
  if (rc == 0) {
    rc = gathered;
  }
  ac_redis_reply_t *reply = NULL;
  if (rc == 0 && (rc = ac_redis_command(r, &reply, "GET counter")) == 0) {
    printf("%d tasks x %d INCRs on one connection: counter = %s\n", TASKS, EACH, reply->str);
  }
  ac_redis_reply_release(reply);
  return rc;
}
/* [pipeline] */

static int demo(ac_redis_t *r)
{
  int rc = basics(r);
  return rc == 0 ? pipeline(r) : rc;
}

int main(void)
{
  return redis_local_main("redis_pipeline", demo);
}

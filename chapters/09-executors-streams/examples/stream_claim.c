/* stream_claim.c - a consumer group on Redis Streams: two consumers share a
 * stream, one dies before acknowledging, the other claims what it left.
 *
 * It starts its own redis-server (support/redis_local.c: a free port of
 * 127.0.0.1, no persistence) as a subprocess, and kills it at the end.
 */
#include <ac.h>
#include <stdio.h>

#include "redis_local.h"

/* [read] */
/* Read up to COUNT new entries as consumer NAME; print their data. */
static int read_as(ac_redis_t *r, const char *name, int count)
{
  ac_redis_reply_t *reply = NULL;
  int rc = ac_redis_command(r, &reply, "XREADGROUP GROUP billing %s COUNT %d STREAMS orders >",
                            name, count);
  if (rc < 0) {
    ac_redis_reply_release(reply);
    return rc;
  }
  /* [[stream, [[id, [field, value, ...]], ...]]] */
  const ac_redis_reply_t *entries = reply->element[0]->element[1];
  printf("%s read", name);
  for (size_t i = 0; i < entries->elements; i++) {
    printf(" %s", entries->element[i]->element[1]->element[1]->str);
  }
  printf("\n");
  ac_redis_reply_release(reply);
  return 0;
}
/* [read] */

/* [ack_all] */
/* Acknowledge every entry pending on consumer NAME. */
static int ack_all(ac_redis_t *r, const char *name)
{
  ac_redis_reply_t *pending = NULL;
  int rc = ac_redis_command(r, &pending, "XPENDING orders billing - + 100 %s", name);
  for (size_t i = 0; rc == 0 && i < pending->elements; i++) {
    rc = ac_redis_command(r, NULL, "XACK orders billing %s", pending->element[i]->element[0]->str);
  }
  ac_redis_reply_release(pending);
  return rc;
}
/* [ack_all] */

static long long pending_count(ac_redis_t *r)
{
  ac_redis_reply_t *reply = NULL;
  long long n = -1;
  if (ac_redis_command(r, &reply, "XPENDING orders billing") == 0) {
    n = reply->element[0]->integer;
  }
  ac_redis_reply_release(reply);
  return n;
}

static int demo(ac_redis_t *r)
{
  int rc = ac_redis_command(r, NULL, "XGROUP CREATE orders billing $ MKSTREAM");
  for (int i = 1; rc == 0 && i <= 6; i++) {
    rc = ac_redis_command(r, NULL, "XADD orders * data order-%d", i);
  }
  if (rc == 0 && (rc = read_as(r, "alice", 2)) == 0 && (rc = read_as(r, "bob", 2)) == 0) {
    rc = ack_all(r, "alice");
  }
  if (rc < 0) {
    return rc;
  }
  /* bob dies here: his two entries stay pending. */
  printf("pending after alice's acks: %lld\n", pending_count(r));
  /* [claim] */
  ac_redis_reply_t *claimed = NULL;
  rc = ac_redis_command(r, &claimed, "XAUTOCLAIM orders billing alice 0 0-0 COUNT 10");
  if (rc == 0) {
    printf("alice claimed %zu entries\n", claimed->element[1]->elements);
    rc = ack_all(r, "alice");
  }
  ac_redis_reply_release(claimed);
  /* [claim] */
  if (rc == 0 && (rc = read_as(r, "alice", 10)) == 0) {
    rc = ack_all(r, "alice");
  }
  printf("pending at the end: %lld\n", pending_count(r));
  return rc;
}

int main(void)
{
  return redis_local_main("stream_claim", demo);
}

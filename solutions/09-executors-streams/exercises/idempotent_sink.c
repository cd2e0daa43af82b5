/* idempotent_sink.c - chapter 09: a sink that applies each entry once,
 * however many times it is delivered (the reference solution).
 *
 * The check and the write are one Lua script, which Redis runs with
 * nothing else in between. The write comes before the mark: Redis does
 * not undo a script's earlier writes when a later command in it fails, so
 * a failed HINCRBY must stop the script before the entry is marked.
 */
#include "idempotent_sink.h"

#include <errno.h>

/* [script] */
static const char apply_once[] =
    "if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end\n"
    "redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])\n"
    "redis.call('SADD', KEYS[2], ARGV[1])\n"
    "return 1\n";
/* [script] */

int sink_apply(ac_redis_t *redis, const sink_keys_t *keys, const char *entry_id,
               const char *account, long long amount)
{
  if (redis == NULL || keys == NULL || keys->balances == NULL || keys->applied == NULL ||
      entry_id == NULL || account == NULL) {
    return -EINVAL;
  }
  ac_redis_reply_t *r = NULL;
  int rc = ac_redis_command(redis, &r, "EVAL %s 2 %s %s %s %s %lld", apply_once, keys->balances,
                            keys->applied, entry_id, account, amount);
  if (rc == 0) {
    rc = r->type == AC_REDIS_REPLY_INTEGER ? (int)r->integer : -EPROTO;
  }
  ac_redis_reply_release(r);
  return rc;
}

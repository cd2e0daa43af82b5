/* idempotent_sink.c - chapter 09: a sink that applies each entry once,
 * however many times it is delivered.
 *
 * What to build: sink_apply() of idempotent_sink.h. An at-least-once
 * consumer delivers some entries twice (after a crash, a claim, a retry);
 * if applying an entry twice changes nothing, the end result is as if
 * each had been applied exactly once. Remember which entries were applied
 * in Redis, next to the balances, and make "was it applied? if not, add
 * the amount and remember it" one atomic step on the server: a Lua script
 * (EVAL) runs with nothing else in between, which two separate commands
 * never do when several tasks share the connection.
 *
 * What the tests check: an entry adds its amount once; applying it again
 * returns 0 and changes nothing; fifty tasks applying one entry at once
 * add it once; two entries with the same account and amount both apply;
 * an entry applied by another process is not applied again; a write that
 * fails leaves the entry to be applied later; with the consumer, a crash
 * mid-batch still ends with every balance exact; NULLs get -EINVAL.
 *
 * Grade it with: make grade CH=09 EX=idempotent_sink
 */
#include "idempotent_sink.h"

#include <errno.h>

int sink_apply(ac_redis_t *redis, const sink_keys_t *keys, const char *entry_id,
               const char *account, long long amount)
{
  /* TODO: check the arguments; run one EVAL whose script returns 0 if
   * ARGV[1] (the id) is in KEYS[2] (applied), else HINCRBY KEYS[1]
   * ARGV[2] ARGV[3], then SADD KEYS[2] ARGV[1], and returns 1; give back
   * the script's integer, or the command's error. */
  (void)redis;
  (void)keys;
  (void)entry_id;
  (void)account;
  (void)amount;
  return -ENOSYS;
}

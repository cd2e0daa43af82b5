/* idempotent_sink.h - chapter 09: a sink that applies each entry once,
 * however many times it is delivered.
 *
 * The tests call this function; you write it in idempotent_sink.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef IDEMPOTENT_SINK_H
#define IDEMPOTENT_SINK_H

#include <ac.h>

/* [interface] */
/* Where the sink keeps its state, in Redis. */
typedef struct {
  const char *balances; /* a hash: account -> balance */
  const char *applied;  /* the ids of the entries applied so far (a set, or
                           whatever you choose: only the sink reads it) */
} sink_keys_t;

/* Apply the entry ENTRY_ID: add AMOUNT to ACCOUNT's balance in
 * keys->balances, unless this entry was applied before (by this process
 * or any other, before or after a restart), in which case nothing
 * changes. Deciding and writing are one atomic step: two calls for the
 * same entry at once, on one connection or two, apply it once; a write
 * that fails leaves the entry not applied, so a later call applies it.
 * From a task.
 *
 * Returns 1 if the entry was applied now, 0 if it had been before;
 * -EINVAL for a NULL argument; the error of the Redis command otherwise
 * (-EREMOTEIO for an error reply of the server, such as balances holding
 * something that is not a hash). */
int sink_apply(ac_redis_t *redis, const sink_keys_t *keys, const char *entry_id,
               const char *account, long long amount);
/* [interface] */

#endif /* IDEMPOTENT_SINK_H */

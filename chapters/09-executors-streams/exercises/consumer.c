/* consumer.c - chapter 09: an at-least-once consumer in a Redis Streams
 * consumer group.
 *
 * What to build: consumer_run() of consumer.h, on the runtime's Redis
 * client (ac_redis_connect(), ac_redis_command()). Make the group if it is
 * missing (XGROUP CREATE ... 0 MKSTREAM; "BUSYGROUP" means it exists).
 * Read again what this consumer read and never acknowledged (XREADGROUP
 * with the id 0, not ">"), then loop until SIGTERM or SIGINT: claim
 * entries another consumer left pending claim_idle_ms (XAUTOCLAIM), read
 * new ones (XREADGROUP ... COUNT batch BLOCK block_ms STREAMS stream >),
 * and process each batch with at most `concurrency` process() calls at
 * once, each in a task of its own. Acknowledge (XACK) an entry only after
 * process() returned 0 for it. On a signal, read nothing more, let the
 * batch finish, acknowledge it, and return 0.
 *
 * What the tests check: thousands of entries all processed and nothing
 * left pending; at most `concurrency` at once, and that many do run at
 * once; a failed entry is processed again; a restart under the same name
 * processes what it had read; a crashed consumer's entries are claimed;
 * SIGTERM mid-batch finishes and acknowledges the batch; a consumer killed
 * with SIGKILL mid-batch and a second one together process every entry;
 * bad options get -EINVAL.
 *
 * Grade it with: make grade CH=09 EX=consumer
 */
#include "consumer.h"

#include <errno.h>

int consumer_run(const consumer_opts_t *opts)
{
  /* TODO: check the options; connect; make the group; watch SIGTERM and
   * SIGINT in a task (ac_signal_create(), ac_signal_wait()); re-read your
   * own pending entries from "0"; then loop: XAUTOCLAIM, XREADGROUP ">",
   * process each batch under a semaphore of `concurrency` permits, XACK
   * after each success; on the signal, finish the batch, close, return 0. */
  (void)opts;
  return -ENOSYS;
}

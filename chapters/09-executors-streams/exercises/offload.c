/* offload.c - chapter 09, exercise 1: SQLite queries and compression on a
 * pool of worker threads, so the loop stays on time.
 *
 * Read offload.h for what each function must do, and support/db.h for the
 * SQLite helpers. The lesson's "Exercises" section walks through a design:
 * a semaphore with one permit per worker for the bound, a stack of idle
 * connections, and a runner task per job that the caller waits for through
 * ac_future_shield(), so that a cancelled caller leaves the runner to finish
 * the job and free it.
 */
#include "offload.h"

#include <ac.h>
#include <errno.h>
#include <zlib.h>

#include "db.h"

int offload_open(offload_t **offload, const char *db_path, size_t workers)
{
  (void)offload, (void)db_path, (void)workers;
  /* TODO: make a pool of `workers` threads and a semaphore of `workers`
   * permits, then open one connection per worker with db_open_readonly(),
   * each in a job on the pool. */
  return -ENOSYS;
}

int offload_query(offload_t *offload, const char *sql, int64_t param, offload_answer_t *answer)
{
  (void)offload, (void)sql, (void)param, (void)answer;
  /* TODO: wait for room, take an idle connection, and run prepare, bind,
   * step and finalize on a worker; copy SQLite's message there too. */
  return -ENOSYS;
}

int offload_compress(offload_t *offload, const void *data, size_t len, unsigned char **out,
                     size_t *out_len)
{
  (void)offload, (void)data, (void)len, (void)out, (void)out_len;
  /* TODO: copy the input, wait for room, and run deflate() over it in
   * chunks of OFFLOAD_CHUNK on a worker, checking a stop flag between them. */
  return -ENOSYS;
}

int offload_close(offload_t *offload)
{
  (void)offload;
  /* TODO: take every permit (every job has ended), close the connections on
   * the pool, then the pool and the semaphore, and free. */
  return -ENOSYS;
}

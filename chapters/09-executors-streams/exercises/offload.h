/* offload.h - chapter 09, exercise 1: SQLite queries and compression run on
 * a pool of worker threads, so the loop stays on time.
 *
 * An offload_t owns a pool of `workers` threads (ac_executor_create) and one
 * read-only SQLite connection per worker (support/db.h), opened and closed
 * on the pool's threads. At most `workers` jobs are in flight at once: a
 * caller waits for room before its job is handed to the pool, so no job ever
 * waits in the pool's queue, and a connection is never used by two threads
 * at once. Every call except offload_close() may be made by many tasks at
 * the same time.
 *
 * Cancelling a caller: while it waits for room, nothing was handed to the
 * pool and nothing will be. Once its job runs, the call returns -ECANCELED
 * at once; the job is told to stop (a query is interrupted, a compression
 * stops at its next chunk), and what it made is freed when it ends, which
 * offload_close() waits for.
 */
#ifndef OFFLOAD_H
#define OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

/* How much input a compression hands to zlib's deflate() at a time; the
 * job checks whether it should stop between two chunks. */
#define OFFLOAD_CHUNK (64 * 1024)

/* The longest message a failed query gives back, with its '\0'. */
#define OFFLOAD_ERROR_SIZE 160

typedef struct offload_s offload_t;

/* What a query gives back. */
typedef struct offload_answer_s {
  int64_t value;                  /* the first column of the first row */
  char error[OFFLOAD_ERROR_SIZE]; /* SQLite's message if the query failed, else "" */
} offload_answer_t;

/* Open the SQLite database @db_path read-only on a pool of @workers (1..64)
 * threads, one connection each, opened on the pool's threads.
 * Returns 0; -EINVAL for a NULL pointer or a count outside 1..64; -ENOENT if
 * the database cannot be opened; or the error of the pool's creation.
 * On failure nothing is left open. */
int offload_open(offload_t **offload, const char *db_path, size_t workers);

/* Run @sql on a worker's connection, with @param bound to its first
 * parameter (?1) if it has one, and give the first column of its first row
 * in @answer->value, as an integer. Waits for room first.
 * Returns 0; -EINVAL for NULL arguments; on SQLite's failure db_errno() of
 * its code (-EINVAL for an error in the SQL, -EROFS for a write...) with
 * SQLite's message in @answer->error; -ENODATA with a message if the query
 * gives no row; -ECANCELED if the caller was cancelled. */
int offload_query(offload_t *offload, const char *sql, int64_t param, offload_answer_t *answer);

/* Compress the @len bytes at @data with zlib's deflate() at its default
 * level, in chunks of OFFLOAD_CHUNK, on a worker thread. Waits for room
 * first. On success *@out is a malloc()ed zlib stream (what uncompress()
 * reads) that the caller frees, and *@out_len its length.
 * Returns 0; -EINVAL for NULL arguments (NULL data with len 0 is fine);
 * -ENOMEM; -EIO if zlib fails; -ECANCELED if the caller was cancelled
 * (then *@out is NULL). The caller may free @data as soon as the call
 * returns, even cancelled. */
int offload_compress(offload_t *offload, const void *data, size_t len, unsigned char **out,
                     size_t *out_len);

/* Wait until every job has ended (those whose callers were cancelled too),
 * close the connections on the pool's threads, close the pool and free
 * @offload. Call it once no other call on @offload is under way.
 * Returns 0; -EINVAL for NULL; -ECANCELED if the caller was cancelled while
 * waiting (then @offload is still open, and may be closed again). */
int offload_close(offload_t *offload);

#endif /* OFFLOAD_H */

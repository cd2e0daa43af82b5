/* ac/redis.h - an awaitable Redis client on the runtime's streams. */
#ifndef AC_REDIS_H
#define AC_REDIS_H

#include <stdint.h>
#include <sys/types.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup redis Redis client
 * Redis commands awaited from tasks (the `redis.asyncio` idea), on one
 * connection that any number of tasks share. Each command is written in
 * the Redis protocol by hiredis's `redisFormatCommand`, and each reply is
 * parsed by hiredis's `redisReader`; the bytes travel on an ::ac_stream_t,
 * so the loop never blocks and the streams' rules hold (a peer that goes
 * away is an error, not a hang).
 *
 * **Pipelining.** Commands that tasks issue in the same turn of the loop
 * leave in one write, and their replies are handed back in order, each to
 * the task that asked: many tasks on one connection is the fast way.
 *
 * **Cancellation and timeouts.** A command cancelled (or timed out) before
 * its bytes left is taken out of the pipeline and never reaches the
 * server. Once they have left, the server will run it and answer; the
 * reply is read and dropped, so the commands after it still get their own.
 *
 * **Errors.** A reply of the server's that is an error (`-ERR ...`,
 * `-WRONGTYPE ...`, `-NOGROUP ...`) makes the command return `-EREMOTEIO`
 * and still gives the reply, whose `str` is the server's message. A lost
 * connection fails every command waiting on it, and every later one, with
 * the stream's code (`-EPIPE`, `-ECONNRESET`).
 *
 * **Lifetime.** A client from ac_redis_connect() is the program's: end it
 * with ac_redis_close(). A reply is the caller's: give it back with
 * ac_redis_reply_release(). Whatever is left is freed when the loop closes.
 * @{
 */

/** A connection to a Redis server, shared by the tasks of one loop. */
typedef struct ac_redis_s ac_redis_t;

/** What a reply is (the Redis protocol's RESP2 types). */
typedef enum {
  AC_REDIS_REPLY_STRING = 1, /**< a bulk string: `str`, `len` */
  AC_REDIS_REPLY_ARRAY,      /**< an array: `elements`, `element` */
  AC_REDIS_REPLY_INTEGER,    /**< an integer: `integer` */
  AC_REDIS_REPLY_NIL,        /**< no value (a missing key, a read that timed out) */
  AC_REDIS_REPLY_STATUS,     /**< a status line such as "OK": `str`, `len` */
  AC_REDIS_REPLY_ERROR       /**< the server's error message: `str`, `len` */
} ac_redis_reply_type_t;

/** One reply, and the replies inside it when it is an array. Read-only. */
typedef struct ac_redis_reply_s {
  ac_redis_reply_type_t type;        /**< which of the fields below hold it */
  long long integer;                 /**< an integer reply's value */
  char *str;                         /**< a string, status or error, NUL-terminated; else NULL */
  size_t len;                        /**< its length (a bulk string may hold NUL bytes) */
  size_t elements;                   /**< an array's number of elements */
  struct ac_redis_reply_s **element; /**< an array's elements */
} ac_redis_reply_t;

/**
 * Connect to the Redis server at @p host : @p port.
 * @param redis receives the client; close it with ac_redis_close().
 * @param host  a host name or an address.
 * @param port  the port, 1..65535.
 * @return 0; the errors of ac_stream_connect() (`-ECONNREFUSED`,
 *         `-EHOSTUNREACH`, `-ECANCELED`); `-EINVAL` for a NULL argument or
 *         a bad port; `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_redis_connect(ac_redis_t **redis, const char *host, int port);

/**
 * Send a command and wait for its reply. The command is written from
 * @p format as hiredis's `redisCommand` does: words separated by spaces,
 * `%s` a C string, `%b` a buffer and its size (two arguments), `%d`,
 * `%lld` and the other integer forms of sizes `h`, `hh`, `l` and `ll`
 * (not `z`: pass a `size_t` as `%lld` with a cast), `%%` a percent sign.
 * Each substitution is one argument, spaces and all.
 * @param redis  the client.
 * @param reply  receives the reply (release it with
 *               ac_redis_reply_release()) when the server answered, NULL
 *               otherwise; NULL to drop the reply.
 * @param format the command.
 * @param ...    what @p format substitutes.
 * @return 0; `-EREMOTEIO` if the reply is the server's error (in
 *         @p reply); `-ECANCELED`; `-EPIPE` or `-ECONNRESET` if the
 *         connection was lost (now or before); `-EPROTO` if the server's
 *         bytes are not the Redis protocol; `-EBADF` if the client is
 *         closing; `-EINVAL` for a NULL client or format, or a format
 *         hiredis refuses; `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_redis_command(ac_redis_t *redis, ac_redis_reply_t **reply, const char *format, ...);

/**
 * ac_redis_command() with a time limit. Past it the command's bytes are
 * taken back if they have not left, and its reply is dropped if they have.
 * @param redis      the client.
 * @param timeout_ms the longest wait, in milliseconds; 0 fails at once.
 * @param reply      as for ac_redis_command().
 * @param format     as for ac_redis_command().
 * @param ...        what @p format substitutes.
 * @return as ac_redis_command(), and `-ETIMEDOUT` past the limit;
 *         `-EINVAL` for a negative @p timeout_ms.
 */
int ac_redis_command_for(ac_redis_t *redis, int64_t timeout_ms, ac_redis_reply_t **reply,
                         const char *format, ...);

/**
 * Send a command given as its arguments, and wait for its reply: the form
 * for binary data and for commands built at run time.
 * @param redis   the client.
 * @param reply   as for ac_redis_command().
 * @param argc    the number of arguments, the command's name included (at least 1).
 * @param argv    the arguments.
 * @param argvlen the length of each argument; NULL if all are C strings.
 * @return as ac_redis_command(); `-EINVAL` for a NULL @p argv or an
 *         @p argc of 0.
 */
int ac_redis_command_argv(ac_redis_t *redis, ac_redis_reply_t **reply, size_t argc,
                          const char *const *argv, const size_t *argvlen);

/**
 * ac_redis_command_argv() with a time limit, as ac_redis_command_for().
 * @param redis      the client.
 * @param timeout_ms the longest wait, in milliseconds; 0 fails at once.
 * @param reply      as for ac_redis_command().
 * @param argc       as for ac_redis_command_argv().
 * @param argv       as for ac_redis_command_argv().
 * @param argvlen    as for ac_redis_command_argv().
 * @return as ac_redis_command_argv(), and `-ETIMEDOUT` past the limit;
 *         `-EINVAL` for a negative @p timeout_ms.
 */
int ac_redis_command_argv_for(ac_redis_t *redis, int64_t timeout_ms, ac_redis_reply_t **reply,
                              size_t argc, const char *const *argv, const size_t *argvlen);

/**
 * Close the connection and free the client, from a task. Commands still
 * waiting fail with `-EBADF`. The pointer is invalid afterwards.
 * @param redis the client.
 * @return 0; `-EINVAL` for NULL; `-EPERM` outside a task.
 */
int ac_redis_close(ac_redis_t *redis);

/**
 * Free a reply and every reply inside it. NULL is accepted and ignored, so
 * whatever a command gave may be released without a check.
 * @param reply the reply, or NULL.
 */
void ac_redis_reply_release(ac_redis_reply_t *reply);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_REDIS_H */

/* ac/stream.h - streams (TCP connections, a subprocess's pipes): open,
 * serve, read, write. */
#ifndef AC_STREAM_H
#define AC_STREAM_H

#include <sys/types.h>

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup stream Streams
 * A stream is one TCP connection, or one pipe to a subprocess (see
 * ac_process_stream()), read and written from tasks with the same calls
 * (`asyncio.open_connection`, `asyncio.start_server`, `StreamReader`,
 * `StreamWriter`). Reads wait until data is there; writes are buffered and
 * ac_stream_drain() waits while too much is still unsent (backpressure).
 * A subprocess's pipe goes one way: its stdin is only written, its stdout
 * and stderr only read (the other calls return `-EBADF`).
 *
 * A peer that resets or vanishes shows as an error on the next read or
 * write, never as a hang. The codes say who ended what: `-EPIPE`, the peer
 * ended the stream (or went away) before the bytes asked for came, or
 * while we were still writing; `-ECONNRESET`, the peer reset it; `-EBADF`,
 * this program closed it. A peer that stalls is handled with a deadline
 * from ac_future_await_for() or ::ac_timeout_t around the call. One task at a time
 * may read a stream (another gets `-EBUSY`); any task may write.
 *
 * **Lifetime.** A stream from ac_stream_connect() is the program's: end it
 * with ac_stream_close(), which frees it. A stream given to a server's
 * handler belongs to the server, which closes and frees it when the handler
 * returns; a subprocess's streams belong to it and are freed by
 * ac_process_close(). Whatever is left is freed when the loop closes.
 * @{
 */

/** One TCP connection, or one pipe to a subprocess. */
typedef struct ac_stream_s ac_stream_t;

/** A listening TCP server; each connection runs its handler in a task. */
typedef struct ac_server_s ac_server_t;

/**
 * What a server runs, in a task of its own, for each connection.
 * @param stream the connection (the server closes it when this returns).
 * @param arg    the pointer given to ac_server_start().
 * @return 0 or a negative errno (a failing handler ends only its connection).
 */
typedef int (*ac_handler_fn)(ac_stream_t *stream, void *arg);

/** Unsent bytes above which ac_stream_drain() waits. */
#define AC_STREAM_HIGH_WATER (64u * 1024u)

/**
 * Connect to @p host : @p port (a name, an IPv4 or an IPv6 address), trying
 * each address the name resolves to in turn.
 * @param stream receives the stream.
 * @param host   a host name or an address.
 * @param port   the port, 1..65535.
 * @return 0; `-ECANCELED`; `-EHOSTUNREACH` if the name does not resolve;
 *         the error of the last connection attempt (such as
 *         `-ECONNREFUSED`); `-EINVAL` for a NULL argument or a port outside
 *         1..65535; `-EPERM` outside a task.
 */
int ac_stream_connect(ac_stream_t **stream, const char *host, int port);

/**
 * Listen on @p host : @p port and run @p handler in a new task for each
 * connection accepted.
 * @param server  receives the server.
 * @param host    the address to listen on, such as "127.0.0.1" or "::1".
 * @param port    the port; 0 picks a free one (see ac_server_port()).
 * @param handler the function each connection runs.
 * @param arg     passed to @p handler.
 * @return 0; `-EADDRINUSE` and other errors of bind and listen; `-EINVAL`;
 *         `-EPERM` outside a task; `-ENOMEM`.
 */
int ac_server_start(ac_server_t **server, const char *host, int port, ac_handler_fn handler,
                    void *arg);

/**
 * The port a server listens on.
 * @param server the server.
 * @return it, or `-EINVAL` for NULL.
 */
int ac_server_port(const ac_server_t *server);

/**
 * Shut a server down and free it: stop accepting, give the running handlers
 * up to @p grace_ms to finish, then cancel those still running and wait for
 * them.
 * @param server  the server.
 * @param grace_ms how long handlers may still run; 0 cancels them at once.
 * @return 0; `-ECANCELED` if the caller was cancelled (the handlers are
 *         cancelled and awaited all the same); `-EINVAL`; `-EPERM`.
 */
int ac_server_close(ac_server_t *server, int64_t grace_ms);

/**
 * Read up to @p size bytes, waiting until at least one is there.
 * @param stream the stream.
 * @param buf    receives the bytes.
 * @param size   the most bytes to read: the size of @p buf.
 * @return the number of bytes read; 0 at the end of the stream; a negative
 *         errno for a failed connection (`-ECONNRESET`...); `-EBADF` once
 *         this program closed it (or it is a subprocess's stdin);
 *         `-ECANCELED`; `-EBUSY` if another task is reading; `-EINVAL`.
 */
ssize_t ac_stream_read(ac_stream_t *stream, void *buf, size_t size);

/**
 * Read one line, up to and including its `'\n'`, into @p buf, and end it
 * with a NUL. At the end of the stream the last line may lack its `'\n'`.
 * @param stream the stream.
 * @param buf  receives the line.
 * @param size the size of @p buf: the longest line is @p size - 1 bytes.
 * @return the line's length; 0 at the end of the stream; `-EMSGSIZE` if the
 *         line is longer (it stays in the stream: read it in pieces with
 *         ac_stream_read()); the errors of ac_stream_read().
 */
ssize_t ac_stream_readline(ac_stream_t *stream, char *buf, size_t size);

/**
 * Read up to and including the separator @p sep.
 * @param stream the stream.
 * @param sep    the separator (not empty).
 * @param buf    receives the bytes (not NUL-terminated).
 * @param size   the size of @p buf: the most that may come before and with
 *               the separator.
 * @return the number of bytes read; `-EMSGSIZE` if the separator does not
 *         come within @p size bytes; `-EPIPE` if the stream ends first (the
 *         bytes stay in the stream); the errors of ac_stream_read().
 */
ssize_t ac_stream_readuntil(ac_stream_t *stream, const char *sep, char *buf, size_t size);

/**
 * Read exactly @p size bytes.
 * @param stream the stream.
 * @param buf  receives the bytes.
 * @param size how many to read.
 * @param got if not NULL, receives how many bytes arrived (all of them, or
 *            fewer when the stream ended first).
 * @return 0; `-EPIPE` if the stream ended before @p size bytes came (the
 *         bytes that did are in @p buf); the errors of ac_stream_read().
 */
int ac_stream_readexactly(ac_stream_t *stream, void *buf, size_t size, size_t *got);

/**
 * Whether the peer has ended the stream and every byte has been read.
 * @param stream the stream.
 * @return 1 or 0; `-EINVAL` for NULL.
 */
int ac_stream_is_eof(const ac_stream_t *stream);

/**
 * Write @p size bytes: what the kernel takes at once is sent now, the rest
 * is copied and sent in the background. Call ac_stream_drain() to wait
 * while too much is pending.
 * @param stream the stream.
 * @param data   the bytes to send (copied if they cannot all be sent at once).
 * @param size   how many.
 * @return 0; the error of an earlier failed write (`-EPIPE` once the peer
 *         has gone); `-EBADF` after ac_stream_close() or ac_stream_write_eof();
 *         `-EINVAL`; `-ENOMEM`.
 */
int ac_stream_write(ac_stream_t *stream, const void *data, size_t size);

/**
 * Wait while more than ::AC_STREAM_HIGH_WATER bytes are unsent.
 * @param stream the stream.
 * @return 0; the error of a failed write (`-EPIPE`, `-ECONNRESET`...);
 *         `-EBADF` once this program closed the stream; `-ECANCELED`;
 *         `-EINVAL`; `-EPERM` outside a task.
 */
int ac_stream_drain(ac_stream_t *stream);

/**
 * End the sending half (asyncio's `write_eof`): what is queued is sent, then
 * the peer reads the end of the stream, while this side can still read.
 * @param stream the stream.
 * @return 0; `-EBADF` if already closed or ended; `-EINVAL` for NULL.
 */
int ac_stream_write_eof(ac_stream_t *stream);

/**
 * Close the stream: nothing more is sent or read (a task waiting to read on
 * it gets `-EBADF`), and it is freed, unless a server or a subprocess owns
 * it (the owner frees it; closing a subprocess's stdin is how it reads the
 * end of its input). Bytes still queued here (a slow peer has not taken
 * them) are dropped, unlike asyncio's `close()`: a close never waits on the
 * peer; call ac_stream_drain() first to send them. From a task, the call
 * waits until libuv has closed the connection; elsewhere (a callback)
 * closing goes on in the background.
 * The pointer is invalid afterwards, except for a stream a server or a
 * subprocess owns, where further calls return `-EBADF`.
 * @param stream the stream.
 * @return 0; `-EINVAL` for NULL.
 */
int ac_stream_close(ac_stream_t *stream);

/**
 * The peer's address, as text, and its port.
 * @param stream the stream.
 * @param host   receives the address (46 bytes hold any).
 * @param size   the size of @p host.
 * @param port   if not NULL, receives the port.
 * @return 0; a negative errno if the stream is not connected; `-ENOTSOCK`
 *         for a subprocess's pipe; `-EINVAL`.
 */
int ac_stream_peer(const ac_stream_t *stream, char *host, size_t size, int *port);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AC_STREAM_H */

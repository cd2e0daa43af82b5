/* stream_internal.h - what stream.c gives the rest of the runtime: pipes
 * for subprocesses, and how a large write is cut into libuv buffers. */
#ifndef AC_STREAM_INTERNAL_H
#define AC_STREAM_INTERNAL_H

#include <stddef.h>
#include <uv.h>

#include "ac.h"

typedef struct ac_loop_s ac__loop;
typedef struct ac__task ac__task;

/* A stream over our end FD of a pipe, which we READABLE ? only read : only
 * write; its owner ends it with ac__stream_dispose (ac_stream_close on it
 * only closes). */
int ac__stream_open_pipe(ac__loop *loop, int fd, int readable, ac_stream_t **out);
/* Close S and free it: waits from task T, or in the background if T is NULL. */
void ac__stream_dispose(ac_stream_t *s, ac__task *t);
/* The most bytes one uv_buf_t carries here (uv_buf_init takes an unsigned). */
#define AC__BUF_MAX ((size_t)1 << 30)
/* Describe SIZE bytes at DATA as pieces of at most AC__BUF_MAX bytes, the
 * first ROOM of them in BUFS; returns how many pieces SIZE needs. */
size_t ac__stream_bufs(char *data, size_t size, uv_buf_t *bufs, size_t room);

#endif /* AC_STREAM_INTERNAL_H */

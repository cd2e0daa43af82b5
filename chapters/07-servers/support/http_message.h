/* http_message.h - chapter 07: HTTP/1.1 requests parsed, responses formatted.
 *
 * Provided, not an exercise: the HTTP server and the API you write call it,
 * and the tests are compiled with it. It wraps Debian's http_parser (the
 * parser Node.js used for years) and jansson, so that your code deals with
 * connections, timeouts and shared state, not with bytes of HTTP. It does no
 * I/O: you read from the connection into the reader's buffer and write the
 * formatted response yourself.
 *
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef HTTP_MESSAGE_H
#define HTTP_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* [request] */
/* The most header lines a request may have (more: -EMSGSIZE, 431). */
#define HTTP_MAX_HEADERS 64

typedef struct {
  const char *name;  /* as sent: compare with strcasecmp() */
  const char *value; /* leading and trailing blanks removed */
} http_header_t;

/* One request, as the reader parsed it. Every pointer stays valid until the
 * next call of http_reader_next() or http_reader_close() on its reader. */
typedef struct {
  const char *method; /* "GET", "POST", "PATCH"... */
  const char *path;   /* the target's path, as sent ("/todos/7") */
  const char *query;  /* what follows '?', without it; "" if none */
  int version_minor;  /* HTTP/1.<version_minor>: 0 or 1 */
  bool keep_alive;    /* the client wants the connection kept open after the
                         response: HTTP/1.1 without "Connection: close", or
                         HTTP/1.0 with "Connection: keep-alive" */
  size_t header_count;
  http_header_t headers[HTTP_MAX_HEADERS];
  const char *body; /* the body (chunked bodies decoded), NUL-terminated */
  size_t body_size;
} http_request_t;
/* [request] */

/* [reader] */
/* Reads requests from the bytes of one connection, one after another
 * (pipelined requests included: the bytes of the next request stay in the
 * reader until you ask for it). */
typedef struct http_reader http_reader_t;

/* Create a reader for one connection. A request whose request line and
 * headers take more than @max_header bytes is refused (-EMSGSIZE), as is a
 * body longer than @max_body (-EFBIG), whether its Content-Length says so
 * or its chunks add up to more.
 * Returns 0; -EINVAL for a NULL @reader or @max_header < 64; -ENOMEM. */
int http_reader_create(http_reader_t **reader, size_t max_header, size_t max_body);

/* The next request, from the bytes received so far.
 * Returns 1 with *@req filled when a whole request has arrived; 0 when more
 * bytes are needed (read some into http_reader_space() and commit them);
 * or, for a request that cannot be served, a negative errno that
 * http_status_for() turns into the status to answer with: -EBADMSG (400, not
 * HTTP), -EMSGSIZE (431, header too large), -EFBIG (413, body too large),
 * -ENOTSUP (501, a transfer coding other than chunked), -EPROTONOSUPPORT
 * (505, not HTTP/1.x). After an error the reader stays failed: answer and
 * close the connection. -EINVAL for NULL arguments. */
int http_reader_next(http_reader_t *reader, http_request_t *req);

/* Where to read the next bytes of the connection: *@buf receives the space
 * and *@size its size (at least 1 byte). Only valid after
 * http_reader_next() returned 0. Returns 0; -EINVAL. */
int http_reader_space(http_reader_t *reader, char **buf, size_t *size);

/* Say that @n bytes were read into the space from http_reader_space().
 * Returns 0; -EINVAL if @n is larger than that space. */
int http_reader_commit(http_reader_t *reader, size_t n);

/* Whether part of a next request has arrived (at least one byte beyond the
 * last request returned): when a connection times out or ends, this says
 * whether a client was in the middle of a request (answer 408 to a
 * timeout) or was idle between requests (just close). */
bool http_reader_is_midway(const http_reader_t *reader);

/* Free the reader (NULL is ignored). */
void http_reader_close(http_reader_t *reader);
/* [reader] */

/* [response] */
/* A response, filled by a handler. Start from {0} (or after
 * http_response_clear()); the functions below fill it. */
typedef struct {
  int status; /* 200, 201, 404...; 0 means "not set" */
  char *body; /* owned by the response (malloc), or NULL */
  size_t body_size;
  const char *content_type; /* a static string; "application/json" when a body is set */
  char *headers;            /* extra "Name: value\r\n" lines (malloc), or NULL */
} http_response_t;

/* A JSON body: @value is written compactly and the response takes the
 * reference it is given (json_decref() is done for you, also on failure).
 * Returns 0; -EINVAL for a NULL argument, a status outside 100..599 or a
 * value JSON cannot hold (a cycle, more than 1024 levels deep, a string that
 * is not UTF-8); -ENOMEM. */
int http_response_json(http_response_t *resp, int status, json_t *value);

/* A JSON error body, {"error": "@message"}, with @status.
 * Returns 0; -EINVAL; -ENOMEM. */
int http_response_error(http_response_t *resp, int status, const char *message);

/* Add the header line "@name: @value" (Location, Allow, Retry-After...).
 * Returns 0; -EINVAL for a NULL argument or a CR or LF in either; -ENOMEM. */
int http_response_header(http_response_t *resp, const char *name, const char *value);

/* The bytes to send: the status line, Date, Content-Type, Content-Length,
 * "Connection: close" unless @keep_alive (and "Connection: keep-alive" to
 * an HTTP/1.0 client that keeps it), the extra headers, then the body
 * (none for a HEAD request or a 1xx, 204 or 304 status). @req is the
 * request answered, or NULL when none could be read (then the response is
 * HTTP/1.1 and @keep_alive should be false). A response whose status is not
 * set (0) goes out as 500. *@out receives the bytes (free() them), *@size
 * their number. Returns 0; -EINVAL; -ENOMEM. */
int http_response_format(const http_response_t *resp, const http_request_t *req, bool keep_alive,
                         char **out, size_t *size);

/* Free what @resp holds and set it back to {0} (NULL is ignored). */
void http_response_clear(http_response_t *resp);
/* [response] */

/* [helpers] */
/* The status that answers a reader's error: 400, 408 (-ETIMEDOUT), 413, 431,
 * 501, 505; 500 for anything else. */
int http_status_for(int err);

/* The reason phrase of @status ("Not Found"), or "Unknown". */
const char *http_status_reason(int status);

/* The value of header @name (case-insensitive), or NULL. */
const char *http_request_header(const http_request_t *req, const char *name);

/* The query parameter @name as a whole number (?limit=20): 1 with
 * *@value set; 0 if the query has no such parameter; -EINVAL if it is not
 * a decimal integer that fits a long (or a NULL argument). */
int http_request_query_long(const http_request_t *req, const char *name, long *value);
/* [helpers] */

#endif

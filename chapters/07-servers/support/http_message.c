/* http_message.c - chapter 07: HTTP/1.1 requests parsed with http_parser,
 * responses formatted, JSON bodies (jansson's values) written compactly. See
 * http_message.h.
 *
 * The reader parses bytes as they come (http_parser keeps its state between
 * calls) and copies what a request is made of into its own storage, so the
 * input buffer only ever holds bytes not parsed yet. At the end of each
 * request the parser is paused: the bytes of a pipelined request behind it
 * stay unparsed until the caller asks for the next one. */
#include "http_message.h"

#include <errno.h>
#include <http_parser.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define READ_SPACE 16384 /* bytes read from the connection at a time */

typedef struct {
  char *data;
  size_t len, cap;
} bytes_t;

/* Room for @n more bytes and a NUL; false if memory ran out. */
static bool bytes_reserve(bytes_t *b, size_t n)
{
  if (b->len + n + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1)
    cap *= 2;
  char *grown = realloc(b->data, cap);
  if (!grown)
    return false;
  b->data = grown;
  b->cap = cap;
  return true;
}

/* Append @n bytes; false (and nothing appended) if memory ran out. */
static bool bytes_append(bytes_t *b, const void *p, size_t n)
{
  if (!bytes_reserve(b, n))
    return false;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

enum piece { PIECE_NONE, PIECE_FIELD, PIECE_VALUE };

struct http_reader {
  http_parser parser;
  size_t max_header, max_body;
  char in[READ_SPACE];
  size_t in_off, in_len; /* the bytes not parsed yet: in[in_off .. in_len) */
  size_t offered;        /* bytes last offered by http_reader_space() */

  /* The request being read. Strings go to @text as offsets (it moves when
   * it grows), each ended by a NUL. */
  bytes_t text;
  size_t url_off;
  size_t names[HTTP_MAX_HEADERS], values[HTTP_MAX_HEADERS];
  size_t header_count;
  enum piece last;
  size_t header_bytes; /* bytes parsed before the headers were complete */
  bool headers_done;
  bytes_t body;

  bool in_message; /* between the first byte of a request and its end */
  bool complete;   /* a whole request is parsed and waits to be returned */
  bool returned;   /* it was returned: start afresh at the next call */
  bool keep_alive;
  int error;          /* sticky: the reader has failed */
  int callback_error; /* what a callback refused, for the error above */
};

static http_reader_t *reader_of(http_parser *p)
{
  return p->data;
}

/* Start a new piece of text (a header name or value), ending the last. */
static int text_piece(http_reader_t *r, size_t *off)
{
  if (!bytes_append(&r->text, "", 1)) {
    r->callback_error = -ENOMEM;
    return -1;
  }
  *off = r->text.len;
  return 0;
}

static int text_more(http_reader_t *r, const char *at, size_t len)
{
  if (!bytes_append(&r->text, at, len)) {
    r->callback_error = -ENOMEM;
    return -1;
  }
  return 0;
}

static int on_message_begin(http_parser *p)
{
  http_reader_t *r = reader_of(p);
  r->in_message = true;
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
  return text_more(reader_of(p), at, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
  http_reader_t *r = reader_of(p);
  if (r->last != PIECE_FIELD) {
    if (r->header_count == HTTP_MAX_HEADERS) {
      r->callback_error = -EMSGSIZE;
      return -1;
    }
    if (text_piece(r, &r->names[r->header_count]) < 0)
      return -1;
    r->values[r->header_count] = SIZE_MAX;
    r->header_count++;
    r->last = PIECE_FIELD;
  }
  return text_more(r, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
  http_reader_t *r = reader_of(p);
  if (r->last != PIECE_VALUE) {
    if (text_piece(r, &r->values[r->header_count - 1]) < 0)
      return -1;
    r->last = PIECE_VALUE;
  }
  return text_more(r, at, len);
}

static int on_headers_complete(http_parser *p)
{
  http_reader_t *r = reader_of(p);
  r->headers_done = true;
  if (p->http_major != 1) {
    r->callback_error = -EPROTONOSUPPORT;
    return -1;
  }
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > r->max_body) {
    r->callback_error = -EFBIG;
    return -1;
  }
  /* A request to switch protocols is answered in HTTP and then closed. */
  r->keep_alive = http_should_keep_alive(p) && !p->upgrade;
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
  http_reader_t *r = reader_of(p);
  if (r->body.len + len > r->max_body) {
    r->callback_error = -EFBIG;
    return -1;
  }
  return bytes_append(&r->body, at, len) ? 0 : (r->callback_error = -ENOMEM, -1);
}

static int on_message_complete(http_parser *p)
{
  http_reader_t *r = reader_of(p);
  r->complete = true;
  r->in_message = false;
  http_parser_pause(p, 1); /* what follows belongs to the next request */
  return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

int http_reader_create(http_reader_t **reader, size_t max_header, size_t max_body)
{
  if (!reader || max_header < 64)
    return -EINVAL;
  http_reader_t *r = calloc(1, sizeof *r);
  if (!r)
    return -ENOMEM;
  http_parser_init(&r->parser, HTTP_REQUEST);
  r->parser.data = r;
  r->max_header = max_header;
  r->max_body = max_body;
  *reader = r;
  return 0;
}

void http_reader_close(http_reader_t *r)
{
  if (!r)
    return;
  free(r->text.data);
  free(r->body.data);
  free(r);
}

/* Forget the request returned last, and let the parser go on. */
static void start_next(http_reader_t *r)
{
  r->text.len = 0;
  r->body.len = 0;
  if (r->body.data)
    r->body.data[0] = '\0';
  r->url_off = 0;
  r->header_count = 0;
  r->last = PIECE_NONE;
  r->header_bytes = 0;
  r->headers_done = false;
  r->complete = false;
  r->returned = false;
  http_parser_pause(&r->parser, 0);
}

static int parser_error(http_reader_t *r)
{
  enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
  if (r->callback_error)
    return r->callback_error;
  switch (e) {
  case HPE_HEADER_OVERFLOW: return -EMSGSIZE;
  case HPE_INVALID_TRANSFER_ENCODING: return -ENOTSUP;
  default: return -EBADMSG;
  }
}

/* Trailing blanks of header values (http_parser drops the leading ones). */
static void trim(char *s)
{
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
}

/* Append a copy of @n bytes of @b itself, from @off (they may move). */
static bool bytes_append_own(bytes_t *b, size_t off, size_t n)
{
  if (!bytes_append(b, "", 1) || !bytes_reserve(b, n)) /* room first: data may move */
    return false;
  memcpy(b->data + b->len, b->data + off, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

/* Fill @req from the request just completed. */
static int fill(http_reader_t *r, http_request_t *req)
{
  bytes_t *t = &r->text;
  const char *url = t->data ? t->data + r->url_off : "";
  size_t url_len = strlen(url);
  struct http_parser_url u;
  http_parser_url_init(&u);
  int connect = r->parser.method == HTTP_CONNECT;
  if (url_len == 0 || http_parser_parse_url(url, url_len, connect, &u) != 0)
    return -EBADMSG;
  /* The path and the query, copied out as strings of their own. */
  bool has_path = u.field_set & (1 << UF_PATH), has_query = u.field_set & (1 << UF_QUERY);
  size_t path_from = r->url_off + (has_path ? u.field_data[UF_PATH].off : 0);
  size_t path_len = has_path ? u.field_data[UF_PATH].len : 0;
  size_t query_from = r->url_off + (has_query ? u.field_data[UF_QUERY].off : 0);
  size_t query_len = has_query ? u.field_data[UF_QUERY].len : 0;
  size_t path_off = t->len + 1;
  if (!(has_path ? bytes_append_own(t, path_from, path_len)
                 : bytes_append(t, "", 1) && bytes_append(t, connect ? "" : "/", connect ? 0 : 1)))
    return -ENOMEM;
  size_t query_off = t->len + 1;
  if (!bytes_append_own(t, query_from, query_len))
    return -ENOMEM;

  *req = (http_request_t){0};
  req->method = http_method_str((enum http_method)r->parser.method);
  req->path = t->data + path_off;
  req->query = t->data + query_off;
  req->version_minor = r->parser.http_minor > 0; /* HTTP/1.2 and later speak as 1.1 */
  req->keep_alive = r->keep_alive;
  req->header_count = r->header_count;
  for (size_t i = 0; i < r->header_count; i++) {
    const char *value = ""; /* a name with an empty value */
    if (r->values[i] != SIZE_MAX) {
      trim(t->data + r->values[i]);
      value = t->data + r->values[i];
    }
    req->headers[i] = (http_header_t){t->data + r->names[i], value};
  }
  req->body = r->body.data ? r->body.data : "";
  req->body_size = r->body.len;
  return 1;
}

int http_reader_next(http_reader_t *r, http_request_t *req)
{
  if (!r || !req)
    return -EINVAL;
  if (r->error)
    return r->error;
  if (r->returned)
    start_next(r);
  while (!r->complete && r->in_off < r->in_len) {
    size_t n = r->in_len - r->in_off;
    /* Headers may take max_header bytes: offer no more until they end. */
    bool had_headers = r->headers_done;
    if (!had_headers && n > r->max_header - r->header_bytes)
      n = r->max_header - r->header_bytes;
    size_t used = http_parser_execute(&r->parser, &settings, r->in + r->in_off, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
    if (e != HPE_OK && e != HPE_PAUSED)
      return r->error = parser_error(r);
    r->in_off += used;
    if (!had_headers)
      r->header_bytes += used;
    if (!r->headers_done && r->header_bytes >= r->max_header)
      return r->error = -EMSGSIZE;
    if (used == 0 && !r->complete) /* an unpaused parser takes every byte, but never spin */
      return r->error = -EBADMSG;
  }
  if (r->in_off == r->in_len)
    r->in_off = r->in_len = 0;
  if (!r->complete)
    return 0;
  int rc = fill(r, req);
  if (rc < 0)
    return r->error = rc;
  r->returned = true;
  return 1;
}

int http_reader_space(http_reader_t *r, char **buf, size_t *size)
{
  if (!r || !buf || !size)
    return -EINVAL;
  if (r->in_off > 0) { /* keep the unparsed bytes at the front */
    memmove(r->in, r->in + r->in_off, r->in_len - r->in_off);
    r->in_len -= r->in_off;
    r->in_off = 0;
  }
  if (r->in_len == sizeof r->in)
    return -ENOBUFS; /* only if http_reader_next() was not called first */
  *buf = r->in + r->in_len;
  *size = r->offered = sizeof r->in - r->in_len;
  return 0;
}

int http_reader_commit(http_reader_t *r, size_t n)
{
  if (!r || n > r->offered)
    return -EINVAL;
  r->in_len += n;
  r->offered -= n;
  return 0;
}

bool http_reader_is_midway(const http_reader_t *r)
{
  return r && (r->in_message || (!r->complete && r->in_off < r->in_len));
}

/* ---- JSON bodies --------------------------------------------------------- */

/* json_dumps() serves every use of jansson (indentation, sorted keys, files)
 * and pays for it: every container it enters goes into a hash table to catch
 * cycles, every number through snprintf(), every piece through a callback; a
 * page of ten to-dos cost more than the rest of its request. A body needs
 * only the compact form, so it is written here, byte for byte what
 * json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) writes (the fuzz target
 * compares them): the same escapes, an object's keys in its order, reals
 * left to jansson. */

#define JSON_MAX_DEPTH 1024 /* deeper, or a cycle: refused (json_dumps refuses cycles) */

enum { JSON_OK = 0, JSON_BAD = -EINVAL, JSON_NOMEM = -ENOMEM };

/* A string of @n bytes, quoted and escaped. Bytes over 0x7f pass as they
 * are once jansson has said they are UTF-8 (a string made with a _nocheck
 * function may not be). */
static int json_text_string(bytes_t *b, const char *s, size_t n)
{
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] > 0x7f) {
      json_t *checked = json_stringn(s, n);
      if (!checked)
        return JSON_BAD;
      json_decref(checked);
      break;
    }
  if (!bytes_append(b, "\"", 1))
    return JSON_NOMEM;
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    char esc[6] = {'\\', (char)c};
    size_t len = 2;
    switch (c) {
    case '"':
    case '\\': break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default: /* another control character */
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      len = 6;
    }
    if (!bytes_append(b, s + from, i - from) || !bytes_append(b, esc, len))
      return JSON_NOMEM;
    from = i + 1;
  }
  return bytes_append(b, s + from, n - from) && bytes_append(b, "\"", 1) ? JSON_OK : JSON_NOMEM;
}

static int json_text_integer(bytes_t *b, json_int_t v)
{
  char digits[24], *p = digits + sizeof digits;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0)
    *--p = '-';
  return bytes_append(b, p, (size_t)(digits + sizeof digits - p)) ? JSON_OK : JSON_NOMEM;
}

/* A real as jansson writes it (its precision and its form of exponents). */
static int json_text_real(bytes_t *b, const json_t *v)
{
  char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!text)
    return JSON_NOMEM;
  bool ok = bytes_append(b, text, strlen(text));
  free(text);
  return ok ? JSON_OK : JSON_NOMEM;
}

static int json_text(bytes_t *b, const json_t *v, int depth)
{
  if (depth > JSON_MAX_DEPTH)
    return JSON_BAD;
  int rc = JSON_OK;
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    if (!bytes_append(b, "{", 1))
      return JSON_NOMEM;
    void *first = json_object_iter((json_t *)v);
    for (void *it = first; it && rc == JSON_OK; it = json_object_iter_next((json_t *)v, it)) {
      if (it != first && !bytes_append(b, ",", 1))
        return JSON_NOMEM;
      rc = json_text_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
      if (rc == JSON_OK)
        rc = bytes_append(b, ":", 1) ? json_text(b, json_object_iter_value(it), depth + 1)
                                     : JSON_NOMEM;
    }
    return rc == JSON_OK && !bytes_append(b, "}", 1) ? JSON_NOMEM : rc;
  }
  case JSON_ARRAY:
    if (!bytes_append(b, "[", 1))
      return JSON_NOMEM;
    for (size_t i = 0; i < json_array_size(v) && rc == JSON_OK; i++)
      rc = i > 0 && !bytes_append(b, ",", 1) ? JSON_NOMEM
                                             : json_text(b, json_array_get(v, i), depth + 1);
    return rc == JSON_OK && !bytes_append(b, "]", 1) ? JSON_NOMEM : rc;
  case JSON_STRING: return json_text_string(b, json_string_value(v), json_string_length(v));
  case JSON_INTEGER: return json_text_integer(b, json_integer_value(v));
  case JSON_REAL: return json_text_real(b, v);
  case JSON_TRUE: return bytes_append(b, "true", 4) ? JSON_OK : JSON_NOMEM;
  case JSON_FALSE: return bytes_append(b, "false", 5) ? JSON_OK : JSON_NOMEM;
  default: /* JSON_NULL */ return bytes_append(b, "null", 4) ? JSON_OK : JSON_NOMEM;
  }
}

/* ---- responses ----------------------------------------------------------- */

int http_response_json(http_response_t *resp, int status, json_t *value)
{
  if (!resp || !value || status < 100 || status > 599) {
    json_decref(value);
    return -EINVAL;
  }
  bytes_t text = {0};
  int rc = json_text(&text, value, 0);
  json_decref(value);
  if (rc < 0) {
    free(text.data);
    return rc;
  }
  free(resp->body);
  resp->status = status;
  resp->body = text.data;
  resp->body_size = text.len;
  resp->content_type = "application/json";
  return 0;
}

int http_response_error(http_response_t *resp, int status, const char *message)
{
  if (!resp || !message)
    return -EINVAL;
  json_t *obj = json_pack("{s:s}", "error", message);
  if (!obj)
    return -ENOMEM;
  return http_response_json(resp, status, obj);
}

int http_response_header(http_response_t *resp, const char *name, const char *value)
{
  if (!resp || !name || !value || !*name || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
    return -EINVAL;
  size_t have = resp->headers ? strlen(resp->headers) : 0;
  size_t add = strlen(name) + 2 + strlen(value) + 2;
  char *grown = realloc(resp->headers, have + add + 1);
  if (!grown)
    return -ENOMEM;
  snprintf(grown + have, add + 1, "%s: %s\r\n", name, value);
  resp->headers = grown;
  return 0;
}

/* The Date header's value, formatted once a second. */
static const char *http_date(void)
{
  static _Thread_local time_t cached = -1;
  static _Thread_local char text[64];
  time_t now = time(NULL);
  if (now != cached) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = now;
  }
  return text;
}

int http_response_format(const http_response_t *resp, const http_request_t *req, bool keep_alive,
                         char **out, size_t *size)
{
  if (!resp || !out || !size)
    return -EINVAL;
  int status = resp->status ? resp->status : 500;
  bool no_body = status < 200 || status == 204 || status == 304;
  bool head = req && strcmp(req->method, "HEAD") == 0;
  size_t body = no_body ? 0 : resp->body_size;
  const char *type = resp->content_type ? resp->content_type : "application/json";
  const char *connection = !keep_alive                        ? "Connection: close\r\n"
                           : (req && req->version_minor == 0) ? "Connection: keep-alive\r\n"
                                                              : "";
  char head_buf[512], length[48] = "";
  if (!no_body)
    snprintf(length, sizeof length, "Content-Length: %zu\r\n", resp->body_size);
  int n = snprintf(head_buf, sizeof head_buf, "HTTP/1.1 %d %s\r\nDate: %s\r\n%s%s%s%s%s", status,
                   http_status_reason(status), http_date(), body ? "Content-Type: " : "",
                   body ? type : "", body ? "\r\n" : "", length, connection);
  if (n < 0 || (size_t)n >= sizeof head_buf)
    return -EINVAL;
  size_t extra = resp->headers ? strlen(resp->headers) : 0;
  size_t total = (size_t)n + extra + 2 + (head ? 0 : body);
  char *bytes = malloc(total);
  if (!bytes)
    return -ENOMEM;
  memcpy(bytes, head_buf, (size_t)n);
  if (extra)
    memcpy(bytes + n, resp->headers, extra);
  memcpy(bytes + n + extra, "\r\n", 2);
  if (!head && body)
    memcpy(bytes + n + extra + 2, resp->body, body);
  *out = bytes;
  *size = total;
  return 0;
}

void http_response_clear(http_response_t *resp)
{
  if (!resp)
    return;
  free(resp->body);
  free(resp->headers);
  *resp = (http_response_t){0};
}

/* ---- helpers --------------------------------------------------------------- */

int http_status_for(int err)
{
  switch (err) {
  case -EBADMSG: return 400;
  case -ETIMEDOUT: return 408;
  case -EFBIG: return 413;
  case -EMSGSIZE: return 431;
  case -ENOTSUP: return 501;
  case -EPROTONOSUPPORT: return 505;
  default: return 500;
  }
}

const char *http_status_reason(int status)
{
  switch (status) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  case 507: return "Insufficient Storage";
  default: return "Unknown";
  }
}

const char *http_request_header(const http_request_t *req, const char *name)
{
  if (!req || !name)
    return NULL;
  for (size_t i = 0; i < req->header_count; i++)
    if (strcasecmp(req->headers[i].name, name) == 0)
      return req->headers[i].value;
  return NULL;
}

int http_request_query_long(const http_request_t *req, const char *name, long *value)
{
  if (!req || !name || !value || !*name)
    return -EINVAL;
  size_t len = strlen(name);
  for (const char *p = req->query; *p;) {
    const char *end = strchr(p, '&');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n > len && strncmp(p, name, len) == 0 && p[len] == '=') {
      const char *digits = p + len + 1;
      size_t dn = n - len - 1;
      char buf[32];
      if (dn == 0 || dn >= sizeof buf)
        return -EINVAL;
      memcpy(buf, digits, dn);
      buf[dn] = '\0';
      char *stop;
      errno = 0;
      long v = strtol(buf, &stop, 10);
      if (*stop || errno == ERANGE || buf[0] == ' ' || buf[0] == '+')
        return -EINVAL;
      *value = v;
      return 1;
    }
    p += n;
    if (*p == '&')
      p++;
  }
  return 0;
}

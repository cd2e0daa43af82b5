/* fuzz_http_message.c - libFuzzer target for the provided HTTP wrapper
 * (support/http_message.c): arbitrary bytes, arriving in arbitrary pieces,
 * under arbitrary limits, must give requests within those limits or a
 * status to answer with; never a crash, a read out of bounds or a leak.
 *
 * The input's first three bytes choose the header limit, the body limit
 * and the sizes of the pieces; the rest is what a client sent.
 * `make fuzz` runs it for long, `make fuzz-smoke` (in make test) briefly. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                            \
  do {                                                         \
    if (!(cond)) {                                             \
      fprintf(stderr, "fuzz_http_message: %s fails\n", #cond); \
      abort();                                                 \
    }                                                          \
  } while (0)

/* The wrapper writes JSON bodies itself: byte for byte what jansson's
 * json_dumps() writes, and refused where jansson refuses (a string that is
 * not UTF-8). Takes @value's reference. */
static void check_json_body(json_t *value)
{
  char *want = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
  http_response_t resp = {0};
  int rc = http_response_json(&resp, 200, value);
  if (want)
    CHECK(rc == 0 && resp.body_size == strlen(want) &&
          memcmp(resp.body, want, resp.body_size) == 0);
  else
    CHECK(rc == -EINVAL || rc == -ENOMEM);
  free(want);
  http_response_clear(&resp);
}

static bool is_utf8(const char *s)
{
  json_t *checked = json_string(s);
  json_decref(checked);
  return checked != NULL;
}

/* A value of every JSON type from what the client sent (its strings as
 * they are, UTF-8 or not). */
static json_t *json_of(const http_request_t *req)
{
  json_t *v = json_object(), *headers = json_array();
  if (!v || !headers) {
    json_decref(v);
    json_decref(headers);
    return NULL;
  }
  for (size_t i = 0; i < req->header_count; i++)
    json_array_append_new(
        headers,
        json_pack("[s?, o, b]", is_utf8(req->headers[i].name) ? req->headers[i].name : NULL,
                  json_string_nocheck(req->headers[i].value), i % 2));
  json_object_set_new(v, "body", json_stringn_nocheck(req->body, req->body_size));
  json_object_set_new(v, "headers", headers);
  json_object_set_new(v, "size", json_integer(-(json_int_t)req->body_size * 1000003));
  json_object_set_new(v, "third", json_real((double)req->body_size / 3));
  json_object_set_new(v, "nothing", json_null());
  json_object_set_new(v, "empty", json_pack("{s:[], s:{}}", "array", "object"));
  if (is_utf8(req->path)) /* a key must be */
    json_object_set_new(v, req->path, json_integer(INT64_MIN));
  return v;
}

static void check_request(const http_request_t *req, size_t max_header, size_t max_body)
{
  CHECK(req->method && req->path && req->query && req->body);
  CHECK(req->body_size <= max_body);
  CHECK(strlen(req->body) <= req->body_size); /* NUL-terminated within it */
  CHECK(req->body[req->body_size] == '\0');
  CHECK(strlen(req->path) + strlen(req->query) < max_header);
  CHECK(req->header_count <= HTTP_MAX_HEADERS);
  CHECK(req->version_minor == 0 || req->version_minor == 1);
  for (size_t i = 0; i < req->header_count; i++)
    CHECK(req->headers[i].name && req->headers[i].value);
  long v;
  (void)http_request_query_long(req, "limit", &v);
  (void)http_request_header(req, "content-type");

  json_t *all = json_of(req);
  if (all)
    check_json_body(all);
  http_response_t resp = {0};
  json_t *echo = json_pack("{s:s, s:s, s:I}", "method", req->method, "path", req->path, "size",
                           (json_int_t)req->body_size);
  if (echo)
    CHECK(http_response_json(&resp, 200, echo) == 0);
  char *out;
  size_t n;
  CHECK(http_response_format(&resp, req, req->keep_alive, &out, &n) == 0);
  CHECK(n > 0 && memcmp(out, "HTTP/1.1 ", 9) == 0);
  free(out);
  http_response_clear(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 3)
    return 0;
  size_t max_header = 64 + (size_t)data[0] * 16; /* 64 .. 4144 */
  size_t max_body = (size_t)data[1] * 8;         /* 0 .. 2040 */
  size_t piece = 1 + data[2] % 64;               /* bytes per read */
  data += 3;
  size -= 3;

  http_reader_t *r;
  CHECK(http_reader_create(&r, max_header, max_body) == 0);
  http_request_t req;
  size_t at = 0;
  for (;;) {
    int rc = http_reader_next(r, &req);
    if (rc == 1) {
      check_request(&req, max_header, max_body);
      continue;
    }
    if (rc < 0) {
      int status = http_status_for(rc);
      CHECK(status == 400 || status == 413 || status == 431 || status == 501 || status == 505 ||
            (rc == -ENOMEM && status == 500));
      CHECK(http_reader_next(r, &req) == rc); /* it stays failed */
      break;
    }
    if (at == size)
      break;
    char *buf;
    size_t room;
    CHECK(http_reader_space(r, &buf, &room) == 0 && room >= 1);
    size_t n = size - at < piece ? size - at : piece;
    if (n > room)
      n = room;
    memcpy(buf, data + at, n);
    CHECK(http_reader_commit(r, n) == 0);
    at += n;
  }
  (void)http_reader_is_midway(r);
  http_reader_close(r);
  return 0;
}

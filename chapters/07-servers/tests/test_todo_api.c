/* test_todo_api.c - tests of chapter 07, exercise 3: a JSON API for
 * to-dos, with an estimate that asks another service.
 *
 * Every test runs as the main task of ac_loop_run(). Requests are real
 * HTTP: each is written out as bytes and read with the provided
 * http_reader_t, then given to todo_api_handle(), in a task of its own when
 * a test needs several at once. The estimate service is a small HTTP server
 * in the test, on 127.0.0.1, which answers according to the title it is
 * sent: at once, late, never, with an error or with nonsense. What a test
 * saw is checked once its loop has ended; the service is stopped first,
 * and every wait is bounded.
 */
#include <check.h>

#include <ac.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "grade_ac.h"
#include "grade_net.h"
#include "http_message.h"
#include "todo_api.h"

#define REPLY_MS 3000

/* ---- the estimate service ------------------------------------------------------ */

/* It answers POST {"title": T} with {"minutes": 10 * strlen(T)}, except:
 * "slow..." after 600 ms, "stall..." never (until the test ends),
 * "broken" with 500, "garbage" with text that is not JSON, "negative"
 * with {"minutes": -5}. */
typedef struct {
  ac_server_t *server;
  int port;
  char url[96];
  int requests;
  int waiting; /* requests it holds now */
  char content_type[64];
  char last_body[256];
} upstream_t;

static upstream_t upstream;

static int upstream_answer(const http_request_t *req, http_response_t *resp)
{
  const char *type = http_request_header(req, "Content-Type");
  snprintf(upstream.content_type, sizeof upstream.content_type, "%s", type ? type : "");
  snprintf(upstream.last_body, sizeof upstream.last_body, "%.*s", (int)req->body_size, req->body);
  json_t *v = json_loadb(req->body, req->body_size, 0, NULL);
  const char *title = json_string_value(json_object_get(v, "title"));
  int rc;
  if (!title || strcmp(req->method, "POST") != 0)
    rc = http_response_error(resp, 400, "POST {\"title\": ...}");
  else if (strcmp(title, "broken") == 0)
    rc = http_response_error(resp, 500, "broken");
  else if (strcmp(title, "garbage") == 0) {
    resp->status = 200;
    resp->body = strdup("this is not JSON");
    resp->body_size = strlen(resp->body);
    resp->content_type = "text/plain";
    rc = 0;
  } else if (strcmp(title, "negative") == 0)
    rc = http_response_json(resp, 200, json_pack("{s:i}", "minutes", -5));
  else {
    rc = 0;
    upstream.waiting++;
    if (strncmp(title, "slow", 4) == 0)
      rc = ac_task_sleep(600);
    else if (strncmp(title, "stall", 5) == 0)
      rc = ac_task_sleep(10000);
    upstream.waiting--;
    if (rc == 0)
      rc = http_response_json(resp, 200,
                              json_pack("{s:I}", "minutes", (json_int_t)(10 * strlen(title))));
  }
  json_decref(v);
  return rc;
}

/* One connection to the service: requests answered one after another. */
static int upstream_serve(ac_stream_t *stream, void *arg)
{
  http_reader_t *reader;

  (void)arg;
  if (http_reader_create(&reader, 8192, 65536) < 0)
    return -ENOMEM;
  for (;;) {
    http_request_t req;
    int rc;
    while ((rc = http_reader_next(reader, &req)) == 0) {
      char *buf;
      size_t size;
      http_reader_space(reader, &buf, &size);
      ssize_t n = ac_stream_read(stream, buf, size);
      if (n <= 0)
        break;
      http_reader_commit(reader, (size_t)n);
    }
    if (rc != 1)
      break;
    upstream.requests++;
    http_response_t resp = {0};
    if (upstream_answer(&req, &resp) < 0) {
      http_response_clear(&resp);
      break;
    }
    char *bytes;
    size_t len;
    rc = http_response_format(&resp, &req, req.keep_alive, &bytes, &len);
    http_response_clear(&resp);
    if (rc < 0)
      break;
    rc = ac_stream_write(stream, bytes, len);
    free(bytes);
    if (rc < 0 || ac_stream_drain(stream) < 0 || !req.keep_alive)
      break;
  }
  http_reader_close(reader);
  return 0;
}

static bool upstream_start(void)
{
  upstream = (upstream_t){0};
  if (ac_server_start(&upstream.server, "127.0.0.1", 0, upstream_serve, NULL) < 0)
    return false;
  upstream.port = ac_server_port(upstream.server);
  snprintf(upstream.url, sizeof upstream.url, "http://127.0.0.1:%d/estimate", upstream.port);
  return true;
}

static void upstream_stop(void)
{
  if (upstream.server)
    ac_server_close(upstream.server, 0);
  upstream.server = NULL;
}

/* ---- calling the API ------------------------------------------------------------- */

typedef struct {
  int rc; /* what todo_api_handle() returned */
  int status;
  json_t *json; /* the body, parsed (NULL if it is not JSON, or empty) */
  size_t body_size;
  char body[256];    /* its beginning, for messages */
  char headers[256]; /* the extra headers */
  const char *type;  /* its content type */
  double ms;         /* how long the call took */
} answer_t;

static void answer_clear(answer_t *a)
{
  json_decref(a->json);
  *a = (answer_t){0};
}

/* METHOD TARGET, with BODY (NULL for none), as a client would send it. */
static answer_t call(todo_api_t *api, const char *method, const char *target, const char *body)
{
  answer_t a = {.rc = -ENOSYS};
  char head[512];
  size_t len = body ? strlen(body) : 0;
  int n = body ? snprintf(head, sizeof head,
                          "%s %s HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          method, target, len)
               : snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: api\r\n\r\n", method, target);
  http_reader_t *reader;
  if (http_reader_create(&reader, 8192, 65536) < 0)
    return a;
  char *buf;
  size_t room;
  http_request_t req;
  http_reader_next(reader, &req);
  http_reader_space(reader, &buf, &room);
  if ((size_t)n + len <= room) {
    memcpy(buf, head, (size_t)n);
    if (body)
      memcpy(buf + n, body, len);
    http_reader_commit(reader, (size_t)n + len);
  }
  if (http_reader_next(reader, &req) == 1) {
    http_response_t resp = {0};
    double start = ac_loop_time_precise();
    a.rc = todo_api_handle(api, &req, &resp);
    a.ms = ac_loop_time_precise() - start;
    a.status = resp.status;
    a.body_size = resp.body_size;
    snprintf(a.body, sizeof a.body, "%.*s", (int)resp.body_size, resp.body ? resp.body : "");
    snprintf(a.headers, sizeof a.headers, "%s", resp.headers ? resp.headers : "");
    a.type = resp.content_type;
    if (resp.body)
      a.json = json_loadb(resp.body, resp.body_size, 0, NULL);
    http_response_clear(&resp);
  }
  http_reader_close(reader);
  return a;
}

/* A JSON error body: {"error": "..."}. */
static bool is_error(const answer_t *a)
{
  return json_is_object(a->json) && json_is_string(json_object_get(a->json, "error")) && a->type &&
         strcmp(a->type, "application/json") == 0;
}

static long field_int(const answer_t *a, const char *name)
{
  json_t *v = json_object_get(a->json, name);
  return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

/* Whether A is the to-do {id, title, done, minutes, version}; minutes -1
 * means null. */
static bool is_todo(const json_t *t, long id, const char *title, bool done, long minutes,
                    long version)
{
  json_t *m = json_object_get(t, "minutes");
  return json_is_object(t) && json_object_size(t) == 5 &&
         json_integer_value(json_object_get(t, "id")) == id &&
         json_is_string(json_object_get(t, "title")) &&
         strcmp(json_string_value(json_object_get(t, "title")), title) == 0 &&
         json_is_boolean(json_object_get(t, "done")) &&
         json_is_true(json_object_get(t, "done")) == done &&
         (minutes < 0 ? json_is_null(m) : json_is_integer(m) && json_integer_value(m) == minutes) &&
         json_integer_value(json_object_get(t, "version")) == version;
}

/* What a test saw, checked once its loop has ended. */
typedef struct {
  bool ok[40];
  answer_t a[24];
  int rc[8];
  double ms[8];
  char text[4][256];
} seen_t;

static seen_t seen;

static void seen_clear(void)
{
  for (size_t i = 0; i < sizeof seen.a / sizeof seen.a[0]; i++)
    answer_clear(&seen.a[i]);
  seen = (seen_t){0};
}

/* What an answer was, for a failure message. */
static const char *shown(const answer_t *a)
{
  static char text[4][600];
  static int next;
  char *t = text[next++ % 4];
  if (a->rc < 0)
    snprintf(t, sizeof text[0], "todo_api_handle() returned %d (%s)", a->rc,
             ac_error_message(a->rc));
  else
    snprintf(t, sizeof text[0], "%d %s%s%s", a->status, a->body_size ? a->body : "(no body)",
             a->headers[0] ? " with " : "", a->headers);
  return t;
}

/* ---- bad arguments ---------------------------------------------------------------- */

static int bad_main(void *arg, void **result)
{
  todo_api_t *api = NULL;
  todo_api_opts_t good = {
      .max_items = 10, .estimate_url = "http://127.0.0.1:1/", .upstream_timeout_ms = 100};
  todo_api_opts_t o[3] = {good, good, good};
  http_request_t req = {.method = "GET", .path = "/todos", .query = "", .body = ""};
  http_response_t resp = {0};

  (void)arg;
  (void)result;
  o[0].max_items = 0;
  o[1].estimate_url = NULL;
  o[2].upstream_timeout_ms = 0;
  seen.rc[0] = todo_api_create(NULL, &good);
  seen.rc[1] = todo_api_create(&api, NULL);
  for (int i = 0; i < 3; i++)
    seen.rc[2 + i] = todo_api_create(&api, &o[i]);
  seen.rc[5] = todo_api_close(NULL);
  if (todo_api_create(&api, &good) == 0) {
    seen.rc[6] = todo_api_handle(NULL, &req, &resp) == -EINVAL &&
                 todo_api_handle(api, NULL, &resp) == -EINVAL &&
                 todo_api_handle(api, &req, NULL) == -EINVAL;
    seen.rc[7] = todo_api_close(api);
  }
  http_response_clear(&resp);
  return 0;
}

START_TEST(bad_arguments_are_rejected)
{
  static const char *const what[] = {"a NULL api pointer",  "NULL options",   "max_items 0",
                                     "a NULL estimate_url", "a timeout of 0", "closing NULL"};
  seen_clear();
  grade_run(bad_main, NULL);
  for (int i = 0; i < 6; i++)
    ck_assert_msg(seen.rc[i] == -EINVAL, "expected -EINVAL for %s, got %d (%s)", what[i],
                  seen.rc[i], ac_error_message(seen.rc[i]));
  ck_assert_msg(seen.rc[6] == 1, "expected todo_api_handle() to return -EINVAL for a NULL api, "
                                 "request or response");
  ck_assert_msg(seen.rc[7] == 0, "expected todo_api_close() of a fresh api to return 0, got %d",
                seen.rc[7]);
}
END_TEST

/* ---- the resource ---------------------------------------------------------------------- */

static int crud_main(void *arg, void **result)
{
  todo_api_t *api;

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 1000}) < 0)
    return 0;
  seen.a[0] = call(api, "POST", "/todos", "{\"title\": \"water the plants\"}");
  seen.a[1] = call(api, "GET", "/todos/1", NULL);
  seen.a[2] = call(api, "POST", "/todos", "{\"title\": \"call mum\", \"done\": true}");
  seen.a[3] = call(api, "GET", "/todos/3", NULL);
  seen.a[4] = call(api, "PATCH", "/todos/1", "{\"done\": true}");
  seen.a[5] = call(api, "PATCH", "/todos/1", "{\"title\": \"water the garden\"}");
  seen.a[6] = call(api, "GET", "/todos/1", NULL);
  seen.a[7] = call(api, "PATCH", "/todos/9", "{\"done\": true}");
  seen.a[8] = call(api, "DELETE", "/todos/2", NULL);
  seen.a[9] = call(api, "GET", "/todos/2", NULL);
  seen.a[10] = call(api, "DELETE", "/todos/2", NULL);
  seen.a[11] = call(api, "POST", "/todos", "{\"title\": \"after a delete\"}");
  seen.a[12] = call(api, "PATCH", "/todos/1", "{}");
  seen.rc[0] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(create_read_update_delete)
{
  seen_clear();
  grade_run(crud_main, NULL);
  answer_t *a = seen.a;
  ck_assert_msg(a[0].status == 201 && is_todo(a[0].json, 1, "water the plants", false, -1, 1),
                "expected POST /todos to answer 201 with {\"id\":1,\"title\":\"water the "
                "plants\",\"done\":false,\"minutes\":null,\"version\":1}, got %s",
                shown(&a[0]));
  ck_assert_msg(strcmp(a[0].headers, "Location: /todos/1\r\n") == 0 && a[0].type &&
                    strcmp(a[0].type, "application/json") == 0,
                "expected the 201 to carry \"Location: /todos/1\" and a JSON body, got headers "
                "\"%s\"",
                a[0].headers);
  ck_assert_msg(a[1].status == 200 && is_todo(a[1].json, 1, "water the plants", false, -1, 1),
                "expected GET /todos/1 to answer 200 with the to-do, got %s", shown(&a[1]));
  ck_assert_msg(a[2].status == 201 && is_todo(a[2].json, 2, "call mum", true, -1, 1),
                "expected a second POST (done: true) to answer 201 with id 2, got %s",
                shown(&a[2]));
  ck_assert_msg(a[3].status == 404 && is_error(&a[3]),
                "expected GET /todos/3 to answer 404 with a JSON error, got %s", shown(&a[3]));
  ck_assert_msg(
      a[4].status == 200 && is_todo(a[4].json, 1, "water the plants", true, -1, 2),
      "expected PATCH {\"done\": true} to answer 200 with done true and version 2, got %s",
      shown(&a[4]));
  ck_assert_msg(a[5].status == 200 && is_todo(a[5].json, 1, "water the garden", true, -1, 3),
                "expected PATCH of the title to keep done and make version 3, got %s",
                shown(&a[5]));
  ck_assert_msg(a[6].status == 200 && is_todo(a[6].json, 1, "water the garden", true, -1, 3),
                "expected GET to show the changes, got %s", shown(&a[6]));
  ck_assert_msg(a[7].status == 404 && is_error(&a[7]),
                "expected PATCH /todos/9 to answer 404, got %s", shown(&a[7]));
  ck_assert_msg(a[8].status == 204 && a[8].body_size == 0,
                "expected DELETE /todos/2 to answer 204 with no body, got %s", shown(&a[8]));
  ck_assert_msg(a[9].status == 404 && a[10].status == 404,
                "expected GET and DELETE of a deleted to-do to answer 404, got %s and %s",
                shown(&a[9]), shown(&a[10]));
  ck_assert_msg(a[11].status == 201 && field_int(&a[11], "id") == 3,
                "expected the next to-do to get id 3 (ids are never reused), got %s",
                shown(&a[11]));
  ck_assert_msg(a[12].status == 200 && is_todo(a[12].json, 1, "water the garden", true, -1, 4),
                "expected an empty PATCH {} to change nothing but the version, got %s",
                shown(&a[12]));
  ck_assert_msg(seen.rc[0] == 0, "expected todo_api_close() to return 0, got %d", seen.rc[0]);
}
END_TEST

static char long_title[300];

static int bodies_main(void *arg, void **result)
{
  todo_api_t *api;
  char body[400];

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 1000}) < 0)
    return 0;
  memset(long_title, 't', TODO_TITLE_MAX + 1);
  long_title[TODO_TITLE_MAX + 1] = '\0';
  static const char *const bodies[] = {
      "{\"title\": \"unclosed", /* 400 */
      "",                       /* 400 */
      "[\"a list\"]",           /* 422 from here on */
      "{\"done\": true}",
      "{\"title\": 42}",
      "{\"title\": \"\"}",
      NULL, /* the long title */
      "{\"title\": \"ok\", \"done\": \"yes\"}",
      "{\"title\": \"a\", \"title\": \"b\"}", /* 400: the key twice */
  };
  static const int want[] = {400, 400, 422, 422, 422, 422, 422, 422, 400};
  for (int i = 0; i < 9; i++) {
    if (!bodies[i])
      snprintf(body, sizeof body, "{\"title\": \"%s\"}", long_title);
    seen.a[i] = call(api, "POST", "/todos", bodies[i] ? bodies[i] : body);
    seen.ok[i] = seen.a[i].status == want[i] && is_error(&seen.a[i]);
  }
  /* A title of exactly TODO_TITLE_MAX bytes is fine, and so is PATCH's
   * check of the same fields. */
  long_title[TODO_TITLE_MAX] = '\0';
  snprintf(body, sizeof body, "{\"title\": \"%s\"}", long_title);
  seen.a[10] = call(api, "POST", "/todos", body);
  seen.a[11] = call(api, "PATCH", "/todos/1", "{\"done\": 1}");
  seen.a[12] = call(api, "PATCH", "/todos/1", "not json");
  seen.a[13] = call(api, "GET", "/todos/1", NULL);
  seen.rc[0] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(bad_bodies_get_400_or_422)
{
  static const char *const what[] = {
      "JSON cut short",           "an empty body",  "a JSON list",          "no title",
      "a title that is a number", "an empty title", "a title of 201 bytes", "done as a string",
      "a key given twice"};
  static const int want[] = {400, 400, 422, 422, 422, 422, 422, 422, 400};
  seen_clear();
  grade_run(bodies_main, NULL);
  for (int i = 0; i < 9; i++)
    ck_assert_msg(seen.ok[i], "expected POST /todos with %s to answer %d with a JSON error, got %s",
                  what[i], want[i], shown(&seen.a[i]));
  ck_assert_msg(seen.a[10].status == 201,
                "expected a title of exactly %d bytes to be accepted, got %s", TODO_TITLE_MAX,
                shown(&seen.a[10]));
  ck_assert_msg(seen.a[11].status == 422 && is_error(&seen.a[11]),
                "expected PATCH {\"done\": 1} to answer 422, got %s", shown(&seen.a[11]));
  ck_assert_msg(seen.a[12].status == 400 && is_error(&seen.a[12]),
                "expected PATCH with a body that is not JSON to answer 400, got %s",
                shown(&seen.a[12]));
  ck_assert_msg(seen.a[13].status == 200 && field_int(&seen.a[13], "version") == 1,
                "expected the refused PATCHes to change nothing (version 1), got %s",
                shown(&seen.a[13]));
  ck_assert_msg(seen.rc[0] == 0, "expected todo_api_close() to return 0, got %d", seen.rc[0]);
}
END_TEST

#define LISTED 45

static int list_main(void *arg, void **result)
{
  todo_api_t *api;
  char body[64], target[64];

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){100, upstream.url, 1000}) < 0)
    return 0;
  for (int i = 1; i <= LISTED; i++) {
    snprintf(body, sizeof body, "{\"title\": \"item %d\"}", i);
    answer_t a = call(api, "POST", "/todos", body);
    answer_clear(&a);
  }
  for (int i = 7; i <= LISTED; i += 7) { /* a few gaps */
    snprintf(target, sizeof target, "/todos/%d", i);
    answer_t a = call(api, "DELETE", target, NULL);
    answer_clear(&a);
  }
  /* Pages of 10, following "next". */
  long after = 0, expect = 1;
  int pages = 0;
  bool right = true;
  for (; pages < 10; pages++) {
    snprintf(target, sizeof target, "/todos?limit=10&after=%ld", after);
    answer_t a = call(api, "GET", target, NULL);
    json_t *items = json_object_get(a.json, "items"), *next = json_object_get(a.json, "next");
    if (a.status != 200 || !json_is_array(items) || !next) {
      snprintf(seen.text[0], sizeof seen.text[0], "GET %s answered %s", target, shown(&a));
      right = false;
      answer_clear(&a);
      break;
    }
    for (size_t i = 0; i < json_array_size(items); i++) {
      while (expect % 7 == 0)
        expect++;
      long id = (long)json_integer_value(json_object_get(json_array_get(items, i), "id"));
      if (id != expect && right) {
        snprintf(seen.text[0], sizeof seen.text[0],
                 "after=%ld, item %zu of the page: id %ld, not %ld", after, i, id, expect);
        right = false;
      }
      expect++;
    }
    if (json_array_size(items) > 10 && right) {
      snprintf(seen.text[0], sizeof seen.text[0], "a page of %zu items for limit=10",
               json_array_size(items));
      right = false;
    }
    bool last = json_is_null(next);
    if (!last)
      after = (long)json_integer_value(next);
    answer_clear(&a);
    if (last)
      break;
  }
  seen.ok[0] = right;
  seen.rc[0] = pages + 1;
  seen.rc[1] = (int)expect;
  seen.a[0] = call(api, "GET", "/todos", NULL); /* 20 by default */
  seen.a[1] = call(api, "GET", "/todos?after=1000", NULL);
  seen.a[2] = call(api, "GET", "/todos?limit=0", NULL);
  seen.a[3] = call(api, "GET", "/todos?limit=101", NULL);
  seen.a[4] = call(api, "GET", "/todos?limit=ten", NULL);
  seen.a[5] = call(api, "GET", "/todos?after=-3", NULL);
  seen.a[6] = call(api, "GET", "/todos?limit=100", NULL);
  seen.rc[2] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(list_pages_through_everything)
{
  seen_clear();
  grade_run(list_main, NULL);
  answer_t *a = seen.a;
  ck_assert_msg(seen.ok[0],
                "expected pages of 10 following \"next\" to hold every to-do once, in "
                "id order: %s",
                seen.text[0]);
  ck_assert_msg(seen.rc[1] == LISTED + 1 && seen.rc[0] == 4,
                "expected the %d to-dos left (of %d, every 7th deleted) in 4 pages, the last with "
                "\"next\": null; it took %d pages and ended before id %d",
                LISTED - LISTED / 7, LISTED, seen.rc[0], seen.rc[1]);
  json_t *items = json_object_get(a[0].json, "items");
  ck_assert_msg(a[0].status == 200 && json_array_size(items) == 20 &&
                    json_integer_value(json_object_get(a[0].json, "next")) == 23,
                "expected GET /todos to give 20 items and \"next\": 23, got %s", shown(&a[0]));
  items = json_object_get(a[1].json, "items");
  ck_assert_msg(a[1].status == 200 && json_is_array(items) && json_array_size(items) == 0 &&
                    json_is_null(json_object_get(a[1].json, "next")),
                "expected after=1000 to give {\"items\":[],\"next\":null}, got %s", shown(&a[1]));
  for (int i = 2; i <= 5; i++)
    ck_assert_msg(
        a[i].status == 422 && is_error(&a[i]),
        "expected a bad limit or after (limit=0, limit=101, limit=ten, after=-3) to answer "
        "422 with a JSON error, got %s",
        shown(&a[i]));
  items = json_object_get(a[6].json, "items");
  ck_assert_msg(a[6].status == 200 && json_array_size(items) == (size_t)(LISTED - LISTED / 7) &&
                    json_is_null(json_object_get(a[6].json, "next")),
                "expected limit=100 to give all %d to-dos and \"next\": null, got %s",
                LISTED - LISTED / 7, shown(&a[6]));
}
END_TEST

static int paths_main(void *arg, void **result)
{
  todo_api_t *api;

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){2, upstream.url, 1000}) < 0)
    return 0;
  seen.a[0] = call(api, "POST", "/todos", "{\"title\": \"one\"}");
  seen.a[1] = call(api, "POST", "/todos", "{\"title\": \"two\"}");
  seen.a[2] = call(api, "POST", "/todos", "{\"title\": \"three\"}"); /* max_items is 2 */
  seen.a[3] = call(api, "GET", "/nothing/here", NULL);
  seen.a[4] = call(api, "GET", "/todos/abc", NULL);
  seen.a[5] = call(api, "GET", "/todos/1/extra", NULL);
  seen.a[6] = call(api, "PUT", "/todos", "{}");
  seen.a[7] = call(api, "POST", "/todos/1", "{}");
  seen.a[8] = call(api, "GET", "/todos/1/estimate", NULL);
  seen.a[9] = call(api, "GET", "/todos/0", NULL);
  seen.a[10] = call(api, "DELETE", "/todos/1", NULL);
  seen.a[11] = call(api, "POST", "/todos", "{\"title\": \"three\"}"); /* room again */
  seen.rc[0] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(paths_methods_and_limits)
{
  seen_clear();
  grade_run(paths_main, NULL);
  answer_t *a = seen.a;
  ck_assert_msg(a[1].status == 201 && a[2].status == 507 && is_error(&a[2]),
                "expected a third POST with max_items 2 to answer 507 with a JSON error, got %s",
                shown(&a[2]));
  for (int i = 3; i <= 5; i++)
    ck_assert_msg(a[i].status == 404 && is_error(&a[i]),
                  "expected a path the API does not have (/nothing/here, /todos/abc, "
                  "/todos/1/extra) to answer 404 with a JSON error, got %s",
                  shown(&a[i]));
  ck_assert_msg(a[9].status == 404, "expected /todos/0 (no such id) to answer 404, got %s",
                shown(&a[9]));
  ck_assert_msg(
      a[6].status == 405 && is_error(&a[6]) && strcmp(a[6].headers, "Allow: GET, POST\r\n") == 0,
      "expected PUT /todos to answer 405 with \"Allow: GET, POST\", got %s", shown(&a[6]));
  ck_assert_msg(a[7].status == 405 && strcmp(a[7].headers, "Allow: GET, PATCH, DELETE\r\n") == 0,
                "expected POST /todos/1 to answer 405 with \"Allow: GET, PATCH, DELETE\", got %s",
                shown(&a[7]));
  ck_assert_msg(a[8].status == 405 && strcmp(a[8].headers, "Allow: POST\r\n") == 0,
                "expected GET /todos/1/estimate to answer 405 with \"Allow: POST\", got %s",
                shown(&a[8]));
  ck_assert_msg(a[11].status == 201 && field_int(&a[11], "id") == 3,
                "expected room for a new to-do once one was deleted (id 3), got %s", shown(&a[11]));
}
END_TEST

/* ---- the estimate ----------------------------------------------------------------------- */

static int estimate_main(void *arg, void **result)
{
  todo_api_t *api;

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 2000}) < 0)
    return 0;
  answer_t a = call(api, "POST", "/todos", "{\"title\": \"paint the fence\"}");
  answer_clear(&a);
  seen.a[0] = call(api, "POST", "/todos/1/estimate", NULL);
  snprintf(seen.text[0], sizeof seen.text[0], "%s", upstream.content_type);
  snprintf(seen.text[1], sizeof seen.text[1], "%s", upstream.last_body);
  seen.a[1] = call(api, "GET", "/todos/1", NULL);
  seen.a[2] = call(api, "POST", "/todos/5/estimate", NULL);
  seen.rc[0] = upstream.requests;
  seen.rc[1] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(estimate_asks_the_service)
{
  seen_clear();
  grade_run(estimate_main, NULL);
  ck_assert_msg(
      seen.a[0].status == 200 && is_todo(seen.a[0].json, 1, "paint the fence", false, 150, 2),
      "expected the estimate to answer 200 with minutes 150 (the service's answer) and "
      "version 2, got %s",
      shown(&seen.a[0]));
  ck_assert_msg(strcmp(seen.text[1], "{\"title\":\"paint the fence\"}") == 0 ||
                    strcmp(seen.text[1], "{\"title\": \"paint the fence\"}") == 0,
                "expected the service to be sent {\"title\":\"paint the fence\"}, it got \"%s\"",
                seen.text[1]);
  ck_assert_msg(strncmp(seen.text[0], "application/json", 16) == 0,
                "expected the service to be sent Content-Type: application/json, it got \"%s\"",
                seen.text[0]);
  ck_assert_msg(is_todo(seen.a[1].json, 1, "paint the fence", false, 150, 2),
                "expected the minutes stored, GET answered %s", shown(&seen.a[1]));
  ck_assert_msg(seen.a[2].status == 404 && seen.rc[0] == 1,
                "expected the estimate of a to-do that does not exist to answer 404 without asking "
                "the service; it answered %s, and the service was asked %d times",
                shown(&seen.a[2]), seen.rc[0]);
}
END_TEST

static int failures_main(void *arg, void **result)
{
  todo_api_t *api, *nobody;
  static const char *const titles[] = {"stall here", "broken", "garbage", "negative"};
  char body[64], target[64];

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 400}) < 0)
    return 0;
  for (int i = 0; i < 4; i++) {
    snprintf(body, sizeof body, "{\"title\": \"%s\"}", titles[i]);
    answer_t a = call(api, "POST", "/todos", body);
    answer_clear(&a);
    snprintf(target, sizeof target, "/todos/%d/estimate", i + 1);
    seen.a[i] = call(api, "POST", target, NULL);
  }
  seen.a[4] = call(api, "GET", "/todos/1", NULL);
  seen.rc[0] = todo_api_close(api);
  /* A service nobody listens to (a port just given up). */
  ac_server_t *gone;
  char url[96];
  int port = 1;
  if (ac_server_start(&gone, "127.0.0.1", 0, hang_up, NULL) == 0) {
    port = ac_server_port(gone);
    ac_server_close(gone, 0);
  }
  snprintf(url, sizeof url, "http://127.0.0.1:%d/estimate", port);
  if (todo_api_create(&nobody, &(todo_api_opts_t){10, url, 400}) == 0) {
    answer_t a = call(nobody, "POST", "/todos", "{\"title\": \"x\"}");
    answer_clear(&a);
    seen.a[5] = call(nobody, "POST", "/todos/1/estimate", NULL);
    seen.rc[1] = todo_api_close(nobody);
  }
  upstream_stop();
  return 0;
}

START_TEST(estimate_failures_are_502_or_504)
{
  seen_clear();
  grade_run(failures_main, NULL);
  answer_t *a = seen.a;
  ck_assert_msg(a[0].status == 504 && is_error(&a[0]),
                "expected 504 with a JSON error when the service does not answer within the "
                "timeout (400 ms), got %s after %.0f ms",
                shown(&a[0]), a[0].ms);
  ck_assert_msg(a[0].ms >= 360 && a[0].ms < 1500,
                "expected the 504 about 400 ms after the call began, it came after %.0f ms",
                a[0].ms);
  static const char *const what[] = {"", "a 500 from the service", "an answer that is not JSON",
                                     "minutes of -5"};
  for (int i = 1; i < 4; i++)
    ck_assert_msg(a[i].status == 502 && is_error(&a[i]),
                  "expected 502 with a JSON error for %s, got %s", what[i], shown(&a[i]));
  ck_assert_msg(a[4].status == 200 && is_todo(a[4].json, 1, "stall here", false, -1, 1),
                "expected a failed estimate to change nothing, GET answered %s", shown(&a[4]));
  ck_assert_msg(a[5].status == 502 && is_error(&a[5]),
                "expected 502 when nothing listens at the service's address, got %s", shown(&a[5]));
  ck_assert_msg(seen.rc[0] == 0 && seen.rc[1] == 0, "expected todo_api_close() to return 0");
}
END_TEST

/* Call METHOD TARGET in a task of its own, into *OUT. */
typedef struct {
  todo_api_t *api;
  const char *method, *target, *body;
  answer_t *out;
  double done_at;
} job_t;

static int job_run(void *arg, void **result)
{
  job_t *j = arg;

  (void)result;
  *j->out = call(j->api, j->method, j->target, j->body);
  j->done_at = ac_loop_time_precise();
  return 0;
}

static int others_main(void *arg, void **result)
{
  todo_api_t *api;

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 3000}) < 0)
    return 0;
  answer_t a = call(api, "POST", "/todos", "{\"title\": \"slow to estimate\"}");
  answer_clear(&a);
  a = call(api, "POST", "/todos", "{\"title\": \"another\"}");
  answer_clear(&a);
  job_t est = {api, "POST", "/todos/1/estimate", NULL, &seen.a[0], 0};
  ac_task_t *task;
  double start = ac_loop_time_precise();
  ac_task_create(&task, job_run, &est);
  WAIT_UNTIL(upstream.waiting == 1, 1000); /* the service holds the estimate */
  seen.ok[0] = upstream.waiting == 1;
  seen.a[1] = call(api, "GET", "/todos/2", NULL);
  seen.a[2] = call(api, "GET", "/todos?limit=5", NULL);
  seen.a[3] = call(api, "POST", "/todos", "{\"title\": \"meanwhile\"}");
  seen.a[4] = call(api, "PATCH", "/todos/2", "{\"done\": true}");
  seen.ms[0] = ac_loop_time_precise() - start;
  ac_future_wait_for(&task, 1, AC_WAIT_ALL_COMPLETED, 3000);
  seen.ms[1] = est.done_at - start;
  ac_future_release(task);
  seen.rc[0] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(estimate_does_not_hold_up_others)
{
  seen_clear();
  grade_run(others_main, NULL);
  answer_t *a = seen.a;
  ck_assert_msg(seen.ok[0], "expected the estimate to be waiting for the service");
  ck_assert_msg(
      a[1].status == 200 && a[2].status == 200 && a[3].status == 201 && a[4].status == 200,
      "expected GET, list, POST and PATCH to be answered while an estimate waits, got %s, "
      "%s, %s, %s",
      shown(&a[1]), shown(&a[2]), shown(&a[3]), shown(&a[4]));
  ck_assert_msg(seen.ms[0] < 400 && a[1].ms < 200 && a[4].ms < 200,
                "expected them answered at once while the service took 600 ms over the estimate; "
                "they were done after %.0f ms (is a lock held across the wait?)",
                seen.ms[0]);
  ck_assert_msg(a[0].status == 200 && is_todo(a[0].json, 1, "slow to estimate", false, 160, 2),
                "expected the estimate of to-do 1 to succeed (its to-do was not touched), got %s",
                shown(&a[0]));
  ck_assert_msg(
      seen.ms[1] >= 540 && seen.ms[1] < 2000,
      "expected the estimate done when the service answered (600 ms), it was after %.0f ms",
      seen.ms[1]);
}
END_TEST

static int again_main(void *arg, void **result)
{
  todo_api_t *api;

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 3000}) < 0)
    return 0;
  static const char *const titles[] = {"slow one", "slow two", "slow three", "slow four"};
  char body[64];
  for (int i = 0; i < 4; i++) {
    snprintf(body, sizeof body, "{\"title\": \"%s\"}", titles[i]);
    answer_t a = call(api, "POST", "/todos", body);
    answer_clear(&a);
  }
  job_t est[3] = {{api, "POST", "/todos/2/estimate", NULL, &seen.a[0], 0},
                  {api, "POST", "/todos/3/estimate", NULL, &seen.a[1], 0},
                  {api, "POST", "/todos/4/estimate", NULL, &seen.a[2], 0}};
  ac_task_t *tasks[3];
  for (int i = 0; i < 3; i++)
    ac_task_create(&tasks[i], job_run, &est[i]);
  WAIT_UNTIL(upstream.waiting == 3, 1000);
  seen.ok[0] = upstream.waiting == 3;
  /* While the service thinks: to-do 2 is deleted, to-do 3 renamed, and a
   * few more are made, so the store grows and moves. */
  seen.a[3] = call(api, "DELETE", "/todos/2", NULL);
  seen.a[4] = call(api, "PATCH", "/todos/3", "{\"title\": \"something else\"}");
  for (int i = 0; i < 12; i++) {
    answer_t a = call(api, "POST", "/todos", "{\"title\": \"filler\"}");
    answer_clear(&a);
  }
  ac_future_wait_for((ac_future_t *const *)tasks, 3, AC_WAIT_ALL_COMPLETED, 3000);
  for (int i = 0; i < 3; i++)
    ac_future_release(tasks[i]);
  seen.a[5] = call(api, "GET", "/todos/3", NULL);
  seen.a[6] = call(api, "GET", "/todos/2", NULL);
  seen.a[7] = call(api, "GET", "/todos/4", NULL);
  seen.rc[0] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(estimate_looks_again_after_the_wait)
{
  seen_clear();
  grade_run(again_main, NULL);
  answer_t *a = seen.a;
  ck_assert_msg(seen.ok[0], "expected three estimates waiting for the service at once");
  ck_assert_msg(a[3].status == 204 && a[4].status == 200,
                "expected the DELETE and the PATCH meanwhile to succeed, got %s and %s",
                shown(&a[3]), shown(&a[4]));
  ck_assert_msg(a[0].status == 404 && is_error(&a[0]),
                "expected the estimate of a to-do deleted while the service thought to answer 404, "
                "got %s",
                shown(&a[0]));
  ck_assert_msg(a[6].status == 404, "expected the deleted to-do to stay deleted, GET answered %s",
                shown(&a[6]));
  ck_assert_msg(a[1].status == 409 && is_error(&a[1]),
                "expected the estimate of a to-do renamed meanwhile to answer 409 (the minutes "
                "were for its old title), got %s",
                shown(&a[1]));
  ck_assert_msg(a[5].status == 200 && is_todo(a[5].json, 3, "something else", false, -1, 2),
                "expected the renamed to-do kept as renamed, without minutes, got %s",
                shown(&a[5]));
  ck_assert_msg(
      a[2].status == 200 && is_todo(a[2].json, 4, "slow four", false, 90, 2),
      "expected the estimate of the untouched to-do 4 to succeed while the store grew, got "
      "%s",
      shown(&a[2]));
  ck_assert_msg(a[7].status == 200 && is_todo(a[7].json, 4, "slow four", false, 90, 2),
                "expected to-do 4 to keep its minutes, GET answered %s", shown(&a[7]));
  ck_assert_msg(seen.rc[0] == 0, "expected todo_api_close() to return 0, got %d", seen.rc[0]);
}
END_TEST

static int close_main(void *arg, void **result)
{
  todo_api_t *api;

  (void)arg;
  (void)result;
  if (!upstream_start() || todo_api_create(&api, &(todo_api_opts_t){10, upstream.url, 3000}) < 0)
    return 0;
  answer_t a = call(api, "POST", "/todos", "{\"title\": \"slow close\"}");
  answer_clear(&a);
  job_t est = {api, "POST", "/todos/1/estimate", NULL, &seen.a[0], 0};
  ac_task_t *task;
  ac_task_create(&task, job_run, &est);
  WAIT_UNTIL(upstream.waiting == 1, 1000);
  seen.rc[0] = todo_api_close(api); /* refused: the estimate is inside */
  /* Cancelled while it waits, the call returns -ECANCELED. */
  ac_future_cancel(task);
  ac_future_wait_for(&task, 1, AC_WAIT_ALL_COMPLETED, 2000);
  seen.ok[0] = ac_future_is_done(task) == 1;
  ac_future_release(task);
  seen.rc[1] = todo_api_close(api);
  upstream_stop();
  return 0;
}

START_TEST(close_refuses_while_busy)
{
  seen_clear();
  grade_run(close_main, NULL);
  ck_assert_msg(seen.rc[0] == -EBUSY,
                "expected todo_api_close() to return -EBUSY while an estimate waits inside "
                "todo_api_handle(), got %d (%s)",
                seen.rc[0], ac_error_message(seen.rc[0]));
  ck_assert_msg(seen.ok[0] && seen.a[0].rc == -ECANCELED,
                "expected the cancelled estimate to return -ECANCELED, it returned %d (%s)",
                seen.a[0].rc, ac_error_message(seen.a[0].rc));
  ck_assert_msg(seen.rc[1] == 0,
                "expected todo_api_close() to return 0 once nothing was inside, "
                "got %d",
                seen.rc[1]);
}
END_TEST

void exercise_tests(Suite *s)
{
  GRADE_ADD(s, bad_arguments_are_rejected);
  GRADE_ADD(s, create_read_update_delete);
  GRADE_ADD(s, bad_bodies_get_400_or_422);
  GRADE_ADD(s, list_pages_through_everything);
  GRADE_ADD(s, paths_methods_and_limits);
  GRADE_ADD(s, estimate_asks_the_service);
  GRADE_ADD(s, estimate_failures_are_502_or_504);
  GRADE_ADD(s, estimate_does_not_hold_up_others);
  GRADE_ADD(s, estimate_looks_again_after_the_wait);
  GRADE_ADD(s, close_refuses_while_busy);
}

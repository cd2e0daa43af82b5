/* todo_api.c - chapter 07, exercise 3: a JSON API for to-dos (reference
 * solution).
 *
 * The store is an array of to-dos in id order, so that a page is a slice
 * of it. Every call but the estimate runs from start to end without
 * waiting, so the store needs no lock: no other task can run in the middle
 * of a change. The estimate waits for another service, and anything may
 * happen to the store meanwhile (the array moves, the to-do is changed or
 * deleted). So it keeps nothing of the store across the wait but the id
 * and the version it saw, and looks the to-do up again afterwards.
 */
#include "todo_api.h"

#include <ac.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_message.h"

#define PAGE_DEFAULT 20
#define PAGE_MAX 100

typedef struct {
  long id;
  char *title;
  bool done;
  long minutes; /* -1 until estimated */
  long version;
} todo_t;

struct todo_api {
  size_t max_items;
  char *estimate_url;
  int64_t upstream_timeout_ms;
  todo_t *items; /* in id order */
  size_t count, cap;
  long next_id;
  size_t active; /* calls of todo_api_handle() not returned yet */
};

int todo_api_create(todo_api_t **api, const todo_api_opts_t *opts)
{
  if (!api || !opts || opts->max_items < 1 || !opts->estimate_url || opts->upstream_timeout_ms <= 0)
    return -EINVAL;
  todo_api_t *a = calloc(1, sizeof *a);
  char *url = strdup(opts->estimate_url);
  if (!a || !url) {
    free(a);
    free(url);
    return -ENOMEM;
  }
  a->max_items = opts->max_items;
  a->estimate_url = url;
  a->upstream_timeout_ms = opts->upstream_timeout_ms;
  a->next_id = 1;
  *api = a;
  return 0;
}

int todo_api_close(todo_api_t *api)
{
  if (!api)
    return -EINVAL;
  if (api->active > 0)
    return -EBUSY;
  for (size_t i = 0; i < api->count; i++)
    free(api->items[i].title);
  free(api->items);
  free(api->estimate_url);
  free(api);
  return 0;
}

/* ---- the store ----------------------------------------------------------------- */

/* The index of the first to-do with an id >= @id (the count if none). */
static size_t lower_bound(const todo_api_t *api, long id)
{
  size_t lo = 0, hi = api->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (api->items[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static todo_t *find(todo_api_t *api, long id)
{
  size_t i = lower_bound(api, id);
  return i < api->count && api->items[i].id == id ? &api->items[i] : NULL;
}

static json_t *todo_json(const todo_t *t)
{
  return json_pack("{s:I, s:s, s:b, s:o, s:I}", "id", (json_int_t)t->id, "title", t->title, "done",
                   t->done, "minutes", t->minutes < 0 ? json_null() : json_integer(t->minutes),
                   "version", (json_int_t)t->version);
}

/* ---- requests ------------------------------------------------------------------------ */

/* The body as a JSON object in *@obj (json_decref() it); NULL, with the
 * error response filled in, if it is not one. */
static json_t *body_object(const http_request_t *req, http_response_t *resp)
{
  json_t *v = json_loadb(req->body, req->body_size, JSON_REJECT_DUPLICATES, NULL);
  if (!v)
    http_response_error(resp, 400, "the body is not JSON");
  else if (!json_is_object(v)) {
    json_decref(v);
    v = NULL;
    http_response_error(resp, 422, "the body must be a JSON object");
  }
  return v;
}

/* Check the fields of a to-do in @obj: title (required when @create) and
 * done. Returns NULL if they are right, or what is wrong. */
static const char *bad_fields(json_t *obj, bool create)
{
  json_t *title = json_object_get(obj, "title"), *done = json_object_get(obj, "done");
  if (!title && create)
    return "title is required";
  if (title && !json_is_string(title))
    return "title must be a string";
  if (title && (json_string_length(title) < 1 || json_string_length(title) > TODO_TITLE_MAX))
    return "title must be 1 to 200 bytes long";
  if (title && strlen(json_string_value(title)) != json_string_length(title))
    return "title must not hold a NUL";
  if (done && !json_is_boolean(done))
    return "done must be true or false";
  return NULL;
}

static int create(todo_api_t *api, const http_request_t *req, http_response_t *resp)
{
  json_t *obj = body_object(req, resp);
  if (!obj)
    return 0;
  const char *bad = bad_fields(obj, true);
  if (bad) {
    json_decref(obj);
    return http_response_error(resp, 422, bad);
  }
  if (api->count == api->max_items) {
    json_decref(obj);
    return http_response_error(resp, 507, "the store is full");
  }
  if (api->count == api->cap) {
    size_t cap = api->cap ? 2 * api->cap : 16;
    todo_t *grown = realloc(api->items, cap * sizeof *grown);
    if (!grown) {
      json_decref(obj);
      return -ENOMEM;
    }
    api->items = grown;
    api->cap = cap;
  }
  char *title = strdup(json_string_value(json_object_get(obj, "title")));
  json_t *done = json_object_get(obj, "done");
  todo_t t = {.id = api->next_id,
              .title = title,
              .done = done && json_is_true(done),
              .minutes = -1,
              .version = 1};
  json_decref(obj);
  if (!title)
    return -ENOMEM;
  api->next_id++;
  api->items[api->count++] = t; /* ids only grow: the array stays in order */
  char location[48];
  snprintf(location, sizeof location, "/todos/%ld", t.id);
  int rc = http_response_json(resp, 201, todo_json(&t));
  return rc < 0 ? rc : http_response_header(resp, "Location", location);
}

static int list(todo_api_t *api, const http_request_t *req, http_response_t *resp)
{
  long limit = PAGE_DEFAULT, after = 0;
  int rc_limit = http_request_query_long(req, "limit", &limit);
  int rc_after = http_request_query_long(req, "after", &after);
  if (rc_limit < 0 || limit < 1 || limit > PAGE_MAX)
    return http_response_error(resp, 422, "limit must be a whole number from 1 to 100");
  if (rc_after < 0 || after < 0)
    return http_response_error(resp, 422, "after must be a whole number >= 0");
  size_t from = after == LONG_MAX ? api->count : lower_bound(api, after + 1);
  size_t to = from + (size_t)limit < api->count ? from + (size_t)limit : api->count;
  json_t *items = json_array();
  for (size_t i = from; items && i < to; i++)
    json_array_append_new(items, todo_json(&api->items[i]));
  json_t *next = to < api->count && to > from ? json_integer(api->items[to - 1].id) : json_null();
  return http_response_json(resp, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

static int update(todo_t *t, const http_request_t *req, http_response_t *resp)
{
  json_t *obj = body_object(req, resp);
  if (!obj)
    return 0;
  const char *bad = bad_fields(obj, false);
  if (bad) {
    json_decref(obj);
    return http_response_error(resp, 422, bad);
  }
  json_t *title = json_object_get(obj, "title"), *done = json_object_get(obj, "done");
  if (title) {
    char *copy = strdup(json_string_value(title));
    if (!copy) {
      json_decref(obj);
      return -ENOMEM;
    }
    free(t->title);
    t->title = copy;
  }
  if (done)
    t->done = json_is_true(done);
  t->version++;
  json_decref(obj);
  return http_response_json(resp, 200, todo_json(t));
}

static int delete_todo(todo_api_t *api, todo_t *t, http_response_t *resp)
{
  size_t i = (size_t)(t - api->items);
  free(t->title);
  memmove(&api->items[i], &api->items[i + 1], (api->count - i - 1) * sizeof *t);
  api->count--;
  resp->status = 204;
  return 0;
}

/* Ask the estimate service about to-do @id. The store may change while it
 * answers: only the id and the version seen are kept across the wait. */
static int estimate(todo_api_t *api, long id, http_response_t *resp)
{
  todo_t *t = find(api, id);
  if (!t)
    return http_response_error(resp, 404, "no such to-do");
  long version = t->version;
  json_t *question = json_pack("{s:s}", "title", t->title);
  char *body = question ? json_dumps(question, JSON_COMPACT) : NULL;
  json_decref(question);
  if (!body)
    return -ENOMEM;
  static const char *const headers[] = {"Content-Type: application/json", NULL};
  ac_http_request_t ask = {.method = "POST",
                           .url = api->estimate_url,
                           .headers = headers,
                           .body = body,
                           .body_size = strlen(body),
                           .timeout_ms = api->upstream_timeout_ms,
                           .max_redirects = -1,
                           .max_body = 65536};
  ac_http_response_t answer;
  int rc = ac_http_fetch(&ask, &answer); /* others are served while this waits */
  free(body);
  long minutes = -1;
  if (rc == 0 && answer.status == 200) {
    json_t *v = json_loads(answer.body, 0, NULL);
    json_t *m = json_is_object(v) ? json_object_get(v, "minutes") : NULL;
    if (json_is_integer(m) && json_integer_value(m) >= 0)
      minutes = (long)json_integer_value(m);
    json_decref(v);
  }
  ac_http_response_close(&answer);
  if (rc == -ECANCELED)
    return rc;
  if (rc == -ETIMEDOUT)
    return http_response_error(resp, 504, "the estimate service did not answer in time");
  if (minutes < 0)
    return http_response_error(resp, 502, "the estimate service failed");

  t = find(api, id); /* the wait is over: look again */
  if (!t)
    return http_response_error(resp, 404, "the to-do was deleted meanwhile");
  if (t->version != version)
    return http_response_error(resp, 409, "the to-do changed while it was estimated");
  t->minutes = minutes;
  t->version++;
  return http_response_json(resp, 200, todo_json(t));
}

/* ---- routing ---------------------------------------------------------------------------- */

/* "/todos/ID" and "/todos/ID/estimate": the id (> 0), and whether it is
 * the estimate; 0 for any other path. */
static long path_id(const char *path, bool *estimate_path)
{
  if (strncmp(path, "/todos/", 7) != 0 || path[7] < '1' || path[7] > '9')
    return 0;
  char *end;
  errno = 0;
  long id = strtol(path + 7, &end, 10);
  if (errno == ERANGE)
    return 0;
  *estimate_path = strcmp(end, "/estimate") == 0;
  return *end == '\0' || *estimate_path ? id : 0;
}

static int not_allowed(http_response_t *resp, const char *allow)
{
  int rc = http_response_error(resp, 405, "method not allowed");
  return rc < 0 ? rc : http_response_header(resp, "Allow", allow);
}

static int route(todo_api_t *api, const http_request_t *req, http_response_t *resp)
{
  const char *m = req->method;
  if (strcmp(req->path, "/todos") == 0) {
    if (strcmp(m, "POST") == 0)
      return create(api, req, resp);
    if (strcmp(m, "GET") == 0)
      return list(api, req, resp);
    return not_allowed(resp, "GET, POST");
  }
  bool estimate_path = false;
  long id = path_id(req->path, &estimate_path);
  if (id == 0)
    return http_response_error(resp, 404, "no such resource");
  if (estimate_path)
    return strcmp(m, "POST") == 0 ? estimate(api, id, resp) : not_allowed(resp, "POST");
  if (strcmp(m, "GET") != 0 && strcmp(m, "PATCH") != 0 && strcmp(m, "DELETE") != 0)
    return not_allowed(resp, "GET, PATCH, DELETE");
  todo_t *t = find(api, id);
  if (!t)
    return http_response_error(resp, 404, "no such to-do");
  if (strcmp(m, "GET") == 0)
    return http_response_json(resp, 200, todo_json(t));
  if (strcmp(m, "PATCH") == 0)
    return update(t, req, resp);
  return delete_todo(api, t, resp);
}

int todo_api_handle(void *ctx, const http_request_t *req, http_response_t *resp)
{
  todo_api_t *api = ctx;
  if (!api || !req || !resp)
    return -EINVAL;
  api->active++;
  int rc = route(api, req, resp);
  api->active--;
  return rc;
}

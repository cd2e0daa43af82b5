/* todo_api.c - chapter 07, exercise 3: a JSON API for to-dos.
 *
 * What to build: todo_api_create(), todo_api_handle() and todo_api_close(),
 * described in todo_api.h. Keep the to-dos in an array in id order (ids
 * only grow, so a new one goes at the end), which makes a page a slice of
 * it. Parse bodies with jansson (json_loadb()), answer with
 * http_response_json() and http_response_error(), and call the estimate
 * service with ac_http_fetch().
 *
 * The one call that waits is the estimate. While it waits for the
 * service, any other request may run: the array may move (realloc), the
 * to-do may be changed or deleted. So keep nothing of the store across
 * that wait but the id and the version you saw; afterwards, look the
 * to-do up again and compare. And take no lock around the wait: every
 * other request would wait for the service too.
 *
 * What the tests check: bad arguments; create, read, update, delete with
 * their status codes; 400 and 422 for bad bodies; pagination across
 * deletions; 404, 405 with Allow, 507; the estimate, its 502 and 504; that
 * other requests are answered while an estimate waits; that an estimate
 * looks again after its wait; close while busy.
 *
 * Grade it with: make grade CH=07 EX=todo_api
 */
#include "todo_api.h"

#include <ac.h>
#include <errno.h>
#include <jansson.h>

#include "http_message.h"

/* TODO: your struct todo_api: the options, the to-dos, the next id, how
 * many calls are inside todo_api_handle(). */
struct todo_api {
  int unused;
};

int todo_api_create(todo_api_t **api, const todo_api_opts_t *opts)
{
  /* TODO: check the options, allocate, copy the URL. */
  (void)api;
  (void)opts;
  return -ENOSYS;
}

int todo_api_handle(void *api, const http_request_t *req, http_response_t *resp)
{
  /* TODO: route on req->method and req->path ("/todos", "/todos/ID",
   * "/todos/ID/estimate"); answer each with its status and JSON. */
  (void)api;
  (void)req;
  (void)resp;
  return -ENOSYS;
}

int todo_api_close(todo_api_t *api)
{
  /* TODO: -EBUSY while a call is inside; otherwise free everything. */
  (void)api;
  return -ENOSYS;
}

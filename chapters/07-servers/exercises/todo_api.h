/* todo_api.h - chapter 07, exercise 3: a JSON API for to-dos, served by the
 * HTTP server of exercise 2 (or any http_handler_fn caller).
 *
 * The tests call these functions; you write them in todo_api.c.
 * Don't edit this file: the tests rely on it as it is.
 */
#ifndef TODO_API_H
#define TODO_API_H

#include <ac.h>
#include <stddef.h>
#include <stdint.h>

#include "http_message.h"

/* [resource] */
/* A to-do, as the API shows it:
 *   {"id": 7, "title": "water the plants", "done": false, "minutes": null, "version": 1}
 * id: given by the API, 1, 2, 3..., never reused. title: 1 to TODO_TITLE_MAX
 * bytes. done: false unless set. minutes: null until an estimate has been
 * stored. version: 1 when created, one more at every change.
 *
 *   POST   /todos                 {"title": ..., "done": ...}   201, the to-do, Location: /todos/ID
 *   GET    /todos?limit=N&after=ID                              200, {"items": [...], "next": ID or
 * null} GET    /todos/ID                                            200, the to-do PATCH  /todos/ID
 * {"title": ..., "done": ...}   200, the to-do (either field may be left out) DELETE /todos/ID 204,
 * no body POST   /todos/ID/estimate                                   200, the to-do with its
 * minutes
 *
 * A list holds the to-dos with an id above @after (0 if not given), lowest
 * first, at most @limit of them (1 to 100, 20 if not given); "next" is the
 * id to give as @after for the next page, or null when there is none.
 *
 * Errors are JSON, {"error": "what was wrong"}: 400 for a body that is not
 * JSON; 422 for JSON that is not what the route takes (not an object, a
 * field missing or of the wrong type, a title empty or too long, a limit
 * or an after out of range); 404 for an id that does not exist, or a path
 * that is not one of the above; 405, with an Allow header, for a method a
 * path does not take; 507 when max_items to-dos exist already.
 *
 * The estimate asks another service how long the to-do will take: it POSTs
 * {"title": ...} to opts->estimate_url with the runtime's HTTP client and
 * expects 200 {"minutes": N}, N a whole number >= 0. Its errors: 504 when
 * the service has not answered within upstream_timeout_ms; 502 when it
 * cannot be reached or its answer is not that; 404 when the to-do was
 * deleted while the service was asked; 409 when it was changed meanwhile
 * (the minutes were for the title it had then, so nothing is stored). The
 * wait for the service must not hold up any other request. */
#define TODO_TITLE_MAX 200
/* [resource] */

/* [interface] */
typedef struct todo_api todo_api_t;

typedef struct {
  size_t max_items;            /* >= 1: the most to-dos kept at once */
  const char *estimate_url;    /* the estimate service, "http://127.0.0.1:8081/estimate" */
  int64_t upstream_timeout_ms; /* > 0: how long an estimate may wait for the service */
} todo_api_opts_t;

/* Create an empty API. The options are copied.
 * Returns 0 with *@api set; -EINVAL for a NULL argument, max_items < 1,
 * a NULL url or a timeout <= 0; -ENOMEM. */
int todo_api_create(todo_api_t **api, const todo_api_opts_t *opts);

/* Answer @req: an http_handler_fn, with the API as @ctx. Called from a
 * task; it may wait (the estimate does), while other calls go on.
 * Returns 0 with @resp filled (errors included: they are responses);
 * -EINVAL for a NULL argument; -ENOMEM; -ECANCELED if the calling task was
 * cancelled while it waited. */
int todo_api_handle(void *api, const http_request_t *req, http_response_t *resp);

/* Free the API and every to-do.
 * Returns 0; -EBUSY while a call of todo_api_handle() has not returned
 * (nothing is freed); -EINVAL for NULL. */
int todo_api_close(todo_api_t *api);
/* [interface] */

#endif

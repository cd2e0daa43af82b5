/* fetch_watch.h - chapter 06's tests: every ac_http_fetch() the exercise
 * makes, seen from inside the program (the grader links the tests with
 * -Wl,--wrap=ac_http_fetch,--wrap=ac_http_response_close). What the
 * servers saw is in site.h; this is what was asked, and what was left
 * open. */
#ifndef FETCH_WATCH_H
#define FETCH_WATCH_H

#include <ac.h>

typedef struct {
  int calls;     /* ac_http_fetch() calls */
  int in_flight; /* calls not returned yet */
  int not_http;  /* calls for a URL that is not http:// or https:// */
  char first_not_http[256];
  int open;              /* responses holding memory that nobody closed yet */
  int redirects_by_curl; /* calls that let libcurl follow redirects (max_redirects >= 0) */
  int no_timeout;        /* calls without a time limit */
} fetch_watch_t;

extern fetch_watch_t fetch_watch;

#endif

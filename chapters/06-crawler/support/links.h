/* links.h - chapter 06, provided: the links of an HTML page, found by a
 * real HTML parser (libxml2's), not by regular expressions.
 *
 * Provided, not an exercise: you call it, you don't edit it. */
#ifndef CRAWL_LINKS_H
#define CRAWL_LINKS_H

#include <stddef.h>
#include <sys/types.h>

/* Called once per link with its URL (resolved and normalised, see
 * url_resolve()); valid only during the call. Return 0 to go on, or a
 * negative errno to stop: links_extract() then returns it. */
typedef int (*links_fn)(void *arg, const char *url);

/* Parse the HTML document @html (@size bytes, any encoding libxml2
 * recognises, broken markup tolerated as browsers do) and call @fn for
 * the href of each <a> element, in document order. Each href is resolved
 * against the document's <base href> if it has one, else against
 * @page_url, the address the page came from. Every scheme is passed on
 * (javascript:, mailto:, ftp://...): which links to follow is the
 * caller's decision. Hrefs that make no URL are skipped.
 * Returns the number of links passed to @fn, the first negative value
 * @fn returned, -EINVAL for a NULL argument or a @page_url that is not an
 * absolute URL, or -ENOMEM. */
ssize_t links_extract(const char *html, size_t size, const char *page_url, links_fn fn, void *arg);

#endif

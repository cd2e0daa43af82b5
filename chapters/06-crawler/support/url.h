/* url.h - chapter 06, provided: URLs for the crawler. Resolving a link
 * against its page, writing every URL one way (so that two spellings of
 * the same page compare equal), and taking one apart.
 *
 * Provided, not an exercise: you call these, you don't edit them. */
#ifndef CRAWL_URL_H
#define CRAWL_URL_H

#include <stddef.h>
#include <sys/types.h>

/* The longest URL the crawler handles, with its NUL. */
#define URL_MAX 2048

/* Resolve @href (as written in a page: relative, absolute, or with a
 * scheme of its own such as "mailto:") against @base (an absolute URL) by
 * RFC 3986, and write it normalised to @out: scheme and host in lower case,
 * the default port dropped (80 for http, 443 for https), an empty http(s)
 * path made "/", dot segments resolved, the fragment dropped. Any scheme
 * is written out, not just http and https: deciding what to fetch is the
 * caller's job. Leading and trailing white space of @href is ignored; a
 * NULL @base resolves nothing (@href must be absolute).
 * Returns the length written, -EINVAL if @href does not make a URL (or an
 * argument is NULL), -ENAMETOOLONG if it needs more than @size bytes. */
ssize_t url_resolve(const char *base, const char *href, char *out, size_t size);

/* "host:port" of the absolute @url into @out, in lower case, the port
 * always there (the scheme's default when the URL has none: 80 for http,
 * 443 for https). Returns the length, -EINVAL for a URL without a host
 * (mailto:, javascript:, file:///...) or without a known port,
 * -ENAMETOOLONG if @size is too small. */
ssize_t url_host(const char *url, char *out, size_t size);

/* The path and query of the absolute @url ("/a/b.html?x=1"; "/" if it has
 * none), what robots.txt rules match against. Returns the length, -EINVAL,
 * -ENAMETOOLONG. */
ssize_t url_path(const char *url, char *out, size_t size);

#endif

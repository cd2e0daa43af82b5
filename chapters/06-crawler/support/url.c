/* url.c - chapter 06, provided: URLs resolved, normalised and taken apart
 * with libxml2's RFC 3986 parser (the same library that parses the pages;
 * libcurl's URL API of Debian 12 resolves "#top" and "" against the
 * directory instead of the page). */
#include "url.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/uri.h>
#include <string.h>

static ssize_t copy_out(const char *s, char *out, size_t size)
{
  size_t n = strlen(s);
  if (n + 1 > size)
    return -ENAMETOOLONG;
  memcpy(out, s, n + 1);
  return (ssize_t)n;
}

static void lower(char *s)
{
  for (; s != NULL && *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

static int default_port(const char *scheme)
{
  if (scheme == NULL)
    return 0;
  if (strcmp(scheme, "http") == 0)
    return 80;
  if (strcmp(scheme, "https") == 0)
    return 443;
  return 0;
}

/* Parse an absolute URL, scheme and host in lower case. */
static xmlURIPtr parse(const char *url)
{
  xmlURIPtr uri = xmlParseURI(url);
  if (uri == NULL || uri->scheme == NULL) {
    xmlFreeURI(uri);
    return NULL;
  }
  lower(uri->scheme);
  lower(uri->server);
  return uri;
}

ssize_t url_resolve(const char *base, const char *href, char *out, size_t size)
{
  if (href == NULL || out == NULL)
    return -EINVAL;
  while (isspace((unsigned char)*href))
    href++;
  size_t len = strlen(href);
  while (len > 0 && isspace((unsigned char)href[len - 1]))
    len--;
  char trimmed[URL_MAX];
  if (len >= sizeof trimmed)
    return -ENAMETOOLONG;
  memcpy(trimmed, href, len);
  trimmed[len] = '\0';

  xmlChar *joined = base != NULL ? xmlBuildURI((const xmlChar *)trimmed, (const xmlChar *)base)
                                 : xmlStrdup((const xmlChar *)trimmed);
  if (joined == NULL)
    return -EINVAL;
  xmlURIPtr uri = parse((const char *)joined);
  xmlFree(joined);
  if (uri == NULL)
    return -EINVAL;
  xmlFree(uri->fragment);
  uri->fragment = NULL;
  if (uri->server != NULL && uri->path != NULL)
    xmlNormalizeURIPath(
        uri->path); /* xmlBuildURI leaves "/a/./b/../c" of an absolute path as it is */
  int port = default_port(uri->scheme);
  if (port != 0 && uri->port == port)
    uri->port = 0; /* libxml2 writes no port for 0 */
  if (port != 0 && uri->server != NULL && (uri->path == NULL || uri->path[0] == '\0')) {
    xmlFree(uri->path);
    uri->path = (char *)xmlStrdup((const xmlChar *)"/");
  }
  xmlChar *text = xmlSaveUri(uri);
  xmlFreeURI(uri);
  if (text == NULL)
    return -ENOMEM;
  ssize_t n = copy_out((const char *)text, out, size);
  xmlFree(text);
  return n;
}

ssize_t url_host(const char *url, char *out, size_t size)
{
  if (url == NULL || out == NULL)
    return -EINVAL;
  xmlURIPtr uri = parse(url);
  if (uri == NULL)
    return -EINVAL;
  int port = uri->port > 0 ? uri->port : default_port(uri->scheme);
  ssize_t n = -EINVAL;
  if (uri->server != NULL && uri->server[0] != '\0' && port > 0) {
    char text[URL_MAX];
    if ((size_t)snprintf(text, sizeof text, "%s:%d", uri->server, port) < sizeof text)
      n = copy_out(text, out, size);
    else
      n = -ENAMETOOLONG;
  }
  xmlFreeURI(uri);
  return n;
}

ssize_t url_path(const char *url, char *out, size_t size)
{
  if (url == NULL || out == NULL)
    return -EINVAL;
  xmlURIPtr uri = parse(url);
  if (uri == NULL)
    return -EINVAL;
  /* Only the path and the query, escaped as in the URL. */
  xmlURI part = {.path = uri->path != NULL && uri->path[0] != '\0' ? uri->path : (char *)"/",
                 .query_raw = uri->query_raw};
  xmlChar *text = xmlSaveUri(&part);
  xmlFreeURI(uri);
  if (text == NULL)
    return -ENOMEM;
  ssize_t n = copy_out((const char *)text, out, size);
  xmlFree(text);
  return n;
}

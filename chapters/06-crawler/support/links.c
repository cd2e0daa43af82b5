/* links.c - chapter 06, provided: <a href> links of an HTML page, with
 * libxml2's HTML parser (htmlReadMemory) and two XPath queries. */
#include "links.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "url.h"

/* The nodes of @expr in document order, or NULL. */
static xmlXPathObjectPtr select_nodes(xmlXPathContextPtr ctx, const char *expr)
{
  xmlXPathObjectPtr found = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
  if (found != NULL && xmlXPathNodeSetIsEmpty(found->nodesetval)) {
    xmlXPathFreeObject(found);
    return NULL;
  }
  return found;
}

ssize_t links_extract(const char *html, size_t size, const char *page_url, links_fn fn, void *arg)
{
  char base[URL_MAX], url[URL_MAX];

  if (html == NULL || page_url == NULL || fn == NULL || size > INT_MAX)
    return -EINVAL;
  if (url_resolve(NULL, page_url, base, sizeof base) < 0)
    return -EINVAL;
  /* NONET: never load anything a page refers to; RECOVER: take broken
   * markup as a browser would; no messages on stderr for it. */
  htmlDocPtr doc = htmlReadMemory(html, (int)size, base, NULL,
                                  HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                      HTML_PARSE_NOWARNING | HTML_PARSE_NOBLANKS);
  if (doc == NULL)
    return size == 0 ? 0 : -ENOMEM; /* an empty page has no links */
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  if (ctx == NULL) {
    xmlFreeDoc(doc);
    return -ENOMEM;
  }

  /* The first <base href> applies to every relative link of the page. */
  xmlXPathObjectPtr bases = select_nodes(ctx, "//base[@href]");
  if (bases != NULL) {
    xmlChar *href = xmlGetProp(bases->nodesetval->nodeTab[0], (const xmlChar *)"href");
    char resolved[URL_MAX];
    if (href != NULL && url_resolve(base, (const char *)href, resolved, sizeof resolved) >= 0)
      memcpy(base, resolved, sizeof base);
    xmlFree(href);
    xmlXPathFreeObject(bases);
  }

  ssize_t count = 0;
  xmlXPathObjectPtr anchors = select_nodes(ctx, "//a[@href]");
  for (int i = 0; anchors != NULL && i < anchors->nodesetval->nodeNr && count >= 0; i++) {
    xmlChar *href = xmlGetProp(anchors->nodesetval->nodeTab[i], (const xmlChar *)"href");
    if (href != NULL && url_resolve(base, (const char *)href, url, sizeof url) >= 0) {
      int rc = fn(arg, url);
      count = rc < 0 ? rc : count + 1;
    }
    xmlFree(href);
  }
  xmlXPathFreeObject(anchors);
  xmlXPathFreeContext(ctx);
  xmlFreeDoc(doc);
  return count;
}

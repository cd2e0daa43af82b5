/* extract_links.c - the links of a page, found by libxml2's HTML parser
 * (support/links.h), and what a polite crawler does with each. */
#include <stdio.h>
#include <string.h>

#include "links.h"
#include "url.h"

/* [page] */
static const char page[] =
    "<html><head><base href=\"/docs/\"></head><body>\n"
    "<a href=\"intro.html\">Intro</a> <a href=\"./intro.html#part-2\">Part 2</a>\n"
    "<a href=\"/docs/../about.html\">About</a> <A HREF='HTTP://Example.COM:80/'>Home</A>\n"
    "<a href=\"https://other.example/x\">Elsewhere</a> <a "
    "href=\"mailto:team@example.com\">Mail</a>\n"
    "<a href=\"javascript:void(0)\">Menu</a> <a>no href</a> <p>unclosed <a href=\"faq.html\">FAQ\n"
    "</body></html>\n";
/* [page] */

/* [decide] */
typedef struct {
  char seen[16][URL_MAX];
  int count;
} frontier_t;

static int decide(void *arg, const char *url)
{
  frontier_t *f = arg;
  char host[URL_MAX];
  const char *verdict = "queue";
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    verdict = "skip: not http";
  else if (url_host(url, host, sizeof host) < 0 || strcmp(host, "example.com:80") != 0)
    verdict = "skip: another host";
  else
    for (int i = 0; i < f->count; i++)
      if (strcmp(f->seen[i], url) == 0)
        verdict = "skip: seen";
  if (strcmp(verdict, "queue") == 0 && f->count < 16)
    snprintf(f->seen[f->count++], URL_MAX, "%s", url);
  printf("%-20s %s\n", verdict, url);
  return 0;
}
/* [decide] */

int main(void)
{
  frontier_t f = {.count = 0};
  ssize_t n = links_extract(page, strlen(page), "http://example.com/index.html", decide, &f);
  printf("%zd links, %d queued\n", n, f.count);
  return n < 0;
}

/* robots.c - chapter 06, provided: robots.txt groups, Allow and Disallow
 * rules with '*' and '$', longest match wins (RFC 9309). */
#include "robots.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
  char *pattern;
  bool allow;
} rule_t;

struct robots {
  bool deny_all;
  size_t count;
  rule_t *rules;
};

robots_verdict_t robots_verdict(int fetch_rc, long status)
{
  if (fetch_rc == 0 && status >= 200 && status < 300)
    return ROBOTS_PARSE;
  if (fetch_rc == 0 && status >= 400 && status < 500)
    return ROBOTS_ALLOW_ALL;
  return ROBOTS_DENY_ALL;
}

robots_t *robots_all(bool allow)
{
  robots_t *r = calloc(1, sizeof *r);
  if (r != NULL)
    r->deny_all = !allow;
  return r;
}

/* Does @pattern match the start of @path ('*' any run, '$' at the end the end)? */
static bool matches(const char *pattern, const char *path)
{
  for (; *pattern; pattern++, path++) {
    if (*pattern == '*') {
      for (const char *p = path;; p++) {
        if (matches(pattern + 1, p))
          return true;
        if (*p == '\0')
          return false;
      }
    }
    if (*pattern == '$' && pattern[1] == '\0')
      return *path == '\0';
    if (*pattern != *path)
      return false;
  }
  return true;
}

bool robots_allows(const robots_t *rules, const char *path)
{
  if (rules == NULL)
    return true;
  if (rules->deny_all)
    return false;
  size_t best = 0;
  bool allow = true;
  for (size_t i = 0; i < rules->count; i++) {
    size_t len = strlen(rules->rules[i].pattern);
    if (matches(rules->rules[i].pattern, path) &&
        (len > best || (len == best && rules->rules[i].allow))) {
      best = len;
      allow = rules->rules[i].allow;
    }
  }
  return allow;
}

void robots_free(robots_t *rules)
{
  if (rules == NULL)
    return;
  for (size_t i = 0; i < rules->count; i++)
    free(rules->rules[i].pattern);
  free(rules->rules);
  free(rules);
}

static char *trim(char *s)
{
  while (isspace((unsigned char)*s))
    s++;
  char *end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1]))
    *--end = '\0';
  return s;
}

/* Add the rules of one group to @r; false when out of memory. */
static bool add_rule(robots_t *r, const char *pattern, bool allow)
{
  rule_t *more = realloc(r->rules, (r->count + 1) * sizeof *more);
  if (more == NULL)
    return false;
  r->rules = more;
  if ((r->rules[r->count].pattern = strdup(pattern)) == NULL)
    return false;
  r->rules[r->count++].allow = allow;
  return true;
}

/* One pass over the lines, keeping the rules of the groups whose agent is
 * @agent (named == true) or "*" (named == false). Returns how many groups
 * matched, or -1 when out of memory. */
static int collect(robots_t *r, const char *text, size_t size, const char *agent, bool named)
{
  int groups = 0;
  bool in_group = false, agents_done = false, ok = true;
  const char *end = text + size;
  for (const char *line = text; line < end && ok;) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    size_t len = (size_t)((nl ? nl : end) - line);
    char buf[1024];
    if (len >= sizeof buf)
      len = sizeof buf - 1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    line = nl ? nl + 1 : end;
    char *hash = strchr(buf, '#');
    if (hash != NULL)
      *hash = '\0';
    char *colon = strchr(buf, ':');
    if (colon == NULL)
      continue;
    *colon = '\0';
    char *key = trim(buf), *value = trim(colon + 1);
    if (strcasecmp(key, "user-agent") == 0) {
      if (agents_done) { /* a User-agent after rules starts a new group */
        in_group = false;
        agents_done = false;
      }
      bool hit = named ? (agent != NULL && *value &&
                          strncasecmp(value, agent, strlen(value)) == 0 && strcmp(value, "*") != 0)
                       : strcmp(value, "*") == 0;
      if (hit && !in_group)
        groups++;
      in_group |= hit;
    } else if (strcasecmp(key, "allow") == 0 || strcasecmp(key, "disallow") == 0) {
      agents_done = true;
      if (in_group && *value) /* an empty Disallow allows everything: no rule */
        ok = add_rule(r, value, strcasecmp(key, "allow") == 0);
    }
  }
  return ok ? groups : -1;
}

robots_t *robots_parse(const char *text, size_t size, const char *agent)
{
  robots_t *r = robots_all(true);
  if (r == NULL || text == NULL)
    return r;
  int named = collect(r, text, size, agent, true);
  if (named == 0)
    named = collect(r, text, size, agent, false);
  if (named < 0) {
    robots_free(r);
    return NULL;
  }
  return r;
}

/* A greeter that writes a file through jansson: a library function that
 * reaches the file system is not on the list an exercise may call. */
#include "greeter.h"

#include <jansson.h>

char *greet(const char *name)
{
  json_t *v = json_pack("{s:s}", "greeting", name);
  json_dump_file(v, "/tmp/greeting.json", 0);
  json_decref(v);
  return NULL;
}

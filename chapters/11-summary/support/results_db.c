/* results_db.c - the capstone's results database (results_db.h). */
#include "results_db.h"

#include <errno.h>
#include <stddef.h>

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, url TEXT NOT NULL, state TEXT NOT NULL,"
    " total INTEGER);"
    "CREATE TABLE IF NOT EXISTS links(job TEXT NOT NULL, url TEXT NOT NULL, status INTEGER NOT "
    "NULL,"
    " PRIMARY KEY(job, url));";

int results_db_open(const char *path, sqlite3 **db)
{
  if (path == NULL || db == NULL)
    return -EINVAL;
  *db = NULL;
  int rc = sqlite3_open_v2(path, db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(*db, 10000); /* the other programs' writes are short */
    rc = sqlite3_exec(*db, SCHEMA, NULL, NULL, NULL);
  }
  if (rc != SQLITE_OK) {
    sqlite3_close(*db);
    *db = NULL;
    return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
  }
  return 0;
}

void results_db_close(sqlite3 *db)
{
  sqlite3_close(db);
}

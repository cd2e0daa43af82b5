/* db.c - opening and closing SQLite databases for the chapter's workers,
 * and SQLite's result codes as negative errnos (see db.h). */
#include "db.h"

#include <errno.h>
#include <stdio.h>

int db_errno(int sqlite_rc)
{
  switch (sqlite_rc & 0xff) /* the primary code, without its extended bits */
  {
  case SQLITE_OK:
  case SQLITE_ROW:
  case SQLITE_DONE: return 0;
  case SQLITE_ERROR:
  case SQLITE_MISUSE:
  case SQLITE_RANGE: return -EINVAL;
  case SQLITE_READONLY: return -EROFS;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return -EBUSY;
  case SQLITE_NOMEM: return -ENOMEM;
  case SQLITE_CANTOPEN: return -ENOENT;
  case SQLITE_INTERRUPT: return -ECANCELED;
  default: return -EIO;
  }
}

int db_open_readonly(const char *path, sqlite3 **db, char *error, size_t error_size)
{
  if (error && error_size)
    error[0] = '\0';
  if (!db)
    return -EINVAL;
  *db = NULL;
  if (!path)
    return -EINVAL;
  sqlite3 *conn = NULL;
  int rc = sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    if (error && error_size)
      snprintf(error, error_size, "%s", conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc));
    sqlite3_close(conn); /* a failed open still gives a handle to close, or NULL */
    return db_errno(rc) ? db_errno(rc) : -EIO;
  }
  *db = conn;
  return 0;
}

int db_close(sqlite3 *db)
{
  return db_errno(sqlite3_close(db));
}

/* db.h - the chapter's door to SQLite: opening a database read-only,
 * closing it, and SQLite's result codes as negative errnos.
 *
 * A connection opened here is in SQLite's multi-thread mode
 * (SQLITE_OPEN_NOMUTEX): any thread may use it, but never two at once.
 * Its calls block (they read the file and compute), so they belong on a
 * worker thread, never on the loop's.
 */
#ifndef DB_H
#define DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Open the database file @path read-only into *@db. Returns 0; -EINVAL for
 * NULL; -ENOENT if the file does not exist; -ENOMEM; another negative errno
 * from db_errno(). On failure *@db is NULL and @error (if not NULL) holds
 * SQLite's message, cut to @error_size bytes. Blocks: call it on a worker
 * thread. */
int db_open_readonly(const char *path, sqlite3 **db, char *error, size_t error_size);

/* Close a connection db_open_readonly() opened (NULL is a no-op). Returns 0
 * or db_errno() of SQLite's answer. Blocks: call it on a worker thread. */
int db_close(sqlite3 *db);

/* SQLite's result code @sqlite_rc as a negative errno: 0 for SQLITE_OK,
 * SQLITE_ROW and SQLITE_DONE; -EINVAL for an error in the SQL or its use
 * (SQLITE_ERROR, SQLITE_MISUSE, SQLITE_RANGE); -EROFS for a write to a
 * read-only database; -EBUSY when locked; -ENOMEM; -ENOENT when the file
 * cannot be opened; -ECANCELED when interrupted; -EIO for the rest. */
int db_errno(int sqlite_rc);

#endif /* DB_H */

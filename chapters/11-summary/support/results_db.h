/* results_db.h - the capstone's door to SQLite: the results database
 * opened for reading and writing, with its tables (link_service.h says
 * which), WAL mode (the API reads while the workers write) and a busy
 * timeout. Provided, not an exercise: you call it, you don't edit it.
 *
 * Its calls block (they read and write the file), so they belong on a
 * worker thread, never on the loop's: run them through ac_executor_run().
 */
#ifndef RESULTS_DB_H
#define RESULTS_DB_H

#include <sqlite3.h>

/* Open (or make) the database at @path, with its tables, into *@db.
 * Returns 0; -EINVAL for NULL; -ENOMEM; -EIO or another negative errno
 * for SQLite's errors (then *@db is NULL). Blocks. */
int results_db_open(const char *path, sqlite3 **db);

/* Close a connection results_db_open() opened (NULL is a no-op). Blocks. */
void results_db_close(sqlite3 *db);

#endif /* RESULTS_DB_H */

/*
 * sqlite_wrap.h - the SQLite calls the store's fault-injection tests wrap
 * with -Wl,--wrap=NAME (test_swapfail.c, test_store.c): the linker sends
 * the store's call of NAME to __wrap_NAME, defined by the test, which
 * reaches SQLite's own as __real_NAME.  Declared once here so that each
 * wrapper is checked against SQLite's signature; a test defines only the
 * wrappers its meson.build lines ask for.
 */
#ifndef VMFS_TESTS_SQLITE_WRAP_H
#define VMFS_TESTS_SQLITE_WRAP_H

#include <sqlite3.h>

typedef int (*sqlite_exec_cb)(void *, int, char **, char **);

int __real_sqlite3_step(sqlite3_stmt *st);
int __wrap_sqlite3_step(sqlite3_stmt *st);
int __real_sqlite3_exec(sqlite3 *db, const char *sql, sqlite_exec_cb cb, void *arg, char **err);
int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, sqlite_exec_cb cb, void *arg, char **err);
int __real_sqlite3_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v);
int __wrap_sqlite3_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v);
int __real_sqlite3_bind_blob(sqlite3_stmt *st, int i, const void *p, int n, void (*d)(void *));
int __wrap_sqlite3_bind_blob(sqlite3_stmt *st, int i, const void *p, int n, void (*d)(void *));
int __real_sqlite3_bind_text(sqlite3_stmt *st, int i, const char *p, int n, void (*d)(void *));
int __wrap_sqlite3_bind_text(sqlite3_stmt *st, int i, const char *p, int n, void (*d)(void *));

#endif

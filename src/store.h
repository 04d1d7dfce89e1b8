/*
 * store.h - the machine's SQLite store: swap slots and objects.
 *
 * One database per machine (swap=PATH, or a private temporary file removed
 * at close) with three tables:
 *
 *     swap(slot INTEGER PRIMARY KEY, data BLOB)            one row per slot
 *     objects(id INTEGER PRIMARY KEY, name TEXT, size, mode) one row per object
 *     object_pages(id, pgno, data BLOB, PRIMARY KEY(id, pgno))
 *
 * Objects are stored by page, so an object of gigabytes is many small rows
 * and a missing row is a page of zeros.  Page writes (swap-outs, object
 * writeback) are batched: a written page waits in an in-memory batch,
 * readable at once, until the batch is full or store_sync() is called; then
 * the whole batch goes to the database in one transaction.  A batch whose
 * commit fails stays in memory and is tried again, so a failing disk costs
 * an error, never a page.  Metadata changes (create, resize, remove) run
 * as statements of their own, after dropping from the batch the pages they
 * make useless.  A private store is named vmfs-swap-PID-XXXXXX; stores of
 * processes that no longer exist are removed when a new one is made.
 *
 * Files: PATH, PATH-journal (SQLite's rollback journal, kept between
 * commits) and PATH-lock (held with flock() while a machine uses the store,
 * so that a second one gets EBUSY; removed at close).
 *
 * This is the only code that includes <sqlite3.h>; SQLite result codes
 * become errno values here and nowhere else.  Called with the machine lock
 * held.
 */
#ifndef VMFS_STORE_H
#define VMFS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#define STORE_BATCH   256          /* pages per transaction */
#define STORE_MAX_ID  ((1ull << 23) - 1)
#define STORE_MAX_PG  ((1ull << 40) - 1)

struct store;

/* Open the store at @path, or a private temporary file when @path is NULL. 0 or -errno. */
int  store_open(struct store **out, const char *path);
/*
 * Commit what is pending, close, remove a private file, and give up the lock
 * (removing PATH-lock).  0, or -errno when the final commit failed: it is
 * rolled back, so the file holds what the last successful commit (the last
 * store_sync()) wrote, and the pages pending since are dropped; the store
 * is closed all the same.
 */
int  store_close(struct store *s);
/* Commit everything pending.  0 or -errno. */
int  store_sync(struct store *s);
const char *store_path(const struct store *s);
/* A private temporary file, removed at close (so nothing in it outlives the machine). */
bool store_is_private(const struct store *s);

/* Swap slots (slot >= 1).  Write replaces; read gives -EIO for a slot never written. */
int  store_swap_write(struct store *s, uint64_t slot, const void *page);
int  store_swap_read(struct store *s, uint64_t slot, void *page);
void store_swap_discard(struct store *s, uint64_t slot);

/* Objects, by id (1 .. STORE_MAX_ID). */
int  store_obj_meta(struct store *s, uint64_t id, const char *name, uint64_t size, unsigned mode);
int  store_obj_page_write(struct store *s, uint64_t id, uint64_t pgno, const void *page);
/* Read a page; a page never written reads as zeros.  0 or -errno. */
int  store_obj_page_read(struct store *s, uint64_t id, uint64_t pgno, void *page);
/* Drop pages pgno >= @npages.  0 or -errno. */
int  store_obj_truncate(struct store *s, uint64_t id, uint64_t npages);
/* Drop the object and its pages.  0 or -errno. */
int  store_obj_delete(struct store *s, uint64_t id);

#endif

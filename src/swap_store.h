/*
 * swap_store.h - the swap device: page-sized rows in an SQLite database.
 *
 * A slot number (1, 2, ...) names a row `swap(slot INTEGER PRIMARY KEY,
 * data BLOB)`.  Writes are batched: a written page waits in an in-memory
 * batch, readable at once, until the batch is full or swap_store_sync() is
 * called; then the whole batch goes to the database in one transaction.  A
 * batch whose commit fails stays in memory and is tried again, so a failing
 * disk costs an error, never a page.  Discards are batched the same way.
 *
 * This is the only code that includes <sqlite3.h>; SQLite result codes
 * become errno values here and nowhere else.  Called with the machine lock
 * held.
 */
#ifndef VMFS_SWAP_STORE_H
#define VMFS_SWAP_STORE_H

#include <stdint.h>

#define SWAP_BATCH 256   /* pages per transaction */

struct swap_store;

/*
 * Open the store at @path, or a private temporary file when @path is NULL
 * (removed by swap_store_close).  0 or -errno (message set).
 */
int  swap_store_open(struct swap_store **out, const char *path);
/* Commit what is pending, close, and remove a private file. */
void swap_store_close(struct swap_store *s);
/* Store @page (4096 bytes) as @slot, replacing what was there.  0 or -errno. */
int  swap_store_write(struct swap_store *s, uint64_t slot, const void *page);
/* Read @slot into @page.  0, -ENOENT if never written, or -errno. */
int  swap_store_read(struct swap_store *s, uint64_t slot, void *page);
/* Forget @slot. */
void swap_store_discard(struct swap_store *s, uint64_t slot);
/* Commit everything pending.  0 or -errno. */
int  swap_store_sync(struct swap_store *s);
/* The database's file name. */
const char *swap_store_path(const struct swap_store *s);

#endif

/*
 * swap_store.c - the SQLite swap device (see swap_store.h).
 *
 * The database runs in WAL mode with synchronous=NORMAL: a commit appends
 * to the write-ahead log without waiting for the disk, so a batch of 256
 * pages costs one sequential write, and a process killed at any moment
 * leaves a database that opens cleanly (`sqlite3 FILE 'PRAGMA
 * integrity_check'` says ok).  The private default file has no such need,
 * but is run the same way so that it behaves like a named one.
 *
 * Invariants: every pending page's slot appears once in pend[]; a slot is
 * in at most one of pend[] and dels[]; a row in the database is current
 * unless its slot is pending or being deleted.
 */
#include "swap_store.h"
#include "error.h"
#include "phys.h"
#include "u64map.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct swap_store {
	sqlite3      *db;
	sqlite3_stmt *put, *get, *del;
	char         *path;
	int           private_file;
	uint8_t      *pend_data;          /* SWAP_BATCH pages */
	uint64_t      pend_slot[SWAP_BATCH];
	unsigned      npend;
	struct u64map pend_index;         /* slot -> index in pend */
	uint64_t     *dels;
	unsigned      ndels, cap_dels;
};

/* The one place SQLite's result codes become errno. */
static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: case SQLITE_DONE: case SQLITE_ROW: return 0;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_TOOBIG: return -E2BIG;
	default: return -EIO;   /* IOERR, CORRUPT, NOTADB, PROTOCOL, ... */
	}
}

static int fail(struct swap_store *s, int rc, const char *what)
{
	return vm_error(sqlite_errno(rc) ? sqlite_errno(rc) : -EIO, "swap store %s: %s: %s",
			s->path, what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

static int exec(struct swap_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(s, rc, sql);
}

static void remove_files(const char *path)
{
	char buf[4096];

	unlink(path);
	snprintf(buf, sizeof(buf), "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s-shm", path);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s-journal", path);
	unlink(buf);
}

int swap_store_open(struct swap_store **out, const char *path)
{
	struct swap_store *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return vm_error(-ENOMEM, "out of memory opening the swap store");
	u64map_init(&s->pend_index);
	if (path) {
		s->path = strdup(path);
	} else {
		const char *dir = getenv("TMPDIR");
		char tmpl[4096];
		int fd;

		snprintf(tmpl, sizeof(tmpl), "%s/vmfs-swap-XXXXXX", dir && *dir ? dir : "/tmp");
		fd = mkstemp(tmpl);
		if (fd < 0) {
			free(s);
			return vm_error(-errno, "cannot create a temporary swap file in %s: %s",
					dir && *dir ? dir : "/tmp", strerror(errno));
		}
		close(fd);
		s->path = strdup(tmpl);
		s->private_file = 1;
	}
	s->pend_data = malloc(SWAP_BATCH * PAGE_SIZE);
	if (!s->path || !s->pend_data) {
		rc = vm_error(-ENOMEM, "out of memory opening the swap store");
		goto out;
	}
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(s, rc, "open");
		goto out;
	}
	if ((rc = exec(s, "PRAGMA journal_mode=WAL")) < 0 ||
	    (rc = exec(s, "PRAGMA synchronous=NORMAL")) < 0 ||
	    (rc = exec(s, "CREATE TABLE IF NOT EXISTS swap(slot INTEGER PRIMARY KEY, data BLOB NOT NULL)")) < 0 ||
	    (rc = exec(s, "DELETE FROM swap")) < 0)
		goto out;
	if ((rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO swap(slot, data) VALUES(?1, ?2)", -1, &s->put, NULL)) ||
	    (rc = sqlite3_prepare_v2(s->db, "SELECT data FROM swap WHERE slot = ?1", -1, &s->get, NULL)) ||
	    (rc = sqlite3_prepare_v2(s->db, "DELETE FROM swap WHERE slot = ?1", -1, &s->del, NULL))) {
		rc = fail(s, rc, "prepare");
		goto out;
	}
	*out = s;
	return 0;
out:
	swap_store_close(s);
	return rc;
}

/* Write the pending batch and deletions in one transaction. */
static int flush(struct swap_store *s)
{
	int rc;

	if (!s->npend && !s->ndels)
		return 0;
	if ((rc = exec(s, "BEGIN")) < 0)
		return rc;
	for (unsigned i = 0; i < s->ndels; i++) {
		sqlite3_bind_int64(s->del, 1, (sqlite3_int64)s->dels[i]);
		rc = sqlite3_step(s->del);
		sqlite3_reset(s->del);
		if (rc != SQLITE_DONE)
			goto rollback;
	}
	for (unsigned i = 0; i < s->npend; i++) {
		sqlite3_bind_int64(s->put, 1, (sqlite3_int64)s->pend_slot[i]);
		sqlite3_bind_blob(s->put, 2, s->pend_data + (uint64_t)i * PAGE_SIZE, PAGE_SIZE, SQLITE_STATIC);
		rc = sqlite3_step(s->put);
		sqlite3_reset(s->put);
		if (rc != SQLITE_DONE)
			goto rollback;
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto rollback;
	s->npend = 0;
	s->ndels = 0;
	u64map_free(&s->pend_index);
	return 0;
rollback:
	rc = fail(s, rc, "writing a batch");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void swap_store_close(struct swap_store *s)
{
	if (!s)
		return;
	if (s->db && !s->private_file)
		flush(s);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->del);
	sqlite3_close(s->db);
	if (s->private_file && s->path)
		remove_files(s->path);
	u64map_free(&s->pend_index);
	free(s->pend_data);
	free(s->dels);
	free(s->path);
	free(s);
}

/* Drop @slot from the deletion list (it is being written again). */
static void undelete(struct swap_store *s, uint64_t slot)
{
	for (unsigned i = 0; i < s->ndels; i++) {
		if (s->dels[i] == slot) {
			s->dels[i] = s->dels[--s->ndels];
			return;
		}
	}
}

int swap_store_write(struct swap_store *s, uint64_t slot, const void *page)
{
	uint64_t *idx = u64map_get(&s->pend_index, slot);
	int rc;

	if (idx) {
		memcpy(s->pend_data + *idx * PAGE_SIZE, page, PAGE_SIZE);
		return 0;
	}
	if (s->npend == SWAP_BATCH && (rc = flush(s)) < 0)
		return rc;
	if (u64map_put(&s->pend_index, slot, s->npend) < 0)
		return vm_error(-ENOMEM, "out of memory in the swap batch");
	undelete(s, slot);
	memcpy(s->pend_data + (uint64_t)s->npend * PAGE_SIZE, page, PAGE_SIZE);
	s->pend_slot[s->npend++] = slot;
	return 0;
}

int swap_store_read(struct swap_store *s, uint64_t slot, void *page)
{
	uint64_t *idx = u64map_get(&s->pend_index, slot);
	int rc, ret = 0;

	if (idx) {
		memcpy(page, s->pend_data + *idx * PAGE_SIZE, PAGE_SIZE);
		return 0;
	}
	sqlite3_bind_int64(s->get, 1, (sqlite3_int64)slot);
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(s->get, 0) == (int)PAGE_SIZE)
		memcpy(page, sqlite3_column_blob(s->get, 0), PAGE_SIZE);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		ret = vm_error(-EIO, "swap store %s: slot %llu is %s", s->path,
			       (unsigned long long)slot, rc == SQLITE_DONE ? "missing" : "damaged");
	else
		ret = fail(s, rc, "reading a page");
	sqlite3_reset(s->get);
	return ret;
}

void swap_store_discard(struct swap_store *s, uint64_t slot)
{
	uint64_t *idx = u64map_get(&s->pend_index, slot);

	if (idx) {
		/* Move the last pending page into the hole. */
		uint64_t i = *idx, last = s->npend - 1;

		u64map_del(&s->pend_index, slot);
		if (i != last) {
			memcpy(s->pend_data + i * PAGE_SIZE, s->pend_data + last * PAGE_SIZE, PAGE_SIZE);
			s->pend_slot[i] = s->pend_slot[last];
			*u64map_get(&s->pend_index, s->pend_slot[i]) = i;
		}
		s->npend--;
	}
	if (s->ndels == s->cap_dels) {
		unsigned ncap = s->cap_dels ? s->cap_dels * 2 : 64;
		uint64_t *n = realloc(s->dels, ncap * sizeof(*n));

		if (!n)
			return;   /* the row stays; a stale row is never read */
		s->dels = n;
		s->cap_dels = ncap;
	}
	s->dels[s->ndels++] = slot;
	if (s->ndels >= 4 * SWAP_BATCH)
		flush(s);
}

int swap_store_sync(struct swap_store *s)
{
	return flush(s);
}

const char *swap_store_path(const struct swap_store *s)
{
	return s->path;
}

/*
 * store.c - the SQLite store (see store.h).
 *
 * The database keeps a rollback journal (journal_mode=PERSIST) with
 * synchronous=OFF and 64 KiB database pages.  A commit first copies to the
 * journal the old contents of the database pages it changes (pages
 * appended at the end of the file need none), then writes the new pages,
 * without waiting for the disk; the journal file is kept, the commit only
 * zeroes its header.  So a swapped-out page is written once when its row
 * is new and twice when it replaces one.  WAL, used before, wrote every
 * page twice (to the log, then at the checkpoint, after reading it back)
 * and checksummed it: streaming swap-out ran at half the rate.  The big
 * database pages hold a 4 KiB page per cell with no overflow page (with
 * 4 KiB database pages every slot cost a cell plus an overflow page,
 * written twice).  Surviving an operating system crash would buy nothing
 * (the store is emptied at open), and the journal still means that a
 * process killed at any moment leaves a database that opens cleanly: the
 * journal is complete before the first database page is written, and the
 * next connection rolls a half-done commit back (`sqlite3 FILE 'PRAGMA
 * integrity_check'` says ok).  A file made with other page sizes keeps
 * them.
 *
 * Reads run in a read transaction that stays open until the next commit,
 * store_sync() or metadata change, so that a run of major faults takes
 * SQLite's shared lock (checking the journal and the file's change
 * counter) once instead of once per page; a batch committed meanwhile
 * joins that transaction.  It does not hold up other readers.  A commit
 * needs the file to itself while it writes: it waits up to STORE_BUSY_MS
 * for readers inside a transaction, then fails with EBUSY, the batch kept.
 *
 * The batch holds pages keyed by (space, id, page number) packed into one
 * 64-bit key: bit 63 says object page (else swap slot), bits 40-62 the
 * object id, bits 0-39 the slot or page number.  Pending swap discards are
 * a list applied before the batch's writes.
 *
 * One machine per store, as swapon(8) refuses an area in use: the store
 * holds an flock() on PATH-lock from before SQLite opens PATH until after
 * it is closed, and removes PATH-lock at close.  Never a lock on PATH
 * itself: closing any descriptor of the database file drops every POSIX
 * lock the process holds on it, SQLite's included ("How To Corrupt An
 * SQLite Database File", section 2.2), so nothing but SQLite opens PATH,
 * and a second machine is refused before it does.  SQLite's own locks stay
 * free for readers such as the sqlite3 shell.  A PATH-lock left by a
 * process killed before its close is harmless: the kernel releases an
 * flock() when its last descriptor closes, at the latest at process death,
 * so the next store takes the stale file's lock and removes the file at its
 * own close.
 *
 * Every bind and step is checked: a statement whose bind failed is never
 * run (SQLite keeps the previous binding, so it would write another page,
 * slot or name).  A final commit that fails at close is rolled back and
 * reported (store_close's result); the file then holds what the last
 * successful commit wrote.
 *
 * Invariants: every pending key appears once in pend_key[] and in
 * pend_index; a swap slot is in at most one of the batch and dels[]; a row
 * in the database is current unless its key is pending; while the store is
 * open its lock_fd holds the flock() on lock_path, and PATH is open only
 * through SQLite.
 */
#include "store.h"
#include "error.h"
#include "phys.h"
#include "u64map.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_OBJ (1ull << 63)

#define STORE_BUSY_MS      5000               /* a commit waits this long for readers */
#define STORE_JOURNAL_KEEP (8 * 1024 * 1024)  /* journal_size_limit */

enum { ST_PUT, ST_GET, ST_DEL, ST_OPUT, ST_OGET, ST_OMETA, ST_OTRUNC, ST_ODELP, ST_ODEL, ST_N };

static const char *const sql[ST_N] = {
	[ST_PUT]    = "INSERT OR REPLACE INTO swap(slot, data) VALUES(?1, ?2)",
	[ST_GET]    = "SELECT data FROM swap WHERE slot = ?1",
	[ST_DEL]    = "DELETE FROM swap WHERE slot = ?1",
	[ST_OPUT]   = "INSERT OR REPLACE INTO object_pages(id, pgno, data) VALUES(?1, ?2, ?3)",
	[ST_OGET]   = "SELECT data FROM object_pages WHERE id = ?1 AND pgno = ?2",
	[ST_OMETA]  = "INSERT OR REPLACE INTO objects(id, name, size, mode) VALUES(?1, ?2, ?3, ?4)",
	[ST_OTRUNC] = "DELETE FROM object_pages WHERE id = ?1 AND pgno >= ?2",
	[ST_ODELP]  = "DELETE FROM object_pages WHERE id = ?1",
	[ST_ODEL]   = "DELETE FROM objects WHERE id = ?1",
};

struct store {
	sqlite3      *db;
	sqlite3_stmt *st[ST_N];
	char         *path;
	int           private_file;
	char         *lock_path;          /* PATH-lock */
	int           lock_fd;            /* flock()ed on lock_path for the machine's life */
	uint8_t      *pend_data;          /* STORE_BATCH pages */
	uint64_t      pend_key[STORE_BATCH];
	unsigned      npend;
	struct u64map pend_index;         /* key -> index in pend */
	uint64_t     *dels;               /* swap slots to delete */
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

static int fail(struct store *s, int rc, const char *what)
{
	return vm_error(sqlite_errno(rc) ? sqlite_errno(rc) : -EIO, "store %s: %s: %s",
			s->path, what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

static int exec(struct store *s, const char *q)
{
	int rc = sqlite3_exec(s->db, q, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(s, rc, q);
}

/* Run a prepared statement to completion; 0 or -errno. */
static int step(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : fail(s, rc, what);
}

/* Bind @v[0..@n-1] to parameters 1..@n of @st; 0 or -errno (then @st must
 * not run: a parameter whose bind failed keeps its previous value). */
static int bind_u64(struct store *s, sqlite3_stmt *st, const char *what, int n, const uint64_t *v)
{
	for (int i = 0; i < n; i++) {
		int rc = sqlite3_bind_int64(st, i + 1, (sqlite3_int64)v[i]);

		if (rc != SQLITE_OK)
			return fail(s, rc, what);
	}
	return 0;
}

/* Bind @n values to @st and run it to completion; 0 or -errno. */
static int run(struct store *s, sqlite3_stmt *st, const char *what, int n, const uint64_t *v)
{
	int rc = bind_u64(s, st, what, n, v);

	return rc < 0 ? rc : step(s, st, what);
}

static void remove_files(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };   /* -lock: unlock() */
	char buf[4200];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, suffix[i]);
		unlink(buf);
	}
}

/*
 * A private store is named vmfs-swap-PID-XXXXXX after the process that owns
 * it.  A process killed before it could close its machine leaves its files
 * behind; the next private store made in the same directory removes those
 * whose owner no longer exists (kill(pid, 0) says ESRCH).
 */
static void remove_orphans(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(e->d_name, "vmfs-swap-", 10))
			continue;
		pid = strtol(e->d_name + 10, &end, 10);
		if (end == e->d_name + 10 || *end != '-' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/*
 * journal_mode=PERSIST (a file left in WAL mode by an older version is
 * turned back), with the journal cut back to STORE_JOURNAL_KEEP after a
 * commit that made it longer.
 */
static int set_journal(struct store *s)
{
	char q[128];
	const char *mode = "persist";
	sqlite3_stmt *st;
	int rc, ok;

	snprintf(q, sizeof(q), "PRAGMA journal_mode=%s", mode);
	if ((rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL)) != SQLITE_OK)
		return fail(s, rc, "PRAGMA journal_mode");
	rc = sqlite3_step(st);
	ok = rc == SQLITE_ROW && !sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), mode);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(s, rc, "PRAGMA journal_mode");
	if (!ok)
		return vm_error(-EIO, "store %s: cannot set journal_mode=%s", s->path, mode);
	snprintf(q, sizeof(q), "PRAGMA journal_size_limit=%d", STORE_JOURNAL_KEEP);
	return exec(s, q);
}

/*
 * Take the store's lock, PATH-lock (see the top of this file).  The file
 * may be removed by the machine closing between our open and our flock():
 * then the lock we got is on a name nobody else will find, and we take it
 * again on the file now at that name.
 */
static int lock_store(struct store *s)
{
	struct stat held, named;
	size_t len = strlen(s->path) + sizeof("-lock");

	/* malloc, not asprintf: every allocation of the engine goes through malloc. */
	if (!(s->lock_path = malloc(len)))
		return vm_error(-ENOMEM, "out of memory opening the store");
	snprintf(s->lock_path, len, "%s-lock", s->path);
	for (;;) {
		int fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return vm_error(-errno, "store %s: cannot open %s: %s", s->path, s->lock_path,
					strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			return e == EWOULDBLOCK ? vm_error(-EBUSY, "store %s is in use by another machine", s->path)
						: vm_error(-e, "store %s: %s: %s", s->path, s->lock_path, strerror(e));
		}
		int e = fstat(fd, &held) < 0 || stat(s->lock_path, &named) < 0 ? errno : 0;

		if (!e && held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
			s->lock_fd = fd;
			return 0;
		}
		close(fd);
		if (e && e != ENOENT)   /* else removed under us: again */
			return vm_error(-e, "store %s: %s: %s", s->path, s->lock_path, strerror(e));
	}
}

/* Give the lock up (after SQLite closed PATH): remove PATH-lock while still
 * holding it, so that no other store takes the lock on a file being removed. */
static void unlock_store(struct store *s)
{
	if (s->lock_fd >= 0) {
		unlink(s->lock_path);
		close(s->lock_fd);
	}
	free(s->lock_path);
}

/*
 * Reads share one read transaction, begun by the first read that goes to
 * the database and ended by the next commit, store_sync() or metadata
 * change.  If BEGIN fails the read runs on its own.
 */
static void begin_read(struct store *s)
{
	if (sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
}

/* End the read transaction, if one is open.  It wrote nothing: a failing
 * COMMIT is rolled back, which loses nothing. */
static void end_read(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db) &&
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_open(struct store **out, const char *path)
{
	struct store *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return vm_error(-ENOMEM, "out of memory opening the store");
	s->lock_fd = -1;
	u64map_init(&s->pend_index);
	if (path) {
		s->path = strdup(path);
	} else {
		const char *dir = getenv("TMPDIR");
		char tmpl[4096];
		int fd;

		if (!dir || !*dir)
			dir = "/tmp";
		remove_orphans(dir);
		snprintf(tmpl, sizeof(tmpl), "%s/vmfs-swap-%ld-XXXXXX", dir, (long)getpid());
		fd = mkstemp(tmpl);
		if (fd < 0) {
			free(s);
			return vm_error(-errno, "cannot create a temporary store in %s: %s",
					dir, strerror(errno));
		}
		close(fd);
		s->path = strdup(tmpl);
		s->private_file = 1;
		if (!s->path)
			unlink(tmpl);   /* store_close cannot name it */
	}
	s->pend_data = malloc(STORE_BATCH * PAGE_SIZE);
	if (!s->path || !s->pend_data) {
		rc = vm_error(-ENOMEM, "out of memory opening the store");
		goto out;
	}
	if ((rc = lock_store(s)) < 0)
		goto out;
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = fail(s, rc, "open");
		goto out;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if ((rc = exec(s, "PRAGMA page_size=65536")) < 0 ||
	    (rc = set_journal(s)) < 0 ||
	    (rc = exec(s, "PRAGMA synchronous=OFF")) < 0 ||
	    (rc = exec(s, "CREATE TABLE IF NOT EXISTS swap(slot INTEGER PRIMARY KEY, data BLOB NOT NULL)")) < 0 ||
	    (rc = exec(s, "CREATE TABLE IF NOT EXISTS objects(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
			  " size INTEGER NOT NULL, mode INTEGER NOT NULL)")) < 0 ||
	    (rc = exec(s, "CREATE TABLE IF NOT EXISTS object_pages(id INTEGER NOT NULL, pgno INTEGER NOT NULL,"
			  " data BLOB NOT NULL, PRIMARY KEY(id, pgno)) WITHOUT ROWID")) < 0 ||
	    (rc = exec(s, "DELETE FROM swap; DELETE FROM objects; DELETE FROM object_pages")) < 0)
		goto out;
	for (int i = 0; i < ST_N; i++) {
		if ((rc = sqlite3_prepare_v2(s->db, sql[i], -1, &s->st[i], NULL)) != SQLITE_OK) {
			rc = fail(s, rc, "prepare");
			goto out;
		}
	}
	*out = s;
	return 0;
out:
	store_close(s);
	return rc;
}

/* Write the pending batch and deletions in one transaction. */
static int flush(struct store *s)
{
	int rc = 0;

	if (!s->npend && !s->ndels)
		return 0;
	if (sqlite3_get_autocommit(s->db) && (rc = exec(s, "BEGIN")) < 0)
		return rc;   /* else the batch joins the read transaction */
	for (unsigned i = 0; i < s->ndels && !rc; i++)
		rc = run(s, s->st[ST_DEL], "deleting a swap slot", 1, &s->dels[i]);
	for (unsigned i = 0; i < s->npend && !rc; i++) {
		uint64_t k = s->pend_key[i];
		const void *data = s->pend_data + (uint64_t)i * PAGE_SIZE;
		bool obj = k & KEY_OBJ;
		sqlite3_stmt *st = s->st[obj ? ST_OPUT : ST_PUT];
		uint64_t v[2] = { obj ? (k & ~KEY_OBJ) >> 40 : k, k & STORE_MAX_PG };
		int n = obj ? 2 : 1, c;

		if ((rc = bind_u64(s, st, "writing a batch", n, v)) < 0)
			break;
		if ((c = sqlite3_bind_blob(st, n + 1, data, PAGE_SIZE, SQLITE_STATIC)) != SQLITE_OK) {
			rc = fail(s, c, "writing a batch");
			break;
		}
		rc = step(s, st, "writing a batch");
	}
	if (!rc) {
		int c = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);

		if (c != SQLITE_OK)
			rc = fail(s, c, "committing a batch");
	}
	if (rc) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	s->npend = 0;
	s->ndels = 0;
	u64map_free(&s->pend_index);
	return 0;
}

int store_close(struct store *s)
{
	int rc = 0;

	if (!s)
		return 0;
	if (s->db && !s->private_file)
		rc = flush(s);   /* rolled back if it fails: the last commit stands */
	if (s->db)
		end_read(s);
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	if (s->private_file && s->path)
		remove_files(s->path);
	unlock_store(s);
	u64map_free(&s->pend_index);
	free(s->pend_data);
	free(s->dels);
	free(s->path);
	free(s);
	return rc;
}

bool store_is_private(const struct store *s)
{
	return s->private_file;
}

int store_sync(struct store *s)
{
	int rc = flush(s);

	end_read(s);
	return rc;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/* Drop @slot from the swap deletion list (it is being written again). */
static void undelete(struct store *s, uint64_t slot)
{
	for (unsigned i = 0; i < s->ndels; i++) {
		if (s->dels[i] == slot) {
			s->dels[i] = s->dels[--s->ndels];
			return;
		}
	}
}

/* Put a page in the batch under @key. */
static int pend_put(struct store *s, uint64_t key, const void *page)
{
	uint64_t *idx = u64map_get(&s->pend_index, key);
	int rc;

	if (idx) {
		memcpy(s->pend_data + *idx * PAGE_SIZE, page, PAGE_SIZE);
		return 0;
	}
	if (s->npend == STORE_BATCH && (rc = flush(s)) < 0)
		return rc;
	if (u64map_put(&s->pend_index, key, s->npend) < 0)
		return vm_error(-ENOMEM, "out of memory in the store's batch");
	memcpy(s->pend_data + (uint64_t)s->npend * PAGE_SIZE, page, PAGE_SIZE);
	s->pend_key[s->npend++] = key;
	return 0;
}

/* Copy a pending page out; false if @key is not pending. */
static bool pend_get(const struct store *s, uint64_t key, void *page)
{
	const uint64_t *idx = u64map_get(&s->pend_index, key);

	if (!idx)
		return false;
	memcpy(page, s->pend_data + *idx * PAGE_SIZE, PAGE_SIZE);
	return true;
}

/* Take @key out of the batch, moving the last page into its place. */
static void pend_drop(struct store *s, uint64_t key)
{
	uint64_t *idx = u64map_get(&s->pend_index, key);
	uint64_t i, last;

	if (!idx)
		return;
	i = *idx;
	last = s->npend - 1;
	u64map_del(&s->pend_index, key);
	if (i != last) {
		memcpy(s->pend_data + i * PAGE_SIZE, s->pend_data + last * PAGE_SIZE, PAGE_SIZE);
		s->pend_key[i] = s->pend_key[last];
		*u64map_get(&s->pend_index, s->pend_key[i]) = i;
	}
	s->npend--;
}

/* Read one blob row into @page; 1 found, 0 absent, -errno. */
static int read_row(struct store *s, sqlite3_stmt *st, void *page, const char *what)
{
	int rc = sqlite3_step(st), ret;

	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == (int)PAGE_SIZE) {
		memcpy(page, sqlite3_column_blob(st, 0), PAGE_SIZE);
		ret = 1;
	} else if (rc == SQLITE_ROW) {
		ret = vm_error(-EIO, "store %s: %s: a damaged row", s->path, what);
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		ret = fail(s, rc, what);
	}
	sqlite3_reset(st);
	return ret;
}

int store_swap_write(struct store *s, uint64_t slot, const void *page)
{
	undelete(s, slot);
	return pend_put(s, slot, page);
}

int store_swap_read(struct store *s, uint64_t slot, void *page)
{
	int rc;

	if (pend_get(s, slot, page))
		return 0;
	begin_read(s);
	if ((rc = bind_u64(s, s->st[ST_GET], "reading a swapped page", 1, &slot)) < 0)
		return rc;
	rc = read_row(s, s->st[ST_GET], page, "reading a swapped page");
	if (rc == 0)
		return vm_error(-EIO, "store %s: swap slot %llu is missing", s->path,
				(unsigned long long)slot);
	return rc < 0 ? rc : 0;
}

void store_swap_discard(struct store *s, uint64_t slot)
{
	pend_drop(s, slot);
	if (s->ndels == s->cap_dels) {
		unsigned ncap = s->cap_dels ? s->cap_dels * 2 : 64;
		uint64_t *n = realloc(s->dels, ncap * sizeof(*n));

		if (!n)
			return;   /* the row stays; a stale row is never read */
		s->dels = n;
		s->cap_dels = ncap;
	}
	s->dels[s->ndels++] = slot;
	if (s->ndels >= 4 * STORE_BATCH)
		flush(s);
}

static inline uint64_t obj_key(uint64_t id, uint64_t pgno)
{
	return KEY_OBJ | (id << 40) | pgno;
}

int store_obj_meta(struct store *s, uint64_t id, const char *name, uint64_t size, unsigned mode)
{
	static const char what[] = "writing an object's size";
	sqlite3_stmt *st = s->st[ST_OMETA];
	uint64_t v[4] = { id, 0, size, mode };   /* 2 is the name, bound below */
	int rc;

	end_read(s);   /* a statement of its own, committed at once */
	if ((rc = bind_u64(s, st, what, 4, v)) < 0)
		return rc;
	if ((rc = sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT)) != SQLITE_OK)
		return fail(s, rc, what);
	return step(s, st, what);
}

int store_obj_page_write(struct store *s, uint64_t id, uint64_t pgno, const void *page)
{
	return pend_put(s, obj_key(id, pgno), page);
}

int store_obj_page_read(struct store *s, uint64_t id, uint64_t pgno, void *page)
{
	sqlite3_stmt *st = s->st[ST_OGET];
	uint64_t v[2] = { id, pgno };
	int rc;

	if (pend_get(s, obj_key(id, pgno), page))
		return 0;
	begin_read(s);
	if ((rc = bind_u64(s, st, "reading an object page", 2, v)) < 0)
		return rc;
	rc = read_row(s, st, page, "reading an object page");
	if (rc == 0)
		memset(page, 0, PAGE_SIZE);
	return rc < 0 ? rc : 0;
}

/* Drop the pending pages of object @id from @npages on. */
static void pend_drop_obj(struct store *s, uint64_t id, uint64_t npages)
{
	for (unsigned i = 0; i < s->npend;) {
		uint64_t k = s->pend_key[i];

		if ((k & KEY_OBJ) && ((k & ~KEY_OBJ) >> 40) == id && (k & STORE_MAX_PG) >= npages)
			pend_drop(s, k);   /* moves another key into i */
		else
			i++;
	}
}

int store_obj_truncate(struct store *s, uint64_t id, uint64_t npages)
{
	uint64_t v[2] = { id, npages };

	pend_drop_obj(s, id, npages);
	end_read(s);
	return run(s, s->st[ST_OTRUNC], "truncating an object", 2, v);
}

int store_obj_delete(struct store *s, uint64_t id)
{
	int rc;

	pend_drop_obj(s, id, 0);
	end_read(s);
	if ((rc = run(s, s->st[ST_ODELP], "removing an object's pages", 1, &id)) < 0)
		return rc;
	return run(s, s->st[ST_ODEL], "removing an object", 1, &id);
}

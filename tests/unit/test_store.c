/*
 * test_store.c - unit test of the promises src/store.c makes on its own,
 * beyond what swap makes of its failures (test_swapfail.c): one machine per
 * store without ever dropping SQLite's locks, every bind and step checked,
 * and a close that cannot write saying so.
 *
 * The test is linked with -Wl,--wrap= for sqlite3_bind_int64,
 * sqlite3_bind_blob, sqlite3_bind_text, sqlite3_step and sqlite3_exec: the
 * wrappers below pass each call on to SQLite unless the injector says this
 * call (counted from 0 among the kinds it watches) is the one to fail; a
 * failing call is not run.  ROLLBACK is never failed nor counted (it is the
 * store's way out of a failure).
 *
 * 1. The lock survives a refused second machine.  Machine A on swap=PATH
 *    swaps pages out, commits them and reads one back, so that SQLite holds
 *    its shared lock on PATH (the store's read transaction).  Machine B
 *    opened on PATH in the same process fails with EBUSY; then a child
 *    process must still be refused SQLite's exclusive lock on PATH (BEGIN
 *    EXCLUSIVE, no busy timeout, gives SQLITE_BUSY).  A store that locked
 *    PATH by opening it a second time dropped A's lock when B closed that
 *    descriptor (closing any descriptor of a file drops every POSIX lock the
 *    process holds on it; SQLite's "How To Corrupt An SQLite Database File",
 *    section 2.2), and the child got the lock.
 * 2. Two machines in one process under load.  A thread keeps machine A busy
 *    (8 frames, 64 pages written, read back, reclaimed and synced at
 *    random), a child process reads PATH with sqlite3 all along as a
 *    well-behaved reader does, and the main thread opens machine B on PATH
 *    again and again: each open fails with EBUSY.  Then PRAGMA
 *    integrity_check says ok, every page of A is what A wrote, and every
 *    read of the child succeeded.
 * 3. Stale lock files.  A PATH-lock left behind (by a process killed before
 *    its close) does not stop the next machine; close removes PATH-lock, and
 *    a private store leaves no file at all.
 * 4. Every bind, step and exec of a store workload fails in turn (swap
 *    slots written, read, discarded; objects created, written, read,
 *    truncated, removed; syncs).  A byte model says what every read must
 *    give: an operation that met the failure returns an error (and changes
 *    nothing it did not report), one that succeeded did exactly its work;
 *    with injection off everything reads back and the objects table holds
 *    the model's names, sizes and modes.  Before every bind was checked, a
 *    failed bind left the previous value bound and the statement wrote a
 *    page, a name or a slot number that was not the caller's.
 * 5. A close that cannot write.  A store on PATH with a sync behind it and
 *    more pending: each call of the close's final commit fails in turn;
 *    store_close then returns the error, and the file still holds exactly
 *    the rows of the last sync (integrity_check ok).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "error.h"
#include "machine.h"
#include "store.h"
#include "vmscan.h"
#include "../splitmix.h"
#include "sqlite_wrap.h"

#define PG     PAGE_SIZE
#define BASE   0x400000ull
#define NPAGES 64
#define RW     (PROT_READ | PROT_WRITE)

/* ---- the wrapped SQLite calls ------------------------------------------------- */

enum { K_BIND = 1, K_STEP = 2, K_EXEC = 4 };

static struct {
	unsigned kinds;        /* the kinds of call counted (0: injection off) */
	long calls;            /* calls counted */
	long fail_at;          /* fail this call (counted from 0), or -1 */
	long fired;            /* calls failed */
	int code;              /* what a failing call returns */
	char what[80];         /* the last call failed */
} inj = { .fail_at = -1 };

static void inj_reset(unsigned kinds, long fail_at, int code)
{
	inj.kinds = kinds;
	inj.calls = 0;
	inj.fail_at = fail_at;
	inj.fired = 0;
	inj.code = code;
	inj.what[0] = '\0';
}

static bool inject(unsigned kind, const char *what)
{
	if (!(inj.kinds & kind) || inj.calls++ != inj.fail_at)
		return false;
	inj.fired++;
	snprintf(inj.what, sizeof(inj.what), "%s", what ? what : "?");
	return true;
}

int __wrap_sqlite3_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v)
{
	return inject(K_BIND, "bind_int64") ? inj.code : __real_sqlite3_bind_int64(st, i, v);
}

int __wrap_sqlite3_bind_blob(sqlite3_stmt *st, int i, const void *p, int n, void (*d)(void *))
{
	return inject(K_BIND, "bind_blob") ? inj.code : __real_sqlite3_bind_blob(st, i, p, n, d);
}

int __wrap_sqlite3_bind_text(sqlite3_stmt *st, int i, const char *p, int n, void (*d)(void *))
{
	return inject(K_BIND, "bind_text") ? inj.code : __real_sqlite3_bind_text(st, i, p, n, d);
}

int __wrap_sqlite3_step(sqlite3_stmt *st)
{
	return inject(K_STEP, sqlite3_sql(st)) ? inj.code : __real_sqlite3_step(st);
}

int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, sqlite_exec_cb cb, void *arg, char **err)
{
	if (strcmp(sql, "ROLLBACK") && inject(K_EXEC, sql)) {
		if (err)
			*err = NULL;
		return inj.code;
	}
	return __real_sqlite3_exec(db, sql, cb, arg, err);
}

/* ---- helpers ---------------------------------------------------------------------- */

static char tmpdir[4096];

/* A fresh empty directory for this test's files; @path gets DIR/NAME. */
static void test_path(char *path, size_t len, const char *name)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/vmfs-store-test.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(path, len, "%s/%s", tmpdir, name);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Remove the test directory and whatever the store left in it. */
static void test_path_done(const char *path)
{
	static const char *const suffix[] = { "", "-journal", "-lock", "-wal", "-shm" };
	char side[4200];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, suffix[i]);
		unlink(side);
	}
	assert_int_equal(rmdir(tmpdir), 0);
}

/* One value of a query on its own connection to @path (read-only). */
static char *query(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	char *out;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	out = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_non_null(out);
	return out;
}

static void expect_integrity(const char *path)
{
	char *r = query(path, "PRAGMA integrity_check");

	if (strcmp(r, "ok"))
		print_error("integrity_check of %s: %s\n", path, r);
	assert_string_equal(r, "ok");
	free(r);
}

/* The page number @p of generation @gen, as machine A writes it. */
static void fill(unsigned char *page, uint64_t p, uint64_t gen)
{
	uint64_t seed = p * 1000003u + gen;

	for (unsigned i = 0; i < PG; i += 8) {
		uint64_t v = splitmix64(&seed);
		memcpy(page + i, &v, 8);
	}
}

struct world {
	struct vmfs *m;
	int pid;
	uint64_t gen[NPAGES];
	uint64_t rng;
	long ops;
};

static void world_open(struct world *w, const char *opts)
{
	uint64_t out = 0;

	memset(w, 0, sizeof(*w));
	w->rng = 20260613;
	assert_int_equal(machine_open(&w->m, opts), 0);
	w->pid = mm_spawn(w->m, "store");
	assert_true(w->pid > 0);
	assert_int_equal(do_mmap(w->m, w->pid, BASE, NPAGES * PG, RW,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &out), 0);
	assert_int_equal(out, BASE);
}

/* Write page @p of machine A anew; false (and why, on stderr) if it failed.
 * These return rather than assert: the load test calls them from a thread. */
static bool page_write(struct world *w, uint64_t p)
{
	unsigned char page[PG];

	fill(page, p, ++w->gen[p]);
	int64_t n = access_vm(w->m, w->pid, BASE + p * PG, page, PG, VMFS_ACCESS_WRITE, NULL);
	if (n != PG)
		fprintf(stderr, "write of page %" PRIu64 " = %" PRId64 ": %s\n", p, n, vm_error_msg());
	return n == PG;
}

/* Page @p reads as last written; false (and why) if not. */
static bool page_check(struct world *w, uint64_t p)
{
	unsigned char page[PG], want[PG];

	memset(want, 0, PG);
	if (w->gen[p])
		fill(want, p, w->gen[p]);
	int64_t n = access_vm(w->m, w->pid, BASE + p * PG, page, PG, VMFS_ACCESS_READ, NULL);
	if (n != PG)
		fprintf(stderr, "read of page %" PRIu64 " = %" PRId64 ": %s\n", p, n, vm_error_msg());
	else if (memcmp(page, want, PG))
		fprintf(stderr, "page %" PRIu64 " (generation %" PRIu64 ") differs\n", p, w->gen[p]);
	return n == PG && !memcmp(page, want, PG);
}

/* A second machine on the same store: refused with EBUSY, nothing made. */
static void expect_refused(const char *opts)
{
	struct vmfs *b = NULL;
	int rc = machine_open(&b, opts);

	if (rc != -EBUSY)
		print_error("second machine on %s = %d: %s\n", opts, rc, vm_error_msg());
	assert_int_equal(rc, -EBUSY);
	assert_null(b);
}

/*
 * The probes run in a fresh process (this program run again with a first
 * argument naming the probe): a forked child would inherit SQLite's
 * in-process record of the parent's locks on the file and answer from it
 * without asking the kernel.
 */
static pid_t probe_start(const char *what, const char *path, int fd)
{
	char fdarg[16];
	pid_t c;

	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		execl("/proc/self/exe", "unit-store", what, path, fdarg, (char *)NULL);
		_exit(127);
	}
	return c;
}

static int probe_wait(pid_t c)
{
	int status;

	assert_int_equal(waitpid(c, &status, 0), c);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Probe: 0 when SQLite's exclusive lock on @path is refused (as it must be
 * while the machine holds its shared lock), 1 when it was granted. */
static int try_exclusive(const char *path)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return 2;
	rc = sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_BUSY ? 0 : rc == SQLITE_OK ? 1 : 3;
}

/* ---- 1. the lock survives a refused second machine -------------------------------- */

static void test_lock_survives_refused_open(void **state)
{
	char path[4200], opts[4300];
	struct world *w = malloc(sizeof(*w));

	(void)state;
	assert_non_null(w);
	test_path(path, sizeof(path), "swap.db");
	snprintf(opts, sizeof(opts), "frames=8,swap=%s", path);
	world_open(w, opts);
	for (uint64_t p = 0; p < 16; p++)
		assert_true(page_write(w, p));
	assert_int_equal(machine_sync(w->m), 0);
	assert_true(page_check(w, 0));   /* a major fault: the store's read transaction */
	assert_int_equal(probe_wait(probe_start("--try-exclusive", path, -1)), 0);

	expect_refused(opts);
	int rc = probe_wait(probe_start("--try-exclusive", path, -1));
	if (rc)
		print_error("after the refused open, another process got SQLite's exclusive "
			    "lock on %s (status %d): the machine's lock was dropped\n", path, rc);
	assert_int_equal(rc, 0);

	for (uint64_t p = 0; p < 16; p++)
		assert_true(page_check(w, p));
	machine_close(w->m);
	expect_integrity(path);
	test_path_done(path);
	free(w);
}

/* ---- 2. two machines in one process under load ------------------------------------ */

static atomic_int stop;

/* Machine A's thread: writes, reads, reclaim and sync until told to stop;
 * returns non-NULL after the first failure. */
static void *busy_machine(void *arg)
{
	struct world *w = arg;
	bool ok = true;

	while (ok && !atomic_load(&stop)) {
		uint64_t p = splitmix64_below(&w->rng, NPAGES), k = splitmix64_below(&w->rng, 100);

		if (k < 50)
			ok = page_write(w, p);
		else if (k < 90)
			ok = page_check(w, p);
		else if (k < 95)
			ok = reclaim_pages(w->m, 4) >= 0;
		else
			ok = machine_sync(w->m) == 0;
		if (!ok)
			fprintf(stderr, "machine A, operation %ld: %s\n", w->ops, vm_error_msg());
		w->ops++;
	}
	return ok ? NULL : arg;
}

/* Probe: read the store as sqlite3(1) would until @fd (a pipe) closes;
 * 0 when every read succeeded (or waited its turn), 1 otherwise. */
static int reader(const char *path, int reader_fd)
{
	sqlite3 *db;
	long reads = 0;

	/* Read-write, as sqlite3(1) opens a file: a reader that finds a hot
	 * journal rolls it back. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return 2;
	sqlite3_busy_timeout(db, 5000);
	for (;;) {
		struct pollfd pf = { .fd = reader_fd, .events = POLLIN };
		sqlite3_stmt *q = NULL;
		int rc;

		if (poll(&pf, 1, 0) > 0)
			break;   /* EOF: the test is over */
		rc = sqlite3_prepare_v2(db, "SELECT count(*), total(length(data) != 4096) FROM swap", -1, &q, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(q);
		if (rc == SQLITE_ROW && sqlite3_column_int64(q, 1) != 0)
			rc = SQLITE_CORRUPT;
		sqlite3_finalize(q);
		if (rc != SQLITE_ROW && rc != SQLITE_BUSY && rc != SQLITE_OK) {
			fprintf(stderr, "reader: read %ld of %s: %s (%d)\n", reads, path,
				sqlite3_errmsg(db), rc);
			sqlite3_close(db);
			return 1;
		}
		reads++;
	}
	sqlite3_close(db);
	fprintf(stderr, "reader: %ld reads\n", reads);
	return 0;
}

static void test_two_machines_under_load(void **state)
{
	char path[4200], opts[4300];
	struct world *w = malloc(sizeof(*w));
	int pfd[2];
	pthread_t t;

	(void)state;
	assert_non_null(w);
	test_path(path, sizeof(path), "swap.db");
	snprintf(opts, sizeof(opts), "frames=8,swap=%s", path);
	world_open(w, opts);
	for (uint64_t p = 0; p < NPAGES; p++)
		assert_true(page_write(w, p));
	assert_int_equal(machine_sync(w->m), 0);

	assert_int_equal(pipe(pfd), 0);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	pid_t child = probe_start("--reader", path, pfd[0]);
	close(pfd[0]);

	atomic_store(&stop, 0);
	assert_int_equal(pthread_create(&t, NULL, busy_machine, w), 0);
	int refused = 0;
	for (int i = 0; i < 400; i++) {
		expect_refused(opts);
		refused++;
		usleep(1000);
	}
	atomic_store(&stop, 1);
	void *res;
	assert_int_equal(pthread_join(t, &res), 0);
	assert_null(res);
	close(pfd[1]);
	int status = probe_wait(child);

	assert_int_equal(machine_sync(w->m), 0);
	expect_integrity(path);
	for (uint64_t p = 0; p < NPAGES; p++)
		assert_true(page_check(w, p));
	print_message("two machines: %d opens refused with EBUSY while machine A did %ld "
		      "operations\n", refused, w->ops);
	assert_int_equal(status, 0);
	machine_close(w->m);
	expect_integrity(path);
	test_path_done(path);
	free(w);
}

/* ---- 3. stale lock files ----------------------------------------------------------- */

static void test_stale_lock_file(void **state)
{
	char path[4200], lock[4300], opts[4300];
	struct vmfs *m;

	(void)state;
	test_path(path, sizeof(path), "swap.db");
	snprintf(lock, sizeof(lock), "%s-lock", path);
	snprintf(opts, sizeof(opts), "frames=8,swap=%s", path);

	/* A lock file with no lock on it, as a killed process leaves it. */
	int fd = open(lock, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(machine_open(&m, opts), 0);
	assert_true(exists(lock));
	expect_refused(opts);
	machine_close(m);
	assert_false(exists(lock));
	assert_true(exists(path));

	/* Held by someone else (another process, here another descriptor): refused. */
	fd = open(lock, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	expect_refused(opts);
	close(fd);
	assert_int_equal(machine_open(&m, opts), 0);
	machine_close(m);
	assert_false(exists(lock));
	test_path_done(path);

	/* A private store leaves nothing behind. */
	struct store *s;
	char priv[4200];
	assert_int_equal(store_open(&s, NULL), 0);
	snprintf(priv, sizeof(priv), "%s", store_path(s));
	snprintf(lock, sizeof(lock), "%s-lock", priv);
	assert_true(exists(priv));
	assert_int_equal(store_close(s), 0);
	assert_false(exists(priv));
	assert_false(exists(lock));
}

/* ---- 4. every bind, step and exec of a store workload ------------------------------- */

#define NSLOT 12
#define NOBJ  3
#define NOPG  6

struct model {
	unsigned char swap[NSLOT + 1][PG];
	bool has_slot[NSLOT + 1];           /* written and not discarded */
	unsigned char obj[NOBJ + 1][NOPG][PG];
	bool known[NOBJ + 1][NOPG];         /* false after a failed truncate or removal */
	bool meta_known[NOBJ + 1];
	bool live[NOBJ + 1];
	uint64_t size[NOBJ + 1];
	unsigned mode[NOBJ + 1];
	uint64_t rng;
	long failures;
};

static void random_page(struct model *md, unsigned char *page)
{
	for (unsigned i = 0; i < PG; i += 8) {
		uint64_t v = splitmix64(&md->rng);
		memcpy(page + i, &v, 8);
	}
}

/* An operation returned @rc with @fired failures injected before it. */
static bool failed(struct model *md, const char *op, int rc, long fired)
{
	if (rc == 0)
		return false;
	if (inj.fired == fired || (rc != -EIO && rc != -ENOSPC && rc != -ENOMEM))
		fail_msg("%s = %d (%s) with no injected failure (fired %ld, call %ld)", op, rc,
			 vm_error_msg(), inj.fired, inj.fail_at);
	md->failures++;
	return true;
}

static void obj_name(char *buf, size_t len, uint64_t id, uint64_t size)
{
	snprintf(buf, len, "obj%" PRIu64 "-%" PRIu64, id, size);
}

static void obj_set_meta(struct store *s, struct model *md, uint64_t id, uint64_t size)
{
	char name[32];
	unsigned mode = 0600 | (unsigned)splitmix64_below(&md->rng, 0100);
	long fired = inj.fired;

	obj_name(name, sizeof(name), id, size);
	if (failed(md, "obj_meta", store_obj_meta(s, id, name, size, mode), fired)) {
		md->meta_known[id] = false;   /* the statement may or may not have run */
		return;
	}
	md->live[id] = md->meta_known[id] = true;
	md->size[id] = size;
	md->mode[id] = mode;
}

static void store_op(struct store *s, struct model *md)
{
	unsigned char page[PG];
	uint64_t k = splitmix64_below(&md->rng, 100);
	uint64_t slot = 1 + splitmix64_below(&md->rng, NSLOT);
	uint64_t id = 1 + splitmix64_below(&md->rng, NOBJ), pg = splitmix64_below(&md->rng, NOPG);
	long fired = inj.fired;
	int rc;

	if (k < 20) {
		random_page(md, page);
		if (!failed(md, "swap_write", store_swap_write(s, slot, page), fired)) {
			memcpy(md->swap[slot], page, PG);
			md->has_slot[slot] = true;
		}
	} else if (k < 35) {
		if (!md->has_slot[slot])
			return;
		rc = store_swap_read(s, slot, page);
		if (!failed(md, "swap_read", rc, fired) && memcmp(page, md->swap[slot], PG))
			fail_msg("swap slot %" PRIu64 " differs; injected %s", slot, inj.what);
	} else if (k < 40) {
		store_swap_discard(s, slot);
		md->has_slot[slot] = false;
	} else if (k < 45) {
		obj_set_meta(s, md, id, pg * PG);
	} else if (k < 65) {
		random_page(md, page);
		if (!failed(md, "obj_page_write", store_obj_page_write(s, id, pg, page), fired)) {
			memcpy(md->obj[id][pg], page, PG);
			md->known[id][pg] = true;
		}
	} else if (k < 80) {
		rc = store_obj_page_read(s, id, pg, page);
		if (!failed(md, "obj_page_read", rc, fired) && md->known[id][pg] &&
		    memcmp(page, md->obj[id][pg], PG))
			fail_msg("object %" PRIu64 " page %" PRIu64 " differs; injected %s", id, pg,
				 inj.what);
	} else if (k < 85) {
		bool ok = !failed(md, "obj_truncate", store_obj_truncate(s, id, pg), fired);
		for (uint64_t p = pg; p < NOPG; p++) {
			memset(md->obj[id][p], 0, PG);
			md->known[id][p] = ok;
		}
	} else if (k < 88) {
		rc = store_obj_delete(s, id);
		bool ok = !failed(md, "obj_delete", rc, fired);
		for (uint64_t p = 0; p < NOPG; p++) {
			memset(md->obj[id][p], 0, PG);
			md->known[id][p] = ok;
		}
		md->meta_known[id] = ok;
		md->live[id] = false;
	} else {
		failed(md, "sync", store_sync(s), fired);
	}
}

/* Injection off: everything the model knows reads back, and the objects
 * table says what the model says. */
static void store_verify(struct store *s, struct model *md)
{
	unsigned char page[PG];
	char q[160], name[32];

	assert_int_equal(store_sync(s), 0);
	for (uint64_t slot = 1; slot <= NSLOT; slot++) {
		if (!md->has_slot[slot])
			continue;
		assert_int_equal(store_swap_read(s, slot, page), 0);
		if (memcmp(page, md->swap[slot], PG))
			fail_msg("swap slot %" PRIu64 " differs at the end; injected %s", slot, inj.what);
	}
	for (uint64_t id = 1; id <= NOBJ; id++) {
		for (uint64_t p = 0; p < NOPG; p++) {
			assert_int_equal(store_obj_page_read(s, id, p, page), 0);
			if (md->known[id][p] && memcmp(page, md->obj[id][p], PG))
				fail_msg("object %" PRIu64 " page %" PRIu64 " differs at the end; "
					 "injected %s", id, p, inj.what);
		}
		if (!md->meta_known[id])
			continue;
		assert_int_equal(store_sync(s), 0);   /* no read transaction for the query */
		snprintf(q, sizeof(q), "SELECT coalesce((SELECT name || ' ' || size || ' ' || mode "
			 "FROM objects WHERE id = %" PRIu64 "), 'none')", id);
		char *got = query(store_path(s), q), want[64];
		obj_name(name, sizeof(name), id, md->size[id]);
		if (md->live[id])
			snprintf(want, sizeof(want), "%s %" PRIu64 " %u", name, md->size[id], md->mode[id]);
		else
			snprintf(want, sizeof(want), "none");
		if (strcmp(got, want))
			fail_msg("object %" PRIu64 ": '%s', model '%s'; injected %s", id, got, want,
				 inj.what);
		free(got);
	}
}

#define STORE_OPS 300

static void store_workload(struct model *md, unsigned kinds, long fail_at, int code)
{
	struct store *s;

	memset(md, 0, sizeof(*md));
	md->rng = 20260614;
	assert_int_equal(store_open(&s, NULL), 0);
	inj_reset(kinds, fail_at, code);
	for (int i = 0; i < STORE_OPS; i++)
		store_op(s, md);
	inj.kinds = 0;
	store_verify(s, md);
	assert_int_equal(store_close(s), 0);
}

static void test_every_call_of_the_store(void **state)
{
	static const struct { unsigned kinds; const char *name; int code; } runs[] = {
		{ K_BIND, "bind", SQLITE_NOMEM },
		{ K_BIND, "bind", SQLITE_RANGE },
		{ K_STEP, "step", SQLITE_IOERR },
		{ K_EXEC, "exec", SQLITE_FULL },
	};
	struct model *md = malloc(sizeof(*md));

	(void)state;
	assert_non_null(md);
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		long failures = 0;

		store_workload(md, runs[r].kinds, -1, 0);
		long n = inj.calls;
		assert_true(n > 50);
		assert_int_equal(md->failures, 0);
		for (long k = 0; k < n; k++) {
			store_workload(md, runs[r].kinds, k, runs[r].code);
			assert_int_equal(inj.fired, 1);
			failures += md->failures;
		}
		print_message("store: each of %ld %s calls failed in turn (code %d); %ld operations "
			      "reported it\n", n, runs[r].name, runs[r].code, failures);
	}
	free(md);
}

/* ---- 5. a close that cannot write ---------------------------------------------------- */

/* The rows of the store at @path, as one string (slot:first byte ...). */
static char *rows(const char *path)
{
	return query(path, "SELECT coalesce(group_concat(r, ' '), '') FROM ("
			   "SELECT 's' || slot || ':' || hex(substr(data, 1, 2)) AS r FROM swap UNION ALL "
			   "SELECT 'o' || id || '.' || pgno || ':' || hex(substr(data, 1, 2)) FROM object_pages "
			   "UNION ALL SELECT 'm' || id || ':' || name || '/' || size FROM objects ORDER BY 1)");
}

/* A store on @path with a sync behind it and more pending. */
static struct store *store_with_pending(const char *path)
{
	unsigned char page[PG];
	struct store *s;

	assert_int_equal(store_open(&s, path), 0);
	for (uint64_t slot = 1; slot <= 4; slot++) {
		memset(page, (int)slot, PG);
		assert_int_equal(store_swap_write(s, slot, page), 0);
	}
	assert_int_equal(store_obj_meta(s, 7, "seven", 2 * PG, 0644), 0);
	memset(page, 0x70, PG);
	assert_int_equal(store_obj_page_write(s, 7, 0, page), 0);
	assert_int_equal(store_sync(s), 0);
	/* After the sync: overwrite, add, discard. */
	memset(page, 0xa1, PG);
	assert_int_equal(store_swap_write(s, 1, page), 0);
	memset(page, 0xa5, PG);
	assert_int_equal(store_swap_write(s, 5, page), 0);
	store_swap_discard(s, 2);
	memset(page, 0x71, PG);
	assert_int_equal(store_obj_page_write(s, 7, 1, page), 0);
	assert_int_equal(store_swap_read(s, 3, page), 0);   /* a read transaction too */
	return s;
}

static void test_close_that_cannot_write(void **state)
{
	static const int codes[] = { SQLITE_IOERR, SQLITE_FULL };
	char path[4200];
	char *synced, *closed;
	struct store *s;

	(void)state;
	test_path(path, sizeof(path), "close.db");
	/* The rows of the sync, then those of a clean close, and the calls it makes. */
	s = store_with_pending(path);
	synced = rows(path);
	inj_reset(K_BIND | K_STEP | K_EXEC, -1, 0);
	assert_int_equal(store_close(s), 0);
	long n = inj.calls;
	inj.kinds = 0;
	closed = rows(path);
	assert_string_not_equal(synced, closed);
	assert_true(n >= 3);

	for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		for (long k = 0; k < n; k++) {
			s = store_with_pending(path);
			inj_reset(K_BIND | K_STEP | K_EXEC, k, codes[c]);
			vm_error_clear();
			int rc = store_close(s);
			inj.kinds = 0;
			assert_int_equal(inj.fired, 1);
			if (rc != (codes[c] == SQLITE_FULL ? -ENOSPC : -EIO) || !*vm_error_msg())
				fail_msg("store_close with %s failing = %d ('%s')", inj.what, rc,
					 vm_error_msg());
			expect_integrity(path);
			char *now = rows(path);
			if (strcmp(now, synced))
				fail_msg("after a close that failed at %s the store holds '%s', "
					 "the last sync '%s'", inj.what, now, synced);
			free(now);
		}
	}
	print_message("close: each of its %ld calls failed in turn; the error reported and the "
		      "last sync's rows intact\n", n);
	free(synced);
	free(closed);
	test_path_done(path);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--try-exclusive"))
		return try_exclusive(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--reader"))
		return reader(argv[2], atoi(argv[3]));

	/* Some hundred stores are made and removed: in memory when the host allows. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_survives_refused_open),
		cmocka_unit_test(test_two_machines_under_load),
		cmocka_unit_test(test_stale_lock_file),
		cmocka_unit_test(test_every_call_of_the_store),
		cmocka_unit_test(test_close_that_cannot_write),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

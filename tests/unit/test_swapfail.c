/*
 * test_swapfail.c - unit test of the store's failure paths as swap sees
 * them (src/store.c through src/vmscan.c and src/memory.c): every SQLite call
 * the store makes while a machine swaps can fail, and a failure must cost
 * an error, never a byte.
 *
 * The test is linked with -Wl,--wrap=sqlite3_step,--wrap=sqlite3_exec, so
 * the store's calls land in __wrap_sqlite3_step/__wrap_sqlite3_exec below,
 * which pass them on to the real SQLite unless the injector says that this
 * call is the one to fail (with SQLITE_IOERR or SQLITE_FULL, without running
 * it).  sqlite3_exec is wrapped too because the store runs BEGIN and COMMIT
 * through it (SQLite's own steps inside exec are not the store's and are not
 * seen).  ROLLBACK is passed on and never counted: it is the store's way out
 * of a failure.
 *
 * 1. Every call of a workload.  A machine of 8 frames; a parent with 64
 *    private and 8 shared anonymous pages, all written, then a fork, then
 *    random writes and reads (spanning pages, both processes, private and
 *    shared), sync (machine_sync) and reclaim every few operations, so that
 *    most reads come from the database and some from the in-memory batch.
 *    A byte model of both processes says what every read must return.  One
 *    clean run counts the store's calls (N); then for every k < N and each
 *    of the two result codes a fresh machine runs the workload with the k-th
 *    call failing.
 * 2. The batch committed from inside an eviction.  Writes are batched 256
 *    pages to a transaction, so the 257th dirty eviction commits the batch
 *    in the middle of a page fault.  With the batch full, the injector fails
 *    the call at position i of every commit attempt (BEGIN is 0, then the
 *    256 INSERTs, then COMMIT) for each i in turn, on one machine: a disk
 *    that keeps failing there.  The faulting write fails each time and the
 *    machine must not change; then the disk heals and everything is there.
 *
 * What stays true:
 *   - an operation that met the failure returns -EIO or -ENOSPC (a failing
 *     commit during an eviction may also show as -ENOMEM when every victim
 *     failed, or be absorbed when another victim's commit succeeded), or,
 *     for an access failing on a later page, a short count at a page
 *     boundary; the bytes it did not do are untouched;
 *   - with injection off, the rest of the workload and a final read of
 *     every page of every process give exactly the model's bytes,
 *     machine_sync succeeds, and the swap table then holds exactly
 *     swap_used rows.
 * The number of injection points exercised is printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "error.h"
#include "machine.h"
#include "store.h"
#include "vmscan.h"
#include "../splitmix.h"
#include "sqlite_wrap.h"

#define PG        PAGE_SIZE
#define PRIV      0x400000ull    /* private pages */
#define SHRD      0x800000ull    /* NSHRD shared anonymous pages */
#define NPRIV     64             /* scenario 1: private pages */
#define NSHRD     8
#define OPS       160
#define NBIG      (STORE_BATCH + 10) /* scenario 2: enough to fill a batch */
#define FRAMES    8
#define RW        (PROT_READ | PROT_WRITE)

/* ---- the wrapped SQLite calls ------------------------------------------------- */

struct injector {
	bool counting;         /* count the store's calls (the workload is running) */
	long calls;            /* calls counted */
	long fail_at;          /* fail this call (counted from 0), or -1 */
	long fail_pos;         /* or fail every call at this position of a commit, or -1 */
	long pos;              /* position in the current commit attempt (BEGIN = 0) */
	int code;              /* what a failing call returns */
	long fired;            /* calls failed */
	char what[64];         /* the SQL of the last call failed */
};

static struct injector inj = { .fail_at = -1, .fail_pos = -1 };

static void inj_reset(long fail_at, long fail_pos, int code)
{
	inj = (struct injector){ .fail_at = fail_at, .fail_pos = fail_pos, .code = code };
}

/* Should this call fail?  Counts it. */
static bool inject(const char *sql)
{
	bool fail_it;

	if (!inj.counting)
		return false;
	if (sql && !strncmp(sql, "BEGIN", 5))
		inj.pos = 0;
	else
		inj.pos++;
	fail_it = inj.calls++ == inj.fail_at || inj.pos == inj.fail_pos;
	if (fail_it) {
		inj.fired++;
		snprintf(inj.what, sizeof(inj.what), "%s", sql ? sql : "?");
	}
	return fail_it;
}

int __wrap_sqlite3_step(sqlite3_stmt *st)
{
	if (inject(sqlite3_sql(st)))
		return inj.code;
	return __real_sqlite3_step(st);
}

int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, sqlite_exec_cb cb, void *arg, char **err)
{
	if (strcmp(sql, "ROLLBACK") && inject(sql)) {
		if (err)
			*err = NULL;
		return inj.code;
	}
	return __real_sqlite3_exec(db, sql, cb, arg, err);
}

/* ---- the machine and its model -------------------------------------------------- */

struct world {
	struct vmfs *m;
	int pid[2];                          /* parent, child (0 before the fork) */
	unsigned char priv[2][NBIG][PG];     /* each process's private pages */
	unsigned char shrd[NSHRD][PG];       /* the shared pages, one copy */
	uint64_t npriv;                      /* private pages mapped */
	uint64_t rng;
	long failures;                       /* operations that met the failure */
};

static uint64_t rnd(struct world *w, uint64_t n)
{
	return splitmix64_below(&w->rng, n);
}

/* The model's bytes at @addr of process @who (contiguous to the end of the
 * mapping). */
static unsigned char *model_at(struct world *w, int who, uint64_t addr)
{
	if (addr >= SHRD)
		return &w->shrd[(addr - SHRD) / PG][addr % PG];
	return &w->priv[who][(addr - PRIV) / PG][addr % PG];
}

/* The errno a failed store call may surface as. */
static bool store_errno(int64_t rc)
{
	return rc == -EIO || rc == -ENOSPC;
}

static const char *injected(void)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "injected: call %ld / position %ld, code %d, fired %ld (%s)",
		 inj.fail_at, inj.fail_pos, inj.code, inj.fired, inj.fired ? inj.what : "-");
	return buf;
}

/* A read with injection off: exactly the model's bytes. */
static void verify(struct world *w, int who, uint64_t addr, uint64_t len)
{
	static unsigned char got[3 * PG];
	bool counting = inj.counting;

	inj.counting = false;
	assert_true(len <= sizeof(got));
	int64_t n = access_vm(w->m, w->pid[who], addr, got, len, VMFS_ACCESS_READ, NULL);
	if (n != (int64_t)len)
		print_error("read %#" PRIx64 "+%" PRIu64 " of pid %d = %" PRId64 ": %s; %s\n", addr,
			    len, w->pid[who], n, vm_error_msg(), injected());
	assert_int_equal(n, len);
	if (memcmp(got, model_at(w, who, addr), len)) {
		uint64_t i = 0;

		while (got[i] == *model_at(w, who, addr + i))
			i++;
		print_error("pid %d byte %#" PRIx64 " is %#x, model %#x; %s\n", w->pid[who],
			    addr + i, got[i], *model_at(w, who, addr + i), injected());
		fail();
	}
	inj.counting = counting;
}

/* Every page of every process, injection off. */
static void verify_all(struct world *w)
{
	for (int who = 0; who < 2; who++) {
		if (!w->pid[who])
			continue;
		for (uint64_t p = 0; p < w->npriv; p++)
			verify(w, who, PRIV + p * PG, PG);
		for (uint64_t p = 0; p < NSHRD; p++)
			verify(w, who, SHRD + p * PG, PG);
	}
}

/* Did the operation that returned @rc meet an injected failure properly?
 * @fired_before is inj.fired before it. */
static void expect_store_failure(const char *op, int64_t rc, long fired_before, bool alloc)
{
	bool ok = inj.fired > fired_before && (store_errno(rc) || (alloc && rc == -ENOMEM));

	if (!ok)
		print_error("%s = %" PRId64 " (%s); %s\n", op, rc, vm_error_msg(), injected());
	assert_true(ok);
}

/*
 * Write or read [addr, addr+len) of process @who, armed.  Whatever the
 * engine reports done is applied to the model (writes) or compared with it
 * (reads); a failure must be the store's error, and the rest of the range
 * must still hold the model's bytes.
 */
static void do_access(struct world *w, int who, uint64_t addr, uint64_t len, bool write)
{
	static unsigned char buf[3 * PG];
	long fired = inj.fired;

	if (write)
		for (uint64_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rnd(w, 256);
	int64_t n = access_vm(w->m, w->pid[who], addr, buf, len,
			      write ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ, NULL);
	if (n != (int64_t)len) {
		/* A short count must stop at a page boundary; an error must be
		 * the store's (or, for a failed eviction, no frame at all). */
		if (n > 0)
			assert_true(inj.fired > fired && (addr + (uint64_t)n) % PG == 0);
		else
			expect_store_failure(write ? "write" : "read", n, fired, true);
		w->failures++;
	}
	uint64_t done = n > 0 ? (uint64_t)n : 0;
	if (write)
		memcpy(model_at(w, who, addr), buf, done);
	else if (memcmp(buf, model_at(w, who, addr), done))
		fail_msg("pid %d read %#" PRIx64 "+%" PRIu64 " differs from the model; %s", w->pid[who],
			 addr, done, injected());
	if (done < len)
		verify(w, who, addr + done, len - done);   /* untouched */
}

static void do_sync(struct world *w)
{
	long fired = inj.fired;
	int rc = machine_sync(w->m);

	if (rc) {
		expect_store_failure("machine_sync", rc, fired, false);
		w->failures++;
	}
}

static void do_reclaim(struct world *w, uint64_t n)
{
	long fired = inj.fired;
	int64_t rc = reclaim_pages(w->m, n);

	if (rc < 0) {
		expect_store_failure("reclaim_pages", rc, fired, false);
		w->failures++;
	}
	assert_true(rc <= (int64_t)n);
}

static void map(struct world *w, uint64_t addr, uint64_t pages, int flags)
{
	uint64_t out = 0;

	assert_int_equal(do_mmap(w->m, w->pid[0], addr, pages * PG, RW, flags | MAP_FIXED, NULL, 0,
				 &out), 0);
	assert_int_equal(out, addr);
}

/* A fresh machine with a parent mapping @npriv private and the shared pages. */
static void world_open(struct world *w, uint64_t npriv)
{
	char opts[32];

	snprintf(opts, sizeof(opts), "frames=%d", FRAMES);
	w->rng = 20260601;
	w->npriv = npriv;
	w->pid[1] = 0;
	assert_int_equal(machine_open(&w->m, opts), 0);
	w->pid[0] = mm_spawn(w->m, "swapfail");
	assert_true(w->pid[0] > 0);
	map(w, PRIV, npriv, MAP_PRIVATE | MAP_ANONYMOUS);
	map(w, SHRD, NSHRD, MAP_SHARED | MAP_ANONYMOUS);
	memset(w->priv, 0, sizeof(w->priv));
	memset(w->shrd, 0, sizeof(w->shrd));
}

/* Injection off: everything reads back, sync works, one row per slot. */
static void world_close(struct world *w)
{
	struct vmfs_stat st;
	sqlite3 *db;
	sqlite3_stmt *q;

	inj.counting = false;
	verify_all(w);
	assert_int_equal(machine_sync(w->m), 0);
	assert_int_equal(machine_stat(w->m, &st), 0);
	assert_true(st.swap_used > 0);
	assert_int_equal(sqlite3_open_v2(store_path(w->m->store), &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM swap", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	if ((uint64_t)sqlite3_column_int64(q, 0) != st.swap_used)
		print_error("%lld rows, swap_used %" PRIu64 "; %s\n",
			    (long long)sqlite3_column_int64(q, 0), st.swap_used, injected());
	assert_int_equal(sqlite3_column_int64(q, 0), st.swap_used);
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(st.pgmajfault, st.pswpin);
	machine_close(w->m);
	w->m = NULL;
}

/* ---- 1. every call of a workload ------------------------------------------------- */

/* A random range of at most 3 pages inside one of the two mappings. */
static void pick_range(struct world *w, uint64_t *addr, uint64_t *len)
{
	bool shared = rnd(w, 5) == 0;
	uint64_t base = shared ? SHRD : PRIV, size = (shared ? NSHRD : w->npriv) * PG;
	uint64_t off = rnd(w, size);

	*len = rnd(w, 4) ? 1 + rnd(w, 64) : 1 + rnd(w, 3 * PG);
	if (*len > size - off)
		*len = size - off;
	*addr = base + off;
}

/* The workload, armed; then, unarmed, the checks. */
static void workload(struct world *w)
{
	world_open(w, NPRIV);
	inj.counting = true;
	for (uint64_t p = 0; p < NPRIV; p++)
		do_access(w, 0, PRIV + p * PG + rnd(w, PG - 64), 64, true);
	for (uint64_t p = 0; p < NSHRD; p++)
		do_access(w, 0, SHRD + p * PG, 16, true);
	do_sync(w);

	inj.counting = false;
	w->pid[1] = mm_fork(w->m, w->pid[0]);
	assert_true(w->pid[1] > 0);
	memcpy(w->priv[1], w->priv[0], sizeof(w->priv[0]));
	inj.counting = true;

	for (int op = 0; op < OPS; op++) {
		uint64_t addr, len, k = rnd(w, 100);
		int who = (int)rnd(w, 2);

		pick_range(w, &addr, &len);
		if (k < 40)
			do_access(w, who, addr, len, true);
		else if (k < 85)
			do_access(w, who, addr, len, false);
		else if (k < 93)
			do_reclaim(w, 1 + rnd(w, 8));
		else
			do_sync(w);
	}
	world_close(w);
}

/* The SQL keyword a call starts with, for the tally. */
static int kind_of(const char *sql)
{
	static const char *const kinds[] = { "INSERT", "SELECT", "DELETE", "BEGIN", "COMMIT" };

	for (int i = 0; i < 5; i++)
		if (!strncmp(sql, kinds[i], strlen(kinds[i])))
			return i;
	return 5;
}

static void test_every_call_of_a_workload(void **state)
{
	static const int codes[] = { SQLITE_IOERR, SQLITE_FULL };
	struct world *w = calloc(1, sizeof(*w));
	long per_kind[6] = { 0 }, points = 0, quiet = 0;

	(void)state;
	assert_non_null(w);
	inj_reset(-1, -1, 0);
	workload(w);
	long n = inj.calls;
	assert_true(n > 100);
	assert_int_equal(w->failures, 0);

	for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		for (long k = 0; k < n; k++) {
			long before = w->failures;

			inj_reset(k, -1, codes[c]);
			workload(w);
			assert_int_equal(inj.fired, 1);      /* the same calls up to k */
			per_kind[kind_of(inj.what)]++;
			points++;
			quiet += w->failures == before;
		}
	}
	print_message("workload: %ld store calls; %ld injection points exercised (INSERT %ld, "
		      "SELECT %ld, DELETE %ld, BEGIN %ld, COMMIT %ld, other %ld); %ld operations "
		      "failed; %ld failures absorbed (no operation failed)\n", n, points,
		      per_kind[0], per_kind[1], per_kind[2], per_kind[3], per_kind[4], per_kind[5],
		      w->failures, quiet);
	for (int i = 0; i < 5; i++)
		assert_true(per_kind[i] > 0);
	free(w);
}

/* ---- 2. the batch committed from inside an eviction ------------------------------- */

/* Without touching the machine: the private pages of the parent are what
 * the model says where they are resident, and absent only if all zero. */
static void check_in_place(struct world *w)
{
	struct mm *mm = mm_lookup(w->m, w->pid[0]);

	for (uint64_t p = 0; p < w->npriv; p++) {
		const uint64_t *ptep = pte_offset(w->m, mm->cr3, PRIV + p * PG);
		uint64_t e = ptep ? *ptep : 0;

		if (pte_present(e))
			assert_memory_equal(pfn_to_virt(&w->m->phys, pte_pfn(e)), w->priv[0][p], PG);
		else if (!pte_is_swap(e))
			for (unsigned i = 0; i < PG; i++)
				assert_int_equal(w->priv[0][p][i], 0);
	}
}

static void test_batch_commit_inside_eviction(void **state)
{
	static const int codes[] = { SQLITE_IOERR, SQLITE_FULL };
	struct world *w = calloc(1, sizeof(*w));
	unsigned char page[PG];
	long points = 0;

	(void)state;
	assert_non_null(w);
	for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		inj_reset(-1, -1, codes[c]);
		world_open(w, NBIG);
		/* Fill the batch: FRAMES resident, STORE_BATCH pending. */
		uint64_t p;
		for (p = 0; p < FRAMES + STORE_BATCH; p++)
			do_access(w, 0, PRIV + p * PG, PG, true);
		struct vmfs_stat before;
		assert_int_equal(machine_stat(w->m, &before), 0);
		assert_int_equal(before.pswpout, STORE_BATCH);

		/* The next eviction commits; fail it at each position in turn.
		 * SQLITE_FULL makes the engine try up to RECLAIM_SKIP other
		 * victims, each commit failing the same way: fewer positions. */
		memset(page, 0x5a, sizeof(page));
		for (long pos = 0; pos <= STORE_BATCH + 1; pos++) {
			if (codes[c] == SQLITE_FULL && pos > 3 && pos % 64 && pos < STORE_BATCH)
				continue;
			struct vmfs_stat st;
			long fired = inj.fired;

			inj.fail_pos = pos;
			inj.counting = true;
			int64_t n = access_vm(w->m, w->pid[0], PRIV + p * PG, page, PG,
					      VMFS_ACCESS_WRITE, NULL);
			inj.counting = false;
			expect_store_failure("write (commit inside eviction)", n, fired, true);
			if (codes[c] == SQLITE_IOERR)
				assert_int_equal(n, -EIO);
			assert_int_equal(machine_stat(w->m, &st), 0);
			assert_int_equal(st.frames_free, 0);
			assert_int_equal(st.pswpout, before.pswpout);
			assert_int_equal(st.pswpin, 0);
			check_in_place(w);
			points++;
		}
		/* The disk heals: the write goes through, and everything is there. */
		inj_reset(-1, -1, 0);
		for (; p < NBIG; p++)
			do_access(w, 0, PRIV + p * PG, PG, true);
		world_close(w);
	}
	print_message("commit inside an eviction: %ld injection points exercised "
		      "(%d positions with SQLITE_IOERR, the rest with SQLITE_FULL)\n",
		      points, STORE_BATCH + 2);
	free(w);
}

int main(void)
{
	/* Some thousand machines each create and remove their store: keep those
	 * files in memory when the host allows, or the disk sets the pace. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_call_of_a_workload),
		cmocka_unit_test(test_batch_commit_inside_eviction),
	};

	return cmocka_run_group_tests_name("swapfail", tests, NULL, NULL);
}

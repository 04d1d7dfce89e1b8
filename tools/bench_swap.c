/*
 * bench_swap.c - vmfs-bench's swap figures: a small machine (cfg->swap_mem
 * of RAM) streaming through a mapping many times larger (cfg->swap_map),
 * so that its pages go to its swap store and come back.
 *
 *   - swap_out: pswpout per second while the mapping is written twice and
 *     synced, against dd(1) writing as many bytes with conv=fdatasync.
 *   - swap_in: pswpin per second while the mapping, all of it in swap, is
 *     read back in 1 MiB vmfs_reads, against raw SQLite reads of as many
 *     4 KiB pages in one transaction: a database of the figure's own
 *     (DIR/ceiling.db, one table `pages`), filled untimed with the same
 *     pages under the same keys (the swap slots vmfs_translate reports),
 *     then read back by one prepared SELECT per page, in the same order.
 *
 * What stays true: the ceilings never read the machine's swap store; vmfs
 * is reached through libvmfs only, and the store's tables are the store's.
 * Every file of a figure (the swap store, dd's output, the ceiling's
 * database, with SQLite's side files) lives in one temporary directory in
 * $TMPDIR (else /tmp), so both sides use the same file system, and is
 * removed after each round; the directory goes when the figure ends.  Every
 * page written is stamped with its offset and pass, and both sides check
 * every byte of every page they read.
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* One swap figure's files: the swap store and the ceilings' files. */
struct scratch {
	char where[256];   /* $TMPDIR or /tmp */
	char dir[256];
	char db[320];      /* DIR/swap.db, the machine's swap=PATH */
	char ddfile[320];  /* DIR/dd.out, swap_out's ceiling */
	char ceildb[320];  /* DIR/ceiling.db, swap_in's ceiling */
};

/*
 * Remove every file of the figure, SQLite's side files (-journal, ...)
 * included: the directory is the figure's alone.
 */
static void scratch_clean(const struct scratch *sc)
{
	DIR *d = opendir(sc->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/* A fresh directory in $TMPDIR (else /tmp) for both sides of a figure. */
static int scratch_open(struct scratch *sc)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(sc->where, sizeof(sc->where), "%s", tmp);
	if (snprintf(sc->dir, sizeof(sc->dir), "%s/vmfs-bench-XXXXXX", tmp) >= (int)sizeof(sc->dir))
		return fail("the temporary directory's name is too long: %s", tmp);
	if (strchr(sc->dir, ','))   /* the options string could not hold it */
		return fail("the temporary directory %s contains a comma; set TMPDIR", tmp);
	if (!mkdtemp(sc->dir))
		return fail("mkdtemp %s: %s", sc->dir, strerror(errno));
	snprintf(sc->db, sizeof(sc->db), "%s/swap.db", sc->dir);
	snprintf(sc->ddfile, sizeof(sc->ddfile), "%s/dd.out", sc->dir);
	snprintf(sc->ceildb, sizeof(sc->ceildb), "%s/ceiling.db", sc->dir);
	return 0;
}

static void scratch_close(const struct scratch *sc)
{
	scratch_clean(sc);
	rmdir(sc->dir);
}

/*
 * The swap figures' machine: the bench's options, then a small memory and
 * the named swap store (later keys win, so these override -o mem= and
 * -o swap=).
 */
static void swap_options(const struct bench_cfg *cfg, const struct scratch *sc,
			 char *buf, size_t n)
{
	snprintf(buf, n, "%s,mem=%" PRIu64 "M,swap=%s", cfg->options,
		 cfg->swap_mem / MiB, sc->db);
}

/* The first word of the page at @off after write pass @pass (0, 1, ...). */
static uint64_t page_stamp(uint64_t off, int pass)
{
	return pattern_word(off) + (uint64_t)pass + 1;
}

/*
 * @chunk holds the pattern of bytes [0, CHUNK); give each of its pages the
 * stamp of the page at @off + its offset, so that every page written is
 * different and a read shows which write it returns.
 */
static void stamp_chunk(unsigned char *chunk, uint64_t off, size_t n, int pass)
{
	for (size_t p = 0; p < n; p += VMFS_PAGE_SIZE) {
		uint64_t w = page_stamp(off + p, pass);
		memcpy(chunk + p, &w, 8);
	}
}

/* Does @got hold the page at @off as pass @pass wrote it?  (@pat: the pattern chunk.) */
static bool page_ok(const unsigned char *got, const unsigned char *pat, uint64_t off, int pass)
{
	uint64_t w;

	memcpy(&w, got, 8);
	return w == page_stamp(off, pass) &&
	       memcmp(got + 8, pat + off % CHUNK + 8, VMFS_PAGE_SIZE - 8) == 0;
}

/* @passes sequential passes of stamped 1 MiB writes over the whole mapping. */
static int vm_stream_write(struct vm *vm, unsigned char *chunk, int passes)
{
	for (int pass = 0; pass < passes; pass++) {
		for (uint64_t off = 0; off < vm->size; off += CHUNK) {
			size_t n = vm->size - off < CHUNK ? vm->size - off : CHUNK;
			ssize_t got;

			stamp_chunk(chunk, off, n, pass);
			got = vmfs_write(vm->m, vm->pid, vm->base + off, chunk, n);
			if (got != (ssize_t)n)
				return got < 0 ? vfail("vmfs_write", got)
					       : fail("vmfs_write: %zd of %zu bytes", got, n);
		}
	}
	return 0;
}

/*
 * Run `dd if=/dev/zero of=FILE bs=1M count=MIB conv=fdatasync` and return
 * how long it took, from spawn to exit, in seconds (-1 on failure).  The
 * file is removed afterwards.
 */
static double time_dd(const char *file, uint64_t mib)
{
	char of[340], count[32];
	char *argv[] = { "dd", "if=/dev/zero", of, "bs=1M", count,
			 "conv=fdatasync", "status=none", NULL };
	posix_spawn_file_actions_t fa;
	double t0, t;
	pid_t pid;
	int status, err;

	snprintf(of, sizeof(of), "of=%s", file);
	snprintf(count, sizeof(count), "count=%" PRIu64, mib);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	t0 = now();
	err = posix_spawnp(&pid, "dd", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		fail("cannot run dd: %s", strerror(err));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fail("waitpid for dd: %s", strerror(errno));
			return -1;
		}
	}
	t = now() - t0;
	unlink(file);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail("dd of=%s bs=1M count=%" PRIu64 " conv=fdatasync failed (status 0x%x)",
		     file, mib, (unsigned)status);
		return -1;
	}
	return t;
}

/*
 * swap_out: a process writes a mapping many times larger than memory
 * sequentially, twice, so nearly every page is evicted dirty and written
 * to swap; timed from the first write to the end of vmfs_sync (the last
 * batch committed).  Rate: pswpout over that time.  Ceiling: dd writing as
 * many bytes (rounded up to MiB) to the same file system, with fdatasync.
 */
int fig_swap_out(const struct bench_cfg *cfg, struct sample *s)
{
	unsigned char *chunk = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	double best_vmfs = 0, best_dd = 0, best_t = 0;
	uint64_t best_out = 0, best_in = 0, dd_mib = 0;
	struct scratch sc;
	struct vm vm = { 0 };
	char opts[1024];
	int rc = -1;

	if (!chunk)
		return fail("out of host memory");
	if (scratch_open(&sc) < 0) {
		free(chunk);
		return -1;
	}
	swap_options(cfg, &sc, opts, sizeof(opts));
	fill_pattern(chunk, 0, CHUNK);
	for (int r = 0; r < cfg->swap_rounds; r++) {
		struct vmfs_stat a, b;
		double t0, t, secs;
		uint64_t pages;
		int err;

		if (vm_open_opts(opts, &vm) < 0 || vm_map(&vm, cfg->swap_map) < 0)
			goto out;
		vmfs_stat(vm.m, &a);
		t0 = now();
		if (vm_stream_write(&vm, chunk, 2) < 0)
			goto out;
		err = vmfs_sync(vm.m);
		t = now() - t0;
		if (err < 0) {
			vfail("vmfs_sync", err);
			goto out;
		}
		vmfs_stat(vm.m, &b);
		vm_close(&vm);
		scratch_clean(&sc);
		pages = b.pswpout - a.pswpout;
		if (pages == 0) {
			fail("no page was swapped out (pswpout did not move)");
			goto out;
		}
		if (pages / t > best_vmfs) {
			best_vmfs = pages / t;
			best_t = t;
			best_out = pages;
			best_in = b.pswpin - a.pswpin;
		}

		dd_mib = (pages * VMFS_PAGE_SIZE + MiB - 1) / MiB;
		secs = time_dd(sc.ddfile, dd_mib);
		if (secs < 0)
			goto out;
		if (dd_mib * (MiB / VMFS_PAGE_SIZE) / secs > best_dd)
			best_dd = dd_mib * (MiB / VMFS_PAGE_SIZE) / secs;
	}
	s->vmfs = best_vmfs;   /* pages per second */
	s->ceiling = best_dd;
	snprintf(s->note, sizeof(s->note), "2 passes over %" PRIu64 " MiB through %" PRIu64
		 " MiB of RAM took %.2f s: %" PRIu64 " pages out, %" PRIu64 " in (pass 2 "
		 "faults each page in before overwriting it); dd: %.0f MiB/s with fdatasync; "
		 "the store (SQLite, synchronous=OFF) never waits for the disk; files in %.64s",
		 cfg->swap_map / MiB, cfg->swap_mem / MiB, best_t, best_out, best_in,
		 best_dd * VMFS_PAGE_SIZE / MiB, sc.where);
	rc = 0;
out:
	if (vm.m)
		vm_close(&vm);
	scratch_close(&sc);
	free(chunk);
	return rc;
}

/*
 * The swap_in ceiling's database, a file of the figure's own: @path gets
 * one table, pages(slot INTEGER PRIMARY KEY, data BLOB NOT NULL), holding
 * under key slots[i] the 4 KiB page at offset i * 4 KiB as one write pass
 * left it (@pat: the pattern chunk).  It is set up as libvmfs(3) says the
 * machine's store is (64 KiB database pages, so that a 4 KiB page is one
 * cell with no overflow page; journal_mode=PERSIST; synchronous=OFF), so
 * that reading a row costs SQLite what it costs there.  Filled in one
 * transaction, untimed; 0, or -1 with bench_err set.
 */
static int ceiling_fill(const char *path, const uint64_t *slots, uint64_t npages,
			const unsigned char *pat)
{
	unsigned char page[VMFS_PAGE_SIZE];
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	int err;

	err = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (err == SQLITE_OK)
		err = sqlite3_exec(db, "PRAGMA page_size=65536; PRAGMA journal_mode=PERSIST; "
				   "PRAGMA synchronous=OFF; CREATE TABLE pages(slot INTEGER "
				   "PRIMARY KEY, data BLOB NOT NULL); BEGIN", NULL, NULL, NULL);
	if (err == SQLITE_OK)
		err = sqlite3_prepare_v2(db, "INSERT INTO pages(slot, data) VALUES(?1, ?2)",
					 -1, &ins, NULL);
	for (uint64_t i = 0; err == SQLITE_OK && i < npages; i++) {
		uint64_t off = i * VMFS_PAGE_SIZE, w = page_stamp(off, 0);

		memcpy(page, pat + off % CHUNK, VMFS_PAGE_SIZE);
		memcpy(page, &w, 8);
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)slots[i]);
		sqlite3_bind_blob(ins, 2, page, VMFS_PAGE_SIZE, SQLITE_STATIC);
		if ((err = sqlite3_step(ins)) == SQLITE_DONE)
			err = sqlite3_reset(ins);
	}
	if (err == SQLITE_OK)
		err = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (err != SQLITE_OK)
		fail("sqlite3 %s: filling the ceiling's table: %s", path,
		     db ? sqlite3_errmsg(db) : sqlite3_errstr(err));
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return err == SQLITE_OK ? 0 : -1;
}

/*
 * The swap_in ceiling, timed: @path (filled by ceiling_fill) opened
 * read-only, `SELECT data FROM pages WHERE slot = ?1` for slots[0 ..
 * npages) in that order, one prepared statement, in one read transaction
 * as the store reads (a statement run on its own is a transaction of its
 * own, whose start checks SQLite's locks, its journal and the file's change
 * counter: in a rollback-journal database that costs more than reading the
 * row).  Each page is copied out into @got (CHUNK bytes, used round-robin)
 * and checked against what was written.  Seconds from BEGIN to COMMIT, or
 * -1 with bench_err set.
 */
static double ceiling_read(const char *path, const uint64_t *slots, uint64_t npages,
			   const unsigned char *pat, unsigned char *got)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *sel = NULL;
	double t0, t = -1;
	int err;

	err = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (err == SQLITE_OK)
		err = sqlite3_prepare_v2(db, "SELECT data FROM pages WHERE slot = ?1", -1, &sel, NULL);
	if (err != SQLITE_OK) {
		fail("sqlite3 %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(err));
		goto out;
	}
	t0 = now();
	if ((err = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK) {
		fail("sqlite3 %s: BEGIN: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	for (uint64_t i = 0; i < npages; i++) {
		unsigned char *page = got + i * VMFS_PAGE_SIZE % CHUNK;

		sqlite3_bind_int64(sel, 1, (sqlite3_int64)slots[i]);
		if (sqlite3_step(sel) != SQLITE_ROW ||
		    sqlite3_column_bytes(sel, 0) != (int)VMFS_PAGE_SIZE) {
			fail("sqlite3: slot %" PRIu64 " is missing or not a page: %s",
			     slots[i], sqlite3_errmsg(db));
			goto out;
		}
		memcpy(page, sqlite3_column_blob(sel, 0), VMFS_PAGE_SIZE);
		sqlite3_reset(sel);
		if (!page_ok(page, pat, i * VMFS_PAGE_SIZE, 0)) {
			fail("sqlite3: slot %" PRIu64 " does not hold page %" PRIu64
			     " as written", slots[i], i);
			goto out;
		}
	}
	sqlite3_reset(sel);
	err = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	t = now() - t0;
	if (err != SQLITE_OK) {
		fail("sqlite3 %s: COMMIT: %s", path, sqlite3_errmsg(db));
		t = -1;
	}
out:
	sqlite3_finalize(sel);
	sqlite3_close(db);
	return t;
}

/*
 * swap_in: the same mapping written once and pushed out whole
 * (vmfs_reclaim, vmfs_sync: untimed), then read back in 1 MiB vmfs_reads,
 * each page a major fault.  Rate: pswpin over that time.  Ceiling: raw
 * SQLite reads of as many pages in one transaction, from a database of the
 * figure's own that holds the same pages under the same keys (the swap
 * slots vmfs_translate reports), read in the same order (ceiling_fill,
 * ceiling_read).  Both sides copy each page out and check every byte of
 * it; the ceiling runs first.
 */
int fig_swap_in(const struct bench_cfg *cfg, struct sample *s)
{
	const uint64_t npages = cfg->swap_map / VMFS_PAGE_SIZE;
	unsigned char *chunk = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	unsigned char *got = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	uint64_t *slots = malloc(npages * sizeof(*slots));
	double best_vmfs = 0, best_sql = 0;
	uint64_t best_in = 0;
	struct scratch sc;
	struct vm vm = { 0 };
	char opts[1024];
	int rc = -1;

	if (!chunk || !got || !slots) {
		fail("out of host memory");
		goto out_free;
	}
	if (scratch_open(&sc) < 0)
		goto out_free;
	swap_options(cfg, &sc, opts, sizeof(opts));
	fill_pattern(chunk, 0, CHUNK);
	for (int r = 0; r < cfg->swap_rounds; r++) {
		struct vmfs_stat a, b;
		struct vmfs_walk w;
		int64_t evicted;
		double t0, t;
		int err;

		/* Untimed: every page of the mapping in swap, every batch committed. */
		if (vm_open_opts(opts, &vm) < 0 || vm_map(&vm, cfg->swap_map) < 0 ||
		    vm_stream_write(&vm, chunk, 1) < 0)
			goto out;
		evicted = vmfs_reclaim(vm.m, cfg->swap_mem / VMFS_PAGE_SIZE);
		if (evicted < 0) {
			vfail("vmfs_reclaim", evicted);
			goto out;
		}
		if ((err = vmfs_sync(vm.m)) < 0) {
			vfail("vmfs_sync", err);
			goto out;
		}
		for (uint64_t i = 0; i < npages; i++) {
			err = vmfs_translate(vm.m, vm.pid, vm.base + i * VMFS_PAGE_SIZE, &w);
			if (err < 0) {
				vfail("vmfs_translate", err);
				goto out;
			}
			if (w.state != VMFS_WALK_SWAPPED) {
				fail("page %" PRIu64 " is not in swap after vmfs_reclaim", i);
				goto out;
			}
			slots[i] = w.swap_slot;
		}

		/* The ceiling: SQLite alone reads as many pages from its own table. */
		if (ceiling_fill(sc.ceildb, slots, npages, chunk) < 0)
			goto out;
		t = ceiling_read(sc.ceildb, slots, npages, chunk, got);
		if (t < 0)
			goto out;
		if (npages / t > best_sql)
			best_sql = npages / t;

		/* vmfs: read the mapping back, every page a major fault. */
		vmfs_stat(vm.m, &a);
		t0 = now();
		for (uint64_t off = 0; off < vm.size; off += CHUNK) {
			size_t n = vm.size - off < CHUNK ? vm.size - off : CHUNK;
			ssize_t done = vmfs_read(vm.m, vm.pid, vm.base + off, got, n);

			if (done != (ssize_t)n) {
				if (done < 0)
					vfail("vmfs_read", done);
				else
					fail("vmfs_read: %zd of %zu bytes", done, n);
				goto out;
			}
			for (size_t p = 0; p < n; p += VMFS_PAGE_SIZE) {
				if (!page_ok(got + p, chunk, off + p, 0)) {
					fail("vmfs_read of page %" PRIu64 " after swap-in did not "
					     "return the bytes written", (off + p) / VMFS_PAGE_SIZE);
					goto out;
				}
			}
		}
		t = now() - t0;
		vmfs_stat(vm.m, &b);
		vm_close(&vm);
		scratch_clean(&sc);
		if (b.pswpin - a.pswpin == 0) {
			fail("no page was swapped in (pswpin did not move)");
			goto out;
		}
		if ((b.pswpin - a.pswpin) / t > best_vmfs) {
			best_vmfs = (b.pswpin - a.pswpin) / t;
			best_in = b.pswpin - a.pswpin;
		}
	}
	s->vmfs = best_vmfs;   /* pages per second */
	s->ceiling = best_sql;
	snprintf(s->note, sizeof(s->note), "%" PRIu64 " of %" PRIu64 " pages read back were "
		 "major faults (pswpin); both sides read from the host's page cache, "
		 "where the swap-out and the ceiling's fill had just left their files",
		 best_in, npages);
	rc = 0;
out:
	if (vm.m)
		vm_close(&vm);
	scratch_close(&sc);
out_free:
	free(slots);
	free(got);
	free(chunk);
	return rc;
}

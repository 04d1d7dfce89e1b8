/*
 * vmfs-bench - how fast is the simulated machine next to the real one?
 *
 * Each figure times one thing done through libvmfs and the same thing done
 * natively by the host (its "ceiling"), in the same run, and prints
 *
 *     figure | vmfs | ceiling | ratio | target
 *
 * where ratio is vmfs's rate over the ceiling's rate (for times: the
 * ceiling's time over vmfs's time), so 1.0 means "as fast as the host" and
 * higher is better.  A figure below its target is marked MISSED; the run
 * still exits 0, since a benchmark reports and does not judge.  It exits 1
 * only when a figure or a scale table could not be measured (an engine
 * error, vmfs returned other bytes than were written, an ERROR record in
 * --rows), 2 for a bad command line or --rows file.
 *
 * Ground rules, the same for every figure:
 *   - Both sides do the same work on the same bytes: the same sizes, the same
 *     random address sequence, the same source buffer.
 *   - Host ceilings use 4 KiB pages (MADV_NOHUGEPAGE), because vmfs models
 *     4 KiB pages only; a transparent huge page would make the host skip
 *     the very page-table work vmfs is measured on.
 *   - Setup (opening a machine, filling memory, waitpid, vmfs_exit of a
 *     forked child) is outside the timed region.  Each figure runs several
 *     rounds and keeps the best (fastest) one.
 *   - The two sides never overlap in memory: a figure frees its host buffer
 *     before it opens its machine, so a real fork() does not also copy a
 *     machine's page tables, and the run stays near 1.5 GiB.
 *   - What a reader needs to weigh a figure goes in its note, printed under
 *     the table: the untimed cost of opening a machine, the rate of a
 *     native reader that cannot overlap cache misses.
 *
 * A figure is one entry of figures[] below: an id, a title, a unit, whether
 * the unit is a rate or a time, a target ratio and a function that measures
 * both sides.  Figures that need a mount or valgrind are measured by other
 * tools (tools/fusebench.sh, vmfs-replay --bench) and handed in with
 * --rows FILE; scripts/bench.sh runs them all and then this program, which
 * prints every figure in one table (or one JSON document).
 *
 * --scale adds two tables without ceilings, which check growth instead:
 * the cost of mmap, fork, exit and munmap against the memory resident
 * (1 MiB ... 4 GiB), and of spawn, fork and exit against the number of
 * processes (10 ... 10,000); see "scale" below.
 *
 * The swap figures (swap_out, swap_in) put a small machine under memory
 * pressure and compare its traffic with its swap store against what the
 * same disk does without vmfs: swap_out against `dd ... conv=fdatasync` of
 * as many bytes, swap_in against SQLite reading the same rows of the same
 * database through a prepared statement.  Their files live in one
 * temporary directory (in $TMPDIR, else /tmp), so both sides use the same
 * file system, and are removed when the figure ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmfs.h"

#define KiB ((uint64_t)1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

#define CHUNK (1 * MiB)   /* the unit of bulk transfers */

/* What one run measures: full size, or --quick for a smoke test. */
struct bench_cfg {
	bool        quick;
	uint64_t    big;            /* size of the "1 GiB" figures */
	int         rounds;         /* rounds per side; the best one counts */
	int         bulk_reps;      /* 1 MiB copies per round */
	size_t      random_reads;   /* 8-byte reads per round */
	uint64_t    swap_map;       /* the swap figures' mapping ... */
	uint64_t    swap_mem;       /* ... streamed through this much RAM */
	int         swap_rounds;    /* rounds of the swap figures */
	char        options[512];   /* vmfs_open options of every machine */
};

enum figure_kind {
	RATE,   /* the value is work per second: higher is better */
	TIME,   /* the value is a duration: lower is better */
};

/* Both sides of one figure, in the figure's unit, and what else to know. */
struct sample {
	double vmfs, ceiling;
	char   note[320];   /* printed under the table when not empty */
};

struct figure {
	const char      *id;        /* --only and JSON name */
	const char      *title;     /* table row */
	bool             sized;     /* title gets ", <big size>" appended */
	const char      *unit;
	enum figure_kind kind;
	double           target;    /* minimum ratio */
	int (*run)(const struct bench_cfg *cfg, struct sample *s);
};

/* ---- small helpers ------------------------------------------------------ */

static char bench_err[512];   /* why the last figure could not be measured */
static bool bad_options;      /* vmfs_open refused the options: stop the run */

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bench_err, sizeof(bench_err), fmt, ap);
	va_end(ap);
	return -1;
}

/* A failed libvmfs call: its name, the errno and vmfs_errmsg(). */
static int vfail(const char *call, long rc)
{
	return fail("%s: %s (%s)", call, strerror((int)-rc), vmfs_errmsg());
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Make the compiler believe *p is read and written here (no dead stores). */
static inline void clobber(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* The content of every buffer and machine: word at offset o is pattern(o). */
static uint64_t pattern_word(uint64_t off)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29);
}

/* Fill buf, which stands for bytes [off, off+len), with the pattern. */
static void fill_pattern(void *buf, uint64_t off, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word(off + i);
		memcpy(p + i, &w, 8);
	}
}

/* Zero, in a way the compiler cannot see through (for chained loads). */
static volatile uint64_t zero_in_disguise;

/* xorshift64*: fast, and good enough to scatter addresses. */
static uint64_t xorshift64s(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A host anonymous mapping with 4 KiB pages; NULL on failure. */
static void *host_map(uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void format_size(char *buf, size_t n, uint64_t bytes)
{
	if (bytes >= GiB && bytes % GiB == 0)
		snprintf(buf, n, "%" PRIu64 " GiB", bytes / GiB);
	else
		snprintf(buf, n, "%" PRIu64 " MiB", bytes / MiB);
}

/* ---- a machine with one process and one anonymous mapping ---------------- */

struct vm {
	vmfs     *m;
	int       pid;
	uint64_t  base;   /* start of the mapping */
	uint64_t  size;
};

static void vm_close(struct vm *vm)
{
	vmfs_close(vm->m);
	vm->m = NULL;
}

/* Open a machine with @options and spawn the process "bench". */
static int vm_open_opts(const char *options, struct vm *vm)
{
	int rc;

	memset(vm, 0, sizeof(*vm));
	rc = vmfs_open(&vm->m, options);
	if (rc < 0) {
		vm->m = NULL;
		bad_options = rc == -EINVAL;
		return vfail("vmfs_open", rc);
	}
	rc = vmfs_spawn(vm->m, "bench");
	if (rc < 0) {
		vm_close(vm);
		return vfail("vmfs_spawn", rc);
	}
	vm->pid = rc;
	return 0;
}

/* Open a machine with cfg->options and spawn the process "bench". */
static int vm_open(const struct bench_cfg *cfg, struct vm *vm)
{
	return vm_open_opts(cfg->options, vm);
}

/* Map @size bytes private anonymous read-write, where the machine chooses. */
static int vm_map(struct vm *vm, uint64_t size)
{
	int rc = vmfs_mmap(vm->m, vm->pid, 0, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &vm->base);

	if (rc < 0)
		return vfail("vmfs_mmap", rc);
	vm->size = size;
	return 0;
}

/* Write the pattern over the whole mapping, CHUNK bytes per vmfs_write. */
static int vm_populate(struct vm *vm, void *chunk)
{
	for (uint64_t off = 0; off < vm->size; off += CHUNK) {
		size_t n = vm->size - off < CHUNK ? vm->size - off : CHUNK;
		ssize_t got;

		fill_pattern(chunk, off, n);
		got = vmfs_write(vm->m, vm->pid, vm->base + off, chunk, n);
		if (got != (ssize_t)n)
			return got < 0 ? vfail("vmfs_write", got)
				       : fail("vmfs_write: %zd of %zu bytes", got, n);
	}
	return 0;
}

/* A machine whose process has @size bytes resident, filled with the pattern. */
static int vm_open_resident(const struct bench_cfg *cfg, struct vm *vm, uint64_t size)
{
	void *chunk = malloc(CHUNK);
	int rc = -1;

	if (!chunk)
		return fail("out of host memory");
	if (vm_open(cfg, vm) == 0) {
		rc = vm_map(vm, size);
		if (rc == 0)
			rc = vm_populate(vm, chunk);
		if (rc < 0)
			vm_close(vm);
	}
	free(chunk);
	return rc;
}

/* ---- figure: bulk read of 1 MiB ------------------------------------------- */

static int fig_bulk_read(const struct bench_cfg *cfg, struct sample *s)
{
	/* Page-aligned, as simulated frames are: memcpy speed depends on alignment. */
	unsigned char *src = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	unsigned char *dst = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	double best_host = 1e300, best_vmfs = 1e300;
	struct vm vm = { 0 };
	int rc = -1;

	if (!src || !dst) {
		fail("out of host memory");
		goto out;
	}
	fill_pattern(src, 0, CHUNK);
	memset(dst, 0, CHUNK);

	for (int r = 0; r < cfg->rounds; r++) {
		double t0 = now();
		for (int i = 0; i < cfg->bulk_reps; i++) {
			memcpy(dst, src, CHUNK);
			clobber(dst);
		}
		best_host = min_d(best_host, now() - t0);
	}

	if (vm_open_resident(cfg, &vm, CHUNK) < 0)
		goto out;
	memset(dst, 0, CHUNK);
	if (vmfs_read(vm.m, vm.pid, vm.base, dst, CHUNK) != (ssize_t)CHUNK ||
	    memcmp(dst, src, CHUNK) != 0) {
		fail("vmfs_read of 1 MiB did not return the bytes written");
		goto out;
	}
	for (int r = 0; r < cfg->rounds; r++) {
		double t0 = now();
		for (int i = 0; i < cfg->bulk_reps; i++) {
			ssize_t got = vmfs_read(vm.m, vm.pid, vm.base, dst, CHUNK);
			if (got != (ssize_t)CHUNK) {
				if (got < 0)
					vfail("vmfs_read", got);
				else
					fail("vmfs_read: %zd of %" PRIu64 " bytes", got, CHUNK);
				goto out;
			}
			clobber(dst);
		}
		best_vmfs = min_d(best_vmfs, now() - t0);
	}
	s->ceiling = cfg->bulk_reps / best_host;   /* MiB per second */
	s->vmfs = cfg->bulk_reps / best_vmfs;
	rc = 0;
out:
	if (vm.m)
		vm_close(&vm);
	free(src);
	free(dst);
	return rc;
}

/* ---- figure: random 8-byte reads over the big size --------------------------- */

#define RANDOM_BATCH 256

static int fig_random_read(const struct bench_cfg *cfg, struct sample *s)
{
	const size_t n = cfg->random_reads;
	const uint64_t words = cfg->big / 8;
	uint64_t *offs = malloc(n * sizeof(*offs));
	uint64_t seed = 0x5eed0f5eedull, host_sum = 0, vmfs_sum = 0;
	double best_host = 1e300, best_vmfs = 1e300, best_chained = 1e300, best_single = 1e300;
	struct vmfs_iop iop[RANDOM_BATCH];
	uint64_t vwords[RANDOM_BATCH];
	unsigned char *arr = NULL;
	struct vm vm = { 0 };
	int rc = -1;

	if (!offs)
		return fail("out of host memory");
	for (size_t i = 0; i < n; i++)
		offs[i] = (xorshift64s(&seed) % words) * 8;

	arr = host_map(cfg->big);
	if (!arr) {
		fail("mmap of %" PRIu64 " bytes: %s", cfg->big, strerror(errno));
		goto out;
	}
	fill_pattern(arr, 0, cfg->big);
	for (int r = 0; r < cfg->rounds; r++) {
		uint64_t sum = 0;
		double t0 = now();
		for (size_t i = 0; i < n; i++) {
			uint64_t w;
			memcpy(&w, arr + offs[i], 8);
			sum += w;
		}
		best_host = min_d(best_host, now() - t0);
		host_sum = sum;
	}
	/*
	 * For the note: the same loads made one at a time, each address
	 * depending on the word loaded before (dep_zero is 0, but the compiler
	 * cannot know it).  This is the rate of a reader that, like vmfs_read,
	 * does not overlap one load's cache miss with the next.
	 */
	for (int r = 0; r < cfg->rounds; r++) {
		const uint64_t dep_zero = zero_in_disguise;
		uint64_t sum = 0, dep = 0;
		double t0 = now();
		for (size_t i = 0; i < n; i++) {
			uint64_t w;
			memcpy(&w, arr + (offs[i] ^ dep), 8);
			sum += w;
			dep = w & dep_zero;
		}
		best_chained = min_d(best_chained, now() - t0);
		if (sum != host_sum) {
			fail("the chained loads summed differently");
			goto out;
		}
	}
	munmap(arr, cfg->big);
	arr = NULL;

	if (vm_open_resident(cfg, &vm, cfg->big) < 0)
		goto out;
	/* One vmfs_read per word: each call waits for its own misses. */
	for (int r = 0; r < cfg->rounds; r++) {
		uint64_t sum = 0;
		double t0 = now();
		for (size_t i = 0; i < n; i++) {
			uint64_t w;
			ssize_t got = vmfs_read(vm.m, vm.pid, vm.base + offs[i], &w, 8);
			if (got != 8) {
				if (got < 0)
					vfail("vmfs_read", got);
				else
					fail("vmfs_read: %zd of 8 bytes", got);
				goto out;
			}
			sum += w;
		}
		best_single = min_d(best_single, now() - t0);
		if (sum != host_sum) {
			fail("the sum of the words read differs: vmfs 0x%" PRIx64
			     ", host 0x%" PRIx64, sum, host_sum);
			goto out;
		}
	}
	/* The figure: vmfs_accessv batches, whose misses overlap as the CPU's do. */
	for (int r = 0; r < cfg->rounds; r++) {
		uint64_t sum = 0;
		double t0 = now();
		for (size_t i = 0; i < n; i += RANDOM_BATCH) {
			size_t k = n - i < RANDOM_BATCH ? n - i : RANDOM_BATCH;
			ssize_t got;

			for (size_t j = 0; j < k; j++)
				iop[j] = (struct vmfs_iop){ .addr = vm.base + offs[i + j],
							    .buf = &vwords[j], .len = 8,
							    .how = VMFS_ACCESS_READ };
			got = vmfs_accessv(vm.m, vm.pid, iop, k);
			if (got != (ssize_t)k) {
				if (got < 0)
					vfail("vmfs_accessv", got);
				else
					vfail("vmfs_accessv", iop[got].res);
				goto out;
			}
			for (size_t j = 0; j < k; j++)
				sum += vwords[j];
		}
		best_vmfs = min_d(best_vmfs, now() - t0);
		vmfs_sum = sum;
	}
	if (vmfs_sum != host_sum) {
		fail("the sum of the words read differs: vmfs 0x%" PRIx64
		     ", host 0x%" PRIx64, vmfs_sum, host_sum);
		goto out;
	}
	s->ceiling = (double)n / best_host / 1e6;   /* million reads per second */
	s->vmfs = (double)n / best_vmfs / 1e6;
	snprintf(s->note, sizeof(s->note), "vmfs_accessv in batches of %d; one vmfs_read "
		 "per word runs at %.2f Mreads/s, %.2f of native loads made one at a time "
		 "(each address depending on the last load, %.2f Mreads/s)", RANDOM_BATCH,
		 (double)n / best_single / 1e6, best_chained / best_single,
		 (double)n / best_chained / 1e6);
	rc = 0;
out:
	if (arr)
		munmap(arr, cfg->big);
	if (vm.m)
		vm_close(&vm);
	free(offs);
	return rc;
}

/* ---- figure: fork of a process with the big size resident ------------------ */

/*
 * The fastest of @rounds fork()s of this very process, each child exiting
 * at once (waitpid is not timed); -1 when fork fails.
 */
static double host_fork_best(int rounds)
{
	double best = 1e300;

	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;
		pid_t child = fork();

		if (child == 0)
			_exit(0);
		t = now() - t0;
		if (child < 0)
			return fail("fork: %s", strerror(errno));
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
		best = min_d(best, t);
	}
	return best;
}

static int fig_fork(const struct bench_cfg *cfg, struct sample *s)
{
	double best_host, best_vmfs = 1e300;
	unsigned char *arr = host_map(cfg->big);
	struct vm vm = { 0 };
	int rc = -1;

	if (!arr)
		return fail("mmap of %" PRIu64 " bytes: %s", cfg->big, strerror(errno));
	fill_pattern(arr, 0, cfg->big);
	best_host = host_fork_best(cfg->rounds);
	munmap(arr, cfg->big);
	if (best_host < 0)
		return -1;

	if (vm_open_resident(cfg, &vm, cfg->big) < 0)
		return -1;
	for (int r = 0; r < cfg->rounds; r++) {
		double t0 = now(), t;
		int child = vmfs_fork(vm.m, vm.pid), err;
		uint64_t w = 0;

		t = now() - t0;
		if (child < 0) {
			vfail("vmfs_fork", child);
			goto out;
		}
		/* The child sees the parent's bytes, and its writes stay its own. */
		if (vmfs_read(vm.m, child, vm.base + vm.size - 8, &w, 8) != 8 ||
		    w != pattern_word(vm.size - 8)) {
			fail("the forked child does not read its parent's bytes");
			goto out;
		}
		w = ~w;
		if (vmfs_write(vm.m, child, vm.base + vm.size - 8, &w, 8) != 8 ||
		    vmfs_read(vm.m, vm.pid, vm.base + vm.size - 8, &w, 8) != 8 ||
		    w != pattern_word(vm.size - 8)) {
			fail("a write by the forked child changed what the parent reads");
			goto out;
		}
		err = vmfs_exit(vm.m, child);
		if (err < 0) {
			vfail("vmfs_exit", err);
			goto out;
		}
		best_vmfs = min_d(best_vmfs, t);
	}
	s->ceiling = best_host * 1e3;   /* milliseconds per fork */
	s->vmfs = best_vmfs * 1e3;
	rc = 0;
out:
	vm_close(&vm);
	return rc;
}

/* ---- figure: first touch of the big size ------------------------------------ */

static int fig_first_touch(const struct bench_cfg *cfg, struct sample *s)
{
	double best_host = 1e300, best_vmfs = 1e300, best_open = 1e300;
	unsigned char *src = malloc(CHUNK);
	int rc = -1;

	if (!src)
		return fail("out of host memory");
	fill_pattern(src, 0, CHUNK);

	for (int r = 0; r < cfg->rounds; r++) {
		double t0 = now();
		unsigned char *p = host_map(cfg->big);

		if (!p) {
			fail("mmap of %" PRIu64 " bytes: %s", cfg->big, strerror(errno));
			goto out;
		}
		for (uint64_t off = 0; off < cfg->big; off += CHUNK)
			memcpy(p + off, src, CHUNK);
		clobber(p);
		munmap(p, cfg->big);
		best_host = min_d(best_host, now() - t0);
	}

	for (int r = 0; r < cfg->rounds; r++) {
		struct vm vm;
		double t0, t;
		int err;

		t0 = now();
		if (vm_open(cfg, &vm) < 0)   /* a fresh machine, not timed */
			goto out;
		best_open = min_d(best_open, now() - t0);
		t0 = now();
		if (vm_map(&vm, cfg->big) < 0) {
			vm_close(&vm);
			goto out;
		}
		for (uint64_t off = 0; off < cfg->big; off += CHUNK) {
			ssize_t got = vmfs_write(vm.m, vm.pid, vm.base + off, src, CHUNK);
			if (got != (ssize_t)CHUNK) {
				if (got < 0)
					vfail("vmfs_write", got);
				else
					fail("vmfs_write: %zd of %" PRIu64 " bytes", got, CHUNK);
				vm_close(&vm);
				goto out;
			}
		}
		err = vmfs_munmap(vm.m, vm.pid, vm.base, vm.size);
		t = now() - t0;
		vm_close(&vm);
		if (err < 0) {
			vfail("vmfs_munmap", err);
			goto out;
		}
		best_vmfs = min_d(best_vmfs, t);
	}
	s->ceiling = (double)cfg->big / MiB / best_host;   /* MiB per second */
	s->vmfs = (double)cfg->big / MiB / best_vmfs;
	snprintf(s->note, sizeof(s->note), "opening each fresh machine (vmfs_open + "
		 "vmfs_spawn, not timed) took %.1f ms at best", best_open * 1e3);
	rc = 0;
out:
	free(src);
	return rc;
}

/* ---- swap figures: a small machine streaming through a big mapping --------- */

/* One swap figure's files: the swap store and the ceiling's dd output. */
struct scratch {
	char where[256];   /* $TMPDIR or /tmp */
	char dir[256];
	char db[320];      /* DIR/swap.db, the machine's swap=PATH */
	char ddfile[320];  /* DIR/dd.out */
};

/* Remove the swap store with SQLite's side files, and dd's file. */
static void scratch_clean(const struct scratch *sc)
{
	static const char *const side[] = { "", "-wal", "-shm", "-journal" };
	char path[340];

	for (size_t i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", sc->db, side[i]);
		unlink(path);
	}
	unlink(sc->ddfile);
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
static int fig_swap_out(const struct bench_cfg *cfg, struct sample *s)
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
 * swap_in: the same mapping written once and pushed out whole
 * (vmfs_reclaim, vmfs_sync: untimed), then read back in 1 MiB vmfs_reads,
 * each page a major fault.  Rate: pswpin over that time.  Ceiling: the same
 * database opened read-only by SQLite, `SELECT data FROM swap WHERE slot=?`
 * for the same slots in the same order, one prepared statement, in one read
 * transaction as the store reads (a statement run on its own is a
 * transaction of its own, whose start checks SQLite's locks, its journal
 * and the file's change counter: in a rollback-journal database that costs
 * more than reading the row).  Both sides copy each page out and check
 * every byte of it; the ceiling runs first, while every row is there.
 */
static int fig_swap_in(const struct bench_cfg *cfg, struct sample *s)
{
	const uint64_t npages = cfg->swap_map / VMFS_PAGE_SIZE;
	unsigned char *chunk = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	unsigned char *got = aligned_alloc(VMFS_PAGE_SIZE, CHUNK);
	uint64_t *slots = malloc(npages * sizeof(*slots));
	double best_vmfs = 0, best_sql = 0;
	uint64_t best_in = 0;
	struct scratch sc;
	struct vm vm = { 0 };
	sqlite3 *db = NULL;
	sqlite3_stmt *sel = NULL;
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

		/* The ceiling: SQLite alone reads the same rows in the same order. */
		err = sqlite3_open_v2(sc.db, &db, SQLITE_OPEN_READONLY, NULL);
		if (err == SQLITE_OK)
			err = sqlite3_prepare_v2(db, "SELECT data FROM swap WHERE slot = ?1", -1, &sel, NULL);
		if (err != SQLITE_OK) {
			fail("sqlite3 %s: %s", sc.db, db ? sqlite3_errmsg(db) : sqlite3_errstr(err));
			goto out;
		}
		t0 = now();
		if ((err = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK) {
			fail("sqlite3 %s: BEGIN: %s", sc.db, sqlite3_errmsg(db));
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
			if (!page_ok(page, chunk, i * VMFS_PAGE_SIZE, 0)) {
				fail("sqlite3: slot %" PRIu64 " does not hold page %" PRIu64
				     " as written", slots[i], i);
				goto out;
			}
		}
		sqlite3_reset(sel);
		err = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		t = now() - t0;
		if (err != SQLITE_OK) {
			fail("sqlite3 %s: COMMIT: %s", sc.db, sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_finalize(sel);
		sqlite3_close(db);
		sel = NULL;
		db = NULL;
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
		 "where the swap-out had just left the file", best_in, npages);
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_close(db);
	if (vm.m)
		vm_close(&vm);
	scratch_close(&sc);
out_free:
	free(slots);
	free(got);
	free(chunk);
	return rc;
}

/* ---- the figures, in table order ----------------------------------------- */

static const struct figure figures[] = {
	{ "bulk_read", "bulk read 1 MiB (vmfs_read vs memcpy)", false,
	  "MiB/s", RATE, 0.5, fig_bulk_read },
	{ "random_read", "random 8-byte reads", true,
	  "Mreads/s", RATE, 0.33, fig_random_read },
	{ "fork", "fork, resident", true,
	  "ms/fork", TIME, 1.0, fig_fork },
	{ "first_touch", "first touch (write, 1 MiB chunks)", true,
	  "MiB/s", RATE, 1.0, fig_first_touch },
	{ "swap_out", "swap-out, streaming writes (vs dd)", false,
	  "pages/s", RATE, 0.70, fig_swap_out },
	{ "swap_in", "swap-in, major faults (vs SQLite)", false,
	  "pages/s", RATE, 0.70, fig_swap_in },
};
#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

/* What became of one figure in this run: one of figures[] or from --rows. */
struct outcome {
	const struct figure *f;
	bool          selected;
	bool          ok;          /* measured */
	struct sample s;
	double        ratio;
	char          title[128];
	char          error[512];
};

/* A value with about four significant digits and no exponent. */
static void format_value(char *buf, size_t n, double v, const char *unit)
{
	int decimals = v >= 1000 ? 0 : v >= 100 ? 1 : v >= 10 ? 2 : v >= 1 ? 3 : 4;

	snprintf(buf, n, "%.*f %s", decimals, v, unit);
}

static double ratio_of(const struct figure *f, const struct sample *s)
{
	return f->kind == RATE ? s->vmfs / s->ceiling : s->ceiling / s->vmfs;
}

/* ---- scale: fork, exit and mmap against the size of the address space ---- */

/*
 * Two tables, run with --scale (or --only scale).  They have no ceiling:
 * what they show is growth, against what the data structures promise.
 *
 *   - One process with SIZE resident: fork copies the page tables, not the
 *     memory (mm.c visits only present subtrees and copies 8 bytes per
 *     page), and exit and munmap free per page, so each costs the same per
 *     resident page from 1 MiB to 4 GiB, while mmap only records a mapping
 *     and must not grow at all.  The host's own fork of as much memory (4
 *     KiB pages, run before the machine opens, never beside it) is there
 *     for scale.
 *   - N processes beside a parent with 1 MiB resident: PIDs live in a hash
 *     map and processes on doubly linked lists, so spawn, fork and exit
 *     cost the same per process from 10 to 10,000, and mmap in the parent
 *     does not notice the others.
 *
 * A size whose machine would need more than half the memory the host has
 * available is skipped, and the table says so.  Each table keeps the best
 * of scale_rounds rounds per column; munmap, which ends the round's
 * mapping, is timed once.
 */

#define SCALE_SLACK  (16 * MiB)   /* machine memory beyond the mapping */
#define SCALE_PARENT (1 * MiB)    /* resident in the process table's parent */
#define SCALE_MMAPS  1000         /* mmap + munmap pairs timed per round */
#define SCALE_MAX    8            /* rows per table */

static const uint64_t scale_sizes_full[] = { 1 * MiB, 16 * MiB, 256 * MiB, 1 * GiB, 4 * GiB };
static const uint64_t scale_sizes_quick[] = { 1 * MiB, 16 * MiB, 64 * MiB };
static const int scale_procs_full[] = { 10, 100, 1000, 10000 };
static const int scale_procs_quick[] = { 10, 100, 1000 };

struct scale_size {
	uint64_t size;
	char     skipped[128];    /* why it was not measured, or "" */
	uint64_t pages, pt_pages; /* resident pages, the process's table pages */
	double   mmap, fork, host_fork, exit, munmap;   /* seconds */
};

struct scale_procs {
	int      n;
	uint64_t pt_pages;        /* the machine's, all N + 1 processes alive */
	double   spawn, fork, exit_forked, exit_spawned;   /* seconds per process */
	double   mmap;            /* seconds per mmap + munmap of 1 MiB */
};

struct scale {
	struct scale_size  sizes[SCALE_MAX];
	size_t             nsizes;
	struct scale_procs procs[SCALE_MAX];
	size_t             nprocs;
	int                rounds;
	double             memcpy_page;   /* seconds to memcpy one 4 KiB page */
	bool               ok;
	char               error[512];
};

/* The host's MemAvailable in bytes; 0 when unknown. */
static uint64_t host_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	uint64_t kib = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kib) == 1)
			break;
	fclose(f);
	return kib * KiB;
}

/* The bench's options with the machine's memory set to @mem (a later key wins). */
static void scale_options(const struct bench_cfg *cfg, uint64_t mem, char *buf, size_t n)
{
	snprintf(buf, n, "%s,mem=%" PRIu64 "M", cfg->options, mem / MiB);
}

static int scale_size_row(const struct bench_cfg *cfg, int rounds, struct scale_size *row)
{
	const uint64_t avail = host_available(), need = row->size + SCALE_SLACK;
	unsigned char *arr, *chunk = NULL;
	struct vmfs_proc_stat ps;
	struct vm vm = { 0 };
	char opts[600];
	int rc = -1, err;

	row->pages = row->size / VMFS_PAGE_SIZE;
	row->mmap = row->fork = row->exit = 1e300;
	if (avail && need > avail / 2) {
		snprintf(row->skipped, sizeof(row->skipped), "skipped: the machine needs "
			 "%" PRIu64 " MiB, more than half of the %" PRIu64 " MiB available",
			 need / MiB, avail / MiB);
		return 0;
	}

	/* The host: as much memory resident, one byte written per page, forked. */
	arr = host_map(row->size);
	if (!arr)
		return fail("mmap of %" PRIu64 " bytes: %s", row->size, strerror(errno));
	for (uint64_t off = 0; off < row->size; off += VMFS_PAGE_SIZE)
		arr[off] = 1;
	row->host_fork = host_fork_best(rounds);
	munmap(arr, row->size);
	if (row->host_fork < 0)
		return -1;

	chunk = malloc(CHUNK);
	if (!chunk)
		return fail("out of host memory");
	scale_options(cfg, need, opts, sizeof(opts));
	if (vm_open_opts(opts, &vm) < 0)
		goto out;
	for (int r = 0; r < rounds; r++) {
		uint64_t base;
		double t0 = now(), t;

		err = vmfs_mmap(vm.m, vm.pid, 0, row->size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &base);
		t = now() - t0;
		if (err < 0) {
			vfail("vmfs_mmap", err);
			goto out;
		}
		row->mmap = min_d(row->mmap, t);
		if ((err = vmfs_munmap(vm.m, vm.pid, base, row->size)) < 0) {
			vfail("vmfs_munmap", err);
			goto out;
		}
	}
	if (vm_map(&vm, row->size) < 0 || vm_populate(&vm, chunk) < 0)
		goto out;
	if ((err = vmfs_proc_stat(vm.m, vm.pid, &ps)) < 0) {
		vfail("vmfs_proc_stat", err);
		goto out;
	}
	row->pt_pages = ps.pt_pages;
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;
		int child = vmfs_fork(vm.m, vm.pid);

		t = now() - t0;
		if (child < 0) {
			vfail("vmfs_fork", child);
			goto out;
		}
		row->fork = min_d(row->fork, t);
		t0 = now();
		err = vmfs_exit(vm.m, child);
		t = now() - t0;
		if (err < 0) {
			vfail("vmfs_exit", err);
			goto out;
		}
		row->exit = min_d(row->exit, t);
	}
	{
		double t0 = now();

		err = vmfs_munmap(vm.m, vm.pid, vm.base, vm.size);
		row->munmap = now() - t0;
		if (err < 0) {
			vfail("vmfs_munmap", err);
			goto out;
		}
	}
	rc = 0;
out:
	if (vm.m)
		vm_close(&vm);
	free(chunk);
	return rc;
}

/*
 * Run @what @n times, with i counting the calls, and keep the time per call
 * in *best when it is faster.  @what breaks out of the loop on a failure,
 * which the caller then finds in its own variables.
 */
#define TIME_EACH(best, n, what)                                         \
	do {                                                             \
		double t0_ = now();                                      \
		for (int i = 0; i < (n); i++) {                          \
			what;                                            \
		}                                                        \
		*(best) = min_d(*(best), (now() - t0_) / (n));           \
	} while (0)

static int scale_procs_row(const struct bench_cfg *cfg, int rounds, struct scale_procs *row)
{
	const int n = row->n;
	int *spawned = malloc((size_t)n * sizeof(int));
	int *forked = malloc((size_t)n * sizeof(int));
	unsigned char *chunk = malloc(CHUNK);
	struct vm vm = { 0 };
	char opts[600];
	int rc = -1, err = 0;

	row->spawn = row->fork = row->exit_forked = row->exit_spawned = row->mmap = 1e300;
	if (!spawned || !forked || !chunk) {
		fail("out of host memory");
		goto out;
	}
	scale_options(cfg, SCALE_PARENT + SCALE_SLACK, opts, sizeof(opts));
	for (int r = 0; r < rounds; r++) {
		struct vmfs_stat st;
		uint64_t addr;

		if (vm_open_opts(opts, &vm) < 0)
			goto out;
		if (vm_map(&vm, SCALE_PARENT) < 0 || vm_populate(&vm, chunk) < 0)
			goto out;
		TIME_EACH(&row->spawn, n,
			  if ((spawned[i] = err = vmfs_spawn(vm.m, "idle")) < 0) break);
		if (err < 0) {
			vfail("vmfs_spawn", err);
			goto out;
		}
		TIME_EACH(&row->fork, n,
			  if ((forked[i] = err = vmfs_fork(vm.m, vm.pid)) < 0) break);
		if (err < 0) {
			vfail("vmfs_fork", err);
			goto out;
		}
		TIME_EACH(&row->mmap, SCALE_MMAPS,
			  if ((err = vmfs_mmap(vm.m, vm.pid, 0, MiB, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &addr)) < 0 ||
			      (err = vmfs_munmap(vm.m, vm.pid, addr, MiB)) < 0) break);
		if (err < 0) {
			vfail("vmfs_mmap/vmfs_munmap", err);
			goto out;
		}
		vmfs_stat(vm.m, &st);
		row->pt_pages = st.pagetable_pages;
		TIME_EACH(&row->exit_forked, n,
			  if ((err = vmfs_exit(vm.m, forked[i])) < 0) break);
		if (err < 0) {
			vfail("vmfs_exit", err);
			goto out;
		}
		TIME_EACH(&row->exit_spawned, n,
			  if ((err = vmfs_exit(vm.m, spawned[i])) < 0) break);
		if (err < 0) {
			vfail("vmfs_exit", err);
			goto out;
		}
		vm_close(&vm);
	}
	rc = 0;
out:
	if (vm.m)
		vm_close(&vm);
	free(chunk);
	free(forked);
	free(spawned);
	return rc;
}

/*
 * What fork would cost per page if it copied the memory instead of the
 * tables: memcpy of 64 MiB (4 KiB pages, both sides resident), per page.
 */
static double memcpy_page_best(int rounds)
{
	const uint64_t len = 64 * MiB;
	unsigned char *src = host_map(len), *dst = host_map(len);
	double best = 1e300;

	if (!src || !dst) {
		best = fail("mmap of %" PRIu64 " bytes: %s", len, strerror(errno));
		goto out;
	}
	fill_pattern(src, 0, len);
	memset(dst, 0, len);
	for (int r = 0; r < rounds; r++) {
		double t0 = now();

		memcpy(dst, src, len);
		clobber(dst);
		best = min_d(best, (now() - t0) / (double)(len / VMFS_PAGE_SIZE));
	}
out:
	if (src)
		munmap(src, len);
	if (dst)
		munmap(dst, len);
	return best;
}

static void run_scale(const struct bench_cfg *cfg, struct scale *sc)
{
	const uint64_t *sizes = cfg->quick ? scale_sizes_quick : scale_sizes_full;
	const int *procs = cfg->quick ? scale_procs_quick : scale_procs_full;

	memset(sc, 0, sizeof(*sc));
	sc->nsizes = cfg->quick ? sizeof(scale_sizes_quick) / sizeof(scale_sizes_quick[0])
				: sizeof(scale_sizes_full) / sizeof(scale_sizes_full[0]);
	sc->nprocs = cfg->quick ? sizeof(scale_procs_quick) / sizeof(scale_procs_quick[0])
				: sizeof(scale_procs_full) / sizeof(scale_procs_full[0]);
	sc->rounds = cfg->quick ? 2 : 3;
	bench_err[0] = '\0';
	sc->memcpy_page = memcpy_page_best(sc->rounds);
	if (sc->memcpy_page < 0)
		goto failed;
	for (size_t i = 0; i < sc->nsizes; i++) {
		sc->sizes[i].size = sizes[i];
		if (scale_size_row(cfg, sc->rounds, &sc->sizes[i]) < 0)
			goto failed;
	}
	for (size_t i = 0; i < sc->nprocs; i++) {
		sc->procs[i].n = procs[i];
		if (scale_procs_row(cfg, sc->rounds, &sc->procs[i]) < 0)
			goto failed;
	}
	sc->ok = true;
	return;
failed:
	snprintf(sc->error, sizeof(sc->error), "%s", bench_err);
}

/* ---- figures measured elsewhere (--rows FILE) ------------------------------ */

/*
 * scripts/bench.sh measures what needs a mount or valgrind with other tools
 * (tools/fusebench.sh, vmfs-replay --bench) and hands the results to this
 * program, so that one table and one JSON document hold every figure.  One
 * record per line, fields separated by tabs:
 *
 *     figure  ID  TITLE  UNIT  KIND  TARGET  VMFS  CEILING  [NOTE]
 *     run     KEY  VALUE
 *
 * KIND is rate or time, as in figures[]; VMFS and CEILING are numbers, or
 * both "-" when the figure could not be measured, and NOTE then says why.
 * A run record describes the run (the command, the load average while the
 * other tools ran) and goes into the header and JSON's "run".  Empty lines
 * and lines starting with # are skipped.
 */

#define MAX_ROWS 16
#define MAX_RUN  16

static struct figure row_figures[MAX_ROWS];
static struct { char *key, *value; } run_info[MAX_RUN];
static size_t nrun_info;

/* Split @line at tabs into at most @max fields (the last keeps any tabs). */
static int split_tabs(char *line, char **field, int max)
{
	int n = 0;

	while (n < max) {
		field[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

/* A finite number >= 0 that fills the whole of @s. */
static bool parse_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return *s && !*end && errno == 0 && *v >= 0 && *v < 1e300;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "vmfs-bench: out of memory\n");
		exit(1);
	}
	return d;
}

/*
 * Add the figures of @path to out[*nout...]; false with a message on
 * stderr for a file that cannot be read or a malformed line.
 */
static bool read_rows(const char *path, struct outcome *out, size_t *nout)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *field[9];
	size_t cap = 0, nrows = 0;
	unsigned lineno = 0;
	ssize_t len;
	bool good = true;

	if (!f) {
		fprintf(stderr, "vmfs-bench: %s: %s\n", path, strerror(errno));
		return false;
	}
	while (good && (len = getline(&line, &cap, f)) >= 0) {
		int nf;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		nf = split_tabs(line, field, 9);
		if (!strcmp(field[0], "run") && nf == 3) {
			if (nrun_info == MAX_RUN) {
				fprintf(stderr, "vmfs-bench: %s:%u: more than %d run records\n",
					path, lineno, MAX_RUN);
				good = false;
				break;
			}
			run_info[nrun_info].key = xstrdup(field[1]);
			run_info[nrun_info++].value = xstrdup(field[2]);
		} else if (!strcmp(field[0], "figure") && nf >= 8) {
			struct figure *fg = &row_figures[nrows];
			struct outcome *o = &out[*nout];
			bool measured = strcmp(field[6], "-") || strcmp(field[7], "-");
			const char *note = nf == 9 ? field[8] : "";

			if (nrows == MAX_ROWS) {
				fprintf(stderr, "vmfs-bench: %s:%u: more than %d figures\n",
					path, lineno, MAX_ROWS);
				good = false;
				break;
			}
			memset(o, 0, sizeof(*o));
			fg->id = xstrdup(field[1]);
			fg->title = xstrdup(field[2]);
			fg->unit = xstrdup(field[3]);
			fg->kind = !strcmp(field[4], "time") ? TIME : RATE;
			good = (!strcmp(field[4], "rate") || !strcmp(field[4], "time")) &&
			       parse_number(field[5], &fg->target) &&
			       (!measured || (parse_number(field[6], &o->s.vmfs) &&
					      parse_number(field[7], &o->s.ceiling) &&
					      o->s.vmfs > 0 && o->s.ceiling > 0));
			if (!good) {
				fprintf(stderr, "vmfs-bench: %s:%u: a figure needs KIND rate or time, "
					"a TARGET, and VMFS and CEILING > 0 (or both -)\n", path, lineno);
				break;
			}
			o->f = fg;
			o->selected = true;
			o->ok = measured;
			snprintf(o->title, sizeof(o->title), "%s", fg->title);
			if (measured) {
				o->ratio = ratio_of(fg, &o->s);
				snprintf(o->s.note, sizeof(o->s.note), "%s", note);
			} else {
				snprintf(o->error, sizeof(o->error), "%s", *note ? note : "not measured");
			}
			nrows++;
			(*nout)++;
		} else {
			fprintf(stderr, "vmfs-bench: %s:%u: not a figure (8 or 9 fields) or run "
				"(3 fields) record\n", path, lineno);
			good = false;
		}
	}
	if (good && ferror(f)) {
		fprintf(stderr, "vmfs-bench: reading %s: %s\n", path, strerror(errno));
		good = false;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return good;
}

/* ---- output ---------------------------------------------------------------- */

/* Everything one run prints. */
struct report {
	const struct bench_cfg *cfg;
	const struct outcome   *out;
	size_t                  nout;
	const struct scale     *scale;          /* NULL without --scale */
	double                  load_start[3];  /* getloadavg() at start and end */
	double                  load_end[3];
};

static void json_string(const char *str)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void json_figures(const struct report *rp)
{
	bool first = true;

	printf("  \"figures\": [");
	for (size_t i = 0; i < rp->nout; i++) {
		const struct outcome *o = &rp->out[i];
		const struct figure *f = o->f;

		if (!o->selected)
			continue;
		printf("%s\n    {\"id\": ", first ? "" : ",");
		first = false;
		json_string(f->id);
		printf(", \"title\": ");
		json_string(o->title);
		printf(", \"unit\": ");
		json_string(f->unit);
		printf(", \"kind\": \"%s\", \"target\": %.2f, ",
		       f->kind == RATE ? "rate" : "time", f->target);
		if (o->ok) {
			printf("\"vmfs\": %.6g, \"ceiling\": %.6g, \"ratio\": %.4f, "
			       "\"met\": %s", o->s.vmfs, o->s.ceiling, o->ratio,
			       o->ratio >= f->target ? "true" : "false");
			if (o->s.note[0]) {
				printf(", \"note\": ");
				json_string(o->s.note);
			}
		} else {
			printf("\"vmfs\": null, \"ceiling\": null, \"ratio\": null, "
			       "\"met\": false, \"error\": ");
			json_string(o->error);
		}
		putchar('}');
	}
	printf("\n  ]");
}

static void json_scale(const struct scale *sc)
{
	printf(",\n  \"scale\": {\"rounds\": %d, \"memcpy_ns_per_page\": %.4g",
	       sc->rounds, sc->memcpy_page * 1e9);
	if (!sc->ok) {
		printf(", \"error\": ");
		json_string(sc->error);
		printf("}");
		return;
	}
	printf(",\n    \"resident\": [");
	for (size_t i = 0; i < sc->nsizes; i++) {
		const struct scale_size *r = &sc->sizes[i];

		printf("%s\n      {\"size\": %" PRIu64 ", \"pages\": %" PRIu64, i ? "," : "",
		       r->size, r->pages);
		if (r->skipped[0]) {
			printf(", \"skipped\": ");
			json_string(r->skipped);
		} else {
			printf(", \"pt_pages\": %" PRIu64 ", \"mmap_us\": %.4g, \"fork_ms\": %.4g, "
			       "\"fork_ns_per_page\": %.4g, \"host_fork_ms\": %.4g, "
			       "\"host_fork_ns_per_page\": %.4g, \"exit_ms\": %.4g, "
			       "\"exit_ns_per_page\": %.4g, \"munmap_ms\": %.4g, "
			       "\"munmap_ns_per_page\": %.4g", r->pt_pages, r->mmap * 1e6,
			       r->fork * 1e3, r->fork * 1e9 / r->pages, r->host_fork * 1e3,
			       r->host_fork * 1e9 / r->pages, r->exit * 1e3,
			       r->exit * 1e9 / r->pages, r->munmap * 1e3, r->munmap * 1e9 / r->pages);
		}
		putchar('}');
	}
	printf("\n    ],\n    \"processes\": [");
	for (size_t i = 0; i < sc->nprocs; i++) {
		const struct scale_procs *r = &sc->procs[i];

		printf("%s\n      {\"n\": %d, \"parent_resident\": %" PRIu64 ", \"spawn_us\": %.4g, "
		       "\"fork_us\": %.4g, \"mmap_munmap_us\": %.4g, \"exit_forked_us\": %.4g, "
		       "\"exit_spawned_us\": %.4g, \"pt_pages\": %" PRIu64 "}", i ? "," : "",
		       r->n, SCALE_PARENT, r->spawn * 1e6, r->fork * 1e6, r->mmap * 1e6,
		       r->exit_forked * 1e6, r->exit_spawned * 1e6, r->pt_pages);
	}
	printf("\n    ]\n  }");
}

static void json_load(const char *name, const double load[3])
{
	printf(",\n  \"%s\": [%.2f, %.2f, %.2f]", name, load[0], load[1], load[2]);
}

static void print_json(const struct report *rp)
{
	const struct bench_cfg *cfg = rp->cfg;

	printf("{\n  \"options\": ");
	json_string(cfg->options);
	printf(",\n  \"quick\": %s,\n  \"size\": %" PRIu64 ",\n  \"cpus\": %ld",
	       cfg->quick ? "true" : "false", cfg->big, sysconf(_SC_NPROCESSORS_ONLN));
	json_load("load_average_start", rp->load_start);
	json_load("load_average_end", rp->load_end);
	printf(",\n  \"run\": {");
	for (size_t i = 0; i < nrun_info; i++) {
		printf("%s", i ? ", " : "");
		json_string(run_info[i].key);
		printf(": ");
		json_string(run_info[i].value);
	}
	printf("},\n");
	json_figures(rp);
	if (rp->scale)
		json_scale(rp->scale);
	printf("\n}\n");
}

static void print_rule(int width)
{
	for (int i = 0; i < width; i++)
		putchar('-');
	putchar('\n');
}

static void print_figures(const struct report *rp)
{
	int met = 0, missed = 0, failed = 0;

	printf("%-46s | %-18s | %-18s | %-6s | %s\n",
	       "figure", "vmfs", "ceiling", "ratio", "target");
	print_rule(114);
	for (size_t i = 0; i < rp->nout; i++) {
		const struct outcome *o = &rp->out[i];
		const struct figure *f = o->f;
		char v[32], c[32];

		if (!o->selected)
			continue;
		if (!o->ok) {
			printf("%-46s | ERROR: %s\n", o->title, o->error);
			failed++;
			continue;
		}
		format_value(v, sizeof(v), o->s.vmfs, f->unit);
		format_value(c, sizeof(c), o->s.ceiling, f->unit);
		printf("%-46s | %18s | %18s | %6.2f | >= %.2f %s\n", o->title, v, c,
		       o->ratio, f->target, o->ratio >= f->target ? "ok" : "MISSED");
		if (o->ratio >= f->target)
			met++;
		else
			missed++;
	}
	print_rule(114);
	for (size_t i = 0; i < rp->nout; i++)
		if (rp->out[i].selected && rp->out[i].ok && rp->out[i].s.note[0])
			printf("%s: %s\n", rp->out[i].f->id, rp->out[i].s.note);
	printf("%d target%s met, %d MISSED%s", met, met == 1 ? "" : "s", missed,
	       failed ? "" : "\n");
	if (failed)
		printf(", %d not measured (ERROR)\n", failed);
}

/* "x12.3", "x3730" for b over a, or "-" when either is missing. */
static const char *growth(char *buf, size_t n, double a, double b)
{
	if (a > 0 && b > 0)
		snprintf(buf, n, b / a >= 100 ? "x%.0f" : "x%.3g", b / a);
	else
		snprintf(buf, n, "-");
	return buf;
}

static void print_scale(const struct scale *sc)
{
	const struct scale_size *lo = NULL, *hi = NULL;
	char size[32], g[5][16];

	if (!sc->ok) {
		printf("scale: ERROR: %s\n", sc->error);
		return;
	}
	printf("scale with resident memory (best of %d rounds): one process with SIZE of\n"
	       "private anonymous memory written; mmap of SIZE (untouched), fork and the\n"
	       "child's exit, then munmap (timed once); ns/page: per resident 4 KiB page;\n"
	       "host fork: fork() of this program with as much written (4 KiB pages)\n\n",
	       sc->rounds);
	printf("%-8s | %8s | %8s | %8s | %-18s | %-18s | %-18s | %s\n", "resident",
	       "pages", "PT pages", "mmap", "vmfs fork", "host fork", "exit (child)", "munmap");
	printf("%-8s | %8s | %8s | %8s |" "%s |%s |%s |%s\n", "", "", "", "us",
	       "       ms   ns/page", "       ms   ns/page", "       ms   ns/page",
	       "       ms   ns/page");
	print_rule(124);
	for (size_t i = 0; i < sc->nsizes; i++) {
		const struct scale_size *r = &sc->sizes[i];
		const double pg = (double)r->pages / 1e9;

		format_size(size, sizeof(size), r->size);
		if (r->skipped[0]) {
			printf("%-8s | %s\n", size, r->skipped);
			continue;
		}
		printf("%-8s | %8" PRIu64 " | %8" PRIu64 " | %8.2f | %9.3f %8.2f | %9.3f %8.2f"
		       " | %9.3f %8.2f | %9.3f %8.2f\n", size, r->pages, r->pt_pages,
		       r->mmap * 1e6, r->fork * 1e3, r->fork / pg, r->host_fork * 1e3,
		       r->host_fork / pg, r->exit * 1e3, r->exit / pg, r->munmap * 1e3,
		       r->munmap / pg);
		if (!lo)
			lo = r;
		hi = r;
	}
	print_rule(124);
	if (lo && hi != lo) {
		char a[32], b[32];

		format_size(a, sizeof(a), lo->size);
		format_size(b, sizeof(b), hi->size);
		printf("%s to %s: memory and page-table entries x%.0f (table pages %s); time\n"
		       "of mmap %s, fork %s, exit %s, munmap %s\n", a, b,
		       (double)hi->pages / lo->pages,
		       growth(g[0], sizeof(g[0]), lo->pt_pages, hi->pt_pages),
		       growth(g[1], sizeof(g[1]), lo->mmap, hi->mmap),
		       growth(g[2], sizeof(g[2]), lo->fork, hi->fork),
		       growth(g[3], sizeof(g[3]), lo->exit, hi->exit),
		       growth(g[4], sizeof(g[4]), lo->munmap, hi->munmap));
	}
	printf("fork copies 8 bytes of page table per page; copying the page itself (memcpy\n"
	       "of 64 MiB here) costs %.1f ns per page\n", sc->memcpy_page * 1e9);

	printf("\nscale with processes (best of %d rounds): N processes beside a parent\n"
	       "with %" PRIu64 " MiB resident: N spawned, N forked from the parent, %d mmap +\n"
	       "munmap of 1 MiB in the parent, then the forked and the spawned exit; times\n"
	       "per process (per pair for mmap); PT pages: the machine's, all alive\n\n",
	       sc->rounds, SCALE_PARENT / MiB, SCALE_MMAPS);
	printf("%-8s | %8s | %8s | %14s | %14s | %15s | %9s\n", "procs", "spawn us",
	       "fork us", "mmap+munmap us", "exit forked us", "exit spawned us", "PT pages");
	print_rule(96);
	for (size_t i = 0; i < sc->nprocs; i++) {
		const struct scale_procs *r = &sc->procs[i];

		printf("%-8d | %8.2f | %8.2f | %14.2f | %14.2f | %15.2f | %9" PRIu64 "\n",
		       r->n, r->spawn * 1e6, r->fork * 1e6, r->mmap * 1e6,
		       r->exit_forked * 1e6, r->exit_spawned * 1e6, r->pt_pages);
	}
	print_rule(96);
	if (sc->nprocs > 1) {
		const struct scale_procs *a = &sc->procs[0], *b = &sc->procs[sc->nprocs - 1];

		printf("%d to %d processes (x%d): per process, spawn %s, fork %s, exit %s "
		       "and %s; mmap %s\n", a->n, b->n, b->n / a->n,
		       growth(g[0], sizeof(g[0]), a->spawn, b->spawn),
		       growth(g[1], sizeof(g[1]), a->fork, b->fork),
		       growth(g[2], sizeof(g[2]), a->exit_forked, b->exit_forked),
		       growth(g[3], sizeof(g[3]), a->exit_spawned, b->exit_spawned),
		       growth(g[4], sizeof(g[4]), a->mmap, b->mmap));
	}
}

static void print_text(const struct report *rp)
{
	bool any = false;

	for (size_t i = 0; i < rp->nout; i++)
		any |= rp->out[i].selected;
	if (any)
		print_figures(rp);
	if (any && rp->scale)
		putchar('\n');
	if (rp->scale)
		print_scale(rp->scale);
	printf("\nload average at the end: %.2f %.2f %.2f\n",
	       rp->load_end[0], rp->load_end[1], rp->load_end[2]);
}

static void usage(FILE *to, const char *argv0)
{
	fprintf(to,
"usage: %s [--quick] [--json] [--scale] [-o OPTIONS] [--only ID[,ID...]]\n"
"       [--rows FILE]\n"
"\n"
"Measure libvmfs against the host doing the same work, in one run, and print\n"
"figure | vmfs | ceiling | ratio | target.  ratio = vmfs rate / host rate\n"
"(for times: host time / vmfs time); targets below are minimum ratios and a\n"
"missed one is marked MISSED.  A full run takes about a minute and ~1.5 GiB\n"
"of memory.  The swap figures stream 256 MiB through a 16 MiB machine whose\n"
"swap store, like the file dd(1) writes for the ceiling, is a temporary file\n"
"in $TMPDIR (else /tmp); both are removed at the end.\n"
"\n"
"  -q, --quick        smaller sizes (64 MiB instead of 1 GiB, fewer rounds;\n"
"                     swap figures: 64 MiB through 4 MiB, one round; scale:\n"
"                     up to 64 MiB and 1,000 processes)\n"
"  -j, --json         machine-readable output on stdout\n"
"  -s, --scale        also the scale tables: mmap, fork, exit and munmap of\n"
"                     1 MiB ... 4 GiB resident (sizes needing more than half\n"
"                     the host's available memory are skipped; 4 GiB takes\n"
"                     ~4.1 GiB), and spawn, fork, exit of 10 ... 10,000\n"
"                     processes; about 30 s more\n"
"  -o, --options OPT  extra vmfs_open options appended to the bench's own\n"
"                     mem=SIZE (e.g. -o tlb=0, -o levels=5; a later key wins,\n"
"                     so -o mem=2G replaces it, and frames= is refused; the\n"
"                     swap figures and the scale tables append their own mem=)\n"
"      --only IDS     run only these figures; the id 'scale' names the scale\n"
"                     tables\n"
"      --rows FILE    add the figures measured elsewhere that FILE holds (- for\n"
"                     standard input) to the table: tab-separated records\n"
"                     'figure ID TITLE UNIT rate|time TARGET VMFS CEILING NOTE'\n"
"                     and 'run KEY VALUE' (scripts/bench.sh writes them)\n"
"  -h, --help         this text\n"
"\n"
"Figures:\n", argv0);
	for (size_t i = 0; i < NFIGURES; i++)
		fprintf(to, "  %-12s %-38s target >= %.2f\n", figures[i].id,
			figures[i].title, figures[i].target);
	fprintf(to,
"\nExit status: 0 when every figure was measured (targets met or not), 1 when\n"
"one could not be (engine error, wrong bytes, an ERROR record in --rows), 2\n"
"for a bad command line or --rows file.\n");
}

/*
 * Mark the figures named in the comma list @ids, and *scale for the id
 * "scale"; false for an unknown id, which *bad then points at.
 */
static bool select_figures(const char *ids, struct outcome *out, bool *scale, const char **bad)
{
	char *copy = strdup(ids), *save = NULL;

	if (!copy)
		return false;
	for (char *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		size_t i;

		if (!strcmp(id, "scale")) {
			*scale = true;
			continue;
		}
		for (i = 0; i < NFIGURES && strcmp(figures[i].id, id) != 0; i++)
			;
		if (i == NFIGURES) {
			*bad = ids + (id - copy);
			free(copy);
			return false;
		}
		out[i].selected = true;
	}
	free(copy);
	return true;
}

static void load_average(double load[3])
{
	if (getloadavg(load, 3) != 3)
		load[0] = load[1] = load[2] = -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick",   no_argument,       NULL, 'q' },
		{ "json",    no_argument,       NULL, 'j' },
		{ "scale",   no_argument,       NULL, 's' },
		{ "options", required_argument, NULL, 'o' },
		{ "only",    required_argument, NULL, 'O' },
		{ "rows",    required_argument, NULL, 'R' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct outcome out[NFIGURES + MAX_ROWS];
	struct bench_cfg cfg = { 0 };
	struct report rp = { .cfg = &cfg, .out = out, .nout = NFIGURES };
	struct scale scale;
	const char *extra = NULL, *only = NULL, *rows = NULL;
	bool json = false, want_scale = false, failed = false;
	char size[32];
	int c;

	while ((c = getopt_long(argc, argv, "qjso:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': cfg.quick = true; break;
		case 'j': json = true; break;
		case 's': want_scale = true; break;
		case 'o': extra = optarg; break;
		case 'O': only = optarg; break;
		case 'R': rows = optarg; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default:  usage(stderr, argv[0]); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		return 2;
	}

	if (cfg.quick) {
		cfg.big = 64 * MiB;
		cfg.rounds = 3;
		cfg.bulk_reps = 64;
		cfg.random_reads = 1u << 18;
		cfg.swap_map = 64 * MiB;
		cfg.swap_mem = 4 * MiB;
		cfg.swap_rounds = 1;
	} else {
		cfg.big = 1 * GiB;
		cfg.rounds = 5;
		cfg.bulk_reps = 1024;
		cfg.random_reads = 1u << 22;
		cfg.swap_map = 256 * MiB;
		cfg.swap_mem = 16 * MiB;
		cfg.swap_rounds = 3;
	}
	/* Frames for the big mapping plus a quarter more room. */
	snprintf(cfg.options, sizeof(cfg.options), "mem=%" PRIu64 "M%s%s",
		 cfg.big / MiB * 5 / 4, extra && *extra ? "," : "", extra ? extra : "");

	for (size_t i = 0; i < NFIGURES; i++)
		out[i].f = &figures[i];
	if (only) {
		const char *bad = NULL;
		if (!select_figures(only, out, &want_scale, &bad)) {
			fprintf(stderr, "%s: unknown figure in --only: '%s' (see --help)\n",
				argv[0], bad ? bad : only);
			return 2;
		}
	} else {
		for (size_t i = 0; i < NFIGURES; i++)
			out[i].selected = true;
	}
	if (rows && !read_rows(rows, out, &rp.nout))
		return 2;

	load_average(rp.load_start);
	format_size(size, sizeof(size), cfg.big);
	if (!json) {
		printf("vmfs-bench%s: machine options \"%s\", big size %s, best of %d rounds;\n"
		       "host ceilings use 4 KiB pages (MADV_NOHUGEPAGE), %ld CPUs, load average "
		       "%.2f %.2f %.2f at the start\n", cfg.quick ? " --quick" : "", cfg.options,
		       size, cfg.rounds, sysconf(_SC_NPROCESSORS_ONLN), rp.load_start[0],
		       rp.load_start[1], rp.load_start[2]);
		for (size_t i = 0; i < nrun_info; i++)
			printf("%s: %s\n", run_info[i].key, run_info[i].value);
		putchar('\n');
		fflush(stdout);
	}
	for (size_t i = 0; i < NFIGURES; i++) {
		const struct figure *f = &figures[i];
		struct outcome *o = &out[i];

		if (!o->selected)
			continue;
		if (f->sized)
			snprintf(o->title, sizeof(o->title), "%s, %s", f->title, size);
		else
			snprintf(o->title, sizeof(o->title), "%s", f->title);
		bench_err[0] = '\0';
		o->ok = f->run(&cfg, &o->s) == 0;
		if (bad_options) {
			/* Not checked up front: a test open would commit the RAM. */
			fprintf(stderr, "%s: bad options \"%s\": %s\n", argv[0],
				cfg.options, bench_err);
			return 2;
		}
		if (o->ok)
			o->ratio = ratio_of(f, &o->s);
		else
			snprintf(o->error, sizeof(o->error), "%s", bench_err);
	}
	if (want_scale) {
		run_scale(&cfg, &scale);
		if (bad_options) {
			fprintf(stderr, "%s: bad options \"%s\": %s\n", argv[0],
				cfg.options, scale.error);
			return 2;
		}
		rp.scale = &scale;
		failed = !scale.ok;
	}
	for (size_t i = 0; i < rp.nout; i++)
		if (out[i].selected && !out[i].ok)
			failed = true;
	load_average(rp.load_end);
	if (json)
		print_json(&rp);
	else
		print_text(&rp);
	return failed ? 1 : 0;
}

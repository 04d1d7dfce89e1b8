/*
 * bench_scale.c - vmfs-bench's scale tables: fork, exit and mmap against
 * the size of the address space, and spawn, fork and exit against the
 * number of processes.
 *
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
 *     does not notice the others.  With the 2N + 1 processes alive, ls -l
 *     of a mount's root made of the libvmfs calls the daemon answers it
 *     with (the PIDs, then for each PID directory the lookup and getattr:
 *     vmfs_proc_stat and vmfs_statx of the basic figures) costs the same
 *     per directory however many there are; vmfs_stat, which scans every
 *     frame and adds up every process, is timed beside it for scale.
 *   - One page written by a parent and read by N forked children, on a
 *     clock machine without swap: vmfs_reclaim(1) tests it (one reverse-map
 *     walk clears all N accessed bits), tests it again and cannot evict it
 *     (dirty, no swap).  The time per mapper stays flat from 10 to 10,000:
 *     a walk per accessed bit cleared would make it grow with N.
 *
 * What stays true: a size whose machine would need more than half the
 * memory the host has available is skipped, and the table says so.  Each
 * table keeps the best of scale_rounds rounds per column; munmap, which
 * ends the round's mapping, is timed once.  The host and a machine never
 * hold their memory at the same time.  Printing is bench_report.c's.
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SCALE_SLACK  (16 * MiB)   /* machine memory beyond the mapping */

static const uint64_t scale_sizes_full[] = { 1 * MiB, 16 * MiB, 256 * MiB, 1 * GiB, 4 * GiB };
static const uint64_t scale_sizes_quick[] = { 1 * MiB, 16 * MiB, 64 * MiB };
static const int scale_procs_full[] = { 10, 100, 1000, 10000 };
static const int scale_procs_quick[] = { 10, 100, 1000 };

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

/*
 * ls -l of a mount's root with the processes of @vm alive, as the daemon
 * answers it: readdir (the PIDs), then each PID directory's lookup
 * (node_of_name: is it alive; node_stat) and getattr (node_stat), where
 * node_stat is vmfs_statx of the basic figures and vmfs_proc_stat.
 */
static int scale_ls(struct vm *vm, int n, struct scale_procs *row)
{
	int *pids = malloc((size_t)(2 * n + 1) * sizeof(int));
	struct vmfs_proc_stat ps;
	struct vmfs_stat st;
	double t0;
	int got, err = 0;

	if (!pids)
		return fail("out of host memory");
	t0 = now();
	got = vmfs_pids(vm->m, pids, (size_t)(2 * n + 1));
	for (int i = 0; i < got && i < 2 * n + 1 && err >= 0; i++) {
		/* lookup: alive?, node_stat; getattr: node_stat */
		if ((err = vmfs_proc_stat(vm->m, pids[i], &ps)) < 0)
			break;
		for (int call = 0; call < 2 && err >= 0; call++)
			if ((err = vmfs_statx(vm->m, &st, 0)) >= 0)
				err = vmfs_proc_stat(vm->m, pids[i], &ps);
	}
	if (got > 0)
		row->ls_entry = min_d(row->ls_entry, (now() - t0) / got);
	free(pids);
	if (got < 0 || err < 0)
		return vfail("ls -l", got < 0 ? got : err);
	TIME_EACH(&row->stat_full, 10, if ((err = vmfs_stat(vm->m, &st)) < 0) break);
	return err < 0 ? vfail("vmfs_stat", err) : 0;
}

/*
 * The clock's test of one page that @n forked children and their parent
 * map, each entry's accessed bit set: the time of one vmfs_reclaim(1),
 * which tests the page, tests it again and cannot evict it, and the pages
 * it tested; the best of @rounds.
 */
static int scale_clock_row(int rounds, struct scale_procs *row)
{
	struct vm vm = { 0 };
	struct vmfs_stat st;
	unsigned char byte = 1;
	int *child = malloc((size_t)row->n * sizeof(int));
	int rc = -1, err = 0;

	row->clock_sweep = 1e300;
	if (!child)
		return fail("out of host memory");
	if (vm_open_opts("frames=64,swap=none,policy=clock", &vm) < 0 ||
	    vm_map(&vm, VMFS_PAGE_SIZE) < 0)
		goto out;
	if ((err = (int)vmfs_write(vm.m, vm.pid, vm.base, &byte, 1)) < 0) {
		vfail("vmfs_write", err);
		goto out;
	}
	for (int i = 0; i < row->n; i++)
		if ((child[i] = err = vmfs_fork(vm.m, vm.pid)) < 0) {
			vfail("vmfs_fork", err);
			goto out;
		}
	for (int r = 0; r < rounds; r++) {
		uint64_t scanned;
		double t0;

		for (int i = 0; i < row->n; i++)
			if ((err = (int)vmfs_read(vm.m, child[i], vm.base, &byte, 1)) < 0) {
				vfail("vmfs_read", err);
				goto out;
			}
		vmfs_stat(vm.m, &st);
		scanned = st.pgscan_direct;
		t0 = now();
		err = (int)vmfs_reclaim(vm.m, 1);
		row->clock_sweep = min_d(row->clock_sweep, now() - t0);
		if (err != 0) {
			if (err > 0)
				fail("vmfs_reclaim evicted the page that cannot go");
			else
				vfail("vmfs_reclaim", err);
			goto out;
		}
		vmfs_stat(vm.m, &st);
		row->clock_tests = st.pgscan_direct - scanned;
	}
	rc = 0;
out:
	if (vm.m)
		vm_close(&vm);
	free(child);
	return rc;
}

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
	row->ls_entry = row->stat_full = 1e300;
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
		if (scale_ls(&vm, n, row) < 0)
			goto out;
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

void run_scale(const struct bench_cfg *cfg, struct scale *sc)
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
		if (scale_procs_row(cfg, sc->rounds, &sc->procs[i]) < 0 ||
		    scale_clock_row(sc->rounds, &sc->procs[i]) < 0)
			goto failed;
	}
	sc->ok = true;
	return;
failed:
	snprintf(sc->error, sizeof(sc->error), "%s", bench_err);
}

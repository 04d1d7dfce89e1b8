/*
 * bench_mem.c - vmfs-bench's memory figures: bulk read of 1 MiB (vmfs_read
 * against memcpy), random 8-byte reads over the big size (vmfs_accessv
 * batches against native loads), fork of a process with the big size
 * resident (vmfs_fork against fork()), and first touch of the big size
 * (vmfs_write into a fresh mapping against writing a fresh host mapping).
 *
 * What stays true in every figure here: both sides do the same work on the
 * same bytes (the pattern, the same random address sequence); the host side
 * runs first and frees its memory before the machine opens, so the two
 * never overlap and a real fork() does not also copy a machine's page
 * tables; setup (opening a machine, filling it, waitpid, vmfs_exit of a
 * forked child) is not timed; each side keeps its best round; and vmfs is
 * checked to return the bytes written, else the figure fails.
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Zero, in a way the compiler cannot see through (for chained loads). */
static volatile uint64_t zero_in_disguise;

/* ---- figure: bulk read of 1 MiB ------------------------------------------- */

int fig_bulk_read(const struct bench_cfg *cfg, struct sample *s)
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

int fig_random_read(const struct bench_cfg *cfg, struct sample *s)
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
double host_fork_best(int rounds)
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

int fig_fork(const struct bench_cfg *cfg, struct sample *s)
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
	if (vm_fork_best(&vm, cfg->rounds, &best_vmfs) < 0)
		goto out;
	s->ceiling = best_host * 1e3;   /* milliseconds per fork */
	s->vmfs = best_vmfs * 1e3;
	rc = 0;
out:
	vm_close(&vm);
	return rc;
}

/* ---- figure: first touch of the big size ------------------------------------ */

int fig_first_touch(const struct bench_cfg *cfg, struct sample *s)
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


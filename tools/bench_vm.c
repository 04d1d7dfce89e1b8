/*
 * bench_vm.c - what every figure of vmfs-bench stands on (see bench.h):
 * the reason the last figure failed, the clock, the pattern every buffer
 * and machine holds, host mappings with 4 KiB pages, and a machine with one
 * process ("bench") and one private anonymous mapping.
 *
 * What stays true: the helpers that can fail say why in bench_err and
 * return -1; vm_* leave no machine open when they fail (vm->m is then
 * NULL), and vm_open_opts() sets bad_options when vmfs_open refused the
 * options (-EINVAL), which stops the run.  Host mappings are
 * MADV_NOHUGEPAGE, because the machine's are 4 KiB pages here (the thp_*
 * figures map their own, bench_huge.c).
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>

char bench_err[512];
bool bad_options;

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bench_err, sizeof(bench_err), fmt, ap);
	va_end(ap);
	return -1;
}

int vfail(const char *call, long rc)
{
	return fail("%s: %s (%s)", call, strerror((int)-rc), vmfs_errmsg());
}

double min_d(double a, double b)
{
	return a < b ? a : b;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t pattern_word(uint64_t off)
{
	uint64_t x = off * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29);
}

void fill_pattern(void *buf, uint64_t off, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word(off + i);
		memcpy(p + i, &w, 8);
	}
}

void *host_map(uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

void format_size(char *buf, size_t n, uint64_t bytes)
{
	if (bytes >= GiB && bytes % GiB == 0)
		snprintf(buf, n, "%" PRIu64 " GiB", bytes / GiB);
	else
		snprintf(buf, n, "%" PRIu64 " MiB", bytes / MiB);
}

/* ---- a machine with one process and one anonymous mapping ---------------- */

void vm_close(struct vm *vm)
{
	vmfs_close(vm->m);
	vm->m = NULL;
}

int vm_open_opts(const char *options, struct vm *vm)
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

int vm_open(const struct bench_cfg *cfg, struct vm *vm)
{
	return vm_open_opts(cfg->options, vm);
}

int vm_map(struct vm *vm, uint64_t size)
{
	int rc = vmfs_mmap(vm->m, vm->pid, 0, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &vm->base);

	if (rc < 0)
		return vfail("vmfs_mmap", rc);
	vm->size = size;
	return 0;
}

int vm_populate(struct vm *vm, void *chunk)
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

int vm_open_resident(const struct bench_cfg *cfg, struct vm *vm, uint64_t size)
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

int vm_fork_best(struct vm *vm, int rounds, double *best)
{
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;
		int child = vmfs_fork(vm->m, vm->pid), err;
		uint64_t w = 0;

		t = now() - t0;
		if (child < 0)
			return vfail("vmfs_fork", child);
		/* the child reads its parent's bytes, and its write stays its own */
		if (vmfs_read(vm->m, child, vm->base + vm->size - 8, &w, 8) != 8 ||
		    w != pattern_word(vm->size - 8))
			return fail("the forked child does not read its parent's bytes");
		w = ~w;
		if (vmfs_write(vm->m, child, vm->base + vm->size - 8, &w, 8) != 8 ||
		    vmfs_read(vm->m, vm->pid, vm->base + vm->size - 8, &w, 8) != 8 ||
		    w != pattern_word(vm->size - 8))
			return fail("a write by the forked child changed what the parent reads");
		err = vmfs_exit(vm->m, child);
		if (err < 0)
			return vfail("vmfs_exit", err);
		*best = min_d(*best, t);
	}
	return 0;
}

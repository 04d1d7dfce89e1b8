/*
 * bench_huge.c - vmfs-bench's huge page figures (issue 17): random 8-byte
 * reads over the big size, its first touch, and fork of a process with it
 * resident, each with transparent huge pages on both sides.  The host's
 * array is 2 MiB-aligned and madvise(MADV_HUGEPAGE)d, and how much of it
 * the kernel backed with huge pages is read back from /proc/self/smaps
 * (AnonHugePages; the note says it, and a figure whose host side got no
 * huge page at all fails rather than compare against 4 KiB pages).  The
 * machine's mapping is 2 MiB-aligned and vmfs_madvise(VMFS_MADV_HUGEPAGE)d,
 * and the machine's walk of its first and last byte is checked to end one
 * level early, at a pmd entry with PS set.
 *
 * What stays true, as in bench_mem.c: both sides do the same work on the
 * same bytes (the pattern, the same addresses); the host side runs first
 * and frees its memory before the machine opens; setup is not timed; each
 * side keeps its best round; vmfs must give back the bytes the host has.
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

#define HUGE_SIZE   (2 * MiB)
#define HUGE_BASE   (1 * GiB)          /* where the machine's mapping goes: 2 MiB-aligned */
#define PTE_PS      (1ull << 7)
#define HUGE_BATCH  256

/* A host mapping of @len bytes, 2 MiB-aligned, MADV_HUGEPAGE; host_unmap_thp frees it. */
struct host_thp {
	unsigned char *raw, *p;
	uint64_t       rawlen, len;
};

static int host_map_thp(struct host_thp *h, uint64_t len)
{
	uintptr_t a;

	h->rawlen = len + HUGE_SIZE;
	h->raw = mmap(NULL, h->rawlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->raw == MAP_FAILED) {
		h->raw = NULL;
		return fail("mmap of %" PRIu64 " bytes: %s", h->rawlen, strerror(errno));
	}
	a = ((uintptr_t)h->raw + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
	h->p = (unsigned char *)a;
	h->len = len;
	if (madvise(h->p, len, MADV_HUGEPAGE) < 0) {
		munmap(h->raw, h->rawlen);
		h->raw = NULL;
		return fail("madvise(MADV_HUGEPAGE): %s (is THP built into this kernel?)",
			    strerror(errno));
	}
	return 0;
}

static void host_unmap_thp(struct host_thp *h)
{
	if (h->raw)
		munmap(h->raw, h->rawlen);
	h->raw = NULL;
}

/* AnonHugePages of the host mapping holding @p, in bytes (/proc/self/smaps); 0 if unknown. */
static uint64_t host_anon_huge(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	uint64_t kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %" SCNu64 " kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * KiB;
}

/* The host side's huge pages, said in @note; -1 (a failure) when it got none. */
static int host_thp_note(const struct host_thp *h, char *note, size_t n)
{
	uint64_t huge = host_anon_huge(h->p);

	if (!huge)
		return fail("the host backed its MADV_HUGEPAGE array with no huge page "
			    "(/sys/kernel/mm/transparent_hugepage/enabled is 'never'?)");
	snprintf(note, n, "host: %" PRIu64 " of %" PRIu64 " MiB in huge pages (AnonHugePages)",
		 huge / MiB, h->len / MiB);
	return 0;
}

/* In the open machine @vm, process "bench" maps @size bytes at HUGE_BASE with MADV_HUGEPAGE. */
static int vm_thp_region(struct vm *vm, uint64_t size)
{
	uint64_t base;
	int rc = vmfs_mmap(vm->m, vm->pid, HUGE_BASE, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &base);
	if (rc < 0) {
		vfail("vmfs_mmap", rc);
		goto fail;
	}
	vm->base = base;
	vm->size = size;
	rc = vmfs_madvise(vm->m, vm->pid, base, size, VMFS_MADV_HUGEPAGE);
	if (rc < 0) {
		vfail("vmfs_madvise(VMFS_MADV_HUGEPAGE)", rc);
		goto fail;
	}
	return 0;
fail:
	vm_close(vm);
	return -1;
}

/* A machine whose process "bench" maps @size bytes at HUGE_BASE with MADV_HUGEPAGE. */
static int vm_map_thp(const struct bench_cfg *cfg, struct vm *vm, uint64_t size)
{
	if (vm_open(cfg, vm) < 0)
		return -1;
	return vm_thp_region(vm, size);
}

/* The machine's walk of @addr ends at a pmd entry with PS set: a 2 MiB page. */
static int vm_check_huge(struct vm *vm, uint64_t addr)
{
	struct vmfs_walk w;
	int rc = vmfs_translate(vm->m, vm->pid, addr, &w);

	if (rc < 0)
		return vfail("vmfs_translate", rc);
	if (w.state != VMFS_WALK_PRESENT || w.depth != w.levels - 1 ||
	    !(w.level[w.depth - 1].entry & PTE_PS))
		return fail("the machine's walk of 0x%" PRIx64 " does not end at a huge pmd "
			    "entry (depth %d of %d levels)", addr, w.depth, w.levels);
	return 0;
}

/* vm_map_thp, then the pattern over all of it, then the huge pages checked. */
static int vm_resident_thp(const struct bench_cfg *cfg, struct vm *vm, uint64_t size)
{
	void *chunk = malloc(CHUNK);
	int rc = -1;

	if (!chunk)
		return fail("out of host memory");
	if (vm_map_thp(cfg, vm, size) == 0) {
		rc = vm_populate(vm, chunk);
		if (rc == 0)
			rc = vm_check_huge(vm, vm->base);
		if (rc == 0)
			rc = vm_check_huge(vm, vm->base + size - 8);
		if (rc < 0)
			vm_close(vm);
	}
	free(chunk);
	return rc;
}

/* ---- figure: random 8-byte reads over the big size, huge pages ------------- */

int fig_thp_random_read(const struct bench_cfg *cfg, struct sample *s)
{
	const size_t n = cfg->random_reads;
	const uint64_t words = cfg->big / 8;
	uint64_t *offs = malloc(n * sizeof(*offs));
	uint64_t seed = 0x5eed0f5eedull, host_sum = 0, vmfs_sum = 0;
	double best_host = 1e300, best_vmfs = 1e300, best_single = 1e300;
	struct vmfs_iop iop[HUGE_BATCH];
	uint64_t vwords[HUGE_BATCH];
	struct host_thp h = { 0 };
	struct vm vm = { 0 };
	char note[160];
	int rc = -1;

	if (!offs)
		return fail("out of host memory");
	for (size_t i = 0; i < n; i++)
		offs[i] = (xorshift64s(&seed) % words) * 8;
	if (host_map_thp(&h, cfg->big) < 0)
		goto out;
	fill_pattern(h.p, 0, cfg->big);
	if (host_thp_note(&h, note, sizeof(note)) < 0)
		goto out;
	for (int r = 0; r < cfg->rounds; r++) {
		uint64_t sum = 0;
		double t0 = now();

		for (size_t i = 0; i < n; i++) {
			uint64_t w;

			memcpy(&w, h.p + offs[i], 8);
			sum += w;
		}
		best_host = min_d(best_host, now() - t0);
		host_sum = sum;
	}
	host_unmap_thp(&h);

	if (vm_resident_thp(cfg, &vm, cfg->big) < 0)
		goto out;
	for (int r = 0; r < cfg->rounds; r++) {   /* one call per read, for the note */
		uint64_t sum = 0;
		double t0 = now();

		for (size_t i = 0; i < n; i++) {
			uint64_t w;
			ssize_t got = vmfs_read(vm.m, vm.pid, vm.base + offs[i], &w, 8);

			if (got != 8) {
				got < 0 ? vfail("vmfs_read", got) : fail("vmfs_read: %zd of 8 bytes", got);
				goto out;
			}
			sum += w;
		}
		best_single = min_d(best_single, now() - t0);
		if (sum != host_sum) {
			fail("the sum of the words read differs (one call per read)");
			goto out;
		}
	}
	for (int r = 0; r < cfg->rounds; r++) {   /* the figure: vmfs_accessv batches */
		uint64_t sum = 0;
		double t0 = now();

		for (size_t i = 0; i < n; i += HUGE_BATCH) {
			size_t k = n - i < HUGE_BATCH ? n - i : HUGE_BATCH;
			ssize_t got;

			for (size_t j = 0; j < k; j++)
				iop[j] = (struct vmfs_iop){ .addr = vm.base + offs[i + j],
							    .buf = &vwords[j], .len = 8,
							    .how = VMFS_ACCESS_READ };
			got = vmfs_accessv(vm.m, vm.pid, iop, k);
			if (got != (ssize_t)k) {
				vfail("vmfs_accessv", got < 0 ? got : iop[got].res);
				goto out;
			}
			for (size_t j = 0; j < k; j++)
				sum += vwords[j];
		}
		best_vmfs = min_d(best_vmfs, now() - t0);
		vmfs_sum = sum;
	}
	if (vmfs_sum != host_sum) {
		fail("the sum of the words read differs: vmfs 0x%" PRIx64 ", host 0x%" PRIx64,
		     vmfs_sum, host_sum);
		goto out;
	}
	s->ceiling = (double)n / best_host / 1e6;
	s->vmfs = (double)n / best_vmfs / 1e6;
	snprintf(s->note, sizeof(s->note), "vmfs_accessv in batches of %d; one vmfs_read per "
		 "word: %.2f Mreads/s (%.2f of native); %s", HUGE_BATCH,
		 (double)n / best_single / 1e6, best_host / best_single, note);
	rc = 0;
out:
	host_unmap_thp(&h);
	if (vm.m)
		vm_close(&vm);
	free(offs);
	return rc;
}

/* ---- figure: first touch of the big size, huge pages ------------------------ */

int fig_thp_first_touch(const struct bench_cfg *cfg, struct sample *s)
{
	double best_host = 1e300, best_vmfs = 1e300;
	unsigned char *src = malloc(CHUNK);
	char note[160] = "";
	int rc = -1;

	if (!src)
		return fail("out of host memory");
	fill_pattern(src, 0, CHUNK);
	for (int r = 0; r < cfg->rounds; r++) {
		struct host_thp h;
		double t0 = now();

		if (host_map_thp(&h, cfg->big) < 0)
			goto out;
		for (uint64_t off = 0; off < cfg->big; off += CHUNK)
			memcpy(h.p + off, src, CHUNK);
		clobber(h.p);
		if (r == 0 && host_thp_note(&h, note, sizeof(note)) < 0) {   /* not timed: */
			host_unmap_thp(&h);                                  /* a failure ends it */
			goto out;
		}
		host_unmap_thp(&h);
		best_host = min_d(best_host, now() - t0);
	}
	for (int r = 0; r < cfg->rounds; r++) {
		struct vm vm;
		double t0, t;
		int err;

		if (vm_open(cfg, &vm) < 0)   /* a fresh machine, not timed */
			goto out;
		t0 = now();
		if (vm_thp_region(&vm, cfg->big) < 0)
			goto out;
		for (uint64_t off = 0; off < cfg->big; off += CHUNK) {
			ssize_t got = vmfs_write(vm.m, vm.pid, vm.base + off, src, CHUNK);

			if (got != (ssize_t)CHUNK) {
				got < 0 ? vfail("vmfs_write", got) : fail("vmfs_write: %zd bytes", got);
				vm_close(&vm);
				goto out;
			}
		}
		t = now() - t0;
		if (r == 0 && vm_check_huge(&vm, vm.base + cfg->big / 2) < 0) {
			vm_close(&vm);
			goto out;
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
	s->ceiling = (double)cfg->big / MiB / best_host;
	s->vmfs = (double)cfg->big / MiB / best_vmfs;
	snprintf(s->note, sizeof(s->note), "both sides map, write in 1 MiB chunks and unmap; "
		 "the machine's open and spawn are not timed (it opens between rounds); %s", note);
	rc = 0;
out:
	free(src);
	return rc;
}

/* ---- figure: fork of a process with the big size in huge pages ---------------- */

int fig_thp_fork(const struct bench_cfg *cfg, struct sample *s)
{
	double best_host, best_vmfs = 1e300;
	struct host_thp h = { 0 };
	struct vm vm = { 0 };
	char note[160];
	int rc = -1;

	if (host_map_thp(&h, cfg->big) < 0)
		return -1;
	fill_pattern(h.p, 0, cfg->big);
	if (host_thp_note(&h, note, sizeof(note)) < 0) {
		host_unmap_thp(&h);
		return -1;
	}
	best_host = host_fork_best(cfg->rounds);
	host_unmap_thp(&h);
	if (best_host < 0)
		return -1;

	if (vm_resident_thp(cfg, &vm, cfg->big) < 0)
		return -1;
	if (vm_fork_best(&vm, cfg->rounds, &best_vmfs) < 0)
		goto out;
	s->ceiling = best_host * 1e3;
	s->vmfs = best_vmfs * 1e3;
	snprintf(s->note, sizeof(s->note), "%s", note);
	rc = 0;
out:
	vm_close(&vm);
	return rc;
}

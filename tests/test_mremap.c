/*
 * test_mremap.c - the contract of vmfs_mremap (issue 14) through the public
 * API only: Linux 6.1's mremap (shrink, grow in place, MREMAP_MAYMOVE,
 * MREMAP_FIXED, MREMAP_DONTUNMAP), its errno choices, and what a move must
 * keep: the frames and swap slots of anonymous pages, which the reverse
 * map must still find (reclaim after a move, with a fork's child still
 * mapping the same pages at the old address).
 *
 * What stays true: every test opens its own machine and closes it; every
 * failing call is checked to leave the mappings exactly as they were.
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
#include <cmocka.h>

#include "vmfs.h"
#include "testutil.h"

#define PAGE      4096u
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define ANON_SHRD (MAP_SHARED | MAP_ANONYMOUS)
#define RW        (PROT_READ | PROT_WRITE)
#define BASE      0x400000ull
#define MAYMOVE   VMFS_MREMAP_MAYMOVE
#define FIXED     VMFS_MREMAP_FIXED
#define DONTUNMAP VMFS_MREMAP_DONTUNMAP

/* Page i of [addr, +pages) holds the byte c + i. */
static void fill(vmfs *m, int pid, uint64_t addr, uint64_t pages, unsigned char c)
{
	unsigned char buf[PAGE];

	for (uint64_t i = 0; i < pages; i++) {
		memset(buf, c + (int)i, sizeof(buf));
		assert_int_equal(vmfs_write(m, pid, addr + i * PAGE, buf, PAGE), PAGE);
	}
}

static void expect_fill(vmfs *m, int pid, uint64_t addr, uint64_t pages, unsigned char c)
{
	unsigned char buf[PAGE];

	for (uint64_t i = 0; i < pages; i++) {
		assert_int_equal(vmfs_read(m, pid, addr + i * PAGE, buf, PAGE), PAGE);
		for (unsigned k = 0; k < PAGE; k += 511)
			assert_int_equal(buf[k], (unsigned char)(c + i));
	}
}

static uint64_t pagemap(vmfs *m, int pid, uint64_t addr)
{
	uint64_t e = 0;

	assert_int_equal(vmfs_pagemap(m, pid, addr / PAGE, &e, 1), 1);
	return e;
}

static int nmaps(vmfs *m, int pid, struct vmfs_map *maps, size_t max)
{
	int n = vmfs_maps(m, pid, maps, max);

	assert_true(n >= 0);
	return n;
}

/* The mappings' ranges, flags and protections are as they were. */
static void expect_same_maps(vmfs *m, int pid, const struct vmfs_map *was, int n)
{
	struct vmfs_map now[16];

	assert_int_equal(nmaps(m, pid, now, 16), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(now[i].start, was[i].start);
		assert_int_equal(now[i].end, was[i].end);
		assert_int_equal(now[i].prot, was[i].prot);
		assert_int_equal(now[i].flags, was[i].flags);
		assert_int_equal(now[i].offset, was[i].offset);
	}
}

static int remap(vmfs *m, int pid, uint64_t addr, uint64_t old_len, uint64_t new_len,
		  int flags, uint64_t new_addr, uint64_t *out)
{
	return vmfs_mremap(m, pid, addr, old_len, new_len, flags, new_addr, out);
}

/* Growing into free space keeps the address, the bytes and the frames; new pages are zero. */
static void test_grow_in_place(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];
	uint64_t out = 0, pfn, committed;
	unsigned char c = 0xee;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 'a');
	pfn = pagemap(m, pid, BASE) & VMFS_PM_PFN_MASK;
	committed = mstat(m).committed_as;
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 4 * PAGE, 0, 0, &out), 0);
	assert_int_equal(out, BASE);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_int_equal(maps[0].end, BASE + 4 * PAGE);
	expect_fill(m, pid, BASE, 2, 'a');
	assert_int_equal(pagemap(m, pid, BASE) & VMFS_PM_PFN_MASK, pfn);
	assert_int_equal(vmfs_read(m, pid, BASE + 3 * PAGE, &c, 1), 1);
	assert_int_equal(c, 0);
	/* VM_ACCOUNT: the two new pages are charged */
	assert_int_equal(mstat(m).committed_as, committed + 2);
	assert_int_equal(pstat(m, pid).vm_pages, 4);
	vmfs_close(m);
}

/* A neighbour in the way: ENOMEM without MAYMOVE (nothing changed), a move with it. */
static void test_grow_moves(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map was[4], maps[4];
	uint64_t out = 0, pfn0, pfn1, committed;
	int n;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	map_fixed(m, pid, BASE + 2 * PAGE, PAGE, PROT_READ, ANON_PRIV);
	fill(m, pid, BASE, 2, 'k');
	pfn0 = pagemap(m, pid, BASE) & VMFS_PM_PFN_MASK;
	pfn1 = pagemap(m, pid, BASE + PAGE) & VMFS_PM_PFN_MASK;
	n = nmaps(m, pid, was, 4);
	committed = mstat(m).committed_as;
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 3 * PAGE, 0, 0, &out), -ENOMEM);
	expect_same_maps(m, pid, was, n);
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 3 * PAGE, MAYMOVE, 0, &out), 0);
	assert_true(out != BASE);
	expect_fill(m, pid, out, 2, 'k');
	/* the same frames, now at the new address; the old range is gone */
	assert_int_equal(pagemap(m, pid, out) & VMFS_PM_PFN_MASK, pfn0);
	assert_int_equal(pagemap(m, pid, out + PAGE) & VMFS_PM_PFN_MASK, pfn1);
	assert_int_equal(vmfs_read(m, pid, BASE, &(char){ 0 }, 1), -EFAULT);
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_int_equal(maps[1].start, out);
	assert_int_equal(maps[1].end, out + 3 * PAGE);
	assert_int_equal(mstat(m).committed_as, committed + 1);
	assert_int_equal(pstat(m, pid).vm_pages, 4);
	vmfs_close(m);
}

/* Shrinking unmaps the tail and returns the address. */
static void test_shrink(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];
	uint64_t out = 0;

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 4, 's');
	assert_int_equal(remap(m, pid, BASE, 4 * PAGE, PAGE + 1, 0, 0, &out), 0);
	assert_int_equal(out, BASE);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_int_equal(maps[0].end, BASE + 2 * PAGE);
	expect_fill(m, pid, BASE, 2, 's');
	assert_int_equal(pstat(m, pid).rss_anon, 2);
	/* the same length: nothing to do */
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 2 * PAGE, 0, 0, &out), 0);
	assert_int_equal(out, BASE);
	vmfs_close(m);
}

/* MREMAP_FIXED replaces what is at the new address, and may shrink on the way. */
static void test_fixed(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];
	uint64_t out = 0, dst = BASE + 64 * PAGE;

	(void)state;
	map_fixed(m, pid, BASE, 3 * PAGE, RW, ANON_PRIV);
	map_fixed(m, pid, dst, 4 * PAGE, PROT_READ, ANON_SHRD);
	fill(m, pid, BASE, 3, 'f');
	assert_int_equal(remap(m, pid, BASE, 3 * PAGE, 2 * PAGE, MAYMOVE | FIXED, dst, &out), 0);
	assert_int_equal(out, dst);
	expect_fill(m, pid, dst, 2, 'f');
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	/* the moved mapping, then what is left of the shared one */
	assert_int_equal(maps[0].start, dst);
	assert_int_equal(maps[0].end, dst + 2 * PAGE);
	assert_int_equal(maps[0].prot, RW);
	assert_int_equal(maps[1].start, dst + 2 * PAGE);
	assert_true(maps[1].flags & MAP_SHARED);
	assert_int_equal(pstat(m, pid).rss_anon, 2);
	vmfs_close(m);
}

/* MREMAP_DONTUNMAP: the old mapping stays, empty (zeros on the next touch). */
static void test_dontunmap(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];
	uint64_t out = 0, pfn, committed;
	unsigned char c = 0xee;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 'd');
	pfn = pagemap(m, pid, BASE) & VMFS_PM_PFN_MASK;
	committed = mstat(m).committed_as;
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0, &out), 0);
	assert_true(out != BASE);
	expect_fill(m, pid, out, 2, 'd');
	assert_int_equal(pagemap(m, pid, out) & VMFS_PM_PFN_MASK, pfn);
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_int_equal(pagemap(m, pid, BASE) & VMFS_PM_PRESENT, 0);
	assert_int_equal(vmfs_read(m, pid, BASE + PAGE, &c, 1), 1);
	assert_int_equal(c, 0);
	/* both mappings are charged: the old keeps its charge, the new brings its own */
	assert_int_equal(mstat(m).committed_as, committed + 2);
	vmfs_close(m);
}

/*
 * The reverse map after a move: a fork's child maps the pages at the old
 * address, the parent at the new one.  Reclaim must find both entries of
 * every page (or it could not evict them), and each process reads its
 * bytes back from swap; then the child's write leaves the parent's alone.
 */
static void test_rmap_after_move(void **state)
{
	vmfs *m = open_machine("frames=16,swap_size=1M");
	int pid = spawn(m, "p"), child;
	uint64_t out = 0, dst = BASE + 256 * PAGE;
	unsigned char c = 0;

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 4, 'r');
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(remap(m, pid, BASE, 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, dst, &out), 0);
	assert_int_equal(pagemap(m, pid, dst) & VMFS_PM_PFN_MASK,
			 pagemap(m, child, BASE) & VMFS_PM_PFN_MASK);
	/* every resident page out: both entries of each shared page must be found */
	assert_true(vmfs_reclaim(m, 16) > 0);
	assert_true(pagemap(m, pid, dst) & VMFS_PM_SWAPPED);
	assert_true(pagemap(m, child, BASE) & VMFS_PM_SWAPPED);
	expect_fill(m, pid, dst, 4, 'r');
	expect_fill(m, child, BASE, 4, 'r');
	assert_int_equal(vmfs_write(m, child, BASE, "X", 1), 1);
	assert_int_equal(vmfs_read(m, pid, dst, &c, 1), 1);
	assert_int_equal(c, 'r');
	/* swap entries move too: out again, then moved back, then read */
	assert_true(vmfs_reclaim(m, 16) > 0);
	assert_true(pagemap(m, pid, dst + PAGE) & VMFS_PM_SWAPPED);
	assert_int_equal(remap(m, pid, dst, 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, BASE, &out), 0);
	assert_true(pagemap(m, pid, BASE + PAGE) & VMFS_PM_SWAPPED);
	expect_fill(m, pid, BASE, 4, 'r');
	vmfs_close(m);
}

/* Shared anonymous memory has mmap's size: mremap may grow the mapping, a touch past it is SIGBUS. */
static void test_shmem_grow_sigbus(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	uint64_t out = 0;
	struct vmfs_fault f;
	unsigned char c;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_SHRD);
	fill(m, pid, BASE, 2, 'h');
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 3 * PAGE, 0, 0, &out), 0);
	expect_fill(m, pid, BASE, 2, 'h');
	memset(&f, 0, sizeof(f));
	assert_int_equal(vmfs_access(m, pid, BASE + 2 * PAGE, &c, 1, VMFS_ACCESS_READ, &f), -EFAULT);
	assert_int_equal(f.signo, VMFS_SIGBUS);
	vmfs_close(m);
}

/* old_len 0 duplicates a shared mapping (both show the same bytes); a private one is EINVAL. */
static void test_duplicate(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map was[4];
	uint64_t out = 0;
	char z = 0;
	int n;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_SHRD);
	map_fixed(m, pid, BASE + 16 * PAGE, PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 'u');
	n = nmaps(m, pid, was, 4);
	assert_int_equal(remap(m, pid, BASE + 16 * PAGE, 0, PAGE, MAYMOVE, 0, &out), -EINVAL);
	expect_same_maps(m, pid, was, n);
	assert_int_equal(remap(m, pid, BASE, 0, 2 * PAGE, MAYMOVE, 0, &out), 0);
	assert_true(out != BASE);
	expect_fill(m, pid, out, 2, 'u');
	expect_fill(m, pid, BASE, 2, 'u');
	assert_int_equal(vmfs_write(m, pid, out, "Z", 1), 1);
	assert_int_equal(vmfs_read(m, pid, BASE, &z, 1), 1);
	assert_int_equal(z, 'Z');           /* one memory, two mappings */
	vmfs_close(m);
}

/* A locked mapping that grows is populated, and locked_vm (VmLck) grows with it. */
static void test_locked_grow(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	uint64_t out = 0;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 2 * PAGE, 0), 0);
	assert_int_equal(pstat(m, pid).locked_vm, 2);
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 5 * PAGE, MAYMOVE, 0, &out), 0);
	assert_int_equal(pstat(m, pid).locked_vm, 5);
	assert_int_equal(pstat(m, pid).rss_anon, 5);
	/* moved with DONTUNMAP: the old mapping is unlocked, the new one counts */
	assert_int_equal(remap(m, pid, out, 5 * PAGE, 5 * PAGE, MAYMOVE | DONTUNMAP, 0, &out), 0);
	assert_int_equal(pstat(m, pid).locked_vm, 5);
	vmfs_close(m);
}

/* Every refusal, with the mappings left exactly as they were. */
static void test_errors(void **state)
{
	vmfs *m = open_machine("frames=64,max_map_count=7");
	int pid = spawn(m, "p");
	struct vmfs_map was[8];
	uint64_t out = 0x1234;
	int n;

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 4, 'e');
	n = nmaps(m, pid, was, 8);
	assert_int_equal(remap(m, pid, BASE, PAGE, PAGE, 8, 0, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE, PAGE, PAGE, FIXED, BASE + 64 * PAGE, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE, PAGE, 2 * PAGE, MAYMOVE | DONTUNMAP, 0, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE, PAGE, PAGE, DONTUNMAP, 0, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE + 1, PAGE, PAGE, 0, 0, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE, PAGE, 0, 0, 0, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE, UINT64_MAX, PAGE, 0, 0, &out), -EINVAL);
	assert_int_equal(remap(m, pid, BASE + 64 * PAGE, PAGE, 2 * PAGE, MAYMOVE, 0, &out), -EFAULT);
	assert_int_equal(remap(m, pid, BASE + 2 * PAGE, 3 * PAGE, 4 * PAGE, MAYMOVE, 0, &out), -EFAULT);
	/* FIXED: misaligned, outside user space, overlapping the old range */
	assert_int_equal(remap(m, pid, BASE, PAGE, PAGE, MAYMOVE | FIXED, BASE + 64 * PAGE + 8, &out),
			 -EINVAL);
	assert_int_equal(remap(m, pid, BASE, PAGE, PAGE, MAYMOVE | FIXED, UINT64_MAX & ~4095ull, &out),
			 -EINVAL);
	assert_int_equal(remap(m, pid, BASE, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED, BASE + PAGE, &out),
			 -EINVAL);
	/* FIXED past the end of the mapping, even with the shrink Linux would make first */
	assert_int_equal(remap(m, pid, BASE + 3 * PAGE, 2 * PAGE, 2 * PAGE, MAYMOVE | FIXED,
				BASE + 64 * PAGE, &out), -EFAULT);
	assert_int_equal(vmfs_mremap(m, 999, BASE, PAGE, PAGE, 0, 0, &out), -ESRCH);
	assert_int_equal(out, 0x1234);
	expect_same_maps(m, pid, was, n);
	expect_fill(m, pid, BASE, 4, 'e');
	/* max_map_count 7: a move needs fewer than 4 mappings (move_vma), FIXED fewer than 2 */
	map_fixed(m, pid, BASE + 32 * PAGE, PAGE, PROT_READ, ANON_PRIV);
	map_fixed(m, pid, BASE + 36 * PAGE, PAGE, PROT_READ, ANON_PRIV);
	map_fixed(m, pid, BASE + 40 * PAGE, PAGE, PROT_READ, ANON_PRIV);
	n = nmaps(m, pid, was, 8);
	assert_int_equal(n, 4);
	assert_int_equal(remap(m, pid, BASE, 4 * PAGE, 64 * PAGE, MAYMOVE, 0, &out), -ENOMEM);
	assert_int_equal(remap(m, pid, BASE, PAGE, PAGE, MAYMOVE | FIXED, BASE + 128 * PAGE, &out),
			 -ENOMEM);
	expect_same_maps(m, pid, was, n);
	assert_int_equal(vmfs_munmap(m, pid, BASE + 40 * PAGE, PAGE), 0);
	assert_int_equal(remap(m, pid, BASE, 4 * PAGE, 64 * PAGE, MAYMOVE, 0, &out), 0);
	expect_fill(m, pid, out, 4, 'e');
	vmfs_close(m);
}

/* vm.overcommit_memory 2: a move that grows past CommitLimit is ENOMEM, nothing changed. */
static void test_overcommit(void **state)
{
	vmfs *m = open_machine("frames=64,swap=none,overcommit_memory=2,overcommit_ratio=50");
	int pid = spawn(m, "p");
	struct vmfs_map was[4];
	uint64_t out = 0;
	int n;

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	map_fixed(m, pid, BASE + 4 * PAGE, PAGE, PROT_READ, ANON_PRIV);
	n = nmaps(m, pid, was, 4);
	assert_int_equal(remap(m, pid, BASE, 4 * PAGE, 40 * PAGE, MAYMOVE, 0, &out), -ENOMEM);
	assert_non_null(strstr(vmfs_errmsg(), "CommitLimit"));
	expect_same_maps(m, pid, was, n);
	assert_int_equal(remap(m, pid, BASE, 4 * PAGE, 8 * PAGE, MAYMOVE, 0, &out), 0);
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_in_place),
		cmocka_unit_test(test_grow_moves),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_dontunmap),
		cmocka_unit_test(test_rmap_after_move),
		cmocka_unit_test(test_shmem_grow_sigbus),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_locked_grow),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_overcommit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_tlb_huge.c - the TLB's huge entries (issue 17, third stage) through
 * the public API only: a transparent huge page is cached as one 2 MiB
 * entry, so 512 distinct 4 KiB pages of it cost one miss; vmfs_tlb_stat
 * counts the entries in use and their reach; every change of the leaf
 * (a split, mprotect, fork's write-protect, clear_refs, madvise, exit)
 * drops the entry, so no access ever sees a stale translation.
 *
 * What stays true: every test opens its own machine and closes it; the
 * counts compared are the process's own (vmfs_proc_stat), which nothing
 * but the test's accesses moves.
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
#define HPAGE     (2u << 20)
#define HPAGE_NR  512u
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW        (PROT_READ | PROT_WRITE)
#define BASE      0x10000000ull   /* 2 MiB-aligned */
#define AT(i)     (BASE + (i) * PAGE + ((i) % 64) * 8)   /* where touch_all writes in page i */

static struct vmfs_tlb_stat tlbstat(vmfs *m, int pid)
{
	struct vmfs_tlb_stat ts;

	assert_int_equal(vmfs_tlb_stat(m, pid, &ts), 0);
	return ts;
}

/* A process with [BASE, +2 MiB) mapped, advised MADV_HUGEPAGE with @advise. */
static vmfs *setup(const char *opts, bool advise, int *pid)
{
	vmfs *m = open_machine(opts);

	*pid = spawn(m, "tlb");
	map_fixed(m, *pid, BASE, HPAGE, RW, ANON_PRIV);
	if (advise)
		assert_int_equal(vmfs_madvise(m, *pid, BASE, HPAGE, VMFS_MADV_HUGEPAGE), 0);
	return m;
}

/* One byte written at a different offset of each of the 512 pages: the misses it took. */
static uint64_t touch_all(vmfs *m, int pid, char c)
{
	uint64_t miss = pstat(m, pid).tlb_miss;

	for (unsigned i = 0; i < HPAGE_NR; i++)
		assert_int_equal(vmfs_write(m, pid, AT(i), &c, 1), 1);
	return pstat(m, pid).tlb_miss - miss;
}

static bool is_huge(vmfs *m, int pid)
{
	struct vmfs_walk w = walk(m, pid, BASE);

	return w.state == VMFS_WALK_PRESENT && w.page_shift == 21;
}

/* 512 distinct 4 KiB addresses of a huge page: 1 miss (the fault's), 511 hits. */
static void test_one_entry(void **state)
{
	int pid;
	vmfs *m = setup(NULL, true, &pid);   /* tlb=64: 32 2 MiB and 4 1 GiB entries */
	struct vmfs_tlb_stat ts;

	(void)state;
	assert_int_equal(touch_all(m, pid, 'a'), 1);
	assert_true(is_huge(m, pid));
	assert_int_equal(pstat(m, pid).tlb_miss, 1);
	assert_int_equal(pstat(m, pid).tlb_hit, HPAGE_NR - 1);
	ts = tlbstat(m, pid);
	assert_int_equal(ts.size[0], 64);
	assert_int_equal(ts.size[1], 32);
	assert_int_equal(ts.size[2], 4);
	assert_int_equal(ts.used[0], 0);
	assert_int_equal(ts.used[1], 1);
	assert_int_equal(ts.used[2], 0);
	assert_int_equal(ts.reach, HPAGE);
	/* the machine's sum, and the same accesses again: all hits */
	assert_int_equal(tlbstat(m, 0).reach, HPAGE);
	assert_int_equal(touch_all(m, pid, 'b'), 0);
	assert_int_equal(pstat(m, pid).tlb_hit, 2 * HPAGE_NR - 1);
	/* the machine's counters count a huge hit as a hit */
	assert_int_equal(mstat(m).tlb_hit, 2 * HPAGE_NR - 1);
	vmfs_close(m);
}

/* The same range in 4 KiB pages: 512 misses with 64 entries, and reach 64 x 4 KiB. */
static void test_small_pages(void **state)
{
	int pid;
	vmfs *m = setup(NULL, false, &pid);
	struct vmfs_tlb_stat ts;

	(void)state;
	assert_int_equal(touch_all(m, pid, 'a'), HPAGE_NR);
	assert_false(is_huge(m, pid));
	ts = tlbstat(m, pid);
	assert_int_equal(ts.used[1], 0);
	assert_true(ts.used[0] > 0 && ts.used[0] <= 64);
	assert_int_equal(ts.reach, ts.used[0] * PAGE);
	vmfs_close(m);
}

/* A split drops the 2 MiB entry: the next access misses and fills a 4 KiB one. */
static void test_split(void **state)
{
	int pid;
	vmfs *m = setup(NULL, true, &pid);
	struct vmfs_tlb_stat ts;
	uint64_t miss;
	char c = 0;

	(void)state;
	touch_all(m, pid, 'a');
	assert_int_equal(tlbstat(m, pid).used[1], 1);
	assert_int_equal(vmfs_munmap(m, pid, BASE + 100 * PAGE, PAGE), 0);   /* split_huge_pmd */
	assert_false(is_huge(m, pid));
	ts = tlbstat(m, pid);
	assert_int_equal(ts.used[1], 0);
	miss = pstat(m, pid).tlb_miss;
	assert_int_equal(vmfs_read(m, pid, AT(5), &c, 1), 1);
	assert_int_equal(c, 'a');
	assert_int_equal(pstat(m, pid).tlb_miss, miss + 1);
	ts = tlbstat(m, pid);
	assert_int_equal(ts.used[0], 1);
	assert_int_equal(ts.used[1], 0);
	assert_int_equal(ts.reach, PAGE);
	assert_int_equal(vmfs_read(m, pid, AT(5), &c, 1), 1);
	assert_int_equal(pstat(m, pid).tlb_miss, miss + 1);   /* a hit now */
	/* the unmapped page is gone whatever the TLB held */
	assert_true(vmfs_read(m, pid, BASE + 100 * PAGE, &c, 1) < 0);
	vmfs_close(m);
}

/* mprotect of the whole leaf drops the entry: a write is refused, a read hits again later. */
static void test_mprotect(void **state)
{
	int pid;
	vmfs *m = setup(NULL, true, &pid);
	struct vmfs_fault f;
	char c = 'x';

	(void)state;
	touch_all(m, pid, 'a');
	assert_int_equal(vmfs_mprotect(m, pid, BASE, HPAGE, PROT_READ), 0);
	assert_true(is_huge(m, pid));
	assert_int_equal(tlbstat(m, pid).used[1], 0);
	assert_true(vmfs_access(m, pid, AT(7), &c, 1, VMFS_ACCESS_WRITE, &f) < 0);
	assert_int_equal(vmfs_read(m, pid, AT(7), &c, 1), 1);
	assert_int_equal(c, 'a');
	assert_int_equal(tlbstat(m, pid).used[1], 1);
	vmfs_close(m);
}

/* fork write-protects the parent's leaf: its next write copies, the child keeps the old bytes. */
static void test_fork(void **state)
{
	int pid, child;
	vmfs *m = setup(NULL, true, &pid);
	char c = 0;

	(void)state;
	touch_all(m, pid, 'a');
	assert_true((child = vmfs_fork(m, pid)) > 0);
	assert_int_equal(tlbstat(m, pid).used[1], 0);
	assert_int_equal(tlbstat(m, child).used[1], 0);
	assert_int_equal(vmfs_write(m, pid, AT(3), "p", 1), 1);
	assert_int_equal(vmfs_read(m, child, AT(3), &c, 1), 1);
	assert_int_equal(c, 'a');
	assert_int_equal(vmfs_read(m, pid, AT(3), &c, 1), 1);
	assert_int_equal(c, 'p');
	/* the child's entry goes with it */
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_tlb_stat(m, child, &(struct vmfs_tlb_stat){ 0 }), -ESRCH);
	vmfs_close(m);
}

/* clear_refs 4 write-protects: the next write must fault and set soft-dirty again. */
static void test_clear_refs(void **state)
{
	int pid;
	vmfs *m = setup(NULL, true, &pid);
	uint64_t pm;

	(void)state;
	touch_all(m, pid, 'a');
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_SOFT_DIRTY), 0);
	assert_int_equal(tlbstat(m, pid).used[1], 0);
	assert_int_equal(vmfs_pagemap(m, pid, (BASE >> 12) + 9, &pm, 1), 1);
	assert_false(pm & VMFS_PM_SOFT_DIRTY);
	assert_int_equal(vmfs_write(m, pid, BASE + 9 * PAGE, "s", 1), 1);
	assert_int_equal(vmfs_pagemap(m, pid, (BASE >> 12) + 9, &pm, 1), 1);
	assert_true(pm & VMFS_PM_SOFT_DIRTY);
	vmfs_close(m);
}

/* MADV_DONTNEED of the whole leaf: the entry goes, the next read sees zeros. */
static void test_madvise(void **state)
{
	int pid;
	vmfs *m = setup(NULL, true, &pid);
	char c = 1;

	(void)state;
	touch_all(m, pid, 'a');
	assert_int_equal(vmfs_madvise(m, pid, BASE, HPAGE, VMFS_MADV_DONTNEED), 0);
	assert_int_equal(tlbstat(m, pid).used[1], 0);
	assert_int_equal(vmfs_read(m, pid, BASE + 11 * PAGE, &c, 1), 1);
	assert_int_equal(c, 0);
	vmfs_close(m);
}

/* tlb=0: no entries of any size; tlb=1: one of each; bad arguments change nothing. */
static void test_sizes(void **state)
{
	int pid;
	vmfs *m = setup("tlb=0", true, &pid);
	struct vmfs_tlb_stat ts;

	(void)state;
	touch_all(m, pid, 'a');
	ts = tlbstat(m, pid);
	assert_int_equal(ts.size[0] + ts.size[1] + ts.size[2], 0);
	assert_int_equal(ts.reach, 0);
	assert_int_equal(pstat(m, pid).tlb_hit, 0);
	assert_int_equal(vmfs_tlb_stat(m, -1, &ts), -EINVAL);
	assert_int_equal(vmfs_tlb_stat(m, 999, &ts), -ESRCH);
	assert_int_equal(vmfs_tlb_stat(m, 0, NULL), -EINVAL);
	vmfs_close(m);
	m = setup("tlb=1", true, &pid);
	ts = tlbstat(m, 0);
	assert_int_equal(ts.size[0], 1);
	assert_int_equal(ts.size[1], 1);
	assert_int_equal(ts.size[2], 1);
	assert_int_equal(touch_all(m, pid, 'a'), 1);
	vmfs_close(m);
}

/* vmfs_accessv: a batch over the huge page is served by the one entry. */
static void test_accessv(void **state)
{
	int pid;
	vmfs *m = setup(NULL, true, &pid);
	struct vmfs_iop iop[HPAGE_NR];
	uint64_t buf[HPAGE_NR];

	(void)state;
	touch_all(m, pid, 'a');
	for (unsigned i = 0; i < HPAGE_NR; i++)
		iop[i] = (struct vmfs_iop){ .addr = AT((i * 181) % HPAGE_NR),
					    .buf = &buf[i], .len = 1, .how = VMFS_ACCESS_READ };
	uint64_t miss = pstat(m, pid).tlb_miss;
	assert_int_equal(vmfs_accessv(m, pid, iop, HPAGE_NR), HPAGE_NR);
	assert_int_equal(pstat(m, pid).tlb_miss, miss);
	for (unsigned i = 0; i < HPAGE_NR; i++)
		assert_int_equal(*(char *)&buf[i], 'a');
	vmfs_close(m);
}

/*
 * A batch of writes after fork: the first splits the huge page (COW), the
 * next ones were found ahead as the huge leaf and must walk the new table.
 */
static void test_accessv_split(void **state)
{
	int pid, child;
	vmfs *m = setup(NULL, true, &pid);
	struct vmfs_iop iop[64];
	char w = 'w', c = 0;

	(void)state;
	touch_all(m, pid, 'a');
	assert_true((child = vmfs_fork(m, pid)) > 0);
	for (unsigned i = 0; i < 64; i++)
		iop[i] = (struct vmfs_iop){ .addr = AT(i * 7), .buf = &w, .len = 1,
					    .how = VMFS_ACCESS_WRITE };
	assert_int_equal(vmfs_accessv(m, pid, iop, 64), 64);
	assert_false(is_huge(m, pid));
	for (unsigned i = 0; i < 64; i++) {
		assert_int_equal(vmfs_read(m, pid, AT(i * 7), &c, 1), 1);
		assert_int_equal(c, 'w');
		assert_int_equal(vmfs_read(m, child, AT(i * 7), &c, 1), 1);
		assert_int_equal(c, 'a');
	}
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_entry),
		cmocka_unit_test(test_small_pages),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_mprotect),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_clear_refs),
		cmocka_unit_test(test_madvise),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_accessv),
		cmocka_unit_test(test_accessv_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_thp.c - transparent huge pages (issue 17, first stage) through the
 * public API only: a fault in an eligible 2 MiB range maps one huge pmd
 * leaf, every view (translate, pagemap, maps/smaps, the page-table dump,
 * mincore, kpageflags, the vmstat counters) agrees on it without splitting
 * it, and every change of part of it (munmap, mprotect, madvise, a COW
 * write after fork, eviction) splits it with the bytes kept.
 *
 * What stays true: every test opens its own machine and closes it, and
 * each one checks at the end that the frames it used came back (the
 * engine's own assertions, on in this build, check mapcounts, RSS and
 * tables along the way).
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
#define BASE      0x10000000ull   /* 2 MiB-aligned, inside 2 levels' 512 MiB */
#define SMALL     0x18000000ull   /* a mapping of 4 KiB pages */

static struct vmfs_mlock_stat tstat(vmfs *m)
{
	struct vmfs_mlock_stat st;

	assert_int_equal(vmfs_mlock_stat(m, &st), 0);
	return st;
}

/* A machine with @opts and a process with [BASE, +@len) mapped, advised @advice (or none: -1). */
static vmfs *setup(const char *opts, uint64_t len, int advice, int *pid)
{
	vmfs *m = open_machine(opts);

	*pid = spawn(m, "thp");
	map_fixed(m, *pid, BASE, len, RW, ANON_PRIV);
	if (advice >= 0)
		assert_int_equal(vmfs_madvise(m, *pid, BASE, len, advice), 0);
	return m;
}

static unsigned char byte_at_(vmfs *m, int pid, uint64_t addr)
{
	unsigned char c = 0xee;

	assert_int_equal(vmfs_read(m, pid, addr, &c, 1), 1);
	return c;
}

/* Page i of [addr, +pages) holds bytes (i * 7 + c) & 0xff, one write each. */
static void fill(vmfs *m, int pid, uint64_t addr, uint64_t pages, unsigned c)
{
	unsigned char buf[PAGE];

	for (uint64_t i = 0; i < pages; i++) {
		memset(buf, (int)((i * 7 + c) & 0xff), sizeof(buf));
		buf[0] = (unsigned char)i;   /* and the page's own number */
		assert_int_equal(vmfs_write(m, pid, addr + i * PAGE, buf, PAGE), PAGE);
	}
}

/* The bytes fill() left in pages [from, pages), byte for byte, except page @skip. */
static void check_range(vmfs *m, int pid, uint64_t addr, uint64_t from, uint64_t pages, unsigned c,
			uint64_t skip)
{
	unsigned char buf[PAGE], want[PAGE];

	for (uint64_t i = from; i < pages; i++) {
		if (i == skip)
			continue;
		memset(want, (int)((i * 7 + c) & 0xff), sizeof(want));
		want[0] = (unsigned char)i;
		assert_int_equal(vmfs_read(m, pid, addr + i * PAGE, buf, PAGE), PAGE);
		if (memcmp(buf, want, PAGE)) {
			print_error("page %" PRIu64 " of %#" PRIx64 " differs\n", i, addr);
			fail();
		}
	}
}

/* The bytes fill() left, byte for byte, except page @skip (UINT64_MAX: none). */
static void check_fill(vmfs *m, int pid, uint64_t addr, uint64_t pages, unsigned c, uint64_t skip)
{
	check_range(m, pid, addr, 0, pages, c, skip);
}

/* Is @addr of @pid mapped by a huge pmd leaf (the walk ends one level early)? */
static bool huge_at(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_walk w = walk(m, pid, addr);

	if (w.state != VMFS_WALK_PRESENT)
		return false;
	if (w.page_shift == 21) {
		assert_int_equal(w.depth, w.levels - 1);
		assert_true(leaf(&w) & VMFS_PTE_PS);
		return true;
	}
	assert_int_equal(w.page_shift, 12);
	assert_int_equal(w.depth, w.levels);
	assert_false(leaf(&w) & VMFS_PTE_PS);
	return false;
}

/* A first touch in a MADV_HUGEPAGE range maps one 2 MiB leaf, and every view says so. */
static void test_fault_huge(void **state)
{
	int pid;
	vmfs *m = setup(NULL, 2 * HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free, pm[HPAGE_NR], kpf[HPAGE_NR];
	struct vmfs_walk w;
	struct vmfs_map maps[4];
	unsigned char vec[HPAGE_NR];
	int n;

	(void)state;
	assert_int_equal(vmfs_write(m, pid, BASE + 12345, "x", 1), 1);
	w = walk(m, pid, BASE + 12345);
	assert_true(huge_at(m, pid, BASE + 12345));
	assert_int_equal(w.paddr & (HPAGE - 1), 12345);    /* 2 MiB-aligned frame */
	assert_int_equal(tstat(m).thp_fault_alloc, 1);
	assert_int_equal(tstat(m).nr_anon_transparent_hugepages, 1);
	assert_int_equal(mstat(m).frames_free, free0 - HPAGE_NR);
	assert_int_equal(mstat(m).anon_pages, HPAGE_NR);
	assert_int_equal(pstat(m, pid).rss_anon, HPAGE_NR);
	/* the whole 2 MiB is there: other pages read their zeros, no fault */
	assert_int_equal(byte_at_(m, pid, BASE + HPAGE - 1), 0);
	assert_int_equal(mstat(m).pgfault, 1);
	/* pagemap: each 4 KiB page its own PFN, contiguous from an aligned head */
	assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE, pm, HPAGE_NR), HPAGE_NR);
	for (unsigned i = 0; i < HPAGE_NR; i++) {
		assert_true(pm[i] & VMFS_PM_PRESENT);
		assert_int_equal(pm[i] & VMFS_PM_PFN_MASK, (w.paddr >> 12) - 3 + i);
	}
	assert_int_equal(((w.paddr >> 12) - 3) % HPAGE_NR, 0);
	/* kpageflags: THP on all, the head and the tails told apart */
	assert_int_equal(vmfs_kpageflags(m, (w.paddr >> 12) - 3, kpf, HPAGE_NR), HPAGE_NR);
	assert_true(kpf[0] & (1ull << VMFS_KPF_COMPOUND_HEAD));
	for (unsigned i = 0; i < HPAGE_NR; i++) {
		assert_true(kpf[i] & (1ull << VMFS_KPF_THP));
		assert_true(kpf[i] & (1ull << VMFS_KPF_ANON));
		if (i)
			assert_true(kpf[i] & (1ull << VMFS_KPF_COMPOUND_TAIL));
	}
	assert_int_equal(vmfs_kpagecount(m, (w.paddr >> 12) - 3, kpf, HPAGE_NR), HPAGE_NR);
	for (unsigned i = 0; i < HPAGE_NR; i++)
		assert_int_equal(kpf[i], 1);
	/* smaps: AnonHugePages 2048 kB, THPeligible 1 */
	n = vmfs_maps(m, pid, maps, 4);
	assert_int_equal(n, 1);
	assert_int_equal(maps[0].rss, HPAGE_NR);
	assert_int_equal(maps[0].anon, HPAGE_NR);
	assert_int_equal(maps[0].anon_huge, HPAGE_NR);
	assert_int_equal(maps[0].thp_eligible, 1);
	assert_true(maps[0].flags & VMFS_MAP_HUGEPAGE);
	/* mincore: all resident */
	assert_int_equal(vmfs_mincore(m, pid, BASE, HPAGE, vec), 0);
	for (unsigned i = 0; i < HPAGE_NR; i++)
		assert_int_equal(vec[i], 1);
	/* none of the views split it */
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	assert_int_equal(tstat(m).nr_anon_transparent_hugepages, 0);
	assert_int_equal(tstat(m).thp_split_page, 0);
	vmfs_close(m);
}

/* The page-table dump shows the huge leaf at the pmd level, nothing below it. */
static void test_pagetable_dump(void **state)
{
	int pid;
	vmfs *m = setup("levels=4", HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	struct vmfs_pt_entry e[16];
	ssize_t n;
	int leaves = 0;

	(void)state;
	assert_int_equal(vmfs_write(m, pid, BASE, "x", 1), 1);
	n = vmfs_pagetable(m, pid, e, 16);
	assert_int_equal(n, 3);   /* pgd, pud, and the leaf at the pmd level, 2 */
	for (ssize_t i = 0; i < n; i++) {
		assert_true(e[i].level <= 2);
		if (e[i].entry & VMFS_PTE_PS) {
			assert_int_equal(e[i].level, 2);
			assert_int_equal(e[i].vaddr, BASE);
			leaves++;
		}
	}
	assert_int_equal(leaves, 1);
	vmfs_close(m);
}

/* thp=never, madvise without advice, NOHUGEPAGE, a range not wholly inside, or 2 levels: 4 KiB. */
static void test_not_eligible(void **state)
{
	struct { const char *opts; uint64_t len; int advice; bool huge; } cases[] = {
		{ "thp=never", HPAGE, VMFS_MADV_HUGEPAGE, false },
		{ NULL, HPAGE, -1, false },                        /* madvise, not advised */
		{ "thp=madvise", HPAGE, VMFS_MADV_HUGEPAGE, true },
		{ "thp=always", HPAGE, -1, true },
		{ "thp=always", HPAGE, VMFS_MADV_NOHUGEPAGE, false },
		{ "thp=always", HPAGE - PAGE, -1, false },         /* 2 MiB not inside */
		{ "thp=always,levels=2", HPAGE, -1, false },       /* no pmd level */
		{ "thp=always,levels=3", HPAGE, -1, true },
		{ "thp=always,levels=6", HPAGE, -1, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int pid;
		vmfs *m = setup(cases[i].opts, cases[i].len, cases[i].advice, &pid);
		struct vmfs_map map;

		assert_int_equal(vmfs_write(m, pid, BASE, "x", 1), 1);
		if (huge_at(m, pid, BASE) != cases[i].huge)
			fail_msg("case %zu (%s): huge %d", i, cases[i].opts ? cases[i].opts : "",
				 !cases[i].huge);
		assert_int_equal(tstat(m).thp_fault_alloc, cases[i].huge);
		assert_int_equal(tstat(m).thp_fault_fallback, 0);
		assert_int_equal(vmfs_maps(m, pid, &map, 1), 1);
		assert_int_equal(map.thp_eligible, cases[i].huge);
		vmfs_close(m);
	}
}

/* A bad thp= value is refused; the tunable vmfs.thp reads and changes the mode. */
static void test_option(void **state)
{
	vmfs *m = NULL;
	uint64_t v = 99, never = 2, bad = 3;
	int pid;

	(void)state;
	assert_int_equal(vmfs_open(&m, "thp=sometimes"), -EINVAL);
	assert_non_null(strstr(vmfs_errmsg(), "thp"));
	assert_int_equal(vmfs_open(&m, "thp="), -EINVAL);
	m = setup("thp=always", 2 * HPAGE, -1, &pid);
	assert_int_equal(vmfs_sysctl(m, "vmfs.thp", &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vmfs_sysctl(m, "vmfs.thp", NULL, &bad), -EINVAL);
	assert_int_equal(vmfs_sysctl(m, "vmfs.thp", NULL, &never), 0);
	assert_int_equal(vmfs_write(m, pid, BASE, "x", 1), 1);
	assert_false(huge_at(m, pid, BASE));    /* never, from now on */
	v = 0;
	assert_int_equal(vmfs_sysctl(m, "vmfs.thp", NULL, &v), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + HPAGE, "x", 1), 1);
	assert_true(huge_at(m, pid, BASE + HPAGE));
	assert_false(huge_at(m, pid, BASE));    /* no collapse of what is there */
	vmfs_close(m);
}

/* No free aligned 2 MiB block: thp_fault_fallback, and 4 KiB pages work. */
static void test_fallback(void **state)
{
	int pid;
	vmfs *m = setup("frames=1024,swap=none", HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	const uint64_t small = SMALL;

	(void)state;
	/* 1000 of the 1024 frames taken, then every other one given back */
	map_fixed(m, pid, small, 1000 * PAGE, RW, ANON_PRIV);
	fill(m, pid, small, 1000, 1);
	for (unsigned i = 0; i < 1000; i += 2)
		assert_int_equal(vmfs_munmap(m, pid, small + i * PAGE, PAGE), 0);
	assert_true(mstat(m).frames_free >= HPAGE_NR);
	assert_int_equal(vmfs_write(m, pid, BASE, "y", 1), 1);
	assert_false(huge_at(m, pid, BASE));
	assert_int_equal(tstat(m).thp_fault_fallback, 1);
	assert_int_equal(tstat(m).thp_fault_alloc, 0);
	assert_int_equal(byte_at_(m, pid, BASE), 'y');
	vmfs_close(m);
}

/* munmap of 4 KiB inside splits: one pmd, one page, the other 511 pages' bytes kept. */
static void test_munmap_splits(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free;
	struct vmfs_map map;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 3);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(vmfs_munmap(m, pid, BASE + 100 * PAGE, PAGE), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 1);
	assert_int_equal(tstat(m).thp_split_page, 1);
	assert_int_equal(tstat(m).nr_anon_transparent_hugepages, 0);
	assert_false(huge_at(m, pid, BASE));
	check_fill(m, pid, BASE, 100, 3, UINT64_MAX);
	check_range(m, pid, BASE, 101, HPAGE_NR, 3, UINT64_MAX);
	assert_int_equal(mstat(m).frames_free, free0 - (HPAGE_NR - 1));
	assert_int_equal(pstat(m, pid).rss_anon, HPAGE_NR - 1);
	assert_int_equal(vmfs_maps(m, pid, &map, 1), 2);
	assert_int_equal(map.anon_huge, 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* munmap of the whole 2 MiB drops the leaf whole: no split, all 512 frames back. */
static void test_munmap_whole(void **state)
{
	int pid;
	vmfs *m = setup(NULL, 2 * HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free;

	(void)state;
	assert_int_equal(vmfs_write(m, pid, BASE, "a", 1), 1);
	assert_int_equal(vmfs_write(m, pid, BASE + HPAGE, "b", 1), 1);
	assert_int_equal(tstat(m).thp_fault_alloc, 2);
	assert_int_equal(vmfs_munmap(m, pid, BASE, HPAGE), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	assert_int_equal(mstat(m).frames_free, free0 - HPAGE_NR);
	assert_true(huge_at(m, pid, BASE + HPAGE));
	assert_int_equal(byte_at_(m, pid, BASE + HPAGE), 'b');
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* mprotect of 4 KiB inside splits; of the whole 2 MiB keeps the leaf. */
static void test_mprotect(void **state)
{
	int pid;
	vmfs *m = setup(NULL, 2 * HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free;
	char c = 'z';

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 5);
	assert_int_equal(vmfs_write(m, pid, BASE + HPAGE, "q", 1), 1);
	/* whole: read-only, still huge; a write is refused */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + HPAGE, HPAGE, PROT_READ), 0);
	assert_true(huge_at(m, pid, BASE + HPAGE));
	assert_false(walk(m, pid, BASE + HPAGE).level[walk(m, pid, BASE + HPAGE).depth - 1].entry &
		     VMFS_PTE_RW);
	assert_true(vmfs_write(m, pid, BASE + HPAGE, &c, 1) < 0);
	assert_int_equal(byte_at_(m, pid, BASE + HPAGE), 'q');
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	/* part: split, bytes kept, the protected page refuses writes */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 7 * PAGE, PAGE, PROT_READ), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 1);
	assert_false(huge_at(m, pid, BASE));
	check_fill(m, pid, BASE, HPAGE_NR, 5, UINT64_MAX);
	assert_true(vmfs_write(m, pid, BASE + 7 * PAGE, &c, 1) < 0);
	assert_int_equal(vmfs_write(m, pid, BASE + 8 * PAGE, &c, 1), 1);
	/*
	 * PROT_NONE of the whole other one keeps the leaf, P clear and
	 * PROTNONE set, the frame kept: every view still sees it, an access
	 * faults, a forced one reaches it (splitting it), and the bytes are
	 * there when it is made accessible again.
	 */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + HPAGE, HPAGE, RW), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + HPAGE + 5 * PAGE, "n", 1), 1);
	assert_int_equal(vmfs_mprotect(m, pid, BASE + HPAGE, HPAGE, PROT_NONE), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 1);
	{
		struct vmfs_walk w = walk(m, pid, BASE + HPAGE + 5 * PAGE);
		uint64_t pm;
		struct vmfs_map maps[4];

		assert_int_equal(w.state, VMFS_WALK_PROTNONE);
		assert_int_equal(w.page_shift, 21);
		assert_int_equal(w.depth, w.levels - 1);
		assert_true(leaf(&w) & VMFS_PTE_PS);
		assert_false(leaf(&w) & VMFS_PTE_P);
		assert_int_equal(vmfs_pagemap(m, pid, (BASE + HPAGE) / PAGE + 5, &pm, 1), 1);
		assert_true(pm & VMFS_PM_PRESENT);
		assert_int_equal(vmfs_maps(m, pid, maps, 4), 4);   /* the first split in 3 */
		assert_int_equal(maps[3].start, BASE + HPAGE);
		assert_int_equal(maps[3].rss, HPAGE_NR);
		assert_int_equal(maps[3].anon_huge, HPAGE_NR);
		assert_true(vmfs_read(m, pid, BASE + HPAGE + 5 * PAGE, &c, 1) < 0);
		assert_int_equal(vmfs_mprotect(m, pid, BASE + HPAGE, HPAGE, RW), 0);
		assert_true(huge_at(m, pid, BASE + HPAGE));
		assert_int_equal(byte_at_(m, pid, BASE + HPAGE + 5 * PAGE), 'n');
		assert_int_equal(vmfs_mprotect(m, pid, BASE + HPAGE, HPAGE, PROT_NONE), 0);
		assert_int_equal(vmfs_access(m, pid, BASE + HPAGE + 5 * PAGE, &c, 1,
					     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL), 1);
		assert_int_equal(c, 'n');
		assert_int_equal(tstat(m).thp_split_pmd, 2);   /* the forced access split it */
	}
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* madvise(DONTNEED) of part splits and zeroes just that part. */
static void test_madvise_part(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 9);
	assert_int_equal(vmfs_madvise(m, pid, BASE + 3 * PAGE, PAGE, VMFS_MADV_DONTNEED), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 1);
	assert_int_equal(byte_at_(m, pid, BASE + 3 * PAGE), 0);
	check_fill(m, pid, BASE, HPAGE_NR, 9, 3);
	/* WILLNEED reads only swap entries: it leaves a huge leaf alone */
	assert_int_equal(vmfs_write(m, pid, BASE, "r", 1), 1);
	vmfs_close(m);
}

/* fork shares the huge page read-only; a write splits (COW of 4 KiB) and both keep their bytes. */
static void test_fork_cow(void **state)
{
	int pid, child;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free;
	unsigned char buf[PAGE];

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 11);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	assert_true(huge_at(m, child, BASE));
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(walk(m, child, BASE).paddr, walk(m, pid, BASE).paddr);
	assert_int_equal(mstat(m).frames_free, free0 - HPAGE_NR);   /* shared, not copied */
	assert_int_equal(pstat(m, child).rss_anon, HPAGE_NR);
	/* the child writes page 42: both pmds split, one 4 KiB copy */
	memset(buf, 0xc5, sizeof(buf));
	assert_int_equal(vmfs_write(m, child, BASE + 42 * PAGE, buf, PAGE), PAGE);
	assert_int_equal(tstat(m).thp_split_page, 1);
	assert_int_equal(tstat(m).thp_split_pmd, 2);
	assert_false(huge_at(m, child, BASE));
	assert_false(huge_at(m, pid, BASE));
	assert_int_equal(byte_at_(m, child, BASE + 42 * PAGE + 5), 0xc5);
	check_fill(m, pid, BASE, HPAGE_NR, 11, UINT64_MAX);
	check_fill(m, child, BASE, HPAGE_NR, 11, 42);
	assert_int_equal(mstat(m).frames_free, free0 - HPAGE_NR - 1);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* After the child exits, the parent's write takes the huge page back whole (reuse). */
static void test_fork_reuse(void **state)
{
	int pid, child;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);

	(void)state;
	fill(m, pid, BASE, 4, 13);
	child = vmfs_fork(m, pid);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_write(m, pid, BASE, "w", 1), 1);
	assert_true(huge_at(m, pid, BASE));
	{
		struct vmfs_walk w = walk(m, pid, BASE);

		assert_true(leaf(&w) & VMFS_PTE_RW);   /* the last mapping: taken over */
	}
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	assert_int_equal(byte_at_(m, pid, BASE), 'w');
	check_range(m, pid, BASE, 1, 4, 13, UINT64_MAX);
	vmfs_close(m);
}

/* Memory pressure: the huge page is split, swapped out, and its bytes come back. */
static void test_reclaim(void **state)
{
	int pid;
	vmfs *m = setup("frames=1024", HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	const uint64_t small = SMALL;
	uint64_t free0 = mstat(m).frames_free;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 17);
	assert_int_equal(tstat(m).thp_fault_alloc, 1);
	map_fixed(m, pid, small, 900 * PAGE, RW, ANON_PRIV);
	fill(m, pid, small, 900, 19);
	assert_true(tstat(m).thp_split_page >= 1);
	assert_true(mstat(m).pswpout > 0);
	check_fill(m, pid, BASE, HPAGE_NR, 17, UINT64_MAX);
	check_fill(m, pid, small, 900, 19, UINT64_MAX);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* A read fault takes the huge page too (as 6.1 with use_zero_page=0). */
static void test_read_fault(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);

	(void)state;
	assert_int_equal(byte_at_(m, pid, BASE + 5 * PAGE), 0);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(tstat(m).thp_fault_alloc, 1);
	vmfs_close(m);
}

/* mlock of a huge page: 512 pages locked, never evicted; munlock splits nothing. */
static void test_mlock(void **state)
{
	int pid;
	vmfs *m = setup("memlock=unlimited", HPAGE, VMFS_MADV_HUGEPAGE, &pid);

	(void)state;
	assert_int_equal(vmfs_mlock(m, pid, BASE, HPAGE, 0), 0);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(tstat(m).mlocked, HPAGE_NR);
	assert_int_equal(tstat(m).unevictable_pgs_mlocked, HPAGE_NR);   /* folio_nr_pages */
	assert_int_equal(vmfs_munlock(m, pid, BASE, HPAGE), 0);
	assert_int_equal(tstat(m).mlocked, 0);
	assert_int_equal(tstat(m).unevictable_pgs_munlocked, HPAGE_NR);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	vmfs_close(m);
}

/* The TLB: a translation from a huge leaf is cached, and changing the leaf drops all 512. */
static void test_tlb(void **state)
{
	int pid;
	vmfs *m = setup("tlb=4096", HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	char c;

	(void)state;
	for (unsigned i = 0; i < HPAGE_NR; i++)
		assert_int_equal(vmfs_write(m, pid, BASE + i * PAGE, "t", 1), 1);
	assert_int_equal(vmfs_read(m, pid, BASE + 300 * PAGE, &c, 1), 1);
	assert_true(mstat(m).tlb_hit > 0);
	/* mprotect of the whole leaf: every cached page must now refuse a write */
	assert_int_equal(vmfs_mprotect(m, pid, BASE, HPAGE, PROT_READ), 0);
	for (unsigned i = 0; i < HPAGE_NR; i += 37)
		assert_true(vmfs_write(m, pid, BASE + i * PAGE, "u", 1) < 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, HPAGE, RW), 0);
	assert_int_equal(vmfs_munmap(m, pid, BASE, HPAGE), 0);
	for (unsigned i = 0; i < HPAGE_NR; i += 37)
		assert_true(vmfs_read(m, pid, BASE + i * PAGE, &c, 1) < 0);
	vmfs_close(m);
}

/*
 * mremap to a 2 MiB-aligned place moves a huge leaf whole (move_huge_pmd);
 * to any other place it splits it; either way every byte arrives.
 */
static void test_mremap(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free, to = BASE + 8 * HPAGE, to2 = BASE + 16 * HPAGE + PAGE;
	uint64_t out = 0, paddr;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 23);
	paddr = walk(m, pid, BASE).paddr;
	assert_int_equal(vmfs_mremap(m, pid, BASE, HPAGE, HPAGE, VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED,
				     to, &out), 0);
	assert_int_equal(out, to);
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	assert_true(huge_at(m, pid, to));
	assert_int_equal(walk(m, pid, to).paddr, paddr);
	check_fill(m, pid, to, HPAGE_NR, 23, UINT64_MAX);
	assert_int_equal(pstat(m, pid).rss_anon, HPAGE_NR);
	assert_int_equal(vmfs_mremap(m, pid, to, HPAGE, HPAGE, VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED,
				     to2, &out), 0);
	assert_int_equal(out, to2);
	assert_int_equal(tstat(m).thp_split_pmd, 1);
	check_fill(m, pid, to2, HPAGE_NR, 23, UINT64_MAX);
	to = to2;
	assert_int_equal(mstat(m).frames_free, free0 - HPAGE_NR);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* A huge page two processes map, evicted: the split reaches both pmds, and both read their bytes back. */
static void test_fork_pressure(void **state)
{
	int pid, child;
	vmfs *m = setup("frames=1024", HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 29);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(vmfs_reclaim(m, 1), 1);   /* the policy's one page: the huge one */
	assert_int_equal(tstat(m).thp_split_page, 1);
	assert_int_equal(tstat(m).thp_split_pmd, 2);
	assert_true(mstat(m).pswpout >= HPAGE_NR);
	assert_int_equal(mstat(m).frames_free, free0);
	check_fill(m, child, BASE, HPAGE_NR, 29, UINT64_MAX);
	check_fill(m, pid, BASE, HPAGE_NR, 29, UINT64_MAX);
	assert_int_equal(vmfs_exit(m, pid), 0);
	check_fill(m, child, BASE, HPAGE_NR, 29, UINT64_MAX);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* The parent exits first: the child keeps the huge page, then takes it over on a write. */
static void test_parent_exits(void **state)
{
	int pid, child;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free;

	(void)state;
	fill(m, pid, BASE, 8, 31);
	child = vmfs_fork(m, pid);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, free0 - HPAGE_NR);
	assert_int_equal(vmfs_write(m, child, BASE + PAGE, "c", 1), 1);
	assert_true(huge_at(m, child, BASE));
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	check_range(m, child, BASE, 2, 8, 31, UINT64_MAX);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	vmfs_close(m);
}

/* MADV_PAGEOUT of a huge page: split, swapped out, read back. */
static void test_pageout(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t free0 = mstat(m).frames_free, pm;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 37);
	assert_int_equal(vmfs_madvise(m, pid, BASE, HPAGE, VMFS_MADV_PAGEOUT), 0);
	assert_int_equal(tstat(m).thp_split_page, 1);
	assert_int_equal(mstat(m).frames_free, free0);
	assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE + 77, &pm, 1), 1);
	assert_true(pm & VMFS_PM_SWAPPED);
	check_fill(m, pid, BASE, HPAGE_NR, 37, UINT64_MAX);
	vmfs_close(m);
}

/*
 * clear_refs 1 clears the leaf's accessed bit in place; 4 (soft-dirty)
 * write-protects it whole, and the next write takes it back whole, all
 * 512 pages soft-dirty again (clear_soft_dirty_pmd, do_huge_pmd_wp_page).
 */
static void test_clear_refs(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	struct vmfs_walk w;
	struct vmfs_map map;

	(void)state;
	fill(m, pid, BASE, 2, 41);
	w = walk(m, pid, BASE);
	assert_true(leaf(&w) & VMFS_PTE_A);
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_ALL), 0);
	w = walk(m, pid, BASE);
	assert_false(leaf(&w) & VMFS_PTE_A);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(vmfs_maps(m, pid, &map, 1), 1);
	assert_int_equal(map.referenced, 0);
	assert_int_equal(byte_at_(m, pid, BASE + 3 * PAGE), 0);
	assert_int_equal(vmfs_maps(m, pid, &map, 1), 1);
	assert_int_equal(map.referenced, HPAGE_NR);   /* one accessed bit for all 512 */
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_SOFT_DIRTY), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	w = walk(m, pid, BASE);
	assert_false(leaf(&w) & (VMFS_PTE_RW | VMFS_PTE_SOFT_DIRTY));
	{
		static uint64_t pm[HPAGE_NR];
		uint64_t faults = mstat(m).pgfault, cows = mstat(m).cow_fault;

		assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE, pm, HPAGE_NR), HPAGE_NR);
		for (unsigned i = 0; i < HPAGE_NR; i++)
			assert_false(pm[i] & VMFS_PM_SOFT_DIRTY);
		check_fill(m, pid, BASE, 2, 41, UINT64_MAX);   /* reads: no fault */
		assert_int_equal(mstat(m).pgfault, faults);
		assert_int_equal(vmfs_write(m, pid, BASE + 200 * PAGE, "s", 1), 1);
		assert_int_equal(mstat(m).pgfault, faults + 1);   /* one minor fault, no copy */
		assert_int_equal(mstat(m).cow_fault, cows);
		assert_true(huge_at(m, pid, BASE));
		w = walk(m, pid, BASE);
		assert_true(leaf(&w) & VMFS_PTE_RW);
		assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE, pm, HPAGE_NR), HPAGE_NR);
		for (unsigned i = 0; i < HPAGE_NR; i++)
			assert_true(pm[i] & VMFS_PM_SOFT_DIRTY);
	}
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	check_fill(m, pid, BASE, 2, 41, UINT64_MAX);
	vmfs_close(m);
}

/* A locked huge page is never evicted: pressure takes the other pages. */
static void test_mlock_pressure(void **state)
{
	int pid;
	vmfs *m = setup("frames=1024,memlock=unlimited", HPAGE, VMFS_MADV_HUGEPAGE, &pid);

	(void)state;
	assert_int_equal(vmfs_mlock(m, pid, BASE, HPAGE, 0), 0);
	fill(m, pid, BASE, HPAGE_NR, 43);
	map_fixed(m, pid, SMALL, 800 * PAGE, RW, ANON_PRIV);
	fill(m, pid, SMALL, 800, 47);
	assert_true(mstat(m).pswpout > 0);
	assert_int_equal(tstat(m).thp_split_page, 0);
	assert_true(huge_at(m, pid, BASE));
	check_fill(m, pid, BASE, HPAGE_NR, 43, UINT64_MAX);
	check_fill(m, pid, SMALL, 800, 47, UINT64_MAX);
	vmfs_close(m);
}

/* ---- random: huge and small pages mixed, forks, splits, pressure ---------- */

#define RND_PROCS   4
#define RND_HUGE    (4u * HPAGE_NR)   /* pages of the advised region: 4 huge pages */
#define RND_SMALL   64u               /* pages of the unadvised region */
#define RND_PAGES   (RND_HUGE + RND_SMALL)

struct rproc {
	int            pid;
	unsigned char *shadow;   /* RND_PAGES pages: what each page must read */
};

static uint64_t rnd_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Page @i of the random test's regions: the advised one at BASE, the other at SMALL. */
static uint64_t rnd_addr(unsigned i)
{
	return i < RND_HUGE ? BASE + (uint64_t)i * PAGE : SMALL + (uint64_t)(i - RND_HUGE) * PAGE;
}

static void rnd_map(vmfs *m, int pid, unsigned first, unsigned n)
{
	map_fixed(m, pid, rnd_addr(first), (uint64_t)n * PAGE, RW, ANON_PRIV);
	if (first < RND_HUGE)
		assert_int_equal(vmfs_madvise(m, pid, rnd_addr(first), (uint64_t)n * PAGE,
					      VMFS_MADV_HUGEPAGE), 0);
}

/* Every byte of every process is its shadow's; RSS, pagemap and the huge-page count agree. */
static void rnd_check(vmfs *m, struct rproc *pr, int n)
{
	static unsigned char buf[RND_HUGE * PAGE];
	static uint64_t pm[RND_HUGE];
	uint64_t zero = mstat(m).zero_pfn, heads[RND_PROCS * 4];
	unsigned nheads = 0;

	/* the reads first: they fault, and a fault may reclaim (split) what was counted */
	for (int k = 0; k < n; k++) {
		assert_int_equal(vmfs_read(m, pr[k].pid, BASE, buf, RND_HUGE * PAGE), RND_HUGE * PAGE);
		assert_memory_equal(buf, pr[k].shadow, RND_HUGE * PAGE);
		assert_int_equal(vmfs_read(m, pr[k].pid, SMALL, buf, RND_SMALL * PAGE), RND_SMALL * PAGE);
		assert_memory_equal(buf, pr[k].shadow + RND_HUGE * PAGE, RND_SMALL * PAGE);
	}
	for (int k = 0; k < n; k++) {
		uint64_t present = 0;

		assert_int_equal(vmfs_pagemap(m, pr[k].pid, BASE / PAGE, pm, RND_HUGE), RND_HUGE);
		for (unsigned i = 0; i < RND_HUGE; i++)
			present += (pm[i] & VMFS_PM_PRESENT) && (pm[i] & VMFS_PM_PFN_MASK) != zero;
		assert_int_equal(vmfs_pagemap(m, pr[k].pid, SMALL / PAGE, pm, RND_SMALL), RND_SMALL);
		for (unsigned i = 0; i < RND_SMALL; i++)
			present += (pm[i] & VMFS_PM_PRESENT) && (pm[i] & VMFS_PM_PFN_MASK) != zero;
		assert_int_equal(pstat(m, pr[k].pid).rss_anon, present);
		for (unsigned h = 0; h < RND_HUGE / HPAGE_NR; h++) {
			struct vmfs_walk w = walk(m, pr[k].pid, BASE + (uint64_t)h * HPAGE);
			bool seen = false;

			if (w.state != VMFS_WALK_PRESENT || w.page_shift != 21)
				continue;
			for (unsigned j = 0; j < nheads; j++)
				seen |= heads[j] == w.paddr;
			if (!seen)
				heads[nheads++] = w.paddr;
		}
	}
	assert_int_equal(tstat(m).nr_anon_transparent_hugepages, nheads);
}

static void rnd_run(uint64_t seed, const char *opts)
{
	vmfs *m = open_machine(opts);
	struct rproc pr[RND_PROCS];
	uint64_t x = seed, free0 = mstat(m).frames_free;
	int n = 1;

	pr[0].pid = spawn(m, "rnd");
	pr[0].shadow = calloc(RND_PAGES, PAGE);
	assert_non_null(pr[0].shadow);
	rnd_map(m, pr[0].pid, 0, RND_HUGE);
	rnd_map(m, pr[0].pid, RND_HUGE, RND_SMALL);
	for (int op = 0; op < 600; op++) {
		int k = (int)(rnd_next(&x) % (uint64_t)n);
		unsigned i = (unsigned)(rnd_next(&x) % RND_PAGES), what = (unsigned)(rnd_next(&x) % 100);
		struct rproc *q = &pr[k];

		if (what < 45) {                 /* a write of a few bytes */
			unsigned char b[64];
			unsigned off = (unsigned)(rnd_next(&x) % (PAGE - sizeof(b)));

			for (size_t j = 0; j < sizeof(b); j++)
				b[j] = (unsigned char)rnd_next(&x);
			assert_int_equal(vmfs_write(m, q->pid, rnd_addr(i) + off, b, sizeof(b)), sizeof(b));
			memcpy(q->shadow + (size_t)i * PAGE + off, b, sizeof(b));
		} else if (what < 55) {          /* a read */
			unsigned char c;

			assert_int_equal(vmfs_read(m, q->pid, rnd_addr(i), &c, 1), 1);
			assert_int_equal(c, q->shadow[(size_t)i * PAGE]);
		} else if (what < 62 && n < RND_PROCS) {   /* fork */
			pr[n].pid = vmfs_fork(m, q->pid);
			assert_true(pr[n].pid > 0);
			pr[n].shadow = malloc((size_t)RND_PAGES * PAGE);
			assert_non_null(pr[n].shadow);
			memcpy(pr[n].shadow, q->shadow, (size_t)RND_PAGES * PAGE);
			n++;
		} else if (what < 66 && n > 1) { /* exit */
			assert_int_equal(vmfs_exit(m, q->pid), 0);
			free(q->shadow);
			pr[k] = pr[--n];
		} else if (what < 72) {          /* munmap a page and map it again: zeros */
			assert_int_equal(vmfs_munmap(m, q->pid, rnd_addr(i), PAGE), 0);
			rnd_map(m, q->pid, i, 1);
			memset(q->shadow + (size_t)i * PAGE, 0, PAGE);
		} else if (what < 78) {          /* mprotect a page there and back */
			assert_int_equal(vmfs_mprotect(m, q->pid, rnd_addr(i), PAGE, PROT_READ), 0);
			assert_int_equal(vmfs_mprotect(m, q->pid, rnd_addr(i), PAGE, RW), 0);
		} else if (what < 84) {          /* DONTNEED of a page: zeros */
			assert_int_equal(vmfs_madvise(m, q->pid, rnd_addr(i), PAGE, VMFS_MADV_DONTNEED), 0);
			memset(q->shadow + (size_t)i * PAGE, 0, PAGE);
		} else if (what < 90) {          /* pressure */
			assert_true(vmfs_reclaim(m, rnd_next(&x) % 700) >= 0);
		} else if (what < 94) {          /* PAGEOUT of a huge page's range */
			uint64_t h = BASE + (rnd_next(&x) % (RND_HUGE / HPAGE_NR)) * HPAGE;

			assert_int_equal(vmfs_madvise(m, q->pid, h, HPAGE, VMFS_MADV_PAGEOUT), 0);
		} else {                         /* a whole huge page's range unmapped and remapped */
			uint64_t h = (rnd_next(&x) % (RND_HUGE / HPAGE_NR)) * HPAGE_NR;

			assert_int_equal(vmfs_munmap(m, q->pid, rnd_addr((unsigned)h), HPAGE), 0);
			rnd_map(m, q->pid, (unsigned)h, HPAGE_NR);
			memset(q->shadow + h * PAGE, 0, HPAGE);
		}
		if (op % 50 == 49)
			rnd_check(m, pr, n);
	}
	rnd_check(m, pr, n);
	assert_true(tstat(m).thp_fault_alloc > 0);
	assert_true(tstat(m).thp_split_page > 0);
	while (n > 0) {
		assert_int_equal(vmfs_exit(m, pr[n - 1].pid), 0);
		free(pr[--n].shadow);
	}
	assert_int_equal(mstat(m).frames_free, free0);
	assert_int_equal(tstat(m).nr_anon_transparent_hugepages, 0);
	vmfs_close(m);
}

/*
 * Seeded runs of random operations on huge and small pages, several
 * processes, on machines of other levels, TLB sizes and policies too.
 */
static void test_random_mixed(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++)
		rnd_run(seed, "frames=3072");
	for (uint64_t seed = 7; seed <= 8; seed++) {
		rnd_run(seed, "frames=3072,levels=3,tlb=0");
		rnd_run(seed, "frames=3072,levels=5,tlb=8,policy=mglru");
		rnd_run(seed, "frames=3072,levels=6,tlb=512,policy=linux");
	}
}

/*
 * vmfs_accessv over huge pages: its pipeline fetches pages ahead from the
 * huge leaves, and a write in the middle of the batch (a COW after fork)
 * splits a leaf fetched ahead: every access still reads what it must.
 */
static void test_accessv(void **state)
{
	int pid, child;
	vmfs *m = setup("tlb=16", 2 * HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	enum { N = 512 };
	static struct vmfs_iop iop[N];
	static uint64_t val[N];
	static unsigned char shadow[2 * HPAGE];
	uint64_t x = 7;

	(void)state;
	for (unsigned i = 0; i < 2 * HPAGE_NR; i++) {
		memset(shadow + (size_t)i * PAGE, (int)(i & 0xff), PAGE);
		assert_int_equal(vmfs_write(m, pid, BASE + (uint64_t)i * PAGE, shadow + (size_t)i * PAGE,
					    PAGE), PAGE);
	}
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	for (unsigned i = 0; i < N; i++) {
		uint64_t off = (rnd_next(&x) % (2 * HPAGE / 8)) * 8;

		iop[i] = (struct vmfs_iop){ .addr = BASE + off, .buf = &val[i], .len = 8,
					    .how = i == N / 3 || i == 2 * N / 3 ? VMFS_ACCESS_WRITE
										: VMFS_ACCESS_READ };
		if (iop[i].how == VMFS_ACCESS_WRITE) {   /* one in each huge page */
			iop[i].addr = BASE + (i == N / 3 ? 5 * PAGE : HPAGE + 7 * PAGE) + 16;
			val[i] = 0x0123456789abcdefull + i;
		}
	}
	assert_int_equal(vmfs_accessv(m, child, iop, N), N);
	for (unsigned i = 0; i < N; i++) {
		uint64_t off = iop[i].addr - BASE, want;

		assert_int_equal(iop[i].res, 8);
		if (iop[i].how == VMFS_ACCESS_WRITE) {
			memcpy(shadow + off, &val[i], 8);
			continue;
		}
		memcpy(&want, shadow + off, 8);
		assert_int_equal(val[i], want);
	}
	assert_int_equal(tstat(m).thp_split_page, 2);   /* each write split its huge page */
	for (unsigned i = 0; i < 2 * HPAGE_NR; i += 13)   /* the parent's bytes: as written */
		assert_int_equal(byte_at_(m, pid, BASE + (uint64_t)i * PAGE + 16), i & 0xff);
	vmfs_close(m);
}

/* Idle page tracking: every frame of a huge page reports the huge page's state, one access clears it. */
static void test_idle(void **state)
{
	int pid;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t head, bits[HPAGE_NR / 64];

	(void)state;
	fill(m, pid, BASE, 1, 53);
	head = walk(m, pid, BASE).paddr / PAGE;
	memset(bits, 0xff, sizeof(bits));
	assert_int_equal(vmfs_page_idle_set(m, head, bits, HPAGE_NR / 64), HPAGE_NR / 64);
	memset(bits, 0, sizeof(bits));
	assert_int_equal(vmfs_page_idle_get(m, head, bits, HPAGE_NR / 64), HPAGE_NR / 64);
	for (unsigned w = 0; w < HPAGE_NR / 64; w++)
		assert_int_equal(bits[w], UINT64_MAX);
	assert_int_equal(byte_at_(m, pid, BASE + 300 * PAGE), 0);   /* a tail page's access */
	assert_int_equal(vmfs_page_idle_get(m, head, bits, HPAGE_NR / 64), HPAGE_NR / 64);
	for (unsigned w = 0; w < HPAGE_NR / 64; w++)
		assert_int_equal(bits[w], 0);
	assert_true(huge_at(m, pid, BASE));
	vmfs_close(m);
}

/* A huge page moved by mremap in the parent, shared with a child: the reverse map finds both pmds. */
static void test_mremap_fork(void **state)
{
	int pid, child;
	vmfs *m = setup(NULL, HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	uint64_t to = BASE + 4 * HPAGE, out = 0;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 59);
	child = vmfs_fork(m, pid);
	assert_int_equal(vmfs_mremap(m, pid, BASE, HPAGE, HPAGE, VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED,
				     to, &out), 0);
	assert_true(huge_at(m, pid, to));
	assert_true(huge_at(m, child, BASE));
	assert_int_equal(vmfs_reclaim(m, 1), 1);
	assert_int_equal(tstat(m).thp_split_pmd, 2);
	check_fill(m, pid, to, HPAGE_NR, 59, UINT64_MAX);
	check_fill(m, child, BASE, HPAGE_NR, 59, UINT64_MAX);
	vmfs_close(m);
}

/*
 * MADV_FREE of a whole huge page makes it lazy whole (no split): reclaim
 * then drops its 512 pages unwritten; written again first, it is dirty
 * whole and all of it goes to swap, its bytes kept.
 */
static void test_madv_free(void **state)
{
	int pid;
	vmfs *m = setup(NULL, 2 * HPAGE, VMFS_MADV_HUGEPAGE, &pid);
	struct vmfs_map map;

	(void)state;
	fill(m, pid, BASE, HPAGE_NR, 61);
	fill(m, pid, BASE + HPAGE, HPAGE_NR, 67);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 2 * HPAGE, VMFS_MADV_FREE), 0);
	assert_int_equal(tstat(m).thp_split_pmd, 0);
	assert_true(huge_at(m, pid, BASE));
	assert_int_equal(tstat(m).pglazyfree, 2 * HPAGE_NR);
	assert_int_equal(tstat(m).lazyfree, 2 * HPAGE_NR);
	assert_int_equal(vmfs_maps(m, pid, &map, 1), 1);
	assert_int_equal(map.lazyfree, 2 * HPAGE_NR);
	/* the second one is written again: no longer lazy in smaps, dirty whole */
	assert_int_equal(vmfs_write(m, pid, BASE + HPAGE + 9 * PAGE, "w", 1), 1);
	assert_int_equal(vmfs_maps(m, pid, &map, 1), 1);
	assert_int_equal(map.lazyfree, HPAGE_NR);
	assert_int_equal(vmfs_reclaim(m, 2), 2);
	assert_int_equal(tstat(m).thp_split_page, 2);
	assert_int_equal(tstat(m).pglazyfreed, HPAGE_NR);
	assert_int_equal(mstat(m).pswpout, HPAGE_NR);
	assert_int_equal(byte_at_(m, pid, BASE + 77 * PAGE + 1), 0);    /* dropped: zeros */
	assert_int_equal(byte_at_(m, pid, BASE + HPAGE + 9 * PAGE), 'w');
	check_range(m, pid, BASE + HPAGE, 10, HPAGE_NR, 67, UINT64_MAX);
	vmfs_close(m);
}

/* A PROT_NONE mapping is THPeligible as Linux says, but a forced access there takes 4 KiB. */
static void test_prot_none_mapping(void **state)
{
	int pid;
	vmfs *m = open_machine("thp=always");
	struct vmfs_map map;
	char c = 'f';

	(void)state;
	pid = spawn(m, "none");
	map_fixed(m, pid, BASE, HPAGE, PROT_NONE, ANON_PRIV);
	assert_int_equal(vmfs_maps(m, pid, &map, 1), 1);
	assert_int_equal(map.thp_eligible, 1);
	assert_int_equal(vmfs_access(m, pid, BASE, &c, 1, VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, NULL), 1);
	assert_int_equal(tstat(m).thp_fault_alloc, 0);
	assert_int_equal(walk(m, pid, BASE).state, VMFS_WALK_PROTNONE);
	assert_int_equal(walk(m, pid, BASE).page_shift, 12);
	assert_true(vmfs_read(m, pid, BASE, &c, 1) < 0);
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_huge),
		cmocka_unit_test(test_pagetable_dump),
		cmocka_unit_test(test_not_eligible),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_munmap_splits),
		cmocka_unit_test(test_munmap_whole),
		cmocka_unit_test(test_mprotect),
		cmocka_unit_test(test_madvise_part),
		cmocka_unit_test(test_fork_cow),
		cmocka_unit_test(test_fork_reuse),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_read_fault),
		cmocka_unit_test(test_mlock),
		cmocka_unit_test(test_tlb),
		cmocka_unit_test(test_mremap),
		cmocka_unit_test(test_fork_pressure),
		cmocka_unit_test(test_parent_exits),
		cmocka_unit_test(test_pageout),
		cmocka_unit_test(test_clear_refs),
		cmocka_unit_test(test_mlock_pressure),
		cmocka_unit_test(test_random_mixed),
		cmocka_unit_test(test_accessv),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_mremap_fork),
		cmocka_unit_test(test_madv_free),
		cmocka_unit_test(test_prot_none_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

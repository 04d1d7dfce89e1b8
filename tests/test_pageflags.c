/*
 * test_pageflags.c - the public contract of the views Linux gives of
 * physical pages and working sets (since 0.5): vmfs_kpageflags and
 * vmfs_kpagecount (fs/proc/page.c), vmfs_clear_refs with the soft-dirty
 * bit of pagemap (fs/proc/task_mmu.c) and smaps's Referenced, and idle
 * page tracking (mm/page_idle.c), each checked against what the machine
 * knows otherwise: pagemap's frame numbers, vmfs_maps, vmfs_lru_stat,
 * vmfs_proc_stat.
 *
 * What stays true: every test opens its own machine and closes it; every
 * figure compared is read through the public API only.
 */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>

#define BASE 0x400000ull
#define PG   4096ull
#define KPF(bit) (1ull << VMFS_KPF_##bit)

static uint64_t pm(vmfs *m, int pid, uint64_t va)
{
	uint64_t e = 0;

	assert_int_equal(vmfs_pagemap(m, pid, va / PG, &e, 1), 1);
	return e;
}

/* The frame of a present page. */
static uint64_t pfn_of(vmfs *m, int pid, uint64_t va)
{
	uint64_t e = pm(m, pid, va);

	assert_true(e & VMFS_PM_PRESENT);
	return e & VMFS_PM_PFN_MASK;
}

static uint64_t kflags(vmfs *m, uint64_t pfn)
{
	uint64_t u = 0;

	assert_int_equal(vmfs_kpageflags(m, pfn, &u, 1), 1);
	return u;
}

static uint64_t kcount(vmfs *m, uint64_t pfn)
{
	uint64_t c = 0;

	assert_int_equal(vmfs_kpagecount(m, pfn, &c, 1), 1);
	return c;
}

static void touch(vmfs *m, int pid, uint64_t va, int write)
{
	char c = 'x';

	assert_int_equal(vmfs_access(m, pid, va, &c, 1, write ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ,
				     NULL), 1);
}

static struct vmfs_map map_at(vmfs *m, int pid, uint64_t va)
{
	struct vmfs_map maps[16];
	int n = vmfs_maps(m, pid, maps, 16);

	for (int i = 0; i < n && i < 16; i++)
		if (maps[i].start <= va && va < maps[i].end)
			return maps[i];
	fail_msg("no mapping at %#" PRIx64, va);
	return maps[0];
}

/* Every frame of physical memory, in its place: data, kernel image, page tables. */
static void test_kpageflags_layout(void **state)
{
	vmfs *m = open_machine("frames=64,kernel=64K,policy=clock");
	struct vmfs_stat st = mstat(m);
	uint64_t nframes = st.phys_size / PG, *f = calloc(nframes + 8, 8), *c = calloc(nframes + 8, 8);
	int pid = spawn(m, "p");
	struct vmfs_proc_stat ps;
	uint64_t pfn, pgtable = 0;

	(void)state;
	map_fixed(m, pid, BASE, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	touch(m, pid, BASE, 1);
	st = mstat(m);
	nframes = st.phys_size / PG;
	f = realloc(f, (nframes + 8) * 8);
	c = realloc(c, (nframes + 8) * 8);
	ps = pstat(m, pid);
	pfn = pfn_of(m, pid, BASE);
	/* Read past the end: only what exists comes back. */
	assert_int_equal(vmfs_kpageflags(m, 0, f, nframes + 8), nframes);
	assert_int_equal(vmfs_kpagecount(m, 0, c, nframes + 8), nframes);
	assert_int_equal(vmfs_kpageflags(m, nframes, f, 1), 0);
	assert_int_equal(vmfs_kpagecount(m, nframes + 100, c, 1), 0);
	assert_int_equal(vmfs_kpageflags(m, 0, f, nframes), nframes);
	assert_int_equal(vmfs_kpagecount(m, 0, c, nframes), nframes);
	for (uint64_t i = 0; i < st.frames; i++) {
		if (i == pfn) {
			assert_int_equal(f[i], KPF(UPTODATE) | KPF(LRU) | KPF(ACTIVE) | KPF(MMAP) |
					       KPF(ANON) | KPF(SWAPBACKED));
			assert_int_equal(c[i], 1);
		} else {
			assert_int_equal(f[i], KPF(BUDDY));   /* every other data frame is free */
			assert_int_equal(c[i], 0);
		}
	}
	for (uint64_t i = st.frames; i < st.frames + st.kernel_pages; i++) {
		/* The kernel image (with the zero page, once the machine has one). */
		assert_int_equal(f[i] & ~KPF(ZERO_PAGE), KPF(RESERVED));
		assert_int_equal(c[i], 0);
	}
	for (uint64_t i = st.frames + st.kernel_pages; i < nframes; i++) {
		assert_int_equal(f[i], KPF(PGTABLE));  /* none freed yet */
		assert_int_equal(c[i], 0);
		pgtable++;
	}
	assert_int_equal(pgtable, st.pagetable_pages);
	assert_int_equal(f[ps.cr3], KPF(PGTABLE));
	/* A table freed goes back to the pool: free, as Linux's buddy pages. */
	assert_int_equal(vmfs_munmap(m, pid, BASE, 4 * PG), 0);
	assert_int_equal(vmfs_kpageflags(m, 0, f, nframes), nframes);
	assert_int_equal(f[pfn], KPF(BUDDY));
	st = mstat(m);
	pgtable = 0;
	for (uint64_t i = st.frames + st.kernel_pages; i < nframes; i++)
		pgtable += f[i] == KPF(PGTABLE);
	assert_int_equal(pgtable, st.pagetable_pages);
	assert_true(pgtable < nframes - st.frames - st.kernel_pages);
	assert_int_equal(vmfs_kpageflags(m, 0, NULL, 1), -EINVAL);
	assert_int_equal(vmfs_kpagecount(NULL, 0, c, 1), -EINVAL);
	free(f);
	free(c);
	vmfs_close(m);
}

/* Each kind of page, its flags and its map count. */
static void test_kpageflags_kinds(void **state)
{
	vmfs *m = open_machine("frames=64,policy=clock");
	int pid = spawn(m, "p"), child;
	uint64_t anon, shm, obj, u;
	const uint64_t lru = KPF(UPTODATE) | KPF(LRU) | KPF(ACTIVE) | KPF(MMAP);

	(void)state;
	assert_int_equal(vmfs_object_create(m, "o", NULL, 4 * PG), 0);
	map_fixed(m, pid, BASE, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	map_fixed(m, pid, BASE + 16 * PG, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 32 * PG, 2 * PG, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED, "o", 0, NULL), 0);
	touch(m, pid, BASE, 1);
	touch(m, pid, BASE + 16 * PG, 1);
	touch(m, pid, BASE + 32 * PG, 0);
	anon = pfn_of(m, pid, BASE);
	shm = pfn_of(m, pid, BASE + 16 * PG);
	obj = pfn_of(m, pid, BASE + 32 * PG);
	assert_int_equal(kflags(m, anon), lru | KPF(ANON) | KPF(SWAPBACKED));
	assert_int_equal(kflags(m, shm), lru | KPF(SWAPBACKED) | KPF(DIRTY));
	assert_int_equal(kflags(m, obj), lru);           /* read: clean */
	touch(m, pid, BASE + 32 * PG, 1);
	assert_int_equal(kflags(m, obj), lru | KPF(DIRTY));
	assert_int_equal(vmfs_sync(m), 0);               /* written back: clean again */
	assert_int_equal(kflags(m, obj), lru);
	/* fork: the private page is mapped twice, the shared ones too. */
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(kcount(m, anon), 2);
	assert_int_equal(kcount(m, shm), 2);
	assert_int_equal(kcount(m, obj), 2);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(kcount(m, anon), 1);
	/* An object page no one maps stays in the page cache: LRU, not MMAP. */
	assert_int_equal(vmfs_munmap(m, pid, BASE + 32 * PG, 2 * PG), 0);
	u = kflags(m, obj);
	assert_int_equal(u, KPF(UPTODATE) | KPF(LRU) | KPF(ACTIVE));
	assert_int_equal(kcount(m, obj), 0);
	/* Evicted and read back: the swap cache keeps the slot while the page is clean. */
	assert_true(vmfs_reclaim(m, 64) > 0);
	assert_true(pm(m, pid, BASE) & VMFS_PM_SWAPPED);
	touch(m, pid, BASE, 0);
	anon = pfn_of(m, pid, BASE);
	assert_int_equal(kflags(m, anon), lru | KPF(ANON) | KPF(SWAPBACKED) | KPF(SWAPCACHE));
	touch(m, pid, BASE, 1);                          /* written: the slot goes */
	assert_int_equal(kflags(m, anon), lru | KPF(ANON) | KPF(SWAPBACKED));
	vmfs_close(m);
}

/* ACTIVE and REFERENCED as the policy keeps them. */
static void test_kpageflags_policies(void **state)
{
	static const char *const opts[] = { "frames=64,policy=linux", "frames=64,policy=mglru",
					    "frames=64,policy=lru" };

	(void)state;
	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		vmfs *m = open_machine(opts[k]);
		int pid = spawn(m, "p");
		struct vmfs_lru_stat ls;
		uint64_t active = 0, f[64];

		map_fixed(m, pid, BASE, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		for (int i = 0; i < 16; i++)
			touch(m, pid, BASE + (uint64_t)i * PG, 1);
		/* Pressure so that linux moves pages between its lists. */
		assert_true(vmfs_reclaim(m, 4) > 0);
		for (int i = 0; i < 16; i += 2)
			touch(m, pid, BASE + (uint64_t)i * PG, 0);
		assert_int_equal(vmfs_lru_stat(m, &ls), 0);
		assert_int_equal(vmfs_kpageflags(m, 0, f, 64), 64);
		for (int i = 0; i < 64; i++) {
			if (f[i] & KPF(ACTIVE))
				assert_true(f[i] & KPF(LRU));
			active += (f[i] & KPF(ACTIVE)) != 0;
		}
		if (k == 1)
			assert_int_equal(active, 0);   /* mglru: the generation replaces PG_active */
		else
			assert_int_equal(active, ls.nr_active_anon + ls.nr_active_file);
		vmfs_close(m);
	}
}

/* clear_refs 1, 2, 3: Referenced in smaps drops to 0, then rises with accesses. */
static void test_clear_refs_referenced(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");

	(void)state;
	assert_int_equal(vmfs_object_create(m, "o", NULL, 4 * PG), 0);
	map_fixed(m, pid, BASE, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 32 * PG, 4 * PG, PROT_READ,
				   MAP_SHARED | MAP_FIXED, "o", 0, NULL), 0);
	for (int i = 0; i < 8; i++)
		touch(m, pid, BASE + (uint64_t)i * PG, 1);
	for (int i = 0; i < 4; i++)
		touch(m, pid, BASE + 32 * PG + (uint64_t)i * PG, 0);
	assert_int_equal(map_at(m, pid, BASE).referenced, 8);
	assert_int_equal(map_at(m, pid, BASE + 32 * PG).referenced, 4);
	/* 3: only mappings of objects. */
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_MAPPED), 0);
	assert_int_equal(map_at(m, pid, BASE).referenced, 8);
	assert_int_equal(map_at(m, pid, BASE + 32 * PG).referenced, 0);
	/* 2: only anonymous ones. */
	touch(m, pid, BASE + 32 * PG, 0);
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_ANON), 0);
	assert_int_equal(map_at(m, pid, BASE).referenced, 0);
	assert_int_equal(map_at(m, pid, BASE + 32 * PG).referenced, 1);
	/* Accesses set the bits again, through the TLB too. */
	touch(m, pid, BASE + 2 * PG, 0);
	touch(m, pid, BASE + 2 * PG, 0);
	touch(m, pid, BASE + 5 * PG, 1);
	assert_int_equal(map_at(m, pid, BASE).referenced, 2);
	/* 1: every page. */
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_ALL), 0);
	assert_int_equal(map_at(m, pid, BASE).referenced, 0);
	assert_int_equal(map_at(m, pid, BASE + 32 * PG).referenced, 0);
	assert_int_equal(map_at(m, pid, BASE).rss, 8);   /* nothing else changed */
	/* Errors change nothing. */
	touch(m, pid, BASE, 0);
	assert_int_equal(vmfs_clear_refs(m, pid, 0), -EINVAL);
	assert_int_equal(vmfs_clear_refs(m, pid, 6), -EINVAL);
	assert_int_equal(vmfs_clear_refs(m, pid, -1), -EINVAL);
	assert_int_equal(vmfs_clear_refs(m, 999, 1), -ESRCH);
	assert_int_equal(vmfs_clear_refs(NULL, pid, 1), -EINVAL);
	assert_int_equal(map_at(m, pid, BASE).referenced, 1);
	vmfs_close(m);
}

/* clear_refs 5: VmHWM back to the RSS. */
static void test_clear_refs_hiwater(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");

	(void)state;
	map_fixed(m, pid, BASE, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 8; i++)
		touch(m, pid, BASE + (uint64_t)i * PG, 1);
	assert_int_equal(vmfs_munmap(m, pid, BASE, 5 * PG), 0);
	assert_int_equal(pstat(m, pid).rss_peak, 8);
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_MM_HIWATER_RSS), 0);
	assert_int_equal(pstat(m, pid).rss_peak, 3);
	assert_int_equal(map_at(m, pid, BASE + 5 * PG).referenced, 3);   /* bits untouched */
	vmfs_close(m);
}

/* The bit 55 of every page of [va, va + n pages) as a mask, bit i for page i. */
static uint64_t soft_dirty_mask(vmfs *m, int pid, uint64_t va, int n)
{
	uint64_t e[64], mask = 0;

	assert_int_equal(vmfs_pagemap(m, pid, va / PG, e, (size_t)n), n);
	for (int i = 0; i < n; i++)
		if (e[i] & VMFS_PM_SOFT_DIRTY)
			mask |= 1ull << i;
	return mask;
}

/* clear_refs 4, then writes: pagemap's bit 55 shows exactly the pages written. */
static void test_soft_dirty(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_proc_stat before;
	char buf[8];

	(void)state;
	map_fixed(m, pid, BASE, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	map_fixed(m, pid, BASE + 16 * PG, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	/* A new mapping is soft-dirty all over (VM_SOFTDIRTY), touched or not. */
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0xff);
	assert_int_equal(pm(m, pid, BASE + 8 * PG), 0);   /* no mapping there */
	for (int i = 0; i < 8; i++)
		touch(m, pid, BASE + (uint64_t)i * PG, 1);
	for (int i = 0; i < 3; i++)     /* shared page 3 stays untouched */
		touch(m, pid, BASE + 16 * PG + (uint64_t)i * PG, 1);
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_SOFT_DIRTY), 0);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0);
	assert_int_equal(soft_dirty_mask(m, pid, BASE + 16 * PG, 4), 0);
	/* Write-protected (Linux's clear_soft_dirty), not unmapped. */
	{
		struct vmfs_walk w = walk(m, pid, BASE);

		assert_int_equal(w.state, VMFS_WALK_PRESENT);
		assert_false(leaf(&w) & VMFS_PTE_RW);
		assert_false(leaf(&w) & VMFS_PTE_SOFT_DIRTY);
	}
	before = pstat(m, pid);
	/* Reads set nothing (shared page 3's is its first: a read fault); writes
	 * set exactly their pages. */
	for (int i = 0; i < 8; i++)
		touch(m, pid, BASE + (uint64_t)i * PG, 0);
	for (int i = 0; i < 4; i++)
		touch(m, pid, BASE + 16 * PG + (uint64_t)i * PG, 0);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0);
	assert_int_equal(soft_dirty_mask(m, pid, BASE + 16 * PG, 4), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + 1 * PG, "one", 4), 4);
	assert_int_equal(vmfs_write(m, pid, BASE + 3 * PG, "three", 6), 6);
	assert_int_equal(vmfs_write(m, pid, BASE + 6 * PG, "six", 4), 4);
	assert_int_equal(vmfs_write(m, pid, BASE + 18 * PG, "s", 2), 2);
	assert_int_equal(vmfs_write(m, pid, BASE + 19 * PG, "t", 2), 2);   /* first read after it */
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0x4a);
	assert_int_equal(soft_dirty_mask(m, pid, BASE + 16 * PG, 4), 0xc);
	/* The write-protected pages took a write fault each, not a copy; shared
	 * page 3 its read fault, and its write none (mapped writable, clean). */
	assert_int_equal(pstat(m, pid).min_flt - before.min_flt, 5);
	assert_int_equal(pstat(m, pid).cow_flt, before.cow_flt);
	assert_int_equal(pfn_of(m, pid, BASE + PG), pfn_of(m, pid, BASE + PG));
	assert_int_equal(vmfs_read(m, pid, BASE + 3 * PG, buf, 6), 6);
	assert_string_equal(buf, "three");
	/* The bit goes to swap with the page and comes back with it. */
	assert_true(vmfs_reclaim(m, 64) > 0);
	assert_true(pm(m, pid, BASE + PG) & VMFS_PM_SWAPPED);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0x4a);
	assert_int_equal(vmfs_read(m, pid, BASE + PG, buf, 4), 4);
	assert_string_equal(buf, "one");
	assert_true(pm(m, pid, BASE + PG) & VMFS_PM_PRESENT);
	assert_true(pm(m, pid, BASE + PG) & VMFS_PM_SOFT_DIRTY);
	/* A cleared swap entry stays clear when it comes back. */
	assert_true(vmfs_reclaim(m, 64) > 0);
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_SOFT_DIRTY), 0);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0);
	assert_int_equal(vmfs_read(m, pid, BASE + 3 * PG, buf, 6), 6);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 8), 0);
	/* A new mapping next to a cleared one is soft-dirty again (mmap's VM_SOFTDIRTY). */
	map_fixed(m, pid, BASE + 8 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	assert_int_equal(soft_dirty_mask(m, pid, BASE + 8 * PG, 1), 1);
	vmfs_close(m);
}

/* After clear_refs 4, a fork's COW and mprotect still leave the right bits. */
static void test_soft_dirty_fork_mprotect(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p"), child;
	char buf[4];

	(void)state;
	map_fixed(m, pid, BASE, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 4; i++)
		touch(m, pid, BASE + (uint64_t)i * PG, 1);
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_SOFT_DIRTY), 0);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(vmfs_write(m, child, BASE, "c", 2), 2);     /* a COW copy */
	assert_int_equal(vmfs_write(m, pid, BASE + PG, "p", 2), 2);  /* a COW too */
	assert_int_equal(soft_dirty_mask(m, child, BASE, 4), 0x1);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 4), 0x2);
	assert_int_equal(vmfs_read(m, pid, BASE, buf, 1), 1);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, 4 * PG, PROT_READ), 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, 4 * PG, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + 3 * PG, "w", 2), 2);
	assert_int_equal(soft_dirty_mask(m, pid, BASE, 4), 0xa);
	vmfs_close(m);
}

static uint64_t idle_word(vmfs *m, uint64_t pfn)
{
	uint64_t w = 0;

	assert_int_equal(vmfs_page_idle_get(m, pfn & ~63ull, &w, 1), 1);
	return w;
}

static bool is_idle(vmfs *m, uint64_t pfn)
{
	return (idle_word(m, pfn) >> (pfn % 64)) & 1;
}

/* Idle page tracking: set all idle, access some, read back which are not. */
static void test_page_idle(void **state)
{
	vmfs *m = open_machine("frames=128,kernel=64K,policy=clock");
	struct vmfs_stat st = mstat(m);
	int pid = spawn(m, "p");
	uint64_t all[4], got[4], pfn[16], nwords;

	(void)state;
	map_fixed(m, pid, BASE, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (int i = 0; i < 16; i++) {
		touch(m, pid, BASE + (uint64_t)i * PG, 1);
		pfn[i] = pfn_of(m, pid, BASE + (uint64_t)i * PG);
	}
	st = mstat(m);
	nwords = (st.phys_size / PG + 63) / 64;
	assert_true(nwords <= 4);
	memset(all, 0xff, sizeof(all));
	assert_int_equal(vmfs_page_idle_set(m, 0, all, 4), nwords);
	/* Only the pages on the LRU are idle; free frames, kernel, tables read 0. */
	assert_int_equal(vmfs_page_idle_get(m, 0, got, 4), nwords);
	for (uint64_t q = 0; q < nwords * 64; q++) {
		bool want = false;

		for (int i = 0; i < 16; i++)
			want |= pfn[i] == q;
		assert_int_equal((got[q / 64] >> (q % 64)) & 1, want);
		if (q < st.phys_size / PG)
			assert_int_equal((kflags(m, q) & KPF(IDLE)) != 0, want);
	}
	/* Setting idle cleared the accessed bits, but reclaim still sees them (young). */
	assert_int_equal(map_at(m, pid, BASE).referenced, 16);
	/* Access 5 of them, through the TLB and not. */
	for (int i = 0; i < 16; i += 3)
		touch(m, pid, BASE + (uint64_t)i * PG, i % 2);
	for (int i = 0; i < 16; i++)
		assert_int_equal(is_idle(m, pfn[i]), i % 3 != 0);
	/* A page stays not idle until set again. */
	touch(m, pid, BASE + PG, 0);
	assert_false(is_idle(m, pfn[1]));
	assert_false(is_idle(m, pfn[0]));
	/* clear_refs 1 clears the young flag: Referenced 0 for all. */
	assert_int_equal(vmfs_clear_refs(m, pid, VMFS_CLEAR_REFS_ALL), 0);
	assert_int_equal(map_at(m, pid, BASE).referenced, 0);
	/* A freed frame forgets it was idle. */
	assert_true(kflags(m, pfn[2]) & KPF(IDLE));
	assert_int_equal(vmfs_munmap(m, pid, BASE + 2 * PG, PG), 0);
	assert_false(kflags(m, pfn[2]) & KPF(IDLE));
	/* Errors and the end. */
	assert_int_equal(vmfs_page_idle_get(m, 1, got, 1), -EINVAL);
	assert_int_equal(vmfs_page_idle_set(m, 63, all, 1), -EINVAL);
	assert_int_equal(vmfs_page_idle_get(m, nwords * 64, got, 1), 0);
	assert_int_equal(vmfs_page_idle_set(m, nwords * 64, all, 1), 0);
	assert_int_equal(vmfs_page_idle_get(m, 0, NULL, 1), -EINVAL);
	vmfs_close(m);
}

/*
 * Idle tracking does not hide a reference from reclaim: the young flag
 * counts as referenced (folio_referenced), so the linux policy makes the
 * same choices whether or not the pages were marked idle in between.
 */
static void test_page_idle_reclaim(void **state)
{
	uint64_t scanned[2], evicted[2][8];

	(void)state;
	for (int idle = 0; idle < 2; idle++) {
		vmfs *m = open_machine("frames=8,policy=linux");
		int pid = spawn(m, "p");
		uint64_t all[4];

		map_fixed(m, pid, BASE, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		for (int i = 0; i < 8; i++)
			touch(m, pid, BASE + (uint64_t)i * PG, 1);
		if (idle) {
			memset(all, 0xff, sizeof(all));
			assert_true(vmfs_page_idle_set(m, 0, all, 4) > 0);
			assert_int_equal(map_at(m, pid, BASE).referenced, 8);   /* young */
		}
		assert_int_equal(vmfs_reclaim(m, 2), 2);
		scanned[idle] = mstat(m).pgscan_direct;
		for (int i = 0; i < 8; i++)
			evicted[idle][i] = (pm(m, pid, BASE + (uint64_t)i * PG) & VMFS_PM_SWAPPED) != 0;
		vmfs_close(m);
	}
	assert_true(scanned[0] > 2);   /* the accessed bits kept some pages */
	assert_int_equal(scanned[1], scanned[0]);
	assert_memory_equal(evicted[1], evicted[0], sizeof(evicted[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kpageflags_layout),
		cmocka_unit_test(test_kpageflags_kinds),
		cmocka_unit_test(test_kpageflags_policies),
		cmocka_unit_test(test_clear_refs_referenced),
		cmocka_unit_test(test_clear_refs_hiwater),
		cmocka_unit_test(test_soft_dirty),
		cmocka_unit_test(test_soft_dirty_fork_mprotect),
		cmocka_unit_test(test_page_idle),
		cmocka_unit_test(test_page_idle_reclaim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

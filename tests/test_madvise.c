/*
 * test_madvise.c - the contract of vmfs_madvise, vmfs_mlock and its
 * relatives, vmfs_mincore and vmfs_msync (issue 14), through the public API
 * only: Linux 6.1's semantics and errno choices, each claim of libvmfs(3)
 * a test that fails if the behaviour goes.
 *
 * What stays true: every test opens its own machine and closes it; a
 * failing call is checked to change what Linux's changes and no more.
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

static void fill(vmfs *m, int pid, uint64_t addr, uint64_t pages, unsigned char c)
{
	unsigned char buf[PAGE];

	memset(buf, c, sizeof(buf));
	for (uint64_t i = 0; i < pages; i++)
		assert_int_equal(vmfs_write(m, pid, addr + i * PAGE, buf, PAGE), PAGE);
}

static unsigned char byte_at(vmfs *m, int pid, uint64_t addr)
{
	unsigned char c = 0xee;

	assert_int_equal(vmfs_read(m, pid, addr, &c, 1), 1);
	return c;
}

static struct vmfs_mlock_stat lstat_(vmfs *m)
{
	struct vmfs_mlock_stat st;

	assert_int_equal(vmfs_mlock_stat(m, &st), 0);
	return st;
}

static int nmaps(vmfs *m, int pid, struct vmfs_map *maps, size_t max)
{
	int n = vmfs_maps(m, pid, maps, max);

	assert_true(n >= 0);
	return n;
}

static uint64_t pagemap(vmfs *m, int pid, uint64_t addr)
{
	uint64_t e = 0;

	assert_int_equal(vmfs_pagemap(m, pid, addr / PAGE, &e, 1), 1);
	return e;
}

/* ---- mlock ------------------------------------------------------------------ */

/* mlock faults the range in, marks it locked, and reclaim cannot take its pages. */
static void test_mlock_populates_and_pins(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];

	(void)state;
	map_fixed(m, pid, BASE, 8 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE + 1, 8 * PAGE - 1, 0), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 8);           /* write-faulted: COW broken */
	assert_int_equal(pstat(m, pid).locked_vm, 8);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_true(maps[0].flags & VMFS_MAP_LOCKED);
	assert_int_equal(lstat_(m).mlocked, 8);
	assert_int_equal(lstat_(m).unevictable, 8);
	assert_int_equal(lstat_(m).unevictable_pgs_mlocked, 8);
	assert_int_equal(vmfs_reclaim(m, 100), 0);              /* nothing evictable */
	assert_int_equal(pstat(m, pid).rss_anon, 8);
	assert_int_equal(vmfs_munlock(m, pid, BASE, 8 * PAGE), 0);
	assert_int_equal(lstat_(m).mlocked, 0);
	assert_int_equal(lstat_(m).unevictable_pgs_munlocked, 8);
	assert_int_equal(pstat(m, pid).locked_vm, 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_false(maps[0].flags & VMFS_MAP_LOCKED);
	assert_int_equal(vmfs_reclaim(m, 100), 8);
	vmfs_close(m);
}

/*
 * Locking a middle part splits the mapping in three; unlocking merges it
 * back when the pieces share an anon_vma (the mapping had one before the
 * split).  When only the locked part has one (mlock's populate gave it),
 * Linux 6.1 leaves the three apart: a neighbour without an anon_vma has an
 * empty chain, which is_mergeable_anon_vma does not take as singular.
 */
static void test_mlock_split_merge(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_write(m, pid, BASE, "a", 1), 1);   /* the mapping's anon_vma */
	assert_int_equal(vmfs_mlock(m, pid, BASE + PAGE, 2 * PAGE, 0), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 3);
	assert_false(maps[0].flags & VMFS_MAP_LOCKED);
	assert_true(maps[1].flags & VMFS_MAP_LOCKED);
	assert_int_equal(maps[1].start, BASE + PAGE);
	assert_int_equal(maps[1].end, BASE + 3 * PAGE);
	assert_int_equal(pstat(m, pid).rss_anon, 3);
	assert_int_equal(vmfs_munlock(m, pid, BASE, 4 * PAGE), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);

	map_fixed(m, pid, BASE + 8 * PAGE, 4 * PAGE, RW, ANON_PRIV);   /* untouched */
	assert_int_equal(vmfs_mlock(m, pid, BASE + 9 * PAGE, 2 * PAGE, 0), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 4);
	assert_int_equal(vmfs_munlock(m, pid, BASE + 8 * PAGE, 4 * PAGE), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 4);
	assert_int_equal(maps[2].start, BASE + 9 * PAGE);
	assert_int_equal(maps[2].end, BASE + 11 * PAGE);
	assert_false(maps[2].flags & VMFS_MAP_LOCKED);
	vmfs_close(m);
}

/* A hole: ENOMEM, with the mapped part before it locked (apply_vma_lock_flags). */
static void test_mlock_hole(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	map_fixed(m, pid, BASE + 3 * PAGE, PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 4 * PAGE, 0), -ENOMEM);
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_true(maps[0].flags & VMFS_MAP_LOCKED);
	assert_false(maps[1].flags & VMFS_MAP_LOCKED);
	assert_int_equal(pstat(m, pid).locked_vm, 2);
	assert_int_equal(pstat(m, pid).rss_anon, 0);            /* not populated */
	assert_int_equal(vmfs_mlock(m, pid, BASE + 2 * PAGE, PAGE, 0), -ENOMEM);
	assert_int_equal(vmfs_munlock(m, pid, BASE + 2 * PAGE, PAGE), -ENOMEM);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 0, 0), 0);
	assert_int_equal(vmfs_mlock(m, pid, BASE, PAGE, 2), -EINVAL);
	assert_int_equal(vmfs_mlock(m, 99, BASE, PAGE, 0), -ESRCH);
	vmfs_close(m);
}

/* The memlock limit: ENOMEM past it, pages already locked not counted twice; 0 is EPERM. */
static void test_mlock_limit(void **state)
{
	vmfs *m = open_machine("frames=64,memlock=16K");
	int pid = spawn(m, "p");

	(void)state;
	map_fixed(m, pid, BASE, 8 * PAGE, RW, ANON_PRIV);
	assert_int_equal(lstat_(m).memlock, 16384);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 5 * PAGE, 0), -ENOMEM);
	assert_int_equal(pstat(m, pid).locked_vm, 0);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 4 * PAGE, 0), 0);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 4 * PAGE, 0), 0);  /* already locked */
	assert_int_equal(vmfs_mlock(m, pid, BASE + 4 * PAGE, PAGE, 0), -ENOMEM);
	assert_int_equal(vmfs_mlockall(m, pid, VMFS_MCL_CURRENT), -ENOMEM);
	vmfs_close(m);

	m = open_machine("frames=64,memlock=0");
	pid = spawn(m, "p");
	map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, PAGE, 0), -EPERM);
	assert_int_equal(vmfs_mlockall(m, pid, VMFS_MCL_CURRENT), -EPERM);
	assert_int_equal(vmfs_munlock(m, pid, BASE, PAGE), 0);
	vmfs_close(m);

	for (const char *const *bad = (const char *const[]){ "memlock=", "memlock=x", "memlock=1Q",
			"memlock=18446744073709551615", NULL }; *bad; bad++) {
		m = NULL;
		assert_int_equal(vmfs_open(&m, *bad), -EINVAL);
		assert_non_null(strstr(vmfs_errmsg(), "memlock"));
	}
	m = open_machine("frames=64,memlock=unlimited");
	pid = spawn(m, "p");
	map_fixed(m, pid, BASE, 32 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 32 * PAGE, 0), 0);
	assert_int_equal(lstat_(m).memlock, UINT64_MAX);
	vmfs_close(m);
}

/* MLOCK_ONFAULT: nothing faulted now; each page is locked as it is touched. */
static void test_mlock_onfault(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[2];

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 4 * PAGE, VMFS_MLOCK_ONFAULT), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 0);
	assert_int_equal(pstat(m, pid).locked_vm, 4);
	assert_int_equal(nmaps(m, pid, maps, 2), 1);
	assert_true(maps[0].flags & VMFS_MAP_LOCKONFAULT);
	fill(m, pid, BASE, 1, 7);
	assert_int_equal(lstat_(m).mlocked, 1);
	assert_int_equal(vmfs_reclaim(m, 10), 0);
	vmfs_close(m);
}

/* PROT_NONE cannot be faulted in: ENOMEM, yet the mapping stays locked (as Linux). */
static void test_mlock_protnone(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[2];

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, PROT_NONE, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 2 * PAGE, 0), -ENOMEM);
	assert_int_equal(nmaps(m, pid, maps, 2), 1);
	assert_true(maps[0].flags & VMFS_MAP_LOCKED);
	assert_int_equal(pstat(m, pid).locked_vm, 2);
	vmfs_close(m);
}

/* mlockall: current mappings, and with MCL_FUTURE new ones (populated; EAGAIN past the limit). */
static void test_mlockall(void **state)
{
	vmfs *m = open_machine("frames=64,memlock=32K");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];
	uint64_t at;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlockall(m, pid, 0), -EINVAL);
	assert_int_equal(vmfs_mlockall(m, pid, VMFS_MCL_ONFAULT), -EINVAL);
	assert_int_equal(vmfs_mlockall(m, pid, 8), -EINVAL);
	assert_int_equal(vmfs_mlockall(m, pid, VMFS_MCL_CURRENT | VMFS_MCL_FUTURE), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 2);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 16 * PAGE, 3 * PAGE, RW, ANON_PRIV | MAP_FIXED,
				   NULL, 0, &at), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 5);            /* populated */
	assert_int_equal(pstat(m, pid).locked_vm, 5);
	assert_int_equal(vmfs_mmap(m, pid, 0, 4 * PAGE, RW, ANON_PRIV, NULL, 0, &at), -EAGAIN);
	assert_int_equal(pstat(m, pid).locked_vm, 5);
	assert_int_equal(vmfs_munlockall(m, pid), 0);
	assert_int_equal(pstat(m, pid).locked_vm, 0);
	assert_int_equal(lstat_(m).mlocked, 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, 4 * PAGE, RW, ANON_PRIV, NULL, 0, &at), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 3);
	for (int i = 0; i < 3; i++)
		assert_false(maps[i].flags & VMFS_MAP_LOCKED);
	vmfs_close(m);
}

/* fork does not inherit locks; exit and munmap unlock, freeing counts as cleared. */
static void test_mlock_fork_exit(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p"), child;
	struct vmfs_map maps[2];

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 4 * PAGE, 0), 0);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(nmaps(m, child, maps, 2), 1);
	assert_false(maps[0].flags & VMFS_MAP_LOCKED);
	assert_int_equal(pstat(m, child).locked_vm, 0);
	assert_int_equal(lstat_(m).mlocked, 4);                  /* the parent still locks them */
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(lstat_(m).mlocked, 0);                  /* the child maps them, unlocked */
	assert_int_equal(vmfs_reclaim(m, 100), 4);
	pid = spawn(m, "q");
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 2 * PAGE, 0), 0);
	assert_int_equal(vmfs_munmap(m, pid, BASE, PAGE), 0);
	assert_int_equal(pstat(m, pid).locked_vm, 1);
	assert_int_equal(lstat_(m).mlocked, 1);
	vmfs_close(m);
}

/* A private locked mapping made writable is faulted in for writing: COW broken now (mprotect_fixup). */
static void test_mlock_mprotect_populates(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	uint64_t at;

	(void)state;
	assert_int_equal(vmfs_object_create(m, "obj", "abcd", 4), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, "obj",
				   0, &at), 0);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 2 * PAGE, 0), -ENOMEM);  /* page 2 past the end */
	assert_int_equal(pstat(m, pid).rss_file, 1);              /* read-faulted: the cache page */
	assert_int_equal(pstat(m, pid).rss_anon, 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, PAGE, RW), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 1);              /* its private copy, now */
	assert_int_equal(pstat(m, pid).rss_file, 0);
	assert_false(pagemap(m, pid, BASE) & VMFS_PM_FILE);
	assert_int_equal(byte_at(m, pid, BASE), 'a');
	vmfs_close(m);
}

/* kpageflags: an mlocked page has MLOCKED and UNEVICTABLE; a lazy one lacks SWAPBACKED. */
static void test_kpageflags(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	uint64_t pfn, fl;

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 1);
	assert_int_equal(vmfs_mlock(m, pid, BASE, PAGE, 0), 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE + PAGE, PAGE, VMFS_MADV_FREE), 0);
	pfn = pagemap(m, pid, BASE) & VMFS_PM_PFN_MASK;
	assert_int_equal(vmfs_kpageflags(m, pfn, &fl, 1), 1);
	assert_true((fl & (1ull << VMFS_KPF_MLOCKED)) && (fl & (1ull << VMFS_KPF_UNEVICTABLE)));
	assert_true(fl & (1ull << VMFS_KPF_SWAPBACKED));
	pfn = pagemap(m, pid, BASE + PAGE) & VMFS_PM_PFN_MASK;
	assert_int_equal(vmfs_kpageflags(m, pfn, &fl, 1), 1);
	assert_false(fl & ((1ull << VMFS_KPF_MLOCKED) | (1ull << VMFS_KPF_UNEVICTABLE)));
	assert_false(fl & (1ull << VMFS_KPF_SWAPBACKED));       /* lazy */
	assert_true(fl & (1ull << VMFS_KPF_ANON));
	vmfs_close(m);
}

/* ---- madvise ------------------------------------------------------------------- */

static void test_madvise_errors(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, 5), -EINVAL);   /* unknown */
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, 100), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE + 1, PAGE, VMFS_MADV_DONTNEED), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE, UINT64_MAX, VMFS_MADV_DONTNEED), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 0, VMFS_MADV_DONTNEED), 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE + 8 * PAGE, PAGE, VMFS_MADV_NORMAL), -ENOMEM);
	assert_int_equal(vmfs_madvise(m, 99, BASE, PAGE, VMFS_MADV_NORMAL), -ESRCH);
	/* locked: DONTNEED, FREE, COLD, PAGEOUT refuse */
	assert_int_equal(vmfs_mlock(m, pid, BASE, 2 * PAGE, 0), 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_DONTNEED), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_FREE), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_COLD), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_PAGEOUT), -EINVAL);
	assert_int_equal(pstat(m, pid).rss_anon, 2);
	/* FREE and WIPEONFORK are for private anonymous memory only */
	map_fixed(m, pid, BASE + 4 * PAGE, PAGE, RW, ANON_SHRD);
	assert_int_equal(vmfs_madvise(m, pid, BASE + 4 * PAGE, PAGE, VMFS_MADV_FREE), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, BASE + 4 * PAGE, PAGE, VMFS_MADV_WIPEONFORK), -EINVAL);
	vmfs_close(m);
}

/* DONTNEED zaps: the next read is zeros, the RSS drops; holes give ENOMEM with the rest done. */
static void test_madvise_dontneed(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	map_fixed(m, pid, BASE + 3 * PAGE, PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 0x5a);
	fill(m, pid, BASE + 3 * PAGE, 1, 0x5a);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 4 * PAGE, VMFS_MADV_DONTNEED), -ENOMEM);
	assert_int_equal(pstat(m, pid).rss_anon, 0);
	assert_int_equal(byte_at(m, pid, BASE), 0);
	assert_int_equal(byte_at(m, pid, BASE + 3 * PAGE), 0);
	vmfs_close(m);
}

/* FREE: a clean lazy page is dropped by reclaim with no swap write; a page
 * written again is kept.  vmfs_map's lazyfree (smaps' LazyFree) counts the
 * lazy pages still clean, in the mapping that has them. */
static void test_madvise_free(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_stat st;
	struct vmfs_map maps[4];

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	map_fixed(m, pid, BASE + 8 * PAGE, 2 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 4, 0x77);
	fill(m, pid, BASE + 8 * PAGE, 2, 0x77);
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_int_equal(maps[0].lazyfree + maps[1].lazyfree, 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 4 * PAGE, VMFS_MADV_FREE), 0);
	assert_int_equal(lstat_(m).lazyfree, 4);
	assert_int_equal(lstat_(m).pglazyfree, 4);
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_int_equal(maps[0].lazyfree, 4);
	assert_int_equal(maps[1].lazyfree, 0);
	fill(m, pid, BASE + 3 * PAGE, 1, 0x33);                 /* written again */
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_int_equal(maps[0].lazyfree, 3);                   /* dirty: no longer LazyFree */
	assert_int_equal(vmfs_munmap(m, pid, BASE + 8 * PAGE, 2 * PAGE), 0);
	assert_int_equal(vmfs_reclaim(m, 4), 4);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_int_equal(maps[0].lazyfree, 0);
	st = mstat(m);
	assert_int_equal(st.pswpout, 1);                         /* only the written one */
	assert_int_equal(lstat_(m).pglazyfreed, 3);
	assert_int_equal(lstat_(m).lazyfree, 0);
	assert_int_equal(pagemap(m, pid, BASE) & VMFS_PM_SWAPPED, 0);
	assert_int_equal(byte_at(m, pid, BASE), 0);               /* dropped: zeros */
	assert_int_equal(byte_at(m, pid, BASE + 3 * PAGE), 0x33); /* kept */
	vmfs_close(m);
}

/* PAGEOUT evicts now; WILLNEED reads back into the swap cache (mincore 1, still a swap entry). */
static void test_madvise_pageout_willneed(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	unsigned char vec[4];
	struct vmfs_fault f;
	unsigned char c;

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 4, 0x42);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 2 * PAGE, VMFS_MADV_PAGEOUT), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 2);
	assert_int_equal(pstat(m, pid).swap, 2);
	assert_int_equal(mstat(m).pswpout, 2);
	assert_int_equal(vmfs_mincore(m, pid, BASE, 4 * PAGE, vec), 0);
	assert_memory_equal(vec, ((unsigned char[]){ 0, 0, 1, 1 }), 4);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 4 * PAGE, VMFS_MADV_WILLNEED), 0);
	assert_int_equal(mstat(m).pswpin, 2);
	assert_int_equal(vmfs_mincore(m, pid, BASE, 4 * PAGE, vec), 0);
	assert_memory_equal(vec, ((unsigned char[]){ 1, 1, 1, 1 }), 4);
	assert_true(pagemap(m, pid, BASE) & VMFS_PM_SWAPPED);
	assert_int_equal(vmfs_access(m, pid, BASE, &c, 1, VMFS_ACCESS_READ, &f), 1);
	assert_int_equal(f.major, 0);                              /* from the swap cache */
	assert_int_equal(f.minor, 1);
	assert_int_equal(c, 0x42);
	vmfs_close(m);
}

/* COLD clears the accessed bits of pages mapped once; shared pages are left alone. */
static void test_madvise_cold(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_map maps[2];

	(void)state;
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 1);
	assert_int_equal(nmaps(m, pid, maps, 2), 1);
	assert_int_equal(maps[0].referenced, 2);
	assert_int_equal(vmfs_madvise(m, pid, BASE, 2 * PAGE, VMFS_MADV_COLD), 0);
	assert_int_equal(nmaps(m, pid, maps, 2), 1);
	assert_int_equal(maps[0].referenced, 0);
	assert_int_equal(pstat(m, pid).rss_anon, 2);               /* still resident */
	vmfs_close(m);
}

/* DONTFORK leaves the mapping out of the child; WIPEONFORK gives it zeros; DOFORK/KEEPONFORK undo. */
static void test_madvise_fork_bits(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p"), child;
	struct vmfs_map maps[4];

	(void)state;
	map_fixed(m, pid, BASE, 3 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 3, 9);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_DONTFORK), 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE + PAGE, PAGE, VMFS_MADV_WIPEONFORK), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 3);
	assert_true(maps[0].flags & VMFS_MAP_DONTCOPY);
	assert_true(maps[1].flags & VMFS_MAP_WIPEONFORK);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(nmaps(m, child, maps, 4), 2);
	assert_int_equal(maps[0].start, BASE + PAGE);
	assert_int_equal(byte_at(m, child, BASE + PAGE), 0);       /* wiped */
	assert_int_equal(byte_at(m, child, BASE + 2 * PAGE), 9);   /* copied */
	assert_int_equal(byte_at(m, pid, BASE + PAGE), 9);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_DOFORK), 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE + PAGE, PAGE, VMFS_MADV_KEEPONFORK), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);               /* merged back */
	vmfs_close(m);
}

/* A split past max_map_count is EAGAIN, nothing changed. */
static void test_madvise_eagain(void **state)
{
	vmfs *m = open_machine("frames=64,max_map_count=2");
	int pid = spawn(m, "p");
	struct vmfs_map maps[4];

	(void)state;
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_madvise(m, pid, BASE + PAGE, PAGE, VMFS_MADV_RANDOM), -EAGAIN);
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_int_equal(vmfs_madvise(m, pid, BASE, PAGE, VMFS_MADV_RANDOM), 0);
	assert_int_equal(nmaps(m, pid, maps, 4), 2);
	assert_int_equal(vmfs_mlock(m, pid, BASE + 2 * PAGE, PAGE, 0), -ENOMEM);  /* mlock: ENOMEM */
	vmfs_close(m);
}

/* ---- mincore, msync ------------------------------------------------------------- */

static void test_mincore(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p"), other;
	unsigned char vec[4] = { 9, 9, 9, 9 };
	uint64_t at;

	(void)state;
	map_fixed(m, pid, BASE, 3 * PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 1, 1);
	assert_int_equal(byte_at(m, pid, BASE + PAGE), 0);        /* the zero page: resident */
	assert_int_equal(vmfs_mincore(m, pid, BASE, 3 * PAGE - 1, vec), 0);
	assert_memory_equal(vec, ((unsigned char[]){ 1, 1, 0, 9 }), 4);
	assert_int_equal(vmfs_mincore(m, pid, BASE + 1, PAGE, vec), -EINVAL);
	assert_int_equal(vmfs_mincore(m, pid, BASE, PAGE, NULL), -EFAULT);
	memset(vec, 9, sizeof(vec));
	assert_int_equal(vmfs_mincore(m, pid, BASE + 2 * PAGE, 2 * PAGE, vec), -ENOMEM);
	assert_int_equal(vec[0], 0);                              /* filled up to the hole */
	assert_int_equal(vmfs_mincore(m, pid, UINT64_MAX & ~4095ull, PAGE, vec), -ENOMEM);
	/* an object page in the page cache, not mapped here */
	assert_int_equal(vmfs_object_create(m, "obj", "abc", 3), 0);
	other = spawn(m, "o");
	assert_int_equal(vmfs_mmap(m, other, 0, PAGE, PROT_READ, MAP_SHARED, "obj", 0, &at), 0);
	assert_int_equal(byte_at(m, other, at), 'a');
	assert_int_equal(vmfs_mmap(m, pid, BASE + 8 * PAGE, 2 * PAGE, PROT_READ,
				   MAP_SHARED | MAP_FIXED, "obj", 0, &at), 0);
	assert_int_equal(vmfs_mincore(m, pid, BASE + 8 * PAGE, 2 * PAGE, vec), 0);
	assert_memory_equal(vec, ((unsigned char[]){ 1, 0 }), 2);
	vmfs_close(m);
}

static void test_msync(void **state)
{
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "p");
	struct vmfs_stat st;
	uint64_t at;

	(void)state;
	assert_int_equal(vmfs_object_create(m, "obj", NULL, 0), 0);
	assert_int_equal(vmfs_object_resize(m, "obj", 2 * PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 2 * PAGE, RW, MAP_SHARED | MAP_FIXED, "obj", 0, &at), 0);
	map_fixed(m, pid, BASE + 3 * PAGE, PAGE, RW, ANON_PRIV);
	fill(m, pid, BASE, 2, 0x61);
	assert_int_equal(vmfs_statx(m, &st, VMFS_STAT_PAGES), 0);
	assert_int_equal(st.dirty_pages, 2);
	assert_int_equal(vmfs_msync(m, pid, BASE, PAGE, MS_ASYNC), 0);
	assert_int_equal(vmfs_statx(m, &st, VMFS_STAT_PAGES), 0);
	assert_int_equal(st.dirty_pages, 2);                      /* MS_ASYNC writes nothing */
	assert_int_equal(vmfs_msync(m, pid, BASE, PAGE, MS_SYNC), 0);
	assert_int_equal(vmfs_statx(m, &st, VMFS_STAT_PAGES), 0);
	assert_int_equal(st.dirty_pages, 1);                      /* the first page only */
	assert_int_equal(vmfs_msync(m, pid, BASE, 4 * PAGE, MS_SYNC), -ENOMEM);   /* a hole */
	assert_int_equal(vmfs_statx(m, &st, VMFS_STAT_PAGES), 0);
	assert_int_equal(st.dirty_pages, 0);                      /* written anyway */
	assert_int_equal(vmfs_msync(m, pid, BASE + 2 * PAGE, PAGE, MS_ASYNC), -ENOMEM);
	assert_int_equal(vmfs_msync(m, pid, BASE, PAGE, MS_ASYNC | MS_SYNC), -EINVAL);
	assert_int_equal(vmfs_msync(m, pid, BASE, PAGE, 8), -EINVAL);
	assert_int_equal(vmfs_msync(m, pid, BASE + 1, PAGE, MS_SYNC), -EINVAL);
	assert_int_equal(vmfs_msync(m, pid, BASE, 0, MS_SYNC), 0);
	assert_int_equal(vmfs_mlock(m, pid, BASE + 3 * PAGE, PAGE, 0), 0);
	assert_int_equal(vmfs_msync(m, pid, BASE + 3 * PAGE, PAGE, MS_INVALIDATE), -EBUSY);
	assert_int_equal(vmfs_msync(m, pid, BASE + 3 * PAGE, PAGE, MS_SYNC), 0);
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlock_populates_and_pins),
		cmocka_unit_test(test_mlock_split_merge),
		cmocka_unit_test(test_mlock_hole),
		cmocka_unit_test(test_mlock_limit),
		cmocka_unit_test(test_mlock_onfault),
		cmocka_unit_test(test_mlock_protnone),
		cmocka_unit_test(test_mlockall),
		cmocka_unit_test(test_mlock_fork_exit),
		cmocka_unit_test(test_mlock_mprotect_populates),
		cmocka_unit_test(test_kpageflags),
		cmocka_unit_test(test_madvise_errors),
		cmocka_unit_test(test_madvise_dontneed),
		cmocka_unit_test(test_madvise_free),
		cmocka_unit_test(test_madvise_pageout_willneed),
		cmocka_unit_test(test_madvise_cold),
		cmocka_unit_test(test_madvise_fork_bits),
		cmocka_unit_test(test_madvise_eagain),
		cmocka_unit_test(test_mincore),
		cmocka_unit_test(test_msync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

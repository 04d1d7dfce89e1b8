/*
 * test_hugetlb.c - explicit huge pages (MAP_HUGETLB, issue 17 second
 * stage) through the public API only: a mapping reserves pool pages at
 * mmap (HugePages_Rsvd) or fails with ENOMEM, a fault takes one (2 MiB: a
 * pmd leaf, 1 GiB: a pud leaf) and every view agrees on it (translate,
 * pagemap, maps/smaps' Hugetlb fields, status' HugetlbPages, kpageflags),
 * fork shares it (shared) or copies all of it on a write (private), and
 * munmap and exit give the pages and reservations back to the pool.  Bad
 * sizes, alignments and partial changes fail with EINVAL and change
 * nothing; reclaim never touches a hugetlb page.
 *
 * What stays true: every test opens its own machine and closes it, and
 * checks that the pool is whole again at the end; the 1 GiB cases run with
 * contents=none, so that no host memory is committed for the page.
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
#define HPAGE     (2ull << 20)
#define GPAGE     (1ull << 30)
#define RW        (PROT_READ | PROT_WRITE)
#define HUGE_PRIV (MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB)
#define HUGE_SHR  (MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB)

static struct vmfs_huge_pool pool(vmfs *m, int i)
{
	struct vmfs_huge_stat hs;

	assert_int_equal(vmfs_huge_stat(m, &hs), 0);
	return hs.pool[i];
}

static uint64_t hmap(vmfs *m, int pid, uint64_t hint, uint64_t len, int flags)
{
	uint64_t out = 0;
	int rc = vmfs_mmap(m, pid, hint, len, RW, flags, NULL, 0, &out);

	if (rc)
		print_error("mmap = %d: %s\n", rc, vmfs_errmsg());
	assert_int_equal(rc, 0);
	return out;
}

static struct vmfs_map map_at(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_map maps[16];
	int n = vmfs_maps(m, pid, maps, 16);

	for (int i = 0; i < n && i < 16; i++)
		if (maps[i].start <= addr && addr < maps[i].end)
			return maps[i];
	fail_msg("no mapping at %#" PRIx64, addr);
	return maps[0];
}

static int nmaps(vmfs *m, int pid)
{
	return vmfs_maps(m, pid, NULL, 0);
}

static void put(vmfs *m, int pid, uint64_t addr, unsigned char c)
{
	assert_int_equal(vmfs_write(m, pid, addr, &c, 1), 1);
}

static unsigned char get(vmfs *m, int pid, uint64_t addr)
{
	unsigned char c = 0xee;

	assert_int_equal(vmfs_read(m, pid, addr, &c, 1), 1);
	return c;
}

/* Map, fault, bytes, and every view of one 2 MiB page; munmap gives it back. */
static void test_map_fault_2m(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=3");
	int pid = spawn(m, "htlb");
	uint64_t a = hmap(m, pid, 0, HPAGE, HUGE_PRIV), pm[512], kpf;
	struct vmfs_walk w;
	struct vmfs_map mp;
	struct vmfs_proc_stat ps;

	assert_int_equal(a % HPAGE, 0);
	assert_int_equal(pool(m, 0).resv, 1);   /* reserved at mmap */
	assert_int_equal(pool(m, 0).free, 3);
	mp = map_at(m, pid, a);
	assert_true(mp.flags & VMFS_MAP_HUGETLB);
	assert_int_equal(mp.page_size, HPAGE);
	assert_int_equal(mp.private_hugetlb + mp.shared_hugetlb, 0);

	put(m, pid, a + 5, 0x5a);
	put(m, pid, a + HPAGE - 1, 0xa5);
	assert_int_equal(get(m, pid, a + 5), 0x5a);
	assert_int_equal(get(m, pid, a + HPAGE - 1), 0xa5);
	assert_int_equal(get(m, pid, a + 4096), 0);   /* cleared (clear_huge_page) */
	assert_int_equal(pool(m, 0).resv, 0);   /* the fault consumed it */
	assert_int_equal(pool(m, 0).free, 2);

	/* the walk ends at the pmd, one level early, with a 2 MiB page */
	w = walk(m, pid, a + 0x12345);
	assert_int_equal(w.depth, w.levels - 1);
	assert_int_equal(w.state, VMFS_WALK_PRESENT);
	assert_int_equal(w.page_shift, 21);
	assert_true(leaf(&w) & VMFS_PTE_PS);
	assert_int_equal(w.paddr % HPAGE, 0x12345);
	/* pagemap: 512 consecutive PFNs from the head */
	assert_int_equal(vmfs_pagemap(m, pid, a / PAGE, pm, 512), 512);
	for (unsigned i = 0; i < 512; i++) {
		assert_true(pm[i] & VMFS_PM_PRESENT);
		assert_int_equal(pm[i] & VMFS_PM_PFN_MASK, (w.paddr >> 12) - 0x12 + i);
	}
	assert_int_equal(vmfs_kpageflags(m, (w.paddr >> 12) - 0x12, &kpf, 1), 1);
	assert_true(kpf & (1ull << VMFS_KPF_HUGE));
	/* smaps: Private_Hugetlb, not Rss; status: HugetlbPages, not VmRSS */
	mp = map_at(m, pid, a);
	assert_int_equal(mp.private_hugetlb, 512);
	assert_int_equal(mp.shared_hugetlb, 0);
	assert_int_equal(mp.rss, 0);
	assert_int_equal(mp.anon_huge, 0);
	assert_int_equal(mp.thp_eligible, 0);
	ps = pstat(m, pid);
	assert_int_equal(ps.hugetlb_pages, 512);
	assert_int_equal(ps.rss_anon + ps.rss_file + ps.rss_shmem, 0);
	assert_int_equal(mstat(m).anon_pages, 0);

	assert_int_equal(vmfs_munmap(m, pid, a, HPAGE), 0);
	assert_int_equal(pool(m, 0).free, 3);
	assert_int_equal(pool(m, 0).resv, 0);
	assert_int_equal(pstat(m, pid).hugetlb_pages, 0);

	/* the pool shrunk under a page in use: it stays, as surplus, until unmapped */
	a = hmap(m, pid, 0, HPAGE, HUGE_PRIV);
	put(m, pid, a, 1);
	{
		uint64_t zero = 0, free_before = mstat(m).frames_free;

		assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", NULL, &zero), 0);
		assert_int_equal(pool(m, 0).nr, 1);
		assert_int_equal(pool(m, 0).surplus, 1);
		assert_int_equal(mstat(m).frames_free, free_before + 2 * 512);
		assert_int_equal(get(m, pid, a), 1);
		assert_int_equal(vmfs_munmap(m, pid, a, HPAGE), 0);   /* free_huge_page: to the buddy */
		assert_int_equal(pool(m, 0).nr, 0);
		assert_int_equal(pool(m, 0).surplus, 0);
		assert_int_equal(mstat(m).frames_free, free_before + 3 * 512);
	}
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* Reservations: counted at mmap, ENOMEM when the pool cannot cover them, given back unused. */
static void test_reservations(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=2");
	int pid = spawn(m, "htlb"), n0 = nmaps(m, pid);
	uint64_t a, out = 0;

	assert_int_equal(vmfs_mmap(m, pid, 0, 3 * HPAGE, RW, HUGE_PRIV, NULL, 0, &out), -ENOMEM);
	assert_int_equal(nmaps(m, pid), n0);   /* nothing changed */
	assert_int_equal(pool(m, 0).resv, 0);
	a = hmap(m, pid, 0, 2 * HPAGE, HUGE_PRIV);
	assert_int_equal(pool(m, 0).resv, 2);
	assert_int_equal(vmfs_mmap(m, pid, 0, 1, RW, HUGE_SHR, NULL, 0, &out), -ENOMEM);
	put(m, pid, a, 1);                    /* one consumed */
	assert_int_equal(pool(m, 0).resv, 1);
	assert_int_equal(pool(m, 0).free, 1);
	/* munmap of the unfaulted page gives its reservation back */
	assert_int_equal(vmfs_munmap(m, pid, a + HPAGE, HPAGE), 0);
	assert_int_equal(pool(m, 0).resv, 0);
	assert_int_equal(pool(m, 0).free, 1);
	/* exit gives the faulted page back */
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 0).free, 2);
	assert_int_equal(pool(m, 0).resv, 0);
	vmfs_close(m);
}

/* Lengths round up, hints align, and every bad size or place is EINVAL with nothing changed. */
static void test_bad_args(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=2");
	int pid = spawn(m, "htlb"), n0;
	uint64_t a, out = 0;

	a = hmap(m, pid, 0x40001000, 1, HUGE_PRIV);   /* 1 byte: one 2 MiB page, hint aligned up */
	assert_int_equal(a, 0x40200000);
	assert_int_equal(map_at(m, pid, a).end - a, HPAGE);
	n0 = nmaps(m, pid);
	assert_int_equal(vmfs_mmap(m, pid, 0x60001000, HPAGE, RW, HUGE_PRIV | MAP_FIXED, NULL, 0,
				   &out), -EINVAL);
	assert_int_equal(vmfs_mmap(m, pid, 0, HPAGE, RW, HUGE_PRIV | (16 << VMFS_MAP_HUGE_SHIFT),
				   NULL, 0, &out), -EINVAL);
	assert_int_equal(vmfs_mmap(m, pid, 0, HPAGE, RW,
				   MAP_PRIVATE | MAP_ANONYMOUS | VMFS_MAP_HUGE_2MB, NULL, 0, &out),
			 -EINVAL);
	assert_int_equal(vmfs_object_create(m, "obj", NULL, 4 * PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, HPAGE, RW, MAP_SHARED | MAP_HUGETLB, "obj", 0, &out),
			 -EINVAL);
	/* part of a huge page: munmap, mprotect, madvise, mremap refuse */
	assert_int_equal(vmfs_munmap(m, pid, a, PAGE), -EINVAL);
	assert_int_equal(vmfs_munmap(m, pid, a + PAGE, HPAGE - PAGE), -EINVAL);
	assert_int_equal(vmfs_mprotect(m, pid, a, PAGE, PROT_READ), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, a + PAGE, PAGE, VMFS_MADV_DONTNEED), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, a, PAGE, VMFS_MADV_DONTFORK), -EINVAL);
	assert_int_equal(vmfs_madvise(m, pid, a, HPAGE, VMFS_MADV_FREE), -EINVAL);
	assert_int_equal(vmfs_mremap(m, pid, a, HPAGE, 2 * HPAGE, VMFS_MREMAP_MAYMOVE, 0, &out),
			 -EINVAL);
	assert_int_equal(nmaps(m, pid), n0);
	assert_int_equal(map_at(m, pid, a).prot, RW);
	assert_int_equal(pool(m, 0).resv, 1);
	/* the whole page: mprotect works, and the write then segfaults */
	put(m, pid, a, 7);
	assert_int_equal(vmfs_mprotect(m, pid, a, HPAGE, PROT_READ), 0);
	assert_int_equal(vmfs_write(m, pid, a, "x", 1), -EFAULT);
	assert_int_equal(get(m, pid, a), 7);
	assert_int_equal(vmfs_mprotect(m, pid, a, HPAGE, RW), 0);
	put(m, pid, a, 8);
	/* MADV_DONTNEED of its start (end rounded up) drops the page: zeros again */
	assert_int_equal(vmfs_madvise(m, pid, a, PAGE, VMFS_MADV_DONTNEED), 0);
	assert_int_equal(pool(m, 0).free, 2);
	assert_int_equal(get(m, pid, a), 0);
	/* mlock leaves a hugetlb mapping alone: not locked, not split */
	assert_int_equal(vmfs_mlock(m, pid, a, HPAGE, 0), 0);
	assert_false(map_at(m, pid, a).flags & VMFS_MAP_LOCKED);
	assert_int_equal(pstat(m, pid).locked_vm, 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 0).free, 2);
	vmfs_close(m);

	/* 2 MiB pages need 3 levels, 1 GiB 4 */
	m = open_machine("frames=1024,levels=2");
	pid = spawn(m, "htlb");
	assert_int_equal(vmfs_mmap(m, pid, 0, HPAGE, RW, HUGE_PRIV, NULL, 0, &out), -EINVAL);
	vmfs_close(m);
	m = open_machine("frames=1024,levels=3");
	pid = spawn(m, "htlb");
	assert_int_equal(vmfs_mmap(m, pid, 0, GPAGE, RW, HUGE_PRIV | VMFS_MAP_HUGE_1GB, NULL, 0,
				   &out), -EINVAL);
	vmfs_close(m);
}

/*
 * A mapping split on a huge page bound keeps one reservation map for its
 * pieces: each gives back its own unfaulted pages; MAP_FIXED and mremap
 * over part of a huge page are refused; mlockall(MCL_FUTURE) locks no
 * hugetlb mapping.
 */
static void test_split_pieces(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=8192,hugepages=4");
	int pid = spawn(m, "htlb"), n0;
	uint64_t a = hmap(m, pid, 0, 3 * HPAGE, HUGE_PRIV), out = 0, b;

	assert_int_equal(pool(m, 0).resv, 3);
	assert_int_equal(vmfs_mprotect(m, pid, a + HPAGE, HPAGE, PROT_READ), 0);   /* three pieces */
	assert_int_equal(nmaps(m, pid), 3);
	assert_int_equal(map_at(m, pid, a + HPAGE).prot, PROT_READ);
	assert_int_equal(vmfs_munmap(m, pid, a + 2 * HPAGE, HPAGE), 0);
	n0 = nmaps(m, pid);
	assert_int_equal(pool(m, 0).resv, 2);
	assert_int_equal(get(m, pid, a + HPAGE), 0);   /* a read fault in the middle piece */
	assert_int_equal(pool(m, 0).resv, 1);
	assert_int_equal(pool(m, 0).free, 3);
	/* MAP_FIXED over part of a huge page: ENOMEM as 6.1's mmap_region; mremap: EINVAL */
	assert_int_equal(vmfs_mmap(m, pid, a + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   NULL, 0, &out), -ENOMEM);
	b = hmap(m, pid, 0, PAGE, MAP_PRIVATE | MAP_ANONYMOUS);
	assert_int_equal(vmfs_mremap(m, pid, b, PAGE, PAGE, VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED,
				     a + PAGE, &out), -EINVAL);
	assert_int_equal(nmaps(m, pid), n0 + 1);
	/* MAP_FIXED over the whole first piece replaces it, its reservation back */
	assert_int_equal(vmfs_mmap(m, pid, a, HPAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   NULL, 0, &out), 0);
	assert_int_equal(pool(m, 0).resv, 0);
	assert_false(map_at(m, pid, a).flags & VMFS_MAP_HUGETLB);
	/* mlockall(MCL_FUTURE): a new hugetlb mapping is populated (do_mmap's
	 * populate comes from the flags asked) but not locked (mmap_region) */
	assert_int_equal(vmfs_mlockall(m, pid, VMFS_MCL_FUTURE), 0);
	b = hmap(m, pid, 0, HPAGE, HUGE_PRIV);
	assert_false(map_at(m, pid, b).flags & VMFS_MAP_LOCKED);
	assert_int_equal(pool(m, 0).resv, 0);
	assert_int_equal(map_at(m, pid, b).private_hugetlb, 512);
	assert_int_equal(pstat(m, pid).locked_vm, 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 0).free, 4);
	assert_int_equal(pool(m, 0).resv, 0);
	vmfs_close(m);
}

/* Private: fork shares the page read-only, a write copies all 2 MiB. */
static void test_fork_cow(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=3");
	int pid = spawn(m, "htlb"), child;
	uint64_t a = hmap(m, pid, 0, HPAGE, HUGE_PRIV), pp, cp;
	struct vmfs_fault f = { 0 };
	unsigned char c = 0x77;

	put(m, pid, a, 0x11);
	put(m, pid, a + HPAGE - 1, 0x22);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(pool(m, 0).free, 2);   /* shared, not copied */
	assert_int_equal(map_at(m, pid, a).shared_hugetlb, 512);
	assert_int_equal(map_at(m, child, a).shared_hugetlb, 512);
	assert_int_equal(pstat(m, child).hugetlb_pages, 512);
	pp = walk(m, pid, a).paddr;
	assert_int_equal(walk(m, child, a).paddr, pp);
	/* the parent's write copies the whole page */
	assert_int_equal(vmfs_access(m, pid, a + 1, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(f.cow, 1);
	assert_int_equal(pool(m, 0).free, 1);
	cp = walk(m, pid, a).paddr;
	assert_true(cp != pp && cp % HPAGE == 0);
	assert_int_equal(get(m, pid, a), 0x11);   /* copied bytes, both ends */
	assert_int_equal(get(m, pid, a + HPAGE - 1), 0x22);
	assert_int_equal(get(m, pid, a + 1), 0x77);
	assert_int_equal(get(m, child, a + 1), 0);   /* the child's untouched */
	assert_int_equal(get(m, child, a + HPAGE - 1), 0x22);
	assert_int_equal(map_at(m, pid, a).private_hugetlb, 512);
	assert_int_equal(map_at(m, child, a).private_hugetlb, 512);
	/* the child, now the only mapping, writes in place */
	put(m, child, a + 2, 0x33);
	assert_int_equal(walk(m, child, a).paddr, pp);
	assert_int_equal(pool(m, 0).free, 1);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(pool(m, 0).free, 2);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 0).free, 3);
	assert_int_equal(pool(m, 0).resv, 0);
	vmfs_close(m);
}

/* A copy the pool cannot give: SIGBUS (6.1's VM_FAULT_SIGBUS), nothing changed. */
static void test_sigbus(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=1");
	int pid = spawn(m, "htlb"), child;
	uint64_t a = hmap(m, pid, 0, HPAGE, HUGE_PRIV);
	struct vmfs_fault f = { 0 };
	unsigned char c = 1;

	put(m, pid, a, 9);
	child = vmfs_fork(m, pid);
	assert_int_equal(vmfs_access(m, child, a, &c, 1, VMFS_ACCESS_WRITE, &f), -EFAULT);
	assert_int_equal(f.signo, VMFS_SIGBUS);
	assert_int_equal(get(m, child, a), 9);
	assert_int_equal(get(m, pid, a), 9);
	assert_int_equal(vmfs_exit(m, child), 0);
	put(m, pid, a, 10);   /* the only mapping again: in place */
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 0).free, 1);
	vmfs_close(m);
}

/* Shared: one page for the parent and its child, written by both. */
static void test_shared_fork(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=2");
	int pid = spawn(m, "htlb"), child;
	uint64_t a = hmap(m, pid, 0, 2 * HPAGE, HUGE_SHR);

	assert_int_equal(pool(m, 0).resv, 2);
	put(m, pid, a, 0x41);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	put(m, child, a + 1, 0x42);
	assert_int_equal(get(m, pid, a + 1), 0x42);
	assert_int_equal(get(m, child, a), 0x41);
	/* the second page, faulted first by the child, is the parent's too */
	put(m, child, a + HPAGE, 0x43);
	assert_int_equal(get(m, pid, a + HPAGE), 0x43);
	assert_int_equal(pool(m, 0).free, 0);
	assert_int_equal(pool(m, 0).resv, 0);
	assert_int_equal(walk(m, pid, a + HPAGE).paddr, walk(m, child, a + HPAGE).paddr);
	assert_int_equal(map_at(m, pid, a).shared_hugetlb, 1024);
	assert_int_equal(map_at(m, child, a).shared_hugetlb, 1024);
	/* the parent unmaps: the pages stay for the child */
	assert_int_equal(vmfs_munmap(m, pid, a, 2 * HPAGE), 0);
	assert_int_equal(pool(m, 0).free, 0);
	assert_int_equal(get(m, child, a), 0x41);
	assert_int_equal(map_at(m, child, a).private_hugetlb, 1024);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(pool(m, 0).free, 2);
	assert_int_equal(pool(m, 0).resv, 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* 1 GiB: a pud leaf, the walk two levels short, fork and exit (contents=none). */
static void test_1g(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=263168,contents=none,hugepages_1g=1,levels=4");
	int pid = spawn(m, "htlb"), child;
	uint64_t a, out, pm[4];
	struct vmfs_walk w;

	assert_int_equal(pool(m, 1).nr, 1);
	assert_int_equal(vmfs_mmap(m, pid, 0, 2 * GPAGE, RW, HUGE_PRIV | VMFS_MAP_HUGE_1GB, NULL, 0,
				   &out), -ENOMEM);
	a = hmap(m, pid, 0, GPAGE, HUGE_PRIV | VMFS_MAP_HUGE_1GB);
	assert_int_equal(a % GPAGE, 0);
	assert_int_equal(pool(m, 1).resv, 1);
	assert_int_equal(map_at(m, pid, a).page_size, GPAGE);
	put(m, pid, a + GPAGE - 1, 1);   /* contents=none: the bytes are not kept */
	assert_int_equal(pool(m, 1).free, 0);
	assert_int_equal(pool(m, 1).resv, 0);
	w = walk(m, pid, a + 0x2345678);
	assert_int_equal(w.depth, w.levels - 2);   /* ends at the pud */
	assert_int_equal(w.page_shift, 30);
	assert_true(leaf(&w) & VMFS_PTE_PS);
	assert_int_equal(w.paddr % GPAGE, 0x2345678);
	assert_int_equal(vmfs_pagemap(m, pid, a / PAGE - 1, pm, 2), 2);
	assert_false(pm[0] & VMFS_PM_PRESENT);
	assert_true(pm[1] & VMFS_PM_PRESENT);
	assert_int_equal(pm[1] & VMFS_PM_PFN_MASK, (w.paddr & ~(GPAGE - 1)) >> 12);
	assert_int_equal(vmfs_pagemap(m, pid, (a + GPAGE) / PAGE - 2, pm + 2, 2), 2);
	assert_int_equal((pm[3] & VMFS_PM_PFN_MASK) - (pm[2] & VMFS_PM_PFN_MASK), 1);
	assert_int_equal(pm[3] & VMFS_PM_PFN_MASK, ((w.paddr & ~(GPAGE - 1)) >> 12) + 262143);
	assert_int_equal(map_at(m, pid, a).private_hugetlb, 262144);
	{
		unsigned char vec[2] = { 0, 0 };

		assert_int_equal(vmfs_mincore(m, pid, a + GPAGE / 2, 2 * PAGE, vec), 0);
		assert_true(vec[0] == 1 && vec[1] == 1);   /* mincore_hugetlb */
	}
	assert_int_equal(pstat(m, pid).hugetlb_pages, 262144);
	assert_int_equal(vmfs_munmap(m, pid, a + HPAGE, HPAGE), -EINVAL);
	/* mprotect of all of it: the TLB forgets the writable translation */
	assert_int_equal(vmfs_mprotect(m, pid, a, GPAGE, PROT_READ), 0);
	assert_int_equal(vmfs_write(m, pid, a + GPAGE - 1, "x", 1), -EFAULT);
	assert_int_equal(vmfs_mprotect(m, pid, a, GPAGE, RW), 0);
	put(m, pid, a + GPAGE - 1, 2);
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(walk(m, child, a).paddr, walk(m, pid, a).paddr);
	assert_int_equal(map_at(m, child, a).shared_hugetlb, 262144);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 1).free, 0);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(pool(m, 1).free, 1);
	assert_int_equal(pool(m, 1).resv, 0);
	vmfs_close(m);
}

/*
 * Reclaim under pressure evicts 4 KiB pages around a hugetlb page and
 * never it, whichever built-in policy chooses (each hears of the accesses
 * to the hugetlb page, which it never tracks).
 */
static void reclaim_never(const char *policy)
{
	char opts[128];
	vmfs *m;
	int pid;
	uint64_t a, pa, small;
	unsigned char buf[PAGE];

	snprintf(opts, sizeof(opts), "frames=1536,hugepages=1,swap_size=64M,policy=%s", policy);
	m = open_machine(opts);
	pid = spawn(m, "htlb");
	a = hmap(m, pid, 0, HPAGE, HUGE_PRIV);

	put(m, pid, a + 100, 0x99);
	pa = walk(m, pid, a).paddr;
	small = hmap(m, pid, 0, 4096 * (uint64_t)PAGE, MAP_PRIVATE | MAP_ANONYMOUS);
	memset(buf, 3, sizeof(buf));
	for (uint64_t i = 0; i < 4096; i++) {   /* four times what is left */
		assert_int_equal(vmfs_write(m, pid, small + i * PAGE, buf, PAGE), PAGE);
		if (i % 64 == 0)
			assert_int_equal(get(m, pid, a + 200 + i), 0);   /* the policy hears of it */
	}
	assert_true(mstat(m).swap_used > 0);
	assert_int_equal(walk(m, pid, a).paddr, pa);
	assert_int_equal(walk(m, pid, a).state, VMFS_WALK_PRESENT);
	assert_int_equal(get(m, pid, a + 100), 0x99);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(pool(m, 0).free, 1);
	vmfs_close(m);
}

static void test_reclaim_never(void **state)
{
	static const char *const policies[] = { "fifo", "lru", "clock", "arc", "2q", "car",
		"clockpro", "linux", "lirs", "mglru", "random", "s3fifo", "sieve", "wsclock" };

	(void)state;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		reclaim_never(policies[i]);
}

static char *prog;   /* cpu/hugetlb.c, built static; NULL without the CPU */

/* A program on the CPU maps huge pages with MAP_HUGETLB (syscall.c's mmap), or gets ENOMEM. */
static void test_cpu_program(void **state)
{
	(void)state;
	const char *argv[] = { prog, NULL }, *envp[] = { NULL };
	struct vmfs_cpu_status st;
	char out[256];
	ssize_t n;
	unsigned long at;
	int a, b, e1, e2;
	vmfs *m;
	int pid;

	if (!prog)
		skip();
	m = open_machine("frames=4096,hugepages=1");
	pid = load_program(m, argv, envp);
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.exit_code, 0);
	n = vmfs_output(m, pid, 1, 0, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = 0;
	assert_int_equal(sscanf(out, "map %lx %d %d\nmunmap4k %d\nmunmap %d\n", &at, &a, &b, &e1, &e2),
			 5);
	assert_int_equal(at % HPAGE, 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(e1, EINVAL);
	assert_int_equal(e2, 0);
	assert_int_equal(pool(m, 0).free, 1);
	vmfs_close(m);

	m = open_machine("frames=4096");   /* no pool: ENOMEM */
	pid = load_program(m, argv, envp);
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.exit_code, 1 << 8);
	n = vmfs_output(m, pid, 1, 0, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = 0;
	assert_string_equal(out, "mmap failed 12\n");
	vmfs_close(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_fault_2m),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_split_pieces),
		cmocka_unit_test(test_fork_cow),
		cmocka_unit_test(test_sigbus),
		cmocka_unit_test(test_shared_fork),
		cmocka_unit_test(test_1g),
		cmocka_unit_test(test_reclaim_never),
		cmocka_unit_test(test_cpu_program),
	};

	if (argc > 1 && !(prog = realpath(argv[1], NULL))) {   /* exec resolves under root=/ */
		perror(argv[1]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_phys.c - unit tests of src/phys.c: simulated physical memory, the data
 * frame allocator and the page-table frame pool, on a bare struct phys (no
 * machine around it), and last what running the pool dry does to a machine.
 *
 * Covered: the layout (data frames, kernel image, page tables from pt_base)
 * and phys_size; a fresh allocator handing out 0, 1, 2, ... and -1 when
 * exhausted; the frame life cycle (refcount 1 at birth, frame_put returning
 * the frame only at zero, LIFO reuse); zeroing (a reused frame is cleared for
 * zero=true, left alone for zero=false, and FRAME_ZERO lets frame_alloc skip
 * the clearing); the pgalloc/pgfree counters; pt_alloc from pt_base up, LIFO
 * reuse after pt_release, pt_inuse, and exhaustion of the pool; the pool's
 * bound, a quarter of the host's memory and at most PT_MAX_FRAMES; and, on
 * a machine whose pool is made small, sparse writes across the user half
 * until it runs dry: the access that needs a table fails with ENOMEM and
 * keeps no data frame, reads fail alike, spawn and fork fail with ENOMEM,
 * the pages already there are intact, and munmap or exit give the tables
 * back for the next access.  Without contents (contents=none): data frames
 * are never written (not even cleared), reads see zeros and writes go to a
 * sink, and the kernel image keeps its bytes; and the frame's 32-bit swap
 * slot: swap hands out no slot above 2^32 - 1.
 *
 * The buddy allocator (phys.h): a fresh machine's blocks (the largest
 * aligned blocks that fit, orders 0 to 10); order-0 frees on the pcp list
 * (LIFO) until drained, then merged with their buddies up to the largest
 * block; compound pages (aligned, contiguous, head and tails, freed whole
 * back to the buddy lists); an order that no block serves fails and
 * changes nothing; the pcp drained when a larger allocation needs it; and
 * frame_split making 512 ordinary frames of a compound page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "machine.h"
#include "phys.h"
#include "swap.h"

#define NFRAMES 8
#define KPAGES  3

static int setup(void **state)
{
	static struct phys p;

	if (phys_init(&p, NFRAMES, KPAGES, true) < 0)
		return -1;
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	phys_free(*state);
	return 0;
}

static bool page_is(const struct phys *p, uint64_t pfn, uint8_t byte)
{
	const uint8_t *b = pfn_to_virt(p, pfn);

	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (b[i] != byte)
			return false;
	return true;
}

static void test_layout(void **state)
{
	struct phys *p = *state;

	assert_int_equal(p->nframes, NFRAMES);
	assert_int_equal(p->kernel_pages, KPAGES);
	assert_int_equal(p->pt_base, NFRAMES + KPAGES);
	assert_int_equal(p->nfree, NFRAMES);
	assert_int_equal(p->pt_hwm, 0);
	assert_int_equal(p->pt_inuse, 0);
	assert_int_equal(phys_size(p), (uint64_t)(NFRAMES + KPAGES) * PAGE_SIZE);
	assert_ptr_equal(pfn_to_virt(p, 5), p->ram + 5 * PAGE_SIZE);
	assert_true(pfn_is_data(p, NFRAMES - 1));
	assert_false(pfn_is_data(p, NFRAMES));
	for (uint64_t pfn = 0; pfn < NFRAMES; pfn++) {
		const struct frame *f = pfn_frame(p, pfn);

		/* one free block of 8 on the order-3 list: its first frame says so */
		assert_int_equal(f->flags, pfn ? FRAME_FREE | FRAME_ZERO :
				 FRAME_FREE | FRAME_ZERO | FRAME_BUDDY | 3u << FRAME_ORDER_SHIFT);
		assert_int_equal(f->refcount, 0);
		assert_int_equal(f->mapcount, 0);
		assert_true(page_is(p, pfn, 0));
	}
}

static void test_alloc_in_order_then_exhausted(void **state)
{
	struct phys *p = *state;

	for (int64_t want = 0; want < NFRAMES; want++) {
		int64_t pfn = frame_alloc(p, want & 1 ? FRAME_CACHE : FRAME_ANON, true);
		const struct frame *f = pfn_frame(p, (uint64_t)pfn);

		assert_int_equal(pfn, want);
		assert_int_equal(f->flags, want & 1 ? FRAME_CACHE : FRAME_ANON);   /* ZERO gone */
		assert_int_equal(f->refcount, 1);
		assert_int_equal(f->mapcount, 0);
		assert_null(f->mapping);
		assert_int_equal(p->nfree, NFRAMES - 1 - (uint64_t)want);
		assert_int_equal(p->pgalloc, (uint64_t)want + 1);
	}
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), -1);
	assert_int_equal(frame_alloc(p, FRAME_ANON, false), -1);
	assert_int_equal(p->pgalloc, NFRAMES);   /* a failed alloc counts nothing */
	assert_int_equal(p->pgfree, 0);
	/* One back, one out again. */
	frame_put(p, 3);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), 3);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), -1);
}

static void test_refcount_and_lifo_reuse(void **state)
{
	struct phys *p = *state;
	int64_t a = frame_alloc(p, FRAME_ANON, true);
	int64_t b = frame_alloc(p, FRAME_ANON, true);
	int64_t c = frame_alloc(p, FRAME_ANON, true);

	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, 2);

	/* Two owners: the first put keeps the frame. */
	pfn_frame(p, (uint64_t)a)->refcount++;
	frame_put(p, (uint64_t)a);
	assert_int_equal(pfn_frame(p, (uint64_t)a)->refcount, 1);
	assert_int_equal(pfn_frame(p, (uint64_t)a)->flags, FRAME_ANON);
	assert_int_equal(p->nfree, NFRAMES - 3);
	assert_int_equal(p->pgfree, 0);
	/* The last put frees it. */
	frame_put(p, (uint64_t)a);
	assert_int_equal(pfn_frame(p, (uint64_t)a)->refcount, 0);
	assert_int_equal(pfn_frame(p, (uint64_t)a)->flags & FRAME_KIND_MASK, FRAME_FREE);
	assert_int_equal(p->nfree, NFRAMES - 2);
	assert_int_equal(p->pgfree, 1);

	/* LIFO: freed a, c, b in that order, so b, c, a come back, then fresh 3. */
	frame_put(p, (uint64_t)c);
	frame_put(p, (uint64_t)b);
	assert_int_equal(p->pgfree, 3);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), b);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), c);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), a);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), 3);
	assert_int_equal(p->pgalloc, 7);
	assert_int_equal(p->pgalloc - p->pgfree, NFRAMES - p->nfree);
}

static void test_reused_frame_zeroed(void **state)
{
	struct phys *p = *state;
	int64_t pfn = frame_alloc(p, FRAME_ANON, true);

	memset(pfn_to_virt(p, (uint64_t)pfn), 0xcc, PAGE_SIZE);
	frame_put(p, (uint64_t)pfn);
	/* The freed frame is no longer known to be zero. */
	assert_int_equal(pfn_frame(p, (uint64_t)pfn)->flags & FRAME_ZERO, 0);
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), pfn);
	assert_true(page_is(p, (uint64_t)pfn, 0));

	/* Without zero the caller overwrites it, so the old bytes may stay. */
	memset(pfn_to_virt(p, (uint64_t)pfn), 0xdd, PAGE_SIZE);
	frame_put(p, (uint64_t)pfn);
	assert_int_equal(frame_alloc(p, FRAME_CACHE, false), pfn);
	assert_true(page_is(p, (uint64_t)pfn, 0xdd));
}

/*
 * FRAME_ZERO is trusted: a free frame carrying it is not cleared again.
 * (Scribbling on a free frame breaks the invariant on purpose, to see it.)
 */
static void test_frame_zero_skips_clearing(void **state)
{
	struct phys *p = *state;
	uint8_t *next = pfn_to_virt(p, 0);   /* the next frame out */

	assert_true(pfn_frame(p, 0)->flags & FRAME_ZERO);
	next[17] = 0x42;
	assert_int_equal(frame_alloc(p, FRAME_ANON, true), 0);
	assert_int_equal(next[17], 0x42);
	next[17] = 0;
}

static void test_pt_pool(void **state)
{
	struct phys *p = *state;
	uint64_t base = p->pt_base;
	int64_t t0 = pt_alloc(p), t1 = pt_alloc(p), t2 = pt_alloc(p);

	/* Page-table frames come after the data frames and the kernel image. */
	assert_int_equal(t0, base);
	assert_int_equal(t1, base + 1);
	assert_int_equal(t2, base + 2);
	assert_int_equal(p->pt_inuse, 3);
	assert_int_equal(p->pt_hwm, 3);
	assert_int_equal(phys_size(p), (base + 3) * PAGE_SIZE);
	for (int64_t t = t0; t <= t2; t++)
		assert_true(page_is(p, (uint64_t)t, 0));
	/* They are not data frames and take none of them. */
	assert_false(pfn_is_data(p, (uint64_t)t0));
	assert_int_equal(p->nfree, NFRAMES);
	assert_int_equal(p->pgalloc, 0);

	/* Released (zero) frames are reused last-in first-out; hwm stays. */
	pt_release(p, (uint64_t)t0);
	pt_release(p, (uint64_t)t2);
	assert_int_equal(p->pt_inuse, 1);
	assert_int_equal(p->pt_hwm, 3);
	assert_int_equal(phys_size(p), (base + 3) * PAGE_SIZE);
	assert_int_equal(pt_alloc(p), t2);
	assert_int_equal(pt_alloc(p), t0);
	assert_int_equal(pt_alloc(p), base + 3);
	assert_int_equal(p->pt_inuse, 4);
	assert_int_equal(p->pt_hwm, 4);

	/* A table written and cleared again can be released and handed out zero. */
	uint64_t *t = pfn_to_virt(p, (uint64_t)t1);
	t[7] = 0x1234007;
	t[7] = 0;
	pt_release(p, (uint64_t)t1);
	assert_int_equal(pt_alloc(p), t1);
	assert_true(page_is(p, (uint64_t)t1, 0));
}

static void test_pt_pool_exhausted(void **state)
{
	struct phys *p = *state;
	uint64_t saved = p->pt_max;
	int64_t t;

	/* Pretend the pool holds 2 frames (restored before phys_free). */
	p->pt_max = 2;
	assert_int_equal(pt_alloc(p), p->pt_base);
	t = pt_alloc(p);
	assert_int_equal(t, p->pt_base + 1);
	assert_int_equal(pt_alloc(p), -1);
	assert_int_equal(p->pt_inuse, 2);
	/* A released frame can still be had. */
	pt_release(p, (uint64_t)t);
	assert_int_equal(pt_alloc(p), t);
	assert_int_equal(pt_alloc(p), -1);
	p->pt_max = saved;
}

/* ---- the pool's bound ------------------------------------------------------------ */

static void test_pt_pool_bounded_by_host(void **state)
{
	struct phys *p = *state;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t host = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;

	assert_int_equal(pt_pool_max(16ull << 30), 1ull << 20);       /* 4 GiB of tables */
	assert_int_equal(pt_pool_max(256ull << 30), PT_MAX_FRAMES);   /* 64 GiB: the cap */
	assert_int_equal(pt_pool_max((256ull << 30) - 4 * PAGE_SIZE), PT_MAX_FRAMES - 1);
	assert_int_equal(pt_pool_max(1ull << 40), PT_MAX_FRAMES);
	assert_int_equal(pt_pool_max(0), PT_MAX_FRAMES);              /* host unknown */
	/* This host's machine: no more tables than a quarter of its memory. */
	assert_int_equal(p->pt_max, pt_pool_max(host));
	assert_true(p->pt_max <= PT_MAX_FRAMES);
	assert_true(!host || p->pt_max * PAGE_SIZE <= host / 4);
	assert_int_equal(p->reserved, (p->pt_base + p->pt_max) * PAGE_SIZE);
}

/* ---- a machine running out of page-table frames ---------------------------------- */

#define REGION (1ull << 39)   /* one pgd entry at 4 levels: a pud, pmd, pte each */

static int64_t touch(struct vmfs *m, int pid, uint64_t va, unsigned how, char *c,
		     struct vmfs_fault *flt)
{
	memset(flt, 0, sizeof(*flt));
	return access_vm(m, pid, va, c, 1, how, flt);
}

static void test_pt_pool_dry_through_machine(void **state)
{
	struct vmfs *m;
	struct phys *p;
	struct vmfs_fault flt;
	uint64_t saved_max, kernel_tables, nfree;
	int pid, nprocs;
	char c;

	(void)state;
	assert_int_equal(machine_open(&m, "frames=64,levels=4,swap=none"), 0);
	p = &m->phys;
	kernel_tables = p->pt_inuse;
	pid = mm_spawn(m, "sparse");
	assert_true(pid > 0);
	/* The whole user half, touched one page per 512 GiB region. */
	assert_int_equal(do_mmap(m, pid, 0, m->geom.user_top, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL), 0);
	assert_int_equal(p->pt_nfree, 0);
	saved_max = p->pt_max;
	p->pt_max = p->pt_hwm + 7;      /* two regions, and one table of a third */
	c = 'a';
	assert_int_equal(touch(m, pid, 0, VMFS_ACCESS_WRITE, &c, &flt), 1);
	c = 'b';
	assert_int_equal(touch(m, pid, REGION, VMFS_ACCESS_WRITE, &c, &flt), 1);

	/* The third region's pmd is one table too many. */
	nfree = p->nfree;
	c = 'c';
	assert_int_equal(touch(m, pid, 2 * REGION, VMFS_ACCESS_WRITE, &c, &flt), -ENOMEM);
	assert_int_equal(flt.err, -ENOMEM);
	assert_int_equal(flt.addr, 2 * REGION);
	{       /* the kernel log names what ran out */
		static char log[1 << 16];

		klog_read(&m->klog, log, sizeof(log));
		assert_non_null(strstr(log, "page allocation failure at 10000000000: out of page-table frames"));
	}
	assert_int_equal(p->nfree, nfree);              /* the data frame went back */
	assert_int_equal(p->pt_inuse, p->pt_max);
	assert_int_equal(touch(m, pid, 3 * REGION + 5, VMFS_ACCESS_READ, &c, &flt), -ENOMEM);
	assert_int_equal(p->nfree, nfree);
	nprocs = (int)m->nr_procs;
	assert_int_equal(mm_spawn(m, "more"), -ENOMEM);
	assert_int_equal(mm_fork(m, pid), -ENOMEM);
	assert_int_equal(m->nr_procs, nprocs);
	assert_int_equal(touch(m, pid, 0, VMFS_ACCESS_READ, &c, &flt), 1);
	assert_int_equal(c, 'a');
	assert_int_equal(touch(m, pid, REGION, VMFS_ACCESS_READ, &c, &flt), 1);
	assert_int_equal(c, 'b');

	/* munmap gives the first region's tables back: the third can be had. */
	assert_int_equal(do_munmap(m, pid, 0, REGION), 0);
	assert_int_equal(p->pt_inuse, p->pt_max - 3);
	c = 'c';
	assert_int_equal(touch(m, pid, 2 * REGION, VMFS_ACCESS_WRITE, &c, &flt), 1);
	assert_int_equal(touch(m, pid, 2 * REGION, VMFS_ACCESS_READ, &c, &flt), 1);
	assert_int_equal(c, 'c');
	/* And exit gives back every table of the process. */
	assert_int_equal(mm_exit(m, pid), 0);
	assert_int_equal(p->pt_inuse, kernel_tables);
	assert_int_equal(p->nfree, p->nframes);
	p->pt_max = saved_max;
	machine_close(m);
}

static void test_no_contents(void **state)
{
	struct phys p;
	uint8_t *w, *k;
	int64_t pfn;

	(void)state;
	assert_int_equal(phys_init(&p, NFRAMES, KPAGES, false), 0);
	for (uint64_t i = 0; i < NFRAMES; i++) {
		/* Cleared for zero=true?  The host mapping says no: never touched. */
		pfn = frame_alloc(&p, FRAME_ANON, true);
		assert_int_equal(pfn, (int64_t)i);
		w = page_address(&p, (uint64_t)pfn, true);
		assert_ptr_equal(w, p.sink);
		memset(w, 0xab, PAGE_SIZE);
		assert_ptr_equal(page_address(&p, (uint64_t)pfn, false), phys_zero_page);
		assert_int_equal(page_address(&p, (uint64_t)pfn, false)[17], 0);
	}
	for (uint64_t i = 0; i < NFRAMES; i++) {
		unsigned char vec = 1;

		assert_int_equal(mincore(pfn_to_virt(&p, i), PAGE_SIZE, &vec), 0);
		assert_int_equal(vec & 1, 0);   /* no host page behind the frame */
		copy_highpage(&p, i, (i + 1) % NFRAMES);
	}
	/* The kernel image keeps its bytes. */
	k = page_address(&p, NFRAMES, true);
	assert_ptr_equal(k, pfn_to_virt(&p, NFRAMES));
	k[5] = 42;
	assert_int_equal(page_address(&p, NFRAMES, false)[5], 42);
	phys_free(&p);
}

static void test_swap_slots_fit_a_frame(void **state)
{
	struct swap sw;

	(void)state;
	swap_init(&sw, NULL, true, 0);
	sw.next = (uint64_t)UINT32_MAX + 1;   /* as if 2^32 - 1 slots were handed out */
	assert_int_equal(swap_alloc(&sw), -ENOSPC);
	sw.next = 1;
	assert_int_equal(swap_alloc(&sw), 1);
	swap_free(&sw, 1);
	swap_fini(&sw);
}

/* Blocks on each buddy list, as buddyinfo shows them. */
static void expect_buddy(const struct phys *p, const uint64_t want[MAX_ORDER])
{
	for (unsigned o = 0; o < MAX_ORDER; o++) {
		uint64_t n = 0, pfn = p->free_head[o];

		if (pfn != NO_PFN32)
			do {
				assert_true(pfn_frame(p, pfn)->flags & FRAME_BUDDY);
				assert_int_equal(pfn % (1ull << o), 0);
				n++;
				pfn = (uint32_t)pfn_frame(p, pfn)->index;
			} while (pfn != p->free_head[o]);
		assert_int_equal(n, want[o]);
		assert_int_equal(p->nr_free[o], want[o]);
	}
}

static void test_buddy_fresh_blocks(void **state)
{
	struct phys p;
	/* 3000 frames: 2 blocks of 1024, then 512, 256, 128, 32, 16, 8 */
	const uint64_t want[MAX_ORDER] = { [10] = 2, [9] = 1, [8] = 1, [7] = 1, [5] = 1,
					   [4] = 1, [3] = 1 };

	(void)state;
	assert_int_equal(phys_init(&p, 3000, 1, false), 0);
	expect_buddy(&p, want);
	assert_int_equal(p.nfree, 3000);
	/* order 0 takes the smallest block first, its low frame (expand) */
	assert_int_equal(frame_alloc(&p, FRAME_ANON, false), 2992);
	assert_int_equal(frame_alloc(&p, FRAME_ANON, false), 2993);
	phys_free(&p);
}

static void test_buddy_merge_after_drain(void **state)
{
	struct phys p;
	const uint64_t one[MAX_ORDER] = { [10] = 2 };
	int64_t pfn[2048];

	(void)state;
	assert_int_equal(phys_init(&p, 2048, 1, false), 0);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(pfn[i] = frame_alloc(&p, FRAME_ANON, false), i);
	/* every other frame back: the pcp list holds them, LIFO */
	for (int i = 0; i < 2048; i += 2)
		frame_put(&p, (uint64_t)pfn[i]);
	assert_int_equal(p.pcp_count, 1024);
	assert_int_equal(p.nfree, 1024);
	assert_int_equal(frame_alloc(&p, FRAME_ANON, false), 2046);
	frame_put(&p, 2046);
	/* no two free frames are buddies: no order-1 block even after a drain */
	assert_int_equal(frame_alloc_order(&p, 1, FRAME_ANON, false), -1);
	assert_int_equal(p.pcp_count, 0);
	assert_int_equal(p.nr_free[0], 1024);
	assert_int_equal(p.nfree, 1024);
	/* the rest back: everything merges into the two largest blocks */
	for (int i = 1; i < 2048; i += 2)
		frame_put(&p, (uint64_t)pfn[i]);
	drain_all_pages(&p);
	expect_buddy(&p, one);
	assert_int_equal(p.nfree, 2048);
	assert_int_equal(p.pgfree, 2049);   /* 2046 went out and back twice */
	phys_free(&p);
}

static void test_buddy_compound(void **state)
{
	struct phys p;
	const uint64_t one[MAX_ORDER] = { [10] = 1 };
	int64_t a, head, h2;

	(void)state;
	assert_int_equal(phys_init(&p, 1024, 1, true), 0);
	a = frame_alloc(&p, FRAME_ANON, true);
	assert_int_equal(a, 0);
	memset(pfn_to_virt(&p, 0), 0x5a, PAGE_SIZE);
	/* the block above frame 0's order-9 half */
	head = frame_alloc_order(&p, HPAGE_PMD_ORDER, FRAME_ANON, true);
	assert_int_equal(head, 512);
	assert_int_equal(p.nfree, 1024 - 1 - 512);
	assert_int_equal(p.pgalloc, 513);
	assert_int_equal(pfn_frame(&p, 512)->flags, FRAME_ANON | FRAME_HEAD | 9u << FRAME_ORDER_SHIFT);
	assert_int_equal(pfn_frame(&p, 512)->refcount, 1);
	for (uint64_t i = 1; i < 512; i++) {
		assert_int_equal(pfn_frame(&p, 512 + i)->flags, FRAME_TAIL | 9u << FRAME_ORDER_SHIFT);
		assert_int_equal(pfn_frame(&p, 512 + i)->refcount, 0);
		assert_int_equal(compound_head(&p, 512 + i), 512);
		assert_int_equal(frame_order(pfn_frame(&p, 512 + i)), 9);
	}
	assert_int_equal(compound_head(&p, 0), 0);
	assert_int_equal(frame_order(pfn_frame(&p, 0)), 0);
	assert_true(page_is(&p, 1023, 0));
	/* no second order-9 block: -1, nothing changed */
	assert_int_equal(frame_alloc_order(&p, HPAGE_PMD_ORDER, FRAME_ANON, true), -1);
	assert_int_equal(p.nfree, 511);
	assert_int_equal(frame_alloc_order(&p, MAX_ORDER, FRAME_ANON, true), -1);
	/* two references: freed whole at the second put, to the buddy lists */
	frame_get(&p, 512);
	frame_put(&p, 512);
	assert_int_equal(p.nfree, 511);
	frame_put(&p, 512);
	assert_int_equal(p.nfree, 1023);
	assert_int_equal(p.pcp_count, 0);
	assert_int_equal(pfn_frame(&p, 600)->flags & FRAME_KIND_MASK, FRAME_FREE);
	/* frame 0 on the pcp list: an order-10 block needs a drain, then merges */
	frame_put(&p, 0);
	assert_int_equal(p.pcp_count, 1);
	h2 = frame_alloc_order(&p, 10, FRAME_CACHE, false);
	assert_int_equal(h2, 0);
	assert_int_equal(p.nfree, 0);
	frame_put(&p, 0);
	expect_buddy(&p, one);
	phys_free(&p);
}

static void test_buddy_split(void **state)
{
	struct phys p;
	int64_t head;
	int x;

	(void)state;
	assert_int_equal(phys_init(&p, 1024, 1, false), 0);
	head = frame_alloc_order(&p, HPAGE_PMD_ORDER, FRAME_ANON, false);
	assert_int_equal(head, 0);
	pfn_frame(&p, 0)->refcount = 2;
	pfn_frame(&p, 0)->mapcount = 1;
	pfn_frame(&p, 0)->mapping = &x;
	pfn_frame(&p, 0)->index = 1000;
	pfn_frame(&p, 0)->flags |= FRAME_TRACKED;
	frame_split(&p, 0);
	for (uint64_t i = 0; i < 512; i++) {
		const struct frame *f = pfn_frame(&p, i);

		assert_int_equal(f->flags, FRAME_ANON | FRAME_TRACKED);
		assert_int_equal(f->refcount, 2);
		assert_int_equal(f->mapcount, 1);
		assert_ptr_equal(f->mapping, &x);
		assert_int_equal(f->index, 1000 + i);
		assert_int_equal(compound_head(&p, i), i);
	}
	/* each is its own frame now: freed one by one to the pcp list */
	for (uint64_t i = 0; i < 512; i++) {
		pfn_frame(&p, i)->mapcount = 0;
		frame_put(&p, i);
		frame_put(&p, i);
	}
	assert_int_equal(p.pcp_count, 512);
	assert_int_equal(p.nfree, 1024);
	phys_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_in_order_then_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refcount_and_lifo_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_frame_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_zero_skips_clearing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pt_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pt_pool_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pt_pool_bounded_by_host, setup, teardown),
		cmocka_unit_test(test_pt_pool_dry_through_machine),
		cmocka_unit_test(test_no_contents),
		cmocka_unit_test(test_swap_slots_fit_a_frame),
		cmocka_unit_test(test_buddy_fresh_blocks),
		cmocka_unit_test(test_buddy_merge_after_drain),
		cmocka_unit_test(test_buddy_compound),
		cmocka_unit_test(test_buddy_split),
	};

	return cmocka_run_group_tests_name("phys", tests, NULL, NULL);
}

/*
 * test_mm.c - unit tests of src/mm.c: processes, fork with copy-on-write and
 * exit, together with the copy-on-write half of src/memory.c (do_wp_page).
 *
 * Driven through the engine entry points of machine.h on a real machine
 * with a TLB, and checked where the state lives: the leaf entries (walked
 * with pte_offset), the frames behind them (pfn_frame: refcount, mapcount,
 * kind) and the counters.  Covered: fork maps each private page into both
 * processes read-only with the COW bit, one frame with mapcount and refcount
 * 2, no frame copied, the child's entries old; a write copies (the writer
 * gets a new frame with the old bytes, the other keeps its frame, mapcounts
 * back to 1), also when the writer's TLB held a writable entry from before
 * the fork; the last reference takes the page over in place (same pfn, COW
 * cleared) after the other process exits or has copied, for parent and
 * child alike; mprotect cannot make a COW entry writable; three generations
 * share and release one frame; a COW copy with no frame free, and a fork
 * running out of page-table frames at each step, fail with -ENOMEM and
 * change nothing; shared anonymous pages stay shared across fork, with no
 * COW, and a page first touched after fork by the child is the parent's
 * too; exit returns every frame and page table (frames_free and pt_inuse
 * back to their values before spawn), whatever order the family exits in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "error.h"
#include "machine.h"

#define PG        PAGE_SIZE
#define A         0x400000ull            /* private pages */
#define S         0x800000ull            /* shared pages */
#define RW        (PROT_READ | PROT_WRITE)
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define ANON_SHRD (MAP_SHARED | MAP_ANONYMOUS)

/* ---- helpers ---------------------------------------------------------------- */

static int setup(void **state)
{
	struct vmfs *m;

	if (machine_open(&m, "frames=256,tlb=16") < 0)
		return -1;
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	machine_close(*state);
	return 0;
}

static int spawn(struct vmfs *m)
{
	int pid = mm_spawn(m, "mm-test");

	assert_true(pid > 0);
	return pid;
}

static int fork_of(struct vmfs *m, int pid)
{
	int child = mm_fork(m, pid);

	if (child < 0)
		print_error("fork(%d) = %d: %s\n", pid, child, vm_error_msg());
	assert_true(child > 0);
	assert_int_equal(mm_lookup(m, child)->ppid, pid);
	return child;
}

static void map(struct vmfs *m, int pid, uint64_t addr, uint64_t pages, int flags)
{
	uint64_t out = 0;

	assert_int_equal(do_mmap(m, pid, addr, pages * PG, RW, flags | MAP_FIXED, NULL, 0, &out), 0);
	assert_int_equal(out, addr);
}

static void put(struct vmfs *m, int pid, uint64_t addr, char c)
{
	assert_int_equal(access_vm(m, pid, addr, &c, 1, VMFS_ACCESS_WRITE, NULL), 1);
}

static char get(struct vmfs *m, int pid, uint64_t addr)
{
	char c = 0;

	assert_int_equal(access_vm(m, pid, addr, &c, 1, VMFS_ACCESS_READ, NULL), 1);
	return c;
}

static uint64_t leaf(struct vmfs *m, int pid, uint64_t va)
{
	const uint64_t *p = pte_offset(m, mm_lookup(m, pid)->cr3, va);

	assert_non_null(p);
	return *p;
}

static uint64_t pfn_at(struct vmfs *m, int pid, uint64_t va)
{
	uint64_t e = leaf(m, pid, va);

	assert_true(pte_present(e));
	return pte_pfn(e);
}

static const struct frame *frame_at(struct vmfs *m, int pid, uint64_t va)
{
	return pfn_frame(&m->phys, pfn_at(m, pid, va));
}

static void expect_frame(const struct frame *f, uint32_t refcount, uint32_t mapcount,
			 enum frame_kind kind)
{
	assert_int_equal(f->refcount, refcount);
	assert_int_equal(f->mapcount, mapcount);
	assert_int_equal(f->flags & FRAME_KIND_MASK, kind);
}

/* A COW entry: present, read-only, COW set. */
static void expect_cow(uint64_t e)
{
	assert_true(pte_present(e));
	assert_true(e & PTE_COW);
	assert_false(e & PTE_RW);
}

/* A private entry after its COW fault: writable, dirty, COW clear. */
static void expect_writable(uint64_t e)
{
	assert_true(pte_present(e));
	assert_false(e & PTE_COW);
	assert_true(e & PTE_RW);
	assert_true(e & PTE_D);
}

/* ---- fork ------------------------------------------------------------------------ */

static void test_fork_shares_frames_cow(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t pfn[4], nfree;

	map(m, parent, A, 4, ANON_PRIV);
	for (unsigned i = 0; i < 4; i++) {
		put(m, parent, A + i * PG, (char)('P' + i));
		pfn[i] = pfn_at(m, parent, A + i * PG);
		expect_frame(pfn_frame(&m->phys, pfn[i]), 1, 1, FRAME_ANON);
	}
	nfree = m->phys.nfree;
	child = fork_of(m, parent);
	/* fork copies tables, not frames. */
	assert_int_equal(m->phys.nfree, nfree);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t va = A + i * PG, pe = leaf(m, parent, va), ce = leaf(m, child, va);

		assert_int_equal(pte_pfn(pe), pfn[i]);
		assert_int_equal(pte_pfn(ce), pfn[i]);
		expect_frame(pfn_frame(&m->phys, pfn[i]), 2, 2, FRAME_ANON);
		expect_cow(pe);
		expect_cow(ce);
		assert_false(ce & PTE_A);                 /* the child's entries start old */
		assert_true(pe & PTE_A);
	}
	assert_int_equal(mm_lookup(m, child)->c.rss_anon, 4);
	assert_int_equal(mm_lookup(m, child)->vm_pages, 4);
	/* Reading shares on: same frames, nothing copied. */
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(get(m, child, A + i * PG), 'P' + (int)i);
		assert_int_equal(pfn_at(m, child, A + i * PG), pfn[i]);
	}
	assert_int_equal(m->phys.nfree, nfree);
	assert_int_equal(m->cnt.cow_fault, 0);
}

static void test_cow_write_copies(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t old, new, nfree;
	char page[PG], copy[PG];

	map(m, parent, A, 2, ANON_PRIV);
	for (unsigned i = 0; i < PG; i++)
		page[i] = (char)(i * 7);
	assert_int_equal(access_vm(m, parent, A, page, PG, VMFS_ACCESS_WRITE, NULL), PG);
	old = pfn_at(m, parent, A);
	child = fork_of(m, parent);
	nfree = m->phys.nfree;

	put(m, child, A + 5, 'C');
	new = pfn_at(m, child, A);
	assert_true(new != old);
	assert_int_equal(pfn_at(m, parent, A), old);
	assert_int_equal(m->phys.nfree, nfree - 1);
	expect_frame(pfn_frame(&m->phys, old), 1, 1, FRAME_ANON);
	expect_frame(pfn_frame(&m->phys, new), 1, 1, FRAME_ANON);
	expect_writable(leaf(m, child, A));
	expect_cow(leaf(m, parent, A));               /* the parent has not written yet */
	/* The copy holds the old bytes but the one written. */
	assert_int_equal(access_vm(m, child, A, copy, PG, VMFS_ACCESS_READ, NULL), PG);
	page[5] = 'C';
	assert_memory_equal(copy, page, PG);
	assert_int_equal(get(m, parent, A + 5), 5 * 7);
	assert_int_equal(mm_lookup(m, child)->c.cow_flt, 1);
	assert_int_equal(m->cnt.cow_fault, 1);
	/* Page 1 was never touched: one resident page each. */
	assert_int_equal(mm_lookup(m, child)->c.rss_anon, 1);
	assert_int_equal(mm_lookup(m, parent)->c.rss_anon, 1);

	/* The parent is now the last mapping of its frame: it takes it over in place. */
	put(m, parent, A + 5, 'P');
	assert_int_equal(pfn_at(m, parent, A), old);
	expect_writable(leaf(m, parent, A));
	assert_int_equal(m->phys.nfree, nfree - 1);
	assert_int_equal(m->cnt.cow_fault, 2);
	assert_int_equal(get(m, child, A + 5), 'C');
	assert_int_equal(get(m, parent, A + 5), 'P');
}

/*
 * The parent's TLB holds a writable entry for the page from before the
 * fork; the fork must drop it, or the parent would write into the frame the
 * child shares.
 */
static void test_cow_parent_tlb_dropped_at_fork(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t old;

	map(m, parent, A, 1, ANON_PRIV);
	put(m, parent, A, 'a');
	put(m, parent, A, 'b');                        /* the second write hits the TLB */
	assert_true(mm_lookup(m, parent)->c.tlb_hit > 0);
	old = pfn_at(m, parent, A);
	child = fork_of(m, parent);
	put(m, parent, A, 'c');
	assert_int_equal(get(m, child, A), 'b');
	assert_int_equal(get(m, parent, A), 'c');
	assert_int_equal(pfn_at(m, child, A), old);
	assert_true(pfn_at(m, parent, A) != old);
}

static void test_cow_takeover_after_child_exit(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t old, nfree;

	map(m, parent, A, 2, ANON_PRIV);
	put(m, parent, A, 'p');
	put(m, parent, A + PG, 'q');
	old = pfn_at(m, parent, A);
	child = fork_of(m, parent);
	assert_int_equal(mm_exit(m, child), 0);
	assert_null(mm_lookup(m, child));
	/* The entry still says COW, but the frame has one owner left. */
	expect_cow(leaf(m, parent, A));
	expect_frame(pfn_frame(&m->phys, old), 1, 1, FRAME_ANON);
	nfree = m->phys.nfree;
	put(m, parent, A, 'r');
	assert_int_equal(pfn_at(m, parent, A), old);   /* same frame, no copy */
	expect_writable(leaf(m, parent, A));
	assert_int_equal(m->phys.nfree, nfree);
	assert_int_equal(m->cnt.cow_fault, 1);         /* still counted as a COW fault */
	assert_int_equal(get(m, parent, A), 'r');
	assert_int_equal(get(m, parent, A + PG), 'q');
}

static void test_cow_takeover_after_parent_exit(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t old;

	map(m, parent, A, 1, ANON_PRIV);
	put(m, parent, A, 'p');
	old = pfn_at(m, parent, A);
	child = fork_of(m, parent);
	assert_int_equal(mm_exit(m, parent), 0);
	expect_frame(pfn_frame(&m->phys, old), 1, 1, FRAME_ANON);
	put(m, child, A, 'c');
	assert_int_equal(pfn_at(m, child, A), old);
	expect_writable(leaf(m, child, A));
	assert_int_equal(get(m, child, A), 'c');
}

/* mprotect cannot make a COW entry writable: the write still copies. */
static void test_mprotect_keeps_cow(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t old;

	map(m, parent, A, 2, ANON_PRIV);
	put(m, parent, A, 'p');
	old = pfn_at(m, parent, A);
	child = fork_of(m, parent);
	assert_int_equal(do_mprotect(m, parent, A, 2 * PG, PROT_READ), 0);
	assert_int_equal(do_mprotect(m, parent, A, 2 * PG, RW), 0);
	expect_cow(leaf(m, parent, A));
	put(m, parent, A, 'q');
	assert_true(pfn_at(m, parent, A) != old);
	assert_int_equal(get(m, child, A), 'p');
	assert_int_equal(get(m, parent, A), 'q');
}

/* Three generations on one frame: each write peels one mapping off. */
static void test_cow_three_generations(void **state)
{
	struct vmfs *m = *state;
	int p = spawn(m), c, g;
	uint64_t old;

	map(m, p, A, 1, ANON_PRIV);
	put(m, p, A, '1');
	old = pfn_at(m, p, A);
	c = fork_of(m, p);
	g = fork_of(m, c);
	expect_frame(pfn_frame(&m->phys, old), 3, 3, FRAME_ANON);
	expect_cow(leaf(m, g, A));
	put(m, c, A, '2');                             /* copies */
	expect_frame(pfn_frame(&m->phys, old), 2, 2, FRAME_ANON);
	assert_true(pfn_at(m, c, A) != old);
	put(m, g, A, '3');                             /* copies: p still maps it */
	assert_true(pfn_at(m, g, A) != old);
	expect_frame(pfn_frame(&m->phys, old), 1, 1, FRAME_ANON);
	put(m, p, A, '4');                             /* takes over */
	assert_int_equal(pfn_at(m, p, A), old);
	assert_int_equal(get(m, p, A), '4');
	assert_int_equal(get(m, c, A), '2');
	assert_int_equal(get(m, g, A), '3');
	assert_int_equal(m->cnt.cow_fault, 3);
}

/* With no frame free and nothing evictable (dirty pages, no swap) the COW
 * copy fails with -ENOMEM and changes nothing. */
static void test_cow_out_of_frames(void **state)
{
	struct vmfs *m;
	struct vmfs_fault flt;
	int parent, child;
	uint64_t old, ce;
	char c = 'c';

	(void)state;
	assert_int_equal(machine_open(&m, "frames=4,swap=none"), 0);
	parent = spawn(m);
	map(m, parent, A, 4, ANON_PRIV);
	for (unsigned i = 0; i < 4; i++)
		put(m, parent, A + i * PG, (char)('0' + i));
	assert_int_equal(m->phys.nfree, 0);
	old = pfn_at(m, parent, A);
	child = fork_of(m, parent);
	ce = leaf(m, child, A);
	assert_int_equal(access_vm(m, child, A, &c, 1, VMFS_ACCESS_WRITE, &flt), -ENOMEM);
	assert_int_equal(flt.err, -ENOMEM);
	assert_int_equal(flt.si_code, 0);
	assert_int_equal(leaf(m, child, A), ce);
	expect_frame(pfn_frame(&m->phys, old), 2, 2, FRAME_ANON);
	assert_int_equal(get(m, child, A), '0');
	assert_int_equal(m->cnt.cow_fault, 0);
	assert_int_equal(mm_lookup(m, child)->c.segv, 0);
	/* Once the child is gone the parent needs no frame to write. */
	assert_int_equal(mm_exit(m, child), 0);
	put(m, parent, A, 'p');
	assert_int_equal(pfn_at(m, parent, A), old);
	machine_close(m);
}

/*
 * fork running out of page-table frames at every point of the copy: on a
 * fresh machine each time, the pool is cut to k frames more than in use.
 * -ENOMEM, and the frames, the tables, the PIDs and the parent's pages are
 * as before; with enough frames the same fork works.
 */
static const uint64_t fork_where[] = { A, 0x40000000ull, 0x8000000000ull };

static void fork_with_tables(uint64_t k, bool enough)
{
	struct vmfs *m;
	struct phys *p;
	int parent, child, next_pid;
	uint64_t saved_max, nfree, inuse;

	assert_int_equal(machine_open(&m, "frames=64,levels=4"), 0);
	p = &m->phys;
	parent = spawn(m);
	for (unsigned i = 0; i < 3; i++) {
		map(m, parent, fork_where[i], 1, ANON_PRIV);
		put(m, parent, fork_where[i], (char)('a' + i));
	}
	assert_int_equal(p->pt_nfree, 0);     /* every table comes from the high-water mark */
	nfree = p->nfree;
	inuse = p->pt_inuse;
	next_pid = m->next_pid;
	saved_max = p->pt_max;
	p->pt_max = p->pt_hwm + k;
	child = mm_fork(m, parent);
	p->pt_max = saved_max;
	if (enough) {
		assert_true(child > 0);
		for (unsigned i = 0; i < 3; i++) {
			put(m, parent, fork_where[i], 'P');
			assert_int_equal(get(m, child, fork_where[i]), 'a' + (int)i);
		}
	} else {
		assert_int_equal(child, -ENOMEM);
		assert_true(vm_error_msg()[0] != '\0');
		assert_int_equal(p->nfree, nfree);
		assert_int_equal(p->pt_inuse, inuse);
		assert_int_equal(m->next_pid, next_pid);
		assert_int_equal(m->nr_procs, 1);
		for (unsigned i = 0; i < 3; i++) {
			expect_frame(frame_at(m, parent, fork_where[i]), 1, 1, FRAME_ANON);
			put(m, parent, fork_where[i], 'P');
			assert_int_equal(get(m, parent, fork_where[i]), 'P');
		}
	}
	machine_close(m);
}

static void test_fork_out_of_tables(void **state)
{
	(void)state;
	/* The child needs 9 tables at 4 levels: its pgd, then 3 + 2 + 3 below. */
	for (uint64_t k = 0; k < 9; k++)
		fork_with_tables(k, false);
	fork_with_tables(9, true);
}

/* A private page first touched after fork belongs to whoever touched it. */
static void test_private_untouched_at_fork(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;

	map(m, parent, A, 2, ANON_PRIV);
	child = fork_of(m, parent);
	put(m, child, A + PG, 'c');
	assert_int_equal(get(m, parent, A + PG), 0);
	assert_true(pfn_at(m, parent, A + PG) != pfn_at(m, child, A + PG));
	expect_frame(frame_at(m, child, A + PG), 1, 1, FRAME_ANON);
}

/* ---- shared anonymous memory across fork ---------------------------------------------- */

static void test_shared_stays_shared(void **state)
{
	struct vmfs *m = *state;
	int parent = spawn(m), child;
	uint64_t pfn, pe, ce;

	map(m, parent, S, 2, ANON_SHRD);
	put(m, parent, S, 'A');
	pfn = pfn_at(m, parent, S);
	/* One reference for the object's page cache, one for the entry. */
	expect_frame(pfn_frame(&m->phys, pfn), 2, 1, FRAME_CACHE);
	child = fork_of(m, parent);
	pe = leaf(m, parent, S);
	ce = leaf(m, child, S);
	assert_int_equal(pte_pfn(ce), pfn);
	assert_false(pe & PTE_COW);
	assert_false(ce & PTE_COW);
	assert_true(pe & PTE_RW);
	assert_true(ce & PTE_RW);
	expect_frame(pfn_frame(&m->phys, pfn), 3, 2, FRAME_CACHE);
	assert_int_equal(mm_lookup(m, child)->c.rss_shmem, 1);

	/* Writes go to the one frame, with no COW fault. */
	put(m, child, S, 'B');
	assert_int_equal(get(m, parent, S), 'B');
	assert_int_equal(pfn_at(m, child, S), pfn);
	put(m, parent, S, 'C');
	assert_int_equal(get(m, child, S), 'C');
	assert_int_equal(m->cnt.cow_fault, 0);

	/* Page 1 was first touched after the fork, by the child: the parent sees it. */
	put(m, child, S + PG, 'D');
	assert_int_equal(get(m, parent, S + PG), 'D');
	assert_int_equal(pfn_at(m, parent, S + PG), pfn_at(m, child, S + PG));
	expect_frame(frame_at(m, parent, S + PG), 3, 2, FRAME_CACHE);

	/* The child's exit leaves the parent's pages as they were. */
	assert_int_equal(mm_exit(m, child), 0);
	expect_frame(pfn_frame(&m->phys, pfn), 2, 1, FRAME_CACHE);
	assert_int_equal(get(m, parent, S), 'C');
	assert_int_equal(get(m, parent, S + PG), 'D');
}

/* ---- exit ---------------------------------------------------------------------------------- */

/* A family with private, COW, copied and shared pages, then exits in @order. */
static void family_exits(struct vmfs *m, const int *order)
{
	uint64_t free0 = m->phys.nfree, pt0 = m->phys.pt_inuse;
	uint64_t alloc0 = m->phys.pgalloc, freed0 = m->phys.pgfree;
	int pids[3];

	pids[0] = spawn(m);
	map(m, pids[0], A, 8, ANON_PRIV);
	map(m, pids[0], S, 4, ANON_SHRD);
	map(m, pids[0], 0x40000000ull, 1, ANON_PRIV);    /* another pmd table */
	for (unsigned i = 0; i < 8; i++)
		put(m, pids[0], A + i * PG, 'x');
	put(m, pids[0], S, 's');
	put(m, pids[0], 0x40000000ull, 'y');
	assert_int_equal(do_mprotect(m, pids[0], A + 6 * PG, 2 * PG, PROT_READ), 0);
	pids[1] = fork_of(m, pids[0]);
	put(m, pids[1], A, 'c');                         /* a copy */
	put(m, pids[1], S + PG, 't');                    /* a shared page after fork */
	pids[2] = fork_of(m, pids[1]);
	put(m, pids[2], A + PG, 'g');
	put(m, pids[0], A + 2 * PG, 'p');
	assert_true(m->phys.nfree < free0);
	assert_true(m->phys.pt_inuse > pt0);

	for (int i = 0; i < 3; i++)
		assert_int_equal(mm_exit(m, pids[order[i]]), 0);
	assert_int_equal(m->nr_procs, 0);
	assert_int_equal(m->phys.nfree, free0);
	assert_int_equal(m->phys.pt_inuse, pt0);
	assert_int_equal(m->phys.pgalloc - alloc0, m->phys.pgfree - freed0);
	assert_int_equal(mm_exit(m, pids[0]), -ESRCH);
}

static void test_exit_returns_everything(void **state)
{
	static const int orders[][3] = {
		{ 0, 1, 2 }, { 2, 1, 0 }, { 1, 0, 2 }, { 1, 2, 0 }, { 0, 2, 1 }, { 2, 0, 1 },
	};
	struct vmfs *m = *state;

	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		family_exits(m, orders[i]);
	/* PIDs are never reused. */
	assert_int_equal(m->next_pid, 1 + 3 * 6);
}

/* A process that never mapped anything costs one table, returned at exit. */
static void test_spawn_exit_bare(void **state)
{
	struct vmfs *m = *state;
	uint64_t pt0 = m->phys.pt_inuse;
	int pid = spawn(m);
	struct mm *mm = mm_lookup(m, pid);

	assert_int_equal(m->phys.pt_inuse, pt0 + 1);
	assert_int_equal(mm->c.pt_pages, 1);
	assert_int_equal(mm->pid, pid);
	assert_int_equal(mm->ppid, 0);
	assert_int_equal(m->nr_procs, 1);
	assert_int_equal(mm_exit(m, pid), 0);
	assert_int_equal(m->phys.pt_inuse, pt0);
	assert_int_equal(m->nr_procs, 0);
	assert_null(m->procs);
	assert_int_equal(mm_spawn(m, ""), -EINVAL);
	assert_int_equal(mm_spawn(m, "bad\nname"), -EINVAL);
	assert_int_equal(mm_fork(m, pid), -ESRCH);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fork_shares_frames_cow),
		T(test_cow_write_copies),
		T(test_cow_parent_tlb_dropped_at_fork),
		T(test_cow_takeover_after_child_exit),
		T(test_cow_takeover_after_parent_exit),
		T(test_mprotect_keeps_cow),
		T(test_cow_three_generations),
		cmocka_unit_test(test_cow_out_of_frames),
		cmocka_unit_test(test_fork_out_of_tables),
		T(test_private_untouched_at_fork),
		T(test_shared_stays_shared),
		T(test_exit_returns_everything),
		T(test_spawn_exit_bare),
	};
#undef T

	return cmocka_run_group_tests_name("mm", tests, NULL, NULL);
}

/*
 * test_mmap.c - unit tests of src/mmap.c: how mmap, munmap and mprotect
 * split and merge a process's mappings, and what happens to the pages.
 *
 * Driven through the engine entry points of machine.h on a real machine;
 * the mappings are read straight from the process's list (struct vma), the
 * entries from its page tables.  Covered: munmap in the middle splits in two
 * (and frees exactly the pages it covered), at the edges it trims, over a
 * hole it does nothing, across two mappings it trims both; mprotect of a
 * sub-range splits in three, changes the leaf entries' bits (RW, PROT_NONE)
 * and mprotect back merges into one; mmap next to a like mapping merges on
 * either side and when filling a hole, top-down placements merge, unlike
 * ones (prot, private/shared, another object) do not; MAP_FIXED over the
 * middle replaces pages with zero ones and merges when alike;
 * MAP_FIXED_NOREPLACE and calls that fail change nothing; the pieces of a
 * split shared mapping keep their offsets into the object.  At the map
 * count limit (max_map_count, 65530 by default, mappings made for real),
 * every call that would make one more fails with ENOMEM and changes
 * nothing, and every one that would not (a merge, a trim, a MAP_FIXED that
 * merges back, an mprotect that merges) succeeds.  Linux 6.1's anon_vma
 * rules: after fork pieces split before it stay apart in the child, mmap
 * next to a faulted mapping merges except in a child, a changed mapping
 * with an anon_vma does not join a neighbour without one (but the other
 * way round it does), the zero page gives none, a compatible neighbour's is
 * shared, and the map count limit knows all of it.
 *
 * Unmapping touched MAP_SHARED memory runs in a host child process
 * (fork(2)): that path once aborted in the engine (unmap_range dropped the
 * object, and its page cache with it, before zapping the entries still
 * mapping the page; fixed in 374abf1), and should it come back the test
 * fails instead of taking the whole file down.
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
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "machine.h"
#include "object.h"

#define PG        PAGE_SIZE
#define A         0x400000ull           /* a convenient user address */
#define RW        (PROT_READ | PROT_WRITE)
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define ANON_SHRD (MAP_SHARED | MAP_ANONYMOUS)

/* ---- helpers ----------------------------------------------------------------- */

struct fixture {
	struct vmfs *m;
	int          pid;
	struct mm   *mm;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || machine_open(&f->m, "frames=256") < 0)
		return -1;
	f->pid = mm_spawn(f->m, "mmap-test");
	f->mm = mm_lookup(f->m, f->pid);
	if (!f->mm)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	machine_close(f->m);
	free(f);
	return 0;
}

static void map(struct fixture *f, uint64_t addr, uint64_t pages, int prot, int flags)
{
	uint64_t out = 0;
	int rc = do_mmap(f->m, f->pid, addr, pages * PG, prot, flags | MAP_FIXED, NULL, 0, &out);

	if (rc)
		print_error("mmap(%#llx, %llu pages) = %d: %s\n", (unsigned long long)addr,
			    (unsigned long long)pages, rc, vm_error_msg());
	assert_int_equal(rc, 0);
	assert_int_equal(out, addr);
}

static void put(struct fixture *f, uint64_t addr, char c)
{
	assert_int_equal(access_vm(f->m, f->pid, addr, &c, 1, VMFS_ACCESS_WRITE, NULL), 1);
}

static char get(struct fixture *f, uint64_t addr)
{
	char c = 0;

	assert_int_equal(access_vm(f->m, f->pid, addr, &c, 1, VMFS_ACCESS_READ, NULL), 1);
	return c;
}

/* Write 'a' + i at the start of page i of [addr, addr + pages). */
static void fill(struct fixture *f, uint64_t addr, unsigned pages)
{
	for (unsigned i = 0; i < pages; i++)
		put(f, addr + i * PG, (char)('a' + i));
}

static uint64_t frames_used(const struct fixture *f)
{
	return f->m->phys.nframes - f->m->phys.nfree;
}

static uint64_t leaf(const struct fixture *f, uint64_t va)
{
	const uint64_t *p = pte_offset(f->m, f->mm->cr3, va);

	return p ? *p : 0;
}

struct want {
	uint64_t start, end;
	int      prot, flags;
};

/* The process's mappings are exactly @w, in the list and through vma_find. */
static void expect_maps(const struct fixture *f, const struct want *w, size_t n)
{
	const struct vma *v = f->mm->vmas.first;
	uint64_t pages = 0;

	for (size_t i = 0; i < n; i++, v = v->next) {
		if (!v || v->start != w[i].start || v->end != w[i].end)
			print_error("mapping %zu: [%#llx, %#llx), want [%#llx, %#llx)\n", i,
				    v ? (unsigned long long)v->start : 0ull,
				    v ? (unsigned long long)v->end : 0ull,
				    (unsigned long long)w[i].start, (unsigned long long)w[i].end);
		assert_non_null(v);
		assert_int_equal(v->start, w[i].start);
		assert_int_equal(v->end, w[i].end);
		assert_int_equal(v->prot, w[i].prot);
		assert_int_equal(v->flags & ~VMA_ACCOUNT, w[i].flags);
		assert_ptr_equal(vma_find(&f->mm->vmas, w[i].start), v);
		assert_ptr_equal(vma_find(&f->mm->vmas, w[i].end - 1), v);
		pages += (w[i].end - w[i].start) / PG;
	}
	assert_null(v);
	assert_int_equal(f->mm->vmas.count, n);
	assert_int_equal(f->mm->vm_pages, pages);
}

#define EXPECT_MAPS(f, ...)                                                         \
	do {                                                                         \
		static const struct want w_[] = { __VA_ARGS__ };                     \
		expect_maps((f), w_, sizeof(w_) / sizeof(w_[0]));                    \
	} while (0)

static void expect_segv(struct fixture *f, uint64_t addr, unsigned how, int si_code)
{
	struct vmfs_fault flt;
	char c = 'z';

	assert_int_equal(access_vm(f->m, f->pid, addr, &c, 1, how, &flt), -EFAULT);
	assert_int_equal(flt.si_code, si_code);
	assert_int_equal(flt.addr, addr);
}

/* ---- munmap ----------------------------------------------------------------------- */

static void test_munmap_middle_splits(void **state)
{
	struct fixture *f = *state;
	struct vmfs_walk w;

	map(f, A, 8, RW, ANON_PRIV);
	fill(f, A, 8);
	assert_int_equal(frames_used(f), 8);
	assert_int_equal(do_munmap(f->m, f->pid, A + 3 * PG, 2 * PG), 0);
	EXPECT_MAPS(f, { A, A + 3 * PG, RW, ANON_PRIV }, { A + 5 * PG, A + 8 * PG, RW, ANON_PRIV });
	/* Exactly the two pages in the hole went back. */
	assert_int_equal(frames_used(f), 6);
	assert_int_equal(f->mm->c.rss_anon, 6);
	for (unsigned i = 0; i < 8; i++) {
		if (i == 3 || i == 4) {
			expect_segv(f, A + i * PG, VMFS_ACCESS_READ, VMFS_SEGV_MAPERR);
			assert_int_equal(translate(f->m, f->pid, A + i * PG, &w), 0);
			assert_int_equal(w.state, VMFS_WALK_NONE);
			assert_int_equal(w.mapped, 0);
		} else {
			assert_int_equal(get(f, A + i * PG), 'a' + i);
		}
	}
}

static void test_munmap_edges_holes_and_spans(void **state)
{
	struct fixture *f = *state;

	map(f, A, 8, RW, ANON_PRIV);
	fill(f, A, 8);
	/* The head and the tail: trims, no split. */
	assert_int_equal(do_munmap(f->m, f->pid, A, PG), 0);
	assert_int_equal(do_munmap(f->m, f->pid, A + 7 * PG, PG), 0);
	EXPECT_MAPS(f, { A + PG, A + 7 * PG, RW, ANON_PRIV });
	assert_int_equal(frames_used(f), 6);
	/* A hole, and a range reaching past the mapping's ends: fine. */
	assert_int_equal(do_munmap(f->m, f->pid, A + 64 * PG, 16 * PG), 0);
	EXPECT_MAPS(f, { A + PG, A + 7 * PG, RW, ANON_PRIV });
	/* A length that is not a page multiple is rounded up. */
	assert_int_equal(do_munmap(f->m, f->pid, A + 6 * PG, 1), 0);
	EXPECT_MAPS(f, { A + PG, A + 6 * PG, RW, ANON_PRIV });
	/* Across two mappings: the end of one and the start of the other go. */
	map(f, A + 8 * PG, 4, PROT_READ, ANON_PRIV);
	assert_int_equal(do_munmap(f->m, f->pid, A + 4 * PG, 6 * PG), 0);
	EXPECT_MAPS(f, { A + PG, A + 4 * PG, RW, ANON_PRIV },
		       { A + 10 * PG, A + 12 * PG, PROT_READ, ANON_PRIV });
	assert_int_equal(get(f, A + 3 * PG), 'd');
	/* Everything. */
	assert_int_equal(do_munmap(f->m, f->pid, 0, f->m->geom.user_top), 0);
	assert_null(f->mm->vmas.first);
	assert_int_equal(f->mm->vm_pages, 0);
	assert_int_equal(frames_used(f), 0);
	assert_int_equal(f->mm->c.rss_anon, 0);
	assert_int_equal(f->mm->c.pt_pages, 1);
}

/* ---- mprotect ---------------------------------------------------------------------- */

static void test_mprotect_splits_in_three_and_merges_back(void **state)
{
	struct fixture *f = *state;

	map(f, A, 8, RW, ANON_PRIV);
	fill(f, A, 8);
	assert_int_equal(do_mprotect(f->m, f->pid, A + 2 * PG, 4 * PG, PROT_READ), 0);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV },
		       { A + 2 * PG, A + 6 * PG, PROT_READ, ANON_PRIV },
		       { A + 6 * PG, A + 8 * PG, RW, ANON_PRIV });
	/* The entries follow: RW clear inside, set outside; the frames stay. */
	for (unsigned i = 0; i < 8; i++) {
		uint64_t e = leaf(f, A + i * PG);

		assert_true(pte_present(e));
		assert_int_equal(!!(e & PTE_RW), i < 2 || i >= 6);
	}
	expect_segv(f, A + 3 * PG, VMFS_ACCESS_WRITE, VMFS_SEGV_ACCERR);
	assert_int_equal(get(f, A + 3 * PG), 'd');
	assert_int_equal(frames_used(f), 8);

	assert_int_equal(do_mprotect(f->m, f->pid, A + 2 * PG, 4 * PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 8 * PG, RW, ANON_PRIV });
	for (unsigned i = 0; i < 8; i++)
		assert_true(leaf(f, A + i * PG) & PTE_RW);
	put(f, A + 3 * PG, 'X');
	assert_int_equal(get(f, A + 3 * PG), 'X');
	assert_int_equal(frames_used(f), 8);
}

static void test_mprotect_none_and_exec_bits(void **state)
{
	struct fixture *f = *state;
	uint64_t before, e;

	map(f, A, 4, RW, ANON_PRIV);
	fill(f, A, 4);
	before = leaf(f, A + PG);
	/* PROT_NONE: not present to the hardware, the frame kept. */
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, PROT_NONE), 0);
	e = leaf(f, A + PG);
	assert_false(pte_present(e));
	assert_true(e & PTE_PROTNONE);
	assert_false(e & PTE_RW);
	assert_int_equal(pte_pfn(e), pte_pfn(before));
	expect_segv(f, A + PG, VMFS_ACCESS_READ, VMFS_SEGV_ACCERR);
	EXPECT_MAPS(f, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 2 * PG, PROT_NONE, ANON_PRIV },
		       { A + 2 * PG, A + 4 * PG, RW, ANON_PRIV });
	/* EXEC clears NX; back to RW sets it again and merges all. */
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, PROT_READ | PROT_EXEC), 0);
	e = leaf(f, A + PG);
	assert_true(pte_present(e));
	assert_false(e & (PTE_NX | PTE_RW | PTE_PROTNONE));
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 4 * PG, RW, ANON_PRIV });
	e = leaf(f, A + PG);
	assert_int_equal(e & (PTE_P | PTE_RW | PTE_NX | PTE_PROTNONE), PTE_P | PTE_RW | PTE_NX);
	assert_int_equal(get(f, A + PG), 'b');
}

/* mprotect over two unlike neighbours making them alike merges them. */
static void test_mprotect_merges_neighbours(void **state)
{
	struct fixture *f = *state;

	map(f, A, 2, RW, ANON_PRIV);
	map(f, A + 2 * PG, 2, PROT_READ, ANON_PRIV);
	map(f, A + 4 * PG, 2, PROT_EXEC, ANON_PRIV);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV },
		       { A + 2 * PG, A + 4 * PG, PROT_READ, ANON_PRIV },
		       { A + 4 * PG, A + 6 * PG, PROT_EXEC, ANON_PRIV });
	assert_int_equal(do_mprotect(f->m, f->pid, A + 2 * PG, 4 * PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 6 * PG, RW, ANON_PRIV });
}

static void test_mprotect_across_a_hole(void **state)
{
	struct fixture *f = *state;

	map(f, A, 2, RW, ANON_PRIV);
	map(f, A + 3 * PG, 2, RW, ANON_PRIV);
	fill(f, A, 2);
	/* Page A + 2 pages is a hole: as Linux's do_mprotect_pkey, the part
	 * before it ([A + PG, A + 2 PG)) is changed, then -ENOMEM; nothing after. */
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, 3 * PG, PROT_READ), -ENOMEM);
	EXPECT_MAPS(f, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 2 * PG, PROT_READ, ANON_PRIV },
		       { A + 3 * PG, A + 5 * PG, RW, ANON_PRIV });
	assert_false(leaf(f, A + PG) & PTE_RW);
	assert_true(leaf(f, A) & PTE_RW);
	/* Starting in the hole: nothing changes. */
	assert_int_equal(do_mprotect(f->m, f->pid, A + 2 * PG, 2 * PG, PROT_READ), -ENOMEM);
	EXPECT_MAPS(f, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 2 * PG, PROT_READ, ANON_PRIV },
		       { A + 3 * PG, A + 5 * PG, RW, ANON_PRIV });
	assert_int_equal(do_mprotect(f->m, f->pid, A + 1, PG, PROT_READ), -EINVAL);
	assert_int_equal(do_mprotect(f->m, f->pid, A, PG, 0x80), -EINVAL);
	assert_int_equal(do_mprotect(f->m, f->pid, A, 0, 0x80), 0);   /* length 0: nothing to do */
	/* Back, and merged again, across the hole too. */
	assert_int_equal(do_mprotect(f->m, f->pid, A, 5 * PG, RW), -ENOMEM);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV }, { A + 3 * PG, A + 5 * PG, RW, ANON_PRIV });
	assert_true(leaf(f, A + PG) & PTE_RW);
}

/* ---- mmap merging -------------------------------------------------------------------- */

static void test_mmap_adjacent_merges(void **state)
{
	struct fixture *f = *state;

	map(f, A, 2, RW, ANON_PRIV);
	map(f, A + 2 * PG, 2, RW, ANON_PRIV);            /* after */
	EXPECT_MAPS(f, { A, A + 4 * PG, RW, ANON_PRIV });
	map(f, A - 2 * PG, 2, RW, ANON_PRIV);            /* before */
	EXPECT_MAPS(f, { A - 2 * PG, A + 4 * PG, RW, ANON_PRIV });
	map(f, A + 6 * PG, 2, RW, ANON_PRIV);            /* a hole between */
	EXPECT_MAPS(f, { A - 2 * PG, A + 4 * PG, RW, ANON_PRIV },
		       { A + 6 * PG, A + 8 * PG, RW, ANON_PRIV });
	map(f, A + 4 * PG, 2, RW, ANON_PRIV);            /* filling it: three become one */
	EXPECT_MAPS(f, { A - 2 * PG, A + 8 * PG, RW, ANON_PRIV });
	/* Unlike neighbours stay apart. */
	map(f, A + 8 * PG, 1, PROT_READ, ANON_PRIV);
	map(f, A + 9 * PG, 1, PROT_READ, ANON_SHRD);
	map(f, A + 10 * PG, 1, PROT_READ, ANON_SHRD);    /* another object */
	EXPECT_MAPS(f, { A - 2 * PG, A + 8 * PG, RW, ANON_PRIV },
		       { A + 8 * PG, A + 9 * PG, PROT_READ, ANON_PRIV },
		       { A + 9 * PG, A + 10 * PG, PROT_READ, ANON_SHRD },
		       { A + 10 * PG, A + 11 * PG, PROT_READ, ANON_SHRD });
}

/* Top-down placements land next to each other and merge. */
static void test_mmap_topdown_merges(void **state)
{
	struct fixture *f = *state;
	uint64_t a = 0, b = 0, top = f->m->geom.user_top;

	assert_int_equal(do_mmap(f->m, f->pid, 0, 3 * PG, RW, ANON_PRIV, NULL, 0, &a), 0);
	assert_int_equal(a, top - 3 * PG);
	assert_int_equal(do_mmap(f->m, f->pid, 0, PG, RW, ANON_PRIV, NULL, 0, &b), 0);
	assert_int_equal(b, a - PG);
	assert_int_equal(f->mm->vmas.count, 1);
	assert_int_equal(f->mm->vmas.first->start, b);
	assert_int_equal(f->mm->vmas.first->end, top);
	/* A hint in a free range is taken as given. */
	assert_int_equal(do_mmap(f->m, f->pid, A + 1, PG, RW, ANON_PRIV, NULL, 0, &a), 0);
	assert_int_equal(a, A + PG);
}

/* ---- MAP_FIXED ------------------------------------------------------------------------ */

static void test_map_fixed_over_middle(void **state)
{
	struct fixture *f = *state;

	map(f, A, 8, RW, ANON_PRIV);
	fill(f, A, 8);
	map(f, A + 3 * PG, 2, PROT_READ, ANON_PRIV);
	EXPECT_MAPS(f, { A, A + 3 * PG, RW, ANON_PRIV },
		       { A + 3 * PG, A + 5 * PG, PROT_READ, ANON_PRIV },
		       { A + 5 * PG, A + 8 * PG, RW, ANON_PRIV });
	/* The two replaced pages went back; the new ones are untouched. */
	assert_int_equal(frames_used(f), 6);
	assert_true(pte_none(leaf(f, A + 3 * PG)));
	assert_int_equal(get(f, A + 3 * PG), 0);
	assert_int_equal(get(f, A + 2 * PG), 'c');
	assert_int_equal(get(f, A + 5 * PG), 'f');

	/* Alike again: MAP_FIXED RW over [2, 6) makes it one mapping. */
	map(f, A + 2 * PG, 4, RW, ANON_PRIV);
	EXPECT_MAPS(f, { A, A + 8 * PG, RW, ANON_PRIV });
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(get(f, A + i * PG), i >= 2 && i < 6 ? 0 : 'a' + (int)i);
}

static void test_map_fixed_noreplace(void **state)
{
	struct fixture *f = *state;
	uint64_t out = 0;

	map(f, A, 4, RW, ANON_PRIV);
	fill(f, A, 4);
	assert_int_equal(do_mmap(f->m, f->pid, A + 3 * PG, 2 * PG, PROT_READ,
				 ANON_PRIV | MAP_FIXED_NOREPLACE, NULL, 0, &out), -EEXIST);
	EXPECT_MAPS(f, { A, A + 4 * PG, RW, ANON_PRIV });
	assert_int_equal(get(f, A + 3 * PG), 'd');
	/* Next to it, it maps (and merges). */
	assert_int_equal(do_mmap(f->m, f->pid, A + 4 * PG, PG, RW,
				 ANON_PRIV | MAP_FIXED_NOREPLACE, NULL, 0, &out), 0);
	EXPECT_MAPS(f, { A, A + 5 * PG, RW, ANON_PRIV });
}

/* ---- splitting a shared mapping ---------------------------------------------------------- */

/*
 * A split keeps each piece's offset into the object: the parent splits its
 * untouched shared mapping in three, the child (unsplit) writes every page,
 * and each of the parent's pieces faults in the child's page at its offset.
 */
static void test_split_shared_keeps_offsets(void **state)
{
	struct fixture *f = *state;
	int child;

	map(f, A, 4, RW, ANON_SHRD);
	child = mm_fork(f->m, f->pid);
	assert_true(child > 0);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, 2 * PG, PROT_READ), 0);
	EXPECT_MAPS(f, { A, A + PG, RW, ANON_SHRD }, { A + PG, A + 3 * PG, PROT_READ, ANON_SHRD },
		       { A + 3 * PG, A + 4 * PG, RW, ANON_SHRD });
	assert_int_equal(f->mm->vmas.first->next->pgoff, 1);
	assert_int_equal(f->mm->vmas.last->pgoff, 3);
	for (unsigned i = 0; i < 4; i++) {
		char c = (char)('w' + i);

		assert_int_equal(access_vm(f->m, child, A + i * PG, &c, 1, VMFS_ACCESS_WRITE, NULL), 1);
	}
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(get(f, A + i * PG), 'w' + (int)i);
	/* Back to one protection: the pieces are contiguous in the object, so they merge. */
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, 2 * PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 4 * PG, RW, ANON_SHRD });
	assert_int_equal(mm_exit(f->m, child), 0);
	put(f, A + 2 * PG, 'z');
	assert_int_equal(get(f, A + 2 * PG), 'z');
}

/* ---- unmapping touched shared memory (isolated) ------------------------------------------ */

/*
 * Run @scenario in a host child process and require that it exits 0: an
 * engine assertion or crash fails this test only.  The scenario reports a
 * wrong result by returning a distinct non-zero code (no cmocka inside).
 */
static void expect_survives(int (*scenario)(void), const char *what)
{
	int status = 0;
	pid_t child;

	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(scenario());
	assert_int_equal(waitpid(child, &status, 0), child);
	if (WIFSIGNALED(status))
		print_error("%s: the engine died with signal %d\n", what, WTERMSIG(status));
	else if (WEXITSTATUS(status))
		print_error("%s: wrong result, check %d failed\n", what, WEXITSTATUS(status));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * A one-page MAP_SHARED|MAP_ANONYMOUS mapping, written once, then unmapped
 * (munmap) or replaced by a private one (MAP_FIXED).
 */
static int shared_scenario(bool by_map_fixed)
{
	struct vmfs *m;
	uint64_t addr = 0;
	char c = 's';
	int pid;

	if (machine_open(&m, "frames=64") < 0)
		return 10;
	pid = mm_spawn(m, "shared");
	if (do_mmap(m, pid, A, PG, RW, ANON_SHRD | MAP_FIXED, NULL, 0, &addr) < 0)
		return 11;
	if (access_vm(m, pid, A, &c, 1, VMFS_ACCESS_WRITE, NULL) != 1)
		return 12;
	if (by_map_fixed) {
		if (do_mmap(m, pid, A, PG, RW, ANON_PRIV | MAP_FIXED, NULL, 0, &addr) < 0)
			return 13;
		c = 'x';
		if (access_vm(m, pid, A, &c, 1, VMFS_ACCESS_READ, NULL) != 1 || c != 0)
			return 14;
		/* The shared page went back; the new private page, just read, maps
		 * the shared zero page: no frame in use... */
		if (m->phys.nfree != m->phys.nframes)
			return 15;
		/* ...until it is written: then it holds the one frame in use. */
		if (access_vm(m, pid, A, &c, 1, VMFS_ACCESS_WRITE, NULL) != 1 ||
		    m->phys.nfree != m->phys.nframes - 1)
			return 16;
	} else {
		if (do_munmap(m, pid, A, PG) < 0)
			return 13;
		if (m->phys.nfree != m->phys.nframes)   /* the cached page went back */
			return 15;
	}
	machine_close(m);
	return 0;
}

static int munmap_shared_scenario(void)
{
	return shared_scenario(false);
}

static int map_fixed_over_shared_scenario(void)
{
	return shared_scenario(true);
}

/*
 * munmap of the last mapping of a shared object whose page is mapped.
 * (unmap_range drops the mapping - and with it the object and its page
 * cache - before it zaps the page-table entries that still map the page.)
 */
/* ---- the map count limit ---------------------------------------------------------- */

#define OBJ_AT   0x100000000ull    /* an object mapping, 8 pages */
#define SMALL_AT 0x200000000ull    /* one-page mappings, alternately r-- and rw- */

/* A digest of every mapping of the process: a failed call leaves it as it was. */
static uint64_t maps_digest(const struct fixture *f)
{
	uint64_t h = 14695981039346656037ull;

	for (const struct vma *v = f->mm->vmas.first; v; v = v->next) {
		const uint64_t w[5] = { v->start, v->end, (uint64_t)v->prot, (uint64_t)v->flags, v->pgoff };

		for (int i = 0; i < 5; i++)
			h = (h ^ w[i]) * 1099511628211ull;
	}
	return h ^ f->mm->vmas.count ^ f->mm->vm_pages << 32;
}

/* The call @rc made would have passed the limit: ENOMEM, nothing changed. */
#define EXPECT_REFUSED(f, call)                                                      \
	do {                                                                          \
		uint64_t d_ = maps_digest(f);                                         \
		assert_int_equal((call), -ENOMEM);                                    \
		assert_non_null(strstr(vm_error_msg(), "max_map_count"));            \
		assert_int_equal(maps_digest(f), d_);                                 \
	} while (0)

static int obj_map(struct fixture *f, uint64_t addr, uint64_t pages, uint64_t pgoff)
{
	return do_mmap(f->m, f->pid, addr, pages * PG, PROT_READ, MAP_SHARED | MAP_FIXED, "lib",
		       pgoff * PG, NULL);
}

static void test_max_map_count(void **state)
{
	struct fixture *f = *state;
	const uint64_t max = f->m->opt.max_map_count;
	uint64_t i, out, small_rw;

	/* M = [A, A + 6 pages) rw-, the object's pages 0-7 r-- shared, then
	 * one-page mappings up to the limit. */
	map(f, A, 6, RW, ANON_PRIV);
	fill(f, A, 6);
	assert_int_equal(object_create(f->m, "lib", NULL, 16 * PG), 0);
	assert_int_equal(obj_map(f, OBJ_AT, 8, 0), 0);
	for (i = 0; f->mm->vmas.count < max; i++)
		assert_int_equal(do_mmap(f->m, f->pid, SMALL_AT + i * PG, PG, i & 1 ? RW : PROT_READ,
					 ANON_PRIV | MAP_FIXED, NULL, 0, NULL), 0);
	assert_int_equal(f->mm->vmas.count, max);

	/* One more mapping, anywhere, is refused. */
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, 0x400000000ull, PG, RW, ANON_PRIV | MAP_FIXED, NULL, 0, NULL));
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, 0, PG, RW, ANON_PRIV, NULL, 0, &out));
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, 0, PG, RW, ANON_SHRD, NULL, 0, &out));
	/* So is every split: munmap inside M, mprotect of its middle or an end,
	 * MAP_FIXED of something unlike it in its middle, an object mapping at
	 * an offset that does not follow on. */
	EXPECT_REFUSED(f, do_munmap(f->m, f->pid, A + 2 * PG, PG));
	EXPECT_REFUSED(f, do_mprotect(f->m, f->pid, A + PG, PG, PROT_READ));
	EXPECT_REFUSED(f, do_mprotect(f->m, f->pid, A, PG, PROT_READ));
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, A + 2 * PG, PG, PROT_READ, ANON_PRIV | MAP_FIXED, NULL, 0, NULL));
	EXPECT_REFUSED(f, do_mprotect(f->m, f->pid, OBJ_AT + 2 * PG, 2 * PG, PROT_NONE));
	EXPECT_REFUSED(f, obj_map(f, OBJ_AT + 2 * PG, 2, 5));
	for (i = 0; i < 6; i++)
		assert_int_equal(get(f, A + i * PG), 'a' + (int)i);

	/* What ends at no more mappings is done: a mapping that merges, trims,
	 * a MAP_FIXED that merges back, an mprotect of a whole mapping. */
	map(f, A + 6 * PG, 1, RW, ANON_PRIV);
	assert_int_equal(f->mm->vmas.count, max);
	assert_int_equal(vma_find(&f->mm->vmas, A)->end, A + 7 * PG);
	assert_int_equal(do_munmap(f->m, f->pid, A + 6 * PG, PG), 0);
	assert_int_equal(do_munmap(f->m, f->pid, A, PG), 0);
	map(f, A, 1, RW, ANON_PRIV);
	map(f, A + 2 * PG, 2, RW, ANON_PRIV);
	assert_int_equal(obj_map(f, OBJ_AT + 2 * PG, 2, 2), 0);
	assert_int_equal(f->mm->vmas.count, max);
	assert_int_equal(vma_find(&f->mm->vmas, A)->end, A + 6 * PG);
	assert_int_equal(vma_find(&f->mm->vmas, OBJ_AT)->end, OBJ_AT + 8 * PG);
	assert_int_equal(get(f, A + PG), 'b');
	assert_int_equal(get(f, A + 2 * PG), 0);
	assert_int_equal(do_mprotect(f->m, f->pid, A, 6 * PG, PROT_READ), 0);
	assert_int_equal(do_mprotect(f->m, f->pid, A, 6 * PG, RW), 0);
	assert_int_equal(f->mm->vmas.count, max);

	/* An mprotect that merges three mappings into one makes room for a
	 * split in three, and no more.  (The r-- page made writable is charged
	 * and merges with its charged rw- neighbours; an rw- page made r--
	 * would keep VM_ACCOUNT and merge with nothing, as in Linux.) */
	small_rw = SMALL_AT + 2 * PG;
	assert_int_equal(do_mprotect(f->m, f->pid, small_rw, PG, RW), 0);
	assert_int_equal(f->mm->vmas.count, max - 2);
	assert_int_equal(do_mprotect(f->m, f->pid, A + 2 * PG, PG, PROT_READ), 0);
	assert_int_equal(f->mm->vmas.count, max);
	EXPECT_REFUSED(f, do_mprotect(f->m, f->pid, A, PG, PROT_READ));
	EXPECT_REFUSED(f, do_munmap(f->m, f->pid, A + 4 * PG, PG));
	/* munmap of a whole mapping makes room for a munmap that splits. */
	assert_int_equal(do_munmap(f->m, f->pid, SMALL_AT + 4 * PG, PG), 0);
	assert_int_equal(f->mm->vmas.count, max - 1);
	assert_int_equal(do_munmap(f->m, f->pid, A + 4 * PG, PG), 0);
	assert_int_equal(f->mm->vmas.count, max);
	assert_int_equal(get(f, A + 5 * PG), 'f');
}

/* ---- anon_vma: where Linux 6.1 merges and where it does not ------------------------ */

/* The process @pid of @f's machine, as a fixture of its own. */
static struct fixture proc_of(const struct fixture *f, int pid)
{
	struct fixture c = { .m = f->m, .pid = pid, .mm = mm_lookup(f->m, pid) };

	assert_non_null(c.mm);
	return c;
}

/*
 * fork gives each child mapping whose parent mapping has an anon_vma one of
 * its own (anon_vma_fork): pieces split in the parent before the fork,
 * mprotect'ed back, merge in the parent (one anon_vma) and not in the child
 * (two); pieces of a never-faulted mapping merge in both (none); pieces
 * split in the child after the fork share the child's anon_vma and merge.
 */
static void test_merge_after_fork(void **state)
{
	struct fixture *f = *state, c;
	const uint64_t B = A + 16 * PG, C = A + 32 * PG;
	int child;

	map(f, A, 3, RW, ANON_PRIV);
	fill(f, A, 3);
	map(f, B, 3, RW, ANON_PRIV);              /* never touched */
	map(f, C, 3, RW, ANON_PRIV);
	fill(f, C, 3);
	assert_int_equal(vma_find(&f->mm->vmas, A)->pgoff, A >> PAGE_SHIFT);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, PROT_READ), 0);
	assert_int_equal(do_mprotect(f->m, f->pid, B + PG, PG, PROT_READ), 0);
	assert_int_equal(vma_find(&f->mm->vmas, A + PG)->pgoff, (A >> PAGE_SHIFT) + 1);
	child = mm_fork(f->m, f->pid);
	assert_true(child > 0);
	c = proc_of(f, child);

	assert_int_equal(do_mprotect(f->m, child, A + PG, PG, RW), 0);
	assert_int_equal(do_mprotect(f->m, child, B + PG, PG, RW), 0);
	assert_int_equal(do_mprotect(f->m, child, C + PG, PG, PROT_READ), 0);
	assert_int_equal(do_mprotect(f->m, child, C + PG, PG, RW), 0);
	EXPECT_MAPS(&c, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 2 * PG, RW, ANON_PRIV },
		    { A + 2 * PG, A + 3 * PG, RW, ANON_PRIV }, { B, B + 3 * PG, RW, ANON_PRIV },
		    { C, C + 3 * PG, RW, ANON_PRIV });
	assert_int_equal(get(&c, A + PG), 'b');

	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, RW), 0);
	assert_int_equal(do_mprotect(f->m, f->pid, B + PG, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 3 * PG, RW, ANON_PRIV }, { B, B + 3 * PG, RW, ANON_PRIV },
		    { C, C + 3 * PG, RW, ANON_PRIV });
}

/*
 * New memory has no anon_vma: mmap next to a faulted mapping merges with it
 * (its chain is singular), but not in a fork's child, whose copy's chain
 * links the parent's anon_vma too; next to a never-faulted one it merges in
 * both.
 */
static void test_merge_mmap_next_to_faulted(void **state)
{
	struct fixture *f = *state, c;
	const uint64_t B = A + 16 * PG;
	int child;

	map(f, A, 2, RW, ANON_PRIV);
	fill(f, A, 2);
	map(f, B, 2, RW, ANON_PRIV);
	child = mm_fork(f->m, f->pid);
	assert_true(child > 0);
	c = proc_of(f, child);
	map(f, A + 2 * PG, 1, RW, ANON_PRIV);
	map(f, B + 2 * PG, 1, RW, ANON_PRIV);
	EXPECT_MAPS(f, { A, A + 3 * PG, RW, ANON_PRIV }, { B, B + 3 * PG, RW, ANON_PRIV });
	map(&c, A + 2 * PG, 1, RW, ANON_PRIV);
	map(&c, B + 2 * PG, 1, RW, ANON_PRIV);
	EXPECT_MAPS(&c, { A, A + 2 * PG, RW, ANON_PRIV }, { A + 2 * PG, A + 3 * PG, RW, ANON_PRIV },
		    { B, B + 3 * PG, RW, ANON_PRIV });
	/* The merged mapping carries the faulted one's anon_vma. */
	assert_int_not_equal(vma_find(&f->mm->vmas, A + 2 * PG)->anon_vma, 0);
	assert_int_equal(vma_find(&f->mm->vmas, B)->anon_vma, 0);
}

/*
 * is_mergeable_anon_vma is not symmetric: a mapping with an anon_vma,
 * changed to match a neighbour without one, stays apart (the neighbour's
 * chain is empty, not singular); the neighbour changed to match it merges.
 * A read of untouched memory maps the zero page and gives no anon_vma, so
 * the same after a read merges; without the zero page the read takes a
 * frame, and an anon_vma, and it does not.
 */
static void test_merge_anon_vma_asymmetric(void **state)
{
	struct fixture *f = *state;
	const uint64_t B = A + 16 * PG;

	map(f, A + PG, 1, RW, ANON_PRIV);
	put(f, A + PG, 'x');
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, PROT_READ), 0);
	map(f, A, 1, RW, ANON_PRIV);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 2 * PG, RW, ANON_PRIV });
	assert_int_equal(do_mprotect(f->m, f->pid, A, 2 * PG, RW), 0);    /* nothing changes */
	EXPECT_MAPS(f, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 2 * PG, RW, ANON_PRIV });
	assert_int_equal(do_mprotect(f->m, f->pid, A, PG, PROT_READ), 0);
	assert_int_equal(do_mprotect(f->m, f->pid, A, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV });
	assert_int_equal(get(f, A + PG), 'x');

	map(f, B, 1, RW, ANON_PRIV);
	map(f, B + PG, 1, PROT_READ, ANON_PRIV);
	assert_int_equal(get(f, B + PG), 0);                  /* the zero page */
	assert_int_equal(vma_find(&f->mm->vmas, B + PG)->anon_vma, 0);
	assert_int_equal(do_mprotect(f->m, f->pid, B + PG, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV }, { B, B + 2 * PG, RW, ANON_PRIV });
}

static void test_merge_read_without_zero_page(void **state)
{
	struct fixture *f = *state, g;
	const uint64_t B = A + 16 * PG;

	(void)f;
	assert_int_equal(machine_open(&g.m, "frames=256,zero_page=0"), 0);
	g.pid = mm_spawn(g.m, "nozero");
	g.mm = mm_lookup(g.m, g.pid);
	map(&g, B, 1, RW, ANON_PRIV);
	map(&g, B + PG, 1, PROT_READ, ANON_PRIV);
	assert_int_equal(get(&g, B + PG), 0);                 /* a frame of its own */
	assert_int_not_equal(vma_find(&g.mm->vmas, B + PG)->anon_vma, 0);
	assert_int_equal(do_mprotect(g.m, g.pid, B + PG, PG, RW), 0);
	EXPECT_MAPS(&g, { B, B + PG, RW, ANON_PRIV }, { B + PG, B + 2 * PG, RW, ANON_PRIV });
	machine_close(g.m);
}

/*
 * anon_vma_prepare shares a compatible neighbour's anon_vma
 * (find_mergeable_anon_vma: flags alike but for protection, singular
 * chain), so the two merge later when their protections agree.
 */
static void test_merge_shared_anon_vma(void **state)
{
	struct fixture *f = *state;

	map(f, A, 2, RW, ANON_PRIV);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, RW | PROT_EXEC), 0);
	put(f, A, 'a');
	put(f, A + PG, 'b');
	assert_int_equal(vma_find(&f->mm->vmas, A)->anon_vma,
			 vma_find(&f->mm->vmas, A + PG)->anon_vma);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV });
}

/*
 * map_count_after knows the rule: at max_map_count an mprotect that splits
 * one mapping and merges the piece into its neighbour is allowed where the
 * anon_vmas let it merge (the parent) and refused where they do not (the
 * child), with nothing changed.
 */
static void test_merge_map_count(void **state)
{
	struct fixture *f = *state, c;
	uint64_t max;
	int child;

	map(f, A, 1, RW, ANON_PRIV);
	map(f, A + PG, 2, PROT_READ, ANON_PRIV);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, 2 * PG, RW), 0);
	fill(f, A, 3);
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, 2 * PG, PROT_READ), 0);
	child = mm_fork(f->m, f->pid);
	assert_true(child > 0);
	c = proc_of(f, child);
	max = 2;
	assert_int_equal(options_sysctl(&f->m->opt, "vm.max_map_count", NULL, &max), 0);
	assert_int_equal(do_mprotect(f->m, child, A + PG, PG, RW), -ENOMEM);
	EXPECT_MAPS(&c, { A, A + PG, RW, ANON_PRIV }, { A + PG, A + 3 * PG, PROT_READ, ANON_PRIV });
	assert_int_equal(do_mprotect(f->m, f->pid, A + PG, PG, RW), 0);
	EXPECT_MAPS(f, { A, A + 2 * PG, RW, ANON_PRIV }, { A + 2 * PG, A + 3 * PG, PROT_READ, ANON_PRIV });
}

static void test_munmap_touched_shared(void **state)
{
	(void)state;
	expect_survives(munmap_shared_scenario, "munmap of a touched MAP_SHARED page");
}

static void test_map_fixed_over_touched_shared(void **state)
{
	(void)state;
	expect_survives(map_fixed_over_shared_scenario, "MAP_FIXED over a touched MAP_SHARED page");
}

/* ---- limits: a lowered max_map_count, a hostile run on the page-table pool ------------ */

/*
 * A limit lowered (vm.max_map_count) under what a process has takes
 * nothing away: calls that do not add to its count work, those that add
 * are ENOMEM until it is back under the limit.
 */
static void test_max_map_count_lowered(void **state)
{
	struct fixture *f = *state;
	uint64_t low = 4, out;

	for (int i = 0; i < 8; i++)
		map(f, A + (uint64_t)i * 2 * PG, 1, RW, ANON_PRIV);
	fill(f, A, 1);
	assert_int_equal(options_sysctl(&f->m->opt, "vm.max_map_count", NULL, &low), 0);
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, 0, PG, RW, ANON_PRIV, NULL, 0, &out));
	assert_int_equal(do_mprotect(f->m, f->pid, A, PG, RW | PROT_EXEC), 0);  /* no split */
	map(f, A + PG, 1, RW | PROT_EXEC, ANON_PRIV);                          /* merges */
	assert_int_equal(f->mm->vmas.count, 8);
	assert_int_equal(do_munmap(f->m, f->pid, A + 4 * PG, PG), 0);        /* a whole one */
	assert_int_equal(f->mm->vmas.count, 7);
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, A + 5 * PG, PG, PROT_EXEC, ANON_PRIV | MAP_FIXED, NULL, 0, NULL));
	assert_int_equal(get(f, A), 'a');
	for (int i = 3; i < 6; i++)
		assert_int_equal(do_munmap(f->m, f->pid, A + (uint64_t)i * 2 * PG, PG), 0);
	assert_int_equal(f->mm->vmas.count, 4);
	EXPECT_REFUSED(f, do_mmap(f->m, f->pid, 0, PG, RW, ANON_PRIV, NULL, 0, &out));
	assert_int_equal(do_munmap(f->m, f->pid, A + 12 * PG, PG), 0);
	assert_int_equal(do_mmap(f->m, f->pid, 0, PG, RW, ANON_PRIV, NULL, 0, &out), 0);
	assert_int_equal(f->mm->vmas.count, 4);
}

/*
 * A hostile sequence on the page-table pool: the whole user half mapped,
 * then one page touched every @stride bytes (2 MiB: a pte table per page;
 * 1 GiB: a pmd and a pte; 512 GiB: a pud too) at 5 and 6 levels, with the
 * pool cut to 64 frames more than it holds.  The touch that needs one
 * table too many fails with ENOMEM and a kmsg line "out of page-table
 * frames", keeps no data frame, uses every frame of the pool and no more;
 * every page touched before reads back; fork is ENOMEM; munmap gives every
 * table back, and the same run then works again.
 */
static void hostile_run(int levels, uint64_t stride)
{
	char opts[64], c, log[1 << 14];
	struct vmfs *m;
	struct phys *p;
	struct vmfs_fault flt;
	uint64_t va, touched = 0, nfree, pt_before;
	int pid;

	snprintf(opts, sizeof(opts), "frames=128,levels=%d,swap=none", levels);
	assert_int_equal(machine_open(&m, opts), 0);
	p = &m->phys;
	pid = mm_spawn(m, "hostile");
	assert_true(pid > 0);
	assert_int_equal(do_mmap(m, pid, 0, m->geom.user_top, RW, ANON_PRIV | MAP_FIXED, NULL, 0, NULL), 0);
	p->pt_max = p->pt_hwm + 64;
	pt_before = p->pt_inuse;
	for (va = 0;; va += stride, touched++) {
		int64_t rc;

		assert_true(va < m->geom.user_top);
		c = (char)('a' + touched % 26);
		nfree = p->nfree;
		memset(&flt, 0, sizeof(flt));
		rc = access_vm(m, pid, va, &c, 1, VMFS_ACCESS_WRITE, &flt);
		if (rc == -ENOMEM)
			break;
		assert_int_equal(rc, 1);
	}
	assert_true(touched >= 64 / (uint64_t)(levels - 1));
	assert_int_equal(flt.err, -ENOMEM);
	assert_int_equal(p->nfree, nfree);             /* the data frame went back */
	assert_int_equal(p->pt_inuse, p->pt_max);      /* the pool, all of it, no more */
	assert_true(p->pt_hwm <= p->pt_max);
	klog_read(&m->klog, log, sizeof(log));
	assert_non_null(strstr(log, "out of page-table frames"));
	assert_int_equal(mm_fork(m, pid), -ENOMEM);
	assert_int_equal(m->nr_procs, 1);
	for (uint64_t i = 0; i < touched; i++) {
		assert_int_equal(access_vm(m, pid, i * stride, &c, 1, VMFS_ACCESS_READ, NULL), 1);
		assert_int_equal(c, (char)('a' + i % 26));
	}
	assert_int_equal(do_munmap(m, pid, 0, m->geom.user_top), 0);
	assert_int_equal(p->pt_inuse, pt_before);
	assert_int_equal(p->nfree, p->nframes);
	c = 'z';
	assert_int_equal(access_vm(m, pid, 0, &c, 1, VMFS_ACCESS_WRITE, NULL), -EFAULT);
	assert_int_equal(do_mmap(m, pid, 0, m->geom.user_top, RW, ANON_PRIV | MAP_FIXED, NULL, 0, NULL), 0);
	for (uint64_t i = 0; i < touched; i++)
		assert_int_equal(access_vm(m, pid, i * stride, &c, 1, VMFS_ACCESS_WRITE, NULL), 1);
	machine_close(m);
}

static void test_pt_pool_hostile(void **state)
{
	(void)state;
	for (int levels = 5; levels <= 6; levels++) {
		hostile_run(levels, 2ull << 20);
		hostile_run(levels, 1ull << 30);
		hostile_run(levels, 512ull << 30);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_munmap_middle_splits),
		T(test_munmap_edges_holes_and_spans),
		T(test_mprotect_splits_in_three_and_merges_back),
		T(test_mprotect_none_and_exec_bits),
		T(test_mprotect_merges_neighbours),
		T(test_mprotect_across_a_hole),
		T(test_mmap_adjacent_merges),
		T(test_mmap_topdown_merges),
		T(test_map_fixed_over_middle),
		T(test_map_fixed_noreplace),
		T(test_split_shared_keeps_offsets),
		T(test_max_map_count),
		cmocka_unit_test(test_munmap_touched_shared),
		cmocka_unit_test(test_map_fixed_over_touched_shared),
		T(test_max_map_count_lowered),
		cmocka_unit_test(test_pt_pool_hostile),
		T(test_merge_after_fork),
		T(test_merge_mmap_next_to_faulted),
		T(test_merge_anon_vma_asymmetric),
		T(test_merge_read_without_zero_page),
		T(test_merge_shared_anon_vma),
		T(test_merge_map_count),
	};
#undef T

	return cmocka_run_group_tests_name("mmap", tests, NULL, NULL);
}

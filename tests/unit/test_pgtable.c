/*
 * test_pgtable.c - unit tests of src/pgtable.c and the page-table helpers of
 * pgtable.h, partly on a real machine (machine.h) so that the tables live in
 * simulated RAM where the hardware-like walk puts them.
 *
 * Covered: pt_geom_init for 2..6 levels (va_bits, user_top, kernel_base);
 * pt_index and pt_shift at every level for crafted addresses, including the
 * 7-bit top index of a 6-level machine; va_canonical on both sides of the
 * edges of 30/39/48/57-bit spaces and everywhere at 64 bits; a real walk at
 * every depth: after mmap and a write, pte_offset and translate() agree and
 * every level's entry is read back from RAM at table + 8 * index, with the
 * bits an intermediate and a leaf entry must carry; the steps of pgtable.h
 * (pgd_offset, pt_entry_offset, pt_descend, pte_alloc_kernel) landing on
 * the entries the full walk finds; walk_page_range visiting exactly the
 * non-zero leaves of a range in address order, across leaf-table and
 * upper-table boundaries, stopping on a non-zero return, and its
 * upper_entry hook seeing each upper entry depth first, before the entries
 * below it; and, with free_empty (through munmap), tables released as they
 * empty until mm->c.pt_pages and phys.pt_inuse are back where they started.
 */
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

#define RW        (PROT_READ | PROT_WRITE)
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)

/* ---- helpers --------------------------------------------------------------- */

static struct vmfs *open_levels(int levels, const char *more)
{
	struct vmfs *m = NULL;
	char opts[128];
	int rc;

	snprintf(opts, sizeof(opts), "levels=%d,frames=512%s", levels, more);
	rc = machine_open(&m, opts);
	if (rc)
		print_error("machine_open(\"%s\") = %d: %s\n", opts, rc, vm_error_msg());
	assert_int_equal(rc, 0);
	return m;
}

static int spawn(struct vmfs *m)
{
	int pid = mm_spawn(m, "pgtable-test");

	assert_true(pid > 0);
	return pid;
}

static void map_fixed(struct vmfs *m, int pid, uint64_t addr, uint64_t len, int prot)
{
	uint64_t out = 0;
	int rc = do_mmap(m, pid, addr, len, prot, ANON_PRIV | MAP_FIXED, NULL, 0, &out);

	if (rc)
		print_error("mmap(%#llx, %#llx) = %d: %s\n", (unsigned long long)addr,
			    (unsigned long long)len, rc, vm_error_msg());
	assert_int_equal(rc, 0);
	assert_int_equal(out, addr);
}

static void write_u64(struct vmfs *m, int pid, uint64_t addr, uint64_t val)
{
	assert_int_equal(access_vm(m, pid, addr, &val, sizeof(val), VMFS_ACCESS_WRITE, NULL),
			 sizeof(val));
}

static uint64_t ram_u64(const struct vmfs *m, uint64_t paddr)
{
	uint64_t v;

	memcpy(&v, m->phys.ram + paddr, sizeof(v));
	return v;
}

/* An address whose index at level l is idx[l] (levels counted from the top). */
static uint64_t compose(const struct pt_geom *g, const unsigned *idx)
{
	uint64_t va = 0;

	for (int l = 0; l < g->levels; l++)
		va |= (uint64_t)idx[l] << pt_shift(g, l);
	return va;
}

/* ---- geometry ---------------------------------------------------------------- */

static void test_geom(void **state)
{
	static const struct {
		int      levels, va_bits;
		uint64_t user_top, kernel_base;
	} want[] = {
		{ 2, 30, 1ull << 29, 0xffffffffe0000000ull },
		{ 3, 39, 1ull << 38, 0xffffffc000000000ull },
		{ 4, 48, 1ull << 47, 0xffff800000000000ull },
		{ 5, 57, 1ull << 56, 0xff00000000000000ull },
		{ 6, 64, 1ull << 63, 0x8000000000000000ull },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pt_geom g;

		pt_geom_init(&g, want[i].levels);
		assert_int_equal(g.levels, want[i].levels);
		assert_int_equal(g.va_bits, want[i].va_bits);
		assert_int_equal(g.user_top, want[i].user_top);
		assert_int_equal(g.kernel_base, want[i].kernel_base);
		/* The leaf level indexes bits 12-20, each level up 9 more. */
		assert_int_equal(pt_shift(&g, g.levels - 1), 12);
		assert_int_equal(pt_shift(&g, 0), 12 + 9 * (g.levels - 1));
		assert_true(va_is_user(&g, g.user_top - 1));
		assert_false(va_is_user(&g, g.user_top));
	}
}

static void test_index_every_level(void **state)
{
	static const unsigned idx[6] = { 3, 511, 0, 256, 1, 170 };

	(void)state;
	for (int levels = 2; levels <= 6; levels++) {
		struct pt_geom g;
		uint64_t va;

		pt_geom_init(&g, levels);
		va = compose(&g, idx) | 0xabc;   /* the page offset indexes nothing */
		for (int l = 0; l < levels; l++)
			assert_int_equal(pt_index(&g, va, l), idx[l]);
		/* All ones: 511 everywhere (but the 7-bit top of 6 levels). */
		for (int l = 0; l < levels; l++)
			assert_int_equal(pt_index(&g, ~0ull, l), levels == 6 && l == 0 ? 127 : 511);
		/* One page up from a table's last entry carries into the level above. */
		assert_int_equal(pt_index(&g, (512ull << 12) - 1, levels - 1), 511);
		assert_int_equal(pt_index(&g, 512ull << 12, levels - 1), 0);
		assert_int_equal(pt_index(&g, 512ull << 12, levels - 2), 1);
	}
}

static void test_index_six_level_top(void **state)
{
	struct pt_geom g;

	(void)state;
	pt_geom_init(&g, 6);
	/* Bits 57-63: seven bits, 0..127, the upper half from 64. */
	assert_int_equal(pt_shift(&g, 0), 57);
	assert_int_equal(pt_index(&g, 0, 0), 0);
	assert_int_equal(pt_index(&g, 1ull << 57, 0), 1);
	assert_int_equal(pt_index(&g, (1ull << 63) - 1, 0), 63);
	assert_int_equal(pt_index(&g, 1ull << 63, 0), 64);
	assert_int_equal(pt_index(&g, 0xfe00000000000000ull, 0), 127);
	assert_int_equal(pt_index(&g, 0xffffffffffffffffull, 0), 127);
	assert_int_equal(pt_index(&g, g.kernel_base, 0), 64);
	/* The level below indexes bits 48-56. */
	assert_int_equal(pt_index(&g, 0x01ff000000000000ull, 1), 511);
	assert_int_equal(pt_index(&g, 0x0001000000000000ull, 1), 1);
}

static void test_canonical(void **state)
{
	static const struct {
		int      levels;
		uint64_t va;
		bool     ok;
	} cases[] = {
		{ 2, 0, true }, { 2, 0x1fffffff, true }, { 2, 0x20000000, false },
		{ 2, 0xffffffffe0000000ull, true }, { 2, 0xffffffffdfffffffull, false },
		{ 3, 0x3fffffffffull, true }, { 3, 0x4000000000ull, false },
		{ 3, 0xffffffc000000000ull, true }, { 3, 0xffffffbfffffffffull, false },
		{ 4, 0, true }, { 4, 0x00007fffffffffffull, true }, { 4, 0x0000800000000000ull, false },
		{ 4, 0xffff800000000000ull, true }, { 4, 0xffff7fffffffffffull, false },
		{ 4, 0xffffffffffffffffull, true }, { 4, 0x8000000000000000ull, false },
		{ 4, 0x7fffffffffffffffull, false },
		{ 5, 0x00ffffffffffffffull, true }, { 5, 0x0100000000000000ull, false },
		{ 5, 0xff00000000000000ull, true }, { 5, 0xfeffffffffffffffull, false },
		{ 5, 0x00007fffffffffffull, true }, { 5, 0x0000800000000000ull, true },
		{ 5, 0xffffffffffffffffull, true },
		{ 6, 0, true }, { 6, 0x7fffffffffffffffull, true }, { 6, 0x8000000000000000ull, true },
		{ 6, 0x0000800000000000ull, true }, { 6, 0x0100000000000000ull, true },
		{ 6, 0xffffffffffffffffull, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_geom g;

		pt_geom_init(&g, cases[i].levels);
		if (va_canonical(&g, cases[i].va) != cases[i].ok)
			print_error("levels %d: va_canonical(%#llx) should be %d\n", cases[i].levels,
				    (unsigned long long)cases[i].va, cases[i].ok);
		assert_int_equal(va_canonical(&g, cases[i].va), cases[i].ok);
	}
	/* user_top - 1 and kernel_base are the two edges at every depth. */
	for (int levels = 2; levels <= 6; levels++) {
		struct pt_geom g;

		pt_geom_init(&g, levels);
		assert_true(va_canonical(&g, g.user_top - 1));
		assert_true(va_canonical(&g, g.kernel_base));
		assert_int_equal(va_canonical(&g, g.user_top), levels == 6);
		assert_int_equal(va_canonical(&g, g.kernel_base - 1), levels == 6);
	}
}

static void test_entry_helpers(void **state)
{
	uint64_t e = mk_pte(0x12345, PTE_P | PTE_RW | PTE_NX);

	(void)state;
	assert_int_equal(pte_pfn(e), 0x12345);
	assert_true(pte_present(e));
	assert_true(pte_resident(e));
	assert_false(pte_none(e));
	assert_false(pte_is_swap(e));
	assert_true(pte_none(0));
	assert_true(pte_resident(mk_pte(9, PTE_PROTNONE)));
	assert_false(pte_present(mk_pte(9, PTE_PROTNONE)));
	assert_true(pte_is_swap(mk_pte(9, PTE_SWAP)));
	assert_false(pte_resident(mk_pte(9, PTE_SWAP)));
	/* The pfn field is bits 12-51: NX and the low flags stay out of it. */
	assert_int_equal(pte_pfn(PTE_NX | 0xfff), 0);
	assert_int_equal(pte_pfn(~0ull), (1ull << 40) - 1);
}

/* ---- a walk at every depth ------------------------------------------------------ */

static void walk_at(int levels)
{
	static const unsigned idx[6] = { 3, 5, 7, 11, 13, 17 };
	struct vmfs *m = open_levels(levels, "");
	const struct pt_geom *g = &m->geom;
	int pid = spawn(m);
	struct mm *mm = mm_lookup(m, pid);
	uint64_t va = compose(g, idx) + 0x123, page = va & PAGE_MASK;
	uint64_t *ptep, magic = 0x1122334455667788ull, got = 0;
	struct vmfs_walk w;

	assert_non_null(mm);
	assert_true(va_is_user(g, va));
	/* No tables yet below the top one: pte_offset finds none. */
	assert_null(pte_offset(m, mm->cr3, va));
	assert_int_equal(mm->c.pt_pages, 1);

	map_fixed(m, pid, page, PAGE_SIZE, RW);
	write_u64(m, pid, va, magic);
	/* One table per level on the way to the page. */
	assert_int_equal(mm->c.pt_pages, (uint64_t)levels);

	assert_int_equal(translate(m, pid, va, &w), 0);
	assert_int_equal(w.levels, levels);
	assert_int_equal(w.depth, levels);
	assert_int_equal(w.state, VMFS_WALK_PRESENT);
	assert_int_equal(w.level[0].table, mm->cr3 << PAGE_SHIFT);
	for (int l = 0; l < levels; l++) {
		uint64_t e = w.level[l].entry;

		assert_int_equal(w.level[l].index, idx[l]);
		assert_int_equal(w.level[l].index, pt_index(g, va, l));
		/* The entry is really there in simulated RAM. */
		assert_int_equal(ram_u64(m, w.level[l].table + 8ull * w.level[l].index), e);
		if (l < levels - 1) {
			/* An intermediate user entry: P|RW|US, accessed by the walk. */
			assert_int_equal(e & ~PTE_PFN_MASK, PTE_TABLE_USER | PTE_A);
			assert_int_equal(pte_pfn(e) << PAGE_SHIFT, w.level[l + 1].table);
			assert_true(pte_pfn(e) >= m->phys.pt_base);
		} else {
			/* The leaf: a data frame, written, user, writable, no-exec. */
			assert_int_equal(e & ~PTE_PFN_MASK,
					 PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_SOFT_DIRTY | PTE_NX);
			assert_true(pfn_is_data(&m->phys, pte_pfn(e)));
			assert_int_equal(w.paddr, (pte_pfn(e) << PAGE_SHIFT) | 0x123);
		}
	}
	/* pte_offset lands on the same leaf entry, in RAM. */
	ptep = pte_offset(m, mm->cr3, va);
	assert_non_null(ptep);
	assert_int_equal(pt_paddr(&m->phys, ptep),
			 w.level[levels - 1].table + 8ull * w.level[levels - 1].index);
	assert_int_equal(*ptep, w.level[levels - 1].entry);
	/* And the frame holds what was written. */
	assert_int_equal(phys_read(m, w.paddr, &got, sizeof(got)), sizeof(got));
	assert_int_equal(got, magic);

	/* A neighbour under another top-level entry has no tables. */
	assert_null(pte_offset(m, mm->cr3, va + (1ull << pt_shift(g, 0))));
	/* A neighbour in the same leaf table: an entry, but none. */
	ptep = pte_offset(m, mm->cr3, page + PAGE_SIZE);
	assert_non_null(ptep);
	assert_true(pte_none(*ptep));

	/* The kernel half: shared kernel tables, supervisor-only, the first image page. */
	ptep = pte_offset(m, mm->cr3, g->kernel_base);
	assert_non_null(ptep);
	assert_true(pte_present(*ptep));
	assert_false(*ptep & PTE_US);
	assert_int_equal(pte_pfn(*ptep), m->phys.nframes);
	assert_ptr_equal(ptep, pte_offset(m, m->kernel_pgd, g->kernel_base));
	machine_close(m);
}

static void test_walk_every_depth(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++)
		walk_at(levels);
}

/* ---- walk_page_range --------------------------------------------------------------- */

struct recorder {
	uint64_t va[4096];
	size_t   n;
	size_t   stop_after;   /* return 7 after this many calls; 0 = never */
};

static int record(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct recorder *r = arg;

	assert_false(pte_none(*ptep));
	assert_ptr_equal(ptep, pte_offset(m, mm->cr3, va));
	assert_true(r->n < sizeof(r->va) / sizeof(r->va[0]));
	r->va[r->n++] = va;
	return r->stop_after && r->n == r->stop_after ? 7 : 0;
}

static const struct mm_walk_ops record_ops = { .pte_entry = record };
static const struct mm_walk_ops record_free_ops = { .pte_entry = record, .free_empty = true };

/* What upper_entry saw: the entry last seen at each level, and counts. */
struct upper_log {
	uint64_t *ep[8];       /* the entry last visited at each level */
	uint64_t  va[8];
	size_t    n_upper, n_leaf;
};

static int log_upper(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level, void *arg)
{
	struct upper_log *u = arg;
	uint64_t span = 1ull << pt_shift(&m->geom, level);

	assert_true(level >= 0 && level < m->geom.levels - 1);
	assert_true(pte_present(*ep));
	assert_int_equal(va & (span - 1), 0);
	/* Depth first: the entry lies in the table the entry above points at. */
	if (level == 0)
		assert_ptr_equal(ep, pgd_offset(m, mm, va));
	else
		assert_ptr_equal(ep, pt_entry_offset(&m->phys, &m->geom, pte_pfn(*u->ep[level - 1]),
						     level, va));
	assert_true(!u->ep[level] || va > u->va[level]);   /* address order */
	u->ep[level] = ep;
	u->va[level] = va;
	for (int l = level + 1; l < 8; l++)
		u->ep[l] = NULL;
	u->n_upper++;
	return 0;
}

static int log_leaf(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct upper_log *u = arg;
	int last = m->geom.levels - 2;

	(void)mm;
	/* The upper entry just visited at the level above maps this leaf's table. */
	assert_non_null(u->ep[last]);
	assert_ptr_equal(ptep, pt_entry_offset(&m->phys, &m->geom, pte_pfn(*u->ep[last]),
					       m->geom.levels - 1, va));
	u->n_leaf++;
	return 0;
}

static const struct mm_walk_ops log_ops = { .upper_entry = log_upper, .pte_entry = log_leaf };

/* The region used by the range tests: 8 MiB across a boundary of the level above the pmd. */
static uint64_t region_base(const struct pt_geom *g)
{
	uint64_t b = 1ull << 30;

	if (b > g->user_top / 2)
		b = g->user_top / 2;
	return b - (4ull << 20);
}

#define REGION_PAGES 2048u

/* Pages touched by the range tests: a spread-out irregular set and both ends. */
static bool touched(unsigned i)
{
	return i == 0 || i == REGION_PAGES - 1 || i % 37 == 5 || (i >= 510 && i <= 514) ||
	       (i >= 1020 && i < 1030);
}

/* Expect the recorder to hold exactly the touched pages in [start, end), in order. */
static void expect_visits(const struct recorder *r, uint64_t base, uint64_t start, uint64_t end)
{
	size_t n = 0;

	for (unsigned i = 0; i < REGION_PAGES; i++) {
		uint64_t va = base + (uint64_t)i * PAGE_SIZE;

		if (!touched(i) || va < start || va >= end)
			continue;
		assert_true(n < r->n);
		if (r->va[n] != va)
			print_error("visit %zu: %#llx, want %#llx\n", n,
				    (unsigned long long)r->va[n], (unsigned long long)va);
		assert_int_equal(r->va[n], va);
		n++;
	}
	assert_int_equal(r->n, n);
}

static void range_walk_at(int levels)
{
	struct vmfs *m = open_levels(levels, "");
	const struct pt_geom *g = &m->geom;
	int pid = spawn(m);
	struct mm *mm = mm_lookup(m, pid);
	uint64_t base = region_base(g), end = base + REGION_PAGES * PAGE_SIZE;
	uint64_t pt_pages, pt_inuse;
	struct recorder *r = calloc(1, sizeof(*r));
	static const struct {
		uint64_t lo, hi;     /* in pages from base */
	} ranges[] = {
		{ 0, REGION_PAGES }, { 3, REGION_PAGES - 5 }, { 511, 513 }, { 512, 512 },
		{ 5, 6 }, { 6, 42 }, { 1024, 1025 }, { 1000, 1100 }, { 0, 1 },
		{ REGION_PAGES - 1, REGION_PAGES },
	};

	assert_non_null(r);
	map_fixed(m, pid, base, end - base, RW);
	for (unsigned i = 0; i < REGION_PAGES; i++)
		if (touched(i))
			write_u64(m, pid, base + (uint64_t)i * PAGE_SIZE, i);
	/* A PROT_NONE page keeps a (non-present, non-zero) entry: still a leaf. */
	assert_int_equal(do_mprotect(m, pid, base + 5 * PAGE_SIZE, PAGE_SIZE, PROT_NONE), 0);
	pt_pages = mm->c.pt_pages;
	pt_inuse = m->phys.pt_inuse;

	for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++) {
		uint64_t s = base + ranges[k].lo * PAGE_SIZE, e = base + ranges[k].hi * PAGE_SIZE;

		r->n = 0;
		r->stop_after = 0;
		assert_int_equal(walk_page_range(m, mm, s, e, &record_ops, r), 0);
		expect_visits(r, base, s, e);
	}
	/* The whole user half finds the same leaves and nothing else. */
	r->n = 0;
	assert_int_equal(walk_page_range(m, mm, 0, g->user_top, &record_ops, r), 0);
	expect_visits(r, base, base, end);
	/* A non-zero return stops the walk and comes back. */
	r->n = 0;
	r->stop_after = 3;
	assert_int_equal(walk_page_range(m, mm, base, end, &record_free_ops, r), 7);
	assert_int_equal(r->n, 3);
	/* Walking, even with free_empty, frees nothing while entries remain. */
	r->n = 0;
	r->stop_after = 0;
	assert_int_equal(walk_page_range(m, mm, 0, g->user_top, &record_free_ops, r), 0);
	assert_int_equal(mm->c.pt_pages, pt_pages);
	assert_int_equal(m->phys.pt_inuse, pt_inuse);
	/* upper_entry: every table but the top one is below exactly one upper entry. */
	{
		struct upper_log u = { 0 };

		assert_int_equal(walk_page_range(m, mm, 0, g->user_top, &log_ops, &u), 0);
		assert_int_equal(u.n_leaf, r->n);
		assert_int_equal(u.n_upper, mm->c.pt_pages - 1);
	}
	free(r);
	machine_close(m);
}

/* The per-level steps land where the full walk does. */
static void steps_at(int levels)
{
	struct vmfs *m = open_levels(levels, "");
	const struct pt_geom *g = &m->geom;
	int pid = spawn(m);
	struct mm *mm = mm_lookup(m, pid);
	uint64_t base = region_base(g), *ep, *ptep, pfn = mm->cr3;
	uint64_t inuse;
	int l;

	map_fixed(m, pid, base, 4 * PAGE_SIZE, RW);
	write_u64(m, pid, base, 1);
	ptep = pte_offset(m, mm->cr3, base);
	assert_non_null(ptep);
	assert_ptr_equal(pgd_offset(m, mm, base), &pt_table(&m->phys, mm->cr3)[pt_index(g, base, 0)]);
	for (l = 0; l < levels - 1; l++) {
		ep = pt_entry_offset(&m->phys, g, pfn, l, base);
		assert_true(pte_present(*ep));
		pfn = pte_pfn(*ep);
	}
	assert_ptr_equal(pt_entry_offset(&m->phys, g, pfn, levels - 1, base), ptep);
	/* pt_descend: as far as tables exist, or stopping at the first failing entry. */
	assert_int_equal(pt_descend(&m->phys, g, mm->cr3, 0, base, PTE_P, PTE_P, &ep), levels - 1);
	assert_ptr_equal(ep, ptep);
	assert_int_equal(pt_descend(&m->phys, g, mm->cr3, 0, base, PTE_UPPER_MASK, PTE_UPPER_PLAIN,
				    &ep), levels - 1);
	assert_ptr_equal(ep, ptep);
	assert_int_equal(pt_descend(&m->phys, g, mm->cr3, 0, base, PTE_P, 0, &ep), 0);
	assert_ptr_equal(ep, pgd_offset(m, mm, base));
	l = pt_descend(&m->phys, g, mm->cr3, 0, g->user_top - PAGE_SIZE, PTE_P, PTE_P, &ep);
	if (levels > 1 && pt_index(g, g->user_top - PAGE_SIZE, 0) != pt_index(g, base, 0)) {
		assert_int_equal(l, 0);
		assert_int_equal(*ep, 0);
	}
	/* The kernel image's entries exist: pte_alloc_kernel finds them, allocating nothing. */
	inuse = m->phys.pt_inuse;
	ptep = pte_alloc_kernel(m, g->kernel_base);
	assert_ptr_equal(ptep, pte_offset(m, m->kernel_pgd, g->kernel_base));
	assert_int_equal(pte_pfn(*ptep), m->phys.nframes);
	assert_int_equal(m->phys.pt_inuse, inuse);
	assert_ptr_equal(pgd_offset_k(m, g->kernel_base),
			 &pt_table(&m->phys, m->kernel_pgd)[pt_index(g, g->kernel_base, 0)]);
	assert_int_equal(*pgd_offset_k(m, g->kernel_base), *pgd_offset(m, mm, g->kernel_base));
	machine_close(m);
}

static void test_steps_every_depth(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++)
		steps_at(levels);
}

static void test_walk_range_every_depth(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++)
		range_walk_at(levels);
}

/* munmap zaps with free_empty: emptied tables go back, step by step, to the start. */
static void free_empty_at(int levels)
{
	struct vmfs *m = open_levels(levels, "");
	const struct pt_geom *g = &m->geom;
	int pid = spawn(m);
	struct mm *mm = mm_lookup(m, pid);
	uint64_t base = region_base(g), end = base + REGION_PAGES * PAGE_SIZE;
	uint64_t pages0 = mm->c.pt_pages, inuse0 = m->phys.pt_inuse, pages1, inuse1;
	const uint64_t *pgd = pt_table(&m->phys, mm->cr3);

	assert_int_equal(pages0, 1);
	map_fixed(m, pid, base, end - base, RW);
	for (unsigned i = 0; i < REGION_PAGES; i++)
		if (touched(i))
			write_u64(m, pid, base + (uint64_t)i * PAGE_SIZE, i);
	pages1 = mm->c.pt_pages;
	inuse1 = m->phys.pt_inuse;
	/* 2048 pages = 4 leaf tables, plus the tables above them. */
	assert_true(pages1 >= pages0 + 4);
	assert_int_equal(inuse1 - inuse0, pages1 - pages0);

	/* Unmapping the first leaf table's worth (it starts 2 MiB-aligned) frees it. */
	assert_int_equal(base % (2ull << 20), 0);
	assert_int_equal(do_munmap(m, pid, base, 2ull << 20), 0);
	assert_int_equal(mm->c.pt_pages, pages1 - 1);
	assert_int_equal(m->phys.pt_inuse, inuse1 - 1);
	/* Half of the second leaf table: it still has entries and stays. */
	assert_int_equal(do_munmap(m, pid, base + (2ull << 20), 1ull << 20), 0);
	assert_int_equal(mm->c.pt_pages, pages1 - 1);
	/* All of it: back to the top table alone, and the user half of it all zero. */
	assert_int_equal(do_munmap(m, pid, base, end - base), 0);
	assert_int_equal(mm->c.pt_pages, pages0);
	assert_int_equal(m->phys.pt_inuse, inuse0);
	for (unsigned i = 0; i < pt_index(g, g->kernel_base, 0); i++)
		assert_int_equal(pgd[i], 0);
	machine_close(m);
}

static void test_free_empty_every_depth(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++)
		free_empty_at(levels);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geom),
		cmocka_unit_test(test_index_every_level),
		cmocka_unit_test(test_index_six_level_top),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_entry_helpers),
		cmocka_unit_test(test_walk_every_depth),
		cmocka_unit_test(test_steps_every_depth),
		cmocka_unit_test(test_walk_range_every_depth),
		cmocka_unit_test(test_free_empty_every_depth),
	};

	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}

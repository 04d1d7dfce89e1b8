/*
 * test_rmap.c - unit tests of src/rmap.c's walk and of vmscan.c's
 * page_referenced, the clock's reference test, for what they cost.
 *
 * A page mapped by many processes (a private page shared by a fork family
 * of 100, a shared anonymous page mapped by 100) must cost one reverse-map
 * walk per test: about one table walk per mapper (cnt.rmap_lookups), never
 * one walk per accessed bit cleared (about 5,000 table walks for 100
 * mappers).  Checked besides: clearing clears the accessed bit of every
 * entry mapping the page, and only those, and answers 1 if any was set;
 * a second test then answers 0; asking without clearing changes no entry
 * and stops at the first bit set; a page whose bits are set in only some
 * entries is cleared in those.
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

#include "machine.h"
#include "vmscan.h"

#define NPROC 100
#define RW    (PROT_READ | PROT_WRITE)

struct family {
	struct vmfs *m;
	int          pid[NPROC];   /* pid[0] the parent, the others its children */
	uint64_t     va, pfn;
};

static uint64_t *entry(struct family *f, int i)
{
	return pte_offset(f->m, mm_lookup(f->m, f->pid[i])->cr3, f->va);
}

/* A page written by a parent, then mapped by NPROC processes through fork. */
static void family_make(struct family *f, int flags)
{
	char byte = 7;

	assert_int_equal(machine_open(&f->m, "frames=64,tlb=16"), 0);
	f->pid[0] = mm_spawn(f->m, "parent");
	assert_true(f->pid[0] > 0);
	assert_int_equal(do_mmap(f->m, f->pid[0], 0, PAGE_SIZE, RW, flags, NULL, 0, &f->va), 0);
	assert_int_equal(access_vm(f->m, f->pid[0], f->va, &byte, 1, VMFS_ACCESS_WRITE, NULL), 1);
	for (int i = 1; i < NPROC; i++) {
		f->pid[i] = mm_fork(f->m, f->pid[0]);
		assert_true(f->pid[i] > 0);
	}
	f->pfn = pte_pfn(*entry(f, 0));
	assert_int_equal(pfn_frame(&f->m->phys, f->pfn)->mapcount, NPROC);
	for (int i = 0; i < NPROC; i++)
		assert_int_equal(pte_pfn(*entry(f, i)), f->pfn);
}

/* Every process reads the page: every entry's accessed bit set. */
static void family_touch(struct family *f, int every)
{
	char byte;

	for (int i = 0; i < NPROC; i += every)
		assert_int_equal(access_vm(f->m, f->pid[i], f->va, &byte, 1, VMFS_ACCESS_READ, NULL), 1);
}

static int accessed(struct family *f)
{
	int n = 0;

	for (int i = 0; i < NPROC; i++)
		n += (*entry(f, i) & PTE_A) != 0;
	return n;
}

/* One test with clearing: answers @want, costs at most a walk per mapper. */
static void check_clear(struct family *f, int want)
{
	f->m->cnt.rmap_lookups = 0;
	assert_int_equal(page_referenced(f->m, f->pfn, true), want);
	assert_true(f->m->cnt.rmap_lookups <= NPROC);
	assert_int_equal(accessed(f), 0);
}

static void test_clear_walks_once(int flags)
{
	struct family f;

	family_make(&f, flags);
	family_touch(&f, 1);
	assert_int_equal(accessed(&f), NPROC);
	check_clear(&f, 1);
	check_clear(&f, 0);
	/* Only some entries referenced: those cleared, one walk. */
	family_touch(&f, 7);
	assert_int_equal(accessed(&f), (NPROC + 6) / 7);
	check_clear(&f, 1);
	assert_int_equal(pfn_frame(&f.m->phys, f.pfn)->mapcount, NPROC);
	machine_close(f.m);
}

static void test_private_family(void **state)
{
	(void)state;
	test_clear_walks_once(MAP_PRIVATE | MAP_ANONYMOUS);
}

static void test_shared_mappers(void **state)
{
	(void)state;
	test_clear_walks_once(MAP_SHARED | MAP_ANONYMOUS);
}

/* Asking without clearing changes nothing and stops at the first bit set. */
static void test_ask_only(void **state)
{
	struct family f;
	char byte;

	(void)state;
	family_make(&f, MAP_PRIVATE | MAP_ANONYMOUS);
	family_touch(&f, 1);
	check_clear(&f, 1);
	assert_int_equal(page_referenced(f.m, f.pfn, false), 0);
	assert_int_equal(access_vm(f.m, f.pid[NPROC / 2], f.va, &byte, 1, VMFS_ACCESS_READ, NULL), 1);
	f.m->cnt.rmap_lookups = 0;
	assert_int_equal(page_referenced(f.m, f.pfn, false), 1);
	assert_true(f.m->cnt.rmap_lookups <= NPROC);
	assert_int_equal(accessed(&f), 1);
	machine_close(f.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_family),
		cmocka_unit_test(test_shared_mappers),
		cmocka_unit_test(test_ask_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

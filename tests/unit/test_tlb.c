/*
 * test_tlb.c - tlb.h alone: the 4 KiB set and the huge sets (2 MiB, 1 GiB)
 * as lookups, fills and flushes see them, with addresses and entry values
 * made up (no machine: the 1 GiB set has no user on main yet, a hugetlb
 * pud leaf will fill it).
 *
 * What stays true: each test makes its own TLB and frees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tlb.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

static uint64_t word;   /* a leaf entry's place, any will do */

/* Sizes follow tlb=N: N / 2 and N / 16, at least 1; none with N == 0. */
static void test_sizes(void **state)
{
	struct tlb t;
	uint64_t used[3];

	(void)state;
	assert_int_equal(tlb_init(&t, 64), 0);
	assert_int_equal(t.hn[TLB_2M], 32);
	assert_int_equal(t.hn[TLB_1G], 4);
	tlb_used(&t, used);
	assert_int_equal(used[0] + used[1] + used[2], 0);
	tlb_free(&t);
	assert_int_equal(tlb_init(&t, 0), 0);
	uint64_t mask;
	assert_null(tlb_lookup(&t, 0x1000, &mask));
	tlb_fill_huge(&t, GIB, 30, 0x1234, &word);
	tlb_flush_range(&t, 0, GIB);
	tlb_free(&t);
}

/* A 1 GiB entry serves every address of its page, with the offset bits of 1 GiB. */
static void test_1g(void **state)
{
	struct tlb t;
	struct tlb_entry *e;
	uint64_t mask, used[3];

	(void)state;
	assert_int_equal(tlb_init(&t, 64), 0);
	tlb_fill_huge(&t, 3 * GIB + 5 * MIB, 30, (0x40000ull << 12) | 0x67, &word);
	e = tlb_lookup(&t, 3 * GIB + 1000 * MIB + 123, &mask);
	assert_non_null(e);
	assert_int_equal(mask, GIB - 1);
	assert_int_equal(e->ptep, &word);
	assert_null(tlb_lookup(&t, 4 * GIB, &mask));
	assert_null(tlb_lookup(&t, 3 * GIB - 1, &mask));
	tlb_used(&t, used);
	assert_int_equal(used[2], 1);
	/* INVLPG of any 4 KiB page inside drops it */
	tlb_flush_page(&t, (3 * GIB + 700 * MIB) >> 12);
	assert_null(tlb_lookup(&t, 3 * GIB, &mask));
	/* a range overlapping its last byte drops it; one ending before it does not */
	tlb_fill_huge(&t, 3 * GIB, 30, 0x67, &word);
	tlb_flush_range(&t, 2 * GIB, 3 * GIB);
	assert_non_null(tlb_lookup(&t, 3 * GIB, &mask));
	tlb_flush_range(&t, 4 * GIB - 4096, 4 * GIB);
	assert_null(tlb_lookup(&t, 3 * GIB, &mask));
	/* another shift fills nothing */
	tlb_fill_huge(&t, 3 * GIB, 22, 0x67, &word);
	tlb_used(&t, used);
	assert_int_equal(used[0] + used[1] + used[2], 0);
	tlb_free(&t);
}

/* 4 KiB entries first; a 2 MiB range flush drops both kinds, and only its own. */
static void test_2m_and_4k(void **state)
{
	struct tlb t;
	uint64_t mask, used[3];

	(void)state;
	assert_int_equal(tlb_init(&t, 8), 0);   /* a range longer than the small set: the scan */
	tlb_fill(&t, (8 * MIB + 4096) >> 12, 0x67, &word);
	tlb_fill_huge(&t, 10 * MIB, 21, 0x67, &word);
	assert_int_equal(tlb_lookup(&t, 8 * MIB + 4096 + 9, &mask)->tag, ((8 * MIB + 4096) >> 12) + 1);
	assert_int_equal(mask, 4095);
	assert_non_null(tlb_lookup(&t, 11 * MIB, &mask));
	assert_int_equal(mask, 2 * MIB - 1);
	tlb_flush_range(&t, 8 * MIB, 10 * MIB);
	assert_null(tlb_lookup(&t, 8 * MIB + 4096, &mask));
	assert_non_null(tlb_lookup(&t, 10 * MIB, &mask));
	tlb_flush_all(&t);
	tlb_used(&t, used);
	assert_int_equal(used[0] + used[1] + used[2], 0);
	tlb_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_1g),
		cmocka_unit_test(test_2m_and_4k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_cold.c - MADV_COLD's deactivation under each built-in policy with a
 * deactivate hook (policy.h, policy_deactivate), through the public API:
 * a page made cold is evicted sooner under pressure than the same page
 * left alone, and, where the policy's rule says so, it is the very next
 * victim; the policies without a hook (fifo, random, lirs) keep their
 * order, COLD clearing only the accessed bits.
 *
 * The scene, the same for every policy: 16 frames filled by pages 0..15 of
 * a private anonymous mapping, each read four times more in order (page
 * 15, loaded and used last, the most recently used); then COLD on one page
 * x (or not, the control); then new pages written one at a time, each
 * needing a frame, until page x is out.  What stays true: every run
 * opens its own machine and closes it.
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

#define PAGE   4096u
#define BASE   0x400000ull
#define FRAMES 16u
#define PAGES  64u

static bool resident(vmfs *m, int pid, uint64_t p)
{
	uint64_t e = 0;

	assert_int_equal(vmfs_pagemap(m, pid, (BASE >> 12) + p, &e, 1), 1);
	return e & VMFS_PM_PRESENT;
}

/* The eviction (1 = the first) that takes page @x under @policy, COLD or not. */
static unsigned evicted_at(const char *policy, uint64_t x, bool cold, uint64_t *deactivated)
{
	char opts[64];
	unsigned char c = 1;
	vmfs *m;
	int pid;
	unsigned at = 0;

	snprintf(opts, sizeof(opts), "frames=%u,zero_page=0,policy=%s", FRAMES, policy);
	m = open_machine(opts);
	pid = spawn(m, "cold");
	map_fixed(m, pid, BASE, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (uint64_t p = 0; p < FRAMES; p++)
		assert_int_equal(vmfs_write(m, pid, BASE + p * PAGE, &c, 1), 1);
	for (int r = 0; r < 4; r++)
		for (uint64_t p = 0; p < FRAMES; p++)
			assert_int_equal(vmfs_read(m, pid, BASE + p * PAGE, &c, 1), 1);
	assert_int_equal(mstat(m).frames_free, 0);
	for (uint64_t p = 0; p < FRAMES; p++)
		assert_true(resident(m, pid, p));
	struct vmfs_lru_stat l0 = { 0 }, l1 = { 0 };
	bool lists = vmfs_lru_stat(m, &l0) == 0;
	if (cold)
		assert_int_equal(vmfs_madvise(m, pid, BASE + x * PAGE, PAGE, VMFS_MADV_COLD), 0);
	if (lists) {
		assert_int_equal(vmfs_lru_stat(m, &l1), 0);
		*deactivated = l1.pgdeactivate - l0.pgdeactivate;
	}
	for (uint64_t p = FRAMES; p < PAGES && !at; p++) {
		assert_int_equal(vmfs_write(m, pid, BASE + p * PAGE, &c, 1), 1);
		if (!resident(m, pid, x))
			at = (unsigned)(p - FRAMES + 1);
	}
	vmfs_close(m);
	return at ? at : PAGES;
}

/*
 * The policies whose hook puts the page at the cold end (lru, arc: its
 * list's LRU end; mglru: an old generation; linux: PG_referenced cleared on
 * the inactive list) or clears its reference (clock, car, sieve, wsclock,
 * s3fifo): page 5, 10 or 15 made cold is the next victim; left alone it is
 * not.
 */
static void test_cold_next_victim(void **state)
{
	static const char *const next[] = { "lru", "clock", "arc", "car", "linux", "mglru",
					    "s3fifo", "sieve", "wsclock" };
	uint64_t d = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(next) / sizeof(next[0]); i++)
		for (uint64_t x = 5; x < FRAMES; x += 5) {
			unsigned with = evicted_at(next[i], x, true, &d);
			unsigned without = evicted_at(next[i], x, false, &d);

			if (with != 1 || without <= 1)
				print_error("%s: page %u made cold evicted at %u, left alone at %u\n",
					    next[i], (unsigned)x, with, without);
			assert_int_equal(with, 1);
			assert_true(without > 1);
		}
}

/*
 * clockpro: pages 0..13 are hot (loaded while more than the cold share was
 * free), 14 and 15 cold in their test.  A hot page made cold is demoted to
 * the clock's head, where HAND_cold finds it among the next (the third
 * eviction); left alone, it is never evicted by this stream.  A cold page
 * made cold ends its test where it is: the second eviction, after page 14
 * at the hand.
 */
static void test_cold_clockpro(void **state)
{
	uint64_t d = 0;

	(void)state;
	for (uint64_t x = 0; x < 14; x += 5) {
		assert_int_equal(evicted_at("clockpro", x, true, &d), 3);
		assert_int_equal(evicted_at("clockpro", x, false, &d), PAGES);
	}
	assert_int_equal(evicted_at("clockpro", FRAMES - 1, true, &d), 2);
}

/*
 * linux: the pages are on the inactive list (nothing activated them yet),
 * so COLD moves nothing (pgdeactivate 0), only PG_referenced goes.
 * mglru: the page leaves the youngest generation (pgdeactivate 1).
 */
static void test_cold_counts(void **state)
{
	uint64_t d = 99;

	(void)state;
	evicted_at("linux", FRAMES - 1, true, &d);
	assert_int_equal(d, 0);
	evicted_at("mglru", FRAMES - 1, true, &d);
	assert_int_equal(d, 1);
	evicted_at("mglru", FRAMES - 1, false, &d);
	assert_int_equal(d, 0);
}

/*
 * linux with active pages: pages 0..7, written again and again while 8..39
 * stream through, are activated by reclaim; COLD on one of them moves it
 * from the active list to the inactive one (lru_deactivate_fn,
 * pgdeactivate 1), kpageflags no longer shows it active.
 */
static void test_cold_linux_active(void **state)
{
	vmfs *m = open_machine("frames=16,zero_page=0,policy=linux");
	int pid = spawn(m, "cold");
	unsigned char c = 1;
	struct vmfs_lru_stat l0, l1;
	uint64_t vpn = BASE >> 12, e, flags = 0;
	int64_t x = -1;

	(void)state;
	map_fixed(m, pid, BASE, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	for (uint64_t p = 8; p < 40; p++) {
		for (uint64_t q = 0; q < 8; q++)
			assert_int_equal(vmfs_write(m, pid, BASE + q * PAGE, &c, 1), 1);
		assert_int_equal(vmfs_write(m, pid, BASE + p * PAGE, &c, 1), 1);
	}
	assert_int_equal(vmfs_lru_stat(m, &l0), 0);
	assert_true(l0.nr_active_anon >= 1);
	for (uint64_t q = 0; q < 8 && x < 0; q++) {
		assert_int_equal(vmfs_pagemap(m, pid, vpn + q, &e, 1), 1);
		if (!(e & VMFS_PM_PRESENT))
			continue;
		assert_int_equal(vmfs_kpageflags(m, e & VMFS_PM_PFN_MASK, &flags, 1), 1);
		if (flags & (1ull << VMFS_KPF_ACTIVE))
			x = (int64_t)q;
	}
	assert_true(x >= 0);
	assert_int_equal(vmfs_madvise(m, pid, BASE + (uint64_t)x * PAGE, PAGE, VMFS_MADV_COLD), 0);
	assert_int_equal(vmfs_lru_stat(m, &l1), 0);
	assert_int_equal(l1.pgdeactivate - l0.pgdeactivate, 1);
	assert_int_equal(l1.nr_active_anon, l0.nr_active_anon - 1);
	assert_int_equal(l1.nr_inactive_anon, l0.nr_inactive_anon + 1);
	assert_int_equal(vmfs_kpageflags(m, e & VMFS_PM_PFN_MASK, &flags, 1), 1);
	assert_false(flags & (1ull << VMFS_KPF_ACTIVE));
	vmfs_close(m);
}

/*
 * 2q: a page of Am made cold is Am's LRU page.  Pages 0..15 fill A1in
 * (Kin 4, Kout 16 with kout=100); 16..31 push 0..15 out to A1out; 0..12
 * come back into Am (0 its LRU page, 12 its MRU page), leaving 3 pages in
 * A1in, so reclaim takes Am's LRU page at once: page 12 if made cold,
 * page 0 if not, and then the stream keeps A1in above Kin, so page 12,
 * left alone, stays.  A page of A1in (a FIFO) does not move.
 */
static unsigned twoq_evicted_at(bool cold)
{
	vmfs *m = open_machine("frames=16,zero_page=0,policy=2q:kout=100");
	int pid = spawn(m, "cold");
	unsigned char c = 1;
	unsigned at = 0;

	map_fixed(m, pid, BASE, 2 * PAGES * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS);
	for (uint64_t p = 0; p < 32; p++)
		assert_int_equal(vmfs_write(m, pid, BASE + p * PAGE, &c, 1), 1);
	for (uint64_t p = 0; p < 13; p++)
		assert_int_equal(vmfs_read(m, pid, BASE + p * PAGE, &c, 1), 1);
	assert_true(resident(m, pid, 12));
	if (cold)
		assert_int_equal(vmfs_madvise(m, pid, BASE + 12 * PAGE, PAGE, VMFS_MADV_COLD), 0);
	for (uint64_t p = 64; p < 2 * PAGES && !at; p++) {
		assert_int_equal(vmfs_write(m, pid, BASE + p * PAGE, &c, 1), 1);
		if (!resident(m, pid, 12))
			at = (unsigned)(p - 64 + 1);
	}
	vmfs_close(m);
	return at ? at : PAGES;
}

static void test_cold_2q(void **state)
{
	unsigned with = twoq_evicted_at(true), without = twoq_evicted_at(false);
	uint64_t d = 0;

	(void)state;
	if (with != 1 || without != PAGES)
		print_error("2q: cold %u, left alone %u\n", with, without);
	assert_int_equal(with, 1);
	assert_int_equal(without, PAGES);
	/* in A1in: nothing moves */
	assert_int_equal(evicted_at("2q", 10, true, &d), evicted_at("2q", 10, false, &d));
}

/* No hook (fifo, random, lirs): COLD leaves the order as it was. */
static void test_cold_without_hook(void **state)
{
	static const char *const none[] = { "fifo", "random", "lirs" };
	uint64_t d = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		for (uint64_t x = 0; x < FRAMES; x += 5)
			assert_int_equal(evicted_at(none[i], x, true, &d),
					 evicted_at(none[i], x, false, &d));
	assert_int_equal(evicted_at("fifo", FRAMES - 1, true, &d), FRAMES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_next_victim),
		cmocka_unit_test(test_cold_clockpro),
		cmocka_unit_test(test_cold_counts),
		cmocka_unit_test(test_cold_linux_active),
		cmocka_unit_test(test_cold_2q),
		cmocka_unit_test(test_cold_without_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

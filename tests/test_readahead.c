/*
 * test_readahead.c - readahead of object pages around faults (src/filemap.c),
 * through the public API: the windows Linux 6.1's arithmetic gives
 * (read-around centred on a major fault, MADV_SEQUENTIAL's sync and async
 * windows, MADV_RANDOM's none, the mmap_miss cut-off), the read_ahead_kb
 * option and tunable, and the counts (major and minor faults, pgpgin, the
 * page cache) that show them.
 *
 * What stays true: every test opens its own machine and closes it; each
 * expected figure is worked out in the comment above its assertion from
 * Linux's rules, with the default window of 128 KiB = 32 pages.
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

#define PAGE 4096u
#define BASE 0x10000000ull

/* A new object @name of @pages pages, byte i of page p being (p + i) & 0xff. */
static void make_object(vmfs *m, const char *name, uint64_t pages)
{
	unsigned char *buf = malloc(pages * PAGE);

	assert_non_null(buf);
	for (uint64_t p = 0; p < pages; p++)
		for (unsigned i = 0; i < PAGE; i++)
			buf[p * PAGE + i] = (unsigned char)(p + i);
	assert_int_equal(vmfs_object_create(m, name, buf, pages * PAGE), 0);
	free(buf);
}

/* Map all of @name (@pages pages) read-only and private at BASE, with @advice. */
static void map_object(vmfs *m, int pid, const char *name, uint64_t pages, int advice)
{
	uint64_t out = 0;

	assert_int_equal(vmfs_mmap(m, pid, BASE, pages * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
				   name, 0, &out), 0);
	assert_int_equal(out, BASE);
	assert_int_equal(vmfs_madvise(m, pid, BASE, pages * PAGE, advice), 0);
}

/* Read page @p of the mapping; the fault it took goes to *@f; checks the byte. */
static void touch(vmfs *m, int pid, uint64_t p, struct vmfs_fault *f)
{
	unsigned char c = 0;

	memset(f, 0, sizeof(*f));
	assert_int_equal(vmfs_access(m, pid, BASE + p * PAGE, &c, 1, VMFS_ACCESS_READ, f), 1);
	assert_int_equal(c, (unsigned char)p);
}

/* Pages of [first, first + n) of the mapping in memory (mincore). */
static uint64_t incore(vmfs *m, int pid, uint64_t first, uint64_t n)
{
	unsigned char *vec = malloc(n);
	uint64_t k = 0;

	assert_non_null(vec);
	assert_int_equal(vmfs_mincore(m, pid, BASE + first * PAGE, n * PAGE, vec), 0);
	for (uint64_t i = 0; i < n; i++)
		k += vec[i] & 1;
	free(vec);
	return k;
}

/* The major faults of reading pages [first, last] in order, on a fresh machine. */
static uint64_t majors_of_scan(const char *opts, int advice, uint64_t pages, uint64_t first,
			       uint64_t last)
{
	vmfs *m = open_machine(opts);
	int pid = spawn(m, "scan");
	struct vmfs_fault f;
	uint64_t majors = 0, minors = 0;

	make_object(m, "data", pages);
	map_object(m, pid, "data", pages, advice);
	for (uint64_t p = first; p <= last; p++) {
		touch(m, pid, p, &f);
		majors += f.major;
		minors += f.minor;
	}
	assert_int_equal(majors + minors, last - first + 1);   /* every page faulted once */
	assert_int_equal(pstat(m, pid).maj_flt, majors);
	vmfs_close(m);
	return majors;
}

/*
 * Read-around (MADV_NORMAL): a major fault at page 64 of a 128-page object
 * reads ra_pages = 32 pages from max(0, 64 - 16) = 48: pages 48..79, none
 * mapped but the one touched; a touch of 48 is then minor; a major fault at
 * 47 reads around it again, [31, 63), skipping the 15 pages cached (17
 * read).  Near the start the window is clipped at 0: a fault at 3 reads
 * 0..31 less what is cached (0..30: 31 pages, 31 being cached).
 */
static void test_readaround(void **state)
{
	vmfs *m = open_machine("frames=1024");
	int pid = spawn(m, "ra");
	struct vmfs_fault f;
	uint64_t in0;

	(void)state;
	make_object(m, "data", 128);
	map_object(m, pid, "data", 128, VMFS_MADV_NORMAL);
	in0 = mstat(m).pgpgin;
	touch(m, pid, 64, &f);
	assert_int_equal(f.major, 1);
	assert_int_equal(f.minor, 0);
	assert_int_equal(mstat(m).pgpgin - in0, 32);
	assert_int_equal(incore(m, pid, 48, 32), 32);
	assert_int_equal(incore(m, pid, 0, 128), 32);
	assert_int_equal(pstat(m, pid).rss_file, 1);           /* read ahead, not mapped */
	touch(m, pid, 48, &f);
	assert_int_equal(f.major, 0);
	assert_int_equal(f.minor, 1);
	assert_int_equal(mstat(m).pgpgin - in0, 32);            /* no read */
	touch(m, pid, 47, &f);
	assert_int_equal(f.major, 1);
	assert_int_equal(mstat(m).pgpgin - in0, 32 + 17);
	assert_int_equal(incore(m, pid, 0, 128), 49);
	assert_int_equal(incore(m, pid, 31, 49), 49);
	touch(m, pid, 3, &f);
	assert_int_equal(f.major, 1);
	assert_int_equal(mstat(m).pgpgin - in0, 32 + 17 + 31);
	assert_int_equal(incore(m, pid, 0, 80), 80);
	assert_int_equal(mstat(m).pgmajfault, 3);
	vmfs_close(m);
}

/*
 * The three advices on the same scan, Linux's arithmetic (mm/filemap.c,
 * mm/readahead.c, 6.1), reading pages 64..127 of a 128-page object in order:
 *   RANDOM      no readahead: 64 major faults;
 *   NORMAL      read-around at 64: [48, 80), async_size 8, the mark on 72;
 *               72 hits it: ondemand_readahead finds 72 the expected index
 *               (48 + 32 - 8), the next window is [80, 112) marked at 80;
 *               80 gives [112, 128) (clipped): 1 major fault;
 *   SEQUENTIAL  page_cache_sync_ra at 64 with no history: a standalone
 *               read of 32 pages, [64, 96), no mark, the state untouched;
 *               96 misses again: [96, 128): 2 major faults.
 * From page 0 both NORMAL and SEQUENTIAL read the whole object on one major
 * fault (SEQUENTIAL's initial window is 32 pages marked at 16, NORMAL's
 * marked at 24, and each mark pulls in the next 32), RANDOM takes 128.
 */
static void test_advice_scans(void **state)
{
	(void)state;
	assert_int_equal(majors_of_scan("frames=1024", VMFS_MADV_RANDOM, 128, 64, 127), 64);
	assert_int_equal(majors_of_scan("frames=1024", VMFS_MADV_NORMAL, 128, 64, 127), 1);
	assert_int_equal(majors_of_scan("frames=1024", VMFS_MADV_SEQUENTIAL, 128, 64, 127), 2);
	assert_int_equal(majors_of_scan("frames=1024", VMFS_MADV_RANDOM, 128, 0, 127), 128);
	assert_int_equal(majors_of_scan("frames=1024", VMFS_MADV_NORMAL, 128, 0, 127), 1);
	assert_int_equal(majors_of_scan("frames=1024", VMFS_MADV_SEQUENTIAL, 128, 0, 127), 1);
	/* read_ahead_kb=0: one page per fault whatever the advice */
	assert_int_equal(majors_of_scan("frames=1024,read_ahead_kb=0", VMFS_MADV_NORMAL, 128, 0, 127),
			 128);
	assert_int_equal(majors_of_scan("frames=1024,read_ahead_kb=0", VMFS_MADV_SEQUENTIAL, 128, 0,
					127), 128);
	/* read_ahead_kb=16: 4 pages, read-around [p - 2, p + 2), marked at p + 1;
	 * from 0: [0, 4) marked at 3, then windows of 4 (get_next_ra_size of
	 * 4 with max 4), each marked on its first page: 1 major fault */
	assert_int_equal(majors_of_scan("frames=1024,read_ahead_kb=16", VMFS_MADV_NORMAL, 128, 0,
					127), 1);
}

/*
 * MADV_SEQUENTIAL's sync window at page 0: get_init_ra_size(32, 32) = 32,
 * async_size 32, and as the read would hit its own mark the next window is
 * merged in: size 32, async_size 16, the mark on 16.  So the first fault
 * reads 0..31, and the touch of 16 (a minor fault) reads 32..63 at once.
 */
static void test_sequential_async(void **state)
{
	vmfs *m = open_machine("frames=1024");
	int pid = spawn(m, "seq");
	struct vmfs_fault f;

	(void)state;
	make_object(m, "data", 128);
	map_object(m, pid, "data", 128, VMFS_MADV_SEQUENTIAL);
	touch(m, pid, 0, &f);
	assert_int_equal(f.major, 1);
	assert_int_equal(incore(m, pid, 0, 128), 32);
	touch(m, pid, 15, &f);
	assert_int_equal(f.minor, 1);
	assert_int_equal(incore(m, pid, 0, 128), 32);          /* no mark on 15 */
	touch(m, pid, 16, &f);
	assert_int_equal(f.minor, 1);
	assert_int_equal(incore(m, pid, 0, 128), 64);
	assert_int_equal(incore(m, pid, 32, 32), 32);
	touch(m, pid, 16, &f);                                  /* the mark is gone */
	assert_int_equal(incore(m, pid, 0, 128), 64);
	assert_int_equal(mstat(m).pgpgin, 64);
	vmfs_close(m);
}

/*
 * mmap_miss: each major fault without readahead's hits counts one miss;
 * past MMAP_LOTSAMISS (100) read-around stops; each minor fault on a cached
 * page takes one off.  Faults 64 pages apart never share a window.
 */
static void test_mmap_miss(void **state)
{
	vmfs *m = open_machine("frames=8192");
	int pid = spawn(m, "miss");
	struct vmfs_fault f;
	uint64_t in;

	(void)state;
	assert_int_equal(vmfs_object_create(m, "sparse", NULL, 120 * 64 * (uint64_t)PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 120 * 64 * (uint64_t)PAGE, PROT_READ,
				   MAP_PRIVATE | MAP_FIXED, "sparse", 0, &(uint64_t){ 0 }), 0);
	for (uint64_t k = 1; k <= 100; k++) {
		in = mstat(m).pgpgin;
		assert_int_equal(vmfs_access(m, pid, BASE + (k * 64 + 32) * PAGE, &(char){ 0 }, 1,
					     VMFS_ACCESS_READ, &f), 1);
		assert_int_equal(f.major, 1);
		assert_int_equal(mstat(m).pgpgin - in, 32);     /* miss k <= 100: read-around */
	}
	/* The 101st miss: no read-around. */
	in = mstat(m).pgpgin;
	assert_int_equal(vmfs_access(m, pid, BASE + 101 * 64 * PAGE, &(char){ 0 }, 1,
				     VMFS_ACCESS_READ, &f), 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(mstat(m).pgpgin - in, 1);
	/* Three hits on pages read ahead (101 -> 98), then a miss (99): read-around again. */
	for (uint64_t k = 1; k <= 3; k++) {
		assert_int_equal(vmfs_access(m, pid, BASE + (k * 64 + 33) * PAGE, &(char){ 0 }, 1,
					     VMFS_ACCESS_READ, &f), 1);
		assert_int_equal(f.minor, 1);
	}
	in = mstat(m).pgpgin;
	assert_int_equal(vmfs_access(m, pid, BASE + (102 * 64 + 32) * PAGE, &(char){ 0 }, 1,
				     VMFS_ACCESS_READ, &f), 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(mstat(m).pgpgin - in, 32);
	vmfs_close(m);
}

/*
 * The window follows vm.read_ahead_kb at once; the option and the tunable
 * refuse what is out of range (0 to 1 GiB) and change nothing then.
 */
static void test_read_ahead_kb(void **state)
{
	vmfs *m = NULL;
	uint64_t v, old;
	struct vmfs_fault f;
	int pid;

	(void)state;
	assert_int_equal(vmfs_open(&m, "read_ahead_kb=x"), -EINVAL);
	assert_int_equal(vmfs_open(&m, "read_ahead_kb=1048577"), -EINVAL);
	m = open_machine("frames=1024,read_ahead_kb=1048576");
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", &old, NULL), 0);
	assert_int_equal(old, 1048576);
	v = 1048577;
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", NULL, &v), -EINVAL);
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", &old, NULL), 0);
	assert_int_equal(old, 1048576);
	v = 32;                                                 /* 8 pages */
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", NULL, &v), 0);
	pid = spawn(m, "kb");
	make_object(m, "data", 64);
	map_object(m, pid, "data", 64, VMFS_MADV_NORMAL);
	touch(m, pid, 20, &f);                                  /* [16, 24) */
	assert_int_equal(incore(m, pid, 0, 64), 8);
	assert_int_equal(incore(m, pid, 16, 8), 8);
	v = 0;
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", NULL, &v), 0);
	touch(m, pid, 40, &f);
	assert_int_equal(f.major, 1);
	assert_int_equal(incore(m, pid, 0, 64), 9);
	vmfs_close(m);
	/* the default is Linux's 128 */
	m = open_machine(NULL);
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", &old, NULL), 0);
	assert_int_equal(old, 128);
	vmfs_close(m);
}

/*
 * Shared anonymous memory has no readahead (shmem_fault), and a window
 * never passes the object's end: a 5-page object read at page 2 caches
 * all 5, no more.  A write fault (do_cow_fault) reads around as a read does.
 */
static void test_edges(void **state)
{
	vmfs *m = open_machine("frames=1024,swap=none");
	int pid = spawn(m, "edge");
	struct vmfs_fault f;
	unsigned char c = 1;
	uint64_t out;

	(void)state;
	make_object(m, "small", 5);
	map_object(m, pid, "small", 5, VMFS_MADV_NORMAL);
	touch(m, pid, 2, &f);
	assert_int_equal(f.major, 1);
	assert_int_equal(incore(m, pid, 0, 5), 5);
	assert_int_equal(mstat(m).pgpgin, 5);
	assert_int_equal(vmfs_munmap(m, pid, BASE, 5 * PAGE), 0);

	make_object(m, "cow", 64);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 64 * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_FIXED, "cow", 0, &out), 0);
	assert_int_equal(vmfs_access(m, pid, BASE + 30 * PAGE, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(f.cow, 1);
	assert_int_equal(mstat(m).pgpgin, 5 + 32);              /* [14, 46) */
	assert_int_equal(vmfs_munmap(m, pid, BASE, 64 * PAGE), 0);

	assert_int_equal(vmfs_mmap(m, pid, BASE, 64 * PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &out), 0);
	assert_int_equal(vmfs_access(m, pid, BASE + 8 * PAGE, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(incore(m, pid, 0, 64), 1);
	assert_int_equal(mstat(m).pgpgin, 5 + 32);
	vmfs_close(m);
}

/*
 * A host file exec mapped (/usr/bin/ls) gets readahead as a store object
 * does: the first touch of the program's entry page is one major fault
 * that reads its neighbours too (pgpgin more than 1, the text mapping's
 * pages around it in memory); with read_ahead_kb=0 it reads the one page.
 */
static void test_host_file(void **state)
{
	const char *const argv[] = { "ls", NULL };

	(void)state;
	for (int ra = 0; ra < 2; ra++) {
		vmfs *m = open_machine(ra ? "frames=4096" : "frames=4096,read_ahead_kb=0");
		int pid = spawn(m, "prog");
		struct vmfs_exec_info in;
		struct vmfs_map maps[64];
		struct vmfs_fault f;
		unsigned char c, *vec;
		uint64_t in0, text = 0, pages, k = 0;
		int n;

		assert_int_equal(vmfs_exec(m, pid, "/usr/bin/ls", argv, NULL, &in), 0);
		n = vmfs_maps(m, pid, maps, 64);
		assert_true(n > 0);
		for (int i = 0; i < n; i++)
			if (in.prog_entry >= maps[i].start && in.prog_entry < maps[i].end)
				text = (uint64_t)i + 1;
		assert_true(text > 0);
		assert_string_equal(maps[text - 1].object, "/usr/bin/ls");
		in0 = mstat(m).pgpgin;
		assert_int_equal(vmfs_access(m, pid, in.prog_entry, &c, 1, VMFS_ACCESS_READ, &f), 1);
		assert_int_equal(f.major, 1);
		pages = (maps[text - 1].end - maps[text - 1].start) / PAGE;
		vec = malloc(pages);
		assert_non_null(vec);
		assert_int_equal(vmfs_mincore(m, pid, maps[text - 1].start, pages * PAGE, vec), 0);
		for (uint64_t i = 0; i < pages; i++)
			k += vec[i] & 1;
		free(vec);
		if (ra) {
			assert_true(mstat(m).pgpgin - in0 > 1);
			assert_true(k > 1);
		} else {
			assert_int_equal(mstat(m).pgpgin - in0, 1);
			assert_int_equal(k, 1);
		}
		vmfs_close(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readaround),
		cmocka_unit_test(test_advice_scans),
		cmocka_unit_test(test_sequential_async),
		cmocka_unit_test(test_mmap_miss),
		cmocka_unit_test(test_read_ahead_kb),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_host_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

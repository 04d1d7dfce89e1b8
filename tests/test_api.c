/*
 * test_api.c - the contract of every call in vmfs.h, one cmocka test per
 * promise, through the public API only (linked against libvmfs).
 *
 * Covered: option parsing and its errors; PIDs (start at 1, never reused,
 * -ESRCH); mmap, munmap and mprotect errno choices, splitting and merging as
 * vmfs_maps shows them (Linux 6.1's anon_vma rules after fork, an object
 * mapping's object_number), top-down placement and hints; copy-on-write after
 * fork as the page tables show it (shared frame, COW bit, RW clear, copy on
 * write, take-over by the last reference); shared mappings across fork;
 * segfaults (si_code, x86 error code, the kernel log line, the counters);
 * the kernel half and non-canonical addresses; partial transfers; page-table
 * walks checked entry by entry in physical memory at every depth 2..6;
 * canonical edges; the TLB (counters, never stale); accounting; zeroed frames;
 * vmfs_maps@VMFS_0.1 for programs built against the smaller 0.4 struct.
 *
 * What stays true: every test opens its own machine and closes it, so tests
 * are independent and can run in any order; a failing call is checked to
 * change nothing where the header promises it.
 */
#include <dlfcn.h>
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmfs.h"
#include "splitmix.h"
#include "testutil.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE      4096u
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define ANON_SHRD (MAP_SHARED | MAP_ANONYMOUS)
#define RW        (PROT_READ | PROT_WRITE)
#define BASE      0x400000ull   /* a convenient user address at any depth */

/* ---- helpers ----------------------------------------------------------------- */

/* A machine of @frames frames whose page tables have @levels levels. */
static vmfs *open_levels(unsigned frames, int levels)
{
	char opts[64];
	snprintf(opts, sizeof(opts), "frames=%u,levels=%d", frames, levels);
	return open_machine(opts);
}

static void put_byte(vmfs *m, int pid, uint64_t addr, unsigned char c)
{
	assert_int_equal(vmfs_write(m, pid, addr, &c, 1), 1);
}

static unsigned char get_byte(vmfs *m, int pid, uint64_t addr)
{
	unsigned char c = 0;
	assert_int_equal(vmfs_read(m, pid, addr, &c, 1), 1);
	return c;
}

static uint64_t phys_u64(vmfs *m, uint64_t paddr)
{
	unsigned char b[8];
	uint64_t v = 0;
	assert_int_equal(vmfs_phys_read(m, paddr, b, 8), 8);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static int nmaps(vmfs *m, int pid, struct vmfs_map *maps, size_t max)
{
	int n = vmfs_maps(m, pid, maps, max);
	assert_true(n >= 0);
	return n;
}

/* The last line of the kernel log without its "[SSSSS.UUUUUU] " stamp, whose
 * form it checks. */
static char *last_kmsg_line(vmfs *m)
{
	char *log = kmsg(m);
	size_t len = strlen(log);
	assert_true(len > 0 && log[len - 1] == '\n');
	log[len - 1] = 0;
	char *line = strrchr(log, '\n');
	line = line ? line + 1 : log;
	assert_int_equal(line[0], '[');
	char *dot = strchr(line, '.');
	char *close = strchr(line, ']');
	assert_non_null(dot);
	assert_non_null(close);
	assert_true(dot - line >= 6);           /* at least 5 columns of seconds */
	for (char *c = line + 1; c < dot; c++)
		assert_true(*c == ' ' || (*c >= '0' && *c <= '9'));
	assert_int_equal(close - dot, 7);       /* six digits of microseconds */
	for (char *c = dot + 1; c < close; c++)
		assert_true(*c >= '0' && *c <= '9');
	assert_int_equal(close[1], ' ');
	char *msg = strdup(close + 2);
	free(log);
	assert_non_null(msg);
	return msg;
}

/* Every entry of the walk of @addr is the one in physical memory, each points
 * at the next table, the indices are the address's bits, and when a page is
 * there its frame holds @byte at @addr's offset. */
static void verify_walk(vmfs *m, int pid, uint64_t addr, int levels, int expect_byte)
{
	struct vmfs_walk w = walk(m, pid, addr);
	struct vmfs_proc_stat ps = pstat(m, pid);
	assert_int_equal(w.levels, levels);
	assert_true(w.depth >= 1 && w.depth <= levels);
	assert_int_equal(w.level[0].table >> 12, ps.cr3);
	for (int i = 0; i < w.depth; i++) {
		int shift = 12 + 9 * (levels - 1 - i);
		int bits = 64 - shift < 9 ? 64 - shift : 9;
		uint64_t index = (addr >> shift) & ((1ull << bits) - 1);
		assert_int_equal(w.level[i].index, index);
		assert_int_equal(w.level[i].table % PAGE, 0);
		assert_int_equal(phys_u64(m, w.level[i].table + 8 * (uint64_t)w.level[i].index),
				 w.level[i].entry);
		if (i + 1 < w.depth) {
			assert_true(w.level[i].entry & VMFS_PTE_P);
			assert_int_equal((w.level[i].entry & VMFS_PTE_PFN_MASK) >> 12,
					 w.level[i + 1].table >> 12);
		}
	}
	if (expect_byte < 0)
		return;
	assert_int_equal(w.state, VMFS_WALK_PRESENT);
	assert_int_equal(w.depth, levels);
	assert_int_equal(w.paddr, (leaf(&w) & VMFS_PTE_PFN_MASK) | (addr & (PAGE - 1)));
	unsigned char c;
	assert_int_equal(vmfs_phys_read(m, w.paddr, &c, 1), 1);
	assert_int_equal(c, expect_byte);
}

/* vmfs_buddyinfo: a fresh machine's blocks, frames taken and given back,
 * and frames_free = pcp + every block's frames at each step. */
static void expect_buddy_sum(vmfs *m)
{
	struct vmfs_buddyinfo bi;
	uint64_t sum;

	assert_int_equal(vmfs_buddyinfo(m, &bi), 0);
	sum = bi.pcp;
	for (int o = 0; o < VMFS_MAX_ORDER; o++)
		sum += bi.nr_free[o] << o;
	assert_int_equal(sum, mstat(m).frames_free);
}

static void test_buddyinfo(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=3072,zero_page=0");
	struct vmfs_buddyinfo bi;

	assert_int_equal(vmfs_buddyinfo(m, &bi), 0);
	for (int o = 0; o < VMFS_MAX_ORDER; o++)
		assert_int_equal(bi.nr_free[o], o == 10 ? 3 : 0);
	assert_int_equal(bi.pcp, 0);
	assert_int_equal(vmfs_buddyinfo(m, NULL), -EINVAL);
	assert_int_equal(vmfs_buddyinfo(NULL, &bi), -EINVAL);

	int pid = spawn(m, "p");
	map_fixed(m, pid, BASE, 64 * PAGE, RW, ANON_PRIV);
	for (int i = 0; i < 64; i++)
		put_byte(m, pid, BASE + (uint64_t)i * PAGE, 1);
	expect_buddy_sum(m);
	assert_int_equal(vmfs_buddyinfo(m, &bi), 0);
	assert_int_equal(bi.nr_free[10], 2);     /* the first block was split */
	assert_int_equal(bi.pcp, 0);
	/* given back: order-0 frames wait on the pcp list, not merged */
	assert_int_equal(vmfs_munmap(m, pid, BASE, 64 * PAGE), 0);
	expect_buddy_sum(m);
	assert_int_equal(vmfs_buddyinfo(m, &bi), 0);
	assert_int_equal(bi.pcp, 64);
	assert_int_equal(vmfs_exit(m, pid), 0);
	expect_buddy_sum(m);
	vmfs_close(m);
}

static struct vmfs_huge_stat hstat(vmfs *m)
{
	struct vmfs_huge_stat hs;

	assert_int_equal(vmfs_huge_stat(m, &hs), 0);
	return hs;
}

/* The hugetlb pools: hugepages= at boot, vm.nr_hugepages after, a shortfall
 * logged as Linux logs it, 1 GiB pages at boot only, bad values refused. */
static void test_hugetlb_pool(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=4096,hugepages=3");
	struct vmfs_huge_stat hs = hstat(m);
	uint64_t v, big = 8;
	char *log;

	assert_int_equal(hs.pool[0].size, 2u << 20);
	assert_int_equal(hs.pool[1].size, 1u << 30);
	assert_int_equal(hs.pool[0].nr, 3);
	assert_int_equal(hs.pool[0].free, 3);
	assert_int_equal(hs.pool[0].resv + hs.pool[0].surplus + hs.pool[0].boot, 0);
	assert_int_equal(hs.pool[1].nr, 0);
	assert_int_equal(mstat(m).frames_free, 4096 - 3 * 512);
	assert_int_equal(mstat(m).anon_pages + mstat(m).file_pages, 0);  /* pool pages are neither */
	expect_buddy_sum(m);
	log = kmsg(m);
	assert_non_null(strstr(log, "HugeTLB: registered 2.00 MiB page size, pre-allocated 3 pages"));
	free(log);

	/* vm.nr_hugepages: grow, shrink, and a value beyond the machine refused */
	assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", &v, NULL), 0);
	assert_int_equal(v, 3);
	v = 5;
	assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", NULL, &v), 0);
	assert_int_equal(hstat(m).pool[0].nr, 5);
	assert_int_equal(mstat(m).frames_free, 4096 - 5 * 512);
	v = 1;
	assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", NULL, &v), 0);
	assert_int_equal(hstat(m).pool[0].free, 1);
	assert_int_equal(mstat(m).frames_free, 4096 - 512);
	expect_buddy_sum(m);
	assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", NULL, &big), 0);   /* 8 fit */
	assert_int_equal(hstat(m).pool[0].nr, 8);
	assert_int_equal(mstat(m).frames_free, 0);
	big = 9;
	assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", NULL, &big), -EINVAL);
	assert_int_equal(hstat(m).pool[0].nr, 8);
	v = 0;
	assert_int_equal(vmfs_sysctl(m, "vm.nr_hugepages", NULL, &v), 0);
	assert_int_equal(mstat(m).frames_free, 4096);
	assert_int_equal(vmfs_huge_stat(m, NULL), -EINVAL);
	vmfs_close(m);

	/* more than memory holds: what fits, and Linux's warning */
	m = open_machine("frames=4096,hugepages=100");
	assert_int_equal(hstat(m).pool[0].nr, 8);
	log = kmsg(m);
	assert_non_null(strstr(log, "HugeTLB: allocating 100 of page size 2.00 MiB failed.  "
				    "Only allocated 8 hugepages."));
	free(log);
	vmfs_close(m);

	/* a gigantic page at boot, from 1 GiB of aligned free memory, and the
	 * 2 MiB pages after it from what is left */
	m = open_machine("frames=263168,contents=none,hugepages_1g=1,hugepages=2");
	hs = hstat(m);
	assert_int_equal(hs.pool[1].nr, 1);
	assert_int_equal(hs.pool[1].boot, 1);
	assert_int_equal(hs.pool[0].nr, 2);
	assert_int_equal(mstat(m).frames_free, 263168 - 262144 - 1024);
	expect_buddy_sum(m);
	vmfs_close(m);

	const char *bad[] = { "hugepages=x", "hugepages=-1", "hugepages_1g=1k",
			      "hugepages=99999999999999", "hugepages_1g=" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vmfs *b = NULL;

		assert_int_equal(vmfs_open(&b, bad[i]), -EINVAL);
		assert_null(b);
	}
}

/* vmfs_lru_stat's clock_hand: a resident frame under clock, sieve and
 * wsclock once pages are tracked, VMFS_NO_HAND otherwise. */
static void test_clock_hand(void **state)
{
	(void)state;
	const char *const with[] = { "clock", "sieve", "wsclock" };
	struct vmfs_lru_stat ls;

	for (size_t i = 0; i < 4; i++) {
		char opts[64];

		snprintf(opts, sizeof(opts), "frames=64,policy=%s", i < 3 ? with[i] : "lru");
		vmfs *m = open_machine(opts);
		assert_int_equal(vmfs_lru_stat(m, &ls), 0);
		assert_true(ls.clock_hand == VMFS_NO_HAND);   /* nothing tracked yet */
		int pid = spawn(m, "p");
		map_fixed(m, pid, BASE, 8 * PAGE, RW, ANON_PRIV);
		for (int k = 0; k < 8; k++)
			put_byte(m, pid, BASE + (uint64_t)k * PAGE, 1);
		assert_int_equal(vmfs_lru_stat(m, &ls), 0);
		if (i < 3) {
			uint64_t pm;
			bool found = false;

			assert_true(ls.clock_hand < 64);
			for (int k = 0; k < 8; k++) {
				assert_int_equal(vmfs_pagemap(m, pid, (BASE >> 12) + (uint64_t)k, &pm, 1), 1);
				found |= (pm & ((1ull << 55) - 1)) == ls.clock_hand;
			}
			assert_true(found);   /* one of the process's resident frames */
		} else {
			assert_true(ls.clock_hand == VMFS_NO_HAND);
		}
		vmfs_close(m);
	}
}

/* ---- options ------------------------------------------------------------------- */

static void test_open_defaults(void **state)
{
	(void)state;
	const char *defaults[] = { NULL, "" };
	for (int i = 0; i < 2; i++) {
		vmfs *m = open_machine(defaults[i]);
		struct vmfs_stat st = mstat(m);
		assert_int_equal(st.levels, 4);
		assert_int_equal(st.va_bits, 48);
		assert_int_equal(st.frames, 16384);
		assert_int_equal(st.frames_free, 16384);
		assert_int_equal(st.tlb_entries, 64);
		assert_int_equal(st.kernel_pages, (1 << 20) / PAGE);
		assert_int_equal(st.user_top, 0x0000800000000000ull);
		assert_int_equal(st.kernel_base, 0xffff800000000000ull);
		assert_int_equal(st.nr_processes, 0);
		assert_true(st.pagetable_pages > 0);   /* the kernel image's tables */
		assert_true(st.phys_size >= (16384 + st.kernel_pages + st.pagetable_pages) * PAGE);
		vmfs_close(m);
	}
	vmfs_close(NULL);
}

static void test_open_options(void **state)
{
	(void)state;
	struct { const char *opts; uint64_t frames; int levels; uint64_t tlb, kpages; } ok[] = {
		{ "frames=1000", 1000, 4, 64, 256 },
		{ "frames=0x1000", 4096, 4, 64, 256 },
		{ "mem=64M", 16384, 4, 64, 256 },
		{ "mem=8M,levels=5,tlb=0", 2048, 5, 0, 256 },
		{ "mem=4096K", 1024, 4, 64, 256 },
		{ "frames=64,kernel=2M", 64, 4, 64, 512 },
		{ "levels=2", 16384, 2, 64, 256 },
		{ "levels=3,tlb=8", 16384, 3, 8, 256 },
		{ "levels=6", 16384, 6, 64, 256 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		vmfs *m = open_machine(ok[i].opts);
		struct vmfs_stat st = mstat(m);
		assert_int_equal(st.frames, ok[i].frames);
		assert_int_equal(st.levels, ok[i].levels);
		assert_int_equal(st.tlb_entries, ok[i].tlb);
		assert_int_equal(st.kernel_pages, ok[i].kpages);
		vmfs_close(m);
	}
	/* mem=64M is frames=16384 */
	vmfs *a = open_machine("mem=64M"), *b = open_machine("frames=16384");
	assert_int_equal(mstat(a).frames, mstat(b).frames);
	vmfs_close(a);
	vmfs_close(b);
}

static void test_open_va_bits(void **state)
{
	(void)state;
	static const int bits[] = { 30, 39, 48, 57, 64 };
	for (int levels = 2; levels <= 6; levels++) {
		vmfs *m = open_levels(64, levels);
		struct vmfs_stat st = mstat(m);
		int vb = bits[levels - 2];
		assert_int_equal(st.levels, levels);
		assert_int_equal(st.va_bits, vb);
		assert_int_equal(st.user_top, 1ull << (vb - 1));
		assert_int_equal(st.kernel_base, ~0ull << (vb - 1));
		vmfs_close(m);
	}
}

static void test_open_errors(void **state)
{
	(void)state;
	static const char *bad[] = {
		"bogus=1", "frames", "frames=", "frames=abc", "frames=12q", "frames=-5",
		"frames=0", "levels=1", "levels=7", "levels=0", "levels=x", "tlb=abc",
		"mem=12X", "kernel=zz", "frames=100,mem=4M", "mem=4M,frames=100",
		"frames=99999999999999999999999", "frames=100,,levels=4x", "levels=4,bogus",
		"=4",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vmfs *m = (vmfs *)0x1;
		int rc = vmfs_open(&m, bad[i]);
		if (rc != -EINVAL)
			print_error("vmfs_open(\"%s\") = %d, expected -EINVAL\n", bad[i], rc);
		assert_int_equal(rc, -EINVAL);
		const char *msg = vmfs_errmsg();
		assert_non_null(msg);
		assert_true(strlen(msg) > 0);
	}
}

/* ---- processes ------------------------------------------------------------------ */

static void test_pids(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pids[8];
	assert_int_equal(vmfs_pids(m, pids, 8), 0);
	assert_int_equal(vmfs_spawn(m, "init"), 1);
	assert_int_equal(vmfs_spawn(m, "sh"), 2);
	assert_int_equal(vmfs_fork(m, 1), 3);
	assert_int_equal(vmfs_exit(m, 2), 0);
	assert_int_equal(vmfs_exit(m, 2), -ESRCH);
	assert_int_equal(vmfs_spawn(m, "again"), 4);    /* 2 is not reused */
	assert_int_equal(vmfs_fork(m, 3), 5);
	assert_int_equal(vmfs_pids(m, pids, 8), 4);
	assert_int_equal(pids[0], 1);
	assert_int_equal(pids[1], 3);
	assert_int_equal(pids[2], 4);
	assert_int_equal(pids[3], 5);
	/* truncated: the count is still the whole */
	pids[1] = -1;
	assert_int_equal(vmfs_pids(m, pids, 1), 4);
	assert_int_equal(pids[0], 1);
	assert_int_equal(pids[1], -1);
	assert_int_equal(vmfs_pids(m, NULL, 0), 4);

	struct vmfs_proc_stat ps = pstat(m, 3);
	assert_int_equal(ps.pid, 3);
	assert_int_equal(ps.ppid, 1);
	assert_string_equal(ps.comm, "init");
	assert_int_equal(mstat(m).nr_processes, 4);
	assert_int_equal(mstat(m).spawns, 3);
	assert_int_equal(mstat(m).forks, 2);
	assert_int_equal(mstat(m).exits, 1);

	/* -ESRCH everywhere for a PID that is gone or never was */
	unsigned char b[4] = { 0 };
	struct vmfs_walk w;
	struct vmfs_map mp;
	static const int gone[] = { 0, 2, 6, 7, 1000 };   /* never, exited, not yet */
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		int pid = gone[i];
		assert_int_equal(vmfs_fork(m, pid), -ESRCH);
		assert_int_equal(vmfs_exit(m, pid), -ESRCH);
		assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, RW, ANON_PRIV, NULL, 0, NULL), -ESRCH);
		assert_int_equal(vmfs_munmap(m, pid, BASE, PAGE), -ESRCH);
		assert_int_equal(vmfs_mprotect(m, pid, BASE, PAGE, PROT_READ), -ESRCH);
		assert_int_equal(vmfs_maps(m, pid, &mp, 1), -ESRCH);
		assert_int_equal(vmfs_read(m, pid, BASE, b, 4), -ESRCH);
		assert_int_equal(vmfs_write(m, pid, BASE, b, 4), -ESRCH);
		assert_int_equal(vmfs_access(m, pid, BASE, b, 4, VMFS_ACCESS_EXEC, NULL), -ESRCH);
		assert_int_equal(vmfs_translate(m, pid, BASE, &w), -ESRCH);
		assert_int_equal(vmfs_proc_stat(m, pid, &ps), -ESRCH);
	}
	assert_int_equal(vmfs_fork(m, -1), -ESRCH);
	assert_int_equal(vmfs_exit(m, 1 << 30), -ESRCH);
	vmfs_close(m);
}

static void test_spawn_names(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	char name[300];
	memset(name, 'n', sizeof(name));
	name[255] = 0;
	int pid = vmfs_spawn(m, name);      /* 255 bytes: fine */
	assert_true(pid > 0);
	struct vmfs_proc_stat ps = pstat(m, pid);
	assert_int_equal(strlen(ps.comm), 15);
	assert_memory_equal(ps.comm, name, 15);
	assert_string_equal(ps.name, name);
	name[255] = 'n';
	name[256] = 0;
	assert_int_equal(vmfs_spawn(m, name), -EINVAL);   /* 256 bytes */
	assert_true(strlen(vmfs_errmsg()) > 0);
	assert_true(vmfs_spawn(m, "with space") > 0);
	assert_int_equal(vmfs_spawn(m, ""), -EINVAL);
	assert_int_equal(vmfs_spawn(m, "tab\there"), -EINVAL);
	assert_int_equal(vmfs_spawn(m, "bell\a"), -EINVAL);
	assert_int_equal(vmfs_spawn(m, "del\x7f"), -EINVAL);
	assert_int_equal(vmfs_pids(m, NULL, 0), 2);
	vmfs_close(m);
}

/* ---- mappings -------------------------------------------------------------------- */

static void test_mmap_errors(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	struct vmfs_stat st = mstat(m);
	int pid = spawn(m, "mm");
	uint64_t out;
	struct {
		uint64_t addr, len;
		int prot, flags, err;
		const char *what;
	} cases[] = {
		{ BASE, 0, RW, ANON_PRIV | MAP_FIXED, -EINVAL, "zero length" },
		{ 0, 0, RW, ANON_PRIV, -EINVAL, "zero length, no address" },
		{ BASE + 1, PAGE, RW, ANON_PRIV | MAP_FIXED, -EINVAL, "unaligned fixed" },
		{ BASE + 0x800, PAGE, RW, ANON_PRIV | MAP_FIXED_NOREPLACE, -EINVAL,
		  "unaligned noreplace" },
		{ BASE, PAGE, 0x10, ANON_PRIV | MAP_FIXED, -EINVAL, "bad prot" },
		{ BASE, PAGE, PROT_READ | 0x100, ANON_PRIV | MAP_FIXED, -EINVAL, "bad prot bit" },
		{ BASE, PAGE, RW, MAP_ANONYMOUS | MAP_FIXED, -EINVAL, "neither shared nor private" },
		{ BASE, PAGE, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -EINVAL,
		  "both shared and private" },
		{ BASE, PAGE, RW, ANON_PRIV | MAP_FIXED | 0x800000, -EINVAL, "unknown flag" },
		{ st.user_top - PAGE, 2 * PAGE, RW, ANON_PRIV | MAP_FIXED, -ENOMEM,
		  "fixed across user_top" },
		{ st.user_top, PAGE, RW, ANON_PRIV | MAP_FIXED, -ENOMEM, "fixed at user_top" },
		{ st.kernel_base, PAGE, RW, ANON_PRIV | MAP_FIXED, -ENOMEM, "fixed in the kernel" },
		{ st.user_top - PAGE, 2 * PAGE, RW, ANON_PRIV | MAP_FIXED_NOREPLACE, -ENOMEM,
		  "noreplace across user_top" },
		{ 0, st.user_top, RW, ANON_PRIV, -ENOMEM, "larger than the free space" },
		{ 0, 1ull << 62 << (st.va_bits == 64 ? 1 : 0), RW, ANON_PRIV, -ENOMEM, "huge" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = 0x1234;
		int rc = vmfs_mmap(m, pid, cases[i].addr, cases[i].len, cases[i].prot,
				   cases[i].flags, NULL, 0, &out);
		if (rc != cases[i].err)
			print_error("%s: mmap = %d, expected %d\n", cases[i].what, rc, cases[i].err);
		assert_int_equal(rc, cases[i].err);
		assert_true(strlen(vmfs_errmsg()) > 0);
	}
	/* a misaligned offset, and any named object (none exist in 0.1) */
	assert_int_equal(vmfs_mmap(m, pid, BASE, PAGE, RW, ANON_PRIV | MAP_FIXED, NULL, 12, &out),
			 -EINVAL);
	assert_int_equal(vmfs_mmap(m, pid, BASE, PAGE, RW, MAP_PRIVATE | MAP_FIXED, "libc.so", 0,
				   &out), -ENOENT);
	/* nothing changed */
	assert_int_equal(pstat(m, pid).vm_pages, 0);
	assert_int_equal(vmfs_maps(m, pid, NULL, 0), 0);

	/* MAP_FIXED_NOREPLACE over a mapping: -EEXIST, also when only partly over */
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);
	put_byte(m, pid, BASE, 7);
	assert_int_equal(vmfs_mmap(m, pid, BASE, PAGE, PROT_READ,
				   ANON_PRIV | MAP_FIXED_NOREPLACE, NULL, 0, &out), -EEXIST);
	assert_int_equal(vmfs_mmap(m, pid, BASE - PAGE, 2 * PAGE, PROT_READ,
				   ANON_PRIV | MAP_FIXED_NOREPLACE, NULL, 0, &out), -EEXIST);
	assert_int_equal(get_byte(m, pid, BASE), 7);
	/* next to it is fine */
	assert_int_equal(vmfs_mmap(m, pid, BASE + 2 * PAGE, PAGE, PROT_READ,
				   ANON_PRIV | MAP_FIXED_NOREPLACE, NULL, 0, &out), 0);
	assert_int_equal(out, BASE + 2 * PAGE);
	/* MAP_SHARED without MAP_ANONYMOUS and no object is anonymous too */
	assert_int_equal(vmfs_mmap(m, pid, BASE + 8 * PAGE, PAGE, RW, MAP_SHARED | MAP_FIXED,
				   NULL, 0, NULL), 0);
	vmfs_close(m);
}

static void test_mmap_fixed_replaces(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "mm");
	struct vmfs_map maps[8];
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	for (int i = 0; i < 4; i++)
		put_byte(m, pid, BASE + i * PAGE + 5, (unsigned char)(0x10 + i));
	map_fixed(m, pid, BASE + PAGE, 2 * PAGE, PROT_READ, ANON_PRIV);
	assert_int_equal(nmaps(m, pid, maps, 8), 3);
	assert_int_equal(maps[0].start, BASE);
	assert_int_equal(maps[0].end, BASE + PAGE);
	assert_int_equal(maps[0].prot, RW);
	assert_int_equal(maps[1].start, BASE + PAGE);
	assert_int_equal(maps[1].end, BASE + 3 * PAGE);
	assert_int_equal(maps[1].prot, PROT_READ);
	assert_int_equal(maps[2].start, BASE + 3 * PAGE);
	assert_int_equal(maps[2].end, BASE + 4 * PAGE);
	assert_int_equal(get_byte(m, pid, BASE + 5), 0x10);
	assert_int_equal(get_byte(m, pid, BASE + PAGE + 5), 0);      /* fresh */
	assert_int_equal(get_byte(m, pid, BASE + 2 * PAGE + 5), 0);
	assert_int_equal(get_byte(m, pid, BASE + 3 * PAGE + 5), 0x13);
	unsigned char c = 1;
	assert_int_equal(vmfs_write(m, pid, BASE + PAGE, &c, 1), -EFAULT);
	/* len is rounded up to pages */
	uint64_t out;
	assert_int_equal(vmfs_mmap(m, pid, BASE + 16 * PAGE, 1, RW, ANON_PRIV | MAP_FIXED, NULL,
				   0, &out), 0);
	assert_int_equal(pstat(m, pid).vm_pages, 5);
	assert_int_equal(nmaps(m, pid, maps, 8), 4);
	assert_int_equal(maps[3].end - maps[3].start, PAGE);
	assert_int_equal(maps[3].flags & (MAP_PRIVATE | MAP_SHARED), MAP_PRIVATE);
	assert_true(maps[3].flags & MAP_ANONYMOUS);
	assert_string_equal(maps[3].object, "");
	vmfs_close(m);
}

static void test_mmap_placement(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	struct vmfs_stat st = mstat(m);
	int pid = spawn(m, "mm");
	uint64_t a = 0, b = 0, c = 0, d = 0, e = 0;
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, RW, ANON_PRIV, NULL, 0, &a), 0);
	assert_int_equal(a, st.user_top - PAGE);
	assert_int_equal(vmfs_mmap(m, pid, 0, 3 * PAGE - 100, RW, ANON_SHRD, NULL, 0, &b), 0);
	assert_int_equal(b, st.user_top - 4 * PAGE);
	/* a free hint is used */
	assert_int_equal(vmfs_mmap(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV, NULL, 0, &c), 0);
	assert_int_equal(c, BASE);
	/* an occupied hint is not: top-down again */
	assert_int_equal(vmfs_mmap(m, pid, BASE + PAGE, PAGE, RW, ANON_PRIV, NULL, 0, &d), 0);
	assert_int_equal(d, st.user_top - 5 * PAGE);
	/* a hole at the top is filled first when big enough */
	assert_int_equal(vmfs_munmap(m, pid, st.user_top - 3 * PAGE, PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, 2 * PAGE, RW, ANON_PRIV, NULL, 0, &e), 0);
	assert_int_equal(e, st.user_top - 7 * PAGE);
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, RW, ANON_PRIV, NULL, 0, &e), 0);
	assert_int_equal(e, st.user_top - 3 * PAGE);
	/* a hint below 0x10000 is not used */
	assert_int_equal(vmfs_mmap(m, pid, 0x1000, PAGE, RW, ANON_PRIV, NULL, 0, &e), 0);
	assert_true(e >= 0x10000);
	assert_int_equal(e, st.user_top - 8 * PAGE);
	/* out may be NULL */
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(pstat(m, pid).vm_pages, 11);
	vmfs_close(m);
}

static void test_munmap(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	struct vmfs_stat st = mstat(m);
	int pid = spawn(m, "mm");
	struct vmfs_map maps[8];
	map_fixed(m, pid, BASE, 3 * PAGE, RW, ANON_PRIV);
	put_byte(m, pid, BASE + 2 * PAGE, 9);
	assert_int_equal(vmfs_munmap(m, pid, BASE + 1, PAGE), -EINVAL);
	assert_int_equal(vmfs_munmap(m, pid, BASE, 0), -EINVAL);
	assert_int_equal(vmfs_munmap(m, pid, st.user_top - PAGE, 2 * PAGE), -EINVAL);
	assert_int_equal(vmfs_munmap(m, pid, st.kernel_base, PAGE), -EINVAL);
	assert_int_equal(nmaps(m, pid, maps, 8), 1);
	assert_int_equal(vmfs_munmap(m, pid, BASE + 64 * PAGE, 16 * PAGE), 0);   /* a hole */
	assert_int_equal(vmfs_munmap(m, pid, BASE + PAGE, 1), 0);   /* rounded up to a page */
	assert_int_equal(nmaps(m, pid, maps, 8), 2);
	assert_int_equal(maps[0].start, BASE);
	assert_int_equal(maps[0].end, BASE + PAGE);
	assert_int_equal(maps[1].start, BASE + 2 * PAGE);
	assert_int_equal(maps[1].end, BASE + 3 * PAGE);
	assert_int_equal(maps[1].prot, RW);
	unsigned char c;
	struct vmfs_fault f;
	assert_int_equal(vmfs_access(m, pid, BASE + PAGE + 10, &c, 1, VMFS_ACCESS_READ, &f),
			 -EFAULT);
	assert_int_equal(f.si_code, VMFS_SEGV_MAPERR);
	assert_int_equal(get_byte(m, pid, BASE + 2 * PAGE), 9);
	assert_int_equal(pstat(m, pid).vm_pages, 2);
	/* the whole thing, across the hole */
	assert_int_equal(vmfs_munmap(m, pid, BASE, 3 * PAGE), 0);
	assert_int_equal(nmaps(m, pid, maps, 8), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 0);
	vmfs_close(m);
}

static void test_mprotect(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	struct vmfs_stat st = mstat(m);
	int pid = spawn(m, "mp");
	struct vmfs_map maps[8];
	map_fixed(m, pid, BASE, 4 * PAGE, RW, ANON_PRIV);
	put_byte(m, pid, BASE + PAGE, 3);
	/* first page unmapped, or outside user space: -ENOMEM and nothing changes */
	assert_int_equal(vmfs_mprotect(m, pid, BASE - PAGE, 2 * PAGE, PROT_READ), -ENOMEM);
	assert_int_equal(vmfs_mprotect(m, pid, st.user_top - PAGE, 2 * PAGE, PROT_READ), -ENOMEM);
	assert_int_equal(nmaps(m, pid, maps, 8), 1);
	assert_int_equal(maps[0].prot, RW);
	/* a hole after mapped pages: Linux's do_mprotect_pkey changes the part
	 * before the hole, then fails with ENOMEM */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 2 * PAGE, 3 * PAGE, PROT_READ), -ENOMEM);
	assert_int_equal(nmaps(m, pid, maps, 8), 2);
	assert_int_equal(maps[0].end, BASE + 2 * PAGE);
	assert_int_equal(maps[0].prot, RW);
	assert_int_equal(maps[1].start, BASE + 2 * PAGE);
	assert_int_equal(maps[1].end, BASE + 4 * PAGE);
	assert_int_equal(maps[1].prot, PROT_READ);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, 5 * PAGE, RW), -ENOMEM);
	assert_int_equal(nmaps(m, pid, maps, 8), 1);
	assert_int_equal(maps[0].prot, RW);
	put_byte(m, pid, BASE, 1);
	/* errors; length 0 succeeds (after the alignment check, before prot's) */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 8, PAGE, PROT_READ), -EINVAL);
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 8, 0, PROT_READ), -EINVAL);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, 0, PROT_READ), 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, 0, 0x10), 0);
	assert_int_equal(vmfs_mprotect(m, pid, 0, 0, PROT_READ), 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, PAGE, 0x10), -EINVAL);
	assert_int_equal(nmaps(m, pid, maps, 8), 1);
	assert_int_equal(maps[0].prot, RW);
	/* split in three */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + PAGE, 2 * PAGE, PROT_READ), 0);
	assert_int_equal(nmaps(m, pid, maps, 8), 3);
	assert_int_equal(maps[0].end, BASE + PAGE);
	assert_int_equal(maps[1].start, BASE + PAGE);
	assert_int_equal(maps[1].end, BASE + 3 * PAGE);
	assert_int_equal(maps[1].prot, PROT_READ);
	assert_int_equal(maps[2].prot, RW);
	unsigned char c = 5;
	assert_int_equal(vmfs_write(m, pid, BASE + PAGE, &c, 1), -EFAULT);
	assert_int_equal(get_byte(m, pid, BASE + PAGE), 3);
	/* PROT_NONE: no user access at all, but resident */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + PAGE, PAGE, PROT_NONE), 0);
	assert_int_equal(nmaps(m, pid, maps, 8), 4);
	assert_int_equal(vmfs_read(m, pid, BASE + PAGE, &c, 1), -EFAULT);
	struct vmfs_walk w = walk(m, pid, BASE + PAGE);
	assert_int_equal(w.state, VMFS_WALK_PROTNONE);
	assert_false(leaf(&w) & VMFS_PTE_P);
	assert_int_equal(w.prot, PROT_NONE);
	/* the debugger may still read it */
	assert_int_equal(vmfs_access(m, pid, BASE + PAGE, &c, 1,
				     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL), 1);
	assert_int_equal(c, 3);
	/* merge back */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + PAGE, 2 * PAGE, RW), 0);
	assert_int_equal(nmaps(m, pid, maps, 8), 1);
	assert_int_equal(maps[0].start, BASE);
	assert_int_equal(maps[0].end, BASE + 4 * PAGE);
	assert_int_equal(maps[0].prot, RW);
	assert_int_equal(get_byte(m, pid, BASE + PAGE), 3);
	put_byte(m, pid, BASE + PAGE, 4);
	assert_int_equal(get_byte(m, pid, BASE + PAGE), 4);
	vmfs_close(m);
}

/* ---- copy-on-write and sharing ----------------------------------------------------- */

static void test_cow(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int parent = spawn(m, "parent");
	map_fixed(m, parent, BASE, 2 * PAGE, RW, ANON_PRIV);
	put_byte(m, parent, BASE + 100, 'p');
	uint64_t frame0 = walk(m, parent, BASE).paddr >> 12;

	int child = vmfs_fork(m, parent);
	assert_true(child > parent);
	assert_int_equal(get_byte(m, child, BASE + 100), 'p');
	struct vmfs_walk wp = walk(m, parent, BASE), wc = walk(m, child, BASE);
	assert_int_equal(wp.state, VMFS_WALK_PRESENT);
	assert_int_equal(wc.state, VMFS_WALK_PRESENT);
	assert_int_equal(wp.paddr >> 12, frame0);
	assert_int_equal(wc.paddr >> 12, frame0);
	assert_true(leaf(&wp) & VMFS_PTE_COW);
	assert_true(leaf(&wc) & VMFS_PTE_COW);
	assert_false(leaf(&wp) & VMFS_PTE_RW);
	assert_false(leaf(&wc) & VMFS_PTE_RW);
	assert_int_not_equal(wp.level[0].table, wc.level[0].table);   /* own tables */

	/* child writes: a copy, the parent keeps its byte */
	struct vmfs_fault f;
	unsigned char c = 'c';
	assert_int_equal(vmfs_access(m, child, BASE + 100, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(f.cow, 1);
	assert_int_equal(f.si_code, 0);
	assert_int_equal(get_byte(m, parent, BASE + 100), 'p');
	assert_int_equal(get_byte(m, child, BASE + 100), 'c');
	wc = walk(m, child, BASE);
	assert_int_not_equal(wc.paddr >> 12, frame0);
	assert_true(leaf(&wc) & VMFS_PTE_RW);
	assert_false(leaf(&wc) & VMFS_PTE_COW);
	assert_int_equal(pstat(m, child).cow_flt, 1);
	assert_int_equal(walk(m, parent, BASE).paddr >> 12, frame0);
	/* the parent is now the last reference: its write takes the page over */
	c = 'P';
	assert_int_equal(vmfs_access(m, parent, BASE + 100, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(f.cow, 1);
	wp = walk(m, parent, BASE);
	assert_int_equal(wp.paddr >> 12, frame0);
	assert_true(leaf(&wp) & VMFS_PTE_RW);
	assert_int_equal(get_byte(m, child, BASE + 100), 'c');
	assert_int_equal(mstat(m).cow_fault, 2);

	/* the other way round: parent writes first, child unchanged */
	put_byte(m, parent, BASE + PAGE, 'x');
	int child2 = vmfs_fork(m, parent);
	assert_true(child2 > child);
	put_byte(m, parent, BASE + PAGE, 'y');
	assert_int_equal(get_byte(m, child2, BASE + PAGE), 'x');
	assert_int_equal(get_byte(m, parent, BASE + PAGE), 'y');
	vmfs_close(m);
}

/* ---- the shared zero page --------------------------------------------------------- */

static uint64_t pagemap1(vmfs *m, int pid, uint64_t addr)
{
	uint64_t pm = 0;
	assert_int_equal(vmfs_pagemap(m, pid, addr / PAGE, &pm, 1), 1);
	return pm;
}

/*
 * do_anonymous_page's zero-page path: a read of untouched private anonymous
 * memory maps the kernel image's last page, read-only and COW, a minor fault
 * with no frame (no Rss, nothing in smaps, pagemap: present with its PFN,
 * bits 56 and 61 clear); a write copies it into a zeroed frame (a minor and
 * a COW fault); fork copies the entry, munmap and exit drop it, freeing
 * nothing; the policy never sees it.  zero_page=0 and kernel=0 have none.
 */
static void test_zero_page(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=16,kernel=64K,policy=lru");
	struct vmfs_stat st = mstat(m);
	uint64_t zpfn = st.frames + st.kernel_pages - 1;
	assert_int_equal(st.zero_page, 1);
	assert_int_equal(st.zero_pfn, zpfn);
	int pid = spawn(m, "zero");
	map_fixed(m, pid, BASE, 8 * PAGE, RW, ANON_PRIV);
	uint64_t free0 = mstat(m).frames_free, alloc0 = mstat(m).pgalloc;

	/* Reads of 8 pages: zeros, 8 minor faults, no frame, no Rss. */
	unsigned char buf[8 * PAGE];
	struct vmfs_fault f;
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(vmfs_access(m, pid, BASE, buf, sizeof(buf), VMFS_ACCESS_READ, &f),
			 (ssize_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(f.minor, 8);
	assert_int_equal(f.cow, 0);
	assert_int_equal(pstat(m, pid).min_flt, 8);
	assert_int_equal(pstat(m, pid).rss_anon, 0);
	assert_int_equal(mstat(m).frames_free, free0);
	assert_int_equal(mstat(m).pgalloc, alloc0);
	assert_int_equal(mstat(m).anon_pages, 0);
	struct vmfs_walk w = walk(m, pid, BASE + 3 * PAGE);
	assert_int_equal(w.state, VMFS_WALK_PRESENT);
	assert_int_equal(w.paddr >> 12, zpfn);
	assert_false(leaf(&w) & VMFS_PTE_RW);
	assert_true(leaf(&w) & VMFS_PTE_COW);
	/* soft-dirty too: the mapping is new (VM_SOFTDIRTY), as on Linux */
	assert_int_equal(pagemap1(m, pid, BASE + 3 * PAGE), VMFS_PM_PRESENT | VMFS_PM_SOFT_DIRTY | zpfn);
	struct vmfs_map maps[4];
	assert_int_equal(nmaps(m, pid, maps, 4), 1);
	assert_int_equal(maps[0].rss, 0);
	assert_int_equal(maps[0].pss, 0);
	assert_int_equal(maps[0].anon, 0);
	assert_int_equal(maps[0].referenced, 0);
	/* The frame is the kernel image's, all zeros. */
	unsigned char z[PAGE];
	assert_int_equal(vmfs_phys_read(m, zpfn * PAGE, z, PAGE), PAGE);
	for (size_t i = 0; i < PAGE; i++)
		assert_int_equal(z[i], 0);

	/* A write: a COW of the zero page into a zeroed frame of its own. */
	unsigned char c = 'w';
	assert_int_equal(vmfs_access(m, pid, BASE + 3 * PAGE + 5, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(f.minor, 1);
	assert_int_equal(f.cow, 1);
	w = walk(m, pid, BASE + 3 * PAGE);
	assert_int_not_equal(w.paddr >> 12, zpfn);
	assert_true(w.paddr >> 12 < st.frames);
	assert_true(leaf(&w) & VMFS_PTE_RW);
	assert_false(leaf(&w) & VMFS_PTE_COW);
	assert_int_equal(pagemap1(m, pid, BASE + 3 * PAGE),
			 VMFS_PM_PRESENT | VMFS_PM_EXCLUSIVE | VMFS_PM_SOFT_DIRTY | (w.paddr >> 12));
	assert_int_equal(get_byte(m, pid, BASE + 3 * PAGE + 5), 'w');
	assert_int_equal(get_byte(m, pid, BASE + 3 * PAGE + 6), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 1);
	assert_int_equal(mstat(m).frames_free, free0 - 1);
	/* The zero page is untouched by it. */
	assert_int_equal(vmfs_phys_read(m, zpfn * PAGE, z, PAGE), PAGE);
	for (size_t i = 0; i < PAGE; i++)
		assert_int_equal(z[i], 0);

	/* fork copies the zero-page entries; the child's write copies too. */
	int child = vmfs_fork(m, pid);
	assert_true(child > 0);
	w = walk(m, child, BASE);
	assert_int_equal(w.paddr >> 12, zpfn);
	assert_true(leaf(&w) & VMFS_PTE_COW);
	assert_int_equal(pstat(m, child).rss_anon, 1);   /* the written page, shared */
	assert_int_equal(mstat(m).frames_free, free0 - 1);
	put_byte(m, child, BASE, 'c');
	assert_int_equal(get_byte(m, pid, BASE), 0);
	assert_int_equal(walk(m, pid, BASE).paddr >> 12, zpfn);
	assert_int_equal(mstat(m).frames_free, free0 - 2);

	/* A forced write through a read-only mapping copies it too, and a
	 * forced read of a PROT_NONE one reads zeros. */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 6 * PAGE, PAGE, PROT_READ), 0);
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 7 * PAGE, PAGE, PROT_NONE), 0);
	assert_int_equal(walk(m, pid, BASE + 6 * PAGE).paddr >> 12, zpfn);
	c = 'F';
	assert_int_equal(vmfs_access(m, pid, BASE + 6 * PAGE, &c, 1,
				     VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, &f), 1);
	assert_int_not_equal(walk(m, pid, BASE + 6 * PAGE).paddr >> 12, zpfn);
	assert_int_equal(get_byte(m, pid, BASE + 6 * PAGE), 'F');
	w = walk(m, pid, BASE + 7 * PAGE);
	assert_int_equal(w.state, VMFS_WALK_PROTNONE);
	assert_int_equal(w.paddr >> 12, zpfn);
	c = 1;
	assert_int_equal(vmfs_access(m, pid, BASE + 7 * PAGE, &c, 1,
				     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL), 1);
	assert_int_equal(c, 0);
	/* mprotect back to writable leaves it read-only: a write still copies. */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 7 * PAGE, PAGE, RW), 0);
	w = walk(m, pid, BASE + 7 * PAGE);
	assert_int_equal(w.paddr >> 12, zpfn);
	assert_false(leaf(&w) & VMFS_PTE_RW);

	/* Memory pressure evicts data pages only: reading 16 more untouched
	 * pages on a 16-frame machine takes nothing and evicts nothing. */
	uint64_t steal0 = mstat(m).pgsteal_direct;
	map_fixed(m, pid, (BASE + 0x100000), 16 * PAGE, RW, ANON_PRIV);
	for (int i = 0; i < 16; i++)
		assert_int_equal(get_byte(m, pid, (BASE + 0x100000) + (uint64_t)i * PAGE), 0);
	assert_int_equal(mstat(m).pgsteal_direct, steal0);

	/* munmap and exit drop zero-page entries and free only data frames. */
	uint64_t before = mstat(m).frames_free;
	assert_int_equal(vmfs_munmap(m, pid, (BASE + 0x100000), 16 * PAGE), 0);
	assert_int_equal(mstat(m).frames_free, before);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).frames_free, st.frames);
	assert_int_equal(vmfs_phys_read(m, zpfn * PAGE, z, PAGE), PAGE);
	for (size_t i = 0; i < PAGE; i++)
		assert_int_equal(z[i], 0);
	vmfs_close(m);

	/* zero_page=0 (vmfs-replay's machines), and kernel=0: a read takes a frame. */
	const char *without[] = { "frames=16,zero_page=0", "frames=16,kernel=0" };
	for (int k = 0; k < 2; k++) {
		m = open_machine(without[k]);
		assert_int_equal(mstat(m).zero_page, 0);
		pid = spawn(m, "nozero");
		map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
		assert_int_equal(get_byte(m, pid, BASE), 0);
		assert_int_equal(pstat(m, pid).rss_anon, 1);
		assert_int_equal(pagemap1(m, pid, BASE) & VMFS_PM_EXCLUSIVE, VMFS_PM_EXCLUSIVE);
		put_byte(m, pid, BASE, 1);
		assert_int_equal(pstat(m, pid).cow_flt, 0);
		vmfs_close(m);
	}
	vmfs *bad = NULL;
	assert_int_equal(vmfs_open(&bad, "zero_page=2"), -EINVAL);
	assert_null(bad);
}

static void test_cow_takeover_after_exit(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int parent = spawn(m, "parent");
	map_fixed(m, parent, BASE, PAGE, RW, ANON_PRIV);
	put_byte(m, parent, BASE, 1);
	uint64_t frame0 = walk(m, parent, BASE).paddr >> 12;
	uint64_t free_before = mstat(m).frames_free;
	int child = vmfs_fork(m, parent);
	assert_int_equal(mstat(m).frames_free, free_before);     /* nothing copied yet */
	assert_int_equal(vmfs_exit(m, child), 0);
	put_byte(m, parent, BASE, 2);
	struct vmfs_walk w = walk(m, parent, BASE);
	assert_int_equal(w.paddr >> 12, frame0);
	assert_true(leaf(&w) & VMFS_PTE_RW);
	assert_false(leaf(&w) & VMFS_PTE_COW);
	assert_int_equal(mstat(m).frames_free, free_before);
	assert_int_equal(get_byte(m, parent, BASE), 2);
	vmfs_close(m);
}

static void test_shared_across_fork(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int parent = spawn(m, "parent");
	map_fixed(m, parent, BASE, 2 * PAGE, RW, ANON_SHRD);
	put_byte(m, parent, BASE, 'a');           /* touched before the fork */
	int child = vmfs_fork(m, parent);
	put_byte(m, child, BASE, 'b');
	assert_int_equal(get_byte(m, parent, BASE), 'b');
	put_byte(m, parent, BASE + 1, 'c');
	assert_int_equal(get_byte(m, child, BASE + 1), 'c');
	assert_int_equal(walk(m, parent, BASE).paddr, walk(m, child, BASE).paddr);
	struct vmfs_walk w = walk(m, child, BASE);
	assert_false(leaf(&w) & VMFS_PTE_COW);
	/* a page first touched after the fork is shared too */
	put_byte(m, child, BASE + PAGE + 7, 'd');
	assert_int_equal(get_byte(m, parent, BASE + PAGE + 7), 'd');
	put_byte(m, parent, BASE + PAGE + 8, 'e');
	assert_int_equal(get_byte(m, child, BASE + PAGE + 8), 'e');
	/* and a grandchild shares as well */
	int grandchild = vmfs_fork(m, child);
	put_byte(m, grandchild, BASE + 2, 'g');
	assert_int_equal(get_byte(m, parent, BASE + 2), 'g');
	struct vmfs_map maps[2];
	assert_int_equal(nmaps(m, grandchild, maps, 2), 1);
	assert_int_equal(maps[0].flags & (MAP_SHARED | MAP_PRIVATE), MAP_SHARED);
	assert_true(pstat(m, parent).rss_shmem >= 1);
	vmfs_close(m);
}

/* ---- faults ------------------------------------------------------------------------- */

static void expect_segv(vmfs *m, int pid, uint64_t addr, unsigned how, int si_code,
			unsigned error_code)
{
	unsigned char buf[8] = { 1, 2, 3 };
	struct vmfs_fault f;
	memset(&f, 0, sizeof(f));
	uint64_t segv = pstat(m, pid).segv;
	uint64_t all = mstat(m).segfault;
	assert_int_equal(vmfs_access(m, pid, addr, buf, 1, how, &f), -EFAULT);
	assert_int_equal(f.si_code, si_code);
	assert_int_equal(f.error_code, error_code);
	assert_int_equal(f.addr, addr);
	assert_int_equal(f.err, -EFAULT);
	assert_int_equal(pstat(m, pid).segv, segv + 1);
	assert_int_equal(mstat(m).segfault, all + 1);
	char *line = last_kmsg_line(m);
	char want[256];
	struct vmfs_proc_stat ps = pstat(m, pid);
	snprintf(want, sizeof(want), "%s[%d]: segfault at %" PRIx64 " ip 0000000000000000 "
		 "sp 0000000000000000 error %x", ps.comm, pid, addr, error_code);
	assert_string_equal(line, want);
	free(line);
}

static void test_segfaults(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "segv");
	/* unmapped read: MAPERR, error 4, lowercase hex as "%lx" */
	expect_segv(m, pid, 0xdeadbeef, VMFS_ACCESS_READ, VMFS_SEGV_MAPERR, 4);
	expect_segv(m, pid, 0xabcdef0, VMFS_ACCESS_WRITE, VMFS_SEGV_MAPERR, 6);
	/* write to a read-only page: 6 while not present, 7 once it is */
	map_fixed(m, pid, BASE, 2 * PAGE, PROT_READ, ANON_PRIV);
	expect_segv(m, pid, BASE + 0x10, VMFS_ACCESS_WRITE, VMFS_SEGV_ACCERR, 6);
	assert_int_equal(get_byte(m, pid, BASE + 0x10), 0);
	expect_segv(m, pid, BASE + 0x10, VMFS_ACCESS_WRITE, VMFS_SEGV_ACCERR, 7);
	/* exec of a non-exec page: instruction-fetch bit */
	map_fixed(m, pid, BASE + 4 * PAGE, 2 * PAGE, RW, ANON_PRIV);
	expect_segv(m, pid, BASE + 4 * PAGE + 1, VMFS_ACCESS_EXEC, VMFS_SEGV_ACCERR, 0x14);
	put_byte(m, pid, BASE + 5 * PAGE, 0x90);
	expect_segv(m, pid, BASE + 5 * PAGE, VMFS_ACCESS_EXEC, VMFS_SEGV_ACCERR, 0x15);
	/* PROT_NONE: even a read faults */
	map_fixed(m, pid, BASE + 8 * PAGE, PAGE, PROT_NONE, ANON_PRIV);
	struct vmfs_fault f;
	unsigned char c;
	assert_int_equal(vmfs_access(m, pid, BASE + 8 * PAGE, &c, 1, VMFS_ACCESS_READ, &f),
			 -EFAULT);
	assert_int_equal(f.si_code, VMFS_SEGV_ACCERR);
	assert_true(f.error_code & VMFS_PF_USER);
	/* exec of an exec page works and reads the bytes */
	map_fixed(m, pid, BASE + 12 * PAGE, PAGE, PROT_READ | PROT_EXEC, ANON_PRIV);
	assert_int_equal(vmfs_access(m, pid, BASE + 12 * PAGE, &c, 1, VMFS_ACCESS_EXEC, &f), 1);
	assert_int_equal(f.si_code, 0);
	assert_int_equal(c, 0);
	assert_int_equal(pstat(m, pid).segv, 7);
	/* a bad @how */
	assert_int_equal(vmfs_access(m, pid, BASE, &c, 1, 0x3, NULL), -EINVAL);
	assert_int_equal(vmfs_access(m, pid, BASE, &c, 1, 0x100, NULL), -EINVAL);

	/* the comm is the first 15 bytes of the name */
	int longpid = spawn(m, "a-rather-long-process-name");
	expect_segv(m, longpid, 0x1000, VMFS_ACCESS_READ, VMFS_SEGV_MAPERR, 4);
	char *line = last_kmsg_line(m);
	char want[128];
	snprintf(want, sizeof(want), "a-rather-long-p[%d]: segfault at 1000 ", longpid);
	assert_memory_equal(line, want, strlen(want));
	free(line);
	vmfs_close(m);
}

static void test_kernel_half(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++) {
		vmfs *m = open_levels(64, levels);
		struct vmfs_stat st = mstat(m);
		int a = spawn(m, "a"), b = spawn(m, "b");
		unsigned char buf[64], phys[64];
		struct vmfs_fault f;
		/* user mode: a protection fault on a present page */
		assert_int_equal(vmfs_access(m, a, st.kernel_base, buf, 8, VMFS_ACCESS_READ, &f),
				 -EFAULT);
		assert_int_equal(f.si_code, VMFS_SEGV_ACCERR);
		assert_int_equal(f.error_code, VMFS_PF_USER | VMFS_PF_PROT);
		assert_int_equal(vmfs_write(m, a, st.kernel_base + 8, buf, 8), -EFAULT);
		assert_int_equal(vmfs_access(m, a, st.kernel_base, buf, 8,
					     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, &f), -EFAULT);
		/* supervisor mode reads the image and logs nothing */
		size_t loglen = vmfs_kmsg(m, NULL, 0);
		uint64_t segv = pstat(m, a).segv;
		uint64_t addr = st.kernel_base + st.kernel_pages * PAGE - 32;
		assert_int_equal(vmfs_access(m, a, addr, buf, 32, VMFS_ACCESS_READ |
					     VMFS_ACCESS_KERNEL, &f), 32);
		assert_int_equal(f.si_code, 0);
		struct vmfs_walk w = walk(m, a, addr);
		assert_int_equal(w.state, VMFS_WALK_PRESENT);
		assert_true(w.mapped);
		assert_false(leaf(&w) & VMFS_PTE_US);
		assert_int_equal(vmfs_phys_read(m, w.paddr, phys, 32), 32);
		assert_memory_equal(buf, phys, 32);
		verify_walk(m, a, addr, levels, buf[0]);
		/* the kernel's page tables are shared by every process */
		struct vmfs_walk wb = walk(m, b, addr);
		assert_int_equal(wb.paddr, w.paddr);
		for (int i = 1; i < levels; i++)
			assert_int_equal(wb.level[i].table, w.level[i].table);
		assert_int_equal(vmfs_kmsg(m, NULL, 0), loglen);
		assert_int_equal(pstat(m, a).segv, segv);
		/* past the image: a supervisor fault, still not a segfault log line */
		ssize_t past = vmfs_access(m, a, st.kernel_base + st.kernel_pages * PAGE, buf, 8,
					   VMFS_ACCESS_READ | VMFS_ACCESS_KERNEL, &f);
		assert_int_equal(past, -EFAULT);
		assert_int_equal(vmfs_kmsg(m, NULL, 0), loglen);
		vmfs_close(m);
	}
}

static void test_noncanonical(void **state)
{
	(void)state;
	struct { int levels; uint64_t addr; } cases[] = {
		{ 2, 0x0000000020000000ull }, { 2, 0xffffffffdffff000ull },
		{ 3, 0x0000004000000000ull }, { 3, 0x8000000000000000ull },
		{ 4, 0x0000800000000000ull }, { 4, 0xffff7fffffffffffull },
		{ 4, 0x0001000000000000ull },
		{ 5, 0x0100000000000000ull }, { 5, 0xfeffffffffffffffull },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmfs *m = open_levels(64, cases[i].levels);
		int pid = spawn(m, "nc");
		unsigned char c = 0;
		struct vmfs_fault f;
		struct vmfs_walk w;
		assert_int_equal(vmfs_access(m, pid, cases[i].addr, &c, 1, VMFS_ACCESS_READ, &f),
				 -EFAULT);
		assert_int_equal(f.si_code, VMFS_SEGV_ACCERR);
		assert_int_equal(vmfs_write(m, pid, cases[i].addr, &c, 1), -EFAULT);
		assert_int_equal(vmfs_access(m, pid, cases[i].addr, &c, 1,
					     VMFS_ACCESS_READ | VMFS_ACCESS_KERNEL, &f), -EFAULT);
		assert_int_equal(vmfs_translate(m, pid, cases[i].addr, &w), -EFAULT);
		assert_int_equal(vmfs_mmap(m, pid, cases[i].addr & ~0xfffull, PAGE, RW,
					   ANON_PRIV | MAP_FIXED, NULL, 0, NULL), -ENOMEM);
		vmfs_close(m);
	}
}

static void test_canonical_edges(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++) {
		vmfs *m = open_levels(64, levels);
		struct vmfs_stat st = mstat(m);
		int pid = spawn(m, "edge");
		uint64_t last = st.user_top - 1;         /* 0x00007fffffffffff at 4 levels */
		if (levels == 4)
			assert_int_equal(last, 0x00007fffffffffffull);
		if (levels == 5)
			assert_int_equal(last, 0x00ffffffffffffffull);
		if (levels == 6)
			assert_int_equal(last, 0x7fffffffffffffffull);
		map_fixed(m, pid, st.user_top - PAGE, PAGE, RW, ANON_PRIV);
		put_byte(m, pid, last, 0xee);
		assert_int_equal(get_byte(m, pid, last), 0xee);
		verify_walk(m, pid, last, levels, 0xee);
		/* a read across the top: only the user bytes */
		unsigned char buf[16];
		assert_int_equal(vmfs_read(m, pid, last - 7, buf, 16), 8);
		assert_int_equal(buf[7], 0xee);
		/* the lowest mappable address */
		map_fixed(m, pid, 0x10000, PAGE, RW, ANON_PRIV);
		put_byte(m, pid, 0x10000, 0x11);
		verify_walk(m, pid, 0x10000, levels, 0x11);
		vmfs_close(m);
	}
}

/* vmfs_read_with hands out the bytes vmfs_read copies, as pieces of RAM. */
struct gathered {
	unsigned char data[3 * PAGE];
	size_t        len;
	int           calls, pieces, fail;
};

static int gather(void *arg, const struct iovec *iov, int iovcnt)
{
	struct gathered *g = arg;

	g->calls++;
	g->pieces = iovcnt;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(g->data + g->len, iov[i].iov_base, iov[i].iov_len);
		g->len += iov[i].iov_len;
	}
	return g->fail;
}

static void test_read_with(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "spans");
	unsigned char buf[3 * PAGE], back[3 * PAGE];
	struct gathered g = { .len = 0 };

	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);     /* BASE+2 pages: a hole */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13 + 5);
	assert_int_equal(vmfs_write(m, pid, BASE, buf, 2 * PAGE), 2 * PAGE);
	/* The same bytes and the same short count as vmfs_read. */
	assert_int_equal(vmfs_read(m, pid, BASE + 100, back, 3 * PAGE), 2 * PAGE - 100);
	assert_int_equal(vmfs_read_with(m, pid, BASE + 100, 3 * PAGE, gather, &g), 2 * PAGE - 100);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.len, 2 * PAGE - 100);
	assert_memory_equal(g.data, back, g.len);
	/* Two frames handed out in a row on a fresh machine are next to each other. */
	assert_int_equal(g.pieces, 1);
	/* Nothing readable: -EFAULT and no call; the callback's error comes back. */
	g = (struct gathered){ .len = 0 };
	assert_int_equal(vmfs_read_with(m, pid, BASE + 2 * PAGE, 10, gather, &g), -EFAULT);
	assert_int_equal(g.calls, 0);
	g = (struct gathered){ .fail = -EPIPE };
	assert_int_equal(vmfs_read_with(m, pid, BASE, 10, gather, &g), -EPIPE);
	assert_int_equal(vmfs_read_with(m, pid, BASE, 10, NULL, NULL), -EINVAL);
	assert_int_equal(vmfs_read_with(m, 999, BASE, 10, gather, &g), -ESRCH);
	vmfs_close(m);
}

/*
 * vmfs_accessv against vmfs_access: two machines get the same stream of
 * accesses (reads, writes and fetches of 1 to 6000 bytes, some crossing
 * pages, some into a hole or a read-only or no-access mapping, under
 * memory pressure with a fork sharing COW pages), one as batches and one
 * call at a time.  Every result, every byte read and every counter must
 * agree, under every built-in policy.
 */

static void twin_setup(vmfs *m, int *pid)
{
	unsigned char page[PAGE];

	*pid = spawn(m, "twin");
	map_fixed(m, *pid, BASE, 24 * PAGE, RW, ANON_PRIV);
	map_fixed(m, *pid, BASE + 24 * PAGE, 4 * PAGE, PROT_READ, ANON_PRIV);
	map_fixed(m, *pid, BASE + 28 * PAGE, 2 * PAGE, PROT_NONE, ANON_PRIV);
	map_fixed(m, *pid, BASE + 30 * PAGE, 2 * PAGE, PROT_READ | PROT_EXEC, ANON_PRIV);
	/* BASE + 32 pages onwards: a hole */
	for (unsigned i = 0; i < 24; i++) {
		memset(page, (int)(i + 1), sizeof(page));
		assert_int_equal(vmfs_write(m, *pid, BASE + i * PAGE, page, PAGE), PAGE);
	}
	assert_true(vmfs_fork(m, *pid) > 0);   /* its pages are COW from here */
}

/* @log with everything but its segfault messages cut out, in place. */
static char *segfault_lines(char *log)
{
	char *out = log;

	for (char *line = log, *end; *line; line = end + 1) {
		char *msg = strchr(line, ']');

		end = strchr(line, '\n');
		if (!end)
			break;
		if (msg && msg < end && strstr(msg, "segfault at") && strstr(msg, "segfault at") < end) {
			memmove(out, msg, (size_t)(end + 1 - msg));
			out += end + 1 - msg;
		}
	}
	*out = '\0';
	return log;
}

static void test_accessv_matches_access(void **state)
{
	static const char *const policies[] = { "clock", "lru", "fifo", "arc" };
	enum { OPS = 3000, MAXLEN = 6000 };
	(void)state;

	for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		char opts[64];
		vmfs *a, *b;
		int pa, pb;
		uint64_t seed = 0x5eed + p;
		struct vmfs_iop *iop = calloc(OPS, sizeof(*iop));
		unsigned char *bufa = calloc(OPS, MAXLEN), *bufb = calloc(OPS, MAXLEN);
		struct vmfs_proc_stat sa, sb;
		struct vmfs_stat ma, mb;
		size_t at = 0, batches = 0, stops = 0;
		char ka[8192], kb[8192];

		assert_non_null(iop);
		assert_non_null(bufa);
		assert_non_null(bufb);
		snprintf(opts, sizeof(opts), "frames=12,tlb=8,policy=%s", policies[p]);
		a = open_machine(opts);
		b = open_machine(opts);
		twin_setup(a, &pa);
		twin_setup(b, &pb);
		for (size_t i = 0; i < OPS; i++) {
			uint64_t r = splitmix64(&seed);
			unsigned type = (unsigned)(r % 40);

			/* Mostly reads and writes of the read-write pages, some strays. */
			iop[i].how = type < 25 ? VMFS_ACCESS_READ : type < 39 ? VMFS_ACCESS_WRITE
										: VMFS_ACCESS_EXEC;
			iop[i].addr = BASE + (r >> 8) % ((r >> 60) ? 24 * PAGE : 34 * PAGE);
			iop[i].len = (r >> 40) % 8 == 0 ? 1 + (r >> 44) % MAXLEN : 1 + (r >> 44) % 9;
			iop[i].buf = bufa + i * MAXLEN;
			if (iop[i].how == VMFS_ACCESS_WRITE)
				for (size_t k = 0; k < iop[i].len; k++)
					bufa[i * MAXLEN + k] = bufb[i * MAXLEN + k] = (unsigned char)(i + k);
		}
		/* Batches of 1 to 40 accesses; after a stop, the next batch starts past it. */
		while (at < OPS) {
			size_t n = 1 + splitmix64(&seed) % 40;
			ssize_t done;

			if (n > OPS - at)
				n = OPS - at;
			done = vmfs_accessv(a, pa, iop + at, n);
			assert_true(done >= 0 && (size_t)done <= n);
			batches++;
			for (size_t i = at; i < at + (size_t)done + ((size_t)done < n); i++) {
				ssize_t want = vmfs_access(b, pb, iop[i].addr, bufb + i * MAXLEN,
							   iop[i].len, iop[i].how, NULL);

				assert_int_equal(iop[i].res, want);
				if (want > 0 && iop[i].how != VMFS_ACCESS_WRITE)
					assert_memory_equal(bufa + i * MAXLEN, bufb + i * MAXLEN, (size_t)want);
				if (i < at + (size_t)done)
					assert_int_equal(want, (ssize_t)iop[i].len);
			}
			if ((size_t)done < n)
				stops++;
			at += (size_t)done + ((size_t)done < n);
		}
		assert_true(stops > 0);   /* the stream did hit holes and protections */
		assert_int_equal(vmfs_proc_stat(a, pa, &sa), 0);
		assert_int_equal(vmfs_proc_stat(b, pb, &sb), 0);
		assert_int_equal(sa.min_flt, sb.min_flt);
		assert_int_equal(sa.maj_flt, sb.maj_flt);
		assert_int_equal(sa.cow_flt, sb.cow_flt);
		assert_int_equal(sa.segv, sb.segv);
		assert_int_equal(sa.rss_anon, sb.rss_anon);
		assert_int_equal(sa.swap, sb.swap);
		assert_int_equal(sa.tlb_hit, sb.tlb_hit);
		assert_int_equal(sa.tlb_miss, sb.tlb_miss);
		assert_int_equal(vmfs_stat(a, &ma), 0);
		assert_int_equal(vmfs_stat(b, &mb), 0);
		assert_int_equal(ma.pswpout, mb.pswpout);
		assert_int_equal(ma.pswpin, mb.pswpin);
		assert_int_equal(ma.pgfault, mb.pgfault);
		assert_int_equal(ma.pgmajfault, mb.pgmajfault);
		assert_true(ma.pswpout > 0);   /* the pressure was real */
		/* The same segfault lines (times aside) in both kernel logs. */
		vmfs_kmsg(a, ka, sizeof(ka));
		vmfs_kmsg(b, kb, sizeof(kb));
		assert_string_equal(segfault_lines(ka), segfault_lines(kb));
		assert_non_null(strstr(ka, "segfault at"));
		print_message("%s: %d accesses in %zu batches, %zu stopped early; %llu swapped out\n",
			      policies[p], OPS, batches, stops, (unsigned long long)ma.pswpout);
		vmfs_close(a);
		vmfs_close(b);
		free(iop);
		free(bufa);
		free(bufb);
	}
}

static void test_accessv_errors(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=16");
	int pid = spawn(m, "batch");
	uint64_t w = 0x1122334455667788ull, r1 = 0, r2 = 0;
	struct vmfs_iop iop[4];

	map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
	assert_int_equal(vmfs_accessv(m, pid, NULL, 0), 0);
	assert_int_equal(vmfs_accessv(m, pid, NULL, 1), -EINVAL);
	assert_int_equal(vmfs_accessv(NULL, pid, iop, 1), -EINVAL);
	iop[0] = (struct vmfs_iop){ .addr = BASE, .buf = &w, .len = 8, .how = VMFS_ACCESS_WRITE };
	assert_int_equal(vmfs_accessv(m, 999, iop, 1), -ESRCH);
	/* A write, a read of it, then a bad @how: two done, the third says why. */
	iop[1] = (struct vmfs_iop){ .addr = BASE, .buf = &r1, .len = 8, .how = VMFS_ACCESS_READ };
	iop[2] = (struct vmfs_iop){ .addr = BASE, .buf = &r2, .len = 8, .how = 0x40 };
	iop[3] = (struct vmfs_iop){ .addr = BASE, .buf = &r2, .len = 8, .how = VMFS_ACCESS_READ, .res = 77 };
	assert_int_equal(vmfs_accessv(m, pid, iop, 4), 2);
	assert_int_equal(iop[0].res, 8);
	assert_int_equal(iop[1].res, 8);
	assert_int_equal(r1, w);
	assert_int_equal(iop[2].res, -EINVAL);
	assert_int_equal(iop[3].res, 77);   /* not made, not touched */
	assert_int_equal(r2, 0);
	/* A NULL buffer with a length stops the batch with -EINVAL; with 0 bytes it is fine. */
	iop[0] = (struct vmfs_iop){ .addr = BASE, .buf = NULL, .len = 0, .how = VMFS_ACCESS_READ };
	iop[1] = (struct vmfs_iop){ .addr = BASE, .buf = NULL, .len = 8, .how = VMFS_ACCESS_READ };
	assert_int_equal(vmfs_accessv(m, pid, iop, 2), 1);
	assert_int_equal(iop[0].res, 0);
	assert_int_equal(iop[1].res, -EINVAL);
	/* A segfault stops it with -EFAULT, counted once, as vmfs_access would. */
	iop[0] = (struct vmfs_iop){ .addr = BASE, .buf = &r1, .len = 8, .how = VMFS_ACCESS_READ };
	iop[1] = (struct vmfs_iop){ .addr = BASE + 5 * PAGE, .buf = &r1, .len = 8, .how = VMFS_ACCESS_READ };
	iop[2] = (struct vmfs_iop){ .addr = BASE, .buf = &r1, .len = 8, .how = VMFS_ACCESS_READ };
	assert_int_equal(vmfs_accessv(m, pid, iop, 3), 1);
	assert_int_equal(iop[1].res, -EFAULT);
	/* A short access stops it with its count. */
	iop[0] = (struct vmfs_iop){ .addr = BASE + PAGE - 4, .buf = &r1, .len = 8, .how = VMFS_ACCESS_READ };
	assert_int_equal(vmfs_accessv(m, pid, iop, 2), 0);
	assert_int_equal(iop[0].res, 4);
	{
		struct vmfs_proc_stat ps;

		assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
		assert_int_equal(ps.segv, 1);
	}
	vmfs_close(m);
}

/*
 * A read that brings its later pages back from swap must not evict the
 * frames of its earlier pieces (they are pinned until the callback ran).
 */
struct checked {
	uint64_t pages_ok, bytes;
};

static int check_pieces(void *arg, const struct iovec *iov, int iovcnt)
{
	struct checked *c = arg;

	for (int i = 0; i < iovcnt; i++) {
		const unsigned char *p = iov[i].iov_base;

		for (size_t off = 0; off < iov[i].iov_len; off += PAGE) {
			uint64_t page = (c->bytes + off) / PAGE;
			size_t j;

			for (j = 0; j < PAGE && p[off + j] == (unsigned char)(page * 7 + 3); j++)
				;
			c->pages_ok += j == PAGE;
		}
		c->bytes += iov[i].iov_len;
	}
	return 0;
}

static void test_read_with_under_pressure(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "pinned");
	unsigned char page[PAGE];
	struct checked c = { 0, 0 };

	map_fixed(m, pid, BASE, 256 * PAGE, RW, ANON_PRIV);
	for (uint64_t i = 0; i < 256; i++) {
		memset(page, (int)(unsigned char)(i * 7 + 3), PAGE);
		assert_int_equal(vmfs_write(m, pid, BASE + i * PAGE, page, PAGE), PAGE);
	}
	assert_true(vmfs_reclaim(m, 1000) > 0);
	/* 256 pages through 64 frames: all of them, right, in one call (when
	 * its own pins fill memory the read finishes by copying). */
	ssize_t n = vmfs_read_with(m, pid, BASE, 256 * PAGE, check_pieces, &c);
	assert_int_equal(n, 256 * PAGE);
	assert_int_equal(c.bytes, 256 * PAGE);
	assert_int_equal(c.pages_ok, 256);
	/* Nothing stays pinned: the rest reads back, page by page. */
	for (uint64_t i = 0; i < 256; i++) {
		assert_int_equal(vmfs_read(m, pid, BASE + i * PAGE, page, PAGE), PAGE);
		assert_int_equal(page[0], (unsigned char)(i * 7 + 3));
	}
	vmfs_close(m);
}

static void test_partial_transfer(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "part");
	map_fixed(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV);      /* BASE+2 pages: a hole */
	unsigned char buf[3 * PAGE], back[3 * PAGE];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	/* write spanning both pages then the hole: the mapped bytes */
	assert_int_equal(vmfs_write(m, pid, BASE + 100, buf, 2 * PAGE), 2 * PAGE - 100);
	assert_int_equal(vmfs_read(m, pid, BASE + 100, back, 2 * PAGE), 2 * PAGE - 100);
	assert_memory_equal(back, buf, 2 * PAGE - 100);
	assert_int_equal(vmfs_read(m, pid, BASE + 2 * PAGE - 1, back, 2), 1);
	assert_int_equal(back[0], buf[2 * PAGE - 101]);
	/* starting in the hole: -EFAULT */
	assert_int_equal(vmfs_read(m, pid, BASE + 2 * PAGE, back, 10), -EFAULT);
	assert_int_equal(vmfs_write(m, pid, BASE + 2 * PAGE + 5, buf, PAGE), -EFAULT);
	/* a short count is not a segfault */
	uint64_t segv = pstat(m, pid).segv;
	assert_int_equal(vmfs_read(m, pid, BASE + PAGE, back, 3 * PAGE), PAGE);
	assert_int_equal(pstat(m, pid).segv, segv);
	/* read-only second page: a write stops there */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + PAGE, PAGE, PROT_READ), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + PAGE - 10, buf, 20), 10);
	assert_int_equal(vmfs_read(m, pid, BASE + PAGE - 10, back, 20), 20);
	assert_memory_equal(back, buf, 10);
	assert_int_equal(back[10], buf[PAGE - 100 + 0]);   /* unchanged from the first write */
	/* zero length transfers nothing */
	assert_int_equal(vmfs_read(m, pid, BASE, back, 0), 0);
	vmfs_close(m);
}

/* ---- page-table walks -------------------------------------------------------------- */

static void test_walks_every_depth(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++) {
		vmfs *m = open_levels(256, levels);
		struct vmfs_stat st = mstat(m);
		int pid = spawn(m, "walker");
		uint64_t mask = st.user_top - 1;
		uint64_t addrs[] = {
			0x10000,
			BASE + 0x123,
			(0x5a5a5a5a5a5a5a5aull & mask & ~0xfffull) | 0x7b,
			(0x2468ace013579bdfull & mask & ~0xfffull) | 0xfff,
			(0x7fdb97531eca8642ull & mask & ~0xfffull),
			st.user_top - PAGE + 1,
		};
		/* before anything is mapped: a partial walk, still consistent */
		verify_walk(m, pid, addrs[1], levels, -1);
		struct vmfs_walk w = walk(m, pid, addrs[1]);
		assert_int_equal(w.state, VMFS_WALK_NONE);
		assert_false(w.mapped);
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			uint64_t page = addrs[i] & ~0xfffull;
			if (walk(m, pid, addrs[i]).mapped)
				continue;      /* two addresses in one page */
			map_fixed(m, pid, page, PAGE, RW, ANON_PRIV);
			/* mapped but untouched: no page yet */
			w = walk(m, pid, addrs[i]);
			assert_true(w.mapped);
			assert_int_equal(w.prot, RW);
			assert_int_not_equal(w.state, VMFS_WALK_PRESENT);
			verify_walk(m, pid, addrs[i], levels, -1);
		}
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
			put_byte(m, pid, addrs[i], (unsigned char)(0x40 + i));
		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			verify_walk(m, pid, addrs[i], levels, 0x40 + (int)i);
			w = walk(m, pid, addrs[i]);
			uint64_t e = leaf(&w);
			assert_true(e & VMFS_PTE_P);
			assert_true(e & VMFS_PTE_US);
			assert_true(e & VMFS_PTE_RW);
			assert_true(e & VMFS_PTE_D);      /* written */
			assert_true(e & VMFS_PTE_A);
			assert_true(e & VMFS_PTE_NX);     /* not PROT_EXEC */
			for (int l = 0; l + 1 < levels; l++)
				assert_true(w.level[l].entry & VMFS_PTE_US);
		}
		/* the names of the levels */
		assert_string_equal(vmfs_level_name(levels, 0), "pgd");
		assert_string_equal(vmfs_level_name(levels, levels - 1), "pte");
		assert_string_equal(vmfs_level_name(levels, levels), "?");
		assert_string_equal(vmfs_level_name(levels, -1), "?");
		/* translate has no side effects */
		struct vmfs_proc_stat before = pstat(m, pid);
		struct vmfs_stat sbefore = mstat(m);
		for (int k = 0; k < 10; k++)
			walk(m, pid, addrs[1]);
		struct vmfs_proc_stat after = pstat(m, pid);
		assert_int_equal(after.tlb_hit, before.tlb_hit);
		assert_int_equal(after.tlb_miss, before.tlb_miss);
		assert_int_equal(after.min_flt, before.min_flt);
		assert_int_equal(mstat(m).pgfault, sbefore.pgfault);
		vmfs_close(m);
	}
	assert_string_equal(vmfs_level_name(4, 1), "pud");
	assert_string_equal(vmfs_level_name(4, 2), "pmd");
	assert_string_equal(vmfs_level_name(5, 1), "p4d");
	assert_string_equal(vmfs_level_name(5, 2), "pud");
	assert_string_equal(vmfs_level_name(1, 0), "?");
	assert_string_equal(vmfs_level_name(7, 0), "?");
}

static void test_phys_read(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	struct vmfs_stat st = mstat(m);
	unsigned char buf[16];
	assert_true(st.phys_size % PAGE == 0);
	assert_int_equal(vmfs_phys_read(m, st.phys_size - 4, buf, 16), 4);
	assert_int_equal(vmfs_phys_read(m, st.phys_size, buf, 16), 0);
	assert_int_equal(vmfs_phys_read(m, st.phys_size + 12345, buf, 16), 0);
	assert_int_equal(vmfs_phys_read(m, ~0ull - 3, buf, 16), 0);
	assert_int_equal(vmfs_phys_read(m, 0, buf, 16), 16);
	vmfs_close(m);
}

/* ---- contents=none ---------------------------------------------------------------- */

/*
 * The same work on a machine with contents and on one without: the second
 * reads zeros wherever the first reads what was written, and every counter,
 * every fault, the kernel image and every page-table entry are the same;
 * its swap file stays nearly empty (slots hold no rows).
 */
static void contents_work(vmfs *m, int pid, bool contents)
{
	enum { N = 64 };
	static unsigned char page[PAGE];

	map_fixed(m, pid, BASE, N * PAGE, RW, ANON_PRIV);
	for (unsigned i = 0; i < N; i++) {              /* 64 dirty pages through 16 frames */
		memset(page, (int)(i + 1), PAGE);
		assert_int_equal(vmfs_write(m, pid, BASE + i * PAGE, page, PAGE), PAGE);
	}
	for (unsigned i = 0; i < N; i++) {              /* every one back from swap */
		assert_int_equal(vmfs_read(m, pid, BASE + i * PAGE, page, PAGE), PAGE);
		for (unsigned k = 0; k < PAGE; k += 511)
			assert_int_equal(page[k], contents ? i + 1 : 0);
	}
	assert_int_equal(get_byte(m, pid, BASE + 5), contents ? 1 : 0);
}

static void test_contents_none(void **state)
{
	(void)state;
	char path[2][64];
	vmfs *m[2];
	int pid[2];
	struct vmfs_stat st[2];
	struct vmfs_proc_stat ps[2];
	static unsigned char upper[2][1 << 20];
	uint64_t data_bytes = 16 * PAGE, n;

	for (int c = 0; c < 2; c++) {                   /* c = 1: contents=ram */
		char opts[160];

		snprintf(path[c], sizeof(path[c]), "/tmp/vmfs-test-contents-%d-%d.db", (int)getpid(), c);
		snprintf(opts, sizeof(opts), "frames=16,kernel=256K,swap=%s,contents=%s", path[c], c ? "ram" : "none");
		m[c] = open_machine(opts);
		pid[c] = spawn(m[c], "contents");
		contents_work(m[c], pid[c], c == 1);
		st[c] = mstat(m[c]);
		ps[c] = pstat(m[c], pid[c]);
	}
	assert_true(st[0].pswpout >= 48 && st[0].pswpin >= 48);
	assert_int_equal(st[0].pswpout, st[1].pswpout);
	assert_int_equal(st[0].pswpin, st[1].pswpin);
	assert_int_equal(st[0].swap_used, st[1].swap_used);
	assert_int_equal(st[0].pgalloc, st[1].pgalloc);
	assert_int_equal(st[0].phys_size, st[1].phys_size);
	assert_int_equal(ps[0].min_flt, ps[1].min_flt);
	assert_int_equal(ps[0].maj_flt, ps[1].maj_flt);
	/* Data frames read as zeros; the kernel image and the page tables as with contents. */
	n = st[0].phys_size - data_bytes;
	assert_true(n <= sizeof(upper[0]));
	for (int c = 0; c < 2; c++)
		assert_int_equal(vmfs_phys_read(m[c], data_bytes, upper[c], n), (ssize_t)n);
	assert_memory_equal(upper[0], upper[1], n);
	{
		unsigned char frame[PAGE], zero[PAGE] = { 0 };

		assert_int_equal(vmfs_phys_read(m[0], PAGE, frame, PAGE), PAGE);
		assert_memory_equal(frame, zero, PAGE);
	}
	/* Objects: a size, and no bytes. */
	{
		unsigned char b[16];

		assert_int_equal(vmfs_object_create(m[0], "o", "hello", 5), 0);
		memset(b, 0xff, sizeof(b));
		assert_int_equal(vmfs_object_read(m[0], "o", 0, b, sizeof(b)), 5);
		for (int i = 0; i < 5; i++)
			assert_int_equal(b[i], 0);
		assert_int_equal(vmfs_object_write(m[0], "o", 10, "xyz", 3), 3);
		assert_int_equal(vmfs_object_read(m[0], "o", 0, b, sizeof(b)), 13);
		for (int i = 0; i < 13; i++)
			assert_int_equal(b[i], 0);
	}
	/* The swap file: 48 pages' rows or more in one, none in the other. */
	{
		struct stat fs[2];

		for (int c = 0; c < 2; c++) {
			assert_int_equal(vmfs_sync(m[c]), 0);
			assert_int_equal(stat(path[c], &fs[c]), 0);
		}
		/* An empty store is its schema: a 64 KiB page per table (store.c). */
		assert_true(fs[0].st_size <= 4 * 65536);
		assert_true(fs[1].st_size >= fs[0].st_size + 48 * (off_t)PAGE);
	}
	for (int c = 0; c < 2; c++) {
		vmfs_close(m[c]);
		unlink(path[c]);
		strcat(path[c], "-journal");
		unlink(path[c]);
	}
	/* A bad value is refused, and named. */
	{
		vmfs *bad = NULL;

		assert_int_equal(vmfs_open(&bad, "contents=maybe"), -EINVAL);
		assert_non_null(strstr(vmfs_errmsg(), "contents"));
	}
}

/* ---- TLB -------------------------------------------------------------------------- */

static void test_tlb_counters(void **state)
{
	(void)state;
	const char *opts[] = { "frames=64,tlb=64", "frames=64,tlb=0" };
	for (int t = 0; t < 2; t++) {
		vmfs *m = open_machine(opts[t]);
		int pid = spawn(m, "tlb");
		map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
		put_byte(m, pid, BASE, 1);
		for (int i = 0; i < 10; i++)
			assert_int_equal(get_byte(m, pid, BASE + (unsigned)i), i == 0);
		struct vmfs_proc_stat ps = pstat(m, pid);
		struct vmfs_stat st = mstat(m);
		if (t == 0) {
			assert_true(ps.tlb_hit >= 9);
			assert_true(ps.tlb_miss >= 1);
			assert_true(st.tlb_hit >= ps.tlb_hit);
		} else {
			assert_int_equal(ps.tlb_hit, 0);
			assert_int_equal(st.tlb_hit, 0);
		}
		vmfs_close(m);
	}
}

static void test_tlb_never_stale(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64,tlb=64");
	int pid = spawn(m, "stale");
	unsigned char c;
	/* read, munmap, read */
	map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
	put_byte(m, pid, BASE, 5);
	assert_int_equal(get_byte(m, pid, BASE), 5);
	assert_int_equal(vmfs_munmap(m, pid, BASE, PAGE), 0);
	assert_int_equal(vmfs_read(m, pid, BASE, &c, 1), -EFAULT);
	/* a new mapping there is fresh */
	map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
	assert_int_equal(get_byte(m, pid, BASE), 0);
	/* read, mprotect PROT_NONE, read */
	put_byte(m, pid, BASE, 6);
	assert_int_equal(get_byte(m, pid, BASE), 6);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, PAGE, PROT_NONE), 0);
	assert_int_equal(vmfs_read(m, pid, BASE, &c, 1), -EFAULT);
	/* write, mprotect read-only, write */
	assert_int_equal(vmfs_mprotect(m, pid, BASE, PAGE, RW), 0);
	put_byte(m, pid, BASE, 7);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, PAGE, PROT_READ), 0);
	c = 8;
	assert_int_equal(vmfs_write(m, pid, BASE, &c, 1), -EFAULT);
	assert_int_equal(get_byte(m, pid, BASE), 7);
	/* MAP_FIXED over a cached page */
	map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
	assert_int_equal(get_byte(m, pid, BASE), 0);
	/* write (cached writable), fork, write: a copy, not the shared frame */
	put_byte(m, pid, BASE, 'a');
	put_byte(m, pid, BASE, 'b');
	int child = vmfs_fork(m, pid);
	put_byte(m, pid, BASE, 'c');
	assert_int_equal(get_byte(m, child, BASE), 'b');
	assert_int_equal(get_byte(m, pid, BASE), 'c');
	put_byte(m, child, BASE, 'd');
	assert_int_equal(get_byte(m, pid, BASE), 'c');
	/* the same with the child caching first */
	int child2 = vmfs_fork(m, child);
	put_byte(m, child2, BASE, 'e');
	assert_int_equal(get_byte(m, child, BASE), 'd');
	assert_int_equal(get_byte(m, child2, BASE), 'e');
	vmfs_close(m);
}

/* ---- accounting ------------------------------------------------------------------- */

static void test_accounting(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=128");
	struct vmfs_stat st0 = mstat(m);
	int pid = spawn(m, "acct");
	struct vmfs_proc_stat ps = pstat(m, pid);
	assert_int_equal(ps.rss_anon, 0);
	assert_int_equal(ps.vm_pages, 0);
	assert_int_equal(ps.nr_maps, 0);
	assert_int_equal(mstat(m).frames_free, st0.frames_free);

	map_fixed(m, pid, BASE, 10 * PAGE, RW, ANON_PRIV);
	ps = pstat(m, pid);
	assert_int_equal(ps.vm_pages, 10);
	assert_int_equal(ps.nr_maps, 1);
	assert_int_equal(ps.rss_anon, 0);
	struct vmfs_stat st1 = mstat(m);
	assert_int_equal(st1.frames_free, st0.frames_free);

	struct vmfs_fault f;
	for (unsigned i = 0; i < 6; i++) {
		unsigned char c = (unsigned char)i;
		assert_int_equal(vmfs_access(m, pid, BASE + i * PAGE, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
		assert_int_equal(f.minor, 1);
		assert_int_equal(f.major, 0);
		assert_int_equal(f.cow, 0);
	}
	/* touching again is no fault */
	unsigned char c = 9;
	assert_int_equal(vmfs_access(m, pid, BASE, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
	assert_int_equal(f.minor, 0);
	ps = pstat(m, pid);
	assert_int_equal(ps.rss_anon, 6);
	assert_int_equal(ps.rss_shmem, 0);
	assert_int_equal(ps.min_flt, 6);
	assert_int_equal(ps.maj_flt, 0);
	assert_true(ps.pt_pages > 0);
	assert_true(ps.pt_pages <= 4);
	struct vmfs_stat st2 = mstat(m);
	assert_int_equal(st2.frames_free, st0.frames_free - 6);
	assert_int_equal(st2.pgalloc - st1.pgalloc, 6);
	assert_int_equal(st2.pgfault - st1.pgfault, 6);
	struct vmfs_map maps[2];
	assert_int_equal(nmaps(m, pid, maps, 2), 1);
	assert_int_equal(maps[0].rss, 6);
	assert_int_equal(maps[0].anon, 6);
	assert_int_equal(maps[0].dirty, 6);
	assert_int_equal(maps[0].referenced, 6);
	assert_int_equal(maps[0].swap, 0);
	assert_int_equal(maps[0].shared, 0);

	/* a shared mapping counts as shmem */
	map_fixed(m, pid, BASE + 32 * PAGE, 2 * PAGE, RW, ANON_SHRD);
	put_byte(m, pid, BASE + 32 * PAGE, 1);
	ps = pstat(m, pid);
	assert_int_equal(ps.rss_shmem, 1);
	assert_int_equal(ps.rss_anon, 6);
	assert_int_equal(ps.vm_pages, 12);
	assert_int_equal(ps.nr_maps, 2);

	/* without Linux's lists every resident page is active, shmem on the anon list */
	struct vmfs_lru_stat ls;
	assert_int_equal(vmfs_lru_stat(m, &ls), 0);
	assert_int_equal(ls.lists, 0);
	assert_int_equal(ls.nr_active_anon, 7);
	assert_int_equal(ls.nr_inactive_anon + ls.nr_active_file + ls.nr_inactive_file, 0);
	assert_int_equal(ls.pgactivate + ls.workingset_refault_anon, 0);
	assert_int_equal(vmfs_lru_stat(m, NULL), -EINVAL);

	/* munmap gives frames back */
	assert_int_equal(vmfs_munmap(m, pid, BASE + 5 * PAGE, PAGE), 0);
	assert_int_equal(pstat(m, pid).rss_anon, 5);
	assert_int_equal(mstat(m).frames_free, st0.frames_free - 6);

	/* fork shares, child write copies */
	int child = vmfs_fork(m, pid);
	assert_int_equal(mstat(m).frames_free, st0.frames_free - 6);
	assert_int_equal(pstat(m, child).rss_anon, 5);
	put_byte(m, child, BASE, 1);
	assert_int_equal(mstat(m).frames_free, st0.frames_free - 7);
	assert_int_equal(pstat(m, child).cow_flt, 1);

	/* exit gives everything back */
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	struct vmfs_stat st3 = mstat(m);
	assert_int_equal(st3.frames_free, st0.frames_free);
	assert_int_equal(st3.pgalloc - st0.pgalloc, st3.pgfree - st0.pgfree);
	assert_int_equal(st3.pgalloc - st0.pgalloc, 8);   /* 6 + 1 shared + 1 copy */
	assert_int_equal(st3.pagetable_pages, st0.pagetable_pages);
	assert_int_equal(st3.nr_processes, 0);
	vmfs_close(m);
}

static void test_frames_zeroed(void **state)
{
	(void)state;
	enum { N = 48 };
	vmfs *m = open_machine("frames=64");
	int a = spawn(m, "dirty");
	map_fixed(m, a, BASE, N * PAGE, RW, ANON_PRIV);
	static unsigned char pattern[N * PAGE], back[PAGE];
	memset(pattern, 0xaa, sizeof(pattern));
	assert_int_equal(vmfs_write(m, a, BASE, pattern, sizeof(pattern)), sizeof(pattern));
	assert_int_equal(vmfs_exit(m, a), 0);
	int b = spawn(m, "clean");
	map_fixed(m, b, BASE + 0x100000, N * PAGE, RW, ANON_PRIV);
	for (unsigned i = 0; i < N; i++)
		put_byte(m, b, BASE + 0x100000 + i * PAGE, 1);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(vmfs_read(m, b, BASE + 0x100000 + i * PAGE, back, PAGE), PAGE);
		assert_int_equal(back[0], 1);
		for (unsigned k = 1; k < PAGE; k++)
			if (back[k]) {
				print_error("page %u byte %u is %#x\n", i, k, back[k]);
				fail();
			}
	}
	vmfs_close(m);
}

static void test_force(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "dbg");
	unsigned char c = 'f';
	/* private read-only: force write works and breaks COW */
	map_fixed(m, pid, BASE, PAGE, PROT_READ, ANON_PRIV);
	int child = vmfs_fork(m, pid);
	assert_int_equal(vmfs_access(m, pid, BASE, &c, 1, VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE,
				     NULL), 1);
	assert_int_equal(get_byte(m, pid, BASE), 'f');
	assert_int_equal(get_byte(m, child, BASE), 0);
	assert_int_equal(vmfs_write(m, pid, BASE, &c, 1), -EFAULT);   /* still read-only */
	/* private PROT_NONE: forced read and write */
	map_fixed(m, pid, BASE + PAGE, PAGE, PROT_NONE, ANON_PRIV);
	assert_int_equal(vmfs_access(m, pid, BASE + PAGE, &c, 1,
				     VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, NULL), 1);
	c = 0;
	assert_int_equal(vmfs_access(m, pid, BASE + PAGE, &c, 1,
				     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL), 1);
	assert_int_equal(c, 'f');
	/* shared read-only: force may read but not write */
	map_fixed(m, pid, BASE + 2 * PAGE, PAGE, PROT_READ, ANON_SHRD);
	assert_int_equal(vmfs_access(m, pid, BASE + 2 * PAGE, &c, 1,
				     VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, NULL), -EFAULT);
	assert_int_equal(vmfs_access(m, pid, BASE + 2 * PAGE, &c, 1,
				     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL), 1);
	assert_int_equal(c, 0);
	/* unmapped: force does not help */
	assert_int_equal(vmfs_access(m, pid, BASE + 8 * PAGE, &c, 1,
				     VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL), -EFAULT);
	vmfs_close(m);
}

static void test_pagetables_freed(void **state)
{
	(void)state;
	for (int levels = 2; levels <= 6; levels++) {
		vmfs *m = open_levels(64, levels);
		struct vmfs_stat st0 = mstat(m);
		int pid = spawn(m, "pt");
		uint64_t pt0 = pstat(m, pid).pt_pages;
		assert_true(pt0 >= 1);                       /* the top table */
		assert_true(mstat(m).pagetable_pages >= st0.pagetable_pages + pt0);
		/* far from anything else: a walk of its own below the top table */
		uint64_t far = (st0.user_top / 2) | 0x200000;
		map_fixed(m, pid, far, 2 * PAGE, RW, ANON_PRIV);
		put_byte(m, pid, far, 1);
		put_byte(m, pid, far + PAGE, 2);
		uint64_t pt1 = pstat(m, pid).pt_pages;
		assert_int_equal(pt1, pt0 + (uint64_t)(levels - 1));
		assert_int_equal(vmfs_munmap(m, pid, far, 2 * PAGE), 0);
		assert_int_equal(pstat(m, pid).pt_pages, pt0);
		struct vmfs_walk w = walk(m, pid, far);
		assert_int_equal(w.state, VMFS_WALK_NONE);
		assert_int_equal(w.depth, 1);               /* the top entry is cleared */
		assert_int_equal(w.level[0].entry, 0);
		/* a partial unmap keeps the tables the rest still needs */
		map_fixed(m, pid, far, 2 * PAGE, RW, ANON_PRIV);
		put_byte(m, pid, far, 3);
		put_byte(m, pid, far + PAGE, 4);
		assert_int_equal(vmfs_munmap(m, pid, far, PAGE), 0);
		assert_int_equal(get_byte(m, pid, far + PAGE), 4);
		verify_walk(m, pid, far + PAGE, levels, 4);
		assert_int_equal(pstat(m, pid).pt_pages, pt1);
		assert_int_equal(vmfs_exit(m, pid), 0);
		assert_int_equal(mstat(m).pagetable_pages, st0.pagetable_pages);
		vmfs_close(m);
	}
}

static void test_kmsg(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "logger");
	unsigned char c;
	assert_int_equal(vmfs_read(m, pid, 0x10000, &c, 1), -EFAULT);
	size_t len = vmfs_kmsg(m, NULL, 0);
	assert_true(len > 0);
	/* cut at len - 1 bytes like snprintf, but the whole length returned */
	char small[11];
	memset(small, 'x', sizeof(small));
	assert_int_equal(vmfs_kmsg(m, small, 10), len);
	assert_int_equal(small[9], 0);
	assert_int_equal(small[10], 'x');
	assert_int_equal(small[0], '[');
	char one = 'x';
	assert_int_equal(vmfs_kmsg(m, &one, 1), len);
	assert_int_equal(one, 0);
	/* many lines: at least 64 KiB of the newest are kept, whole lines */
	for (unsigned i = 0; i < 2000; i++)
		assert_int_equal(vmfs_read(m, pid, 0x10000000 + (uint64_t)i * PAGE, &c, 1), -EFAULT);
	char *log = kmsg(m);
	size_t n = strlen(log);
	assert_true(n >= 64 * 1024);
	assert_int_equal(log[0], '[');
	assert_int_equal(log[n - 1], '\n');
	char want[128];
	snprintf(want, sizeof(want), "logger[%d]: segfault at %" PRIx64 " ip", pid,
		 (uint64_t)0x10000000 + 1999 * (uint64_t)PAGE);
	assert_non_null(strstr(log, want));
	free(log);
	char *line = last_kmsg_line(m);
	assert_memory_equal(line, want, strlen(want));
	free(line);
	vmfs_close(m);
}

static void test_overflowing_lengths(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64,levels=6");
	struct vmfs_stat st = mstat(m);
	int pid = spawn(m, "ovf");
	map_fixed(m, pid, BASE, PAGE, RW, ANON_PRIV);
	put_byte(m, pid, BASE, 9);
	uint64_t huge[] = { ~0ull, ~0ull - PAGE + 2, ~0ull - BASE + 1, 1ull << 63 };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_true(vmfs_mmap(m, pid, BASE, huge[i], RW, ANON_PRIV | MAP_FIXED, NULL, 0,
				      NULL) < 0);
		assert_true(vmfs_mmap(m, pid, 0, huge[i], RW, ANON_PRIV, NULL, 0, NULL) < 0);
		assert_true(vmfs_munmap(m, pid, BASE, huge[i]) < 0);
		assert_true(vmfs_mprotect(m, pid, BASE, huge[i], PROT_READ) < 0);
	}
	assert_int_equal(get_byte(m, pid, BASE), 9);
	put_byte(m, pid, BASE, 10);
	assert_int_equal(pstat(m, pid).vm_pages, 1);
	/* accesses that run off the top of the address space */
	unsigned char buf[64];
	assert_int_equal(vmfs_read(m, pid, ~0ull - 15, buf, 32), -EFAULT);
	assert_int_equal(vmfs_access(m, pid, ~0ull - 15, buf, 32,
				     VMFS_ACCESS_READ | VMFS_ACCESS_KERNEL, NULL), -EFAULT);
	assert_int_equal(vmfs_read(m, pid, st.user_top - 16, buf, 32), -EFAULT);
	vmfs_close(m);
}

static void test_errmsg(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = spawn(m, "err");
	assert_int_equal(vmfs_mmap(m, pid, 0x1001, PAGE, RW, ANON_PRIV | MAP_FIXED, NULL, 0,
				   NULL), -EINVAL);
	const char *msg = vmfs_errmsg();
	assert_non_null(msg);
	assert_non_null(strstr(msg, "mmap"));
	vmfs_close(m);
}

/*
 * exec through libvmfs (since 0.5): the figures of vmfs_proc_stat, maps by
 * host path with the stack's VMFS_MAP_GROWSDOWN, auxv, the host object
 * (read-only, shared by two processes' text, untouched by a private
 * write), fork keeps the image, aslr=1 moves it by the seed only.
 */
static void test_exec(void **state)
{
	const char *argv[] = { "/usr/bin/ls", "-l", NULL };
	static struct vmfs_map maps[64];
	struct vmfs_exec_info in, in2;
	struct vmfs_proc_stat ps;
	struct vmfs_object_info oi;
	uint64_t w[64], b, pm1, pm2, text = 0, addr;
	char host[16], obj[16];
	FILE *f;
	vmfs *m = open_machine("frames=8192");
	int pid = vmfs_spawn(m, "x"), pid2 = vmfs_spawn(m, "y"), child, n;

	(void)state;
	assert_int_equal(vmfs_exec(m, pid, "/usr/bin/ls", argv, NULL, &in), 0);
	assert_int_equal(vmfs_exec(m, pid2, "/usr/bin/ls", argv, NULL, &in2), 0);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_string_equal(ps.comm, "ls");
	assert_int_equal(ps.start_stack, in.sp);
	assert_int_equal(ps.start_brk, in.start_brk);
	assert_int_equal(ps.brk, in.start_brk);
	assert_true(ps.start_code < ps.end_code && ps.start_code >= in.load_bias);
	assert_true(ps.arg_start < ps.arg_end && ps.arg_end < ps.env_end + 1);
	n = vmfs_maps(m, pid, maps, 64);
	assert_true(n > 8);
	assert_string_equal(maps[0].object, "/usr/bin/ls");
	assert_true(maps[n - 1].flags & VMFS_MAP_GROWSDOWN);
	for (int i = 0; i < n; i++)
		if (maps[i].prot == (PROT_READ | PROT_EXEC) && !strcmp(maps[i].object, "/usr/bin/ls"))
			text = maps[i].start;
	assert_true(text != 0);
	/* both processes read the first text page: one frame */
	assert_int_equal(vmfs_read(m, pid, text, host, 1), 1);
	assert_int_equal(vmfs_read(m, pid2, text, host, 1), 1);
	assert_int_equal(vmfs_pagemap(m, pid, text >> 12, &pm1, 1), 1);
	assert_int_equal(vmfs_pagemap(m, pid2, text >> 12, &pm2, 1), 1);
	assert_true(pm1 & VMFS_PM_PRESENT);
	assert_int_equal(pm1 & VMFS_PM_PFN_MASK, pm2 & VMFS_PM_PFN_MASK);
	/* reclaim drops the clean host page (no writeback); a read brings it back from the file */
	{
		uint64_t maj, off = 0;
		char a[16], c[16];

		for (int i = 0; i < n; i++)
			if (maps[i].start == text)
				off = maps[i].offset;
		f = fopen("/usr/bin/ls", "rb");
		assert_non_null(f);
		assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
		assert_int_equal(fread(a, 1, 16, f), 16);
		fclose(f);
		assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
		maj = ps.maj_flt;
		assert_true(vmfs_reclaim(m, 100000) > 0);
		assert_int_equal(vmfs_pagemap(m, pid, text >> 12, &pm1, 1), 1);
		assert_false(pm1 & VMFS_PM_PRESENT);
		assert_int_equal(vmfs_read(m, pid, text, c, 16), 16);
		assert_memory_equal(a, c, 16);
		assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
		assert_int_equal(ps.maj_flt, maj + 1);
	}
	/* auxv: AT_PAGESZ (6) 4096, ends with AT_NULL */
	n = vmfs_auxv(m, pid, w, 64);
	assert_true(n >= 4 && w[n - 2] == 0);
	assert_int_equal(w[4], 6);
	assert_int_equal(w[5], 4096);
	assert_int_equal(vmfs_auxv(m, pid, NULL, 1), -EINVAL);
	/* the host object: read-only, as the file, not writable shared */
	assert_int_equal(vmfs_object_stat(m, "%2Fusr%2Fbin%2Fls", &oi), 0);
	assert_int_equal(oi.mode & 0222, 0);
	assert_int_equal(vmfs_object_write(m, "%2Fusr%2Fbin%2Fls", 0, "x", 1), -EROFS);
	assert_int_equal(vmfs_mmap(m, pid, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
				   "%2Fusr%2Fbin%2Fls", 0, &addr), -EACCES);
	/* a write to the private data mapping copies: object and file keep their bytes */
	{
		int d = -1;

		for (int i = 0; i < n; i++)
			if (maps[i].prot == (PROT_READ | PROT_WRITE) && !strcmp(maps[i].object, "/usr/bin/ls"))
				d = i;
		assert_true(d >= 0);
		f = fopen("/usr/bin/ls", "rb");
		assert_non_null(f);
		assert_int_equal(fseek(f, (long)maps[d].offset, SEEK_SET), 0);
		assert_int_equal(fread(host, 1, 4, f), 4);
		assert_int_equal(vmfs_write(m, pid, maps[d].start, "XXXX", 4), 4);
		assert_int_equal(vmfs_object_read(m, "%2Fusr%2Fbin%2Fls", maps[d].offset, obj, 4), 4);
		assert_memory_equal(obj, host, 4);
		assert_int_equal(fseek(f, (long)maps[d].offset, SEEK_SET), 0);
		assert_int_equal(fread(obj, 1, 4, f), 4);
		fclose(f);
		assert_memory_equal(obj, host, 4);
		assert_int_equal(vmfs_read(m, pid, maps[d].start, obj, 4), 4);
		assert_memory_equal(obj, "XXXX", 4);
	}
	/* brk */
	assert_int_equal(vmfs_brk(m, pid, 0, NULL), -EINVAL);
	assert_int_equal(vmfs_brk(m, pid, in.start_brk + 5000, &b), 0);
	assert_int_equal(b, in.start_brk + 5000);
	/* fork keeps the image */
	child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(vmfs_auxv(m, child, w, 64), n);
	assert_int_equal(vmfs_proc_stat(m, child, &ps), 0);
	assert_int_equal(ps.brk, in.start_brk + 5000);
	assert_int_equal(vmfs_exec(m, 999, "/usr/bin/ls", argv, NULL, NULL), -ESRCH);
	/* once no process maps them, drop_caches drops the host file's clean pages */
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(vmfs_exit(m, pid2), 0);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_object_stat(m, "%2Fusr%2Fbin%2Fls", &oi), 0);
	assert_true(oi.cached > 0 && oi.mapped == 0);
	{
		uint64_t one = 1;

		assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", NULL, &one), 0);
	}
	assert_int_equal(vmfs_object_stat(m, "%2Fusr%2Fbin%2Fls", &oi), 0);
	assert_int_equal(oi.cached, 0);
	vmfs_close(m);

	/* aslr=1: the seed decides, the same seed gives the same layout */
	{
		struct vmfs_exec_info a[3];
		const char *opts[] = { "aslr=1,seed=1", "aslr=1,seed=1", "aslr=1,seed=2" };

		for (int i = 0; i < 3; i++) {
			m = open_machine(opts[i]);
			pid = vmfs_spawn(m, "r");
			assert_int_equal(vmfs_exec(m, pid, "/usr/bin/ls", argv, NULL, &a[i]), 0);
			vmfs_close(m);
		}
		assert_memory_equal(&a[0], &a[1], sizeof(a[0]));
		assert_true(a[0].sp != a[2].sp && a[0].load_bias != a[2].load_bias &&
			    a[0].mmap_base != a[2].mmap_base && a[0].start_brk != a[2].start_brk);
		assert_true(a[0].sp != in.sp && a[0].load_bias != in.load_bias);
	}
}


/* ---- accounting as Linux 6.1 counts it (issue 15) ------------------------------ */

static struct vmfs_map map_of(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_map maps[16];
	int n = nmaps(m, pid, maps, 16);
	for (int i = 0; i < n && i < 16; i++)
		if (maps[i].start <= addr && addr < maps[i].end)
			return maps[i];
	fail_msg("no mapping at %#" PRIx64, addr);
	return maps[0];
}

/* A new process with 4 pages at BASE mapped @flags, the first @n written
 * (page i holds i + 1) and then all of them sent to swap; its pid. */
static int swapped_out(vmfs *m, int flags, int n)
{
	int pid = vmfs_spawn(m, "swapper");
	assert_int_equal(vmfs_mmap(m, pid, BASE, 4 * PAGE, RW, flags, NULL, 0, NULL), 0);
	for (int i = 0; i < n; i++)
		put_byte(m, pid, BASE + i * PAGE, (unsigned char)(i + 1));
	assert_int_equal(vmfs_reclaim(m, 64), n);
	return pid;
}

/* smaps_pte_entry: SwapPss divides each swap entry by swp_swapcount, which
 * leaves out the swap cache's reference. */
static void test_smaps_swap_pss(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = swapped_out(m, ANON_PRIV, 4);
	struct vmfs_map mp = map_of(m, pid, BASE);
	assert_int_equal(mp.swap, 4);
	assert_int_equal(mp.swap_pss, 4 * PAGE);          /* each entry its own */
	int child = vmfs_fork(m, pid);
	assert_true(child > 0);
	mp = map_of(m, pid, BASE);
	assert_int_equal(mp.swap, 4);
	assert_int_equal(mp.swap_pss, 4 * PAGE / 2);      /* two entries per slot */
	/* The child reads page 0 back: the slot keeps the parent's entry and
	 * the swap cache's reference, so swp_swapcount is 1 again. */
	assert_int_equal(get_byte(m, child, BASE), 1);
	mp = map_of(m, pid, BASE);
	assert_int_equal(mp.swap, 4);
	assert_int_equal(mp.swap_pss, PAGE + 3 * PAGE / 2);
	mp = map_of(m, child, BASE);
	assert_int_equal(mp.swap, 3);
	assert_int_equal(mp.swap_pss, 3 * PAGE / 2);
	vmfs_close(m);
}

/* smaps Swap of a shared anonymous mapping: its object's pages in swap
 * (shmem_swap_usage), not in SwapPss, not in VmSwap (MM_SWAPENTS). */
static void test_smaps_shmem_swap(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = swapped_out(m, ANON_SHRD, 3);
	struct vmfs_map mp = map_of(m, pid, BASE);
	assert_int_equal(mp.rss, 0);
	assert_int_equal(mp.swap, 3);
	assert_int_equal(mp.swap_pss, 0);
	assert_int_equal(pstat(m, pid).swap, 0);
	/* a split: each part counts the object's pages in its own range */
	assert_int_equal(vmfs_mprotect(m, pid, BASE + 2 * PAGE, 2 * PAGE, PROT_READ), 0);
	assert_int_equal(map_of(m, pid, BASE).swap, 2);
	assert_int_equal(map_of(m, pid, BASE + 2 * PAGE).swap, 1);
	assert_int_equal(get_byte(m, pid, BASE), 1);       /* back from swap */
	assert_int_equal(map_of(m, pid, BASE).swap, 1);
	vmfs_close(m);
}

/* smaps_page_accumulate: Pss_Anon is counted page by page, each page's
 * share by its own mapcount. */
static void test_pss_anon_page_by_page(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	assert_int_equal(vmfs_object_create(m, "o", NULL, 2 * PAGE), 0);
	int pid = vmfs_spawn(m, "cow");
	assert_int_equal(vmfs_mmap(m, pid, BASE, 2 * PAGE, RW, MAP_PRIVATE, "o", 0, NULL), 0);
	put_byte(m, pid, BASE, 1);                  /* a private copy: anonymous */
	(void)get_byte(m, pid, BASE + PAGE);        /* the object's page */
	struct vmfs_map mp = map_of(m, pid, BASE);
	assert_int_equal(mp.pss, 2 * PAGE);
	assert_int_equal(mp.pss_anon, PAGE);
	int child = vmfs_fork(m, pid);
	assert_true(child > 0);
	(void)get_byte(m, child, BASE + PAGE);      /* the object's page: mapcount 2 */
	mp = map_of(m, pid, BASE);
	assert_int_equal(mp.pss, PAGE);             /* both pages shared by two */
	assert_int_equal(mp.pss_anon, PAGE / 2);
	put_byte(m, child, BASE, 2);                /* the child's own copy */
	mp = map_of(m, pid, BASE);
	assert_int_equal(mp.pss_anon, PAGE);
	assert_int_equal(mp.pss, PAGE + PAGE / 2);
	vmfs_close(m);
}

/* VmPTE (mm_pgtables_bytes): pte, pmd and pud tables, not the pgd, nor p4d. */
static void test_vmpte_tables(void **state)
{
	(void)state;
	static const struct { int levels; uint64_t all, counted; } cases[] = {
		{ 2, 2, 1 }, { 3, 3, 2 }, { 4, 4, 3 }, { 5, 5, 3 }, { 6, 6, 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmfs *m = open_levels(64, cases[i].levels);
		int pid = vmfs_spawn(m, "pt");
		assert_int_equal(pstat(m, pid).pgtables_pages, 0);
		assert_int_equal(vmfs_mmap(m, pid, BASE, PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
		put_byte(m, pid, BASE, 1);
		struct vmfs_proc_stat ps = pstat(m, pid);
		assert_int_equal(ps.pt_pages, cases[i].all);
		assert_int_equal(ps.pgtables_pages, cases[i].counted);
		vmfs_close(m);
	}
}

/* VM_ACCOUNT and Committed_AS: charged at mmap (private writable), at
 * mprotect adding write, once per shared anonymous object, again at fork;
 * kept when write is taken away; given back at munmap and exit. */
static void test_vm_account(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "acct");
	assert_int_equal(mstat(m).committed_as, 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 8 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(mstat(m).committed_as, 8);
	assert_true(map_of(m, pid, BASE).flags & VMFS_MAP_ACCOUNT);
	assert_int_equal(vmfs_mprotect(m, pid, BASE, 8 * PAGE, PROT_READ), 0);
	assert_int_equal(mstat(m).committed_as, 8);
	assert_int_equal(map_of(m, pid, BASE).flags, ANON_PRIV | VMFS_MAP_ACCOUNT);
	/* read-only private: not charged, until made writable */
	uint64_t ro = BASE + 16 * PAGE;
	assert_int_equal(vmfs_mmap(m, pid, ro, 4 * PAGE, PROT_READ, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(mstat(m).committed_as, 8);
	assert_int_equal(map_of(m, pid, ro).flags, ANON_PRIV);
	assert_int_equal(vmfs_mprotect(m, pid, ro, 2 * PAGE, RW), 0);
	assert_int_equal(mstat(m).committed_as, 10);
	assert_true(map_of(m, pid, ro).flags & VMFS_MAP_ACCOUNT);
	assert_false(map_of(m, pid, ro + 2 * PAGE).flags & VMFS_MAP_ACCOUNT);
	/* shared anonymous: its object, once */
	uint64_t sh = BASE + 32 * PAGE;
	assert_int_equal(vmfs_mmap(m, pid, sh, 4 * PAGE, RW, ANON_SHRD, NULL, 0, NULL), 0);
	assert_int_equal(mstat(m).committed_as, 14);
	assert_false(map_of(m, pid, sh).flags & VMFS_MAP_ACCOUNT);
	int child = vmfs_fork(m, pid);
	assert_true(child > 0);
	assert_int_equal(mstat(m).committed_as, 24);       /* the child's 8 + 2 */
	assert_int_equal(vmfs_munmap(m, pid, BASE, 4 * PAGE), 0);
	assert_int_equal(mstat(m).committed_as, 20);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(mstat(m).committed_as, 10);
	assert_int_equal(vmfs_munmap(m, pid, sh, 2 * PAGE), 0);
	assert_int_equal(mstat(m).committed_as, 10);       /* the object is still there */
	assert_int_equal(vmfs_munmap(m, pid, sh + 2 * PAGE, 2 * PAGE), 0);
	assert_int_equal(mstat(m).committed_as, 6);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).committed_as, 0);
	vmfs_close(m);
}

/* __vm_enough_memory under each vm.overcommit_memory. */
static void test_overcommit_modes(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256,swap=none,overcommit_memory=2");
	uint64_t v, two = 2, zero = 0, one = 1, three = 3, ratio = 100;
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_memory", &v, NULL), 0);
	assert_int_equal(v, 2);
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_ratio", &v, NULL), 0);
	assert_int_equal(v, 50);
	assert_int_equal(mstat(m).commit_limit, 128);
	int pid = vmfs_spawn(m, "hog");
	/* strict: committed must stay below CommitLimit less min(total_vm / 32,
	 * user reserve = frames / 32 = 8) */
	assert_int_equal(vmfs_mmap(m, pid, BASE, 100 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	struct vmfs_map before[8];
	int n = nmaps(m, pid, before, 8);
	assert_int_equal(vmfs_mmap(m, pid, 0, 28 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), -ENOMEM);
	char *line = last_kmsg_line(m);
	char want[128];
	snprintf(want, sizeof(want), "__vm_enough_memory: pid: %d, comm: hog, not enough memory "
		 "for the allocation", pid);
	assert_string_equal(line, want);
	free(line);
	assert_int_equal(nmaps(m, pid, before, 8), n);
	assert_int_equal(mstat(m).committed_as, 100);
	assert_int_equal(vmfs_mmap(m, pid, 0, 24 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	/* read-only and shared object mappings commit nothing */
	uint64_t ro;
	assert_int_equal(vmfs_mmap(m, pid, 0, 64 * PAGE, PROT_READ, ANON_PRIV, NULL, 0, &ro), 0);
	/* mprotect adding write is charged, and refused here: nothing changes */
	assert_int_equal(vmfs_mprotect(m, pid, ro, PAGE, RW), -ENOMEM);
	assert_int_equal(map_of(m, pid, ro).prot, PROT_READ);
	assert_int_equal(map_of(m, pid, ro).end, ro + 64 * PAGE);
	/* fork charges the child's VM_ACCOUNT mappings */
	assert_int_equal(vmfs_fork(m, pid), -ENOMEM);
	assert_int_equal(mstat(m).nr_processes, 1);
	/* a larger ratio raises CommitLimit */
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_ratio", NULL, &ratio), 0);
	assert_int_equal(mstat(m).commit_limit, 256);
	assert_int_equal(vmfs_mprotect(m, pid, ro, PAGE, RW), 0);
	assert_int_equal(mstat(m).committed_as, 125);
	/* heuristic: one call larger than RAM + swap (256 + 0) is refused */
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_memory", NULL, &zero), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, 257 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), -ENOMEM);
	assert_int_equal(vmfs_mmap(m, pid, 0, 256 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(mstat(m).committed_as, 381);      /* past CommitLimit: allowed */
	/* always */
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_memory", NULL, &one), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, 4096 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	/* bad values change nothing */
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_memory", NULL, &three), -EINVAL);
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_memory", &v, &two), 0);
	assert_int_equal(v, 1);
	vmfs_close(m);
	vmfs *bad = NULL;
	assert_int_equal(vmfs_open(&bad, "overcommit_memory=3"), -EINVAL);
	assert_int_equal(vmfs_open(&bad, "overcommit_ratio=x"), -EINVAL);
	/* the heuristic with unlimited swap (the default) has no bound */
	m = open_machine("frames=16,overcommit_memory=0");
	pid = vmfs_spawn(m, "big");
	assert_int_equal(vmfs_mmap(m, pid, 0, 1 << 20, RW, ANON_PRIV, NULL, 0, NULL), 0);
	vmfs_close(m);
	/* the machine's default is 1, ratio 50 */
	m = open_machine("frames=16");
	assert_int_equal(vmfs_sysctl(m, "vm.overcommit_memory", &v, NULL), 0);
	assert_int_equal(v, 1);
	vmfs_close(m);
}

/* vmstat's reclaim counters: pgsteal/pgscan by LRU type (shared memory is
 * anon), nr_vmscan_write for every page reclaim writes, pgpgout for every
 * page written out. */
static void test_vmscan_counters(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = vmfs_spawn(m, "rc");
	assert_int_equal(vmfs_object_create(m, "f", NULL, 2 * PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 2 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 4 * PAGE, PAGE, RW, ANON_SHRD, NULL, 0, NULL), 0);
	put_byte(m, pid, BASE, 1);
	put_byte(m, pid, BASE + PAGE, 1);
	put_byte(m, pid, BASE + 4 * PAGE, 1);
	assert_int_equal(vmfs_reclaim(m, 64), 3);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.pgsteal_anon, 3);
	assert_int_equal(st.pgsteal_file, 0);
	assert_int_equal(st.pswpout, 3);
	assert_int_equal(st.nr_vmscan_write, 3);
	assert_int_equal(st.pgpgout, 3);
	assert_int_equal(st.pgscan_anon + st.pgscan_file, st.pgscan_direct);
	assert_true(st.pgscan_anon >= 3);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 8 * PAGE, 2 * PAGE, RW, MAP_SHARED, "f", 0, NULL), 0);
	put_byte(m, pid, BASE + 8 * PAGE, 1);                /* dirty */
	(void)get_byte(m, pid, BASE + 9 * PAGE);             /* clean */
	assert_int_equal(vmfs_reclaim(m, 64), 2);
	st = mstat(m);
	assert_int_equal(st.pgsteal_file, 2);
	assert_int_equal(st.pgsteal_anon + st.pgsteal_file, st.pgsteal_direct);
	assert_int_equal(st.pswpout, 3);
	assert_int_equal(st.nr_vmscan_write, 4);             /* the dirty object page */
	assert_int_equal(st.pgpgout, 4);
	put_byte(m, pid, BASE + 8 * PAGE, 2);
	assert_int_equal(vmfs_sync(m), 0);                   /* writeback */
	st = mstat(m);
	assert_int_equal(st.nr_vmscan_write, 4);
	assert_int_equal(st.pgpgout, 5);
	vmfs_close(m);
}

/*
 * vm.swappiness: the option and the sysctl (0 to 200, Linux's default 60);
 * the policies that weigh anon against file (linux, mglru) follow it, a
 * change on the running machine included; NAME:swappiness=N sets it.
 * Reclaim with 8 anonymous and 8 clean file pages resident: at 0 it takes
 * file pages, at 200 anonymous ones.
 */
static struct vmfs_stat swappiness_reclaim(const char *policy, uint64_t swappiness)
{
	char opts[64];
	vmfs *m;

	snprintf(opts, sizeof(opts), "frames=64,policy=%s", policy);
	m = open_machine(opts);
	int pid = vmfs_spawn(m, "sw");
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", NULL, &swappiness), 0);
	assert_int_equal(vmfs_object_create(m, "f", NULL, 8 * PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 8 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 16 * PAGE, 8 * PAGE, PROT_READ, MAP_PRIVATE, "f", 0, NULL), 0);
	for (int i = 0; i < 8; i++) {
		put_byte(m, pid, BASE + (uint64_t)i * PAGE, 1);
		(void)get_byte(m, pid, BASE + (16 + (uint64_t)i) * PAGE);
	}
	assert_int_equal(vmfs_reclaim(m, 4), 4);
	struct vmfs_stat st = mstat(m);
	vmfs_close(m);
	return st;
}

static void test_swappiness(void **state)
{
	(void)state;
	uint64_t v = 0, bad = 201;
	vmfs *m = open_machine("frames=64");

	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", &v, NULL), 0);
	assert_int_equal(v, 60);
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", NULL, &bad), -EINVAL);
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", &v, NULL), 0);
	assert_int_equal(v, 60);
	vmfs_close(m);
	assert_int_equal(vmfs_open(&m, "swappiness=201"), -EINVAL);
	m = open_machine("frames=64,swappiness=7,policy=linux");
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", &v, NULL), 0);
	assert_int_equal(v, 7);
	/* A policy's parameter becomes vm.swappiness; one without takes it. */
	assert_int_equal(vmfs_set_policy(m, "mglru:swappiness=150", NULL, NULL), 0);
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", &v, NULL), 0);
	assert_int_equal(v, 150);
	assert_int_equal(vmfs_set_policy(m, "linux", NULL, NULL), 0);
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", &v, NULL), 0);
	assert_int_equal(v, 150);
	vmfs_close(m);
	m = open_machine("frames=64,policy=linux:swappiness=30");
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", &v, NULL), 0);
	assert_int_equal(v, 30);
	vmfs_close(m);

	/* The running policy follows a change. */
	static const char *const policies[] = { "linux", "mglru" };
	for (size_t i = 0; i < 2; i++) {
		struct vmfs_stat st = swappiness_reclaim(policies[i], 0);
		assert_int_equal(st.pgsteal_file, 4);
		assert_int_equal(st.pgsteal_anon, 0);
		st = swappiness_reclaim(policies[i], 200);
		assert_int_equal(st.pgsteal_anon, 4);
		assert_int_equal(st.pgsteal_file, 0);
	}
}

/*
 * vm.drop_caches (1 to 4; reads give the last value written): 1 and 3 drop
 * the page-cache pages that are clean, unmapped and not pinned, and count
 * drop_pagecache; 2 counts drop_slab only.  Mapped and dirty pages stay.
 */
static void test_drop_caches(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = vmfs_spawn(m, "dc");
	uint64_t v = 9, one = 1, two = 2, zero = 0, five = 5;
	char buf[8];

	assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", NULL, &zero), -EINVAL);
	assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", NULL, &five), -EINVAL);
	assert_int_equal(vmfs_object_create(m, "f", NULL, 4 * PAGE), 0);
	assert_int_equal(vmfs_object_write(m, "f", 0, "abc", 3), 3);
	assert_int_equal(vmfs_sync(m), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, 4 * PAGE, RW, MAP_SHARED, "f", 0, NULL), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + PAGE, "dirty", 5), 5);     /* page 1 dirty */
	for (int i = 0; i < 4; i++)
		(void)get_byte(m, pid, BASE + (uint64_t)i * PAGE);
	assert_int_equal(vmfs_munmap(m, pid, BASE, 4 * PAGE), 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE, PAGE, PROT_READ, MAP_SHARED, "f", 2 * PAGE, NULL), 0);
	(void)get_byte(m, pid, BASE);                                          /* page 2 mapped */
	struct vmfs_stat st = mstat(m), before = st;
	assert_int_equal(st.file_pages, 4);
	assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", NULL, &two), 0);
	st = mstat(m);
	assert_int_equal(st.file_pages, 4);
	assert_int_equal(st.drop_slab, 1);
	assert_int_equal(st.drop_pagecache, 0);
	assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", NULL, &one), 0);
	st = mstat(m);
	assert_int_equal(st.file_pages, 2);              /* pages 0 and 3 went */
	assert_int_equal(st.dirty_pages, 1);
	assert_int_equal(st.mapped_pages, 1);
	assert_int_equal(st.drop_pagecache, 1);
	assert_int_equal(st.frames_free, before.frames_free + 2);
	assert_int_equal(vmfs_sysctl(m, "vm.drop_caches", &v, NULL), 0);
	assert_int_equal(v, 1);
	/* What was dropped reads back from the object. */
	assert_int_equal(vmfs_object_read(m, "f", 0, buf, 3), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(vmfs_object_read(m, "f", PAGE, buf, 5), 5);
	assert_memory_equal(buf, "dirty", 5);
	vmfs_close(m);
}

/*
 * vmfs_maps has two symbol versions (api.c): a program built against 0.4's
 * smaller struct vmfs_map calls vmfs_maps@VMFS_0.1, which fills only that
 * size of each entry, with the 0.4 layout (reserved[2] zero), and writes
 * nothing past it; the default version is the one this header declares.
 */
static void test_maps_symbol_versions(void **state)
{
	(void)state;
	enum { OLD = offsetof(struct vmfs_map, swap_pss) + 2 * sizeof(uint64_t) };
	typedef int (*maps_fn)(vmfs *, int, void *, size_t);
	maps_fn old = (maps_fn)dlvsym(RTLD_DEFAULT, "vmfs_maps", "VMFS_0.1");
	maps_fn cur = (maps_fn)dlvsym(RTLD_DEFAULT, "vmfs_maps", "VMFS_0.5");
	struct vmfs_map want[2];
	unsigned char buf[2 * OLD + 64];
	vmfs *m = open_levels(64, 4);
	int pid = vmfs_spawn(m, "old");

	assert_non_null(old);
	assert_non_null(cur);
	assert_true(old != cur);
	assert_true((void *)cur == (void *)vmfs_maps);
	assert_true(OLD < sizeof(struct vmfs_map));
	assert_int_equal(vmfs_mmap(m, pid, 0x10000, 8192, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0x40000, 4096, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL), 0);
	assert_int_equal(vmfs_write(m, pid, 0x10000, "x", 1), 1);
	assert_int_equal(nmaps(m, pid, want, 2), 2);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(old(m, pid, buf, 1), 2);   /* the count, one entry filled */
	assert_memory_equal(buf, &want[0], offsetof(struct vmfs_map, swap_pss));
	for (size_t i = offsetof(struct vmfs_map, swap_pss); i < OLD; i++)
		assert_int_equal(buf[i], 0);            /* 0.4's reserved[2] */
	for (size_t i = OLD; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);         /* nothing past the entry */
	assert_int_equal(old(m, pid, buf, 2), 2);
	assert_memory_equal(buf + OLD, &want[1], offsetof(struct vmfs_map, swap_pss));
	assert_int_equal(buf[2 * OLD], 0xa5);
	assert_int_equal(old(m, pid, NULL, 0), 2);
	assert_int_equal(old(m, pid, NULL, 1), -EINVAL);
	assert_int_equal(old(m, 99, buf, 1), -ESRCH);
	vmfs_close(m);
}

/*
 * Linux 6.1's merge rules through the API (libvmfs(3), Splitting and
 * merging): pieces of a written mapping split before vmfs_fork and made
 * alike again are one mapping in the parent and three in the child (each
 * child mapping has an anon_vma of its own); a never-written one merges in
 * both; an object mapping's entry carries the object's number.
 */
static void test_maps_merge_after_fork(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "merge");
	uint64_t quiet = BASE + 16 * PAGE;
	struct vmfs_map maps[8];

	assert_int_equal(vmfs_mmap(m, pid, BASE, 3 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	assert_int_equal(vmfs_mmap(m, pid, quiet, 3 * PAGE, RW, ANON_PRIV, NULL, 0, NULL), 0);
	put_byte(m, pid, BASE, 'a');
	assert_int_equal(vmfs_mprotect(m, pid, BASE + PAGE, PAGE, PROT_READ), 0);
	assert_int_equal(vmfs_mprotect(m, pid, quiet + PAGE, PAGE, PROT_READ), 0);
	int child = vmfs_fork(m, pid);
	assert_true(child > 0);
	for (int i = 0; i < 2; i++) {
		int p = i ? child : pid;

		assert_int_equal(vmfs_mprotect(m, p, BASE + PAGE, PAGE, RW), 0);
		assert_int_equal(vmfs_mprotect(m, p, quiet + PAGE, PAGE, RW), 0);
	}
	assert_int_equal(nmaps(m, pid, maps, 8), 2);
	assert_int_equal(maps[0].end - maps[0].start, 3 * PAGE);
	assert_int_equal(nmaps(m, child, maps, 8), 4);
	assert_int_equal(maps[0].end, BASE + PAGE);
	assert_int_equal(maps[3].start, quiet);
	assert_int_equal(maps[3].end, quiet + 3 * PAGE);
	assert_int_equal(get_byte(m, child, BASE), 'a');

	assert_int_equal(vmfs_object_create(m, "lib", NULL, PAGE), 0);
	int64_t num = vmfs_object_open(m, "lib");
	assert_true(num > 0);
	assert_int_equal(vmfs_mmap(m, pid, BASE + 32 * PAGE, PAGE, PROT_READ, MAP_PRIVATE, "lib", 0,
				   NULL), 0);
	assert_int_equal(map_of(m, pid, BASE + 32 * PAGE).object_number, (uint64_t)num);
	assert_int_equal(map_of(m, pid, BASE).object_number, 0);
	assert_int_equal(vmfs_object_remove(m, "lib"), 0);
	assert_int_equal(map_of(m, pid, BASE + 32 * PAGE).object_number, (uint64_t)num);
	assert_int_equal(vmfs_object_close(m, num), 0);
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_open_defaults),
		cmocka_unit_test(test_maps_symbol_versions),
		cmocka_unit_test(test_swappiness),
		cmocka_unit_test(test_drop_caches),
		cmocka_unit_test(test_open_options),
		cmocka_unit_test(test_open_va_bits),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_pids),
		cmocka_unit_test(test_spawn_names),
		cmocka_unit_test(test_mmap_errors),
		cmocka_unit_test(test_mmap_fixed_replaces),
		cmocka_unit_test(test_mmap_placement),
		cmocka_unit_test(test_munmap),
		cmocka_unit_test(test_mprotect),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_buddyinfo),
		cmocka_unit_test(test_hugetlb_pool),
		cmocka_unit_test(test_clock_hand),
		cmocka_unit_test(test_cow),
		cmocka_unit_test(test_cow_takeover_after_exit),
		cmocka_unit_test(test_shared_across_fork),
		cmocka_unit_test(test_segfaults),
		cmocka_unit_test(test_kernel_half),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_canonical_edges),
		cmocka_unit_test(test_partial_transfer),
		cmocka_unit_test(test_read_with),
		cmocka_unit_test(test_accessv_matches_access),
		cmocka_unit_test(test_accessv_errors),
		cmocka_unit_test(test_read_with_under_pressure),
		cmocka_unit_test(test_walks_every_depth),
		cmocka_unit_test(test_phys_read),
		cmocka_unit_test(test_contents_none),
		cmocka_unit_test(test_tlb_counters),
		cmocka_unit_test(test_tlb_never_stale),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_frames_zeroed),
		cmocka_unit_test(test_force),
		cmocka_unit_test(test_errmsg),
		cmocka_unit_test(test_pagetables_freed),
		cmocka_unit_test(test_kmsg),
		cmocka_unit_test(test_overflowing_lengths),
		cmocka_unit_test(test_smaps_swap_pss),
		cmocka_unit_test(test_smaps_shmem_swap),
		cmocka_unit_test(test_pss_anon_page_by_page),
		cmocka_unit_test(test_vmpte_tables),
		cmocka_unit_test(test_vm_account),
		cmocka_unit_test(test_overcommit_modes),
		cmocka_unit_test(test_vmscan_counters),
		cmocka_unit_test(test_maps_merge_after_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

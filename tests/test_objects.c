/*
 * test_objects.c - shared objects through the public API only (suite
 * 'objects'): the object calls of vmfs.h, object mappings, the page cache
 * and its accounting.
 *
 * Covered: names and errno choices of every object call (EINVAL, EEXIST,
 * ENOENT, EFBIG at 16 TiB, chmod bits, mmap offsets that are misaligned or
 * overflow); create with data and with zeros, reads at and past the end,
 * writes that grow, sparse writes, resize that shrinks and extends (the
 * tail reads zero, cached or not, evicted or not); remove while mapped (the
 * mapping keeps the bytes, maps says "(deleted)", the last munmap frees the
 * frames, a new object of the name never merges with it); a 1 GiB sparse
 * object kept by page without host memory to match.  Mappings: private
 * mappings of two processes share one frame, the first fault from the store
 * is major and the second minor, a private write copies (COW bit gone, the
 * other process and the object untouched) and no protection change ever
 * lets a private mapping write the object; shared writable mappings are
 * seen by every mapper and by object reads, object writes are seen by
 * mappers at once, eviction writes a dirty page back to the object (never
 * to swap) and the re-fault is major; sync cleans; offsets; the end of the
 * object faults SIGBUS (BUS_ADRERR); EACCES for read-only objects; fork; truncate
 * while mapped (private copies go too).  Accounting: rss_file and rss_anon,
 * smaps' shared/private clean/dirty and Pss, meminfo's Cached, Mapped and
 * Dirty (Linux's: shared anonymous memory is never in Dirty, nothing is
 * after sync), pagemap's FILE and EXCLUSIVE bits.  Object pages under
 * swap=none are evicted by writing them back, never by failing.  One object
 * mapped into 100 processes uses one set of frames; the test prints RSS,
 * PSS and frames.  Object numbers (since 0.4): an object opened, removed and
 * replaced by a new one of the same name is still the one its number reads
 * and writes (pread, pwrite, ftruncate, fchmod, fstat), the new one
 * untouched; an open and a mapping each keep a removed object, which goes
 * with the last close; bad numbers are EBADF for every call.
 *
 * What stays true: every test opens its own machine and closes it; a call
 * that fails is checked to change nothing the header promises it leaves.
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
#include <unistd.h>
#include <cmocka.h>

#include "vmfs.h"
#include "testutil.h"

#define PAGE     4096u
#define RW       (PROT_READ | PROT_WRITE)
#define BASE     0x400000ull   /* a user address at any depth */
#define OTHER    0x800000ull   /* a second, distinct place for a mapping */
#define TIB16    (1ull << 44)  /* the largest object */

/* ---- helpers ----------------------------------------------------------------- */

/* The test's machine: closed by the test, or by close_leftover() when an
 * assertion ended the test early (so the sanitizer build reports only real
 * leaks). */
static vmfs *current;

/*
 * open_machine(), remembered as the test's machine.  A test that counts the
 * faults or the cached pages of the pages it touches says read_ahead_kb=0:
 * readahead (tests/test_readahead.c) would read their neighbours too.
 */
static vmfs *open_tracked(const char *opts)
{
	current = open_machine(opts);
	return current;
}

static void close_machine(vmfs *m)
{
	assert_ptr_equal(m, current);
	vmfs_close(m);
	current = NULL;
}

static int close_leftover(void **state)
{
	(void)state;
	vmfs_close(current);
	current = NULL;
	return 0;
}

/* The byte at offset @off of an object made by fill(): differs per page and per byte. */
static unsigned char byte_at(uint64_t off, unsigned seed)
{
	return (unsigned char)((off >> 12) * 29 + (off & 0xfff) * 7 + seed * 101 + 1);
}

static unsigned char *fill(uint64_t off, size_t len, unsigned seed)
{
	unsigned char *b = malloc(len ? len : 1);
	assert_non_null(b);
	for (size_t i = 0; i < len; i++)
		b[i] = byte_at(off + i, seed);
	return b;
}

/* Create @name with @len bytes of fill(0, len, seed). */
static void create_filled(vmfs *m, const char *name, uint64_t len, unsigned seed)
{
	unsigned char *b = fill(0, len, seed);
	int rc = vmfs_object_create(m, name, b, len);
	if (rc)
		print_error("create %s: %d %s\n", name, rc, vmfs_errmsg());
	assert_int_equal(rc, 0);
	free(b);
}

/* Map @npages of object @name at page offset @pgoff, at the fixed address @addr. */
static void map_obj(vmfs *m, int pid, uint64_t addr, uint64_t npages, int prot, int flags,
		    const char *name, uint64_t pgoff)
{
	uint64_t out = 0;
	int rc = vmfs_mmap(m, pid, addr, npages * PAGE, prot, flags | MAP_FIXED, name,
			   pgoff * PAGE, &out);
	if (rc)
		print_error("mmap %s = %d: %s\n", name, rc, vmfs_errmsg());
	assert_int_equal(rc, 0);
	assert_int_equal(out, addr);
}

/* One user-mode access with its fault report; returns what vmfs_access did. */
static ssize_t acc(vmfs *m, int pid, uint64_t addr, void *buf, size_t len, unsigned how,
		   struct vmfs_fault *f)
{
	memset(f, 0x5a, sizeof(*f));
	return vmfs_access(m, pid, addr, buf, len, how, f);
}

/* Read one byte, asserting it works; the fault report goes to @f (may be NULL). */
static unsigned char peek(vmfs *m, int pid, uint64_t addr, struct vmfs_fault *f)
{
	struct vmfs_fault dummy;
	unsigned char c = 0;
	ssize_t n = acc(m, pid, addr, &c, 1, VMFS_ACCESS_READ, f ? f : &dummy);
	if (n != 1)
		print_error("read %#" PRIx64 " in %d: %zd %s\n", addr, pid, n, vmfs_errmsg());
	assert_int_equal(n, 1);
	return c;
}

static void poke(vmfs *m, int pid, uint64_t addr, unsigned char c, struct vmfs_fault *f)
{
	struct vmfs_fault dummy;
	ssize_t n = acc(m, pid, addr, &c, 1, VMFS_ACCESS_WRITE, f ? f : &dummy);
	if (n != 1)
		print_error("write %#" PRIx64 " in %d: %zd %s\n", addr, pid, n, vmfs_errmsg());
	assert_int_equal(n, 1);
}

/* One byte of object @name through vmfs_object_read. */
static unsigned char obj_byte(vmfs *m, const char *name, uint64_t off)
{
	unsigned char c = 0;
	assert_int_equal(vmfs_object_read(m, name, off, &c, 1), 1);
	return c;
}

/* A user-mode access at @addr stops at its first page with @signo and @si_code. */
static void expect_fault(vmfs *m, int pid, uint64_t addr, unsigned how, int signo, int si_code)
{
	struct vmfs_fault f;
	unsigned char c[8] = { 0 };
	assert_int_equal(acc(m, pid, addr, c, 1, how, &f), -EFAULT);
	assert_int_equal(f.signo, signo);
	assert_int_equal(f.si_code, si_code);
	assert_int_equal(f.addr, addr);
	assert_int_equal(f.err, -EFAULT);
	if (signo == VMFS_SIGBUS)
		assert_int_equal(f.error_code & VMFS_PF_PROT, 0);
}

/* A segfault with @si_code. */
static void expect_segv(vmfs *m, int pid, uint64_t addr, unsigned how, int si_code)
{
	expect_fault(m, pid, addr, how, VMFS_SIGSEGV, si_code);
}

/* A page of an object mapping past the object's end is a bus error:
 * SIGBUS, BUS_ADRERR, as Linux's VM_FAULT_SIGBUS. */
static void expect_sigbus(vmfs *m, int pid, uint64_t addr, unsigned how)
{
	expect_fault(m, pid, addr, how, VMFS_SIGBUS, VMFS_BUS_ADRERR);
}

static struct vmfs_object_info ostat(vmfs *m, const char *name)
{
	struct vmfs_object_info in;
	int rc = vmfs_object_stat(m, name, &in);
	if (rc)
		print_error("object_stat %s: %d %s\n", name, rc, vmfs_errmsg());
	assert_int_equal(rc, 0);
	return in;
}

static uint64_t leaf_at(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_walk w = walk(m, pid, addr);
	return leaf(&w);
}

/* The frame @addr of @pid is in; asserts it is present. */
static uint64_t pfn_of(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_walk w = walk(m, pid, addr);
	assert_int_equal(w.state, VMFS_WALK_PRESENT);
	return w.paddr >> 12;
}

static bool present(vmfs *m, int pid, uint64_t addr)
{
	return walk(m, pid, addr).state == VMFS_WALK_PRESENT;
}

/* The mapping of @pid that contains @addr (asserted to exist). */
static struct vmfs_map map_at(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_map maps[64];
	int n = vmfs_maps(m, pid, maps, 64);
	assert_true(n >= 0 && n <= 64);
	for (int i = 0; i < n; i++)
		if (addr >= maps[i].start && addr < maps[i].end)
			return maps[i];
	fail_msg("pid %d has no mapping at %#" PRIx64, pid, addr);
	return maps[0];
}

static uint64_t pagemap(vmfs *m, int pid, uint64_t addr)
{
	uint64_t e = 0;
	assert_int_equal(vmfs_pagemap(m, pid, addr >> 12, &e, 1), 1);
	return e;
}

/* Evict everything evictable; returns the pages evicted. */
static int64_t evict_all(vmfs *m)
{
	int64_t n = vmfs_reclaim(m, mstat(m).frames);
	assert_true(n >= 0);
	return n;
}

/* ---- names and errors ------------------------------------------------------------ */

/* Every call that takes a name refuses a bad one with -EINVAL and creates nothing. */
static void test_bad_names(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int pid = spawn(m, "objtest");
	char long_name[257], max_name[256];
	memset(long_name, 'x', 256);
	long_name[256] = 0;
	memset(max_name, 'y', 255);
	max_name[255] = 0;
	const char *bad[] = { "", "a/b", "/", "a/", ".", "..", long_name, "a\x01", "\x1f",
			      "tab\there", "new\nline", "del\x7f" };
	unsigned char b[4] = { 1, 2, 3, 4 };
	struct vmfs_object_info in;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *n = bad[i];
		assert_int_equal(vmfs_object_create(m, n, b, 4), -EINVAL);
		assert_int_equal(vmfs_object_read(m, n, 0, b, 4), -EINVAL);
		assert_int_equal(vmfs_object_write(m, n, 0, b, 4), -EINVAL);
		assert_int_equal(vmfs_object_resize(m, n, 4), -EINVAL);
		assert_int_equal(vmfs_object_remove(m, n), -EINVAL);
		assert_int_equal(vmfs_object_chmod(m, n, 0600), -EINVAL);
		assert_int_equal(vmfs_object_stat(m, n, &in), -EINVAL);
		assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, PROT_READ, MAP_PRIVATE, n, 0, NULL),
				 -EINVAL);
	}
	assert_int_equal(vmfs_object_create(m, NULL, b, 4), -EINVAL);
	assert_int_equal(mstat(m).nr_objects, 0);
	assert_int_equal(vmfs_object_list(m, &in, 1), 0);

	/* The edges that are fine: 255 bytes, dots that are not "." or "..",
	 * spaces and bytes above 0x7f. */
	const char *good[] = { max_name, "...", ".hidden", "a.b", "with space", "caf\xc3\xa9" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(vmfs_object_create(m, good[i], b, 4), 0);
	assert_int_equal(mstat(m).nr_objects, 6);
	assert_int_equal(ostat(m, max_name).size, 4);
	assert_string_equal(ostat(m, max_name).name, max_name);
	close_machine(m);
}

static void test_errors(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int pid = spawn(m, "objtest");
	unsigned char b[8] = { 0 };
	struct vmfs_object_info in;

	create_filled(m, "lib", 5000, 1);
	/* Duplicate: -EEXIST, and the first object is untouched. */
	assert_int_equal(vmfs_object_create(m, "lib", b, 8), -EEXIST);
	assert_int_equal(vmfs_object_create(m, "lib", NULL, 0), -EEXIST);
	assert_int_equal(ostat(m, "lib").size, 5000);
	assert_int_equal(obj_byte(m, "lib", 0), byte_at(0, 1));
	assert_int_equal(mstat(m).nr_objects, 1);

	/* Missing: -ENOENT from every call. */
	assert_int_equal(vmfs_object_read(m, "nope", 0, b, 8), -ENOENT);
	assert_int_equal(vmfs_object_write(m, "nope", 0, b, 8), -ENOENT);
	assert_int_equal(vmfs_object_resize(m, "nope", 8), -ENOENT);
	assert_int_equal(vmfs_object_remove(m, "nope"), -ENOENT);
	assert_int_equal(vmfs_object_chmod(m, "nope", 0600), -ENOENT);
	assert_int_equal(vmfs_object_stat(m, "nope", &in), -ENOENT);
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, PROT_READ, MAP_PRIVATE, "nope", 0, NULL),
			 -ENOENT);
	assert_int_equal(mstat(m).nr_objects, 1);

	/* 16 TiB is the limit: at it is fine, past it -EFBIG, nothing changes. */
	assert_int_equal(vmfs_object_create(m, "huge", NULL, TIB16 + 1), -EFBIG);
	assert_int_equal(vmfs_object_stat(m, "huge", &in), -ENOENT);
	assert_int_equal(vmfs_object_write(m, "lib", TIB16, b, 1), -EFBIG);
	assert_int_equal(vmfs_object_write(m, "lib", TIB16 - 1, b, 2), -EFBIG);
	assert_int_equal(vmfs_object_write(m, "lib", UINT64_MAX - 2, b, 8), -EFBIG);
	assert_int_equal(vmfs_object_resize(m, "lib", TIB16 + 1), -EFBIG);
	assert_int_equal(vmfs_object_resize(m, "lib", UINT64_MAX), -EFBIG);
	assert_int_equal(ostat(m, "lib").size, 5000);
	assert_int_equal(vmfs_object_write(m, "lib", TIB16 - 1, b, 1), 1);
	assert_int_equal(ostat(m, "lib").size, TIB16);
	assert_int_equal(vmfs_object_create(m, "edge", NULL, TIB16), 0);
	assert_int_equal(ostat(m, "edge").size, TIB16);

	/* chmod: bits beyond 07777 are -EINVAL and the mode stays. */
	assert_int_equal(ostat(m, "lib").mode, 0644);
	assert_int_equal(vmfs_object_chmod(m, "lib", 010000), -EINVAL);
	assert_int_equal(vmfs_object_chmod(m, "lib", 0100644), -EINVAL);
	assert_int_equal(ostat(m, "lib").mode, 0644);
	assert_int_equal(vmfs_object_chmod(m, "lib", 07777), 0);
	assert_int_equal(ostat(m, "lib").mode, 07777);
	assert_int_equal(vmfs_object_chmod(m, "lib", 0), 0);
	assert_int_equal(ostat(m, "lib").mode, 0);

	/* mmap's object errors: a misaligned offset, MAP_ANONYMOUS with an object. */
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, PROT_READ, MAP_PRIVATE, "lib", 100, NULL),
			 -EINVAL);
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
				   "lib", 0, NULL), -EINVAL);
	assert_int_equal(vmfs_mmap(m, pid, 0, 0, PROT_READ, MAP_PRIVATE, "lib", 0, NULL), -EINVAL);
	/* An offset whose end overflows: -EOVERFLOW, as Linux's mmap(2). */
	assert_int_equal(vmfs_mmap(m, pid, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE, "lib",
				   UINT64_MAX - PAGE + 1, NULL), -EOVERFLOW);
	assert_int_equal(pstat(m, pid).nr_maps, 0);
	assert_int_equal(ostat(m, "lib").mapped, 0);
	close_machine(m);
}

/* ---- the object calls -------------------------------------------------------------- */

static void test_create_read(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	unsigned char got[3 * PAGE], *want = fill(0, 10000, 3);
	struct vmfs_object_info in;

	create_filled(m, "data", 10000, 3);
	assert_int_equal(vmfs_object_read(m, "data", 0, got, sizeof(got)), 10000);
	assert_memory_equal(got, want, 10000);
	/* A read across a page boundary, at the end, and past it. */
	assert_int_equal(vmfs_object_read(m, "data", 4000, got, 200), 200);
	assert_memory_equal(got, want + 4000, 200);
	assert_int_equal(vmfs_object_read(m, "data", 9990, got, 100), 10);
	assert_memory_equal(got, want + 9990, 10);
	assert_int_equal(vmfs_object_read(m, "data", 10000, got, 100), 0);
	assert_int_equal(vmfs_object_read(m, "data", 1ull << 40, got, 100), 0);
	assert_int_equal(vmfs_object_read(m, "data", UINT64_MAX, got, 100), 0);
	in = ostat(m, "data");
	assert_string_equal(in.name, "data");
	assert_int_equal(in.size, 10000);
	assert_int_equal(in.cached, 0);
	assert_int_equal(in.mapped, 0);
	assert_int_equal(in.removed, 0);
	assert_int_equal(in.mode, 0644);

	/* NULL data: zeros. */
	assert_int_equal(vmfs_object_create(m, "zeros", NULL, 3 * PAGE + 5), 0);
	memset(got, 0x77, sizeof(got));
	assert_int_equal(vmfs_object_read(m, "zeros", 0, got, sizeof(got)), 3 * PAGE);
	for (size_t i = 0; i < 3 * PAGE; i++)
		assert_int_equal(got[i], 0);
	assert_int_equal(vmfs_object_read(m, "zeros", 3 * PAGE, got, 100), 5);
	assert_int_equal(ostat(m, "zeros").size, 3 * PAGE + 5);
	assert_int_equal(vmfs_object_create(m, "empty", NULL, 0), 0);
	assert_int_equal(vmfs_object_read(m, "empty", 0, got, 10), 0);

	/* The list is in name order and counts beyond @max. */
	struct vmfs_object_info list[4];
	assert_int_equal(vmfs_object_list(m, list, 4), 3);
	assert_string_equal(list[0].name, "data");
	assert_string_equal(list[1].name, "empty");
	assert_string_equal(list[2].name, "zeros");
	assert_int_equal(list[0].size, 10000);
	assert_int_equal(list[2].size, 3 * PAGE + 5);
	memset(list, 0, sizeof(list));
	assert_int_equal(vmfs_object_list(m, list, 1), 3);
	assert_string_equal(list[0].name, "data");
	assert_string_equal(list[1].name, "");
	assert_int_equal(mstat(m).nr_objects, 3);
	/* Objects take no frames until something maps them. */
	assert_int_equal(mstat(m).frames_free, 64);
	assert_int_equal(mstat(m).file_pages, 0);
	free(want);
	close_machine(m);
}

static void test_write_grow_sparse(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	unsigned char got[PAGE], *data = fill(0, 3000, 4);

	assert_int_equal(vmfs_object_create(m, "o", NULL, 0), 0);
	assert_int_equal(vmfs_object_write(m, "o", 0, data, 3000), 3000);
	assert_int_equal(ostat(m, "o").size, 3000);
	/* Overwrite inside, across a page boundary: the size stays. */
	assert_int_equal(vmfs_object_write(m, "o", 100, "hello", 5), 5);
	assert_int_equal(ostat(m, "o").size, 3000);
	/* Grow across pages. */
	assert_int_equal(vmfs_object_write(m, "o", 2000, data, 3000), 3000);
	assert_int_equal(ostat(m, "o").size, 5000);
	assert_int_equal(vmfs_object_read(m, "o", 0, got, 2000), 2000);
	assert_memory_equal(got, data, 100);
	assert_memory_equal(got + 100, "hello", 5);
	assert_memory_equal(got + 105, data + 105, 1895);
	assert_int_equal(vmfs_object_read(m, "o", 2000, got, PAGE), 3000);
	assert_memory_equal(got, data, 3000);

	/* Sparse: a write far past the end leaves a hole that reads zero. */
	assert_int_equal(vmfs_object_write(m, "o", 100000, "tail", 4), 4);
	assert_int_equal(ostat(m, "o").size, 100004);
	for (uint64_t off = 5000; off < 100000; off += PAGE) {
		uint64_t n = 100000 - off < PAGE ? 100000 - off : PAGE;
		memset(got, 0x55, sizeof(got));
		assert_int_equal(vmfs_object_read(m, "o", off, got, n), n);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(got[i], 0);
	}
	assert_int_equal(vmfs_object_read(m, "o", 99998, got, 100), 6);
	assert_memory_equal(got, "\0\0tail", 6);
	free(data);
	close_machine(m);
}

/* A write of zero bytes changes nothing, wherever it is (as pwrite(2) with count 0). */
static void test_zero_length_write(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");

	assert_int_equal(vmfs_object_create(m, "o", "abc", 3), 0);
	assert_int_equal(vmfs_object_write(m, "o", 1, "x", 0), 0);
	assert_int_equal(ostat(m, "o").size, 3);
	assert_int_equal(vmfs_object_write(m, "o", 200000, "x", 0), 0);
	if (ostat(m, "o").size != 3)
		fail_msg("a zero-byte write at offset 200000 resized the object from 3 to %" PRIu64
			 " bytes", ostat(m, "o").size);
	close_machine(m);
}

/*
 * Shrink to 5000 then extend to 8192: bytes 5000..8191 read zero.  Three
 * ways: the page only in the store; the page cached (mapped) while it
 * happens; the page cached while shrinking, then evicted before the extend
 * (the zeroed tail must reach the store, or the old bytes come back).
 */
static void shrink_extend(vmfs *m, const char *name, int how)
{
	int pid = spawn(m, "objtest");
	unsigned char got[PAGE];

	create_filled(m, name, 2 * PAGE, 5);
	if (how > 0) {
		map_obj(m, pid, BASE, 2, PROT_READ, MAP_SHARED, name, 0);
		assert_int_equal(peek(m, pid, BASE + PAGE, NULL), byte_at(PAGE, 5));
		assert_int_equal(ostat(m, name).cached, 1);
	}
	assert_int_equal(vmfs_object_resize(m, name, 5000), 0);
	assert_int_equal(ostat(m, name).size, 5000);
	assert_int_equal(vmfs_object_read(m, name, PAGE, got, PAGE), 5000 - PAGE);
	for (unsigned i = 0; i < 5000 - PAGE; i++)
		assert_int_equal(got[i], byte_at(PAGE + i, 5));
	if (how > 0) {
		/* The mapping sees the tail zeroed at once. */
		assert_int_equal(peek(m, pid, BASE + 5000, NULL), 0);
		assert_int_equal(peek(m, pid, BASE + 4999, NULL), byte_at(4999, 5));
	}
	if (how > 1) {
		assert_int_equal(vmfs_munmap(m, pid, BASE, 2 * PAGE), 0);
		evict_all(m);
		assert_int_equal(ostat(m, name).cached, 0);
		/* Read back from the store, the last page is zero past the end. */
		map_obj(m, pid, BASE, 2, PROT_READ, MAP_SHARED, name, 0);
		unsigned char c = peek(m, pid, BASE + 5000, NULL);
		if (c)
			fail_msg("%s: shrunk to 5000 while cached, evicted: a mapping reads byte 5000 "
				 "as %#x, not 0", name, c);
		assert_int_equal(vmfs_munmap(m, pid, BASE, 2 * PAGE), 0);
	}
	assert_int_equal(vmfs_object_resize(m, name, 8192), 0);
	assert_int_equal(ostat(m, name).size, 8192);
	memset(got, 0x55, sizeof(got));
	assert_int_equal(vmfs_object_read(m, name, PAGE, got, PAGE), PAGE);
	for (unsigned i = 0; i < 5000 - PAGE; i++)
		assert_int_equal(got[i], byte_at(PAGE + i, 5));
	for (unsigned i = 5000 - PAGE; i < PAGE; i++)
		if (got[i])
			fail_msg("%s: byte %u after shrink to 5000 and extend to 8192 is %#x, not 0",
				 name, PAGE + i, got[i]);
	/* And through a fresh mapping too. */
	map_obj(m, pid, OTHER, 2, PROT_READ, MAP_PRIVATE, name, 0);
	assert_int_equal(peek(m, pid, OTHER + 5000, NULL), 0);
	assert_int_equal(peek(m, pid, OTHER + 8191, NULL), 0);
	assert_int_equal(peek(m, pid, OTHER + 4999, NULL), byte_at(4999, 5));
	/* Page 0 never changed. */
	assert_int_equal(obj_byte(m, name, 17), byte_at(17, 5));
}

static void test_resize(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	unsigned char got[16];

	shrink_extend(m, "stored", 0);
	shrink_extend(m, "cached", 1);
	/* Shrink to zero and to a page boundary. */
	create_filled(m, "z", 3 * PAGE, 6);
	assert_int_equal(vmfs_object_resize(m, "z", PAGE), 0);
	assert_int_equal(vmfs_object_read(m, "z", PAGE - 4, got, 16), 4);
	assert_int_equal(vmfs_object_resize(m, "z", 0), 0);
	assert_int_equal(vmfs_object_read(m, "z", 0, got, 16), 0);
	assert_int_equal(vmfs_object_resize(m, "z", 2 * PAGE), 0);
	assert_int_equal(vmfs_object_read(m, "z", 10, got, 16), 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(got[i], 0);
	/* Same size: nothing changes. */
	assert_int_equal(vmfs_object_resize(m, "z", 2 * PAGE), 0);
	assert_int_equal(ostat(m, "z").size, 2 * PAGE);
	close_machine(m);
}

/*
 * What a shared mapping writes past the end of the object, in its last
 * page, is not the object's: extending the object later shows zeros there
 * (ftruncate(2): "the extended area shall appear as if it were
 * zero-filled"), whether the page stayed cached or went back to the store.
 */
static void extend_after_write_past_end(bool evict)
{
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");
	const char *name = evict ? "evicted" : "cached";

	create_filled(m, name, 10000, 27);
	map_obj(m, a, BASE, 3, RW, MAP_SHARED, name, 0);
	poke(m, a, BASE + 10500, 0x5e, NULL);        /* page 2, past the end */
	assert_int_equal(ostat(m, name).size, 10000);
	assert_int_equal(vmfs_munmap(m, a, BASE, 3 * PAGE), 0);
	if (evict) {
		evict_all(m);
		assert_int_equal(ostat(m, name).cached, 0);
	}
	assert_int_equal(vmfs_object_resize(m, name, 12000), 0);
	unsigned char c = obj_byte(m, name, 10500);
	if (c)
		fail_msg("%s: byte 10500, written through a mapping past the end (10000), "
			 "reads %#x after extending to 12000, not 0", name, c);
	assert_int_equal(obj_byte(m, name, 9999), byte_at(9999, 27));
	close_machine(m);
}

static void test_extend_after_write_past_end_cached(void **state)
{
	(void)state;
	extend_after_write_past_end(false);
}

static void test_extend_after_write_past_end_evicted(void **state)
{
	(void)state;
	extend_after_write_past_end(true);
}

/* The shrink's zeroed tail must survive the cached page's eviction. */
static void test_resize_tail_after_eviction(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	shrink_extend(m, "evicted", 2);
	close_machine(m);
}

static void test_remove_while_mapped(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	struct vmfs_object_info list[4];
	uint64_t free0 = mstat(m).frames_free;

	create_filled(m, "lib", 3 * PAGE, 7);
	create_filled(m, "other", 10, 8);
	map_obj(m, a, BASE, 3, RW, MAP_SHARED, "lib", 0);
	map_obj(m, b, BASE, 3, PROT_READ, MAP_PRIVATE, "lib", 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(peek(m, a, BASE + i * PAGE + 9, NULL), byte_at(i * PAGE + 9, 7));
	assert_int_equal(peek(m, b, BASE + 9, NULL), byte_at(9, 7));
	assert_int_equal(mstat(m).frames_free, free0 - 3);

	assert_int_equal(vmfs_object_remove(m, "lib"), 0);
	/* The name is gone: not listed, not found, not counted, free to reuse. */
	assert_int_equal(vmfs_object_list(m, list, 4), 1);
	assert_string_equal(list[0].name, "other");
	assert_int_equal(mstat(m).nr_objects, 1);
	assert_int_equal(vmfs_object_stat(m, "lib", list), -ENOENT);
	assert_int_equal(vmfs_object_remove(m, "lib"), -ENOENT);
	assert_int_equal(vmfs_mmap(m, a, 0, PAGE, PROT_READ, MAP_PRIVATE, "lib", 0, NULL), -ENOENT);
	/* The mappings keep the bytes, and maps says so as Linux does. */
	struct vmfs_map mp = map_at(m, a, BASE);
	assert_string_equal(mp.object, "lib (deleted)");
	assert_string_equal(map_at(m, b, BASE).object, "lib (deleted)");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(peek(m, a, BASE + i * PAGE + 100, NULL), byte_at(i * PAGE + 100, 7));
		assert_int_equal(peek(m, b, BASE + i * PAGE + 100, NULL), byte_at(i * PAGE + 100, 7));
	}
	/* A write through the shared mapping still reaches the other mapper. */
	poke(m, a, BASE + PAGE + 1, 0xee, NULL);
	assert_int_equal(peek(m, b, BASE + PAGE + 1, NULL), 0xee);
	/* Eviction and re-fault work on an unnamed object too. */
	evict_all(m);
	assert_int_equal(peek(m, b, BASE + PAGE + 1, NULL), 0xee);
	assert_int_equal(peek(m, a, BASE + 2 * PAGE, NULL), byte_at(2 * PAGE, 7));

	/* A new object of the same name is another object. */
	assert_int_equal(vmfs_object_create(m, "lib", "new", 3), 0);
	assert_int_equal(ostat(m, "lib").size, 3);
	assert_int_equal(ostat(m, "lib").mapped, 0);
	assert_int_equal(peek(m, a, BASE, NULL), byte_at(0, 7));
	assert_int_equal(obj_byte(m, "lib", 0), 'n');
	assert_int_equal(vmfs_object_remove(m, "lib"), 0);

	/* Unmapping one mapping keeps it; the last mapping's going frees the frames. */
	assert_int_equal(vmfs_munmap(m, b, BASE, 3 * PAGE), 0);
	assert_int_equal(peek(m, a, BASE + PAGE + 1, NULL), 0xee);
	assert_true(mstat(m).frames_free < free0);
	assert_int_equal(vmfs_munmap(m, a, BASE, 3 * PAGE), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	assert_int_equal(mstat(m).file_pages, 0);
	assert_int_equal(mstat(m).nr_objects, 1);

	/* The same through exit, with the object removed while only one maps it. */
	create_filled(m, "lib2", 2 * PAGE, 9);
	map_obj(m, b, OTHER, 2, PROT_READ, MAP_SHARED, "lib2", 0);
	assert_int_equal(peek(m, b, OTHER + PAGE, NULL), byte_at(PAGE, 9));
	assert_int_equal(vmfs_object_remove(m, "lib2"), 0);
	assert_int_equal(peek(m, b, OTHER, NULL), byte_at(0, 9));
	assert_int_equal(mstat(m).frames_free, free0 - 2);
	assert_int_equal(vmfs_exit(m, b), 0);
	assert_int_equal(mstat(m).frames_free, free0);
	assert_int_equal(mstat(m).nr_objects, 1);
	close_machine(m);
}

/*
 * A removed object lives exactly as long as its last mapping, however the
 * mappings were split, forked, replaced by MAP_FIXED or left to close.
 */
static void test_removed_object_lifetime(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");
	uint64_t free0 = mstat(m).frames_free;

	create_filled(m, "lib", 4 * PAGE, 28);
	map_obj(m, a, BASE, 4, RW, MAP_PRIVATE, "lib", 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(peek(m, a, BASE + i * PAGE, NULL), byte_at(i * PAGE, 28));
	/* Split in three. */
	assert_int_equal(vmfs_mprotect(m, a, BASE + PAGE, PAGE, PROT_READ), 0);
	assert_int_equal(vmfs_munmap(m, a, BASE + 2 * PAGE, PAGE), 0);
	assert_int_equal(ostat(m, "lib").mapped, 3);
	assert_int_equal(vmfs_object_remove(m, "lib"), 0);
	int c = vmfs_fork(m, a);
	assert_true(c > 0);
	assert_int_equal(vmfs_exit(m, a), 0);
	assert_int_equal(peek(m, c, BASE + 3 * PAGE, NULL), byte_at(3 * PAGE, 28));
	assert_string_equal(map_at(m, c, BASE + PAGE).object, "lib (deleted)");
	assert_int_equal(vmfs_munmap(m, c, BASE, PAGE), 0);
	/* A MAP_FIXED anonymous mapping over one part, munmap of the other. */
	assert_int_equal(vmfs_mmap(m, c, BASE + PAGE, PAGE, RW,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL), 0);
	assert_true(mstat(m).frames_free < free0);
	assert_int_equal(peek(m, c, BASE + 3 * PAGE + 1, NULL), byte_at(3 * PAGE + 1, 28));
	assert_int_equal(vmfs_munmap(m, c, BASE + 3 * PAGE, PAGE), 0);
	assert_int_equal(mstat(m).file_pages, 0);
	assert_int_equal(vmfs_exit(m, c), 0);
	assert_int_equal(mstat(m).frames_free, free0);

	/* Closing the machine with removed objects still mapped frees them too
	 * (the sanitizer build checks for leaks). */
	int b = spawn(m, "objtest");
	create_filled(m, "kept", 2 * PAGE, 29);
	map_obj(m, b, BASE, 2, RW, MAP_SHARED, "kept", 0);
	poke(m, b, BASE + PAGE, 1, NULL);
	assert_int_equal(vmfs_object_remove(m, "kept"), 0);
	assert_int_equal(vmfs_fork(m, b) > 0, 1);
	close_machine(m);
}

/* Mappings of a removed object and of a new one of the same name never merge. */
static void test_no_merge_across_objects(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");

	create_filled(m, "lib", 4 * PAGE, 30);
	map_obj(m, a, BASE, 2, PROT_READ, MAP_PRIVATE, "lib", 0);
	assert_int_equal(vmfs_object_remove(m, "lib"), 0);
	create_filled(m, "lib", 4 * PAGE, 31);
	map_obj(m, a, BASE + 2 * PAGE, 2, PROT_READ, MAP_PRIVATE, "lib", 2);
	assert_int_equal(pstat(m, a).nr_maps, 2);
	assert_string_equal(map_at(m, a, BASE).object, "lib (deleted)");
	assert_int_equal(map_at(m, a, BASE).end, BASE + 2 * PAGE);
	assert_string_equal(map_at(m, a, BASE + 2 * PAGE).object, "lib");
	assert_int_equal(peek(m, a, BASE + PAGE, NULL), byte_at(PAGE, 30));
	assert_int_equal(peek(m, a, BASE + 2 * PAGE, NULL), byte_at(2 * PAGE, 31));
	/* Anonymous memory next to an object mapping does not merge with it either. */
	assert_int_equal(vmfs_mmap(m, a, BASE + 4 * PAGE, PAGE, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL), 0);
	assert_int_equal(pstat(m, a).nr_maps, 3);
	close_machine(m);
}

/* A removed, unmapped object is gone from the store too: its name makes a new, empty object. */
static void test_remove_unmapped(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	unsigned char got[8];
	create_filled(m, "x", 2 * PAGE, 10);
	assert_int_equal(vmfs_object_remove(m, "x"), 0);
	assert_int_equal(vmfs_object_read(m, "x", 0, got, 8), -ENOENT);
	assert_int_equal(vmfs_object_create(m, "x", NULL, 2 * PAGE), 0);
	assert_int_equal(vmfs_object_read(m, "x", PAGE, got, 8), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(got[i], 0);
	close_machine(m);
}

/* Resident set of this host process now, in KiB (Linux /proc/self/statm). */
static long host_rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, resident = 0;
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * A 1 GiB object made by resize, three pages written far apart: it reads
 * back, maps at an offset, and costs neither frames nor host memory in
 * proportion to its size (it is stored by page).
 */
static void test_gigabyte_object(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	int pid = spawn(m, "objtest");
	const uint64_t gib = 1ull << 30;
	const uint64_t at[] = { 0, gib / 2 + 3 * PAGE + 100, gib - PAGE };
	unsigned char got[PAGE], *page = fill(0, PAGE, 11);
	long rss0 = host_rss_kib();

	assert_int_equal(vmfs_object_create(m, "big", NULL, 0), 0);
	assert_int_equal(vmfs_object_resize(m, "big", gib), 0);
	assert_int_equal(ostat(m, "big").size, gib);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vmfs_object_write(m, "big", at[i], page, i == 2 ? PAGE : 1000),
				 i == 2 ? PAGE : 1000);
	assert_int_equal(ostat(m, "big").size, gib);
	for (int i = 0; i < 3; i++) {
		size_t n = i == 2 ? PAGE : 1000;
		memset(got, 0, sizeof(got));
		assert_int_equal(vmfs_object_read(m, "big", at[i], got, n), n);
		assert_memory_equal(got, page, n);
	}
	/* Holes between read zero. */
	assert_int_equal(vmfs_object_read(m, "big", gib / 4, got, 64), 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(got[i], 0);
	assert_int_equal(vmfs_object_read(m, "big", gib - 10, got, 64), 10);

	/* Map 4 pages around the middle one, at an offset; and the very last page. */
	uint64_t mid = (at[1] & ~(uint64_t)(PAGE - 1)) - PAGE;
	map_obj(m, pid, BASE, 4, PROT_READ, MAP_SHARED, "big", mid / PAGE);
	assert_int_equal(peek(m, pid, BASE + PAGE + (at[1] - mid - PAGE), NULL), page[0]);
	assert_int_equal(peek(m, pid, BASE + PAGE + (at[1] - mid - PAGE) + 999, NULL), page[999]);
	assert_int_equal(peek(m, pid, BASE + 3 * PAGE, NULL), 0);
	map_obj(m, pid, OTHER, 2, PROT_READ, MAP_PRIVATE, "big", gib / PAGE - 1);
	assert_int_equal(peek(m, pid, OTHER + 4095, NULL), page[4095]);
	expect_sigbus(m, pid, OTHER + PAGE, VMFS_ACCESS_READ);
	assert_int_equal(ostat(m, "big").cached, 3);
	assert_true(mstat(m).frames_free >= 60);
	long grown = host_rss_kib() - rss0;
	print_message("1 GiB object: host RSS grew by %ld KiB\n", grown);
	assert_true(grown < 64 * 1024);

	/* And the largest size, 16 TiB, by resize. */
	assert_int_equal(vmfs_object_resize(m, "big", TIB16), 0);
	assert_int_equal(vmfs_object_write(m, "big", TIB16 - PAGE, page, PAGE), PAGE);
	assert_int_equal(vmfs_object_read(m, "big", TIB16 - PAGE, got, 2 * PAGE), PAGE);
	assert_memory_equal(got, page, PAGE);
	assert_int_equal(vmfs_object_read(m, "big", at[1], got, 1000), 1000);
	assert_memory_equal(got, page, 1000);
	/* Back down: the far pages are gone. */
	assert_int_equal(vmfs_object_resize(m, "big", PAGE), 0);
	assert_int_equal(vmfs_object_resize(m, "big", gib), 0);
	assert_int_equal(vmfs_object_read(m, "big", at[2], got, PAGE), PAGE);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(got[i], 0);
	free(page);
	close_machine(m);
}

/* ---- private mappings ------------------------------------------------------------------ */

/*
 * Two processes map the same object privately: the first touch reads the
 * store (major), the second finds the page cached (minor); both entries
 * point at the one frame, read-only with the COW bit.  A write by one copies
 * the page and leaves the other process and the object untouched.
 */
static void test_private_share_and_copy(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	struct vmfs_fault f;

	create_filled(m, "lib", 4 * PAGE, 12);
	map_obj(m, a, BASE, 4, RW, MAP_PRIVATE, "lib", 0);
	map_obj(m, b, OTHER, 4, PROT_READ, MAP_PRIVATE, "lib", 0);
	struct vmfs_stat st0 = mstat(m);

	assert_int_equal(peek(m, a, BASE + 5, &f), byte_at(5, 12));
	assert_int_equal(f.major, 1);
	assert_int_equal(f.minor, 0);
	assert_int_equal(f.cow, 0);
	assert_int_equal(f.si_code, 0);
	assert_int_equal(peek(m, b, OTHER + 6, &f), byte_at(6, 12));
	assert_int_equal(f.major, 0);
	assert_int_equal(f.minor, 1);
	/* A second access of a present page is no fault at all. */
	assert_int_equal(peek(m, b, OTHER + 7, &f), byte_at(7, 12));
	assert_int_equal(f.major + f.minor, 0);
	assert_int_equal(pstat(m, a).maj_flt, 1);
	assert_int_equal(pstat(m, a).min_flt, 0);
	assert_int_equal(pstat(m, b).maj_flt, 0);
	assert_int_equal(pstat(m, b).min_flt, 1);
	struct vmfs_stat st1 = mstat(m);
	assert_int_equal(st1.pgmajfault - st0.pgmajfault, 1);
	assert_int_equal(st1.pgfault - st0.pgfault, 2);
	assert_int_equal(st1.frames_free, st0.frames_free - 1);

	uint64_t pa = pfn_of(m, a, BASE), pb = pfn_of(m, b, OTHER);
	assert_int_equal(pa, pb);
	uint64_t ea = leaf_at(m, a, BASE), eb = leaf_at(m, b, OTHER);
	assert_true(ea & VMFS_PTE_COW);
	assert_false(ea & VMFS_PTE_RW);      /* even though a's mapping is writable */
	assert_true(eb & VMFS_PTE_COW);
	assert_false(eb & VMFS_PTE_RW);
	assert_int_equal(ostat(m, "lib").cached, 1);
	assert_int_equal(ostat(m, "lib").mapped, 2);

	/* a writes: a copy, a COW fault, a's entry writable and no longer COW. */
	poke(m, a, BASE + 5, 0xab, &f);
	assert_int_equal(f.cow, 1);
	assert_int_equal(f.major, 0);
	uint64_t pa2 = pfn_of(m, a, BASE);
	assert_int_not_equal(pa2, pb);
	ea = leaf_at(m, a, BASE);
	assert_true(ea & VMFS_PTE_RW);
	assert_false(ea & VMFS_PTE_COW);
	assert_int_equal(pfn_of(m, b, OTHER), pb);
	assert_int_equal(peek(m, a, BASE + 5, NULL), 0xab);
	assert_int_equal(peek(m, a, BASE + 6, NULL), byte_at(6, 12));   /* the rest copied */
	assert_int_equal(peek(m, b, OTHER + 5, NULL), byte_at(5, 12));
	assert_int_equal(obj_byte(m, "lib", 5), byte_at(5, 12));
	assert_int_equal(pstat(m, a).cow_flt, 1);
	assert_int_equal(pstat(m, a).rss_anon, 1);
	assert_int_equal(pstat(m, a).rss_file, 0);
	assert_int_equal(pstat(m, b).rss_file, 1);
	assert_int_equal(ostat(m, "lib").cached, 1);
	/* The cache page stays the object's; a sync or eviction never writes a's copy back. */
	assert_int_equal(vmfs_sync(m), 0);
	evict_all(m);
	assert_int_equal(obj_byte(m, "lib", 5), byte_at(5, 12));
	assert_int_equal(peek(m, a, BASE + 5, NULL), 0xab);
	assert_int_equal(peek(m, b, OTHER + 5, NULL), byte_at(5, 12));

	/* A write to a page never read copies straight from the store (one
	 * fault: major read + copy). */
	poke(m, a, BASE + 2 * PAGE, 0x11, &f);
	assert_int_equal(f.cow, 1);
	assert_int_equal(peek(m, a, BASE + 2 * PAGE + 1, NULL), byte_at(2 * PAGE + 1, 12));
	assert_int_equal(obj_byte(m, "lib", 2 * PAGE), byte_at(2 * PAGE, 12));
	assert_int_equal(peek(m, b, OTHER + 2 * PAGE, &f), byte_at(2 * PAGE, 12));
	close_machine(m);
}

/* Object writes reach private pages not yet copied, never copied ones (as Linux). */
static void test_private_sees_object_writes_until_copied(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");

	create_filled(m, "lib", 2 * PAGE, 13);
	map_obj(m, a, BASE, 2, RW, MAP_PRIVATE, "lib", 0);
	assert_int_equal(peek(m, a, BASE, NULL), byte_at(0, 13));
	assert_int_equal(peek(m, a, BASE + PAGE, NULL), byte_at(PAGE, 13));
	poke(m, a, BASE + PAGE, 0x42, NULL);
	assert_int_equal(vmfs_object_write(m, "lib", 0, "AB", 2), 2);
	assert_int_equal(vmfs_object_write(m, "lib", PAGE + 1, "CD", 2), 2);
	assert_int_equal(peek(m, a, BASE, NULL), 'A');
	assert_int_equal(peek(m, a, BASE + PAGE, NULL), 0x42);
	assert_int_equal(peek(m, a, BASE + PAGE + 1, NULL), byte_at(PAGE + 1, 13));
	close_machine(m);
}

/* No protection change, forced write, fork or eviction makes a private mapping write its object. */
static void test_private_never_writes_object(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");
	struct vmfs_fault f;
	unsigned char x = 0x99;

	create_filled(m, "ro", 4 * PAGE, 14);
	assert_int_equal(vmfs_object_chmod(m, "ro", 0444), 0);
	/* Private mappings of a read-only object may be writable. */
	map_obj(m, a, BASE, 4, PROT_READ, MAP_PRIVATE, "ro", 0);
	assert_int_equal(peek(m, a, BASE, NULL), byte_at(0, 14));
	expect_segv(m, a, BASE, VMFS_ACCESS_WRITE, VMFS_SEGV_ACCERR);
	assert_int_equal(vmfs_mprotect(m, a, BASE, 4 * PAGE, RW), 0);
	assert_true(leaf_at(m, a, BASE) & VMFS_PTE_COW);
	assert_false(leaf_at(m, a, BASE) & VMFS_PTE_RW);
	poke(m, a, BASE, 0x01, &f);
	assert_int_equal(f.cow, 1);
	/* Through PROT_NONE and back: the cached page's entry stays COW. */
	assert_int_equal(peek(m, a, BASE + PAGE, NULL), byte_at(PAGE, 14));
	assert_int_equal(vmfs_mprotect(m, a, BASE, 4 * PAGE, PROT_NONE), 0);
	assert_int_equal(vmfs_mprotect(m, a, BASE, 4 * PAGE, RW | PROT_EXEC), 0);
	assert_false(leaf_at(m, a, BASE + PAGE) & VMFS_PTE_RW);
	poke(m, a, BASE + PAGE, 0x02, NULL);
	/* A forced (debugger) write to a read-only private mapping copies too. */
	assert_int_equal(vmfs_mprotect(m, a, BASE, 4 * PAGE, PROT_READ), 0);
	assert_int_equal(acc(m, a, BASE + 2 * PAGE, &x, 1, VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, &f), 1);
	assert_int_equal(f.cow, 1);
	assert_int_equal(peek(m, a, BASE + 2 * PAGE, NULL), 0x99);
	/* ... also on a page already cached and mapped read-only. */
	assert_int_equal(peek(m, a, BASE + 3 * PAGE, NULL), byte_at(3 * PAGE, 14));
	assert_int_equal(acc(m, a, BASE + 3 * PAGE, &x, 1, VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, &f), 1);
	assert_int_equal(f.cow, 1);
	/* Fork, sync, eviction, exit: the object never changes. */
	int c = vmfs_fork(m, a);
	assert_true(c > 0);
	assert_int_equal(vmfs_mprotect(m, c, BASE, 4 * PAGE, RW), 0);
	poke(m, c, BASE + 3 * PAGE + 1, 0x03, NULL);
	assert_int_equal(vmfs_sync(m), 0);
	evict_all(m);
	assert_int_equal(peek(m, a, BASE, NULL), 0x01);
	assert_int_equal(peek(m, c, BASE + PAGE, NULL), 0x02);
	assert_int_equal(peek(m, c, BASE + 3 * PAGE + 1, NULL), 0x03);
	assert_int_equal(peek(m, a, BASE + 3 * PAGE + 1, NULL), byte_at(3 * PAGE + 1, 14));
	assert_int_equal(vmfs_exit(m, c), 0);
	assert_int_equal(vmfs_exit(m, a), 0);
	unsigned char *want = fill(0, 4 * PAGE, 14), got[4 * PAGE];
	assert_int_equal(vmfs_object_read(m, "ro", 0, got, sizeof(got)), 4 * PAGE);
	assert_memory_equal(got, want, 4 * PAGE);
	free(want);
	close_machine(m);
}

/* ---- shared mappings ---------------------------------------------------------------------- */

static void test_shared_write_seen_everywhere(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	unsigned char msg[] = "written by a";
	unsigned char got[sizeof(msg)];
	struct vmfs_fault f;

	create_filled(m, "shm", 3 * PAGE, 15);
	map_obj(m, a, BASE, 3, RW, MAP_SHARED, "shm", 0);
	map_obj(m, b, OTHER, 3, RW, MAP_SHARED, "shm", 0);
	assert_int_equal(acc(m, a, BASE + PAGE - 4, msg, sizeof(msg), VMFS_ACCESS_WRITE, &f),
			 sizeof(msg));
	assert_int_equal(f.major, 2);        /* two pages read from the store */
	assert_int_equal(f.cow, 0);
	assert_int_equal(acc(m, b, OTHER + PAGE - 4, got, sizeof(got), VMFS_ACCESS_READ, &f),
			 sizeof(got));
	assert_memory_equal(got, msg, sizeof(msg));
	assert_int_equal(f.minor, 2);
	assert_int_equal(f.major, 0);
	assert_int_equal(vmfs_object_read(m, "shm", PAGE - 4, got, sizeof(got)), sizeof(got));
	assert_memory_equal(got, msg, sizeof(msg));
	/* One frame per page, writable in both, the write marked dirty in a. */
	assert_int_equal(pfn_of(m, a, BASE), pfn_of(m, b, OTHER));
	assert_int_equal(pfn_of(m, a, BASE + PAGE), pfn_of(m, b, OTHER + PAGE));
	uint64_t ea = leaf_at(m, a, BASE);
	assert_true(ea & VMFS_PTE_RW);
	assert_true(ea & VMFS_PTE_D);
	assert_false(ea & VMFS_PTE_COW);
	assert_false(leaf_at(m, b, OTHER) & VMFS_PTE_COW);
	assert_int_equal(pstat(m, a).cow_flt, 0);
	assert_int_equal(pstat(m, a).rss_anon, 0);
	assert_int_equal(pstat(m, a).rss_file, 2);

	/* b writes back; a and the object see it. */
	poke(m, b, OTHER + 2 * PAGE + 7, 0xbe, NULL);
	assert_int_equal(peek(m, a, BASE + 2 * PAGE + 7, NULL), 0xbe);
	assert_int_equal(obj_byte(m, "shm", 2 * PAGE + 7), 0xbe);
	/* The object's writer is seen by mapped readers at once. */
	assert_int_equal(vmfs_object_write(m, "shm", 2 * PAGE + 7, "Z", 1), 1);
	assert_int_equal(peek(m, a, BASE + 2 * PAGE + 7, NULL), 'Z');
	assert_int_equal(peek(m, b, OTHER + 2 * PAGE + 7, NULL), 'Z');
	/* Including past the old end, after a growing write, once the mapping covers it. */
	assert_int_equal(ostat(m, "shm").cached, 3);
	assert_int_equal(mstat(m).file_pages, 3);
	assert_int_equal(mstat(m).mapped_pages, 3);
	close_machine(m);
}

/*
 * A dirty shared page evicted goes back to its object (never to swap):
 * pswpout and swap_used stay 0, the object reads the new bytes from the
 * store, and the re-fault is major and finds them.  After a sync the page
 * is clean: no dirty bits, nothing dirty in meminfo or smaps.
 */
static void test_shared_writeback(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	struct vmfs_fault f;

	create_filled(m, "wb", 2 * PAGE, 16);
	map_obj(m, a, BASE, 2, RW, MAP_SHARED, "wb", 0);
	map_obj(m, b, BASE, 2, PROT_READ, MAP_SHARED, "wb", 0);
	poke(m, a, BASE + 10, 0xd1, NULL);
	assert_int_equal(peek(m, b, BASE + 10, NULL), 0xd1);
	struct vmfs_map mp = map_at(m, a, BASE);
	assert_int_equal(mp.rss, 1);
	assert_int_equal(mp.shared_dirty, 1);
	assert_int_equal(mp.dirty, 1);
	assert_int_equal(mstat(m).file_pages, 1);

	int64_t got = evict_all(m);
	assert_true(got >= 1);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.pswpout, 0);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.file_pages, 0);
	assert_int_equal(st.frames_free, st.frames);
	assert_int_equal(ostat(m, "wb").cached, 0);
	assert_false(present(m, a, BASE));
	assert_false(present(m, b, BASE));
	assert_int_equal(walk(m, a, BASE).state, VMFS_WALK_NONE);
	assert_int_equal(pstat(m, a).swap, 0);
	assert_int_equal(obj_byte(m, "wb", 10), 0xd1);
	assert_int_equal(peek(m, b, BASE + 10, &f), 0xd1);
	assert_int_equal(f.major, 1);
	assert_int_equal(peek(m, a, BASE + 10, &f), 0xd1);
	assert_int_equal(f.minor, 1);
	assert_int_equal(mstat(m).pswpin, 0);

	/* Sync: written back and clean. */
	poke(m, a, BASE + PAGE + 3, 0xd2, NULL);
	assert_true(leaf_at(m, a, BASE + PAGE) & VMFS_PTE_D);
	assert_int_equal(vmfs_sync(m), 0);
	assert_false(leaf_at(m, a, BASE + PAGE) & VMFS_PTE_D);
	assert_int_equal(mstat(m).dirty_pages, 0);
	mp = map_at(m, a, BASE);
	assert_int_equal(mp.shared_dirty + mp.private_dirty, 0);
	assert_int_equal(mp.pss_dirty, 0);
	assert_int_equal(obj_byte(m, "wb", PAGE + 3), 0xd2);
	/* Clean pages are dropped; the bytes are the object's. */
	evict_all(m);
	assert_int_equal(mstat(m).pswpout, 0);
	assert_int_equal(peek(m, b, BASE + PAGE + 3, &f), 0xd2);
	assert_int_equal(f.major, 1);
	/* The next write dirties it again (and is written back again). */
	poke(m, a, BASE + PAGE + 4, 0xd3, NULL);
	assert_true(leaf_at(m, a, BASE + PAGE) & VMFS_PTE_D);
	evict_all(m);
	assert_int_equal(obj_byte(m, "wb", PAGE + 4), 0xd3);
	assert_int_equal(peek(m, a, BASE + PAGE + 4, NULL), 0xd3);
	close_machine(m);
}

/* meminfo's Dirty counts page-cache pages written through a mapping and not yet written back. */
static void test_dirty_pages_counts_mapped_writes(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");

	create_filled(m, "d", 2 * PAGE, 17);
	map_obj(m, a, BASE, 2, RW, MAP_SHARED, "d", 0);
	assert_int_equal(peek(m, a, BASE, NULL), byte_at(0, 17));
	assert_int_equal(mstat(m).dirty_pages, 0);
	/* Through the object API. */
	assert_int_equal(vmfs_object_write(m, "d", 1, "x", 1), 1);
	assert_int_equal(mstat(m).dirty_pages, 1);
	assert_int_equal(vmfs_sync(m), 0);
	assert_int_equal(mstat(m).dirty_pages, 0);
	/* Through the mapping. */
	poke(m, a, BASE + PAGE, 0x10, NULL);
	assert_int_equal(mstat(m).file_pages, 2);
	if (mstat(m).dirty_pages != 1)
		fail_msg("a page written through a shared mapping: dirty_pages %" PRIu64
			 " (smaps says Shared/Private_Dirty %" PRIu64 ")", mstat(m).dirty_pages,
			 map_at(m, a, BASE).private_dirty + map_at(m, a, BASE).shared_dirty);
	assert_int_equal(vmfs_sync(m), 0);
	assert_int_equal(mstat(m).dirty_pages, 0);
	close_machine(m);
}

/*
 * meminfo's Dirty is the page cache waiting for writeback, as Linux counts
 * it: shared anonymous memory (tmpfs/shmem) is never written back and is not
 * in it, and after a sync nothing is.
 */
static void test_dirty_pages_after_sync(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");

	create_filled(m, "d", PAGE, 32);
	map_obj(m, a, BASE, 1, RW, MAP_SHARED, "d", 0);
	assert_int_equal(vmfs_mmap(m, a, OTHER, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
				   NULL, 0, NULL), 0);
	poke(m, a, BASE, 1, NULL);
	poke(m, a, OTHER, 2, NULL);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.file_pages, 2);
	assert_int_equal(st.shmem_pages, 1);
	assert_int_equal(vmfs_sync(m), 0);
	st = mstat(m);
	if (st.dirty_pages)
		fail_msg("after vmfs_sync, dirty_pages is %" PRIu64 ": a written shared anonymous page "
			 "counts as dirty (Linux leaves shmem out of meminfo's Dirty)", st.dirty_pages);
	close_machine(m);
}

static void test_mapping_offset(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");
	unsigned char got[2 * PAGE];

	create_filled(m, "off", 8 * PAGE, 18);
	map_obj(m, a, BASE, 4, PROT_READ, MAP_SHARED, "off", 3);
	map_obj(m, a, OTHER, 2, RW, MAP_PRIVATE, "off", 6);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vmfs_read(m, a, BASE + i * PAGE, got, PAGE), PAGE);
		for (unsigned k = 0; k < PAGE; k += 97)
			assert_int_equal(got[k], byte_at((3 + i) * PAGE + k, 18));
	}
	assert_int_equal(vmfs_read(m, a, BASE + PAGE + 2000, got, PAGE), PAGE);
	for (unsigned k = 0; k < PAGE; k++)
		assert_int_equal(got[k], byte_at(4 * PAGE + 2000 + k, 18));
	/* Both mappings of page 6 share its frame until the private one writes. */
	assert_int_equal(peek(m, a, OTHER, NULL), byte_at(6 * PAGE, 18));
	assert_int_equal(pfn_of(m, a, BASE + 3 * PAGE), pfn_of(m, a, OTHER));
	poke(m, a, OTHER, 0, NULL);
	assert_int_not_equal(pfn_of(m, a, BASE + 3 * PAGE), pfn_of(m, a, OTHER));
	struct vmfs_map mp = map_at(m, a, BASE);
	assert_int_equal(mp.start, BASE);
	assert_int_equal(mp.end, BASE + 4 * PAGE);
	assert_int_equal(mp.offset, 3 * PAGE);
	assert_string_equal(mp.object, "off");
	assert_int_equal(mp.flags, MAP_SHARED);
	mp = map_at(m, a, OTHER);
	assert_int_equal(mp.offset, 6 * PAGE);
	assert_int_equal(mp.flags, MAP_PRIVATE | VMFS_MAP_ACCOUNT);   /* private writable: charged */
	/* Splitting keeps each part's offset. */
	assert_int_equal(vmfs_munmap(m, a, BASE + PAGE, PAGE), 0);
	assert_int_equal(map_at(m, a, BASE).offset, 3 * PAGE);
	assert_int_equal(map_at(m, a, BASE + 2 * PAGE).offset, 5 * PAGE);
	assert_int_equal(peek(m, a, BASE + 2 * PAGE + 1, NULL), byte_at(5 * PAGE + 1, 18));
	assert_int_equal(vmfs_mprotect(m, a, BASE + 3 * PAGE, PAGE, PROT_NONE), 0);
	assert_int_equal(map_at(m, a, BASE + 3 * PAGE).offset, 6 * PAGE);
	/* Mapping back the hole with the right offset merges again. */
	map_obj(m, a, BASE + PAGE, 1, PROT_READ, MAP_SHARED, "off", 4);
	mp = map_at(m, a, BASE);
	assert_int_equal(mp.end, BASE + 3 * PAGE);
	assert_int_equal(peek(m, a, BASE + PAGE + 5, NULL), byte_at(4 * PAGE + 5, 18));
	/* A non-fixed object mapping goes top-down like any other. */
	uint64_t out = 0;
	assert_int_equal(vmfs_mmap(m, a, 0, PAGE, PROT_READ, MAP_SHARED, "off", 7 * PAGE, &out), 0);
	assert_true(out > OTHER);
	assert_int_equal(peek(m, a, out + 9, NULL), byte_at(7 * PAGE + 9, 18));
	close_machine(m);
}

/* Pages past the object's end are bus errors (SIGBUS), in private and shared mappings alike. */
static void test_access_past_end(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");
	unsigned char got[2 * PAGE];
	struct vmfs_fault f;

	create_filled(m, "short", 10000, 19);     /* pages 0, 1 and 2 (partial) */
	map_obj(m, a, BASE, 8, RW, MAP_SHARED, "short", 0);
	map_obj(m, a, OTHER, 8, RW, MAP_PRIVATE, "short", 0);
	for (int k = 0; k < 2; k++) {
		uint64_t base = k ? OTHER : BASE;
		/* The last partial page reads zero past the end. */
		assert_int_equal(peek(m, a, base + 9999, NULL), byte_at(9999, 19));
		assert_int_equal(peek(m, a, base + 10000, NULL), 0);
		assert_int_equal(peek(m, a, base + 3 * PAGE - 1, NULL), 0);
		uint64_t segv0 = pstat(m, a).segv;
		expect_sigbus(m, a, base + 3 * PAGE, VMFS_ACCESS_READ);
		expect_sigbus(m, a, base + 7 * PAGE + 100, VMFS_ACCESS_WRITE);
		assert_int_equal(pstat(m, a).segv, segv0 + 2);
		/* An access across the end stops there. */
		assert_int_equal(acc(m, a, base + 3 * PAGE - 10, got, 100, VMFS_ACCESS_READ, &f), 10);
		assert_false(present(m, a, base + 3 * PAGE));
	}
	char *log = kmsg(m);
	char want[128];
	/* A bus error's line is kernel/signal.c's print_fatal_signal; no segfault line. */
	snprintf(want, sizeof(want), "objtest[%d]: potentially unexpected fatal signal 7.", a);
	assert_non_null(strstr(log, want));
	assert_null(strstr(log, "segfault at"));
	free(log);
	/* Growing the object makes the pages reachable. */
	assert_int_equal(vmfs_object_resize(m, "short", 4 * PAGE), 0);
	assert_int_equal(peek(m, a, BASE + 3 * PAGE, NULL), 0);
	poke(m, a, BASE + 3 * PAGE + 1, 0x31, NULL);
	assert_int_equal(peek(m, a, OTHER + 3 * PAGE + 1, NULL), 0x31);
	expect_sigbus(m, a, OTHER + 4 * PAGE, VMFS_ACCESS_READ);
	/* An object of size 0 maps, and every page faults. */
	assert_int_equal(vmfs_object_create(m, "empty", NULL, 0), 0);
	map_obj(m, a, 0x1000000, 2, PROT_READ, MAP_PRIVATE, "empty", 0);
	expect_sigbus(m, a, 0x1000000, VMFS_ACCESS_READ);
	/* Forced and kernel-mode accesses past the end fail too, without a segfault. */
	uint64_t segv0 = pstat(m, a).segv;
	assert_int_equal(acc(m, a, 0x1000000, got, 1, VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, &f),
			 -EFAULT);
	assert_int_equal(acc(m, a, 0x1000000, got, 1, VMFS_ACCESS_READ | VMFS_ACCESS_KERNEL, &f),
			 -EFAULT);
	assert_int_equal(pstat(m, a).segv, segv0);
	close_machine(m);
}

static void test_readonly_object(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");

	create_filled(m, "ro", 2 * PAGE, 20);
	assert_int_equal(vmfs_object_chmod(m, "ro", 0444), 0);
	assert_int_equal(vmfs_mmap(m, a, BASE, PAGE, RW, MAP_SHARED | MAP_FIXED, "ro", 0, NULL),
			 -EACCES);
	assert_int_equal(vmfs_mmap(m, a, BASE, PAGE, PROT_WRITE, MAP_SHARED, "ro", 0, NULL),
			 -EACCES);
	assert_int_equal(pstat(m, a).nr_maps, 0);
	map_obj(m, a, BASE, 2, PROT_READ, MAP_SHARED, "ro", 0);
	map_obj(m, a, OTHER, 2, PROT_READ | PROT_EXEC, MAP_SHARED, "ro", 0);
	assert_int_equal(vmfs_mprotect(m, a, BASE, 2 * PAGE, RW), -EACCES);
	assert_int_equal(vmfs_mprotect(m, a, BASE + PAGE, PAGE, PROT_WRITE), -EACCES);
	/* A range over an anonymous mapping and then the read-only one: as Linux's
	 * do_mprotect_pkey, the anonymous part changes, then EACCES. */
	assert_int_equal(vmfs_mmap(m, a, BASE - PAGE, PAGE, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL), 0);
	assert_int_equal(vmfs_mprotect(m, a, BASE - PAGE, 2 * PAGE, RW), -EACCES);
	assert_int_equal(map_at(m, a, BASE - PAGE).prot, RW);
	assert_int_equal(map_at(m, a, BASE).prot, PROT_READ);
	assert_int_equal(map_at(m, a, BASE).end, BASE + 2 * PAGE);
	expect_segv(m, a, BASE, VMFS_ACCESS_WRITE, VMFS_SEGV_ACCERR);
	assert_int_equal(vmfs_mprotect(m, a, BASE, PAGE, PROT_NONE), 0);   /* fewer rights are fine */
	/* Private: fine. */
	map_obj(m, a, 0x1000000, 2, RW, MAP_PRIVATE, "ro", 0);
	poke(m, a, 0x1000000, 1, NULL);
	assert_int_equal(obj_byte(m, "ro", 0), byte_at(0, 20));
	/* The right to write is the mapping's, fixed when it was made (VM_MAYWRITE):
	 * making the object writable later does not give it to OTHER... */
	assert_int_equal(vmfs_object_chmod(m, "ro", 0604), 0);
	assert_int_equal(vmfs_mprotect(m, a, OTHER, 2 * PAGE, RW), -EACCES);
	assert_int_equal(map_at(m, a, OTHER).prot, PROT_READ | PROT_EXEC);
	/* ...a mapping made now has it (0200, write only, counts: the write bit of
	 * any class)... */
	assert_int_equal(vmfs_munmap(m, a, OTHER, 2 * PAGE), 0);
	map_obj(m, a, OTHER, 2, PROT_READ, MAP_SHARED, "ro", 0);
	assert_int_equal(vmfs_object_chmod(m, "ro", 0200), 0);
	assert_int_equal(vmfs_mprotect(m, a, OTHER, 2 * PAGE, RW), 0);
	/* ...and keeps it when the object becomes read-only: it may drop write and
	 * take it back (Linux re-reads no file mode at mprotect). */
	assert_int_equal(vmfs_object_chmod(m, "ro", 0444), 0);
	poke(m, a, OTHER, 0x44, NULL);
	assert_int_equal(obj_byte(m, "ro", 0), 0x44);
	assert_int_equal(vmfs_mprotect(m, a, OTHER, 2 * PAGE, PROT_READ), 0);
	assert_int_equal(vmfs_mprotect(m, a, OTHER, 2 * PAGE, RW), 0);
	poke(m, a, OTHER, 0x45, NULL);
	assert_int_equal(obj_byte(m, "ro", 0), 0x45);
	/* Two mappings of the object side by side, at contiguous offsets, one
	 * with VM_MAYWRITE and one without, stay two (their flags differ). */
	map_obj(m, a, OTHER + 2 * PAGE, 1, PROT_READ, MAP_SHARED, "ro", 2);
	assert_int_equal(map_at(m, a, OTHER).end, OTHER + 2 * PAGE);
	assert_int_equal(vmfs_mprotect(m, a, OTHER, 2 * PAGE, PROT_READ), 0);
	assert_int_equal(map_at(m, a, OTHER).end, OTHER + 2 * PAGE);
	close_machine(m);
}

/* Forked children share object pages; COW on write; shared stays shared. */
static void test_fork(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	int p = spawn(m, "objtest"), other = spawn(m, "objtest");
	struct vmfs_fault f;

	create_filled(m, "lib", 4 * PAGE, 21);
	map_obj(m, p, BASE, 4, RW, MAP_PRIVATE, "lib", 0);
	map_obj(m, p, OTHER, 4, RW, MAP_SHARED, "lib", 0);
	map_obj(m, other, BASE, 4, PROT_READ, MAP_PRIVATE, "lib", 0);
	assert_int_equal(peek(m, p, BASE, NULL), byte_at(0, 21));             /* page 0 cached, mapped */
	assert_int_equal(peek(m, other, BASE + PAGE, NULL), byte_at(PAGE, 21)); /* page 1 cached only */
	poke(m, p, BASE + 3 * PAGE, 0x77, NULL);                               /* page 3 a private copy */
	poke(m, p, OTHER + 3 * PAGE + 1, 0x78, NULL);                          /* ... and dirty shared */
	uint64_t cached = ostat(m, "lib").cached;

	int c = vmfs_fork(m, p);
	assert_true(c > 0);
	assert_int_equal(ostat(m, "lib").mapped, 5);
	/* Page 0: the child's entry points at the same frame, COW. */
	assert_int_equal(pfn_of(m, c, BASE), pfn_of(m, p, BASE));
	assert_true(leaf_at(m, c, BASE) & VMFS_PTE_COW);
	assert_int_equal(peek(m, c, BASE, &f), byte_at(0, 21));
	assert_int_equal(f.minor + f.major, 0);
	/* Page 1: cached, not in the child's tables: minor.  Page 2: major. */
	assert_int_equal(peek(m, c, BASE + PAGE, &f), byte_at(PAGE, 21));
	assert_int_equal(f.minor, 1);
	assert_int_equal(f.major, 0);
	assert_int_equal(pfn_of(m, c, BASE + PAGE), pfn_of(m, other, BASE + PAGE));
	assert_int_equal(peek(m, c, BASE + 2 * PAGE, &f), byte_at(2 * PAGE, 21));
	assert_int_equal(f.major, 1);
	/* Page 3: the parent's private copy, shared COW with the child. */
	assert_int_equal(peek(m, c, BASE + 3 * PAGE, NULL), 0x77);
	assert_int_equal(pfn_of(m, c, BASE + 3 * PAGE), pfn_of(m, p, BASE + 3 * PAGE));
	assert_int_equal(obj_byte(m, "lib", 3 * PAGE), byte_at(3 * PAGE, 21));
	/* The child writes its private pages: copies; parent, other and object unchanged. */
	poke(m, c, BASE, 0xc0, &f);
	assert_int_equal(f.cow, 1);
	poke(m, c, BASE + 3 * PAGE, 0xc3, &f);
	assert_int_equal(f.cow, 1);
	assert_int_equal(peek(m, p, BASE, NULL), byte_at(0, 21));
	assert_int_equal(peek(m, p, BASE + 3 * PAGE, NULL), 0x77);
	assert_int_equal(peek(m, other, BASE, NULL), byte_at(0, 21));
	assert_int_equal(obj_byte(m, "lib", 0), byte_at(0, 21));
	assert_int_not_equal(pfn_of(m, c, BASE), pfn_of(m, p, BASE));
	/* The parent now takes over its copy of page 3 (the last reference). */
	poke(m, p, BASE + 3 * PAGE, 0x79, &f);
	assert_int_equal(f.cow, 1);
	assert_int_equal(peek(m, c, BASE + 3 * PAGE, NULL), 0xc3);
	/* Shared: parent and child write the same page, the object sees both. */
	assert_int_equal(peek(m, c, OTHER + 3 * PAGE + 1, NULL), 0x78);
	assert_int_equal(pfn_of(m, c, OTHER + 3 * PAGE), pfn_of(m, p, OTHER + 3 * PAGE));
	poke(m, c, OTHER + 1, 0xc1, NULL);
	assert_int_equal(peek(m, p, OTHER + 1, NULL), 0xc1);
	assert_int_equal(obj_byte(m, "lib", 1), 0xc1);
	assert_int_equal(obj_byte(m, "lib", 3 * PAGE + 1), 0x78);
	/* ... and the private mappings that have not copied page 0 see the shared write. */
	assert_int_equal(peek(m, other, BASE + 1, NULL), 0xc1);
	assert_int_equal(peek(m, p, BASE + 1, NULL), 0xc1);
	assert_int_equal(peek(m, c, BASE + 1, NULL), byte_at(1, 21));   /* copied before */
	assert_true(ostat(m, "lib").cached >= cached);
	/* Under eviction, nothing changes. */
	evict_all(m);
	assert_int_equal(mstat(m).swap_used > 0, 1);     /* the private copies are in swap */
	assert_int_equal(peek(m, c, BASE, NULL), 0xc0);
	assert_int_equal(peek(m, c, BASE + 3 * PAGE, NULL), 0xc3);
	assert_int_equal(peek(m, p, BASE + 3 * PAGE, NULL), 0x79);
	assert_int_equal(peek(m, p, OTHER + 3 * PAGE + 1, NULL), 0x78);
	assert_int_equal(peek(m, c, OTHER + 1, NULL), 0xc1);
	assert_int_equal(vmfs_exit(m, p), 0);
	assert_int_equal(vmfs_exit(m, c), 0);
	assert_int_equal(ostat(m, "lib").mapped, 1);
	close_machine(m);
}

/*
 * Truncate while mapped: pages past the new end leave every mapping (private
 * copies included, as Linux's truncate does) and fault; extending again
 * brings zero pages, not the old copies.
 */
static void test_truncate_while_mapped(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	struct vmfs_fault f;

	create_filled(m, "t", 4 * PAGE, 22);
	map_obj(m, a, BASE, 4, RW, MAP_PRIVATE, "t", 0);
	map_obj(m, b, BASE, 4, RW, MAP_SHARED, "t", 0);
	map_obj(m, b, OTHER, 2, PROT_READ, MAP_SHARED, "t", 2);   /* pages 2-3 only */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(peek(m, a, BASE + i * PAGE, NULL), byte_at(i * PAGE, 22));
		assert_int_equal(peek(m, b, BASE + i * PAGE, NULL), byte_at(i * PAGE, 22));
	}
	assert_int_equal(peek(m, b, OTHER + PAGE, NULL), byte_at(3 * PAGE, 22));
	poke(m, a, BASE + 3 * PAGE, 0xa3, NULL);       /* a private copy of page 3 */
	poke(m, a, BASE + 1 * PAGE, 0xa1, NULL);       /* and of page 1 */
	poke(m, b, BASE + 2 * PAGE, 0xb2, NULL);       /* a dirty shared page 2 */
	assert_int_equal(pstat(m, a).rss_anon, 2);
	uint64_t free0 = mstat(m).frames_free;

	assert_int_equal(vmfs_object_resize(m, "t", 2 * PAGE), 0);
	assert_int_equal(ostat(m, "t").cached, 2);
	for (int i = 2; i < 4; i++) {
		expect_sigbus(m, a, BASE + i * PAGE, VMFS_ACCESS_READ);
		expect_sigbus(m, b, BASE + i * PAGE, VMFS_ACCESS_READ);
		expect_sigbus(m, b, OTHER + (i - 2) * PAGE, VMFS_ACCESS_READ);
		assert_int_equal(walk(m, a, BASE + i * PAGE).state, VMFS_WALK_NONE);
	}
	/* Inside the new end nothing changed, the private copy of page 1 included. */
	assert_int_equal(peek(m, a, BASE + PAGE, NULL), 0xa1);
	assert_int_equal(peek(m, b, BASE + PAGE, NULL), byte_at(PAGE, 22));
	assert_int_equal(pstat(m, a).rss_anon, 1);
	assert_int_equal(pstat(m, a).rss_file, 1);
	assert_int_equal(pstat(m, b).rss_file, 2);
	/* Three frames back: a's copy of page 3, the cached pages 2 and 3. */
	assert_int_equal(mstat(m).frames_free, free0 + 3);
	assert_int_equal(map_at(m, b, OTHER).rss, 0);

	/* Extend: zeros everywhere, not the old copy nor the dirty page. */
	assert_int_equal(vmfs_object_resize(m, "t", 4 * PAGE), 0);
	assert_int_equal(peek(m, a, BASE + 3 * PAGE, &f), 0);
	assert_int_equal(f.cow, 0);
	assert_int_equal(peek(m, b, BASE + 2 * PAGE, NULL), 0);
	assert_int_equal(peek(m, b, OTHER, NULL), 0);
	assert_int_equal(obj_byte(m, "t", 2 * PAGE), 0);
	assert_int_equal(obj_byte(m, "t", 4 * PAGE - 1), 0);
	close_machine(m);
}

/* ---- accounting ---------------------------------------------------------------------------- */

static void test_accounting(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64,read_ahead_kb=0");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	struct vmfs_stat st0 = mstat(m);

	create_filled(m, "acct", 4 * PAGE, 23);
	map_obj(m, a, BASE, 4, RW, MAP_PRIVATE, "acct", 0);
	map_obj(m, b, BASE, 4, RW, MAP_PRIVATE, "acct", 0);
	assert_int_equal(vmfs_mmap(m, a, OTHER, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				   NULL, 0, NULL), 0);
	poke(m, a, OTHER, 1, NULL);                      /* one anonymous page */
	assert_int_equal(peek(m, a, BASE, NULL), byte_at(0, 23));
	assert_int_equal(peek(m, b, BASE, NULL), byte_at(0, 23));
	assert_int_equal(peek(m, a, BASE + PAGE, NULL), byte_at(PAGE, 23));

	/* Two processes map page 0 privately: Pss 2048 bytes each for it. */
	struct vmfs_map ma = map_at(m, a, BASE), mb = map_at(m, b, BASE);
	assert_int_equal(mb.rss, 1);
	assert_int_equal(mb.pss, 2048);
	assert_int_equal(mb.shared_clean, 1);
	assert_int_equal(mb.shared_dirty + mb.private_clean + mb.private_dirty, 0);
	assert_int_equal(mb.anon, 0);
	assert_int_equal(ma.rss, 2);
	assert_int_equal(ma.pss, 2048 + 4096);
	assert_int_equal(ma.shared_clean, 1);
	assert_int_equal(ma.private_clean, 1);
	assert_int_equal(ma.shared, 1);
	struct vmfs_proc_stat pa = pstat(m, a), pb = pstat(m, b);
	assert_int_equal(pa.rss_file, 2);
	assert_int_equal(pa.rss_anon, 1);
	assert_int_equal(pb.rss_file, 1);
	assert_int_equal(pb.rss_anon, 0);
	assert_int_equal(pa.rss_shmem + pb.rss_shmem, 0);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.file_pages, 2);
	assert_int_equal(st.mapped_pages, 2);
	assert_int_equal(st.anon_pages - st0.anon_pages, 1);
	assert_int_equal(st.shmem_pages, 0);
	assert_int_equal(st.nr_objects, 1);
	assert_int_equal(st.frames_free, st0.frames_free - 3);

	/* b writes page 0: its copy is private dirty anonymous; a's page 0 now private clean. */
	poke(m, b, BASE, 2, NULL);
	mb = map_at(m, b, BASE);
	assert_int_equal(mb.rss, 1);
	assert_int_equal(mb.anon, 1);
	assert_int_equal(mb.private_dirty, 1);
	assert_int_equal(mb.pss, 4096);
	assert_int_equal(mb.pss_dirty, 4096);
	ma = map_at(m, a, BASE);
	assert_int_equal(ma.private_clean, 2);
	assert_int_equal(ma.pss, 2 * 4096);
	assert_int_equal(pstat(m, b).rss_file, 0);
	assert_int_equal(pstat(m, b).rss_anon, 1);
	assert_int_equal(mstat(m).file_pages, 2);

	/* Unmapped cached pages stay cached (Cached) but not Mapped. */
	assert_int_equal(vmfs_munmap(m, a, BASE, 4 * PAGE), 0);
	st = mstat(m);
	assert_int_equal(st.file_pages, 2);
	assert_int_equal(st.mapped_pages, 0);
	assert_int_equal(ostat(m, "acct").cached, 2);
	assert_int_equal(ostat(m, "acct").mapped, 1);
	assert_int_equal(pstat(m, a).rss_file, 0);
	/* Evicting empties the cache. */
	evict_all(m);
	assert_int_equal(mstat(m).file_pages, 0);
	assert_int_equal(ostat(m, "acct").cached, 0);

	/* Shared writes: shared_dirty in both, dirty in the object's frame. */
	map_obj(m, a, BASE, 1, RW, MAP_SHARED, "acct", 0);
	map_obj(m, b, OTHER, 1, RW, MAP_SHARED, "acct", 0);
	poke(m, a, BASE, 3, NULL);
	assert_int_equal(peek(m, b, OTHER, NULL), 3);
	ma = map_at(m, a, BASE);
	mb = map_at(m, b, OTHER);
	assert_int_equal(ma.shared_dirty, 1);
	assert_int_equal(ma.pss, 2048);
	assert_int_equal(mb.shared + ma.shared, 2);
	assert_int_equal(pstat(m, a).rss_file, 1);
	assert_int_equal(pstat(m, a).rss_shmem, 0);
	close_machine(m);
}

static void test_pagemap(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");

	create_filled(m, "pm", 2 * PAGE, 24);
	map_obj(m, a, BASE, 2, RW, MAP_PRIVATE, "pm", 0);
	assert_int_equal(pagemap(m, a, BASE), VMFS_PM_SOFT_DIRTY);   /* untouched, in a new mapping */
	assert_int_equal(peek(m, a, BASE, NULL), byte_at(0, 24));
	uint64_t e = pagemap(m, a, BASE);
	assert_true(e & VMFS_PM_PRESENT);
	assert_true(e & VMFS_PM_FILE);
	assert_true(e & VMFS_PM_EXCLUSIVE);
	assert_false(e & VMFS_PM_SWAPPED);
	assert_int_equal(e & VMFS_PM_PFN_MASK, pfn_of(m, a, BASE));
	/* A second mapper: no longer exclusive, for either. */
	map_obj(m, b, BASE, 2, PROT_READ, MAP_SHARED, "pm", 0);
	assert_int_equal(peek(m, b, BASE, NULL), byte_at(0, 24));
	assert_false(pagemap(m, a, BASE) & VMFS_PM_EXCLUSIVE);
	assert_false(pagemap(m, b, BASE) & VMFS_PM_EXCLUSIVE);
	assert_true(pagemap(m, b, BASE) & VMFS_PM_FILE);
	/* a's private copy is anonymous: no FILE bit, exclusive. */
	poke(m, a, BASE, 9, NULL);
	e = pagemap(m, a, BASE);
	assert_true(e & VMFS_PM_PRESENT);
	assert_false(e & VMFS_PM_FILE);
	assert_true(e & VMFS_PM_EXCLUSIVE);
	assert_true(pagemap(m, b, BASE) & VMFS_PM_EXCLUSIVE);
	/* Evicted object pages leave no swap entry: nothing but the new mapping's soft-dirty bit. */
	evict_all(m);
	assert_int_equal(pagemap(m, b, BASE), VMFS_PM_SOFT_DIRTY);
	assert_true(pagemap(m, a, BASE) & VMFS_PM_SWAPPED);
	close_machine(m);
}

/*
 * swap=none: object pages, dirty or clean, are still evicted (written back
 * to the object), so a working set larger than memory never runs out.
 */
static void test_swap_none_evicts_object_pages(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=16,swap=none,policy=lru,read_ahead_kb=0");
	int a = spawn(m, "objtest"), b = spawn(m, "objtest");
	const unsigned npages = 64;
	unsigned char page[PAGE];

	create_filled(m, "big", npages * PAGE, 25);
	map_obj(m, a, BASE, npages, RW, MAP_SHARED, "big", 0);
	map_obj(m, b, BASE, npages, RW, MAP_PRIVATE, "big", 0);
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < npages; i++) {
			memset(page, (int)(i + round), PAGE);
			assert_int_equal(vmfs_write(m, a, BASE + i * PAGE, page, PAGE), PAGE);
		}
	for (unsigned i = 0; i < npages; i++) {
		assert_int_equal(vmfs_read(m, b, BASE + i * PAGE, page, PAGE), PAGE);
		for (unsigned k = 0; k < PAGE; k += 511)
			assert_int_equal(page[k], (unsigned char)(i + 1));
	}
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.oom_kill, 0);
	assert_int_equal(st.pswpout, 0);
	assert_true(st.pgsteal_direct >= 2 * npages - 16);
	assert_true(st.pgmajfault >= npages);
	for (unsigned i = 0; i < npages; i++)
		assert_int_equal(obj_byte(m, "big", i * PAGE + 17), (unsigned char)(i + 1));
	/* Private copies are anonymous: without swap they fill memory and then OOM,
	 * and the object is never written. */
	int n = 0;
	for (unsigned i = 0; i < npages; i++) {
		unsigned char c = 0xfe;
		ssize_t r = vmfs_write(m, b, BASE + i * PAGE, &c, 1);
		if (r == -ENOMEM)
			break;
		assert_int_equal(r, 1);
		n++;
	}
	print_message("swap=none, 16 frames: %d private copies before ENOMEM\n", n);
	assert_true(n >= 8 && n < 16);
	for (unsigned i = 0; i < npages; i++)
		assert_int_equal(obj_byte(m, "big", i * PAGE), (unsigned char)(i + 1));
	/* The shared mapping still works: its pages can always go back to the object. */
	assert_int_equal(vmfs_read(m, a, BASE + 40 * PAGE, page, PAGE), PAGE);
	assert_int_equal(page[0], 41);
	close_machine(m);
}

/* ---- one object in 100 processes ----------------------------------------------------------- */

#define NPROC   100
#define NOBJPG  64

/* Linux's Pss of a page mapped @mapcount times, summed over @pages pages. */
static uint64_t linux_pss(uint64_t pages, uint64_t mapcount)
{
	return (pages * (((uint64_t)PAGE << 12) / mapcount)) >> 12;
}

/*
 * 100 processes map one 64-page object privately and read every page: the
 * object takes 64 frames in all; each process has RSS 64 pages and PSS
 * 64*4096/100 bytes; the first process's faults are major, the others'
 * minor; every byte is the object's.
 */
static void test_hundred_processes(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=1024,read_ahead_kb=0");
	int pids[NPROC];
	unsigned char *want = fill(0, NOBJPG * PAGE, 26), got[PAGE];

	create_filled(m, "libc.so", NOBJPG * PAGE, 26);
	struct vmfs_stat st0 = mstat(m);
	for (int i = 0; i < NPROC; i++) {
		pids[i] = spawn(m, "objtest");
		map_obj(m, pids[i], BASE, NOBJPG, PROT_READ | PROT_EXEC, MAP_PRIVATE, "libc.so", 0);
		struct vmfs_fault f;
		for (unsigned pg = 0; pg < NOBJPG; pg++) {
			assert_int_equal(acc(m, pids[i], BASE + pg * PAGE, got, PAGE, VMFS_ACCESS_READ, &f),
					 PAGE);
			assert_memory_equal(got, want + pg * PAGE, PAGE);
			assert_int_equal(f.major, i == 0);
			assert_int_equal(f.minor, i != 0);
		}
	}
	struct vmfs_stat st = mstat(m);
	struct vmfs_object_info in = ostat(m, "libc.so");
	uint64_t frames_used = st0.frames_free - st.frames_free;
	assert_int_equal(in.cached, NOBJPG);
	assert_int_equal(in.mapped, NPROC);
	assert_int_equal(frames_used, NOBJPG);
	assert_int_equal(st.file_pages, NOBJPG);
	assert_int_equal(st.mapped_pages, NOBJPG);
	assert_int_equal(st.pgmajfault - st0.pgmajfault, NOBJPG);
	assert_int_equal(st.pgfault - st0.pgfault, NPROC * NOBJPG);

	uint64_t pss_sum = 0, rss_sum = 0, pss_want = linux_pss(NOBJPG, NPROC);
	for (int i = 0; i < NPROC; i++) {
		struct vmfs_map mp = map_at(m, pids[i], BASE);
		struct vmfs_proc_stat ps = pstat(m, pids[i]);
		assert_int_equal(mp.rss, NOBJPG);
		assert_int_equal(mp.shared_clean, NOBJPG);
		assert_int_equal(mp.shared, NOBJPG);
		assert_int_equal(mp.pss, pss_want);
		assert_int_equal(ps.rss_file, NOBJPG);
		assert_int_equal(ps.rss_anon, 0);
		assert_int_equal(ps.maj_flt, i == 0 ? NOBJPG : 0);
		assert_int_equal(ps.min_flt, i == 0 ? 0 : NOBJPG);
		/* Every entry points at the first process's frame. */
		for (unsigned pg = 0; pg < NOBJPG; pg += 7)
			assert_int_equal(pfn_of(m, pids[i], BASE + pg * PAGE),
					 pfn_of(m, pids[0], BASE + pg * PAGE));
		pss_sum += mp.pss;
		rss_sum += mp.rss;
	}
	/* Pss is 64*4096/100 = 2621.44 bytes, rounded down as Linux does. */
	assert_true(pss_want * NPROC <= NOBJPG * PAGE && pss_want * NPROC + NPROC >= NOBJPG * PAGE);
	print_message("%d processes x %d-page object (private, all pages read): frames used %" PRIu64
		      ", RSS %d pages (%d KiB) per process, PSS %" PRIu64 " bytes per process; "
		      "RSS sum %" PRIu64 " pages, PSS sum %" PRIu64 " bytes (object %u bytes); "
		      "faults: %d major (first process), %d minor\n",
		      NPROC, NOBJPG, frames_used, NOBJPG, NOBJPG * 4, pss_want, rss_sum, pss_sum,
		      NOBJPG * PAGE, NOBJPG, (NPROC - 1) * NOBJPG);

	/* Exits give nothing back until the last mapper goes; the cache stays. */
	for (int i = 0; i < NPROC - 1; i++)
		assert_int_equal(vmfs_exit(m, pids[i]), 0);
	struct vmfs_map last = map_at(m, pids[NPROC - 1], BASE);
	assert_int_equal(last.pss, NOBJPG * PAGE);
	assert_int_equal(last.private_clean, NOBJPG);
	assert_int_equal(mstat(m).frames_free, st.frames_free);
	assert_int_equal(vmfs_exit(m, pids[NPROC - 1]), 0);
	assert_int_equal(mstat(m).frames_free, st.frames_free);
	assert_int_equal(vmfs_object_remove(m, "libc.so"), 0);
	assert_int_equal(mstat(m).frames_free, st0.frames_free);
	free(want);
	close_machine(m);
}

/* ---- object numbers (vmfs_object_open, since 0.4) ----------------------------- */

static struct vmfs_object_info ofstat(vmfs *m, int64_t obj)
{
	struct vmfs_object_info in;
	int rc = vmfs_object_fstat(m, obj, &in);
	if (rc)
		print_error("object_fstat %" PRId64 ": %d %s\n", obj, rc, vmfs_errmsg());
	assert_int_equal(rc, 0);
	return in;
}

/*
 * The defect of issue 13, item 1, through libvmfs: a name may come to name
 * another object, a number never does.  An object opened, removed and
 * replaced by a new one of the same name is still the one written and read
 * through its number; the new one is untouched.
 */
static void test_open_survives_remove_and_recreate(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	unsigned char buf[2 * PAGE], *want;

	create_filled(m, "x", 2 * PAGE, 41);
	int64_t h = vmfs_object_open(m, "x");
	assert_true(h > 0);
	assert_int_equal(vmfs_object_open(m, "x"), h);      /* one number per object */
	assert_int_equal(vmfs_object_close(m, h), 0);       /* one open left */
	assert_int_equal(vmfs_object_remove(m, "x"), 0);
	create_filled(m, "x", 2 * PAGE, 42);

	assert_int_equal(vmfs_object_pwrite(m, h, 10, "old!", 4), 4);
	/* The new "x" is untouched... */
	want = fill(0, 2 * PAGE, 42);
	assert_int_equal(vmfs_object_read(m, "x", 0, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, want, sizeof(buf));
	free(want);
	/* ...and the old one reads back what was written through its number. */
	want = fill(0, 2 * PAGE, 41);
	memcpy(want + 10, "old!", 4);
	assert_int_equal(vmfs_object_pread(m, h, 0, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, want, sizeof(buf));
	free(want);

	struct vmfs_object_info in = ofstat(m, h);
	assert_string_equal(in.name, "x");
	assert_int_equal(in.removed, 1);
	assert_int_equal(in.size, 2 * PAGE);
	assert_int_equal(ostat(m, "x").removed, 0);
	assert_int_equal(mstat(m).nr_objects, 1);

	/* A new open of the name is the new object: another, larger number. */
	int64_t h2 = vmfs_object_open(m, "x");
	assert_true(h2 > h);
	assert_int_equal(vmfs_object_pread(m, h2, 0, buf, 1), 1);
	assert_int_equal(buf[0], byte_at(0, 42));

	/* Evicted, the removed object's pages are in its store rows, and come back. */
	assert_int_equal(vmfs_object_pwrite(m, h, 3 * PAGE, "far", 3), 3);   /* grows */
	evict_all(m);
	assert_int_equal(vmfs_object_pread(m, h, 3 * PAGE, buf, 8), 3);
	assert_memory_equal(buf, "far", 3);
	assert_int_equal(vmfs_object_pread(m, h, 2 * PAGE, buf, 1), 1);
	assert_int_equal(buf[0], 0);                     /* the hole reads as zero */
	assert_int_equal(vmfs_object_ftruncate(m, h, PAGE), 0);
	assert_int_equal(ofstat(m, h).size, PAGE);
	assert_int_equal(vmfs_object_fchmod(m, h, 0400), 0);
	assert_int_equal(ofstat(m, h).mode, 0400);
	assert_int_equal(ostat(m, "x").mode, 0644);
	assert_int_equal(ostat(m, "x").size, 2 * PAGE);

	/* The last close frees it: its number is bad from then on. */
	assert_int_equal(vmfs_object_close(m, h), 0);
	assert_int_equal(vmfs_object_pread(m, h, 0, buf, 1), -EBADF);
	assert_int_equal(vmfs_object_close(m, h), -EBADF);
	assert_int_equal(mstat(m).nr_objects, 1);
	/* Closing the machine with h2 open frees it too (the sanitizer build checks). */
	close_machine(m);
}

/* A mapping and an open both keep a removed object; it goes with the last of them. */
static void test_open_and_mapping_keep_removed(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=64");
	int a = spawn(m, "objtest");
	uint64_t free0 = mstat(m).frames_free;
	unsigned char c;

	create_filled(m, "lib", 2 * PAGE, 43);
	int64_t h = vmfs_object_open(m, "lib");
	assert_true(h > 0);
	map_obj(m, a, BASE, 2, RW, MAP_SHARED, "lib", 0);
	assert_int_equal(vmfs_object_remove(m, "lib"), 0);
	/* A write through the number shows in the mapping, and the other way round. */
	assert_int_equal(vmfs_object_pwrite(m, h, PAGE + 5, "Z", 1), 1);
	assert_int_equal(peek(m, a, BASE + PAGE + 5, NULL), 'Z');
	poke(m, a, BASE + 7, 'Q', NULL);
	assert_int_equal(vmfs_object_pread(m, h, 7, &c, 1), 1);
	assert_int_equal(c, 'Q');
	assert_int_equal(ofstat(m, h).mapped, 1);
	assert_int_equal(vmfs_munmap(m, a, BASE, 2 * PAGE), 0);
	assert_true(mstat(m).file_pages > 0);               /* still open: still cached */
	assert_int_equal(vmfs_object_pread(m, h, 7, &c, 1), 1);
	assert_int_equal(c, 'Q');
	assert_int_equal(vmfs_object_close(m, h), 0);
	assert_int_equal(mstat(m).file_pages, 0);
	assert_int_equal(mstat(m).frames_free, free0);
	close_machine(m);
}

/* Bad numbers are EBADF for every call; the other errors are the name calls'. */
static void test_open_errors(void **state)
{
	(void)state;
	vmfs *m = open_tracked("frames=16");
	struct vmfs_object_info in;
	unsigned char c = 0;
	const int64_t bad[] = { 0, -1, INT64_MIN, 1, 12345, INT64_MAX };

	assert_int_equal(vmfs_object_open(NULL, "x"), -EINVAL);
	assert_int_equal(vmfs_object_open(m, "nope"), -ENOENT);
	assert_int_equal(vmfs_object_open(m, "a/b"), -EINVAL);
	assert_int_equal(vmfs_object_open(m, NULL), -EINVAL);
	assert_int_equal(vmfs_object_open(m, ".."), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vmfs_object_close(m, bad[i]), -EBADF);
		assert_int_equal(vmfs_object_pread(m, bad[i], 0, &c, 1), -EBADF);
		assert_int_equal(vmfs_object_pwrite(m, bad[i], 0, &c, 1), -EBADF);
		assert_int_equal(vmfs_object_ftruncate(m, bad[i], 0), -EBADF);
		assert_int_equal(vmfs_object_fchmod(m, bad[i], 0600), -EBADF);
		assert_int_equal(vmfs_object_fstat(m, bad[i], &in), -EBADF);
	}
	create_filled(m, "o", 100, 44);
	int64_t h = vmfs_object_open(m, "o");
	assert_true(h > 0);
	assert_int_equal(vmfs_object_pread(m, h, 0, NULL, 1), -EINVAL);
	assert_int_equal(vmfs_object_pwrite(m, h, 0, NULL, 1), -EINVAL);
	assert_int_equal(vmfs_object_fstat(m, h, NULL), -EINVAL);
	assert_int_equal(vmfs_object_pread(NULL, h, 0, &c, 1), -EINVAL);
	assert_int_equal(vmfs_object_pwrite(m, h, TIB16, &c, 1), -EFBIG);
	assert_int_equal(vmfs_object_ftruncate(m, h, TIB16 + 1), -EFBIG);
	assert_int_equal(vmfs_object_fchmod(m, h, 010000), -EINVAL);
	assert_int_equal(vmfs_object_pread(m, h, 100, &c, 1), 0);   /* at the end */
	assert_int_equal(ofstat(m, h).size, 100);                    /* failures changed nothing */
	assert_int_equal(ofstat(m, h).mode, 0644);
	/* Opens count: two opens need two closes. */
	assert_int_equal(vmfs_object_open(m, "o"), h);
	assert_int_equal(vmfs_object_close(m, h), 0);
	assert_int_equal(vmfs_object_pread(m, h, 0, &c, 1), 1);
	assert_int_equal(vmfs_object_close(m, h), 0);
	assert_int_equal(vmfs_object_close(m, h), -EBADF);
	/* A closed object that still has its name is still there by name. */
	assert_int_equal(ostat(m, "o").size, 100);
	close_machine(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_bad_names, close_leftover),
		cmocka_unit_test_teardown(test_errors, close_leftover),
		cmocka_unit_test_teardown(test_create_read, close_leftover),
		cmocka_unit_test_teardown(test_write_grow_sparse, close_leftover),
		cmocka_unit_test_teardown(test_zero_length_write, close_leftover),
		cmocka_unit_test_teardown(test_resize, close_leftover),
		cmocka_unit_test_teardown(test_resize_tail_after_eviction, close_leftover),
		cmocka_unit_test_teardown(test_extend_after_write_past_end_cached, close_leftover),
		cmocka_unit_test_teardown(test_extend_after_write_past_end_evicted, close_leftover),
		cmocka_unit_test_teardown(test_remove_while_mapped, close_leftover),
		cmocka_unit_test_teardown(test_removed_object_lifetime, close_leftover),
		cmocka_unit_test_teardown(test_no_merge_across_objects, close_leftover),
		cmocka_unit_test_teardown(test_remove_unmapped, close_leftover),
		cmocka_unit_test_teardown(test_gigabyte_object, close_leftover),
		cmocka_unit_test_teardown(test_private_share_and_copy, close_leftover),
		cmocka_unit_test_teardown(test_private_sees_object_writes_until_copied, close_leftover),
		cmocka_unit_test_teardown(test_private_never_writes_object, close_leftover),
		cmocka_unit_test_teardown(test_shared_write_seen_everywhere, close_leftover),
		cmocka_unit_test_teardown(test_shared_writeback, close_leftover),
		cmocka_unit_test_teardown(test_dirty_pages_counts_mapped_writes, close_leftover),
		cmocka_unit_test_teardown(test_dirty_pages_after_sync, close_leftover),
		cmocka_unit_test_teardown(test_mapping_offset, close_leftover),
		cmocka_unit_test_teardown(test_access_past_end, close_leftover),
		cmocka_unit_test_teardown(test_readonly_object, close_leftover),
		cmocka_unit_test_teardown(test_fork, close_leftover),
		cmocka_unit_test_teardown(test_truncate_while_mapped, close_leftover),
		cmocka_unit_test_teardown(test_accounting, close_leftover),
		cmocka_unit_test_teardown(test_pagemap, close_leftover),
		cmocka_unit_test_teardown(test_swap_none_evicts_object_pages, close_leftover),
		cmocka_unit_test_teardown(test_hundred_processes, close_leftover),
		cmocka_unit_test_teardown(test_open_survives_remove_and_recreate, close_leftover),
		cmocka_unit_test_teardown(test_open_and_mapping_keep_removed, close_leftover),
		cmocka_unit_test_teardown(test_open_errors, close_leftover),
	};
	return cmocka_run_group_tests_name("objects", tests, NULL, NULL);
}

/*
 * test_pressure.c - memory pressure through the public API (linked against
 * libvmfs): page replacement, swap, the write rules, the swap cache, OOM,
 * the SQLite swap file, the policy API and reclaim (SPEC §1 "Replacement",
 * "Swap", "Accounting", "Options"; new in 0.2).  Every machine here is
 * opened with zero_page=0, as vmfs-replay opens its own: a read of a page
 * never touched takes a frame (SPEC §4), so reads alone fill memory.
 *
 * Covered, one cmocka test per promise (and, for issue 14, locked pages
 * kept and MADV_FREE pages dropped without a swap write, under every
 * built-in policy; the last tests of the file):
 *   - the textbook reference strings, one read of page N of a mapping per
 *     reference, give the textbook fault counts: FIFO 15/10 and LRU 12/8 for
 *     7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1 at 3/4 frames, FIFO 9/10 for
 *     1,2,3,4,1,2,5,1,2,3,4,5 (Belady's anomaly), clock (second chance as
 *     SPEC words it) 14/9 and 9/10, and OPT 9/8 from a policy
 *     written here (Belady's MIN, told the reference string) and installed
 *     with vmfs_set_policy: the public policy API is enough for a real policy;
 *   - "ten times memory": with each built-in policy, 320 pages written twice
 *     on 32 frames, a fork, a child rewriting every third page, then every
 *     byte of both processes read back twice, with the counters consistent
 *     (pswpout at least the dirty pages that had to leave, major faults ==
 *     pswpin, every page resident or in swap, swap and frames all returned
 *     after exit);
 *   - the write rules exactly: a never-written page leaves without a write,
 *     a dirty one with one (pswpout), a page read back keeps its slot
 *     (swap_cached) and leaves again clean without a write, a written one
 *     with a write;
 *   - fork sharing of a swapped page: swap entries (VMFS_PTE_SWAP, the same
 *     slot) in both, one read from swap (major), the other from the swap
 *     cache (minor), then copy-on-write;
 *   - shared anonymous pages across fork survive eviction both ways;
 *   - OOM: swap=none or a full swap (swap_size=) fails the access that needs
 *     a frame with -ENOMEM, logs "page allocation failure", counts oom_kill,
 *     and loses nothing; clean pages still go without swap;
 *   - swap=PATH is a sound SQLite database after vmfs_sync (checked with
 *     the sqlite3 shell, skipped only if it is missing) holding swap_used
 *     rows; the private default swap file exists while the machine is open
 *     and is gone, with its -wal and -shm, after vmfs_close; a second
 *     machine on a swap file in use is refused or harmless, never costs the
 *     first its pages; a file that cannot be a store is an error and is
 *     left as it was;
 *   - options policy=, swap=, swap_size= and their errors; vmfs_set_policy
 *     at run time (names, custom tables, missing callbacks, failing init,
 *     the old policy staying on error); a misbehaving policy cannot corrupt
 *     the machine; a policy auditing the engine's side of the contract
 *     through a random run (fork, exit, munmap, mprotect, shared and object
 *     mappings, object resize, forced writes, reclaim) sees every page
 *     loaded once, accessed under its own identity, removed once, and knows
 *     exactly the frames in use;
 *   - vmfs_reclaim evicts at most N and says how many; pgsteal_direct rises
 *     by as much;
 *   - a vmfs_read_with of more pages than frames, short of frames only by
 *     its own pinned pieces, succeeds with no oom_kill and no allocation
 *     failure in the kernel log; one that really fails counts and logs one;
 *   - vmfs_statx fills the basic figures as vmfs_stat does, the costly ones
 *     only when asked.
 *
 * What stays true: every test opens its own machines and closes them.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmfs.h"
#include "testutil.h"

#define PAGE      4096u
#define ANON_PRIV (MAP_PRIVATE | MAP_ANONYMOUS)
#define ANON_SHRD (MAP_SHARED | MAP_ANONYMOUS)
#define RW        (PROT_READ | PROT_WRITE)
#define BASE      0x400000ull

static const char *const builtin_policies[] = { "fifo", "lru", "clock", "arc", "2q", "car",
	"clockpro", "linux", "lirs", "mglru", "random", "s3fifo", "sieve", "wsclock" };
#define NPOLICIES (sizeof(builtin_policies) / sizeof(builtin_policies[0]))

/* ---- helpers ------------------------------------------------------------------ */

/* @npages read-write pages at exactly @addr. */
static void map_pages(vmfs *m, int pid, uint64_t addr, uint64_t npages, int flags)
{
	map_fixed(m, pid, addr, npages * PAGE, RW, flags);
}

static uint64_t faults(vmfs *m, int pid)
{
	struct vmfs_proc_stat ps = pstat(m, pid);
	return ps.min_flt + ps.maj_flt;
}

/* The bytes page @page gets in @version: distinct for every page and version. */
static void pattern(unsigned char *buf, uint64_t page, unsigned version)
{
	uint64_t x = page * 0x9e3779b97f4a7c15ull + version * 0xbf58476d1ce4e5b9ull + 1;
	for (unsigned i = 0; i < PAGE; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
}

/* Write version @version of page @page at BASE + page * PAGE; the access
 * must succeed.  Returns the vmfs_fault record. */
static struct vmfs_fault write_page(vmfs *m, int pid, uint64_t page, unsigned version)
{
	unsigned char buf[PAGE];
	struct vmfs_fault f;
	pattern(buf, page, version);
	ssize_t n = vmfs_access(m, pid, BASE + page * PAGE, buf, PAGE, VMFS_ACCESS_WRITE, &f);
	if (n != PAGE)
		print_error("write page %" PRIu64 " of pid %d = %zd: %s\n", page, pid, n,
			    vmfs_errmsg());
	assert_int_equal(n, PAGE);
	return f;
}

/* Read page @page and check it holds version @version (0: all zero). */
static struct vmfs_fault check_page(vmfs *m, int pid, uint64_t page, unsigned version)
{
	unsigned char want[PAGE], got[PAGE];
	struct vmfs_fault f;
	if (version)
		pattern(want, page, version);
	else
		memset(want, 0, PAGE);
	ssize_t n = vmfs_access(m, pid, BASE + page * PAGE, got, PAGE, VMFS_ACCESS_READ, &f);
	if (n != PAGE)
		print_error("read page %" PRIu64 " of pid %d = %zd: %s\n", page, pid, n,
			    vmfs_errmsg());
	assert_int_equal(n, PAGE);
	if (memcmp(want, got, PAGE)) {
		unsigned i = 0;
		while (want[i] == got[i])
			i++;
		print_error("pid %d page %" PRIu64 " (version %u): byte %u is %#x, want %#x%s\n",
			    pid, page, version, i, got[i], want[i],
			    memcmp(got, (unsigned char[PAGE]){ 0 }, PAGE) ? "" :
			    " (the page came back all zero)");
		fail();
	}
	return f;
}

/* The kernel log holds @want: returns the log (to free) and where. */
static char *kmsg_find(vmfs *m, const char *want, char **at)
{
	char *log = kmsg(m);
	*at = strstr(log, want);
	if (!*at) {
		print_error("the kernel log lacks \"%s\"; it says:\n", want);
		fputs(log, stderr);
		fail();
	}
	return log;
}

/* Evict until the page at @addr of @pid is in swap; at most @limit rounds. */
static void reclaim_until_swapped(vmfs *m, int pid, uint64_t addr, int limit)
{
	for (int i = 0; i < limit; i++) {
		if (walk(m, pid, addr).state == VMFS_WALK_SWAPPED)
			return;
		assert_true(vmfs_reclaim(m, 1) == 1);
	}
	assert_int_equal(walk(m, pid, addr).state, VMFS_WALK_SWAPPED);
}

/* A swapped leaf: not present, VMFS_PTE_SWAP, the slot in the PFN bits. */
static uint64_t swapped_slot(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_walk w = walk(m, pid, addr);
	assert_int_equal(w.state, VMFS_WALK_SWAPPED);
	assert_int_equal(w.depth, w.levels);
	assert_true(leaf(&w) & VMFS_PTE_SWAP);
	assert_false(leaf(&w) & VMFS_PTE_P);
	assert_int_equal((leaf(&w) & VMFS_PTE_PFN_MASK) >> 12, w.swap_slot);
	assert_true(w.swap_slot != 0);
	assert_int_equal(w.mapped, 1);
	return w.swap_slot;
}

/* ---- textbook reference strings --------------------------------------------- */

static const int ref_silberschatz[] = { 7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1 };
static const int ref_belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
#define NREFS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * OPT (Belady's MIN): evict the page whose next use is farthest in the
 * future, never-used-again pages first, ties to the lowest page number.
 * It is told the reference string and where the test is in it (now, the
 * reference being made); the engine tells it which page each frame holds.
 * The state is the test's own struct, passed as init's arg.
 */
struct opt {
	const int *refs;
	size_t nrefs;
	size_t now;
	uint64_t base_vpn;       /* page N of the string is vpn base_vpn + N */
	uint64_t nframes;
	int64_t *page;           /* page number each frame holds, -1 for none */
	unsigned inits, releases, mismatches, victims;
};

static int opt_init(void **state, uint64_t nframes, void *arg)
{
	struct opt *o = arg;
	o->page = malloc(nframes * sizeof(*o->page));
	if (!o->page)
		return -ENOMEM;
	for (uint64_t i = 0; i < nframes; i++)
		o->page[i] = -1;
	o->nframes = nframes;
	o->inits++;
	*state = o;
	return 0;
}

static void opt_release(void *state)
{
	struct opt *o = state;
	free(o->page);
	o->page = NULL;
	o->releases++;
}

static void opt_loaded(void *state, const struct vmfs_page *pg)
{
	struct opt *o = state;
	if (pg->pfn >= o->nframes || !pg->anon) {
		o->mismatches++;
		return;
	}
	o->page[pg->pfn] = (int64_t)(pg->index - o->base_vpn);
}

static void opt_accessed(void *state, const struct vmfs_page *pg)
{
	struct opt *o = state;
	/* The engine must describe a frame's page the same way every time. */
	if (pg->pfn >= o->nframes || o->page[pg->pfn] != (int64_t)(pg->index - o->base_vpn))
		o->mismatches++;
}

static void opt_removed(void *state, uint64_t pfn)
{
	struct opt *o = state;
	if (pfn >= o->nframes || o->page[pfn] < 0)
		o->mismatches++;
	else
		o->page[pfn] = -1;
}

static int64_t opt_victim(void *state, struct vmfs_reclaim *rc,
			  const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct opt *o = state;
	int64_t best = -1;
	size_t best_next = 0;
	(void)incoming;
	o->victims++;
	for (uint64_t pfn = 0; pfn < o->nframes; pfn++) {
		if (o->page[pfn] < 0)
			continue;
		(*scanned)++;
		if (!vmfs_page_evictable(rc, pfn))
			continue;
		size_t next = o->now + 1;
		while (next < o->nrefs && o->refs[next] != o->page[pfn])
			next++;
		if (best < 0 || next > best_next ||
		    (next == best_next && o->page[pfn] < o->page[best])) {
			best = (int64_t)pfn;
			best_next = next;
		}
	}
	return best;
}

static const struct vmfs_policy_ops opt_ops = {
	.name = "opt",
	.init = opt_init,
	.release = opt_release,
	.loaded = opt_loaded,
	.accessed = opt_accessed,
	.removed = opt_removed,
	.victim = opt_victim,
};

/*
 * Replay @refs on a fresh machine of @frames frames under @policy (or OPT
 * when @o is given): one 1-byte read of page N per reference.  Returns the
 * process's faults.  Never-written pages leave without a write and come
 * back as demand-zero pages, so every miss is exactly one fault.
 */
static uint64_t replay(const char *policy, struct opt *o, unsigned frames, const int *refs,
		       size_t nrefs)
{
	char opts[96];
	snprintf(opts, sizeof(opts), "zero_page=0,frames=%u,policy=%s,swap=none", frames,
		 policy ? policy : "clock");
	vmfs *m = open_machine(opts);
	if (o) {
		*o = (struct opt){ .refs = refs, .nrefs = nrefs, .base_vpn = BASE / PAGE };
		assert_int_equal(vmfs_set_policy(m, NULL, &opt_ops, o), 0);
		assert_string_equal(mstat(m).policy, "opt");
	} else {
		assert_string_equal(mstat(m).policy, policy);
	}
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 8, ANON_PRIV);
	uint64_t prev = 0;
	for (size_t t = 0; t < nrefs; t++) {
		unsigned char c = 0xff;
		struct vmfs_fault f;
		if (o)
			o->now = t;
		assert_int_equal(vmfs_access(m, pid, BASE + (uint64_t)refs[t] * PAGE, &c, 1,
					     VMFS_ACCESS_READ, &f), 1);
		assert_int_equal(c, 0);
		assert_int_equal(f.major, 0);
		uint64_t now = faults(m, pid);
		assert_int_equal(now - prev, f.minor);
		prev = now;
	}
	struct vmfs_stat st = mstat(m);
	uint64_t n = faults(m, pid);
	assert_int_equal(st.pswpout, 0);
	assert_int_equal(st.pswpin, 0);
	assert_int_equal(st.oom_kill, 0);
	assert_int_equal(st.pgsteal_direct, n - frames);   /* a miss on full memory evicts one */
	assert_true(st.pgscan_direct >= st.pgsteal_direct);
	assert_int_equal(pstat(m, pid).rss_anon, frames);
	vmfs_close(m);
	if (o) {
		assert_int_equal(o->inits, 1);
		assert_int_equal(o->releases, 1);       /* vmfs_close releases the policy */
		assert_int_equal(o->mismatches, 0);
		assert_int_equal(o->victims, n - frames);
	}
	return n;
}

/* One textbook figure: @refs replayed under @policy (NULL: OPT) on @frames frames. */
struct textbook {
	const char *policy;
	unsigned frames;
	const int *refs;
	size_t nrefs;
	uint64_t faults;
};

#define SILBERSCHATZ ref_silberschatz, NREFS(ref_silberschatz)
#define BELADY       ref_belady, NREFS(ref_belady)

static void check_textbook(const struct textbook *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct opt o;
		uint64_t got = replay(t[i].policy, t[i].policy ? NULL : &o, t[i].frames, t[i].refs,
				      t[i].nrefs);
		if (got != t[i].faults)
			print_error("%s, %u frames, %s: %" PRIu64 " faults, the textbook says %" PRIu64
				    "\n", t[i].policy ? t[i].policy : "opt", t[i].frames,
				    t[i].refs == ref_belady ? "Belady's string" : "Silberschatz's string",
				    got, t[i].faults);
		assert_int_equal(got, t[i].faults);
	}
}

#define CHECK_TEXTBOOK(...) \
	do { \
		static const struct textbook t_[] = { __VA_ARGS__ }; \
		check_textbook(t_, sizeof(t_) / sizeof(t_[0])); \
	} while (0)

static void test_textbook_fifo(void **state)
{
	(void)state;
	CHECK_TEXTBOOK({ "fifo", 3, SILBERSCHATZ, 15 }, { "fifo", 4, SILBERSCHATZ, 10 });
}

static void test_textbook_lru(void **state)
{
	(void)state;
	CHECK_TEXTBOOK({ "lru", 3, SILBERSCHATZ, 12 }, { "lru", 4, SILBERSCHATZ, 8 });
}

/*
 * SPEC's clock: the reference bit set on load and on every access, the hand
 * sweeping in load order, the new page in the victim's place and the hand
 * past it.  Second chance on the first string is the textbook's 14 at 3
 * frames; on Belady's string it shows the anomaly as FIFO does.
 */
static void test_textbook_clock(void **state)
{
	(void)state;
	CHECK_TEXTBOOK({ "clock", 3, SILBERSCHATZ, 14 }, { "clock", 4, SILBERSCHATZ, 9 },
		       { "clock", 3, BELADY, 9 }, { "clock", 4, BELADY, 10 });
}

/* More frames, more faults: FIFO is not a stack algorithm; LRU is. */
static void test_belady_anomaly(void **state)
{
	(void)state;
	CHECK_TEXTBOOK({ "fifo", 3, BELADY, 9 }, { "fifo", 4, BELADY, 10 },
		       { "lru", 3, BELADY, 10 }, { "lru", 4, BELADY, 8 });
}

static void test_textbook_opt_custom_policy(void **state)
{
	(void)state;
	CHECK_TEXTBOOK({ NULL, 3, SILBERSCHATZ, 9 }, { NULL, 4, SILBERSCHATZ, 8 },
		       { NULL, 3, BELADY, 7 }, { NULL, 4, BELADY, 6 });
}

/* Every policy at least matches OPT and never beats it. */
static void test_textbook_bounds(void **state)
{
	(void)state;
	for (size_t i = 0; i < NPOLICIES; i++)
		for (unsigned frames = 3; frames <= 4; frames++) {
			uint64_t n = replay(builtin_policies[i], NULL, frames, ref_silberschatz,
					    NREFS(ref_silberschatz));
			assert_true(n >= (frames == 3 ? 9u : 8u));
			assert_true(n <= NREFS(ref_silberschatz));
		}
}

/* ---- ten times memory --------------------------------------------------------- */

#define TEN_FRAMES 32
#define TEN_PAGES  320

static void check_all_pages(vmfs *m, int parent, int child)
{
	for (uint64_t p = 0; p < TEN_PAGES; p++)
		check_page(m, parent, p, 2);
	for (uint64_t p = 0; p < TEN_PAGES; p++)
		check_page(m, child, p, p % 3 == 0 ? 3 : 2);
}

/* Every page of @pid is either resident or in swap: none was dropped. */
static void check_resident_or_swapped(vmfs *m, int pid)
{
	struct vmfs_proc_stat ps = pstat(m, pid);
	uint64_t swapped = 0, present = 0;
	for (uint64_t p = 0; p < TEN_PAGES; p++) {
		struct vmfs_walk w = walk(m, pid, BASE + p * PAGE);
		if (w.state == VMFS_WALK_SWAPPED)
			swapped++;
		else if (w.state == VMFS_WALK_PRESENT)
			present++;
		else
			print_error("pid %d page %" PRIu64 ": walk state %d\n", pid, p, w.state);
	}
	assert_int_equal(present + swapped, TEN_PAGES);
	assert_int_equal(ps.rss_anon, present);
	assert_int_equal(ps.swap, swapped);
}

static void ten_times_memory(const char *policy)
{
	char opts[64];
	snprintf(opts, sizeof(opts), "zero_page=0,frames=%d,policy=%s", TEN_FRAMES, policy);
	vmfs *m = open_machine(opts);
	int parent = spawn(m, "pressure");
	map_pages(m, parent, BASE, TEN_PAGES, ANON_PRIV);

	for (uint64_t p = 0; p < TEN_PAGES; p++)
		write_page(m, parent, p, 1);
	struct vmfs_stat st = mstat(m);
	/* 288 dirty pages had to leave, and nothing else left. */
	assert_int_equal(st.pgsteal_direct, TEN_PAGES - TEN_FRAMES);
	assert_int_equal(st.pswpout, TEN_PAGES - TEN_FRAMES);
	assert_int_equal(st.pswpin, 0);
	assert_int_equal(st.frames_free, 0);
	assert_int_equal(st.swap_used, TEN_PAGES - TEN_FRAMES);
	check_resident_or_swapped(m, parent);

	for (uint64_t p = 0; p < TEN_PAGES; p++)
		write_page(m, parent, p, 2);
	st = mstat(m);
	/* Each page rewritten left dirty again, once more for the 32 resident. */
	assert_true(st.pswpout >= 2 * (TEN_PAGES - TEN_FRAMES));
	assert_true(st.pswpin >= TEN_PAGES - TEN_FRAMES);
	check_resident_or_swapped(m, parent);

	int child = vmfs_fork(m, parent);
	assert_true(child > parent);
	for (uint64_t p = 0; p < TEN_PAGES; p += 3)
		write_page(m, child, p, 3);
	check_all_pages(m, parent, child);
	check_all_pages(m, parent, child);    /* again: nothing lost on the way back out */
	check_resident_or_swapped(m, parent);
	check_resident_or_swapped(m, child);

	st = mstat(m);
	struct vmfs_proc_stat pp = pstat(m, parent), cp = pstat(m, child);
	assert_int_equal(st.pgmajfault, st.pswpin);
	assert_int_equal(pp.maj_flt + cp.maj_flt, st.pswpin);
	assert_int_equal(pp.min_flt + pp.maj_flt + cp.min_flt + cp.maj_flt, st.pgfault);
	assert_true(st.pgsteal_direct >= st.pswpout);
	assert_true(st.pgscan_direct >= st.pgsteal_direct);
	assert_true(st.swap_used > 0);
	assert_true(st.swap_cached <= TEN_FRAMES);
	assert_true(st.frames_free <= TEN_FRAMES);
	assert_int_equal(st.oom_kill, 0);
	assert_string_equal(st.policy, policy);

	assert_int_equal(vmfs_exit(m, child), 0);
	check_page(m, parent, 0, 2);
	assert_int_equal(vmfs_exit(m, parent), 0);
	st = mstat(m);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.swap_cached, 0);
	assert_int_equal(st.frames_free, TEN_FRAMES);
	assert_int_equal(st.pgalloc, st.pgfree);
	vmfs_close(m);
}

static void test_ten_times_memory_fifo(void **state)  { (void)state; ten_times_memory("fifo"); }
static void test_ten_times_memory_lru(void **state)   { (void)state; ten_times_memory("lru"); }
static void test_ten_times_memory_clock(void **state) { (void)state; ten_times_memory("clock"); }
static void test_ten_times_memory_arc(void **state)   { (void)state; ten_times_memory("arc"); }

/* ---- the write rules --------------------------------------------------------- */

/*
 * One page at a time on a 4-frame machine, so vmfs_reclaim(m, 4) evicts
 * exactly the page in question.
 */
static void test_write_rules(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=4");
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 2, ANON_PRIV);
	const uint64_t zero = 0, dirty = 1;
	struct vmfs_fault f;

	/* A never-written page: dropped without a write, back as demand zero. */
	f = check_page(m, pid, zero, 0);
	assert_int_equal(f.minor, 1);
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.pswpout, 0);
	assert_int_equal(st.pgsteal_direct, 1);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.frames_free, 4);
	assert_int_equal(walk(m, pid, BASE + zero * PAGE).state, VMFS_WALK_NONE);
	f = check_page(m, pid, zero, 0);
	assert_int_equal(f.minor, 1);
	assert_int_equal(f.major, 0);
	assert_int_equal(vmfs_reclaim(m, 4), 1);

	/* A dirty page: one write. */
	write_page(m, pid, dirty, 1);
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	st = mstat(m);
	assert_int_equal(st.pswpout, 1);
	assert_int_equal(st.swap_used, 1);
	assert_int_equal(pstat(m, pid).swap, 1);
	uint64_t slot = swapped_slot(m, pid, BASE + dirty * PAGE);

	/* Read back: a major fault; the page keeps its slot (swap cache). */
	f = check_page(m, pid, dirty, 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(f.minor, 0);
	st = mstat(m);
	assert_int_equal(st.pswpin, 1);
	assert_int_equal(st.pgmajfault, 1);
	assert_int_equal(pstat(m, pid).maj_flt, 1);
	assert_int_equal(pstat(m, pid).swap, 0);
	assert_int_equal(st.swap_cached, 1);
	assert_int_equal(st.swap_used, 1);
	assert_int_equal(walk(m, pid, BASE + dirty * PAGE).state, VMFS_WALK_PRESENT);

	/* Evicted again while clean: no write, the same slot. */
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	st = mstat(m);
	assert_int_equal(st.pswpout, 1);
	assert_int_equal(st.swap_cached, 0);
	assert_int_equal(st.swap_used, 1);
	assert_int_equal(swapped_slot(m, pid, BASE + dirty * PAGE), slot);
	f = check_page(m, pid, dirty, 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(mstat(m).pswpin, 2);

	/* Written after the read-back: dirty again, one more write. */
	write_page(m, pid, dirty, 2);
	assert_int_equal(mstat(m).swap_cached, 0);   /* written: the slot copy is stale */
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	st = mstat(m);
	assert_int_equal(st.pswpout, 2);
	assert_int_equal(st.swap_used, 1);
	swapped_slot(m, pid, BASE + dirty * PAGE);
	check_page(m, pid, dirty, 2);

	/* Written straight after the read-back (a write fault on the swap entry). */
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	st = mstat(m);
	write_page(m, pid, dirty, 3);
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	assert_int_equal(mstat(m).pswpout, st.pswpout + 1);
	check_page(m, pid, dirty, 3);
	check_page(m, pid, zero, 0);
	assert_int_equal(mstat(m).oom_kill, 0);
	vmfs_close(m);
}

/* The same read-back page evicted and read many times stays itself. */
static void test_swap_cache_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < NPOLICIES; i++) {
		char opts[64];
		snprintf(opts, sizeof(opts), "zero_page=0,frames=4,policy=%s", builtin_policies[i]);
		vmfs *m = open_machine(opts);
		int pid = spawn(m, "pressure");
		map_pages(m, pid, BASE, 12, ANON_PRIV);
		for (uint64_t p = 0; p < 12; p++)
			write_page(m, pid, p, 1);
		uint64_t out = mstat(m).pswpout;
		for (int round = 0; round < 3; round++)
			for (uint64_t p = 0; p < 12; p++)
				check_page(m, pid, p, 1);
		/* Only reads since: each page was written to swap at most once. */
		assert_true(mstat(m).pswpout <= 12);
		assert_true(mstat(m).pswpout >= out);
		vmfs_close(m);
	}
}

/* ---- fork sharing of swapped pages -------------------------------------------- */

static void test_fork_shares_swapped_page(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=8");
	int parent = spawn(m, "pressure");
	map_pages(m, parent, BASE, 1, ANON_PRIV);
	write_page(m, parent, 0, 1);
	int child = vmfs_fork(m, parent);
	assert_true(child > parent);
	reclaim_until_swapped(m, parent, BASE, 8);
	uint64_t slot = swapped_slot(m, parent, BASE);
	assert_int_equal(swapped_slot(m, child, BASE), slot);
	assert_int_equal(pstat(m, parent).swap, 1);
	assert_int_equal(pstat(m, child).swap, 1);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.pswpout, 1);          /* one frame, one write */
	assert_int_equal(st.swap_used, 1);

	/* The child reads it from swap ... */
	struct vmfs_fault f = check_page(m, child, 0, 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(f.minor, 0);
	assert_int_equal(mstat(m).pswpin, 1);
	assert_int_equal(mstat(m).swap_cached, 1);
	assert_int_equal(pstat(m, child).maj_flt, 1);
	assert_int_equal(swapped_slot(m, parent, BASE), slot);

	/* ... the parent finds it in the swap cache: the same frame. */
	f = check_page(m, parent, 0, 1);
	assert_int_equal(f.major, 0);
	assert_int_equal(f.minor, 1);
	assert_int_equal(mstat(m).pswpin, 1);
	assert_int_equal(pstat(m, parent).maj_flt, 0);
	struct vmfs_walk wp = walk(m, parent, BASE), wc = walk(m, child, BASE);
	assert_int_equal(wp.state, VMFS_WALK_PRESENT);
	assert_int_equal(wc.state, VMFS_WALK_PRESENT);
	assert_int_equal(wp.paddr, wc.paddr);
	assert_false(leaf(&wp) & VMFS_PTE_RW);
	assert_false(leaf(&wc) & VMFS_PTE_RW);

	/* The child writes: copy-on-write; the parent keeps the old bytes. */
	f = write_page(m, child, 0, 2);
	assert_int_equal(f.cow, 1);
	check_page(m, parent, 0, 1);
	check_page(m, child, 0, 2);
	assert_true(walk(m, parent, BASE).paddr != walk(m, child, BASE).paddr);

	/* Everything out and back once more: the parent's clean copy needs no write. */
	st = mstat(m);
	assert_int_equal(vmfs_reclaim(m, 8), 2);
	assert_int_equal(mstat(m).pswpout, st.pswpout + 1);   /* only the child's copy */
	assert_int_equal(swapped_slot(m, parent, BASE), slot);
	assert_true(swapped_slot(m, child, BASE) != slot);
	check_page(m, parent, 0, 1);
	check_page(m, child, 0, 2);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, parent), 0);
	st = mstat(m);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.frames_free, 8);
	vmfs_close(m);
}

/* A swapped page whose processes all exit gives its slot back; one whose
 * sharer exits is the survivor's alone. */
static void test_exit_releases_swap(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=4");
	int parent = spawn(m, "pressure");
	map_pages(m, parent, BASE, 8, ANON_PRIV);
	for (uint64_t p = 0; p < 8; p++)
		write_page(m, parent, p, 1);
	int child = vmfs_fork(m, parent);
	assert_true(child > 0);
	assert_int_equal(vmfs_reclaim(m, 4), 4);
	assert_int_equal(mstat(m).swap_used, 8);
	check_page(m, child, 0, 1);                 /* one page in the swap cache */
	assert_int_equal(vmfs_exit(m, parent), 0);
	assert_int_equal(mstat(m).swap_used, 8);    /* the child still refers to all */
	for (uint64_t p = 0; p < 8; p++)
		check_page(m, child, p, 1);
	for (uint64_t p = 0; p < 8; p++)
		check_page(m, child, p, 1);
	assert_int_equal(vmfs_exit(m, child), 0);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.swap_cached, 0);
	assert_int_equal(st.frames_free, 4);
	vmfs_close(m);
}

/* ---- shared anonymous memory under eviction ---------------------------------- */

static void test_shared_anon_eviction(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=4");
	int parent = spawn(m, "pressure");
	map_pages(m, parent, BASE, 2, ANON_SHRD);
	int child = vmfs_fork(m, parent);
	assert_true(child > 0);

	/* The parent writes after the fork; the page goes to swap ... */
	write_page(m, parent, 0, 1);
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.pswpout, 1);
	assert_int_equal(st.swap_used, 1);
	assert_int_equal(walk(m, parent, BASE).state == VMFS_WALK_PRESENT, 0);
	assert_int_equal(walk(m, child, BASE).state == VMFS_WALK_PRESENT, 0);

	/* ... and the child reads it back from there, the parent from the cache. */
	struct vmfs_fault f = check_page(m, child, 0, 1);
	assert_int_equal(f.major, 1);
	assert_int_equal(mstat(m).pswpin, 1);
	f = check_page(m, parent, 0, 1);
	assert_int_equal(f.major, 0);
	assert_int_equal(walk(m, parent, BASE).paddr, walk(m, child, BASE).paddr);

	/* Evicted clean: no write.  The child writes; out; the parent sees it. */
	assert_int_equal(vmfs_reclaim(m, 4), 1);
	assert_int_equal(mstat(m).pswpout, 1);
	write_page(m, child, 0, 2);
	write_page(m, child, 1, 2);
	assert_int_equal(vmfs_reclaim(m, 4), 2);
	assert_int_equal(mstat(m).pswpout, 3);
	check_page(m, parent, 0, 2);
	check_page(m, parent, 1, 2);
	check_page(m, child, 1, 2);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_reclaim(m, 4), 2);
	check_page(m, parent, 0, 2);
	check_page(m, parent, 1, 2);
	assert_int_equal(vmfs_exit(m, parent), 0);
	st = mstat(m);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.frames_free, 4);
	vmfs_close(m);
}

/* ---- out of memory ------------------------------------------------------------ */

static void expect_enomem_write(vmfs *m, int pid, uint64_t page)
{
	unsigned char buf[PAGE];
	struct vmfs_fault f;
	struct vmfs_stat before = mstat(m);
	struct vmfs_proc_stat pbefore = pstat(m, pid);
	pattern(buf, page, 9);
	assert_int_equal(vmfs_access(m, pid, BASE + page * PAGE, buf, PAGE, VMFS_ACCESS_WRITE, &f),
			 -ENOMEM);
	assert_int_equal(f.err, -ENOMEM);
	assert_int_equal(f.si_code, 0);
	assert_int_equal(f.addr, BASE + page * PAGE);
	struct vmfs_stat after = mstat(m);
	assert_true(after.oom_kill > before.oom_kill);
	assert_int_equal(after.segfault, before.segfault);
	assert_int_equal(after.pswpout, before.pswpout);
	assert_int_equal(after.swap_used, before.swap_used);
	assert_int_equal(after.frames_free, 0);
	assert_int_equal(pstat(m, pid).segv, pbefore.segv);
	assert_int_equal(walk(m, pid, BASE + page * PAGE).state, VMFS_WALK_NONE);
	/* Linux's warn_alloc says "NAME: page allocation failure: ..."; here the
	 * line names the process and the address as a segfault line does. */
	char want[96], *line;
	snprintf(want, sizeof(want), "pressure[%d]: page allocation failure at %" PRIx64, pid,
		 (uint64_t)(BASE + page * PAGE));
	free(kmsg_find(m, want, &line));
}

static void test_oom_without_swap(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=4,swap=none");
	assert_int_equal(mstat(m).swap_total, 0);
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 16, ANON_PRIV);
	for (uint64_t p = 0; p < 4; p++)
		write_page(m, pid, p, 1);
	expect_enomem_write(m, pid, 4);
	assert_true(mstat(m).oom_kill >= 1);
	assert_int_equal(vmfs_reclaim(m, 4), 0);    /* nothing can go */
	for (uint64_t p = 0; p < 4; p++)
		check_page(m, pid, p, 1);
	/* A read of a new page needs a frame as much as a write. */
	unsigned char c;
	assert_int_equal(vmfs_read(m, pid, BASE + 5 * PAGE, &c, 1), -ENOMEM);
	/* A page given back makes room. */
	assert_int_equal(vmfs_munmap(m, pid, BASE + 3 * PAGE, PAGE), 0);
	write_page(m, pid, 4, 1);
	for (uint64_t p = 0; p < 3; p++)
		check_page(m, pid, p, 1);
	check_page(m, pid, 4, 1);
	assert_int_equal(mstat(m).pswpout, 0);
	assert_int_equal(mstat(m).swap_used, 0);
	vmfs_close(m);
}

/* Clean pages need no swap: reading far more pages than frames never fails. */
static void test_clean_pages_evicted_without_swap(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=4,swap=none");
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 64, ANON_PRIV);
	for (int round = 0; round < 2; round++)
		for (uint64_t p = 0; p < 64; p++)
			check_page(m, pid, p, 0);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.oom_kill, 0);
	assert_int_equal(st.pgsteal_direct, 128 - 4);
	assert_int_equal(st.pswpout, 0);
	/* With two dirty pages pinned for lack of swap, the rest still turn over. */
	write_page(m, pid, 0, 1);
	write_page(m, pid, 1, 1);
	for (uint64_t p = 2; p < 64; p++)
		check_page(m, pid, p, 0);
	check_page(m, pid, 0, 1);
	check_page(m, pid, 1, 1);
	assert_int_equal(mstat(m).oom_kill, 0);
	vmfs_close(m);
}

static void test_oom_swap_full(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=4,swap_size=8K");
	assert_int_equal(mstat(m).swap_total, 2);
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 16, ANON_PRIV);
	for (uint64_t p = 0; p < 6; p++)
		write_page(m, pid, p, 1);            /* two dirty pages to swap */
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.pswpout, 2);
	assert_int_equal(st.swap_used, 2);
	expect_enomem_write(m, pid, 6);
	assert_int_equal(vmfs_reclaim(m, 4), 0);      /* every frame dirty, no slot */
	/* Nothing lost: the resident pages read back, then, with room made,
	 * the swapped ones too. */
	unsigned resident = 0;
	for (uint64_t p = 0; p < 6; p++) {
		if (walk(m, pid, BASE + p * PAGE).state == VMFS_WALK_PRESENT) {
			check_page(m, pid, p, 1);
			resident++;
		}
	}
	assert_int_equal(resident, 4);
	assert_int_equal(vmfs_munmap(m, pid, BASE + 6 * PAGE, 10 * PAGE), 0);
	int gone = -1;
	for (uint64_t p = 0; p < 6 && gone < 0; p++)
		if (walk(m, pid, BASE + p * PAGE).state == VMFS_WALK_PRESENT)
			gone = (int)p;
	assert_int_equal(vmfs_munmap(m, pid, BASE + (uint64_t)gone * PAGE, PAGE), 0);
	for (int round = 0; round < 3; round++)
		for (uint64_t p = 0; p < 6; p++)
			if ((int)p != gone)
				check_page(m, pid, p, 1);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(mstat(m).swap_used, 0);
	vmfs_close(m);
}

/* ---- the swap file -------------------------------------------------------------- */

static bool have_sqlite3(void)
{
	return system("sqlite3 -version >/dev/null 2>&1") == 0;
}

/* `sqlite3 FILE 'PRAGMA integrity_check; SELECT count(*) FROM swap;'`:
 * returns the count and checks that the integrity check says ok. */
static long sqlite3_shell_count(const char *file)
{
	char cmd[4096], out[256] = "";
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 '%s' 'PRAGMA integrity_check; SELECT count(*) FROM swap;' 2>&1", file);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	int status = pclose(p);
	if (status != 0 || strncmp(out, "ok\n", 3))
		print_error("%s\n -> status %d: %s\n", cmd, status, out);
	assert_int_equal(status, 0);
	assert_memory_equal(out, "ok\n", 3);
	char *end;
	long count = strtol(out + 3, &end, 10);
	assert_true(end > out + 3 && *end == '\n');
	return count;
}

static char *temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = malloc(4096);
	assert_non_null(dir);
	snprintf(dir, 4096, "%s/vmfs-pressure-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static bool exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* The files an SQLite store at @path may have beside it. */
static const char *const store_suffix[] = { "", "-wal", "-shm", "-journal" };

/* Remove the store @file with its side files, then temp_dir()'s @dir. */
static void remove_store(char *dir, const char *file)
{
	char side[4300];
	for (size_t i = 0; i < sizeof(store_suffix) / sizeof(store_suffix[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", file, store_suffix[i]);
		unlink(side);
	}
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static void test_swap_file_is_sqlite(void **state)
{
	(void)state;
	char *dir = temp_dir(), file[4200], opts[4300];
	snprintf(file, sizeof(file), "%s/swap.db", dir);
	snprintf(opts, sizeof(opts), "zero_page=0,frames=8,swap=%s", file);
	vmfs *m = open_machine(opts);
	char want[4300], *at;
	snprintf(want, sizeof(want), "vmfs: swap on %s ", file);
	free(kmsg_find(m, want, &at));
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 40, ANON_PRIV);
	for (uint64_t p = 0; p < 40; p++)
		write_page(m, pid, p, 1);
	for (uint64_t p = 0; p < 10; p++)
		check_page(m, pid, p, 1);               /* some in the swap cache */
	assert_int_equal(vmfs_sync(m), 0);
	assert_true(exists(file));
	struct vmfs_stat st = mstat(m);
	assert_true(st.swap_used > 0);
	if (have_sqlite3()) {
		assert_int_equal(sqlite3_shell_count(file), (long)st.swap_used);
		/* Freed slots leave the file at the next commit. */
		assert_int_equal(vmfs_munmap(m, pid, BASE + 20 * PAGE, 20 * PAGE), 0);
		assert_int_equal(vmfs_sync(m), 0);
		assert_int_equal(sqlite3_shell_count(file), (long)mstat(m).swap_used);
	} else {
		print_message("sqlite3 shell not found: the database check is skipped\n");
	}
	for (uint64_t p = 0; p < 20; p++)
		check_page(m, pid, p, 1);
	vmfs_close(m);
	/* A named file is the user's: it stays, and stays sound. */
	assert_true(exists(file));
	if (have_sqlite3())
		sqlite3_shell_count(file);
	remove_store(dir, file);
}

/* The private default swap file: named in the kernel log, gone at close. */
static void test_private_swap_file_removed(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=8");
	char *at, *log = kmsg_find(m, "vmfs: swap on ", &at);
	at += strlen("vmfs: swap on ");
	char *end = strstr(at, " (");
	assert_non_null(end);
	*end = 0;
	char path[4096], side[4200];
	snprintf(path, sizeof(path), "%s", at);
	free(log);
	assert_true(path[0] == '/');
	assert_true(exists(path));
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 300, ANON_PRIV);
	for (uint64_t p = 0; p < 300; p++)           /* more than one batch */
		write_page(m, pid, p, 1);
	assert_int_equal(vmfs_sync(m), 0);
	assert_true(exists(path));
	if (have_sqlite3())
		assert_int_equal(sqlite3_shell_count(path), (long)mstat(m).swap_used);
	check_page(m, pid, 0, 1);
	vmfs_close(m);
	for (size_t i = 0; i < sizeof(store_suffix) / sizeof(store_suffix[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, store_suffix[i]);
		if (exists(side))
			print_error("%s is left after vmfs_close\n", side);
		assert_false(exists(side));
	}
}

/*
 * A second machine opened on a swap file in use must not take the first
 * one's pages away: either it is refused (swapon says EBUSY for a swap
 * area in use) or both machines keep what they swapped.
 */
static void test_swap_file_in_use(void **state)
{
	(void)state;
	char *dir = temp_dir(), file[4200], opts[4300];
	snprintf(file, sizeof(file), "%s/swap.db", dir);
	snprintf(opts, sizeof(opts), "zero_page=0,frames=4,swap=%s", file);
	vmfs *a = open_machine(opts);
	int pid = spawn(a, "pressure");
	map_pages(a, pid, BASE, 8, ANON_PRIV);
	for (uint64_t p = 0; p < 8; p++)
		write_page(a, pid, p, 1);
	assert_int_equal(vmfs_sync(a), 0);
	assert_int_equal(mstat(a).swap_used, 4);
	vmfs *b = NULL;
	int rc = vmfs_open(&b, opts);
	if (rc == 0) {
		int bpid = spawn(b, "pressure");
		map_pages(b, bpid, BASE, 8, ANON_PRIV);
		for (uint64_t p = 0; p < 8; p++)
			write_page(b, bpid, p, 2);
		assert_int_equal(vmfs_sync(b), 0);
		for (uint64_t p = 0; p < 8; p++)
			check_page(b, bpid, p, 2);
	} else {
		assert_true(rc < 0);
	}
	for (uint64_t p = 0; p < 8; p++)
		check_page(a, pid, p, 1);
	vmfs_close(b);
	vmfs_close(a);
	remove_store(dir, file);
}

/* swap=PATH that cannot be a store: an error, and the file is left alone. */
static void test_swap_file_unusable(void **state)
{
	(void)state;
	char *dir = temp_dir(), file[4200], opts[4300], buf[64] = "";
	static const char text[] = "not a database, and mine\n";
	snprintf(file, sizeof(file), "%s/notes.txt", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(opts, sizeof(opts), "zero_page=0,frames=4,swap=%s", file);
	vmfs *m = NULL;
	int rc = vmfs_open(&m, opts);
	assert_true(rc < 0);
	assert_null(m);
	assert_true(strlen(vmfs_errmsg()) > 0);
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_null(fgets(buf + strlen(buf), (int)(sizeof(buf) - strlen(buf)), f));
	fclose(f);
	assert_string_equal(buf, text);
	unlink(file);
	snprintf(opts, sizeof(opts), "zero_page=0,frames=4,swap=%s/no/such/dir/swap.db", dir);
	assert_int_equal(vmfs_open(&m, opts), -ENOENT);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static void test_swap_none_sync(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=8,swap=none");
	char *log = kmsg(m);
	assert_null(strstr(log, "vmfs: swap on "));
	free(log);
	assert_int_equal(vmfs_sync(m), 0);
	vmfs_close(m);
}

/* ---- options and the policy API -------------------------------------------------- */

static void test_options(void **state)
{
	(void)state;
	static const char *bad[] = {
		"policy=bogus", "policy=", "policy=FIFO", "policy=opt", "swap=", "swap_size=0",
		"swap_size=5000", "swap_size=1x", "swap_size=", "zero_page=0,frames=8,swap_size=4097",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vmfs *m = NULL;
		int rc = vmfs_open(&m, bad[i]);
		if (rc != -EINVAL)
			print_error("vmfs_open(\"%s\") = %d\n", bad[i], rc);
		assert_int_equal(rc, -EINVAL);
		assert_true(strlen(vmfs_errmsg()) > 0);
	}
	for (size_t i = 0; i < NPOLICIES; i++) {
		char opts[64];
		snprintf(opts, sizeof(opts), "zero_page=0,frames=16,policy=%s", builtin_policies[i]);
		vmfs *m = open_machine(opts);
		assert_string_equal(mstat(m).policy, builtin_policies[i]);
		vmfs_close(m);
	}
	vmfs *m = open_machine("zero_page=0,frames=16");
	struct vmfs_stat st = mstat(m);
	assert_string_equal(st.policy, "clock");      /* the default */
	assert_int_equal(st.swap_total, 0);           /* unlimited */
	vmfs_close(m);
	m = open_machine("zero_page=0,frames=16,swap_size=1M");
	assert_int_equal(mstat(m).swap_total, 256);
	vmfs_close(m);
	m = open_machine("zero_page=0,frames=16,swap_size=4096");
	assert_int_equal(mstat(m).swap_total, 1);
	vmfs_close(m);
	m = open_machine("zero_page=0,frames=16,swap=none,policy=lru");
	assert_string_equal(mstat(m).policy, "lru");
	vmfs_close(m);
}

static int failing_init(void **state, uint64_t nframes, void *arg)
{
	(void)state;
	(void)nframes;
	(void)arg;
	return -ENOMEM;
}

static void test_set_policy(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=8");
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 24, ANON_PRIV);
	for (uint64_t p = 0; p < 24; p++)
		write_page(m, pid, p, 1);
	/* Every built-in, at run time with pages resident; the data survives. */
	for (size_t i = 0; i < NPOLICIES; i++) {
		assert_int_equal(vmfs_set_policy(m, builtin_policies[i], NULL, NULL), 0);
		assert_string_equal(mstat(m).policy, builtin_policies[i]);
		for (uint64_t p = 0; p < 24; p++)
			check_page(m, pid, p, 1);
	}
	const char *last = builtin_policies[NPOLICIES - 1];
	/* Unknown names and missing callbacks: -EINVAL, the old policy stays. */
	assert_int_equal(vmfs_set_policy(m, "bogus", NULL, NULL), -EINVAL);
	assert_int_equal(vmfs_set_policy(m, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vmfs_set_policy(m, "", NULL, NULL), -EINVAL);
	assert_string_equal(mstat(m).policy, last);
	struct vmfs_policy_ops ops = opt_ops;
	const struct vmfs_policy_ops *missing[4];
	static struct vmfs_policy_ops no_loaded, no_accessed, no_removed, no_victim;
	no_loaded = no_accessed = no_removed = no_victim = opt_ops;
	no_loaded.loaded = NULL;
	no_accessed.accessed = NULL;
	no_removed.removed = NULL;
	no_victim.victim = NULL;
	missing[0] = &no_loaded;
	missing[1] = &no_accessed;
	missing[2] = &no_removed;
	missing[3] = &no_victim;
	struct opt o = { .base_vpn = BASE / PAGE };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vmfs_set_policy(m, NULL, missing[i], &o), -EINVAL);
		assert_string_equal(mstat(m).policy, last);
	}
	assert_int_equal(o.inits, 0);                 /* refused before init */
	ops.init = failing_init;
	assert_int_equal(vmfs_set_policy(m, NULL, &ops, &o), -ENOMEM);
	assert_string_equal(mstat(m).policy, last);
	for (uint64_t p = 0; p < 24; p++)
		check_page(m, pid, p, 1);
	/* A custom policy is told of every resident page, and works. */
	o = (struct opt){ .base_vpn = BASE / PAGE };
	assert_int_equal(vmfs_set_policy(m, NULL, &opt_ops, &o), 0);
	assert_string_equal(mstat(m).policy, "opt");
	unsigned known = 0;
	for (uint64_t pfn = 0; pfn < o.nframes; pfn++)
		known += o.page[pfn] >= 0;
	assert_int_equal(known, 8 - mstat(m).frames_free);
	o.now = 0;     /* no reference string: every page is "never used again" */
	for (uint64_t p = 0; p < 24; p++)
		check_page(m, pid, p, 1);
	assert_int_equal(o.mismatches, 0);
	assert_true(o.victims > 0);
	/* Replacing it releases it. */
	assert_int_equal(vmfs_set_policy(m, "fifo", NULL, NULL), 0);
	assert_int_equal(o.releases, 1);
	for (uint64_t p = 0; p < 24; p++)
		check_page(m, pid, p, 1);
	vmfs_close(m);
	assert_int_equal(o.releases, 1);
}

/* A policy that names frames it may not: the engine refuses, nothing breaks. */
static int64_t bad_victim_pfn;

static int64_t bad_victim(void *state, struct vmfs_reclaim *rc,
			  const struct vmfs_page *incoming, uint64_t *scanned)
{
	(void)state;
	(void)rc;
	(void)incoming;
	(*scanned)++;
	return bad_victim_pfn;
}

static void nop_loaded(void *state, const struct vmfs_page *pg) { (void)state; (void)pg; }
static void nop_removed(void *state, uint64_t pfn) { (void)state; (void)pfn; }

static void test_misbehaving_policy(void **state)
{
	(void)state;
	static const struct vmfs_policy_ops bad = {
		.name = "bad", .loaded = nop_loaded, .accessed = nop_loaded,
		.removed = nop_removed, .victim = bad_victim,
	};
	static const int64_t victims[] = { -1, 8, 1000000, INT64_MAX };
	for (size_t i = 0; i < sizeof(victims) / sizeof(victims[0]); i++) {
		vmfs *m = open_machine("zero_page=0,frames=8");
		int pid = spawn(m, "pressure");
		map_pages(m, pid, BASE, 16, ANON_PRIV);
		for (uint64_t p = 0; p < 8; p++)
			write_page(m, pid, p, 1);
		bad_victim_pfn = victims[i];
		assert_int_equal(vmfs_set_policy(m, NULL, &bad, NULL), 0);   /* no init: fine */
		unsigned char c = 1;
		assert_int_equal(vmfs_write(m, pid, BASE + 8 * PAGE, &c, 1), -ENOMEM);
		assert_int_equal(vmfs_reclaim(m, 4), 0);
		for (uint64_t p = 0; p < 8; p++)
			check_page(m, pid, p, 1);
		assert_true(mstat(m).oom_kill >= 1);
		/* A good policy again, and pressure works. */
		assert_int_equal(vmfs_set_policy(m, "lru", NULL, NULL), 0);
		for (uint64_t p = 8; p < 16; p++)
			write_page(m, pid, p, 1);
		for (uint64_t p = 0; p < 16; p++)
			check_page(m, pid, p, 1);
		vmfs_close(m);
	}
}

/*
 * The engine's side of the policy contract, audited by a policy: loaded()
 * for a frame not already holding a page, accessed() only for a page it
 * announced and with the same identity (owner, index, anon), removed()
 * only for a frame holding one; and the pages it knows are exactly the
 * frames in use.  Victims are chosen round-robin among evictable frames.
 */
struct audit {
	uint64_t nframes, hand;
	struct vmfs_page *pg;    /* by pfn; pfn == UINT64_MAX: no page */
	uint64_t tracked;
	unsigned bad_load, bad_access, bad_remove, bad_victim, loads, removes, victims;
};

static int audit_init(void **state, uint64_t nframes, void *arg)
{
	struct audit *a = arg;
	*a = (struct audit){ .nframes = nframes };
	a->pg = malloc(nframes * sizeof(*a->pg));
	if (!a->pg)
		return -ENOMEM;
	for (uint64_t i = 0; i < nframes; i++)
		a->pg[i].pfn = UINT64_MAX;
	*state = a;
	return 0;
}

static void audit_release(void *state)
{
	struct audit *a = state;
	free(a->pg);
	a->pg = NULL;
}

static void audit_loaded(void *state, const struct vmfs_page *pg)
{
	struct audit *a = state;
	a->loads++;
	if (pg->pfn >= a->nframes || a->pg[pg->pfn].pfn != UINT64_MAX) {
		a->bad_load++;
		return;
	}
	a->pg[pg->pfn] = *pg;
	a->tracked++;
}

static void audit_accessed(void *state, const struct vmfs_page *pg)
{
	struct audit *a = state;
	const struct vmfs_page *known = pg->pfn < a->nframes ? &a->pg[pg->pfn] : NULL;
	if (!known || known->pfn != pg->pfn || known->owner != pg->owner ||
	    known->index != pg->index || known->anon != pg->anon)
		a->bad_access++;
}

static void audit_removed(void *state, uint64_t pfn)
{
	struct audit *a = state;
	a->removes++;
	if (pfn >= a->nframes || a->pg[pfn].pfn == UINT64_MAX) {
		a->bad_remove++;
		return;
	}
	a->pg[pfn].pfn = UINT64_MAX;
	a->tracked--;
}

static int64_t audit_victim(void *state, struct vmfs_reclaim *rc,
			    const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct audit *a = state;
	(void)incoming;
	a->victims++;
	for (uint64_t i = 0; i < a->nframes; i++) {
		uint64_t pfn = (a->hand + i) % a->nframes;
		(*scanned)++;
		if (vmfs_page_evictable(rc, pfn)) {
			if (a->pg[pfn].pfn == UINT64_MAX)
				a->bad_victim++;     /* the engine calls a free frame evictable */
			else {
				a->hand = pfn + 1;
				return (int64_t)pfn;
			}
		}
	}
	return -1;
}

static const struct vmfs_policy_ops audit_ops = {
	.name = "audit", .init = audit_init, .release = audit_release,
	.loaded = audit_loaded, .accessed = audit_accessed, .removed = audit_removed,
	.victim = audit_victim,
};

static void audit_check(vmfs *m, const struct audit *a, const char *when)
{
	struct vmfs_stat st = mstat(m);
	if (a->bad_load || a->bad_access || a->bad_remove || a->bad_victim ||
	    a->tracked != st.frames - st.frames_free)
		print_error("%s: %u bad loads, %u bad accesses, %u bad removes, %u free victims; "
			    "%" PRIu64 " pages known, %" PRIu64 " frames in use\n", when, a->bad_load,
			    a->bad_access, a->bad_remove, a->bad_victim, a->tracked,
			    st.frames - st.frames_free);
	assert_int_equal(a->bad_load, 0);
	assert_int_equal(a->bad_access, 0);
	assert_int_equal(a->bad_remove, 0);
	assert_int_equal(a->bad_victim, 0);
	assert_int_equal(a->tracked, st.frames - st.frames_free);
}

static uint64_t audit_rnd(uint64_t *x, uint64_t n)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x % n;
}

static void test_policy_contract_audit(void **state)
{
	(void)state;
	struct audit a;
	vmfs *m = open_machine("zero_page=0,frames=12");
	assert_int_equal(vmfs_set_policy(m, NULL, &audit_ops, &a), 0);
	static unsigned char obj[6 * PAGE];
	memset(obj, 0x33, sizeof(obj));
	assert_int_equal(vmfs_object_create(m, "lib", obj, sizeof(obj)), 0);
	int pids[6], npids = 0;
	uint64_t x = 88172645463325252ull;
	unsigned char buf[2 * PAGE];
	memset(buf, 0x77, sizeof(buf));
	for (int op = 0; op < 4000; op++) {
		if (npids == 0) {
			pids[npids++] = spawn(m, "pressure");
			continue;
		}
		int i = (int)audit_rnd(&x, (uint64_t)npids), pid = pids[i];
		uint64_t region = audit_rnd(&x, 4), page = audit_rnd(&x, 6);
		uint64_t addr = BASE + region * 0x100000 + page * PAGE;
		switch (audit_rnd(&x, 12)) {
		case 0:         /* (re)map a region: private, shared, or the object either way */
			vmfs_mmap(m, pid, BASE + region * 0x100000, 6 * PAGE, RW,
				  (region & 1 ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED |
				  (region < 2 ? MAP_ANONYMOUS : 0), region < 2 ? NULL : "lib", 0, NULL);
			break;
		case 1:
			vmfs_munmap(m, pid, addr, PAGE * (1 + audit_rnd(&x, 3)));
			break;
		case 2:
			if (npids < 6) {
				int child = vmfs_fork(m, pid);
				assert_true(child > 0);
				pids[npids++] = child;
			}
			break;
		case 3:
			if (audit_rnd(&x, 3) == 0) {
				assert_int_equal(vmfs_exit(m, pid), 0);
				pids[i] = pids[--npids];
			}
			break;
		case 4:
			vmfs_mprotect(m, pid, addr, PAGE, (int)audit_rnd(&x, 4));
			break;
		case 5:
			vmfs_reclaim(m, 1 + audit_rnd(&x, 6));
			break;
		case 6:
			vmfs_object_resize(m, "lib", (1 + audit_rnd(&x, 6)) * PAGE);
			break;
		case 7:
			vmfs_access(m, pid, addr, buf, sizeof(buf),
				    VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, NULL);
			break;
		case 8: case 9:
			vmfs_write(m, pid, addr, buf, 1 + audit_rnd(&x, sizeof(buf)));
			break;
		default:
			vmfs_read(m, pid, addr, buf, 1 + audit_rnd(&x, sizeof(buf)));
			break;
		}
		if (op % 97 == 0)
			audit_check(m, &a, "during the run");
	}
	audit_check(m, &a, "after the run");
	print_message("audit: %u loads, %u removes, %u victims\n", a.loads, a.removes, a.victims);
	assert_true(a.victims > 100);
	while (npids)
		assert_int_equal(vmfs_exit(m, pids[--npids]), 0);
	assert_int_equal(vmfs_object_remove(m, "lib"), 0);
	audit_check(m, &a, "after every exit");
	assert_int_equal(a.tracked, 0);
	assert_int_equal(a.loads, a.removes);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.swap_used, 0);
	assert_int_equal(st.frames_free, 12);
	vmfs_close(m);
}

/* ---- reclaim ------------------------------------------------------------------------ */

static void test_reclaim(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=16");
	assert_int_equal(vmfs_reclaim(m, 5), 0);     /* nothing resident */
	int pid = spawn(m, "pressure");
	map_pages(m, pid, BASE, 10, ANON_PRIV);
	for (uint64_t p = 0; p < 6; p++)
		write_page(m, pid, p, 1);
	for (uint64_t p = 6; p < 10; p++)
		check_page(m, pid, p, 0);
	struct vmfs_stat st = mstat(m);
	assert_int_equal(st.frames_free, 6);
	assert_int_equal(vmfs_reclaim(m, 0), 0);
	assert_int_equal(mstat(m).pgsteal_direct, st.pgsteal_direct);
	assert_int_equal(vmfs_reclaim(m, 3), 3);
	struct vmfs_stat st2 = mstat(m);
	assert_int_equal(st2.pgsteal_direct, st.pgsteal_direct + 3);
	assert_int_equal(st2.frames_free, 9);
	assert_true(st2.pgscan_direct >= st2.pgsteal_direct);
	struct vmfs_proc_stat ps = pstat(m, pid);
	assert_int_equal(ps.rss_anon, 7);
	assert_int_equal(ps.swap, st2.pswpout);      /* dirty ones went to swap */
	assert_int_equal(vmfs_reclaim(m, 100), 7);
	st = mstat(m);
	assert_int_equal(st.pgsteal_direct, 10);
	assert_int_equal(st.pswpout, 6);             /* exactly the written pages */
	assert_int_equal(st.frames_free, 16);
	assert_int_equal(pstat(m, pid).rss_anon, 0);
	assert_int_equal(pstat(m, pid).swap, 6);
	assert_int_equal(vmfs_reclaim(m, 100), 0);
	assert_int_equal(mstat(m).pgsteal_direct, 10);
	for (uint64_t p = 0; p < 10; p++)
		check_page(m, pid, p, p < 6 ? 1 : 0);
	assert_int_equal(mstat(m).pswpin, 6);
	assert_int_equal(vmfs_reclaim(m, UINT64_MAX), 10);
	assert_int_equal(mstat(m).pswpout, 6);       /* all clean now */
	for (uint64_t p = 0; p < 10; p++)
		check_page(m, pid, p, p < 6 ? 1 : 0);
	vmfs_close(m);
}

/* ---- reads handed out as pieces (vmfs_read_with) ------------------------------ */

struct gathered {
	unsigned char *buf;
	size_t         len, cap;
};

static int gather(void *arg, const struct iovec *iov, int iovcnt)
{
	struct gathered *g = arg;

	for (int i = 0; i < iovcnt; i++) {
		assert_true(g->len + iov[i].iov_len <= g->cap);
		memcpy(g->buf + g->len, iov[i].iov_base, iov[i].iov_len);
		g->len += iov[i].iov_len;
	}
	return 0;
}

/*
 * A read of more pages than there are frames runs short of frames only
 * because of its own pinned pieces, and then finishes by copying: no
 * oom_kill, no "page allocation failure" (it was a false alarm).  A read
 * that really cannot get a frame (dirty pages, no swap) still counts one
 * and logs one line, once.
 */
static void test_read_with_no_false_oom(void **state)
{
	unsigned char want[PAGE];
	struct gathered g = { .cap = 16 * PAGE };

	(void)state;
	g.buf = malloc(g.cap);
	assert_non_null(g.buf);
	for (int clean = 0; clean < 2; clean++) {
		vmfs *m = open_machine(clean ? "zero_page=0,frames=4,swap=none" : "zero_page=0,frames=4");
		int pid = spawn(m, "reader");

		map_pages(m, pid, BASE, 16, ANON_PRIV);
		for (uint64_t p = 0; p < 16 && !clean; p++)
			write_page(m, pid, p, 1);
		g.len = 0;
		assert_int_equal(vmfs_read_with(m, pid, BASE, 16 * PAGE, gather, &g), 16 * PAGE);
		assert_int_equal(g.len, 16 * PAGE);
		for (uint64_t p = 0; p < 16; p++) {
			if (clean)
				memset(want, 0, PAGE);
			else
				pattern(want, p, 1);
			assert_memory_equal(g.buf + p * PAGE, want, PAGE);
		}
		assert_int_equal(mstat(m).oom_kill, 0);
		assert_int_equal(kmsg_count(m, "page allocation failure"), 0);
		vmfs_close(m);
	}

	/* Four dirty pages and no swap: page 4 has no frame, pins or not. */
	vmfs *m = open_machine("zero_page=0,frames=4,swap=none");
	int pid = spawn(m, "reader");

	map_pages(m, pid, BASE, 8, ANON_PRIV);
	for (uint64_t p = 0; p < 4; p++)
		write_page(m, pid, p, 1);
	g.len = 0;
	assert_int_equal(vmfs_read_with(m, pid, BASE, 8 * PAGE, gather, &g), 4 * PAGE);
	assert_int_equal(mstat(m).oom_kill, 1);
	assert_int_equal(kmsg_count(m, "page allocation failure"), 1);
	g.len = 0;
	assert_int_equal(vmfs_read_with(m, pid, BASE + 4 * PAGE, PAGE, gather, &g), -ENOMEM);
	assert_int_equal(mstat(m).oom_kill, 2);
	assert_int_equal(kmsg_count(m, "page allocation failure"), 2);
	vmfs_close(m);
	free(g.buf);
}

/*
 * vmfs_statx: the basic figures (what the mount's lookup and getattr use)
 * are vmfs_stat's, the costly ones 0 unless asked for, then vmfs_stat's.
 */
static void test_statx_basic(void **state)
{
	(void)state;
	vmfs *m = open_machine("zero_page=0,frames=16");
	int pid = spawn(m, "stat");
	struct vmfs_stat all, basic, x;

	map_pages(m, pid, BASE, 8, ANON_PRIV);
	for (uint64_t p = 0; p < 8; p++)
		write_page(m, pid, p, 1);
	assert_int_equal(vmfs_reclaim(m, 2), 2);
	check_page(m, pid, 0, 1);
	assert_int_equal(vmfs_stat(m, &all), 0);
	assert_int_equal(vmfs_statx(m, &basic, 0), 0);
	assert_int_equal(vmfs_statx(m, &x, VMFS_STAT_ALL), 0);
	assert_true(all.anon_pages > 0 && all.swap_cached > 0 && all.tlb_miss > 0);
	assert_int_equal(basic.anon_pages + basic.swap_cached + basic.tlb_miss, 0);
	x.uptime_ns = basic.uptime_ns = all.uptime_ns;
	assert_memory_equal(&x, &all, sizeof(all));
	basic.tlb_hit = all.tlb_hit;
	basic.tlb_miss = all.tlb_miss;
	basic.swap_cached = all.swap_cached;
	basic.anon_pages = all.anon_pages;
	basic.file_pages = all.file_pages;
	basic.shmem_pages = all.shmem_pages;
	basic.mapped_pages = all.mapped_pages;
	basic.dirty_pages = all.dirty_pages;
	assert_memory_equal(&basic, &all, sizeof(all));
	assert_int_equal(vmfs_statx(m, NULL, 0), -EINVAL);
	vmfs_close(m);
}


/* ---- mlock and MADV_FREE under pressure (issue 14) ------------------------------ */

/*
 * A machine of 32 frames under @policy with a process whose pages 0 to
 * @first - 1 hold version 1, and 128 more pages mapped at page 64 (for
 * pressure_pass).
 */
static vmfs *pressure_machine(const char *policy, uint64_t first, int *pid)
{
	char opts[96];
	vmfs *m;

	snprintf(opts, sizeof(opts), "frames=32,zero_page=0,policy=%s", policy);
	m = open_machine(opts);
	*pid = spawn(m, "p");
	map_pages(m, *pid, BASE, first, ANON_PRIV);
	map_pages(m, *pid, BASE + 64 * PAGE, 128, ANON_PRIV);
	for (uint64_t p = 0; p < first; p++)
		write_page(m, *pid, p, 1);
	return m;
}

/* The 128 pages at page 64 written twice, through 32 frames. */
static void pressure_pass(vmfs *m, int pid)
{
	for (unsigned v = 1; v <= 2; v++)
		for (uint64_t p = 64; p < 64 + 128; p++)
			write_page(m, pid, p, v);
}

/*
 * Locked pages survive memory pressure under every policy: 8 pages
 * mlocked keep their frames (same pfn, never swapped) while 128 other
 * pages are written twice through 32 frames, and read back intact; with
 * every frame locked, the next allocation fails cleanly (-ENOMEM).
 */
static void test_mlock_survives_pressure(void **state)
{
	(void)state;
	for (size_t i = 0; i < NPOLICIES; i++) {
		uint64_t pm[8], now;
		int pid;
		vmfs *m = pressure_machine(builtin_policies[i], 8, &pid);

		assert_int_equal(vmfs_mlock(m, pid, BASE, 8 * PAGE, 0), 0);
		assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE, pm, 8), 8);
		pressure_pass(m, pid);
		for (uint64_t p = 0; p < 8; p++) {
			assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE + p, &now, 1), 1);
			if (now != pm[p])
				print_error("%s: locked page %" PRIu64 " moved\n", builtin_policies[i], p);
			assert_true(now == pm[p] && (now & VMFS_PM_PRESENT));
			check_page(m, pid, p, 1);
		}
		for (uint64_t p = 64; p < 64 + 128; p++)
			check_page(m, pid, p, 2);
		assert_true(mstat(m).pswpout > 0);
		assert_int_equal(vmfs_munmap(m, pid, BASE + 64 * PAGE, 128 * PAGE), 0);
		vmfs_close(m);
	}
}

/* Every frame locked: nothing to evict, the access fails with -ENOMEM, nothing lost. */
static void test_mlock_all_frames(void **state)
{
	vmfs *m = open_machine("frames=16,zero_page=0");
	int pid = spawn(m, "p");
	unsigned char c = 1;

	(void)state;
	map_pages(m, pid, BASE, 16, ANON_PRIV);
	map_pages(m, pid, BASE + 32 * PAGE, 1, ANON_PRIV);
	assert_int_equal(vmfs_mlock(m, pid, BASE, 16 * PAGE, 0), 0);
	assert_int_equal(mstat(m).frames_free, 0);
	assert_int_equal(vmfs_write(m, pid, BASE + 32 * PAGE, &c, 1), -ENOMEM);
	assert_int_equal(pstat(m, pid).rss_anon, 16);
	assert_int_equal(vmfs_munlock(m, pid, BASE, PAGE), 0);
	assert_int_equal(vmfs_write(m, pid, BASE + 32 * PAGE, &c, 1), 1);
	vmfs_close(m);
}

/*
 * MADV_FREE under pressure, every policy: the lazy pages reclaim takes go
 * without a swap write (pglazyfreed; none of them is in swap) and read
 * back as zeros (after a reclaim that takes whatever the pressure left);
 * the one written again after the advice is kept (swapped
 * if it had to go, its bytes intact).
 */
static void test_madv_free_under_pressure(void **state)
{
	(void)state;
	for (size_t i = 0; i < NPOLICIES; i++) {
		struct vmfs_mlock_stat ls;
		uint64_t gone = 0;
		int pid;
		vmfs *m = pressure_machine(builtin_policies[i], 16, &pid);

		assert_int_equal(vmfs_madvise(m, pid, BASE, 16 * PAGE, VMFS_MADV_FREE), 0);
		write_page(m, pid, 15, 3);                      /* written again: not lazy */
		pressure_pass(m, pid);
		/* a policy may keep them (clockpro's hot pages): reclaim takes the rest */
		assert_true(vmfs_reclaim(m, 64) > 0);
		for (uint64_t p = 0; p < 15; p++) {
			uint64_t e;

			assert_int_equal(vmfs_pagemap(m, pid, BASE / PAGE + p, &e, 1), 1);
			assert_false(e & VMFS_PM_SWAPPED);
			if (!(e & VMFS_PM_PRESENT)) {
				gone++;
				check_page(m, pid, p, 0);        /* dropped: zeros */
			} else {
				check_page(m, pid, p, 1);
			}
		}
		assert_int_equal(vmfs_mlock_stat(m, &ls), 0);
		if (ls.pglazyfreed != gone || gone == 0)
			print_error("%s: %" PRIu64 " lazy pages gone, pglazyfreed %" PRIu64 "\n",
				    builtin_policies[i], gone, ls.pglazyfreed);
		assert_true(gone == 15 && ls.pglazyfreed == gone);
		check_page(m, pid, 15, 3);
		vmfs_close(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_textbook_fifo),
		cmocka_unit_test(test_textbook_lru),
		cmocka_unit_test(test_textbook_clock),
		cmocka_unit_test(test_belady_anomaly),
		cmocka_unit_test(test_textbook_opt_custom_policy),
		cmocka_unit_test(test_textbook_bounds),
		cmocka_unit_test(test_ten_times_memory_fifo),
		cmocka_unit_test(test_ten_times_memory_lru),
		cmocka_unit_test(test_ten_times_memory_clock),
		cmocka_unit_test(test_ten_times_memory_arc),
		cmocka_unit_test(test_write_rules),
		cmocka_unit_test(test_swap_cache_round_trips),
		cmocka_unit_test(test_fork_shares_swapped_page),
		cmocka_unit_test(test_exit_releases_swap),
		cmocka_unit_test(test_shared_anon_eviction),
		cmocka_unit_test(test_oom_without_swap),
		cmocka_unit_test(test_clean_pages_evicted_without_swap),
		cmocka_unit_test(test_oom_swap_full),
		cmocka_unit_test(test_swap_file_is_sqlite),
		cmocka_unit_test(test_private_swap_file_removed),
		cmocka_unit_test(test_swap_file_in_use),
		cmocka_unit_test(test_swap_file_unusable),
		cmocka_unit_test(test_swap_none_sync),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_set_policy),
		cmocka_unit_test(test_misbehaving_policy),
		cmocka_unit_test(test_policy_contract_audit),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_read_with_no_false_oom),
		cmocka_unit_test(test_statx_basic),
		cmocka_unit_test(test_mlock_survives_pressure),
		cmocka_unit_test(test_mlock_all_frames),
		cmocka_unit_test(test_madv_free_under_pressure),
	};
	return cmocka_run_group_tests_name("pressure", tests, NULL, NULL);
}

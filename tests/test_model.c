/*
 * test_model.c - randomized model test of libvmfs through its public API.
 *
 * Thousands of random operations (spawn, fork, exit, anonymous mmap of every
 * kind, munmap, mprotect, read, write, exec and forced accesses) run on up to
 * MAX_PROCS processes of one machine, and every result is compared with a
 * trivially correct model: per process, a sorted array of pages, each with its
 * protection, whether it is shared, and a pointer to a 4096-byte buffer.
 * Private pages get their own buffer and are copied at fork (copy-on-write
 * done the slow, obviously right way); MAP_SHARED pages point at one
 * refcounted buffer that parent and child keep sharing after fork.  The
 * addresses come from two small windows (one at the bottom of user space, one
 * just below user_top, where top-down placement lands) so operations collide.
 *
 * What stays true, and is checked:
 *   - every return value is exactly the model's (PIDs, placement addresses,
 *     errno, bytes transferred: -EFAULT when the first page faults, a short
 *     count when a later one does);
 *   - every byte read equals the model's byte;
 *   - every N operations, vmfs_maps agrees page by page with the model (prot,
 *     shared or private; merging of neighbours is free), vmfs_pids lists the
 *     model's live processes, and translations agree: a present leaf exists
 *     only for a mapped page, its frame holds the model's bytes, each walk
 *     entry is the one in physical memory, a writable leaf is never shared
 *     with another buffer, and the pages of one shared buffer use one frame;
 *   - the TLB never changes a result (each seed runs with tlb=0 and tlb=8).
 *
 * Pressure mode (--frames N with N below the model's live pages, e.g. 8 to
 * 24, and --policy P): every operation runs under constant eviction and
 * swap-in, and the contents must simply be preserved; the model does not
 * change.  What the checks accept then, and still insist on:
 *   - a walk may end at a swap entry (VMFS_WALK_SWAPPED) only for a mapped
 *     private page, at full depth, with VMFS_PTE_SWAP set, P clear and the
 *     slot in the PFN bits; pages sharing a slot hold the same bytes in the
 *     model; a private page with any non-zero byte is resident or in swap,
 *     never gone (only never-written zero pages may be dropped);
 *   - RSS counts the resident leaves and the swap count the swap entries,
 *     per process and per mapping;
 *   - machine-wide, major faults == pswpin, pgsteal_direct >= pswpout, no
 *     oom_kill while swap is unlimited, and after the last exit every frame
 *     and every swap slot is back.
 * With --swap none or --swap-size SIZE an access that needs a frame may fail
 * with -ENOMEM (first page) or stop short at a page boundary (later page);
 * the model then takes exactly the bytes the engine reports done, and every
 * byte stays readable.
 *
 * Objects mode (--objects) adds named objects: create (with bytes or
 * zeros), write (growing), read, resize, remove, chmod, stat and list, sync,
 * reclaim on request (so pages may be evicted in every objects run, as in
 * pressure mode), whole-page reads of mapped object pages, and object
 * mappings, private and shared, at page offsets, that may reach past the
 * object's end.  The model of an
 * object is one buffer per page; a mapped object page shows its object's
 * buffer, so a shared write, an object write and a resize are seen by every
 * mapping at once, until a private page's first write gives it its own copy
 * (a private mapping never writes the object).  What it checks besides:
 *   - pages past the object's end fault SEGV_MAPERR; a truncate takes them
 *     out of every mapping, private copies included, and an extend brings
 *     zeros back; a shared writable mapping or mprotect of a read-only
 *     object is -EACCES, a removed name -ENOENT;
 *   - every object read and every mapped byte is the model's, however often
 *     the pages were evicted and read back from the store;
 *   - maps names each page's object (" (deleted)" once removed) and offset;
 *     an object page's leaf in a private mapping is read-only and COW until
 *     copied; pagemap's FILE bit is set exactly on page-cache pages; object
 *     pages never have swap entries; rss_file, rss_anon and rss_shmem count
 *     the leaves of each kind; stat and list show each object's size, mode
 *     and name, in order;
 *   - pgfault and pgmajfault are the sums of the faults every access
 *     reported, and after the objects are removed and the processes gone
 *     every frame is free.
 * The bytes a shared mapping could write past the end of an object, in its
 * last page, belong to no one (Linux may drop them), so the model's writes
 * stop short of them.
 *
 * Usage: test_model [--seed N | --seeds N] [--ops N] [--levels L] [--tlb N]
 *                   [--frames N] [--policy P] [--swap none]
 *                   [--swap-size SIZE] [--objects] [--long] [--verbose]
 * By default seeds 1..8 run at levels 2..6 (or the one --levels names) with
 * tlb=0 and tlb=8.  A failure prints the seed, the configuration, the
 * operation number and the operation, and the program exits 1; rerun with
 * the replay line it prints (--seed N --levels L --tlb T ... --verbose).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmfs.h"
#include "splitmix.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE          4096u
#define MAX_PROCS     12
#define WIN_PAGES     96          /* pages in each address window */
#define LOW_VPN       0x10ull     /* the low window starts at 0x10000 */
#define MIN_VPN       0x10ull     /* top-down placement never goes below */
#define PROC_BUDGET   300         /* most pages one process may map */
#define CHECK_EVERY   64          /* ops between vmfs_maps/translate checks */
#define FULL_EVERY    512         /* ops between whole-machine checks */
#define MACHINE_FRAMES 4096       /* > MAX_PROCS * PROC_BUDGET: never short */
#define POLICY_LEN     16
#define MAX_OBJS       4          /* --objects: names obj0 .. obj3 */
#define OBJ_PAGES      16         /* the largest object, in pages */

/* ---- the model ----------------------------------------------------------- */

struct buf {
	int refs;
	unsigned char d[PAGE];
};

struct mobj;

struct mpage {
	uint64_t vpn;
	int prot;
	bool shared;
	struct buf *b;
	/* --objects: an object page (o set) shows o's buffer at pgoff and b is
	 * NULL, until a private page's first write gives it its own copy in b. */
	struct mobj *o;
	uint64_t pgoff;
	bool copied;
};

struct mproc {
	int pid;
	struct mpage *pg;   /* sorted by vpn */
	size_t n, cap;
};

struct run {
	/* configuration */
	uint64_t seed;
	int levels;
	unsigned tlb;
	long ops;
	bool verbose;
	uint64_t frames;            /* MACHINE_FRAMES, or fewer in pressure mode */
	bool pressure;              /* pages may be evicted and swapped */
	bool may_oom;               /* swap=none or limited: -ENOMEM is allowed */
	char policy[POLICY_LEN];    /* "" for the default */
	char swap_size[32];         /* "" for unlimited */
	bool swap_none;
	bool objects;               /* --objects */
	/* engine */
	vmfs *m;
	uint64_t user_top, top_vpn;
	uint64_t kernel_pt_pages;   /* pagetable_pages with no process */
	/* model */
	struct mproc procs[MAX_PROCS];
	int nprocs;
	int next_pid;
	int dead_pid;       /* some exited PID, 0 if none yet */
	struct mobj *objs[MAX_OBJS];   /* the named objects, by slot */
	/* state */
	uint64_t rng;
	long opno;
	char op[256];
	bool failed;
	/* what the run exercised, printed at its end */
	struct {
		long mmap_ok, mmap_err, munmap, mprotect_ok, mprotect_err;
		long full, shortc, fault, forks, exits, checks;
		long enomem, swapped_seen;
		size_t max_pages;
		/* --objects */
		long obj_maps, obj_map_err, obj_calls, obj_err, obj_resizes, obj_removes;
		long past_end, copies, reclaims;
		uint64_t faults_seen, majors_seen;   /* as the accesses reported them */
	} n;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static struct buf *buf_new(void)
{
	struct buf *b = xmalloc(sizeof(*b));
	b->refs = 1;
	memset(b->d, 0, PAGE);
	return b;
}

static void buf_put(struct buf *b)
{
	if (--b->refs == 0)
		free(b);
}

/* ---- the model of objects (--objects) ---------------------------------------
 * An object is one buffer per page below its size (pg[i] set exactly for
 * i < obj_npages(size)); its bytes past the size are zero.  It lives while
 * it has its name (in run.objs) or a model page maps it. */

struct mobj {
	int refs;                   /* the name's, plus one per mpage with o == this */
	bool named;
	char name[8];
	unsigned mode;
	uint64_t size;
	struct buf *pg[OBJ_PAGES];
};

static uint64_t obj_npages(uint64_t size)
{
	return (size + PAGE - 1) / PAGE;
}

static void obj_put(struct mobj *o)
{
	if (--o->refs)
		return;
	for (int i = 0; i < OBJ_PAGES; i++)
		if (o->pg[i])
			buf_put(o->pg[i]);
	free(o);
}

/* An object page mapped where the object no longer reaches: it faults. */
static bool obj_past_end(const struct mpage *pg)
{
	return pg->o && pg->pgoff >= obj_npages(pg->o->size);
}

/* The page's bytes live in a private anonymous frame (an anonymous page, or
 * a private object page after its first write). */
static bool page_is_anon(const struct mpage *pg)
{
	return !pg->shared && (!pg->o || pg->copied);
}

/* The buffer whose bytes the page shows; NULL past its object's end. */
static struct buf *page_buf(const struct mpage *pg)
{
	if (!pg->o || pg->copied)
		return pg->b;
	return obj_past_end(pg) ? NULL : pg->o->pg[pg->pgoff];
}

/* The buffer a write to the page goes to: a private object page is copied first. */
static struct buf *page_write_buf(struct mpage *pg)
{
	if (pg->o && !pg->shared && !pg->copied) {
		pg->b = buf_new();
		memcpy(pg->b->d, page_buf(pg)->d, PAGE);
		pg->copied = true;
	}
	return page_buf(pg);
}

static void mpage_release(struct mpage *pg)
{
	if (pg->b)
		buf_put(pg->b);
	if (pg->o)
		obj_put(pg->o);
}

/* The child's page after fork: shared bytes stay shared, private ones are copied. */
static struct mpage mpage_dup(const struct mpage *parent)
{
	struct mpage pg = *parent;
	if (pg.o)
		pg.o->refs++;
	if (pg.b && pg.shared) {
		pg.b->refs++;
	} else if (pg.b) {
		pg.b = buf_new();
		memcpy(pg.b->d, parent->b->d, PAGE);
	}
	return pg;
}

/* Index of the first page with vpn >= @vpn. */
static size_t lower_bound(const struct mproc *p, uint64_t vpn)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->pg[mid].vpn < vpn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct mpage *page_at(const struct mproc *p, uint64_t vpn)
{
	size_t i = lower_bound(p, vpn);
	return i < p->n && p->pg[i].vpn == vpn ? &p->pg[i] : NULL;
}

static size_t pages_in(const struct mproc *p, uint64_t vpn, uint64_t npages)
{
	return lower_bound(p, vpn + npages) - lower_bound(p, vpn);
}

static void remove_range(struct mproc *p, uint64_t vpn, uint64_t npages)
{
	size_t a = lower_bound(p, vpn), b = lower_bound(p, vpn + npages);
	for (size_t i = a; i < b; i++)
		mpage_release(&p->pg[i]);
	if (b < p->n)     /* memmove with a NULL table is UB even for 0 bytes */
		memmove(&p->pg[a], &p->pg[b], (p->n - b) * sizeof(p->pg[0]));
	p->n -= b - a;
}

static void reserve(struct mproc *p, size_t n)
{
	if (n <= p->cap)
		return;
	size_t cap = p->cap ? p->cap : 64;
	while (cap < n)
		cap *= 2;
	struct mpage *pg = realloc(p->pg, cap * sizeof(*pg));
	if (!pg) {
		perror("realloc");
		exit(2);
	}
	p->pg = pg;
	p->cap = cap;
}

/* Map fresh zeroed pages at [vpn, vpn+npages), replacing what was there. */
static void map_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot,
		      bool shared)
{
	remove_range(p, vpn, npages);
	reserve(p, p->n + npages);
	size_t at = lower_bound(p, vpn);
	memmove(&p->pg[at + npages], &p->pg[at], (p->n - at) * sizeof(p->pg[0]));
	for (uint64_t i = 0; i < npages; i++)
		p->pg[at + i] = (struct mpage){ .vpn = vpn + i, .prot = prot, .shared = shared,
						.b = buf_new() };
	p->n += npages;
}

static void proc_free(struct mproc *p)
{
	for (size_t i = 0; i < p->n; i++)
		mpage_release(&p->pg[i]);
	free(p->pg);
	memset(p, 0, sizeof(*p));
}

static void proc_copy(struct mproc *child, const struct mproc *parent, int pid)
{
	memset(child, 0, sizeof(*child));
	child->pid = pid;
	reserve(child, parent->n);
	for (size_t i = 0; i < parent->n; i++)
		child->pg[i] = mpage_dup(&parent->pg[i]);
	child->n = parent->n;
}

/* Map pages @pgoff.. of object @o at [vpn, vpn+npages), replacing what was there. */
static void map_obj_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot,
			  bool shared, struct mobj *o, uint64_t pgoff)
{
	map_range(p, vpn, npages, prot, shared);
	for (size_t i = lower_bound(p, vpn); i < lower_bound(p, vpn + npages); i++) {
		struct mpage *pg = &p->pg[i];
		buf_put(pg->b);
		pg->b = NULL;
		pg->o = o;
		pg->pgoff = pgoff + (pg->vpn - vpn);
		o->refs++;
	}
}

/* Where a non-fixed mapping of @npages goes: top of the highest free gap
 * below user_top, looking only above MIN_VPN.  0 when there is no room. */
static uint64_t top_down(const struct mproc *p, uint64_t top_vpn, uint64_t npages)
{
	uint64_t hi = top_vpn;
	for (size_t k = p->n + 1; k-- > 0;) {
		uint64_t lo = k > 0 ? p->pg[k - 1].vpn + 1 : 0;
		if (lo < MIN_VPN)
			lo = MIN_VPN;
		if (hi > lo && hi - lo >= npages)
			return hi - npages;
		if (k == 0)
			break;
		hi = p->pg[k - 1].vpn;
		if (hi <= MIN_VPN)
			break;
	}
	return 0;
}

/* ---- randomness ---------------------------------------------------------- */

static uint64_t next_rand(struct run *r)
{
	return splitmix64(&r->rng);
}

static uint64_t rnd(struct run *r, uint64_t n)
{
	return n ? next_rand(r) % n : 0;
}

static bool chance(struct run *r, unsigned percent)
{
	return rnd(r, 100) < percent;
}

/* ---- reporting ----------------------------------------------------------- */

static void set_op(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_op(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->op, sizeof(r->op), fmt, ap);
	va_end(ap);
	if (r->verbose)
		printf("  op %ld: %s\n", r->opno, r->op);
}

static void fail(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The command-line options that rebuild @r's machine. */
static const char *config_args(const struct run *r)
{
	static char buf[160];
	int n = snprintf(buf, sizeof(buf), "--levels %d --tlb %u", r->levels, r->tlb);
	if (r->frames != MACHINE_FRAMES)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " --frames %" PRIu64, r->frames);
	if (r->policy[0])
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " --policy %s", r->policy);
	if (r->swap_none)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " --swap none");
	if (r->swap_size[0])
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " --swap-size %s", r->swap_size);
	if (r->objects)
		snprintf(buf + n, sizeof(buf) - (size_t)n, " --objects");
	return buf;
}

static void fail(struct run *r, const char *fmt, ...)
{
	if (r->failed)
		return;
	r->failed = true;
	printf("MISMATCH seed %" PRIu64 " (%s), op %ld: %s\n  ", r->seed, config_args(r),
	       r->opno, r->op);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  (replay: --seed %" PRIu64 " %s --ops %ld --verbose)\n", r->seed,
	       config_args(r), r->opno + 1);
	fflush(stdout);
}

static void expect_eq(struct run *r, const char *what, int64_t expected, int64_t got)
{
	if (expected != got)
		fail(r, "%s: expected %" PRId64 " (0x%" PRIx64 "), got %" PRId64
		     " (0x%" PRIx64 ")%s%s", what, expected, (uint64_t)expected,
		     got, (uint64_t)got, got < 0 ? " - " : "",
		     got < 0 ? vmfs_errmsg() : "");
}

static const char *prot_str(int prot)
{
	static const char *s[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
	return s[prot & 7];
}

/* ---- picking things ------------------------------------------------------- */

static struct mproc *pick_proc(struct run *r)
{
	return &r->procs[rnd(r, (uint64_t)r->nprocs)];
}

/* A page number that may or may not be mapped: one of the two windows, or
 * next to a page the process has (covers pages placed outside the windows). */
static uint64_t pick_vpn(struct run *r, const struct mproc *p)
{
	uint64_t k = rnd(r, 10);
	if (k < 4 || (k >= 8 && p->n == 0))
		return LOW_VPN + rnd(r, WIN_PAGES);
	if (k < 8)
		return r->top_vpn - WIN_PAGES + rnd(r, WIN_PAGES);
	uint64_t vpn = p->pg[rnd(r, p->n)].vpn + rnd(r, 5);
	return vpn >= 2 + MIN_VPN ? vpn - 2 : vpn;
}

static uint64_t pick_npages(struct run *r)
{
	return chance(r, 85) ? 1 + rnd(r, 6) : 1 + rnd(r, 24);
}

/* ---- checks --------------------------------------------------------------- */

/* --objects: the mapping @e covering @vpn names the page's object (and
 * " (deleted)" once removed) at the page's offset, or none for anonymous
 * memory. */
static void check_map_object(struct run *r, int pid, const struct vmfs_map *e, uint64_t vpn,
			     const struct mpage *pg)
{
	char want[32] = "";
	if (pg->o)
		snprintf(want, sizeof(want), "%s%s", pg->o->name, pg->o->named ? "" : " (deleted)");
	if (strcmp(e->object, want))
		fail(r, "pid %d: page %#" PRIx64 " of map [%#" PRIx64 ", %#" PRIx64 "): object \"%s\","
		     " model \"%s\"", pid, vpn * PAGE, e->start, e->end, e->object, want);
	else if (pg->o && e->offset / PAGE + (vpn - e->start / PAGE) != pg->pgoff)
		fail(r, "pid %d: page %#" PRIx64 ": map [%#" PRIx64 ", %#" PRIx64 ") at offset %#"
		     PRIx64 " puts it at object page %" PRIu64 ", model %" PRIu64, pid, vpn * PAGE,
		     e->start, e->end, e->offset, e->offset / PAGE + (vpn - e->start / PAGE),
		     pg->pgoff);
	else if (!(e->flags & MAP_ANONYMOUS) != !!pg->o)
		fail(r, "pid %d: map [%#" PRIx64 ", %#" PRIx64 ") flags %#x for %s memory", pid,
		     e->start, e->end, e->flags, pg->o ? "object" : "anonymous");
}

/* --objects: a resident leaf of @pg (pid @pid, page @vpn).  An object page
 * in a private mapping is never writable and always COW until copied; the
 * pagemap's FILE bit is set exactly on page-cache pages. */
static void check_object_leaf(struct run *r, int pid, uint64_t vpn, const struct mpage *pg,
			      uint64_t leaf)
{
	if (pg->o && !pg->shared && !pg->copied &&
	    ((leaf & VMFS_PTE_RW) || !(leaf & VMFS_PTE_COW)))
		fail(r, "pid %d page %#" PRIx64 ": private mapping of %s page %" PRIu64 " has leaf %#"
		     PRIx64 " (writable or not COW): a write could reach the object", pid,
		     vpn * PAGE, pg->o->name, pg->pgoff, leaf);
	uint64_t pm = 0;
	if (vmfs_pagemap(r->m, pid, vpn, &pm, 1) != 1)
		fail(r, "vmfs_pagemap(%d, %#" PRIx64 ") failed", pid, vpn);
	else if (!(pm & VMFS_PM_PRESENT) || !!(pm & VMFS_PM_FILE) != !page_is_anon(pg))
		fail(r, "pid %d page %#" PRIx64 ": pagemap %#" PRIx64 " for a %s page", pid,
		     vpn * PAGE, pm, page_is_anon(pg) ? "private anonymous" : "page-cache");
}

static int find_proc(const struct run *r, int pid)
{
	for (int i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return i;
	return -1;
}

static void check_pids(struct run *r)
{
	int pids[MAX_PROCS + 4];
	int n = vmfs_pids(r->m, pids, MAX_PROCS + 4);
	expect_eq(r, "vmfs_pids count", r->nprocs, n);
	if (r->failed)
		return;
	int prev = 0;
	for (int i = 0; i < n; i++) {
		if (pids[i] <= prev)
			fail(r, "vmfs_pids not ascending at %d: %d after %d", i, pids[i], prev);
		if (find_proc(r, pids[i]) < 0)
			fail(r, "vmfs_pids lists %d, which the model does not have", pids[i]);
		prev = pids[i];
	}
}

static void check_maps(struct run *r, const struct mproc *p)
{
	static struct vmfs_map maps[1024];
	r->n.checks++;
	int n = vmfs_maps(r->m, p->pid, maps, 1024);
	if (n < 0 || n > 1024) {
		fail(r, "vmfs_maps(%d) returned %d", p->pid, n);
		return;
	}
	size_t covered = 0;
	uint64_t prev_end = 0;
	for (int i = 0; i < n && !r->failed; i++) {
		const struct vmfs_map *e = &maps[i];
		if (e->start >= e->end || (e->start | e->end) % PAGE || e->start < prev_end ||
		    e->end > r->user_top) {
			fail(r, "pid %d: bad map [%#" PRIx64 ", %#" PRIx64 ") after %#" PRIx64,
			     p->pid, e->start, e->end, prev_end);
			return;
		}
		prev_end = e->end;
		bool shared = (e->flags & MAP_SHARED) != 0;
		if (!!(e->flags & MAP_SHARED) == !!(e->flags & MAP_PRIVATE))
			fail(r, "pid %d: map [%#" PRIx64 ", %#" PRIx64 ") flags %#x",
			     p->pid, e->start, e->end, e->flags);
		for (uint64_t vpn = e->start / PAGE; vpn < e->end / PAGE; vpn++) {
			const struct mpage *pg = page_at(p, vpn);
			if (!pg) {
				fail(r, "pid %d: vmfs_maps has [%#" PRIx64 ", %#" PRIx64 ") %s %s, "
				     "but the model has nothing at %#" PRIx64, p->pid, e->start,
				     e->end, prot_str(e->prot), shared ? "shared" : "private",
				     vpn * PAGE);
				return;
			}
			if (pg->prot != e->prot || pg->shared != shared) {
				fail(r, "pid %d: page %#" PRIx64 ": model %s %s, vmfs_maps %s %s "
				     "([%#" PRIx64 ", %#" PRIx64 "))", p->pid, vpn * PAGE,
				     prot_str(pg->prot), pg->shared ? "shared" : "private",
				     prot_str(e->prot), shared ? "shared" : "private",
				     e->start, e->end);
				return;
			}
			if (r->objects)
				check_map_object(r, p->pid, e, vpn, pg);
			covered++;
		}
	}
	if (!r->failed && covered != p->n) {
		/* find the first model page vmfs_maps does not cover */
		for (size_t k = 0; k < p->n; k++) {
			uint64_t a = p->pg[k].vpn * PAGE;
			bool in = false;
			for (int i = 0; i < n; i++)
				in |= a >= maps[i].start && a < maps[i].end;
			if (!in) {
				fail(r, "pid %d: model maps %#" PRIx64 " %s, vmfs_maps does not",
				     p->pid, a, prot_str(p->pg[k].prot));
				return;
			}
		}
		fail(r, "pid %d: vmfs_maps covers %zu pages, the model %zu", p->pid, covered, p->n);
	}
	struct vmfs_proc_stat ps;
	int rc = vmfs_proc_stat(r->m, p->pid, &ps);
	expect_eq(r, "vmfs_proc_stat", 0, rc);
	if (!rc) {
		expect_eq(r, "vmfs_proc_stat vm_pages", (int64_t)p->n, (int64_t)ps.vm_pages);
		expect_eq(r, "vmfs_proc_stat nr_maps", n, (int64_t)ps.nr_maps);
	}
}

static uint64_t phys_u64(struct run *r, uint64_t paddr)
{
	unsigned char b[8];
	uint64_t v = 0;
	ssize_t got = vmfs_phys_read(r->m, paddr, b, 8);
	if (got != 8) {
		fail(r, "vmfs_phys_read(%#" PRIx64 ", 8) returned %zd", paddr, got);
		return 0;
	}
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static uint32_t expected_index(int levels, int i, uint64_t addr)
{
	int shift = 12 + 9 * (levels - 1 - i);
	int bits = 64 - shift < 9 ? 64 - shift : 9;
	return (uint32_t)((addr >> shift) & ((1ull << bits) - 1));
}

/* One present private page, or one present page of a shared buffer, or (in
 * pressure mode) one private page in swap, as seen by the whole-machine
 * check. */
struct seen {
	bool present;       /* the rest is valid; frame is a frame */
	bool swapped;       /* the rest is valid; frame is the swap slot */
	uint64_t frame;
	const struct buf *b;
	bool rw, shared;
	int pid;
	uint64_t vpn;
	size_t mapcount;    /* present entries mapping the frame, all processes */
	int kind;           /* KIND_*: which RSS counter the page is in */
};

enum { KIND_ANON, KIND_SHMEM, KIND_FILE };

static int page_kind(const struct mpage *pg)
{
	return page_is_anon(pg) ? KIND_ANON : pg->o ? KIND_FILE : KIND_SHMEM;
}

/* Translate @vpn of @p (at byte offset @off) and check the walk against
 * physical memory and the model.  Fills @s (neither present nor swapped:
 * no page there). */
static void check_translate(struct run *r, const struct mproc *p, uint64_t vpn,
			    unsigned off, struct seen *s)
{
	if (vpn >= r->top_vpn)
		vpn = r->top_vpn - 1;
	uint64_t addr = vpn * PAGE + off;
	struct vmfs_walk w;
	const struct mpage *pg = page_at(p, vpn);
	if (s)
		memset(s, 0, sizeof(*s));
	int rc = vmfs_translate(r->m, p->pid, addr, &w);
	if (rc) {
		fail(r, "vmfs_translate(%d, %#" PRIx64 ") returned %d", p->pid, addr, rc);
		return;
	}
	if (w.levels != r->levels || w.depth < 1 || w.depth > r->levels) {
		fail(r, "walk of %#" PRIx64 ": levels %d depth %d", addr, w.levels, w.depth);
		return;
	}
	for (int i = 0; i < w.depth && !r->failed; i++) {
		const struct vmfs_walk_level *l = &w.level[i];
		if (l->index != expected_index(r->levels, i, addr))
			fail(r, "walk of %#" PRIx64 ": level %d index %u, expected %u", addr,
			     i, l->index, expected_index(r->levels, i, addr));
		uint64_t e = phys_u64(r, l->table + 8 * (uint64_t)l->index);
		if (e != l->entry)
			fail(r, "walk of %#" PRIx64 ": level %d entry %#" PRIx64 " but physical "
			     "memory at %#" PRIx64 " holds %#" PRIx64, addr, i, l->entry,
			     l->table + 8 * (uint64_t)l->index, e);
		if (i + 1 < w.depth && ((l->entry & VMFS_PTE_PFN_MASK) != w.level[i + 1].table ||
					!(l->entry & VMFS_PTE_P)))
			fail(r, "walk of %#" PRIx64 ": level %d entry %#" PRIx64 " does not "
			     "point at the next table %#" PRIx64, addr, i, l->entry,
			     w.level[i + 1].table);
	}
	if (r->failed)
		return;
	if (w.mapped != (pg != NULL))
		fail(r, "walk of %#" PRIx64 " in pid %d: mapped %d, model %s", addr, p->pid,
		     w.mapped, pg ? "mapped" : "unmapped");
	else if (pg && (w.prot != pg->prot || !!(w.flags & MAP_SHARED) != pg->shared))
		fail(r, "walk of %#" PRIx64 ": prot %s flags %#x, model %s %s", addr,
		     prot_str(w.prot), w.flags, prot_str(pg->prot),
		     pg->shared ? "shared" : "private");
	if (r->failed)
		return;
	uint64_t leaf = w.level[w.depth - 1].entry;
	switch (w.state) {
	case VMFS_WALK_NONE:
		/* Never touched, or (under pressure) a never-written zero page
		 * dropped: either way the model's private page is all zero.  (An
		 * object page may go at any time: its bytes are in the object.) */
		if (pg && page_is_anon(pg)) {
			for (unsigned i = 0; i < PAGE; i++)
				if (pg->b->d[i]) {
					fail(r, "walk of %#" PRIx64 ": no page, but the model's private "
					     "page holds %#x at offset %u%s", addr, pg->b->d[i], i,
					     r->pressure ? " (a page with data must be resident or "
					     "in swap)" : "");
					return;
				}
		}
		return;
	case VMFS_WALK_PRESENT:
	case VMFS_WALK_PROTNONE:
		break;
	case VMFS_WALK_SWAPPED:
		if (!r->pressure) {
			fail(r, "walk of %#" PRIx64 ": swapped (leaf %#" PRIx64 "), but memory "
			     "is never short here", addr, leaf);
			return;
		}
		/* Only private anonymous pages have swap entries: a shared page
		 * lives on in its object, its entries simply go. */
		if (!pg || !page_is_anon(pg)) {
			fail(r, "walk of %#" PRIx64 ": swap entry %#" PRIx64 " for a %s page", addr,
			     leaf, !pg ? "unmapped" : pg->shared ? "shared" : "private object");
			return;
		}
		if (w.depth != r->levels || !(leaf & VMFS_PTE_SWAP) || (leaf & VMFS_PTE_P) ||
		    w.swap_slot == 0 || (leaf & VMFS_PTE_PFN_MASK) >> 12 != w.swap_slot || w.paddr)
			fail(r, "walk of %#" PRIx64 ": swapped at depth %d, leaf %#" PRIx64 ", slot %"
			     PRIu64 ", paddr %#" PRIx64, addr, w.depth, leaf, w.swap_slot, w.paddr);
		else if (s)
			*s = (struct seen){ .swapped = true, .frame = w.swap_slot, .b = pg->b,
					    .pid = p->pid, .vpn = vpn, .kind = KIND_ANON };
		r->n.swapped_seen++;
		return;
	default:
		fail(r, "walk of %#" PRIx64 ": state %d", addr, w.state);
		return;
	}
	bool protnone = w.state == VMFS_WALK_PROTNONE;
	if (!pg || protnone != (pg->prot == PROT_NONE)) {
		fail(r, "walk of %#" PRIx64 ": state %s, model %s", addr,
		     protnone ? "PROTNONE" : "PRESENT",
		     pg ? prot_str(pg->prot) : "unmapped");
		return;
	}
	const struct buf *pb = page_buf(pg);
	if (!pb) {
		fail(r, "walk of %#" PRIx64 ": resident, but it is page %" PRIu64 " of %s, past "
		     "the object's end (%" PRIu64 " bytes)", addr, pg->pgoff, pg->o->name,
		     pg->o->size);
		return;
	}
	if (r->objects)
		check_object_leaf(r, p->pid, vpn, pg, leaf);
	if (w.depth != r->levels)
		fail(r, "walk of %#" PRIx64 ": resident leaf at depth %d", addr, w.depth);
	if (w.paddr != (leaf & VMFS_PTE_PFN_MASK) + off)
		fail(r, "walk of %#" PRIx64 ": paddr %#" PRIx64 ", leaf %#" PRIx64, addr,
		     w.paddr, leaf);
	if (!protnone && (!(leaf & VMFS_PTE_P) || !(leaf & VMFS_PTE_US)))
		fail(r, "walk of %#" PRIx64 ": present leaf %#" PRIx64 " lacks P or US", addr, leaf);
	if ((leaf & VMFS_PTE_RW) && !(pg->prot & PROT_WRITE))
		fail(r, "walk of %#" PRIx64 ": leaf %#" PRIx64 " writable, prot %s", addr,
		     leaf, prot_str(pg->prot));
	if (!protnone && !(leaf & VMFS_PTE_NX) != !!(pg->prot & PROT_EXEC))
		fail(r, "walk of %#" PRIx64 ": leaf %#" PRIx64 " NX disagrees with prot %s",
		     addr, leaf, prot_str(pg->prot));
	if (r->failed)
		return;
	unsigned char frame[PAGE];
	ssize_t got = vmfs_phys_read(r->m, w.paddr - off, frame, PAGE);
	if (got != PAGE) {
		fail(r, "vmfs_phys_read(%#" PRIx64 ", 4096) returned %zd", w.paddr - off, got);
		return;
	}
	for (unsigned i = 0; i < PAGE; i++)
		if (frame[i] != pb->d[i]) {
			fail(r, "pid %d page %#" PRIx64 " in frame %#" PRIx64 ": byte %u is %#x, "
			     "model %#x", p->pid, vpn * PAGE, w.paddr - off, i, frame[i],
			     pb->d[i]);
			return;
		}
	if (s)
		*s = (struct seen){ .present = true, .frame = w.paddr >> 12, .b = pb,
				    .rw = (leaf & VMFS_PTE_RW) != 0, .shared = pg->shared,
				    .pid = p->pid, .vpn = vpn, .kind = page_kind(pg) };
}

static int cmp_frame(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static int cmp_buf(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	return x->b < y->b ? -1 : x->b > y->b;
}

static int cmp_page(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->vpn < y->vpn ? -1 : x->vpn > y->vpn;
}

/* Resident-page accounting of @p agrees with its present leaves @s[0..n)
 * and its swap entries @w[0..nw) (each sorted by address): vmfs_proc_stat's
 * rss_anon, rss_shmem and swap, and each mapping's rss, anon, shared (frame
 * mapped by more than one table) and swap. */
static void check_rss(struct run *r, const struct mproc *p, const struct seen *s, size_t n,
		      const struct seen *w, size_t nw)
{
	static struct vmfs_map maps[1024];
	struct vmfs_proc_stat ps;
	uint64_t anon = 0, shmem = 0, file = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].kind == KIND_SHMEM)
			shmem++;
		else if (s[i].kind == KIND_FILE)
			file++;
		else
			anon++;
	}
	if (vmfs_proc_stat(r->m, p->pid, &ps)) {
		fail(r, "vmfs_proc_stat(%d) failed", p->pid);
		return;
	}
	expect_eq(r, "rss_anon (present private leaves)", (int64_t)anon, (int64_t)ps.rss_anon);
	expect_eq(r, "rss_shmem (present shared leaves)", (int64_t)shmem, (int64_t)ps.rss_shmem);
	expect_eq(r, "rss_file (present object leaves)", (int64_t)file, (int64_t)ps.rss_file);
	expect_eq(r, "swap (swap entries)", (int64_t)nw, (int64_t)ps.swap);
	int nm = vmfs_maps(r->m, p->pid, maps, 1024);
	size_t i = 0, j = 0;
	for (int k = 0; k < nm && k < 1024 && !r->failed; k++) {
		uint64_t rss = 0, an = 0, sh = 0, sw = 0;
		while (i < n && s[i].vpn * PAGE < maps[k].end) {
			if (s[i].vpn * PAGE >= maps[k].start) {
				rss++;
				an += s[i].kind == KIND_ANON;
				sh += s[i].mapcount > 1;
			}
			i++;
		}
		while (j < nw && w[j].vpn * PAGE < maps[k].end) {
			sw += w[j].vpn * PAGE >= maps[k].start;
			j++;
		}
		if (maps[k].rss != rss || maps[k].anon != an || maps[k].shared != sh ||
		    maps[k].swap != sw)
			fail(r, "pid %d map [%#" PRIx64 ", %#" PRIx64 "): rss %" PRIu64 " anon %"
			     PRIu64 " shared %" PRIu64 " swap %" PRIu64 ", page tables say rss %"
			     PRIu64 " anon %" PRIu64 " shared %" PRIu64 " swap %" PRIu64, p->pid,
			     maps[k].start, maps[k].end, maps[k].rss, maps[k].anon, maps[k].shared,
			     maps[k].swap, rss, an, sh, sw);
	}
}

/* The entries of @s[0..n) (sorted by pid, then address) that belong to @pid. */
static const struct seen *proc_range(const struct seen *s, size_t n, int pid, size_t *count)
{
	size_t a = 0, b;
	while (a < n && s[a].pid != pid)
		a++;
	for (b = a; b < n && s[b].pid == pid; b++)
		;
	*count = b - a;
	return s + a;
}

/* --objects: major faults are swap-ins or object pages read from the store,
 * and the machine counts exactly the faults the accesses reported. */
static void check_object_counters(struct run *r, const struct vmfs_stat *st)
{
	if (st->pgmajfault < st->pswpin)
		fail(r, "pgmajfault %" PRIu64 " < pswpin %" PRIu64, st->pgmajfault, st->pswpin);
	expect_eq(r, "pgfault == the faults the accesses reported", (int64_t)r->n.faults_seen,
		  (int64_t)st->pgfault);
	expect_eq(r, "pgmajfault == the major faults the accesses reported",
		  (int64_t)r->n.majors_seen, (int64_t)st->pgmajfault);
}

/* The machine-wide counters agree with each other (and, with unlimited swap,
 * no allocation ever failed). */
static void check_counters(struct run *r)
{
	struct vmfs_stat st;
	if (vmfs_stat(r->m, &st)) {
		fail(r, "vmfs_stat failed");
		return;
	}
	if (!r->objects)
		expect_eq(r, "pgmajfault == pswpin", (int64_t)st.pswpin, (int64_t)st.pgmajfault);
	else
		check_object_counters(r, &st);
	if (st.pgsteal_direct < st.pswpout || st.pgscan_direct < st.pgsteal_direct)
		fail(r, "pgscan_direct %" PRIu64 ", pgsteal_direct %" PRIu64 ", pswpout %" PRIu64,
		     st.pgscan_direct, st.pgsteal_direct, st.pswpout);
	if (!r->pressure)
		expect_eq(r, "pgsteal_direct with memory to spare", 0, (int64_t)st.pgsteal_direct);
	if (!r->may_oom)
		expect_eq(r, "oom_kill with unlimited swap", 0, (int64_t)st.oom_kill);
	if (st.swap_total && st.swap_used > st.swap_total)
		fail(r, "swap_used %" PRIu64 " > swap_total %" PRIu64, st.swap_used, st.swap_total);
	if (st.swap_cached > st.frames - st.frames_free)
		fail(r, "swap_cached %" PRIu64 " with %" PRIu64 " frames in use", st.swap_cached,
		     st.frames - st.frames_free);
	if (r->policy[0] && strcmp(st.policy, r->policy))
		fail(r, "vmfs_stat policy \"%s\", asked for \"%s\"", st.policy, r->policy);
}

/* Translate every page of every process; then no frame that a writable leaf
 * maps holds a second buffer, the present pages of a shared buffer all use
 * one frame, and the model pages that share a swap slot hold the same
 * bytes. */
static void check_all(struct run *r)
{
	size_t total = 0, n = 0, nw = 0;
	for (int i = 0; i < r->nprocs; i++)
		total += r->procs[i].n;
	struct seen *s = xmalloc((total + 1) * sizeof(*s));
	struct seen *w = xmalloc((total + 1) * sizeof(*w));
	for (int i = 0; i < r->nprocs && !r->failed; i++) {
		const struct mproc *p = &r->procs[i];
		check_maps(r, p);
		for (size_t k = 0; k < p->n && !r->failed; k++) {
			check_translate(r, p, p->pg[k].vpn, (unsigned)rnd(r, PAGE), &s[n]);
			if (s[n].swapped)
				w[nw++] = s[n];
			else if (s[n].present)
				n++;
		}
	}
	qsort(s, n, sizeof(*s), cmp_frame);
	size_t frames_used = 0;
	for (size_t a = 0; a < n && !r->failed;) {
		size_t b = a;
		bool distinct = false, rw = false;
		while (b < n && s[b].frame == s[a].frame) {
			distinct |= s[b].b != s[a].b;
			rw |= s[b].rw;
			b++;
		}
		for (size_t k = a; k < b; k++)
			s[k].mapcount = b - a;
		frames_used++;
		if (distinct && rw)
			fail(r, "frame %#" PRIx64 " holds pid %d page %#" PRIx64 " and pid %d page %#"
			     PRIx64 " (different model pages), and one leaf is writable",
			     s[a].frame, s[a].pid, s[a].vpn * PAGE, s[b - 1].pid, s[b - 1].vpn * PAGE);
		a = b;
	}
	qsort(s, n, sizeof(*s), cmp_buf);
	for (size_t a = 1; a < n && !r->failed; a++)
		if (s[a].b == s[a - 1].b && s[a].frame != s[a - 1].frame)
			fail(r, "shared page: pid %d %#" PRIx64 " in frame %#" PRIx64 ", pid %d %#"
			     PRIx64 " in frame %#" PRIx64, s[a - 1].pid, s[a - 1].vpn * PAGE,
			     s[a - 1].frame, s[a].pid, s[a].vpn * PAGE, s[a].frame);
	/* One slot holds one page: whoever refers to it must agree on its bytes
	 * (the processes of a fork family that have not written it since). */
	qsort(w, nw, sizeof(*w), cmp_frame);
	for (size_t a = 1; a < nw && !r->failed; a++)
		if (w[a].frame == w[a - 1].frame && w[a].b != w[a - 1].b &&
		    memcmp(w[a].b->d, w[a - 1].b->d, PAGE))
			fail(r, "swap slot %" PRIu64 " is pid %d page %#" PRIx64 " and pid %d page %#"
			     PRIx64 ", whose bytes differ in the model", w[a].frame, w[a - 1].pid,
			     w[a - 1].vpn * PAGE, w[a].pid, w[a].vpn * PAGE);
	/* Frames in use are at least those the page tables reach (shared pages
	 * may also sit unmapped in their object's page cache, and read-back
	 * pages in the swap cache). */
	struct vmfs_stat st;
	vmfs_stat(r->m, &st);
	if (!r->failed && r->frames - st.frames_free < frames_used)
		fail(r, "%zu distinct frames are mapped, but frames_free is %" PRIu64 " of %" PRIu64,
		     frames_used, st.frames_free, r->frames);
	/* Slots in use are at least the distinct slots the page tables hold. */
	size_t slots = 0;
	for (size_t a = 0; a < nw; a++)
		slots += a == 0 || w[a].frame != w[a - 1].frame;
	if (!r->failed && st.swap_used < slots)
		fail(r, "%zu distinct swap slots in the page tables, but swap_used is %" PRIu64,
		     slots, st.swap_used);
	check_counters(r);
	qsort(s, n, sizeof(*s), cmp_page);
	qsort(w, nw, sizeof(*w), cmp_page);
	for (int i = 0; i < r->nprocs && !r->failed; i++) {
		size_t ns, nsw;
		const struct seen *ps = proc_range(s, n, r->procs[i].pid, &ns);
		const struct seen *pw = proc_range(w, nw, r->procs[i].pid, &nsw);
		check_rss(r, &r->procs[i], ps, ns, pw, nsw);
	}
	free(s);
	free(w);
}

/* ---- operations ------------------------------------------------------------ */

static void op_spawn(struct run *r)
{
	char name[32];
	snprintf(name, sizeof(name), "model%d", r->next_pid);
	set_op(r, "spawn(\"%s\")", name);
	int pid = vmfs_spawn(r->m, name);
	expect_eq(r, "spawn pid", r->next_pid, pid);
	if (pid < 0)
		return;
	struct mproc *p = &r->procs[r->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	r->next_pid++;
}

static void op_fork(struct run *r)
{
	struct mproc *parent = pick_proc(r);
	set_op(r, "fork(%d)", parent->pid);
	int pid = vmfs_fork(r->m, parent->pid);
	expect_eq(r, "fork pid", r->next_pid, pid);
	if (pid < 0)
		return;
	proc_copy(&r->procs[r->nprocs++], parent, pid);
	r->next_pid++;
	r->n.forks++;
}

static void op_exit(struct run *r)
{
	int i = (int)rnd(r, (uint64_t)r->nprocs);
	int pid = r->procs[i].pid;
	set_op(r, "exit(%d)", pid);
	expect_eq(r, "exit", 0, vmfs_exit(r->m, pid));
	proc_free(&r->procs[i]);
	r->procs[i] = r->procs[--r->nprocs];
	r->dead_pid = pid;
	r->n.exits++;
}

/* How a mapping is placed (0 MAP_FIXED, 1 MAP_FIXED_NOREPLACE, 2 a hint, 3 no
 * address): picks the mode, sets *addr and adds the flag; returns the mode. */
static int pick_placement(struct run *r, const struct mproc *p, uint64_t *addr, int *flags)
{
	int mode = (int)rnd(r, 4);
	uint64_t vpn = pick_vpn(r, p);
	*addr = vpn * PAGE;
	if (mode == 0)
		*flags |= MAP_FIXED;
	else if (mode == 1)
		*flags |= MAP_FIXED_NOREPLACE;
	else if (mode == 3)
		*addr = 0;
	else if (chance(r, 10))
		*addr = rnd(r, MIN_VPN) * PAGE;       /* a hint below the floor */
	return mode;
}

/* Where the model puts a mapping of @npages at @addr in @mode: 0 with the
 * first page in *at, or the errno vmfs_mmap must return. */
static int64_t placement(const struct run *r, const struct mproc *p, uint64_t addr,
			 uint64_t npages, int mode, uint64_t *at)
{
	uint64_t avpn = addr / PAGE;
	bool fits = avpn + npages <= r->top_vpn;
	if (mode == 0) {
		*at = avpn;
		return fits ? 0 : -ENOMEM;
	}
	if (mode == 1) {
		*at = avpn;
		return !fits ? -ENOMEM : pages_in(p, avpn, npages) ? -EEXIST : 0;
	}
	if (mode == 2 && avpn >= MIN_VPN && fits && pages_in(p, avpn, npages) == 0)
		*at = avpn;
	else
		*at = top_down(p, r->top_vpn, npages);
	return *at ? 0 : -ENOMEM;
}

static void op_mmap(struct run *r, struct mproc *p)
{
	static const char *mode_name[] = { "MAP_FIXED", "MAP_FIXED_NOREPLACE", "hint", "no address" };
	uint64_t npages = pick_npages(r);
	uint64_t len = npages * PAGE;
	if (chance(r, 25))
		len -= rnd(r, PAGE - 1);      /* rounded up to npages */
	int prot = (int)rnd(r, 8);
	bool shared = chance(r, 30);
	int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (chance(r, 80) ? MAP_ANONYMOUS : 0);
	uint64_t addr;
	int mode = pick_placement(r, p, &addr, &flags);

	set_op(r, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s%s, %s)", p->pid, addr, len,
	       prot_str(prot), shared ? "MAP_SHARED" : "MAP_PRIVATE",
	       flags & MAP_ANONYMOUS ? "|MAP_ANONYMOUS" : "", mode_name[mode]);

	uint64_t at = 0;
	int64_t expected = placement(r, p, addr, npages, mode, &at);

	uint64_t out = 0xdeadbeef;
	int rc = vmfs_mmap(r->m, p->pid, addr, len, prot, flags, NULL, 0, &out);
	expect_eq(r, "mmap", expected, rc);
	if (rc == 0 && !r->failed) {
		expect_eq(r, "mmap address", (int64_t)(at * PAGE), (int64_t)out);
		map_range(p, at, npages, prot, shared);
		if (p->n > r->n.max_pages)
			r->n.max_pages = p->n;
	}
	if (rc == 0)
		r->n.mmap_ok++;
	else
		r->n.mmap_err++;
}

static void op_munmap(struct run *r, struct mproc *p)
{
	uint64_t vpn = pick_vpn(r, p);
	uint64_t npages = pick_npages(r);
	uint64_t len = npages * PAGE;
	if (chance(r, 25))
		len -= rnd(r, PAGE - 1);
	set_op(r, "munmap(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE, len);
	int64_t expected = vpn + npages > r->top_vpn ? -EINVAL : 0;
	expect_eq(r, "munmap", expected, vmfs_munmap(r->m, p->pid, vpn * PAGE, len));
	if (expected == 0)
		remove_range(p, vpn, npages);
	r->n.munmap++;
}

/* --objects: what mprotect of [vpn, vpn+npages) must return.  In address
 * order, the first page that is not mapped (-ENOMEM) or that a shared
 * mapping of a read-only object cannot write (-EACCES) decides. */
static int64_t mprotect_expect(const struct run *r, const struct mproc *p, uint64_t vpn,
			       uint64_t npages, int prot)
{
	if (vpn + npages > r->top_vpn)
		return -ENOMEM;
	for (uint64_t v = vpn; v < vpn + npages; v++) {
		const struct mpage *pg = page_at(p, v);
		if (!pg)
			return -ENOMEM;
		if ((prot & PROT_WRITE) && pg->shared && pg->o && !(pg->o->mode & 0222))
			return -EACCES;
	}
	return 0;
}

static void op_mprotect(struct run *r, struct mproc *p)
{
	uint64_t vpn = chance(r, 50) && p->n ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	uint64_t npages = 1 + rnd(r, chance(r, 70) ? 4 : 16);
	int prot = (int)rnd(r, 8);
	set_op(r, "mprotect(%d, %#" PRIx64 ", %#" PRIx64 ", %s)", p->pid, vpn * PAGE,
	       npages * PAGE, prot_str(prot));
	bool all = vpn + npages <= r->top_vpn && pages_in(p, vpn, npages) == npages;
	int64_t expected = !r->objects ? (all ? 0 : -ENOMEM) : mprotect_expect(r, p, vpn, npages, prot);
	expect_eq(r, "mprotect", expected,
		  vmfs_mprotect(r->m, p->pid, vpn * PAGE, npages * PAGE, prot));
	all = expected == 0;
	if (all)
		for (size_t i = lower_bound(p, vpn); i < lower_bound(p, vpn + npages); i++)
			p->pg[i].prot = prot;
	if (all)
		r->n.mprotect_ok++;
	else
		r->n.mprotect_err++;
}

static bool allowed(const struct mpage *pg, unsigned how)
{
	bool force = how & VMFS_ACCESS_FORCE;
	switch (how & VMFS_ACCESS_TYPE) {
	case VMFS_ACCESS_READ:
		return force || pg->prot != PROT_NONE;
	case VMFS_ACCESS_WRITE:
		return (pg->prot & PROT_WRITE) || (force && !pg->shared);
	default:
		return (pg->prot & PROT_EXEC) != 0;
	}
}

/* --objects: shorten a write at @addr so that it stops before the bytes past
 * an object's end in its last page, where a shared mapping could write what
 * belongs to no one.  False if nothing is left to write. */
static bool clip_object_tail(const struct mproc *p, uint64_t addr, size_t *len)
{
	for (uint64_t a = addr & ~(uint64_t)(PAGE - 1); a < addr + *len; a += PAGE) {
		const struct mpage *pg = page_at(p, a / PAGE);
		if (!pg || !pg->o || !pg->shared || obj_past_end(pg) ||
		    pg->pgoff != obj_npages(pg->o->size) - 1 || pg->o->size % PAGE == 0)
			continue;
		uint64_t tail = a + pg->o->size % PAGE;
		if (tail <= addr)
			return false;
		if (addr + *len > tail)
			*len = tail - addr;
		break;
	}
	return *len > 0;
}

static void op_access(struct run *r, struct mproc *p, unsigned how)
{
	static const char *type_name[] = { "read", "write", "exec" };
	static unsigned char in[4 * PAGE], out[4 * PAGE], want[4 * PAGE];
	/* mostly where something is mapped, so permissions and bytes get tested */
	uint64_t vpn = p->n && chance(r, 60) ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	unsigned off = chance(r, 30) ? 0 : (unsigned)rnd(r, PAGE);
	size_t len = chance(r, 20) ? 1 + rnd(r, 16) : 1 + rnd(r, 3 * PAGE);
	uint64_t addr = vpn * PAGE + off;
	unsigned type = how & VMFS_ACCESS_TYPE;
	set_op(r, "%s%s(%d, %#" PRIx64 ", %zu)", how & VMFS_ACCESS_FORCE ? "force-" : "",
	       type_name[type], p->pid, addr, len);

	if (r->objects && type == VMFS_ACCESS_WRITE && !clip_object_tail(p, addr, &len))
		return;
	if (type == VMFS_ACCESS_WRITE) {
		uint64_t x = next_rand(r);
		for (size_t i = 0; i < len; i++) {
			if (i % 8 == 0)
				x = next_rand(r);
			in[i] = (unsigned char)(x >> (8 * (i % 8)));
		}
	}
	memset(out, 0xa5, len);

	/* The model, page by page: how far the access goes, and what it reads.
	 * A write lands in the model once the engine says how much it did. */
	size_t done = 0;
	const struct mpage *stop = NULL;
	while (done < len) {
		uint64_t a = addr + done;
		size_t chunk = PAGE - a % PAGE;
		if (chunk > len - done)
			chunk = len - done;
		struct mpage *pg = page_at(p, a / PAGE);
		if (!pg || !allowed(pg, how) || obj_past_end(pg)) {
			stop = pg;
			break;
		}
		if (type != VMFS_ACCESS_WRITE)
			memcpy(want + done, page_buf(pg)->d + a % PAGE, chunk);
		done += chunk;
	}
	int64_t expected = done ? (int64_t)done : -EFAULT;

	struct vmfs_proc_stat before, after;
	bool user = !(how & VMFS_ACCESS_FORCE);
	if (!done && user)
		vmfs_proc_stat(r->m, p->pid, &before);
	struct vmfs_fault f;
	memset(&f, 0x5a, sizeof(f));
	ssize_t got = vmfs_access(r->m, p->pid, addr, type == VMFS_ACCESS_WRITE ? in : out,
				  len, how, &f);
	r->n.faults_seen += f.minor + f.major;
	r->n.majors_seen += f.major;
	/* Out of memory (no swap, or swap full): the access stops at the page
	 * that needed a frame, which is its first (-ENOMEM) or a later one (a
	 * short count at a page boundary). */
	if (got != expected && r->may_oom && done && f.err == -ENOMEM &&
	    (got == -ENOMEM || (got > 0 && (size_t)got < done && (addr + (uint64_t)got) % PAGE == 0))) {
		done = got > 0 ? (size_t)got : 0;
		r->n.enomem++;
		if (!done)
			return;
	} else {
		expect_eq(r, "bytes transferred", expected, got);
	}
	if (r->failed)
		return;
	if (type == VMFS_ACCESS_WRITE) {
		for (size_t k = 0; k < done;) {
			uint64_t a = addr + k;
			size_t chunk = PAGE - a % PAGE;
			if (chunk > done - k)
				chunk = done - k;
			struct mpage *pg = page_at(p, a / PAGE);
			r->n.copies += pg->o && !pg->shared && !pg->copied;
			memcpy(page_write_buf(pg)->d + a % PAGE, in + k, chunk);
			k += chunk;
		}
	}
	if (done == len)
		r->n.full++;
	else if (done)
		r->n.shortc++;
	else
		r->n.fault++;
	if (type != VMFS_ACCESS_WRITE)
		for (size_t i = 0; i < done; i++)
			if (out[i] != want[i]) {
				fail(r, "byte %zu (address %#" PRIx64 ") is %#x, model %#x", i,
				     addr + i, out[i], want[i]);
				return;
			}
	if (done || !user)
		return;
	/* a user-mode segfault on the first page: check what it reports.  Above
	 * user_top lies the kernel half or non-canonical space: ACCERR too. */
	bool beyond = addr >= r->user_top;
	/* Past an object's end there is no page: MAPERR, once the mapping allows the access. */
	bool past_end = stop && obj_past_end(stop) && allowed(stop, how);
	int si_code = (stop && !past_end) || beyond ? VMFS_SEGV_ACCERR : VMFS_SEGV_MAPERR;
	r->n.past_end += past_end;
	expect_eq(r, "fault si_code", si_code, f.si_code);
	expect_eq(r, "fault addr", (int64_t)addr, (int64_t)f.addr);
	expect_eq(r, "fault err", -EFAULT, f.err);
	unsigned code = VMFS_PF_USER | (type == VMFS_ACCESS_WRITE ? VMFS_PF_WRITE : 0) |
			(type == VMFS_ACCESS_EXEC ? VMFS_PF_INSTR : 0);
	expect_eq(r, "fault error_code (ignoring the present bit)", code,
		  f.error_code & ~VMFS_PF_PROT);
	if ((!stop || past_end) && !beyond)
		expect_eq(r, "fault error_code present bit for an unmapped page", 0,
			  f.error_code & VMFS_PF_PROT);
	vmfs_proc_stat(r->m, p->pid, &after);
	expect_eq(r, "segv counter rise", 1, (int64_t)(after.segv - before.segv));
}

/* Calls on a PID that does not exist all give -ESRCH and change nothing. */
static void op_dead_pid(struct run *r)
{
	int pid = r->dead_pid && chance(r, 70) ? r->dead_pid : r->next_pid + 7;
	unsigned char b[16] = { 0 };
	struct vmfs_walk w;
	struct vmfs_map mp;
	set_op(r, "calls on dead pid %d", pid);
	expect_eq(r, "fork", -ESRCH, vmfs_fork(r->m, pid));
	expect_eq(r, "exit", -ESRCH, vmfs_exit(r->m, pid));
	expect_eq(r, "mmap", -ESRCH, vmfs_mmap(r->m, pid, 0, PAGE, PROT_READ,
					       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, NULL));
	expect_eq(r, "munmap", -ESRCH, vmfs_munmap(r->m, pid, LOW_VPN * PAGE, PAGE));
	expect_eq(r, "mprotect", -ESRCH, vmfs_mprotect(r->m, pid, LOW_VPN * PAGE, PAGE, 0));
	expect_eq(r, "read", -ESRCH, vmfs_read(r->m, pid, LOW_VPN * PAGE, b, sizeof(b)));
	expect_eq(r, "write", -ESRCH, vmfs_write(r->m, pid, LOW_VPN * PAGE, b, sizeof(b)));
	expect_eq(r, "maps", -ESRCH, vmfs_maps(r->m, pid, &mp, 1));
	expect_eq(r, "translate", -ESRCH, vmfs_translate(r->m, pid, LOW_VPN * PAGE, &w));
}

/* Argument errors: each fails with its errno and changes nothing. */
static void op_bad_args(struct run *r, struct mproc *p)
{
	uint64_t a = pick_vpn(r, p) * PAGE;
	set_op(r, "bad arguments on pid %d at %#" PRIx64, p->pid, a);
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	expect_eq(r, "mmap len 0", -EINVAL, vmfs_mmap(r->m, p->pid, a, 0, PROT_READ,
						      anon | MAP_FIXED, NULL, 0, NULL));
	expect_eq(r, "mmap MAP_FIXED unaligned", -EINVAL,
		  vmfs_mmap(r->m, p->pid, a + 1 + rnd(r, PAGE - 1), PAGE, PROT_READ,
			    anon | MAP_FIXED, NULL, 0, NULL));
	expect_eq(r, "mmap neither shared nor private", -EINVAL,
		  vmfs_mmap(r->m, p->pid, a, PAGE, PROT_READ, MAP_ANONYMOUS | MAP_FIXED,
			    NULL, 0, NULL));
	expect_eq(r, "mmap MAP_FIXED past user_top", -ENOMEM,
		  vmfs_mmap(r->m, p->pid, r->user_top - PAGE, 2 * PAGE, PROT_READ,
			    anon | MAP_FIXED, NULL, 0, NULL));
	expect_eq(r, "munmap unaligned", -EINVAL, vmfs_munmap(r->m, p->pid, a + 8, PAGE));
	expect_eq(r, "munmap len 0", -EINVAL, vmfs_munmap(r->m, p->pid, a, 0));
	expect_eq(r, "mprotect unaligned", -EINVAL,
		  vmfs_mprotect(r->m, p->pid, a + 16, PAGE, PROT_READ));
}

/* ---- object operations (--objects) ----------------------------------------- */

static const char *const obj_modes_str[] = { "0644", "0444", "0600", "0400" };
static const unsigned obj_modes[] = { 0644, 0444, 0600, 0400 };

static const char *slot_name(int slot)
{
	static char names[MAX_OBJS][8];
	snprintf(names[slot], sizeof(names[slot]), "obj%d", slot);
	return names[slot];
}

/* Random bytes into @buf. */
static void random_bytes(struct run *r, unsigned char *buf, size_t len)
{
	uint64_t x = 0;
	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			x = next_rand(r);
		buf[i] = (unsigned char)(x >> (8 * (i % 8)));
	}
}

/* A size for an object: often whole pages, else any, up to OBJ_PAGES pages. */
static uint64_t pick_obj_size(struct run *r)
{
	if (chance(r, 40))
		return rnd(r, OBJ_PAGES + 1) * PAGE;
	return rnd(r, OBJ_PAGES * PAGE + 1);
}

/* The model side of a resize (and of a growing write): pages past the new
 * end go from the object and from every mapping, private copies included;
 * the new last page's tail is zero; new pages are zero. */
static void obj_set_size(struct run *r, struct mobj *o, uint64_t size)
{
	uint64_t keep = obj_npages(size);
	for (uint64_t i = keep; i < OBJ_PAGES; i++)
		if (o->pg[i]) {
			buf_put(o->pg[i]);
			o->pg[i] = NULL;
		}
	if (size < o->size && size % PAGE)
		memset(o->pg[keep - 1]->d + size % PAGE, 0, PAGE - size % PAGE);
	for (uint64_t i = 0; i < keep; i++)
		if (!o->pg[i])
			o->pg[i] = buf_new();
	if (size < o->size)
		for (int k = 0; k < r->nprocs; k++)
			for (size_t i = 0; i < r->procs[k].n; i++) {
				struct mpage *pg = &r->procs[k].pg[i];
				if (pg->o == o && pg->copied && pg->pgoff >= keep) {
					buf_put(pg->b);
					pg->b = NULL;
					pg->copied = false;
				}
			}
	o->size = size;
}

static void op_obj_create(struct run *r)
{
	static unsigned char data[OBJ_PAGES * PAGE];
	int slot = (int)rnd(r, MAX_OBJS);
	uint64_t size = pick_obj_size(r);
	bool zeros = chance(r, 30);
	set_op(r, "object_create(\"%s\", %s, %" PRIu64 ")", slot_name(slot),
	       zeros ? "NULL" : "data", size);
	if (!zeros)
		random_bytes(r, data, size);
	int rc = vmfs_object_create(r->m, slot_name(slot), zeros ? NULL : data, size);
	expect_eq(r, "object_create", r->objs[slot] ? -EEXIST : 0, rc);
	if (rc || r->failed) {
		r->n.obj_err++;
		return;
	}
	struct mobj *o = calloc(1, sizeof(*o));
	if (!o) {
		perror("calloc");
		exit(2);
	}
	o->refs = 1;
	o->named = true;
	o->mode = 0644;
	snprintf(o->name, sizeof(o->name), "%s", slot_name(slot));
	obj_set_size(r, o, size);
	for (uint64_t i = 0; !zeros && i < obj_npages(size); i++)
		memcpy(o->pg[i]->d, data + i * PAGE, i + 1 < obj_npages(size) || size % PAGE == 0 ?
		       PAGE : size % PAGE);
	r->objs[slot] = o;
	r->n.obj_calls++;
}

static void op_obj_write(struct run *r, struct mobj *o)
{
	static unsigned char data[2 * PAGE];
	uint64_t lim = o->size + 2 * PAGE < OBJ_PAGES * PAGE ? o->size + 2 * PAGE : OBJ_PAGES * PAGE;
	uint64_t off = rnd(r, lim);
	size_t len = 1 + rnd(r, 2 * PAGE);
	if (off + len > OBJ_PAGES * PAGE)
		len = OBJ_PAGES * PAGE - off;
	set_op(r, "object_write(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", o->name, off, len,
	       o->size);
	random_bytes(r, data, len);
	expect_eq(r, "object_write", (int64_t)len, vmfs_object_write(r->m, o->name, off, data, len));
	if (r->failed)
		return;
	if (off + len > o->size)
		obj_set_size(r, o, off + len);
	for (size_t k = 0; k < len; k++)
		o->pg[(off + k) / PAGE]->d[(off + k) % PAGE] = data[k];
	r->n.obj_calls++;
}

static void op_obj_read(struct run *r, struct mobj *o)
{
	static unsigned char got[3 * PAGE];
	uint64_t off = rnd(r, o->size + PAGE);
	size_t len = 1 + rnd(r, 3 * PAGE);
	set_op(r, "object_read(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", o->name, off, len,
	       o->size);
	int64_t want = off >= o->size ? 0 : (int64_t)(o->size - off < len ? o->size - off : len);
	memset(got, 0xa5, sizeof(got));
	expect_eq(r, "object_read", want, vmfs_object_read(r->m, o->name, off, got, len));
	for (int64_t k = 0; k < want && !r->failed; k++) {
		unsigned char m = o->pg[(off + (uint64_t)k) / PAGE]->d[(off + (uint64_t)k) % PAGE];
		if (got[k] != m)
			fail(r, "%s byte %#" PRIx64 " is %#x, model %#x", o->name, off + (uint64_t)k,
			     got[k], m);
	}
	r->n.obj_calls++;
}

static void op_obj_resize(struct run *r, struct mobj *o)
{
	uint64_t size = pick_obj_size(r);
	set_op(r, "object_resize(\"%s\", %" PRIu64 ") (size %" PRIu64 ")", o->name, size, o->size);
	expect_eq(r, "object_resize", 0, vmfs_object_resize(r->m, o->name, size));
	if (!r->failed)
		obj_set_size(r, o, size);
	r->n.obj_resizes++;
}

static void op_obj_remove(struct run *r, int slot)
{
	set_op(r, "object_remove(\"%s\")", slot_name(slot));
	expect_eq(r, "object_remove", r->objs[slot] ? 0 : -ENOENT,
		  vmfs_object_remove(r->m, slot_name(slot)));
	if (!r->objs[slot] || r->failed)
		return;
	r->objs[slot]->named = false;
	obj_put(r->objs[slot]);
	r->objs[slot] = NULL;
	r->n.obj_removes++;
}

static void op_obj_chmod(struct run *r, struct mobj *o)
{
	int k = (int)rnd(r, 4);
	set_op(r, "object_chmod(\"%s\", %s)", o->name, obj_modes_str[k]);
	expect_eq(r, "object_chmod", 0, vmfs_object_chmod(r->m, o->name, obj_modes[k]));
	o->mode = obj_modes[k];
	r->n.obj_calls++;
}

/* stat of every slot, the list in name order, nr_objects. */
static void op_obj_stat(struct run *r)
{
	struct vmfs_object_info in, list[MAX_OBJS + 1];
	struct vmfs_stat st;
	int named = 0;
	set_op(r, "object_stat and object_list");
	for (int slot = 0; slot < MAX_OBJS && !r->failed; slot++) {
		const struct mobj *o = r->objs[slot];
		int rc = vmfs_object_stat(r->m, slot_name(slot), &in);
		expect_eq(r, "object_stat", o ? 0 : -ENOENT, rc);
		if (!o || rc)
			continue;
		if (r->failed)
			return;
		if (strcmp(in.name, o->name) || in.size != o->size || in.mode != o->mode || in.removed)
			fail(r, "object_stat(\"%s\"): name \"%s\" size %" PRIu64 " mode %#o removed %d, "
			     "model size %" PRIu64 " mode %#o", o->name, in.name, in.size, in.mode,
			     in.removed, o->size, o->mode);
		if (in.cached > obj_npages(o->size))
			fail(r, "object_stat(\"%s\"): %" PRIu64 " pages cached of %" PRIu64, o->name,
			     in.cached, obj_npages(o->size));
		named++;
	}
	int n = vmfs_object_list(r->m, list, MAX_OBJS + 1);
	expect_eq(r, "object_list count", named, n);
	for (int i = 0, slot = 0; i < n && i <= MAX_OBJS && !r->failed; i++, slot++) {
		while (slot < MAX_OBJS && !r->objs[slot])
			slot++;
		if (slot == MAX_OBJS || strcmp(list[i].name, r->objs[slot]->name) ||
		    list[i].size != r->objs[slot]->size)
			fail(r, "object_list[%d] is \"%s\" (%" PRIu64 " bytes), model \"%s\"", i,
			     list[i].name, list[i].size, slot < MAX_OBJS ? r->objs[slot]->name : "");
	}
	expect_eq(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
	expect_eq(r, "nr_objects", named, (int64_t)st.nr_objects);
	r->n.obj_calls++;
}

static void op_obj_mmap(struct run *r, struct mproc *p)
{
	int slot = (int)rnd(r, MAX_OBJS);
	struct mobj *o = r->objs[slot];
	uint64_t npages = pick_npages(r);
	/* Mostly where the object has pages, sometimes at or past its end. */
	uint64_t pgoff = o && chance(r, 80) ? rnd(r, obj_npages(o->size) + 1) : rnd(r, OBJ_PAGES);
	int prot = (int)rnd(r, 8);
	bool shared = chance(r, 50);
	int flags = shared ? MAP_SHARED : MAP_PRIVATE;
	uint64_t addr, at = 0;
	int mode = pick_placement(r, p, &addr, &flags);
	set_op(r, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s, \"%s\", page %" PRIu64 ", mode %d)",
	       p->pid, addr, npages * PAGE, prot_str(prot), shared ? "MAP_SHARED" : "MAP_PRIVATE",
	       slot_name(slot), pgoff, mode);
	int64_t expected = !o ? -ENOENT :
			   shared && (prot & PROT_WRITE) && !(o->mode & 0222) ? -EACCES :
			   placement(r, p, addr, npages, mode, &at);
	uint64_t out = 0xdeadbeef;
	int rc = vmfs_mmap(r->m, p->pid, addr, npages * PAGE, prot, flags, slot_name(slot),
			   pgoff * PAGE, &out);
	expect_eq(r, "mmap of an object", expected, rc);
	if (rc || r->failed) {
		r->n.obj_map_err++;
		return;
	}
	expect_eq(r, "mmap address", (int64_t)(at * PAGE), (int64_t)out);
	map_obj_range(p, at, npages, prot, shared, o, pgoff);
	if (p->n > r->n.max_pages)
		r->n.max_pages = p->n;
	r->n.obj_maps++;
}

static void op_sync(struct run *r)
{
	set_op(r, "sync");
	expect_eq(r, "vmfs_sync", 0, vmfs_sync(r->m));
	r->n.obj_calls++;
}

/* Evict a few pages on request, or now and then everything. */
static void op_reclaim(struct run *r)
{
	uint64_t n = chance(r, 30) ? r->frames : 1 + rnd(r, 8);
	set_op(r, "reclaim(%" PRIu64 ")", n);
	int64_t got = vmfs_reclaim(r->m, n);
	if (got < 0 || (uint64_t)got > n)
		fail(r, "vmfs_reclaim(%" PRIu64 ") returned %" PRId64, n, got);
	r->n.reclaims++;
}

/* Read a whole object page that @p maps, as a program runs its library:
 * most accesses elsewhere land on anonymous memory. */
static void op_obj_touch(struct run *r, struct mproc *p)
{
	static unsigned char got[PAGE];
	size_t nobj = 0, pick;
	for (size_t i = 0; i < p->n; i++)
		nobj += p->pg[i].o != NULL;
	if (!nobj)
		return;
	pick = rnd(r, nobj);
	for (size_t i = 0; i < p->n; i++) {
		const struct mpage *pg = &p->pg[i];
		if (!pg->o || pick--)
			continue;
		set_op(r, "touch(%d, %#" PRIx64 ") (%s page %" PRIu64 ", %s)", p->pid, pg->vpn * PAGE,
		       pg->o->name, pg->pgoff, pg->shared ? "shared" : "private");
		struct vmfs_fault f;
		ssize_t n = vmfs_access(r->m, p->pid, pg->vpn * PAGE, got, PAGE,
					VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, &f);
		r->n.faults_seen += f.minor + f.major;
		r->n.majors_seen += f.major;
		if (n == -ENOMEM && r->may_oom)
			return;
		if (obj_past_end(pg)) {
			expect_eq(r, "force-read past the object's end", -EFAULT, n);
			return;
		}
		expect_eq(r, "bytes read", PAGE, n);
		for (unsigned k = 0; k < PAGE && n == PAGE && !r->failed; k++)
			if (got[k] != page_buf(pg)->d[k])
				fail(r, "byte %u is %#x, model %#x (%s page %" PRIu64 ", size %" PRIu64 ")",
				     k, got[k], page_buf(pg)->d[k], pg->o->name, pg->pgoff, pg->o->size);
		return;
	}
}

/* One object operation, three times in ten; false to do an ordinary one. */
static bool op_object(struct run *r, struct mproc *p)
{
	uint64_t k = rnd(r, 1000);
	if (k >= 300)
		return false;
	if (k >= 250) {
		op_obj_touch(r, p);
		return true;
	}
	int slot = (int)rnd(r, MAX_OBJS);
	struct mobj *o = r->objs[slot];
	if (k < 80) {
		if (p->n + 24 > PROC_BUDGET)
			op_munmap(r, p);
		else
			op_obj_mmap(r, p);
	} else if (k < 110 || !o) {
		op_obj_create(r);
	} else if (k < 150) {
		op_obj_write(r, o);
	} else if (k < 175) {
		op_obj_read(r, o);
	} else if (k < 200) {
		op_obj_resize(r, o);
	} else if (k < 210) {
		op_obj_remove(r, slot);
	} else if (k < 220) {
		op_obj_chmod(r, o);
	} else if (k < 230) {
		op_obj_stat(r);
	} else if (k < 238) {
		op_sync(r);
	} else {
		op_reclaim(r);
	}
	return true;
}

/* At the end: every name removed (the objects go with their last mapping). */
static void remove_all_objects(struct run *r)
{
	for (int slot = 0; slot < MAX_OBJS && !r->failed; slot++)
		if (r->objs[slot])
			op_obj_remove(r, slot);
}

static void one_op(struct run *r)
{
	if (r->nprocs == 0) {
		op_spawn(r);
		return;
	}
	struct mproc *p = pick_proc(r);
	if (r->objects && op_object(r, p))
		return;
	uint64_t k = rnd(r, 1000);
	if (k < 15) {
		if (r->nprocs < MAX_PROCS)
			op_spawn(r);
	} else if (k < 50) {
		if (r->nprocs < MAX_PROCS)
			op_fork(r);
	} else if (k < 75) {
		if (r->nprocs > 1 || chance(r, 20))
			op_exit(r);
	} else if (k < 80) {
		op_dead_pid(r);
	} else if (k < 85) {
		op_bad_args(r, p);
	} else if (k < 220) {
		if (p->n + 24 > PROC_BUDGET)
			op_munmap(r, p);
		else
			op_mmap(r, p);
	} else if (k < 300) {
		op_munmap(r, p);
	} else if (k < 400) {
		op_mprotect(r, p);
	} else if (k < 580) {
		op_access(r, p, VMFS_ACCESS_READ);
	} else if (k < 800) {
		op_access(r, p, VMFS_ACCESS_WRITE);
	} else if (k < 860) {
		op_access(r, p, VMFS_ACCESS_EXEC);
	} else if (k < 910) {
		op_access(r, p, VMFS_ACCESS_READ | VMFS_ACCESS_FORCE);
	} else if (k < 960) {
		op_access(r, p, VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE);
	} else {
		uint64_t vpn = pick_vpn(r, p);
		set_op(r, "translate(%d, %#" PRIx64 ")", p->pid, vpn * PAGE);
		check_translate(r, p, vpn, (unsigned)rnd(r, PAGE), NULL);
	}
}

/* ---- driver ---------------------------------------------------------------- */

/* What every run of one invocation shares. */
struct config {
	uint64_t frames;
	char policy[POLICY_LEN];
	char swap_size[32];
	bool swap_none;
	bool objects;
	long ops;
	bool verbose;
};

static bool run_one(const struct config *c, uint64_t seed, int levels, unsigned tlb)
{
	struct run *r = calloc(1, sizeof(*r));
	if (!r) {
		perror("calloc");
		exit(2);
	}
	r->seed = seed;
	r->levels = levels;
	r->tlb = tlb;
	r->ops = c->ops;
	r->verbose = c->verbose;
	r->frames = c->frames;
	r->pressure = c->frames < MACHINE_FRAMES;
	r->swap_none = c->swap_none;
	r->may_oom = c->swap_none || c->swap_size[0];
	r->objects = c->objects;
	r->pressure |= r->objects;  /* object runs reclaim on request: pages may go */
	memcpy(r->policy, c->policy, sizeof(r->policy));
	memcpy(r->swap_size, c->swap_size, sizeof(r->swap_size));
	/* The same operations for every TLB size: the TLB must not change a result. */
	r->rng = seed * 0x2545f4914f6cdd1dull + (uint64_t)levels * 131;
	r->next_pid = 1;

	char opts[192];
	int len = snprintf(opts, sizeof(opts), "frames=%" PRIu64 ",levels=%d,tlb=%u", r->frames,
			   levels, tlb);
	if (r->policy[0])
		len += snprintf(opts + len, sizeof(opts) - (size_t)len, ",policy=%s", r->policy);
	if (r->swap_none)
		len += snprintf(opts + len, sizeof(opts) - (size_t)len, ",swap=none");
	if (r->swap_size[0])
		snprintf(opts + len, sizeof(opts) - (size_t)len, ",swap_size=%s", r->swap_size);
	printf("seed %" PRIu64 " (%s, %ld ops)\n", seed, opts, r->ops);
	fflush(stdout);
	set_op(r, "vmfs_open(\"%s\")", opts);
	int rc = vmfs_open(&r->m, opts);
	expect_eq(r, "vmfs_open", 0, rc);
	if (rc == 0) {
		struct vmfs_stat st;
		expect_eq(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
		r->user_top = st.user_top;
		r->kernel_pt_pages = st.pagetable_pages;
		r->top_vpn = st.user_top / PAGE;
		if (st.levels != levels || r->top_vpn < LOW_VPN + 2 * WIN_PAGES)
			fail(r, "vmfs_stat: levels %d, user_top %#" PRIx64, st.levels, st.user_top);
		if (st.frames != r->frames)
			fail(r, "vmfs_stat: %" PRIu64 " frames, asked for %" PRIu64, st.frames,
			     r->frames);
	}
	for (r->opno = 0; r->opno < r->ops && !r->failed; r->opno++) {
		one_op(r);
		if (r->failed)
			break;
		if (r->opno % CHECK_EVERY == CHECK_EVERY - 1) {
			set_op(r, "periodic check after op %ld", r->opno);
			check_pids(r);
			for (int i = 0; i < r->nprocs && !r->failed; i++) {
				struct mproc *p = &r->procs[i];
				check_maps(r, p);
				for (int j = 0; j < 8 && !r->failed; j++)
					check_translate(r, p, pick_vpn(r, p), (unsigned)rnd(r, PAGE), NULL);
			}
		}
		if (r->opno % FULL_EVERY == FULL_EVERY - 1 && !r->failed) {
			set_op(r, "whole-machine check after op %ld", r->opno);
			check_all(r);
		}
	}
	if (!r->failed && r->m) {
		set_op(r, "final whole-machine check");
		check_pids(r);
		check_all(r);
	}
	/* Under pressure, read every page of every process once more: each
	 * comes back from wherever it went, with the model's bytes. */
	if (!r->failed && r->m && r->pressure) {
		static unsigned char got[PAGE];
		for (int i = 0; i < r->nprocs && !r->failed; i++) {
			const struct mproc *p = &r->procs[i];
			for (size_t k = 0; k < p->n && !r->failed; k++) {
				uint64_t a = p->pg[k].vpn * PAGE;
				set_op(r, "final force-read(%d, %#" PRIx64 ", 4096)", p->pid, a);
				struct vmfs_fault f;
				ssize_t n = vmfs_access(r->m, p->pid, a, got, PAGE,
							VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, &f);
				r->n.faults_seen += f.minor + f.major;
				r->n.majors_seen += f.major;
				if (n == -ENOMEM && r->may_oom)
					continue;
				if (obj_past_end(&p->pg[k])) {
					expect_eq(r, "force-read past the object's end", -EFAULT, n);
					continue;
				}
				expect_eq(r, "bytes read", PAGE, n);
				if (n == PAGE && memcmp(got, page_buf(&p->pg[k])->d, PAGE))
					fail(r, "pid %d page %#" PRIx64 " differs from the model", p->pid, a);
			}
		}
		if (!r->failed) {
			set_op(r, "whole-machine check after reading everything");
			check_all(r);
		}
	}
	/* Leave through exits, so the frame accounting gets checked too. */
	if (!r->failed && r->m) {
		struct vmfs_stat st;
		remove_all_objects(r);
		while (r->nprocs && !r->failed)
			op_exit(r);
		set_op(r, "after every process exited");
		vmfs_stat(r->m, &st);
		expect_eq(r, "frames_free with no process", (int64_t)r->frames, (int64_t)st.frames_free);
		expect_eq(r, "pgalloc - pgfree with no process", 0,
			  (int64_t)(st.pgalloc - st.pgfree));
		expect_eq(r, "page-table pages with no process (the kernel's)",
			  (int64_t)r->kernel_pt_pages, (int64_t)st.pagetable_pages);
		expect_eq(r, "swap_used with no process", 0, (int64_t)st.swap_used);
		expect_eq(r, "swap_cached with no process", 0, (int64_t)st.swap_cached);
		if (r->objects) {
			expect_eq(r, "nr_objects after removing them all", 0, (int64_t)st.nr_objects);
			expect_eq(r, "file_pages with no object", 0, (int64_t)st.file_pages);
		}
		check_counters(r);
		if (r->pressure)
			printf("  pressure: %" PRIu64 " evicted (%" PRIu64 " written), %" PRIu64
			       " read back, %ld swap entries seen by checks, %ld accesses cut by "
			       "ENOMEM (%" PRIu64 " oom_kill)\n", st.pgsteal_direct, st.pswpout,
			       st.pswpin, r->n.swapped_seen, r->n.enomem, st.oom_kill);
	}
	printf("  mmap %ld (+%ld errors), munmap %ld, mprotect %ld (+%ld ENOMEM), accesses: "
	       "%ld whole, %ld short, %ld faulted; %ld forks, %ld exits, %ld maps checks, "
	       "at most %zu pages in a process\n", r->n.mmap_ok, r->n.mmap_err, r->n.munmap,
	       r->n.mprotect_ok, r->n.mprotect_err, r->n.full, r->n.shortc, r->n.fault,
	       r->n.forks, r->n.exits, r->n.checks, r->n.max_pages);
	if (r->objects)
		printf("  objects: %ld mappings (+%ld errors), %ld calls (+%ld errors), %ld resizes, "
		       "%ld removes, %ld private copies, %ld faults past the end, %ld reclaims\n",
		       r->n.obj_maps, r->n.obj_map_err, r->n.obj_calls, r->n.obj_err,
		       r->n.obj_resizes, r->n.obj_removes, r->n.copies, r->n.past_end,
		       r->n.reclaims);
	for (int i = 0; i < r->nprocs; i++)
		proc_free(&r->procs[i]);
	for (int slot = 0; slot < MAX_OBJS; slot++)
		if (r->objs[slot])
			obj_put(r->objs[slot]);
	vmfs_close(r->m);
	bool ok = !r->failed;
	free(r);
	return ok;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--seed N | --seeds N] [--ops N] [--levels 2..6] [--tlb N]\n"
		"       [--frames N] [--policy fifo|lru|clock|arc] [--swap none]\n"
		"       [--swap-size SIZE] [--objects] [--long] [--verbose]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct config c = { .frames = MACHINE_FRAMES };
	uint64_t seed = 0, nseeds = 0;
	bool one_seed = false, longrun = false;
	int levels = 0;
	long tlb = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--long")) {
			longrun = true;
		} else if (!strcmp(a, "--verbose")) {
			c.verbose = true;
		} else if (!strcmp(a, "--objects")) {
			c.objects = true;
		} else if (!v) {
			usage(argv[0]);
		} else if (!strcmp(a, "--seed")) {
			seed = strtoull(v, NULL, 0);
			one_seed = true;
			i++;
		} else if (!strcmp(a, "--seeds")) {
			nseeds = strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--ops")) {
			c.ops = strtol(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--levels")) {
			levels = atoi(v);
			if (levels < 2 || levels > 6)
				usage(argv[0]);
			i++;
		} else if (!strcmp(a, "--tlb")) {
			tlb = strtol(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--frames")) {
			c.frames = strtoull(v, NULL, 0);
			if (c.frames < 8 || c.frames > MACHINE_FRAMES)
				usage(argv[0]);    /* a COW copy of a 3-page access needs a few */
			i++;
		} else if (!strcmp(a, "--policy")) {
			if (strlen(v) >= POLICY_LEN)
				usage(argv[0]);
			snprintf(c.policy, sizeof(c.policy), "%s", v);
			i++;
		} else if (!strcmp(a, "--swap")) {
			if (strcmp(v, "none"))
				usage(argv[0]);
			c.swap_none = true;
			i++;
		} else if (!strcmp(a, "--swap-size")) {
			if (strlen(v) >= sizeof(c.swap_size))
				usage(argv[0]);
			snprintf(c.swap_size, sizeof(c.swap_size), "%s", v);
			i++;
		} else {
			usage(argv[0]);
		}
	}
	if (c.ops <= 0)
		c.ops = longrun ? 50000 : 5000;
	uint64_t first = one_seed ? seed : 1;
	uint64_t last = one_seed ? seed : nseeds ? nseeds : longrun ? 64 : 8;
	int lv_lo = levels ? levels : 2, lv_hi = levels ? levels : 6;
	unsigned tlbs[2] = { 0, 8 };
	int ntlb = 2;
	if (tlb >= 0) {
		tlbs[0] = (unsigned)tlb;
		ntlb = 1;
	}

	int passed = 0, failed = 0;
	for (uint64_t s = first; s <= last; s++)
		for (int lv = lv_lo; lv <= lv_hi; lv++)
			for (int t = 0; t < ntlb; t++) {
				if (run_one(&c, s, lv, tlbs[t]))
					passed++;
				else
					failed++;
			}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

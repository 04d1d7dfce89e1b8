/*
 * test_model.c - randomized model test of libvmfs through its public API.
 *
 * Thousands of random operations (spawn, fork, exit, anonymous mmap of every
 * kind, munmap, mprotect, mremap, read, write, exec and forced accesses) run on up to
 * MAX_PROCS processes of one machine, and every result is compared with a
 * trivially correct model (model.[ch], which the API fuzz driver shares):
 * per process, a sorted array of pages, each with its
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
 *     shared or private) and begins each mapping where the model does:
 *     Linux 6.1's merge rules, anon_vmas included (model.h: the model
 *     learns of each fault that gives a mapping one), vmfs_pids lists the
 *     model's live processes, and translations agree: a present leaf exists
 *     only for a mapped page, its frame holds the model's bytes, each walk
 *     entry is the one in physical memory, a writable leaf is never shared
 *     with another buffer, and the pages of one shared buffer use one frame;
 *   - the TLB never changes a result (each seed runs with tlb=0 and tlb=8);
 *   - with memory to spare and 3 levels or more, a hugetlb mapping made,
 *     written, read and unmapped at each periodic check (hugetlb_episode,
 *     since 0.8) reads back what was written and leaves every frame and
 *     table as it found it; so does a transparent huge page episode
 *     (thp_episode): 4 MiB madvised MADV_HUGEPAGE, written, each 2 MiB a
 *     huge page or a counted fallback, the walks ending at the pmd for
 *     the huge ones, a 4 KiB munmap splitting one, the bytes kept.
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
 *   - pages past the object's end fault SIGBUS; a truncate takes them
 *     out of every mapping, private copies included, and an extend brings
 *     zeros back; a shared writable mapping of a read-only object, or mprotect
 *     to write of one mapped while its object was read-only (VM_MAYWRITE)
 *     is -EACCES (a failing mprotect changes the pages before the page that
 *     fails it, as Linux), a removed name -ENOENT;
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
 * Object numbers (libvmfs 0.4), in --objects mode: opens of any slot and
 * close, pread, pwrite, ftruncate, fchmod and fstat on open numbers and on
 * numbers that are not (0, -1, INT64_MIN, INT64_MAX, closed ones, ones never
 * given), among the random operations; and once at the start of every run
 * the sequences numbers were made for (number_scenarios): a number outlives
 * its name and never reaches the new object of that name, a second open
 * needs a second close, a closed number is -EBADF everywhere, a removed
 * object written through its number shows in its shared mapping across sync
 * and reclaim, and its frames come back at munmap and last close, and the
 * calls that must fail (-EFBIG at 2^44, -EINVAL for mode 010000 and NULL
 * buffers) change nothing.  Odd seeds leave their numbers open at
 * vmfs_close (a leak check under the sanitizers); even seeds close them,
 * and then every frame is back.
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmfs.h"
#include "model.h"
#include "splitmix.h"

#define MAX_PROCS     12
#define WIN_PAGES     96          /* pages in each address window */
#define PROC_BUDGET   300         /* most pages one process may map */
#define CHECK_EVERY   64          /* ops between vmfs_maps/translate checks */
#define FULL_EVERY    512         /* ops between whole-machine checks */
#define MACHINE_FRAMES 4096       /* > MAX_PROCS * PROC_BUDGET: never short */
#define POLICY_LEN     16

_Static_assert(MAX_PROCS <= MODEL_PROCS, "the model holds MAX_PROCS processes");

/* ---- one run --------------------------------------------------------------- */

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
	bool no_zero_page;          /* --no-zero-page: zero_page=0, reads take frames */
	bool objects;               /* --objects */
	/* the machine and its model (model.h) */
	struct model md;
	/* state */
	uint64_t rng;
	long opno;
	/* what the run exercised, printed at its end */
	struct {
		long mmap_ok, mmap_err, munmap, mprotect_ok, mprotect_err, mremap_ok, mremap_err;
		long full, shortc, fault, forks, exits, checks;
		long enomem, swapped_seen, zero_seen;
		size_t max_pages;
		/* --objects */
		long obj_maps, obj_map_err, obj_calls, obj_err, obj_resizes, obj_removes;
		long past_end, copies, reclaims, numbers, numbers_bad;
		long madvise, mlock, mincore;
	} n;
};

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

/* The run whose model @md is. */
static struct run *run_of(const struct model *md)
{
	return (struct run *)((char *)md - offsetof(struct run, md));
}

/* With --verbose, every operation as model_set_op names it. */
static void trace_op(const struct model *md)
{
	printf("  op %ld: %s\n", run_of(md)->opno, md->op);
}

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
	if (r->no_zero_page)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " --no-zero-page");
	if (r->swap_size[0])
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " --swap-size %s", r->swap_size);
	if (r->objects)
		snprintf(buf + n, sizeof(buf) - (size_t)n, " --objects");
	return buf;
}

/* The first mismatch of a run: what, where, and how to replay it. */
static void vfail(struct run *r, const char *fmt, va_list ap)
{
	if (r->md.failed)
		return;
	r->md.failed = true;
	printf("MISMATCH seed %" PRIu64 " (%s), op %ld: %s\n  ", r->seed, config_args(r),
	       r->opno, r->md.op);
	vprintf(fmt, ap);
	printf("\n  (replay: --seed %" PRIu64 " %s --ops %ld --verbose)\n", r->seed,
	       config_args(r), r->opno + 1);
	fflush(stdout);
}

static void fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(r, fmt, ap);
	va_end(ap);
}

/* The shared checks of model.c report here. */
void model_fail(struct model *md, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(run_of(md), fmt, ap);
	va_end(ap);
}

/* ---- picking things ------------------------------------------------------- */

static struct mproc *pick_proc(struct run *r)
{
	return &r->md.procs[rnd(r, (uint64_t)r->md.nprocs)];
}

/* A page number that may or may not be mapped: one of the two windows, or
 * next to a page the process has (covers pages placed outside the windows). */
static uint64_t pick_vpn(struct run *r, const struct mproc *p)
{
	uint64_t k = rnd(r, 10);
	if (k < 4 || (k >= 8 && p->n == 0))
		return LOW_VPN + rnd(r, WIN_PAGES);
	if (k < 8)
		return r->md.top_vpn - WIN_PAGES + rnd(r, WIN_PAGES);
	uint64_t vpn = p->pg[rnd(r, p->n)].vpn + rnd(r, 5);
	return vpn >= 2 + MIN_VPN ? vpn - 2 : vpn;
}

static uint64_t pick_npages(struct run *r)
{
	return chance(r, 85) ? 1 + rnd(r, 6) : 1 + rnd(r, 24);
}

/* ---- checks --------------------------------------------------------------- */

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
	if (vmfs_pagemap(r->md.m, pid, vpn, &pm, 1) != 1)
		fail(r, "vmfs_pagemap(%d, %#" PRIx64 ") failed", pid, vpn);
	else if (!(pm & VMFS_PM_PRESENT) || !!(pm & VMFS_PM_FILE) != !page_is_anon(pg))
		fail(r, "pid %d page %#" PRIx64 ": pagemap %#" PRIx64 " for a %s page", pid,
		     vpn * PAGE, pm, page_is_anon(pg) ? "private anonymous" : "page-cache");
}

/* A leaf mapping the shared zero page (a private anonymous page read, never
 * written, whose bytes the check that follows finds all zero): read-only
 * and COW, so that a write copies it; in pagemap present with the zero
 * page's PFN, neither exclusively mapped (bit 56) nor a file page (61). */
static void check_zero_leaf(struct run *r, int pid, uint64_t vpn, const struct mpage *pg,
			    uint64_t leaf)
{
	uint64_t pm = 0;
	if (!page_is_anon(pg) || pg->shared)
		fail(r, "pid %d page %#" PRIx64 ": the zero page maps a %s page", pid, vpn * PAGE,
		     pg->shared ? "shared" : "private object");
	else if ((leaf & VMFS_PTE_RW) || !(leaf & VMFS_PTE_COW))
		fail(r, "pid %d page %#" PRIx64 ": zero-page leaf %#" PRIx64 " writable or not COW",
		     pid, vpn * PAGE, leaf);
	else if (vmfs_pagemap(r->md.m, pid, vpn, &pm, 1) != 1)
		fail(r, "vmfs_pagemap(%d, %#" PRIx64 ") failed", pid, vpn);
	else if ((pm & ~VMFS_PM_SOFT_DIRTY) != (VMFS_PM_PRESENT | r->md.zero_pfn))
		fail(r, "pid %d page %#" PRIx64 ": pagemap %#" PRIx64 " for the zero page (pfn %#"
		     PRIx64 ")", pid, vpn * PAGE, pm, r->md.zero_pfn);
}

/* vmfs_maps against the model (model.c), counted. */
static void check_proc_maps(struct run *r, const struct mproc *p)
{
	r->n.checks++;
	check_maps(&r->md, p, r->objects);
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
	if (vpn >= r->md.top_vpn)
		vpn = r->md.top_vpn - 1;
	uint64_t addr = vpn * PAGE + off;
	struct vmfs_walk w;
	const struct mpage *pg = page_at(p, vpn);
	if (s)
		memset(s, 0, sizeof(*s));
	int rc = vmfs_translate(r->md.m, p->pid, addr, &w);
	if (rc) {
		fail(r, "vmfs_translate(%d, %#" PRIx64 ") returned %d", p->pid, addr, rc);
		return;
	}
	if (w.levels != r->levels || w.depth < 1 || w.depth > r->levels) {
		fail(r, "walk of %#" PRIx64 ": levels %d depth %d", addr, w.levels, w.depth);
		return;
	}
	for (int i = 0; i < w.depth && !r->md.failed; i++) {
		const struct vmfs_walk_level *l = &w.level[i];
		if (l->index != expected_index(r->levels, i, addr))
			fail(r, "walk of %#" PRIx64 ": level %d index %u, expected %u", addr,
			     i, l->index, expected_index(r->levels, i, addr));
		uint64_t e = phys_u64(&r->md, l->table + 8 * (uint64_t)l->index);
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
	if (r->md.failed)
		return;
	if (w.mapped != (pg != NULL))
		fail(r, "walk of %#" PRIx64 " in pid %d: mapped %d, model %s", addr, p->pid,
		     w.mapped, pg ? "mapped" : "unmapped");
	else if (pg && (w.prot != pg->prot || !!(w.flags & MAP_SHARED) != pg->shared))
		fail(r, "walk of %#" PRIx64 ": prot %s flags %#x, model %s %s", addr,
		     prot_str(w.prot), w.flags, prot_str(pg->prot),
		     pg->shared ? "shared" : "private");
	if (r->md.failed)
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
		if (!r->pressure && !r->md.pswpout_advised) {
			fail(r, "walk of %#" PRIx64 ": swapped (leaf %#" PRIx64 "), but memory "
			     "is never short here (and no MADV_PAGEOUT)", addr, leaf);
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
	if (r->md.failed)
		return;
	bool zero = r->md.zero_page && w.paddr >> 12 == r->md.zero_pfn;
	if (zero)
		check_zero_leaf(r, p->pid, vpn, pg, leaf);
	if (r->md.failed)
		return;
	unsigned char frame[PAGE];
	ssize_t got = vmfs_phys_read(r->md.m, w.paddr - off, frame, PAGE);
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
	if (zero) {             /* no frame: in no RSS, no frame count */
		r->n.zero_seen++;
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
	if (vmfs_proc_stat(r->md.m, p->pid, &ps)) {
		fail(r, "vmfs_proc_stat(%d) failed", p->pid);
		return;
	}
	model_expect(&r->md, "rss_anon (present private leaves)", (int64_t)anon, (int64_t)ps.rss_anon);
	model_expect(&r->md, "rss_shmem (present shared leaves)", (int64_t)shmem, (int64_t)ps.rss_shmem);
	model_expect(&r->md, "rss_file (present object leaves)", (int64_t)file, (int64_t)ps.rss_file);
	model_expect(&r->md, "swap (swap entries)", (int64_t)nw, (int64_t)ps.swap);
	int nm = vmfs_maps(r->md.m, p->pid, maps, 1024);
	size_t i = 0, j = 0;
	for (int k = 0; k < nm && k < 1024 && !r->md.failed; k++) {
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
		/* a shared anonymous mapping's swap is its object's pages in swap,
		 * which leave no entry in the tables (test_api checks it) */
		if ((maps[k].flags & MAP_SHARED) && !maps[k].object[0] && maps[k].swap >= sw)
			sw = maps[k].swap;
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
	if (st->pgmajfault + r->md.pswpin_unfaulted < st->pswpin)
		fail(r, "pgmajfault %" PRIu64 " < pswpin %" PRIu64 " (less MADV_WILLNEED's)",
		     st->pgmajfault, st->pswpin);
	model_expect(&r->md, "pgfault == the faults the accesses reported", (int64_t)r->md.faults_seen,
		  (int64_t)st->pgfault);
	model_expect(&r->md, "pgmajfault == the major faults the accesses reported",
		  (int64_t)r->md.majors_seen, (int64_t)st->pgmajfault);
	/* Every major fault reads its page (readahead's reads, WILLNEED's and
	 * swap-ins count too), and every swap-in is a read. */
	if (st->pgpgin < st->pgmajfault || st->pgpgin < st->pswpin)
		fail(r, "pgpgin %" PRIu64 " < pgmajfault %" PRIu64 " or pswpin %" PRIu64,
		     st->pgpgin, st->pgmajfault, st->pswpin);
}

/* A policy with Linux's lists (linux, mglru) has every resident data page
 * on exactly one of them: swap-backed pages (private anonymous and shared
 * anonymous memory) on the anon lists, object pages on the file lists. */
static void check_lru_lists(struct run *r, const struct vmfs_stat *st)
{
	struct vmfs_lru_stat ls;

	if (vmfs_lru_stat(r->md.m, &ls)) {
		fail(r, "vmfs_lru_stat failed");
		return;
	}
	if (!ls.lists)
		return;
	model_expect(&r->md, "anon lists == anon + shmem pages", (int64_t)(st->anon_pages + st->shmem_pages),
		     (int64_t)(ls.nr_active_anon + ls.nr_inactive_anon));
	model_expect(&r->md, "file lists == object pages", (int64_t)(st->file_pages - st->shmem_pages),
		     (int64_t)(ls.nr_active_file + ls.nr_inactive_file));
}

/* The machine-wide counters agree with each other (and, with unlimited swap,
 * no allocation ever failed). */
static void check_counters(struct run *r)
{
	struct vmfs_stat st;
	if (vmfs_stat(r->md.m, &st)) {
		fail(r, "vmfs_stat failed");
		return;
	}
	if (!r->objects)
		model_expect(&r->md, "pgmajfault == pswpin (but MADV_WILLNEED's)",
			     (int64_t)(st.pswpin - r->md.pswpin_unfaulted), (int64_t)st.pgmajfault);
	else
		check_object_counters(r, &st);
	if (st.pgsteal_direct < st.pswpout - r->md.pswpout_advised ||
	    st.pgscan_direct < st.pgsteal_direct)
		fail(r, "pgscan_direct %" PRIu64 ", pgsteal_direct %" PRIu64 ", pswpout %" PRIu64,
		     st.pgscan_direct, st.pgsteal_direct, st.pswpout);
	if (!r->pressure)
		model_expect(&r->md, "pgsteal_direct with memory to spare", 0, (int64_t)st.pgsteal_direct);
	if (!r->may_oom)
		model_expect(&r->md, "oom_kill with unlimited swap", 0, (int64_t)st.oom_kill);
	if (st.swap_total && st.swap_used > st.swap_total)
		fail(r, "swap_used %" PRIu64 " > swap_total %" PRIu64, st.swap_used, st.swap_total);
	if (st.swap_cached > st.frames - st.frames_free)
		fail(r, "swap_cached %" PRIu64 " with %" PRIu64 " frames in use", st.swap_cached,
		     st.frames - st.frames_free);
	if (r->policy[0] && strcmp(st.policy, r->policy))
		fail(r, "vmfs_stat policy \"%s\", asked for \"%s\"", st.policy, r->policy);
	check_lru_lists(r, &st);
}

/* Translate every page of every process; then no frame that a writable leaf
 * maps holds a second buffer, the present pages of a shared buffer all use
 * one frame, and the model pages that share a swap slot hold the same
 * bytes. */
static void check_all(struct run *r)
{
	size_t total = 0, n = 0, nw = 0;

	model_resolve_lazy(&r->md);
	for (int i = 0; i < r->md.nprocs; i++)
		total += r->md.procs[i].n;
	struct seen *s = xmalloc((total + 1) * sizeof(*s));
	struct seen *w = xmalloc((total + 1) * sizeof(*w));
	for (int i = 0; i < r->md.nprocs && !r->md.failed; i++) {
		const struct mproc *p = &r->md.procs[i];
		check_proc_maps(r, p);
		for (size_t k = 0; k < p->n && !r->md.failed; k++) {
			check_translate(r, p, p->pg[k].vpn, (unsigned)rnd(r, PAGE), &s[n]);
			if (s[n].swapped)
				w[nw++] = s[n];
			else if (s[n].present)
				n++;
		}
	}
	qsort(s, n, sizeof(*s), cmp_frame);
	size_t frames_used = 0;
	for (size_t a = 0; a < n && !r->md.failed;) {
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
	for (size_t a = 1; a < n && !r->md.failed; a++)
		if (s[a].b == s[a - 1].b && s[a].frame != s[a - 1].frame)
			fail(r, "shared page: pid %d %#" PRIx64 " in frame %#" PRIx64 ", pid %d %#"
			     PRIx64 " in frame %#" PRIx64, s[a - 1].pid, s[a - 1].vpn * PAGE,
			     s[a - 1].frame, s[a].pid, s[a].vpn * PAGE, s[a].frame);
	/* One slot holds one page: whoever refers to it must agree on its bytes
	 * (the processes of a fork family that have not written it since). */
	qsort(w, nw, sizeof(*w), cmp_frame);
	for (size_t a = 1; a < nw && !r->md.failed; a++)
		if (w[a].frame == w[a - 1].frame && w[a].b != w[a - 1].b &&
		    memcmp(w[a].b->d, w[a - 1].b->d, PAGE))
			fail(r, "swap slot %" PRIu64 " is pid %d page %#" PRIx64 " and pid %d page %#"
			     PRIx64 ", whose bytes differ in the model", w[a].frame, w[a - 1].pid,
			     w[a - 1].vpn * PAGE, w[a].pid, w[a].vpn * PAGE);
	/* Frames in use are at least those the page tables reach (shared pages
	 * may also sit unmapped in their object's page cache, and read-back
	 * pages in the swap cache). */
	struct vmfs_stat st;
	vmfs_stat(r->md.m, &st);
	if (!r->md.failed && r->frames - st.frames_free < frames_used)
		fail(r, "%zu distinct frames are mapped, but frames_free is %" PRIu64 " of %" PRIu64,
		     frames_used, st.frames_free, r->frames);
	/* Slots in use are at least the distinct slots the page tables hold. */
	size_t slots = 0;
	for (size_t a = 0; a < nw; a++)
		slots += a == 0 || w[a].frame != w[a - 1].frame;
	if (!r->md.failed && st.swap_used < slots)
		fail(r, "%zu distinct swap slots in the page tables, but swap_used is %" PRIu64,
		     slots, st.swap_used);
	check_counters(r);
	qsort(s, n, sizeof(*s), cmp_page);
	qsort(w, nw, sizeof(*w), cmp_page);
	for (int i = 0; i < r->md.nprocs && !r->md.failed; i++) {
		size_t ns, nsw;
		const struct seen *ps = proc_range(s, n, r->md.procs[i].pid, &ns);
		const struct seen *pw = proc_range(w, nw, r->md.procs[i].pid, &nsw);
		check_rss(r, &r->md.procs[i], ps, ns, pw, nsw);
	}
	free(s);
	free(w);
}

/* ---- operations ------------------------------------------------------------ */

static void op_spawn(struct run *r)
{
	char name[32];
	snprintf(name, sizeof(name), "model%d", r->md.next_pid);
	model_set_op(&r->md, "spawn(\"%s\")", name);
	int pid = vmfs_spawn(r->md.m, name);
	model_expect(&r->md, "spawn pid", r->md.next_pid, pid);
	if (pid >= 0)
		model_spawn(&r->md, pid);
}

static void op_fork(struct run *r)
{
	struct mproc *parent = pick_proc(r);
	model_set_op(&r->md, "fork(%d)", parent->pid);
	int pid = vmfs_fork(r->md.m, parent->pid);
	model_expect(&r->md, "fork pid", r->md.next_pid, pid);
	if (pid < 0)
		return;
	model_fork(&r->md, parent, pid);
	r->n.forks++;
}

static void op_exit(struct run *r)
{
	int i = (int)rnd(r, (uint64_t)r->md.nprocs);
	int pid = r->md.procs[i].pid;
	model_set_op(&r->md, "exit(%d)", pid);
	model_expect(&r->md, "exit", 0, vmfs_exit(r->md.m, pid));
	model_exit(&r->md, i);
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

	model_set_op(&r->md, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s%s, %s)", p->pid, addr, len,
	       prot_str(prot), shared ? "MAP_SHARED" : "MAP_PRIVATE",
	       flags & MAP_ANONYMOUS ? "|MAP_ANONYMOUS" : "", mode_name[mode]);

	uint64_t at = 0;
	int64_t expected = placement(&r->md, p, addr, npages, mode, &at);

	uint64_t out = 0xdeadbeef;
	int rc = vmfs_mmap(r->md.m, p->pid, addr, len, prot, flags, NULL, 0, &out);
	model_expect(&r->md, "mmap", expected, rc);
	if (rc == 0 && !r->md.failed) {
		model_expect(&r->md, "mmap address", (int64_t)(at * PAGE), (int64_t)out);
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
	model_set_op(&r->md, "munmap(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE, len);
	int64_t expected = vpn + npages > r->md.top_vpn ? -EINVAL : 0;
	model_expect(&r->md, "munmap", expected, vmfs_munmap(r->md.m, p->pid, vpn * PAGE, len));
	if (expected == 0)
		remove_range(p, vpn, npages);
	r->n.munmap++;
}

/*
 * madvise, mlock and their relatives (issue 14): the model says what each
 * must return and how the pages change (model.c).  What the calls do
 * besides the model's view is counted so that the counter checks still
 * hold: faults taken by mlock's populate, pages MADV_WILLNEED read from
 * swap without a fault, pages MADV_PAGEOUT wrote to swap.  MADV_FREE's pages may
 * be dropped by reclaim at any time, so it runs only without pressure,
 * where reclaim comes only from whole operations (model_resolve_lazy
 * finds out before the next); locking runs only without pressure too (a
 * locked page would leave the pressure runs no frame).  mlockall with
 * MCL_FUTURE is left to test_madvise.c.
 */
struct call_counts {
	uint64_t pgfault, pgmajfault, pswpin, pswpout;
};

static struct call_counts call_counts(struct run *r)
{
	struct vmfs_stat st;
	struct call_counts c = { 0 };

	if (vmfs_stat(r->md.m, &st) == 0)
		c = (struct call_counts){ st.pgfault, st.pgmajfault, st.pswpin, st.pswpout };
	return c;
}

/* What a call between @before and now did to the counters, credited to it. */
static void credit_call(struct run *r, const struct call_counts *before)
{
	struct call_counts now = call_counts(r);

	r->md.faults_seen += now.pgfault - before->pgfault;
	r->md.majors_seen += now.pgmajfault - before->pgmajfault;
	r->md.pswpin_unfaulted += (now.pswpin - before->pswpin) - (now.pgmajfault - before->pgmajfault);
	r->md.pswpout_advised += now.pswpout - before->pswpout;
}

static void op_mprotect(struct run *r, struct mproc *p)
{
	uint64_t vpn = chance(r, 50) && p->n ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	uint64_t npages = 1 + rnd(r, chance(r, 70) ? 4 : 16);
	int prot = (int)rnd(r, 8);
	model_set_op(&r->md, "mprotect(%d, %#" PRIx64 ", %#" PRIx64 ", %s)", p->pid, vpn * PAGE,
	       npages * PAGE, prot_str(prot));
	uint64_t reach;
	int64_t expected = mprotect_expect(&r->md, p, vpn, npages, prot, &reach);
	struct call_counts before = call_counts(r);   /* a locked range may be populated */
	model_expect(&r->md, "mprotect", expected,
		  vmfs_mprotect(r->md.m, p->pid, vpn * PAGE, npages * PAGE, prot));
	credit_call(r, &before);
	apply_mprotect(&r->md, p, vpn, reach, prot);   /* a failing mprotect changes what is before the hole */
	if (expected == 0) {
		r->n.mprotect_ok++;
	} else {
		r->n.mprotect_err++;
	}
}

/*
 * The pages an access @how at @addr reached in the engine's fault handler:
 * the @done bytes' pages, and the page after them when @stopped there (it
 * needed a frame and got none, or lies past its object's end).  Each that
 * takes a private anonymous frame gives its mapping an anon_vma.
 */
static void anon_faults(struct run *r, struct mproc *p, uint64_t addr, size_t done, bool stopped,
			unsigned how)
{
	uint64_t first = addr / PAGE, last = done ? (addr + done - 1) / PAGE + 1 : first;

	if (stopped)
		last = (addr + done) / PAGE + 1;
	for (uint64_t vpn = first; vpn < last; vpn++) {
		const struct mpage *pg = page_at(p, vpn);

		if (pg && anon_fault_expected(&r->md, pg, how))
			model_anon_fault(p, vpn);
	}
}


static void op_madvise(struct run *r, struct mproc *p)
{
	static const int advices[] = {
		VMFS_MADV_NORMAL, VMFS_MADV_RANDOM, VMFS_MADV_SEQUENTIAL, VMFS_MADV_WILLNEED,
		VMFS_MADV_DONTNEED, VMFS_MADV_FREE, VMFS_MADV_DONTFORK, VMFS_MADV_DOFORK,
		VMFS_MADV_WIPEONFORK, VMFS_MADV_KEEPONFORK, VMFS_MADV_COLD, VMFS_MADV_PAGEOUT,
	};
	uint64_t vpn = chance(r, 60) && p->n ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	uint64_t npages = 1 + rnd(r, chance(r, 70) ? 4 : 16);
	int advice = chance(r, 3) ? (int)rnd(r, 30) : advices[rnd(r, 12)];
	struct call_counts before;
	int64_t expected;

	if (advice == VMFS_MADV_FREE && r->pressure)
		advice = VMFS_MADV_COLD;
	model_set_op(&r->md, "madvise(%d, %#" PRIx64 ", %#" PRIx64 ", %d)", p->pid, vpn * PAGE,
		     npages * PAGE, advice);
	expected = model_madvise(&r->md, p, vpn, npages, advice);
	before = call_counts(r);
	model_expect(&r->md, "madvise", expected,
		     vmfs_madvise(r->md.m, p->pid, vpn * PAGE, npages * PAGE, advice));
	credit_call(r, &before);
	r->n.madvise++;
}

static void op_mlock(struct run *r, struct mproc *p)
{
	uint64_t vpn = chance(r, 70) && p->n ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	uint64_t npages = 1 + rnd(r, chance(r, 70) ? 4 : 16);
	uint64_t k = rnd(r, 10);
	struct call_counts before = call_counts(r);
	int64_t expected = 0, got;
	unsigned flags = 0;

	if (k < 4) {
		flags = chance(r, 25) ? VMFS_MLOCK_ONFAULT : 0;
		model_set_op(&r->md, "mlock(%d, %#" PRIx64 ", %#" PRIx64 ", %u)", p->pid, vpn * PAGE,
			     npages * PAGE, flags);
		expected = model_mlock(&r->md, p, vpn, npages, flags);
		got = vmfs_mlock(r->md.m, p->pid, vpn * PAGE, npages * PAGE, flags);
	} else if (k < 8) {
		model_set_op(&r->md, "munlock(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE,
			     npages * PAGE);
		expected = model_munlock(&r->md, p, vpn, npages);
		got = vmfs_munlock(r->md.m, p->pid, vpn * PAGE, npages * PAGE);
	} else if (k < 9) {
		/* no MCL_FUTURE (see above); sometimes a bad flag */
		flags = chance(r, 80) ? VMFS_MCL_CURRENT | (chance(r, 30) ? VMFS_MCL_ONFAULT : 0)
				      : (unsigned)rnd(r, 16) & ~(unsigned)VMFS_MCL_FUTURE;
		model_set_op(&r->md, "mlockall(%d, %u)", p->pid, flags);
		expected = model_mlockall(&r->md, p, flags);
		got = vmfs_mlockall(r->md.m, p->pid, flags);
	} else {
		model_set_op(&r->md, "munlockall(%d)", p->pid);
		model_munlockall(&r->md, p);
		got = vmfs_munlockall(r->md.m, p->pid);
	}
	model_expect(&r->md, "mlock", expected, got);
	credit_call(r, &before);
	r->n.mlock++;
	if (!r->md.failed) {
		struct vmfs_proc_stat ps;

		if (vmfs_proc_stat(r->md.m, p->pid, &ps) == 0)
			model_expect(&r->md, "locked_vm", (int64_t)model_locked(p), (int64_t)ps.locked_vm);
	}
}

/*
 * mremap (since 0.5): mostly a mapping's own pages, with lengths that
 * shrink, keep or grow it, and every flag combination (bad ones too);
 * the model says the result and the address, and how the pages move.
 * Growing shared anonymous memory is left out (model.h).
 */
static void op_mremap(struct run *r, struct mproc *p)
{
	static const int flag_sets[] = {
		0, VMFS_MREMAP_MAYMOVE, VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED,
		VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_DONTUNMAP,
		VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED | VMFS_MREMAP_DONTUNMAP,
	};
	uint64_t vpn = chance(r, 80) && p->n ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	uint64_t old_len = (chance(r, 5) ? 0 : 1 + rnd(r, 6)) * PAGE;
	uint64_t new_len = (1 + rnd(r, 8)) * PAGE;
	int flags = chance(r, 3) ? (int)rnd(r, 16) : flag_sets[rnd(r, 5)];
	uint64_t new_addr = pick_vpn(r, p) * PAGE, res = 0, got_res = 0;
	struct call_counts before;
	int64_t expected, got;

	if (flags & VMFS_MREMAP_DONTUNMAP && chance(r, 80))
		new_len = old_len;
	if (chance(r, 10))
		new_len -= rnd(r, PAGE - 1);            /* rounded up */
	if (model_mremap_grows_shm(p, vpn * PAGE, old_len, new_len) ||
	    (new_len > old_len && p->n + 8 > PROC_BUDGET))
		return;
	model_set_op(&r->md, "mremap(%d, %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %d, %#" PRIx64 ")",
		     p->pid, vpn * PAGE, old_len, new_len, flags, new_addr);
	expected = model_mremap(&r->md, p, vpn * PAGE, old_len, new_len, flags, new_addr, &res);
	before = call_counts(r);   /* a locked mapping that grows is populated */
	got = vmfs_mremap(r->md.m, p->pid, vpn * PAGE, old_len, new_len, flags, new_addr, &got_res);
	credit_call(r, &before);
	model_expect(&r->md, "mremap", expected, got);
	if (expected == 0 && got == 0)
		model_expect(&r->md, "mremap address", (int64_t)res, (int64_t)got_res);
	if (got == 0)
		r->n.mremap_ok++;
	else
		r->n.mremap_err++;
	if (!r->md.failed) {
		struct vmfs_proc_stat ps;

		if (vmfs_proc_stat(r->md.m, p->pid, &ps) == 0)
			model_expect(&r->md, "locked_vm", (int64_t)model_locked(p), (int64_t)ps.locked_vm);
	}
}

/* mincore of a range: 1 exactly where pagemap says present, or in swap and in the swap cache. */
static void op_mincore(struct run *r, struct mproc *p)
{
	uint64_t vpn = chance(r, 70) && p->n ? p->pg[rnd(r, p->n)].vpn : pick_vpn(r, p);
	uint64_t npages = 1 + rnd(r, 8), pm[8];
	unsigned char vec[8];
	size_t run = lower_bound(p, vpn);
	uint64_t mapped = 0;
	int rc;

	model_set_op(&r->md, "mincore(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE,
		     npages * PAGE);
	while (run + mapped < p->n && mapped < npages && p->pg[run + mapped].vpn == vpn + mapped)
		mapped++;
	rc = vmfs_mincore(r->md.m, p->pid, vpn * PAGE, npages * PAGE, vec);
	if (vpn + npages > r->md.top_vpn) {     /* access_ok fails: nothing filled */
		model_expect(&r->md, "mincore past user space", -ENOMEM, rc);
		return;
	}
	model_expect(&r->md, "mincore", mapped == npages ? 0 : -ENOMEM, rc);
	if (vmfs_pagemap(r->md.m, p->pid, vpn, pm, mapped) != (ssize_t)mapped) {
		fail(r, "vmfs_pagemap failed");
		return;
	}
	for (uint64_t i = 0; i < mapped && !r->md.failed; i++)
		if ((pm[i] & VMFS_PM_PRESENT) && vec[i] != 1)
			fail(r, "mincore says page %#" PRIx64 " is not in memory; pagemap %#" PRIx64,
			     (vpn + i) * PAGE, pm[i]);
	r->n.mincore++;
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
	model_set_op(&r->md, "%s%s(%d, %#" PRIx64 ", %zu)", how & VMFS_ACCESS_FORCE ? "force-" : "",
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
	const struct mpage *stop;
	size_t done = access_plan(&r->md, p, addr, len, how, want, &stop);
	int64_t expected = done ? (int64_t)done : -EFAULT;

	struct vmfs_proc_stat before, after;
	bool user = !(how & VMFS_ACCESS_FORCE);
	if (!done && user)
		vmfs_proc_stat(r->md.m, p->pid, &before);
	struct vmfs_fault f;
	memset(&f, 0x5a, sizeof(f));
	ssize_t got = vmfs_access(r->md.m, p->pid, addr, type == VMFS_ACCESS_WRITE ? in : out,
				  len, how, &f);
	r->md.faults_seen += f.minor + f.major;
	r->md.majors_seen += f.major;
	/* Out of memory (no swap, or swap full): the access stops at the page
	 * that needed a frame, which is its first (-ENOMEM) or a later one (a
	 * short count at a page boundary). */
	if (got != expected && r->may_oom && done && f.err == -ENOMEM &&
	    (got == -ENOMEM || (got > 0 && (size_t)got < done && (addr + (uint64_t)got) % PAGE == 0))) {
		done = got > 0 ? (size_t)got : 0;
		r->n.enomem++;
		anon_faults(r, p, addr, done, true, how);
		if (!done)
			return;
	} else {
		model_expect(&r->md, "bytes transferred", expected, got);
		/* past an object's end a private write took an anon_vma first (do_cow_fault) */
		anon_faults(r, p, addr, done, stop && obj_past_end(stop) && allowed(stop, how), how);
	}
	if (r->md.failed)
		return;
	if (type == VMFS_ACCESS_WRITE)
		r->n.copies += access_write(p, addr, in, done);
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
	bool beyond = addr >= r->md.user_top;
	/* Past an object's end there is no page: SIGBUS (BUS_ADRERR), once the
	 * mapping allows the access. */
	bool past_end = stop && obj_past_end(stop) && allowed(stop, how);
	int si_code = past_end ? VMFS_BUS_ADRERR :
		      stop || beyond ? VMFS_SEGV_ACCERR : VMFS_SEGV_MAPERR;
	r->n.past_end += past_end;
	model_expect(&r->md, "fault signo", past_end ? VMFS_SIGBUS : VMFS_SIGSEGV, f.signo);
	model_expect(&r->md, "fault si_code", si_code, f.si_code);
	model_expect(&r->md, "fault addr", (int64_t)addr, (int64_t)f.addr);
	model_expect(&r->md, "fault err", -EFAULT, f.err);
	unsigned code = VMFS_PF_USER | (type == VMFS_ACCESS_WRITE ? VMFS_PF_WRITE : 0) |
			(type == VMFS_ACCESS_EXEC ? VMFS_PF_INSTR : 0);
	model_expect(&r->md, "fault error_code (ignoring the present bit)", code,
		  f.error_code & ~VMFS_PF_PROT);
	if ((!stop || past_end) && !beyond)
		model_expect(&r->md, "fault error_code present bit for an unmapped page", 0,
			  f.error_code & VMFS_PF_PROT);
	vmfs_proc_stat(r->md.m, p->pid, &after);
	model_expect(&r->md, "segv counter rise", 1, (int64_t)(after.segv - before.segv));
}

/* Calls on a PID that does not exist all give -ESRCH and change nothing. */
static void op_dead_pid(struct run *r)
{
	int pid = r->md.dead_pid && chance(r, 70) ? r->md.dead_pid : r->md.next_pid + 7;
	model_set_op(&r->md, "calls on dead pid %d", pid);
	check_dead_pid(&r->md, pid);
}

/* Argument errors: each fails with its errno and changes nothing. */
static void op_bad_args(struct run *r, struct mproc *p)
{
	uint64_t a = pick_vpn(r, p) * PAGE;
	model_set_op(&r->md, "bad arguments on pid %d at %#" PRIx64, p->pid, a);
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	model_expect(&r->md, "mmap len 0", -EINVAL, vmfs_mmap(r->md.m, p->pid, a, 0, PROT_READ,
						      anon | MAP_FIXED, NULL, 0, NULL));
	model_expect(&r->md, "mmap MAP_FIXED unaligned", -EINVAL,
		  vmfs_mmap(r->md.m, p->pid, a + 1 + rnd(r, PAGE - 1), PAGE, PROT_READ,
			    anon | MAP_FIXED, NULL, 0, NULL));
	model_expect(&r->md, "mmap neither shared nor private", -EINVAL,
		  vmfs_mmap(r->md.m, p->pid, a, PAGE, PROT_READ, MAP_ANONYMOUS | MAP_FIXED,
			    NULL, 0, NULL));
	model_expect(&r->md, "mmap MAP_FIXED past user_top", -ENOMEM,
		  vmfs_mmap(r->md.m, p->pid, r->md.user_top - PAGE, 2 * PAGE, PROT_READ,
			    anon | MAP_FIXED, NULL, 0, NULL));
	model_expect(&r->md, "munmap unaligned", -EINVAL, vmfs_munmap(r->md.m, p->pid, a + 8, PAGE));
	model_expect(&r->md, "munmap len 0", -EINVAL, vmfs_munmap(r->md.m, p->pid, a, 0));
	model_expect(&r->md, "mprotect unaligned", -EINVAL,
		  vmfs_mprotect(r->md.m, p->pid, a + 16, PAGE, PROT_READ));
}

/* ---- object operations (--objects) ----------------------------------------- */

static const char *const obj_modes_str[] = { "0644", "0444", "0600", "0400" };
static const unsigned obj_modes[] = { 0644, 0444, 0600, 0400 };

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

static void op_obj_create(struct run *r)
{
	static unsigned char data[OBJ_PAGES * PAGE];
	int slot = (int)rnd(r, MAX_OBJS);
	uint64_t size = pick_obj_size(r);
	bool zeros = chance(r, 30);
	model_set_op(&r->md, "object_create(\"%s\", %s, %" PRIu64 ")", slot_name(slot),
	       zeros ? "NULL" : "data", size);
	if (!zeros)
		random_bytes(r, data, size);
	int rc = vmfs_object_create(r->md.m, slot_name(slot), zeros ? NULL : data, size);
	model_expect(&r->md, "object_create", r->md.objs[slot] ? -EEXIST : 0, rc);
	if (rc || r->md.failed) {
		r->n.obj_err++;
		return;
	}
	r->md.objs[slot] = obj_new(slot_name(slot), zeros ? NULL : data, size);
	r->n.obj_calls++;
}

static void op_obj_write(struct run *r, struct mobj *o)
{
	static unsigned char data[2 * PAGE];
	uint64_t off = rnd(r, obj_write_room(o->size));
	size_t len = 1 + rnd(r, 2 * PAGE);
	if (off + len > OBJ_PAGES * PAGE)
		len = OBJ_PAGES * PAGE - off;
	model_set_op(&r->md, "object_write(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", o->name, off, len,
	       o->size);
	random_bytes(r, data, len);
	model_expect(&r->md, "object_write", (int64_t)len, vmfs_object_write(r->md.m, o->name, off, data, len));
	if (r->md.failed)
		return;
	obj_write(&r->md, o, off, data, len);
	r->n.obj_calls++;
}

static void op_obj_read(struct run *r, struct mobj *o)
{
	static unsigned char got[3 * PAGE];
	uint64_t off = rnd(r, o->size + PAGE);
	size_t len = 1 + rnd(r, 3 * PAGE);
	model_set_op(&r->md, "object_read(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", o->name, off, len,
	       o->size);
	int64_t want = obj_read_expect(o, off, len);
	memset(got, 0xa5, sizeof(got));
	model_expect(&r->md, "object_read", want, vmfs_object_read(r->md.m, o->name, off, got, len));
	for (int64_t k = 0; k < want && !r->md.failed; k++) {
		unsigned char m = obj_byte(o, off + (uint64_t)k);
		if (got[k] != m)
			fail(r, "%s byte %#" PRIx64 " is %#x, model %#x", o->name, off + (uint64_t)k,
			     got[k], m);
	}
	r->n.obj_calls++;
}

static void op_obj_resize(struct run *r, struct mobj *o)
{
	uint64_t size = pick_obj_size(r);
	model_set_op(&r->md, "object_resize(\"%s\", %" PRIu64 ") (size %" PRIu64 ")", o->name, size, o->size);
	model_expect(&r->md, "object_resize", 0, vmfs_object_resize(r->md.m, o->name, size));
	if (!r->md.failed)
		obj_set_size(&r->md, o, size);
	r->n.obj_resizes++;
}

static void op_obj_remove(struct run *r, int slot)
{
	model_set_op(&r->md, "object_remove(\"%s\")", slot_name(slot));
	model_expect(&r->md, "object_remove", r->md.objs[slot] ? 0 : -ENOENT,
		  vmfs_object_remove(r->md.m, slot_name(slot)));
	if (!r->md.objs[slot] || r->md.failed)
		return;
	r->md.objs[slot]->named = false;
	obj_put(r->md.objs[slot]);
	r->md.objs[slot] = NULL;
	r->n.obj_removes++;
}

static void op_obj_chmod(struct run *r, struct mobj *o)
{
	int k = (int)rnd(r, 4);
	model_set_op(&r->md, "object_chmod(\"%s\", %s)", o->name, obj_modes_str[k]);
	model_expect(&r->md, "object_chmod", 0, vmfs_object_chmod(r->md.m, o->name, obj_modes[k]));
	o->mode = obj_modes[k];
	r->n.obj_calls++;
}

/* stat of every slot, the list in name order, nr_objects. */
static void op_obj_stat(struct run *r)
{
	model_set_op(&r->md, "object_stat and object_list");
	check_objects(&r->md);
	r->n.obj_calls++;
}

static void op_obj_mmap(struct run *r, struct mproc *p)
{
	int slot = (int)rnd(r, MAX_OBJS);
	struct mobj *o = r->md.objs[slot];
	uint64_t npages = pick_npages(r);
	/* Mostly where the object has pages, sometimes at or past its end. */
	uint64_t pgoff = o && chance(r, 80) ? rnd(r, obj_npages(o->size) + 1) : rnd(r, OBJ_PAGES);
	int prot = (int)rnd(r, 8);
	bool shared = chance(r, 50);
	int flags = shared ? MAP_SHARED : MAP_PRIVATE;
	uint64_t addr, at = 0;
	int mode = pick_placement(r, p, &addr, &flags);
	model_set_op(&r->md, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s, \"%s\", page %" PRIu64 ", mode %d)",
	       p->pid, addr, npages * PAGE, prot_str(prot), shared ? "MAP_SHARED" : "MAP_PRIVATE",
	       slot_name(slot), pgoff, mode);
	int64_t expected = !o ? -ENOENT :
			   shared && (prot & PROT_WRITE) && !(o->mode & 0222) ? -EACCES :
			   placement(&r->md, p, addr, npages, mode, &at);
	uint64_t out = 0xdeadbeef;
	int rc = vmfs_mmap(r->md.m, p->pid, addr, npages * PAGE, prot, flags, slot_name(slot),
			   pgoff * PAGE, &out);
	model_expect(&r->md, "mmap of an object", expected, rc);
	if (rc || r->md.failed) {
		r->n.obj_map_err++;
		return;
	}
	model_expect(&r->md, "mmap address", (int64_t)(at * PAGE), (int64_t)out);
	map_obj_range(p, at, npages, prot, shared, o, pgoff);
	if (p->n > r->n.max_pages)
		r->n.max_pages = p->n;
	r->n.obj_maps++;
}

static void op_sync(struct run *r)
{
	model_set_op(&r->md, "sync");
	model_expect(&r->md, "vmfs_sync", 0, vmfs_sync(r->md.m));
	r->n.obj_calls++;
}

/* Evict a few pages on request, or now and then everything. */
static void op_reclaim(struct run *r)
{
	uint64_t n = chance(r, 30) ? r->frames : 1 + rnd(r, 8);
	model_set_op(&r->md, "reclaim(%" PRIu64 ")", n);
	int64_t got = vmfs_reclaim(r->md.m, n);
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
		model_set_op(&r->md, "touch(%d, %#" PRIx64 ") (%s page %" PRIu64 ", %s)", p->pid, pg->vpn * PAGE,
		       pg->o->name, pg->pgoff, pg->shared ? "shared" : "private");
		struct vmfs_fault f;
		ssize_t n = vmfs_access(r->md.m, p->pid, pg->vpn * PAGE, got, PAGE,
					VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, &f);
		r->md.faults_seen += f.minor + f.major;
		r->md.majors_seen += f.major;
		if (n == -ENOMEM && r->may_oom)
			return;
		if (obj_past_end(pg)) {
			model_expect(&r->md, "force-read past the object's end", -EFAULT, n);
			return;
		}
		model_expect(&r->md, "bytes read", PAGE, n);
		for (unsigned k = 0; k < PAGE && n == PAGE && !r->md.failed; k++)
			if (got[k] != page_buf(pg)->d[k])
				fail(r, "byte %u is %#x, model %#x (%s page %" PRIu64 ", size %" PRIu64 ")",
				     k, got[k], page_buf(pg)->d[k], pg->o->name, pg->pgoff, pg->o->size);
		return;
	}
}

/* ---- object numbers (--objects) -------------------------------------------- */

/* A call on an object number: mostly on one that is open, else on one that
 * is not (bad_number); opens of any slot. */
static void op_number(struct run *r)
{
	static const unsigned modes[] = { 0644, 0444, 0600, 0400, 0, 07777, 010000, 0222 };
	static unsigned char data[2 * PAGE];
	uint64_t k = rnd(r, 100);
	int64_t num = r->md.nopen && chance(r, 85) ? r->md.open[rnd(r, (uint64_t)r->md.nopen)]->num
						   : bad_number(&r->md, (unsigned)rnd(r, 256), next_rand(r));
	const struct mobj *o = open_obj(&r->md, num);
	uint64_t size = o ? o->size : 0;

	r->n.numbers++;
	if (!o)
		r->n.numbers_bad++;
	if (k < 20) {
		int slot = (int)rnd(r, MAX_OBJS);

		check_obj_open(&r->md, slot);
	} else if (k < 35) {
		check_obj_close(&r->md, num);
	} else if (k < 55) {
		uint64_t off = rnd(r, size + PAGE);   /* one draw after the other */

		check_obj_pread(&r->md, num, off, 1 + rnd(r, 3 * PAGE));
	} else if (k < 75) {
		uint64_t off = rnd(r, obj_write_room(size));
		size_t len = 1 + rnd(r, 2 * PAGE);

		random_bytes(r, data, len);
		check_obj_pwrite(&r->md, num, off, data, len);
	} else if (k < 82) {
		check_obj_ftruncate(&r->md, num, pick_obj_size(r));
	} else if (k < 87) {
		check_obj_fchmod(&r->md, num, modes[rnd(r, 8)]);
	} else if (k < 95) {
		check_obj_fstat(&r->md, num);
	} else {
		check_obj_limits(&r->md, num);
	}
}

/* A new object @size bytes of random data in @slot, which is empty. */
static void make_obj(struct run *r, int slot, uint64_t size)
{
	static unsigned char data[OBJ_PAGES * PAGE];

	random_bytes(r, data, size);
	model_set_op(&r->md, "object_create(\"%s\", data, %" PRIu64 ")", slot_name(slot), size);
	model_expect(&r->md, "object_create", 0, vmfs_object_create(r->md.m, slot_name(slot), data, size));
	if (!r->md.failed)
		r->md.objs[slot] = obj_new(slot_name(slot), data, size);
}

/*
 * The sequences object numbers were made for, once at the start of every
 * --objects run, through the model's checks; the random operations go on
 * from what they leave (obj0 named, its first object removed but open).
 */
static void number_scenarios(struct run *r)
{
	static unsigned char data[3 * PAGE];
	struct model *md = &r->md;
	struct vmfs_stat before, after;
	struct mproc *p;
	int64_t old, num, again;
	uint64_t at = 0, out = 0, cached;

	random_bytes(r, data, sizeof(data));
	/* 1. obj0 open, removed, created anew: the old number writes and
	 *    truncates the old object, and the new one is untouched; 5. fstat
	 *    of the old number says removed and the old name. */
	make_obj(r, 0, 2 * PAGE + 100);
	model_set_op(md, "scenario 1: open, remove, create, then write through the old number");
	old = check_obj_open(md, 0);
	op_obj_remove(r, 0);
	make_obj(r, 0, PAGE);
	num = check_obj_open(md, 0);
	if (num == old)
		fail(r, "a new object under the name obj0 has the old one's number %" PRId64, num);
	check_obj_pwrite(md, old, 100, data, 2 * PAGE);
	check_obj_ftruncate(md, old, PAGE + 7);
	check_obj_pread(md, old, 0, 3 * PAGE);
	check_obj_pread(md, num, 0, 3 * PAGE);
	check_obj_fstat(md, old);
	check_objects(md);
	/* 2. a second open gives the same number and needs a second close;
	 * 3. then every call on it is -EBADF, and on numbers never given */
	model_set_op(md, "scenario 2: open twice, close three times");
	again = check_obj_open(md, 0);
	model_expect(md, "the second open's number", num, again);
	check_obj_close(md, num);
	check_obj_fstat(md, num);
	check_obj_close(md, num);
	check_obj_close(md, num);
	model_set_op(md, "scenario 3: calls on numbers that are not open");
	check_obj_pread(md, num, 0, PAGE);
	check_obj_pwrite(md, num, 0, data, PAGE);
	check_obj_ftruncate(md, num, 0);
	check_obj_fchmod(md, num, 0600);
	check_obj_limits(md, num);
	for (unsigned k = 0; k < 8 && !md->failed; k++)
		check_obj_limits(md, bad_number(md, k, next_rand(r)));
	/* 6. the calls that must fail on an open number change nothing */
	model_set_op(md, "scenario 6: limits on an open number");
	check_obj_limits(md, old);
	/* 4. obj1 mapped shared, opened, removed, written through its
	 *    number: the mapping sees it; 8. with sync and reclaim between, so
	 *    the removed object's pages go to its store rows and come back;
	 *    after munmap and close its frames come back. */
	if (md->nprocs == 0)
		op_spawn(r);
	p = &md->procs[0];
	make_obj(r, 1, 2 * PAGE);
	model_set_op(md, "scenario 4: map obj1 shared, open, remove, write through the number");
	model_expect(md, "placement", 0, placement(md, p, 0, 2, 3, &at));
	model_expect(md, "mmap of obj1", 0, vmfs_mmap(md->m, p->pid, 0, 2 * PAGE, PROT_READ | PROT_WRITE,
						       MAP_SHARED, "obj1", 0, &out));
	model_expect(md, "mmap address", (int64_t)(at * PAGE), (int64_t)out);
	if (md->failed)
		return;
	map_obj_range(p, at, 2, PROT_READ | PROT_WRITE, true, md->objs[1], 0);
	num = check_obj_open(md, 1);
	op_obj_remove(r, 1);
	check_obj_pwrite(md, num, 10, data, PAGE + 3000);
	check_all_bytes(md, r->may_oom);
	model_set_op(md, "scenario 8: sync and reclaim, then read through the number and the mapping");
	model_expect(md, "vmfs_sync", 0, vmfs_sync(md->m));
	if (vmfs_reclaim(md->m, r->frames) < 0)
		fail(r, "vmfs_reclaim failed");
	check_obj_pread(md, num, 0, 3 * PAGE);
	check_obj_fstat(md, num);
	check_all_bytes(md, r->may_oom);
	model_set_op(md, "scenario 4: munmap, then close: the object's frames come back");
	model_expect(md, "munmap", 0, vmfs_munmap(md->m, p->pid, at * PAGE, 2 * PAGE));
	remove_range(p, at, 2);
	cached = check_obj_fstat(md, num);
	model_expect(md, "vmfs_stat", 0, vmfs_stat(md->m, &before));
	check_obj_close(md, num);
	model_expect(md, "vmfs_stat", 0, vmfs_stat(md->m, &after));
	model_expect(md, "frames_free after the last close", (int64_t)(before.frames_free + cached),
		     (int64_t)after.frames_free);
	model_expect(md, "file_pages after the last close", (int64_t)(before.file_pages - cached),
		     (int64_t)after.file_pages);
	check_obj_fstat(md, num);
}

/* One object operation, three times in ten; false to do an ordinary one. */
static bool op_object(struct run *r, struct mproc *p)
{
	uint64_t k = rnd(r, 1000);
	if (k >= 300 && k < 360) {
		op_number(r);
		return true;
	}
	if (k >= 300)
		return false;
	if (k >= 250) {
		op_obj_touch(r, p);
		return true;
	}
	int slot = (int)rnd(r, MAX_OBJS);
	struct mobj *o = r->md.objs[slot];
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
	for (int slot = 0; slot < MAX_OBJS && !r->md.failed; slot++)
		if (r->md.objs[slot])
			op_obj_remove(r, slot);
}

static void one_op(struct run *r)
{
	model_resolve_lazy(&r->md);     /* what reclaim did to MADV_FREE's pages */
	if (r->md.nprocs == 0) {
		op_spawn(r);
		return;
	}
	struct mproc *p = pick_proc(r);
	if (r->objects && op_object(r, p))
		return;
	uint64_t k = rnd(r, 1110);

	if (k >= 1080) {
		op_mremap(r, p);
		return;
	}
	if (k >= 1000) {
		if (k < 1040)
			op_madvise(r, p);
		else if (k < 1065 && !r->pressure)
			op_mlock(r, p);
		else
			op_mincore(r, p);
		return;
	}
	if (k < 15) {
		if (r->md.nprocs < MAX_PROCS)
			op_spawn(r);
	} else if (k < 50) {
		if (r->md.nprocs < MAX_PROCS)
			op_fork(r);
	} else if (k < 75) {
		if (r->md.nprocs > 1 || chance(r, 20))
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
		model_set_op(&r->md, "translate(%d, %#" PRIx64 ")", p->pid, vpn * PAGE);
		check_translate(r, p, vpn, (unsigned)rnd(r, PAGE), NULL);
	}
}

/*
 * The 8 bytes an episode wrote at @a + @off[i] read back one by one (a
 * later write to the same byte wins), each read's faults counted.
 */
static void episode_read_back(struct run *r, struct mproc *p, uint64_t a, const uint64_t off[8],
			      const unsigned char b[8])
{
	for (int i = 0; i < 8; i++) {
		unsigned char want = b[i], got = 0;
		struct vmfs_fault f = { 0 };

		for (int j = i + 1; j < 8; j++)
			if (off[j] == off[i])
				want = b[j];
		model_expect(&r->md, "episode read", 1,
			     vmfs_access(r->md.m, p->pid, a + off[i], &got, 1, VMFS_ACCESS_READ, &f));
		r->md.faults_seen += f.minor + f.major;
		model_expect(&r->md, "episode byte", want, got);
	}
}

/*
 * A hugetlb episode (issue 17, since 0.8), at each periodic check of a run
 * with memory to spare and 3 levels or more, that leaves the machine as
 * it found it: the 2 MiB pool grown to one page (vm.nr_hugepages: it may
 * find no free aligned block among the model's pages, and then the mmap
 * is ENOMEM), a private or shared MAP_HUGETLB mapping in process @p,
 * random writes to it read back byte for byte (the first one faults the
 * page in, its reservation consumed: HugePages_Rsvd), a walk ending at the
 * pmd, munmap of 4 KiB of it refused, then munmap and the pool shrunk to
 * nothing again, every frame back.  Its own random numbers (from the seed
 * and the operation's number), so the run's operations stay the same.
 */
static void hugetlb_episode(struct run *r, struct mproc *p)
{
	uint64_t rng = r->seed * 0x9e3779b97f4a7c15ull + (uint64_t)r->opno, one = 1, zero = 0;
	uint64_t a = 0, off[8];
	unsigned char b[8];
	struct vmfs_huge_stat hs;
	struct vmfs_stat before, after;
	struct vmfs_fault f;
	struct vmfs_walk w;
	int flags = (splitmix64(&rng) & 1 ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_HUGETLB;
	int rc;

	model_set_op(&r->md, "hugetlb episode in %d after op %ld", p->pid, r->opno);
	model_expect(&r->md, "vmfs_stat", 0, vmfs_stat(r->md.m, &before));
	model_expect(&r->md, "vm.nr_hugepages=1", 0, vmfs_sysctl(r->md.m, "vm.nr_hugepages", NULL, &one));
	model_expect(&r->md, "vmfs_huge_stat", 0, vmfs_huge_stat(r->md.m, &hs));
	rc = vmfs_mmap(r->md.m, p->pid, 0, 2u << 20, PROT_READ | PROT_WRITE, flags, NULL, 0, &a);
	model_expect(&r->md, "hugetlb mmap", hs.pool[0].nr ? 0 : -ENOMEM, rc);
	if (rc == 0) {
		for (int i = 0; i < 8; i++) {
			off[i] = splitmix64(&rng) % (2u << 20);
			b[i] = (unsigned char)splitmix64(&rng);
			memset(&f, 0, sizeof(f));
			model_expect(&r->md, "hugetlb write", 1,
				     vmfs_access(r->md.m, p->pid, a + off[i], &b[i], 1,
						 VMFS_ACCESS_WRITE, &f));
			r->md.faults_seen += f.minor + f.major;
		}
		episode_read_back(r, p, a, off, b);
		model_expect(&r->md, "vmfs_huge_stat", 0, vmfs_huge_stat(r->md.m, &hs));
		model_expect(&r->md, "HugePages_Free after the fault", 0, (int64_t)hs.pool[0].free);
		model_expect(&r->md, "HugePages_Rsvd after the fault", 0, (int64_t)hs.pool[0].resv);
		model_expect(&r->md, "translate", 0, vmfs_translate(r->md.m, p->pid, a + off[0], &w));
		model_expect(&r->md, "the walk ends at the pmd", w.levels - 1, w.depth);
		model_expect(&r->md, "a 2 MiB page", 21, w.page_shift);
		model_expect(&r->md, "munmap of 4 KiB of it", -EINVAL,
			     vmfs_munmap(r->md.m, p->pid, a + PAGE, PAGE));
		model_expect(&r->md, "munmap", 0, vmfs_munmap(r->md.m, p->pid, a, 2u << 20));
	}
	model_expect(&r->md, "vm.nr_hugepages=0", 0, vmfs_sysctl(r->md.m, "vm.nr_hugepages", NULL, &zero));
	model_expect(&r->md, "vmfs_huge_stat", 0, vmfs_huge_stat(r->md.m, &hs));
	model_expect(&r->md, "the pool is empty again", 0, (int64_t)(hs.pool[0].nr + hs.pool[0].resv));
	model_expect(&r->md, "vmfs_stat", 0, vmfs_stat(r->md.m, &after));
	model_expect(&r->md, "frames_free after the episode", (int64_t)before.frames_free,
		     (int64_t)after.frames_free);
	model_expect(&r->md, "page tables after the episode", (int64_t)before.pagetable_pages,
		     (int64_t)after.pagetable_pages);
}

/*
 * A transparent huge page episode (issue 17, since 0.8), beside the
 * hugetlb one and under the same conditions, that leaves the machine as
 * it found it: 4 MiB of private anonymous memory at 1 GiB, far from the
 * model's windows (skipped with -EEXIST when a mapping of the model is
 * there), madvised MADV_HUGEPAGE; random writes over it, each 2 MiB half
 * first touched takes a huge page or falls back (thp_fault_alloc +
 * thp_fault_fallback grow by the halves touched), the walks end at the
 * pmd exactly for the halves that took one; the bytes read back; 4 KiB
 * unmapped inside the first half splits its huge page (thp_split_pmd)
 * and the other bytes stay; then munmap, every frame and table back.
 * Its own random numbers, so the run's operations stay the same.
 */
static void thp_episode(struct run *r, struct mproc *p)
{
	const uint64_t base = 1ull << 30, half = 2ull << 20, hole = base + 7 * PAGE;
	uint64_t rng = (r->seed ^ 0x7468707468707468ull) * 0x9e3779b97f4a7c15ull + (uint64_t)r->opno;
	uint64_t a = 0, off[8], huge_halves = 0;
	unsigned char b[8];
	bool touched[2] = { false, false }, huge[2] = { false, false };
	struct vmfs_stat before, after;
	struct vmfs_mlock_stat t0, t1;
	struct vmfs_fault f;
	struct vmfs_walk w;
	int rc;

	model_set_op(&r->md, "thp episode in %d after op %ld", p->pid, r->opno);
	model_expect(&r->md, "vmfs_stat", 0, vmfs_stat(r->md.m, &before));
	model_expect(&r->md, "vmfs_mlock_stat", 0, vmfs_mlock_stat(r->md.m, &t0));
	rc = vmfs_mmap(r->md.m, p->pid, base, 2 * half, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0, &a);
	if (rc == -EEXIST)   /* one of the model's own mappings is there */
		return;
	model_expect(&r->md, "thp mmap", 0, rc);
	model_expect(&r->md, "madvise hugepage", 0,
		     vmfs_madvise(r->md.m, p->pid, base, 2 * half, VMFS_MADV_HUGEPAGE));
	for (int i = 0; i < 8; i++) {
		do
			off[i] = splitmix64(&rng) % (2 * half);
		while (base + off[i] >= hole && base + off[i] < hole + PAGE);   /* not the page unmapped below */
		b[i] = (unsigned char)splitmix64(&rng);
		touched[off[i] / half] = true;
		memset(&f, 0, sizeof(f));
		model_expect(&r->md, "thp write", 1,
			     vmfs_access(r->md.m, p->pid, base + off[i], &b[i], 1, VMFS_ACCESS_WRITE, &f));
		r->md.faults_seen += f.minor + f.major;
	}
	model_expect(&r->md, "vmfs_mlock_stat", 0, vmfs_mlock_stat(r->md.m, &t1));
	model_expect(&r->md, "thp_fault_alloc + thp_fault_fallback: one for each half touched",
		     (int64_t)(touched[0] + touched[1]),
		     (int64_t)(t1.thp_fault_alloc - t0.thp_fault_alloc +
			       t1.thp_fault_fallback - t0.thp_fault_fallback));
	for (int h = 0; h < 2; h++) {
		model_expect(&r->md, "translate", 0, vmfs_translate(r->md.m, p->pid, base + h * half, &w));
		huge[h] = w.state == VMFS_WALK_PRESENT && w.page_shift == 21;
		huge_halves += huge[h];
		if (huge[h])
			model_expect(&r->md, "a huge page's walk ends at the pmd", w.levels - 1, w.depth);
	}
	model_expect(&r->md, "the halves whose walk ends at a huge leaf",
		     (int64_t)(t1.thp_fault_alloc - t0.thp_fault_alloc), (int64_t)huge_halves);
	/* 4 KiB unmapped inside the first half: a huge page there splits */
	model_expect(&r->md, "munmap of 4 KiB", 0, vmfs_munmap(r->md.m, p->pid, hole, PAGE));
	model_expect(&r->md, "vmfs_mlock_stat", 0, vmfs_mlock_stat(r->md.m, &t0));
	model_expect(&r->md, "thp_split_pmd after the 4 KiB munmap", (int64_t)huge[0],
		     (int64_t)(t0.thp_split_pmd - t1.thp_split_pmd));
	episode_read_back(r, p, base, off, b);
	model_expect(&r->md, "munmap", 0, vmfs_munmap(r->md.m, p->pid, base, 2 * half));
	model_expect(&r->md, "vmfs_stat", 0, vmfs_stat(r->md.m, &after));
	model_expect(&r->md, "frames_free after the thp episode", (int64_t)before.frames_free,
		     (int64_t)after.frames_free);
	model_expect(&r->md, "page tables after the thp episode", (int64_t)before.pagetable_pages,
		     (int64_t)after.pagetable_pages);
}

/* ---- driver ---------------------------------------------------------------- */

/* What every run of one invocation shares. */
struct config {
	uint64_t frames;
	char policy[POLICY_LEN];
	char swap_size[32];
	bool swap_none;
	bool no_zero_page;
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
	r->no_zero_page = c->no_zero_page;
	r->may_oom = c->swap_none || c->swap_size[0];
	r->objects = c->objects;
	r->pressure |= r->objects;  /* object runs reclaim on request: pages may go */
	memcpy(r->policy, c->policy, sizeof(r->policy));
	memcpy(r->swap_size, c->swap_size, sizeof(r->swap_size));
	/* The same operations for every TLB size: the TLB must not change a result. */
	r->rng = seed * 0x2545f4914f6cdd1dull + (uint64_t)levels * 131;
	r->md.next_pid = 1;
	r->md.trace = r->verbose ? trace_op : NULL;

	char opts[192];
	int len = snprintf(opts, sizeof(opts), "frames=%" PRIu64 ",levels=%d,tlb=%u", r->frames,
			   levels, tlb);
	if (r->policy[0])
		len += snprintf(opts + len, sizeof(opts) - (size_t)len, ",policy=%s", r->policy);
	if (r->swap_none)
		len += snprintf(opts + len, sizeof(opts) - (size_t)len, ",swap=none");
	if (r->no_zero_page)
		len += snprintf(opts + len, sizeof(opts) - (size_t)len, ",zero_page=0");
	if (r->swap_size[0])
		snprintf(opts + len, sizeof(opts) - (size_t)len, ",swap_size=%s", r->swap_size);
	printf("seed %" PRIu64 " (%s, %ld ops)\n", seed, opts, r->ops);
	fflush(stdout);
	model_set_op(&r->md, "vmfs_open(\"%s\")", opts);
	int rc = vmfs_open(&r->md.m, opts);
	model_expect(&r->md, "vmfs_open", 0, rc);
	if (rc == 0) {
		struct vmfs_stat st;
		model_expect(&r->md, "vmfs_stat", 0, vmfs_stat(r->md.m, &st));
		r->md.user_top = st.user_top;
		r->md.kernel_pt_pages = st.pagetable_pages;
		r->md.zero_page = st.zero_page;
		r->md.zero_pfn = st.zero_pfn;
		r->md.predict_maps = true;    /* op_access tells it of the faults */
		r->md.top_vpn = st.user_top / PAGE;
		if (st.levels != levels || r->md.top_vpn < LOW_VPN + 2 * WIN_PAGES)
			fail(r, "vmfs_stat: levels %d, user_top %#" PRIx64, st.levels, st.user_top);
		if (st.frames != r->frames)
			fail(r, "vmfs_stat: %" PRIu64 " frames, asked for %" PRIu64, st.frames,
			     r->frames);
	}
	if (r->objects && r->md.m && !r->md.failed)
		number_scenarios(r);
	for (r->opno = 0; r->opno < r->ops && !r->md.failed; r->opno++) {
		one_op(r);
		if (r->md.failed)
			break;
		if (r->opno % CHECK_EVERY == CHECK_EVERY - 1) {
			if (!r->pressure && levels >= 3 && r->md.nprocs) {
				hugetlb_episode(r, &r->md.procs[r->opno / CHECK_EVERY % r->md.nprocs]);
				thp_episode(r, &r->md.procs[r->opno / CHECK_EVERY % r->md.nprocs]);
			}
			model_set_op(&r->md, "periodic check after op %ld", r->opno);
			check_pids(&r->md);
			for (int i = 0; i < r->md.nprocs && !r->md.failed; i++) {
				struct mproc *p = &r->md.procs[i];
				check_proc_maps(r, p);
				for (int j = 0; j < 8 && !r->md.failed; j++)
					check_translate(r, p, pick_vpn(r, p), (unsigned)rnd(r, PAGE), NULL);
			}
		}
		if (r->opno % FULL_EVERY == FULL_EVERY - 1 && !r->md.failed) {
			model_set_op(&r->md, "whole-machine check after op %ld", r->opno);
			check_all(r);
		}
	}
	if (!r->md.failed && r->md.m) {
		model_set_op(&r->md, "final whole-machine check");
		check_pids(&r->md);
		check_all(r);
	}
	/* Under pressure, read every page of every process once more: each
	 * comes back from wherever it went, with the model's bytes. */
	if (!r->md.failed && r->md.m && r->pressure) {
		check_all_bytes(&r->md, r->may_oom);
		if (!r->md.failed) {
			model_set_op(&r->md, "whole-machine check after reading everything");
			check_all(r);
		}
	}
	/* Leave through exits, so the frame accounting gets checked too. */
	if (!r->md.failed && r->md.m) {
		struct vmfs_stat st;
		remove_all_objects(r);
		while (r->md.nprocs && !r->md.failed)
			op_exit(r);
		/* odd seeds leave their numbers open at vmfs_close (a leak check) */
		while (r->md.nopen && !r->md.failed && !(r->seed & 1))
			check_obj_close(&r->md, r->md.open[0]->num);
		model_set_op(&r->md, "after every process exited");
		check_empty(&r->md, r->frames, r->objects, &st);
		check_counters(r);
		if (r->pressure)
			printf("  pressure: %" PRIu64 " evicted (%" PRIu64 " written), %" PRIu64
			       " read back, %ld swap entries seen by checks, %ld accesses cut by "
			       "ENOMEM (%" PRIu64 " oom_kill)\n", st.pgsteal_direct, st.pswpout,
			       st.pswpin, r->n.swapped_seen, r->n.enomem, st.oom_kill);
	}
	printf("  mmap %ld (+%ld errors), munmap %ld, mprotect %ld (+%ld ENOMEM), accesses: "
	       "%ld whole, %ld short, %ld faulted; %ld forks, %ld exits, %ld maps checks, "
	       "at most %zu pages in a process; %ld zero-page leaves seen\n", r->n.mmap_ok,
	       r->n.mmap_err, r->n.munmap, r->n.mprotect_ok, r->n.mprotect_err, r->n.full,
	       r->n.shortc, r->n.fault, r->n.forks, r->n.exits, r->n.checks, r->n.max_pages,
	       r->n.zero_seen);
	printf("  madvise %ld, mlock and its relatives %ld, mincore %ld, mremap %ld (+%ld errors)\n",
	       r->n.madvise, r->n.mlock, r->n.mincore, r->n.mremap_ok, r->n.mremap_err);
	if (r->objects)
		printf("  objects: %ld mappings (+%ld errors), %ld calls (+%ld errors), %ld resizes, "
		       "%ld removes, %ld private copies, %ld faults past the end, %ld reclaims, "
		       "%ld calls on numbers (%ld not open), %d left open at vmfs_close\n",
		       r->n.obj_maps, r->n.obj_map_err, r->n.obj_calls, r->n.obj_err,
		       r->n.obj_resizes, r->n.obj_removes, r->n.copies, r->n.past_end,
		       r->n.reclaims, r->n.numbers, r->n.numbers_bad, r->md.nopen);
	model_free(&r->md);
	vmfs_close(r->md.m);
	bool ok = !r->md.failed;
	free(r);
	return ok;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--seed N | --seeds N] [--ops N] [--levels 2..6] [--tlb N]\n"
		"       [--frames N] [--policy NAME] [--swap none]\n"
		"       [--swap-size SIZE] [--no-zero-page] [--objects] [--long] [--verbose]\n",
		argv0);
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
		} else if (!strcmp(a, "--no-zero-page")) {
			c.no_zero_page = true;
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

/*
 * fuzz_api.c - fuzz libvmfs through its public API: the input is a stream of
 * operations on one small machine, checked against a model of bytes.
 *
 * This is tests/test_model.c with libFuzzer choosing the operations instead
 * of a seeded generator, and the same model: per process a sorted array of
 * pages, each with its protection, whether it is shared, and a 4096-byte
 * buffer (private pages are copied at fork, shared ones refcounted); a named
 * object is one buffer per page, shown by every mapping of it until a
 * private page's first write gives it its own copy.
 *
 * The input: byte 0 configures the machine (levels 2..6, tlb 0 or 4, the
 * policy, and swap: unlimited, none, or 64K), always 16 frames, so every
 * operation runs under eviction and swap-in.  Then each operation is one
 * byte choosing it and a few bytes for its arguments (fuzz_in: past the end
 * everything is 0).  Operations: spawn (also with bad names), fork, exit,
 * anonymous and object mmap (fixed, noreplace, hint, anywhere), munmap,
 * mprotect, reads (also through vmfs_read_with), writes, fetches and
 * forced accesses, mmap, munmap, mprotect and reads with raw 64-bit
 * arguments (and any access mode), reclaim, sync, set_policy, object create,
 * write, read, resize, remove, chmod, stat and list, calls on a dead PID,
 * the /proc views, a check of maps and translations, and a sweep: one
 * access over each run of mapped pages of a process.
 *
 * What is checked (the model decides every expected value):
 *   - every return value: PIDs, placement addresses, errnos, bytes
 *     transferred (-EFAULT when the first page faults, a short count when a
 *     later one does), and the segfault a user access reports;
 *   - every byte read from a process or an object is the model's;
 *   - maps agree page by page with the model, and a translation's entries
 *     are the ones in physical memory, its frame holding the model's bytes;
 *   - a failing call changes nothing the model would see;
 *   - at the end every page reads back as the model has it, and once the
 *     objects are removed and the processes gone, every frame, swap slot and
 *     page-table page is free (and LeakSanitizer finds no host memory left).
 * With swap=none or swap_size=64K an access may stop with -ENOMEM at a page
 * that needed a frame, as test_model allows: the model takes exactly what
 * the engine reports done.
 */
#include "fuzz.h"
#include "../splitmix.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <vmfs.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE          4096u
#define FRAMES        16
#define MAX_PROCS     8
#define WIN_PAGES     64          /* pages in each address window */
#define LOW_VPN       0x10ull     /* the low window starts at 0x10000 */
#define MIN_VPN       0x10ull     /* MMAP_MIN_ADDR: placement never goes below */
#define PROC_BUDGET   256         /* most pages the model keeps for a process */
#define BIG_PAGES     64          /* a raw mapping larger is unmapped at once */
#define MAX_OBJS      4           /* names obj0 .. obj3 */
#define OBJ_PAGES     16          /* the largest object, in pages */
#define MAX_OPS       2000
#define MAX_ACCESS    (32 * PAGE) /* a long access: twice the frames */

/* ---- the model ------------------------------------------------------------- */

struct buf {
	int refs;
	unsigned char d[PAGE];
};

struct mobj {
	int refs;                   /* the name's, plus one per page mapping it */
	bool named;
	char name[8];
	unsigned mode;
	uint64_t size;
	struct buf *pg[OBJ_PAGES];  /* set exactly below obj_npages(size) */
};

struct mpage {
	uint64_t vpn;
	int prot;
	bool shared;
	struct buf *b;              /* anonymous bytes, or a private copy */
	struct mobj *o;             /* an object page: o's page pgoff ... */
	uint64_t pgoff;
	bool copied;                /* ... until a private write copied it to b */
};

struct mproc {
	int pid;
	struct mpage *pg;           /* sorted by vpn */
	size_t n, cap;
};

struct run {
	vmfs *m;
	struct fuzz_in in;
	uint64_t user_top, top_vpn, kernel_pt_pages;
	uint64_t kernel_base, kernel_end;     /* the kernel image */
	int va_bits;
	bool may_oom, swap_none;
	int levels;
	struct mproc procs[MAX_PROCS];
	int nprocs, next_pid, dead_pid;
	struct mobj *objs[MAX_OBJS];
	uint64_t rng;
	char op[160];
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	FUZZ_CHECK(p, "out of memory");
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

static bool obj_past_end(const struct mpage *pg)
{
	return pg->o && pg->pgoff >= obj_npages(pg->o->size);
}

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

/* The buffer a write goes to: a private object page is copied first. */
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

/* [vpn, vpn + npages) clamped to the 64-bit page numbers. */
static uint64_t range_end(uint64_t vpn, uint64_t npages)
{
	return vpn + npages < vpn ? UINT64_MAX : vpn + npages;
}

static struct mpage *page_at(const struct mproc *p, uint64_t vpn)
{
	size_t i = lower_bound(p, vpn);

	return i < p->n && p->pg[i].vpn == vpn ? &p->pg[i] : NULL;
}

static size_t pages_in(const struct mproc *p, uint64_t vpn, uint64_t npages)
{
	return lower_bound(p, range_end(vpn, npages)) - lower_bound(p, vpn);
}

static void remove_range(struct mproc *p, uint64_t vpn, uint64_t npages)
{
	size_t a = lower_bound(p, vpn), b = lower_bound(p, range_end(vpn, npages));

	for (size_t i = a; i < b; i++)
		mpage_release(&p->pg[i]);
	if (b < p->n)
		memmove(&p->pg[a], &p->pg[b], (p->n - b) * sizeof(p->pg[0]));
	p->n -= b - a;
}

static void reserve(struct mproc *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 64;

	if (n <= p->cap)
		return;
	while (cap < n)
		cap *= 2;
	p->pg = realloc(p->pg, cap * sizeof(*p->pg));
	FUZZ_CHECK(p->pg, "out of memory");
	p->cap = cap;
}

/* Fresh zero pages at [vpn, vpn+npages), replacing what was there. */
static void map_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot, bool shared)
{
	size_t at;

	remove_range(p, vpn, npages);
	reserve(p, p->n + npages);
	at = lower_bound(p, vpn);
	if (at < p->n)
		memmove(&p->pg[at + npages], &p->pg[at], (p->n - at) * sizeof(p->pg[0]));
	for (uint64_t i = 0; i < npages; i++)
		p->pg[at + i] = (struct mpage){ .vpn = vpn + i, .prot = prot, .shared = shared,
						.b = buf_new() };
	p->n += npages;
}

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

/* Where a mapping of @npages goes without a usable address: the top of the
 * highest free gap below user_top, above MIN_VPN.  0 when there is none. */
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

/* The model side of a resize: pages past the new end leave the object and
 * every mapping (private copies included); the tail of the last page and
 * new pages are zero. */
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

/* ---- reporting and choosing -------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static void set_op(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->op, sizeof(r->op), fmt, ap);
	va_end(ap);
}

#define EXPECT(r, what, want, got) \
	do { \
		int64_t want_ = (int64_t)(want), got_ = (int64_t)(got); \
		FUZZ_CHECK(want_ == got_, "%s: %s: expected %" PRId64 " (%#" PRIx64 "), got %" \
			   PRId64 " (%#" PRIx64 ")%s%s", (r)->op, what, want_, (uint64_t)want_, got_, \
			   (uint64_t)got_, got_ < 0 ? " - " : "", got_ < 0 ? vmfs_errmsg() : ""); \
	} while (0)

static uint64_t next_rand(struct run *r)
{
	return splitmix64(&r->rng);
}

static void random_bytes(struct run *r, unsigned char *b, size_t len)
{
	uint64_t x = 0;

	r->rng ^= fuzz_u8(&r->in);
	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			x = next_rand(r);
		b[i] = (unsigned char)(x >> (8 * (i % 8)));
	}
}

static const char *prot_str(int prot)
{
	static const char *s[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };

	return s[prot & 7];
}

static struct mproc *pick_proc(struct run *r)
{
	return &r->procs[fuzz_below(&r->in, (uint32_t)r->nprocs)];
}

/* A page the process has mapped (it has some, and never more than
 * PROC_BUDGET, well within the range of fuzz_below). */
static uint64_t mapped_vpn(struct run *r, const struct mproc *p)
{
	return p->pg[fuzz_below(&r->in, (uint32_t)p->n)].vpn;
}

/* A page that may or may not be mapped: one of two windows (the bottom of
 * user space, just below user_top where top-down placement lands), next to
 * a page the process has, just below the placement floor, or anywhere. */
static uint64_t pick_vpn(struct run *r, const struct mproc *p)
{
	uint8_t k = fuzz_u8(&r->in);

	switch (k % 8) {
	case 0: case 1: case 2:
		return LOW_VPN + fuzz_below(&r->in, WIN_PAGES);
	case 3: case 4:
		return r->top_vpn - WIN_PAGES + fuzz_below(&r->in, WIN_PAGES);
	case 5: case 6:
		if (p->n) {
			uint64_t vpn = mapped_vpn(r, p);

			return vpn + fuzz_below(&r->in, 5) - (vpn >= 2 ? 2 : 0);
		}
		return LOW_VPN;
	default:
		if (k & 8)
			return fuzz_below(&r->in, MIN_VPN + 2);
		return fuzz_u64(&r->in) % (r->top_vpn + 4);
	}
}

static uint64_t pick_npages(struct run *r)
{
	uint8_t k = fuzz_u8(&r->in);

	return k < 200 ? 1 + k % 6 : 1 + k % 24;
}

/* Sometimes a length short of whole pages (rounded up by the engine). */
static uint64_t pick_len(struct run *r, uint64_t npages)
{
	uint16_t k = fuzz_u16(&r->in);

	return k < 0xc000 ? npages * PAGE : npages * PAGE - k % (PAGE - 1);
}

/* ---- checks -------------------------------------------------------------------- */

static int find_proc(const struct run *r, int pid)
{
	for (int i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return i;
	return -1;
}

static void check_pids(struct run *r)
{
	int pids[MAX_PROCS + 4], prev = 0;
	int n = vmfs_pids(r->m, pids, MAX_PROCS + 4);

	EXPECT(r, "vmfs_pids count", r->nprocs, n);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(pids[i] > prev && find_proc(r, pids[i]) >= 0,
			   "%s: vmfs_pids lists %d (after %d), not a live process of the model", r->op,
			   pids[i], prev);
		prev = pids[i];
	}
}

static void check_maps(struct run *r, const struct mproc *p)
{
	static struct vmfs_map maps[1024];
	struct vmfs_proc_stat ps;
	uint64_t prev_end = 0;
	size_t covered = 0;
	int n = vmfs_maps(r->m, p->pid, maps, 1024);

	FUZZ_CHECK(n >= 0 && n <= 1024, "%s: vmfs_maps(%d) returned %d", r->op, p->pid, n);
	for (int i = 0; i < n; i++) {
		const struct vmfs_map *e = &maps[i];
		bool shared = e->flags & MAP_SHARED;

		FUZZ_CHECK(e->start < e->end && (e->start | e->end) % PAGE == 0 && e->start >= prev_end &&
			   e->end <= r->user_top && !(e->flags & MAP_SHARED) == !!(e->flags & MAP_PRIVATE),
			   "%s: pid %d: bad map [%#" PRIx64 ", %#" PRIx64 ") flags %#x after %#" PRIx64,
			   r->op, p->pid, e->start, e->end, e->flags, prev_end);
		prev_end = e->end;
		for (uint64_t vpn = e->start / PAGE; vpn < e->end / PAGE; vpn++) {
			const struct mpage *pg = page_at(p, vpn);
			char want[32] = "";

			FUZZ_CHECK(pg, "%s: pid %d: map [%#" PRIx64 ", %#" PRIx64 ") %s, but the model has "
				   "nothing at %#" PRIx64, r->op, p->pid, e->start, e->end,
				   prot_str(e->prot), vpn * PAGE);
			FUZZ_CHECK(pg->prot == e->prot && pg->shared == shared,
				   "%s: pid %d page %#" PRIx64 ": model %s %s, maps %s %s", r->op, p->pid,
				   vpn * PAGE, prot_str(pg->prot), pg->shared ? "shared" : "private",
				   prot_str(e->prot), shared ? "shared" : "private");
			if (pg->o)
				snprintf(want, sizeof(want), "%s%s", pg->o->name,
					 pg->o->named ? "" : " (deleted)");
			FUZZ_CHECK(!strcmp(e->object, want) && !(e->flags & MAP_ANONYMOUS) == !!pg->o &&
				   (!pg->o || e->offset / PAGE + (vpn - e->start / PAGE) == pg->pgoff),
				   "%s: pid %d page %#" PRIx64 ": maps says object \"%s\" at offset %#" PRIx64
				   ", model \"%s\" page %" PRIu64, r->op, p->pid, vpn * PAGE, e->object,
				   e->offset, want, pg->pgoff);
			covered++;
		}
	}
	FUZZ_CHECK(covered == p->n, "%s: pid %d: maps cover %zu pages, the model %zu", r->op,
		   p->pid, covered, p->n);
	EXPECT(r, "vmfs_proc_stat", 0, vmfs_proc_stat(r->m, p->pid, &ps));
	EXPECT(r, "vm_pages", p->n, ps.vm_pages);
	EXPECT(r, "nr_maps", n, ps.nr_maps);
}

static uint64_t phys_u64(struct run *r, uint64_t paddr)
{
	unsigned char b[8];
	uint64_t v = 0;

	EXPECT(r, "vmfs_phys_read of an entry", 8, vmfs_phys_read(r->m, paddr, b, 8));
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Walk @vpn of @p: the entries are physical memory's, a mapped page is
 * mapped, a resident page holds the model's bytes, a page that is gone was
 * all zeros (or lives in its object), only private anonymous pages swap. */
static void check_translate(struct run *r, const struct mproc *p, uint64_t vpn)
{
	static unsigned char frame[PAGE];
	const struct mpage *pg = page_at(p, vpn);
	uint64_t addr = vpn * PAGE, leaf;
	struct vmfs_walk w;
	const struct buf *b;

	EXPECT(r, "vmfs_translate", 0, vmfs_translate(r->m, p->pid, addr, &w));
	FUZZ_CHECK(w.depth >= 1 && w.depth <= w.levels, "%s: walk of %#" PRIx64 ": depth %d of %d",
		   r->op, addr, w.depth, w.levels);
	for (int i = 0; i < w.depth; i++) {
		const struct vmfs_walk_level *l = &w.level[i];

		FUZZ_CHECK(phys_u64(r, l->table + 8 * (uint64_t)l->index) == l->entry,
			   "%s: walk of %#" PRIx64 ": level %d entry %#" PRIx64 " is not physical memory's",
			   r->op, addr, i, l->entry);
		FUZZ_CHECK(i + 1 == w.depth || ((l->entry & VMFS_PTE_PFN_MASK) == w.level[i + 1].table &&
						(l->entry & VMFS_PTE_P)),
			   "%s: walk of %#" PRIx64 ": level %d does not point at the next table", r->op,
			   addr, i);
	}
	FUZZ_CHECK(w.mapped == (pg != NULL) && (!pg || (w.prot == pg->prot &&
						      !!(w.flags & MAP_SHARED) == pg->shared)),
		   "%s: walk of %#" PRIx64 ": mapped %d prot %s flags %#x; model %s", r->op, addr,
		   w.mapped, prot_str(w.prot), w.flags, pg ? prot_str(pg->prot) : "unmapped");
	leaf = w.level[w.depth - 1].entry;
	switch (w.state) {
	case VMFS_WALK_NONE:
		if (pg && page_is_anon(pg))
			for (unsigned i = 0; i < PAGE; i++)
				FUZZ_CHECK(!pg->b->d[i], "%s: walk of %#" PRIx64 ": no page, but the model's "
					   "private page holds %#x at %u", r->op, addr, pg->b->d[i], i);
		return;
	case VMFS_WALK_SWAPPED:
		FUZZ_CHECK(pg && page_is_anon(pg) && w.depth == w.levels && (leaf & VMFS_PTE_SWAP) &&
			   !(leaf & VMFS_PTE_P),
			   "%s: walk of %#" PRIx64 ": swap entry %#" PRIx64 " for a page that is not "
			   "private anonymous", r->op, addr, leaf);
		return;
	case VMFS_WALK_PRESENT:
	case VMFS_WALK_PROTNONE:
		break;
	default:
		FUZZ_CHECK(0, "%s: walk of %#" PRIx64 ": state %d", r->op, addr, w.state);
	}
	b = pg ? page_buf(pg) : NULL;
	FUZZ_CHECK(b && w.depth == w.levels && (w.state == VMFS_WALK_PROTNONE) == (pg->prot == PROT_NONE),
		   "%s: walk of %#" PRIx64 ": resident (state %d) where the model has %s", r->op, addr,
		   w.state, !pg ? "nothing" : !b ? "a page past its object's end" : prot_str(pg->prot));
	FUZZ_CHECK(!(leaf & VMFS_PTE_RW) || (pg->prot & PROT_WRITE),
		   "%s: walk of %#" PRIx64 ": leaf %#" PRIx64 " writable, prot %s", r->op, addr, leaf,
		   prot_str(pg->prot));
	EXPECT(r, "vmfs_phys_read of a frame", PAGE, vmfs_phys_read(r->m, w.paddr, frame, PAGE));
	for (unsigned i = 0; i < PAGE; i++)
		FUZZ_CHECK(frame[i] == b->d[i], "%s: pid %d page %#" PRIx64 " in frame %#" PRIx64
			   ": byte %u is %#x, model %#x", r->op, p->pid, addr, w.paddr, i, frame[i],
			   b->d[i]);
}

/* Read every page of every process (forced, so protection does not stop it). */
static void check_all_bytes(struct run *r)
{
	static unsigned char got[PAGE];

	for (int i = 0; i < r->nprocs; i++) {
		const struct mproc *p = &r->procs[i];

		for (size_t k = 0; k < p->n; k++) {
			const struct mpage *pg = &p->pg[k];
			ssize_t n = vmfs_access(r->m, p->pid, pg->vpn * PAGE, got, PAGE,
						VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL);

			set_op(r, "final force-read(%d, %#" PRIx64 ")", p->pid, pg->vpn * PAGE);
			if (n == -ENOMEM && r->may_oom)
				continue;
			if (obj_past_end(pg)) {
				EXPECT(r, "past the object's end", -EFAULT, n);
				continue;
			}
			EXPECT(r, "bytes read", PAGE, n);
			FUZZ_CHECK(!memcmp(got, page_buf(pg)->d, PAGE), "%s: differs from the model", r->op);
		}
	}
}

/* ---- operations on processes -------------------------------------------------- */

static void op_spawn(struct run *r)
{
	char name[300];
	uint8_t k = fuzz_u8(&r->in);
	int want, pid;

	if (k < 224) {
		snprintf(name, sizeof(name), "p%d", r->next_pid);
		want = r->nprocs < MAX_PROCS ? r->next_pid : 0;
	} else if (k < 240) {
		/* a bad name: empty, too long, or with a control byte */
		memset(name, 'n', sizeof(name));
		name[k % 3 == 0 ? 0 : k % 3 == 1 ? 256 : 5] = '\0';
		if (k % 3 == 2)
			name[2] = '\n';
		want = -EINVAL;
	} else {
		/* 255 bytes, the longest name */
		memset(name, 'a' + k % 26, 255);
		name[255] = '\0';
		want = r->nprocs < MAX_PROCS ? r->next_pid : 0;
	}
	if (!want)
		return;
	set_op(r, "spawn(\"%.20s\"%s)", name, strlen(name) > 20 ? "..." : "");
	pid = vmfs_spawn(r->m, name);
	EXPECT(r, "spawn", want, pid);
	if (pid < 0)
		return;
	memset(&r->procs[r->nprocs], 0, sizeof(r->procs[0]));
	r->procs[r->nprocs++].pid = pid;
	r->next_pid++;
}

static void op_fork(struct run *r)
{
	struct mproc *parent = pick_proc(r);
	int pid;

	if (r->nprocs == MAX_PROCS)
		return;
	set_op(r, "fork(%d)", parent->pid);
	pid = vmfs_fork(r->m, parent->pid);
	EXPECT(r, "fork", r->next_pid, pid);
	proc_copy(&r->procs[r->nprocs++], parent, pid);
	r->next_pid++;
}

static void op_exit(struct run *r)
{
	int i = (int)fuzz_below(&r->in, (uint32_t)r->nprocs);
	int pid = r->procs[i].pid;

	set_op(r, "exit(%d)", pid);
	EXPECT(r, "exit", 0, vmfs_exit(r->m, pid));
	proc_free(&r->procs[i]);
	r->procs[i] = r->procs[--r->nprocs];
	r->dead_pid = pid;
}

/* 0 MAP_FIXED, 1 MAP_FIXED_NOREPLACE, 2 a hint, 3 no address: sets *addr,
 * adds the flag and returns the mode.  A hint may be off a page boundary. */
static int pick_placement(struct run *r, const struct mproc *p, uint64_t *addr, int *flags)
{
	uint8_t k = fuzz_u8(&r->in);
	int mode = k & 3;

	*addr = pick_vpn(r, p) * PAGE;
	if (mode == 0)
		*flags |= MAP_FIXED;
	else if (mode == 1)
		*flags |= MAP_FIXED_NOREPLACE;
	else if (mode == 3)
		*addr = 0;
	else if (k & 4)
		*addr += fuzz_below(&r->in, PAGE);
	if (mode < 2 && (k & 0xf0) == 0xf0)
		*addr += 1 + k % 8;                   /* a fixed address off a page boundary */
	return mode;
}

/* Where the model puts @npages at @addr in @mode: 0 with the first page in
 * *at, or the errno vmfs_mmap must return. */
static int64_t placement(const struct run *r, const struct mproc *p, uint64_t addr,
			 uint64_t npages, int mode, uint64_t *at)
{
	uint64_t hint = (addr + PAGE - 1) & ~(uint64_t)(PAGE - 1);

	if (mode < 2 && addr % PAGE)
		return -EINVAL;
	if (mode < 2) {
		*at = addr / PAGE;
		if (npages > r->top_vpn || *at > r->top_vpn - npages)
			return -ENOMEM;
		return mode == 1 && pages_in(p, *at, npages) ? -EEXIST : 0;
	}
	if (addr && hint >= addr && hint / PAGE >= MIN_VPN && hint / PAGE + npages <= r->top_vpn &&
	    !pages_in(p, hint / PAGE, npages))
		*at = hint / PAGE;
	else
		*at = top_down(p, r->top_vpn, npages);
	return *at ? 0 : -ENOMEM;
}

static void op_mmap(struct run *r, struct mproc *p)
{
	uint64_t npages = pick_npages(r), len = pick_len(r, npages), addr, at = 0, out = 0xdeadbeef;
	uint8_t k = fuzz_u8(&r->in);
	int prot = k & 7;
	bool shared = k & 8;
	int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (k & 0x30 ? MAP_ANONYMOUS : 0);
	int mode = pick_placement(r, p, &addr, &flags);
	int64_t want;
	int rc;

	if (p->n + npages > PROC_BUDGET)
		return;
	set_op(r, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s, mode %d)", p->pid, addr, len,
	       prot_str(prot), shared ? "shared" : "private", mode);
	want = placement(r, p, addr, npages, mode, &at);
	rc = vmfs_mmap(r->m, p->pid, addr, len, prot, flags, NULL, 0, &out);
	EXPECT(r, "mmap", want, rc);
	if (rc)
		return;
	EXPECT(r, "mmap address", at * PAGE, out);
	map_range(p, at, npages, prot, shared);
}

static void op_munmap(struct run *r, struct mproc *p)
{
	uint64_t vpn = pick_vpn(r, p), npages = pick_npages(r), len = pick_len(r, npages);
	int64_t want = vpn + npages > r->top_vpn ? -EINVAL : 0;

	set_op(r, "munmap(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE, len);
	EXPECT(r, "munmap", want, vmfs_munmap(r->m, p->pid, vpn * PAGE, len));
	if (!want)
		remove_range(p, vpn, npages);
}

/* What mprotect of [vpn, vpn+npages) must return: in address order, the
 * first page that is not mapped (-ENOMEM) or that a shared mapping of a
 * read-only object may not write (-EACCES) decides.  Any range size. */
static int64_t mprotect_expect(const struct run *r, const struct mproc *p, uint64_t vpn,
			       uint64_t npages, int prot)
{
	uint64_t next = vpn;

	if (npages > r->top_vpn || vpn > r->top_vpn - npages)
		return -ENOMEM;
	for (size_t i = lower_bound(p, vpn); i < p->n && p->pg[i].vpn < vpn + npages; i++) {
		const struct mpage *pg = &p->pg[i];

		if (pg->vpn != next)
			return -ENOMEM;
		if ((prot & PROT_WRITE) && pg->shared && pg->o && !(pg->o->mode & 0222))
			return -EACCES;
		next++;
	}
	return next == vpn + npages ? 0 : -ENOMEM;
}

static void apply_mprotect(struct mproc *p, uint64_t vpn, uint64_t npages, int prot)
{
	for (size_t i = lower_bound(p, vpn); i < lower_bound(p, range_end(vpn, npages)); i++)
		p->pg[i].prot = prot;
}

static void op_mprotect(struct run *r, struct mproc *p)
{
	uint8_t k = fuzz_u8(&r->in);
	uint64_t vpn = k & 1 && p->n ? mapped_vpn(r, p) : pick_vpn(r, p);
	uint64_t npages = 1 + (k >> 1) % (k & 0x80 ? 16 : 4);
	int prot = (k >> 4) & 7;
	int64_t want = mprotect_expect(r, p, vpn, npages, prot);

	set_op(r, "mprotect(%d, %#" PRIx64 ", %#" PRIx64 ", %s)", p->pid, vpn * PAGE, npages * PAGE,
	       prot_str(prot));
	EXPECT(r, "mprotect", want, vmfs_mprotect(r->m, p->pid, vpn * PAGE, npages * PAGE, prot));
	if (!want)
		apply_mprotect(p, vpn, npages, prot);
}

/* Bits above the address width copy its top bit. */
static bool canonical(const struct run *r, uint64_t addr)
{
	int64_t sext;

	if (r->va_bits >= 64)
		return true;
	sext = (int64_t)(addr << (64 - r->va_bits)) >> (64 - r->va_bits);
	return (uint64_t)sext == addr;
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

/* Shorten a write at @addr so that it stops before the bytes past an
 * object's end in its last page, which a shared mapping could write but
 * which belong to no one.  False if nothing is left. */
static bool clip_object_tail(const struct mproc *p, uint64_t addr, size_t *len)
{
	for (uint64_t a = addr & ~(uint64_t)(PAGE - 1); a < addr + *len && a >= (addr & ~(uint64_t)(PAGE - 1));
	     a += PAGE) {
		const struct mpage *pg = page_at(p, a / PAGE);
		uint64_t tail;

		if (!pg || !pg->o || !pg->shared || obj_past_end(pg) ||
		    pg->pgoff != obj_npages(pg->o->size) - 1 || pg->o->size % PAGE == 0)
			continue;
		tail = a + pg->o->size % PAGE;
		if (tail <= addr)
			return false;
		if (addr + *len > tail)
			*len = tail - addr;
		break;
	}
	return *len > 0;
}

/* vmfs_read_with's callback: the pieces, copied in order into out[]. */
struct spans {
	unsigned char *out;
	size_t len, got;
	int calls, rc;          /* rc: what the callback returns (0, or -EIO) */
};

static int copy_spans(void *arg, const struct iovec *iov, int iovcnt)
{
	struct spans *s = arg;

	s->calls++;
	for (int i = 0; i < iovcnt; i++) {
		FUZZ_CHECK(iov[i].iov_len && s->got + iov[i].iov_len <= s->len,
			   "vmfs_read_with: a piece of %zu bytes after %zu of %zu", iov[i].iov_len,
			   s->got, s->len);
		memcpy(s->out + s->got, iov[i].iov_base, iov[i].iov_len);
		s->got += iov[i].iov_len;
	}
	return s->rc;
}

/*
 * One access of @len bytes at @addr, checked byte by byte and fault by
 * fault.  With @spans 1 or 2 (a user-mode read), through vmfs_read_with,
 * whose callback fails with -EIO when @spans is 2; with 3, as a batch of
 * one through vmfs_accessv.
 */
static void do_access(struct run *r, struct mproc *p, uint64_t addr, size_t len, unsigned how,
		      int spans)
{
	static unsigned char in[MAX_ACCESS], out[MAX_ACCESS], want[MAX_ACCESS];
	static const char *const type_name[] = { "read", "write", "exec" };
	unsigned type = how & VMFS_ACCESS_TYPE;
	bool user = !(how & VMFS_ACCESS_FORCE);
	const struct mpage *stop = NULL;
	struct vmfs_proc_stat before, after;
	struct vmfs_fault f;
	struct spans sp = { .rc = spans == 2 ? -EIO : 0 };
	size_t done = 0;
	ssize_t got;

	if (type == VMFS_ACCESS_WRITE && !clip_object_tail(p, addr, &len))
		return;
	set_op(r, "%s%s%s(%d, %#" PRIx64 ", %zu)", user ? "" : "force-", type_name[type],
	       spans == 3 ? " (accessv)" : spans ? (spans == 2 ? "_with (failing)" : "_with") : "",
	       p->pid, addr, len);
	if (type == VMFS_ACCESS_WRITE)
		random_bytes(r, in, len);
	memset(out, 0xa5, len);

	/* How far the model goes, and what it reads. */
	while (done < len) {
		uint64_t a = addr + done;
		size_t chunk = PAGE - a % PAGE < len - done ? PAGE - a % PAGE : len - done;
		struct mpage *pg = a >= addr && a < r->user_top ? page_at(p, a / PAGE) : NULL;

		if (!pg || !allowed(pg, how) || obj_past_end(pg)) {
			stop = pg;
			break;
		}
		if (type != VMFS_ACCESS_WRITE)
			memcpy(want + done, page_buf(pg)->d + a % PAGE, chunk);
		done += chunk;
	}
	if (!done && user)
		vmfs_proc_stat(r->m, p->pid, &before);
	memset(&f, 0x5a, sizeof(f));
	if (spans == 1 || spans == 2) {
		sp.out = out;
		sp.len = len;
		got = vmfs_read_with(r->m, p->pid, addr, len, copy_spans, &sp);
		f.err = (int)(got < 0 ? got : 0);
		FUZZ_CHECK(sp.calls == (got >= 0 || got == sp.rc) && (got < 0 || sp.got == (size_t)got),
			   "%s: returned %zd after %d calls with %zu bytes", r->op, got, sp.calls, sp.got);
	} else if (spans == 3) {
		struct vmfs_iop iop = { .addr = addr, .buf = type == VMFS_ACCESS_WRITE ? in : out,
					.len = len, .how = how };
		ssize_t n = vmfs_accessv(r->m, p->pid, &iop, 1);

		got = iop.res;
		f.err = (int)(got < 0 ? got : 0);
		FUZZ_CHECK(n == (got == (ssize_t)len), "%s: vmfs_accessv returned %zd for an access of %zd",
			   r->op, n, got);
	} else {
		got = vmfs_access(r->m, p->pid, addr, type == VMFS_ACCESS_WRITE ? in : out, len, how, &f);
	}
	if (got != (done ? (ssize_t)done : -EFAULT) && r->may_oom && done &&
	    (f.err == -ENOMEM || (spans && got > 0)) &&
	    (got == -ENOMEM || (got > 0 && (size_t)got < done && (addr + (uint64_t)got) % PAGE == 0))) {
		/* out of memory: the access stopped at a page that needed a frame */
		done = got > 0 ? (size_t)got : 0;
		if (!done || spans == 2)
			return;
	} else if (spans == 2 && done) {
		EXPECT(r, "the callback's error", -EIO, got);
		return;
	} else {
		EXPECT(r, "bytes transferred", done ? (int64_t)done : -EFAULT, got);
	}
	if (type == VMFS_ACCESS_WRITE) {
		for (size_t k = 0; k < done;) {
			uint64_t a = addr + k;
			size_t chunk = PAGE - a % PAGE < done - k ? PAGE - a % PAGE : done - k;

			memcpy(page_write_buf(page_at(p, a / PAGE))->d + a % PAGE, in + k, chunk);
			k += chunk;
		}
	} else {
		for (size_t i = 0; i < done; i++)
			FUZZ_CHECK(out[i] == want[i], "%s: byte %zu (address %#" PRIx64 ") is %#x, model %#x",
				   r->op, i, addr + i, out[i], want[i]);
	}
	if (done || !user)
		return;
	/* A user-mode segfault on the first page: what it reports.  Past an
	 * object's end there is no page (MAPERR once the mapping allows the
	 * access); a page the mapping forbids is ACCERR.  Above the user half,
	 * a non-canonical address and the kernel image (present, supervisor
	 * only) are protection faults, ACCERR; the rest of the kernel half is
	 * mapped by nothing, MAPERR (libvmfs(3): "MAPERR when no mapping
	 * covers the address"). */
	bool beyond = addr >= r->user_top;
	bool kernel_prot = beyond && (!canonical(r, addr) ||
				      (addr >= r->kernel_base && addr < r->kernel_end));
	bool past_end = stop && obj_past_end(stop) && allowed(stop, how);
	unsigned code = VMFS_PF_USER | (type == VMFS_ACCESS_WRITE ? VMFS_PF_WRITE : 0) |
			(type == VMFS_ACCESS_EXEC ? VMFS_PF_INSTR : 0);

	if (spans) {            /* no struct vmfs_fault to look at */
		vmfs_proc_stat(r->m, p->pid, &after);
		EXPECT(r, "segv counter rise", 1, after.segv - before.segv);
		return;
	}
	EXPECT(r, "fault si_code", (stop && !past_end) || kernel_prot ? VMFS_SEGV_ACCERR
								       : VMFS_SEGV_MAPERR, f.si_code);
	EXPECT(r, "fault addr", addr, f.addr);
	EXPECT(r, "fault err", -EFAULT, f.err);
	EXPECT(r, "fault error_code without the present bit", code, f.error_code & ~VMFS_PF_PROT);
	if ((!stop || past_end) && !beyond)
		EXPECT(r, "fault error_code present bit, unmapped page", 0, f.error_code & VMFS_PF_PROT);
	if (beyond)
		EXPECT(r, "fault error_code present bit, above the user half", kernel_prot ? VMFS_PF_PROT : 0,
		       f.error_code & VMFS_PF_PROT);
	vmfs_proc_stat(r->m, p->pid, &after);
	EXPECT(r, "segv counter rise", 1, after.segv - before.segv);
}

static void op_access(struct run *r, struct mproc *p)
{
	static const unsigned hows[] = {
		VMFS_ACCESS_READ, VMFS_ACCESS_READ, VMFS_ACCESS_WRITE, VMFS_ACCESS_WRITE,
		VMFS_ACCESS_EXEC, VMFS_ACCESS_READ | VMFS_ACCESS_FORCE,
		VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE, VMFS_ACCESS_WRITE,
	};
	uint8_t k = fuzz_u8(&r->in);
	uint64_t vpn = k & 8 && p->n ? mapped_vpn(r, p) : pick_vpn(r, p);
	unsigned off = k & 0x10 ? 0 : fuzz_below(&r->in, PAGE);
	size_t len;

	/* a few bytes, up to three pages, or (high bit) up to 32 pages, more
	 * than there are frames, so that the access evicts its own pages */
	if (k & 0x20) {
		len = 1 + fuzz_below(&r->in, 16);
	} else {
		uint16_t l = fuzz_u16(&r->in);

		len = l & 0x8000 ? 1 + (size_t)(l & 0x7fff) * 4 : 1 + l % (3 * PAGE);
	}

	/* plain reads, now and then through vmfs_read_with (whose callback may
	 * fail); the other types now and then as a batch of one (vmfs_accessv) */
	do_access(r, p, vpn * PAGE + off, len, hows[k & 7],
		  !(k & 0x40) ? 0 : hows[k & 7] == VMFS_ACCESS_READ ? 1 + (k >> 7) : 3);
}

/*
 * Every run of neighbouring pages of @p (at most 32 pages at a time) in one
 * access, @mode 0 a write, 1 a read, 2 a read through vmfs_read_with, 3 a
 * forced read.  Memory fills up at once, and one access then evicts the
 * pages it touched first (which vmfs_read_with once handed out after their
 * frames were reused: corpus/api/readwith-evicts-earlier-piece).
 */
static void op_sweep(struct run *r, struct mproc *p, unsigned mode)
{
	static const unsigned hows[] = {
		VMFS_ACCESS_WRITE, VMFS_ACCESS_READ, VMFS_ACCESS_READ, VMFS_ACCESS_READ | VMFS_ACCESS_FORCE,
	};

	for (size_t i = 0; i < p->n;) {
		size_t j = i + 1;

		while (j < p->n && j - i < MAX_ACCESS / PAGE && p->pg[j].vpn == p->pg[j - 1].vpn + 1)
			j++;
		/* do_access may change the model's pages (a write copies), never their number */
		do_access(r, p, p->pg[i].vpn * PAGE, (j - i) * PAGE, hows[mode & 3], mode == 2);
		i = j;
	}
}

/* ---- raw arguments: any 64-bit address and length ------------------------------ */

/* vmfs_mmap's checks in order, for an anonymous mapping; 0 with *at set. */
static int64_t raw_mmap_expect(const struct run *r, const struct mproc *p, uint64_t addr,
			       uint64_t len, int prot, int flags, uint64_t *at)
{
	int type = flags & (MAP_SHARED | MAP_PRIVATE);
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	uint64_t plen, npages, hint;

	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	if (len == 0)
		return -EINVAL;
	if (len > UINT64_MAX - (PAGE - 1) || (plen = (len + PAGE - 1) & ~(uint64_t)(PAGE - 1)) > r->user_top)
		return -ENOMEM;
	npages = plen / PAGE;
	if (fixed) {
		if (addr % PAGE)
			return -EINVAL;
		if (addr > r->user_top - plen)
			return -ENOMEM;
		*at = addr / PAGE;
		return (flags & MAP_FIXED_NOREPLACE) && pages_in(p, *at, npages) ? -EEXIST : 0;
	}
	hint = (addr + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	if (addr && hint >= addr && hint / PAGE >= MIN_VPN && hint <= r->user_top - plen &&
	    !pages_in(p, hint / PAGE, npages))
		*at = hint / PAGE;
	else
		*at = top_down(p, r->top_vpn, npages);
	return *at ? 0 : -ENOMEM;
}

/* A raw 64-bit number: small, near a boundary, or anything. */
static uint64_t raw_u64(struct run *r)
{
	uint8_t k = fuzz_u8(&r->in);

	switch (k & 7) {
	case 0:
		return fuzz_u8(&r->in);
	case 1:
		return (uint64_t)fuzz_u16(&r->in) * PAGE;
	case 2:
		return r->user_top - (uint64_t)fuzz_u16(&r->in) * PAGE;
	case 3:
		return UINT64_MAX - fuzz_u16(&r->in);
	case 4:
		return 1ull << (k >> 2);
	case 5:
		return r->user_top + ((uint64_t)fuzz_u16(&r->in) << 12);
	default:
		return fuzz_u64(&r->in);
	}
}

/* vmfs_access with any @how: a bad one is -EINVAL; a read in kernel mode
 * (VMFS_ACCESS_KERNEL, which the model does not follow) transfers at most
 * @len bytes and, being no segfault, leaves the counter alone. */
static void op_raw_how(struct run *r, struct mproc *p, uint64_t addr, size_t len, unsigned how)
{
	static unsigned char out[3 * PAGE + 1];
	unsigned type = how & VMFS_ACCESS_TYPE;
	bool bad = (how & ~(VMFS_ACCESS_TYPE | VMFS_ACCESS_FORCE | VMFS_ACCESS_KERNEL)) ||
		   type == VMFS_ACCESS_TYPE || ((how & VMFS_ACCESS_FORCE) && type == VMFS_ACCESS_EXEC);
	struct vmfs_proc_stat before, after;
	ssize_t got;

	set_op(r, "access(%d, %#" PRIx64 ", %zu, how %#x)", p->pid, addr, len, how);
	if (bad) {
		EXPECT(r, "access with a bad how", -EINVAL, vmfs_access(r->m, p->pid, addr, out, len, how,
									NULL));
		return;
	}
	if (!(how & VMFS_ACCESS_KERNEL) || type == VMFS_ACCESS_WRITE) {
		do_access(r, p, addr, len, how & ~VMFS_ACCESS_KERNEL, 0);
		return;
	}
	vmfs_proc_stat(r->m, p->pid, &before);
	got = vmfs_access(r->m, p->pid, addr, out, len, how, NULL);
	vmfs_proc_stat(r->m, p->pid, &after);
	FUZZ_CHECK(got == -EFAULT || got == -ENOMEM || (got > 0 && (size_t)got <= len),
		   "%s: returned %zd", r->op, got);
	EXPECT(r, "segv counter of a kernel-mode access", before.segv, after.segv);
}

static void op_raw(struct run *r, struct mproc *p)
{
	uint8_t k = fuzz_u8(&r->in);
	uint64_t addr = raw_u64(r), len = raw_u64(r), at = 0, out = 0;
	int prot = k & 0x80 ? (int)fuzz_u8(&r->in) : (k >> 2) & 7;
	int64_t want;
	int rc;

	switch (k & 3) {
	case 0: {
		/* any of shared, private, fixed, noreplace (type 0 or both: -EINVAL) */
		int flags = (int)(fuzz_u8(&r->in) & 0x13) | MAP_ANONYMOUS |
			    (k & 0x40 ? MAP_FIXED_NOREPLACE : 0);
		set_op(r, "raw mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %#x, %#x)", p->pid, addr, len, prot,
		       flags);
		want = raw_mmap_expect(r, p, addr, len, prot, flags, &at);
		rc = vmfs_mmap(r->m, p->pid, addr, len, prot, flags, NULL, 0, &out);
		EXPECT(r, "mmap", want, rc);
		if (rc)
			return;
		EXPECT(r, "mmap address", at * PAGE, out);
		uint64_t npages = (len + PAGE - 1) / PAGE;

		if (npages <= BIG_PAGES && p->n + npages <= PROC_BUDGET) {
			map_range(p, at, npages, prot, flags & MAP_SHARED);
			return;
		}
		/* too big for the model: seen in maps, then gone again */
		struct vmfs_map mp;
		int n = vmfs_maps(r->m, p->pid, &mp, 1);

		FUZZ_CHECK(n >= 1, "%s: no map after a big mmap", r->op);
		EXPECT(r, "munmap of the big mapping", 0, vmfs_munmap(r->m, p->pid, out, len));
		remove_range(p, at, npages);
		return;
	}
	case 1: {
		uint64_t plen = len > UINT64_MAX - (PAGE - 1) ? 0 : (len + PAGE - 1) & ~(uint64_t)(PAGE - 1);

		set_op(r, "raw munmap(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, addr, len);
		want = addr % PAGE || !plen || plen > r->user_top || addr > r->user_top - plen ? -EINVAL : 0;
		EXPECT(r, "munmap", want, vmfs_munmap(r->m, p->pid, addr, len));
		if (!want)
			remove_range(p, addr / PAGE, plen / PAGE);
		return;
	}
	case 2: {
		uint64_t plen = len > UINT64_MAX - (PAGE - 1) ? 0 : (len + PAGE - 1) & ~(uint64_t)(PAGE - 1);

		set_op(r, "raw mprotect(%d, %#" PRIx64 ", %#" PRIx64 ", %#x)", p->pid, addr, len, prot);
		if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) || addr % PAGE || !len)
			want = -EINVAL;
		else if (!plen || plen > r->user_top || addr > r->user_top - plen)
			want = -ENOMEM;
		else
			want = mprotect_expect(r, p, addr / PAGE, plen / PAGE, prot);
		EXPECT(r, "mprotect", want, vmfs_mprotect(r->m, p->pid, addr, len, prot));
		if (!want)
			apply_mprotect(p, addr / PAGE, plen / PAGE, prot);
		return;
	}
	default:
		if (k & 0x20) {
			op_raw_how(r, p, addr, (size_t)(len % (3 * PAGE)) + 1, fuzz_u8(&r->in));
			return;
		}
		do_access(r, p, addr, (size_t)(len % (3 * PAGE)) + 1,
			  k & 0x40 ? VMFS_ACCESS_READ | VMFS_ACCESS_FORCE : VMFS_ACCESS_READ, 0);
		return;
	}
}

/* Calls on a PID that does not exist: -ESRCH, nothing changes. */
static void op_dead_pid(struct run *r)
{
	int pid = r->dead_pid && fuzz_u8(&r->in) < 180 ? r->dead_pid : r->next_pid + 7;
	unsigned char b[16] = { 0 };
	struct vmfs_walk w;
	struct vmfs_map mp;
	struct vmfs_proc_stat ps;
	uint64_t pm;

	set_op(r, "calls on dead pid %d", pid);
	EXPECT(r, "fork", -ESRCH, vmfs_fork(r->m, pid));
	EXPECT(r, "exit", -ESRCH, vmfs_exit(r->m, pid));
	EXPECT(r, "mmap", -ESRCH, vmfs_mmap(r->m, pid, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
					   NULL, 0, NULL));
	EXPECT(r, "munmap", -ESRCH, vmfs_munmap(r->m, pid, LOW_VPN * PAGE, PAGE));
	EXPECT(r, "mprotect", -ESRCH, vmfs_mprotect(r->m, pid, LOW_VPN * PAGE, PAGE, 0));
	EXPECT(r, "read", -ESRCH, vmfs_read(r->m, pid, LOW_VPN * PAGE, b, sizeof(b)));
	EXPECT(r, "write", -ESRCH, vmfs_write(r->m, pid, LOW_VPN * PAGE, b, sizeof(b)));
	EXPECT(r, "maps", -ESRCH, vmfs_maps(r->m, pid, &mp, 1));
	EXPECT(r, "translate", -ESRCH, vmfs_translate(r->m, pid, LOW_VPN * PAGE, &w));
	EXPECT(r, "proc_stat", -ESRCH, vmfs_proc_stat(r->m, pid, &ps));
	EXPECT(r, "pagemap", -ESRCH, vmfs_pagemap(r->m, pid, LOW_VPN, &pm, 1));
	EXPECT(r, "pagetable", -ESRCH, vmfs_pagetable(r->m, pid, NULL, 0));
}

/* The /proc views with odd arguments: pagemap anywhere, pagetable, kmsg and
 * the swap path into small buffers; the names of the table levels. */
static void op_views(struct run *r, struct mproc *p)
{
	static uint64_t pm[64];
	static struct vmfs_pt_entry pt[8];
	char log[64];
	uint8_t k = fuzz_u8(&r->in);
	uint64_t vpn = k & 1 ? pick_vpn(r, p) : raw_u64(r);
	size_t n = fuzz_below(&r->in, 65);
	ssize_t got;
	size_t full;

	set_op(r, "pagemap(%d, %#" PRIx64 ", %zu), pagetable, kmsg", p->pid, vpn, n);
	memset(pm, 0x5a, sizeof(pm));
	got = vmfs_pagemap(r->m, p->pid, vpn, pm, n);
	FUZZ_CHECK(got >= 0 && (size_t)got <= n, "%s: pagemap returned %zd", r->op, got);
	for (ssize_t i = 0; i < got; i++)
		FUZZ_CHECK(vpn + (uint64_t)i >= r->top_vpn || page_at(p, vpn + (uint64_t)i) || !pm[i],
			   "%s: pagemap entry %#" PRIx64 " for unmapped page %#" PRIx64, r->op, pm[i],
			   vpn + (uint64_t)i);
	got = vmfs_pagetable(r->m, p->pid, pt, k >> 5);
	FUZZ_CHECK(got >= 0, "%s: pagetable returned %zd", r->op, got);
	for (ssize_t i = 0; i < got && i < k >> 5; i++)
		FUZZ_CHECK(pt[i].entry && pt[i].vaddr < r->user_top, "%s: pagetable entry %zd: %#" PRIx64
			   " at %#" PRIx64, r->op, i, pt[i].entry, pt[i].vaddr);
	memset(log, 'X', sizeof(log));
	full = vmfs_kmsg(r->m, log, 1 + k % sizeof(log));
	FUZZ_CHECK(strlen(log) == (full < k % sizeof(log) ? full : k % sizeof(log)),
		   "%s: kmsg of %zu bytes into %zu holds %zu", r->op, full, 1 + k % sizeof(log),
		   strlen(log));
	memset(log, 'X', sizeof(log));
	full = vmfs_swap_path(r->m, log, 1 + k % sizeof(log));
	FUZZ_CHECK(strlen(log) == (full < k % sizeof(log) ? full : k % sizeof(log)) &&
		   (full == 0) == r->swap_none, "%s: swap path of %zu bytes into %zu holds %zu",
		   r->op, full, 1 + k % sizeof(log), strlen(log));
	for (int lv = -1; lv <= r->levels; lv++) {
		const char *name = vmfs_level_name(r->levels, lv);

		FUZZ_CHECK(name && (lv < 0 || lv == r->levels ? !strcmp(name, "?") :
				    lv == 0 ? !strcmp(name, "pgd") :
				    lv == r->levels - 1 ? !strcmp(name, "pte") : strlen(name) == 3),
			   "vmfs_level_name(%d, %d) is \"%s\"", r->levels, lv, name ? name : "(null)");
	}
}

/* ---- machine-wide operations ----------------------------------------------------- */

static void op_reclaim(struct run *r)
{
	uint8_t k = fuzz_u8(&r->in);
	uint64_t n = k & 0x80 ? (k & 0x40 ? UINT64_MAX : FRAMES) : k % 8;
	int64_t got;

	set_op(r, "reclaim(%" PRIu64 ")", n);
	got = vmfs_reclaim(r->m, n);
	FUZZ_CHECK(got >= 0 && (uint64_t)got <= n && got <= FRAMES, "%s: returned %" PRId64, r->op, got);
}

static void op_policy(struct run *r)
{
	static const char *const names[] = { "fifo", "lru", "clock", "arc", "opt", "", "LRU", "clock " };
	const char *name = names[fuzz_u8(&r->in) % 8];
	bool known = !strcmp(name, "fifo") || !strcmp(name, "lru") || !strcmp(name, "clock") ||
		     !strcmp(name, "arc");
	struct vmfs_stat st;
	char before[16];

	set_op(r, "set_policy(\"%s\")", name);
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
	memcpy(before, st.policy, sizeof(before));
	EXPECT(r, "set_policy", known ? 0 : -EINVAL, vmfs_set_policy(r->m, name, NULL, NULL));
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
	FUZZ_CHECK(!strcmp(st.policy, known ? name : before), "%s: stat says policy \"%s\"", r->op,
		   st.policy);
}

/* ---- objects ------------------------------------------------------------------------ */

static const char *slot_name(int slot)
{
	static const char *const names[MAX_OBJS] = { "obj0", "obj1", "obj2", "obj3" };

	return names[slot];
}

static uint64_t pick_obj_size(struct run *r)
{
	uint16_t k = fuzz_u16(&r->in);

	if (k & 1)
		return (k >> 1) % (OBJ_PAGES + 1) * PAGE;
	return (k >> 1) % (OBJ_PAGES * PAGE + 1);
}

static void op_obj_create(struct run *r, int slot)
{
	static unsigned char data[OBJ_PAGES * PAGE];
	uint64_t size = pick_obj_size(r);
	bool zeros = fuzz_u8(&r->in) & 1;
	struct mobj *o;
	int rc;

	set_op(r, "object_create(\"%s\", %s, %" PRIu64 ")", slot_name(slot), zeros ? "NULL" : "data",
	       size);
	if (!zeros)
		random_bytes(r, data, size);
	rc = vmfs_object_create(r->m, slot_name(slot), zeros ? NULL : data, size);
	EXPECT(r, "object_create", r->objs[slot] ? -EEXIST : 0, rc);
	if (rc)
		return;
	o = calloc(1, sizeof(*o));
	FUZZ_CHECK(o, "out of memory");
	o->refs = 1;
	o->named = true;
	o->mode = 0644;
	snprintf(o->name, sizeof(o->name), "%s", slot_name(slot));
	obj_set_size(r, o, size);
	for (uint64_t i = 0; !zeros && i < obj_npages(size); i++)
		memcpy(o->pg[i]->d, data + i * PAGE,
		       i + 1 < obj_npages(size) || size % PAGE == 0 ? PAGE : size % PAGE);
	r->objs[slot] = o;
}

static void op_obj_write(struct run *r, int slot)
{
	static unsigned char data[2 * PAGE];
	struct mobj *o = r->objs[slot];
	uint64_t size = o ? o->size : 0;
	uint64_t lim = size + 2 * PAGE < OBJ_PAGES * PAGE ? size + 2 * PAGE : OBJ_PAGES * PAGE;
	uint64_t off = fuzz_below(&r->in, (uint32_t)lim);
	size_t len = 1 + fuzz_below(&r->in, 2 * PAGE);

	if (off + len > OBJ_PAGES * PAGE)
		len = OBJ_PAGES * PAGE - off;
	set_op(r, "object_write(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", slot_name(slot), off,
	       len, size);
	random_bytes(r, data, len);
	EXPECT(r, "object_write", o ? (int64_t)len : -ENOENT,
	       vmfs_object_write(r->m, slot_name(slot), off, data, len));
	if (!o)
		return;
	if (off + len > o->size)
		obj_set_size(r, o, off + len);
	for (size_t k = 0; k < len; k++)
		o->pg[(off + k) / PAGE]->d[(off + k) % PAGE] = data[k];
}

static void op_obj_read(struct run *r, int slot)
{
	static unsigned char got[3 * PAGE];
	const struct mobj *o = r->objs[slot];
	uint64_t size = o ? o->size : 0;
	uint64_t off = fuzz_u8(&r->in) == 0xff ? UINT64_MAX - fuzz_u8(&r->in)
					       : fuzz_below(&r->in, (uint32_t)(size + PAGE));
	size_t len = fuzz_below(&r->in, 3 * PAGE + 1);
	int64_t want = !o ? -ENOENT : off >= size ? 0 : (int64_t)(size - off < len ? size - off : len);

	set_op(r, "object_read(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", slot_name(slot), off,
	       len, size);
	memset(got, 0xa5, sizeof(got));
	EXPECT(r, "object_read", want, vmfs_object_read(r->m, slot_name(slot), off, got, len));
	for (int64_t k = 0; k < want; k++) {
		unsigned char m = o->pg[(off + (uint64_t)k) / PAGE]->d[(off + (uint64_t)k) % PAGE];

		FUZZ_CHECK(got[k] == m, "%s: byte %#" PRIx64 " is %#x, model %#x", r->op,
			   off + (uint64_t)k, got[k], m);
	}
}

static void op_obj_resize(struct run *r, int slot)
{
	struct mobj *o = r->objs[slot];
	uint64_t size = pick_obj_size(r);

	set_op(r, "object_resize(\"%s\", %" PRIu64 ")", slot_name(slot), size);
	EXPECT(r, "object_resize", o ? 0 : -ENOENT, vmfs_object_resize(r->m, slot_name(slot), size));
	if (o)
		obj_set_size(r, o, size);
}

static void op_obj_remove(struct run *r, int slot)
{
	set_op(r, "object_remove(\"%s\")", slot_name(slot));
	EXPECT(r, "object_remove", r->objs[slot] ? 0 : -ENOENT, vmfs_object_remove(r->m, slot_name(slot)));
	if (!r->objs[slot])
		return;
	r->objs[slot]->named = false;
	obj_put(r->objs[slot]);
	r->objs[slot] = NULL;
}

static void op_obj_chmod(struct run *r, int slot)
{
	static const unsigned modes[] = { 0644, 0444, 0600, 0400 };
	unsigned mode = modes[fuzz_u8(&r->in) % 4];

	set_op(r, "object_chmod(\"%s\", %#o)", slot_name(slot), mode);
	EXPECT(r, "object_chmod", r->objs[slot] ? 0 : -ENOENT,
	       vmfs_object_chmod(r->m, slot_name(slot), mode));
	if (r->objs[slot])
		r->objs[slot]->mode = mode;
}

/* stat of every slot, the list in name order, nr_objects. */
static void op_obj_stat(struct run *r)
{
	struct vmfs_object_info in, list[MAX_OBJS + 1];
	struct vmfs_stat st;
	int named = 0, n;

	set_op(r, "object_stat and object_list");
	for (int slot = 0; slot < MAX_OBJS; slot++) {
		const struct mobj *o = r->objs[slot];
		int rc = vmfs_object_stat(r->m, slot_name(slot), &in);

		EXPECT(r, "object_stat", o ? 0 : -ENOENT, rc);
		if (!o)
			continue;
		FUZZ_CHECK(!strcmp(in.name, o->name) && in.size == o->size && in.mode == o->mode &&
			   !in.removed && in.cached <= obj_npages(o->size),
			   "%s: %s: size %" PRIu64 " mode %#o cached %" PRIu64 "; model size %" PRIu64
			   " mode %#o", r->op, o->name, in.size, in.mode, in.cached, o->size, o->mode);
		named++;
	}
	n = vmfs_object_list(r->m, list, MAX_OBJS + 1);
	EXPECT(r, "object_list count", named, n);
	for (int i = 0, slot = 0; i < n && i <= MAX_OBJS; i++, slot++) {
		while (slot < MAX_OBJS && !r->objs[slot])
			slot++;
		FUZZ_CHECK(slot < MAX_OBJS && !strcmp(list[i].name, r->objs[slot]->name) &&
			   list[i].size == r->objs[slot]->size, "%s: object_list[%d] is \"%s\"", r->op,
			   i, list[i].name);
	}
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
	EXPECT(r, "nr_objects", named, st.nr_objects);
}

static void op_obj_mmap(struct run *r, struct mproc *p, int slot)
{
	struct mobj *o = r->objs[slot];
	uint64_t npages = pick_npages(r), addr, at = 0, out = 0xdeadbeef;
	uint8_t k = fuzz_u8(&r->in);
	uint64_t pgoff = o && (k & 0x80) ? fuzz_below(&r->in, (uint32_t)obj_npages(o->size) + 1)
					 : fuzz_below(&r->in, OBJ_PAGES);
	int prot = k & 7;
	bool shared = k & 8;
	int flags = shared ? MAP_SHARED : MAP_PRIVATE;
	int mode = pick_placement(r, p, &addr, &flags);
	int64_t want;
	int rc;

	if (p->n + npages > PROC_BUDGET)
		return;
	set_op(r, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s, \"%s\", page %" PRIu64 ", mode %d)",
	       p->pid, addr, npages * PAGE, prot_str(prot), shared ? "shared" : "private",
	       slot_name(slot), pgoff, mode);
	want = !o ? -ENOENT : shared && (prot & PROT_WRITE) && !(o->mode & 0222) ? -EACCES
		  : placement(r, p, addr, npages, mode, &at);
	rc = vmfs_mmap(r->m, p->pid, addr, npages * PAGE, prot, flags, slot_name(slot), pgoff * PAGE,
		       &out);
	EXPECT(r, "mmap of an object", want, rc);
	if (rc)
		return;
	EXPECT(r, "mmap address", at * PAGE, out);
	map_obj_range(p, at, npages, prot, shared, o, pgoff);
}

/* At the end: every name removed, every process gone, and every frame,
 * swap slot and page-table page back. */
static void finish(struct run *r)
{
	struct vmfs_stat st;

	set_op(r, "final checks");
	check_pids(r);
	for (int i = 0; i < r->nprocs; i++)
		check_maps(r, &r->procs[i]);
	check_all_bytes(r);
	for (int slot = 0; slot < MAX_OBJS; slot++)
		if (r->objs[slot])
			op_obj_remove(r, slot);
	while (r->nprocs) {
		set_op(r, "exit(%d)", r->procs[0].pid);
		EXPECT(r, "exit", 0, vmfs_exit(r->m, r->procs[0].pid));
		proc_free(&r->procs[0]);
		r->procs[0] = r->procs[--r->nprocs];
	}
	set_op(r, "after every process exited and every object was removed");
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
	EXPECT(r, "frames_free", FRAMES, st.frames_free);
	EXPECT(r, "pgalloc - pgfree", 0, st.pgalloc - st.pgfree);
	EXPECT(r, "page-table pages (the kernel's)", r->kernel_pt_pages, st.pagetable_pages);
	EXPECT(r, "swap_used", 0, st.swap_used);
	EXPECT(r, "swap_cached", 0, st.swap_cached);
	EXPECT(r, "nr_objects", 0, st.nr_objects);
	EXPECT(r, "file_pages", 0, st.file_pages);
	FUZZ_CHECK(st.pgmajfault >= st.pswpin && st.pgsteal_direct >= st.pswpout,
		   "%s: pgmajfault %" PRIu64 " < pswpin %" PRIu64 " or pgsteal_direct %" PRIu64
		   " < pswpout %" PRIu64, r->op, st.pgmajfault, st.pswpin, st.pgsteal_direct, st.pswpout);
}

/* ---- the driver --------------------------------------------------------------------- */

static void one_op(struct run *r)
{
	uint8_t k = fuzz_u8(&r->in);
	struct mproc *p;
	int slot;

	if (r->nprocs == 0 && k % 32 < 20) {
		op_spawn(r);
		return;
	}
	p = r->nprocs ? pick_proc(r) : NULL;
	slot = (int)fuzz_below(&r->in, MAX_OBJS);
	switch (k % 32) {
	case 0: op_spawn(r); break;
	case 1: if (p) op_fork(r); break;
	case 2: if (p && (r->nprocs > 1 || k & 0x20)) op_exit(r); break;
	case 3: case 4: case 5: if (p) op_mmap(r, p); break;
	case 6: if (p) op_obj_mmap(r, p, slot); break;
	case 7: case 8: if (p) op_munmap(r, p); break;
	case 9: case 10: if (p) op_mprotect(r, p); break;
	case 11: case 12: case 13: case 14: case 15: if (p) op_access(r, p); break;
	case 16: if (p) op_raw(r, p); break;
	case 17: op_reclaim(r); break;
	case 18: set_op(r, "sync"); EXPECT(r, "sync", 0, vmfs_sync(r->m)); break;
	case 19: op_policy(r); break;
	case 20: case 21: op_obj_create(r, slot); break;
	case 22: op_obj_write(r, slot); break;
	case 23: op_obj_read(r, slot); break;
	case 24: op_obj_resize(r, slot); break;
	case 25: op_obj_remove(r, slot); break;
	case 26: op_obj_chmod(r, slot); break;
	case 27: op_obj_stat(r); break;
	case 28: op_dead_pid(r); break;
	case 29: if (p) op_views(r, p); break;
	case 30:
		if (p) {
			set_op(r, "check maps and translations of %d", p->pid);
			check_pids(r);
			check_maps(r, p);
			for (int i = 0; i < 4; i++)
				check_translate(r, p, fuzz_u8(&r->in) & 1 && p->n ? mapped_vpn(r, p)
						      : pick_vpn(r, p) % r->top_vpn);
		}
		break;
	default:
		if (p && (k & 0x20)) {
			for (size_t i = 0; i < p->n; i++) {
				set_op(r, "translate every page of %d", p->pid);
				check_translate(r, p, p->pg[i].vpn);
			}
		} else if (p) {
			op_sweep(r, p, k >> 6);
		}
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const policies[] = { "fifo", "lru", "clock", "arc" };
	static const char *const swaps[] = { "", ",swap=none", ",swap_size=64K", "" };
	struct run *r = calloc(1, sizeof(*r));
	struct vmfs_stat st;
	char opts[128];
	uint8_t cfg;

	FUZZ_CHECK(r, "out of memory");
	r->in = (struct fuzz_in){ data, size };
	cfg = fuzz_u8(&r->in);
	snprintf(opts, sizeof(opts), "frames=%d,levels=%d,tlb=%d,policy=%s%s", FRAMES, 2 + cfg % 5,
		 cfg & 8 ? 4 : 0, policies[(cfg >> 4) & 3], swaps[cfg >> 6]);
	r->may_oom = swaps[cfg >> 6][0] != '\0';
	r->swap_none = cfg >> 6 == 1;
	r->levels = 2 + cfg % 5;
	r->next_pid = 1;
	r->rng = cfg;
	set_op(r, "vmfs_open(\"%s\")", opts);
	EXPECT(r, "vmfs_open", 0, vmfs_open(&r->m, opts));
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->m, &st));
	r->user_top = st.user_top;
	r->top_vpn = st.user_top / PAGE;
	r->kernel_pt_pages = st.pagetable_pages;
	r->kernel_base = st.kernel_base;
	r->kernel_end = st.kernel_base + st.kernel_pages * PAGE;
	r->va_bits = st.va_bits;

	for (int n = 0; fuzz_more(&r->in) && n < MAX_OPS; n++)
		one_op(r);
	finish(r);

	for (int i = 0; i < r->nprocs; i++)
		proc_free(&r->procs[i]);
	for (int slot = 0; slot < MAX_OBJS; slot++)
		if (r->objs[slot])
			obj_put(r->objs[slot]);
	vmfs_close(r->m);
	free(r);
	return 0;
}

/*
 * fuzz_api.c - fuzz libvmfs through its public API: the input is a stream of
 * operations on one small machine, checked against a model of bytes.
 *
 * This is tests/test_model.c with libFuzzer choosing the operations instead
 * of a seeded generator, and the same model (tests/model.[ch], one source): per process a sorted array of
 * pages, each with its protection, whether it is shared, and a 4096-byte
 * buffer (private pages are copied at fork, shared ones refcounted); a named
 * object is one buffer per page, shown by every mapping of it until a
 * private page's first write gives it its own copy.
 *
 * The input: byte 0 configures the machine (levels 2..6, tlb 0 or 4, the
 * policy, and swap: unlimited, none, or 64K), always 16 frames, so every
 * operation runs under eviction and swap-in.  Then each operation is one
 * byte choosing it (its value mod 32; the object-number calls, new in 0.4,
 * took selector 27's values with the top bit set, so that the corpus from
 * before them kept its meaning) and a few bytes for its arguments
 * (fuzz_in: past the end everything is 0).  Operations: spawn (also with bad names), fork, exit,
 * anonymous and object mmap (fixed, noreplace, hint, anywhere), munmap,
 * mprotect, reads (also through vmfs_read_with), writes, fetches and
 * forced accesses, mmap, munmap, mprotect and reads with raw 64-bit
 * arguments (and any access mode), reclaim, sync, set_policy, object create,
 * write, read, resize, remove, chmod, stat and list, the calls on an object
 * number (open, close, pread, pwrite, ftruncate, fchmod, fstat, on open
 * numbers, removed objects and numbers that are not open), calls on a dead PID,
 * madvise, mlock then munlock, mincore and msync (selector 28's values with
 * the top bit set, since 0.5), exec with its errors (selector 18's),
 * mremap (selector 10's), MAP_HUGETLB with no pool (selector 16's, since 0.8),
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
 *   - an object number stays its object's: after a remove (and a create of
 *     the same name) it reads and writes the old object, unnamed, which its
 *     mappings keep showing; a number not open is -EBADF for every call;
 *   - at the end every page reads back as the model has it, and once the
 *     objects are removed, the numbers closed and the processes gone, every
 *     frame, swap slot and page-table page is free (and LeakSanitizer finds
 *     no host memory left, also when an input leaves numbers open at
 *     vmfs_close).
 * With swap=none or swap_size=64K an access may stop with -ENOMEM at a page
 * that needed a frame, as test_model allows: the model takes exactly what
 * the engine reports done.
 */
#include "fuzz.h"
#include "../model.h"
#include "../splitmix.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <vmfs.h>

#define FRAMES        16
#define MAX_PROCS     8
#define WIN_PAGES     64          /* pages in each address window */
#define PROC_BUDGET   256         /* most pages the model keeps for a process */
#define BIG_PAGES     64          /* a raw mapping larger is unmapped at once */
#define MAX_OPS       2000
#define MAX_ACCESS    (32 * PAGE) /* a long access: twice the frames */

_Static_assert(MAX_PROCS <= MODEL_PROCS, "the model holds MAX_PROCS processes");

/* One input's run: the machine and its model (model.h), and the input. */
struct run {
	struct model md;            /* the machine and its model */
	struct fuzz_in in;
	uint64_t kernel_base, kernel_end;     /* the kernel image */
	int va_bits;
	bool may_oom, swap_none;
	bool keep_open;             /* finish leaves the open numbers open */
	int levels;
	uint64_t rng;
};

/* ---- reporting and choosing -------------------------------------------------- */

#define EXPECT(r, what, want, got) \
	do { \
		int64_t want_ = (int64_t)(want), got_ = (int64_t)(got); \
		FUZZ_CHECK(want_ == got_, "%s: %s: expected %" PRId64 " (%#" PRIx64 "), got %" \
			   PRId64 " (%#" PRIx64 ")%s%s", (r)->md.op, what, want_, (uint64_t)want_, got_, \
			   (uint64_t)got_, got_ < 0 ? " - " : "", got_ < 0 ? vmfs_errmsg() : ""); \
	} while (0)

/* The shared checks of model.c report here: as FUZZ_CHECK does, then abort. */
void model_fail(struct model *md, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	md->failed = true;
	fuzz_fail(__FILE__, __LINE__, "model", "%s: %s", md->op, msg);
}

/* With FUZZ_API_TRACE set, every operation on stderr as it starts (to read
 * what an input does: fuzz_api_replay FILE). */
static void trace_op(const struct model *md)
{
	fprintf(stderr, "%s\n", md->op);
}

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

static struct mproc *pick_proc(struct run *r)
{
	return &r->md.procs[fuzz_below(&r->in, (uint32_t)r->md.nprocs)];
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
		return r->md.top_vpn - WIN_PAGES + fuzz_below(&r->in, WIN_PAGES);
	case 5: case 6:
		if (p->n) {
			uint64_t vpn = mapped_vpn(r, p);

			return vpn + fuzz_below(&r->in, 5) - (vpn >= 2 ? 2 : 0);
		}
		return LOW_VPN;
	default:
		if (k & 8)
			return fuzz_below(&r->in, MIN_VPN + 2);
		return fuzz_u64(&r->in) % (r->md.top_vpn + 4);
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

	EXPECT(r, "vmfs_translate", 0, vmfs_translate(r->md.m, p->pid, addr, &w));
	FUZZ_CHECK(w.depth >= 1 && w.depth <= w.levels, "%s: walk of %#" PRIx64 ": depth %d of %d",
		   r->md.op, addr, w.depth, w.levels);
	for (int i = 0; i < w.depth; i++) {
		const struct vmfs_walk_level *l = &w.level[i];

		FUZZ_CHECK(phys_u64(&r->md, l->table + 8 * (uint64_t)l->index) == l->entry,
			   "%s: walk of %#" PRIx64 ": level %d entry %#" PRIx64 " is not physical memory's",
			   r->md.op, addr, i, l->entry);
		FUZZ_CHECK(i + 1 == w.depth || ((l->entry & VMFS_PTE_PFN_MASK) == w.level[i + 1].table &&
						(l->entry & VMFS_PTE_P)),
			   "%s: walk of %#" PRIx64 ": level %d does not point at the next table", r->md.op,
			   addr, i);
	}
	FUZZ_CHECK(w.mapped == (pg != NULL) && (!pg || (w.prot == pg->prot &&
						      !!(w.flags & MAP_SHARED) == pg->shared)),
		   "%s: walk of %#" PRIx64 ": mapped %d prot %s flags %#x; model %s", r->md.op, addr,
		   w.mapped, prot_str(w.prot), w.flags, pg ? prot_str(pg->prot) : "unmapped");
	leaf = w.level[w.depth - 1].entry;
	switch (w.state) {
	case VMFS_WALK_NONE:
		if (pg && page_is_anon(pg))
			for (unsigned i = 0; i < PAGE; i++)
				FUZZ_CHECK(!pg->b->d[i], "%s: walk of %#" PRIx64 ": no page, but the model's "
					   "private page holds %#x at %u", r->md.op, addr, pg->b->d[i], i);
		return;
	case VMFS_WALK_SWAPPED:
		FUZZ_CHECK(pg && page_is_anon(pg) && w.depth == w.levels && (leaf & VMFS_PTE_SWAP) &&
			   !(leaf & VMFS_PTE_P),
			   "%s: walk of %#" PRIx64 ": swap entry %#" PRIx64 " for a page that is not "
			   "private anonymous", r->md.op, addr, leaf);
		return;
	case VMFS_WALK_PRESENT:
	case VMFS_WALK_PROTNONE:
		break;
	default:
		FUZZ_CHECK(0, "%s: walk of %#" PRIx64 ": state %d", r->md.op, addr, w.state);
	}
	b = pg ? page_buf(pg) : NULL;
	FUZZ_CHECK(b && w.depth == w.levels && (w.state == VMFS_WALK_PROTNONE) == (pg->prot == PROT_NONE),
		   "%s: walk of %#" PRIx64 ": resident (state %d) where the model has %s", r->md.op, addr,
		   w.state, !pg ? "nothing" : !b ? "a page past its object's end" : prot_str(pg->prot));
	FUZZ_CHECK(!(leaf & VMFS_PTE_RW) || (pg->prot & PROT_WRITE),
		   "%s: walk of %#" PRIx64 ": leaf %#" PRIx64 " writable, prot %s", r->md.op, addr, leaf,
		   prot_str(pg->prot));
	EXPECT(r, "vmfs_phys_read of a frame", PAGE, vmfs_phys_read(r->md.m, w.paddr, frame, PAGE));
	for (unsigned i = 0; i < PAGE; i++)
		FUZZ_CHECK(frame[i] == b->d[i], "%s: pid %d page %#" PRIx64 " in frame %#" PRIx64
			   ": byte %u is %#x, model %#x", r->md.op, p->pid, addr, w.paddr, i, frame[i],
			   b->d[i]);
}

/* ---- operations on processes -------------------------------------------------- */

static void op_spawn(struct run *r)
{
	char name[300];
	uint8_t k = fuzz_u8(&r->in);
	int want, pid;

	if (k < 224) {
		snprintf(name, sizeof(name), "p%d", r->md.next_pid);
		want = r->md.nprocs < MAX_PROCS ? r->md.next_pid : 0;
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
		want = r->md.nprocs < MAX_PROCS ? r->md.next_pid : 0;
	}
	if (!want)
		return;
	model_set_op(&r->md, "spawn(\"%.20s\"%s)", name, strlen(name) > 20 ? "..." : "");
	pid = vmfs_spawn(r->md.m, name);
	EXPECT(r, "spawn", want, pid);
	if (pid >= 0)
		model_spawn(&r->md, pid);
}

static void op_fork(struct run *r)
{
	struct mproc *parent = pick_proc(r);
	int pid;

	if (r->md.nprocs == MAX_PROCS)
		return;
	model_set_op(&r->md, "fork(%d)", parent->pid);
	pid = vmfs_fork(r->md.m, parent->pid);
	EXPECT(r, "fork", r->md.next_pid, pid);
	model_fork(&r->md, parent, pid);
}

static void op_exit(struct run *r)
{
	int i = (int)fuzz_below(&r->in, (uint32_t)r->md.nprocs);
	int pid = r->md.procs[i].pid;

	model_set_op(&r->md, "exit(%d)", pid);
	EXPECT(r, "exit", 0, vmfs_exit(r->md.m, pid));
	model_exit(&r->md, i);
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
	model_set_op(&r->md, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s, mode %d)", p->pid, addr, len,
	       prot_str(prot), shared ? "shared" : "private", mode);
	want = placement(&r->md, p, addr, npages, mode, &at);
	rc = vmfs_mmap(r->md.m, p->pid, addr, len, prot, flags, NULL, 0, &out);
	EXPECT(r, "mmap", want, rc);
	if (rc)
		return;
	EXPECT(r, "mmap address", at * PAGE, out);
	map_range(p, at, npages, prot, shared);
}

static void op_munmap(struct run *r, struct mproc *p)
{
	uint64_t vpn = pick_vpn(r, p), npages = pick_npages(r), len = pick_len(r, npages);
	int64_t want = vpn + npages > r->md.top_vpn ? -EINVAL : 0;

	model_set_op(&r->md, "munmap(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE, len);
	EXPECT(r, "munmap", want, vmfs_munmap(r->md.m, p->pid, vpn * PAGE, len));
	if (!want)
		remove_range(p, vpn, npages);
}

static void op_mprotect(struct run *r, struct mproc *p)
{
	uint8_t k = fuzz_u8(&r->in);
	uint64_t vpn = k & 1 && p->n ? mapped_vpn(r, p) : pick_vpn(r, p);
	uint64_t npages = 1 + (k >> 1) % (k & 0x80 ? 16 : 4);
	int prot = (k >> 4) & 7;
	uint64_t reach;
	int64_t want = mprotect_expect(&r->md, p, vpn, npages, prot, &reach);

	model_set_op(&r->md, "mprotect(%d, %#" PRIx64 ", %#" PRIx64 ", %s)", p->pid, vpn * PAGE, npages * PAGE,
	       prot_str(prot));
	EXPECT(r, "mprotect", want, vmfs_mprotect(r->md.m, p->pid, vpn * PAGE, npages * PAGE, prot));
	apply_mprotect(&r->md, p, vpn, reach, prot);
}

/*
 * mremap (since 0.5; selector 10's values with the top bit set): a
 * mapped page or any, an old length of 0 to 7 pages (or raw), a new one
 * of 1 to 8 (or raw), any flags; the model says the result, the address
 * and how the pages move, given where the engine's mappings begin (the
 * fuzz driver does not predict that: model_take_map_starts).  Growing
 * shared anonymous memory is left out (model.h).
 */
static void op_mremap(struct run *r, struct mproc *p)
{
	uint8_t k = fuzz_u8(&r->in), f = fuzz_u8(&r->in);
	uint64_t vpn = k & 1 && p->n ? mapped_vpn(r, p) : pick_vpn(r, p);
	uint64_t old_len = ((k >> 1) & 7) * PAGE, new_len = (1 + ((k >> 4) & 7)) * PAGE;
	uint64_t new_addr = pick_vpn(r, p) * PAGE, res = 0, got_res = 0;
	int flags = f & 0x80 ? (int)f : f & 7;
	int64_t want, got;

	if (f & 0x40)
		old_len = fuzz_u64(&r->in);
	if (f & 0x20)
		new_len = fuzz_u64(&r->in);
	if ((flags & VMFS_MREMAP_DONTUNMAP) && (f & 0x08))
		new_len = old_len;
	if (model_mremap_grows_shm(p, vpn * PAGE, old_len, new_len) ||
	    (new_len > old_len && new_len - old_len > 16 * PAGE))
		return;         /* not modelled; a model of a few pages per process */
	model_set_op(&r->md, "mremap(%d, %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %d, %#" PRIx64 ")",
		     p->pid, vpn * PAGE, old_len, new_len, flags, new_addr);
	{
		/* where mappings begin: the engine's (model.h); the rest is the model's */
		static struct vmfs_map maps[1024];
		int n = vmfs_maps(r->md.m, p->pid, maps, 1024);

		FUZZ_CHECK(n >= 0 && n <= 1024, "%s: vmfs_maps: %d", r->md.op, n);
		model_take_map_starts(p, maps, n);
	}
	want = model_mremap(&r->md, p, vpn * PAGE, old_len, new_len, flags, new_addr, &res);
	got = vmfs_mremap(r->md.m, p->pid, vpn * PAGE, old_len, new_len, flags, new_addr, &got_res);
	EXPECT(r, "mremap", want, got);
	if (want == 0)
		EXPECT(r, "mremap address", res, got_res);
	check_maps(&r->md, p, true);
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
	const struct mpage *stop;
	struct vmfs_proc_stat before, after;
	struct vmfs_fault f;
	struct spans sp = { .rc = spans == 2 ? -EIO : 0 };
	size_t done;
	ssize_t got;

	if (type == VMFS_ACCESS_WRITE && !clip_object_tail(p, addr, &len))
		return;
	model_set_op(&r->md, "%s%s%s(%d, %#" PRIx64 ", %zu)", user ? "" : "force-", type_name[type],
	       spans == 3 ? " (accessv)" : spans ? (spans == 2 ? "_with (failing)" : "_with") : "",
	       p->pid, addr, len);
	if (type == VMFS_ACCESS_WRITE)
		random_bytes(r, in, len);
	memset(out, 0xa5, len);

	/* How far the model goes, and what it reads. */
	done = access_plan(&r->md, p, addr, len, how, want, &stop);
	if (!done && user)
		vmfs_proc_stat(r->md.m, p->pid, &before);
	memset(&f, 0x5a, sizeof(f));
	if (spans == 1 || spans == 2) {
		sp.out = out;
		sp.len = len;
		got = vmfs_read_with(r->md.m, p->pid, addr, len, copy_spans, &sp);
		f.err = (int)(got < 0 ? got : 0);
		FUZZ_CHECK(sp.calls == (got >= 0 || got == sp.rc) && (got < 0 || sp.got == (size_t)got),
			   "%s: returned %zd after %d calls with %zu bytes", r->md.op, got, sp.calls, sp.got);
	} else if (spans == 3) {
		struct vmfs_iop iop = { .addr = addr, .buf = type == VMFS_ACCESS_WRITE ? in : out,
					.len = len, .how = how };
		ssize_t n = vmfs_accessv(r->md.m, p->pid, &iop, 1);

		got = iop.res;
		f.err = (int)(got < 0 ? got : 0);
		FUZZ_CHECK(n == (got == (ssize_t)len), "%s: vmfs_accessv returned %zd for an access of %zd",
			   r->md.op, n, got);
	} else {
		got = vmfs_access(r->md.m, p->pid, addr, type == VMFS_ACCESS_WRITE ? in : out, len, how, &f);
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
		access_write(p, addr, in, done);
	} else {
		for (size_t i = 0; i < done; i++)
			FUZZ_CHECK(out[i] == want[i], "%s: byte %zu (address %#" PRIx64 ") is %#x, model %#x",
				   r->md.op, i, addr + i, out[i], want[i]);
	}
	if (done || !user)
		return;
	/* A user-mode segfault on the first page: what it reports.  Past an
	 * object's end there is no page (SIGBUS, BUS_ADRERR, once the mapping allows the
	 * access); a page the mapping forbids is ACCERR.  Above the user half,
	 * a non-canonical address and the kernel image (present, supervisor
	 * only) are protection faults, ACCERR; the rest of the kernel half is
	 * mapped by nothing, MAPERR (libvmfs(3): "MAPERR when no mapping
	 * covers the address"). */
	bool beyond = addr >= r->md.user_top;
	bool kernel_prot = beyond && (!canonical(r, addr) ||
				      (addr >= r->kernel_base && addr < r->kernel_end));
	bool past_end = stop && obj_past_end(stop) && allowed(stop, how);
	unsigned code = VMFS_PF_USER | (type == VMFS_ACCESS_WRITE ? VMFS_PF_WRITE : 0) |
			(type == VMFS_ACCESS_EXEC ? VMFS_PF_INSTR : 0);

	if (spans) {            /* no struct vmfs_fault to look at */
		vmfs_proc_stat(r->md.m, p->pid, &after);
		EXPECT(r, "segv counter rise", 1, after.segv - before.segv);
		return;
	}
	EXPECT(r, "fault signo", past_end ? VMFS_SIGBUS : VMFS_SIGSEGV, f.signo);
	EXPECT(r, "fault si_code", past_end ? VMFS_BUS_ADRERR :
				   stop || kernel_prot ? VMFS_SEGV_ACCERR : VMFS_SEGV_MAPERR, f.si_code);
	EXPECT(r, "fault addr", addr, f.addr);
	EXPECT(r, "fault err", -EFAULT, f.err);
	EXPECT(r, "fault error_code without the present bit", code, f.error_code & ~VMFS_PF_PROT);
	if ((!stop || past_end) && !beyond)
		EXPECT(r, "fault error_code present bit, unmapped page", 0, f.error_code & VMFS_PF_PROT);
	if (beyond)
		EXPECT(r, "fault error_code present bit, above the user half", kernel_prot ? VMFS_PF_PROT : 0,
		       f.error_code & VMFS_PF_PROT);
	vmfs_proc_stat(r->md.m, p->pid, &after);
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
	if (len > UINT64_MAX - (PAGE - 1) || (plen = (len + PAGE - 1) & ~(uint64_t)(PAGE - 1)) > r->md.user_top)
		return -ENOMEM;
	npages = plen / PAGE;
	if (fixed) {
		if (addr % PAGE)
			return -EINVAL;
		if (addr > r->md.user_top - plen)
			return -ENOMEM;
		*at = addr / PAGE;
		return (flags & MAP_FIXED_NOREPLACE) && pages_in(p, *at, npages) ? -EEXIST : 0;
	}
	hint = (addr + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	if (addr && hint >= addr && hint / PAGE >= MIN_VPN && hint <= r->md.user_top - plen &&
	    !pages_in(p, hint / PAGE, npages))
		*at = hint / PAGE;
	else
		*at = top_down(p, r->md.top_vpn, npages);
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
		return r->md.user_top - (uint64_t)fuzz_u16(&r->in) * PAGE;
	case 3:
		return UINT64_MAX - fuzz_u16(&r->in);
	case 4:
		return 1ull << (k >> 2);
	case 5:
		return r->md.user_top + ((uint64_t)fuzz_u16(&r->in) << 12);
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

	model_set_op(&r->md, "access(%d, %#" PRIx64 ", %zu, how %#x)", p->pid, addr, len, how);
	if (bad) {
		EXPECT(r, "access with a bad how", -EINVAL, vmfs_access(r->md.m, p->pid, addr, out, len, how,
									NULL));
		return;
	}
	if (!(how & VMFS_ACCESS_KERNEL) || type == VMFS_ACCESS_WRITE) {
		do_access(r, p, addr, len, how & ~VMFS_ACCESS_KERNEL, 0);
		return;
	}
	vmfs_proc_stat(r->md.m, p->pid, &before);
	got = vmfs_access(r->md.m, p->pid, addr, out, len, how, NULL);
	vmfs_proc_stat(r->md.m, p->pid, &after);
	FUZZ_CHECK(got == -EFAULT || got == -ENOMEM || (got > 0 && (size_t)got <= len),
		   "%s: returned %zd", r->md.op, got);
	EXPECT(r, "segv counter of a kernel-mode access", before.segv, after.segv);
}

/*
 * MAP_HUGETLB on a machine with no hugetlb pool (16 frames hold no 2 MiB
 * page): EINVAL for a size the machine has not (2^16) or cannot map with
 * its levels, else ENOMEM from the reservation; nothing changes (since 0.8).
 */
static void op_hugetlb(struct run *r, struct mproc *p)
{
	static const unsigned logs[4] = { 0, 21, 30, 16 };
	uint8_t k = fuzz_u8(&r->in);
	unsigned lg = logs[k & 3];
	int flags = (k & 4 ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_HUGETLB |
		    (int)(lg << VMFS_MAP_HUGE_SHIFT) | (k & 8 ? MAP_FIXED : 0);
	uint64_t len = ((uint64_t)fuzz_u8(&r->in) + 1) * PAGE, addr = k & 8 ? 1ull << 30 : 0, out = 0;
	int64_t want = lg == 16 || r->levels < 3 || (lg == 30 && r->levels < 4) ? -EINVAL : -ENOMEM;
	int before = vmfs_maps(r->md.m, p->pid, NULL, 0);

	model_set_op(&r->md, "hugetlb mmap(%d, %#" PRIx64 ", %#" PRIx64 ", flags %#x)", p->pid, addr,
		     len, flags);
	EXPECT(r, "hugetlb mmap", want, vmfs_mmap(r->md.m, p->pid, addr, len, PROT_READ | PROT_WRITE,
						  flags, NULL, 0, &out));
	EXPECT(r, "mappings after a refused hugetlb mmap", before, vmfs_maps(r->md.m, p->pid, NULL, 0));
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
		model_set_op(&r->md, "raw mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %#x, %#x)", p->pid, addr, len, prot,
		       flags);
		want = raw_mmap_expect(r, p, addr, len, prot, flags, &at);
		rc = vmfs_mmap(r->md.m, p->pid, addr, len, prot, flags, NULL, 0, &out);
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
		int n = vmfs_maps(r->md.m, p->pid, &mp, 1);

		FUZZ_CHECK(n >= 1, "%s: no map after a big mmap", r->md.op);
		EXPECT(r, "munmap of the big mapping", 0, vmfs_munmap(r->md.m, p->pid, out, len));
		remove_range(p, at, npages);
		return;
	}
	case 1: {
		uint64_t plen = len > UINT64_MAX - (PAGE - 1) ? 0 : (len + PAGE - 1) & ~(uint64_t)(PAGE - 1);

		model_set_op(&r->md, "raw munmap(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, addr, len);
		want = addr % PAGE || !plen || plen > r->md.user_top || addr > r->md.user_top - plen ? -EINVAL : 0;
		EXPECT(r, "munmap", want, vmfs_munmap(r->md.m, p->pid, addr, len));
		if (!want)
			remove_range(p, addr / PAGE, plen / PAGE);
		return;
	}
	case 2: {
		uint64_t plen = len > UINT64_MAX - (PAGE - 1) ? 0 : (len + PAGE - 1) & ~(uint64_t)(PAGE - 1);
		uint64_t reach = 0;

		/* do_mprotect_pkey's order: alignment, length 0 (success), overflow, prot */
		model_set_op(&r->md, "raw mprotect(%d, %#" PRIx64 ", %#" PRIx64 ", %#x)", p->pid, addr, len, prot);
		if (addr % PAGE)
			want = -EINVAL;
		else if (!len)
			want = 0;
		else if (!plen)
			want = -ENOMEM;
		else if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
			want = -EINVAL;
		else if (plen > r->md.user_top || addr > r->md.user_top - plen)
			want = -ENOMEM;
		else
			want = mprotect_expect(&r->md, p, addr / PAGE, plen / PAGE, prot, &reach);
		EXPECT(r, "mprotect", want, vmfs_mprotect(r->md.m, p->pid, addr, len, prot));
		apply_mprotect(&r->md, p, addr / PAGE, reach, prot);
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

/*
 * exec (issue 14) of a host file chosen from a few whose answer is known:
 * one that cannot be found, a directory, a file without execute
 * permission, arguments past exec's 2 MiB (E2BIG): each fails and leaves
 * the process as it was, which the model goes on checking.  A real program
 * (/usr/bin/true) replaces the address space with one the model does not
 * know (test_exec and unit-exec check what exec makes), and so does an
 * ENOMEM, which may come after the old image went: the process then exits.
 */
static void op_exec(struct run *r, int i)
{
	static char big[(2u << 20) + 64];
	static const char *const paths[] = { "/nonexistent/prog", "/usr/bin", "/etc/passwd",
					     "/usr/bin/true" };
	static const int want[] = { -ENOENT, -EACCES, -EACCES, 0 };
	unsigned k = fuzz_below(&r->in, 5);
	const char *path = paths[k < 4 ? k : 3];
	const char *argv[3] = { path, NULL, NULL };
	const char *const envp[] = { "A=1", NULL };
	int pid = r->md.procs[i].pid, rc;

	if (k == 4) {                     /* E2BIG: one argument too long */
		if (!big[0])
			memset(big, 'x', sizeof(big) - 1);
		argv[1] = big;
	}
	model_set_op(&r->md, "exec(%d, %s%s)", pid, path, k == 4 ? ", 2 MiB of argument" : "");
	rc = vmfs_exec(r->md.m, pid, path, argv, envp, NULL);
	if (k == 4) {
		EXPECT(r, "exec with 2 MiB of argument", -E2BIG, rc);
		return;
	}
	if (k < 3 || (rc != 0 && rc != -ENOMEM)) {
		EXPECT(r, "exec", want[k], rc);
		return;
	}
	EXPECT(r, "exit after exec", 0, vmfs_exit(r->md.m, pid));
	model_exit(&r->md, i);
	/*
	 * The host files exec read (the program, its interpreter) stay in the
	 * page cache as objects, as on Linux, until removed; the model knows
	 * none of them, so they go now, and with them their pages (which the
	 * final checks find back).
	 */
	struct vmfs_object_info info[MAX_OBJS + 4];
	int n = vmfs_object_list(r->md.m, info, MAX_OBJS + 4);

	for (int o = 0; o < n && o < MAX_OBJS + 4; o++)
		if (!strncmp(info[o].name, "%2F", 3)) {
			model_set_op(&r->md, "remove host object %s", info[o].name);
			EXPECT(r, "remove a host object", 0, vmfs_object_remove(r->md.m, info[o].name));
		}
}

/* Calls on a PID that does not exist: -ESRCH, nothing changes. */
static void op_dead_pid(struct run *r)
{
	int pid = r->md.dead_pid && fuzz_u8(&r->in) < 180 ? r->md.dead_pid : r->md.next_pid + 7;
	struct vmfs_proc_stat ps;
	uint64_t pm;

	model_set_op(&r->md, "calls on dead pid %d", pid);
	check_dead_pid(&r->md, pid);
	EXPECT(r, "proc_stat", -ESRCH, vmfs_proc_stat(r->md.m, pid, &ps));
	EXPECT(r, "pagemap", -ESRCH, vmfs_pagemap(r->md.m, pid, LOW_VPN, &pm, 1));
	EXPECT(r, "pagetable", -ESRCH, vmfs_pagetable(r->md.m, pid, NULL, 0));
}

/*
 * vmfs_fds, vmfs_fd_link, vmfs_fd_info and vmfs_input (since 0.7) with any fd, length
 * and count: the model's processes never run a program (exec'd ones exit at once), so
 * they have no fds and take no input (-EINVAL); a dead PID is -ESRCH, a NULL buffer
 * with a length -EINVAL; built without the CPU, -ENOSYS.
 */
static void op_fds(struct run *r, struct mproc *p)
{
	int fds[4], max = (int)fuzz_below(&r->in, 5), fd = (int)fuzz_below(&r->in, 72) - 4;
	int dead = r->md.next_pid + 7;
	size_t len = fuzz_below(&r->in, 41);
	struct vmfs_fd_info fi;
	char buf[40];
	bool nosys;

	model_set_op(&r->md, "fds(%d, max %d), fd_link(%d, %d, len %zu)", p->pid, max, p->pid, fd, len);
	nosys = vmfs_fds(r->md.m, p->pid, NULL, 0) == -ENOSYS;
	EXPECT(r, "fds", nosys ? -ENOSYS : 0, vmfs_fds(r->md.m, p->pid, fds, (size_t)max));
	EXPECT(r, "fds of a dead pid", nosys ? -ENOSYS : -ESRCH, vmfs_fds(r->md.m, dead, fds, 4));
	EXPECT(r, "fds into NULL", nosys ? -ENOSYS : -EINVAL, vmfs_fds(r->md.m, p->pid, NULL, 1));
	EXPECT(r, "fd_link", nosys ? -ENOSYS : -EBADF,
	       vmfs_fd_link(r->md.m, p->pid, fd, len ? buf : NULL, len));
	EXPECT(r, "fd_link of a dead pid", nosys ? -ENOSYS : -ESRCH,
	       vmfs_fd_link(r->md.m, dead, fd, buf, len));
	EXPECT(r, "fd_link into NULL", nosys ? -ENOSYS : -EINVAL,
	       vmfs_fd_link(r->md.m, p->pid, fd, NULL, len + 1));
	EXPECT(r, "fd_info", nosys ? -ENOSYS : -EBADF, vmfs_fd_info(r->md.m, p->pid, fd, &fi));
	EXPECT(r, "fd_info of a dead pid", nosys ? -ENOSYS : -ESRCH, vmfs_fd_info(r->md.m, dead, fd, &fi));
	EXPECT(r, "fd_info into NULL", -EINVAL, vmfs_fd_info(r->md.m, p->pid, fd, NULL));
	/* vmfs_input (since 0.7): no program, no input; flags and length from fd and len */
	EXPECT(r, "input", nosys ? -ENOSYS : -EINVAL,
	       vmfs_input(r->md.m, p->pid, len ? buf : NULL, len, (unsigned)fd & 3));
	EXPECT(r, "input of a dead pid", nosys ? -ENOSYS : -ESRCH,
	       vmfs_input(r->md.m, dead, buf, len, VMFS_INPUT_EOF));
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

	model_set_op(&r->md, "pagemap(%d, %#" PRIx64 ", %zu), pagetable, kmsg", p->pid, vpn, n);
	memset(pm, 0x5a, sizeof(pm));
	got = vmfs_pagemap(r->md.m, p->pid, vpn, pm, n);
	FUZZ_CHECK(got >= 0 && (size_t)got <= n, "%s: pagemap returned %zd", r->md.op, got);
	for (ssize_t i = 0; i < got; i++)
		FUZZ_CHECK(vpn + (uint64_t)i >= r->md.top_vpn || page_at(p, vpn + (uint64_t)i) || !pm[i],
			   "%s: pagemap entry %#" PRIx64 " for unmapped page %#" PRIx64, r->md.op, pm[i],
			   vpn + (uint64_t)i);
	/* kpageflags, kpagecount, the idle bitmap anywhere: never more than asked for. */
	got = vmfs_kpageflags(r->md.m, raw_u64(r) >> (k & 63), pm, n);
	FUZZ_CHECK(got >= 0 && (size_t)got <= n, "%s: kpageflags returned %zd", r->md.op, got);
	got = vmfs_kpagecount(r->md.m, raw_u64(r) >> (k & 63), pm, n);
	FUZZ_CHECK(got >= 0 && (size_t)got <= n, "%s: kpagecount returned %zd", r->md.op, got);
	vpn = raw_u64(r) >> (k & 63);
	got = vmfs_page_idle_get(r->md.m, vpn, pm, n);
	FUZZ_CHECK(vpn % 64 ? got == -EINVAL : got >= 0 && (size_t)got <= n,
		   "%s: page_idle_get(%#" PRIx64 ") returned %zd", r->md.op, vpn, got);
	got = vmfs_pagetable(r->md.m, p->pid, pt, k >> 5);
	FUZZ_CHECK(got >= 0, "%s: pagetable returned %zd", r->md.op, got);
	for (ssize_t i = 0; i < got && i < k >> 5; i++)
		FUZZ_CHECK(pt[i].entry && pt[i].vaddr < r->md.user_top, "%s: pagetable entry %zd: %#" PRIx64
			   " at %#" PRIx64, r->md.op, i, pt[i].entry, pt[i].vaddr);
	memset(log, 'X', sizeof(log));
	full = vmfs_kmsg(r->md.m, log, 1 + k % sizeof(log));
	FUZZ_CHECK(strlen(log) == (full < k % sizeof(log) ? full : k % sizeof(log)),
		   "%s: kmsg of %zu bytes into %zu holds %zu", r->md.op, full, 1 + k % sizeof(log),
		   strlen(log));
	memset(log, 'X', sizeof(log));
	full = vmfs_swap_path(r->md.m, log, 1 + k % sizeof(log));
	FUZZ_CHECK(strlen(log) == (full < k % sizeof(log) ? full : k % sizeof(log)) &&
		   (full == 0) == r->swap_none, "%s: swap path of %zu bytes into %zu holds %zu",
		   r->md.op, full, 1 + k % sizeof(log), strlen(log));
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

	model_set_op(&r->md, "reclaim(%" PRIu64 ")", n);
	got = vmfs_reclaim(r->md.m, n);
	FUZZ_CHECK(got >= 0 && (uint64_t)got <= n && got <= FRAMES, "%s: returned %" PRId64, r->md.op, got);
}

static void op_policy(struct run *r)
{
	/* The built-in ones (BUILTIN of them first), then names that are not. */
	enum { BUILTIN = 14 };
	static const char *const names[] = { "fifo", "lru", "clock", "arc", "2q", "car", "clockpro",
		"linux", "lirs", "mglru", "random", "s3fifo", "sieve", "wsclock",
		"opt", "", "LRU", "clock " };
	unsigned pick = fuzz_u8(&r->in) % (sizeof(names) / sizeof(names[0]));
	const char *name = names[pick];
	bool known = pick < BUILTIN;
	struct vmfs_stat st;
	char before[16];

	model_set_op(&r->md, "set_policy(\"%s\")", name);
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->md.m, &st));
	memcpy(before, st.policy, sizeof(before));
	EXPECT(r, "set_policy", known ? 0 : -EINVAL, vmfs_set_policy(r->md.m, name, NULL, NULL));
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->md.m, &st));
	FUZZ_CHECK(!strcmp(st.policy, known ? name : before), "%s: stat says policy \"%s\"", r->md.op,
		   st.policy);
}

/* ---- objects ------------------------------------------------------------------------ */

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
	int rc;

	model_set_op(&r->md, "object_create(\"%s\", %s, %" PRIu64 ")", slot_name(slot), zeros ? "NULL" : "data",
	       size);
	if (!zeros)
		random_bytes(r, data, size);
	rc = vmfs_object_create(r->md.m, slot_name(slot), zeros ? NULL : data, size);
	EXPECT(r, "object_create", r->md.objs[slot] ? -EEXIST : 0, rc);
	if (!rc)
		r->md.objs[slot] = obj_new(slot_name(slot), zeros ? NULL : data, size);
}

static void op_obj_write(struct run *r, int slot)
{
	static unsigned char data[2 * PAGE];
	struct mobj *o = r->md.objs[slot];
	uint64_t size = o ? o->size : 0;
	uint64_t off = fuzz_below(&r->in, (uint32_t)obj_write_room(size));
	size_t len = 1 + fuzz_below(&r->in, 2 * PAGE);

	if (off + len > OBJ_PAGES * PAGE)
		len = OBJ_PAGES * PAGE - off;
	model_set_op(&r->md, "object_write(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", slot_name(slot), off,
	       len, size);
	random_bytes(r, data, len);
	EXPECT(r, "object_write", o ? (int64_t)len : -ENOENT,
	       vmfs_object_write(r->md.m, slot_name(slot), off, data, len));
	if (o)
		obj_write(&r->md, o, off, data, len);
}

static void op_obj_read(struct run *r, int slot)
{
	static unsigned char got[3 * PAGE];
	const struct mobj *o = r->md.objs[slot];
	uint64_t size = o ? o->size : 0;
	uint64_t off = fuzz_u8(&r->in) == 0xff ? UINT64_MAX - fuzz_u8(&r->in)
					       : fuzz_below(&r->in, (uint32_t)(size + PAGE));
	size_t len = fuzz_below(&r->in, 3 * PAGE + 1);
	int64_t want = obj_read_expect(o, off, len);

	model_set_op(&r->md, "object_read(\"%s\", %#" PRIx64 ", %zu) (size %" PRIu64 ")", slot_name(slot), off,
	       len, size);
	memset(got, 0xa5, sizeof(got));
	EXPECT(r, "object_read", want, vmfs_object_read(r->md.m, slot_name(slot), off, got, len));
	for (int64_t k = 0; k < want; k++) {
		unsigned char m = obj_byte(o, off + (uint64_t)k);

		FUZZ_CHECK(got[k] == m, "%s: byte %#" PRIx64 " is %#x, model %#x", r->md.op,
			   off + (uint64_t)k, got[k], m);
	}
}

static void op_obj_resize(struct run *r, int slot)
{
	struct mobj *o = r->md.objs[slot];
	uint64_t size = pick_obj_size(r);

	model_set_op(&r->md, "object_resize(\"%s\", %" PRIu64 ")", slot_name(slot), size);
	EXPECT(r, "object_resize", o ? 0 : -ENOENT, vmfs_object_resize(r->md.m, slot_name(slot), size));
	if (o)
		obj_set_size(&r->md, o, size);
}

static void op_obj_remove(struct run *r, int slot)
{
	model_set_op(&r->md, "object_remove(\"%s\")", slot_name(slot));
	EXPECT(r, "object_remove", r->md.objs[slot] ? 0 : -ENOENT, vmfs_object_remove(r->md.m, slot_name(slot)));
	if (!r->md.objs[slot])
		return;
	r->md.objs[slot]->named = false;
	obj_put(r->md.objs[slot]);
	r->md.objs[slot] = NULL;
}

static void op_obj_chmod(struct run *r, int slot)
{
	static const unsigned modes[] = { 0644, 0444, 0600, 0400 };
	unsigned mode = modes[fuzz_u8(&r->in) % 4];

	model_set_op(&r->md, "object_chmod(\"%s\", %#o)", slot_name(slot), mode);
	EXPECT(r, "object_chmod", r->md.objs[slot] ? 0 : -ENOENT,
	       vmfs_object_chmod(r->md.m, slot_name(slot), mode));
	if (r->md.objs[slot])
		r->md.objs[slot]->mode = mode;
}

/* stat of every slot, the list in name order, nr_objects. */
static void op_obj_stat(struct run *r)
{
	model_set_op(&r->md, "object_stat and object_list");
	check_objects(&r->md);
}

static void op_obj_mmap(struct run *r, struct mproc *p, int slot)
{
	struct mobj *o = r->md.objs[slot];
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
	model_set_op(&r->md, "mmap(%d, %#" PRIx64 ", %#" PRIx64 ", %s, %s, \"%s\", page %" PRIu64 ", mode %d)",
	       p->pid, addr, npages * PAGE, prot_str(prot), shared ? "shared" : "private",
	       slot_name(slot), pgoff, mode);
	want = !o ? -ENOENT : shared && (prot & PROT_WRITE) && !(o->mode & 0222) ? -EACCES
		  : placement(&r->md, p, addr, npages, mode, &at);
	rc = vmfs_mmap(r->md.m, p->pid, addr, npages * PAGE, prot, flags, slot_name(slot), pgoff * PAGE,
		       &out);
	EXPECT(r, "mmap of an object", want, rc);
	if (rc)
		return;
	EXPECT(r, "mmap address", at * PAGE, out);
	map_obj_range(p, at, npages, prot, shared, o, pgoff);
}

/* ---- objects by number ------------------------------------------------------------ */

/* A number: mostly one that is open, else one that is not (bad_number). */
static int64_t pick_number(struct run *r)
{
	uint8_t k = fuzz_u8(&r->in);

	if (k < 160 && r->md.nopen)
		return r->md.open[k % r->md.nopen]->num;
	return bad_number(&r->md, k, k % 8 == 7 ? fuzz_u64(&r->in) : 0);
}

/*
 * The calls on an object number (libvmfs 0.4): open of a slot, close (or,
 * for one value, a mark to leave every number open at vmfs_close), pread,
 * pwrite, ftruncate, fchmod (0 to 07777, and 010000), fstat, and the calls
 * that must fail and change nothing (check_obj_limits).  The model keeps
 * each open object's bytes, size and mode past its name (model.h).
 */
static void op_number(struct run *r, int slot)
{
	static const unsigned modes[] = { 0644, 0444, 0600, 0400, 0, 07777, 010000, 0222 };
	static unsigned char data[2 * PAGE];
	uint8_t k = fuzz_u8(&r->in);
	int64_t num = k % 8 > 1 ? pick_number(r) : 0;
	const struct mobj *o = open_obj(&r->md, num);
	uint64_t size = o ? o->size : 0, off;
	size_t len;

	switch (k % 8) {
	case 0: case 1:
		check_obj_open(&r->md, slot);
		return;
	case 2:
		if (k == 0xfa) {
			r->keep_open = true;    /* numbers left open at vmfs_close */
			return;
		}
		check_obj_close(&r->md, num);
		return;
	case 3:
		off = fuzz_u8(&r->in) == 0xff ? UINT64_MAX - fuzz_u8(&r->in)
					      : fuzz_below(&r->in, (uint32_t)(size + PAGE));
		len = fuzz_below(&r->in, 3 * PAGE + 1);
		check_obj_pread(&r->md, num, off, len);
		return;
	case 4:
		off = fuzz_below(&r->in, (uint32_t)obj_write_room(size));
		len = 1 + fuzz_below(&r->in, 2 * PAGE);
		random_bytes(r, data, len);
		check_obj_pwrite(&r->md, num, off, data, len);
		return;
	case 5:
		check_obj_ftruncate(&r->md, num, pick_obj_size(r));
		return;
	case 6:
		check_obj_fchmod(&r->md, num, modes[k >> 5]);
		return;
	default:
		if (k & 0x80)
			check_obj_limits(&r->md, num);
		else
			check_obj_fstat(&r->md, num);
		return;
	}
}

/* At the end: every name removed, every process gone, and every frame,
 * swap slot and page-table page back, once every number is closed (with
 * keep_open, but for the pages of the objects still open, which are then
 * left open at vmfs_close). */
static void finish(struct run *r)
{
	struct vmfs_stat st;

	model_set_op(&r->md, "final checks");
	check_pids(&r->md);
	for (int i = 0; i < r->md.nprocs; i++)
		check_maps(&r->md, &r->md.procs[i], true);
	check_all_bytes(&r->md, r->may_oom);
	for (int slot = 0; slot < MAX_OBJS; slot++)
		if (r->md.objs[slot])
			op_obj_remove(r, slot);
	while (r->md.nprocs) {
		model_set_op(&r->md, "exit(%d)", r->md.procs[0].pid);
		EXPECT(r, "exit", 0, vmfs_exit(r->md.m, r->md.procs[0].pid));
		model_exit(&r->md, 0);
	}
	while (r->md.nopen && !r->keep_open)
		check_obj_close(&r->md, r->md.open[0]->num);
	model_set_op(&r->md, "after every process exited and every object was removed%s",
		     r->md.nopen ? " (some still open)" : "");
	check_empty(&r->md, FRAMES, true, &st);
	FUZZ_CHECK(st.pgmajfault + r->md.pswpin_unfaulted >= st.pswpin &&
		   st.pgsteal_direct + r->md.pswpout_advised >= st.pswpout,
		   "%s: pgmajfault %" PRIu64 " < pswpin %" PRIu64 " or pgsteal_direct %" PRIu64
		   " < pswpout %" PRIu64, r->md.op, st.pgmajfault, st.pswpin, st.pgsteal_direct, st.pswpout);
}

/* ---- madvise, mlock, mincore, msync (issue 14) ---------------------------------------- */

/* The counters a call moves besides what an access reports (test_model.c's credit_call). */
static void credit_advice(struct run *r, const struct vmfs_stat *before)
{
	struct vmfs_stat now;

	if (vmfs_stat(r->md.m, &now) != 0)
		return;
	r->md.pswpin_unfaulted += (now.pswpin - before->pswpin) - (now.pgmajfault - before->pgmajfault);
	r->md.pswpout_advised += now.pswpout - before->pswpout;
}

/*
 * One of madvise (any advice number, MADV_FREE excepted: on 16 frames
 * reclaim may drop a lazy page in the middle of any later call, where the
 * model cannot follow it; test_model.c runs it without pressure), mlock
 * of at most 4 pages then munlock of the same range (a lock left behind
 * would starve 16 frames; not where memory may run out), mincore (1 where
 * pagemap says present) and msync (which changes nothing the model sees).
 */
static void op_advise(struct run *r, struct mproc *p)
{
	uint8_t k = fuzz_u8(&r->in);
	uint64_t vpn = k & 1 && p->n ? mapped_vpn(r, p) : pick_vpn(r, p);
	uint64_t npages = pick_npages(r);
	struct vmfs_stat before;
	int64_t want;

	FUZZ_CHECK(vmfs_stat(r->md.m, &before) == 0, "vmfs_stat failed");
	switch ((k >> 1) % 4) {
	case 0: {
		int advice = (int)fuzz_u8(&r->in) % 24;

		if (advice == VMFS_MADV_FREE)
			advice = VMFS_MADV_PAGEOUT;
		model_set_op(&r->md, "madvise(%d, %#" PRIx64 ", %#" PRIx64 ", %d)", p->pid, vpn * PAGE,
			     npages * PAGE, advice);
		want = model_madvise(&r->md, p, vpn, npages, advice);
		EXPECT(r, "madvise", want, vmfs_madvise(r->md.m, p->pid, vpn * PAGE, npages * PAGE, advice));
		break;
	}
	case 1: {
		unsigned flags = k & 0x80 ? VMFS_MLOCK_ONFAULT : 0;

		if (r->may_oom)
			break;
		npages = 1 + npages % 4;
		model_set_op(&r->md, "mlock(%d, %#" PRIx64 ", %#" PRIx64 ", %u)", p->pid, vpn * PAGE,
			     npages * PAGE, flags);
		want = model_mlock(&r->md, p, vpn, npages, flags);
		EXPECT(r, "mlock", want, vmfs_mlock(r->md.m, p->pid, vpn * PAGE, npages * PAGE, flags));
		check_maps(&r->md, p, true);
		model_set_op(&r->md, "munlock(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE,
			     npages * PAGE);
		want = model_munlock(&r->md, p, vpn, npages);
		EXPECT(r, "munlock", want, vmfs_munlock(r->md.m, p->pid, vpn * PAGE, npages * PAGE));
		break;
	}
	case 2: {
		unsigned char vec[24];
		uint64_t pm[24], mapped = 0;
		size_t at = lower_bound(p, vpn);
		int rc;

		model_set_op(&r->md, "mincore(%d, %#" PRIx64 ", %#" PRIx64 ")", p->pid, vpn * PAGE,
			     npages * PAGE);
		rc = vmfs_mincore(r->md.m, p->pid, vpn * PAGE, npages * PAGE, vec);
		if (vpn + npages > r->md.top_vpn) {
			EXPECT(r, "mincore past user space", -ENOMEM, rc);
			break;
		}
		while (at + mapped < p->n && mapped < npages && p->pg[at + mapped].vpn == vpn + mapped)
			mapped++;
		EXPECT(r, "mincore", mapped == npages ? 0 : -ENOMEM, rc);
		FUZZ_CHECK(vmfs_pagemap(r->md.m, p->pid, vpn, pm, mapped) == (ssize_t)mapped,
			   "%s: pagemap failed", r->md.op);
		for (uint64_t i = 0; i < mapped; i++)
			FUZZ_CHECK(!(pm[i] & VMFS_PM_PRESENT) || vec[i] == 1,
				   "%s: page %" PRIu64 " present but not in core", r->md.op, i);
		break;
	}
	case 3: {
		int flags = (int)(fuzz_u8(&r->in) % 8), rc;

		model_set_op(&r->md, "msync(%d, %#" PRIx64 ", %#" PRIx64 ", %d)", p->pid, vpn * PAGE,
			     npages * PAGE, flags);
		rc = vmfs_msync(r->md.m, p->pid, vpn * PAGE, npages * PAGE, flags);
		if ((flags & MS_ASYNC) && (flags & MS_SYNC))
			EXPECT(r, "msync with MS_ASYNC|MS_SYNC", -EINVAL, rc);
		else if (lower_bound(p, vpn) + npages == lower_bound(p, range_end(vpn, npages)) &&
			 vpn + npages <= r->md.top_vpn)
			EXPECT(r, "msync of a mapped range", 0, rc);   /* (no store failure here) */
		else
			FUZZ_CHECK(rc == -ENOMEM || rc == -EINVAL, "%s: %d", r->md.op, rc);
		break;
	}
	}
	credit_advice(r, &before);
}

/* ---- the driver --------------------------------------------------------------------- */

static void one_op(struct run *r)
{
	uint8_t k = fuzz_u8(&r->in);
	struct mproc *p;
	int slot;

	if (r->md.nprocs == 0 && k % 32 < 20) {
		op_spawn(r);
		return;
	}
	p = r->md.nprocs ? pick_proc(r) : NULL;
	slot = (int)fuzz_below(&r->in, MAX_OBJS);
	switch (k % 32) {
	case 0: op_spawn(r); break;
	case 1: if (p) op_fork(r); break;
	case 2: if (p && (r->md.nprocs > 1 || k & 0x20)) op_exit(r); break;
	case 3: case 4: case 5: if (p) op_mmap(r, p); break;
	case 6: if (p) op_obj_mmap(r, p, slot); break;
	case 7: case 8: if (p) op_munmap(r, p); break;
	case 9: if (p) op_mprotect(r, p); break;
	case 10:
		/* mremap (since 0.5) takes this selector's values with the
		 * top bit set: older inputs keep their meaning but there */
		if (p && (k & 0x80))
			op_mremap(r, p);
		else if (p)
			op_mprotect(r, p);
		break;
	case 11: case 12: case 13: case 14: case 15: if (p) op_access(r, p); break;
	case 16:
		/* MAP_HUGETLB (since 0.8) takes this selector's values with the
		 * top bit set: older inputs keep their meaning but there */
		if (p && (k & 0x80))
			op_hugetlb(r, p);
		else if (p)
			op_raw(r, p);
		break;
	case 17: op_reclaim(r); break;
	case 18:
		/* exec (issue 14) takes this selector's values with the top
		 * bit set: older inputs keep their meaning but there */
		if ((k & 0x80) && p) {
			op_exec(r, (int)(p - r->md.procs));
		} else if (!(k & 0x80)) {
			model_set_op(&r->md, "sync");
			EXPECT(r, "sync", 0, vmfs_sync(r->md.m));
		}
		break;
	case 19: op_policy(r); break;
	case 20: case 21: op_obj_create(r, slot); break;
	case 22: op_obj_write(r, slot); break;
	case 23: op_obj_read(r, slot); break;
	case 24: op_obj_resize(r, slot); break;
	case 25: op_obj_remove(r, slot); break;
	case 26: op_obj_chmod(r, slot); break;
	case 27:
		/* the object-number calls, added in 0.4, take the values of
		 * this selector that have the top bit set: older inputs keep
		 * their meaning but where they had one of those four values */
		if (k & 0x80)
			op_number(r, slot);
		else
			op_obj_stat(r);
		break;
	case 28:
		/* madvise, mlock, mincore, msync (issue 14) take the values
		 * of this selector with the top bit set, as the number calls
		 * took 27's: older inputs keep their meaning but there */
		if ((k & 0x80) && p)
			op_advise(r, p);
		else if (!(k & 0x80))
			op_dead_pid(r);
		break;
	case 29:
		/* vmfs_fds and vmfs_fd_link (since 0.7) take the values of this
		 * selector with the top bit set: older inputs keep their meaning
		 * but there */
		if (p && (k & 0x80))
			op_fds(r, p);
		else if (p)
			op_views(r, p);
		break;
	case 30:
		if (p) {
			model_set_op(&r->md, "check maps and translations of %d", p->pid);
			check_pids(&r->md);
			check_maps(&r->md, p, true);
			for (int i = 0; i < 4; i++)
				check_translate(r, p, fuzz_u8(&r->in) & 1 && p->n ? mapped_vpn(r, p)
						      : pick_vpn(r, p) % r->md.top_vpn);
		}
		break;
	default:
		if (p && (k & 0x20)) {
			for (size_t i = 0; i < p->n; i++) {
				model_set_op(&r->md, "translate every page of %d", p->pid);
				check_translate(r, p, p->pg[i].vpn);
			}
		} else if (p) {
			op_sweep(r, p, k >> 6);
		}
		break;
	}
}

FUZZ_DEFAULT_INITIALIZE()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The other built-in policies come in through set_policy (op_policy). */
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
	r->md.next_pid = 1;
	r->md.trace = getenv("FUZZ_API_TRACE") ? trace_op : NULL;
	r->rng = cfg;
	model_set_op(&r->md, "vmfs_open(\"%s\")", opts);
	EXPECT(r, "vmfs_open", 0, vmfs_open(&r->md.m, opts));
	EXPECT(r, "vmfs_stat", 0, vmfs_stat(r->md.m, &st));
	r->md.user_top = st.user_top;
	r->md.top_vpn = st.user_top / PAGE;
	r->md.kernel_pt_pages = st.pagetable_pages;
	r->md.zero_page = st.zero_page;
	r->md.zero_pfn = st.zero_pfn;
	r->kernel_base = st.kernel_base;
	r->kernel_end = st.kernel_base + st.kernel_pages * PAGE;
	r->va_bits = st.va_bits;

	for (int n = 0; fuzz_more(&r->in) && n < MAX_OPS; n++)
		one_op(r);
	finish(r);

	model_free(&r->md);
	vmfs_close(r->md.m);
	free(r);
	return 0;
}

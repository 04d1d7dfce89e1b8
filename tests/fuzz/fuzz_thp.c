/*
 * fuzz_thp.c - fuzz transparent huge pages through libvmfs: the input is a
 * stream of operations on huge and small pages of a few processes, checked
 * against a shadow copy of every byte (the random runs of tests/test_thp.c,
 * with libFuzzer choosing the operations).
 *
 * The input: byte 0 configures the machine (levels 3..6, a TLB of 0, 8 or
 * 64 entries, the policy, thp=always or thp=madvise; always 3072 frames,
 * room for five huge pages, so faults fall back and reclaim splits).  Each
 * process maps an advised region of four huge pages at BASE and an
 * unadvised one of 64 pages at SMALL.  Then each operation is one byte
 * choosing it and a few bytes for its arguments (past the end everything
 * is 0): writes and reads of a page, fork, exit, munmap of one page or of
 * a whole huge page's range and its remapping, mprotect of a page there
 * and back, DONTNEED, PAGEOUT of a huge page's range, COLD, reclaim, a
 * batch of vmfs_accessv reads over the advised region.
 *
 * What is checked: every call succeeds as it must; every byte read is the
 * shadow's; at each check and at the end, every byte of every process, its
 * RSS against its present pagemap entries, and vmstat's count of huge pages
 * against the distinct huge leaves the walks find; after the last exit
 * every frame is free and no huge page is left.
 */
#include "fuzz.h"

#include <sys/mman.h>
#include <vmfs.h>

#define PAGE       4096ull
#define HPAGE      (2ull << 20)
#define HNR        512u
#define BASE       0x40000000ull       /* 2 MiB-aligned */
#define SMALL      0x50000000ull
#define NPROCS     4
#define NHUGE      (4u * HNR)          /* pages of the advised region */
#define NSMALL     64u
#define NPAGES     (NHUGE + NSMALL)
#define MAX_OPS    400

struct fproc {
	int            pid;
	unsigned char *shadow;   /* NPAGES pages */
};

struct frun {
	vmfs          *m;
	struct fuzz_in in;
	struct fproc   pr[NPROCS];
	int            n;
};

static uint64_t addr_of(unsigned i)
{
	return i < NHUGE ? BASE + (uint64_t)i * PAGE : SMALL + (uint64_t)(i - NHUGE) * PAGE;
}

static void map(struct frun *r, int pid, unsigned first, unsigned n)
{
	uint64_t got;
	int rc = vmfs_mmap(r->m, pid, addr_of(first), (uint64_t)n * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &got);

	FUZZ_CHECK(rc == 0 && got == addr_of(first), "mmap of page %u: %d", first, rc);
	if (first < NHUGE) {
		rc = vmfs_madvise(r->m, pid, addr_of(first), (uint64_t)n * PAGE, VMFS_MADV_HUGEPAGE);
		FUZZ_CHECK(rc == 0, "madvise hugepage: %d", rc);
	}
}

static struct vmfs_mlock_stat tstat(vmfs *m)
{
	struct vmfs_mlock_stat st;

	FUZZ_CHECK(vmfs_mlock_stat(m, &st) == 0, "vmfs_mlock_stat");
	return st;
}

/* Every byte of every process is its shadow's; RSS and the huge-page count agree. */
static void check_all(struct frun *r)
{
	static unsigned char buf[NHUGE * PAGE];
	static uint64_t pm[NHUGE];
	struct vmfs_stat st;
	uint64_t heads[NPROCS * 4];
	unsigned nheads = 0;

	FUZZ_CHECK(vmfs_stat(r->m, &st) == 0, "vmfs_stat");
	for (int k = 0; k < r->n; k++) {   /* reads first: they fault, and may reclaim */
		const struct fproc *q = &r->pr[k];

		FUZZ_CHECK(vmfs_read(r->m, q->pid, BASE, buf, NHUGE * PAGE) == (ssize_t)(NHUGE * PAGE),
			   "read of the advised region");
		FUZZ_CHECK(memcmp(buf, q->shadow, NHUGE * PAGE) == 0, "the advised region's bytes");
		FUZZ_CHECK(vmfs_read(r->m, q->pid, SMALL, buf, NSMALL * PAGE) == (ssize_t)(NSMALL * PAGE),
			   "read of the small region");
		FUZZ_CHECK(memcmp(buf, q->shadow + (size_t)NHUGE * PAGE, NSMALL * PAGE) == 0,
			   "the small region's bytes");
	}
	for (int k = 0; k < r->n; k++) {
		const struct fproc *q = &r->pr[k];
		struct vmfs_proc_stat ps;
		uint64_t present = 0;

		FUZZ_CHECK(vmfs_pagemap(r->m, q->pid, BASE / PAGE, pm, NHUGE) == NHUGE, "pagemap");
		for (unsigned i = 0; i < NHUGE; i++)
			present += (pm[i] & VMFS_PM_PRESENT) && (pm[i] & VMFS_PM_PFN_MASK) != st.zero_pfn;
		FUZZ_CHECK(vmfs_pagemap(r->m, q->pid, SMALL / PAGE, pm, NSMALL) == NSMALL, "pagemap");
		for (unsigned i = 0; i < NSMALL; i++)
			present += (pm[i] & VMFS_PM_PRESENT) && (pm[i] & VMFS_PM_PFN_MASK) != st.zero_pfn;
		FUZZ_CHECK(vmfs_proc_stat(r->m, q->pid, &ps) == 0, "proc_stat");
		FUZZ_CHECK(ps.rss_anon == present, "rss_anon %llu, pagemap present %llu",
			   (unsigned long long)ps.rss_anon, (unsigned long long)present);
		for (unsigned h = 0; h < NHUGE / HNR; h++) {
			struct vmfs_walk w;
			bool seen = false;

			FUZZ_CHECK(vmfs_translate(r->m, q->pid, BASE + h * HPAGE, &w) == 0, "translate");
			if (w.state != VMFS_WALK_PRESENT || w.page_shift != 21)
				continue;
			FUZZ_CHECK(w.paddr % HPAGE == 0, "a huge page at 0x%llx", (unsigned long long)w.paddr);
			for (unsigned j = 0; j < nheads; j++)
				seen |= heads[j] == w.paddr;
			if (!seen)
				heads[nheads++] = w.paddr;
		}
	}
	FUZZ_CHECK(tstat(r->m).nr_anon_transparent_hugepages == nheads,
		   "nr_anon_transparent_hugepages %llu, huge leaves %u",
		   (unsigned long long)tstat(r->m).nr_anon_transparent_hugepages, nheads);
}

static void one_op(struct frun *r)
{
	uint8_t what = fuzz_u8(&r->in);
	struct fproc *q = &r->pr[fuzz_below(&r->in, (uint32_t)r->n)];
	unsigned i = fuzz_below(&r->in, NPAGES);
	unsigned h = (unsigned)fuzz_below(&r->in, NHUGE / HNR) * HNR;
	int rc;

	switch (what % 13) {
	case 0: case 1: case 2: {   /* a write of a few bytes */
		unsigned char b[16];
		unsigned off = fuzz_below(&r->in, PAGE - sizeof(b));

		for (size_t j = 0; j < sizeof(b); j++)
			b[j] = fuzz_u8(&r->in);
		FUZZ_CHECK(vmfs_write(r->m, q->pid, addr_of(i) + off, b, sizeof(b)) == sizeof(b), "write");
		memcpy(q->shadow + (size_t)i * PAGE + off, b, sizeof(b));
		break;
	}
	case 3: {                   /* a read */
		unsigned char c;

		FUZZ_CHECK(vmfs_read(r->m, q->pid, addr_of(i), &c, 1) == 1, "read");
		FUZZ_CHECK(c == q->shadow[(size_t)i * PAGE], "the byte read at page %u", i);
		break;
	}
	case 4:                     /* fork */
		if (r->n < NPROCS) {
			struct fproc *c = &r->pr[r->n];

			c->pid = vmfs_fork(r->m, q->pid);
			FUZZ_CHECK(c->pid > 0, "fork: %d", c->pid);
			c->shadow = malloc((size_t)NPAGES * PAGE);
			FUZZ_CHECK(c->shadow != NULL, "out of memory");
			memcpy(c->shadow, q->shadow, (size_t)NPAGES * PAGE);
			r->n++;
		}
		break;
	case 5:                     /* exit */
		if (r->n > 1) {
			FUZZ_CHECK(vmfs_exit(r->m, q->pid) == 0, "exit");
			free(q->shadow);
			*q = r->pr[--r->n];
		}
		break;
	case 6:                     /* munmap a page and map it again: zeros */
		FUZZ_CHECK(vmfs_munmap(r->m, q->pid, addr_of(i), PAGE) == 0, "munmap");
		map(r, q->pid, i, 1);
		memset(q->shadow + (size_t)i * PAGE, 0, PAGE);
		break;
	case 7:                     /* mprotect a page there and back */
		FUZZ_CHECK(vmfs_mprotect(r->m, q->pid, addr_of(i), PAGE, PROT_READ) == 0, "mprotect");
		FUZZ_CHECK(vmfs_mprotect(r->m, q->pid, addr_of(i), PAGE, PROT_READ | PROT_WRITE) == 0,
			   "mprotect back");
		break;
	case 8:                     /* DONTNEED of a page, or of a whole huge page's range */
		if (fuzz_u8(&r->in) & 1) {
			rc = vmfs_madvise(r->m, q->pid, addr_of(h), HPAGE, VMFS_MADV_DONTNEED);
			memset(q->shadow + (size_t)h * PAGE, 0, HPAGE);
		} else {
			rc = vmfs_madvise(r->m, q->pid, addr_of(i), PAGE, VMFS_MADV_DONTNEED);
			memset(q->shadow + (size_t)i * PAGE, 0, PAGE);
		}
		FUZZ_CHECK(rc == 0, "DONTNEED: %d", rc);
		break;
	case 9:                     /* PAGEOUT or COLD of a huge page's range */
		rc = vmfs_madvise(r->m, q->pid, addr_of(h), HPAGE,
				  fuzz_u8(&r->in) & 1 ? VMFS_MADV_PAGEOUT : VMFS_MADV_COLD);
		FUZZ_CHECK(rc == 0, "PAGEOUT/COLD: %d", rc);
		break;
	case 10:                    /* pressure */
		FUZZ_CHECK(vmfs_reclaim(r->m, fuzz_u16(&r->in) % 1100) >= 0, "reclaim");
		break;
	case 11:                    /* a whole huge page's range unmapped and mapped again */
		FUZZ_CHECK(vmfs_munmap(r->m, q->pid, addr_of(h), HPAGE) == 0, "munmap of 2 MiB");
		map(r, q->pid, h, HNR);
		memset(q->shadow + (size_t)h * PAGE, 0, HPAGE);
		break;
	default: {                  /* a batch of reads through vmfs_accessv */
		struct vmfs_iop iop[32];
		uint64_t w[32];
		size_t k = 1 + fuzz_below(&r->in, 32);

		for (size_t j = 0; j < k; j++) {
			unsigned p = fuzz_below(&r->in, NPAGES);
			unsigned off = fuzz_below(&r->in, (uint32_t)(PAGE / 8)) * 8;

			iop[j] = (struct vmfs_iop){ .addr = addr_of(p) + off, .buf = &w[j], .len = 8,
						    .how = VMFS_ACCESS_READ };
		}
		FUZZ_CHECK(vmfs_accessv(r->m, q->pid, iop, k) == (ssize_t)k, "accessv");
		for (size_t j = 0; j < k; j++) {
			uint64_t a = iop[j].addr, off = a < SMALL ? a - BASE : NHUGE * PAGE + (a - SMALL);

			FUZZ_CHECK(memcmp(&w[j], q->shadow + off, 8) == 0, "accessv's word at 0x%llx",
				   (unsigned long long)a);
		}
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const policies[] = { "clock", "lru", "linux", "mglru", "arc", "fifo",
						"sieve", "s3fifo" };
	struct frun r = { .in = { data, size } };
	uint8_t cfg = fuzz_u8(&r.in);
	char opts[160];
	uint64_t free0;
	int rc;

	snprintf(opts, sizeof(opts), "frames=3072,levels=%d,tlb=%d,policy=%s,thp=%s",
		 3 + cfg % 4, (int[]){ 0, 8, 64 }[(cfg >> 2) % 3], policies[(cfg >> 4) % 8],
		 cfg & 0x80 ? "always" : "madvise");
	rc = vmfs_open(&r.m, opts);
	FUZZ_CHECK(rc == 0, "vmfs_open(\"%s\"): %d", opts, rc);
	{
		struct vmfs_stat st;

		FUZZ_CHECK(vmfs_stat(r.m, &st) == 0, "vmfs_stat");
		free0 = st.frames_free;
	}
	r.pr[0].pid = vmfs_spawn(r.m, "fuzz");
	FUZZ_CHECK(r.pr[0].pid > 0, "spawn");
	r.pr[0].shadow = calloc(NPAGES, PAGE);
	FUZZ_CHECK(r.pr[0].shadow != NULL, "out of memory");
	r.n = 1;
	map(&r, r.pr[0].pid, 0, NHUGE);
	map(&r, r.pr[0].pid, NHUGE, NSMALL);
	for (int op = 0; op < MAX_OPS && fuzz_more(&r.in); op++) {
		one_op(&r);
		if (op % 40 == 39)
			check_all(&r);
	}
	check_all(&r);
	while (r.n > 0) {
		FUZZ_CHECK(vmfs_exit(r.m, r.pr[r.n - 1].pid) == 0, "exit");
		free(r.pr[--r.n].shadow);
	}
	{
		struct vmfs_stat st;

		FUZZ_CHECK(vmfs_stat(r.m, &st) == 0 && st.frames_free == free0,
			   "frames free after every exit");
	}
	FUZZ_CHECK(tstat(r.m).nr_anon_transparent_hugepages == 0, "huge pages left after every exit");
	vmfs_close(r.m);
	return 0;
}

FUZZ_DEFAULT_INITIALIZE()

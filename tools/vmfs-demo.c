/*
 * vmfs-demo - a guided tour of one simulated machine, for students.
 *
 * It drives libvmfs the way a kernel course would: open a machine, start a
 * process, map memory, touch it, fork, break copy-on-write, take segfaults,
 * walk the page tables by hand and read the counters.  Each step prints
 * what it did and what the machine answered, decodes page-table entries bit
 * by bit (P RW US A D COW NX pfn=...), and checks the answer against what
 * the model promises (SPEC.md section 1).  Every check is printed as
 * "[ok]" or "[FAILED]"; the demo exits 0 only when all of them held, and
 * then prints "demo: all checks passed".  A libvmfs call that fails when it
 * should not ends the demo with exit status 1.
 *
 * Read it top to bottom: main() calls one function per step, in order, and
 * the steps share one struct tour (the machine, the PIDs, the addresses).
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
#include "cmdline.h"

#define DEFAULT_OPTIONS "frames=256"
#define LA57_OPTIONS    "levels=5,frames=64"
/* A user address above 48 bits: only a 57-bit (5-level) machine has it. */
#define LA57_ADDR       UINT64_C(0x00abcdef12345000)

static const char parent_msg[] = "hello from the parent";
static const char child_msg[]  = "the child was here!!!";
static const char parent_msg2[] = "parent wrote it again";

/* What the steps share. */
struct tour {
	vmfs            *m;
	struct vmfs_stat st;       /* configuration, read once after open */
	int              parent, child;
	uint64_t         data;     /* the read-write region (2 pages) */
	uint64_t         ro;       /* a read-only page */
	uint64_t         frame;    /* pfn of the data page, before COW broke */
};

/* ---- checks and errors ---------------------------------------------------- */

static int nr_checks, nr_failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	nr_checks++;
	if (!ok)
		nr_failed++;
	printf("  %s ", ok ? "[ok]" : "[FAILED]");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A call that must succeed: on failure say which and why, and stop. */
static long must(long rc, const char *call)
{
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "demo: %s failed: %s (%s)\n", call, strerror((int)-rc),
			vmfs_errmsg());
		exit(1);
	}
	return rc;
}

static void section(const char *title)
{
	printf("\n== %s ==\n", title);
}

/* ---- page-table entries ------------------------------------------------- */

static uint64_t pte_pfn(uint64_t e)
{
	return (e & VMFS_PTE_PFN_MASK) >> VMFS_PAGE_SHIFT;
}

/* "P RW US A D COW NX pfn=0x12": the bits that are set, then the frame. */
static const char *pte_decode(uint64_t e, char *buf, size_t n)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ VMFS_PTE_P, "P" }, { VMFS_PTE_RW, "RW" }, { VMFS_PTE_US, "US" },
		{ VMFS_PTE_A, "A" }, { VMFS_PTE_D, "D" }, { VMFS_PTE_COW, "COW" },
		{ VMFS_PTE_PROTNONE, "PROTNONE" }, { VMFS_PTE_SWAP, "SWAP" },
		{ VMFS_PTE_NX, "NX" },
	};
	size_t used = 0;

	buf[0] = '\0';
	if (e == 0) {
		snprintf(buf, n, "(none)");
		return buf;
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((e & bits[i].bit) && used < n)
			used += (size_t)snprintf(buf + used, n - used, "%s ", bits[i].name);
	if (used < n)
		snprintf(buf + used, n - used, "pfn=0x%" PRIx64, pte_pfn(e));
	return buf;
}

/* The leaf entry for @addr (0 when the walk found none), and the walk. */
static uint64_t leaf(const struct tour *t, int pid, uint64_t addr, struct vmfs_walk *w)
{
	must(vmfs_translate(t->m, pid, addr, w), "vmfs_translate");
	return w->state == VMFS_WALK_NONE ? 0 : w->level[w->depth - 1].entry;
}

static void print_leaf(const char *who, uint64_t e)
{
	char buf[128];

	printf("    %-7s pte 0x%016" PRIx64 "  %s\n", who, e, pte_decode(e, buf, sizeof(buf)));
}

/* Read @len bytes at @addr and compare them with @want. */
static bool reads_back(const struct tour *t, int pid, uint64_t addr, const char *want,
		       size_t len)
{
	char buf[64] = { 0 };

	if (len > sizeof(buf))
		return false;
	return vmfs_read(t->m, pid, addr, buf, len) == (ssize_t)len &&
	       memcmp(buf, want, len) == 0;
}

/* ---- the steps ------------------------------------------------------------ */

static void step_open(struct tour *t, const char *options)
{
	section("1. A machine");
	must(vmfs_open(&t->m, options), "vmfs_open");
	must(vmfs_stat(t->m, &t->st), "vmfs_stat");
	printf("vmfs_open(\"%s\"): %" PRIu64 " data frames of %u bytes, %d page-table\n"
	       "levels (%d-bit virtual addresses), a TLB of %" PRIu64 " entries per process.\n"
	       "User space is [0, 0x%" PRIx64 "); the %" PRIu64 "-page kernel image starts at 0x%"
	       PRIx64 ".\n", options, t->st.frames, VMFS_PAGE_SIZE, t->st.levels,
	       t->st.va_bits, t->st.tlb_entries, t->st.user_top, t->st.kernel_pages,
	       t->st.kernel_base);
	check(t->st.frames_free == t->st.frames, "every data frame is free (%" PRIu64 ")",
	      t->st.frames_free);
	check(t->st.va_bits == (12 + 9 * t->st.levels > 64 ? 64 : 12 + 9 * t->st.levels),
	      "va_bits = min(64, 12 + 9 * levels)");
}

static void step_spawn_mmap(struct tour *t)
{
	struct vmfs_map maps[8];
	struct vmfs_walk w;
	bool found = false;
	int n;

	section("2. A process and a mapping");
	t->parent = (int)must(vmfs_spawn(t->m, "demo"), "vmfs_spawn");
	printf("vmfs_spawn(\"demo\") -> pid %d\n", t->parent);
	must(vmfs_mmap(t->m, t->parent, 0, 2 * VMFS_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &t->data), "vmfs_mmap");
	printf("vmfs_mmap(addr 0 = \"you choose\", 2 pages, rw, private anonymous)\n"
	       "  -> the machine placed it at 0x%" PRIx64 ", top-down below the top of user space\n",
	       t->data);
	check(t->data % VMFS_PAGE_SIZE == 0 && t->data + 2 * VMFS_PAGE_SIZE <= t->st.user_top,
	      "the address is page-aligned and in user space");
	n = (int)must(vmfs_maps(t->m, t->parent, maps, 8), "vmfs_maps");
	for (int i = 0; i < n && i < 8; i++)
		if (maps[i].start == t->data && maps[i].end == t->data + 2 * VMFS_PAGE_SIZE &&
		    maps[i].prot == (PROT_READ | PROT_WRITE))
			found = true;
	check(found, "vmfs_maps lists [0x%" PRIx64 ", 0x%" PRIx64 ") rw-p",
	      t->data, t->data + 2 * VMFS_PAGE_SIZE);

	must(vmfs_translate(t->m, t->parent, t->data, &w), "vmfs_translate");
	printf("Nothing is in memory yet: mapping only reserves addresses.  The walk\n"
	       "stops at a zero entry at level %d (%s).\n", w.depth - 1,
	       vmfs_level_name(w.levels, w.depth - 1));
	check(w.state == VMFS_WALK_NONE && w.mapped, "mapped, but no page yet");
}

static void step_touch(struct tour *t)
{
	struct vmfs_fault f;
	struct vmfs_walk w;
	uint64_t e;
	ssize_t n;

	section("3. First touch: demand zero");
	memset(&f, 0, sizeof(f));
	n = vmfs_access(t->m, t->parent, t->data, (void *)parent_msg, sizeof(parent_msg),
			VMFS_ACCESS_WRITE, &f);
	must(n, "vmfs_access(write)");
	printf("write \"%s\" at 0x%" PRIx64 " -> %zd bytes, %u minor fault(s)\n",
	       parent_msg, t->data, n, f.minor);
	check(n == (ssize_t)sizeof(parent_msg), "the whole string was written");
	check(f.minor == 1 && f.cow == 0,
	      "one minor fault: the kernel handed out a zeroed frame");
	check(reads_back(t, t->parent, t->data, parent_msg, sizeof(parent_msg)),
	      "reading it back gives \"%s\"", parent_msg);

	e = leaf(t, t->parent, t->data, &w);
	t->frame = pte_pfn(e);
	printf("The leaf entry now maps the page:\n");
	print_leaf("parent", e);
	check((e & (VMFS_PTE_P | VMFS_PTE_RW | VMFS_PTE_US | VMFS_PTE_D)) ==
	      (VMFS_PTE_P | VMFS_PTE_RW | VMFS_PTE_US | VMFS_PTE_D) && !(e & VMFS_PTE_COW),
	      "present, writable, user, dirty; not COW");
}

static void step_fork(struct tour *t)
{
	struct vmfs_walk w;
	uint64_t pe, ce;

	section("4. fork: copy-on-write");
	t->child = (int)must(vmfs_fork(t->m, t->parent), "vmfs_fork");
	printf("vmfs_fork(%d) -> child pid %d.  No page is copied: both page tables now\n"
	       "point at the same frame, write-protected, with the software COW bit saying\n"
	       "\"copy before writing\".\n", t->parent, t->child);
	pe = leaf(t, t->parent, t->data, &w);
	ce = leaf(t, t->child, t->data, &w);
	print_leaf("parent", pe);
	print_leaf("child", ce);
	check(pe && ce && pte_pfn(pe) == pte_pfn(ce) && pte_pfn(pe) == t->frame,
	      "both entries name the same frame (pfn 0x%" PRIx64 ")", t->frame);
	check(!(pe & VMFS_PTE_RW) && !(ce & VMFS_PTE_RW), "RW is clear in both");
	check((pe & VMFS_PTE_COW) && (ce & VMFS_PTE_COW), "COW is set in both");
	check(reads_back(t, t->child, t->data, parent_msg, sizeof(parent_msg)),
	      "the child reads \"%s\"", parent_msg);
}

static void step_cow_break(struct tour *t)
{
	struct vmfs_fault f;
	struct vmfs_walk w;
	uint64_t pe, ce;
	ssize_t n;

	section("5. The child writes: COW breaks");
	memset(&f, 0, sizeof(f));
	n = must(vmfs_access(t->m, t->child, t->data, (void *)child_msg, sizeof(child_msg),
			     VMFS_ACCESS_WRITE, &f), "vmfs_access(write)");
	printf("child writes \"%s\" -> %zd bytes, %u COW fault(s).  The kernel copied\n"
	       "the shared frame into a new one for the child and made the child's entry\n"
	       "writable again:\n", child_msg, n, f.cow);
	check(f.cow == 1, "exactly one COW fault");
	pe = leaf(t, t->parent, t->data, &w);
	ce = leaf(t, t->child, t->data, &w);
	print_leaf("parent", pe);
	print_leaf("child", ce);
	check(pte_pfn(ce) != pte_pfn(pe), "the frames differ now (parent 0x%" PRIx64
	      ", child 0x%" PRIx64 ")", pte_pfn(pe), pte_pfn(ce));
	check((ce & VMFS_PTE_RW) && !(ce & VMFS_PTE_COW), "the child's entry is RW, not COW");
	check(reads_back(t, t->child, t->data, child_msg, sizeof(child_msg)),
	      "the child reads \"%s\"", child_msg);
	check(reads_back(t, t->parent, t->data, parent_msg, sizeof(parent_msg)),
	      "the parent still reads \"%s\"", parent_msg);

	memset(&f, 0, sizeof(f));
	must(vmfs_access(t->m, t->parent, t->data, (void *)parent_msg2, sizeof(parent_msg2),
			 VMFS_ACCESS_WRITE, &f), "vmfs_access(write)");
	pe = leaf(t, t->parent, t->data, &w);
	printf("Now the parent writes \"%s\".  Its entry is still COW, but it holds\n"
	       "the last reference to the frame, so the kernel takes the frame over\n"
	       "instead of copying it:\n", parent_msg2);
	print_leaf("parent", pe);
	check(f.cow == 1, "a COW fault (take-over)");
	check(pte_pfn(pe) == t->frame && (pe & VMFS_PTE_RW) && !(pe & VMFS_PTE_COW),
	      "same frame 0x%" PRIx64 ", writable again", t->frame);
	check(reads_back(t, t->child, t->data, child_msg, sizeof(child_msg)),
	      "the child still reads \"%s\"", child_msg);
}

/* One access that must segfault, and the fault it must report. */
static void expect_segfault(struct tour *t, const char *what, uint64_t addr, unsigned how,
			    int si_code, uint32_t error_code)
{
	struct vmfs_fault f;
	char buf[8] = { 0 };
	ssize_t n;

	memset(&f, 0, sizeof(f));
	n = vmfs_access(t->m, t->parent, addr, buf, sizeof(buf), how, &f);
	printf("%s at 0x%" PRIx64 " -> %zd (%s), %s, error %x\n", what, addr, n,
	       n < 0 ? strerror((int)-n) : "no error",
	       f.si_code == VMFS_SEGV_MAPERR ? "SEGV_MAPERR" :
	       f.si_code == VMFS_SEGV_ACCERR ? "SEGV_ACCERR" : "no segfault", f.error_code);
	check(n == -EFAULT && f.si_code == si_code && f.error_code == error_code &&
	      f.addr == addr, "-EFAULT, %s, error code %x",
	      si_code == VMFS_SEGV_MAPERR ? "SEGV_MAPERR" : "SEGV_ACCERR", error_code);
}

/* Does the kernel log have a segfault line for @addr with @error_code? */
static bool kmsg_has(const char *log, const char *comm, int pid, uint64_t addr,
		     uint32_t error_code)
{
	char line[160];

	snprintf(line, sizeof(line), "%s[%d]: segfault at %" PRIx64
		 " ip 0000000000000000 sp 0000000000000000 error %x\n",
		 comm, pid, addr, error_code);
	return strstr(log, line) != NULL;
}

static void step_segfaults(struct tour *t)
{
	const uint64_t unmapped = 0x1000;
	struct vmfs_proc_stat ps;
	struct vmfs_walk w;
	char zero[8] = { 0 }, buf[8], *log;
	size_t len;

	section("6. Segfaults");
	must(vmfs_mmap(t->m, t->parent, 0, VMFS_PAGE_SIZE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &t->ro), "vmfs_mmap");
	printf("A read-only page at 0x%" PRIx64 ".  Reading it is fine (demand zero):\n", t->ro);
	check(reads_back(t, t->parent, t->ro, zero, sizeof(zero)), "it reads as zeros");
	must(vmfs_translate(t->m, t->parent, unmapped, &w), "vmfs_translate");
	check(!w.mapped, "nothing is mapped at 0x%" PRIx64, unmapped);

	/* Linux's error bits: 1 present, 2 write, 4 user. */
	expect_segfault(t, "write to the read-only page", t->ro, VMFS_ACCESS_WRITE,
			VMFS_SEGV_ACCERR, VMFS_PF_PROT | VMFS_PF_WRITE | VMFS_PF_USER);
	check(reads_back(t, t->parent, t->ro, zero, sizeof(zero)),
	      "the failed write changed nothing");
	expect_segfault(t, "read of an unmapped address", unmapped, VMFS_ACCESS_READ,
			VMFS_SEGV_MAPERR, VMFS_PF_USER);
	expect_segfault(t, "user-mode read of the kernel image", t->st.kernel_base,
			VMFS_ACCESS_READ, VMFS_SEGV_ACCERR, VMFS_PF_PROT | VMFS_PF_USER);
	check(vmfs_access(t->m, t->parent, t->st.kernel_base, buf, sizeof(buf),
			  VMFS_ACCESS_READ | VMFS_ACCESS_KERNEL, NULL) == (ssize_t)sizeof(buf),
	      "the same read in supervisor mode (VMFS_ACCESS_KERNEL) succeeds");

	must(vmfs_proc_stat(t->m, t->parent, &ps), "vmfs_proc_stat");
	check(ps.segv == 3, "the process's segfault counter is 3");

	len = vmfs_kmsg(t->m, NULL, 0) + 1;
	log = malloc(len);
	if (!log) {
		fprintf(stderr, "demo: out of memory\n");
		exit(1);
	}
	vmfs_kmsg(t->m, log, len);
	printf("The kernel log (vmfs_kmsg), as dmesg would print it:\n");
	for (const char *p = log; *p; ) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		printf("    %.*s\n", n, p);
		p += n + (nl != NULL);
	}
	check(kmsg_has(log, "demo", t->parent, t->ro, 7) &&
	      kmsg_has(log, "demo", t->parent, unmapped, 4) &&
	      kmsg_has(log, "demo", t->parent, t->st.kernel_base, 5),
	      "one line per segfault, in Linux's format");
	free(log);
}

/*
 * Walk @addr in @pid level by level, print every step and check each entry
 * against physical memory.  @want: the bytes expected at @addr.
 */
static void show_walk(vmfs *m, int pid, uint64_t addr, int va_bits, const char *want,
		      size_t want_len)
{
	struct vmfs_walk w;
	bool entries_ok = true, indices_ok = true, chain_ok = true;
	char buf[128], data[64] = { 0 };

	must(vmfs_translate(m, pid, addr, &w), "vmfs_translate");
	printf("vmfs_translate(pid %d, 0x%" PRIx64 "), %d levels, cr3 = table at 0x%" PRIx64
	       ":\n", pid, addr, w.levels, w.level[0].table);
	for (int i = 0; i < w.depth; i++) {
		const struct vmfs_walk_level *l = &w.level[i];
		int shift = VMFS_PAGE_SHIFT + 9 * (w.levels - 1 - i);
		int bits = i == 0 ? va_bits - shift : 9;
		unsigned char raw[8];
		uint64_t stored = 0;

		if (vmfs_phys_read(m, l->table + 8ull * l->index, raw, 8) == 8)
			for (int b = 7; b >= 0; b--)
				stored = stored << 8 | raw[b];   /* little-endian */
		else
			entries_ok = false;
		printf("    %-4s table 0x%08" PRIx64 " [%3u] = 0x%016" PRIx64 "  %s\n",
		       vmfs_level_name(w.levels, i), l->table, l->index, l->entry,
		       pte_decode(l->entry, buf, sizeof(buf)));
		if (stored != l->entry)
			entries_ok = false;
		if (l->index != ((addr >> shift) & ((1ull << bits) - 1)))
			indices_ok = false;
		if (i + 1 < w.depth && w.level[i + 1].table != pte_pfn(l->entry) << VMFS_PAGE_SHIFT)
			chain_ok = false;
	}
	printf("    -> physical address 0x%" PRIx64 " (frame 0x%" PRIx64 " + offset 0x%" PRIx64
	       ")\n", w.paddr, w.paddr >> VMFS_PAGE_SHIFT, addr & (VMFS_PAGE_SIZE - 1));
	check(w.state == VMFS_WALK_PRESENT && w.depth == w.levels,
	      "the walk read one entry per level and found the page");
	check(indices_ok, "each index is the address's 9 bits for that level");
	check(chain_ok, "each entry's pfn is the next level's table");
	check(entries_ok, "each entry is the one stored in physical memory (vmfs_phys_read)");
	check(w.paddr == (pte_pfn(w.level[w.depth - 1].entry) << VMFS_PAGE_SHIFT |
			  (addr & (VMFS_PAGE_SIZE - 1))),
	      "physical address = leaf pfn << 12 | page offset");
	check(want_len <= sizeof(data) &&
	      vmfs_phys_read(m, w.paddr, data, want_len) == (ssize_t)want_len &&
	      memcmp(data, want, want_len) == 0,
	      "physical memory there holds \"%s\"", want);
}

static void step_walk(struct tour *t)
{
	section("7. A translation, level by level");
	printf("The CPU splits the address into 9-bit indices, one per level, and follows\n"
	       "the entries from cr3 down through physical memory:\n");
	show_walk(t->m, t->parent, t->data, t->st.va_bits, parent_msg2, sizeof(parent_msg2));
}

static void step_tlb(struct tour *t)
{
	struct vmfs_proc_stat a, b;
	char buf[8];

	section("8. The TLB");
	must(vmfs_read(t->m, t->parent, t->data, buf, sizeof(buf)), "vmfs_read");
	must(vmfs_proc_stat(t->m, t->parent, &a), "vmfs_proc_stat");
	must(vmfs_read(t->m, t->parent, t->data, buf, sizeof(buf)), "vmfs_read");
	must(vmfs_proc_stat(t->m, t->parent, &b), "vmfs_proc_stat");
	printf("Reading the same page twice: the second read costs %" PRIu64 " TLB hit(s) and %"
	       PRIu64 " miss(es).\n", b.tlb_hit - a.tlb_hit, b.tlb_miss - a.tlb_miss);
	if (t->st.tlb_entries > 0)
		check(b.tlb_hit == a.tlb_hit + 1 && b.tlb_miss == a.tlb_miss,
		      "the second read hit the TLB: no walk");
	else
		check(b.tlb_hit == a.tlb_hit, "the TLB is off (tlb=0): no hits, every access walks");
}

static void print_proc(const struct vmfs_proc_stat *ps)
{
	printf("    %3d %4d %-6s %6" PRIu64 " %4" PRIu64 " %4" PRIu64 " %8" PRIu64 " %8" PRIu64
	       " %8" PRIu64 " %8" PRIu64 "\n", ps->pid, ps->ppid, ps->comm, ps->min_flt,
	       ps->cow_flt, ps->segv, ps->rss_anon, ps->pt_pages, ps->tlb_hit, ps->tlb_miss);
}

static void step_stats(struct tour *t)
{
	struct vmfs_proc_stat p, c;
	struct vmfs_stat st;

	section("9. Accounting");
	must(vmfs_proc_stat(t->m, t->parent, &p), "vmfs_proc_stat");
	must(vmfs_proc_stat(t->m, t->child, &c), "vmfs_proc_stat");
	printf("Per process (RSS and page tables in pages):\n"
	       "    pid ppid comm   minflt  cow segv rss_anon pt_pages  tlb_hit tlb_miss\n");
	print_proc(&p);
	print_proc(&c);
	check(p.cow_flt == 1 && c.cow_flt == 1, "one COW fault each");
	check(p.rss_anon == 2 && c.rss_anon == 1,
	      "the parent has 2 resident pages (data, read-only), the child 1");
	check(c.ppid == t->parent && strcmp(c.comm, "demo") == 0,
	      "the child's parent is %d and it inherited the name", t->parent);

	must(vmfs_stat(t->m, &st), "vmfs_stat");
	printf("The machine:\n"
	       "    frames %" PRIu64 ", free %" PRIu64 ", page-table pages %" PRIu64
	       " (kernel's included), processes %" PRIu64 "\n"
	       "    pgfault %" PRIu64 ", pgalloc %" PRIu64 ", pgfree %" PRIu64 ", cow_fault %"
	       PRIu64 ", segfault %" PRIu64 "\n"
	       "    tlb_hit %" PRIu64 ", tlb_miss %" PRIu64 ", spawns %" PRIu64 ", forks %"
	       PRIu64 ", exits %" PRIu64 "\n",
	       st.frames, st.frames_free, st.pagetable_pages, st.nr_processes, st.pgfault,
	       st.pgalloc, st.pgfree, st.cow_fault, st.segfault, st.tlb_hit, st.tlb_miss,
	       st.spawns, st.forks, st.exits);
	check(st.pgalloc == 3 && st.frames_free == st.frames - 3,
	      "3 frames in use: the parent's two pages and the child's copy");
	check(st.cow_fault == 2 && st.segfault == 3 && st.forks == 1 && st.spawns == 1,
	      "2 COW faults, 3 segfaults, 1 fork, 1 spawn");
	check(st.nr_processes == 2 && st.pagetable_pages >= p.pt_pages + c.pt_pages,
	      "2 processes; the machine's page tables include theirs");

	must(vmfs_exit(t->m, t->child), "vmfs_exit");
	{
		struct vmfs_stat after;
		int pids[4];
		int n = (int)must(vmfs_pids(t->m, pids, 4), "vmfs_pids");

		must(vmfs_stat(t->m, &after), "vmfs_stat");
		printf("vmfs_exit(%d): %" PRIu64 " frame(s) freed; live pids:", t->child,
		       after.frames_free - st.frames_free);
		for (int i = 0; i < n && i < 4; i++)
			printf(" %d", pids[i]);
		putchar('\n');
		check(n == 1 && pids[0] == t->parent, "only the parent is left");
		check(after.frames_free == st.frames_free + 1, "the child's own page came back");
	}
}

static void step_la57(const struct tour *t)
{
	static const char msg[] = "far up in 57 bits";
	struct vmfs_stat st;
	struct vmfs_walk w;
	uint64_t addr;
	vmfs *m;
	int pid;

	section("10. Five levels: 57-bit addresses");
	if (t->st.va_bits < 57) {
		int rc = vmfs_translate(t->m, t->parent, LA57_ADDR, &w);
		printf("On this %d-level machine 0x%" PRIx64 " is not canonical:\n"
		       "vmfs_translate -> %d (%s).\n", t->st.levels, LA57_ADDR, rc,
		       rc < 0 ? strerror(-rc) : "no error");
		check(rc == -EFAULT, "a %d-bit machine cannot name it", t->st.va_bits);
	}
	must(vmfs_open(&m, LA57_OPTIONS), "vmfs_open");
	must(vmfs_stat(m, &st), "vmfs_stat");
	pid = (int)must(vmfs_spawn(m, "demo57"), "vmfs_spawn");
	printf("vmfs_open(\"%s\"): %d levels, %d-bit addresses, user space below 0x%" PRIx64
	       ".\n", LA57_OPTIONS, st.levels, st.va_bits, st.user_top);
	check(st.va_bits == 57 && st.user_top == 1ull << 56, "57 bits, 64 PiB of user space");
	must(vmfs_mmap(m, pid, LA57_ADDR, VMFS_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0, &addr),
	     "vmfs_mmap");
	check(vmfs_write(m, pid, addr, msg, sizeof(msg)) == (ssize_t)sizeof(msg),
	      "wrote \"%s\" at 0x%" PRIx64, msg, addr);
	show_walk(m, pid, addr, st.va_bits, msg, sizeof(msg));
	check(strcmp(vmfs_level_name(5, 1), "p4d") == 0,
	      "the extra level is the p4d, as in Linux");
	vmfs_close(m);
}

static void usage(FILE *to, const char *argv0)
{
	fprintf(to,
"usage: %s [-o OPTIONS]\n"
"\n"
"A narrated tour of a vmfs machine: mmap, demand paging, fork and copy-on-write,\n"
"segfaults and the kernel log, a page-table walk checked against physical\n"
"memory, the TLB and the counters, then a 5-level walk.  Each claim is checked;\n"
"exit status 0 means every check held (\"demo: all checks passed\").\n"
"\n"
"  -o, --options OPT  vmfs_open options of the main machine (default \"%s\"),\n"
"                     e.g. -o frames=256,tlb=0 or -o levels=5\n"
"  -h, --help         this text\n", argv0, DEFAULT_OPTIONS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "options", required_argument, NULL, 'o' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *options = DEFAULT_OPTIONS;
	struct tour t;
	int c, status;

	while ((c = cmdline_next(argc, argv, "o:h", longopts, usage, &status)) > 0)
		if (c == 'o')
			options = optarg;
	if (c < 0)
		return status;

	memset(&t, 0, sizeof(t));
	step_open(&t, options);
	step_spawn_mmap(&t);
	step_touch(&t);
	step_fork(&t);
	step_cow_break(&t);
	step_segfaults(&t);
	step_walk(&t);
	step_tlb(&t);
	step_stats(&t);
	step_la57(&t);
	vmfs_close(t.m);

	if (nr_failed) {
		printf("\ndemo: %d of %d checks FAILED\n", nr_failed, nr_checks);
		return 1;
	}
	printf("\ndemo: all checks passed (%d)\n", nr_checks);
	return 0;
}

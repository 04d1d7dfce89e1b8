/*
 * access.c - memory access as the CPU does it: the TLB, the page walk and
 * the permission checks, and what the kernel does around a fault before
 * its handler (memory.c) runs; also the batch pipeline, reads handed out
 * as pieces, and translate().
 *
 * One page of an access goes:
 *
 *   access_vm ─► follow_page ─► TLB hit? ──yes──► check bits ─► bytes
 *                     │ no / bits refuse
 *                     ▼
 *              follow_page_slow: walk the tables ─► present leaf, bits allow
 *                     │                             ─► fill TLB ─► bytes
 *                     │ not present, or write to a COW page
 *                     ▼
 *              do_user_addr_fault's part: no vma → SEGV_MAPERR,
 *                     │          access_error → SEGV_ACCERR
 *                     │          (past an object's end → SIGBUS, in memory.c)
 *                     ▼
 *              handle_mm_fault (memory.c: do_anonymous_page, do_read_fault,
 *                     │         do_cow_fault, do_shared_fault, do_swap_page,
 *                     │         do_wp_page)
 *                     ▼
 *                then walk again.
 *
 * Every page an access touches is shown to the replacement policy.
 *
 * The walk is the hardware's: US and RW are ANDed and NX ORed over the
 * levels, the accessed bit is set at every level and the dirty bit on the
 * leaf (through pgtable.h's writers).  Reads are allowed on any present
 * user page (x86 has no read bit); PROT_NONE pages are not present to the
 * hardware.  A forced (debugger) access reaches, as get_user_pages with
 * FOLL_FORCE does, a frame the entry keeps from the hardware.  A segfault
 * changes nothing but the segfault counters and the kernel log, and is
 * only that for a plain user-mode access that fails at its first page: a
 * fault on a later page ends the access with a short count (as
 * /proc/PID/mem does), and forced and kernel-mode accesses fail with
 * EFAULT quietly, as get_user_pages and copy_to_user do.
 * A batch (access_batch, vmfs_accessv) makes each of its accesses exactly
 * as a call of its own would, with the memory of the next ones fetched
 * into the cache meanwhile.  access_tlb, the CPU's fast path, is
 * access_vm's TLB hit alone (the same tlb_hit and access_bytes), so a
 * load the TLB serves counts and marks exactly what access_vm would.
 * This file calls into memory.c, never the other way.
 * Called with the machine lock held.
 */
#include "machine.h"
#include "error.h"
#include "memory.h"
#include "page.h"
#include "vmscan.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/mman.h>

struct access {
	struct vmfs       *m;
	struct mm         *mm;
	bool               write, exec, user, force;
	bool               nowarn;       /* holds frames of its own: FAULT_FLAG_NOWARN */
	uint64_t           need, deny;   /* leaf bits the access needs, and refuses (TLB hit) */
	uint64_t           add;          /* the bits it sets: accessed, and dirty for a write */
	uint8_t           *data;         /* a data frame's byte at physical address pa is */
	uint64_t           data_mask;    /* data + (pa & data_mask): page_address, set with how */
	struct vmfs_fault *f;
};

/* The fault flags (memory.h) of the access @a makes. */
static unsigned fault_flags(const struct access *a)
{
	return (a->write ? FAULT_FLAG_WRITE : 0) | (a->exec ? FAULT_FLAG_INSTRUCTION : 0) |
	       (a->user ? FAULT_FLAG_USER : 0) | (a->force ? FAULT_FLAG_REMOTE : 0) |
	       (a->nowarn ? FAULT_FLAG_NOWARN : 0);
}

/*
 * bad_area: record the fault that stops the access (first_page_fault
 * decides if it is a segfault).
 */
static int bad_area(struct access *a, uint64_t va, int si_code, uint32_t code)
{
	return fault_segv(a->f, fault_flags(a), va, si_code, code);
}

/* access_error: true if the mapping does not allow this access at all. */
static bool access_error(const struct access *a, const struct vma *v)
{
	bool priv = v->flags & MAP_PRIVATE;

	if (a->write)
		return !((v->prot & PROT_WRITE) || (a->force && priv));
	if (a->exec)
		return !(v->prot & PROT_EXEC);
	return v->prot == PROT_NONE && !a->force;
}

/*
 * The access failed at its first page: for a plain user-mode access that is
 * a segfault of the process (counted, logged as Linux's show_signal_msg),
 * or a bus error (counted with them).  x86 Linux logs no line of its own
 * for a bus error; the one here is kernel/signal.c's print_fatal_signal
 * (printed there with print-fatal-signals=1), prefixed with the process
 * as the segfault line names it.
 */
/*
 * mm/memory.c's print_vma_addr(" in ", ip): the mapping find_vma gives for
 * the ip (the lowest that ends above it, which need not contain it), when
 * it maps a file, as " in BASENAME[START+SIZE]" (kbasename of file_path):
 * a host file's last path component, a store object's name (its file is
 * /objects/NAME), shared anonymous memory's "zero (deleted)" (shmem's
 * "/dev/zero (deleted)"); "" for anonymous private memory and no mapping.
 */
static void vma_addr_text(const struct mm *mm, uint64_t ip, char *buf, size_t len)
{
	const struct vma *v = vma_find_after(&mm->vmas, ip);
	const char *name = NULL, *slash;

	buf[0] = '\0';
	if (!v || !v->obj)
		return;
	if (v->obj->kind == VMOBJ_HOST && v->obj->path)
		name = (slash = strrchr(v->obj->path, '/')) ? slash + 1 : v->obj->path;
	else if (v->obj->kind == VMOBJ_FILE && v->obj->name)
		name = v->obj->name;
	else if (v->obj->kind == VMOBJ_SHMEM)
		name = "zero (deleted)";
	if (name)
		snprintf(buf, len, " in %s[%llx+%llx]", name, (unsigned long long)v->start,
			 (unsigned long long)(v->end - v->start));
}

/*
 * arch/x86/kernel/dumpstack.c's show_opcodes, which show_signal_msg calls
 * after the segfault line: the 64 bytes from ip - 42 (PROLOGUE_SIZE), read
 * as copy_code reads a user task's code, with copy_from_user_nmi: no fault
 * is taken, so every page of them must be present and user-accessible, or
 * the line is "Code: Unable to access opcode bytes at PROLOGUE.".  Else
 * "Code: " and the 42 bytes before the ip, the byte at it in <>, the 21
 * after (%ph: two hex digits each, one space apart).  The entries' bits
 * are not touched.
 */
static void show_opcodes(struct access *a, uint64_t ip)
{
	enum { PROLOGUE = 42, EPILOGUE = 21, NBYTES = PROLOGUE + 1 + EPILOGUE };
	uint64_t prologue = ip - PROLOGUE;
	char text[NBYTES * 3 + 8];
	const uint8_t *page = NULL;
	size_t len = 0;

	for (int i = 0; i < NBYTES; i++) {
		uint64_t va = prologue + (uint64_t)i;

		if (!page || (va & (PAGE_SIZE - 1)) == 0) {
			struct vmfs_walk w;
			uint64_t leaf;

			if (!va_is_user(&a->m->geom, va) || translate(a->m, a->mm->pid, va, &w) < 0 ||
			    w.state != VMFS_WALK_PRESENT) {
				vm_error_clear();
				klog_add(&a->m->klog, machine_now(a->m),
					 "Code: Unable to access opcode bytes at 0x%llx.",
					 (unsigned long long)prologue);
				return;
			}
			leaf = w.level[w.depth - 1].entry;
			if (!(leaf & PTE_US))
				return;   /* not user memory: copy_from_user_nmi fails as above */
			page = page_address(&a->m->phys, w.paddr >> PAGE_SHIFT, false);
		}
		len += (size_t)snprintf(text + len, sizeof(text) - len, i == PROLOGUE ? "<%02x> " :
					i == NBYTES - 1 ? "%02x" : "%02x ", page[va & (PAGE_SIZE - 1)]);
	}
	klog_add(&a->m->klog, machine_now(a->m), "Code: %s", text);
}

static void deliver_segv(struct access *a)
{
	uint64_t ip = 0, sp = 0;
	char in[320] = "";

	if (!a->user || a->force)
		return;
	if (a->mm->cpu) {               /* a program running on the CPU: its registers */
		a->mm->cpu_ip_sp(a->mm->cpu, &ip, &sp);
		vma_addr_text(a->mm, ip, in, sizeof(in));
	}
	a->mm->c.segv++;
	a->m->cnt.segfault++;
	if (a->f->signo == VMFS_SIGBUS) {
		klog_add(&a->m->klog, machine_now(a->m),
			 "%s[%d]: potentially unexpected fatal signal %d.", a->mm->comm,
			 a->mm->pid, VMFS_SIGBUS);
		return;
	}
	klog_add(&a->m->klog, machine_now(a->m),
		 "%s[%d]: segfault at %llx ip %016llx sp %016llx error %x%s",
		 a->mm->comm, a->mm->pid, (unsigned long long)a->f->addr, (unsigned long long)ip,
		 (unsigned long long)sp,
		 a->f->error_code, in);
	if (a->mm->cpu)
		show_opcodes(a, ip);
}

/*
 * The TLB's part of a translation, the hot path, inlined into the access
 * loops: true with *pa the physical address of the byte when the TLB holds the page
 * (in a 4 KiB entry, or a huge one: tlb.h) with bits that allow the access;
 * *maskp the offset bits of the entry's page (4095 for 4 KiB).  A hit that must set the accessed or
 * dirty bit ORs them into the live entry (the cache may lack bits set
 * since).  The caller checked that @va is canonical.
 */
static inline bool tlb_hit(struct access *a, uint64_t va, uint64_t *pa, uint64_t *maskp)
{
	struct vmfs *m = a->m;
	struct mm *mm = a->mm;
	uint64_t e, add, mask = 0;
	struct tlb_entry *te = a->force ? NULL : tlb_lookup(&mm->tlb, va, &mask);

	if (!te)
		return false;
	e = te->pte;
	if ((e & a->need) != a->need || (e & a->deny))
		return false;
	*pa = (pte_pfn(e) << PAGE_SHIFT) | (va & mask);   /* a 4 KiB or a huge entry */
	add = a->add;
	if (__builtin_expect((e & add) != add, 0)) {
		bool dirtied = a->write && !(*te->ptep & PTE_D);

		ptep_set_access_flags(te->ptep, add);
		te->pte |= add;
		if (dirtied)
			page_dirtied(m, *pa >> PAGE_SHIFT);
	}
	mm->c.tlb_hit++;
	*maskp = mask;
	return true;
}

static int follow_page_slow(struct access *a, uint64_t va, uint64_t *pa, uint64_t *leaf);

/*
 * A huge pmd leaf found ahead by a batch (batch_fetch_leaf) is handed on
 * with this bit set in its pointer (entries are 8-byte aligned): stage 2
 * fetches the page from it, and the access's walk ends at it if it is
 * still a huge leaf then (an earlier access of the batch may have split
 * it: the pmd then points to a table, and the walk starts at the top).
 */
#define BATCH_HUGE 1u

static inline bool batch_leaf_huge(const uint64_t *ep)
{
	return (uintptr_t)ep & BATCH_HUGE;
}

static inline uint64_t *batch_leaf_ptr(uint64_t *ep)
{
	return (uint64_t *)((uintptr_t)ep & ~(uintptr_t)BATCH_HUGE);
}

/*
 * The translation of @va's 4 KiB page that huge leaf @e (mapping 1 << @shift
 * bytes) makes, as a pte would hold it: pfn head + i, PS clear.
 */
static inline uint64_t huge_leaf_pte(uint64_t e, uint64_t va, int shift)
{
	uint64_t in = va & ((1ull << shift) - 1);

	return mk_pte(pte_pfn(e) + (in >> PAGE_SHIFT), e & ~(PTE_PS | PTE_PFN_MASK));
}

/*
 * Translate one page for the access: 0 with *pa the physical address of
 * the byte (page_address gives its bytes), or a
 * negative errno with the fault recorded.  Handles faults and retries.
 */
static inline int follow_page(struct access *a, uint64_t va, uint64_t *pa)
{
	uint64_t mask;

	if (__builtin_expect(va_canonical(&a->m->geom, va) && tlb_hit(a, va, pa, &mask), 1))
		return 0;
	return follow_page_slow(a, va, pa, NULL);
}

/*
 * follow_page past the TLB: the walk the hardware makes, and on a fault
 * what Linux's do_user_addr_fault does (find the mapping, access_error)
 * before handle_mm_fault; or, for a forced access, what get_user_pages
 * does with FOLL_FORCE (reach a frame the entry does not let the hardware
 * reach).  @leaf, if not NULL, is where the walk will end, found earlier
 * under the same lock through upper entries that were all plain
 * (batch_fetch_leaf): tables are freed only by munmap and exit and plain
 * entries stay plain, so every walk of this access (the first, and the one
 * after a fault, which changes only the leaf entry) can start there, with
 * nothing to OR into the upper entries and nothing they refuse.  A huge pmd
 * leaf comes tagged (BATCH_HUGE), and is used only while it still is one.
 */
static __attribute__((noinline)) int follow_page_slow(struct access *a, uint64_t va, uint64_t *pa,
						      uint64_t *leaf)
{
	struct vmfs *m = a->m;
	struct mm *mm = a->mm;
	const struct pt_geom *g = &m->geom;
	uint64_t vpn = va >> PAGE_SHIFT, off = va & (PAGE_SIZE - 1);

	if (!va_canonical(g, va))
		return bad_area(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
	if (mm->tlb.n && !a->force) {
		mm->c.tlb_miss++;
	}

	for (int tries = 0; tries < 4; tries++) {
		uint64_t pfn = mm->cr3, *ptep = NULL, *ep, e = 0;
		bool us = true, rw = true, nx = false, huge = false;
		int hshift = PAGE_SHIFT;   /* a huge leaf's: what it maps */
		struct vma *v;
		int l, rc;

		if (leaf && batch_leaf_huge(leaf) && !pmd_trans_huge(*batch_leaf_ptr(leaf)))
			leaf = NULL;   /* split since it was found: walk from the top */
		if (leaf && batch_leaf_huge(leaf)) {
			/* still the huge leaf found ahead: the walk ends there */
			ptep = batch_leaf_ptr(leaf);
			assert(ptep == pmd_offset_huge(m, mm->cr3, va));
			huge = true;
			hshift = PAGE_SHIFT + HPAGE_PMD_ORDER;
			e = huge_leaf_pte(*ptep, va, hshift);
		} else if (leaf) {
			assert(leaf == pte_offset(m, mm->cr3, va));
			ptep = leaf;
			e = *leaf;
		} else {
			for (l = 0;; l++) {
				/* Plain entries (US, RW and A set, NX clear) change nothing. */
				l = pt_descend(&m->phys, g, pfn, l, va, PTE_UPPER_MASK, PTE_UPPER_PLAIN, &ep);
				e = *ep;
				if (l == g->levels - 1) {
					ptep = ep;
					break;
				}
				if (pmd_trans_huge(e)) {
					/*
					 * A huge leaf (a pmd's, or a hugetlb pud's): the
					 * 4 KiB page's translation is made from it (pfn
					 * head + i), its accessed and dirty bits land in
					 * the leaf entry.
					 */
					ptep = ep;
					huge = true;
					hshift = pt_shift(g, l);
					e = huge_leaf_pte(e, va, hshift);
					break;
				}
				if (!pte_present(e))
					break;
				us = us && (e & PTE_US);
				rw = rw && (e & PTE_RW);
				nx = nx || (e & PTE_NX);
				if (!(e & PTE_A))
					pt_entry_mkyoung(ep);
				pfn = pte_pfn(e);
			}
		}
		if (ptep && pte_present(e)) {
			us = us && (e & PTE_US);
			rw = rw && (e & PTE_RW);
			nx = nx || (e & PTE_NX);
			if (a->user && !us)
				return bad_area(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
			if (a->exec && nx)
				return bad_area(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
			if (a->write && !rw) {
				/* A protection fault: do_user_addr_fault, then handle_mm_fault. */
				v = va_is_user(g, va) ? vma_find(&mm->vmas, va) : NULL;
				if (!v || access_error(a, v))
					return bad_area(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
				if (huge) {
					/* do_huge_pmd_wp_page: reused, or split and walked again */
					if ((rc = handle_mm_fault(m, mm, v, va, fault_flags(a), a->f, NULL)) < 0)
						return rc;
					continue;
				}
				if ((e & PTE_COW) || !(v->prot & PROT_WRITE)) {
					/* A forced write to an exclusive page writes in place. */
					const struct frame *f = pfn_frame(&m->phys, pte_pfn(e));

					if (!(e & PTE_COW) && (f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
						set_pte(mm, va, ptep, e | PTE_A | PTE_D | PTE_SOFT_DIRTY);
						if (!(e & PTE_D))
							page_dirtied(m, pte_pfn(e));
						*pa = (pte_pfn(e) << PAGE_SHIFT) | off;
						return 0;
					}
					if ((rc = handle_mm_fault(m, mm, v, va, fault_flags(a), a->f, ptep)) < 0)
						return rc;
					continue;
				}
				/* Write-protected only to catch this write (clear_refs 4): do_wp_page. */
				if ((rc = handle_mm_fault(m, mm, v, va, fault_flags(a), a->f, ptep)) < 0)
					return rc;
				continue;
			}
			uint64_t add = PTE_A | (a->write ? PTE_D | PTE_SOFT_DIRTY : 0);

			if ((e & add) != add)
				ptep_set_access_flags(ptep, add);
			if (a->write && !(e & PTE_D))
				page_dirtied(m, pte_pfn(e));
			if (a->force)
				tlb_flush_page(&mm->tlb, vpn);
			else if (huge)   /* one entry for the whole leaf: the head's pfn */
				tlb_fill_huge(&mm->tlb, va, hshift,
					      mk_pte(pte_pfn(e) - ((va & ((1ull << hshift) - 1)) >> PAGE_SHIFT),
						     (e & ~PTE_PFN_MASK) | add), ptep);
			else
				tlb_fill(&mm->tlb, vpn, e | add, ptep);
			*pa = (pte_pfn(e) << PAGE_SHIFT) | off;
			return 0;
		}

		/* do_user_addr_fault: the hardware found no usable entry. */
		if (!va_is_user(g, va))
			return bad_area(a, va, VMFS_SEGV_MAPERR, 0);
		v = vma_find(&mm->vmas, va);
		if (!v && !(v = expand_stack(m, mm, va)))   /* below a VM_GROWSDOWN stack? */
			return bad_area(a, va, VMFS_SEGV_MAPERR, 0);
		if (access_error(a, v))
			return bad_area(a, va, VMFS_SEGV_ACCERR, 0);
		if (ptep && (e & PTE_PROTNONE)) {
			/* Only a forced access gets here: reach the frame directly. */
			if (a->write && ((e & PTE_COW) ||
			    (pfn_frame(&m->phys, pte_pfn(e))->flags & FRAME_KIND_MASK) != FRAME_ANON)) {
				if ((rc = handle_mm_fault(m, mm, v, va, fault_flags(a), a->f, ptep)) < 0)
					return rc;
				continue;
			}
			if (a->write && !(e & PTE_D)) {
				set_pte(mm, va, ptep, e | PTE_D | PTE_SOFT_DIRTY);
				page_dirtied(m, pte_pfn(e));
			}
			*pa = (pte_pfn(e) << PAGE_SHIFT) | off;
			return 0;
		}
		if ((rc = handle_mm_fault(m, mm, v, va, fault_flags(a), a->f, ptep)) < 0)
			return rc;
	}
	assert(!"page fault loop");
	return vm_error(-EFAULT, "fault loop at 0x%llx", (unsigned long long)va);
}

/*
 * Where the bytes of an access go: copied through a buffer, or handed out
 * as pieces.  A frame handed out is pinned (FRAME_LOCKED) until the pieces
 * have been used: a later page of the same read may need a frame, and
 * reclaim must not take one whose bytes are already in the list.
 */
struct span_sink {
	struct iovec *iov;
	int           n, cap;
	uint64_t     *pinned;   /* frames this read locked, up to cap */
	int           npinned;
};

static void sink_add(struct span_sink *s, uint8_t *p, uint64_t n)
{
	struct iovec *last = s->n ? &s->iov[s->n - 1] : NULL;

	if (last && (uint8_t *)last->iov_base + last->iov_len == p) {
		last->iov_len += n;   /* the next frame in physical memory */
		return;
	}
	s->iov[s->n++] = (struct iovec){ .iov_base = p, .iov_len = n };
}

/*
 * memcpy of at most a page.  Knowing that bound, GCC inlines memcpy as a
 * rep movs, whose start-up costs more than a word-sized access itself:
 * the sizes of single loads and stores are copied as such.
 */
static inline void copy_bytes(void *dst, const void *src, uint64_t n)
{
	switch (n) {
	case 1: memcpy(dst, src, 1); break;
	case 2: memcpy(dst, src, 2); break;
	case 4: memcpy(dst, src, 4); break;
	case 8: memcpy(dst, src, 8); break;
	default: memcpy(dst, src, n); break;
	}
}

/*
 * page_address for the data frames of @a's access type, as a base and a
 * mask: the host mapping itself, or with contents=none the zero page (a
 * read) or the sink (a write) for every frame.  One AND on the hot path
 * instead of a test.
 */
static inline void access_data_setup(struct access *a)
{
	const struct phys *p = &a->m->phys;

	a->data = p->contents ? p->ram : page_address(p, 0, a->write);
	a->data_mask = p->contents ? ~0ull : PAGE_SIZE - 1;
}

/* Check @how and set @a's access type from it (@a->m set): 0 or -EINVAL. */
static int access_how_any(struct access *a, unsigned how)
{
	if ((how & ~(VMFS_ACCESS_TYPE | VMFS_ACCESS_FORCE | VMFS_ACCESS_KERNEL)) ||
	    (how & VMFS_ACCESS_TYPE) == VMFS_ACCESS_TYPE ||
	    ((how & VMFS_ACCESS_FORCE) && (how & VMFS_ACCESS_TYPE) == VMFS_ACCESS_EXEC))
		return vm_error(-EINVAL, "access: bad access type 0x%x", how);
	a->write = (how & VMFS_ACCESS_TYPE) == VMFS_ACCESS_WRITE;
	a->exec = (how & VMFS_ACCESS_TYPE) == VMFS_ACCESS_EXEC;
	a->user = !(how & VMFS_ACCESS_KERNEL);
	a->force = how & VMFS_ACCESS_FORCE;
	a->need = (a->user ? PTE_US : 0) | (a->write ? PTE_RW : 0);
	a->deny = a->exec ? PTE_NX : 0;
	a->add = PTE_A | (a->write ? PTE_D | PTE_SOFT_DIRTY : 0);
	access_data_setup(a);
	return 0;
}

/*
 * access_how_any, with the plain user-mode types (a trace's, and the
 * CPU's fetch) set up inline.
 */
static inline int access_how(struct access *a, unsigned how)
{
	if (how == VMFS_ACCESS_READ || how == VMFS_ACCESS_WRITE || how == VMFS_ACCESS_EXEC) {
		bool w = how == VMFS_ACCESS_WRITE;

		a->write = w;
		a->exec = how == VMFS_ACCESS_EXEC;
		a->force = false;
		a->user = true;
		a->need = PTE_US | (w ? PTE_RW : 0);
		a->deny = a->exec ? PTE_NX : 0;
		a->add = PTE_A | (w ? PTE_D | PTE_SOFT_DIRTY : 0);
		access_data_setup(a);
		return 0;
	}
	return access_how_any(a, how);
}

/* Check @how and fill @a for an access of @pid: 0, -EINVAL or -ESRCH. */
static int access_setup(struct access *a, struct vmfs *m, int pid, unsigned how,
			struct vmfs_fault *f)
{
	int rc;

	a->m = m;
	if ((rc = access_how(a, how)) < 0)
		return rc;
	a->f = f;
	a->mm = mm_lookup(m, pid);
	return a->mm ? 0 : -ESRCH;
}

/*
 * Make the access set up in @a, page by page: the bytes done, or the
 * fault's negative errno if the first page faults.  a->f must be clear of
 * any earlier stopping fault.
 */
/* The access failed with @rc at its first page: a segfault, if it was one. */
static int first_page_fault(struct access *a, int rc)
{
	if (a->f->si_code)
		deliver_segv(a);
	return rc;
}

/*
 * The bytes of one page of an access, at physical address @pa: copied to
 * or from @buf (unless NULL: access_tlb's fetch, compared in place), and
 * the access shown to the replacement policy (unless @pa is in the kernel
 * image).  Where the bytes lie.
 */
static inline uint8_t *access_bytes(struct access *a, uint64_t pa, uint8_t *buf, uint64_t n)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	bool data = pfn_is_data(&a->m->phys, pfn);
	uint8_t *p = data ? a->data + (pa & a->data_mask) : a->m->phys.ram + pa;

	if (buf && a->write)
		copy_bytes(p, buf, n);
	else if (buf)
		copy_bytes(buf, p, n);
	if (data)
		page_accessed(a->m, pfn);
	return p;
}

static inline __attribute__((always_inline))
int64_t access_run(struct access *a, uint64_t addr, void *buf, uint64_t len, struct span_sink *sink)
{
	struct vmfs *m = a->m;
	uint64_t done = 0;

	if (len > INT64_MAX)
		len = INT64_MAX;
	if (addr + len < addr)          /* stop at the top of the address space */
		len = 0 - addr;
	while (done < len) {
		uint64_t va = addr + done;
		uint64_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1)), pa = 0;
		int rc;

		if (n > len - done)
			n = len - done;
		rc = follow_page(a, va, &pa);
		if (rc < 0) {
			if (done) {
				vm_error_clear();
				return (int64_t)done;
			}
			return first_page_fault(a, rc);
		}
		if (sink) {
			uint64_t spfn = pa >> PAGE_SHIFT;
			struct frame *sf;

			sink_add(sink, page_address(&m->phys, spfn, false) + (pa & (PAGE_SIZE - 1)), n);
			if (pfn_is_data(&m->phys, spfn) &&
			    !((sf = pfn_frame(&m->phys, compound_head(&m->phys, spfn)))->flags &
			      FRAME_LOCKED)) {
				sf->flags |= FRAME_LOCKED;   /* a huge page's head pins all of it */
				sink->pinned[sink->npinned++] = compound_head(&m->phys, spfn);
				a->nowarn = true;   /* read_spans copies if memory runs short */
			}
			if (pfn_is_data(&m->phys, spfn))     /* not the kernel image */
				page_accessed(m, spfn);
		} else {
			access_bytes(a, pa, (uint8_t *)buf + done, n);
		}
		done += n;
	}
	return (int64_t)done;
}

static int64_t access_loop(struct vmfs *m, int pid, uint64_t addr, void *buf, uint64_t len,
			   unsigned how, struct vmfs_fault *fault, struct span_sink *sink)
{
	struct vmfs_fault dummy;
	struct access a = { 0 };
	int rc;

	if (!fault)
		fault = &dummy;
	memset(fault, 0, sizeof(*fault));
	if ((rc = access_setup(&a, m, pid, how, fault)) < 0)
		return rc;
	return access_run(&a, addr, buf, len, sink);
}

int64_t access_vm(struct vmfs *m, int pid, uint64_t addr, void *buf, uint64_t len,
		  unsigned how, struct vmfs_fault *fault)
{
	return access_loop(m, pid, addr, buf, len, how, fault, NULL);
}

const uint8_t *access_tlb(struct vmfs *m, struct mm *mm, uint64_t addr, void *buf, uint64_t len,
			  unsigned how)
{
	struct access a = { .m = m, .mm = mm };
	uint64_t pa, mask;

	if (len == 0 || (addr & (PAGE_SIZE - 1)) + len > PAGE_SIZE ||
	    (how != VMFS_ACCESS_READ && how != VMFS_ACCESS_WRITE && how != VMFS_ACCESS_EXEC))
		return NULL;
	access_how(&a, how);      /* a plain user-mode type: cannot fail */
	if (!va_canonical(&m->geom, addr) || !tlb_hit(&a, addr, &pa, &mask))
		return NULL;
	return access_bytes(&a, pa, buf, len);
}

/*
 * A batch is software-pipelined, as a CPU overlaps independent loads, in
 * groups of BATCH_GROUP accesses: while group g runs, the leaf entries of
 * group g+2 are fetched (through the TLB slot, or a walk of the upper
 * levels, which stay cached), and the leaf entries of group g+1, fetched
 * then, are read and their pages fetched (and the frame descriptors, for a
 * policy installed through the API).  Each stage is a burst of independent
 * loads, so their misses overlap; a group is kept small enough that its
 * fetches fit the core's outstanding-miss buffers.  Fetching changes
 * nothing in the machine: each access then runs exactly as a separate call
 * would, and finds its lines in the cache (a fetch made from an entry that
 * an earlier access of the batch changes is merely wasted), and its walk
 * may start from the leaf entry found ahead (follow_page_slow).  While the
 * TLB serves the accesses (a trace), fetching stops until misses return.
 */
#define BATCH_GROUP 8
#define BATCH_RING  (4 * BATCH_GROUP)   /* leaf entries in flight: a power of two >= 3 groups */

/*
 * GCC deems a function that only loads and prefetches free of effects and
 * drops calls to it; the empty volatile asm keeps each prefetch.
 */
static inline void prefetch(const void *p)
{
	__builtin_prefetch(p);
	__asm__ volatile("" : : "r"(p));
}

/*
 * The bytes of @va in frame @pfn, and the frame's descriptor if the policy
 * will read it (page_describe: only a policy installed through the API).
 */
static inline void batch_fetch_data(struct vmfs *m, uint64_t pfn, uint64_t va)
{
	if (m->phys.contents)
		prefetch((const uint8_t *)pfn_to_virt(&m->phys, pfn) + (va & (PAGE_SIZE - 1)));
	if (!m->pol_builtin && pfn_is_data(&m->phys, pfn))
		prefetch(pfn_frame(&m->phys, pfn));
	/*
	 * With huge pages about, page_accessed reads the descriptor of the
	 * 2 MiB-aligned frame (thp_head); those of different huge pages are
	 * 16 KiB apart and share a few cache sets, so it is fetched too.
	 */
	if (m->cnt.nr_anon_thp && pfn_is_data(&m->phys, pfn))
		prefetch(pfn_frame(&m->phys, pfn & ~(uint64_t)(HPAGE_PMD_NR - 1)));
}

/*
 * Stage 1: where the leaf entry of @va is, fetched, if the walk there passes
 * only plain upper entries (follow_page_slow may then start from it), or a
 * huge pmd leaf's, tagged BATCH_HUGE; NULL otherwise, or on a TLB hit (whose
 * page is fetched at once).
 */
static uint64_t *batch_fetch_leaf(struct vmfs *m, struct mm *mm, uint64_t va)
{
	const struct pt_geom *g = &m->geom;
	uint64_t *ep;

	if (!va_canonical(g, va))
		return NULL;
	if (mm->tlb.n) {
		uint64_t mask;
		const struct tlb_entry *te = tlb_lookup(&mm->tlb, va, &mask);

		if (te) {
			batch_fetch_data(m, pte_pfn(te->pte) + ((va & mask) >> PAGE_SHIFT), va);
			return NULL;
		}
	}
	int l = pt_descend(&m->phys, g, mm->cr3, 0, va, PTE_UPPER_MASK, PTE_UPPER_PLAIN, &ep);

	if (l == g->levels - 2 && pmd_trans_huge(*ep))
		return (uint64_t *)((uintptr_t)ep | BATCH_HUGE);   /* read already: no prefetch */
	if (l < g->levels - 1)
		return NULL;   /* not there, or the walk has work to do */
	prefetch(ep);
	return ep;
}

/* Stage 2: the leaf entry fetched by stage 1 is read; its page fetched. */
static void batch_fetch_page(struct vmfs *m, const uint64_t *ep, uint64_t va)
{
	uint64_t e, pfn;

	if (!ep)
		return;
	if (batch_leaf_huge(ep)) {
		e = *(const uint64_t *)((uintptr_t)ep & ~(uintptr_t)BATCH_HUGE);
		if (pmd_trans_huge(e))   /* the 4 KiB page of @va in the huge page */
			batch_fetch_data(m, pte_pfn(e) + ((va & ~HPAGE_PMD_MASK) >> PAGE_SHIFT), va);
		return;
	}
	e = *ep;
	pfn = pte_pfn(e);
	if (!pte_present(e) || (pfn << PAGE_SHIFT) >= phys_size(&m->phys))
		return;
	batch_fetch_data(m, pfn, va);
}

/*
 * A single-page access of the batch that the TLB does not serve: the walk
 * (from @leaf if found ahead), then the bytes; or the fault.  Out of line,
 * so that the TLB's path in batch_run stays short.
 */
static __attribute__((noinline)) int batch_walk(struct access *a, struct vmfs_iop *op, uint64_t *leaf)
{
	uint64_t pa;
	int rc = follow_page_slow(a, op->addr, &pa, leaf);

	if (rc < 0)
		return (int)(op->res = first_page_fault(a, rc));
	access_bytes(a, pa, op->buf, op->len);
	op->res = (ssize_t)op->len;
	return 0;
}

/*
 * Run accesses [from, to) of the batch: their index past the last done in
 * full.  An access within one page (nearly every access of a trace or a
 * scattered workload) is made here directly, through the same steps
 * access_run would take it through (follow_page's TLB hit or walk, then
 * access_bytes, or first_page_fault), without the rest of its generality.
 * @leaf, if the group was fetched ahead, holds the leaf entries found.
 */
static uint64_t batch_run(struct access *a, unsigned *how, struct vmfs_iop *iop,
			  uint64_t from, uint64_t to, uint64_t *const *leaf, uint64_t *huge_hits)
{
	for (uint64_t i = from; i < to; i++) {
		struct vmfs_iop *op = &iop[i];
		uint64_t pa, mask;

		if (op->how != *how) {
			int rc = access_how(a, op->how);

			if (rc < 0) {
				op->res = rc;
				return i;
			}
			*how = op->how;
		}
		if (!op->buf && op->len) {
			op->res = vm_error(-EINVAL, "vmfs_accessv: access %llu has a NULL buffer",
					   (unsigned long long)i);
			return i;
		}
		if (op->len - 1 < PAGE_SIZE - (op->addr & (PAGE_SIZE - 1))) {   /* one page, not 0 bytes */
			if (va_canonical(&a->m->geom, op->addr) && tlb_hit(a, op->addr, &pa, &mask)) {
				*huge_hits += mask != PAGE_SIZE - 1;
				access_bytes(a, pa, op->buf, op->len);
				op->res = (ssize_t)op->len;
			} else if (batch_walk(a, op, leaf ? leaf[i % BATCH_RING] : NULL) < 0) {
				return i;
			}
			continue;
		}
		op->res = access_run(a, op->addr, op->buf, op->len, NULL);
		if (op->res < 0 || (size_t)op->res != op->len)
			return i;
	}
	return to;
}

int64_t access_batch(struct vmfs *m, int pid, struct vmfs_iop *iop, uint64_t n)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t *leaf[BATCH_RING];
	struct vmfs_fault f = { 0 };   /* stays clear: the batch ends at a fault */
	struct access a = { .m = m, .mm = mm, .f = &f };
	unsigned how = ~0u;            /* no valid access type: set up at the first */
	bool fetch = true, fetched[4] = { false };   /* by group, mod 4 */

	if (!mm)
		return -ESRCH;
	for (uint64_t g = 0; g * BATCH_GROUP < n + 2 * BATCH_GROUP; g++) {
		uint64_t lo = g * BATCH_GROUP;   /* group g fetches leaves; g-1 pages; g-2 runs */

		fetched[g % 4] = fetch;
		if (fetch)
			for (uint64_t i = lo; i < lo + BATCH_GROUP && i < n; i++)
				leaf[i % BATCH_RING] = batch_fetch_leaf(m, mm, iop[i].addr);
		if (g >= 1 && fetched[(g - 1) % 4])
			for (uint64_t i = lo - BATCH_GROUP; i < lo && i < n; i++)
				batch_fetch_page(m, leaf[i % BATCH_RING], iop[i].addr);
		if (g >= 2) {
			uint64_t from = lo - 2 * BATCH_GROUP, to = from + BATCH_GROUP < n ? from + BATCH_GROUP : n;
			uint64_t misses = mm->c.tlb_miss, huge_hits = 0, done;

			done = batch_run(&a, &how, iop, from, to, fetched[(g - 2) % 4] ? leaf : NULL,
					 &huge_hits);
			if (done < to)
				return (int64_t)done;
			/*
			 * Accesses the TLB serves find their lines in the
			 * cache too, most likely: fetching ahead would only
			 * cost.  Fetch while a quarter of a group or more
			 * misses the TLB or hits a huge entry (scattered
			 * accesses: a 2 MiB entry says nothing of the lines
			 * of its 512 pages), or without a TLB.
			 */
			fetch = !mm->tlb.n || (mm->c.tlb_miss - misses + huge_hits) * 4 >= BATCH_GROUP;
		}
	}
	return (int64_t)n;
}

static void unpin(struct vmfs *m, struct span_sink *s)
{
	for (int i = 0; i < s->npinned; i++)
		pfn_frame(&m->phys, s->pinned[i])->flags &= ~FRAME_LOCKED;
	s->npinned = 0;
}

int64_t read_spans(struct vmfs *m, int pid, uint64_t addr, uint64_t len,
		   vmfs_span_fn fn, void *arg)
{
	struct iovec small[64];
	uint64_t small_pinned[64];
	struct span_sink sink = { small, 0, 64, small_pinned, 0 };
	struct vmfs_fault flt;
	uint64_t pages;
	int64_t done;
	int rc;

	if (len > (64ull << 20))
		len = 64ull << 20;   /* a short count, as a read may give */
	pages = len / PAGE_SIZE + 2;
	if (pages > (uint64_t)sink.cap) {
		sink.iov = malloc(pages * sizeof(*sink.iov));
		sink.pinned = malloc(pages * sizeof(*sink.pinned));
		if (!sink.iov || !sink.pinned) {
			free(sink.iov);
			free(sink.pinned);
			return vm_error(-ENOMEM, "out of memory for a read's pieces");
		}
		sink.cap = (int)pages;
	}
	done = access_loop(m, pid, addr, NULL, len, VMFS_ACCESS_READ, &flt, &sink);
	if (done > 0 && (uint64_t)done < len && flt.err == -ENOMEM && sink.npinned) {
		/*
		 * The read's own pins used up memory: a short count here would
		 * be the implementation's, not a fault's, and the fault said
		 * nothing of it (FAULT_FLAG_NOWARN).  Copy what was gathered,
		 * let the frames go, and finish by copying: a failure now is
		 * a real one, counted and logged.
		 */
		uint8_t *copy = malloc(len);

		if (copy) {
			uint64_t at = 0;
			int64_t more;

			for (int i = 0; i < sink.n; i++) {
				memcpy(copy + at, sink.iov[i].iov_base, sink.iov[i].iov_len);
				at += sink.iov[i].iov_len;
			}
			unpin(m, &sink);
			more = access_loop(m, pid, addr + (uint64_t)done, copy + done, len - (uint64_t)done,
					   VMFS_ACCESS_READ, NULL, NULL);
			if (more > 0)
				done += more;
			vm_error_clear();
			sink.iov[0] = (struct iovec){ .iov_base = copy, .iov_len = (size_t)done };
			sink.n = 1;
			if ((rc = fn(arg, sink.iov, sink.n)) < 0)
				done = rc;
			free(copy);
			goto out;
		}
	}
	if (done > 0 && (rc = fn(arg, sink.iov, sink.n)) < 0)
		done = rc;
out:
	unpin(m, &sink);
	if (sink.iov != small) {
		free(sink.iov);
		free(sink.pinned);
	}
	return done;
}

int translate(struct vmfs *m, int pid, uint64_t addr, struct vmfs_walk *w)
{
	struct mm *mm = mm_lookup(m, pid);
	const struct pt_geom *g = &m->geom;
	uint64_t pfn, e = 0;

	if (!mm)
		return -ESRCH;
	if (!va_canonical(g, addr))
		return vm_error(-EFAULT, "translate: 0x%llx is not canonical for %d-bit addresses",
				(unsigned long long)addr, g->va_bits);
	memset(w, 0, sizeof(*w));
	w->levels = g->levels;
	pfn = mm->cr3;
	for (int l = 0; l < g->levels; l++) {
		e = *pt_entry_offset(&m->phys, g, pfn, l, addr);
		w->level[l] = (struct vmfs_walk_level){ pfn << PAGE_SHIFT, pt_index(g, addr, l), e };
		w->depth = l + 1;
		if (l < g->levels - 1) {
			if (pmd_huge_leaf(e))
				break;   /* a huge leaf: the walk ends one (pmd) or two (pud) levels early */
			if (!pte_present(e)) {
				e = 0;
				break;
			}
			pfn = pte_pfn(e);
		}
	}
	if (w->depth < g->levels && pmd_huge_leaf(e)) {
		w->state = pte_present(e) ? VMFS_WALK_PRESENT : VMFS_WALK_PROTNONE;
		w->page_shift = pt_shift(g, w->depth - 1);
		w->paddr = (pte_pfn(e) << PAGE_SHIFT) | (addr & ((1ull << w->page_shift) - 1));
	} else if (w->depth == g->levels && pte_present(e)) {
		w->state = VMFS_WALK_PRESENT;
	} else if (w->depth == g->levels && (e & PTE_PROTNONE)) {
		w->state = VMFS_WALK_PROTNONE;
	} else if (w->depth == g->levels && pte_is_swap(e)) {
		w->state = VMFS_WALK_SWAPPED;
		w->swap_slot = pte_pfn(e);
	}
	if ((w->state == VMFS_WALK_PRESENT || w->state == VMFS_WALK_PROTNONE) && !w->page_shift) {
		w->page_shift = PAGE_SHIFT;
		w->paddr = (pte_pfn(e) << PAGE_SHIFT) | (addr & (PAGE_SIZE - 1));
	}
	if (va_is_user(g, addr)) {
		const struct vma *v = vma_find(&mm->vmas, addr);

		if (v) {
			w->mapped = 1;
			w->prot = v->prot;
			w->flags = v->flags & ~VMA_ACCOUNT;
		}
	} else if (addr - g->kernel_base < m->opt.kernel_bytes) {
		w->mapped = 1;
		w->prot = PROT_READ | PROT_WRITE | PROT_EXEC;
		w->flags = MAP_SHARED;
	}
	return 0;
}

/*
 * populate_vma_range: get_user_pages over [start, end) of @v, as
 * populate_vma_page_range asks for it: a write fault where the mapping is
 * private and writable (to break COW now), else a read; forced (FOLL_FORCE)
 * unless the mapping is PROT_NONE, which get_user_pages refuses (EFAULT).
 * The pages are touched (FOLL_TOUCH: the policy hears of each), no byte is
 * copied.  0 or the first fault's -errno.
 */
static int populate_vma_range(struct vmfs *m, struct mm *mm, const struct vma *v,
			      uint64_t start, uint64_t end)
{
	bool write = (v->prot & PROT_WRITE) && (v->flags & MAP_PRIVATE);
	struct vmfs_fault f = { 0 };
	struct access a = { 0 };
	int rc;

	if (v->prot == PROT_NONE)
		return vm_error(-EFAULT, "populate: [0x%llx, 0x%llx) is PROT_NONE",
				(unsigned long long)start, (unsigned long long)end);
	if ((rc = access_setup(&a, m, mm->pid, (write ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ) |
			       VMFS_ACCESS_FORCE, &f)) < 0)
		return rc;
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t pa;

		if ((rc = follow_page(&a, va, &pa)) < 0)
			return rc;
		if (pfn_is_data(&m->phys, pa >> PAGE_SHIFT))
			page_accessed(m, pa >> PAGE_SHIFT);
	}
	return 0;
}

int populate_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors)
{
	for (const struct vma *v = vma_find_after(&mm->vmas, start); v && v->start < end; v = v->next) {
		uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
		int rc;

		if (v->vm_flags & VM_LOCKONFAULT)
			continue;       /* locked as faults come, not now */
		rc = populate_vma_range(m, mm, v, s, e);
		if (rc < 0 && !ignore_errors)
			return rc;
	}
	return 0;
}

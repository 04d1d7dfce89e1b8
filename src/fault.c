/*
 * fault.c - memory access as the CPU and the kernel do it together: the
 * TLB, the page walk, the permission checks and the page-fault handler.
 *
 * One page of an access goes:
 *
 *   access_vm ─► follow_page ─► TLB hit? ──yes──► check bits ─► bytes
 *                     │ no / bits refuse
 *                     ▼
 *                walk the tables ─► present leaf, bits allow ─► fill TLB ─► bytes
 *                     │ not present, or write to a COW page
 *                     ▼
 *                handle_mm_fault ─► (vma check: no vma → SEGV_MAPERR,
 *                     │              prot forbids → SEGV_ACCERR)
 *                     ├─ pte none, private anon ─► do_anonymous_page (minor)
 *                     ├─ pte none, object/shm    ─► do_file_page     (minor from the
 *                     │                              page cache, or major from
 *                     │                              swap or the store)
 *                     ├─ swap entry              ─► do_swap_page     (major, or
 *                     │                              minor from the swap cache)
 *                     └─ write to COW entry      ─► do_wp_page       (copy or reuse)
 *                then walk again.
 *
 * Any allocation may evict pages (vmscan.c), so a handler re-reads what it
 * holds after allocating and pins (FRAME_LOCKED) a frame it still needs.
 * Every page an access touches is shown to the replacement policy.
 *
 * The walk is the hardware's: US and RW are ANDed and NX ORed over the
 * levels, the accessed bit is set at every level and the dirty bit on the
 * leaf.  Reads are allowed on any present user page (x86 has no read bit);
 * PROT_NONE pages are not present to the hardware.  A segfault changes
 * nothing but the segfault counters and the kernel log, and is only that
 * for a plain user-mode access that fails at its first page: a fault on a
 * later page ends the access with a short count (as /proc/PID/mem does),
 * and forced (debugger) and kernel-mode accesses fail with EFAULT quietly,
 * as get_user_pages and copy_to_user do.
 * A batch (access_batch, vmfs_accessv) makes each of its accesses exactly
 * as a call of its own would, with the memory of the next ones fetched
 * into the cache meanwhile.
 * Called with the machine lock held.
 */
#include "machine.h"
#include "error.h"
#include "swap.h"
#include "page.h"
#include "rmap.h"
#include "vmobj.h"
#include "vmscan.h"
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/mman.h>

struct access {
	struct vmfs       *m;
	struct mm         *mm;
	bool               write, exec, user, force;
	uint64_t           need, deny;   /* leaf bits the access needs, and refuses (TLB hit) */
	uint64_t           add;          /* the bits it sets: accessed, and dirty for a write */
	bool               pt_oom;   /* what ran out was the page-table pool */
	struct vmfs_fault *f;
};

/* Record the fault that stops the access; access_vm decides if it is a segfault. */
static int segv(struct access *a, uint64_t va, int si_code, uint32_t code)
{
	if (a->write)
		code |= VMFS_PF_WRITE;
	if (a->exec)
		code |= VMFS_PF_INSTR;
	if (a->user)
		code |= VMFS_PF_USER;
	a->f->si_code = si_code;
	a->f->error_code = code;
	a->f->addr = va;
	a->f->err = -EFAULT;
	return vm_error(-EFAULT, "%s at 0x%llx: %s", a->write ? "write" : a->exec ? "fetch" : "read",
			(unsigned long long)va,
			si_code == VMFS_SEGV_MAPERR ? "no mapping there" : "not permitted");
}

/*
 * The access failed at its first page: for a plain user-mode access that is
 * a segfault of the process (counted, logged as Linux's show_signal_msg).
 */
static void deliver_segv(struct access *a)
{
	if (!a->user || a->force)
		return;
	a->mm->c.segv++;
	a->m->cnt.segfault++;
	klog_add(&a->m->klog, machine_now(a->m),
		 "%s[%d]: segfault at %llx ip %016llx sp %016llx error %x",
		 a->mm->comm, a->mm->pid, (unsigned long long)a->f->addr, 0ull, 0ull,
		 a->f->error_code);
}

/* An allocation failed: the kernel log says so (the access then fails). */
static int oom(struct access *a, uint64_t va, int err)
{
	a->f->err = err;
	a->f->addr = va;
	if (err == -ENOMEM && a->pt_oom)
		klog_add(&a->m->klog, machine_now(a->m),
			 "%s[%d]: page allocation failure at %llx: out of page-table frames "
			 "(%llu in use, the pool's limit)", a->mm->comm, a->mm->pid,
			 (unsigned long long)va, (unsigned long long)a->m->phys.pt_inuse);
	else if (err == -ENOMEM)
		klog_add(&a->m->klog, machine_now(a->m),
			 "%s[%d]: page allocation failure at %llx: out of memory "
			 "(%llu frames, nothing evictable%s)",
			 a->mm->comm, a->mm->pid, (unsigned long long)va,
			 (unsigned long long)a->m->phys.nframes,
			 a->m->swap.enabled ? ", swap full" : ", no swap");
	else
		klog_add(&a->m->klog, machine_now(a->m), "%s[%d]: fault at %llx failed: %s",
			 a->mm->comm, a->mm->pid, (unsigned long long)va, vm_error_msg());
	return err;
}

static void count_minor(struct access *a)
{
	a->mm->c.min_flt++;
	a->m->cnt.pgfault++;
	a->f->minor++;
}

static void count_major(struct access *a)
{
	a->mm->c.maj_flt++;
	a->m->cnt.pgfault++;
	a->m->cnt.pgmajfault++;
	a->f->major++;
}

/* The bits a new leaf entry of @v gets. */
static uint64_t vma_pte_flags(const struct vma *v, bool dirty)
{
	uint64_t e = PTE_US | PTE_A;

	e |= v->prot == PROT_NONE ? PTE_PROTNONE : PTE_P;
	if (v->prot & PROT_WRITE)
		e |= PTE_RW;
	if (!(v->prot & PROT_EXEC))
		e |= PTE_NX;
	if (dirty)
		e |= PTE_D;
	return e;
}

/* Map @pfn at @va with entry bits @e (the entry must be none or a swap entry). */
static int install(struct access *a, uint64_t va, uint64_t pfn, uint64_t e)
{
	uint64_t *ptep = pte_alloc(a->m, a->mm, va);

	if (!ptep) {
		a->pt_oom = true;
		return vm_error(-ENOMEM, "out of page-table frames");
	}
	assert(pte_none(*ptep) || pte_is_swap(*ptep));
	set_pte(a->mm, va, ptep, mk_pte(pfn, e));
	if ((pfn_frame(&a->m->phys, pfn)->flags & FRAME_KIND_MASK) == FRAME_ANON)
		page_add_anon_rmap(a->m, a->mm, pfn);
	else
		page_add_file_rmap(a->m, a->mm, pfn);
	return 0;
}

static void anon_page(const struct access *a, uint64_t va, struct vmfs_page *pg)
{
	*pg = (struct vmfs_page){ .owner = a->mm->av->id, .index = va >> PAGE_SHIFT, .anon = 1 };
}

/* do_anonymous_page: first touch of a private anonymous page. */
static int do_anonymous_page(struct access *a, const struct vma *v, uint64_t va)
{
	struct vmfs_page pg;
	int64_t pfn;
	struct frame *f;
	int rc;

	anon_page(a, va, &pg);
	pfn = page_alloc(a->m, FRAME_ANON, true, &pg);
	if (pfn < 0)
		return oom(a, va, (int)pfn);
	f = pfn_frame(&a->m->phys, (uint64_t)pfn);
	f->mapping = a->mm->av;
	f->index = va >> PAGE_SHIFT;
	if ((rc = install(a, va, (uint64_t)pfn, vma_pte_flags(v, a->write))) < 0) {
		page_put(a->m, (uint64_t)pfn);
		return oom(a, va, rc);
	}
	page_loaded(a->m, (uint64_t)pfn);
	count_minor(a);
	return 0;
}

/*
 * A new private anonymous frame holding a copy of @src for @va (the heart of
 * every copy-on-write).  @src is pinned while reclaim looks for a frame.
 * Returns the new pfn (mapcount 0, not yet shown to the policy) or -errno.
 */
static int64_t copy_to_anon(struct access *a, uint64_t va, uint64_t src)
{
	struct vmfs *m = a->m;
	struct frame *f = pfn_frame(&m->phys, src), *nf;
	struct vmfs_page pg;
	int64_t npfn;

	anon_page(a, va, &pg);
	f->flags |= FRAME_LOCKED;
	npfn = page_alloc(m, FRAME_ANON, false, &pg);
	f->flags &= ~FRAME_LOCKED;
	if (npfn < 0)
		return npfn;
	nf = pfn_frame(&m->phys, (uint64_t)npfn);
	memcpy(pfn_to_virt(&m->phys, (uint64_t)npfn), pfn_to_virt(&m->phys, src), PAGE_SIZE);
	nf->mapping = a->mm->av;
	nf->index = va >> PAGE_SHIFT;
	return npfn;
}

static void count_cow(struct access *a)
{
	a->mm->c.cow_flt++;
	a->m->cnt.cow_fault++;
	a->f->cow++;
}

/*
 * The page-cache frame of page @pgoff of @o: found (minor), or brought in
 * (*major): read back from swap (shared memory), read from the store (an
 * object), or a new zero page (shared memory never touched).
 */
static int64_t cache_page(struct access *a, struct vmobj *o, uint64_t pgoff, bool *major)
{
	struct vmfs *m = a->m;
	const uint64_t *cached = vmobj_lookup(o, pgoff);
	struct vmfs_page pg = { .owner = o->id, .index = pgoff };
	bool swapped = cached && (*cached & VMOBJ_SWAPPED), file = o->kind == VMOBJ_FILE;
	int64_t pfn;
	int rc = 0;

	*major = false;
	if (cached && !swapped)
		return (int64_t)*cached;
	pfn = page_alloc(m, FRAME_CACHE, !swapped && !file, &pg);
	if (pfn < 0)
		return pfn;
	cached = vmobj_lookup(o, pgoff);   /* reclaim may have reshaped the cache */
	if (swapped) {
		uint64_t slot = *cached & ~VMOBJ_SWAPPED;

		rc = store_swap_read(m->store, slot, pfn_to_virt(&m->phys, (uint64_t)pfn));
		if (rc == 0) {
			vmobj_swapin_page(m, o, pgoff, (uint64_t)pfn);
			m->cnt.pswpin++;
		}
	} else {
		if (file)
			rc = store_obj_page_read(m->store, o->sid, pgoff, pfn_to_virt(&m->phys, (uint64_t)pfn));
		if (rc == 0)
			rc = vmobj_add_page(m, o, pgoff, (uint64_t)pfn);
	}
	if (rc < 0) {
		page_put(m, (uint64_t)pfn);
		return rc;
	}
	*major = swapped || file;
	page_loaded(m, (uint64_t)pfn);
	return pfn;
}

/*
 * do_file_page: a page of a mapping with an object behind it (shared
 * memory or a named object).  Shared mappings map the cache page itself;
 * private ones map it read-only with VMFS_PTE_COW, and a write copies it
 * straight into a private anonymous page (Linux's do_cow_fault), so the
 * object never sees a private write.  Past an object's end there is no page
 * (Linux sends SIGBUS; here it is SEGV_MAPERR).
 */
static int do_file_page(struct access *a, const struct vma *v, uint64_t va)
{
	struct vmfs *m = a->m;
	struct vmobj *o = v->obj;
	uint64_t pgoff = v->pgoff + ((va - v->start) >> PAGE_SHIFT), e;
	bool priv = v->flags & MAP_PRIVATE, major;
	int64_t pfn;
	int rc;

	if (o->kind == VMOBJ_FILE && pgoff >= (o->size + PAGE_SIZE - 1) >> PAGE_SHIFT)
		return segv(a, va, VMFS_SEGV_MAPERR, 0);
	pfn = cache_page(a, o, pgoff, &major);
	if (pfn < 0)
		return oom(a, va, (int)pfn);
	if (priv && a->write) {
		int64_t npfn = copy_to_anon(a, va, (uint64_t)pfn);

		if (npfn < 0)
			return oom(a, va, (int)npfn);
		if ((rc = install(a, va, (uint64_t)npfn, vma_pte_flags(v, true))) < 0) {
			page_put(m, (uint64_t)npfn);
			return oom(a, va, rc);
		}
		page_loaded(m, (uint64_t)npfn);
		count_cow(a);
	} else {
		e = vma_pte_flags(v, a->write);
		if (priv)
			e = (e & ~PTE_RW) | PTE_COW;
		get_page(m, (uint64_t)pfn);
		if ((rc = install(a, va, (uint64_t)pfn, e)) < 0) {
			page_put(m, (uint64_t)pfn);   /* the page stays cached */
			return oom(a, va, rc);
		}
		if (a->write)
			page_dirtied(m, (uint64_t)pfn);
	}
	if (major)
		count_major(a);
	else
		count_minor(a);
	return 0;
}

/*
 * do_swap_page: a private anonymous page in swap.  If another process of
 * the family already read it back it is in the swap cache (minor fault);
 * otherwise it is read (major fault) and stays in the swap cache, keeping
 * its slot, so evicting it again while clean needs no write.  The entry is
 * writable only if no one else can see the page.
 */
static int do_swap_page(struct access *a, const struct vma *v, uint64_t va, uint64_t *ptep)
{
	struct vmfs *m = a->m;
	uint64_t slot = pte_pfn(*ptep), e, cached;
	bool major = !swap_cache_find(&m->swap, slot, &cached);
	struct frame *f;
	int64_t pfn;
	int rc;

	if (!major) {
		pfn = (int64_t)cached;
	} else {
		struct vmfs_page pg;

		anon_page(a, va, &pg);
		pfn = page_alloc(m, FRAME_ANON, false, &pg);
		if (pfn < 0)
			return oom(a, va, (int)pfn);
		f = pfn_frame(&m->phys, (uint64_t)pfn);
		rc = store_swap_read(m->store, slot, pfn_to_virt(&m->phys, (uint64_t)pfn));
		if (rc == 0) {
			swap_cache_add(&m->swap, slot, (uint64_t)pfn);
			swap_get(&m->swap, slot);
		}
		if (rc < 0) {
			page_put(m, (uint64_t)pfn);
			return oom(a, va, rc);
		}
		f->mapping = a->mm->av;
		f->index = va >> PAGE_SHIFT;
		f->swap = slot;                 /* the frame's reference is the cache's */
		m->cnt.pswpin++;
		page_loaded(m, (uint64_t)pfn);
	}
	get_page(m, (uint64_t)pfn);
	page_add_anon_rmap(m, a->mm, (uint64_t)pfn);   /* before page_exclusive counts it */
	swap_put(&m->swap, slot);               /* this entry no longer holds the slot */
	a->mm->c.swapents--;
	e = vma_pte_flags(v, false);
	if (!page_exclusive(m, (uint64_t)pfn))
		e = (e & ~PTE_RW) | ((v->flags & MAP_PRIVATE) ? PTE_COW : 0);
	else if (a->write && reuse_swap_page(m, (uint64_t)pfn))
		e |= PTE_D;             /* written now: the slot's copy is stale, let it go */
	set_pte(a->mm, va, ptep, mk_pte((uint64_t)pfn, e));
	if (major)
		count_major(a);
	else
		count_minor(a);
	return 0;
}

/*
 * do_wp_page: a write to a page this entry may not write yet (COW), or a
 * forced write to a private page.  The last mapping of an anonymous page
 * takes it over; otherwise the page is copied into a new anonymous frame.
 * The new entry is writable only if the mapping is.
 */
static int do_wp_page(struct access *a, const struct vma *v, uint64_t va, uint64_t *ptep)
{
	struct vmfs *m = a->m;
	uint64_t e = *ptep, pfn = pte_pfn(e);
	uint64_t keep = e & (PTE_P | PTE_PROTNONE | PTE_US | PTE_NX);
	uint64_t rw = (v->prot & PROT_WRITE) ? PTE_RW : 0;

	if (reuse_swap_page(m, pfn)) {
		set_pte(a->mm, va, ptep, (e & ~PTE_COW) | PTE_A | PTE_D | rw);
	} else {
		int64_t npfn = copy_to_anon(a, va, pfn);

		if (npfn < 0)
			return oom(a, va, (int)npfn);
		set_pte(a->mm, va, ptep, mk_pte((uint64_t)npfn, keep | PTE_A | PTE_D | rw));
		page_add_anon_rmap(m, a->mm, (uint64_t)npfn);
		page_remove_rmap(m, a->mm, pfn);
		page_put(m, pfn);
		try_free_swapcache(m, pfn);
		page_loaded(m, (uint64_t)npfn);
	}
	count_cow(a);
	count_minor(a);
	return 0;
}

/* access_error: does the mapping allow this access at all? */
static bool vma_allows(const struct access *a, const struct vma *v)
{
	bool priv = v->flags & MAP_PRIVATE;

	if (a->write)
		return (v->prot & PROT_WRITE) || (a->force && priv);
	if (a->exec)
		return v->prot & PROT_EXEC;
	return v->prot != PROT_NONE || a->force;
}

/*
 * The TLB's part of a translation, the hot path, inlined into the access
 * loops: true with *out pointing at the byte when the TLB holds the page
 * with bits that allow the access.  A hit that must set the accessed or
 * dirty bit ORs them into the live entry (the cache may lack bits set
 * since).  The caller checked that @va is canonical.
 */
static inline bool tlb_hit(struct access *a, uint64_t va, uint8_t **out)
{
	struct vmfs *m = a->m;
	struct mm *mm = a->mm;
	struct tlb_entry *te = a->force ? NULL : tlb_lookup(&mm->tlb, va >> PAGE_SHIFT);
	uint64_t e, add;

	if (!te)
		return false;
	e = te->pte;
	if ((e & a->need) != a->need || (e & a->deny))
		return false;
	add = a->add;
	if (__builtin_expect((e & add) != add, 0)) {
		bool dirtied = a->write && !(*te->ptep & PTE_D);

		*te->ptep |= add;
		te->pte |= add;
		if (dirtied)
			page_dirtied(m, pte_pfn(e));
	}
	mm->c.tlb_hit++;
	*out = (uint8_t *)pfn_to_virt(&m->phys, pte_pfn(e)) + (va & (PAGE_SIZE - 1));
	return true;
}

static int follow_page_slow(struct access *a, uint64_t va, uint8_t **out, uint64_t *leaf);

/*
 * Translate one page for the access: 0 with *out pointing at the byte, or a
 * negative errno with the fault recorded.  Handles faults and retries.
 */
static inline int follow_page(struct access *a, uint64_t va, uint8_t **out)
{
	if (__builtin_expect(va_canonical(&a->m->geom, va) && tlb_hit(a, va, out), 1))
		return 0;
	return follow_page_slow(a, va, out, NULL);
}

/*
 * follow_page past the TLB: the walk and the faults.  @leaf, if not NULL, is
 * where the walk will end, found earlier under the same lock through upper
 * entries that were all plain (batch_fetch_leaf): tables are freed only by
 * munmap and exit and plain entries stay plain, so the first walk can start
 * there, with nothing to OR into the upper entries and nothing they refuse.
 */
static __attribute__((noinline)) int follow_page_slow(struct access *a, uint64_t va, uint8_t **out,
						      uint64_t *leaf)
{
	struct vmfs *m = a->m;
	struct mm *mm = a->mm;
	const struct pt_geom *g = &m->geom;
	uint64_t vpn = va >> PAGE_SHIFT, off = va & (PAGE_SIZE - 1);

	if (!va_canonical(g, va))
		return segv(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
	if (mm->tlb.n && !a->force) {
		mm->c.tlb_miss++;
	}

	for (int tries = 0; tries < 4; tries++) {
		uint64_t pfn = mm->cr3, *ptep = NULL, e = 0;
		bool us = true, rw = true, nx = false;
		const struct vma *v;
		int l, rc;

		if (leaf && tries == 0) {
			assert(leaf == pte_offset(m, mm->cr3, va));
			ptep = leaf;
			e = *leaf;
		}
		for (l = leaf && tries == 0 ? g->levels : 0; l < g->levels; l++) {
			uint64_t *ep = &pt_table(&m->phys, pfn)[pt_index(g, va, l)];

			e = *ep;
			if (l == g->levels - 1) {
				ptep = ep;
				break;
			}
			if (!pte_present(e))
				break;
			/* A plain entry (US, RW and A set, NX clear) changes nothing. */
			if ((e & PTE_UPPER_MASK) != PTE_UPPER_PLAIN) {
				us = us && (e & PTE_US);
				rw = rw && (e & PTE_RW);
				nx = nx || (e & PTE_NX);
				if (!(e & PTE_A))
					*ep = e | PTE_A;
			}
			pfn = pte_pfn(e);
		}
		if (ptep && pte_present(e)) {
			us = us && (e & PTE_US);
			rw = rw && (e & PTE_RW);
			nx = nx || (e & PTE_NX);
			if (a->user && !us)
				return segv(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
			if (a->exec && nx)
				return segv(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
			if (a->write && !rw) {
				v = va_is_user(g, va) ? vma_find(&mm->vmas, va) : NULL;
				if (!v || !vma_allows(a, v))
					return segv(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
				if ((e & PTE_COW) || !(v->prot & PROT_WRITE)) {
					/* A forced write to an exclusive page writes in place. */
					const struct frame *f = pfn_frame(&m->phys, pte_pfn(e));

					if (!(e & PTE_COW) && (f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
						set_pte(mm, va, ptep, e | PTE_A | PTE_D);
						if (!(e & PTE_D))
							page_dirtied(m, pte_pfn(e));
						*out = (uint8_t *)pfn_to_virt(&m->phys, pte_pfn(e)) + off;
						return 0;
					}
					if ((rc = do_wp_page(a, v, va, ptep)) < 0)
						return rc;
					continue;
				}
				return segv(a, va, VMFS_SEGV_ACCERR, VMFS_PF_PROT);
			}
			uint64_t ne = e | PTE_A | (a->write ? PTE_D : 0);

			if (ne != e)
				*ptep = ne;
			if (a->write && !(e & PTE_D))
				page_dirtied(m, pte_pfn(e));
			if (a->force)
				tlb_flush_page(&mm->tlb, vpn);
			else
				tlb_fill(&mm->tlb, vpn, ne, ptep);
			*out = (uint8_t *)pfn_to_virt(&m->phys, pte_pfn(e)) + off;
			return 0;
		}

		/* handle_mm_fault: the hardware found no usable entry. */
		if (!va_is_user(g, va))
			return segv(a, va, VMFS_SEGV_MAPERR, 0);
		v = vma_find(&mm->vmas, va);
		if (!v)
			return segv(a, va, VMFS_SEGV_MAPERR, 0);
		if (!vma_allows(a, v))
			return segv(a, va, VMFS_SEGV_ACCERR, 0);
		if (ptep && (e & PTE_PROTNONE)) {
			/* Only a forced access gets here: reach the frame directly. */
			if (a->write && ((e & PTE_COW) ||
			    (pfn_frame(&m->phys, pte_pfn(e))->flags & FRAME_KIND_MASK) != FRAME_ANON)) {
				if ((rc = do_wp_page(a, v, va, ptep)) < 0)
					return rc;
				continue;
			}
			if (a->write && !(e & PTE_D)) {
				set_pte(mm, va, ptep, e | PTE_D);
				page_dirtied(m, pte_pfn(e));
			}
			*out = (uint8_t *)pfn_to_virt(&m->phys, pte_pfn(e)) + off;
			return 0;
		}
		if (ptep && pte_is_swap(e))
			rc = do_swap_page(a, v, va, ptep);
		else if (v->obj)
			rc = do_file_page(a, v, va);
		else
			rc = do_anonymous_page(a, v, va);
		if (rc < 0)
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

/* Check @how and set @a's access type from it: 0 or -EINVAL. */
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
	a->add = PTE_A | (a->write ? PTE_D : 0);
	return 0;
}

/* access_how_any, with the plain user-mode types (a trace's) set up inline. */
static inline int access_how(struct access *a, unsigned how)
{
	if (how == VMFS_ACCESS_READ || how == VMFS_ACCESS_WRITE) {
		bool w = how == VMFS_ACCESS_WRITE;

		a->write = w;
		a->exec = a->force = false;
		a->user = true;
		a->need = PTE_US | (w ? PTE_RW : 0);
		a->deny = 0;
		a->add = PTE_A | (w ? PTE_D : 0);
		return 0;
	}
	return access_how_any(a, how);
}

/* Check @how and fill @a for an access of @pid: 0, -EINVAL or -ESRCH. */
static int access_setup(struct access *a, struct vmfs *m, int pid, unsigned how,
			struct vmfs_fault *f)
{
	int rc = access_how(a, how);

	if (rc < 0)
		return rc;
	a->m = m;
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
 * The bytes of one page of an access, translated to @p: copied to or from
 * @buf, and the access shown to the replacement policy (unless @p is in the
 * kernel image).
 */
static inline void access_bytes(struct access *a, uint8_t *p, uint8_t *buf, uint64_t n)
{
	uint64_t pfn = (uint64_t)(p - a->m->phys.ram) >> PAGE_SHIFT;

	if (a->write)
		copy_bytes(p, buf, n);
	else
		copy_bytes(buf, p, n);
	if (pfn_is_data(&a->m->phys, pfn))
		page_accessed(a->m, pfn);
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
		uint64_t n = PAGE_SIZE - (va & (PAGE_SIZE - 1)), pfn;
		uint8_t *p = NULL;
		int rc;

		if (n > len - done)
			n = len - done;
		rc = follow_page(a, va, &p);
		if (rc < 0) {
			if (done) {
				vm_error_clear();
				return (int64_t)done;
			}
			return first_page_fault(a, rc);
		}
		if (sink) {
			uint64_t spfn = (uint64_t)(p - m->phys.ram) >> PAGE_SHIFT;
			struct frame *sf;

			sink_add(sink, p, n);
			if (pfn_is_data(&m->phys, spfn) &&
			    !((sf = pfn_frame(&m->phys, spfn))->flags & FRAME_LOCKED)) {
				sf->flags |= FRAME_LOCKED;
				sink->pinned[sink->npinned++] = spfn;
			}
			pfn = (uint64_t)(p - m->phys.ram) >> PAGE_SHIFT;
			if (pfn_is_data(&m->phys, pfn))     /* not the kernel image */
				page_accessed(m, pfn);
		} else {
			access_bytes(a, p, (uint8_t *)buf + done, n);
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
	prefetch((const uint8_t *)pfn_to_virt(&m->phys, pfn) + (va & (PAGE_SIZE - 1)));
	if (!m->pol_builtin && pfn_is_data(&m->phys, pfn))
		prefetch(pfn_frame(&m->phys, pfn));
}

/*
 * Stage 1: where the leaf entry of @va is, fetched, if the walk there passes
 * only plain upper entries (follow_page_slow may then start from it); NULL
 * otherwise, or on a TLB hit (whose page is fetched at once).
 */
static uint64_t *batch_fetch_leaf(struct vmfs *m, struct mm *mm, uint64_t va)
{
	const struct pt_geom *g = &m->geom;
	uint64_t vpn = va >> PAGE_SHIFT, pfn = mm->cr3;

	if (!va_canonical(g, va))
		return NULL;
	if (mm->tlb.n) {
		const struct tlb_entry *te = tlb_slot(&mm->tlb, vpn);

		if (te->tag == vpn + 1) {
			batch_fetch_data(m, pte_pfn(te->pte), va);
			return NULL;
		}
	}
	for (int l = 0; l < g->levels - 1; l++) {
		uint64_t e = pt_table(&m->phys, pfn)[pt_index(g, va, l)];

		if ((e & PTE_UPPER_MASK) != PTE_UPPER_PLAIN)
			return NULL;   /* not there, or the walk has work to do */
		pfn = pte_pfn(e);
	}
	prefetch(&pt_table(&m->phys, pfn)[pt_index(g, va, g->levels - 1)]);
	return &pt_table(&m->phys, pfn)[pt_index(g, va, g->levels - 1)];
}

/* Stage 2: the leaf entry fetched by stage 1 is read; its page fetched. */
static void batch_fetch_page(struct vmfs *m, const uint64_t *ep, uint64_t va)
{
	uint64_t e, pfn;

	if (!ep)
		return;
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
	uint8_t *p;
	int rc = follow_page_slow(a, op->addr, &p, leaf);

	if (rc < 0)
		return (int)(op->res = first_page_fault(a, rc));
	access_bytes(a, p, op->buf, op->len);
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
			  uint64_t from, uint64_t to, uint64_t *const *leaf)
{
	for (uint64_t i = from; i < to; i++) {
		struct vmfs_iop *op = &iop[i];
		uint8_t *p;

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
			if (va_canonical(&a->m->geom, op->addr) && tlb_hit(a, op->addr, &p)) {
				access_bytes(a, p, op->buf, op->len);
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
			uint64_t misses = mm->c.tlb_miss, done;

			done = batch_run(&a, &how, iop, from, to, fetched[(g - 2) % 4] ? leaf : NULL);
			if (done < to)
				return (int64_t)done;
			/*
			 * Accesses the TLB serves find their lines in the
			 * cache too, most likely: fetching ahead would only
			 * cost.  Fetch while a quarter of a group or more
			 * misses the TLB (scattered accesses), or without one.
			 */
			fetch = !mm->tlb.n || (mm->c.tlb_miss - misses) * 4 >= BATCH_GROUP;
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
		 * be the implementation's, not a fault's.  Copy what was
		 * gathered, let the frames go, and finish by copying.
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
		unsigned i = pt_index(g, addr, l);

		e = pt_table(&m->phys, pfn)[i];
		w->level[l] = (struct vmfs_walk_level){ pfn << PAGE_SHIFT, i, e };
		w->depth = l + 1;
		if (l < g->levels - 1) {
			if (!pte_present(e)) {
				e = 0;
				break;
			}
			pfn = pte_pfn(e);
		}
	}
	if (w->depth == g->levels && pte_present(e)) {
		w->state = VMFS_WALK_PRESENT;
	} else if (w->depth == g->levels && (e & PTE_PROTNONE)) {
		w->state = VMFS_WALK_PROTNONE;
	} else if (w->depth == g->levels && pte_is_swap(e)) {
		w->state = VMFS_WALK_SWAPPED;
		w->swap_slot = pte_pfn(e);
	}
	if (w->state == VMFS_WALK_PRESENT || w->state == VMFS_WALK_PROTNONE)
		w->paddr = (pte_pfn(e) << PAGE_SHIFT) | (addr & (PAGE_SIZE - 1));
	if (va_is_user(g, addr)) {
		const struct vma *v = vma_find(&mm->vmas, addr);

		if (v) {
			w->mapped = 1;
			w->prot = v->prot;
			w->flags = v->flags;
		}
	} else if (addr - g->kernel_base < m->opt.kernel_bytes) {
		w->mapped = 1;
		w->prot = PROT_READ | PROT_WRITE | PROT_EXEC;
		w->flags = MAP_SHARED;
	}
	return 0;
}

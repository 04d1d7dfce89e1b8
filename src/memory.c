/*
 * memory.c - the page-fault handler, named and shaped as Linux's
 * mm/memory.c: what happens once the access path (access.c) has found that
 * the hardware has no usable entry for an address of a mapping that allows
 * the access.
 *
 *   handle_mm_fault ─► handle_pmd_fault (no pte table there: huge_memory.c's
 *        │              do_huge_pmd_anonymous_page for an eligible mapping,
 *        │              do_huge_pmd_wp_page for a write to a huge leaf)
 *        ▼ then, unless that did it or there is a pte table
 *   handle_pte_fault (on the leaf entry, or none)
 *        ├─ pte none, anonymous mapping ─► do_anonymous_page   (minor: a read
 *        │                                  maps the shared zero page, a write
 *        │                                  takes a zeroed frame)
 *        ├─ pte none, object/shm        ─► do_fault ─► __do_fault: the page-cache
 *        │                                  │   page (minor), or brought in from
 *        │                                  │   swap or the store (major)
 *        │                                  ├─ read            ─► do_read_fault
 *        │                                  ├─ write, private  ─► do_cow_fault
 *        │                                  └─ write, shared   ─► do_shared_fault
 *        ├─ swap entry                  ─► do_swap_page        (major, or minor
 *        │                                                      from the swap cache)
 *        └─ write to a read-only entry  ─► do_wp_page          (copy or reuse;
 *                                                               the zero page: a
 *                                                               zeroed frame)
 *
 * The caller then walks again.  Any allocation may evict pages (vmscan.c),
 * so a handler re-reads what it holds after allocating and pins
 * (FRAME_LOCKED) a frame it still needs.  A private mapping never lets its
 * object see a write: a write fault copies the page straight into a
 * private anonymous one (do_cow_fault), a read maps the cache page
 * read-only with VMFS_PTE_COW.  Every handler counts its fault as minor or
 * major (and COW), in the process, the machine and the caller's struct
 * vmfs_fault; a handler that fails records why there and, for an
 * allocation, in the kernel log.  Before its first private anonymous page
 * a mapping gets an anon_vma (anon_vma_prepare), which only the merge rules
 * read (mmap.c).  Nothing here calls back into access.c.
 * Called with the machine lock held.
 */
#include "memory.h"
#include "error.h"
#include "page.h"
#include "filemap.h"
#include "huge_memory.h"
#include "hugetlb_vma.h"
#include "rmap.h"
#include "swap.h"
#include "vmobj.h"
#include "vmscan.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* One fault being handled (Linux's struct vm_fault). */
struct vm_fault {
	struct vmfs       *m;
	struct mm         *mm;
	struct vma        *vma;
	uint64_t           address;
	unsigned           flags;      /* FAULT_FLAG_* */
	uint64_t          *pte;        /* the leaf entry, or NULL: no table holds it yet */
	uint64_t           orig_pte;   /* its value when the fault began (0 if none) */
	bool               pt_oom;     /* what ran out was the page-table pool */
	struct vmfs_fault *info;
};

static bool fault_write(const struct vm_fault *vmf)
{
	return vmf->flags & FAULT_FLAG_WRITE;
}

int fault_segv(struct vmfs_fault *info, unsigned flags, uint64_t va, int si_code, uint32_t code)
{
	bool write = flags & FAULT_FLAG_WRITE, exec = flags & FAULT_FLAG_INSTRUCTION;

	if (write)
		code |= VMFS_PF_WRITE;
	if (exec)
		code |= VMFS_PF_INSTR;
	if (flags & FAULT_FLAG_USER)
		code |= VMFS_PF_USER;
	info->si_code = si_code;
	info->signo = VMFS_SIGSEGV;
	info->error_code = code;
	info->addr = va;
	info->err = -EFAULT;
	return vm_error(-EFAULT, "%s at 0x%llx: %s", write ? "write" : exec ? "fetch" : "read",
			(unsigned long long)va,
			si_code == VMFS_SEGV_MAPERR ? "no mapping there" : "not permitted");
}

int fault_sigbus(struct vmfs_fault *info, unsigned flags, uint64_t va, const char *object)
{
	bool write = flags & FAULT_FLAG_WRITE;

	fault_segv(info, flags, va, VMFS_BUS_ADRERR, 0);
	info->signo = VMFS_SIGBUS;
	if (!object)   /* hugetlb_no_page, hugetlb_wp: alloc_huge_page's -ENOSPC */
		return vm_error(-EFAULT, "%s at 0x%llx: no free huge page in the pool (bus error)",
				write ? "write" : "read", (unsigned long long)va);
	return vm_error(-EFAULT, "%s at 0x%llx: past the end of object '%s' (bus error)",
			write ? "write" : "read", (unsigned long long)va, object ? object : "");
}

/*
 * An allocation failed: the kernel log says so (the access then fails),
 * unless memory ran short for a caller with a way round (FAULT_FLAG_NOWARN):
 * if that fails too, it is logged then.
 */
static int oom(struct vm_fault *vmf, int err)
{
	struct vmfs *m = vmf->m;
	struct mm *mm = vmf->mm;
	uint64_t va = vmf->address;

	vmf->info->err = err;
	vmf->info->addr = va;
	if (err == -ENOMEM && (vmf->flags & FAULT_FLAG_NOWARN))
		return err;
	if (err == -ENOMEM && vmf->pt_oom)
		klog_add(&m->klog, machine_now(m),
			 "%s[%d]: page allocation failure at %llx: out of page-table frames "
			 "(%llu in use, the pool's limit)", mm->comm, mm->pid,
			 (unsigned long long)va, (unsigned long long)m->phys.pt_inuse);
	else if (err == -ENOMEM)
		klog_add(&m->klog, machine_now(m),
			 "%s[%d]: page allocation failure at %llx: out of memory "
			 "(%llu frames, nothing evictable%s)",
			 mm->comm, mm->pid, (unsigned long long)va,
			 (unsigned long long)m->phys.nframes,
			 m->swap.enabled ? ", swap full" : ", no swap");
	else
		klog_add(&m->klog, machine_now(m), "%s[%d]: fault at %llx failed: %s",
			 mm->comm, mm->pid, (unsigned long long)va, vm_error_msg());
	return err;
}

/* The page_alloc() bits of the fault's allocations (GFP_NOWARN, or none). */
static unsigned fault_gfp(const struct vm_fault *vmf)
{
	return (vmf->flags & FAULT_FLAG_NOWARN) ? GFP_NOWARN : 0;
}

static void count_minor(struct vm_fault *vmf)
{
	vmf->mm->c.min_flt++;
	vmf->m->cnt.pgfault++;
	vmf->info->minor++;
}

static void count_major(struct vm_fault *vmf)
{
	vmf->mm->c.maj_flt++;
	vmf->m->cnt.pgfault++;
	vmf->m->cnt.pgmajfault++;
	vmf->info->major++;
}

static void count_cow(struct vm_fault *vmf)
{
	vmf->mm->c.cow_flt++;
	vmf->m->cnt.cow_fault++;
	vmf->info->cow++;
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

/*
 * The fault's leaf entry: the one found by the walk, which stays valid
 * across the handler's allocations (tables are freed only by munmap and
 * exit), or where the walk found none, one in tables allocated now (NULL
 * with pt_oom set when the pool is dry).
 */
static uint64_t *fault_pte(struct vm_fault *vmf)
{
	uint64_t *ptep = vmf->pte ? vmf->pte : pte_alloc(vmf->m, vmf->mm, vmf->address);

	if (!ptep)
		vmf->pt_oom = true;
	return ptep;
}

/*
 * Map @pfn at the fault's address with entry bits @e (the entry must be
 * none or a swap entry).
 */
static int install(struct vm_fault *vmf, uint64_t pfn, uint64_t e)
{
	uint64_t va = vmf->address;
	uint64_t *ptep = fault_pte(vmf);

	if (!ptep)
		return vm_error(-ENOMEM, "out of page-table frames");
	assert(pte_none(*ptep) || pte_is_swap(*ptep));
	set_pte(vmf->mm, va, ptep, mk_pte(pfn, e));
	if ((pfn_frame(&vmf->m->phys, pfn)->flags & FRAME_KIND_MASK) == FRAME_ANON)
		page_add_anon_rmap(vmf->m, vmf->mm, pfn);
	else
		page_add_file_rmap(vmf->m, vmf->mm, pfn);
	return 0;
}

static void anon_page(const struct vm_fault *vmf, struct vmfs_page *pg)
{
	*pg = (struct vmfs_page){ .owner = vmf->mm->av->id,
				  .index = linear_page_index(vmf->vma, vmf->address), .anon = 1 };
}

/*
 * anon_vma_prepare: before the first private anonymous page of the fault's
 * mapping (a write, a copy on write, or a read without the zero page), the
 * mapping gets its anon_vma: a neighbour's it may share
 * (find_mergeable_anon_vma), or a new one; either way its chain is
 * singular.  The machine's reverse map is the process family's (mm->av);
 * this identity is only what Linux's merge rules compare (mmap.c).
 */
static void anon_vma_prepare(struct vm_fault *vmf)
{
	struct vma *v = vmf->vma;

	if (v->anon_vma)
		return;
	v->anon_vma = find_mergeable_anon_vma(v);
	if (!v->anon_vma)
		v->anon_vma = ++vmf->m->next_anon_vma;
	v->anon_vma_forked = false;
}

/*
 * do_anonymous_page: first touch of a private anonymous page.  A read (or
 * fetch) maps the shared zero page, as Linux's my_zero_pfn path does
 * (unless the machine has none: zero_page=0): read-only, marked COW so
 * that a write copies it (do_wp_page), and with no frame behind it, so no
 * reference, no rmap, no RSS and nothing for the policy.  A write takes a
 * zeroed frame.
 */
static int do_anonymous_page(struct vm_fault *vmf)
{
	struct vmfs_page pg;
	int64_t pfn;
	struct frame *f;
	int rc;

	if (!fault_write(vmf) && vmf->m->zero_pfn != NO_ZERO_PFN) {
		uint64_t *ptep = fault_pte(vmf);
		uint64_t e = (vma_pte_flags(vmf->vma, false) & ~PTE_RW) | PTE_COW;

		if (!ptep)
			return oom(vmf, vm_error(-ENOMEM, "out of page-table frames"));
		set_pte(vmf->mm, vmf->address, ptep, mk_pte(vmf->m->zero_pfn, e));
		count_minor(vmf);
		return 0;
	}
	anon_vma_prepare(vmf);
	anon_page(vmf, &pg);
	pfn = page_alloc(vmf->m, FRAME_ANON, GFP_ZERO | fault_gfp(vmf), &pg);
	if (pfn < 0)
		return oom(vmf, (int)pfn);
	f = pfn_frame(&vmf->m->phys, (uint64_t)pfn);
	f->mapping = vmf->mm->av;
	f->index = pg.index;
	if ((rc = install(vmf, (uint64_t)pfn, vma_pte_flags(vmf->vma, fault_write(vmf)))) < 0) {
		page_put(vmf->m, (uint64_t)pfn);
		return oom(vmf, rc);
	}
	page_loaded(vmf->m, (uint64_t)pfn);
	count_minor(vmf);
	return 0;
}

/*
 * A new private anonymous frame holding a copy of @src for the fault's
 * address (the heart of every copy-on-write).  @src is pinned while reclaim
 * looks for a frame.  Returns the new pfn (mapcount 0, not yet shown to the
 * policy) or -errno.
 */
static int64_t copy_to_anon(struct vm_fault *vmf, uint64_t src)
{
	struct vmfs *m = vmf->m;
	struct frame *f = pfn_frame(&m->phys, src), *nf;
	struct vmfs_page pg;
	int64_t npfn;

	anon_vma_prepare(vmf);
	anon_page(vmf, &pg);
	f->flags |= FRAME_LOCKED;
	npfn = page_alloc(m, FRAME_ANON, fault_gfp(vmf), &pg);
	f->flags &= ~FRAME_LOCKED;
	if (npfn < 0)
		return npfn;
	nf = pfn_frame(&m->phys, (uint64_t)npfn);
	copy_highpage(&m->phys, (uint64_t)npfn, src);
	nf->mapping = vmf->mm->av;
	nf->index = pg.index;
	return npfn;
}

/*
 * __do_fault: the page-cache page behind the fault's address in a mapping
 * with an object behind it (shared memory or a named object), found or
 * brought in (*major).  Past an object's end there is no page: as Linux's
 * filemap_fault returns VM_FAULT_SIGBUS there, the fault is a bus error.
 * A store object's or host file's page, as filemap_fault's: not cached, the
 * fault is major and readahead reads its window first
 * (do_sync_mmap_readahead); cached, it may start the next window
 * (do_async_mmap_readahead).  Shared memory has no readahead (shmem_fault).
 * The pfn, or -errno with the fault recorded.
 */
static int64_t __do_fault(struct vm_fault *vmf, bool *major)
{
	const struct vma *v = vmf->vma;
	struct vmobj *o = v->obj;
	uint64_t pgoff = v->pgoff + ((vmf->address - v->start) >> PAGE_SHIFT);
	int64_t pfn;

	bool file = vmobj_is_file(o), missed = file && !vmobj_lookup(o, pgoff);

	/* past the end of a file, or of shared memory mremap grew (shmem_fault: SIGBUS) */
	if (pgoff >= (o->size + PAGE_SIZE - 1) >> PAGE_SHIFT)
		return fault_sigbus(vmf->info, vmf->flags, vmf->address,
				    o->name ? o->name : "shared anonymous memory");
	if (missed)     /* filemap_fault: a major fault, the window read first */
		do_sync_mmap_readahead(vmf->m, v, o, pgoff);
	pfn = filemap_get_page(vmf->m, o, pgoff, fault_gfp(vmf), major);
	if (pfn < 0)
		return oom(vmf, (int)pfn);
	if (missed)
		*major = true;  /* even when readahead brought the page in */
	else if (file)
		do_async_mmap_readahead(vmf->m, v, o, pgoff, (uint64_t)pfn);
	return pfn;
}

/*
 * finish_fault: map the page-cache page @pfn itself with entry bits @e
 * (do_read_fault, do_shared_fault).
 */
static int finish_fault(struct vm_fault *vmf, uint64_t pfn, uint64_t e)
{
	struct vmfs *m = vmf->m;
	int rc;

	get_page(m, pfn);
	if ((rc = install(vmf, pfn, e)) < 0) {
		page_put(m, pfn);   /* the page stays cached */
		return oom(vmf, rc);
	}
	return 0;
}

static void count_file_fault(struct vm_fault *vmf, bool major)
{
	if (major)
		count_major(vmf);
	else
		count_minor(vmf);
}

/*
 * do_read_fault: a read of an object's page maps the cache page; read-only
 * with VMFS_PTE_COW in a private mapping, so that a later write copies it.
 */
static int do_read_fault(struct vm_fault *vmf)
{
	uint64_t e = vma_pte_flags(vmf->vma, false);
	bool major;
	int64_t pfn = __do_fault(vmf, &major);
	int rc;

	if (pfn < 0)
		return (int)pfn;
	if (vmf->vma->flags & MAP_PRIVATE)
		e = (e & ~PTE_RW) | PTE_COW;
	if ((rc = finish_fault(vmf, (uint64_t)pfn, e)) < 0)
		return rc;
	count_file_fault(vmf, major);
	return 0;
}

/*
 * do_cow_fault: a write to a private mapping of an object copies the cache
 * page straight into a private anonymous page, so the object never sees a
 * private write.
 */
static int do_cow_fault(struct vm_fault *vmf)
{
	struct vmfs *m = vmf->m;
	bool major;
	int64_t pfn, npfn;
	int rc;

	anon_vma_prepare(vmf);   /* first, as Linux's: also when the page is past the end */
	pfn = __do_fault(vmf, &major);
	if (pfn < 0)
		return (int)pfn;
	npfn = copy_to_anon(vmf, (uint64_t)pfn);
	if (npfn < 0)
		return oom(vmf, (int)npfn);
	if ((rc = install(vmf, (uint64_t)npfn, vma_pte_flags(vmf->vma, true))) < 0) {
		page_put(m, (uint64_t)npfn);
		return oom(vmf, rc);
	}
	page_loaded(m, (uint64_t)npfn);
	count_cow(vmf);
	count_file_fault(vmf, major);
	return 0;
}

/* do_shared_fault: a write to a shared mapping maps the cache page, dirtied. */
static int do_shared_fault(struct vm_fault *vmf)
{
	bool major;
	int64_t pfn = __do_fault(vmf, &major);
	int rc;

	if (pfn < 0)
		return (int)pfn;
	if ((rc = finish_fault(vmf, (uint64_t)pfn, vma_pte_flags(vmf->vma, true))) < 0)
		return rc;
	page_dirtied(vmf->m, (uint64_t)pfn);
	count_file_fault(vmf, major);
	return 0;
}

/* do_fault: a page of a mapping with an object behind it, by Linux's rule. */
static int do_fault(struct vm_fault *vmf)
{
	if (!fault_write(vmf))
		return do_read_fault(vmf);
	if (vmf->vma->flags & MAP_PRIVATE)
		return do_cow_fault(vmf);
	return do_shared_fault(vmf);
}

/*
 * do_swap_page: a private anonymous page in swap.  If another process of
 * the family already read it back it is in the swap cache (minor fault);
 * otherwise it is read (major fault) and stays in the swap cache, keeping
 * its slot, so evicting it again while clean needs no write.  The entry is
 * writable only if no one else can see the page.
 */
static int do_swap_page(struct vm_fault *vmf)
{
	struct vmfs *m = vmf->m;
	const struct vma *v = vmf->vma;
	uint64_t va = vmf->address, *ptep = vmf->pte;
	uint64_t slot = pte_pfn(*ptep), e, cached;
	bool major = !swap_cache_find(&m->swap, slot, &cached);
	struct frame *f;
	int64_t pfn;
	int rc;

	if (!major) {
		pfn = (int64_t)cached;
	} else {
		struct vmfs_page pg;

		anon_page(vmf, &pg);
		pfn = page_alloc(m, FRAME_ANON, fault_gfp(vmf), &pg);
		if (pfn < 0)
			return oom(vmf, (int)pfn);
		f = pfn_frame(&m->phys, (uint64_t)pfn);
		rc = swap_readpage(&m->swap, slot, page_address(&m->phys, (uint64_t)pfn, true));
		if (rc == 0) {
			swap_cache_add(&m->swap, slot, (uint64_t)pfn);
			swap_get(&m->swap, slot);
		}
		if (rc < 0) {
			page_put(m, (uint64_t)pfn);
			return oom(vmf, rc);
		}
		f->mapping = vmf->mm->av;
		f->index = pg.index;
		f->swap = slot;                 /* the frame's reference is the cache's */
		m->cnt.pswpin++;
		m->cnt.pgpgin++;
		page_loaded(m, (uint64_t)pfn);
	}
	get_page(m, (uint64_t)pfn);
	page_add_anon_rmap(m, vmf->mm, (uint64_t)pfn);   /* before page_exclusive counts it */
	swap_put(&m->swap, slot);               /* this entry no longer holds the slot */
	vmf->mm->c.swapents--;
	e = vma_pte_flags(v, false);
	if (vmf->orig_pte & PTE_SWP_SOFT_DIRTY)
		e |= PTE_SOFT_DIRTY;            /* pte_swp_soft_dirty: the bit comes back */
	if (!page_exclusive(m, (uint64_t)pfn))
		e = (e & ~PTE_RW) | ((v->flags & MAP_PRIVATE) ? PTE_COW : 0);
	else if (fault_write(vmf) && reuse_swap_page(m, (uint64_t)pfn))
		e |= PTE_D;             /* written now: the slot's copy is stale, let it go */
	set_pte(vmf->mm, va, ptep, mk_pte((uint64_t)pfn, e));
	if (major)
		count_major(vmf);
	else
		count_minor(vmf);
	return 0;
}

/*
 * wp_page_reuse for an entry that is neither copy-on-write nor read-only by
 * its mapping, only write-protected to catch the next write (clear_refs 4,
 * soft-dirty.rst): a shared page, or an anonymous page no one else maps, is
 * written in place, dirty and soft-dirty (pte_mkdirty), a minor fault.
 * False for a page that must be copied after all (do_wp_page goes on).
 */
static bool wp_page_notify(struct vm_fault *vmf)
{
	uint64_t e = *vmf->pte, pfn = pte_pfn(e);

	if (!(vmf->vma->flags & MAP_SHARED) && !reuse_swap_page(vmf->m, pfn))
		return false;
	set_pte(vmf->mm, vmf->address, vmf->pte, e | PTE_RW | PTE_A | PTE_D | PTE_SOFT_DIRTY);
	if (!(e & PTE_D))
		page_dirtied(vmf->m, pfn);
	count_minor(vmf);
	return true;
}

/*
 * do_wp_page: a write to a page this entry may not write yet (COW), or a
 * forced write to a private page.  The last mapping of an anonymous page
 * takes it over; otherwise the page is copied into a new anonymous frame.
 * A copy of the zero page is a new zeroed frame (wp_page_copy's
 * is_zero_pfn case: alloc_zeroed_user_highpage_movable), the zero page
 * losing nothing.  The new entry is writable only if the mapping is.
 */
static int do_wp_page(struct vm_fault *vmf)
{
	struct vmfs *m = vmf->m;
	uint64_t va = vmf->address, *ptep = vmf->pte;
	uint64_t e = *ptep, pfn = pte_pfn(e);
	uint64_t keep = e & (PTE_P | PTE_PROTNONE | PTE_US | PTE_NX);
	uint64_t rw = (vmf->vma->prot & PROT_WRITE) ? PTE_RW : 0;

	if (!(e & PTE_COW) && rw && wp_page_notify(vmf))
		return 0;
	if (is_zero_pfn(m, pfn)) {
		struct vmfs_page pg;
		int64_t npfn;
		struct frame *nf;

		anon_vma_prepare(vmf);
		anon_page(vmf, &pg);
		npfn = page_alloc(m, FRAME_ANON, GFP_ZERO | fault_gfp(vmf), &pg);
		if (npfn < 0)
			return oom(vmf, (int)npfn);
		nf = pfn_frame(&m->phys, (uint64_t)npfn);
		nf->mapping = vmf->mm->av;
		nf->index = pg.index;
		set_pte(vmf->mm, va, ptep, mk_pte((uint64_t)npfn, keep | PTE_A | PTE_D | rw));
		page_add_anon_rmap(m, vmf->mm, (uint64_t)npfn);
		page_loaded(m, (uint64_t)npfn);
	} else if (reuse_swap_page(m, pfn)) {
		set_pte(vmf->mm, va, ptep, (e & ~PTE_COW) | PTE_A | PTE_D | rw);
	} else {
		int64_t npfn = copy_to_anon(vmf, pfn);

		if (npfn < 0)
			return oom(vmf, (int)npfn);
		set_pte(vmf->mm, va, ptep, mk_pte((uint64_t)npfn, keep | PTE_A | PTE_D | rw));
		page_add_anon_rmap(m, vmf->mm, (uint64_t)npfn);
		page_remove_rmap(m, vmf->mm, pfn);
		if (vmf->vma->vm_flags & VM_LOCKED)
			munlock_page(m, pfn);   /* page_remove_rmap's munlock_vma_folio */
		page_put(m, pfn);
		try_free_swapcache(m, pfn);
		page_loaded(m, (uint64_t)npfn);
	}
	count_cow(vmf);
	count_minor(vmf);
	return 0;
}

/*
 * handle_pte_fault: by what the leaf entry holds.  A present or PROT_NONE
 * entry reaches here only for a write it does not allow; one that allows
 * the access was a spurious fault (the walk again finds it).
 */
static int handle_pte_fault(struct vm_fault *vmf)
{
	if (!vmf->pte || pte_none(vmf->orig_pte))
		return vmf->vma->obj ? do_fault(vmf) : do_anonymous_page(vmf);
	if (pte_is_swap(vmf->orig_pte))
		return do_swap_page(vmf);
	if (fault_write(vmf) && !(vmf->orig_pte & PTE_RW))
		return do_wp_page(vmf);
	return 0;
}

/*
 * __handle_mm_fault's pmd step, where no pte table holds @va: a none pmd
 * of a mapping eligible for huge pages takes one (do_huge_pmd_anonymous_page,
 * falling back to 4 KiB pages when none is free); a write to a huge leaf
 * that does not allow it is do_huge_pmd_wp_page (reused, or split so that
 * the walk again finds ptes).  1 when the fault is done here, 0 to go on to
 * the pte step, -errno.
 */
static int handle_pmd_fault(struct vm_fault *vmf)
{
	struct vmfs *m = vmf->m;
	uint64_t *pmdp = pmd_offset_huge(m, vmf->mm->cr3, vmf->address);

	if (pmdp && !pmd_trans_huge(*pmdp)) {
		/* PROT_NONE, reached only by a forced access: split, the 4 KiB
		 * path reaches the frame (6.1's follow_trans_huge_pmd needs no split) */
		split_huge_pmd(m, vmf->mm, vmf->address, pmdp);
		return 1;
	}
	if (pmdp) {
		bool cow = *pmdp & PTE_COW;   /* else write-protected for soft-dirty only */

		if (fault_write(vmf) && !(*pmdp & PTE_RW) &&
		    do_huge_pmd_wp_page(m, vmf->mm, vmf->vma, vmf->address, pmdp)) {
			if (cow)
				count_cow(vmf);
			count_minor(vmf);
		}
		return 1;   /* done, or split: the caller walks again */
	}
	if (!thp_vma_allowable(m, vmf->vma, vmf->address))
		return 0;
	if (!(pmdp = pmd_alloc(m, vmf->mm, vmf->address))) {
		vmf->pt_oom = true;
		return oom(vmf, vm_error(-ENOMEM, "out of page-table frames"));
	}
	if (*pmdp || do_huge_pmd_anonymous_page(m, vmf->mm, vmf->vma, vmf->address, pmdp))
		return 0;   /* a pte table there already, or VM_FAULT_FALLBACK */
	count_minor(vmf);
	return 1;
}

int handle_mm_fault(struct vmfs *m, struct mm *mm, struct vma *vma, uint64_t va,
		    unsigned flags, struct vmfs_fault *info, uint64_t *ptep)
{
	struct vm_fault vmf = { .m = m, .mm = mm, .vma = vma, .address = va, .flags = flags,
				.info = info, .pte = ptep };
	int rc = 0;

	assert(va_is_user(&m->geom, va) && vma && va >= vma->start && va < vma->end);
	assert(ptep == pte_offset(m, mm->cr3, va));
	vmf.orig_pte = ptep ? *ptep : 0;
	if (is_vm_hugetlb_page(vma)) {   /* hugetlb_fault: its own path, never split */
		bool cow;

		rc = hugetlb_fault(m, mm, vma, va, fault_write(&vmf), &cow);
		if (rc == 1)   /* VM_FAULT_SIGBUS: the pool has no page for it */
			return fault_sigbus(info, flags, va, NULL);
		if (rc < 0) {
			vmf.pt_oom = rc == -ENOMEM;   /* the only allocation that can fail */
			return oom(&vmf, rc);
		}
		if (cow)
			count_cow(&vmf);
		count_minor(&vmf);
		return 0;
	}
	if (!ptep)
		rc = handle_pmd_fault(&vmf);
	if (rc == 0)
		rc = handle_pte_fault(&vmf);
	else if (rc > 0)
		rc = 0;
	if (rc == 0 && (vma->vm_flags & VM_LOCKED)) {
		/* A page now mapped by a locked mapping is mlocked (mlock_new_folio). */
		uint64_t *p = pte_offset(m, mm->cr3, va);

		if (!p)
			p = pmd_offset_huge(m, mm->cr3, va);
		if (p && pte_resident(*p))
			mlock_page(m, pte_pfn(*p));
	}
	return rc;
}

/*
 * MADV_WILLNEED's read of a swapped anonymous page (madvise_willneed):
 * brought into the swap cache without being mapped, so that the next fault
 * there is minor.  Counted as the read it is (pswpin, pgpgin) but as no
 * fault.  (An object's pages: filemap_willneed, filemap.c.)
 */
int swapin_willneed(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t va,
		    uint64_t slot)
{
	struct vmfs_page pg = { .owner = mm->av->id, .index = linear_page_index(v, va), .anon = 1 };
	uint64_t cached;
	struct frame *f;
	int64_t pfn;
	int rc;

	if (swap_cache_find(&m->swap, slot, &cached))
		return 0;
	pfn = page_alloc(m, FRAME_ANON, GFP_NOWARN, &pg);
	if (pfn < 0)
		return (int)pfn;
	f = pfn_frame(&m->phys, (uint64_t)pfn);
	rc = swap_readpage(&m->swap, slot, page_address(&m->phys, (uint64_t)pfn, true));
	if (rc < 0) {
		page_put(m, (uint64_t)pfn);
		return rc;
	}
	swap_cache_add(&m->swap, slot, (uint64_t)pfn);
	swap_get(&m->swap, slot);
	f->mapping = mm->av;
	f->index = pg.index;
	f->swap = slot;                 /* the frame's one reference is the cache's */
	m->cnt.pswpin++;
	m->cnt.pgpgin++;
	page_loaded(m, (uint64_t)pfn);
	return 1;
}

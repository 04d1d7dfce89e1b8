/*
 * hugetlb_vma.c - mappings of explicit huge pages (see hugetlb_vma.h for
 * what stays true), with Linux 6.1's names:
 *
 *   mmap MAP_HUGETLB        ─► hugetlb_reserve_pages: a resv_map, the pages
 *                               reserved (resv_huge_pages), or ENOMEM
 *   fault, entry none       ─► hugetlb_no_page: the shared mapping's page, or
 *                               a pool page (a reservation consumed), cleared
 *   write, read-only leaf   ─► hugetlb_wp: reuse, or copy all of it
 *   fork                    ─► copy_hugetlb_entry (copy_hugetlb_page_range)
 *   munmap, exit            ─► hugetlb_zap_entry (__unmap_hugepage_range),
 *                               then hugetlb_vm_op_close gives back what
 *                               was reserved and never faulted
 *
 * Where the machine differs from 6.1 (libvmfs(3), HUGE PAGES): the pools
 * never overcommit (no nr_overcommit_hugepages, so no surplus pages are
 * made at mmap); a private mapping's owner whose copy-on-write finds the
 * pool empty gets SIGBUS, where 6.1 takes the page back from the children
 * (unmap_ref_private); a forced (debugger) access reaches no PROT_NONE
 * hugetlb page and writes no read-only one (EFAULT).
 * Called with the machine lock held.
 */
#include "hugetlb_vma.h"
#include "error.h"
#include "page.h"
#include "rmap.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int hugetlb_flags_hstate(const struct vmfs *m, int flags, unsigned *idx)
{
	unsigned log = ((unsigned)flags >> VMFS_MAP_HUGE_SHIFT) & 0x3f;

	if (log == 0 || log == PAGE_SHIFT + HPAGE_PMD_ORDER)
		*idx = HSTATE_2M;
	else if (log == PAGE_SHIFT + HPAGE_PUD_ORDER)
		*idx = HSTATE_1G;
	else
		return vm_error(-EINVAL, "mmap: MAP_HUGETLB with a page size of 2^%u bytes "
				"(the machine has 2 MiB and 1 GiB)", log);
	if (m->geom.levels < (*idx == HSTATE_1G ? 4 : 3))
		return vm_error(-EINVAL, "mmap: %s pages need %d page-table levels, the machine "
				"has %d", *idx == HSTATE_1G ? "1 GiB" : "2 MiB",
				*idx == HSTATE_1G ? 4 : 3, m->geom.levels);
	return 0;
}

/* The entry of @r for the huge page of @v holding @va. */
static uint64_t resv_index(const struct vmfs *m, const struct vma *v, const struct resv_map *r,
			   uint64_t va)
{
	uint64_t idx = (linear_page_index(v, va) >> m->hstates[v->hstate].order) - r->first;

	assert(idx < r->n);
	return idx;
}

int hugetlb_reserve_pages(struct vmfs *m, struct vma *v)
{
	struct hstate *h = &m->hstates[v->hstate];
	uint64_t n = (v->end - v->start) >> (PAGE_SHIFT + h->order);
	struct resv_map *r;

	if (h->free_huge_pages - h->resv_huge_pages < n)
		return vm_error(-ENOMEM, "mmap: %llu huge pages of %s asked, %llu free and not "
				"reserved (HugePages_Free - HugePages_Rsvd)", (unsigned long long)n,
				v->hstate == HSTATE_1G ? "1 GiB" : "2 MiB",
				(unsigned long long)(h->free_huge_pages - h->resv_huge_pages));
	r = calloc(1, sizeof(*r));
	if (r) {
		r->resv = malloc(n);
		r->pages = v->flags & MAP_SHARED ? calloc(n, sizeof(*r->pages)) : NULL;
	}
	if (!r || !r->resv || ((v->flags & MAP_SHARED) && !r->pages)) {
		if (r) {
			free(r->resv);
			free(r->pages);
		}
		free(r);
		return vm_error(-ENOMEM, "out of memory for a hugetlb mapping's reservations");
	}
	memset(r->resv, 1, n);
	r->refcount = 1;
	r->shared = v->flags & MAP_SHARED;
	r->first = v->pgoff >> h->order;
	r->n = n;
	h->resv_huge_pages += n;
	v->resv = r;
	return 0;
}

void hugetlb_vm_op_open(struct vma *v)
{
	if (v->resv)
		v->resv->refcount++;
}

void hugetlb_dup_vma(struct vma *v)
{
	if (v->resv && v->resv->shared)
		v->resv->refcount++;
	else
		v->resv = NULL;   /* hugetlb_dup_vma_private: the child reserves nothing */
}

void hugetlb_vm_op_close(struct vmfs *m, struct vma *v)
{
	struct resv_map *r = v->resv;
	struct hstate *h = &m->hstates[v->hstate];

	if (!r)
		return;
	if (!r->shared) {   /* the owner's reservations in this piece go back */
		uint64_t lo = resv_index(m, v, r, v->start), hi = lo + ((v->end - v->start) >>
							  (PAGE_SHIFT + h->order));

		for (uint64_t i = lo; i < hi; i++)
			if (r->resv[i]) {
				r->resv[i] = 0;
				h->resv_huge_pages--;
			}
	}
	v->resv = NULL;
	if (--r->refcount)
		return;
	for (uint64_t i = 0; i < r->n; i++) {   /* the file goes: its pages and reservations */
		if (r->resv[i])
			h->resv_huge_pages--;
		if (r->pages && r->pages[i])
			page_put(m, r->pages[i] - 1);
	}
	free(r->resv);
	free(r->pages);
	free(r);
}

int hugetlb_split_check(const struct vmfs *m, const struct mm *mm, uint64_t addr,
			const char *call)
{
	const struct vma *v = vma_find(&mm->vmas, addr);
	int shift;

	if (!v || !is_vm_hugetlb_page(v))
		return 0;
	shift = huge_page_shift_vma(m, v);
	if (!(addr & ((1ull << shift) - 1)))
		return 0;
	return vm_error(-EINVAL, "%s: 0x%llx is inside a %s page of the hugetlb mapping "
			"[0x%llx, 0x%llx), which cannot be split there", call,
			(unsigned long long)addr, shift == 30 ? "1 GiB" : "2 MiB",
			(unsigned long long)v->start, (unsigned long long)v->end);
}

/* make_huge_pte: a leaf for @head in @v, writable or not. */
static uint64_t make_huge_pte(const struct vma *v, uint64_t head, bool writable)
{
	uint64_t e = PTE_P | PTE_PS | PTE_US | PTE_A;

	if (writable)
		e |= PTE_RW | PTE_D;
	if (!(v->prot & PROT_EXEC))
		e |= PTE_NX;
	return mk_pte(head, e);
}

/* clear_huge_page: the @nr frames from @head zeroed (nothing to do with contents=none). */
static void clear_huge_page(struct vmfs *m, uint64_t head, uint64_t nr)
{
	if (!m->phys.contents)
		return;
	for (uint64_t i = 0; i < nr; i++)
		memset(page_address(&m->phys, head + i, true), 0, PAGE_SIZE);
}

/* copy_user_huge_page: @nr frames of @src into @dst. */
static void copy_user_huge_page(struct vmfs *m, uint64_t dst, uint64_t src, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++)
		copy_highpage(&m->phys, dst + i, src + i);
}

/* A pool page not promised to anyone (alloc_huge_page without a reservation), or -1. */
static int64_t alloc_huge_page_noresv(struct vmfs *m, struct hstate *h)
{
	if (h->free_huge_pages <= h->resv_huge_pages)
		return -1;
	return dequeue_huge_page(m, h);
}

static int hugetlb_no_page(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t haddr,
			   uint64_t *ep, int shift, bool write)
{
	struct hstate *h = &m->hstates[v->hstate];
	struct resv_map *r = v->resv;
	uint64_t nr = 1ull << h->order, idx = r ? resv_index(m, v, r, haddr) : 0;
	int64_t head;

	if (r && r->shared && r->pages[idx]) {   /* in the page cache: shared */
		head = (int64_t)r->pages[idx] - 1;
		get_page(m, (uint64_t)head);
	} else {
		if (r && r->resv[idx]) {
			head = dequeue_huge_page(m, h);
			assert(head >= 0);   /* reserved: resv_huge_pages <= free_huge_pages */
			r->resv[idx] = 0;
			h->resv_huge_pages--;
		} else if ((head = alloc_huge_page_noresv(m, h)) < 0) {
			return 1;
		}
		clear_huge_page(m, (uint64_t)head, nr);
		if (r && r->shared) {   /* the cache's reference, and the mapping's */
			r->pages[idx] = (uint64_t)head + 1;
			get_page(m, (uint64_t)head);
		}
	}
	page_add_hugetlb_rmap(m, mm, (uint64_t)head, nr);
	set_huge_pte_at(mm, haddr, ep, make_huge_pte(v, (uint64_t)head, (v->prot & PROT_WRITE) &&
						       ((v->flags & MAP_SHARED) || write)), shift);
	return 0;
}

static int hugetlb_wp(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t haddr,
		      uint64_t *ep, int shift, bool *cow)
{
	struct hstate *h = &m->hstates[v->hstate];
	uint64_t e = *ep, old = pte_pfn(e), nr = 1ull << h->order;
	struct frame *f = pfn_frame(&m->phys, old);
	int64_t copy;

	if (!(v->prot & PROT_WRITE))
		return vm_error(-EFAULT, "a forced write to read-only hugetlb page 0x%llx",
				(unsigned long long)haddr);
	if ((v->flags & MAP_SHARED) || (f->mapcount == 1 && f->refcount == 1)) {
		/* the only mapping of an anonymous page takes it over (reuse) */
		*cow = e & PTE_COW;
		set_huge_pte_at(mm, haddr, ep, (e & ~PTE_COW) | PTE_RW | PTE_A | PTE_D, shift);
		return 0;
	}
	if ((copy = alloc_huge_page_noresv(m, h)) < 0)
		return 1;
	copy_user_huge_page(m, (uint64_t)copy, old, nr);
	page_add_hugetlb_rmap(m, mm, (uint64_t)copy, nr);
	set_huge_pte_at(mm, haddr, ep, make_huge_pte(v, (uint64_t)copy, true), shift);
	page_remove_hugetlb_rmap(m, mm, old, nr);
	page_put(m, old);
	*cow = true;
	return 0;
}

int hugetlb_fault(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t va, bool write,
		  bool *cow)
{
	int shift = huge_page_shift_vma(m, v);
	int level = m->geom.levels - 1 - (shift - PAGE_SHIFT) / 9;
	uint64_t haddr = va & ~((1ull << shift) - 1), *ep, e;

	*cow = false;
	if (v->prot == PROT_NONE)
		return vm_error(-EFAULT, "hugetlb page 0x%llx is PROT_NONE", (unsigned long long)haddr);
	if (!(ep = huge_pte_alloc(m, mm, haddr, level)))
		return vm_error(-ENOMEM, "out of page-table frames");
	e = *ep;
	if (!e)
		return hugetlb_no_page(m, mm, v, haddr, ep, shift, write);
	assert(pt_leaf_hugetlb(&m->phys, e));
	if (!(e & PTE_P))
		return vm_error(-EFAULT, "hugetlb page 0x%llx is PROT_NONE", (unsigned long long)haddr);
	if (write && !(e & PTE_RW))
		return hugetlb_wp(m, mm, v, haddr, ep, shift, cow);
	return 0;
}

int hugetlb_zap_entry(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level,
		      void *arg)
{
	uint64_t head = pte_pfn(*ep);
	int shift = pt_shift(&m->geom, level);

	(void)arg;
	set_huge_pte_at(mm, va, ep, 0, shift);
	page_remove_hugetlb_rmap(m, mm, head, 1ull << (shift - PAGE_SHIFT));
	page_put(m, head);   /* the last reference: back to the pool (free_huge_page) */
	return 0;
}

int copy_hugetlb_entry(struct vmfs *m, struct mm *src, struct mm *dst, const struct vma *v,
		       uint64_t va, uint64_t *ep, int level)
{
	uint64_t *dep = huge_pte_alloc(m, dst, va, level), e = *ep, head = pte_pfn(e);
	int shift = pt_shift(&m->geom, level);

	if (!dep)
		return -ENOMEM;
	if (v->flags & MAP_PRIVATE) {   /* huge_ptep_set_wrprotect: both sides COW */
		uint64_t wp = (e & ~PTE_RW) | PTE_COW;

		if (wp != e)
			set_huge_pte_at(src, va, ep, wp, shift);
		e = wp;
	}
	get_page(m, head);
	page_add_hugetlb_rmap(m, dst, head, 1ull << (shift - PAGE_SHIFT));
	set_pte_init(dep, e & ~PTE_A);   /* the child has not run: its TLB is empty */
	return 0;
}

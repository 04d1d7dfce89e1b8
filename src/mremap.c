/*
 * mremap.c - mremap: grow, shrink or move a mapping, as Linux 6.1's
 * mm/mremap.c does.
 *
 *   shrink     (new_len < old_len) the tail goes, as munmap would take it
 *              (the address must lie in a mapping: EFAULT);
 *   grow       in place where the range after the mapping is free (the
 *              mapping is extended, not merged with the next one: 6.1's
 *              vma_adjust); else, with MREMAP_MAYMOVE, moved to a place
 *              get_unmapped_area finds; else ENOMEM;
 *   MREMAP_FIXED      moved to new_addr, what was there unmapped first;
 *   MREMAP_DONTUNMAP  moved (same length), the old mapping staying with
 *              no pages in it: the next touch there is a fresh zero page,
 *              or the object's page; it loses VM_LOCKED.
 * A move (move_vma) makes the new mapping with copy_vma, which keeps
 * vm_pgoff, so every page keeps its index: move_page_tables carries the
 * entries themselves (present, swap and zero-page entries, made
 * soft-dirty) to the new addresses, so that anonymous pages keep their
 * frames and their swap slots, and the reverse map (rmap.c) finds them
 * there through the pgoff the new mapping keeps.  The old range is then
 * unmapped, less the charge of what moved: VM_ACCOUNT mappings charge
 * new_len - old_len (new_len with DONTUNMAP, whose old mapping keeps its
 * charge), a VM_LOCKED one counts new_len in locked_vm and has what it
 * grew populated.
 *
 * errno as Linux's: EINVAL for unknown flags, FIXED or DONTUNMAP without
 * MAYMOVE, DONTUNMAP with a change of length, a misaligned address, a
 * zero new length, a length that overflows when rounded to pages, an
 * old length of 0 for a private mapping (newer kernels' refusal; 6.1
 * made an unrelated new mapping), a new range outside user space or
 * overlapping the old one; EFAULT when addr is in no mapping or the old
 * range runs past its mapping's end; EAGAIN past the memlock limit;
 * ENOMEM when growing in place is impossible without MAYMOVE, when no
 * room is found, when the charge is refused (vm.overcommit_memory), near
 * max_map_count (Linux's own margins: a move needs the count below
 * max_map_count - 3, a MREMAP_FIXED or DONTUNMAP one below
 * max_map_count - 5), or when the page-table pool could not hold the new
 * range's tables.  Where Linux unmaps the destination (FIXED) or the
 * tail (a shrinking FIXED move) before a check that may still fail, the
 * machine checks everything first: a failing call changes nothing.
 * Called with the machine lock held.
 */
#include "machine.h"
#include "error.h"
#include "huge_memory.h"
#include "hugetlb_vma.h"
#include "mmap.h"
#include "pgtable.h"
#include "rmap.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define MREMAP_KNOWN (MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)

/* Everything a move may need, allocated before it changes anything. */
struct mremap_res {
	struct spares dst, tail, old;   /* FIXED's unmap, a shrink's, the old range's */
	struct vma   *fresh;            /* the new mapping, if copy_vma merges nothing */
};

static int res_get(struct mremap_res *r)
{
	*r = (struct mremap_res){ .fresh = calloc(1, sizeof(struct vma)) };
	if (!r->fresh || spares_get(&r->dst) < 0 || spares_get(&r->tail) < 0 ||
	    spares_get(&r->old) < 0) {
		spares_put(&r->dst);
		spares_put(&r->tail);
		free(r->fresh);
		return vm_error(-ENOMEM, "mremap: out of memory for a mapping");
	}
	return 0;
}

static void res_put(struct mremap_res *r)
{
	spares_put(&r->dst);
	spares_put(&r->tail);
	spares_put(&r->old);
	free(r->fresh);
}

/* Round @len up to pages: false if that overflows. */
static bool page_align(uint64_t len, uint64_t *out)
{
	if (len > UINT64_MAX - (PAGE_SIZE - 1))
		return false;
	*out = (len + PAGE_SIZE - 1) & PAGE_MASK;
	return true;
}

/*
 * Room in the page-table pool for the tables of a range of @len bytes
 * wherever it lies: at most len / coverage + 2 tables per level below the
 * top one.  -ENOMEM if the pool might run dry during move_page_tables.
 */
static int pt_room(struct vmfs *m, uint64_t len)
{
	const struct pt_geom *g = &m->geom;
	uint64_t need = 0;

	for (int l = 1; l < g->levels; l++)
		need += (len >> (pt_shift(g, l) + 9)) + 2;
	if (m->phys.pt_max - m->phys.pt_inuse >= need)
		return 0;
	return vm_error(-ENOMEM, "mremap: the page-table pool has no room for the new range's "
			"tables (%llu in use of %llu)", (unsigned long long)m->phys.pt_inuse,
			(unsigned long long)m->phys.pt_max);
}

struct move {
	uint64_t old_addr, new_addr;
};

/* move_ptes for one entry: to the same offset from new_addr, soft-dirty. */
static int move_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	const struct move *mv = arg;
	uint64_t nva = mv->new_addr + (va - mv->old_addr), *dst = pte_alloc(m, mm, nva);

	assert(dst && !*dst);   /* pt_room made sure; the new range was free */
	if (!dst)
		return -ENOMEM;
	set_pte(mm, nva, dst, *ptep | PTE_SOFT_DIRTY);
	set_pte(mm, va, ptep, 0);
	return 0;
}

/*
 * move_huge_pmd: a huge leaf wholly inside the range goes whole when its
 * new place is 2 MiB-aligned (and empty, as the new range is), soft-dirty
 * as move_pte makes a pte; elsewhere it is split and its ptes move one by
 * one (6.1 splits it there too: move_page_tables' split_huge_pmd).
 */
static int move_pmd(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp, void *arg)
{
	const struct move *mv = arg;
	uint64_t nva = mv->new_addr + (va - mv->old_addr), *dst;

	dst = nva & ~HPAGE_PMD_MASK ? NULL : pmd_alloc(m, mm, nva);   /* pt_room made sure */
	if (!dst || *dst) {
		split_huge_pmd(m, mm, va, pmdp);   /* the walk goes on into its ptes */
		return 0;
	}
	set_pte(mm, nva, dst, *pmdp | PTE_SOFT_DIRTY);
	set_pte(mm, va, pmdp, 0);
	return 0;
}

/* move_page_tables: every entry of [old_addr, +len) to new_addr; the old tables freed. */
static void move_page_tables(struct vmfs *m, struct mm *mm, uint64_t old_addr,
			     uint64_t new_addr, uint64_t len)
{
	static const struct mm_walk_ops ops = { .pte_entry = move_pte, .free_empty = true,
						.pmd_entry = move_pmd };
	struct move mv = { .old_addr = old_addr, .new_addr = new_addr };

	walk_page_range(m, mm, old_addr, old_addr + len, &ops, &mv);
}

/*
 * vma_to_resize: the checks on the mapping at @addr before it grows or
 * moves, with @vend the end it will have by then (a FIXED move's
 * unmapping of the destination or the tail may cut it).
 */
static int vma_to_resize(const struct vmfs *m, const struct mm *mm, const struct vma *v,
			 uint64_t vend, uint64_t addr, uint64_t old_len, uint64_t new_len)
{
	if (!old_len && !(v->flags & MAP_SHARED))
		return vm_error(-EINVAL, "mremap: an old length of 0 duplicates only a shared "
				"mapping");
	if (old_len > vend - addr)
		return vm_error(-EFAULT, "mremap: [0x%llx, +0x%llx) runs past its mapping's end "
				"0x%llx", (unsigned long long)addr, (unsigned long long)old_len,
				(unsigned long long)vend);
	if (new_len == old_len)
		return 0;
	if (linear_page_index(v, addr) + (new_len >> PAGE_SHIFT) < linear_page_index(v, addr))
		return vm_error(-EINVAL, "mremap: the mapping's page offset would overflow");
	if (new_len > old_len)
		return mlock_future_check(m, mm, v->vm_flags, new_len - old_len, "mremap");
	return 0;
}

/*
 * The map-count margin Linux keeps before a move: fewer than
 * max_map_count - 3 mappings (move_vma), fewer than max_map_count - 5 for
 * mremap_to, which may split two more first.
 */
static int check_margin(const struct vmfs *m, const struct mm *mm, uint64_t extra)
{
	uint64_t max = m->opt.max_map_count;

	if (max >= 3 && mm->vmas.count + extra < max - 3)
		return 0;
	return vm_error(-ENOMEM, "mremap: process %d has %llu mappings, too near "
			"max_map_count %llu to move one", mm->pid,
			(unsigned long long)mm->vmas.count, (unsigned long long)max);
}

/*
 * Everything a move needs before it changes anything: the new place
 * (*@dst itself with MREMAP_FIXED, else get_unmapped_area with *@dst as
 * the hint), move_vma's charge and the tables, and @r allocated.
 */
static int prepare_move(struct vmfs *m, struct mm *mm, const struct vma *v, uint64_t old_len,
			uint64_t new_len, int flags, uint64_t *dst, struct mremap_res *r)
{
	uint64_t to_account = (flags & MREMAP_DONTUNMAP) ? new_len : new_len - old_len;
	int rc;

	if (!(flags & MREMAP_FIXED) && get_unmapped_area(mm, *dst, new_len, dst) < 0)
		return vm_error(-ENOMEM, "mremap: no free range of 0x%llx bytes",
				(unsigned long long)new_len);
	if ((v->flags & VMA_ACCOUNT) &&
	    (rc = vm_enough_memory(m, mm, to_account >> PAGE_SHIFT, 0, mm->vm_pages)) < 0)
		return rc;
	if ((rc = pt_room(m, new_len)) < 0)
		return rc;
	return res_get(r);
}

/*
 * move_vma: [old_addr, +old_len) of @v to [new_addr, +new_len), a free
 * range; everything checked and allocated (@r) already.
 */
static uint64_t move_vma(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t old_addr,
			 uint64_t old_len, uint64_t new_len, uint64_t new_addr, int flags,
			 struct mremap_res *r)
{
	bool locked = v->vm_flags & VM_LOCKED, account = v->flags & VMA_ACCOUNT;
	struct vma *nv, *ov;

	nv = copy_vma(m, mm, v, new_addr, new_len, linear_page_index(v, old_addr), &r->fresh);
	if (old_len)
		move_page_tables(m, mm, old_addr, new_addr, old_len);
	if (account)
		m->committed += new_len >> PAGE_SHIFT;   /* the old range's comes back below */
	mm->vm_pages += new_len >> PAGE_SHIFT;
	if (locked)
		mm->locked_vm += new_len >> PAGE_SHIFT;
	if (flags & MREMAP_DONTUNMAP) {
		/*
		 * The old mapping stays, empty, and loses VM_LOCKED (6.1
		 * clears it on the whole mapping); if the move took all of it,
		 * its anon_vma too (unlink_anon_vmas).
		 */
		ov = vma_find(&mm->vmas, old_addr);
		if (ov != nv) {
			munlock_vmas(m, mm, ov->start, ov->end);
			if (ov->start == old_addr && ov->end == old_addr + old_len) {
				ov->anon_vma = 0;
				ov->anon_vma_forked = false;
			}
		}
	} else if (old_len) {
		unmap_range(m, mm, old_addr, old_addr + old_len, &r->old);
	}
	if (mm->vm_pages > mm->vm_peak)
		mm->vm_peak = mm->vm_pages;
	if (locked && new_len > old_len)
		populate_range(m, mm, new_addr + old_len, new_addr + new_len, true);
	return new_addr;
}

/* mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP. */
static int mremap_to(struct vmfs *m, struct mm *mm, struct vma *v, uint64_t addr,
		     uint64_t old_len, uint64_t new_addr, uint64_t new_len, int flags,
		     uint64_t *out)
{
	uint64_t top = mm->vmas.top, vend = v->end, dst = new_addr, old_end = addr + old_len;
	struct mremap_res r;
	int rc;

	if (new_addr & ~PAGE_MASK)
		return vm_error(-EINVAL, "mremap: new address 0x%llx is not page-aligned",
				(unsigned long long)new_addr);
	if (new_len > top || new_addr > top - new_len)
		return vm_error(-EINVAL, "mremap: [0x%llx, +0x%llx) is outside user space",
				(unsigned long long)new_addr, (unsigned long long)new_len);
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return vm_error(-EINVAL, "mremap: the new range [0x%llx, +0x%llx) overlaps the old "
				"one", (unsigned long long)new_addr, (unsigned long long)new_len);
	if ((rc = check_margin(m, mm, 2)) < 0)
		return rc;
	/* MREMAP_FIXED's do_munmap of the destination splits no hugetlb page */
	if ((flags & MREMAP_FIXED) &&
	    ((rc = hugetlb_split_check(m, mm, new_addr, "mremap")) < 0 ||
	     (rc = hugetlb_split_check(m, mm, new_addr + new_len, "mremap")) < 0))
		return rc;
	/* What the unmapping of the destination and of the tail leave of @v. */
	if ((flags & MREMAP_FIXED) && new_addr >= addr && new_addr < vend)
		vend = new_addr;
	if (old_len > new_len) {
		if (old_len > top || addr > top - old_len)   /* the tail's do_munmap */
			return vm_error(-EINVAL, "mremap: [0x%llx, +0x%llx) is outside user space",
					(unsigned long long)addr, (unsigned long long)old_len);
		if (addr + new_len < vend)
			vend = addr + new_len;
		old_len = new_len;
	}
	if ((rc = vma_to_resize(m, mm, v, vend, addr, old_len, new_len)) < 0)
		return rc;
	/* DONTUNMAP alone: new_addr is a hint, as mmap's */
	if ((rc = prepare_move(m, mm, v, old_len, new_len, flags, &dst, &r)) < 0)
		return rc;
	if (flags & MREMAP_FIXED)
		unmap_range(m, mm, dst, dst + new_len, &r.dst);
	if (old_end > addr + old_len)         /* shrinking: the tail goes first */
		unmap_range(m, mm, addr + old_len, old_end, &r.tail);
	v = vma_find(&mm->vmas, addr);        /* the unmapping may have split it */
	*out = move_vma(m, mm, v, addr, old_len, new_len, dst, flags, &r);
	res_put(&r);
	return 0;
}

int do_mremap(struct vmfs *m, int pid, uint64_t addr, uint64_t old_len, uint64_t new_len,
	      int flags, uint64_t new_addr, uint64_t *out)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t res = 0, dst;
	struct mremap_res r;
	struct vma *v;
	int rc;

	if (!mm)
		return -ESRCH;
	if (flags & ~MREMAP_KNOWN)
		return vm_error(-EINVAL, "mremap: unknown flags 0x%x", flags & ~MREMAP_KNOWN);
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return vm_error(-EINVAL, "mremap: MREMAP_FIXED needs MREMAP_MAYMOVE");
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return vm_error(-EINVAL, "mremap: MREMAP_DONTUNMAP needs MREMAP_MAYMOVE and the "
				"same old and new length");
	if (addr & ~PAGE_MASK)
		return vm_error(-EINVAL, "mremap: address 0x%llx is not page-aligned",
				(unsigned long long)addr);
	if (!page_align(old_len, &old_len) || !page_align(new_len, &new_len))
		return vm_error(-EINVAL, "mremap: a length overflows when rounded to pages");
	if (!new_len)
		return vm_error(-EINVAL, "mremap: zero new length");
	v = vma_find(&mm->vmas, addr);
	if (!v)
		return vm_error(-EFAULT, "mremap: 0x%llx is not mapped", (unsigned long long)addr);
	if (v->vm_flags & VM_HUGETLB)   /* (6.1 moves aligned hugetlb ranges: libvmfs(3)) */
		return vm_error(-EINVAL, "mremap: 0x%llx is in a hugetlb mapping, which the "
				"machine does not remap", (unsigned long long)addr);
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		if ((rc = mremap_to(m, mm, v, addr, old_len, new_addr, new_len, flags, &res)) < 0)
			return rc;
		goto done;
	}
	if (old_len >= new_len) {
		/* Always allow a shrinking remap: that just unmaps the tail. */
		if (old_len > new_len && (rc = do_munmap(m, pid, addr + new_len, old_len - new_len)) < 0)
			return rc;
		res = addr;
		goto done;
	}
	if ((rc = vma_to_resize(m, mm, v, v->end, addr, old_len, new_len)) < 0)
		return rc;
	if (old_len == v->end - addr && v->end + (new_len - old_len) > v->end &&
	    v->end + (new_len - old_len) <= mm->vmas.top &&
	    vma_range_free(&mm->vmas, v->end, v->end + (new_len - old_len))) {
		/* vma_expandable: grow in place (vma_adjust; no merge with the next mapping) */
		uint64_t pages = (new_len - old_len) >> PAGE_SHIFT;

		if ((v->flags & VMA_ACCOUNT) &&
		    (rc = vm_enough_memory(m, mm, pages, 0, mm->vm_pages)) < 0)
			return rc;
		if (v->flags & VMA_ACCOUNT)
			m->committed += pages;
		v->end += new_len - old_len;
		vma_changed(&mm->vmas, v);
		mm->vm_pages += pages;
		if (mm->vm_pages > mm->vm_peak)
			mm->vm_peak = mm->vm_pages;
		if (v->vm_flags & VM_LOCKED) {
			mm->locked_vm += pages;
			populate_range(m, mm, addr + old_len, addr + new_len, true);
		}
		res = addr;
		goto done;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return vm_error(-ENOMEM, "mremap: [0x%llx, +0x%llx) cannot grow in place and "
				"MREMAP_MAYMOVE is not given", (unsigned long long)addr,
				(unsigned long long)old_len);
	if ((rc = check_margin(m, mm, 0)) < 0)
		return rc;
	dst = 0;        /* no hint: top-down */
	if ((rc = prepare_move(m, mm, v, old_len, new_len, flags, &dst, &r)) < 0)
		return rc;
	res = move_vma(m, mm, v, addr, old_len, new_len, dst, flags, &r);
	res_put(&r);
done:
	if (out)
		*out = res;
	return 0;
}

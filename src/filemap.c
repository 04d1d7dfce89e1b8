/*
 * filemap.c - an object's page cache as faults and madvise read it: a page
 * found or brought in (filemap_get_page, the page-cache half of Linux 6.1's
 * filemap_fault and shmem_fault), MADV_WILLNEED's read (filemap_willneed),
 * and readahead of object pages around faults, as Linux 6.1's mm/filemap.c
 * (do_sync_mmap_readahead, do_async_mmap_readahead) and mm/readahead.c
 * (page_cache_sync_ra, page_cache_async_ra, ondemand_readahead,
 * do_page_cache_ra, page_cache_ra_unbounded) do it for a mapped file with
 * no large folios.
 *
 * The window is ra_pages = vm.read_ahead_kb / 4 pages (read_ahead_kb=N,
 * default Linux's 128 KiB: 32 pages); 0 turns readahead off.  On a major
 * fault at page pgoff of a store object or host file:
 *   VM_RAND_READ  nothing more is read;
 *   VM_SEQ_READ   page_cache_sync_ra: ondemand_readahead with a request of
 *                 ra_pages (at page 0 the initial window, ramped; where the
 *                 previous window expected the next read, the next window;
 *                 else ra_pages pages from pgoff, leaving the state alone);
 *   otherwise     mmap_miss counts up (to 10 * MMAP_LOTSAMISS); past
 *                 MMAP_LOTSAMISS no read-around, else read-around: the
 *                 window [max(0, pgoff - ra_pages/2), + ra_pages), its last
 *                 ra_pages/4 pages ahead (async_size).
 * On a minor fault (the page in the cache) mmap_miss counts down, and if
 * the page carries the readahead mark (FRAME_READAHEAD, PG_readahead) the
 * mark is cleared and page_cache_async_ra reads the next window.
 * A window is clipped to the object's size and skips pages in the cache;
 * the page at size - async_size of a window, if this window read it, gets
 * the mark.  Pages read ahead go into the page cache through
 * filemap_willneed (MADV_WILLNEED's read), are counted in pgpgin
 * and are not mapped (Linux maps cached neighbours of a read fault,
 * do_fault_around; the machine does not, so the next touch of such a page
 * is a minor fault).  A window stops at the first page no frame is found
 * for, as Linux's stops at a failed allocation.
 *
 * Where this differs from Linux: the state (struct file_ra_state) is the
 * object's, not an open file's; ra_pages follows vm.read_ahead_kb at once
 * (Linux copies the device's value at open); prev_pos never moves (no
 * read(2) of an object goes through here), so ondemand_readahead's
 * sequential-miss test never holds, and try_context_readahead never
 * succeeds with a request of ra_pages (its history is at most ra_pages):
 * both are left out.  Called with the machine lock held.
 */
#include "filemap.h"
#include "page.h"
#include "phys.h"
#include "store.h"
#include "swap.h"
#include "vma.h"
#include "vmscan.h"

int64_t filemap_get_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, unsigned gfp,
			 bool *major)
{
	const uint64_t *cached = vmobj_lookup(o, pgoff);
	struct vmfs_page pg = { .owner = o->id, .index = pgoff };
	bool swapped = cached && (*cached & VMOBJ_SWAPPED), file = vmobj_is_file(o);
	int64_t pfn;
	int rc = 0;

	*major = false;
	if (cached && !swapped)
		return (int64_t)*cached;
	pfn = page_alloc(m, FRAME_CACHE, (!swapped && !file ? GFP_ZERO : 0) | gfp, &pg);
	if (pfn < 0)
		return pfn;
	cached = vmobj_lookup(o, pgoff);   /* reclaim may have reshaped the cache */
	if (swapped) {
		uint64_t slot = *cached & ~VMOBJ_SWAPPED;

		rc = swap_readpage(&m->swap, slot, page_address(&m->phys, (uint64_t)pfn, true));
		if (rc == 0) {
			vmobj_swapin_page(m, o, pgoff, (uint64_t)pfn);
			m->cnt.pswpin++;
			m->cnt.pgpgin++;
		}
	} else {
		if (o->kind == VMOBJ_HOST && m->phys.contents)
			rc = vmobj_host_read(o, pgoff, pfn_to_virt(&m->phys, (uint64_t)pfn));
		else if (file && m->phys.contents)
			rc = store_obj_page_read(m->store, o->sid, pgoff, pfn_to_virt(&m->phys, (uint64_t)pfn));
		if (rc == 0 && file)
			m->cnt.pgpgin++;        /* read from the store or the host file */
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

int filemap_willneed(struct vmfs *m, struct vmobj *o, uint64_t pgoff)
{
	const uint64_t *cached = vmobj_lookup(o, pgoff);
	bool major;
	int64_t pfn;

	if (vmobj_is_file(o) && pgoff >= (o->size + PAGE_SIZE - 1) >> PAGE_SHIFT)
		return 0;                /* past the end: nothing to read */
	if (cached ? !(*cached & VMOBJ_SWAPPED) : o->kind == VMOBJ_SHMEM)
		return 0;                /* cached already, or a shmem hole (shmem_swapin_range) */
	pfn = filemap_get_page(m, o, pgoff, GFP_NOWARN, &major);
	return pfn < 0 ? (int)pfn : 1;
}

/* ---- readahead ------------------------------------------------------------- */

/* One readahead: Linux's struct readahead_control. */
struct ra_ctl {
	struct vmfs  *m;
	struct vmobj *o;
	uint64_t      index;    /* ractl->_index: where the next read starts */
};

uint64_t ra_pages(const struct vmfs *m)
{
	return m->opt.read_ahead_kb >> (PAGE_SHIFT - 10);
}

/* get_init_ra_size: the first window for a read of @size pages. */
static uint64_t get_init_ra_size(uint64_t size, uint64_t max)
{
	uint64_t newsize = 1;

	while (newsize < size)          /* roundup_pow_of_two */
		newsize <<= 1;
	if (newsize <= max / 32)
		return newsize * 4;
	if (newsize <= max / 4)
		return newsize * 2;
	return max;
}

/* get_next_ra_size: the window after one of ra->size pages. */
static uint64_t get_next_ra_size(const struct file_ra_state *ra, uint64_t max)
{
	uint64_t cur = ra->size;

	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

/*
 * page_cache_ra_unbounded: read pages [index, index + nr) not yet cached;
 * the one at nr - lookahead, if read now, is marked.
 */
static void page_cache_ra_unbounded(struct ra_ctl *c, uint64_t nr, uint64_t lookahead)
{
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t pgoff = c->index + i;
		int rc = filemap_willneed(c->m, c->o, pgoff);

		if (rc < 0)
			break;                  /* no frame: the window ends here */
		if (rc > 0 && i == nr - lookahead)
			pfn_frame(&c->m->phys, *vmobj_lookup(c->o, pgoff))->flags |= FRAME_READAHEAD;
	}
}

/* do_page_cache_ra: page_cache_ra_unbounded clipped to the object's size. */
static void do_page_cache_ra(struct ra_ctl *c, uint64_t nr, uint64_t lookahead)
{
	uint64_t end_index;

	if (!c->o->size)
		return;
	end_index = (c->o->size - 1) >> PAGE_SHIFT;
	if (c->index > end_index)
		return;
	if (nr > end_index - c->index)
		nr = end_index - c->index + 1;
	page_cache_ra_unbounded(c, nr, lookahead);
}

/*
 * ondemand_readahead: the window for a read of @req_size pages at c->index,
 * @marked when a readahead mark was hit there (page_cache_async_ra), else a
 * cache miss (page_cache_sync_ra).
 */
static void ondemand_readahead(struct ra_ctl *c, bool marked, uint64_t req_size)
{
	struct file_ra_state *ra = &c->o->ra;
	uint64_t max_pages = ra_pages(c->m), index = c->index, add_pages;

	if (!index)
		goto initial_readahead;
	/* The expected index: assume sequential access, ramp up, push forward. */
	if (index == ra->start + ra->size - ra->async_size || index == ra->start + ra->size) {
		ra->start += ra->size;
		ra->size = (uint32_t)get_next_ra_size(ra, max_pages);
		ra->async_size = ra->size;
		goto readit;
	}
	/* A mark hit without a matching state (interleaved streams): ask the cache. */
	if (marked) {
		uint64_t start = index + max_pages;

		/* page_cache_next_miss(index + 1, max_pages): the first page
		 * not cached, or the last one looked at */
		for (uint64_t k = 0; k < max_pages; k++)
			if (!vmobj_lookup(c->o, index + 1 + k)) {
				start = index + 1 + k;
				break;
			}
		ra->start = start;
		ra->size = (uint32_t)(start - index + req_size);
		ra->size = (uint32_t)get_next_ra_size(ra, max_pages);
		ra->async_size = ra->size;
		goto readit;
	}
	if (req_size > max_pages)
		goto initial_readahead;
	/* A standalone read: as it is, the state left alone. */
	do_page_cache_ra(c, req_size, 0);
	return;

initial_readahead:
	ra->start = index;
	ra->size = (uint32_t)get_init_ra_size(req_size, max_pages);
	ra->async_size = ra->size > req_size ? (uint32_t)(ra->size - req_size) : ra->size;
readit:
	/* Would this read hit its own mark?  Then merge the next window in now. */
	if (index == ra->start && ra->size == ra->async_size) {
		add_pages = get_next_ra_size(ra, max_pages);
		if (ra->size + add_pages <= max_pages) {
			ra->async_size = (uint32_t)add_pages;
			ra->size += (uint32_t)add_pages;
		} else {
			ra->size = (uint32_t)max_pages;
			ra->async_size = (uint32_t)(max_pages >> 1);
		}
	}
	c->index = ra->start;
	do_page_cache_ra(c, ra->size, ra->async_size);   /* page_cache_ra_order, order 0 */
}

void do_sync_mmap_readahead(struct vmfs *m, const struct vma *v, struct vmobj *o, uint64_t pgoff)
{
	struct ra_ctl c = { .m = m, .o = o, .index = pgoff };
	struct file_ra_state *ra = &o->ra;
	uint64_t pages = ra_pages(m);

	if ((v->vm_flags & VM_RAND_READ) || !pages)
		return;
	if (v->vm_flags & VM_SEQ_READ) {
		ondemand_readahead(&c, false, pages);   /* page_cache_sync_ra */
		return;
	}
	if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
		ra->mmap_miss++;
	if (ra->mmap_miss > MMAP_LOTSAMISS)
		return;                 /* misses far more than hits: read-around only hurts */
	/* mmap read-around */
	ra->start = pgoff > pages / 2 ? pgoff - pages / 2 : 0;
	ra->size = (uint32_t)pages;
	ra->async_size = (uint32_t)(pages / 4);
	c.index = ra->start;
	do_page_cache_ra(&c, ra->size, ra->async_size);
}

void do_async_mmap_readahead(struct vmfs *m, const struct vma *v, struct vmobj *o, uint64_t pgoff,
			     uint64_t pfn)
{
	struct ra_ctl c = { .m = m, .o = o, .index = pgoff };
	struct frame *f = pfn_frame(&m->phys, pfn);
	bool pinned = f->flags & FRAME_LOCKED;

	if ((v->vm_flags & VM_RAND_READ) || !ra_pages(m))
		return;
	if (o->ra.mmap_miss)
		o->ra.mmap_miss--;
	if (!(f->flags & FRAME_READAHEAD))
		return;
	f->flags &= ~FRAME_READAHEAD;   /* page_cache_async_ra */
	f->flags |= FRAME_LOCKED;       /* the fault maps it after the reads */
	ondemand_readahead(&c, true, ra_pages(m));
	if (!pinned)
		f->flags &= ~FRAME_LOCKED;
}

/*
 * phys.c - simulated physical memory, frame allocator and page-table frame
 * pool (see phys.h for the layout and the frame life cycle).
 *
 * Data frames are handed out by a buddy allocator with a pcp list in
 * front (phys.h says how; free_list_add, free_one_page, rmqueue_smallest
 * and drain_all_pages carry Linux's names for its steps).
 *
 * The host mapping is reserved once with MAP_NORESERVE and never moves, so
 * a pointer into it (a TLB's pointer to a page-table entry, say) stays valid
 * for the machine's life.  Data frames and the kernel image are faulted in
 * at open: the simulated machine's RAM exists from power-on, so first touch
 * inside the simulation costs only the simulation's own work (with
 * contents=none only the kernel image is: data frames have no bytes, and
 * their part of the mapping is never touched).  Page-table frames are
 * committed as the pool grows, up to pt_max, which is bounded by
 * the host's memory (pt_pool_max): a process touching pages sparsely all
 * over its 128 TiB needs a table or three per page, and must run the pool
 * dry (pt_alloc returns -1, its callers fail with ENOMEM) long before it
 * runs the host out of memory.
 */
#include "phys.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void *reserve(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Fault in [p, p+bytes) so that the simulation never waits on the host. */
static void populate(uint8_t *p, uint64_t bytes)
{
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	if (madvise(p, bytes, MADV_POPULATE_WRITE) == 0)
		return;
#endif
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE)
		((volatile uint8_t *)p)[off] = 0;
}

/* The host's memory in bytes, 0 when it cannot be told. */
static uint64_t host_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	return pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
}

/*
 * The simulated RAM is committed at open, so it must fit in the host's: a
 * machine bigger than three quarters of the host's memory (with its frame
 * table) is refused with ENOMEM rather than left to the host's OOM killer.
 */
static bool fits_host(uint64_t nframes, uint64_t kernel_pages, bool contents)
{
	uint64_t host = host_bytes();
	uint64_t need = ((contents ? nframes : 0) + kernel_pages) * PAGE_SIZE +
			nframes * (sizeof(struct frame) + sizeof(uint32_t));

	return !host || need / 3 <= host / 4;
}

uint64_t pt_pool_max(uint64_t host)
{
	uint64_t quarter = host / 4 / PAGE_SIZE;

	return host && quarter < PT_MAX_FRAMES ? quarter : PT_MAX_FRAMES;
}

/*
 * The buddy lists: circular, doubly linked through the free block's first
 * frame, whose index holds prev << 32 | next (a free frame has no mapping
 * or index of its own); free_head[o] is the first block, NO_PFN32 none.
 */
static unsigned frame_order_free(const struct frame *f)
{
	return (f->flags & FRAME_ORDER_MASK) >> FRAME_ORDER_SHIFT;
}

static uint32_t fl_next(const struct phys *p, uint64_t pfn) { return (uint32_t)p->frames[pfn].index; }
static uint32_t fl_prev(const struct phys *p, uint64_t pfn) { return (uint32_t)(p->frames[pfn].index >> 32); }

static void fl_link(struct phys *p, uint64_t pfn, uint64_t prev, uint64_t next)
{
	p->frames[pfn].index = prev << 32 | next;
}

static void fl_set_next(struct phys *p, uint64_t pfn, uint64_t next)
{
	fl_link(p, pfn, fl_prev(p, pfn), next);
}

static void fl_set_prev(struct phys *p, uint64_t pfn, uint64_t prev)
{
	fl_link(p, pfn, prev, fl_next(p, pfn));
}

/* add_to_free_list(_tail): block @pfn of @order becomes free and listed. */
static void free_list_add(struct phys *p, uint64_t pfn, unsigned order, bool tail)
{
	struct frame *f = &p->frames[pfn];
	uint64_t head = p->free_head[order];

	f->flags = (f->flags & FRAME_ZERO) | FRAME_FREE | FRAME_BUDDY |
		   (uint32_t)order << FRAME_ORDER_SHIFT;
	if (head == NO_PFN32) {
		fl_link(p, pfn, pfn, pfn);
		p->free_head[order] = (uint32_t)pfn;
	} else {
		uint64_t last = fl_prev(p, head);

		fl_link(p, pfn, last, head);
		fl_set_next(p, last, pfn);
		fl_set_prev(p, head, pfn);
		p->free_head[order] = (uint32_t)(tail ? head : pfn);
	}
	p->nr_free[order]++;
}

/* del_page_from_free_list: block @pfn of @order leaves its list. */
static void free_list_del(struct phys *p, uint64_t pfn, unsigned order)
{
	struct frame *f = &p->frames[pfn];
	uint64_t next = fl_next(p, pfn), prev = fl_prev(p, pfn);

	assert((f->flags & FRAME_BUDDY) && frame_order_free(f) == order);
	if (next == pfn) {
		p->free_head[order] = NO_PFN32;
	} else {
		fl_set_next(p, prev, next);
		fl_set_prev(p, next, prev);
		if (p->free_head[order] == pfn)
			p->free_head[order] = (uint32_t)next;
	}
	f->flags &= FRAME_ZERO;
	f->index = 0;
	p->nr_free[order]--;
}

/*
 * __free_one_page: free block @pfn of @order (its frames already FRAME_FREE),
 * merging with its buddy while the buddy is a free block of the same order.
 */
static void free_one_page(struct phys *p, uint64_t pfn, unsigned order)
{
	while (order < MAX_ORDER - 1) {
		uint64_t buddy = pfn ^ (1ull << order);
		const struct frame *b;

		if (buddy + (1ull << order) > p->nframes)
			break;
		b = &p->frames[buddy];
		if (!(b->flags & FRAME_BUDDY) || frame_order_free(b) != order)
			break;
		free_list_del(p, buddy, order);
		pfn &= buddy;
		order++;
	}
	free_list_add(p, pfn, order, false);
}

const uint8_t phys_zero_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

int phys_init(struct phys *p, uint64_t nframes, uint64_t kernel_pages, bool contents)
{
	memset(p, 0, sizeof(*p));
	if (!fits_host(nframes, kernel_pages, contents))
		return -E2BIG;
	p->contents = contents;
	p->nframes = nframes;
	p->kernel_pages = kernel_pages;
	p->pt_base = nframes + kernel_pages;
	p->pt_max = pt_pool_max(host_bytes());
	p->reserved = (p->pt_base + p->pt_max) << PAGE_SHIFT;
	p->ram = reserve(p->reserved);
	p->pt_free = reserve(p->pt_max * sizeof(uint32_t));
	p->frames = calloc(nframes, sizeof(*p->frames));
	p->free_stack = malloc(nframes * sizeof(*p->free_stack));
	p->sink = contents ? NULL : aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p->ram || !p->pt_free || !p->frames || !p->free_stack || (!contents && !p->sink)) {
		phys_free(p);
		return -ENOMEM;
	}
	if (contents)
		populate(p->ram, p->pt_base << PAGE_SHIFT);
	else if (kernel_pages)
		populate(p->ram + (nframes << PAGE_SHIFT), kernel_pages << PAGE_SHIFT);
	for (uint64_t i = 0; i < nframes; i++)
		p->frames[i].flags = FRAME_FREE | FRAME_ZERO;
	for (unsigned o = 0; o < MAX_ORDER; o++)
		p->free_head[o] = NO_PFN32;
	/*
	 * memblock_free_all: the frames go to the buddy lists as the largest
	 * aligned blocks that fit, each at the tail of its list, so a fresh
	 * machine hands out 0, 1, 2, ... (expand() gives the low half).
	 */
	for (uint64_t pfn = 0; pfn < nframes;) {
		unsigned o = MAX_ORDER - 1;

		while ((pfn & ((1ull << o) - 1)) || pfn + (1ull << o) > nframes)
			o--;
		free_list_add(p, pfn, o, true);
		pfn += 1ull << o;
	}
	p->nfree = nframes;
	return 0;
}

void phys_free(struct phys *p)
{
	if (p->ram)
		munmap(p->ram, p->reserved);
	if (p->pt_free)
		munmap(p->pt_free, p->pt_max * sizeof(uint32_t));
	free(p->frames);
	free(p->free_stack);
	free(p->sink);
	memset(p, 0, sizeof(*p));
}

static void prep_compound_page(struct phys *p, uint64_t pfn, unsigned order, enum frame_kind kind);

/* __rmqueue_smallest: the first block of the smallest order >= @order, split down to @order. */
static int64_t rmqueue_smallest(struct phys *p, unsigned order)
{
	for (unsigned o = order; o < MAX_ORDER; o++) {
		uint64_t pfn = p->free_head[o];

		if (pfn == NO_PFN32)
			continue;
		free_list_del(p, pfn, o);
		/* expand: the upper halves go back, one block an order */
		while (o > order) {
			o--;
			free_list_add(p, pfn + (1ull << o), o, false);
		}
		return (int64_t)pfn;
	}
	return -1;
}

static void clear_frame(struct phys *p, uint64_t pfn, bool zero)
{
	if (zero && p->contents && !(p->frames[pfn].flags & FRAME_ZERO))
		memset(pfn_to_virt(p, pfn), 0, PAGE_SIZE);
}

int64_t frame_alloc(struct phys *p, enum frame_kind kind, bool zero)
{
	int64_t pfn;
	struct frame *f;

	if (!p->nfree)
		return -1;
	pfn = p->pcp_count ? p->free_stack[--p->pcp_count] : rmqueue_smallest(p, 0);
	assert(pfn >= 0);
	f = &p->frames[pfn];
	assert((f->flags & FRAME_KIND_MASK) == FRAME_FREE && f->refcount == 0);
	clear_frame(p, (uint64_t)pfn, zero);
	*f = (struct frame){ .flags = kind, .refcount = 1 };
	p->nfree--;
	p->pgalloc++;
	return pfn;
}

int64_t frame_alloc_order(struct phys *p, unsigned order, enum frame_kind kind, bool zero)
{
	uint64_t n = 1ull << order;
	int64_t pfn;

	if (!order)
		return frame_alloc(p, kind, zero);
	if (order >= MAX_ORDER || p->nfree < n)
		return -1;
	pfn = rmqueue_smallest(p, order);
	if (pfn < 0 && p->pcp_count) {
		drain_all_pages(p);
		pfn = rmqueue_smallest(p, order);
	}
	if (pfn < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		clear_frame(p, (uint64_t)pfn + i, zero);
	prep_compound_page(p, (uint64_t)pfn, order, kind);
	return pfn;
}

/* The head and tails of a compound page of 2^@order frames at @pfn. */
static void prep_compound_page(struct phys *p, uint64_t pfn, unsigned order, enum frame_kind kind)
{
	uint64_t n = 1ull << order, ord = (uint64_t)order << FRAME_ORDER_SHIFT;

	for (uint64_t i = 1; i < n; i++)
		p->frames[pfn + i] = (struct frame){ .flags = (uint32_t)(FRAME_TAIL | ord) };
	p->frames[pfn] = (struct frame){ .flags = (uint32_t)(kind | FRAME_HEAD | ord), .refcount = 1 };
	p->nfree -= n;
	p->pgalloc += n;
}

int64_t alloc_contig_pages(struct phys *p, unsigned order, enum frame_kind kind)
{
	const unsigned top = MAX_ORDER - 1;
	uint64_t n = 1ull << order;

	if (order < MAX_ORDER || order > 30 || p->nfree < n)
		return -1;
	drain_all_pages(p);
	for (uint64_t pfn = 0; pfn + n <= p->nframes; pfn += n) {
		uint64_t b;

		for (b = pfn; b < pfn + n; b += 1ull << top)
			if (!(p->frames[b].flags & FRAME_BUDDY) || frame_order_free(&p->frames[b]) != top)
				break;
		if (b < pfn + n)
			continue;
		for (b = pfn; b < pfn + n; b += 1ull << top)
			free_list_del(p, b, top);
		prep_compound_page(p, pfn, order, kind);
		return (int64_t)pfn;
	}
	return -1;
}

void frame_split(struct phys *p, uint64_t head)
{
	struct frame h = p->frames[head];
	uint64_t n = 1ull << frame_order(&h);

	assert(h.flags & FRAME_HEAD);
	h.flags &= ~(FRAME_HEAD | FRAME_TAIL | FRAME_ORDER_MASK);
	for (uint64_t i = 0; i < n; i++) {
		struct frame *f = &p->frames[head + i];

		assert(i == 0 || ((f->flags & FRAME_TAIL) && !f->refcount));
		*f = h;
		f->index = h.index + i;
		if (i)
			f->swap = 0;
	}
}

void drain_all_pages(struct phys *p)
{
	while (p->pcp_count)
		free_one_page(p, p->free_stack[--p->pcp_count], 0);
}

void frame_put(struct phys *p, uint64_t pfn)
{
	struct frame *f = &p->frames[pfn];

	assert(pfn < p->nframes && f->refcount > 0 && f->mapcount < f->refcount);
	assert(!(f->flags & FRAME_TAIL));
	if (--f->refcount)
		return;
	if (f->flags & FRAME_HEAD) {
		unsigned order = frame_order(f);
		uint64_t n = 1ull << order;

		for (uint64_t i = 0; i < n; i++)
			p->frames[pfn + i] = (struct frame){ .flags = FRAME_FREE };
		/* a gigantic page goes back as blocks of the largest order */
		for (uint64_t b = 0; b < n; b += 1ull << (MAX_ORDER - 1))
			free_one_page(p, pfn + b, order < MAX_ORDER ? order : MAX_ORDER - 1);
		p->nfree += n;
		p->pgfree += n;
		return;
	}
	*f = (struct frame){ .flags = FRAME_FREE };
	p->nfree++;
	p->pgfree++;
	p->free_stack[p->pcp_count++] = (uint32_t)pfn;
}

int64_t pt_alloc(struct phys *p)
{
	uint64_t pfn;

	if (p->pt_nfree)
		pfn = p->pt_free[--p->pt_nfree];
	else if (p->pt_hwm < p->pt_max)
		pfn = p->pt_base + p->pt_hwm++;
	else
		return -1;
	p->pt_inuse++;
	return (int64_t)pfn;
}

void pt_release(struct phys *p, uint64_t pfn)
{
	assert(pfn >= p->pt_base && pfn < p->pt_base + p->pt_hwm);
#ifndef NDEBUG
	{
		const uint64_t *t = pfn_to_virt(p, pfn);

		for (int i = 0; i < 512; i++)
			assert(t[i] == 0);
	}
#endif
	p->pt_free[p->pt_nfree++] = (uint32_t)pfn;
	p->pt_inuse--;
}

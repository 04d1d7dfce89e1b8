/*
 * phys.c - simulated physical memory, frame allocator and page-table frame
 * pool (see phys.h for the layout and the frame life cycle).
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
	/* Lowest pfn on top, so a fresh machine hands out 0, 1, 2, ... */
	for (uint64_t i = 0; i < nframes; i++) {
		p->free_stack[i] = (uint32_t)(nframes - 1 - i);
		p->frames[i].flags = FRAME_FREE | FRAME_ZERO;
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

int64_t frame_alloc(struct phys *p, enum frame_kind kind, bool zero)
{
	uint64_t pfn;
	struct frame *f;

	if (!p->nfree)
		return -1;
	pfn = p->free_stack[--p->nfree];
	f = &p->frames[pfn];
	assert((f->flags & FRAME_KIND_MASK) == FRAME_FREE && f->refcount == 0);
	if (zero && p->contents && !(f->flags & FRAME_ZERO))
		memset(pfn_to_virt(p, pfn), 0, PAGE_SIZE);
	*f = (struct frame){ .flags = kind, .refcount = 1 };
	p->pgalloc++;
	return (int64_t)pfn;
}

void frame_put(struct phys *p, uint64_t pfn)
{
	struct frame *f = &p->frames[pfn];
	uint64_t n = 1ull << frame_order(f);

	assert(pfn < p->nframes && f->refcount > 0 && f->mapcount < f->refcount);
	if (--f->refcount)
		return;
	for (uint64_t i = 0; i < n; i++) {
		p->frames[pfn + i] = (struct frame){ .flags = FRAME_FREE };
		p->pgfree++;
		p->free_stack[p->nfree++] = (uint32_t)(pfn + i);
	}
}

/*
 * Interim (the buddy allocator replaces it): the lowest aligned block of
 * free frames, taken out of the free stack by one pass over it.
 */
int64_t frame_alloc_order(struct phys *p, unsigned order, enum frame_kind kind, bool zero)
{
	uint64_t n = 1ull << order, base, j = 0;

	if (order == 0)
		return frame_alloc(p, kind, zero);
	if (p->nfree < n)
		return -1;
	for (base = 0; base + n <= p->nframes; base += n) {
		uint64_t i;

		for (i = 0; i < n; i++)
			if ((p->frames[base + i].flags & FRAME_KIND_MASK) != FRAME_FREE ||
			    p->frames[base + i].refcount)
				break;
		if (i == n)
			break;
	}
	if (base + n > p->nframes)
		return -1;
	for (uint64_t i = 0; i < p->nfree; i++)
		if (p->free_stack[i] < base || p->free_stack[i] >= base + n)
			p->free_stack[j++] = p->free_stack[i];
	assert(j == p->nfree - n);
	p->nfree = j;
	for (uint64_t i = 0; i < n; i++) {
		struct frame *f = &p->frames[base + i];

		if (zero && p->contents && !(f->flags & FRAME_ZERO))
			memset(pfn_to_virt(p, base + i), 0, PAGE_SIZE);
		*f = (struct frame){ .flags = FRAME_TAIL };
	}
	p->frames[base] = (struct frame){ .flags = (uint32_t)kind | FRAME_HEAD |
						   (order << FRAME_ORDER_SHIFT), .refcount = 1 };
	p->pgalloc += n;
	return (int64_t)base;
}

void frame_split(struct phys *p, uint64_t head)
{
	struct frame h = p->frames[head];
	uint64_t n = 1ull << frame_order(&h);

	h.flags &= ~(FRAME_HEAD | FRAME_TAIL | FRAME_ORDER_MASK);
	for (uint64_t i = 0; i < n; i++) {
		p->frames[head + i] = h;
		p->frames[head + i].index = h.index + i;
	}
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

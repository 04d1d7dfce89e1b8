/*
 * hugetlb.c - the pools of explicit huge pages (see hugetlb.h), with
 * Linux 6.1's names: hugetlb_hstate_alloc_pages at boot, set_max_huge_pages
 * for vm.nr_hugepages, enqueue/dequeue_huge_page_node, free_huge_page,
 * update_and_free_page.
 */
#include "hugetlb.h"
#include "error.h"
#include "machine.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

static void enqueue_huge_page(struct hstate *h, uint64_t head)
{
	assert(h->free_huge_pages < h->cap);
	h->free_list[h->free_huge_pages++] = (uint32_t)head;
}

/* alloc_fresh_huge_page: one more page for the pool from the buddy allocator. */
static int alloc_pool_huge_page(struct vmfs *m, struct hstate *h)
{
	int64_t head = h->order < MAX_ORDER ?
		       frame_alloc_order(&m->phys, h->order, FRAME_HUGETLB, false) :
		       alloc_contig_pages(&m->phys, h->order, FRAME_HUGETLB);

	if (head < 0)
		return -ENOMEM;
	pfn_frame(&m->phys, (uint64_t)head)->refcount = 0;   /* free in the pool */
	enqueue_huge_page(h, (uint64_t)head);
	h->nr_huge_pages++;
	return 0;
}

/* update_and_free_page: a free pool page back to the buddy allocator. */
static void update_and_free_page(struct vmfs *m, struct hstate *h)
{
	uint64_t head = h->free_list[--h->free_huge_pages];

	pfn_frame(&m->phys, head)->refcount = 1;
	frame_put(&m->phys, head);
	h->nr_huge_pages--;
	if (h->boot_huge_pages > h->nr_huge_pages)
		h->boot_huge_pages = h->nr_huge_pages;
}

static const char *size_name(const struct hstate *h)
{
	return h->order == HPAGE_PUD_ORDER ? "1.00 GiB" : "2.00 MiB";
}

int hugetlb_init(struct vmfs *m)
{
	const uint64_t want[HUGE_MAX_HSTATE] = { m->opt.hugepages, m->opt.hugepages_1g };
	const unsigned order[HUGE_MAX_HSTATE] = { HPAGE_PMD_ORDER, HPAGE_PUD_ORDER };

	/* gigantic pages first, while memory is one piece, as memblock has them */
	for (int i = HUGE_MAX_HSTATE - 1; i >= 0; i--) {
		struct hstate *h = &m->hstates[i];

		h->order = order[i];
		h->cap = m->phys.nframes >> h->order;
		if (h->cap) {
			h->free_list = malloc(h->cap * sizeof(*h->free_list));
			if (!h->free_list)
				return -ENOMEM;
		}
		while (h->nr_huge_pages < want[i] && alloc_pool_huge_page(m, h) == 0)
			;
		if (i == HSTATE_1G)
			h->boot_huge_pages = h->nr_huge_pages;
		if (h->nr_huge_pages < want[i])
			klog_add(&m->klog, 0, "HugeTLB: allocating %llu of page size %s failed.  "
				 "Only allocated %llu hugepages.", (unsigned long long)want[i],
				 size_name(h), (unsigned long long)h->nr_huge_pages);
		if (h->nr_huge_pages)
			klog_add(&m->klog, 0, "HugeTLB: registered %s page size, pre-allocated %llu pages",
				 i == HSTATE_1G ? "1.00 GiB" : "2.00 MiB",
				 (unsigned long long)h->nr_huge_pages);
	}
	return 0;
}

void hugetlb_free(struct vmfs *m)
{
	for (int i = 0; i < HUGE_MAX_HSTATE; i++) {
		free(m->hstates[i].free_list);
		m->hstates[i].free_list = NULL;
	}
}

static uint64_t persistent_huge_pages(const struct hstate *h)
{
	return h->nr_huge_pages - h->surplus_huge_pages;
}

int set_max_huge_pages(struct vmfs *m, struct hstate *h, uint64_t count)
{
	uint64_t min_count;

	if (h->order >= MAX_ORDER && count > persistent_huge_pages(h))
		return vm_error(-EINVAL, "1 GiB pages are taken at boot only (option hugepages_1g=)");
	/* grow: surplus pages in use become persistent first, then fresh ones */
	while (h->surplus_huge_pages && count > persistent_huge_pages(h))
		h->surplus_huge_pages--;
	while (count > persistent_huge_pages(h) && alloc_pool_huge_page(m, h) == 0)
		;
	/* shrink: free pages go back, but never those in use or reserved */
	min_count = h->resv_huge_pages + h->nr_huge_pages - h->free_huge_pages;
	if (min_count < count)
		min_count = count;
	while (min_count < persistent_huge_pages(h) && h->free_huge_pages)
		update_and_free_page(m, h);
	/* what is still above @count stays, as surplus, until it is freed */
	while (count < persistent_huge_pages(h))
		h->surplus_huge_pages++;
	return 0;
}

int64_t dequeue_huge_page(struct vmfs *m, struct hstate *h)
{
	uint64_t head;

	if (!h->free_huge_pages)
		return -1;
	head = h->free_list[--h->free_huge_pages];
	pfn_frame(&m->phys, head)->refcount = 1;
	return (int64_t)head;
}

void free_huge_page(struct vmfs *m, uint64_t head)
{
	struct frame *f = pfn_frame(&m->phys, head);
	struct hstate *h = &m->hstates[frame_order(f) == HPAGE_PUD_ORDER ? HSTATE_1G : HSTATE_2M];

	assert((f->flags & FRAME_KIND_MASK) == FRAME_HUGETLB && f->refcount == 0);
	f->mapping = NULL;
	f->index = 0;
	enqueue_huge_page(h, head);
	if (h->surplus_huge_pages) {   /* a surplus page leaves the pool when freed */
		h->surplus_huge_pages--;
		update_and_free_page(m, h);
	}
}

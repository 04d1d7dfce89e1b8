/*
 * hugetlb.h - the pools of explicit huge pages (Linux 6.1's mm/hugetlb.c).
 *
 * One hstate per huge page size: 2 MiB (order 9, the default size: option
 * hugepages=N, sysctl vm.nr_hugepages) and 1 GiB (order 18, option
 * hugepages_1g=N, taken when the machine boots only, as Linux takes
 * gigantic pages from memblock).  A pool page is a compound page of kind
 * FRAME_HUGETLB taken from the buddy allocator (alloc_contig_pages for
 * 1 GiB); while free it waits on its hstate's free list with refcount 0,
 * and it goes back to the buddy allocator only when the pool shrinks.
 *
 * What stays true: nr_huge_pages = free pages on the list + pages in use;
 * free_huge_pages = entries on the list; resv_huge_pages <= free_huge_pages;
 * surplus_huge_pages <= nr_huge_pages.  Called with the machine lock held.
 */
#ifndef VMFS_HUGETLB_H
#define VMFS_HUGETLB_H

#include <stdint.h>

struct vmfs;

#define HUGE_MAX_HSTATE 2
enum { HSTATE_2M = 0, HSTATE_1G = 1 };

struct hstate {
	unsigned  order;
	uint64_t  nr_huge_pages;      /* in the pool: free and in use */
	uint64_t  free_huge_pages;    /* on the free list */
	uint64_t  resv_huge_pages;    /* promised to mappings, not yet faulted */
	uint64_t  surplus_huge_pages; /* in use beyond what the pool should hold */
	uint64_t  boot_huge_pages;    /* taken at boot outside the buddy allocator
				         (gigantic pages): not in MemTotal */
	uint32_t *free_list;          /* head pfns of free pages, LIFO */
	uint64_t  cap;                /* entries free_list can hold */
};

/* At machine open: the pools the options ask for (a kmsg line for a shortfall). */
int  hugetlb_init(struct vmfs *m);
void hugetlb_free(struct vmfs *m);

/*
 * set_max_huge_pages: make the pool of @h hold @count pages, taking pages
 * from the buddy allocator or giving free ones back; pages in use beyond
 * @count become surplus.  The pool may end smaller than asked when memory
 * is short (as Linux's does); 0, or -EINVAL for a size that cannot grow
 * after boot (1 GiB).
 */
int  set_max_huge_pages(struct vmfs *m, struct hstate *h, uint64_t count);

/* dequeue_huge_page / free_huge_page: a free pool page out of and back to its pool. */
int64_t dequeue_huge_page(struct vmfs *m, struct hstate *h);
void    free_huge_page(struct vmfs *m, uint64_t head);

#endif

/*
 * phys.h - simulated physical memory and the frame table.
 *
 * Physical memory is one contiguous host mapping, laid out by frame number:
 *
 *     pfn 0 .. nframes-1            data frames (process and object pages)
 *     nframes .. +kernel_pages-1    the kernel image
 *     pt_base .. pt_base+pt_hwm-1   page-table frames, handed out on demand
 *
 * Only data frames count against `frames=`; the kernel image and page
 * tables live beyond that count (SPEC §1) and are reported apart.  The
 * page-table pool holds at most pt_max frames, the smaller of
 * PT_MAX_FRAMES and a quarter of the host's memory (pt_pool_max).
 *
 * Each data frame has a struct frame.  Its life:
 *
 *        frame_alloc()                      frame_put() drops the last ref
 *   FREE ─────────────► ANON or CACHE ───────────────────────────────► FREE
 *                       (refcount >= 1)
 *
 *   refcount  owners: one per page-table entry mapping the frame, plus one
 *             for the page cache of an object (FRAME_CACHE) while it holds it.
 *             Changed only by frame_alloc, frame_get and frame_put (through
 *             page.h's get_page and page_put).
 *   mapcount  page-table entries mapping it (<= refcount).  Changed only by
 *             rmap.c (page_add_anon_rmap, page_add_file_rmap,
 *             page_remove_rmap), which also keeps each process's RSS.
 *   swap      the swap slot a page read back from swap still owns (swap
 *             cache): evicting it clean needs no write.
 *   mapping   who the page belongs to, for the reverse map: the anon_vma of
 *             a private anonymous page (index = virtual page number, the same
 *             in every process sharing it since fork keeps addresses), or the
 *             vmobj whose page cache holds it (index = page offset).
 *
 * Invariants: a free frame has refcount 0 and is either on the pcp list
 * (free_stack) exactly once or inside exactly one block of a buddy list,
 * whose first frame alone has FRAME_BUDDY and the block's order; two free
 * buddies of the same order are never both on the lists (they merge); a
 * compound page's head alone holds its refcount and mapcount.  FRAME_ZERO means its bytes are known to be zero, so frame_alloc()
 * need not clear it; a frame is cleared before any new owner sees it.
 * With contents=none (p->contents false) the data frames have no bytes at
 * all: their part of the host mapping is never touched, page_address()
 * gives a page of zeros to read and a sink to write, and nothing needs
 * clearing or copying; the kernel image and the page tables, which the
 * walk reads, keep theirs.
 * Page-table frames are all-zero whenever they are free.
 * Called with the machine lock held.
 */
#ifndef VMFS_PHYS_H
#define VMFS_PHYS_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ull
#define PAGE_MASK  (~(PAGE_SIZE - 1))

/* Page-table frames a pool may ever have: 64 GiB of tables, reserved only. */
#define PT_MAX_FRAMES (1ull << 24)

enum frame_kind {
	FRAME_FREE  = 0,
	FRAME_ANON  = 1,   /* private anonymous page (incl. COW copies) */
	FRAME_CACHE = 2,   /* page-cache page of a vmobj (shared anon, object) */
	FRAME_HUGETLB = 3, /* head of a hugetlb pool page (hugetlb.c), free or mapped */
};

#define FRAME_KIND_MASK 0x3u
#define FRAME_ZERO      0x100u  /* contents known to be all zero */
#define FRAME_TRACKED   0x200u  /* the replacement policy knows this page */
#define FRAME_LOCKED    0x400u  /* in use by the fault in progress: not evictable */
#define FRAME_DIRTY     0x800u  /* written since its swap copy (set when a dirty
				   entry goes away while the frame stays) */
#define FRAME_IDLE      0x1000u /* PG_idle: idle page tracking (pageflags.c) */
#define FRAME_YOUNG     0x2000u /* PG_young: an accessed bit idle tracking cleared */
#define FRAME_MLOCKED   0x10000u /* PG_mlocked: mapped by a VM_LOCKED mapping, never
				    evicted (rmap.c's mlock_page / munlock_page) */
#define FRAME_LAZYFREE  0x20000u /* an anonymous page MADV_FREE made lazy (PG_swapbacked
				    clear): reclaim drops it unless written again */
#define FRAME_READAHEAD 0x80000u /* PG_readahead: the object page whose first touch
				    starts the next readahead window (filemap.c) */
#define FRAME_BUDDY     0x40000u  /* PG_buddy: first frame of a free block on a buddy
				     list (its order in the order bits) */
#define FRAME_HEAD      0x100000u /* PG_head: first frame of a compound page */
#define FRAME_TAIL      0x200000u /* one of a compound page's other frames */
#define FRAME_ORDER_SHIFT 24      /* the order of a buddy block or compound page */
#define FRAME_ORDER_MASK  (0x1fu << FRAME_ORDER_SHIFT)

/*
 * The buddy allocator (Linux 6.1's mm/page_alloc.c): free data frames are
 * kept in naturally aligned blocks of 2^order frames, order 0 to
 * MAX_ORDER-1, one list per order; a block freed next to its free buddy
 * merges with it.  In front of the buddy lists sits the per-cpu list of
 * order-0 pages (pcp, LIFO: the last page freed is the next handed out).
 * Order-0 frees go to the pcp; order-0 allocations take from it first.
 * Linux bounds each pcp list (pcp->high) and gives the excess back; the
 * machine's one list is unbounded and is drained into the buddy lists
 * (drain_all_pages) when a larger allocation finds no block, so that
 * order-0 allocation keeps the hot-page order it always had.
 */
#define MAX_ORDER        11       /* orders 0..10: 4 MiB blocks at most */
#define HPAGE_PMD_ORDER  9
#define HPAGE_PMD_NR     (1u << HPAGE_PMD_ORDER)
#define HPAGE_PUD_ORDER  18
#define HPAGE_PUD_NR     (1u << HPAGE_PUD_ORDER)
#define NO_PFN32         UINT32_MAX

struct frame {
	uint32_t flags;
	uint32_t refcount;
	uint32_t mapcount;
	uint32_t swap;      /* swap-cache slot the page still owns, 0 = none
			       (slots fit in 32 bits: swap_alloc hands out no more) */
	void    *mapping;
	uint64_t index;
};

/*
 * 32 bytes a frame: with the free stack's 4 and a policy's few, a replay
 * machine stays under 64 bytes of host memory per frame (tests/replay's
 * rss test).  The policy's owner id is not kept: page_owner() reads it
 * from the mapping, which lives as long as the page is resident.
 */
_Static_assert(sizeof(struct frame) == 32, "struct frame grew");

struct phys {
	uint8_t      *ram;          /* the whole physical address space */
	uint64_t      reserved;     /* bytes reserved for ram */
	uint64_t      nframes;      /* data frames */
	uint64_t      kernel_pages;
	uint64_t      pt_base;      /* first page-table pfn */
	uint64_t      pt_max;       /* page-table frames the pool may hold */
	uint64_t      pt_hwm;       /* page-table frames ever handed out */
	uint64_t      pt_inuse;
	uint32_t     *pt_free;      /* stack of free page-table pfns */
	uint64_t      pt_nfree;
	struct frame *frames;       /* nframes entries */
	uint32_t     *free_stack;   /* the pcp list: free order-0 pfns, last freed on top */
	uint64_t      pcp_count;    /* entries on free_stack */
	uint32_t      free_head[MAX_ORDER]; /* first block of each buddy list, NO_PFN32 = none */
	uint64_t      nr_free[MAX_ORDER];   /* blocks on each buddy list (buddyinfo) */
	uint64_t      nfree;        /* every free data frame: pcp and buddy lists */
	uint64_t      pgalloc;      /* data frames handed out, ever */
	uint64_t      pgfree;       /* data frames returned, ever */
	bool          contents;     /* false with contents=none: data frames keep no bytes */
	uint8_t      *sink;         /* contents=none: where writes to data frames go */
};

/* A page of zeros: what reads of a data frame see with contents=none. */
extern const uint8_t phys_zero_page[PAGE_SIZE];

/*
 * 0, -ENOMEM, or -E2BIG when the machine would not fit in the host.  With
 * @contents false (contents=none) the data frames get no host memory.
 */
int  phys_init(struct phys *p, uint64_t nframes, uint64_t kernel_pages, bool contents);
/*
 * The page-table frames a machine may have on a host with @host bytes of
 * memory: a quarter of it, at most PT_MAX_FRAMES (which is also the answer
 * when the host's memory is unknown, 0).  phys_init sets pt_max to this.
 */
uint64_t pt_pool_max(uint64_t host);
void phys_free(struct phys *p);

static inline void *pfn_to_virt(const struct phys *p, uint64_t pfn)
{
	return p->ram + (pfn << PAGE_SHIFT);
}

/*
 * page_address: where the bytes of frame @pfn are, for an access that
 * reads them (@write false) or one that writes them.  With contents=none
 * no data frame has bytes: a read sees phys_zero_page, a write lands on
 * the machine's sink page, which nothing reads (the kernel image keeps its
 * bytes).
 */
static inline uint8_t *page_address(const struct phys *p, uint64_t pfn, bool write)
{
	if (__builtin_expect(p->contents, 1) || pfn >= p->nframes)
		return pfn_to_virt(p, pfn);
	return write ? p->sink : (uint8_t *)phys_zero_page;
}

/* copy_highpage: data frame @src's bytes into data frame @dst (nothing to copy without contents). */
static inline void copy_highpage(struct phys *p, uint64_t dst, uint64_t src)
{
	if (p->contents)
		memcpy(pfn_to_virt(p, dst), pfn_to_virt(p, src), PAGE_SIZE);
}

static inline struct frame *pfn_frame(const struct phys *p, uint64_t pfn)
{
	return &p->frames[pfn];
}

static inline bool pfn_is_data(const struct phys *p, uint64_t pfn)
{
	return pfn < p->nframes;
}

/* Bytes of physical memory in use (what vmfs_phys_read can see). */
static inline uint64_t phys_size(const struct phys *p)
{
	return (p->pt_base + p->pt_hwm) << PAGE_SHIFT;
}

/*
 * Take a free data frame for a new owner of @kind.  With @zero the frame is
 * cleared (unless known zero); without, the caller overwrites all of it.
 * Returns the pfn, or -1 when no frame is free.
 */
int64_t frame_alloc(struct phys *p, enum frame_kind kind, bool zero);

/* The order of a compound page's head or tail (0 for an ordinary frame). */
static inline unsigned frame_order(const struct frame *f)
{
	return f->flags & (FRAME_HEAD | FRAME_TAIL) ?
	       (f->flags & FRAME_ORDER_MASK) >> FRAME_ORDER_SHIFT : 0;
}

/* compound_head: the head frame of the compound page @pfn is part of (@pfn itself if none). */
static inline uint64_t compound_head(const struct phys *p, uint64_t pfn)
{
	const struct frame *f = &p->frames[pfn];

	return f->flags & FRAME_TAIL ? pfn & ~((1ull << frame_order(f)) - 1) : pfn;
}

/*
 * Take 2^@order naturally aligned free frames as one compound page (order
 * > 0): the head gets @kind, refcount 1, FRAME_HEAD and the order; each
 * tail FRAME_TAIL and the order, refcount and mapcount 0.  With @zero every
 * frame is cleared (unless known zero).  Returns the head's pfn, or -1 when
 * no block of that order is free even after draining the pcp list.  Order
 * 0 is frame_alloc.
 */
int64_t frame_alloc_order(struct phys *p, unsigned order, enum frame_kind kind, bool zero);

/*
 * alloc_contig_pages: a compound page of 2^@order frames, @order >=
 * MAX_ORDER (a 1 GiB page: HPAGE_PUD_ORDER), from the first naturally
 * aligned range whose frames are all free in blocks of the largest order
 * (after draining the pcp list); head and tails as frame_alloc_order
 * makes them, not cleared.  -1 when no such range is free.  frame_put of
 * its head gives the blocks back.
 */
int64_t alloc_contig_pages(struct phys *p, unsigned order, enum frame_kind kind);

/*
 * split_page: the compound page at @head becomes 2^order ordinary frames,
 * each with the head's flags (less HEAD, TAIL and the order), refcount and
 * mapcount, the head's mapping, and index head.index + i.  The caller then
 * makes each mapping of it 2^order entries.
 */
void frame_split(struct phys *p, uint64_t head);

/*
 * drain_all_pages: give every page of the pcp list back to the buddy lists
 * (merging with free buddies).
 */
void drain_all_pages(struct phys *p);

/* One more reference to a frame in use (page.h's get_page). */
static inline void frame_get(struct phys *p, uint64_t pfn)
{
	assert(pfn < p->nframes && p->frames[pfn].refcount > 0);
	p->frames[pfn].refcount++;
}

/*
 * Drop one reference; at zero the frame (or, for a compound page's head,
 * the whole compound page) is free again: an order-0 frame goes on the
 * pcp list, a compound page back to the buddy lists.
 */
void frame_put(struct phys *p, uint64_t pfn);

/* A zeroed page-table frame, or -1 when none is left. */
int64_t pt_alloc(struct phys *p);
/* Return a page-table frame; it must be all zero already. */
void pt_release(struct phys *p, uint64_t pfn);

#endif

/*
 * vma.h - a process's mappings (virtual memory areas) and where new ones go.
 *
 * The mappings of one process never overlap.  They are kept twice over:
 * a doubly linked list in address order (prev/next: neighbours in O(1)) and
 * a treap keyed by start address (lookups in O(log n)).  Each treap node is
 * augmented with the largest free gap in its subtree, the gap of a mapping
 * being the free space between its predecessor's end (or MMAP_MIN_ADDR) and
 * its start.  Top-down placement then finds the highest gap that fits in
 * O(log n), as Linux's maple tree does, even with 100,000 mappings.
 *
 * Invariants: list and treap hold the same nodes; the treap is a BST by
 * start and a heap by prio; max_gap is exact for every node.  Whoever
 * changes a mapping's start or end calls vma_changed() before the next
 * placement.  A process has at most the machine's max_map_count mappings
 * (mmap.c refuses a call that would make more).  Called with the machine
 * lock held.
 */
#ifndef VMFS_VMA_H
#define VMFS_VMA_H

#include "phys.h"

#include <stdbool.h>
#include <stdint.h>

/* Lowest address the machine chooses by itself (Linux's mmap_min_addr). */
#define MMAP_MIN_ADDR 0x10000ull

struct mm;
struct vmobj;
struct resv_map;

/*
 * VM_ACCOUNT, in vma.flags beside the MAP_* bits (the value vmfs_map.flags
 * shows, VMFS_MAP_ACCOUNT): the mapping's pages are charged to the
 * machine's committed memory (mmap.c).  Part of flags, so mappings that
 * differ in it do not merge, as in Linux, and splits and fork keep it.
 */
#define VMA_ACCOUNT 0x40000000

struct vma {
	uint64_t      start, end;         /* [start, end), page-aligned */
	int           prot;               /* PROT_* */
	int           flags;              /* MAP_SHARED or MAP_PRIVATE, | MAP_ANONYMOUS, VMA_ACCOUNT */
	struct vmobj *obj;                /* backing object; NULL for private anon */
	uint64_t      pgoff;              /* page offset in obj of start; private
					     anonymous: start >> PAGE_SHIFT at mmap
					     (do_mmap), so that neighbours made apart
					     stay contiguous, as Linux's vm_pgoff */
	uint64_t      anon_vma;           /* Linux's vma->anon_vma, by identity: 0
					     until the mapping's first private
					     anonymous page (anon_vma_prepare,
					     memory.c), kept by splits, a fresh one
					     in a fork's child (mm.c); only the merge
					     rules read it (mmap.c) */
	bool          anon_vma_forked;    /* its anon_vma_chain is not singular (a
					     fork's child links its parent's too) */
	bool          nomaywrite;         /* Linux's VM_MAYWRITE clear: a shared
					     mapping of an object that was
					     read-only when it was made may never
					     be made writable (fixed at mmap) */
	struct mm    *mm;
	struct vma   *prev, *next;        /* address order */
	struct vma   *obj_prev, *obj_next;/* obj's list of mappings (reverse map) */
	struct vma   *left, *right;       /* treap */
	uint32_t      prio;
	bool          soft_dirty;         /* VM_SOFTDIRTY: new since clear_refs 4 (pageflags.c) */
	unsigned      vm_flags;           /* VM_LOCKED ... VM_WIPEONFORK below (mlock.c, madvise.c) */
	bool          growsdown;          /* VM_GROWSDOWN: exec's stack, grown by faults
					     below it (expand_stack, exec.c) */
	uint64_t      max_gap;            /* largest gap in this subtree */
	/* VM_HUGETLB mappings (hugetlb_vma.c, since 0.8): */
	unsigned char hstate;             /* HSTATE_2M or HSTATE_1G */
	struct resv_map *resv;            /* its reservations (and a shared one's
					     pages); NULL in a fork child's private
					     mapping, which has none */
};

/*
 * The vm_flags bits of madvise and mlock, with include/linux/mm.h's values
 * (smaps's VmFlags prints them by bit: lo sr rr dc lf wf).  Mappings with
 * different vm_flags never merge; a split copies them.
 */
#define VM_LOCKED      0x00002000u   /* mlock: pages populated and never evicted */
#define VM_SEQ_READ    0x00008000u   /* MADV_SEQUENTIAL */
#define VM_RAND_READ   0x00010000u   /* MADV_RANDOM */
#define VM_DONTCOPY    0x00020000u   /* MADV_DONTFORK: fork leaves the mapping out */
#define VM_LOCKONFAULT 0x00080000u   /* mlock2(MLOCK_ONFAULT), MCL_ONFAULT: no populate */
#define VM_WIPEONFORK  0x02000000u   /* MADV_WIPEONFORK: the child gets zeros */
#define VM_HUGETLB     0x00400000u   /* MAP_HUGETLB: pages from a hugetlb pool (since 0.8) */
#define VM_HUGEPAGE    0x20000000u   /* MADV_HUGEPAGE: THP here with thp=madvise (since 0.8) */
#define VM_NOHUGEPAGE  0x40000000u   /* MADV_NOHUGEPAGE: never THP here (since 0.8) */
#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

struct vma_tree {
	struct vma *root, *first, *last;
	uint64_t    count;
	uint64_t    top;                  /* first address past user space */
	uint64_t    mmap_base;            /* top-down placement starts below it (Linux's
					     mm->mmap_base): top, or what exec chose */
	uint32_t    seed;                 /* treap priorities */
};

/*
 * linear_page_index: the page offset of @va (inside @v) in @v's vm_pgoff
 * space, as Linux's: an object's page for a mapping of one, and the index
 * of a private anonymous page, which keeps it wherever mremap moves the
 * page (rmap.c finds it again through the pgoff the moved mapping keeps).
 */
static inline uint64_t linear_page_index(const struct vma *v, uint64_t va)
{
	return v->pgoff + ((va - v->start) >> PAGE_SHIFT);
}

void        vma_tree_init(struct vma_tree *t, uint64_t top);
/* The mapping containing @addr, or NULL. */
struct vma *vma_find(const struct vma_tree *t, uint64_t addr);
/* The lowest mapping that ends above @addr (it may contain @addr), or NULL. */
struct vma *vma_find_after(const struct vma_tree *t, uint64_t addr);
/* True if no mapping meets [start, end). */
bool        vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end);
/* Insert @v, which overlaps nothing. */
void        vma_link(struct vma_tree *t, struct vma *v);
void        vma_unlink(struct vma_tree *t, struct vma *v);
/* @v's start or end changed (without passing a neighbour). */
void        vma_changed(struct vma_tree *t, struct vma *v);
/*
 * anon_vma_compatible: @a ends where @b starts and they differ at most in
 * protection (and soft-dirty): same flags, VM_MAYWRITE, vm_flags (mlock,
 * madvise), VM_GROWSDOWN, object and a contiguous pgoff (Linux 6.1
 * mm/mmap.c).
 */
bool        anon_vma_compatible(const struct vma *a, const struct vma *b);
/*
 * find_mergeable_anon_vma: the anon_vma @v may share, the next mapping's
 * first, then the previous one's: a compatible neighbour's whose chain is
 * singular (reusable_anon_vma); 0 for none.
 */
uint64_t    find_mergeable_anon_vma(const struct vma *v);
/* Top-down placement of @len bytes below mmap_base: 0 and *addr, or -ENOMEM. */
int         vma_place_topdown(const struct vma_tree *t, uint64_t len, uint64_t *addr);

#endif

/*
 * rmap.h - the reverse map: from a frame to every leaf entry that maps it.
 *
 * No per-page lists are kept.  A frame records what it belongs to and where
 * (struct frame: mapping, index), and that is enough, as in Linux:
 *   - a private anonymous page belongs to its fork family (anon_vma) and
 *     lies at virtual page `index` in every member that maps it, because
 *     fork copies addresses and nothing moves a page;
 *   - a page of an object lies in every mapping of the object (i_mmap)
 *     that covers offset `index`, at start + (index - pgoff) pages.
 * rmap_walk() looks at those candidates and calls back for each entry that
 * really holds this frame.  Called with the machine lock held.
 */
#ifndef VMFS_RMAP_H
#define VMFS_RMAP_H

#include <stdint.h>

struct vmfs;
struct mm;

typedef int (*rmap_fn)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg);

/* Call @fn for every leaf entry mapping @pfn; stops early on a non-zero return. */
int rmap_walk(struct vmfs *m, uint64_t pfn, rmap_fn fn, void *arg);

#endif

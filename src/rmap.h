/*
 * rmap.h - the reverse map: which leaf entries map a frame, how many do,
 * and what each process has resident because of them.
 *
 * No per-page lists are kept.  A frame records what it belongs to and where
 * (struct frame: mapping, index), and that is enough, as in Linux:
 *   - a private anonymous page belongs to its fork family (anon_vma) and
 *     lies at virtual page `index` in every member that maps it, because
 *     fork copies addresses and nothing moves a page;
 *   - a page of an object lies in every mapping of the object (i_mmap)
 *     that covers offset `index`, at start + (index - pgoff) pages.
 * rmap_walk() looks at those candidates and calls back for each entry that
 * really holds this frame.
 *
 * Every leaf entry that comes to map a frame is counted by
 * page_add_anon_rmap() or page_add_file_rmap() and every one that stops by
 * page_remove_rmap(): these are the only writers of a frame's mapcount and
 * of a process's RSS counters (rss_anon, rss_file, rss_shmem, and the peak
 * VmHWM), so that mapcount == the entries mapping the frame <= refcount
 * and RSS == the entries of the process holding a frame, always.  The
 * caller holds the reference the entry will own (get_page, or the
 * allocation's) before adding, and drops it (page_put) after removing.
 * Called with the machine lock held.
 */
#ifndef VMFS_RMAP_H
#define VMFS_RMAP_H

#include <stdint.h>

struct vmfs;
struct mm;

/* A private anonymous page (FRAME_ANON) is now mapped by one more entry of @mm. */
void page_add_anon_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn);
/* A page-cache page (FRAME_CACHE) is now mapped by one more entry of @mm. */
void page_add_file_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn);
/* An entry of @mm mapping @pfn has gone (the caller then drops its reference). */
void page_remove_rmap(struct vmfs *m, struct mm *mm, uint64_t pfn);

typedef int (*rmap_fn)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg);

/*
 * Call @fn for every leaf entry mapping @pfn, each once, in one pass over
 * the candidates: at most one table walk per member of the fork family or
 * mapping of the object.  Stops early when @fn returns non-zero, and
 * returns that; 0 when every entry was seen.
 */
int rmap_walk(struct vmfs *m, uint64_t pfn, rmap_fn fn, void *arg);

#endif

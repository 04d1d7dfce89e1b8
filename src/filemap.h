/*
 * filemap.h - an object's page cache as the fault handler (memory.c) and
 * madvise (madvise.c) read it (filemap.c), as Linux 6.1's mm/filemap.c and
 * mm/readahead.c: a page found or brought in, MADV_WILLNEED's read, and
 * readahead around faults (do_sync_mmap_readahead on a major fault,
 * do_async_mmap_readahead on a minor one), which read pages into the page
 * cache only, never map them and never fail the fault.
 * Called with the machine lock held.
 */
#ifndef VMFS_FILEMAP_H
#define VMFS_FILEMAP_H

#include "machine.h"
#include "vmobj.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * The page-cache frame of page @pgoff of @o: found (*major false), or
 * brought in (page_alloc with @gfp): read back from swap (shared memory;
 * *major), read from the store (an object) or the host file (a host
 * object; *major; pgpgin counts each read), or a new zero page (shared
 * memory never touched).  The pfn (the cache's reference; the policy told
 * of a new page) or -errno, nothing cached then.
 */
int64_t filemap_get_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, unsigned gfp,
			 bool *major);

/*
 * MADV_WILLNEED's read of page @pgoff of @o into its page cache (an
 * object's page, or shared memory's swapped page), mapping nothing; also
 * readahead's.  1 if a page was read, 0 if there was nothing to read (in
 * the cache already, past an object's end, a hole of shared memory), or
 * -errno (no frame: nothing is evicted for it beyond what reclaim finds,
 * and no OOM is counted).
 */
int filemap_willneed(struct vmfs *m, struct vmobj *o, uint64_t pgoff);

/* Linux's MMAP_LOTSAMISS: past this many misses, read-around stops. */
#define MMAP_LOTSAMISS 100u

/* The window, in pages: vm.read_ahead_kb as Linux's ra_pages (0: none). */
uint64_t ra_pages(const struct vmfs *m);

/*
 * Page @pgoff of @o (a store object or a host file), mapped by @v,
 * is not in the page cache and a fault wants it: read the window the
 * mapping's advice and @o's readahead state give (VM_RAND_READ: none;
 * VM_SEQ_READ: from @pgoff on; else read-around centred on it, unless the
 * mmap_miss count says the object misses far more than it hits).
 */
void do_sync_mmap_readahead(struct vmfs *m, const struct vma *v, struct vmobj *o, uint64_t pgoff);

/*
 * Page @pgoff of @o was found in the page cache in frame @pfn (a minor
 * fault): mmap_miss goes down, and if the page is a readahead mark
 * (PG_readahead) the next window is read while @pfn stays pinned.
 */
void do_async_mmap_readahead(struct vmfs *m, const struct vma *v, struct vmobj *o, uint64_t pgoff,
			     uint64_t pfn);

#endif

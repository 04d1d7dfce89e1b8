/*
 * readahead.h - readahead of object pages around page faults (readahead.c),
 * as Linux 6.1's filemap_fault does it for a mapped file:
 * do_sync_mmap_readahead on a major fault, do_async_mmap_readahead on a
 * minor one.  What the fault handler (memory.c) calls; both read pages into
 * the object's page cache only, never map them, never fail the fault.
 * Called with the machine lock held.
 */
#ifndef VMFS_READAHEAD_H
#define VMFS_READAHEAD_H

#include "machine.h"
#include "vmobj.h"

#include <stdint.h>

/* Linux's MMAP_LOTSAMISS: past this many misses, read-around stops. */
#define MMAP_LOTSAMISS 100u

/* The window, in pages: vm.read_ahead_kb as Linux's ra_pages (0: none). */
uint64_t ra_pages(const struct vmfs *m);

/*
 * Page @pgoff of @o (a store object or a host file), mapped by @v of @mm,
 * is not in the page cache and a fault wants it: read the window the
 * mapping's advice and @o's readahead state give (VM_RAND_READ: none;
 * VM_SEQ_READ: from @pgoff on; else read-around centred on it, unless the
 * mmap_miss count says the object misses far more than it hits).
 */
void do_sync_mmap_readahead(struct vmfs *m, struct mm *mm, const struct vma *v,
			    struct vmobj *o, uint64_t pgoff);

/*
 * Page @pgoff of @o was found in the page cache in frame @pfn (a minor
 * fault): mmap_miss goes down, and if the page is a readahead mark
 * (PG_readahead) the next window is read while @pfn stays pinned.
 */
void do_async_mmap_readahead(struct vmfs *m, struct mm *mm, const struct vma *v,
			     struct vmobj *o, uint64_t pgoff, uint64_t pfn);

#endif

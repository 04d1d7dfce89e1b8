/*
 * vmobj.h - memory objects: what a shared mapping's pages belong to.
 *
 * A vmobj owns a page cache: page offset -> frame, one frame per page, shared
 * by every mapping of the object in every process (Linux's address_space).
 * It also lists the mappings that map it (i_mmap), so that a frame whose
 * mapping is this object can be found in every page table that maps it:
 * the reverse map of object pages.  Two kinds: the anonymous shared object
 * behind MAP_SHARED|MAP_ANONYMOUS (Linux's shmem, whose pages go to swap),
 * the named objects of the store (object.c, whose pages are read from
 * and written back to the store), and the host files (VMOBJ_HOST, the page
 * cache over a file of the host: a program exec maps, exec.c): its pages
 * are read with pread from the O_RDONLY descriptor the object holds, on
 * major faults, one page at a time; they are never written (its mode has no
 * write bit, so no shared mapping of it may be writable, and object.c
 * refuses writes, resizes and chmod with -EROFS), reclaim drops them, and
 * the store never sees it.  One host object per host file (st_dev,
 * st_ino), named by its path (object_host, object.c).  A named object holds one reference for
 * its name, one per mapping and one per open (object.c); removing the name
 * drops the first, and the last mapping's or open's going then frees the
 * object and its rows.
 *
 * Invariants: each cached frame is FRAME_CACHE with mapping == this object,
 * index == its offset, and holds one reference for the cache; a page that
 * went to swap is remembered as VMOBJ_SWAPPED | slot (one slot reference);
 * refcount
 * counts the mappings (and other holders) of the object; at zero the cache
 * is emptied and the object freed.  Called with the machine lock held.
 */
#ifndef VMFS_VMOBJ_H
#define VMFS_VMOBJ_H

#include "u64map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmfs;
struct vma;

enum vmobj_kind {
	VMOBJ_SHMEM = 1,   /* anonymous shared memory: pages go to swap */
	VMOBJ_FILE  = 2,   /* a named object of the store: pages go back to it */
	VMOBJ_HOST  = 3,   /* a host file, read-only: pages read from it, dropped */
};

/* A page-cache value with this bit holds a swap slot instead of a pfn. */
#define VMOBJ_SWAPPED (1ull << 63)

/*
 * Linux's struct file_ra_state, kept per object (Linux keeps it per open
 * file): the most recent readahead window [start, start + size), of which
 * the last async_size pages are ahead of use, and the mmap_miss count of
 * do_sync_mmap_readahead (filemap.c).
 */
struct file_ra_state {
	uint64_t start;
	uint32_t size, async_size;
	uint32_t mmap_miss;
};

struct vmobj {
	uint64_t      id;         /* owner number shown to policies */
	char         *name;       /* VMOBJ_FILE: its name; NULL for shared memory */
	uint64_t      sid;        /* VMOBJ_FILE: its id in the store */
	uint64_t      size;       /* bytes (a file's; shared memory's as mmap made it); past it
				     bytes are zero and a fault is SIGBUS */
	unsigned      mode;       /* VMOBJ_FILE: permission bits */
	bool          removed;    /* VMOBJ_FILE: name gone, alive while mapped or open */
	uint32_t      nopen;      /* VMOBJ_FILE: opens by number (object_open), one reference each */
	uint32_t      refcount;
	int           kind;
	struct u64map pages;      /* pgoff -> pfn, or VMOBJ_SWAPPED | slot */
	struct vma   *i_mmap;     /* mappings of this object */
	int           fd;         /* VMOBJ_HOST: O_RDONLY descriptor of the host file */
	uint64_t      dev, ino;   /* VMOBJ_HOST: the host file's st_dev, st_ino */
	char         *path;       /* VMOBJ_HOST: its absolute host path */
	uint64_t      committed;  /* VMOBJ_SHMEM: pages charged at creation (shmem_acct_size) */
	struct file_ra_state ra;  /* VMOBJ_FILE, VMOBJ_HOST: readahead's state (filemap.c) */
};

/* Has @o the bytes of a file (a store object or a host file), not shared memory? */
static inline bool vmobj_is_file(const struct vmobj *o)
{
	return o->kind == VMOBJ_FILE || o->kind == VMOBJ_HOST;
}

struct vmobj *vmobj_new(struct vmfs *m, int kind);
void          vmobj_get(struct vmobj *o);
void          vmobj_put(struct vmfs *m, struct vmobj *o);
/*
 * The page cache.  These are the only code that changes o->pages (and a
 * cached frame's mapping and index), so its invariants hold at each.
 */
/* The page-cache value of page @pgoff (pfn or VMOBJ_SWAPPED|slot), or NULL. */
const uint64_t *vmobj_lookup(const struct vmobj *o, uint64_t pgoff);
/* Pages (frames or swap slots) the cache holds. */
uint64_t      vmobj_nr_pages(const struct vmobj *o);
/* Iterate over the cache: start with *it = 0; false when done. */
bool          vmobj_next_page(const struct vmobj *o, size_t *it, uint64_t *pgoff, uint64_t *val);
/* Cache @pfn as page @pgoff, not cached before (the cache takes over one reference). 0 or -ENOMEM. */
int           vmobj_add_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t pfn);
/* Page @pgoff, in swap, is back in frame @pfn: the slot's reference becomes the frame's swap-cache slot. */
void          vmobj_swapin_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t pfn);
/* Page @pgoff's frame has been written to swap slot @slot (the cache takes one slot reference). */
void          vmobj_swapout_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t slot);
/* Take page @pgoff out of the cache: its value (pfn or VMOBJ_SWAPPED|slot), whose reference passes to the caller. */
uint64_t      vmobj_remove_page(struct vmobj *o, uint64_t pgoff);
/* VMOBJ_HOST: read page @pgoff from the host file into @page (zeros past its end). 0 or -EIO. */
int           vmobj_host_read(const struct vmobj *o, uint64_t pgoff, void *page);
void          vmobj_link_vma(struct vmobj *o, struct vma *v);
void          vmobj_unlink_vma(struct vmobj *o, struct vma *v);

#endif

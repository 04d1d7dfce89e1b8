/*
 * vmobj.c - memory objects and their page caches (see vmobj.h).  The page
 * cache is changed only here; a frame entering it gets its mapping and
 * index here too, and a frame in it is never mapped while it moves.
 */
#include "vmobj.h"
#include "machine.h"
#include "page.h"
#include "swap.h"
#include "error.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vmobj *vmobj_new(struct vmfs *m, int kind)
{
	struct vmobj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->id = ++m->next_owner;
	o->refcount = 1;
	o->kind = kind;
	o->fd = -1;
	u64map_init(&o->pages);
	return o;
}

void vmobj_get(struct vmobj *o)
{
	o->refcount++;
}

void vmobj_put(struct vmfs *m, struct vmobj *o)
{
	size_t it = 0;
	uint64_t pgoff, val;

	assert(o->refcount > 0);
	if (--o->refcount)
		return;
	assert(!o->i_mmap);
	while (u64map_next(&o->pages, &it, &pgoff, &val)) {
		if (val & VMOBJ_SWAPPED) {
			swap_put(&m->swap, val & ~VMOBJ_SWAPPED);
		} else {
			assert(pfn_frame(&m->phys, val)->mapping == o &&
			       pfn_frame(&m->phys, val)->mapcount == 0);
			page_put(m, val);
		}
	}
	u64map_free(&o->pages);
	vm_unacct_memory(m, o->committed);   /* shmem_unacct_size, at the inode's end */
	if (o->kind == VMOBJ_FILE)
		store_obj_delete(m->store, o->sid);   /* a failure leaves rows nobody reads */
	if (o->kind == VMOBJ_HOST && o->fd >= 0)
		close(o->fd);
	free(o->path);
	free(o->name);
	free(o);
}

const uint64_t *vmobj_lookup(const struct vmobj *o, uint64_t pgoff)
{
	return u64map_get(&o->pages, pgoff);
}

uint64_t vmobj_nr_pages(const struct vmobj *o)
{
	return o->pages.count;
}

bool vmobj_next_page(const struct vmobj *o, size_t *it, uint64_t *pgoff, uint64_t *val)
{
	return u64map_next(&o->pages, it, pgoff, val);
}

/* @pfn now holds page @pgoff of @o. */
static void cache_frame(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);

	assert((f->flags & FRAME_KIND_MASK) == FRAME_CACHE && f->mapcount == 0);
	f->mapping = o;
	f->index = pgoff;
}

int vmobj_add_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t pfn)
{
	assert(!u64map_get(&o->pages, pgoff));
	if (u64map_put(&o->pages, pgoff, pfn) < 0)
		return -ENOMEM;
	cache_frame(m, o, pgoff, pfn);
	return 0;
}

void vmobj_swapin_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t pfn)
{
	uint64_t *v = u64map_get(&o->pages, pgoff);

	assert(v && (*v & VMOBJ_SWAPPED));
	pfn_frame(&m->phys, pfn)->swap = *v & ~VMOBJ_SWAPPED;
	*v = pfn;
	cache_frame(m, o, pgoff, pfn);
}

void vmobj_swapout_page(struct vmfs *m, struct vmobj *o, uint64_t pgoff, uint64_t slot)
{
	uint64_t *v = u64map_get(&o->pages, pgoff);

	assert(v && !(*v & VMOBJ_SWAPPED) && slot);
	swap_get(&m->swap, slot);
	*v = VMOBJ_SWAPPED | slot;
}

uint64_t vmobj_remove_page(struct vmobj *o, uint64_t pgoff)
{
	uint64_t *v = u64map_get(&o->pages, pgoff), val;

	assert(v);
	val = *v;
	u64map_del(&o->pages, pgoff);
	return val;
}

int vmobj_host_read(const struct vmobj *o, uint64_t pgoff, void *page)
{
	uint64_t off = pgoff << PAGE_SHIFT;
	size_t done = 0;

	assert(o->kind == VMOBJ_HOST);
	while (done < PAGE_SIZE && off + done < o->size) {
		ssize_t n = pread(o->fd, (char *)page + done, PAGE_SIZE - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error(-EIO, "reading page %llu of host file '%s': %s",
					(unsigned long long)pgoff, o->path, strerror(errno));
		if (n == 0)
			break;   /* the file shrank under us: the rest reads as zeros */
		done += (size_t)n;
	}
	memset((char *)page + done, 0, PAGE_SIZE - done);
	return 0;
}

void vmobj_link_vma(struct vmobj *o, struct vma *v)
{
	v->obj_prev = NULL;
	v->obj_next = o->i_mmap;
	if (o->i_mmap)
		o->i_mmap->obj_prev = v;
	o->i_mmap = v;
}

void vmobj_unlink_vma(struct vmobj *o, struct vma *v)
{
	if (v->obj_prev)
		v->obj_prev->obj_next = v->obj_next;
	else
		o->i_mmap = v->obj_next;
	if (v->obj_next)
		v->obj_next->obj_prev = v->obj_prev;
	v->obj_prev = v->obj_next = NULL;
}

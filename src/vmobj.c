/*
 * vmobj.c - memory objects and their page caches (see vmobj.h).
 */
#include "vmobj.h"
#include "phys.h"
#include "vma.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

struct vmobj *vmobj_new(int kind)
{
	struct vmobj *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->refcount = 1;
	o->kind = kind;
	u64map_init(&o->pages);
	return o;
}

void vmobj_get(struct vmobj *o)
{
	o->refcount++;
}

void vmobj_put(struct vmobj *o, struct phys *p)
{
	size_t it = 0;
	uint64_t pgoff, pfn;

	assert(o->refcount > 0);
	if (--o->refcount)
		return;
	assert(!o->i_mmap);
	while (u64map_next(&o->pages, &it, &pgoff, &pfn)) {
		struct frame *f = pfn_frame(p, pfn);

		assert(f->mapping == o && f->mapcount == 0);
		f->mapping = NULL;
		frame_put(p, pfn);
	}
	u64map_free(&o->pages);
	free(o);
}

int64_t vmobj_find_page(const struct vmobj *o, uint64_t pgoff)
{
	const uint64_t *pfn = u64map_get(&o->pages, pgoff);

	return pfn ? (int64_t)*pfn : -1;
}

int vmobj_add_page(struct vmobj *o, uint64_t pgoff, uint64_t pfn, struct phys *p)
{
	struct frame *f = pfn_frame(p, pfn);

	if (u64map_put(&o->pages, pgoff, pfn) < 0)
		return -ENOMEM;
	f->mapping = o;
	f->index = pgoff;
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

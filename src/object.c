/*
 * object.c - named objects: create, open and close, read, write, resize,
 * remove, chmod, stat, list (see object.h).
 *
 * What stays true here: every object in m->open_objs has nopen > 0 and
 * holds nopen references for its opens; an object is in m->objs exactly
 * while it has its name (removed false); each call below resolves its
 * struct objsel once (resolve) and then works on the vmobj alone, so the
 * name calls and the number calls are the same code.
 *
 * The byte path of read and write, page by page:
 *
 *     page cached?  ──yes──► copy from / into the frame (a write marks it
 *          │                 FRAME_DIRTY: it goes back to the store when
 *          no                evicted or at sync)
 *          ▼
 *     store page    ──────► read the row (zeros if none); a partial write
 *                           reads, changes and writes the row back (batched)
 *
 * With contents=none no byte is kept anywhere: a read gives zeros, a write
 * changes only the size (and no row of the store is written); the page
 * cache, dirty bits and writeback counts work as ever.
 *
 * Host files (VMOBJ_HOST, object_host: the programs exec maps) are named
 * objects too, found by name like the others, but their bytes are the
 * host's: a read of an uncached page preads the file, and write, resize
 * and chmod fail with -EROFS; the store never holds them.  Their names are
 * escaped absolute paths, all starting "%2F", a prefix no other object may
 * take.
 *
 * A resize that shrinks first takes the cut-off pages out of every mapping
 * (private copies included, as Linux's truncate does), then out of the cache
 * and the store, and zeroes the tail of the new last page.
 */
#include "object.h"
#include "error.h"
#include "machine.h"
#include "rmap.h"
#include "store.h"
#include "page.h"
#include "vmobj.h"
#include "vmscan.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

/*
 * Host files are named by their absolute path with '%' written "%25" and
 * '/' written "%2F" (so every host object's name starts with "%2F"); no
 * store object may take a name starting so.
 */
#define HOST_PREFIX "%2F"

static bool name_ok(const char *name)
{
	size_t n = 0;

	if (!name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || n >= 255)
			return false;
	return n > 0;
}

/* Index of @name in the sorted table, or where it would go (*found false). */
static uint64_t find_slot(const struct vmfs *m, const char *name, bool *found)
{
	uint64_t lo = 0, hi = m->nobjs;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->objs[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct vmobj *object_lookup(struct vmfs *m, const char *name)
{
	bool found;
	uint64_t i;

	if (!name_ok(name)) {
		vm_error(-EINVAL, "'%s' is not an object name (1 to 255 bytes, no '/' or control characters)",
			 name ? name : "(null)");
		return NULL;
	}
	i = find_slot(m, name, &found);
	if (!found) {
		vm_error(-ENOENT, "no object named '%s'", name);
		return NULL;
	}
	return m->objs[i];
}

static int lookup_err(void)
{
	return strstr(vm_error_msg(), "no object") ? -ENOENT : -EINVAL;
}

/* The open object numbered @id, or NULL. */
static struct vmobj *open_object(const struct vmfs *m, int64_t id)
{
	const uint64_t *v = id > 0 ? u64map_get(&m->open_objs, (uint64_t)id) : NULL;

	return v ? (struct vmobj *)(uintptr_t)*v : NULL;
}

/* The object @sel names, or NULL with the error (-ENOENT, -EINVAL, -EBADF) in *rc. */
static struct vmobj *resolve(struct vmfs *m, struct objsel sel, int *rc)
{
	struct vmobj *o;

	if (sel.name) {
		if (!(o = object_lookup(m, sel.name)))
			*rc = lookup_err();
		return o;
	}
	if (!(o = open_object(m, sel.id)))
		*rc = vm_error(-EBADF, "object %lld is not open", (long long)sel.id);
	return o;
}

int64_t object_open(struct vmfs *m, const char *name)
{
	struct vmobj *o = object_lookup(m, name);

	if (!o)
		return lookup_err();
	if (o->refcount >= UINT32_MAX / 2)
		return vm_error(-ENFILE, "object '%s': opened too many times", name);
	if (!o->nopen && u64map_put(&m->open_objs, o->sid, (uintptr_t)o) < 0)
		return vm_error(-ENOMEM, "out of memory opening object '%s'", name);
	o->nopen++;
	vmobj_get(o);
	return (int64_t)o->sid;
}

int object_close(struct vmfs *m, int64_t id)
{
	int rc;
	struct vmobj *o = resolve(m, OBJ_OPEN(id), &rc);

	if (!o)
		return rc;
	if (--o->nopen == 0)
		u64map_del(&m->open_objs, o->sid);
	vmobj_put(m, o);   /* the open's reference: a removed object may go now */
	return 0;
}

/* Room for one more name in the table: 0 or -ENOMEM. */
static int objs_reserve(struct vmfs *m)
{
	if (m->nobjs == m->capobjs) {
		uint64_t ncap = m->capobjs ? m->capobjs * 2 : 16;
		struct vmobj **n = realloc(m->objs, ncap * sizeof(*n));

		if (!n)
			return vm_error(-ENOMEM, "out of memory for an object");
		m->objs = n;
		m->capobjs = ncap;
	}
	return 0;
}

/* Put @o, named, at slot @at of the table (objs_reserve made room). */
static void objs_insert(struct vmfs *m, uint64_t at, struct vmobj *o)
{
	memmove(&m->objs[at + 1], &m->objs[at], (m->nobjs - at) * sizeof(*m->objs));
	m->objs[at] = o;
	m->nobjs++;
}

static uint64_t npages_of(uint64_t size)
{
	return (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
}

int object_create(struct vmfs *m, const char *name, const void *data, uint64_t len)
{
	struct vmobj *o;
	bool found;
	uint64_t at;
	int rc;

	if (!name_ok(name))
		return vm_error(-EINVAL, "'%s' is not an object name (1 to 255 bytes, no '/' or control characters)",
				name ? name : "(null)");
	if (!strncmp(name, HOST_PREFIX, strlen(HOST_PREFIX)))
		return vm_error(-EINVAL, "'%s': names starting with %s are host files' (an escaped path)",
				name, HOST_PREFIX);
	at = find_slot(m, name, &found);
	if (found)
		return vm_error(-EEXIST, "an object named '%s' exists", name);
	if (len > OBJECT_MAX_SIZE)
		return vm_error(-EFBIG, "object '%s': larger than 16 TiB", name);
	if (m->next_sid >= STORE_MAX_ID)
		return vm_error(-ENOSPC, "no object ids left");
	if ((rc = objs_reserve(m)) < 0)
		return rc;
	o = vmobj_new(m, VMOBJ_FILE);
	if (!o || !(o->name = strdup(name))) {
		if (o)
			free(o);
		return vm_error(-ENOMEM, "out of memory for an object");
	}
	o->sid = ++m->next_sid;
	o->size = len;
	o->mode = 0644;
	rc = store_obj_meta(m->store, o->sid, o->name, o->size, o->mode);
	for (uint64_t off = 0; rc == 0 && data && m->phys.contents && off < len; off += PAGE_SIZE) {
		uint8_t page[PAGE_SIZE];
		uint64_t n = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;

		memcpy(page, (const uint8_t *)data + off, n);
		memset(page + n, 0, PAGE_SIZE - n);
		rc = store_obj_page_write(m->store, o->sid, off >> PAGE_SHIFT, page);
	}
	if (rc < 0) {
		vmobj_put(m, o);   /* its only reference: the store's rows go with it */
		return rc;
	}
	objs_insert(m, at, o);
	return 0;
}

int object_host_name(const char *path, char *buf, size_t len)
{
	size_t n = 0;

	if (!path || path[0] != '/')
		return vm_error(-EINVAL, "'%s' is not an absolute path", path ? path : "(null)");
	for (const char *p = path; *p; p++) {
		const char *put = *p == '/' ? "%2F" : *p == '%' ? "%25" : NULL;
		size_t k = put ? 3 : 1;

		if (n + k >= len || n + k > NAME_MAX_LEN)
			return vm_error(-ENAMETOOLONG, "host path '%s' is longer than an object name "
					"(255 bytes, '/' and '%%' counting 3)", path);
		memcpy(buf + n, put ? put : p, k);
		n += k;
	}
	buf[n] = '\0';
	return 0;
}

int object_host(struct vmfs *m, const char *path, int fd, struct vmobj **out)
{
	char name[NAME_MAX_LEN + 1];
	struct stat st;
	struct vmobj *o;
	bool found;
	uint64_t at;
	int rc;

	if ((rc = object_host_name(path, name, sizeof(name))) < 0)
		return rc;
	if (fstat(fd, &st) < 0)
		return vm_error(-EIO, "%s: fstat: %s", path, strerror(errno));
	at = find_slot(m, name, &found);
	if (found) {
		o = m->objs[at];
		if (o->kind == VMOBJ_HOST && o->dev == (uint64_t)st.st_dev &&
		    o->ino == (uint64_t)st.st_ino && o->size == (uint64_t)st.st_size) {
			vmobj_get(o);
			*out = o;
			return 0;
		}
		if (o->kind != VMOBJ_HOST)
			return vm_error(-EEXIST, "object '%s' is not host file '%s'", name, path);
		/* Another file at that path now (replaced, as a package update does). */
		object_remove(m, name);
		at = find_slot(m, name, &found);
	}
	if ((uint64_t)st.st_size > OBJECT_MAX_SIZE)
		return vm_error(-EFBIG, "%s: larger than 16 TiB", path);
	if (m->next_sid >= STORE_MAX_ID)
		return vm_error(-ENOSPC, "no object ids left");
	if ((rc = objs_reserve(m)) < 0)
		return rc;
	o = vmobj_new(m, VMOBJ_HOST);
	if (!o || !(o->name = strdup(name)) || !(o->path = strdup(path)) ||
	    (o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		rc = o && o->name && o->path ? vm_error(-EMFILE, "%s: dup: %s", path, strerror(errno))
					     : vm_error(-ENOMEM, "out of memory for an object");
		if (o)
			vmobj_put(m, o);
		return rc;
	}
	o->sid = ++m->next_sid;
	o->size = (uint64_t)st.st_size;
	o->mode = st.st_mode & 0555;
	o->dev = (uint64_t)st.st_dev;
	o->ino = (uint64_t)st.st_ino;
	objs_insert(m, at, o);
	vmobj_get(o);   /* the caller's */
	*out = o;
	return 0;
}

/* -EROFS for a host file: its bytes and mode are the host's, never changed. */
static int host_ro(const struct vmobj *o, const char *what)
{
	return o->kind == VMOBJ_HOST ? vm_error(-EROFS, "%s: host file '%s' is read-only", what, o->path)
				     : 0;
}

/* The cached frame of page @pgno, or NULL. */
static uint8_t *cached_page(struct vmfs *m, const struct vmobj *o, uint64_t pgno)
{
	const uint64_t *v = vmobj_lookup(o, pgno);

	return v ? pfn_to_virt(&m->phys, *v) : NULL;
}

int64_t object_read(struct vmfs *m, struct objsel sel, uint64_t off, void *buf, uint64_t len)
{
	int err;
	struct vmobj *o = resolve(m, sel, &err);
	uint64_t done = 0;

	if (!o)
		return err;
	if (off >= o->size)
		return 0;
	if (len > o->size - off)
		len = o->size - off;
	if (!m->phys.contents) {
		memset(buf, 0, len);
		return (int64_t)len;
	}
	while (done < len) {
		uint64_t pos = off + done, in = pos & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;
		uint8_t *p = cached_page(m, o, pos >> PAGE_SHIFT), tmp[PAGE_SIZE];
		int rc;

		if (!p) {
			rc = o->kind == VMOBJ_HOST ? vmobj_host_read(o, pos >> PAGE_SHIFT, tmp)
				: store_obj_page_read(m->store, o->sid, pos >> PAGE_SHIFT, tmp);
			if (rc < 0)
				return done ? (int64_t)done : rc;
			p = tmp;
		}
		memcpy((uint8_t *)buf + done, p + in, n);
		done += n;
	}
	return (int64_t)done;
}

/* Zero bytes [from, end of page) of page @pgno, cached or stored. */
static int zero_tail(struct vmfs *m, struct vmobj *o, uint64_t pgno, uint64_t from)
{
	uint8_t *p = cached_page(m, o, pgno), tmp[PAGE_SIZE];
	int rc;

	if (!m->phys.contents)
		return 0;
	if (p) {
		memset(p + from, 0, PAGE_SIZE - from);
		pfn_frame(&m->phys, *vmobj_lookup(o, pgno))->flags |= FRAME_DIRTY;
		return 0;
	}
	if ((rc = store_obj_page_read(m->store, o->sid, pgno, tmp)) < 0)
		return rc;
	memset(tmp + from, 0, PAGE_SIZE - from);
	return store_obj_page_write(m->store, o->sid, pgno, tmp);
}

/*
 * Growing to @size: the old last page's bytes past the old end may hold what
 * a mapping wrote there; they must read as zero now (Linux's
 * pagecache_isize_extended).
 */
static int grow_from(struct vmfs *m, struct vmobj *o, uint64_t size)
{
	if (size <= o->size || !(o->size & (PAGE_SIZE - 1)))
		return 0;
	return zero_tail(m, o, o->size >> PAGE_SHIFT, o->size & (PAGE_SIZE - 1));
}

int64_t object_write(struct vmfs *m, struct objsel sel, uint64_t off, const void *buf, uint64_t len)
{
	int rc = 0;
	struct vmobj *o = resolve(m, sel, &rc);
	uint64_t done = 0;

	if (!o)
		return rc;
	if ((rc = host_ro(o, "write")) < 0)
		return rc;
	if (off > OBJECT_MAX_SIZE || len > OBJECT_MAX_SIZE - off)
		return vm_error(-EFBIG, "object '%s': writing past 16 TiB", o->name);
	if (len == 0)
		return 0;
	if ((rc = grow_from(m, o, off + len)) < 0)
		return rc;
	if (!m->phys.contents)
		done = len;   /* no bytes kept: only the size changes */
	while (done < len) {
		uint64_t pos = off + done, in = pos & (PAGE_SIZE - 1), pgno = pos >> PAGE_SHIFT;
		uint64_t n = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;
		const uint64_t *v = vmobj_lookup(o, pgno);
		uint8_t tmp[PAGE_SIZE];

		if (v) {
			memcpy((uint8_t *)pfn_to_virt(&m->phys, *v) + in, (const uint8_t *)buf + done, n);
			pfn_frame(&m->phys, *v)->flags |= FRAME_DIRTY;
		} else {
			if (n < PAGE_SIZE && (rc = store_obj_page_read(m->store, o->sid, pgno, tmp)) < 0)
				break;
			memcpy(tmp + in, (const uint8_t *)buf + done, n);
			if ((rc = store_obj_page_write(m->store, o->sid, pgno, tmp)) < 0)
				break;
		}
		done += n;
	}
	if (off + done > o->size) {
		o->size = off + done;
		rc = store_obj_meta(m->store, o->sid, o->name, o->size, o->mode);
		if (rc < 0 && !done)
			return rc;
	}
	if (done < len && !done)
		return rc;
	return (int64_t)done;
}

int object_resize(struct vmfs *m, struct objsel sel, uint64_t size)
{
	int rc;
	struct vmobj *o = resolve(m, sel, &rc);
	uint64_t keep, *cut, ncut = 0;
	size_t it = 0;
	uint64_t pgno, val;

	if (!o)
		return rc;
	if ((rc = host_ro(o, "resize")) < 0)
		return rc;
	if (size > OBJECT_MAX_SIZE)
		return vm_error(-EFBIG, "object '%s': larger than 16 TiB", o->name);
	if (size >= o->size) {
		uint64_t old = o->size;

		if ((rc = grow_from(m, o, size)) < 0)
			return rc;
		o->size = size;
		if ((rc = store_obj_meta(m->store, o->sid, o->name, size, o->mode)) < 0)
			o->size = old;
		return rc;
	}
	keep = npages_of(size);
	cut = malloc((vmobj_nr_pages(o) + 1) * sizeof(*cut));
	if (!cut)
		return vm_error(-ENOMEM, "out of memory resizing '%s'", o->name);
	if ((size & (PAGE_SIZE - 1) &&
	     (rc = zero_tail(m, o, size >> PAGE_SHIFT, size & (PAGE_SIZE - 1))) < 0) ||
	    (rc = store_obj_truncate(m->store, o->sid, keep)) < 0) {
		free(cut);
		return rc;
	}
	/* From here on the cut is made: take the pages out of every mapping. */
	for (struct vma *v = o->i_mmap; v; v = v->obj_next) {
		uint64_t first = keep > v->pgoff ? keep - v->pgoff : 0;
		uint64_t start = v->start + (first << PAGE_SHIFT);

		if (first < ((v->end - v->start) >> PAGE_SHIFT))
			zap_range(m, v->mm, start, v->end);
	}
	while (vmobj_next_page(o, &it, &pgno, &val))
		if (pgno >= keep)
			cut[ncut++] = pgno;
	for (uint64_t i = 0; i < ncut; i++) {
		uint64_t pfn = vmobj_remove_page(o, cut[i]);

		assert(!(pfn & VMOBJ_SWAPPED));   /* an object's pages go back to it, not to swap */
		page_put(m, pfn);
	}
	free(cut);
	o->size = size;
	return store_obj_meta(m->store, o->sid, o->name, size, o->mode);
}

int object_remove(struct vmfs *m, const char *name)
{
	struct vmobj *o = object_lookup(m, name);
	bool found;
	uint64_t at;

	if (!o)
		return lookup_err();
	at = find_slot(m, name, &found);
	memmove(&m->objs[at], &m->objs[at + 1], (m->nobjs - at - 1) * sizeof(*m->objs));
	m->nobjs--;
	o->removed = true;
	vmobj_put(m, o);   /* the name's reference; mappings keep it alive */
	return 0;
}

int object_chmod(struct vmfs *m, struct objsel sel, unsigned mode)
{
	int rc;
	struct vmobj *o = resolve(m, sel, &rc);
	unsigned old;

	if (!o)
		return rc;
	if ((rc = host_ro(o, "chmod")) < 0)
		return rc;
	if (mode & ~07777u)
		return vm_error(-EINVAL, "mode 0%o has bits beyond 07777", mode);
	old = o->mode;
	o->mode = mode;
	if ((rc = store_obj_meta(m->store, o->sid, o->name, o->size, mode)) < 0)
		o->mode = old;
	return rc;
}

static void info_of(const struct vmobj *o, struct vmfs_object_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", o->name);
	info->size = o->size;
	info->cached = vmobj_nr_pages(o);
	for (const struct vma *v = o->i_mmap; v; v = v->obj_next)
		info->mapped++;
	info->removed = o->removed;
	info->mode = o->mode;
}

int object_stat(struct vmfs *m, struct objsel sel, struct vmfs_object_info *info)
{
	int rc;
	struct vmobj *o = resolve(m, sel, &rc);

	if (!o)
		return rc;
	info_of(o, info);
	return 0;
}

int object_list(struct vmfs *m, struct vmfs_object_info *out, uint64_t max)
{
	for (uint64_t i = 0; i < m->nobjs && i < max; i++)
		info_of(m->objs[i], &out[i]);
	return m->nobjs > INT32_MAX ? INT32_MAX : (int)m->nobjs;
}

static int clean_fn(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	(void)m;
	(void)arg;
	if (*ptep & PTE_D)
		set_pte(mm, va, ptep, *ptep & ~PTE_D);
	return 0;
}

/* Write back page-cache frame @pfn of object @o if dirty, and clean it (page_mkclean). */
static int writeback_page(struct vmfs *m, const struct vmobj *o, uint64_t pfn)
{
	struct frame *f = pfn_frame(&m->phys, pfn);
	int rc;

	if (!page_dirty(m, pfn))
		return 0;
	rc = m->phys.contents ? store_obj_page_write(m->store, o->sid, f->index,
						      pfn_to_virt(&m->phys, pfn)) : 0;
	if (rc < 0)
		return rc;
	m->cnt.pgpgout++;
	/* page_mkclean: the next write dirties it again. */
	f->flags &= ~FRAME_DIRTY;
	rmap_walk(m, pfn, clean_fn, NULL);
	return 0;
}

int object_writeback(struct vmfs *m)
{
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		struct frame *f = pfn_frame(&m->phys, pfn);
		const struct vmobj *o = f->mapping;
		int rc;

		if ((f->flags & FRAME_KIND_MASK) != FRAME_CACHE || o->kind != VMOBJ_FILE)
			continue;
		if ((rc = writeback_page(m, o, pfn)) < 0)
			return rc;
	}
	return 0;
}

int object_writeback_range(struct vmfs *m, const struct vmobj *o, uint64_t first, uint64_t last)
{
	uint64_t pages = (o->size + PAGE_SIZE - 1) >> PAGE_SHIFT;

	if (o->kind != VMOBJ_FILE)
		return 0;       /* shared memory: nothing to write back (shmem's fsync) */
	for (uint64_t pgoff = first; pgoff <= last && pgoff < pages; pgoff++) {
		const uint64_t *c = vmobj_lookup(o, pgoff);
		int rc;

		if (c && !(*c & VMOBJ_SWAPPED) && (rc = writeback_page(m, o, *c)) < 0)
			return rc;
	}
	return 0;
}

uint64_t object_drop_caches(struct vmfs *m)
{
	uint64_t dropped = 0;

	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		struct frame *f = pfn_frame(&m->phys, pfn);
		struct vmobj *o = f->mapping;

		if ((f->flags & FRAME_KIND_MASK) != FRAME_CACHE || !vmobj_is_file(o) ||
		    f->mapcount || f->refcount != 1 || page_dirty(m, pfn))
			continue;
		pfn = vmobj_remove_page(o, f->index);
		page_put(m, pfn);
		dropped++;
	}
	return dropped;
}

void object_fini(struct vmfs *m)
{
	while (m->nobjs) {
		struct vmobj *o = m->objs[--m->nobjs];

		o->removed = true;
		vmobj_put(m, o);
	}
	free(m->objs);
	m->objs = NULL;
	m->capobjs = 0;
	/* Objects still open: the opens' references go, and the objects with them. */
	while (m->open_objs.count) {
		size_t it = 0;
		uint64_t id, val;
		struct vmobj *o;

		u64map_next(&m->open_objs, &it, &id, &val);
		u64map_del(&m->open_objs, id);
		o = (struct vmobj *)(uintptr_t)val;
		for (uint32_t n = o->nopen; n; n--) {
			o->nopen--;
			vmobj_put(m, o);
		}
	}
	u64map_free(&m->open_objs);
}

/*
 * object.h - named objects (shared libraries and other files) of a machine.
 *
 * An object is a vmobj of kind VMOBJ_FILE with a name, a size and a mode,
 * whose bytes live in the store by page and, while in use, in the page
 * cache.  The machine keeps its named objects in an array sorted by name.
 * Reads and writes go through the page cache when a page is cached and to
 * the store otherwise, so every reader sees every writer at once: processes
 * through MAP_SHARED mappings, and the API.  Bytes past an object's size are
 * zero in the cache and in the store (resize keeps it so).
 *
 * An object has two ways in: its name, while it has one, and its number
 * (its store id, never reused in a machine's life, like an inode number)
 * while it is open.  object_open takes one reference per open (vmobj_get)
 * and puts the object in the machine's table of open objects (number ->
 * vmobj); object_close gives the reference back and takes the object out
 * of the table at its last close.  So an object opened and then removed
 * lives on, unnamed, until its last close (and last mapping), and its
 * number never reaches another object.  Every call that reads or changes
 * an object takes a struct objsel (a name or a number) and resolves it
 * once: one piece of logic for both ways in.
 * Called with the machine lock held.
 */
#ifndef VMFS_OBJECT_H
#define VMFS_OBJECT_H

#include "uapi.h"

#include <stddef.h>
#include <stdint.h>

struct vmfs;
struct vmobj;

#define OBJECT_MAX_SIZE (1ull << 44)   /* 16 TiB */

/* Which object a call acts on: the one named @name, or (name NULL) the open object @id. */
struct objsel {
	const char *name;
	int64_t     id;
};
#define OBJ_NAMED(n) ((struct objsel){ .name = (n), .id = 0 })
#define OBJ_OPEN(i)  ((struct objsel){ .name = NULL, .id = (i) })

/* The named object @name, or NULL with -ENOENT/-EINVAL in the message. */
struct vmobj *object_lookup(struct vmfs *m, const char *name);

int     object_create(struct vmfs *m, const char *name, const void *data, uint64_t len);
/* Open object @name: its number (> 0), holding one reference; -ENOENT, -EINVAL, -ENFILE, -ENOMEM. */
int64_t object_open(struct vmfs *m, const char *name);
/* Give back one open of object @id; -EBADF if it is not open. */
int     object_close(struct vmfs *m, int64_t id);
int64_t object_read(struct vmfs *m, struct objsel sel, uint64_t off, void *buf, uint64_t len);
int64_t object_write(struct vmfs *m, struct objsel sel, uint64_t off, const void *buf, uint64_t len);
int     object_resize(struct vmfs *m, struct objsel sel, uint64_t size);
int     object_remove(struct vmfs *m, const char *name);
int     object_chmod(struct vmfs *m, struct objsel sel, unsigned mode);
int     object_stat(struct vmfs *m, struct objsel sel, struct vmfs_object_info *info);
int     object_list(struct vmfs *m, struct vmfs_object_info *out, uint64_t max);
/*
 * The object name of host file @path (absolute): the path with '%' written
 * "%25" and '/' written "%2F".  0, -EINVAL (not absolute) or -ENAMETOOLONG.
 */
int     object_host_name(const char *path, char *buf, size_t len);
/*
 * The host object of the file open as @fd (O_RDONLY) at @path, holding one
 * reference for the caller: found again (same st_dev, st_ino and size), or
 * made, named object_host_name(@path), with its own copy of @fd.  A name
 * taken by another file (the path now names a new one) is removed first,
 * as object_remove does.  0, or -ENAMETOOLONG, -EINVAL, -EFBIG, -EMFILE, -ENOMEM.
 */
int     object_host(struct vmfs *m, const char *path, int fd, struct vmobj **out);
/* Write every dirty cached object page back to the store (part of sync). */
int     object_writeback(struct vmfs *m);
/*
 * drop_caches' invalidate_mapping_pages over every object: each page-cache
 * page of a named object that no entry maps, that is clean and that
 * nothing else holds leaves the cache (its frame is freed); dirty, mapped
 * or pinned pages stay, as Linux's mapping_evict_folio keeps them.
 * Returns the number of pages dropped.
 */
uint64_t object_drop_caches(struct vmfs *m);
/*
 * msync's vfs_fsync_range: write back the dirty cached pages @first to
 * @last of @o (a named object; shared memory has nothing to write) and
 * clean their entries.  0 or the store's -errno.
 */
int     object_writeback_range(struct vmfs *m, const struct vmobj *o, uint64_t first, uint64_t last);
/* Free the name table and close every open object at machine close. */
void    object_fini(struct vmfs *m);

#endif

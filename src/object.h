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
 * Called with the machine lock held.
 */
#ifndef VMFS_OBJECT_H
#define VMFS_OBJECT_H

#include "uapi.h"

#include <stdint.h>

struct vmfs;
struct vmobj;

#define OBJECT_MAX_SIZE (1ull << 44)   /* 16 TiB */

/* The named object @name, or NULL with -ENOENT/-EINVAL in the message. */
struct vmobj *object_lookup(struct vmfs *m, const char *name);

int     object_create(struct vmfs *m, const char *name, const void *data, uint64_t len);
int64_t object_read(struct vmfs *m, const char *name, uint64_t off, void *buf, uint64_t len);
int64_t object_write(struct vmfs *m, const char *name, uint64_t off, const void *buf, uint64_t len);
int     object_resize(struct vmfs *m, const char *name, uint64_t size);
int     object_remove(struct vmfs *m, const char *name);
int     object_chmod(struct vmfs *m, const char *name, unsigned mode);
int     object_stat(struct vmfs *m, const char *name, struct vmfs_object_info *info);
int     object_list(struct vmfs *m, struct vmfs_object_info *out, uint64_t max);
/* Write every dirty cached object page back to the store (part of sync). */
int     object_writeback(struct vmfs *m);
/* Free the name table at close. */
void    object_fini(struct vmfs *m);

#endif

/*
 * objtab.h - the object table of the vmfs daemon: the inode ids by which the
 * kernel knows the objects of MOUNTPOINT/objects/, and the open object each
 * id stands for.
 *
 * The kernel knows objects by inode; the machine knows them by name, which
 * another object may take over (rm, then create under the same name), and
 * by number (vmfs_object_open), which never changes hands.  An object's id
 * here is that number, so its inode number (OBJECT_INO | id, inode.c) is
 * the one a listing gives and the one maps shows for a mapping of it, also
 * after it is removed (procfmt.c).  The table holds each object the kernel
 * has looked up (lookup, create) open under its id (its handle) and acts
 * on the object through the handle only, so an inode, and every descriptor
 * opened on it, keeps its object after an unlink: reads and writes go to
 * the removed object, never to a new one of the same name.  It forgets the
 * id when the kernel does (forget) and the name no longer refers to it
 * (unlink, or a new object of the same name), and closes the handle then.
 *
 *   lookup/create: obj_id()      nlookup + 1        (linked, found by name)
 *   unlink:        obj_unlink()  linked = false     (found by id only)
 *   forget:        obj_forget()  nlookup - n        freed at 0 when unlinked
 *
 * What stays true: ids are object numbers, never 0 and never reused by the
 * machine, so an old inode never names a new object; an entry lives while
 * the kernel holds it or its name is still its own; every entry holds
 * exactly one open of its object, closed when the entry is freed, and no
 * two entries hold the same object.  Every call takes the table's lock for
 * itself alone and makes its libvmfs calls (vmfs_object_close) after
 * dropping it (see the locking rules in daemon.h).
 */
#ifndef VMFS_OBJTAB_H
#define VMFS_OBJTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"

/* What the table knows of one object, copied out. */
struct obj_ref {
	uint64_t id;
	int64_t  handle;                   /* the open object (vmfs_object_open): its number, = id */
	bool     linked;                   /* the name is still its own */
	char     name[CTL_NAME_MAX + 1];
};

/*
 * obj_id - the id of object @name, counting one more kernel reference:
 * @handle, an open of the object the name now names (its number; the
 * table takes it over: it keeps it or closes it).  An entry of that name
 * holding another object, or any older entry when @fresh (the object was
 * just created), is stale and is replaced.  0 or -ENOMEM (@handle closed
 * then).
 */
int obj_id(const char *name, bool fresh, int64_t handle, uint64_t *id);

/* obj_forget - the kernel dropped @n references to id @id. */
void obj_forget(uint64_t id, uint64_t n);

/* obj_unlink - the name of id @id is gone (rm): the id is found by number only. */
void obj_unlink(uint64_t id);

/* obj_find - what the table knows of id @id into @ref; -ESTALE for an unknown id. */
int obj_find(uint64_t id, struct obj_ref *ref);

#endif

/*
 * objtab.h - the object table of the vmfs daemon: the inode ids by which the
 * kernel knows the objects of MOUNTPOINT/objects/.
 *
 * Objects are known to the machine by name; the kernel knows them by inode.
 * The table gives each name an id when the kernel first learns of it
 * (lookup, create) and forgets the id when the kernel does (forget) and the
 * name no longer refers to it (unlink, or a new object of the same name).
 *
 *   lookup/create: obj_id()      nlookup + 1        (linked, found by name)
 *   unlink:        obj_unlink()  linked = false     (found by id only)
 *   forget:        obj_forget()  nlookup - n        freed at 0 when unlinked
 *
 * What stays true: ids start at 1 and are never reused, so an old inode
 * never names a new object; an entry lives while the kernel holds it or
 * its name is still its own.  Every call takes the table's lock for itself
 * alone (see the locking rules in daemon.h).
 */
#ifndef VMFS_OBJTAB_H
#define VMFS_OBJTAB_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"

/* What the table knows of one object, copied out. */
struct obj_ref {
	uint64_t id;
	bool     linked;                   /* the name is still its own */
	unsigned mode;                     /* its last known mode */
	char     name[CTL_NAME_MAX + 1];
};

/*
 * obj_id - the id of object @name, counting one more kernel reference when
 * @count; @fresh when the object was just created (an older entry of that
 * name is stale).  A listing asks without counting: the entry then lives
 * until the name goes.  0 or -ENOMEM.
 */
int obj_id(const char *name, unsigned mode, bool fresh, bool count, uint64_t *id);

/* obj_forget - the kernel dropped @n references to id @id. */
void obj_forget(uint64_t id, uint64_t n);

/* obj_unlink - @name no longer names the object it did (rm). */
void obj_unlink(const char *name);

/* obj_find - what the table knows of id @id into @ref; -ESTALE for an unknown id. */
int obj_find(uint64_t id, struct obj_ref *ref);

/* obj_linked - whether id @id still owns its name (reads of a removed one fail). */
bool obj_linked(uint64_t id);

#endif

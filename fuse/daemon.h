/*
 * daemon.h - what the files of the vmfs daemon share, and nothing else:
 * the machine and its owner, the size of one I/O, and the rules of the
 * daemon's own locks.  Not installed; libvmfs users never see it.
 *
 * The daemon is one simulated machine (libvmfs) mounted with libfuse3's
 * low-level (inode) API as a file system laid out like Linux's /proc
 * (SPEC section 3, vmfs(1)).  Its files, each by what it holds:
 *
 *   main.c     the command line, going to the background, the serving loop
 *   inode.c    the tree: which names exist, what an inode number names,
 *              a node's attributes, a directory's listing (inode.h)
 *   objtab.c   the object table: the ids the kernel knows objects by (objtab.h)
 *   ops.c      the low-level operations (ll_*): open files, reads, writes,
 *              changes to the tree (vmfs_ops)
 *   procfmt.c  the text of the generated files (procfmt.h)
 *   ctl.c      the command language of the ctl files (ctl.h)
 *
 * What stays true:
 *   - The daemon reaches the machine only through libvmfs, and every file's
 *     content comes from the machine when it is read (mem, phys, pagemap,
 *     objects) or opened (text files: one snapshot per open).
 *   - @machine, @owner_uid, @owner_gid and @max_read are set by main()
 *     before the session is mounted and only read afterwards, by every
 *     worker thread without a lock; ll_destroy() clears @machine once the
 *     last request is done.
 *
 * Locking, for the whole daemon (the machine's own lock is libvmfs's; the
 * daemon never sees it):
 *   - an open file or directory (struct handle, ops.c) has a mutex guarding
 *     its mutable part (a directory's listing, a ctl file's answer).  It is
 *     held across the libvmfs calls that fill that part, never across a
 *     reply: replies go out from the worker thread's own buffer (iobuf,
 *     ops.c), because the moment the kernel has the bytes the reader may
 *     close the file and another thread free the handle;
 *   - the list of live handles (ops.c, open_handles) has one mutex, taken
 *     only inside handle_new and handle_free and at ll_destroy; nothing
 *     else is taken while it is held;
 *   - the object table (objtab.c) has one mutex, taken only inside the obj_*
 *     calls.  It is the innermost lock: nothing else is taken, and no
 *     libvmfs call made, while it is held;
 *   - everything else is set before mounting (above), per thread (iobuf)
 *     or per request (struct node, on the stack).
 */
#ifndef VMFS_DAEMON_H
#define VMFS_DAEMON_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>

#include <sys/types.h>
#include <vmfs.h>

/* The largest read or write the kernel sends us in one request. */
#define IO_MAX (1u << 20)

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The machine, and who owns the files; set before mounting, read-only after. */
extern vmfs    *machine;
extern uid_t    owner_uid;
extern gid_t    owner_gid;
extern unsigned max_read;   /* -o max_read=, which init() must repeat to libfuse */

/* The low-level operations (ops.c), and what they need made before serving. */
extern const struct fuse_lowlevel_ops vmfs_ops;
int ops_setup(void);

#endif

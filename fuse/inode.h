/*
 * inode.h - the tree of the vmfs daemon: which names exist, what an inode
 * number names, a node's attributes and a directory's listing.
 *
 *   MOUNTPOINT/                0755  (rmdir PID needs write permission here)
 *     ctl                      0600  machine commands (ctl.c)
 *     meminfo vmstat swaps stat uptime kmsg config
 *                              0444  text, rendered by procfmt.c
 *     phys                     0400  simulated RAM, offset = physical address
 *     kpageflags kpagecount    0400  one u64 per frame, offset = pfn * 8 (Linux's)
 *     objects/                 0755  objects/NAME: the object's own mode
 *     sys/                     0555  (Linux's /proc/sys)
 *       vm/                    0555
 *         max_map_count        0644  a tunable (vmfs_sysctl "vm.max_map_count"):
 *                                    its value as text; writing a number sets it
 *       kernel/mm/page_idle/   0555  (Linux's /sys/kernel/mm/page_idle)
 *         bitmap               0600  idle page tracking, u64 words, bit = pfn
 *     PID/                     0555  one per live process; rmdir ends it
 *       mem                    0600  the address space, offset = virtual address
 *       maps smaps smaps_rollup stat statm status comm cmdline
 *                              0444  text, rendered by procfmt.c
 *       pagetable              0400  text, rendered by procfmt.c (frame numbers)
 *       pagemap                0400  64-bit entries, offset = vpn * 8 (Linux's mode)
 *       clear_refs             0200  write 1 to 5 (vmfs_clear_refs)
 *       ctl                    0600  process commands (ctl.c)
 *
 * A struct node is what one inode names, worked out afresh for each
 * request from the inode number (node_of_ino) or a parent and a name
 * (node_of_name); the numbers and the rules of liveness are inode.c's.
 */
#ifndef VMFS_INODE_H
#define VMFS_INODE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "daemon.h"
#include "objtab.h"
#include "procfmt.h"

enum kind {
	K_ROOT, K_OBJDIR, K_PIDDIR, K_DIR,                 /* directories (K_DIR: sys/...) */
	K_CTL, K_TEXT, K_PHYS, K_OBJECT, K_MEM, K_PAGEMAP, /* files */
	K_SYSCTL,                                          /* sys/vm/NAME */
	K_KPAGEFLAGS, K_KPAGECOUNT, K_CLEAR_REFS, K_PAGE_IDLE, /* physical pages, working sets */
};

/* A name in the tree and how to make its content. */
struct entry {
	const char *name;
	enum kind   kind;
	mode_t      mode;
	int (*fmt_machine)(vmfs *m, struct sbuf *out);           /* K_TEXT at the top */
	int (*fmt_process)(vmfs *m, int pid, struct sbuf *out);  /* K_TEXT in PID/ */
};

/* What an inode names. */
struct node {
	const struct entry *entry;
	fuse_ino_t          ino;
	int                 pid;    /* in PID/ */
	struct obj_ref      obj;    /* K_OBJECT: its id, handle (the open object) and name */
};

static inline enum kind node_kind(const struct node *n)
{
	return n->entry->kind;
}

static inline bool is_dir(const struct node *n)
{
	return S_ISDIR(n->entry->mode);
}

/* node_sysctl - a K_SYSCTL node's tunable, by its vmfs_sysctl name. */
const char *node_sysctl(const struct node *n);

/*
 * node_of_ino - what inode @ino names.  A PID directory must be alive; a
 * file in one must be alive too when @live (open), not for getattr (an
 * open file of a gone process still answers fstat).  -ENOENT, -ESTALE.
 */
int node_of_ino(fuse_ino_t ino, struct node *n, bool live);

/*
 * node_of_name - what @name in directory @parent names (and its inode), for
 * lookup.  A name under objects/ is looked up in the machine and, when it
 * exists, counted in the object table: the caller owes the kernel that
 * reference (a reply_entry) or a node_put().
 */
int node_of_name(const struct node *parent, const char *name, struct node *n);

/*
 * node_of_object - the node of object @name just made (@fresh: a new
 * object, so an older table entry of that name is stale) or found, opened
 * (vmfs_object_open) and counted in the object table as node_of_name
 * counts it.  0, -ENOENT, -ENOMEM, -ENFILE.
 */
int node_of_object(const char *name, bool fresh, struct node *n);

/* node_put - give back the reference node_of_name or node_of_object counted. */
void node_put(const struct node *n);

/* node_forget - the kernel forgot @nlookup references to inode @ino. */
void node_forget(fuse_ino_t ino, uint64_t nlookup);

/* node_stat - @n's attributes, as of now; -ENOENT for what is gone. */
int node_stat(const struct node *n, struct stat *st);

/*
 * node_list - the entries of directory @n, in readdir's packed form
 * (fuse_add_direntry, each entry's offset where the next begins), into @b
 * from its start.  0, -ENOENT (a gone process), -ENOMEM.
 */
int node_list(fuse_req_t req, const struct node *n, struct sbuf *b);

#endif

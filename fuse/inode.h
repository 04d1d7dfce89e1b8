/*
 * inode.h - the tree of the vmfs daemon: which names exist, what an inode
 * number names, a node's attributes and a directory's listing.
 *
 *   MOUNTPOINT/                0755  (rmdir PID needs write permission here)
 *     ctl                      0600  machine commands (ctl.c)
 *     meminfo vmstat swaps stat uptime kmsg config
 *                              0444  text, rendered by procfmt.c
 *     phys                     0400  simulated RAM, offset = physical address
 *     cpuinfo loadavg          0444  text, rendered by procfmt.c
 *     self -> R                      symlinks to the reader (READER, procfmt.h): R is
 *     thread-self -> R/task/R        the PID of the process that reads; R/ is listed
 *                                    to that process only, when the machine has no
 *                                    process; only the text files of PID/ and task/
 *     kpageflags kpagecount    0400  one u64 per frame, offset = pfn * 8 (Linux's)
 *     objects/                 0755  objects/NAME: the object's own mode
 *     sys/                     0555  (Linux's /proc/sys)
 *       vm/                    0555
 *         max_map_count        0644  a tunable (vmfs_sysctl "vm.max_map_count"):
 *                                    its value as text; writing a number sets it
 *         overcommit_memory    0644  the tunables "vm.overcommit_memory",
 *         overcommit_ratio     0644  "vm.overcommit_ratio" and "vm.swappiness",
 *         swappiness           0644  the same way
 *         drop_caches          0200  "vm.drop_caches": writing 1 to 4 drops caches
 *       kernel/                0555
 *         osrelease pid_max    0444  text, rendered by procfmt.c
 *         randomize_va_space   0644  the tunable "kernel.randomize_va_space"
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
 *       environ io             0400  text, rendered by procfmt.c
 *       limits wchan           0444  text, rendered by procfmt.c
 *       auxv                   0400  exec's auxiliary vector, Linux's binary words
 *       regs                   0400  the CPU's registers as text (EBUSY while it runs)
 *       stdout stderr          0400  what the program wrote to fd 1 and fd 2
 *       oom_score              0444  the OOM killer's figure, rendered by procfmt.c
 *       fd/                    0500  the program's open fds (vmfs_fds; not in task/):
 *         N -> TARGET          0500  what fd N names (vmfs_fd_link): a path,
 *                                    pipe:[INO], stdout:[PID], stderr:[PID], /dev/null;
 *                                    0300 when open for writing (vmfs_fd_info)
 *       fdinfo/                0555  the same fds (not in task/):
 *         N                    0444  text: pos, flags, mnt_id, ino (vmfs_fd_info)
 *       stdin                  0200  the program's standard input (vmfs_input; not in
 *                                    task/): each write appends, the last close is EOF
 *       task/                  0555  the process's one thread:
 *         PID/                 0555  TID = PID, the files of PID/ but task/
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
	K_LINK, K_TASKDIR, K_TIDDIR,                       /* self, PID/task/, PID/task/TID/ */
	K_KPAGEFLAGS, K_KPAGECOUNT, K_CLEAR_REFS, K_PAGE_IDLE, /* physical pages, working sets */
	K_FDDIR, K_FDLINK,                                 /* PID/fd/, PID/fd/N (since 0.7) */
	K_FDINFODIR, K_FDINFO,                             /* PID/fdinfo/, PID/fdinfo/N */
	K_STDIN,                                           /* PID/stdin (since 0.7) */
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
	bool                reader; /* PID/ is the reader's, not the machine's (self) */
	struct obj_ref      obj;    /* K_OBJECT: its id, handle (the open object) and name */
	int                 fd;     /* K_FDLINK, K_FDINFO: the program's fd */
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
 * lookup by the process that sent request @reader (whose PID names the
 * reader where it is not one of the machine's; NULL: no reader).  A name under objects/ is looked up in the machine and, when it
 * exists, counted in the object table: the caller owes the kernel that
 * reference (a reply_entry) or a node_put().
 */
int node_of_name(const struct node *parent, const char *name, fuse_req_t reader,
		 struct node *n);

/* node_fmt_pid - the pid argument of a fmt_process function for a node in PID/. */
static inline int node_fmt_pid(const struct node *n)
{
	return n->reader ? READER(n->pid) : n->pid;
}

/*
 * node_of_object - the node of object @name just made (@fresh: a new
 * object, so an older table entry of that name is stale) or found, opened
 * (vmfs_object_open) and counted in the object table as node_of_name
 * counts it.  0, -ENOENT, -ENOMEM, -ENFILE.
 */
int node_of_object(const char *name, bool fresh, struct node *n);

/* node_put - give back the reference node_of_name or node_of_object counted. */
void node_put(const struct node *n);

/*
 * node_reader - the PID of the process that sent @req, the reader that
 * `self` names (and the root lists on an empty machine): FUSE gives the
 * calling thread's ID, so a
 * thread's is turned into its process's (Tgid in the daemon's own /proc).
 */
int node_reader(fuse_req_t req);

/*
 * node_readlink - the target of symlink @n (self, thread-self, PID/fd/N,
 * PID/cwd, PID/root) for process @reader into @buf of @len bytes,
 * NUL-terminated; @permitted: the reader may ptrace the machine's
 * processes (the mounter or root).  0, -ENOENT (an fd closed meanwhile),
 * -EACCES (cwd or root, not @permitted), or -EINVAL for what is not a link.
 */
int node_readlink(const struct node *n, int reader, bool permitted, char *buf, size_t len);

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

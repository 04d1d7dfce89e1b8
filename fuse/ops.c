/*
 * ops.c - the low-level operations of the vmfs daemon (libfuse3's inode
 * API): lookups and attributes, open files and directories, reads and
 * writes, and the few changes to the tree a user may make (objects/NAME,
 * rmdir PID).  inode.c says what each inode is; this file does what each
 * request asks of it.
 *
 * It uses libfuse's low-level (inode) API.  The high-level (path) API
 * forgets a directory's path when it is removed, so after `rmdir PID` an
 * fstat() of a file opened inside it fails with ESTALE before the file
 * system is asked; /proc keeps such files usable, and so must we.  The
 * inode API also lets reads go straight from the machine into a per-thread
 * buffer with no allocation and no path building.
 *
 * What stays true in this file:
 *   - Every request gets exactly one reply, and whatever a request counted
 *     in the object table is either handed to the kernel with that reply
 *     or given back (node_put) when the reply fails or is an error.
 *   - Text files are rendered once, at open (one snapshot per open, kept in
 *     the open file and freed at release); mem, phys, pagemap, kpageflags,
 *     kpagecount, the idle bitmap and objects are read from the machine
 *     at each read.
 *   - An object file is read, written, truncated and stat'ed through the
 *     handle its inode holds (objtab.h), never by name: a descriptor opened
 *     before an rm keeps the removed object, as on any Unix file system,
 *     and never reaches a new object of the same name.
 *   - Nothing is cached by the kernel: every open is direct I/O, entry and
 *     attribute timeouts are 0, so a PID directory appears and vanishes at
 *     once.
 *   - Permissions are the kernel's (default_permissions): the modes of
 *     inode.h, owned by the user who mounted; without allow_other only that
 *     user gets in at all.
 *   - Physical addresses are for the mounter and root alone (in the place
 *     of Linux's CAP_SYS_ADMIN), decided at open by the opener's uid, as
 *     Linux decides at open (pagemap_open, file_ns_capable), not by whoever
 *     reads the descriptor later.  Anyone else who gets a file open (past
 *     its mode 0400 with CAP_DAC_READ_SEARCH, say) reads pagemap with bits
 *     0-54 as 0, frame numbers and swap type and offset alike, only the
 *     flag bits (Linux 6.1's pte_to_pagemap_entry without show_pfn);
 *     pagetable with every physical address 0 (fmt_pid_pagetable_nopfn);
 *     and is refused phys (EPERM), whose every byte is physical memory, as
 *     Linux refuses /dev/mem without CAP_SYS_RAWIO, and so kpageflags,
 *     kpagecount and the idle bitmap, indexed by frame number.  A file that shows
 *     physical memory or frame numbers is added to this rule with it.
 *   - The locks are those of daemon.h: a handle's lock is never held
 *     across a reply.
 *
 * Offsets are off_t, signed: the kernel refuses negative ones with EINVAL
 * before they reach us, so the upper (kernel) half of an address space,
 * which starts at 2^63 or above, cannot be named through mem; a user-mode
 * access there would fault anyway.  Everything below 2^63 is reachable.
 */
#include "inode.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <time.h>

#include "ctl.h"

/* ---- names and attributes --------------------------------------------------------------- */

/* Reply with @n as a directory entry; the object table's count is the kernel's now. */
static void reply_entry(fuse_req_t req, const struct node *n)
{
	struct fuse_entry_param e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = 0;
	e.entry_timeout = 0;
	rc = node_stat(n, &e.attr);
	if (rc) {
		node_put(n);
		fuse_reply_err(req, -rc);
		return;
	}
	if (fuse_reply_entry(req, &e) != 0)
		node_put(n);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node dir, n;
	int rc;

	if ((rc = node_of_ino(parent, &dir, true)) ||
	    (rc = node_of_name(&dir, name, req, &n)))
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, &n);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	node_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		node_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n;
	struct stat st;
	int rc;

	(void)fi;
	if ((rc = node_of_ino(ino, &n, false)) || (rc = node_stat(&n, &st)))
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0);
}

/* Whether user @uid may see what Linux shows only to who may ptrace: the
 * mounter, whose machine it is, and root (show_pfn, cwd, root). */
static bool may_ptrace(uid_t uid)
{
	return uid == owner_uid || uid == 0;
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct node n;
	char target[PATH_MAX + 32];   /* PID/fd/N: a host path */
	int rc;

	if ((rc = node_of_ino(ino, &n, true)) ||
	    (rc = node_readlink(&n, node_reader(req), may_ptrace(fuse_req_ctx(req)->uid), target,
				sizeof(target))))
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, target);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct vmfs_stat ms;
	struct statvfs sv;
	int rc;

	(void)ino;
	if ((rc = vmfs_statx(machine, &ms, 0)) < 0) {   /* the basic figures: no scan */
		fuse_reply_err(req, -rc);
		return;
	}
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = VMFS_PAGE_SIZE;
	sv.f_blocks = ms.frames;
	sv.f_bfree = sv.f_bavail = ms.frames_free;
	sv.f_files = ms.nr_processes + ms.nr_objects;
	sv.f_namemax = CTL_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

/*
 * PID/stdin (since 0.7): the outside's end of the program's standard input
 * (vmfs_input).  An open for writing opens the input (a process gone is
 * ENOENT, its input closed by an earlier EOF is EPIPE, a forked child's
 * or a process with no program EINVAL); each write appends its bytes,
 * blocking while the 64 KiB pipe is full (1 ms polls, no lock held) until
 * the program has read enough for all of them, as a pipe's writer blocks,
 * or, opened O_NONBLOCK, taking what fits (EAGAIN for none); an
 * interrupted writer gets what went in, or EINTR.  The program gone is
 * EPIPE to a writer.  The release of the last open file of a PID is EOF.
 * stdin_opens counts the open files of each PID (under stdin_lock).  The
 * kernel may send the parts of one large write as concurrent requests
 * (async direct I/O), so the writes of one open file go in in the order
 * of their offsets (the file is opened nonseekable: they follow on from
 * 0), each whole before the next, under the handle's lock.
 */
struct stdin_opens {
	int                 pid;
	unsigned            count;
	struct stdin_opens *next;
};
static struct stdin_opens *stdin_opens;
static pthread_mutex_t stdin_lock = PTHREAD_MUTEX_INITIALIZER;

static int stdin_open(int pid)
{
	struct stdin_opens *o;
	ssize_t rc;

	pthread_mutex_lock(&stdin_lock);
	for (o = stdin_opens; o && o->pid != pid; o = o->next)
		;
	if (!o && (o = calloc(1, sizeof(*o)))) {
		o->pid = pid;
		o->next = stdin_opens;
		stdin_opens = o;
	}
	rc = o ? vmfs_input(machine, pid, NULL, 0, 0) : -ENOMEM;
	if (o)
		o->count += rc == 0;
	if (o && !o->count) {               /* the first open failed: forget it */
		stdin_opens = o->next;
		free(o);
	}
	pthread_mutex_unlock(&stdin_lock);
	return rc == -ESRCH ? -ENOENT : (int)rc;
}

static void stdin_release(int pid)
{
	struct stdin_opens **pp, *o;

	pthread_mutex_lock(&stdin_lock);
	for (pp = &stdin_opens; (o = *pp) && o->pid != pid; pp = &o->next)
		;
	if (o && !--o->count) {
		*pp = o->next;
		free(o);
		vmfs_input(machine, pid, NULL, 0, VMFS_INPUT_EOF);   /* gone already: nothing to end */
	}
	pthread_mutex_unlock(&stdin_lock);
}

static ssize_t stdin_write_locked(fuse_req_t req, int pid, const char *buf, size_t size,
				 bool nonblock)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = vmfs_input(machine, pid, buf + done, size - done, 0);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -EAGAIN && !nonblock && !fuse_req_interrupted(req)) {
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);   /* full: the program reads */
			continue;
		}
		if (done)
			break;
		if (n == -EAGAIN && !nonblock)
			return -EINTR;
		return n == -ESRCH ? -EPIPE : n;
	}
	return (ssize_t)done;
}

/* ---- open files and directories ---------------------------------------------------- */

/*
 * The state of one open file or directory, in fi->fh.  The node never
 * changes after open.  Text files keep their snapshot, directories their
 * listing (rebuilt on a read from offset 0, as rewinddir asks); ctl files
 * keep the answer of their last command, served from the offset where
 * that command's write ended (answer_base).  @lock guards the mutable part.
 */
struct handle {
	struct node     node;
	pthread_mutex_t lock;
	struct sbuf     text;           /* text snapshot, or directory listing */
	bool            listed;
	char            answer[CTL_ANSWER_MAX];
	size_t          answer_len;
	off_t           answer_base;
	bool            show_pfn;       /* opened by the mounter or root: physical addresses shown */
	bool            nonblock;       /* PID/stdin opened O_NONBLOCK (since 0.7) */
	bool            append;         /* PID/stdin opened O_APPEND: its offsets say nothing */
	off_t           stdin_pos;      /* PID/stdin: the offset its next write starts at */
	struct handle  *prev, *next;    /* on open_handles */
};

/*
 * Every live handle, so that ll_destroy frees those the kernel never
 * released (the daemon told to stop while files are open: SIGTERM, or an
 * unmount with a reader still there).
 */
static struct handle  *open_handles;
static pthread_mutex_t open_handles_lock = PTHREAD_MUTEX_INITIALIZER;

static struct handle *handle_new(const struct node *n)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->node = *n;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_lock(&open_handles_lock);
	h->next = open_handles;
	if (open_handles)
		open_handles->prev = h;
	open_handles = h;
	pthread_mutex_unlock(&open_handles_lock);
	return h;
}

static void handle_free(struct handle *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&open_handles_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		open_handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&open_handles_lock);
	sbuf_free(&h->text);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static struct handle *handle_of(const struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

/* A write of @h (PID/stdin) at @off: after the writes before it (1 s at most), then whole. */
static ssize_t stdin_write(fuse_req_t req, struct handle *h, const char *buf, size_t size, off_t off)
{
	ssize_t r;

	for (int waited = 0;; waited++) {
		pthread_mutex_lock(&h->lock);
		if (h->append || off <= h->stdin_pos || waited == 10000 || fuse_req_interrupted(req))
			break;
		pthread_mutex_unlock(&h->lock);
		nanosleep(&(struct timespec){ 0, 100000 }, NULL);   /* an earlier part is on its way */
	}
	r = stdin_write_locked(req, h->node.pid, buf, size, h->nonblock);
	if (r > 0 && off + r > h->stdin_pos)
		h->stdin_pos = off + r;
	pthread_mutex_unlock(&h->lock);
	return r;
}

/*
 * Render a text file's snapshot; a process that is gone is ENOENT.
 * pagetable, opened by someone who may not see physical addresses, is
 * rendered without them.
 */
static int render(struct handle *h)
{
	const struct entry *e = h->node.entry;
	int (*fmt_process)(vmfs *, int, struct sbuf *) = e->fmt_process;
	int rc;

	if (fmt_process == fmt_pid_pagetable && !h->show_pfn)
		fmt_process = fmt_pid_pagetable_nopfn;
	if (fmt_process == fmt_pid_stat && !h->show_pfn)   /* wchan: ptrace_may_access */
		fmt_process = fmt_pid_stat_noptrace;
	if (e->kind == K_SYSCTL)
		rc = fmt_sysctl(machine, node_sysctl(&h->node), &h->text);
	else if (e->kind == K_FDINFO)   /* PID/fdinfo/N (since 0.7) */
		rc = fmt_pid_fdinfo(machine, h->node.pid, h->node.fd, &h->text);
	else
		rc = fmt_process ? fmt_process(machine, node_fmt_pid(&h->node), &h->text)
				 : e->fmt_machine(machine, &h->text);
	if (rc == 0 && h->text.err)
		rc = h->text.err < 0 ? h->text.err : -ENOMEM;
	return rc == -ESRCH ? -ENOENT : rc;
}

/* Make the open file of @n in @fi for user @opener, or return -errno. */
static int open_node(const struct node *n, struct fuse_file_info *fi, uid_t opener)
{
	bool writing = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct handle *h;
	int rc = 0;

	if (is_dir(n))
		return -EISDIR;
	switch (node_kind(n)) {
	case K_TEXT:
	case K_FDINFO:
	case K_PHYS:
	case K_PAGEMAP:
	case K_KPAGEFLAGS:
	case K_KPAGECOUNT:
		if (writing)
			return -EACCES;
		break;
	case K_OBJECT:
		if (!n->obj.linked)
			return -ENOENT;
		break;
	case K_STDIN:       /* write-only: the outside's end of a pipe */
		if ((fi->flags & O_ACCMODE) != O_WRONLY)
			return -EACCES;
		break;
	default:
		break;
	}
	if (!(h = handle_new(n)))
		return -ENOMEM;
	h->show_pfn = may_ptrace(opener);
	switch (node_kind(n)) {
	case K_TEXT:
	case K_SYSCTL:
	case K_FDINFO:
		rc = render(h);
		break;
	case K_PHYS:
	case K_KPAGEFLAGS:  /* indexed by frame number: the same rule as phys */
	case K_KPAGECOUNT:
	case K_PAGE_IDLE:
		if (!h->show_pfn)
			rc = -EPERM;
		break;
	case K_STDIN:
		h->nonblock = fi->flags & O_NONBLOCK;
		h->append = fi->flags & O_APPEND;
		fi->nonseekable = 1;            /* a pipe's end: lseek and pwrite are ESPIPE */
		rc = stdin_open(n->pid);
		break;
	case K_OBJECT:
		/* O_TRUNC arrives here when the kernel does atomic_o_trunc. */
		if ((fi->flags & O_TRUNC) && writing)
			rc = vmfs_object_ftruncate(machine, n->obj.handle, 0);
		break;
	default:    /* ctl and mem: truncation means nothing and is accepted */
		break;
	}
	if (rc) {
		handle_free(h);
		return rc;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->fh = (uintptr_t)h;
	return 0;
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n;
	int rc;

	if ((rc = node_of_ino(ino, &n, true)) || (rc = open_node(&n, fi, fuse_req_ctx(req)->uid)))
		fuse_reply_err(req, -rc);
	else if (fuse_reply_open(req, fi) != 0) {
		if (node_kind(&n) == K_STDIN)
			stdin_release(n.pid);
		handle_free(handle_of(fi));     /* the open was interrupted */
	}
}

/* Only objects/NAME can be created: cp, dd, truncate and shell redirections. */
static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct node dir, n;
	bool fresh = true;
	int rc;

	if ((rc = node_of_ino(parent, &dir, true)))
		goto fail;
	if (node_kind(&dir) != K_OBJDIR) {
		rc = is_dir(&dir) ? -EACCES : -ENOTDIR;
		goto fail;
	}
	if (strlen(name) > CTL_NAME_MAX) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	rc = vmfs_object_create(machine, name, NULL, 0);
	if (rc == -EEXIST && !(fi->flags & O_EXCL))
		rc = 0, fresh = false;  /* lost a race with another creator: open it */
	if (rc)
		goto fail;

	if ((rc = node_of_object(name, fresh, &n)))
		goto fail;

	memset(&e, 0, sizeof(e));
	e.ino = n.ino;
	if ((fresh && (rc = vmfs_object_fchmod(machine, n.obj.handle, mode & 07777))) ||
	    (rc = node_stat(&n, &e.attr)) || (rc = open_node(&n, fi, fuse_req_ctx(req)->uid))) {
		node_put(&n);
		goto fail;
	}
	if (fuse_reply_create(req, &e, fi) != 0) {
		node_put(&n);
		handle_free(handle_of(fi));
	}
	return;
fail:
	fuse_reply_err(req, -rc);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	if (node_kind(&handle_of(fi)->node) == K_STDIN)
		stdin_release(handle_of(fi)->node.pid);     /* the last one: EOF */
	handle_free(handle_of(fi));
	fuse_reply_err(req, 0);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node n;
	struct handle *h;
	int rc;

	if ((rc = node_of_ino(ino, &n, true))) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (!is_dir(&n)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (!(h = handle_new(&n))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uintptr_t)h;
	if (fuse_reply_open(req, fi) != 0)
		handle_free(h);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	handle_free(handle_of(fi));
	fuse_reply_err(req, 0);
}

/* ---- reply buffers -------------------------------------------------------------------- */

/* One I/O buffer per worker thread, made on its first read, freed at its exit. */
#define IOBUF_ALIGN (2u << 20)
static pthread_key_t iobuf_key;

int ops_setup(void)
{
	return pthread_key_create(&iobuf_key, free);
}

static char *iobuf(void)
{
	char *b = pthread_getspecific(iobuf_key);

	if (b)
		return b;
	/* One huge page where the host has them: fewer TLB misses for the
	 * machine's copy in and the kernel's page pinning on the way out. */
	if (!(b = aligned_alloc(IOBUF_ALIGN, IOBUF_ALIGN)))
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(b, IOBUF_ALIGN, MADV_HUGEPAGE);
#endif
	if (pthread_setspecific(iobuf_key, b)) {
		free(b);
		return NULL;
	}
	return b;
}

/*
 * Copy the part of an open file's own buffer [data, data+len) at @off into
 * the thread's buffer, for a reply.  Replies never go out from the handle
 * itself, nor under its lock: the moment the kernel has the bytes, the
 * reader may close the file and another thread free the handle (release),
 * while this one is still returning from writev() or unlocking.
 * Returns the bytes copied, 0 at or past the end, or -errno.
 */
static ssize_t slice(const char *data, size_t len, size_t size, off_t off, char **out)
{
	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	if (size > IO_MAX)
		size = IO_MAX;
	if (!(*out = iobuf()))
		return -ENOMEM;
	memcpy(*out, data + off, size);
	return (ssize_t)size;
}

static void reply_read(fuse_req_t req, const char *buf, ssize_t n)
{
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, n ? buf : NULL, (size_t)n);
}

/* ---- directory listings (node_list, inode.c, makes them) ----------------------------- */

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	char *buf = NULL;
	ssize_t n = 0;

	(void)ino;
	pthread_mutex_lock(&h->lock);
	if (off == 0 || !h->listed) {
		n = node_list(req, &h->node, &h->text);
		h->listed = n == 0;
	}
	if (n == 0)     /* a cut entry at the end is left for the next call */
		n = slice(h->text.buf, h->text.len, size, off, &buf);
	pthread_mutex_unlock(&h->lock);
	reply_read(req, buf, n);
}

/* ---- reading and writing ------------------------------------------------------------ */

/*
 * mem: the bytes at virtual address @off, in user mode, between the
 * machine and @buf.  Nothing transferred is EIO, whatever stopped the
 * first page (a segfault, which the machine logs, or no memory, which it
 * logs too), as SPEC section 3 and /proc/PID/mem have it; a fault further
 * on is a short count.  A process that is gone reads as end of file, as
 * /proc/PID/mem does once the mm is gone.
 */
static ssize_t mem_io(int pid, char *buf, size_t size, off_t off, bool write)
{
	ssize_t n;

	if (size == 0)
		return 0;
	n = write ? vmfs_write(machine, pid, (uint64_t)off, buf, size)
		  : vmfs_read(machine, pid, (uint64_t)off, buf, size);
	if (n >= 0)
		return n;
	if (n == -ESRCH)
		return write ? -ESRCH : 0;
	return -EIO;
}

struct mem_reply {
	fuse_req_t req;
	bool       replied;
};

/* Runs under the machine lock: reply straight from simulated RAM. */
static int mem_reply_fn(void *arg, const struct iovec *iov, int iovcnt)
{
	struct mem_reply *r = arg;

	r->replied = true;
	fuse_reply_iov(r->req, iov, iovcnt);
	return 0;
}

/*
 * A read of mem without a copy: libvmfs hands over the pieces of simulated
 * RAM and the reply is made from them (the copy into the reader is the
 * kernel's).  The errors are mem_io's.
 */
static void mem_read(fuse_req_t req, int pid, size_t size, off_t off)
{
	struct mem_reply r = { req, false };
	ssize_t n = size ? vmfs_read_with(machine, pid, (uint64_t)off, size, mem_reply_fn, &r) : 0;

	if (r.replied)
		return;
	if (n >= 0 || n == -ESRCH)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_err(req, EIO);
}

/*
 * pagemap: one 64-bit entry per page, offset = vpn * 8, all 8-byte
 * aligned.  Without @show_pfn bits 0-54 read as 0, a present page's frame
 * number and a swapped page's swap type and offset alike, as Linux 6.1's
 * pte_to_pagemap_entry() leaves them when the opener lacks CAP_SYS_ADMIN:
 * only the flag bits (55-63) are shown.
 */
static ssize_t pagemap_read(int pid, char *buf, size_t size, off_t off, bool show_pfn)
{
	uint64_t *pm = (uint64_t *)(void *)buf;
	ssize_t n;

	if ((off & 7) || (size & 7))
		return -EINVAL;
	n = vmfs_pagemap(machine, pid, (uint64_t)off >> 3, pm, size >> 3);
	if (n == -ESRCH)
		return 0;
	if (n < 0)
		return n;
	for (ssize_t i = 0; !show_pfn && i < n; i++)
		pm[i] &= ~VMFS_PM_PFN_MASK;
	return n * 8;
}

/*
 * kpageflags, kpagecount: one u64 per frame, offset = pfn * 8, 8-byte
 * aligned offset and size or EINVAL (fs/proc/page.c's KPMMASK test); end
 * of file at the end of physical memory.
 */
static ssize_t kpage_read(enum kind kind, char *buf, size_t size, off_t off)
{
	uint64_t *out = (uint64_t *)(void *)buf;
	ssize_t n;

	if ((off & 7) || (size & 7))
		return -EINVAL;
	n = kind == K_KPAGEFLAGS ? vmfs_kpageflags(machine, (uint64_t)off >> 3, out, size >> 3)
				 : vmfs_kpagecount(machine, (uint64_t)off >> 3, out, size >> 3);
	return n < 0 ? n : n * 8;
}

/*
 * sys/kernel/mm/page_idle/bitmap: u64 words, bit i of the word at offset
 * 8w for frame 64w + i; offset and size multiples of 8 or EINVAL
 * (BITMAP_CHUNK_SIZE).  A read past the last frame is end of file, a
 * write there ENXIO, as mm/page_idle.c answers.
 */
static ssize_t page_idle_io(char *buf, size_t size, off_t off, bool write)
{
	ssize_t n;

	if ((off & 7) || (size & 7))
		return -EINVAL;
	if ((uint64_t)off > UINT64_MAX / 8)     /* frame off * 8 would wrap: far past the end */
		return write && size ? -ENXIO : 0;
	if (write) {
		/* The request's bytes need not be aligned for u64 loads: copy them. */
		char *words = iobuf();

		if (!words)
			return -ENOMEM;
		if (size > IO_MAX)
			size = IO_MAX;
		memcpy(words, buf, size);
		n = vmfs_page_idle_set(machine, (uint64_t)off * 8, (const uint64_t *)(void *)words, size >> 3);
	} else
		n = vmfs_page_idle_get(machine, (uint64_t)off * 8, (uint64_t *)(void *)buf, size >> 3);
	if (n == 0 && write && size)
		return -ENXIO;
	return n < 0 ? n : n * 8;
}

/*
 * PID/clear_refs: one decimal number, 1 to 5, with blanks and a newline
 * around it allowed (kstrtoint of the stripped text, at most 12 bytes
 * read, the rest ignored, as clear_refs_write does); anything else is
 * EINVAL and changes nothing.  The whole write is taken.
 */
static int clear_refs_io(int pid, const char *buf, size_t size)
{
	char text[13];
	size_t len = size < sizeof(text) - 1 ? size : sizeof(text) - 1, a = 0, b;
	long v = 0;

	memcpy(text, buf, len);
	b = len;
	while (a < b && strchr(" \t\n", text[a]))
		a++;
	while (b > a && strchr(" \t\n", text[b - 1]))
		b--;
	if (a < b && text[a] == '+')
		a++;
	if (a == b || b - a > 9)
		return -EINVAL;
	for (size_t i = a; i < b; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		v = v * 10 + (text[i] - '0');
	}
	return vmfs_clear_refs(machine, pid, (int)v);
}

/*
 * ctl: the answer of the last command, read from the offset where that
 * command's write left the file.  A read from before that point (pread at
 * 0, or a seek back) starts the answer over at offset 0, so that it still
 * ends in end of file instead of repeating.
 */
static ssize_t ctl_read(struct handle *h, size_t size, off_t off, char **buf)
{
	ssize_t n;

	pthread_mutex_lock(&h->lock);
	if (off < h->answer_base)
		h->answer_base = 0;
	n = slice(h->answer, h->answer_len, size, off - h->answer_base, buf);
	pthread_mutex_unlock(&h->lock);
	return n;
}

static int ctl_write(struct handle *h, const char *buf, size_t size, off_t off)
{
	enum ctl_scope scope = h->node.pid ? CTL_PROCESS : CTL_MACHINE;
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = ctl_run(machine, scope, h->node.pid, buf, size, h->answer, sizeof(h->answer));
	h->answer_len = strlen(h->answer);
	/* A failed write leaves the file offset where it was. */
	h->answer_base = rc ? off : off + (off_t)size;
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/*
 * sys/vm/NAME: a write of one number, decimal or 0x hex, with blanks and a
 * newline around it allowed (`echo N >`), at offset 0, as Linux's
 * proc_dointvec takes it; anything else, or a value out of the tunable's
 * range, is EINVAL and changes nothing.  The open file's snapshot keeps
 * the value it was opened with; the next open shows the new one.
 */
static int sysctl_write(const struct node *n, const char *buf, size_t size, off_t off)
{
	char text[32];
	size_t a = 0, b = size;
	uint64_t v;

	while (a < b && strchr(" \t\n", buf[a]))
		a++;
	while (b > a && strchr(" \t\n", buf[b - 1]))
		b--;
	if (off != 0 || b - a >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf + a, b - a);
	text[b - a] = '\0';
	if (vmfs_parse_u64(text, 0, &v))
		return -EINVAL;
	return vmfs_sysctl(machine, node_sysctl(n), NULL, &v);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	const struct node *n = &h->node;
	char *buf = NULL;
	ssize_t r;

	(void)ino;
	switch (node_kind(n)) {
	case K_TEXT:
	case K_SYSCTL:
	case K_FDINFO:
		r = slice(h->text.buf, h->text.len, size, off, &buf);
		reply_read(req, buf, r);
		return;
	case K_CTL:
		r = ctl_read(h, size, off, &buf);
		reply_read(req, buf, r);
		return;
	default:
		break;
	}
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (size > IO_MAX)
		size = IO_MAX;
	if (node_kind(n) == K_MEM) {
		mem_read(req, n->pid, size, off);
		return;
	}
	if (!(buf = iobuf())) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (size > IO_MAX)
		size = IO_MAX;
	switch (node_kind(n)) {
	case K_MEM:
		r = mem_io(n->pid, buf, size, off, false);
		break;
	case K_PAGEMAP:
		r = pagemap_read(n->pid, buf, size, off, h->show_pfn);
		break;
	case K_PHYS:
		r = vmfs_phys_read(machine, (uint64_t)off, buf, size);
		break;
	case K_KPAGEFLAGS:
	case K_KPAGECOUNT:
		r = kpage_read(node_kind(n), buf, size, off);
		break;
	case K_PAGE_IDLE:
		r = page_idle_io(buf, size, off, false);
		break;
	case K_CLEAR_REFS:  /* write-only, as Linux's has no read */
	case K_STDIN:
		r = -EINVAL;
		break;
	case K_OBJECT:      /* through the handle: the object opened, even if removed since */
		r = vmfs_object_pread(machine, n->obj.handle, (uint64_t)off, buf, size);
		break;
	default:
		r = -EISDIR;
		break;
	}
	reply_read(req, buf, r);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	const struct node *n = &h->node;
	ssize_t r;

	(void)ino;
	switch (node_kind(n)) {
	case K_MEM:
		r = mem_io(n->pid, (char *)(uintptr_t)buf, size, off, true);
		break;
	case K_CTL:
		r = ctl_write(h, buf, size, off);
		if (r == 0)
			r = (ssize_t)size;
		break;
	case K_SYSCTL:
		r = sysctl_write(n, buf, size, off);
		if (r == 0)
			r = (ssize_t)size;
		break;
	case K_OBJECT:
		r = off < 0 ? -EINVAL : vmfs_object_pwrite(machine, n->obj.handle, (uint64_t)off, buf, size);
		break;
	case K_CLEAR_REFS:
		r = clear_refs_io(n->pid, buf, size);
		if (r == 0)
			r = (ssize_t)size;
		break;
	case K_STDIN:
		r = stdin_write(req, h, buf, size, off);
		break;
	case K_PAGE_IDLE:
		r = off < 0 ? -EINVAL : page_idle_io((char *)(uintptr_t)buf, size, off, true);   /* only read */
		break;
	default:
		r = -EBADF;
		break;
	}
	if (r < 0)
		fuse_reply_err(req, (int)-r);
	else
		fuse_reply_write(req, (size_t)r);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	fuse_reply_err(req, node_kind(&handle_of(fi)->node) == K_OBJECT ? -vmfs_sync(machine) : 0);
}

/* ---- changing the tree ------------------------------------------------------------- */

/*
 * chmod, chown, truncate and utimes.  Only objects have a mode and a size
 * to change; ctl and mem accept truncation (`echo cmd > ctl`, dd without
 * conv=notrunc); ownership may only be "changed" to the mounter (cp -p);
 * times are generated, as in /proc, and setting them is ignored.
 */
static int set_attr(const struct node *n, const struct stat *attr, int to_set)
{
	int rc;

	if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		if (((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != owner_uid) ||
		    ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != owner_gid))
			return -EPERM;
	}
	if (to_set & FUSE_SET_ATTR_MODE) {
		if (node_kind(n) != K_OBJECT)
			return -EPERM;
		if ((rc = vmfs_object_fchmod(machine, n->obj.handle, attr->st_mode & 07777)))
			return rc;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		switch (node_kind(n)) {
		case K_OBJECT:
			if (attr->st_size < 0)
				return -EINVAL;
			if ((rc = vmfs_object_ftruncate(machine, n->obj.handle, (uint64_t)attr->st_size)))
				return rc;
			break;
		case K_CTL:
		case K_MEM:
		case K_SYSCTL:
		case K_CLEAR_REFS:
		case K_PAGE_IDLE:
		case K_STDIN:
			break;
		default:
			return is_dir(n) ? -EISDIR : -EACCES;
		}
	}
	return 0;
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct node n;
	struct stat st;
	int rc;

	if (fi)
		n = handle_of(fi)->node;
	else if ((rc = node_of_ino(ino, &n, false)))
		goto fail;
	if ((rc = set_attr(&n, attr, to_set)) || (rc = node_stat(&n, &st)))
		goto fail;
	fuse_reply_attr(req, &st, 0);
	return;
fail:
	fuse_reply_err(req, -rc);
}

/*
 * What @name in directory @parent names, for the calls that hand the kernel
 * no reference to it (unlink, rmdir, mkdir): node_of_name's count is given
 * back at once.
 */
static int node_of_child(fuse_ino_t parent, const char *name, struct node *n)
{
	struct node dir;
	int rc;

	/* no reader: changes are for the machine's names only */
	if ((rc = node_of_ino(parent, &dir, true)) || (rc = node_of_name(&dir, name, NULL, n)))
		return rc;
	node_put(n);
	return 0;
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node n;
	int rc = node_of_child(parent, name, &n);

	if (rc == 0 && node_kind(&n) != K_OBJECT)
		rc = is_dir(&n) ? -EISDIR : -EPERM;
	else if (rc == 0 && (rc = vmfs_object_remove(machine, name)) == 0)
		obj_unlink(n.obj.id);   /* the inode keeps its handle: open files keep the object */
	fuse_reply_err(req, -rc);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node n;
	int rc = node_of_child(parent, name, &n);

	if (rc == 0 && node_kind(&n) == K_PIDDIR) {
		rc = vmfs_exit(machine, n.pid);
		if (rc == -ESRCH)
			rc = -ENOENT;
	} else if (rc == 0) {
		rc = is_dir(&n) ? -EPERM : -ENOTDIR;   /* objects/, sys/..., task/... */
	}
	fuse_reply_err(req, -rc);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct node n;
	int rc = node_of_child(parent, name, &n);

	(void)mode;
	fuse_reply_err(req, rc == 0 ? EEXIST : rc == -ENOENT ? EPERM : -rc);
}

/* Objects have no rename call; EXDEV makes mv copy and remove instead. */
static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct node a, b;
	int rc;

	(void)name;
	(void)newname;
	(void)flags;
	if ((rc = node_of_ino(parent, &a, true)) == 0 && (rc = node_of_ino(newparent, &b, true)) == 0)
		rc = node_kind(&a) == K_OBJDIR && node_kind(&b) == K_OBJDIR ? -EXDEV : -EPERM;
	fuse_reply_err(req, -rc);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->max_write < IO_MAX)
		conn->max_write = IO_MAX;
	conn->max_read = max_read;
}

static void ll_destroy(void *userdata)
{
	(void)userdata;
	while (open_handles)          /* files still open: no release will come */
		handle_free(open_handles);
	ctl_runners_stop(machine);    /* programs `run` started: stopped, their threads done */
	vmfs_close(machine);
	machine = NULL;
}

const struct fuse_lowlevel_ops vmfs_ops = {
	.init         = ll_init,
	.destroy      = ll_destroy,
	.lookup       = ll_lookup,
	.forget       = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr      = ll_getattr,
	.readlink     = ll_readlink,
	.setattr      = ll_setattr,
	.statfs       = ll_statfs,
	.opendir      = ll_opendir,
	.readdir      = ll_readdir,
	.releasedir   = ll_releasedir,
	.open         = ll_open,
	.create       = ll_create,
	.read         = ll_read,
	.write        = ll_write,
	.fsync        = ll_fsync,
	.release      = ll_release,
	.unlink       = ll_unlink,
	.rmdir        = ll_rmdir,
	.mkdir        = ll_mkdir,
	.rename       = ll_rename,
};


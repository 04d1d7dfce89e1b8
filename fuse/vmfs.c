/*
 * vmfs.c - the vmfs daemon: one simulated machine (libvmfs) mounted with
 * libfuse3 as a file system laid out like Linux's /proc (SPEC section 3,
 * vmfs(1)).
 *
 *   MOUNTPOINT/                0755  (rmdir PID needs write permission here)
 *     ctl                      0600  machine commands (ctl.c)
 *     meminfo vmstat swaps stat uptime kmsg
 *                              0444  text, rendered by procfmt.c
 *     phys                     0400  simulated RAM, offset = physical address
 *     objects/                 0755  objects/NAME: the object's own mode
 *     PID/                     0555  one per live process; rmdir ends it
 *       mem                    0600  the address space, offset = virtual address
 *       maps smaps smaps_rollup stat statm status comm cmdline
 *                              0444  text, rendered by procfmt.c
 *       pagetable              0400  text, rendered by procfmt.c (frame numbers)
 *       pagemap                0400  64-bit entries, offset = vpn * 8 (Linux's mode)
 *       ctl                    0600  process commands (ctl.c)
 *
 * It uses libfuse's low-level (inode) API.  The high-level (path) API
 * forgets a directory's path when it is removed, so after `rmdir PID` an
 * fstat() of a file opened inside it fails with ESTALE before the file
 * system is asked; /proc keeps such files usable, and so must we.  The
 * inode API also lets reads go straight from the machine into a per-thread
 * buffer with no allocation and no path building.
 *
 * Inode numbers carry what they name, so most need no table:
 *
 *   1                      the root
 *   2 + i                  root_entries[i]
 *   PID_INO | pid<<8 | 0   PID/,  | 1 + i: pid_entries[i]   (PIDs are never reused)
 *   OBJ_INO | id           objects/NAME, id from the object table (below)
 *
 * What stays true:
 *   - The daemon reaches the machine only through libvmfs, and every file's
 *     content comes from the machine when it is read (mem, phys, pagemap,
 *     objects) or opened (text files: one snapshot per open, kept in the
 *     open file and freed at release).
 *   - Nothing is cached by the kernel: every open is direct I/O, entry and
 *     attribute timeouts are 0, so a PID directory appears and vanishes at
 *     once, and a gone PID is ENOENT at lookup, at getattr of its directory
 *     and at open.  The files of a gone PID are reachable only through an
 *     open file or an inode the kernel already holds: getattr still
 *     answers for them (fstat works), open does not.
 *   - Permissions are the kernel's (default_permissions): the modes above,
 *     owned by the user who mounted; without allow_other only that user
 *     gets in at all.
 *   - pagemap shows frame numbers only to an opener who is the mounter or
 *     root: anyone else who gets it open (past its mode 0400 with
 *     CAP_DAC_READ_SEARCH, say) reads the PFN bits of present pages as 0,
 *     the flags and swap entries whole, as Linux (4.2 on) shows it to a
 *     reader without CAP_SYS_ADMIN.  Like Linux, the opener decides, not
 *     whoever reads the descriptor later.
 *   - The machine is opened before mounting, so a bad option is reported
 *     on the terminal and nothing gets mounted; it is closed in destroy()
 *     (vmfs_close removes the temporary swap file) after the unmount, by
 *     fusermount3 -u, umount, SIGINT, SIGTERM or SIGHUP.
 *
 * Offsets are off_t, signed: the kernel refuses negative ones with EINVAL
 * before they reach us, so the upper (kernel) half of an address space,
 * which starts at 2^63 or above, cannot be named through mem; a user-mode
 * access there would fault anyway.  Everything below 2^63 is reachable.
 */
#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include <vmfs.h>

#include "ctl.h"
#include "procfmt.h"

#ifndef VMFS_RELEASE
#define VMFS_RELEASE "unknown"
#endif

/* The largest read or write the kernel sends us in one request. */
#define IO_MAX (1u << 20)

/* The machine, and who owns the files; set before mounting, read-only after. */
static vmfs    *machine;
static uid_t    owner_uid;
static gid_t    owner_gid;
static unsigned max_read;   /* -o max_read=, which init() must repeat to libfuse */

/* ---- the file tree --------------------------------------------------------- */

enum kind {
	K_ROOT, K_OBJDIR, K_PIDDIR,                        /* directories */
	K_CTL, K_TEXT, K_PHYS, K_OBJECT, K_MEM, K_PAGEMAP, /* files */
};

/* A name in the tree and how to make its content. */
struct entry {
	const char *name;
	enum kind   kind;
	mode_t      mode;
	int (*fmt_machine)(vmfs *m, struct sbuf *out);           /* K_TEXT at the top */
	int (*fmt_process)(vmfs *m, int pid, struct sbuf *out);  /* K_TEXT in PID/ */
};

static const struct entry root_dir = { "/", K_ROOT, S_IFDIR | 0755, NULL, NULL };
static const struct entry pid_dir = { "PID", K_PIDDIR, S_IFDIR | 0555, NULL, NULL };
static const struct entry object_file = { "object", K_OBJECT, S_IFREG | 0644, NULL, NULL };

static const struct entry root_entries[] = {
	{ "ctl",     K_CTL,    S_IFREG | 0600, NULL, NULL },
	{ "meminfo", K_TEXT,   S_IFREG | 0444, fmt_meminfo, NULL },
	{ "vmstat",  K_TEXT,   S_IFREG | 0444, fmt_vmstat, NULL },
	{ "swaps",   K_TEXT,   S_IFREG | 0444, fmt_swaps, NULL },
	{ "stat",    K_TEXT,   S_IFREG | 0444, fmt_stat, NULL },
	{ "uptime",  K_TEXT,   S_IFREG | 0444, fmt_uptime, NULL },
	{ "kmsg",    K_TEXT,   S_IFREG | 0444, fmt_kmsg, NULL },
	{ "phys",    K_PHYS,   S_IFREG | 0400, NULL, NULL },
	{ "objects", K_OBJDIR, S_IFDIR | 0755, NULL, NULL },
};

static const struct entry pid_entries[] = {
	{ "mem",          K_MEM,     S_IFREG | 0600, NULL, NULL },
	{ "maps",         K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_maps },
	{ "smaps",        K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_smaps },
	{ "smaps_rollup", K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_smaps_rollup },
	{ "pagemap",      K_PAGEMAP, S_IFREG | 0400, NULL, NULL },
	{ "stat",         K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_stat },
	{ "statm",        K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_statm },
	{ "status",       K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_status },
	{ "comm",         K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_comm },
	{ "cmdline",      K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_cmdline },
	{ "pagetable",    K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_pagetable },
	{ "ctl",          K_CTL,     S_IFREG | 0600, NULL, NULL },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define ROOT_INO   ((fuse_ino_t)FUSE_ROOT_ID)
#define FIRST_INO  ((fuse_ino_t)2)
#define PID_INO    ((fuse_ino_t)1 << 62)
#define OBJ_INO    ((fuse_ino_t)1 << 61)

static fuse_ino_t pid_ino(int pid, size_t slot)
{
	return PID_INO | (fuse_ino_t)pid << 8 | slot;
}

/* What an inode names. */
struct node {
	const struct entry *entry;
	fuse_ino_t          ino;
	int                 pid;                      /* in PID/ */
	uint64_t            obj_id;                   /* K_OBJECT */
	bool                obj_linked;               /* K_OBJECT: the name is still its own */
	unsigned            obj_mode;                 /* K_OBJECT: its last known mode */
	char                object[CTL_NAME_MAX + 1]; /* K_OBJECT: its name */
};

static enum kind node_kind(const struct node *n)
{
	return n->entry->kind;
}

static bool is_dir(const struct node *n)
{
	return S_ISDIR(n->entry->mode);
}

static bool pid_alive(int pid)
{
	struct vmfs_proc_stat ps;

	return vmfs_proc_stat(machine, pid, &ps) == 0;
}

/* A PID directory's name: decimal, no sign, no leading zero, 1..INT_MAX. */
static int parse_pid(const char *s, int *pid)
{
	long long v = 0;
	size_t len = strlen(s);

	if (len == 0 || len > 10 || s[0] < '1' || s[0] > '9')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT_MAX)
		return -1;
	*pid = (int)v;
	return 0;
}

static const struct entry *find_entry(const struct entry *tab, size_t n, const char *name,
				      size_t *index)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name)) {
			*index = i;
			return &tab[i];
		}
	return NULL;
}

/* ---- the object table ----------------------------------------------------------
 *
 * Objects are known to the machine by name; the kernel knows them by inode.
 * The table gives each name an id when the kernel first learns of it
 * (lookup, create) and forgets the id when the kernel does (forget) and the
 * name no longer refers to it (unlink, or a new object of the same name).
 * Ids are never reused, so an old inode never names a new object.
 *
 *   lookup/create: obj_id()   nlookup + 1         (linked, found by name)
 *   unlink:        obj_unlink() linked = false    (found by id only)
 *   forget:        obj_forget() nlookup - n       freed at 0 when unlinked
 */

#define OBJ_BUCKETS 1024

struct objent {
	struct objent *next_name, *next_id;
	uint64_t       id, nlookup;
	bool           linked;
	unsigned       mode;
	char           name[CTL_NAME_MAX + 1];
};

static struct {
	pthread_mutex_t lock;
	struct objent  *by_name[OBJ_BUCKETS], *by_id[OBJ_BUCKETS];
	uint64_t        next_id;
} objs = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_id = 1 };

static size_t name_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % OBJ_BUCKETS;
}

static struct objent *obj_by_name(const char *name)
{
	struct objent *o = objs.by_name[name_hash(name)];

	while (o && strcmp(o->name, name))
		o = o->next_name;
	return o;
}

static struct objent *obj_by_id(uint64_t id)
{
	struct objent *o = objs.by_id[id % OBJ_BUCKETS];

	while (o && o->id != id)
		o = o->next_id;
	return o;
}

/* Take @o out of the name index (it keeps its id).  Lock held. */
static void obj_unhash_name(struct objent *o)
{
	struct objent **p = &objs.by_name[name_hash(o->name)];

	while (*p != o)
		p = &(*p)->next_name;
	*p = o->next_name;
	o->linked = false;
}

/* Free @o if the kernel has forgotten it and its name is gone.  Lock held. */
static void obj_maybe_free(struct objent *o)
{
	struct objent **p;

	if (o->nlookup || o->linked)
		return;
	for (p = &objs.by_id[o->id % OBJ_BUCKETS]; *p != o; p = &(*p)->next_id)
		;
	*p = o->next_id;
	free(o);
}

/*
 * The id of object @name, counting one more kernel reference when @count;
 * @fresh when the object was just created (an older entry of that name is
 * stale).  A listing asks without counting: the entry then lives until the
 * name goes.
 */
static int obj_id(const char *name, unsigned mode, bool fresh, bool count, uint64_t *id)
{
	struct objent *o;
	size_t h = name_hash(name);

	pthread_mutex_lock(&objs.lock);
	o = obj_by_name(name);
	if (o && fresh) {
		obj_unhash_name(o);
		obj_maybe_free(o);
		o = NULL;
	}
	if (!o) {
		if (!(o = calloc(1, sizeof(*o)))) {
			pthread_mutex_unlock(&objs.lock);
			return -ENOMEM;
		}
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->id = objs.next_id++;
		o->linked = true;
		o->next_name = objs.by_name[h];
		objs.by_name[h] = o;
		o->next_id = objs.by_id[o->id % OBJ_BUCKETS];
		objs.by_id[o->id % OBJ_BUCKETS] = o;
	}
	o->mode = mode;
	o->nlookup += count;
	*id = o->id;
	pthread_mutex_unlock(&objs.lock);
	return 0;
}

static void obj_forget(uint64_t id, uint64_t n)
{
	struct objent *o;

	pthread_mutex_lock(&objs.lock);
	if ((o = obj_by_id(id))) {
		o->nlookup = o->nlookup > n ? o->nlookup - n : 0;
		obj_maybe_free(o);
	}
	pthread_mutex_unlock(&objs.lock);
}

static void obj_unlink(const char *name)
{
	struct objent *o;

	pthread_mutex_lock(&objs.lock);
	if ((o = obj_by_name(name))) {
		obj_unhash_name(o);
		obj_maybe_free(o);
	}
	pthread_mutex_unlock(&objs.lock);
}

/* Fill @n's object fields from the table; -ESTALE for an unknown id. */
static int obj_node(uint64_t id, struct node *n)
{
	struct objent *o;
	int rc = -ESTALE;

	pthread_mutex_lock(&objs.lock);
	if ((o = obj_by_id(id))) {
		n->obj_id = id;
		n->obj_linked = o->linked;
		n->obj_mode = o->mode;
		memcpy(n->object, o->name, sizeof(n->object));
		rc = 0;
	}
	pthread_mutex_unlock(&objs.lock);
	return rc;
}

/* Whether object id @id still owns its name (reads of a removed one fail). */
static bool obj_linked(uint64_t id)
{
	struct objent *o;
	bool linked;

	pthread_mutex_lock(&objs.lock);
	o = obj_by_id(id);
	linked = o && o->linked;
	pthread_mutex_unlock(&objs.lock);
	return linked;
}

/* ---- inodes and names --------------------------------------------------------- */

/*
 * What inode @ino names.  A PID directory must be alive; a file in one
 * must be alive too when @live (open), not for getattr (see the top).
 */
static int node_of_ino(fuse_ino_t ino, struct node *n, bool live)
{
	memset(n, 0, sizeof(*n));
	n->ino = ino;
	if (ino == ROOT_INO) {
		n->entry = &root_dir;
		return 0;
	}
	if (ino >= FIRST_INO && ino < FIRST_INO + COUNT(root_entries)) {
		n->entry = &root_entries[ino - FIRST_INO];
		return 0;
	}
	if (ino & PID_INO) {
		size_t slot = ino & 0xff;

		n->pid = (int)((ino & ~PID_INO) >> 8);
		if (slot > COUNT(pid_entries) || n->pid <= 0)
			return -ESTALE;
		n->entry = slot ? &pid_entries[slot - 1] : &pid_dir;
		if ((!slot || live) && !pid_alive(n->pid))
			return -ENOENT;
		return 0;
	}
	if (ino & OBJ_INO) {
		n->entry = &object_file;
		return obj_node(ino & ~OBJ_INO, n);
	}
	return -ESTALE;
}

/*
 * What @name in directory @parent names (and its inode), for lookup.
 * A name under objects/ is looked up in the machine and, when it exists,
 * counted in the object table: the caller owes a reply_entry or obj_forget.
 */
static int node_of_name(const struct node *parent, const char *name, struct node *n)
{
	struct vmfs_object_info oi;
	const struct entry *e;
	size_t i;
	int rc;

	memset(n, 0, sizeof(*n));
	switch (node_kind(parent)) {
	case K_ROOT:
		if ((e = find_entry(root_entries, COUNT(root_entries), name, &i))) {
			n->entry = e;
			n->ino = FIRST_INO + i;
			return 0;
		}
		if (parse_pid(name, &n->pid) || !pid_alive(n->pid))
			return -ENOENT;
		n->entry = &pid_dir;
		n->ino = pid_ino(n->pid, 0);
		return 0;
	case K_PIDDIR:
		if (!(e = find_entry(pid_entries, COUNT(pid_entries), name, &i)))
			return -ENOENT;
		if (!pid_alive(parent->pid))
			return -ENOENT;
		n->entry = e;
		n->pid = parent->pid;
		n->ino = pid_ino(n->pid, i + 1);
		return 0;
	case K_OBJDIR:
		if (strlen(name) > CTL_NAME_MAX)
			return -ENAMETOOLONG;
		if ((rc = vmfs_object_stat(machine, name, &oi)) < 0 || oi.removed)
			return -ENOENT;
		if ((rc = obj_id(name, oi.mode, false, true, &n->obj_id)))
			return rc;
		n->entry = &object_file;
		n->ino = OBJ_INO | n->obj_id;
		n->obj_linked = true;
		n->obj_mode = oi.mode;
		snprintf(n->object, sizeof(n->object), "%s", name);
		return 0;
	default:
		return -ENOTDIR;
	}
}

/* ---- attributes ---------------------------------------------------------------- */

static void set_times(struct stat *st, uint64_t ns)
{
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)(ns / 1000000000u);
	st->st_atim.tv_nsec = st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = (long)(ns % 1000000000u);
}

static int node_stat(const struct node *n, struct stat *st)
{
	struct vmfs_stat ms;
	struct vmfs_proc_stat ps;
	struct vmfs_object_info oi;
	uint64_t t;
	int rc;

	if ((rc = vmfs_stat(machine, &ms)) < 0)
		return rc;
	t = ms.boot_time * 1000000000u;
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->entry->mode;
	st->st_nlink = 1;
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_blksize = VMFS_PAGE_SIZE;

	switch (node_kind(n)) {
	case K_ROOT:
		rc = vmfs_pids(machine, NULL, 0);
		st->st_nlink = 3 + (rc > 0 ? (nlink_t)rc : 0);  /* ., .., objects, PIDs */
		break;
	case K_OBJDIR:
		st->st_nlink = 2;
		break;
	case K_PIDDIR:
		st->st_nlink = 2;
		if (vmfs_proc_stat(machine, n->pid, &ps) < 0)
			return -ENOENT;
		t += ps.start_ns;
		break;
	case K_PHYS:
		st->st_size = (off_t)ms.phys_size;
		break;
	case K_MEM:         /* the user half, so that od -j and hexdump -s seek */
		st->st_size = ms.user_top > INT64_MAX ? INT64_MAX : (off_t)ms.user_top;
		break;
	case K_PAGEMAP:     /* one entry per page of the user half */
		st->st_size = (off_t)((ms.user_top >> VMFS_PAGE_SHIFT) * 8);
		break;
	case K_OBJECT:
		st->st_mode = S_IFREG | (n->obj_mode & 07777);
		if (!n->obj_linked) {   /* removed while the kernel holds it */
			st->st_nlink = 0;
			break;
		}
		if (vmfs_object_stat(machine, n->object, &oi) < 0 || oi.removed)
			return -ENOENT;
		st->st_mode = S_IFREG | (oi.mode & 07777);
		st->st_size = (off_t)oi.size;
		st->st_blocks = (blkcnt_t)((oi.size + 511) / 512);
		break;
	default:    /* generated files have no size, as in /proc */
		break;
	}
	set_times(st, t);
	return 0;
}

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
		if (node_kind(n) == K_OBJECT)
			obj_forget(n->obj_id, 1);
		fuse_reply_err(req, -rc);
		return;
	}
	if (fuse_reply_entry(req, &e) != 0 && node_kind(n) == K_OBJECT)
		obj_forget(n->obj_id, 1);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node dir, n;
	int rc;

	if ((rc = node_of_ino(parent, &dir, true)) || (rc = node_of_name(&dir, name, &n)))
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, &n);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	if (ino & OBJ_INO)
		obj_forget(ino & ~OBJ_INO, nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		if (forgets[i].ino & OBJ_INO)
			obj_forget(forgets[i].ino & ~OBJ_INO, forgets[i].nlookup);
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

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct vmfs_stat ms;
	struct statvfs sv;
	int rc;

	(void)ino;
	if ((rc = vmfs_stat(machine, &ms)) < 0) {
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
	bool            show_pfn;       /* pagemap: opened by the mounter or root */
};

static struct handle *handle_new(const struct node *n)
{
	struct handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->node = *n;
	pthread_mutex_init(&h->lock, NULL);
	return h;
}

static void handle_free(struct handle *h)
{
	if (!h)
		return;
	sbuf_free(&h->text);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static struct handle *handle_of(const struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

/* Render a text file's snapshot; a process that is gone is ENOENT. */
static int render(struct handle *h)
{
	const struct entry *e = h->node.entry;
	int rc;

	rc = e->fmt_process ? e->fmt_process(machine, h->node.pid, &h->text)
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
	case K_PHYS:
	case K_PAGEMAP:
		if (writing)
			return -EACCES;
		break;
	case K_OBJECT:
		if (!n->obj_linked)
			return -ENOENT;
		break;
	default:
		break;
	}
	if (!(h = handle_new(n)))
		return -ENOMEM;
	switch (node_kind(n)) {
	case K_TEXT:
		rc = render(h);
		break;
	case K_PAGEMAP:
		h->show_pfn = opener == owner_uid || opener == 0;
		break;
	case K_OBJECT:
		/* O_TRUNC arrives here when the kernel does atomic_o_trunc. */
		if ((fi->flags & O_TRUNC) && writing)
			rc = vmfs_object_resize(machine, n->object, 0);
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
	else if (fuse_reply_open(req, fi) != 0)
		handle_free(handle_of(fi));     /* the open was interrupted */
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
	if (rc == 0)
		rc = vmfs_object_chmod(machine, name, mode & 07777);
	else if (rc == -EEXIST && !(fi->flags & O_EXCL))
		rc = 0, fresh = false;  /* lost a race with another creator: open it */
	if (rc)
		goto fail;

	memset(&n, 0, sizeof(n));
	n.entry = &object_file;
	n.obj_linked = true;
	n.obj_mode = mode & 07777;
	snprintf(n.object, sizeof(n.object), "%s", name);
	if ((rc = obj_id(name, n.obj_mode, fresh, true, &n.obj_id)))
		goto fail;
	n.ino = OBJ_INO | n.obj_id;

	memset(&e, 0, sizeof(e));
	e.ino = n.ino;
	if ((rc = node_stat(&n, &e.attr)) || (rc = open_node(&n, fi, fuse_req_ctx(req)->uid))) {
		obj_forget(n.obj_id, 1);
		goto fail;
	}
	if (fuse_reply_create(req, &e, fi) != 0) {
		obj_forget(n.obj_id, 1);
		handle_free(handle_of(fi));
	}
	return;
fail:
	fuse_reply_err(req, -rc);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
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

/* ---- directory listings ---------------------------------------------------------- */

/* Append one entry to a listing; each entry's offset is where the next begins. */
static void list_add(fuse_req_t req, struct sbuf *b, const char *name, fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t len = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (b->err)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *p;

		while (cap < b->len + len)
			cap *= 2;
		if (!(p = realloc(b->buf, cap))) {
			b->err = -ENOMEM;
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	fuse_add_direntry(req, b->buf + b->len, len, name, &st, (off_t)(b->len + len));
	b->len += len;
}

static int list_pids(fuse_req_t req, struct sbuf *b)
{
	int small[256], *pids = small, n;
	size_t cap = COUNT(small);

	for (;;) {
		n = vmfs_pids(machine, pids, cap);
		if (n < 0 || (size_t)n <= cap)
			break;
		if (pids != small)
			free(pids);
		cap = (size_t)n + 64;
		if (!(pids = malloc(cap * sizeof(*pids))))
			return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "%d", pids[i]);
		list_add(req, b, name, pid_ino(pids[i], 0), pid_dir.mode);
	}
	if (pids != small)
		free(pids);
	return n < 0 ? n : 0;
}

/* Objects are listed with their ids (readdir skips inode number 0). */
static int list_objects(fuse_req_t req, struct sbuf *b)
{
	struct vmfs_object_info *list = NULL;
	size_t cap = 16;
	int n;

	for (;;) {
		struct vmfs_object_info *bigger = realloc(list, cap * sizeof(*list));

		if (!bigger) {
			free(list);
			return -ENOMEM;
		}
		list = bigger;
		n = vmfs_object_list(machine, list, cap);
		if (n < 0 || (size_t)n <= cap)
			break;
		cap = (size_t)n + 16;
	}
	for (int i = 0; i < n; i++) {
		uint64_t id;

		if (list[i].removed)
			continue;
		if (obj_id(list[i].name, list[i].mode, false, false, &id)) {
			b->err = -ENOMEM;
			break;
		}
		list_add(req, b, list[i].name, OBJ_INO | id, S_IFREG);
	}
	free(list);
	return n < 0 ? n : 0;
}

static int list_dir(fuse_req_t req, struct handle *h)
{
	const struct node *n = &h->node;
	struct sbuf *b = &h->text;
	int rc = 0;

	b->len = 0;
	b->err = 0;
	list_add(req, b, ".", n->ino, S_IFDIR);
	list_add(req, b, "..", ROOT_INO, S_IFDIR);
	switch (node_kind(n)) {
	case K_ROOT:
		for (size_t i = 0; i < COUNT(root_entries); i++)
			list_add(req, b, root_entries[i].name, FIRST_INO + i, root_entries[i].mode);
		rc = list_pids(req, b);
		break;
	case K_OBJDIR:
		rc = list_objects(req, b);
		break;
	case K_PIDDIR:
		if (!pid_alive(n->pid))
			return -ENOENT;
		for (size_t i = 0; i < COUNT(pid_entries); i++)
			list_add(req, b, pid_entries[i].name, pid_ino(n->pid, i + 1), pid_entries[i].mode);
		break;
	default:
		return -ENOTDIR;
	}
	return rc ? rc : b->err;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	char *buf = NULL;
	ssize_t n = 0;

	(void)ino;
	pthread_mutex_lock(&h->lock);
	if (off == 0 || !h->listed) {
		n = list_dir(req, h);
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
 * aligned.  Without @show_pfn a present page's frame number reads as 0, as
 * Linux's pagemap_read() does when the opener lacks CAP_SYS_ADMIN; a swap
 * entry keeps its type and offset, which say nothing of physical memory.
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
		if (pm[i] & VMFS_PM_PRESENT)
			pm[i] &= ~VMFS_PM_PFN_MASK;
	return n * 8;
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
	case K_OBJECT:
		r = obj_linked(n->obj_id) ? vmfs_object_read(machine, n->object, (uint64_t)off, buf, size)
					  : -ESTALE;
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
	case K_OBJECT:
		if (off < 0)
			r = -EINVAL;
		else if (!obj_linked(n->obj_id))
			r = -ESTALE;
		else
			r = vmfs_object_write(machine, n->object, (uint64_t)off, buf, size);
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
		if ((rc = vmfs_object_chmod(machine, n->object, attr->st_mode & 07777)))
			return rc;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		switch (node_kind(n)) {
		case K_OBJECT:
			if (attr->st_size < 0)
				return -EINVAL;
			if ((rc = vmfs_object_resize(machine, n->object, (uint64_t)attr->st_size)))
				return rc;
			break;
		case K_CTL:
		case K_MEM:
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
	if (node_kind(&n) == K_OBJECT && !obj_linked(n.obj_id)) {
		rc = -ESTALE;
		goto fail;
	}
	if ((rc = set_attr(&n, attr, to_set)) || (rc = node_stat(&n, &st)))
		goto fail;
	fuse_reply_attr(req, &st, 0);
	return;
fail:
	fuse_reply_err(req, -rc);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node dir, n;
	int rc;

	if ((rc = node_of_ino(parent, &dir, true)) || (rc = node_of_name(&dir, name, &n)))
		goto out;
	if (node_kind(&n) != K_OBJECT) {
		rc = is_dir(&n) ? -EISDIR : -EPERM;
		goto out;
	}
	obj_forget(n.obj_id, 1);        /* node_of_name counted a reference */
	if ((rc = vmfs_object_remove(machine, name)) == 0)
		obj_unlink(name);
out:
	fuse_reply_err(req, -rc);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node dir, n;
	int rc;

	if ((rc = node_of_ino(parent, &dir, true)) || (rc = node_of_name(&dir, name, &n)))
		goto out;
	switch (node_kind(&n)) {
	case K_PIDDIR:
		rc = vmfs_exit(machine, n.pid);
		if (rc == -ESRCH)
			rc = -ENOENT;
		break;
	case K_OBJDIR:
		rc = -EPERM;
		break;
	case K_OBJECT:
		obj_forget(n.obj_id, 1);
		rc = -ENOTDIR;
		break;
	default:
		rc = -ENOTDIR;
		break;
	}
out:
	fuse_reply_err(req, -rc);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct node dir, n;
	int rc;

	(void)mode;
	if ((rc = node_of_ino(parent, &dir, true)) == 0 && (rc = node_of_name(&dir, name, &n)) == 0) {
		if (node_kind(&n) == K_OBJECT)
			obj_forget(n.obj_id, 1);
		rc = -EEXIST;
	} else if (rc == -ENOENT) {
		rc = -EPERM;
	}
	fuse_reply_err(req, -rc);
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
	vmfs_close(machine);
	machine = NULL;
}

static const struct fuse_lowlevel_ops vmfs_ops = {
	.init         = ll_init,
	.destroy      = ll_destroy,
	.lookup       = ll_lookup,
	.forget       = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr      = ll_getattr,
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

/* ---- the command line ---------------------------------------------------------------------- */

struct cmdline {
	char *machine;      /* the machine options, comma-joined, for vmfs_open */
	char *words[2];     /* [SOURCE] MOUNTPOINT */
	int   nwords;
	bool  help, version, bad;
};

enum { KEY_MACHINE, KEY_HELP, KEY_VERSION, KEY_MAX_READ };

#define MACHINE_OPT(name) FUSE_OPT_KEY(name "=", KEY_MACHINE), FUSE_OPT_KEY(name, KEY_MACHINE)

static const struct fuse_opt vmfs_opts[] = {
	MACHINE_OPT("frames"), MACHINE_OPT("mem"), MACHINE_OPT("levels"),
	MACHINE_OPT("tlb"), MACHINE_OPT("kernel"), MACHINE_OPT("policy"),
	MACHINE_OPT("swap"), MACHINE_OPT("swap_size"),
	FUSE_OPT_KEY("-h", KEY_HELP), FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION), FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("max_read=", KEY_MAX_READ),
	FUSE_OPT_END
};

/* swap=PATH relative to where vmfs was started, not to / (the daemon's cwd). */
static int add_machine_opt(struct cmdline *c, const char *arg)
{
	char cwd[PATH_MAX], *abs = NULL;
	int rc;

	if (!strncmp(arg, "swap=", 5) && arg[5] && arg[5] != '/' && strcmp(arg + 5, "none") &&
	    getcwd(cwd, sizeof(cwd))) {
		if (asprintf(&abs, "swap=%s/%s", cwd, arg + 5) < 0)
			return -1;
		arg = abs;
	}
	rc = fuse_opt_add_opt(&c->machine, arg);
	free(abs);
	return rc;
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct cmdline *c = data;

	(void)outargs;
	switch (key) {
	case KEY_MACHINE:
		return add_machine_opt(c, arg) ? -1 : 0;
	case KEY_HELP:
		c->help = true;
		return 0;
	case KEY_VERSION:
		c->version = true;
		return 0;
	case KEY_MAX_READ:  /* noted for init(), and passed on to the mount */
		if (sscanf(arg, "max_read=%u", &max_read) != 1) {
			fprintf(stderr, "vmfs: bad option '%s'\n", arg);
			c->bad = true;
			return -1;
		}
		return 1;
	case FUSE_OPT_KEY_NONOPT:
		if (c->nwords == 2) {
			fprintf(stderr, "vmfs: unexpected argument '%s'\n", arg);
			c->bad = true;
			return -1;
		}
		c->words[c->nwords++] = strdup(arg);
		return 0;
	default:
		return 1;   /* FUSE's: passed on to fuse_parse_cmdline and fuse_session_new */
	}
}

static void usage(FILE *f)
{
	fputs("usage: vmfs [-f] [-d] [-s] [-o OPTION[,OPTION...]] [SOURCE] MOUNTPOINT\n", f);
}

static void help(void)
{
	usage(stdout);
	fputs(
"\n"
"Mount a new simulated machine at MOUNTPOINT as a file system laid out like\n"
"/proc (see vmfs(1)); `fusermount3 -u MOUNTPOINT` ends it.  SOURCE, which\n"
"mount.fuse3 passes, is ignored except as the name shown in /proc/mounts.\n"
"\n"
"General options:\n"
"    -h, --help             print this help and exit\n"
"    -V, --version          print the versions and exit\n"
"    -f                     stay in the foreground\n"
"    -d, -o debug           log every FUSE request to stderr (implies -f)\n"
"    -s                     serve requests with one thread\n"
"\n"
"Machine options (-o; given to vmfs_open, see libvmfs(3)):\n"
"    frames=N               data frames (default 16384, i.e. 64 MiB)\n"
"    mem=SIZE               the same as a size, e.g. mem=256M\n"
"    levels=N               page-table levels, 2 to 6 (default 4)\n"
"    tlb=N                  TLB entries per process, 0 = none (default 64)\n"
"    kernel=SIZE            size of the kernel image (default 1M)\n"
"    policy=NAME            page replacement: fifo, lru, clock (default), arc\n"
"    swap=PATH|none         the SQLite swap store (default: a private\n"
"                           temporary file, removed at unmount)\n"
"    swap_size=SIZE         the most swap to use (default unlimited)\n"
"    Sizes take K, M, G, T suffixes; a bad machine option is an error.\n"
"\n"
"FUSE options (-o):\n"
"    allow_other            let every user in (a non-root mounter needs\n"
"                           user_allow_other in /etc/fuse.conf)\n"
"    allow_root             let root in as well as the mounting user\n"
"    auto_unmount           unmount if the daemon dies\n"
"    fsname=NAME            the source in /proc/mounts (default: SOURCE or vmfs)\n"
"    subtype=NAME           the type shown as fuse.NAME (default vmfs)\n"
"    max_read=N             the largest read request, in bytes (default 1 MiB)\n"
"    max_threads=N          the most worker threads (default 10)\n"
"    max_idle_threads=N     idle worker threads kept (default: no limit)\n"
"    clone_fd               one /dev/fuse descriptor per worker thread\n"
"    ro, rw, nosuid, nodev, noexec, noatime, ...   as in mount(8)\n"
"    Always on: default_permissions (file modes are enforced), direct I/O,\n"
"    no attribute or entry caching.  Other libfuse low-level options are\n"
"    passed on; an unknown option is an error.\n",
	stdout);
}

static void version(void)
{
	printf("vmfs %s (libvmfs %d.%d, libfuse %s)\n", VMFS_RELEASE,
	       VMFS_VERSION_MAJOR, VMFS_VERSION_MINOR, fuse_pkgversion());
	fflush(stdout);
	fuse_lowlevel_version();
}

/* ---- running ----------------------------------------------------------------------------------- */

/*
 * Going to the background happens before the machine is opened (so no
 * engine state, threads or SQLite locks cross a fork): the parent waits on
 * a pipe until the child has mounted, or has failed and said why on the
 * terminal, and exits with the child's verdict.
 */
static int start_background(void)
{
	int pfd[2];
	pid_t child;
	char status = 1;

	if (pipe(pfd) < 0) {
		perror("vmfs: pipe");
		exit(1);
	}
	child = fork();
	if (child < 0) {
		perror("vmfs: fork");
		exit(1);
	}
	if (child > 0) {
		close(pfd[1]);
		if (read(pfd[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(pfd[0]);
	return pfd[1];
}

static void finish_background(int ready_fd)
{
	int fd;
	char ok = 0;

	if (setsid() < 0)
		perror("vmfs: setsid");
	if (chdir("/") < 0)
		perror("vmfs: chdir /");
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(ready_fd, &ok, 1) != 1) {
		/* the parent is gone; nobody is waiting for the verdict */
	}
	close(ready_fd);
}

static int serve(struct fuse_session *se, const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *lc;
	int rc;

	if (opts->singlethread)
		return fuse_session_loop(se);
	if (!(lc = fuse_loop_cfg_create()))
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(lc, (unsigned)opts->clone_fd);
	if (opts->max_idle_threads != UINT_MAX)                   /* else no limit */
		fuse_loop_cfg_set_idle_threads(lc, opts->max_idle_threads);
	if (opts->max_threads && opts->max_threads != UINT_MAX)   /* else libfuse's default */
		fuse_loop_cfg_set_max_threads(lc, opts->max_threads);
	rc = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return rc;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct cmdline c = { 0 };
	struct fuse_session *se = NULL;
	char *defaults = NULL, *fsname = NULL;
	int ready_fd = -1, rc, status = 1;
	bool mounted = false, signals = false;

	memset(&opts, 0, sizeof(opts));
	if (fuse_opt_parse(&args, &c, vmfs_opts, opt_proc) < 0) {
		if (!c.bad)
			fprintf(stderr, "vmfs: bad options\n");
		usage(stderr);
		goto out_args;
	}
	if (c.help) {
		help();
		status = 0;
		goto out_args;
	}
	if (c.version) {
		version();
		status = 0;
		goto out_args;
	}
	if (c.nwords == 0) {
		fprintf(stderr, "vmfs: no mountpoint given\n");
		usage(stderr);
		goto out_args;
	}

	/* Our defaults first, so that the user's -o fsname=/subtype= win. */
	if (asprintf(&fsname, "fsname=%s", c.nwords == 2 ? c.words[0] : "vmfs") < 0 ||
	    fuse_opt_add_opt(&defaults, "default_permissions,subtype=vmfs") ||
	    fuse_opt_add_opt_escaped(&defaults, fsname) ||
	    fuse_opt_insert_arg(&args, 1, "-o") || fuse_opt_insert_arg(&args, 2, defaults) ||
	    fuse_opt_add_arg(&args, c.words[c.nwords - 1])) {
		fprintf(stderr, "vmfs: out of memory\n");
		goto out_args;
	}
	if (fuse_parse_cmdline(&args, &opts) != 0) {
		usage(stderr);
		goto out_args;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "vmfs: no mountpoint given\n");
		goto out_opts;
	}
	if ((rc = pthread_key_create(&iobuf_key, free))) {
		fprintf(stderr, "vmfs: %s\n", strerror(rc));
		goto out_opts;
	}

	if (!opts.foreground)
		ready_fd = start_background();

	rc = vmfs_open(&machine, c.machine ? c.machine : "");
	if (rc < 0) {
		fprintf(stderr, "vmfs: %s\n", *vmfs_errmsg() ? vmfs_errmsg() : strerror(-rc));
		machine = NULL;
		goto out_opts;
	}
	owner_uid = getuid();
	owner_gid = getgid();

	se = fuse_session_new(&args, &vmfs_ops, sizeof(vmfs_ops), NULL);
	if (!se)
		goto out_machine;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_session;
	mounted = true;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	signals = true;
	if (ready_fd >= 0) {
		finish_background(ready_fd);
		ready_fd = -1;
	}

	rc = serve(se, &opts);
	/* A positive result is the signal that ended the loop: a clean stop. */
	status = rc < 0 ? 1 : 0;

out_session:
	if (signals)
		fuse_remove_signal_handlers(se);
	if (mounted)
		fuse_session_unmount(se);
	fuse_session_destroy(se);   /* calls destroy() if init ran, closing the machine */
out_machine:
	if (machine)
		vmfs_close(machine);
	machine = NULL;
out_opts:
	free(opts.mountpoint);
out_args:
	free(fsname);
	free(defaults);
	free(c.machine);
	free(c.words[0]);
	free(c.words[1]);
	fuse_opt_free_args(&args);
	return status;
}

/*
 * inode.c - the tree of the vmfs daemon (inode.h draws it): the names of
 * each directory, the inode numbers, what a number or a name refers to, the
 * attributes of each node and the listing of each directory.
 *
 * Inode numbers carry what they name, so most need no table:
 *
 *   1                      the root
 *   2 + i                  root_entries[i]
 *   PID_INO | pid<<8 | 0   PID/,  | 1 + i: pid_entries[i]   (PIDs are never reused)
 *   ... | TASK_SLOT | 0    PID/task/PID/, | 1 + i: pid_entries[i] in it
 *   ... | READER_INO       the same below the reader's PID/ (self)
 *   PID_INO | FD_INO | pid<<8 | fd    PID/fd/N (fd below 128; PID/fd/ is a pid_entries slot)
 *   ... | FDINFO_SLOT | fd             PID/fdinfo/N
 *   SYS_INO | i            sys_entries[i], below sys/ (sys itself is a root entry)
 *   OBJ_INO | id           objects/NAME, id the object's number, under which
 *                          the object table (objtab.c) holds the object
 *                          open (maps shows the same): every object node
 *                          acts on its object through that handle, never
 *                          by name, so an old inode never reaches a new
 *                          object of the same name
 *
 * What stays true in this file:
 *   - The tables below are the only place a name of the tree is written;
 *     lookup, getattr and readdir all read them, so they cannot disagree.
 *   - Nothing is cached: every answer comes from the machine at the moment
 *     of the request (and, for `self` and the reader's PID/, from the
 *     request itself: node_reader).  A gone PID is ENOENT at lookup, at getattr of its
 *     directory and at open; the files of a gone PID are reachable only
 *     through an inode the kernel already holds, and getattr still answers
 *     for them (fstat of an open file works, as in /proc).
 *   - Every object inode handed to the kernel has been counted in the
 *     object table once (node_of_name, node_of_object), and node_put or
 *     node_forget gives that count back.
 *   - Every node is owned by the user who mounted (default_permissions
 *     makes the kernel enforce the modes); times are the machine's boot
 *     time, or a process's start.
 */
#include "inode.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOT_INO   ((fuse_ino_t)FUSE_ROOT_ID)
#define FIRST_INO  ((fuse_ino_t)2)
#define PID_INO    ((fuse_ino_t)1 << 62)
#define OBJ_INO    ((fuse_ino_t)OBJECT_INO)   /* procfmt.h: maps shows it too */
#define SYS_INO    ((fuse_ino_t)1 << 60)
#define READER_INO ((fuse_ino_t)1 << 59)   /* with PID_INO: the reader's PID/ */
#define TASK_SLOT  0x80u       /* in a PID's slot: below task/TID/ */
#define FD_INO     ((fuse_ino_t)1 << 58)   /* with PID_INO: PID/fd/N, N in the slot */
#define FDINFO_SLOT 0x80u      /* with FD_INO: PID/fdinfo/N */

static const struct entry root_dir = { "/", K_ROOT, S_IFDIR | 0755, NULL, NULL };
static const struct entry pid_dir = { "PID", K_PIDDIR, S_IFDIR | 0555, NULL, NULL };
static const struct entry object_file = { "object", K_OBJECT, S_IFREG | 0644, NULL, NULL };
static const struct entry tid_dir = { "TID", K_TIDDIR, S_IFDIR | 0555, NULL, NULL };
static const struct entry fd_link = { "N", K_FDLINK, S_IFLNK | 0700, NULL, NULL };
static const struct entry fdinfo_file = { "N", K_FDINFO, S_IFREG | 0444, NULL, NULL };

static const struct entry root_entries[] = {
	{ "ctl",     K_CTL,    S_IFREG | 0600, NULL, NULL },
	{ "meminfo", K_TEXT,   S_IFREG | 0444, fmt_meminfo, NULL },
	{ "vmstat",  K_TEXT,   S_IFREG | 0444, fmt_vmstat, NULL },
	{ "swaps",   K_TEXT,   S_IFREG | 0444, fmt_swaps, NULL },
	{ "stat",    K_TEXT,   S_IFREG | 0444, fmt_stat, NULL },
	{ "uptime",  K_TEXT,   S_IFREG | 0444, fmt_uptime, NULL },
	{ "kmsg",    K_TEXT,   S_IFREG | 0444, fmt_kmsg, NULL },
	{ "config",  K_TEXT,   S_IFREG | 0444, fmt_config, NULL },
	{ "cpuinfo", K_TEXT,   S_IFREG | 0444, fmt_cpuinfo, NULL },
	{ "loadavg", K_TEXT,   S_IFREG | 0444, fmt_loadavg, NULL },
	{ "buddyinfo", K_TEXT, S_IFREG | 0444, fmt_buddyinfo, NULL },
	{ "counters", K_TEXT,  S_IFREG | 0444, fmt_counters, NULL },
	{ "tlb",     K_TEXT,   S_IFREG | 0444, fmt_tlb, NULL },     /* since 0.8 */
	{ "self",    K_LINK,   S_IFLNK | 0777, NULL, NULL },
	{ "thread-self", K_LINK, S_IFLNK | 0777, NULL, NULL },
	{ "phys",    K_PHYS,   S_IFREG | 0400, NULL, NULL },
	{ "kpageflags", K_KPAGEFLAGS, S_IFREG | 0400, NULL, NULL },
	{ "kpagecount", K_KPAGECOUNT, S_IFREG | 0400, NULL, NULL },
	{ "objects", K_OBJDIR, S_IFDIR | 0755, NULL, NULL },
	{ "sys",     K_DIR,    S_IFDIR | 0555, NULL, NULL },     /* last: SYS_DIR */
};
#define SYS_DIR (&root_entries[COUNT(root_entries) - 1])

/*
 * Below sys/, Linux's /proc/sys with its modes: each entry names the
 * directory it is in, so a directory's entries are those naming it.
 */
struct sys_entry {
	struct entry        e;      /* first: a node's entry points here */
	const struct entry *dir;
	const char         *sysctl; /* K_SYSCTL: the tunable, for vmfs_sysctl */
};

static const struct sys_entry sys_entries[] = {
	{ { "vm",            K_DIR,    S_IFDIR | 0555, NULL, NULL }, SYS_DIR, NULL },
	{ { "max_map_count", K_SYSCTL, S_IFREG | 0644, NULL, NULL }, &sys_entries[0].e,
	  "vm.max_map_count" },
	/* sys/kernel/: SYS_KERNEL is the index of its line (the test lists it) */
#define SYS_KERNEL 2
	{ { "kernel",        K_DIR,    S_IFDIR | 0555, NULL, NULL }, SYS_DIR, NULL },
	{ { "osrelease",     K_TEXT,   S_IFREG | 0444, fmt_osrelease, NULL },
	  &sys_entries[SYS_KERNEL].e, NULL },
	{ { "pid_max",       K_TEXT,   S_IFREG | 0444, fmt_pid_max, NULL },
	  &sys_entries[SYS_KERNEL].e, NULL },
	/* Idle page tracking, in the place of /sys/kernel/mm/page_idle/bitmap. */
	{ { "mm",            K_DIR,    S_IFDIR | 0555, NULL, NULL }, &sys_entries[SYS_KERNEL].e, NULL },
	{ { "page_idle",     K_DIR,    S_IFDIR | 0555, NULL, NULL }, &sys_entries[SYS_KERNEL + 3].e, NULL },
	{ { "bitmap",        K_PAGE_IDLE, S_IFREG | 0600, NULL, NULL }, &sys_entries[SYS_KERNEL + 4].e, NULL },
	{ { "overcommit_memory", K_SYSCTL, S_IFREG | 0644, NULL, NULL }, &sys_entries[0].e,
	  "vm.overcommit_memory" },
	{ { "overcommit_ratio", K_SYSCTL, S_IFREG | 0644, NULL, NULL }, &sys_entries[0].e,
	  "vm.overcommit_ratio" },
	{ { "swappiness",    K_SYSCTL, S_IFREG | 0644, NULL, NULL }, &sys_entries[0].e,
	  "vm.swappiness" },
	{ { "drop_caches",   K_SYSCTL, S_IFREG | 0200, NULL, NULL }, &sys_entries[0].e,
	  "vm.drop_caches" },
	{ { "randomize_va_space", K_SYSCTL, S_IFREG | 0644, NULL, NULL },
	  &sys_entries[SYS_KERNEL].e, "kernel.randomize_va_space" },
	/* The readahead window, Linux's /sys/block/DEV/queue/read_ahead_kb (readahead.c). */
	{ { "read_ahead_kb", K_SYSCTL, S_IFREG | 0644, NULL, NULL }, &sys_entries[0].e,
	  "vm.read_ahead_kb" },
	/* The hugetlb pool of 2 MiB pages (hugetlb.c, since 0.8). */
	{ { "nr_hugepages",  K_SYSCTL, S_IFREG | 0644, NULL, NULL }, &sys_entries[0].e,
	  "vm.nr_hugepages" },
};

/* The sys_entry of @e, which is below sys/ (not sys/ itself). */
static const struct sys_entry *sys_of(const struct entry *e)
{
	return (const struct sys_entry *)(const void *)e;
}

const char *node_sysctl(const struct node *n)
{
	return sys_of(n->entry)->sysctl;
}

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
	{ "environ",      K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_environ },
	{ "io",           K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_io },
	{ "limits",       K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_limits },
	{ "wchan",        K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_wchan },
	{ "task",         K_TASKDIR, S_IFDIR | 0555, NULL, NULL },
	{ "clear_refs",   K_CLEAR_REFS, S_IFREG | 0200, NULL, NULL },
	{ "auxv",         K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_auxv },
	/* the CPU (issue 16) */
	{ "regs",         K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_regs },
	{ "stdout",       K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_stdout },
	{ "stderr",       K_TEXT,    S_IFREG | 0400, NULL, fmt_pid_stderr },
	/* the OOM killer (issue 16) */
	{ "oom_score",    K_TEXT,    S_IFREG | 0444, NULL, fmt_pid_oom_score },
	{ "fd",           K_FDDIR,   S_IFDIR | 0500, NULL, NULL },     /* since 0.7 */
	{ "fdinfo",       K_FDINFODIR, S_IFDIR | 0555, NULL, NULL },
	{ "stdin",        K_STDIN,   S_IFREG | 0200, NULL, NULL },     /* since 0.7 */
	/* The working directory and the root, "/" for every process (since 0.8) */
	{ "cwd",          K_LINK,    S_IFLNK | 0777, NULL, NULL },
	{ "root",         K_LINK,    S_IFLNK | 0777, NULL, NULL },
};

static fuse_ino_t pid_ino(int pid, size_t slot)
{
	return PID_INO | (fuse_ino_t)pid << 8 | slot;
}

/* The inode number of @slot below the PID/ that node @n is in or is. */
static fuse_ino_t node_pid_ino(const struct node *n, size_t slot)
{
	return pid_ino(n->pid, slot) | (n->reader ? READER_INO : 0);
}

static bool pid_alive(int pid)
{
	struct vmfs_proc_stat ps;

	return vmfs_proc_stat(machine, pid, &ps) == 0;
}

/* Whether the PID/ of node @n is there: the reader's always is. */
static bool node_alive(const struct node *n)
{
	return n->reader || pid_alive(n->pid);
}

/*
 * Whether PID/NAME (@e) exists in process @pid's directory, @in_task: in
 * task/TID/, which has no task/.  The reader has only the text files (no
 * memory, no commands) that do not show page tables, and task/.
 */
static bool pid_has(const struct node *dir, const struct entry *e, bool in_task)
{
	if ((in_task || dir->reader) && (e->kind == K_FDDIR || e->kind == K_FDINFODIR))
		return false;                    /* the reader's fds are the host's */
	if ((in_task || dir->reader) && e->kind == K_STDIN)
		return false;                    /* a process's, not a thread's */
	if (in_task && e->kind == K_TASKDIR)
		return false;
	return !dir->reader || e->kind == K_TASKDIR ||
	       (e->kind == K_TEXT && e->fmt_process != fmt_pid_pagetable);
}

/* The slot of PID/task/ in a PID's inode numbers. */
static size_t task_slot(void)
{
	for (size_t i = 0; i < COUNT(pid_entries); i++)
		if (pid_entries[i].kind == K_TASKDIR)
			return i + 1;
	return 0;
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

/* The entry called @name in the fixed directory @dir (sys/ and below), or NULL. */
static const struct entry *sys_find(const struct entry *dir, const char *name, size_t *index)
{
	for (size_t i = 0; i < COUNT(sys_entries); i++)
		if (sys_entries[i].dir == dir && !strcmp(sys_entries[i].e.name, name)) {
			*index = i;
			return &sys_entries[i].e;
		}
	return NULL;
}

/* The inode number of a directory entries below sys/ name: sys/ or one below it. */
static fuse_ino_t dir_ino(const struct entry *dir)
{
	if (dir == SYS_DIR)
		return FIRST_INO + COUNT(root_entries) - 1;
	return SYS_INO | (fuse_ino_t)(sys_of(dir) - sys_entries);
}

/*
 * The PID of the process that sent @req, the reader that `self` names:
 * FUSE gives the calling thread's ID, so a thread's is turned into its
 * process's (Tgid in the daemon's own /proc); the thread's when that
 * cannot be read.
 */
int node_reader(fuse_req_t req)
{
	int tid = (int)fuse_req_ctx(req)->pid, tgid = tid;
	char path[32], line[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (!(f = fopen(path, "re")))
		return tid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid > 0 ? tgid : tid;
}

/* ---- names and numbers --------------------------------------------------------- */

int node_of_ino(fuse_ino_t ino, struct node *n, bool live)
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
	if ((ino & PID_INO) && (ino & FD_INO)) {     /* PID/fd/N, PID/fdinfo/N */
		n->pid = (int)((ino & ~(PID_INO | FD_INO)) >> 8);
		n->fd = (int)(ino & ~(fuse_ino_t)FDINFO_SLOT & 0xff);
		n->entry = ino & FDINFO_SLOT ? &fdinfo_file : &fd_link;
		if (n->pid <= 0 || (ino & READER_INO))
			return -ESTALE;
		return live && !pid_alive(n->pid) ? -ENOENT : 0;
	}
	if (ino & PID_INO) {
		size_t slot = ino & 0xff, i = slot & ~TASK_SLOT;
		bool in_task = slot & TASK_SLOT;

		n->reader = ino & READER_INO;
		n->pid = (int)((ino & ~(PID_INO | READER_INO)) >> 8);
		if (i > COUNT(pid_entries) || n->pid <= 0)
			return -ESTALE;
		n->entry = i ? &pid_entries[i - 1] : in_task ? &tid_dir : &pid_dir;
		if (i && !pid_has(n, n->entry, in_task))
			return -ESTALE;
		if ((is_dir(n) || live) && !node_alive(n))
			return -ENOENT;
		return 0;
	}
	if (ino & OBJ_INO) {
		n->entry = &object_file;
		return obj_find(ino & ~OBJ_INO, &n->obj);
	}
	if ((ino & SYS_INO) && (ino & ~SYS_INO) < COUNT(sys_entries)) {
		n->entry = &sys_entries[ino & ~SYS_INO].e;
		return 0;
	}
	return -ESTALE;
}

int node_of_object(const char *name, bool fresh, struct node *n)
{
	int64_t handle = vmfs_object_open(machine, name);
	int rc;

	memset(n, 0, sizeof(*n));
	if (handle < 0)
		return handle == -EINVAL ? -ENOENT : (int)handle;
	/* The table keeps the handle, or closes it when it holds this object already. */
	if ((rc = obj_id(name, fresh, handle, &n->obj.id)))
		return rc;
	n->entry = &object_file;
	n->ino = OBJ_INO | n->obj.id;
	n->obj.handle = handle;
	n->obj.linked = true;
	snprintf(n->obj.name, sizeof(n->obj.name), "%s", name);
	return 0;
}

int node_of_name(const struct node *parent, const char *name, fuse_req_t reader,
		 struct node *n)
{
	const struct entry *e;
	size_t i;

	memset(n, 0, sizeof(*n));
	switch (node_kind(parent)) {
	case K_ROOT:
		if ((e = find_entry(root_entries, COUNT(root_entries), name, &i))) {
			n->entry = e;
			n->ino = FIRST_INO + i;
			return 0;
		}
		if (parse_pid(name, &n->pid))
			return -ENOENT;
		/* the machine's process, or else the reader under its own PID */
		if (!pid_alive(n->pid) && !(n->reader = reader && n->pid == node_reader(reader)))
			return -ENOENT;
		n->entry = &pid_dir;
		n->ino = node_pid_ino(n, 0);
		return 0;
	case K_PIDDIR:
	case K_TIDDIR:
		if (!(e = find_entry(pid_entries, COUNT(pid_entries), name, &i)) ||
		    !pid_has(parent, e, node_kind(parent) == K_TIDDIR))
			return -ENOENT;
		if (!node_alive(parent))
			return -ENOENT;
		n->entry = e;
		n->pid = parent->pid;
		n->reader = parent->reader;
		n->ino = node_pid_ino(n, (node_kind(parent) == K_TIDDIR ? TASK_SLOT : 0) | (i + 1));
		return 0;
	case K_TASKDIR:     /* one thread, TID = PID */
		if (parse_pid(name, &n->pid) || n->pid != parent->pid || !node_alive(parent))
			return -ENOENT;
		n->reader = parent->reader;
		n->entry = &tid_dir;
		n->ino = node_pid_ino(n, TASK_SLOT);
		return 0;
	case K_FDDIR:       /* N, an open fd of the program: decimal, no leading zero */
	case K_FDINFODIR: {
		bool info = node_kind(parent) == K_FDINFODIR;
		int fd;

		if (!strcmp(name, "0"))
			fd = 0;
		else if (parse_pid(name, &fd) || fd >= (int)FDINFO_SLOT)
			return -ENOENT;
		if (vmfs_fd_link(machine, parent->pid, fd, NULL, 0) < 0)
			return -ENOENT;
		n->entry = info ? &fdinfo_file : &fd_link;
		n->pid = parent->pid;
		n->fd = fd;
		n->ino = PID_INO | FD_INO | (fuse_ino_t)n->pid << 8 | (info ? FDINFO_SLOT : 0) |
			 (fuse_ino_t)fd;
		return 0;
	}
	case K_OBJDIR:
		if (strlen(name) > CTL_NAME_MAX)
			return -ENAMETOOLONG;
		return node_of_object(name, false, n);
	case K_DIR:
		if (!(e = sys_find(parent->entry, name, &i)))
			return -ENOENT;
		n->entry = e;
		n->ino = SYS_INO | i;
		return 0;
	default:
		return -ENOTDIR;
	}
}

void node_put(const struct node *n)
{
	if (node_kind(n) == K_OBJECT)
		obj_forget(n->obj.id, 1);
}

int node_readlink(const struct node *n, int reader, bool permitted, char *buf, size_t len)
{
	if (node_kind(n) == K_FDLINK)
		return vmfs_fd_link(machine, n->pid, n->fd, buf, len) < 0 ? -ENOENT : 0;
	if (node_kind(n) != K_LINK)
		return -EINVAL;
	if (!strcmp(n->entry->name, "cwd") || !strcmp(n->entry->name, "root")) {
		/* No process of the machine changes directory (chdir is
		 * ENOSYS, getcwd answers "/") or root.  Linux's
		 * proc_fd_access_allowed: only a reader that may ptrace. */
		if (!permitted)
			return -EACCES;
		snprintf(buf, len, "/");
		return 0;
	}
	if (!strcmp(n->entry->name, "self"))
		snprintf(buf, len, "%d", reader);
	else
		snprintf(buf, len, "%d/task/%d", reader, reader);
	return 0;
}

void node_forget(fuse_ino_t ino, uint64_t nlookup)
{
	if (ino & OBJ_INO)
		obj_forget(ino & ~OBJ_INO, nlookup);
}

/* ---- attributes ---------------------------------------------------------------- */

static void set_times(struct stat *st, uint64_t ns)
{
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)(ns / 1000000000u);
	st->st_atim.tv_nsec = st->st_mtim.tv_nsec = st->st_ctim.tv_nsec = (long)(ns % 1000000000u);
}

int node_stat(const struct node *n, struct stat *st)
{
	struct vmfs_stat ms;
	struct vmfs_proc_stat ps;
	struct vmfs_object_info oi;
	uint64_t t;
	int rc;

	if ((rc = vmfs_statx(machine, &ms, 0)) < 0)   /* the basic figures: no scan */
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
		st->st_nlink = 4 + (rc > 0 ? (nlink_t)rc : 0);  /* ., .., objects, sys, PIDs */
		break;
	case K_OBJDIR:
	case K_FDDIR:
	case K_FDINFODIR:
		st->st_nlink = 2;
		break;
	case K_FDLINK: {    /* Linux's: size 64, r-x for reading, -wx for writing */
		struct vmfs_fd_info fi;

		if (vmfs_fd_info(machine, n->pid, n->fd, &fi) < 0)
			return -ENOENT;
		st->st_mode = S_IFLNK | ((fi.flags & O_ACCMODE) != O_WRONLY ? 0500 : 0) |
			      ((fi.flags & O_ACCMODE) != O_RDONLY ? 0300 : 0);
		st->st_size = 64;
		break;
	}
	case K_DIR:         /* ., .. and its subdirectories' .. */
		st->st_nlink = 2;
		for (size_t i = 0; i < COUNT(sys_entries); i++)
			st->st_nlink += sys_entries[i].dir == n->entry && sys_entries[i].e.kind == K_DIR;
		break;
	case K_PIDDIR:      /* ., .., task/.. */
	case K_TASKDIR:     /* ., .., TID/.. */
	case K_TIDDIR:
		st->st_nlink = node_kind(n) == K_TIDDIR ? 2 : 3;
		if (n->reader)
			break;
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
	case K_KPAGEFLAGS:  /* one entry per frame of physical memory */
	case K_KPAGECOUNT:
		st->st_size = (off_t)((ms.phys_size >> VMFS_PAGE_SHIFT) * 8);
		break;
	case K_PAGE_IDLE:   /* one bit per frame, in whole u64 words */
		st->st_size = (off_t)(((ms.phys_size >> VMFS_PAGE_SHIFT) + 63) / 64 * 8);
		break;
	case K_OBJECT:      /* through the handle: a removed object answers too */
		if (vmfs_object_fstat(machine, n->obj.handle, &oi) < 0)
			return -ENOENT;
		st->st_mode = S_IFREG | (oi.mode & 07777);
		st->st_nlink = oi.removed ? 0 : 1;
		st->st_size = (off_t)oi.size;
		st->st_blocks = (blkcnt_t)((oi.size + 511) / 512);
		break;
	default:    /* generated files have no size, as in /proc */
		break;
	}
	set_times(st, t);
	return 0;
}

/* ---- directory listings ---------------------------------------------------------- */

/* Append one entry to a listing; each entry's offset is where the next begins. */
static void list_add(fuse_req_t req, struct sbuf *b, const char *name, fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t len = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (!sbuf_reserve(b, len))
		return;
	fuse_add_direntry(req, b->buf + b->len, len, name, &st, (off_t)(b->len + len));
	b->len += len;
}

/*
 * The machine's processes; on a machine with none, the reader, so that the
 * listing is never empty (procps refuses an empty /proc: "fatal library
 * error, reap").  Linux lists every reader; vmfs lists the machine's
 * processes, which is what ls, vmfsctl and the tests count.
 */
static int list_pids(fuse_req_t req, struct sbuf *b)
{
	ssize_t n;
	int *pids = snap_pids(machine, &n);
	char name[16];

	for (ssize_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%d", pids[i]);
		list_add(req, b, name, pid_ino(pids[i], 0), pid_dir.mode);
	}
	free(pids);
	if (n == 0) {
		int reader = node_reader(req);

		snprintf(name, sizeof(name), "%d", reader);
		if (reader > 0)     /* 0: a request of the kernel's own */
			list_add(req, b, name, pid_ino(reader, 0) | READER_INO, pid_dir.mode);
	}
	return n < 0 ? (int)n : 0;
}

/*
 * Objects are listed with their inode numbers, which hold their numbers
 * (objtab.h): each is opened for it and closed again; one removed
 * meanwhile is left out.
 */
static int list_objects(fuse_req_t req, struct sbuf *b)
{
	ssize_t n;
	struct vmfs_object_info *list = snap_objects(machine, &n);

	for (ssize_t i = 0; i < n; i++) {
		int64_t num;

		if (list[i].removed || (num = vmfs_object_open(machine, list[i].name)) <= 0)
			continue;
		vmfs_object_close(machine, num);
		list_add(req, b, list[i].name, OBJ_INO | (fuse_ino_t)num, S_IFREG);
	}
	free(list);
	return n < 0 ? (int)n : 0;
}

int node_list(fuse_req_t req, const struct node *n, struct sbuf *b)
{
	int rc = 0;

	b->len = 0;
	b->err = 0;
	list_add(req, b, ".", n->ino, S_IFDIR);
	list_add(req, b, "..", node_kind(n) == K_DIR && n->entry != SYS_DIR ?
		 dir_ino(sys_of(n->entry)->dir) :
		 node_kind(n) == K_TASKDIR || node_kind(n) == K_FDDIR ||
		 node_kind(n) == K_FDINFODIR ? node_pid_ino(n, 0) :
		 node_kind(n) == K_TIDDIR ? node_pid_ino(n, task_slot()) : ROOT_INO, S_IFDIR);
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
	case K_TIDDIR:
		if (!node_alive(n))
			return -ENOENT;
		for (size_t i = 0; i < COUNT(pid_entries); i++)
			if (pid_has(n, &pid_entries[i], node_kind(n) == K_TIDDIR))
				list_add(req, b, pid_entries[i].name,
					 node_pid_ino(n, (node_kind(n) == K_TIDDIR ? TASK_SLOT : 0) | (i + 1)),
					 pid_entries[i].mode);
		break;
	case K_FDDIR:
	case K_FDINFODIR: {
		bool info = node_kind(n) == K_FDINFODIR;
		int fds[FDINFO_SLOT];
		char name[16];
		int k = vmfs_fds(machine, n->pid, fds, FDINFO_SLOT);

		if (k == -ENOSYS)       /* built without the CPU: no program has files */
			k = 0;
		if (k < 0)
			return k == -ESRCH ? -ENOENT : k;
		for (int i = 0; i < k && i < (int)FDINFO_SLOT; i++) {
			snprintf(name, sizeof(name), "%d", fds[i]);
			list_add(req, b, name, PID_INO | FD_INO | (fuse_ino_t)n->pid << 8 |
				 (info ? FDINFO_SLOT : 0) | (fuse_ino_t)fds[i],
				 info ? fdinfo_file.mode : fd_link.mode);
		}
		break;
	}
	case K_TASKDIR: {
		char name[16];

		if (!node_alive(n))
			return -ENOENT;
		snprintf(name, sizeof(name), "%d", n->pid);
		list_add(req, b, name, node_pid_ino(n, TASK_SLOT), tid_dir.mode);
		break;
	}
	case K_DIR:
		for (size_t i = 0; i < COUNT(sys_entries); i++)
			if (sys_entries[i].dir == n->entry)
				list_add(req, b, sys_entries[i].e.name, SYS_INO | i, sys_entries[i].e.mode);
		break;
	default:
		return -ENOTDIR;
	}
	return rc ? rc : b->err;
}

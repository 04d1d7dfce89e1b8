/*
 * syscall.c - the system calls of a program running on the CPU (cpu.c),
 * with Linux's x86-64 numbers and ABI: what a static C program needs to
 * start, print and exit, and the memory calls, which go to the engine's
 * own (do_brk, do_mmap, do_munmap, do_mprotect, do_mremap, do_madvise,
 * do_mlock, do_mincore, do_msync).
 *
 * What stays true: every pointer a call is given is checked as Linux's
 * access_ok does (below the top of user space) and copied with
 * copy_from_user/copy_to_user's semantics (access_vm with
 * VMFS_ACCESS_KERNEL: a fault is -EFAULT, never a segfault), and a call
 * that fails on a bad argument changes nothing (its results are copied
 * out last, or only when they all fit).  Files as Linux's (cpu.h): an fd
 * table per process pointing to shared open files, dup/dup2/dup3/fcntl,
 * close-on-exec applied by execve.  The standard streams are open files
 * like any other: the standard input (a pipe the outside writes through
 * vmfs_input, c->input: EOF until given), and two captures, what is written to
 * them kept in the CPU of the process that opened them (c->out), up to
 * CPU_OUT_MAX bytes each (then -EFBIG, as a file at its size limit).
 * Pipes as fs/pipe.c's (a blocked read or write is c->blocked with
 * c->wait_pipe, the call made again when cpu_woken says so).
 * Files are the host's below root= (exec_open_in_root resolves a path as
 * a chrooted process would), opened read-only and never written: an open
 * for writing or creating is -EROFS.  fds 0 to 63; read, pread64, lseek,
 * fstat, newfstatat, access, close, and mmap of a file, which maps the
 * file's host-file object (object_host), so a library's pages are one
 * copy in the page cache for every process that maps it.  An unknown call
 * is -ENOSYS, logged once per process and number in kmsg.  Processes:
 * fork/vfork/clone (mm_fork here; the child's CPU is cpu.c's, made when
 * the call returns: c->fork_pid), wait4 (a sleep is c->blocked: cpu.c
 * makes the call again when woken), execve (do_execve; cpu.c restarts the
 * CPU: c->execed), kill (checked here, delivered by cpu.c: c->kill_sig;
 * SIGPIPE too, to the writer itself, unless c->sigpipe_act says it is
 * ignored or handled), so that this module never calls back into cpu.c.
 * Called from the CPU's syscall hook, with the machine lock held.
 */
#include "cpu.h"
#include "error.h"
#include "hugetlb_vma.h"
#include "klog.h"
#include "object.h"
#include "vmobj.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#ifdef VMFS_HAVE_CPU
#include <unicorn/unicorn.h>

/* x86-64 system call names (<asm/unistd_64.h>), for the kmsg line of an unknown call. */
static const char *const syscall_names[] = {
	[0] = "read", [1] = "write", [2] = "open", [3] = "close", [4] = "stat", [5] = "fstat",
	[6] = "lstat", [7] = "poll", [8] = "lseek", [9] = "mmap", [10] = "mprotect",
	[11] = "munmap", [12] = "brk", [13] = "rt_sigaction", [14] = "rt_sigprocmask",
	[15] = "rt_sigreturn", [16] = "ioctl", [17] = "pread64", [18] = "pwrite64",
	[19] = "readv", [20] = "writev", [21] = "access", [22] = "pipe", [23] = "select",
	[24] = "sched_yield", [25] = "mremap", [26] = "msync", [27] = "mincore", [28] = "madvise",
	[29] = "shmget", [30] = "shmat", [31] = "shmctl", [32] = "dup", [33] = "dup2",
	[34] = "pause", [35] = "nanosleep", [36] = "getitimer", [37] = "alarm",
	[38] = "setitimer", [39] = "getpid", [40] = "sendfile", [41] = "socket", [42] = "connect",
	[43] = "accept", [44] = "sendto", [45] = "recvfrom", [46] = "sendmsg", [47] = "recvmsg",
	[48] = "shutdown", [49] = "bind", [50] = "listen", [51] = "getsockname",
	[52] = "getpeername", [53] = "socketpair", [54] = "setsockopt", [55] = "getsockopt",
	[56] = "clone", [57] = "fork", [58] = "vfork", [59] = "execve", [60] = "exit",
	[61] = "wait4", [62] = "kill", [63] = "uname", [64] = "semget", [65] = "semop",
	[66] = "semctl", [67] = "shmdt", [68] = "msgget", [69] = "msgsnd", [70] = "msgrcv",
	[71] = "msgctl", [72] = "fcntl", [73] = "flock", [74] = "fsync", [75] = "fdatasync",
	[76] = "truncate", [77] = "ftruncate", [78] = "getdents", [79] = "getcwd", [80] = "chdir",
	[81] = "fchdir", [82] = "rename", [83] = "mkdir", [84] = "rmdir", [85] = "creat",
	[86] = "link", [87] = "unlink", [88] = "symlink", [89] = "readlink", [90] = "chmod",
	[91] = "fchmod", [92] = "chown", [93] = "fchown", [94] = "lchown", [95] = "umask",
	[96] = "gettimeofday", [97] = "getrlimit", [98] = "getrusage", [99] = "sysinfo",
	[100] = "times", [101] = "ptrace", [102] = "getuid", [103] = "syslog", [104] = "getgid",
	[105] = "setuid", [106] = "setgid", [107] = "geteuid", [108] = "getegid",
	[109] = "setpgid", [110] = "getppid", [111] = "getpgrp", [112] = "setsid",
	[113] = "setreuid", [114] = "setregid", [115] = "getgroups", [116] = "setgroups",
	[117] = "setresuid", [118] = "getresuid", [119] = "setresgid", [120] = "getresgid",
	[121] = "getpgid", [122] = "setfsuid", [123] = "setfsgid", [124] = "getsid",
	[125] = "capget", [126] = "capset", [127] = "rt_sigpending", [128] = "rt_sigtimedwait",
	[129] = "rt_sigqueueinfo", [130] = "rt_sigsuspend", [131] = "sigaltstack",
	[132] = "utime", [133] = "mknod", [134] = "uselib", [135] = "personality",
	[136] = "ustat", [137] = "statfs", [138] = "fstatfs", [139] = "sysfs",
	[140] = "getpriority", [141] = "setpriority", [142] = "sched_setparam",
	[143] = "sched_getparam", [144] = "sched_setscheduler", [145] = "sched_getscheduler",
	[146] = "sched_get_priority_max", [147] = "sched_get_priority_min",
	[148] = "sched_rr_get_interval", [149] = "mlock", [150] = "munlock", [151] = "mlockall",
	[152] = "munlockall", [153] = "vhangup", [154] = "modify_ldt", [155] = "pivot_root",
	[156] = "_sysctl", [157] = "prctl", [158] = "arch_prctl", [159] = "adjtimex",
	[160] = "setrlimit", [161] = "chroot", [162] = "sync", [163] = "acct",
	[164] = "settimeofday", [165] = "mount", [166] = "umount2", [167] = "swapon",
	[168] = "swapoff", [169] = "reboot", [170] = "sethostname", [171] = "setdomainname",
	[172] = "iopl", [173] = "ioperm", [174] = "create_module", [175] = "init_module",
	[176] = "delete_module", [177] = "get_kernel_syms", [178] = "query_module",
	[179] = "quotactl", [180] = "nfsservctl", [181] = "getpmsg", [182] = "putpmsg",
	[183] = "afs_syscall", [184] = "tuxcall", [185] = "security", [186] = "gettid",
	[187] = "readahead", [188] = "setxattr", [189] = "lsetxattr", [190] = "fsetxattr",
	[191] = "getxattr", [192] = "lgetxattr", [193] = "fgetxattr", [194] = "listxattr",
	[195] = "llistxattr", [196] = "flistxattr", [197] = "removexattr", [198] = "lremovexattr",
	[199] = "fremovexattr", [200] = "tkill", [201] = "time", [202] = "futex",
	[203] = "sched_setaffinity", [204] = "sched_getaffinity", [205] = "set_thread_area",
	[206] = "io_setup", [207] = "io_destroy", [208] = "io_getevents", [209] = "io_submit",
	[210] = "io_cancel", [211] = "get_thread_area", [212] = "lookup_dcookie",
	[213] = "epoll_create", [214] = "epoll_ctl_old", [215] = "epoll_wait_old",
	[216] = "remap_file_pages", [217] = "getdents64", [218] = "set_tid_address",
	[219] = "restart_syscall", [220] = "semtimedop", [221] = "fadvise64",
	[222] = "timer_create", [223] = "timer_settime", [224] = "timer_gettime",
	[225] = "timer_getoverrun", [226] = "timer_delete", [227] = "clock_settime",
	[228] = "clock_gettime", [229] = "clock_getres", [230] = "clock_nanosleep",
	[231] = "exit_group", [232] = "epoll_wait", [233] = "epoll_ctl", [234] = "tgkill",
	[235] = "utimes", [236] = "vserver", [237] = "mbind", [238] = "set_mempolicy",
	[239] = "get_mempolicy", [240] = "mq_open", [241] = "mq_unlink", [242] = "mq_timedsend",
	[243] = "mq_timedreceive", [244] = "mq_notify", [245] = "mq_getsetattr",
	[246] = "kexec_load", [247] = "waitid", [248] = "add_key", [249] = "request_key",
	[250] = "keyctl", [251] = "ioprio_set", [252] = "ioprio_get", [253] = "inotify_init",
	[254] = "inotify_add_watch", [255] = "inotify_rm_watch", [256] = "migrate_pages",
	[257] = "openat", [258] = "mkdirat", [259] = "mknodat", [260] = "fchownat",
	[261] = "futimesat", [262] = "newfstatat", [263] = "unlinkat", [264] = "renameat",
	[265] = "linkat", [266] = "symlinkat", [267] = "readlinkat", [268] = "fchmodat",
	[269] = "faccessat", [270] = "pselect6", [271] = "ppoll", [272] = "unshare",
	[273] = "set_robust_list", [274] = "get_robust_list", [275] = "splice", [276] = "tee",
	[277] = "sync_file_range", [278] = "vmsplice", [279] = "move_pages", [280] = "utimensat",
	[281] = "epoll_pwait", [282] = "signalfd", [283] = "timerfd_create", [284] = "eventfd",
	[285] = "fallocate", [286] = "timerfd_settime", [287] = "timerfd_gettime",
	[288] = "accept4", [289] = "signalfd4", [290] = "eventfd2", [291] = "epoll_create1",
	[292] = "dup3", [293] = "pipe2", [294] = "inotify_init1", [295] = "preadv",
	[296] = "pwritev", [297] = "rt_tgsigqueueinfo", [298] = "perf_event_open",
	[299] = "recvmmsg", [300] = "fanotify_init", [301] = "fanotify_mark", [302] = "prlimit64",
	[303] = "name_to_handle_at", [304] = "open_by_handle_at", [305] = "clock_adjtime",
	[306] = "syncfs", [307] = "sendmmsg", [308] = "setns", [309] = "getcpu",
	[310] = "process_vm_readv", [311] = "process_vm_writev", [312] = "kcmp",
	[313] = "finit_module", [314] = "sched_setattr", [315] = "sched_getattr",
	[316] = "renameat2", [317] = "seccomp", [318] = "getrandom", [319] = "memfd_create",
	[320] = "kexec_file_load", [321] = "bpf", [322] = "execveat", [323] = "userfaultfd",
	[324] = "membarrier", [325] = "mlock2", [326] = "copy_file_range", [327] = "preadv2",
	[328] = "pwritev2", [329] = "pkey_mprotect", [330] = "pkey_alloc", [331] = "pkey_free",
	[332] = "statx", [333] = "io_pgetevents", [334] = "rseq", [424] = "pidfd_send_signal",
	[425] = "io_uring_setup", [426] = "io_uring_enter", [427] = "io_uring_register",
	[428] = "open_tree", [429] = "move_mount", [430] = "fsopen", [431] = "fsconfig",
	[432] = "fsmount", [433] = "fspick", [434] = "pidfd_open", [435] = "clone3",
	[436] = "close_range", [437] = "openat2", [438] = "pidfd_getfd", [439] = "faccessat2",
	[440] = "process_madvise", [441] = "epoll_pwait2", [442] = "mount_setattr",
	[443] = "quotactl_fd", [444] = "landlock_create_ruleset", [445] = "landlock_add_rule",
	[446] = "landlock_restrict_self", [447] = "memfd_secret", [448] = "process_mrelease",
	[449] = "futex_waitv", [450] = "set_mempolicy_home_node",
};

#define NR_SYSCALL_NAMES (sizeof(syscall_names) / sizeof(syscall_names[0]))

/* access_ok: [addr, addr + len) lies below the top of user space. */
static bool access_ok(const struct cpu *c, uint64_t addr, uint64_t len)
{
	uint64_t top = c->m->geom.user_top;

	return addr <= top && len <= top - addr;
}

/* A kernel-mode copy of @len bytes at user address @uaddr (@how READ or WRITE): 0 or -EFAULT. */
static int copy_user(struct cpu *c, uint64_t uaddr, void *buf, uint64_t len, unsigned how)
{
	if (!access_ok(c, uaddr, len))
		return -EFAULT;
	if (!len)
		return 0;
	return access_vm(c->m, c->pid, uaddr, buf, len, how | VMFS_ACCESS_KERNEL, NULL) ==
	       (int64_t)len ? 0 : -EFAULT;
}

/* copy_from_user: 0, or -EFAULT. */
static int copy_from_user(struct cpu *c, void *dst, uint64_t src, uint64_t len)
{
	return copy_user(c, src, dst, len, VMFS_ACCESS_READ);
}

/* copy_to_user: 0, or -EFAULT (a part before the fault may have been written, as Linux). */
static int copy_to_user(struct cpu *c, uint64_t dst, const void *src, uint64_t len)
{
	return copy_user(c, dst, (void *)src, len, VMFS_ACCESS_WRITE);
}

/* ---- files ---------------------------------------------------------------- */

/*
 * The fd table and the open files (cpu.h): fget is the open file of an
 * fd, fput drops one reference to it (the last closes it: the host fd,
 * the pipe's end, the pipe itself when both ends are gone), fd_install
 * puts a file at an fd, get_unused_fd finds the lowest free fd from a
 * number.  Linux's names.
 */
static struct cpu_file *fget(const struct cpu *c, uint64_t fd)
{
	return fd < CPU_MAX_FILES ? c->files[fd] : NULL;
}

/* The open host file @fd, or NULL (a free fd, a pipe, a standard stream). */
static struct cpu_file *file_of(const struct cpu *c, uint64_t fd)
{
	struct cpu_file *f = fget(c, fd);

	return f && f->kind == CPU_FILE_HOST ? f : NULL;
}

static void fput(struct cpu_file *f)
{
	struct cpu_pipe *p = f->pipe;

	if (--f->count)
		return;
	if (f->hostfd >= 0)
		close(f->hostfd);
	free(f->path);
	if (p) {
		if (f->kind == CPU_FILE_PIPE_R || f->kind == CPU_FILE_STDIN)
			p->readers--;
		else
			p->writers--;
		if (!p->readers && !p->writers && !p->outside) {
			free(p->buf);
			free(p);
		}
	}
	free(f);
}

/* A new open file of @kind with @flags, one reference, or NULL. */
static struct cpu_file *file_new(int kind, unsigned flags)
{
	struct cpu_file *f = calloc(1, sizeof(*f));

	if (f) {
		f->count = 1;
		f->kind = kind;
		f->flags = flags;
		f->hostfd = -1;
	}
	return f;
}

/* Put @f (its reference the caller's) at the free fd @fd, FD_CLOEXEC if @cloexec. */
static void fd_install(struct cpu *c, int fd, struct cpu_file *f, bool cloexec)
{
	c->files[fd] = f;
	if (cloexec)
		c->close_on_exec |= 1ull << fd;
	else
		c->close_on_exec &= ~(1ull << fd);
}

/* Close @fd if it is open (filp_close): its bit cleared, its file put. */
static void fd_close(struct cpu *c, int fd)
{
	struct cpu_file *f = c->files[fd];

	c->files[fd] = NULL;
	c->close_on_exec &= ~(1ull << fd);
	if (f)
		fput(f);
}

/* The kernel's O_LARGEFILE (glibc's is 0 on x86-64, where every open is large). */
#define KERNEL_O_LARGEFILE 0100000

/* The lowest free fd at or above @from, or -EMFILE. */
static int get_unused_fd(const struct cpu *c, uint64_t from)
{
	for (uint64_t i = from; i < CPU_MAX_FILES; i++)
		if (!c->files[i])
			return (int)i;
	return -EMFILE;
}

/* The outside lets go of @c's standard input (its write end closed): EOF for its readers. */
static void input_release(struct cpu *c)
{
	struct cpu_pipe *p = c->input;

	if (!p)
		return;
	if (c->input_open)
		p->writers--;
	c->input = NULL;
	c->input_open = false;
	p->outside = false;
	if (!p->readers && !p->writers) {
		free(p->buf);
		free(p);
	}
}

void cpu_files_close(struct cpu *c)
{
	for (int i = 0; i < CPU_MAX_FILES; i++)
		fd_close(c, i);
	input_release(c);
}

int cpu_files_init(struct cpu *c)
{
	struct cpu_file *f[3] = {
		file_new(CPU_FILE_STDIN, O_RDONLY),
		file_new(CPU_FILE_OUT, O_WRONLY),
		file_new(CPU_FILE_OUT, O_WRONLY),
	};
	struct cpu_pipe *in = calloc(1, sizeof(*in));

	if (!f[0] || !f[1] || !f[2] || !in) {
		for (int i = 0; i < 3; i++)
			free(f[i]);
		free(in);
		return vm_error(-ENOMEM, "cpu: out of memory for the standard streams");
	}
	cpu_files_close(c);
	in->readers = 1;            /* fd 0; no writer: EOF until vmfs_input opens it */
	in->outside = true;
	f[0]->pipe = c->input = in;
	c->input_eof = false;
	for (int i = 0; i < 3; i++) {
		f[i]->out_pid = c->pid;
		f[i]->out_fd = i;
		fd_install(c, i, f[i], false);
	}
	return 0;
}

/* fork (dup_fd): the child's fds are the parent's, sharing each open file. */
void cpu_files_dup(struct cpu *c, const struct cpu *parent)
{
	cpu_files_close(c);
	for (int i = 0; i < CPU_MAX_FILES; i++)
		if ((c->files[i] = parent->files[i]))
			c->files[i]->count++;
	c->close_on_exec = parent->close_on_exec;
}

/* execve (do_close_on_exec): the fds marked FD_CLOEXEC are closed. */
static void do_close_on_exec(struct cpu *c)
{
	for (int i = 0; i < CPU_MAX_FILES; i++)
		if (c->close_on_exec & (1ull << i))
			fd_close(c, i);
}

/*
 * Append @len bytes at @src to the capture @f writes to (the process that
 * opened the streams, or the writer itself when that one is gone): the
 * bytes, or -errno.
 */
static int64_t out_write(struct cpu *c, const struct cpu_file *f, uint64_t src, uint64_t len)
{
	struct cpu_out *o = &c->out[f->out_fd - 1];
	struct mm *owner = mm_lookup(c->m, f->out_pid);
	uint64_t room;
	int rc;

	vm_error_clear();
	if (owner && owner->cpu)
		o = &owner->cpu->out[f->out_fd - 1];
	if (len > INT64_MAX)
		len = INT64_MAX;
	room = CPU_OUT_MAX - o->len;
	if (!room && len)
		return -EFBIG;
	if (len > room)
		len = room;
	if (o->len + len > o->cap) {
		uint64_t cap = o->cap ? o->cap : 4096;
		char *b;

		while (cap < o->len + len)
			cap *= 2;
		if (!(b = realloc(o->buf, cap)))
			return -ENOMEM;
		o->buf = b;
		o->cap = cap;
	}
	if ((rc = copy_from_user(c, o->buf + o->len, src, len)) < 0)
		return rc;
	o->len += len;
	return (int64_t)len;
}

/* ---- pipes (Linux's fs/pipe.c) ------------------------------------------------ */

/* The call sleeps on @p (state 'S'), made again when cpu_woken says so. */
static int64_t pipe_wait(struct cpu *c, struct cpu_pipe *p, uint64_t need)
{
	c->blocked = true;
	c->wait_pipe = p;
	c->wait_need = need;
	return 0;
}

bool cpu_input_waiting(const struct cpu *c)
{
	const struct cpu_pipe *p = c->wait_pipe;

	return c->state == 'S' && p && p->outside && !c->wait_need && !p->len && p->writers;
}

int64_t cpu_input_give(struct cpu *c, const void *buf, uint64_t len, unsigned flags)
{
	struct cpu_pipe *p = c->input;
	uint64_t n, tail, first;

	if (flags & ~VMFS_INPUT_EOF)
		return vm_error(-EINVAL, "vmfs_input: unknown flags 0x%x", flags & ~VMFS_INPUT_EOF);
	if (len && !buf)
		return vm_error(-EINVAL, "vmfs_input: NULL buffer of %llu bytes", (unsigned long long)len);
	if (!p)
		return vm_error(-EINVAL, "process %d was forked: its standard input is its "
				"parent's (give the input to the process the program was loaded in)", c->pid);
	if (c->input_eof)
		return vm_error(-EPIPE, "process %d: its standard input was closed (EOF given)", c->pid);
	if (len && !p->readers)
		return vm_error(-EPIPE, "process %d: no fd reads its standard input any more", c->pid);
	if (len && p->len == CPU_PIPE_SIZE)
		return -EAGAIN;                     /* full: run the program, then again */
	if (!p->buf && !(p->buf = malloc(CPU_PIPE_SIZE)))
		return vm_error(-ENOMEM, "vmfs_input: out of memory for the pipe");
	if (!c->input_open) {                       /* the write end opens */
		c->input_open = true;
		p->writers++;
		if (!p->ino)
			p->ino = ++c->m->pipe_ino;
	}
	n = len < CPU_PIPE_SIZE - p->len ? len : CPU_PIPE_SIZE - p->len;
	tail = (p->head + p->len) % CPU_PIPE_SIZE;
	first = CPU_PIPE_SIZE - tail < n ? CPU_PIPE_SIZE - tail : n;
	if (n) {                                    /* (buf may be NULL with nothing to give) */
		memcpy(p->buf + tail, buf, first);
		memcpy(p->buf, (const char *)buf + first, n - first);
	}
	p->len += n;
	if ((flags & VMFS_INPUT_EOF) && n == len) { /* the write end closes */
		c->input_open = false;
		c->input_eof = true;
		p->writers--;
	}
	return (int64_t)n;
}

bool cpu_woken(struct vmfs *m, const struct mm *mm)
{
	const struct cpu *c = mm->cpu;
	const struct cpu_pipe *p = c->wait_pipe;
	bool any;

	if (p && c->wait_need)
		return !p->readers || CPU_PIPE_SIZE - p->len >= c->wait_need;
	if (p)
		return p->len || !p->writers;
	return cpu_zombie_child(m, mm, c->wait_pid, &any) || !any;
}

/*
 * pipe_read: what the pipe holds, up to @len bytes; with nothing in it,
 * 0 (EOF) when no writer is left, -EAGAIN with O_NONBLOCK, else the caller
 * sleeps until a writer writes or goes.
 */
static int64_t pipe_read(struct cpu *c, struct cpu_file *f, uint64_t buf, uint64_t len)
{
	struct cpu_pipe *p = f->pipe;
	uint64_t n, first;

	if (!access_ok(c, buf, len))
		return -EFAULT;
	if (!len)
		return 0;
	if (!p->len) {
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		return pipe_wait(c, p, 0);
	}
	n = len < p->len ? len : p->len;
	first = CPU_PIPE_SIZE - p->head < n ? CPU_PIPE_SIZE - p->head : n;
	if (copy_to_user(c, buf, p->buf + p->head, first) < 0)
		return -EFAULT;
	if (n > first && copy_to_user(c, buf + first, p->buf, n - first) < 0)
		n = first;
	p->head = (p->head + n) % CPU_PIPE_SIZE;
	p->len -= n;
	if (!p->len)
		p->head = 0;
	return (int64_t)n;
}

/* A write's source: @cnt (address, length) pairs, as writev's. */
struct uvec {
	const uint64_t *v;
	uint64_t        cnt;
};

/* Copy @n bytes from offset @off of @src into @dst: the bytes copied (fewer at a fault). */
static uint64_t uvec_copy(struct cpu *c, const struct uvec *src, uint64_t off, char *dst,
			  uint64_t n)
{
	uint64_t done = 0;

	for (uint64_t i = 0; i < src->cnt && done < n; i++) {
		uint64_t base = src->v[2 * i], len = src->v[2 * i + 1], k;

		if (off >= len) {
			off -= len;
			continue;
		}
		k = len - off < n - done ? len - off : n - done;
		if (copy_from_user(c, dst + done, base + off, k) < 0)
			return done;
		done += k;
		off = 0;
	}
	return done;
}

/* SIGPIPE to the writer itself: delivered by cpu.c when the call returns (fatal). */
#define SIGPIPE_NR 13

/*
 * pipe_write of @total bytes of @src: 0 bytes is 0; no reader left is
 * -EPIPE and SIGPIPE (fatal unless the program ignores it or set a
 * handler, which does not run); up to CPU_PIPE_BUF bytes go in whole or wait for room (atomic),
 * more go in as room allows, the caller sleeping until all are written
 * (c->io_done keeps the count across the sleeps, the call being made
 * again); with O_NONBLOCK what fits, or -EAGAIN.
 */
static int64_t pipe_write(struct cpu *c, struct cpu_file *f, const struct uvec *src,
			  uint64_t total)
{
	struct cpu_pipe *p = f->pipe;
	uint64_t done = c->io_done, left, room, n, tail, k;

	c->io_done = 0;
	if (!total)
		return 0;                               /* a null write succeeds, reader or not */
	if (!p->readers) {
		if (!c->sigpipe_act) {                  /* SIG_DFL: fatal */
			c->kill_pid = c->pid;
			c->kill_sig = SIGPIPE_NR;
		}
		return done ? (int64_t)done : -EPIPE;
	}
	if (done >= total)
		return (int64_t)total;
	left = total - done;
	room = CPU_PIPE_SIZE - p->len;
	if (!room || (left <= CPU_PIPE_BUF && room < left)) {
		if (f->flags & O_NONBLOCK)
			return done ? (int64_t)done : -EAGAIN;
		c->io_done = done;
		return pipe_wait(c, p, left <= CPU_PIPE_BUF ? left : 1);
	}
	n = left < room ? left : room;
	tail = (p->head + p->len) % CPU_PIPE_SIZE;
	k = CPU_PIPE_SIZE - tail < n ? CPU_PIPE_SIZE - tail : n;
	k = uvec_copy(c, src, done, p->buf + tail, k);
	if (k == CPU_PIPE_SIZE - tail && n > k)
		k += uvec_copy(c, src, done + k, p->buf, n - k);
	p->len += k;
	done += k;
	if (k < n)                                       /* a fault in the source */
		return done ? (int64_t)done : -EFAULT;
	if (done == total || (f->flags & O_NONBLOCK))
		return (int64_t)done;
	c->io_done = done;
	return pipe_wait(c, p, 1);
}

/*
 * pipe2: a new pipe, its read end at the lowest free fd and its write end
 * at the next, stored to @ufds as two ints.  @flags O_CLOEXEC and
 * O_NONBLOCK; anything else is -EINVAL (Linux's O_DIRECT, packet mode, too).
 */
static int64_t sys_pipe2(struct cpu *c, uint64_t ufds, uint64_t flags)
{
	struct cpu_file *r, *w;
	struct cpu_pipe *p;
	int32_t fd[2];

	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!access_ok(c, ufds, sizeof(fd)))
		return -EFAULT;
	if ((fd[0] = get_unused_fd(c, 0)) < 0)
		return fd[0];
	if ((fd[1] = get_unused_fd(c, (uint64_t)fd[0] + 1)) < 0)
		return fd[1];
	p = calloc(1, sizeof(*p));
	r = file_new(CPU_FILE_PIPE_R, O_RDONLY | (flags & O_NONBLOCK));
	w = file_new(CPU_FILE_PIPE_W, O_WRONLY | (flags & O_NONBLOCK));
	if (!p || !r || !w || !(p->buf = malloc(CPU_PIPE_SIZE))) {
		free(p);
		free(r);
		free(w);
		return -ENFILE;
	}
	p->readers = p->writers = 1;
	p->ino = ++c->m->pipe_ino;
	r->pipe = w->pipe = p;
	if (copy_to_user(c, ufds, fd, sizeof(fd)) < 0) {
		fput(r);
		fput(w);
		return -EFAULT;
	}
	fd_install(c, fd[0], r, flags & O_CLOEXEC);
	fd_install(c, fd[1], w, flags & O_CLOEXEC);
	return 0;
}

/* dup: the lowest free fd, sharing @fd's open file, without FD_CLOEXEC. */
static int64_t sys_dup(struct cpu *c, uint64_t fd)
{
	struct cpu_file *f = fget(c, fd);
	int nfd;

	if (!f)
		return -EBADF;
	if ((nfd = get_unused_fd(c, 0)) < 0)
		return nfd;
	f->count++;
	fd_install(c, nfd, f, false);
	return nfd;
}

/*
 * dup3 (@dup2: dup2's rules, where @old equal to @new is @new if open and
 * flags are none): @new closed if open, then sharing @old's file,
 * FD_CLOEXEC as @flags says (O_CLOEXEC; anything else -EINVAL).
 */
static int64_t sys_dup3(struct cpu *c, uint64_t old, uint64_t new, uint64_t flags, bool dup2)
{
	struct cpu_file *f;

	if (flags & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (old == new)
		return !dup2 ? -EINVAL : fget(c, old) ? (int64_t)new : -EBADF;
	if (new >= CPU_MAX_FILES)
		return -EBADF;
	if (!(f = fget(c, old)))
		return -EBADF;
	f->count++;
	fd_close(c, (int)new);
	fd_install(c, (int)new, f, flags & O_CLOEXEC);
	return (int64_t)new;
}

/* ---- host files ---------------------------------------------------------------- */

static int64_t strncpy_from_user(struct cpu *c, char *dst, uint64_t src, uint64_t max);

/*
 * A path argument resolved under root=: the host fd (read-only), its path
 * inside into @inside (PATH_MAX).  Relative paths start at the root (the
 * program's working directory) with @dfd AT_FDCWD, else at the directory
 * open as @dfd (its path: a directory renamed meanwhile is not followed).
 */
static int open_user_path(struct cpu *c, int64_t dfd, uint64_t upath, char *inside)
{
	char p[PATH_MAX], host[PATH_MAX], joined[2 * PATH_MAX];
	int64_t n = strncpy_from_user(c, p, upath, sizeof(p));
	const struct cpu_file *d;

	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	if (p[0] != '/' && dfd != -100) {               /* AT_FDCWD */
		if (!(d = file_of(c, (uint64_t)dfd)))
			return fget(c, (uint64_t)dfd) ? -ENOTDIR : -EBADF;
		if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", d->path, p) >= PATH_MAX)
			return -ENAMETOOLONG;
		return exec_open_in_root(c->m->opt.root, joined, true, inside, host);
	}
	return exec_open_in_root(c->m->opt.root, p, true, inside, host);
}

/* openat: read-only opens of host files (O_CLOEXEC kept); writing is EROFS. */
static int64_t sys_openat(struct cpu *c, int64_t dfd, uint64_t upath, uint64_t flags)
{
	char inside[PATH_MAX];
	struct cpu_file *f;
	struct stat st;
	int fd, slot;

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ||
	    (flags & O_TMPFILE) == O_TMPFILE)
		return -EROFS;
	if ((slot = get_unused_fd(c, 0)) < 0)
		return slot;
	if ((fd = open_user_path(c, dfd, upath, inside)) < 0)
		return fd;
	if ((flags & O_DIRECTORY) && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))) {
		close(fd);
		return -ENOTDIR;
	}
	/* O_LARGEFILE: Linux's force_o_largefile() on 64-bit, which F_GETFL shows */
	if (!(f = file_new(CPU_FILE_HOST, O_RDONLY | KERNEL_O_LARGEFILE | (flags & O_NONBLOCK))) ||
	    !(f->path = strdup(inside))) {
		free(f);
		close(fd);
		return -ENOMEM;
	}
	f->hostfd = fd;
	fd_install(c, slot, f, flags & O_CLOEXEC);
	return slot;
}

/*
 * fcntl: F_DUPFD, F_DUPFD_CLOEXEC (a new fd sharing the open file),
 * F_GETFD, F_SETFD (FD_CLOEXEC), F_GETFL, F_SETFL (O_NONBLOCK; the other
 * flags Linux lets change are accepted and ignored), F_GETPIPE_SZ.
 */
static int64_t sys_fcntl(struct cpu *c, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	struct cpu_file *f = fget(c, fd);
	int slot;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_GETFD:
		return c->close_on_exec >> fd & 1 ? FD_CLOEXEC : 0;
	case F_SETFD:
		fd_install(c, (int)fd, f, arg & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(unsigned)O_NONBLOCK) | ((unsigned)arg & O_NONBLOCK);
		return 0;
	case F_DUPFD: case F_DUPFD_CLOEXEC:
		if (arg >= CPU_MAX_FILES)
			return -EINVAL;
		if ((slot = get_unused_fd(c, arg)) < 0)
			return slot;
		f->count++;
		fd_install(c, slot, f, cmd == F_DUPFD_CLOEXEC);
		return slot;
	case F_GETPIPE_SZ:
		return f->pipe && f->pipe->ino ? (int64_t)CPU_PIPE_SIZE : -EBADF;
	default:
		return -EINVAL;
	}
}

/* getdents64 of an open directory: the host's entries, as the host gives them. */
static int64_t sys_getdents64(struct cpu *c, uint64_t fd, uint64_t buf, uint64_t len)
{
	struct cpu_file *f = file_of(c, fd);
	char tmp[32768];
	long n;

	if (!f)
		return fget(c, fd) ? -ENOTDIR : -EBADF;
	if (len > sizeof(tmp))
		len = sizeof(tmp);
	if (!access_ok(c, buf, len))
		return -EFAULT;
	if ((n = syscall(SYS_getdents64, f->hostfd, tmp, len)) < 0)
		return -errno;
	return copy_to_user(c, buf, tmp, (uint64_t)n) < 0 ? -EFAULT : n;
}

/* statx of a path (or of @dfd with AT_EMPTY_PATH): the host's answer. */
static int64_t sys_statx(struct cpu *c, int64_t dfd, uint64_t path, uint64_t flags, uint64_t mask,
			 uint64_t buf)
{
	char p[2], inside[PATH_MAX];
	struct cpu_file *f;
	struct statx sx;
	int fd, rc;

	if ((rc = copy_from_user(c, p, path, 1)) < 0)
		return rc;
	if (!access_ok(c, buf, sizeof(sx)))
		return -EFAULT;
	if (!p[0]) {
		if (!(flags & AT_EMPTY_PATH) || !(f = file_of(c, (uint64_t)dfd)))
			return (flags & AT_EMPTY_PATH) && fget(c, (uint64_t)dfd) ? -ENOSYS : -ENOENT;
		fd = f->hostfd;
	} else if ((fd = open_user_path(c, dfd, path, inside)) < 0) {
		return fd;
	}
	rc = statx(fd, "", AT_EMPTY_PATH, (unsigned)mask, &sx) < 0 ? -errno : 0;
	if (p[0])
		close(fd);
	return rc < 0 ? rc : copy_to_user(c, buf, &sx, sizeof(sx));
}

static int64_t sys_close(struct cpu *c, uint64_t fd)
{
	if (!fget(c, fd))
		return -EBADF;
	fd_close(c, (int)fd);
	return 0;
}

/* pread of the host file into the program's buffer, 64 KiB at a time: the bytes, or -errno. */
static int64_t file_pread(struct cpu *c, struct cpu_file *f, uint64_t buf, uint64_t len, uint64_t off)
{
	char tmp[65536];
	uint64_t done = 0;

	if (len > 0x7ffff000)                            /* MAX_RW_COUNT */
		len = 0x7ffff000;
	if (!access_ok(c, buf, len))
		return -EFAULT;
	while (done < len) {
		uint64_t want = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
		ssize_t n = pread(f->hostfd, tmp, want, (off_t)(off + done));

		if (n < 0)
			return done ? (int64_t)done : -errno;
		if (n == 0)
			break;
		if (copy_to_user(c, buf + done, tmp, (uint64_t)n) < 0)
			return done ? (int64_t)done : -EFAULT;
		done += (uint64_t)n;
		if ((uint64_t)n < want)
			break;
	}
	return (int64_t)done;
}

/*
 * read: a host file from its position, a pipe's read end, the standard
 * input (a pipe too, whose writer is the outside: EOF until given).
 */
static int64_t sys_read(struct cpu *c, uint64_t fd, uint64_t buf, uint64_t len)
{
	struct cpu_file *f = fget(c, fd);
	int64_t n;

	if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (f->kind == CPU_FILE_PIPE_R || f->kind == CPU_FILE_STDIN)
		return pipe_read(c, f, buf, len);
	if ((n = file_pread(c, f, buf, len, f->pos)) > 0)
		f->pos += (uint64_t)n;
	return n;
}

static int64_t sys_pread64(struct cpu *c, uint64_t fd, uint64_t buf, uint64_t len, uint64_t off)
{
	struct cpu_file *f = file_of(c, fd);

	if (!f)
		return fget(c, fd) ? -ESPIPE : -EBADF;
	if ((int64_t)off < 0)
		return -EINVAL;
	return file_pread(c, f, buf, len, off);
}

static int64_t sys_lseek(struct cpu *c, uint64_t fd, int64_t off, uint64_t whence)
{
	struct cpu_file *f = file_of(c, fd);
	struct stat st;
	int64_t base;

	if (!f)
		return fget(c, fd) ? -ESPIPE : -EBADF;
	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = (int64_t)f->pos;
	else if (whence == SEEK_END && fstat(f->hostfd, &st) == 0)
		base = st.st_size;
	else
		return -EINVAL;
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

/*
 * write and writev to @fd of the vector @src (@total bytes, each part
 * checked by access_ok): a capture takes each part in turn, a pipe the
 * whole as one write; files opened read-only (host files, stdin) are
 * -EBADF, as Linux's.
 */
static int64_t vfs_write(struct cpu *c, uint64_t fd, const struct uvec *src, uint64_t total)
{
	struct cpu_file *f = fget(c, fd);
	int64_t done = 0;

	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (f->kind == CPU_FILE_PIPE_W)
		return pipe_write(c, f, src, total);
	for (uint64_t i = 0; i < src->cnt; i++) {
		int64_t n = out_write(c, f, src->v[2 * i], src->v[2 * i + 1]);

		if (n < 0)
			return done ? done : n;
		done += n;
	}
	return done;
}

static int64_t sys_write(struct cpu *c, uint64_t fd, uint64_t buf, uint64_t count)
{
	uint64_t v[2] = { buf, count > 0x7ffff000 ? 0x7ffff000 : count };   /* MAX_RW_COUNT */
	struct uvec src = { v, 1 };

	if (!fget(c, fd))
		return -EBADF;
	if (!access_ok(c, buf, count))
		return -EFAULT;
	return vfs_write(c, fd, &src, v[1]);
}

/* writev: the vector read whole first (a bad one changes nothing), then written. */
static int64_t sys_writev(struct cpu *c, uint64_t fd, uint64_t iov, uint64_t cnt)
{
	uint64_t v[2 * 64], total = 0;
	struct uvec src = { v, cnt };
	int rc;

	if (!fget(c, fd))
		return -EBADF;
	if (cnt > 64)                       /* UIO_MAXIOV is 1024; 64 is what we carry */
		return cnt > 1024 ? -EINVAL : -ENOMEM;
	if ((rc = copy_from_user(c, v, iov, cnt * 16)) < 0)
		return rc;
	for (uint64_t i = 0; i < cnt; i++) {
		if (!access_ok(c, v[2 * i], v[2 * i + 1]) || v[2 * i + 1] > INT64_MAX - total)
			return -EFAULT;
		total += v[2 * i + 1];
	}
	return vfs_write(c, fd, &src, total);
}

/*
 * fstat: a host file's is the host's; a pipe's end S_IFIFO 0600 with the
 * pipe's inode (both ends the same), st_blksize 4096, as pipefs; the
 * standard streams a pipe each (inode 1000 + the stream), as when a shell
 * pipes a program's output.
 */
static int64_t sys_fstat(struct cpu *c, uint64_t fd, uint64_t statbuf)
{
	uint8_t st[144] = { 0 };           /* x86-64 struct stat */
	uint64_t nlink = 1, blksize = 4096, ino;
	uint32_t mode = 0010600;           /* S_IFIFO | 0600 */
	struct cpu_file *f = fget(c, fd);

	if (!f)
		return -EBADF;
	if (f->kind == CPU_FILE_HOST) {
		struct stat hs;                 /* the host is x86-64: the same layout */

		_Static_assert(sizeof(hs) == sizeof(st), "struct stat is x86-64's");
		if (fstat(f->hostfd, &hs) < 0)
			return -errno;
		return copy_to_user(c, statbuf, &hs, sizeof(hs));
	}
	ino = f->pipe && f->pipe->ino ? f->pipe->ino : 1000 + (uint64_t)f->out_fd;
	memcpy(st + 8, &ino, 8);
	memcpy(st + 16, &nlink, 8);
	memcpy(st + 24, &mode, 4);
	memcpy(st + 56, &blksize, 8);
	return copy_to_user(c, statbuf, st, sizeof(st));
}

/* ioctl: FIONREAD of a pipe (the bytes in it) or a host file (size - position); else ENOTTY. */
static int64_t sys_ioctl(struct cpu *c, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	struct cpu_file *f = fget(c, fd);
	struct stat st;
	int32_t n = 0;

	if (!f)
		return -EBADF;
	if ((uint32_t)cmd != FIONREAD || f->kind == CPU_FILE_OUT || f->kind == CPU_FILE_STDIN)
		return -ENOTTY;
	if (f->kind == CPU_FILE_PIPE_R || f->kind == CPU_FILE_PIPE_W)
		n = (int32_t)f->pipe->len;
	else if (fstat(f->hostfd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > f->pos)
		n = (int32_t)((uint64_t)st.st_size - f->pos > INT32_MAX ? INT32_MAX :
			      (uint64_t)st.st_size - f->pos);
	else if (!S_ISREG(st.st_mode))
		return -ENOTTY;
	return copy_to_user(c, arg, &n, sizeof(n));
}

/* ---- the fds as /proc/PID/fd shows them (vmfs_fds, vmfs_fd_link) ---------------- */

int cpu_files_list(const struct cpu *c, int *fds, uint64_t max)
{
	int n = 0;

	for (int i = 0; i < CPU_MAX_FILES; i++)
		if (c->files[i]) {
			if ((uint64_t)n < max)
				fds[n] = i;
			n++;
		}
	return n;
}

int cpu_file_info(const struct cpu *c, int fd, struct vmfs_fd_info *info)
{
	const struct cpu_file *f;
	struct stat st;

	if (fd < 0 || fd >= CPU_MAX_FILES || !(f = c->files[fd]))
		return vm_error(-EBADF, "process %d has no fd %d", c->pid, fd);
	memset(info, 0, sizeof(*info));
	info->pos = f->pos;
	info->flags = f->flags | (c->close_on_exec >> fd & 1 ? O_CLOEXEC : 0);
	if (f->pipe && f->pipe->ino)
		info->ino = f->pipe->ino;
	else if (f->kind == CPU_FILE_HOST)
		info->ino = fstat(f->hostfd, &st) == 0 ? (uint64_t)st.st_ino : 0;
	else
		info->ino = 1000 + (uint64_t)f->out_fd;     /* as fstat says */
	return 0;
}

int64_t cpu_file_link(const struct cpu *c, int fd, char *buf, uint64_t len)
{
	const struct cpu_file *f;
	char t[PATH_MAX + 32];
	int n;

	if (fd < 0 || fd >= CPU_MAX_FILES || !(f = c->files[fd]))
		return vm_error(-EBADF, "process %d has no fd %d", c->pid, fd);
	switch (f->kind) {
	case CPU_FILE_HOST:
		n = snprintf(t, sizeof(t), "%s", f->path);
		break;
	case CPU_FILE_STDIN:                /* never given: the empty standard input */
		if (!f->pipe->ino) {
			n = snprintf(t, sizeof(t), "/dev/null");
			break;
		}
		n = snprintf(t, sizeof(t), "pipe:[%llu]", (unsigned long long)f->pipe->ino);
		break;
	case CPU_FILE_PIPE_R: case CPU_FILE_PIPE_W:
		n = snprintf(t, sizeof(t), "pipe:[%llu]", (unsigned long long)f->pipe->ino);
		break;
	case CPU_FILE_OUT:
		n = snprintf(t, sizeof(t), "%s:[%d]", f->out_fd == 1 ? "stdout" : "stderr", f->out_pid);
		break;
	default:
		n = snprintf(t, sizeof(t), "/dev/null");   /* the empty standard input */
		break;
	}
	if (len) {
		uint64_t k = (uint64_t)n < len - 1 ? (uint64_t)n : len - 1;

		memcpy(buf, t, k);
		buf[k] = 0;
	}
	return n;
}

/* newfstatat(fd, "", buf, AT_EMPTY_PATH) is fstat; with a path, the host file's stat. */
static int64_t sys_newfstatat(struct cpu *c, uint64_t dfd, uint64_t path, uint64_t statbuf,
			      uint64_t flags)
{
	char p[2], inside[PATH_MAX];
	struct stat hs;
	int rc, fd;

	if ((rc = copy_from_user(c, p, path, 1)) < 0)
		return rc;
	if (!p[0])
		return flags & 0x1000 ? sys_fstat(c, dfd, statbuf) : -ENOENT;   /* AT_EMPTY_PATH */
	if (!access_ok(c, statbuf, sizeof(hs)))
		return -EFAULT;
	if ((fd = open_user_path(c, (int64_t)dfd, path, inside)) < 0)
		return fd;
	rc = fstat(fd, &hs) < 0 ? -errno : 0;
	close(fd);
	return rc < 0 ? rc : copy_to_user(c, statbuf, &hs, sizeof(hs));
}

/* access, faccessat: the file exists (found under root=); writing is EROFS. */
static int64_t sys_faccessat(struct cpu *c, int64_t dfd, uint64_t path, uint64_t mode)
{
	char inside[PATH_MAX];
	int fd;

	if (mode & ~7ull)
		return -EINVAL;
	if ((fd = open_user_path(c, dfd, path, inside)) < 0)
		return fd;
	close(fd);
	return mode & 2 ? -EROFS : 0;                    /* W_OK */
}

/* A path argument: copied up to PATH_MAX bytes (strncpy_from_user). */
static int64_t strncpy_from_user(struct cpu *c, char *dst, uint64_t src, uint64_t max)
{
	for (uint64_t i = 0; i < max; i++) {
		int rc = copy_from_user(c, dst + i, src + i, 1);

		if (rc < 0)
			return rc;
		if (!dst[i])
			return (int64_t)i;
	}
	return -ENAMETOOLONG;
}

/* The path of the program (exe): the file mapped at start_code, as the machine names it. */
static const char *exe_path(const struct mm *mm)
{
	for (const struct vma *v = mm->vmas.first; v; v = v->next)
		if (v->start <= mm->img.start_code && mm->img.start_code < v->end)
			return v->obj && v->obj->path ? v->obj->path : NULL;
	return NULL;
}

static int64_t sys_readlink(struct cpu *c, struct mm *mm, uint64_t path, uint64_t buf,
			    uint64_t size)
{
	char p[4096];
	const char *exe;
	int64_t n = strncpy_from_user(c, p, path, sizeof(p));
	uint64_t len;
	int rc;

	if (n < 0)
		return n;
	if (strcmp(p, "/proc/self/exe") != 0)
		return -ENOENT;             /* no file system yet: only the program's own link */
	if (!(exe = exe_path(mm)))
		return -ENOENT;
	if ((int64_t)size <= 0)
		return -EINVAL;
	len = strlen(exe);
	if (len > size)
		len = size;
	if ((rc = copy_to_user(c, buf, exe, len)) < 0)
		return rc;
	return (int64_t)len;
}

static int64_t sys_uname(struct cpu *c, uint64_t buf)
{
	char u[6][65];

	memset(u, 0, sizeof(u));
	strcpy(u[0], "Linux");
	strcpy(u[1], "vmfs");
	strcpy(u[2], "6.1.0-vmfs");
	strcpy(u[3], "#1 SMP PREEMPT_DYNAMIC vmfs");
	strcpy(u[4], "x86_64");
	strcpy(u[5], "(none)");
	return copy_to_user(c, buf, u, sizeof(u));
}

/* getrandom: bytes of the machine's seed stream, reproducible as its aslr is. */
static int64_t sys_getrandom(struct cpu *c, uint64_t buf, uint64_t len, uint64_t flags)
{
	uint8_t b[256];
	uint64_t done = 0;

	if (flags & ~0x7ull)                /* GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE */
		return -EINVAL;
	if (len > 33554431)                 /* Linux caps one call at INT_MAX >> 6 */
		len = 33554431;
	if (!access_ok(c, buf, len))
		return -EFAULT;
	while (done < len) {
		uint64_t n = len - done < sizeof(b) ? len - done : sizeof(b);

		for (uint64_t i = 0; i < n; i += 8) {
			/* splitmix64 of the machine's seed, the pid and a counter */
			uint64_t z = (c->m->opt.seed ^ ((uint64_t)c->pid << 32)) +
				     (++c->random_ctr) * 0x9e3779b97f4a7c15ull;

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			z ^= z >> 31;
			memcpy(b + i, &z, n - i < 8 ? n - i : 8);
		}
		if (copy_to_user(c, buf + done, b, n) < 0)
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}

static int64_t sys_clock_gettime(struct cpu *c, uint64_t clk, uint64_t tp)
{
	struct timespec t;
	int64_t v[2];

	if (clk > 11 || clock_gettime((clockid_t)clk, &t) < 0)
		return -EINVAL;
	v[0] = t.tv_sec;
	v[1] = t.tv_nsec;
	return copy_to_user(c, tp, v, sizeof(v));
}

/* prlimit64 on itself: the limits a new process has (RLIMIT_STACK 8 MiB, the memlock option). */
static int64_t sys_prlimit64(struct cpu *c, uint64_t pid, uint64_t res, uint64_t newp, uint64_t oldp)
{
	uint64_t lim[2] = { UINT64_MAX, UINT64_MAX };

	if (pid && pid != (uint64_t)c->pid)
		return -ESRCH;
	if (res >= 16)
		return -EINVAL;
	if (newp)
		return -EPERM;                  /* limits are the machine's: not changed by programs */
	if (res == 3)                       /* RLIMIT_STACK */
		lim[0] = STACK_RLIMIT;
	else if (res == 7)                  /* RLIMIT_NOFILE: the fds there are */
		lim[0] = lim[1] = CPU_MAX_FILES;
	else if (res == 8)                  /* RLIMIT_MEMLOCK */
		lim[0] = lim[1] = c->m->opt.memlock;
	return oldp ? copy_to_user(c, oldp, lim, sizeof(lim)) : 0;
}

/*
 * mmap: anonymous memory, or a file's host-file object (the one exec maps:
 * one page cache per file for every process); flags Linux ignores, ignored;
 * MAP_HUGETLB with its size bits (since 0.8) as vmfs_mmap takes them.
 */
static int64_t sys_mmap(struct cpu *c, const uint64_t a[6])
{
	int flags = (int)a[3];
	struct vmobj *o = NULL;
	struct cpu_file *f;
	uint64_t out = 0;
	int rc;

	flags &= MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS |
		 (flags & MAP_HUGETLB ? MAP_HUGETLB | MAP_HUGE_BITS : 0);
	if ((a[0] & (PAGE_SIZE - 1)) || (a[5] & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		if (!(f = file_of(c, a[4])))
			return fget(c, a[4]) ? -ENODEV : -EBADF;     /* a pipe, a stream: no mmap */
		if ((flags & MAP_SHARED) && (a[2] & PROT_WRITE))
			return -EACCES;                  /* opened read-only */
		if ((rc = object_host(c->m, f->path, f->hostfd, &o)) < 0)
			return rc;
	}
	rc = do_mmap(c->m, c->pid, a[0], a[1], (int)a[2], flags, o ? o->name : NULL, o ? a[5] : 0,
		     &out);
	if (o)
		vmobj_put(c->m, o);
	if (rc < 0)
		return rc;
	c->maps_changed = true;
	return (int64_t)out;
}

static void exit_group(struct cpu *c, uint64_t code)
{
	c->exit_code = (int)(code & 0xff) << 8;
	c->halt = true;
}

/* The engine's calls give -errno with a message; the program sees only the number. */
static int64_t ret(int64_t rc)
{
	vm_error_clear();
	return rc;
}

/* ---- processes -------------------------------------------------------------- */

/*
 * rt_sigaction: checked as Linux checks it (a signal 1 to 64, not SIGKILL
 * or SIGSTOP when changed, sigsetsize 8, the structs copied: EFAULT), and
 * accepted: no handler runs (only fatal signals are delivered), but
 * SIGPIPE's handler is kept: with SIG_IGN or a handler a write to a pipe
 * with no reader is only EPIPE (the handler not run), and execve resets a
 * handler to SIG_DFL, as Linux's flush_signal_handlers.  The old action
 * reads SIG_DFL, or SIGPIPE's.
 */
static int64_t sys_rt_sigaction(struct cpu *c, uint64_t sig, uint64_t act, uint64_t oact,
				uint64_t sigsetsize)
{
	uint64_t sa[4] = { 0 }, old[4] = { 0 };     /* handler, flags, restorer, mask */

	if (sigsetsize != 8)
		return -EINVAL;
	if (sig < 1 || sig > 64 || (act && (sig == 9 || sig == 19)))
		return -EINVAL;
	if (act && copy_from_user(c, sa, act, sizeof(sa)) < 0)
		return -EFAULT;
	if (oact && !access_ok(c, oact, sizeof(old)))
		return -EFAULT;
	old[0] = sig == SIGPIPE_NR ? c->sigpipe_act : 0;
	if (act && sig == SIGPIPE_NR)
		c->sigpipe_act = sa[0];
	return oact ? copy_to_user(c, oact, old, sizeof(old)) : 0;
}

#define SIGCHLD_NR 17u   /* x86-64 Linux's, the value the program passes */

/*
 * fork, vfork, and clone with the flags glibc's fork (arch_fork) passes:
 * SIGCHLD, CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID with @ctid, no new
 * stack.  vfork is a fork (the parent does not wait for the child's exec
 * or exit: a difference Linux allows, as POSIX lets vfork be fork; CLONE_VM
 * with CLONE_VFORK and no new stack is that vfork too).  Anything else:
 * -EINVAL, logged.  The child's PID in the parent, 0 in the child.
 */
static int64_t sys_clone(struct cpu *c, struct mm *mm, uint64_t flags, uint64_t newsp,
			 uint64_t ctid)
{
	uint64_t known = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | 0xffu;
	int pid;

	if ((flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK) && !newsp)
		flags &= ~(uint64_t)(CLONE_VM | CLONE_VFORK);   /* vfork, as fork */
	if ((flags & ~known) || newsp || (flags & 0xff) != SIGCHLD_NR) {
		klog_add(&c->m->klog, machine_now(c->m),
			 "%s[%d]: clone flags 0x%llx%s not supported: EINVAL", mm->comm, mm->pid,
			 (unsigned long long)flags, newsp ? " with a new stack" : "");
		return -EINVAL;
	}
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !access_ok(c, ctid, 4))
		return -EFAULT;
	if ((pid = mm_fork(c->m, c->pid)) < 0)
		return ret(pid);
	/* the CPU's part (copy_thread, the tid) is cpu.c's, when the call returns */
	c->fork_pid = pid;
	c->fork_flags = flags;
	c->fork_ctid = ctid;
	return ret(pid);
}


struct mm *cpu_zombie_child(struct vmfs *m, const struct mm *mm, int64_t pid, bool *any)
{
	*any = false;
	for (struct mm *p = m->procs; p; p = p->next) {
		if (p->ppid != mm->pid || (pid > 0 && p->pid != pid))
			continue;
		*any = true;
		if (p->cpu && p->cpu->state == 'Z')
			return p;
	}
	return NULL;
}

/*
 * wait4: reap a zombie child matching @pid (-1, 0 or below -1: any child,
 * the machine's processes being one process group), its wait status
 * (Linux's: exit code << 8, or the signal) to @status, zeros to @ru (no
 * resource usage is kept yet).  No such child: -ECHILD.  None has exited:
 * 0 with WNOHANG, else the caller sleeps (state S) and makes the call
 * again when one has.  Stopped and continued children are never reported
 * (nothing stops a child but vmfs_stop).
 */
static int64_t sys_wait4(struct cpu *c, struct mm *mm, int64_t pid, uint64_t status,
			 uint64_t options, uint64_t ru)
{
	uint8_t zeros[144] = { 0 };      /* x86-64 struct rusage */
	struct mm *z;
	int32_t ws;
	bool any;
	int zpid;

	if (options & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if ((int32_t)pid == INT32_MIN)
		return -ESRCH;
	if ((status && !access_ok(c, status, 4)) || (ru && !access_ok(c, ru, sizeof(zeros))))
		return -EFAULT;
	if (!(z = cpu_zombie_child(c->m, mm, pid > 0 ? pid : -1, &any))) {
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		c->blocked = true;
		c->wait_pipe = NULL;
		c->wait_pid = pid > 0 ? pid : -1;
		return 0;
	}
	ws = z->cpu->exit_code;
	if (status && copy_to_user(c, status, &ws, sizeof(ws)) < 0)
		return -EFAULT;
	if (ru && copy_to_user(c, ru, zeros, sizeof(zeros)) < 0)
		return -EFAULT;
	zpid = z->pid;
	mm_exit(c->m, zpid);       /* release_task */
	return zpid;
}

#define MAX_ARG_STRLEN (32 * PAGE_SIZE)      /* Linux's, per string */
#define ARG_BYTES_MAX  (8ull << 20 >> 2)      /* bprm_stack_limits: RLIMIT_STACK / 4 */

/* Free a vector copy_strings made (NULL-terminated). */
static void free_strings(char **v)
{
	if (v)
		for (char **p = v; *p; p++)
			free(*p);
	free(v);
}

/*
 * copy_strings: the NULL-terminated vector of user pointers at @uv (NULL:
 * none) copied in, each string up to MAX_ARG_STRLEN (then -E2BIG), the
 * whole with *@bytes (pointers and strings) below ARG_BYTES_MAX (-E2BIG,
 * as bprm_stack_limits; do_execve checks again), -EFAULT on a bad pointer.
 */
static int copy_strings(struct cpu *c, uint64_t uv, char ***out, uint64_t *bytes)
{
	char **v = calloc(1, sizeof(*v)), **nv, *str = NULL;
	uint64_t n = 0;
	int64_t len;

	if (!v)
		return -ENOMEM;
	for (; uv; n++) {
		uint64_t up;

		if (copy_from_user(c, &up, uv + n * 8, sizeof(up)) < 0) {
			len = -EFAULT;
			goto fail;
		}
		if (!up)
			break;
		*bytes += 8;
		if (!(str = malloc(MAX_ARG_STRLEN)) || !(nv = realloc(v, (n + 2) * sizeof(*v)))) {
			len = -ENOMEM;
			goto fail;
		}
		v = nv;
		v[n + 1] = NULL;
		if ((len = strncpy_from_user(c, str, up, MAX_ARG_STRLEN)) < 0) {
			len = len == -ENAMETOOLONG ? -E2BIG : len;
			goto fail;
		}
		*bytes += (uint64_t)len + 1;
		if (*bytes > ARG_BYTES_MAX) {
			len = -E2BIG;
			goto fail;
		}
		v[n] = realloc(str, (size_t)len + 1);   /* shrinking: NULL only if it kept str */
		if (!v[n])
			v[n] = str;
		str = NULL;
	}
	*out = v;
	return 0;
fail:
	free(str);
	v[n] = NULL;
	free_strings(v);
	return (int)len;
}

/*
 * execve: the path, argv and envp copied from the program's memory
 * (copy_from_user: EFAULT, ENAMETOOLONG, E2BIG), then the engine's
 * do_execve, whose errors leave the process as it was; on success the CPU
 * starts the new program at its entry (cpu_exec_reset, from the hook).
 */
static int64_t sys_execve(struct cpu *c, uint64_t upath, uint64_t uargv, uint64_t uenvp)
{
	char path[PATH_MAX], **argv = NULL, **envp = NULL;
	uint64_t bytes = 0;
	int64_t rc = strncpy_from_user(c, path, upath, sizeof(path));

	if (rc < 0)
		return rc;
	if ((rc = copy_strings(c, uargv, &argv, &bytes)) < 0 ||
	    (rc = copy_strings(c, uenvp, &envp, &bytes)) < 0)
		goto out;
	rc = do_execve(c->m, c->pid, path, (const char *const *)argv, (const char *const *)envp,
		       NULL);
	if (rc == 0) {
		c->execed = true;
		do_close_on_exec(c);
		if (c->sigpipe_act != 1)             /* flush_signal_handlers: SIG_IGN stays */
			c->sigpipe_act = 0;
	}
out:
	free_strings(argv);
	free_strings(envp);
	return ret(rc);
}

/*
 * kill: to one of the machine's processes running a program.  Signal 0
 * checks it exists; SIGCHLD, SIGCONT, SIGURG and SIGWINCH are ignored (their
 * default action), and so, for now, are the stop signals; any other ends
 * the process with it (no handlers run: rt_sigaction only records).  A
 * zombie takes it and nothing happens.  pid 0 or below (process groups,
 * everyone) is EINVAL here.
 */
static int64_t sys_kill(struct cpu *c, int64_t pid, int64_t sig)
{
	struct mm *t;

	if (sig < 0 || sig > 64)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	if (pid > INT32_MAX || !(t = mm_lookup(c->m, (int)pid)) || !t->cpu)
		return ret(-ESRCH);
	if (sig == 0 || sig == 17 || sig == 18 || sig == 23 || sig == 28 ||
	    (sig >= 19 && sig <= 22))
		return 0;
	c->kill_pid = (int)pid;        /* delivered by cpu.c when the call returns */
	c->kill_sig = (int)sig;
	return 0;
}

/* An unknown call: -ENOSYS, and a kmsg line the first time this process makes it. */
static int64_t sys_ni(struct cpu *c, struct mm *mm, uint64_t nr)
{
	uint64_t bit = nr < 511 ? nr : 511;

	if (!(c->nosys_logged[bit / 8] & (1u << (bit % 8)))) {
		c->nosys_logged[bit / 8] |= (uint8_t)(1u << (bit % 8));
		klog_add(&c->m->klog, machine_now(c->m),
			 "%s[%d]: unknown system call %llu (%s): ENOSYS", mm->comm, mm->pid,
			 (unsigned long long)nr,
			 nr < NR_SYSCALL_NAMES && syscall_names[nr] ? syscall_names[nr] : "?");
	}
	return -ENOSYS;
}

int64_t cpu_syscall(struct cpu *c, uint64_t nr, const uint64_t a[6])
{
	struct mm *mm = mm_lookup(c->m, c->pid);
	uint64_t out = 0;
	int64_t rc;

	if (!mm)
		return -ESRCH;
	switch (nr) {
	case 0:   return sys_read(c, a[0], a[1], a[2]);
	case 1:   return sys_write(c, a[0], a[1], a[2]);
	case 2:   return sys_openat(c, -100, a[0], a[1]);             /* open */
	case 3:   return sys_close(c, a[0]);
	case 4:   return sys_newfstatat(c, (uint64_t)-100, a[0], a[1], 0);   /* stat */
	case 5:   return sys_fstat(c, a[0], a[1]);
	case 6:   return sys_newfstatat(c, (uint64_t)-100, a[0], a[1], 0x100);   /* lstat */
	case 8:   return sys_lseek(c, a[0], (int64_t)a[1], a[2]);
	case 17:  return sys_pread64(c, a[0], a[1], a[2], a[3]);
	case 21:  return sys_faccessat(c, -100, a[0], a[1]);          /* access */
	/* a dfd is an int (AT_FDCWD comes as 0xffffff9c from a 32-bit mov) */
	case 257: return sys_openat(c, (int32_t)a[0], a[1], a[2]);
	case 72:  return sys_fcntl(c, a[0], a[1], a[2]);
	case 22:  return sys_pipe2(c, a[0], 0);                           /* pipe */
	case 293: return sys_pipe2(c, a[0], a[1]);
	case 32:  return sys_dup(c, a[0]);
	case 33:  return sys_dup3(c, a[0], a[1], 0, true);                /* dup2 */
	case 292: return sys_dup3(c, a[0], a[1], a[2], false);
	case 217: return sys_getdents64(c, a[0], a[1], a[2]);
	case 332: return sys_statx(c, (int32_t)a[0], a[1], a[2], a[3], a[4]);
	case 191: case 192: case 193:   /* getxattr, lgetxattr, fgetxattr: no attributes */
		return -ENODATA;
	case 202: { /* futex: one thread, so a wake wakes nobody and a wait never sleeps */
		uint32_t v;
		int op = (int)(a[1] & 0x7f);         /* without FUTEX_PRIVATE_FLAG */

		if (op == 1 || op == 10)             /* FUTEX_WAKE, FUTEX_WAKE_BITSET */
			return 0;
		if (op != 0 && op != 9)              /* FUTEX_WAIT, FUTEX_WAIT_BITSET */
			return -ENOSYS;
		if (copy_from_user(c, &v, a[0], sizeof(v)) < 0)
			return -EFAULT;
		return -EAGAIN;                      /* (equal: it would sleep for ever; not yet) */
	}
	case 99: {  /* sysinfo: the machine's memory and processes */
		uint64_t si[14] = { 0 };             /* x86-64 struct sysinfo: 112 bytes */
		uint16_t procs = (uint16_t)(c->m->nr_procs > 65535 ? 65535 : c->m->nr_procs);
		uint32_t unit = 1;

		si[0] = machine_now(c->m) / 1000000000ull;           /* uptime */
		si[4] = c->m->phys.nframes << PAGE_SHIFT;           /* totalram */
		si[5] = c->m->phys.nfree << PAGE_SHIFT;             /* freeram */
		memcpy(&si[10], &procs, sizeof(procs));
		memcpy((char *)si + 104, &unit, sizeof(unit));       /* mem_unit */
		return copy_to_user(c, a[0], si, sizeof(si));
	}
	case 201: { /* time */
		int64_t now = (int64_t)time(NULL);

		if (a[0] && copy_to_user(c, a[0], &now, sizeof(now)) < 0)
			return -EFAULT;
		return now;
	}
	case 221: /* fadvise64: advice only */
		return file_of(c, a[0]) ? 0 : fget(c, a[0]) ? -ESPIPE : -EBADF;
	case 204: { /* sched_getaffinity: the one CPU */
		uint64_t mask = 1;

		if (a[1] < sizeof(mask))
			return -EINVAL;
		return copy_to_user(c, a[2], &mask, sizeof(mask)) < 0 ? -EFAULT : (int64_t)sizeof(mask);
	}
	case 269: case 439:                                          /* faccessat, faccessat2 */
		return sys_faccessat(c, (int32_t)a[0], a[1], a[2]);
	case 9:   return ret(sys_mmap(c, a));
	case 10:  /* mprotect */
		rc = do_mprotect(c->m, c->pid, a[0], a[1], (int)a[2]);
		c->maps_changed = true;
		return ret(rc);
	case 11:  /* munmap */
		rc = do_munmap(c->m, c->pid, a[0], a[1]);
		c->maps_changed = true;
		return ret(rc);
	case 12:  /* brk: the new break, or the old one when it cannot move */
		rc = do_brk(c->m, c->pid, a[0], &out);
		c->maps_changed = true;
		return ret(rc < 0 ? rc : (int64_t)out);
	case 13:  return sys_rt_sigaction(c, a[0], a[1], a[2], a[3]);
	case 14:  /* rt_sigprocmask */
		return 0;
	case 16:  return sys_ioctl(c, a[0], a[1], a[2]);      /* no terminal */
	case 20:  return sys_writev(c, a[0], a[1], a[2]);
	case 25:  /* mremap */
		rc = do_mremap(c->m, c->pid, a[0], a[1], a[2], (int)a[3], a[4], &out);
		c->maps_changed = true;
		return ret(rc < 0 ? rc : (int64_t)out);
	case 26:  return ret(do_msync(c->m, c->pid, a[0], a[1], (int)a[2]));
	case 27: {  /* mincore: into a buffer of ours, copied out whole */
		uint64_t pages = (a[1] + PAGE_SIZE - 1) >> PAGE_SHIFT;
		unsigned char *vec;

		if (!access_ok(c, a[2], pages))
			return -EFAULT;
		if (!(vec = malloc(pages ? pages : 1)))
			return -ENOMEM;
		rc = do_mincore(c->m, c->pid, a[0], a[1], vec);
		if (rc >= 0)
			rc = copy_to_user(c, a[2], vec, pages);
		free(vec);
		return ret(rc);
	}
	case 28:  /* madvise */
		rc = do_madvise(c->m, c->pid, a[0], a[1], (int)a[2]);
		c->maps_changed = true;
		return ret(rc);
	case 39:  return mm->pid;            /* getpid */
	case 60:  /* exit: the only thread, so the process */
	case 231: /* exit_group */
		exit_group(c, a[0]);
		return 0;
	case 63:  return sys_uname(c, a[0]);
	case 89:  return sys_readlink(c, mm, a[0], a[1], a[2]);
	case 102: case 104: case 107: case 108:   /* getuid, getgid, geteuid, getegid */
		return 0;
	case 110: return mm->ppid;           /* getppid */
	case 56:  return sys_clone(c, mm, a[0], a[1], a[3]);
	case 57:  return sys_clone(c, mm, SIGCHLD_NR, 0, 0);               /* fork */
	case 58:  return sys_clone(c, mm, SIGCHLD_NR, 0, 0);               /* vfork */
	case 59:  return sys_execve(c, a[0], a[1], a[2]);
	case 62:  return sys_kill(c, (int64_t)(int32_t)a[0], (int64_t)(int32_t)a[1]);
	case 79:  /* getcwd: the working directory is the root */
		if (a[1] < 2)
			return -ERANGE;
		return copy_to_user(c, a[0], "/", 2) < 0 ? -EFAULT : 2;
	case 61:  return sys_wait4(c, mm, (int64_t)(int32_t)a[0], a[1], a[2], a[3]);
	case 149: return ret(do_mlock(c->m, c->pid, a[0], a[1], 0));
	case 150: return ret(do_munlock(c->m, c->pid, a[0], a[1]));
	case 158: /* arch_prctl */
		if (a[0] == 0x1002) {        /* ARCH_SET_FS */
			if (a[1] >= c->m->geom.user_top)
				return -EPERM;
			uc_reg_write(c->uc, UC_X86_REG_FS_BASE, &a[1]);
			return 0;
		}
		if (a[0] == 0x1003) {        /* ARCH_GET_FS */
			uint64_t fs = 0;

			uc_reg_read(c->uc, UC_X86_REG_FS_BASE, &fs);
			return copy_to_user(c, a[1], &fs, sizeof(fs));
		}
		return -EINVAL;
	case 186: return mm->pid;            /* gettid: one thread */
	case 218: /* set_tid_address */
		c->clear_child_tid = a[0];
		return mm->pid;
	case 228: return sys_clock_gettime(c, a[0], a[1]);
	case 262: return sys_newfstatat(c, (uint64_t)(int64_t)(int32_t)a[0], a[1], a[2], a[3]);
	case 273: /* set_robust_list: one list head of 24 bytes */
		return a[1] == 24 ? 0 : -EINVAL;
	case 302: return sys_prlimit64(c, a[0], a[1], a[2], a[3]);
	case 318: return sys_getrandom(c, a[0], a[1], a[2]);
	case 325: return ret(do_mlock(c->m, c->pid, a[0], a[1], (unsigned)a[2]));   /* mlock2 */
	default:
		return sys_ni(c, mm, nr);
	}
}

#else

/* Without the CPU nothing makes system calls. */
int64_t cpu_syscall(struct cpu *c, uint64_t nr, const uint64_t args[6])
{
	(void)c, (void)nr, (void)args;
	return -ENOSYS;
}

#endif

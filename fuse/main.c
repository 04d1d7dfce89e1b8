/*
 * main.c - the vmfs daemon's command line and life: parse the options,
 * split the machine's from libfuse's, go to the background, open the
 * machine, mount, serve until unmounted, and end.  vmfs(1) documents the
 * command line; daemon.h lists the daemon's other files.
 *
 * What stays true in this file:
 *   - The machine is opened before mounting, so a bad option is reported
 *     on the terminal and nothing gets mounted; it is closed in destroy()
 *     (ops.c; vmfs_close removes the temporary swap file) after the
 *     unmount, by fusermount3 -u, umount, SIGINT, SIGTERM or SIGHUP, or
 *     here when the mount never happened.
 *   - Nothing is lost silently at the end: once the session loop has
 *     returned (no request is running), everything is synced before
 *     destroy() closes the machine, which then has nothing left to write;
 *     a sync that fails is in kmsg (the engine logs it), on standard error
 *     and in the exit status (1).
 *   - Going to the background happens before the machine is opened, so no
 *     engine state, threads or SQLite locks cross a fork; the parent exits
 *     with the child's verdict.
 *   - The globals of daemon.h are set here, before the session is mounted,
 *     and never changed while it serves; so is the mount's device for maps
 *     (procfmt.h), read from /proc/self/mountinfo right after mounting,
 *     before the first request is served.
 */
#include "daemon.h"
#include "procfmt.h"
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef VMFS_RELEASE
#define VMFS_RELEASE "unknown"
#endif

vmfs    *machine;
uid_t    owner_uid;
gid_t    owner_gid;
unsigned max_read;

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
	MACHINE_OPT("swap"), MACHINE_OPT("swap_size"), MACHINE_OPT("max_map_count"),
	MACHINE_OPT("contents"), MACHINE_OPT("zero_page"),
	MACHINE_OPT("aslr"), MACHINE_OPT("seed"), MACHINE_OPT("root"),
	MACHINE_OPT("overcommit_memory"), MACHINE_OPT("overcommit_ratio"),
	MACHINE_OPT("swappiness"),
	MACHINE_OPT("memlock"),
	MACHINE_OPT("read_ahead_kb"),
	MACHINE_OPT("slice"),
	MACHINE_OPT("cpu_tlb"),
	MACHINE_OPT("hugepages"),
	MACHINE_OPT("hugepages_1g"),
	FUSE_OPT_KEY("-h", KEY_HELP), FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION), FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("max_read=", KEY_MAX_READ),
	FUSE_OPT_END
};

/* swap=PATH and root=DIR relative to where vmfs was started, not to / (the daemon's cwd). */
static int add_machine_opt(struct cmdline *c, const char *arg)
{
	char cwd[PATH_MAX], *abs = NULL;
	int rc;

	if ((!strncmp(arg, "swap=", 5) || !strncmp(arg, "root=", 5)) && arg[5] && arg[5] != '/' &&
	    strcmp(arg, "swap=none") && getcwd(cwd, sizeof(cwd))) {
		if (asprintf(&abs, "%.5s%s/%s", arg, cwd, arg + 5) < 0)
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
"    policy=NAME            page replacement: fifo, lru, clock (default), arc,\n"
"                           2q, car, clockpro, linux, lirs, mglru, random,\n"
"                           s3fifo, sieve, wsclock\n"
"    swap=PATH|none         the SQLite swap store (default: a private\n"
"                           temporary file, removed at unmount)\n"
"    swap_size=SIZE         the most swap to use (default unlimited)\n"
"    max_map_count=N        mappings per process (default 65530, as Linux's)\n"
"    contents=ram|none      none: data frames keep no bytes (reads see zeros)\n"
"    zero_page=1|0          0: a first read of anonymous memory takes a frame\n"
"                           (default 1: it maps the shared zero page)\n"
"    aslr=0|1               1: exec randomises stack, mmap base and brk\n"
"                           (sys/kernel/randomize_va_space 2; default 0)\n"
"    seed=N                 exec's AT_RANDOM bytes and aslr offsets (default 0)\n"
"    root=DIR               exec resolves paths under DIR, as chroot (default /)\n"
"    overcommit_memory=0|1|2  0 heuristic, 1 always (default), 2 strict\n"
"    overcommit_ratio=N     percent of RAM in CommitLimit (default 50)\n"
"    swappiness=N           0..200: anon against file for the linux and mglru\n"
"                           policies (default 60)\n"
"    memlock=SIZE|unlimited every process's locked-memory limit (RLIMIT_MEMLOCK;\n"
"                           default 8M, as Linux's)\n"
"    read_ahead_kb=N        readahead window of a major fault on an object,\n"
"                           KiB, 0 = none (default 128, as Linux's)\n"
"    slice=N                instructions a program runs before the next\n"
"                           process of its run gets the CPU (1..10^9,\n"
"                           default 200000)\n"
"    cpu_tlb=1|0            0: the CPU makes every access through the whole\n"
"                           access path, no fast path for TLB hits (default 1)\n"
"    hugepages=N            2 MiB pages the hugetlb pool takes at boot\n"
"                           (default 0; sys/vm/nr_hugepages changes it)\n"
"    hugepages_1g=N         1 GiB pages the hugetlb pool takes at boot\n"
"                           (default 0)\n"
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

/* mountinfo's octal escapes (\040 for a space, show_mountinfo's mangle) undone in place. */
static void unmangle(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/*
 * The device of the FUSE mount at @path (a real path), from the last line
 * of /proc/self/mountinfo that mounts a fuse file system there (the one on
 * top): into procfmt_dev_*, which maps shows for object mappings.  Read
 * there, not by stat(2) of the mount, which would wait on this daemon.
 * False if there is none.
 */
static bool mount_dev(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned major, minor;
		char point[4096], type[256];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, point) != 3 ||
		    sscanf(sep + 3, "%255s", type) != 1)
			continue;
		unmangle(point);
		if (strcmp(point, path) || strncmp(type, "fuse", 4))
			continue;
		procfmt_dev_major = major;
		procfmt_dev_minor = minor;
		found = true;
	}
	fclose(f);
	return found;
}

/* The last write of a machine that served: 0, or -errno after saying why. */
static int sync_at_unmount(void)
{
	int rc = vmfs_sync(machine);

	if (rc < 0)
		fprintf(stderr, "vmfs: sync at unmount failed: %s\n",
			*vmfs_errmsg() ? vmfs_errmsg() : strerror(-rc));
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
	char real[PATH_MAX];

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
	if ((rc = ops_setup())) {
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

	/* the real path, taken before the mount covers it (lstat would then ask us) */
	if (!realpath(opts.mountpoint, real))
		real[0] = '\0';
	se = fuse_session_new(&args, &vmfs_ops, sizeof(vmfs_ops), NULL);
	if (!se)
		goto out_machine;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_session;
	mounted = true;
	if (!mount_dev(real))
		fprintf(stderr, "vmfs: %s is not in /proc/self/mountinfo: maps shows device 00:00 "
			"for objects\n", opts.mountpoint);
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	signals = true;
	if (ready_fd >= 0) {
		finish_background(ready_fd);
		ready_fd = -1;
	}

	rc = fuse_serve(se, &opts);
	/* A positive result is the signal that ended the loop: a clean stop. */
	status = rc < 0 ? 1 : 0;
	if (sync_at_unmount() < 0)
		status = 1;

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

/*
 * bench_exec.c - vmfs-bench's exec figure: a large dynamic program
 * (/usr/bin/python3: PIE, many segments, and ld-linux behind it) made into
 * a new process by the machine (vmfs_spawn + vmfs_exec) against the host
 * making it (fork + execve, stopped at the exec's trap with
 * PTRACE_TRACEME: tools/hoststop.c, which tests/exec/exec_stop.c shares),
 * both up to the program's entry point and no further.
 *
 * What stays true: both sides get the same path, arguments (-c pass) and
 * an empty environment, and neither randomises its layout; the host side
 * runs first and ends every child before the machine opens; ending a
 * process (host_stop_kill, vmfs_exit) is not timed; the first exec of each
 * side is kept apart (the machine's: its page cache empty, the host file's
 * object made; the host's page cache is warm on both sides after any
 * earlier run) and the best of the others is the figure.  The machine's
 * AT_ENTRY and AT_BASE are checked against the host's /proc/PID/auxv, so
 * a figure is only given for an exec that laid the program out as Linux
 * did.
 */
#include "bench.h"
#include "hoststop.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXEC_PATH "/usr/bin/python3"
#define AT_BASE  7
#define AT_ENTRY 9

/* The value of auxv entry @type in @w (@n words), or 0. */
static uint64_t auxv_get(const uint64_t *w, size_t n, uint64_t type)
{
	for (size_t i = 0; i + 1 < n && w[i] != 0; i += 2)
		if (w[i] == type)
			return w[i + 1];
	return 0;
}

/* /proc/@pid/auxv of a host process into @w (at most @max words): the words read, or -1. */
static int host_auxv(pid_t pid, uint64_t *w, size_t max)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("%s: %s", path, strerror(errno));
	n = read(fd, w, max * sizeof(*w));
	close(fd);
	if (n < 0)
		return fail("%s: %s", path, strerror(errno));
	return (int)(n / (ssize_t)sizeof(*w));
}

int fig_exec(const struct bench_cfg *cfg, struct sample *s)
{
	static char *const argv[] = { EXEC_PATH, "-c", "pass", NULL };
	static char *const envp[] = { NULL };
	const char *const *vargv = (const char *const *)argv, *const *venvp = (const char *const *)envp;
	double host_first = 0, host_best = 1e300, vmfs_first = 0, vmfs_best = 1e300;
	uint64_t hauxv[128], vauxv[128];
	int nh = 0, nv, rounds = cfg->exec_rounds < 2 ? 2 : cfg->exec_rounds;
	char err[256], options[600];
	struct vmfs_exec_info info;
	struct vm vm;
	int rc = -1;

	if (access(EXEC_PATH, X_OK) < 0)
		return fail("%s: %s", EXEC_PATH, strerror(errno));
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;
		pid_t pid = host_exec_stop(EXEC_PATH, argv, envp, err, sizeof(err));

		t = now() - t0;
		if (pid < 0)
			return fail("the host's exec of %s: %s", EXEC_PATH,
				    pid == HOST_STOP_NOPTRACE ? "ptrace is not allowed here" : err);
		if (r == 0)
			nh = host_auxv(pid, hauxv, sizeof(hauxv) / sizeof(hauxv[0]));
		host_stop_kill(pid);
		if (nh < 0)
			return -1;
		if (r == 0)
			host_first = t;
		else
			host_best = min_d(host_best, t);
	}

	/* A small machine (the image at the entry point is a few pages), laid out as the host without randomisation. */
	snprintf(options, sizeof(options), "%s,mem=64M,aslr=0", cfg->options);
	if (vm_open_opts(options, &vm) < 0)
		return -1;
	for (int r = 0; r < rounds; r++) {
		double t0 = now(), t;
		int pid = vmfs_spawn(vm.m, "bench"), err2;

		if (pid < 0) {
			vfail("vmfs_spawn", pid);
			goto out;
		}
		err2 = vmfs_exec(vm.m, pid, EXEC_PATH, vargv, venvp, &info);
		t = now() - t0;
		if (err2 < 0) {
			vfail("vmfs_exec", err2);
			goto out;
		}
		if (r == 0) {
			nv = vmfs_auxv(vm.m, pid, vauxv, sizeof(vauxv) / sizeof(vauxv[0]));
			if (nv < 0) {
				vfail("vmfs_auxv", nv);
				goto out;
			}
			if (auxv_get(vauxv, (size_t)nv, AT_ENTRY) != auxv_get(hauxv, (size_t)nh, AT_ENTRY) ||
			    auxv_get(vauxv, (size_t)nv, AT_BASE) != auxv_get(hauxv, (size_t)nh, AT_BASE) ||
			    auxv_get(vauxv, (size_t)nv, AT_ENTRY) != info.prog_entry) {
				fail("%s: the machine's AT_ENTRY %#" PRIx64 " and AT_BASE %#" PRIx64
				     " differ from the host's %#" PRIx64 " and %#" PRIx64, EXEC_PATH,
				     auxv_get(vauxv, (size_t)nv, AT_ENTRY), auxv_get(vauxv, (size_t)nv, AT_BASE),
				     auxv_get(hauxv, (size_t)nh, AT_ENTRY), auxv_get(hauxv, (size_t)nh, AT_BASE));
				goto out;
			}
		}
		if ((err2 = vmfs_exit(vm.m, pid)) < 0) {
			vfail("vmfs_exit", err2);
			goto out;
		}
		if (r == 0)
			vmfs_first = t;
		else
			vmfs_best = min_d(vmfs_best, t);
	}
	s->ceiling = host_best * 1e3;   /* milliseconds per exec */
	s->vmfs = vmfs_best * 1e3;
	snprintf(s->note, sizeof(s->note),
		 "%s -c pass up to its entry point, best of %d after the first: vmfs_spawn + vmfs_exec "
		 "against fork + execve stopped by PTRACE_TRACEME; first exec %.3f ms in a fresh machine "
		 "(page cache empty), %.3f ms on the host", EXEC_PATH, rounds - 1,
		 vmfs_first * 1e3, host_first * 1e3);
	rc = 0;
out:
	vm_close(&vm);
	return rc;
}

/*
 * testutil.h - the small wrappers the cmocka tests of the public API
 * (test_api.c, test_pressure.c, test_objects.c) share: open a machine,
 * spawn, map at a fixed address, and read the machine's, a process's and a
 * walk's state, each asserting that the call worked.
 *
 * What stays true: every helper is a thin call of one libvmfs function that
 * fails the running test (with vmfs_errmsg() where it helps) when the call
 * does not do what the header promises; none keeps state, so a test that
 * includes this header sees only its own machine.
 */
#ifndef VMFS_TESTS_TESTUTIL_H
#define VMFS_TESTS_TESTUTIL_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "vmfs.h"

/* A machine of @opts (NULL for the defaults); the test closes it. */
static inline vmfs *open_machine(const char *opts)
{
	vmfs *m = NULL;
	int rc = vmfs_open(&m, opts);

	if (rc)
		print_error("vmfs_open(\"%s\") = %d: %s\n", opts ? opts : "(null)", rc,
			    vmfs_errmsg());
	assert_int_equal(rc, 0);
	assert_non_null(m);
	return m;
}

static inline int spawn(vmfs *m, const char *name)
{
	int pid = vmfs_spawn(m, name);

	assert_true(pid > 0);
	return pid;
}

/* mmap of @len bytes at exactly @addr (MAP_FIXED added to @flags). */
static inline void map_fixed(vmfs *m, int pid, uint64_t addr, uint64_t len, int prot, int flags)
{
	uint64_t out = 0;
	int rc = vmfs_mmap(m, pid, addr, len, prot, flags | MAP_FIXED, NULL, 0, &out);

	if (rc)
		print_error("mmap(%#" PRIx64 ", %#" PRIx64 ") = %d: %s\n", addr, len, rc,
			    vmfs_errmsg());
	assert_int_equal(rc, 0);
	assert_int_equal(out, addr);
}

static inline struct vmfs_stat mstat(vmfs *m)
{
	struct vmfs_stat st;

	assert_int_equal(vmfs_stat(m, &st), 0);
	return st;
}

static inline struct vmfs_proc_stat pstat(vmfs *m, int pid)
{
	struct vmfs_proc_stat ps;

	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	return ps;
}

static inline struct vmfs_walk walk(vmfs *m, int pid, uint64_t addr)
{
	struct vmfs_walk w;

	assert_int_equal(vmfs_translate(m, pid, addr, &w), 0);
	return w;
}

/* The last entry a walk read: the leaf when it went the whole way. */
static inline uint64_t leaf(const struct vmfs_walk *w)
{
	return w->level[w->depth - 1].entry;
}

/* The whole kernel log, NUL-terminated (to free). */
static inline char *kmsg(vmfs *m)
{
	size_t len = vmfs_kmsg(m, NULL, 0);
	char *buf = malloc(len + 1);

	assert_non_null(buf);
	assert_int_equal(vmfs_kmsg(m, buf, len + 1), len);
	assert_int_equal(strlen(buf), len);
	return buf;
}

/*
 * A new process (named "loader") with @argv[0] exec'd into it, @argv and
 * @envp its arguments and environment; its PID.  The tests of the CPU load
 * their programs with it.
 */
static inline int load_program(vmfs *m, const char *const *argv, const char *const *envp)
{
	int pid = spawn(m, "loader");
	int rc = vmfs_exec(m, pid, argv[0], argv, envp, NULL);

	if (rc)
		print_error("exec %s: %d %s\n", argv[0], rc, vmfs_errmsg());
	assert_int_equal(rc, 0);
	return pid;
}

/* The number of times @needle occurs in the kernel log (not overlapping). */
static inline int kmsg_count(vmfs *m, const char *needle)
{
	char *log = kmsg(m);
	int n = 0;

	for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(log);
	return n;
}

#endif /* VMFS_TESTS_TESTUTIL_H */

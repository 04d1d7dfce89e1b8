/*
 * test_nocpu.c - a machine built without the CPU (meson -Dcpu=disabled,
 * issue 16): everything else works, and each call of the CPU (vmfs_run,
 * vmfs_step, vmfs_stop, vmfs_regs, vmfs_cpu_status, vmfs_output, and since
 * 0.7 vmfs_fds, vmfs_fd_link, vmfs_fd_info, vmfs_input) returns
 * -ENOSYS, as libvmfs(3) says, and changes nothing: the process a program
 * was exec'd into keeps its maps and the machine its counters.
 *
 * What stays true: built and run only when the CPU is not (tests/meson.build);
 * the program exec'd is the host's /usr/bin/true (exec needs no CPU).
 */
#include "testutil.h"

#include <errno.h>

static void test_run_calls_enosys(void **state)
{
	const char *argv[] = { "/usr/bin/true", NULL }, *envp[] = { NULL };
	struct vmfs_cpu_status st;
	struct vmfs_regs regs;
	struct vmfs_stat before, after;
	struct vmfs_proc_stat ps0, ps1;
	struct vmfs_map maps0[32], maps1[32];
	int n0, n1;
	struct vmfs_fd_info fi;
	int fds[4];
	char buf[64];
	vmfs *m = open_machine("mem=16M");
	int pid = spawn(m, "loader");

	(void)state;
	assert_int_equal(vmfs_exec(m, pid, "/usr/bin/true", argv, envp, NULL), 0);
	n0 = vmfs_maps(m, pid, maps0, 32);
	assert_true(n0 > 3);                          /* true's image, stack, vdso-less */
	ps0 = pstat(m, pid);
	before = mstat(m);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), -ENOSYS);
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, NULL), -ENOSYS);
	assert_int_equal(vmfs_step(m, pid, 1, &st), -ENOSYS);
	assert_int_equal(vmfs_stop(m, pid), -ENOSYS);
	assert_int_equal(vmfs_regs(m, pid, &regs), -ENOSYS);
	assert_int_equal(vmfs_cpu_status(m, pid, &st), -ENOSYS);
	assert_int_equal(vmfs_output(m, pid, 1, 0, buf, sizeof(buf)), -ENOSYS);
	/* files and pipes (since 0.7) */
	assert_int_equal(vmfs_fds(m, pid, fds, 4), -ENOSYS);
	assert_int_equal(vmfs_fd_link(m, pid, 1, buf, sizeof(buf)), -ENOSYS);
	assert_int_equal(vmfs_fd_info(m, pid, 1, &fi), -ENOSYS);
	assert_int_equal(vmfs_input(m, pid, "x", 1, VMFS_INPUT_EOF), -ENOSYS);   /* standard input */
	after = mstat(m);
	ps1 = pstat(m, pid);
	n1 = vmfs_maps(m, pid, maps1, 32);
	assert_int_equal(n0, n1);
	assert_memory_equal(maps0, maps1, (size_t)n0 * sizeof(maps0[0]));
	assert_memory_equal(&ps0, &ps1, sizeof(ps0));
	before.uptime_ns = after.uptime_ns;           /* the one field that moves by itself */
	assert_memory_equal(&before, &after, sizeof(before));
	/* and the rest of the machine still works: the process can be ended */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_calls_enosys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

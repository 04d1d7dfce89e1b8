/*
 * test_sched.c - the CPU's process model under real programs (issue 16,
 * libvmfs 0.7): time slices (slice=N) as the interleaving of two writers
 * shows them, CPU time (vmfs_cpu_status.utime_ns), swap under a program
 * that touches twice the machine's memory under every built-in policy,
 * the OOM killer, and a host file mapped shared by two processes.
 * Checked through the public API only.
 *
 * What stays true: each test opens its own machine; the programs' paths
 * come from the command line (meson passes the built programs in the
 * order slice touch shmap spin).
 */
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { P_SLICE, P_TOUCH, P_SHMAP, P_SPIN, NPROGS };
static const char *progs[NPROGS];

/* A new process of @m with program @p exec'd, argv[0] its path, then @arg (may be NULL). */
static int load(vmfs *m, int p, const char *arg, const char *arg2)
{
	const char *argv[] = { progs[p], arg, arg2, NULL }, *envp[] = { NULL };

	return load_program(m, argv, envp);
}

/* All @pid wrote to fd 1, NUL-terminated, malloc'ed. */
static char *output(vmfs *m, int pid)
{
	struct vmfs_cpu_status st;
	char *buf;
	ssize_t n;

	assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
	buf = malloc(st.out_len[0] + 1);
	assert_non_null(buf);
	n = vmfs_output(m, pid, 1, 0, buf, st.out_len[0]);
	assert_int_equal(n, (ssize_t)st.out_len[0]);
	buf[n] = 0;
	return buf;
}

/*
 * The lengths of the runs of one letter in @s: the middle ones (not the
 * first nor the last of either letter, which the fork and the exits cut)
 * into @len, their number returned.
 */
static int middle_runs(const char *s, int *len, int max)
{
	int n = 0, runs[4096], nr = 0;
	size_t total = strlen(s);

	for (size_t i = 0; i < total && nr < 4096;) {
		size_t j = i;

		while (j < total && s[j] == s[i])
			j++;
		runs[nr++] = (int)(j - i);
		i = j;
	}
	for (int i = 2; i < nr - 2 && n < max; i++)
		len[n++] = runs[i];
	return n;
}

/* Run the slice program (N bytes each) under slice=@slice: the middle runs' common length. */
static int run_length(unsigned slice, int *nruns)
{
	char opts[64], *out;
	int len[4096] = { 0 }, n, pid;
	struct vmfs_cpu_status st;
	vmfs *m;

	snprintf(opts, sizeof(opts), "mem=32M,slice=%u", slice);
	m = open_machine(opts);
	pid = load(m, P_SLICE, "3000", NULL);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	out = output(m, pid);
	assert_int_equal(strlen(out), 6000);
	n = middle_runs(out, len, 4096);
	assert_true(n >= 4);
	for (int i = 1; i < n; i++)          /* every slice the same number of writes, within one */
		assert_true(abs(len[i] - len[0]) <= 1);
	free(out);
	vmfs_close(m);
	*nruns = n;
	return len[0];
}

/*
 * slice=N: two processes of one run alternate every N instructions, so a
 * writer's runs of bytes are N / (instructions per byte) long: four times
 * as long with a slice four times as long.
 */
static void test_slice(void **state)
{
	int n1, n4, l1 = run_length(4000, &n1), l4 = run_length(16000, &n4);
	vmfs *m;
	uint64_t v = 0, zero = 0;

	(void)state;
	assert_true(l1 > 10);
	assert_true(abs(l4 - 4 * l1) <= 4);
	assert_true(n1 > n4);
	/* the option's range, and the tunable */
	assert_int_equal(vmfs_open(&m, "slice=0"), -EINVAL);
	assert_non_null(strstr(vmfs_errmsg(), "slice=0: out of range (1 to 1000000000)"));
	m = open_machine("mem=1M,slice=777");
	assert_int_equal(vmfs_sysctl(m, "vmfs.slice", &v, NULL), 0);
	assert_int_equal(v, 777);
	assert_int_equal(vmfs_sysctl(m, "vmfs.slice", NULL, &zero), -EINVAL);
	assert_int_equal(vmfs_sysctl(m, "vmfs.slice", &v, NULL), 0);
	assert_int_equal(v, 777);
	vmfs_close(m);
}

/*
 * A run's root that exits leaves its running children stopped ('T',
 * ppid 0), not running with nobody to run them: a later run of the
 * child runs it to its end.
 */
static void test_orphan_stops(void **state)
{
	vmfs *m = open_machine("mem=32M,slice=5000");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	int pid = load(m, P_SLICE, "3000", "orphan"), child;
	char *out;

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	child = pid + 1;
	assert_int_equal(vmfs_proc_stat(m, child, &ps), 0);
	assert_int_equal(ps.ppid, 0);
	assert_int_equal(vmfs_cpu_status(m, child, &st), 0);
	assert_int_equal(st.state, 'T');
	assert_int_equal(vmfs_run(m, child, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	out = output(m, pid);                /* the child writes to its parent's capture */
	assert_int_equal(strlen(out), 3000);
	assert_int_equal(strspn(out, "C"), 3000);
	free(out);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * utime: one instruction, one nanosecond of simulated time, so 10^7
 * instructions are one USER_HZ tick; stime 0.  Never ahead of the
 * machine's clock since the process started.
 */
static void test_utime(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_stat ms;
	struct vmfs_proc_stat ps;
	int pid = load(m, P_SPIN, NULL, NULL);

	(void)state;
	assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
	assert_int_equal(st.utime_ns, 0);
	assert_int_equal(vmfs_step(m, pid, 1234567, &st), 0);
	assert_int_equal(st.insns, 1234567);
	assert_int_equal(st.utime_ns, 1234567);
	assert_int_equal(st.stime_ns, 0);
	assert_int_equal(vmfs_stat(m, &ms), 0);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_true(st.utime_ns <= ms.uptime_ns - ps.start_ns);
	vmfs_close(m);
}

/* Does @pid's stdout hold @needle? */
static bool said(vmfs *m, int pid, const char *needle)
{
	char *out = output(m, pid);
	bool yes = strstr(out, needle) != NULL;

	free(out);
	return yes;
}

/* The built-in policies (libvmfs(3), REPLACEMENT): fourteen. */
static const char *const policies[] = { "fifo", "lru", "clock", "arc", "2q", "car", "clockpro",
	"lirs", "random", "s3fifo", "sieve", "wsclock", "linux", "mglru" };
#define NPOLICIES (sizeof(policies) / sizeof(policies[0]))

/*
 * Swap under a real program: on a machine of 1 MiB of RAM with swap, the
 * touch program writes 2 MiB (twice the machine's memory) and reads every
 * byte back twice, under every built-in policy: its pages went to swap
 * and came back right.
 */
static void test_swap_every_policy(void **state)
{
	(void)state;
	assert_int_equal(NPOLICIES, 14);
	for (unsigned i = 0; i < NPOLICIES; i++) {
		char opts[64];
		struct vmfs_cpu_status st;
		struct vmfs_stat ms;
		vmfs *m;
		int pid;

		snprintf(opts, sizeof(opts), "mem=1M,policy=%s", policies[i]);
		m = open_machine(opts);
		pid = load(m, P_TOUCH, "2", NULL);
		assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
		if (st.exit_code != 0 || !said(m, pid, "ok 512\n"))
			print_error("policy %s: exit %d\n", policies[i], st.exit_code);
		assert_int_equal(st.state, 'Z');
		assert_int_equal(st.exit_code, 0);
		assert_true(said(m, pid, "ok 512\n"));
		assert_int_equal(vmfs_stat(m, &ms), 0);
		assert_true(ms.pswpout >= 256);      /* at least half of it went out */
		assert_true(ms.pswpin >= 256);       /* and came back */
		assert_int_equal(vmfs_exit(m, pid), 0);
		vmfs_close(m);
	}
}

/*
 * The OOM killer, the faulting process its own victim: 2 MiB of RAM and
 * 1 MiB of swap, and a program that touches 8 MiB.  It ends with SIGKILL
 * (wait status 9) and Linux's lines; its memory is freed.
 */
static void test_oom_self(void **state)
{
	vmfs *m = open_machine("mem=2M,swap_size=1M");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	char want[160];
	int pid = load(m, P_TOUCH, "8", NULL);

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_SIGNAL);
	assert_int_equal(st.exit_code, 9);
	assert_int_equal(st.out_len[0], 0);            /* killed before it printed */
	assert_int_equal(kmsg_count(m, "sched_touch invoked oom-killer: gfp_mask=0x140cca"
				       "(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0\n"), 1);
	snprintf(want, sizeof(want), "global_oom,task_memcg=/,task=sched_touch,pid=%d,uid=0\n", pid);
	assert_int_equal(kmsg_count(m, want), 1);
	snprintf(want, sizeof(want), "Out of memory: Killed process %d (sched_touch) total-vm:", pid);
	assert_int_equal(kmsg_count(m, want), 1);
	assert_int_equal(kmsg_count(m, "kB, UID:0 pgtables:"), 1);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_int_equal(ps.rss_anon + ps.rss_file + ps.swap, 0);   /* freed, VMFS_RUN_KEEP or not */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * The OOM killer chooses the largest: a program holding 3 MiB (stopped),
 * and another that then touches 3 MiB of a machine of 4 MiB of RAM and
 * 2 MiB of swap.  The holder is killed (a zombie, status 9, its memory
 * freed, "Out of memory: Killed process" with its figures), and the
 * faulting program goes on and reads every byte right.
 */
static void test_oom_victim(void **state)
{
	vmfs *m = open_machine("mem=4M,swap_size=2M");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	char want[200];
	int holder = load(m, P_TOUCH, "3", "hold"), pid;
	uint64_t anon;

	(void)state;
	for (int i = 0; i < 200 && !said(m, holder, "touched 768\n"); i++)
		assert_int_equal(vmfs_run(m, holder, 500000, 0, &st), 0);
	assert_true(said(m, holder, "touched 768\n"));
	assert_int_equal(st.state, 'T');
	assert_int_equal(vmfs_proc_stat(m, holder, &ps), 0);
	anon = ps.rss_anon;
	pid = load(m, P_TOUCH, "3", NULL);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.exit_code, 0);
	assert_true(said(m, pid, "ok 768\n"));
	assert_int_equal(vmfs_cpu_status(m, holder, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 9);
	snprintf(want, sizeof(want), "Out of memory: Killed process %d (sched_touch) total-vm:",
		 holder);
	assert_int_equal(kmsg_count(m, want), 1);
	snprintf(want, sizeof(want), "oom_reaper: reaped process %d (sched_touch), now "
		 "anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n", holder);
	assert_int_equal(kmsg_count(m, want), 1);
	assert_int_equal(kmsg_count(m, "Out of memory: Killed process"), 1);
	assert_true(anon > 0);
	assert_int_equal(vmfs_proc_stat(m, holder, &ps), 0);
	assert_int_equal(ps.rss_anon + ps.swap, 0);
	assert_int_equal(vmfs_exit(m, holder), 0);
	vmfs_close(m);
}

/*
 * A process with no program (the library caller's) can be the victim:
 * its mappings go, it stays until vmfs_exit; the program goes on.
 */
static void test_oom_no_program(void **state)
{
	vmfs *m = open_machine("mem=4M,swap_size=2M");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	uint64_t addr;
	char want[200];
	int big = spawn(m, "big"), pid;
	char *page = calloc(1, 4096);

	(void)state;
	assert_int_equal(vmfs_mmap(m, big, 0, 4u << 20, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &addr), 0);
	for (uint64_t off = 0; off < (4u << 20); off += 4096)
		assert_int_equal(vmfs_write(m, big, addr + off, page, 4096), 4096);
	pid = load(m, P_TOUCH, "3", NULL);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.exit_code, 0);
	assert_true(said(m, pid, "ok 768\n"));
	snprintf(want, sizeof(want), "Out of memory: Killed process %d (big) total-vm:4096kB, "
		 "anon-rss:", big);
	assert_int_equal(kmsg_count(m, want), 1);
	assert_int_equal(vmfs_proc_stat(m, big, &ps), 0);   /* still there */
	assert_int_equal(ps.nr_maps, 0);
	assert_int_equal(ps.rss_anon + ps.swap, 0);
	assert_int_equal(vmfs_exit(m, big), 0);
	free(page);
	vmfs_close(m);
}

/* All of @cmd's standard output (popen), malloc'ed, its length in *@len. */
static char *host_output(const char *cmd, size_t *len)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);

	assert_non_null(f);
	assert_non_null(buf);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
	}
	assert_int_equal(pclose(f), 0);
	*len = n;
	return buf;
}

/*
 * Under pressure, a program's result is still byte for byte right under
 * every policy: the host's /usr/bin/gzip -c of a 32 KiB file, on a
 * machine of 512 KiB of RAM (its libraries, its buffers and the file's
 * pages come and go through swap and the page cache), against the
 * host's own gzip.
 */
static void test_gzip_every_policy(void **state)
{
	char path[] = "/tmp/test_sched-gz-XXXXXX", cmd[128];
	int fd = mkstemp(path);
	uint64_t x = 42;
	char text[32768];
	size_t want_len;
	char *want;

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(text); i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		text[i] = i % 64 == 63 ? '\n' : (char)('a' + (x >> 59) % 26);
	}
	assert_int_equal(write(fd, text, sizeof(text)), (ssize_t)sizeof(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "/usr/bin/gzip -c %s", path);
	want = host_output(cmd, &want_len);
	assert_true(want_len > 100);
	for (unsigned i = 0; i < NPOLICIES; i++) {
		const char *argv[] = { "/usr/bin/gzip", "-c", path, NULL }, *envp[] = { NULL };
		char opts[64], *got;
		struct vmfs_cpu_status st;
		struct vmfs_stat ms;
		vmfs *m;
		int pid;

		snprintf(opts, sizeof(opts), "mem=512K,policy=%s", policies[i]);
		m = open_machine(opts);
		pid = load_program(m, argv, envp);
		assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
		if (st.exit_code != 0 || st.out_len[0] != want_len)
			print_error("policy %s: exit %d, %llu bytes\n", policies[i], st.exit_code,
				    (unsigned long long)st.out_len[0]);
		assert_int_equal(st.exit_code, 0);
		assert_int_equal(st.out_len[0], want_len);
		got = output(m, pid);
		assert_memory_equal(got, want, want_len);
		assert_int_equal(vmfs_stat(m, &ms), 0);
		/* it ran under pressure: pages were evicted and read back (from swap,
		 * or from the host file for a file page) */
		assert_true(ms.pgsteal_direct > 0 && ms.pgmajfault > 0);
		free(got);
		assert_int_equal(vmfs_exit(m, pid), 0);
		vmfs_close(m);
	}
	free(want);
	unlink(path);
}

/*
 * A host file mapped MAP_SHARED read-only by a program that forks: both
 * read it, and every page of it is the same frame in both (the page
 * cache: one copy); MAP_SHARED with PROT_WRITE of the file, opened
 * read-only, is EACCES.
 */
static void test_shared_file(void **state)
{
	vmfs *m = open_machine("mem=32M");
	char path[] = "/tmp/test_sched-XXXXXX", line[128];
	unsigned char data[65536];
	struct vmfs_cpu_status st;
	unsigned long addr = 0, sum = 0, csum = 0;
	long long size = 0;
	uint32_t h = 2166136261u;
	int fd = mkstemp(path), pid, child = 0;
	char *out;

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 31 + (i >> 8));
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	close(fd);
	for (size_t i = 0; i < sizeof(data); i++)
		h = (h ^ data[i]) * 16777619u;
	pid = load(m, P_SHMAP, path, NULL);
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.exit_code, 0);
	out = output(m, pid);
	snprintf(line, sizeof(line), "shared-write -1 %d\n", EACCES);
	assert_non_null(strstr(out, line));
	assert_int_equal(sscanf(strstr(out, "map "), "map %lx size %lld sum %lx", &addr, &size, &sum), 3);
	assert_int_equal(sscanf(strstr(out, "child sum "), "child sum %lx", &csum), 1);
	assert_int_equal(sscanf(strstr(out, "child "), "child %*s %*s\nchild %d", &child), 1);
	assert_int_equal(size, (long long)sizeof(data));
	assert_int_equal(sum, h);
	assert_int_equal(csum, h);
	assert_int_equal(vmfs_cpu_status(m, child, &st), 0);
	assert_int_equal(st.state, 'Z');
	for (uint64_t off = 0; off < sizeof(data); off += 4096) {
		struct vmfs_walk a = walk(m, pid, addr + off), b = walk(m, child, addr + off);

		assert_int_equal(a.state, VMFS_WALK_PRESENT);
		assert_int_equal(b.state, VMFS_WALK_PRESENT);
		assert_int_equal(a.paddr, b.paddr);
	}
	free(out);
	unlink(path);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_orphan_stops),
		cmocka_unit_test(test_utime),
		cmocka_unit_test(test_swap_every_policy),
		cmocka_unit_test(test_oom_self),
		cmocka_unit_test(test_oom_victim),
		cmocka_unit_test(test_oom_no_program),
		cmocka_unit_test(test_shared_file),
		cmocka_unit_test(test_gzip_every_policy),
	};

	if (argc != NPROGS + 1) {
		fprintf(stderr, "usage: test_sched SLICE TOUCH SHMAP SPIN\n");
		return 2;
	}
	for (int i = 0; i < NPROGS; i++)
		if (!(progs[i] = realpath(argv[i + 1], NULL))) {   /* exec resolves under root=/ */
			perror(argv[i + 1]);
			return 2;
		}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

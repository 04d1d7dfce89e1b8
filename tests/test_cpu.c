/*
 * test_cpu.c - the CPU (issue 16, libvmfs 0.6): static x86-64 programs of
 * tests/cpu/ (and tests/exec/hello.c) exec'd into a machine and run on its
 * CPU, checked through the public API only: their output, exit status and
 * signals, the faults their loads and stores made, the data they wrote as
 * the machine's memory holds it (what PID/mem reads), the segfault line,
 * step, stop from another thread while it runs, and every call's errors.
 *
 * What stays true: each test opens its own machine; the programs' paths
 * come from the command line (meson passes the built programs, in the
 * order hello heap segv spin sys fork execve kill pipe).
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { P_HELLO, P_HEAP, P_SEGV, P_SPIN, P_SYS, P_FORK, P_EXECVE, P_KILL, P_PIPE, NPROGS };
static const char *progs[NPROGS];

/* A new process of @m with program @p exec'd (argv[0] its path). */
static int load(vmfs *m, int p)
{
	const char *argv[] = { progs[p], NULL }, *envp[] = { "PATH=/usr/bin:/bin", NULL };

	return load_program(m, argv, envp);
}

/* All @pid wrote to @fd, NUL-terminated, in a static buffer. */
static const char *output(vmfs *m, int pid, int fd)
{
	static char buf[2][8192];
	ssize_t n = vmfs_output(m, pid, fd, 0, buf[fd - 1], sizeof(buf[0]) - 1);

	assert_true(n >= 0);
	buf[fd - 1][n] = 0;
	return buf[fd - 1];
}

/*
 * Run the heap program in a new process of @m to its exit (status 3) with
 * @flags; the addresses of its two markers (from its stdout) into @heap
 * and @map.  Its PID.
 */
static int run_heap(vmfs *m, unsigned flags, unsigned long *heap, unsigned long *map)
{
	struct vmfs_cpu_status st;
	int pid = load(m, P_HEAP);

	assert_int_equal(vmfs_run(m, pid, 0, flags, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 3 << 8);        /* exit(3), as wait() reports it */
	assert_int_equal(sscanf(output(m, pid, 1), "heap %lx\nmmap %lx\n", heap, map), 2);
	return pid;
}

/* hello: runs to its exit, prints, its faults counted, its code fetched through the machine. */
static void test_hello(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	char want[64];
	int pid = load(m, P_HELLO);

	(void)state;
	assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
	assert_int_equal(st.state, 'T');               /* loaded, stopped at its entry */
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_EXIT);
	assert_int_equal(st.exit_code, 0);
	assert_true(st.insns > 1000);
	assert_true(st.fetches > 100);
	assert_int_equal(st.out_len[0], 6);
	assert_string_equal(output(m, pid, 1), "hello\n");
	assert_string_equal(output(m, pid, 2), "");
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_true(ps.min_flt > 5);                    /* its text, data, stack, heap */
	assert_true(ps.tlb_hit > 1000);                 /* every load went through the TLB */
	assert_int_equal(ps.nr_maps, 0);                /* exit_mm: the address space is gone */
	/* glibc's rseq is unknown here: logged once, with its number and name */
	snprintf(want, sizeof(want), "[%d]: unknown system call 334 (rseq): ENOSYS", pid);
	assert_int_equal(kmsg_count(m, want), 1);
	/* a zombie does not run again; reaping it ends it */
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), -ESRCH);
	assert_int_equal(vmfs_exit(m, pid), 0);
	assert_int_equal(vmfs_cpu_status(m, pid, &st), -ESRCH);
	vmfs_close(m);
}

/* heap: its brk and mmap data read back through the machine, kept after exit with KEEP. */
static void test_heap_keep(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_proc_stat ps;
	unsigned long heap = 0, map = 0;
	char buf[32] = { 0 };
	int pid = run_heap(m, VMFS_RUN_KEEP, &heap, &map);

	(void)state;
	assert_string_equal(output(m, pid, 2), "to stderr\n");
	assert_int_equal(vmfs_read(m, pid, heap, buf, 16), 16);
	assert_memory_equal(buf, "vmfs-heap-marker", 16);
	assert_int_equal(vmfs_read(m, pid, map, buf, 16), 16);
	assert_memory_equal(buf, "vmfs-mmap-marker", 16);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_true(ps.brk > ps.start_brk);            /* malloc grew the break */
	assert_true(heap >= ps.start_brk && heap < ps.brk);
	assert_true(ps.rss_anon >= 25);                 /* 100,000 bytes of heap touched */
	/* its mprotect: the page before the marker is read-only now */
	{
		struct vmfs_walk w;

		assert_int_equal(vmfs_translate(m, pid, map - 4096, &w), 0);
		assert_int_equal(w.mapped, 1);
		assert_int_equal(w.prot, PROT_READ);
		assert_int_equal(vmfs_translate(m, pid, map, &w), 0);
		assert_int_equal(w.prot, PROT_READ | PROT_WRITE);
		assert_true(leaf(&w) & VMFS_PTE_RW);    /* written: present, dirty */
	}
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* heap without KEEP: the address space goes at exit, the output stays. */
static void test_heap_exit_mm(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_proc_stat ps;
	unsigned long heap = 0, map = 0;
	char buf[16];
	int pid = run_heap(m, 0, &heap, &map);

	(void)state;
	assert_int_equal(vmfs_read(m, pid, heap, buf, 16), -EFAULT);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_int_equal(ps.vm_pages, 0);
	assert_int_equal(ps.rss_anon + ps.rss_file, 0);
	assert_string_equal(output(m, pid, 2), "to stderr\n");
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* segv: the machine refuses a store; SIGSEGV with Linux's line and the real ip and sp. */
static void test_segv(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	struct vmfs_regs r;
	struct vmfs_map maps[64], *text = NULL;
	int nmaps;
	char want[160], line[256];
	unsigned char code[64];
	size_t len;
	int pid = load(m, P_SEGV);

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);   /* its maps, to name */
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_SIGNAL);
	assert_int_equal(st.exit_code, 11);            /* SIGSEGV: a shell says 139 */
	assert_string_equal(output(m, pid, 1), "before\n");
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_int_equal(ps.segv, 1);
	assert_int_equal(vmfs_regs(m, pid, &r), 0);
	assert_true(r.rip >= ps.start_code && r.rip < ps.end_code);
	snprintf(want, sizeof(want), " ip %016llx sp %016llx error 7",
		 (unsigned long long)r.rip, (unsigned long long)r.rsp);
	assert_int_equal(kmsg_count(m, want), 1);
	/* print_vma_addr: " in BINARY[START+SIZE]", the file mapping of the ip
	 * (its text, r-x), then the line ends (6.1 prints no CPU after it) */
	assert_int_equal(vmfs_maps(m, pid, maps, 64), nmaps = vmfs_maps(m, pid, NULL, 0));
	for (int i = 0; i < nmaps; i++)
		if (maps[i].start <= r.rip && r.rip < maps[i].end)
			text = &maps[i];
	assert_non_null(text);
	assert_int_equal(text->prot, PROT_READ | PROT_EXEC);
	snprintf(want, sizeof(want), " ip %016llx sp %016llx error 7 in cpu_segv[%llx+%llx]\n",
		 (unsigned long long)r.rip, (unsigned long long)r.rsp,
		 (unsigned long long)text->start, (unsigned long long)(text->end - text->start));
	assert_int_equal(kmsg_count(m, want), 1);
	/* show_opcodes' next line: 42 bytes before the ip, <the byte at it>, 21 after */
	assert_int_equal(vmfs_read(m, pid, r.rip - 42, code, sizeof(code)), sizeof(code));
	len = (size_t)snprintf(line, sizeof(line), "] Code:");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, i == 42 ? " <%02x>" : " %02x",
					code[i]);
	snprintf(line + len, sizeof(line) - len, "\n");
	assert_int_equal(code[42], 0xc6);               /* movb $0x52, ro(%rip) */
	assert_int_equal(kmsg_count(m, line), 1);
	vmfs_close(m);
}

/*
 * segv jump: a call to 0x1000, where nothing is mapped.  The line names
 * the mapping find_vma gives for the ip, the lowest above it (the
 * program's first), as Linux's print_vma_addr does, and show_opcodes
 * cannot read the bytes before it.
 */
static void test_segv_jump(void **state)
{
	vmfs *m = open_machine("mem=32M");
	const char *argv[] = { progs[P_SEGV], "jump", NULL }, *envp[] = { NULL };
	struct vmfs_cpu_status st;
	struct vmfs_map first;
	char want[200];
	int pid = load_program(m, argv, envp);

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.exit_code, 11);
	assert_int_equal(vmfs_maps(m, pid, &first, 1) > 0, 1);
	snprintf(want, sizeof(want), "cpu_segv[%d]: segfault at 1000 ip 0000000000001000 sp ", pid);
	assert_int_equal(kmsg_count(m, want), 1);
	snprintf(want, sizeof(want), " error 14 in cpu_segv[%llx+%llx]\n",
		 (unsigned long long)first.start, (unsigned long long)(first.end - first.start));
	assert_int_equal(kmsg_count(m, want), 1);
	assert_int_equal(kmsg_count(m, "] Code: Unable to access opcode bytes at 0xfd6.\n"), 1);
	snprintf(want, sizeof(want), "cpu_segv[%d]: segfault at ", pid);
	assert_int_equal(kmsg_count(m, want), 1);
	vmfs_close(m);
}

/* step: exactly N instructions at a time; the registers move. */
static void test_step(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_regs r0, r1;
	int pid = load(m, P_SPIN);

	(void)state;
	assert_int_equal(vmfs_regs(m, pid, &r0), 0);
	assert_int_not_equal(r0.rip, 0);
	assert_int_not_equal(r0.rsp, 0);
	assert_int_equal(vmfs_step(m, pid, 1, &st), 0);
	assert_int_equal(st.insns, 1);
	assert_int_equal(st.state, 'T');
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_LIMIT);
	assert_int_equal(vmfs_regs(m, pid, &r1), 0);
	assert_int_not_equal(r1.rip, r0.rip);
	/* across slices: 500,000 more, exactly */
	assert_int_equal(vmfs_step(m, pid, 500000, &st), 0);
	assert_int_equal(st.insns, 500001);
	assert_int_equal(vmfs_run(m, pid, 1000, 0, &st), 0);
	assert_int_equal(st.insns, 501001);
	assert_int_equal(st.state, 'T');
	vmfs_close(m);   /* a stopped process goes with its machine */
}

struct runner {
	vmfs                  *m;
	int                    pid, rc;
	struct vmfs_cpu_status st;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->rc = vmfs_run(r->m, r->pid, 0, 0, &r->st);
	return NULL;
}

/* stop: a running program is stopped from another thread; its memory is read while it runs. */
static void test_stop(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct runner r = { .m = m };
	struct vmfs_cpu_status st;
	struct vmfs_regs regs;
	unsigned long addr = 0, c1 = 0, c2 = 0;
	pthread_t t;
	int tries = 0;

	(void)state;
	r.pid = load(m, P_SPIN);
	assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
	while (sscanf(output(m, r.pid, 1), "counter %lx", &addr) != 1 && tries++ < 20000)
		usleep(500);
	assert_int_not_equal(addr, 0);
	/* while it runs: its state, its counter rising in the machine's memory */
	assert_int_equal(vmfs_cpu_status(m, r.pid, &st), 0);
	assert_int_equal(st.state, 'R');
	assert_int_equal(vmfs_regs(m, r.pid, &regs), -EBUSY);
	assert_int_equal(vmfs_run(m, r.pid, 0, 0, NULL), -EBUSY);
	assert_int_equal(vmfs_read(m, r.pid, addr, &c1, sizeof(c1)), sizeof(c1));
	for (tries = 0; c2 <= c1 && tries < 20000; tries++) {
		usleep(500);
		assert_int_equal(vmfs_read(m, r.pid, addr, &c2, sizeof(c2)), sizeof(c2));
	}
	assert_true(c2 > c1);
	assert_int_equal(vmfs_stop(m, r.pid), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.st.state, 'T');
	assert_int_equal(r.st.stop_why, VMFS_CPU_STOP_STOP);
	assert_int_equal(vmfs_regs(m, r.pid, &regs), 0);
	/* stopped: the counter stays */
	assert_int_equal(vmfs_read(m, r.pid, addr, &c1, sizeof(c1)), sizeof(c1));
	usleep(2000);
	assert_int_equal(vmfs_read(m, r.pid, addr, &c2, sizeof(c2)), sizeof(c2));
	assert_int_equal(c1, c2);
	/* and runs on from there */
	assert_int_equal(vmfs_run(m, r.pid, 100000, 0, &st), 0);
	assert_int_equal(vmfs_read(m, r.pid, addr, &c2, sizeof(c2)), sizeof(c2));
	assert_true(c2 > c1);
	assert_int_equal(vmfs_exit(m, r.pid), 0);      /* reaping a stopped process */
	vmfs_close(m);
}

/* sys: system calls with bad arguments fail as Linux's do, and change nothing. */
static void test_syscalls(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	const char *out;
	char want[4200];
	int pid = load(m, P_SYS);

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.exit_code, 0);
	out = output(m, pid, 1);
	assert_non_null(strstr(out, "write-bad-ptr -1 14\n"));        /* EFAULT */
	assert_non_null(strstr(out, "write-kernel-ptr -1 14\n"));     /* access_ok */
	assert_non_null(strstr(out, "write-bad-fd -1 9\n"));          /* EBADF */
	assert_non_null(strstr(out, "uname-bad -1 14\n"));
	assert_non_null(strstr(out, "getrandom-bad -1 14\n"));
	assert_non_null(strstr(out, "nosys-999 -1 38\nnosys-999-again -1 38\n"));   /* ENOSYS */
	assert_non_null(strstr(out, "brk-query-ok 1 0\n"));
	snprintf(want, sizeof(want), "pid %d\n", pid);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "exe %s\n", progs[P_SYS]);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "uname Linux x86_64\n"));
	assert_non_null(strstr(out, "clock 1\n"));
	assert_non_null(strstr(out, "getrandom 32\n"));
	/* files: read-only host files, never written */
	assert_non_null(strstr(out, "open-wronly -1 30\n"));          /* EROFS */
	assert_non_null(strstr(out, "open-creat -1 30\n"));
	assert_non_null(strstr(out, "open-bad-ptr -1 14\n"));         /* EFAULT */
	assert_non_null(strstr(out, "open-missing -1 2\n"));          /* ENOENT */
	assert_non_null(strstr(out, "read-bad-fd -1 9\n"));           /* EBADF */
	assert_non_null(strstr(out, "open 3\n"));
	assert_non_null(strstr(out, "read-bad-buf -1 14\n"));
	assert_non_null(strstr(out, "read 4 ELF\n"));                 /* the position stayed 0 */
	assert_non_null(strstr(out, "lseek 1\nread-after-lseek 3 ELF\n"));
	assert_non_null(strstr(out, "pread 3 ELF\n"));
	assert_non_null(strstr(out, "fstat 0 1\n"));
	assert_non_null(strstr(out, "mmap ELF\n"));
	assert_non_null(strstr(out, "mmap-shared-write -1 13\n"));    /* EACCES */
	assert_non_null(strstr(out, "write-to-file -1 9\n"));
	assert_non_null(strstr(out, "close 0\nclose-again -1 9\n"));
	snprintf(want, sizeof(want), "[%d]: unknown system call 999 (?): ENOSYS", pid);
	assert_int_equal(kmsg_count(m, want), 1);      /* once per process */
	vmfs_close(m);
}

/* The calls' errors, each changing nothing. */
static void test_errors(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_regs r;
	char b[4];
	int plain = spawn(m, "plain"), pid;

	(void)state;
	assert_int_equal(vmfs_cpu_status(m, plain, &st), 0);
	assert_int_equal(st.state, 'S');                /* no program: sleeping, as before */
	assert_int_equal(vmfs_run(m, plain, 0, 0, &st), -EINVAL);
	assert_non_null(strstr(vmfs_errmsg(), "no program"));
	assert_int_equal(vmfs_regs(m, plain, &r), -EINVAL);
	assert_int_equal(vmfs_run(m, 999, 0, 0, &st), -ESRCH);
	assert_int_equal(vmfs_stop(m, 999), -ESRCH);
	assert_int_equal(vmfs_regs(m, 999, &r), -ESRCH);
	assert_int_equal(vmfs_cpu_status(m, 999, &st), -ESRCH);
	assert_int_equal(vmfs_output(m, 999, 1, 0, b, 4), -ESRCH);
	pid = load(m, P_HELLO);
	assert_int_equal(vmfs_run(m, pid, 0, 0x10, &st), -EINVAL);
	assert_int_equal(vmfs_step(m, pid, 0, &st), -EINVAL);
	assert_int_equal(vmfs_output(m, pid, 3, 0, b, 4), -EINVAL);
	assert_int_equal(vmfs_output(m, pid, 0, 0, b, 4), -EINVAL);
	assert_int_equal(vmfs_regs(m, pid, NULL), -EINVAL);
	assert_int_equal(vmfs_cpu_status(m, pid, NULL), -EINVAL);
	assert_int_equal(vmfs_run(NULL, pid, 0, 0, &st), -EINVAL);
	assert_int_equal(vmfs_stop(m, pid), 0);         /* not running: nothing to do */
	assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
	assert_int_equal(st.state, 'T');
	/* none of it moved the program: it runs as it would have */
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_string_equal(output(m, pid, 1), "hello\n");
	assert_int_equal(vmfs_output(m, pid, 1, 6, b, 4), 0);   /* at the end */
	assert_int_equal(vmfs_output(m, pid, 1, 1, b, 4), 4);   /* by offset */
	assert_memory_equal(b, "ello", 4);
	vmfs_close(m);
}

/* exec again: a stopped program replaced; the new one starts at its own entry. */
static void test_reexec(void **state)
{
	vmfs *m = open_machine("mem=32M");
	const char *argv[] = { progs[P_HELLO], NULL };
	struct vmfs_exec_info info;
	struct vmfs_cpu_status st;
	struct vmfs_regs r;
	int pid = load(m, P_SPIN);

	(void)state;
	assert_int_equal(vmfs_step(m, pid, 10000, &st), 0);
	assert_int_equal(vmfs_exec(m, pid, progs[P_HELLO], argv, argv + 1, &info), 0);
	assert_int_equal(vmfs_regs(m, pid, &r), 0);
	assert_int_equal(r.rip, info.entry);
	assert_int_equal(r.rsp, info.sp);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.insns < 100000, 1);          /* counted afresh */
	assert_string_equal(output(m, pid, 1), "hello\n");
	vmfs_close(m);
}

/* Under memory pressure, with swap, under a few policies: the same output. */
static void test_pressure(void **state)
{
	static const char *const opts[] = { "frames=40,policy=lru", "frames=40,policy=clock",
		"frames=40,policy=fifo", "frames=40,policy=mglru" };

	(void)state;
	for (unsigned i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		vmfs *m = open_machine(opts[i]);
		struct vmfs_proc_stat ps;
		unsigned long heap = 0, map = 0;
		char buf[16];
		int pid = run_heap(m, VMFS_RUN_KEEP, &heap, &map);

		assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
		assert_true(ps.swap > 0 || ps.maj_flt > 0);   /* it ran under eviction */
		assert_int_equal(vmfs_read(m, pid, heap, buf, 16), 16);
		assert_memory_equal(buf, "vmfs-heap-marker", 16);
		vmfs_close(m);
	}
}

/* The PID of the first process after @pid, or 0. */
static int next_pid(vmfs *m, int pid)
{
	int pids[64];
	int n = vmfs_pids(m, pids, 64);

	for (int i = 0; i < n; i++)
		if (pids[i] > pid)
			return pids[i];
	return 0;
}

/*
 * fork: the child runs in the parent's run (round robin), returns 0 from
 * fork, sees its parent in getppid, writes to the parent's stdout; the
 * parent's WNOHANG wait finds nothing, its blocking wait sleeps until the
 * child exits and reaps it with Linux's status (exit 7), then ECHILD.
 */
static void test_fork_wait(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	int pid = load(m, P_FORK), n0 = vmfs_pids(m, NULL, 0);
	char want[256];

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	snprintf(want, sizeof(want),
		 "child: ppid ok 1, pages shared page / child's page\nnohang 0\n"   /* stdio buffers */
		 "parent: exited 1 status 7 signaled 0, page parent's page\nagain -1 %d\n", ECHILD);
	assert_string_equal(output(m, pid, 1), want);
	assert_int_equal(vmfs_pids(m, NULL, 0), n0);   /* the child was reaped */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * fork's COW from real code: with both address spaces kept, the page the
 * child wrote has a frame of its own, the page neither wrote after fork
 * is one frame for both; the orphan child has no parent (ppid 0).
 */
static void test_fork_cow(void **state)
{
	vmfs *m = open_machine("mem=32M");
	const char *argv[] = { progs[P_FORK], "keep", NULL }, *envp[] = { NULL };
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	unsigned long shared = 0, written = 0;
	int pid = load_program(m, argv, envp), child = 0;
	char buf[16];

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	assert_non_null(strstr(output(m, pid, 1), "child: ppid ok 1"));
	assert_int_equal(sscanf(strstr(output(m, pid, 1), "\nshared"), "\nshared %lx\nwritten %lx\nchild %d",
				&shared, &written, &child), 3);
	assert_int_equal(child, next_pid(m, pid));
	assert_int_equal(vmfs_cpu_status(m, child, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 7 << 8);
	assert_int_equal(vmfs_proc_stat(m, child, &ps), 0);
	assert_int_equal(ps.ppid, 0);                  /* its parent exited: no parent */
	assert_int_equal(vmfs_read(m, child, written, buf, 13), 13);
	assert_memory_equal(buf, "child's page", 13);
	assert_int_equal(vmfs_read(m, pid, written, buf, 14), 14);
	assert_memory_equal(buf, "parent's page", 14);
	assert_int_equal(walk(m, pid, shared).paddr, walk(m, child, shared).paddr);
	assert_true(walk(m, pid, written).paddr != walk(m, child, written).paddr);
	assert_int_equal(vmfs_exit(m, child), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * execve from a program: bad pointers EFAULT, a missing file ENOENT, a
 * string over MAX_ARG_STRLEN E2BIG, each leaving it running; a forked
 * child execs the host's /usr/bin/echo (dynamic), and the program execs
 * itself with new argv and envp: the CPU starts at the new entry.
 */
static void test_execve(void **state)
{
	vmfs *m = open_machine("mem=64M");
	struct vmfs_cpu_status st;
	struct vmfs_proc_stat ps;
	int pid = load(m, P_EXECVE);
	char want[512];

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	snprintf(want, sizeof(want),
		 "getcwd-small -1 %d\ngetcwd 2 0\ncwd /\npath-bad -1 %d\nargv-bad -1 %d\nstring-bad -1 %d\nnoent -1 %d\ne2big -1 %d\n"
		 "from exec\nchild exited 1 0\nsecond: second from-exec 1\n",
		 ERANGE, EFAULT, EFAULT, EFAULT, ENOENT, E2BIG);
	assert_string_equal(output(m, pid, 1), want);
	assert_int_equal(st.exit_code, 5 << 8);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_string_equal(ps.comm, "cpu_execve");
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* kill: SIGTERM ends a spinning child (wait reports it), SIGKILL the caller itself. */
static void test_kill(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	int pid = load(m, P_KILL);
	char want[512];

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_SIGNAL);
	assert_int_equal(st.exit_code, 9);
	snprintf(want, sizeof(want),
		 "kill-term 0 0\nwait 1 0\nsignaled 1 sig 15\nkill-reaped -1 %d\n"
		 "kill-bad-sig -1 %d\nkill-0 0 0\nkill-chld 0 0\n", ESRCH, EINVAL);
	assert_string_equal(output(m, pid, 1), want);
	assert_int_equal(vmfs_pids(m, NULL, 0), 1);    /* the child was reaped */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* ---- the fast path changes nothing (cpu_tlb=1 against cpu_tlb=0; since 0.7) ---- */

/* A text of "key value" lines: everything a run leaves that the machine counts. */
struct snap {
	char  *buf;
	size_t len, cap;
};

static void snap_add(struct snap *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void snap_add(struct snap *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? s->cap - s->len : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (s->buf && s->len + (size_t)n < s->cap)
			break;
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	s->len += (size_t)n;
}

/* FNV-1a of @n bytes, continuing @h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 0x100000001b3ull;
	return h;
}

/*
 * A FIFO policy installed through the API that records what it is told:
 * every loaded, accessed, removed and victim call goes into a hash, in
 * order, so two runs that showed the policy the same references have the
 * same hash.
 */
struct rec {
	uint64_t  nframes, clock, *loaded_at;   /* 0: not resident */
	uint64_t  calls[4], hash;
};

static int rec_init(void **state, uint64_t nframes, void *arg)
{
	struct rec *r = arg;

	r->nframes = nframes;
	r->loaded_at = calloc(nframes, sizeof(*r->loaded_at));
	r->hash = 0xcbf29ce484222325ull;
	*state = r;
	return r->loaded_at ? 0 : -ENOMEM;
}

static void rec_release(void *state)
{
	struct rec *r = state;

	free(r->loaded_at);
	r->loaded_at = NULL;
}

static void rec_event(struct rec *r, int kind, const struct vmfs_page *pg, uint64_t pfn)
{
	uint64_t w[5] = { (uint64_t)kind, pfn, pg ? pg->owner : 0, pg ? pg->index : 0,
			  pg ? (uint64_t)pg->anon : 0 };

	r->calls[kind]++;
	r->hash = fnv(r->hash, w, sizeof(w));
}

static void rec_loaded(void *state, const struct vmfs_page *pg)
{
	struct rec *r = state;

	rec_event(r, 0, pg, pg->pfn);
	if (pg->pfn < r->nframes)
		r->loaded_at[pg->pfn] = ++r->clock;
}

static void rec_accessed(void *state, const struct vmfs_page *pg)
{
	rec_event(state, 1, pg, pg->pfn);
}

static void rec_removed(void *state, uint64_t pfn)
{
	struct rec *r = state;

	rec_event(r, 2, NULL, pfn);
	if (pfn < r->nframes)
		r->loaded_at[pfn] = 0;
}

static int64_t rec_victim(void *state, struct vmfs_reclaim *rc, const struct vmfs_page *incoming,
			  uint64_t *scanned)
{
	struct rec *r = state;
	int64_t best = -1;

	(void)incoming;
	for (uint64_t pfn = 0; pfn < r->nframes; pfn++) {
		if (!r->loaded_at[pfn])
			continue;
		(*scanned)++;
		if (vmfs_page_evictable(rc, pfn) &&
		    (best < 0 || r->loaded_at[pfn] < r->loaded_at[best]))
			best = (int64_t)pfn;
	}
	rec_event(r, 3, NULL, (uint64_t)best);
	return best;
}

static const struct vmfs_policy_ops rec_ops = {
	"record", rec_init, rec_release, rec_loaded, rec_accessed, rec_removed, rec_victim,
};

/* What @m holds after a run: vmfs_stat, each process's accounting, CPU, output, maps, pagemap. */
static void snap_machine(vmfs *m, struct snap *s)
{
	struct vmfs_stat st = mstat(m);
	int pids[64], n = vmfs_pids(m, pids, 64);

#define S(f) snap_add(s, "stat " #f " %llu\n", (unsigned long long)st.f)
	S(levels); S(va_bits); S(frames); S(kernel_pages); S(tlb_entries); S(user_top);
	S(kernel_base); S(phys_size); S(frames_free); S(pagetable_pages); S(nr_processes);
	S(pgfault); S(pgmajfault); S(pgalloc); S(pgfree); S(cow_fault); S(segfault);
	S(tlb_hit); S(tlb_miss); S(forks); S(spawns); S(exits); S(pswpin); S(pswpout);
	S(pgscan_direct); S(pgsteal_direct); S(oom_kill); S(swap_total); S(swap_used);
	S(swap_cached); S(anon_pages); S(file_pages); S(shmem_pages); S(mapped_pages);
	S(dirty_pages); S(nr_objects); S(contents_none); S(zero_page); S(zero_pfn);
	S(committed_as); S(commit_limit); S(pgscan_anon); S(pgscan_file); S(pgsteal_anon);
	S(pgsteal_file); S(nr_vmscan_write); S(pgpgout); S(drop_pagecache); S(drop_slab);
	S(pgpgin);
#undef S
	snap_add(s, "stat policy %s\n", st.policy);
	assert_true(n > 0 && n <= 64);
	for (int i = 0; i < n; i++) {
		struct vmfs_proc_stat ps = pstat(m, pids[i]);
		struct vmfs_cpu_status cs;
		struct vmfs_map maps[64];
		int nm = vmfs_maps(m, pids[i], maps, 64);

#define P(f) snap_add(s, "pid %d " #f " %llu\n", pids[i], (unsigned long long)ps.f)
		P(ppid); P(min_flt); P(maj_flt); P(cow_flt); P(segv); P(rss_anon); P(rss_file);
		P(rss_shmem); P(swap); P(pt_pages); P(vm_pages); P(nr_maps); P(tlb_hit);
		P(tlb_miss); P(cr3); P(rss_peak); P(vm_peak); P(pgtables_pages); P(locked_vm);
		P(start_code); P(end_code); P(start_data); P(end_data); P(start_brk); P(brk);
		P(start_stack); P(arg_start); P(arg_end); P(env_end);
#undef P
		if (vmfs_cpu_status(m, pids[i], &cs) == 0)
			snap_add(s, "pid %d cpu state %c why %d exit %d insns %llu fetches %llu\n",
				 pids[i], cs.state, cs.stop_why, cs.exit_code,
				 (unsigned long long)cs.insns, (unsigned long long)cs.fetches);
		snap_add(s, "pid %d stdout %s\npid %d stderr %s\n", pids[i], output(m, pids[i], 1),
			 pids[i], output(m, pids[i], 2));
		assert_true(nm >= 0 && nm <= 64);
		for (int k = 0; k < nm; k++) {
			const struct vmfs_map *v = &maps[k];
			uint64_t npages = (v->end - v->start) >> 12, h = 0xcbf29ce484222325ull, pm[64];

			snap_add(s, "pid %d map %llx-%llx prot %d flags %#x rss %llu anon %llu swap %llu "
				 "referenced %llu dirty %llu shared %llu\n", pids[i],
				 (unsigned long long)v->start, (unsigned long long)v->end, v->prot,
				 (unsigned)v->flags, (unsigned long long)v->rss,
				 (unsigned long long)v->anon, (unsigned long long)v->swap,
				 (unsigned long long)v->referenced, (unsigned long long)v->dirty,
				 (unsigned long long)v->shared);
			for (uint64_t vpn = v->start >> 12; npages; ) {
				size_t want = npages < 64 ? (size_t)npages : 64;
				ssize_t got = vmfs_pagemap(m, pids[i], vpn, pm, want);

				assert_int_equal(got, (ssize_t)want);
				h = fnv(h, pm, want * sizeof(pm[0]));
				vpn += want;
				npages -= want;
			}
			snap_add(s, "pid %d pagemap %llx %016llx\n", pids[i],
				 (unsigned long long)v->start, (unsigned long long)h);
		}
	}
}

/*
 * Run @argv (argv[0] the program) in a new machine of @opts plus cpu_tlb=@fast
 * (and the recording policy when @record) to its exit, keeping every
 * address space (VMFS_RUN_KEEP): the snapshot into @s.  With @step, it
 * first runs in steps of @step instructions (at most 40) with clear_refs
 * between them, by turns 1 (the accessed bits) and 4 (soft-dirty, which
 * write-protects), whose flushes the fast path must see.
 */
static void run_snap(const char *opts, int fast, bool record, uint64_t step,
		     const char *const argv[], struct snap *s)
{
	char o[256];
	const char *envp[] = { NULL };
	struct vmfs_cpu_status st;
	struct rec rec = { 0 };
	vmfs *m;
	int pid;

	snprintf(o, sizeof(o), "%s,cpu_tlb=%d", opts, fast);
	m = open_machine(o);
	if (record)
		assert_int_equal(vmfs_set_policy(m, NULL, &rec_ops, &rec), 0);
	pid = load_program(m, argv, envp);
	for (int i = 0; step && i < 40; i++) {
		assert_int_equal(vmfs_step(m, pid, step, &st), 0);
		assert_int_equal(st.state, 'T');
		assert_int_equal(vmfs_clear_refs(m, pid, i % 2 ? VMFS_CLEAR_REFS_SOFT_DIRTY :
						 VMFS_CLEAR_REFS_ALL), 0);
	}
	assert_int_equal(vmfs_run(m, pid, 0, VMFS_RUN_KEEP, &st), 0);
	assert_int_equal(st.state, 'Z');
	snap_machine(m, s);
	if (record)
		snap_add(s, "policy loaded %llu accessed %llu removed %llu victim %llu hash %016llx\n",
			 (unsigned long long)rec.calls[0], (unsigned long long)rec.calls[1],
			 (unsigned long long)rec.calls[2], (unsigned long long)rec.calls[3],
			 (unsigned long long)rec.hash);
	vmfs_close(m);
}

/*
 * The same run with the fast path and without: the same snapshot, line by
 * line; it has the line @must and not @must_not (NULL: any).
 */
static void same_both_ways(const char *opts, bool record, uint64_t step, const char *const argv[],
			   const char *must, const char *must_not)
{
	struct snap a = { 0 }, b = { 0 };
	const char *p = NULL, *q = NULL;

	run_snap(opts, 1, record, step, argv, &a);
	run_snap(opts, 0, record, step, argv, &b);
	if (strcmp(a.buf, b.buf) != 0) {
		for (p = a.buf, q = b.buf; *p && *p == *q; p++, q++)
			;
		while (p > a.buf && p[-1] != '\n')
			p--, q--;
		print_error("%s %s: cpu_tlb=1 and cpu_tlb=0 differ:\n  1: %.*s\n  0: %.*s\n",
			    argv[0], opts, (int)strcspn(p, "\n"), p, (int)strcspn(q, "\n"), q);
	}
	assert_string_equal(a.buf, b.buf);
	assert_non_null(strstr(a.buf, must));   /* the run did what it is here for */
	if (must_not && strstr(a.buf, must_not))
		print_error("%s %s: has \"%s\"\n", argv[0], opts, must_not);
	assert_true(!must_not || !strstr(a.buf, must_not));
	free(a.buf);
	free(b.buf);
}

/*
 * cpu_tlb=1 (the fast path: access_tlb, the TLB's hits without access_vm)
 * against cpu_tlb=0 (every access through access_vm): every counter of
 * vmfs_stat, every process's accounting, the pages' accessed and dirty
 * bits (maps' referenced and dirty), pagemap, the program's output and
 * instruction count, and every call the policy gets, identical; for
 * bench_sum (the bench's program, also stepped with clear_refs between
 * steps), fork's COW, and bench_sum and heap under memory pressure with
 * swap.
 */
static void test_fast_path_same(void **state)
{
	const char *sum = getenv("VMFS_BENCH_SUM");
	const char *const fork_argv[] = { progs[P_FORK], "keep", NULL };
	const char *const heap_argv[] = { progs[P_HEAP], NULL };
	char sum_path[PATH_MAX];

	(void)state;
	if (!sum || !realpath(sum, sum_path)) {
		print_message("VMFS_BENCH_SUM (the path of tools' bench_sum) not set: skipped\n");
		skip();
	}
	{
		const char *const sum_argv[] = { sum_path, "40000", NULL };

		same_both_ways("mem=32M", true, 0, sum_argv, "n=40000 sum=", NULL);
		/* clear_refs 1 and 4 between steps: their flushes reach the fast path */
		same_both_ways("mem=32M", true, 100000, sum_argv, "n=40000 sum=", NULL);
		/* 40,000 ints are 40 pages: sorted in 32 frames, through swap */
		same_both_ways("frames=32,policy=lru", false, 0, sum_argv, "n=40000 sum=",
			       "stat pswpout 0\n");
		same_both_ways("frames=32", true, 0, sum_argv, "n=40000 sum=", "stat pswpout 0\n");
	}
	same_both_ways("mem=32M", false, 0, fork_argv, "child: ppid ok 1", "stat cow_fault 0\n");
	same_both_ways("mem=32M", true, 0, fork_argv, "child: ppid ok 1", NULL);
	same_both_ways("frames=40,policy=mglru", false, 0, heap_argv, "heap 0x", "stat pswpout 0\n");
}

/* A process of @m running the pipe program with argument @mode (NULL: none). */
static int load_pipe(vmfs *m, const char *mode)
{
	const char *argv[] = { progs[P_PIPE], mode, NULL }, *envp[] = { NULL };

	return load_program(m, argv, envp);
}

/*
 * pipe: the calls on a pipe answer as Linux's (fstat S_IFIFO, ESPIPE,
 * FIONREAD, O_NONBLOCK's EAGAIN, pipe2's flags, dup/dup2/dup3/fcntl
 * sharing the open file, FD_CLOEXEC); a child's write of 100,000 bytes,
 * more than the pipe holds, sleeps until the parent reads, every byte
 * arrives, a line the child prints after dup2 onto 1 comes through the
 * pipe, EOF when the child is gone; execve closes the close-on-exec fd
 * and keeps the other.
 */
static void test_pipe(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_fd_info fi;
	int pid = load_pipe(m, NULL), fds[8];
	char want[2048], link[64];

	(void)state;
	/* before it runs: the standard streams, as vmfs_fds and vmfs_fd_link show them */
	assert_int_equal(vmfs_fds(m, pid, fds, 8), 3);
	assert_int_equal(fds[0] + fds[1] + fds[2], 0 + 1 + 2);
	assert_int_equal(vmfs_fd_link(m, pid, 0, link, sizeof(link)), 9);
	assert_string_equal(link, "/dev/null");
	snprintf(want, sizeof(want), "stdout:[%d]", pid);
	assert_int_equal(vmfs_fd_link(m, pid, 1, link, sizeof(link)), (ssize_t)strlen(want));
	assert_string_equal(link, want);
	snprintf(want, sizeof(want), "stderr:[%d]", pid);
	assert_int_equal(vmfs_fd_link(m, pid, 2, link, 4), (ssize_t)strlen(want));   /* cut */
	assert_string_equal(link, "std");
	assert_int_equal(vmfs_fd_link(m, pid, 3, link, sizeof(link)), -EBADF);
	assert_int_equal(vmfs_fd_link(m, pid, -1, link, sizeof(link)), -EBADF);
	assert_int_equal(vmfs_fd_link(m, pid, 0, NULL, 5), -EINVAL);
	assert_int_equal(vmfs_fd_link(m, 9999, 0, link, sizeof(link)), -ESRCH);
	assert_int_equal(vmfs_fds(m, 9999, fds, 8), -ESRCH);
	assert_int_equal(vmfs_fds(m, pid, NULL, 8), -EINVAL);
	assert_int_equal(vmfs_fds(m, pid, NULL, 0), 3);
	assert_int_equal(vmfs_fd_info(m, pid, 0, &fi), 0);          /* fdinfo: stdin reads */
	assert_int_equal(fi.flags, O_RDONLY);
	assert_int_equal(fi.ino, 1000);
	assert_int_equal(vmfs_fd_info(m, pid, 2, &fi), 0);
	assert_int_equal(fi.flags, O_WRONLY);
	assert_int_equal(fi.ino, 1002);
	assert_int_equal(vmfs_fd_info(m, pid, 3, &fi), -EBADF);
	assert_int_equal(vmfs_fd_info(m, pid, 0, NULL), -EINVAL);
	assert_int_equal(vmfs_fd_info(m, 9999, 0, &fi), -ESRCH);

	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	snprintf(want, sizeof(want),
		 "pipe 0 0\nfifo 1 1 blksize 4096 same-ino 1\nlseek -1 %d\n"
		 "write-read-end -1 %d\nread-write-end -1 %d\nwrite 3 0\nfionread 3\nread 3 0\n"
		 "setfl 0 0\ngetfl-nonblock 1\nread-empty-nonblock -1 %d\n"
		 "pipe2-bad-flags -1 %d\npipe2-bad-ptr -1 %d\npipe2 0 0\ncloexec 1 1\n"
		 "dupfd-cloexec 20 1\ndup3-same -1 %d\ndup3-bad-flags -1 %d\ndup2-same 20 0\n"
		 "dup2-bad -1 %d\ndup2 30 0\ndup2-cloexec 0\nvia-dup via-dup\n"
		 "close 0 0\nclose-again -1 %d\nwrite-closed -1 %d\nfill 65536 0\nfull-nonblock -1 %d\n"
		 "openat-dfd32 3\nfstatat-dfd32 0 0\n"
		 "child wrote 100000\nparent read 100000 bad 0\n"
		 "parent got: child's line through the pipe\neof 0\nchild status 0\n"
		 "after exec: cloexec fd closed, plain fd open\n",
		 ESPIPE, EBADF, EBADF, EAGAIN, EINVAL, EFAULT, EINVAL, EINVAL, EBADF, EBADF, EBADF,
		 EAGAIN);
	assert_string_equal(output(m, pid, 1), want);
	assert_int_equal(vmfs_fds(m, pid, fds, 8), 0);   /* a zombie's files are closed */
	assert_int_equal(vmfs_pids(m, NULL, 0), 1);      /* the child was reaped */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * A write to a pipe with no reader: EPIPE and SIGPIPE, fatal (wait status
 * 13), in a child and in the parent; only EPIPE while SIGPIPE is ignored
 * or has a handler (which does not run).
 */
static void test_pipe_sigpipe(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	int pid = load_pipe(m, "sigpipe");
	char want[256];

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_SIGNAL);
	assert_int_equal(st.exit_code, 13);
	snprintf(want, sizeof(want), "null-write 0 0\nchild signaled 1 sig 13\n"
		 "ignored -1 %d\nwas-ignored 1\nhandled -1 %d\nparent writes\n", EPIPE, EPIPE);
	assert_string_equal(output(m, pid, 1), want);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * A read of a pipe whose only writer is the reader: nothing can wake it,
 * so vmfs_run returns -EDEADLK with the process stopped ('T'), its fds
 * still open; running it again makes the read again (the same answer).
 */
static void test_pipe_deadlock(void **state)
{
	vmfs *m = open_machine("mem=32M");
	struct vmfs_cpu_status st;
	struct vmfs_fd_info fi;
	int pid = load_pipe(m, "deadlock"), fds[8];
	char link[64];

	(void)state;
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), -EDEADLK);
	assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
	assert_int_equal(st.state, 'T');
	assert_string_equal(output(m, pid, 1), "reading\n");
	assert_int_equal(vmfs_fds(m, pid, fds, 8), 5);
	assert_int_equal(vmfs_fd_link(m, pid, 3, link, sizeof(link)), 8);
	assert_string_equal(link, "pipe:[1]");                 /* the machine's first pipe */
	assert_int_equal(vmfs_fd_link(m, pid, 4, link, sizeof(link)), 8);
	assert_string_equal(link, "pipe:[1]");                 /* both ends: one inode */
	assert_int_equal(vmfs_fd_info(m, pid, 3, &fi), 0);
	assert_true(fi.flags == O_RDONLY && fi.ino == 1 && fi.pos == 0);
	assert_int_equal(vmfs_fd_info(m, pid, 4, &fi), 0);
	assert_true(fi.flags == O_WRONLY && fi.ino == 1);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), -EDEADLK);
	assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
	assert_int_equal(st.state, 'T');
	assert_string_equal(output(m, pid, 1), "reading\n");
	snprintf(link, sizeof(link), "INFO: task cpu_pipe:%d blocked with nothing", pid);
	assert_int_equal(kmsg_count(m, link), 2);               /* one line per run */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_heap_keep),
		cmocka_unit_test(test_heap_exit_mm),
		cmocka_unit_test(test_segv),
		cmocka_unit_test(test_segv_jump),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_syscalls),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_reexec),
		cmocka_unit_test(test_pressure),
		cmocka_unit_test(test_fork_wait),
		cmocka_unit_test(test_fork_cow),
		cmocka_unit_test(test_execve),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_fast_path_same),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_pipe_sigpipe),
		cmocka_unit_test(test_pipe_deadlock),
	};

	if (argc != NPROGS + 1) {
		fprintf(stderr, "usage: test_cpu HELLO HEAP SEGV SPIN SYS\n");
		return 2;
	}
	for (int i = 0; i < NPROGS; i++)
		if (!(progs[i] = realpath(argv[i + 1], NULL))) {   /* exec resolves under root=/ */
			perror(argv[i + 1]);
			return 2;
		}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_stdin.c - a program's standard input given from outside (issue 16,
 * libvmfs 0.7's vmfs_input): the static program tests/cpu/stdin.c (a cat)
 * exec'd into a machine and fed through the public API only: input given
 * before the run, during it (a run whose processes all sleep on the input
 * returns VMFS_CPU_STOP_INPUT; with VMFS_RUN_WAIT it waits, the reader
 * 'S', until another thread gives input), EOF, an input larger than the
 * pipe's 64 KiB, a forked child reading it, and every error (nothing
 * changes after one).
 *
 * What stays true: each test opens its own machine; the program's path
 * comes from the command line (meson passes the built program).
 */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *prog;

/* A new process of @m with the stdin program exec'd with argument @mode (NULL: none). */
static int load(vmfs *m, const char *mode)
{
	const char *argv[] = { prog, mode, NULL }, *envp[] = { NULL };

	return load_program(m, argv, envp);
}

/* All @pid wrote to @fd (up to 4095 bytes), NUL-terminated, in a static buffer. */
static const char *output(vmfs *m, int pid, int fd)
{
	static char buf[2][4096];
	ssize_t n = vmfs_output(m, pid, fd, 0, buf[fd - 1], sizeof(buf[0]) - 1);

	assert_true(n >= 0);
	buf[fd - 1][n] = 0;
	return buf[fd - 1];
}

/* No input given: fd 0 is the empty stdin (/dev/null), EOF at the first read. */
static void test_empty(void **state)
{
	vmfs *m = open_machine("mem=16M");
	struct vmfs_cpu_status st;
	int pid = load(m, NULL);
	char link[64];

	(void)state;
	assert_int_equal(vmfs_fd_link(m, pid, 0, link, sizeof(link)), 9);
	assert_string_equal(link, "/dev/null");
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	assert_string_equal(output(m, pid, 1), "");
	assert_string_equal(output(m, pid, 2), "eof after 0 reads 0 bytes\n");
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* Input and EOF given before the run: read whole, then EOF; fd 0 a pipe once given. */
static void test_before_run(void **state)
{
	vmfs *m = open_machine("mem=16M");
	struct vmfs_cpu_status st;
	struct vmfs_fd_info fi;
	int pid = load(m, NULL);
	char link[64];

	(void)state;
	assert_int_equal(vmfs_input(m, pid, "hello ", 6, 0), 6);
	assert_int_equal(vmfs_input(m, pid, "world\n", 6, VMFS_INPUT_EOF), 6);
	assert_int_equal(vmfs_fd_link(m, pid, 0, link, sizeof(link)), 8);
	assert_string_equal(link, "pipe:[1]");          /* the machine's first pipe */
	assert_int_equal(vmfs_fd_info(m, pid, 0, &fi), 0);
	assert_true(fi.ino == 1 && fi.flags == 0);
	assert_int_equal(vmfs_input(m, pid, "x", 1, 0), -EPIPE);     /* closed by EOF */
	assert_int_equal(vmfs_input(m, pid, NULL, 0, VMFS_INPUT_EOF), -EPIPE);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	assert_string_equal(output(m, pid, 1), "hello world\n");
	assert_string_equal(output(m, pid, 2), "eof after 1 reads 12 bytes\n");
	assert_int_equal(vmfs_input(m, pid, "x", 1, 0), -ESRCH);     /* a zombie */
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * Input opened and given while it runs: a run whose program sleeps on the
 * open, empty input returns VMFS_CPU_STOP_INPUT, the process stopped;
 * each run after more input reads it; EOF ends the program.
 */
static void test_during_run(void **state)
{
	vmfs *m = open_machine("mem=16M");
	struct vmfs_cpu_status st;
	int pid = load(m, NULL);

	(void)state;
	assert_int_equal(vmfs_input(m, pid, NULL, 0, 0), 0);          /* opened, empty */
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_INPUT);
	assert_int_equal(st.state, 'T');
	assert_string_equal(output(m, pid, 1), "");
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);             /* again: the same */
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_INPUT);
	assert_int_equal(vmfs_input(m, pid, "abc", 3, 0), 3);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_INPUT);
	assert_string_equal(output(m, pid, 1), "abc");
	assert_int_equal(vmfs_input(m, pid, "def", 3, 0), 3);
	assert_int_equal(vmfs_input(m, pid, NULL, 0, VMFS_INPUT_EOF), 0);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_EXIT);
	assert_int_equal(st.state, 'Z');
	assert_string_equal(output(m, pid, 1), "abcdef");
	assert_string_equal(output(m, pid, 2), "eof after 2 reads 6 bytes\n");
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/*
 * 300,000 bytes, more than the pipe holds: vmfs_input takes what fits
 * (-EAGAIN when full, nothing taken), the caller runs the program between;
 * every byte comes out in order.
 */
static void test_large(void **state)
{
	enum { BIG = 300000 };
	vmfs *m = open_machine("mem=16M");
	struct vmfs_cpu_status st;
	int pid = load(m, NULL), fulls = 0;
	char *in = malloc(BIG), *out = malloc(BIG + 1);
	size_t given = 0;

	(void)state;
	for (size_t i = 0; i < BIG; i++)
		in[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	while (given < BIG) {
		ssize_t n = vmfs_input(m, pid, in + given, BIG - given, 0);

		if (n == -EAGAIN) {
			fulls++;
			assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
			assert_int_equal(st.stop_why, VMFS_CPU_STOP_INPUT);
			continue;
		}
		assert_true(n > 0 && n <= 65536);
		given += (size_t)n;
	}
	assert_true(fulls >= 4);
	assert_int_equal(vmfs_input(m, pid, NULL, 0, VMFS_INPUT_EOF), 0);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	assert_int_equal(vmfs_output(m, pid, 1, 0, out, BIG + 1), BIG);
	assert_memory_equal(out, in, BIG);
	free(in);
	free(out);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

struct runner {
	vmfs                  *m;
	int                    pid, rc;
	unsigned               flags;
	struct vmfs_cpu_status st;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->rc = vmfs_run(r->m, r->pid, 0, r->flags, &r->st);
	return NULL;
}

/* Wait until @pid's state is @state (at most 20 s). */
static void wait_state(vmfs *m, int pid, char state)
{
	struct vmfs_cpu_status st;

	for (int i = 0; i < 20000; i++) {
		assert_int_equal(vmfs_cpu_status(m, pid, &st), 0);
		if (st.state == state)
			return;
		usleep(1000);
	}
	fail_msg("process %d never reached state %c (%c)", pid, state, st.state);
}

/*
 * VMFS_RUN_WAIT: the run waits while its program sleeps on the input ('S',
 * the lock let go: the other calls get in), another thread's vmfs_input
 * wakes it; EOF ends it.  A second waiting run is ended by vmfs_stop
 * (VMFS_CPU_STOP_STOP).
 */
static void test_run_wait(void **state)
{
	vmfs *m = open_machine("mem=16M");
	struct runner r = { .m = m, .flags = VMFS_RUN_WAIT };
	pthread_t t;

	(void)state;
	r.pid = load(m, NULL);
	assert_int_equal(vmfs_input(m, r.pid, NULL, 0, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
	wait_state(m, r.pid, 'S');
	assert_int_equal(vmfs_run(m, r.pid, 0, 0, NULL), -EBUSY);   /* one run at a time */
	assert_int_equal(vmfs_input(m, r.pid, "one\n", 4, 0), 4);
	for (int i = 0; i < 20000 && strcmp(output(m, r.pid, 1), "one\n"); i++)
		usleep(1000);
	assert_string_equal(output(m, r.pid, 1), "one\n");
	wait_state(m, r.pid, 'S');                                  /* sleeps again */
	assert_int_equal(vmfs_input(m, r.pid, "two\n", 4, VMFS_INPUT_EOF), 4);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.st.state, 'Z');
	assert_int_equal(r.st.stop_why, VMFS_CPU_STOP_EXIT);
	assert_string_equal(output(m, r.pid, 1), "one\ntwo\n");
	assert_int_equal(vmfs_exit(m, r.pid), 0);

	r.pid = load(m, NULL);                                      /* stopped while it waits */
	assert_int_equal(vmfs_input(m, r.pid, NULL, 0, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, run_thread, &r), 0);
	wait_state(m, r.pid, 'S');
	assert_int_equal(vmfs_stop(m, r.pid), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.st.state, 'T');
	assert_int_equal(r.st.stop_why, VMFS_CPU_STOP_STOP);
	assert_int_equal(vmfs_input(m, r.pid, "z", 1, VMFS_INPUT_EOF), 1);   /* then run on */
	assert_int_equal(vmfs_run(m, r.pid, 0, 0, &r.st), 0);
	assert_int_equal(r.st.state, 'Z');
	assert_string_equal(output(m, r.pid, 1), "z");
	assert_int_equal(vmfs_exit(m, r.pid), 0);
	vmfs_close(m);
}

/* The PID after @pid (its forked child), or 0. */
static int child_of(vmfs *m, int pid)
{
	int pids[16], n = vmfs_pids(m, pids, 16);

	for (int i = 0; i < n; i++)
		if (pids[i] > pid)
			return pids[i];
	return 0;
}

/*
 * A forked child reads the input of the process the program was loaded
 * in (fd 0 inherited); the input is given to that process, not the child.
 */
static void test_fork(void **state)
{
	vmfs *m = open_machine("mem=16M");
	struct vmfs_cpu_status st;
	int pid = load(m, "fork"), child;

	(void)state;
	assert_int_equal(vmfs_input(m, pid, "from ", 5, 0), 5);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);           /* the child sleeps on it */
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_INPUT);
	assert_true((child = child_of(m, pid)) > 0);
	assert_int_equal(vmfs_cpu_status(m, child, &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(vmfs_input(m, child, "x", 1, 0), -EINVAL);  /* its parent's input */
	assert_int_equal(vmfs_input(m, pid, "outside\n", 8, VMFS_INPUT_EOF), 8);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 0);
	assert_string_equal(output(m, pid, 1), "from outside\n");
	assert_string_equal(output(m, pid, 2), "eof after 2 reads 13 bytes\nchild status 0\n");
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

/* The errors, each clear and changing nothing. */
static void test_errors(void **state)
{
	vmfs *m = open_machine("mem=16M");
	struct vmfs_cpu_status st;
	int pid = load(m, NULL), bare = spawn(m, "bare"), closer = load(m, "close");
	char link[64];

	(void)state;
	assert_int_equal(vmfs_input(m, 9999, "x", 1, 0), -ESRCH);
	assert_int_equal(vmfs_input(m, bare, "x", 1, 0), -EINVAL);   /* no program */
	assert_non_null(strstr(vmfs_errmsg(), "no program"));
	assert_int_equal(vmfs_input(m, pid, "x", 1, 0x10), -EINVAL);
	assert_non_null(strstr(vmfs_errmsg(), "unknown flags"));
	assert_int_equal(vmfs_input(m, pid, NULL, 1, 0), -EINVAL);
	assert_int_equal(vmfs_input(NULL, pid, "x", 1, 0), -EINVAL);
	assert_int_equal(vmfs_fd_link(m, pid, 0, link, sizeof(link)), 9);
	assert_string_equal(link, "/dev/null");                      /* still never opened */

	assert_int_equal(vmfs_input(m, pid, NULL, 0, 0), 0);
	{   /* full: -EAGAIN, nothing taken */
		static char fill[65536 + 10];

		assert_int_equal(vmfs_input(m, pid, fill, sizeof(fill), 0), 65536);
		assert_int_equal(vmfs_input(m, pid, fill, 10, 0), -EAGAIN);
		assert_int_equal(vmfs_input(m, pid, fill, 10, VMFS_INPUT_EOF), -EAGAIN);
		assert_int_equal(vmfs_input(m, pid, NULL, 0, 0), 0);     /* nothing to take: 0 */
	}
	assert_int_equal(vmfs_input(m, pid, NULL, 0, VMFS_INPUT_EOF), 0);
	assert_int_equal(vmfs_run(m, pid, 0, 0, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_string_equal(output(m, pid, 2), "eof after 16 reads 65536 bytes\n");

	/* no reader left: its fd 0 closed (the process alive) */
	assert_int_equal(vmfs_run(m, closer, 2000000, 0, &st), 0);
	assert_int_equal(st.stop_why, VMFS_CPU_STOP_LIMIT);
	assert_string_equal(output(m, closer, 1), "closed\n");
	assert_int_equal(vmfs_input(m, closer, "x", 1, 0), -EPIPE);
	assert_non_null(strstr(vmfs_errmsg(), "no fd reads"));
	assert_int_equal(vmfs_exit(m, closer), 0);
	assert_int_equal(vmfs_exit(m, pid), 0);
	vmfs_close(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_before_run),
		cmocka_unit_test(test_during_run),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_run_wait),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_errors),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_stdin STDIN_PROGRAM\n");
		return 2;
	}
	if (!(prog = realpath(argv[1], NULL))) {   /* exec resolves under root=/ */
		perror(argv[1]);
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * execve.c - a test program for execve from a running program
 * (tests/test_cpu.c), built static.  It makes execve with bad arguments
 * (each must fail and leave it running: EFAULT for a bad path, argv
 * vector or string, ENOENT, E2BIG for a string over MAX_ARG_STRLEN),
 * then forks a child that execs /usr/bin/echo (a dynamic program of the
 * host) with arguments of its own, waits for it, and finally execs the
 * program named by its first argument itself with "from-exec" as its
 * argument (argv[0] is "second").  First, getcwd: "/" (ERANGE for a
 * buffer of 1 byte).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long rc)
{
	printf("%s %ld %d\n", what, rc, rc < 0 ? errno : 0);
}

int main(int argc, char **argv)
{
	char *bad_argv[] = { "x", (char *)16, NULL };
	char *echo_argv[] = { "echo", "from", "exec", NULL };
	char *self_argv[] = { "second", "from-exec", NULL };
	char *env[] = { "A=1", NULL };
	char *big;
	int st;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "from-exec") == 0) {
		printf("second: %s %s %s\n", argv[0], argv[1], getenv("A") ? getenv("A") : "-");
		return 5;
	}
	{
		char cwd[8];

		show("getcwd-small", syscall(SYS_getcwd, cwd, 1));
		show("getcwd", syscall(SYS_getcwd, cwd, sizeof(cwd)));
		printf("cwd %s\n", cwd);
	}
	show("path-bad", syscall(SYS_execve, (char *)16, echo_argv, env));
	show("argv-bad", syscall(SYS_execve, "/usr/bin/echo", (char **)16, env));
	show("string-bad", syscall(SYS_execve, "/usr/bin/echo", bad_argv, env));
	show("noent", syscall(SYS_execve, "/nonexistent", echo_argv, env));
	big = malloc(33 * 4096);
	memset(big, 'a', 33 * 4096 - 1);
	big[33 * 4096 - 1] = 0;
	echo_argv[1] = big;
	show("e2big", syscall(SYS_execve, "/usr/bin/echo", echo_argv, env));
	echo_argv[1] = "from";
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execve("/usr/bin/echo", echo_argv, env);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	printf("child exited %d %d\n", WIFEXITED(st), WEXITSTATUS(st));
	fflush(stdout);
	execve(argv[0], self_argv, env);
	return 98;
}

/*
 * fork.c - a test program for the CPU's processes (tests/test_cpu.c),
 * built static.  It writes two pages of its data, forks (glibc's fork:
 * clone with SIGCHLD and CLONE_CHILD_SETTID/CLEARTID), and the child
 * writes the second page again (a COW fault from real code), checks that
 * fork returned 0 and getppid is its parent, prints and exits with 7.
 * The parent: wait4 with WNOHANG first (0: the child has not run), then
 * waitpid, which sleeps until the child is a zombie, and prints the
 * status as the W* macros decode it, then wait again (ECHILD).
 * With the argument "keep" the parent does not wait: it spins long
 * enough for the child to run, prints the two pages' addresses and exits,
 * so that both address spaces can be compared (run with VMFS_RUN_KEEP).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char pages[3][4096] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	int keep = argc > 1 && strcmp(argv[1], "keep") == 0;
	pid_t me = getpid(), pid;
	int st = -1;

	strcpy(pages[0], "shared page");
	strcpy(pages[1], "parent's page");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("fork failed %d\n", errno);
		return 1;
	}
	if (pid == 0) {
		strcpy(pages[1], "child's page");
		printf("child: ppid ok %d, pages %s / %s\n", getppid() == me, pages[0], pages[1]);
		fflush(stdout);
		_exit(7);
	}
	if (keep) {
		for (volatile long i = 0; i < 2000000; i++)
			;
		printf("shared %lx\nwritten %lx\nchild %d\n", (unsigned long)pages[0],
		       (unsigned long)pages[1], (int)pid);
		return 0;
	}
	printf("nohang %d\n", (int)waitpid(pid, &st, WNOHANG));
	if (waitpid(pid, &st, 0) != pid) {
		printf("wait failed %d\n", errno);
		return 1;
	}
	printf("parent: exited %d status %d signaled %d, page %s\n", WIFEXITED(st),
	       WEXITSTATUS(st), WIFSIGNALED(st), pages[1]);
	pid = wait(&st);
	printf("again %d %d\n", (int)pid, errno);
	return 0;
}

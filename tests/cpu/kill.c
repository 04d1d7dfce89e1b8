/*
 * kill.c - a test program for kill between the machine's processes
 * (tests/test_cpu.c), built static.  A forked child spins; the parent
 * kills it with SIGTERM and waits (WIFSIGNALED, WTERMSIG 15), then the
 * calls that change nothing: kill of the reaped PID (ESRCH), a bad signal
 * (EINVAL), signal 0 and SIGCHLD to itself (0); last it kills itself with
 * SIGKILL, so its wait status is 9.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long rc)
{
	printf("%s %ld %d\n", what, rc, rc < 0 ? errno : 0);
}

int main(void)
{
	pid_t pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		for (volatile unsigned long i = 0;; i++)
			;
	show("kill-term", kill(pid, SIGTERM));
	show("wait", waitpid(pid, &st, 0) == pid);
	printf("signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
	show("kill-reaped", kill(pid, SIGTERM));
	show("kill-bad-sig", kill(getpid(), 65));
	show("kill-0", kill(getpid(), 0));
	show("kill-chld", kill(getpid(), SIGCHLD));
	fflush(stdout);
	kill(getpid(), SIGKILL);
	printf("not reached\n");
	return 0;
}

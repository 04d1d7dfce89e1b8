/*
 * hoststop.c - a host program stopped at its entry point (see hoststop.h):
 * fork, personality(ADDR_NO_RANDOMIZE), PTRACE_TRACEME, execve, and the
 * parent's waitpid for the exec's SIGTRAP.
 *
 * What stays true: the child does nothing between fork and execve but the
 * two calls and, when they fail, _exit with a status the parent reads
 * (77: no ptrace, 127: no exec); the parent never returns with a child
 * alive that it did not hand to the caller.
 */
#include "hoststop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

pid_t host_exec_stop(const char *path, char *const argv[], char *const envp[],
		     char *err, size_t errlen)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		personality(ADDR_NO_RANDOMIZE);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(77);
		execve(path, argv, envp ? envp : environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		snprintf(err, errlen, "waitpid: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if (WIFEXITED(status)) {
		snprintf(err, errlen, "the child exited %d (77: no ptrace; 127: no exec of %s)",
			 WEXITSTATUS(status), path);
		return WEXITSTATUS(status) == 77 ? HOST_STOP_NOPTRACE : -1;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		snprintf(err, errlen, "the child did not stop at its exec of %s", path);
		host_stop_kill(pid);
		return -1;
	}
	return pid;
}

void host_stop_kill(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

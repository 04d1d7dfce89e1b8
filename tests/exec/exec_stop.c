/*
 * exec_stop.c - run a host program stopped at its entry point and print
 * one of its /proc/PID files: what the machine's exec is compared with.
 *
 * Usage: exec_stop FILE PATH [ARG...]   (FILE: maps, auxv, stat, status...)
 * fork; the child turns address-space randomisation off
 * (personality(ADDR_NO_RANDOMIZE), as setarch -R), asks to be traced
 * (PTRACE_TRACEME) and execs PATH with ARGs; the parent waits for the stop
 * at the exec (before any instruction of the program or its interpreter
 * has run), copies /proc/PID/FILE to standard output, and kills the child.  Exit status 0, 77 when ptrace is
 * not allowed here (the test is skipped), 1 on any other failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64], buf[65536];
	int status, fd;
	ssize_t n;
	pid_t pid;

	if (argc < 3 || !argv[1][0] || strspn(argv[1], "abcdefghijklmnopqrstuvwxyz_") != strlen(argv[1])) {
		fprintf(stderr, "usage: exec_stop FILE PATH [ARG...]\n");
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		personality(ADDR_NO_RANDOMIZE);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(77);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return perror("waitpid"), 1;
	if (WIFEXITED(status)) {
		fprintf(stderr, "exec_stop: child exited %d (77: no ptrace; 127: no exec)\n",
			WEXITSTATUS(status));
		return WEXITSTATUS(status) == 77 ? 77 : 1;
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		fprintf(stderr, "exec_stop: child did not stop at its exec\n");
		kill(pid, SIGKILL);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		kill(pid, SIGKILL);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			break;
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

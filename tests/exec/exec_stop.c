/*
 * exec_stop.c - run a host program stopped at its entry point and print
 * one of its /proc/PID files: what the machine's exec is compared with.
 *
 * Usage: exec_stop FILE PATH [ARG...]   (FILE: maps, auxv, stat, status...)
 * host_exec_stop (tools/hoststop.c, which vmfs-bench's exec figure shares)
 * forks a child that turns address-space randomisation off (as setarch
 * -R), asks to be traced and execs PATH with ARGs in this environment, and
 * waits for the stop at the exec (before any instruction of the program or
 * its interpreter has run); this copies /proc/PID/FILE to standard output
 * and kills the child.  Exit status 0, 77 when ptrace is not allowed here
 * (the test is skipped), 1 on any other failure.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hoststop.h"

int main(int argc, char **argv)
{
	char path[64], buf[65536], err[256];
	ssize_t n;
	pid_t pid;
	int fd;

	if (argc < 3 || !argv[1][0] || strspn(argv[1], "abcdefghijklmnopqrstuvwxyz_") != strlen(argv[1])) {
		fprintf(stderr, "usage: exec_stop FILE PATH [ARG...]\n");
		return 1;
	}
	pid = host_exec_stop(argv[2], argv + 2, NULL, err, sizeof(err));
	if (pid < 0) {
		fprintf(stderr, "exec_stop: %s\n", err);
		return pid == HOST_STOP_NOPTRACE ? 77 : 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		host_stop_kill(pid);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			break;
	close(fd);
	host_stop_kill(pid);
	return 0;
}

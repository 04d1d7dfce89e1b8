/*
 * slice.c - a test program for the CPU's time slices (tests/test_cpu.c,
 * tests/fuse/test_cpu.sh), built static.  It forks; then the parent
 * writes 'P' and the child 'C', one byte per write(2), N times each (N
 * the first argument, default 4000), and the parent waits for the child.
 * Both write to the same stdout, so the output is the schedule itself:
 * each run of one letter is one time slice of that process (the same
 * instructions per byte in both), and its length follows slice=N.
 * With a second argument "orphan" the parent exits at once after the
 * fork, leaving its child writing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void writer(char c, long n)
{
	for (long i = 0; i < n; i++)
		if (write(1, &c, 1) != 1)
			_exit(2);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4000;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		writer('C', n);
		_exit(0);
	}
	if (argc > 2 && strcmp(argv[2], "orphan") == 0)
		return 0;
	writer('P', n);
	if (waitpid(pid, NULL, 0) != pid)
		return 1;
	return 0;
}

/*
 * stdin.c - a test program for the standard input given from outside
 * (vmfs_input; tests/test_stdin.c), built static.  With no argument: cat,
 * copying fd 0 to fd 1 in reads of up to 4096 bytes until end of file,
 * then "eof after N reads M bytes" on fd 2.  "fork": a child does the same
 * (fd 0 inherited), the parent waits for it and prints "child status S" on
 * fd 2.  "close": closes fd 0, prints "closed", then spins (so that the
 * input has no reader left while the process lives).
 * Each line printed says what was seen; the tests compare them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[4096];

static int cat(void)
{
	long reads = 0, bytes = 0;
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0) {
		reads++;
		bytes += n;
		for (ssize_t off = 0; off < n; ) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));

			if (w <= 0)
				return 2;
			off += w;
		}
	}
	fprintf(stderr, "eof after %ld reads %ld bytes%s\n", reads, bytes, n < 0 ? " (error)" : "");
	return n < 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		int status = -1;
		pid_t pid = fork();

		if (pid == 0)
			_exit(cat());
		waitpid(pid, &status, 0);
		fprintf(stderr, "child status %d\n", status);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "close")) {
		close(0);
		printf("closed\n");
		fflush(stdout);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	return cat();
}

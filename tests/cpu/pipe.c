/*
 * pipe.c - a test program for the CPU's files and pipes (tests/test_cpu.c,
 * tests/fuse/test_cpu.sh), built static.  With no argument: the calls'
 * answers on a pipe (fstat, lseek, FIONREAD, O_NONBLOCK, pipe2's flags,
 * dup, dup2, dup3, fcntl), then a pipe between parent and child: the
 * child writes 100,000 bytes in one write (more than the pipe's 64 KiB, so
 * it sleeps until the parent reads), then makes the pipe its stdout with
 * dup2 and prints a line; the parent reads everything until EOF (the
 * child's exit closes the last writer) and checks every byte; then
 * close-on-exec: an fd from pipe2(O_CLOEXEC) is closed by execve, a plain
 * one stays (the program execs itself with "exec-check").  Other modes:
 * "sigpipe" (a write of 0 bytes to a pipe with no reader is 0; a child
 * writes a byte to it: killed by SIGPIPE, which the parent reports; the
 * parent's own writes with SIGPIPE ignored, then with a handler, are only
 * EPIPE; then, SIGPIPE back to its default, the parent is killed too), "deadlock"
 * (a read of a pipe whose only writer is the reader itself), "hold" (an
 * open file at offset 5 and a close-on-exec pipe, "ready", then a spin,
 * for PID/fd/ and PID/fdinfo/).
 * Each line printed says what was seen; the tests compare them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG 100000

static char buf[BIG];

static void show(const char *what, long rc)
{
	printf("%s %ld %d\n", what, rc, rc < 0 ? errno : 0);
}

/* The calls on a pipe, each answer printed. */
static void calls(void)
{
	struct stat s0, s1;
	int p[2], q[2], n = -1, d;

	show("pipe", pipe(p));
	fstat(p[0], &s0);
	fstat(p[1], &s1);
	printf("fifo %d %d blksize %ld same-ino %d\n", S_ISFIFO(s0.st_mode), S_ISFIFO(s1.st_mode),
	       (long)s0.st_blksize, s0.st_ino == s1.st_ino);
	show("lseek", lseek(p[0], 0, SEEK_CUR));
	show("write-read-end", write(p[0], "x", 1));
	show("read-write-end", read(p[1], buf, 1));
	show("write", write(p[1], "abc", 3));
	ioctl(p[0], FIONREAD, &n);
	printf("fionread %d\n", n);
	show("read", read(p[0], buf, sizeof(buf)));
	show("setfl", fcntl(p[0], F_SETFL, O_NONBLOCK));
	printf("getfl-nonblock %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
	show("read-empty-nonblock", read(p[0], buf, 1));
	show("pipe2-bad-flags", syscall(SYS_pipe2, q, O_APPEND));
	show("pipe2-bad-ptr", syscall(SYS_pipe2, (void *)16, 0));
	show("pipe2", pipe2(q, O_CLOEXEC | O_NONBLOCK));
	printf("cloexec %d %d\n", fcntl(q[0], F_GETFD), fcntl(q[1], F_GETFD));
	d = fcntl(p[1], F_DUPFD_CLOEXEC, 20);
	printf("dupfd-cloexec %d %d\n", d, fcntl(d, F_GETFD));
	show("dup3-same", dup3(d, d, 0));
	show("dup3-bad-flags", dup3(d, 30, O_APPEND));
	show("dup2-same", dup2(d, d));
	show("dup2-bad", dup2(42, 30));
	show("dup2", dup2(d, 30));
	printf("dup2-cloexec %d\n", fcntl(30, F_GETFD));
	/* a dup shares the open file: what one writes the other end reads */
	write(30, "via-dup", 7);
	n = (int)read(p[0], buf, sizeof(buf));
	printf("via-dup %.*s\n", n > 0 ? n : 0, buf);
	show("close", close(30));
	show("close-again", close(30));
	show("write-closed", write(30, "x", 1));
	/* O_NONBLOCK write to a full pipe: what fits, then EAGAIN */
	show("fill", write(q[1], buf, BIG));
	show("full-nonblock", write(q[1], buf, 1));
	close(q[0]);
	close(q[1]);
	close(d);
	close(p[0]);
	close(p[1]);
	/* a dfd is an int: AT_FDCWD zero-extended (as a 32-bit mov leaves it) is AT_FDCWD */
	d = (int)syscall(SYS_openat, 0xffffff9cul, "usr", O_RDONLY | O_DIRECTORY);
	printf("openat-dfd32 %d\n", d);
	show("fstatat-dfd32", syscall(SYS_newfstatat, 0xffffff9cul, "usr", &s0, 0));
	close(d);
}

/* Parent and child through a pipe: a big write that sleeps, dup2 onto 1, EOF. */
static void parent_child(void)
{
	int p[2], st = -1;
	long total = 0, n, bad = 0;
	pid_t pid;

	if (pipe(p) < 0)
		exit(1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < BIG; i++)
			buf[i] = (char)(i * 7 + i / 251);
		printf("child wrote %ld\n", (long)write(p[1], buf, BIG));
		fflush(stdout);
		dup2(p[1], 1);
		close(p[1]);
		printf("child's line through the pipe\n");
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	memset(buf, 0, sizeof(buf));
	while (total < BIG && (n = read(p[0], buf + total, (size_t)(BIG - total))) > 0)
		total += n;
	for (int i = 0; i < BIG; i++)
		bad += buf[i] != (char)(i * 7 + i / 251);
	printf("parent read %ld bad %ld\n", total, bad);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("parent got: %s", buf);
	printf("eof %ld\n", (long)read(p[0], buf, 1));
	waitpid(pid, &st, 0);
	printf("child status %d\n", st);
	close(p[0]);
}

/* Close-on-exec: exec this program again, which checks the two fds. */
static void cloexec(const char *self)
{
	int a[2], b[2];
	char fa[16], fb[16];

	pipe2(a, O_CLOEXEC);
	pipe(b);
	snprintf(fa, sizeof(fa), "%d", a[0]);
	snprintf(fb, sizeof(fb), "%d", b[0]);
	fflush(stdout);
	execl(self, self, "exec-check", fa, fb, (char *)NULL);
	printf("execl failed %d\n", errno);
}

static void on_sigpipe(int sig)
{
	(void)sig;
}

static void sigpipe(void)
{
	int p[2], st = -1;
	pid_t pid;

	pipe(p);
	close(p[0]);
	show("null-write", write(p[1], "", 0));        /* 0 bytes: no reader needed */
	fflush(stdout);
	if ((pid = fork()) == 0) {
		write(p[1], "x", 1);
		_exit(0);                       /* not reached: SIGPIPE */
	}
	waitpid(pid, &st, 0);
	printf("child signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
	/* ignored, then with a handler (which does not run): EPIPE only */
	signal(SIGPIPE, SIG_IGN);
	show("ignored", write(p[1], "x", 1));
	printf("was-ignored %d\n", signal(SIGPIPE, on_sigpipe) == SIG_IGN);
	show("handled", write(p[1], "x", 1));
	signal(SIGPIPE, SIG_DFL);
	printf("parent writes\n");
	fflush(stdout);
	write(p[1], "x", 1);
	printf("not reached\n");
}

int main(int argc, char **argv)
{
	char self[256];
	long n;

	if (argc > 1 && strcmp(argv[1], "exec-check") == 0 && argc == 4) {
		printf("after exec: cloexec fd %s", fcntl(atoi(argv[2]), F_GETFD) < 0 ? "closed" : "open");
		printf(", plain fd %s\n", fcntl(atoi(argv[3]), F_GETFD) < 0 ? "closed" : "open");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "sigpipe") == 0) {
		sigpipe();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
		int p[2];

		pipe(p);
		printf("reading\n");
		fflush(stdout);
		return (int)read(p[0], buf, 1);
	}
	if (argc > 1 && strcmp(argv[1], "hold") == 0) {
		int p[2], fd = open(argv[0], O_RDONLY);

		lseek(fd, 5, SEEK_SET);                /* fdinfo's pos */
		pipe2(p, O_CLOEXEC);                   /* fdinfo's flags */
		printf("ready %d %d %d\n", fd, p[0], p[1]);
		fflush(stdout);
		for (;;)
			;
	}
	calls();
	parent_child();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	cloexec(self);
	return 1;
}

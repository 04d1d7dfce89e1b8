/*
 * sys.c - a test program for the CPU (tests/test_cpu.c), built static: it
 * makes system calls with bad arguments and prints what each returned
 * (the machine must answer EFAULT, EBADF, ENOSYS... and change nothing),
 * then the good ones' results: getpid, readlink of /proc/self/exe, uname,
 * clock_gettime, getrandom.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long rc)
{
	printf("%s %ld %d\n", what, rc, rc < 0 ? errno : 0);
}

int main(void)
{
	char buf[256];
	struct utsname u;
	struct timespec t;
	long n;

	show("write-bad-ptr", syscall(SYS_write, 1, (void *)16, 10));
	show("write-kernel-ptr", syscall(SYS_write, 1, (void *)0xffff800000000000ul, 10));
	show("write-bad-fd", syscall(SYS_write, 7, "x", 1));
	show("uname-bad", syscall(SYS_uname, (void *)16));
	show("getrandom-bad", syscall(SYS_getrandom, (void *)16, 8, 0));
	show("nosys-999", syscall(999));
	show("nosys-999-again", syscall(999));
	show("brk-query-ok", syscall(SYS_brk, 0) > 0);
	printf("pid %ld\n", (long)getpid());
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("exe %s\n", buf);
	uname(&u);
	printf("uname %s %s\n", u.sysname, u.machine);
	printf("clock %d\n", clock_gettime(CLOCK_MONOTONIC, &t) == 0 && t.tv_sec >= 0);
	printf("getrandom %ld\n", (long)getrandom(buf, 32, 0));
	return 0;
}

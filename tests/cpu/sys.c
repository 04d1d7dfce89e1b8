/*
 * sys.c - a test program for the CPU (tests/test_cpu.c), built static: it
 * makes system calls with bad arguments and prints what each returned
 * (the machine must answer EFAULT, EBADF, ENOSYS... and change nothing),
 * then the good ones' results: getpid, readlink of /proc/self/exe, uname,
 * clock_gettime, getrandom; then files: its own program file (from
 * /proc/self/exe) opened, read, pread, lseek'd, fstat'ed and mapped, each
 * showing the ELF magic, and the refusals (EROFS, EFAULT, EBADF, ENOENT).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <stdint.h>
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

	/* files */
	{
		char exe[256], b4[4] = { 0 };
		struct stat st;
		int fd;
		char *map;

		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = 0;
		show("open-wronly", syscall(SYS_openat, AT_FDCWD, exe, O_WRONLY));
		show("open-creat", syscall(SYS_openat, AT_FDCWD, "/tmp/vmfs-cpu-new", O_RDONLY | O_CREAT, 0600));
		show("open-bad-ptr", syscall(SYS_openat, AT_FDCWD, (void *)16, O_RDONLY));
		show("open-missing", syscall(SYS_openat, AT_FDCWD, "/no/such/file", O_RDONLY));
		show("read-bad-fd", syscall(SYS_read, 42, buf, 4));
		fd = open(exe, O_RDONLY);
		printf("open %d\n", fd);
		show("read-bad-buf", syscall(SYS_read, fd, (void *)16, 4));
		printf("read %ld %.3s\n", (long)read(fd, b4, 4), b4 + 1);
		printf("lseek %ld\n", (long)lseek(fd, 1, SEEK_SET));
		printf("read-after-lseek %ld %.3s\n", (long)read(fd, b4, 3), b4);
		printf("pread %ld %.3s\n", (long)pread(fd, b4, 3, 1), b4);
		n = fstat(fd, &st);   /* before reading st: printf's arguments have no order */
		printf("fstat %ld %d\n", n, S_ISREG(st.st_mode) && st.st_size > 4096);
		map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		printf("mmap %.3s\n", map == MAP_FAILED ? "bad" : map + 1);
		show("mmap-shared-write", (long)(intptr_t)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == -1 ? -1 : 0);
		show("write-to-file", syscall(SYS_write, fd, "x", 1));
		printf("close %d\n", close(fd));
		show("close-again", syscall(SYS_close, fd));
	}
	return 0;
}

/*
 * shmap.c - a test program for file mappings shared between processes
 * (tests/test_sched.c, tests/fuse/test_sched.sh), built static.
 * `shmap FILE` maps FILE (a host file, opened read-only) MAP_SHARED with
 * PROT_READ, and tries MAP_SHARED with PROT_WRITE too (EACCES, as for a
 * file opened read-only); it prints the mapping's address and a checksum
 * of its bytes, forks, and the child reads the whole mapping again and
 * prints its checksum; the parent spins long enough for the child to run
 * and exits without waiting, so that with VMFS_RUN_KEEP both address
 * spaces stay to compare (the same frames: one page cache).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t sum(const volatile unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
	void *w;
	const volatile unsigned char *p;
	pid_t pid;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
		printf("cannot open\n");
		return 1;
	}
	w = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("shared-write %d %d\n", w == MAP_FAILED ? -1 : 0, w == MAP_FAILED ? errno : 0);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("mmap failed %d\n", errno);
		return 1;
	}
	printf("map %p size %lld sum %08x\n", (void *)p, (long long)st.st_size,
	       sum(p, (size_t)st.st_size));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		printf("child sum %08x\n", sum(p, (size_t)st.st_size));
		fflush(stdout);
		_exit(0);
	}
	for (volatile long i = 0; i < 3000000; i++)
		;
	printf("child %d\n", (int)pid);
	return 0;
}

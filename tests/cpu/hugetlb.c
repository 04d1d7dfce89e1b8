/*
 * hugetlb.c - a test program for MAP_HUGETLB made by a program on the CPU
 * (tests/test_hugetlb.c), built static.  It maps 2 MiB of private
 * anonymous memory with MAP_HUGETLB, writes its first and last bytes and
 * prints where it is and what it reads back, tries to unmap 4 KiB of it
 * (EINVAL: a huge page is never split) and unmaps it all; when the mmap
 * fails it prints the errno (ENOMEM with no pool) and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

int main(void)
{
	size_t len = 2u << 20;
	volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED) {
		printf("mmap failed %d\n", errno);
		return 1;
	}
	p[0] = 1;
	p[len - 1] = 2;
	printf("map %p %d %d\n", (void *)p, p[0], p[len - 1]);
	printf("munmap4k %d\n", munmap((void *)p, 4096) ? errno : 0);
	printf("munmap %d\n", munmap((void *)p, len) ? errno : 0);
	return 0;
}

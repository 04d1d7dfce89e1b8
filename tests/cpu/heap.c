/*
 * heap.c - a test program for the CPU (tests/test_cpu.c), built static: it
 * grows its heap with malloc (brk, below glibc's mmap threshold) and with
 * an anonymous mmap, writes a marker into each, prints their addresses on
 * stdout and a line on stderr, and exits with status 3.  The test reads
 * the markers back through the machine (vmfs_read, as PID/mem does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	char *h = malloc(100000);
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!h || p == MAP_FAILED)
		return 1;
	memset(h, 'h', 100000);
	strcpy(h + 50000, "vmfs-heap-marker");
	strcpy(p + 4096, "vmfs-mmap-marker");
	if (mprotect(p, 4096, PROT_READ) != 0)
		return 2;
	printf("heap %p\nmmap %p\n", (void *)(h + 50000), (void *)(p + 4096));
	fprintf(stderr, "to stderr\n");
	return 3;
}

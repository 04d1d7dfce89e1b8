/*
 * touch.c - a test program for swap and the OOM killer under a real
 * program (tests/test_sched.c, tests/fuse/test_sched.sh), built static.
 * `touch MIB [hold]` maps MIB MiB of private anonymous memory, writes a
 * pattern to every 8-byte word (each word's value depends on its offset,
 * so a page swapped back in at the wrong place or with stale bytes shows),
 * then reads every word back twice, and prints "ok PAGES" or the first bad
 * offset ("bad OFFSET") and exits 1.  With "hold" it prints "touched
 * PAGES" once the memory is written and then spins forever, holding it
 * (the OOM killer's victim in the tests).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t pattern(uint64_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ull ^ (i >> 9);
}

int main(int argc, char **argv)
{
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 4, words = mib << 17;
	int hold = argc > 2 && strcmp(argv[2], "hold") == 0;
	volatile uint64_t *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("mmap failed\n");
		return 1;
	}
	for (uint64_t i = 0; i < words; i++)
		p[i] = pattern(i);
	if (hold) {
		printf("touched %llu\n", (unsigned long long)(mib << 8));
		fflush(stdout);
		for (;;)
			p[0] = p[0];
	}
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t i = 0; i < words; i++)
			if (p[i] != pattern(i)) {
				printf("bad %llu\n", (unsigned long long)(i * 8));
				return 1;
			}
	printf("ok %llu\n", (unsigned long long)(mib << 8));
	return 0;
}

/*
 * segv.c - a test program for the CPU (tests/test_cpu.c), built static:
 * it prints a line, then stores to a read-only page of its own (a string
 * literal in .rodata), which the machine refuses: SIGSEGV.
 */
#include <stdio.h>

int main(void)
{
	static const char ro[] = "read-only";
	volatile char *p = (volatile char *)ro;

	printf("before\n");
	fflush(stdout);
	p[0] = 'R';
	printf("after\n");
	return 0;
}

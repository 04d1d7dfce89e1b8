/*
 * segv.c - a test program for the CPU (tests/test_cpu.c), built static:
 * it prints a line, then stores to a read-only page of its own (a string
 * literal in .rodata), which the machine refuses: SIGSEGV.  With the
 * argument "jump" it calls address 0x1000 instead, where nothing is
 * mapped: an instruction fetch's SIGSEGV, with the ip in no mapping.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char ro[] = "read-only";
	volatile char *p = (volatile char *)ro;

	printf("before\n");
	fflush(stdout);
	if (argc > 1 && strcmp(argv[1], "jump") == 0) {
		void (*volatile nowhere)(void) = (void (*)(void))0x1000;

		nowhere();
	}
	p[0] = 'R';
	printf("after\n");
	return 0;
}

/*
 * spin.c - a test program for the CPU (tests/test_cpu.c), built static: it
 * counts in a global forever, so the tests can step it, stop it from
 * another thread and read the counter through the machine.  Its address
 * is printed first.
 */
#include <stdio.h>
#include <unistd.h>

volatile unsigned long counter;

int main(void)
{
	printf("counter %p\n", (void *)&counter);
	fflush(stdout);
	for (;;)
		counter++;
}

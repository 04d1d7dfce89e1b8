/* hello.c - a program the exec tests build static and static-PIE. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}

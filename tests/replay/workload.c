/*
 * workload.c - a small real program for the replay tests to trace with
 * valgrind --tool=lackey --trace-mem=yes.
 *
 * It gives the trace what /bin/true lacks: a data working set of about a
 * hundred pages, written and read back, so that a machine of a few dozen
 * frames must evict dirty pages (swap-outs) and read them back (swap-ins,
 * major faults), with phases of different locality (a sequential sweep, a
 * hot set with random cold misses, a strided pass) so that the policies
 * disagree.  The output is a checksum, so the compiler cannot drop the
 * work; the random numbers come from a fixed-seed LCG, so every run traces
 * the same data references.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE   4096
#define PAGES  96

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

int main(void)
{
	unsigned char *buf = calloc(PAGES, PAGE);
	uint32_t seed = 12345, sum = 0;

	if (!buf)
		return 1;
	/* a sequential sweep that dirties every page */
	for (size_t p = 0; p < PAGES; p++)
		for (size_t off = 0; off < PAGE; off += 512)
			buf[p * PAGE + off] = (unsigned char)(p + off);
	/* a hot set of 12 pages, with a cold page one time in eight */
	for (int i = 0; i < 6000; i++) {
		uint32_t r = lcg(&seed);
		size_t p = (r & 7) ? r % 12 : 12 + r % (PAGES - 12);

		if (r & 0x100)
			buf[p * PAGE + (r >> 12) % PAGE] ^= (unsigned char)i;
		else
			sum += buf[p * PAGE + (r >> 12) % PAGE];
	}
	/* a strided pass, reading, twice */
	for (int k = 0; k < 2; k++)
		for (size_t p = 0; p < PAGES; p += 3)
			sum += buf[p * PAGE + 64];
	printf("%u\n", sum);
	free(buf);
	return 0;
}

/*
 * splitmix.h - the tests' random numbers: splitmix64 (Steele, Lea & Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014).  One
 * 64-bit state, advanced by each call, so that every run is reproduced by
 * its seed; the tests, fuzz drivers and campaign tools all draw from this
 * one definition.
 */
#ifndef VMFS_TESTS_SPLITMIX_H
#define VMFS_TESTS_SPLITMIX_H

#include <stdint.h>

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number below @n (any number when @n is 0). */
static inline uint64_t splitmix64_below(uint64_t *state, uint64_t n)
{
	uint64_t z = splitmix64(state);

	return n ? z % n : z;
}

#endif

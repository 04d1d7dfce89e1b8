/*
 * test_mrc.c - replay_mrc.c's curves against plain simulations, size by
 * size (suite 'replay', test replay-mrc-unit).
 *
 * For seeded random traces of several shapes (uniform, skewed, loops,
 * scans of pages used once, pages far apart, page numbers near the top of
 * the 52-bit range), at every size from 1 to 64 and then every twentieth
 * or so up to one more than the distinct pages (each size costs the plain
 * simulations O(n x size)): lru_mrc's misses must be those of a plain LRU list, and opt_mrc's
 * those of a plain Belady's MIN (evict the resident page whose next use is
 * furthest); opt_mrc again with a depth smaller than the pages, where the
 * sizes up to that depth must still be exact and the curve must say where
 * it stops knowing.  The shell tests compare the same curves with the
 * machine's replays; this one tries many more sizes and traces, and lru's
 * compaction (its first renumbering comes after 2047 references) many
 * times over.  Exit 0 when all agree, 1 at the first disagreement (said).
 */
#include "replay_mrc.h"
#include "replay_opt.h"
#include "../splitmix.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 20000

static uint64_t trace[MAXN], next_use[MAXN];

/*
 * next_use[i]: the index of the next reference to trace[i]'s page, or
 * OPT_NEVER (backwards, with the tool's map); returns the distinct pages.
 */
static size_t future(size_t n)
{
	struct u64map m;
	size_t pages;

	if (map_init(&m, 64) < 0)
		exit(1);
	for (size_t i = n; i-- > 0;) {
		bool added;
		uint64_t *v = map_put(&m, trace[i], i, &added);

		if (!v)
			exit(1);
		next_use[i] = added ? OPT_NEVER : *v;
		*v = i;
	}
	pages = (size_t)m.n;
	map_free(&m);
	return pages;
}

/* Where @page is among the @used resident pages @res, or @used. */
static size_t resident(const uint64_t *res, size_t used, uint64_t page)
{
	size_t k;

	for (k = 0; k < used && res[k] != page; k++)
		;
	return k;
}

/* Misses of LRU with @c frames: the resident pages in order of last use. */
static uint64_t lru_sim(size_t n, size_t c, uint64_t *res)
{
	size_t used = 0;
	uint64_t misses = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = resident(res, used, trace[i]);

		if (k == used) {
			misses++;
			used += used < c;
			k = used - 1;      /* the least recent falls off the end */
		}
		memmove(res + 1, res, k * sizeof(*res));
		res[0] = trace[i];
	}
	return misses;
}

/* Misses of Belady's MIN with @c frames. */
static uint64_t opt_sim(size_t n, size_t c, uint64_t *res, uint64_t *nu)
{
	size_t used = 0;
	uint64_t misses = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = resident(res, used, trace[i]);

		if (k == used) {
			misses++;
			if (used < c) {
				used++;
			} else {
				k = 0;
				for (size_t j = 1; j < used; j++)
					if (nu[j] > nu[k])
						k = j;
			}
			res[k] = trace[i];
		}
		nu[k] = next_use[i];
	}
	return misses;
}

static int check(const char *name, size_t n)
{
	uint64_t *res = malloc((n + 1) * sizeof(*res)), *nu = malloc((n + 1) * sizeof(*nu));
	size_t pages = future(n), small = pages / 3 + 1;
	struct lru_mrc l;
	struct opt_mrc o, os;
	size_t sizes[256], nsizes = 0;
	int rc = 0;

	if (!res || !nu || lru_mrc_init(&l) < 0 || opt_mrc_init(&o, pages, n) < 0 ||
	    opt_mrc_init(&os, small, n) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		if (lru_mrc_ref(&l, trace[i]) < 0) {
			fprintf(stderr, "%s: lru_mrc_ref failed\n", name);
			exit(1);
		}
		opt_mrc_ref(&o, i, next_use[i]);
		opt_mrc_ref(&os, i, next_use[i]);
	}
	lru_mrc_done(&l);
	opt_mrc_done(&o);
	opt_mrc_done(&os);
	/* 1 to 64, then about 5 % apart, and the depth and the page count themselves. */
	for (size_t c = 1; c <= pages + 1; c += c < 64 ? 1 : c / 20)
		sizes[nsizes++] = c;
	sizes[nsizes++] = small;
	sizes[nsizes++] = pages;
	sizes[nsizes++] = pages + 1;
	for (size_t k = 0; k < nsizes && !rc; k++) {
		size_t c = sizes[k];
		uint64_t lru = lru_sim(n, c, res), opt = opt_sim(n, c, res, nu);

		if (mrc_misses(&l.curve, c) != lru) {
			printf("FAIL: %s: lru at %zu frames: %llu misses, the simulation %llu\n", name, c,
			       (unsigned long long)mrc_misses(&l.curve, c), (unsigned long long)lru);
			rc = 1;
		}
		if (mrc_limit(&o.curve) != UINT64_MAX || mrc_misses(&o.curve, c) != opt) {
			printf("FAIL: %s: opt at %zu frames: %llu misses (limit %llu), the simulation %llu\n",
			       name, c, (unsigned long long)mrc_misses(&o.curve, c),
			       (unsigned long long)mrc_limit(&o.curve), (unsigned long long)opt);
			rc = 1;
		}
		if ((c <= small || mrc_limit(&os.curve) == UINT64_MAX) && mrc_misses(&os.curve, c) != opt) {
			printf("FAIL: %s: opt %zu deep, at %zu frames: %llu misses, the simulation %llu\n",
			       name, small, c, (unsigned long long)mrc_misses(&os.curve, c),
			       (unsigned long long)opt);
			rc = 1;
		}
	}
	/* Deeper than @small, the shallow curve knows nothing unless no live page fell off. */
	if (!rc && mrc_limit(&os.curve) != UINT64_MAX && mrc_limit(&os.curve) != small) {
		printf("FAIL: %s: opt %zu deep says it knows up to %llu\n", name, small,
		       (unsigned long long)mrc_limit(&os.curve));
		rc = 1;
	}
	if (!rc && (l.curve.refs != n || o.curve.refs != n || l.curve.cold != pages)) {
		printf("FAIL: %s: %llu and %llu references, %llu first ones, for %zu and %zu\n", name,
		       (unsigned long long)l.curve.refs, (unsigned long long)o.curve.refs,
		       (unsigned long long)l.curve.cold, n, pages);
		rc = 1;
	}
	if (!rc)
		printf("ok: %s: %zu references, %zu pages: lru and opt up to %zu frames, opt %zu deep "
		       "(known to %s)\n", name, n, pages, pages + 1, small,
		       mrc_limit(&os.curve) == UINT64_MAX ? "every size" : "that depth");
	mrc_free(&l.curve);
	mrc_free(&o.curve);
	mrc_free(&os.curve);
	free(res);
	free(nu);
	return rc;
}

int main(void)
{
	static const char *const shapes[] = { "uniform", "skewed", "loop", "scan", "sparse", "high",
					      "phases" };
	int rc = 0;

	for (unsigned seed = 1; seed <= 2; seed++)
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
			uint64_t st = seed * 1000 + k;
			size_t n = 2000 + (size_t)(splitmix64(&st) % 2000), pages = 20 + splitmix64(&st) % 300;
			char name[64];

			for (size_t i = 0; i < n; i++) {
				uint64_t r = splitmix64(&st), p;

				switch (k) {
				case 0: p = r % pages; break;
				case 1: p = (r % pages) * (r % pages) / pages; break;            /* skewed low */
				case 2: p = r % 10 ? i % (pages / 2 + 1) : r % pages; break;     /* a loop, noise */
				case 3: p = r % 8 ? r % 40 : 1000 + i; break;                    /* used once */
				case 4: p = (r % pages) * 977; break;                            /* far apart */
				case 5: p = REF_VPN_MAX - r % pages * 65; break;                 /* the top */
				default: p = (i / 500) * 30 + r % 60; break;                     /* moving set */
				}
				trace[i] = p;
			}
			snprintf(name, sizeof(name), "%s, seed %u", shapes[k], seed);
			rc |= check(name, n);
		}
	/* lru's renumbering (its slots run out after 2047 references), many times. */
	{
		uint64_t st = 99;

		for (size_t i = 0; i < MAXN; i++)
			trace[i] = splitmix64(&st) % 1200 * 3;
		rc |= check("1200 pages, 20000 references", MAXN);
	}
	if (!rc)
		printf("all curves agree with the simulations\n");
	return rc;
}

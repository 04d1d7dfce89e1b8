/*
 * test_u64map.c - unit tests of src/u64map.c, the open-addressing hash map
 * with linear probing and backward-shift deletion.
 *
 * The module's .c is included so that the tests can reach home(), the slot a
 * key hashes to: with it they build collision runs that wrap around the end
 * of the table on purpose, and check the module's invariant directly (every
 * used slot is reached from its home by a run of used slots, no key twice,
 * the load stays at or under 70%).  Covered: put/get/del and replace, keys 0
 * and UINT64_MAX, growth to 100,000 entries, iteration visiting each key
 * exactly once, and a model test: thousands of random puts and deletes per
 * seed over a dense key set (many collisions) and a sparse one, compared
 * after every operation with a plain array.  A mismatch prints the seed and
 * the operation number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/u64map.c"

/* ---- helpers --------------------------------------------------------------- */

/* xorshift64*: deterministic, so a seed replays exactly. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* The structural invariant of the table, checked slot by slot. */
static void check_invariant(const struct u64map *h)
{
	size_t used = 0;

	if (!h->cap) {
		assert_int_equal(h->count, 0);
		assert_null(h->slots);
		return;
	}
	assert_int_equal(h->cap & (h->cap - 1), 0);
	assert_true(h->count * 10 <= h->cap * 7);
	for (size_t i = 0; i < h->cap; i++) {
		if (!h->slots[i].used)
			continue;
		used++;
		/* The run from home to i is unbroken, and the key is not in it twice. */
		for (size_t j = home(h->slots[i].key, h->cap); j != i; j = (j + 1) & (h->cap - 1)) {
			assert_true(h->slots[j].used);
			assert_true(h->slots[j].key != h->slots[i].key);
		}
	}
	assert_int_equal(used, h->count);
}

/* Iterate the whole map; each key of keys[0..n) must be seen exactly as present[] says. */
static void check_iteration(const struct u64map *h, const uint64_t *keys, const uint64_t *vals,
			    const bool *present, size_t n)
{
	unsigned char *seen = calloc(n, 1);
	size_t it = 0, visits = 0;
	uint64_t k, v;

	assert_non_null(seen);
	while (u64map_next(h, &it, &k, &v)) {
		size_t i;

		for (i = 0; i < n && keys[i] != k; i++)
			;
		assert_true(i < n);            /* no key the model lacks */
		assert_true(present[i]);
		assert_int_equal(seen[i], 0);  /* visited once */
		assert_int_equal(v, vals[i]);
		seen[i] = 1;
		visits++;
	}
	assert_false(u64map_next(h, &it, &k, &v));   /* stays done */
	assert_int_equal(visits, h->count);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], present[i]);
	free(seen);
}

/* ---- basics ---------------------------------------------------------------- */

static void test_empty(void **state)
{
	struct u64map h;
	size_t it = 0;
	uint64_t k, v;

	(void)state;
	u64map_init(&h);
	assert_null(u64map_get(&h, 0));
	assert_null(u64map_get(&h, 42));
	assert_false(u64map_del(&h, 0));
	assert_false(u64map_next(&h, &it, &k, &v));
	check_invariant(&h);
	u64map_free(&h);
	u64map_free(&h);                   /* freeing twice is harmless */
	check_invariant(&h);
}

static void test_put_get_del_replace(void **state)
{
	struct u64map h;
	uint64_t *v;

	(void)state;
	u64map_init(&h);
	assert_int_equal(u64map_put(&h, 7, 70), 0);
	assert_int_equal(u64map_put(&h, 0, 1), 0);
	assert_int_equal(u64map_put(&h, UINT64_MAX, 2), 0);
	assert_int_equal(h.count, 3);
	v = u64map_get(&h, 7);
	assert_non_null(v);
	assert_int_equal(*v, 70);
	assert_int_equal(*u64map_get(&h, 0), 1);
	assert_int_equal(*u64map_get(&h, UINT64_MAX), 2);
	assert_null(u64map_get(&h, 8));

	/* Replace keeps one entry; the pointer writes through. */
	assert_int_equal(u64map_put(&h, 7, 71), 0);
	assert_int_equal(h.count, 3);
	assert_int_equal(*u64map_get(&h, 7), 71);
	*u64map_get(&h, 7) = 72;
	assert_int_equal(*u64map_get(&h, 7), 72);

	assert_true(u64map_del(&h, 7));
	assert_false(u64map_del(&h, 7));
	assert_null(u64map_get(&h, 7));
	assert_int_equal(h.count, 2);
	assert_true(u64map_del(&h, 0));
	assert_true(u64map_del(&h, UINT64_MAX));
	assert_int_equal(h.count, 0);
	check_invariant(&h);
	/* Reusable after emptying. */
	assert_int_equal(u64map_put(&h, 7, 3), 0);
	assert_int_equal(*u64map_get(&h, 7), 3);
	u64map_free(&h);
}

static void test_growth(void **state)
{
	enum { COUNT = 100000 };
	struct u64map h;
	size_t cap_seen = 0;

	(void)state;
	u64map_init(&h);
	for (uint64_t i = 0; i < COUNT; i++) {
		assert_int_equal(u64map_put(&h, i * 0x9e3779b97f4a7c15ull, ~i), 0);
		if (h.cap != cap_seen) {
			/* Doubles, from 16, and never above 70% load. */
			assert_true(cap_seen == 0 ? h.cap == 16 : h.cap == 2 * cap_seen);
			cap_seen = h.cap;
		}
		assert_true(h.count * 10 <= h.cap * 7);
	}
	assert_int_equal(h.count, COUNT);
	check_invariant(&h);
	for (uint64_t i = 0; i < COUNT; i++) {
		uint64_t *v = u64map_get(&h, i * 0x9e3779b97f4a7c15ull);

		assert_non_null(v);
		assert_int_equal(*v, ~i);
	}
	/* Delete the odd ones, the rest stays reachable. */
	for (uint64_t i = 1; i < COUNT; i += 2)
		assert_true(u64map_del(&h, i * 0x9e3779b97f4a7c15ull));
	assert_int_equal(h.count, COUNT / 2);
	check_invariant(&h);
	for (uint64_t i = 0; i < COUNT; i++) {
		uint64_t *v = u64map_get(&h, i * 0x9e3779b97f4a7c15ull);

		if (i & 1)
			assert_null(v);
		else
			assert_int_equal(*v, ~i);
	}
	u64map_free(&h);
}

/*
 * Collision runs that wrap past the last slot: keys whose home is the last
 * two slots of a 16-slot table, deleted in every order.  This is where the
 * cyclic test of backward-shift deletion earns its keep.
 */
static void test_wrapping_runs(void **state)
{
	enum { NK = 8 };
	/* Homes in a 16-slot table: the runs start at 14 and 15 and wrap to 0, 1. */
	static const size_t want_home[NK] = { 14, 15, 15, 14, 0, 15, 1, 14 };
	uint64_t keys[NK];
	int n = 0;

	(void)state;
	for (int i = 0; i < NK; i++) {
		uint64_t k = (uint64_t)i << 40;

		while (home(k, 16) != want_home[i])
			k++;
		keys[n++] = k;
	}
	for (int first = 0; first < NK; first++) {
		for (int step = 1; step < NK; step += 2) {
			struct u64map h;
			bool present[NK];
			uint64_t vals[NK];

			u64map_init(&h);
			for (int i = 0; i < NK; i++) {
				vals[i] = keys[i] ^ 0xabc;
				present[i] = true;
				assert_int_equal(u64map_put(&h, keys[i], vals[i]), 0);
			}
			assert_int_equal(h.cap, 16);   /* 8 of 16: no growth yet */
			check_invariant(&h);
			/* Delete in the order first, first+step, ... (all of them, mod NK). */
			for (int d = 0; d < NK; d++) {
				int victim = (first + d * step) % NK;

				assert_true(u64map_del(&h, keys[victim]));
				present[victim] = false;
				check_invariant(&h);
				for (int i = 0; i < NK; i++) {
					uint64_t *v = u64map_get(&h, keys[i]);

					if (present[i]) {
						assert_non_null(v);
						assert_int_equal(*v, vals[i]);
					} else {
						assert_null(v);
					}
				}
				check_iteration(&h, keys, vals, present, NK);
			}
			u64map_free(&h);
		}
	}
}

static void test_iteration_each_once(void **state)
{
	enum { NK = 5000 };
	uint64_t *keys = malloc(NK * sizeof(*keys)), *vals = malloc(NK * sizeof(*vals));
	bool *present = malloc(NK * sizeof(*present));
	struct u64map h;

	(void)state;
	assert_non_null(keys);
	assert_non_null(vals);
	assert_non_null(present);
	u64map_init(&h);
	for (size_t i = 0; i < NK; i++) {
		keys[i] = i * 3 + 1;
		vals[i] = i;
		present[i] = true;
		assert_int_equal(u64map_put(&h, keys[i], vals[i]), 0);
	}
	check_iteration(&h, keys, vals, present, NK);
	for (size_t i = 0; i < NK; i += 3) {
		assert_true(u64map_del(&h, keys[i]));
		present[i] = false;
	}
	check_iteration(&h, keys, vals, present, NK);
	u64map_free(&h);
	free(keys);
	free(vals);
	free(present);
}

/* ---- the model test ---------------------------------------------------------- */

#define MODEL_KEYS 600

static bool seen_before(const uint64_t *keys, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (keys[j] == keys[i])
			return true;
	return false;
}

/* Fail with the seed and operation when the map and the model disagree. */
#define MODEL_CHECK(cond, seed, op, what)                                                  \
	do {                                                                                \
		if (!(cond)) {                                                              \
			print_error("u64map model: seed %llu, op %d: %s\n",                \
				    (unsigned long long)(seed), (op), (what));              \
			fail();                                                             \
		}                                                                           \
	} while (0)

/*
 * @ops random operations over a universe of MODEL_KEYS keys; @dense picks
 * keys 0..MODEL_KEYS-1 (they hash apart but crowd a small table), otherwise
 * random 64-bit keys.  Deletes are as likely as puts, so the table keeps
 * shrinking and refilling runs.
 */
static void run_model(uint64_t seed, int ops, bool dense)
{
	uint64_t keys[MODEL_KEYS], vals[MODEL_KEYS], s = seed;
	bool present[MODEL_KEYS] = { false };
	size_t count = 0;
	struct u64map h;

	for (size_t i = 0; i < MODEL_KEYS; i++) {
		keys[i] = dense ? i : rnd(&s);
		while (seen_before(keys, i))
			keys[i] = rnd(&s);
	}
	u64map_init(&h);
	for (int op = 0; op < ops; op++) {
		uint64_t r = rnd(&s);
		/* A key from a small window that drifts, so runs both grow and empty. */
		size_t i = (size_t)((r >> 8) % 64 + (uint64_t)(op / 97) * 7) % MODEL_KEYS;

		if (r % 100 < 52) {
			uint64_t v = rnd(&s);

			MODEL_CHECK(u64map_put(&h, keys[i], v) == 0, seed, op, "put failed");
			count += !present[i];
			present[i] = true;
			vals[i] = v;
		} else {
			bool was = u64map_del(&h, keys[i]);

			MODEL_CHECK(was == present[i], seed, op, "del disagrees");
			count -= present[i];
			present[i] = false;
		}
		MODEL_CHECK(h.count == count, seed, op, "count disagrees");
		/* Every key of the window, after every operation. */
		for (size_t w = 0; w < 64 + 7; w++) {
			size_t j = ((size_t)((uint64_t)(op / 97) * 7) + w) % MODEL_KEYS;
			const uint64_t *v = u64map_get(&h, keys[j]);

			MODEL_CHECK(present[j] ? v && *v == vals[j] : !v, seed, op, "get disagrees");
		}
		if (op % 500 == 499) {
			for (size_t j = 0; j < MODEL_KEYS; j++) {
				const uint64_t *v = u64map_get(&h, keys[j]);

				MODEL_CHECK(present[j] ? v && *v == vals[j] : !v, seed, op,
					    "get disagrees (full sweep)");
			}
			check_invariant(&h);
			check_iteration(&h, keys, vals, present, MODEL_KEYS);
		}
	}
	check_invariant(&h);
	check_iteration(&h, keys, vals, present, MODEL_KEYS);
	u64map_free(&h);
}

static void test_model_dense(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_model(seed, 20000, true);
}

static void test_model_sparse(void **state)
{
	(void)state;
	for (uint64_t seed = 101; seed <= 106; seed++)
		run_model(seed, 20000, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_put_get_del_replace),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_wrapping_runs),
		cmocka_unit_test(test_iteration_each_once),
		cmocka_unit_test(test_model_dense),
		cmocka_unit_test(test_model_sparse),
	};

	return cmocka_run_group_tests_name("u64map", tests, NULL, NULL);
}

/*
 * test_vma.c - unit tests of src/vma.c, a process's mapping tree: an
 * address-ordered list plus a treap augmented with the largest free gap.
 *
 * The tree is driven directly with bare struct vma nodes, no machine.  A
 * model test runs thousands of random operations per seed - vma_link,
 * vma_unlink, growing and shrinking nodes in place followed by vma_changed,
 * vma_find, vma_find_after, vma_range_free and vma_place_topdown - against a
 * sorted array, and after every operation checks the whole structure: the
 * list and the treap hold the model's nodes in order, the treap is a heap by
 * priority, every max_gap is exact, and top-down placement returns exactly
 * the highest gap that fits above MMAP_MIN_ADDR, as a brute-force scan of the
 * model finds it.  A mismatch prints the seed and the operation number.
 * Deterministic tests pin the MMAP_MIN_ADDR floor and -ENOMEM; a last test
 * places 100,000 mappings top-down (the worst insertion order for a plain
 * BST), punches holes and checks placement into them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vma.h"

#define PG 4096ull

/* ---- the model: the same nodes in a sorted array ---------------------------------- */

struct model {
	struct vma **v;
	size_t       n, cap;
	uint64_t     top;
};

static void model_init(struct model *md, size_t cap, uint64_t top)
{
	md->v = calloc(cap, sizeof(*md->v));
	assert_non_null(md->v);
	md->n = 0;
	md->cap = cap;
	md->top = top;
}

static void model_free(struct model *md)
{
	for (size_t i = 0; i < md->n; i++)
		free(md->v[i]);
	free(md->v);
}

/* Index of the first node ending above @addr (md->n if none). */
static size_t model_after(const struct model *md, uint64_t addr)
{
	size_t lo = 0, hi = md->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (md->v[mid]->end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool model_free_range(const struct model *md, uint64_t start, uint64_t end)
{
	size_t i = model_after(md, start);

	return i == md->n || md->v[i]->start >= end;
}

static uint64_t prev_end(const struct model *md, size_t i)
{
	return i ? md->v[i - 1]->end : 0;
}

/* The gap below node i as vma.h defines it (clamped at MMAP_MIN_ADDR). */
static uint64_t model_gap(const struct model *md, size_t i)
{
	uint64_t lo = prev_end(md, i);

	if (lo < MMAP_MIN_ADDR)
		lo = MMAP_MIN_ADDR;
	return md->v[i]->start > lo ? md->v[i]->start - lo : 0;
}

/* Brute force: the highest gap holding @len, scanning from the top down. */
static int model_place(const struct model *md, uint64_t len, uint64_t *addr)
{
	uint64_t hi = md->top;

	for (size_t i = md->n + 1; i-- > 0;) {
		uint64_t lo = prev_end(md, i);

		if (lo < MMAP_MIN_ADDR)
			lo = MMAP_MIN_ADDR;
		if (hi > lo && hi - lo >= len) {
			*addr = hi - len;
			return 0;
		}
		if (i)
			hi = md->v[i - 1]->start;
	}
	return -ENOMEM;
}

static struct vma *new_vma(uint64_t start, uint64_t end)
{
	struct vma *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->start = start;
	v->end = end;
	return v;
}

/* Link a new node [start, end) into both the tree and the model. */
static struct vma *add(struct vma_tree *t, struct model *md, uint64_t start, uint64_t end)
{
	struct vma *v = new_vma(start, end);
	size_t i = model_after(md, start);

	assert_true(md->n < md->cap);
	memmove(&md->v[i + 1], &md->v[i], (md->n - i) * sizeof(*md->v));
	md->v[i] = v;
	md->n++;
	vma_link(t, v);
	return v;
}

static void del(struct vma_tree *t, struct model *md, size_t i)
{
	struct vma *v = md->v[i];

	vma_unlink(t, v);
	memmove(&md->v[i], &md->v[i + 1], (md->n - i - 1) * sizeof(*md->v));
	md->n--;
	free(v);
}

/* ---- structure checks ------------------------------------------------------------- */

struct checker {
	const struct model *md;
	size_t              pos;    /* in-order position */
	bool                ok;
	const char         *why;
};

static void bad(struct checker *c, const char *why)
{
	if (c->ok) {
		c->ok = false;
		c->why = why;
	}
}

/* In-order walk: nodes in model order, heap by prio, exact max_gap. */
static uint64_t check_node(struct checker *c, const struct vma *n)
{
	uint64_t g, lg = 0, rg = 0;
	size_t i;

	if (!n)
		return 0;
	if (n->left && n->left->prio > n->prio)
		bad(c, "treap heap order broken (left)");
	if (n->right && n->right->prio > n->prio)
		bad(c, "treap heap order broken (right)");
	lg = check_node(c, n->left);
	i = c->pos++;
	if (i >= c->md->n || c->md->v[i] != n)
		bad(c, "treap in-order differs from the model");
	rg = check_node(c, n->right);
	g = i < c->md->n ? model_gap(c->md, i) : 0;
	if (lg > g)
		g = lg;
	if (rg > g)
		g = rg;
	if (n->max_gap != g)
		bad(c, "max_gap is not exact");
	return g;
}

/* Everything the tree promises, or a reason why not. */
static const char *tree_problem(const struct vma_tree *t, const struct model *md)
{
	struct checker c = { .md = md, .ok = true };
	const struct vma *v = t->first, *prev = NULL;

	if (t->count != md->n)
		return "count differs";
	for (size_t i = 0; i < md->n; i++, prev = v, v = v->next) {
		if (v != md->v[i])
			return "list differs from the model";
		if (v->prev != prev)
			return "prev pointer wrong";
	}
	if (v)
		return "list longer than the model";
	if (t->last != (md->n ? md->v[md->n - 1] : NULL))
		return "last wrong";
	check_node(&c, t->root);
	if (c.ok && c.pos != md->n)
		return "treap holds a different number of nodes";
	return c.ok ? NULL : c.why;
}

#define MODEL_CHECK(cond, seed, op, what)                                                  \
	do {                                                                                \
		if (!(cond)) {                                                              \
			print_error("vma model: seed %llu, op %d: %s\n",                   \
				    (unsigned long long)(seed), (op), (what));              \
			fail();                                                             \
		}                                                                           \
	} while (0)

static void check_place(const struct vma_tree *t, const struct model *md, uint64_t len,
			uint64_t seed, int op)
{
	uint64_t a = 0xbad, b = 0xbad;
	int ra = vma_place_topdown(t, len, &a), rb = model_place(md, len, &b);

	if (ra != rb || (ra == 0 && a != b))
		print_error("place(%#llx): tree %d %#llx, brute force %d %#llx\n",
			    (unsigned long long)len, ra, (unsigned long long)a, rb,
			    (unsigned long long)b);
	MODEL_CHECK(ra == rb && (ra < 0 || a == b), seed, op, "vma_place_topdown disagrees");
}

/* xorshift64*: deterministic, so a seed replays exactly. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* ---- deterministic tests -------------------------------------------------------- */

static void test_empty_tree(void **state)
{
	struct vma_tree t;
	uint64_t a = 0;

	(void)state;
	vma_tree_init(&t, 1ull << 47);
	assert_null(t.root);
	assert_null(t.first);
	assert_int_equal(t.count, 0);
	assert_null(vma_find(&t, 0x400000));
	assert_null(vma_find_after(&t, 0));
	assert_true(vma_range_free(&t, 0, 1ull << 47));
	assert_int_equal(vma_place_topdown(&t, PG, &a), 0);
	assert_int_equal(a, (1ull << 47) - PG);
	/* All of it down to MMAP_MIN_ADDR fits; a page more does not. */
	assert_int_equal(vma_place_topdown(&t, (1ull << 47) - MMAP_MIN_ADDR, &a), 0);
	assert_int_equal(a, MMAP_MIN_ADDR);
	assert_int_equal(vma_place_topdown(&t, (1ull << 47) - MMAP_MIN_ADDR + PG, &a), -ENOMEM);
}

static void test_find_and_neighbours(void **state)
{
	struct vma_tree t;
	struct model md;
	struct vma *a, *b, *c;

	(void)state;
	vma_tree_init(&t, 1ull << 30);
	model_init(&md, 8, 1ull << 30);
	b = add(&t, &md, 0x200000, 0x300000);
	a = add(&t, &md, 0x100000, 0x180000);
	c = add(&t, &md, 0x300000, 0x310000);   /* adjacent to b */
	assert_null(tree_problem(&t, &md));
	assert_ptr_equal(t.first, a);
	assert_ptr_equal(t.last, c);
	assert_ptr_equal(a->next, b);
	assert_ptr_equal(c->prev, b);
	assert_null(vma_find(&t, 0xfffff));
	assert_ptr_equal(vma_find(&t, 0x100000), a);
	assert_ptr_equal(vma_find(&t, 0x17ffff), a);
	assert_null(vma_find(&t, 0x180000));
	assert_ptr_equal(vma_find_after(&t, 0x180000), b);
	assert_ptr_equal(vma_find(&t, 0x2fffff), b);
	assert_ptr_equal(vma_find(&t, 0x300000), c);
	assert_null(vma_find_after(&t, 0x310000));
	assert_true(vma_range_free(&t, 0x180000, 0x200000));
	assert_false(vma_range_free(&t, 0x180000, 0x200001));
	assert_false(vma_range_free(&t, 0x17ffff, 0x180000));
	assert_true(vma_range_free(&t, 0x310000, 1ull << 30));
	del(&t, &md, 1);
	assert_null(tree_problem(&t, &md));
	assert_ptr_equal(a->next, c);
	assert_ptr_equal(c->prev, a);
	assert_true(vma_range_free(&t, 0x180000, 0x300000));
	model_free(&md);
}

/* Placement never goes below MMAP_MIN_ADDR, even into a gap that starts lower. */
static void test_place_floor(void **state)
{
	struct vma_tree t;
	struct model md;
	uint64_t a;

	(void)state;
	vma_tree_init(&t, 0x100000);
	model_init(&md, 8, 0x100000);
	add(&t, &md, 0x2000, 0x4000);                     /* below the floor */
	add(&t, &md, MMAP_MIN_ADDR + 3 * PG, 0x100000);   /* the rest, but 3 pages */
	assert_null(tree_problem(&t, &md));
	/* The gap [0x4000, MIN + 3 pages) counts only from MIN: 3 pages. */
	assert_int_equal(vma_place_topdown(&t, 3 * PG, &a), 0);
	assert_int_equal(a, MMAP_MIN_ADDR);
	assert_int_equal(vma_place_topdown(&t, PG, &a), 0);
	assert_int_equal(a, MMAP_MIN_ADDR + 2 * PG);
	assert_int_equal(vma_place_topdown(&t, 4 * PG, &a), -ENOMEM);
	model_free(&md);
}

/* Moving an edge with vma_changed makes the gap visible to placement at once. */
static void test_changed_opens_gap(void **state)
{
	struct vma_tree t;
	struct model md;
	struct vma *v0, *v1, *v2;
	uint64_t a;

	(void)state;
	vma_tree_init(&t, 0x1000000);
	model_init(&md, 8, 0x1000000);
	/* Packed from MMAP_MIN_ADDR to the top: no room anywhere. */
	v0 = add(&t, &md, MMAP_MIN_ADDR, 0x400000);
	v1 = add(&t, &md, 0x400000, 0x800000);
	v2 = add(&t, &md, 0x800000, 0x1000000);
	assert_int_equal(vma_place_topdown(&t, PG, &a), -ENOMEM);

	v1->start = 0x600000;                 /* a 2 MiB gap below v1 */
	vma_changed(&t, v1);
	assert_null(tree_problem(&t, &md));
	assert_int_equal(vma_place_topdown(&t, PG, &a), 0);
	assert_int_equal(a, 0x600000 - PG);
	assert_int_equal(vma_place_topdown(&t, 0x200000, &a), 0);
	assert_int_equal(a, 0x400000);
	assert_int_equal(vma_place_topdown(&t, 0x200000 + PG, &a), -ENOMEM);

	v0->end = 0x300000;                   /* the same gap, 1 MiB larger, from below */
	vma_changed(&t, v0);
	assert_null(tree_problem(&t, &md));
	assert_int_equal(vma_place_topdown(&t, 0x300000, &a), 0);
	assert_int_equal(a, 0x300000);

	v1->start = 0x300000;                 /* closed again by growing v1 down */
	vma_changed(&t, v1);
	assert_null(tree_problem(&t, &md));
	assert_int_equal(vma_place_topdown(&t, PG, &a), -ENOMEM);

	v2->end = 0xf00000;                   /* room at the top: it wins */
	vma_changed(&t, v2);
	assert_null(tree_problem(&t, &md));
	assert_int_equal(vma_place_topdown(&t, PG, &a), 0);
	assert_int_equal(a, 0x1000000 - PG);
	assert_int_equal(vma_place_topdown(&t, 0x100000 + PG, &a), -ENOMEM);
	model_free(&md);
}

/* ---- the model test ----------------------------------------------------------------- */

#define MODEL_PAGES 4096ull                 /* the address space, in pages */
#define MODEL_TOP   (MODEL_PAGES * PG)

static void run_model(uint64_t seed, int ops)
{
	struct vma_tree t;
	struct model md;
	uint64_t s = seed;

	vma_tree_init(&t, MODEL_TOP);
	model_init(&md, MODEL_PAGES, MODEL_TOP);
	for (int op = 0; op < ops; op++) {
		uint64_t r = rnd(&s), kind = r % 100;
		const char *why;

		if (kind < 30) {
			/* Link at a random place, if it is free. */
			uint64_t start = rnd(&s) % MODEL_PAGES * PG;
			uint64_t len = (1 + rnd(&s) % (r & 0x100 ? 200 : 24)) * PG;

			if (start + len <= MODEL_TOP && model_free_range(&md, start, start + len)) {
				MODEL_CHECK(vma_range_free(&t, start, start + len), seed, op,
					    "range_free says busy");
				add(&t, &md, start, start + len);
			} else {
				MODEL_CHECK(!vma_range_free(&t, start, start + len) ||
					    start + len > MODEL_TOP, seed, op, "range_free says free");
			}
		} else if (kind < 45) {
			/* Place top-down and link there, as mmap does. */
			uint64_t len = (1 + rnd(&s) % (r & 0x100 ? 64 : 8)) * PG, a;

			check_place(&t, &md, len, seed, op);
			if (vma_place_topdown(&t, len, &a) == 0)
				add(&t, &md, a, a + len);
		} else if (kind < 70) {
			if (md.n)
				del(&t, &md, rnd(&s) % md.n);
		} else if (kind < 85) {
			/* Move one edge of a node, never past a neighbour, then vma_changed. */
			size_t i;
			struct vma *v;
			uint64_t lo, hi;

			if (!md.n)
				continue;
			i = rnd(&s) % md.n;
			v = md.v[i];
			if (r & 0x200) {
				lo = prev_end(&md, i);            /* new start in [lo, end) */
				v->start = lo + rnd(&s) % ((v->end - lo) / PG) * PG;
			} else {
				hi = i + 1 < md.n ? md.v[i + 1]->start : MODEL_TOP;
				v->end = v->start + (1 + rnd(&s) % ((hi - v->start) / PG)) * PG;
			}
			vma_changed(&t, v);
		} else {
			/* Queries at random addresses, some unaligned, some past the top. */
			uint64_t addr = rnd(&s) % (MODEL_TOP + 16 * PG) + (r & 0x400 ? rnd(&s) % PG : 0);
			uint64_t len = (1 + rnd(&s) % 64) * PG;
			size_t i = model_after(&md, addr);
			struct vma *want_after = i < md.n ? md.v[i] : NULL;
			struct vma *want = want_after && want_after->start <= addr ? want_after : NULL;

			MODEL_CHECK(vma_find_after(&t, addr) == want_after, seed, op,
				    "vma_find_after disagrees");
			MODEL_CHECK(vma_find(&t, addr) == want, seed, op, "vma_find disagrees");
			MODEL_CHECK(vma_range_free(&t, addr, addr + len) ==
				    model_free_range(&md, addr, addr + len), seed, op,
				    "vma_range_free disagrees");
		}
		why = tree_problem(&t, &md);
		MODEL_CHECK(!why, seed, op, why);
		check_place(&t, &md, PG, seed, op);
		check_place(&t, &md, (1 + rnd(&s) % 32) * PG, seed, op);
	}
	/* Every length once more at the end, the impossible ones included. */
	for (uint64_t len = PG; len <= MODEL_TOP; len += PG)
		check_place(&t, &md, len, seed, ops);
	model_free(&md);
}

static void test_model(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 8; seed++)
		run_model(seed, 5000);
}

/* ---- 100,000 mappings --------------------------------------------------------------- */

static void test_hundred_thousand_topdown(void **state)
{
	enum { COUNT = 100000 };
	const uint64_t top = 1ull << 47;
	struct vma_tree t;
	struct model md;
	struct vma **order = malloc(COUNT * sizeof(*order));
	uint64_t expect = top, s = 42;
	const char *why;

	(void)state;
	assert_non_null(order);
	vma_tree_init(&t, top);
	model_init(&md, COUNT, top);
	/* Packed from the top down: each lands just below the previous one. */
	for (int i = 0; i < COUNT; i++) {
		uint64_t len = (1 + (uint64_t)i % 7) * PG, a = 0;

		assert_int_equal(vma_place_topdown(&t, len, &a), 0);
		expect -= len;
		assert_int_equal(a, expect);
		order[i] = new_vma(a, a + len);
		vma_link(&t, order[i]);
	}
	for (int i = 0; i < COUNT; i++)
		md.v[i] = order[COUNT - 1 - i];
	md.n = COUNT;
	why = tree_problem(&t, &md);
	if (why)
		print_error("after 100000 placements: %s\n", why);
	assert_null(why);
	assert_ptr_equal(vma_find(&t, top - 1), order[0]);
	assert_ptr_equal(vma_find(&t, expect), order[COUNT - 1]);
	assert_null(vma_find(&t, expect - 1));

	/* Punch holes (every third mapping), then placement fills the highest that fits. */
	for (size_t i = md.n; i-- > 0;)
		if (i % 3 == 1)
			del(&t, &md, i);
	why = tree_problem(&t, &md);
	assert_null(why);
	for (int k = 0; k < 300; k++) {
		uint64_t len = (1 + rnd(&s) % 9) * PG, a;

		check_place(&t, &md, len, 42, k);
		if (vma_place_topdown(&t, len, &a) == 0)
			add(&t, &md, a, a + len);
	}
	why = tree_problem(&t, &md);
	assert_null(why);
	/* And they can all go. */
	while (md.n)
		del(&t, &md, md.n - 1);
	assert_null(t.root);
	assert_int_equal(t.count, 0);
	model_free(&md);
	free(order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_tree),
		cmocka_unit_test(test_find_and_neighbours),
		cmocka_unit_test(test_place_floor),
		cmocka_unit_test(test_changed_opens_gap),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_hundred_thousand_topdown),
	};

	return cmocka_run_group_tests_name("vma", tests, NULL, NULL);
}

/*
 * vma.c - the mapping tree: an address-ordered list plus a treap augmented
 * with the largest free gap (see vma.h for the invariants).
 *
 * Why a treap: it needs no rebalancing cases, only rotations on insert and
 * a merge on delete, and its expected height is logarithmic whatever the
 * order of insertion (top-down placement inserts in descending order, the
 * worst case of a plain BST).  Keys are start addresses; since mappings
 * never overlap, shrinking or growing a mapping in place keeps the BST order.
 * Also here, because they only look at a mapping and its neighbours: the
 * anon_vma tests of Linux's mm/mmap.c that the fault path (memory.c) and the
 * merge rules (mmap.c) share.
 */
#include "vma.h"
#include "phys.h"

#include <errno.h>
#include <stddef.h>

static inline uint64_t gap_of(const struct vma *v)
{
	uint64_t lo = v->prev ? v->prev->end : 0;

	if (lo < MMAP_MIN_ADDR)
		lo = MMAP_MIN_ADDR;
	return v->start > lo ? v->start - lo : 0;
}

static inline void aug(struct vma *v)
{
	uint64_t g = gap_of(v);

	if (v->left && v->left->max_gap > g)
		g = v->left->max_gap;
	if (v->right && v->right->max_gap > g)
		g = v->right->max_gap;
	v->max_gap = g;
}

static struct vma *rot_right(struct vma *n)
{
	struct vma *l = n->left;

	n->left = l->right;
	l->right = n;
	aug(n);
	aug(l);
	return l;
}

static struct vma *rot_left(struct vma *n)
{
	struct vma *r = n->right;

	n->right = r->left;
	r->left = n;
	aug(n);
	aug(r);
	return r;
}

static struct vma *t_insert(struct vma *root, struct vma *v)
{
	if (!root)
		return v;
	if (v->start < root->start) {
		root->left = t_insert(root->left, v);
		if (root->left->prio > root->prio)
			return rot_right(root);
	} else {
		root->right = t_insert(root->right, v);
		if (root->right->prio > root->prio)
			return rot_left(root);
	}
	aug(root);
	return root;
}

/* Join two treaps, every key of @a below every key of @b. */
static struct vma *t_merge(struct vma *a, struct vma *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->right = t_merge(a->right, b);
		aug(a);
		return a;
	}
	b->left = t_merge(a, b->left);
	aug(b);
	return b;
}

static struct vma *t_delete(struct vma *root, struct vma *v)
{
	if (root == v)
		return t_merge(v->left, v->right);
	if (v->start < root->start)
		root->left = t_delete(root->left, v);
	else
		root->right = t_delete(root->right, v);
	aug(root);
	return root;
}

/* Recompute max_gap on the path from the root to @v. */
static void t_refresh(struct vma *root, const struct vma *v)
{
	if (!root)
		return;
	if (root != v)
		t_refresh(v->start < root->start ? root->left : root->right, v);
	aug(root);
}

void vma_tree_init(struct vma_tree *t, uint64_t top)
{
	*t = (struct vma_tree){ .top = top, .mmap_base = top, .seed = 0x2545f491u };
}

struct vma *vma_find_after(const struct vma_tree *t, uint64_t addr)
{
	struct vma *n = t->root, *best = NULL;

	while (n) {
		if (n->end > addr) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct vma *vma_find(const struct vma_tree *t, uint64_t addr)
{
	struct vma *v = vma_find_after(t, addr);

	return v && v->start <= addr ? v : NULL;
}

bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find_after(t, start);

	return !v || v->start >= end;
}

static uint32_t next_prio(struct vma_tree *t)
{
	/* xorshift32: deterministic, so runs replay exactly. */
	t->seed ^= t->seed << 13;
	t->seed ^= t->seed >> 17;
	t->seed ^= t->seed << 5;
	return t->seed;
}

void vma_link(struct vma_tree *t, struct vma *v)
{
	struct vma *succ = vma_find_after(t, v->start);

	v->next = succ;
	v->prev = succ ? succ->prev : t->last;
	if (v->prev)
		v->prev->next = v;
	else
		t->first = v;
	if (succ)
		succ->prev = v;
	else
		t->last = v;
	v->left = v->right = NULL;
	v->prio = next_prio(t);
	aug(v);
	t->root = t_insert(t->root, v);
	if (succ)
		t_refresh(t->root, succ);
	t->count++;
}

void vma_unlink(struct vma_tree *t, struct vma *v)
{
	struct vma *succ = v->next;

	t->root = t_delete(t->root, v);
	if (v->prev)
		v->prev->next = v->next;
	else
		t->first = v->next;
	if (v->next)
		v->next->prev = v->prev;
	else
		t->last = v->prev;
	v->prev = v->next = v->left = v->right = NULL;
	if (succ)
		t_refresh(t->root, succ);
	t->count--;
}

void vma_changed(struct vma_tree *t, struct vma *v)
{
	t_refresh(t->root, v);
	if (v->next)
		t_refresh(t->root, v->next);
}

bool anon_vma_compatible(const struct vma *a, const struct vma *b)
{
	/* hugetlb mappings never merge (each is its own hugetlbfs file in Linux) */
	return a->end == b->start && a->flags == b->flags && a->nomaywrite == b->nomaywrite &&
	       !(a->vm_flags & VM_HUGETLB) &&
	       a->vm_flags == b->vm_flags && a->growsdown == b->growsdown && a->obj == b->obj &&
	       b->pgoff == a->pgoff + ((b->start - a->start) >> PAGE_SHIFT);
}

/* reusable_anon_vma: @old's anon_vma, when @a and @b may share it and its chain is singular. */
static uint64_t reusable_anon_vma(const struct vma *old, const struct vma *a, const struct vma *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma && !old->anon_vma_forked)
		return old->anon_vma;
	return 0;
}

uint64_t find_mergeable_anon_vma(const struct vma *v)
{
	uint64_t av = 0;

	if (v->next)
		av = reusable_anon_vma(v->next, v, v->next);
	if (!av && v->prev)
		av = reusable_anon_vma(v->prev, v->prev, v);
	return av;
}

/* The highest mapping in @n's subtree whose gap holds @len bytes. */
static const struct vma *highest_gap(const struct vma *n, uint64_t len)
{
	while (n && n->max_gap >= len) {
		if (n->right && n->right->max_gap >= len)
			n = n->right;
		else if (gap_of(n) >= len)
			return n;
		else
			n = n->left;
	}
	return NULL;
}

/* highest_gap among the mappings that start at or below @bound (their gaps lie below it). */
static const struct vma *highest_gap_upto(const struct vma *n, uint64_t len, uint64_t bound)
{
	while (n && n->max_gap >= len) {
		const struct vma *r;

		if (n->start > bound) {
			n = n->left;
			continue;
		}
		if ((r = highest_gap_upto(n->right, len, bound)))
			return r;
		if (gap_of(n) >= len)
			return n;
		return highest_gap(n->left, len);
	}
	return NULL;
}

int vma_place_topdown(const struct vma_tree *t, uint64_t len, uint64_t *addr)
{
	/* The gap that holds mmap_base (or ends at it), then every gap below. */
	const struct vma *v = vma_find_after(t, t->mmap_base);
	const struct vma *below = v ? v->prev : t->last;
	uint64_t lo = below ? below->end : 0;
	uint64_t hi = v && v->start < t->mmap_base ? v->start : t->mmap_base;

	if (lo < MMAP_MIN_ADDR)
		lo = MMAP_MIN_ADDR;
	if (hi > lo && hi - lo >= len) {
		*addr = hi - len;
		return 0;
	}
	v = t->mmap_base == t->top ? highest_gap(t->root, len) : highest_gap_upto(t->root, len, t->mmap_base);
	if (!v)
		return -ENOMEM;
	*addr = v->start - len;
	return 0;
}

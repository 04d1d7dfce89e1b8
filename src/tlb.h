/*
 * tlb.h - a per-process software TLB.
 *
 * Two kinds of entries, as x86's TLBs have: the small set caches 4 KiB
 * translations (option tlb=N entries), the huge sets cache translations of
 * a leaf above the pte level as one entry each: 2 MiB (a huge pmd leaf:
 * transparent huge pages, huge_memory.c, or a hugetlb page) and 1 GiB (a
 * pud leaf).  Their sizes follow the small set's as Skylake's first-level
 * data TLB has them (64 4 KiB, 32 2 MiB, 4 1 GiB entries): N / 2 and N / 16
 * entries, at least one each (none with N == 0, which means no TLB).
 *
 * Every set is direct-mapped: a page number hashes to one slot.  A slot
 * caches the leaf entry's value and where the entry lies, so a hit can
 * check permissions and set the accessed and dirty bits without a walk.
 * A huge slot's entry is the leaf with PS clear, its pfn the head frame's:
 * the byte at va is at (pfn << 12) + (va & (size - 1)).  Whoever changes a
 * leaf entry drops its range from the TLB (set_pte, with tlb_flush_page
 * for a pte and tlb_flush_range for a huge leaf), so a hit always agrees
 * with the tables.  A flush of one 4 KiB page drops whatever translates
 * it, of any size, as INVLPG does.  A lookup tries the small set first,
 * then 2 MiB, then 1 GiB: an address is cached in at most one of them
 * while the tables map it with one leaf.
 */
#ifndef VMFS_TLB_H
#define VMFS_TLB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tlb_entry {
	uint64_t  tag;    /* page number (of the set's size) + 1; 0 = empty */
	uint64_t  pte;    /* the leaf entry as cached (PS clear) */
	uint64_t *ptep;   /* where it lies in simulated RAM */
};

/* The huge sets: TLB_2M (a pmd leaf's 2 MiB), TLB_1G (a pud leaf's 1 GiB). */
enum { TLB_2M, TLB_1G, TLB_HUGE_SETS };
#define TLB_SHIFT_4K 12

/* The address shift of huge set @k's pages: 21, 30. */
static inline int tlb_huge_shift(int k)
{
	return TLB_SHIFT_4K + 9 * (k + 1);
}

struct tlb {
	struct tlb_entry *e;                      /* 4 KiB */
	uint64_t          n;
	struct tlb_entry *h[TLB_HUGE_SETS];       /* 2 MiB, 1 GiB */
	uint64_t          hn[TLB_HUGE_SETS];
};

/* The huge sets' sizes for @n 4 KiB entries: n / 2 and n / 16, at least 1 (0 if n is). */
static inline void tlb_huge_sizes(uint64_t n, uint64_t hn[TLB_HUGE_SETS])
{
	hn[TLB_2M] = n ? (n / 2 ? n / 2 : 1) : 0;
	hn[TLB_1G] = n ? (n / 16 ? n / 16 : 1) : 0;
}

static inline int tlb_init(struct tlb *t, uint64_t n)
{
	memset(t, 0, sizeof(*t));
	if (!n)
		return 0;
	t->n = n;
	tlb_huge_sizes(n, t->hn);
	t->e = calloc(n, sizeof(*t->e));
	for (int k = 0; k < TLB_HUGE_SETS; k++)
		t->h[k] = calloc(t->hn[k], sizeof(*t->h[k]));
	return t->e && t->h[TLB_2M] && t->h[TLB_1G] ? 0 : -1;
}

static inline void tlb_free(struct tlb *t)
{
	free(t->e);
	for (int k = 0; k < TLB_HUGE_SETS; k++)
		free(t->h[k]);
	memset(t, 0, sizeof(*t));
}

static inline struct tlb_entry *tlb_set_slot(struct tlb_entry *set, uint64_t n, uint64_t pn)
{
	uint64_t h = pn * 0x9e3779b97f4a7c15ull;

	return &set[(uint64_t)(((unsigned __int128)h * n) >> 64)];
}

static inline struct tlb_entry *tlb_slot(const struct tlb *t, uint64_t vpn)
{
	return tlb_set_slot(t->e, t->n, vpn);
}

/*
 * The entry translating virtual address @va, of any size, or NULL; *@mask
 * the offset bits within its page (size - 1).
 */
static inline struct tlb_entry *tlb_lookup(const struct tlb *t, uint64_t va, uint64_t *mask)
{
	struct tlb_entry *s;

	if (!t->n)
		return NULL;
	s = tlb_slot(t, va >> TLB_SHIFT_4K);
	if (__builtin_expect(s->tag == (va >> TLB_SHIFT_4K) + 1, 1)) {
		*mask = (1ull << TLB_SHIFT_4K) - 1;
		return s;
	}
	for (int k = 0; k < TLB_HUGE_SETS; k++) {
		uint64_t pn = va >> tlb_huge_shift(k);

		s = tlb_set_slot(t->h[k], t->hn[k], pn);
		if (s->tag == pn + 1) {
			*mask = (1ull << tlb_huge_shift(k)) - 1;
			return s;
		}
	}
	return NULL;
}

static inline void tlb_fill(struct tlb *t, uint64_t vpn, uint64_t pte, uint64_t *ptep)
{
	if (t->n)
		*tlb_slot(t, vpn) = (struct tlb_entry){ vpn + 1, pte, ptep };
}

/*
 * Cache the translation of a leaf mapping 1 << @shift bytes (21 or 30)
 * from @va's page of that size: @pte the leaf with PS clear and the head
 * frame's pfn, @ptep the leaf entry.  Nothing for another shift.
 */
static inline void tlb_fill_huge(struct tlb *t, uint64_t va, int shift, uint64_t pte,
				 uint64_t *ptep)
{
	if (!t->n)
		return;
	for (int k = 0; k < TLB_HUGE_SETS; k++)
		if (shift == tlb_huge_shift(k)) {
			uint64_t pn = va >> shift;

			*tlb_set_slot(t->h[k], t->hn[k], pn) = (struct tlb_entry){ pn + 1, pte, ptep };
		}
}

/* Drop whatever translates the 4 KiB page @vpn (INVLPG). */
static inline void tlb_flush_page(struct tlb *t, uint64_t vpn)
{
	struct tlb_entry *s;

	if (!t->n)
		return;
	s = tlb_slot(t, vpn);
	if (s->tag == vpn + 1)
		s->tag = 0;
	for (int k = 0; k < TLB_HUGE_SETS; k++) {
		uint64_t pn = vpn >> (tlb_huge_shift(k) - TLB_SHIFT_4K);

		s = tlb_set_slot(t->h[k], t->hn[k], pn);
		if (s->tag == pn + 1)
			s->tag = 0;
	}
}

/*
 * Drop every translation of [start, end) (page-aligned), of any size:
 * page by page while that is shorter than a look at every small entry
 * (flush_tlb_range; Linux flushes everything past a ceiling instead).
 */
static inline void tlb_flush_range(struct tlb *t, uint64_t start, uint64_t end)
{
	uint64_t lo = start >> TLB_SHIFT_4K, hi = end >> TLB_SHIFT_4K;

	if (!t->n || start >= end)
		return;
	if (hi - lo <= t->n) {
		for (uint64_t vpn = lo; vpn < hi; vpn++) {
			struct tlb_entry *s = tlb_slot(t, vpn);

			if (s->tag == vpn + 1)
				s->tag = 0;
		}
	} else {
		for (uint64_t i = 0; i < t->n; i++)
			if (t->e[i].tag && t->e[i].tag - 1 >= lo && t->e[i].tag - 1 < hi)
				t->e[i].tag = 0;
	}
	for (int k = 0; k < TLB_HUGE_SETS; k++) {
		int s = tlb_huge_shift(k);

		for (uint64_t i = 0; i < t->hn[k]; i++) {
			uint64_t tag = t->h[k][i].tag, base = (tag - 1) << s;

			if (tag && base < end && base + ((1ull << s) - 1) >= start)
				t->h[k][i].tag = 0;
		}
	}
}

static inline void tlb_flush_all(struct tlb *t)
{
	if (!t->n)
		return;
	memset(t->e, 0, t->n * sizeof(*t->e));
	for (int k = 0; k < TLB_HUGE_SETS; k++)
		memset(t->h[k], 0, t->hn[k] * sizeof(*t->h[k]));
}

/* Entries in use: @used[0] 4 KiB, @used[1 + TLB_2M] 2 MiB, @used[1 + TLB_1G] 1 GiB. */
static inline void tlb_used(const struct tlb *t, uint64_t used[1 + TLB_HUGE_SETS])
{
	used[0] = 0;
	for (uint64_t i = 0; i < t->n; i++)
		used[0] += t->e[i].tag != 0;
	for (int k = 0; k < TLB_HUGE_SETS; k++) {
		used[1 + k] = 0;
		for (uint64_t i = 0; i < t->hn[k]; i++)
			used[1 + k] += t->h[k][i].tag != 0;
	}
}

#endif

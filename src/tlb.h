/*
 * tlb.h - a per-process software TLB.
 *
 * Direct-mapped: a virtual page number hashes to one slot.  A slot caches the
 * leaf entry's value and where the entry lies, so a hit can check
 * permissions and set the accessed and dirty bits without a walk.  Whoever
 * changes a leaf entry drops the page with tlb_flush_page() (set_pte does),
 * so a hit always agrees with the tables.  n == 0 means no TLB.
 *
 * A page of a transparent huge page (a huge pmd leaf, huge_memory.c) is
 * cached per 4 KiB like any other: its entry made from the leaf (frame
 * head + i) and ptep the pmd entry, so that the accessed and dirty bits a
 * hit sets land in the pmd; set_pte drops all 512 pages when a huge leaf
 * changes.  (A 2 MiB TLB entry, and the reach it buys, is a later stage.)
 */
#ifndef VMFS_TLB_H
#define VMFS_TLB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tlb_entry {
	uint64_t  tag;    /* vpn + 1; 0 = empty */
	uint64_t  pte;    /* the leaf entry as cached */
	uint64_t *ptep;   /* where it lies in simulated RAM */
};

struct tlb {
	struct tlb_entry *e;
	uint64_t          n;
};

static inline int tlb_init(struct tlb *t, uint64_t n)
{
	t->n = n;
	t->e = n ? calloc(n, sizeof(*t->e)) : NULL;
	return (n && !t->e) ? -1 : 0;
}

static inline void tlb_free(struct tlb *t)
{
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

static inline struct tlb_entry *tlb_slot(const struct tlb *t, uint64_t vpn)
{
	uint64_t h = vpn * 0x9e3779b97f4a7c15ull;

	return &t->e[(uint64_t)(((unsigned __int128)h * t->n) >> 64)];
}

/* The entry caching @vpn, or NULL. */
static inline struct tlb_entry *tlb_lookup(const struct tlb *t, uint64_t vpn)
{
	struct tlb_entry *s;

	if (!t->n)
		return NULL;
	s = tlb_slot(t, vpn);
	return s->tag == vpn + 1 ? s : NULL;
}

static inline void tlb_fill(struct tlb *t, uint64_t vpn, uint64_t pte, uint64_t *ptep)
{
	if (t->n)
		*tlb_slot(t, vpn) = (struct tlb_entry){ vpn + 1, pte, ptep };
}

static inline void tlb_flush_page(struct tlb *t, uint64_t vpn)
{
	struct tlb_entry *s;

	if (!t->n)
		return;
	s = tlb_slot(t, vpn);
	if (s->tag == vpn + 1)
		s->tag = 0;
}

static inline void tlb_flush_all(struct tlb *t)
{
	if (t->n)
		memset(t->e, 0, t->n * sizeof(*t->e));
}

#endif

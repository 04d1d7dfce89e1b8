/*
 * policy.h - the built-in page-replacement policies (fifo, lru, clock, arc,
 * and those of issue 18: 2q, car, clockpro, lirs, random, s3fifo, sieve,
 * wsclock) and the few pieces they share.
 *
 * Each policy lives in its own file (policy_fifo.c, policy_lru.c,
 * policy_clock.c, policy_arc.c, policy_2q.c, ...) and is nothing but a
 * struct vmfs_policy_ops, the same table a program linking libvmfs fills to
 * install its own (see vmfs.h for the contract between the engine and a
 * policy).  What stays true in all of them:
 *
 *   1. State is sized once, by init(), for frames 0 .. nframes-1, and every
 *      per-page structure is an array indexed by pfn with uint32_t links.
 *      loaded(), accessed() and removed() cost O(1) and never allocate:
 *      they run on every access with the machine lock held.
 *   2. A frame is tracked from loaded() to removed().  accessed() or
 *      removed() on a frame that is not tracked is ignored; loaded() on a
 *      frame still tracked first forgets the old page (as if freed).
 *   3. victim() never returns a frame that is not tracked or that
 *      policy_evictable() refuses; it skips such frames without
 *      forgetting them, and counts every frame it looks at in *scanned.
 *   4. accessed() reads nothing of the page but its pfn: the engine
 *      passes the built-in policies nothing else (page_accessed in
 *      page.h), and a repeated accessed() of the same frame with no
 *      other callback between changes nothing, so the engine skips it.
 *      (s3fifo's hit counter and wsclock's virtual time count the calls
 *      they hear, so for them such a run is one access: their files say
 *      so, and tests/replay/refsim.py counts the same way.)
 *   5. rc may be NULL when a policy is driven outside the engine (the unit
 *      tests, a dry run of vmfs-replay): every frame is then evictable and
 *      no page-table entry is referenced (policy_evictable and
 *      policy_referenced below).
 */
#ifndef VMFS_POLICY_H
#define VMFS_POLICY_H

#include "uapi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const struct vmfs_policy_ops policy_fifo_ops, policy_lru_ops,
	policy_clock_ops, policy_arc_ops;
extern const struct vmfs_policy_ops policy_2q_ops, policy_car_ops, policy_clockpro_ops,
	policy_lirs_ops, policy_random_ops, policy_s3fifo_ops, policy_sieve_ops,
	policy_wsclock_ops;
/* mglru (policy_mglru.c): Linux 6.1's multi-generational LRU, and its lru_stat. */
extern const struct vmfs_policy_ops policy_mglru_ops;
extern const struct vmfs_policy_ops policy_linux_ops;

/*
 * What loaded() of a built-in policy receives beyond struct vmfs_page:
 * page_loaded (page.c) always passes a struct policy_page, whose first
 * member is the vmfs_page, so a built-in policy may read the rest through
 * policy_page_of().  (A policy installed through the API gets the same
 * pointer and sees only the vmfs_page.)  A test that drives a built-in
 * policy which reads it must pass a policy_page too.
 */
struct policy_page {
	struct vmfs_page pg;
	bool             swapbacked;   /* anonymous or shared anonymous: Linux's anon lists */
};

static inline const struct policy_page *policy_page_of(const struct vmfs_page *pg)
{
	return (const struct policy_page *)pg;
}

/*
 * A built-in policy that keeps Linux's active and inactive lists fills
 * vmfs_lru_stat's sizes and counters from its state (lists is set by the
 * caller, machine_lru_stat); the table in policy.c names it per policy.
 */
typedef void (*policy_lru_stat_fn)(void *state, struct vmfs_lru_stat *st);

void policy_mglru_lru_stat(void *state, struct vmfs_lru_stat *st);
/* linux's lists and counters (policy_linux.c). */
void policy_linux_lru_stat(void *state, struct vmfs_lru_stat *st);

/*
 * The frame a built-in policy's hand rests on (clock, sieve, wsclock), or
 * UINT64_MAX when it has none or tracks nothing.
 */
typedef uint64_t (*policy_hand_fn)(const void *state);
uint64_t policy_clock_hand(const void *state);
uint64_t policy_sieve_hand(const void *state);
uint64_t policy_wsclock_hand(const void *state);
/* The hand of the built-in policy @ops, or NULL. */
policy_hand_fn policy_hand(const struct vmfs_policy_ops *ops);

/* The lru_stat of the built-in policy @ops, or NULL. */
policy_lru_stat_fn policy_lru_stat(const struct vmfs_policy_ops *ops);

/*
 * A built-in policy that weighs anon against file by vm.swappiness (linux
 * and mglru, as get_scan_count and get_type_to_scan do) reads it from its
 * state, which follows the machine's vm.swappiness: *@set (not NULL)
 * becomes its value; *@given (not NULL) gets the value its parameters
 * named (NAME:swappiness=N), UINT64_MAX when they named none.  policy_set
 * starts it with the machine's value, or makes the parameter's the
 * machine's; machine_sysctl passes on each change.
 */
typedef void (*policy_swappiness_fn)(void *state, const uint64_t *set, uint64_t *given);

void policy_linux_swappiness(void *state, const uint64_t *set, uint64_t *given);
void policy_mglru_swappiness(void *state, const uint64_t *set, uint64_t *given);

/*
 * A built-in policy with Linux's lists tells kpageflags (pageflags.c) a
 * resident frame's PG_active and PG_referenced, as 1ull << VMFS_KPF_ACTIVE
 * and 1ull << VMFS_KPF_REFERENCED.  policy_page_flags: the built-in
 * policy @ops's, or NULL (mglru has none: Linux 6.1 clears PG_active on
 * the pages of its generations and keeps the generation instead).
 */
typedef uint64_t (*policy_page_flags_fn)(const void *state, uint64_t pfn);
uint64_t policy_linux_page_flags(const void *state, uint64_t pfn);
policy_page_flags_fn policy_page_flags(const struct vmfs_policy_ops *ops);

/*
 * MADV_COLD's deactivate_page (madvise.c, madvise_cold_or_pageout_pte_range):
 * a built-in policy with a notion of hot and cold pages makes the resident
 * frame @pfn cold by its own rule (policy_deactivate: the built-in policy
 * @ops's hook, or NULL for "nothing to move", where COLD clears the
 * accessed bits only).  Ignored for a frame not tracked; O(1), never
 * allocates.  Each policy's file says what it does; vmfs-policies(7)
 * lists them.
 */
typedef void (*policy_deactivate_fn)(void *state, uint64_t pfn);
policy_deactivate_fn policy_deactivate(const struct vmfs_policy_ops *ops);
void policy_lru_deactivate(void *state, uint64_t pfn);
void policy_arc_deactivate(void *state, uint64_t pfn);
void policy_2q_deactivate(void *state, uint64_t pfn);
void policy_clock_deactivate(void *state, uint64_t pfn);
void policy_sieve_deactivate(void *state, uint64_t pfn);
void policy_wsclock_deactivate(void *state, uint64_t pfn);
void policy_s3fifo_deactivate(void *state, uint64_t pfn);
void policy_car_deactivate(void *state, uint64_t pfn);
void policy_clockpro_deactivate(void *state, uint64_t pfn);
void policy_linux_deactivate(void *state, uint64_t pfn);
void policy_mglru_deactivate(void *state, uint64_t pfn);

/*
 * The built-in policy called @name ("fifo", "lru", "clock", "arc", ...), or
 * NULL; @name may carry parameters, NAME:KEY=VALUE:..., matched on NAME.
 */
const struct vmfs_policy_ops *policy_builtin(const char *name);
/* The parameters of @name: what follows its first ':', or NULL. */
const char *policy_params(const char *name);
/* The built-in names, in the table's order, "fifo, lru, clock, arc, ...",
 * into @buf (cut to @size); returns @buf. */
const char *policy_known(char *buf, size_t size);

/*
 * Install the policy @ops (or the built-in one called @name when @ops is
 * NULL) on @m, with @arg for its init() (for a built-in one found by name
 * and a NULL @arg: the name's parameters, policy_params(name)); every resident page is announced
 * to it as just loaded and accessed.  0, or -EINVAL with the old policy
 * kept.
 */
struct vmfs;
int policy_set(struct vmfs *m, const char *name, const struct vmfs_policy_ops *ops, void *arg);

/*
 * The engine's answers to a policy's two questions (vmscan.c); libvmfs's
 * vmfs_page_evictable and vmfs_page_referenced are these, for the policies
 * of programs.
 */
int reclaim_evictable(struct vmfs_reclaim *rc, uint64_t pfn);
int reclaim_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear);

/* reclaim_evictable, with rc == NULL meaning "outside the engine": yes. */
static inline bool policy_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	return !rc || reclaim_evictable(rc, pfn);
}

/* reclaim_referenced, with rc == NULL meaning "no entry is referenced". */
static inline bool policy_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	return rc && reclaim_referenced(rc, pfn, clear);
}

/*
 * Index lists: circular doubly linked lists over a space of node numbers
 * (the pfns, plus whatever nodes a policy adds), with one sentinel node per
 * list whose number is beyond the data nodes.  A node on no list has
 * next == PLIST_NIL.  Every operation is O(1) except the scan.
 */
#define PLIST_NIL UINT32_MAX

struct plink {
	uint32_t next, prev;
};

static inline void plist_head_init(struct plink *l, uint32_t head)
{
	l[head].next = l[head].prev = head;
}

static inline bool plist_empty(const struct plink *l, uint32_t head)
{
	return l[head].next == head;
}

static inline bool plist_linked(const struct plink *l, uint32_t n)
{
	return l[n].next != PLIST_NIL;
}

/* Put @n (on no list) just before @at; before a sentinel is the list's tail. */
static inline void plist_insert_before(struct plink *l, uint32_t at, uint32_t n)
{
	uint32_t p = l[at].prev;

	l[n].prev = p;
	l[n].next = at;
	l[p].next = n;
	l[at].prev = n;
}

static inline void plist_unlink(struct plink *l, uint32_t n)
{
	l[l[n].prev].next = l[n].next;
	l[l[n].next].prev = l[n].prev;
	l[n].next = l[n].prev = PLIST_NIL;
}

/*
 * Circles (clock, wsclock): the tracked frames on one circular list with
 * no sentinel, and a hand, one of them or PLIST_NIL when there are none.
 * A frame enters just before the hand; when the hand's frame leaves, the
 * hand moves to the next one.
 */
static inline void pcircle_insert(struct plink *l, uint32_t *hand, uint32_t n)
{
	if (*hand == PLIST_NIL) {
		l[n].next = l[n].prev = n;
		*hand = n;
	} else {
		plist_insert_before(l, *hand, n);
	}
}

static inline void pcircle_unlink(struct plink *l, uint32_t *hand, uint32_t n)
{
	if (*hand == n)
		*hand = l[n].next == n ? PLIST_NIL : l[n].next;
	plist_unlink(l, n);
}

/*
 * The first frame from the head of list @head (whose nodes are pfns) that
 * can be evicted now, or PLIST_NIL; every node looked at counts in
 * *scanned.  Unevictable frames are skipped, not moved.
 */
static inline uint32_t plist_first_evictable(const struct plink *l, uint32_t head,
					     struct vmfs_reclaim *rc, uint64_t *scanned)
{
	for (uint32_t n = l[head].next; n != head; n = l[n].next) {
		(*scanned)++;
		if (policy_evictable(rc, n))
			return n;
	}
	return PLIST_NIL;
}

/*
 * The load-order queue behind fifo and lru (policy_fifo.c): tracked frames
 * on one list, oldest at the head; victim() takes the first evictable frame
 * from the head.  LRU is this queue plus a move to the tail on each access.
 */
struct pqueue {
	uint32_t     nframes;
	struct plink link[];    /* nframes frame nodes, then the sentinel */
};

int     pqueue_init(void **state, uint64_t nframes, void *arg);
void    pqueue_release(void *state);
void    pqueue_loaded(void *state, const struct vmfs_page *pg);
void    pqueue_removed(void *state, uint64_t pfn);
int64_t pqueue_victim(void *state, struct vmfs_reclaim *rc,
		      const struct vmfs_page *incoming, uint64_t *scanned);

/*
 * The ghost directory (policy_ghost.c): finds a node by a page's identity
 * among the nodes inserted, whose identities are the policy's own arrays
 * owner[] and index[] (by node; they must not change while it is in).
 * Sized at init for @nodes nodes at most; never allocates afterwards.
 */
struct pghost {
	uint64_t        mask;     /* slots - 1 */
	uint32_t       *slot;     /* node, or PLIST_NIL */
	const uint64_t *owner, *index;
};

int      pghost_init(struct pghost *h, uint64_t nodes, const uint64_t *owner,
		     const uint64_t *index);
void     pghost_free(struct pghost *h);
/* The node holding (@owner, @index), or PLIST_NIL. */
uint32_t pghost_find(const struct pghost *h, uint64_t owner, uint64_t index);
void     pghost_insert(struct pghost *h, uint32_t n);
void     pghost_delete(struct pghost *h, uint32_t n);

/*
 * Lists of frames and ghosts (policy_ghost.c), what s3fifo, 2q and car are
 * built on: node numbers 0..c-1 are the frames, c..nodes-1 ghost nodes,
 * then one sentinel per list (pdir_head), heads the oldest.  Each node is
 * on one list or none (where[], PDIR_NOWHERE), size[] counts them; a
 * ghost keeps the identity (owner[], index[]) of a page evicted and is
 * found by it through the directory; unused ghost nodes are chained
 * through link[].next; flags[] is a byte per frame for the policy's use.
 * chosen is the frame the policy's victim() chose: removed() of it is an
 * eviction (its identity may become a ghost), of any other frame a free,
 * and only until the next loaded() or accessed() (if the engine could not
 * evict it, the machine has moved on), as in policy_arc.c.  All sized at
 * init; O(1) per call.
 */
#define PDIR_MAXLISTS 5   /* linux: four LRU lists and its shadows */
#define PDIR_NOWHERE  0xff

struct pdir {
	uint32_t       c;           /* frames */
	uint32_t       nodes;       /* frames and ghost nodes */
	uint32_t       free_ghost;  /* chain of unused ghost nodes, or PLIST_NIL */
	uint32_t       chosen;      /* the frame victim() chose, or PLIST_NIL */
	uint32_t       size[PDIR_MAXLISTS];
	struct pghost  dir;         /* the ghosts, by identity */
	struct plink  *link;        /* nodes + PDIR_MAXLISTS */
	uint8_t       *where;       /* nodes: a list, or PDIR_NOWHERE */
	uint8_t       *flags;       /* frames: the policy's own bits, 0 at init */
	uint64_t      *owner;       /* nodes: the page's identity */
	uint64_t      *index;
};

/* For @c frames and @nghosts ghost nodes: 0, -EINVAL (too many) or -ENOMEM. */
int  pdir_init(struct pdir *d, uint64_t c, uint64_t nghosts);
void pdir_free(struct pdir *d);
/* release() of a policy whose state is malloc'ed and begins with its struct pdir. */
void pdir_release(void *state);
void pdir_del(struct pdir *d, uint32_t n);
/* Move @n (on any list or none) to the tail of list @l. */
void pdir_add_tail(struct pdir *d, uint32_t n, unsigned l);
/* Move @n (on any list or none) to the head of list @l, its oldest end. */
void pdir_add_head(struct pdir *d, uint32_t n, unsigned l);
/*
 * A deactivate hook's common step (car, s3fifo): frame @pfn, if on a list,
 * loses the policy's flag bits @bits, and any eviction chosen is over.
 */
void pdir_clear_flags(struct pdir *d, uint64_t pfn, uint8_t bits);
/* Forget ghost @g. */
void pdir_ghost_drop(struct pdir *d, uint32_t g);
/*
 * Remember frame @n's identity at the tail of ghost list @l (an older
 * ghost of the same identity is dropped first); the caller makes room.
 */
void pdir_ghost_add(struct pdir *d, uint32_t n, unsigned l);

/* pdir_removed's answer, with the list: the frame was the victim chosen. */
#define PDIR_EVICTED 0x100

/*
 * removed(): frame @pfn leaves its list, its flags cleared (its identity
 * stays for pdir_ghost_add).  The list it was on, | PDIR_EVICTED when it
 * was d->chosen; -1 when it was not tracked.
 */
int  pdir_removed(struct pdir *d, uint64_t pfn);
/*
 * loaded(): frame pg->pfn holds @pg now, with @flags, on no list yet (the
 * page it held before, if the policy was not told it left, was freed); any
 * eviction is over.  *@ghost is the ghost of @pg's identity or PLIST_NIL.
 * false (and nothing done) if pg->pfn is beyond the frames.
 */
bool pdir_loaded(struct pdir *d, const struct vmfs_page *pg, uint8_t flags, uint32_t *ghost);

static inline uint32_t pdir_head(const struct pdir *d, unsigned l)
{
	return d->nodes + l;
}

static inline uint32_t pdir_first(const struct pdir *d, unsigned l)
{
	return d->link[pdir_head(d, l)].next;
}

/* The ghost of @pg's identity, or PLIST_NIL. */
static inline uint32_t pdir_ghost_find(const struct pdir *d, const struct vmfs_page *pg)
{
	return pghost_find(&d->dir, pg->owner, pg->index);
}

/*
 * A built-in policy's parameters, "KEY=VALUE:KEY=VALUE" (the part of its
 * name after the first ':'), or NULL for none: each KEY must be one of
 * @keys, each VALUE a decimal number, stored in the same place of @vals
 * (the others keep theirs, the defaults).  0, or -EINVAL.
 */
int policy_parse_params(const char *params, const char *const keys[], uint64_t vals[], size_t nkeys);

#endif

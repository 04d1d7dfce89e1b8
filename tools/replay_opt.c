/*
 * replay_opt.c - Belady's MIN on the public policy API, and the file of
 * next uses it reads (see replay_opt.h).
 *
 * L. A. Belady, "A study of replacement algorithms for a virtual-storage
 * computer", IBM Systems Journal 5(2), 1966: with the whole reference
 * string known, evicting the page whose next use is furthest away gives
 * the fewest faults of any demand-paging policy (Mattson et al. 1970 proved
 * it optimal).  Nothing real can run it, but it is the floor against which
 * fifo, lru, clock and arc are measured.
 *
 * The policy keeps, per frame, the page it holds (struct vmfs_page.index,
 * the virtual page number of a private anonymous page) and that page's
 * next use, and a binary max-heap of the tracked frames ordered by next
 * use, ties (only pages never used again can tie) to the lowest page
 * number.  loaded() and accessed() set the frame's next use from the
 * cursor and restore the heap; victim() is the top.  What stays true:
 * pos[pfn] is the frame's place in the heap, or NOT_HEAPED when it is not
 * tracked; every parent orders before its children.  loaded(), accessed()
 * and removed() are O(log n); victim() O(1), or O(n) in the rare case that
 * the top is not evictable (the engine pins the page an access holds).
 */
#include "replay_opt.h"
#include "replay_map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the future ------------------------------------------------------------ */

int future_build(const struct refstream *s, struct future *f,
		 void (*progress)(void *arg, uint64_t refs), void *arg)
{
	uint8_t *buf = malloc(STREAM_CHUNK_BYTES);
	uint64_t *refs = malloc(STREAM_CHUNK_REFS * sizeof(*refs));
	uint8_t *out = malloc(STREAM_CHUNK_BYTES);
	struct u64map next;           /* page -> index of its next reference */
	uint64_t first = s->nrefs, end = 0, done = 0;
	int rc = -ENOMEM;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (map_init(&next, 1024) < 0)
		goto out;
	if (!buf || !refs || !out)
		goto out;
	f->chunk = calloc(s->nchunks ? s->nchunks : 1, sizeof(*f->chunk));
	if (!f->chunk)
		goto out;
	f->nchunks = s->nchunks;
	if ((f->fd = stream_tmpfile()) < 0) {
		rc = f->fd;
		goto out;
	}
	for (size_t c = s->nchunks; c-- > 0;) {
		int64_t n = stream_read_chunk(s, c, buf, refs);
		uint8_t *p;

		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		first -= (uint64_t)n;
		/* Backwards: each page's entry is its next use, then becomes this one. */
		for (int64_t i = n - 1; i >= 0; i--) {
			uint64_t at = first + (uint64_t)i;
			bool added;
			uint64_t *v = map_put(&next, REF_VPN(refs[i]), at, &added);

			if (!v)
				goto out;
			refs[i] = added ? 0 : *v - at;
			*v = at;
		}
		for (p = out, n = 0; n < s->chunk[c].nrefs; n++)
			p = varint_put(p, refs[n]);
		f->chunk[c] = (struct future_chunk){ end, (uint32_t)(p - out) };
		if ((rc = pwrite_all(f->fd, out, (size_t)(p - out), end)) < 0)
			goto out;
		end += (uint64_t)(p - out);
		done += (uint64_t)s->chunk[c].nrefs;
		if (progress)
			progress(arg, done);
	}
	rc = 0;
out:
	map_free(&next);
	free(buf);
	free(refs);
	free(out);
	if (rc < 0)
		future_free(f);
	return rc;
}

void future_free(struct future *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->chunk);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int64_t future_read_chunk(const struct future *f, size_t c, uint64_t first,
			  uint8_t *buf, uint64_t *next)
{
	const struct future_chunk *ch = &f->chunk[c];
	const uint8_t *p = buf, *end = buf + ch->len;
	int64_t n = 0;
	int rc;

	if ((rc = pread_all(f->fd, buf, ch->len, ch->off)) < 0)
		return rc;
	while (p < end) {
		uint64_t d;

		if (!(p = varint_get(p, end, &d)))
			return -EIO;
		next[n] = d ? first + (uint64_t)n + d : OPT_NEVER;
		n++;
	}
	return n;
}

/* ---- the policy ------------------------------------------------------------- */

#define NOT_HEAPED UINT32_MAX

struct opt {
	const struct opt_cursor *cursor;
	uint32_t  nframes, n;    /* frames; frames in the heap */
	uint64_t *next;          /* per pfn: the page's next use */
	uint64_t *page;          /* per pfn: its page number */
	uint32_t *heap;          /* pfns; heap[0] is the victim */
	uint32_t *pos;           /* per pfn: index in heap, or NOT_HEAPED */
};

/* Whether frame @a should go before frame @b. */
static inline bool before(const struct opt *o, uint32_t a, uint32_t b)
{
	return o->next[a] != o->next[b] ? o->next[a] > o->next[b] : o->page[a] < o->page[b];
}

static inline void heap_set(struct opt *o, uint32_t i, uint32_t pfn)
{
	o->heap[i] = pfn;
	o->pos[pfn] = i;
}

/* Move the frame at @i up or down until its parent and children agree. */
static void heap_fix(struct opt *o, uint32_t i)
{
	uint32_t pfn = o->heap[i];

	while (i > 0 && before(o, pfn, o->heap[(i - 1) / 2])) {
		heap_set(o, i, o->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t l = 2 * i + 1, best = l;

		if (l >= o->n)
			break;
		if (l + 1 < o->n && before(o, o->heap[l + 1], o->heap[l]))
			best = l + 1;
		if (!before(o, o->heap[best], pfn))
			break;
		heap_set(o, i, o->heap[best]);
		i = best;
	}
	heap_set(o, i, pfn);
}

static void heap_remove(struct opt *o, uint32_t pfn)
{
	uint32_t i = o->pos[pfn], last = o->heap[--o->n];

	o->pos[pfn] = NOT_HEAPED;
	if (last == pfn)
		return;
	heap_set(o, i, last);
	heap_fix(o, i);
}

static void opt_release(void *state)
{
	struct opt *o = state;

	if (!o)
		return;
	free(o->next);
	free(o->page);
	free(o->heap);
	free(o->pos);
	free(o);
}

static int opt_init(void **state, uint64_t nframes, void *arg)
{
	struct opt *o;

	if (!arg || nframes >= NOT_HEAPED)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->cursor = arg;
	o->nframes = (uint32_t)nframes;
	o->next = malloc(nframes * sizeof(*o->next));
	o->page = malloc(nframes * sizeof(*o->page));
	o->heap = malloc(nframes * sizeof(*o->heap));
	o->pos = malloc(nframes * sizeof(*o->pos));
	if (!o->next || !o->page || !o->heap || !o->pos) {
		opt_release(o);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < o->nframes; i++)
		o->pos[i] = NOT_HEAPED;
	*state = o;
	return 0;
}

static void opt_removed(void *state, uint64_t pfn)
{
	struct opt *o = state;

	if (pfn < o->nframes && o->pos[pfn] != NOT_HEAPED)
		heap_remove(o, (uint32_t)pfn);
}

static void opt_loaded(void *state, const struct vmfs_page *pg)
{
	struct opt *o = state;
	uint32_t pfn = (uint32_t)pg->pfn;

	if (pg->pfn >= o->nframes)
		return;
	if (o->pos[pfn] != NOT_HEAPED)      /* not told it left: it was freed */
		heap_remove(o, pfn);
	o->next[pfn] = o->cursor->next_use;
	o->page[pfn] = pg->index;
	heap_set(o, o->n++, pfn);
	heap_fix(o, o->pos[pfn]);
}

/* The hot path: every reference moves its page's next use forward. */
static void opt_accessed(void *state, const struct vmfs_page *pg)
{
	struct opt *o = state;
	uint32_t pfn = (uint32_t)pg->pfn;

	if (pg->pfn >= o->nframes || o->pos[pfn] == NOT_HEAPED ||
	    o->next[pfn] == o->cursor->next_use)
		return;
	o->next[pfn] = o->cursor->next_use;
	heap_fix(o, o->pos[pfn]);
}

static int64_t opt_victim(void *state, struct vmfs_reclaim *rc,
			  const struct vmfs_page *incoming, uint64_t *scanned)
{
	struct opt *o = state;
	uint32_t best = NOT_HEAPED;

	(void)incoming;
	if (!o->n)
		return -1;
	(*scanned)++;
	if (vmfs_page_evictable(rc, o->heap[0]))
		return o->heap[0];
	/* The top is pinned: the best of the others, by a scan. */
	for (uint32_t i = 1; i < o->n; i++) {
		uint32_t pfn = o->heap[i];

		(*scanned)++;
		if ((best == NOT_HEAPED || before(o, pfn, best)) && vmfs_page_evictable(rc, pfn))
			best = pfn;
	}
	return best == NOT_HEAPED ? -1 : (int64_t)best;
}

const struct vmfs_policy_ops opt_policy_ops = {
	.name     = "opt",
	.init     = opt_init,
	.release  = opt_release,
	.loaded   = opt_loaded,
	.accessed = opt_accessed,
	.removed  = opt_removed,
	.victim   = opt_victim,
};

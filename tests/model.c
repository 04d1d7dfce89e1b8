/*
 * model.c - the reference model of a machine (see model.h): its pages,
 * buffers and objects, what the engine must answer for each operation, and
 * the checks that the model test and the API fuzz driver both make.
 *
 * What stays true: nothing here draws a random number or reads fuzz input,
 * so a seed or a corpus file replays the same operations whichever driver
 * runs it; every mismatch goes through model_fail(), and a check stops at
 * the first one.  The one counter kept across calls numbers shared
 * anonymous mmaps and anon_vmas (next_map_id): only equality of those
 * numbers counts, never their values.
 */
#include "model.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reporting ------------------------------------------------------------------- */

void model_set_op(struct model *md, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(md->op, sizeof(md->op), fmt, ap);
	va_end(ap);
	if (md->trace)
		md->trace(md);
}

void model_expect(struct model *md, const char *what, int64_t want, int64_t got)
{
	if (want != got)
		model_fail(md, "%s: expected %" PRId64 " (%#" PRIx64 "), got %" PRId64 " (%#" PRIx64
			   ")%s%s", what, want, (uint64_t)want, got, (uint64_t)got,
			   got < 0 ? " - " : "", got < 0 ? vmfs_errmsg() : "");
}

/* The model's own memory: without it no run can go on. */
static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("model");
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return xrealloc(NULL, n);
}

const char *prot_str(int prot)
{
	static const char *const s[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };

	return s[prot & 7];
}

/* ---- buffers, objects, pages --------------------------------------------------- */

struct buf *buf_new(void)
{
	struct buf *b = xmalloc(sizeof(*b));

	b->refs = 1;
	memset(b->d, 0, PAGE);
	return b;
}

void buf_put(struct buf *b)
{
	if (--b->refs == 0)
		free(b);
}

uint64_t obj_npages(uint64_t size)
{
	return (size + PAGE - 1) / PAGE;
}

void obj_put(struct mobj *o)
{
	if (--o->refs)
		return;
	for (int i = 0; i < OBJ_PAGES; i++)
		if (o->pg[i])
			buf_put(o->pg[i]);
	free(o);
}

void obj_set_size(struct model *md, struct mobj *o, uint64_t size)
{
	uint64_t keep = obj_npages(size);

	for (uint64_t i = keep; i < OBJ_PAGES; i++)
		if (o->pg[i]) {
			buf_put(o->pg[i]);
			o->pg[i] = NULL;
		}
	if (size < o->size && size % PAGE)
		memset(o->pg[keep - 1]->d + size % PAGE, 0, PAGE - size % PAGE);
	for (uint64_t i = 0; i < keep; i++)
		if (!o->pg[i])
			o->pg[i] = buf_new();
	if (size < o->size)
		for (int k = 0; k < md->nprocs; k++)
			for (size_t i = 0; i < md->procs[k].n; i++) {
				struct mpage *pg = &md->procs[k].pg[i];

				if (pg->o == o && pg->copied && pg->pgoff >= keep) {
					buf_put(pg->b);
					pg->b = NULL;
					pg->copied = false;
				}
			}
	o->size = size;
}

struct mobj *obj_new(const char *name, const unsigned char *data, uint64_t size)
{
	struct mobj *o = xmalloc(sizeof(*o));

	memset(o, 0, sizeof(*o));
	o->refs = 1;
	o->named = true;
	o->mode = 0644;
	snprintf(o->name, sizeof(o->name), "%s", name);
	for (uint64_t i = 0; i < obj_npages(size); i++) {
		o->pg[i] = buf_new();
		if (data)
			memcpy(o->pg[i]->d, data + i * PAGE,
			       i + 1 < obj_npages(size) || size % PAGE == 0 ? PAGE : size % PAGE);
	}
	o->size = size;
	return o;
}

uint64_t obj_write_room(uint64_t size)
{
	return size + 2 * PAGE < OBJ_PAGES * PAGE ? size + 2 * PAGE : OBJ_PAGES * PAGE;
}

void obj_write(struct model *md, struct mobj *o, uint64_t off, const unsigned char *data,
	       size_t len)
{
	if (off + len > o->size)
		obj_set_size(md, o, off + len);
	for (size_t k = 0; k < len; k++)
		o->pg[(off + k) / PAGE]->d[(off + k) % PAGE] = data[k];
}

int64_t obj_read_expect(const struct mobj *o, uint64_t off, size_t len)
{
	if (!o)
		return -ENOENT;
	if (off >= o->size)
		return 0;
	return (int64_t)(o->size - off < len ? o->size - off : len);
}

unsigned char obj_byte(const struct mobj *o, uint64_t off)
{
	return o->pg[off / PAGE]->d[off % PAGE];
}

const char *slot_name(int slot)
{
	static const char *const names[MAX_OBJS] = { "obj0", "obj1", "obj2", "obj3" };

	return names[slot];
}

bool obj_past_end(const struct mpage *pg)
{
	return pg->o && pg->pgoff >= obj_npages(pg->o->size);
}

bool page_is_anon(const struct mpage *pg)
{
	return !pg->shared && (!pg->o || pg->copied);
}

struct buf *page_buf(const struct mpage *pg)
{
	if (!pg->o || pg->copied)
		return pg->b;
	return obj_past_end(pg) ? NULL : pg->o->pg[pg->pgoff];
}

struct buf *page_write_buf(struct mpage *pg)
{
	if (pg->o && !pg->shared && !pg->copied) {
		pg->b = buf_new();
		memcpy(pg->b->d, page_buf(pg)->d, PAGE);
		pg->copied = true;
	}
	return page_buf(pg);
}

static void mpage_release(struct mpage *pg)
{
	if (pg->b)
		buf_put(pg->b);
	if (pg->o)
		obj_put(pg->o);
}

/* The child's page after fork: shared bytes stay shared, private ones are copied. */
static struct mpage mpage_dup(const struct mpage *parent)
{
	struct mpage pg = *parent;

	if (pg.o)
		pg.o->refs++;
	if (pg.b && pg.shared) {
		pg.b->refs++;
	} else if (pg.b) {
		pg.b = buf_new();
		memcpy(pg.b->d, parent->b->d, PAGE);
	}
	return pg;
}

/* ---- a process's pages --------------------------------------------------------- */

size_t lower_bound(const struct mproc *p, uint64_t vpn)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->pg[mid].vpn < vpn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t range_end(uint64_t vpn, uint64_t npages)
{
	return vpn + npages < vpn ? UINT64_MAX : vpn + npages;
}

struct mpage *page_at(const struct mproc *p, uint64_t vpn)
{
	size_t i = lower_bound(p, vpn);

	return i < p->n && p->pg[i].vpn == vpn ? &p->pg[i] : NULL;
}

size_t pages_in(const struct mproc *p, uint64_t vpn, uint64_t npages)
{
	return lower_bound(p, range_end(vpn, npages)) - lower_bound(p, vpn);
}

void remove_range(struct mproc *p, uint64_t vpn, uint64_t npages)
{
	size_t a = lower_bound(p, vpn), b = lower_bound(p, range_end(vpn, npages));

	for (size_t i = a; i < b; i++)
		mpage_release(&p->pg[i]);
	if (b < p->n)     /* memmove with a NULL table is UB even for 0 bytes */
		memmove(&p->pg[a], &p->pg[b], (p->n - b) * sizeof(p->pg[0]));
	p->n -= b - a;
	if (a < p->n)     /* what a mapping across the end keeps is one of its own */
		p->pg[a].vstart = true;
}

static void reserve(struct mproc *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 64;

	if (n <= p->cap)
		return;
	while (cap < n)
		cap *= 2;
	p->pg = xrealloc(p->pg, cap * sizeof(*p->pg));
	p->cap = cap;
}

/* ---- mappings: where the engine's begin, by Linux 6.1's merge rules -------------- */

static uint64_t next_map_id;   /* numbers of shared anonymous mmaps and anon_vmas */

/* Page @i directly follows page @i - 1. */
static bool adjacent(const struct mproc *p, size_t i)
{
	return i > 0 && i < p->n && p->pg[i - 1].vpn + 1 == p->pg[i].vpn;
}

/* Page @i begins a mapping. */
static bool map_begins(const struct mproc *p, size_t i)
{
	return !adjacent(p, i) || p->pg[i].vstart;
}

/* The mapping holding page @i: pages [*lo, *hi). */
static void map_bounds(const struct mproc *p, size_t i, size_t *lo, size_t *hi)
{
	for (*lo = i; !map_begins(p, *lo); (*lo)--)
		;
	for (*hi = i + 1; *hi < p->n && !map_begins(p, *hi); (*hi)++)
		;
}

/* anon_vma_compatible: the mappings ending at page @a and beginning at @b, just after it,
 * differ at most in protection. */
static bool compatible(const struct mpage *a, const struct mpage *b)
{
	return a->vpn + 1 == b->vpn && a->shared == b->shared && a->acct == b->acct &&
	       a->nomaywrite == b->nomaywrite && a->vmflags == b->vmflags &&
	       a->readahead == b->readahead && a->o == b->o && a->shm == b->shm &&
	       a->lin + 1 == b->lin;
}

/* is_mergeable_anon_vma, @nb a page of the neighbour that decides (NULL: none). */
static bool anon_ok(uint64_t av1, uint64_t av2, const struct mpage *nb)
{
	if ((!av1 || !av2) && (!nb || (nb->av && !nb->av_forked)))
		return true;
	return av1 == av2;
}

/* The mappings ending at page @a and beginning at page @b may be one, @av being
 * the anon_vma of the one made or changed and @nb a page of the other. */
static bool may_merge(const struct mpage *a, const struct mpage *b, uint64_t av,
		      const struct mpage *nb)
{
	return a->prot == b->prot && compatible(a, b) && anon_ok(av, nb->av, nb);
}

static void set_av(struct mproc *p, size_t lo, size_t hi, uint64_t av, bool forked)
{
	for (size_t k = lo; k < hi; k++) {
		p->pg[k].av = av;
		p->pg[k].av_forked = forked;
	}
}

/* Mapping [lo, mid) takes in mapping [mid, hi): the anon_vma of whichever has one. */
static void join(struct mproc *p, size_t lo, size_t mid, size_t hi)
{
	const struct mpage *keep = p->pg[lo].av ? &p->pg[lo] : &p->pg[mid];

	set_av(p, lo, hi, keep->av, keep->av_forked);
	p->pg[mid].vstart = false;
}

/*
 * Merge mapping [i, j), just made (@mmap: mmap_region's expansion) or just
 * changed (vma_merge), with its neighbours; returns the end of the mapping
 * it is then part of.
 */
static size_t merge_around(struct mproc *p, size_t i, size_t j, bool mmap)
{
	bool has_prev = adjacent(p, i), has_next = adjacent(p, j), mp, mn;
	size_t plo = i, nhi = j, dummy;
	uint64_t av = p->pg[i].av;

	if (has_prev)
		map_bounds(p, i - 1, &plo, &dummy);
	if (has_next)
		map_bounds(p, j, &dummy, &nhi);
	if (mmap) {
		mn = has_next && may_merge(&p->pg[j - 1], &p->pg[j], 0, &p->pg[j]);
		mp = has_prev && may_merge(&p->pg[i - 1], &p->pg[i], mn ? p->pg[j].av : 0,
					   &p->pg[i - 1]);
	} else {
		mp = has_prev && may_merge(&p->pg[i - 1], &p->pg[i], av, &p->pg[i - 1]);
		mn = has_next && may_merge(&p->pg[j - 1], &p->pg[j], av, &p->pg[j]) &&
		     (!mp || anon_ok(p->pg[i - 1].av, p->pg[j].av, NULL));
	}
	if (mp) {
		join(p, plo, i, j);
		i = plo;
	}
	if (mn) {
		join(p, i, j, nhi);
		j = nhi;
	}
	return j;
}

/* A new mapping at pages [i, i + npages): its attributes, then merged. */
static void new_mapping(struct mproc *p, size_t i, uint64_t npages, bool anon)
{
	const struct mpage *pg = &p->pg[i];
	uint64_t shm = pg->shared && anon ? ++next_map_id : 0;
	bool acct = !pg->shared && (pg->prot & PROT_WRITE);

	for (size_t k = i; k < i + npages; k++) {
		p->pg[k].lin = p->pg[k].o ? p->pg[k].pgoff : shm ? k - i : p->pg[k].vpn;
		p->pg[k].vstart = k == i;
		p->pg[k].acct = acct;
		p->pg[k].shm = shm;
		p->pg[k].av = 0;
		p->pg[k].av_forked = false;
	}
	if (i + npages < p->n)
		p->pg[i + npages].vstart = true;
	merge_around(p, i, i + npages, true);
}

bool anon_fault_expected(const struct model *md, const struct mpage *pg, unsigned how)
{
	unsigned type = how & VMFS_ACCESS_TYPE;

	return !pg->shared && (type == VMFS_ACCESS_WRITE || (!md->zero_page && !pg->o));
}

void model_anon_fault(struct mproc *p, uint64_t vpn)
{
	size_t i = lower_bound(p, vpn), lo, hi;
	uint64_t av = 0;

	if (i >= p->n || p->pg[i].vpn != vpn || p->pg[i].av)
		return;
	map_bounds(p, i, &lo, &hi);
	/* find_mergeable_anon_vma: the next mapping's, then the previous one's */
	if (adjacent(p, hi) && compatible(&p->pg[hi - 1], &p->pg[hi]) && p->pg[hi].av &&
	    !p->pg[hi].av_forked)
		av = p->pg[hi].av;
	else if (adjacent(p, lo) && compatible(&p->pg[lo - 1], &p->pg[lo]) && p->pg[lo - 1].av &&
		 !p->pg[lo - 1].av_forked)
		av = p->pg[lo - 1].av;
	set_av(p, lo, hi, av ? av : ++next_map_id, false);
}

/* Fresh zero pages at [vpn, vpn + npages), replacing what was there; not yet merged. */
static size_t insert_pages(struct mproc *p, uint64_t vpn, uint64_t npages, int prot, bool shared)
{
	size_t at;

	remove_range(p, vpn, npages);
	reserve(p, p->n + npages);
	at = lower_bound(p, vpn);
	if (at < p->n)
		memmove(&p->pg[at + npages], &p->pg[at], (p->n - at) * sizeof(p->pg[0]));
	for (uint64_t i = 0; i < npages; i++)
		p->pg[at + i] = (struct mpage){ .vpn = vpn + i, .prot = prot, .shared = shared,
						.b = buf_new(), .vmflags = p->def_flags };
	p->n += npages;
	return at;
}

void map_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot, bool shared)
{
	new_mapping(p, insert_pages(p, vpn, npages, prot, shared), npages, true);
}

void map_obj_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot, bool shared,
		   struct mobj *o, uint64_t pgoff)
{
	size_t at = insert_pages(p, vpn, npages, prot, shared);

	for (size_t i = lower_bound(p, vpn); i < lower_bound(p, vpn + npages); i++) {
		struct mpage *pg = &p->pg[i];

		buf_put(pg->b);
		pg->b = NULL;
		pg->o = o;
		pg->pgoff = pgoff + (pg->vpn - vpn);
		pg->nomaywrite = shared && !(o->mode & 0222);
		o->refs++;
	}
	new_mapping(p, at, npages, false);
}

/*
 * mprotect_fixup, mapping by mapping (the range is all mapped): one whose
 * protection and VM_ACCOUNT stay is left alone; the part of one that
 * changes becomes a mapping of its own, then merges by vma_merge.
 */
static bool populate(struct model *md, struct mproc *p, size_t from, size_t to, bool stop);

void apply_mprotect(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages, int prot)
{
	size_t k = lower_bound(p, vpn), end = lower_bound(p, range_end(vpn, npages));

	while (k < end) {
		size_t lo, hi, j;
		const struct mpage *v = &p->pg[k];
		bool acct = v->acct || (!v->shared && (prot & PROT_WRITE) && !(v->prot & PROT_WRITE));

		map_bounds(p, k, &lo, &hi);
		if (prot == v->prot && acct == v->acct) {
			k = hi;
			continue;
		}
		j = hi < end ? hi : end;
		for (size_t q = k; q < j; q++) {
			p->pg[q].prot = prot;
			p->pg[q].acct = acct;
		}
		p->pg[k].vstart = true;
		if (j < p->n)
			p->pg[j].vstart = true;
		k = merge_around(p, k, j, false);
	}
	/* then the engine's populate of the private locked pages (mprotect_fixup's) */
	if (prot & PROT_WRITE)
		for (size_t q = lower_bound(p, vpn); q < end; q++)
			if (!p->pg[q].shared && (p->pg[q].vmflags & VMFS_MAP_LOCKED))
				populate(md, p, q, q + 1, false);
}

static void proc_free(struct mproc *p)
{
	for (size_t i = 0; i < p->n; i++)
		mpage_release(&p->pg[i]);
	free(p->pg);
	memset(p, 0, sizeof(*p));
}

void model_spawn(struct model *md, int pid)
{
	struct mproc *p = &md->procs[md->nprocs++];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	md->next_pid++;
}

void model_fork(struct model *md, const struct mproc *parent, int pid)
{
	struct mproc *child = &md->procs[md->nprocs++];

	memset(child, 0, sizeof(*child));
	child->pid = pid;
	reserve(child, parent->n);
	for (size_t i = 0; i < parent->n; i++) {
		const struct mpage *pp = &parent->pg[i];
		struct mpage *cp;

		if (pp->vmflags & VMFS_MAP_DONTCOPY)
			continue;               /* MADV_DONTFORK: not in the child */
		cp = &child->pg[child->n++];
		*cp = mpage_dup(pp);
		cp->vmflags &= ~(unsigned)(VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT);
		if (pp->vmflags & VMFS_MAP_WIPEONFORK) {
			memset(cp->b->d, 0, PAGE);   /* private anonymous: the child's copy is empty */
			cp->lazy = false;
		}
	}
	/*
	 * dup_mmap: a wiped mapping starts with no anon_vma; anon_vma_fork: a
	 * new anon_vma for each other mapping that has one, not singular
	 */
	for (size_t lo = 0, hi; lo < child->n; lo = hi) {
		map_bounds(child, lo, &lo, &hi);
		if (child->pg[lo].vmflags & VMFS_MAP_WIPEONFORK)
			set_av(child, lo, hi, 0, false);
		else if (child->pg[lo].av)
			set_av(child, lo, hi, ++next_map_id, true);
	}
	md->next_pid++;
}

void model_exit(struct model *md, int i)
{
	md->dead_pid = md->procs[i].pid;
	proc_free(&md->procs[i]);
	md->procs[i] = md->procs[--md->nprocs];
}

int find_proc(const struct model *md, int pid)
{
	for (int i = 0; i < md->nprocs; i++)
		if (md->procs[i].pid == pid)
			return i;
	return -1;
}

void model_free(struct model *md)
{
	for (int i = 0; i < md->nprocs; i++)
		proc_free(&md->procs[i]);
	md->nprocs = 0;
	for (int slot = 0; slot < MAX_OBJS; slot++)
		if (md->objs[slot]) {
			obj_put(md->objs[slot]);
			md->objs[slot] = NULL;
		}
	while (md->nopen)
		obj_put(md->open[--md->nopen]);
}

/* ---- what the engine must do --------------------------------------------------- */

uint64_t top_down(const struct mproc *p, uint64_t top_vpn, uint64_t npages)
{
	uint64_t hi = top_vpn;

	for (size_t k = p->n + 1; k-- > 0;) {
		uint64_t lo = k > 0 ? p->pg[k - 1].vpn + 1 : 0;

		if (lo < MIN_VPN)
			lo = MIN_VPN;
		if (hi > lo && hi - lo >= npages)
			return hi - npages;
		if (k == 0)
			break;
		hi = p->pg[k - 1].vpn;
		if (hi <= MIN_VPN)
			break;
	}
	return 0;
}

/* A hint may be off a page boundary (rounded up); a fixed address may not. */
int64_t placement(const struct model *md, const struct mproc *p, uint64_t addr,
		  uint64_t npages, int mode, uint64_t *at)
{
	uint64_t hint = (addr + PAGE - 1) & ~(uint64_t)(PAGE - 1);

	if (mode < 2 && addr % PAGE)
		return -EINVAL;
	if (mode < 2) {
		*at = addr / PAGE;
		if (npages > md->top_vpn || *at > md->top_vpn - npages)
			return -ENOMEM;
		return mode == 1 && pages_in(p, *at, npages) ? -EEXIST : 0;
	}
	if (addr && hint >= addr && hint / PAGE >= MIN_VPN && hint / PAGE + npages <= md->top_vpn &&
	    !pages_in(p, hint / PAGE, npages))
		*at = hint / PAGE;
	else
		*at = top_down(p, md->top_vpn, npages);
	return *at ? 0 : -ENOMEM;
}

int64_t mprotect_expect(const struct model *md, const struct mproc *p, uint64_t vpn,
			uint64_t npages, int prot, uint64_t *reach)
{
	uint64_t next = vpn;

	*reach = 0;
	if (npages > md->top_vpn || vpn > md->top_vpn - npages)
		return -ENOMEM;
	for (size_t i = lower_bound(p, vpn); i < p->n && p->pg[i].vpn < vpn + npages; i++) {
		const struct mpage *pg = &p->pg[i];

		if (pg->vpn != next)
			break;
		if ((prot & PROT_WRITE) && pg->nomaywrite) {
			*reach = next - vpn;
			return -EACCES;
		}
		next++;
	}
	*reach = next - vpn;
	return next == vpn + npages ? 0 : -ENOMEM;
}

bool allowed(const struct mpage *pg, unsigned how)
{
	bool force = how & VMFS_ACCESS_FORCE;

	switch (how & VMFS_ACCESS_TYPE) {
	case VMFS_ACCESS_READ:
		return force || pg->prot != PROT_NONE;
	case VMFS_ACCESS_WRITE:
		return (pg->prot & PROT_WRITE) || (force && !pg->shared);
	default:
		return (pg->prot & PROT_EXEC) != 0;
	}
}

bool clip_object_tail(const struct mproc *p, uint64_t addr, size_t *len)
{
	uint64_t first = addr & ~(uint64_t)(PAGE - 1);

	for (uint64_t a = first; a < addr + *len && a >= first; a += PAGE) {
		const struct mpage *pg = page_at(p, a / PAGE);
		uint64_t tail;

		if (!pg || !pg->o || !pg->shared || obj_past_end(pg) ||
		    pg->pgoff != obj_npages(pg->o->size) - 1 || pg->o->size % PAGE == 0)
			continue;
		tail = a + pg->o->size % PAGE;
		if (tail <= addr)
			return false;
		if (addr + *len > tail)
			*len = tail - addr;
		break;
	}
	return *len > 0;
}

/* The bytes of [a, a + left) that lie in a's page. */
static size_t page_chunk(uint64_t a, size_t left)
{
	return PAGE - a % PAGE < left ? PAGE - a % PAGE : left;
}

size_t access_plan(const struct model *md, const struct mproc *p, uint64_t addr, size_t len,
		   unsigned how, unsigned char *want, const struct mpage **stop)
{
	size_t done = 0;

	*stop = NULL;
	while (done < len) {
		uint64_t a = addr + done;
		size_t chunk = page_chunk(a, len - done);
		const struct mpage *pg = a >= addr && a < md->user_top ? page_at(p, a / PAGE) : NULL;

		if (!pg || !allowed(pg, how) || obj_past_end(pg)) {
			*stop = pg;
			break;
		}
		if ((how & VMFS_ACCESS_TYPE) != VMFS_ACCESS_WRITE)
			memcpy(want + done, page_buf(pg)->d + a % PAGE, chunk);
		done += chunk;
	}
	return done;
}

unsigned access_write(struct mproc *p, uint64_t addr, const unsigned char *in, size_t done)
{
	unsigned copies = 0;

	for (size_t k = 0; k < done;) {
		uint64_t a = addr + k;
		size_t chunk = page_chunk(a, done - k);
		struct mpage *pg = page_at(p, a / PAGE);

		copies += pg->o && !pg->shared && !pg->copied;
		memcpy(page_write_buf(pg)->d + a % PAGE, in + k, chunk);
		pg->lazy = false;       /* written again: no longer lazy */
		k += chunk;
	}
	return copies;
}

/* ---- madvise, mlock (issue 14) ------------------------------------------------- */

/* Does @advice apply to the mapping of @pg (madvise_walk_vmas's EINVAL)? */
static bool advice_refused(int advice, const struct mpage *pg)
{
	bool locked = pg->vmflags & VMFS_MAP_LOCKED;

	switch (advice) {
	case VMFS_MADV_DONTNEED: case VMFS_MADV_COLD: case VMFS_MADV_PAGEOUT:
		return locked;
	case VMFS_MADV_FREE:
		return locked || pg->o || pg->shared;
	case VMFS_MADV_WIPEONFORK:
		return pg->o || pg->shared;
	}
	return false;
}

static bool advice_known(int advice)
{
	switch (advice) {
	case VMFS_MADV_NORMAL: case VMFS_MADV_RANDOM: case VMFS_MADV_SEQUENTIAL:
	case VMFS_MADV_WILLNEED: case VMFS_MADV_DONTNEED: case VMFS_MADV_FREE:
	case VMFS_MADV_DONTFORK: case VMFS_MADV_DOFORK: case VMFS_MADV_WIPEONFORK:
	case VMFS_MADV_KEEPONFORK: case VMFS_MADV_COLD: case VMFS_MADV_PAGEOUT:
	case VMFS_MADV_HUGEPAGE: case VMFS_MADV_NOHUGEPAGE:
		return true;
	}
	return false;
}

/*
 * madvise_update_vma and mlock_fixup, mapping by mapping over pages
 * [i, last) (holes skipped): vmflags (old & ~@clear) | @set and readahead
 * @ra (-1: kept); a mapping left as it is stays alone, the part of one that
 * changes becomes a mapping of its own, then merges by vma_merge.
 */
static void change_pages(struct mproc *p, size_t i, size_t last, unsigned clear, unsigned set,
			 int ra)
{
	size_t k = i;

	while (k < last) {
		size_t lo, hi, j;
		const struct mpage *v = &p->pg[k];
		unsigned nf = (v->vmflags & ~clear) | set;
		int nra = ra >= 0 ? ra : v->readahead;

		map_bounds(p, k, &lo, &hi);
		j = hi < last ? hi : last;
		if (nf == v->vmflags && nra == v->readahead) {
			k = j;
			continue;
		}
		for (size_t q = k; q < j; q++) {
			p->pg[q].vmflags = nf;
			p->pg[q].readahead = nra;
		}
		p->pg[k].vstart = true;
		if (j < p->n)
			p->pg[j].vstart = true;
		k = merge_around(p, k, j, false);
	}
}

/* What @advice does to the model's page @pg of @p. */
static void advise_page(struct model *md, const struct mproc *p, struct mpage *pg, int advice)
{
	uint64_t pm = 0;

	switch (advice) {
	case VMFS_MADV_DONTNEED:
		/* zap: private copies go; shared pages stay in their cache */
		if (pg->shared)
			break;
		if (pg->o && pg->copied) {
			buf_put(pg->b);
			pg->b = NULL;
			pg->copied = false;
		} else if (!pg->o) {
			memset(pg->b->d, 0, PAGE);
		}
		pg->lazy = false;
		break;
	case VMFS_MADV_FREE:
		/* a swap entry goes (its bytes with it); the rest become lazy */
		if (vmfs_pagemap(md->m, p->pid, pg->vpn, &pm, 1) == 1 && (pm & VMFS_PM_SWAPPED)) {
			memset(pg->b->d, 0, PAGE);
			pg->lazy = false;
		} else {
			pg->lazy = true;
		}
		break;
	}
}

/* The vm_flags change of a flag @advice (change_pages' arguments); false for the others. */
static bool advice_flags(int advice, unsigned *clear, unsigned *set, int *ra)
{
	*clear = *set = 0;
	*ra = -1;
	switch (advice) {
	case VMFS_MADV_NORMAL: case VMFS_MADV_RANDOM: case VMFS_MADV_SEQUENTIAL:
		*ra = advice;
		return true;
	case VMFS_MADV_DONTFORK:   *set = VMFS_MAP_DONTCOPY; return true;
	case VMFS_MADV_DOFORK:     *clear = VMFS_MAP_DONTCOPY; return true;
	case VMFS_MADV_WIPEONFORK: *set = VMFS_MAP_WIPEONFORK; return true;
	case VMFS_MADV_KEEPONFORK: *clear = VMFS_MAP_WIPEONFORK; return true;
	case VMFS_MADV_HUGEPAGE:   *clear = VMFS_MAP_NOHUGEPAGE; *set = VMFS_MAP_HUGEPAGE; return true;
	case VMFS_MADV_NOHUGEPAGE: *clear = VMFS_MAP_HUGEPAGE; *set = VMFS_MAP_NOHUGEPAGE; return true;
	}
	return false;
}

int64_t model_madvise(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages,
		      int advice)
{
	uint64_t end = range_end(vpn, npages), expect_pages = end - vpn;
	size_t i = lower_bound(p, vpn), last = lower_bound(p, end), first = i;
	uint64_t next = vpn;
	bool hole = false;
	unsigned clear, set;
	int ra;

	if (!advice_known(advice) || end - vpn != npages)
		return -EINVAL;
	if (npages == 0)
		return 0;
	if (i == p->n)
		return -ENOMEM;         /* nothing at or above: nothing advised */
	for (; i < last; i++) {
		struct mpage *pg = &p->pg[i];

		hole |= pg->vpn != next;
		next = pg->vpn + 1;
		if (advice_refused(advice, pg))
			break;
		advise_page(md, p, pg, advice);
	}
	if (advice_flags(advice, &clear, &set, &ra))
		change_pages(p, first, i, clear, set, ra);   /* the mappings before a refusal too */
	(void)expect_pages;
	if (i < last)
		return -EINVAL;
	return hole || next != end ? -ENOMEM : 0;
}

uint64_t model_locked(const struct mproc *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += (p->pg[i].vmflags & VMFS_MAP_LOCKED) != 0;
	return n;
}

/*
 * populate (__mm_populate) of the pages [from, to) of @p: a private
 * writable object page gets its own copy (the write fault that breaks
 * COW); false at the first page that cannot be faulted in (PROT_NONE, past
 * its object's end) when @stop, else such pages are passed.  Locked on
 * fault pages are not touched.
 */
static bool populate(struct model *md, struct mproc *p, size_t from, size_t to, bool stop)
{
	for (size_t i = from; i < to; i++) {
		struct mpage *pg = &p->pg[i];
		bool write = (pg->prot & PROT_WRITE) && !pg->shared;   /* FOLL_WRITE */

		if (pg->vmflags & VMFS_MAP_LOCKONFAULT)
			continue;
		if (pg->prot == PROT_NONE || obj_past_end(pg)) {
			if (stop)
				return false;
			continue;
		}
		if (write && pg->o && !pg->copied)
			page_write_buf(pg);
		/* the fault that takes a private anonymous frame gives an anon_vma */
		if (anon_fault_expected(md, pg, write ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ))
			model_anon_fault(p, pg->vpn);
	}
	return true;
}

void model_populate_new(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages)
{
	if (p->def_flags & VMFS_MAP_LOCKED)
		populate(md, p, lower_bound(p, vpn), lower_bound(p, range_end(vpn, npages)), false);
}

/* The mapped run from @vpn over at most @npages: its end index. */
static size_t mapped_run(const struct mproc *p, uint64_t vpn, uint64_t npages, size_t *first)
{
	size_t i = lower_bound(p, vpn);
	uint64_t next = vpn, end = range_end(vpn, npages);

	*first = i;
	while (i < p->n && p->pg[i].vpn == next && next < end) {
		i++;
		next++;
	}
	return i;
}

int64_t model_mlock(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages,
		    unsigned flags)
{
	size_t first, run, inrange = 0;
	uint64_t locked;

	(void)md;
	if (flags & ~(unsigned)VMFS_MLOCK_ONFAULT)
		return -EINVAL;
	if (npages == 0)
		return 0;
	locked = npages + model_locked(p);
	if (locked > MODEL_MEMLOCK_PAGES) {
		for (size_t i = lower_bound(p, vpn); i < lower_bound(p, range_end(vpn, npages)); i++)
			inrange += (p->pg[i].vmflags & VMFS_MAP_LOCKED) != 0;
		if (locked - inrange > MODEL_MEMLOCK_PAGES)
			return -ENOMEM;
	}
	run = mapped_run(p, vpn, npages, &first);
	if (run == first)
		return -ENOMEM;
	change_pages(p, first, run, VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT,
		     VMFS_MAP_LOCKED | (flags ? VMFS_MAP_LOCKONFAULT : 0), -1);
	if (run - first != npages)
		return -ENOMEM;
	return populate(md, p, first, run, true) ? 0 : -ENOMEM;
}

int64_t model_munlock(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages)
{
	size_t first, run;

	(void)md;
	if (npages == 0)
		return 0;
	run = mapped_run(p, vpn, npages, &first);
	if (run == first)
		return -ENOMEM;
	change_pages(p, first, run, VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT, 0, -1);
	return run - first != npages ? -ENOMEM : 0;
}

int64_t model_mlockall(struct model *md, struct mproc *p, unsigned flags)
{
	unsigned add = 0;

	(void)md;
	if (!flags || (flags & ~(unsigned)(VMFS_MCL_CURRENT | VMFS_MCL_FUTURE | VMFS_MCL_ONFAULT)) ||
	    flags == VMFS_MCL_ONFAULT)
		return -EINVAL;
	if ((flags & VMFS_MCL_CURRENT) && p->n > MODEL_MEMLOCK_PAGES)
		return -ENOMEM;
	p->def_flags = 0;
	if (flags & VMFS_MCL_FUTURE)
		p->def_flags = VMFS_MAP_LOCKED | (flags & VMFS_MCL_ONFAULT ? VMFS_MAP_LOCKONFAULT : 0);
	if (!(flags & VMFS_MCL_CURRENT))
		return 0;
	add = VMFS_MAP_LOCKED | (flags & VMFS_MCL_ONFAULT ? VMFS_MAP_LOCKONFAULT : 0);
	change_pages(p, 0, p->n, VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT, add, -1);
	populate(md, p, 0, p->n, false);
	return 0;
}

void model_munlockall(struct model *md, struct mproc *p)
{
	(void)md;
	p->def_flags = 0;
	change_pages(p, 0, p->n, VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT, 0, -1);
}

void model_resolve_lazy(struct model *md)
{
	for (int k = 0; k < md->nprocs; k++) {
		struct mproc *p = &md->procs[k];

		for (size_t i = 0; i < p->n; i++) {
			struct mpage *pg = &p->pg[i];
			uint64_t pm = 0;

			if (!pg->lazy)
				continue;
			if (vmfs_pagemap(md->m, p->pid, pg->vpn, &pm, 1) != 1) {
				model_fail(md, "vmfs_pagemap(%d, %#" PRIx64 ") failed", p->pid, pg->vpn);
				return;
			}
			if (pm & VMFS_PM_PRESENT)
				continue;               /* still there: still lazy */
			if (!(pm & VMFS_PM_SWAPPED))
				memset(pg->b->d, 0, PAGE);   /* dropped */
			pg->lazy = false;
		}
	}
}

/* ---- checks shared by both drivers --------------------------------------------- */

void check_pids(struct model *md)
{
	int pids[MODEL_PROCS + 4], prev = 0;
	int n = vmfs_pids(md->m, pids, MODEL_PROCS + 4);

	model_expect(md, "vmfs_pids count", md->nprocs, n);
	for (int i = 0; i < n && !md->failed; i++) {
		if (pids[i] <= prev)
			model_fail(md, "vmfs_pids not ascending at %d: %d after %d", i, pids[i], prev);
		else if (find_proc(md, pids[i]) < 0)
			model_fail(md, "vmfs_pids lists %d, which the model does not have", pids[i]);
		prev = pids[i];
	}
}

/* The mapping @e covering @vpn names the page's object (and " (deleted)"
 * once removed) at the page's offset, or none for anonymous memory. */
static void check_map_object(struct model *md, int pid, const struct vmfs_map *e, uint64_t vpn,
			     const struct mpage *pg)
{
	char want[32] = "";

	if (pg->o)
		snprintf(want, sizeof(want), "%s%s", pg->o->name, pg->o->named ? "" : " (deleted)");
	if (strcmp(e->object, want))
		model_fail(md, "pid %d: page %#" PRIx64 " of map [%#" PRIx64 ", %#" PRIx64
			   "): object \"%s\", model \"%s\"", pid, vpn * PAGE, e->start, e->end,
			   e->object, want);
	else if (pg->o && e->offset / PAGE + (vpn - e->start / PAGE) != pg->pgoff)
		model_fail(md, "pid %d: page %#" PRIx64 ": map [%#" PRIx64 ", %#" PRIx64 ") at offset %#"
			   PRIx64 " puts it at object page %" PRIu64 ", model %" PRIu64, pid,
			   vpn * PAGE, e->start, e->end, e->offset,
			   e->offset / PAGE + (vpn - e->start / PAGE), pg->pgoff);
	else if (!(e->flags & MAP_ANONYMOUS) != !!pg->o)
		model_fail(md, "pid %d: map [%#" PRIx64 ", %#" PRIx64 ") flags %#x for %s memory", pid,
			   e->start, e->end, e->flags, pg->o ? "object" : "anonymous");
}

/* Say which model page vmfs_maps' @n entries leave out. */
static void fail_uncovered(struct model *md, const struct mproc *p, const struct vmfs_map *maps,
			   int n, size_t covered)
{
	for (size_t k = 0; k < p->n; k++) {
		uint64_t a = p->pg[k].vpn * PAGE;
		bool in = false;

		for (int i = 0; i < n; i++)
			in |= a >= maps[i].start && a < maps[i].end;
		if (!in) {
			model_fail(md, "pid %d: model maps %#" PRIx64 " %s, vmfs_maps does not", p->pid,
				   a, prot_str(p->pg[k].prot));
			return;
		}
	}
	model_fail(md, "pid %d: vmfs_maps covers %zu pages, the model %zu", p->pid, covered, p->n);
}

void check_maps(struct model *md, const struct mproc *p, bool objects)
{
	static struct vmfs_map maps[1024];
	struct vmfs_proc_stat ps;
	size_t covered = 0;
	uint64_t prev_end = 0;
	int n = vmfs_maps(md->m, p->pid, maps, 1024);
	int rc;

	if (n < 0 || n > 1024) {
		model_fail(md, "vmfs_maps(%d) returned %d", p->pid, n);
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct vmfs_map *e = &maps[i];
		bool shared = (e->flags & MAP_SHARED) != 0;

		if (e->start >= e->end || (e->start | e->end) % PAGE || e->start < prev_end ||
		    e->end > md->user_top || shared == !!(e->flags & MAP_PRIVATE)) {
			model_fail(md, "pid %d: bad map [%#" PRIx64 ", %#" PRIx64 ") flags %#x after %#"
				   PRIx64, p->pid, e->start, e->end, e->flags, prev_end);
			return;
		}
		prev_end = e->end;
		for (uint64_t vpn = e->start / PAGE; vpn < e->end / PAGE; vpn++) {
			const struct mpage *pg = page_at(p, vpn);

			if (!pg) {
				model_fail(md, "pid %d: vmfs_maps has [%#" PRIx64 ", %#" PRIx64 ") %s %s, "
					   "but the model has nothing at %#" PRIx64, p->pid, e->start,
					   e->end, prot_str(e->prot), shared ? "shared" : "private",
					   vpn * PAGE);
				return;
			}
			if (pg->vmflags != (unsigned)(e->flags & MODEL_VMFLAGS)) {
				model_fail(md, "pid %d: page %#" PRIx64 ": model vm flags %#x, vmfs_maps "
					   "%#x ([%#" PRIx64 ", %#" PRIx64 "))", p->pid, vpn * PAGE,
					   pg->vmflags, e->flags & MODEL_VMFLAGS, e->start, e->end);
				return;
			}
			if (pg->prot != e->prot || pg->shared != shared) {
				model_fail(md, "pid %d: page %#" PRIx64 ": model %s %s, vmfs_maps %s %s "
					   "([%#" PRIx64 ", %#" PRIx64 "))", p->pid, vpn * PAGE,
					   prot_str(pg->prot), pg->shared ? "shared" : "private",
					   prot_str(e->prot), shared ? "shared" : "private", e->start,
					   e->end);
				return;
			}
			if (objects)
				check_map_object(md, p->pid, e, vpn, pg);
			if (md->predict_maps && map_begins(p, (size_t)(pg - p->pg)) != (vpn == e->start / PAGE))
				model_fail(md, "pid %d: vmfs_maps has [%#" PRIx64 ", %#" PRIx64 ") %s %s, "
					   "the model %s a mapping at %#" PRIx64 " (anon_vma %" PRIu64
					   "%s, previous page's %" PRIu64 ")", p->pid, e->start, e->end,
					   prot_str(e->prot), shared ? "shared" : "private",
					   vpn == e->start / PAGE ? "does not begin" : "begins",
					   vpn * PAGE, pg->av, pg->av_forked ? " from a fork" : "",
					   pg > p->pg ? pg[-1].av : 0);
			if (md->failed)
				return;
			covered++;
		}
	}
	if (covered != p->n) {
		fail_uncovered(md, p, maps, n, covered);
		return;
	}
	rc = vmfs_proc_stat(md->m, p->pid, &ps);
	model_expect(md, "vmfs_proc_stat", 0, rc);
	if (!rc) {
		model_expect(md, "vmfs_proc_stat vm_pages", (int64_t)p->n, (int64_t)ps.vm_pages);
		model_expect(md, "vmfs_proc_stat nr_maps", n, (int64_t)ps.nr_maps);
	}
}

uint64_t phys_u64(struct model *md, uint64_t paddr)
{
	unsigned char b[8];
	uint64_t v = 0;
	ssize_t got = vmfs_phys_read(md->m, paddr, b, 8);

	if (got != 8) {
		model_fail(md, "vmfs_phys_read(%#" PRIx64 ", 8) returned %zd", paddr, got);
		return 0;
	}
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

void check_dead_pid(struct model *md, int pid)
{
	unsigned char b[16] = { 0 };
	struct vmfs_walk w;
	struct vmfs_map mp;

	model_expect(md, "fork", -ESRCH, vmfs_fork(md->m, pid));
	model_expect(md, "exit", -ESRCH, vmfs_exit(md->m, pid));
	model_expect(md, "mmap", -ESRCH, vmfs_mmap(md->m, pid, 0, PAGE, PROT_READ,
						   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, NULL));
	model_expect(md, "munmap", -ESRCH, vmfs_munmap(md->m, pid, LOW_VPN * PAGE, PAGE));
	model_expect(md, "mprotect", -ESRCH, vmfs_mprotect(md->m, pid, LOW_VPN * PAGE, PAGE, 0));
	model_expect(md, "read", -ESRCH, vmfs_read(md->m, pid, LOW_VPN * PAGE, b, sizeof(b)));
	model_expect(md, "write", -ESRCH, vmfs_write(md->m, pid, LOW_VPN * PAGE, b, sizeof(b)));
	model_expect(md, "maps", -ESRCH, vmfs_maps(md->m, pid, &mp, 1));
	model_expect(md, "translate", -ESRCH, vmfs_translate(md->m, pid, LOW_VPN * PAGE, &w));
}

void check_objects(struct model *md)
{
	struct vmfs_object_info in, list[MAX_OBJS + 1];
	struct vmfs_stat st;
	int named = 0, n;

	for (int slot = 0; slot < MAX_OBJS && !md->failed; slot++) {
		const struct mobj *o = md->objs[slot];
		int rc = vmfs_object_stat(md->m, slot_name(slot), &in);

		model_expect(md, "object_stat", o ? 0 : -ENOENT, rc);
		if (!o || rc)
			continue;
		if (strcmp(in.name, o->name) || in.size != o->size || in.mode != o->mode || in.removed)
			model_fail(md, "object_stat(\"%s\"): name \"%s\" size %" PRIu64 " mode %#o "
				   "removed %d, model size %" PRIu64 " mode %#o", o->name, in.name,
				   in.size, in.mode, in.removed, o->size, o->mode);
		else if (in.cached > obj_npages(o->size))
			model_fail(md, "object_stat(\"%s\"): %" PRIu64 " pages cached of %" PRIu64,
				   o->name, in.cached, obj_npages(o->size));
		named++;
	}
	if (md->failed)
		return;
	n = vmfs_object_list(md->m, list, MAX_OBJS + 1);
	model_expect(md, "object_list count", named, n);
	for (int i = 0, slot = 0; i < n && i <= MAX_OBJS && !md->failed; i++, slot++) {
		while (slot < MAX_OBJS && !md->objs[slot])
			slot++;
		if (slot == MAX_OBJS || strcmp(list[i].name, md->objs[slot]->name) ||
		    list[i].size != md->objs[slot]->size)
			model_fail(md, "object_list[%d] is \"%s\" (%" PRIu64 " bytes), model \"%s\"", i,
				   list[i].name, list[i].size,
				   slot < MAX_OBJS ? md->objs[slot]->name : "");
	}
	model_expect(md, "vmfs_stat", 0, vmfs_stat(md->m, &st));
	model_expect(md, "nr_objects", named, (int64_t)st.nr_objects);
}

void check_all_bytes(struct model *md, bool may_oom)
{
	static unsigned char got[PAGE];

	model_resolve_lazy(md);
	for (int i = 0; i < md->nprocs && !md->failed; i++) {
		struct mproc *p = &md->procs[i];

		for (size_t k = 0; k < p->n && !md->failed; k++) {
			const struct mpage *pg = &p->pg[k];
			uint64_t a = pg->vpn * PAGE;
			struct vmfs_fault f;
			ssize_t n;

			model_set_op(md, "final force-read(%d, %#" PRIx64 ", 4096)", p->pid, a);
			n = vmfs_access(md->m, p->pid, a, got, PAGE,
					VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, &f);
			if (anon_fault_expected(md, pg, VMFS_ACCESS_READ))
				model_anon_fault(p, pg->vpn);
			md->faults_seen += f.minor + f.major;
			md->majors_seen += f.major;
			if (n == -ENOMEM && may_oom)
				continue;
			if (obj_past_end(pg)) {
				model_expect(md, "force-read past the object's end", -EFAULT, n);
				continue;
			}
			model_expect(md, "bytes read", PAGE, n);
			if (n == PAGE && memcmp(got, page_buf(pg)->d, PAGE))
				model_fail(md, "pid %d page %#" PRIx64 " differs from the model", p->pid, a);
		}
	}
}

void check_empty(struct model *md, uint64_t frames, bool objects, struct vmfs_stat *st)
{
	uint64_t cached = 0;

	for (int i = 0; i < md->nopen && !md->failed; i++)
		cached += check_obj_fstat(md, md->open[i]->num);
	model_expect(md, "vmfs_stat", 0, vmfs_stat(md->m, st));
	model_expect(md, "frames_free with no process", (int64_t)(frames - cached),
		     (int64_t)st->frames_free);
	model_expect(md, "pgalloc - pgfree with no process", (int64_t)cached,
		     (int64_t)(st->pgalloc - st->pgfree));
	model_expect(md, "page-table pages with no process (the kernel's)",
		     (int64_t)md->kernel_pt_pages, (int64_t)st->pagetable_pages);
	model_expect(md, "swap_used with no process", 0, (int64_t)st->swap_used);
	model_expect(md, "swap_cached with no process", 0, (int64_t)st->swap_cached);
	if (objects) {
		model_expect(md, "nr_objects after removing them all", 0, (int64_t)st->nr_objects);
		model_expect(md, "file_pages with no object (but those open)", (int64_t)cached,
			     (int64_t)st->file_pages);
	}
}

/* ---- objects open by number ------------------------------------------------------ */

struct mobj *open_obj(const struct model *md, int64_t num)
{
	for (int i = 0; i < md->nopen; i++)
		if (md->open[i]->num == num)
			return md->open[i];
	return NULL;
}

/* Whether some object the model still has, or had open, was given @num. */
static bool number_known(const struct model *md, int64_t num)
{
	unsigned n = md->nclosed < MAX_CLOSED ? md->nclosed : MAX_CLOSED;

	if (open_obj(md, num))
		return true;
	for (int slot = 0; slot < MAX_OBJS; slot++)
		if (md->objs[slot] && md->objs[slot]->num == num)
			return true;
	for (unsigned i = 0; i < n; i++)
		if (md->closed[i] == num)
			return true;
	return false;
}

int64_t check_obj_open(struct model *md, int slot)
{
	struct mobj *o = md->objs[slot];
	int64_t num;

	if (o && !o->nopen && md->nopen == MAX_OPEN)
		return 0;
	model_set_op(md, "object_open(\"%s\")", slot_name(slot));
	num = vmfs_object_open(md->m, slot_name(slot));
	if (!o) {
		model_expect(md, "object_open", -ENOENT, num);
		return 0;
	}
	if (num <= 0) {
		model_fail(md, "object_open(\"%s\") returned %" PRId64 " - %s", o->name, num,
			   vmfs_errmsg());
		return 0;
	}
	if (o->num && num != o->num) {
		model_fail(md, "object_open(\"%s\") gave number %" PRId64 ", before %" PRId64,
			   o->name, num, o->num);
		return 0;
	}
	if (!o->num && number_known(md, num)) {
		model_fail(md, "object_open(\"%s\") gave number %" PRId64 ", another object's",
			   o->name, num);
		return 0;
	}
	o->num = num;
	if (num > md->max_num)
		md->max_num = num;
	if (!o->nopen++) {
		md->open[md->nopen++] = o;
		o->refs++;
	}
	return num;
}

void check_obj_close(struct model *md, int64_t num)
{
	struct mobj *o = open_obj(md, num);
	int i = 0;

	model_set_op(md, "object_close(%" PRId64 ")", num);
	model_expect(md, "object_close", o ? 0 : -EBADF, vmfs_object_close(md->m, num));
	if (!o || --o->nopen)
		return;
	while (md->open[i] != o)
		i++;
	md->open[i] = md->open[--md->nopen];
	md->closed[md->nclosed++ % MAX_CLOSED] = num;
	obj_put(o);
}

/* The @n bytes @got read from @o at @off are the model's. */
static void check_obj_bytes(struct model *md, const struct mobj *o, uint64_t off,
			    const unsigned char *got, int64_t n)
{
	for (int64_t k = 0; k < n; k++) {
		unsigned char want = obj_byte(o, off + (uint64_t)k);

		if (got[k] != want) {
			model_fail(md, "%s byte %#" PRIx64 " is %#x, model %#x", o->name,
				   off + (uint64_t)k, got[k], want);
			return;
		}
	}
}

void check_obj_pread(struct model *md, int64_t num, uint64_t off, size_t len)
{
	static unsigned char got[4 * PAGE];
	const struct mobj *o = open_obj(md, num);
	int64_t want = o ? obj_read_expect(o, off, len) : -EBADF;

	if (len > sizeof(got))
		len = sizeof(got);
	model_set_op(md, "object_pread(%" PRId64 ", %#" PRIx64 ", %zu) (size %" PRIu64 ")", num, off,
		     len, o ? o->size : 0);
	memset(got, 0xa5, sizeof(got));
	model_expect(md, "object_pread", want, vmfs_object_pread(md->m, num, off, got, len));
	if (!md->failed && want > 0)
		check_obj_bytes(md, o, off, got, want);
}

void check_obj_pwrite(struct model *md, int64_t num, uint64_t off, const unsigned char *data,
		      size_t len)
{
	struct mobj *o = open_obj(md, num);

	if (off + len > OBJ_PAGES * PAGE)
		len = OBJ_PAGES * PAGE - off;
	model_set_op(md, "object_pwrite(%" PRId64 ", %#" PRIx64 ", %zu) (size %" PRIu64 ")", num, off,
		     len, o ? o->size : 0);
	model_expect(md, "object_pwrite", o ? (int64_t)len : -EBADF,
		     vmfs_object_pwrite(md->m, num, off, data, len));
	if (o && !md->failed)
		obj_write(md, o, off, data, len);
}

void check_obj_ftruncate(struct model *md, int64_t num, uint64_t size)
{
	struct mobj *o = open_obj(md, num);

	model_set_op(md, "object_ftruncate(%" PRId64 ", %" PRIu64 ")", num, size);
	model_expect(md, "object_ftruncate", o ? 0 : -EBADF,
		     vmfs_object_ftruncate(md->m, num, size));
	if (o && !md->failed)
		obj_set_size(md, o, size);
}

void check_obj_fchmod(struct model *md, int64_t num, unsigned mode)
{
	struct mobj *o = open_obj(md, num);
	bool ok = !(mode & ~07777u);

	model_set_op(md, "object_fchmod(%" PRId64 ", %#o)", num, mode);
	model_expect(md, "object_fchmod", !o ? -EBADF : ok ? 0 : -EINVAL,
		     vmfs_object_fchmod(md->m, num, mode));
	if (o && ok && !md->failed)
		o->mode = mode;
}

uint64_t check_obj_fstat(struct model *md, int64_t num)
{
	const struct mobj *o = open_obj(md, num);
	struct vmfs_object_info in;
	int rc;

	model_set_op(md, "object_fstat(%" PRId64 ")", num);
	memset(&in, 0x5a, sizeof(in));
	rc = vmfs_object_fstat(md->m, num, &in);
	model_expect(md, "object_fstat", o ? 0 : -EBADF, rc);
	if (!o || rc)
		return 0;
	if (strcmp(in.name, o->name) || in.size != o->size || in.mode != o->mode ||
	    in.removed != !o->named)
		model_fail(md, "object_fstat(%" PRId64 "): name \"%.20s\" size %" PRIu64 " mode %#o "
			   "removed %d; model \"%s\" size %" PRIu64 " mode %#o removed %d", num,
			   in.name, in.size, in.mode, in.removed, o->name, o->size, o->mode,
			   !o->named);
	else if (in.cached > obj_npages(o->size))
		model_fail(md, "object_fstat(%" PRId64 "): %" PRIu64 " pages cached of %" PRIu64,
			   num, in.cached, obj_npages(o->size));
	return in.cached;
}

void check_obj_limits(struct model *md, int64_t num)
{
	static const char *const bad_names[] = { "", "a/b", "obj\n", ".", ".." };
	const struct mobj *o = open_obj(md, num);
	int64_t badf = o ? 0 : -EBADF;
	unsigned char b[8] = { 0 };
	struct vmfs_object_info in;

	model_set_op(md, "calls on number %" PRId64 " that must fail", num);
	model_expect(md, "pwrite at 2^44", badf ? badf : -EFBIG,
		     vmfs_object_pwrite(md->m, num, OBJ_MAX_SIZE, b, 1));
	model_expect(md, "pwrite across 2^44", badf ? badf : -EFBIG,
		     vmfs_object_pwrite(md->m, num, OBJ_MAX_SIZE - 4, b, sizeof(b)));
	model_expect(md, "pwrite at 2^64 - 1", badf ? badf : -EFBIG,
		     vmfs_object_pwrite(md->m, num, UINT64_MAX, b, 1));
	model_expect(md, "ftruncate past 2^44", badf ? badf : -EFBIG,
		     vmfs_object_ftruncate(md->m, num, OBJ_MAX_SIZE + 1));
	model_expect(md, "ftruncate to 2^64 - 1", badf ? badf : -EFBIG,
		     vmfs_object_ftruncate(md->m, num, UINT64_MAX));
	model_expect(md, "fchmod 010000", badf ? badf : -EINVAL,
		     vmfs_object_fchmod(md->m, num, 010000));
	model_expect(md, "fchmod ~0", badf ? badf : -EINVAL, vmfs_object_fchmod(md->m, num, ~0u));
	model_expect(md, "pread into NULL", -EINVAL, vmfs_object_pread(md->m, num, 0, NULL, 1));
	model_expect(md, "pwrite from NULL", -EINVAL, vmfs_object_pwrite(md->m, num, 0, NULL, 1));
	model_expect(md, "fstat into NULL", -EINVAL, vmfs_object_fstat(md->m, num, NULL));
	model_expect(md, "pread of 0 bytes into NULL", badf, vmfs_object_pread(md->m, num, 0, NULL, 0));
	model_expect(md, "pwrite of 0 bytes from NULL", badf,
		     vmfs_object_pwrite(md->m, num, 0, NULL, 0));
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		model_expect(md, "open of a bad name", -EINVAL, vmfs_object_open(md->m, bad_names[i]));
	model_expect(md, "open of NULL", -EINVAL, vmfs_object_open(md->m, NULL));
	/* Nothing changed: fstat as the model has it, and (for an open number)
	 * the bytes of its first pages; a bad number is -EBADF for them too. */
	check_obj_fstat(md, num);
	if (!md->failed)
		check_obj_pread(md, num, 0, 4 * PAGE);
	if (!o && !md->failed) {
		model_expect(md, "close of a number not open", -EBADF, vmfs_object_close(md->m, num));
		model_expect(md, "fstat of a number not open", -EBADF, vmfs_object_fstat(md->m, num, &in));
	}
}

int64_t bad_number(const struct model *md, unsigned k, uint64_t raw)
{
	int64_t num;
	unsigned n = md->nclosed < MAX_CLOSED ? md->nclosed : MAX_CLOSED;

	switch (k % 8) {
	case 0: num = 0; break;
	case 1: num = -1; break;
	case 2: num = INT64_MIN; break;
	case 3: num = INT64_MAX; break;
	case 4: case 5: num = n ? md->closed[(k / 8) % n] : md->max_num + 1; break;
	case 6: num = md->max_num + 1 + (int64_t)(k / 8 % 4); break;
	default: num = (int64_t)raw; break;
	}
	return open_obj(md, num) ? md->max_num + 1 : num;
}

/* ---- mremap (issue 14, since 0.5) ------------------------------------------------ */

#define MODEL_MAX_MAP_COUNT 65530   /* the machine's default max_map_count */

static uint64_t map_count(const struct mproc *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += map_begins(p, i);
	return n;
}

bool model_mremap_grows_shm(const struct mproc *p, uint64_t addr, uint64_t old_len,
			    uint64_t new_len)
{
	const struct mpage *pg = page_at(p, addr / PAGE);

	return pg && pg->shared && !pg->o && new_len > old_len;
}

/* vma_to_resize's checks, @ve being the end the mapping of page @i will have. */
static int64_t resize_check(const struct mproc *p, size_t i, uint64_t ve, uint64_t vpn,
			    uint64_t ol, uint64_t nl)
{
	const struct mpage *pg = &p->pg[i];

	if (!ol && !pg->shared)
		return -EINVAL;
	if (ol > ve - vpn)
		return -EFAULT;
	if (nl > ol && (pg->vmflags & VMFS_MAP_LOCKED) &&
	    model_locked(p) + (nl - ol) > MODEL_MEMLOCK_PAGES)
		return -EAGAIN;
	return 0;
}

/* Page @k of a mapping grown from template @t: what the mapping shows there. */
static struct mpage grown_page(const struct mpage *t, uint64_t vpn, uint64_t lin)
{
	struct mpage pg = *t;

	pg.vpn = vpn;
	pg.lin = lin;
	pg.vstart = false;
	pg.lazy = false;
	pg.copied = false;
	pg.b = NULL;
	if (pg.o) {
		pg.pgoff = lin;
		pg.o->refs++;
	} else {
		pg.b = buf_new();
	}
	return pg;
}

/* Insert @n pages @pg (sorted, into a free range) into @p; their first index. */
static size_t insert_moved(struct mproc *p, const struct mpage *pg, size_t n)
{
	size_t at;

	reserve(p, p->n + n);
	at = lower_bound(p, pg[0].vpn);
	if (at < p->n)
		memmove(&p->pg[at + n], &p->pg[at], (p->n - at) * sizeof(p->pg[0]));
	memcpy(&p->pg[at], pg, n * sizeof(*pg));
	p->n += n;
	p->pg[at].vstart = true;
	if (at + n < p->n)
		p->pg[at + n].vstart = true;
	return at;
}

/*
 * move_vma: the @ol pages at @vpn (one mapping) to @nl pages at @nvpn (a
 * free range), grown as the mapping would show them; the old pages stay,
 * emptied, with @dontunmap.  copy_vma keeps the pgoff (lin), but gives
 * private anonymous memory without an anon_vma the new address's.
 */
static void move_pages(struct model *md, struct mproc *p, uint64_t vpn, uint64_t ol,
		       uint64_t nl, uint64_t nvpn, bool dontunmap)
{
	size_t a = lower_bound(p, vpn), at;
	struct mpage *pg = memset(xmalloc(nl * sizeof(*pg)), 0, nl * sizeof(*pg));
	const struct mpage tmpl = p->pg[ol ? a + ol - 1 : a];
	uint64_t lin0 = p->pg[a].lin;
	bool fresh_lin = !tmpl.o && !tmpl.shared && !tmpl.av;

	for (uint64_t k = 0; k < ol; k++) {
		struct mpage *old = &p->pg[a + k];

		pg[k] = *old;
		pg[k].vpn = nvpn + k;
		if (!dontunmap)
			continue;
		/* the old page stays, empty: zeros, or its object's page again */
		if (old->shared) {
			if (old->b)
				old->b->refs++;
			if (old->o)
				old->o->refs++;
		} else if (old->o) {
			old->o->refs++;
			old->b = NULL;
			old->copied = false;
		} else {
			old->b = buf_new();
		}
		old->lazy = false;
	}
	for (uint64_t k = ol; k < nl; k++)
		pg[k] = grown_page(&tmpl, nvpn + k, (ol ? lin0 : tmpl.lin) + k);
	for (uint64_t k = 0; k < nl; k++)
		if (fresh_lin)
			pg[k].lin = nvpn + k;
	if (!dontunmap && ol) {
		/* the old pages leave without a release: the new ones own what they held */
		if (a + ol < p->n)
			memmove(&p->pg[a], &p->pg[a + ol], (p->n - a - ol) * sizeof(p->pg[0]));
		p->n -= ol;
		if (a < p->n)
			p->pg[a].vstart = true;
	}
	at = insert_moved(p, pg, nl);
	free(pg);
	merge_around(p, at, at + nl, false);
	if (dontunmap) {
		size_t o = lower_bound(p, vpn), lo, hi, nlo, nhi;

		map_bounds(p, o, &lo, &hi);
		map_bounds(p, lower_bound(p, nvpn), &nlo, &nhi);
		if (lo != nlo) {
			/* the old mapping loses VM_LOCKED; all of it moved: its anon_vma */
			bool all = p->pg[lo].vpn == vpn && hi - lo == ol;

			for (size_t q = lo; q < hi; q++) {
				p->pg[q].vmflags &= ~(unsigned)(VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT);
				if (all) {
					p->pg[q].av = 0;
					p->pg[q].av_forked = false;
				}
			}
		}
	}
	if ((tmpl.vmflags & VMFS_MAP_LOCKED) && nl > ol)
		populate(md, p, lower_bound(p, nvpn + ol), lower_bound(p, nvpn + nl), false);
}

int64_t model_mremap(struct model *md, struct mproc *p, uint64_t addr, uint64_t old_len,
		     uint64_t new_len, int flags, uint64_t new_addr, uint64_t *res)
{
	const int known = VMFS_MREMAP_MAYMOVE | VMFS_MREMAP_FIXED | VMFS_MREMAP_DONTUNMAP;
	uint64_t ol, nl, vpn = addr / PAGE, ve, dst;
	size_t i, lo, hi;
	int64_t rc;

	if (flags & ~known)
		return -EINVAL;
	if ((flags & VMFS_MREMAP_FIXED) && !(flags & VMFS_MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & VMFS_MREMAP_DONTUNMAP) && (!(flags & VMFS_MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr % PAGE)
		return -EINVAL;
	if (old_len > UINT64_MAX - (PAGE - 1) || new_len > UINT64_MAX - (PAGE - 1))
		return -EINVAL;
	ol = (old_len + PAGE - 1) / PAGE;
	nl = (new_len + PAGE - 1) / PAGE;
	if (!nl)
		return -EINVAL;
	i = lower_bound(p, vpn);
	if (i >= p->n || p->pg[i].vpn != vpn)
		return -EFAULT;
	map_bounds(p, i, &lo, &hi);
	ve = p->pg[hi - 1].vpn + 1;
	if (flags & (VMFS_MREMAP_FIXED | VMFS_MREMAP_DONTUNMAP)) {
		uint64_t nvpn = new_addr / PAGE, oend = vpn + ol;

		if (new_addr % PAGE || nl > md->top_vpn || nvpn > md->top_vpn - nl)
			return -EINVAL;
		if (vpn + ol > nvpn && nvpn + nl > vpn)
			return -EINVAL;
		if (map_count(p) + 2 >= MODEL_MAX_MAP_COUNT - 3)
			return -ENOMEM;
		if ((flags & VMFS_MREMAP_FIXED) && nvpn >= vpn && nvpn < ve)
			ve = nvpn;
		if (ol > nl) {
			if (ol > md->top_vpn || vpn > md->top_vpn - ol)
				return -EINVAL;     /* the tail's do_munmap */
			if (vpn + nl < ve)
				ve = vpn + nl;
			ol = nl;
		}
		if ((rc = resize_check(p, i, ve, vpn, ol, nl)))
			return rc;
		if (!(flags & VMFS_MREMAP_FIXED) && placement(md, p, new_addr, nl, 2, &nvpn) < 0)
			return -ENOMEM;
		if (flags & VMFS_MREMAP_FIXED)
			remove_range(p, nvpn, nl);
		if (oend > vpn + ol)
			remove_range(p, vpn + ol, oend - vpn - ol);
		move_pages(md, p, vpn, ol, nl, nvpn, flags & VMFS_MREMAP_DONTUNMAP);
		*res = nvpn * PAGE;
		return 0;
	}
	if (ol >= nl) {
		if (ol > nl) {
			if (vpn + ol > md->top_vpn)
				return -EINVAL;     /* do_munmap's range check */
			remove_range(p, vpn + nl, ol - nl);
		}
		*res = addr;
		return 0;
	}
	if ((rc = resize_check(p, i, ve, vpn, ol, nl)))
		return rc;
	if (ol == ve - vpn && ve + (nl - ol) <= md->top_vpn && !pages_in(p, ve, nl - ol)) {
		/* grown in place: the mapping extended, not merged with the next one */
		struct mpage *pg = xmalloc((nl - ol) * sizeof(*pg));
		const struct mpage tmpl = p->pg[hi - 1];
		size_t at;

		for (uint64_t k = 0; k < nl - ol; k++)
			pg[k] = grown_page(&tmpl, ve + k, tmpl.lin + 1 + k);
		at = insert_moved(p, pg, nl - ol);
		p->pg[at].vstart = false;
		free(pg);
		if (tmpl.vmflags & VMFS_MAP_LOCKED)
			populate(md, p, at, at + (nl - ol), false);
		*res = addr;
		return 0;
	}
	if (!(flags & VMFS_MREMAP_MAYMOVE))
		return -ENOMEM;
	if (map_count(p) >= MODEL_MAX_MAP_COUNT - 3)
		return -ENOMEM;
	dst = top_down(p, md->top_vpn, nl);
	if (!dst)
		return -ENOMEM;
	move_pages(md, p, vpn, ol, nl, dst, false);
	*res = dst * PAGE;
	return 0;
}

void model_take_map_starts(struct mproc *p, const struct vmfs_map *maps, int n)
{
	int k = 0;

	for (size_t i = 0; i < p->n; i++) {
		uint64_t a = p->pg[i].vpn * PAGE;

		while (k < n && maps[k].end <= a)
			k++;
		p->pg[i].vstart = k < n && maps[k].start == a;
	}
}

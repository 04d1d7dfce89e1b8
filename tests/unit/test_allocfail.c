/*
 * test_allocfail.c - every host memory allocation of libvmfs made to fail, one
 * at a time, through the public API (libvmfs/api.c and the engine of src/,
 * linked in statically so that their calls can be intercepted).
 *
 * The test is linked with -Wl,--wrap for malloc, calloc, realloc, strdup, free,
 * mmap (and mmap64) and munmap, the engine's only ways of getting host memory
 * (it uses no posix_memalign or aligned_alloc; mmap only reserves the simulated
 * RAM and the page-table free list at open), so those calls land in the __wrap_
 * functions below.  They pass each call on, counting it while a scenario step
 * runs ("armed"), unless the injector says that this call is the one to fail:
 * it then returns NULL (or MAP_FAILED) with errno ENOMEM without calling
 * anything.  They also keep a count of the blocks and mappings alive, armed or
 * not, so that a leak shows even without a sanitizer.  SQLite's own allocations
 * are inside its shared library and are not seen (test_swapfail.c fails
 * SQLite's calls).
 *
 * The scenario, in named steps: open a machine of 10 to 16 frames and 64 swap
 * slots (three machines in turn, with other depths, TLBs and policies, so that
 * the same steps meet the allocations elsewhere); spawn; map private and shared
 * anonymous memory; create an object and map it shared and private; write
 * (spanning pages, copy-on-write of an object page); fork; copy-on-write writes
 * on both sides and through the shared mappings; object write, create, grow and
 * shrink while mapped (the cut pages leave the mappings); memory pressure:
 * every private page written and read back by both processes (eviction to swap,
 * swap-in); mprotect splitting and merging a mapping (a write to the read-only
 * part faults); munmap splitting it; vmfs_read_with (one read pinning more
 * pages than there are frames, one longer than 64 pages); each built-in policy
 * installed and run; reclaim; sync; exit; eleven children at once, each copying
 * a page and exiting; then, with every process gone, the whole of memory and
 * swap filled again (a swap slot lost to an error path would show here as an
 * out-of-memory write); close.  A byte model of every mapping and object says
 * what every read must return.
 *
 * Per machine, one clean run counts the allocations of each step (N in all);
 * then, for every k < N, a fresh run makes the k-th allocation fail and nothing
 * else.  What stays true, checked in every run:
 *   - the call that met the failure returns -ENOMEM, or succeeds (the engine
 *     may absorb it), or, for an access, stops short at a page boundary, having
 *     done exactly what it reports; it then works when called again, and the
 *     scenario goes on as in the clean run (same PIDs, same bytes);
 *   - a failed spawn, fork, exit, mmap, munmap, mprotect, object create, write
 *     or resize, or policy change leaves the machine as it was: the PIDs, every
 *     process's accounting, mappings and page-table entries (bits included),
 *     the objects and the machine's counters;
 *   - a failed vmfs_open returns -ENOMEM and leaves nothing behind: no block,
 *     no mapping, no store file;
 *   - at the end of every step, every mapped page of every process and every
 *     object reads back exactly the model's bytes, and pages that are not there
 *     fault (these reads are part of the step, armed: they fault pages in, and
 *     that allocates too);
 *   - after close, every block and mapping is freed and the private store
 *     directory is empty (and ASan, in sanitized builds, finds no leak).
 *
 * At the end "N allocation points injected, all survived" goes to stdout (N
 * summed over the machines).  ALLOCFAIL_POINT=k in the environment runs the
 * clean runs and point k of each machine only.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmfs.h"
#include "../splitmix.h"

#define PG       4096ull
#define A_BASE   0x400000ull     /* private anonymous, NA pages */
#define S_BASE   0x800000ull     /* shared anonymous, NS pages */
#define F_BASE   0xc00000ull     /* object "lib" shared, NL pages */
#define L_BASE   0x1000000ull    /* object "lib" private, NL pages */
#define R_BASE   0x2000000ull    /* the refill step's pages */
#define NA       16
#define NS       3
#define NL       3
#define LIB_MAX  (NL * PG)
#define DATA_MAX (2 * PG)
#define NPROC    2               /* parent and child */
#define MAXFILL  96              /* the refill step's pages at most */
#define RW       (PROT_READ | PROT_WRITE)
#define BIGREAD  70              /* pages: more than read_spans' 64 pieces */
#define NKIDS    11              /* the family step's children */

/* ---- the wrapped allocation calls --------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void  __real_free(void *p);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int   __real_munmap(void *addr, size_t len);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void  __wrap_free(void *p);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int   __wrap_munmap(void *addr, size_t len);

struct injector {
	bool armed;            /* count allocations (a step is running) */
	long calls;            /* allocation calls counted */
	long fail_at;          /* fail this one (counted from 0), or -1 */
	long fired;            /* calls failed */
	const char *what;      /* the function of the call failed */
	void *caller;          /* and where it was called from */
	long live;             /* blocks allocated and not freed, armed or not */
	long maps;             /* host mappings made and not unmapped */
};

static struct injector inj = { .fail_at = -1 };

/* Should this call fail?  Counts it. */
static bool inject(const char *what, void *caller)
{
	if (!inj.armed)
		return false;
	if (inj.calls++ != inj.fail_at)
		return false;
	inj.fired++;
	inj.what = what;
	inj.caller = caller;
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t n)
{
	void *p = inject("malloc", __builtin_return_address(0)) ? NULL : __real_malloc(n);

	inj.live += p != NULL;
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = inject("calloc", __builtin_return_address(0)) ? NULL : __real_calloc(n, size);

	inj.live += p != NULL;
	return p;
}

void *__wrap_realloc(void *old, size_t n)
{
	void *p = inject("realloc", __builtin_return_address(0)) ? NULL : __real_realloc(old, n);

	inj.live += p != NULL && old == NULL;
	return p;
}

char *__wrap_strdup(const char *s)
{
	char *p = inject("strdup", __builtin_return_address(0)) ? NULL : __real_strdup(s);

	inj.live += p != NULL;
	return p;
}

void __wrap_free(void *p)
{
	inj.live -= p != NULL;
	__real_free(p);
}

/* <sys/mman.h> names mmap mmap64 when off_t is 64-bit: both are wrapped. */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = inject("mmap", __builtin_return_address(0)) ? MAP_FAILED
							       : __real_mmap(addr, len, prot, flags, fd, off);

	inj.maps += p != MAP_FAILED;
	return p;
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = inject("mmap", __builtin_return_address(0)) ? MAP_FAILED
							       : __real_mmap64(addr, len, prot, flags, fd, off);

	inj.maps += p != MAP_FAILED;
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	int rc = __real_munmap(addr, len);

	inj.maps -= rc == 0;
	return rc;
}

/* ---- the steps' bookkeeping ----------------------------------------------------- */

struct world;
typedef void step_fn(struct world *w);

struct step {
	const char *name;
	step_fn    *fn;
	long        calls;        /* allocations in the clean run */
};

static struct step *steps;   /* the scenario (below) */
static int nsteps;
static int cur_step;
static const char *cur_opts;  /* the machine's options in this run */

/* Which step point @k falls in, and its index there. */
static const char *point_name(long k)
{
	static char buf[96];

	if (k < 0)
		return "none (clean run)";
	for (int s = 0; s < nsteps; s++) {
		if (k < steps[s].calls) {
			snprintf(buf, sizeof(buf), "point %ld (step %s, allocation %ld of %ld)", k,
				 steps[s].name, k, steps[s].calls);
			return buf;
		}
		k -= steps[s].calls;
	}
	return "past the clean run's points";
}

static const char *injected(void)
{
	static char buf[512];
	Dl_info dl = { 0 };

	if (inj.fired)
		dladdr(inj.caller, &dl);
	snprintf(buf, sizeof(buf), "injected: %s, fired %ld (%s from %s+%#tx), now in step %s of "
		 "a machine with %s", point_name(inj.fail_at), inj.fired, inj.fired ? inj.what : "-",
		 dl.dli_fname ? dl.dli_fname : "?", (char *)inj.caller - (char *)dl.dli_fbase,
		 steps[cur_step].name, cur_opts);
	return buf;
}

/* ---- the machine and its model -------------------------------------------------- */

struct proc_model {
	uint8_t a[NA][PG];        /* private anonymous pages */
	bool    a_mapped[NA];
	uint8_t l[NL][PG];        /* private copies of "lib" pages */
	bool    l_cow[NL];        /* the page is the private copy, not the object's */
	bool    s_mapped;         /* the shared anonymous mapping is there */
	bool    obj_mapped;       /* the two mappings of "lib" are there */
};

struct world {
	const char       *opts;         /* the machine's options */
	vmfs             *m;
	int               pid[NPROC];   /* 0 when not alive */
	struct proc_model p[NPROC];
	uint8_t           s[NS][PG];    /* shared anonymous pages, one copy */
	uint8_t           lib[LIB_MAX]; /* object "lib": bytes past lib_size are zero */
	uint64_t          lib_size;
	uint8_t           data[DATA_MAX]; /* object "data" */
	uint64_t          data_size;
	bool              data_alive;
	uint64_t          rng;
	int               last_pid;     /* PIDs are handed out in order, a failed call takes none */
	long              failures;     /* calls that met the injected failure and failed */
};

static struct world world;

static uint64_t rnd(struct world *w, uint64_t n)
{
	return splitmix64_below(&w->rng, n);
}

static void fill(struct world *w, uint8_t *buf, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rnd(w, 256);
}

static uint64_t pages_of(uint64_t size)
{
	return (size + PG - 1) / PG;
}

/*
 * The model's page holding @va in process @who, or NULL where an access
 * faults.  A write through the private object mapping copies the page
 * first, as the engine does.
 */
static uint8_t *model_page(struct world *w, int who, uint64_t va, bool write)
{
	struct proc_model *p = &w->p[who];
	uint64_t i;

	if (va >= A_BASE && va < A_BASE + NA * PG) {
		i = (va - A_BASE) / PG;
		return p->a_mapped[i] ? p->a[i] : NULL;
	}
	if (va >= S_BASE && va < S_BASE + NS * PG)
		return p->s_mapped ? w->s[(va - S_BASE) / PG] : NULL;
	if (!p->obj_mapped)
		return NULL;
	if (va >= F_BASE && va < F_BASE + NL * PG) {
		i = (va - F_BASE) / PG;
		return i < pages_of(w->lib_size) ? &w->lib[i * PG] : NULL;
	}
	if (va >= L_BASE && va < L_BASE + NL * PG) {
		i = (va - L_BASE) / PG;
		if (i >= pages_of(w->lib_size))
			return NULL;
		if (write && !p->l_cow[i]) {
			memcpy(p->l[i], &w->lib[i * PG], PG);
			p->l_cow[i] = true;
		}
		return p->l_cow[i] ? p->l[i] : &w->lib[i * PG];
	}
	fail_msg("no model for %#" PRIx64, va);
	return NULL;
}

/* Apply a write of @len bytes at @va (within mapped pages) to the model. */
static void model_write(struct world *w, int who, uint64_t va, const uint8_t *buf, uint64_t len)
{
	while (len) {
		uint64_t in = va % PG, n = PG - in < len ? PG - in : len;
		uint8_t *page = model_page(w, who, va, true);

		assert_non_null(page);
		memcpy(page + in, buf, n);
		va += n;
		buf += n;
		len -= n;
	}
}

/* Compare @len bytes read at @va with the model. */
static void model_check(struct world *w, int who, uint64_t va, const uint8_t *buf, uint64_t len,
			const char *what)
{
	while (len) {
		uint64_t in = va % PG, n = PG - in < len ? PG - in : len;
		const uint8_t *page = model_page(w, who, va, false);

		assert_non_null(page);
		if (memcmp(page + in, buf, n)) {
			uint64_t i = 0;

			while (page[in + i] == buf[i])
				i++;
			fail_msg("%s: pid %d byte %#" PRIx64 " is %#x, model %#x; %s", what,
				 w->pid[who], va + i, buf[i], page[in + i], injected());
		}
		va += n;
		buf += n;
		len -= n;
	}
}

/* ---- the machine as it is: what a failed call must leave alone ------------------- */

#define SNAP_PROCS 16

struct snap {
	struct vmfs_stat st;
	int              npids, pids[SNAP_PROCS];
	struct {
		struct vmfs_proc_stat ps;
		int                   nmaps;
		struct vmfs_map       maps[16];
		ssize_t               npt;
		struct vmfs_pt_entry  pt[160];
	} p[SNAP_PROCS];
	int nobj;
	struct vmfs_object_info obj[4];
};

static struct snap snap_before, snap_after;

static void snap_take(struct world *w, struct snap *s)
{
	bool armed = inj.armed;

	inj.armed = false;
	memset(s, 0, sizeof(*s));
	assert_int_equal(vmfs_stat(w->m, &s->st), 0);
	s->st.uptime_ns = 0;
	s->npids = vmfs_pids(w->m, s->pids, SNAP_PROCS);
	assert_in_range(s->npids, 0, SNAP_PROCS);
	for (int i = 0; i < s->npids; i++) {
		assert_int_equal(vmfs_proc_stat(w->m, s->pids[i], &s->p[i].ps), 0);
		s->p[i].nmaps = vmfs_maps(w->m, s->pids[i], s->p[i].maps, 16);
		assert_in_range(s->p[i].nmaps, 0, 16);
		s->p[i].npt = vmfs_pagetable(w->m, s->pids[i], s->p[i].pt, 160);
		assert_in_range(s->p[i].npt, 0, 160);
	}
	s->nobj = vmfs_object_list(w->m, s->obj, 4);
	assert_in_range(s->nobj, 0, 4);
	inj.armed = armed;
}

#define SAME(a, b, what) do { \
	if ((a) != (b)) \
		fail_msg("failed %s changed the machine: %s was %" PRIu64 ", now %" PRIu64 "; %s", \
			 call, what, (uint64_t)(a), (uint64_t)(b), injected()); \
} while (0)

static void snap_same(const char *call, const struct snap *a, const struct snap *b)
{
	const struct vmfs_stat *x = &a->st, *y = &b->st;

	SAME(x->frames_free, y->frames_free, "frames_free");
	SAME(x->pagetable_pages, y->pagetable_pages, "pagetable_pages");
	SAME(x->nr_processes, y->nr_processes, "nr_processes");
	SAME(x->pgalloc, y->pgalloc, "pgalloc");
	SAME(x->pgfree, y->pgfree, "pgfree");
	SAME(x->forks, y->forks, "forks");
	SAME(x->spawns, y->spawns, "spawns");
	SAME(x->exits, y->exits, "exits");
	SAME(x->pswpout, y->pswpout, "pswpout");
	SAME(x->pgsteal_direct, y->pgsteal_direct, "pgsteal");
	SAME(x->swap_used, y->swap_used, "swap_used");
	SAME(x->swap_cached, y->swap_cached, "swap_cached");
	SAME(x->anon_pages, y->anon_pages, "anon_pages");
	SAME(x->file_pages, y->file_pages, "file_pages");
	SAME(x->mapped_pages, y->mapped_pages, "mapped_pages");
	SAME(x->dirty_pages, y->dirty_pages, "dirty_pages");
	SAME(x->nr_objects, y->nr_objects, "nr_objects");
	SAME(x->phys_size, y->phys_size, "phys_size");
	SAME(x->pgfault, y->pgfault, "pgfault");
	SAME(x->pgmajfault, y->pgmajfault, "pgmajfault");
	SAME(x->cow_fault, y->cow_fault, "cow_fault");
	SAME(x->segfault, y->segfault, "segfault");
	SAME(x->pswpin, y->pswpin, "pswpin");
	SAME(x->pgscan_direct, y->pgscan_direct, "pgscan");
	SAME(x->oom_kill, y->oom_kill, "oom_kill");
	SAME(x->shmem_pages, y->shmem_pages, "shmem_pages");
	SAME(x->tlb_hit, y->tlb_hit, "tlb_hit");
	SAME(x->tlb_miss, y->tlb_miss, "tlb_miss");
	if (strcmp(x->policy, y->policy))
		fail_msg("failed %s changed the policy from %s to %s; %s", call, x->policy,
			 y->policy, injected());
	if (memcmp(x, y, sizeof(*x)))
		fail_msg("failed %s changed the machine's counters; %s", call, injected());
	SAME(a->npids, b->npids, "the number of PIDs");
	for (int i = 0; i < a->npids; i++) {
		SAME(a->pids[i], b->pids[i], "a PID");
		if (memcmp(&a->p[i].ps, &b->p[i].ps, sizeof(a->p[i].ps)))
			fail_msg("failed %s changed pid %d's accounting; %s", call, a->pids[i],
				 injected());
		SAME(a->p[i].nmaps, b->p[i].nmaps, "the number of mappings");
		for (int j = 0; j < a->p[i].nmaps; j++)
			if (memcmp(&a->p[i].maps[j], &b->p[i].maps[j], sizeof(a->p[i].maps[j])))
				fail_msg("failed %s changed pid %d's mapping at %#" PRIx64 "; %s", call,
					 a->pids[i], a->p[i].maps[j].start, injected());
		SAME(a->p[i].npt, b->p[i].npt, "the number of page-table entries");
		for (ssize_t j = 0; j < a->p[i].npt; j++) {
			const struct vmfs_pt_entry *e = &a->p[i].pt[j], *f = &b->p[i].pt[j];

			if (e->level != f->level || e->index != f->index || e->table != f->table ||
			    e->vaddr != f->vaddr || e->entry != f->entry)
				fail_msg("failed %s changed pid %d's entry for %#" PRIx64 " at level %d "
					 "from %#" PRIx64 " to %#" PRIx64 "; %s", call, a->pids[i],
					 e->vaddr, e->level, e->entry, f->entry, injected());
		}
	}
	SAME(a->nobj, b->nobj, "the number of objects");
	for (int i = 0; i < a->nobj; i++)
		if (memcmp(&a->obj[i], &b->obj[i], sizeof(a->obj[i])))
			fail_msg("failed %s changed object %s; %s", call, a->obj[i].name, injected());
}

/*
 * Run @expr (a call returning a negative errno on failure) armed.  If it
 * met the injected failure it must have returned -ENOMEM and changed
 * nothing; it is then called again and must succeed.  @rc gets the result.
 */
#define CALL(w, rc, what, expr) do { \
	long fired_ = inj.fired; \
	snap_take(w, &snap_before); \
	rc = (expr); \
	if (rc < 0 && inj.fired > fired_) { \
		if (rc != -ENOMEM) \
			fail_msg("%s = %lld (%s); %s", what, (long long)rc, vmfs_errmsg(), injected()); \
		(w)->failures++; \
		snap_take(w, &snap_after); \
		snap_same(what, &snap_before, &snap_after); \
		rc = (expr); \
	} \
	if (rc < 0) \
		fail_msg("%s = %lld (%s); %s", what, (long long)rc, vmfs_errmsg(), injected()); \
} while (0)

/*
 * An access of process @who, armed.  What the engine reports done goes
 * into the model (write) or is compared with it (read); a shortfall must
 * be the injected failure (-ENOMEM, or a short count at a page boundary)
 * and the rest is then done again.
 */
static void rw(struct world *w, int who, uint64_t va, uint64_t len, bool write)
{
	static uint8_t buf[2 * PG + 512];
	uint64_t done = 0;

	assert_true(len <= sizeof(buf));
	if (write)
		fill(w, buf, len);
	for (int tries = 0; done < len; tries++) {
		long fired = inj.fired;
		ssize_t n = vmfs_access(w->m, w->pid[who], va + done, buf + done, len - done,
					write ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ, NULL);

		if (n != (ssize_t)(len - done)) {
			bool ok = inj.fired > fired && tries == 0 &&
				  (n == -ENOMEM || (n > 0 && (va + done + (uint64_t)n) % PG == 0));

			if (!ok)
				fail_msg("pid %d %s %#" PRIx64 "+%" PRIu64 " = %zd (%s); %s", w->pid[who],
					 write ? "write" : "read", va + done, len - done, n, vmfs_errmsg(),
					 injected());
			w->failures++;
		}
		if (n > 0) {
			if (write)
				model_write(w, who, va + done, buf + done, (uint64_t)n);
			else
				model_check(w, who, va + done, buf + done, (uint64_t)n, "read");
			done += (uint64_t)n;
		}
	}
}

static void rd(struct world *w, int who, uint64_t va, uint64_t len)
{
	rw(w, who, va, len, false);
}

static void wr(struct world *w, int who, uint64_t va, uint64_t len)
{
	rw(w, who, va, len, true);
}

/* An access that must fault (no allocation can make it do anything else). */
static void expect_fault(struct world *w, int who, uint64_t va, bool write)
{
	uint8_t b = 0x5a;
	ssize_t n = vmfs_access(w->m, w->pid[who], va, &b, 1,
				write ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ, NULL);

	if (n != -EFAULT)
		fail_msg("pid %d %s %#" PRIx64 " = %zd, not -EFAULT; %s", w->pid[who],
			 write ? "write" : "read", va, n, injected());
}

/* Object reads and writes, armed, the same way. */
static void obj_write(struct world *w, const char *name, uint64_t off, uint64_t len)
{
	static uint8_t buf[2 * PG];
	bool lib = !strcmp(name, "lib");
	uint8_t *model = lib ? w->lib : w->data;
	uint64_t *size = lib ? &w->lib_size : &w->data_size, done = 0;

	assert_true(len <= sizeof(buf) && off + len <= (lib ? LIB_MAX : DATA_MAX));
	fill(w, buf, len);
	for (int tries = 0; done < len; tries++) {
		long fired = inj.fired;
		ssize_t n;

		snap_take(w, &snap_before);
		n = vmfs_object_write(w->m, name, off + done, buf + done, len - done);
		if (n != (ssize_t)(len - done)) {
			if (inj.fired == fired || tries || (n < 0 && n != -ENOMEM))
				fail_msg("object_write %s %" PRIu64 "+%" PRIu64 " = %zd (%s); %s", name,
					 off + done, len - done, n, vmfs_errmsg(), injected());
			if (n < 0) {
				snap_take(w, &snap_after);
				snap_same("object_write", &snap_before, &snap_after);
			}
			w->failures++;
		}
		if (n > 0) {
			memcpy(model + off + done, buf + done, (size_t)n);
			done += (uint64_t)n;
			if (off + done > *size)
				*size = off + done;
		}
	}
}

static void obj_check(struct world *w, const char *name)
{
	static uint8_t buf[LIB_MAX];
	bool lib = !strcmp(name, "lib");
	uint64_t size = lib ? w->lib_size : w->data_size;
	struct vmfs_object_info info;
	ssize_t n = vmfs_object_read(w->m, name, 0, buf, sizeof(buf));

	if (n != (ssize_t)size)
		fail_msg("object_read %s = %zd, size %" PRIu64 " (%s); %s", name, n, size,
			 vmfs_errmsg(), injected());
	if (memcmp(buf, lib ? w->lib : w->data, size))
		fail_msg("object %s differs from the model; %s", name, injected());
	assert_int_equal(vmfs_object_stat(w->m, name, &info), 0);
	assert_int_equal(info.size, size);
}

/*
 * Every page of every process and every object as the model says (pages
 * that are not there fault).  Armed like the rest of a step: its reads
 * fault pages in, and their allocations are points too.
 */
static void verify_all(struct world *w)
{
	static const struct { uint64_t base, n; } regions[] = {
		{ A_BASE, NA }, { S_BASE, NS }, { F_BASE, NL }, { L_BASE, NL },
	};

	for (int who = 0; who < NPROC; who++) {
		if (!w->pid[who])
			continue;
		for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
			for (uint64_t i = 0; i < regions[r].n; i++) {
				uint64_t va = regions[r].base + i * PG;

				if (model_page(w, who, va, false))
					rd(w, who, va, PG);
				else
					expect_fault(w, who, va, false);
			}
		}
	}
	if (w->lib_size)
		obj_check(w, "lib");
	if (w->data_alive)
		obj_check(w, "data");
}

/* ---- vmfs_read_with ----------------------------------------------------------------- */

static uint8_t with_buf[BIGREAD * PG];
static uint64_t with_len;

static int gather(void *arg, const struct iovec *iov, int iovcnt)
{
	(void)arg;
	with_len = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (with_len + iov[i].iov_len > sizeof(with_buf))
			return -E2BIG;
		memcpy(with_buf + with_len, iov[i].iov_base, iov[i].iov_len);
		with_len += iov[i].iov_len;
	}
	return 0;
}

/* vmfs_read_with armed: @expect bytes (a fault ends it there), compared with the model. */
static void read_with(struct world *w, int who, uint64_t va, uint64_t len, uint64_t expect)
{
	uint64_t done = 0;

	for (int tries = 0; done < expect; tries++) {
		long fired = inj.fired;
		ssize_t n;

		with_len = 0;
		n = vmfs_read_with(w->m, w->pid[who], va + done, len - done, gather, NULL);
		if (n != (ssize_t)(expect - done)) {
			bool ok = inj.fired > fired && tries == 0 &&
				  (n == -ENOMEM || (n > 0 && (va + done + (uint64_t)n) % PG == 0 &&
						   done + (uint64_t)n < expect));

			if (!ok)
				fail_msg("read_with pid %d %#" PRIx64 "+%" PRIu64 " = %zd, expected %" PRIu64
					 " (%s); %s", w->pid[who], va + done, len - done, n, expect - done,
					 vmfs_errmsg(), injected());
			w->failures++;
		}
		if (n > 0) {
			assert_int_equal(with_len, n);
			model_check(w, who, va + done, with_buf, (uint64_t)n, "read_with");
			done += (uint64_t)n;
		}
	}
}

/* ---- the scenario ----------------------------------------------------------------- */

static char store_dir[256];

/* The private store directory holds no file. */
static void expect_no_store_files(const char *when)
{
	DIR *d = opendir(store_dir);
	struct dirent *e;
	char left[256] = "";

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(left, sizeof(left), "%s", e->d_name);
	closedir(d);
	if (left[0])
		fail_msg("%s: %s/%s left behind; %s", when, store_dir, left, injected());
}

static void step_open(struct world *w)
{
	long live = inj.live, maps = inj.maps, fired = inj.fired;
	vmfs *m = NULL;
	int rc = vmfs_open(&m, w->opts);

	if (rc < 0 && inj.fired > fired) {
		if (rc != -ENOMEM || m)
			fail_msg("vmfs_open = %d (%s), machine %p; %s", rc, vmfs_errmsg(), (void *)m,
				 injected());
		if (inj.live != live || inj.maps != maps)
			fail_msg("failed vmfs_open left %ld blocks and %ld mappings; %s",
				 inj.live - live, inj.maps - maps, injected());
		expect_no_store_files("failed vmfs_open");
		w->failures++;
		rc = vmfs_open(&m, w->opts);
	}
	if (rc < 0)
		fail_msg("vmfs_open = %d (%s); %s", rc, vmfs_errmsg(), injected());
	w->m = m;
}

static void step_spawn(struct world *w)
{
	int pid;

	CALL(w, pid, "spawn", vmfs_spawn(w->m, "allocfail-parent"));
	assert_int_equal(pid, ++w->last_pid);
	w->pid[0] = pid;
}

static void map(struct world *w, int who, uint64_t addr, uint64_t pages, int flags,
		const char *object)
{
	uint64_t out = 0;
	int rc;

	CALL(w, rc, "mmap", vmfs_mmap(w->m, w->pid[who], addr, pages * PG, RW, flags | MAP_FIXED,
				      object, 0, &out));
	assert_int_equal(out, addr);
}

static void step_mmap_anon(struct world *w)
{
	map(w, 0, A_BASE, NA, MAP_PRIVATE | MAP_ANONYMOUS, NULL);
	map(w, 0, S_BASE, NS, MAP_SHARED | MAP_ANONYMOUS, NULL);
	for (int i = 0; i < NA; i++)
		w->p[0].a_mapped[i] = true;
	w->p[0].s_mapped = true;
}

static void step_object_create(struct world *w)
{
	int rc;

	w->lib_size = 2 * PG + 2048;
	fill(w, w->lib, w->lib_size);
	CALL(w, rc, "object_create lib", vmfs_object_create(w->m, "lib", w->lib, w->lib_size));
}

static void step_mmap_object(struct world *w)
{
	map(w, 0, F_BASE, NL, MAP_SHARED, "lib");
	map(w, 0, L_BASE, NL, MAP_PRIVATE, "lib");
	w->p[0].obj_mapped = true;
}

static void step_write(struct world *w)
{
	for (uint64_t i = 0; i < 8; i++)
		wr(w, 0, A_BASE + i * PG + rnd(w, PG - 100), 100);
	wr(w, 0, A_BASE + 2 * PG + 1000, PG + 200);          /* spans pages 2 and 3 */
	for (uint64_t i = 0; i < NS; i++)
		wr(w, 0, S_BASE + i * PG + 64, 64);
	wr(w, 0, F_BASE + 100, 200);                          /* into the object */
	wr(w, 0, F_BASE + 2 * PG, 1000);                      /* its last page, within size */
	rd(w, 0, L_BASE, PG);                                 /* the object's page, mapped COW */
	wr(w, 0, L_BASE + PG + 300, 300);                     /* a private copy */
}

static void step_fork(struct world *w)
{
	int pid;

	CALL(w, pid, "fork", vmfs_fork(w->m, w->pid[0]));
	assert_int_equal(pid, ++w->last_pid);
	w->pid[1] = pid;
	w->p[1] = w->p[0];
}

static void step_cow_write(struct world *w)
{
	wr(w, 1, A_BASE + PG + 10, 50);        /* the child copies */
	wr(w, 1, A_BASE + 2 * PG + 4000, 200);  /* spans pages 2 and 3 */
	wr(w, 0, A_BASE + 3 * PG, 16);         /* the parent copies (the child has its own 3) */
	wr(w, 0, A_BASE, 16);                  /* the parent copies */
	wr(w, 1, L_BASE + 8, 8);               /* the child's copy of an object page */
	wr(w, 1, L_BASE + PG + 8, 8);          /* and of the parent's private copy */
	wr(w, 1, S_BASE + PG, 128);            /* shared: the parent sees it */
	rd(w, 0, S_BASE + PG, 256);
	wr(w, 0, F_BASE + PG + 5, 40);         /* into the object: the child sees it */
	rd(w, 1, F_BASE + PG, PG);
	rd(w, 1, L_BASE + 2 * PG, PG);         /* the child's view of the object */
}

static void step_object_io(struct world *w)
{
	int rc;

	obj_write(w, "lib", 9000, 3000);        /* grows the object to 12000 */
	rd(w, 1, F_BASE + 2 * PG, PG);
	w->data_size = 5000;
	fill(w, w->data, w->data_size);
	CALL(w, rc, "object_create data", vmfs_object_create(w->m, "data", w->data, w->data_size));
	w->data_alive = true;
	obj_write(w, "data", 4000, 2000);       /* partial pages from the store */
	/* Shrink: page 2 leaves both mappings (private copies too), page 1's tail is zeroed. */
	CALL(w, rc, "object_resize lib 6000", vmfs_object_resize(w->m, "lib", 6000));
	w->lib_size = 6000;
	memset(w->lib + 6000, 0, LIB_MAX - 6000);
	for (int who = 0; who < NPROC; who++)
		w->p[who].l_cow[2] = false;
	expect_fault(w, 0, F_BASE + 2 * PG, false);
	expect_fault(w, 1, L_BASE + 2 * PG, true);
	CALL(w, rc, "object_resize lib 12288", vmfs_object_resize(w->m, "lib", LIB_MAX));
	w->lib_size = LIB_MAX;
	rd(w, 0, F_BASE + 2 * PG, PG);
	wr(w, 0, L_BASE + 2 * PG + 7, 7);
}

static void step_pressure(struct world *w)
{
	for (uint64_t i = 0; i < NA; i++)
		wr(w, 0, A_BASE + i * PG, PG);
	for (uint64_t i = NA / 2; i < NA; i++)
		wr(w, 1, A_BASE + i * PG, PG);
	for (uint64_t i = 0; i < NA; i++) {
		rd(w, 0, A_BASE + i * PG, PG);
		rd(w, 1, A_BASE + i * PG, PG);
	}
}

static void step_mprotect(struct world *w)
{
	int rc;

	CALL(w, rc, "mprotect 3-5 read-only",
	     vmfs_mprotect(w->m, w->pid[0], A_BASE + 3 * PG, 3 * PG, PROT_READ));
	expect_fault(w, 0, A_BASE + 4 * PG, true);
	rd(w, 0, A_BASE + 4 * PG, PG);
	CALL(w, rc, "mprotect 4 read-write",
	     vmfs_mprotect(w->m, w->pid[0], A_BASE + 4 * PG, PG, RW));
	wr(w, 0, A_BASE + 4 * PG + 17, 17);
	expect_fault(w, 0, A_BASE + 5 * PG, true);
	CALL(w, rc, "mprotect 3-5 read-write",
	     vmfs_mprotect(w->m, w->pid[0], A_BASE + 3 * PG, 3 * PG, RW));
	wr(w, 0, A_BASE + 5 * PG + 1, 1);
}

static void step_munmap(struct world *w)
{
	int rc;

	CALL(w, rc, "munmap 6-7", vmfs_munmap(w->m, w->pid[0], A_BASE + 6 * PG, 2 * PG));
	w->p[0].a_mapped[6] = w->p[0].a_mapped[7] = false;
	expect_fault(w, 0, A_BASE + 6 * PG, false);
	rd(w, 0, A_BASE + 8 * PG, PG);
}

static void step_read_with(struct world *w)
{
	read_with(w, 1, A_BASE, NA * PG, NA * PG);       /* more pages than frames */
	read_with(w, 0, A_BASE, BIGREAD * PG, 6 * PG);   /* ends at the hole */
}

static void step_policy(struct world *w)
{
	static const char *const names[] = { "fifo", "lru", "arc", "clock" };

	for (int p = 0; p < 4; p++) {
		int rc;

		CALL(w, rc, "set_policy", vmfs_set_policy(w->m, names[p], NULL, NULL));
		for (uint64_t i = 0; i < NA; i++) {
			if (w->p[0].a_mapped[i])
				rd(w, 0, A_BASE + i * PG, 64);
			rd(w, 1, A_BASE + ((i * 5) % NA) * PG, 64);
		}
	}
}

static void step_reclaim(struct world *w)
{
	long fired = inj.fired;
	int64_t n = vmfs_reclaim(w->m, 6);

	if (n < 0 && !(n == -ENOMEM && inj.fired > fired))
		fail_msg("reclaim = %" PRId64 " (%s); %s", n, vmfs_errmsg(), injected());
	if (n < 6 && inj.fired > fired)
		w->failures++;
	assert_true(n <= 6);
}

static void step_sync(struct world *w)
{
	int rc;

	CALL(w, rc, "sync", vmfs_sync(w->m));
}

static void step_exit(struct world *w)
{
	int rc;

	CALL(w, rc, "exit child", vmfs_exit(w->m, w->pid[1]));
	w->pid[1] = 0;
	wr(w, 0, S_BASE + 100, 100);
	rd(w, 0, S_BASE, PG);
}

/*
 * Eleven children of the parent at once (the twelfth process makes the PID
 * map grow during a fork), the parent writing a page before each fork (so
 * that each fork write-protects something); each child reads, copies a page
 * on write, and exits.
 */
static void step_family(struct world *w)
{
	static struct proc_model kid_model[NKIDS];
	int kids[NKIDS], rc;

	for (int k = 0; k < NKIDS; k++) {
		wr(w, 0, A_BASE + (uint64_t)(k % 6) * PG + 8 * (uint64_t)k, 8);
		CALL(w, kids[k], "fork", vmfs_fork(w->m, w->pid[0]));
		assert_int_equal(kids[k], ++w->last_pid);
		kid_model[k] = w->p[0];
	}
	for (int k = 0; k < NKIDS; k++) {
		uint64_t va = A_BASE + (uint64_t)(k % NA) * PG;

		w->pid[1] = kids[k];
		w->p[1] = kid_model[k];
		if (!w->p[1].a_mapped[k % NA])
			va = S_BASE;
		rd(w, 1, va, PG);
		wr(w, 1, va + 8 * (uint64_t)k, 8);
		rd(w, 1, va, PG);
		CALL(w, rc, "exit", vmfs_exit(w->m, kids[k]));
		w->pid[1] = 0;
	}
}

/*
 * Every process gone: no slot is in use, and memory and swap take exactly
 * frames + swap slots pages again.
 */
static void step_refill(struct world *w)
{
	static uint8_t pages[MAXFILL][PG];
	static uint8_t buf[PG];
	struct vmfs_stat st;
	uint64_t pm[MAXFILL], fill_pages;
	int rc, pid;

	CALL(w, rc, "exit parent", vmfs_exit(w->m, w->pid[0]));
	w->pid[0] = 0;
	CALL(w, rc, "object_remove data", vmfs_object_remove(w->m, "data"));
	w->data_alive = false;
	assert_int_equal(vmfs_stat(w->m, &st), 0);
	assert_int_equal(st.nr_processes, 0);
	if (st.swap_used)
		fail_msg("no process, yet %" PRIu64 " swap slots in use; %s", st.swap_used, injected());
	fill_pages = st.frames + st.swap_total;
	assert_true(st.swap_total > 0 && fill_pages <= MAXFILL);
	CALL(w, pid, "spawn", vmfs_spawn(w->m, "allocfail-refill"));
	assert_int_equal(pid, ++w->last_pid);
	CALL(w, rc, "mmap", vmfs_mmap(w->m, pid, R_BASE, fill_pages * PG, RW,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL));
	for (uint64_t i = 0; i < fill_pages; i++) {
		ssize_t n;
		long fired = inj.fired;

		fill(w, pages[i], PG);
		n = vmfs_write(w->m, pid, R_BASE + i * PG, pages[i], PG);
		if (n == -ENOMEM && inj.fired > fired) {
			w->failures++;
			n = vmfs_write(w->m, pid, R_BASE + i * PG, pages[i], PG);
		}
		if (n != (ssize_t)PG)
			fail_msg("refill: write of page %" PRIu64 " of %" PRIu64 " = %zd (%s); %s", i,
				 fill_pages, n, vmfs_errmsg(), injected());
	}
	/* The resident ones read back without a fault (all swap is taken). */
	assert_int_equal(vmfs_pagemap(w->m, pid, R_BASE / PG, pm, fill_pages), fill_pages);
	for (uint64_t i = 0; i < fill_pages; i++) {
		if (!(pm[i] & VMFS_PM_PRESENT))
			continue;
		assert_int_equal(vmfs_read(w->m, pid, R_BASE + i * PG, buf, PG), PG);
		if (memcmp(buf, pages[i], PG))
			fail_msg("refill: page %" PRIu64 " differs; %s", i, injected());
	}
	CALL(w, rc, "exit refill", vmfs_exit(w->m, pid));
}

static void step_close(struct world *w)
{
	vmfs_close(w->m);
	w->m = NULL;
}

static struct step scenario[] = {
	{ "open", step_open, 0 },
	{ "spawn", step_spawn, 0 },
	{ "mmap-anon", step_mmap_anon, 0 },
	{ "object-create", step_object_create, 0 },
	{ "mmap-object", step_mmap_object, 0 },
	{ "write", step_write, 0 },
	{ "fork", step_fork, 0 },
	{ "cow-write", step_cow_write, 0 },
	{ "object-io", step_object_io, 0 },
	{ "pressure", step_pressure, 0 },
	{ "mprotect", step_mprotect, 0 },
	{ "munmap", step_munmap, 0 },
	{ "read-with", step_read_with, 0 },
	{ "policy", step_policy, 0 },
	{ "reclaim", step_reclaim, 0 },
	{ "sync", step_sync, 0 },
	{ "exit", step_exit, 0 },
	{ "family", step_family, 0 },
	{ "refill", step_refill, 0 },
	{ "close", step_close, 0 },
};

/* One run of the scenario on a machine with @opts, allocation @fail_at failing (-1: none). */
static void run(const char *opts, long fail_at, bool count)
{
	struct world *w = &world;
	long live = inj.live, maps = inj.maps;

	memset(w, 0, sizeof(*w));
	w->opts = cur_opts = opts;
	w->rng = 20260607;
	inj = (struct injector){ .fail_at = fail_at, .live = live, .maps = maps };
	for (cur_step = 0; cur_step < nsteps; cur_step++) {
		long before = inj.calls;

		inj.armed = true;
		steps[cur_step].fn(w);
		if (w->m)
			verify_all(w);
		inj.armed = false;
		if (count)
			steps[cur_step].calls = inj.calls - before;
	}
	cur_step = nsteps - 1;
	if (inj.live != live || inj.maps != maps)
		fail_msg("after close, %ld blocks and %ld mappings are left; %s", inj.live - live,
			 inj.maps - maps, injected());
	expect_no_store_files("after close");
	if (fail_at >= 0 && inj.fired != 1)
		fail_msg("allocation %ld was never made (%ld made); %s", fail_at, inj.calls, injected());
}

/*
 * The machines the scenario runs on: the same steps meet the allocations at
 * other moments with other sizes, depths, TLBs and policies.
 */
static const char *const configs[] = {
	"frames=12,swap_size=256K",
	"frames=10,swap_size=256K,policy=lru,levels=3,tlb=0",
	"frames=16,swap_size=256K,policy=arc,levels=5,tlb=4",
};

static long total_points;

/* The clean run, then every point of it, on a machine with options @state. */
static void test_every_allocation(void **state)
{
	const char *opts = *state, *only = getenv("ALLOCFAIL_POINT");
	long n, points = 0, failed = 0;

	steps = scenario;
	nsteps = (int)(sizeof(scenario) / sizeof(scenario[0]));
	run(opts, -1, true);
	n = inj.calls;
	assert_int_equal(world.failures, 0);
	print_message("%s: %ld allocations:", opts, n);
	for (int s = 0; s < nsteps; s++)
		print_message(" %s %ld", steps[s].name, steps[s].calls);
	print_message("\n");
	assert_true(n > 0);
	for (long k = only ? atol(only) : 0; k < n; k++) {
		run(opts, k, false);
		points++;
		failed += world.failures > 0;
		if (only)
			break;
	}
	print_message("%s: %ld points, %ld of them made a call fail (the others were absorbed)\n",
		      opts, points, failed);
	total_points += points;
}

/* After a failed check: close what the run left open, so the store goes too. */
static int teardown(void **state)
{
	(void)state;
	inj.armed = false;
	if (world.m)
		vmfs_close(world.m);
	world.m = NULL;
	return 0;
}

int main(void)
{
	const char *base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
	int rc;

	/* A directory of our own for the stores, checked empty after each run. */
	snprintf(store_dir, sizeof(store_dir), "%s/vmfs-allocfail-XXXXXX", base);
	if (!mkdtemp(store_dir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("TMPDIR", store_dir, 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_every_allocation, NULL, teardown,
							 (void *)configs[0]),
		cmocka_unit_test_prestate_setup_teardown(test_every_allocation, NULL, teardown,
							 (void *)configs[1]),
		cmocka_unit_test_prestate_setup_teardown(test_every_allocation, NULL, teardown,
							 (void *)configs[2]),
	};

	rc = cmocka_run_group_tests_name("allocfail", tests, NULL, NULL);
	rmdir(store_dir);
	if (rc == 0) {
		printf("%ld allocation points injected, all survived\n", total_points);
		fflush(stdout);
	}
	return rc;
}

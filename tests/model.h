/*
 * model.h - the reference model of a machine that the randomized model test
 * (test_model.c) and the API fuzz driver (fuzz/fuzz_api.c) check libvmfs
 * against: one definition, so the two compare with one notion of "right".
 *
 * The model is trivially correct by construction: per process a sorted
 * array of pages, each with its protection, whether it is shared, and a
 * 4096-byte buffer, and the engine's mapping it is in (where it begins, and
 * what Linux 6.1's merge rules compare).  Private pages get their own buffer and are copied at
 * fork (copy-on-write done the slow, obviously right way); shared pages point
 * at one refcounted buffer.  A named object is one buffer per page below its
 * size, shown by every mapping of it, until a private page's first write
 * gives that page its own copy (a private mapping never writes the object).
 * An object opened by number (vmfs_object_open) is in the table of open
 * objects, md->open[], with its number and how many opens it has: the model
 * object is the object itself, bytes, size and mode, so it outlives its
 * name (removed while open, it lives on unnamed and its number keeps
 * reading and writing it), and a new object under the same name is another
 * model object with another number.
 *
 * What stays true:
 *   - a process's pages are sorted by vpn, at most one per vpn;
 *   - a buffer's refs count the pages (and object slots) that show it, an
 *     object's refs its name, every page mapping it and its entry in the
 *     table of open objects; each is freed when its count reaches zero, so
 *     model_free() leaves nothing behind;
 *   - md->open[] holds exactly the objects with nopen > 0, each once; a
 *     number is open exactly when one of them has it, and every call on
 *     any other number must give -EBADF;
 *   - an object's pg[i] is set exactly for i < obj_npages(size), and its
 *     bytes past the size are zero;
 *   - nothing here picks anything: the two drivers choose operations their
 *     own way (a seeded generator, libFuzzer's bytes) and tell the model
 *     what the engine did; the model says what it should have done.
 *
 * Reporting: the shared checks call model_fail(), which each program that
 * links model.c defines (the model test records the mismatch and goes on to
 * stop the run; the fuzz driver aborts so that libFuzzer keeps the input).
 * After a failure a check returns at once; md->failed says one happened.
 */
#ifndef VMFS_TESTS_MODEL_H
#define VMFS_TESTS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "vmfs.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE          4096u
#define LOW_VPN       0x10ull     /* the low address window starts at 0x10000 */
#define MIN_VPN       0x10ull     /* MMAP_MIN_ADDR: placement never goes below */
#define MODEL_PROCS   12          /* the most processes a model holds */
#define MAX_OBJS      4           /* object names obj0 .. obj3 */
#define OBJ_PAGES     16          /* the largest object, in pages */
#define MAX_OPEN      8           /* the most objects open by number at once */
#define MAX_CLOSED    8           /* closed numbers remembered, to try again */
#define OBJ_MAX_SIZE  (1ull << 44) /* the engine's largest object: -EFBIG past it */

/* ---- the model's pieces ------------------------------------------------------ */

struct buf {
	int refs;
	unsigned char d[PAGE];
};

struct mobj {
	int refs;                   /* the name's, one per page mapping it, one while open */
	bool named;
	char name[8];
	unsigned mode;
	uint64_t size;
	int64_t num;                /* its number once opened (0 before): never changes */
	int nopen;                  /* opens not yet closed */
	struct buf *pg[OBJ_PAGES];  /* set exactly below obj_npages(size) */
};

struct mpage {
	uint64_t vpn;
	int prot;
	bool shared;
	struct buf *b;              /* anonymous bytes, or a private copy */
	/* an object page (o set) shows o's page pgoff and b is NULL, until a
	 * private page's first write gives it its own copy in b */
	struct mobj *o;
	uint64_t pgoff;
	bool copied;
	bool nomaywrite;            /* a shared mapping of an object read-only when
				       mapped: never writable (VM_MAYWRITE clear) */
	/* The engine's mapping the page is in, as Linux 6.1's merge rules see
	 * it (the same in every page of one mapping): */
	bool vstart;                /* a mapping begins here (so does one after a gap) */
	bool acct;                  /* VM_ACCOUNT: private and writable when made,
				       or made writable by mprotect */
	uint64_t shm;               /* shared anonymous memory: its mmap's number */
	uint64_t av;                /* its anon_vma, 0 for none (model_anon_fault) */
	bool av_forked;             /* ... from a fork: its chain not singular */
	/* madvise and mlock (issue 14) */
	unsigned vmflags;           /* MODEL_VMFLAGS bits, as vmfs_maps shows them */
	int readahead;              /* MADV_NORMAL, RANDOM or SEQUENTIAL: splits
				       mappings, shown nowhere */
	uint64_t lin;               /* the engine mapping's vm_pgoff at this page
				       (linear_page_index): the vpn of private
				       anonymous memory where mmap made it, the
				       page offset in shared anonymous memory or
				       the object; mremap keeps it (since 0.5) */
	bool lazy;                  /* MADV_FREE made it lazy: its bytes are the
				       model's or zeros, as model_resolve_lazy
				       finds out (private anonymous pages only) */
};

/* The vm_flags bits of vmfs_map's flags the model keeps per page (since 0.5). */
#define MODEL_VMFLAGS (VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT | VMFS_MAP_DONTCOPY | \
		       VMFS_MAP_WIPEONFORK | VMFS_MAP_HUGEPAGE | VMFS_MAP_NOHUGEPAGE)
/* RLIMIT_MEMLOCK of a machine opened with the default memlock=, in pages. */
#define MODEL_MEMLOCK_PAGES 2048

struct mproc {
	int pid;
	struct mpage *pg;           /* sorted by vpn */
	size_t n, cap;
	unsigned def_flags;         /* mlockall MCL_FUTURE: what new pages get */
};

/* One machine and its model. */
struct model {
	vmfs *m;
	uint64_t user_top, top_vpn;
	uint64_t kernel_pt_pages;   /* pagetable_pages with no process */
	bool predict_maps;          /* check_maps checks where mappings begin (the
				       driver calls model_anon_fault) */
	bool zero_page;             /* a first read of private anonymous memory maps */
	uint64_t zero_pfn;          /* the shared zero page, this frame (vmfs_stat) */
	struct mproc procs[MODEL_PROCS];
	int nprocs;
	int next_pid;
	int dead_pid;               /* some exited PID, 0 if none yet */
	struct mobj *objs[MAX_OBJS];   /* the named objects, by slot */
	struct mobj *open[MAX_OPEN];   /* the objects open by number (nopen > 0) */
	int nopen;
	int64_t closed[MAX_CLOSED];    /* numbers whose opens were all closed (a ring) */
	unsigned nclosed;              /* how many went into the ring, in all */
	int64_t max_num;               /* the largest number vmfs_object_open returned */
	uint64_t faults_seen, majors_seen;   /* as the accesses reported them */
	uint64_t pswpin_unfaulted;  /* pages MADV_WILLNEED read from swap, no fault */
	uint64_t pswpout_advised;   /* pages MADV_PAGEOUT wrote to swap (no pgsteal) */
	char op[256];               /* the operation being checked, for reports */
	bool failed;
	/* called by model_set_op with the new operation (NULL: nothing) */
	void (*trace)(const struct model *md);
};

/* Defined by the program: report a mismatch in md->op (and set md->failed). */
void model_fail(struct model *md, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Name the operation being checked (md->op), and trace it. */
void model_set_op(struct model *md, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* model_fail unless @got is @want. */
void model_expect(struct model *md, const char *what, int64_t want, int64_t got);

/* malloc, or abort when the host is out of memory. */
void *xmalloc(size_t n);

/* ---- buffers, objects, pages --------------------------------------------------- */

struct buf *buf_new(void);
void buf_put(struct buf *b);
uint64_t obj_npages(uint64_t size);
/* A new named object "@name" of @size bytes: @data's, or zeros if NULL. */
struct mobj *obj_new(const char *name, const unsigned char *data, uint64_t size);
void obj_put(struct mobj *o);
/* Resize @o (pages past the new end leave it and every mapping, private
 * copies included; the tail of the last page and new pages are zero). */
void obj_set_size(struct model *md, struct mobj *o, uint64_t size);
/* Where a write may start: up to two pages past the end, within OBJ_PAGES. */
uint64_t obj_write_room(uint64_t size);
/* Write @len bytes at @off, growing the object as vmfs_object_write does. */
void obj_write(struct model *md, struct mobj *o, uint64_t off, const unsigned char *data,
	       size_t len);
/* What vmfs_object_read(@o, @off, @len) returns (-ENOENT without @o). */
int64_t obj_read_expect(const struct mobj *o, uint64_t off, size_t len);
/* The byte of @o at @off (below its size). */
unsigned char obj_byte(const struct mobj *o, uint64_t off);
const char *slot_name(int slot);

/* An object page mapped where its object no longer reaches: it faults. */
bool obj_past_end(const struct mpage *pg);
/* The page's bytes live in a private anonymous frame (an anonymous page, or
 * a private object page after its first write). */
bool page_is_anon(const struct mpage *pg);
/* The buffer whose bytes the page shows; NULL past its object's end. */
struct buf *page_buf(const struct mpage *pg);
/* The buffer a write goes to: a private object page is copied first. */
struct buf *page_write_buf(struct mpage *pg);

/* ---- a process's pages --------------------------------------------------------- */

/* Index of the first page with vpn >= @vpn. */
size_t lower_bound(const struct mproc *p, uint64_t vpn);
/* [vpn, vpn + npages) clamped to the 64-bit page numbers. */
uint64_t range_end(uint64_t vpn, uint64_t npages);
struct mpage *page_at(const struct mproc *p, uint64_t vpn);
size_t pages_in(const struct mproc *p, uint64_t vpn, uint64_t npages);
void remove_range(struct mproc *p, uint64_t vpn, uint64_t npages);
/* Fresh zero pages at [vpn, vpn+npages), replacing what was there. */
void map_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot, bool shared);
/* Pages @pgoff.. of object @o at [vpn, vpn+npages), replacing what was there. */
void map_obj_range(struct mproc *p, uint64_t vpn, uint64_t npages, int prot, bool shared,
		   struct mobj *o, uint64_t pgoff);
void apply_mprotect(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages, int prot);

/*
 * Mappings.  map_range, map_obj_range, remove_range and apply_mprotect keep
 * each page's mapping (vstart and the attributes above) as the engine must:
 * a new mapping merges into its neighbours by mmap_region's rule, each
 * mapping mprotect changes by vma_merge's, with Linux 6.1's anon_vma
 * conditions; model_fork gives each child mapping that has an anon_vma a
 * new one, not singular.  model_anon_fault: the engine is giving the page
 * at @vpn a private anonymous frame (a write to a private page, or a read
 * of private anonymous memory without the zero page; also when that then
 * fails for want of memory, or past an object's end): its mapping gets an
 * anon_vma if it has none, a compatible neighbour's that is singular
 * (find_mergeable_anon_vma), else a new one.  anon_fault_expected says
 * whether an access @how of @pg does that.
 */
void model_anon_fault(struct mproc *p, uint64_t vpn);
bool anon_fault_expected(const struct model *md, const struct mpage *pg, unsigned how);

/* Processes: a new empty one, a fork of @parent, the exit of procs[@i]. */
void model_spawn(struct model *md, int pid);
void model_fork(struct model *md, const struct mproc *parent, int pid);
void model_exit(struct model *md, int i);
int find_proc(const struct model *md, int pid);
/* Free every process and object of the model (not the machine). */
void model_free(struct model *md);

/* ---- what the engine must do --------------------------------------------------- */

/* Where a mapping of @npages goes without a usable address: the top of the
 * highest free gap below top_vpn, above MIN_VPN.  0 when there is none. */
uint64_t top_down(const struct mproc *p, uint64_t top_vpn, uint64_t npages);
/* Where @npages at @addr go in placement @mode (0 MAP_FIXED, 1
 * MAP_FIXED_NOREPLACE, 2 a hint, 3 no address): 0 with the first page in
 * *at, or the errno vmfs_mmap must return. */
int64_t placement(const struct model *md, const struct mproc *p, uint64_t addr,
		  uint64_t npages, int mode, uint64_t *at);
/* What mprotect of [vpn, vpn+npages) must return: in address order, the
 * first page that is not mapped (-ENOMEM) or that a shared mapping of an
 * object read-only when mapped may not write (-EACCES) decides, and as
 * Linux does the pages before it are changed all the same: *reach is how
 * many (apply_mprotect them).  Any range size. */
int64_t mprotect_expect(const struct model *md, const struct mproc *p, uint64_t vpn,
			uint64_t npages, int prot, uint64_t *reach);
/* Whether an access @how (VMFS_ACCESS_*) may touch @pg. */
bool allowed(const struct mpage *pg, unsigned how);
/* Shorten a write at @addr so that it stops before the bytes past an
 * object's end in its last page, which a shared mapping could write but
 * which belong to no one.  False if nothing is left. */
bool clip_object_tail(const struct mproc *p, uint64_t addr, size_t *len);
/* How many bytes of an access @how of @len at @addr the model lets through
 * (a read's bytes copied to @want); *stop is the page it stopped at (NULL if
 * none is mapped there, or it went the whole way). */
size_t access_plan(const struct model *md, const struct mproc *p, uint64_t addr, size_t len,
		   unsigned how, unsigned char *want, const struct mpage **stop);
/* The model side of a write of @done bytes of @in at @addr; returns how
 * many private object pages it copied. */
unsigned access_write(struct mproc *p, uint64_t addr, const unsigned char *in, size_t done);
const char *prot_str(int prot);

/* ---- madvise, mlock (issue 14) ------------------------------------------------- */

/*
 * Each says what the call on [vpn, vpn + npages) of @p must return and
 * changes the model as the call will change the machine: call it just
 * before the call (model_madvise reads the pagemap of the range first:
 * MADV_FREE gives up what is in swap).  Linux 6.1's semantics
 * (libvmfs(3), MADVISE, MLOCK): a mapping the advice refuses stops
 * madvise with -EINVAL after the pages before it, holes give -ENOMEM with
 * the rest done; mlock and munlock change the mapped run from @vpn and
 * give -ENOMEM at a hole; mlock then faults the range in (a private
 * writable object page gets its copy) and gives -ENOMEM at a PROT_NONE
 * page or one past its object's end.  The limit is MODEL_MEMLOCK_PAGES.
 */
/*
 * mremap (since 0.5): what vmfs_mremap must return (*@res the address),
 * the pages changed as the engine changes them on success.  Growing
 * shared anonymous memory (pages past its size fault SIGBUS) is not
 * modelled: model_mremap_grows_shm says when a driver must not ask.
 */
bool model_mremap_grows_shm(const struct mproc *p, uint64_t addr, uint64_t old_len,
			    uint64_t new_len);
int64_t model_mremap(struct model *md, struct mproc *p, uint64_t addr, uint64_t old_len,
		     uint64_t new_len, int flags, uint64_t new_addr, uint64_t *res);
/*
 * A driver that does not predict where mappings begin (md->predict_maps
 * false: the fuzz driver, which cannot follow every anonymous fault under
 * memory pressure) takes them from the engine's @n maps before a call
 * whose result depends on them (mremap): what the model then says is
 * checked given those.
 */
void model_take_map_starts(struct mproc *p, const struct vmfs_map *maps, int n);

int64_t model_madvise(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages,
		      int advice);
int64_t model_mlock(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages,
		    unsigned flags);
int64_t model_munlock(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages);
int64_t model_mlockall(struct model *md, struct mproc *p, unsigned flags);
void model_munlockall(struct model *md, struct mproc *p);
/* Pages of @p whose mapping is locked (VmLck, vmfs_proc_stat's locked_vm). */
uint64_t model_locked(const struct mproc *p);
/* mmap under mlockall(MCL_FUTURE): fault in the new pages as the machine does. */
void model_populate_new(struct model *md, struct mproc *p, uint64_t vpn, uint64_t npages);
/*
 * What reclaim did to lazy pages since the last call: a lazy page no
 * longer in memory nor in swap was dropped, and reads zeros; one in swap
 * was written again before, and keeps its bytes.  Call it before each
 * operation (reclaim happens inside them).
 */
void model_resolve_lazy(struct model *md);

/* ---- checks shared by both drivers --------------------------------------------- */

/* vmfs_pids lists exactly the model's processes, in ascending order. */
void check_pids(struct model *md);
/* vmfs_maps agrees page by page with @p (prot, shared or private; with
 * @objects the object and offset of each page too; with md->predict_maps
 * where each mapping begins), and vmfs_proc_stat's vm_pages and nr_maps
 * with it. */
void check_maps(struct model *md, const struct mproc *p, bool objects);
/* The 8 bytes of physical memory at @paddr, little-endian. */
uint64_t phys_u64(struct model *md, uint64_t paddr);
/* The calls on a PID that does not exist: -ESRCH, nothing changes. */
void check_dead_pid(struct model *md, int pid);
/* stat of every slot, the list in name order, nr_objects. */
void check_objects(struct model *md);
/* Force-read every page of every process: each holds the model's bytes
 * (-ENOMEM allowed with @may_oom); faults are added to faults_seen. */
void check_all_bytes(struct model *md, bool may_oom);
/* With no process left and (@objects) no named object: every frame of
 * @frames, swap slot and page-table page is back, but for the pages cached
 * for the objects still open by number (their fstat's cached).  *@st is the
 * machine's vmfs_stat. */
void check_empty(struct model *md, uint64_t frames, bool objects, struct vmfs_stat *st);

/* ---- objects open by number (vmfs_object_open and the calls on a number) -------- */

/* Each check_obj_ call names its operation (model_set_op) itself. */

/* The open object numbered @num, or NULL: every call on it must be -EBADF. */
struct mobj *open_obj(const struct model *md, int64_t num);
/* vmfs_object_open of slot @slot: -ENOENT without an object there, else a
 * number > 0, the object's own (the one it had before, or one no other
 * object had).  Returns the number, or 0 when nothing was opened (also when
 * md->open[] is full and the object is not in it: then nothing is called). */
int64_t check_obj_open(struct model *md, int slot);
/* vmfs_object_close(@num): -EBADF unless open; the last close of a removed
 * object drops the model's (the engine's goes at its last mapping). */
void check_obj_close(struct model *md, int64_t num);
/* vmfs_object_pread(@num, @off, @len), @len cut to 4 pages: the model's
 * count and bytes. */
void check_obj_pread(struct model *md, int64_t num, uint64_t off, size_t len);
/* vmfs_object_pwrite(@num, @off, @data, @len), @off below OBJ_PAGES pages
 * and @len cut to end there: the whole count, and the object takes them. */
void check_obj_pwrite(struct model *md, int64_t num, uint64_t off, const unsigned char *data,
		      size_t len);
/* vmfs_object_ftruncate(@num, @size), @size within OBJ_PAGES pages. */
void check_obj_ftruncate(struct model *md, int64_t num, uint64_t size);
/* vmfs_object_fchmod(@num, @mode): -EINVAL for bits past 07777. */
void check_obj_fchmod(struct model *md, int64_t num, unsigned mode);
/* vmfs_object_fstat(@num): its (old) name, size, mode, removed once the
 * name is gone, no more pages cached than it has.  Returns cached (0 for
 * a number that is not open). */
uint64_t check_obj_fstat(struct model *md, int64_t num);
/* The calls on @num that must fail and change nothing: pwrite at and past
 * 2^44 and ftruncate past it (-EFBIG, -EBADF if @num is not open), fchmod
 * with 010000 (-EINVAL), NULL buffers and result (-EINVAL), and opens of bad
 * names (-EINVAL); then fstat and a read of the object are as before. */
void check_obj_limits(struct model *md, int64_t num);
/* Whatever the model picks (@k) as a number that is not open: 0, -1,
 * INT64_MIN, INT64_MAX, one that was closed, one past every number
 * returned, or (@raw) any. */
int64_t bad_number(const struct model *md, unsigned k, uint64_t raw);

#endif /* VMFS_TESTS_MODEL_H */

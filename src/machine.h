/*
 * machine.h - the machine (struct vmfs) and its processes (struct mm).
 *
 * LOCKING - the one rule of the engine, followed everywhere:
 *
 *   Each machine has one mutex, vmfs->lock.  Every public call takes it on
 *   entry and releases it on return (libvmfs/api.c does this and nothing
 *   else does); everything under src/ runs with it held and never takes,
 *   drops or waits on any lock.  A replacement policy's callbacks, built in
 *   or a program's own, run inside those calls with the lock held, so they
 *   may call only vmfs_page_referenced() and vmfs_page_evictable() (the
 *   built-in ones: reclaim_referenced and reclaim_evictable), which
 *   expect it held; any other libvmfs call from a callback would deadlock.
 *   The SQLite store is used only under the lock (SQLITE_OPEN_NOMUTEX).
 *   A running program (cpu.c, since 0.6) is no exception: vmfs_run and
 *   vmfs_step take the lock for one slice of instructions at a time
 *   (cpu_run_slice) and let it go between slices, so that every other
 *   call, vmfs_stop included, runs between two slices, never inside one.
 *   So no engine function needs a lock-order
 *   rule, and two threads never see a half-made change.  Machines share
 *   nothing, so calls on different machines run in parallel.  The only
 *   state outside a machine is each thread's error message (error.c),
 *   which is thread-local.
 *
 *   Why one lock: every access is seen by the replacement policy and may
 *   evict a page of any process through the reverse map, so accesses to
 *   different processes touch shared state anyway; a single lock keeps the
 *   model exactly sequential (every run is a serial history) at the cost of
 *   parallelism inside one machine, which the FUSE daemon regains by doing
 *   its copying and formatting outside the call.
 *
 * A process (struct mm) owns its top table (cr3), its mapping tree, its TLB
 * and its counters.  PIDs come from next_pid and are never reused.
 */
#ifndef VMFS_MACHINE_H
#define VMFS_MACHINE_H

#include "hugetlb.h"
#include "klog.h"
#include "options.h"
#include "pgtable.h"
#include "phys.h"
#include "policy.h"
#include "swap.h"
#include "tlb.h"
#include "u64map.h"
#include "vma.h"

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#define COMM_LEN 16
#define NAME_MAX_LEN 255

/*
 * The anonymous pages of a family of processes related by fork.  A private
 * anonymous frame points here; since fork keeps addresses, the frame lies at
 * the same virtual page in every process that may map it, so the members
 * list is the frame's reverse map (Linux's anon_vma, simplified).
 */
struct vmobj;

struct anon_vma {
	uint64_t   id;         /* owner number shown to policies */
	uint32_t   refcount;   /* members; frames need not hold it: see mm.c */
	struct mm *members;    /* via mm->av_next */
};

struct mm_counters {
	uint64_t min_flt, maj_flt, cow_flt, segv;
	uint64_t rss_anon, rss_file, rss_shmem, swapents;
	uint64_t pt_pages;
	uint64_t tlb_hit, tlb_miss;
	uint64_t hugetlb;    /* pages (4 KiB) of hugetlb pages mapped, not in RSS
				(Linux's hugetlb_usage: status' HugetlbPages) */
};

/*
 * What exec (exec.c) laid out in a process, as Linux's mm_struct holds it:
 * the figures of /proc/PID/stat, the brk, and the auxiliary vector
 * (saved_auxv, for /proc/PID/auxv).  All zero in a process that never
 * exec'd; fork copies it.
 */
#define MM_SAVED_AUXV 48   /* Linux's AT_VECTOR_SIZE on x86-64: 2 * (2 + 20 + 1) */
struct mm_image {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t saved_auxv[MM_SAVED_AUXV];   /* pairs, ending with AT_NULL */
	uint32_t auxv_words;                  /* words of saved_auxv used, AT_NULL included */
	uint64_t entry;                       /* where execution starts (the interpreter's entry) */
	uint32_t execs;                       /* execs so far: a CPU made before is stale (cpu.c) */
};

struct mm {
	int              pid, ppid;
	char             comm[COMM_LEN];
	char            *name;
	uint64_t         cr3;            /* pfn of the top table */
	struct vma_tree  vmas;
	uint64_t         vm_pages;       /* pages mapped */
	struct tlb       tlb;
	struct anon_vma *av;
	struct mm       *av_prev, *av_next;
	struct mm       *prev, *next;    /* all processes, in PID order */
	uint64_t         start_ns;
	uint64_t         rss_peak, vm_peak;   /* VmHWM, VmPeak */
	uint64_t         locked_vm;      /* pages of VM_LOCKED mappings (VmLck; mlock.c) */
	unsigned         def_flags;      /* VM_LOCKED_MASK bits new mappings get (mlockall MCL_FUTURE) */
	struct mm_counters c;
	struct mm_image  img;             /* exec's layout (exec.c) */
	/*
	 * The process's CPU (cpu.c), made when it first runs; NULL before.
	 * Modules below cpu.c reach it only through these two pointers, which
	 * cpu.c sets: mm_destroy frees it, a segfault line asks it for the
	 * registers (the real ip and sp).
	 */
	struct cpu      *cpu;
	void           (*cpu_free)(struct cpu *cpu);
	void           (*cpu_ip_sp)(const struct cpu *cpu, uint64_t *ip, uint64_t *sp);
	bool             oom_skip;       /* Linux's MMF_OOM_SKIP: exited or reaped, never
					    the OOM killer's victim (oom.c) */
};

struct vm_counters {
	uint64_t pgfault, pgmajfault, cow_fault, segfault;
	uint64_t pswpin, pswpout, pgscan, pgsteal, oom_kill;
	uint64_t pgscan_anon, pgscan_file, pgsteal_anon, pgsteal_file;  /* by LRU type (vmscan.c) */
	uint64_t nr_vmscan_write;     /* pages reclaim wrote: to swap or back to their object */
	uint64_t pgpgout;             /* pages written out: reclaim's writes and writeback */
	uint64_t pgpgin;              /* pages read in: from the store, a host file or swap,
					 by faults, readahead and MADV_WILLNEED */
	uint64_t drop_pagecache, drop_slab;   /* vm.drop_caches writes with bit 1, bit 2 */
	uint64_t pgalloc, pgfree;
	uint64_t tlb_hit, tlb_miss;   /* of processes that exited (live ones count in their mm) */
	uint64_t forks, spawns, exits;
	uint64_t rmap_lookups;        /* leaf entries rmap_walk looked up (for tests; in no file) */
	/* mlock and MADV_FREE (vmstat's names; rmap.c, page.c, vmscan.c, madvise.c) */
	uint64_t unevictable_pgs_mlocked, unevictable_pgs_munlocked, unevictable_pgs_cleared;
	uint64_t pglazyfree, pglazyfreed;
	/* transparent huge pages (vmstat's names; huge_memory.c) */
	uint64_t thp_fault_alloc, thp_fault_fallback, thp_split_pmd, thp_split_page;
	uint64_t nr_anon_thp;         /* nr_anon_transparent_hugepages: huge pages now */
};

struct vmfs {
	pthread_mutex_t    lock;
	struct vm_options  opt;
	struct pt_geom     geom;
	struct phys        phys;
	uint64_t           kernel_pgd;    /* a top table holding only the kernel's entries */
	uint64_t           zero_pfn;      /* the shared zero page (Linux's empty_zero_page):
					     the kernel image's last frame, all zeros, or
					     NO_ZERO_PFN (zero_page=0, or kernel=0) */
	struct u64map      pids;          /* pid -> struct mm * */
	struct mm         *procs, *procs_tail;
	struct mm         *last_mm;       /* mm_lookup's one-entry cache */
	uint64_t           nr_procs;
	int                next_pid;
	uint64_t           pipe_ino;      /* the last pipe's inode number (syscall.c, since 0.7) */
	struct klog        klog;
	struct vm_counters cnt;
	struct store      *store;         /* the SQLite store: swap and objects */
	struct swap        swap;
	const struct vmfs_policy_ops *pol;
	void              *pol_state;
	bool               pol_builtin;   /* one of policy_builtin()'s */
	policy_lru_stat_fn pol_lru_stat;  /* a built-in policy's list sizes, or NULL */
	policy_swappiness_fn pol_swappiness; /* a built-in policy's vm.swappiness, or NULL */
	uint64_t           drop_caches;   /* vm.drop_caches: the last value written */
	struct hstate      hstates[HUGE_MAX_HSTATE]; /* the hugetlb pools (hugetlb.c) */
	uint64_t           pol_last;      /* the frame a built-in policy was last told
					     of by accessed(), with no other call to
					     it since; UINT64_MAX for none (vmscan.c) */
	uint64_t           next_owner;    /* ids of anon_vmas and objects */
	uint64_t           next_anon_vma; /* the last vma.anon_vma given (memory.c, mm.c) */
	struct vmobj     **objs;          /* named objects, sorted by name (object.c) */
	uint64_t           nobjs, capobjs;
	uint64_t           next_sid;      /* store ids of objects */
	struct u64map      open_objs;     /* object number (sid) -> struct vmobj *, while open (object.c) */
	uint64_t           committed;     /* pages charged (Linux's vm_committed_as): the
					     VM_ACCOUNT mappings and shared-memory objects */
	uint64_t           user_reserve;  /* pages, set at open (mmap.c) */
	/*
	 * Transparent huge pages (huge_memory.c): the pte tables deposited
	 * for the huge pmd leaves, one each (pgtable_trans_huge_deposit), so
	 * that splitting one never needs a table the pool may lack; and the
	 * split that walk_page_range calls for a walker with no pmd_entry
	 * (huge_memory.c's split_huge_pmd, set by machine_open: a pointer,
	 * so that pgtable.c stays below the modules it calls back).
	 */
	uint64_t          *pt_deposit;
	uint64_t           nr_deposit, cap_deposit;
	void             (*split_huge_pmd)(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp);
	time_t             boot_time;     /* wall clock at open */
	struct timespec    t0;
};

/* No shared zero page: a value no leaf entry's pfn can have. */
#define NO_ZERO_PFN UINT64_MAX

/*
 * Does a leaf entry mapping @pfn map the shared zero page (Linux's
 * is_zero_pfn)?  Such an entry holds no frame: no reference, no rmap, no
 * RSS, never seen by the replacement policy; it is read-only and marked
 * COW, so that a write copies it (do_wp_page).  Every walker of leaf
 * entries that looks at the frame asks this first.
 */
static inline bool is_zero_pfn(const struct vmfs *m, uint64_t pfn)
{
	return pfn == m->zero_pfn;
}

/* Nanoseconds since the machine opened. */
static inline uint64_t machine_now(const struct vmfs *m)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - m->t0.tv_sec) * 1000000000ull +
	       (uint64_t)(t.tv_nsec - m->t0.tv_nsec);
}

/* The process @pid, or NULL with an -ESRCH message set. */
struct mm *mm_lookup(struct vmfs *m, int pid);

/* Remove every page and table of @mm in [start, end), freeing tables left empty. */
void zap_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end);

/* Engine entry points (machine lock held). */
int  machine_open(struct vmfs **out, const char *options);
int  machine_close(struct vmfs *m);
int  mm_spawn(struct vmfs *m, const char *name);
int  mm_fork(struct vmfs *m, int pid);
int  mm_exit(struct vmfs *m, int pid);
int  do_mmap(struct vmfs *m, int pid, uint64_t addr, uint64_t len, int prot,
	     int flags, const char *object, uint64_t offset, uint64_t *out);
int  do_munmap(struct vmfs *m, int pid, uint64_t addr, uint64_t len);
/*
 * Overcommit accounting (Linux's mm/util.c): vm_commit_limit() is
 * CommitLimit in pages (frames * overcommit_ratio / 100 + swap);
 * total_swap_pages() is SwapTotal (with unlimited swap: used + frames; 0
 * with swap=none).  vm_enough_memory() is __vm_enough_memory for @mm
 * committing @pages more once @freed charged pages are gone: 0, or
 * -ENOMEM with the kernel's log line; it charges nothing, the caller adds
 * to committed when the call succeeds and vm_unacct_memory() takes back.
 */
uint64_t vm_commit_limit(const struct vmfs *m);
uint64_t total_swap_pages(const struct vmfs *m);
int      vm_enough_memory(struct vmfs *m, const struct mm *mm, uint64_t pages, uint64_t freed,
			  uint64_t total_vm);
void     vm_unacct_memory(struct vmfs *m, uint64_t pages);
void     vm_reserves_init(struct vmfs *m);
int  do_mprotect(struct vmfs *m, int pid, uint64_t addr, uint64_t len, int prot);
/* mremap (mremap.c): 0 and *@out the mapping's new address, or -errno with nothing changed. */
int  do_mremap(struct vmfs *m, int pid, uint64_t addr, uint64_t old_len, uint64_t new_len,
	       int flags, uint64_t new_addr, uint64_t *out);
/*
 * Give the mappings of @mm in [start, end) (page-aligned; holes skipped)
 * vm_flags (old & ~@clear) | @set, splitting at start and end and merging
 * what has become alike (mmap.c).  0, or -ENOMEM with nothing changed when
 * the splits would pass max_map_count (@call names the caller in the
 * message).
 */
int  vma_apply_flags(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end,
		     unsigned clear, unsigned set, const char *call);
int64_t access_vm(struct vmfs *m, int pid, uint64_t addr, void *buf, uint64_t len,
		  unsigned how, struct vmfs_fault *fault);
/*
 * access_tlb (access.c): the CPU's fast path (cpu.c, since 0.7): a user
 * access of @len bytes within one page that @mm's TLB serves, made
 * exactly as access_vm makes it on a TLB hit (the entry's bits checked,
 * the accessed and dirty bits it must set, the hit counted, the bytes
 * copied to or from @buf, the policy's page_accessed).  @buf may be NULL
 * (a fetch compared in place: nothing copied).  Where the bytes lie in
 * simulated RAM (valid until the machine next changes); NULL with nothing
 * done on a miss, bits that refuse, a page-crossing access (then call
 * access_vm).
 */
const uint8_t *access_tlb(struct vmfs *m, struct mm *mm, uint64_t addr, void *buf, uint64_t len,
			  unsigned how);
int64_t access_batch(struct vmfs *m, int pid, struct vmfs_iop *iop, uint64_t n);
int64_t read_spans(struct vmfs *m, int pid, uint64_t addr, uint64_t len,
		   vmfs_span_fn fn, void *arg);
int  translate(struct vmfs *m, int pid, uint64_t addr, struct vmfs_walk *w);
/*
 * __mm_populate (access.c): fault in the pages of @mm's mappings in
 * [start, end), skipping VM_LOCKONFAULT ones; holes are skipped.  0, or
 * the first failing fault's -errno (-EFAULT: PROT_NONE, past an object's
 * end; -ENOMEM) unless @ignore_errors.
 */
int  populate_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end, bool ignore_errors);
int64_t phys_read(struct vmfs *m, uint64_t paddr, void *buf, uint64_t len);
int  machine_stat(struct vmfs *m, struct vmfs_stat *st);
int  machine_statx(struct vmfs *m, struct vmfs_stat *st, unsigned what);
/* vmfs_lru_stat: the policy's lists (policy_lru_stat_fn) or all resident pages active. */
int  machine_lru_stat(struct vmfs *m, struct vmfs_lru_stat *st);
int  machine_buddyinfo(struct vmfs *m, struct vmfs_buddyinfo *bi);
int  machine_huge_stat(struct vmfs *m, struct vmfs_huge_stat *st);
/* The TLB entries of process @pid in use, or of all with @pid 0: 0 or -ESRCH. */
int  machine_tlb_stat(struct vmfs *m, int pid, struct vmfs_tlb_stat *st);
int  proc_stat(struct vmfs *m, int pid, struct vmfs_proc_stat *st);
int  proc_maps(struct vmfs *m, int pid, struct vmfs_map *maps, uint64_t max);
int  machine_pids(struct vmfs *m, int *pids, uint64_t max);
int64_t proc_pagemap(struct vmfs *m, int pid, uint64_t vpn, uint64_t *out, uint64_t n);
int64_t proc_pagetable(struct vmfs *m, int pid, struct vmfs_pt_entry *out, uint64_t max);
size_t machine_swap_path(struct vmfs *m, char *buf, size_t len);
#define STACK_RLIMIT    (8ull << 20)             /* RLIMIT_STACK's usual 8 MiB */
#define STACK_GUARD_GAP (256ull << PAGE_SHIFT)   /* Linux's stack_guard_gap */

/* exec and brk (exec.c). */
struct vmfs_exec_info;
int  do_execve(struct vmfs *m, int pid, const char *path, const char *const *argv,
	       const char *const *envp, struct vmfs_exec_info *info);
int  do_brk(struct vmfs *m, int pid, uint64_t addr, uint64_t *out);
/*
 * exec_open_in_root: open @path for reading as a process chrooted to
 * @root (a canonical directory path) resolves it, with openat2's
 * RESOLVE_IN_ROOT when @try_openat2 and the host has it, else component by
 * component; the canonical path inside @root into @inside and on the host
 * into @host (PATH_MAX each).  The descriptor, or -errno (ENOENT, ENOTDIR,
 * ELOOP, EACCES, ENAMETOOLONG).
 */
int  exec_open_in_root(const char *root, const char *path, bool try_openat2, char *inside,
		       char *host);
/* The auxv words of @pid (pairs, AT_NULL included) into @out: their number, or -ESRCH. */
int  proc_auxv(struct vmfs *m, int pid, uint64_t *out, uint64_t max);
/*
 * expand_stack (stack.c): @va, below a VM_GROWSDOWN mapping, becomes part of it if
 * Linux would grow the stack there (stack_guard_gap from the mapping below,
 * the stack rlimit); the mapping now holding @va, or NULL.
 */
struct vma *expand_stack(struct vmfs *m, struct mm *mm, uint64_t va);
/*
 * vmfs_sysctl: options_sysctl's tunables, each change of vm.swappiness
 * passed on to the policy, and vm.drop_caches (1 to 4, Linux's
 * drop_caches_sysctl_handler: bit 1 drops the clean page cache, bit 2 the
 * slab caches, of which the machine has none; reads give the last value
 * written).
 */
int  machine_sysctl(struct vmfs *m, const char *name, uint64_t *oldval, const uint64_t *newval);
/* mlock.c: mlock2 (flags VMFS_MLOCK_ONFAULT), munlock, mlockall, munlockall. */
int  do_mlock(struct vmfs *m, int pid, uint64_t addr, uint64_t len, unsigned flags);
int  do_munlock(struct vmfs *m, int pid, uint64_t addr, uint64_t len);
int  do_mlockall(struct vmfs *m, int pid, unsigned flags);
int  do_munlockall(struct vmfs *m, int pid);
/* madvise.c: madvise (VMFS_MADV_*), mincore, msync (MS_*). */
int  do_madvise(struct vmfs *m, int pid, uint64_t start, uint64_t len, int advice);
int  do_mincore(struct vmfs *m, int pid, uint64_t start, uint64_t len, unsigned char *vec);
int  do_msync(struct vmfs *m, int pid, uint64_t start, uint64_t len, int flags);
/* vmfs_mlock_stat (machine.c). */
int  machine_mlock_stat(struct vmfs *m, struct vmfs_mlock_stat *st);
/* Write every dirty object page back and commit the store. */
int  machine_sync(struct vmfs *m);

#endif

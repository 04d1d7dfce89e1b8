/*
 * vmfs.h - the public interface of libvmfs, a simulated virtual memory system.
 *
 * A machine (struct vmfs) owns simulated physical memory, processes with
 * multi-level page tables stored in that memory, mappings, copy-on-write
 * after fork, permission checks and a kernel log.  Everything a program can
 * do to the machine goes through the calls below; every call is thread-safe
 * (one machine lock serialises them, see src/machine.h).
 *
 * Conventions, true of every call:
 *   - Errors are negative errno values (-EINVAL, -ENOMEM, ...).  A call that
 *     fails changes nothing.  vmfs_errmsg() then returns a sentence saying
 *     why, for the calling thread.
 *   - Addresses are 64-bit virtual or physical addresses; lengths are bytes.
 *   - prot and flags take the values of <sys/mman.h>.
 *   - "Since 0.1" marks the release a call appeared in.
 *
 * This header is installed; nothing in it depends on the engine's private
 * headers.
 */
#ifndef VMFS_H
#define VMFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMFS_VERSION_MAJOR 0
#define VMFS_VERSION_MINOR 8

#define VMFS_PAGE_SHIFT 12
#define VMFS_PAGE_SIZE  4096u
#define VMFS_MAX_LEVELS 6

/* Page-table entry bits (x86-64 layout; see libvmfs(3), PAGE TABLE ENTRIES). */
#define VMFS_PTE_P        (1ull << 0)   /* present */
#define VMFS_PTE_RW       (1ull << 1)   /* writable */
#define VMFS_PTE_US       (1ull << 2)   /* user-accessible */
#define VMFS_PTE_A        (1ull << 5)   /* accessed */
#define VMFS_PTE_D        (1ull << 6)   /* dirty (leaf) */
#define VMFS_PTE_PS       (1ull << 7)   /* page size: a pmd entry that maps 2 MiB
					   itself (a huge leaf); since 0.8 */
#define VMFS_PTE_COW      (1ull << 9)   /* software: write must copy first */
#define VMFS_PTE_PROTNONE (1ull << 10)  /* software: resident, PROT_NONE (P clear) */
#define VMFS_PTE_SWAP     (1ull << 11)  /* software: not present, page is in swap */
#define VMFS_PTE_SOFT_DIRTY (1ull << 58) /* software: written since clear_refs 4
					   (x86's _PAGE_SOFT_DIRTY), in a present
					   or a swap entry; since 0.5 */
#define VMFS_PTE_NX       (1ull << 63)  /* no-execute */
#define VMFS_PTE_PFN_MASK 0x000ffffffffff000ull /* bits 12-51 */

typedef struct vmfs vmfs;

/* ---- machine ---------------------------------------------------------- */

/*
 * vmfs_open - create a machine.
 * @m:       receives the machine.
 * @options: NULL or "" for defaults, else comma-separated key=value:
 *           frames=N | mem=SIZE (default 16384 frames = 64M), levels=2..6
 *           (default 4), tlb=N entries per process (0 = off, default 64),
 *           kernel=SIZE (default 1M), policy=NAME[:KEY=VALUE...]: fifo,
 *           lru, clock (default), arc, 2q, car, clockpro, lirs, random,
 *           s3fifo, sieve, wsclock, linux, mglru (libvmfs(3),
 *           REPLACEMENT), swap=PATH|none (default: a private temporary
 *           SQLite file removed at close), swap_size=SIZE (default unlimited),
 *           max_map_count=N mappings per process (0 to 1048576, default
 *           65530; since 0.4), read_ahead_kb=N the readahead window of a
 *           major fault on an object page (0 to 1048576 KiB, 0 off,
 *           default 128; since 0.5; libvmfs(3) lists the others).  Sizes
 *           take K, M, G, T suffixes; numbers are decimal or 0x hex.
 * Returns 0, or -EINVAL for a bad option (unknown key, bad number, value
 * out of range), -ENOMEM when the host cannot provide the memory, -EBUSY
 * when swap=PATH is in use by another machine, or the store's errno.
 * Since 0.1.
 */
int vmfs_open(vmfs **m, const char *options);

/*
 * vmfs_close - destroy a machine and everything in it.  NULL is ignored.
 * It returns nothing: a close whose last write to the store failed leaves
 * vmfs_errmsg() saying why (and the store holding what the last sync
 * wrote); a program that must know calls vmfs_sync() first and checks it,
 * and vmfs_close() then has nothing left to write.  Since 0.1.
 */
void vmfs_close(vmfs *m);

/*
 * vmfs_errmsg - the detail of the last failing call made by this thread,
 * e.g. "mmap: address 0x1001 is not page-aligned".  Never NULL; the string
 * stays valid until this thread's next libvmfs call.  Since 0.1.
 */
const char *vmfs_errmsg(void);

/* ---- processes -------------------------------------------------------- */

/*
 * vmfs_spawn - create a process with an empty user half (the kernel image is
 * mapped in the upper half of every process).  @name: 1 to 255 printable
 * bytes; its first 15 bytes are the comm.  Returns the new PID (PIDs start at
 * 1 and are never reused), -EINVAL for a bad name, -ENOMEM.  Since 0.1.
 */
int vmfs_spawn(vmfs *m, const char *name);

/*
 * vmfs_fork - copy @pid's address space copy-on-write: private writable pages
 * become read-only (VMFS_PTE_COW) in both and share their frames; shared
 * mappings stay shared.  Returns the child's PID, -ESRCH, -ENOMEM.  Since 0.1.
 */
int vmfs_fork(vmfs *m, int pid);

/* vmfs_exit - end @pid, freeing its frames, tables and mappings.  0 or -ESRCH. Since 0.1. */
int vmfs_exit(vmfs *m, int pid);

/*
 * vmfs_pids - the live PIDs in ascending order.  Fills at most @max entries
 * of @pids and returns how many processes there are (which may exceed @max).
 * Since 0.1.
 */
int vmfs_pids(vmfs *m, int *pids, size_t max);

/* ---- mappings ---------------------------------------------------------- */

/*
 * vmfs_mmap - map [addr, addr+len) in @pid.
 * @prot:   PROT_NONE or an OR of PROT_READ, PROT_WRITE, PROT_EXEC.
 * @flags:  exactly one of MAP_PRIVATE, MAP_SHARED, optionally with
 *          MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE.
 * @object: NULL for anonymous memory, else the name of an object
 *          (vmfs_object_create): MAP_PRIVATE maps it copy-on-write (a write
 *          copies the page into anonymous memory, never into the object),
 *          MAP_SHARED writes go to the page cache and back to the object.
 *          Pages past the object's end fault with SIGBUS, BUS_ADRERR
 *          (since 0.5; before, SEGV_MAPERR).
 * @offset: offset in the object, page-aligned; 0 for anonymous memory.
 * @out:    receives the start address (may be NULL).
 * Without MAP_FIXED*, @addr is a hint: used if the range is free, otherwise
 * the mapping is placed top-down below the highest free user address.
 * @len is rounded up to pages.  MAP_FIXED replaces what was there.
 * Errors: -EINVAL (zero length, misaligned fixed address or offset, bad prot
 * or flags, MAP_ANONYMOUS with an object), -ENOMEM (range outside user
 * space, no room), -EEXIST (MAP_FIXED_NOREPLACE over an existing mapping),
 * -ENOENT (no such object), -EACCES (a shared writable mapping of an object
 * without write permission), -EOVERFLOW (offset + length overflows), -ESRCH.
 * Since 0.1.
 */
int vmfs_mmap(vmfs *m, int pid, uint64_t addr, uint64_t len, int prot,
              int flags, const char *object, uint64_t offset, uint64_t *out);

/*
 * vmfs_munmap - remove the mappings in [addr, addr+len) (len rounded up),
 * splitting those that straddle the edges and freeing pages and page tables
 * no longer used.  Unmapping a hole is not an error.  0, -EINVAL (misaligned,
 * zero length, outside user space), -ESRCH.  Since 0.1.
 */
int vmfs_munmap(vmfs *m, int pid, uint64_t addr, uint64_t len);

/*
 * vmfs_mprotect - change the protection of [addr, addr+len); every page of
 * the range must be mapped.  Mappings split and merge as needed.  0 (also
 * for len 0, since 0.5), -EINVAL (misaligned, bad prot), -ENOMEM (part of
 * the range is not mapped or lies outside user space), -EACCES (write on a
 * shared mapping made while its object was read-only: VM_MAYWRITE, since
 * 0.5), -ESRCH.  As Linux, a range that runs into a hole or such a mapping
 * is changed up to it before the error (since 0.5).  Since 0.1.
 */
int vmfs_mprotect(vmfs *m, int pid, uint64_t addr, uint64_t len, int prot);

/* @flags of vmfs_mremap: Linux's MREMAP_* numbers.  Since 0.5. */
#define VMFS_MREMAP_MAYMOVE   1
#define VMFS_MREMAP_FIXED     2
#define VMFS_MREMAP_DONTUNMAP 4

/*
 * vmfs_mremap - mremap(2) with Linux 6.1's semantics (libvmfs(3), MREMAP):
 * shrink [@addr, +@old_len) to @new_len bytes, grow it in place, or move
 * it (VMFS_MREMAP_MAYMOVE; to @new_addr with VMFS_MREMAP_FIXED, leaving
 * the old mapping empty with VMFS_MREMAP_DONTUNMAP); a move carries the
 * page-table entries, so anonymous pages keep their frames and swap
 * slots.  0 and *@out (if not NULL) the mapping's address, -EINVAL,
 * -EFAULT (@addr unmapped, or the old range past its mapping), -EAGAIN
 * (memlock), -ENOMEM (no room, no MAYMOVE, overcommit, max_map_count),
 * -ESRCH; on error nothing changes.  Since 0.5.
 */
int vmfs_mremap(vmfs *m, int pid, uint64_t addr, uint64_t old_len, uint64_t new_len,
		int flags, uint64_t new_addr, uint64_t *out);

/* One mapping, as /proc/PID/maps and smaps show it. */
struct vmfs_map {
	uint64_t start, end;   /* [start, end) */
	int      prot;         /* PROT_* */
	int      flags;        /* MAP_PRIVATE or MAP_SHARED, plus MAP_ANONYMOUS
				  and VMFS_MAP_ACCOUNT */
	uint64_t offset;       /* offset in the object (0 for private anonymous;
				  shared anonymous: from 0 at mmap, following
				  splits as Linux's vm_pgoff, since 0.5) */
	char     object[256];  /* object name, "" for anonymous memory; a host
				  file exec mapped: its absolute path (since 0.5) */
	uint64_t rss;          /* resident pages mapped here by this process */
	uint64_t anon;         /* of which private anonymous pages */
	uint64_t swap;         /* pages of this mapping in swap (with a shared
				  anonymous mapping, since 0.5, its object's
				  pages in swap in the mapping's range) */
	uint64_t referenced;   /* resident pages whose accessed bit is set, or
				  which idle tracking left young (since 0.5) */
	uint64_t dirty;        /* resident pages whose dirty bit is set */
	uint64_t shared;       /* resident pages mapped by more than one table */
	/* smaps (since 0.2), in pages except pss: */
	uint64_t pss;          /* proportional set size in bytes: each page's
				  4096 / mapcount, with Linux's 12-bit fraction
				  kept until the sum */
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t pss_dirty;    /* bytes, like pss, of the dirty pages */
	/*
	 * Since 0.5 the struct is larger: a program built against 0.4's header
	 * (which ended with reserved[2] here) links to vmfs_maps@VMFS_0.1, which
	 * fills only that much of each entry; one built against this header
	 * gets vmfs_maps@@VMFS_0.5 and everything below.
	 */
	/* in bytes like pss (smaps' SwapPss and Pss_Anon): */
	uint64_t swap_pss;     /* each swap entry's 4096 / the entries sharing
				  its slot (swp_swapcount) */
	uint64_t pss_anon;     /* the part of pss from anonymous pages, page
				  by page (the rest is file or, in a shared
				  anonymous mapping, shmem) */
	uint32_t ino;          /* shared anonymous memory: its inode number, one
				  per mmap and never 0 (Linux's shmem inode of
				  "/dev/zero (deleted)"), else 0 */
	uint32_t nomaywrite;   /* 1 when the mapping may never be made writable:
				  shared, of an object read-only when mapped
				  (VM_MAYWRITE clear) */
	uint64_t object_number;/* a named object's mapping: the object's number
				  (vmfs_object_open's), kept after the object
				  is removed; else 0 (since 0.5) */
	uint64_t lazyfree;     /* pages smaps shows as LazyFree: anonymous
				  pages MADV_FREE made lazy and not written
				  since (clean), since 0.5 */
	uint64_t host_dev;     /* a host file exec mapped: its st_dev and
				  st_ino, as stat(2) gives them, which maps
				  shows as Linux does a file's; else 0
				  (since 0.5) */
	uint64_t host_ino;
	uint64_t anon_huge;    /* of anon, the pages mapped by huge pmd leaves
				  (smaps' AnonHugePages, in pages), since 0.8 */
	uint64_t thp_eligible; /* 1 when a fault here may take a huge page
				  (smaps' THPeligible: thp= mode, madvise,
				  private anonymous, 2 MiB of it aligned), since 0.8 */
	/* a hugetlb mapping (VMFS_MAP_HUGETLB), since 0.8; none of its pages
	 * is in rss or the other counts above, as smaps has them: */
	uint64_t private_hugetlb; /* pages (4 KiB) of its huge pages mapped once
				     (smaps' Private_Hugetlb) */
	uint64_t shared_hugetlb;  /* pages of those mapped more than once
				     (Shared_Hugetlb) */
	uint64_t page_size;       /* bytes: 4096, or the huge page size of a
				     hugetlb mapping (KernelPageSize) */
	uint64_t reserved[3];
};

/*
 * In vmfs_map.flags (since 0.5): the mapping is charged to Committed_AS
 * (Linux's VM_ACCOUNT: made private and writable, or made writable by
 * mprotect; it stays when mprotect takes the write away).
 */
#define VMFS_MAP_ACCOUNT 0x40000000

/*
 * vmfs_maps - @pid's mappings in address order.  Fills at most @max entries
 * and returns the number of mappings (which may exceed @max), or -ESRCH.
 * Since 0.1.
 */
int vmfs_maps(vmfs *m, int pid, struct vmfs_map *maps, size_t max);

/* ---- access ------------------------------------------------------------ */

/* @how for vmfs_access: one access type, optionally OR'ed with modifiers. */
#define VMFS_ACCESS_READ   0x0u  /* data read */
#define VMFS_ACCESS_WRITE  0x1u  /* data write */
#define VMFS_ACCESS_EXEC   0x2u  /* instruction fetch (reads the bytes) */
#define VMFS_ACCESS_TYPE   0x3u  /* mask of the type */
#define VMFS_ACCESS_FORCE  0x4u  /* debugger access (FOLL_FORCE): read any
				    mapped page, write private pages it could
				    not write, breaking COW */
#define VMFS_ACCESS_KERNEL 0x8u  /* supervisor mode: kernel pages allowed,
				    faults are not segfaults (like copy_to_user) */

/* si_code values of a segfault, as <signal.h> SEGV_MAPERR / SEGV_ACCERR. */
#define VMFS_SEGV_MAPERR 1
#define VMFS_SEGV_ACCERR 2
/* si_code of a bus error (an object's page past its end), <signal.h>'s
 * BUS_ADRERR: since 0.5; read it with signo, as it equals VMFS_SEGV_ACCERR. */
#define VMFS_BUS_ADRERR  2
/* The signal a stopping fault sends (struct vmfs_fault's signo, since 0.5),
 * Linux's numbers. */
#define VMFS_SIGBUS      7
#define VMFS_SIGSEGV     11

/* x86 page-fault error code bits, as the segfault log line prints them. */
#define VMFS_PF_PROT  0x1u   /* the page was present (protection fault) */
#define VMFS_PF_WRITE 0x2u
#define VMFS_PF_USER  0x4u
#define VMFS_PF_INSTR 0x10u

/* What happened during one vmfs_access call. */
struct vmfs_fault {
	/* Faults handled (the access went on): */
	uint32_t minor;      /* demand-zero and page-cache faults, COW included */
	uint32_t major;      /* pages read back from swap or the object store */
	uint32_t cow;        /* copy-on-write faults (copy or take-over) */
	/* The fault that stopped the access, if any (si_code != 0): */
	int      si_code;    /* 0, VMFS_SEGV_MAPERR or VMFS_SEGV_ACCERR (SIGSEGV),
				VMFS_BUS_ADRERR (SIGBUS) */
	uint32_t error_code; /* VMFS_PF_* bits */
	uint64_t addr;       /* the faulting address */
	int      err;        /* -errno that stopped the access: -EFAULT, -ENOMEM */
	int      signo;      /* with si_code: VMFS_SIGSEGV, or VMFS_SIGBUS for a page
				of an object mapping past the object's end (since
				0.5; before, that was SIGSEGV with SEGV_MAPERR) */
	uint32_t reserved[6];
};

/*
 * vmfs_access - access [addr, addr+len) of @pid's address space, page by
 * page, as the CPU would: walk the page tables (or hit the TLB), check the
 * entry bits (US, RW, NX) and the mapping's protection, and handle faults
 * (demand zero, copy-on-write).  @buf is read from for VMFS_ACCESS_WRITE and
 * written to otherwise.  @fault may be NULL.
 * Returns the bytes transferred.  When the first page faults the call
 * returns -EFAULT (segfault: the process's segfault counter rises and, for
 * user-mode access, a line goes to the kernel log; nothing else changes) or
 * -ENOMEM; when a later page faults it returns the bytes done so far.
 * -ESRCH for no such process, -EINVAL for a bad @how.  Since 0.1.
 */
ssize_t vmfs_access(vmfs *m, int pid, uint64_t addr, void *buf, size_t len,
                    unsigned how, struct vmfs_fault *fault);

/* One access of a vmfs_accessv batch. */
struct vmfs_iop {
	uint64_t addr;   /* first virtual address */
	void    *buf;    /* read from for writes, written to otherwise */
	size_t   len;    /* bytes */
	unsigned how;    /* as vmfs_access's @how */
	ssize_t  res;    /* out: what vmfs_access would have returned */
};

/*
 * vmfs_accessv - make the @n accesses of @iop to @pid's address space, in
 * order, exactly as @n calls of vmfs_access (with a NULL @fault) would, but
 * under one taking of the machine lock and with the memory of the next
 * accesses' page walks and pages fetched while the current one runs, so a
 * batch of scattered small accesses overlaps their cache misses the way a
 * CPU overlaps independent loads.  The batch stops after the first access
 * that does not transfer all its bytes.  Each access made has its @res set.
 * Returns the number of accesses that transferred all their bytes (@n when
 * all did), or -ESRCH (no such process) or -EINVAL (@iop NULL with @n > 0)
 * with no access made.  Since 0.3.
 */
ssize_t vmfs_accessv(vmfs *m, int pid, struct vmfs_iop *iop, size_t n);

/* vmfs_read - vmfs_access(..., VMFS_ACCESS_READ, NULL).  Since 0.1. */
ssize_t vmfs_read(vmfs *m, int pid, uint64_t addr, void *buf, size_t len);

/* vmfs_write - vmfs_access(..., VMFS_ACCESS_WRITE, NULL).  Since 0.1. */
ssize_t vmfs_write(vmfs *m, int pid, uint64_t addr, const void *buf, size_t len);

/*
 * vmfs_read_with - read [addr, addr+len) of @pid as vmfs_read does (user
 * mode, the same faults and the same short counts), but instead of copying
 * the bytes, call @fn once with the pieces of simulated RAM that hold them,
 * in order (pages that lie next to each other in physical memory come as
 * one piece), so a caller can hand them on without a copy (the mount
 * replies to a read of `mem` this way).  @fn runs with the machine lock
 * held: the pointers are valid only during the call, and @fn must not call
 * libvmfs.  @fn is not called when nothing can be read.
 * Returns the bytes covered, @fn's negative return value, or the errors of
 * vmfs_read.  Since 0.2.
 */
typedef int (*vmfs_span_fn)(void *arg, const struct iovec *iov, int iovcnt);
ssize_t vmfs_read_with(vmfs *m, int pid, uint64_t addr, size_t len, vmfs_span_fn fn, void *arg);

/* ---- translation and physical memory ------------------------------------ */

/* Where a walk ended. */
enum vmfs_walk_state {
	VMFS_WALK_NONE = 0,   /* a zero entry: no page there (not yet touched,
				 or unmapped); depth says at which level */
	VMFS_WALK_PRESENT,    /* a present leaf: paddr is valid */
	VMFS_WALK_PROTNONE,   /* resident but PROT_NONE: paddr is valid */
	VMFS_WALK_SWAPPED,    /* the leaf holds a swap slot: swap_slot is valid */
};

struct vmfs_walk_level {
	uint64_t table;      /* physical address of the table (frame << 12) */
	uint32_t index;      /* index of the entry in the table */
	uint64_t entry;      /* the raw 64-bit entry, as stored at table + 8*index */
};

struct vmfs_walk {
	int      levels;     /* the machine's page-table levels */
	int      depth;      /* entries read: level[0 .. depth-1] are valid */
	struct vmfs_walk_level level[VMFS_MAX_LEVELS];  /* level[0] is the top (cr3) */
	int      state;      /* enum vmfs_walk_state */
	uint64_t paddr;      /* physical address of the byte at @addr */
	uint64_t swap_slot;  /* for VMFS_WALK_SWAPPED */
	int      mapped;     /* 1 if a mapping covers the address */
	int      prot;       /* that mapping's PROT_* (kernel image: READ|WRITE) */
	int      flags;      /* that mapping's MAP_* */
	uint32_t page_shift; /* present or PROT_NONE: log2 of the page's size, 12, or
				21 when the walk ended at a huge pmd leaf (depth is
				then levels - 1); 0 otherwise.  Since 0.8 */
	uint32_t reserved[4];
};

/*
 * vmfs_translate - walk @pid's page tables for @addr without side effects
 * (no accessed bits, no TLB fill, no counters).  Returns 0 with @walk filled
 * whatever the walk found, -EFAULT for a non-canonical address, -ESRCH.
 * Every level[i].entry can be checked with vmfs_phys_read() at
 * level[i].table + 8 * level[i].index.  Since 0.1.
 */
int vmfs_translate(vmfs *m, int pid, uint64_t addr, struct vmfs_walk *walk);

/*
 * vmfs_phys_read - read simulated physical memory: data frames first, then
 * the kernel image, then page-table frames (see vmfs_stat.phys_size).
 * Returns the bytes read, fewer at the end of physical memory, 0 at or past
 * it.  Since 0.1.
 */
ssize_t vmfs_phys_read(vmfs *m, uint64_t paddr, void *buf, size_t len);

/*
 * vmfs_parse_u64 - parse a number the way the options string and the
 * mount's ctl commands write them: decimal or 0x hex, and with @suffix an
 * optional K, M, G or T (either case, powers of 1024); nothing else around
 * it.  0 with *out set, or -EINVAL (empty, junk, more than 64 bits).  Needs
 * no machine.  Since 0.2.
 */
int vmfs_parse_u64(const char *s, int suffix, uint64_t *out);

/*
 * vmfs_level_name - "pgd", "p4d", "pud", "pmd", "pte" ...: the kernel's name
 * of level @level (0 = top) of a @levels-level table; "?" when out of range.
 * Since 0.1.
 */
const char *vmfs_level_name(int levels, int level);

/* ---- accounting and the kernel log -------------------------------------- */

struct vmfs_stat {
	/* configuration */
	int      levels;
	int      va_bits;          /* min(64, 12 + 9 * levels) */
	uint64_t frames;           /* data frames (the frames= option) */
	uint64_t kernel_pages;     /* kernel image pages */
	uint64_t tlb_entries;      /* per process */
	uint64_t user_top;         /* first address above user space */
	uint64_t kernel_base;      /* start of the kernel image */
	uint64_t phys_size;        /* bytes of physical memory in use, all kinds */
	/* memory */
	uint64_t frames_free;
	uint64_t pagetable_pages;  /* all page-table frames, kernel's included */
	uint64_t nr_processes;
	/* counters (/proc/vmstat names) */
	uint64_t pgfault;          /* all faults handled, minor and major */
	uint64_t pgmajfault;
	uint64_t pgalloc;          /* data frames handed out */
	uint64_t pgfree;           /* data frames freed */
	uint64_t cow_fault;
	uint64_t segfault;
	uint64_t tlb_hit, tlb_miss;
	uint64_t forks, spawns, exits;
	/* replacement and swap (since 0.2) */
	uint64_t pswpin;           /* pages read from swap */
	uint64_t pswpout;          /* pages written to swap (dirty anonymous evictions) */
	uint64_t pgscan_direct;    /* pages the policy looked at to find victims */
	uint64_t pgsteal_direct;   /* pages evicted */
	uint64_t oom_kill;         /* allocations that failed: nothing to evict */
	uint64_t swap_total;       /* swap slots allowed, 0 = unlimited (with
				      swap=none there is no swap at all:
				      vmfs_swap_path() returns 0) */
	uint64_t swap_used;        /* slots holding a page */
	uint64_t swap_cached;      /* resident pages that still own a slot */
	char     policy[16];       /* the replacement policy's name */
	/* memory by kind, in pages (since 0.2; /proc/meminfo) */
	uint64_t anon_pages;       /* private anonymous pages resident */
	uint64_t file_pages;       /* page-cache pages: objects and shared memory */
	uint64_t shmem_pages;      /* of which shared anonymous memory */
	uint64_t mapped_pages;     /* page-cache pages mapped by some table */
	uint64_t dirty_pages;      /* object pages not yet written back (shared
				      anonymous memory is never counted, as
				      Linux leaves shmem out of Dirty) */
	uint64_t nr_objects;
	uint64_t boot_time;        /* when the machine opened, seconds since the epoch */
	uint64_t uptime_ns;        /* since then */
	uint64_t contents_none;    /* 1 with contents=none: data frames keep no
				      bytes (since 0.5) */
	uint64_t zero_page;        /* 1 when a read of untouched private anonymous
				      memory maps the shared zero page (the
				      zero_page= option, default 1; 0 with
				      kernel=0) (since 0.5) */
	uint64_t zero_pfn;         /* its frame: the kernel image's last (since 0.5) */
	/* overcommit accounting, in pages (since 0.5; /proc/meminfo) */
	uint64_t committed_as;     /* charged: private writable (VM_ACCOUNT)
				      mappings and shared anonymous memory */
	uint64_t commit_limit;     /* frames * vm.overcommit_ratio / 100 + swap */
	/* reclaim by LRU type and writes (since 0.5; /proc/vmstat) */
	uint64_t pgscan_anon, pgscan_file;   /* pgscan_direct split: a victim()
						call's scanned pages count under
						the type of the page it chose
						(anon: anonymous and shared
						anonymous memory, as Linux's
						swap-backed pages) */
	uint64_t pgsteal_anon, pgsteal_file; /* pgsteal_direct split the same way */
	uint64_t nr_vmscan_write;  /* pages reclaim wrote out: to swap, or a
				      dirty object page back to its object */
	uint64_t pgpgout;          /* pages written out, reclaim and writeback
				      (vmstat shows KiB) */
	uint64_t drop_pagecache;   /* writes of vm.drop_caches with bit 1 (since 0.5) */
	uint64_t drop_slab;        /* and with bit 2 (since 0.5) */
	uint64_t pgpgin;           /* pages read in from the store, a host file
				      or swap: by faults, readahead and
				      MADV_WILLNEED (vmstat shows KiB) (since 0.5) */
};

/* vmfs_stat - machine-wide configuration and counters.  Since 0.1. */
int vmfs_stat(vmfs *m, struct vmfs_stat *st);

/*
 * What vmfs_statx fills besides the basic figures, which it always fills
 * and which cost the same however large the machine (every field but
 * those named here):
 */
#define VMFS_STAT_TLB   0x1u   /* tlb_hit, tlb_miss: a sum over the processes */
#define VMFS_STAT_PAGES 0x2u   /* swap_cached, anon_pages, file_pages,
				  shmem_pages, mapped_pages, dirty_pages: a
				  scan of every frame */
#define VMFS_STAT_ALL   (VMFS_STAT_TLB | VMFS_STAT_PAGES)

/*
 * vmfs_statx - vmfs_stat's figures, the costly ones only if @what asks
 * for them (VMFS_STAT_*; other bits are ignored); the others are 0.
 * vmfs_stat(m, st) is vmfs_statx(m, st, VMFS_STAT_ALL).  Since 0.4.
 */
int vmfs_statx(vmfs *m, struct vmfs_stat *st, unsigned what);

/*
 * Linux's LRU lists and working-set figures (meminfo's Active/Inactive
 * lines, vmstat's nr_active_anon ... workingset_* and pgactivate), as the
 * machine's policy keeps them.  A policy with Linux's lists (linux, mglru)
 * fills every field and sets @lists; for any other policy every resident
 * page counts as active (anonymous and shared anonymous memory on the anon
 * list, object pages on the file list, as Linux files them), the inactive
 * lists are empty and the counters 0.  Sizes are in pages.
 */
struct vmfs_lru_stat {
	int      lists;               /* 1: the policy keeps active/inactive lists */
	uint64_t nr_active_anon, nr_inactive_anon;
	uint64_t nr_active_file, nr_inactive_file;
	uint64_t pgactivate;          /* pages moved to an active list */
	uint64_t pgdeactivate;        /* pages moved to an inactive list */
	uint64_t pgrefill;            /* pages the active lists' aging looked at */
	uint64_t workingset_refault_anon, workingset_refault_file;   /* refaults of evicted pages */
	uint64_t workingset_activate_anon, workingset_activate_file; /* refaults activated at once */
	uint64_t workingset_restore_anon, workingset_restore_file;   /* refaults of pages that were active */
	uint64_t workingset_nodes;    /* shadow entries the policy keeps for evicted pages */
	uint64_t clock_hand;          /* the frame the hand rests on (clock, sieve,
					 wsclock: the page it looks at next), or
					 VMFS_NO_HAND (no hand, or nothing tracked)
					 (since 0.8) */
	uint64_t reserved[15];
};

#define VMFS_NO_HAND UINT64_MAX

/* vmfs_lru_stat - the policy's LRU list sizes and counters.  0.  Since 0.5. */
int vmfs_lru_stat(vmfs *m, struct vmfs_lru_stat *st);

/*
 * The buddy allocator's free lists (buddyinfo): free blocks of 2^order
 * frames for each order 0 to VMFS_MAX_ORDER-1, and the order-0 frames
 * waiting on the per-cpu list in front of them (pcp), which buddyinfo does
 * not count, as Linux's does not.  Every free data frame is in exactly one
 * of them: frames_free = pcp + the sum of nr_free[order] << order.
 */
#define VMFS_MAX_ORDER 11
struct vmfs_buddyinfo {
	uint64_t nr_free[VMFS_MAX_ORDER]; /* free blocks of each order */
	uint64_t pcp;                     /* free order-0 frames on the pcp list */
	uint64_t reserved[12];
};

/* vmfs_buddyinfo - the free lists of physical memory.  0.  Since 0.8. */
int vmfs_buddyinfo(vmfs *m, struct vmfs_buddyinfo *bi);

/*
 * Huge pages: the hugetlb pools, pool[0] of 2 MiB pages (the default
 * size, meminfo's HugePages_ lines, vm.nr_hugepages) and pool[1] of
 * 1 GiB pages (option hugepages_1g=).  In pages of the pool's size.
 */
struct vmfs_huge_pool {
	uint64_t size;     /* bytes a page: 2097152 or 1073741824 */
	uint64_t nr;       /* nr_hugepages + surplus: pages in the pool, free or in use */
	uint64_t free;     /* free_hugepages */
	uint64_t resv;     /* resv_hugepages: promised to mappings, not yet faulted */
	uint64_t surplus;  /* surplus_hugepages: in use beyond nr_hugepages */
	uint64_t boot;     /* taken at boot outside the buddy allocator (1 GiB
			      pages): not part of MemTotal */
	uint64_t reserved[4];
};
struct vmfs_huge_stat {
	struct vmfs_huge_pool pool[2];
	uint64_t reserved[32];
};

/* vmfs_huge_stat - the huge page figures of the machine.  0.  Since 0.8. */
int vmfs_huge_stat(vmfs *m, struct vmfs_huge_stat *st);

/*
 * The TLB as it is now (since 0.8): each process's TLB has a set of 4 KiB
 * entries (option tlb=N) and two sets of huge entries, for 2 MiB
 * translations (a huge pmd leaf: THP or hugetlb) and 1 GiB ones (a pud
 * leaf), of N / 2 and N / 16 entries (at least 1; none with tlb=0).
 * Index 0 is 4 KiB, 1 is 2 MiB, 2 is 1 GiB.
 */
struct vmfs_tlb_stat {
	uint64_t size[3];      /* entries per process, of each page size */
	uint64_t used[3];      /* entries in use: of the process, or summed over all */
	uint64_t reach;        /* bytes they translate: used[0] * 4 KiB + used[1] *
				  2 MiB + used[2] * 1 GiB */
	uint64_t reserved[9];
};

/*
 * vmfs_tlb_stat - the TLB entries in use and their reach, of process @pid,
 * or summed over every process with @pid 0.  0, -ESRCH, or -EINVAL for a
 * negative @pid.  Since 0.8.
 */
int vmfs_tlb_stat(vmfs *m, int pid, struct vmfs_tlb_stat *st);

struct vmfs_proc_stat {
	int      pid, ppid;
	char     comm[16];         /* first 15 bytes of the name */
	char     name[256];        /* the whole name (cmdline) */
	uint64_t min_flt, maj_flt; /* faults handled for this process */
	uint64_t cow_flt;
	uint64_t segv;             /* segfaults, and bus errors (since 0.5) */
	uint64_t rss_anon;         /* resident private anonymous pages */
	uint64_t rss_file;         /* resident object pages */
	uint64_t rss_shmem;        /* resident shared anonymous pages */
	uint64_t swap;             /* pages in swap */
	uint64_t pt_pages;         /* page-table pages of this process */
	uint64_t vm_pages;         /* pages mapped (VmSize) */
	uint64_t nr_maps;
	uint64_t tlb_hit, tlb_miss;
	uint64_t cr3;              /* frame number of the top table */
	uint64_t start_ns;         /* creation time, ns since the machine opened */
	uint64_t rss_peak;         /* highest rss_anon+rss_file+rss_shmem (VmHWM) */
	uint64_t vm_peak;          /* highest vm_pages (VmPeak) */
	uint64_t pgtables_pages;   /* the page-table pages Linux counts in VmPTE
				      (mm_pgtables_bytes): pte, pmd and pud
				      tables, not the top table nor, with 5 or
				      6 levels, the ones above pud (since 0.5) */
	uint64_t locked_vm;        /* pages of its locked mappings (VmLck; since 0.5) */
	/* What exec laid out (since 0.5; all 0 in a process that never exec'd):
	 * /proc/PID/stat's startcode..env_end; env_start is arg_end. */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_end;
	uint64_t hugetlb_pages;    /* pages (4 KiB) of hugetlb pages it maps, not
				      in its RSS (status' HugetlbPages; since 0.8) */
	uint64_t reserved[1];
};

/* vmfs_proc_stat - one process's accounting.  0 or -ESRCH.  Since 0.1. */
int vmfs_proc_stat(vmfs *m, int pid, struct vmfs_proc_stat *st);

/*
 * vmfs_kmsg - copy the kernel log (oldest line first, each
 * "[SSSSS.UUUUUU] message\n" as dmesg prints it) into @buf, NUL-terminated
 * and cut at @len - 1 bytes.  Returns the log's full length in bytes, as
 * snprintf does.  The log keeps the most recent lines (at least 64 KiB).
 * Since 0.1.
 */
size_t vmfs_kmsg(vmfs *m, char *buf, size_t len);

/* ---- /proc views (since 0.2) -------------------------------------------- */

/* pagemap entry bits, as Documentation/admin-guide/mm/pagemap.rst. */
#define VMFS_PM_PFN_MASK   ((1ull << 55) - 1)  /* bits 0-54: PFN if present */
#define VMFS_PM_SWAP_TYPE  0x1full              /* bits 0-4 if swapped */
#define VMFS_PM_SWAP_SHIFT 5                    /* bits 5-54: swap offset */
#define VMFS_PM_SOFT_DIRTY (1ull << 55)         /* written since clear_refs 4 (since 0.5) */
#define VMFS_PM_EXCLUSIVE  (1ull << 56)         /* page exclusively mapped */
#define VMFS_PM_FILE       (1ull << 61)         /* object page or shared anon */
#define VMFS_PM_SWAPPED    (1ull << 62)
#define VMFS_PM_PRESENT    (1ull << 63)

/*
 * vmfs_pagemap - /proc/PID/pagemap entries for the @n pages starting at
 * virtual page number @vpn, into @out.  An unmapped or untouched page is 0.
 * Pages past the end of the address space are not filled.  Returns the
 * entries filled, or -ESRCH.
 */
ssize_t vmfs_pagemap(vmfs *m, int pid, uint64_t vpn, uint64_t *out, size_t n);

/* One non-zero page-table entry of a process. */
struct vmfs_pt_entry {
	int      level;        /* 0 = top */
	uint32_t index;
	uint64_t table;        /* physical address of its table */
	uint64_t vaddr;        /* first virtual address it covers */
	uint64_t entry;        /* raw value */
};

/*
 * vmfs_pagetable - every non-zero entry of @pid's page tables that covers
 * the user half, depth first in address order (a table's entry, then the
 * entries of the table it points to), into @out.  Returns the number of
 * entries there are (which may exceed @max), or -ESRCH.
 */
ssize_t vmfs_pagetable(vmfs *m, int pid, struct vmfs_pt_entry *out, size_t max);

/*
 * vmfs_swap_path - the swap store's file name into @buf (NUL-terminated,
 * cut at @len - 1); returns its full length, 0 with swap=none.
 */
size_t vmfs_swap_path(vmfs *m, char *buf, size_t len);

/*
 * vmfs_sysctl - read and change a tunable of the running machine, by
 * Linux's sysctl name (as /proc/sys/vm/NAME is "vm.NAME"): the value into
 * *@oldval when it is not NULL, then *@newval (when not NULL) becomes the
 * value, checked as the option of the same name is at vmfs_open.  Known:
 *   "vm.max_map_count"  mappings per process (option max_map_count=),
 *                       0 to 1048576; lowering it below what a process
 *                       has takes nothing away, only refuses more.
 *   "vm.overcommit_memory", "vm.overcommit_ratio"  (since 0.5) OVERCOMMIT
 *                       in libvmfs(3).
 *   "vm.swappiness"     0 to 200 (since 0.5): the linux and mglru policies
 *                       follow each change.
 *   "vm.read_ahead_kb"  0 to 1048576 (since 0.5): the readahead window
 *                       of a major fault on an object page, in KiB
 *                       (option read_ahead_kb=, default 128); 0 is off.
 *   "vm.drop_caches"    (since 0.5) writing 1 to 4 drops the clean,
 *                       unmapped page cache (bit 1; bit 2: no slab);
 *                       reading gives the last value written.
 *   "kernel.randomize_va_space"  (since 0.5) 0 to 2, Linux's: what
 *                       vmfs_exec randomises (aslr=1 sets 2, aslr=0 0).
 *   "vmfs.seed"         (since 0.5) the option seed=, read-only.
 *   "vmfs.slice"        (since 0.7) 1 to 10^9: the CPU's time slice in
 *                       instructions (option slice=, default 200000).
 *   "vmfs.cpu_tlb"      (since 0.7) 0 or 1, the option cpu_tlb=: the CPU's
 *                       fast path for TLB hits (THE CPU in libvmfs(3)).
 * Returns 0, -ENOENT (unknown name), -EINVAL (value out of range; nothing
 * changes), -EACCES (a write of a read-only one).  Since 0.4.
 */
int vmfs_sysctl(vmfs *m, const char *name, uint64_t *oldval, const uint64_t *newval);

/* ---- objects (since 0.2) --------------------------------------------------- */

struct vmfs_object_info {
	char     name[256];
	uint64_t size;         /* bytes */
	uint64_t cached;       /* pages in the page cache */
	uint64_t mapped;       /* mappings of it, in all processes */
	int      removed;      /* always 0 from stat and list, which see only
				  named objects; 1 from fstat of an object
				  removed while open (name: its old name); a
				  removed object still mapped shows as
				  "NAME (deleted)" in vmfs_maps */
	unsigned mode;         /* permission bits, default 0644; without a write
				  bit a shared writable mapping gets -EACCES */
};

/*
 * Objects are named byte strings in the machine's SQLite store, stored by
 * page (sizes up to terabytes), shared by every mapping through one page
 * cache.  A name is 1 to 255 bytes, no '/', no control characters, not "."
 * or "..".
 *
 * vmfs_object_create - a new object of @len bytes from @data (NULL: zeros).
 *   0, -EEXIST, -EINVAL (bad name), -EFBIG (past 2^44), -ENOSPC/-EIO (store).
 * vmfs_object_read   - read up to @len bytes at @off; bytes read (0 at end), -ENOENT.
 * vmfs_object_write  - write @len bytes at @off, growing the object; bytes
 *   written, -ENOENT, -EFBIG past 2^44.  Mapped pages see it at once.
 * vmfs_object_resize - truncate or extend (with zeros).  Pages cut off are
 *   gone from every mapping (an access there faults, as with SIGBUS).
 *   -ENOENT, -EFBIG, -ENOMEM, or the store's errno.
 * vmfs_object_remove - remove the name; a mapped object lives on, unnamed,
 *   until its last mapping goes.
 * vmfs_object_chmod  - set the permission bits (07777); 0, -ENOENT, -EINVAL.
 * vmfs_object_stat   - size and page-cache figures of one object.
 * vmfs_object_list   - the names in order; fills at most @max and returns
 *   how many there are.
 */
int     vmfs_object_create(vmfs *m, const char *name, const void *data, uint64_t len);
ssize_t vmfs_object_read(vmfs *m, const char *name, uint64_t off, void *buf, size_t len);
ssize_t vmfs_object_write(vmfs *m, const char *name, uint64_t off, const void *buf, size_t len);
int     vmfs_object_resize(vmfs *m, const char *name, uint64_t size);
int     vmfs_object_remove(vmfs *m, const char *name);
int     vmfs_object_chmod(vmfs *m, const char *name, unsigned mode);
int     vmfs_object_stat(vmfs *m, const char *name, struct vmfs_object_info *info);
int     vmfs_object_list(vmfs *m, struct vmfs_object_info *out, size_t max);

/*
 * Open objects (since 0.4).  A name may come to name another object (remove,
 * then create under the same name); an object number never does.  Open an
 * object once by name, then act on its number: as a file descriptor keeps
 * its file on Unix, an open object stays the same object, and stays alive
 * after vmfs_object_remove (unnamed, readable and writable, its pages in
 * the store) until its last close and last mapping.
 *
 * vmfs_object_open      - open object @name: its number (> 0), the same
 *   for every open of that object and never used for another in the
 *   machine's life (like an inode number).  Each open holds the object
 *   and needs one vmfs_object_close.  -ENOENT, -EINVAL (bad name),
 *   -ENFILE (opened about 2^31 times), -ENOMEM.  Since 0.4.
 * vmfs_object_close     - give back one open of @obj; at the last close of
 *   a removed, unmapped object it is gone with its store rows.  0, -EBADF
 *   (@obj is not open).  Since 0.4.
 * vmfs_object_pread     - vmfs_object_read on @obj.  -EBADF.  Since 0.4.
 * vmfs_object_pwrite    - vmfs_object_write on @obj; works on a removed
 *   object too (it grows, mappings see it).  -EBADF.  Since 0.4.
 * vmfs_object_ftruncate - vmfs_object_resize on @obj.  -EBADF.  Since 0.4.
 * vmfs_object_fchmod    - vmfs_object_chmod on @obj.  -EBADF.  Since 0.4.
 * vmfs_object_fstat     - vmfs_object_stat on @obj; @info->removed says
 *   whether its name is gone.  -EBADF.  Since 0.4.
 * Every other error is that of the name call the number call mirrors; a
 * number that was never returned by vmfs_object_open, or whose opens are
 * all closed, is -EBADF for all of them.
 */
int64_t vmfs_object_open(vmfs *m, const char *name);
int     vmfs_object_close(vmfs *m, int64_t obj);
ssize_t vmfs_object_pread(vmfs *m, int64_t obj, uint64_t off, void *buf, size_t len);
ssize_t vmfs_object_pwrite(vmfs *m, int64_t obj, uint64_t off, const void *buf, size_t len);
int     vmfs_object_ftruncate(vmfs *m, int64_t obj, uint64_t size);
int     vmfs_object_fchmod(vmfs *m, int64_t obj, unsigned mode);
int     vmfs_object_fstat(vmfs *m, int64_t obj, struct vmfs_object_info *info);

/* ---- replacement policies and reclaim (since 0.2) ------------------------ */

/* A resident page, as a policy sees it. */
struct vmfs_page {
	uint64_t pfn;     /* the frame holding it */
	uint64_t owner;   /* who the page belongs to: an anonymous family or an
			     object, as a number stable while the page exists */
	uint64_t index;   /* private anonymous: virtual page number;
			     object or shared memory: page offset */
	int      anon;    /* 1 for private anonymous pages */
};

/* The engine's side of a victim search (valid only inside victim()). */
struct vmfs_reclaim;

/*
 * Whether any page-table entry mapping frame @pfn has its accessed bit set;
 * with @clear, clear those bits (and drop the pages from the TLBs, so the
 * next access sets them again).  Only from within a policy's victim().
 */
int vmfs_page_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear);

/* Whether frame @pfn can be evicted now (not pinned by the access in progress). */
int vmfs_page_evictable(struct vmfs_reclaim *rc, uint64_t pfn);

/*
 * A replacement policy: a table of callbacks, called with the machine lock
 * held, so they must not call libvmfs except the two calls above.  Every
 * resident data page is announced by loaded() when it enters a frame, by
 * accessed() on every access to it, and by removed() when it leaves (freed,
 * or evicted after victim() chose it).
 *
 *   init      create the policy's state for @nframes frames; 0 or -errno.
 *   release   free it.
 *   loaded    @pg now occupies pg->pfn.
 *   accessed  @pg was read, written or fetched.
 *   removed   frame @pfn no longer holds a page.
 *   victim    choose an evictable resident frame and return its pfn, or -1
 *             if none.  @incoming is the page about to be loaded (NULL when
 *             reclaim was asked for).  Do not forget the page yet: removed()
 *             follows when it is gone.  The policy counts the pages it looks
 *             at in *@scanned.
 */
struct vmfs_policy_ops {
	const char *name;
	int     (*init)(void **state, uint64_t nframes, void *arg);
	void    (*release)(void *state);
	void    (*loaded)(void *state, const struct vmfs_page *pg);
	void    (*accessed)(void *state, const struct vmfs_page *pg);
	void    (*removed)(void *state, uint64_t pfn);
	int64_t (*victim)(void *state, struct vmfs_reclaim *rc,
			  const struct vmfs_page *incoming, uint64_t *scanned);
};

/*
 * vmfs_set_policy - replace the machine's policy by @ops (with @arg for its
 * init), or by a built-in one when @ops is NULL and @name names one ("fifo",
 * "lru", "clock", "arc", and since 0.4 "2q", "car", "clockpro", "lirs",
 * "random", "s3fifo", "sieve", "wsclock", since 0.5 "linux", "mglru";
 * with parameters as NAME:KEY=VALUE:..., passed to its init() when @arg
 * is NULL).  The new policy is told of every resident page (in frame
 * order) through loaded() and then accessed(), as if an access had just
 * brought it in.  0, -EINVAL (unknown name, missing callbacks),
 * or init's error; on failure the old policy stays.  Since 0.2.
 */
int vmfs_set_policy(vmfs *m, const char *name, const struct vmfs_policy_ops *ops, void *arg);

/*
 * vmfs_reclaim - evict up to @n resident pages now, as memory pressure
 * would.  Returns the pages evicted, or a negative errno (a swap store
 * failure).  Since 0.2.
 */
int64_t vmfs_reclaim(vmfs *m, uint64_t n);

/*
 * vmfs_sync - write everything pending to the store: dirty object pages are
 * written back (and their entries cleaned, so the next write dirties them
 * again), then the batch of swapped and written pages is committed.
 * 0 or -errno (the store's error; what failed stays pending and is tried
 * again, and kmsg logs the failure).  Call it before vmfs_close() to know
 * that nothing was lost.  Since 0.2.
 */
int vmfs_sync(vmfs *m);

/* ---- physical pages and working sets (since 0.5) ------------------------- */

/*
 * Linux's page flags as kpageflags shows them (include/uapi/linux/
 * kernel-page-flags.h; bit numbers), and the one kernel-internal bit the
 * machine has (KPF_RESERVED, the kernel image).  libvmfs(3), PHYSICAL PAGES,
 * says which the machine sets and when.
 */
#define VMFS_KPF_LOCKED      0
#define VMFS_KPF_REFERENCED  2
#define VMFS_KPF_UPTODATE    3
#define VMFS_KPF_DIRTY       4
#define VMFS_KPF_LRU         5
#define VMFS_KPF_ACTIVE      6
#define VMFS_KPF_BUDDY       10
#define VMFS_KPF_MMAP        11
#define VMFS_KPF_ANON        12
#define VMFS_KPF_SWAPCACHE   13
#define VMFS_KPF_SWAPBACKED  14
#define VMFS_KPF_COMPOUND_HEAD 15 /* first frame of a huge page (since 0.8) */
#define VMFS_KPF_COMPOUND_TAIL 16 /* another frame of a huge page (since 0.8) */
#define VMFS_KPF_HUGE        17   /* a hugetlb pool page, free or mapped (since 0.8) */
#define VMFS_KPF_UNEVICTABLE 18   /* an mlocked page (since 0.5, issue 14) */
#define VMFS_KPF_NOPAGE      20
#define VMFS_KPF_THP         22   /* a transparent huge page (since 0.8) */
#define VMFS_KPF_ZERO_PAGE   24
#define VMFS_KPF_IDLE        25
#define VMFS_KPF_PGTABLE     26
#define VMFS_KPF_RESERVED    32
#define VMFS_KPF_MLOCKED     33   /* mapped by a locked mapping (since 0.5, issue 14) */

/*
 * vmfs_kpageflags - /proc/kpageflags: for the @n frames from @pfn, one u64
 * of VMFS_KPF_* bits each (1ull << VMFS_KPF_x), into @out; every frame of
 * physical memory as vmfs_phys_read sees it (data frames, kernel image,
 * page-table frames).  Returns the entries filled (fewer at the end of
 * physical memory, 0 past it).  Since 0.5.
 */
ssize_t vmfs_kpageflags(vmfs *m, uint64_t pfn, uint64_t *out, size_t n);

/*
 * vmfs_kpagecount - /proc/kpagecount: for the @n frames from @pfn, how many
 * page-table entries map each (Linux's page_mapcount; 0 for free frames,
 * page tables and the kernel image).  As vmfs_kpageflags.  Since 0.5.
 */
ssize_t vmfs_kpagecount(vmfs *m, uint64_t pfn, uint64_t *out, size_t n);

/* @type for vmfs_clear_refs: what writing it to /proc/PID/clear_refs does. */
#define VMFS_CLEAR_REFS_ALL        1  /* clear the accessed bits of every page */
#define VMFS_CLEAR_REFS_ANON       2  /* of private anonymous pages only */
#define VMFS_CLEAR_REFS_MAPPED     3  /* of object and shared memory pages only */
#define VMFS_CLEAR_REFS_SOFT_DIRTY 4  /* clear soft-dirty bits (write-protecting) */
#define VMFS_CLEAR_REFS_MM_HIWATER_RSS 5  /* reset the peak RSS (VmHWM) to the RSS */

/*
 * vmfs_clear_refs - what writing @type (VMFS_CLEAR_REFS_*) to
 * /proc/PID/clear_refs does in Linux 6.1 (fs/proc/task_mmu.c): 1 to 3
 * clear the accessed bits (and idle tracking's young flag) of @pid's
 * resident pages of that kind, so smaps's Referenced starts again from 0;
 * 4 clears the soft-dirty bits and write-protects the pages, so the next
 * write to each sets VMFS_PM_SOFT_DIRTY again; 5 sets VmHWM to the RSS.
 * 0, -EINVAL (another @type; nothing changes), -ESRCH.  Since 0.5.
 */
int vmfs_clear_refs(vmfs *m, int pid, int type);

/*
 * vmfs_page_idle_get, vmfs_page_idle_set - idle page tracking
 * (/sys/kernel/mm/page_idle/bitmap, mm/page_idle.c): a bitmap of @nwords
 * u64 words for the frames from @pfn (a multiple of 64), bit i of word w
 * for frame pfn + 64 * w + i.  Set marks each frame whose bit is set idle
 * after clearing the accessed bits of the entries mapping it (through the
 * reverse map); get reports the frames still idle, that is not accessed
 * since (it clears the accessed bits it finds, and the frame's idle flag
 * with them).  Only pages on the LRU (resident data pages) take part;
 * other bits read 0 and are ignored when set.  Both return the words
 * done (fewer at the end of physical memory, 0 past it; a last word only
 * partly inside counts), or -EINVAL (@pfn
 * not a multiple of 64).  Since 0.5.
 */
ssize_t vmfs_page_idle_get(vmfs *m, uint64_t pfn, uint64_t *bitmap, size_t nwords);
ssize_t vmfs_page_idle_set(vmfs *m, uint64_t pfn, const uint64_t *bitmap, size_t nwords);

/* ---- madvise, mlock, mincore, msync (since 0.5) ------------------------- */

/*
 * Bits of struct vmfs_map's flags beyond MAP_*: the mapping's vm_flags
 * (smaps's VmFlags lo, lf, dc, wf).  Since 0.5.
 */
#define VMFS_MAP_LOCKED      0x10000000   /* VM_LOCKED: mlock, mlockall */
#define VMFS_MAP_LOCKONFAULT 0x08000000   /* VM_LOCKONFAULT: MLOCK_ONFAULT, MCL_ONFAULT */
#define VMFS_MAP_DONTCOPY    0x04000000   /* VM_DONTCOPY: MADV_DONTFORK */
#define VMFS_MAP_WIPEONFORK  0x02000000   /* VM_WIPEONFORK: MADV_WIPEONFORK */
#define VMFS_MAP_HUGEPAGE    0x01000000   /* VM_HUGEPAGE: MADV_HUGEPAGE (since 0.8) */
#define VMFS_MAP_NOHUGEPAGE  0x00800000   /* VM_NOHUGEPAGE: MADV_NOHUGEPAGE (since 0.8) */
#define VMFS_MAP_HUGETLB     0x00400000   /* VM_HUGETLB: made with MAP_HUGETLB (since 0.8) */

/*
 * vmfs_mmap's @flags for explicit huge pages, Linux's numbers (since 0.8):
 * MAP_HUGETLB (<sys/mman.h>) with anonymous memory, private or shared;
 * the page size in bits 26-31 as log2 (MAP_HUGE_2MB, MAP_HUGE_1GB of
 * <linux/mman.h>), none meaning the default 2 MiB.  libvmfs(3), HUGE PAGES.
 */
#define VMFS_MAP_HUGE_SHIFT   26
#define VMFS_MAP_HUGE_2MB     (21 << VMFS_MAP_HUGE_SHIFT)
#define VMFS_MAP_HUGE_1GB     (30 << VMFS_MAP_HUGE_SHIFT)

/* @advice for vmfs_madvise: Linux's MADV_* numbers. */
#define VMFS_MADV_NORMAL      0
#define VMFS_MADV_RANDOM      1
#define VMFS_MADV_SEQUENTIAL  2
#define VMFS_MADV_WILLNEED    3
#define VMFS_MADV_DONTNEED    4
#define VMFS_MADV_FREE        8
#define VMFS_MADV_DONTFORK    10
#define VMFS_MADV_DOFORK      11
#define VMFS_MADV_HUGEPAGE    14   /* VM_HUGEPAGE: THP with thp=madvise (since 0.8) */
#define VMFS_MADV_NOHUGEPAGE  15   /* VM_NOHUGEPAGE: never THP here (since 0.8) */
#define VMFS_MADV_WIPEONFORK  18
#define VMFS_MADV_KEEPONFORK  19
#define VMFS_MADV_COLD        20
#define VMFS_MADV_PAGEOUT     21

/* @flags of vmfs_mlock (mlock2's MLOCK_ONFAULT) and vmfs_mlockall (MCL_*). */
#define VMFS_MLOCK_ONFAULT 1
#define VMFS_MCL_CURRENT   1
#define VMFS_MCL_FUTURE    2
#define VMFS_MCL_ONFAULT   4

/*
 * vmfs_madvise - madvise(2) on [@addr, @addr + @len) of @pid, with Linux
 * 6.1's semantics (libvmfs(3), MADVISE): DONTNEED zaps, FREE makes private
 * anonymous pages lazy (dropped under pressure without a write unless
 * written again), WILLNEED reads swapped or object pages into the caches,
 * COLD clears the pages' accessed bits and moves them to the policy's
 * cold end (libvmfs(3) lists what each built-in policy does), PAGEOUT
 * evicts them now, DONTFORK / DOFORK and WIPEONFORK / KEEPONFORK set what
 * fork does with the mappings, NORMAL / RANDOM / SEQUENTIAL choose the
 * readahead around major faults on objects (READAHEAD).  0, -EINVAL
 * (unknown advice, unaligned @addr, a wrapping range, a mapping the
 * advice does not apply to), -ENOMEM (part of the range unmapped: the
 * rest is advised), -EAGAIN (the splits would pass max_map_count),
 * -ESRCH.  Since 0.5.
 */
int vmfs_madvise(vmfs *m, int pid, uint64_t addr, uint64_t len, int advice);

/*
 * vmfs_mlock - mlock2(2): lock the pages of [@addr & ~4095, @addr + @len)
 * (every page must be mapped) and fault them in now, or with @flags
 * VMFS_MLOCK_ONFAULT as they are touched.  Locked pages are never evicted.
 * vmfs_munlock - munlock(2).  vmfs_mlockall - mlockall(2) with
 * VMFS_MCL_* @flags.  vmfs_munlockall - munlockall(2).  The memlock
 * limit is the machine's memlock= option (RLIMIT_MEMLOCK, 8 MiB by
 * default; every process is unprivileged).  0, -EINVAL (bad flags),
 * -ENOMEM (a hole, the page before it locked; over the limit; a page
 * that cannot be faulted in), -EAGAIN (no memory to populate, or an
 * mmap under MCL_FUTURE over the limit), -EPERM (memlock=0), -ESRCH.
 * Since 0.5.
 */
int vmfs_mlock(vmfs *m, int pid, uint64_t addr, uint64_t len, unsigned flags);
int vmfs_munlock(vmfs *m, int pid, uint64_t addr, uint64_t len);
int vmfs_mlockall(vmfs *m, int pid, unsigned flags);
int vmfs_munlockall(vmfs *m, int pid);

/*
 * vmfs_mincore - mincore(2): one byte per page of [@addr, @addr + @len)
 * into @vec, 1 when the page is in memory (mapped, in the swap cache, or
 * an object's page in its page cache), else 0.  0, -EINVAL (@addr not
 * page-aligned), -ENOMEM (outside user space, or a page not mapped: @vec
 * is filled up to it), -EFAULT (@vec NULL), -ESRCH.  Since 0.5.
 */
int vmfs_mincore(vmfs *m, int pid, uint64_t addr, uint64_t len, unsigned char *vec);

/*
 * vmfs_msync - msync(2) with MS_ASYNC, MS_SYNC, MS_INVALIDATE (1, 4, 2 as
 * <sys/mman.h>): MS_SYNC writes the dirty object pages of the range's
 * shared object mappings back to their objects.  0, -EINVAL (bad flags,
 * both ASYNC and SYNC, unaligned @addr), -ENOMEM (unmapped pages in the
 * range), -EBUSY (MS_INVALIDATE over a locked mapping), the store's
 * error, -ESRCH.  Since 0.5.
 */
int vmfs_msync(vmfs *m, int pid, uint64_t addr, uint64_t len, int flags);

/* Machine-wide figures of mlock and MADV_FREE (meminfo, vmstat). */
struct vmfs_mlock_stat {
	uint64_t mlocked;                   /* pages locked now (Mlocked, nr_mlock) */
	uint64_t unevictable;               /* pages reclaim may not take for good
					       (Unevictable: the mlocked ones) */
	uint64_t lazyfree;                  /* anonymous pages MADV_FREE made lazy, not
					       yet dropped nor written again */
	uint64_t unevictable_pgs_mlocked;   /* pages that became locked, ever */
	uint64_t unevictable_pgs_munlocked; /* pages that stopped being locked */
	uint64_t unevictable_pgs_cleared;   /* pages freed while locked */
	uint64_t pglazyfree;                /* pages MADV_FREE made lazy, ever */
	uint64_t pglazyfreed;               /* lazy pages reclaim dropped without a write */
	uint64_t memlock;                   /* the memlock limit in bytes, UINT64_MAX
					       for unlimited */
	/* transparent huge pages (vmstat's names, since 0.8) */
	uint64_t thp_fault_alloc;           /* faults that took a huge page */
	uint64_t thp_fault_fallback;        /* faults that wanted one and fell back to 4 KiB */
	uint64_t thp_split_pmd;             /* huge pmd leaves split into 512 ptes */
	uint64_t thp_split_page;            /* huge pages split into 512 pages */
	uint64_t nr_anon_transparent_hugepages; /* huge pages now (meminfo's
						   AnonHugePages is 2048 kB each) */
	uint64_t reserved[10];
};

/* vmfs_mlock_stat - those figures.  0.  Since 0.5. */
int vmfs_mlock_stat(vmfs *m, struct vmfs_mlock_stat *st);

/* ---- exec and brk (since 0.5) ------------------------------------------- */

/* vmfs_map.flags bit: the mapping grows down on faults below it (exec's [stack]). */
#define VMFS_MAP_GROWSDOWN 0x20000000

/* Where vmfs_exec put a program. */
struct vmfs_exec_info {
	uint64_t entry;        /* where execution starts: the interpreter's entry, or AT_ENTRY */
	uint64_t sp;           /* the initial stack pointer: argc, then argv, envp, auxv */
	uint64_t prog_entry;   /* the program's entry (AT_ENTRY) */
	uint64_t load_bias;    /* added to the program's addresses (0 for ET_EXEC) */
	uint64_t interp_base;  /* the interpreter's load address (AT_BASE), 0 if none */
	uint64_t phdr;         /* the program headers in memory (AT_PHDR) */
	uint64_t start_brk;    /* the initial break */
	uint64_t stack_top;    /* the end of [stack] */
	uint64_t mmap_base;    /* where top-down mmap placement now starts */
	uint64_t reserved[7];
};

/*
 * vmfs_exec - replace @pid's address space with the host ELF program @path
 * (x86-64, static or dynamic, PIE or not), as Linux 6.1's execve lays it
 * out: its PT_LOAD segments mapped privately from the host file (an object
 * named by its escaped path, shared by every process that maps it), bss
 * and brk, PT_INTERP, the stack with @argv and @envp (NULL-terminated;
 * NULL is empty) and the auxiliary vector; comm becomes the basename of
 * @path.  @path and PT_INTERP are resolved under the option root=DIR, as
 * if chrooted there (objects and maps named by the path inside it).  @info
 * (may be NULL) gets the addresses.  0, or -ESRCH, -ENOENT, -ENOTDIR,
 * -ELOOP, -EACCES (not a regular file with an execute bit), -ENOEXEC (not an
 * x86-64 ELF program, or malformed), -ELIBBAD (its PT_INTERP is not one),
 * -EINVAL (a segment outside user space), -E2BIG (strings over MAX_ARG_STRLEN, or all over 2 MiB), and
 * then the process is as it was; -ENOMEM after the old image went (the
 * process keeps what was made).  Since 0.5.
 */
int vmfs_exec(vmfs *m, int pid, const char *path, const char *const *argv,
	      const char *const *envp, struct vmfs_exec_info *info);

/*
 * vmfs_brk - Linux's brk: move @pid's break to @addr (shrinking unmaps,
 * growing maps anonymous memory shown as [heap]); a request that cannot be
 * met (below the start, into the next mapping) leaves it.  The break after
 * the call into *@out, and 0, or -ESRCH, -EINVAL (@out NULL).  Since 0.5.
 */
int vmfs_brk(vmfs *m, int pid, uint64_t addr, uint64_t *out);

/*
 * vmfs_auxv - @pid's auxiliary vector (/proc/PID/auxv): up to @max words
 * (id, value pairs ending with AT_NULL) into @out.  The number of words
 * (0 for a process that never exec'd), or -ESRCH.  Since 0.5.
 */
int vmfs_auxv(vmfs *m, int pid, uint64_t *out, size_t max);

/* ---- the CPU: running a program (since 0.6) ------------------------------ */

/*
 * A process that vmfs_exec loaded runs on an x86-64 CPU (Unicorn) in user
 * mode, its loads, stores and instruction fetches made through the machine
 * as vmfs_access makes them, its system calls served by the machine
 * (libvmfs(3), THE CPU).  Built without the CPU (meson -Dcpu=disabled),
 * these calls return -ENOSYS.
 */

/* The registers of a process's CPU (vmfs_regs).  Since 0.6. */
struct vmfs_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, fs_base, gs_base;
	uint64_t reserved[12];
};

/* vmfs_cpu_status.stop_why: why the last vmfs_run or vmfs_step returned. */
#define VMFS_CPU_STOP_NONE   0   /* never ran */
#define VMFS_CPU_STOP_LIMIT  1   /* ran the instructions asked for */
#define VMFS_CPU_STOP_STOP   2   /* vmfs_stop */
#define VMFS_CPU_STOP_EXIT   3   /* the program exited (exit, exit_group) */
#define VMFS_CPU_STOP_SIGNAL 4   /* a fatal signal ended it (SIGSEGV, SIGBUS, SIGILL...) */
#define VMFS_CPU_STOP_INPUT  5   /* every process of the run sleeps reading the
				    standard input vmfs_input has opened and not
				    filled: give input, run again (since 0.7) */

/* A process as its CPU sees it (vmfs_cpu_status, vmfs_run).  Since 0.6. */
struct vmfs_cpu_status {
	char     state;       /* Linux's letter: 'T' loaded or stopped, 'R' running,
				 'Z' exited and not reaped, 'S' no program loaded */
	int      stop_why;    /* VMFS_CPU_STOP_* */
	int      exit_code;   /* with 'Z': the wait status, (code << 8) after exit,
				 the signal number after a fatal signal */
	uint64_t insns;       /* instructions run */
	uint64_t fetches;     /* translated blocks fetched through the machine */
	uint64_t out_len[2];  /* bytes written to fd 1 and fd 2 */
	uint64_t utime_ns;    /* CPU time in user mode, simulated: one instruction
				 is one nanosecond (a 1 GHz CPU, one instruction
				 a cycle); since 0.7 */
	uint64_t stime_ns;    /* in the kernel: always 0 (system calls take no
				 simulated time); since 0.7 */
	uint64_t reserved[6];
};

/* vmfs_run flag: at exit, keep the address space (to inspect) until reaped. */
#define VMFS_RUN_KEEP 0x1u
/*
 * vmfs_run flag (since 0.7): when every process of the run sleeps on the
 * standard input (VMFS_CPU_STOP_INPUT), wait instead of returning, the
 * lock let go, polling each millisecond, until vmfs_input (from another
 * thread) wakes one or vmfs_stop stops the run.  Its sleepers stay 'S'.
 */
#define VMFS_RUN_WAIT 0x2u

/*
 * vmfs_run - run @pid's program from where it stands until it exits, a
 * fatal signal ends it, vmfs_stop stops it, or, @max not 0, @max
 * instructions have run.  The machine lock is let go every few hundred
 * thousand instructions, so other calls (vmfs_stop, reads of its memory)
 * go on meanwhile.  An exited process stays a zombie ('Z': its status and
 * output kept; its address space too with VMFS_RUN_KEEP) until vmfs_exit
 * reaps it.  When every process of the run sleeps on the standard input
 * vmfs_input opened and has not filled, it returns with stop_why
 * VMFS_CPU_STOP_INPUT (since 0.7), or with VMFS_RUN_WAIT waits for it.
 * The status into *@st (may be NULL).  0, or -ESRCH (no such
 * process, or it has exited), -EINVAL (never exec'd, unknown flags),
 * -EBUSY (another thread runs it), -ENOMEM, -ENOSYS (no CPU).  Since 0.6.
 */
int vmfs_run(vmfs *m, int pid, uint64_t max, unsigned flags, struct vmfs_cpu_status *st);

/* vmfs_step - vmfs_run of exactly @n instructions (@n >= 1), or fewer if it ends.  Since 0.6. */
int vmfs_step(vmfs *m, int pid, uint64_t n, struct vmfs_cpu_status *st);

/*
 * vmfs_stop - ask @pid's running vmfs_run to return (state 'T'); it does
 * within one slice.  0 (also when it is not running), -ESRCH.  Since 0.6.
 */
int vmfs_stop(vmfs *m, int pid);

/*
 * vmfs_regs - @pid's registers, while it is not running (loaded, stopped
 * or exited): 0, -ESRCH, -EINVAL (never exec'd), -EBUSY (running),
 * -ENOSYS.  Since 0.6.
 */
int vmfs_regs(vmfs *m, int pid, struct vmfs_regs *regs);

/* vmfs_cpu_status - @pid's state as its CPU sees it: 0, -ESRCH, -ENOSYS.  Since 0.6. */
int vmfs_cpu_status(vmfs *m, int pid, struct vmfs_cpu_status *st);

/*
 * vmfs_output - what @pid's program wrote to @fd (1 or 2) from byte @off:
 * up to @len bytes into @buf, 0 at the end.  The bytes, or -ESRCH,
 * -EINVAL (another fd), -ENOSYS.  Since 0.6.
 */
ssize_t vmfs_output(vmfs *m, int pid, int fd, uint64_t off, void *buf, size_t len);

/*
 * vmfs_fds - the open file descriptors of @pid's program, in order, the
 * first @max into @fds (may be NULL when @max is 0): their count (0 for a
 * process with no program, or exited), -ESRCH, -EINVAL, -ENOSYS.  A loaded
 * program that has not run has its standard streams 0, 1, 2.  Since 0.7.
 */
int vmfs_fds(vmfs *m, int pid, int *fds, size_t max);

/*
 * vmfs_fd_link - what fd @fd of @pid's program names, as Linux's
 * /proc/PID/fd/N link: a host file's path as the machine names it,
 * "pipe:[INODE]" (both ends of a pipe the same inode, numbered by the
 * machine from 1), "stdout:[PID]" or "stderr:[PID]" (the output capture of
 * PID, which vmfs_output reads), "/dev/null" (the empty standard input).
 * Into @buf (@len bytes, cut to fit and NUL-terminated when @len > 0).
 * Its whole length, or -ESRCH, -EBADF (@fd not open), -EINVAL (@buf NULL
 * with @len), -ENOSYS.  Since 0.7.
 */
ssize_t vmfs_fd_link(vmfs *m, int pid, int fd, char *buf, size_t len);

/* An open fd of a program, as Linux's /proc/PID/fdinfo/N shows it (vmfs_fd_info).  Since 0.7. */
struct vmfs_fd_info {
	uint64_t pos;         /* the file position (0 for pipes and streams) */
	uint64_t ino;         /* the inode: a host file's, a pipe's, 1000 + N for stream N */
	uint32_t flags;       /* O_RDONLY or O_WRONLY, O_NONBLOCK, 0100000 (the kernel's
				 O_LARGEFILE: host files), O_CLOEXEC when the fd has
				 FD_CLOEXEC, as Linux's fdinfo flags */
	uint32_t reserved0;
	uint64_t reserved[6];
};

/*
 * vmfs_fd_info - fd @fd of @pid's program: its position, inode and flags
 * into *@info.  0, or -ESRCH, -EBADF (not open, or no program), -EINVAL
 * (@info NULL), -ENOSYS.  Since 0.7.
 */
int vmfs_fd_info(vmfs *m, int pid, int fd, struct vmfs_fd_info *info);

/* vmfs_input flag: no more input after these bytes (the write end is closed). */
#define VMFS_INPUT_EOF 0x1u

/*
 * vmfs_input - give @pid's program standard input: fd 0 of a program
 * loaded by vmfs_exec is the read end of a pipe of the machine (64 KiB)
 * whose write end the caller holds; shared by the processes it forks.
 * Closed until the first call (reads see end of file: the empty stdin),
 * opened by it (@len may be 0), closed by VMFS_INPUT_EOF once all @len
 * bytes went in.  Up to @len bytes of @buf are appended, as many as there
 * is room for; a program sleeping on the read ('S') is woken as a pipe's
 * reader is by a writer.  The bytes taken (fewer than @len when the pipe
 * fills: run the program, then give the rest), or -EAGAIN (full, nothing
 * taken), -ESRCH (no such process, or it exited), -EINVAL (no program
 * loaded, a forked child, NULL @buf with @len, unknown flags), -EPIPE (EOF
 * given already, or no fd of the program reads it any more), -ENOMEM,
 * -ENOSYS (no CPU).  A failure changes nothing.  Since 0.7.
 */
ssize_t vmfs_input(vmfs *m, int pid, const void *buf, size_t len, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif /* VMFS_H */

/*
 * options.h - the machine's options string, parsed once for every front end.
 *
 * `vmfs -o`, `vmfs-replay -o` and vmfs_open() all take the same string of
 * comma-separated key=value items.  options_parse() either fills a complete
 * struct vm_options (defaults for what is absent) and returns 0, or returns
 * -EINVAL with a message and leaves @out untouched.  A few of the options
 * are also tunables of the running machine (options_sysctl), as Linux's
 * sysctls are: max_map_count, overcommit_memory, overcommit_ratio,
 * swappiness, kernel.randomize_va_space (set by aslr=), read_ahead_kb
 * (vm.read_ahead_kb), slice (vmfs.slice), cpu_tlb (vmfs.cpu_tlb), and the seed,
 * which a running machine shows but never changes.
 */
#ifndef VMFS_OPTIONS_H
#define VMFS_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define OPT_DEFAULT_FRAMES  16384u          /* 64 MiB */
#define OPT_DEFAULT_LEVELS  4
#define OPT_DEFAULT_TLB     64u
#define OPT_DEFAULT_KERNEL  (1u << 20)      /* 1 MiB */
#define OPT_MAX_FRAMES      (1ull << 30)    /* 4 TiB of simulated RAM */
#define OPT_MAX_TLB         (1u << 20)
#define OPT_MAX_KERNEL      (1ull << 32)    /* 4 GiB */
/*
 * Mappings per process (Linux's vm.max_map_count and its default).  At
 * most 2^20, where Linux takes up to INT_MAX: a process's mappings live in
 * the host's memory, about 128 MiB of it at 2^20.
 */
#define OPT_DEFAULT_MAX_MAP_COUNT 65530u
#define OPT_MAX_MAP_COUNT         (1u << 20)

/* Linux's vm.overcommit_memory (0 heuristic, 1 always, 2 never) and vm.overcommit_ratio. */
#define OPT_DEFAULT_OVERCOMMIT_RATIO 50u
/*
 * The machine's default overcommit_memory is 1 (always), not Linux's 0:
 * machines are small and sparse on purpose (a 1 MiB machine mapping
 * 8 MiB), which Linux's heuristic refuses once swap is bounded.
 */
#define OPT_DEFAULT_OVERCOMMIT_MEMORY 1u
#define OPT_MAX_OVERCOMMIT_RATIO     0x7fffffffu   /* INT_MAX, as proc_dointvec takes */

/* Linux's vm.swappiness: its default and range (mm/vmscan.c, kernel/sysctl.c). */
#define OPT_DEFAULT_SWAPPINESS 60u
#define OPT_MAX_SWAPPINESS     200u

/* Linux's kernel.randomize_va_space: 0 off, 1 stack and mmap, 2 brk too. */
#define OPT_MAX_RANDOMIZE_VA_SPACE 2u

/*
 * RLIMIT_MEMLOCK of every process, bytes (memlock=SIZE or unlimited):
 * Linux 6.1's MLOCK_LIMIT default; OPT_MEMLOCK_UNLIMITED is RLIM_INFINITY.
 */
#define OPT_DEFAULT_MEMLOCK   (8ull << 20)
#define OPT_MEMLOCK_UNLIMITED UINT64_MAX

/*
 * The readahead window of object pages, KiB (read_ahead_kb=N, tunable
 * vm.read_ahead_kb; Linux's /sys/block/DEV/queue/read_ahead_kb and its
 * default, VM_READAHEAD_PAGES = 128 KiB); 0 turns readahead off.  At most
 * 1 GiB, so that a window's pages are counted in 32 bits as Linux's are.
 */
#define OPT_DEFAULT_READ_AHEAD_KB 128u
#define OPT_MAX_READ_AHEAD_KB     (1u << 20)

/*
 * The CPU's time slice (slice=N, tunable vmfs.slice): instructions a
 * program runs before the next process of its run gets the CPU and the
 * machine lock is let go (cpu.c).  1 to 10^9.
 */
#define OPT_DEFAULT_SLICE 200000u
#define OPT_MAX_SLICE     1000000000u

#define OPT_DEFAULT_POLICY "clock"
#define OPT_PATH_MAX 4096

struct vm_options {
	uint64_t frames;        /* data frames */
	int      levels;        /* page-table levels, 2..6 */
	uint64_t tlb;           /* TLB entries per process, 0 = off */
	uint64_t kernel_bytes;  /* kernel image size, page multiple */
	char     policy[64];    /* replacement policy, NAME[:KEY=VALUE...] */
	bool     swap_none;     /* swap=none */
	char     swap_path[OPT_PATH_MAX]; /* swap=PATH, "" = private temporary file */
	uint64_t swap_slots;    /* swap_size in pages, 0 = unlimited */
	uint64_t max_map_count; /* mappings per process, 0..OPT_MAX_MAP_COUNT */
	bool     contents_none; /* contents=none: data frames keep no bytes (phys.h) */
	uint64_t memlock;       /* RLIMIT_MEMLOCK in bytes (mlock.c), or OPT_MEMLOCK_UNLIMITED */
	bool     no_zero_page;  /* zero_page=0: a read of untouched private anonymous
				   memory takes a frame, as every page of a replay
				   does (SPEC §4); default 1, Linux's shared zero page */
	uint64_t randomize_va_space; /* kernel.randomize_va_space, as Linux's:
				   0 exec randomises nothing, as setarch -R
				   (the default); 1 the stack, mmap base and
				   PIE base; 2 the brk too.  aslr=1 sets 2 */
	uint64_t seed;          /* seed=N: exec's AT_RANDOM bytes and aslr offsets
				   come from it (default 0); read-only
				   tunable "vmfs.seed" */
	uint64_t overcommit_memory; /* 0 heuristic, 1 always, 2 strict (mmap.c) */
	uint64_t overcommit_ratio;  /* percent of RAM in CommitLimit */
	uint64_t swappiness;        /* vm.swappiness: what the policies that weigh
				       anon against file (linux, mglru) use when
				       their parameters name none (policy.c) */
	char     root[OPT_PATH_MAX]; /* root=DIR: exec resolves paths under it, as
				       chroot(2) (exec.c); an absolute path,
				       default "/"; machine_open makes it the
				       directory's canonical path */
	uint64_t read_ahead_kb;     /* the readahead window of a major fault on
				       an object page, KiB (filemap.c); 0 off */
	uint64_t slice;             /* instructions per time slice of the CPU
				       (cpu.c), 1..OPT_MAX_SLICE */
	uint64_t cpu_tlb;           /* cpu_tlb=0|1 (since 0.7, default 1): the
				       CPU's loads, stores and fetches that the
				       TLB serves take access.c's access_tlb
				       fast path, the shadow is written only
				       where it differs (cpu.c); 0: every one
				       through access_vm and uc_mem_read/write.
				       Tunable "vmfs.cpu_tlb" */
	uint64_t hugepages;         /* hugepages=N (since 0.8): 2 MiB pages the
				       hugetlb pool takes at boot (hugetlb.c);
				       vm.nr_hugepages changes the pool later */
	uint64_t hugepages_1g;      /* hugepages_1g=N (since 0.8): 1 GiB pages,
				       taken at boot only */
};

int options_parse(const char *str, struct vm_options *out);

/*
 * The tunables a running machine may read and change, by Linux's sysctl
 * name ("vm.max_map_count"): the old value into *@oldval (when not NULL),
 * then @newval (when not NULL) into @o, checked as options_parse checks the
 * option of the same name.  0, -ENOENT for an unknown name, -EINVAL for a
 * value out of range, -EACCES for a write of a read-only one ("vmfs.seed")
 * (@o unchanged either way).
 */
int options_sysctl(struct vm_options *o, const char *name, uint64_t *oldval,
		   const uint64_t *newval);

/*
 * Parse an unsigned number: decimal or 0x hex, with an optional K/M/G/T
 * (binary) suffix when @suffix is true.  0 or -EINVAL (empty, junk,
 * overflow).  Shared by every parser of numbers in the engine.
 */
int parse_u64(const char *s, bool suffix, uint64_t *out);

#endif

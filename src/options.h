/*
 * options.h - the machine's options string, parsed once for every front end.
 *
 * `vmfs -o`, `vmfs-replay -o` and vmfs_open() all take the same string of
 * comma-separated key=value items.  options_parse() either fills a complete
 * struct vm_options (defaults for what is absent) and returns 0, or returns
 * -EINVAL with a message and leaves @out untouched.
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

#define OPT_DEFAULT_POLICY "clock"
#define OPT_PATH_MAX 4096

struct vm_options {
	uint64_t frames;        /* data frames */
	int      levels;        /* page-table levels, 2..6 */
	uint64_t tlb;           /* TLB entries per process, 0 = off */
	uint64_t kernel_bytes;  /* kernel image size, page multiple */
	char     policy[16];    /* replacement policy */
	bool     swap_none;     /* swap=none */
	char     swap_path[OPT_PATH_MAX]; /* swap=PATH, "" = private temporary file */
	uint64_t swap_slots;    /* swap_size in pages, 0 = unlimited */
};

int options_parse(const char *str, struct vm_options *out);

/*
 * Parse an unsigned number: decimal or 0x hex, with an optional K/M/G/T
 * (binary) suffix when @suffix is true.  0 or -EINVAL (empty, junk,
 * overflow).  Shared by every parser of numbers in the engine.
 */
int parse_u64(const char *s, bool suffix, uint64_t *out);

#endif

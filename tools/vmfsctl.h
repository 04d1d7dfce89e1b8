/*
 * vmfsctl.h - what the parts of vmfsctl share: vmfsctl.c (the commands that
 * are a few reads and writes, the command table, main), vmfsctl_draw.c (the
 * Graphviz pictures: draw walk, draw tree), vmfsctl_phys.c (draw phys,
 * plain SVG) and vmfsctl_watch.c (the terminal view).
 *
 * What stays true: every part reads only the files of the mount (mount_dir),
 * never libvmfs; a failure prints "vmfsctl: MESSAGE" through fail() and
 * exits 1, a usage mistake goes through usage_error() and exits 2, and
 * nothing reaches stdout before a command has succeeded where it can help it.
 */
#ifndef VMFSCTL_H
#define VMFSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef VMFSCTL_VERSION
#define VMFSCTL_VERSION "unknown"
#endif

#define MAX_LEVELS   6
#define PAGE_SHIFT   12
#define ANSWER_MAX   4096
#define CMD_MAX      4096

/* Page-table entry bits, as vmfs(1) and libvmfs(3) PAGE TABLE ENTRIES give them. */
#define PTE_P        (UINT64_C(1) << 0)
#define PTE_RW       (UINT64_C(1) << 1)
#define PTE_US       (UINT64_C(1) << 2)
#define PTE_A        (UINT64_C(1) << 5)
#define PTE_D        (UINT64_C(1) << 6)
#define PTE_PS       (UINT64_C(1) << 7)    /* a huge page above the last level (issue 17) */
#define PTE_COW      (UINT64_C(1) << 9)
#define PTE_PROTNONE (UINT64_C(1) << 10)
#define PTE_SWAP     (UINT64_C(1) << 11)
#define PTE_NX       (UINT64_C(1) << 63)
#define PTE_PFN_MASK UINT64_C(0x000ffffffffff000)

/* kpageflags bits (Linux's KPF_ numbers, vmfs(1) kpageflags). */
#define KPF_DIRTY     4
#define KPF_LRU       5
#define KPF_ACTIVE    6
#define KPF_BUDDY     10
#define KPF_MMAP      11
#define KPF_ANON      12
#define KPF_SWAPCACHE 13
#define KPF_HUGE      17
#define KPF_THP       22
#define KPF_ZERO_PAGE 24
#define KPF_PGTABLE   26
#define KPF_RESERVED  32

extern const char *mount_dir;

struct command;
typedef int (*command_fn)(const struct command *c, int argc, char **argv);

struct command {
	const char *name;
	int min_args, max_args;
	const char *args;       /* the synopsis after the name */
	const char *summary;    /* one line, for vmfsctl --help */
	const char *help;       /* the rest of vmfsctl NAME --help */
	command_fn fn;
	const char *ctl_verb;   /* the ctl command it sends (cmd_passthrough) */
	bool per_process;       /* to PID/ctl, the first argument a PID; else to ctl */
};

/* The first line of PID/pagetable: cr3, the depth and the level names. */
struct pt_head {
	uint64_t cr3;                    /* frame number of the top table */
	uint64_t top;                    /* its physical address */
	int levels;
	char names[MAX_LEVELS][8];       /* pgd ... pte */
};

/* What the walk found at one level. */
struct walk_row {
	uint64_t table;     /* physical address of the table */
	uint64_t index;
	uint64_t at;        /* physical address of the entry: table + 8 * index */
	uint64_t entry;     /* the 8 bytes there, little-endian */
};

/* The address split into its fields: the sign bits, one index per level, the offset. */
struct va_split {
	int va_bits;                     /* min(64, 12 + 9 * levels) */
	int shift[MAX_LEVELS];           /* lowest bit of each level's index */
	int width[MAX_LEVELS];           /* its bits: 9, or fewer at the top */
	uint64_t index[MAX_LEVELS];
	uint64_t sign;                   /* bits 63..va_bits, when va_bits < 64 */
	bool canonical, user;
};

/* messages */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* files under the mount */
bool mnt_path(char *buf, size_t size, const char *rel);
bool pid_exists(int pid);
int open_failed(const char *rel, int err, int pid);
int slurp(const char *rel, char **out);
int slurp_len(const char *rel, char **out, size_t *len);
char *slurp_or_fail(const char *rel, int pid);
const char *next_line(const char *p);
bool field_u64(const char *text, const char *key, uint64_t *val);
void field_str(const char *text, const char *key, char *buf, size_t size);
int live_pids(int **out);
bool stat_faults(const char *text, uint64_t *minflt, uint64_t *majflt);
void status_name(const char *status, char *name, size_t size);

/* arguments */
bool parse_pid(const char *s, int *pid);
bool parse_addr(const char *s, uint64_t *addr);
int pid_arg(const struct command *c, const char *s, int *pid);
void help_command(const struct command *c);

/* the page tables, read through PID/pagetable's first line and phys */
bool pt_head_parse(const char *text, struct pt_head *h);
int pt_head_read(int pid, struct pt_head *h);
void va_split(uint64_t addr, int levels, struct va_split *s);
int read_entry(int phys, uint64_t at, uint64_t *entry);
int pt_walk(int phys, const struct pt_head *h, const struct va_split *s,
	    struct walk_row *row, int *nrows);
bool pt_huge(const struct pt_head *h, const struct walk_row *row, int nrows);
void pte_flags(uint64_t e, char *buf, size_t size);
void pte_target(uint64_t e, bool leaf, char *buf, size_t size);
bool find_vma(int pid, uint64_t addr, char perms[8], char *path, size_t size);
void walk_verdict(int pid, uint64_t addr, const struct pt_head *h, const struct va_split *s,
		  const struct walk_row *row, int nrows, char *buf, size_t size);

/* pictures: a growing string, and writing the result (vmfsctl_draw.c) */
struct sbuf {
	char *buf;
	size_t len, cap;
	bool oom;           /* an allocation failed: the text is cut short */
};
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_xml(struct sbuf *b, const char *s);
int write_picture(const char *path, const char *data, size_t len);
int draw_phys(int pid, const char *out);

/* the commands of the other parts */
int cmd_draw(const struct command *c, int argc, char **argv);
int cmd_watch(const struct command *c, int argc, char **argv);

#endif

/*
 * bench.h - what the parts of vmfs-bench share: the run's configuration, a
 * figure and its sample, the helpers every figure stands on, and each
 * part's entry points.
 *
 * The program is split by what it holds:
 *
 *     vmfs-bench.c   main: the command line, --help, the figures in table
 *                    order, and the run
 *     bench_vm.c     the helpers: why a figure failed, the clock, the
 *                    pattern every buffer and machine holds, host mappings,
 *                    a machine with one process and one mapping
 *     bench_mem.c    the memory figures: bulk read, random reads, fork,
 *                    first touch
 *     bench_huge.c   the same with transparent huge pages: random reads,
 *                    first touch, fork (issue 17)
 *     bench_swap.c   the swap figures: swap_out (vs dd), swap_in (vs SQLite
 *                    reading a database of the figure's own)
 *     bench_exec.c   the exec figure: python3 made a process up to its entry
 *                    point (vs fork + execve stopped by ptrace, hoststop.c)
 *     bench_cpu.c    the CPU figures: bench_sum.c and gzip -c run by the
 *                    machine's CPU (vs plain Unicorn, qemu-x86_64, native)
 *     bench_scale.c  the scale tables (--scale), which have no ceiling
 *     bench_report.c the --rows records and what a run prints: the table,
 *                    the scale tables, or one JSON document
 *
 * What stays true: a figure function measures both sides of its figure and
 * returns 0 with the sample filled, or -1 with bench_err saying why (it
 * sets bad_options when vmfs_open refused the options, after which the run
 * stops).  It leaves no machine open and no file behind.  Every buffer and
 * machine holds the same content, pattern_word() of each 8-byte word's
 * offset, so that both sides of a figure work on the same bytes.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmfs.h"

#define KiB ((uint64_t)1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

#define CHUNK (1 * MiB)   /* the unit of bulk transfers */

/* What one run measures: full size, or --quick for a smoke test. */
struct bench_cfg {
	bool        quick;
	uint64_t    big;            /* size of the "1 GiB" figures */
	int         rounds;         /* rounds per side; the best one counts */
	int         bulk_reps;      /* 1 MiB copies per round */
	size_t      random_reads;   /* 8-byte reads per round */
	uint64_t    swap_map;       /* the swap figures' mapping ... */
	uint64_t    swap_mem;       /* ... streamed through this much RAM */
	int         swap_rounds;    /* rounds of the swap figures */
	int         exec_rounds;    /* execs per side of the exec figure */
	char        options[512];   /* vmfs_open options of every machine */
};

enum figure_kind {
	RATE,   /* the value is work per second: higher is better */
	TIME,   /* the value is a duration: lower is better */
};

/* Both sides of one figure, in the figure's unit, and what else to know. */
struct sample {
	double vmfs, ceiling;
	char   note[320];   /* printed under the table when not empty */
};

struct figure {
	const char      *id;        /* --only and JSON name */
	const char      *title;     /* table row */
	bool             sized;     /* title gets ", <big size>" appended */
	const char      *unit;
	enum figure_kind kind;
	double           target;    /* minimum ratio */
	int (*run)(const struct bench_cfg *cfg, struct sample *s);
};

/* ---- bench_vm.c: the helpers ------------------------------------------------ */

extern char bench_err[512];   /* why the last figure could not be measured */
extern bool bad_options;      /* vmfs_open refused the options: stop the run */

/* Say why in bench_err; returns -1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A failed libvmfs call: its name, the errno and vmfs_errmsg(); returns -1. */
int vfail(const char *call, long rc);

double min_d(double a, double b);
double now(void);   /* CLOCK_MONOTONIC, in seconds */

/* Make the compiler believe *p is read and written here (no dead stores). */
static inline void clobber(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* The content of every buffer and machine: word at offset o is pattern(o). */
uint64_t pattern_word(uint64_t off);
/* Fill buf, which stands for bytes [off, off+len), with the pattern. */
void fill_pattern(void *buf, uint64_t off, size_t len);

/* A host anonymous mapping with 4 KiB pages; NULL on failure. */
void *host_map(uint64_t len);
/* "4 GiB" for whole GiB, else "64 MiB". */
void format_size(char *buf, size_t n, uint64_t bytes);

/* A machine with one process and one anonymous mapping. */
struct vm {
	vmfs     *m;
	int       pid;
	uint64_t  base;   /* start of the mapping */
	uint64_t  size;
};

void vm_close(struct vm *vm);
/* Open a machine with @options and spawn the process "bench". */
int vm_open_opts(const char *options, struct vm *vm);
/* Open a machine with cfg->options and spawn the process "bench". */
int vm_open(const struct bench_cfg *cfg, struct vm *vm);
/* Map @size bytes private anonymous read-write, where the machine chooses. */
int vm_map(struct vm *vm, uint64_t size);
/* Write the pattern over the whole mapping, CHUNK bytes per vmfs_write. */
int vm_populate(struct vm *vm, void *chunk);
/* A machine whose process has @size bytes resident, filled with the pattern. */
int vm_open_resident(const struct bench_cfg *cfg, struct vm *vm, uint64_t size);
/*
 * @rounds vmfs_fork()s of vm's process, each child checked (it reads the
 * parent's last word, and its write of it stays its own) and exited; the
 * fastest fork's time (the fork alone) into *@best, kept if lower.  0, or
 * -1 with bench_err saying why.
 */
int vm_fork_best(struct vm *vm, int rounds, double *best);

/* xorshift64*: fast, and good enough to scatter addresses (both sides of a figure). */
static inline uint64_t xorshift64s(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* ---- bench_mem.c and bench_swap.c: the figures --------------------------------- */

int fig_bulk_read(const struct bench_cfg *cfg, struct sample *s);
int fig_random_read(const struct bench_cfg *cfg, struct sample *s);
int fig_fork(const struct bench_cfg *cfg, struct sample *s);
int fig_first_touch(const struct bench_cfg *cfg, struct sample *s);
int fig_swap_out(const struct bench_cfg *cfg, struct sample *s);
int fig_swap_in(const struct bench_cfg *cfg, struct sample *s);
/*
 * bench_huge.c: the same three with transparent huge pages on both sides
 * (host: MADV_HUGEPAGE, AnonHugePages checked; machine: VMFS_MADV_HUGEPAGE,
 * the walk checked to end at a huge pmd entry).
 */
int fig_thp_random_read(const struct bench_cfg *cfg, struct sample *s);
int fig_thp_first_touch(const struct bench_cfg *cfg, struct sample *s);
int fig_thp_fork(const struct bench_cfg *cfg, struct sample *s);
/* bench_exec.c: exec of /usr/bin/python3 against the host's fork + execve. */
int fig_exec(const struct bench_cfg *cfg, struct sample *s);
/* bench_cpu.c: instructions/s of bench_sum (vs plain Unicorn) and gzip -c (vs native). */
int fig_cpu(const struct bench_cfg *cfg, struct sample *s);
int fig_cpu_gzip(const struct bench_cfg *cfg, struct sample *s);

/*
 * The fastest of @rounds fork()s of this very process, each child exiting
 * at once (waitpid is not timed); -1 when fork fails.  The fork figure's
 * ceiling, and the scale table's host column.
 */
double host_fork_best(int rounds);

/* ---- bench_scale.c: the scale tables ----------------------------------------- */

#define SCALE_PARENT (1 * MiB)    /* resident in the process table's parent */
#define SCALE_MMAPS  1000         /* mmap + munmap pairs timed per round */
#define SCALE_MAX    8            /* rows per table */

struct scale_size {
	uint64_t size;
	char     skipped[128];    /* why it was not measured, or "" */
	uint64_t pages, pt_pages; /* resident pages, the process's table pages */
	double   mmap, fork, host_fork, exit, munmap;   /* seconds */
};

struct scale_procs {
	int      n;
	uint64_t pt_pages;        /* the machine's, all N + 1 processes alive */
	double   spawn, fork, exit_forked, exit_spawned;   /* seconds per process */
	double   mmap;            /* seconds per mmap + munmap of 1 MiB */
	/* the daemon's and the clock's view of as many processes: */
	double   ls_entry;        /* seconds per PID directory of ls -l of the root */
	double   stat_full;       /* seconds per vmfs_stat (every frame, every process) */
	double   clock_sweep;     /* seconds per reclaim testing a page N processes map */
	uint64_t clock_tests;     /* pages the policy tested in it (pgscan_direct) */
};

struct scale {
	struct scale_size  sizes[SCALE_MAX];
	size_t             nsizes;
	struct scale_procs procs[SCALE_MAX];
	size_t             nprocs;
	int                rounds;
	double             memcpy_page;   /* seconds to memcpy one 4 KiB page */
	bool               ok;
	char               error[512];
};

/* Measure both tables; sc->ok false with sc->error when one could not be. */
void run_scale(const struct bench_cfg *cfg, struct scale *sc);

/* ---- bench_report.c: --rows and the output ------------------------------------- */

#define MAX_ROWS 16   /* figures a --rows file may hold */

/* What became of one figure in this run: one of figures[] or from --rows. */
struct outcome {
	const struct figure *f;
	bool          selected;
	bool          ok;          /* measured */
	struct sample s;
	double        ratio;
	char          title[128];
	char          error[512];
};

/* Everything one run prints. */
struct report {
	const struct bench_cfg *cfg;
	const struct outcome   *out;
	size_t                  nout;
	const struct scale     *scale;          /* NULL without --scale */
	double                  load_start[3];  /* getloadavg() at start and end */
	double                  load_end[3];
};

/* vmfs rate over the ceiling's (for times: the ceiling's time over vmfs's). */
double ratio_of(const struct figure *f, const struct sample *s);

/*
 * Add the figures of @path (- for stdin) to out[*nout...], at most
 * MAX_ROWS, and keep its run records for the output; false with a message
 * on stderr for a file that cannot be read or a malformed line.
 */
bool read_rows(const char *path, struct outcome *out, size_t *nout);

/* The text output's header: the run's options, the host, the run records. */
void print_header(const struct report *rp);
void print_text(const struct report *rp);
void print_json(const struct report *rp);

#endif /* BENCH_H */

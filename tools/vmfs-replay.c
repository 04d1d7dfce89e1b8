/*
 * vmfs-replay - run memory traces of real programs through a simulated
 * machine, once per replacement policy and memory size, and report the
 * faults (SPEC §4; the manual is vmfs-replay(1)).
 *
 * Each trace goes through three stages:
 *
 *   trace file ─► trace_parse ─► reference stream ─┬─► run (fifo, 16 frames) ─► row
 *   (or stdin)    replay_trace.c  replay_stream.c  ├─► run (lru, 16 frames)  ─► row
 *                                     │            └─► ... one per (policy, frames)
 *                                     └─► future_build (only for opt): next uses
 *
 * The trace is parsed once; every run reads the stream again, so runs for
 * several policies and frame counts share the parsing, and --jobs runs go
 * in parallel threads, each with its own machine (machines share nothing).
 * A run is what SPEC §4 says: a machine opened with frames=N,policy=P,
 * contents=none (its pages keep no bytes: nothing reads them), zero_page=0
 * (a first read takes a frame, as a first write does), read_ahead_kb=0
 * (a fault reads one page, as the papers' simulators) and the -o
 * options, one process mapping its whole user half read-write-
 * execute (MAP_FIXED at 0, length user_top), and one vmfs_access of one
 * byte per page reference: a read, or a write for S, M and W records.  The
 * row is then read from the counters: faults = the process's minor + major
 * faults, swapouts = pswpout, swapins = pswpin.  opt (Belady's MIN) is not
 * built in: it is installed with vmfs_set_policy on a fifo machine, from
 * replay_opt.c, using nothing but the public policy API.
 *
 * --bench replays one trace through the machine and through a minimal
 * simulator of the same policy (lru: a hash map and a list; arc: a hash
 * map and four lists) over the same references in the same run, for each
 * policy of -p that has one (lru without -p) at each -n (64 without), and
 * prints both rates, their ratio and the machine's host memory per frame.
 *
 * --mrc runs no machine: one pass over the stream gives lru's misses at
 * every size, another (after the next uses) opt's, by stack distances
 * (replay_mrc.c); the rows are those of per-size runs, faults only.
 *
 * --shard K/N runs part K of N of the sweep: the runs (trace, policy,
 * frames) in the order they print, or with --mrc the curves (trace,
 * policy), cut into N contiguous blocks; part 1 alone prints the CSV
 * header, so the parts' outputs concatenated in order are the whole.
 *
 * Memory stays bounded however long the trace: a chunk of the stream per
 * thread, the machines' frames, and the sets of distinct pages.  Exit
 * status: 0 when every run finished, 1 when a trace or a run failed, 2 for
 * a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmfs.h"
#include "replay_map.h"
#include "replay_mrc.h"
#include "replay_opt.h"
#include "replay_out.h"
#include "replay_stream.h"
#include "replay_trace.h"

#define MAX_FRAME_COUNTS 4096
#define DEFAULT_FRAMES   "8,16,32,64,128,256,512,1024"
#define BENCH_FRAMES     64
#define BENCH_ROUNDS     3
#define BENCH_TARGET     (1.0 / 3.0)   /* hit-heavy traces (issue 18: keep >= 0.33) */
#define BENCH_TARGET_MISS 0.25        /* miss-heavy traces (issue 18) */
#define BENCH_BYTES_PER_FRAME 64      /* host memory a replay machine may cost (issue 18) */
#define BENCH_LARGE      (1 << 20)    /* frames from which the fixed costs no longer weigh */

/*
 * Every policy -p knows, and "all" names; without -p a run takes the first
 * DEFAULT_POLICIES of them (the policies of the first versions), so that a
 * default run stays as it was.
 */
static const char *const all_policies[] = { "fifo", "lru", "clock", "arc", "opt",
	"2q", "car", "clockpro", "linux", "lirs", "mglru", "random", "s3fifo", "sieve",
	"wsclock" };
#define NPOLICIES (sizeof(all_policies) / sizeof(all_policies[0]))
#define MAX_POLICIES 32
#define DEFAULT_POLICIES "fifo,lru,clock,arc,opt"

enum output { OUT_TABLE, OUT_CSV, OUT_JSON };

struct config {
	const char        *mopts;          /* -o, passed to vmfs_open after ours */
	enum trace_format  format;
	uint64_t           block_size;     /* --block, 0: not given */
	const char        *policy[MAX_POLICIES];
	size_t             npolicies;
	uint64_t          *frames;
	size_t             nframes;
	enum output        output;
	const char        *plot;
	bool               lenient, verbose, bench, progress;
	bool               mrc;            /* --mrc: whole curves, no machine */
	uint64_t           mrc_max;        /* --mrc-max, 0: not given */
	uint64_t           shard_k, shard_n;  /* --shard K/N, 0/0: not given */
	bool               policies_given; /* -p was given (--bench: lru alone without) */
	unsigned           jobs;
	uint64_t           user_top;       /* of the machines the -o options make */
};

static double clock_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* ---- the progress bar ---------------------------------------------------------- */

/*
 * One line on stderr, redrawn at most ten times a second, shown only when
 * stderr is a terminal and the stage has run for half a second (a small
 * trace never shows one).  done is advanced by the worker threads.
 */
struct progress {
	bool             enabled;
	bool             shown;
	char             label[96];
	uint64_t         total;          /* 0: unknown, show the count only */
	const char      *unit;
	_Atomic uint64_t done;
	double           start, last;
};

static void progress_begin(struct progress *p, const char *label, uint64_t total, const char *unit)
{
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total;
	p->unit = unit;
	atomic_store(&p->done, 0);
	p->start = now();
	p->last = 0;
}

static void progress_draw(struct progress *p)
{
	double t = now();
	uint64_t done = atomic_load(&p->done);
	struct winsize ws;
	int width = 80, bar;
	char count[64];

	if (!p->enabled || t - p->start < 0.5 || t - p->last < 0.1)
		return;
	p->last = t;
	p->shown = true;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40)
		width = ws.ws_col;
	if (done >= 10000000)
		snprintf(count, sizeof(count), "%.1fM %s", (double)done / 1e6, p->unit);
	else
		snprintf(count, sizeof(count), "%" PRIu64 " %s", done, p->unit);
	if (!p->total) {
		fprintf(stderr, "\r\033[K%s: %s", p->label, count);
		return;
	}
	bar = width - (int)strlen(p->label) - 28;
	if (bar < 10)
		bar = 10;
	if (bar > 50)
		bar = 50;
	{
		double frac = done >= p->total ? 1.0 : (double)done / (double)p->total;
		int fill = (int)(frac * bar);

		fprintf(stderr, "\r\033[K%s [%.*s%*s] %3d%% %s", p->label, fill,
			"##################################################", bar - fill, "",
			(int)(frac * 100), count);
	}
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

static void progress_set(void *arg, uint64_t done)
{
	struct progress *p = arg;

	atomic_store(&p->done, done);
	progress_draw(p);
}

/* ---- one run --------------------------------------------------------------------- */

/* What the runs of one trace share. */
struct job {
	const struct config    *cfg;
	const char             *trace;
	const struct refstream *s;
	const struct future    *future;   /* for opt, else NULL */
	struct row             *rows;
	size_t                  nrows;
	_Atomic size_t          next;     /* the next row to run */
	_Atomic unsigned        running;  /* workers still going */
	struct progress        *prog;
};

static int run_fail(const struct job *j, const struct row *r, const char *what, const char *msg)
{
	fprintf(stderr, "vmfs-replay: %s: %s at %" PRIu64 " frames: %s: %s\n", j->trace, r->policy,
		r->frames, what, msg);
	return -1;
}

/*
 * Open the machine of one run: @frames frames, policy @policy (opt is
 * installed on top of fifo with @cursor), the -o options, and one process
 * whose whole user half is mapped.  0 with *@m and *@pid, or -1 (reported).
 */
static int machine_open(const struct job *j, const struct row *r, struct opt_cursor *cursor,
			vmfs **m, int *pid)
{
	bool opt = !strcmp(r->policy, "opt");
	char opts[4096];
	struct vmfs_stat st;
	int rc;

	/* contents=none, zero_page=0 and read_ahead_kb=0 first, so that -o (the
	 * last value wins) can undo them.  zero_page=0: SPEC §4's every
	 * referenced page occupies a frame, a first read too; read_ahead_kb=0:
	 * a fault reads its one page, as the papers' simulators do (the traces
	 * map no object today, so it changes no figure). */
	snprintf(opts, sizeof(opts), "frames=%" PRIu64 ",policy=%s,contents=none,zero_page=0,"
		 "read_ahead_kb=0%s%s",
		 r->frames,
		 opt ? "fifo" : r->policy, j->cfg->mopts ? "," : "", j->cfg->mopts ? j->cfg->mopts : "");
	if ((rc = vmfs_open(m, opts)) < 0)
		return run_fail(j, r, "cannot open a machine", vmfs_errmsg());
	if (opt && (rc = vmfs_set_policy(*m, NULL, &opt_policy_ops, cursor)) < 0)
		goto fail;
	if ((rc = vmfs_spawn(*m, "replay")) < 0)
		goto fail;
	*pid = rc;
	if ((rc = vmfs_stat(*m, &st)) < 0 ||
	    (rc = vmfs_mmap(*m, *pid, 0, st.user_top, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL)) < 0)
		goto fail;
	return 0;
fail:
	run_fail(j, r, "setting up the machine", vmfs_errmsg());
	vmfs_close(*m);
	*m = NULL;
	return -1;
}

/* Read the row's figures from the machine's counters. */
static int machine_row(const struct job *j, vmfs *m, int pid, struct row *r)
{
	struct vmfs_proc_stat ps;
	struct vmfs_stat st;

	if (vmfs_proc_stat(m, pid, &ps) < 0 || vmfs_stat(m, &st) < 0)
		return run_fail(j, r, "reading the counters", vmfs_errmsg());
	r->faults = ps.min_flt + ps.maj_flt;
	r->major = ps.maj_flt;
	r->minor = ps.min_flt;
	r->swapouts = st.pswpout;
	r->swapins = st.pswpin;
	return 0;
}

/* Report reference @ref, number @index (from 0) of the trace, as failed: -1. */
static int ref_fail(const struct job *j, const struct row *r, uint64_t ref, uint64_t index)
{
	char what[96];

	snprintf(what, sizeof(what), "reference %" PRIu64 " (%s page 0x%" PRIx64 ")", index + 1,
		 REF_WRITE(ref) ? "write to" : "read of", REF_VPN(ref));
	return run_fail(j, r, what, vmfs_errmsg());
}

/* One reference through the machine: 0, or -1 (reported). */
static inline int replay_ref(const struct job *j, const struct row *r, vmfs *m, int pid,
			     uint64_t ref, uint64_t index)
{
	uint8_t byte = 0;
	ssize_t n = vmfs_access(m, pid, REF_VPN(ref) << VMFS_PAGE_SHIFT, &byte, 1,
				REF_WRITE(ref) ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ, NULL);

	return n == 1 ? 0 : ref_fail(j, r, ref, index);
}

/*
 * References [0, n) of @refs (the first being reference @index of the
 * trace) through the machine, REPLAY_BATCH at a time with vmfs_accessv,
 * which makes them exactly as one vmfs_access each would: 0, or -1
 * (reported).
 */
#define REPLAY_BATCH 1024

static int replay_refs(const struct job *j, const struct row *r, vmfs *m, int pid,
		       const uint64_t *refs, uint64_t n, uint64_t index)
{
	struct vmfs_iop iop[REPLAY_BATCH];
	uint8_t byte = 0;   /* every access moves this one byte */

	for (size_t i = 0; i < REPLAY_BATCH; i++)
		iop[i] = (struct vmfs_iop){ .buf = &byte, .len = 1 };
	for (uint64_t at = 0; at < n; at += REPLAY_BATCH) {
		size_t k = n - at < REPLAY_BATCH ? (size_t)(n - at) : REPLAY_BATCH;
		ssize_t done;

		for (size_t i = 0; i < k; i++) {
			iop[i].addr = REF_VPN(refs[at + i]) << VMFS_PAGE_SHIFT;
			iop[i].how = REF_WRITE(refs[at + i]) ? VMFS_ACCESS_WRITE : VMFS_ACCESS_READ;
		}
		done = vmfs_accessv(m, pid, iop, k);
		if (done != (ssize_t)k)
			return ref_fail(j, r, refs[at + (done < 0 ? 0 : (size_t)done)],
					index + at + (done < 0 ? 0 : (uint64_t)done));
	}
	return 0;
}

/* Replay the whole stream through one machine and fill row @r. */
static int run_one(struct job *j, struct row *r, uint8_t *buf, uint64_t *refs, uint64_t *next)
{
	struct opt_cursor cursor = { OPT_NEVER };
	bool opt = !strcmp(r->policy, "opt");
	uint64_t index = 0;
	int pid, rc = -1;
	vmfs *m;

	if (machine_open(j, r, &cursor, &m, &pid) < 0)
		return -1;
	for (size_t c = 0; c < j->s->nchunks; c++) {
		int64_t n = stream_read_chunk(j->s, c, buf, refs);

		if (n >= 0 && opt)
			n = future_read_chunk(j->future, c, index, buf, next);
		if (n < 0) {
			run_fail(j, r, "reading the parsed trace", strerror((int)-n));
			goto out;
		}
		if (opt) {
			for (int64_t i = 0; i < n; i++) {
				cursor.next_use = next[i];
				if (replay_ref(j, r, m, pid, refs[i], index + (uint64_t)i) < 0)
					goto out;
			}
		} else if (replay_refs(j, r, m, pid, refs, (uint64_t)n, index) < 0) {
			goto out;
		}
		index += (uint64_t)n;
		if (j->prog)
			atomic_fetch_add(&j->prog->done, (uint64_t)n);
	}
	r->refs = index;
	rc = machine_row(j, m, pid, r);
	r->ok = rc == 0;
out:
	vmfs_close(m);
	return rc;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = malloc(STREAM_CHUNK_BYTES);
	uint64_t *refs = malloc(STREAM_CHUNK_REFS * sizeof(*refs));
	uint64_t *next = malloc(STREAM_CHUNK_REFS * sizeof(*next));
	size_t i;

	if (!buf || !refs || !next)
		fprintf(stderr, "vmfs-replay: out of memory\n");
	else
		while ((i = atomic_fetch_add(&j->next, 1)) < j->nrows)
			run_one(j, &j->rows[i], buf, refs, next);
	free(buf);
	free(refs);
	free(next);
	atomic_fetch_sub(&j->running, 1);
	return NULL;
}

/* Run every row of @j on up to cfg->jobs threads.  0, or -1 if a run failed. */
static int run_all(struct job *j)
{
	unsigned n = j->cfg->jobs;
	pthread_t *tid;
	unsigned started = 0;
	int rc = 0;

	if (n > j->nrows)
		n = (unsigned)j->nrows;
	tid = calloc(n ? n : 1, sizeof(*tid));
	if (!tid)
		return -1;
	atomic_store(&j->next, 0);
	atomic_store(&j->running, n);
	for (unsigned t = 0; t < n; t++) {
		if (pthread_create(&tid[started], NULL, worker, j) != 0)
			atomic_fetch_sub(&j->running, 1);
		else
			started++;
	}
	if (!started)          /* no thread could start: do it here */
		worker(j);
	while (j->prog && atomic_load(&j->running) > 0) {
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
		progress_draw(j->prog);
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	if (j->prog)
		progress_end(j->prog);
	free(tid);
	for (size_t i = 0; i < j->nrows; i++)
		if (!j->rows[i].ok)
			rc = -1;
	return rc;
}

/* ---- parsing a trace ------------------------------------------------------------ */

static void parse_progress(void *arg, uint64_t bytes)
{
	progress_set(arg, bytes);
}

/* Parse @path into @s and say what was found.  0 or -1 (reported). */
static int load_trace(const struct config *cfg, const char *path, struct refstream *s,
		      struct trace_info *info, struct progress *prog)
{
	struct trace_opts o = {
		.format = cfg->format, .lenient = cfg->lenient, .user_top = cfg->user_top,
		.block_size = cfg->block_size, .progress = parse_progress, .progress_arg = prog,
	};
	char label[96];
	struct stat st;
	int rc;

	if ((rc = stream_init(s)) < 0) {
		fprintf(stderr, "vmfs-replay: cannot create a temporary file: %s\n", strerror(-rc));
		return -1;
	}
	snprintf(label, sizeof(label), "parsing %.60s", path);
	progress_begin(prog, label, strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode)
		       ? (uint64_t)st.st_size : 0, "bytes");
	rc = trace_parse(path, &o, s, info);
	progress_end(prog);
	if (rc < 0)
		return -1;
	if (info->malformed)
		fprintf(stderr, "vmfs-replay: %s: %" PRIu64 " malformed record%s skipped (the first at "
			"line %" PRIu64 ")\n", path, info->malformed, info->malformed == 1 ? "" : "s",
			info->first_malformed_line);
	if (info->outside)
		fprintf(stderr, "vmfs-replay: %s: %" PRIu64 " page reference%s at or above 0x%" PRIx64
			" (beyond the user half) skipped; -o levels=5 or 6 widens it\n", path,
			info->outside, info->outside == 1 ? "" : "s", cfg->user_top);
	if (!info->refs)
		fprintf(stderr, "vmfs-replay: %s: no page references in this trace\n", path);
	if (cfg->verbose)
		fprintf(stderr, "vmfs-replay: %s: %s (%s)%s%s, %" PRIu64 " lines, %" PRIu64 " records, %"
			PRIu64 " references (%" PRIu64 " writes) to %" PRIu64 " pages\n", path,
			trace_format_name(info->format), info->detected ? "detected" : "given",
			info->codec ? ", " : "", info->codec ? trace_codec_name(info->codec) : "",
			info->lines, info->records, info->refs, info->writes, info->pages);
	return 0;
}

static void future_progress(void *arg, uint64_t refs)
{
	progress_set(arg, refs);
}

/* Parse one trace and run the @nrows runs of @rows on it. */
static int replay_trace(const struct config *cfg, const char *path, struct row *rows,
			size_t nrows, struct progress *prog)
{
	struct refstream s;
	struct trace_info info;
	struct future future = { .fd = -1 };
	struct job j = { .cfg = cfg, .trace = path, .s = &s, .rows = rows, .prog = prog };
	bool need_future = false;
	char label[96];
	int rc = -1;

	if (load_trace(cfg, path, &s, &info, prog) < 0)
		goto out;
	j.nrows = nrows;
	for (size_t i = 0; i < nrows; i++)
		need_future |= !strcmp(rows[i].policy, "opt");
	if (need_future) {
		snprintf(label, sizeof(label), "opt: next uses in %.60s", path);
		progress_begin(prog, label, s.nrefs, "refs");
		rc = future_build(&s, &future, future_progress, prog);
		progress_end(prog);
		if (rc < 0) {
			fprintf(stderr, "vmfs-replay: %s: computing next uses for opt: %s\n", path,
				strerror(-rc));
			rc = -1;
			goto out;
		}
		j.future = &future;
	}
	snprintf(label, sizeof(label), "replaying %.60s (%zu runs)", path, j.nrows);
	progress_begin(prog, label, s.nrefs * j.nrows, "refs");
	rc = run_all(&j);
out:
	future_free(&future);
	stream_free(&s);
	return rc;
}

/* ---- sharding (--shard K/N) ------------------------------------------------------ */

/*
 * The units [*@lo, *@hi) of @total that part K of N takes: N contiguous
 * blocks in order, of sizes differing by one at most (some may be empty).
 */
static void shard_range(const struct config *cfg, size_t total, size_t *lo, size_t *hi)
{
	if (!cfg->shard_n) {
		*lo = 0;
		*hi = total;
		return;
	}
	*lo = (size_t)((uint64_t)total * (cfg->shard_k - 1) / cfg->shard_n);
	*hi = (size_t)((uint64_t)total * cfg->shard_k / cfg->shard_n);
}

/* Print the rows and draw the plot; 0, or 1 when something could not be written. */
static int output(const struct config *cfg, const struct row *rows, size_t n)
{
	int status = 0;

	if (cfg->output == OUT_CSV)
		print_csv(stdout, rows, n, cfg->shard_k <= 1);
	else if (cfg->output == OUT_JSON)
		print_json(stdout, rows, n);
	else
		print_table(stdout, rows, n);
	if (cfg->plot && plot_svg(cfg->plot, rows, n) < 0)
		status = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "vmfs-replay: write error on standard output\n");
		status = 1;
	}
	return status;
}

/* ---- whole curves (--mrc) -------------------------------------------------------- */

/* Rows that grow as the curves come: their sizes are known after a pass. */
struct rowbuf {
	struct row *v;
	size_t      n, cap;
};

static int rowbuf_add(struct rowbuf *b, struct row r)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		struct row *v = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return -1;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = r;
	return 0;
}

/*
 * The default sizes of a curve, into @out (MAX_FRAME_COUNTS entries):
 * every size up to MRC_GRID_DENSE, then each 1/32 above the last (about
 * 3 %), then @top (>= 1) itself.  From 64 to 2^64 that is about 1450 sizes.
 */
#define MRC_GRID_DENSE 64

static size_t mrc_grid(uint64_t top, uint64_t *out)
{
	size_t n = 0;

	for (uint64_t c = 1; c < top; c += c < MRC_GRID_DENSE ? 1 : c / 32)
		out[n++] = c;
	out[n++] = top;
	return n;
}

static void mrc_fail(const char *path, const char *what, int err)
{
	fprintf(stderr, "vmfs-replay: %s: %s: %s\n", path, what, strerror(-err));
}

/* lru's stack distances over the whole stream, into *@out.  0 or -1 (reported). */
static int mrc_lru_pass(const char *path, const struct refstream *s, struct mrc *out,
			struct progress *prog)
{
	uint8_t *buf = malloc(STREAM_CHUNK_BYTES);
	uint64_t *refs = malloc(STREAM_CHUNK_REFS * sizeof(*refs));
	struct lru_mrc l;
	uint64_t done = 0;
	char label[96];
	int rc = -ENOMEM;

	if (!buf || !refs || lru_mrc_init(&l) < 0) {
		free(buf);
		free(refs);
		mrc_fail(path, "lru stack distances", rc);
		return -1;
	}
	snprintf(label, sizeof(label), "lru stack distances in %.60s", path);
	progress_begin(prog, label, s->nrefs, "refs");
	rc = 0;
	for (size_t c = 0; c < s->nchunks && rc == 0; c++) {
		int64_t n = stream_read_chunk(s, c, buf, refs);

		if (n < 0)
			rc = (int)n;
		for (int64_t i = 0; i < n && rc == 0; i++)
			rc = lru_mrc_ref(&l, REF_VPN(refs[i]));
		done += n > 0 ? (uint64_t)n : 0;
		progress_set(prog, done);
	}
	progress_end(prog);
	lru_mrc_done(&l);
	free(buf);
	free(refs);
	if (done != s->nrefs || l.curve.refs != s->nrefs) {
		mrc_free(&l.curve);
		if (rc == -EOVERFLOW)
			fprintf(stderr, "vmfs-replay: %s: --mrc: lru's curve takes at most %llu distinct "
				"pages\n", path, LRU_MRC_MAX_PAGES);
		else
			mrc_fail(path, "lru stack distances", rc < 0 ? rc : -EIO);
		return -1;
	}
	*out = l.curve;
	return 0;
}

/* opt's stack distances to depth @depth, into *@out.  0 or -1 (reported). */
static int mrc_opt_pass(const char *path, const struct refstream *s, uint64_t depth,
			struct mrc *out, struct progress *prog)
{
	uint8_t *buf = malloc(STREAM_CHUNK_BYTES);
	uint64_t *refs = malloc(STREAM_CHUNK_REFS * sizeof(*refs));
	uint64_t *next = malloc(STREAM_CHUNK_REFS * sizeof(*next));
	struct future future = { .fd = -1 };
	struct opt_mrc o = { 0 };
	uint64_t index = 0;
	char label[96];
	int rc = -ENOMEM;

	if (!buf || !refs || !next || (rc = opt_mrc_init(&o, depth, s->nrefs)) < 0) {
		if (rc == -EOVERFLOW) {
			fprintf(stderr, "vmfs-replay: %s: --mrc: opt's curve takes at most %llu references, "
				"this trace has %" PRIu64 "\n", path, OPT_MRC_MAX_REFS, s->nrefs);
			free(buf);
			free(refs);
			free(next);
			return -1;
		}
		goto out;
	}
	snprintf(label, sizeof(label), "opt: next uses in %.60s", path);
	progress_begin(prog, label, s->nrefs, "refs");
	rc = future_build(s, &future, future_progress, prog);
	progress_end(prog);
	if (rc < 0)
		goto out;
	snprintf(label, sizeof(label), "opt stack distances in %.60s", path);
	progress_begin(prog, label, s->nrefs, "refs");
	for (size_t c = 0; c < s->nchunks; c++) {
		int64_t n = stream_read_chunk(s, c, buf, refs);

		if (n >= 0)
			n = future_read_chunk(&future, c, index, buf, next);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		for (int64_t i = 0; i < n; i++)
			opt_mrc_ref(&o, index + (uint64_t)i, next[i]);
		index += (uint64_t)n;
		progress_set(prog, index);
	}
	progress_end(prog);
out:
	opt_mrc_done(&o);
	future_free(&future);
	free(buf);
	free(refs);
	free(next);
	if (rc < 0 || o.curve.refs != s->nrefs) {
		mrc_free(&o.curve);
		mrc_fail(path, "opt stack distances", rc < 0 ? rc : -EIO);
		return -1;
	}
	*out = o.curve;
	return 0;
}

/*
 * The curves of the trace at @path, whose first unit (one policy's curve)
 * is number @unit0 of the sweep: the rows of the units in [lo, hi), at the
 * -n sizes or else the default grid up to lru's largest distance (or
 * --mrc-max), appended to @out.  0 or -1 (reported).
 */
static int mrc_trace(const struct config *cfg, const char *path, size_t unit0, size_t lo,
		     size_t hi, struct rowbuf *out, struct progress *prog)
{
	uint64_t grid[MAX_FRAME_COUNTS], top = 1, depth = 1;
	const uint64_t *sizes = cfg->frames;
	size_t nsizes = cfg->nframes;
	struct mrc lru = { 0 }, opt = { 0 };
	struct refstream s = { .fd = -1 };
	struct trace_info info;
	bool want_lru = false, want_opt = false;
	int rc = -1;

	for (size_t p = 0; p < cfg->npolicies; p++)
		if (unit0 + p >= lo && unit0 + p < hi)
			*(strcmp(cfg->policy[p], "opt") ? &want_lru : &want_opt) = true;
	if (load_trace(cfg, path, &s, &info, prog) < 0)
		goto out;
	if ((want_lru || !nsizes) && mrc_lru_pass(path, &s, &lru, prog) < 0)
		goto out;
	if (!nsizes) {
		top = lru.maxd ? lru.maxd : 1;
		if (cfg->mrc_max && top > cfg->mrc_max)
			top = cfg->mrc_max;
		nsizes = mrc_grid(top, grid);
		sizes = grid;
	}
	for (size_t k = 0; k < nsizes; k++)
		if (sizes[k] > depth)
			depth = sizes[k];
	if (depth > info.pages)     /* the stack never holds more */
		depth = info.pages ? info.pages : 1;
	if (want_opt && mrc_opt_pass(path, &s, depth, &opt, prog) < 0)
		goto out;
	for (size_t p = 0; p < cfg->npolicies; p++) {
		const struct mrc *curve = strcmp(cfg->policy[p], "opt") ? &lru : &opt;

		if (unit0 + p < lo || unit0 + p >= hi)
			continue;
		for (size_t k = 0; k < nsizes; k++) {
			struct row r = { .trace = path, .policy = cfg->policy[p], .frames = sizes[k],
					 .refs = curve->refs, .faults = mrc_misses(curve, sizes[k]),
					 .ok = sizes[k] <= mrc_limit(curve), .faults_only = true };

			if (rowbuf_add(out, r) < 0) {
				fprintf(stderr, "vmfs-replay: out of memory\n");
				goto out;
			}
		}
	}
	rc = 0;
out:
	mrc_free(&lru);
	mrc_free(&opt);
	stream_free(&s);
	return rc;
}

/* --mrc: the curves of every trace (of this part of the sweep), printed.  The exit status. */
static int mrc_main(const struct config *cfg, char **traces, size_t ntraces, struct progress *prog)
{
	struct rowbuf rows = { 0 };
	size_t lo, hi, np = cfg->npolicies;
	int status = 0;

	shard_range(cfg, ntraces * np, &lo, &hi);
	for (size_t t = 0; t < ntraces; t++)
		if (t * np + np > lo && t * np < hi && mrc_trace(cfg, traces[t], t * np, lo, hi, &rows, prog) < 0)
			status = 1;
	if (output(cfg, rows.v, rows.n))
		status = 1;
	free(rows.v);
	return status;
}

/* ---- the benchmark ----------------------------------------------------------------- */

/*
 * The minimal LRU simulator the machine is measured against: a hash map
 * from page to node and a doubly linked list of nodes in order of last
 * use, nothing else.  Returns the faults.
 */
static uint64_t lru_sim(const uint64_t *refs, uint64_t n, uint32_t frames)
{
	struct node { uint32_t prev, next; uint64_t vpn; } *node;
	struct u64map map;
	uint32_t used = 0, head = frames;     /* node @frames is the sentinel */
	uint64_t faults = 0;

	node = malloc(((size_t)frames + 1) * sizeof(*node));
	if (!node || map_init(&map, 2 * (uint64_t)frames) < 0) {
		free(node);
		return UINT64_MAX;
	}
	node[head].prev = node[head].next = head;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t vpn = REF_VPN(refs[i]), *slot = map_get(&map, vpn);
		uint32_t x;

		if (slot) {
			x = (uint32_t)*slot;
			if (node[head].prev == x)
				continue;                    /* already the most recent */
			node[node[x].prev].next = node[x].next;
			node[node[x].next].prev = node[x].prev;
		} else {
			faults++;
			if (used < frames) {
				x = used++;
			} else {                             /* evict the least recent */
				x = node[head].next;
				node[head].next = node[x].next;
				node[node[x].next].prev = head;
				map_del(&map, node[x].vpn);
			}
			node[x].vpn = vpn;
			map_put(&map, vpn, x, NULL);
		}
		node[x].prev = node[head].prev;      /* to the tail: most recent */
		node[x].next = head;
		node[node[head].prev].next = x;
		node[head].prev = x;
	}
	map_free(&map);
	free(node);
	return faults;
}

/*
 * The minimal ARC simulator: Megiddo & Modha's pseudo-code (FAST'03,
 * Fig. 4) over a hash map from page to node and four lists (T1, T2 of
 * resident pages, B1, B2 of ghosts; LRU at the head), with the real-valued
 * target p of policy_arc.c and tests/replay/refsim.py.  Nothing else.
 * Returns the faults.
 */
enum { ARC_T1, ARC_T2, ARC_B1, ARC_B2 };

struct arc_sim {
	struct anode { uint32_t prev, next; uint64_t vpn; uint8_t list; } *node;
	uint32_t     size[4];
	uint32_t     head;      /* sentinels head .. head+3, one per list */
	struct u64map map;
};

static void arc_unlink(struct arc_sim *a, uint32_t x)
{
	a->node[a->node[x].prev].next = a->node[x].next;
	a->node[a->node[x].next].prev = a->node[x].prev;
	a->size[a->node[x].list]--;
}

static void arc_push_mru(struct arc_sim *a, int list, uint32_t x)
{
	uint32_t h = a->head + (uint32_t)list;

	a->node[x].list = (uint8_t)list;
	a->node[x].prev = a->node[h].prev;
	a->node[x].next = h;
	a->node[a->node[h].prev].next = x;
	a->node[h].prev = x;
	a->size[list]++;
}

static uint32_t arc_lru(const struct arc_sim *a, int list)
{
	return a->node[a->head + (uint32_t)list].next;
}

/* REPLACE(x, p): the LRU page of T1 or of T2 becomes a ghost. */
static void arc_replace(struct arc_sim *a, bool in_b2, double p)
{
	double t1 = a->size[ARC_T1];
	uint32_t v;

	if (t1 >= 1 && ((in_b2 && t1 == p) || t1 > p)) {
		v = arc_lru(a, ARC_T1);
		arc_unlink(a, v);
		arc_push_mru(a, ARC_B1, v);
	} else {
		v = arc_lru(a, ARC_T2);
		arc_unlink(a, v);
		arc_push_mru(a, ARC_B2, v);
	}
}

static uint64_t arc_sim(const uint64_t *refs, uint64_t n, uint32_t c)
{
	struct arc_sim a = { .head = 2 * c };
	uint32_t used = 0, nfree = 0, *freed;
	uint64_t faults = 0;
	double p = 0;

	a.node = malloc(((size_t)2 * c + 4) * sizeof(*a.node));
	freed = malloc((size_t)2 * c * sizeof(*freed));
	if (!a.node || !freed || map_init(&a.map, 4 * (uint64_t)c) < 0) {
		free(a.node);
		free(freed);
		return UINT64_MAX;
	}
	for (uint32_t l = 0; l < 4; l++)
		a.node[a.head + l].prev = a.node[a.head + l].next = a.head + l;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t vpn = REF_VPN(refs[i]), *slot = map_get(&a.map, vpn);
		uint32_t x, total = a.size[0] + a.size[1] + a.size[2] + a.size[3];

		if (slot) {
			x = (uint32_t)*slot;
			if (a.node[x].list == ARC_T1 || a.node[x].list == ARC_T2) {   /* Case I */
				arc_unlink(&a, x);
				arc_push_mru(&a, ARC_T2, x);
				continue;
			}
			faults++;
			if (a.node[x].list == ARC_B1) {                             /* Case II */
				double d = a.size[ARC_B2] > a.size[ARC_B1]
					   ? (double)a.size[ARC_B2] / a.size[ARC_B1] : 1;
				p = p + d < c ? p + d : c;
				arc_replace(&a, false, p);
			} else {                                                    /* Case III */
				double d = a.size[ARC_B1] > a.size[ARC_B2]
					   ? (double)a.size[ARC_B1] / a.size[ARC_B2] : 1;
				p = p - d > 0 ? p - d : 0;
				arc_replace(&a, true, p);
			}
			arc_unlink(&a, x);
			arc_push_mru(&a, ARC_T2, x);
			continue;
		}
		faults++;                                                           /* Case IV */
		if (a.size[ARC_T1] + a.size[ARC_B1] == c) {
			int drop = a.size[ARC_T1] < c ? ARC_B1 : ARC_T1;

			x = arc_lru(&a, drop);
			arc_unlink(&a, x);
			map_del(&a.map, a.node[x].vpn);
			freed[nfree++] = x;
			if (drop == ARC_B1)
				arc_replace(&a, false, p);
		} else if (total >= c) {
			if (total == 2 * c) {
				x = arc_lru(&a, ARC_B2);
				arc_unlink(&a, x);
				map_del(&a.map, a.node[x].vpn);
				freed[nfree++] = x;
			}
			arc_replace(&a, false, p);
		}
		x = nfree ? freed[--nfree] : used++;
		a.node[x].vpn = vpn;
		if (!map_put(&a.map, vpn, x, NULL)) {
			faults = UINT64_MAX;
			break;
		}
		arc_push_mru(&a, ARC_T1, x);
	}
	map_free(&a.map);
	free(a.node);
	free(freed);
	return faults;
}

/* The host memory resident in this process now, in bytes (0 if it cannot be told). */
static uint64_t resident_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Wall and CPU time of the calling thread, to subtract. */
struct stopwatch {
	double wall, cpu;
};

static struct stopwatch stopwatch_now(void)
{
	return (struct stopwatch){ now(), clock_s(CLOCK_THREAD_CPUTIME_ID) };
}

/* Keep the smaller times of @best and of the lap since @start. */
static void stopwatch_best(struct stopwatch *best, struct stopwatch start)
{
	struct stopwatch t = stopwatch_now();

	if (t.wall - start.wall < best->wall)
		best->wall = t.wall - start.wall;
	if (t.cpu - start.cpu < best->cpu)
		best->cpu = t.cpu - start.cpu;
}

/*
 * One pair of the benchmark: @policy at @frames through the machine and
 * through its simulator over @all, each side's best of BENCH_ROUNDS rounds,
 * by CPU time of the thread (the figure: it does not count time the host
 * gave to other processes) and by wall-clock time; then the tool's own path.
 * The machine's host memory is what its first round left resident (read
 * before it is closed) over what was resident before it opened.  Prints
 * the pair's block; *@ratio gets the rate ratio, *@per_frame the bytes.
 * 0, or -1 if a run failed or the two sides disagree on the faults.
 */
static int bench_pair(const struct config *cfg, const char *path, const char *policy,
		      uint64_t frames, struct refstream *s, const struct trace_info *info,
		      const uint64_t *all, uint8_t *buf, uint64_t *chunk, uint64_t *next, double parse_cpu,
		      double parse_wall, double *ratio, double *per_frame, double *target)
{
	bool arc = !strcmp(policy, "arc");
	struct row r = { .trace = path, .policy = policy, .frames = frames };
	struct job j = { .cfg = cfg, .trace = path, .rows = &r, .nrows = 1, .s = s };
	struct stopwatch start, sim = { 1e30, 1e30 }, vm = { 1e30, 1e30 }, tool = { 1e30, 1e30 };
	uint64_t sim_faults = 0, vm_faults = 0, rss = 0;
	double n = (double)s->nrefs;

	for (int round = 0; round < BENCH_ROUNDS; round++) {
		uint64_t before;
		vmfs *m;
		int pid;

		start = stopwatch_now();
		sim_faults = arc ? arc_sim(all, s->nrefs, (uint32_t)frames)
				 : lru_sim(all, s->nrefs, (uint32_t)frames);
		stopwatch_best(&sim, start);
		if (sim_faults == UINT64_MAX) {
			fprintf(stderr, "vmfs-replay: --bench: no memory for the simulator\n");
			return -1;
		}

		before = resident_bytes();
		if (machine_open(&j, &r, NULL, &m, &pid) < 0)
			return -1;
		start = stopwatch_now();
		if (replay_refs(&j, &r, m, pid, all, s->nrefs, 0) < 0) {
			vmfs_close(m);
			return -1;
		}
		stopwatch_best(&vm, start);
		if (round == 0) {
			uint64_t after = resident_bytes();

			rss = after > before ? after - before : 0;
		}
		if (machine_row(&j, m, pid, &r) < 0) {
			vmfs_close(m);
			return -1;
		}
		vm_faults = r.faults;
		vmfs_close(m);
	}
	/* The tool's own path: the stream decoded from its file as it goes. */
	for (int round = 0; round < BENCH_ROUNDS; round++) {
		start = stopwatch_now();
		if (run_one(&j, &r, buf, chunk, next) < 0)
			return -1;
		stopwatch_best(&tool, start);
	}
	*ratio = sim.cpu / vm.cpu;
	*per_frame = (double)rss / (double)frames;
	/* Miss-heavy (faults above a tenth of the references) or hit-heavy. */
	*target = sim_faults * 10 > s->nrefs ? BENCH_TARGET_MISS : BENCH_TARGET;
	printf("bench: %s: %" PRIu64 " references to %" PRIu64 " pages, %s at %" PRIu64
	       " frames, best of %d rounds\n", path, s->nrefs, info->pages, policy, frames, BENCH_ROUNDS);
	printf("  %-36s %14s %14s\n", "", "refs/s (cpu)", "refs/s (wall)");
	printf("  %-36s %14.0f %14.0f  %.1f MB/s of trace\n", "parse the trace",
	       n / parse_cpu, n / parse_wall, (double)info->bytes / parse_wall / 1e6);
	printf("  %-36s %14.0f %14.0f  %" PRIu64 " faults\n",
	       arc ? "minimal ARC simulator (map + lists)" : "minimal LRU simulator (map + list)",
	       n / sim.cpu, n / sim.wall, sim_faults);
	printf("  %-36s %14.0f %14.0f  %" PRIu64 " faults, %" PRIu64 " swapouts, %" PRIu64
	       " swapins\n", "vmfs machine (vmfs_accessv)", n / vm.cpu, n / vm.wall, vm_faults,
	       r.swapouts, r.swapins);
	printf("  %-36s %14.0f %14.0f  with opening the machine\n",
	       "vmfs-replay run (stream + machine)", n / tool.cpu, n / tool.wall);
	printf("  ratio machine/simulator %.3f by cpu, %.3f by wall (target >= %.2f, %s): %s\n",
	       *ratio, sim.wall / vm.wall, *target,
	       *target == BENCH_TARGET ? "hit-heavy" : "miss-heavy: faults above 10% of references",
	       *ratio >= *target ? "ok" : "MISSED");
	if (frames >= BENCH_LARGE)
		printf("  host memory of the machine: %.1f MiB resident, %.1f bytes per frame "
		       "(ceiling %d): %s\n", (double)rss / 1048576.0, *per_frame,
		       BENCH_BYTES_PER_FRAME, *per_frame <= BENCH_BYTES_PER_FRAME ? "ok" : "OVER");
	else
		printf("  host memory of the machine: %.1f MiB resident, %.1f bytes per frame "
		       "(the kernel image and the trace's page tables weigh; the ceiling of %d "
		       "is for %d frames or more)\n", (double)rss / 1048576.0, *per_frame,
		       BENCH_BYTES_PER_FRAME, BENCH_LARGE);
	if (sim_faults != vm_faults) {
		printf("  MISMATCH: the machine and the simulator disagree on the faults\n");
		return -1;
	}
	return 0;
}

/*
 * The benchmark: the trace parsed once and read into memory, then one
 * bench_pair for every policy of -p that has a simulator (lru, arc; lru
 * alone without -p) at every size of -n (BENCH_FRAMES without), and with
 * more than one pair a summary.  Exit 0 whether or not the targets are met;
 * 1 if a run failed or a pair disagreed on the faults.
 */
static int bench(const struct config *cfg, const char *path, struct progress *prog)
{
	static const uint64_t default_frames[] = { BENCH_FRAMES };
	const uint64_t *frames = cfg->nframes ? cfg->frames : default_frames;
	size_t nframes = cfg->nframes ? cfg->nframes : 1;
	const char *policies[MAX_POLICIES];
	size_t npol = 0, npairs = 0;
	struct stopwatch start, parse = { 1e30, 1e30 };
	uint64_t *all = NULL;
	uint8_t *buf = malloc(STREAM_CHUNK_BYTES);
	uint64_t *next = malloc(STREAM_CHUNK_REFS * sizeof(*next));
	uint64_t *chunk = malloc(STREAM_CHUNK_REFS * sizeof(*chunk));
	struct trace_info info;
	struct refstream s = { .fd = -1 };
	struct { const char *policy; uint64_t frames; double ratio, per_frame, target; } *sum = NULL;
	int rc = 1;

	/*
	 * Every large block from mmap, and back to the host when freed: else
	 * glibc raises its threshold after the first free, the simulators'
	 * freed maps stay resident in the heap, and a machine reusing them
	 * would look smaller than it is.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	if (!cfg->policies_given) {
		policies[npol++] = "lru";
	} else {
		for (size_t p = 0; p < cfg->npolicies; p++) {
			if (strcmp(cfg->policy[p], "lru") && strcmp(cfg->policy[p], "arc")) {
				fprintf(stderr, "vmfs-replay: --bench: no simulator for %s (lru, arc)\n",
					cfg->policy[p]);
				free(buf);
				free(next);
				free(chunk);
				return 2;
			}
			policies[npol++] = cfg->policy[p];
		}
	}
	sum = calloc(npol * nframes, sizeof(*sum));
	if (!buf || !next || !chunk || !sum)
		goto out;
	start = stopwatch_now();
	if (load_trace(cfg, path, &s, &info, prog) < 0)
		goto out;
	stopwatch_best(&parse, start);
	if (!s.nrefs) {
		fprintf(stderr, "vmfs-replay: --bench: the trace has no references\n");
		goto out;
	}
	/* Both sides read the same references from memory. */
	all = malloc(s.nrefs * sizeof(*all));
	if (!all) {
		fprintf(stderr, "vmfs-replay: --bench: no memory for %" PRIu64 " references\n", s.nrefs);
		goto out;
	}
	for (size_t c = 0, at = 0; c < s.nchunks; c++) {
		int64_t got = stream_read_chunk(&s, c, buf, all + at);

		if (got < 0) {
			fprintf(stderr, "vmfs-replay: reading the parsed trace: %s\n", strerror((int)-got));
			goto out;
		}
		at += (size_t)got;
	}
	for (size_t p = 0; p < npol; p++)
		for (size_t k = 0; k < nframes; k++, npairs++) {
			sum[npairs].policy = policies[p];
			sum[npairs].frames = frames[k];
			if (bench_pair(cfg, path, policies[p], frames[k], &s, &info, all, buf, chunk, next,
				       parse.cpu, parse.wall, &sum[npairs].ratio, &sum[npairs].per_frame,
				       &sum[npairs].target) < 0)
				goto out;
		}
	if (npairs > 1) {
		printf("summary: %s\n  %-8s %10s %8s %8s %8s %14s\n", path, "policy", "frames", "ratio",
		       "target", "", "bytes/frame");
		for (size_t i = 0; i < npairs; i++)
			printf("  %-8s %10" PRIu64 " %8.3f %8.2f %8s %14.1f%s\n", sum[i].policy, sum[i].frames,
			       sum[i].ratio, sum[i].target, sum[i].ratio >= sum[i].target ? "ok" : "MISSED",
			       sum[i].per_frame, sum[i].frames < BENCH_LARGE ? "" :
			       sum[i].per_frame <= BENCH_BYTES_PER_FRAME ? " ok" : " OVER");
	}
	rc = 0;
out:
	stream_free(&s);
	free(all);
	free(buf);
	free(next);
	free(chunk);
	free(sum);
	return rc;
}

/* ---- the command line ------------------------------------------------------------- */

/* The policies' names from all_policies, "fifo, lru, ..., opt", into @buf. */
static const char *known_policies(char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < NPOLICIES && off < size; k++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", k ? ", " : "", all_policies[k]);
	return buf;
}

static void usage(FILE *f)
{
	char known[256];

	fprintf(f,
		"usage: vmfs-replay [OPTIONS] TRACE...\n"
		"Replay memory traces (files, or - for standard input) through a vmfs machine,\n"
		"once per policy and frame count, and print one row per run:\n"
		"  trace,policy,frames,refs,faults,major,minor,swapouts,swapins,hit_ratio\n"
		"\n"
		"  -o, --options OPTS     machine options for vmfs_open (levels=, tlb=, swap=,\n"
		"                         swap_size=, kernel=); not frames=, mem= or policy=\n"
		"  -f, --format F         lackey, memsim, refs, din, pin, arc, lirs or\n"
		"                         oraclegeneral (default: detected); gzip, zstd and\n"
		"                         xz compression is always detected\n"
		"      --block SIZE       the block formats' blocks are SIZE bytes (default:\n"
		"                         a page): block b is bytes [b*SIZE, (b+1)*SIZE-1]\n"
		"  -p, --policy P,...     %s or all\n"
		"                         (default: " DEFAULT_POLICIES ");\n"
		"                         NAME:KEY=VALUE:... for parameters\n"
		"  -n, --frames N,...     frame counts; A-B or A-B:STEP for ranges\n"
		"                         (default: " DEFAULT_FRAMES ")\n"
		"      --csv              CSV instead of a table\n"
		"      --json             JSON instead of a table\n"
		"      --plot FILE.svg    draw faults against frames, one line per policy\n"
		"      --lenient          skip malformed records (counted) instead of stopping\n"
		"  -j, --jobs N           runs in parallel (default: the number of CPUs)\n"
		"      --no-progress      never draw the progress bar\n"
		"  -v, --verbose          say what each trace holds\n"
		"      --bench            time the machine against a minimal simulator of the\n"
		"                         same policy (-p lru and/or arc; lru without -p) at\n"
		"                         each --frames size (64 without) on one trace, and\n"
		"                         its host memory per frame\n"
		"      --mrc              lru's and opt's misses at every size in one pass (no\n"
		"                         machine): at the --frames sizes, else a default grid\n"
		"      --mrc-max N        --mrc without --frames: the grid and opt stop at N\n"
		"      --shard K/N        run part K of N of the sweep (with --csv): the parts'\n"
		"                         outputs concatenated in order are the whole\n"
		"  -h, --help             this help\n"
		"  -V, --version          the version\n"
		"See vmfs-replay(1).\n", known_policies(known, sizeof(known)));
}

static int bad_usage(const char *fmt, const char *arg)
{
	fputs("vmfs-replay: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'vmfs-replay --help'.\n", stderr);
	return 2;
}

/* A positive decimal number ending at *end; 0 or -1. */
static int parse_count(const char *s, char **end, uint64_t *out)
{
	unsigned long long v;

	if ((unsigned)(*s - '0') >= 10u)
		return -1;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno || v == 0)
		return -1;
	*out = v;
	return 0;
}

static int add_frames(struct config *cfg, uint64_t v)
{
	for (size_t i = 0; i < cfg->nframes; i++)
		if (cfg->frames[i] == v)
			return 0;
	if (cfg->nframes == MAX_FRAME_COUNTS)
		return -1;
	cfg->frames[cfg->nframes++] = v;
	return 0;
}

/* "8,16,32", "1-20", "16-256:16".  0 or 2 (reported). */
static int parse_frames(struct config *cfg, const char *arg)
{
	const char *p = arg;

	cfg->nframes = 0;
	for (;;) {
		uint64_t a, b, step = 1;
		char *end;

		if (parse_count(p, &end, &a) < 0)
			return bad_usage("--frames: '%s': expected positive numbers (N, A-B or A-B:STEP)", arg);
		b = a;
		if (*end == '-' && (parse_count(end + 1, &end, &b) < 0 || b < a))
			return bad_usage("--frames: '%s': a range A-B needs 0 < A <= B", arg);
		if (*end == ':' && (parse_count(end + 1, &end, &step) < 0))
			return bad_usage("--frames: '%s': a STEP is a positive number", arg);
		for (uint64_t v = a; v <= b; v += step) {
			if (add_frames(cfg, v) < 0)
				return bad_usage("--frames: '%s': more than 4096 frame counts", arg);
			if (b - v < step)
				break;
		}
		if (!*end)
			return 0;
		if (*end != ',')
			return bad_usage("--frames: '%s': frame counts are separated by commas", arg);
		p = end + 1;
	}
}

/* Add @name to the runs' policies unless it is there already.  0 or -1 (full). */
static int add_policy(struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->npolicies; i++)
		if (!strcmp(cfg->policy[i], name))
			return 0;
	if (cfg->npolicies == MAX_POLICIES)
		return -1;
	cfg->policy[cfg->npolicies++] = name;
	return 0;
}

/*
 * --policy: names, "all", and NAME:KEY=VALUE:... with the policy's
 * parameters (kept as given, for the machine's policy= option).
 */
static int parse_policies(struct config *cfg, const char *arg)
{
	static char named[MAX_POLICIES][64];
	static size_t nnamed;
	char *copy = strdup(arg), *item, *save = NULL;

	cfg->npolicies = 0;
	if (!copy)
		return 2;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		size_t k, len = strcspn(item, ":");
		const char *name;

		if (!strcmp(item, "all")) {
			for (k = 0; k < NPOLICIES; k++)
				add_policy(cfg, all_policies[k]);
			continue;
		}
		for (k = 0; k < NPOLICIES && (strlen(all_policies[k]) != len ||
					      strncmp(item, all_policies[k], len)); k++)
			;
		if (k == NPOLICIES) {
			char fmt[320], known[256];

			snprintf(fmt, sizeof(fmt), "--policy: unknown policy '%%s' (known: %s, all)",
				 known_policies(known, sizeof(known)));
			bad_usage(fmt, item);
			free(copy);
			return 2;
		}
		if (item[len] && !strcmp(all_policies[k], "opt")) {
			bad_usage("--policy: '%s': opt has no parameters", item);
			free(copy);
			return 2;
		}
		/* A name with parameters lives as long as the program, in @named. */
		name = all_policies[k];
		if (item[len]) {
			if (strlen(item) >= sizeof(named[0])) {
				bad_usage("--policy: '%s': too long", item);
				free(copy);
				return 2;
			}
			for (k = 0; k < nnamed && strcmp(named[k], item); k++)
				;
			if (k == nnamed && nnamed < MAX_POLICIES)
				strcpy(named[nnamed++], item);
			name = k < MAX_POLICIES ? named[k] : NULL;
		}
		if (!name || add_policy(cfg, name) < 0) {
			bad_usage("--policy: '%s': at most 32 policies", item);
			free(copy);
			return 2;
		}
	}
	free(copy);
	if (!cfg->npolicies)
		return bad_usage("--policy: '%s' names no policy", arg);
	return 0;
}

/*
 * Check -o: the tool sets frames= and policy= itself, per run.  swap=PATH
 * would have every machine share one file, so it makes the runs go one at
 * a time (the store empties the file when each machine opens it).
 */
static int check_mopts(struct config *cfg)
{
	char *copy, *item, *save = NULL;
	int rc = 0;

	copy = strdup(cfg->mopts ? cfg->mopts : "");
	if (!copy)
		return 2;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		size_t klen = strcspn(item, "=");

		if ((klen == 6 && !strncmp(item, "frames", 6)) || (klen == 3 && !strncmp(item, "mem", 3))) {
			rc = bad_usage("-o %s: memory sizes come from --frames", item);
			break;
		}
		if (klen == 6 && !strncmp(item, "policy", 6)) {
			rc = bad_usage("-o %s: policies come from --policy", item);
			break;
		}
		if (klen == 4 && !strncmp(item, "swap", 4) && strcmp(item + 4, "=none"))
			cfg->jobs = 1;
	}
	free(copy);
	if (rc)
		return rc;
	/* A machine with these options says where its user half ends. */
	{
		char opts[4096];
		struct vmfs_stat st;
		vmfs *m;

		snprintf(opts, sizeof(opts), "frames=1,%s", cfg->mopts ? cfg->mopts : "");
		if (vmfs_open(&m, opts) < 0) {
			fprintf(stderr, "vmfs-replay: %s%s: %s\n", cfg->mopts ? "-o " : "",
				cfg->mopts ? cfg->mopts : "cannot open a machine", vmfs_errmsg());
			return cfg->mopts ? 2 : 1;
		}
		vmfs_stat(m, &st);
		cfg->user_top = st.user_top;
		vmfs_close(m);
	}
	return 0;
}

/* --shard K/N: 1 <= K <= N <= SHARD_MAX.  0 or 2 (reported). */
#define SHARD_MAX 1000000

static int parse_shard(struct config *cfg, const char *arg)
{
	uint64_t k, n;
	char *end;

	if (parse_count(arg, &end, &k) < 0 || *end != '/' || parse_count(end + 1, &end, &n) < 0 ||
	    *end || k > n || n > SHARD_MAX)
		return bad_usage("--shard: '%s': expected K/N with 1 <= K <= N <= 1000000", arg);
	cfg->shard_k = k;
	cfg->shard_n = n;
	return 0;
}

/*
 * The options that go together, and those that do not: --mrc computes lru
 * and opt only (both by default), without --bench; --mrc-max is for --mrc
 * without --frames; --shard cuts a CSV sweep.  0 or 2 (reported).
 */
static int check_modes(struct config *cfg, bool frames_given)
{
	if (cfg->mrc_max && !cfg->mrc)
		return bad_usage("%s", "--mrc-max: only with --mrc");
	if (cfg->mrc_max && frames_given)
		return bad_usage("%s", "--mrc-max and --frames: --frames already gives the sizes");
	if (cfg->shard_n && cfg->output != OUT_CSV)
		return bad_usage("%s", "--shard: the parts concatenate as CSV only: add --csv");
	if (cfg->shard_n && cfg->plot)
		return bad_usage("%s", "--shard and --plot: a part cannot draw the whole sweep");
	if (cfg->shard_n && cfg->bench)
		return bad_usage("%s", "--shard and --bench: --bench is one run");
	if (!cfg->mrc)
		return 0;
	if (cfg->bench)
		return bad_usage("%s", "--mrc and --bench: choose one");
	if (!cfg->policies_given)
		return parse_policies(cfg, "lru,opt");
	for (size_t p = 0; p < cfg->npolicies; p++)
		if (strcmp(cfg->policy[p], "lru") && strcmp(cfg->policy[p], "opt"))
			return bad_usage("--mrc: the curves are lru's and opt's, not '%s'", cfg->policy[p]);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_CSV = 256, OPT_JSON, OPT_PLOT, OPT_LENIENT, OPT_NOPROGRESS, OPT_BENCH, OPT_BLOCK,
	       OPT_MRC, OPT_MRC_MAX, OPT_SHARD };
	static const struct option longopts[] = {
		{ "options",     required_argument, NULL, 'o' },
		{ "format",      required_argument, NULL, 'f' },
		{ "block",       required_argument, NULL, OPT_BLOCK },
		{ "policy",      required_argument, NULL, 'p' },
		{ "frames",      required_argument, NULL, 'n' },
		{ "csv",         no_argument,       NULL, OPT_CSV },
		{ "json",        no_argument,       NULL, OPT_JSON },
		{ "plot",        required_argument, NULL, OPT_PLOT },
		{ "lenient",     no_argument,       NULL, OPT_LENIENT },
		{ "jobs",        required_argument, NULL, 'j' },
		{ "no-progress", no_argument,       NULL, OPT_NOPROGRESS },
		{ "verbose",     no_argument,       NULL, 'v' },
		{ "bench",       no_argument,       NULL, OPT_BENCH },
		{ "mrc",         no_argument,       NULL, OPT_MRC },
		{ "mrc-max",     required_argument, NULL, OPT_MRC_MAX },
		{ "shard",       required_argument, NULL, OPT_SHARD },
		{ "help",        no_argument,       NULL, 'h' },
		{ "version",     no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static uint64_t frames[MAX_FRAME_COUNTS];
	struct config cfg = { .frames = frames, .progress = true };
	struct progress prog = { 0 };
	bool frames_given = false, csv = false, json = false;
	struct row *rows;
	size_t nrows, lo, hi;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c, rc, status = 0;

	cfg.jobs = ncpu > 0 ? (unsigned)ncpu : 1;
	if ((rc = parse_policies(&cfg, DEFAULT_POLICIES)) != 0)
		return rc;
	while ((c = getopt_long(argc, argv, "o:f:p:n:j:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			cfg.mopts = optarg;
			break;
		case 'f': {
			int f = trace_format_parse(optarg);

			if (f < 0)
				return bad_usage("--format: unknown format '%s' (lackey, memsim, refs, din, "
						 "pin, arc, lirs, oraclegeneral)", optarg);
			cfg.format = (enum trace_format)f;
			break;
		}
		case OPT_BLOCK: {
			uint64_t v;
			char *end;

			if (parse_count(optarg, &end, &v) < 0 || *end || v == 0 || v > (1ull << 30))
				return bad_usage("--block: '%s': expected a size in bytes, 1 to 2^30", optarg);
			cfg.block_size = v;
			break;
		}
		case 'p':
			if ((rc = parse_policies(&cfg, optarg)) != 0)
				return rc;
			cfg.policies_given = true;
			break;
		case 'n':
			if ((rc = parse_frames(&cfg, optarg)) != 0)
				return rc;
			frames_given = true;
			break;
		case OPT_CSV:
			csv = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_PLOT:
			cfg.plot = optarg;
			break;
		case OPT_LENIENT:
			cfg.lenient = true;
			break;
		case 'j': {
			uint64_t v;
			char *end;

			if (parse_count(optarg, &end, &v) < 0 || *end || v > 1024)
				return bad_usage("--jobs: '%s': expected 1 to 1024", optarg);
			cfg.jobs = (unsigned)v;
			break;
		}
		case OPT_NOPROGRESS:
			cfg.progress = false;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case OPT_BENCH:
			cfg.bench = true;
			break;
		case OPT_MRC:
			cfg.mrc = true;
			break;
		case OPT_MRC_MAX: {
			char *end;

			if (parse_count(optarg, &end, &cfg.mrc_max) < 0 || *end)
				return bad_usage("--mrc-max: '%s': expected a positive number of frames", optarg);
			break;
		}
		case OPT_SHARD:
			if ((rc = parse_shard(&cfg, optarg)) != 0)
				return rc;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vmfs-replay (libvmfs %d.%d)\n", VMFS_VERSION_MAJOR, VMFS_VERSION_MINOR);
			return 0;
		default:
			fputs("Try 'vmfs-replay --help'.\n", stderr);
			return 2;
		}
	}
	if (csv && json)
		return bad_usage("%s", "--csv and --json: choose one");
	cfg.output = csv ? OUT_CSV : json ? OUT_JSON : OUT_TABLE;
	if (optind == argc)
		return bad_usage("%s", "no trace given (a file, or - for standard input)");
	for (int i = optind, stdin_seen = 0; i < argc; i++)
		if (!strcmp(argv[i], "-") && stdin_seen++)
			return bad_usage("%s", "standard input (-) can be read only once");
	if (cfg.bench && argc - optind != 1)
		return bad_usage("%s", "--bench takes exactly one trace");
	if ((rc = check_modes(&cfg, frames_given)) != 0)
		return rc;
	if (!frames_given && !cfg.bench && !cfg.mrc && (rc = parse_frames(&cfg, DEFAULT_FRAMES)) != 0)
		return rc;
	if ((rc = check_mopts(&cfg)) != 0)
		return rc;
	prog.enabled = cfg.progress && isatty(2);

	if (cfg.bench)
		return bench(&cfg, argv[optind], &prog);
	if (cfg.mrc)
		return mrc_main(&cfg, argv + optind, (size_t)(argc - optind), &prog);

	nrows = (size_t)(argc - optind) * cfg.npolicies * cfg.nframes;
	shard_range(&cfg, nrows, &lo, &hi);
	rows = calloc(nrows, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "vmfs-replay: out of memory\n");
		return 1;
	}
	for (int t = optind; t < argc; t++) {
		struct row *r = rows + (size_t)(t - optind) * cfg.npolicies * cfg.nframes;

		size_t first = (size_t)(r - rows), from, to;

		for (size_t p = 0; p < cfg.npolicies; p++)
			for (size_t k = 0; k < cfg.nframes; k++)
				*r++ = (struct row){ .trace = argv[t], .policy = cfg.policy[p],
						     .frames = cfg.frames[k] };
		/* Only this part's runs (all of them without --shard). */
		from = first > lo ? first : lo;
		to = (size_t)(r - rows) < hi ? (size_t)(r - rows) : hi;
		if (from < to && replay_trace(&cfg, argv[t], rows + from, to - from, &prog) < 0)
			status = 1;
	}
	if (output(&cfg, rows + lo, hi - lo))
		status = 1;
	free(rows);
	return status;
}

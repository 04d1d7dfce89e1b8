/*
 * vmfs-bench - how fast is the simulated machine next to the real one?
 *
 * Each figure times one thing done through libvmfs and the same thing done
 * natively by the host (its "ceiling"), in the same run, and prints
 *
 *     figure | vmfs | ceiling | ratio | target
 *
 * where ratio is vmfs's rate over the ceiling's rate (for times: the
 * ceiling's time over vmfs's time), so 1.0 means "as fast as the host" and
 * higher is better.  A figure below its target is marked MISSED; the run
 * still exits 0, since a benchmark reports and does not judge.  It exits 1
 * only when a figure or a scale table could not be measured (an engine
 * error, vmfs returned other bytes than were written, an ERROR record in
 * --rows), 2 for a bad command line or --rows file.
 *
 * Ground rules, the same for every figure:
 *   - Both sides do the same work on the same bytes: the same sizes, the same
 *     random address sequence, the same source buffer.
 *   - Host ceilings use 4 KiB pages (MADV_NOHUGEPAGE) where vmfs uses
 *     4 KiB pages; a transparent huge page would make the host skip
 *     the very page-table work vmfs is measured on.  The thp_* figures
 *     (bench_huge.c, issue 17) use huge pages on both sides.
 *   - Setup (opening a machine, filling memory, waitpid, vmfs_exit of a
 *     forked child) is outside the timed region.  Each figure runs several
 *     rounds and keeps the best (fastest) one.
 *   - The two sides never overlap in memory: a figure frees its host buffer
 *     before it opens its machine, so a real fork() does not also copy a
 *     machine's page tables, and the run stays near 1.5 GiB.
 *   - What a reader needs to weigh a figure goes in its note, printed under
 *     the table: the untimed cost of opening a machine, the rate of a
 *     native reader that cannot overlap cache misses.
 *
 * A figure is one entry of figures[] below: an id, a title, a unit, whether
 * the unit is a rate or a time, a target ratio and a function that measures
 * both sides (bench_mem.c, bench_swap.c; bench.h says what the files hold).
 * Figures that need a mount or valgrind are measured by other tools
 * (tools/fusebench.sh, vmfs-replay --bench) and handed in with --rows FILE
 * (bench_report.c); scripts/bench.sh runs them all and then this program,
 * which prints every figure in one table (or one JSON document).
 *
 * --scale adds two tables without ceilings, which check growth instead:
 * the cost of mmap, fork, exit and munmap against the memory resident
 * (1 MiB ... 4 GiB), and of spawn, fork and exit against the number of
 * processes (10 ... 10,000); see bench_scale.c.
 *
 * The swap figures (swap_out, swap_in) put a small machine under memory
 * pressure and compare its traffic with its swap store against what the
 * same disk does without vmfs: swap_out against `dd ... conv=fdatasync` of
 * as many bytes, swap_in against SQLite reading as many 4 KiB pages, in
 * one transaction through a prepared statement, from a database of the
 * figure's own (never the machine's store, whose tables are the store's).
 * Their files live in one temporary directory (in $TMPDIR, else /tmp), so
 * both sides use the same file system, and are removed when the figure
 * ends.
 *
 * What stays true in this file: the figures run in table order, each with
 * bench_err cleared first; options that vmfs_open refuses stop the run with
 * status 2 and a message on stderr, and no table; the table (or the JSON
 * document) is printed once, at the end, the text header at the start.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cmdline.h"

/* ---- the figures, in table order ----------------------------------------- */

static const struct figure figures[] = {
	{ "bulk_read", "bulk read 1 MiB (vmfs_read vs memcpy)", false,
	  "MiB/s", RATE, 0.5, fig_bulk_read },
	{ "random_read", "random 8-byte reads", true,
	  "Mreads/s", RATE, 0.33, fig_random_read },
	{ "fork", "fork, resident", true,
	  "ms/fork", TIME, 1.0, fig_fork },
	{ "first_touch", "first touch (write, 1 MiB chunks)", true,
	  "MiB/s", RATE, 1.0, fig_first_touch },
	{ "thp_random_read", "random 8-byte reads, THP", true,
	  "Mreads/s", RATE, 0.5, fig_thp_random_read },
	{ "thp_fork", "fork, resident in THP", true,
	  "ms/fork", TIME, 1.0, fig_thp_fork },
	{ "thp_first_touch", "first touch, THP (write, 1 MiB chunks)", true,
	  "MiB/s", RATE, 1.0, fig_thp_first_touch },
	{ "swap_out", "swap-out, streaming writes (vs dd)", false,
	  "pages/s", RATE, 0.70, fig_swap_out },
	{ "swap_in", "swap-in, major faults (vs SQLite)", false,
	  "pages/s", RATE, 0.70, fig_swap_in },
	{ "exec", "exec of python3 (vs fork+execve)", false,
	  "ms/exec", TIME, 1.0, fig_exec },
	{ "cpu", "CPU, bench_sum (vs plain Unicorn)", false,
	  "Minsn/s", RATE, 0.33, fig_cpu },
	{ "cpu_gzip", "CPU, gzip -c (vs native; no target)", false,
	  "Minsn/s", RATE, 0.0, fig_cpu_gzip },
};
#define NFIGURES (sizeof(figures) / sizeof(figures[0]))

/* What a full run measures, and --quick. */
static const struct bench_cfg full_run = {
	.big = 1 * GiB, .rounds = 5, .bulk_reps = 1024, .random_reads = 1u << 22,
	.swap_map = 256 * MiB, .swap_mem = 16 * MiB, .swap_rounds = 3, .exec_rounds = 51,
};
static const struct bench_cfg quick_run = {
	.quick = true, .big = 64 * MiB, .rounds = 3, .bulk_reps = 64, .random_reads = 1u << 18,
	.swap_map = 64 * MiB, .swap_mem = 4 * MiB, .swap_rounds = 1, .exec_rounds = 6,
};

static void usage(FILE *to, const char *argv0)
{
	fprintf(to,
"usage: %s [--quick] [--json] [--scale] [-o OPTIONS] [--only ID[,ID...]]\n"
"       [--rows FILE]\n"
"\n"
"Measure libvmfs against the host doing the same work, in one run, and print\n"
"figure | vmfs | ceiling | ratio | target.  ratio = vmfs rate / host rate\n"
"(for times: host time / vmfs time); targets below are minimum ratios and a\n"
"missed one is marked MISSED.  A full run takes about a minute and ~1.5 GiB\n"
"of memory.  The swap figures stream 256 MiB through a 16 MiB machine whose\n"
"swap store is a temporary file in $TMPDIR (else /tmp), as are the files of\n"
"their ceilings: what dd(1) writes for swap_out, and the database of its own\n"
"that SQLite reads for swap_in; all are removed at the end.  The exec figure\n"
"makes processes of /usr/bin/python3 up to its entry point, in a machine and\n"
"on the host (fork + execve stopped by ptrace); it needs both.  The CPU\n"
"figures (cpu, cpu_gzip) run bench_sum and gzip -c of 16 MiB on the machine's\n"
"CPU against plain Unicorn and native (qemu-x86_64 too, when installed);\n"
"about 4 minutes more.\n"
"\n"
"  -q, --quick        smaller sizes (64 MiB instead of 1 GiB, fewer rounds;\n"
"                     swap figures: 64 MiB through 4 MiB, one round; scale:\n"
"                     up to 64 MiB and 1,000 processes)\n"
"  -j, --json         machine-readable output on stdout\n"
"  -s, --scale        also the scale tables: mmap, fork, exit and munmap of\n"
"                     1 MiB ... 4 GiB resident (sizes needing more than half\n"
"                     the host's available memory are skipped; 4 GiB takes\n"
"                     ~4.1 GiB), and spawn, fork, exit of 10 ... 10,000\n"
"                     processes; about 30 s more\n"
"  -o, --options OPT  extra vmfs_open options appended to the bench's own\n"
"                     mem=SIZE (e.g. -o tlb=0, -o levels=5; a later key wins,\n"
"                     so -o mem=2G replaces it, and frames= is refused; the\n"
"                     swap figures and the scale tables append their own mem=)\n"
"      --only IDS     run only these figures; the id 'scale' names the scale\n"
"                     tables\n"
"      --rows FILE    add the figures measured elsewhere that FILE holds (- for\n"
"                     standard input) to the table: tab-separated records\n"
"                     'figure ID TITLE UNIT rate|time TARGET VMFS CEILING NOTE'\n"
"                     and 'run KEY VALUE' (scripts/bench.sh writes them)\n"
"  -h, --help         this text\n"
"\n"
"Figures:\n", argv0);
	for (size_t i = 0; i < NFIGURES; i++)
		if (figures[i].target > 0)
			fprintf(to, "  %-12s %-38s target >= %.2f\n", figures[i].id,
				figures[i].title, figures[i].target);
		else
			fprintf(to, "  %-12s %-38s no target\n", figures[i].id, figures[i].title);
	fprintf(to,
"\nExit status: 0 when every figure was measured (targets met or not), 1 when\n"
"one could not be (engine error, wrong bytes, an ERROR record in --rows), 2\n"
"for a bad command line or --rows file.\n");
}

/*
 * Mark the figures named in the comma list @ids, and *scale for the id
 * "scale"; false for an unknown id, which *bad then points at.
 */
static bool select_figures(const char *ids, struct outcome *out, bool *scale, const char **bad)
{
	char *copy = strdup(ids), *save = NULL;

	if (!copy)
		return false;
	for (char *id = strtok_r(copy, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		size_t i;

		if (!strcmp(id, "scale")) {
			*scale = true;
			continue;
		}
		for (i = 0; i < NFIGURES && strcmp(figures[i].id, id) != 0; i++)
			;
		if (i == NFIGURES) {
			*bad = ids + (id - copy);
			free(copy);
			return false;
		}
		out[i].selected = true;
	}
	free(copy);
	return true;
}

static void load_average(double load[3])
{
	if (getloadavg(load, 3) != 3)
		load[0] = load[1] = load[2] = -1;
}

/* The run stops: vmfs_open refused cfg->options, for the reason @why. */
static int bad_options_exit(const char *argv0, const struct bench_cfg *cfg, const char *why)
{
	fprintf(stderr, "%s: bad options \"%s\": %s\n", argv0, cfg->options, why);
	return 2;
}

/*
 * Measure the selected figures of figures[] into out[0 .. NFIGURES), in
 * table order; the exit status 2 when vmfs_open refused the options, else
 * -1 (the run goes on).
 */
static int run_figures(const char *argv0, const struct bench_cfg *cfg, struct outcome *out)
{
	char size[32];

	format_size(size, sizeof(size), cfg->big);
	for (size_t i = 0; i < NFIGURES; i++) {
		const struct figure *f = &figures[i];
		struct outcome *o = &out[i];

		if (!o->selected)
			continue;
		if (f->sized)
			snprintf(o->title, sizeof(o->title), "%s, %s", f->title, size);
		else
			snprintf(o->title, sizeof(o->title), "%s", f->title);
		bench_err[0] = '\0';
		o->ok = f->run(cfg, &o->s) == 0;
		if (bad_options)   /* not checked up front: a test open would commit the RAM */
			return bad_options_exit(argv0, cfg, bench_err);
		if (o->ok)
			o->ratio = ratio_of(f, &o->s);
		else
			snprintf(o->error, sizeof(o->error), "%s", bench_err);
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick",   no_argument,       NULL, 'q' },
		{ "json",    no_argument,       NULL, 'j' },
		{ "scale",   no_argument,       NULL, 's' },
		{ "options", required_argument, NULL, 'o' },
		{ "only",    required_argument, NULL, 'O' },
		{ "rows",    required_argument, NULL, 'R' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct outcome out[NFIGURES + MAX_ROWS];
	struct bench_cfg cfg;
	struct report rp = { .cfg = &cfg, .out = out, .nout = NFIGURES };
	struct scale scale;
	const char *extra = NULL, *only = NULL, *rows = NULL;
	bool quick = false, json = false, want_scale = false, failed = false;
	int c, status;

	while ((c = cmdline_next(argc, argv, "qjso:h", longopts, usage, &status)) > 0) {
		switch (c) {
		case 'q': quick = true; break;
		case 'j': json = true; break;
		case 's': want_scale = true; break;
		case 'o': extra = optarg; break;
		case 'O': only = optarg; break;
		case 'R': rows = optarg; break;
		}
	}
	if (c < 0)
		return status;

	cfg = quick ? quick_run : full_run;
	/* Frames for the big mapping plus a quarter more room. */
	snprintf(cfg.options, sizeof(cfg.options), "mem=%" PRIu64 "M%s%s",
		 cfg.big / MiB * 5 / 4, extra && *extra ? "," : "", extra ? extra : "");

	for (size_t i = 0; i < NFIGURES; i++)
		out[i].f = &figures[i];
	if (only) {
		const char *bad = NULL;
		if (!select_figures(only, out, &want_scale, &bad)) {
			fprintf(stderr, "%s: unknown figure in --only: '%s' (see --help)\n",
				argv[0], bad ? bad : only);
			return 2;
		}
	} else {
		for (size_t i = 0; i < NFIGURES; i++)
			out[i].selected = true;
	}
	if (rows && !read_rows(rows, out, &rp.nout))
		return 2;

	load_average(rp.load_start);
	if (!json)
		print_header(&rp);
	if ((status = run_figures(argv[0], &cfg, out)) >= 0)
		return status;
	if (want_scale) {
		run_scale(&cfg, &scale);
		if (bad_options)
			return bad_options_exit(argv[0], &cfg, scale.error);
		rp.scale = &scale;
		failed = !scale.ok;
	}
	for (size_t i = 0; i < rp.nout; i++)
		if (out[i].selected && !out[i].ok)
			failed = true;
	load_average(rp.load_end);
	if (json)
		print_json(&rp);
	else
		print_text(&rp);
	return failed ? 1 : 0;
}

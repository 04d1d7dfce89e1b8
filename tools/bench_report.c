/*
 * bench_report.c - what vmfs-bench prints, and the figures other tools
 * hand it: the --rows records, the header, the table of figures with its
 * notes, the scale tables, and the one JSON document.
 *
 * scripts/bench.sh measures what needs a mount or valgrind with other tools
 * (tools/fusebench.sh, vmfs-replay --bench) and hands the results to this
 * program, so that one table and one JSON document hold every figure.  One
 * record per line, fields separated by tabs:
 *
 *     figure  ID  TITLE  UNIT  KIND  TARGET  VMFS  CEILING  [NOTE]
 *     run     KEY  VALUE
 *
 * KIND is rate or time, as in figures[]; VMFS and CEILING are numbers, or
 * both "-" when the figure could not be measured, and NOTE then says why.
 * A run record describes the run (the command, the load average while the
 * other tools ran) and goes into the header and JSON's "run".  Empty lines
 * and lines starting with # are skipped.
 *
 * What stays true: only selected figures are printed, in the order of
 * out[] (vmfs-bench's own, then those of --rows, in file order); a figure
 * that was not measured prints as ERROR with its reason (JSON: nulls and
 * "error"); values carry about four significant digits and no exponent in
 * the table, and JSON strings are escaped.  The text goes to stdout.
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* A value with about four significant digits and no exponent. */
static void format_value(char *buf, size_t n, double v, const char *unit)
{
	int decimals = v >= 1000 ? 0 : v >= 100 ? 1 : v >= 10 ? 2 : v >= 1 ? 3 : 4;

	snprintf(buf, n, "%.*f %s", decimals, v, unit);
}

double ratio_of(const struct figure *f, const struct sample *s)
{
	return f->kind == RATE ? s->vmfs / s->ceiling : s->ceiling / s->vmfs;
}

/* ---- figures measured elsewhere (--rows FILE) ------------------------------ */

#define MAX_RUN  16

static struct figure row_figures[MAX_ROWS];
static struct { char *key, *value; } run_info[MAX_RUN];
static size_t nrun_info;

/* Split @line at tabs into at most @max fields (the last keeps any tabs). */
static int split_tabs(char *line, char **field, int max)
{
	int n = 0;

	while (n < max) {
		field[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

/* A finite number >= 0 that fills the whole of @s. */
static bool parse_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return *s && !*end && errno == 0 && *v >= 0 && *v < 1e300;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "vmfs-bench: out of memory\n");
		exit(1);
	}
	return d;
}

/*
 * Add the figures of @path to out[*nout...]; false with a message on
 * stderr for a file that cannot be read or a malformed line.
 */
bool read_rows(const char *path, struct outcome *out, size_t *nout)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *field[9];
	size_t cap = 0, nrows = 0;
	unsigned lineno = 0;
	ssize_t len;
	bool good = true;

	if (!f) {
		fprintf(stderr, "vmfs-bench: %s: %s\n", path, strerror(errno));
		return false;
	}
	while (good && (len = getline(&line, &cap, f)) >= 0) {
		int nf;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		nf = split_tabs(line, field, 9);
		if (!strcmp(field[0], "run") && nf == 3) {
			if (nrun_info == MAX_RUN) {
				fprintf(stderr, "vmfs-bench: %s:%u: more than %d run records\n",
					path, lineno, MAX_RUN);
				good = false;
				break;
			}
			run_info[nrun_info].key = xstrdup(field[1]);
			run_info[nrun_info++].value = xstrdup(field[2]);
		} else if (!strcmp(field[0], "figure") && nf >= 8) {
			struct figure *fg = &row_figures[nrows];
			struct outcome *o = &out[*nout];
			bool measured = strcmp(field[6], "-") || strcmp(field[7], "-");
			const char *note = nf == 9 ? field[8] : "";

			if (nrows == MAX_ROWS) {
				fprintf(stderr, "vmfs-bench: %s:%u: more than %d figures\n",
					path, lineno, MAX_ROWS);
				good = false;
				break;
			}
			memset(o, 0, sizeof(*o));
			fg->id = xstrdup(field[1]);
			fg->title = xstrdup(field[2]);
			fg->unit = xstrdup(field[3]);
			fg->kind = !strcmp(field[4], "time") ? TIME : RATE;
			good = (!strcmp(field[4], "rate") || !strcmp(field[4], "time")) &&
			       parse_number(field[5], &fg->target) &&
			       (!measured || (parse_number(field[6], &o->s.vmfs) &&
					      parse_number(field[7], &o->s.ceiling) &&
					      o->s.vmfs > 0 && o->s.ceiling > 0));
			if (!good) {
				fprintf(stderr, "vmfs-bench: %s:%u: a figure needs KIND rate or time, "
					"a TARGET, and VMFS and CEILING > 0 (or both -)\n", path, lineno);
				break;
			}
			o->f = fg;
			o->selected = true;
			o->ok = measured;
			snprintf(o->title, sizeof(o->title), "%s", fg->title);
			if (measured) {
				o->ratio = ratio_of(fg, &o->s);
				snprintf(o->s.note, sizeof(o->s.note), "%s", note);
			} else {
				snprintf(o->error, sizeof(o->error), "%s", *note ? note : "not measured");
			}
			nrows++;
			(*nout)++;
		} else {
			fprintf(stderr, "vmfs-bench: %s:%u: not a figure (8 or 9 fields) or run "
				"(3 fields) record\n", path, lineno);
			good = false;
		}
	}
	if (good && ferror(f)) {
		fprintf(stderr, "vmfs-bench: reading %s: %s\n", path, strerror(errno));
		good = false;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return good;
}

/* ---- output ---------------------------------------------------------------- */

void print_header(const struct report *rp)
{
	const struct bench_cfg *cfg = rp->cfg;
	char size[32];

	format_size(size, sizeof(size), cfg->big);
	printf("vmfs-bench%s: machine options \"%s\", big size %s, best of %d rounds;\n"
	       "host ceilings use 4 KiB pages (MADV_NOHUGEPAGE; thp_* figures: huge pages on both sides), "
	       "%ld CPUs, load average "
	       "%.2f %.2f %.2f at the start\n", cfg->quick ? " --quick" : "", cfg->options,
	       size, cfg->rounds, sysconf(_SC_NPROCESSORS_ONLN), rp->load_start[0],
	       rp->load_start[1], rp->load_start[2]);
	for (size_t i = 0; i < nrun_info; i++)
		printf("%s: %s\n", run_info[i].key, run_info[i].value);
	putchar('\n');
	fflush(stdout);
}

static void json_string(const char *str)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void json_figures(const struct report *rp)
{
	bool first = true;

	printf("  \"figures\": [");
	for (size_t i = 0; i < rp->nout; i++) {
		const struct outcome *o = &rp->out[i];
		const struct figure *f = o->f;

		if (!o->selected)
			continue;
		printf("%s\n    {\"id\": ", first ? "" : ",");
		first = false;
		json_string(f->id);
		printf(", \"title\": ");
		json_string(o->title);
		printf(", \"unit\": ");
		json_string(f->unit);
		printf(", \"kind\": \"%s\", \"target\": %.2f, ",
		       f->kind == RATE ? "rate" : "time", f->target);
		if (o->ok) {
			printf("\"vmfs\": %.6g, \"ceiling\": %.6g, \"ratio\": %.4f, "
			       "\"met\": %s", o->s.vmfs, o->s.ceiling, o->ratio,
			       f->target <= 0 ? "null" : o->ratio >= f->target ? "true" : "false");
			if (o->s.note[0]) {
				printf(", \"note\": ");
				json_string(o->s.note);
			}
		} else {
			printf("\"vmfs\": null, \"ceiling\": null, \"ratio\": null, "
			       "\"met\": false, \"error\": ");
			json_string(o->error);
		}
		putchar('}');
	}
	printf("\n  ]");
}

static void json_scale(const struct scale *sc)
{
	printf(",\n  \"scale\": {\"rounds\": %d, \"memcpy_ns_per_page\": %.4g",
	       sc->rounds, sc->memcpy_page * 1e9);
	if (!sc->ok) {
		printf(", \"error\": ");
		json_string(sc->error);
		printf("}");
		return;
	}
	printf(",\n    \"resident\": [");
	for (size_t i = 0; i < sc->nsizes; i++) {
		const struct scale_size *r = &sc->sizes[i];

		printf("%s\n      {\"size\": %" PRIu64 ", \"pages\": %" PRIu64, i ? "," : "",
		       r->size, r->pages);
		if (r->skipped[0]) {
			printf(", \"skipped\": ");
			json_string(r->skipped);
		} else {
			printf(", \"pt_pages\": %" PRIu64 ", \"mmap_us\": %.4g, \"fork_ms\": %.4g, "
			       "\"fork_ns_per_page\": %.4g, \"host_fork_ms\": %.4g, "
			       "\"host_fork_ns_per_page\": %.4g, \"exit_ms\": %.4g, "
			       "\"exit_ns_per_page\": %.4g, \"munmap_ms\": %.4g, "
			       "\"munmap_ns_per_page\": %.4g", r->pt_pages, r->mmap * 1e6,
			       r->fork * 1e3, r->fork * 1e9 / r->pages, r->host_fork * 1e3,
			       r->host_fork * 1e9 / r->pages, r->exit * 1e3,
			       r->exit * 1e9 / r->pages, r->munmap * 1e3, r->munmap * 1e9 / r->pages);
		}
		putchar('}');
	}
	printf("\n    ],\n    \"processes\": [");
	for (size_t i = 0; i < sc->nprocs; i++) {
		const struct scale_procs *r = &sc->procs[i];

		printf("%s\n      {\"n\": %d, \"parent_resident\": %" PRIu64 ", \"spawn_us\": %.4g, "
		       "\"fork_us\": %.4g, \"mmap_munmap_us\": %.4g, \"exit_forked_us\": %.4g, "
		       "\"exit_spawned_us\": %.4g, \"pt_pages\": %" PRIu64 ", "
		       "\"ls_l_us_per_entry\": %.4g, \"vmfs_stat_us\": %.4g, "
		       "\"clock_test_us\": %.4g, \"clock_test_ns_per_mapper\": %.4g, "
		       "\"clock_pages_tested\": %" PRIu64 "}", i ? "," : "",
		       r->n, SCALE_PARENT, r->spawn * 1e6, r->fork * 1e6, r->mmap * 1e6,
		       r->exit_forked * 1e6, r->exit_spawned * 1e6, r->pt_pages,
		       r->ls_entry * 1e6, r->stat_full * 1e6, r->clock_sweep * 1e6,
		       r->clock_sweep * 1e9 / (r->n + 1), r->clock_tests);
	}
	printf("\n    ]\n  }");
}

static void json_load(const char *name, const double load[3])
{
	printf(",\n  \"%s\": [%.2f, %.2f, %.2f]", name, load[0], load[1], load[2]);
}

void print_json(const struct report *rp)
{
	const struct bench_cfg *cfg = rp->cfg;

	printf("{\n  \"options\": ");
	json_string(cfg->options);
	printf(",\n  \"quick\": %s,\n  \"size\": %" PRIu64 ",\n  \"cpus\": %ld",
	       cfg->quick ? "true" : "false", cfg->big, sysconf(_SC_NPROCESSORS_ONLN));
	json_load("load_average_start", rp->load_start);
	json_load("load_average_end", rp->load_end);
	printf(",\n  \"run\": {");
	for (size_t i = 0; i < nrun_info; i++) {
		printf("%s", i ? ", " : "");
		json_string(run_info[i].key);
		printf(": ");
		json_string(run_info[i].value);
	}
	printf("},\n");
	json_figures(rp);
	if (rp->scale)
		json_scale(rp->scale);
	printf("\n}\n");
}

static void print_rule(int width)
{
	for (int i = 0; i < width; i++)
		putchar('-');
	putchar('\n');
}

static void print_figures(const struct report *rp)
{
	int met = 0, missed = 0, failed = 0;

	printf("%-46s | %-18s | %-18s | %-6s | %s\n",
	       "figure", "vmfs", "ceiling", "ratio", "target");
	print_rule(114);
	for (size_t i = 0; i < rp->nout; i++) {
		const struct outcome *o = &rp->out[i];
		const struct figure *f = o->f;
		char v[32], c[32];

		if (!o->selected)
			continue;
		if (!o->ok) {
			printf("%-46s | ERROR: %s\n", o->title, o->error);
			failed++;
			continue;
		}
		format_value(v, sizeof(v), o->s.vmfs, f->unit);
		format_value(c, sizeof(c), o->s.ceiling, f->unit);
		if (f->target <= 0) {   /* a figure reported alongside, with no target */
			printf("%-46s | %18s | %18s | %6.2f | none\n", o->title, v, c, o->ratio);
			continue;
		}
		printf("%-46s | %18s | %18s | %6.2f | >= %.2f %s\n", o->title, v, c,
		       o->ratio, f->target, o->ratio >= f->target ? "ok" : "MISSED");
		if (o->ratio >= f->target)
			met++;
		else
			missed++;
	}
	print_rule(114);
	for (size_t i = 0; i < rp->nout; i++)
		if (rp->out[i].selected && rp->out[i].ok && rp->out[i].s.note[0])
			printf("%s: %s\n", rp->out[i].f->id, rp->out[i].s.note);
	printf("%d target%s met, %d MISSED%s", met, met == 1 ? "" : "s", missed,
	       failed ? "" : "\n");
	if (failed)
		printf(", %d not measured (ERROR)\n", failed);
}

/* "x12.3", "x3730" for b over a, or "-" when either is missing. */
static const char *growth(char *buf, size_t n, double a, double b)
{
	if (a > 0 && b > 0)
		snprintf(buf, n, b / a >= 100 ? "x%.0f" : "x%.3g", b / a);
	else
		snprintf(buf, n, "-");
	return buf;
}

static void print_scale(const struct scale *sc)
{
	const struct scale_size *lo = NULL, *hi = NULL;
	char size[32], g[5][16];

	if (!sc->ok) {
		printf("scale: ERROR: %s\n", sc->error);
		return;
	}
	printf("scale with resident memory (best of %d rounds): one process with SIZE of\n"
	       "private anonymous memory written; mmap of SIZE (untouched), fork and the\n"
	       "child's exit, then munmap (timed once); ns/page: per resident 4 KiB page;\n"
	       "host fork: fork() of this program with as much written (4 KiB pages)\n\n",
	       sc->rounds);
	printf("%-8s | %8s | %8s | %8s | %-18s | %-18s | %-18s | %s\n", "resident",
	       "pages", "PT pages", "mmap", "vmfs fork", "host fork", "exit (child)", "munmap");
	printf("%-8s | %8s | %8s | %8s |" "%s |%s |%s |%s\n", "", "", "", "us",
	       "       ms   ns/page", "       ms   ns/page", "       ms   ns/page",
	       "       ms   ns/page");
	print_rule(124);
	for (size_t i = 0; i < sc->nsizes; i++) {
		const struct scale_size *r = &sc->sizes[i];
		const double pg = (double)r->pages / 1e9;

		format_size(size, sizeof(size), r->size);
		if (r->skipped[0]) {
			printf("%-8s | %s\n", size, r->skipped);
			continue;
		}
		printf("%-8s | %8" PRIu64 " | %8" PRIu64 " | %8.2f | %9.3f %8.2f | %9.3f %8.2f"
		       " | %9.3f %8.2f | %9.3f %8.2f\n", size, r->pages, r->pt_pages,
		       r->mmap * 1e6, r->fork * 1e3, r->fork / pg, r->host_fork * 1e3,
		       r->host_fork / pg, r->exit * 1e3, r->exit / pg, r->munmap * 1e3,
		       r->munmap / pg);
		if (!lo)
			lo = r;
		hi = r;
	}
	print_rule(124);
	if (lo && hi != lo) {
		char a[32], b[32];

		format_size(a, sizeof(a), lo->size);
		format_size(b, sizeof(b), hi->size);
		printf("%s to %s: memory and page-table entries x%.0f (table pages %s); time\n"
		       "of mmap %s, fork %s, exit %s, munmap %s\n", a, b,
		       (double)hi->pages / lo->pages,
		       growth(g[0], sizeof(g[0]), lo->pt_pages, hi->pt_pages),
		       growth(g[1], sizeof(g[1]), lo->mmap, hi->mmap),
		       growth(g[2], sizeof(g[2]), lo->fork, hi->fork),
		       growth(g[3], sizeof(g[3]), lo->exit, hi->exit),
		       growth(g[4], sizeof(g[4]), lo->munmap, hi->munmap));
	}
	printf("fork copies 8 bytes of page table per page; copying the page itself (memcpy\n"
	       "of 64 MiB here) costs %.1f ns per page\n", sc->memcpy_page * 1e9);

	printf("\nscale with processes (best of %d rounds): N processes beside a parent\n"
	       "with %" PRIu64 " MiB resident: N spawned, N forked from the parent, %d mmap +\n"
	       "munmap of 1 MiB in the parent, then the forked and the spawned exit; times\n"
	       "per process (per pair for mmap); PT pages: the machine's, all alive\n\n",
	       sc->rounds, SCALE_PARENT / MiB, SCALE_MMAPS);
	printf("%-8s | %8s | %8s | %14s | %14s | %15s | %9s\n", "procs", "spawn us",
	       "fork us", "mmap+munmap us", "exit forked us", "exit spawned us", "PT pages");
	print_rule(96);
	for (size_t i = 0; i < sc->nprocs; i++) {
		const struct scale_procs *r = &sc->procs[i];

		printf("%-8d | %8.2f | %8.2f | %14.2f | %14.2f | %15.2f | %9" PRIu64 "\n",
		       r->n, r->spawn * 1e6, r->fork * 1e6, r->mmap * 1e6,
		       r->exit_forked * 1e6, r->exit_spawned * 1e6, r->pt_pages);
	}
	print_rule(96);
	if (sc->nprocs > 1) {
		const struct scale_procs *a = &sc->procs[0], *b = &sc->procs[sc->nprocs - 1];

		printf("%d to %d processes (x%d): per process, spawn %s, fork %s, exit %s "
		       "and %s; mmap %s\n", a->n, b->n, b->n / a->n,
		       growth(g[0], sizeof(g[0]), a->spawn, b->spawn),
		       growth(g[1], sizeof(g[1]), a->fork, b->fork),
		       growth(g[2], sizeof(g[2]), a->exit_forked, b->exit_forked),
		       growth(g[3], sizeof(g[3]), a->exit_spawned, b->exit_spawned),
		       growth(g[4], sizeof(g[4]), a->mmap, b->mmap));
	}

	printf("\nthe daemon's and the clock's view of N processes (best of %d rounds): ls -l\n"
	       "of a mount's root with the 2N + 1 processes above alive, made of the calls the\n"
	       "daemon answers it with (PIDs; each PID directory's lookup and getattr:\n"
	       "vmfs_proc_stat, vmfs_statx of the basic figures), per directory; vmfs_stat\n"
	       "(every frame scanned, every process added up) for scale; the clock: one page\n"
	       "written by a parent and read by N forked children (policy=clock, swap=none),\n"
	       "vmfs_reclaim(1) tests it twice and cannot evict it: time, per mapper, pages tested\n\n",
	       sc->rounds);
	printf("%-8s | %14s | %12s | %14s | %12s | %12s\n", "procs", "ls -l us/entry",
	       "vmfs_stat us", "clock test us", "ns/mapper", "pages tested");
	print_rule(88);
	for (size_t i = 0; i < sc->nprocs; i++) {
		const struct scale_procs *r = &sc->procs[i];

		printf("%-8d | %14.3f | %12.2f | %14.2f | %12.2f | %12" PRIu64 "\n", r->n,
		       r->ls_entry * 1e6, r->stat_full * 1e6, r->clock_sweep * 1e6,
		       r->clock_sweep * 1e9 / (r->n + 1), r->clock_tests);
	}
	print_rule(88);
	if (sc->nprocs > 1) {
		const struct scale_procs *a = &sc->procs[0], *b = &sc->procs[sc->nprocs - 1];

		printf("%d to %d processes (x%d): ls -l per directory %s (vmfs_stat %s); the\n"
		       "clock's test per mapper %s (flat: one reverse-map walk per test)\n",
		       a->n, b->n, b->n / a->n,
		       growth(g[0], sizeof(g[0]), a->ls_entry, b->ls_entry),
		       growth(g[1], sizeof(g[1]), a->stat_full, b->stat_full),
		       growth(g[2], sizeof(g[2]), a->clock_sweep / (a->n + 1),
			      b->clock_sweep / (b->n + 1)));
	}
}

void print_text(const struct report *rp)
{
	bool any = false;

	for (size_t i = 0; i < rp->nout; i++)
		any |= rp->out[i].selected;
	if (any)
		print_figures(rp);
	if (any && rp->scale)
		putchar('\n');
	if (rp->scale)
		print_scale(rp->scale);
	printf("\nload average at the end: %.2f %.2f %.2f\n",
	       rp->load_end[0], rp->load_end[1], rp->load_end[2]);
}

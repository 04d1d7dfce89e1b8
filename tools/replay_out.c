/*
 * replay_out.c - the rows of vmfs-replay as a table, CSV and JSON, and the
 * miss-ratio curves as a standalone SVG (see replay_out.h).
 *
 * The table is for people: a header, columns right-aligned to their widest
 * cell.  CSV is for scripts: RFC 4180, one header line (left out for the
 * parts of a --shard sweep after the first), a field quoted only when it
 * holds a comma, a quote or a line break.  JSON is one array of objects
 * with the same keys as the CSV header.  The cells a curve's row does not
 * know (major, minor, swapouts, swapins) are empty, and null in JSON.
 *
 * The SVG needs nothing but a browser: one chart per trace, stacked, each
 * with its title, a frames axis (base-2 logarithmic when the frame counts
 * span a factor of 16 or more, else linear), a faults axis on the left and
 * the same scale as miss ratio (faults/refs) on the right, one polyline with
 * markers per policy, and a legend.  Each marker has a <title>, so hovering
 * shows the run's figures.
 */
#include "replay_out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {
	"trace", "policy", "frames", "refs", "faults", "major", "minor",
	"swapouts", "swapins", "hit_ratio",
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

double row_hit_ratio(const struct row *r)
{
	return r->refs ? 1.0 - (double)r->faults / (double)r->refs : 0.0;
}

/* Column @c of row @r as text. */
static void cell(const struct row *r, size_t c, char *buf, size_t len)
{
	const uint64_t num[] = { 0, 0, r->frames, r->refs, r->faults, r->major, r->minor,
				 r->swapouts, r->swapins };

	if (c == 0)
		snprintf(buf, len, "%s", r->trace);
	else if (r->faults_only && c >= 5 && c <= 8)
		buf[0] = '\0';           /* major, minor, swapouts, swapins: unknown */
	else if (c == 1)
		snprintf(buf, len, "%s", r->policy);
	else if (c == NCOLUMNS - 1)
		snprintf(buf, len, "%.6f", row_hit_ratio(r));
	else
		snprintf(buf, len, "%llu", (unsigned long long)num[c]);
}

void print_table(FILE *f, const struct row *rows, size_t n)
{
	size_t width[NCOLUMNS];
	char buf[4096];

	for (size_t c = 0; c < NCOLUMNS; c++)
		width[c] = strlen(columns[c]);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].ok)
			continue;
		for (size_t c = 0; c < NCOLUMNS; c++) {
			cell(&rows[i], c, buf, sizeof(buf));
			if (strlen(buf) > width[c])
				width[c] = strlen(buf);
		}
	}
	/* Text columns align left, numbers right. */
	for (size_t c = 0; c < NCOLUMNS; c++)
		fprintf(f, "%s%*s", c ? "  " : "", c < 2 ? -(int)width[c] : (int)width[c], columns[c]);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].ok)
			continue;
		for (size_t c = 0; c < NCOLUMNS; c++) {
			cell(&rows[i], c, buf, sizeof(buf));
			fprintf(f, "%s%*s", c ? "  " : "", c < 2 ? -(int)width[c] : (int)width[c], buf);
		}
		fputc('\n', f);
	}
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void print_csv(FILE *f, const struct row *rows, size_t n, bool header)
{
	char buf[4096];

	for (size_t c = 0; header && c < NCOLUMNS; c++)
		fprintf(f, "%s%s", c ? "," : "", columns[c]);
	if (header)
		fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].ok)
			continue;
		for (size_t c = 0; c < NCOLUMNS; c++) {
			cell(&rows[i], c, buf, sizeof(buf));
			if (c)
				fputc(',', f);
			csv_field(f, buf);
		}
		fputc('\n', f);
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void print_json(FILE *f, const struct row *rows, size_t n)
{
	char buf[4096];
	bool first = true;

	fputs("[", f);
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].ok)
			continue;
		fputs(first ? "\n  {" : ",\n  {", f);
		first = false;
		for (size_t c = 0; c < NCOLUMNS; c++) {
			fprintf(f, "%s\"%s\": ", c ? ", " : "", columns[c]);
			cell(&rows[i], c, buf, sizeof(buf));
			if (c < 2)
				json_string(f, buf);
			else
				fputs(*buf ? buf : "null", f);
		}
		fputs("}", f);
	}
	fputs(first ? "]\n" : "\n]\n", f);
}

/* ---- the plot ------------------------------------------------------------------ */

#define PANEL_W   800.0
#define PANEL_H   480.0
#define MARGIN_L   90.0
#define MARGIN_R   90.0
#define MARGIN_T   60.0
#define MARGIN_B   64.0

static const struct { const char *policy, *color, *dash; } styles[] = {
	{ "fifo",  "#1f77b4", "" },
	{ "lru",   "#ff7f0e", "" },
	{ "clock", "#2ca02c", "" },
	{ "arc",   "#d62728", "" },
	{ "opt",   "#444444", "6,4" },
};
static const char *const spare_colors[] = { "#9467bd", "#8c564b", "#e377c2", "#17becf" };

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				fputc(*s, f);
		}
	}
}

/* A short label for an axis value: 1500 -> "1.5k". */
static void fmt_si(double v, char *buf, size_t len)
{
	static const char *const suffix[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (fabs(v) >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.3g%s", v, suffix[i]);
}

/* A step of 1, 2 or 5 times a power of ten giving about @ticks ticks up to @max. */
static double nice_step(double max, int ticks)
{
	double raw = max / ticks, p = pow(10, floor(log10(raw))), r = raw / p;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * p;
}

struct axes {
	double x0, y0, w, h;     /* plot area: left, top, width, height */
	double fmin, fmax;       /* frames */
	bool   logx;
	double ymax;             /* faults at the top */
};

static double px(const struct axes *a, double frames)
{
	double t;

	if (a->fmax == a->fmin)
		t = 0.5;
	else if (a->logx)
		t = (log2(frames) - log2(a->fmin)) / (log2(a->fmax) - log2(a->fmin));
	else
		t = (frames - a->fmin) / (a->fmax - a->fmin);
	return a->x0 + t * a->w;
}

static double py(const struct axes *a, double faults)
{
	return a->y0 + a->h - faults / a->ymax * a->h;
}

static void draw_axes(FILE *f, const struct axes *a, uint64_t refs)
{
	char buf[64];
	double step;

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#333\"/>\n", a->x0, a->y0, a->w, a->h);
	/* frames ticks */
	if (a->logx) {
		double lo = ceil(log2(a->fmin)), hi = floor(log2(a->fmax));
		int every = (int)ceil((hi - lo + 1) / 12);

		for (double e = lo; e <= hi; e += every) {
			double x = px(a, pow(2, e));

			fmt_si(pow(2, e), buf, sizeof(buf));
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				x, a->y0, x, a->y0 + a->h, x, a->y0 + a->h + 18, buf);
		}
	} else {
		double span = a->fmax - a->fmin, start;

		step = span > 0 ? nice_step(span, 8) : 1;
		if (step < 1)
			step = 1;
		start = span > 0 ? ceil(a->fmin / step) * step : a->fmin;
		for (double v = start; v <= a->fmax + 1e-9; v += step) {
			double x = px(a, v);

			fmt_si(v, buf, sizeof(buf));
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
				"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				x, a->y0, x, a->y0 + a->h, x, a->y0 + a->h + 18, buf);
			if (span <= 0)
				break;
		}
	}
	/* faults ticks (left) */
	step = nice_step(a->ymax, 6);
	for (double v = 0; v <= a->ymax + 1e-9; v += step) {
		double y = py(a, v);

		fmt_si(v, buf, sizeof(buf));
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			a->x0, y, a->x0 + a->w, y, a->x0 - 6, y + 4, buf);
	}
	/* miss-ratio ticks (right): the same scale divided by refs */
	if (refs) {
		double rmax = a->ymax / (double)refs, rstep = nice_step(rmax, 6);

		for (double v = 0; v <= rmax + 1e-12; v += rstep) {
			double y = py(a, v * (double)refs);

			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n"
				"<text x=\"%.1f\" y=\"%.1f\">%.3g</text>\n",
				a->x0 + a->w, y, a->x0 + a->w + 5, y, a->x0 + a->w + 8, y + 4, v);
		}
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">frames%s</text>\n",
		a->x0 + a->w / 2, a->y0 + a->h + 44, a->logx ? " (log scale)" : "");
	fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">"
		"faults</text>\n", a->x0 - 62, a->y0 + a->h / 2);
	if (refs)
		fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(90)\" text-anchor=\"middle\">"
			"miss ratio (faults / refs)</text>\n", a->x0 + a->w + 62, a->y0 + a->h / 2);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One policy's line and markers, its points in frames order. */
static void draw_series(FILE *f, const struct axes *a, const struct row *rows, size_t n,
			const char *trace, const char *policy, const char *color, const char *dash)
{
	uint64_t *frames = malloc(n * sizeof(*frames));
	size_t k = 0;

	if (!frames)
		return;
	for (size_t i = 0; i < n; i++)
		if (rows[i].ok && rows[i].trace == trace && !strcmp(rows[i].policy, policy))
			frames[k++] = rows[i].frames;
	qsort(frames, k, sizeof(*frames), cmp_u64);
	fprintf(f, "<g class=\"series\" stroke=\"%s\" fill=\"%s\">\n", color, color);
	fprintf(f, "<polyline fill=\"none\" stroke-width=\"2\"%s%s%s points=\"", *dash ? " stroke-dasharray=\"" : "",
		dash, *dash ? "\"" : "");
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < n; i++)
			if (rows[i].ok && rows[i].trace == trace && !strcmp(rows[i].policy, policy) &&
			    rows[i].frames == frames[j]) {
				fprintf(f, "%s%.1f,%.1f", j ? " " : "", px(a, (double)frames[j]),
					py(a, (double)rows[i].faults));
				break;
			}
	fputs("\"/>\n", f);
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < n; i++)
			if (rows[i].ok && rows[i].trace == trace && !strcmp(rows[i].policy, policy) &&
			    rows[i].frames == frames[j]) {
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>%s, %llu frames: "
					"%llu faults of %llu refs (miss ratio %.4f)</title></circle>\n",
					px(a, (double)frames[j]), py(a, (double)rows[i].faults), policy,
					(unsigned long long)frames[j], (unsigned long long)rows[i].faults,
					(unsigned long long)rows[i].refs,
					rows[i].refs ? (double)rows[i].faults / (double)rows[i].refs : 0.0);
				break;
			}
	fputs("</g>\n", f);
	free(frames);
}

/* The policies of @trace, in the order they first appear. */
static size_t trace_policies(const struct row *rows, size_t n, const char *trace,
			     const char **out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!rows[i].ok || rows[i].trace != trace)
			continue;
		for (j = 0; j < k && strcmp(out[j], rows[i].policy); j++)
			;
		if (j == k && k < max)
			out[k++] = rows[i].policy;
	}
	return k;
}

static void draw_panel(FILE *f, double top, const struct row *rows, size_t n, const char *trace)
{
	struct axes a = { .x0 = MARGIN_L, .y0 = top + MARGIN_T, .w = PANEL_W - MARGIN_L - MARGIN_R,
			  .h = PANEL_H - MARGIN_T - MARGIN_B, .fmin = -1 };
	const char *policies[64];
	size_t np = trace_policies(rows, n, trace, policies, 64);
	uint64_t refs = 0, maxf = 0;
	char buf[64];

	for (size_t i = 0; i < n; i++) {
		if (!rows[i].ok || rows[i].trace != trace)
			continue;
		refs = rows[i].refs;
		if (a.fmin < 0 || rows[i].frames < a.fmin)
			a.fmin = (double)rows[i].frames;
		if (rows[i].frames > a.fmax)
			a.fmax = (double)rows[i].frames;
		if (rows[i].faults > maxf)
			maxf = rows[i].faults;
	}
	a.logx = a.fmin > 0 && a.fmax / a.fmin >= 16;
	a.ymax = maxf ? (double)maxf : 1;
	a.ymax = ceil(a.ymax * 1.05 / nice_step(a.ymax, 6)) * nice_step(a.ymax, 6);

	fmt_si((double)refs, buf, sizeof(buf));
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"16\" "
		"font-weight=\"bold\">Miss-ratio curve: ", PANEL_W / 2, top + 28);
	xml_text(f, trace);
	fprintf(f, " (%s refs)</text>\n", buf);
	draw_axes(f, &a, refs);
	for (size_t p = 0; p < np; p++) {
		const char *color = spare_colors[p % 4], *dash = "";

		for (size_t s = 0; s < sizeof(styles) / sizeof(styles[0]); s++)
			if (!strcmp(styles[s].policy, policies[p])) {
				color = styles[s].color;
				dash = styles[s].dash;
			}
		draw_series(f, &a, rows, n, trace, policies[p], color, dash);
		/* legend entry, top right inside the plot */
		double lx = a.x0 + a.w - 110, ly = a.y0 + 14 + 20 * (double)p;

		if (p == 0)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"100\" height=\"%.1f\" fill=\"white\" "
				"fill-opacity=\"0.85\" stroke=\"#999\"/>\n", lx - 8, a.y0 + 4, 20.0 * (double)np + 8);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"%s%s%s/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			lx, ly, lx + 28, ly, color, *dash ? " stroke-dasharray=\"" : "", dash,
			*dash ? "\"" : "", lx + 14, ly, color, lx + 36, ly + 4, policies[p]);
	}
}

int plot_svg(const char *path, const struct row *rows, size_t n)
{
	const char *traces[256];
	size_t nt = 0;
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!rows[i].ok)
			continue;
		for (j = 0; j < nt && traces[j] != rows[i].trace; j++)
			;
		if (j == nt && nt < 256)
			traces[nt++] = rows[i].trace;
	}
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "vmfs-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<title>vmfs-replay: faults against frames</title>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		PANEL_W, PANEL_H * (double)(nt ? nt : 1), PANEL_W, PANEL_H * (double)(nt ? nt : 1));
	if (!nt)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no runs</text>\n",
			PANEL_W / 2, PANEL_H / 2);
	for (size_t t = 0; t < nt; t++)
		draw_panel(f, PANEL_H * (double)t, rows, n, traces[t]);
	fputs("</svg>\n", f);
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "vmfs-replay: %s: write error\n", path);
		return -1;
	}
	return 0;
}

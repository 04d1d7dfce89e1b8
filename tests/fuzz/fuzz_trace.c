/*
 * fuzz_trace.c - fuzz vmfs-replay's trace parser (tools/replay_trace.c) on
 * arbitrary bytes, in every format, strict and lenient, against a
 * reference parser written here from vmfs-replay(1).
 *
 * The input is the trace: it is put in a memfd and trace_parse() reads it
 * as a file (/proc/self/fd/N), with --format auto, lackey, memsim, refs,
 * din, pin, arc, lirs and oraclegeneral, each without and with --lenient,
 * for a 4-level machine (user_top 2^47); the corpus holds gzip, zstd and xz
 * inputs too, which the parser decompresses.
 * What is checked, always:
 *   - the stream holds info.refs references, every one below user_top, of
 *     which info.writes write, on info.pages distinct pages; info.bytes is
 *     the input's size;
 *   - lenient fails only when auto detection finds no format or the input
 *     is compressed (corrupt compressed data stops any parse); strict fails
 *     exactly when lenient skipped something, and when it does not fail the
 *     two give the same stream and figures;
 * and, when the reference can follow the input (lackey, memsim or refs,
 * given or detected, not compressed; no line longer than the parser keeps,
 * except in refs, which has no lines to cut):
 *   - the detected format, the result, every reference in order, the
 *     records, references skipped as outside, malformed records and the line
 *     of the first, and the line count are the reference's.
 *
 * The reference reads the man page's grammar (THE PAGE RULE, MALFORMED
 * INPUT) plus what the code documents beyond it: blanks after "I" and after
 * " L" are free, a hex number has at most 16 digits, a refs token at most 31
 * bytes, and a memsim record allows no comment after R or W (the header's
 * "lines starting with '#'", where the man page says "text from # to the
 * end of the line").  A NUL byte is a byte like any other: a line or refs
 * token that holds one is never a record, nor decides the format.
 */
#include "fuzz.h"
#include "replay_stream.h"
#include "replay_trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define USER_TOP      (1ull << 47)
#define TOP_VPN       (USER_TOP >> 12)
#define LONG_LINE     (TRACE_LINE_MAX - 2)   /* the reference follows shorter lines */
#define RECORD_MAX    (1u << 20)

enum { REC_NONE, REC_OK, REC_BAD };

/* One parse: the figures, and the references in order. */
struct result {
	int rc;
	struct trace_info info;
	uint64_t *refs;          /* REF_PACK(vpn, write) */
	size_t n, cap;
};

static int memfd = -1;
static char path[64];
static uint8_t *chunk_buf;
static uint64_t *chunk_refs;

static void result_add(struct result *r, uint64_t vpn, bool write)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->refs = realloc(r->refs, r->cap * sizeof(*r->refs));
		FUZZ_CHECK(r->refs, "out of memory");
	}
	r->refs[r->n++] = REF_PACK(vpn, write);
}

/* ---- the parser under test ------------------------------------------------ */

static void parse(enum trace_format format, bool lenient, struct result *r)
{
	struct trace_opts o = { .format = format, .lenient = lenient, .user_top = USER_TOP };
	struct refstream s;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = stream_init(&s);
	FUZZ_CHECK(rc == 0, "stream_init: %s", strerror(-rc));
	r->rc = trace_parse(path, &o, &s, &r->info);
	FUZZ_CHECK(r->rc == 0 || r->rc == -1, "trace_parse returned %d", r->rc);
	if (r->rc == 0) {
		FUZZ_CHECK(s.nrefs == r->info.refs, "stream has %" PRIu64 " references, info %" PRIu64,
			   s.nrefs, r->info.refs);
		for (size_t c = 0; c < s.nchunks; c++) {
			int64_t got = stream_read_chunk(&s, c, chunk_buf, chunk_refs);

			FUZZ_CHECK(got >= 0, "stream_read_chunk(%zu): %s", c, strerror((int)-got));
			for (int64_t i = 0; i < got; i++)
				result_add(r, REF_VPN(chunk_refs[i]), REF_WRITE(chunk_refs[i]));
		}
		FUZZ_CHECK(r->n == s.nrefs, "decoded %zu references of %" PRIu64, r->n, s.nrefs);
	}
	stream_free(&s);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* What holds of any successful parse, whatever the input. */
static void check_stream(const struct result *r, size_t size)
{
	uint64_t writes = 0, pages = 0;
	uint64_t *vpns = malloc((r->n + 1) * sizeof(*vpns));

	FUZZ_CHECK(vpns, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		FUZZ_CHECK(REF_VPN(r->refs[i]) < TOP_VPN, "reference %zu to page %#" PRIx64
			   ", at or above user_top", i, REF_VPN(r->refs[i]));
		writes += REF_WRITE(r->refs[i]);
		vpns[i] = REF_VPN(r->refs[i]);
	}
	qsort(vpns, r->n, sizeof(*vpns), cmp_u64);
	for (size_t i = 0; i < r->n; i++)
		pages += i == 0 || vpns[i] != vpns[i - 1];
	free(vpns);
	FUZZ_CHECK(writes == r->info.writes, "%" PRIu64 " writes in the stream, info %" PRIu64,
		   writes, r->info.writes);
	FUZZ_CHECK(pages == r->info.pages, "%" PRIu64 " distinct pages in the stream, info %" PRIu64,
		   pages, r->info.pages);
	FUZZ_CHECK(r->info.bytes == size, "info.bytes %" PRIu64 " of %zu", r->info.bytes, size);
	FUZZ_CHECK(r->info.records <= r->info.refs + r->info.outside,
		   "%" PRIu64 " records made %" PRIu64 " references", r->info.records,
		   r->info.refs + r->info.outside);
}

/* ---- the reference ---------------------------------------------------------- */

struct rec {
	uint64_t addr, size;
	bool write;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t skip_blanks(const char *s, size_t i, size_t n)
{
	while (i < n && blank(s[i]))
		i++;
	return i;
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 to 16 hex digits at s[*i]. */
static bool hex_at(const char *s, size_t *i, size_t n, uint64_t *v)
{
	size_t start = *i;

	*v = 0;
	while (*i < n && hexdigit(s[*i]) >= 0) {
		*v = *v << 4 | (uint64_t)hexdigit(s[*i]);
		(*i)++;
	}
	return *i > start && *i - start <= 16;
}

/* Decimal digits at s[*i], at most @max. */
static bool dec_at(const char *s, size_t *i, size_t n, uint64_t max, uint64_t *v)
{
	size_t start = *i;
	unsigned __int128 x = 0;
	bool big = false;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		x = x * 10 + (unsigned)(s[*i] - '0');
		big |= x > max;
		if (big)
			x = 0;
		(*i)++;
	}
	*v = (uint64_t)x;
	return *i > start && !big;
}

/* "I  ADDR,SIZE" or " L|S|M ADDR,SIZE". */
static int lackey_line(const char *s, size_t n, struct rec *r)
{
	size_t i;

	if (n >= 2 && s[0] == 'I' && s[1] == ' ') {
		i = 2;
		r->write = false;
	} else if (n >= 3 && s[0] == ' ' && strchr("LSM", s[1]) && s[1] && s[2] == ' ') {
		i = 3;
		r->write = s[1] != 'L';
	} else {
		return REC_NONE;
	}
	i = skip_blanks(s, i, n);
	if (!hex_at(s, &i, n, &r->addr) || i == n || s[i++] != ',')
		return REC_BAD;
	if (!dec_at(s, &i, n, UINT64_MAX, &r->size))
		return REC_BAD;
	return skip_blanks(s, i, n) == n ? REC_OK : REC_BAD;
}

/* "[0x]HEXADDR R|W"; blank lines and lines starting with '#' are comments. */
static int memsim_line(const char *s, size_t n, struct rec *r)
{
	size_t i = skip_blanks(s, 0, n);

	if (i == n || s[i] == '#')
		return REC_NONE;
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		i += 2;
	if (!hex_at(s, &i, n, &r->addr) || i == n || !blank(s[i]))
		return REC_BAD;
	i = skip_blanks(s, i, n);
	if (i == n || !strchr("rRwW", s[i]) || !s[i])
		return REC_BAD;
	r->write = s[i] == 'w' || s[i] == 'W';
	r->size = 1;
	return skip_blanks(s, i + 1, n) == n ? REC_OK : REC_BAD;
}

/* Digits, blanks and commas, with at least one digit. */
static bool refs_line(const char *s, size_t n)
{
	bool digit = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digit = true;
		else if (!blank(s[i]) && s[i] != ',')
			return false;
	}
	return digit;
}

/* The lines of @data: start and length (without "\n" and one "\r" before it). */
struct line {
	const char *s;
	size_t n;
};

static size_t split_lines(const char *data, size_t size, struct line **out)
{
	size_t count = 0, cap = 16, pos = 0;
	struct line *l = malloc(cap * sizeof(*l));

	FUZZ_CHECK(l, "out of memory");
	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;

		if (count == cap) {
			cap *= 2;
			l = realloc(l, cap * sizeof(*l));
			FUZZ_CHECK(l, "out of memory");
		}
		l[count] = (struct line){ data + pos, n };
		if (n && data[pos + n - 1] == '\r')
			l[count].n--;
		count++;
		pos += n + (nl != NULL);
	}
	*out = l;
	return count;
}

static enum trace_format reference_detect(const struct line *l, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		const char *s = l[k].s;
		size_t n = l[k].n, i = skip_blanks(s, 0, n);
		struct rec r;

		if (i == n || s[i] == '#' || (n >= 2 && (!memcmp(s, "==", 2) || !memcmp(s, "--", 2))))
			continue;
		if (lackey_line(s, n, &r) == REC_OK)
			return FORMAT_LACKEY;
		if (memsim_line(s, n, &r) == REC_OK)
			return FORMAT_MEMSIM;
		if (refs_line(s, n))
			return FORMAT_REFS;
	}
	return FORMAT_AUTO;
}

/* A malformed record: counted, and the end of a strict parse. */
static bool reference_malformed(struct result *r, uint64_t line, bool lenient)
{
	if (!r->info.malformed++)
		r->info.first_malformed_line = line;
	if (!lenient)
		r->rc = -1;
	return lenient;
}

static void reference_lines(const struct line *l, size_t count, bool lackey, bool lenient,
			    struct result *r)
{
	for (size_t k = 0; k < count; k++) {
		struct rec rec;
		int kind = lackey ? lackey_line(l[k].s, l[k].n, &rec) : memsim_line(l[k].s, l[k].n, &rec);

		if (kind == REC_OK && (rec.size == 0 || rec.size > RECORD_MAX ||
				       rec.addr + (rec.size - 1) < rec.addr))
			kind = REC_BAD;
		if (kind == REC_BAD && !reference_malformed(r, k + 1, lenient))
			return;
		if (kind != REC_OK)
			continue;
		r->info.records++;
		for (uint64_t vpn = rec.addr >> 12; vpn <= (rec.addr + rec.size - 1) >> 12; vpn++) {
			if (vpn >= TOP_VPN) {
				r->info.outside++;
			} else {
				result_add(r, vpn, rec.write);
				r->info.refs++;
			}
		}
	}
}

/* refs: tokens between blanks, commas and newlines; '#' to the end of the
 * line is a comment.  A token is a decimal page number of at most 31 bytes. */
static void reference_refs(const char *data, size_t size, bool lenient, struct result *r)
{
	uint64_t line = 1;
	size_t i = 0;

	while (i < size) {
		char c = data[i];

		if (c == '#') {
			while (i < size && data[i] != '\n')
				i++;
			continue;
		}
		if (c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == ',') {
			line += c == '\n';
			i++;
			continue;
		}
		size_t start = i, end = i;
		uint64_t vpn;

		while (i < size && !memchr("\n \t\r,#", data[i], 6))   /* NUL is no separator */
			i++;
		if (i - start <= 31 && dec_at(data, &end, i, REF_VPN_MAX, &vpn) && end == i) {
			r->info.records++;
			if (vpn >= TOP_VPN) {
				r->info.outside++;
			} else {
				result_add(r, vpn, false);
				r->info.refs++;
			}
		} else if (!reference_malformed(r, line, lenient)) {
			return;
		}
	}
}

static void reference(const char *data, size_t size, enum trace_format format, bool lenient,
		      struct result *r)
{
	struct line *l;
	size_t count = split_lines(data, size, &l);

	memset(r, 0, sizeof(*r));
	r->info.format = format;
	r->info.detected = format == FORMAT_AUTO;
	if (format == FORMAT_AUTO)
		r->info.format = reference_detect(l, count);
	if (r->info.format == FORMAT_AUTO)
		r->rc = -1;
	else if (r->info.format == FORMAT_REFS)
		reference_refs(data, size, lenient, r);
	else
		reference_lines(l, count, r->info.format == FORMAT_LACKEY, lenient, r);
	r->info.lines = count;
	free(l);
}

/* Whether the reference follows the parser on @data read as @format. */
static bool reference_applies(const char *data, size_t size, enum trace_format format)
{
	size_t pos = 0;

	if (format == FORMAT_REFS)
		return true;
	while (pos < size) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;

		if (n >= LONG_LINE)
			return false;
		pos += n + 1;
	}
	return true;
}

/* ---- comparing ------------------------------------------------------------------ */

static const char *fmt_name(enum trace_format f, bool lenient)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s%s", trace_format_name(f), lenient ? " lenient" : "");
	return buf;
}

/* @got, the parse @what, is @want, which @who made. */
static void check_same(const struct result *want, const struct result *got, const char *what,
		       const char *who)
{
	const struct trace_info *w = &want->info, *g = &got->info;

	FUZZ_CHECK(w->format == g->format && w->detected == g->detected,
		   "%s: format %s (detected %d), %s says %s (detected %d)", what,
		   trace_format_name(g->format), g->detected, who, trace_format_name(w->format),
		   w->detected);
	FUZZ_CHECK(want->rc == got->rc, "%s: returned %d, %s says %d (malformed %" PRIu64
		   " from line %" PRIu64 ")", what, got->rc, who, want->rc, w->malformed,
		   w->first_malformed_line);
	if (got->rc)
		return;
	FUZZ_CHECK(w->records == g->records && w->refs == g->refs && w->outside == g->outside &&
		   w->lines == g->lines,
		   "%s: records %" PRIu64 " refs %" PRIu64 " outside %" PRIu64 " lines %" PRIu64
		   "; %s says %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64, what, g->records,
		   g->refs, g->outside, g->lines, who, w->records, w->refs, w->outside, w->lines);
	FUZZ_CHECK(w->malformed == g->malformed &&
		   (!w->malformed || w->first_malformed_line == g->first_malformed_line),
		   "%s: %" PRIu64 " malformed from line %" PRIu64 "; %s says %" PRIu64 " from line %"
		   PRIu64, what, g->malformed, g->first_malformed_line, who, w->malformed,
		   w->first_malformed_line);
	FUZZ_CHECK(want->n == got->n, "%s: %zu references, %s says %zu", what, got->n, who, want->n);
	for (size_t i = 0; i < got->n; i++)
		FUZZ_CHECK(want->refs[i] == got->refs[i], "%s: reference %zu is page %#" PRIx64
			   " %s, %s says page %#" PRIx64 " %s", what, i, REF_VPN(got->refs[i]),
			   REF_WRITE(got->refs[i]) ? "write" : "read", who, REF_VPN(want->refs[i]),
			   REF_WRITE(want->refs[i]) ? "write" : "read");
}

static void check_format(const uint8_t *data, size_t size, enum trace_format format)
{
	struct result strict, lenient, ref;

	parse(format, false, &strict);
	parse(format, true, &lenient);
	if (strict.rc == 0)
		check_stream(&strict, size);
	if (lenient.rc == 0)
		check_stream(&lenient, size);

	/* lenient fails only when there is no format to read, or no data */
	FUZZ_CHECK(lenient.rc == 0 || (format == FORMAT_AUTO && lenient.info.format == FORMAT_AUTO) ||
		   lenient.info.codec != CODEC_NONE, "%s: failed", fmt_name(format, true));
	if (strict.rc == 0) {
		FUZZ_CHECK(lenient.info.malformed == 0, "%s: %" PRIu64 " malformed records skipped, "
			   "but strict accepted the trace", fmt_name(format, true),
			   lenient.info.malformed);
		check_same(&strict, &lenient, fmt_name(format, true), "strict");
	} else if (lenient.rc == 0) {
		FUZZ_CHECK(lenient.info.malformed > 0, "%s: strict failed, lenient skipped nothing",
			   fmt_name(format, false));
	}

	if (strict.info.codec == CODEC_NONE && strict.info.format <= FORMAT_REFS &&
	    reference_applies((const char *)data, size, format)) {
		reference((const char *)data, size, format, false, &ref);
		check_same(&ref, &strict, fmt_name(format, false), "the reference");
		free(ref.refs);
		reference((const char *)data, size, format, true, &ref);
		check_same(&ref, &lenient, fmt_name(format, true), "the reference");
		free(ref.refs);
	}
	free(strict.refs);
	free(lenient.refs);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	memfd = memfd_create("fuzz-trace", MFD_CLOEXEC);
	FUZZ_CHECK(memfd >= 0, "memfd_create failed");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	chunk_buf = malloc(STREAM_CHUNK_BYTES);
	chunk_refs = malloc(STREAM_CHUNK_REFS * sizeof(*chunk_refs));
	FUZZ_CHECK(chunk_buf && chunk_refs, "out of memory");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum trace_format formats[] = {
		FORMAT_AUTO, FORMAT_LACKEY, FORMAT_MEMSIM, FORMAT_REFS, FORMAT_DIN, FORMAT_PIN,
		FORMAT_ARC, FORMAT_LIRS, FORMAT_ORACLE,
	};

	if (size > (1u << 20))       /* detection reads the first MiB only */
		return 0;
	FUZZ_CHECK(ftruncate(memfd, 0) == 0 &&
		   (size == 0 || pwrite(memfd, data, size, 0) == (ssize_t)size),
		   "writing the memfd failed");
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		check_format(data, size, formats[i]);
	return 0;
}

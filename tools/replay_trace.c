/*
 * replay_trace.c - parse lackey, memsim and refs traces into a reference
 * stream (see replay_trace.h for the formats and the page rule).
 *
 * The input is read in blocks of READ_BLOCK bytes into one buffer; lackey
 * and memsim are taken a line at a time (a line longer than TRACE_LINE_MAX
 * is cut there, and the rest of it skipped), refs a byte at a time, since a
 * refs trace may be one enormous line.  Detection looks at the first block
 * only, filled completely even from a pipe: the first line that reads as a
 * record of some format decides (lackey, then memsim, then refs); blank
 * lines, '#' comments and valgrind's "==PID==" and "--PID--" lines decide
 * nothing.  The parsers are hand-written (no sscanf): a trace of a few
 * seconds of a real program is a hundred million lines.
 *
 * A line or a refs token is parsed with its length, never as a C string
 * alone: a NUL byte in it is a byte like any other, which no record
 * grammar allows, so "7<NUL>junk" is malformed as "7junk" is (and a line
 * that would be a record but for a NUL decides no format).  The parsers
 * may look at the NUL stored after the end, which matches no class of
 * character, but only reaching @end ends a record.
 */
#include "replay_trace.h"
#include "replay_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BLOCK       (1u << 20)
#define RECORD_SIZE_MAX  (1u << 20)   /* a record may span at most 1 MiB */
#define PROGRESS_EVERY   (8u << 20)   /* bytes between progress calls */

static const char *const format_names[] = {
	[FORMAT_AUTO] = "auto", [FORMAT_LACKEY] = "lackey",
	[FORMAT_MEMSIM] = "memsim", [FORMAT_REFS] = "refs",
};

const char *trace_format_name(enum trace_format f)
{
	return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] : "?";
}

int trace_format_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i]))
			return (int)i;
	return -1;
}

/* ---- reading -------------------------------------------------------------- */

struct reader {
	const char *name;
	int         fd;
	uint8_t    *buf;          /* READ_BLOCK + TRACE_LINE_MAX bytes */
	size_t      pos, len;     /* unread bytes are buf[pos, len) */
	bool        eof;
	uint64_t    bytes;        /* read so far */
	uint64_t    next_progress;
	uint64_t    line;         /* number of the line being parsed (1-based) */
	char        cutline[TRACE_LINE_MAX];   /* a line too long, as far as it is kept */
	const struct trace_opts *o;
};

/* Read more after buf[len), keeping buf[pos, len).  0 or -1 (reported). */
static int reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	do {
		n = read(r->fd, r->buf + r->len, READ_BLOCK + TRACE_LINE_MAX - r->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, "vmfs-replay: %s: read error: %s\n", r->name, strerror(errno));
		return -1;
	}
	if (n == 0)
		r->eof = true;
	r->len += (size_t)n;
	r->bytes += (uint64_t)n;
	if (r->o->progress && r->bytes >= r->next_progress) {
		r->o->progress(r->o->progress_arg, r->bytes);
		r->next_progress = r->bytes + PROGRESS_EVERY;
	}
	return 0;
}

/*
 * The next line, without its newline (and a CR before it), NUL-terminated.
 * 1 with *line and *len set, 0 at the end, -1 on a read error.  A line
 * longer than TRACE_LINE_MAX comes back cut (*cut set), copied aside so
 * that the rest of it can be read and skipped.
 */
static int reader_line(struct reader *r, char **line, size_t *len, bool *cut)
{
	uint8_t *nl;
	size_t avail;

	*cut = false;
	for (;;) {
		avail = r->len - r->pos;
		nl = memchr(r->buf + r->pos, '\n', avail);
		if (nl || (r->eof && avail) || avail >= TRACE_LINE_MAX)
			break;
		if (r->eof)
			return 0;
		if (reader_fill(r) < 0)
			return -1;
	}
	r->line++;
	if (!nl && avail >= TRACE_LINE_MAX) {
		*len = TRACE_LINE_MAX - 1;
		memcpy(r->cutline, r->buf + r->pos, *len);
		*line = r->cutline;
		*cut = true;
		for (;;) {               /* skip the rest of the line */
			r->pos = r->len;
			if (r->eof)
				break;
			if (reader_fill(r) < 0)
				return -1;
			if ((nl = memchr(r->buf, '\n', r->len))) {
				r->pos = (size_t)(nl - r->buf) + 1;
				break;
			}
		}
	} else {
		*line = (char *)r->buf + r->pos;
		*len = nl ? (size_t)(nl - (r->buf + r->pos)) : avail;
		r->pos += *len + (nl ? 1 : 0);
		if (*len && (*line)[*len - 1] == '\r')
			(*len)--;
		if (*len >= TRACE_LINE_MAX) {   /* whole in the buffer, but too long */
			*len = TRACE_LINE_MAX - 1;
			*cut = true;
		}
	}
	(*line)[*len] = '\0';
	return 1;
}

/* ---- records ------------------------------------------------------------ */

static inline int hexval(unsigned char c)
{
	if ((unsigned)(c - '0') < 10u)
		return c - '0';
	c |= 0x20;
	if ((unsigned)(c - 'a') < 6u)
		return c - 'a' + 10;
	return -1;
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Hex number at *p (1 to 16 digits): 0 and *p moved past it, or -1. */
static int parse_hex(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int d, n = 0;

	while ((d = hexval((unsigned char)*s)) >= 0) {
		if (++n > 16)
			return -1;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	if (!n)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

/* Decimal number at *p, at most @max: 0 and *p moved past it, or -1. */
static int parse_dec(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if ((unsigned)(*s - '0') >= 10u)
		return -1;
	for (; (unsigned)(*s - '0') < 10u; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

enum { REC_NONE = 0, REC_OK = 1, REC_BAD = -1 };

/* One parsed record: the bytes it covers and whether it writes. */
struct record {
	uint64_t addr, size;
	bool     write;
	const char *why;     /* for REC_BAD */
};

/*
 * A lackey line, [line, end) with a NUL at @end: REC_OK, REC_NONE for a
 * line that is not a record (lackey prints other things; they are
 * ignored), REC_BAD for one that starts like a record and does not parse.
 */
static int lackey_record(const char *line, const char *end, struct record *rec)
{
	const char *p;
	char kind;

	if (line[0] == 'I' && line[1] == ' ') {
		kind = 'I';
		p = line + 2;
	} else if (line[0] == ' ' && (line[1] == 'L' || line[1] == 'S' || line[1] == 'M') &&
		   line[2] == ' ') {
		kind = line[1];
		p = line + 3;
	} else {
		return REC_NONE;
	}
	rec->write = kind == 'S' || kind == 'M';
	p = skip_blanks(p);
	if (parse_hex(&p, &rec->addr) < 0 || *p++ != ',') {
		rec->why = "expected a hex address and a comma";
		return REC_BAD;
	}
	if (parse_dec(&p, UINT64_MAX, &rec->size) < 0 || skip_blanks(p) != end) {
		rec->why = "expected a decimal size after the comma";
		return REC_BAD;
	}
	return REC_OK;
}

/* A comment or blank line of memsim and refs, [line, end). */
static bool is_comment(const char *line, const char *end)
{
	line = skip_blanks(line);
	return line == end || *line == '#';
}

/* A memsim line, [line, end) with a NUL at @end: REC_OK, REC_NONE for a
 * comment, REC_BAD. */
static int memsim_record(const char *line, const char *end, struct record *rec)
{
	const char *p = skip_blanks(line);

	if (is_comment(p, end))
		return REC_NONE;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (parse_hex(&p, &rec->addr) < 0 || !is_blank(*p)) {
		rec->why = "expected a hex address, a blank and R or W";
		return REC_BAD;
	}
	p = skip_blanks(p);
	if ((*p | 0x20) != 'r' && (*p | 0x20) != 'w') {
		rec->why = "expected R or W after the address";
		return REC_BAD;
	}
	rec->write = (*p | 0x20) == 'w';
	if (skip_blanks(p + 1) != end) {
		rec->why = "text after R or W";
		return REC_BAD;
	}
	rec->size = 1;
	return REC_OK;
}

/* Whether [line, end) reads as refs: page numbers, blanks and commas only. */
static bool refs_line(const char *line, const char *end)
{
	bool digit = false;

	for (const char *p = line; p < end; p++) {
		if ((unsigned)(*p - '0') < 10u)
			digit = true;
		else if (!is_blank(*p) && *p != ',')
			return false;
	}
	return digit;
}

/* ---- detection ------------------------------------------------------------- */

/* The format of the first line in @buf[0, len) that decides, or FORMAT_AUTO. */
static enum trace_format detect(const uint8_t *buf, size_t len)
{
	char line[TRACE_LINE_MAX];
	size_t pos = 0;

	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		struct record rec;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, buf + pos, n);
		if (n && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		pos = nl ? (size_t)(nl - buf) + 1 : len;
		if (is_comment(line, line + n) || !strncmp(line, "==", 2) || !strncmp(line, "--", 2))
			continue;
		if (lackey_record(line, line + n, &rec) == REC_OK)
			return FORMAT_LACKEY;
		if (memsim_record(line, line + n, &rec) == REC_OK)
			return FORMAT_MEMSIM;
		if (refs_line(line, line + n))
			return FORMAT_REFS;
	}
	return FORMAT_AUTO;
}

/* ---- the page rule ----------------------------------------------------------- */

struct parse {
	struct reader      r;
	struct refstream  *s;
	struct trace_info *info;
	struct u64map      pages;
	uint64_t           top_vpn;   /* first page beyond the user half */
	uint64_t           last_vpn;  /* the last page added to the set */
};

/* One reference to page @vpn. 0 or -1 (reported). */
static int add_ref(struct parse *ps, uint64_t vpn, bool write)
{
	int rc;

	if (vpn >= ps->top_vpn) {
		ps->info->outside++;
		return 0;
	}
	if (vpn != ps->last_vpn || ps->info->refs == 0) {
		if (!map_put(&ps->pages, vpn, 0, NULL)) {
			fprintf(stderr, "vmfs-replay: %s: out of memory for the page set\n", ps->r.name);
			return -1;
		}
		ps->last_vpn = vpn;
	}
	if ((rc = stream_append(ps->s, vpn, write)) < 0) {
		fprintf(stderr, "vmfs-replay: %s: writing the parsed trace: %s\n", ps->r.name,
			strerror(-rc));
		return -1;
	}
	ps->info->refs++;
	ps->info->writes += write;
	return 0;
}

/* A record references every page of [addr, addr+size-1], in ascending order. */
static int add_record(struct parse *ps, const struct record *rec)
{
	uint64_t first = rec->addr >> 12, last = (rec->addr + rec->size - 1) >> 12;

	ps->info->records++;
	for (uint64_t vpn = first;; vpn++) {
		if (add_ref(ps, vpn, rec->write) < 0)
			return -1;
		if (vpn == last)
			return 0;
	}
}

/* Print a shortened, printable copy of @line. */
static void print_excerpt(const char *line, size_t len, bool cut)
{
	size_t n = len > 60 ? 60 : len;

	fputs(" '", stderr);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c >= 0x20 && c < 0x7f)
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs(n < len || cut ? "...'" : "'", stderr);
}

/* A malformed record: stop (-1), or count it and go on (0) under lenient. */
static int malformed(struct parse *ps, const char *what, const char *why,
		     const char *line, size_t len, bool cut)
{
	struct trace_info *info = ps->info;

	if (!info->malformed)
		info->first_malformed_line = ps->r.line;
	info->malformed++;
	if (ps->r.o->lenient)
		return 0;
	fprintf(stderr, "%s:%llu: malformed %s record: %s;", ps->r.name,
		(unsigned long long)ps->r.line, what, why);
	print_excerpt(line, len, cut);
	fputs(" (--lenient skips such records)\n", stderr);
	return -1;
}

static int parse_lines(struct parse *ps)
{
	bool lackey = ps->info->format == FORMAT_LACKEY;
	const char *what = trace_format_name(ps->info->format);
	char *line;
	size_t len;
	bool cut;
	int rc;

	while ((rc = reader_line(&ps->r, &line, &len, &cut)) > 0) {
		struct record rec;
		int kind = lackey ? lackey_record(line, line + len, &rec)
				  : memsim_record(line, line + len, &rec);

		if (kind == REC_BAD && memchr(line, '\0', len))
			rec.why = "a NUL byte in the line";

		if (kind == REC_NONE)
			continue;
		if (kind == REC_OK && cut) {
			kind = REC_BAD;
			rec.why = "line too long";
		}
		if (kind == REC_OK && rec.size == 0) {
			kind = REC_BAD;
			rec.why = "zero size";
		}
		if (kind == REC_OK && rec.size > RECORD_SIZE_MAX) {
			kind = REC_BAD;
			rec.why = "size larger than 1 MiB";
		}
		if (kind == REC_OK && rec.addr + (rec.size - 1) < rec.addr) {
			kind = REC_BAD;
			rec.why = "range passes the end of the address space";
		}
		if (kind == REC_BAD) {
			if (malformed(ps, what, rec.why, line, len, cut) < 0)
				return -1;
			continue;
		}
		if (add_record(ps, &rec) < 0)
			return -1;
	}
	ps->info->lines = ps->r.line;
	return rc;
}

/*
 * refs, byte by byte: a token is a run of anything but separators (blank,
 * comma, newline); '#' starts a comment up to the end of the line.  A token
 * that is not a decimal page number no larger than REF_VPN_MAX is malformed.
 */
static int parse_refs(struct parse *ps)
{
	struct reader *r = &ps->r;
	char tok[32];
	size_t tlen = 0;
	bool comment = false, toolong = false;

	int last = '\n';

	r->line = 1;
	for (;;) {
		int c;

		if (r->pos == r->len) {
			if (r->eof) {
				c = EOF;
			} else {
				if (reader_fill(r) < 0)
					return -1;
				continue;
			}
		} else {
			c = r->buf[r->pos++];
			last = c;
		}
		if (comment && c != '\n' && c != EOF)
			continue;
		if (c == EOF || c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == ',' ||
		    c == '#') {
			if (tlen) {
				const char *p = tok;
				uint64_t vpn;

				tok[tlen] = '\0';
				if (!toolong && parse_dec(&p, REF_VPN_MAX, &vpn) == 0 && p == tok + tlen) {
					ps->info->records++;
					if (add_ref(ps, vpn, false) < 0)
						return -1;
				} else if (malformed(ps, "refs", memchr(tok, '\0', tlen)
						     ? "a NUL byte in the page number"
						     : toolong || (unsigned)(tok[0] - '0') < 10u
						     ? "page number too large or not a number"
						     : "expected a decimal page number",
						     tok, tlen, toolong) < 0) {
					return -1;
				}
				tlen = 0;
				toolong = false;
			}
			if (c == '#')
				comment = true;
			if (c == '\n') {
				comment = false;
				r->line++;
			}
			if (c == EOF)
				break;
			continue;
		}
		if (tlen < sizeof(tok) - 1)
			tok[tlen++] = (char)c;
		else
			toolong = true;
	}
	/* r->line counted the newlines from 1; a last line without one counts too. */
	ps->info->lines = r->line - 1 + (last != '\n');
	return 0;
}

int trace_parse(const char *path, const struct trace_opts *o, struct refstream *s,
		struct trace_info *info)
{
	struct parse ps = { .s = s, .info = info };
	struct reader *r = &ps.r;
	bool is_stdin = !strcmp(path, "-");
	struct stat st;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	info->size = -1;
	r->o = o;
	r->name = is_stdin ? "(standard input)" : path;
	r->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		fprintf(stderr, "vmfs-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode))
		info->size = st.st_size;
	else if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmfs-replay: %s: is a directory\n", path);
		goto out_close;
	}
	r->buf = malloc(READ_BLOCK + TRACE_LINE_MAX + 1);
	if (!r->buf || map_init(&ps.pages, 1024) < 0) {
		fprintf(stderr, "vmfs-replay: out of memory\n");
		goto out;
	}
	ps.top_vpn = o->user_top >> 12;
	r->next_progress = PROGRESS_EVERY;

	/* The first block, whole even from a pipe, for detection. */
	while (!r->eof && r->len < READ_BLOCK)
		if (reader_fill(r) < 0)
			goto out;
	info->format = o->format;
	if (info->format == FORMAT_AUTO) {
		info->format = detect(r->buf, r->len);
		info->detected = true;
		if (info->format == FORMAT_AUTO) {
			if (r->len)
				fprintf(stderr, "vmfs-replay: %s: cannot tell the trace format from its "
					"first lines (lackey, memsim or refs); give --format\n", r->name);
			else
				fprintf(stderr, "vmfs-replay: %s: empty trace\n", r->name);
			goto out;
		}
	}
	if (info->format == FORMAT_REFS)
		rc = parse_refs(&ps);
	else
		rc = parse_lines(&ps);
	if (rc == 0 && (rc = stream_finish(s)) < 0) {
		fprintf(stderr, "vmfs-replay: %s: writing the parsed trace: %s\n", r->name,
			strerror(-rc));
		rc = -1;
	}
	info->bytes = r->bytes;
	info->pages = ps.pages.n;
	if (o->progress)
		o->progress(o->progress_arg, r->bytes);
out:
	map_free(&ps.pages);
	free(r->buf);
out_close:
	if (!is_stdin)
		close(r->fd);
	return rc < 0 ? -1 : 0;
}

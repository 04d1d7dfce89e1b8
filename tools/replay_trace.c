/*
 * replay_trace.c - parse traces into a reference stream (see replay_trace.h
 * for the formats, their compression and the page rule).
 *
 * The file is read in blocks of READ_BLOCK bytes, through a decompressor
 * when its first bytes are gzip's, zstd's or xz's magic, into one buffer;
 * the line formats are taken a line at a time (a line longer than
 * TRACE_LINE_MAX is cut there, and the rest of it skipped), refs a byte at
 * a time, since a refs trace may be one enormous line, oraclegeneral 24
 * bytes at a time.  Detection looks at the first block only, filled
 * completely even from a pipe: the first line that reads as a record of
 * some format decides (lackey, then memsim, pin, din, then the decimal
 * ones); blank lines, '#' comments and valgrind's "==PID==" and "--PID--"
 * lines decide nothing.  Decimal lines are refs unless the first 64 lines
 * from the first deciding one say more: a line "*" among one-number lines
 * makes it lirs, two or more lines of four numbers each (and no other) arc.
 * A din line whose address has no hex letter reads as refs too, so din is
 * detected only when some din line there has one.  oraclegeneral, being
 * binary, is detected by its name only (a path containing "oracleGeneral",
 * as libCacheSim's files are named).  Compressed data is decoded in
 * ZIN_BLOCK steps; an uncompressed file is read straight into the buffer.
 * The parsers are hand-written (no sscanf): a trace of a few seconds of a
 * real program is a hundred million lines.
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
#include <lzma.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_BLOCK       (1u << 20)
#define ZIN_BLOCK        (256u << 10) /* compressed bytes read at a time */
#define RECORD_SIZE_MAX  (1u << 20)   /* a byte record may span at most 1 MiB */
#define BLOCK_PAGES_MAX  (1u << 20)   /* a block record at most 2^20 pages */
#define ORACLE_RECORD    24u
#define PROGRESS_EVERY   (8u << 20)   /* bytes between progress calls */

static const char *const format_names[] = {
	[FORMAT_AUTO] = "auto", [FORMAT_LACKEY] = "lackey",
	[FORMAT_MEMSIM] = "memsim", [FORMAT_REFS] = "refs",
	[FORMAT_DIN] = "din", [FORMAT_PIN] = "pin", [FORMAT_ARC] = "arc",
	[FORMAT_LIRS] = "lirs", [FORMAT_ORACLE] = "oraclegeneral",
};

static const char *const codec_names[] = {
	[CODEC_NONE] = "none", [CODEC_GZIP] = "gzip", [CODEC_ZSTD] = "zstd", [CODEC_XZ] = "xz",
};

const char *trace_codec_name(enum trace_codec c)
{
	return (unsigned)c < sizeof(codec_names) / sizeof(codec_names[0]) ? codec_names[c] : "?";
}

/* Whether @f numbers blocks rather than addressing bytes. */
static bool block_format(enum trace_format f)
{
	return f == FORMAT_REFS || f == FORMAT_ARC || f == FORMAT_LIRS || f == FORMAT_ORACLE;
}

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
	/* the file's bytes, before decompression */
	enum trace_codec codec;
	uint8_t    *zin;          /* ZIN_BLOCK bytes */
	size_t      zpos, zlen;   /* unread bytes are zin[zpos, zlen) */
	bool        zeof;         /* the file is read to its end */
	bool        zdone;        /* the compressed data ended where it may */
	z_stream    gz;
	ZSTD_DStream *zs;
	lzma_stream xz;
	uint64_t    bytes;        /* of the file, read so far */
	uint64_t    next_progress;
	uint64_t    line;         /* number of the line being parsed (1-based) */
	char        cutline[TRACE_LINE_MAX];   /* a line too long, as far as it is kept */
	const struct trace_opts *o;
};

/* Read up to @cap bytes of the file into @dst: the count (0 at its end), or -1. */
static ssize_t raw_read(struct reader *r, uint8_t *dst, size_t cap)
{
	ssize_t n;

	do {
		n = read(r->fd, dst, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, "vmfs-replay: %s: read error: %s\n", r->name, strerror(errno));
		return -1;
	}
	if (n == 0)
		r->zeof = true;
	r->bytes += (uint64_t)n;
	if (r->o->progress && r->bytes >= r->next_progress) {
		r->o->progress(r->o->progress_arg, r->bytes);
		r->next_progress = r->bytes + PROGRESS_EVERY;
	}
	return n;
}

/* Read more of the file into zin[zlen, ZIN_BLOCK), keeping zin[zpos, zlen).  0 or -1. */
static int raw_fill(struct reader *r)
{
	ssize_t n;

	if (r->zpos) {
		memmove(r->zin, r->zin + r->zpos, r->zlen - r->zpos);
		r->zlen -= r->zpos;
		r->zpos = 0;
	}
	if ((n = raw_read(r, r->zin + r->zlen, ZIN_BLOCK - r->zlen)) < 0)
		return -1;
	r->zlen += (size_t)n;
	return 0;
}

/* The compression the file's first bytes announce; sets up its decoder.  0 or -1. */
static int codec_start(struct reader *r)
{
	static const uint8_t gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd },
			     xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	const uint8_t *p;

	while (!r->zeof && r->zlen < sizeof(xz))
		if (raw_fill(r) < 0)
			return -1;
	p = r->zin;
	if (r->zlen >= sizeof(gz) && !memcmp(p, gz, sizeof(gz)))
		r->codec = CODEC_GZIP;
	else if (r->zlen >= sizeof(zst) && !memcmp(p, zst, sizeof(zst)))
		r->codec = CODEC_ZSTD;
	else if (r->zlen >= sizeof(xz) && !memcmp(p, xz, sizeof(xz)))
		r->codec = CODEC_XZ;
	switch (r->codec) {
	case CODEC_GZIP:
		if (inflateInit2(&r->gz, 16 + MAX_WBITS) == Z_OK)
			return 0;
		break;
	case CODEC_ZSTD:
		if ((r->zs = ZSTD_createDStream()) && !ZSTD_isError(ZSTD_initDStream(r->zs)))
			return 0;
		break;
	case CODEC_XZ:
		if (lzma_stream_decoder(&r->xz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK)
			return 0;
		break;
	case CODEC_NONE:
		return 0;
	}
	fprintf(stderr, "vmfs-replay: %s: cannot start the %s decoder\n", r->name,
		trace_codec_name(r->codec));
	return -1;
}

static void codec_end(struct reader *r)
{
	if (r->codec == CODEC_GZIP)
		inflateEnd(&r->gz);
	else if (r->codec == CODEC_ZSTD)
		ZSTD_freeDStream(r->zs);
	else if (r->codec == CODEC_XZ)
		lzma_end(&r->xz);
}

/*
 * Decompress into @dst (room for @cap > 0 bytes) what the compressed bytes
 * held give: the bytes made, 0 if none (more input needed, or the end), -1
 * on corrupt data (reported).  Several gzip members or zstd frames one
 * after another are one stream; xz's decoder reads concatenated streams
 * itself.
 */
static ssize_t codec_step(struct reader *r, uint8_t *dst, size_t cap)
{
	size_t in = r->zlen - r->zpos, made = 0;
	const char *why = NULL;

	switch (r->codec) {
	case CODEC_GZIP: {
		int rc;

		if (r->zdone) {        /* a member ended: another may follow */
			if (!in)
				return 0;
			if (inflateReset(&r->gz) != Z_OK)
				why = "zlib cannot restart";
			r->zdone = false;
		}
		r->gz.next_in = r->zin + r->zpos;
		r->gz.avail_in = (uInt)in;
		r->gz.next_out = dst;
		r->gz.avail_out = (uInt)cap;
		rc = why ? Z_OK : inflate(&r->gz, Z_NO_FLUSH);
		made = cap - r->gz.avail_out;
		r->zpos += in - r->gz.avail_in;
		if (rc == Z_STREAM_END)
			r->zdone = true;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			why = r->gz.msg ? r->gz.msg : "corrupt data";
		break;
	}
	case CODEC_ZSTD: {
		ZSTD_inBuffer zi = { r->zin + r->zpos, in, 0 };
		ZSTD_outBuffer zo = { dst, cap, 0 };
		size_t rc = ZSTD_decompressStream(r->zs, &zo, &zi);

		if (ZSTD_isError(rc))
			why = ZSTD_getErrorName(rc);
		made = zo.pos;
		r->zpos += zi.pos;
		r->zdone = !why && rc == 0;   /* a frame ended, no byte of it pending */
		break;
	}
	case CODEC_XZ: {
		lzma_ret rc;

		r->xz.next_in = r->zin + r->zpos;
		r->xz.avail_in = in;
		r->xz.next_out = dst;
		r->xz.avail_out = cap;
		rc = lzma_code(&r->xz, r->zeof ? LZMA_FINISH : LZMA_RUN);
		made = cap - r->xz.avail_out;
		r->zpos += in - r->xz.avail_in;
		if (rc == LZMA_STREAM_END)
			r->zdone = true;
		else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
			why = rc == LZMA_MEM_ERROR ? "out of memory" : "corrupt data";
		break;
	}
	case CODEC_NONE:
		break;
	}
	if (why) {
		fprintf(stderr, "vmfs-replay: %s: %s: %s\n", r->name, trace_codec_name(r->codec), why);
		return -1;
	}
	return (ssize_t)made;
}

/* Up to @cap bytes of the trace, decompressed: the count, 0 at its end, or -1. */
static ssize_t source_read(struct reader *r, uint8_t *dst, size_t cap)
{
	if (r->codec == CODEC_NONE) {   /* what codec_start() read, then the file itself */
		size_t n = r->zlen - r->zpos < cap ? r->zlen - r->zpos : cap;

		if (!n)
			return r->zeof ? 0 : raw_read(r, dst, cap);
		memcpy(dst, r->zin + r->zpos, n);
		r->zpos += n;
		return (ssize_t)n;
	}
	for (;;) {
		size_t before;
		ssize_t n;

		if (r->zpos == r->zlen && !r->zeof && raw_fill(r) < 0)
			return -1;
		if (r->zpos == r->zlen && r->zeof && r->zdone)
			return 0;
		before = r->zpos;
		if ((n = codec_step(r, dst, cap)) != 0)
			return n;
		if (r->zpos == r->zlen) {
			if (!r->zeof)
				continue;
			if (r->zdone)
				return 0;
			fprintf(stderr, "vmfs-replay: %s: %s: the compressed data ends early\n",
				r->name, trace_codec_name(r->codec));
			return -1;
		}
		if (r->zpos == before) {   /* nothing made, nothing taken: stuck */
			fprintf(stderr, "vmfs-replay: %s: %s: corrupt data\n", r->name,
				trace_codec_name(r->codec));
			return -1;
		}
	}
}

/* Read more after buf[len), keeping buf[pos, len).  0 or -1 (reported). */
static int reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	n = source_read(r, r->buf + r->len, READ_BLOCK + TRACE_LINE_MAX - r->len);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = true;
	r->len += (size_t)n;
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

/*
 * A din line: "LABEL HEXADDR", anything after a blank following the
 * address ignored.  REC_NONE for a comment and for labels 3 and 4.
 */
static int din_record(const char *line, const char *end, struct record *rec)
{
	const char *p = skip_blanks(line);
	char label;

	if (is_comment(p, end))
		return REC_NONE;
	label = *p;
	if (label < '0' || label > '4' || !is_blank(p[1])) {
		rec->why = "expected a label 0 to 4, a blank and a hex address";
		return REC_BAD;
	}
	p = skip_blanks(p + 1);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (parse_hex(&p, &rec->addr) < 0 || (p != end && !is_blank(*p))) {
		rec->why = "expected a hex address after the label";
		return REC_BAD;
	}
	if (label == '3' || label == '4')
		return REC_NONE;
	rec->write = label == '1';
	rec->size = 1;
	return REC_OK;
}

/* A pin line: "IP: R|W ADDR", hex with an optional 0x. */
static int pin_record(const char *line, const char *end, struct record *rec)
{
	const char *p = skip_blanks(line);
	uint64_t ip;

	if (is_comment(p, end))
		return REC_NONE;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (parse_hex(&p, &ip) < 0 || *p++ != ':') {
		rec->why = "expected a hex instruction address and a colon";
		return REC_BAD;
	}
	p = skip_blanks(p);
	if ((*p != 'R' && *p != 'W') || !is_blank(p[1])) {
		rec->why = "expected R or W after the colon";
		return REC_BAD;
	}
	rec->write = *p == 'W';
	p = skip_blanks(p + 1);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (parse_hex(&p, &rec->addr) < 0 || skip_blanks(p) != end) {
		rec->why = "expected a hex address after R or W";
		return REC_BAD;
	}
	rec->size = 1;
	return REC_OK;
}

/*
 * The decimal fields of [line, end), separated by blanks, into @v (at most
 * @max): their count, or -1 if something else is there or there are more.
 */
static int dec_fields(const char *line, const char *end, uint64_t *v, int max)
{
	const char *p = skip_blanks(line);
	int n = 0;

	while (p != end) {
		if (n == max || parse_dec(&p, UINT64_MAX, &v[n]) < 0 || (p != end && !is_blank(*p)))
			return -1;
		n++;
		p = skip_blanks(p);
	}
	return n;
}

/*
 * An arc line, "START NBLOCKS IGNORE REQNO": in @rec, addr is the first
 * block and size the number of blocks (turned into bytes by the caller).
 */
static int arc_record(const char *line, const char *end, struct record *rec)
{
	uint64_t v[4];

	if (is_comment(line, end))
		return REC_NONE;
	if (dec_fields(line, end, v, 4) != 4) {
		rec->why = "expected four decimal numbers: start, blocks, ignored, request";
		return REC_BAD;
	}
	rec->addr = v[0];
	rec->size = v[1];
	rec->write = false;
	return REC_OK;
}

/* A lirs line: one block number, or "*". */
static int lirs_record(const char *line, const char *end, struct record *rec)
{
	const char *p = skip_blanks(line);

	if (is_comment(p, end) || (*p == '*' && skip_blanks(p + 1) == end))
		return REC_NONE;
	if (dec_fields(p, end, &rec->addr, 1) != 1) {
		rec->why = "expected one decimal block number";
		return REC_BAD;
	}
	rec->size = 1;
	rec->write = false;
	return REC_OK;
}

typedef int (*line_record_fn)(const char *line, const char *end, struct record *rec);

static const line_record_fn line_record[FORMAT_COUNT] = {
	[FORMAT_LACKEY] = lackey_record, [FORMAT_MEMSIM] = memsim_record,
	[FORMAT_DIN] = din_record, [FORMAT_PIN] = pin_record,
	[FORMAT_ARC] = arc_record, [FORMAT_LIRS] = lirs_record,
};

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

/* Whether [p, end) has a hex letter (a-f, A-F). */
static bool has_hex_letter(const char *p, const char *end)
{
	for (; p < end; p++)
		if ((unsigned)((*p | 0x20) - 'a') < 6u)
			return true;
	return false;
}

/* The format of @buf[0, len) as its first lines tell it, or FORMAT_AUTO. */
static enum trace_format detect(const uint8_t *buf, size_t len)
{
	char line[TRACE_LINE_MAX];
	size_t pos = 0, decided = 0;
	enum trace_format first = FORMAT_AUTO;
	bool star = false, all_one = true, all_four = true, all_din = true, din_hex = false;

	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		struct record rec;
		const char *end;
		uint64_t v[4];

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, buf + pos, n);
		if (n && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		end = line + n;
		pos = nl ? (size_t)(nl - buf) + 1 : len;
		if (is_comment(line, end) || !strncmp(line, "==", 2) || !strncmp(line, "--", 2))
			continue;
		if (*skip_blanks(line) == '*' && skip_blanks(skip_blanks(line) + 1) == end) {
			star = true;
			continue;
		}
		if (first == FORMAT_AUTO) {
			if (lackey_record(line, end, &rec) == REC_OK)
				return FORMAT_LACKEY;
			if (memsim_record(line, end, &rec) == REC_OK)
				return FORMAT_MEMSIM;
			if (pin_record(line, end, &rec) == REC_OK)
				return FORMAT_PIN;
			if (refs_line(line, end))
				first = FORMAT_REFS;
			else if (din_record(line, end, &rec) == REC_OK && has_hex_letter(line, end))
				return FORMAT_DIN;
			else
				continue;
		}
		/* Decimal lines: which shape do they keep? */
		if (++decided > 64)
			break;
		all_one &= dec_fields(line, end, v, 1) == 1;
		all_four &= dec_fields(line, end, v, 4) == 4;
		all_din &= din_record(line, end, &rec) != REC_BAD;
		din_hex |= has_hex_letter(line, end);
	}
	if (first == FORMAT_AUTO)
		return FORMAT_AUTO;
	if (all_din && din_hex)
		return FORMAT_DIN;
	if (all_one && star)
		return FORMAT_LIRS;
	if (all_four && decided >= 2)
		return FORMAT_ARC;
	return FORMAT_REFS;
}

/* ---- the page rule ----------------------------------------------------------- */

struct parse {
	struct reader      r;
	struct refstream  *s;
	struct trace_info *info;
	struct u64map      pages;
	uint64_t           top_vpn;   /* first page beyond the user half */
	uint64_t           last_vpn;  /* the last page added to the set */
	uint64_t           block;     /* bytes a block of the block formats */
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

/*
 * Blocks to bytes: @rec's addr is a first block and size a number of them;
 * make them the byte range they cover.  0, or -1 with rec->why set.
 */
static int blocks_to_bytes(const struct parse *ps, struct record *rec)
{
	uint64_t b = ps->block;

	if (rec->addr > UINT64_MAX / b || rec->size > UINT64_MAX / b ||
	    rec->addr * b + rec->size * b < rec->addr * b) {
		rec->why = "block number too large";
		return -1;
	}
	rec->addr *= b;
	rec->size *= b;
	return 0;
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
	line_record_fn record = line_record[ps->info->format];
	bool blocks = block_format(ps->info->format);
	uint64_t size_max = blocks ? (uint64_t)BLOCK_PAGES_MAX << 12 : RECORD_SIZE_MAX;
	const char *what = trace_format_name(ps->info->format);
	char *line;
	size_t len;
	bool cut;
	int rc;

	while ((rc = reader_line(&ps->r, &line, &len, &cut)) > 0) {
		struct record rec;
		int kind = record(line, line + len, &rec);

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
			rec.why = blocks ? "zero blocks" : "zero size";
		}
		if (kind == REC_OK && blocks && blocks_to_bytes(ps, &rec) < 0)
			kind = REC_BAD;
		if (kind == REC_OK && rec.size > size_max) {
			kind = REC_BAD;
			rec.why = blocks ? "more than 4 GiB" : "size larger than 1 MiB";
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
				struct record rec = { .size = 1 };
				bool number = !toolong && parse_dec(&p, REF_VPN_MAX, &vpn) == 0 &&
					      p == tok + tlen;

				if (number && ps->block != 4096) {   /* a block of another size */
					rec.addr = vpn;
					if (blocks_to_bytes(ps, &rec) == 0) {
						if (add_record(ps, &rec) < 0)
							return -1;
					} else if (malformed(ps, "refs", rec.why, tok, tlen, false) < 0) {
						return -1;
					}
				} else if (number) {
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

static uint64_t le_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * oraclegeneral, 24 bytes a record; object ids numbered densely in order of
 * first appearance (in @ids).  The record count stands in for the line.
 */
static int parse_oracle(struct parse *ps)
{
	struct reader *r = &ps->r;
	struct u64map ids;
	uint64_t id, max_block = UINT64_MAX;   /* the block of id UINT64_MAX, once seen */
	int rc = 0;

	if (map_init(&ids, 1024) < 0) {
		fprintf(stderr, "vmfs-replay: out of memory\n");
		return -1;
	}
	for (;;) {
		const uint8_t *p;
		struct record rec = { .size = 1 };
		uint64_t *k;

		while (r->len - r->pos < ORACLE_RECORD && !r->eof)
			if ((rc = reader_fill(r)) < 0)
				goto out;
		if (r->len == r->pos)
			break;
		r->line++;
		if (r->len - r->pos < ORACLE_RECORD) {
			rc = malformed(ps, "oraclegeneral", "a partial record at the end",
				       (const char *)r->buf + r->pos, r->len - r->pos, false);
			r->pos = r->len;
			break;
		}
		p = r->buf + r->pos;
		r->pos += ORACLE_RECORD;
		if (!(p[12] | p[13] | p[14] | p[15]))   /* obj_size 0: skipped */
			continue;
		id = le_u64(p + 4);
		if (id == UINT64_MAX) {         /* the one key the map cannot hold */
			if (max_block == UINT64_MAX)
				max_block = ids.n;
			k = &max_block;
		} else if (!(k = map_put(&ids, id, ids.n + (max_block != UINT64_MAX), NULL))) {
			fprintf(stderr, "vmfs-replay: %s: out of memory for the object ids\n", r->name);
			rc = -1;
			goto out;
		}
		rec.addr = *k;
		if (blocks_to_bytes(ps, &rec) < 0) {
			if ((rc = malformed(ps, "oraclegeneral", rec.why, (const char *)p,
					    ORACLE_RECORD, false)) < 0)
				goto out;
			continue;
		}
		if ((rc = add_record(ps, &rec)) < 0)
			goto out;
	}
	ps->info->lines = r->line;
out:
	map_free(&ids);
	return rc;
}

/* Whether @path names a libCacheSim oracleGeneral file. */
static bool oracle_name(const char *path)
{
	for (const char *p = path; *p; p++)
		if (!strncasecmp(p, "oraclegeneral", 13))
			return true;
	return false;
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
	r->zin = malloc(ZIN_BLOCK);
	if (!r->buf || !r->zin || map_init(&ps.pages, 1024) < 0) {
		fprintf(stderr, "vmfs-replay: out of memory\n");
		goto out;
	}
	ps.top_vpn = o->user_top >> 12;
	ps.block = o->block_size ? o->block_size : 4096;
	r->next_progress = PROGRESS_EVERY;
	if (codec_start(r) < 0)
		goto out;
	info->codec = r->codec;

	/* The first block, whole even from a pipe, for detection. */
	while (!r->eof && r->len < READ_BLOCK)
		if (reader_fill(r) < 0)
			goto out;
	info->format = o->format;
	if (info->format == FORMAT_AUTO && !is_stdin && oracle_name(path)) {
		info->format = FORMAT_ORACLE;
		info->detected = true;
	}
	if (info->format == FORMAT_AUTO) {
		info->format = detect(r->buf, r->len);
		info->detected = true;
		if (info->format == FORMAT_AUTO) {
			if (r->len)
				fprintf(stderr, "vmfs-replay: %s: cannot tell the trace format from its "
					"first lines (lackey, memsim, refs, din, pin, arc, lirs); "
					"give --format\n", r->name);
			else
				fprintf(stderr, "vmfs-replay: %s: empty trace\n", r->name);
			goto out;
		}
	}
	if (o->block_size && !block_format(info->format)) {
		fprintf(stderr, "vmfs-replay: %s: --block applies to the block formats (refs, arc, "
			"lirs, oraclegeneral), not to %s\n", r->name, trace_format_name(info->format));
		goto out;
	}
	if (info->format == FORMAT_REFS)
		rc = parse_refs(&ps);
	else if (info->format == FORMAT_ORACLE)
		rc = parse_oracle(&ps);
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
	codec_end(r);
	map_free(&ps.pages);
	free(r->buf);
	free(r->zin);
out_close:
	if (!is_stdin)
		close(r->fd);
	return rc < 0 ? -1 : 0;
}

/*
 * replay_trace.h - reading memory traces: the formats of SPEC §4 and §6,
 * their detection, their compression, and the rule that turns a record
 * into page references.
 *
 *   lackey  valgrind --tool=lackey --trace-mem=yes: "I  ADDR,SIZE" (fetch),
 *           " L ADDR,SIZE" (load), " S ADDR,SIZE" (store), " M ADDR,SIZE"
 *           (modify), ADDR hex, SIZE decimal; every other line is ignored.
 *   memsim  "HEXADDR R|W" per line, one byte each.
 *   refs    page numbers (decimal) separated by spaces, commas or
 *           newlines, each a read.
 *   din     Dinero's "LABEL HEXADDR [...]": label 0 read, 1 write, 2
 *           instruction fetch, one byte each; 3 and 4 (Dinero's escape and
 *           flush records) are no references; anything after the address
 *           is ignored.
 *   pin     Pin's pinatrace, "IP: R|W ADDR" (hex, 0x optional), one byte.
 *   arc     the ARC paper's .lis, "START NBLOCKS IGNORE REQNO" (decimal):
 *           blocks START..START+NBLOCKS-1, each one read.
 *   lirs    the LIRS paper's traces: one block number (decimal) a line, a
 *           line "*" (the authors' checkpoint marker) is no reference.
 *   oraclegeneral  libCacheSim's binary records, 24 bytes little-endian:
 *           u32 time, u64 obj_id, u32 obj_size, i64 next_access_vtime;
 *           one read of the object, whose size is ignored; a record of
 *           size 0 is skipped (as libCacheSim does).  Object ids are
 *           hashes, not addresses: object k (in order of first appearance,
 *           from 0) is block k.
 *
 * Blank lines and lines starting with '#' are comments in every text
 * format but lackey.  The byte formats (lackey, memsim, din, pin) give a
 * byte range; the block formats (refs, arc, lirs, oraclegeneral) block
 * numbers, a block being a page unless block_size says otherwise: block b
 * of B bytes is the byte range [b*B, (b+1)*B-1] (arc's record of n blocks
 * from b: [b*B, (b+n)*B-1]).  A record references every page of its byte
 * range [addr, addr+size-1] once, in ascending order; S, M, W and din's
 * label 1 write, everything else reads.  A page at or above the machine's
 * user_top cannot be replayed in the user half and is skipped and counted
 * (outside).
 *
 * Any of them may be compressed with gzip, zstd or xz (several concatenated
 * members or frames too): the first bytes tell, and the file is read
 * through zlib, libzstd or liblzma.  Corrupt or truncated compressed data
 * stops the parse, lenient or not.
 *
 * A malformed record stops the parse with "FILE:LINE: why" on stderr, or is
 * skipped and counted under lenient.  Memory is bounded whatever the trace:
 * one read buffer, one line of at most TRACE_LINE_MAX bytes, the stream's
 * chunk buffer, and the set of distinct pages.
 */
#ifndef REPLAY_TRACE_H
#define REPLAY_TRACE_H

#include "replay_stream.h"

#include <stdbool.h>
#include <stdint.h>

#define TRACE_LINE_MAX 4096

enum trace_format {
	FORMAT_AUTO, FORMAT_LACKEY, FORMAT_MEMSIM, FORMAT_REFS,
	FORMAT_DIN, FORMAT_PIN, FORMAT_ARC, FORMAT_LIRS, FORMAT_ORACLE,
	FORMAT_COUNT
};

enum trace_codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD, CODEC_XZ };

/* "lackey", "memsim", "refs", "din", "pin", "arc", "lirs", "oraclegeneral"
 * ("auto" for FORMAT_AUTO). */
const char *trace_format_name(enum trace_format f);
/* The format called @name, or -1. */
int trace_format_parse(const char *name);

struct trace_opts {
	enum trace_format format;     /* FORMAT_AUTO: detect */
	bool              lenient;    /* skip malformed records, counting them */
	uint64_t          block_size; /* bytes a block of the block formats; 0: a page */
	uint64_t          user_top;   /* first address beyond the user half */
	/* Called now and then with the bytes read so far (may be NULL). */
	void            (*progress)(void *arg, uint64_t bytes);
	void             *progress_arg;
};

struct trace_info {
	enum trace_format format;     /* the format read */
	bool              detected;   /* it was detected, not given */
	enum trace_codec  codec;      /* the compression found */
	uint64_t          lines;
	uint64_t          records;    /* records that made references */
	uint64_t          refs;       /* page references in the stream */
	uint64_t          writes;     /* of which writes */
	uint64_t          pages;      /* distinct pages referenced */
	uint64_t          outside;    /* page references skipped: at or above user_top */
	uint64_t          malformed;  /* records skipped under lenient */
	uint64_t          first_malformed_line;
	uint64_t          bytes;      /* bytes read (of the file, compressed or not) */
	int64_t           size;       /* the file's size, -1 if unknown (a pipe) */
};

/*
 * Parse the trace at @path ("-" = standard input) into @s (initialised by
 * the caller, finished here).  Returns 0, or -1 after printing why to
 * stderr (a malformed record, an unknown format, a read error).
 */
int trace_parse(const char *path, const struct trace_opts *o, struct refstream *s,
		struct trace_info *info);

/* "none", "gzip", "zstd", "xz". */
const char *trace_codec_name(enum trace_codec c);

#endif /* REPLAY_TRACE_H */

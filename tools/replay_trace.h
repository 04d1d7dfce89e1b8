/*
 * replay_trace.h - reading memory traces: the three formats of SPEC §4,
 * their detection, and the rule that turns a record into page references.
 *
 *   lackey  valgrind --tool=lackey --trace-mem=yes: "I  ADDR,SIZE" (fetch),
 *           " L ADDR,SIZE" (load), " S ADDR,SIZE" (store), " M ADDR,SIZE"
 *           (modify), ADDR hex, SIZE decimal; every other line is ignored.
 *   memsim  "HEXADDR R|W" per line, one byte each.
 *   refs    page numbers (decimal) separated by spaces, commas or
 *           newlines, each a read.
 *
 * Blank lines and lines starting with '#' are comments in memsim and refs.
 * A record references every page of [addr, addr+size-1] once, in ascending
 * order; S, M and W write, everything else reads.  A page at or above the
 * machine's user_top cannot be replayed in the user half and is skipped
 * and counted (outside).
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

enum trace_format { FORMAT_AUTO, FORMAT_LACKEY, FORMAT_MEMSIM, FORMAT_REFS };

/* "lackey", "memsim", "refs" ("auto" for FORMAT_AUTO). */
const char *trace_format_name(enum trace_format f);
/* The format called @name, or -1. */
int trace_format_parse(const char *name);

struct trace_opts {
	enum trace_format format;     /* FORMAT_AUTO: detect */
	bool              lenient;    /* skip malformed records, counting them */
	uint64_t          user_top;   /* first address beyond the user half */
	/* Called now and then with the bytes read so far (may be NULL). */
	void            (*progress)(void *arg, uint64_t bytes);
	void             *progress_arg;
};

struct trace_info {
	enum trace_format format;     /* the format read */
	bool              detected;   /* it was detected, not given */
	uint64_t          lines;
	uint64_t          records;    /* records that made references */
	uint64_t          refs;       /* page references in the stream */
	uint64_t          writes;     /* of which writes */
	uint64_t          pages;      /* distinct pages referenced */
	uint64_t          outside;    /* page references skipped: at or above user_top */
	uint64_t          malformed;  /* records skipped under lenient */
	uint64_t          first_malformed_line;
	uint64_t          bytes;      /* bytes read */
	int64_t           size;       /* the file's size, -1 if unknown (a pipe) */
};

/*
 * Parse the trace at @path ("-" = standard input) into @s (initialised by
 * the caller, finished here).  Returns 0, or -1 after printing why to
 * stderr (a malformed record, an unknown format, a read error).
 */
int trace_parse(const char *path, const struct trace_opts *o, struct refstream *s,
		struct trace_info *info);

#endif /* REPLAY_TRACE_H */

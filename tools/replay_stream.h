/*
 * replay_stream.h - a trace, parsed once, as a compact stream of page
 * references that every run of vmfs-replay reads again.
 *
 * A trace may hold hundreds of millions of records and may come from a
 * pipe, so it is parsed exactly once (replay_trace.c) into this stream and
 * each (policy, frames) run then reads the stream, possibly several runs at
 * once in threads.  A reference is one virtual page number and whether the
 * access writes; in memory it is packed in one uint64_t (REF_PACK).
 *
 * On disk the stream is an unlinked temporary file (in $TMPDIR, else /tmp)
 * cut into chunks of at most STREAM_CHUNK_REFS references.  Within a chunk
 * each reference is one LEB128 varint of
 *
 *     zigzag(vpn - previous vpn) << 1 | write       (previous = 0 at a chunk start)
 *
 * so the usual reference, near the page before it, costs one byte.  An
 * in-memory index gives each chunk's file offset, byte length and count,
 * so any chunk can be read on its own (pread: readers share the file).
 * What stays true: chunks are contiguous and in order; every chunk but the
 * last holds exactly STREAM_CHUNK_REFS references; nrefs is their sum.
 * Memory: one chunk buffer per writer or reader, plus 16 bytes of index
 * per chunk (256 KiB for a billion references).
 */
#ifndef REPLAY_STREAM_H
#define REPLAY_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STREAM_CHUNK_REFS 65536u
/* The largest encoded chunk: at most 10 bytes a varint. */
#define STREAM_CHUNK_BYTES (STREAM_CHUNK_REFS * 10u)

/* One reference in memory: page number and write flag. */
#define REF_PACK(vpn, write) (((uint64_t)(vpn) << 1) | ((write) ? 1u : 0u))
#define REF_VPN(ref)         ((ref) >> 1)
#define REF_WRITE(ref)       ((ref) & 1u)
/* Page numbers fit in 63 bits: a 64-bit address has a 52-bit page number. */
#define REF_VPN_MAX          (UINT64_MAX >> 12)

struct stream_chunk {
	uint64_t off;     /* in the file */
	uint32_t len;     /* bytes */
	uint32_t nrefs;
};

struct refstream {
	int                  fd;
	uint64_t             nrefs;
	struct stream_chunk *chunk;
	size_t               nchunks, cap;
	/* the writer */
	uint8_t             *wbuf;
	uint32_t             wlen, wrefs;
	uint64_t             wprev, wend;
};

/*
 * A temporary file in $TMPDIR (else /tmp), already unlinked: the files of a
 * run never outlive it.  Returns the descriptor or -errno.
 */
int stream_tmpfile(void);

/* An empty stream ready for appending.  0 or -errno. */
int stream_init(struct refstream *s);

/* Append one reference (vpn <= REF_VPN_MAX).  0 or -errno (disk full). */
int stream_append(struct refstream *s, uint64_t vpn, bool write);

/* Write what is buffered; the stream is then complete and readable.  0 or -errno. */
int stream_finish(struct refstream *s);

/* Close the file and free everything. */
void stream_free(struct refstream *s);

/*
 * Read chunk @c into @refs (STREAM_CHUNK_REFS entries) using @buf
 * (STREAM_CHUNK_BYTES bytes).  Returns the references read, or -errno.
 */
int64_t stream_read_chunk(const struct refstream *s, size_t c, uint8_t *buf, uint64_t *refs);

/* ---- varints, shared with the opt policy's file of next uses -------------- */

static inline uint8_t *varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Decode one varint at @p (no more than @end); NULL if it runs past @end. */
static inline const uint8_t *varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
		uint8_t b = *p++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return p;
		}
	}
	return NULL;
}

/* Write @len bytes at @off, whole.  0 or -errno. */
int pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/* Read @len bytes at @off, whole.  0, or -errno (-EIO for a short file). */
int pread_all(int fd, void *buf, size_t len, uint64_t off);

#endif /* REPLAY_STREAM_H */

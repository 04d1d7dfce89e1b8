/*
 * replay_opt.h - opt, Belady's MIN, as a policy a program installs through
 * the public policy API (struct vmfs_policy_ops, vmfs_set_policy).
 *
 * MIN needs the future: when a frame must be freed it evicts the resident
 * page whose next use lies furthest ahead (a page never used again first;
 * among those, the lowest page number).  The future is computed once per
 * trace (future_build) as, for every reference, the index of the next
 * reference to the same page; the replay loop reads it alongside the
 * stream and, before each access, stores the current reference's next use
 * in a struct opt_cursor that the policy reads from its callbacks.  The
 * callbacks run inside vmfs_access on the replaying thread, so the cursor
 * needs no lock.
 *
 * The file of next uses mirrors the stream's chunks: chunk c holds one
 * varint per reference, the distance to the next use (0 = never).  It is
 * built by reading the stream backwards, chunk by chunk, with a map from
 * page to its next use: memory is one chunk plus the set of distinct pages.
 */
#ifndef REPLAY_OPT_H
#define REPLAY_OPT_H

#include "replay_stream.h"
#include "vmfs.h"

#include <stdint.h>

#define OPT_NEVER UINT64_MAX   /* a next use that never comes */

struct future {
	int       fd;
	struct future_chunk {
		uint64_t off;
		uint32_t len;
	}        *chunk;            /* one per stream chunk */
	size_t    nchunks;
};

/*
 * The next uses of every reference of @s (complete).  @progress, if not
 * NULL, is called after each chunk with the references done.  0 or -errno.
 */
int future_build(const struct refstream *s, struct future *f,
		 void (*progress)(void *arg, uint64_t refs), void *arg);
void future_free(struct future *f);

/*
 * Read the next uses of stream chunk @c (whose first reference has index
 * @first) into @next, as absolute reference indexes or OPT_NEVER; @buf
 * holds STREAM_CHUNK_BYTES.  Returns the count, or -errno.
 */
int64_t future_read_chunk(const struct future *f, size_t c, uint64_t first,
			  uint8_t *buf, uint64_t *next);

/* What the replay loop tells the policy before each access. */
struct opt_cursor {
	uint64_t next_use;   /* index of the next reference to this page, or OPT_NEVER */
};

/* The policy; vmfs_set_policy(m, NULL, &opt_policy_ops, &cursor). */
extern const struct vmfs_policy_ops opt_policy_ops;

#endif /* REPLAY_OPT_H */

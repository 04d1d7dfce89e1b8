/*
 * replay_stream.c - the parsed trace as a chunked, varint-coded temporary
 * file (see replay_stream.h for the encoding and what stays true).
 *
 * The writer fills one chunk buffer and writes it out when it holds
 * STREAM_CHUNK_REFS references; readers decode one chunk at a time into
 * an array of packed references.  Nothing here knows trace formats or the
 * machine: replay_trace.c writes, vmfs-replay.c and replay_opt.c read.
 */
#include "replay_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int stream_tmpfile(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	if (snprintf(path, sizeof(path), "%s/vmfs-replay.XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int stream_init(struct refstream *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = stream_tmpfile();
	if (s->fd < 0)
		return s->fd;
	s->wbuf = malloc(STREAM_CHUNK_BYTES);
	if (!s->wbuf) {
		close(s->fd);
		s->fd = -1;
		return -ENOMEM;
	}
	return 0;
}

/* Write the chunk being built and index it. */
static int flush_chunk(struct refstream *s)
{
	int rc;

	if (!s->wrefs)
		return 0;
	if (s->nchunks == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct stream_chunk *c = realloc(s->chunk, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		s->chunk = c;
		s->cap = cap;
	}
	if ((rc = pwrite_all(s->fd, s->wbuf, s->wlen, s->wend)) < 0)
		return rc;
	s->chunk[s->nchunks++] = (struct stream_chunk){ s->wend, s->wlen, s->wrefs };
	s->wend += s->wlen;
	s->wlen = 0;
	s->wrefs = 0;
	s->wprev = 0;
	return 0;
}

int stream_append(struct refstream *s, uint64_t vpn, bool write)
{
	uint64_t delta = vpn - s->wprev;
	/* zigzag: small steps either way become small numbers */
	uint64_t zz = (delta << 1) ^ (uint64_t)((int64_t)delta >> 63);

	s->wlen = (uint32_t)(varint_put(s->wbuf + s->wlen, (zz << 1) | (write ? 1 : 0)) - s->wbuf);
	s->wprev = vpn;
	s->nrefs++;
	if (++s->wrefs == STREAM_CHUNK_REFS)
		return flush_chunk(s);
	return 0;
}

int stream_finish(struct refstream *s)
{
	int rc = flush_chunk(s);

	free(s->wbuf);
	s->wbuf = NULL;
	return rc;
}

void stream_free(struct refstream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->chunk);
	free(s->wbuf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int64_t stream_read_chunk(const struct refstream *s, size_t c, uint8_t *buf, uint64_t *refs)
{
	const struct stream_chunk *ch = &s->chunk[c];
	const uint8_t *p = buf, *end = buf + ch->len;
	uint64_t prev = 0;
	int rc;

	if ((rc = pread_all(s->fd, buf, ch->len, ch->off)) < 0)
		return rc;
	for (uint32_t i = 0; i < ch->nrefs; i++) {
		uint64_t v, zz;

		if (*p < 0x80) {          /* the common case: one byte */
			v = *p++;
		} else if (!(p = varint_get(p, end, &v))) {
			return -EIO;
		}
		zz = v >> 1;
		prev += (zz >> 1) ^ (0 - (zz & 1));
		refs[i] = REF_PACK(prev, v & 1);
	}
	return p == end ? (int64_t)ch->nrefs : -EIO;
}

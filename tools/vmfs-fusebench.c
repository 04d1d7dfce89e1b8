/*
 * vmfs-fusebench - the ceiling of any FUSE file system on this host.
 *
 * A minimal libfuse3 file system with one read-only file, `data`, whose
 * bytes are a buffer in this process's memory.  tools/fusebench.sh reads it
 * with dd next to a vmfs mount's PID/mem and reports vmfs's rate as a
 * fraction of this one: nothing served through FUSE from memory can be
 * faster, since a read here does nothing but answer from the buffer.
 *
 * What keeps the comparison fair (the vmfs daemon is built the same way):
 *   - the low-level (inode) API, served by fuse_session_loop_mt with the
 *     same loop configuration (clone_fd, max_threads, max_idle_threads
 *     from the command line, libfuse's defaults otherwise);
 *   - direct I/O on open, as vmfs serves every file, so each read() of dd
 *     becomes FUSE READ requests and never touches the page cache;
 *   - the same connection limits: max_write raised to 1 MiB in init (the
 *     kernel derives its request size, max_pages, from it), and whatever
 *     mount options the driver gives both (e.g. max_read=N, which init
 *     passes back in conn->max_read as libfuse's low-level API requires).
 * The buffer is filled before the mount, so every host page is resident
 * and the timed reads never take a host page fault; like vmfs's simulated
 * RAM it asks for transparent huge pages.
 *
 * By default a read is answered straight from the buffer (fuse_reply_buf
 * of a pointer into it: no copy in user space).  With -o copy, each read
 * first copies its bytes into a small per-thread buffer, as vmfs does
 * (vmfs_read into its I/O buffer).  Neither always wins: the direct reply
 * makes the kernel pin pages all over 1 GiB, the copy reuses hot pages;
 * the driver runs both and takes the faster as the ceiling.
 *
 *     vmfs-fusebench [-f] [-o size=SIZE,copy,FUSE-OPTIONS] MOUNTPOINT
 *
 * size= takes K, M, G suffixes (default 1G).  `fusermount3 -u MOUNTPOINT`
 * ends it.
 */
#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include "serve.h"   /* the daemon's loop, shared (fuse/serve.c) */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT_INO 1
#define DATA_INO 2
#define IO_MAX   (1u << 20)   /* the daemon's largest request */

static const char data_name[] = "data";

static struct {
	char    *size_arg;   /* -o size=..., as given */
	int      copy;       /* -o copy: memcpy into a per-thread buffer first */
	unsigned max_read;   /* -o max_read=N, also left for libfuse */
	char    *buf;        /* the file's bytes */
	uint64_t size;
} bench;

enum { KEY_MAX_READ };

static const struct fuse_opt bench_opts[] = {
	{ "size=%s", offsetof(__typeof__(bench), size_arg), 0 },
	{ "copy", offsetof(__typeof__(bench), copy), 1 },
	FUSE_OPT_KEY("max_read=", KEY_MAX_READ),
	FUSE_OPT_END
};

/*
 * max_read= is libfuse's mount option, but with the low-level API the file
 * system must also put it into conn->max_read at init (libfuse refuses the
 * connection otherwise), so it is read here and passed on.
 */
static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	(void)data;
	(void)outargs;
	if (key == KEY_MAX_READ && sscanf(arg, "max_read=%u", &bench.max_read) != 1) {
		fprintf(stderr, "vmfs-fusebench: bad option '%s'\n", arg);
		return -1;
	}
	return 1;
}

static pthread_key_t iobuf_key;

/* "1G", "512M", "4096": bytes, or 0 for a bad or zero size. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)v << shift;
}

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == ROOT_INO) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)bench.size;
	}
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->max_write < IO_MAX)
		conn->max_write = IO_MAX;
	conn->max_read = bench.max_read;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != ROOT_INO || strcmp(name, data_name) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = DATA_INO;
	fill_stat(DATA_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino != ROOT_INO && ino != DATA_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	static const struct { const char *name; fuse_ino_t ino; } ents[] = {
		{ ".", ROOT_INO }, { "..", ROOT_INO }, { data_name, DATA_INO },
	};
	char buf[512];
	size_t used = 0;

	(void)fi;
	if (ino != ROOT_INO) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	for (off_t i = off; i < 3; i++) {
		struct stat st;
		size_t n;

		fill_stat(ents[i].ino, &st);
		n = fuse_add_direntry(req, buf + used, sizeof(buf) - used, ents[i].name, &st, i + 1);
		if (used + n > sizeof(buf) || used + n > size)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != DATA_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

static char *iobuf(void)
{
	char *b = pthread_getspecific(iobuf_key);

	if (!b && (b = aligned_alloc(4096, IO_MAX)) && pthread_setspecific(iobuf_key, b)) {
		free(b);
		b = NULL;
	}
	return b;
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	const char *src;
	char *b;

	(void)ino;
	(void)fi;
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if ((uint64_t)off >= bench.size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (size > IO_MAX)
		size = IO_MAX;
	if (size > bench.size - (uint64_t)off)
		size = (size_t)(bench.size - (uint64_t)off);
	src = bench.buf + off;
	if (bench.copy) {
		if (!(b = iobuf())) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(b, src, size);
		src = b;
	}
	fuse_reply_buf(req, src, size);
}

static const struct fuse_lowlevel_ops bench_ops = {
	.init    = ll_init,
	.lookup  = ll_lookup,
	.getattr = ll_getattr,
	.readdir = ll_readdir,
	.open    = ll_open,
	.read    = ll_read,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	int status = 1;

	memset(&opts, 0, sizeof(opts));
	if (fuse_opt_parse(&args, &bench, bench_opts, opt_proc) == -1 ||
	    fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help || opts.show_version || !opts.mountpoint) {
		fprintf(stderr, "usage: vmfs-fusebench [-f] [-o size=SIZE,copy,FUSE-OPTIONS] MOUNTPOINT\n");
		status = opts.show_help || opts.show_version ? 0 : 2;
		goto out_opts;
	}
	bench.size = parse_size(bench.size_arg ? bench.size_arg : "1G");
	if (bench.size == 0) {
		fprintf(stderr, "vmfs-fusebench: bad size= '%s'\n", bench.size_arg);
		status = 2;
		goto out_opts;
	}
	if (pthread_key_create(&iobuf_key, free) != 0)
		goto out_opts;
	/*
	 * Transparent huge pages where the host allows them, as src/phys.c asks
	 * for simulated RAM (fewer host TLB misses on both sides), and every
	 * page touched now.
	 */
	bench.buf = mmap(NULL, bench.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bench.buf == MAP_FAILED) {
		perror("vmfs-fusebench: mmap");
		goto out_opts;
	}
	madvise(bench.buf, bench.size, MADV_HUGEPAGE);
	for (uint64_t i = 0; i < bench.size; i += sizeof(uint64_t)) {
		uint64_t v = i * 0x9e3779b97f4a7c15ull;
		memcpy(bench.buf + i, &v, bench.size - i < sizeof(v) ? bench.size - i : sizeof(v));
	}

	se = fuse_session_new(&args, &bench_ops, sizeof(bench_ops), NULL);
	if (!se)
		goto out_buf;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	if (fuse_daemonize(opts.foreground) != 0)
		goto out_unmount;
	status = fuse_serve(se, &opts) < 0 ? 1 : 0;

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_buf:
	munmap(bench.buf, bench.size);
out_opts:
	free(opts.mountpoint);
out_args:
	free(bench.size_arg);
	fuse_opt_free_args(&args);
	return status;
}

/*
 * vmfs-fusebench - the ceiling of any FUSE file system on this host.
 *
 * A minimal libfuse3 file system with one read-only file, `data`, whose
 * bytes are a buffer in this process's memory.  tools/fusebench.sh reads it
 * with dd next to a vmfs mount's PID/mem and reports vmfs's rate as a
 * fraction of this one: nothing served through FUSE from memory can be
 * faster, since every read here is one memcpy and the kernel round trip.
 *
 * What keeps the comparison fair (vmfs is built the same way):
 *   - the high-level API (fuse_main), multithreaded, default worker limits;
 *   - direct I/O on open, as vmfs serves every file: each read() of dd
 *     becomes FUSE READ requests, never the page cache;
 *   - one copy per read, like vmfs_read into the reply buffer: read() is
 *     used, not read_buf() with a zero-copy bufvec;
 *   - the same mount options: the driver passes vmfs's max_read (or
 *     whatever else it sets) through -o.
 * The buffer is filled with a pattern before the mount, so every page is
 * resident and the timed reads never take a host page fault.
 *
 *     vmfs-fusebench [-f] [-o size=SIZE,FUSE-OPTIONS] MOUNTPOINT
 *
 * size= takes K, M, G suffixes (default 1G).  `fusermount3 -u MOUNTPOINT`
 * ends it.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static const char data_name[] = "data";

static struct {
	char    *size_arg;   /* -o size=..., as given */
	char    *buf;        /* the file's bytes */
	uint64_t size;
} bench;

static const struct fuse_opt bench_opts[] = {
	{ "size=%s", offsetof(__typeof__(bench), size_arg), 0 },
	FUSE_OPT_END
};

/* "1G", "512M", "4096": bytes, or 0 for a bad or zero size. */
static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	unsigned shift = 0;

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

static int is_data(const char *path)
{
	return path[0] == '/' && strcmp(path + 1, data_name) == 0;
}

static int bench_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (is_data(path)) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)bench.size;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int bench_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
			 off_t off, struct fuse_file_info *fi,
			 enum fuse_readdir_flags flags)
{
	(void)off; (void)fi; (void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, data_name, NULL, 0, 0);
	return 0;
}

static int bench_open(const char *path, struct fuse_file_info *fi)
{
	if (!is_data(path))
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	fi->direct_io = 1;
	return 0;
}

static int bench_read(const char *path, char *buf, size_t len, off_t off,
		      struct fuse_file_info *fi)
{
	(void)path; (void)fi;
	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= bench.size)
		return 0;
	if (len > bench.size - (uint64_t)off)
		len = (size_t)(bench.size - (uint64_t)off);
	memcpy(buf, bench.buf + off, len);
	return (int)len;
}

static void *bench_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	return NULL;
}

static const struct fuse_operations bench_ops = {
	.init    = bench_init,
	.getattr = bench_getattr,
	.readdir = bench_readdir,
	.open    = bench_open,
	.read    = bench_read,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	int rc;

	if (fuse_opt_parse(&args, &bench, bench_opts, NULL) == -1)
		return 2;
	bench.size = parse_size(bench.size_arg ? bench.size_arg : "1G");
	if (bench.size == 0) {
		fprintf(stderr, "vmfs-fusebench: bad size= '%s'\n", bench.size_arg);
		return 2;
	}
	/* 4 KiB host pages, as vmfs models, and every one of them touched now. */
	bench.buf = mmap(NULL, bench.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bench.buf == MAP_FAILED) {
		perror("vmfs-fusebench: mmap");
		return 1;
	}
	madvise(bench.buf, bench.size, MADV_NOHUGEPAGE);
	for (uint64_t i = 0; i < bench.size; i++)
		bench.buf[i] = (char)(i * 2654435761u >> 24);

	rc = fuse_main(args.argc, args.argv, &bench_ops, NULL);
	fuse_opt_free_args(&args);
	free(bench.size_arg);
	munmap(bench.buf, bench.size);
	return rc;
}

/*
 * campaign_util.c - the campaigns' C helper (the scripts beside it): what a
 * shell cannot do quickly or at all.  One program, one subcommand per job:
 *
 *   page ORIGIN ADDR NPAGES VERSION     write NPAGES self-describing pages
 *                                       to stdout (see below)
 *   check MEMFILE ORIGIN ADDR NPAGES    every page at ADDR in MEMFILE is a
 *                                       zero page or a self-describing page
 *                                       of ORIGIN at its own address
 *   verify MNT STATEFILE...             every page a state file names holds
 *                                       exactly the version it names
 *   hammer MNT SECONDS SEED THREADS STATEFILE PID:ADDR:NPAGES...
 *                                       threads writing, reading back and
 *                                       cross-reading the regions' mem
 *   touch MEMFILE ADDR STRIDE COUNT     one pwrite per page; prints how many
 *                                       worked and the first errno
 *   pread MEMFILE OFFSET LEN            one pread at any 64-bit offset;
 *                                       prints "ok N" or "errno NAME"
 *   kernel-api SEED                     libvmfs itself, levels 2 to 6: no
 *                                       user-mode call reads the kernel
 *                                       half or another process's bytes
 *
 * What stays true: a self-describing page is a 32-byte header (the magic
 * "vmfscamp", the origin PID, the virtual address, the version, all 64-bit
 * little-endian) followed by 4064 bytes of a stream seeded from the three
 * numbers, so any one page read back says whether it is intact and whose
 * it is; version 0 is the all-zero page (never written).  Every subcommand
 * exits 0 when all was well, 1 on a mismatch (with the page, expected and
 * found on stderr) and 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmfs.h"
#include "../splitmix.h"

#define PAGE 4096u
#define MAGIC 0x706d616373666d76ull /* "vmfscamp" little-endian */
#define MAX_RUN 8                   /* pages per write in hammer */

/* ---- self-describing pages ------------------------------------------------ */


static void fill_page(uint8_t *p, uint64_t origin, uint64_t addr, uint64_t version)
{
	uint64_t w[PAGE / 8], seed = origin * 0x100000001b3ull ^ addr ^ version * 0x9e3779b97f4a7c15ull;

	if (version == 0) {
		memset(p, 0, PAGE);
		return;
	}
	w[0] = MAGIC;
	w[1] = origin;
	w[2] = addr;
	w[3] = version;
	for (unsigned i = 4; i < PAGE / 8; i++)
		w[i] = splitmix64(&seed);
	memcpy(p, w, PAGE);
}

static uint64_t word(const uint8_t *p, unsigned i)
{
	uint64_t w;

	memcpy(&w, p + 8 * i, 8);
	return w;
}

static bool is_zero(const uint8_t *p)
{
	for (unsigned i = 0; i < PAGE; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The version a page read at @addr holds: 0 for a zero page, the header's
 * version for an intact page of @origin at @addr, -1 for anything else
 * (with a description in @why).
 */
static int64_t page_version(const uint8_t *p, uint64_t origin, uint64_t addr, char *why, size_t whylen)
{
	uint8_t want[PAGE];

	if (is_zero(p))
		return 0;
	if (word(p, 0) != MAGIC) {
		snprintf(why, whylen, "no header (first word 0x%016" PRIx64 ")", word(p, 0));
		return -1;
	}
	if (word(p, 1) != origin || word(p, 2) != addr) {
		snprintf(why, whylen, "the page of origin %" PRIu64 " at 0x%" PRIx64 " (version %" PRIu64 ")",
			 word(p, 1), word(p, 2), word(p, 3));
		return -1;
	}
	fill_page(want, origin, addr, word(p, 3));
	if (memcmp(want, p, PAGE)) {
		unsigned i = 0;

		while (want[i] == p[i])
			i++;
		snprintf(why, whylen, "version %" PRIu64 " torn at byte %u", word(p, 3), i);
		return -1;
	}
	return (int64_t)word(p, 3);
}

/* ---- small things ------------------------------------------------------------ */

static void usage(void)
{
	fputs("usage: campaign-util page ORIGIN ADDR NPAGES VERSION\n"
	      "       campaign-util check MEMFILE ORIGIN ADDR NPAGES\n"
	      "       campaign-util verify MNT STATEFILE...\n"
	      "       campaign-util hammer MNT SECONDS SEED THREADS STATEFILE PID:ADDR:NPAGES...\n"
	      "       campaign-util touch MEMFILE ADDR STRIDE COUNT\n"
	      "       campaign-util pread MEMFILE OFFSET LEN\n"
	      "       campaign-util kernel-api SEED\n", stderr);
	exit(2);
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		usage();
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* pread/pwrite the whole range or fail (a short count is a failure here). */
static int full_io(int fd, uint8_t *buf, size_t len, uint64_t off, bool write)
{
	ssize_t n = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* ---- page, check -------------------------------------------------------------- */

static int cmd_page(int argc, char **argv)
{
	uint8_t p[PAGE];
	uint64_t origin, addr, n, version;

	if (argc != 4)
		usage();
	origin = num(argv[0]), addr = num(argv[1]), n = num(argv[2]), version = num(argv[3]);
	for (uint64_t i = 0; i < n; i++) {
		fill_page(p, origin, addr + i * PAGE, version);
		if (fwrite(p, PAGE, 1, stdout) != 1)
			return 1;
	}
	return fflush(stdout) ? 1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	uint64_t origin, addr, n, zero = 0, intact = 0;
	uint8_t p[PAGE];
	char why[160];
	int fd, bad = 0;

	if (argc != 4)
		usage();
	origin = num(argv[1]), addr = num(argv[2]), n = num(argv[3]);
	if ((fd = open(argv[0], O_RDONLY)) < 0) {
		fprintf(stderr, "check: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	for (uint64_t i = 0; i < n && bad < 5; i++) {
		uint64_t a = addr + i * PAGE;
		int rc = full_io(fd, p, PAGE, a, false);

		if (rc < 0) {
			fprintf(stderr, "check: %s at 0x%" PRIx64 ": %s\n", argv[0], a, strerror(-rc));
			bad++;
		} else if (page_version(p, origin, a, why, sizeof(why)) < 0) {
			fprintf(stderr, "check: %s at 0x%" PRIx64 ": expected a page of origin %" PRIu64
				" or zeros, found %s\n", argv[0], a, origin, why);
			bad++;
		} else if (is_zero(p)) {
			zero++;
		} else {
			intact++;
		}
	}
	close(fd);
	if (!bad)
		printf("%" PRIu64 " intact, %" PRIu64 " zero\n", intact, zero);
	return bad ? 1 : 0;
}

/* ---- verify -------------------------------------------------------------------- */

/* A state file: lines "PID ADDR VERSION" (ADDR in hex with 0x). */
static int cmd_verify(int argc, char **argv)
{
	uint64_t pages = 0, bad = 0;
	char path[4200];
	uint8_t p[PAGE];

	if (argc < 2)
		usage();
	for (int f = 1; f < argc; f++) {
		FILE *st = fopen(argv[f], "r");
		int fd = -1, fdpid = -1, pid;
		uint64_t addr, version;

		if (!st) {
			fprintf(stderr, "verify: %s: %s\n", argv[f], strerror(errno));
			return 1;
		}
		while (fscanf(st, "%d %" SCNx64 " %" SCNu64, &pid, &addr, &version) == 3) {
			char why[160];
			int64_t got;
			int rc;

			if (pid != fdpid) {
				if (fd >= 0)
					close(fd);
				snprintf(path, sizeof(path), "%s/%d/mem", argv[0], pid);
				if ((fd = open(path, O_RDONLY)) < 0) {
					fprintf(stderr, "verify: %s: %s\n", path, strerror(errno));
					fclose(st);
					return 1;
				}
				fdpid = pid;
			}
			pages++;
			if ((rc = full_io(fd, p, PAGE, addr, false)) < 0) {
				fprintf(stderr, "verify: %d at 0x%" PRIx64 ": %s\n", pid, addr, strerror(-rc));
				bad++;
				continue;
			}
			got = page_version(p, (uint64_t)pid, addr, why, sizeof(why));
			if (got != (int64_t)version) {
				if (got >= 0)
					snprintf(why, sizeof(why), "version %" PRId64, got);
				if (bad++ < 10)
					fprintf(stderr, "verify: %d at 0x%" PRIx64 ": expected version %" PRIu64
						", found %s\n", pid, addr, version, why);
			}
		}
		if (fd >= 0)
			close(fd);
		fclose(st);
	}
	printf("%" PRIu64 " pages verified, %" PRIu64 " mismatches\n", pages, bad);
	return bad ? 1 : 0;
}

/* ---- hammer ------------------------------------------------------------------ */

struct region {
	int pid;
	uint64_t addr, npages;
	char path[4200];
};

static struct region *regions;
static int nregions, nthreads;
static double deadline;
static atomic_int failed;
static atomic_ullong total_writes, total_reads, total_cross;

struct worker {
	pthread_t thread;
	int id;
	uint64_t seed;
	uint64_t *last;   /* last version per owned page, per region */
	int *fds;
};

/* Thread @id owns pages [first, first + count) of every region. */
static void owned(const struct region *r, int id, uint64_t *first, uint64_t *count)
{
	uint64_t chunk = r->npages / (uint64_t)nthreads;

	*first = chunk * (uint64_t)id;
	*count = chunk;
}

static void hammer_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("hammer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	atomic_store(&failed, 1);
}

/* Write a run of owned pages with a new version and read it back. */
static void hammer_write(struct worker *w, uint8_t *buf, uint8_t *back, uint64_t *seq)
{
	int ri = (int)(splitmix64(&w->seed) % (uint64_t)nregions);
	struct region *r = &regions[ri];
	uint64_t first, count, start, run, version, addr;
	int rc;

	owned(r, w->id, &first, &count);
	run = 1 + splitmix64(&w->seed) % (count < MAX_RUN ? count : MAX_RUN);
	start = first + splitmix64(&w->seed) % (count - run + 1);
	version = ((uint64_t)(w->id + 1) << 40) | ++*seq;
	addr = r->addr + start * PAGE;
	for (uint64_t i = 0; i < run; i++)
		fill_page(buf + i * PAGE, (uint64_t)r->pid, addr + i * PAGE, version);
	if ((rc = full_io(w->fds[ri], buf, run * PAGE, addr, true)) < 0) {
		hammer_fail("thread %d: write of %" PRIu64 " pages at %d:0x%" PRIx64 " failed: %s",
			    w->id, run, r->pid, addr, strerror(-rc));
		return;
	}
	for (uint64_t i = 0; i < run; i++)
		w->last[(uint64_t)ri * count + (start - first) + i] = version;
	atomic_fetch_add(&total_writes, 1);
	if ((rc = full_io(w->fds[ri], back, run * PAGE, addr, false)) < 0) {
		hammer_fail("thread %d: read-back at %d:0x%" PRIx64 " failed: %s",
			    w->id, r->pid, addr, strerror(-rc));
		return;
	}
	if (memcmp(buf, back, run * PAGE)) {
		uint64_t i = 0;
		char why[160] = "intact";

		while (!memcmp(buf + i * PAGE, back + i * PAGE, PAGE))
			i++;
		page_version(back + i * PAGE, (uint64_t)r->pid, addr + i * PAGE, why, sizeof(why));
		hammer_fail("thread %d: read-back of %d:0x%" PRIx64 " (version %" PRIu64 ") found %s",
			    w->id, r->pid, addr + i * PAGE, version, why);
		return;
	}
	atomic_fetch_add(&total_reads, 1);
}

/* Read any pages of any region: each must be intact or zero, and its own. */
static void hammer_cross(struct worker *w, uint8_t *back)
{
	int ri = (int)(splitmix64(&w->seed) % (uint64_t)nregions);
	struct region *r = &regions[ri];
	uint64_t run = 1 + splitmix64(&w->seed) % (r->npages < 16 ? r->npages : 16);
	uint64_t start = splitmix64(&w->seed) % (r->npages - run + 1);
	uint64_t addr = r->addr + start * PAGE;
	char why[160];
	int rc;

	if ((rc = full_io(w->fds[ri], back, run * PAGE, addr, false)) < 0) {
		hammer_fail("thread %d: cross-read at %d:0x%" PRIx64 " failed: %s",
			    w->id, r->pid, addr, strerror(-rc));
		return;
	}
	for (uint64_t i = 0; i < run; i++) {
		if (page_version(back + i * PAGE, (uint64_t)r->pid, addr + i * PAGE, why, sizeof(why)) < 0) {
			hammer_fail("thread %d: cross-read of %d:0x%" PRIx64 " found %s",
				    w->id, r->pid, addr + i * PAGE, why);
			return;
		}
	}
	atomic_fetch_add(&total_cross, 1);
}

static void *hammer_thread(void *arg)
{
	struct worker *w = arg;
	uint8_t *buf = malloc(MAX_RUN * PAGE), *back = malloc(16 * PAGE);
	uint64_t seq = 0;

	if (!buf || !back) {
		hammer_fail("thread %d: out of memory", w->id);
		goto out;
	}
	while (!atomic_load(&failed) && now() < deadline) {
		hammer_write(w, buf, back, &seq);
		if (splitmix64(&w->seed) & 1)
			hammer_cross(w, back);
	}
out:
	free(buf);
	free(back);
	return NULL;
}

static int cmd_hammer(int argc, char **argv)
{
	struct worker *ws;
	FILE *st;
	int rc = 0;

	if (argc < 6)
		usage();
	deadline = now() + (double)num(argv[1]);
	nthreads = (int)num(argv[3]);
	nregions = argc - 5;
	regions = calloc((size_t)nregions, sizeof(*regions));
	ws = calloc((size_t)nthreads, sizeof(*ws));
	if (!regions || !ws || nthreads < 1)
		usage();
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];

		if (sscanf(argv[5 + i], "%d:%" SCNi64 ":%" SCNu64, &r->pid, &r->addr, &r->npages) != 3 ||
		    r->npages < (uint64_t)nthreads)
			usage();
		snprintf(r->path, sizeof(r->path), "%s/%d/mem", argv[0], r->pid);
	}
	for (int t = 0; t < nthreads; t++) {
		struct worker *w = &ws[t];
		uint64_t first, count;

		owned(&regions[0], t, &first, &count);
		w->id = t;
		w->seed = num(argv[2]) * 1000003u + (uint64_t)t;
		w->fds = calloc((size_t)nregions, sizeof(int));
		w->last = calloc((size_t)nregions * regions[0].npages, sizeof(uint64_t));
		if (!w->fds || !w->last)
			return 1;
		for (int i = 0; i < nregions; i++) {
			if ((w->fds[i] = open(regions[i].path, O_RDWR)) < 0) {
				fprintf(stderr, "hammer: %s: %s\n", regions[i].path, strerror(errno));
				return 1;
			}
		}
	}
	for (int i = 1; i < nregions; i++)
		if (regions[i].npages != regions[0].npages)
			usage();
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&ws[t].thread, NULL, hammer_thread, &ws[t]))
			return 1;
	for (int t = 0; t < nthreads; t++)
		pthread_join(ws[t].thread, NULL);
	if (!(st = fopen(argv[4], "w")))
		return 1;
	for (int t = 0; t < nthreads; t++) {
		for (int i = 0; i < nregions; i++) {
			uint64_t first, count;

			owned(&regions[i], t, &first, &count);
			for (uint64_t k = 0; k < count; k++)
				fprintf(st, "%d 0x%" PRIx64 " %" PRIu64 "\n", regions[i].pid,
					regions[i].addr + (first + k) * PAGE, ws[t].last[(uint64_t)i * count + k]);
			close(ws[t].fds[i]);
		}
		free(ws[t].fds);
		free(ws[t].last);
	}
	if (fclose(st))
		rc = 1;
	printf("%llu writes %llu read-backs %llu cross-reads\n", (unsigned long long)total_writes,
	       (unsigned long long)total_reads, (unsigned long long)total_cross);
	free(ws);
	free(regions);
	return rc || atomic_load(&failed) ? 1 : 0;
}

/* ---- touch, pread ------------------------------------------------------------ */

static int cmd_touch(int argc, char **argv)
{
	uint64_t addr, stride, count, done = 0;
	int fd, first_err = 0;
	uint8_t p[8] = "touched";

	if (argc != 4)
		usage();
	addr = num(argv[1]), stride = num(argv[2]), count = num(argv[3]);
	if ((fd = open(argv[0], O_RDWR)) < 0) {
		fprintf(stderr, "touch: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	for (uint64_t i = 0; i < count; i++) {
		ssize_t n = pwrite(fd, p, sizeof(p), (off_t)(addr + i * stride));

		if (n == (ssize_t)sizeof(p))
			done++;
		else if (!first_err)
			first_err = n < 0 ? errno : EIO;
	}
	close(fd);
	printf("%" PRIu64 " %s\n", done, first_err ? strerrorname_np(first_err) : "-");
	return 0;
}

static int cmd_pread(int argc, char **argv)
{
	uint64_t off, len;
	uint8_t *buf;
	ssize_t n;
	int fd;

	if (argc != 3)
		usage();
	off = num(argv[1]), len = num(argv[2]);
	if ((fd = open(argv[0], O_RDONLY)) < 0 || !(buf = malloc(len ? len : 1))) {
		fprintf(stderr, "pread: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	n = pread(fd, buf, len, (off_t)off);
	if (n < 0)
		printf("errno %s\n", strerrorname_np(errno));
	else
		printf("ok %zd\n", n);
	close(fd);
	free(buf);
	return 0;
}

/* ---- kernel-api ---------------------------------------------------------------- */

static int api_bad;

static void api_fail(int levels, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "kernel-api: levels=%d: ", levels);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	api_bad++;
}

/*
 * A user-mode access (@how without VMFS_ACCESS_KERNEL) of @len bytes at
 * @addr must transfer nothing: fail, and leave the buffer as it was.
 */
static void expect_no_access(vmfs *m, int levels, int pid, uint64_t addr, size_t len, unsigned how,
			     const char *what)
{
	uint8_t buf[2 * PAGE];
	ssize_t n;

	memset(buf, 0xa5, sizeof(buf));
	n = vmfs_access(m, pid, addr, buf, len, how, NULL);
	if (n >= 0 && !(how & VMFS_ACCESS_WRITE))
		api_fail(levels, "%s at 0x%" PRIx64 " (how 0x%x) transferred %zd bytes", what, addr, how, n);
	else if (n >= 0)
		api_fail(levels, "%s at 0x%" PRIx64 " (how 0x%x) wrote %zd bytes", what, addr, how, n);
	for (size_t i = 0; i < sizeof(buf) && !(how & VMFS_ACCESS_WRITE); i++) {
		if (buf[i] != 0xa5) {
			api_fail(levels, "%s at 0x%" PRIx64 " (how 0x%x) failed (%zd) but changed the buffer",
				 what, addr, how, n);
			break;
		}
	}
}

static void random_bytes(uint64_t *seed, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = splitmix64(seed);

		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* Read @len bytes of @pid at @addr (user mode) and compare them with @want. */
static void expect_bytes(vmfs *m, int levels, int pid, uint64_t addr, const uint8_t *want, size_t len,
			 const char *what)
{
	uint8_t *got = malloc(len);
	ssize_t n;

	if (!got)
		exit(1);
	n = vmfs_read(m, pid, addr, got, len);
	if (n != (ssize_t)len)
		api_fail(levels, "%s: read of %d at 0x%" PRIx64 " returned %zd (%s)", what, pid, addr, n,
			 vmfs_errmsg());
	else if (memcmp(got, want, len))
		api_fail(levels, "%s: %d at 0x%" PRIx64 " holds other bytes", what, pid, addr);
	free(got);
}

static void kernel_api_levels(int levels, uint64_t *seed)
{
	enum { NP = 96, NPROC = 3 };   /* pages per secret; processes with secrets */
	static const unsigned user_how[] = {
		VMFS_ACCESS_READ, VMFS_ACCESS_WRITE, VMFS_ACCESS_EXEC,
		VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, VMFS_ACCESS_WRITE | VMFS_ACCESS_FORCE,
		VMFS_ACCESS_EXEC | VMFS_ACCESS_FORCE,
	};
	size_t len = NP * PAGE;
	uint8_t *secret[NPROC], *zero = calloc(1, len), *mine = malloc(len);
	int pid[NPROC], fresh, child;
	uint64_t addr = 0x400000, top_page, pfn[NPROC];
	struct vmfs_stat st;
	struct vmfs_walk walk;
	char opts[64];
	vmfs *m;
	uint8_t kbuf[PAGE];

	/* 64 frames: the 3 x 96 secret pages go to swap and come back. */
	snprintf(opts, sizeof(opts), "frames=64,levels=%d", levels);
	if (vmfs_open(&m, opts) < 0 || !zero || !mine) {
		api_fail(levels, "vmfs_open(%s): %s", opts, vmfs_errmsg());
		return;
	}
	vmfs_stat(m, &st);
	for (int i = 0; i < NPROC; i++) {
		secret[i] = malloc(len);
		random_bytes(seed, secret[i], len);
		pid[i] = vmfs_spawn(m, "secret");
		if (pid[i] < 0 || vmfs_mmap(m, pid[i], addr, len, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL) < 0 ||
		    vmfs_write(m, pid[i], addr, secret[i], len) != (ssize_t)len)
			api_fail(levels, "could not set up process %d: %s", i, vmfs_errmsg());
	}
	/* Map the last user page too, to read across the top of user space. */
	top_page = st.user_top - PAGE;
	if (vmfs_mmap(m, pid[0], top_page, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL) < 0 ||
	    vmfs_write(m, pid[0], top_page, secret[0], PAGE) != PAGE)
		api_fail(levels, "mapping the last user page 0x%" PRIx64 ": %s", top_page, vmfs_errmsg());
	vmfs_mmap(m, pid[0], 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		  NULL, 0, NULL);
	vmfs_write(m, pid[0], 0, secret[0], PAGE);

	/* Each process reads its own secret, whatever went to swap meanwhile. */
	for (int i = 0; i < NPROC; i++)
		expect_bytes(m, levels, pid[i], addr, secret[i], len, "own secret");
	vmfs_reclaim(m, 1000);
	for (int i = NPROC - 1; i >= 0; i--)
		expect_bytes(m, levels, pid[i], addr, secret[i], len, "own secret after reclaim");
	for (int i = 0; i < NPROC; i++) {
		uint64_t e;

		vmfs_read(m, pid[i], addr, kbuf, 1);
		if (vmfs_pagemap(m, pid[i], addr >> 12, &e, 1) != 1 || !(e & VMFS_PM_PRESENT))
			api_fail(levels, "pagemap of %d at 0x%" PRIx64 " is not present", pid[i], addr);
		pfn[i] = e & VMFS_PM_PFN_MASK;
		for (int j = 0; j < i; j++)
			if (pfn[j] == pfn[i])
				api_fail(levels, "processes %d and %d share frame 0x%" PRIx64 " for private pages",
					 pid[j], pid[i], pfn[i]);
	}

	/* The kernel half: no user-mode access, whatever the modifiers. */
	for (size_t h = 0; h < sizeof(user_how) / sizeof(user_how[0]); h++) {
		uint64_t last = st.kernel_base + st.kernel_pages * PAGE - PAGE;

		expect_no_access(m, levels, pid[0], st.kernel_base, 64, user_how[h], "kernel image");
		expect_no_access(m, levels, pid[0], last, PAGE, user_how[h], "last kernel page");
		expect_no_access(m, levels, pid[0], UINT64_MAX - PAGE + 1, 2 * PAGE, user_how[h],
				 "the top page, wrapping to 0");
		if (st.user_top < st.kernel_base)
			expect_no_access(m, levels, pid[0], st.user_top, PAGE, user_how[h],
					 "the first address above user space");
	}
	if (vmfs_access(m, pid[0], st.kernel_base, kbuf, 64, VMFS_ACCESS_READ | VMFS_ACCESS_KERNEL, NULL) != 64)
		api_fail(levels, "supervisor read of the kernel image failed: %s", vmfs_errmsg());
	if (vmfs_translate(m, pid[0], st.kernel_base, &walk) < 0 || walk.state != VMFS_WALK_PRESENT)
		api_fail(levels, "the kernel image at 0x%" PRIx64 " is not present", st.kernel_base);
	else if (walk.level[walk.depth - 1].entry & VMFS_PTE_US)
		api_fail(levels, "the kernel image's leaf entry has US set");
	/* A read from the last user page on: that page, never what follows. */
	{
		uint8_t buf[2 * PAGE];
		ssize_t n = vmfs_read(m, pid[0], top_page, buf, sizeof(buf));

		if (n != PAGE || memcmp(buf, secret[0], PAGE))
			api_fail(levels, "a read across the top of user space returned %zd", n);
	}

	/* Fork: the child's writes and the parent's stay apart. */
	child = vmfs_fork(m, pid[1]);
	random_bytes(seed, mine, len);
	if (child < 0 || vmfs_write(m, child, addr, mine, len) != (ssize_t)len)
		api_fail(levels, "fork and write in the child: %s", vmfs_errmsg());
	expect_bytes(m, levels, pid[1], addr, secret[1], len, "parent after the child wrote");
	expect_bytes(m, levels, child, addr, mine, len, "child's own bytes");

	/*
	 * Freed frames and swap slots: end the secrets' owners, then a fresh
	 * process sees zeros, through pressure and back, and its own bytes.
	 */
	vmfs_reclaim(m, 1000);
	vmfs_exit(m, pid[0]);
	vmfs_exit(m, pid[2]);
	vmfs_exit(m, child);
	fresh = vmfs_spawn(m, "fresh");
	vmfs_mmap(m, fresh, addr, 2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		  NULL, 0, NULL);
	expect_bytes(m, levels, fresh, addr, zero, len, "fresh pages");
	vmfs_write(m, fresh, addr + len, mine, len);
	vmfs_reclaim(m, 1000);
	expect_bytes(m, levels, fresh, addr + len, mine, len, "fresh process's own bytes after reclaim");
	expect_bytes(m, levels, fresh, addr, zero, len, "fresh pages after reclaim");
	expect_bytes(m, levels, pid[1], addr, secret[1], len, "the survivor's secret");

	for (int i = 0; i < NPROC; i++)
		free(secret[i]);
	free(zero);
	free(mine);
	vmfs_close(m);
}

static int cmd_kernel_api(int argc, char **argv)
{
	uint64_t seed;

	if (argc != 1)
		usage();
	seed = num(argv[0]);
	for (int levels = 2; levels <= 6; levels++)
		kernel_api_levels(levels, &seed);
	if (!api_bad)
		printf("levels 2-6: kernel half unreadable in user mode, secrets private\n");
	return api_bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "page", cmd_page }, { "check", cmd_check }, { "verify", cmd_verify },
		{ "hammer", cmd_hammer }, { "touch", cmd_touch }, { "pread", cmd_pread },
		{ "kernel-api", cmd_kernel_api },
	};

	if (argc < 2)
		usage();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);
	usage();
}

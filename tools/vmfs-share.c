/*
 * vmfs-share - how much memory one shared object costs when many processes
 * map it: the page cache's figure.
 *
 * For 1, 10 and 100 processes (or the counts given), it opens a fresh
 * machine, creates one object of PAGES pages, spawns the processes, maps the
 * whole object into each (MAP_PRIVATE read-only, as a shared library's text,
 * or MAP_SHARED with -s) and reads every page in every process.  Then it
 * prints one row per count:
 *
 *   processes  object pages  frames used  RSS sum (pages)  PSS sum (bytes)
 *   RSS/proc (pages)  PSS/proc (bytes)  major  minor
 *
 * "frames used" is the drop in vmfs_stat.frames_free, the frames the object
 * took; RSS and PSS come from vmfs_maps (smaps' Rss and Pss).  With one
 * page cache the frames stay at PAGES however many processes map it, RSS
 * grows with the processes, and the PSS sum stays near the object's size
 * (each page's 4096 bytes split between its mappers, rounded down as Linux
 * does).  The faults say how: PAGES major faults (read from the store) for
 * the first process, minor ones (found in the cache) for every other.
 *
 * Usage: vmfs-share [-s] [-p PAGES] [-o OPTIONS] [COUNT...]
 * Exit status 1 if frames used ever differ from PAGES or a call fails.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmfs.h"

#define ADDR 0x400000ull

struct row {
	uint64_t procs, pages, frames_used, rss_sum, pss_sum, rss_proc, pss_proc;
	uint64_t major, minor;
};

static int die(const char *what, int rc)
{
	fprintf(stderr, "vmfs-share: %s: %s (%s)\n", what, strerror(-rc), vmfs_errmsg());
	return 1;
}

/* One machine, @procs processes each mapping and reading an object of @pages pages. */
static int measure(const char *options, uint64_t procs, uint64_t pages, bool shared,
		   struct row *out)
{
	char opts[512];
	vmfs *m = NULL;
	struct vmfs_stat before, after;
	unsigned char *page = malloc(VMFS_PAGE_SIZE);
	int rc, status = 1;

	memset(out, 0, sizeof(*out));
	/* Room for the object, each process's page tables, and the caller's options. */
	snprintf(opts, sizeof(opts), "frames=%" PRIu64 "%s%s", pages + 64,
		 options[0] ? "," : "", options);
	if (!page)
		return die("malloc", -ENOMEM);
	if ((rc = vmfs_open(&m, opts)) < 0) {
		free(page);
		return die("vmfs_open", rc);
	}
	out->procs = procs;
	out->pages = pages;
	for (uint64_t i = 0; i < pages * VMFS_PAGE_SIZE; i += VMFS_PAGE_SIZE) {
		memset(page, (int)(i >> 12), VMFS_PAGE_SIZE);
		if ((rc = i ? (int)vmfs_object_write(m, "lib.so", i, page, VMFS_PAGE_SIZE)
			    : vmfs_object_create(m, "lib.so", page, VMFS_PAGE_SIZE)) < 0) {
			die("creating the object", rc);
			goto out;
		}
	}
	vmfs_stat(m, &before);
	for (uint64_t p = 0; p < procs; p++) {
		int pid = vmfs_spawn(m, "sharer");

		if (pid < 0) {
			die("vmfs_spawn", pid);
			goto out;
		}
		rc = vmfs_mmap(m, pid, ADDR, pages * VMFS_PAGE_SIZE, PROT_READ,
			       (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED, "lib.so", 0, NULL);
		if (rc < 0) {
			die("vmfs_mmap", rc);
			goto out;
		}
		for (uint64_t i = 0; i < pages; i++) {
			ssize_t n = vmfs_read(m, pid, ADDR + i * VMFS_PAGE_SIZE, page, VMFS_PAGE_SIZE);

			if (n != VMFS_PAGE_SIZE) {
				die("vmfs_read", n < 0 ? (int)n : -EIO);
				goto out;
			}
		}
	}
	vmfs_stat(m, &after);
	out->frames_used = before.frames_free - after.frames_free;
	out->major = after.pgmajfault - before.pgmajfault;
	out->minor = (after.pgfault - before.pgfault) - out->major;
	for (int pid = 1; pid <= (int)procs; pid++) {
		struct vmfs_map map;

		if ((rc = vmfs_maps(m, pid, &map, 1)) < 1) {
			die("vmfs_maps", rc < 0 ? rc : -ENOENT);
			goto out;
		}
		out->rss_sum += map.rss;
		out->pss_sum += map.pss;
		if (pid == 1) {
			out->rss_proc = map.rss;
			out->pss_proc = map.pss;
		}
	}
	status = out->frames_used == pages ? 0 : 1;
out:
	vmfs_close(m);
	free(page);
	return status;
}

int main(int argc, char **argv)
{
	static const uint64_t default_counts[] = { 1, 10, 100 };
	const char *options = "";
	uint64_t pages = 64;
	bool shared = false;
	int c, status = 0;

	while ((c = getopt(argc, argv, "sp:o:h")) != -1) {
		switch (c) {
		case 's':
			shared = true;
			break;
		case 'p':
			pages = strtoull(optarg, NULL, 0);
			break;
		case 'o':
			options = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-s] [-p PAGES] [-o OPTIONS] [COUNT...]\n", argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (pages == 0 || pages > (1ull << 24)) {
		fprintf(stderr, "vmfs-share: PAGES must be 1 to 16777216\n");
		return 2;
	}
	int ncounts = optind < argc ? argc - optind : 3;

	printf("one %" PRIu64 "-page object (%" PRIu64 " bytes), MAP_%s, every page read in every process\n",
	       pages, pages * VMFS_PAGE_SIZE, shared ? "SHARED" : "PRIVATE");
	printf("%9s %12s %11s %15s %15s %17s %16s %7s %7s\n", "processes", "object pages",
	       "frames used", "RSS sum (pages)", "PSS sum (bytes)", "RSS/proc (pages)",
	       "PSS/proc (bytes)", "major", "minor");
	for (int i = 0; i < ncounts; i++) {
		uint64_t procs = optind < argc ? strtoull(argv[optind + i], NULL, 0) : default_counts[i];
		struct row r;

		if (procs == 0 || procs > 100000) {
			fprintf(stderr, "vmfs-share: COUNT must be 1 to 100000\n");
			return 2;
		}
		if (measure(options, procs, pages, shared, &r)) {
			status = 1;
			if (!r.procs)
				continue;
		}
		printf("%9" PRIu64 " %12" PRIu64 " %11" PRIu64 " %15" PRIu64 " %15" PRIu64 " %17" PRIu64
		       " %16" PRIu64 " %7" PRIu64 " %7" PRIu64 "\n", r.procs, r.pages, r.frames_used,
		       r.rss_sum, r.pss_sum, r.rss_proc, r.pss_proc, r.major, r.minor);
	}
	return status;
}

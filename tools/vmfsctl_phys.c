/*
 * vmfsctl_phys.c - vmfsctl draw phys: physical memory as a grid of frames,
 * one square per frame of phys, coloured by its owner, in plain SVG written
 * here (no Graphviz: a grid needs no layout).
 *
 * Where each fact comes from (vmfs(1)):
 *   kpageflags   what a frame is: BUDDY free, RESERVED the kernel image,
 *                PGTABLE a page table, ZERO_PAGE the zero page, ANON an
 *                anonymous page, LRU without ANON a page-cache page (an
 *                object's, or shared anonymous memory), DIRTY
 *   kpagecount   the page-table entries mapping it: more than 1 is shared
 *   PID/maps and PID/pagemap of every live process: which processes map
 *                the frame (the owner of an anonymous page is the lowest
 *                PID that maps it), and which object a mapped cache page is
 *
 * What stays true: one <rect id="pfn-N"> per frame, in frame order, 64 to a
 * row; its class names its kind (free, kernel, pgtable, zero, cache, other,
 * or pid-P) and the marks shared, dirty and, with --pid, hl (the process's
 * frames; every other frame is dimmed); its <title> says the same in words.
 * A legend names every colour and mark.  The test reads the classes back
 * (tests/pictures/check_pictures.py) and checks them against the same files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmfsctl.h"

#define COLS   64
#define CELL   10      /* px, a frame's square */
#define STEP   11      /* px, square and gap */
#define LEFT   70      /* px, the row labels */
#define TOP    40      /* px, the title */

/* What a frame is, for its colour. */
enum kind { K_FREE, K_KERNEL, K_PGTABLE, K_ZERO, K_CACHE, K_OTHER, K_PROCESS };

static const struct {
	const char *cls, *colour, *legend;
} kinds[] = {
	[K_FREE]    = { "free", "#f3f3f3", "free (buddy)" },
	[K_KERNEL]  = { "kernel", "#666666", "kernel image" },
	[K_PGTABLE] = { "pgtable", "#b4a7d6", "page tables" },
	[K_ZERO]    = { "zero", "#ffffff", "zero page" },
	[K_CACHE]   = { "cache", "#93c47d", "page cache (objects, shared memory)" },
	[K_OTHER]   = { "other", "#cccccc", "other (swap cache, not mapped)" },
};

/* Process colours, by PID in turn. */
static const char *const pid_colour[] = {
	"#6fa8dc", "#e06666", "#f6b26b", "#8e7cc3", "#76a5af", "#c27ba0", "#ffd966", "#a61c00",
};
#define NPIDCOL (sizeof(pid_colour) / sizeof(pid_colour[0]))

struct frame_info {
	int owner;          /* lowest PID mapping it, 0: none */
	int object;         /* index in objs + 1 of a mapped cache page's file, 0: none */
	bool hl;            /* mapped by the --pid process */
};

struct phys_map {
	uint64_t nframes;
	const unsigned char *flags, *count;     /* kpageflags, kpagecount */
	struct frame_info *fi;
	char (*objs)[128];                      /* the files cache pages are mapped from */
	int nobjs;
	int *pids, npids;                       /* live processes */
};

static uint64_t word(const unsigned char *p, uint64_t i)
{
	uint64_t v = 0;

	for (int b = 7; b >= 0; b--)
		v = v << 8 | p[i * 8 + (uint64_t)b];
	return v;
}

static bool flag(const struct phys_map *pm, uint64_t pfn, int bit)
{
	return word(pm->flags, pfn) >> bit & 1;
}

static enum kind frame_kind(const struct phys_map *pm, uint64_t pfn)
{
	if (flag(pm, pfn, KPF_ZERO_PAGE))
		return K_ZERO;
	if (flag(pm, pfn, KPF_RESERVED))
		return K_KERNEL;
	if (flag(pm, pfn, KPF_PGTABLE))
		return K_PGTABLE;
	if (flag(pm, pfn, KPF_BUDDY))
		return K_FREE;
	if (flag(pm, pfn, KPF_ANON) && pm->fi[pfn].owner)
		return K_PROCESS;
	if (!flag(pm, pfn, KPF_ANON) && flag(pm, pfn, KPF_LRU))
		return K_CACHE;
	return K_OTHER;
}

static int object_index(struct phys_map *pm, const char *file)
{
	for (int i = 0; i < pm->nobjs; i++)
		if (strcmp(pm->objs[i], file) == 0)
			return i + 1;
	if (pm->nobjs % 16 == 0) {
		char (*no)[128] = realloc(pm->objs, (size_t)(pm->nobjs + 16) * sizeof(*no));

		if (!no)
			return 0;
		pm->objs = no;
	}
	snprintf(pm->objs[pm->nobjs], sizeof(pm->objs[0]), "%s", file);
	return ++pm->nobjs;
}

#define PM_CHUNK 512   /* pagemap words read at once: one FUSE read, not one a page */

/* read_words - up to PM_CHUNK words of @fd from word @first (at most @n); 0 or -errno. */
static int read_words(int fd, uint64_t first, uint64_t n, uint64_t *words)
{
	unsigned char buf[PM_CHUNK * 8];
	size_t want = (size_t)(n < PM_CHUNK ? n : PM_CHUNK) * 8, got = 0;

	while (got < want) {
		ssize_t r = pread(fd, buf + got, want - got, (off_t)(first * 8 + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		got += (size_t)r;
	}
	for (size_t i = 0; i < want / 8; i++)
		words[i] = word(buf, i);
	return 0;
}

/*
 * map_process - mark the frames @pid maps (its maps, then its pagemap's
 * words of each mapping, PM_CHUNK at a time); a process that ended
 * meanwhile is skipped.  0, or 1 after a message.
 */
static int map_process(struct phys_map *pm, int pid, int highlight)
{
	char rel[48], path[4096], *maps = NULL;
	uint64_t words[PM_CHUNK];
	int rc, fd;

	snprintf(rel, sizeof(rel), "%d/maps", pid);
	if ((rc = slurp(rel, &maps)) == -ENOENT)
		return 0;
	if (rc < 0)
		return fail("%s/%s: %s", mount_dir, rel, strerror(-rc));
	snprintf(rel, sizeof(rel), "%d/pagemap", pid);
	if (!mnt_path(path, sizeof(path), rel)) {
		free(maps);
		return 1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = errno;
		free(maps);
		return rc == ENOENT ? 0 : open_failed(rel, rc, pid);
	}
	for (const char *line = *maps ? maps : NULL; line; line = next_line(line)) {
		uint64_t start, end;
		int at = 0, file = 0;

		char one[4352];

		/* one line at a time: the blanks after INODE would skip the newline */
		snprintf(one, sizeof(one), "%.*s", (int)strcspn(line, "\n"), line);
		if (sscanf(one, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n", &start, &end, &at) < 2 ||
		    start >= end || start >> 63)
			continue;
		if (at && one[at] == '/')
			file = object_index(pm, one + at);
		for (uint64_t va = start; va < end; va += 4096) {
			uint64_t e, i = (va - start) >> PAGE_SHIFT;

			if (i % PM_CHUNK == 0 && read_words(fd, va >> PAGE_SHIFT, (end - va) >> PAGE_SHIFT, words) < 0)
				break;
			e = words[i % PM_CHUNK];
			if (!(e >> 63 & 1))
				continue;
			e &= (UINT64_C(1) << 55) - 1;
			if (e >= pm->nframes)
				continue;
			if (!pm->fi[e].owner || pid < pm->fi[e].owner)
				pm->fi[e].owner = pid;
			if (pid == highlight)
				pm->fi[e].hl = true;
			if (file && !pm->fi[e].object)
				pm->fi[e].object = file;
		}
	}
	close(fd);
	free(maps);
	return 0;
}

static const char *frame_colour(const struct phys_map *pm, uint64_t pfn, enum kind k)
{
	if (k != K_PROCESS)
		return kinds[k].colour;
	for (int i = 0; i < pm->npids; i++)
		if (pm->pids[i] == pm->fi[pfn].owner)
			return pid_colour[(size_t)i % NPIDCOL];
	return pid_colour[0];
}

/* frame_marks - a shared frame's white dot, a dirty frame's black corner. */
static void frame_marks(struct sbuf *d, int x, int y, bool shared, bool dirty)
{
	if (shared)
		sb_printf(d, "<circle cx=\"%d\" cy=\"%d\" r=\"2\" fill=\"#ffffff\" stroke=\"#000000\" stroke-width=\"0.8\"/>\n",
			  x + CELL / 2, y + CELL / 2);
	if (dirty)
		sb_printf(d, "<path d=\"M%d %dh4v4z\" fill=\"#000000\"/>\n", x + CELL - 4, y);
}

/* frame_rect - the frame's square, its marks and its title. */
static void frame_rect(struct sbuf *d, const struct phys_map *pm, uint64_t pfn, int highlight)
{
	enum kind k = frame_kind(pm, pfn);
	uint64_t count = word(pm->count, pfn);
	bool shared = count > 1, dirty = flag(pm, pfn, KPF_DIRTY), hl = pm->fi[pfn].hl;
	int x = LEFT + (int)(pfn % COLS) * STEP, y = TOP + (int)(pfn / COLS) * STEP;

	sb_printf(d, "<rect id=\"pfn-%" PRIu64 "\" class=\"", pfn);
	if (k == K_PROCESS)
		sb_printf(d, "pid-%d", pm->fi[pfn].owner);
	else
		sb_printf(d, "%s", kinds[k].cls);
	sb_printf(d, "%s%s%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s>"
		  "<title>frame 0x%" PRIx64 ": ", shared ? " shared" : "", dirty ? " dirty" : "",
		  hl ? " hl" : "", x, y, CELL, CELL, frame_colour(pm, pfn, k),
		  highlight && !hl ? " opacity=\"0.25\"" : hl ? " stroke=\"#000000\" stroke-width=\"1.5\"" : "",
		  pfn);
	if (k == K_PROCESS)
		sb_printf(d, "anonymous, process %d", pm->fi[pfn].owner);
	else
		sb_printf(d, "%s", kinds[k].legend);
	if (pm->fi[pfn].object) {
		sb_printf(d, ", ");
		sb_xml(d, pm->objs[pm->fi[pfn].object - 1]);
	}
	if (pm->fi[pfn].owner && k != K_PROCESS)
		sb_printf(d, ", mapped by process %d", pm->fi[pfn].owner);
	sb_printf(d, "%s%s, kpagecount %" PRIu64 ", kpageflags 0x%" PRIx64 "</title></rect>\n",
		  shared ? ", shared" : "", dirty ? ", dirty" : "", count, word(pm->flags, pfn));
	frame_marks(d, x, y, shared, dirty);
}

/* legend_item - a swatch (or a mark) and its words, at row @i of the legend. */
static void legend_item(struct sbuf *d, int y0, int i, const char *fill, bool shared, bool dirty,
			const char *text)
{
	int col = i % 2, row = i / 2, x = LEFT + col * 330, y = y0 + row * 18;

	sb_printf(d, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#999999\" stroke-width=\"0.5\"/>\n",
		  x, y, CELL, CELL, fill);
	frame_marks(d, x, y, shared, dirty);
	sb_printf(d, "<text x=\"%d\" y=\"%d\">", x + CELL + 6, y + CELL - 1);
	sb_xml(d, text);
	sb_printf(d, "</text>\n");
}

static void phys_svg(struct sbuf *d, struct phys_map *pm, int highlight, const char *title)
{
	uint64_t rows = (pm->nframes + COLS - 1) / COLS;
	int width = LEFT + COLS * STEP + 20, y0 = TOP + (int)rows * STEP + 20, n = 0;
	int nlegend = 6 + 2 + pm->npids;
	int height = y0 + (nlegend + 1) / 2 * 18 + 20;

	sb_printf(d, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
		  " font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
		  "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		  "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">", width, height, width, height, LEFT);
	sb_xml(d, title);
	sb_printf(d, "</text>\n");
	for (uint64_t r = 0; r < rows; r++)
		sb_printf(d, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"9\">0x%" PRIx64 "</text>\n",
			  LEFT - 6, TOP + (int)r * STEP + CELL - 1, r * COLS);
	for (uint64_t pfn = 0; pfn < pm->nframes; pfn++)
		frame_rect(d, pm, pfn, highlight);
	for (int k = 0; k < K_PROCESS; k++)
		legend_item(d, y0, n++, kinds[k].colour, false, false, kinds[k].legend);
	for (int i = 0; i < pm->npids; i++) {
		char text[320], rel[32], *comm = NULL;

		snprintf(rel, sizeof(rel), "%d/comm", pm->pids[i]);
		if (slurp(rel, &comm) == 0)
			comm[strcspn(comm, "\n")] = '\0';
		snprintf(text, sizeof(text), "process %d (%s), anonymous memory%s", pm->pids[i], comm ? comm : "?",
			 pm->pids[i] == highlight ? ", highlighted" : "");
		free(comm);
		legend_item(d, y0, n++, pid_colour[(size_t)i % NPIDCOL], false, false, text);
	}
	legend_item(d, y0, n++, "#ffffff", true, false, "shared: mapped more than once (kpagecount > 1)");
	legend_item(d, y0, n++, "#ffffff", false, true, "dirty (kpageflags)");
	sb_printf(d, "</svg>\n");
}

int draw_phys(int highlight, const char *out)
{
	struct phys_map pm = { 0 };
	struct sbuf d = { 0 };
	char *flags = NULL, *count = NULL, title[160];
	size_t flen = 0, clen = 0;
	int rc = 1;

	if ((rc = slurp_len("kpageflags", &flags, &flen)) < 0)
		return open_failed("kpageflags", -rc, 0);
	if ((rc = slurp_len("kpagecount", &count, &clen)) < 0) {
		free(flags);
		return open_failed("kpagecount", -rc, 0);
	}
	rc = 1;
	if (flen % 8 || flen != clen) {
		fail("kpageflags (%zu bytes) and kpagecount (%zu) do not agree", flen, clen);
		goto out;
	}
	pm.nframes = flen / 8;
	pm.flags = (unsigned char *)flags;
	pm.count = (unsigned char *)count;
	if (!(pm.fi = calloc(pm.nframes ? pm.nframes : 1, sizeof(*pm.fi)))) {
		fail("out of memory");
		goto out;
	}
	if ((pm.npids = live_pids(&pm.pids)) < 0)
		goto out;
	if (highlight && !pid_exists(highlight)) {
		fail("no process %d", highlight);
		goto out;
	}
	for (int i = 0; i < pm.npids; i++)
		if (map_process(&pm, pm.pids[i], highlight))
			goto out;
	snprintf(title, sizeof(title), "physical memory: %" PRIu64 " frames of 4 KiB, 64 a row", pm.nframes);
	if (highlight)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), "; process %d highlighted", highlight);
	phys_svg(&d, &pm, highlight, title);
	if (d.oom)
		fail("out of memory");
	else
		rc = write_picture(out, d.buf, d.len);
out:
	free(d.buf);
	free(pm.fi);
	free(pm.objs);
	free(pm.pids);
	free(flags);
	free(count);
	return rc;
}

/*
 * vmfsctl_draw.c - vmfsctl draw: the pictures of issue 19 that are graphs,
 * laid out by Graphviz's library, and the command's dispatch.
 *
 *   draw walk PID ADDR...   the walk translate does (pt_walk: cr3, then each
 *                           entry read from phys at table + 8 * index), one
 *                           cluster per address: the address split into its
 *                           fields, one box per table visited, the frame and
 *                           the byte, and the verdict (walk_verdict) where
 *                           the walk stops
 *   draw tree PID           PID/pagetable's entries as a tree, PID/maps for
 *                           the mapping of each leaf, kpagecount for sharing
 *   draw phys               vmfsctl_phys.c (no Graphviz)
 *
 * What stays true: the graph is written in the DOT language into memory,
 * read with agmemread and laid out and rendered by libgvc in this process
 * (no `dot` subprocess); every figure on a picture is one the files gave,
 * printed in the same form translate and pagetable print it, so a test can
 * find it in the SVG's text; nothing is written (no -o file created) unless
 * the whole picture was made.  Without Graphviz at build time, walk and tree
 * fail with a message saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_GRAPHVIZ
#include <gvc.h>
#endif

#include "vmfsctl.h"

/* ---- a growing string ------------------------------------------------------ */

/* sb_printf - append to @b; on allocation failure @b->oom is set and it stays as it was. */
void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->buf ? b->buf + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 4096;

		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *nb = realloc(b->buf, cap);

		if (!nb) {
			b->oom = true;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
}

/* sb_xml - append @s with &, <, >, " escaped (SVG text, Graphviz HTML labels). */
void sb_xml(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_printf(b, "&amp;"); break;
		case '<': sb_printf(b, "&lt;"); break;
		case '>': sb_printf(b, "&gt;"); break;
		case '"': sb_printf(b, "&quot;"); break;
		default:
			if ((unsigned char)*s >= 0x20)
				sb_printf(b, "%c", *s);
		}
	}
}

/*
 * write_picture - @len bytes to @file (created or truncated), or to stdout
 * when @file is NULL or "-".  Returns 0 or 1 after a message.
 */
int write_picture(const char *file, const char *data, size_t len)
{
	bool out = !file || strcmp(file, "-") == 0;
	int fd = out ? STDOUT_FILENO : open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return fail("%s: %s", file, strerror(errno));
	if (out)
		fflush(stdout);
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			if (!out)
				close(fd);
			return fail("%s: %s", out ? "standard output" : file, strerror(err));
		}
		done += (size_t)n;
	}
	if (!out && close(fd) != 0)
		return fail("%s: %s", file, strerror(errno));
	return 0;
}

/* ---- Graphviz -------------------------------------------------------------- */

#if defined(HAVE_GRAPHVIZ) && defined(__SANITIZE_ADDRESS__)
/*
 * Graphviz 2.43 leaks the parts of HTML-like labels it makes while laying a
 * graph out (make_html_label, htmlparse), even after gvFreeLayout, agclose
 * and gvFreeContext, and its text renderer's libraries (pango, cairo,
 * fontconfig, glib) keep caches for the life of the process.
 * LeakSanitizer (the ASan build of test.sh) would fail every draw walk and
 * draw tree for them; only those libraries' allocations are let go, a leak
 * of vmfsctl's own is still one.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libcgraph.so\nleak:libgvplugin_\nleak:libpango\n"
	       "leak:libcairo.so\nleak:libfontconfig.so\nleak:libglib-2.0.so\n"
	       "leak:libgobject-2.0.so\nleak:libharfbuzz.so\nleak:libfreetype.so\n";
}

/* ... and silently: the statistics of the suppressions would reach stderr,
 * which must stay empty on success (the tests and the tutorial check it). */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

/*
 * render_dot - lay out the DOT text in @dot with Graphviz's dot layout and
 * write it in @format to @file (see write_picture).  0, or 1 after a message.
 */
static int render_dot(const struct sbuf *dot, const char *format, const char *file)
{
#ifdef HAVE_GRAPHVIZ
	GVC_t *gvc;
	Agraph_t *g;
	char *data = NULL;
	unsigned int len = 0;
	int rc = 1;

	if (dot->oom)
		return fail("out of memory");
	if (!(gvc = gvContext()))
		return fail("Graphviz: no context");
	if (!(g = agmemread(dot->buf))) {
		gvFreeContext(gvc);
		return fail("Graphviz could not read the graph (a bug in vmfsctl)");
	}
	if (gvLayout(gvc, g, "dot") != 0) {
		fail("Graphviz: the dot layout failed");
	} else {
		if (gvRenderData(gvc, g, format, &data, &len) != 0 || !data)
			fail("Graphviz cannot render %s here (its plugin is missing)", format);
		else
			rc = write_picture(file, data, len);
		if (data)
			gvFreeRenderData(data);
		gvFreeLayout(gvc, g);
	}
	agclose(g);
	gvFreeContext(gvc);
	return rc;
#else
	(void)dot, (void)format, (void)file;
	return fail("this vmfsctl was built without Graphviz (libgvc, libcgraph): no walk or tree pictures");
#endif
}

/* The graph's common head: fonts and plain nodes for HTML-like tables. */
static void dot_head(struct sbuf *d, const char *rankdir)
{
	sb_printf(d, "digraph vmfs {\n"
		  "  graph [rankdir=%s, fontname=\"Helvetica\", fontsize=12, nodesep=0.3, ranksep=0.45];\n"
		  "  node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n"
		  "  edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n", rankdir);
}

#define TABLE_ATTRS "border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"3\""

/* ---- draw walk -------------------------------------------------------------- */

/* Colours: one per level, so a field of the address and its table match. */
static const char *const level_colour[MAX_LEVELS] = {
	"#cfe2f3", "#d9ead3", "#fff2cc", "#f4cccc", "#d9d2e9", "#fce5cd",
};

static void binary_bits(uint64_t v, int width, char *buf)
{
	for (int i = 0; i < width; i++)
		buf[i] = (char)('0' + (v >> (width - 1 - i) & 1));
	buf[width] = '\0';
}

/*
 * walk_address - the node a<N>_addr: the address's fields in a row, one
 * port each.  A walk that ends at a huge page (@fields < levels) uses
 * fewer index fields: the bits below its last level are all the offset.
 */
static void walk_address(struct sbuf *d, int n, uint64_t addr, const struct pt_head *h,
			 const struct va_split *s, int fields)
{
	int offbits = fields == h->levels ? PAGE_SHIFT : s->shift[fields - 1];
	char bits[72];

	sb_printf(d, "  a%d_addr [label=<<table " TABLE_ATTRS "><tr>", n);
	if (s->va_bits < 64)
		sb_printf(d, "<td port=\"sign\">bits 63-%d<br/>sign<br/>0x%" PRIx64 "</td>", s->va_bits, s->sign);
	for (int l = 0; l < fields; l++) {
		binary_bits(s->index[l], s->width[l], bits);
		sb_printf(d, "<td port=\"f%d\" bgcolor=\"%s\">bits %d-%d<br/><b>%s</b> %s<br/>index %" PRIu64 "</td>",
			  l, level_colour[l], s->shift[l] + s->width[l] - 1, s->shift[l], h->names[l], bits,
			  s->index[l]);
	}
	binary_bits(addr & ((UINT64_C(1) << offbits) - 1), offbits, bits);
	sb_printf(d, "<td port=\"off\">bits %d-0<br/><b>%s</b> %s<br/>0x%" PRIx64 "</td></tr></table>>];\n",
		  offbits - 1, fields == h->levels ? "offset" : "offset in the huge page", bits,
		  addr & ((UINT64_C(1) << offbits) - 1));
}

/* walk_table - the node a<N>_t<L>: the table at level @l and the entry the walk used. */
static void walk_table(struct sbuf *d, int n, int l, const struct pt_head *h, const struct va_split *s,
		       const struct walk_row *r)
{
	char flags[96], target[96];

	pte_flags(r->entry, flags, sizeof(flags));
	pte_target(r->entry, l == h->levels - 1, target, sizeof(target));
	sb_printf(d, "  a%d_t%d [label=<<table " TABLE_ATTRS ">"
		  "<tr><td colspan=\"3\" bgcolor=\"%s\"><b>%s table</b>, frame 0x%" PRIx64 " (phys 0x%" PRIx64 ")</td></tr>",
		  n, l, level_colour[l], h->names[l], r->table >> PAGE_SHIFT, r->table);
	if (r->index > 0)
		sb_printf(d, "<tr><td colspan=\"3\">... %" PRIu64 " entr%s before ...</td></tr>",
			  r->index, r->index == 1 ? "y" : "ies");
	sb_printf(d, "<tr><td port=\"e\" bgcolor=\"%s\">%s[%" PRIu64 "] @0x%" PRIx64 "</td>"
		  "<td>0x%016" PRIx64 "</td><td>%s</td></tr>"
		  "<tr><td colspan=\"3\">-&gt; ", level_colour[l], h->names[l], r->index, r->at, r->entry, flags);
	sb_xml(d, target);
	sb_printf(d, "</td></tr>");
	if (r->index < (UINT64_C(1) << s->width[l]) - 1)
		sb_printf(d, "<tr><td colspan=\"3\">...</td></tr>");
	sb_printf(d, "</table>>];\n");
}

/* walk_one - the cluster of one address: split, cr3, the tables, the frame or the stop. */
static int walk_one(struct sbuf *d, int n, int pid, const char *name, uint64_t addr,
		    const struct pt_head *h, int phys)
{
	struct va_split s;
	struct walk_row row[MAX_LEVELS];
	char verdict[4352];
	int nrows = 0, rc;
	bool stopped;

	va_split(addr, h->levels, &s);
	sb_printf(d, "  subgraph cluster_%d {\n    label=<<b>0x%" PRIx64 "</b> in process %d (", n, addr, pid);
	sb_xml(d, name);
	sb_printf(d, "): %s; %d levels, %d-bit addresses>;\n    labeljust=l; style=rounded; color=\"#999999\";\n",
		  !s.canonical ? "not canonical" : s.user ? "user half" : "kernel half", h->levels, s.va_bits);
	if (!s.canonical) {
		walk_address(d, n, addr, h, &s, h->levels);
		sb_printf(d, "  a%d_stop [shape=box, style=filled, fillcolor=\"#f4cccc\", label=\"not canonical "
			  "(bits 63-%d differ from bit %d): no walk; an access faults\"];\n"
			  "  a%d_addr:sign -> a%d_stop;\n  }\n", n, s.va_bits, s.va_bits - 1, n, n);
		return 0;
	}
	if ((rc = pt_walk(phys, h, &s, row, &nrows)) < 0)
		return fail("%s/phys: reading 8 bytes at 0x%" PRIx64 ": %s", mount_dir, row[nrows - 1].at,
			    strerror(-rc));
	walk_address(d, n, addr, h, &s, pt_huge(h, row, nrows) ? nrows : h->levels);

	sb_printf(d, "  a%d_cr3 [shape=box, style=filled, fillcolor=\"#eeeeee\", label=\"cr3 0x%" PRIx64 "\"];\n",
		  n, h->cr3);
	for (int l = 0; l < nrows; l++)
		walk_table(d, n, l, h, &s, &row[l]);
	sb_printf(d, "  a%d_cr3 -> a%d_t0 [label=\"%s table at 0x%" PRIx64 "\"];\n", n, n, h->names[0], h->top);
	for (int l = 0; l < nrows; l++) {
		sb_printf(d, "  a%d_addr:f%d -> a%d_t%d:e [style=dashed, color=\"#888888\", label=\"index %" PRIu64 "\"];\n",
			  n, l, n, l, row[l].index);
		if (l + 1 < nrows)
			sb_printf(d, "  a%d_t%d:e -> a%d_t%d [label=\"table 0x%" PRIx64 "\"];\n", n, l, n, l + 1,
				  row[l].entry & PTE_PFN_MASK);
	}

	walk_verdict(pid, addr, h, &s, row, nrows, verdict, sizeof(verdict));
	uint64_t e = row[nrows - 1].entry;
	bool huge = pt_huge(h, row, nrows);
	bool present = (e & PTE_P) && (huge || nrows == h->levels);

	stopped = !present || !(e & PTE_US) || !(e & PTE_RW) || (e & PTE_COW);
	if (present) {
		uint64_t frame = e & PTE_PFN_MASK;
		uint64_t off = huge ? addr & ((UINT64_C(1) << s.shift[nrows - 1]) - 1) : addr & 0xfff;

		sb_printf(d, "  a%d_frame [label=<<table " TABLE_ATTRS "><tr><td bgcolor=\"#b6d7a8\"><b>%s</b> 0x%" PRIx64
			  " (phys 0x%" PRIx64 ")</td></tr><tr><td port=\"b\">byte at offset 0x%" PRIx64
			  ": phys 0x%" PRIx64 "</td></tr></table>>];\n",
			  n, huge ? "huge page frame" : "frame", frame >> PAGE_SHIFT, frame, off, frame + off);
		sb_printf(d, "  a%d_t%d:e -> a%d_frame [label=\"frame 0x%" PRIx64 "\"];\n"
			  "  a%d_addr:off -> a%d_frame:b [style=dashed, color=\"#888888\", label=\"offset\"];\n",
			  n, nrows - 1, n, frame, n, n);
	}
	/* The verdict: where the walk stops or what limits the access, said on the picture. */
	sb_printf(d, "  a%d_stop [shape=box, style=\"filled,rounded\", fillcolor=\"%s\", label=\"", n,
		  !present ? "#f4cccc" : stopped ? "#fff2cc" : "#d9ead3");
	for (const char *p = verdict; *p; p++)
		sb_printf(d, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
	sb_printf(d, "\"];\n");
	if (present)
		sb_printf(d, "  a%d_frame -> a%d_stop [style=dotted, arrowhead=none];\n  }\n", n, n);
	else
		sb_printf(d, "  a%d_t%d:e -> a%d_stop [color=\"#cc0000\", label=\"stops here\"];\n  }\n",
			  n, nrows - 1, n);
	return 0;
}

static int draw_walk(int pid, char **addrs, int naddrs, const char *format, const char *out)
{
	struct pt_head h;
	struct sbuf d = { 0 };
	char rel[32], name[64] = "?", file[4096], *text;
	int phys, rc = 0;

	if (pt_head_read(pid, &h))
		return 1;
	snprintf(rel, sizeof(rel), "%d/comm", pid);
	if (slurp(rel, &text) == 0) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, "\n"), text);
		free(text);
	}
	if (!mnt_path(file, sizeof(file), "phys"))
		return 1;
	if ((phys = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return open_failed("phys", errno, 0);
	dot_head(&d, "TB");
	for (int i = 0; i < naddrs && !rc; i++) {
		uint64_t addr;

		parse_addr(addrs[i], &addr);   /* checked by cmd_draw */
		rc = walk_one(&d, i, pid, name, addr, &h, phys);
	}
	close(phys);
	sb_printf(&d, "}\n");
	if (!rc)
		rc = render_dot(&d, format, out);
	free(d.buf);
	return rc;
}

/* ---- draw tree --------------------------------------------------------------- */

/* One line of PID/pagetable: a non-zero entry. */
struct pt_line {
	int depth;          /* 0 = the top level */
	unsigned index;
	uint64_t at;        /* the entry's physical address */
	uint64_t entry;
	uint64_t va;        /* the first address it covers */
	bool keep;          /* inside --range */
};

/* One mapping of PID/maps. */
struct map_line {
	uint64_t start, end;
	char text[160];     /* "START-END PERMS NAME" as the picture shows it */
};

struct tree {
	const struct pt_head *h;
	struct pt_line *e;
	int n;
	struct map_line *maps;
	int nmaps;
	int kpagecount;     /* fd, or -1: no sharing marks */
	struct sbuf *d;
	int nodes;
};

#define TREE_ROWS_MAX 64   /* leaf rows per group before "... N more" */

static bool pt_line_leaf(const struct tree *t, const struct pt_line *e)
{
	return e->depth == t->h->levels - 1 || ((e->entry & PTE_P) && (e->entry & PTE_PS));
}

/* parse_pagetable - the entries of PID/pagetable's text after its first line. */
static int parse_pagetable(const char *text, struct pt_line **out)
{
	struct pt_line *v = NULL;
	int n = 0, cap = 0;

	for (const char *line = next_line(text); line; line = next_line(line)) {
		struct pt_line e = { 0 };
		size_t sp = strspn(line, " ");

		if (sscanf(line + sp, "%*[a-z0-9][%u] @0x%" SCNx64 " 0x%" SCNx64 " va 0x%" SCNx64,
			   &e.index, &e.at, &e.entry, &e.va) != 4)
			continue;
		e.depth = (int)sp / 2;
		e.keep = true;
		if (n == cap) {
			struct pt_line *nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 256) * sizeof(*v));

			if (!nv) {
				free(v);
				return -1;
			}
			v = nv;
		}
		v[n++] = e;
	}
	*out = v;
	return n;
}

/* parse_maps - PID/maps as start, end and a short text. */
static int parse_maps(const char *text, struct map_line **out)
{
	struct map_line *v = NULL;
	int n = 0, cap = 0;

	for (const char *next = *text ? text : NULL; next; next = next_line(next)) {
		const char *line = next;
		struct map_line m;
		char perms[8], one[4352];
		int at = 0;
		size_t len;

		/* one line at a time: the blanks after INODE would skip the newline */
		snprintf(one, sizeof(one), "%.*s", (int)strcspn(line, "\n"), line);
		line = one;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &m.start, &m.end, perms, &at) < 3 || !at)
			continue;
		len = strlen(line + at);
		while (len && line[at + len - 1] == ' ')
			len--;
		snprintf(m.text, sizeof(m.text), "%" PRIx64 "-%" PRIx64 " %s%s%.*s", m.start, m.end, perms,
			 len ? " " : "", (int)(len > 100 ? 100 : len), line + at);
		if (n == cap) {
			struct map_line *nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 32) * sizeof(*v));

			if (!nv) {
				free(v);
				return -1;
			}
			v = nv;
		}
		v[n++] = m;
	}
	*out = v;
	return n;
}

static int map_of(const struct tree *t, uint64_t va)
{
	for (int i = 0; i < t->nmaps; i++)
		if (va >= t->maps[i].start && va < t->maps[i].end)
			return i;
	return -1;
}

/* frame_count - kpagecount's word for @pfn; 0 when it cannot be read. */
static uint64_t frame_count(const struct tree *t, uint64_t pfn)
{
	uint64_t v = 0;

	if (t->kpagecount < 0 || read_entry(t->kpagecount, pfn * 8, &v) < 0)
		return 0;
	return v;
}

/* The kept entries of the table at physical address @table, in order. */
static int table_entries(const struct tree *t, uint64_t table, int *idx, int max)
{
	int n = 0;

	for (int i = 0; i < t->n && n < max; i++)
		if (t->e[i].keep && (t->e[i].at & ~UINT64_C(0xfff)) == table)
			idx[n++] = i;
	return n;
}

/* tree_entry_cells - an entry's raw value, target and bits; @count > 1 marks a shared frame. */
static void tree_entry_cells(struct tree *t, const struct pt_line *e, uint64_t count)
{
	char flags[96], target[96];

	pte_flags(e->entry, flags, sizeof(flags));
	pte_target(e->entry, pt_line_leaf(t, e), target, sizeof(target));
	sb_printf(t->d, "<td>0x%016" PRIx64 "</td><td>", e->entry);
	sb_xml(t->d, target);
	sb_printf(t->d, "</td><td>%s", flags);
	if (count > 1)
		sb_printf(t->d, " <b>shared x%" PRIu64 "</b>", count);
	sb_printf(t->d, "</td>");
}

/*
 * tree_node - the node for the table at @table (depth @depth), with @chain
 * the collapsed entries above it (a path of tables with one entry each).
 * Returns the node's number.
 */
static int tree_node(struct tree *t, uint64_t table, int depth, const int *chain, int nchain)
{
	struct sbuf *d = t->d;
	int *idx = malloc(512 * sizeof(*idx)), n, id = t->nodes++;
	int lastmap = -2, shown = 0;

	if (!idx) {
		d->oom = true;
		return id;
	}
	n = table_entries(t, table, idx, 512);
	/* A plain upper table: one entry, pointing to a table: fold it into the next box. */
	if (n == 1 && !pt_line_leaf(t, &t->e[idx[0]]) && (t->e[idx[0]].entry & PTE_P) && nchain < MAX_LEVELS) {
		int c[MAX_LEVELS];

		if (nchain)
			memcpy(c, chain, (size_t)nchain * sizeof(*c));
		c[nchain] = idx[0];
		t->nodes--;
		id = tree_node(t, t->e[idx[0]].entry & PTE_PFN_MASK, depth + 1, c, nchain + 1);
		free(idx);
		return id;
	}
	sb_printf(d, "  n%d [label=<<table " TABLE_ATTRS ">", id);
	for (int i = 0; i < nchain; i++) {
		const struct pt_line *e = &t->e[chain[i]];

		sb_printf(d, "<tr><td bgcolor=\"%s\">%s[%u] @0x%" PRIx64 "</td>", level_colour[e->depth],
			  t->h->names[e->depth], e->index, e->at);
		tree_entry_cells(t, e, 0);
		sb_printf(d, "</tr>");
	}
	sb_printf(d, "<tr><td colspan=\"4\" bgcolor=\"%s\"><b>%s table</b>, frame 0x%" PRIx64 " (phys 0x%" PRIx64
		  "): %d entr%s</td></tr>", level_colour[depth], t->h->names[depth], table >> PAGE_SHIFT, table,
		  n, n == 1 ? "y" : "ies");
	for (int i = 0; i < n; i++) {
		const struct pt_line *e = &t->e[idx[i]];
		bool leaf = pt_line_leaf(t, e);
		int m = leaf ? map_of(t, e->va) : -2;
		uint64_t count = leaf && (e->entry & PTE_P) ? frame_count(t, (e->entry & PTE_PFN_MASK) >> PAGE_SHIFT) : 0;

		if (leaf && m != lastmap) {
			/* a new group: the mapping the next entries fall in */
			if (shown > TREE_ROWS_MAX)
				sb_printf(d, "<tr><td colspan=\"4\">... %d more entries ...</td></tr>", shown - TREE_ROWS_MAX);
			sb_printf(d, "<tr><td colspan=\"4\" bgcolor=\"#eeeeee\" align=\"left\"><i>");
			sb_xml(d, m >= 0 ? t->maps[m].text : "(no mapping)");
			sb_printf(d, "</i></td></tr>");
			lastmap = m;
			shown = 0;
		}
		if (leaf && ++shown > TREE_ROWS_MAX)
			continue;
		sb_printf(d, "<tr><td port=\"p%d\" bgcolor=\"%s\">%s[%u] va 0x%" PRIx64 "</td>", i,
			  count > 1 ? "#f6b26b" : level_colour[e->depth], t->h->names[e->depth], e->index, e->va);
		tree_entry_cells(t, e, count);
		sb_printf(d, "</tr>");
	}
	if (shown > TREE_ROWS_MAX)
		sb_printf(d, "<tr><td colspan=\"4\">... %d more entries ...</td></tr>", shown - TREE_ROWS_MAX);
	sb_printf(d, "</table>>];\n");
	for (int i = 0; i < n; i++) {
		const struct pt_line *e = &t->e[idx[i]];

		if (pt_line_leaf(t, e) || !(e->entry & PTE_P))
			continue;
		int child = tree_node(t, e->entry & PTE_PFN_MASK, depth + 1, NULL, 0);

		sb_printf(d, "  n%d:p%d -> n%d;\n", id, i, child);
	}
	free(idx);
	return id;
}

/* parse_range - "A-B" with A < B, addresses as parse_addr reads them. */
static bool parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	char first[64];
	const char *dash = strchr(s, '-');

	if (!dash || (size_t)(dash - s) >= sizeof(first))
		return false;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	return parse_addr(first, a) && parse_addr(dash + 1, b) && *a < *b;
}

static int draw_tree(int pid, const char *range, const char *format, const char *out)
{
	struct pt_head h;
	struct tree t = { .h = &h, .kpagecount = -1 };
	struct sbuf d = { 0 };
	char rel[32], file[4096], *text = NULL, *maps = NULL, name[64] = "?";
	uint64_t ra = 0, rb = UINT64_MAX;
	int rc = 1, kept = 0;

	if (range)
		parse_range(range, &ra, &rb);   /* checked by cmd_draw */
	snprintf(rel, sizeof(rel), "%d/pagetable", pid);
	if (!(text = slurp_or_fail(rel, pid)))
		return 1;
	if (!pt_head_parse(text, &h)) {
		free(text);
		return fail("%s/%s: the first line is not understood", mount_dir, rel);
	}
	snprintf(rel, sizeof(rel), "%d/maps", pid);
	if (!(maps = slurp_or_fail(rel, pid)))
		goto out;
	if ((t.n = parse_pagetable(text, &t.e)) < 0 || (t.nmaps = parse_maps(maps, &t.maps)) < 0) {
		fail("out of memory");
		goto out;
	}
	snprintf(rel, sizeof(rel), "%d/comm", pid);
	free(text);
	text = NULL;
	if (slurp(rel, &text) == 0)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, "\n"), text);
	for (int i = 0; i < t.n; i++) {
		int shift = PAGE_SHIFT + 9 * (h.levels - 1 - t.e[i].depth);
		uint64_t end = shift >= 64 ? UINT64_MAX : t.e[i].va + (UINT64_C(1) << shift) - 1;

		t.e[i].keep = t.e[i].va < rb && end >= ra;
		kept += t.e[i].keep;
	}
	if (mnt_path(file, sizeof(file), "kpagecount"))
		t.kpagecount = open(file, O_RDONLY | O_CLOEXEC);
	t.d = &d;
	dot_head(&d, "LR");
	sb_printf(&d, "  label=<page tables of process %d (", pid);
	sb_xml(&d, name);
	sb_printf(&d, "): cr3 0x%" PRIx64 ", %d levels, %d entr%s", h.cr3, h.levels, kept, kept == 1 ? "y" : "ies");
	if (range)
		sb_printf(&d, " covering 0x%" PRIx64 "-0x%" PRIx64, ra, rb);
	if (t.kpagecount < 0)
		sb_printf(&d, "; kpagecount not readable: shared frames not marked");
	sb_printf(&d, ">;\n  labelloc=t;\n  cr3 [shape=box, style=filled, fillcolor=\"#eeeeee\", label=\"cr3 0x%" PRIx64 "\"];\n",
		  h.cr3);
	int top = tree_node(&t, h.top, 0, NULL, 0);

	sb_printf(&d, "  cr3 -> n%d;\n}\n", top);
	rc = render_dot(&d, format, out);
out:
	if (t.kpagecount >= 0)
		close(t.kpagecount);
	free(d.buf);
	free(t.e);
	free(t.maps);
	free(maps);
	free(text);
	return rc;
}

/* ---- the command ---------------------------------------------------------------- */

int cmd_draw(const struct command *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'T' },
		{ "range", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *what = argv[0], *out = NULL, *format = "svg", *range = NULL;
	char *pos[64];
	int npos = 0, opt, pid = 0, hl = 0, rc;
	uint64_t a, b;

	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help_command(c);
			return 0;
		}
	if (strcmp(what, "walk") != 0 && strcmp(what, "tree") != 0 && strcmp(what, "phys") != 0)
		return usage_error(c->name, "draw: '%s' is not a picture (walk, tree or phys)", what);
	opterr = 0;
	optind = 0;   /* GNU getopt: start again, argv[0] being the picture's name */
	while ((opt = getopt_long(argc, argv, "-o:T:", longopts, NULL)) != -1) {
		switch (opt) {
		case 1:
			if (npos == (int)(sizeof(pos) / sizeof(pos[0])))
				return usage_error(c->name, "draw %s: too many arguments", what);
			pos[npos++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'T':
			format = optarg;
			break;
		case 'r':
			range = optarg;
			break;
		case 'p':
			if ((rc = pid_arg(c, optarg, &hl)))
				return rc;
			break;
		default:
			if (optopt == 'o' || optopt == 'T')
				return usage_error(c->name, "draw: -%c needs a value", optopt);
			if (optopt)
				return usage_error(c->name, "draw: unknown option -%c", optopt);
			return usage_error(c->name, "draw: unknown option or missing value '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(format, "svg") != 0 && strcmp(format, "png") != 0 && strcmp(format, "pdf") != 0)
		return usage_error(c->name, "draw: '%s' is not a format (svg, png or pdf)", format);
	if (out && !*out)
		return usage_error(c->name, "draw: -o needs a file name");
	if (strcmp(what, "phys") == 0) {
		if (npos)
			return usage_error(c->name, "draw phys: too many arguments (draw phys [--pid PID] [-o FILE])");
		if (range)
			return usage_error(c->name, "draw phys: --range is for draw tree");
		if (strcmp(format, "svg") != 0)
			return usage_error(c->name, "draw phys: only svg (it is plain SVG, without Graphviz)");
		return draw_phys(hl, out);
	}
	if (hl)
		return usage_error(c->name, "draw %s: --pid is for draw phys", what);
	if (npos < 1)
		return usage_error(c->name, "draw %s: missing arguments (draw %s PID%s)", what, what,
				   strcmp(what, "walk") == 0 ? " ADDR..." : "");
	if ((rc = pid_arg(c, pos[0], &pid)))
		return rc;
	if (strcmp(what, "walk") == 0) {
		if (range)
			return usage_error(c->name, "draw walk: --range is for draw tree");
		if (npos < 2)
			return usage_error(c->name, "draw walk: missing arguments (draw walk PID ADDR...)");
		for (int i = 1; i < npos; i++)
			if (!parse_addr(pos[i], &a))
				return usage_error(c->name, "'%s' is not an address", pos[i]);
		return draw_walk(pid, pos + 1, npos - 1, format, out);
	}
	if (npos > 1)
		return usage_error(c->name, "draw tree: too many arguments (draw tree PID [--range A-B])");
	if (range && !parse_range(range, &a, &b))
		return usage_error(c->name, "draw tree: '%s' is not a range A-B with A < B", range);
	return draw_tree(pid, range, format, out);
}

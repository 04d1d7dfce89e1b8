/*
 * test_procfmt.c - the mount's generated files (fuse/procfmt.c), rendered
 * from a real libvmfs machine and read back the way procfs readers do.
 *
 * Three kinds of check, for every file:
 *   1. parseability: each line has the Linux 6.1 shape (the maps regex of
 *      procps/psutil, smaps keys in the kernel's order and count, 52 stat
 *      fields with the comm in parentheses, 7 statm numbers, status and
 *      meminfo keys in order with the kernel's column widths, vmstat
 *      "name value" lines with the names readers look up);
 *   2. agreement: the numbers are the API's (a mapping's Rss is its touched
 *      pages * 4 kB, Swap after vmfs_reclaim, minflt = vmfs_proc_stat's,
 *      pagetable entries are what vmfs_phys_read finds at the address the
 *      line names);
 *   3. shape against this host's own /proc/meminfo, /proc/vmstat, /proc/stat
 *      and /proc/self/maps: the line formats always; the key order only when
 *      the host runs a 6.1 kernel (otherwise the test says so and skips that
 *      part: other releases add, drop and move keys).
 *
 * What stays true: every test opens its own machine and closes it; nothing
 * here reaches past libvmfs and the fmt_* interface of procfmt.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "procfmt.h"

#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#define PAGE VMFS_PAGE_SIZE

/* ---- helpers --------------------------------------------------------------- */

typedef int (*machine_fmt)(vmfs *, struct sbuf *);
typedef int (*pid_fmt)(vmfs *, int, struct sbuf *);

static char *render(vmfs *m, machine_fmt fn)
{
	struct sbuf s = { 0 };

	assert_int_equal(fn(m, &s), 0);
	assert_non_null(s.buf);
	return s.buf;
}

static char *render_pid(vmfs *m, int pid, pid_fmt fn)
{
	struct sbuf s = { 0 };

	assert_int_equal(fn(m, pid, &s), 0);
	if (!s.buf)
		s.buf = strdup("");
	return s.buf;
}

/* Cut @text into lines in place; every line must end with '\n'. */
static size_t split_lines(char *text, char ***lines)
{
	size_t n = 0, cap = 64;
	char **v = malloc(cap * sizeof(*v));

	assert_non_null(v);
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');

		assert_non_null(nl);            /* the file ends with a newline */
		*nl = '\0';
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[n++] = p;
		p = nl + 1;
	}
	*lines = v;
	return n;
}

/* The key of a line: up to @sep (exclusive), in a static buffer. */
static const char *key_of(const char *line, char sep)
{
	static char key[128];
	size_t n = strcspn(line, (char[]){ sep, '\0' });

	snprintf(key, sizeof(key), "%.*s", (int)n, line);
	return key;
}

static bool matches(const char *re, const char *line)
{
	regex_t rx;
	int r;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	r = regexec(&rx, line, 0, NULL, 0);
	regfree(&rx);
	return r == 0;
}

/* The number after "key:" (or "key "), or -1 when the key is absent. */
static int64_t value_of(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && (p[kl] == ':' || p[kl] == ' ')) {
			const char *q = p + kl + 1;

			while (*q == ' ' || *q == '\t')
				q++;
			return strtoll(q, NULL, 10);
		}
	return -1;
}

static char *read_host_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 1 << 16;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	assert_non_null(buf);
	for (size_t n; (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Is the host kernel a 6.1? */
static bool host_is_61(char *release, size_t len)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) < 0)
		return false;
	snprintf(release, len, "%s", u.release);
	return sscanf(u.release, "%d.%d", &major, &minor) == 2 && major == 6 && minor == 1;
}

static vmfs *open_machine(const char *options)
{
	vmfs *m;

	assert_int_equal(vmfs_open(&m, options), 0);
	return m;
}

static uint64_t map_anon(vmfs *m, int pid, uint64_t pages, int prot, int flags)
{
	uint64_t addr;

	assert_int_equal(vmfs_mmap(m, pid, 0, pages * PAGE, prot, flags | MAP_ANONYMOUS,
				   NULL, 0, &addr), 0);
	return addr;
}

static void touch(vmfs *m, int pid, uint64_t addr, uint64_t pages)
{
	char b = 'x';

	for (uint64_t i = 0; i < pages; i++)
		assert_int_equal(vmfs_write(m, pid, addr + i * PAGE, &b, 1), 1);
}

/* ---- /proc/PID/maps ---------------------------------------------------------- */

/* The line procps, psutil and pmap parse. */
static const char MAPS_RE[] =
	"^([0-9a-f]{8,})-([0-9a-f]{8,}) ([r-][w-][x-][sp]) ([0-9a-f]{8,}) "
	"([0-9a-f]{2,}):([0-9a-f]{2,}) ([0-9]+) ?(.*)$";

static void test_maps(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "sh");
	uint64_t anon, shm, lib;
	struct vmfs_map maps[8];
	char **lines;

	assert_true(pid > 0);
	assert_int_equal(vmfs_object_create(m, "libc.so.6", NULL, 3 * PAGE), 0);
	anon = map_anon(m, pid, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	shm = map_anon(m, pid, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	assert_int_equal(vmfs_mmap(m, pid, 0, 3 * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE,
				   "libc.so.6", 0, &lib), 0);
	(void)map_anon(m, pid, 1, PROT_NONE, MAP_PRIVATE);

	procfmt_dev_major = 0;       /* as main() sets it once mounted */
	procfmt_dev_minor = 0x3b;
	char *text = render_pid(m, pid, fmt_pid_maps);
	int n = vmfs_maps(m, pid, maps, 8);
	size_t nl = split_lines(text, &lines);

	assert_int_equal(nl, (size_t)n);
	for (size_t i = 0; i < nl; i++) {
		uint64_t start, end;

		assert_true(matches(MAPS_RE, lines[i]));
		assert_int_equal(sscanf(lines[i], "%" SCNx64 "-%" SCNx64, &start, &end), 2);
		assert_int_equal(start, maps[i].start);
		assert_int_equal(end, maps[i].end);
		if (start == anon || maps[i].prot == PROT_NONE) {
			/* private anonymous: no name, and the kernel's trailing space */
			assert_true(matches(" 00000000 00:00 0 $", lines[i]));
		} else {
			/* seq_pad: the name starts at column 73 */
			assert_true(strlen(lines[i]) > 73);
			assert_int_equal(lines[i][72], ' ');
			assert_true(lines[i][73] == '/');
		}
		if (start == shm)
			assert_string_equal(lines[i] + 73, "/dev/zero (deleted)");
		if (start == lib) {
			/* the mount's device and objects/NAME's inode: OBJECT_INO | its number */
			char dev_ino[80];
			int64_t num = vmfs_object_open(m, "libc.so.6");

			assert_true(num > 0);
			assert_int_equal(maps[i].object_number, (uint64_t)num);
			snprintf(dev_ino, sizeof(dev_ino), " r-xp 00000000 00:3b %" PRIu64 " ",
				 OBJECT_INO | (uint64_t)num);
			assert_string_equal(lines[i] + 73, "/objects/libc.so.6");
			assert_non_null(strstr(lines[i], dev_ino));
			assert_int_equal(vmfs_object_close(m, num), 0);
		}
		if (maps[i].prot == PROT_NONE)
			assert_true(matches(" ---p ", lines[i]));
	}
	free(lines);
	free(text);

	/* Shared anonymous memory: a shmem inode of its own (never 0), and an
	 * offset that follows splits (vm_pgoff), as Linux shows them. */
	uint64_t shm2 = map_anon(m, pid, 1, PROT_READ, MAP_SHARED);
	assert_int_equal(vmfs_mprotect(m, pid, shm + PAGE, PAGE, PROT_READ), 0);
	text = render_pid(m, pid, fmt_pid_maps);
	char want[160];
	unsigned long long ino1 = 0, ino2 = 0, ino3 = 0;
	snprintf(want, sizeof(want), "%08" PRIx64 "-%08" PRIx64 " rw-s 00000000 00:01 ", shm,
		 shm + PAGE);
	assert_non_null(strstr(text, want));
	assert_int_equal(sscanf(strstr(text, want) + strlen(want), "%llu", &ino1), 1);
	snprintf(want, sizeof(want), "%08" PRIx64 "-%08" PRIx64 " r--s 00001000 00:01 ", shm + PAGE,
		 shm + 2 * PAGE);
	assert_non_null(strstr(text, want));
	assert_int_equal(sscanf(strstr(text, want) + strlen(want), "%llu", &ino2), 1);
	snprintf(want, sizeof(want), "%08" PRIx64 "-%08" PRIx64 " r--s 00000000 00:01 ", shm2,
		 shm2 + PAGE);
	assert_non_null(strstr(text, want));
	assert_int_equal(sscanf(strstr(text, want) + strlen(want), "%llu", &ino3), 1);
	assert_true(ino1 != 0 && ino1 == ino2 && ino3 != 0 && ino3 != ino1);
	free(text);
	assert_int_equal(vmfs_munmap(m, pid, shm2, PAGE), 0);
	assert_int_equal(vmfs_mprotect(m, pid, shm + PAGE, PAGE, PROT_READ | PROT_WRITE), 0);

	/* a removed object is "(deleted)", as an unlinked file is, on the same inode */
	char before[128], after[128];
	text = render_pid(m, pid, fmt_pid_maps);
	snprintf(before, sizeof(before), "%.*s", 72, strstr(text, " r-xp "));
	free(text);
	assert_int_equal(vmfs_object_remove(m, "libc.so.6"), 0);
	text = render_pid(m, pid, fmt_pid_maps);
	assert_non_null(strstr(text, "/objects/libc.so.6 (deleted)\n"));
	snprintf(after, sizeof(after), "%.*s", 72, strstr(text, " r-xp "));
	before[strcspn(before, "/")] = after[strcspn(after, "/")] = '\0';
	assert_string_equal(before, after);
	free(text);

	/* a process that is gone */
	struct sbuf s = { 0 };
	assert_int_equal(fmt_pid_maps(m, 999, &s), -ESRCH);
	sbuf_free(&s);
	vmfs_close(m);
}

/* The host's own maps: where a name follows a short prefix, it is at column 73. */
static void test_maps_host_padding(void **state)
{
	(void)state;
	char *text = read_host_file("/proc/self/maps"), **lines;
	size_t checked = 0;

	if (!text)
		skip();
	size_t n = split_lines(text, &lines);
	for (size_t i = 0; i < n; i++) {
		const char *name = strpbrk(lines[i], "/[");

		assert_true(matches(MAPS_RE, lines[i]));
		if (!name || name - lines[i] < 60)
			continue;
		/* the prefix without the padding: up to the inode and one space */
		size_t prefix = 0;
		for (int field = 0; field < 5; field++)
			prefix += strcspn(lines[i] + prefix, " ") + 1;
		if (prefix <= 72) {
			assert_int_equal(name - lines[i], 73);
			checked++;
		}
	}
	assert_true(checked > 0);
	free(lines);
	free(text);
}

/* ---- /proc/PID/smaps and smaps_rollup ------------------------------------------ */

static const char *const SMAPS_KEYS[] = {
	"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty",
	"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
	"Referenced", "Anonymous", "LazyFree", "AnonHugePages", "ShmemPmdMapped",
	"FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss",
	"Locked", "THPeligible", "VmFlags",
};
#define NSMAPS (sizeof(SMAPS_KEYS) / sizeof(SMAPS_KEYS[0]))

static const char *const ROLLUP_KEYS[] = {
	"Rss", "Pss", "Pss_Dirty", "Pss_Anon", "Pss_File", "Pss_Shmem",
	"Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
	"Referenced", "Anonymous", "LazyFree", "AnonHugePages", "ShmemPmdMapped",
	"FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss",
	"Locked",
};
#define NROLLUP (sizeof(ROLLUP_KEYS) / sizeof(ROLLUP_KEYS[0]))

/* "Key:   N kB" with the value right-aligned to column 24 (SEQ_PUT_DEC). */
static void check_kb_line(const char *line)
{
	assert_true(matches("^[A-Za-z_]+: +[0-9]+ kB$", line));
	if (strtoull(strpbrk(line, "0123456789"), NULL, 10) < 10000000)
		assert_int_equal(strlen(line), 27);
}

/* The value of @key in the smaps block of the mapping starting at @start. */
static int64_t smaps_value(const char *text, uint64_t start, const char *key)
{
	char head[32];
	const char *block;

	snprintf(head, sizeof(head), "%08" PRIx64 "-", start);
	block = strstr(text, head);
	assert_non_null(block);
	return value_of(block, key);
}

static void check_smaps_blocks(char *text, int nmaps)
{
	char **lines;
	size_t n = split_lines(text, &lines);

	assert_int_equal(n, (size_t)nmaps * (1 + NSMAPS));
	for (size_t i = 0; i < n; i++) {
		size_t k = i % (1 + NSMAPS);

		if (k == 0) {
			assert_true(matches(MAPS_RE, lines[i]));
			continue;
		}
		assert_string_equal(key_of(lines[i], ':'), SMAPS_KEYS[k - 1]);
		if (!strcmp(SMAPS_KEYS[k - 1], "VmFlags"))
			assert_true(matches("^VmFlags:( [a-z][a-z])+ $", lines[i]));
		else if (!strcmp(SMAPS_KEYS[k - 1], "THPeligible"))
			assert_true(matches("^THPeligible: +[01]$", lines[i]));
		else
			check_kb_line(lines[i]);
	}
	free(lines);
}

static void test_smaps(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "sh");
	struct vmfs_map maps[8];
	uint64_t anon, ro;

	anon = map_anon(m, pid, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ro = map_anon(m, pid, 2, PROT_READ, MAP_PRIVATE);
	touch(m, pid, anon, 3);

	char *text = render_pid(m, pid, fmt_pid_smaps);
	int n = vmfs_maps(m, pid, maps, 8);

	/* values: the mapping's touched pages, 4 kB each */
	assert_int_equal(smaps_value(text, anon, "Size"), 16);
	assert_int_equal(smaps_value(text, anon, "Rss"), 12);
	assert_int_equal(smaps_value(text, anon, "Pss"), 12);
	assert_int_equal(smaps_value(text, anon, "Private_Dirty"), 12);
	assert_int_equal(smaps_value(text, anon, "Anonymous"), 12);
	assert_int_equal(smaps_value(text, anon, "Referenced"), 12);
	assert_int_equal(smaps_value(text, anon, "Swap"), 0);
	assert_int_equal(smaps_value(text, ro, "Rss"), 0);
	assert_non_null(strstr(text, "VmFlags: rd wr mr mw me ac sd \n"));
	assert_non_null(strstr(text, "VmFlags: rd mr mw me sd \n"));
	check_smaps_blocks(text, n);
	free(text);

	/* after fork the pages are shared: Pss halves */
	int child = vmfs_fork(m, pid);
	assert_true(child > 0);
	text = render_pid(m, pid, fmt_pid_smaps);
	assert_int_equal(smaps_value(text, anon, "Rss"), 12);
	assert_int_equal(smaps_value(text, anon, "Shared_Dirty"), 12);
	assert_int_equal(smaps_value(text, anon, "Private_Dirty"), 0);
	assert_int_equal(smaps_value(text, anon, "Pss"), 6);
	free(text);

	/* rollup: the header line, then the sums */
	char **lines;
	text = render_pid(m, pid, fmt_pid_smaps_rollup);
	size_t nl = split_lines(text, &lines);
	assert_int_equal(nl, 1 + NROLLUP);
	assert_true(matches(MAPS_RE, lines[0]));
	assert_true(matches("^[0-9a-f]{8,}-[0-9a-f]{8,} ---p 00000000 00:00 0 +\\[rollup\\]$",
			    lines[0]));
	assert_int_equal(strstr(lines[0], "[rollup]") - lines[0], 73);
	for (size_t i = 1; i < nl; i++) {
		assert_string_equal(key_of(lines[i], ':'), ROLLUP_KEYS[i - 1]);
		check_kb_line(lines[i]);
	}
	assert_int_equal(value_of(lines[1], "Rss"), 12);
	free(lines);
	free(text);
	vmfs_close(m);
}

static void test_swap_after_reclaim(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = vmfs_spawn(m, "worker");
	uint64_t anon = map_anon(m, pid, 8, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct vmfs_proc_stat ps;

	touch(m, pid, anon, 8);
	assert_true(vmfs_reclaim(m, 64) >= 8);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);
	assert_int_equal(ps.swap, 8);

	char *text = render_pid(m, pid, fmt_pid_smaps);
	assert_int_equal(smaps_value(text, anon, "Rss"), 0);
	assert_int_equal(smaps_value(text, anon, "Swap"), 32);
	assert_int_equal(smaps_value(text, anon, "SwapPss"), 32);
	free(text);

	text = render_pid(m, pid, fmt_pid_status);
	assert_int_equal(value_of(text, "VmSwap"), 32);
	assert_int_equal(value_of(text, "VmRSS"), 0);
	assert_int_equal(value_of(text, "VmHWM"), 32);
	free(text);

	text = render(m, fmt_meminfo);
	struct vmfs_stat st;
	assert_int_equal(vmfs_stat(m, &st), 0);
	assert_int_equal(value_of(text, "SwapTotal") - value_of(text, "SwapFree"),
			 (int64_t)st.swap_used * 4);
	free(text);

	/* swaps: one file row, Used in kB */
	char **lines;
	text = render(m, fmt_swaps);
	size_t n = split_lines(text, &lines);
	char path[4096], type[16];
	uint64_t size, used;
	int prio;
	assert_int_equal(n, 2);
	assert_int_equal(sscanf(lines[1], "%4095s %15s %" SCNu64 " %" SCNu64 " %d",
				path, type, &size, &used, &prio), 5);
	assert_string_equal(type, "file");
	assert_int_equal(used, st.swap_used * 4);
	assert_true(size >= used);
	assert_int_equal(prio, -2);
	if (strlen(path) < 40)   /* the path padded to column 40, then the type */
		assert_true(lines[1][39] == ' ' && !strncmp(lines[1] + 40, "file\t\t", 6));
	free(lines);
	free(text);

	/* the page table names the swap slots */
	text = render_pid(m, pid, fmt_pid_pagetable);
	size_t slots = 0;
	for (const char *p = text; (p = strstr(p, "-> swap slot ")); p++)
		slots++;
	assert_int_equal(slots, 8);
	free(text);
	vmfs_close(m);
}

/* ---- /proc/PID/stat, statm, status, comm, cmdline ---------------------------------- */

static void test_pid_stat(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "a name) with (parens");
	uint64_t anon = map_anon(m, pid, 5, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct vmfs_proc_stat ps;
	char b;

	touch(m, pid, anon, 3);
	assert_true(vmfs_read(m, pid, 0x1000, &b, 1) < 0);   /* a segfault */
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);

	char *text = render_pid(m, pid, fmt_pid_stat);
	/* readers split at the last ')' */
	char *close = strrchr(text, ')');
	assert_non_null(close);
	assert_int_equal(strncmp(text, "1 (", 3), 0);
	assert_true(matches("^[0-9]+ \\(.*\\) [RSDZTtXxKWPI] ", text));
	assert_int_equal(text[strlen(text) - 1], '\n');

	uint64_t f[64];
	int nf = 2;   /* pid and comm */
	for (char *tok = strtok(close + 1, " \n"); tok; tok = strtok(NULL, " \n")) {
		assert_true(nf < 64);
		f[nf] = nf == 2 ? (uint64_t)tok[0] : strtoull(tok, NULL, 10);
		nf++;
	}
	assert_int_equal(nf, 52);
	/* man 5 proc numbers the fields from 1 */
	assert_int_equal(f[10 - 1], ps.min_flt);
	assert_int_equal(f[12 - 1], ps.maj_flt);
	assert_int_equal(f[22 - 1], ps.start_ns / 10000000);
	assert_int_equal(f[23 - 1], ps.vm_pages * PAGE);
	assert_int_equal(f[24 - 1], ps.rss_anon + ps.rss_file + ps.rss_shmem);
	assert_int_equal(f[24 - 1], 3);
	assert_int_equal(f[4 - 1], (uint64_t)ps.ppid);
	assert_int_equal(f[5 - 1], (uint64_t)pid);   /* a spawned process leads its group */
	assert_int_equal(f[6 - 1], (uint64_t)pid);
	assert_int_equal(f[35 - 1], 1);   /* wchan: 6.1's flag, a sleeping task, permitted */
	assert_int_equal(f[38 - 1], 17);  /* exit_signal still in its place */
	free(text);
	/* a reader without ptrace_may_access sees wchan 0 and startcode and
	 * endcode 1 (do_task_stat: "permitted ? mm->start_code : 1"; this
	 * process never exec'd, so they are 0 to the permitted), the rest the same */
	char *plain = render_pid(m, pid, fmt_pid_stat);
	text = render_pid(m, pid, fmt_pid_stat_noptrace);
	close = strrchr(plain, ')');
	char *fld = close;
	for (int k = 2; k < 35; k++) {
		fld = strchr(fld + 1, ' ');
		if (k == 25 || k == 26) {   /* the space before fields 26 and 27 */
			assert_int_equal(fld[1], '0');
			fld[1] = '1';
		}
	}
	assert_int_equal(fld[1], '1');
	fld[1] = '0';
	assert_string_equal(text, plain);
	free(plain);
	free(text);

	text = render_pid(m, pid, fmt_pid_statm);
	uint64_t sz, res, shared, txt, lib, data, dt;
	assert_true(matches("^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+\n$", text));
	assert_int_equal(sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
				" %" SCNu64 " %" SCNu64, &sz, &res, &shared, &txt, &lib, &data, &dt), 7);
	assert_int_equal(sz, ps.vm_pages);
	assert_int_equal(res, 3);
	assert_int_equal(data, 5);
	free(text);

	text = render_pid(m, pid, fmt_pid_comm);
	assert_string_equal(text, "a name) with (p\n");   /* 15 bytes of comm */
	free(text);

	struct sbuf s = { 0 };
	assert_int_equal(fmt_pid_cmdline(m, pid, &s), 0);
	assert_int_equal(s.len, strlen("a name) with (parens") + 1);
	assert_string_equal(s.buf, "a name) with (parens");
	sbuf_free(&s);

	text = render(m, fmt_kmsg);
	char want[64];
	snprintf(want, sizeof(want), "[%d]: segfault at 1000 ip ", pid);
	assert_non_null(strstr(text, want));
	free(text);
	vmfs_close(m);
}

static const char *const STATUS_KEYS[] = {
	"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid",
	"Gid", "FDSize", "Groups", "NStgid", "NSpid", "NSpgid", "NSsid", "VmPeak",
	"VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem",
	"VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages",
	"CoreDumping", "THP_enabled", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk",
	"SigIgn", "SigCgt", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	"NoNewPrivs", "Seccomp", "Seccomp_filters", "Speculation_Store_Bypass",
	"SpeculationIndirectBranch", "Cpus_allowed", "Cpus_allowed_list",
	"Mems_allowed", "Mems_allowed_list", "voluntary_ctxt_switches",
	"nonvoluntary_ctxt_switches",
};

static void test_pid_status(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "sh");
	uint64_t anon = map_anon(m, pid, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t shm = map_anon(m, pid, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	struct vmfs_proc_stat ps;
	char **lines;

	touch(m, pid, anon, 2);
	touch(m, pid, shm, 1);
	int child = vmfs_fork(m, pid);
	assert_int_equal(vmfs_proc_stat(m, child, &ps), 0);

	char *text = render_pid(m, child, fmt_pid_status);
	assert_int_equal(value_of(text, "Pid"), child);
	assert_int_equal(value_of(text, "PPid"), pid);
	assert_int_equal(value_of(text, "VmSize"), (int64_t)ps.vm_pages * 4);
	assert_int_equal(value_of(text, "VmRSS"),
			 (int64_t)(ps.rss_anon + ps.rss_file + ps.rss_shmem) * 4);
	assert_int_equal(value_of(text, "RssAnon"), (int64_t)ps.rss_anon * 4);
	assert_int_equal(value_of(text, "RssShmem"), (int64_t)ps.rss_shmem * 4);
	assert_int_equal(value_of(text, "VmPTE"), (int64_t)(ps.pt_pages - 1) * 4);   /* no pgd */
	assert_int_equal(ps.pgtables_pages, ps.pt_pages - 1);
	assert_int_equal(value_of(text, "VmData"), 16);

	size_t n = split_lines(text, &lines);
	assert_int_equal(n, sizeof(STATUS_KEYS) / sizeof(STATUS_KEYS[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(key_of(lines[i], ':'), STATUS_KEYS[i]);
		assert_true(matches("^[A-Za-z_]+:\t", lines[i]));   /* a tab after every key */
		if (matches(" kB$", lines[i]))
			assert_true(matches("^[A-Za-z]+:\t[ 0-9]{8,} kB$", lines[i]));
	}
	assert_string_equal(lines[2], "State:\tS (sleeping)");
	/* a forked child stays in its parent's process group and session */
	assert_int_equal(value_of(lines[14], "NSpgid"), pid);
	assert_int_equal(value_of(lines[15], "NSsid"), pid);
	assert_true(matches("^Sig(Pnd|Blk|Ign|Cgt):\t[0-9a-f]{16}$", lines[36]));
	assert_true(matches("^CapEff:\t[0-9a-f]{16}$", lines[43]));
	free(lines);
	free(text);
	vmfs_close(m);
}

/* ---- machine-wide files ---------------------------------------------------------- */

static const char *const MEMINFO_KEYS[] = {
	"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached",
	"Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)",
	"Inactive(file)", "Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Zswap",
	"Zswapped", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem",
	"KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack",
	"PageTables", "SecPageTables", "NFS_Unstable", "Bounce", "WritebackTmp",
	"CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed", "VmallocChunk",
	"Percpu", "HardwareCorrupted", "AnonHugePages", "ShmemHugePages",
	"ShmemPmdMapped", "FileHugePages", "FilePmdMapped", "CmaTotal", "CmaFree",
	"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp",
	"Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M", "DirectMap1G",
};

static const char MEMINFO_RE[] = "^[A-Za-z0-9_()]+: +[0-9]+( kB)?$";

static void test_meminfo(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256");
	int pid = vmfs_spawn(m, "sh");
	struct vmfs_stat st;
	char **lines;

	touch(m, pid, map_anon(m, pid, 6, PROT_READ | PROT_WRITE, MAP_PRIVATE), 6);
	touch(m, pid, map_anon(m, pid, 2, PROT_READ | PROT_WRITE, MAP_SHARED), 2);
	char *text = render(m, fmt_meminfo);
	assert_int_equal(vmfs_stat(m, &st), 0);

	assert_int_equal(value_of(text, "MemTotal"), (int64_t)st.frames * 4);
	assert_int_equal(value_of(text, "MemFree"), (int64_t)st.frames_free * 4);
	assert_int_equal(value_of(text, "AnonPages"), 24);
	assert_int_equal(value_of(text, "Shmem"), 8);
	assert_int_equal(value_of(text, "Cached"), (int64_t)st.file_pages * 4);
	assert_int_equal(value_of(text, "PageTables"), (int64_t)st.pagetable_pages * 4);
	/* VM_ACCOUNT mappings (6 pages) and the shared object (2), CommitLimit
	 * frames * 50% + SwapTotal (unlimited swap: used + frames) */
	assert_int_equal(value_of(text, "Committed_AS"), 32);
	assert_int_equal(value_of(text, "Committed_AS"), (int64_t)st.committed_as * 4);
	assert_int_equal(value_of(text, "CommitLimit"), (int64_t)(128 + 256) * 4);
	assert_int_equal(value_of(text, "CommitLimit"), (int64_t)st.commit_limit * 4);

	size_t n = split_lines(text, &lines);
	assert_int_equal(n, sizeof(MEMINFO_KEYS) / sizeof(MEMINFO_KEYS[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(key_of(lines[i], ':'), MEMINFO_KEYS[i]);
		assert_true(matches(MEMINFO_RE, lines[i]));
		/* show_val_kb(): the value ends at column 24, "HugePages_*: %5lu" at 24 too */
		if (strtoull(strpbrk(lines[i], "0123456789"), NULL, 10) < 10000)
			assert_int_equal(strlen(lines[i]), matches(" kB$", lines[i]) ? 27 : 24);
	}
	free(lines);
	free(text);
	vmfs_close(m);
}

/* The names readers look up (SPEC §3 and the brief), and where their values come from. */
static void test_vmstat(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64,swap=none");
	int pid = vmfs_spawn(m, "hog");
	uint64_t big = map_anon(m, pid, 128, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct vmfs_stat st;
	char b = 1, **lines;

	/* fill memory until an allocation fails: OOM with nothing to evict */
	ssize_t r = 0;
	for (uint64_t i = 0; i < 128 && r >= 0; i++)
		r = vmfs_write(m, pid, big + i * PAGE, &b, 1);
	assert_int_equal(r, -ENOMEM);

	char *text = render(m, fmt_vmstat);
	assert_int_equal(vmfs_stat(m, &st), 0);
	const struct { const char *key; uint64_t val; } want[] = {
		{ "pgfault", st.pgfault }, { "pgmajfault", st.pgmajfault },
		{ "pswpin", st.pswpin }, { "pswpout", st.pswpout },
		{ "pgsteal_direct", st.pgsteal_direct }, { "pgscan_direct", st.pgscan_direct },
		{ "pgfree", st.pgfree }, { "pgalloc_normal", st.pgalloc },
		{ "oom_kill", st.oom_kill }, { "nr_free_pages", st.frames_free },
		{ "nr_anon_pages", st.anon_pages }, { "nr_mapped", st.mapped_pages },
		{ "nr_file_pages", st.file_pages + st.swap_cached },
		{ "nr_shmem", st.shmem_pages }, { "nr_page_table_pages", st.pagetable_pages },
		{ "nr_swapcached", st.swap_cached },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(value_of(text, want[i].key), (int64_t)want[i].val);
	assert_true(st.oom_kill >= 1);
	assert_int_equal(value_of(text, "nr_anon_pages"), 64);

	size_t n = split_lines(text, &lines);
	for (size_t i = 0; i < n; i++) {
		assert_true(matches("^[a-z0-9_]+ [0-9]+$", lines[i]));
		for (size_t j = 0; j < i; j++) {   /* every name once */
			size_t li = strcspn(lines[i], " "), lj = strcspn(lines[j], " ");

			assert_false(li == lj && !strncmp(lines[i], lines[j], li));
		}
	}
	assert_string_equal(lines[0], "nr_free_pages 0");
	assert_string_equal(lines[n - 1], "nr_unstable 0");
	free(lines);
	free(text);

	/* swap=none: the header alone */
	text = render(m, fmt_swaps);
	assert_string_equal(text, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	free(text);
	text = render(m, fmt_kmsg);
	assert_non_null(strstr(text, "hog"));
	free(text);
	vmfs_close(m);
}

static void test_stat_uptime(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = vmfs_spawn(m, "init");
	struct vmfs_stat st;
	char **lines;

	assert_true(vmfs_fork(m, pid) > 0);
	assert_true(vmfs_spawn(m, "other") > 0);
	char *text = render(m, fmt_stat);
	assert_int_equal(vmfs_stat(m, &st), 0);
	assert_int_equal(value_of(text, "btime"), (int64_t)st.boot_time);
	assert_int_equal(value_of(text, "processes"), 3);

	size_t n = split_lines(text, &lines);
	const char *const keys[] = { "cpu", "cpu0", "intr", "ctxt", "btime", "processes",
				     "procs_running", "procs_blocked", "softirq" };
	assert_int_equal(n, sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(key_of(lines[i], ' '), keys[i]);
		assert_true(matches("^[a-z_]+[0-9]*( +[0-9]+)+$", lines[i]));
	}
	assert_true(matches("^cpu  [0-9]+( [0-9]+){9}$", lines[0]));   /* two spaces, 10 times */
	assert_true(matches("^softirq [0-9]+( [0-9]+){10}$", lines[8]));
	free(lines);
	free(text);

	text = render(m, fmt_uptime);
	assert_true(matches("^[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{2}\n$", text));
	free(text);
	vmfs_close(m);
}

/* VmFlags of a shared mapping of an object read-only when mapped: no sh, no
 * mw (VM_SHARED|VM_MAYWRITE cleared at mmap), whatever the mode becomes. */
static void test_vmflags_maywrite(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=64");
	int pid = vmfs_spawn(m, "sh");
	uint64_t ro, rw;

	assert_int_equal(vmfs_object_create(m, "data", NULL, 2 * PAGE), 0);
	assert_int_equal(vmfs_object_chmod(m, "data", 0444), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, PROT_READ, MAP_SHARED, "data", 0, &ro), 0);
	assert_int_equal(vmfs_object_chmod(m, "data", 0644), 0);
	assert_int_equal(vmfs_mmap(m, pid, 0, PAGE, PROT_READ, MAP_SHARED, "data", PAGE, &rw), 0);
	assert_int_equal(vmfs_object_chmod(m, "data", 0444), 0);
	char *text = render_pid(m, pid, fmt_pid_smaps);
	char *at_ro = strstr(text, "VmFlags: rd mr me ms sd \n");
	char *at_rw = strstr(text, "VmFlags: rd sh mr mw me ms sd \n");
	assert_non_null(at_ro);
	assert_non_null(at_rw);
	/* each belongs to its own mapping: the blocks come in address order */
	assert_true((ro < rw) == (at_ro < at_rw));
	free(text);
	vmfs_close(m);
}

/* ---- config (vmfs only) ------------------------------------------------------------ */

/* The options as given, in the fixed order; the policy in use after a switch. */
static void test_config(void **state)
{
	(void)state;
	vmfs *m = open_machine("levels=3,frames=64,tlb=0,kernel=64K,swap=none,policy=arc");
	char *text = render(m, fmt_config);

	assert_string_equal(text, "levels 3\nva_bits 39\nframes 64\npolicy arc\ntlb 0\n"
				  "kernel 65536\nswap none\nswap_size 0\nmax_map_count 65530\ncontents ram\n"
				  "zero_page 1\novercommit_memory 1\novercommit_ratio 50\nswappiness 60\n"
				  "aslr 0\nseed 0\nread_ahead_kb 128\nslice 200000\ncpu_tlb 1\nhugepages 0\nhugepages_1g 0\n");
	free(text);
	assert_int_equal(vmfs_set_policy(m, "fifo", NULL, NULL), 0);
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\npolicy fifo\n"));
	free(text);
	vmfs_close(m);

	/* The options' values, then the tunables as they are now. */
	m = open_machine("frames=64,zero_page=0,overcommit_memory=2,overcommit_ratio=80,swappiness=10");
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\ncontents ram\nzero_page 0\novercommit_memory 2\n"
				     "overcommit_ratio 80\nswappiness 10\n"));
	free(text);
	uint64_t v = 120;
	assert_int_equal(vmfs_sysctl(m, "vm.swappiness", NULL, &v), 0);
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\nswappiness 120\n"));
	free(text);
	vmfs_close(m);

	/* aslr and seed last: aslr is the option's 0|1 of kernel.randomize_va_space
	 * as it is now (1 and 2 both show 1), seed the option's, read-only. */
	m = open_machine("frames=64,aslr=1,seed=0xdeadbeef");
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\nswappiness 60\naslr 1\nseed 3735928559\n"));
	free(text);
	uint64_t seed = 7;
	assert_int_equal(vmfs_sysctl(m, "vmfs.seed", NULL, &seed), -EACCES);
	for (uint64_t r = 0; r <= 2; r++) {
		assert_int_equal(vmfs_sysctl(m, "kernel.randomize_va_space", NULL, &r), 0);
		text = render(m, fmt_config);
		assert_non_null(strstr(text, r ? "\naslr 1\nseed 3735928559\n" : "\naslr 0\nseed 3735928559\n"));
		free(text);
	}
	vmfs_close(m);

	/* cpu_tlb last (since 0.7): the option's, then the tunable's value now. */
	m = open_machine("frames=64,cpu_tlb=0");
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\nread_ahead_kb 128\nslice 200000\ncpu_tlb 0\n"));
	free(text);
	uint64_t one = 1;
	assert_int_equal(vmfs_sysctl(m, "vmfs.cpu_tlb", NULL, &one), 0);
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\ncpu_tlb 1\n"));
	free(text);
	vmfs_close(m);

	/* read_ahead_kb, as sys/vm/read_ahead_kb shows it now. */
	m = open_machine("frames=64,read_ahead_kb=16");
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\nseed 0\nread_ahead_kb 16\nslice 200000\n"));
	free(text);
	uint64_t kb = 0;
	assert_int_equal(vmfs_sysctl(m, "vm.read_ahead_kb", NULL, &kb), 0);
	text = render(m, fmt_config);
	assert_non_null(strstr(text, "\nread_ahead_kb 0\nslice 200000\ncpu_tlb 1\n"));
	free(text);
	vmfs_close(m);

	char path[] = "/tmp/test_procfmt-XXXXXX", opts[128], want[320];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(opts, sizeof(opts), "frames=32,swap=%s,swap_size=2M", path);
	m = open_machine(opts);
	text = render(m, fmt_config);
	snprintf(want, sizeof(want), "levels 4\nva_bits 48\nframes 32\npolicy clock\ntlb 64\n"
		 "kernel 1048576\nswap %s\nswap_size 2097152\nmax_map_count 65530\ncontents ram\n"
		 "zero_page 1\novercommit_memory 1\novercommit_ratio 50\nswappiness 60\n"
		 "aslr 0\nseed 0\nread_ahead_kb 128\nslice 200000\ncpu_tlb 1\nhugepages 0\nhugepages_1g 0\n", path);
	assert_string_equal(text, want);
	free(text);
	vmfs_close(m);
	for (size_t i = 0; i < 4; i++) {   /* the store and SQLite's files beside it */
		static const char *const suffix[] = { "", "-journal", "-wal", "-shm" };

		snprintf(want, sizeof(want), "%s%s", path, suffix[i]);
		unlink(want);
	}
}

/* ---- /proc/PID/pagetable ------------------------------------------------------------ */

static void test_pagetable(void **state)
{
	(void)state;
	vmfs *m = open_machine("frames=256,levels=5");
	int pid = vmfs_spawn(m, "sh");
	uint64_t anon = map_anon(m, pid, 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct vmfs_proc_stat ps;
	char **lines, head[128];
	size_t leaves = 0;

	touch(m, pid, anon, 3);
	assert_int_equal(vmfs_mprotect(m, pid, anon, PAGE, PROT_NONE), 0);
	assert_int_equal(vmfs_proc_stat(m, pid, &ps), 0);

	char *text = render_pid(m, pid, fmt_pid_pagetable);
	size_t n = split_lines(text, &lines);
	snprintf(head, sizeof(head), "cr3 0x%016" PRIx64 ": pgd at phys 0x%" PRIx64
		 "; 5 levels: pgd p4d pud pmd pte;", ps.cr3, ps.cr3 << 12);
	assert_int_equal(strncmp(lines[0], head, strlen(head)), 0);
	assert_int_equal(n, 1 + 4 + 3);   /* one entry per upper level, three leaves */
	for (size_t i = 1; i < n; i++) {
		uint64_t addr, entry, raw = 0, va;
		unsigned idx;
		char name[8];
		int indent = (int)strspn(lines[i], " ");

		assert_int_equal(sscanf(lines[i] + indent, "%7[a-z0-9][%u] @0x%" SCNx64 " 0x%" SCNx64
					" va 0x%" SCNx64, name, &idx, &addr, &entry, &va), 5);
		assert_string_equal(name, vmfs_level_name(5, indent / 2));
		/* the student's check: hexdump phys at @addr shows the entry */
		assert_int_equal(vmfs_phys_read(m, addr, &raw, 8), 8);
		assert_int_equal(raw, entry);
		if (indent / 2 == 4) {
			leaves++;
			assert_true(va >= anon && va < anon + 3 * PAGE);
			assert_true(matches(va == anon ? "-> frame 0x[0-9a-f]+ PROTNONE  .*PROTNONE"
						       : "-> frame 0x[0-9a-f]+  P RW US A D", lines[i]));
		} else {
			assert_true(matches("-> table 0x[0-9a-f]+  P RW US", lines[i]));
		}
	}
	assert_int_equal(leaves, 3);
	free(lines);
	free(text);
	vmfs_close(m);
}

/* ---- shape against the host's /proc ----------------------------------------------- */

/* The keys of @text (up to @sep) in order. */
static size_t keys_of(char *text, char sep, char ***keys)
{
	char **lines;
	size_t n = split_lines(text, &lines);

	for (size_t i = 0; i < n; i++)
		lines[i][strcspn(lines[i], (char[]){ sep, '\0' })] = '\0';
	*keys = lines;
	return n;
}

/*
 * Every line of the host's file has the format @re ours has; on a 6.1 host
 * the keys both print come in the same order too.
 */
static void compare_with_host(vmfs *m, machine_fmt fn, const char *path, const char *re,
			      char sep, bool strict)
{
	char *ours = render(m, fn), *host = read_host_file(path);
	char **ok, **hk;
	size_t no, nh, common = 0, in_order = 0, j = 0;

	if (!host) {
		print_message("note: %s is not readable here; comparison skipped\n", path);
		free(ours);
		return;
	}
	{
		char *copy = strdup(host), **lines;
		size_t n = split_lines(copy, &lines);

		for (size_t i = 0; i < n; i++)
			if (!matches(re, lines[i]))
				fail_msg("%s line \"%s\" does not have the format \"%s\"", path,
					 lines[i], re);
		free(lines);
		free(copy);
	}
	no = keys_of(ours, sep, &ok);
	nh = keys_of(host, sep, &hk);
	/* our keys that the host has: do they come in the host's order? */
	for (size_t i = 0; i < no; i++) {
		size_t pos = 0;

		while (pos < nh && strcmp(hk[pos], ok[i]))
			pos++;
		if (pos == nh)
			continue;
		common++;
		if (pos >= j) {
			in_order++;
			j = pos + 1;
		} else if (strict) {
			fail_msg("%s: \"%s\" comes in another order than on the host", path, ok[i]);
		} else {
			print_message("note: %s: \"%s\" comes elsewhere on the host\n", path, ok[i]);
		}
	}
	assert_true(common > 0);
	print_message("note: %s: %zu of our %zu keys are on the host (%zu lines), %zu in the "
		      "host's order\n", path, common, no, nh, in_order);
	free(ok);
	free(hk);
	free(ours);
	free(host);
}

static void test_host_shape(void **state)
{
	(void)state;
	char release[128];
	bool strict = host_is_61(release, sizeof(release));
	vmfs *m = open_machine("frames=64");

	if (!strict)
		print_message("note: the host runs Linux %s, not 6.1: only the line formats are "
			      "compared, the key order is not (releases add and move keys)\n",
			      release);
	compare_with_host(m, fmt_meminfo, "/proc/meminfo", MEMINFO_RE, ':', strict);
	compare_with_host(m, fmt_vmstat, "/proc/vmstat", "^[a-z0-9_]+ [0-9]+$", ' ', strict);
	compare_with_host(m, fmt_stat, "/proc/stat", "^[a-z_]+[0-9]*( +[0-9]+)+$", ' ', strict);
	vmfs_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_maps_host_padding),
		cmocka_unit_test(test_smaps),
		cmocka_unit_test(test_vmflags_maywrite),
		cmocka_unit_test(test_swap_after_reclaim),
		cmocka_unit_test(test_pid_stat),
		cmocka_unit_test(test_pid_status),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_vmstat),
		cmocka_unit_test(test_stat_uptime),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_pagetable),
		cmocka_unit_test(test_host_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
